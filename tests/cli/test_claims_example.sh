#!/usr/bin/env bash
# The example claims (C09-C12, C15) of `specl reproduce`: each at a setting that differs from its
# experiments/ file, at master seeds 2 and 3 (reduced budgets that still decide holds: the trained
# C09 and C15 keep enough steps to reach their minimizers; C11's holds is its explicit filters, so
# only its findings shrink), and each negative control of CLAIMS.md, which must FAIL.
set -u
. "$(dirname "$0")/claims_lib.bash"

# C09 (Thm 5.9 upper): trained lipschitz at kappa = 2 sqrt(2r)/gamma; findings over 2 seeds only here.
slow c09_r3 C09 --set data.r=3 --set data.r0=12 --set data.rho=0.04 --set claim.seeds=2
slow c09_seed2 C09 --set seed=2 --set claim.seeds=2
slow c09_seed3 C09 --set seed=3 --set claim.seeds=2
control c09_ctl_c10_construction C09 --set claim.control=c10-construction

# C10 (Thm 5.9 lower): exact construction.
claim c10_r4 C10 --set data.r=4 --set data.r0=16 --set model.k=4
claim c10_seed2 C10 --set seed=2 --set data.r0=24 --set model.k=6
claim c10_seed3 C10 --set seed=3 --set data.gamma=3 --set data.rho=0.1
control c10_ctl_trained_lipschitz C10 --set claim.control=trained-lipschitz --set train.steps=300

# C11 (Thm 5.12 upper): holds is the explicit filters; the findings at 1-2 seeds and few steps here.
if [ "${SPECL_TEST_QUICK:-0}" = 1 ]; then C11B=(--set claim.seeds=1 --set train.steps=20); else C11B=(--set claim.seeds=2 --set train.steps=300); fi
claim c11_d12_gamma3 C11 --set data.d=12 --set data.gamma=3 "${C11B[@]}"
claim c11_s4_seed2 C11 --set seed=2 --set data.s=4 --set model.filter=4 "${C11B[@]}"
claim c11_seed3 C11 --set seed=3 "${C11B[@]}"
control c11_ctl_zero_filter C11 --set claim.control=zero-filter

# C12 (Thm 5.12 lower): exact construction; an interior bit other than bit 2 at s = 4.
claim c12_d10_s4_bit3 C12 --set data.d=10 --set data.s=4 --set data.gamma=3 --set data.labels=bit3
claim c12_seed2 C12 --set seed=2 --set data.d=9
claim c12_seed3 C12 --set seed=3
control c12_ctl_end_bit C12 --set data.labels=bit1

# C15 (Fig. 3): trained linear at k = 2 and k = 1.
slow c15_d6_sigma05 C15 --set data.d=6 --set data.sigma=0.5
slow c15_seed2 C15 --set seed=2 --set train.steps=1000
slow c15_seed3 C15 --set seed=3 --set train.steps=1000
control c15_ctl_k1_as_k2 C15 --set claim.control=k1-as-k2 --set train.steps=1000
