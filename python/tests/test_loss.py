"""The losses' values and gradients against torch.autograd on the reference formulas, to 1e-5 relative in float32.

References (float64 autograd on the same float32 inputs): L_lambda with the unbiased U-statistic and the
plug-in estimator, written over the B x B matrix of inner products; spectral2021 as the authors' code computes
it (PAPER.md 2.4: clip to the ball of radius sqrt(mu), -2/B sum <z1_i, z2_i>, the masked B x B cross-view
matrix of squared inner products times B/(B-1), divided by mu): O(B^2 k).
"""
import numpy as np
import pytest
import torch

import specl
import specl.torch


def ref_lambda(z1, z2, lam, estimator, both_views=False):
    n, k = z1.shape
    align = (z1 - z2).pow(2).sum(1).mean()
    Z = torch.cat([z1, z2]) if both_views else z1
    N = Z.shape[0]
    if estimator == "plugin":
        M = Z.T @ Z / N
        reg = (M - torch.eye(k, dtype=Z.dtype)).pow(2).sum()
    else:
        S = (Z @ Z.T).pow(2)
        mask = ~torch.eye(N, dtype=torch.bool)
        if both_views:   # the positive pairs (i, i+n) are excluded too
            idx = torch.arange(n)
            mask[idx, idx + n] = False
            mask[idx + n, idx] = False
        reg = S[mask].sum() / mask.sum() - 2 * Z.pow(2).sum(1).mean() + k
    return align + lam * reg


def ref_spectral2021(z1, z2, mu):
    B = z1.shape[0]
    r = mu ** 0.5

    def clip(z):
        nz = z.norm(dim=1, keepdim=True)
        return torch.where(nz >= r, z * (r / nz), z)
    z1, z2 = clip(z1), clip(z2)
    part1 = -2 * (z1 * z2).sum(1).mean()
    sq = (z1 @ z2.T).pow(2)
    mask = 1 - torch.eye(B, dtype=z1.dtype)
    part2 = (sq * mask).mean() * B / (B - 1)
    return (part1 + part2) / mu


def reference(fn, z1, z2):
    a = torch.tensor(z1, dtype=torch.float64, requires_grad=True)
    b = torch.tensor(z2, dtype=torch.float64, requires_grad=True)
    v = fn(a, b)
    v.backward()
    return float(v), a.grad.numpy(), b.grad.numpy()


def rel(a, b):
    return np.linalg.norm(np.asarray(a, np.float64) - b) / max(np.linalg.norm(b), 1e-300)


def batch(n, k, seed, scale=1.0):
    rng = np.random.default_rng(seed)
    z1 = (scale * rng.normal(size=(n, k)) / np.sqrt(k)).astype(np.float32)
    z2 = (z1 + 0.3 * scale * rng.normal(size=(n, k)) / np.sqrt(k)).astype(np.float32)
    return z1, z2


CASES = [
    ("lambda-unbiased", lambda a, b: ref_lambda(a, b, 1.0, "unbiased"), dict(lam=1.0)),
    ("lambda-unbiased-lam3", lambda a, b: ref_lambda(a, b, 3.0, "unbiased"), dict(lam=3.0)),
    ("lambda-plugin", lambda a, b: ref_lambda(a, b, 0.5, "plugin"), dict(lam=0.5, estimator="plugin")),
    ("lambda-both-views", lambda a, b: ref_lambda(a, b, 1.0, "unbiased", True), dict(lam=1.0, both_views=True)),
    ("lambda-plugin-both-views", lambda a, b: ref_lambda(a, b, 2.0, "plugin", True),
     dict(lam=2.0, estimator="plugin", both_views=True)),
]


@pytest.mark.parametrize("name,ref,kw", CASES, ids=[c[0] for c in CASES])
@pytest.mark.parametrize("n,k", [(64, 8), (300, 32)])
def test_lambda_loss_against_autograd(name, ref, kw, n, k):
    z1, z2 = batch(n, k, n + k)
    v, g1, g2 = specl.lambda_loss(z1, z2, **kw)
    rv, r1, r2 = reference(ref, z1, z2)
    assert g1.dtype == np.float32 and g1.shape == z1.shape
    assert abs(v - rv) <= 1e-5 * abs(rv)
    assert rel(g1, r1) <= 1e-5 and rel(g2, r2) <= 1e-5


@pytest.mark.parametrize("mu", [1.0, 2.0])
@pytest.mark.parametrize("n,k", [(64, 8), (300, 32)])
def test_spectral2021_against_authors_form(mu, n, k):
    z1, z2 = batch(n, k, 7 * n + k, scale=1.2 * np.sqrt(mu))   # rows around norm 1.2 sqrt(mu): about half clipped
    norms = np.linalg.norm(z1, axis=1)
    assert (norms >= np.sqrt(mu)).any() and (norms < np.sqrt(mu)).any()
    v, g1, g2 = specl.spectral2021_loss(z1, z2, mu=mu)
    rv, r1, r2 = reference(lambda a, b: ref_spectral2021(a, b, mu), z1, z2)
    assert abs(v - rv) <= 1e-5 * abs(rv)
    assert rel(g1, r1) <= 1e-5 and rel(g2, r2) <= 1e-5


def test_loss_terms_and_float64():
    z1, z2 = batch(50, 6, 3)
    r = specl.lambda_loss(z1, z2, lam=2.0)
    assert r.value == pytest.approx(r.align + 2.0 * r.reg, rel=1e-12)
    assert r.grad_z1 is r[1] and r.grad_z2 is r[2]
    r64 = specl.lambda_loss(z1.astype(np.float64), z2.astype(np.float64), lam=2.0)
    assert r64[1].dtype == np.float64 and r64.value == r.value          # converted once to float32, same numbers
    assert np.array_equal(r64[1], r[1].astype(np.float64))
    v, g1, g2 = specl.lambda_loss(z1, z2, grad=False)
    assert g1 is None and g2 is None and v == specl.lambda_loss(z1, z2)[0]


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("module,ref", [
    (lambda: specl.torch.LambdaLoss(lam=1.5), lambda a, b: ref_lambda(a, b, 1.5, "unbiased")),
    (lambda: specl.torch.LambdaLoss(lam=0.7, estimator="plugin"), lambda a, b: ref_lambda(a, b, 0.7, "plugin")),
    (lambda: specl.torch.Spectral2021Loss(mu=1.0), lambda a, b: ref_spectral2021(a, b, 1.0)),
], ids=["lambda", "lambda-plugin", "spectral2021"])
def test_torch_modules(dtype, module, ref):
    z1, z2 = batch(128, 16, 11, scale=1.2)
    a = torch.tensor(z1, dtype=dtype, requires_grad=True)
    b = torch.tensor(z2, dtype=dtype, requires_grad=True)
    loss = module()(a, b)
    assert loss.dtype == dtype and loss.dim() == 0
    (3.0 * loss).backward()      # the incoming gradient scales both
    rv, r1, r2 = reference(ref, z1, z2)
    assert abs(float(loss) - rv) <= 1e-5 * abs(rv)
    assert a.grad.dtype == dtype and rel(a.grad.numpy(), 3 * r1) <= 1e-5 and rel(b.grad.numpy(), 3 * r2) <= 1e-5


def test_torch_noncontiguous_and_partial_grad():
    z1, z2 = batch(40, 5, 2)
    base = torch.tensor(np.ascontiguousarray(z1.T))            # (5, 40): its transpose is non-contiguous
    a = base.T.requires_grad_(False)
    b = torch.tensor(z2, requires_grad=True)
    assert not a.is_contiguous()
    loss = specl.torch.LambdaLoss()(a, b)
    loss.backward()
    v, _, g2 = specl.lambda_loss(z1, z2)
    assert float(loss) == pytest.approx(v, rel=1e-7) and np.array_equal(b.grad.numpy(), g2)


def test_torch_training_step_decreases_loss():
    torch.manual_seed(0)
    x = torch.randn(256, 10)
    net = torch.nn.Linear(10, 4)
    opt = torch.optim.SGD(net.parameters(), lr=0.05)
    loss_fn = specl.torch.LambdaLoss()
    first = None
    for _ in range(30):
        z = net(torch.cat([x, x + 0.1 * torch.randn_like(x)]))
        loss = loss_fn(z[:256], z[256:])
        opt.zero_grad()
        loss.backward()
        opt.step()
        first = float(loss) if first is None else first
    assert float(loss) < first
