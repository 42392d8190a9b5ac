#!/usr/bin/env bash
# CLI tests of `specl theory`: JSON keys and values on a clusters config and on files written by
# SciPy and NumPy, the eigenvector output, the graph claims of `specl reproduce`, and every input
# error (exit 2, one line naming the file, line or flag, nothing written).
set -u
B=${SPECL_BIN:?SPECL_BIN must point at the specl binary}
PY=/usr/bin/python3
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
. "$(dirname "$0")/lib.bash"

# ---- a clusters config: every documented key, values consistent with their definitions ----
printf '[data]\nkind = clusters\nm = 3\nsub = 2\nsize = 6\nalpha = 0.04\nconn = 0.3\nd = 4\n' >"$T/cl.ini"
"$B" theory -c "$T/cl.ini" --json >"$T/th.json" 2>"$T/err" && $PY - "$T/th.json" <<'PY' && pass theory_config_json || fail theory_config_json "$(cat "$T/err")"
import json, sys
r = json.load(open(sys.argv[1]))
for key in ["n", "eigenvalues", "residual_max", "alpha", "beta_table", "p_min", "p_max", "phi_m_table",
            "bound_thm36", "probe_error", "beta_linear", "phi_m_linear", "thm45", "closed_form_loss"]:
    assert key in r, key
assert r["n"] == 36 and r["m"] == 3 and r["k"] == 3 and len(r["eigenvalues"]) == 3
assert abs(r["alpha"] - 0.04) < 1e-12                    # the source's leakage is exact
assert r["residual_max"] < 1e-12 and abs(r["eigenvalues"][0]) < 1e-12
assert abs(r["phi_m_table"] - 2 / 3 * sum(r["eigenvalues"])) < 1e-12
assert r["beta_linear"] >= r["beta_table"] - 1e-12          # linear functions are a subset
assert r["probe_error"] <= r["bound_thm36"]                 # Thm 3.6
assert r["probe_error"] <= r["thm45"]["bound"]              # Thm 4.5
PY

# ---- files: a graph and partition written with SciPy/NumPy, features as .npy ----
$PY - "$T" <<'PY'
import sys, numpy as np, scipy.io, scipy.sparse as sp
rng = np.random.default_rng(0)
blocks = [rng.uniform(0.5, 1.5, (5, 5)) for _ in range(3)]
W = sp.block_diag([(b + b.T) / 2 for b in blocks]).toarray()
W[0, 7] = W[7, 0] = 0.05                                   # a little leakage between the first two groups
np.fill_diagonal(W, 0)
scipy.io.mmwrite(sys.argv[1] + "/g.mtx", sp.coo_matrix(W), symmetry="symmetric")
np.savetxt(sys.argv[1] + "/p.txt", np.repeat(np.arange(3), 5), fmt="%d")
np.save(sys.argv[1] + "/x.npy", rng.normal(size=(15, 3)))
L = np.eye(15) - W / np.sqrt(np.outer(W.sum(1), W.sum(1)))
np.save(sys.argv[1] + "/nu.npy", np.linalg.eigvalsh(L)[:4])
PY
"$B" theory --graph "$T/g.mtx" --partition "$T/p.txt" --features "$T/x.npy" --k 3 --eigvecs "$T/v.npy" --json >"$T/g.json" 2>"$T/err" \
  && $PY - "$T" <<'PY' && pass theory_files_vs_numpy || fail theory_files_vs_numpy "$(cat "$T/err")"
import json, sys, numpy as np
d = sys.argv[1]; r = json.load(open(d + "/g.json")); nu = np.load(d + "/nu.npy"); v = np.load(d + "/v.npy")
assert np.allclose(r["eigenvalues"], nu[:3], atol=1e-12), (r["eigenvalues"], nu)
assert v.shape == (15, 3) and np.allclose(v.T @ v, np.eye(3), atol=1e-10)
import scipy.io
W = scipy.io.mmread(d + "/g.mtx").toarray()
deg = W.sum(1); alpha = (W[:5, 5:].sum() * 2) / W.sum()
assert abs(r["alpha"] - alpha) < 1e-12
L = np.eye(15) - W / np.sqrt(np.outer(deg, deg))
assert np.allclose(L @ v, v * np.array(r["eigenvalues"]), atol=1e-10)
PY
"$B" theory --graph "$T/g.mtx" --k 4 --method arpack --json >"$T/a.json" 2>"$T/err" && "$B" theory --graph "$T/g.mtx" --k 4 --method dense --json >"$T/d.json" \
  && $PY -c "
import json; a = json.load(open('$T/a.json')); d = json.load(open('$T/d.json'))
assert a['method'] == 'dense' or all(abs(x - y) < 1e-10 for x, y in zip(a['eigenvalues'], d['eigenvalues']))
assert 'alpha' not in a" && pass theory_no_partition || fail theory_no_partition "$(cat "$T/err")"

# ---- the graph claims hold (exact, well under a second each; and C16 estimator side on synthetic sources,
#      experiments/C16-estimator.ini, which trains for about 15 s) ----
"$B" reproduce --experiments "$ROOT/experiments" --only C01,C02,C13,C14,C16-exact,C16-estimator --out "$T/rep" >"$T/out" 2>"$T/err" && $PY - "$T/rep/results.json" <<'PY' \
  && pass reproduce_graph_claims || fail reproduce_graph_claims "$(cat "$T/err")"
import json, sys
claims = json.load(open(sys.argv[1]))["claims"]
assert [c["id"] for c in claims] == ["C01", "C02", "C13", "C14", "C16", "C16"], claims
assert all(c["holds"] for c in claims), [c["measured"] for c in claims]
c13 = claims[2]["details"]["graphs"]
assert len(c13) == 200 and sum(isinstance(g["bound"], float) for g in c13) >= 100
PY

# ---- input errors: exit 2, one message naming the file and line or the flag; no output file ----
printf '%%%%MatrixMarket matrix coordinate real symmetric\n3 3 2\n2 1 1.0\n3 2 -1.0\n' >"$T/neg.mtx"
expect_err mtx_negative 2 'neg.mtx:4: .*negative' -- theory --graph "$T/neg.mtx"
printf '%%%%MatrixMarket matrix array real general\n2 2\n1\n0\n0\n1\n' >"$T/arr.mtx"
expect_err mtx_array 2 'arr.mtx:1: ' -- theory --graph "$T/arr.mtx"
printf '%%%%MatrixMarket matrix coordinate real general\n2 2 1\n1 2 1.0\n' >"$T/asym.mtx"
expect_err mtx_asymmetric 2 'asym.mtx' -- theory --graph "$T/asym.mtx"
printf '%%%%MatrixMarket matrix coordinate real symmetric\n3 3 3\n2 1 1.0\n' >"$T/short.mtx"
expect_err mtx_truncated 2 'short.mtx' -- theory --graph "$T/short.mtx"
expect_err mtx_missing 2 'nope.mtx: cannot open' -- theory --graph "$T/nope.mtx"
printf '0\n1\n' >"$T/p2.txt"
expect_err partition_short 2 'p2.txt' -- theory --graph "$T/g.mtx" --partition "$T/p2.txt"
printf '0\n1\n2\n0\n1\n2\n0\n1\n2\n0\n1\n2\n0\nx\n1\n' >"$T/pbad.txt"
expect_err partition_not_integer 2 'pbad.txt:14' -- theory --graph "$T/g.mtx" --partition "$T/pbad.txt"
$PY -c "import numpy as np; np.save('$T/x2.npy', np.zeros((7, 2)))"
expect_err features_shape 2 'x2.npy: expected a float32 or float64 array of shape \(15, d\)' -- theory --graph "$T/g.mtx" --features "$T/x2.npy"
expect_err k_too_large 2 '--k 99: expected a number in \[1, 15\]' -- theory --graph "$T/g.mtx" --k 99
expect_err k_fraction 2 '--k 2.5: expected an integer' -- theory --graph "$T/g.mtx" --k 2.5
expect_err lambda_bad 2 '--lambda -1: expected a number' -- theory --graph "$T/g.mtx" --lambda -1
expect_err method_bad 2 '--method fast: expected auto, dense or arpack' -- theory --graph "$T/g.mtx" --method fast
expect_err both_inputs 2 'exactly one of -c CONFIG or --graph' -- theory -c "$T/cl.ini" --graph "$T/g.mtx"
expect_err no_graph_source 2 'data.kind = hypercube has no finite positive-pair graph' -- theory -c /dev/null --set data.d=4 --set data.s=2
printf '[data]\nkind = clusters\nm = 1\nalpha = 0.1\n' >"$T/bad.ini"
expect_err clusters_alpha_m1 2 'bad.ini:4: data.alpha = 0.1 > 0 needs data.m >= 2' -- theory -c "$T/bad.ini"
printf '[data]\nkind = clusters\nm = 3\nmasses = 1,2\n' >"$T/bad2.ini"
expect_err clusters_masses 2 "bad2.ini:4: data.masses = '1,2': expected 3 positive numbers" -- theory -c "$T/bad2.ini"
expect_err eigvecs_unwritable 2 'cannot create' -- theory --graph "$T/g.mtx" --eigvecs /nonexistent_dir_specl/v.npy
[ ! -e /nonexistent_dir_specl ] && pass eigvecs_no_partial || fail eigvecs_no_partial "output left"

# ---- sources whose views share their support point have a self-loop graph over the support ----
"$B" theory -c "$ROOT/experiments/C15.ini" --json >"$T/grid.json" 2>"$T/err" && $PY - "$T/grid.json" <<'PY' \
  && pass theory_grid_self_loops || fail theory_grid_self_loops "$(cat "$T/err")"
import json, sys
r = json.load(open(sys.argv[1]))
assert r["n"] == 4 and r["m"] == 4 and r["alpha"] == 0 and r["p_min"] == 0.25 == r["p_max"]
assert all(abs(v) < 1e-12 for v in r["eigenvalues"]) and r["probe_error"] < 1e-12
PY
