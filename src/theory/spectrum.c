/* Bottom eigenpairs of the normalized Laplacian L = I − D^{-1/2} W D^{-1/2}.
 *
 * DENSE builds L (n ≤ 20000) and calls LAPACKE_dsyevr for the index range 1..k with
 * abstol = dlamch('S') (the most accurate setting). ARPACK runs dsaupd/dseupd in regular mode
 * (mode 1, no factorization) for the k algebraically largest eigenvalues θ of
 * A = D^{-1/2} W D^{-1/2} ("LA": well separated at the top of the spectrum, whereas "SM" on L is
 * known to stall) and maps ν = 1 − θ; ncv = min(n, max(2k + 1, 64)), at most 10000 restarts. The
 * bottom of a random sparse graph has eigenvalues 1e-4 apart, and a wide Lanczos basis needs far
 * fewer restarts (measured on 10^5 vertices, 2·10^6 entries, k = 10, tol 0: ncv 21: 87 s, 40: 51 s,
 * 64: 31 s).
 * The starting vector is fixed (uniform in [−1, 1) from specl_rng seeded 12345, info = 1), so a
 * run never depends on ARPACK's internal random state and repeats bit for bit for a fixed thread
 * count. If dsaupd stops at the iteration limit the call fails (SPECL_ELINALG, the detail gives
 * ARPACK's info code, the converged count and a hint) rather than return unconverged vectors.
 *
 * Both methods end in the same post-processing: eigenvalues ascending, each eigenvector scaled
 * to unit norm with its largest-magnitude component (the first such) positive, so the two methods
 * can be compared entry by entry for simple eigenvalues, and residuals ‖v − A v − ν v‖₂ recomputed
 * with specl_graph_norm_adj_mv. AUTO is DENSE for n ≤ 2000, else ARPACK. ARPACK needs k < n; a
 * request with k = n falls back to DENSE when n ≤ 2000 and is rejected otherwise.
 */
#include <arpack/arpack.h>
#include <lapacke.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "specl/spectral.h"

#define SPEC_DENSE_MAX 20000
#define SPEC_AUTO_DENSE_MAX 2000
#define SPEC_ARPACK_MAXITER 10000
#define SPEC_ARPACK_MIN_NCV 64
#define SPEC_START_SEED 12345

void specl_spectrum_free(specl_spectrum *s) {
    if (!s) return;
    free(s->nu);
    free(s->vec);
    free(s->residual);
    memset(s, 0, sizeof *s);
}

/* ---- dense ---- */

static int spectrum_dense_(const specl_graph *g, int k, specl_spectrum *out) {
    int n = (int)g->n;
    double *l = malloc(sizeof(double) * (size_t)n * (size_t)n);
    double *w = malloc(sizeof(double) * (size_t)n);
    lapack_int *isuppz = malloc(sizeof(lapack_int) * 2 * (size_t)n);
    int st = SPECL_OK;
    if (!l || !w || !isuppz) {
        st = specl_error(SPECL_ENOMEM, "spectrum: cannot allocate the dense %dx%d Laplacian", n, n);
        goto done;
    }
    if ((st = specl_graph_laplacian_dense(g, l))) goto done;
    lapack_int found = 0;
    lapack_int info = LAPACKE_dsyevr(LAPACK_ROW_MAJOR, 'V', 'I', 'U', n, l, n, 0.0, 0.0, 1, k, LAPACKE_dlamch('S'),
                                     &found, w, out->vec, k, isuppz);
    if (info != 0 || found != k) {
        st = specl_error(SPECL_ELINALG, "spectrum: LAPACKE_dsyevr failed on the %dx%d Laplacian (info %d, %d of %d "
                         "eigenvalues found)%s", n, n, (int)info, (int)found, k,
                         info > 0 ? "; hint: an internal error of dsyevr, try the ARPACK method" : "");
        goto done;
    }
    memcpy(out->nu, w, sizeof(double) * (size_t)k);
    out->converged = k;
done:
    free(l);
    free(w);
    free(isuppz);
    return st;
}

/* ---- ARPACK ---- */

typedef struct {
    a_int n, nev, ncv, lworkl;
    double *resid, *v, *workd, *workl, *d, *z;
    a_int *select;
    a_int iparam[11], ipntr[14];
    double *dinv, *tmp;                  /* (n) D^{-1/2}; (n) scratch of the matvec */
} arpack_ws;

static void arpack_free_(arpack_ws *a) {
    free(a->resid);
    free(a->v);
    free(a->workd);
    free(a->workl);
    free(a->d);
    free(a->z);
    free(a->select);
    free(a->dinv);
    free(a->tmp);
}

static int arpack_alloc_(arpack_ws *a, const specl_graph *g, int k) {
    a->n = (a_int)g->n;
    a->nev = k;
    a->ncv = 2 * k + 1 > SPEC_ARPACK_MIN_NCV ? 2 * k + 1 : SPEC_ARPACK_MIN_NCV;
    if (a->ncv > a->n) a->ncv = a->n;
    a->lworkl = a->ncv * (a->ncv + 8);
    size_t n = (size_t)a->n, ncv = (size_t)a->ncv;
    a->resid = malloc(sizeof(double) * n);
    a->v = malloc(sizeof(double) * n * ncv);
    a->workd = malloc(sizeof(double) * 3 * n);
    a->workl = malloc(sizeof(double) * (size_t)a->lworkl);
    a->d = malloc(sizeof(double) * ncv);
    a->z = malloc(sizeof(double) * n * (size_t)k);
    a->select = calloc(ncv, sizeof(a_int));
    a->dinv = malloc(sizeof(double) * n);
    a->tmp = malloc(sizeof(double) * n);
    if (!a->resid || !a->v || !a->workd || !a->workl || !a->d || !a->z || !a->select || !a->dinv || !a->tmp)
        return specl_error(SPECL_ENOMEM, "spectrum: cannot allocate ARPACK workspace (n = %d, ncv = %d)", (int)a->n,
                           (int)a->ncv);
    for (size_t i = 0; i < n; i++) a->dinv[i] = 1.0 / sqrt(g->deg[i]);
    specl_rng r;
    specl_rng_seed(&r, SPEC_START_SEED);
    for (size_t i = 0; i < n; i++) a->resid[i] = 2 * specl_rng_uniform(&r) - 1;
    return SPECL_OK;
}

static const char *dsaupd_hint_(int info) {
    switch (info) {
    case 1: return "maximum number of iterations reached; hint: loosen tol, or use the dense method (n <= 20000)";
    case 3: return "no shifts could be applied during an implicit restart; hint: change k or use the dense method";
    case -8: return "error in the LAPACK tridiagonal eigenvalue computation (dsteqr)";
    case -9: return "the starting vector is zero";
    case -9999: return "could not build a Lanczos factorization; hint: check the graph (degrees, weights) or use the "
                       "dense method";
    default: return "invalid argument to dsaupd (a bug in specl)";
    }
}

/* y = D^{-1/2} W D^{-1/2} x with the scaling precomputed (one multiply per stored entry instead
 * of a square root); rows in parallel, each row summed by one thread, so deterministic. */
static void scaled_mv_(const specl_graph *g, const arpack_ws *a, const double *x, double *y) {
    const int64_t n = g->n, *rp = g->rowptr, *col = g->col;
    const double *val = g->val, *dinv = a->dinv;
    double *t = a->tmp;
    for (int64_t i = 0; i < n; i++) t[i] = x[i] * dinv[i];
#pragma omp parallel for schedule(static) if (g->nnz > 100000)
    for (int64_t r = 0; r < n; r++) {
        double s = 0;
        for (int64_t q = rp[r]; q < rp[r + 1]; q++) s += val[q] * t[col[q]];
        y[r] = s * dinv[r];
    }
}

/* Reverse-communication loop of dsaupd: every request is y = A x with A = D^{-1/2} W D^{-1/2}. */
static int arpack_iterate_(const specl_graph *g, arpack_ws *a, double tol) {
    a_int ido = 0, info = 1;             /* info = 1: use the starting vector in resid */
    memset(a->iparam, 0, sizeof a->iparam);
    a->iparam[0] = 1;                    /* exact shifts */
    a->iparam[2] = SPEC_ARPACK_MAXITER;
    a->iparam[6] = 1;                    /* mode 1: standard problem, regular mode */
    for (;;) {
        dsaupd_c(&ido, "I", a->n, "LA", a->nev, tol, a->resid, a->ncv, a->v, a->n, a->iparam, a->ipntr, a->workd,
                 a->workl, a->lworkl, &info);
        if (ido != -1 && ido != 1) break;
        scaled_mv_(g, a, a->workd + a->ipntr[0] - 1, a->workd + a->ipntr[1] - 1);
    }
    if (info != 0)
        return specl_error(SPECL_ELINALG, "spectrum: ARPACK dsaupd failed with info %d (%d of %d eigenpairs converged "
                           "after %d restarts, n = %d, ncv = %d): %s", (int)info, (int)a->iparam[4], (int)a->nev,
                           (int)a->iparam[2], (int)a->n, (int)a->ncv, dsaupd_hint_((int)info));
    return SPECL_OK;
}

/* dseupd, then θ (descending) → ν = 1 − θ (ascending) into out, vectors as columns of out->vec. */
static int arpack_extract_(arpack_ws *a, double tol, specl_spectrum *out) {
    a_int info = 0;
    dseupd_c(1, "A", a->select, a->d, a->z, a->n, 0.0, "I", a->n, "LA", a->nev, tol, a->resid, a->ncv, a->v, a->n,
             a->iparam, a->ipntr, a->workd, a->workl, a->lworkl, &info);
    int nconv = (int)a->iparam[4];
    if (info != 0 || nconv < a->nev)
        return specl_error(SPECL_ELINALG, "spectrum: ARPACK dseupd failed with info %d (%d of %d eigenpairs converged)%s",
                           (int)info, nconv, (int)a->nev,
                           info == -14 ? "; dsaupd found no eigenvalue to sufficient accuracy, hint: loosen tol" : "");
    int k = (int)a->nev;
    int *order = malloc(sizeof(int) * (size_t)k);
    if (!order) return specl_error(SPECL_ENOMEM, "spectrum: cannot allocate %d indices", k);
    for (int j = 0; j < k; j++) order[j] = j;
    for (int j = 1; j < k; j++)              /* insertion sort by θ descending (stable) */
        for (int t = j; t > 0 && a->d[order[t]] > a->d[order[t - 1]]; t--) {
            int s = order[t];
            order[t] = order[t - 1], order[t - 1] = s;
        }
    size_t n = (size_t)a->n;
    for (int j = 0; j < k; j++) {
        out->nu[j] = 1 - a->d[order[j]];
        const double *zc = a->z + n * (size_t)order[j];
        for (size_t i = 0; i < n; i++) out->vec[i * (size_t)k + (size_t)j] = zc[i];
    }
    free(order);
    out->converged = nconv < k ? nconv : k;
    return SPECL_OK;
}

static int spectrum_arpack_(const specl_graph *g, int k, double tol, specl_spectrum *out) {
    arpack_ws a = {0};
    int st = arpack_alloc_(&a, g, k);
    if (!st) st = arpack_iterate_(g, &a, tol);
    if (!st) st = arpack_extract_(&a, tol, out);
    arpack_free_(&a);
    return st;
}

/* ---- shared post-processing ---- */

/* Unit norm, largest-magnitude component positive, residual ‖v − A v − ν v‖₂. */
static int finish_(const specl_graph *g, specl_spectrum *s) {
    size_t n = (size_t)s->n, k = (size_t)s->k;
    double *x = malloc(sizeof(double) * n), *y = malloc(sizeof(double) * n);
    if (!x || !y) {
        free(x);
        free(y);
        return specl_error(SPECL_ENOMEM, "spectrum: cannot allocate residual vectors (n = %zu)", n);
    }
    for (size_t j = 0; j < k; j++) {
        double nrm = 0, big = 0;
        size_t at = 0;
        for (size_t i = 0; i < n; i++) {
            x[i] = s->vec[i * k + j];
            nrm += x[i] * x[i];
            if (fabs(x[i]) > big) big = fabs(x[i]), at = i;
        }
        double scale = (nrm > 0 ? 1 / sqrt(nrm) : 1) * (x[at] < 0 ? -1 : 1);
        for (size_t i = 0; i < n; i++) s->vec[i * k + j] = x[i] *= scale;
        specl_graph_norm_adj_mv(g, x, y);
        double r2 = 0;
        for (size_t i = 0; i < n; i++) {
            double e = x[i] - y[i] - s->nu[j] * x[i];
            r2 += e * e;
        }
        s->residual[j] = sqrt(r2);
    }
    free(x);
    free(y);
    return SPECL_OK;
}

static int resolve_method_(const specl_graph *g, int k, specl_eig_method method, specl_eig_method *use) {
    int64_t n = g->n;
    if (method == SPECL_EIG_AUTO) method = n <= SPEC_AUTO_DENSE_MAX ? SPECL_EIG_DENSE : SPECL_EIG_ARPACK;
    if (method == SPECL_EIG_ARPACK && k >= n) {
        if (n > SPEC_AUTO_DENSE_MAX)
            return specl_error(SPECL_EINVAL, "spectrum: ARPACK needs k < n (k = %d, n = %lld); use the dense method "
                               "for the full spectrum", k, (long long)n);
        method = SPECL_EIG_DENSE;           /* the whole spectrum of a small graph */
    }
    if (method == SPECL_EIG_DENSE && n > SPEC_DENSE_MAX)
        return specl_error(SPECL_EINVAL, "spectrum: the dense method needs n <= %d (n = %lld); use ARPACK",
                           SPEC_DENSE_MAX, (long long)n);
    *use = method;
    return SPECL_OK;
}

int specl_graph_spectrum(const specl_graph *g, int k, specl_eig_method method, double tol, specl_spectrum *out) {
    if (!out) return specl_error(SPECL_EINVAL, "spectrum: no output");
    memset(out, 0, sizeof *out);
    if (!g || g->n < 1 || !g->rowptr || !g->deg)
        return specl_error(SPECL_EINVAL, "spectrum: no graph (or an empty one)");
    if (g->n > INT_MAX / 4)
        return specl_error(SPECL_EINVAL, "spectrum: n = %lld is too large for ARPACK/LAPACK 32-bit indices",
                           (long long)g->n);
    if (k < 1 || k > g->n)
        return specl_error(SPECL_EINVAL, "spectrum: k = %d eigenpairs, expected 1 <= k <= n = %lld", k, (long long)g->n);
    if (method != SPECL_EIG_AUTO && method != SPECL_EIG_DENSE && method != SPECL_EIG_ARPACK)
        return specl_error(SPECL_EINVAL, "spectrum: unknown method %d, expected AUTO, DENSE or ARPACK", (int)method);
    if (!(tol >= 0) || !isfinite(tol))
        return specl_error(SPECL_EINVAL, "spectrum: tol = %g, expected a finite value >= 0 (0: machine precision)", tol);
    specl_eig_method use = SPECL_EIG_DENSE;
    int st = resolve_method_(g, k, method, &use);
    if (st) return st;
    out->n = g->n;
    out->k = k;
    out->method = use;
    out->nu = malloc(sizeof(double) * (size_t)k);
    out->vec = malloc(sizeof(double) * (size_t)g->n * (size_t)k);
    out->residual = malloc(sizeof(double) * (size_t)k);
    if (!out->nu || !out->vec || !out->residual)
        st = specl_error(SPECL_ENOMEM, "spectrum: cannot allocate %d eigenpairs of length %lld", k, (long long)g->n);
    else if (use == SPECL_EIG_DENSE)
        st = spectrum_dense_(g, k, out);
    else
        st = spectrum_arpack_(g, k, tol, out);
    if (!st) st = finish_(g, out);
    if (st) specl_spectrum_free(out);
    return st;
}
