"""Peer for bench/load/run.ts: Optuna 3.1 with Postgres storage (RDBStorage over psycopg2).

Usage: /usr/bin/python3 optuna_peer.py <postgres-url> <trials> <processes>
Creates one study in the given (fresh) database, then <processes> processes each run
study.optimize on a trivial 3-parameter objective (random sampler, as ours) until <trials>
trials in all exist. Verifies every trial row and prints one JSON line: trials/s from the first
trial's start to the last one's completion, and p50/p99 of each trial's start→complete time.
"""
import json
import math
import multiprocessing as mp
import sys
import time

import optuna

optuna.logging.set_verbosity(optuna.logging.WARNING)


def objective(trial):
    lr = trial.suggest_float("learningRate", 1e-4, 1.0, log=True)
    width = trial.suggest_int("width", 2, 256, log=True)
    batch = trial.suggest_categorical("batchSize", [16, 64, 256])
    return 1 / (1 + (math.log10(lr) + 2) ** 2 + (math.log2(width) - 4) ** 2 / 16 + batch / 1024)


def work(url, name, n):
    storage = optuna.storages.RDBStorage(url)
    study = optuna.load_study(study_name=name, storage=storage, sampler=optuna.samplers.RandomSampler())
    study.optimize(objective, n_trials=n)


def pct(xs, p):
    s = sorted(xs)
    return s[min(len(s) - 1, int(p / 100 * len(s)))]


def main():
    url, trials, procs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    name = "load-bench"
    storage = optuna.storages.RDBStorage(url)
    optuna.create_study(study_name=name, storage=storage, direction="maximize")
    per = [trials // procs + (1 if i < trials % procs else 0) for i in range(procs)]
    t0 = time.time()
    ps = [mp.Process(target=work, args=(url, name, n)) for n in per]
    for p in ps:
        p.start()
    for p in ps:
        p.join()
    wall = time.time() - t0
    rows = optuna.load_study(study_name=name, storage=storage).get_trials(deepcopy=False)
    complete = [t for t in rows if t.state == optuna.trial.TrialState.COMPLETE]
    numbers = {t.number for t in rows}
    starts = [t.datetime_start.timestamp() for t in complete]
    ends = [t.datetime_complete.timestamp() for t in complete]
    lat = [(e - s) * 1000 for s, e in zip(starts, ends)]
    span = max(ends) - min(starts)
    print(json.dumps({
        "optuna": optuna.__version__,
        "processes": procs,
        "trials": len(rows),
        "complete": len(complete),
        "distinctNumbers": len(numbers),
        "verified": len(rows) == trials and len(complete) == trials and len(numbers) == trials
        and all(len(t.params) == 3 and t.value is not None for t in complete),
        "trialsPerSecond": round(len(complete) / span, 1),
        "wallSeconds": round(wall, 2),
        "latencyMs": {"p50": round(pct(lat, 50), 1), "p99": round(pct(lat, 99), 1), "from": "trial start → complete"},
    }))


if __name__ == "__main__":
    main()
