#!/usr/bin/env bash
# Every claim of `specl reproduce`, run at a small setting that differs from its experiments/ file
# (other d, s, r, m, k, gamma, sigma, seeds), must still hold. The settings are config keys set
# with --set, so this also checks that nothing in a claim is tied to its default numbers.
set -u
B=${SPECL_BIN:?SPECL_BIN must point at the specl binary}
PY=/usr/bin/python3
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
export OPENBLAS_NUM_THREADS=1

claim() {   # NAME ONLY [--set ...]: run the claim files of ONLY, expect every record to hold
  local name=$1 only=$2; shift 2
  "$B" reproduce --experiments "$ROOT/experiments" --only "$only" "$@" --out "$T/$name" >"$T/out" 2>"$T/err" \
    || { echo "FAIL $name: exit $? $(tail -c 300 "$T/err")"; return; }
  $PY - "$T/$name/results.json" <<'PY' && echo "PASS $name" || echo "FAIL $name: $(tr -d '\n' <"$T/$name/report.md" | tail -c 600)"
import json, sys
claims = json.load(open(sys.argv[1]))["claims"]
assert claims and all(c["holds"] is True for c in claims), [c["measured"] for c in claims]
PY
}

# Under the sanitizers (SPECL_TEST_QUICK=1) only the exact claims run: the trained ones take minutes there.
# There they are not test cases (a NOTE line, not counted, not a skip); the normal tier runs them.
slow() {
  if [ "${SPECL_TEST_QUICK:-0}" = 1 ]; then echo "NOTE $1 ($2) not run under SPECL_TEST_QUICK=1 (trained: minutes under the sanitizers); it runs in make test"
  else claim "$@"; fi
}

claim c01_m3_k4 C01 --set data.m=3 --set data.size=7 --set model.k=4
claim c02_m2_sub4 C02 --set data.m=2 --set data.sub=4 --set data.size=5
slow c03_linear_d10_s3 C03 --set data.d=10 --set data.s=3 --set claim.ks=2,3,5 --set claim.lambdas=0.5,2
slow c03_table_m3 C03-table --set data.m=3 --set data.sub=3 --set data.size=6 --set model.k=3
slow c04_d10_s3 C04 --set data.d=10 --set data.s=3 --set claim.ks=3 --set claim.lambdas=0.3
claim c05_d8_k8 C05 --set data.d=8 --set model.k=8
slow c06_d10_s3 C06 --set data.d=10 --set data.s=3 --set claim.ks=2,5 --set claim.lambdas=2
# C07's success rate is an empirical statement at its default; here only the explicit weights
# (any d, s) are asserted, with the rate still measured and recorded.
slow c07_explicit_d8_s4 C07 --set data.d=8 --set data.s=4 --set model.k=16 --set data.labels=patterns:2,patterns:16 \
  --set claim.seeds=1 --set claim.min_success=0 --set train.steps=500
claim c08_d8_s2 C08 --set data.d=8 --set data.s=2 --set model.k=8 --set data.labels=patterns:2,patterns:4
slow c09_r3 C09 --set data.r=3 --set data.r0=12 --set data.rho=0.04 --set train.steps=2000
claim c10_r4 C10 --set data.r=4 --set data.r0=16 --set model.k=4
slow c11_d12 C11 --set data.d=12 --set claim.ks=8 --set claim.seeds=2 --set train.steps=1500
claim c12_d10_s4 C12 --set data.d=10 --set data.s=4 --set data.gamma=3
claim c13_seed2 C13 --set seed=2 --set claim.graphs=40
claim c14_seed3 C14 --set seed=3 --set claim.graphs=40
slow c15_d6_sigma05 C15 --set data.d=6 --set data.sigma=0.5
claim c16_seed4 C16-exact,C16-estimator --set seed=4 --set claim.graphs=40   # not C16-fashion: minutes of moments
