# tests/cli/claims_lib.bash: sourced by the test_claims_<family>.sh scripts (not run by itself).
# claim NAME ONLY [--set ...]: every record of the claim files of ONLY must hold. The settings are
# config keys set with --set, so this also checks that nothing in a claim is tied to its numbers.
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

# Under the sanitizers (SPECL_TEST_QUICK=1) only the exact claims run: the trained ones take minutes
# there. There they are not test cases (a NOTE line, not counted, not a skip); the normal tier runs
# them. slow NAME ONLY ... runs `claim`; slow_control NAME ONLY ... runs `control`.
slow() {
  if [ "${SPECL_TEST_QUICK:-0}" = 1 ]; then echo "NOTE $1 ($2) not run under SPECL_TEST_QUICK=1 (trained: minutes under the sanitizers); it runs in make test"
  else claim "$@"; fi
}
slow_control() {
  if [ "${SPECL_TEST_QUICK:-0}" = 1 ]; then echo "NOTE $1 ($2) not run under SPECL_TEST_QUICK=1 (trained: minutes under the sanitizers); it runs in make test"
  else control "$@"; fi
}

control() { # NAME ONLY [--set ...]: a negative control (CLAIMS.md rule 2): the run must succeed and
            # every record of ONLY must report holds = false; prints the record's FAILS line.
  local name=$1 only=$2; shift 2
  "$B" reproduce --experiments "$ROOT/experiments" --only "$only" "$@" --out "$T/$name" >"$T/out" 2>"$T/err" \
    || { echo "FAIL $name: exit $? $(tail -c 300 "$T/err")"; return; }
  if $PY - "$T/$name/results.json" <<'PY'
import json, sys
claims = json.load(open(sys.argv[1]))["claims"]
assert claims and all(c["holds"] is False for c in claims), [(c["id"], c["holds"]) for c in claims]
PY
  then echo "PASS $name (control fails as it must: $(grep -m1 'FAILS' "$T/err" | sed 's/^ *//' | head -c 300))"
  else echo "FAIL $name: the negative control did not fail: $(tr -d '\n' <"$T/$name/report.md" | tail -c 600)"; fi
}
