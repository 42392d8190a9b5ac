/* Explicit constructions of the paper's proofs, returned as models so the probe and the report
 * treat them exactly like trained ones (PAPER.md §4.1–4.2, App. D.1–D.2). */
#include <math.h>
#include <string.h>
#include "specl/theory.h"

static int is_pow2_(int64_t k) { return k > 0 && (k & (k - 1)) == 0; }

/* Table over the 2^d natural data of a hypercube: datum id i (bit j = [x̄_{j+1} = +1]) maps to
 * √k·e_g with g = (i >> shift) mod k, i.e. a group of the sign pattern of x_{shift+1:d}. */
static int group_table_(const specl_source *src, int shift, int k, int max_n, specl_model **out) {
    *out = NULL;
    if (src->n_support <= 0)
        return specl_error(SPECL_EUNSUPPORTED, "the construction needs a finite natural support (hypercube d <= 24)");
    int64_t groups = src->n_support >> shift;
    if (!is_pow2_(k) || k > groups)
        return specl_error(SPECL_EINVAL, "model.k = %d: the construction needs k a power of two <= 2^(d-%d) = %lld",
                           k, shift, (long long)groups);
    specl_model_spec ms = { "table", src->d, k, 0, 0, src->n_support, 1.0 };
    int st = specl_model_create(&ms, max_n, out);
    if (st) return st;
    float *t = specl_model_weight(*out, 0);   /* (n_support, k) */
    memset(t, 0, sizeof(float) * (size_t)src->n_support * k);
    float v = (float)sqrt((double)k);
    for (int64_t i = 0; i < src->n_support; i++) t[(size_t)i * k + ((i >> shift) & (k - 1))] = v;
    return SPECL_OK;
}

int specl_construct_thm53_lower(const specl_source *hc, int k, int max_n, specl_model **out) {
    return group_table_(hc, 1, k, max_n, out);
}

int specl_construct_thm56_lower(const specl_source *hc, int s, int k, int max_n, specl_model **out) {
    if (s < 1 || s >= hc->d) return specl_error(SPECL_EINVAL, "data.s = %d: expected 1 <= s < d", s);
    return group_table_(hc, s, k, max_n, out);
}

int specl_construct_thm56_relu(int d, int s, int max_n, specl_model **out) {
    *out = NULL;
    if (s < 1 || s > d || s > 20) return specl_error(SPECL_EINVAL, "data.s = %d: the construction needs 1 <= s <= min(d, 20)", s);
    int k = 1 << s;
    specl_model_spec ms = { "relu1", d, k, 0, 0, 0, 1.0 };
    int st = specl_model_create(&ms, max_n, out);
    if (st) return st;
    float *u = specl_model_weight(*out, 0), *b = specl_model_bias(*out, 0);   /* (k,d), (k) */
    double rk = sqrt((double)k);
    memset(u, 0, sizeof(float) * (size_t)k * d);
    for (int i = 0; i < k; i++) {
        for (int j = 0; j < s; j++) u[(size_t)i * d + j] = (float)(((i >> j) & 1) ? rk : -rk);
        b[i] = (float)(-rk * (s - 1));
    }
    return SPECL_OK;
}
