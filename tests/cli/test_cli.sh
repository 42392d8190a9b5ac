#!/usr/bin/env bash
# CLI tests: every config check's error path (exit status, message naming file/line/key and the
# expected range, no run directory left), the run directory contract, eval/embed round trips,
# divergence handling, determinism, and the end-to-end Thm 5.3 checks at d = 20, s = 5.
set -u
B=${SPECL_BIN:?SPECL_BIN must point at the specl binary}
PY=/usr/bin/python3
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
export OPENBLAS_NUM_THREADS=1
. "$(dirname "$0")/lib.bash"

cfg() { printf '%s\n' "$@" >"$T/c.ini"; }

# ---- help and usage ----
"$B" --help >"$T/help" 2>&1 && grep -q 'model.class' "$T/help" && grep -q 'train.lambda' "$T/help" && grep -q 'reproduce' "$T/help" \
  && pass help || fail help "--help incomplete"
"$B" --version | grep -qE '^specl [0-9]' && pass version || fail version "no version"
expect_err unknown_command 2 "unknown command 'frobnicate'" -- frobnicate
expect_err unknown_option 2 "unknown option '--bogus'" -- train --bogus
expect_err missing_value 2 "needs a value" -- train -c
expect_err missing_config 2 "nope.ini: cannot open" -- train -c "$T/nope.ini" --out "$T/r0"

# ---- config checks: each names the file and line (or --set) and what was expected ----
cfg '[data]' 'dd = 3';               expect_err unknown_key 2 "c.ini:2: unknown key 'dd' in \[data\]; valid keys: kind, d, s" -- train -c "$T/c.ini" --out "$T/r1"
cfg '[dta]' 'd = 3';                 expect_err unknown_section 2 'c.ini:1: .*dta' -- train -c "$T/c.ini" --out "$T/r1"
cfg '[data]' 'd = 3' 'd = 4';        expect_err duplicate_key 2 'c.ini:3: duplicate key data.d' -- train -c "$T/c.ini" --out "$T/r1"
cfg '[model]' 'k = 0';               expect_err k_zero 2 'c.ini:2: .*model.k.*\[1, 65536\]' -- train -c "$T/c.ini" --out "$T/r1"
cfg '[train]' 'lambda = 0';          expect_err lambda_zero 2 'c.ini:2: .*train.lambda.*\[1e-06' -- train -c "$T/c.ini" --out "$T/r1"
cfg '[train]' 'lambda = -1';         expect_err lambda_negative 2 'c.ini:2: .*train.lambda' -- train -c "$T/c.ini" --out "$T/r1"
cfg '[train]' 'batch = 1';           expect_err batch_one 2 'c.ini:2: .*train.batch.*\[2, ' -- train -c "$T/c.ini" --out "$T/r1"
cfg '[train]' 'lr = abc';            expect_err lr_not_number 2 'c.ini:2: .*expected a number' -- train -c "$T/c.ini" --out "$T/r1"
cfg '[model]' 'class = cnn3';        expect_err class_unknown 2 'c.ini:2: .*expected one of linear' -- train -c "$T/c.ini" --out "$T/r1"
cfg '[train]' 'estimator = biased';  expect_err estimator_unknown 2 'c.ini:2: .*unbiased' -- train -c "$T/c.ini" --out "$T/r1"
cfg '[data]' 'd = 4' 's = 6';        expect_err s_exceeds_d 2 'c.ini:3: data.s = 6 exceeds data.d = 4' -- train -c "$T/c.ini" --out "$T/r1"
cfg '[data]' 'tau_lo = 0.9' 'tau_hi = 0.5'; expect_err tau_order 2 'c.ini:2: data.tau_lo = 0.9 exceeds' -- train -c "$T/c.ini" --out "$T/r1"
cfg '[data]' 'labels = x0';          expect_err label_x0 2 "c.ini:2: .*'x0'.*1 <= i <= d" -- train -c "$T/c.ini" --out "$T/r1"
cfg '[data]' 'labels = patterns:1';  expect_err label_patterns 2 "c.ini:2: .*patterns:<m> with 2 <= m" -- train -c "$T/c.ini" --out "$T/r1"
cfg '[data]' 'labels = y3';          expect_err label_unknown 2 "c.ini:2: .*unknown labelling 'y3'" -- train -c "$T/c.ini" --out "$T/r1"
cfg '[data]' 'd = 20' '[model]' 'class = table'; expect_err table_too_big 2 'c.ini:4: model.class = table on the hypercube needs data.d <= 16' -- train -c "$T/c.ini" --out "$T/r1"
cfg '[train]' 'steps = 10' 'warmup = 10'; expect_err warmup_steps 2 'c.ini:3: train.warmup = 10 must be below' -- train -c "$T/c.ini" --out "$T/r1"
cfg '[train]' 'lr = 0.01' 'lr_min = 0.1'; expect_err lr_min 2 'c.ini:3: train.lr_min' -- train -c "$T/c.ini" --out "$T/r1"
cfg '[train]' 'both_views = maybe';  expect_err bool_value 2 'c.ini:2: .*both_views' -- train -c "$T/c.ini" --out "$T/r1"
cfg 'seed = -4';                     expect_err seed_negative 2 'c.ini:1: .*seed' -- train -c "$T/c.ini" --out "$T/r1"
cfg '[train]' 'steps = 10';          expect_err set_malformed 2 '--set model.k: ' -- train -c "$T/c.ini" --set model.k --out "$T/r1"
expect_err set_range 2 '--set model.k=0: .*\[1, 65536\]' -- train --set model.k=0 --out "$T/r1"
expect_err set_unknown 2 '--set model.kk=3: .*unknown' -- train --set model.kk=3 --out "$T/r1"
[ ! -e "$T/r1" ] && pass no_run_dir_on_bad_input || fail no_run_dir_on_bad_input "run directory was created"

# ---- a run and its directory ----
R="$T/run"
if "$B" train --set train.steps=1500 --set train.batch=1024 --set eval.n_train=5000 --set eval.n_test=5000 --out "$R" --quiet 2>"$T/err"; then
  ok=1; for f in config.ini cmdline.txt train.log metrics.csv encoder.safetensors results.json; do [ -s "$R/$f" ] || { ok=0; fail run_dir "missing $f"; }; done
  [ -e "$R/RUNNING" ] && { ok=0; fail run_dir "RUNNING marker left"; }
  [ $ok = 1 ] && pass run_dir
  $PY - "$R/results.json" <<'PY' && pass results_json || fail results_json "bad results.json"
import json, sys
r = json.load(open(sys.argv[1]))
assert r["loss_exact"] is True and r["closed_form_loss"] == 0 and r["loss"] >= 0
assert [p["target"] for p in r["probe"]] == ["x1", "x2", "x3", "x4", "x5"]
assert all(p["error"] <= 1e-3 and p["accuracy"] == 1 for p in r["probe"])
PY
else fail run_dir "train failed: $(cat "$T/err")"; fi
# the resolved config reproduces the run
"$B" train -c "$R/config.ini" --out "$T/run2" --quiet 2>/dev/null && cmp -s "$R/encoder.safetensors" "$T/run2/encoder.safetensors" \
  && pass resolved_config_reproduces || fail resolved_config_reproduces "config.ini does not reproduce the encoder bit for bit"
cp "$R/results.json" "$T/saved.json"
expect_err no_overwrite 2 'already holds a run' -- train --out "$R"
cmp -s "$R/results.json" "$T/saved.json" && pass previous_run_intact || fail previous_run_intact "results.json changed"
"$B" eval "$R" --json >"$T/ev.json" 2>"$T/err" && $PY -c "import json;r=json.load(open('$T/ev.json'));assert len(r['probe'])==5" \
  && pass eval_json || fail eval_json "$(cat "$T/err")"
expect_err eval_missing 2 'config.ini: cannot open' -- eval "$T/none"
"$B" embed "$R" --set eval.n_test=777 --out "$T/emb.npy" 2>"$T/err" && $PY - "$T" <<'PY' && pass embed_npy || fail embed_npy "$(cat "$T/err")"
import numpy as np, sys
f = np.load(sys.argv[1] + "/emb.npy"); y = np.load(sys.argv[1] + "/emb.labels.npy")
assert f.shape == (777, 5) and f.dtype == np.float32 and y.shape == (777, 5) and y.dtype == np.int32
assert set(np.unique(y)) <= {0, 1}
# the embedding is linear in x and the probe is exact, so labels are linearly decodable
A = np.c_[f]; t = 2.0 * y[:, 0] - 1
w, *_ = np.linalg.lstsq(A, t, rcond=None); assert np.mean((A @ w - t) ** 2) < 1e-3
PY
expect_err embed_ext 2 'ending in .npy' -- embed "$R" --out "$T/emb.txt"
expect_err embed_unwritable 2 'cannot create' -- embed "$R" --out /nonexistent_dir_specl/e.npy
[ ! -e /nonexistent_dir_specl ] && [ ! -e "$T/emb2.labels.npy" ] && pass embed_no_partial || fail embed_no_partial "partial output"

# ---- divergence stops at once with the step and a hint ----
"$B" train --set train.optimizer=sgd --set train.lr=100 --set train.steps=500 --out "$T/div" --quiet 2>"$T/err"; rc=$?
if [ $rc -eq 1 ] && grep -qE 'at step [0-9]+ \(hint' "$T/err" && [ -s "$T/div/FAILED" ] && [ ! -e "$T/div/results.json" ]; then pass divergence
else fail divergence "rc=$rc $(cat "$T/err")"; fi

# ---- Thm 5.3 end to end, d = 20, s = 5 (issue acceptance) ----
e2e() {   # NAME K LAMBDA PYCHECK
  "$B" train --set data.d=20 --set data.s=5 --set model.k=$2 --set train.lambda=$3 --set train.batch=2048 \
    --set train.steps=4000 --set eval.n_train=10000 --set eval.n_test=10000 --out "$T/e_$1" --quiet 2>"$T/err" || { fail "$1" "$(cat "$T/err")"; return; }
  $PY - "$T/e_$1/results.json" "$2" <<PY && pass "$1" || fail "$1" "$(cat "$T/e_$1/results.json" | tr -d '\n\t ' | head -c 400)"
import json, sys
r = json.load(open(sys.argv[1])); k = int(sys.argv[2]); s = 5
err = [p["error"] for p in r["probe"]]
L, Ls = r["loss"], r["closed_form_loss"]
assert r["loss_exact"] and L - Ls <= 1e-3 * max(Ls, 0.1), (L, Ls)
$4
PY
}
e2e thm53_k_eq_s 5 1 'assert max(err) <= 1e-3'
e2e thm53_k_lt_s 3 1 'assert abs(sum(err) / s - (1 - k / s)) <= 0.02'
e2e thm53_k_gt_s 8 1 'assert max(err) <= 1e-3'
e2e thm53_k_eq_s_lambda01 5 0.1 'assert max(err) <= 1e-3'

# ---- spectral2021 (HaoChen et al. 2021 loss, clip radius sqrt(mu)) reaches the same minimizer;
#      its L_1 is then ~0 since L_1 - k equals the 2021 loss when nothing is clipped (C01) ----
"$B" train --set train.loss=spectral2021 --set train.mu=10 --set train.batch=1024 --set eval.knn=1 \
  --set eval.n_train=5000 --set eval.n_test=2000 --out "$T/sp" --quiet 2>"$T/err" && $PY - "$T/sp/results.json" <<'PY' \
  && pass spectral2021_trains || fail spectral2021_trains "$(cat "$T/err")"
import json, sys
r = json.load(open(sys.argv[1]))
assert r["loss_exact"] and r["loss"] < 1e-3, r["loss"]
assert all(p["error"] <= 1e-3 and p["knn_accuracy"] == 1 for p in r["probe"]), r["probe"]
PY

# ---- reproduce: the exact claims run fast; records are complete; bad input writes nothing ----
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
"$B" reproduce --experiments "$ROOT/experiments" --only C05,C08 --out "$T/rep" >"$T/out" 2>"$T/err" && $PY - "$T/rep" <<'PY' \
  && pass reproduce_exact_claims || fail reproduce_exact_claims "$(cat "$T/err")"
import json, sys
r = json.load(open(sys.argv[1] + "/results.json"))
assert [c["id"] for c in r["claims"]] == ["C05", "C08"]
for c in r["claims"]:
    assert set(c) >= {"id", "source", "setting", "predicted", "measured", "holds"} and c["holds"] is True, c
assert set(r["settings"]) == {"C05", "C08"} and r["versions"]["specl"]
md = open(sys.argv[1] + "/report.md").read()
assert "| C05 |" in md and "| C08 |" in md
PY
"$B" reproduce --experiments "$ROOT/experiments" --only C07 --set claim.seeds=2 --set train.steps=300 --set eval.pop_pairs=20000 \
  --set eval.n_train=2000 --set eval.n_test=2000 --out "$T/rep7" >"$T/out" 2>"$T/err" && $PY - "$T/rep7/results.json" <<'PY' \
  && pass reproduce_c07_records_seeds || fail reproduce_c07_records_seeds "$(cat "$T/err")"
import json, sys
c = json.load(open(sys.argv[1]))["claims"][0]
assert c["id"] == "C07" and len(c["details"]["random_init"]) == 2
assert c["details"]["explicit_loss_mc"] < 1e-2 and all(p["error"] < 1e-6 for p in c["details"]["explicit_probe"])
assert c["holds"] is True    # the explicit weights decide; training from random init is a finding
f = {x["name"]: x for x in c["findings"]}["c07-random-init-success"]
assert f["n"] == 2 and 0 <= f["count"] <= 2 and f["ci95"][0] <= f["rate"] <= f["ci95"][1], f
PY
expect_err reproduce_only_none 2 'no experiment matches' -- reproduce --experiments "$ROOT/experiments" --only C99 --out "$T/rep9"
expect_err reproduce_no_dir 2 'cannot open the experiments directory' -- reproduce --experiments "$T/none" --out "$T/rep9"
mkdir -p "$T/exp"; printf '[claim]\nid = C05\n[model]\nk = 0\n' >"$T/exp/bad.ini"
expect_err reproduce_bad_config 2 'bad.ini:4: .*model.k' -- reproduce --experiments "$T/exp" --out "$T/rep9"
expect_err reproduce_no_out 2 'missing --out' -- reproduce
[ ! -e "$T/rep9" ] && pass reproduce_no_partial_output || fail reproduce_no_partial_output "output directory created"
"$B" reproduce --experiments "$ROOT/experiments" --quick --only C07 --set claim.seeds=2 --out "$T/repq" >"$T/out" 2>"$T/err" && $PY - "$T/repq/results.json" <<'PY' \
  && pass reproduce_quick || fail reproduce_quick "$(cat "$T/err")"
import json, sys
r = json.load(open(sys.argv[1]))
assert r["quick"] is True
setting = r["claims"][0]["setting"]
assert "steps=2000" in setting, setting            # a quarter of C07's 8000 steps
assert len(r["claims"][0]["details"]["random_init"]) == 2   # --set applies after --quick
PY
