/* Tests of the paper's quantities on finite graphs (theory/quantities.c) and the bound calculators
 * (theory/bounds.c): Q_S of Eq. 4 (zero on split clusters, positive on connected ones, ∞/NaN
 * cases, a hand-computed path), P_i and α by hand, β of the table class against random g and its
 * minimizer (computed independently through the symmetric form and dsyev), β of the linear class
 * against β_table and a brute-force angle scan, Prop. 4.1, φ_m of the table class on cliques with
 * equitable and non-equitable leakage (including a case where φ_m > 2α because masses differ),
 * φ_linear against φ_table, and every bound on hand-computed values and every error path.
 * Graphs come from specl_graph_from_dense; spectra from specl_dsyev on a dense normalized Laplacian
 * built here (independent of spectrum.c), cross-checked once against specl_graph_spectrum. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "specl/base.h"
#include "specl/spectral.h"
#include "check.h"

/* ---- helpers ---- */

/* CSR graph from a dense symmetric matrix (n,n) through the library constructor. */
static specl_graph graph_dense_(int64_t n, const double *a) {
    specl_graph g;
    memset(&g, 0, sizeof g);
    CHECK_OK(specl_graph_from_dense(n, a, &g));
    return g;
}

static void graph_free_(specl_graph *g) { specl_graph_free(g); }

static void set_w_(double *a, int n, int i, int j, double w) { a[i * n + j] = a[j * n + i] = w; }

/* Random symmetric weights: within each cluster an edge with probability p_in, across with p_out,
 * weights uniform in (0.1, 1.1); a path through each cluster keeps it connected. */
static double *random_weights_(specl_rng *r, int n, const int32_t *part, double p_in, double p_out) {
    double *a = calloc((size_t)n * n, sizeof(double));
    for (int i = 0; i < n; i++)
        for (int j = i + 1; j < n; j++) {
            double p = part[i] == part[j] ? p_in : p_out;
            if (specl_rng_uniform(r) < p) set_w_(a, n, i, j, 0.1 + specl_rng_uniform(r));
        }
    for (int i = 0; i < n; i++)
        for (int j = i + 1; j < n; j++)
            if (part[i] == part[j]) {   /* j: next vertex of the same cluster */
                if (a[i * n + j] == 0) set_w_(a, n, i, j, 0.5);
                break;
            }
    for (int i = 0; i < n; i++) {   /* no isolated vertex */
        double d = 0;
        for (int j = 0; j < n; j++) d += a[i * n + j];
        if (d == 0) set_w_(a, n, i, (i + 1) % n, 0.3);
    }
    return a;
}

/* Bottom k eigenpairs of the normalized Laplacian by dense dsyev, as a specl_spectrum. */
static specl_spectrum spectrum_dense_(const specl_graph *g, int k) {
    int n = (int)g->n;
    double *l = calloc((size_t)n * n, sizeof(double)), *w = malloc(sizeof(double) * n);
    for (int i = 0; i < n; i++) {
        l[i * n + i] = 1.0;
        for (int64_t e = g->rowptr[i]; e < g->rowptr[i + 1]; e++) {
            int64_t j = g->col[e];
            l[i * n + j] -= g->val[e] / sqrt(g->deg[i] * g->deg[j]);
        }
    }
    CHECK_OK(specl_dsyev(n, l, w));
    specl_spectrum s;
    memset(&s, 0, sizeof s);
    s.n = n; s.k = k; s.converged = k; s.method = SPECL_EIG_DENSE;
    s.nu = malloc(sizeof(double) * k);
    s.vec = malloc(sizeof(double) * (size_t)n * k);
    s.residual = calloc((size_t)k, sizeof(double));
    for (int j = 0; j < k; j++) {
        s.nu[j] = w[j];
        for (int i = 0; i < n; i++) s.vec[i * k + j] = l[i * n + j];
    }
    free(l); free(w);
    return s;
}

static void spectrum_free_(specl_spectrum *s) { free(s->nu); free(s->vec); free(s->residual); }

static double phi_table_of_(const specl_graph *g, int m) {
    specl_spectrum s = spectrum_dense_(g, m);
    double phi = NAN;
    CHECK_OK(specl_phi_table(&s, m, &phi));
    spectrum_free_(&s);
    return phi;
}

static int detail_has_(const char *s) {
    int ok = strstr(specl_error_detail(), s) != NULL;
    if (!ok) fprintf(stderr, "  detail \"%s\" lacks \"%s\"\n", specl_error_detail(), s);
    return ok;
}

/* m cliques of n_c vertices (unit weights) and weight c between every two vertices of different
 * cliques; part receives the clique indices. */
static double *cliques_(int m, int n_c, double c, int32_t *part) {
    int n = m * n_c;
    double *a = calloc((size_t)n * n, sizeof(double));
    for (int i = 0; i < n; i++) {
        part[i] = i / n_c;
        for (int j = 0; j < n; j++)
            if (i != j) a[i * n + j] = (i / n_c == j / n_c) ? 1.0 : c;
    }
    return a;
}

/* ---- Q_S ---- */

/* S = {0..5} is two triangles {0,1,2}, {3,4,5} with no edge between them; cluster 1 = {6,7}
 * touches both. g constant on each triangle (values outside S arbitrary) gives Q_S = 0. */
TEST(q_split_cluster_is_zero) {
    int n = 8;
    double a[64] = { 0 };
    int32_t part[8] = { 0, 0, 0, 0, 0, 0, 1, 1 };
    set_w_(a, n, 0, 1, 1); set_w_(a, n, 1, 2, 2); set_w_(a, n, 0, 2, 0.5);
    set_w_(a, n, 3, 4, 1); set_w_(a, n, 4, 5, 1); set_w_(a, n, 3, 5, 3);
    set_w_(a, n, 6, 7, 1); set_w_(a, n, 2, 6, 0.7); set_w_(a, n, 5, 7, 0.2);
    specl_graph g = graph_dense_(n, a);
    double gf[8] = { 1, 1, 1, -2.5, -2.5, -2.5, 40, -7 };
    CHECK(specl_expansion_q(&g, part, 0, gf) == 0.0);
    gf[3] = gf[4] = gf[5] = 1.0 + 1e-6;   /* still two values: still 0 */
    CHECK(specl_expansion_q(&g, part, 0, gf) == 0.0);
    gf[0] = 1.5;   /* not constant on a triangle: positive */
    CHECK(specl_expansion_q(&g, part, 0, gf) > 0.0);
    graph_free_(&g);
}

/* A connected S: Q_S > 0 and finite for 500 random g; constant g gives ∞ (also a constant with
 * rounding noise and the zero function); a single-vertex cluster gives ∞. */
TEST(q_connected_positive_constant_infinite) {
    int n = 10;
    int32_t part[10] = { 0, 0, 0, 0, 0, 0, 0, 1, 1, 2 };
    specl_rng r;
    specl_rng_seed(&r, 7);
    double *a = random_weights_(&r, n, part, 0.4, 0.3);
    specl_graph g = graph_dense_(n, a);
    double gf[10];
    int pos = 1;
    for (int t = 0; t < 500; t++) {
        for (int i = 0; i < n; i++) gf[i] = specl_rng_normal(&r);
        double q = specl_expansion_q(&g, part, 0, gf);
        if (!(q > 0 && isfinite(q))) pos = 0;
    }
    CHECK(pos);
    for (int i = 0; i < n; i++) gf[i] = 3.25;
    CHECK(isinf(specl_expansion_q(&g, part, 0, gf)) && specl_expansion_q(&g, part, 0, gf) > 0);
    for (int i = 0; i < n; i++) gf[i] = (i % 2) ? 0.3 : 0.1 * 3;   /* 0.1*3 != 0.3 in floating point */
    CHECK(gf[0] != gf[1]);
    CHECK(isinf(specl_expansion_q(&g, part, 0, gf)));
    for (int i = 0; i < n; i++) gf[i] = 0;
    CHECK(isinf(specl_expansion_q(&g, part, 0, gf)));
    for (int i = 0; i < n; i++) gf[i] = i;
    CHECK(isinf(specl_expansion_q(&g, part, 2, gf)));   /* single vertex */
    CHECK(isnan(specl_expansion_q(&g, part, 5, gf)));   /* no such cluster */
    free(a);
    graph_free_(&g);
}

/* Cluster 0 = {0, 1} with no edge between them: NaN for non-constant g, ∞ for constant g. */
TEST(q_no_internal_edge_nan) {
    int n = 4;
    double a[16] = { 0 };
    int32_t part[4] = { 0, 0, 1, 1 };
    set_w_(a, n, 0, 2, 1); set_w_(a, n, 1, 3, 1); set_w_(a, n, 2, 3, 1);
    specl_graph g = graph_dense_(n, a);
    double gf[4] = { 0, 1, 2, 3 };
    CHECK(isnan(specl_expansion_q(&g, part, 0, gf)));
    double gc[4] = { 5, 5, 2, 3 };
    CHECK(isinf(specl_expansion_q(&g, part, 0, gc)));
    graph_free_(&g);
}

/* Path 0 -1- 1 -2- 2 in S, vertex 3 (another cluster) attached to 2 with weight 1. Full degrees
 * (1, 3, 3, 1), π = (1, 3, 3)/7, W_S = 6. For g = (0, 1, 3): numerator 2(1·1 + 2·4)/6 = 3,
 * Var_π = 30/7 − (12/7)² = 66/49, Q = 3 / (2·66/49) = 49/44. Also the quadratic form
 * 2(1 + 8 + 4)/8 = 13/4 with g_3 = 5 and L(g) = g − D⁻¹Wg = (−1, −1, 2/3, 2). */
TEST(q_path_by_hand) {
    int n = 4;
    double a[16] = { 0 };
    int32_t part[4] = { 0, 0, 0, 1 };
    set_w_(a, n, 0, 1, 1); set_w_(a, n, 1, 2, 2); set_w_(a, n, 2, 3, 1);
    specl_graph g = graph_dense_(n, a);
    double gf[4] = { 0, 1, 3, 5 }, lg[4];
    CHECK_NEAR(specl_expansion_q(&g, part, 0, gf), 49.0 / 44.0, 1e-14);
    CHECK_NEAR(specl_quadratic_form(&g, gf), 13.0 / 4.0, 1e-14);
    specl_laplacian_apply(&g, gf, lg);
    CHECK_NEAR(lg[0], -1.0, 1e-14);
    CHECK_NEAR(lg[1], -1.0, 1e-14);
    CHECK_NEAR(lg[2], 2.0 / 3.0, 1e-14);
    CHECK_NEAR(lg[3], 2.0, 1e-14);
    /* Q_S is invariant to g ↦ a g + b and to scaling the weights */
    double gs[4];
    for (int i = 0; i < 4; i++) gs[i] = -3.0 * gf[i] + 11.0;
    CHECK_NEAR(specl_expansion_q(&g, part, 0, gs), 49.0 / 44.0, 1e-13);
    graph_free_(&g);
    /* a self-loop of weight 2 at vertex 1 is a pair (1, 1) of p_pos^S: W_S = 8, deg_1 = 5,
     * π = (1, 5, 3)/9, numerator 18/8, Var_π = 32/9 − (14/9)² = 92/81, Q = 729/736 */
    a[1 * n + 1] = 2;
    g = graph_dense_(n, a);
    CHECK_NEAR(specl_expansion_q(&g, part, 0, gf), 729.0 / 736.0, 1e-14);
    graph_free_(&g);
}

/* ---- P_i and α ---- */

/* Edges (0,1) 2, (1,2) 1, (2,3) 3, (0,3) 0.5, (0,2) 1; clusters {0,1}, {2,3}. Degrees
 * (3.5, 3, 5, 3.5), total 15, P = (6.5, 8.5)/15; cross weight 1 + 0.5 + 1 = 2.5 each way,
 * α = 5/15 = 1/3. */
TEST(masses_alpha_by_hand) {
    int n = 4;
    double a[16] = { 0 };
    set_w_(a, n, 0, 1, 2); set_w_(a, n, 1, 2, 1); set_w_(a, n, 2, 3, 3);
    set_w_(a, n, 0, 3, 0.5); set_w_(a, n, 0, 2, 1);
    specl_graph g = graph_dense_(n, a);
    int32_t part[4] = { 0, 0, 1, 1 };
    double p[2] = { 0, 0 };
    CHECK_OK(specl_partition_masses(&g, part, 2, p));
    CHECK_NEAR(p[0], 6.5 / 15, 1e-15);
    CHECK_NEAR(p[1], 8.5 / 15, 1e-15);
    CHECK_NEAR(specl_partition_alpha(&g, part), 1.0 / 3.0, 1e-15);
    int32_t one[4] = { 0, 0, 0, 0 };
    CHECK(specl_partition_alpha(&g, one) == 0.0);
    int32_t each[4] = { 0, 1, 2, 3 };
    CHECK_NEAR(specl_partition_alpha(&g, each), 1.0, 1e-15);
    /* error paths */
    int32_t bad[4] = { 0, 2, 1, 1 };
    CHECK(specl_partition_masses(&g, bad, 2, p) == SPECL_EINVAL && detail_has_("vertex 1"));
    int32_t neg[4] = { 0, -1, 1, 1 };
    CHECK(specl_partition_masses(&g, neg, 2, p) == SPECL_EINVAL);
    CHECK(specl_partition_masses(&g, part, 3, p) == SPECL_EINVAL && detail_has_("cluster 2 of 3 is empty"));
    CHECK(specl_partition_masses(&g, part, 0, p) == SPECL_EINVAL);
    CHECK(specl_partition_masses(NULL, part, 2, p) == SPECL_EINVAL);
    graph_free_(&g);
}

/* ---- β, table class ---- */

/* The minimizer of Q_S through the symmetric form: M = Π^{-1/2} L_in Π^{-1/2} (dsyev), second
 * eigenvector v, g = Π^{-1/2} v on S (0 elsewhere). Independent of the dsygv route in the library. */
static void minimizer_(const specl_graph *g, const int32_t *part, int c, double *gf) {
    int n = (int)g->n, ns = 0;
    int *idx = malloc(sizeof(int) * n), *loc = malloc(sizeof(int) * n);
    double vol = 0;
    for (int x = 0; x < n; x++) {
        loc[x] = -1;
        if (part[x] == c) { loc[x] = ns; idx[ns++] = x; vol += g->deg[x]; }
    }
    double *mm = calloc((size_t)ns * ns, sizeof(double)), *w = malloc(sizeof(double) * ns);
    for (int i = 0; i < ns; i++) {
        int x = idx[i];
        for (int64_t e = g->rowptr[x]; e < g->rowptr[x + 1]; e++) {
            int y = (int)g->col[e];
            if (loc[y] < 0 || y == x) continue;
            double s = sqrt(g->deg[x] / vol * g->deg[y] / vol);
            mm[i * ns + loc[y]] -= g->val[e] / s;
            mm[i * ns + i] += g->val[e] / (g->deg[x] / vol);
        }
    }
    CHECK_OK(specl_dsyev(ns, mm, w));
    for (int x = 0; x < n; x++) gf[x] = 0;
    for (int i = 0; i < ns; i++) gf[idx[i]] = mm[i * ns + 1] / sqrt(g->deg[idx[i]] / vol);
    free(idx); free(loc); free(mm); free(w);
}

/* β never exceeds Q_S of any random g (2000 per cluster), equals Q_S at the minimizer, and small
 * perturbations of the minimizer do not go below it. */
TEST(beta_table_is_min_of_q) {
    int n = 16;
    int32_t part[16];
    for (int i = 0; i < n; i++) part[i] = i < 9 ? 0 : 1;
    specl_rng r;
    specl_rng_seed(&r, 11);
    double *a = random_weights_(&r, n, part, 0.5, 0.2);
    specl_graph g = graph_dense_(n, a);
    double beta[2], mn;
    CHECK_OK(specl_beta_table(&g, part, 2, beta, &mn));
    CHECK(beta[0] > 0 && beta[1] > 0 && isfinite(beta[0]) && isfinite(beta[1]));
    CHECK(mn == fmin(beta[0], beta[1]));
    double gf[16], gp[16];
    for (int c = 0; c < 2; c++) {
        double qmin = INFINITY;
        for (int t = 0; t < 2000; t++) {
            for (int i = 0; i < n; i++) gf[i] = specl_rng_normal(&r);
            qmin = fmin(qmin, specl_expansion_q(&g, part, c, gf));
        }
        CHECK(qmin >= beta[c] * (1 - 1e-12));
        minimizer_(&g, part, c, gf);
        CHECK_NEAR(specl_expansion_q(&g, part, c, gf), beta[c], 1e-10 * beta[c]);
        int above = 1;
        for (int t = 0; t < 200; t++) {
            for (int i = 0; i < n; i++) gp[i] = gf[i] + 1e-3 * specl_rng_normal(&r);
            if (specl_expansion_q(&g, part, c, gp) < beta[c] * (1 - 1e-12)) above = 0;
        }
        CHECK(above);
    }
    free(a);
    graph_free_(&g);
}

/* Cluster 0 = two disconnected triangles (β = 0); cluster 1 = the single edge {6, 7} with weight 2,
 * full degrees 3 and 5 (vertex 6 also touches 0 with weight 1, vertex 7 touches 3 with weight 3),
 * π = (3/8, 5/8): every non-constant g has Q = 1/(2π_aπ_b) = 32/15. Cluster 2 = {8} (∞). */
TEST(beta_table_by_hand) {
    int n = 9;
    double a[81] = { 0 };
    int32_t part[9] = { 0, 0, 0, 0, 0, 0, 1, 1, 2 };
    set_w_(a, n, 0, 1, 1); set_w_(a, n, 1, 2, 1); set_w_(a, n, 0, 2, 1);
    set_w_(a, n, 3, 4, 2); set_w_(a, n, 4, 5, 1); set_w_(a, n, 3, 5, 1);
    set_w_(a, n, 6, 7, 2); set_w_(a, n, 6, 0, 1); set_w_(a, n, 7, 3, 3);
    set_w_(a, n, 8, 1, 1);
    specl_graph g = graph_dense_(n, a);
    double beta[3], mn;
    CHECK_OK(specl_beta_table(&g, part, 3, beta, &mn));
    CHECK(fabs(beta[0]) <= 1e-12 && beta[0] >= 0);
    CHECK_NEAR(beta[1], 32.0 / 15.0, 1e-13);
    CHECK(isinf(beta[2]));
    CHECK(mn == beta[0]);
    double gf[9] = { 0, 0, 0, 0, 0, 0, 0, 1, 0 };
    CHECK_NEAR(specl_expansion_q(&g, part, 1, gf), 32.0 / 15.0, 1e-14);
    /* without cluster 0, the minimum is cluster 1's */
    int32_t part2[9] = { 0, 0, 0, 0, 0, 0, 1, 1, 0 };
    CHECK_OK(specl_beta_table(&g, part2, 2, beta, &mn));
    CHECK(fabs(beta[0]) <= 1e-12);
    /* a cluster with two vertices and no internal edge: NaN, and the minimum is NaN */
    int32_t part3[9] = { 0, 0, 0, 1, 1, 1, 2, 0, 1 };   /* cluster 2 = {6}, cluster 0 has 7 */
    CHECK_OK(specl_beta_table(&g, part3, 3, beta, &mn));
    CHECK(isinf(beta[2]));
    int32_t part4[9] = { 0, 0, 0, 0, 0, 0, 1, 2, 1 };   /* cluster 1 = {6, 8}: no edge */
    CHECK_OK(specl_beta_table(&g, part4, 3, beta, &mn));
    CHECK(isnan(beta[1]) && isnan(mn));
    CHECK(specl_beta_table(&g, part, 4, beta, &mn) == SPECL_EINVAL);
    graph_free_(&g);
    /* a self-loop of weight 1 at vertex 6: degrees 4 and 5, π = (4/9, 5/9), W_S = 5, μ_2 = 2/(π_aπ_b)
     * = 8.1, β = 8.1/5 = 1.62; the linear class with X = I agrees */
    a[6 * n + 6] = 1;
    g = graph_dense_(n, a);
    CHECK_OK(specl_beta_table(&g, part, 3, beta, &mn));
    CHECK_NEAR(beta[1], 1.62, 1e-13);
    CHECK_NEAR(specl_expansion_q(&g, part, 1, gf), 1.62, 1e-14);
    double eye[81] = { 0 }, bl[3];
    for (int i = 0; i < n; i++) eye[i * n + i] = 1;
    CHECK_OK(specl_beta_linear(&g, part, 3, eye, n, bl, &mn));
    CHECK_NEAR(bl[1], 1.62, 1e-12);
    CHECK(fabs(bl[0]) <= 1e-12 && isinf(bl[2]));
    graph_free_(&g);
}

/* ---- β, linear class ---- */

/* Random features (d = 3): β_linear ≥ β_table per cluster and Q_S(Xu) ≥ β_linear for random u;
 * one-hot features X = I give β_linear = β_table. */
TEST(beta_linear_vs_table) {
    int n = 14, d = 3;
    int32_t part[14];
    for (int i = 0; i < n; i++) part[i] = i % 3 == 0 ? 1 : 0;
    specl_rng r;
    specl_rng_seed(&r, 23);
    double *a = random_weights_(&r, n, part, 0.5, 0.25);
    specl_graph g = graph_dense_(n, a);
    double *x = malloc(sizeof(double) * n * d), gf[14];
    for (int i = 0; i < n * d; i++) x[i] = specl_rng_normal(&r);
    double bt[2], bl[2], mt, ml;
    CHECK_OK(specl_beta_table(&g, part, 2, bt, &mt));
    CHECK_OK(specl_beta_linear(&g, part, 2, x, d, bl, &ml));
    for (int c = 0; c < 2; c++) {
        CHECK(bl[c] >= bt[c] * (1 - 1e-12));
        CHECK(bl[c] > bt[c] * (1 + 1e-6));   /* 3 features cannot reach the table minimizer */
        int above = 1;
        for (int t = 0; t < 1000; t++) {
            double u[3] = { specl_rng_normal(&r), specl_rng_normal(&r), specl_rng_normal(&r) };
            for (int i = 0; i < n; i++) gf[i] = u[0] * x[i * d] + u[1] * x[i * d + 1] + u[2] * x[i * d + 2];
            if (specl_expansion_q(&g, part, c, gf) < bl[c] * (1 - 1e-12)) above = 0;
        }
        CHECK(above);
    }
    CHECK(ml == fmin(bl[0], bl[1]));
    double *eye = calloc((size_t)n * n, sizeof(double));
    for (int i = 0; i < n; i++) eye[i * n + i] = 1;
    CHECK_OK(specl_beta_linear(&g, part, 2, eye, n, bl, &ml));
    CHECK_NEAR(bl[0], bt[0], 1e-10 * bt[0]);
    CHECK_NEAR(bl[1], bt[1], 1e-10 * bt[1]);
    CHECK_NEAR(ml, mt, 1e-10 * mt);
    free(eye); free(x); free(a);
    graph_free_(&g);
}

/* d = 2: β_linear against a scan of 200000 directions u = (cos θ, sin θ); a third feature that is
 * constant on the cluster changes nothing; features constant on a cluster give ∞; NaN → ENUMERIC. */
TEST(beta_linear_scan_and_edges) {
    int n = 12, d = 2;
    int32_t part[12];
    for (int i = 0; i < n; i++) part[i] = i < 8 ? 0 : 1;
    specl_rng r;
    specl_rng_seed(&r, 5);
    double *a = random_weights_(&r, n, part, 0.6, 0.3);
    specl_graph g = graph_dense_(n, a);
    double x[24], x3[36], gf[12], bl[2], b3[2], ml;
    for (int i = 0; i < n * d; i++) x[i] = specl_rng_normal(&r);
    CHECK_OK(specl_beta_linear(&g, part, 2, x, d, bl, &ml));
    double qmin = INFINITY;
    for (int t = 0; t < 200000; t++) {
        double th = M_PI * t / 200000.0;
        for (int i = 0; i < n; i++) gf[i] = cos(th) * x[i * 2] + sin(th) * x[i * 2 + 1];
        qmin = fmin(qmin, specl_expansion_q(&g, part, 0, gf));
    }
    CHECK(qmin >= bl[0] * (1 - 1e-12));
    CHECK_NEAR(qmin, bl[0], 1e-8 * bl[0]);
    for (int i = 0; i < n; i++) {
        x3[i * 3] = x[i * 2]; x3[i * 3 + 1] = x[i * 2 + 1];
        x3[i * 3 + 2] = part[i] == 0 ? 4.0 : specl_rng_normal(&r);
    }
    CHECK_OK(specl_beta_linear(&g, part, 2, x3, 3, b3, &ml));
    CHECK_NEAR(b3[0], bl[0], 1e-10 * bl[0]);
    CHECK(b3[1] <= bl[1] * (1 + 1e-12));   /* more features on cluster 1: β can only drop */
    double xc[24];
    for (int i = 0; i < n; i++) { xc[i * 2] = part[i] == 0 ? 1.0 : x[i * 2]; xc[i * 2 + 1] = part[i] == 0 ? -2.0 : x[i * 2 + 1]; }
    CHECK_OK(specl_beta_linear(&g, part, 2, xc, 2, b3, &ml));
    CHECK(isinf(b3[0]) && isfinite(b3[1]) && ml == b3[1]);
    x[5] = NAN;
    CHECK(specl_beta_linear(&g, part, 2, x, 2, bl, &ml) == SPECL_ENUMERIC && detail_has_("(2, 1)"));
    CHECK(specl_beta_linear(&g, part, 2, xc, 0, bl, &ml) == SPECL_EINVAL);
    free(a);
    graph_free_(&g);
}

/* ---- Prop. 4.1 (claim C02) ---- */

/* Three components (a triangle, a 4-path with a self-loop, a weighted K4): any g constant on each
 * component has zero quadratic form and L(g) = 0; a random g has both non-zero; and always
 * E_pos(g − g⁺)² = 2 Σ_x p(x) g(x) L(g)(x). */
TEST(prop41_components) {
    int n = 11;
    double a[121] = { 0 };
    set_w_(a, n, 0, 1, 1); set_w_(a, n, 1, 2, 2); set_w_(a, n, 0, 2, 0.5);
    set_w_(a, n, 3, 4, 1); set_w_(a, n, 4, 5, 3); set_w_(a, n, 5, 6, 0.2); a[4 * n + 4] = 1.5;
    for (int i = 7; i < 11; i++)
        for (int j = i + 1; j < 11; j++) set_w_(a, n, i, j, 0.1 * (i + j));
    specl_graph g = graph_dense_(n, a);
    int comp[11] = { 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2 };
    specl_rng r;
    specl_rng_seed(&r, 3);
    double gf[11], lg[11];
    int zero = 1;
    for (int t = 0; t < 50; t++) {
        double v[3] = { 100 * specl_rng_normal(&r), specl_rng_normal(&r), specl_rng_normal(&r) };
        for (int i = 0; i < n; i++) gf[i] = v[comp[i]];
        if (!(fabs(specl_quadratic_form(&g, gf)) <= 1e-12)) zero = 0;
        specl_laplacian_apply(&g, gf, lg);
        for (int i = 0; i < n; i++)
            if (!(fabs(lg[i]) <= 1e-12 * (1 + fabs(gf[i])))) zero = 0;
    }
    CHECK(zero);
    for (int i = 0; i < n; i++) gf[i] = specl_rng_normal(&r);
    double qf = specl_quadratic_form(&g, gf), lnorm = 0, pgl = 0;
    specl_laplacian_apply(&g, gf, lg);
    for (int i = 0; i < n; i++) { lnorm += lg[i] * lg[i]; pgl += g.deg[i] / g.total * gf[i] * lg[i]; }
    CHECK(qf > 1e-3 && lnorm > 1e-6);
    CHECK_NEAR(qf, 2 * pgl, 1e-12 * qf);
    graph_free_(&g);
}

/* ---- φ_m, table class ---- */

/* m equal disconnected cliques: φ_m = 0; φ_{m+1} > 0. */
TEST(phi_table_disconnected_cliques) {
    int m = 4, nc = 5, n = m * nc;
    int32_t part[20];
    double *a = cliques_(m, nc, 0.0, part);
    specl_graph g = graph_dense_(n, a);
    double phi = phi_table_of_(&g, m);
    CHECK(fabs(phi) <= 1e-12);
    CHECK(phi_table_of_(&g, m + 1) > 0.1);
    free(a);
    graph_free_(&g);
}

/* Equitable leakage: φ_m = 2α exactly (cluster indicators are exact eigenvectors), for several c < 1
 * and m. */
TEST(phi_table_equitable_is_2alpha) {
    const int ms[3] = { 2, 3, 5 };
    const double cs[3] = { 0.05, 0.3, 0.9 };
    for (int im = 0; im < 3; im++)
        for (int ic = 0; ic < 3; ic++) {
            int m = ms[im], nc = 4, n = m * nc;
            int32_t part[20];
            double *a = cliques_(m, nc, cs[ic], part);
            specl_graph g = graph_dense_(n, a);
            double alpha = specl_partition_alpha(&g, part);
            double ana = cs[ic] * (m - 1) * nc / ((nc - 1) + cs[ic] * (m - 1) * nc);
            CHECK_NEAR(alpha, ana, 1e-14);
            CHECK_NEAR(phi_table_of_(&g, m), 2 * alpha, 1e-10);
            specl_spectrum s;   /* the library's spectrum gives the same φ_m */
            double phi = NAN;
            CHECK_OK(specl_graph_spectrum(&g, m, SPECL_EIG_AUTO, 0, &s));
            CHECK_OK(specl_phi_table(&s, m, &phi));
            CHECK_NEAR(phi, 2 * alpha, 1e-10);
            specl_spectrum_free(&s);
            free(a);
            graph_free_(&g);
        }
}

/* Equal masses, non-equitable leakage: cross weights random, within-clique weights per cluster
 * chosen so that every cluster has the same volume. Then φ_m ≤ 2α (Rayleigh–Ritz with the scaled
 * indicators), strictly here. */
TEST(phi_table_equal_masses_below_2alpha) {
    int m = 3, nc = 5, n = m * nc;
    int32_t part[15];
    double *a = cliques_(m, nc, 0.0, part);
    specl_rng r;
    specl_rng_seed(&r, 17);
    for (int i = 0; i < n; i++)
        for (int j = i + 1; j < n; j++)
            if (part[i] != part[j]) set_w_(a, n, i, j, specl_rng_uniform(&r) * (1 + part[i] + part[j]));
    double cross[3] = { 0 }, vmax = 0;
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++)
            if (part[i] != part[j]) cross[part[i]] += a[i * n + j];
    for (int c = 0; c < m; c++) vmax = fmax(vmax, cross[c]);
    double vol = vmax + nc * (nc - 1);
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++)
            if (i != j && part[i] == part[j]) a[i * n + j] = (vol - cross[part[i]]) / (nc * (nc - 1));
    specl_graph g = graph_dense_(n, a);
    double p[3];
    CHECK_OK(specl_partition_masses(&g, part, m, p));
    for (int c = 0; c < m; c++) CHECK_NEAR(p[c], 1.0 / m, 1e-14);
    double alpha = specl_partition_alpha(&g, part), phi = phi_table_of_(&g, m);
    CHECK(phi <= 2 * alpha * (1 + 1e-12));
    CHECK(phi < 2 * alpha * (1 - 1e-4));
    free(a);
    graph_free_(&g);
}

/* Unequal masses: the general Rayleigh–Ritz bound is φ_m ≤ (2/m) Σ_i α_i (α_i the leak fraction
 * of S_i); 2α can be violated. K_8 with a pendant vertex (weight 0.01): α = 0.02/56.02 but φ_2 = ν_2
 * stays of order 1/8 (the pendant's whole volume leaks). */
TEST(phi_table_unequal_masses) {
    int n = 9;
    double a[81] = { 0 };
    int32_t part[9] = { 0, 0, 0, 0, 0, 0, 0, 0, 1 };
    for (int i = 0; i < 8; i++)
        for (int j = i + 1; j < 8; j++) set_w_(a, n, i, j, 1);
    set_w_(a, n, 0, 8, 0.01);
    specl_graph g = graph_dense_(n, a);
    double alpha = specl_partition_alpha(&g, part), phi = phi_table_of_(&g, 2), p[2];
    CHECK_OK(specl_partition_masses(&g, part, 2, p));
    double alpha_i[2] = { alpha / 2 / p[0], alpha / 2 / p[1] };   /* cut mass split evenly */
    CHECK_NEAR(alpha_i[1], 1.0, 1e-14);
    CHECK(phi <= (alpha_i[0] + alpha_i[1]) * (1 + 1e-12));
    CHECK(phi > 100 * 2 * alpha);
    graph_free_(&g);
}

TEST(phi_table_errors) {
    double nu[3] = { 0, 0.1, 0.2 };
    specl_spectrum s;
    memset(&s, 0, sizeof s);
    s.k = 3; s.converged = 3; s.nu = nu;
    double phi = -1;
    CHECK_OK(specl_phi_table(&s, 3, &phi));
    CHECK_NEAR(phi, 0.2, 1e-15);
    CHECK_OK(specl_phi_table(&s, 1, &phi));
    CHECK(phi == 0.0);
    nu[0] = -1e-17;   /* rounding below 0 is clamped */
    CHECK_OK(specl_phi_table(&s, 1, &phi));
    CHECK(phi == 0.0);
    CHECK(specl_phi_table(&s, 4, &phi) == SPECL_EINVAL && detail_has_("k = 3"));
    CHECK(specl_phi_table(&s, 0, &phi) == SPECL_EINVAL);
    CHECK(specl_phi_table(NULL, 1, &phi) == SPECL_EINVAL);
    s.converged = 2;
    CHECK(specl_phi_table(&s, 3, &phi) == SPECL_ELINALG);
    CHECK_OK(specl_phi_table(&s, 2, &phi));
}

/* ---- φ_m, linear class ---- */

/* X = I gives φ_table; random features give ≥ φ_table (and > here); duplicated columns (Σ
 * singular) give the same φ as without the duplicate; rank < m is ELINALG naming the rank. */
TEST(phi_linear_vs_table) {
    int n = 12;
    int32_t part[12];
    for (int i = 0; i < n; i++) part[i] = i / 4;
    specl_rng r;
    specl_rng_seed(&r, 29);
    double *a = random_weights_(&r, n, part, 0.7, 0.15);
    a[2 * n + 2] = 0.4;   /* a self-loop */
    specl_graph g = graph_dense_(n, a);
    double *eye = calloc((size_t)n * n, sizeof(double));
    for (int i = 0; i < n; i++) eye[i * n + i] = 1;
    for (int m = 1; m <= 4; m++) {
        double pt = phi_table_of_(&g, m), pl = -1;
        CHECK_OK(specl_phi_linear(&g, eye, n, m, &pl));
        CHECK_NEAR(pl, pt, 1e-10);
    }
    int d = 5;
    double x[60], x6[72];
    for (int i = 0; i < n * d; i++) x[i] = specl_rng_normal(&r);
    for (int m = 1; m <= 3; m++) {
        double pt = phi_table_of_(&g, m), pl = -1, p6 = -1;
        CHECK_OK(specl_phi_linear(&g, x, d, m, &pl));
        CHECK(pl >= pt * (1 - 1e-12) && pl > pt + 1e-6);
        for (int i = 0; i < n; i++) {
            memcpy(x6 + i * 6, x + i * d, sizeof(double) * d);
            x6[i * 6 + 5] = x[i * d + 1];
        }
        CHECK_OK(specl_phi_linear(&g, x6, 6, m, &p6));
        CHECK_NEAR(p6, pl, 1e-10 * pl);
    }
    double pl;
    CHECK(specl_phi_linear(&g, x6, 6, 6, &pl) == SPECL_ELINALG && detail_has_("rank 5 < m = 6"));
    CHECK(specl_phi_linear(&g, x, d, 6, &pl) == SPECL_EINVAL);
    CHECK(specl_phi_linear(&g, x, d, 0, &pl) == SPECL_EINVAL);
    x[0] = INFINITY;
    CHECK(specl_phi_linear(&g, x, d, 1, &pl) == SPECL_ENUMERIC);
    free(eye); free(a);
    graph_free_(&g);
}

/* ---- bounds ---- */

TEST(bound_thm36) {
    double b = -1;
    CHECK_OK(specl_bound_thm36(0.05, 0.5, 0.25, 0.5, 1.0, &b));
    CHECK_NEAR(b, 0.1 * 0.5 / 0.2, 1e-15);
    CHECK_OK(specl_bound_thm36(0.05, INFINITY, 0.25, 0.5, 1.0, &b));
    CHECK(b == 0.0);
    CHECK_OK(specl_bound_thm36(0.0, 0.3, 0.25, 0.5, 1.0, &b));
    CHECK(b == 0.0);
    CHECK_OK(specl_bound_thm36(0.05, 0.0, 0.25, 0.5, 1.0, &b));
    CHECK(isinf(b));
    CHECK_OK(specl_bound_thm36(0.0, 0.0, 0.25, 0.5, 1.0, &b));   /* 0/0: vacuous, not NaN */
    CHECK(isinf(b) && b > 0);
    /* unsupported */
    CHECK(specl_bound_thm36(0.3, 0.5, 0.25, 0.5, 10.0, &b) == SPECL_EUNSUPPORTED
          && detail_has_("P_min > alpha (P_min = 0.25, alpha = 0.3)"));
    CHECK(specl_bound_thm36(0.25, 0.5, 0.25, 0.5, 10.0, &b) == SPECL_EUNSUPPORTED);
    CHECK(specl_bound_thm36(0.05, 0.5, 0.25, 0.5, 0.1, &b) == SPECL_EUNSUPPORTED
          && detail_has_("lambda > alpha/P_min = 0.2 (lambda = 0.1)"));
    CHECK(specl_bound_thm36(0.05, 0.5, 0.25, 0.5, 0.2, &b) == SPECL_EUNSUPPORTED);   /* boundary */
    /* invalid */
    CHECK(specl_bound_thm36(-0.1, 0.5, 0.25, 0.5, 1, &b) == SPECL_EINVAL && detail_has_("alpha"));
    CHECK(specl_bound_thm36(1.5, 0.5, 0.25, 0.5, 1, &b) == SPECL_EINVAL);
    CHECK(specl_bound_thm36(0.1, NAN, 0.25, 0.5, 1, &b) == SPECL_EINVAL && detail_has_("beta"));
    CHECK(specl_bound_thm36(0.1, -1, 0.25, 0.5, 1, &b) == SPECL_EINVAL);
    CHECK(specl_bound_thm36(0.1, 0.5, 0.0, 0.5, 1, &b) == SPECL_EINVAL && detail_has_("P_min"));
    CHECK(specl_bound_thm36(0.1, 0.5, 0.25, 0.2, 1, &b) == SPECL_EINVAL && detail_has_("P_max"));
    CHECK(specl_bound_thm36(0.1, 0.5, 0.25, 1.2, 1, &b) == SPECL_EINVAL);
    CHECK(specl_bound_thm36(0.1, 0.5, 0.25, 0.5, 0, &b) == SPECL_EINVAL && detail_has_("lambda"));
    CHECK(specl_bound_thm36(0.1, 0.5, 0.25, 0.5, INFINITY, &b) == SPECL_EINVAL);
}

TEST(bound_thm45) {
    double b = -1;
    CHECK_OK(specl_bound_thm45(0.1, 2, 3, 0.01, 0.01, 0.5, 2.0, &b));   /* 0.2 + 0.48 + 192·0.01/2 */
    CHECK_NEAR(b, 1.64, 1e-14);
    CHECK_OK(specl_bound_thm45(0.1, 2, 3, 0.01, 0, 0, 1.0, &b));        /* φ̃ = φ = 0 */
    CHECK_NEAR(b, 0.68, 1e-14);
    CHECK_OK(specl_bound_thm45(0, 1, 1, 0, 0, 0.3, 1e-3, &b));
    CHECK(b == 0.0);
    CHECK(specl_bound_thm45(0.1, 2, 3, 0.01, 0.1, 0.1, 1.0, &b) == SPECL_EUNSUPPORTED
          && detail_has_("phi_tilde > phi or phi_tilde = phi = 0 (phi_tilde = 0.1, phi = 0.1)"));
    CHECK(specl_bound_thm45(0.1, 2, 3, 0.01, 0.2, 0.1, 1.0, &b) == SPECL_EUNSUPPORTED);
    /* φ̃ > φ but φ > φ̃(1 − √(φ/λ)) = 0.11·(1 − √0.1) = 0.07522 */
    CHECK(specl_bound_thm45(0.1, 2, 3, 0.01, 0.1, 0.11, 1.0, &b) == SPECL_EUNSUPPORTED
          && detail_has_("phi <= phi_tilde*(1 - sqrt(phi/lambda)) = 0.0752"));
    /* φ > λ makes 1 − √(φ/λ) negative */
    CHECK(specl_bound_thm45(0.1, 2, 3, 0.01, 2, 5, 1.0, &b) == SPECL_EUNSUPPORTED);
    CHECK(specl_bound_thm45(0.1, 2, 0, 0.01, 0.01, 0.5, 1.0, &b) == SPECL_EINVAL && detail_has_("k = 0"));
    CHECK(specl_bound_thm45(-0.1, 2, 3, 0.01, 0.01, 0.5, 1.0, &b) == SPECL_EINVAL && detail_has_("zeta"));
    CHECK(specl_bound_thm45(0.1, -2, 3, 0.01, 0.01, 0.5, 1.0, &b) == SPECL_EINVAL);
    CHECK(specl_bound_thm45(0.1, 2, 3, -0.01, 0.01, 0.5, 1.0, &b) == SPECL_EINVAL && detail_has_("eps"));
    CHECK(specl_bound_thm45(0.1, 2, 3, 0.01, NAN, 0.5, 1.0, &b) == SPECL_EINVAL && detail_has_("phi"));
    CHECK(specl_bound_thm45(0.1, 2, 3, 0.01, 0.01, INFINITY, 1.0, &b) == SPECL_EINVAL);
    CHECK(specl_bound_thm45(0.1, 2, 3, 0.01, 0.01, 0.5, 0.0, &b) == SPECL_EINVAL && detail_has_("lambda"));
}

TEST(bound_thm47) {
    double b = -1;
    /* 0.1 + 2(0.01 + 0.05/3) + (12 + 2)/0.4·(0.01 + √(log 40/1e4)) + √(log 10/100) */
    CHECK_OK(specl_bound_thm47(0.1, 1, 2, 0.01, 0.05, 0.5, 3, 1, 0.01, 0.1, 1e4, 100, &b));
    CHECK_NEAR(b, 1.3273020001957925, 1e-13);
    /* B = 1.2, C_f = 1.5: 0.1 + 2.88(0.01 + 0.05/3) + (1.5⁴·12 + 2.88)/0.4·(…) + 1.8·√(log 10/100) */
    CHECK_OK(specl_bound_thm47(0.1, 1.2, 2, 0.01, 0.05, 0.5, 3, 1.5, 0.01, 0.1, 1e4, 100, &b));
    CHECK_NEAR(b, 5.095953843873653, 1e-12);
    /* all statistical terms vanish with φ = ε = ζ = R = 0, B = 0 except the C_f⁴ term */
    CHECK_OK(specl_bound_thm47(0, 0, 1, 0, 0, 1, 3, 1, 0, exp(-1), 1, 1, &b));
    CHECK_NEAR(b, 3.0 * 1.0, 1e-14);   /* (1·1·3 + 0)/1 · (0 + √(log(e)/1)) */
    CHECK(specl_bound_thm47(0.1, 1, 2, 0.01, 0.25, 0.5, 3, 1, 0.01, 0.1, 1e4, 100, &b) == SPECL_EUNSUPPORTED
          && detail_has_("phi_tilde > 2*phi = 0.5 (phi_tilde = 0.5)"));
    CHECK(specl_bound_thm47(0.1, 1, 2, 0.01, 0.05, 0.5, 1.9, 1, 0.01, 0.1, 1e4, 100, &b) == SPECL_EUNSUPPORTED
          && detail_has_("lambda >= 2*phi_tilde + 1 = 2 (lambda = 1.9)"));
    CHECK_OK(specl_bound_thm47(0.1, 1, 2, 0.01, 0.05, 0.5, 2.0, 1, 0.01, 0.1, 1e4, 100, &b));   /* boundary ok */
    CHECK(specl_bound_thm47(0.1, 1, 2, 0.01, 0.05, 0.5, 3, 1, 0.01, 1.0, 1e4, 100, &b) == SPECL_EINVAL
          && detail_has_("delta"));
    CHECK(specl_bound_thm47(0.1, 1, 2, 0.01, 0.05, 0.5, 3, 1, 0.01, 0.0, 1e4, 100, &b) == SPECL_EINVAL);
    CHECK(specl_bound_thm47(0.1, 1, 2, 0.01, 0.05, 0.5, 3, 1, 0.01, 0.1, 0, 100, &b) == SPECL_EINVAL
          && detail_has_("n_pre"));
    CHECK(specl_bound_thm47(0.1, 1, 2, 0.01, 0.05, 0.5, 3, 1, 0.01, 0.1, 1e4, -1, &b) == SPECL_EINVAL
          && detail_has_("n_ds"));
    CHECK(specl_bound_thm47(0.1, 1, 2, 0.01, 0.05, 0.5, 3, -1, 0.01, 0.1, 1e4, 100, &b) == SPECL_EINVAL
          && detail_has_("C_f"));
    CHECK(specl_bound_thm47(0.1, 1, 2, 0.01, 0.05, 0.5, 3, 1, NAN, 0.1, 1e4, 100, &b) == SPECL_EINVAL);
    CHECK(specl_bound_thm47(0.1, 1, 0, 0.01, 0.05, 0.5, 3, 1, 0.01, 0.1, 1e4, 100, &b) == SPECL_EINVAL);
}

RUN_TESTS(
    RUN(q_split_cluster_is_zero);
    RUN(q_connected_positive_constant_infinite);
    RUN(q_no_internal_edge_nan);
    RUN(q_path_by_hand);
    RUN(masses_alpha_by_hand);
    RUN(beta_table_is_min_of_q);
    RUN(beta_table_by_hand);
    RUN(beta_linear_vs_table);
    RUN(beta_linear_scan_and_edges);
    RUN(prop41_components);
    RUN(phi_table_disconnected_cliques);
    RUN(phi_table_equitable_is_2alpha);
    RUN(phi_table_equal_masses_below_2alpha);
    RUN(phi_table_unequal_masses);
    RUN(phi_table_errors);
    RUN(phi_linear_vs_table);
    RUN(bound_thm36);
    RUN(bound_thm45);
    RUN(bound_thm47);
)
