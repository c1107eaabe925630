"""The bench's PyTorch peer: trains the tutorial MLP (784-512-512-10, ReLU, CrossEntropyLoss,
SGD lr 1e-3, batch 64) on random data and prints one JSON line with its samples/s.

Run by bench/wasm.ts as a subprocess, so its figure comes from the same run on the same machine:
    python3 bench/mlp-pytorch.py [--steps 300] [--threads N]
"""
import argparse
import json
import os
import time

parser = argparse.ArgumentParser()
parser.add_argument("--steps", type=int, default=300)
parser.add_argument("--threads", type=int, default=0, help="threads for everything (0: PyTorch's defaults)")
args = parser.parse_args()
if args.threads:
    # torch.set_num_threads sets PyTorch's own (OpenMP) threads only: Debian's OpenBLAS runs its own
    # pthreads, one per core, unless told before it loads. Without this, "1 thread" ran its
    # matmuls on both cores of a 2-core machine (23,000 samples/s pinned, 28,000-37,000 not).
    for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[name] = str(args.threads)

import torch  # noqa: E402 (after the thread settings, which the BLAS reads when it loads)
from torch import nn  # noqa: E402

if args.threads:
    torch.set_num_threads(args.threads)

torch.manual_seed(0)
model = nn.Sequential(nn.Flatten(), nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 512), nn.ReLU(), nn.Linear(512, 10))
loss_fn = nn.CrossEntropyLoss()
optimizer = torch.optim.SGD(model.parameters(), lr=1e-3)
X = torch.rand(64, 1, 28, 28)
y = torch.randint(0, 10, (64,))


def step():
    loss = loss_fn(model(X), y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    return loss


for _ in range(20):  # warm up
    step()
best = float("inf")
for _ in range(5):  # best of 5 timed runs, as the TypeScript side measures
    start = time.perf_counter()
    for _ in range(args.steps // 5):
        step()
    best = min(best, (time.perf_counter() - start) / (args.steps // 5))
print(json.dumps({"torch": torch.__version__, "threads": torch.get_num_threads(), "samples_per_s": 64 / best, "step_ms": best * 1000}))
