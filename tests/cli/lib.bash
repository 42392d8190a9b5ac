# tests/cli/lib.bash: helpers shared by the CLI test scripts (sourced, not run: tests/run.sh runs *.sh).
# Needs $B (the specl binary) and $T (a scratch directory).
pass() { echo "PASS $1"; }
fail() { echo "FAIL $1: $2"; }

# expect_err NAME STATUS PATTERN -- ARGS: run specl, expect exit STATUS, PATTERN in stderr, one line.
expect_err() {
  local name=$1 want=$2 pat=$3; shift 4
  "$B" "$@" >"$T/out" 2>"$T/err"; local rc=$?
  if [ $rc -ne "$want" ]; then fail "$name" "exit $rc, expected $want; stderr: $(head -c 300 "$T/err")"; return; fi
  if ! grep -qE -- "$pat" "$T/err"; then fail "$name" "stderr lacks /$pat/: $(head -c 300 "$T/err")"; return; fi
  if [ "$(wc -l <"$T/err")" -ne 1 ]; then fail "$name" "expected one message line, got: $(cat "$T/err")"; return; fi
  pass "$name"
}
