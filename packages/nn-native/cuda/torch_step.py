# PyTorch peer for the driver's bench lines: samples/s of one SGD step (forward, cross-entropy,
# backward, momentum update) on workloads A and C, float32, TF32 off (as the driver's FP32 GEMM).
import json, time, torch

torch.backends.cuda.matmul.allow_tf32 = False
torch.backends.cudnn.allow_tf32 = False
dev = torch.device("cuda")

def bench(name, sizes, batch):
    layers = []
    for i in range(len(sizes) - 1):
        layers.append(torch.nn.Linear(sizes[i], sizes[i + 1]))
        if i < len(sizes) - 2:
            layers.append(torch.nn.ReLU())
    net = torch.nn.Sequential(*layers).to(dev)
    opt = torch.optim.SGD(net.parameters(), lr=0.01, momentum=0.9)
    X = torch.randn(batch, sizes[0], device=dev)
    y = torch.arange(batch, device=dev) % sizes[-1]
    def step():
        opt.zero_grad(set_to_none=True)
        loss = torch.nn.functional.cross_entropy(net(X), y)
        loss.backward()
        opt.step()
        return loss.item()  # the driver's step also reads the cost back each step
    for _ in range(10):
        step()
    steps, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < 1.0:
        for _ in range(20):
            step()
        steps += 20
    secs = time.perf_counter() - t0
    print(json.dumps({"bench_torch": name, "batch": batch, "steps": steps, "samples_per_s": round(steps * batch / secs), "ms_per_step": round(1000 * secs / steps, 4), "torch": torch.__version__}))

bench("A", [784, 256, 256, 10], 128)
bench("C", [1024, 1024, 1024, 1024, 10], 256)
