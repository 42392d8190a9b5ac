#!/usr/bin/env bash
# Checkpoints and resume: a run stopped by SIGTERM, SIGINT or SIGKILL (at a random moment after
# its first checkpoint) and continued with `specl train --resume` ends bit-identical to an
# uninterrupted run (weights and metrics); damaged checkpoints and misuse are refused.
set -u
B=${SPECL_BIN:?SPECL_BIN must point at the specl binary}
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
export OPENBLAS_NUM_THREADS=1
pass() { echo "PASS $1"; }
fail() { echo "FAIL $1: $2"; }
ARGS=(--set train.steps=3000 --set train.batch=1024 --set train.checkpoint_every=50 --set eval.n_train=2000 --set eval.n_test=2000 --quiet)

"$B" train "${ARGS[@]}" --out "$T/full" 2>"$T/err" || fail full_run "$(cat "$T/err")"

same() {   # NAME DIR: DIR ended identical to the uninterrupted run
  if cmp -s "$T/full/encoder.safetensors" "$1/encoder.safetensors" && cmp -s "$T/full/metrics.csv" "$1/metrics.csv" \
     && [ ! -e "$1/RUNNING" ]; then return 0; fi
  return 1
}

interrupt() {   # NAME SIGNAL EXPECTED_EXIT
  local name=$1 sig=$2 want=$3 d="$T/$1"
  "$B" train "${ARGS[@]}" --out "$d" 2>"$T/err_$name" & local pid=$!
  for _ in $(seq 200); do [ -e "$d/checkpoints/LATEST" ] && break; sleep 0.01; done
  sleep "0.$((RANDOM % 30))"
  kill -"$sig" $pid; wait $pid; local rc=$?
  if [ -e "$d/results.json" ]; then echo "SKIP $name: the run finished before the signal"; return; fi
  [ "$rc" -eq "$want" ] || { fail "$name" "exit $rc, expected $want"; return; }
  [ -e "$d/RUNNING" ] || { fail "$name" "RUNNING marker missing after the interruption"; return; }
  "$B" train --resume "$d" --quiet 2>"$T/err_$name" || { fail "$name" "resume failed: $(cat "$T/err_$name")"; return; }
  same "$d" && pass "$name" || fail "$name" "resumed run differs from the uninterrupted one"
}
interrupt resume_after_sigterm TERM 143
interrupt resume_after_sigint INT 130
interrupt resume_after_sigkill KILL 137

# a second interruption of a resumed run
d="$T/twice"
"$B" train "${ARGS[@]}" --out "$d" 2>/dev/null & pid=$!
for _ in $(seq 200); do [ -e "$d/checkpoints/LATEST" ] && break; sleep 0.01; done; kill -KILL $pid; wait $pid
"$B" train --resume "$d" --quiet 2>/dev/null & pid=$!; sleep 0.2; kill -KILL $pid; wait $pid
"$B" train --resume "$d" --quiet 2>"$T/err" && same "$d" && pass resume_twice || fail resume_twice "$(cat "$T/err")"

# misuse and damage: exit 2, one line naming the file
expect2() { local name=$1 pat=$2; shift 2
  "$B" "$@" >/dev/null 2>"$T/err"; local rc=$?
  [ $rc -eq 2 ] && grep -qE -- "$pat" "$T/err" && pass "$name" || fail "$name" "exit $rc: $(cat "$T/err")"; }
expect2 resume_complete 'the run is complete' train --resume "$T/full"
expect2 resume_with_set 'takes no -c, --set or --out' train --resume "$T/full" --set train.lr=1
expect2 resume_missing 'config.ini: cannot open' train --resume "$T/none"
"$B" train "${ARGS[@]}" --out "$T/bad" 2>/dev/null & pid=$!
for _ in $(seq 200); do [ -e "$T/bad/checkpoints/LATEST" ] && break; sleep 0.01; done; kill -KILL $pid; wait $pid
if [ ! -e "$T/bad/results.json" ]; then
  ck="$T/bad/checkpoints/$(cat "$T/bad/checkpoints/LATEST")"
  cp "$ck/state.bin" "$T/state.bak"
  printf '\x01' | dd of="$ck/state.bin" bs=1 seek=100 conv=notrunc 2>/dev/null
  expect2 resume_crc 'state.bin: CRC-32 mismatch' train --resume "$T/bad"
  printf 'XXXXXXXX' | dd of="$ck/state.bin" bs=1 seek=0 conv=notrunc 2>/dev/null
  expect2 resume_magic "state.bin: not a specl training state" train --resume "$T/bad"
  cp "$T/state.bak" "$ck/state.bin"
  echo "ckpt-../../etc" >"$T/bad/checkpoints/LATEST"
  expect2 resume_latest 'LATEST: does not name a checkpoint' train --resume "$T/bad"
fi
