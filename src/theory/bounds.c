/* The paper's error bounds as calculators (PAPER.md §3, §6 item 12).
 *
 * Thm 3.6 (Eq. 6): E‖W f̂(x) − e_y(x)‖² ≤ (α/β)·P_max/(P_min − α), under λ > α/P_min (so that
 * M = E[f̂f̂ᵀ] is invertible, proof step 2) and P_min > α (the denominator; it also follows from
 * step 4's factor 1 − α/P_min > 0). β = ∞ (no function in F splits a cluster) gives 0; β = 0 gives
 * ∞, the vacuous bound, since the proof divides the alignment by 2β(1 − α/P_min) (also for α = 0:
 * 0/0 there means the theorem says nothing).
 *
 * Thm 4.5 (Eq. 20) with the constants of the proof in App. C: 2ζ + 4B²kε + 16B²kφ/λ, under
 * (φ̃ > φ or φ̃ = φ = 0) and φ ≤ φ̃(1 − √(φ/λ)) (every coordinate of f̂ must satisfy Eq. 17).
 *
 * Thm 4.7 (Eq. 24): the paper states only ≲, so every hidden constant is 1:
 *   ζ + B²k(ε + φ/λ) + (C_f⁴k²λ + B²k)/(φ̃ − 2φ)·(R + √(log(k²/δ)/n_pre)) + B·C_f·√(log(1/δ)/n_ds),
 * under φ̃ > 2φ and λ ≥ 2φ̃ + 1.
 *
 * Every input is validated (finite, in range) with SPECL_EINVAL; an unmet theorem condition is
 * SPECL_EUNSUPPORTED with a detail message naming the condition and the numbers.
 */
#include <math.h>
#include "specl/spectral.h"

/* SPECL_EINVAL unless v is finite and v ≥ lo (strict: v > lo). */
static int check_(const char *what, const char *name, double v, double lo, int strict) {
    if (!isfinite(v) || (strict ? !(v > lo) : !(v >= lo)))
        return specl_error(SPECL_EINVAL, "%s: %s = %g, expected a finite value %s %g", what, name, v,
                           strict ? ">" : ">=", lo);
    return SPECL_OK;
}

static int thm36_inputs_(double alpha, double beta, double p_min, double p_max, double lambda) {
    const char *w = "Thm 3.6";
    int st = check_(w, "alpha", alpha, 0.0, 0);
    if (!st && alpha > 1) st = specl_error(SPECL_EINVAL, "%s: alpha = %g is a probability, expected <= 1", w, alpha);
    if (!st && (isnan(beta) || beta < 0))
        st = specl_error(SPECL_EINVAL, "%s: beta = %g, expected >= 0 (infinity allowed)", w, beta);
    if (!st) st = check_(w, "P_min", p_min, 0.0, 1);
    if (!st) st = check_(w, "P_max", p_max, p_min, 0);
    if (!st && p_max > 1) st = specl_error(SPECL_EINVAL, "%s: P_max = %g is a probability, expected <= 1", w, p_max);
    if (!st) st = check_(w, "lambda", lambda, 0.0, 1);
    return st;
}

int specl_bound_thm36(double alpha, double beta, double p_min, double p_max, double lambda, double *bound) {
    int st = thm36_inputs_(alpha, beta, p_min, p_max, lambda);
    if (st) return st;
    if (!(p_min > alpha))
        return specl_error(SPECL_EUNSUPPORTED, "Thm 3.6 needs P_min > alpha (P_min = %g, alpha = %g)", p_min, alpha);
    if (!(lambda > alpha / p_min))
        return specl_error(SPECL_EUNSUPPORTED, "Thm 3.6 needs lambda > alpha/P_min = %g (lambda = %g)",
                           alpha / p_min, lambda);
    if (isinf(beta)) *bound = 0.0;
    else if (beta == 0) *bound = INFINITY;
    else *bound = (alpha / beta) * p_max / (p_min - alpha);
    return SPECL_OK;
}

/* Inputs shared by Thm 4.5 and 4.7. */
static int eig_inputs_(const char *w, double zeta, double b, int k, double eps, double phi, double phi_tilde,
                       double lambda) {
    int st = check_(w, "zeta", zeta, 0.0, 0);
    if (!st) st = check_(w, "B", b, 0.0, 0);
    if (!st && k < 1) st = specl_error(SPECL_EINVAL, "%s: k = %d, expected >= 1", w, k);
    if (!st) st = check_(w, "eps", eps, 0.0, 0);
    if (!st) st = check_(w, "phi", phi, 0.0, 0);
    if (!st) st = check_(w, "phi_tilde", phi_tilde, 0.0, 0);
    if (!st) st = check_(w, "lambda", lambda, 0.0, 1);
    return st;
}

int specl_bound_thm45(double zeta, double b, int k, double eps, double phi, double phi_tilde, double lambda,
                      double *bound) {
    int st = eig_inputs_("Thm 4.5", zeta, b, k, eps, phi, phi_tilde, lambda);
    if (st) return st;
    if (!(phi_tilde > phi || (phi_tilde == 0 && phi == 0)))
        return specl_error(SPECL_EUNSUPPORTED, "Thm 4.5 needs phi_tilde > phi or phi_tilde = phi = 0 "
                           "(phi_tilde = %g, phi = %g)", phi_tilde, phi);
    double rhs = phi_tilde * (1.0 - sqrt(phi / lambda));
    if (!(phi <= rhs))
        return specl_error(SPECL_EUNSUPPORTED, "Thm 4.5 needs phi <= phi_tilde*(1 - sqrt(phi/lambda)) = %g "
                           "(phi = %g, phi_tilde = %g, lambda = %g)", rhs, phi, phi_tilde, lambda);
    double bbk = b * b * k;
    *bound = 2.0 * zeta + 4.0 * bbk * eps + 16.0 * bbk * phi / lambda;
    return SPECL_OK;
}

static int thm47_inputs_(double c_f, double rademacher, double delta, double n_pre, double n_ds) {
    const char *w = "Thm 4.7";
    int st = check_(w, "C_f", c_f, 0.0, 0);
    if (!st) st = check_(w, "rademacher", rademacher, 0.0, 0);
    if (!st) st = check_(w, "delta", delta, 0.0, 1);
    if (!st && !(delta < 1)) st = specl_error(SPECL_EINVAL, "%s: delta = %g, expected 0 < delta < 1", w, delta);
    if (!st) st = check_(w, "n_pre", n_pre, 0.0, 1);
    if (!st) st = check_(w, "n_ds", n_ds, 0.0, 1);
    return st;
}

int specl_bound_thm47(double zeta, double b, int k, double eps, double phi, double phi_tilde, double lambda,
                      double c_f, double rademacher, double delta, double n_pre, double n_ds, double *bound) {
    int st = eig_inputs_("Thm 4.7", zeta, b, k, eps, phi, phi_tilde, lambda);
    if (!st) st = thm47_inputs_(c_f, rademacher, delta, n_pre, n_ds);
    if (st) return st;
    if (!(phi_tilde > 2.0 * phi))
        return specl_error(SPECL_EUNSUPPORTED, "Thm 4.7 needs phi_tilde > 2*phi = %g (phi_tilde = %g)",
                           2.0 * phi, phi_tilde);
    if (!(lambda >= 2.0 * phi_tilde + 1.0))
        return specl_error(SPECL_EUNSUPPORTED, "Thm 4.7 needs lambda >= 2*phi_tilde + 1 = %g (lambda = %g)",
                           2.0 * phi_tilde + 1.0, lambda);
    double kk = (double)k, bbk = b * b * kk, cf2 = c_f * c_f;
    double pre = (cf2 * cf2 * kk * kk * lambda + bbk) / (phi_tilde - 2.0 * phi)
                 * (rademacher + sqrt(log(kk * kk / delta) / n_pre));
    *bound = zeta + bbk * (eps + phi / lambda) + pre + b * c_f * sqrt(log(1.0 / delta) / n_ds);
    return SPECL_OK;
}
