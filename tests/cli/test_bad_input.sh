#!/usr/bin/env bash
# Bad input beyond the config checks of test_cli.sh: NaN/Inf and overflowing sizes in input files,
# out-of-range values of the example sources and classes, a full disk and unwritable outputs.
# Each must give exit status 2, one line naming the file, line or key and what was expected, and
# leave no partial output.
set -u
B=${SPECL_BIN:?SPECL_BIN must point at the specl binary}
PY=/usr/bin/python3
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
. "$(dirname "$0")/lib.bash"
printf '%%%%MatrixMarket matrix coordinate real symmetric\n4 4 3\n2 1 1.0\n3 2 1.0\n4 3 1.0\n' >"$T/g.mtx"
$PY -c "
import numpy as np
x = np.ones((4, 2)); x[2, 1] = np.nan; np.save('$T/nan.npy', x)
x = np.ones((4, 2)); x[0, 0] = np.inf; np.save('$T/inf.npy', x)"
expect_err features_nan 2 'nan.npy: feature 1 of vertex 2 is not finite' -- theory --graph "$T/g.mtx" --features "$T/nan.npy"
expect_err features_inf 2 'inf.npy: feature 0 of vertex 0 is not finite' -- theory --graph "$T/g.mtx" --features "$T/inf.npy"
# a .npy header whose shape overflows 64 bits
printf "\x93NUMPY\x01\x00\x76\x00{'descr': '<f8', 'fortran_order': False, 'shape': (4611686018427387904, 4611686018427387904), }" >"$T/big.npy"
printf '%*s\n' $((118 - 105)) '' >>"$T/big.npy"
expect_err npy_overflow 2 'big.npy' -- theory --graph "$T/g.mtx" --features "$T/big.npy"
printf '%%%%MatrixMarket matrix coordinate real symmetric\n99999999999999999999 99999999999999999999 1\n1 1 1\n' >"$T/huge.mtx"
expect_err mtx_size_overflow 2 'huge.mtx:2' -- theory --graph "$T/huge.mtx"
printf '%%%%MatrixMarket matrix coordinate real symmetric\n3 3 2\n2 1 nan\n3 2 1.0\n' >"$T/nanw.mtx"
expect_err mtx_nan_weight 2 'nanw.mtx:3' -- theory --graph "$T/nanw.mtx"
printf '%%%%MatrixMarket matrix coordinate real symmetric\n3 3 2\n2 1 inf\n3 2 1.0\n' >"$T/infw.mtx"
expect_err mtx_inf_weight 2 'infw.mtx:3' -- theory --graph "$T/infw.mtx"
# out-of-range values of the example sources and classes
expect_err patch_gamma_le_1 2 'data.gamma = 1: expected gamma > 1' -- train --set data.kind=patch --set data.gamma=1 --out "$T/r"
expect_err patch_s_gt_d 2 'data.s' -- train --set data.kind=patch --set data.d=4 --set data.s=6 --out "$T/r"
expect_err kappa_zero 2 '--set model.kappa=0: .*\[1e-09' -- train --set model.class=lipschitz --set model.kappa=0 --out "$T/r"
expect_err filter_zero 2 '--set model.filter=0' -- train --set model.class=conv1d-circ --set model.filter=0 --out "$T/r"
expect_err filter_gt_d 2 'model.filter = 30: expected 1 <= filter <= d = 20' -- train --set model.class=conv1d-circ --set model.filter=30 --out "$T/r"
expect_err manifolds_r0 2 'data.r0' -- train --set data.kind=manifolds --set data.d=4 --set data.r=3 --set data.r0=16 --out "$T/r"
expect_err manifolds_d_lt_r 2 'data.d' -- train --set data.kind=manifolds --set data.d=2 --set data.r=3 --set data.r0=6 --out "$T/r"
expect_err grid_label 2 "data.labels" -- train --set data.kind=grid --set data.labels=side --out "$T/r"
expect_err clusters_equitable_big 2 'data.equitable = 1' -- train --set data.kind=clusters --set data.equitable=1 --set data.m=10 --set data.size=500 --out "$T/r"
expect_err budget_overflow 2 'train.batch and train.lambda with train.budget_scale = batch: batch 100000 scaled by lambda = 1e\+06 exceeds 2\^24 pairs' -- train --set train.lambda=1e6 --set train.batch=100000 --out "$T/r"
[ ! -e "$T/r" ] && pass no_run_dir_left || fail no_run_dir_left "a run directory was created on bad input"
# a full disk and unwritable outputs: nothing half-written, the device left a device
expect_err full_disk 2 '/dev/full: write failed \(No space left on device\)' -- theory --graph "$T/g.mtx" --k 2 --eigvecs /dev/full
[ -c /dev/full ] && pass dev_full_still_a_device || fail dev_full_still_a_device "/dev/full was replaced"
# claim.quick: its settings are checked like --set and the error names the experiment file
mkdir -p "$T/exq"
{ cat "$(dirname "$0")/../../experiments/C01.ini"; echo 'quick = train.steps=abc'; } >"$T/exq/C01.ini"
expect_err claim_quick_bad_value 2 'exq/C01.ini: claim.quick: --set train.steps=abc: expected an integer' -- reproduce --quick --experiments "$T/exq" --out "$T/rq"
sed -i 's/^quick = .*/quick = steps/' "$T/exq/C01.ini"
expect_err claim_quick_no_equals 2 'exq/C01.ini: claim.quick: --set steps: expected section.key=value' -- reproduce --quick --experiments "$T/exq" --out "$T/rq"
[ ! -e "$T/rq" ] && pass claim_quick_no_output_left || fail claim_quick_no_output_left "a report directory was created on bad input"
sed -i 's/^quick = .*/quick = train.steps=7 claim.graphs=3/' "$T/exq/C01.ini"
"$B" reproduce --quick --experiments "$T/exq" --out "$T/rq" >/dev/null 2>&1 && $PY -c "
import json, re, sys
s = json.load(open('$T/rq/results.json'))['settings']['C01']
sys.exit(not (re.search(r'^steps = 7 ', s, re.M) and re.search(r'^graphs = 3 ', s, re.M)))" \
  && pass claim_quick_applied || fail claim_quick_applied "claim.quick settings not in the resolved settings"
touch "$T/afile"
expect_err out_under_a_file 2 'afile: cannot create directory .*afile/x under it \(not a directory\)' -- reproduce --only C05 --experiments "$(cd "$(dirname "$0")/../.." && pwd)/experiments" --out "$T/afile/x"
expect_err eigvecs_to_dir 2 'is a directory' -- theory --graph "$T/g.mtx" --k 2 --eigvecs "$T"
