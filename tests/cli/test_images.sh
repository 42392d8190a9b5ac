#!/usr/bin/env bash
# CLI tests of the image path and of `specl phim`: a short cnn run on a Fashion-MNIST subset, its
# probes (`specl eval`: every protocol setting saved beside the numbers, baselines on the same
# images), `specl embed --split` (un-augmented images in file order, labels beside them), the φ_m
# table of `specl phim` on a graph (estimates against the exact rows), and every input error
# (exit 2, one line naming the key or flag, nothing written).
set -u
B=${SPECL_BIN:?SPECL_BIN must point at the specl binary}
PY=/usr/bin/python3
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
. "$(dirname "$0")/lib.bash"
FM=/usr/share/datasets/fashion-mnist

# ---- φ_m on a graph: files, exact rows, estimates close to them ----
phim_graph_ini "$T/ph.ini" 0.02,1
"$B" phim -c "$T/ph.ini" --out "$T/ph" --quiet 2>"$T/err" && $PY - "$T/ph" <<'PY' && pass phim_graph_tables || fail phim_graph_tables "$(cat "$T/err")"
import json, sys, os
d = sys.argv[1]
for f in ["phim.json", "phim.md", "phim.csv", "config.ini", "fig/phim.svg", "fig/phim.gp", "fig/phim.csv"]:
    assert os.path.getsize(os.path.join(d, f)) > 0, f
r = json.load(open(os.path.join(d, "phim.json")))
assert r["ms"] == [2, 3] and [a["name"] for a in r["archs"]] == ["linear", "table"]
ex = r["exact"]
for a, row in zip(r["archs"], [ex["linear"], ex["table"]]):
    for b, e in zip(a["phi_m"], row):
        assert abs(b["phi"] - e) <= 0.05 * e, (a["name"], b, e)   # the procedure's accuracy: test_phim, C16
skipped = [p for p in r["archs"][1]["points"] if p["phi"] is None]
assert skipped and all("singular" in p["note"] for p in skipped)
md = open(os.path.join(d, "phim.md")).read()
assert "| linear (exact) |" in md and "| table (exact) |" in md
PY

expect_err phim_bad_ms 2 "phim.ms: m = 2.5, expected an integer" -- phim -c "$T/ph.ini" --set phim.ms=2.5 --out "$T/x1"
expect_err phim_bad_lambda 2 "phim.lambdas = '1,,2': expected comma-separated numbers" -- phim -c "$T/ph.ini" --set phim.lambdas=1,,2 --out "$T/x2"
expect_err phim_zero_lambda 2 "phim.lambdas: lambda = 0, expected lambda > 0" -- phim -c "$T/ph.ini" --set phim.lambdas=0 --out "$T/x3"
expect_err phim_bad_arch 2 "phim.archs: architecture 'vit'" -- phim -c "$T/ph.ini" --set phim.archs=linear,vit --out "$T/x4"
expect_err phim_no_out 2 "missing --out" -- phim -c "$T/ph.ini"
if [ ! -e "$T/x1" ] && [ ! -e "$T/x2" ] && [ ! -e "$T/x3" ] && [ ! -e "$T/x4" ]; then pass phim_errors_write_nothing; else fail phim_errors_write_nothing "an output directory was created"; fi

# ---- images ----
if [ ! -f "$FM/t10k-images-idx3-ubyte.gz" ]; then
  skip image_tests "$FM missing (scripts/setup-deps.sh installs dataset-fashion-mnist)"; exit 0
fi
cat >"$T/im.ini" <<'EOF'
seed = 1
threads = 2
[data]
kind = fashion-mnist
subset = 512
test_subset = 256
[model]
class = cnn
k = 16
channels = 4
[train]
loss = spectral2021
steps = 5
batch = 32
lr = 0.001
budget_scale = none
[eval]
n_train = 300
n_test = 200
logistic_iters = 20
knn_preset = sololearn
EOF
"$B" train -c "$T/im.ini" --out "$T/run" --quiet >/dev/null 2>"$T/err" && pass image_train || fail image_train "$(cat "$T/err")"
"$B" eval "$T/run" >"$T/ev.txt" 2>"$T/err" && $PY - "$T/run/eval.json" "$T/ev.txt" <<'PY' && pass image_eval_protocol || fail image_eval_protocol "$(cat "$T/err")"
import json, sys
r = json.load(open(sys.argv[1]))
p = r["protocol"]
assert p["n_train"] == 300 and p["n_test"] == 200
assert p["knn"]["preset"] == "sololearn" and p["knn"]["k"] == 20 and abs(p["knn"]["temperature"] - 0.07) < 1e-12
assert p["logistic"]["max_iter"] == 20 and "l2" in p["logistic"] and p["least_squares"]["targets"] == "one-hot"
f = r["encoder"]["features"]
assert f["dim"] == 7 * 7 * 8 and "conv block 2" in f["layer"], f["layer"]
assert r["encoder"]["output"]["dim"] == 16 and r["raw_pixels"]["dim"] == 784
for who in [r["encoder"]["features"], r["encoder"]["output"], r["random_init"]["features"], r["raw_pixels"]]:
    for probe in ["logistic", "least_squares", "knn"]:
        assert 0.1 < who[probe]["test_accuracy"] <= 1, (who["layer"], probe)
assert r["random_init"]["features"]["layer"] == f["layer"]     # the baseline is the same layer
txt = open(sys.argv[2]).read()
assert "raw_pixels" in txt and "random_init" in txt
PY
"$B" embed "$T/run" --split test --out "$T/e.npy" 2>"$T/err" && $PY - "$T" <<'PY' && pass image_embed_split || fail image_embed_split "$(cat "$T/err")"
import numpy as np, sys, gzip
t = sys.argv[1]
e = np.load(t + "/e.npy"); l = np.load(t + "/e.labels.npy")
assert e.shape == (256, 16) and e.dtype == np.float32 and l.shape == (256, 1), (e.shape, l.shape)
assert np.isfinite(e).all() and set(np.unique(l)) <= set(range(10))
PY
expect_err embed_bad_split 2 "--split val: expected train or test" -- embed "$T/run" --split val --out "$T/f.npy"
printf '[data]\nkind = hypercube\n[train]\nsteps = 5\nbatch = 16\n' >"$T/hc.ini"
"$B" train -c "$T/hc.ini" --out "$T/hc" --quiet >/dev/null 2>&1
expect_err embed_split_no_splits 2 "data.kind = hypercube has no train/test splits" -- embed "$T/hc" --split test --out "$T/g.npy"
if [ ! -e "$T/f.npy" ] && [ ! -e "$T/g.npy" ]; then pass embed_errors_write_nothing; else fail embed_errors_write_nothing "a file was written"; fi
expect_err image_crop_order 2 "--set: data.crop_lo = 0.9 exceeds data.crop_hi = 0.5" -- train -c "$T/im.ini" --set data.crop_lo=0.9 --set data.crop_hi=0.5 --out "$T/y1"
expect_err image_subset_too_big 2 "data.subset = 70000 exceeds the 60000 images" -- train -c "$T/im.ini" --set data.subset=70000 --out "$T/y2"
expect_err image_cnn_needs_images 2 "model.class = cnn needs an image source" -- train -c "$T/hc.ini" --set model.class=cnn --out "$T/y3"
expect_err image_idx_needs_path 2 "data.path: data.kind = idx needs the directory" -- train -c "$T/im.ini" --set data.kind=idx --out "$T/y4"
expect_err image_idx_missing 2 "$T/nowhere" -- train -c "$T/im.ini" --set data.kind=idx --set data.path="$T/nowhere" --out "$T/y5"
if [ ! -e "$T/y1" ] && [ ! -e "$T/y2" ] && [ ! -e "$T/y3" ] && [ ! -e "$T/y4" ] && [ ! -e "$T/y5" ]; then pass image_errors_write_nothing; else fail image_errors_write_nothing "a run directory was created"; fi
