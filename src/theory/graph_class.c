/* Functions on the vertices of a finite positive-pair graph (see theory.h): the linear class over
 * vertex features (its generalized spectrum and closed-form minimizer), and L_λ and the 2021
 * spectral contrastive loss evaluated directly from their definitions.
 *
 * Linear class f(x) = U X_x, X (n, d):
 *   Σ = Σ_x p(x) X_x X_xᵀ,  Σ_Δ = E_pos (X_x − X_x⁺)(X_x − X_x⁺)ᵀ,  L_λ(U) = tr(UΣ_ΔUᵀ) + λ‖UΣUᵀ − I‖²_F.
 * A direction u with Σu = 0 has uᵀX_x = 0 on every vertex (p > 0), so Σ_Δu = 0 too: only range(Σ)
 * matters. With Σ = VΛVᵀ and T = V_r Λ_r^{-1/2} (d, r) over the eigenvalues above 1e-12·max,
 * R = TᵀΣ_ΔT = Y diag(e) Yᵀ and v = TY: vᵀΣv = I_r and vᵀΣ_Δv = diag(e). The functions
 * f_j(x) = v_jᵀX_x are orthonormal under p_data, span every linear function, and f_j has quadratic
 * form e_j. In these coordinates (U = A vᵀ, A (k, r)) L_λ = tr(A diag(e) Aᵀ) + λ‖AAᵀ − I‖²_F, which
 * is minimized (Eckart–Young on the regularizer, Ky Fan on the alignment) by the bottom k
 * directions with A_jj = √c_j, c_j = max(0, 1 − e_j/(2λ)) (the stationary point of c e + λ(c − 1)²),
 * and the value per direction is c e + λ(c − 1)² = λ(1 − c²); directions beyond r add λ each. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "specl/theory.h"
#include "theory_int.h"

void specl_glin_free(specl_glin *s) {
    free(s->e);
    free(s->v);
    memset(s, 0, sizeof *s);
}

int specl_glin_spectrum(const specl_graph *g, const double *x, int d, specl_glin *out) {
    memset(out, 0, sizeof *out);
    size_t dd = (size_t)d * d;
    double *sig = malloc(sizeof(double) * dd), *sd = malloc(sizeof(double) * dd);
    out->e = malloc(sizeof(double) * d);
    out->v = calloc(dd, sizeof(double));
    int st = (!sig || !sd || !out->e || !out->v) ? specl_error(SPECL_ENOMEM, "linear spectrum d = %d", d) : SPECL_OK, k = 0;
    if (!st) st = specl_graph_linear_moments(g, x, d, sig, sd);
    if (!st) st = specl_range_gen_eig(d, sd, sig, out->e, out->v, &k);
    if (!st && k == 0) st = specl_error(SPECL_ELINALG, "linear spectrum: the features vanish on every vertex");
    if (!st) {
        for (int j = 0; j < k; j++) if (out->e[j] < 0) out->e[j] = 0;   /* Σ_Δ ⪰ 0: clamp rounding */
        out->d = d;
        out->r = k;
    }
    free(sig); free(sd);
    if (st) specl_glin_free(out);
    return st;
}

int specl_glin_minimizer(const specl_glin *s, int k, double lambda, double *u, double *loss) {
    if (k < 1 || !(lambda > 0)) return specl_error(SPECL_EINVAL, "linear minimizer: k = %d, lambda = %g (need k >= 1, lambda > 0)", k, lambda);
    int d = s->d;
    double l = 0;
    memset(u, 0, sizeof(double) * (size_t)k * d);
    for (int j = 0; j < k; j++) {
        double c = j < s->r ? 1.0 - s->e[j] / (2.0 * lambda) : 0.0;
        if (c < 0) c = 0;
        l += lambda * (1.0 - c * c);
        for (int i = 0; j < s->r && i < d; i++) u[(size_t)j * d + i] = sqrt(c) * s->v[(size_t)i * s->r + j];
    }
    if (loss) *loss = l;
    return SPECL_OK;
}

void specl_glin_apply(int64_t n, int d, const double *x, int k, const double *u, double *f) {
    for (int64_t v = 0; v < n; v++)
        for (int j = 0; j < k; j++) {
            double a = 0;
            for (int i = 0; i < d; i++) a += u[(size_t)j * d + i] * x[(size_t)v * d + i];
            f[(size_t)v * k + j] = a;
        }
}

double specl_graph_loss_direct(const specl_graph *g, int k, const double *f, double lambda) {
    double align = 0, reg = 0;
    double *cov = calloc((size_t)k * k, sizeof(double));
    if (!cov) return NAN;
    for (int64_t x = 0; x < g->n; x++) {
        const double *fx = f + (size_t)x * k;
        for (int64_t e = g->rowptr[x]; e < g->rowptr[x + 1]; e++) {
            const double *fy = f + (size_t)g->col[e] * k;
            double dd = 0;
            for (int a = 0; a < k; a++) dd += (fx[a] - fy[a]) * (fx[a] - fy[a]);
            align += g->val[e] * dd;
        }
        double p = g->deg[x] / g->total;
        for (int a = 0; a < k; a++)
            for (int b = 0; b < k; b++) cov[a * k + b] += p * fx[a] * fx[b];
    }
    for (int a = 0; a < k; a++)
        for (int b = 0; b < k; b++) reg += (cov[a * k + b] - (a == b)) * (cov[a * k + b] - (a == b));
    free(cov);
    return align / g->total + lambda * reg;
}

/* The 2021 loss from its definition, enumerating every ordered pair (x, x') of vertices: the
 * positive-pair probability w_xx' = W_xx'/total read into a dense matrix, p(x) = Σ_x' w_xx' (the
 * marginal of that matrix, not the graph's degree array), and
 *   L_spec(f) = −2 Σ_{x,x'} w_xx' f(x)ᵀf(x') + Σ_{x,x'} p(x)p(x') (f(x)ᵀf(x'))².  O(n²k). */
int specl_graph_spectral2021_direct(const specl_graph *g, int k, const double *f, double *loss) {
    int64_t n = g->n;
    if (n > 20000) return specl_error(SPECL_EUNSUPPORTED, "the direct 2021 loss enumerates n^2 pairs: n = %lld > 20000", (long long)n);
    double *w = calloc((size_t)n * n, sizeof(double)), *p = calloc((size_t)n, sizeof(double));
    if (!w || !p) { free(w); free(p); return specl_error(SPECL_ENOMEM, "direct 2021 loss: %lld^2 pairs", (long long)n); }
    double tot = 0;
    for (int64_t x = 0; x < n; x++)
        for (int64_t e = g->rowptr[x]; e < g->rowptr[x + 1]; e++) { w[(size_t)x * n + g->col[e]] += g->val[e]; tot += g->val[e]; }
    for (int64_t x = 0; x < n; x++)
        for (int64_t y = 0; y < n; y++) { w[(size_t)x * n + y] /= tot; p[x] += w[(size_t)x * n + y]; }
    double pos = 0, neg = 0;
    for (int64_t x = 0; x < n; x++)
        for (int64_t y = 0; y < n; y++) {
            double dot = 0;
            for (int a = 0; a < k; a++) dot += f[(size_t)x * k + a] * f[(size_t)y * k + a];
            pos += w[(size_t)x * n + y] * dot;
            neg += p[x] * p[y] * dot * dot;
        }
    *loss = -2.0 * pos + neg;
    free(w); free(p);
    return SPECL_OK;
}

int specl_table_minimizer_f(const specl_graph *g, const specl_spectrum *s, int k, double lambda, double *f) {
    if (k < 1 || k > s->k) return specl_error(SPECL_EINVAL, "the spectrum has %d eigenpairs, k = %d", s->k, k);
    for (int64_t x = 0; x < g->n; x++)
        for (int i = 0; i < k; i++) {
            double c = s->nu[i] < lambda ? 1.0 - s->nu[i] / lambda : 0.0;
            f[(size_t)x * k + i] = sqrt(c) * s->vec[(size_t)x * s->k + i] / sqrt(g->deg[x] / g->total);
        }
    return SPECL_OK;
}

/* min_W E‖W f(x) − e_part(x)‖² in double: with C = E ffᵀ = QΛQᵀ and M = E[f e_partᵀ] (k, m), the
 * error is E‖e‖² − tr(Mᵀ C⁺ M) = 1 − Σ_{λ_j > 1e-12 max λ} ‖Q_jᵀM‖²/λ_j. */
int specl_graph_probe_error(const specl_graph *g, int k, const double *f, const int32_t *part, int m, double *error) {
    double *c = calloc((size_t)k * k, sizeof(double)), *mm = calloc((size_t)k * m, sizeof(double)), *lam = malloc(sizeof(double) * k);
    if (!c || !mm || !lam) { free(c); free(mm); free(lam); return specl_error(SPECL_ENOMEM, "probe error"); }
    for (int64_t x = 0; x < g->n; x++) {
        double p = g->deg[x] / g->total;
        const double *fx = f + (size_t)x * k;
        for (int a = 0; a < k; a++) {
            mm[a * m + part[x]] += p * fx[a];
            for (int b = 0; b < k; b++) c[a * k + b] += p * fx[a] * fx[b];
        }
    }
    int st = specl_dsyev(k, c, lam);
    double explained = 0;
    for (int j = 0; !st && j < k; j++) {
        if (!(lam[j] > 1e-12 * lam[k - 1])) continue;
        for (int i = 0; i < m; i++) {
            double a = 0;
            for (int l = 0; l < k; l++) a += c[l * k + j] * mm[l * m + i];
            explained += a * a / lam[j];
        }
    }
    if (!st) *error = fmax(0.0, 1.0 - explained);
    free(c); free(mm); free(lam);
    return st;
}
