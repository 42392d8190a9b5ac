"""Shared fixtures of the specl Python suite: the specl CLI (to compare against) and small graphs.

SPECL_BIN names the CLI (tests/cli/test_python.sh sets it); otherwise build/specl of this tree.
"""
import json
import os
import subprocess

import numpy as np
import pytest
import scipy.io
import scipy.sparse as sp

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@pytest.fixture(scope="session")
def specl_bin():
    b = os.environ.get("SPECL_BIN") or os.path.join(ROOT, "build", "specl")
    if not os.access(b, os.X_OK):
        pytest.fail(f"no specl binary at {b} (run make, or set SPECL_BIN)")
    return b


def run_cli(binary, *args):
    p = subprocess.run([binary, *map(str, args)], capture_output=True, text=True, timeout=300)
    if p.returncode != 0:
        raise AssertionError(f"specl {' '.join(map(str, args))} failed ({p.returncode}): {p.stderr}")
    return p.stdout


def write_graph(d, W, partition=None, features=None):
    """W.mtx (as scipy.io.mmwrite writes it, 17 digits), P.txt, X.npy in directory d; the CLI arguments."""
    args = ["--graph", os.path.join(d, "W.mtx")]
    scipy.io.mmwrite(args[1], sp.coo_matrix(W), precision=17)
    if partition is not None:
        p = os.path.join(d, "P.txt")
        with open(p, "w") as f:
            f.write("\n".join(str(int(c)) for c in partition) + "\n")
        args += ["--partition", p]
    if features is not None:
        x = os.path.join(d, "X.npy")
        np.save(x, np.asarray(features, dtype=np.float64))
        args += ["--features", x]
    return args


def cli_theory(binary, d, W, partition=None, features=None, extra=()):
    return json.loads(run_cli(binary, "theory", *write_graph(d, W, partition, features), *extra, "--json"))


def sbm(sizes, p_in, p_out, seed, weighted=True):
    """A symmetric stochastic block model (scipy.sparse CSR) with a self-loop on every vertex (no vertex of
    degree 0), and its block labels."""
    rng = np.random.default_rng(seed)
    labels = np.repeat(np.arange(len(sizes)), sizes)
    n = labels.size
    prob = np.where(labels[:, None] == labels[None, :], p_in, p_out)
    upper = np.triu(rng.random((n, n)) < prob, 1)
    w = rng.uniform(0.5, 2.0, (n, n)) if weighted else np.ones((n, n))
    A = np.where(upper, w, 0.0)
    A = A + A.T + np.eye(n)
    return sp.csr_matrix(A), labels


def assert_same_report(got, want, tol=1e-12, path="report"):
    """The same keys, strings and nulls, and numbers within tol (relative to max(1, |want|))."""
    if isinstance(want, dict):
        assert isinstance(got, dict) and set(got) == set(want), f"{path}: keys {sorted(got)} != {sorted(want)}"
        for k in want:
            assert_same_report(got[k], want[k], tol, f"{path}.{k}")
    elif isinstance(want, list):
        assert isinstance(got, list) and len(got) == len(want), f"{path}: {got} != {want}"
        for i, (a, b) in enumerate(zip(got, want)):
            assert_same_report(a, b, tol, f"{path}[{i}]")
    elif isinstance(want, (int, float)) and not isinstance(want, bool):
        assert isinstance(got, (int, float)), f"{path}: {got!r} != {want!r}"
        assert abs(got - want) <= tol * max(1.0, abs(want)), f"{path}: {got!r} != {want!r}"
    else:
        assert got == want, f"{path}: {got!r} != {want!r}"
