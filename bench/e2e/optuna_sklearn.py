"""bench:e2e peer: an Optuna 3.1 study (RandomSampler, n_jobs=2) of sklearn MLPClassifier on the
same data, search space, folds and epochs as a study file of ours.

Usage: /usr/bin/python3 optuna_sklearn.py <spec.json>
spec.json (written by run.ts): {"X": [[x0, x1], ...], "y": [...], "folds": k, "epochs": E, "trials": T,
"depth": [lo, hi], "width": [lo, hi, log], "activations": [...], "lr": [lo, hi], "batch": [...], "seed": s}
Prints one JSON line: study seconds, trials/s and the best CV accuracy.
"""
import json
import sys
import time
import warnings

import numpy as np
import optuna
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import StratifiedKFold
from sklearn.neural_network import MLPClassifier
from sklearn.preprocessing import StandardScaler

optuna.logging.set_verbosity(optuna.logging.WARNING)
warnings.filterwarnings("ignore", category=ConvergenceWarning)
ACT = {"relu": "relu", "sigmoid": "logistic", "tanh": "tanh"}


def main():
    spec = json.load(open(sys.argv[1]))
    X = np.asarray(spec["X"], dtype=np.float64)
    y = np.asarray(spec["y"], dtype=np.int64)
    folds = list(StratifiedKFold(spec["folds"], shuffle=True, random_state=spec["seed"]).split(X, y))

    def objective(trial):
        depth = trial.suggest_int("depth", *spec["depth"])
        lo, hi, log = spec["width"]
        widths = tuple(trial.suggest_int(f"width{i}", lo, hi, log=log) for i in range(depth))
        act = trial.suggest_categorical("activation", spec["activations"])
        lr = trial.suggest_float("learningRate", *spec["lr"], log=True)
        batch = trial.suggest_categorical("batchSize", spec["batch"])
        scores = []
        for k, (tr, te) in enumerate(folds):
            sc = StandardScaler().fit(X[tr])  # ours standardizes per fold with the training part's statistics
            m = MLPClassifier(hidden_layer_sizes=widths, activation=ACT[act], solver="sgd", learning_rate_init=lr,
                              batch_size=batch, max_iter=spec["epochs"], momentum=0.0, nesterovs_momentum=False, alpha=0.0,
                              tol=0.0, n_iter_no_change=spec["epochs"] + 1, shuffle=True, random_state=trial.number * 100 + k)
            m.fit(sc.transform(X[tr]), y[tr])
            scores.append(m.score(sc.transform(X[te]), y[te]))
        return float(np.mean(scores))

    study = optuna.create_study(direction="maximize", sampler=optuna.samplers.RandomSampler(seed=spec["seed"]))
    t0 = time.time()
    study.optimize(objective, n_trials=spec["trials"], n_jobs=2)
    seconds = time.time() - t0
    done = [t for t in study.trials if t.state == optuna.trial.TrialState.COMPLETE]
    print(json.dumps({"seconds": seconds, "trials": len(done), "trialsPerSecond": len(done) / seconds, "best": study.best_value}))


if __name__ == "__main__":
    main()
