/* Linear probe: the paper's evaluation metric E‖W f(x) − y(x)‖² of the least-squares head.
 *
 * Fit (float64). With p = k + bias columns, the probe solves for the minimum-norm X (p, t) of
 *     min_X ‖A X − B‖²_F,   A = [ √w_i (f_i, 1) ; √(ridge·n) [I_k 0] ],   B = [ √w_i y_i ; 0 ]
 * and stores W = Xᵀ (t, p). Weights are rescaled so that Σ w_i = n, hence the objective is
 *     n · ( Σ w_i ‖W [f_i;1] − y_i‖² / Σ w_i  +  ridge · ‖W_{:,1..k}‖²_F ),
 * i.e. ridge penalizes ‖W‖² against the weighted MEAN loss; it means the same with or without
 * weights, and integer weights give exactly the fit on rows repeated that many times. The bias
 * column is never penalized. In one dimension without bias:
 *     w = Σ w_i f_i y_i / (Σ w_i f_i² + ridge·n).
 *
 * Solver. A may be too large to hold (10^5..10^7 rows × p ≈ 300), and the normal equations
 * AᵀA square the condition number (an exactly representable target would lose half its digits
 * on ill-conditioned features). Instead the rows are streamed through an incremental Householder
 * QR: a column-major buffer holds at most p rows of R plus one chunk of new rows; when it is full,
 * dgeqrf + dormqr (Qᵀ applied to the matching rows of B) reduce it back to ≤ p rows. An orthogonal
 * transformation changes ‖A X − B‖² only by a constant independent of X, so the reduced problem
 * min ‖R X − C‖ has the same minimizers, the same singular values and therefore the same
 * minimum-norm solution, which specl_dgelsd (SVD based) finally computes, rank deficiency
 * included. Memory is O((p + chunk)(p + t)) whatever n is; no int overflow for n > 2^31.
 *
 * Eval: per-row errors and hits of one block are computed in parallel into arrays, then summed
 * serially in row order, so the result is bit-identical for any number of threads.
 */
#include <lapacke.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "specl/eval.h"

/* dgelsd zeroes singular values below PROBE_RCOND · σ_max. Features arrive as float32 (relative
 * resolution 6e-8), so nothing 1e-10 below the largest direction is signal; exact deficiencies
 * (dead or duplicated directions) appear after float64 QR at ~1e-16 · σ_max and are cut, while
 * any direction resolvable in float32 is kept, so exact targets are still fitted to ~1e-15. */
#define PROBE_RCOND 1e-10
#define PROBE_CHUNK 2048       /* new rows appended between two QR reductions (at least p) */
#define EVAL_BLOCK 4096        /* rows per parallel block in eval */

/* ---- validation ---- */

static int check_finite_rows(const char *fn, const char *what, int64_t n, int k, const float *x) {
    for (int64_t i = 0; i < n; i++)
        for (int j = 0; j < k; j++)
            if (!isfinite(x[i * k + j]))
                return specl_error(SPECL_ENUMERIC, "%s: %s[row %lld, column %d] = %g is not finite",
                                   fn, what, (long long)i, j, (double)x[i * k + j]);
    return SPECL_OK;
}

/* Weights must be finite, ≥ 0 and have a positive finite sum; *sum receives Σw (n if NULL). */
static int check_weights(const char *fn, int64_t n, const double *w, double *sum) {
    if (!w) { *sum = (double)n; return SPECL_OK; }
    double s = 0;
    for (int64_t i = 0; i < n; i++) {
        if (!isfinite(w[i]) || w[i] < 0)
            return specl_error(SPECL_EINVAL, "%s: weights[%lld] = %g (need finite and >= 0)",
                               fn, (long long)i, w[i]);
        s += w[i];
    }
    if (!(s > 0) || !isfinite(s))
        return specl_error(SPECL_EINVAL, "%s: weights sum to %g (need a positive finite sum)", fn, s);
    *sum = s;
    return SPECL_OK;
}

/* Checks shared by fit and eval: sizes, pointers, finite data, weights. */
static int check_data(const char *fn, int64_t n, int k, const float *f, int t, const float *y,
                      const double *weights, double *wsum) {
    if (n < 1) return specl_error(SPECL_EINVAL, "%s: n = %lld rows (need >= 1)", fn, (long long)n);
    if (k < 1) return specl_error(SPECL_EINVAL, "%s: k = %d features (need >= 1)", fn, k);
    if (t < 1) return specl_error(SPECL_EINVAL, "%s: t = %d targets (need >= 1)", fn, t);
    if (!f || !y) return specl_error(SPECL_EINVAL, "%s: %s is NULL", fn, f ? "y" : "f");
    int st = check_finite_rows(fn, "f", n, k, f);
    if (!st) st = check_finite_rows(fn, "y", n, t, y);
    if (!st) st = check_weights(fn, n, weights, wsum);
    return st;
}

/* ---- streaming QR ---- */

typedef struct qr_stream {
    int p, t, cap, rows;   /* columns, right-hand sides, buffer rows, rows in use */
    double *a;             /* (cap, p) column-major, leading dimension cap */
    double *c;             /* (cap, t) column-major, leading dimension cap */
    double *tau;           /* (p) Householder scalars */
} qr_stream;

static void stream_free(qr_stream *s) {
    free(s->a); free(s->c); free(s->tau);
    memset(s, 0, sizeof *s);
}

static int stream_init(qr_stream *s, int p, int t) {
    memset(s, 0, sizeof *s);
    int64_t cap = (int64_t)p + (p > PROBE_CHUNK ? p : PROBE_CHUNK);
    if (cap > 0x7fffffff)
        return specl_error(SPECL_ENOMEM, "probe_fit: %d columns is too many for LAPACK", p);
    s->p = p; s->t = t; s->cap = (int)cap;
    s->a = calloc((size_t)cap * (size_t)p, sizeof(double));
    s->c = calloc((size_t)cap * (size_t)t, sizeof(double));
    s->tau = malloc(sizeof(double) * (size_t)p);
    if (!s->a || !s->c || !s->tau) {
        stream_free(s);
        return specl_error(SPECL_ENOMEM, "probe_fit: cannot allocate the %lld x %d QR buffer",
                           (long long)cap, p + t);
    }
    return SPECL_OK;
}

/* Replace the buffer rows [A | C] by [R | QᵀC] restricted to their first min(rows, p) rows. */
static int stream_reduce(qr_stream *s) {
    int m = s->rows, p = s->p, ld = s->cap, r = m < p ? m : p;
    if (m <= p) return SPECL_OK;
    lapack_int info = LAPACKE_dgeqrf(LAPACK_COL_MAJOR, m, p, s->a, ld, s->tau);
    if (info == 0)
        info = LAPACKE_dormqr(LAPACK_COL_MAJOR, 'L', 'T', m, s->t, r, s->a, ld, s->tau, s->c, ld);
    if (info != 0)
        return specl_error(SPECL_ELINALG, "probe_fit: QR of a %dx%d block failed (info %d)",
                           m, p, (int)info);
    for (int j = 0; j < r; j++)           /* drop the Householder vectors below R's diagonal */
        for (int i = j + 1; i < r; i++) s->a[(size_t)j * ld + i] = 0;
    s->rows = r;
    return SPECL_OK;
}

/* Append the ridge rows √(ridge·n) e_j, j < k, with zero targets. */
static int stream_ridge(qr_stream *s, int k, double scale) {
    for (int j = 0; j < k; j++) {
        if (s->rows == s->cap) { int st = stream_reduce(s); if (st) return st; }
        for (int q = 0; q < s->p; q++) s->a[(size_t)q * s->cap + s->rows] = q == j ? scale : 0;
        for (int q = 0; q < s->t; q++) s->c[(size_t)q * s->cap + s->rows] = 0;
        s->rows++;
    }
    return SPECL_OK;
}

/* Append the data rows √(w_i·scale) [f_i, 1] and √(w_i·scale) y_i in chunks. */
static int stream_data(qr_stream *s, int64_t n, int k, int bias, const float *f, const float *y,
                       const double *w, double scale) {
    int p = s->p, t = s->t, ld = s->cap;
    for (int64_t i0 = 0; i0 < n;) {
        if (s->rows == s->cap) { int st = stream_reduce(s); if (st) return st; }
        int64_t room = s->cap - s->rows, m = n - i0 < room ? n - i0 : room;
        double *a = s->a + s->rows, *c = s->c + s->rows;
        #pragma omp parallel for schedule(static)
        for (int64_t r = 0; r < m; r++) {
            int64_t i = i0 + r;
            double sw = sqrt((w ? w[i] : 1.0) * scale);
            for (int j = 0; j < k; j++) a[(size_t)j * ld + r] = sw * f[i * k + j];
            if (bias) a[(size_t)(p - 1) * ld + r] = sw;
            for (int q = 0; q < t; q++) c[(size_t)q * ld + r] = sw * y[i * t + q];
        }
        s->rows += (int)m;
        i0 += m;
    }
    return SPECL_OK;
}

/* Reduce to ≤ p rows and solve min-norm by dgelsd; x (p, t) row-major receives the solution. */
static int stream_solve(qr_stream *s, double *x) {
    int st = stream_reduce(s);
    if (st) return st;
    int r = s->rows, p = s->p, t = s->t, mx = r > p ? r : p;
    double *a = malloc(sizeof(double) * (size_t)r * p);        /* (r, p) row-major */
    double *b = calloc((size_t)mx * t, sizeof(double));        /* (max(r, p), t) row-major */
    if (!a || !b) {
        free(a); free(b);
        return specl_error(SPECL_ENOMEM, "probe_fit: cannot allocate the %dx%d reduced system", r, p);
    }
    for (int i = 0; i < r; i++) {
        for (int j = 0; j < p; j++) a[(size_t)i * p + j] = s->a[(size_t)j * s->cap + i];
        for (int q = 0; q < t; q++) b[(size_t)i * t + q] = s->c[(size_t)q * s->cap + i];
    }
    st = specl_dgelsd(r, p, t, a, b, PROBE_RCOND, NULL);
    if (st == SPECL_ENOMEM) st = specl_error(st, "probe_fit: out of memory in dgelsd");
    if (!st) memcpy(x, b, sizeof(double) * (size_t)p * t);
    free(a); free(b);
    return st;
}

/* ---- public API ---- */

int specl_probe_fit(const specl_probe_opts *o, int64_t n, int k, const float *f, int t,
                    const float *y, const double *weights, specl_probe *out) {
    static const char fn[] = "probe_fit";
    specl_probe_opts def = {0, 0};
    if (!o) o = &def;
    if (!out) return specl_error(SPECL_EINVAL, "%s: output probe is NULL", fn);
    memset(out, 0, sizeof *out);
    if (!isfinite(o->ridge) || o->ridge < 0)
        return specl_error(SPECL_EINVAL, "%s: ridge = %g (need finite and >= 0)", fn, o->ridge);
    if (o->bias != 0 && o->bias != 1)
        return specl_error(SPECL_EINVAL, "%s: bias = %d (need 0 or 1)", fn, o->bias);
    double wsum;
    int st = check_data(fn, n, k, f, t, y, weights, &wsum);
    if (st) return st;
    if ((int64_t)k + o->bias > 0x7fffffff)
        return specl_error(SPECL_EINVAL, "%s: k = %d too large", fn, k);
    int p = k + o->bias;
    qr_stream s;
    double *x = malloc(sizeof(double) * (size_t)p * t);        /* (p, t) solution */
    if (!x) return specl_error(SPECL_ENOMEM, "%s: cannot allocate %d x %d weights", fn, p, t);
    st = stream_init(&s, p, t);
    if (!st && o->ridge > 0) st = stream_ridge(&s, k, sqrt(o->ridge * (double)n));
    if (!st) st = stream_data(&s, n, k, o->bias, f, y, weights, (double)n / wsum);
    if (!st) st = stream_solve(&s, x);
    stream_free(&s);
    if (st) { free(x); return st; }
    out->w = malloc(sizeof(double) * (size_t)p * t);           /* (t, p) = xᵀ */
    if (!out->w) { free(x); return specl_error(SPECL_ENOMEM, "%s: cannot allocate the probe", fn); }
    for (int q = 0; q < t; q++)
        for (int j = 0; j < p; j++) out->w[(size_t)q * p + j] = x[(size_t)j * t + q];
    free(x);
    out->k = k; out->t = t; out->bias = o->bias;
    return SPECL_OK;
}

void specl_probe_free(specl_probe *p) {
    if (!p) return;
    free(p->w);
    p->w = NULL;
}

/* Squared error and hit (sign match for t = 1, first-argmax match for t > 1) of one row. */
static void probe_row(const specl_probe *p, const float *f, const float *y, double *err,
                      unsigned char *hit) {
    int k = p->k, t = p->t, np = k + p->bias, am_pred = 0, am_y = 0;
    double e = 0, best_pred = 0, best_y = 0, pred = 0;
    for (int q = 0; q < t; q++) {
        const double *wq = p->w + (size_t)q * np;
        pred = p->bias ? wq[k] : 0;
        for (int j = 0; j < k; j++) pred += wq[j] * f[j];
        double d = pred - y[q];
        e += d * d;
        if (q == 0 || pred > best_pred) { best_pred = pred; am_pred = q; }
        if (q == 0 || y[q] > best_y) { best_y = y[q]; am_y = q; }
    }
    *err = e;
    if (t == 1) *hit = (pred > 0 && y[0] > 0) || (pred < 0 && y[0] < 0);
    else *hit = am_pred == am_y;
}

int specl_probe_eval(const specl_probe *p, int64_t n, const float *f, const float *y,
                     const double *weights, double *error, double *accuracy) {
    static const char fn[] = "probe_eval";
    if (!p || !p->w) return specl_error(SPECL_EINVAL, "%s: probe is NULL or not fitted", fn);
    if (p->bias != 0 && p->bias != 1)
        return specl_error(SPECL_EINVAL, "%s: probe bias = %d (need 0 or 1)", fn, p->bias);
    double wsum;
    int st = check_data(fn, n, p->k, f, p->t, y, weights, &wsum);
    if (st) return st;
    int64_t blk = n < EVAL_BLOCK ? n : EVAL_BLOCK;
    double *err = malloc(sizeof(double) * (size_t)blk);        /* (blk) per-row squared error */
    unsigned char *hit = malloc((size_t)blk);                   /* (blk) per-row hit */
    if (!err || !hit) {
        free(err); free(hit);
        return specl_error(SPECL_ENOMEM, "%s: cannot allocate %lld-row buffers", fn, (long long)blk);
    }
    double se = 0, sa = 0;
    for (int64_t i0 = 0; i0 < n; i0 += blk) {
        int64_t m = n - i0 < blk ? n - i0 : blk;
        #pragma omp parallel for schedule(static)
        for (int64_t r = 0; r < m; r++)
            probe_row(p, f + (i0 + r) * p->k, y + (i0 + r) * p->t, &err[r], &hit[r]);
        for (int64_t r = 0; r < m; r++) {                       /* serial: thread-count independent */
            double wi = weights ? weights[i0 + r] : 1.0;
            se += wi * err[r];
            sa += hit[r] ? wi : 0;
        }
    }
    free(err); free(hit);
    if (error) *error = se / wsum;
    if (accuracy) *accuracy = sa / wsum;
    return SPECL_OK;
}
