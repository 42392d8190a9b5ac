/* Multinomial logistic-regression probe: exact, reproducible "linear evaluation".
 *
 * Objective. With x_i = (f_i, 1) (bias column optional, never penalized) and W (C, p), p = k + bias,
 *     J(W) = (1/n) Σ_i [ lse_c(W_c·x_i) − W_{y_i}·x_i ]  +  l2 · Σ_c Σ_{j<k} W_cj²,
 * the MEAN cross-entropy plus a ridge penalty (the convention of specl_probe: the penalty means the
 * same whatever n is). Gradient (1/n) Σ_i (π_i − e_{y_i}) ⊗ x_i + 2 l2 W, Hessian
 * (1/n) Σ_i (diag π_i − π_i π_iᵀ) ⊗ x_i x_iᵀ + 2 l2 I on the weights, π_i = softmax(W x_i);
 * logits go through log-sum-exp (max subtracted), everything is float64.
 *
 * Gauge. Adding one vector v to every class row leaves the softmax unchanged, so J is flat along
 * 1_C ⊗ e_j for every unpenalized column j (the bias; all columns when l2 = 0): the Hessian is
 * singular there and the optimum is a line. The gradient has zero class-sum in those columns, so
 * starting from W = 0 and centering every search direction over the classes in those columns keeps
 * W on the canonical representative (class sums 0, the minimum-norm one); both solvers therefore
 * return the same W. For Newton, the Hessian is made definite by adding μ·Π (Π the projector on
 * those flat directions, μ the mean Hessian diagonal): this changes nothing on the centered
 * gradient, unlike a tiny diagonal shift, which would amplify the rounding of the gradient along
 * the flat direction by 1/shift. If Cholesky still fails (l2 = 0 on separable or rank-deficient
 * features) a diagonal jitter 1e-12·μ, growing ×100, is added.
 *
 * Solvers. Newton with the exact Hessian (LAPACKE dposv) when C·p ≤ SPECL_LOGISTIC_NEWTON_MAX:
 * quadratic convergence, typically 4-10 iterations, but each forms the Hessian in n (C p)² / 2
 * multiply-adds (cblas_dgemm, one block row per class and pass of rows; e.g. ~2.5 s per iteration
 * for n = 50000, C p = 1290 on two cores) plus a (C p)³ / 3 Cholesky. Above the threshold, L-BFGS
 * with memory 10 (two-loop recursion, initial scaling sᵀy/yᵀy, pairs with sᵀy ≤ 0 skipped,
 * restart from steepest descent when the direction is not a descent direction), O(n C p) per
 * iteration. Both use Armijo backtracking (c = 1e-4, halving) on J with a slack of 1e-12·(1 + J):
 * near the optimum the decrease of J falls below its rounding error while the gradient can still
 * be reduced, and a strict test would stop there. Stop at ‖∇J‖ ≤ tol·‖∇J(0)‖, max_iter, or a
 * failed line search.
 *
 * Determinism. Rows are cut into fixed chunks of LR_CHUNK rows whose partial loss and gradient
 * are computed in parallel (OpenMP over chunks of rows) into their own buffers and added serially
 * in chunk order, so J and ∇J, and hence the whole L-BFGS path, are bit-identical for any number
 * of OpenMP threads. The Newton path also goes through OpenBLAS (dgemm for the Hessian, dposv),
 * which is deterministic for a fixed BLAS thread count but not across BLAS thread counts (its
 * results differ in the last bits with OPENBLAS_NUM_THREADS): Newton fits are bit-identical for a
 * fixed thread configuration. Eval is computed per row in parallel and summed serially in row order.
 */
#include <cblas.h>
#include <lapacke.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "specl/eval.h"

#define LR_CHUNK 256             /* rows per partial sum (fixed: the summation order) */
#define LR_GROUP 64              /* chunks computed in parallel before their serial reduction, */
#define LR_PART_MAX (1 << 22)    /* ... fewer if their buffers would exceed this many doubles */
#define LR_HBUF (1 << 22)        /* doubles of scaled rows per Hessian pass (64..1024 rows) */
#define LR_MEM 10                /* L-BFGS memory */
#define LR_ARMIJO 1e-4           /* sufficient-decrease constant */
#define LR_SLACK 1e-12           /* relative slack on J in the Armijo test (rounding of J) */
#define LR_HALVINGS 60           /* backtracking steps before the line search gives up */
#define LR_EVAL_BLOCK 4096       /* rows per parallel block in eval */

typedef struct lr_ctx {
    int64_t n;
    int k, c, bias, p;           /* features, classes, bias flag, p = k + bias */
    size_t np;                   /* parameters c·p */
    const float *f;
    const int32_t *y;
    double l2;
    int group;                   /* chunks per parallel group (does not change any sum) */
    double *part;                /* (group, 1 + np + c) chunk loss, gradient, logit scratch */
} lr_ctx;

/* ---- validation ---- */

static int lr_check_data_(const char *fn, int64_t n, int k, const float *f, const int32_t *y,
                          int classes) {
    if (n < 1) return specl_error(SPECL_EINVAL, "%s: n = %lld rows (need >= 1)", fn, (long long)n);
    if (k < 1) return specl_error(SPECL_EINVAL, "%s: k = %d features (need >= 1)", fn, k);
    if (classes < 2) return specl_error(SPECL_EINVAL, "%s: classes = %d (need >= 2)", fn, classes);
    if (!f || !y) return specl_error(SPECL_EINVAL, "%s: %s is NULL", fn, f ? "y" : "f");
    for (int64_t i = 0; i < n; i++)
        if (y[i] < 0 || y[i] >= classes)
            return specl_error(SPECL_EINVAL, "%s: y[row %lld] = %d (need 0 <= label < classes = %d)",
                               fn, (long long)i, (int)y[i], classes);
    for (int64_t i = 0; i < n; i++)
        for (int j = 0; j < k; j++)
            if (!isfinite(f[i * k + j]))
                return specl_error(SPECL_ENUMERIC, "%s: f[row %lld, column %d] = %g is not finite",
                                   fn, (long long)i, j, (double)f[i * k + j]);
    return SPECL_OK;
}

/* Resolve defaults (NULL opts, max_iter = 0, tol = 0) and check the options. */
static int lr_check_opts_(const specl_logistic_opts *in, specl_logistic_opts *o) {
    static const char fn[] = "logistic_fit";
    *o = in ? *in : specl_logistic_defaults();
    if (!isfinite(o->l2) || o->l2 < 0)
        return specl_error(SPECL_EINVAL, "%s: l2 = %g (need finite and >= 0)", fn, o->l2);
    if (o->bias != 0 && o->bias != 1)
        return specl_error(SPECL_EINVAL, "%s: bias = %d (need 0 or 1)", fn, o->bias);
    if (o->max_iter < 0)
        return specl_error(SPECL_EINVAL, "%s: max_iter = %d (need >= 0; 0 = default 200)", fn,
                           o->max_iter);
    if (!isfinite(o->tol) || o->tol < 0)
        return specl_error(SPECL_EINVAL, "%s: tol = %g (need finite and >= 0; 0 = default 1e-8)",
                           fn, o->tol);
    if (o->solver < SPECL_LOGISTIC_AUTO || o->solver > SPECL_LOGISTIC_LBFGS)
        return specl_error(SPECL_EINVAL, "%s: solver = %d (need 0 auto, 1 Newton or 2 L-BFGS)",
                           fn, o->solver);
    if (o->max_iter == 0) o->max_iter = 200;
    if (o->tol == 0) o->tol = 1e-8;
    return SPECL_OK;
}

/* ---- objective, gradient, Hessian ---- */

/* Logits z (c) of one row and their log-sum-exp. */
static double lr_logits_(const double *w, int k, int c, int bias, const float *fi, double *z) {
    int p = k + bias;
    double mx = -INFINITY, s = 0;
    for (int q = 0; q < c; q++) {
        const double *wq = w + (size_t)q * p;
        double v = bias ? wq[k] : 0;
        for (int j = 0; j < k; j++) v += wq[j] * fi[j];
        z[q] = v;
        if (v > mx) mx = v;
    }
    for (int q = 0; q < c; q++) s += exp(z[q] - mx);
    return mx + log(s);
}

/* Loss sum into acc[0] and, if grad, gradient sum into acc[1..np] over rows [i0, i1). */
static void lr_chunk_(const lr_ctx *x, const double *w, int64_t i0, int64_t i1, int grad,
                      double *acc) {
    int k = x->k, p = x->p;
    double *g = acc + 1, *z = acc + 1 + x->np, loss = 0;
    if (grad) memset(g, 0, sizeof(double) * x->np);
    for (int64_t i = i0; i < i1; i++) {
        const float *fi = x->f + i * k;
        double lse = lr_logits_(w, k, x->c, x->bias, fi, z);
        loss += lse - z[x->y[i]];
        if (!grad) continue;
        for (int q = 0; q < x->c; q++) {
            double r = exp(z[q] - lse) - (q == x->y[i]), *gq = g + (size_t)q * p;
            for (int j = 0; j < k; j++) gq[j] += r * fi[j];
            if (x->bias) gq[k] += r;
        }
    }
    acc[0] = loss;
}

/* Center the unpenalized columns of v (c, p) over the classes (the gauge, see the top). */
static void lr_center_(const lr_ctx *x, double *v) {
    int j0 = x->l2 > 0 ? x->k : 0;
    for (int j = j0; j < x->p; j++) {
        double m = 0;
        for (int q = 0; q < x->c; q++) m += v[(size_t)q * x->p + j];
        m /= x->c;
        for (int q = 0; q < x->c; q++) v[(size_t)q * x->p + j] -= m;
    }
}

/* J(w) and, if g is not NULL, ∇J(w) (centered in the unpenalized columns). */
static void lr_objective_(const lr_ctx *x, const double *w, double *J, double *g) {
    int64_t nchunk = (x->n + LR_CHUNK - 1) / LR_CHUNK;
    size_t stride = 1 + x->np + (size_t)x->c;
    double loss = 0;
    if (g) memset(g, 0, sizeof(double) * x->np);
    for (int64_t c0 = 0; c0 < nchunk; c0 += x->group) {
        int m = nchunk - c0 < x->group ? (int)(nchunk - c0) : x->group;
        #pragma omp parallel for schedule(static)
        for (int q = 0; q < m; q++) {
            int64_t i0 = (c0 + q) * LR_CHUNK, i1 = i0 + LR_CHUNK < x->n ? i0 + LR_CHUNK : x->n;
            lr_chunk_(x, w, i0, i1, g != NULL, x->part + (size_t)q * stride);
        }
        for (int q = 0; q < m; q++) {                   /* serial, in chunk order */
            const double *a = x->part + (size_t)q * stride;
            loss += a[0];
            if (g) for (size_t t = 0; t < x->np; t++) g[t] += a[1 + t];
        }
    }
    double inv_n = 1.0 / (double)x->n, pen = 0;
    for (int q = 0; q < x->c; q++)
        for (int j = 0; j < x->k; j++) {
            double v = w[(size_t)q * x->p + j];
            pen += v * v;
            if (g) g[(size_t)q * x->p + j] = g[(size_t)q * x->p + j] * inv_n + 2 * x->l2 * v;
        }
    if (g && x->bias)
        for (int q = 0; q < x->c; q++) g[(size_t)q * x->p + x->k] *= inv_n;
    if (g) lr_center_(x, g);
    *J = loss * inv_n + x->l2 * pen;
}

/* Hessian scratch: rows per pass and buffers for one pass. */
typedef struct lr_hbuf {
    int rows;                    /* rows per pass: fixed by the problem size (the summation order) */
    double *prob;                /* (rows, c) softmax probabilities */
    double *xc;                  /* (rows, p) float64 rows x_i = (f_i, 1) */
    double *sc;                  /* (rows, np) scaled rows s_i,c1c2 x_i for the block row c1 */
    double *diag;                /* (np) saved Hessian diagonal (lr_newton_dir_) */
} lr_hbuf;

/* Probabilities and float64 rows of rows [i0, i0 + m). */
static void lr_hess_rows_(const lr_ctx *x, const double *w, int64_t i0, int m, lr_hbuf *hb) {
    int k = x->k, p = x->p, c = x->c;
    for (int r = 0; r < m; r++) {
        const float *fi = x->f + (i0 + r) * k;
        double *z = hb->prob + (size_t)r * c, *xr = hb->xc + (size_t)r * p;
        double lse = lr_logits_(w, k, c, x->bias, fi, z);
        for (int q = 0; q < c; q++) z[q] = exp(z[q] - lse);
        for (int j = 0; j < k; j++) xr[j] = fi[j];
        if (x->bias) xr[k] = 1;
    }
}

/* Unscaled CE Hessian Σ_i (diag π_i − π_i π_iᵀ) ⊗ x_i x_iᵀ into h (np, np). Per pass of rows and
 * per class c1, one dgemm adds X_passᵀ S to the block row (c1, c2 ≥ c1), S[r, c2] =
 * π_c1 (δ_c1c2 − π_c2) x_r: no cancellation (diag π − ππᵀ is never formed as a difference of
 * two sums). The upper triangle is then copied to the lower so h is exactly symmetric. */
static void lr_hess_ce_(const lr_ctx *x, const double *w, double *h, lr_hbuf *hb) {
    int p = x->p, c = x->c;
    size_t np = x->np;
    memset(h, 0, sizeof(double) * np * np);
    for (int64_t i0 = 0; i0 < x->n; i0 += hb->rows) {
        int m = x->n - i0 < hb->rows ? (int)(x->n - i0) : hb->rows;
        lr_hess_rows_(x, w, i0, m, hb);
        for (int c1 = 0; c1 < c; c1++) {
            int wd = (c - c1) * p;                       /* columns of the block row */
            for (int r = 0; r < m; r++) {
                const double *pr = hb->prob + (size_t)r * c, *xr = hb->xc + (size_t)r * p;
                double *sr = hb->sc + (size_t)r * wd;
                for (int c2 = c1; c2 < c; c2++) {
                    double sv = pr[c1] * ((c2 == c1) - pr[c2]);
                    for (int b = 0; b < p; b++) sr[(c2 - c1) * p + b] = sv * xr[b];
                }
            }
            cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, p, wd, m, 1.0, hb->xc, p,
                        hb->sc, wd, 1.0, h + (size_t)c1 * p * np + (size_t)c1 * p, (int)np);
        }
    }
    for (size_t r = 0; r < np; r++)
        for (size_t t = r + 1; t < np; t++) h[t * np + r] = h[r * np + t];
}

/* Full Hessian of J plus μΠ on the flat directions; *mu receives μ (mean diagonal). */
static void lr_hessian_(const lr_ctx *x, const double *w, double *h, lr_hbuf *hb, double *mu) {
    int p = x->p, c = x->c;
    size_t np = x->np;
    lr_hess_ce_(x, w, h, hb);
    double inv_n = 1.0 / (double)x->n, tr = 0;
    for (size_t t = 0; t < np * np; t++) h[t] *= inv_n;
    for (int q = 0; q < c; q++)
        for (int j = 0; j < x->k; j++) h[((size_t)q * p + j) * (np + 1)] += 2 * x->l2;
    for (size_t t = 0; t < np; t++) tr += h[t * (np + 1)];
    *mu = tr > 0 ? tr / (double)np : 1.0;
    for (int j = x->l2 > 0 ? x->k : 0; j < p; j++)
        for (int c1 = 0; c1 < c; c1++)
            for (int c2 = 0; c2 < c; c2++) h[((size_t)c1 * p + j) * np + (size_t)c2 * p + j] += *mu / c;
}

/* ---- line search and solvers ---- */

static double lr_dot_(const double *a, const double *b, size_t n) {
    double s = 0;
    for (size_t t = 0; t < n; t++) s += a[t] * b[t];
    return s;
}

/* Armijo backtracking from w along d (gd = ∇J·d < 0) starting at step t0: on success wt, *Jt, gt
 * hold the accepted point, *step the step, and 1 is returned; 0 if no step was accepted. */
static int lr_search_(const lr_ctx *x, const double *w, double J, const double *d, double gd,
                      double t0, double *wt, double *Jt, double *gt, double *step) {
    double t = t0, slack = LR_SLACK * (1 + fabs(J));
    for (int h = 0; h <= LR_HALVINGS; h++, t *= 0.5) {
        for (size_t s = 0; s < x->np; s++) wt[s] = w[s] + t * d[s];
        lr_objective_(x, wt, Jt, gt);
        if (isfinite(*Jt) && *Jt <= J + LR_ARMIJO * t * gd + slack) { *step = t; return 1; }
    }
    return 0;
}

/* Solve (H) d = −g by Cholesky (column-major lower = row-major upper of the symmetric h); on
 * failure restore h from its untouched triangle and retry with a growing diagonal jitter. */
static int lr_newton_dir_(const lr_ctx *x, double *h, double *diag, double mu, const double *g,
                          double *d) {
    size_t np = x->np;
    for (size_t t = 0; t < np; t++) diag[t] = h[t * (np + 1)];
    double jitter = 0;
    for (int attempt = 0; attempt < 6; attempt++) {
        for (size_t t = 0; t < np; t++) d[t] = -g[t];
        lapack_int info = LAPACKE_dposv(LAPACK_COL_MAJOR, 'L', (lapack_int)np, 1, h,
                                        (lapack_int)np, d, (lapack_int)np);
        if (info == 0) { lr_center_(x, d); return SPECL_OK; }
        if (info < 0) break;
        jitter = jitter == 0 ? 1e-12 * mu : jitter * 100;
        for (size_t r = 0; r < np; r++) {                 /* lower (col-major) := upper */
            for (size_t s = r + 1; s < np; s++) h[r * np + s] = h[s * np + r];
            h[r * (np + 1)] = diag[r] + jitter;
        }
    }
    return specl_error(SPECL_ELINALG, "logistic_fit: the %zux%zu Newton system is not positive "
                       "definite even with a diagonal jitter %g", np, np, jitter);
}

typedef struct lr_state {
    double *w, *g, *d, *wt, *gt;   /* (np) each */
    double J, g0, gn;              /* objective, initial and current gradient norms */
    int iters, converged;
} lr_state;

/* Accept the line-search point: swap w ↔ wt, g ↔ gt. */
static void lr_accept_(lr_state *s, double Jt) {
    double *t = s->w; s->w = s->wt; s->wt = t;
    t = s->g; s->g = s->gt; s->gt = t;
    s->J = Jt;
    s->iters++;
}

static void lr_hbuf_free_(lr_hbuf *hb) {
    free(hb->prob); free(hb->xc); free(hb->sc); free(hb->diag);
}

static int lr_newton_(const lr_ctx *x, int max_iter, double tol, lr_state *s) {
    size_t np = x->np;
    lr_hbuf hb = {.rows = (int)(LR_HBUF / np < 64 ? 64 : LR_HBUF / np > 1024 ? 1024 : LR_HBUF / np)};
    double *h = malloc(sizeof(double) * np * np);
    hb.prob = malloc(sizeof(double) * (size_t)hb.rows * x->c);
    hb.xc = malloc(sizeof(double) * (size_t)hb.rows * x->p);
    hb.sc = malloc(sizeof(double) * (size_t)hb.rows * np);
    hb.diag = malloc(sizeof(double) * np);
    int st = SPECL_OK;
    if (!h || !hb.prob || !hb.xc || !hb.sc || !hb.diag)
        st = specl_error(SPECL_ENOMEM, "logistic_fit: cannot allocate the %zux%zu Hessian", np, np);
    while (!st && s->iters < max_iter && !(s->converged = s->gn <= tol * s->g0)) {
        double mu, Jt, step;
        lr_hessian_(x, s->w, h, &hb, &mu);
        st = lr_newton_dir_(x, h, hb.diag, mu, s->g, s->d);
        double gd = st ? 0 : lr_dot_(s->g, s->d, np);
        if (st || !(gd < 0) || !lr_search_(x, s->w, s->J, s->d, gd, 1.0, s->wt, &Jt, s->gt, &step))
            break;
        lr_accept_(s, Jt);
        s->gn = sqrt(lr_dot_(s->g, s->g, np));
    }
    if (!st && !s->converged) s->converged = s->gn <= tol * s->g0;
    free(h);
    lr_hbuf_free_(&hb);
    return st;
}

/* L-BFGS two-loop recursion: d = −H_k g from the m stored pairs (oldest first at index head). */
static void lr_two_loop_(const lr_ctx *x, const double *S, const double *Y, const double *rho,
                         int m, int head, const double *g, double *alpha, double *d) {
    size_t np = x->np;
    for (size_t t = 0; t < np; t++) d[t] = -g[t];
    for (int r = m - 1; r >= 0; r--) {
        int i = (head + r) % LR_MEM;
        alpha[i] = rho[i] * lr_dot_(S + (size_t)i * np, d, np);
        for (size_t t = 0; t < np; t++) d[t] -= alpha[i] * Y[(size_t)i * np + t];
    }
    if (m > 0) {
        int i = (head + m - 1) % LR_MEM;
        double yy = lr_dot_(Y + (size_t)i * np, Y + (size_t)i * np, np);
        double gamma = 1.0 / (rho[i] * yy);
        for (size_t t = 0; t < np; t++) d[t] *= gamma;
    }
    for (int r = 0; r < m; r++) {
        int i = (head + r) % LR_MEM;
        double beta = rho[i] * lr_dot_(Y + (size_t)i * np, d, np);
        for (size_t t = 0; t < np; t++) d[t] += (alpha[i] - beta) * S[(size_t)i * np + t];
    }
    lr_center_(x, d);
}

/* Store the pair (s, y) = (w_new − w_old, g_new − g_old) (after lr_accept_: w, g are new and
 * wt, gt old), overwriting the oldest when full; pairs without positive curvature are skipped. */
static void lr_push_(const lr_state *s, size_t np, double *S, double *Y, double *rho, int *m,
                     int *head) {
    double sy = 0, ss = 0, yy = 0;
    for (size_t t = 0; t < np; t++) {
        double a = s->w[t] - s->wt[t], b = s->g[t] - s->gt[t];
        sy += a * b; ss += a * a; yy += b * b;
    }
    if (!(sy > 1e-300) || !(sy > 1e-14 * sqrt(ss * yy))) return;
    int i = *m < LR_MEM ? (*head + *m) % LR_MEM : *head;
    double *si = S + (size_t)i * np, *yi = Y + (size_t)i * np;
    for (size_t t = 0; t < np; t++) { si[t] = s->w[t] - s->wt[t]; yi[t] = s->g[t] - s->gt[t]; }
    rho[i] = 1.0 / sy;
    if (*m < LR_MEM) (*m)++;
    else *head = (*head + 1) % LR_MEM;
}

static int lr_lbfgs_(const lr_ctx *x, int max_iter, double tol, lr_state *s) {
    size_t np = x->np;
    double *S = malloc(sizeof(double) * np * LR_MEM), *Y = malloc(sizeof(double) * np * LR_MEM);
    double rho[LR_MEM], alpha[LR_MEM];
    int m = 0, head = 0;
    if (!S || !Y) {
        free(S); free(Y);
        return specl_error(SPECL_ENOMEM, "logistic_fit: cannot allocate the L-BFGS memory (%zu "
                           "parameters)", np);
    }
    while (s->iters < max_iter && !(s->converged = s->gn <= tol * s->g0)) {
        double Jt, step, t0 = 1.0;
        lr_two_loop_(x, S, Y, rho, m, head, s->g, alpha, s->d);
        double gd = lr_dot_(s->g, s->d, np);
        if (!(gd < 0) || m == 0) {                       /* (re)start: scaled steepest descent */
            m = head = 0;
            for (size_t t = 0; t < np; t++) s->d[t] = -s->g[t];
            gd = -s->gn * s->gn;
            t0 = s->gn > 1 ? 1.0 / s->gn : 1.0;
        }
        if (!lr_search_(x, s->w, s->J, s->d, gd, t0, s->wt, &Jt, s->gt, &step)) {
            if (m == 0) break;
            m = head = 0;                                 /* retry once from steepest descent */
            continue;
        }
        lr_accept_(s, Jt);
        s->gn = sqrt(lr_dot_(s->g, s->g, np));
        lr_push_(s, np, S, Y, rho, &m, &head);
    }
    if (!s->converged) s->converged = s->gn <= tol * s->g0;
    free(S); free(Y);
    return SPECL_OK;
}

/* ---- public API ---- */

specl_logistic_opts specl_logistic_defaults(void) {
    return (specl_logistic_opts){.l2 = 1e-4, .bias = 1, .max_iter = 200, .tol = 1e-8,
                                 .solver = SPECL_LOGISTIC_AUTO};
}

/* Pick the solver and check the problem size. */
static int lr_solver_(const specl_logistic_opts *o, int64_t np, int *solver) {
    static const char fn[] = "logistic_fit";
    if (np > ((int64_t)1 << 31) / (2 * LR_MEM + 8))
        return specl_error(SPECL_EINVAL, "%s: %lld parameters is too many", fn, (long long)np);
    *solver = o->solver != SPECL_LOGISTIC_AUTO ? o->solver
            : np <= SPECL_LOGISTIC_NEWTON_MAX ? SPECL_LOGISTIC_NEWTON : SPECL_LOGISTIC_LBFGS;
    if (*solver == SPECL_LOGISTIC_NEWTON && np > SPECL_LOGISTIC_NEWTON_HARD_MAX)
        return specl_error(SPECL_EINVAL, "%s: Newton forced on %lld parameters (at most %d: the "
                           "Hessian is P x P)", fn, (long long)np, SPECL_LOGISTIC_NEWTON_HARD_MAX);
    return SPECL_OK;
}

static int lr_run_(const lr_ctx *x, const specl_logistic_opts *o, int solver, lr_state *s) {
    size_t np = x->np;
    s->w = calloc(np, sizeof(double));
    s->g = malloc(sizeof(double) * np); s->d = malloc(sizeof(double) * np);
    s->wt = malloc(sizeof(double) * np); s->gt = malloc(sizeof(double) * np);
    if (!s->w || !s->g || !s->d || !s->wt || !s->gt)
        return specl_error(SPECL_ENOMEM, "logistic_fit: cannot allocate %zu parameters", np);
    lr_objective_(x, s->w, &s->J, s->g);
    s->g0 = s->gn = sqrt(lr_dot_(s->g, s->g, np));
    if (s->g0 == 0) { s->converged = 1; return SPECL_OK; }
    return solver == SPECL_LOGISTIC_NEWTON ? lr_newton_(x, o->max_iter, o->tol, s)
                                           : lr_lbfgs_(x, o->max_iter, o->tol, s);
}

int specl_logistic_fit(const specl_logistic_opts *opts, int64_t n, int k, const float *f,
                       const int32_t *y, int classes, specl_logistic *out) {
    static const char fn[] = "logistic_fit";
    if (!out) return specl_error(SPECL_EINVAL, "%s: output model is NULL", fn);
    memset(out, 0, sizeof *out);
    specl_logistic_opts o;
    int solver, st = lr_check_opts_(opts, &o);
    if (!st) st = lr_check_data_(fn, n, k, f, y, classes);
    if (!st) st = lr_solver_(&o, (int64_t)classes * ((int64_t)k + o.bias), &solver);
    if (st) return st;
    lr_ctx x = {.n = n, .k = k, .c = classes, .bias = o.bias, .p = k + o.bias,
                .np = (size_t)classes * (size_t)(k + o.bias), .f = f, .y = y, .l2 = o.l2};
    lr_state s = {0};
    size_t stride = 1 + x.np + (size_t)classes;
    x.group = stride * LR_GROUP <= LR_PART_MAX ? LR_GROUP
            : stride >= LR_PART_MAX ? 1 : (int)(LR_PART_MAX / stride);
    x.part = malloc(sizeof(double) * stride * (size_t)x.group);
    st = x.part ? lr_run_(&x, &o, solver, &s)
                : specl_error(SPECL_ENOMEM, "%s: cannot allocate %zu-parameter partial sums", fn, x.np);
    if (!st && !(isfinite(s.J) && isfinite(s.gn)))
        st = specl_error(SPECL_ENUMERIC, "%s: objective %g or gradient norm %g is not finite",
                         fn, s.J, s.gn);
    free(x.part); free(s.g); free(s.d); free(s.wt); free(s.gt);
    if (st) { free(s.w); return st; }
    *out = (specl_logistic){.k = k, .classes = classes, .bias = o.bias, .w = s.w, .iters = s.iters,
                            .final_grad = s.gn, .converged = s.converged, .solver = solver};
    return SPECL_OK;
}

void specl_logistic_free(specl_logistic *p) {
    if (!p) return;
    free(p->w);
    p->w = NULL;
}

/* Negative log-likelihood and hit of one row; z scratch (classes). */
static void lr_eval_row_(const specl_logistic *p, const float *fi, int32_t yi, double *z,
                         double *nll, unsigned char *hit) {
    double lse = lr_logits_(p->w, p->k, p->classes, p->bias, fi, z);
    int best = 0;
    for (int q = 1; q < p->classes; q++) if (z[q] > z[best]) best = q;
    *nll = lse - z[yi];
    *hit = best == yi;
}

int specl_logistic_eval(const specl_logistic *p, int64_t n, const float *f, const int32_t *y,
                        double *accuracy, double *mean_nll) {
    static const char fn[] = "logistic_eval";
    if (!p || !p->w) return specl_error(SPECL_EINVAL, "%s: model is NULL or not fitted", fn);
    if (p->bias != 0 && p->bias != 1)
        return specl_error(SPECL_EINVAL, "%s: model bias = %d (need 0 or 1)", fn, p->bias);
    int st = lr_check_data_(fn, n, p->k, f, y, p->classes);
    if (st) return st;
    int64_t blk = n < LR_EVAL_BLOCK ? n : LR_EVAL_BLOCK;
    double *nll = malloc(sizeof(double) * (size_t)blk);                 /* (blk) per row */
    double *z = malloc(sizeof(double) * (size_t)blk * p->classes);      /* (blk, classes) logits */
    unsigned char *hit = malloc((size_t)blk);                            /* (blk) per row */
    if (!nll || !z || !hit) {
        free(nll); free(z); free(hit);
        return specl_error(SPECL_ENOMEM, "%s: cannot allocate %lld-row buffers", fn, (long long)blk);
    }
    double snll = 0;
    int64_t hits = 0;
    for (int64_t i0 = 0; i0 < n; i0 += blk) {
        int64_t m = n - i0 < blk ? n - i0 : blk;
        #pragma omp parallel for schedule(static)
        for (int64_t r = 0; r < m; r++)
            lr_eval_row_(p, f + (i0 + r) * p->k, y[i0 + r], z + r * p->classes, &nll[r], &hit[r]);
        for (int64_t r = 0; r < m; r++) { snll += nll[r]; hits += hit[r]; }   /* serial */
    }
    free(nll); free(z); free(hit);
    if (accuracy) *accuracy = (double)hits / (double)n;
    if (mean_nll) *mean_nll = snll / (double)n;
    return SPECL_OK;
}
