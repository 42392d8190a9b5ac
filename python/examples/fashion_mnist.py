#!/usr/bin/python3
"""Contrastive pretraining of a small MLP on Fashion-MNIST with specl's L_lambda (PyTorch autograd, loss in C).

    PYTHONPATH=python python3 python/examples/fashion_mnist.py [--n 6000 --steps 200]

Two views per image: a random shift by up to 2 pixels and Gaussian pixel noise. The loss
specl.torch.LambdaLoss runs forward and backward in C (O(B k^2)); the rest is ordinary PyTorch. At
the end a least-squares linear probe on the frozen embeddings is compared with one on raw pixels.
Data: Debian's dataset-fashion-mnist (/usr/share/datasets/fashion-mnist, or --data).
"""
import argparse
import gzip
import os
import time

import numpy as np
import torch

import specl.torch


def idx(path):
    with gzip.open(path, "rb") as f:
        raw = f.read()
    nd = raw[3]
    shape = [int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(nd)]
    return np.frombuffer(raw, np.uint8, offset=4 + 4 * nd).reshape(shape)


def views(x):
    """x (B, 28, 28) -> a random shift by up to 2 pixels plus noise, flattened."""
    B = x.shape[0]
    dx, dy = np.random.randint(-2, 3, size=2)
    v = torch.roll(x, shifts=(int(dx), int(dy)), dims=(1, 2))
    return (v + 0.3 * torch.randn_like(v)).reshape(B, -1)


def probe_accuracy(ftr, ytr, fte, yte):
    A = np.c_[ftr, np.ones(len(ftr))]
    W, *_ = np.linalg.lstsq(A, np.eye(10)[ytr], rcond=None)
    return float((np.c_[fte, np.ones(len(fte))] @ W).argmax(1).__eq__(yte).mean())


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default="/usr/share/datasets/fashion-mnist")
    ap.add_argument("--n", type=int, default=6000, help="training images used (a subset keeps it under a minute)")
    ap.add_argument("--steps", type=int, default=200)
    ap.add_argument("--batch", type=int, default=256)
    ap.add_argument("--k", type=int, default=32)
    ap.add_argument("--lam", type=float, default=1.0)
    args = ap.parse_args()
    torch.manual_seed(0)
    np.random.seed(0)
    torch.set_num_threads(2)

    def load(split, n):
        x = idx(os.path.join(args.data, f"{split}-images-idx3-ubyte.gz"))[:n].astype(np.float32) / 255.0
        y = idx(os.path.join(args.data, f"{split}-labels-idx1-ubyte.gz"))[:n].astype(np.int64)
        return torch.from_numpy((x - 0.286) / 0.353), y
    xtr, ytr = load("train", args.n)
    xte, yte = load("t10k", 2000)

    net = torch.nn.Sequential(torch.nn.Linear(784, 256), torch.nn.ReLU(), torch.nn.Linear(256, args.k))
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    loss_fn = specl.torch.LambdaLoss(lam=args.lam)
    t0 = time.time()
    for step in range(1, args.steps + 1):
        x = xtr[torch.randint(0, len(xtr), (args.batch,))]
        z = net(torch.cat([views(x), views(x)]))
        loss = loss_fn(z[:args.batch], z[args.batch:])
        opt.zero_grad()
        loss.backward()
        opt.step()
        if step % 50 == 0 or step in (1, args.steps):
            print(f"step {step:4d}  L_lambda = {loss.item():.4f}  ({time.time() - t0:.1f} s)", flush=True)
    with torch.no_grad():
        ftr, fte = net(xtr.reshape(len(xtr), -1)).numpy(), net(xte.reshape(len(xte), -1)).numpy()
    print(f"linear probe accuracy: specl L_lambda embedding (k = {args.k}) {probe_accuracy(ftr, ytr, fte, yte):.3f}, "
          f"raw pixels {probe_accuracy(xtr.reshape(len(xtr), -1).numpy(), ytr, xte.reshape(len(xte), -1).numpy(), yte):.3f}")


if __name__ == "__main__":
    main()
