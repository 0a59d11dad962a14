#!/usr/bin/python3
"""PyTorch peer of the kernel benchmark (bench/nn/kernels.ts drives it; not a test).

The same math as @automl/nn, written the same way: explicit matmuls for the forward pass, the
backward pass and the SGD update -- no autograd, no torch.nn, no optimizer object. ReLU hidden
layers; softmax + cross entropy (log-sum-exp form) or sigmoid + cross entropy (softplus form)
on the output; float32; mean loss over the batch, so dZ carries the 1/B.

It serves requests, one JSON object per line on stdin, one JSON line back on stdout, so the
runner can interleave it with its own measurements (BLAS threads are fixed per process):

  OPENBLAS_NUM_THREADS=2 /usr/bin/python3 bench/nn/pytorch_mlp.py 1     # torch.set_num_threads(1)
  {"op": "workload", "name": "A", "dims": [784, 256, 256, 10], "batch": 128, "output": "softmax",
   "lr": 0.01, "seed": 1, "timing": {"warmupSeconds", "minWarmupSteps", "seconds", "minReps",
   "maxReps", "repSeconds", "slowStepSeconds", "minRepsSlow"}}
                                  -> {"name", "stepSeconds", "reps", "stepsPerRep", "loss", "finite"}
  {"op": "sgemm", "n": 2048, "seconds": 1.0}  -> {"n", "gflops", "reps"}
The first line it prints describes itself, including the hand-written gradients' largest
relative difference from torch.autograd on a small network of each kind (a self-check).
The runner computes GFLOP/s from the FLOP formula, so both sides use one.
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


def measure(step, timing):
    """Median seconds per step over timed reps of k steps, after warm-up (timing.ts's scheme)."""
    now = time.perf_counter
    t0 = now()
    step()
    steps = 1
    slow = now() - t0 > timing["slowStepSeconds"]
    while not slow and (steps < timing["minWarmupSteps"] or now() - t0 < timing["warmupSeconds"]):
        step()
        steps += 1
    per_step = (now() - t0) / steps
    k = max(1, int(timing["repSeconds"] / max(per_step, 1e-9)))
    min_reps = timing["minRepsSlow"] if slow else timing["minReps"]
    reps = []
    stop = now() + timing["seconds"]
    while len(reps) < min_reps or (now() < stop and len(reps) < timing["maxReps"]):
        r0 = now()
        for _ in range(k):
            step()
        reps.append((now() - r0) / k)
    s = sorted(reps)
    m = len(s) // 2
    med = s[m] if len(s) % 2 else 0.5 * (s[m - 1] + s[m])
    return {"stepSeconds": med, "reps": reps, "stepsPerRep": k}


def make_net(dims, B, output, gen):
    mlp = HandWrittenMlp(dims, B, output, gen)
    X = torch.randn(B, dims[0], generator=gen, dtype=torch.float32)
    if output == "softmax":
        y = torch.randint(0, dims[-1], (B,), generator=gen)
    else:
        y = torch.randint(0, 2, (B, 1), generator=gen).to(torch.float32)
    return mlp, X, y


def run_workload(w):
    gen = torch.Generator().manual_seed(int(w.get("seed", 1)))
    mlp, X, y = make_net(w["dims"], w["batch"], w["output"], gen)
    lr = float(w["lr"])
    last = {}

    def step():
        last["loss"] = mlp.step(X, y, lr)

    out = measure(step, w["timing"])
    out["name"] = w["name"]
    out["loss"] = float(last["loss"])
    out["finite"] = all(bool(torch.isfinite(W).all()) for W in mlp.W)
    return out


def autograd_check():
    """Largest relative difference between the hand-written step's update and autograd's."""
    worst = 0.0
    for dims, output in (([5, 7, 6, 4], "softmax"), ([3, 8, 1], "sigmoid")):
        gen = torch.Generator().manual_seed(3)
        mlp, X, y = make_net(dims, 6, output, gen)
        W0 = [w.clone().requires_grad_(True) for w in mlp.W]
        b0 = [b.clone().requires_grad_(True) for b in mlp.b]
        with torch.enable_grad():
            a = X
            for l in range(len(W0)):
                z = a @ W0[l] + b0[l]
                a = torch.relu(z) if l < len(W0) - 1 else z
            if output == "softmax":
                loss = torch.nn.functional.cross_entropy(a, y)
            else:
                loss = torch.nn.functional.binary_cross_entropy_with_logits(a, y)
            loss.backward()
        lr = 0.5
        mlp.step(X, y, lr)
        for mine, ref in zip(mlp.W + mlp.b, W0 + b0):
            want = ref.detach() - lr * ref.grad
            worst = max(worst, float(((mine - want).abs() / (want.abs() + 1e-3)).max()))
    return worst


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
    torch.set_num_threads(int(sys.argv[1]) if len(sys.argv) > 1 else 1)
    with torch.no_grad():
        hello = {
            "torch": torch.__version__,
            "torchThreads": torch.get_num_threads(),
            "openblasThreads": os.environ.get("OPENBLAS_NUM_THREADS"),
            "openblasCoretype": os.environ.get("OPENBLAS_CORETYPE"),
            "autogradMaxRelDiff": autograd_check(),
        }
        print(json.dumps(hello), flush=True)
        for line in sys.stdin:
            if not line.strip():
                continue
            req = json.loads(line)
            try:
                if req["op"] == "workload":
                    out = run_workload(req)
                elif req["op"] == "sgemm":
                    out = sgemm_peak(int(req["n"]), float(req["seconds"]))
                else:
                    out = {"error": f"unknown op {req['op']!r}"}
            except Exception as e:  # report, keep serving
                out = {"error": f"{type(e).__name__}: {e}"}
            print(json.dumps(out), flush=True)


if __name__ == "__main__":
    main()
