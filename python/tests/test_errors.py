"""Every error path raises specl.Error (a ValueError) with the library's one-line message; none crashes."""
import os
import subprocess
import sys

import numpy as np
import pytest
import scipy.sparse as sp
import torch

import specl
import specl.torch
from conftest import sbm

Z1 = np.random.default_rng(0).normal(size=(20, 4)).astype(np.float32)
Z2 = Z1 + 0.1


def test_error_is_value_error():
    assert issubclass(specl.Error, ValueError)


@pytest.mark.parametrize("fn", [specl.lambda_loss, specl.spectral2021_loss, specl.whitened_alignment])
@pytest.mark.parametrize("bad,match", [
    (Z1.astype(np.int64), "dtype int64, expected float32 or float64"),
    (Z1.astype(np.float16), "dtype float16"),
    (Z1.astype(np.complex64), "dtype complex64"),
    (Z1[:, 0], r"shape \(20,\), expected a 2-D"),
    (Z1[None], "expected a 2-D"),
    (Z1[:10], "z1 has shape|za"),
    ([["a", "b"]], "dtype <U1"),
])
def test_dtype_and_shape(fn, bad, match):
    with pytest.raises(specl.Error, match=match):
        fn(bad, Z2)


def test_mixed_dtypes():
    with pytest.raises(specl.Error, match="same dtype"):
        specl.lambda_loss(Z1, Z2.astype(np.float64))


@pytest.mark.parametrize("fn", [specl.lambda_loss, specl.spectral2021_loss, specl.whitened_alignment])
def test_memory_order_is_converted(fn):
    """Fortran-ordered, strided and big-endian inputs are converted (one copy) and give the same numbers."""
    want = fn(Z1, Z2)
    want = want[0] if isinstance(want, tuple) else want
    for a in (np.asfortranarray(Z1), np.repeat(Z1, 2, axis=1)[:, ::2], Z1.astype(">f4")):
        got = fn(a, Z2)
        assert (got[0] if isinstance(got, tuple) else got) == want


@pytest.mark.parametrize("fn", [specl.lambda_loss, specl.spectral2021_loss, specl.whitened_alignment])
@pytest.mark.parametrize("val", [np.nan, np.inf])
def test_non_finite(fn, val):
    z = Z1.copy()
    z[3, 2] = val
    with pytest.raises(specl.Error, match=r"z1\[3, 2\] is not finite|za\[3, 2\] is not finite"):
        fn(z, Z2)


def test_beyond_float32_range():
    z = Z1.astype(np.float64)
    z[0, 0] = 1e300
    with pytest.raises(specl.Error, match="beyond the float32 range"):
        specl.lambda_loss(z, Z2.astype(np.float64))


def test_loss_arguments():
    with pytest.raises(specl.Error, match="at least 2 pairs|2 to"):
        specl.lambda_loss(Z1[:1], Z2[:1])
    with pytest.raises(specl.Error, match="expected lambda > 0"):
        specl.lambda_loss(Z1, Z2, lam=0)
    with pytest.raises(specl.Error, match="expected mu > 0"):
        specl.spectral2021_loss(Z1, Z2, mu=-1)
    with pytest.raises(specl.Error, match="estimator"):
        specl.lambda_loss(Z1, Z2, estimator="biased")
    with pytest.raises(specl.Error, match="estimator"):
        specl.torch.LambdaLoss(estimator="biased")


def test_alignment_errors():
    with pytest.raises(specl.Error, match="singular"):
        specl.whitened_alignment(np.zeros((10, 3)), np.zeros((10, 3)))
    with pytest.raises(specl.Error, match="weights"):
        specl.whitened_alignment(Z1, Z2, weights=np.ones(5))
    with pytest.raises(specl.Error, match="weight 1 = -1"):
        specl.whitened_alignment(Z1, Z2, weights=np.r_[1.0, -1.0, np.ones(18)])
    with pytest.raises(specl.Error, match="no pairs"):
        specl.whitened_alignment(Z1[:0], Z2[:0])


def test_torch_errors():
    a = torch.tensor(Z1, requires_grad=True)
    f = specl.torch.LambdaLoss()
    with pytest.raises(specl.Error, match="dtype torch.int32"):
        f(a.detach().int(), a.detach().int())
    with pytest.raises(specl.Error, match="dtype torch.float16"):
        f(a.detach().half(), a.detach().half())
    with pytest.raises(specl.Error, match="expected a CPU tensor"):
        f(torch.empty(20, 4, device="meta"), torch.empty(20, 4, device="meta"))
    with pytest.raises(specl.Error, match="expected a 2-D"):
        f(a[0], a[0])
    with pytest.raises(specl.Error, match="same"):
        f(a, a[:10])
    with pytest.raises(specl.Error, match="expected a torch.Tensor"):
        f(Z1, Z2)
    bad = a.detach().clone()
    bad[1, 1] = float("nan")
    with pytest.raises(specl.Error, match=r"z1\[1, 1\] is not finite"):
        f(bad, a)


W, LABELS = sbm((8, 8), 0.6, 0.1, 9)


@pytest.mark.parametrize("kwargs,match", [
    (dict(partition=LABELS[:-1]), "partition has 15 entries but the graph has n = 16"),
    (dict(partition=np.r_[LABELS[:-1], 5]), "cluster 2 of 6 is empty"),
    (dict(partition=np.r_[-1, LABELS[1:]]), "cluster index -1 of vertex 0"),
    (dict(partition=LABELS.astype(float)), "integer cluster indices"),
    (dict(partition=LABELS.reshape(4, 4)), "1-D array"),
    (dict(features=np.ones((15, 2))), "features have 15 rows but the graph has n = 16"),
    (dict(features=np.ones(16)), "expected a 2-D"),
    (dict(features=np.ones((16, 2), dtype=np.int32)), "dtype int32"),
    (dict(features=np.r_[[[np.nan, 1]], np.ones((15, 2))]), "feature 0 of vertex 0 is not finite"),
    (dict(k=0), "k = 0"),
    (dict(k=17), "k = 17: expected 1 <= k <= n = 16"),
    (dict(k=2.5), "k = 2.5"),
    (dict(lam=0), "lambda = 0"),
    (dict(lam="x"), "lam = 'x'"),
    (dict(method="lanczos"), "method = 'lanczos'"),
])
def test_theory_argument_errors(kwargs, match):
    with pytest.raises(specl.Error, match=match):
        specl.theory(W, **kwargs)


def test_theory_graph_errors():
    A = W.toarray()
    with pytest.raises(specl.Error, match="square"):
        specl.theory(A[:, :5])
    with pytest.raises(specl.Error, match="square"):
        specl.theory(sp.csr_matrix(A[:, :5]))
    B = A.copy(); B[0, 1] += 1.0
    with pytest.raises(specl.Error, match="symmetric|asymmetr"):
        specl.theory(B)
    with pytest.raises(specl.Error, match="symmetric|asymmetr"):
        specl.theory(sp.csr_matrix(B))
    C = A.copy(); C[0, 1] = C[1, 0] = -1.0
    with pytest.raises(specl.Error, match="negative"):
        specl.theory(sp.csr_matrix(C))
    D = A.copy(); D[2, :] = 0; D[:, 2] = 0
    with pytest.raises(specl.Error, match="degree 0"):
        specl.theory(D)
    E = A.copy(); E[0, 1] = E[1, 0] = np.nan
    with pytest.raises(specl.Error, match="finite"):
        specl.theory(sp.csr_matrix(E))
    with pytest.raises(specl.Error, match="dtype complex"):
        specl.theory(A.astype(complex))


def test_missing_library(tmp_path):
    code = ("import specl\n"
            "try:\n    specl.lambda_loss([[1.0, 2.0], [3.0, 4.0]], [[1.0, 2.0], [3.0, 5.0]])\n"
            "except specl.Error as e:\n    print('ERROR', e)\n")
    env = dict(os.environ, SPECL_LIB=str(tmp_path / "libspecl.so"))
    p = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    assert p.stdout.startswith("ERROR cannot load libspecl.so: tried ") and "SPECL_LIB" in p.stdout
    (tmp_path / "libspecl.so").write_text("not a library")
    p = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)
    assert p.stdout.startswith("ERROR cannot load libspecl.so") and "file too short" in p.stdout
