/* float64 linear algebra over LAPACKE, plus small float-buffer utilities. Row-major throughout. */
#include <lapacke.h>
#include <stdlib.h>
#include <math.h>
#include "specl/base.h"

int specl_dsyev(int n, double *a, double *w) {
    lapack_int info = LAPACKE_dsyevd(LAPACK_ROW_MAJOR, 'V', 'U', n, a, n, w);
    if (info != 0) return specl_error(SPECL_ELINALG, "dsyevd failed (info %d) on a %dx%d matrix", (int)info, n, n);
    return SPECL_OK;
}

int specl_dsygv(int n, double *a, double *b, double *w) {
    lapack_int info = LAPACKE_dsygvd(LAPACK_ROW_MAJOR, 1, 'V', 'U', n, a, n, b, n, w);
    if (info > n) return specl_error(SPECL_ELINALG, "the right-hand matrix B (%dx%d) of a generalized eigenproblem is not positive definite", n, n);
    if (info != 0) return specl_error(SPECL_ELINALG, "dsygvd failed (info %d)", (int)info);
    return SPECL_OK;
}

int specl_dgelsd(int m, int n, int nrhs, double *a, double *b, double rcond, int *rank) {
    double *s = malloc(sizeof(double) * (size_t)(m < n ? m : n));
    if (!s) return specl_error(SPECL_ENOMEM, "dgelsd workspace for a %dx%d system", m, n);
    lapack_int rk = 0;
    lapack_int info = LAPACKE_dgelsd(LAPACK_ROW_MAJOR, m, n, nrhs, a, n, b, nrhs, s, rcond, &rk);
    free(s);
    if (info != 0) return specl_error(SPECL_ELINALG, "dgelsd failed (info %d) on a %dx%d system", (int)info, m, n);
    if (rank) *rank = (int)rk;
    return SPECL_OK;
}

/* The reductions below work in fixed blocks of SUM_BLOCK elements whose results are combined in
 * block order, so they are the same for any thread count; OpenMP splits the blocks of a group of
 * at most SUM_GROUP (whose results live on the stack) over the threads. Below SUM_PAR elements a
 * parallel region costs more than it saves. */
#define SUM_BLOCK 4096
#define SUM_GROUP 256
#define SUM_PAR   65536

int specl_all_finite(const float *x, size_t n) {
    int ok = 1;
    for (size_t g0 = 0; g0 < n && ok; g0 += (size_t)SUM_BLOCK * SUM_GROUP) {
        size_t gn = n - g0 < (size_t)SUM_BLOCK * SUM_GROUP ? n - g0 : (size_t)SUM_BLOCK * SUM_GROUP;
        long nb = (long)((gn + SUM_BLOCK - 1) / SUM_BLOCK);
        /* x − x is 0 for a finite x and NaN otherwise; a sum of them has no early exit, so it
         * vectorizes, and it cannot overflow. The outcome does not depend on the order. */
        #pragma omp parallel for schedule(static) reduction(&& : ok) if (n > SUM_PAR)
        for (long b = 0; b < nb; b++) {
            const float *xb = x + g0 + (size_t)b * SUM_BLOCK;
            size_t len = gn - (size_t)b * SUM_BLOCK < SUM_BLOCK ? gn - (size_t)b * SUM_BLOCK : SUM_BLOCK;
            float z = 0.0f;
            #pragma omp simd reduction(+ : z)
            for (size_t i = 0; i < len; i++) z += xb[i] - xb[i];
            ok = ok && z == 0.0f;
        }
    }
    return ok;
}

/* Σ x² of one block: lane j sums the elements at offsets ≡ j (mod 8) in order, and the lanes are
 * combined pairwise. Eight independent chains rather than one keep the adds from waiting on each
 * other (named scalars: -O2 keeps an array of accumulators in memory). Each square is exact. */
static double sumsq_block_(const float *x, size_t len) {
    double a0 = 0, a1 = 0, a2 = 0, a3 = 0, a4 = 0, a5 = 0, a6 = 0, a7 = 0;
    size_t i = 0;
    for (; i + 8 <= len; i += 8) {
        const float *p = x + i;
        a0 += (double)p[0] * p[0]; a1 += (double)p[1] * p[1];
        a2 += (double)p[2] * p[2]; a3 += (double)p[3] * p[3];
        a4 += (double)p[4] * p[4]; a5 += (double)p[5] * p[5];
        a6 += (double)p[6] * p[6]; a7 += (double)p[7] * p[7];
    }
    double t[8] = { a0, a1, a2, a3, a4, a5, a6, a7 };
    for (int j = 0; i < len; i++, j++) t[j] += (double)x[i] * x[i];
    return ((t[0] + t[1]) + (t[2] + t[3])) + ((t[4] + t[5]) + (t[6] + t[7]));
}

double specl_sumsq(const float *x, size_t n) {
    double s = 0, part[SUM_GROUP];
    for (size_t g0 = 0; g0 < n; g0 += (size_t)SUM_BLOCK * SUM_GROUP) {
        size_t gn = n - g0 < (size_t)SUM_BLOCK * SUM_GROUP ? n - g0 : (size_t)SUM_BLOCK * SUM_GROUP;
        long nb = (long)((gn + SUM_BLOCK - 1) / SUM_BLOCK);
        #pragma omp parallel for schedule(static) if (n > SUM_PAR)
        for (long b = 0; b < nb; b++) {
            size_t off = (size_t)b * SUM_BLOCK;
            part[b] = sumsq_block_(x + g0 + off, gn - off < SUM_BLOCK ? gn - off : SUM_BLOCK);
        }
        for (long b = 0; b < nb; b++) s += part[b];
    }
    return s;
}
