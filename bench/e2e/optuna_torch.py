"""bench:e2e peer: examples/fashion-mnist.yaml as the Optuna + PyTorch script a user would write:
an Optuna study run with study.optimize(n_jobs=2) (threads, torch.set_num_threads(1)), autograd with
torch.optim.SGD (momentum 0.9, cosine schedule per epoch), the same 10,000 images, 3 stratified
folds, 12 epochs.

Two workloads. With "configs" in the spec (the default of `npm run bench:e2e`) the study trains
exactly the configurations our embedded study trained, in its trial order: each is queued with
study.enqueue_trial under the names the objective suggests (depth, width_<i>, activation_<i> per
hidden layer, learningRate, batchSize), so both sides train the same networks and the study seconds
compare equal work. Without "configs" (`--fashion-peer random`) it samples its own configurations
with RandomSampler(seed), one width and one activation for all layers, `trials` of them.

Usage: /usr/bin/python3 optuna_torch.py <spec.json> <X.f32> <y.f32>
spec.json: {"n", "d", "classes", "folds", "epochs", "trials", "depth": [lo, hi], "width": [lo, hi],
"activations": [...], "lr": [lo, hi], "batch": [...], "momentum", "leakyAlpha", "seed",
"configs"?: [{"widths": [...], "activations": [...], "learningRate", "batchSize"}, ...]}
Prints one JSON line: study seconds, trials/s, the best CV accuracy, the sum of the trials' own
seconds (trialSeconds) and each trial's accuracy in trial order (scores).
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


class Abs(torch.nn.Module):
    def forward(self, x):
        return torch.abs(x)


def act(name, width, leaky_alpha):
    # PReLU: one slope per unit (initially 0.25), as our networks have.
    return {
        "relu": torch.nn.ReLU,
        "leaky_relu": lambda: torch.nn.LeakyReLU(leaky_alpha),
        "prelu": lambda: torch.nn.PReLU(width),
        "tanh": torch.nn.Tanh,
        "sigmoid": torch.nn.Sigmoid,
        "abs": Abs,
    }[name]()


def main():
    spec = json.load(open(sys.argv[1]))
    n, d = spec["n"], spec["d"]
    X = np.fromfile(sys.argv[2], dtype=np.float32).reshape(n, d)
    y = np.fromfile(sys.argv[3], dtype=np.float32).astype(np.int64)
    folds = list(StratifiedKFold(spec["folds"], shuffle=True, random_state=spec["seed"]).split(X, y))
    configs = spec.get("configs")
    leaky_alpha = spec.get("leakyAlpha", 0.01)

    def suggest(trial):
        depth = trial.suggest_int("depth", *spec["depth"])
        if configs is not None:
            widths = [trial.suggest_int(f"width_{i}", *spec["width"], log=True) for i in range(depth)]
            acts = [trial.suggest_categorical(f"activation_{i}", spec["activations"]) for i in range(depth)]
        else:
            widths = [trial.suggest_int("width", *spec["width"], log=True)] * depth
            acts = [trial.suggest_categorical("activation", spec["activations"])] * depth
        lr = trial.suggest_float("learningRate", *spec["lr"], log=True)
        batch = trial.suggest_categorical("batchSize", spec["batch"])
        return widths, acts, lr, batch

    def objective(trial):
        t0 = time.time()
        widths, acts, lr, batch = suggest(trial)
        torch.manual_seed(trial.number)
        scores = []
        for tr, te in folds:
            mean, std = X[tr].mean(0), X[tr].std(0) + 1e-8
            xtr, xte = torch.from_numpy((X[tr] - mean) / std), torch.from_numpy((X[te] - mean) / std)
            ytr, yte = torch.from_numpy(y[tr]), torch.from_numpy(y[te])
            layers, w = [], d
            for width, a in zip(widths, acts):
                layers += [torch.nn.Linear(w, width), act(a, width, leaky_alpha)]
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
        trial.set_user_attr("seconds", time.time() - t0)
        return float(np.mean(scores))

    study = optuna.create_study(direction="maximize", sampler=optuna.samplers.RandomSampler(seed=spec["seed"]))
    queued = []
    for c in configs or []:
        params = {"depth": len(c["widths"]), "learningRate": c["learningRate"], "batchSize": c["batchSize"]}
        for i, (width, a) in enumerate(zip(c["widths"], c["activations"])):
            params[f"width_{i}"] = width
            params[f"activation_{i}"] = a
        study.enqueue_trial(params)
        queued.append(params)
    n_trials = len(configs) if configs is not None else spec["trials"]
    t0 = time.time()
    study.optimize(objective, n_trials=n_trials, n_jobs=2)
    seconds = time.time() - t0
    for t in study.trials[:len(queued)]:
        if t.params != queued[t.number]:
            raise SystemExit(f"trial {t.number} trained {t.params}, not the queued {queued[t.number]}")
    done = [t for t in study.trials if t.state == optuna.trial.TrialState.COMPLETE]
    print(json.dumps({
        "seconds": seconds,
        "trials": len(done),
        "trialsPerSecond": len(done) / seconds,
        "best": study.best_value,
        "trialSeconds": sum(t.user_attrs.get("seconds", 0.0) for t in done),
        "scores": [t.value for t in sorted(study.trials, key=lambda t: t.number)],
    }))


if __name__ == "__main__":
    main()
