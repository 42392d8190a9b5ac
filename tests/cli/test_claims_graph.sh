#!/usr/bin/env bash
# The graph claims of `specl reproduce` (C01, C02, C03 table part, C13, C14, C16 exact side): each
# at settings that differ from its experiments/ file, at two master seeds besides 1 (reduced
# budgets that still check the claim), and each negative control of CLAIMS.md, which must FAIL.
set -u
. "$(dirname "$0")/claims_lib.bash"
claim c01_m3_k4 C01 --set data.m=3 --set data.size=7 --set model.k=4
claim c01_seed2 C01 --set seed=2
claim c01_seed3 C01 --set seed=3 --set model.k=3
claim c02_m2_sub4 C02 --set data.m=2 --set data.sub=4 --set data.size=5
claim c02_seed2 C02 --set seed=2
claim c02_seed3 C02 --set seed=3
slow c03_table_m3 C03-table --set data.m=3 --set data.sub=3 --set data.size=6 --set model.k=3
slow c03_table_seed2 C03-table --set seed=2
slow c03_table_seed3 C03-table --set seed=3
claim c13_seed2 C13 --set seed=2 --set claim.graphs=40
claim c13_seed3 C13 --set seed=3 --set claim.graphs=40
claim c13_seed4_g60 C13 --set seed=4 --set claim.graphs=60
claim c14_seed2 C14 --set seed=2 --set claim.graphs=40
claim c14_seed3 C14 --set seed=3 --set claim.graphs=40
claim c14_seed5_g60 C14 --set seed=5 --set claim.graphs=60
claim c16_seed4 C16-exact,C16-estimator --set seed=4 --set claim.graphs=40   # not C16-fashion: minutes of moments
claim c16_exact_seed2 C16-exact --set seed=2 --set claim.graphs=40
claim c16_exact_seed3 C16-exact --set seed=3 --set claim.graphs=40

# negative controls (CLAIMS.md rule 2): every record must report holds = false
control c01_lambda2 C01 --set train.lambda=2
control c02_perturb_vertex C02 --set claim.control=perturb-vertex
slow_control c03_table_lstar_half_lambda C03-table --set claim.control=lstar-half-lambda   # trains, like c03_table_*
control c13_random_f C13 --set claim.control=random-f
control c14_random_f C14 --set claim.control=random-f
control c16_exact_alpha_for_2alpha C16-exact --set claim.control=alpha-for-2alpha
