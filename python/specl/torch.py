"""specl.torch: the spectral contrastive losses as PyTorch modules whose forward and backward run in C.

    loss_fn = specl.torch.LambdaLoss(lam=1.0)
    loss = loss_fn(z1, z2)          # z1, z2: (n, k) CPU tensors, float32 or float64
    loss.backward()

The forward pass computes the value and both gradients in one call of the C library (O(n k^2),
through the k x k Gram matrices) and keeps the gradients for backward, which only scales them by
the incoming gradient. The library computes in float32; float64 tensors are converted once and get
float64 gradients. Tensors must be on the CPU; non-contiguous ones are made contiguous (one copy).
"""
import ctypes

import torch

from ._core import _ESTIMATORS
from ._lib import Error, call

_CODES = {torch.float32: 0, torch.float64: 1}


def _check(z1, z2):
    for name, z in (("z1", z1), ("z2", z2)):
        if not isinstance(z, torch.Tensor):
            raise Error(f"{name}: a {type(z).__name__}, expected a torch.Tensor")
        if z.device.type != "cpu":
            raise Error(f"{name}: on {z.device}, expected a CPU tensor (specl's losses run on the CPU)")
        if z.dtype not in _CODES:
            raise Error(f"{name}: dtype {z.dtype}, expected torch.float32 or torch.float64")
        if z.dim() != 2:
            raise Error(f"{name}: shape {tuple(z.shape)}, expected a 2-D tensor (n, k)")
    if z1.shape != z2.shape:
        raise Error(f"z1 has shape {tuple(z1.shape)} and z2 {tuple(z2.shape)}: expected the same (n, k)")
    if z1.dtype != z2.dtype:
        raise Error(f"z1 is {z1.dtype} and z2 {z2.dtype}: expected the same dtype")


def _ptr(t):
    return ctypes.c_void_p(t.data_ptr())


class _SpeclLoss(torch.autograd.Function):
    @staticmethod
    def forward(ctx, z1, z2, kind, lam, estimator, both_views, mu):
        _check(z1, z2)
        a, b = z1.detach().contiguous(), z2.detach().contiguous()
        need = ctx.needs_input_grad[0] or ctx.needs_input_grad[1]
        g1 = torch.empty_like(a) if need else None
        g2 = torch.empty_like(b) if need else None
        out = (ctypes.c_double * 3)()
        n, k = a.shape
        call("specl_loss_pair", kind, float(lam), estimator, int(both_views), float(mu), _CODES[a.dtype], n, k,
             _ptr(a), _ptr(b), _ptr(g1) if need else None, _ptr(g2) if need else None, out)
        ctx.save_for_backward(g1, g2) if need else None
        ctx.terms = (out[1], out[2])
        return torch.tensor(out[0], dtype=z1.dtype)

    @staticmethod
    def backward(ctx, grad_out):
        g1, g2 = ctx.saved_tensors
        s = grad_out.to(g1.dtype)
        return (g1 * s if ctx.needs_input_grad[0] else None, g2 * s if ctx.needs_input_grad[1] else None,
                None, None, None, None, None)


class LambdaLoss(torch.nn.Module):
    """L_lambda (Eq. 1-2): (1/n) sum ||z1_i - z2_i||^2 + lam * R, R the unbiased (default) or plug-in
    estimate of ||E ff^T - I||_F^2; forward(z1, z2) returns a 0-dim tensor."""

    def __init__(self, lam=1.0, estimator="unbiased", both_views=False):
        super().__init__()
        if estimator not in _ESTIMATORS:
            raise Error(f"estimator = {estimator!r}: expected 'unbiased' or 'plugin'")
        self.lam, self.estimator, self.both_views = float(lam), estimator, bool(both_views)

    def forward(self, z1, z2):
        return _SpeclLoss.apply(z1, z2, 0, self.lam, _ESTIMATORS[self.estimator], self.both_views, 1.0)

    def extra_repr(self):
        return f"lam={self.lam}, estimator={self.estimator!r}, both_views={self.both_views}"


class Spectral2021Loss(torch.nn.Module):
    """HaoChen et al. 2021 with the clip to the ball of radius sqrt(mu) and the division by mu."""

    def __init__(self, mu=1.0):
        super().__init__()
        self.mu = float(mu)

    def forward(self, z1, z2):
        return _SpeclLoss.apply(z1, z2, 1, 1.0, 0, False, self.mu)

    def extra_repr(self):
        return f"mu={self.mu}"
