/* Thm 4.5 (PAPER.md §3.2) on a finite positive-pair graph at k = m, with every quantity of
 * Assumptions 4.2–4.4 computed exactly for the class (the table class, or the linear class over
 * vertex features), and one-hot labels of the partition as the task.
 *
 * Assumption 4.2: f_eig (m functions of the class, E f_eig f_eigᵀ = I); φ = Σ_i E_pos(f_eig,i(x) −
 * f_eig,i(x⁺))² (the sum over the m functions).
 * Assumption 4.4: the best head W* = E[y f_eigᵀ] (least squares, since E f_eig f_eigᵀ = I), so
 * ζ = E‖y‖² − ‖W*‖²_F = 1 − ‖W*‖²_F and B = ‖W*‖_F.
 * φ̃: the theorem needs φ ≤ φ̃(1 − √(φ/λ)) and (φ̃ > φ or φ̃ = φ = 0); the smallest such φ̃ (the
 * one that gives the smallest ε) is φ/(1 − √(φ/λ)). We take it times (1 + 1e-9) so that the
 * condition holds with a relative slack far above rounding, and call the theorem applicable iff
 * √(φ/λ) ≤ 1 − 1e-6 (no φ̃ exists when φ ≥ λ). Neither decision depends on the last bit.
 * Assumption 4.3: for g in the class with E_pos(g(x) − g(x⁺))² ≤ φ̃ E g², some w̃ has
 * E(w̃ᵀf_eig − g)² ≤ ε. The statement is homogeneous of degree 2 in g, so ε is relative to E g²;
 * the proof (App. C, step 2) applies it to the coordinates f̂_i of the minimizer, whose second
 * moment is at most 1 + √(φ/λ) (‖E f̂f̂ᵀ − I‖²_F ≤ φ/λ). So ε = r·(1 + √(φ/λ)), where
 *   r = sup { dist²(g, span f_eig) : g in the class, E g² = 1, E_pos(g(x) − g(x⁺))² ≤ φ̃ }.
 *
 * Computing r. Every function of the class is g = Σ_j a_j f_j over an orthonormal basis f_j
 * (E f_i f_j = δ_ij) in which the quadratic form is diagonal, f_j having quadratic form e_j:
 * table class, f_j = v_j/√p with e_j = 2ν_j (ν the normalized Laplacian's eigenvalues); linear
 * class, f_j = v_jᵀX with e_j the generalized eigenvalues of (Σ_Δ, Σ) (theory/graph_class.c).
 * Then E g² = ‖a‖², the quadratic form is Σ a_j² e_j, and with Q (r, m) the coordinates of f_eig
 * (orthonormal columns) dist² = aᵀ(I − QQᵀ)a.
 * (a) f_eig = the bottom m basis functions (Q = [I_m; 0]): with w_j = a_j² ≥ 0, Σ w_j = 1, we
 *     maximize Σ_{j>m} w_j subject to Σ w_j e_j ≤ φ̃, a linear program whose optimum puts the mass
 *     inside on e_1 (the cheapest inside direction) and outside on e_{m+1} (the cheapest outside):
 *     (1 − r)e_1 + r e_{m+1} ≤ φ̃, so r = (φ̃ − e_1)/(e_{m+1} − e_1) clamped to [0, 1] (r = 0 when
 *     nothing lies outside, r = 1 when e_{m+1} = e_1 ≤ φ̃).
 * (b) any other f_eig: r = max aᵀPa over ‖a‖ = 1, aᵀAa ≤ φ̃ (P = I − QQᵀ, A = diag(e)). For every
 *     μ ≥ 0, aᵀPa ≤ aᵀ(P − μA)a + μφ̃ ≤ λ_max(P − μA) + μφ̃ on the feasible set (weak duality),
 *     so h(μ) = λ_max(P − μA) + μφ̃ bounds r from above for ANY μ; h is convex, and the bound is
 *     tight at its minimum (the joint range of two quadratic forms on the sphere is convex for
 *     r ≥ 3, Brickman 1961). We minimize h by golden section over [0, M] with M = 1/(φ̃ − c),
 *     c = λ_min(QᵀAQ) (h(μ) ≥ μ(φ̃ − c) > 1 ≥ h(0) beyond M), and keep the smallest value seen:
 *     an upper bound on r in every case, so ε is never understated. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "specl/theory.h"
#include "theory_int.h"

#define PHI_TILDE_SLACK 1e-9   /* φ̃ = φ/(1 − √(φ/λ))·(1 + PHI_TILDE_SLACK) */
#define APPLY_MARGIN 1e-6      /* applicable iff √(φ/λ) ≤ 1 − APPLY_MARGIN */
#define INSIDE_TOL 1e-9        /* f_eig must lie in the class: 1 − ‖q_i‖² ≤ INSIDE_TOL */

double specl_thm45_outside_bottom(const double *e, int r, int m, double phi_tilde) {
    if (m >= r) return 0.0;                        /* f_eig spans the class */
    double lo = e[0], hi = e[m];
    double t = hi > lo ? (phi_tilde - lo) / (hi - lo) : (phi_tilde >= lo ? 1.0 : 0.0);
    return fmin(1.0, fmax(0.0, t));
}

/* λ_max(P − μ diag(e)) + μφ̃ with P = I − QQᵀ (r,r); work (r,r), w (r). */
static int dual_(int r, const double *e, const double *q, int m, double phi_tilde, double mu, double *work, double *w, double *h) {
    for (int i = 0; i < r; i++)
        for (int j = 0; j < r; j++) {
            double a = (i == j) - mu * (i == j) * e[i];
            for (int l = 0; l < m; l++) a -= q[i * m + l] * q[j * m + l];
            work[i * r + j] = a;
        }
    int st = specl_dsyev(r, work, w);
    if (!st) *h = w[r - 1] + mu * phi_tilde;
    return st;
}

typedef struct dual_ctx_ { int r; const double *e, *q; int m; double phi_tilde; double *work, *w; } dual_ctx_;

static int dual_at_(double mu, void *ctx, double *h) {
    const dual_ctx_ *d = ctx;
    return dual_(d->r, d->e, d->q, d->m, d->phi_tilde, mu, d->work, d->w, h);
}

int specl_thm45_outside(int r, const double *e, const double *q, int m, double phi_tilde, double *out) {
    if (m >= r) { *out = 0.0; return SPECL_OK; }
    double *work = malloc(sizeof(double) * (size_t)r * r), *w = malloc(sizeof(double) * r);
    double *qaq = malloc(sizeof(double) * (size_t)m * m);
    int st = (!work || !w || !qaq) ? specl_error(SPECL_ENOMEM, "thm45: %dx%d dual", r, r) : SPECL_OK;
    double best = 1.0, c = 0.0;   /* h(0) = λ_max(P) ≤ 1 */
    if (!st) {   /* c = λ_min(Qᵀ diag(e) Q) */
        for (int i = 0; i < m; i++)
            for (int j = 0; j < m; j++) {
                double a = 0;
                for (int l = 0; l < r; l++) a += q[l * m + i] * e[l] * q[l * m + j];
                qaq[i * m + j] = a;
            }
        st = specl_dsyev(m, qaq, w);
        if (!st) c = w[0];
    }
    double hi = phi_tilde - c > 1e-12 ? 1.0 / (phi_tilde - c) : 1e8, xb = 0, hb = best;
    dual_ctx_ dc = { r, e, q, m, phi_tilde, work, w };
    if (!st) st = specl_golden_min(dual_at_, &dc, 0.0, hi, 200, &xb, &hb);
    if (!st) *out = fmin(1.0, fmax(0.0, fmin(best, hb)));
    free(work); free(w); free(qaq);
    return st;
}

/* φ̃, ε and the bound from ζ, B, φ and a way to get r; sets applies/reason. */
static int finish_(specl_thm45 *o, int m, double lambda, int r_dim, const double *e, const double *q) {
    double s = sqrt(o->phi / lambda);
    if (!(s <= 1.0 - APPLY_MARGIN)) {
        o->applies = 0;
        snprintf(o->reason, sizeof o->reason, "phi = %.6g is not below lambda = %g (by the margin sqrt(phi/lambda) <= 1 - 1e-6): "
                 "no phi_tilde satisfies phi <= phi_tilde (1 - sqrt(phi/lambda))", o->phi, lambda);
        return SPECL_OK;
    }
    o->phi_tilde = o->phi > 0 ? o->phi / (1.0 - s) * (1.0 + PHI_TILDE_SLACK) : 0.0;
    int st = SPECL_OK;
    if (q) st = specl_thm45_outside(r_dim, e, q, m, o->phi_tilde, &o->r_out);
    else o->r_out = specl_thm45_outside_bottom(e, r_dim, m, o->phi_tilde);
    if (st) return st;
    o->eps = o->r_out * (1.0 + s);
    st = specl_bound_thm45(o->zeta, o->b, m, o->eps, o->phi, o->phi_tilde, lambda, &o->bound);
    if (st == SPECL_EUNSUPPORTED) {   /* cannot happen with the slack above; reported, not hidden */
        o->applies = 0;
        snprintf(o->reason, sizeof o->reason, "%s", specl_error_detail());
        return SPECL_OK;
    }
    o->applies = !st;
    return st;
}

int specl_thm45_table(const specl_graph *g, const specl_spectrum *s, const int32_t *part, int m, double lambda,
                      specl_thm45 *out) {
    memset(out, 0, sizeof *out);
    if (m < 1 || s->k < m || (s->k == m && m < g->n))
        return specl_error(SPECL_EINVAL, "thm45 (table): m = %d needs the bottom m + 1 eigenpairs (the spectrum has %d, n = %lld)",
                           m, s->k, (long long)g->n);
    int kk = s->k > m + 1 ? m + 1 : s->k;
    double *e = malloc(sizeof(double) * kk), *ws = calloc((size_t)m * m, sizeof(double));   /* W*_{c,i} = Σ_{x∈S_c} √p_x v_i(x) */
    if (!e || !ws) { free(e); free(ws); return specl_error(SPECL_ENOMEM, "thm45 (table)"); }
    for (int i = 0; i < kk; i++) e[i] = 2.0 * fmax(0.0, s->nu[i]);
    for (int i = 0; i < m; i++) out->phi += e[i];
    for (int64_t x = 0; x < g->n; x++)
        for (int i = 0; i < m; i++) ws[part[x] * m + i] += sqrt(g->deg[x] / g->total) * s->vec[(size_t)x * s->k + i];
    double b2 = 0;
    for (int i = 0; i < m * m; i++) b2 += ws[i] * ws[i];
    out->zeta = fmax(0.0, 1.0 - b2);
    out->b = sqrt(b2);
    int st = finish_(out, m, lambda, kk, e, NULL);
    free(e); free(ws);
    return st;
}

int specl_thm45_linear(const specl_graph *g, const specl_glin *s, const double *x, const int32_t *part, int m,
                       const double *feig, double lambda, specl_thm45 *out) {
    memset(out, 0, sizeof *out);
    int r = s->r, d = s->d;
    if (r < m) {
        out->applies = 0;
        snprintf(out->reason, sizeof out->reason, "the features span %d < m = %d orthonormal linear functions", r, m);
        return SPECL_OK;
    }
    int64_t n = g->n;
    double *fe = malloc(sizeof(double) * (size_t)n * m), *q = feig ? calloc((size_t)r * m, sizeof(double)) : NULL;
    double *ws = calloc((size_t)m * m, sizeof(double)), *col = malloc(sizeof(double) * n);
    int st = (!fe || !ws || !col || (feig && !q)) ? specl_error(SPECL_ENOMEM, "thm45 (linear)") : SPECL_OK;
    for (int64_t v = 0; !st && v < n; v++)   /* f_eig on the vertices */
        for (int i = 0; i < m; i++) {
            double a = 0;
            if (feig) a = feig[(size_t)v * m + i];
            else for (int l = 0; l < d; l++) a += s->v[(size_t)l * r + i] * x[(size_t)v * d + l];
            fe[(size_t)v * m + i] = a;
        }
    for (int i = 0; !st && i < m; i++) {   /* φ from the graph, column by column */
        for (int64_t v = 0; v < n; v++) col[v] = fe[(size_t)v * m + i];
        out->phi += specl_quadratic_form(g, col);
    }
    if (feig && !st) {   /* q (r, m) = E[f_j f_eig,i]: the coordinates of f_eig in the class's basis */
        for (int64_t v = 0; v < n; v++) {
            double p = g->deg[v] / g->total;
            for (int j = 0; j < r; j++) {
                double fj = 0;
                for (int l = 0; l < d; l++) fj += s->v[(size_t)l * r + j] * x[(size_t)v * d + l];
                for (int i = 0; i < m; i++) q[j * m + i] += p * fj * fe[(size_t)v * m + i];
            }
        }
        double worst = 0, wo = 0;   /* f_eig in the class and orthonormal: QᵀQ = I */
        for (int i = 0; i < m; i++)
            for (int i2 = 0; i2 < m; i2++) {
                double a = 0;
                for (int j = 0; j < r; j++) a += q[j * m + i] * q[j * m + i2];
                if (i == i2) worst = fmax(worst, fabs(1.0 - a)); else wo = fmax(wo, fabs(a));
            }
        if (worst > INSIDE_TOL || wo > INSIDE_TOL) {
            out->applies = 0;
            snprintf(out->reason, sizeof out->reason, "the given f_eig is not an orthonormal set of linear functions of the features "
                     "(max |1 - |q_i|^2| = %.3g, max |q_i.q_j| = %.3g)", worst, wo);
            free(fe); free(q); free(ws); free(col);
            return SPECL_OK;
        }
    }
    for (int64_t v = 0; !st && v < n; v++)
        for (int i = 0; i < m; i++) ws[part[v] * m + i] += g->deg[v] / g->total * fe[(size_t)v * m + i];
    double b2 = 0;
    for (int i = 0; i < m * m; i++) b2 += ws[i] * ws[i];
    out->zeta = fmax(0.0, 1.0 - b2);
    out->b = sqrt(b2);
    if (!st) st = finish_(out, m, lambda, r, s->e, q);
    free(fe); free(q); free(ws); free(col);
    return st;
}
