#!/usr/bin/env bash
# The hypercube claims of `specl reproduce`, run at small settings that differ from their experiments/
# files (other sizes, seeds), must still hold.
set -u
. "$(dirname "$0")/claims_lib.bash"
slow c03_linear_d10_s3 C03 --set data.d=10 --set data.s=3 --set claim.ks=2,3,5 --set claim.lambdas=0.5,2
slow c04_d10_s3 C04 --set data.d=10 --set data.s=3 --set claim.ks=3 --set claim.lambdas=0.3
claim c05_d8_k8 C05 --set data.d=8 --set model.k=8
slow c06_d10_s3 C06 --set data.d=10 --set data.s=3 --set claim.ks=2,5 --set claim.lambdas=2
# C07's success rate is an empirical statement at its default; here only the explicit weights
# (any d, s) are asserted, with the rate still measured and recorded.
slow c07_explicit_d8_s4 C07 --set data.d=8 --set data.s=4 --set model.k=16 --set data.labels=patterns:2,patterns:16 \
  --set claim.seeds=1 --set claim.min_success=0 --set train.steps=500
claim c08_d8_s2 C08 --set data.d=8 --set data.s=2 --set model.k=8 --set data.labels=patterns:2,patterns:4
