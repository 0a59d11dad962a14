"""bench:e2e peer: examples/fashion-mnist.yaml as the Optuna + PyTorch script a user would write:
RandomSampler, 2 jobs (threads, torch.set_num_threads(1)), autograd with torch.optim.SGD (momentum
0.9, cosine schedule per epoch), the same 10,000 images, 3 stratified folds, 12 epochs, 12 trials.

Usage: /usr/bin/python3 optuna_torch.py <spec.json> <X.f32> <y.f32>
spec.json: {"n", "d", "classes", "folds", "epochs", "trials", "depth": [lo, hi], "width": [lo, hi],
"activations": [...], "lr": [lo, hi], "batch": [...], "momentum", "seed"}
Prints one JSON line: study seconds, trials/s and the best CV accuracy.
"""
import json
import sys
import time

import numpy as np
import optuna
import torch
from sklearn.model_selection import StratifiedKFold

optuna.logging.set_verbosity(optuna.logging.WARNING)
torch.set_num_threads(1)


def act(name):
    return {"relu": torch.nn.ReLU, "leaky_relu": lambda: torch.nn.LeakyReLU(0.01), "prelu": torch.nn.PReLU, "tanh": torch.nn.Tanh}[name]()


def main():
    spec = json.load(open(sys.argv[1]))
    n, d = spec["n"], spec["d"]
    X = np.fromfile(sys.argv[2], dtype=np.float32).reshape(n, d)
    y = np.fromfile(sys.argv[3], dtype=np.float32).astype(np.int64)
    folds = list(StratifiedKFold(spec["folds"], shuffle=True, random_state=spec["seed"]).split(X, y))

    def objective(trial):
        depth = trial.suggest_int("depth", *spec["depth"])
        width = trial.suggest_int("width", *spec["width"], log=True)
        a = trial.suggest_categorical("activation", spec["activations"])
        lr = trial.suggest_float("learningRate", *spec["lr"], log=True)
        batch = trial.suggest_categorical("batchSize", spec["batch"])
        torch.manual_seed(trial.number)
        scores = []
        for tr, te in folds:
            mean, std = X[tr].mean(0), X[tr].std(0) + 1e-8
            xtr, xte = torch.from_numpy((X[tr] - mean) / std), torch.from_numpy((X[te] - mean) / std)
            ytr, yte = torch.from_numpy(y[tr]), torch.from_numpy(y[te])
            layers, w = [], d
            for _ in range(depth):
                layers += [torch.nn.Linear(w, width), act(a)]
                w = width
            model = torch.nn.Sequential(*layers, torch.nn.Linear(w, spec["classes"]))
            opt = torch.optim.SGD(model.parameters(), lr=lr, momentum=spec["momentum"])
            sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=spec["epochs"])
            loss_fn = torch.nn.CrossEntropyLoss()
            for _ in range(spec["epochs"]):
                perm = torch.randperm(len(tr))
                for s in range(0, len(tr), batch):
                    idx = perm[s:s + batch]
                    opt.zero_grad()
                    loss_fn(model(xtr[idx]), ytr[idx]).backward()
                    opt.step()
                sched.step()
            with torch.no_grad():
                scores.append(float((model(xte).argmax(1) == yte).float().mean()))
        return float(np.mean(scores))

    study = optuna.create_study(direction="maximize", sampler=optuna.samplers.RandomSampler(seed=spec["seed"]))
    t0 = time.time()
    study.optimize(objective, n_trials=spec["trials"], n_jobs=2)
    seconds = time.time() - t0
    done = [t for t in study.trials if t.state == optuna.trial.TrialState.COMPLETE]
    print(json.dumps({"seconds": seconds, "trials": len(done), "trialsPerSecond": len(done) / seconds, "best": study.best_value}))


if __name__ == "__main__":
    main()
