#!/usr/bin/env bash
# Checkpoints and resume: a run stopped by SIGTERM, SIGINT or SIGKILL (at a random moment after
# its first checkpoint) and continued with `specl train --resume` ends bit-identical to an
# uninterrupted run (weights and metrics); damaged checkpoints and misuse are refused.
set -u
B=${SPECL_BIN:?SPECL_BIN must point at the specl binary}
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
export OPENBLAS_NUM_THREADS=1
. "$(dirname "$0")/lib.bash"
# 12000 steps (about 3 s): long enough that the signal, at most 0.3 s after the first checkpoint,
# lands before the run ends (3000 steps took 0.75 s once Adam and the norm were vectorized: skipped)
ARGS=(--set train.steps=12000 --set train.batch=1024 --set train.checkpoint_every=50 --set eval.n_train=2000 --set eval.n_test=2000 --quiet)

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
  if [ -e "$d/results.json" ]; then skip "$name" "the run finished before the signal, so the stop was not exercised"; return; fi
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
else
  for name in resume_crc resume_magic resume_latest; do skip "$name" "the run to damage finished before the SIGKILL"; done
fi

# ---- the weights are safetensors: NumPy reads them; a file rewritten by Python loads; every
#      missing, unexpected or mis-shaped tensor is named ----
PY=/usr/bin/python3
cp -r "$T/full" "$T/st"
$PY - "$T/st/encoder.safetensors" "$T" <<'PY' && pass safetensors_numpy || fail safetensors_numpy "python could not read or rewrite the weights"
import json, struct, sys, numpy as np
path, d = sys.argv[1], sys.argv[2]
raw = open(path, "rb").read(); n = struct.unpack("<Q", raw[:8])[0]; head = json.loads(raw[8:8 + n]); data = raw[8 + n:]
meta = head.pop("__metadata__"); assert meta["class"] == "linear"
w = head["layer0.weight"]; assert w["dtype"] == "F32" and w["shape"] == [int(meta["k"]), int(meta["d"])]
U = np.frombuffer(data[w["data_offsets"][0]:w["data_offsets"][1]], "<f4").reshape(w["shape"])
assert np.isfinite(U).all() and abs(np.linalg.norm(U)) > 0
def write(p, tensors, meta):
    off, hdr, blobs = 0, {"__metadata__": meta}, []
    for name, a in tensors.items():
        b = np.ascontiguousarray(a, "<f4").tobytes(); hdr[name] = {"dtype": "F32", "shape": list(a.shape), "data_offsets": [off, off + len(b)]}; off += len(b); blobs.append(b)
    h = json.dumps(hdr).encode(); h += b" " * ((8 - len(h) % 8) % 8)
    open(p, "wb").write(struct.pack("<Q", len(h)) + h + b"".join(blobs))
write(d + "/same.safetensors", {"layer0.weight": U}, meta)
write(d + "/extra.safetensors", {"layer0.weight": U, "layer9.weight": U}, meta)
write(d + "/shape.safetensors", {"layer0.weight": U.T.copy()}, meta)
write(d + "/missing.safetensors", {"layerX.weight": U}, meta)
PY
"$B" eval "$T/st" --json >"$T/e1.json" 2>/dev/null
cp "$T/same.safetensors" "$T/st/encoder.safetensors"
"$B" eval "$T/st" --json >"$T/e2.json" 2>"$T/err" && cmp -s "$T/e1.json" "$T/e2.json" && pass safetensors_python_written \
  || fail safetensors_python_written "$(cat "$T/err")"
for case in extra:"unexpected tensor 'layer9.weight'" shape:"tensor 'layer0.weight' dimension 0 is not" missing:"missing tensor 'layer0.weight'; unexpected tensor 'layerX.weight'"; do
  name=${case%%:*}; pat=${case#*:}
  cp "$T/$name.safetensors" "$T/st/encoder.safetensors"
  expect2 "safetensors_$name" "encoder.safetensors: $pat" eval "$T/st"
done

# ---- divergence after a checkpoint: the run stops at the step, the last good checkpoint stays whole
"$B" train --set train.optimizer=sgd --set train.lr=20 --set train.warmup=2000 --set train.steps=3000 --set train.batch=256 \
  --set train.checkpoint_every=10 --quiet --out "$T/div" 2>"$T/err"; rc=$?
if [ $rc -eq 1 ] && grep -qE 'at step [0-9]+ \(hint: lower train.lr' "$T/err" && [ -s "$T/div/checkpoints/LATEST" ]; then
  step=$(grep -oE 'at step [0-9]+' "$T/err")
  "$B" train --resume "$T/div" --quiet 2>"$T/err2"; rc2=$?       # resumes from the last good state and diverges again, identically
  [ $rc2 -eq 1 ] && grep -q "$step" "$T/err2" && pass divergence_keeps_checkpoint || fail divergence_keeps_checkpoint "resume: exit $rc2 $(cat "$T/err2")"
else fail divergence_keeps_checkpoint "exit $rc: $(cat "$T/err")"; fi
