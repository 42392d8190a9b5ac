#!/usr/bin/python3
"""bench_torch: the PyTorch side of `make bench` (bench/README.md).

One measurement per process (so that ru_maxrss is the peak of that workload alone), the same
commands and the same JSON output as bench/bench_specl.c:

    bench_torch.py step NAME DIR WARMUP STEPS   training steps of workload NAME on its pre-drawn batches
    bench_torch.py loss DIR WARMUP STEPS        the spectral2021 loss alone, value and dL/dZ
    bench_torch.py pyloss SIDE DIR WARMUP STEPS L_lambda (unbiased) value and backward from PyTorch at B = 4096,
                                                k = 128: SIDE specl = specl.torch.LambdaLoss, torch = loss_lambda below
    bench_torch.py eigs DIR                     bottom 10 eigenpairs of the graph by scipy eigsh
    bench_torch.py sgemm [N] [REPS]             torch.mm N x N x N (reference for the BLAS torch uses)

The models, batch sizes and hyper-parameters come from DIR/workloads.json, written by
`bench_specl gen` together with the batches, so both sides build the same architecture and train
on the same numbers. The code is what a researcher would write: nn.Linear / nn.Conv2d modules,
one forward of both views stacked as (2n, d) (the layout specl's trainer uses), the losses in
their straightforward O(B^2 k) form over the B x B matrix of inner products with the diagonal
masked out (PAPER.md section 2.4), torch.optim.Adam with specl's lr, betas and eps, and
torch.set_num_threads(2). PyTorch keeps its own OpenMP defaults (OMP_WAIT_POLICY is unset here).
"""
import json
import os
import resource
import sys
import time

import numpy as np

torch = nn = F = None   # imported by load_torch(), so that the scipy-only eigs process does not carry torch


def load_torch():
    global torch, nn, F
    import torch
    import torch.nn as nn
    import torch.nn.functional as F
    torch.set_num_threads(2)


def maxrss_kb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def cpu_seconds():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def common(kind, name):
    out = {"side": "torch", "kind": kind, "workload": name, "omp_wait_policy": os.environ.get("OMP_WAIT_POLICY", "")}
    if torch is not None:
        out.update(torch=torch.__version__, threads=torch.get_num_threads())
    return out


# ---- models (workloads.json fields as bench_specl.c defines them) ----

def conv1d_circ(s, k):
    class Conv1dCirc(nn.Module):
        """Def. 5.11: k filters of width s over the d circular windows x_{t..t+s-1}, ReLU, sum pooling."""

        def __init__(self):
            super().__init__()
            self.conv = nn.Conv1d(1, k, s)

        def forward(self, x):
            x = F.pad(x.unsqueeze(1), (0, s - 1), mode="circular")
            return F.relu(self.conv(x)).sum(dim=2)
    return Conv1dCirc()


def build_model(w):
    cls, d, k = w["class"], w["d"], w["k"]
    if cls == "linear":
        return nn.Linear(d, k, bias=False)
    if cls == "relu1":
        return nn.Sequential(nn.Linear(d, k), nn.ReLU())
    if cls == "mlp":
        layers, width, prev = [], w["width"], d
        for _ in range(w["depth"]):
            layers += [nn.Linear(prev, width), nn.ReLU()]
            prev = width
        return nn.Sequential(*layers, nn.Linear(prev, k))
    if cls == "cnn":
        h, ww, c, ch = w["h"], w["w"], w["c"], w["channels"]
        layers, prev = [nn.Unflatten(1, (c, h, ww))], c
        for i in range(w["depth"]):
            layers += [nn.Conv2d(prev, ch << i, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2)]
            prev, h, ww = ch << i, h // 2, ww // 2
        return nn.Sequential(*layers, nn.Flatten(), nn.Linear(prev * h * ww, k))
    if cls == "conv1d-circ":
        return conv1d_circ(w["filter"], k)
    raise SystemExit(f"bench_torch: unknown class {cls}")


# ---- losses, the straightforward O(B^2 k) form ----

def loss_lambda(z1, z2, lam):
    """L_lambda with the unbiased estimator of ||E ff^T - I||_F^2 (include/specl/train.h)."""
    n, k = z1.shape
    align = (z1 - z2).pow(2).sum(dim=1).mean()
    off = ~torch.eye(n, dtype=torch.bool, device=z1.device)
    sq = (z1 @ z1.T).pow(2)
    reg = sq.masked_select(off).sum() / (n * (n - 1)) - 2 * z1.pow(2).sum(dim=1).mean() + k
    return align + lam * reg


def loss_spectral2021(z1, z2, mu):
    """HaoChen et al. 2021 with the clip to the ball of radius sqrt(mu) and the division by mu (PAPER.md 2.4)."""
    B = z1.shape[0]
    r = mu ** 0.5
    n1 = z1.norm(dim=1, keepdim=True)
    n2 = z2.norm(dim=1, keepdim=True)
    z1 = torch.where(n1 >= r, z1 * (r / n1), z1)
    z2 = torch.where(n2 >= r, z2 * (r / n2), z2)
    part1 = -2 * (z1 * z2).sum(dim=1).mean()
    sq = (z1 @ z2.T).pow(2)
    mask = 1 - torch.eye(B, device=z1.device)
    part2 = (sq * mask).mean() * B / (B - 1)
    return (part1 + part2) / mu


def cmd_step(name, dirname, warmup, steps):
    meta = json.load(open(os.path.join(dirname, "workloads.json")))
    w = next((x for x in meta["workloads"] if x["name"] == name), None)
    if w is None:
        raise SystemExit(f"bench_torch: unknown workload {name}")
    data = torch.from_numpy(np.load(os.path.join(dirname, name + ".npy")))   # (pool, 2n, d)
    n = w["batch"]
    assert data.shape[1:] == (2 * n, w["d"]), data.shape
    torch.manual_seed(7)
    model = build_model(w)
    opt = torch.optim.Adam(model.parameters(), lr=meta["lr"], betas=(0.9, 0.999), eps=1e-8)
    lam, mu = meta["lambda"], meta["mu"]
    lossf = (lambda z1, z2: loss_lambda(z1, z2, lam)) if w["loss"] == "lambda" else (lambda z1, z2: loss_spectral2021(z1, z2, mu))
    t0 = 0.0
    ph = [0.0] * 4   # timed steps: forward, loss, zero_grad + backward, optimizer (CPU ops are synchronous)
    clock = time.perf_counter
    for it in range(warmup + steps):
        if it == warmup:
            t0 = clock()
        x = data[it % data.shape[0]]
        c0 = clock()
        z = model(x)
        c1 = clock()
        loss = lossf(z[:n], z[n:])
        c2 = clock()
        opt.zero_grad()
        loss.backward()
        c3 = clock()
        opt.step()
        c4 = clock()
        if it >= warmup:
            for i, d in enumerate((c1 - c0, c2 - c1, c3 - c2, c4 - c3)):
                ph[i] += d
    sec = clock() - t0
    last = float(loss.detach())
    if not np.isfinite(last):
        raise SystemExit(f"bench_torch: {name}: loss {last}")
    flops = w["flops"]
    out = common("step", name)
    out["phase_ms"] = dict(zip(("forward", "loss", "backward", "optimizer"), (1e3 * p / steps for p in ph)))
    out.update(warmup=warmup, steps=steps, seconds=sec, step_ms=1e3 * sec / steps, pairs_per_s=n * steps / sec,
               gflops=flops * steps / sec / 1e9, flops_per_step=flops, last_loss=last, maxrss_kb=maxrss_kb())
    print(json.dumps(out), flush=True)


def cmd_loss(dirname, warmup, steps):
    meta = json.load(open(os.path.join(dirname, "workloads.json")))
    z = torch.from_numpy(np.load(os.path.join(dirname, "loss_z.npy"))).requires_grad_(True)   # (2, B, k)
    B, k = z.shape[1], z.shape[2]
    mu = meta["loss"]["mu"]
    t0 = 0.0
    for it in range(warmup + steps):
        if it == warmup:
            t0 = time.perf_counter()
        z.grad = None
        loss = loss_spectral2021(z[0], z[1], mu)
        loss.backward()
    sec = time.perf_counter() - t0
    flops = 6.0 * B * B * k   # Z1 Z2^T forward, and its two gradient products
    out = common("loss", "loss-s2021")
    out.update(B=B, k=k, warmup=warmup, steps=steps, seconds=sec, step_ms=1e3 * sec / steps, pairs_per_s=B * steps / sec,
               gflops=flops * steps / sec / 1e9, flops_per_step=flops, loss=float(loss.detach()),
               grad_sumsq=float(z.grad.double().pow(2).sum()), maxrss_kb=maxrss_kb())
    print(json.dumps(out), flush=True)


def cmd_pyloss(side, dirname, warmup, steps):
    """The loss as a PyTorch user calls it: z1, z2 (B, k) leaf tensors, loss = f(z1, z2), loss.backward()."""
    meta = json.load(open(os.path.join(dirname, "workloads.json")))
    z = torch.from_numpy(np.load(os.path.join(dirname, "loss_z.npy")))   # (2, B, k)
    z1, z2 = z[0].clone().requires_grad_(True), z[1].clone().requires_grad_(True)
    B, k = z1.shape
    lam = meta["lambda"]
    if side == "specl":
        import specl.torch
        lossf = specl.torch.LambdaLoss(lam=lam)
    else:
        lossf = lambda a, b: loss_lambda(a, b, lam)   # noqa: E731
    t0 = 0.0
    for it in range(warmup + steps):
        if it == warmup:
            t0 = time.perf_counter()
        z1.grad = z2.grad = None
        loss = lossf(z1, z2)
        loss.backward()
    sec = time.perf_counter() - t0
    flops = 8.0 * B * k * k if side == "specl" else 6.0 * B * B * k
    out = common("pyloss", "py-lambda")
    out["side"] = side
    out.update(B=B, k=k, warmup=warmup, steps=steps, seconds=sec, step_ms=1e3 * sec / steps, pairs_per_s=B * steps / sec,
               gflops=flops * steps / sec / 1e9, flops_per_step=flops, loss=float(loss.detach()),
               grad_sumsq=float(z1.grad.double().pow(2).sum() + z2.grad.double().pow(2).sum()), maxrss_kb=maxrss_kb())
    print(json.dumps(out), flush=True)


def cmd_eigs(dirname):
    import scipy.sparse as sp
    from scipy.sparse.linalg import eigsh
    meta = json.load(open(os.path.join(dirname, "workloads.json")))
    k = meta["graph"]["k"]
    t0 = time.perf_counter()
    rowptr = np.load(os.path.join(dirname, "graph_rowptr.npy"))
    col = np.load(os.path.join(dirname, "graph_col.npy"))
    val = np.load(os.path.join(dirname, "graph_val.npy"))
    n = rowptr.size - 1
    W = sp.csr_matrix((val, col, rowptr), shape=(n, n))
    dinv = 1.0 / np.sqrt(np.asarray(W.sum(axis=1)).ravel())
    A = sp.diags(dinv) @ W @ sp.diags(dinv)   # D^{-1/2} W D^{-1/2}, CSR
    A = A.tocsr()
    t1, c1, rss_read = time.perf_counter(), cpu_seconds(), maxrss_kb()
    theta, vec = eigsh(A, k=k, which="LA")   # the top of A = the bottom of L = I - A (tol 0: machine precision)
    t2, c2 = time.perf_counter(), cpu_seconds()
    order = np.argsort(-theta)
    nu = 1 - theta[order]
    vec = vec[:, order]
    res = np.linalg.norm(vec - A @ vec - vec * nu, axis=0)
    import scipy
    out = common("eigs", "eigs")
    out["scipy"] = scipy.__version__
    out.update(n=int(n), nnz=int(W.nnz), k=k, read_seconds=t1 - t0, seconds=t2 - t1, cpu_seconds=c2 - c1, converged=int(k),
               max_residual=float(res.max()), nu=[float(x) for x in nu], maxrss_after_read_kb=rss_read, maxrss_kb=maxrss_kb())
    print(json.dumps(out), flush=True)


def cmd_sgemm(n, reps):
    a, b = torch.rand(n, n), torch.rand(n, n)
    for _ in range(3):
        torch.mm(a, b)
    t = []
    for _ in range(reps):
        t0 = time.perf_counter()
        torch.mm(a, b)
        t.append(time.perf_counter() - t0)
    t.sort()
    out = common("sgemm", "sgemm")
    f = 2.0 * n ** 3
    out.update(n=n, reps=reps, seconds_median=t[reps // 2], gflops=f / t[reps // 2] / 1e9, gflops_best=f / t[0] / 1e9,
               maxrss_kb=maxrss_kb())
    print(json.dumps(out), flush=True)


def main(argv):
    if argv[1:2] != ["eigs"]:
        load_torch()
    if len(argv) == 6 and argv[1] == "step":
        return cmd_step(argv[2], argv[3], int(argv[4]), int(argv[5]))
    if len(argv) == 5 and argv[1] == "loss":
        return cmd_loss(argv[2], int(argv[3]), int(argv[4]))
    if len(argv) == 6 and argv[1] == "pyloss" and argv[2] in ("specl", "torch"):
        return cmd_pyloss(argv[2], argv[3], int(argv[4]), int(argv[5]))
    if len(argv) == 3 and argv[1] == "eigs":
        return cmd_eigs(argv[2])
    if len(argv) in (2, 3, 4) and argv[1] == "sgemm":
        return cmd_sgemm(int(argv[2]) if len(argv) > 2 else 1024, int(argv[3]) if len(argv) > 3 else 20)
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv) or 0)
