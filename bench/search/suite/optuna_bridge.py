"""Optuna 3.1 side of the search benchmark suite: runs Optuna's samplers with ask/tell while the
TypeScript objective is evaluated by Node, so both sides score exactly the same function.

Protocol (JSON lines). Node writes a run: {"run": {"space": SpaceDef, "direction": d, "method": m,
"seed": s, "trials": n}}. For each of the n trials this process asks, builds the configuration by
define-by-run (depth first, then width_i / activation_i only for i < depth, so group=True sees
the conditional structure), prints {"params": Params} and reads {"value": v}. After the run it
prints {"end": true}. EOF on stdin ends the process.

Multi-fidelity runs (multifidelity.ts): {"run": {..., "budget": epochs, "pruner": null | {"kind":
"sha", "minResource", "reductionFactor"} | {"kind": "hyperband", "minResource", "maxResource",
"reductionFactor"}}} instead of "trials". Per trial this process prints {"params": Params}, reads
{"curve": [v_1, ..., v_E]} (the configuration's value after each epoch), reports the values one
epoch at a time with trial.report and stops at the first epoch where trial.should_prune() says so
(never at the last one), tells the study (PRUNED or the final value) and prints {"done":
{"epochs": e, "complete": bool}}; until the epochs spent reach the budget, then {"end": true}.

Methods: tpe (TPESampler() defaults), tpe-mv-group (multivariate=True, group=True), cmaes
(CmaEsSampler(): CMA-ES over the numeric dims present in every trial; categorical and
conditional dims fall back to its independent sampler, RandomSampler), random.
"""
import json
import sys
import warnings

import optuna

optuna.logging.set_verbosity(optuna.logging.ERROR)
warnings.filterwarnings("ignore")


def make_sampler(method, seed):
    if method == "tpe":
        return optuna.samplers.TPESampler(seed=seed)
    if method == "tpe-mv-group":
        return optuna.samplers.TPESampler(multivariate=True, group=True, seed=seed)
    if method == "cmaes":
        return optuna.samplers.CmaEsSampler(seed=seed)
    if method == "random":
        return optuna.samplers.RandomSampler(seed=seed)
    raise ValueError("unknown method " + method)


def suggest(trial, name, dim):
    kind = dim["kind"]
    if kind == "fixed":
        return dim["value"]
    if kind == "choice":
        return trial.suggest_categorical(name, dim["choices"])
    step = dim.get("step")
    if kind == "int":
        if step is not None:
            return trial.suggest_int(name, dim["low"], dim["high"], step=step)
        return trial.suggest_int(name, dim["low"], dim["high"], log=dim["log"])
    if step is not None:
        return trial.suggest_float(name, dim["low"], dim["high"], step=step)
    return trial.suggest_float(name, dim["low"], dim["high"], log=dim["log"])


def build_params(trial, space):
    """The same order and conditionality as @automl/search's assembleParams."""
    depth = suggest(trial, "depth", space["depth"])
    width, act = space["width"], space["activation"]
    widths = [suggest(trial, "width_0", width["dim"])]
    for i in range(1, depth):
        widths.append(suggest(trial, "width_%d" % i, width["dim"]) if width["perLayer"] else widths[0])
    activations = [suggest(trial, "activation_0", act["dim"])]
    for i in range(1, depth):
        activations.append(suggest(trial, "activation_%d" % i, act["dim"]) if act["perLayer"] else activations[0])
    p = {"depth": depth, "widths": widths, "activations": activations}
    for key in ["learningRate", "batchSize", "epochs"]:
        p[key] = suggest(trial, key, space[key])
    p["output"] = suggest(trial, "output", space["output"]) if "output" in space else ""
    for key in ["leakyAlpha", "maxoutPieces", "momentum", "weightDecay"]:
        p[key] = suggest(trial, key, space[key])
    return p


def make_pruner(spec):
    p = spec.get("pruner")
    if not p:
        return optuna.pruners.NopPruner()
    if p["kind"] == "sha":
        return optuna.pruners.SuccessiveHalvingPruner(min_resource=p["minResource"], reduction_factor=p["reductionFactor"])
    if p["kind"] == "hyperband":
        return optuna.pruners.HyperbandPruner(min_resource=p["minResource"], max_resource=p["maxResource"], reduction_factor=p["reductionFactor"])
    raise ValueError("unknown pruner " + str(p))


MAX_MF_TRIALS = 5000


def run_mf(spec):
    study = optuna.create_study(direction=spec["direction"], sampler=make_sampler(spec["method"], spec["seed"]), pruner=make_pruner(spec))
    spent = 0
    n = 0
    while spent < spec["budget"] and n < MAX_MF_TRIALS:
        trial = study.ask()
        print(json.dumps({"params": build_params(trial, spec["space"])}), flush=True)
        curve = json.loads(sys.stdin.readline())["curve"]
        epochs = len(curve)
        pruned = False
        for e, v in enumerate(curve, 1):
            trial.report(v, e)
            if e < len(curve) and trial.should_prune():
                epochs, pruned = e, True
                break
        if pruned:
            study.tell(trial, state=optuna.trial.TrialState.PRUNED)
        else:
            study.tell(trial, curve[-1])
        spent += epochs
        n += 1
        print(json.dumps({"done": {"epochs": epochs, "complete": not pruned}}), flush=True)
    print(json.dumps({"end": True}), flush=True)


def run(spec):
    if "budget" in spec:
        return run_mf(spec)
    study = optuna.create_study(direction=spec["direction"], sampler=make_sampler(spec["method"], spec["seed"]))
    for _ in range(spec["trials"]):
        trial = study.ask()
        print(json.dumps({"params": build_params(trial, spec["space"])}), flush=True)
        reply = json.loads(sys.stdin.readline())
        study.tell(trial, reply["value"])
    print(json.dumps({"end": True}), flush=True)


def main():
    for line in sys.stdin:
        if line.strip():
            run(json.loads(line)["run"])


if __name__ == "__main__":
    main()
