#!/usr/bin/env bash
# Valgrind memcheck on quick runs of each command: no invalid access, no definite leak.
set -u
B=${SPECL_BIN:?SPECL_BIN must point at the specl binary}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
if ! command -v valgrind >/dev/null; then echo "SKIP valgrind not installed"; exit 0; fi
case "$B" in *asan*) echo "SKIP valgrind does not run sanitized binaries"; exit 0;; esac
vg() {   # NAME EXPECTED_EXIT ARGS... (valgrind's own errors exit with 3)
  local name=$1 want=$2; shift 2
  valgrind -q --error-exitcode=3 --leak-check=full --errors-for-leak-kinds=definite "$B" "$@" >"$T/out" 2>"$T/err"
  local rc=$?
  if [ $rc -eq "$want" ]; then echo "PASS $name"; else echo "FAIL $name: exit $rc, expected $want: $(tail -c 600 "$T/err")"; fi
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
