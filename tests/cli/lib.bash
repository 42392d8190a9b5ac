# tests/cli/lib.bash: helpers shared by the CLI test scripts (sourced, not run: tests/run.sh runs *.sh).
# Needs $B (the specl binary) and $T (a scratch directory).
pass() { echo "PASS $1"; }
fail() { echo "FAIL $1: $2"; }
# skip NAME REASON: a case that cannot run here because a prerequisite is missing (tests/run.sh lists it;
# under CI=true it counts as a failure). A case left out of a tier by design prints a "NOTE ..." line instead.
skip() { echo "SKIP $1: $2"; }
# note TEXT: information only, not counted by tests/run.sh.
note() { echo "NOTE $1"; }

# expect_err NAME STATUS PATTERN -- ARGS: run specl, expect exit STATUS, PATTERN in stderr, one line.
expect_err() {
  local name=$1 want=$2 pat=$3; shift 4
  "$B" "$@" >"$T/out" 2>"$T/err"; local rc=$?
  if [ $rc -ne "$want" ]; then fail "$name" "exit $rc, expected $want; stderr: $(head -c 300 "$T/err")"; return; fi
  if ! grep -qE -- "$pat" "$T/err"; then fail "$name" "stderr lacks /$pat/: $(head -c 300 "$T/err")"; return; fi
  if [ "$(wc -l <"$T/err")" -ne 1 ]; then fail "$name" "expected one message line, got: $(cat "$T/err")"; return; fi
  pass "$name"
}

# phim_graph_ini FILE LAMBDAS: a small phi_m config on a clusters graph (linear and table, m = 2, 3),
# used by the phim tests of test_images.sh and test_mpi.sh.
phim_graph_ini() {
  cat >"$1" <<EOF
seed = 2
[data]
kind = clusters
m = 3
sub = 2
size = 6
alpha = 0.05
d = 6
[train]
steps = 3000
batch = 512
lr = 0.02
budget_scale = none
[phim]
archs = linear,table
ms = 2,3
lambdas = $2
pretrain_k = 0
EOF
}
