/* A pair source seen through a fixed linear map: every view x of the base source becomes Wx.
 *
 * Used to train the linear class in whitened coordinates (W = Σ^{−1/2}): a linear model U' on Wx
 * is the linear model U = U'W on x, the same class, but gradient methods converge on it at the
 * rate of a well-conditioned problem instead of that of the pixel covariance (eigenvalues spread
 * over several decades on images). The wrapper borrows the base source (which must outlive it)
 * and owns a copy of W. Ids and labels pass through; moments are mapped (WΣWᵀ, WΣ_ΔWᵀ, Wμ) when
 * the base has them; natural data are mapped; there is no support or graph (a map may merge
 * points). Sampling draws from the base with the caller's rng, so the stream is unchanged. */
#include <cblas.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "specl/data.h"

typedef struct tf_ {
    const specl_source *base;
    int d_in;
    float *w;          /* (d_out, d_in) */
    double *wd;        /* (d_out, d_in) W in double for the moments */
} tf_;

static int tf_sample_(const specl_source *src, int n, specl_rng *rng, specl_batch *b) {
    const tf_ *t = src->impl;
    specl_batch tmp;
    int st = specl_batch_alloc(&tmp, n, t->base);
    if (st) return st;
    st = specl_source_sample(t->base, n, rng, &tmp);
    if (!st) {   /* x (2n, d_out) = x_base (2n, d_in) Wᵀ */
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, 2 * n, src->d, t->d_in, 1.0f, tmp.x, t->d_in, t->w, t->d_in,
                    0.0f, b->x, src->d);
        int L = src->n_labelings > 0 ? src->n_labelings : 1, T = src->target_dim > 0 ? src->target_dim : 1;
        memcpy(b->natural, tmp.natural, sizeof(int64_t) * n);
        memcpy(b->view, tmp.view, sizeof(int64_t) * 2 * n);
        memcpy(b->fine, tmp.fine, sizeof(int64_t) * n);
        memcpy(b->cluster, tmp.cluster, sizeof(int64_t) * n);
        memcpy(b->label, tmp.label, sizeof(int32_t) * n * L);
        memcpy(b->target, tmp.target, sizeof(float) * n * T);
        b->n = n;
    }
    specl_batch_free(&tmp);
    return st;
}

/* out (d_out, d_out) = W a Wᵀ for a (d_in, d_in). */
static int congruence_(const tf_ *t, int d_out, const double *a, double *out) {
    double *wa = malloc(sizeof(double) * (size_t)d_out * t->d_in);
    if (!wa) return specl_error(SPECL_ENOMEM, "moments of a mapped source");
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, d_out, t->d_in, t->d_in, 1.0, t->wd, t->d_in, a, t->d_in, 0.0, wa, t->d_in);
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, d_out, d_out, t->d_in, 1.0, wa, t->d_in, t->wd, t->d_in, 0.0, out, d_out);
    free(wa);
    return SPECL_OK;
}

static int tf_moments_(const specl_source *src, double *mean, double *sigma, double *sigma_delta) {
    const tf_ *t = src->impl;
    int di = t->d_in;
    double *m = malloc(sizeof(double) * di), *s = malloc(sizeof(double) * (size_t)di * di);
    double *sd = malloc(sizeof(double) * (size_t)di * di);
    int st = (!m || !s || !sd) ? specl_error(SPECL_ENOMEM, "moments of a mapped source") : SPECL_OK;
    if (!st) st = specl_source_moments(t->base, m, s, sd);
    if (!st) {
        cblas_dgemv(CblasRowMajor, CblasNoTrans, src->d, di, 1.0, t->wd, di, m, 1, 0.0, mean, 1);
        st = congruence_(t, src->d, s, sigma);
        if (!st) st = congruence_(t, src->d, sd, sigma_delta);
    }
    free(m); free(s); free(sd);
    return st;
}

static int tf_natural_(const specl_source *src, int64_t i, float *x, int32_t *label, float *target) {
    const tf_ *t = src->impl;
    float *xi = malloc(sizeof(float) * t->d_in);
    if (!xi) return specl_error(SPECL_ENOMEM, "a natural datum of a mapped source");
    int st = specl_source_natural(t->base, i, xi, label, target);
    if (!st) cblas_sgemv(CblasRowMajor, CblasNoTrans, src->d, t->d_in, 1.0f, t->w, t->d_in, xi, 1, 0.0f, x, 1);
    free(xi);
    return st;
}

static void tf_free_(specl_source *src) {
    tf_ *t = src->impl;
    if (t) { free(t->w); free(t->wd); free(t); }
}

static const specl_source_ops tf_ops_ = { tf_sample_, tf_moments_, NULL, NULL, tf_free_, tf_natural_ };
static const specl_source_ops tf_ops_nomoments_ = { tf_sample_, NULL, NULL, NULL, tf_free_, tf_natural_ };

int specl_source_linear_map(const specl_source *base, const double *w, int d_out, specl_source **out) {
    *out = NULL;
    if (d_out < 1) return specl_error(SPECL_EINVAL, "linear map: output dimension %d < 1", d_out);
    specl_source *src = calloc(1, sizeof *src);
    tf_ *t = calloc(1, sizeof *t);
    size_t cnt = (size_t)d_out * base->d;
    if (t) { t->w = malloc(sizeof(float) * cnt); t->wd = malloc(sizeof(double) * cnt); }
    if (!src || !t || !t->w || !t->wd) {
        if (t) { free(t->w); free(t->wd); }
        free(t); free(src);
        return specl_error(SPECL_ENOMEM, "linear map %d x %d", d_out, base->d);
    }
    for (size_t i = 0; i < cnt; i++) {
        if (!isfinite(w[i])) { free(t->w); free(t->wd); free(t); free(src); return specl_error(SPECL_ENUMERIC, "linear map: entry %zu is not finite", i); }
        t->w[i] = (float)w[i];
        t->wd[i] = w[i];
    }
    t->base = base;
    t->d_in = base->d;
    *src = *base;   /* labellings, counts */
    snprintf(src->kind, sizeof src->kind, "%s", base->kind);
    src->ops = specl_source_has_moments(base) ? &tf_ops_ : &tf_ops_nomoments_;
    src->d = d_out;
    src->n_support = 0;
    src->n_natural = base->ops->natural ? base->n_natural : 0;
    src->impl = t;
    *out = src;
    return SPECL_OK;
}
