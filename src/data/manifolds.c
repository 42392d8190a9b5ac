/* Example 5.7: the separated-manifolds pair source (PAPER.md §4.3).
 * r groups ("manifolds") in R^d, group i centred at c_i = ((γ + ρ)/√2)·e_i, so that
 * ‖c_i − c_j‖ = γ + ρ; every point lies within ρ/2 of its group centre, hence each group has
 * diameter ≤ ρ and points of different groups are ≥ (γ + ρ) − ρ = γ apart. Each group holds
 * r0/r sub-clusters of mass 1/r0 (so each group has mass 1/r); sub-cluster k has a centre μ_k
 * drawn once from `seed` uniformly in the ball B(c_i, ρ/2 − aug). A natural datum is a
 * sub-cluster; a view is μ_k + u with u uniform in the ball B(0, aug) (direction from a normalized
 * Gaussian vector, radius aug·U^{1/d}), so both views of a pair stay within 2·aug of each other,
 * inside their sub-cluster and within ρ/2 of c_i. Positive pairs never leave a sub-cluster: the
 * positive-pair graph has r0 components (Thm 5.9 lower bound), the implementable clusters of a
 * Lipschitz class are the r groups (upper bound).
 * Ids: natural = fine = view (both views) = sub-cluster k = i·(r0/r) + j; cluster = group i.
 * Support: the r0 sub-clusters, point k at x = μ_k with probability 1/r0.
 * Moments (an addition: data.h allows none; the closed form is exact and cheap). With
 * E[uuᵀ] = aug²/(d+2)·I for u uniform in the d-ball of radius aug:
 *   mean = (1/r0) Σ_k μ_k,  Σ = (1/r0) Σ_k μ_k μ_kᵀ + aug²/(d+2)·I,  Σ_Δ = 2·aug²/(d+2)·I.
 * Labels: "group" (one-hot over r). An empty list means no labelling, as for the hypercube.
 * Decisions where data.h is silent: aug = 0 is allowed (views equal the centres), γ and ρ must be
 * positive and finite, r ≥ 1, and r0·d is capped at MF_MAX_COORDS centre coordinates. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "specl/data.h"

#define MF_MAX_COORDS (1 << 24)

typedef struct manifolds {
    int d, r, r0, per;        /* per = r0 / r sub-clusters per group */
    double gamma, rho, aug;
    double *centre;           /* (r0, d) sub-cluster centres μ_k */
} manifolds;

/* One-hot "group" targets of sub-cluster k. */
static void mf_labels_(const specl_source *src, int64_t k, int32_t *label, float *target) {
    const manifolds *m = src->impl;
    int32_t g = (int32_t)(k / m->per);
    float *t = target;
    for (int j = 0; j < src->n_labelings; j++) {
        label[j] = g;
        for (int c = 0; c < m->r; c++) *t++ = c == g ? 1.0f : 0.0f;
    }
}

/* x (d) = c (d) + a uniform point of the ball of radius rad (x doubles as the Gaussian scratch). */
static void mf_ball_view_(specl_rng *rng, int d, double rad, const double *c, float *x) {
    double nn = 0;
    for (int j = 0; j < d; j++) {
        x[j] = (float)specl_rng_normal(rng);
        nn += (double)x[j] * x[j];
    }
    double u = specl_rng_uniform(rng);
    double scale = nn > 0 ? rad * pow(u, 1.0 / d) / sqrt(nn) : 0.0;
    for (int j = 0; j < d; j++) x[j] = (float)(c[j] + scale * x[j]);
}

static int mf_sample_(const specl_source *src, int n, specl_rng *rng, specl_batch *b) {
    const manifolds *m = src->impl;
    int d = m->d, L = src->n_labelings, T = src->target_dim;
    for (int i = 0; i < n; i++) {
        int64_t k = (int64_t)specl_rng_below(rng, (uint64_t)m->r0);
        const double *c = m->centre + (size_t)k * d;
        mf_ball_view_(rng, d, m->aug, c, b->x + (size_t)i * d);
        mf_ball_view_(rng, d, m->aug, c, b->x + ((size_t)n + i) * d);
        b->natural[i] = b->fine[i] = b->view[i] = b->view[i + n] = k;
        b->cluster[i] = k / m->per;
        mf_labels_(src, k, b->label + (size_t)i * L, b->target + (size_t)i * T);
    }
    b->n = n;
    return SPECL_OK;
}

static int mf_moments_(const specl_source *src, double *mean, double *sigma, double *sigma_delta) {
    const manifolds *m = src->impl;
    int d = m->d;
    double v = m->aug * m->aug / (d + 2.0), w = 1.0 / m->r0;
    memset(mean, 0, sizeof(double) * d);
    memset(sigma, 0, sizeof(double) * d * d);
    memset(sigma_delta, 0, sizeof(double) * d * d);
    for (int k = 0; k < m->r0; k++) {
        const double *c = m->centre + (size_t)k * d;
        for (int a = 0; a < d; a++) {
            mean[a] += w * c[a];
            if (c[a] == 0) continue;
            for (int q = 0; q < d; q++) sigma[(size_t)a * d + q] += w * c[a] * c[q];
        }
    }
    for (int a = 0; a < d; a++) {
        sigma[(size_t)a * d + a] += v;
        sigma_delta[(size_t)a * d + a] = 2.0 * v;
    }
    return SPECL_OK;
}

static int mf_support_(const specl_source *src, int64_t i, float *x, int32_t *label, float *target,
                       int64_t *cluster, double *prob) {
    const manifolds *m = src->impl;
    for (int j = 0; j < m->d; j++) x[j] = (float)m->centre[(size_t)i * m->d + j];
    mf_labels_(src, i, label, target);
    *cluster = i / m->per;
    *prob = 1.0 / m->r0;
    return SPECL_OK;
}

static void mf_free_(specl_source *src) {
    manifolds *m = src->impl;
    if (!m) return;
    free(m->centre);
    free(m);
}

static const specl_source_ops mf_ops_ = { mf_sample_, mf_moments_, mf_support_, specl_support_self_loops, mf_free_ };

/* Sub-cluster centres: μ_k uniform in B(c_i, ρ/2 − aug), i = k / per, from the seed alone. */
static int mf_centres_(manifolds *m, uint64_t seed) {
    int d = m->d;
    m->centre = malloc(sizeof(double) * (size_t)m->r0 * d);
    if (!m->centre) return specl_error(SPECL_ENOMEM, "manifolds: %d x %d sub-cluster centres", m->r0, d);
    specl_rng r;
    specl_rng_derive(&r, seed, "manifolds/centres");
    double rad = m->rho / 2 - m->aug, off = (m->gamma + m->rho) / sqrt(2.0);
    for (int k = 0; k < m->r0; k++) {
        double *c = m->centre + (size_t)k * d, nn = 0;
        for (int j = 0; j < d; j++) { c[j] = specl_rng_normal(&r); nn += c[j] * c[j]; }
        double scale = nn > 0 ? rad * pow(specl_rng_uniform(&r), 1.0 / d) / sqrt(nn) : 0.0;
        for (int j = 0; j < d; j++) c[j] *= scale;
        c[k / m->per] += off;
    }
    return SPECL_OK;
}

static int mf_check_(const specl_manifolds_params *p) {
    if (p->r < 1) return specl_error(SPECL_EINVAL, "data.r = %d: expected r >= 1 groups", p->r);
    if (p->d < p->r) return specl_error(SPECL_EINVAL, "data.d = %d: expected d >= r = %d (group i is centred on axis i)", p->d, p->r);
    if (p->r0 < p->r) return specl_error(SPECL_EINVAL, "data.r0 = %d: expected r0 >= r = %d sub-clusters", p->r0, p->r);
    if (p->r0 % p->r) return specl_error(SPECL_EINVAL, "data.r0 = %d: expected a multiple of data.r = %d", p->r0, p->r);
    if ((double)p->r0 * p->d > MF_MAX_COORDS)
        return specl_error(SPECL_EINVAL, "data.r0 = %d: r0 x d = %.0f centre coordinates exceed %d (lower data.r0 or data.d)",
                           p->r0, (double)p->r0 * p->d, MF_MAX_COORDS);
    if (!(p->gamma > 0) || !isfinite(p->gamma)) return specl_error(SPECL_EINVAL, "data.gamma = %g: expected a finite gamma > 0", p->gamma);
    if (!(p->rho > 0) || !isfinite(p->rho)) return specl_error(SPECL_EINVAL, "data.rho = %g: expected a finite rho > 0", p->rho);
    if (!(p->aug >= 0) || !(p->aug <= p->rho / 4))
        return specl_error(SPECL_EINVAL, "data.aug = %g: expected 0 <= aug <= rho/4 = %g", p->aug, p->rho / 4);
    return SPECL_OK;
}

static int mf_parse_labels_(specl_source *src, const manifolds *m, const char *labels) {
    char buf[1024];
    if (!labels || !*labels) return SPECL_OK;
    if (strlen(labels) >= sizeof buf) return specl_error(SPECL_EINVAL, "data.labels: list too long");
    strcpy(buf, labels);
    for (char *save = NULL, *tok = strtok_r(buf, ", ", &save); tok; tok = strtok_r(NULL, ", ", &save)) {
        if (strcmp(tok, "group"))
            return specl_error(SPECL_EINVAL, "data.labels: unknown labelling '%s' for manifolds (expected group)", tok);
        if (src->n_labelings >= SPECL_MAX_LABELINGS)
            return specl_error(SPECL_EINVAL, "data.labels: more than %d labellings", SPECL_MAX_LABELINGS);
        specl_labeling *l = &src->labelings[src->n_labelings++];
        snprintf(l->name, sizeof l->name, "%s", tok);
        l->dim = l->classes = m->r;
        l->scalar = 0;
        src->target_dim += l->dim;
    }
    return SPECL_OK;
}

int specl_manifolds_new(const specl_manifolds_params *p, specl_source **out) {
    *out = NULL;
    int st = mf_check_(p);
    if (st) return st;
    specl_source *src = calloc(1, sizeof *src);
    manifolds *m = calloc(1, sizeof *m);
    if (!src || !m) { free(src); free(m); return SPECL_ENOMEM; }
    m->d = p->d; m->r = p->r; m->r0 = p->r0; m->per = p->r0 / p->r;
    m->gamma = p->gamma; m->rho = p->rho; m->aug = p->aug;
    src->ops = &mf_ops_;
    src->impl = m;
    snprintf(src->kind, sizeof src->kind, "manifolds");
    src->d = p->d;
    src->n_support = p->r0;
    src->n_clusters = p->r;
    st = mf_parse_labels_(src, m, p->labels);
    if (!st) st = mf_centres_(m, p->seed);
    if (st) { specl_source_free(src); return st; }
    *out = src;
    return SPECL_OK;
}
