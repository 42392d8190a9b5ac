/* Fig. 3 (C15) and Fig. 1: the grid and toy pair sources (PAPER.md §3.2, §5, §8).
 * grid: the natural datum is one of four corners c ∈ {0..3} of the centred 2×2 grid, uniform,
 * at (x_1, x_2) = (±1, ±1) with bit 0 of c set when x_1 = +1 and bit 1 when x_2 = +1; each view
 * keeps the two grid coordinates and draws the d − 2 spurious coordinates afresh as N(0, σ²).
 * Closed form: mean 0, Σ = diag(1, 1, σ², …, σ²), Σ_Δ = diag(0, 0, 2σ², …, 2σ²).
 * Labels: "axis1", "axis2" (scalar ±1: x_1, x_2), "corner" (scalar: +1 on corner 3 = (+1, +1),
 * −1 elsewhere), "corners" (one-hot over the 4 corners).
 * Ids: natural = fine = view (both views) = cluster = the corner; support: the 4 corners with
 * spurious coordinates 0, probability 1/4; n_clusters = 4 (with centred coordinates a linear
 * function implements each axis, so the minimal implementable clusters are the corners, §3.2).
 * toy (Fig. 1, d = 2): coordinate 1 is the invariant horizontal axis, coordinate 2 the spurious
 * vertical one. Three natural data (the toy clusters):
 *   0: (−1, +1) mass `small`  (the upper-left small cluster)
 *   1: (−1, −1) mass 1/2 − small (the lower-left cluster)
 *   2: (+1,  0) mass 1/2  (the right group)
 * each view adds N(0, σ²) to coordinate 2 only. Closed form, with μ_c and p_c as above:
 *   mean = Σ p_c μ_c,  Σ = Σ p_c μ_c μ_cᵀ + diag(0, σ²),  Σ_Δ = diag(0, 2σ²).
 * Labels: "side" (scalar ±1: −1 left, +1 right), "small" (scalar: +1 on toy cluster 0, −1 else).
 * Ids: natural = fine = view (both views) = the toy cluster; cluster = the side (0 left, 1 right),
 * the partition a linear class implements; support: the 3 toy clusters at μ_c with p_c.
 * Decisions where data.h is silent: the toy's vertical positions (±1 on the left, 0 on the right)
 * and the groups' equal masses 1/2 (so 0 < small < 1/2); σ ≥ 0 (σ = 0 allowed); `small` is
 * ignored by the grid; an empty label list means no labelling (as the hypercube). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "specl/data.h"

enum { GR_AXIS1, GR_AXIS2, GR_CORNER, GR_CORNERS, GR_SIDE, GR_SMALL };

typedef struct grid {
    int d, toy;
    double sigma, small;
    int kind[SPECL_MAX_LABELINGS];
} grid;

static const double toy_mu_[3][2] = { { -1, 1 }, { -1, -1 }, { 1, 0 } };

static double toy_prob_(const grid *g, int c) { return c == 0 ? g->small : c == 1 ? 0.5 - g->small : 0.5; }

/* Labels and targets of natural datum c (a corner, or a toy cluster). */
static void gr_labels_(const specl_source *src, int c, int32_t *label, float *target) {
    const grid *g = src->impl;
    float *t = target;
    for (int j = 0; j < src->n_labelings; j++) {
        float y = 0;
        switch (g->kind[j]) {
        case GR_AXIS1: y = (c & 1) ? 1.0f : -1.0f; break;
        case GR_AXIS2: y = (c & 2) ? 1.0f : -1.0f; break;
        case GR_CORNER: y = c == 3 ? 1.0f : -1.0f; break;
        case GR_SIDE: y = c == 2 ? 1.0f : -1.0f; break;
        case GR_SMALL: y = c == 0 ? 1.0f : -1.0f; break;
        default:   /* GR_CORNERS, one-hot */
            label[j] = c;
            for (int i = 0; i < 4; i++) *t++ = i == c ? 1.0f : 0.0f;
            continue;
        }
        label[j] = y > 0;
        *t++ = y;
    }
}

/* The noiseless point of natural datum c into x (d). */
static void gr_point_(const grid *g, int c, float *x) {
    if (g->toy) {
        x[0] = (float)toy_mu_[c][0];
        x[1] = (float)toy_mu_[c][1];
        return;
    }
    x[0] = (c & 1) ? 1.0f : -1.0f;
    x[1] = (c & 2) ? 1.0f : -1.0f;
    for (int j = 2; j < g->d; j++) x[j] = 0.0f;
}

static int gr_draw_(const grid *g, specl_rng *rng) {
    if (!g->toy) return (int)specl_rng_below(rng, 4);
    double u = specl_rng_uniform(rng);
    return u < g->small ? 0 : u < 0.5 ? 1 : 2;
}

static int gr_sample_(const specl_source *src, int n, specl_rng *rng, specl_batch *b) {
    const grid *g = src->impl;
    int d = g->d, L = src->n_labelings, T = src->target_dim;
    for (int i = 0; i < n; i++) {
        int c = gr_draw_(g, rng);
        float *a = b->x + (size_t)i * d, *e = b->x + ((size_t)n + i) * d;
        gr_point_(g, c, a);
        gr_point_(g, c, e);
        for (int j = g->toy ? 1 : 2; j < d; j++) {   /* the spurious coordinates, afresh per view */
            a[j] += (float)(g->sigma * specl_rng_normal(rng));
            e[j] += (float)(g->sigma * specl_rng_normal(rng));
        }
        b->natural[i] = b->fine[i] = b->view[i] = b->view[i + n] = c;
        b->cluster[i] = g->toy ? c == 2 : c;
        gr_labels_(src, c, b->label + (size_t)i * L, b->target + (size_t)i * T);
    }
    b->n = n;
    return SPECL_OK;
}

static int gr_moments_(const specl_source *src, double *mean, double *sigma, double *sigma_delta) {
    const grid *g = src->impl;
    int d = g->d;
    double v = g->sigma * g->sigma;
    memset(mean, 0, sizeof(double) * d);
    memset(sigma, 0, sizeof(double) * d * d);
    memset(sigma_delta, 0, sizeof(double) * d * d);
    if (g->toy) {
        for (int c = 0; c < 3; c++) {
            double p = toy_prob_(g, c);
            for (int a = 0; a < 2; a++) {
                mean[a] += p * toy_mu_[c][a];
                for (int q = 0; q < 2; q++) sigma[a * 2 + q] += p * toy_mu_[c][a] * toy_mu_[c][q];
            }
        }
        sigma[3] += v;
        sigma_delta[3] = 2 * v;
        return SPECL_OK;
    }
    for (int j = 0; j < d; j++) {
        sigma[(size_t)j * d + j] = j < 2 ? 1.0 : v;
        sigma_delta[(size_t)j * d + j] = j < 2 ? 0.0 : 2 * v;
    }
    return SPECL_OK;
}

static int gr_support_(const specl_source *src, int64_t i, float *x, int32_t *label, float *target,
                       int64_t *cluster, double *prob) {
    const grid *g = src->impl;
    int c = (int)i;
    gr_point_(g, c, x);
    gr_labels_(src, c, label, target);
    *cluster = g->toy ? c == 2 : c;
    *prob = g->toy ? toy_prob_(g, c) : 0.25;
    return SPECL_OK;
}

static void gr_free_(specl_source *src) { free(src->impl); }

static const specl_source_ops gr_ops_ = { gr_sample_, gr_moments_, gr_support_, specl_support_self_loops, gr_free_ };

static int gr_parse_labels_(specl_source *src, grid *g, const char *labels) {
    static const char *const names[] = { "axis1", "axis2", "corner", "corners", "side", "small" };
    char buf[1024];
    if (!labels || !*labels) return SPECL_OK;
    if (strlen(labels) >= sizeof buf) return specl_error(SPECL_EINVAL, "data.labels: list too long");
    strcpy(buf, labels);
    for (char *save = NULL, *tok = strtok_r(buf, ", ", &save); tok; tok = strtok_r(NULL, ", ", &save)) {
        int k = g->toy ? GR_SIDE : GR_AXIS1, last = g->toy ? GR_SMALL : GR_CORNERS;
        while (k <= last && strcmp(tok, names[k])) k++;
        if (k > last)
            return specl_error(SPECL_EINVAL, "data.labels: unknown labelling '%s' for the %s (expected %s)", tok,
                               g->toy ? "toy" : "grid", g->toy ? "side or small" : "axis1, axis2, corner or corners");
        int j = src->n_labelings;
        if (j >= SPECL_MAX_LABELINGS) return specl_error(SPECL_EINVAL, "data.labels: more than %d labellings", SPECL_MAX_LABELINGS);
        specl_labeling *l = &src->labelings[j];
        g->kind[j] = k;
        snprintf(l->name, sizeof l->name, "%s", tok);
        l->scalar = k != GR_CORNERS;
        l->dim = l->scalar ? 1 : 4;
        l->classes = l->scalar ? 2 : 4;
        src->target_dim += l->dim;
        src->n_labelings++;
    }
    return SPECL_OK;
}

static int gr_check_(const specl_grid_params *p) {
    if (p->toy && p->d != 2) return specl_error(SPECL_EINVAL, "data.d = %d: expected d = 2 for the toy", p->d);
    if (!p->toy && p->d < 2) return specl_error(SPECL_EINVAL, "data.d = %d: expected d >= 2 for the grid", p->d);
    if (!(p->sigma >= 0) || !isfinite(p->sigma)) return specl_error(SPECL_EINVAL, "data.sigma = %g: expected a finite sigma >= 0", p->sigma);
    if (p->toy && !(p->small > 0 && p->small < 0.5))
        return specl_error(SPECL_EINVAL, "data.small = %g: expected 0 < small < 0.5 (the left group has mass 1/2)", p->small);
    return SPECL_OK;
}

int specl_grid_new(const specl_grid_params *p, specl_source **out) {
    *out = NULL;
    int st = gr_check_(p);
    if (st) return st;
    specl_source *src = calloc(1, sizeof *src);
    grid *g = calloc(1, sizeof *g);
    if (!src || !g) { free(src); free(g); return SPECL_ENOMEM; }
    g->d = p->d; g->toy = p->toy != 0; g->sigma = p->sigma; g->small = p->small;
    src->ops = &gr_ops_;
    src->impl = g;
    snprintf(src->kind, sizeof src->kind, "%s", g->toy ? "toy" : "grid");
    src->d = p->d;
    src->n_support = g->toy ? 3 : 4;
    src->n_clusters = g->toy ? 2 : 4;
    st = gr_parse_labels_(src, g, p->labels);
    if (st) { specl_source_free(src); return st; }
    *out = src;
    return SPECL_OK;
}
