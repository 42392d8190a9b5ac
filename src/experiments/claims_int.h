/* src/experiments/claims_int.h: the functions the registry (claims.c) maps claim ids to, one per
 * row; each is implemented in the file its row names. Not public: callers go through
 * specl_claim_run. */
#ifndef SPECL_CLAIMS_INT_H
#define SPECL_CLAIMS_INT_H

#include "specl/experiments.h"

int specl_claim_c01(const specl_claim_args *a, specl_claim *c);
int specl_claim_c02(const specl_claim_args *a, specl_claim *c);
int specl_claim_c03_table(const specl_claim_args *a, specl_claim *c);
int specl_claim_c03_linear(const specl_claim_args *a, specl_claim *c);
int specl_claim_c04(const specl_claim_args *a, specl_claim *c);
int specl_claim_c05(const specl_claim_args *a, specl_claim *c);
int specl_claim_c06(const specl_claim_args *a, specl_claim *c);
int specl_claim_c07(const specl_claim_args *a, specl_claim *c);
int specl_claim_c08(const specl_claim_args *a, specl_claim *c);
int specl_claim_c09(const specl_claim_args *a, specl_claim *c);
int specl_claim_c10(const specl_claim_args *a, specl_claim *c);
int specl_claim_c11(const specl_claim_args *a, specl_claim *c);
int specl_claim_c12(const specl_claim_args *a, specl_claim *c);
int specl_claim_c13(const specl_claim_args *a, specl_claim *c);
int specl_claim_c14(const specl_claim_args *a, specl_claim *c);
int specl_claim_c15(const specl_claim_args *a, specl_claim *c);
int specl_claim_c16_exact(const specl_claim_args *a, specl_claim *c);
int specl_claim_c16_estimator(const specl_claim_args *a, specl_claim *c);
int specl_claim_c17(const specl_claim_args *a, specl_claim *c);

#endif
