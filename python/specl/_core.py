"""NumPy in, NumPy out: the theory report, the losses and the whitened alignment.

Every function here converts its arguments (dtype, byte order, C order: one copy at most, never a
narrowing conversion the caller did not ask for), calls one function of specl/ffi.h and converts
the result back. All checks of values (NaN, ranges, graph and partition consistency) happen in the
C library; its message comes back as specl.Error.
"""
import ctypes
import json

import numpy as np

from ._lib import Error, call, lib

_F32, _F64 = 0, 1
_METHODS = {"auto": 0, "dense": 1, "arpack": 2}
_ESTIMATORS = {"unbiased": 0, "plugin": 1}


def _ptr(a):
    return None if a is None else a.ctypes.data_as(ctypes.c_void_p)


def _float_matrix(a, name):
    """a as a C-ordered, native-endian float32 or float64 (n, k) array (a copy only when needed)."""
    if not isinstance(a, np.ndarray):
        try:
            a = np.asarray(a)
        except Exception as e:   # ragged lists, objects
            raise Error(f"{name}: cannot be read as an array ({e})") from None
    if a.dtype.kind != "f" or a.dtype.itemsize not in (4, 8):
        raise Error(f"{name}: dtype {a.dtype}, expected float32 or float64")
    if a.ndim != 2:
        raise Error(f"{name}: shape {a.shape}, expected a 2-D array (n, k)")
    return np.require(a, dtype=a.dtype.newbyteorder("="), requirements="C")


def _dtype_code(a):
    return _F32 if a.dtype == np.float32 else _F64


def theory(W, partition=None, features=None, k=None, lam=1.0, method="auto"):
    """What `specl theory --json` reports for the positive-pair graph W, as a dict (JSON null -> None).

    W: a symmetric non-negative weight matrix, scipy.sparse (any format) or a dense array (n, n);
    partition: n cluster indices 0..m-1 (integers), or None; features: (n, d) vertex features
    (float32 or float64), or None; k: the dimension (default: m with a partition, else 10);
    lam: lambda of L_lambda; method: "auto", "dense" or "arpack".
    """
    if method not in _METHODS:
        raise Error(f"method = {method!r}: expected 'auto', 'dense' or 'arpack'")
    if k is not None and (isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1):
        raise Error(f"k = {k!r}: expected an integer >= 1")
    try:
        lam = float(lam)
    except (TypeError, ValueError):
        raise Error(f"lam = {lam!r}: expected a number") from None
    dense = row = col = val = None
    nnz = 0
    if hasattr(W, "tocoo") and hasattr(W, "nnz"):   # scipy.sparse matrix or array
        if W.ndim != 2 or W.shape[0] != W.shape[1]:
            raise Error(f"W: shape {W.shape}, expected a square matrix (n, n)")
        if W.dtype.kind not in "biuf":
            raise Error(f"W: dtype {W.dtype}, expected real weights")
        coo = W.tocoo()
        row = np.ascontiguousarray(coo.row, dtype=np.int64)
        col = np.ascontiguousarray(coo.col, dtype=np.int64)
        val = np.ascontiguousarray(coo.data, dtype=np.float64)
        n, nnz = W.shape[0], val.size
    else:
        a = np.asarray(W)
        if a.dtype.kind not in "biuf":
            raise Error(f"W: dtype {a.dtype}, expected real weights")
        if a.ndim != 2 or a.shape[0] != a.shape[1]:
            raise Error(f"W: shape {a.shape}, expected a square matrix (n, n)")
        dense = np.ascontiguousarray(a, dtype=np.float64)
        n = a.shape[0]
    part = None
    if partition is not None:
        p = np.asarray(partition)
        if p.ndim != 1 or (p.dtype.kind not in "iu" and p.size):
            raise Error(f"partition: dtype {p.dtype}, shape {p.shape}, expected a 1-D array of n integer cluster indices")
        if p.dtype.kind == "u" and p.size and p.max() > np.iinfo(np.int64).max:
            raise Error("partition: cluster index beyond int64")
        part = np.ascontiguousarray(p, dtype=np.int64)
    x = None
    d = 0
    if features is not None:
        x = _float_matrix(features, "features").astype(np.float64, copy=False)
        d = x.shape[1]
    out = ctypes.c_void_p()
    call("specl_theory_json", n, _ptr(dense), nnz, _ptr(row), _ptr(col), _ptr(val),
         _ptr(part), 0 if part is None else part.size, _ptr(x), 0 if x is None else x.shape[0], d,
         0 if k is None else int(k), lam, _METHODS[method], ctypes.byref(out))
    try:
        text = ctypes.string_at(out.value).decode()
    finally:
        lib().specl_ffi_free(out)
    return json.loads(text)


class LossResult(tuple):
    """(value, grad_z1, grad_z2), with .align and .reg (the two terms of the value) as attributes."""

    def __new__(cls, value, g1, g2, align, reg):
        r = super().__new__(cls, (value, g1, g2))
        r.align, r.reg = align, reg
        return r

    value = property(lambda self: self[0])
    grad_z1 = property(lambda self: self[1])
    grad_z2 = property(lambda self: self[2])


def _pair(z1, z2):
    a, b = _float_matrix(z1, "z1"), _float_matrix(z2, "z2")
    if a.shape != b.shape:
        raise Error(f"z1 has shape {a.shape} and z2 {b.shape}: expected two (n, k) arrays of the same shape")
    if a.dtype != b.dtype:
        raise Error(f"z1 is {a.dtype} and z2 {b.dtype}: expected the same dtype")
    return a, b


def _loss(kind, z1, z2, lam, estimator, both_views, mu, grad):
    a, b = _pair(z1, z2)
    if estimator not in _ESTIMATORS:
        raise Error(f"estimator = {estimator!r}: expected 'unbiased' or 'plugin'")
    g1 = np.empty_like(a) if grad else None
    g2 = np.empty_like(b) if grad else None
    out = (ctypes.c_double * 3)()
    call("specl_loss_pair", kind, float(lam), _ESTIMATORS[estimator], int(bool(both_views)), float(mu),
         _dtype_code(a), a.shape[0], a.shape[1], _ptr(a), _ptr(b), _ptr(g1), _ptr(g2), out)
    return LossResult(out[0], g1, g2, out[1], out[2])


def lambda_loss(z1, z2, lam=1.0, estimator="unbiased", both_views=False, grad=True):
    """L_lambda (Eq. 1-2) of the batch of pairs (z1[i], z2[i]), z1 and z2 (n, k) float32 or float64.

    Returns (value, dL/dz1, dL/dz2) (gradients None with grad=False), with .align and .reg. The
    library computes in float32 (float64 input is converted once; gradients come back in the input
    dtype). estimator: "unbiased" (U-statistic, the training default) or "plugin" (Eq. 21).
    """
    return _loss(0, z1, z2, lam, estimator, both_views, 1.0, grad)


def spectral2021_loss(z1, z2, mu=1.0, grad=True):
    """HaoChen et al. 2021's spectral contrastive loss with the clip to the ball of radius sqrt(mu) and
    the division by mu; returns (value, dL/dz1, dL/dz2) as lambda_loss does."""
    return _loss(1, z1, z2, 1.0, "unbiased", False, mu, grad)


def whitened_alignment(za, zb, weights=None):
    """The whitened alignment tr(C^-1 D)/k of embeddings of n positive pairs za, zb (n, k): C = E ff^T over
    both views, D = E (f(x) - f(x+))(f(x) - f(x+))^T; the embedding whitened by C^(-1/2)/sqrt(k) has this
    mean squared distance between the views (the quantity whose minimum over a class is phi_m at k = m).
    weights: n non-negative pair weights (default equal). Moments are accumulated in float64."""
    a, b = _pair(za, zb)
    w = None
    if weights is not None:
        w = np.asarray(weights)
        if w.dtype.kind not in "biuf" or w.shape != (a.shape[0],):
            raise Error(f"weights: dtype {w.dtype}, shape {w.shape}, expected ({a.shape[0]},) real numbers")
        w = np.ascontiguousarray(w, dtype=np.float64)
    phi = ctypes.c_double()
    call("specl_whitened_alignment_pairs", _dtype_code(a), a.shape[0], a.shape[1], _ptr(a), _ptr(b), _ptr(w),
         ctypes.byref(phi))
    return phi.value
