#!/usr/bin/python3
"""PyTorch peer of the kernel benchmark (bench/nn/kernels.ts runs it; not a test).

The same math as @automl/nn, written the same way: explicit matmuls for the forward pass, the
backward pass and the SGD update -- no autograd, no torch.nn, no optimizer object. ReLU hidden
layers; softmax + cross entropy (log-sum-exp form) or sigmoid + cross entropy (softplus form)
on the output; float32; mean loss over the batch, so dZ carries the 1/B.

  OPENBLAS_NUM_THREADS=2 /usr/bin/python3 bench/nn/pytorch_mlp.py '<request JSON>'

request: {"torchThreads": 1, "seed": 1, "lr": 0.01,
          "timing": {"warmupSeconds": .., "seconds": .., "minReps": .., "repSeconds": ..},
          "workloads": [{"name": "A", "dims": [784, 256, 256, 10], "batch": 128,
                         "output": "softmax"}],
          "sgemm": {"n": 2048, "seconds": 1.0}}            (sgemm optional)
Prints one JSON document: {"torch", "torchThreads", "openblasThreads", "workloads":
[{"name", "samplesPerSec", "stepSeconds": [...per rep], "loss"}], "sgemm": {...}}.
The runner (not this script) computes GFLOP/s from the FLOP formula, so both sides use one.
"""
import json
import math
import os
import sys
import time

import torch


class HandWrittenMlp:
    """W_l is [Din, Dout] row-major like the engine's; every buffer is preallocated."""

    def __init__(self, dims, batch, output, gen):
        self.dims = dims
        self.B = batch
        self.output = output
        self.W, self.b, self.dW, self.db = [], [], [], []
        for din, dout in zip(dims[:-1], dims[1:]):
            std = math.sqrt(2.0 / din)  # He init; the values do not matter for speed
            self.W.append(torch.randn(din, dout, generator=gen, dtype=torch.float32) * std)
            self.b.append(torch.zeros(dout, dtype=torch.float32))
            self.dW.append(torch.empty(din, dout, dtype=torch.float32))
            self.db.append(torch.empty(dout, dtype=torch.float32))
        L = len(self.W)
        # scatter source for "− onehot(y)" in the softmax gradient
        self.minus_one = torch.full((batch, 1), -1.0, dtype=torch.float32)
        self.Z = [torch.empty(batch, d, dtype=torch.float32) for d in dims[1:]]
        self.A = [torch.empty(batch, d, dtype=torch.float32) for d in dims[1:-1]]
        self.dZ = [torch.empty(batch, d, dtype=torch.float32) for d in dims[1:]]
        self.dA = [torch.empty(batch, d, dtype=torch.float32) for d in dims[1:-1]]
        self.L = L

    def step(self, X, y, lr):
        """One training step: forward, loss, explicit backward, SGD update. Returns the loss tensor."""
        L, B = self.L, self.B
        inp = X
        for l in range(L):
            torch.addmm(self.b[l], inp, self.W[l], out=self.Z[l])  # Z = A W + b
            if l < L - 1:
                torch.clamp_min(self.Z[l], 0.0, out=self.A[l])  # ReLU
                inp = self.A[l]
        Z = self.Z[L - 1]
        dZ = self.dZ[L - 1]
        if self.output == "softmax":
            # loss = mean(logsumexp(z) - z_y); dZ = (softmax(z) - onehot(y)) / B
            lse = torch.logsumexp(Z, dim=1)
            loss = (lse - Z.gather(1, y.view(-1, 1)).view(-1)).mean()
            torch.exp(Z - lse.view(-1, 1), out=dZ)
            dZ.scatter_add_(1, y.view(-1, 1), self.minus_one)
            dZ.mul_(1.0 / B)
        else:
            # loss = mean(softplus((1 - 2y) z)); dZ = (sigmoid(z) - y) / B
            loss = torch.nn.functional.softplus((1.0 - 2.0 * y) * Z).mean()
            torch.sigmoid(Z, out=dZ)
            dZ.sub_(y).mul_(1.0 / B)
        for l in range(L - 1, -1, -1):
            inp = X if l == 0 else self.A[l - 1]
            torch.mm(inp.t(), self.dZ[l], out=self.dW[l])  # dW = Aᵀ dZ
            torch.sum(self.dZ[l], dim=0, out=self.db[l])  # db = Σ_rows dZ
            if l > 0:
                torch.mm(self.dZ[l], self.W[l].t(), out=self.dA[l - 1])  # dA = dZ Wᵀ
                # ReLU backward: dZ = dA where z > 0, else 0
                torch.mul(self.dA[l - 1], self.Z[l - 1] > 0, out=self.dZ[l - 1])
        for l in range(L):
            self.W[l].sub_(self.dW[l], alpha=lr)  # SGD after the whole backward pass, like the engine
            self.b[l].sub_(self.db[l], alpha=lr)
        return loss


def measure(step, batch, timing):
    """Median samples/s over timed reps of k steps each, after warm-up (same scheme as kernels.ts)."""
    t_end = time.perf_counter() + timing["warmupSeconds"]
    steps = 0
    t0 = time.perf_counter()
    while steps < 2 or time.perf_counter() < t_end:
        step()
        steps += 1
    per_step = (time.perf_counter() - t0) / steps
    k = max(1, int(timing["repSeconds"] / max(per_step, 1e-9)))
    reps = []
    t_stop = time.perf_counter() + timing["seconds"]
    while len(reps) < timing["minReps"] or (time.perf_counter() < t_stop and len(reps) < timing["maxReps"]):
        t = time.perf_counter()
        for _ in range(k):
            step()
        reps.append((time.perf_counter() - t) / k)
    reps_sorted = sorted(reps)
    median = reps_sorted[len(reps_sorted) // 2] if len(reps_sorted) % 2 else 0.5 * (
        reps_sorted[len(reps_sorted) // 2 - 1] + reps_sorted[len(reps_sorted) // 2]
    )
    return {"samplesPerSec": batch / median, "stepSeconds": reps, "stepsPerRep": k}


def run_workload(w, req, gen):
    dims, B = w["dims"], w["batch"]
    mlp = HandWrittenMlp(dims, B, w["output"], gen)
    X = torch.randn(B, dims[0], generator=gen, dtype=torch.float32)
    if w["output"] == "softmax":
        y = torch.randint(0, dims[-1], (B,), generator=gen)
    else:
        y = torch.randint(0, 2, (B, 1), generator=gen).to(torch.float32)
    lr = req["lr"]
    last = {}

    def step():
        last["loss"] = mlp.step(X, y, lr)

    out = measure(step, B, req["timing"])
    out["name"] = w["name"]
    out["loss"] = float(last["loss"])
    out["finite"] = all(bool(torch.isfinite(W).all()) for W in mlp.W)
    return out


def sgemm_peak(n, seconds):
    """C = A B on n×n float32 matrices through torch.mm (Debian's torch calls OpenBLAS)."""
    a = torch.randn(n, n, dtype=torch.float32)
    b = torch.randn(n, n, dtype=torch.float32)
    c = torch.empty(n, n, dtype=torch.float32)
    torch.mm(a, b, out=c)
    times = []
    t_stop = time.perf_counter() + seconds
    while len(times) < 3 or time.perf_counter() < t_stop:
        t = time.perf_counter()
        torch.mm(a, b, out=c)
        times.append(time.perf_counter() - t)
    best = min(times)
    return {"n": n, "gflops": 2.0 * n ** 3 / best / 1e9, "reps": len(times)}


def main():
    req = json.loads(sys.argv[1])
    torch.set_num_threads(int(req["torchThreads"]))
    gen = torch.Generator().manual_seed(int(req.get("seed", 1)))
    result = {
        "torch": torch.__version__,
        "torchThreads": torch.get_num_threads(),
        "openblasThreads": os.environ.get("OPENBLAS_NUM_THREADS"),
        "openblasCoretype": os.environ.get("OPENBLAS_CORETYPE"),
        "workloads": [],
    }
    with torch.no_grad():
        for w in req["workloads"]:
            result["workloads"].append(run_workload(w, req, gen))
            print(f"pytorch {w['name']}: {result['workloads'][-1]['samplesPerSec']:.0f} samples/s", file=sys.stderr)
        if req.get("sgemm"):
            result["sgemm"] = sgemm_peak(int(req["sgemm"]["n"]), float(req["sgemm"]["seconds"]))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
