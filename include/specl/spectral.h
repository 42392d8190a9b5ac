/* specl/spectral.h: spectra of finite graphs and the paper's population quantities on them
 * (theory layer). All in float64. Conventions (PAPER.md §2–3, §6):
 *   normalized Laplacian L = I − D^{-1/2} W D^{-1/2}, eigenvalues 0 = ν_1 ≤ … ≤ 2;
 *   a function g on vertices has quadratic form E_pos(g(x) − g(x⁺))² = Σ_xy W_xy (g_x − g_y)² / total
 *   = 2 g̃ᵀ L g̃ with g̃_x = √p_data(x) g_x;
 *   a partition is part (n) with indices 0..m−1.
 */
#ifndef SPECL_SPECTRAL_H
#define SPECL_SPECTRAL_H

#include "graph.h"

typedef enum { SPECL_EIG_AUTO = 0, SPECL_EIG_DENSE, SPECL_EIG_ARPACK } specl_eig_method;

typedef struct specl_spectrum {
    int64_t n;
    int k;             /* eigenpairs returned */
    int converged;     /* eigenpairs that met the tolerance (ARPACK's count; k for dense) */
    double *nu;        /* (k) bottom eigenvalues of L, ascending */
    double *vec;       /* (n, k) row-major: column j is the unit eigenvector of ν_j */
    double *residual;  /* (k) ‖L v_j − ν_j v_j‖₂ */
    specl_eig_method method;   /* the method actually used */
    int ncv;           /* ARPACK: the Lanczos basis size of the final run (0 for dense) */
    int matvecs;       /* ARPACK: products A·x over all runs (0 for dense) */
} specl_spectrum;

/* Bottom k eigenpairs of L. DENSE: LAPACKE dsyevr with an index range (n ≤ 20000). ARPACK:
 * dsaupd/dseupd for the k largest ("LA") eigenvalues of D^{-1/2}WD^{-1/2} (ν = 1 − θ), since the
 * smallest of L in "SM" mode often fails to converge; tol is ARPACK's relative tolerance (0: machine
 * precision). AUTO: dense for n ≤ 2000, else ARPACK. Residuals are always recomputed. */
int specl_graph_spectrum(const specl_graph *g, int k, specl_eig_method method, double tol, specl_spectrum *out);
void specl_spectrum_free(specl_spectrum *s);

/* ---- the paper's quantities ---- */
/* P_i = p_data(S_i) (m). */
int specl_partition_masses(const specl_graph *g, const int32_t *part, int m, double *p);
/* α = Pr_pos(idx_x ≠ idx_x⁺) (Assumption 3.1). */
double specl_partition_alpha(const specl_graph *g, const int32_t *part);
/* Q_S(g) of Eq. 4 for S = {x : part[x] = cluster}: E_{p_pos^S}(g(x) − g(x⁺))² / E_{p_data^S}(g(x) − g(x'))²,
 * INFINITY when the denominator is 0 (g constant on S, or S a single vertex); NAN when S has
 * no internal edge. */
double specl_expansion_q(const specl_graph *g, const int32_t *part, int cluster, const double *gfun);
/* β (Assumption 3.3) for the table class (all functions): per cluster the smallest Q_S over
 * non-constant g, a generalized eigenproblem (within-S Laplacian, p_data^S); beta (m) per cluster
 * (INFINITY for a single-vertex cluster, NAN for a cluster with no internal edge, then *min is
 * NAN too), *min their minimum. Dense: SPECL_EUNSUPPORTED for a cluster above 20000 vertices. */
int specl_beta_table(const specl_graph *g, const int32_t *part, int m, double *beta, double *min);
/* β for the linear class g(x) = uᵀ X_x with vertex features X (n, d): the same over u (directions
 * where the features do not vary on S are excluded: there Q_S = ∞). */
int specl_beta_linear(const specl_graph *g, const int32_t *part, int m, const double *x, int d,
                      double *beta, double *min);
/* φ_m (Eq. 33 with the 1/m convention of Sec. 6) of the table class: (2/m) Σ_{i≤m} ν_i from a
 * spectrum with k ≥ m (SPECL_ELINALG if fewer than m eigenpairs converged). */
int specl_phi_table(const specl_spectrum *s, int m, double *phi);
/* φ_m of the linear class with features X (n, d): (1/m) Σ_{j≤m} e_j, e the generalized eigenvalues
 * of (Σ_Δ, Σ), Σ = Σ_x p(x) x xᵀ, Σ_Δ = E_pos (x − x⁺)(x − x⁺)ᵀ. Directions with Σu = 0 (uᵀx = 0 on the
 * whole support) are dropped; SPECL_ELINALG if Σ has rank < m. */
int specl_phi_linear(const specl_graph *g, const double *x, int d, int m, double *phi);
/* Σ (d,d) = Σ_x p(x) X_x X_xᵀ and Σ_Δ (d,d) = E_pos (X_x − X_x⁺)(X_x − X_x⁺)ᵀ = 2Xᵀ(D − W)X/total of the
 * vertex features X (n, d) (both full, symmetric). */
int specl_graph_linear_moments(const specl_graph *g, const double *x, int d, double *sigma, double *sigma_delta);
/* The same from given moments Σ (d,d) = E[xxᵀ] and Σ_Δ (d,d) = E_pos (x − x⁺)(x − x⁺)ᵀ (inputs kept), for
 * each of n_m values ms[i] at once (one eigenproblem): phi[i] = (1/m) Σ_{j≤m} e_j. */
int specl_phi_linear_moments(int d, const double *sigma, const double *sigma_delta, int n_m, const int *ms,
                             double *phi);
/* Random-walk Laplacian (Eq. 7): out = g − D^{-1} W g. */
void specl_laplacian_apply(const specl_graph *g, const double *gfun, double *out);
/* E_pos (g(x) − g(x⁺))². */
double specl_quadratic_form(const specl_graph *g, const double *gfun);

/* ---- bounds ---- */
/* Eq. 6 (Thm 3.6): (α/β)·P_max/(P_min − α). SPECL_EUNSUPPORTED (detail says why) unless
 * λ > α/P_min and P_min > α; β = ∞ gives 0. */
int specl_bound_thm36(double alpha, double beta, double p_min, double p_max, double lambda, double *bound);
/* Eq. 20 with the proof's constants (Thm 4.5): 2ζ + 4B²kε + 16B²kφ/λ. SPECL_EUNSUPPORTED unless
 * (φ̃ > φ or φ̃ = φ = 0) and φ ≤ φ̃(1 − √(φ/λ)). */
int specl_bound_thm45(double zeta, double b, int k, double eps, double phi, double phi_tilde, double lambda,
                      double *bound);
/* Eq. 24 (Thm 4.7) with every hidden constant set to 1 (the paper gives only ≲):
 * ζ + B²k(ε + φ/λ) + (C_f⁴k²λ + B²k)/(φ̃ − 2φ)·(R + √(log(k²/δ)/n_pre)) + B·C_f·√(log(1/δ)/n_ds).
 * SPECL_EUNSUPPORTED unless φ̃ > 2φ and λ ≥ 2φ̃ + 1. */
int specl_bound_thm47(double zeta, double b, int k, double eps, double phi, double phi_tilde, double lambda,
                      double c_f, double rademacher, double delta, double n_pre, double n_ds, double *bound);

#endif
