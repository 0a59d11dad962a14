"""Peer for sampler-speed.ts: Optuna's TPE suggestion rate on the same 6-parameter space.

Reads a JSON spec on stdin: {"sizes": [...], "suggestions": {size: k}, "time_cap_s": t, "seed": s}.
For each size n it fills an in-memory study with n finished trials (random configurations, the
same synthetic objective as the TypeScript side), then times ask() + the six suggest_* calls,
stopping after k suggestions or time_cap_s seconds, whichever comes first. Prints one JSON line.
"""
import json
import math
import random
import sys
import time

import optuna

optuna.logging.set_verbosity(optuna.logging.WARNING)

ACTIVATIONS = ["relu", "leaky_relu", "tanh", "sigmoid"]
BATCHES = [16, 64, 256]
DISTS = {
    "depth": optuna.distributions.IntDistribution(1, 4),
    "width": optuna.distributions.IntDistribution(2, 256, log=True),
    "activation": optuna.distributions.CategoricalDistribution(ACTIVATIONS),
    "learningRate": optuna.distributions.FloatDistribution(1e-4, 1.0, log=True),
    "momentum": optuna.distributions.FloatDistribution(0.0, 0.95),
    "batchSize": optuna.distributions.CategoricalDistribution(BATCHES),
}


def score(p):
    lr = math.log10(p["learningRate"]) - math.log10(0.05)
    widths = (math.log2(p["width"]) - 5) ** 2
    act = 0 if p["activation"] in ("relu", "leaky_relu") else 1
    return -(lr * lr + 0.5 * widths + 0.7 * (p["depth"] - 2) ** 2 + act + 0.3 * (p["momentum"] - 0.6) ** 2)


def random_params(rng):
    return {
        "depth": rng.randint(1, 4),
        "width": min(256, max(2, round(math.exp(rng.uniform(math.log(1.5), math.log(256.5)))))),
        "activation": rng.choice(ACTIVATIONS),
        "learningRate": math.exp(rng.uniform(math.log(1e-4), 0.0)),
        "momentum": rng.uniform(0.0, 0.95),
        "batchSize": rng.choice(BATCHES),
    }


def measure(n, k, cap, seed):
    rng = random.Random(seed)
    study = optuna.create_study(direction="maximize", sampler=optuna.samplers.TPESampler(seed=seed))
    trials = []
    for _ in range(n):
        p = random_params(rng)
        trials.append(optuna.trial.create_trial(params=p, distributions=DISTS, value=score(p)))
    study.add_trials(trials)
    done = 0
    w0, c0 = time.perf_counter(), time.process_time()
    while done < k and time.perf_counter() - w0 < cap:
        t = study.ask()
        t.suggest_int("depth", 1, 4)
        t.suggest_int("width", 2, 256, log=True)
        t.suggest_categorical("activation", ACTIVATIONS)
        t.suggest_float("learningRate", 1e-4, 1.0, log=True)
        t.suggest_float("momentum", 0.0, 0.95)
        t.suggest_categorical("batchSize", BATCHES)
        # Told as failed so the next ask sees the same n finished trials (TPE ignores failures).
        study.tell(t, state=optuna.trial.TrialState.FAIL)
        done += 1
    wall, cpu = time.perf_counter() - w0, time.process_time() - c0
    return {"n": n, "suggestions": done, "wallSeconds": wall, "cpuSeconds": cpu,
            "perSecond": done / wall, "perCpuSecond": done / cpu if cpu > 0 else None,
            "timeCapped": done < k}


def main():
    spec = json.load(sys.stdin)
    out = [measure(n, spec["suggestions"][str(n)], spec["time_cap_s"], spec["seed"]) for n in spec["sizes"]]
    print(json.dumps({"optuna": optuna.__version__, "python": sys.version.split()[0], "results": out}))


if __name__ == "__main__":
    main()
