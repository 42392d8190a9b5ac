/* The smallest whitened alignment of a one-layer ReLU unit on the hypercube of Ex. 5.4 (the
 * prediction of claim C16 (b)).
 *
 * Ex. 5.4: x̄ uniform on {±1}^d, each view multiplies spurious coordinate j > s by its own
 * τ ~ U[lo, hi] (the paper: [1/2, 1]). The functions of the s invariant bits span a space of
 * dimension 2^s (constants included) and have alignment 0. A space V of m > 2^s outputs therefore
 * has at least m − 2^s dimensions whose part orthogonal to those functions varies with the spurious
 * coordinates, and φ_m = tr(C⁻¹D)/m is the mean of the generalized eigenvalues of (D, C) on V:
 * ≥ (m − 2^s)/m · ρ₁ if every such dimension costs at least ρ₁, the smallest alignment ratio
 * E(v − v⁺)² / E(v − E[v | x_{1:s}])² of a unit v. (That every extra dimension costs ρ₁ is the
 * assumption of the prediction, not a theorem: it holds for units on one spurious coordinate and
 * any invariant ones, by the argument below; units on several spurious coordinates do worse in the
 * cases worked by hand, e.g. σ(x_j + x_k − 1/2) has 2/19 ≈ 0.105; combining units that share a
 * coordinate can make a zero-alignment step 1[x_j > 0] = 2(σ(x_j) − σ(x_j − 1/2)), but the
 * remaining direction of that pair then has E[v | sign] = 0 and ratio exactly 2.)
 *
 * A unit σ(wᵀx_{1:s} + a x_j + b) on one spurious coordinate is, on each invariant pattern p, the
 * one-coordinate unit σ(c_p + a x_j), and its ratio is a mediant of the per-pattern ratios, so it
 * is ≥ min over units v = σ(a ετ + b) (ε = ±1 the sign of x̄_j, τ its scale). For such v, with
 * A = E_ε Var(v | ε) and B = Var_ε E[v | ε]: E(v − v⁺)² = 2A (the views share ε, not τ) and
 * Var v = A + B, so the ratio is 2A/(A + B), scale-free: a = ±1 (mirror images), b free.
 *   b ≥ hi: v is linear in x_j, ratio 2Var τ/(Var τ + (Eτ)²) (= 1/14 at [1/2, 1], the linear
 *           class's generalized eigenvalue Σ_Δ/Σ = (1/24)/(7/12));
 *   lo ≤ b < hi: the negative side is cut to σ(b − τ), which lowers the ratio;
 *   −lo ≤ b < lo: the negative side is 0, ratio 2(Varτ/2)/(Varτ/2 + (Eτ + b)²/4), smallest at b = lo;
 *   at [1/2, 1] with c = b − 1/2 ∈ [0, 1/2]: A = (1/48 + 2c³/3 − c⁴)/2, B = (5/4 + c − c²)²/4,
 *   ratio 0.05195 at c = 0, minimum ρ₁ = 0.04629 at c ≈ 0.127 (b ≈ 0.627).
 * Computed here for any [lo, hi] from the exact moments of the uniform law (no sampling), minimized
 * over b by a grid and golden-section refinement. At s = 3, m = 12: (4/12)·0.04629 = 0.0154. */

#include <math.h>
#include "specl/theory.h"
#include "theory_int.h"

/* E σ(u + b) and E σ(u + b)² for u ~ U[lo, hi]. */
static void relu_moments_(double lo, double hi, double b, double *m1, double *m2) {
    double a = lo > -b ? lo : -b;
    if (a >= hi) { *m1 = *m2 = 0; return; }
    double p = hi + b, q = a + b, w = hi - lo;
    *m1 = (p * p - q * q) / (2 * w);
    *m2 = (p * p * p - q * q * q) / (3 * w);
}

static double unit_ratio_(double lo, double hi, double b) {
    double mp, sp, mm, sm;
    relu_moments_(lo, hi, b, &mp, &sp);      /* ε = +1: σ(τ + b) */
    relu_moments_(-hi, -lo, b, &mm, &sm);    /* ε = −1: σ(−τ + b) */
    double A = 0.5 * ((sp - mp * mp) + (sm - mm * mm)), B = 0.25 * (mp - mm) * (mp - mm);
    return A + B > 0 ? 2 * A / (A + B) : NAN;
}

static int ratio_at_(double b, void *ctx, double *r) {
    const double *lh = ctx;
    *r = unit_ratio_(lh[0], lh[1], b);
    return SPECL_OK;
}

double specl_relu1_min_alignment(double lo, double hi, double *b_at) {
    double best = INFINITY, bb = NAN, lh[2] = { lo, hi };
    int n = 20000;
    for (int i = 1; i <= n; i++) {   /* b in (−hi, 2hi]: below −hi the unit is 0; above hi the ratio is constant */
        double b = -hi + 3 * hi * i / n, r = unit_ratio_(lo, hi, b);
        if (r < best) { best = r; bb = b; }
    }
    double xg, fg;   /* refine around the grid's best point */
    if (isfinite(bb) && !specl_golden_min(ratio_at_, lh, bb - 3 * hi / n, bb + 3 * hi / n, 100, &xg, &fg) && fg < best) { best = fg; bb = xg; }
    if (b_at) *b_at = bb;
    return best;
}
