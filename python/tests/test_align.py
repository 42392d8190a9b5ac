"""whitened_alignment against the phi_m specl measures.

`specl phim` trains its own embeddings and takes none from the user, so the comparison is with the
exact phi_m of `specl theory` on embeddings whose whitened alignment is that phi_m by definition:
 - the table class: the bottom-m eigenvectors the CLI writes (--eigvecs), as f(x) = v(x)/sqrt(p(x)), over
   every edge (x, y) weighted by W_xy / total: tr(C^-1 D)/m = (2/m) sum nu_i = phi_m_table;
 - the linear class with d = m features: f(x) = X_x (any invertible map of it), whose whitened alignment is the
   mean of all m generalized eigenvalues = phi_m_linear.
And against an independent NumPy implementation of the definition on sampled pairs.
"""
import os

import numpy as np
import pytest

import specl
from conftest import cli_theory, sbm


def edge_pairs(W, f):
    C = W.tocoo()
    return f[C.row], f[C.col], C.data / C.data.sum()


def test_against_phi_m_table_of_the_cli(tmp_path, specl_bin):
    W, labels = sbm((12, 10, 14), 0.5, 0.04, 21)
    vec_path = os.path.join(tmp_path, "V.npy")
    rep = cli_theory(specl_bin, tmp_path, W, labels, extra=["--eigvecs", vec_path])
    V = np.load(vec_path)                       # (n, m) bottom eigenvectors of the normalized Laplacian
    deg = np.asarray(W.sum(axis=1)).ravel()
    f = V / np.sqrt(deg / deg.sum())[:, None]
    za, zb, w = edge_pairs(W, f)
    assert specl.whitened_alignment(za, zb, weights=w) == pytest.approx(rep["phi_m_table"], rel=1e-10, abs=1e-13)


def test_against_phi_m_linear_of_the_cli(tmp_path, specl_bin):
    W, labels = sbm((10, 10, 10), 0.5, 0.05, 22)
    X = np.random.default_rng(22).normal(size=(30, 3))       # d = m = 3
    rep = cli_theory(specl_bin, tmp_path, W, labels, X)
    A = np.array([[2.0, 0.3, 0.0], [0.1, 1.0, -0.5], [0.0, 0.4, 0.7]])   # invariance to an invertible map
    for f in (X, X @ A):
        za, zb, w = edge_pairs(W, f)
        assert specl.whitened_alignment(za, zb, weights=w) == pytest.approx(rep["phi_m_linear"], rel=1e-10)


def numpy_whitened_alignment(za, zb):
    za, zb = za.astype(np.float64), zb.astype(np.float64)
    n, k = za.shape
    C = (za.T @ za + zb.T @ zb) / (2 * n)
    D = (za - zb).T @ (za - zb) / n
    return np.trace(np.linalg.solve(C, D)) / k


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_against_numpy_definition(dtype):
    rng = np.random.default_rng(5)
    za = rng.normal(size=(500, 6)) @ rng.normal(size=(6, 6))
    zb = za + 0.2 * rng.normal(size=(500, 6))
    za, zb = za.astype(dtype), zb.astype(dtype)
    assert specl.whitened_alignment(za, zb) == pytest.approx(numpy_whitened_alignment(za, zb), rel=1e-10)
    w = np.full(500, 3.0)
    assert specl.whitened_alignment(za, zb, weights=w) == pytest.approx(specl.whitened_alignment(za, zb), rel=1e-12)
