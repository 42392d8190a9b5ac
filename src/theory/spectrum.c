/* Bottom eigenpairs of the normalized Laplacian L = I − D^{-1/2} W D^{-1/2}.
 *
 * DENSE builds L (n ≤ 20000) and calls LAPACKE_dsyevr for the index range 1..k with
 * abstol = dlamch('S') (the most accurate setting). ARPACK runs dsaupd/dseupd in regular mode
 * (mode 1, no factorization) for the k algebraically largest eigenvalues θ of
 * A = D^{-1/2} W D^{-1/2} ("LA": well separated at the top of the spectrum, whereas "SM" on L is
 * known to stall) and maps ν = 1 − θ; A is applied through its own CSR (see norm_op).
 *
 * The Lanczos basis size ncv trades products for orthogonalization: every product is
 * orthogonalized against the basis so far (two passes over up to ncv vectors of n doubles), which
 * at ncv = 64 costs about three times the product itself on a graph with ~22 entries per row.
 * Which size needs fewer restarts depends on the graph, so ARPACK first runs with a narrow basis,
 * ncv = max(2k + 1, 20) (2k + 1 is SciPy's eigsh default), for at most 30 restarts, and if that
 * has not converged, again with a wide one, ncv = max(2k + 1, 64), up to 10000 restarts, from the
 * narrow run's filtered start vector. Measured, k = 10, tol 0, 10^5 vertices: on 10 planted
 * clusters (the bench graph, 2.2·10^6 entries) ncv 21 converges in 8 restarts, 100 products, where
 * ncv 64 needs 174 (ncv 24..40: 95..101); on a uniformly random graph (2.2·10^6 entries; its bottom
 * eigenvalues are 1e-4 apart at the edge of the bulk) ncv 21 needs 1257 restarts, 10808 products,
 * ncv 32 5313 and ncv 64 3035, and the narrow-then-wide run 3464 (14% more products, but 40 s
 * of CPU against 50 s for ncv 64 alone before A had its own CSR). k = 3 and 5 on the clusters:
 * ncv 20 needs ~360 products against ~185 for ncv 64, at about the same CPU time. Both bases are
 * capped at n.
 * The starting vector is fixed (uniform in [−1, 1) from specl_rng seeded 12345, info = 1), so a
 * run never depends on ARPACK's internal random state and repeats bit for bit for a fixed thread
 * count. If dsaupd stops at the iteration limit the call fails (SPECL_ELINALG, the detail gives
 * ARPACK's info code, the converged count and a hint) rather than return unconverged vectors.
 *
 * Both methods end in the same post-processing: eigenvalues ascending, each eigenvector scaled
 * to unit norm with its largest-magnitude component (the first such) positive, so the two methods
 * can be compared entry by entry for simple eigenvalues, and residuals ‖v − A v − ν v‖₂ recomputed
 * for all k vectors in one pass over A. AUTO is DENSE for n ≤ 2000, else ARPACK. ARPACK needs
 * k < n; a request with k = n falls back to DENSE when n ≤ 2000 and is rejected otherwise.
 */
#include <arpack/arpack.h>
#include <cblas.h>
#include <lapacke.h>
#include <limits.h>
#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>
#include "specl/spectral.h"

#define SPEC_DENSE_MAX 20000
#define SPEC_AUTO_DENSE_MAX 2000
#define SPEC_ARPACK_MAXITER 10000
#define SPEC_NCV_NARROW 20          /* first basis: max(2k + 1, 20) */
#define SPEC_NCV_WIDE 64            /* after SPEC_NARROW_RESTARTS: max(2k + 1, 64) */
#define SPEC_NARROW_RESTARTS 30
#define SPEC_START_SEED 12345
#define SPEC_PAR_NNZ 100000         /* below this the OpenMP fork costs more than a matvec */
#define SPEC_RES_BLOCK 1024         /* rows per partial sum of the residuals */

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

/* ---- the operator A = D^{-1/2} W D^{-1/2} ---- */

/* A's own CSR: the entries D^{-1/2}_r W_rc D^{-1/2}_c computed once, and 32-bit column indices
 * (n <= INT_MAX / 4 is checked up front), so a product streams 12 instead of 16 bytes per stored
 * entry and needs no pass to scale x first (one OpenMP barrier per product instead of two).
 * Measured on the bench graph (10^5 vertices, 2.2·10^6 entries, one thread): 3.7 ms per product
 * scaling x and y around W's int64 CSR, 2.9 ms with int32 columns, 2.8 ms with this; the copy
 * costs 12 bytes per entry (26 MB there), well below the peak of reading the graph. */
typedef struct {
    int64_t n;
    const int64_t *rowptr;
    int32_t *col;
    double *val;
    int par;                /* large enough for the OpenMP fork to pay */
} norm_op;

static void op_free_(norm_op *op) {
    free(op->col);
    free(op->val);
}

static int op_init_(const specl_graph *g, norm_op *op) {
    size_t n = (size_t)g->n, nnz = (size_t)g->nnz;
    op->n = g->n;
    op->rowptr = g->rowptr;
    op->par = g->nnz > SPEC_PAR_NNZ;
    op->col = malloc(sizeof(int32_t) * (nnz ? nnz : 1));
    op->val = malloc(sizeof(double) * (nnz ? nnz : 1));
    double *dinv = malloc(sizeof(double) * n);
    if (!op->col || !op->val || !dinv) {
        free(dinv);
        return specl_error(SPECL_ENOMEM, "spectrum: cannot allocate the operator (n = %zu, %zu entries)", n, nnz);
    }
    const int64_t *rp = g->rowptr, *col = g->col;
    const double *val = g->val, *deg = g->deg;
#pragma omp parallel if (op->par)
    {
#pragma omp for schedule(static)
        for (size_t i = 0; i < n; i++) dinv[i] = 1.0 / sqrt(deg[i]);
#pragma omp for schedule(static)
        for (size_t r = 0; r < n; r++)
            for (int64_t q = rp[r]; q < rp[r + 1]; q++) {
                op->col[q] = (int32_t)col[q];
                op->val[q] = dinv[r] * val[q] * dinv[col[q]];
            }
    }
    free(dinv);
    return SPECL_OK;
}

/* y = A x: rows in parallel, each row summed by one thread in CSR order, so the result does not
 * depend on the number of threads. */
static void op_mv_(const norm_op *op, const double *x, double *y) {
    const int64_t n = op->n, *rp = op->rowptr;
    const int32_t *col = op->col;
    const double *val = op->val;
#pragma omp parallel for schedule(static) if (op->par)
    for (int64_t r = 0; r < n; r++) {
        double s = 0;
        for (int64_t q = rp[r]; q < rp[r + 1]; q++) s += val[q] * x[col[q]];
        y[r] = s;
    }
}

/* ---- ARPACK ---- */

typedef struct {
    a_int n, nev, ncv, lworkl;
    double *resid, *v, *workd, *workl, *d;
    a_int *select;
    a_int iparam[11], ipntr[14];
    int matvecs;                         /* OP·x products over all attempts */
} arpack_ws;

static void arpack_free_basis_(arpack_ws *a) {
    free(a->v);
    free(a->workl);
    free(a->d);
    free(a->select);
    a->v = a->workl = a->d = NULL;
    a->select = NULL;
}

static void arpack_free_(arpack_ws *a) {
    arpack_free_basis_(a);
    free(a->resid);
    free(a->workd);
}

/* The arrays whose size depends on ncv (v is n x ncv; dseupd writes the Ritz vectors into its first
 * nev columns, which ARPACK allows, so there is no separate n x nev array). */
static int arpack_alloc_basis_(arpack_ws *a, a_int ncv) {
    arpack_free_basis_(a);
    a->ncv = ncv;
    a->lworkl = ncv * (ncv + 8);
    a->v = malloc(sizeof(double) * (size_t)a->n * (size_t)ncv);
    a->workl = malloc(sizeof(double) * (size_t)a->lworkl);
    a->d = malloc(sizeof(double) * (size_t)ncv);
    a->select = calloc((size_t)ncv, sizeof(a_int));
    if (!a->v || !a->workl || !a->d || !a->select)
        return specl_error(SPECL_ENOMEM, "spectrum: cannot allocate the ARPACK basis (n = %d, ncv = %d)", (int)a->n,
                           (int)ncv);
    return SPECL_OK;
}

static int arpack_alloc_(arpack_ws *a, int64_t nv, int k) {
    a->n = (a_int)nv;
    a->nev = k;
    size_t n = (size_t)nv;
    a->resid = malloc(sizeof(double) * n);
    a->workd = malloc(sizeof(double) * 3 * n);
    if (!a->resid || !a->workd)
        return specl_error(SPECL_ENOMEM, "spectrum: cannot allocate ARPACK workspace (n = %d)", (int)a->n);
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

/* Reverse-communication loop of dsaupd from the start vector in a->resid, at most maxiter restarts;
 * every request is y = A x. Returns ARPACK's info (0: converged, 1: restart limit). */
static int arpack_run_(const norm_op *op, arpack_ws *a, double tol, int maxiter) {
    a_int ido = 0, info = 1;             /* info = 1: use the starting vector in resid */
    memset(a->iparam, 0, sizeof a->iparam);
    a->iparam[0] = 1;                    /* exact shifts */
    a->iparam[2] = maxiter;
    a->iparam[6] = 1;                    /* mode 1: standard problem, regular mode */
    for (;;) {
        dsaupd_c(&ido, "I", a->n, "LA", a->nev, tol, a->resid, a->ncv, a->v, a->n, a->iparam, a->ipntr, a->workd,
                 a->workl, a->lworkl, &info);
        if (ido != -1 && ido != 1) break;
        op_mv_(op, a->workd + a->ipntr[0] - 1, a->workd + a->ipntr[1] - 1);
        a->matvecs++;
    }
    return (int)info;
}

/* A narrow basis first, a wide one if it stalls (see the header comment). */
static int arpack_iterate_(const norm_op *op, arpack_ws *a, double tol) {
    a_int k = a->nev, n = a->n;
    a_int ncv1 = 2 * k + 1 > SPEC_NCV_NARROW ? 2 * k + 1 : SPEC_NCV_NARROW;
    a_int ncv2 = 2 * k + 1 > SPEC_NCV_WIDE ? 2 * k + 1 : SPEC_NCV_WIDE;
    if (ncv1 > n) ncv1 = n;
    if (ncv2 > n) ncv2 = n;
    int st, info;
    if ((st = arpack_alloc_basis_(a, ncv1))) return st;
    info = arpack_run_(op, a, tol, ncv1 < ncv2 ? SPEC_NARROW_RESTARTS : SPEC_ARPACK_MAXITER);
    if (info == 1 && ncv1 < ncv2) {
        /* V's first column is the start vector after all the narrow basis's implicit restarts, i.e.
         * already filtered towards the wanted eigenvectors: the wide basis starts from it. */
        memcpy(a->resid, a->v, sizeof(double) * (size_t)n);
        if ((st = arpack_alloc_basis_(a, ncv2))) return st;
        info = arpack_run_(op, a, tol, SPEC_ARPACK_MAXITER);
    }
    if (info != 0)
        return specl_error(SPECL_ELINALG, "spectrum: ARPACK dsaupd failed with info %d (%d of %d eigenpairs converged "
                           "after %d restarts, n = %d, ncv = %d): %s", info, (int)a->iparam[4], (int)a->nev,
                           (int)a->iparam[2], (int)a->n, (int)a->ncv, dsaupd_hint_(info));
    return SPECL_OK;
}

/* dseupd, then θ (descending) → ν = 1 − θ (ascending) into out, vectors as columns of out->vec. */
static int arpack_extract_(arpack_ws *a, double tol, specl_spectrum *out) {
    a_int info = 0;
    dseupd_c(1, "A", a->select, a->d, a->v, a->n, 0.0, "I", a->n, "LA", a->nev, tol, a->resid, a->ncv, a->v, a->n,
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
        const double *zc = a->v + n * (size_t)order[j];
        for (size_t i = 0; i < n; i++) out->vec[i * (size_t)k + (size_t)j] = zc[i];
    }
    free(order);
    out->converged = nconv < k ? nconv : k;
    out->ncv = (int)a->ncv;
    out->matvecs = a->matvecs;
    return SPECL_OK;
}

/* ARPACK's own linear algebra (its dgemv over the basis, dnrm2, dcopy) runs on one OpenBLAS
 * thread: those calls are memory-bound, and a second OpenBLAS thread only hands off with the
 * OpenMP threads of the products, spinning in sched_yield (measured on the bench graph, idle, 2
 * threads: 0.45 s against 0.52 s; perf put 19% of the samples in the scheduler). It also makes
 * the result independent of the thread count, which ARPACK with threaded BLAS was not (1e-15).
 * The setting is process-wide for the duration of the call and restored after it. */
static int spectrum_arpack_(const norm_op *op, int k, double tol, specl_spectrum *out) {
    arpack_ws a = {0};
    int blas_threads = openblas_get_num_threads();
    openblas_set_num_threads(1);
    int st = arpack_alloc_(&a, op->n, k);
    if (!st) st = arpack_iterate_(op, &a, tol);
    if (!st) st = arpack_extract_(&a, tol, out);
    openblas_set_num_threads(blas_threads);
    arpack_free_(&a);
    return st;
}

/* ---- shared post-processing ---- */

/* Unit norm, largest-magnitude component positive, then every residual ‖v_j − A v_j − ν_j v_j‖₂ in
 * one pass over the matrix (vec is row-major, so a neighbour's k components are contiguous). Rows
 * go in fixed blocks whose partial sums are added in block order: thread-count independent. */
static int finish_(const norm_op *op, specl_spectrum *s) {
    size_t n = (size_t)s->n, k = (size_t)s->k;
    for (size_t j = 0; j < k; j++) {
        double nrm = 0, big = 0;
        size_t at = 0;
        for (size_t i = 0; i < n; i++) {
            double x = s->vec[i * k + j];
            nrm += x * x;
            if (fabs(x) > big) big = fabs(x), at = i;
        }
        double scale = (nrm > 0 ? 1 / sqrt(nrm) : 1) * (s->vec[at * k + j] < 0 ? -1 : 1);
        for (size_t i = 0; i < n; i++) s->vec[i * k + j] *= scale;
    }
    size_t nb = (n + SPEC_RES_BLOCK - 1) / SPEC_RES_BLOCK;
    int nt = omp_get_max_threads();
    double *part = calloc(nb * k, sizeof(double)), *acc = malloc(sizeof(double) * k * (size_t)nt);
    if (!part || !acc) {
        free(part);
        free(acc);
        return specl_error(SPECL_ENOMEM, "spectrum: cannot allocate residual sums (n = %zu, k = %zu)", n, k);
    }
    const int64_t *rp = op->rowptr;
    const int32_t *col = op->col;
    const double *val = op->val, *vec = s->vec, *nu = s->nu;
#pragma omp parallel if (op->par)
    {
        double *ac = acc + k * (size_t)omp_get_thread_num();
#pragma omp for schedule(static)
        for (size_t b = 0; b < nb; b++) {
            double *pb = part + b * k;
            size_t end = (b + 1) * SPEC_RES_BLOCK < n ? (b + 1) * SPEC_RES_BLOCK : n;
            for (size_t r = b * SPEC_RES_BLOCK; r < end; r++) {
                memset(ac, 0, sizeof(double) * k);
                for (int64_t q = rp[r]; q < rp[r + 1]; q++) {
                    const double *xc = vec + (size_t)col[q] * k;
                    for (size_t j = 0; j < k; j++) ac[j] += val[q] * xc[j];
                }
                const double *xr = vec + r * k;
                for (size_t j = 0; j < k; j++) {
                    double e = xr[j] - ac[j] - nu[j] * xr[j];
                    pb[j] += e * e;
                }
            }
        }
    }
    for (size_t j = 0; j < k; j++) {
        double r2 = 0;
        for (size_t b = 0; b < nb; b++) r2 += part[b * k + j];
        s->residual[j] = sqrt(r2);
    }
    free(part);
    free(acc);
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
    norm_op op = {0};
    out->nu = malloc(sizeof(double) * (size_t)k);
    out->vec = malloc(sizeof(double) * (size_t)g->n * (size_t)k);
    out->residual = malloc(sizeof(double) * (size_t)k);
    if (!out->nu || !out->vec || !out->residual)
        st = specl_error(SPECL_ENOMEM, "spectrum: cannot allocate %d eigenpairs of length %lld", k, (long long)g->n);
    else if (!(st = op_init_(g, &op)))
        st = use == SPECL_EIG_DENSE ? spectrum_dense_(g, k, out) : spectrum_arpack_(&op, k, tol, out);
    if (!st) st = finish_(&op, out);
    op_free_(&op);
    if (st) specl_spectrum_free(out);
    return st;
}
