/* Example 5.10: the translated-patch pair source (PAPER.md §4.4).
 * x̄ ∈ R^d is indexed cyclically. A location t is drawn (uniform over [0, d), or with probability
 * w_t ∝ loc_weights[t]); the s patch coordinates x̄_{t+j mod d} (0 ≤ j < s) are γ·(±1) with
 * independent uniform signs (the pattern, bit j set when x̄_{t+j} > 0), the other d − s coordinates
 * are independent uniform ±1. A view multiplies each non-patch coordinate by its own
 * τ ~ U[0, 1) (24-bit grid, two views' τ from one 64-bit draw as in hypercube.c); the patch is kept.
 * Closed-form moments. Let π_i = Σ_{j<s} w_{(i−j) mod d} be the probability that coordinate i is in
 * the patch. Then, with E τ² = 1/3 and E(τ − τ')² = 2 Var τ = 1/6,
 *   mean = 0,  Σ = diag(π_i γ² + (1 − π_i)/3),  Σ_Δ = diag((1 − π_i)/6),
 * the off-diagonal terms vanishing because distinct coordinates carry independent random signs
 * (given t) and patch coordinates do not move between views.
 * Ids: natural = −1 (continuous views), view = −1 (no finite support: n_support = 0, no support
 * hook), cluster = pattern (the CNN's 2^s implementable clusters, n_clusters = 2^s),
 * fine = pattern + 2^s·t (pattern × location, the fully connected class's clusters).
 * Labels: "pattern" (one-hot over 2^s), "bit<j>" (scalar ±1 sign of patch bit j, 1 ≤ j ≤ s),
 * "bit*" (bit1..bits, an addition mirroring the hypercube's x*), "patterns:<m>" (seeded balanced
 * map, built exactly as the hypercube's). An empty list means no labelling.
 * Decisions where data.h is silent: s ≤ 30 (pattern ids and fine ids fit in int64), "pattern"
 * needs s ≤ 16 and "patterns:<m>" s ≤ 24 (table sizes); loc_weights must be exactly d finite
 * non-negative numbers with a positive sum (zero weights allowed: that location never occurs). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "specl/data.h"

#define PT_MAX_S 30
#define PT_MAX_PATTERN_S 16
#define PT_MAX_MAP_S 24

enum { PT_PATTERN, PT_BIT, PT_MAP };
typedef struct pt_label { int kind, bit, m; int32_t *map; } pt_label;

typedef struct patch {
    int d, s;
    double gamma;
    double *prob;              /* (d) location probabilities, NULL: uniform */
    double *cdf;               /* (d) their running sums, cdf[d − 1] = 1 */
    pt_label lab[SPECL_MAX_LABELINGS];
} patch;

/* Labels and targets of pattern pat. */
static void pt_labels_(const specl_source *src, int64_t pat, int32_t *label, float *target) {
    const patch *p = src->impl;
    float *t = target;
    for (int j = 0; j < src->n_labelings; j++) {
        const pt_label *l = &p->lab[j];
        if (l->kind == PT_BIT) {
            int on = (int)((pat >> l->bit) & 1);
            label[j] = on;
            *t++ = on ? 1.0f : -1.0f;
            continue;
        }
        int32_t c = l->kind == PT_PATTERN ? (int32_t)pat : l->map[pat];
        label[j] = c;
        for (int i = 0; i < src->labelings[j].dim; i++) *t++ = i == c ? 1.0f : 0.0f;
    }
}

static int pt_location_(const patch *p, specl_rng *rng) {
    if (!p->cdf) return (int)specl_rng_below(rng, (uint64_t)p->d);
    double u = specl_rng_uniform(rng);
    int lo = 0, hi = p->d - 1;            /* first t with u < cdf[t] (zero weights are skipped) */
    while (lo < hi) {
        int mid = lo + (hi - lo) / 2;
        if (u < p->cdf[mid]) hi = mid; else lo = mid + 1;
    }
    return lo;
}

/* One pair into rows a, c; returns the pattern, *t the location. */
static int64_t pt_pair_(const patch *p, specl_rng *rng, float *a, float *c, int *t) {
    int d = p->d, s = p->s;
    *t = pt_location_(p, rng);
    int64_t pat = (int64_t)(specl_rng_u64(rng) & (((uint64_t)1 << s) - 1));
    for (int j = 0; j < s; j++) {
        int i = (*t + j) % d;
        a[i] = c[i] = (float)(((pat >> j) & 1) ? p->gamma : -p->gamma);
    }
    uint64_t bits = 0;
    for (int j = 0; j < d - s; j++) {
        if (j % 64 == 0) bits = specl_rng_u64(rng);
        float sign = ((bits >> (j % 64)) & 1) ? 1.0f : -1.0f;
        uint64_t u = specl_rng_u64(rng);  /* the two views' τ, 24 bits each */
        int i = (*t + s + j) % d;
        a[i] = sign * (float)((double)(u >> 40) * 0x1.0p-24);
        c[i] = sign * (float)((double)((u >> 8) & 0xFFFFFF) * 0x1.0p-24);
    }
    return pat;
}

static int pt_sample_(const specl_source *src, int n, specl_rng *rng, specl_batch *b) {
    const patch *p = src->impl;
    int d = p->d, L = src->n_labelings, T = src->target_dim;
    for (int i = 0; i < n; i++) {
        int t;
        int64_t pat = pt_pair_(p, rng, b->x + (size_t)i * d, b->x + ((size_t)n + i) * d, &t);
        b->natural[i] = -1;
        b->view[i] = b->view[i + n] = -1;
        b->cluster[i] = pat;
        b->fine[i] = pat + ((int64_t)t << p->s);
        pt_labels_(src, pat, b->label + (size_t)i * L, b->target + (size_t)i * T);
    }
    b->n = n;
    return SPECL_OK;
}

static int pt_moments_(const specl_source *src, double *mean, double *sigma, double *sigma_delta) {
    const patch *p = src->impl;
    int d = p->d;
    memset(mean, 0, sizeof(double) * d);
    memset(sigma, 0, sizeof(double) * d * d);
    memset(sigma_delta, 0, sizeof(double) * d * d);
    for (int i = 0; i < d; i++) {
        double pi = 0;                    /* Pr(coordinate i in the patch) */
        for (int j = 0; j < p->s; j++) {
            int t = ((i - j) % d + d) % d;
            pi += p->prob ? p->prob[t] : 1.0 / d;
        }
        if (pi > 1) pi = 1;
        sigma[(size_t)i * d + i] = pi * p->gamma * p->gamma + (1 - pi) / 3.0;
        sigma_delta[(size_t)i * d + i] = (1 - pi) / 6.0;
    }
    return SPECL_OK;
}

static void pt_free_(specl_source *src) {
    patch *p = src->impl;
    if (!p) return;
    for (int j = 0; j < src->n_labelings; j++) free(p->lab[j].map);
    free(p->prob);
    free(p->cdf);
    free(p);
}

static const specl_source_ops pt_ops_ = { pt_sample_, pt_moments_, NULL, NULL, pt_free_ };

/* loc_weights: exactly d finite non-negative numbers with a positive sum. */
static int pt_parse_weights_(patch *p, const char *w) {
    int d = p->d;
    p->prob = malloc(sizeof(double) * d);
    p->cdf = malloc(sizeof(double) * d);
    if (!p->prob || !p->cdf) return SPECL_ENOMEM;
    const char *q = w;
    double tot = 0;
    for (int t = 0; t < d; t++) {
        char *end;
        double v = strtod(q, &end);
        if (end == q || !(v >= 0) || !isfinite(v))
            return specl_error(SPECL_EINVAL, "data.loc_weights = '%s': expected d = %d non-negative numbers separated by commas", w, d);
        p->prob[t] = v;
        tot += v;
        q = end + strspn(end, ", ");
    }
    if (*q) return specl_error(SPECL_EINVAL, "data.loc_weights = '%s': more than d = %d values", w, d);
    if (!(tot > 0) || !isfinite(tot)) return specl_error(SPECL_EINVAL, "data.loc_weights = '%s': expected a positive finite sum", w);
    double run = 0;
    for (int t = 0; t < d; t++) {
        p->prob[t] /= tot;
        run += p->prob[t];
        p->cdf[t] = run;
    }
    p->cdf[d - 1] = 1.0;
    return SPECL_OK;
}

/* The seeded balanced map of the 2^s patterns onto m classes (as specl_hypercube_new builds it). */
static int pt_map_(pt_label *l, int s, int m, int j, uint64_t seed) {
    l->m = m;
    return specl_balanced_map((int64_t)1 << s, m, seed, j, &l->map);
}

/* One labelling spec: its kind and its description (dim, classes, scalar). */
static int pt_spec_(const patch *p, const char *spec, pt_label *l, specl_labeling *desc) {
    char *end;
    if (strcmp(spec, "pattern") == 0) {
        if (p->s > PT_MAX_PATTERN_S)
            return specl_error(SPECL_EINVAL, "data.labels: 'pattern' needs s <= %d (one-hot over 2^s; s = %d)", PT_MAX_PATTERN_S, p->s);
        l->kind = PT_PATTERN;
        desc->dim = desc->classes = 1 << p->s; desc->scalar = 0;
    } else if (strncmp(spec, "bit", 3) == 0 && spec[3] >= '0' && spec[3] <= '9') {
        long j = strtol(spec + 3, &end, 10);
        if (*end || j < 1 || j > p->s)
            return specl_error(SPECL_EINVAL, "data.labels: '%s' is not bit<j> with 1 <= j <= s = %d", spec, p->s);
        l->kind = PT_BIT; l->bit = (int)j - 1;
        desc->dim = 1; desc->classes = 2; desc->scalar = 1;
    } else if (strncmp(spec, "patterns:", 9) == 0) {
        long m = strtol(spec + 9, &end, 10);
        if (p->s > PT_MAX_MAP_S)
            return specl_error(SPECL_EINVAL, "data.labels: patterns:<m> needs s <= %d (s = %d)", PT_MAX_MAP_S, p->s);
        if (*end || spec[9] == 0 || m < 2 || m > ((int64_t)1 << p->s))
            return specl_error(SPECL_EINVAL, "data.labels: '%s' is not patterns:<m> with 2 <= m <= 2^s = %lld", spec, (long long)1 << p->s);
        l->kind = PT_MAP; l->m = (int)m;
        desc->dim = desc->classes = (int)m; desc->scalar = 0;
    } else {
        return specl_error(SPECL_EINVAL, "data.labels: unknown labelling '%s' for patch (expected pattern, bit<j>, bit* or patterns:<m>)", spec);
    }
    return SPECL_OK;
}

static int pt_add_label_(specl_source *src, patch *p, const char *spec, uint64_t seed) {
    int j = src->n_labelings;
    if (j >= SPECL_MAX_LABELINGS) return specl_error(SPECL_EINVAL, "data.labels: more than %d labellings", SPECL_MAX_LABELINGS);
    specl_labeling *desc = &src->labelings[j];
    pt_label *l = &p->lab[j];
    int st = pt_spec_(p, spec, l, desc);
    if (!st && l->kind == PT_MAP) st = pt_map_(l, p->s, l->m, j, seed);
    if (st) return st;
    snprintf(desc->name, sizeof desc->name, "%s", spec);
    src->n_labelings++;
    src->target_dim += desc->dim;
    return SPECL_OK;
}

static int pt_parse_labels_(specl_source *src, patch *p, const char *labels, uint64_t seed) {
    char buf[1024];
    if (!labels || !*labels) return SPECL_OK;
    if (strlen(labels) >= sizeof buf) return specl_error(SPECL_EINVAL, "data.labels: list too long");
    strcpy(buf, labels);
    for (char *save = NULL, *tok = strtok_r(buf, ", ", &save); tok; tok = strtok_r(NULL, ", ", &save)) {
        int st = SPECL_OK;
        if (strcmp(tok, "bit*") == 0) {
            for (int i = 1; i <= p->s && !st; i++) {
                char one[16];
                snprintf(one, sizeof one, "bit%d", i);
                st = pt_add_label_(src, p, one, seed);
            }
        } else {
            st = pt_add_label_(src, p, tok, seed);
        }
        if (st) return st;
    }
    return SPECL_OK;
}

static int pt_check_(const specl_patch_params *p) {
    if (p->d < 1) return specl_error(SPECL_EINVAL, "data.d = %d: expected d >= 1", p->d);
    if (p->s < 1 || p->s > p->d) return specl_error(SPECL_EINVAL, "data.s = %d: expected 1 <= s <= d = %d", p->s, p->d);
    if (p->s > PT_MAX_S) return specl_error(SPECL_EINVAL, "data.s = %d: expected s <= %d (patterns are indexed by 2^s)", p->s, PT_MAX_S);
    if (!(p->gamma > 1) || !isfinite(p->gamma)) return specl_error(SPECL_EINVAL, "data.gamma = %g: expected gamma > 1 for patches", p->gamma);
    return SPECL_OK;
}

int specl_patch_new(const specl_patch_params *p, specl_source **out) {
    *out = NULL;
    int st = pt_check_(p);
    if (st) return st;
    specl_source *src = calloc(1, sizeof *src);
    patch *h = calloc(1, sizeof *h);
    if (!src || !h) { free(src); free(h); return SPECL_ENOMEM; }
    h->d = p->d; h->s = p->s; h->gamma = p->gamma;
    src->ops = &pt_ops_;
    src->impl = h;
    snprintf(src->kind, sizeof src->kind, "patch");
    src->d = p->d;
    src->n_support = 0;
    src->n_clusters = (int64_t)1 << p->s;
    if (p->loc_weights && *p->loc_weights) st = pt_parse_weights_(h, p->loc_weights);
    if (!st) st = pt_parse_labels_(src, h, p->labels, p->label_seed);
    if (st) { specl_source_free(src); return st; }
    *out = src;
    return SPECL_OK;
}
