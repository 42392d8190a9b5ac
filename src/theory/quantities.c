/* The paper's population quantities on a finite positive-pair graph (PAPER.md §2.1–2.2, §3, §5).
 *
 * Normalization. W is p_pos up to the constant total = Σ_xy W_xy: p_pos(x, y) = W_xy / total and
 * p_data(x) = deg(x) / total. Every sum below runs over the CSR entries, so each undirected edge
 * is seen in both directions, as in total.
 *
 *   P_i = Σ_{x∈S_i} deg(x) / total;  α = Σ_{idx_x ≠ idx_y} W_xy / total (Assumption 3.1);
 *   E_pos(g(x) − g(x⁺))² = Σ_xy W_xy (g_x − g_y)² / total;  L(g) = g − D⁻¹W g (Eq. 7).
 *
 * Q_S(g) (Eq. 4). p_pos^S is p_pos conditioned on both points in S, so the numerator is
 * N = Σ_{x,y∈S} W_xy (g_x − g_y)² / W_S with W_S = Σ_{x,y∈S} W_xy (self-loops included: they are
 * pairs (x, x) of p_pos^S and add 0 to the sum). p_data^S is p_data restricted to S and
 * renormalized, π_x = deg(x) / Σ_{y∈S} deg(y) with the FULL-graph degrees, and for x, x′ i.i.d. π
 *   E(g(x) − g(x′))² = 2 Var_π(g).
 * Q_S = ∞ when Var_π(g) ≤ 1e-20·E_π g² (g constant on S up to rounding, in particular a single
 * vertex), checked first; NaN when W_S = 0 (p_pos^S undefined).
 *
 * β of the table class (Assumption 3.3 with F = all functions). Let L_in = D_in − W_SS be the
 * Laplacian of the subgraph induced by S (D_in its within-S degrees; a self-loop cancels), so that
 * Σ_{x,y∈S} W_xy (g_x − g_y)² = 2 gᵀL_in g, and Π = diag(π). Then
 *   Q_S(g) = (2 gᵀL_in g / W_S) / (2 gᵀ(Π − ππᵀ)g).
 * Both forms are unchanged by g ↦ g + c·1 (L_in 1 = 0), so take g π-centred (πᵀg = 0, i.e. g
 * Π-orthogonal to 1), where gᵀ(Π − ππᵀ)g = gᵀΠg and Q_S = gᵀL_in g / (W_S gᵀΠg). The generalized
 * problem L_in v = μ Π v has μ_1 = 0 with v_1 = 1 and Π-orthogonal eigenvectors, so by
 * Courant–Fischer min over centred g = μ_2, and β_S = μ_2 / W_S (dense LAPACK dsygvd on S).
 * A single vertex: no non-constant g, β = ∞. Two or more vertices and W_S = 0: NaN (Q_S is NaN for
 * every g). A disconnected induced subgraph gives μ_2 = 0 up to rounding (negatives clamped to 0).
 *
 * β of the linear class g = uᵀx (a bias would not change Q_S). With Y the rows of X on S centred
 * under π, A = YᵀL_in Y (= X_SᵀL_in X_S) and C = Yᵀ Π Y (= X_Sᵀ(Π − ππᵀ)X_S, the π-covariance):
 *   Q(u) = uᵀAu / (W_S uᵀCu).
 * If Cu = 0 then X_S u is constant on S (π > 0), so L_in X_S u = 0 and Au = 0: null(C) ⊂ null(A),
 * and restricting u to range(C) loses nothing. Eigendecompose C = VΛVᵀ, keep λ_j > 1e-12·λ_max
 * (none: ∞), T = V_r Λ_r^{-1/2}; β_S = λ_min(TᵀAT) / W_S.
 *
 * φ_m (Eq. 33, with the 1/m of Sec. 6). Table class: with g̃ = √p_data·g, E_pos(g − g⁺)² = 2 g̃ᵀLg̃
 * and E g² = g̃ᵀg̃, so min over p_data-orthonormal f of (1/m) Σ_i E_pos(f_i − f_i⁺)² is
 * (2/m) Σ_{i≤m} ν_i (Ky Fan). Linear class f = Ux: E[ffᵀ] = UΣUᵀ with Σ = Σ_x p(x) x xᵀ
 * (uncentred, as the constraint E[ffᵀ] = I is), and the alignment is tr(UΣ_ΔUᵀ) with
 * Σ_Δ = Σ_xy p_pos(x,y)(x − y)(x − y)ᵀ = 2 Xᵀ(D − W)X / total; so φ = (1/m) Σ_{j≤m} e_j with e the
 * generalized eigenvalues of (Σ_Δ, Σ). As for β, directions with Σu = 0 give the zero function and
 * are dropped (whitening on range(Σ)); SPECL_ELINALG when that range has dimension < m.
 * With X = I, Σ = D/total and (D − W)v = (e/2)Dv, so e_j = 2ν_j and φ_linear = φ_table.
 *
 * Note on φ_m ≤ 2α: the features P_i^{-1/2}1_{S_i} are p_data-orthonormal, which gives
 * φ_m(table) ≤ (2/m) Σ_i α_i with α_i = Pr(x⁺ ∉ S_i | x ∈ S_i). This equals 2α = 2 Σ_i P_i α_i only
 * when all P_i = 1/m; with unequal masses φ_m can exceed 2α (tests/test_quantities.c has a case).
 */
#include <cblas.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "specl/spectral.h"
#include "theory_int.h"

#define DENSE_MAX 20000      /* largest cluster for the dense eigenproblem of β_table */
#define VAR_RTOL 1e-20       /* Var_π(g) ≤ VAR_RTOL·E_π g²: g is constant on S */
#define RANGE_RTOL 1e-12     /* eigenvalues of C or Σ above RANGE_RTOL·max span its range */

/* ---- partitions ---- */

static int check_partition_(const specl_graph *g, const int32_t *part, int m) {
    if (!g || !part) return specl_error(SPECL_EINVAL, "graph and partition must not be NULL");
    if (m < 1) return specl_error(SPECL_EINVAL, "a partition needs m >= 1 clusters (m = %d)", m);
    int64_t *count = calloc((size_t)m, sizeof(int64_t));
    if (!count) return specl_error(SPECL_ENOMEM, "partition check for m = %d clusters", m);
    int st = SPECL_OK;
    for (int64_t x = 0; x < g->n && !st; x++) {
        if (part[x] < 0 || part[x] >= m)
            st = specl_error(SPECL_EINVAL, "vertex %lld has cluster index %d, expected 0..%d",
                             (long long)x, (int)part[x], m - 1);
        else count[part[x]]++;
    }
    for (int c = 0; c < m && !st; c++)
        if (count[c] == 0) st = specl_error(SPECL_EINVAL, "cluster %d of %d is empty", c, m);
    free(count);
    return st;
}

int specl_partition_masses(const specl_graph *g, const int32_t *part, int m, double *p) {
    int st = check_partition_(g, part, m);
    if (st) return st;
    for (int c = 0; c < m; c++) p[c] = 0.0;
    for (int64_t x = 0; x < g->n; x++) p[part[x]] += g->deg[x];
    for (int c = 0; c < m; c++) p[c] /= g->total;
    return SPECL_OK;
}

double specl_partition_alpha(const specl_graph *g, const int32_t *part) {
    if (!g || !part || !(g->total > 0)) return NAN;
    double cut = 0.0;
    for (int64_t x = 0; x < g->n; x++)
        for (int64_t e = g->rowptr[x]; e < g->rowptr[x + 1]; e++)
            if (part[g->col[e]] != part[x]) cut += g->val[e];
    return cut / g->total;
}

/* Vertices grouped by cluster: order[start[c] .. start[c+1]) are the vertices of cluster c in
 * increasing order, loc[x] is x's position within its cluster. */
typedef struct {
    int64_t *order, *start, *loc;
} layout_;

static void layout_free_(layout_ *l) { free(l->order); free(l->start); free(l->loc); }

static int layout_build_(const specl_graph *g, const int32_t *part, int m, layout_ *l) {
    l->order = malloc(sizeof(int64_t) * (size_t)g->n);
    l->loc = malloc(sizeof(int64_t) * (size_t)g->n);
    l->start = calloc((size_t)m + 1, sizeof(int64_t));
    if (!l->order || !l->loc || !l->start) {
        layout_free_(l);
        return specl_error(SPECL_ENOMEM, "cluster layout for %lld vertices", (long long)g->n);
    }
    for (int64_t x = 0; x < g->n; x++) l->start[part[x] + 1]++;
    for (int c = 0; c < m; c++) l->start[c + 1] += l->start[c];
    int64_t *fill = calloc((size_t)m, sizeof(int64_t));
    if (!fill) { layout_free_(l); return specl_error(SPECL_ENOMEM, "cluster layout"); }
    for (int64_t x = 0; x < g->n; x++) {
        int c = part[x];
        l->loc[x] = fill[c];
        l->order[l->start[c] + fill[c]++] = x;
    }
    free(fill);
    return SPECL_OK;
}

/* Within-cluster totals: vol = Σ_{x∈S} deg(x), w_in = W_S = Σ_{x,y∈S} W_xy. */
static void cluster_weights_(const specl_graph *g, const int32_t *part, const layout_ *l, int c,
                             double *vol, double *w_in) {
    double v = 0.0, w = 0.0;
    for (int64_t i = l->start[c]; i < l->start[c + 1]; i++) {
        int64_t x = l->order[i];
        v += g->deg[x];
        for (int64_t e = g->rowptr[x]; e < g->rowptr[x + 1]; e++)
            if (part[g->col[e]] == c) w += g->val[e];
    }
    *vol = v;
    *w_in = w;
}

/* ---- Q_S, the quadratic form, the Laplacian ---- */

double specl_expansion_q(const specl_graph *g, const int32_t *part, int cluster, const double *gfun) {
    if (!g || !part || !gfun) return NAN;
    double vol = 0.0, w_in = 0.0, num = 0.0, mean = 0.0;
    for (int64_t x = 0; x < g->n; x++) {
        if (part[x] != cluster) continue;
        vol += g->deg[x];
        mean += g->deg[x] * gfun[x];
        for (int64_t e = g->rowptr[x]; e < g->rowptr[x + 1]; e++) {
            int64_t y = g->col[e];
            if (part[y] != cluster) continue;
            double dg = gfun[x] - gfun[y];
            w_in += g->val[e];
            num += g->val[e] * dg * dg;
        }
    }
    if (!(vol > 0)) return NAN;   /* empty cluster */
    mean /= vol;
    double var = 0.0, sq = 0.0;
    for (int64_t x = 0; x < g->n; x++) {
        if (part[x] != cluster) continue;
        double dv = gfun[x] - mean;
        var += g->deg[x] * dv * dv;
        sq += g->deg[x] * gfun[x] * gfun[x];
    }
    var /= vol;
    sq /= vol;
    if (var <= VAR_RTOL * sq) return INFINITY;
    if (!(w_in > 0)) return NAN;
    return (num / w_in) / (2.0 * var);
}

double specl_quadratic_form(const specl_graph *g, const double *gfun) {
    if (!g || !gfun || !(g->total > 0)) return NAN;
    double s = 0.0;
    for (int64_t x = 0; x < g->n; x++)
        for (int64_t e = g->rowptr[x]; e < g->rowptr[x + 1]; e++) {
            double dg = gfun[x] - gfun[g->col[e]];
            s += g->val[e] * dg * dg;
        }
    return s / g->total;
}

void specl_laplacian_apply(const specl_graph *g, const double *gfun, double *out) {
    for (int64_t x = 0; x < g->n; x++) {
        double wg = 0.0;
        for (int64_t e = g->rowptr[x]; e < g->rowptr[x + 1]; e++) wg += g->val[e] * gfun[g->col[e]];
        out[x] = gfun[x] - wg / g->deg[x];
    }
}

/* ---- β, table class ---- */

/* β_S = μ_2 / W_S for the cluster c with ns ≥ 2 vertices and W_S > 0. */
static int beta_table_dense_(const specl_graph *g, const int32_t *part, const layout_ *l, int c,
                             double vol, double w_in, double *beta) {
    int64_t s0 = l->start[c], ns = l->start[c + 1] - s0;
    if (ns > DENSE_MAX)
        return specl_error(SPECL_EUNSUPPORTED, "beta_table: cluster %d has %lld vertices, the dense "
                           "eigenproblem allows at most %d", c, (long long)ns, DENSE_MAX);
    double *a = calloc((size_t)(ns * ns), sizeof(double)), *b = calloc((size_t)(ns * ns), sizeof(double));
    double *w = malloc(sizeof(double) * (size_t)ns);
    if (!a || !b || !w) {
        free(a); free(b); free(w);
        return specl_error(SPECL_ENOMEM, "beta_table: dense %lldx%lld problem for cluster %d", (long long)ns,
                           (long long)ns, c);
    }
    for (int64_t i = 0; i < ns; i++) {
        int64_t x = l->order[s0 + i];
        b[i * ns + i] = g->deg[x] / vol;
        for (int64_t e = g->rowptr[x]; e < g->rowptr[x + 1]; e++) {
            int64_t y = g->col[e];
            if (part[y] != c || y == x) continue;
            a[i * ns + l->loc[y]] -= g->val[e];
            a[i * ns + i] += g->val[e];
        }
    }
    int st = specl_dsygv((int)ns, a, b, w);
    if (!st) *beta = (w[1] > 0 ? w[1] : 0.0) / w_in;
    free(a); free(b); free(w);
    return st;
}

/* Minimum over entries, ignoring none: NaN if any entry is NaN. */
static double min_entry_(const double *v, int m) {
    double mn = INFINITY;
    for (int c = 0; c < m; c++) {
        if (isnan(v[c])) return NAN;
        if (v[c] < mn) mn = v[c];
    }
    return mn;
}


/* ---- β, linear class; φ, linear class ---- */

int specl_range_gen_eig(int d, double *a, double *c, double *e, double *v, int *rank) {
    double *lam = malloc(sizeof(double) * d), *t = malloc(sizeof(double) * (size_t)d * d);
    double *at = malloc(sizeof(double) * (size_t)d * d), *r = malloc(sizeof(double) * (size_t)d * d);
    int st = (!lam || !t || !at || !r) ? specl_error(SPECL_ENOMEM, "%dx%d eigenproblem", d, d) : SPECL_OK;
    if (!st) st = specl_dsyev(d, c, lam);   /* c <- eigenvectors as columns */
    int k = 0;
    if (!st && lam[d - 1] > 0) {
        for (int j = 0; j < d; j++) {
            if (!(lam[j] > RANGE_RTOL * lam[d - 1])) continue;
            double s = 1.0 / sqrt(lam[j]);
            for (int i = 0; i < d; i++) t[(size_t)i * d + k] = c[(size_t)i * d + j] * s;
            k++;
        }
    }
    if (!st && k > 0) {   /* r = Tᵀ A T with T (d, k) stored with row stride d */
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, d, k, d, 1.0, a, d, t, d, 0.0, at, d);
        cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, k, k, d, 1.0, t, d, at, d, 0.0, r, k);
        for (int i = 0; i < k; i++)
            for (int j = 0; j < i; j++) r[i * k + j] = r[j * k + i] = 0.5 * (r[i * k + j] + r[j * k + i]);
        st = specl_dsyev(k, r, e);          /* r <- Y (k, k) */
    }
    if (!st && k > 0 && v)                  /* v (d, k) = T Y, row stride k */
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, d, k, k, 1.0, t, d, r, k, 0.0, v, k);
    *rank = k;
    free(lam); free(t); free(at); free(r);
    return st;
}

static int check_features_(const double *x, int64_t n, int d) {
    if (!x) return specl_error(SPECL_EINVAL, "features must not be NULL");
    if (d < 1) return specl_error(SPECL_EINVAL, "feature dimension d = %d, expected >= 1", d);
    if (n > INT_MAX) return specl_error(SPECL_EUNSUPPORTED, "n = %lld vertices exceeds BLAS 32-bit sizes", (long long)n);
    for (int64_t i = 0; i < n * d; i++)
        if (!isfinite(x[i]))
            return specl_error(SPECL_ENUMERIC, "feature (%lld, %lld) is not finite", (long long)(i / d),
                               (long long)(i % d));
    return SPECL_OK;
}

/* For cluster c: y (ns, d) = π-centred features, ly (ns, d) = L_in y. */
static void cluster_features_(const specl_graph *g, const int32_t *part, const layout_ *l, int c, double vol,
                              const double *x, int d, double *y, double *ly) {
    int64_t s0 = l->start[c], ns = l->start[c + 1] - s0;
    double *mu = ly;   /* ly's first row is scratch for the mean */
    memset(mu, 0, sizeof(double) * d);
    for (int64_t i = 0; i < ns; i++) {
        int64_t v = l->order[s0 + i];
        for (int j = 0; j < d; j++) mu[j] += g->deg[v] / vol * x[v * d + j];
    }
    for (int64_t i = 0; i < ns; i++)
        for (int j = 0; j < d; j++) y[i * d + j] = x[l->order[s0 + i] * d + j] - mu[j];
    memset(ly, 0, sizeof(double) * (size_t)(ns * d));
    for (int64_t i = 0; i < ns; i++) {
        int64_t v = l->order[s0 + i];
        for (int64_t e = g->rowptr[v]; e < g->rowptr[v + 1]; e++) {
            int64_t u = g->col[e];
            if (part[u] != c || u == v) continue;
            const double *yu = y + l->loc[u] * d;
            for (int j = 0; j < d; j++) ly[i * d + j] += g->val[e] * (y[i * d + j] - yu[j]);
        }
    }
}

/* β_S of the linear class for cluster c (ns ≥ 2, W_S > 0). */
static int beta_linear_one_(const specl_graph *g, const int32_t *part, const layout_ *l, int c, double vol,
                            double w_in, const double *x, int d, double *beta) {
    int64_t s0 = l->start[c], ns = l->start[c + 1] - s0;
    double *y = malloc(sizeof(double) * (size_t)(ns * d)), *ly = malloc(sizeof(double) * (size_t)(ns * d));
    double *a = malloc(sizeof(double) * (size_t)d * d), *cv = calloc((size_t)d * d, sizeof(double));
    double *e = malloc(sizeof(double) * d);
    int st = (!y || !ly || !a || !cv || !e) ? specl_error(SPECL_ENOMEM, "beta_linear: cluster %d", c) : SPECL_OK;
    if (!st) {
        cluster_features_(g, part, l, c, vol, x, d, y, ly);
        cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, d, d, (int)ns, 1.0, y, d, ly, d, 0.0, a, d);
        for (int64_t i = 0; i < ns; i++) {   /* cv = Σ π_i y_i y_iᵀ */
            double p = g->deg[l->order[s0 + i]] / vol;
            cblas_dsyr(CblasRowMajor, CblasUpper, d, p, y + i * d, 1, cv, d);
        }
        for (int i = 0; i < d; i++)
            for (int j = 0; j < i; j++) {
                cv[i * d + j] = cv[j * d + i];
                a[i * d + j] = a[j * d + i] = 0.5 * (a[i * d + j] + a[j * d + i]);
            }
        int rank = 0;
        st = specl_range_gen_eig(d, a, cv, e, NULL, &rank);
        if (!st) *beta = rank == 0 ? INFINITY : (e[0] > 0 ? e[0] : 0.0) / w_in;
    }
    free(y); free(ly); free(a); free(cv); free(e);
    return st;
}

/* β per cluster and its minimum, for the table class (x == NULL) or the linear class over x (n, d). */
static int beta_each_(const specl_graph *g, const int32_t *part, int m, const double *x, int d, double *beta, double *min) {
    int st = check_partition_(g, part, m);
    if (!st && x) st = check_features_(x, g->n, d);
    if (st) return st;
    layout_ l;
    if ((st = layout_build_(g, part, m, &l))) return st;
    for (int c = 0; c < m && !st; c++) {
        double vol, w_in;
        cluster_weights_(g, part, &l, c, &vol, &w_in);
        if (l.start[c + 1] - l.start[c] == 1) beta[c] = INFINITY;
        else if (!(w_in > 0)) beta[c] = NAN;
        else if (x) st = beta_linear_one_(g, part, &l, c, vol, w_in, x, d, &beta[c]);
        else st = beta_table_dense_(g, part, &l, c, vol, w_in, &beta[c]);
    }
    layout_free_(&l);
    if (!st && min) *min = min_entry_(beta, m);
    return st;
}

int specl_beta_table(const specl_graph *g, const int32_t *part, int m, double *beta, double *min) {
    return beta_each_(g, part, m, NULL, 0, beta, min);
}

int specl_beta_linear(const specl_graph *g, const int32_t *part, int m, const double *x, int d,
                      double *beta, double *min) {
    if (!x) return specl_error(SPECL_EINVAL, "beta_linear: no features");
    return beta_each_(g, part, m, x, d, beta, min);
}

/* ---- φ_m ---- */

int specl_phi_table(const specl_spectrum *s, int m, double *phi) {
    if (!s || !s->nu) return specl_error(SPECL_EINVAL, "phi_table: no spectrum");
    if (m < 1) return specl_error(SPECL_EINVAL, "phi_table: m = %d, expected >= 1", m);
    if (s->k < m) return specl_error(SPECL_EINVAL, "phi_table: m = %d needs at least m eigenvalues, the spectrum has k = %d", m, s->k);
    if (s->converged < m)
        return specl_error(SPECL_ELINALG, "phi_table: only %d of the bottom %d eigenpairs converged", s->converged, m);
    double sum = 0.0;
    for (int i = 0; i < m; i++) sum += s->nu[i] > 0 ? s->nu[i] : 0.0;   /* ν ≥ 0; clamp rounding */
    *phi = 2.0 * sum / m;
    return SPECL_OK;
}

/* sig = Σ_x p(x) x xᵀ, sd = 2 Xᵀ(D − W)X / total (both d×d, full). */
static int linear_moments_(const specl_graph *g, const double *x, int d, double *sig, double *sd) {
    int64_t n = g->n;
    double *lx = calloc((size_t)(n * d), sizeof(double));
    if (!lx) return specl_error(SPECL_ENOMEM, "phi_linear: %lldx%d buffer", (long long)n, d);
    memset(sig, 0, sizeof(double) * (size_t)d * d);
    for (int64_t v = 0; v < n; v++) {
        cblas_dsyr(CblasRowMajor, CblasUpper, d, g->deg[v] / g->total, x + v * d, 1, sig, d);
        for (int64_t e = g->rowptr[v]; e < g->rowptr[v + 1]; e++) {
            const double *xu = x + g->col[e] * d;
            for (int j = 0; j < d; j++) lx[v * d + j] += g->val[e] * (x[v * d + j] - xu[j]);
        }
    }
    cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, d, d, (int)n, 2.0 / g->total, x, d, lx, d, 0.0, sd, d);
    for (int i = 0; i < d; i++)
        for (int j = 0; j < i; j++) {
            sig[i * d + j] = sig[j * d + i];
            sd[i * d + j] = sd[j * d + i] = 0.5 * (sd[i * d + j] + sd[j * d + i]);
        }
    free(lx);
    return SPECL_OK;
}

int specl_phi_linear_moments(int d, const double *sigma, const double *sigma_delta, int n_m, const int *ms,
                             double *phi) {
    if (d < 1) return specl_error(SPECL_EINVAL, "phi_linear: d = %d, expected >= 1", d);
    for (int i = 0; i < n_m; i++)
        if (ms[i] < 1 || ms[i] > d) return specl_error(SPECL_EINVAL, "phi_linear: m = %d, expected 1 <= m <= d = %d", ms[i], d);
    for (size_t i = 0; i < (size_t)d * d; i++)
        if (!isfinite(sigma[i]) || !isfinite(sigma_delta[i]))
            return specl_error(SPECL_ENUMERIC, "phi_linear: moment entry (%zu, %zu) is not finite", i / d, i % d);
    double *sig = malloc(sizeof(double) * (size_t)d * d), *sd = malloc(sizeof(double) * (size_t)d * d);
    double *e = malloc(sizeof(double) * d);
    int st = (!sig || !sd || !e) ? specl_error(SPECL_ENOMEM, "phi_linear: %dx%d moments", d, d) : SPECL_OK;
    if (!st) {
        memcpy(sig, sigma, sizeof(double) * (size_t)d * d);
        memcpy(sd, sigma_delta, sizeof(double) * (size_t)d * d);
    }
    int rank = 0;
    if (!st) st = specl_range_gen_eig(d, sd, sig, e, NULL, &rank);
    for (int i = 0; i < n_m && !st; i++) {
        int m = ms[i];
        if (rank < m) {
            st = specl_error(SPECL_ELINALG, "phi_linear: the feature second moment Sigma has rank %d < m = %d "
                             "(d = %d), so no m orthonormal linear features exist", rank, m, d);
            break;
        }
        double sum = 0.0;
        for (int j = 0; j < m; j++) sum += e[j] > 0 ? e[j] : 0.0;
        phi[i] = sum / m;
    }
    free(sig); free(sd); free(e);
    return st;
}

int specl_graph_linear_moments(const specl_graph *g, const double *x, int d, double *sigma, double *sigma_delta) {
    if (!g) return specl_error(SPECL_EINVAL, "linear moments: no graph");
    int st = check_features_(x, g->n, d);
    return st ? st : linear_moments_(g, x, d, sigma, sigma_delta);
}

int specl_phi_linear(const specl_graph *g, const double *x, int d, int m, double *phi) {
    if (!g) return specl_error(SPECL_EINVAL, "phi_linear: no graph");
    int st = check_features_(x, g->n, d);
    if (st) return st;
    if (m < 1 || m > d)
        return specl_error(SPECL_EINVAL, "phi_linear: m = %d, expected 1 <= m <= d = %d", m, d);
    double *sig = malloc(sizeof(double) * (size_t)d * d), *sd = malloc(sizeof(double) * (size_t)d * d);
    st = (!sig || !sd) ? specl_error(SPECL_ENOMEM, "phi_linear: %dx%d moments", d, d) : SPECL_OK;
    if (!st) st = linear_moments_(g, x, d, sig, sd);
    if (!st) st = specl_phi_linear_moments(d, sig, sd, 1, &m, phi);
    free(sig); free(sd);
    return st;
}
