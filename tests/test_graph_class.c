/* Tests of theory/graph_class.c and theory/thm45.c: the linear class's closed-form minimizer on a
 * graph against gradient-free direct minimization of L_λ, the ε of Assumption 4.3 (closed form and
 * dual) against a brute-force search over the class, the double probe against the float probe of
 * eval/, the direct 2021 loss against L_1 − k, and the applicability rules of Thm 4.5. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "specl/base.h"
#include "specl/data.h"
#include "specl/eval.h"
#include "specl/theory.h"
#include "check.h"

typedef struct fx_ { specl_source *src; specl_graph g; int32_t *part; int m, d; double *x; } fx_;

/* A clusters graph with features: m group indicators, one distractor that follows the
 * sub-clusters (amplitude amp) plus noise, and (dup) a duplicated column (Σ singular). */
static void fx_make_(fx_ *f, int m, int sub, int size, double alpha, double conn, double amp, int dup, uint64_t seed) {
    memset(f, 0, sizeof *f);
    specl_clusters_params p = { m, sub, size, alpha, conn, 0, 2, "", 1, "group", seed };
    CHECK_OK(specl_clusters_new(&p, &f->src));
    CHECK_OK(specl_source_exact_graph(f->src, &f->g));
    int64_t n = f->g.n;
    f->m = m;
    f->d = m + 2 + dup;
    f->part = malloc(sizeof(int32_t) * n);
    f->x = malloc(sizeof(double) * n * f->d);
    specl_rng r;
    specl_rng_seed(&r, seed + 7);
    double z[64][2];
    for (int i = 0; i < 64; i++) { z[i][0] = specl_rng_normal(&r); z[i][1] = specl_rng_normal(&r); }
    for (int64_t v = 0; v < n; v++) {
        f->part[v] = (int32_t)(v / ((int64_t)sub * size));
        double *xv = f->x + v * f->d;
        for (int c = 0; c < m; c++) xv[c] = f->part[v] == c;
        xv[m] = amp * z[v / size][0] + 0.3 * specl_rng_normal(&r);
        xv[m + 1] = 0.5 * z[v / size][1] + specl_rng_normal(&r);
        if (dup) xv[m + 2] = xv[m];
    }
}

static void fx_free_(fx_ *f) {
    specl_source_free(f->src);
    specl_graph_free(&f->g);
    free(f->part); free(f->x);
}

static double loss_u_(const fx_ *f, int k, const double *u, double lambda, double *buf) {
    specl_glin_apply(f->g.n, f->d, f->x, k, u, buf);
    return specl_graph_loss_direct(&f->g, k, buf, lambda);
}

/* (1+1) evolution strategy with the 1/5 success rule: minimizes L_λ over U (k, d) from a random
 * start, no gradients, no closed form. */
static double es_min_(const fx_ *f, int k, double lambda, specl_rng *r, int iters) {
    int nd = k * f->d;
    double *u = malloc(sizeof(double) * nd), *t = malloc(sizeof(double) * nd), *buf = malloc(sizeof(double) * f->g.n * k);
    for (int i = 0; i < nd; i++) u[i] = 0.3 * specl_rng_normal(r);
    double l = loss_u_(f, k, u, lambda, buf), step = 0.1;
    for (int it = 0; it < iters; it++) {
        for (int i = 0; i < nd; i++) t[i] = u[i] + step * specl_rng_normal(r);
        double lt = loss_u_(f, k, t, lambda, buf);
        if (lt < l) { l = lt; memcpy(u, t, sizeof(double) * nd); step *= 1.5; }
        else step *= 0.9;
        if (step < 1e-9) step = 1e-9;
        if (it % 1000 == 999) step = 0.05;   /* restart the step size from the best point */
    }
    free(u); free(t); free(buf);
    return l;
}

TEST(linear_minimizer_vs_direct_minimization) {
    for (int dup = 0; dup < 2; dup++) {
        fx_ f;
        fx_make_(&f, 3, 2, 5, 0.05, 0.1, 1.0, dup, 11 + dup);
        specl_glin s;
        CHECK_OK(specl_glin_spectrum(&f.g, f.x, f.d, &s));
        CHECK(s.r == f.d - dup);   /* the duplicated column adds no direction */
        specl_rng r;
        specl_rng_seed(&r, 5 + dup);
        const double lambdas[3] = { 0.05, 1.0, 5.0 };
        int ks[3] = { 1, 3, s.r + 1 };
        for (int li = 0; li < 3; li++)
            for (int ki = 0; ki < 3; ki++) {
                int k = ks[ki], nd = k * f.d;
                double lam = lambdas[li], lstar;
                double *u = malloc(sizeof(double) * nd), *t = malloc(sizeof(double) * nd), *buf = malloc(sizeof(double) * f.g.n * k);
                CHECK_OK(specl_glin_minimizer(&s, k, lam, u, &lstar));
                double l0 = loss_u_(&f, k, u, lam, buf);
                CHECK_NEAR(l0, lstar, 1e-10 * fmax(1.0, lstar));       /* the closed-form value is the loss of the closed-form U */
                double lowest = INFINITY;
                for (int trial = 0; trial < 200; trial++) {             /* no nearby U does better */
                    double sc = trial % 2 ? 1e-3 : 1e-1;
                    for (int i = 0; i < nd; i++) t[i] = u[i] + sc * specl_rng_normal(&r);
                    lowest = fmin(lowest, loss_u_(&f, k, t, lam, buf));
                }
                CHECK(lowest >= lstar - 1e-12);
                double les = es_min_(&f, k, lam, &r, 6000);            /* nor does a gradient-free search from afar */
                CHECK(les >= lstar - 1e-12);
                /* and the search works (else les >= lstar would test nothing): within 1% */
                if (!(fabs(les - lstar) <= 1e-2 * fmax(1.0, lstar)))
                    fprintf(stderr, "  ES: lambda %g k %d dup %d: ES %.10g vs closed form %.10g\n", lam, k, dup, les, lstar);
                CHECK(fabs(les - lstar) <= 1e-2 * fmax(1.0, lstar));
                free(u); free(t); free(buf);
            }
        specl_glin_free(&s);
        fx_free_(&f);
    }
}

/* Brute force for r of Assumption 4.3 over g = uᵀX: maximize dist²(g, span fe) / E g² subject to
 * Q(g) ≤ φ̃ E g², fe (n, m) orthonormal, by a (1+1)-ES from several feasible starts; all quantities
 * computed on the vertices from their definitions. */
static double brute_outside_(const fx_ *f, const double *fe, int m, double phi_tilde, specl_rng *r) {
    int64_t n = f->g.n;
    int d = f->d;
    double *g = malloc(sizeof(double) * n), *u = malloc(sizeof(double) * d), *t = malloc(sizeof(double) * d), best = 0;
    for (int start = 0; start < 4; start++) {
        double val = -1, step = 0.3;
        for (int it = 0; it < 10000; it++) {
            for (int i = 0; i < d; i++) t[i] = it == 0 ? (i < f->m ? 1.0 : 0.0) + (start ? 0.1 * specl_rng_normal(r) : 0) : u[i] + step * specl_rng_normal(r);
            double e2 = 0, pr = 0;
            for (int64_t v = 0; v < n; v++) {
                double a = 0;
                for (int i = 0; i < d; i++) a += t[i] * f->x[v * d + i];
                g[v] = a;
                e2 += f->g.deg[v] / f->g.total * a * a;
            }
            if (!(e2 > 1e-12)) { step *= 0.9; continue; }
            double q = specl_quadratic_form(&f->g, g) / e2;
            for (int i = 0; i < m; i++) {
                double c = 0;
                for (int64_t v = 0; v < n; v++) c += f->g.deg[v] / f->g.total * g[v] * fe[v * m + i];
                pr += c * c;
            }
            double dist = 1.0 - pr / e2;
            if (q <= phi_tilde && dist > val) { val = dist; memcpy(u, t, sizeof(double) * d); step *= 1.5; }
            else step *= 0.93;
            if (step < 1e-10) step = 1e-10;
            if (it % 500 == 499) step = 0.05;   /* restart the step size from the best point */
        }
        best = fmax(best, val);
    }
    free(g); free(u); free(t);
    return best;
}

TEST(eps_closed_form_and_dual_vs_brute_force) {
    fx_ f;
    fx_make_(&f, 3, 2, 5, 0.05, 0.05, 1.5, 0, 21);
    specl_glin s;
    CHECK_OK(specl_glin_spectrum(&f.g, f.x, f.d, &s));
    int m = f.m, r = s.r;
    int64_t n = f.g.n;
    specl_rng rng;
    specl_rng_seed(&rng, 99);
    /* (a) f_eig = bottom m generalized eigenfunctions */
    double *fe = malloc(sizeof(double) * n * m), *q = calloc((size_t)r * m, sizeof(double));
    for (int64_t v = 0; v < n; v++)
        for (int i = 0; i < m; i++) {
            double a = 0;
            for (int l = 0; l < f.d; l++) a += s.v[l * r + i] * f.x[v * f.d + l];
            fe[v * m + i] = a;
        }
    for (int i = 0; i < m; i++) q[i * m + i] = 1.0;
    const double fr[3] = { 0.2, 0.6, 1.5 };   /* φ̃ = e_1 + fr (e_{m+1} − e_1): r interior, and clamped at 1 */
    for (int j = 0; j < 3; j++) {
        double pt = s.e[0] + fr[j] * (s.e[m] - s.e[0]), dual;
        double closed = specl_thm45_outside_bottom(s.e, r, m, pt);
        CHECK_NEAR(closed, fmin(1.0, fr[j]), 1e-12);
        CHECK_OK(specl_thm45_outside(r, s.e, q, m, pt, &dual));
        CHECK_NEAR(dual, closed, 1e-6);
        double brute = brute_outside_(&f, fe, m, pt, &rng);
        CHECK(brute <= closed + 1e-9);
        CHECK(brute >= closed - 1e-2);   /* the closed form is attained, up to the search's precision */
        if (!(brute >= closed - 1e-2)) fprintf(stderr, "  (a) phi~ %g: brute %.6g closed %.6g\n", pt, brute, closed);
    }
    /* (b) f_eig = scaled group indicators: dual against brute force */
    double pm[8] = { 0 };
    CHECK_OK(specl_partition_masses(&f.g, f.part, m, pm));
    memset(fe, 0, sizeof(double) * n * m);
    for (int64_t v = 0; v < n; v++) fe[v * m + f.part[v]] = 1.0 / sqrt(pm[f.part[v]]);
    memset(q, 0, sizeof(double) * r * m);
    for (int64_t v = 0; v < n; v++)
        for (int j = 0; j < r; j++) {
            double fj = 0;
            for (int l = 0; l < f.d; l++) fj += s.v[l * r + j] * f.x[v * f.d + l];
            for (int i = 0; i < m; i++) q[j * m + i] += f.g.deg[v] / f.g.total * fj * fe[v * m + i];
        }
    double phi = 0, *col = malloc(sizeof(double) * n);
    for (int i = 0; i < m; i++) { for (int64_t v = 0; v < n; v++) col[v] = fe[v * m + i]; phi += specl_quadratic_form(&f.g, col); }
    const double mult[3] = { 1.2, 3.0, 10.0 };
    for (int j = 0; j < 3; j++) {
        double pt = phi * mult[j], dual;
        CHECK_OK(specl_thm45_outside(r, s.e, q, m, pt, &dual));
        double brute = brute_outside_(&f, fe, m, pt, &rng);
        if (!(brute <= dual + 1e-7 && brute >= dual - 1e-2)) fprintf(stderr, "  (b) phi~ %g: brute %.6g dual %.6g\n", pt, brute, dual);
        CHECK(brute <= dual + 1e-7);
        CHECK(brute >= dual - 1e-2);
    }
    free(fe); free(q); free(col);
    specl_glin_free(&s);
    fx_free_(&f);
}

TEST(probe_error_double_vs_float_probe) {
    fx_ f;
    fx_make_(&f, 4, 2, 4, 0.1, 0.3, 1.0, 0, 31);
    int64_t n = f.g.n;
    int k = 3, m = f.m;
    specl_rng r;
    specl_rng_seed(&r, 3);
    double *fd = malloc(sizeof(double) * n * k), *w = malloc(sizeof(double) * n), err, ef, acc;
    float *ff = malloc(sizeof(float) * n * k), *y = calloc((size_t)n * m, sizeof(float));
    for (int64_t i = 0; i < n * k; i++) { ff[i] = (float)specl_rng_normal(&r); fd[i] = ff[i]; }
    for (int64_t v = 0; v < n; v++) { w[v] = f.g.deg[v] / f.g.total; y[v * m + f.part[v]] = 1; }
    CHECK_OK(specl_graph_probe_error(&f.g, k, fd, f.part, m, &err));
    specl_probe p = { 0 };
    specl_probe_opts o = { 0, 0 };
    CHECK_OK(specl_probe_fit(&o, n, k, ff, m, y, w, &p));
    CHECK_OK(specl_probe_eval(&p, n, ff, y, w, &ef, &acc));
    CHECK_NEAR(err, ef, 1e-6);
    for (int64_t v = 0; v < n; v++) fd[v * k + 2] = fd[v * k];   /* a duplicated direction changes nothing */
    double e2, e3;
    CHECK_OK(specl_graph_probe_error(&f.g, k, fd, f.part, m, &e2));
    for (int64_t v = 0; v < n; v++) { fd[v * 2] = fd[v * k]; fd[v * 2 + 1] = fd[v * k + 1]; }
    CHECK_OK(specl_graph_probe_error(&f.g, 2, fd, f.part, m, &e3));
    CHECK_NEAR(e2, e3, 1e-10);
    specl_probe_free(&p);
    free(fd); free(w); free(ff); free(y);
    fx_free_(&f);
}

TEST(spectral2021_direct_vs_loss) {
    fx_ f;
    fx_make_(&f, 3, 2, 4, 0.08, 0.5, 1.0, 0, 41);
    int64_t n = f.g.n;
    int k = 4;
    specl_rng r;
    specl_rng_seed(&r, 4);
    double *fv = malloc(sizeof(double) * n * k), l21;
    for (int64_t i = 0; i < n * k; i++) fv[i] = 0.7 * specl_rng_normal(&r);
    CHECK_OK(specl_graph_spectral2021_direct(&f.g, k, fv, &l21));
    double l1 = specl_graph_loss_direct(&f.g, k, fv, 1.0), l2 = specl_graph_loss_direct(&f.g, k, fv, 2.0);
    CHECK_NEAR(l1 - k, l21, 1e-10 * fmax(1.0, fabs(l21)));
    CHECK(fabs(l2 - k - l21) > 1e-3);                           /* only λ = 1 */
    free(fv);
    fx_free_(&f);
}

TEST(thm45_applicability) {
    fx_ f;
    fx_make_(&f, 3, 2, 5, 0.05, 0.1, 1.0, 0, 51);
    specl_glin s;
    CHECK_OK(specl_glin_spectrum(&f.g, f.x, f.d, &s));
    specl_thm45 t;
    CHECK_OK(specl_thm45_linear(&f.g, &s, f.x, f.part, f.m, NULL, 100.0, &t));
    CHECK(t.applies && t.bound >= 2 * t.zeta && t.phi_tilde > t.phi);
    double phi = t.phi;
    /* λ just above φ/(1 − 1e-6)²: applies; at φ itself and a hair above, where the unslackened
     * condition would be decided by rounding: not applicable, with the reason */
    CHECK_OK(specl_thm45_linear(&f.g, &s, f.x, f.part, f.m, NULL, phi / ((1 - 1e-6) * (1 - 1e-6)) * (1 + 1e-12), &t));
    CHECK(t.applies);
    CHECK_OK(specl_thm45_linear(&f.g, &s, f.x, f.part, f.m, NULL, phi * (1 + 1e-15), &t));
    CHECK(!t.applies && strstr(t.reason, "not below lambda"));
    /* unscaled indicators are not orthonormal: not applicable */
    double *fe = calloc((size_t)f.g.n * f.m, sizeof(double));
    for (int64_t v = 0; v < f.g.n; v++) fe[v * f.m + f.part[v]] = 1.0;
    CHECK_OK(specl_thm45_linear(&f.g, &s, f.x, f.part, f.m, fe, 10.0, &t));
    CHECK(!t.applies && strstr(t.reason, "orthonormal"));
    free(fe);
    specl_glin_free(&s);
    fx_free_(&f);
}

RUN_TESTS(RUN(linear_minimizer_vs_direct_minimization); RUN(eps_closed_form_and_dual_vs_brute_force);
          RUN(probe_error_double_vs_float_probe); RUN(spectral2021_direct_vs_loss); RUN(thm45_applicability))
