"""specl.theory against `specl theory --json` on the same graphs (written as .mtx / partition / .npy), to 1e-12."""
import numpy as np
import pytest
import scipy.sparse as sp

import specl
from conftest import assert_same_report, cli_theory, sbm


@pytest.mark.parametrize("seed,sizes,k,lam", [
    (1, (10, 12, 8), None, 1.0),      # k = m: Thm 3.6 and Thm 4.5 reported
    (2, (15, 15), 4, 0.5),            # k != m: bound_thm36 null with its note
    (3, (6, 7, 8, 9), None, 20.0),
])
def test_theory_partition_features(tmp_path, specl_bin, seed, sizes, k, lam):
    W, labels = sbm(sizes, 0.6, 0.05, seed)
    X = np.random.default_rng(seed).normal(size=(W.shape[0], 3))
    want = cli_theory(specl_bin, tmp_path, W, labels, X, (["--k", k] if k else []) + ["--lambda", lam])
    got = specl.theory(W, partition=labels, features=X, k=k, lam=lam)
    assert_same_report(got, want)
    assert "alpha" in got and "beta_table" in got and "phi_m_linear" in got


def test_theory_graph_only_dense_input(tmp_path, specl_bin):
    W, _ = sbm((20, 20), 0.3, 0.1, 4, weighted=False)
    want = cli_theory(specl_bin, tmp_path, W, extra=["--k", 5])
    assert_same_report(specl.theory(W.toarray(), k=5), want)          # dense ndarray
    assert_same_report(specl.theory(W.tocsc(), k=5), want)            # any scipy.sparse format
    assert_same_report(specl.theory(sp.coo_matrix(W), k=5), want)


def test_theory_default_k_and_arpack(tmp_path, specl_bin):
    W, labels = sbm((40, 40, 40), 0.2, 0.01, 5)
    want = cli_theory(specl_bin, tmp_path, W, labels, extra=["--method", "arpack"])
    got = specl.theory(W, partition=labels, method="arpack")
    assert got["method"] == "arpack" and got["k"] == 3
    # ARPACK's eigenvectors are the same numbers in both processes (same start vector, same arithmetic)
    assert_same_report(got, want)


def test_theory_features_only(tmp_path, specl_bin):
    W, _ = sbm((10, 10), 0.5, 0.1, 6)
    X = np.random.default_rng(6).normal(size=(20, 4)).astype(np.float32)   # float32 features, as the CLI reads them
    want = cli_theory(specl_bin, tmp_path, W, features=X.astype(np.float64), extra=["--k", 3])
    assert_same_report(specl.theory(W, features=X, k=3), want)
