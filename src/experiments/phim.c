/* The φ_m procedure of Sec. 6 (PAPER.md §5): how many clusters can an architecture implement?
 *
 * For each architecture: pretrain once with L_λ at k = pretrain_k (optional); then for each m and
 * each λ of the grid, build the architecture with output dimension k = m, copy the pretrained
 * backbone into it (every layer but the final projection), train with L_λ, whiten by
 * Cov^{−1/2}/√m and measure E_pos‖f̄(x) − f̄(x⁺)‖² on the test source; φ_m is the minimum over λ.
 * A λ whose embedding covariance is singular cannot be whitened: it is recorded as skipped.
 *
 * Every class, the linear one included, is trained by the same minibatch path (specl_train on
 * pairs of the training source), as the paper's procedure does. With `linear_moments` the linear
 * class is instead trained full-batch on its training sample (the moments of `moment_pairs` pairs
 * of the training source, or its closed-form moments), in whitened coordinates: on W x with
 * W = Σ^{−1/2}, then folded back (U = U'W), the same class and loss L_λ (train/moments_train.c);
 * that is a reference for the optimum, not the procedure, and claim C16 does not use it.
 * `nonlinear_steps` > 0 replaces the steps of every training run of the classes with a backbone
 * (pretraining and points): the negative control of claim C17 trains the mlp for 1 step.
 *
 * The alignment is measured as exactly as the pair (model, test source) allows:
 *   linear class (f = Ux) on a source with closed-form moments: C = UΣUᵀ, D = UΣ_ΔUᵀ;
 *   table class on a source with an exact graph: C and D summed over the graph's edges;
 *   otherwise over `eval_pairs` fresh pairs of the test source, drawn from the same stream for
 *   every point (so all points of one run see the same pairs).
 * Beside the estimates, the exact φ_m of the classes that have one: `linear` from the generalized
 * eigenproblem of (Σ_Δ, Σ) (closed-form moments, or the moments of `moment_pairs` sampled pairs:
 * exact for that sample), and `table` from the bottom of the graph's Laplacian spectrum. */
#include <cblas.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "specl/experiments.h"
#include "specl/theory.h"

/* A 64-bit seed of its own for one part of the procedure: the stream (seed, "<name>/<i>"). */
static uint64_t sub_seed_(uint64_t seed, const char *name, uint64_t i) {
    char buf[64];
    snprintf(buf, sizeof buf, "%s/%llu", name, (unsigned long long)i);
    specl_rng r;
    specl_rng_derive(&r, seed, buf);
    return specl_rng_u64(&r);
}

static double now_(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* ---- moments of a source over sampled pairs ---- */

/* Σ (d,d) = ½E[x₁x₁ᵀ + x₂x₂ᵀ] and Σ_Δ (d,d) = E[(x₁ − x₂)(x₁ − x₂)ᵀ] over n_pairs pairs from rng.
 * Two rank-n updates per chunk, of the sums s = x₁ + x₂ and the differences Δ = x₁ − x₂:
 * ssᵀ + ΔΔᵀ = 2(x₁x₁ᵀ + x₂x₂ᵀ), so Σ = E[ssᵀ + ΔΔᵀ]/4 — 2n rows per chunk instead of 3n for the
 * views and the differences separately (the products are ~75% of the time; the φ_m claims on
 * images need millions of pairs). Accumulated in double: whitening divides by Σ's smallest
 * eigenvalues, which single precision would not resolve. */
int specl_source_moments_mc(const specl_source *src, long n_pairs, specl_rng *rng, double *sigma, double *sigma_delta) {
    int d = src->d, chunk = 1024;
    if (n_pairs < 2) return specl_error(SPECL_EINVAL, "moments: %ld pairs, expected >= 2", n_pairs);
    specl_batch b;
    int st = specl_batch_alloc(&b, chunk, src);
    if (st) return st;
    double *x = malloc(sizeof(double) * (size_t)chunk * d * 2);   /* (2, chunk, d): sums, differences */
    if (!x) { specl_batch_free(&b); return specl_error(SPECL_ENOMEM, "moments: %d x %d chunk", chunk, d); }
    memset(sigma, 0, sizeof(double) * (size_t)d * d);
    memset(sigma_delta, 0, sizeof(double) * (size_t)d * d);
    for (long done = 0; done < n_pairs && !st;) {
        int n = (int)(n_pairs - done < chunk ? n_pairs - done : chunk);
        if ((st = specl_source_sample(src, n, rng, &b))) break;
        double *sm = x, *dl = x + (size_t)chunk * d;
        const float *x1 = b.x, *x2 = b.x + (size_t)n * d;
        for (size_t i = 0; i < (size_t)n * d; i++) {
            sm[i] = (double)x1[i] + x2[i];
            dl[i] = (double)x1[i] - x2[i];
        }
        cblas_dsyrk(CblasRowMajor, CblasLower, CblasTrans, d, n, 0.25, sm, d, 1.0, sigma, d);
        cblas_dsyrk(CblasRowMajor, CblasLower, CblasTrans, d, n, 1.0, dl, d, 1.0, sigma_delta, d);
        done += n;
    }
    for (int i = 0; i < d && !st; i++)
        for (int j = 0; j <= i; j++) {
            sigma[(size_t)i * d + j] = (sigma[(size_t)i * d + j] + 0.25 * sigma_delta[(size_t)i * d + j]) / (double)n_pairs;
            sigma_delta[(size_t)i * d + j] /= (double)n_pairs;
            sigma[(size_t)j * d + i] = sigma[(size_t)i * d + j];
            sigma_delta[(size_t)j * d + i] = sigma_delta[(size_t)i * d + j];
        }
    free(x);
    specl_batch_free(&b);
    return st;
}

/* ---- whitened alignment of a trained model ---- */

/* C = UΣUᵀ, D = UΣ_ΔUᵀ (k,k) of f = Ux from the moments sig, sd (d,d). */
static int align_linear_(specl_model *m, const double *sig, const double *sd, specl_align_acc *a) {
    int d = m->d, k = m->k;
    double *u = malloc(sizeof(double) * (size_t)k * d), *t = malloc(sizeof(double) * (size_t)k * d);
    int st = (!u || !t) ? specl_error(SPECL_ENOMEM, "alignment: %dx%d weights", k, d) : SPECL_OK;
    if (!st) {
        const float *w = specl_model_weight(m, 0);
        for (size_t i = 0; i < (size_t)k * d; i++) u[i] = w[i];
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, k, d, d, 1.0, u, d, sig, d, 0.0, t, d);
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, k, k, d, 1.0, t, d, u, d, 0.0, a->c, k);
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, k, d, d, 1.0, u, d, sd, d, 0.0, t, d);
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, k, k, d, 1.0, t, d, u, d, 0.0, a->d, k);
        a->weight = 1.0;
    }
    free(u); free(t);
    return st;
}

static int align_linear_exact_(specl_model *m, const specl_source *src, specl_align_acc *a) {
    int d = m->d;
    double *mean = malloc(sizeof(double) * d), *sig = malloc(sizeof(double) * (size_t)d * d);
    double *sd = malloc(sizeof(double) * (size_t)d * d);
    int st = (!mean || !sig || !sd) ? specl_error(SPECL_ENOMEM, "alignment: %dx%d moments", d, d) : SPECL_OK;
    if (!st) st = specl_source_moments(src, mean, sig, sd);
    if (!st) st = align_linear_(m, sig, sd, a);
    free(mean); free(sig); free(sd);
    return st;
}

/* Table rows are the graph's vertices: every stored entry (x, y) of the symmetric CSR is a pair of
 * weight W_xy / total, which gives D exactly and C = Σ_x (d_x / total) f_x f_xᵀ. */
static int align_table_exact_(specl_model *m, const specl_source *src, specl_align_acc *a) {
    specl_graph g;
    int st = specl_source_exact_graph(src, &g);
    if (st) return st;
    const float *t = specl_model_weight(m, 0);
    int k = m->k;
    for (int64_t x = 0; x < g.n; x++)
        for (int64_t e = g.rowptr[x]; e < g.rowptr[x + 1]; e++)
            specl_align_acc_add(a, 1, t + (size_t)x * k, t + (size_t)g.col[e] * k, g.val[e] / g.total);
    specl_graph_free(&g);
    return SPECL_OK;
}

static int align_mc_(specl_model *m, const specl_source *src, long n_pairs, uint64_t seed, specl_align_acc *a) {
    int chunk = m->max_n / 2 < 2048 ? m->max_n / 2 : 2048, k = m->k;
    if (chunk < 1) chunk = 1;
    specl_rng r;
    specl_rng_derive(&r, seed, "phim/eval");
    specl_batch b;
    int st = specl_batch_alloc(&b, chunk, src);
    float *f = st ? NULL : malloc(sizeof(float) * (size_t)2 * chunk * k);
    if (!st && !f) st = specl_error(SPECL_ENOMEM, "alignment: %d x %d embeddings", 2 * chunk, k);
    for (long done = 0; done < n_pairs && !st; done += chunk) {
        int n = (int)(n_pairs - done < chunk ? n_pairs - done : chunk);
        if ((st = specl_source_sample(src, n, &r, &b))) break;
        if ((st = specl_model_apply(m, 2 * (int64_t)n, b.x, b.view, f))) break;
        specl_align_acc_add(a, n, f, f + (size_t)n * k, 1.0);
    }
    free(f);
    specl_batch_free(&b);
    return st;
}

/* As specl_measure_phi; a linear model on a source without closed-form moments uses the sampled
 * moments sig, sd (d,d) when given (the sample the exact linear φ_m is computed on). */
static int measure_phi_(specl_model *m, const specl_source *src, long n_pairs, uint64_t seed, const double *sig,
                        const double *sd, double *phi, int *exact) {
    specl_align_acc a;
    int st = specl_align_acc_init(&a, m->k);
    if (st) return st;
    int ex = 1, lin = specl_model_is_affine(m) && !specl_model_bias(m, 0);
    if (lin && (specl_source_has_moments(src) || sig)) {
        st = specl_source_has_moments(src) ? align_linear_exact_(m, src, &a) : align_linear_(m, sig, sd, &a);
        ex = specl_source_has_moments(src);
        if (!st) st = specl_whitened_alignment(m->k, a.c, a.d, phi);
    } else {
        if (specl_model_is_table(m) && specl_source_has_graph(src)) st = align_table_exact_(m, src, &a);
        else { ex = 0; st = align_mc_(m, src, n_pairs, seed, &a); }
        if (!st) st = specl_align_acc_finish(&a, phi);
    }
    specl_align_acc_free(&a);
    if (exact) *exact = ex;
    return st;
}

int specl_measure_phi(specl_model *m, const specl_source *src, long n_pairs, uint64_t seed, double *phi, int *exact) {
    return measure_phi_(m, src, n_pairs, seed, NULL, NULL, phi, exact);
}

/* ---- the procedure ---- */

/* Σ, Σ_Δ (d,d) of src: the closed form where the source has one (*closed = 1), else the moments of
 * n_pairs pairs drawn from the stream (seed, stream). mean (d) is scratch. */
static int source_moments_(const specl_source *src, long n_pairs, uint64_t seed, const char *stream, double *mean,
                           double *sig, double *sd, int *closed) {
    *closed = specl_source_has_moments(src);
    if (*closed) return specl_source_moments(src, mean, sig, sd);
    specl_rng r;
    specl_rng_derive(&r, seed, stream);
    return specl_source_moments_mc(src, n_pairs, &r, sig, sd);
}

/* The linear class's training problem in whitened coordinates: W (d,d) = Σ^{−1/2} of the training
 * source (closed-form moments, or n_pairs sampled pairs from the stream (seed, "phim/train-moments");
 * directions with variance ≤ 1e−9·max are dropped, W = 0 there), and the moments of Wx:
 * ws = WΣW (≈ I) and wsd = WΣ_ΔW. All (d,d), malloc'd into lw. */
typedef struct linear_train_ { double *w, *ws, *wsd; } linear_train_;

static void linear_train_free_(linear_train_ *lw) { free(lw->w); free(lw->ws); free(lw->wsd); memset(lw, 0, sizeof *lw); }

static int linear_train_init_(const specl_phim_spec *s, linear_train_ *lw) {
    int d = s->train_src->d;
    size_t dd = (size_t)d * d;
    double *mean = malloc(sizeof(double) * d), *sig = malloc(sizeof(double) * dd), *sd = malloc(sizeof(double) * dd);
    double *vec = malloc(sizeof(double) * dd), *lam = malloc(sizeof(double) * d), *t = malloc(sizeof(double) * dd);
    lw->w = calloc(dd, sizeof(double)); lw->ws = malloc(sizeof(double) * dd); lw->wsd = malloc(sizeof(double) * dd);
    int st = (!mean || !sig || !sd || !vec || !lam || !t || !lw->w || !lw->ws || !lw->wsd)
             ? specl_error(SPECL_ENOMEM, "phim: %dx%d whitening", d, d) : SPECL_OK;
    int closed = 0;
    if (!st) st = source_moments_(s->train_src, s->moment_pairs, s->seed, "phim/train-moments", mean, sig, sd, &closed);
    if (!st) { memcpy(vec, sig, sizeof(double) * dd); st = specl_dsyev(d, vec, lam); }   /* vec <- eigenvectors (columns) */
    for (int j = 0; j < d && !st; j++) {
        if (!(lam[j] > 1e-9 * lam[d - 1])) continue;
        double f = 1.0 / sqrt(lam[j]);
        for (int a = 0; a < d; a++)
            for (int b = 0; b < d; b++) lw->w[(size_t)a * d + b] += f * vec[(size_t)a * d + j] * vec[(size_t)b * d + j];
    }
    if (!st) {   /* ws = WΣW, wsd = WΣ_ΔW (W symmetric) */
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, d, d, d, 1.0, lw->w, d, sig, d, 0.0, t, d);
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, d, d, d, 1.0, t, d, lw->w, d, 0.0, lw->ws, d);
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, d, d, d, 1.0, lw->w, d, sd, d, 0.0, t, d);
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, d, d, d, 1.0, t, d, lw->w, d, 0.0, lw->wsd, d);
    }
    free(mean); free(sig); free(sd); free(vec); free(lam); free(t);
    if (st) linear_train_free_(lw);
    return st;
}

/* Fold a linear model trained on W x back to x: U ← U'W (k,d). */
static void fold_(specl_model *m, const double *w) {
    int k = m->k, d = m->d;
    float *u = specl_model_weight(m, 0);
    double *row = malloc(sizeof(double) * d);
    if (!row) return;   /* unreachable in practice; the caller checks the result's finiteness */
    for (int i = 0; i < k; i++) {
        for (int b = 0; b < d; b++) {
            double acc = 0;
            for (int a = 0; a < d; a++) acc += (double)u[(size_t)i * d + a] * w[(size_t)a * d + b];
            row[b] = acc;
        }
        for (int b = 0; b < d; b++) u[(size_t)i * d + b] = (float)row[b];
    }
    free(row);
}

/* Classes with layers below the final projection (pretrained, and trained for nonlinear_steps). */
static int has_backbone_(const specl_model_spec *ms) {
    return strcmp(ms->cls, "linear") && strcmp(ms->cls, "affine") && strcmp(ms->cls, "table");
}

/* One point: the architecture at its k, initialized from (seed, "init"), the pretrained backbone
 * copied in, trained at λ on pairs of the training source from (seed, "data"); the linear class
 * (lw given) is trained full-batch on the moments of its whitened training sample, then folded back
 * (U = U'W), so *out is a model of x in both cases. */
static int train_point_(const specl_phim_spec *s, const specl_model_spec *ms, const specl_model *pre, double lambda,
                        uint64_t seed, const linear_train_ *lw, specl_model **out) {
    specl_train_spec ts, un = s->train;
    un.loss.lambda = lambda;
    int st = specl_train_resolve(&un, &ts);
    if (st) return st;
    int cap = 2 * ts.batch;
    if (!ms->h && cap < 8192) cap = 8192;   /* image models keep their activations at the batch size */
    if ((st = specl_model_create(ms, cap, out))) return st;
    specl_rng ri, rd;
    specl_rng_derive(&ri, seed, "init");
    specl_rng_derive(&rd, seed, "data");
    specl_model_init(*out, ms->init_scale, &ri);
    if (pre) st = specl_model_copy_backbone(*out, pre);
    if (!st) st = specl_model_constrain(*out);
    if (!st && s->nonlinear_steps > 0 && has_backbone_(ms)) {
        ts.steps = s->nonlinear_steps;
        if (ts.opt.warmup >= ts.steps) ts.opt.warmup = 0;
    }
    if (!st && lw) {
        ts.loss.kind = SPECL_LOSS_LAMBDA;
        if (s->linear_steps > 0) { ts.steps = s->linear_steps; ts.opt.warmup = 0; }
        if (s->linear_lr > 0) ts.opt.lr = s->linear_lr;
        st = specl_train_linear_moments(*out, lw->ws, lw->wsd, &ts, s->step_cb, s->step_ctx);
        if (!st) fold_(*out, lw->w);
        if (!st && !specl_all_finite((*out)->params, (*out)->n_params))
            st = specl_error(SPECL_ENUMERIC, "phim: the folded linear weights are not finite");
    } else if (!st) {
        st = specl_train(*out, s->train_src, &ts, &rd, s->step_cb, s->step_ctx);
    }
    if (st) { specl_model_free(*out); *out = NULL; }
    return st;
}

static int pretrain_(const specl_phim_spec *s, const specl_model_spec *arch, specl_model **pre) {
    *pre = NULL;
    if (s->pretrain_k < 1 || !has_backbone_(arch)) return SPECL_OK;   /* one-layer classes have no backbone to pretrain */
    specl_model_spec ms = *arch;
    ms.k = s->pretrain_k;
    specl_phim_spec p = *s;
    p.train = s->pretrain;
    return train_point_(&p, &ms, NULL, s->pretrain.loss.lambda, sub_seed_(s->seed, "phim/pretrain", 0), NULL, pre);
}

/* Exact φ_m of the linear class on the test source for every m ≤ d. Without closed-form moments,
 * the sampled moments are handed back in *sig_out, *sd_out (d,d) (caller frees) so that the
 * linear architecture's alignment is measured on the same sample. */
static int exact_linear_(const specl_phim_spec *s, specl_phim_result *r, double **sig_out, double **sd_out) {
    int d = s->test_src->d;
    double *mean = malloc(sizeof(double) * d), *sig = malloc(sizeof(double) * (size_t)d * d);
    double *sd = malloc(sizeof(double) * (size_t)d * d);
    int *ms = malloc(sizeof(int) * s->n_m), n = 0;
    int st = (!mean || !sig || !sd || !ms) ? specl_error(SPECL_ENOMEM, "phim: %dx%d moments", d, d) : SPECL_OK;
    if (!st) st = source_moments_(s->test_src, s->moment_pairs, s->seed, "phim/moments", mean, sig, sd, &r->linear_exact_closed);
    for (int i = 0; i < s->n_m; i++) if (s->ms[i] <= d) ms[n++] = s->ms[i];
    double *phi = malloc(sizeof(double) * (n ? n : 1));
    if (!st && !phi) st = SPECL_ENOMEM;
    if (!st && n) st = specl_phi_linear_moments(d, sig, sd, n, ms, phi);
    for (int i = 0, j = 0; i < s->n_m && !st; i++) r->linear_exact[i] = s->ms[i] <= d ? phi[j++] : NAN;
    if (!st && !r->linear_exact_closed) { *sig_out = sig; *sd_out = sd; sig = sd = NULL; }
    free(mean); free(sig); free(sd); free(ms); free(phi);
    return st;
}

static int exact_table_(const specl_phim_spec *s, specl_phim_result *r) {
    int mmax = 0;
    for (int i = 0; i < s->n_m; i++) if (s->ms[i] > mmax) mmax = s->ms[i];
    specl_graph g;
    int st = specl_source_exact_graph(s->test_src, &g);
    if (st) return st;
    if (mmax > g.n) mmax = (int)g.n;
    specl_spectrum sp = { 0 };
    st = specl_graph_spectrum(&g, mmax, SPECL_EIG_AUTO, 0, &sp);
    for (int i = 0; i < s->n_m && !st; i++) {
        r->table_exact[i] = NAN;
        if (s->ms[i] <= g.n) st = specl_phi_table(&sp, s->ms[i], &r->table_exact[i]);
    }
    specl_spectrum_free(&sp);
    specl_graph_free(&g);
    return st;
}

int specl_phim_result_alloc(specl_phim_result *r, int n_arch, int n_m, int n_lambda) {
    memset(r, 0, sizeof *r);
    r->n_arch = n_arch; r->n_m = n_m; r->n_lambda = n_lambda;
    size_t pts = (size_t)n_arch * n_m * n_lambda, best = (size_t)n_arch * n_m;
    r->phi = malloc(sizeof(double) * (pts ? pts : 1));
    r->seconds = malloc(sizeof(double) * (pts ? pts : 1));
    r->best = malloc(sizeof(double) * (best ? best : 1));
    r->best_lambda = malloc(sizeof(double) * (best ? best : 1));
    r->pretrain_seconds = malloc(sizeof(double) * (n_arch ? n_arch : 1));
    r->linear_exact = malloc(sizeof(double) * (n_m ? n_m : 1));
    r->table_exact = malloc(sizeof(double) * (n_m ? n_m : 1));
    r->exact = malloc(sizeof(int) * (n_arch ? n_arch : 1));
    if (!r->phi || !r->seconds || !r->best || !r->best_lambda || !r->pretrain_seconds || !r->linear_exact ||
        !r->table_exact || !r->exact) {
        specl_phim_result_free(r);
        return specl_error(SPECL_ENOMEM, "phim: results of %zu points", pts);
    }
    for (size_t i = 0; i < pts; i++) r->phi[i] = r->seconds[i] = NAN;
    for (size_t i = 0; i < best; i++) r->best[i] = r->best_lambda[i] = NAN;
    for (int i = 0; i < n_m; i++) r->linear_exact[i] = r->table_exact[i] = NAN;
    for (int i = 0; i < n_arch; i++) { r->pretrain_seconds[i] = 0; r->exact[i] = 0; }
    return SPECL_OK;
}

void specl_phim_result_free(specl_phim_result *r) {
    free(r->phi); free(r->seconds); free(r->best); free(r->best_lambda); free(r->pretrain_seconds);
    free(r->linear_exact); free(r->table_exact); free(r->exact);
    memset(r, 0, sizeof *r);
}

int specl_phim_check(const specl_phim_spec *s) {
    if (s->n_arch < 1) return specl_error(SPECL_EINVAL, "phim.archs: expected at least one architecture");
    if (s->n_m < 1) return specl_error(SPECL_EINVAL, "phim.ms: expected at least one m");
    if (s->n_lambda < 1) return specl_error(SPECL_EINVAL, "phim.lambdas: expected at least one lambda");
    for (int i = 0; i < s->n_m; i++)
        if (s->ms[i] < 1) return specl_error(SPECL_EINVAL, "phim.ms: m = %d, expected m >= 1", s->ms[i]);
    for (int i = 0; i < s->n_lambda; i++)
        if (!(s->lambdas[i] > 0) || !isfinite(s->lambdas[i]))
            return specl_error(SPECL_EINVAL, "phim.lambdas: lambda = %g, expected a finite lambda > 0", s->lambdas[i]);
    if (s->train_src->d != s->test_src->d)
        return specl_error(SPECL_EINVAL, "phim: train and test sources differ in dimension (%d, %d)", s->train_src->d, s->test_src->d);
    return SPECL_OK;
}

/* Points are independent runs, seeded by (arch, m, λ index) only, so they can be spread over
 * processes and come out the same. `point` (if set) selects which points this call runs:
 * point(arch, m index, λ index, ctx) != 0. */
int specl_phim_run(const specl_phim_spec *s, specl_phim_result *r) {
    int st = specl_phim_check(s);
    if (st) return st;
    if ((st = specl_phim_result_alloc(r, s->n_arch, s->n_m, s->n_lambda))) return st;
    double *msig = NULL, *msd = NULL;   /* sampled test moments, when the source has no closed form */
    if (s->exact_linear) st = exact_linear_(s, r, &msig, &msd);
    if (!st && s->exact_table && specl_source_has_graph(s->test_src)) st = exact_table_(s, r);
    linear_train_ lw = { 0 };   /* the linear class's whitened training moments */
    for (int a = 0; a < s->n_arch && !st && !lw.w; a++)
        if (s->linear_moments && !strcmp(s->arch[a].cls, "linear")) st = linear_train_init_(s, &lw);
    for (int a = 0; a < s->n_arch && !st; a++) {
        specl_model *pre = NULL;
        double t0 = now_();
        st = pretrain_(s, &s->arch[a], &pre);
        r->pretrain_seconds[a] = now_() - t0;
        r->exact[a] = 1;
        for (int i = 0; i < s->n_m && !st; i++) {
            specl_model_spec ms = s->arch[a];
            ms.k = s->ms[i];
            for (int j = 0; j < s->n_lambda && !st; j++) {
                size_t p = ((size_t)a * s->n_m + i) * s->n_lambda + j;
                if (s->point && !s->point(a, i, j, s->point_ctx)) continue;
                specl_model *m = NULL;
                double t1 = now_(), phi = NAN;
                uint64_t seed = sub_seed_(s->seed, "phim/point", (uint64_t)p);
                st = train_point_(s, &ms, pre, s->lambdas[j], seed, lw.w && !strcmp(ms.cls, "linear") ? &lw : NULL, &m);
                int ex = 0;
                if (!st) {
                    st = measure_phi_(m, s->test_src, s->eval_pairs, s->seed, msig, msd, &phi, &ex);
                    if (st == SPECL_ELINALG) { st = SPECL_OK; phi = NAN; }   /* singular: skipped */
                    if (!ex) r->exact[a] = 0;
                }
                specl_model_free(m);
                r->phi[p] = phi;
                r->seconds[p] = now_() - t1;
                if (!st && s->point_cb) st = s->point_cb(a, i, j, phi, s->point_ctx);
            }
        }
        specl_model_free(pre);
    }
    free(msig); free(msd);
    linear_train_free_(&lw);
    if (!st) specl_phim_reduce(r, s->lambdas);
    return st;
}

void specl_phim_reduce(specl_phim_result *r, const double *lambdas) {
    for (int a = 0; a < r->n_arch; a++)
        for (int i = 0; i < r->n_m; i++) {
            size_t b = (size_t)a * r->n_m + i;
            r->best[b] = r->best_lambda[b] = NAN;
            for (int j = 0; j < r->n_lambda; j++) {
                double v = r->phi[b * r->n_lambda + j];
                if (isfinite(v) && !(v >= r->best[b])) { r->best[b] = v; r->best_lambda[b] = lambdas[j]; }
            }
        }
}
