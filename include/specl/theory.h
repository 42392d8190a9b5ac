/* specl/theory.h: exact quantities and the explicit constructions of the paper's proofs.
 * Built on base/, data/ and model/ only; never on train/.
 *
 * Linear class (PAPER.md §4.1, §6 item 6): for f(x) = Ux,
 *   L_λ(U) = tr(U Σ_Δ Uᵀ) + λ‖U Σ Uᵀ − I‖²_F.
 * With e_1 ≤ … ≤ e_d the generalized eigenvalues of (Σ_Δ, Σ) and v_j their eigenvectors
 * (v_jᵀ Σ v_j = 1), the minimizer takes the bottom k directions with variance
 * c_j = max(0, 1 − e_j/(2λ)): U = diag(√c) [v_1 … v_k]ᵀ, and
 *   L* = λ Σ_{j≤k} (1 − c_j²)   (the terms c_j e_j + λ(c_j − 1)² collapse to λ(1 − c_j²)).
 */
#ifndef SPECL_THEORY_H
#define SPECL_THEORY_H

#include "base.h"
#include "data.h"
#include "model.h"
#include "spectral.h"

/* Generalized eigen-decomposition of (Σ_Δ, Σ) of a source with moments: e (d) ascending,
 * v (d,d) eigenvectors as columns with vᵀΣv = 1. */
int specl_linear_spectrum(const specl_source *src, double *e, double *v);
/* L* of the linear class at (k, λ). */
int specl_linear_optimum(const specl_source *src, int k, double lambda, double *loss);
/* The closed-form minimizer as a `linear` model (k,d) ready for probing. */
int specl_linear_minimizer(const specl_source *src, int k, double lambda, int max_n,
                           specl_model **out);
/* Table class (one free vector per support point, data.h). On a source with an exact graph
 * (PAPER.md §6 item 5): with F the rows √p(x) f(x), L_λ = 2 tr(Fᵀ L F) + λ‖FᵀF − I‖²_F, so the
 * minimizer takes the bottom-k eigenvectors v_i of the normalized Laplacian with variance
 * c_i = max(0, 1 − ν_i/λ), f(x) = Σ_i √c_i v_i(x)/√p(x) e_i, and
 *   L* = Σ_{i≤k} (ν_i < λ ? 2ν_i − ν_i²/λ : λ)   (λ for each i beyond the n eigenvalues).
 * Without a graph (hypercube: both views of a pair share their support point) the alignment is
 * 0 and L* = 0 if k ≤ n_support, else λ(k − n_support). */
int specl_table_optimum(const specl_source *src, int k, double lambda, double *loss);
/* The closed-form minimizer as a `table` model (graph sources only). */
int specl_table_minimizer(const specl_source *src, int k, double lambda, int max_n, specl_model **out);

/* ---- functions on the vertices of a finite graph (theory/graph_class.c) ----
 * The linear class f(x) = U X_x over vertex features X (n, d): the generalized eigenpairs of
 * (Σ_Δ, Σ) on range(Σ) (e (r) ascending, clamped ≥ 0; v (d, r) row-major with vᵀΣv = I_r,
 * vᵀΣ_Δv = diag(e)), so f_j = v_jᵀX are orthonormal under p_data with quadratic forms e_j. */
typedef struct specl_glin { int d, r; double *e, *v; } specl_glin;
int specl_glin_spectrum(const specl_graph *g, const double *x, int d, specl_glin *out);
void specl_glin_free(specl_glin *s);
/* The class's minimizer of L_λ at k: U (k, d) with rows √c_j v_jᵀ, c_j = max(0, 1 − e_j/(2λ))
 * (zero rows beyond r), and *loss (may be NULL) = Σ_{j≤k} λ(1 − c_j²). */
int specl_glin_minimizer(const specl_glin *s, int k, double lambda, double *u, double *loss);
/* f (n, k) = X Uᵀ. */
void specl_glin_apply(int64_t n, int d, const double *x, int k, const double *u, double *f);
/* L_λ of f (n, k) given on the vertices, from its definition: Σ_xy W_xy ‖f_x − f_y‖²/total +
 * λ‖Σ_x p(x) f_x f_xᵀ − I‖²_F (NAN if out of memory). */
double specl_graph_loss_direct(const specl_graph *g, int k, const double *f, double lambda);
/* The 2021 spectral contrastive loss of f (n, k) by enumerating all n² ordered pairs (n ≤ 20000):
 * −2 Σ w_xx' f(x)ᵀf(x') + Σ p(x)p(x')(f(x)ᵀf(x'))², w = W/total, p its row sums. */
int specl_graph_spectral2021_direct(const specl_graph *g, int k, const double *f, double *loss);
/* f (n, k) = √c_i v_i(x)/√p(x), c_i = max(0, 1 − ν_i/λ): the table class's closed-form minimizer
 * from the bottom k ≤ s->k eigenpairs of s. */
int specl_table_minimizer_f(const specl_graph *g, const specl_spectrum *s, int k, double lambda, double *f);
/* min_W E‖W f(x) − e_part(x)‖² of f (n, k) over the vertices (p_data weights), in double. */
int specl_graph_probe_error(const specl_graph *g, int k, const double *f, const int32_t *part, int m, double *error);

/* ---- Thm 4.5 at k = m with every quantity computed exactly (theory/thm45.c, derivations there) ----
 * applies = 0 with a reason when the theorem says nothing (φ not below λ by a relative margin,
 * fewer than m functions in the class, a given f_eig outside the class). */
typedef struct specl_thm45 {
    int applies;
    char reason[200];
    double zeta, b, phi, phi_tilde, r_out, eps, bound;   /* r_out: ε/(1 + √(φ/λ)) */
} specl_thm45;
/* Table class: f_eig = the bottom m eigenfunctions v_i/√p; s holds ≥ m + 1 eigenpairs (or all n). */
int specl_thm45_table(const specl_graph *g, const specl_spectrum *s, const int32_t *part, int m, double lambda,
                      specl_thm45 *out);
/* Linear class over x (n, d) with spectrum s: f_eig = feig (n, m) on the vertices (must be
 * orthonormal linear functions of x, else not applicable), or NULL for the bottom m generalized
 * eigenfunctions v_jᵀX. */
int specl_thm45_linear(const specl_graph *g, const specl_glin *s, const double *x, const int32_t *part, int m,
                       const double *feig, double lambda, specl_thm45 *out);
/* r of Assumption 4.3 (see thm45.c): the largest squared distance to span(f_eig) of a unit g of
 * the class with quadratic form ≤ φ̃, over a basis with quadratic forms e (r ascending).
 * _bottom: f_eig = the first m basis functions (closed form). The other: f_eig with coordinates
 * q (r, m) (orthonormal columns), by the dual min_μ λ_max(I − qqᵀ − μ diag(e)) + μφ̃ (an upper bound). */
double specl_thm45_outside_bottom(const double *e, int r, int m, double phi_tilde);
int specl_thm45_outside(int r, const double *e, const double *q, int m, double phi_tilde, double *out);

/* ---- explicit constructions (functions that return models) ---- */
/* Thm 5.3 lower bound (hypercube, table class, k ≤ 2^{d−1}): f(x)_j = √k when the sign pattern
 * of x_{2:d}, mapped to k groups of equal mass (pattern mod k), is j. Ignores x_1. */
int specl_construct_thm53_lower(const specl_source *hypercube, int k, int max_n, specl_model **out);
/* Thm 5.6 lower bound (table class, k ≤ 2^{d−s}): the same on the spurious signs x_{s+1:d}. */
int specl_construct_thm56_lower(const specl_source *hypercube, int s, int k, int max_n,
                                specl_model **out);
/* Thm 5.6 upper bound (relu1, k = 2^s): row i of U has √k·bin⁻¹(i) on the first s coordinates
 * and 0 elsewhere, bias −√k(s−1), so f(x) = √k e_{bin(x_{1:s})} on every augmented x. */
int specl_construct_thm56_relu(int d, int s, int max_n, specl_model **out);

/* Thm 5.12 upper bound (conv1d-circ, k = 2^s): filter i is (√k/(γ−1))·bin⁻¹(i) (±1 by the bits of
 * i), bias (√k/(γ−1))(−s − (γ−1)(s−1)); the matching window gives exactly √k, any other window
 * (a one-bit mismatch, or one holding a spurious coordinate of modulus ≤ 1) gives ≤ 0, so
 * f(x) = √k e_{bin(patch)} for every augmented x. */
int specl_construct_thm512_conv(int d, int s, double gamma, int max_n, specl_model **out);
/* Thm 5.12 lower bound (relu1, k = d·2^{s−1}, s ≥ 3, d ≥ 2s): one unit per location t and per pair of
 * patterns that differ only in the interior bit j = 2 (1-based). Its weights are a·h on the other
 * s − 1 patch positions (h the pair's shared signs), 0 on bit 2, bias √k − aγ(s−1), a = √k/(γ−1):
 * √k on those two patterns at t; ≤ 0 on every other input, since any shifted window holds a
 * spurious coordinate (modulus ≤ 1) on a used end position (PAPER.md §8). f = √k e_{(t, pair)}:
 * L_λ = 0, E ffᵀ = I, and f does not see bit 2. */
int specl_construct_thm512_lower(int d, int s, double gamma, int max_n, specl_model **out);
/* The same pairing on any patch bit `skip` (1-based) in place of bit 2. For an interior bit
 * (1 < skip < s) the units are one-hot as above; for an end bit (1 or s) the s − 1 used positions
 * are consecutive, so a unit also fires on the patch shifted by one (PAPER.md section 8) and the
 * output is not one-hot. */
int specl_construct_thm512_lower_bit(int d, int s, int skip, double gamma, int max_n, specl_model **out);
/* Thm 5.9 lower bound (table over the r0 sub-clusters of a manifolds source, k | r0/r): sub-cluster v
 * maps to √k e_{v mod k}; each cell holds the same number of sub-clusters of every group, so
 * L_λ = 0 and the group label's error is 1 − 1/r ≥ 1/2. */
int specl_construct_thm59_lower(const specl_source *manifolds, int r, int k, int max_n, specl_model **out);

/* C16 (b): the smallest whitened alignment ratio E(v − v⁺)²/Var v of a relu1 unit v = σ(a x_j + b)
 * on one spurious hypercube coordinate x_j = ±τ, τ ~ U[lo, hi] (theory/relu1.c derives it; the prediction of claim C16 (b)); the
 * minimizing b (at a = 1) in *b_at if not NULL. 0.04629 at [1/2, 1]. */
double specl_relu1_min_alignment(double lo, double hi, double *b_at);

#endif
