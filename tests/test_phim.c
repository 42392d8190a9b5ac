/* Tests of the φ_m machinery: the whitened alignment (eval/align.c), the φ_m of the linear class
 * from moments, sampled moments, full-batch moment training of the linear class, and the
 * procedure (experiments/phim.c) against the exact φ_m of the theory engine. */
#include <stdlib.h>
#include <string.h>
#include "check.h"
#include "specl.h"

static void rand_mat_(specl_rng *r, int n, int k, float *f) {
    for (int i = 0; i < n * k; i++) f[i] = (float)specl_rng_normal(r);
}

/* tr(C⁻¹D)/k by the definition: whiten f with the Cholesky-free route of the test (solve C X = D
 * by Gaussian elimination in double). */
static double trace_cinv_d_(int k, const double *c, const double *d) {
    double *a = malloc(sizeof(double) * k * 2 * k);
    for (int i = 0; i < k; i++)
        for (int j = 0; j < k; j++) { a[i * 2 * k + j] = c[i * k + j]; a[i * 2 * k + k + j] = d[i * k + j]; }
    for (int p = 0; p < k; p++) {
        for (int i = 0; i < k; i++) {
            if (i == p) continue;
            double f = a[i * 2 * k + p] / a[p * 2 * k + p];
            for (int j = 0; j < 2 * k; j++) a[i * 2 * k + j] -= f * a[p * 2 * k + j];
        }
    }
    double tr = 0;
    for (int i = 0; i < k; i++) tr += a[i * 2 * k + k + i] / a[i * 2 * k + i];
    free(a);
    return tr / k;
}

TEST(test_align_matches_definition) {
    specl_rng r;
    specl_rng_seed(&r, 3);
    int n = 500, k = 4;
    float *f1 = malloc(sizeof(float) * n * k), *f2 = malloc(sizeof(float) * n * k);
    rand_mat_(&r, n, k, f1);
    for (int i = 0; i < n * k; i++) f2[i] = f1[i] + 0.3f * (float)specl_rng_normal(&r);
    specl_align_acc a;
    CHECK_OK(specl_align_acc_init(&a, k));
    specl_align_acc_add(&a, n / 2, f1, f2, 1.0);                       /* two chunks = one */
    specl_align_acc_add(&a, n - n / 2, f1 + (n / 2) * k, f2 + (n / 2) * k, 1.0);
    double phi = 0;
    CHECK_OK(specl_align_acc_finish(&a, &phi));
    double c[16] = { 0 }, d[16] = { 0 };
    for (int s = 0; s < n; s++)
        for (int i = 0; i < k; i++)
            for (int j = 0; j < k; j++) {
                c[i * k + j] += 0.5 * ((double)f1[s * k + i] * f1[s * k + j] + (double)f2[s * k + i] * f2[s * k + j]) / n;
                d[i * k + j] += ((double)f1[s * k + i] - f2[s * k + i]) * ((double)f1[s * k + j] - f2[s * k + j]) / n;
            }
    CHECK_NEAR(phi, trace_cinv_d_(k, c, d), 1e-10);
    specl_align_acc_free(&a);
    free(f1); free(f2);
}

/* Whitening makes the alignment invariant to any invertible linear map of the embedding. */
TEST(test_align_invariant_to_linear_maps) {
    specl_rng r;
    specl_rng_seed(&r, 4);
    int n = 400, k = 3;
    float *f1 = malloc(sizeof(float) * n * k), *f2 = malloc(sizeof(float) * n * k);
    float *g1 = malloc(sizeof(float) * n * k), *g2 = malloc(sizeof(float) * n * k);
    rand_mat_(&r, n, k, f1);
    for (int i = 0; i < n * k; i++) f2[i] = f1[i] + 0.5f * (float)specl_rng_normal(&r);
    const float A[9] = { 2, 1, 0, 0, 1, -3, 1, 0, 0.5f };
    for (int s = 0; s < n; s++)
        for (int i = 0; i < k; i++) {
            double a1 = 0, a2 = 0;
            for (int j = 0; j < k; j++) { a1 += A[i * k + j] * f1[s * k + j]; a2 += A[i * k + j] * f2[s * k + j]; }
            g1[s * k + i] = (float)a1; g2[s * k + i] = (float)a2;
        }
    double p1 = 0, p2 = 0;
    specl_align_acc a;
    CHECK_OK(specl_align_acc_init(&a, k));
    specl_align_acc_add(&a, n, f1, f2, 1.0);
    CHECK_OK(specl_align_acc_finish(&a, &p1));
    specl_align_acc_free(&a);
    CHECK_OK(specl_align_acc_init(&a, k));
    specl_align_acc_add(&a, n, g1, g2, 1.0);
    CHECK_OK(specl_align_acc_finish(&a, &p2));
    specl_align_acc_free(&a);
    CHECK_NEAR(p1, p2, 1e-5 * p1);
    free(f1); free(f2); free(g1); free(g2);
}

TEST(test_align_singular_and_errors) {
    double c[4] = { 1, 1, 1, 1 }, d[4] = { 1, 0, 0, 1 }, phi = -1;
    CHECK(specl_whitened_alignment(2, c, d, &phi) == SPECL_ELINALG);   /* rank 1 */
    CHECK(strstr(specl_error_detail(), "singular") != NULL);
    CHECK(phi == -1);
    double c2[4] = { 2, 0, 0, 0.5 }, d2[4] = { 1, 0, 0, 1 };
    CHECK_OK(specl_whitened_alignment(2, c2, d2, &phi));
    CHECK_NEAR(phi, (0.5 + 2.0) / 2, 1e-12);
    c2[1] = NAN;
    CHECK(specl_whitened_alignment(2, c2, d2, &phi) == SPECL_ENUMERIC);
    CHECK(specl_whitened_alignment(0, c2, d2, &phi) == SPECL_EINVAL);
    specl_align_acc a;
    CHECK_OK(specl_align_acc_init(&a, 2));
    CHECK(specl_align_acc_finish(&a, &phi) == SPECL_EINVAL);           /* no pairs */
    specl_align_acc_free(&a);
}

static specl_source *clusters_(int d) {
    specl_clusters_params p = { 0 };
    p.m = 3; p.sub = 2; p.size = 6; p.alpha = 0.05; p.conn = 0.2; p.leak = 2; p.d = d; p.labels = "group"; p.seed = 5;
    specl_source *s = NULL;
    CHECK_OK(specl_clusters_new(&p, &s));
    return s;
}

/* φ_m of the linear class from the graph and from the moments agree; several m at once. */
TEST(test_phi_linear_moments) {
    specl_source *src = clusters_(6);
    specl_graph g;
    CHECK_OK(specl_source_exact_graph(src, &g));
    int d = src->d;
    double *x = malloc(sizeof(double) * g.n * d), *mean = malloc(sizeof(double) * d);
    double *sig = malloc(sizeof(double) * d * d), *sd = malloc(sizeof(double) * d * d);
    float *xf = malloc(sizeof(float) * d);
    for (int64_t v = 0; v < g.n; v++) {
        int32_t lab;
        float tg[8];
        int64_t cl;
        double pr;
        CHECK_OK(specl_source_support(src, v, xf, &lab, tg, &cl, &pr));
        for (int j = 0; j < d; j++) x[v * d + j] = xf[j];
    }
    CHECK_OK(specl_source_moments(src, mean, sig, sd));
    int ms[3] = { 1, 3, 6 };
    double phi[3];
    CHECK_OK(specl_phi_linear_moments(d, sig, sd, 3, ms, phi));
    for (int i = 0; i < 3; i++) {
        double ref = 0;
        CHECK_OK(specl_phi_linear(&g, x, d, ms[i], &ref));
        CHECK_NEAR(phi[i], ref, 1e-9);
    }
    CHECK(phi[0] <= phi[1] && phi[1] <= phi[2]);   /* means of ascending eigenvalues */
    int bad = 7;
    CHECK(specl_phi_linear_moments(d, sig, sd, 1, &bad, phi) == SPECL_EINVAL);
    sig[0] = INFINITY;
    CHECK(specl_phi_linear_moments(d, sig, sd, 1, ms, phi) == SPECL_ENUMERIC);
    free(x); free(mean); free(sig); free(sd); free(xf);
    specl_graph_free(&g);
    specl_source_free(src);
}

/* Sampled moments converge to the closed form (within a few standard errors). */
TEST(test_moments_mc) {
    specl_hypercube_params hp = { 6, 2, 0.5, 1.0, "x1", 1, "" };
    specl_source *src = NULL;
    CHECK_OK(specl_hypercube_new(&hp, &src));
    double mean[6], s[36], sd[36], ms[36], msd[36];
    CHECK_OK(specl_source_moments(src, mean, s, sd));
    specl_rng r;
    specl_rng_seed(&r, 11);
    CHECK_OK(specl_source_moments_mc(src, 40000, &r, ms, msd));
    double worst = 0;
    for (int i = 0; i < 36; i++) {
        double e = fabs(ms[i] - s[i]) + fabs(msd[i] - sd[i]);
        if (e > worst) worst = e;
    }
    CHECK(worst < 0.03);   /* entries are O(1) with sd ~ 1/sqrt(40000) = 0.005 */
    /* and they are the definition's sums over exactly the pairs drawn (the same stream, 2500
     * pairs: two full chunks and a partial one) */
    enum { N = 2500 };
    specl_batch b;
    CHECK_OK(specl_batch_alloc(&b, 1024, src));
    double ref[36] = { 0 }, refd[36] = { 0 };
    specl_rng_seed(&r, 12);
    for (int done = 0; done < N;) {
        int n = N - done < 1024 ? N - done : 1024;
        CHECK_OK(specl_source_sample(src, n, &r, &b));
        for (int p = 0; p < n; p++) {
            const float *x1 = b.x + (size_t)p * 6, *x2 = b.x + (size_t)(n + p) * 6;
            for (int i = 0; i < 6; i++)
                for (int j = 0; j < 6; j++) {
                    ref[i * 6 + j] += 0.5 * ((double)x1[i] * x1[j] + (double)x2[i] * x2[j]) / N;
                    refd[i * 6 + j] += ((double)x1[i] - x2[i]) * ((double)x1[j] - x2[j]) / N;
                }
        }
        done += n;
    }
    specl_batch_free(&b);
    specl_rng_seed(&r, 12);
    CHECK_OK(specl_source_moments_mc(src, N, &r, ms, msd));
    worst = 0;
    for (int i = 0; i < 36; i++) {
        double e = fabs(ms[i] - ref[i]) + fabs(msd[i] - refd[i]);
        if (e > worst) worst = e;
        CHECK(ms[i] == ms[(i % 6) * 6 + i / 6] && msd[i] == msd[(i % 6) * 6 + i / 6]);   /* symmetric */
    }
    CHECK(worst < 1e-12);
    CHECK(specl_source_moments_mc(src, 1, &r, ms, msd) == SPECL_EINVAL);
    specl_source_free(src);
}

/* Full-batch training on moments reaches the closed-form optimum L* of the linear class. */
TEST(test_linear_moments_training) {
    specl_hypercube_params hp = { 8, 3, 0.5, 1.0, "x1", 1, "" };
    specl_source *src = NULL;
    CHECK_OK(specl_hypercube_new(&hp, &src));
    double mean[8], s[64], sd[64];
    CHECK_OK(specl_source_moments(src, mean, s, sd));
    specl_model_spec ms = { .cls = "linear", .d = 8, .k = 3, .init_scale = 1 };
    specl_model *m = NULL;
    CHECK_OK(specl_model_create(&ms, 16, &m));
    specl_rng r;
    specl_rng_seed(&r, 2);
    specl_model_init(m, 1, &r);
    specl_train_spec ts = { 0 };
    ts.loss.kind = SPECL_LOSS_LAMBDA; ts.loss.lambda = 1;
    ts.opt.lr = 0.01; ts.opt.beta1 = 0.9; ts.opt.beta2 = 0.999; ts.opt.eps = 1e-8; ts.opt.schedule = SPECL_SCHED_COSINE;
    ts.steps = 3000;
    CHECK_OK(specl_train_linear_moments(m, s, sd, &ts, NULL, NULL));
    double lstar = 0, l = 0;
    int exact = 0;
    CHECK_OK(specl_linear_optimum(src, 3, 1.0, &lstar));
    specl_rng pr;
    specl_rng_seed(&pr, 3);
    CHECK_OK(specl_population_loss(m, src, 1.0, 1000, &pr, &l, &exact));
    CHECK(exact == 1);
    CHECK_NEAR(l, lstar, 1e-5 * (fabs(lstar) > 0.1 ? fabs(lstar) : 0.1));
    ts.loss.kind = SPECL_LOSS_SPECTRAL2021;
    CHECK(specl_train_linear_moments(m, s, sd, &ts, NULL, NULL) == SPECL_EINVAL);
    specl_model_free(m);
    specl_source_free(src);
}

static int count_cb_(int a, int mi, int li, double phi, void *ctx) { (*(int *)ctx)++; return 0; }
static int only_first_(int a, int mi, int li, void *ctx) { return a == 0 && mi == 0; }

/* The procedure on a graph: the linear and table estimates match the theory engine; a λ whose
 * covariance is singular is skipped (NaN), not fatal (at λ = 0.02 the L_λ minimizer of the table
 * class gives its third direction variance 0: the regularizer is too weak to pay for it); the
 * point filter runs a subset. */
TEST(test_phim_procedure) {
    specl_source *src = clusters_(8);
    specl_model_spec arch[2] = { { .cls = "linear", .d = 8, .k = 1, .init_scale = 1 },
                                 { .cls = "table", .d = 8, .k = 1, .init_scale = 1, .table_rows = src->n_support } };
    const char *names[2] = { "linear", "table" };
    int ms[2] = { 2, 3 };
    double lambdas[2] = { 0.02, 1 };
    specl_phim_spec s = { 0 };
    s.train_src = s.test_src = src;
    s.n_arch = 2; s.arch = arch; s.arch_names = names;
    s.n_m = 2; s.ms = ms; s.n_lambda = 2; s.lambdas = lambdas;
    s.train.loss.lambda = 1; s.train.opt.lr = 0.02; s.train.opt.beta1 = 0.9; s.train.opt.beta2 = 0.999;
    s.train.opt.eps = 1e-8; s.train.opt.schedule = SPECL_SCHED_COSINE; s.train.steps = 3000; s.train.batch = 512;
    s.eval_pairs = 1000; s.moment_pairs = 1000; s.exact_linear = s.exact_table = 1; s.seed = 3;
    int calls = 0;
    s.point_cb = count_cb_; s.point_ctx = &calls;
    specl_phim_result r;
    CHECK_OK(specl_phim_run(&s, &r));
    CHECK(calls == 8);
    CHECK(r.linear_exact_closed == 1);
    for (int i = 0; i < 2; i++) {
        CHECK_NEAR(r.best[i], r.linear_exact[i], 0.01 * r.linear_exact[i]);
        CHECK_NEAR(r.best[2 + i], r.table_exact[i], 0.02 * r.table_exact[i]);
        CHECK(r.best_lambda[2 + i] == 1);
    }
    CHECK(isnan(r.phi[(2 + 1) * 2 + 0]));   /* table, m = 3, λ = 0.02: a collapsed direction, skipped */
    CHECK(r.exact[0] == 1 && r.exact[1] == 1);
    cJSON *j = specl_phim_to_json(&s, &r);
    CHECK(cJSON_GetArraySize(cJSON_GetObjectItem(j, "archs")) == 2);
    cJSON_Delete(j);
    specl_phim_result_free(&r);
    s.point = only_first_; calls = 0;
    s.exact_linear = s.exact_table = 0;
    CHECK_OK(specl_phim_run(&s, &r));
    CHECK(calls == 2 && isnan(r.best[1]) && isfinite(r.best[0]));
    specl_phim_result_free(&r);
    double bad = -1;
    s.lambdas = &bad; s.n_lambda = 1;
    CHECK(specl_phim_run(&s, &r) == SPECL_EINVAL);
    specl_source_free(src);
}

/* C16 (b): the smallest alignment ratio of a relu1 unit at τ ~ U[1/2, 1] against the hand
 * derivation (phim_claims.c): with c = b − 1/2 ∈ [0, 1/2], A = (1/48 + 2c³/3 − c⁴)/2 and
 * B = (5/4 + c − c²)²/4, ratio 2A/(A + B), minimized here by brute force; 1/14 for a linear unit. */
TEST(test_relu1_min_alignment) {
    double best = 1e9, cbest = 0;
    for (int i = 0; i <= 200000; i++) {
        double c = 0.5 * i / 200000, A = 0.5 * (1.0 / 48 + 2 * c * c * c / 3 - c * c * c * c);
        double B = 0.25 * (1.25 + c - c * c) * (1.25 + c - c * c), r = 2 * A / (A + B);
        if (r < best) { best = r; cbest = c; }
    }
    double b = 0, rho = specl_relu1_min_alignment(0.5, 1.0, &b);
    CHECK_NEAR(rho, best, 1e-9);
    CHECK_NEAR(b, 0.5 + cbest, 1e-4);
    CHECK(rho > 0.046 && rho < 0.0464 && rho < 1.0 / 14);
    /* scale invariance: τ ~ U[1, 2] is the same law up to a factor 2 */
    CHECK_NEAR(specl_relu1_min_alignment(1.0, 2.0, NULL), rho, 1e-9);
}

RUN_TESTS(RUN(test_align_matches_definition); RUN(test_align_invariant_to_linear_maps); RUN(test_align_singular_and_errors);
          RUN(test_phi_linear_moments); RUN(test_moments_mc); RUN(test_linear_moments_training); RUN(test_phim_procedure);
          RUN(test_relu1_min_alignment))
