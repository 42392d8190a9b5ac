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

int specl_all_finite(const float *x, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (!isfinite(x[i])) return 0;
    return 1;
}

double specl_sumsq(const float *x, size_t n) {
    double s = 0;
    for (size_t i = 0; i < n; i++) s += (double)x[i] * x[i];
    return s;
}
