/* src/theory/theory_int.h: what the files of theory/ share and do not export. */
#ifndef SPECL_THEORY_INT_H
#define SPECL_THEORY_INT_H

/* Generalized eigenproblem of (A, C) on range(C), for symmetric d×d A and PSD C (both destroyed):
 * with C = VΛVᵀ and T = V_r Λ_r^{-1/2} over the eigenvalues above 1e-12·max (*rank = r of them),
 * e (d) receives the r ascending eigenvalues of TᵀAT = Y diag(e) Yᵀ and, if v is not NULL,
 * v (d, r) (row stride r) the generalized eigenvectors T Y: vᵀCv = I_r, vᵀAv = diag(e). */
int specl_range_gen_eig(int d, double *a, double *c, double *e, double *v, int *rank);

/* Golden-section search for a minimum of a unimodal f on [lo, hi], iters steps. f returns a status
 * (non-zero stops the search and is returned). *xmin, *fbest: the best point evaluated. */
typedef int (*specl_fn1)(double x, void *ctx, double *fx);
int specl_golden_min(specl_fn1 f, void *ctx, double lo, double hi, int iters, double *xmin, double *fbest);

#endif
