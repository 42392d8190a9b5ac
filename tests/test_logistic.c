/* Tests of src/eval/logistic.c (multinomial logistic-regression probe) and src/eval/presets.c
 * (kNN presets): separable blobs, a hand-derived 1-D optimum, stationarity checked by a gradient
 * computed here independently, Newton vs L-BFGS, row-permutation invariance, bit-for-bit
 * determinism (also across OpenMP thread counts), eval against hand-computed values, every
 * validation error, and the presets. */
#include <omp.h>
#include <stdlib.h>
#include <string.h>
#include "specl/eval.h"
#include "check.h"

/* A local generator so the test does not depend on the library RNG. */
static uint64_t rng_state = 0x2545f4914f6cdd1dULL;
static uint64_t rnd_u64(void) {
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}
static double rnd_unif(void) { return (double)(rnd_u64() >> 11) * 0x1.0p-53; }
static double rnd_normal(void) {
    double u = rnd_unif() + 1e-300, v = rnd_unif();
    return sqrt(-2 * log(u)) * cos(6.283185307179586 * v);
}

static double max_abs_diff(const double *a, const double *b, size_t n) {
    double m = 0;
    for (size_t i = 0; i < n; i++) if (fabs(a[i] - b[i]) > m) m = fabs(a[i] - b[i]);
    return m;
}

/* Gaussian blobs: class i % c, mean sep·e_{class mod k} (sign alternating for class ≥ k), noise
 * sd. f (n, k), y (n) allocated here. */
static void blobs(int64_t n, int k, int c, double sep, double sd, float **f, int32_t **y) {
    *f = malloc(sizeof(float) * (size_t)n * k);
    *y = malloc(sizeof(int32_t) * (size_t)n);
    for (int64_t i = 0; i < n; i++) {
        int cl = (int)(i % c);
        (*y)[i] = cl;
        for (int j = 0; j < k; j++) {
            double mean = j == cl % k ? (cl / k % 2 ? -sep : sep) : 0;
            (*f)[i * k + j] = (float)(mean + sd * rnd_normal());
        }
    }
}

/* ‖∇J(W)‖₂ computed independently: plain per-row softmax, the definition of the objective. */
static double grad_norm(const double *w, int64_t n, int k, const float *f, const int32_t *y,
                        int c, int bias, double l2) {
    int p = k + bias;
    double *g = calloc((size_t)c * p, sizeof(double)), z[64], s2 = 0;
    for (int64_t i = 0; i < n; i++) {
        double mx = -INFINITY, sum = 0;
        for (int q = 0; q < c; q++) {
            z[q] = bias ? w[q * p + k] : 0;
            for (int j = 0; j < k; j++) z[q] += w[q * p + j] * f[i * k + j];
            if (z[q] > mx) mx = z[q];
        }
        for (int q = 0; q < c; q++) sum += exp(z[q] - mx);
        for (int q = 0; q < c; q++) {
            double r = exp(z[q] - mx) / sum - (q == y[i]);
            for (int j = 0; j < k; j++) g[q * p + j] += r * f[i * k + j] / (double)n;
            if (bias) g[q * p + k] += r / (double)n;
        }
    }
    for (int q = 0; q < c; q++)
        for (int j = 0; j < p; j++) {
            double v = g[q * p + j] + (j < k ? 2 * l2 * w[q * p + j] : 0);
            s2 += v * v;
        }
    free(g);
    return sqrt(s2);
}

/* ---- separable blobs ---- */

/* Accuracy 1 at every l2, training NLL strictly decreasing as l2 weakens. */
static void separable(int k, int c) {
    const int64_t n = 240;
    float *f; int32_t *y;
    blobs(n, k, c, 4.0, 0.3, &f, &y);
    const double l2s[4] = {1e-1, 1e-2, 1e-3, 1e-4};
    double prev = INFINITY, *zero = calloc((size_t)c * (k + 1), sizeof(double));
    double g0 = grad_norm(zero, n, k, f, y, c, 1, 0);     /* ‖∇J(0)‖: no penalty at W = 0 */
    free(zero);
    for (int t = 0; t < 4; t++) {
        specl_logistic_opts o = specl_logistic_defaults();
        o.l2 = l2s[t];
        specl_logistic m;
        double acc = -1, nll = -1;
        CHECK_OK(specl_logistic_fit(&o, n, k, f, y, c, &m));
        CHECK(m.k == k && m.classes == c && m.bias == 1 && m.solver == SPECL_LOGISTIC_NEWTON);
        CHECK(m.converged && m.iters > 0 && m.iters < 200);
        CHECK_OK(specl_logistic_eval(&m, n, f, y, &acc, &nll));
        CHECK_NEAR(acc, 1.0, 0);
        CHECK(nll > 0 && nll < prev);
        double g = grad_norm(m.w, n, k, f, y, c, 1, l2s[t]);
        CHECK(g <= 1e-8 * g0);                          /* the documented stopping rule */
        CHECK_NEAR(m.final_grad, g, 1e-6 * g + 1e-15);
        prev = nll;
        specl_logistic_free(&m);
        CHECK(m.w == NULL);
    }
    CHECK(prev < 0.05);
    free(f); free(y);
}

TEST(separable_two_class) { separable(2, 2); }
TEST(separable_three_class) { separable(3, 3); }

/* l2 = 0 on separable data has no finite optimum: the fit must still return finite weights that
 * classify perfectly, and report whether it converged rather than fail. */
TEST(separable_no_penalty) {
    const int64_t n = 120;
    float *f; int32_t *y;
    blobs(n, 2, 2, 4.0, 0.3, &f, &y);
    specl_logistic_opts o = specl_logistic_defaults();
    o.l2 = 0;
    o.max_iter = 30;
    specl_logistic m;
    double acc = -1, nll = -1;
    CHECK_OK(specl_logistic_fit(&o, n, 2, f, y, 2, &m));
    for (int t = 0; t < 6; t++) CHECK(isfinite(m.w[t]));
    CHECK_OK(specl_logistic_eval(&m, n, f, y, &acc, &nll));
    CHECK_NEAR(acc, 1.0, 0);
    CHECK(nll < 1e-3);
    specl_logistic_free(&m);
    free(f); free(y);
}

/* ---- hand-derived optimum ---- */

/* 1-D, two balanced classes at f = ±a, no bias. By symmetry W = (−u, u) and
 *   J(u) = log(1 + e^{−2ua}) + 2 l2 u²,   J'(u) = −2a σ(−2ua) + 4 l2 u = 0,
 * whose root is found here by bisection. */
TEST(hand_derived_1d) {
    const int n = 40;
    const double a = 1.5, l2 = 0.1;
    float f[40];
    int32_t y[40];
    for (int i = 0; i < n; i++) { y[i] = i % 2; f[i] = (float)(y[i] ? a : -a); }
    double lo = 0, hi = 100;
    for (int it = 0; it < 200; it++) {
        double u = 0.5 * (lo + hi), d = -2 * a / (1 + exp(2 * u * a)) + 4 * l2 * u;
        if (d > 0) hi = u; else lo = u;
    }
    double u = 0.5 * (lo + hi);
    CHECK(u > 0.5 && u < 5);
    specl_logistic_opts o = {.l2 = l2, .bias = 0};
    specl_logistic m;
    CHECK_OK(specl_logistic_fit(&o, n, 1, f, y, 2, &m));
    CHECK_NEAR(m.w[0], -u, 1e-10);
    CHECK_NEAR(m.w[1], u, 1e-10);
    CHECK(grad_norm(m.w, n, 1, f, y, 2, 0, l2) < 1e-8);
    CHECK(m.final_grad < 1e-8 && m.converged);
    double nll;
    CHECK_OK(specl_logistic_eval(&m, n, f, y, NULL, &nll));
    CHECK_NEAR(nll, log(1 + exp(-2 * u * a)), 1e-12);
    specl_logistic_free(&m);
}

/* 1-D, two balanced overlapping classes, with bias and l2: stationarity of the returned point,
 * gradient computed here; the unpenalized bias column sums to 0 over the classes. */
TEST(stationarity_1d_bias) {
    const int n = 200;
    const double l2 = 0.05;
    float f[200];
    int32_t y[200];
    for (int i = 0; i < n; i++) { y[i] = i % 2; f[i] = (float)((y[i] ? 0.7 : -0.2) + rnd_normal()); }
    specl_logistic_opts o = {.l2 = l2, .bias = 1};
    specl_logistic m;
    CHECK_OK(specl_logistic_fit(&o, n, 1, f, y, 2, &m));
    double g = grad_norm(m.w, n, 1, f, y, 2, 1, l2);
    CHECK(g < 1e-8);
    CHECK(fabs(m.w[1] + m.w[3]) < 1e-14);              /* biases b0 + b1 = 0 */
    CHECK(fabs(m.w[0] + m.w[2]) < 1e-12);              /* stationarity of the penalty: w0 = −w1 */
    CHECK(m.w[2] > 0);                                  /* class 1 sits at larger f */
    specl_logistic_free(&m);
}

/* l2 = 0 on overlapping 3-class data: a finite optimum exists but every column is flat along
 * the classes; the fit is stationary and centered in every column. */
TEST(stationarity_no_penalty) {
    const int64_t n = 300;
    const int k = 2, c = 3;
    float *f; int32_t *y;
    blobs(n, k, c, 1.0, 1.0, &f, &y);
    specl_logistic_opts o = {.l2 = 0, .bias = 1};
    specl_logistic m;
    CHECK_OK(specl_logistic_fit(&o, n, k, f, y, c, &m));
    CHECK(m.converged);
    CHECK(grad_norm(m.w, n, k, f, y, c, 1, 0) < 1e-8);
    for (int j = 0; j < k + 1; j++)
        CHECK(fabs(m.w[j] + m.w[3 + j] + m.w[6 + j]) < 1e-12);
    specl_logistic_free(&m);
    free(f); free(y);
}

/* l2 = 0 with a duplicated feature column: the Hessian is singular along (e_0 − e_1) too, beyond
 * the class gauge, so the Newton solve needs its jitter fallback. The optimum value is that of
 * the one-column fit (the two columns act through their sum). */
TEST(rank_deficient_no_penalty) {
    const int n = 200;
    float f1[200], f2[400];
    int32_t y[200];
    for (int i = 0; i < n; i++) {
        y[i] = i % 2;
        f1[i] = f2[2 * i] = f2[2 * i + 1] = (float)((y[i] ? 0.5 : -0.5) + rnd_normal());
    }
    specl_logistic_opts o = {.l2 = 0, .bias = 1};
    specl_logistic a, b;
    double nll1, nll2;
    CHECK_OK(specl_logistic_fit(&o, n, 1, f1, y, 2, &a));
    CHECK_OK(specl_logistic_fit(&o, n, 2, f2, y, 2, &b));
    CHECK_OK(specl_logistic_eval(&a, n, f1, y, NULL, &nll1));
    CHECK_OK(specl_logistic_eval(&b, n, f2, y, NULL, &nll2));
    CHECK_NEAR(nll2, nll1, 1e-12);
    CHECK(grad_norm(b.w, n, 2, f2, y, 2, 1, 0) < 1e-8);
    CHECK_NEAR(b.w[3] + b.w[4], a.w[2], 1e-6);          /* class 1: w_0 + w_1 = the single slope */
    specl_logistic_free(&a); specl_logistic_free(&b);
}

/* ---- solvers ---- */

TEST(newton_lbfgs_agree) {
    const int64_t n = 400;
    const int k = 5, c = 4;
    float *f; int32_t *y;
    blobs(n, k, c, 1.5, 1.0, &f, &y);
    for (int bias = 0; bias <= 1; bias++) {
        specl_logistic_opts o = {.l2 = 1e-2, .bias = bias, .max_iter = 2000, .tol = 1e-10,
                                 .solver = SPECL_LOGISTIC_NEWTON};
        specl_logistic a, b;
        CHECK_OK(specl_logistic_fit(&o, n, k, f, y, c, &a));
        o.solver = SPECL_LOGISTIC_LBFGS;
        CHECK_OK(specl_logistic_fit(&o, n, k, f, y, c, &b));
        CHECK(a.solver == SPECL_LOGISTIC_NEWTON && b.solver == SPECL_LOGISTIC_LBFGS);
        CHECK(a.converged && b.converged);
        CHECK(a.iters < 20 && b.iters > a.iters);
        CHECK(max_abs_diff(a.w, b.w, (size_t)c * (k + bias)) < 1e-6);
        CHECK(grad_norm(b.w, n, k, f, y, c, bias, 1e-2) < 1e-8);
        specl_logistic_free(&a); specl_logistic_free(&b);
    }
    free(f); free(y);
}

/* AUTO picks Newton up to SPECL_LOGISTIC_NEWTON_MAX parameters, L-BFGS above; L-BFGS reaches
 * stationarity on 3 × 701 = 2103 parameters (more features than rows: the penalty matters). */
TEST(auto_solver_choice) {
    const int64_t n = 90;
    const int k = 700, c = 3;
    float *f; int32_t *y;
    blobs(n, k, c, 1.0, 1.0, &f, &y);
    specl_logistic_opts o = {.l2 = 1e-1, .bias = 1};
    specl_logistic m;
    CHECK_OK(specl_logistic_fit(&o, n, 10, f, y, c, &m));    /* reads rows of 10: other data */
    CHECK(m.solver == SPECL_LOGISTIC_NEWTON);
    specl_logistic_free(&m);
    CHECK_OK(specl_logistic_fit(&o, n, k, f, y, c, &m));
    CHECK(m.solver == SPECL_LOGISTIC_LBFGS && m.converged);
    CHECK(grad_norm(m.w, n, k, f, y, c, 1, 1e-1) < 1e-8 * 10);
    double acc;
    CHECK_OK(specl_logistic_eval(&m, n, f, y, &acc, NULL));
    CHECK_NEAR(acc, 1.0, 0);                                  /* p > n: training set separable */
    specl_logistic_free(&m);
    free(f); free(y);
}

/* ---- invariance and determinism ---- */

TEST(row_permutation_invariance) {
    const int64_t n = 500;
    const int k = 4, c = 3;
    float *f, *fp = malloc(sizeof(float) * n * k);
    int32_t *y, *yp = malloc(sizeof(int32_t) * n);
    int64_t *perm = malloc(sizeof(int64_t) * n);
    blobs(n, k, c, 1.2, 1.0, &f, &y);
    for (int64_t i = 0; i < n; i++) perm[i] = i;
    for (int64_t i = n - 1; i > 0; i--) {
        int64_t j = (int64_t)(rnd_u64() % (uint64_t)(i + 1)), t = perm[i];
        perm[i] = perm[j]; perm[j] = t;
    }
    for (int64_t i = 0; i < n; i++) {
        memcpy(fp + i * k, f + perm[i] * k, sizeof(float) * k);
        yp[i] = y[perm[i]];
    }
    specl_logistic a, b;
    CHECK_OK(specl_logistic_fit(NULL, n, k, f, y, c, &a));
    CHECK_OK(specl_logistic_fit(NULL, n, k, fp, yp, c, &b));
    CHECK(max_abs_diff(a.w, b.w, (size_t)c * (k + 1)) < 1e-10);
    specl_logistic_free(&a); specl_logistic_free(&b);
    free(f); free(y); free(fp); free(yp); free(perm);
}

/* Two fits bit-identical, for both solvers, and with 1 vs 4 OpenMP threads (n spans many
 * row chunks, so the partial sums really are split across threads). */
TEST(determinism) {
    const int64_t n = 3000;
    const int k = 6, c = 3;
    float *f; int32_t *y;
    blobs(n, k, c, 1.0, 1.0, &f, &y);
    int saved = omp_get_max_threads();
    for (int solver = SPECL_LOGISTIC_NEWTON; solver <= SPECL_LOGISTIC_LBFGS; solver++) {
        specl_logistic_opts o = specl_logistic_defaults();
        o.solver = solver;
        specl_logistic a, b, t1;
        CHECK_OK(specl_logistic_fit(&o, n, k, f, y, c, &a));
        CHECK_OK(specl_logistic_fit(&o, n, k, f, y, c, &b));
        omp_set_num_threads(1);
        CHECK_OK(specl_logistic_fit(&o, n, k, f, y, c, &t1));
        omp_set_num_threads(4);
        specl_logistic t4;
        CHECK_OK(specl_logistic_fit(&o, n, k, f, y, c, &t4));
        omp_set_num_threads(saved);
        size_t bytes = sizeof(double) * c * (k + 1);
        CHECK(memcmp(a.w, b.w, bytes) == 0 && a.iters == b.iters && a.final_grad == b.final_grad);
        CHECK(memcmp(t1.w, t4.w, bytes) == 0 && t1.iters == t4.iters);
        CHECK(memcmp(a.w, t1.w, bytes) == 0);
        double acc1, acc4, nll1, nll4;
        omp_set_num_threads(1);
        CHECK_OK(specl_logistic_eval(&a, n, f, y, &acc1, &nll1));
        omp_set_num_threads(4);
        CHECK_OK(specl_logistic_eval(&a, n, f, y, &acc4, &nll4));
        omp_set_num_threads(saved);
        CHECK(acc1 == acc4 && nll1 == nll4);
        specl_logistic_free(&a); specl_logistic_free(&b);
        specl_logistic_free(&t1); specl_logistic_free(&t4);
    }
    free(f); free(y);
}

/* ---- eval by hand ---- */

/* W = [[1, 0, 0], [0, 1, 0], [0, 0, 1]] with bias column (0.5, 0, 0): hand-computed argmax (a tie
 * goes to the lower class) and NLL. */
TEST(eval_by_hand) {
    double w[9] = {1, 0, 0.5, 0, 1, 0, 0, 0, 0};   /* (3 classes, k = 2 + bias) */
    specl_logistic m = {.k = 2, .classes = 3, .bias = 1, .w = w};
    const float f[8] = {2, 0, 0, 3, -1, -1, 0, 0.5f};
    const int32_t y[4] = {0, 1, 2, 0};
    /* logits: (2.5, 0, 0), (0.5, 3, 0), (-0.5, -1, 0), (0.5, 0.5, 0): predictions 0, 1, 2, 0 (tie) */
    double z[4][3] = {{2.5, 0, 0}, {0.5, 3, 0}, {-0.5, -1, 0}, {0.5, 0.5, 0}}, nll_ref = 0;
    for (int i = 0; i < 4; i++)
        nll_ref += log(exp(z[i][0]) + exp(z[i][1]) + exp(z[i][2])) - z[i][y[i]];
    double acc, nll;
    CHECK_OK(specl_logistic_eval(&m, 4, f, y, &acc, &nll));
    CHECK_NEAR(acc, 1.0, 0);
    CHECK_NEAR(nll, nll_ref / 4, 1e-14);
    const int32_t y2[4] = {0, 1, 2, 1};                 /* the tie row now counts wrong */
    CHECK_OK(specl_logistic_eval(&m, 4, f, y2, &acc, NULL));
    CHECK_NEAR(acc, 0.75, 0);
}

/* ---- validation ---- */

TEST(fit_validation) {
    static float f[4999] = {1, 2, 3, 4, 5, 6};             /* room for the oversized Newton case */
    int32_t y[3] = {0, 1, 0};
    specl_logistic m;
    specl_logistic_opts o = specl_logistic_defaults();
    CHECK(specl_logistic_fit(&o, 0, 2, f, y, 2, &m) == SPECL_EINVAL);
    CHECK(strstr(specl_error_detail(), "n = 0") != NULL);
    CHECK(specl_logistic_fit(&o, 3, 0, f, y, 2, &m) == SPECL_EINVAL);
    CHECK(strstr(specl_error_detail(), "k = 0") != NULL);
    CHECK(specl_logistic_fit(&o, 3, 2, f, y, 1, &m) == SPECL_EINVAL);
    CHECK(strstr(specl_error_detail(), "classes = 1") != NULL);
    CHECK(specl_logistic_fit(&o, 3, 2, NULL, y, 2, &m) == SPECL_EINVAL);
    CHECK(specl_logistic_fit(&o, 3, 2, f, NULL, 2, &m) == SPECL_EINVAL);
    CHECK(specl_logistic_fit(&o, 3, 2, f, y, 2, NULL) == SPECL_EINVAL);
    y[2] = 2;
    CHECK(specl_logistic_fit(&o, 3, 2, f, y, 2, &m) == SPECL_EINVAL);
    CHECK(strstr(specl_error_detail(), "y[row 2] = 2") != NULL);
    y[2] = -1;
    CHECK(specl_logistic_fit(&o, 3, 2, f, y, 2, &m) == SPECL_EINVAL);
    CHECK(strstr(specl_error_detail(), "y[row 2] = -1") != NULL);
    y[2] = 0;
    f[3] = NAN;
    CHECK(specl_logistic_fit(&o, 3, 2, f, y, 2, &m) == SPECL_ENUMERIC);
    CHECK(strstr(specl_error_detail(), "f[row 1, column 1]") != NULL);
    f[3] = INFINITY;
    CHECK(specl_logistic_fit(&o, 3, 2, f, y, 2, &m) == SPECL_ENUMERIC);
    f[3] = 4;
    specl_logistic_opts bad = o;
    bad.l2 = -1e-3;
    CHECK(specl_logistic_fit(&bad, 3, 2, f, y, 2, &m) == SPECL_EINVAL);
    CHECK(strstr(specl_error_detail(), "l2") != NULL);
    bad.l2 = NAN;
    CHECK(specl_logistic_fit(&bad, 3, 2, f, y, 2, &m) == SPECL_EINVAL);
    bad = o; bad.bias = 2;
    CHECK(specl_logistic_fit(&bad, 3, 2, f, y, 2, &m) == SPECL_EINVAL);
    bad = o; bad.max_iter = -1;
    CHECK(specl_logistic_fit(&bad, 3, 2, f, y, 2, &m) == SPECL_EINVAL);
    bad = o; bad.tol = -1;
    CHECK(specl_logistic_fit(&bad, 3, 2, f, y, 2, &m) == SPECL_EINVAL);
    bad = o; bad.tol = INFINITY;
    CHECK(specl_logistic_fit(&bad, 3, 2, f, y, 2, &m) == SPECL_EINVAL);
    bad = o; bad.solver = 3;
    CHECK(specl_logistic_fit(&bad, 3, 2, f, y, 2, &m) == SPECL_EINVAL);
    bad = o; bad.solver = SPECL_LOGISTIC_NEWTON;          /* 2 × 5000 > the hard max */
    CHECK(specl_logistic_fit(&bad, 1, 4999, f, y, 2, &m) == SPECL_EINVAL);
    CHECK(strstr(specl_error_detail(), "Newton") != NULL);
    CHECK(m.w == NULL);                                    /* zeroed on error */
    /* defaults: NULL opts, and zero max_iter / tol, give the same fit as the documented values */
    specl_logistic a, b;
    specl_logistic_opts z = {.l2 = 1e-4, .bias = 1};
    CHECK_OK(specl_logistic_fit(NULL, 3, 2, f, y, 2, &a));
    CHECK_OK(specl_logistic_fit(&z, 3, 2, f, y, 2, &b));
    CHECK(memcmp(a.w, b.w, sizeof(double) * 6) == 0 && a.iters == b.iters);
    specl_logistic_opts d = specl_logistic_defaults();
    CHECK(d.l2 == 1e-4 && d.bias == 1 && d.max_iter == 200 && d.tol == 1e-8 && d.solver == 0);
    specl_logistic_free(&a); specl_logistic_free(&b);
    specl_logistic_free(NULL);                             /* no-op */
}

TEST(eval_validation) {
    float f[6] = {1, 2, 3, 4, 5, 6};
    int32_t y[3] = {0, 1, 0};
    specl_logistic m;
    double acc, nll;
    CHECK_OK(specl_logistic_fit(NULL, 3, 2, f, y, 2, &m));
    CHECK(specl_logistic_eval(NULL, 3, f, y, &acc, &nll) == SPECL_EINVAL);
    CHECK(specl_logistic_eval(&m, 0, f, y, &acc, &nll) == SPECL_EINVAL);
    CHECK(specl_logistic_eval(&m, 3, NULL, y, &acc, &nll) == SPECL_EINVAL);
    CHECK(specl_logistic_eval(&m, 3, f, NULL, &acc, &nll) == SPECL_EINVAL);
    y[1] = 5;
    CHECK(specl_logistic_eval(&m, 3, f, y, &acc, &nll) == SPECL_EINVAL);
    CHECK(strstr(specl_error_detail(), "y[row 1] = 5") != NULL);
    y[1] = 1;
    f[4] = -INFINITY;
    CHECK(specl_logistic_eval(&m, 3, f, y, &acc, &nll) == SPECL_ENUMERIC);
    CHECK(strstr(specl_error_detail(), "f[row 2, column 0]") != NULL);
    f[4] = 5;
    m.bias = 3;
    CHECK(specl_logistic_eval(&m, 3, f, y, &acc, &nll) == SPECL_EINVAL);
    m.bias = 1;
    CHECK_OK(specl_logistic_eval(&m, 3, f, y, NULL, NULL));
    specl_logistic_free(&m);
    CHECK(specl_logistic_eval(&m, 3, f, y, &acc, &nll) == SPECL_EINVAL);   /* freed */
}

/* ---- presets ---- */

TEST(knn_presets) {
    int ok = -1;
    specl_knn_opts o = specl_knn_preset("haochen21", &ok);
    CHECK(ok == 1 && o.kn == 200 && o.temperature == 0.1 && o.cosine == 1);
    o = specl_knn_preset("sololearn", &ok);
    CHECK(ok == 1 && o.kn == 20 && o.temperature == 0.07 && o.cosine == 1);
    o = specl_knn_preset("sololearn", NULL);               /* ok may be NULL */
    CHECK(o.kn == 20);
    o = specl_knn_preset("HaoChen21", &ok);                /* exact names only */
    CHECK(ok == 0 && o.kn == 0 && o.temperature == 0 && o.cosine == 0);
    CHECK(strstr(specl_error_detail(), "HaoChen21") != NULL);
    ok = -1;
    o = specl_knn_preset(NULL, &ok);
    CHECK(ok == 0 && o.kn == 0);
    /* a preset runs: 3 training rows, 2 queries, perfectly separated */
    const float ftr[6] = {1, 0, 0.9f, 0.1f, -1, 0}, fte[4] = {1, 0.05f, -1, 0.1f};
    const int32_t ytr[3] = {0, 0, 1}, yte[2] = {0, 1};
    double acc = -1;
    o = specl_knn_preset("sololearn", &ok);
    CHECK_OK(specl_knn_accuracy(&o, 3, 2, ftr, ytr, 2, fte, yte, 2, &acc));
    CHECK_NEAR(acc, 1.0, 0);
    o = specl_knn_preset("nope", &ok);                      /* the zero result is rejected */
    CHECK(specl_knn_accuracy(&o, 3, 2, ftr, ytr, 2, fte, yte, 2, &acc) == SPECL_EINVAL);
}

RUN_TESTS(
    RUN(separable_two_class); RUN(separable_three_class); RUN(separable_no_penalty);
    RUN(hand_derived_1d); RUN(stationarity_1d_bias); RUN(stationarity_no_penalty);
    RUN(rank_deficient_no_penalty);
    RUN(newton_lbfgs_agree); RUN(auto_solver_choice);
    RUN(row_permutation_invariance); RUN(determinism);
    RUN(eval_by_hand); RUN(fit_validation); RUN(eval_validation); RUN(knn_presets)
)
