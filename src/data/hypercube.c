/* Examples 5.1 and 5.4: the hypercube pair source.
 * x̄ ~ U{−1,1}^d; a view keeps the first s coordinates and multiplies each of the last d − s by
 * an independent τ ~ U[tau_lo, tau_hi], or uniform on a finite set {τ_1..τ_T} (tau_set). Closed-form
 * moments (PAPER.md §4.1):
 *   Σ = diag(1_s, E τ² · 1_{d−s}),  Σ_Δ = diag(0_s, 2 Var τ · 1_{d−s}),  mean 0.
 * With τ ~ U[1/2, 1]: E τ² = 7/12 and 2 Var τ = 1/24.
 * With a finite τ set the views themselves are finite, 2^d · T^(d−s) points, and the source has an
 * exact positive-pair graph over them: W_xy = Σ_x̄ P(x̄) A(x|x̄) A(y|x̄), a dense block of weight
 * 2^−d T^−2(d−s) per pair of augmentations of each x̄ (self-loops included). View v = id(x̄)·T^(d−s)
 * + Σ_j t_j T^j (t_j the index of the τ of spurious coordinate j); the table class then keeps one
 * vector per view, as the universal class over the graph. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "specl/data.h"

#define HC_MAX_ENUM_D 24   /* natural support enumerable (2^d data) up to this d */
#define HC_MAX_TAUS 16
#define HC_MAX_VIEWS (1 << 22)   /* finite view support (tau_set) up to this many points */

typedef struct hc_label { int kind; int index; int m; int32_t *map; } hc_label; /* kind 0: x<i>, 1: patterns */

typedef struct hypercube {
    int d, s;
    double tau_lo, tau_hi;
    int n_tau;                   /* 0: τ ~ U[tau_lo, tau_hi]; else the finite set tau[] */
    double tau[HC_MAX_TAUS];
    int64_t views_per;           /* T^(d−s) views per natural datum with a finite set */
    hc_label lab[SPECL_MAX_LABELINGS];
} hypercube;

int64_t specl_hypercube_pattern(const float *h, int s) {
    int64_t p = 0;
    for (int j = 0; j < s && j < 62; j++)
        if (h[j] > 0) p |= (int64_t)1 << j;
    return p;
}

/* Labels and targets of natural datum x̄ (d) in {−1,1}. */
static void hc_labels_(const specl_source *src, const float *xbar, int32_t *label, float *target) {
    const hypercube *h = src->impl;
    int64_t pat = specl_hypercube_pattern(xbar, h->s);
    float *t = target;
    for (int j = 0; j < src->n_labelings; j++) {
        const hc_label *l = &h->lab[j];
        if (l->kind == 0) {
            float y = xbar[l->index];
            label[j] = y > 0;
            *t++ = y;
        } else {
            int32_t c = l->map[pat];
            label[j] = c;
            for (int i = 0; i < l->m; i++) *t++ = (i == c) ? 1.0f : 0.0f;
        }
    }
}

/* Multiply the spurious coordinates of view v by τ's from the finite set; return its support id. */
static int64_t augment_set_(const hypercube *h, float *v, int64_t id, specl_rng *rng) {
    int64_t sub = 0, pw = 1;
    for (int j = h->s; j < h->d; j++, pw *= h->n_tau) {
        int t = (int)specl_rng_below(rng, (uint64_t)h->n_tau);
        v[j] *= (float)h->tau[t];
        sub += t * pw;
    }
    return id * h->views_per + sub;
}

static int hc_sample_(const specl_source *src, int n, specl_rng *rng, specl_batch *b) {
    const hypercube *h = src->impl;
    int d = h->d, s = h->s;
    float *x1 = b->x, *x2 = b->x + (size_t)n * d;
    double span = h->tau_hi - h->tau_lo;
    int L = src->n_labelings, T = src->target_dim;
    for (int i = 0; i < n; i++) {
        float *a = x1 + (size_t)i * d, *c = x2 + (size_t)i * d;
        uint64_t bits = 0;
        int64_t id = 0;
        for (int j = 0; j < d; j++) {
            if (j % 64 == 0) bits = specl_rng_u64(rng);
            int on = (int)((bits >> (j % 64)) & 1);
            a[j] = on ? 1.0f : -1.0f;
            if (on && j < 62) id |= (int64_t)1 << j;
        }
        hc_labels_(src, a, b->label + (size_t)i * L, b->target + (size_t)i * T);
        memcpy(c, a, sizeof(float) * d);
        b->natural[i] = d <= 62 ? id : -1;
        b->fine[i] = b->natural[i];
        b->cluster[i] = s <= 62 ? (id & (((int64_t)1 << s) - 1)) : -1;
        if (h->n_tau) {
            b->view[i] = augment_set_(h, a, id, rng);
            b->view[i + n] = augment_set_(h, c, id, rng);
            continue;
        }
        for (int j = s; j < d; j++) {   /* one 64-bit draw gives the two views' τ (24 bits each) */
            uint64_t u = specl_rng_u64(rng);
            a[j] *= (float)(h->tau_lo + span * (double)(u >> 40) * 0x1.0p-24);
            c[j] *= (float)(h->tau_lo + span * (double)((u >> 8) & 0xFFFFFF) * 0x1.0p-24);
        }
        b->view[i] = b->view[i + n] = d <= HC_MAX_ENUM_D ? id : -1;   /* the support: natural data */
    }
    b->n = n;
    return SPECL_OK;
}

/* E τ² and Var τ of the augmentation factor. */
static void tau_moments_(const hypercube *h, double *e2, double *var) {
    if (h->n_tau) {
        double m1 = 0, m2 = 0;
        for (int t = 0; t < h->n_tau; t++) { m1 += h->tau[t] / h->n_tau; m2 += h->tau[t] * h->tau[t] / h->n_tau; }
        *e2 = m2;
        *var = m2 - m1 * m1;
        return;
    }
    double lo = h->tau_lo, hi = h->tau_hi;
    *e2 = hi > lo ? (hi * hi * hi - lo * lo * lo) / (3.0 * (hi - lo)) : lo * lo;
    *var = (hi - lo) * (hi - lo) / 12.0;
}

static int hc_moments_(const specl_source *src, double *mean, double *sigma, double *sigma_delta) {
    const hypercube *h = src->impl;
    int d = h->d;
    double e2, var;
    tau_moments_(h, &e2, &var);
    memset(mean, 0, sizeof(double) * d);
    memset(sigma, 0, sizeof(double) * d * d);
    memset(sigma_delta, 0, sizeof(double) * d * d);
    for (int j = 0; j < d; j++) {
        sigma[(size_t)j * d + j] = j < h->s ? 1.0 : e2;
        sigma_delta[(size_t)j * d + j] = j < h->s ? 0.0 : 2.0 * var;
    }
    return SPECL_OK;
}

/* Support point i: natural datum i (continuous τ) or view i (finite τ set). */
static int hc_support_(const specl_source *src, int64_t i, float *x, int32_t *label, float *target,
                       int64_t *cluster, double *prob) {
    const hypercube *h = src->impl;
    int64_t id = h->n_tau ? i / h->views_per : i, sub = h->n_tau ? i % h->views_per : 0;
    for (int j = 0; j < h->d; j++) x[j] = ((id >> j) & 1) ? 1.0f : -1.0f;
    hc_labels_(src, x, label, target);
    for (int j = h->s; j < h->d && h->n_tau; j++, sub /= h->n_tau) x[j] *= (float)h->tau[sub % h->n_tau];
    *cluster = id & (((int64_t)1 << h->s) - 1);
    *prob = 1.0 / (double)src->n_support;
    return SPECL_OK;
}

/* The exact graph over the views of a finite τ set: per natural datum a dense block, each pair
 * of its views (t, t') with probability 2^−d T^−(d−s) T^−(d−s). */
static int hc_graph_(const specl_source *src, specl_graph *g) {
    const hypercube *h = src->impl;
    int64_t vp = h->views_per, nat = (int64_t)1 << h->d, m = nat * vp * (vp + 1) / 2;
    int64_t *ii = malloc(sizeof(int64_t) * m), *jj = malloc(sizeof(int64_t) * m);
    double *ww = malloc(sizeof(double) * m), w = 1.0 / ((double)nat * vp * vp);
    int st = (!ii || !jj || !ww) ? specl_error(SPECL_ENOMEM, "hypercube graph with %lld edges", (long long)m) : SPECL_OK;
    int64_t e = 0;
    for (int64_t a = 0; a < nat && !st; a++)
        for (int64_t u = 0; u < vp; u++)
            for (int64_t v = u; v < vp; v++) { ii[e] = a * vp + u; jj[e] = a * vp + v; ww[e] = w; e++; }
    if (!st) st = specl_graph_from_triplets(src->n_support, e, ii, jj, ww, 1, g);
    free(ii); free(jj); free(ww);
    return st;
}

static void hc_free_(specl_source *src) {
    hypercube *h = src->impl;
    if (!h) return;
    for (int j = 0; j < src->n_labelings; j++) free(h->lab[j].map);
    free(h);
}

static const specl_source_ops hc_ops_ = { hc_sample_, hc_moments_, hc_support_, NULL, hc_free_ };
static const specl_source_ops hc_ops_graph_ = { hc_sample_, hc_moments_, hc_support_, hc_graph_, hc_free_ };

/* Parse the finite τ set ("0.5,1"): at most HC_MAX_TAUS values ≥ 0; views must stay few. */
static int hc_parse_taus_(hypercube *h, const char *set) {
    const char *q = set;
    while (*q) {
        char *end;
        double t = strtod(q, &end);
        if (end == q || !(t >= 0) || !isfinite(t) || h->n_tau >= HC_MAX_TAUS)
            return specl_error(SPECL_EINVAL, "data.tau_set = '%s': expected 1 to %d non-negative numbers separated by commas", set, HC_MAX_TAUS);
        h->tau[h->n_tau++] = t;
        q = end + strspn(end, ", ");
    }
    double views = pow((double)h->n_tau, h->d - h->s) * ldexp(1.0, h->d);
    if (views > HC_MAX_VIEWS)
        return specl_error(SPECL_EINVAL, "data.tau_set = '%s': 2^d x T^(d-s) = %.3g views exceed %d (lower data.d or d - s)", set, views, HC_MAX_VIEWS);
    h->views_per = (int64_t)llround(pow((double)h->n_tau, h->d - h->s));
    return SPECL_OK;
}

/* Parse one labelling spec into lab / desc. */
static int hc_parse_label_(specl_source *src, hypercube *h, const char *spec, uint64_t seed) {
    if (src->n_labelings >= SPECL_MAX_LABELINGS)
        return specl_error(SPECL_EINVAL, "data.labels: more than %d labellings", SPECL_MAX_LABELINGS);
    int j = src->n_labelings;
    specl_labeling *desc = &src->labelings[j];
    hc_label *l = &h->lab[j];
    char *end;
    if (spec[0] == 'x' && spec[1] >= '0' && spec[1] <= '9') {
        long i = strtol(spec + 1, &end, 10);
        if (*end || i < 1 || i > h->d)
            return specl_error(SPECL_EINVAL, "data.labels: '%s' is not x<i> with 1 <= i <= d = %d", spec, h->d);
        l->kind = 0; l->index = (int)i - 1;
        desc->dim = 1; desc->classes = 2; desc->scalar = 1;
    } else if (strncmp(spec, "patterns:", 9) == 0) {
        long m = strtol(spec + 9, &end, 10);
        if (h->s > 24) return specl_error(SPECL_EINVAL, "data.labels: patterns:<m> needs s <= 24 (s = %d)", h->s);
        int64_t np = (int64_t)1 << h->s;
        if (*end || spec[9] == 0 || m < 2 || m > np)
            return specl_error(SPECL_EINVAL, "data.labels: '%s' is not patterns:<m> with 2 <= m <= 2^s = %lld", spec, (long long)np);
        int st = specl_balanced_map(np, (int)m, seed, j, &l->map);
        if (st) return st;
        l->kind = 1; l->m = (int)m;
        desc->dim = (int)m; desc->classes = (int)m; desc->scalar = 0;
    } else {
        return specl_error(SPECL_EINVAL, "data.labels: unknown labelling '%s' (expected x<i>, x* or patterns:<m>)", spec);
    }
    snprintf(desc->name, sizeof desc->name, "%s", spec);
    src->n_labelings++;
    src->target_dim += desc->dim;
    return SPECL_OK;
}

static int hc_parse_labels_(specl_source *src, hypercube *h, const char *labels, uint64_t seed) {
    char buf[1024];
    if (!labels || !*labels) return SPECL_OK;
    if (strlen(labels) >= sizeof buf) return specl_error(SPECL_EINVAL, "data.labels: list too long");
    strcpy(buf, labels);
    for (char *save = NULL, *tok = strtok_r(buf, ", ", &save); tok; tok = strtok_r(NULL, ", ", &save)) {
        int st;
        if (strcmp(tok, "x*") == 0) {
            for (int i = 1; i <= h->s; i++) {
                char one[16];
                snprintf(one, sizeof one, "x%d", i);
                if ((st = hc_parse_label_(src, h, one, seed))) return st;
            }
        } else if ((st = hc_parse_label_(src, h, tok, seed))) {
            return st;
        }
    }
    return SPECL_OK;
}

int specl_hypercube_new(const specl_hypercube_params *p, specl_source **out) {
    *out = NULL;
    if (p->d < 1) return specl_error(SPECL_EINVAL, "data.d = %d: expected d >= 1", p->d);
    if (p->s < 1 || p->s > p->d) return specl_error(SPECL_EINVAL, "data.s = %d: expected 1 <= s <= d = %d", p->s, p->d);
    if (!(p->tau_lo >= 0) || !(p->tau_hi >= p->tau_lo) || !isfinite(p->tau_hi))
        return specl_error(SPECL_EINVAL, "data.tau_lo = %g, data.tau_hi = %g: expected 0 <= tau_lo <= tau_hi", p->tau_lo, p->tau_hi);
    specl_source *src = calloc(1, sizeof *src);
    hypercube *h = calloc(1, sizeof *h);
    if (!src || !h) { free(src); free(h); return SPECL_ENOMEM; }
    h->d = p->d; h->s = p->s; h->tau_lo = p->tau_lo; h->tau_hi = p->tau_hi;
    src->ops = &hc_ops_;
    src->impl = h;
    snprintf(src->kind, sizeof src->kind, "hypercube");
    src->d = p->d;
    src->n_support = p->d <= HC_MAX_ENUM_D ? (int64_t)1 << p->d : 0;
    src->n_clusters = p->s <= 62 ? (int64_t)1 << p->s : 0;
    int st = SPECL_OK;
    if (p->tau_set && *p->tau_set && (st = hc_parse_taus_(h, p->tau_set)) == SPECL_OK) {
        src->ops = &hc_ops_graph_;
        src->n_support = ((int64_t)1 << p->d) * h->views_per;
    }
    if (!st) st = hc_parse_labels_(src, h, p->labels, p->label_seed);
    if (st) { specl_source_free(src); return st; }
    *out = src;
    return SPECL_OK;
}
