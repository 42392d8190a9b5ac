#!/usr/bin/env bash
# The example claims of `specl reproduce`, run at small settings that differ from their experiments/
# files (other sizes, seeds), must still hold.
set -u
. "$(dirname "$0")/claims_lib.bash"
slow c09_r3 C09 --set data.r=3 --set data.r0=12 --set data.rho=0.04 --set train.steps=2000
claim c10_r4 C10 --set data.r=4 --set data.r0=16 --set model.k=4
slow c11_d12 C11 --set data.d=12 --set claim.ks=8 --set claim.seeds=2 --set train.steps=1500
claim c12_d10_s4 C12 --set data.d=10 --set data.s=4 --set data.gamma=3
slow c15_d6_sigma05 C15 --set data.d=6 --set data.sigma=0.5
