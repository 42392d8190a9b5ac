#!/usr/bin/env bash
# The graph claims of `specl reproduce`, run at small settings that differ from their experiments/
# files (other sizes, seeds), must still hold.
set -u
. "$(dirname "$0")/claims_lib.bash"
claim c01_m3_k4 C01 --set data.m=3 --set data.size=7 --set model.k=4
claim c02_m2_sub4 C02 --set data.m=2 --set data.sub=4 --set data.size=5
slow c03_table_m3 C03-table --set data.m=3 --set data.sub=3 --set data.size=6 --set model.k=3
claim c13_seed2 C13 --set seed=2 --set claim.graphs=40
claim c14_seed3 C14 --set seed=3 --set claim.graphs=40
claim c16_seed4 C16-exact,C16-estimator --set seed=4 --set claim.graphs=40   # not C16-fashion: minutes of moments
