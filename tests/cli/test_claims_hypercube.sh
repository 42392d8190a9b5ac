#!/usr/bin/env bash
# The hypercube claims C03 (linear part) ... C08 of `specl reproduce`: each at a setting that
# differs from its experiments/ file and at master seeds 1, 2 and 3, at reduced budgets that still
# check it (every record must hold); then each negative control of CLAIMS.md v2 (every record
# must FAIL). The trained claims are `slow` (skipped under SPECL_TEST_QUICK=1).
set -u
. "$(dirname "$0")/claims_lib.bash"
type slow_control >/dev/null 2>&1 || slow_control() { [ "${SPECL_TEST_QUICK:-0}" = 1 ] || control "$@"; }

# `--only C03` selects C03.ini and C03-table.ini (the id prefix); the linear part runs from a
# directory holding C03.ini alone (the last --experiments wins).
mkdir -p "$T/c03"; cp "$ROOT/experiments/C03.ini" "$T/c03/"
C03=(--experiments "$T/c03" --set data.d=10 --set data.s=3 --set claim.ks=2,5 --set claim.lambdas=0.5,2 --set train.steps=2500)
C04=(--set data.d=10 --set data.s=3 --set claim.lambdas=0.3 --set train.steps=1000)
C06=(--set data.d=10 --set data.s=3 --set claim.ks=2,5 --set claim.lambdas=0.3 --set train.steps=1500)
# C07: holds is the explicit weights (any d, s); the random-init rate is a finding, measured here
# on 2 seeds of a short budget only to run that path.
C07=(--set data.d=8 --set data.s=4 --set model.k=16 --set data.labels=patterns:2,patterns:16 --set claim.seeds=2 --set train.steps=300)
for seed in 1 2 3; do
  slow c03_linear_d10_s3_seed$seed C03 "${C03[@]}" --set seed=$seed
  slow c04_d10_s3_seed$seed C04 "${C04[@]}" --set claim.ks=3 --set seed=$seed
  claim c05_d8_k8_seed$seed C05 --set data.d=8 --set model.k=8 --set seed=$seed
  slow c06_d10_s3_seed$seed C06 "${C06[@]}" --set seed=$seed
  slow c07_explicit_d8_s4_seed$seed C07 "${C07[@]}" --set seed=$seed
  claim c08_d8_s2_seed$seed C08 --set data.d=8 --set data.s=2 --set model.k=8 --set data.labels=patterns:2,patterns:4 --set seed=$seed
done

# Negative controls (CLAIMS.md v2): each must make the same check FAIL.
slow_control c03_control_lstar_half_lambda C03 "${C03[@]}" --set claim.control=lstar-half-lambda
slow_control c04_control_k_s_minus_1 C04 "${C04[@]}" --set claim.ks=2
slow_control c05_control_trained_linear C05 --set data.d=8 --set model.k=8 --set train.steps=1000 --set claim.control=trained-linear
slow_control c06_control_double_lambda C06 "${C06[@]}" --set claim.control=double-lambda
control c07_control_remove_unit C07 "${C07[@]}" --set claim.seeds=1 --set train.steps=1 --set claim.control=remove-unit
control c08_control_relu1_weights C08 --set data.d=8 --set data.s=2 --set model.k=8 --set data.labels=patterns:2,patterns:4 \
  --set claim.control=relu1-weights
