#!/usr/bin/python3
"""A stochastic block model built in SciPy, and the paper's quantities on it computed by specl.

    PYTHONPATH=python python3 python/examples/sbm.py [--plot spectrum.png]

Prints alpha (the fraction of positive pairs that cross clusters), beta (the expansion inside the
clusters, table class) and phi_m (the smallest whitened alignment of m functions), the same numbers
`specl theory --graph W.mtx --partition P.txt --json` reports (--write DIR saves W.mtx and P.txt to
check). With matplotlib, plots the bottom of the normalized Laplacian's spectrum.
"""
import argparse
import os

import numpy as np
import scipy.io
import scipy.sparse as sp

import specl


def block_model(sizes=(40, 30, 30), p_in=0.3, p_out=0.01, seed=0):
    """Symmetric SBM adjacency (CSR) with a self-loop per vertex (every vertex has positive degree)."""
    rng = np.random.default_rng(seed)
    labels = np.repeat(np.arange(len(sizes)), sizes)
    prob = np.where(labels[:, None] == labels[None, :], p_in, p_out)
    upper = sp.triu(sp.csr_matrix(rng.random(prob.shape) < prob), k=1)
    W = (upper + upper.T + sp.eye(labels.size)).astype(np.float64).tocsr()
    return W, labels


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--plot", default="sbm_spectrum.png", help="spectrum figure (needs matplotlib)")
    ap.add_argument("--write", default=None, help="also write DIR/W.mtx and DIR/P.txt for `specl theory`")
    args = ap.parse_args()

    W, labels = block_model()
    r = specl.theory(W, partition=labels)               # k = m = 3 clusters
    print(f"n = {r['n']}, m = {r['m']}, lambda = {r['lambda']}")
    print(f"alpha = {r['alpha']!r}")
    print(f"beta = {r['beta_table']!r}")
    print(f"phi_m = {r['phi_m_table']!r}")
    print(f"Thm 3.6 bound = {r['bound_thm36']!r}, probe error of the minimizer = {r['probe_error']!r}")

    if args.write:
        os.makedirs(args.write, exist_ok=True)
        scipy.io.mmwrite(os.path.join(args.write, "W.mtx"), W, precision=17)
        np.savetxt(os.path.join(args.write, "P.txt"), labels, fmt="%d")
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib not installed: no plot")
        return
    nu = specl.theory(W, k=20)["eigenvalues"]
    fig, ax = plt.subplots(figsize=(5, 3.2))
    ax.plot(range(1, len(nu) + 1), nu, "o-")
    ax.axvline(r["m"] + 0.5, ls=":", c="gray")
    ax.set_xlabel("i")
    ax.set_ylabel(r"$\nu_i$ of $I - D^{-1/2} W D^{-1/2}$")
    ax.set_title(f"SBM, m = {r['m']}: alpha = {r['alpha']:.3f}, phi_m = {r['phi_m_table']:.3f}")
    fig.tight_layout()
    fig.savefig(args.plot, dpi=120)
    print(f"spectrum plot: {args.plot}")


if __name__ == "__main__":
    main()
