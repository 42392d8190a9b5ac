#!/usr/bin/env bash
# Valgrind memcheck on quick runs of each command: no invalid access, no definite leak.
set -u
B=${SPECL_BIN:?SPECL_BIN must point at the specl binary}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
. "$(dirname "$0")/lib.bash"
# The sanitizer tier (make test-asan) runs a binary valgrind cannot run (ASan's shadow memory): there
# these cases are not test cases at all, only a NOTE; the normal tier (make test) runs them.
if ldd "$B" 2>/dev/null | grep -q libasan; then
  note "valgrind cases are not run on a sanitized binary (valgrind cannot run ASan's shadow memory); they run in the normal build (make test)"
  exit 0
fi
if ! command -v valgrind >/dev/null; then skip valgrind_tests "valgrind not installed (scripts/setup-deps.sh installs it)"; exit 0; fi
vg() {   # NAME EXPECTED_EXIT ARGS... (valgrind's own errors exit with 3)
  local name=$1 want=$2; shift 2
  valgrind -q --error-exitcode=3 --leak-check=full --errors-for-leak-kinds=definite "$B" "$@" >"$T/out" 2>"$T/err"
  local rc=$?
  if [ $rc -eq "$want" ]; then pass "$name"; else fail "$name" "exit $rc, expected $want: $(tail -c 600 "$T/err")"; fi
}
Q=(--set eval.n_train=300 --set eval.n_test=300 --set eval.pop_pairs=1000 --quiet)
vg valgrind_train_linear 0 train --set train.steps=30 --set train.batch=64 "${Q[@]}" --out "$T/a"
vg valgrind_train_mlp 0 train --set model.class=mlp --set model.width=16 --set train.steps=20 --set train.batch=32 "${Q[@]}" --out "$T/b"
vg valgrind_train_conv 0 train --set data.kind=patch --set data.d=8 --set data.s=3 --set model.class=conv1d-circ --set model.k=8 \
  --set train.steps=20 --set train.batch=32 "${Q[@]}" --out "$T/c"
vg valgrind_resume_refused 2 train --resume "$T/a"   # a complete run: refused, no leak on that path
vg valgrind_eval 0 eval "$T/a"
vg valgrind_theory 0 theory -c "$ROOT/experiments/C03-table.ini" --set data.size=4 --json
vg valgrind_reproduce 0 reproduce --experiments "$ROOT/experiments" --only C05,C08 --out "$T/rep"
