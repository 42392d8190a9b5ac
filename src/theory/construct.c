/* Explicit constructions of the paper's proofs, returned as models so the probe and the report
 * treat them exactly like trained ones (PAPER.md §4.1–4.2, App. D.1–D.2). */
#include <math.h>
#include <stdlib.h>
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

int specl_construct_thm512_conv(int d, int s, double gamma, int max_n, specl_model **out) {
    *out = NULL;
    if (s < 1 || s > d || s > 20) return specl_error(SPECL_EINVAL, "data.s = %d: the construction needs 1 <= s <= min(d, 20)", s);
    if (!(gamma > 1)) return specl_error(SPECL_EINVAL, "data.gamma = %g: the construction needs gamma > 1", gamma);
    int k = 1 << s;
    specl_model_spec ms = { "conv1d-circ", d, k, 0, 0, 0, 1.0, 0, s };
    int st = specl_model_create(&ms, max_n, out);
    if (st) return st;
    float *u = specl_model_weight(*out, 0), *b = specl_model_bias(*out, 0);   /* (k,s), (k) */
    double a = sqrt((double)k) / (gamma - 1);
    for (int i = 0; i < k; i++) {
        for (int j = 0; j < s; j++) u[(size_t)i * s + j] = (float)(((i >> j) & 1) ? a : -a);
        b[i] = (float)(a * (-s - (gamma - 1) * (s - 1)));
    }
    return SPECL_OK;
}

int specl_construct_thm512_lower_bit(int d, int s, int skip, double gamma, int max_n, specl_model **out) {
    *out = NULL;
    if (s < 3 || s > 16) return specl_error(SPECL_EINVAL, "data.s = %d: the paired-unit construction needs 3 <= s <= 16", s);
    if (skip < 1 || skip > s) return specl_error(SPECL_EINVAL, "patch bit %d: the paired-unit construction ignores a bit 1 <= j <= s = %d", skip, s);
    if (d < 2 * s) return specl_error(SPECL_EINVAL, "data.d = %d: the paired-unit construction needs d >= 2s = %d", d, 2 * s);
    if (!(gamma > 1)) return specl_error(SPECL_EINVAL, "data.gamma = %g: the construction needs gamma > 1", gamma);
    int pairs = 1 << (s - 1), k = d * pairs;
    specl_model_spec ms = { "relu1", d, k, 0, 0, 0, 1.0 };
    int st = specl_model_create(&ms, max_n, out);
    if (st) return st;
    float *u = specl_model_weight(*out, 0), *b = specl_model_bias(*out, 0);   /* (k,d), (k) */
    double rk = sqrt((double)k), a = rk / (gamma - 1);
    memset(u, 0, sizeof(float) * (size_t)k * d);
    for (int t = 0; t < d; t++)
        for (int q = 0; q < pairs; q++) {
            int unit = t * pairs + q;
            /* the s − 1 used bits of the pair, in order, from q's bits 0, 1, ... */
            for (int j = 0, qb = 0; j < s; j++) {
                if (j == skip - 1) continue;                /* the bit the unit ignores */
                u[(size_t)unit * d + (t + j) % d] = (float)(((q >> qb) & 1) ? a : -a);
                qb++;
            }
            b[unit] = (float)(rk - a * gamma * (s - 1));
        }
    return SPECL_OK;
}

int specl_construct_thm512_lower(int d, int s, double gamma, int max_n, specl_model **out) {
    return specl_construct_thm512_lower_bit(d, s, 2, gamma, max_n, out);
}

int specl_construct_thm59_lower(const specl_source *src, int r, int k, int max_n, specl_model **out) {
    *out = NULL;
    int64_t r0 = src->n_support;
    if (r < 2 || r0 < 2 * r || r0 % r) return specl_error(SPECL_EINVAL, "the construction needs a manifolds source with r >= 2 groups of r0/r sub-clusters");
    if (k < 1 || (r0 / r) % k) return specl_error(SPECL_EINVAL, "model.k = %d: the construction needs k dividing r0/r = %lld", k, (long long)(r0 / r));
    specl_model_spec ms = { "table", src->d, k, 0, 0, r0, 1.0 };
    int st = specl_model_create(&ms, max_n, out);
    if (st) return st;
    float *t = specl_model_weight(*out, 0);   /* (r0, k) */
    memset(t, 0, sizeof(float) * (size_t)r0 * k);
    /* cell of sub-cluster v: its rank within its group, mod k (ranks come from the support's groups) */
    int64_t *rank = calloc((size_t)r, sizeof(int64_t));
    float *x = malloc(sizeof(float) * src->d), *tg = malloc(sizeof(float) * (src->target_dim + 1));
    int32_t lab[SPECL_MAX_LABELINGS];
    if (!rank || !x || !tg) st = SPECL_ENOMEM;
    for (int64_t v = 0; v < r0 && !st; v++) {
        int64_t g;
        double p;
        st = specl_source_support(src, v, x, lab, tg, &g, &p);
        if (!st && (g < 0 || g >= r)) st = specl_error(SPECL_EINVAL, "support point %lld has group %lld outside [0, %d)", (long long)v, (long long)g, r);
        if (!st) t[(size_t)v * k + rank[g]++ % k] = (float)sqrt((double)k);
    }
    free(rank); free(x); free(tg);
    if (st) { specl_model_free(*out); *out = NULL; }
    return st;
}
