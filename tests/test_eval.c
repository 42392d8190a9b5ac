/* Tests of src/eval: the least-squares linear probe (exact recovery, rank deficiency, weights,
 * ridge, accuracy conventions, validation) and the weighted kNN classifier (separable blobs,
 * hand-computed votes, cosine vs Euclidean, validation). Expected values are computed here
 * independently by closed forms, never by calling the code under test a second way. */
#include <stdlib.h>
#include <string.h>
#include "specl/eval.h"
#include "check.h"

/* A local generator so the test does not depend on the library RNG. */
static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;
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
static int rnd_int(int lo, int hi) { return lo + (int)(rnd_u64() % (uint64_t)(hi - lo + 1)); }

static double max_abs_diff(const double *a, const double *b, size_t n) {
    double m = 0;
    for (size_t i = 0; i < n; i++) if (fabs(a[i] - b[i]) > m) m = fabs(a[i] - b[i]);
    return m;
}

/* ---- probe: exact recovery ---- */

/* y = A f with small integers, so y is exactly representable and exactly in the span. Uses n
 * large enough to pass through several streaming-QR reductions when n_big is set. */
static void exact_linear(int64_t n, int bias) {
    const int k = 6, t = 3;
    double A[3][7];                                          /* (t, k + 1): last column = bias */
    for (int q = 0; q < t; q++)
        for (int j = 0; j <= k; j++) A[q][j] = rnd_int(-3, 3) + (j == q ? 5 : 0);
    float *f = malloc(sizeof(float) * n * k), *y = malloc(sizeof(float) * n * t);
    double ysq = 0;
    for (int64_t i = 0; i < n; i++) {
        for (int j = 0; j < k; j++) f[i * k + j] = (float)rnd_int(-8, 8);
        for (int q = 0; q < t; q++) {
            double v = bias ? A[q][k] : 0;
            for (int j = 0; j < k; j++) v += A[q][j] * f[i * k + j];
            y[i * t + q] = (float)v;
            ysq += v * v;
        }
    }
    specl_probe_opts o = {0, bias};
    specl_probe p;
    double err = -1, acc = -1;
    CHECK_OK(specl_probe_fit(&o, n, k, f, t, y, NULL, &p));
    CHECK(p.k == k && p.t == t && p.bias == bias);
    for (int q = 0; q < t; q++)
        for (int j = 0; j < k + bias; j++) CHECK_NEAR(p.w[q * (k + bias) + j], A[q][j], 1e-10);
    CHECK_OK(specl_probe_eval(&p, n, f, y, NULL, &err, &acc));
    CHECK(err >= 0 && err < 1e-10 * ysq / n);
    specl_probe_free(&p);
    CHECK(p.w == NULL);
    free(f); free(y);
}

TEST(probe_exact_linear) { exact_linear(200, 0); }
TEST(probe_exact_affine) { exact_linear(200, 1); }
TEST(probe_exact_streamed) { exact_linear(20000, 1); }   /* many QR reductions */

/* Scalar ±1 target exactly linear in f (never 0): accuracy 1. */
TEST(probe_exact_sign_accuracy) {
    const int n = 300, k = 4;
    const double a[4] = {1, -2, 3, 0.5};
    float f[300 * 4], y[300];
    for (int i = 0; i < n; i++) {
        double v;
        do {
            v = 0;
            for (int j = 0; j < k; j++) {
                f[i * k + j] = (float)rnd_int(-6, 6);
                v += a[j] * f[i * k + j];
            }
        } while (v == 0);
        y[i] = (float)v;
    }
    specl_probe p;
    double err, acc;
    CHECK_OK(specl_probe_fit(NULL, n, k, f, 1, y, NULL, &p));
    CHECK_OK(specl_probe_eval(&p, n, f, y, NULL, &err, &acc));
    CHECK(err < 1e-20);
    CHECK_NEAR(acc, 1.0, 0);
    specl_probe_free(&p);
}

/* One-hot targets that are a sub-block of the features: exact fit, argmax accuracy 1. */
TEST(probe_exact_onehot_accuracy) {
    const int n = 90, k = 5, t = 3;
    float f[90 * 5], y[90 * 3];
    for (int i = 0; i < n; i++) {
        int c = i % t;
        for (int q = 0; q < t; q++) y[i * t + q] = f[i * k + q] = q == c;
        f[i * k + 3] = (float)rnd_normal();
        f[i * k + 4] = (float)rnd_normal();
    }
    specl_probe p;
    double err, acc;
    CHECK_OK(specl_probe_fit(NULL, n, k, f, t, y, NULL, &p));
    CHECK_OK(specl_probe_eval(&p, n, f, y, NULL, &err, &acc));
    CHECK(err < 1e-20);
    CHECK_NEAR(acc, 1.0, 0);
    specl_probe_free(&p);
}

/* No bias, k = 1, y = 2 + noise: the fit is the 1-D LS slope Σfy/Σf² and the error is the mean
 * residual, both computed here in closed form. With bias, the constant is recovered. */
TEST(probe_constant_target_no_bias) {
    const int n = 500;
    float f[500], y[500];
    double sfy = 0, sff = 0;
    for (int i = 0; i < n; i++) {
        f[i] = (float)(1 + rnd_unif());
        y[i] = (float)(2 + 0.1 * rnd_normal());
        sfy += (double)f[i] * y[i];
        sff += (double)f[i] * f[i];
    }
    double w = sfy / sff, res = 0;
    for (int i = 0; i < n; i++) res += (y[i] - w * f[i]) * (y[i] - w * f[i]);
    res /= n;
    specl_probe p;
    double err, acc;
    CHECK_OK(specl_probe_fit(NULL, n, 1, f, 1, y, NULL, &p));
    CHECK_NEAR(p.w[0], w, 1e-12);
    CHECK_OK(specl_probe_eval(&p, n, f, y, NULL, &err, &acc));
    CHECK_NEAR(err, res, 1e-12 * res);
    CHECK(res > 0.05);                                     /* no bias: a real misfit */
    specl_probe_free(&p);

    specl_probe_opts o = {0, 1};
    double ybar = 0, fbar = 0, sxy = 0, sxx = 0, res2 = 0;
    for (int i = 0; i < n; i++) { ybar += y[i]; fbar += f[i]; }
    ybar /= n; fbar /= n;
    for (int i = 0; i < n; i++) {
        sxy += (f[i] - fbar) * (y[i] - ybar);
        sxx += (f[i] - fbar) * (f[i] - fbar);
    }
    double slope = sxy / sxx, icpt = ybar - slope * fbar;
    for (int i = 0; i < n; i++) res2 += pow(y[i] - slope * f[i] - icpt, 2);
    CHECK_OK(specl_probe_fit(&o, n, 1, f, 1, y, NULL, &p));
    CHECK_NEAR(p.w[0], slope, 1e-10);
    CHECK_NEAR(p.w[1], icpt, 1e-10);
    CHECK_OK(specl_probe_eval(&p, n, f, y, NULL, &err, &acc));
    CHECK_NEAR(err, res2 / n, 1e-12);
    CHECK(err < 0.02);
    specl_probe_free(&p);
}

/* ---- probe: rank deficiency ---- */

/* Columns [a, b, a, 0, a + b] and y = 2a − b: solutions are w1 + w3 + w5 = 2, w2 + w5 = −1, w4
 * free; minimizing ‖w‖² gives w = (1, −1, 1, 0, 0). */
TEST(probe_rank_deficient_min_norm) {
    const int n = 100, k = 5;
    float f[100 * 5], y[100];
    for (int i = 0; i < n; i++) {
        float a = (float)rnd_int(-9, 9), b = (float)rnd_int(-9, 9);
        f[i * k + 0] = a; f[i * k + 1] = b; f[i * k + 2] = a; f[i * k + 3] = 0; f[i * k + 4] = a + b;
        y[i] = 2 * a - b;
    }
    const double want[5] = {1, -1, 1, 0, 0};
    specl_probe p;
    double err, acc;
    CHECK_OK(specl_probe_fit(NULL, n, k, f, 1, y, NULL, &p));
    CHECK(max_abs_diff(p.w, want, 5) < 1e-10);
    CHECK_OK(specl_probe_eval(&p, n, f, y, NULL, &err, &acc));
    CHECK(err < 1e-20);
    specl_probe_free(&p);
}

/* Ill-conditioned but full rank: columns a and a + b·2^-20 (exact in float32: 24-bit significand),
 * y = b, so W = (−2^20, 2^20) and κ(A) ≈ 10^6. Normal equations (κ² ≈ 10^12) would lose most
 * digits here; the QR/SVD path must fit to near machine precision. n = 5000 streams the rows. */
TEST(probe_ill_conditioned) {
    const int n = 5000, k = 2;
    float *f = malloc(sizeof(float) * n * k), *y = malloc(sizeof(float) * n);
    double ysq = 0;
    for (int i = 0; i < n; i++) {
        int a = rnd_int(-8, 7), b = rnd_int(-8, 8);
        f[i * k] = (float)a;
        f[i * k + 1] = (float)(a + ldexp(b, -20));
        y[i] = (float)b;
        ysq += (double)b * b;
    }
    specl_probe p;
    double err, acc;
    CHECK_OK(specl_probe_fit(NULL, n, k, f, 1, y, NULL, &p));
    CHECK_NEAR(p.w[0] / 1048576.0, -1, 1e-8);
    CHECK_NEAR(p.w[1] / 1048576.0, 1, 1e-8);
    CHECK_OK(specl_probe_eval(&p, n, f, y, NULL, &err, &acc));
    CHECK(err < 1e-10 * ysq / n);
    specl_probe_free(&p);
    free(f); free(y);
}

/* Fewer rows than columns (underdetermined): interpolates, min-norm. One row f = (3, 4), y = 5:
 * w = y f / ‖f‖² = (0.6, 0.8). */
TEST(probe_underdetermined) {
    float f[2] = {3, 4}, y[1] = {5};
    specl_probe p;
    double err, acc;
    CHECK_OK(specl_probe_fit(NULL, 1, 2, f, 1, y, NULL, &p));
    CHECK_NEAR(p.w[0], 0.6, 1e-14);
    CHECK_NEAR(p.w[1], 0.8, 1e-14);
    CHECK_OK(specl_probe_eval(&p, 1, f, y, NULL, &err, &acc));
    CHECK(err < 1e-24);
    CHECK_NEAR(acc, 1, 0);
    specl_probe_free(&p);
}

/* ---- probe: weights and ridge ---- */

/* Integer weights equal repeating rows, with bias and ridge (ridge is on the mean loss). */
TEST(probe_weights_equal_repetition) {
    const int n = 40, k = 3, t = 2;
    float f[40 * 3], y[40 * 2], fr[400 * 3], yr[400 * 2];
    double w[40];
    int m = 0;
    for (int i = 0; i < n; i++) {
        w[i] = i % 7 == 3 ? 0 : rnd_int(1, 5);
        for (int j = 0; j < k; j++) f[i * k + j] = (float)rnd_normal();
        for (int q = 0; q < t; q++) y[i * t + q] = (float)rnd_normal();
        for (int r = 0; r < (int)w[i]; r++, m++) {
            memcpy(fr + m * k, f + i * k, sizeof(float) * k);
            memcpy(yr + m * t, y + i * t, sizeof(float) * t);
        }
    }
    for (int pass = 0; pass < 2; pass++) {
        specl_probe_opts o = {pass ? 0.3 : 0, 1};
        specl_probe pw, pr;
        CHECK_OK(specl_probe_fit(&o, n, k, f, t, y, w, &pw));
        CHECK_OK(specl_probe_fit(&o, m, k, fr, t, yr, NULL, &pr));
        CHECK(max_abs_diff(pw.w, pr.w, (size_t)t * (k + 1)) < 1e-10);
        double ew, aw, er, ar;
        CHECK_OK(specl_probe_eval(&pw, n, f, y, w, &ew, &aw));
        CHECK_OK(specl_probe_eval(&pr, m, fr, yr, NULL, &er, &ar));
        CHECK_NEAR(ew, er, 1e-12);
        CHECK_NEAR(aw, ar, 1e-12);
        specl_probe_free(&pw);
        specl_probe_free(&pr);
    }
}

/* 1-D ridge closed form: w = Σ w_i f y / (Σ w_i f² + ridge·n) with Σ w_i = n, in both the
 * in-memory and the streamed (n > chunk) regimes, with and without weights. */
static void ridge_1d(int n, int weighted) {
    float *f = malloc(sizeof(float) * n), *y = malloc(sizeof(float) * n);
    double *w = malloc(sizeof(double) * n), ws = 0, sfy = 0, sff = 0, ridge = 0.7;
    for (int i = 0; i < n; i++) {
        f[i] = (float)rnd_normal();
        y[i] = (float)(0.5 * f[i] + rnd_normal());
        w[i] = weighted ? 0.1 + rnd_unif() : 1;
        ws += w[i];
    }
    for (int i = 0; i < n; i++) {
        sfy += w[i] * n / ws * f[i] * y[i];
        sff += w[i] * n / ws * f[i] * f[i];
    }
    specl_probe_opts o = {ridge, 0};
    specl_probe p;
    CHECK_OK(specl_probe_fit(&o, n, 1, f, 1, y, weighted ? w : NULL, &p));
    CHECK_NEAR(p.w[0], sfy / (sff + ridge * n), 1e-12);
    specl_probe_free(&p);
    free(f); free(y); free(w);
}

TEST(probe_ridge_closed_form) {
    ridge_1d(50, 0);
    ridge_1d(50, 1);
    ridge_1d(10000, 0);
    ridge_1d(10000, 1);
}

/* The bias column is not penalized: ridge on the slope only gives
 * w = Sxy / (Sxx + ridge·n), b = ȳ − w f̄ (centered sums). */
TEST(probe_ridge_bias_unpenalized) {
    const int n = 200;
    float f[200], y[200];
    double fb = 0, yb = 0, sxy = 0, sxx = 0, ridge = 2.5;
    for (int i = 0; i < n; i++) {
        f[i] = (float)(3 + rnd_normal());
        y[i] = (float)(-4 + 2 * f[i] + rnd_normal());
        fb += f[i]; yb += y[i];
    }
    fb /= n; yb /= n;
    for (int i = 0; i < n; i++) { sxy += (f[i] - fb) * (y[i] - yb); sxx += (f[i] - fb) * (f[i] - fb); }
    double w = sxy / (sxx + ridge * n);
    specl_probe_opts o = {ridge, 1};
    specl_probe p;
    CHECK_OK(specl_probe_fit(&o, n, 1, f, 1, y, NULL, &p));
    CHECK_NEAR(p.w[0], w, 1e-12);
    CHECK_NEAR(p.w[1], yb - w * fb, 1e-11);
    specl_probe_free(&p);
}

/* ---- probe: accuracy conventions on a hand-made probe ---- */

TEST(probe_sign_accuracy_by_hand) {
    double w1 = 1;
    specl_probe p = {.k = 1, .t = 1, .bias = 0, .w = &w1};
    /* pred = f: (1 vs 1) hit, (−2 vs 1) miss, (0 vs 1) miss (zero is wrong), (3 vs −1) miss,
     * (−0.5 vs −1) hit. Errors 0, 9, 1, 16, 0.25. */
    float f[5] = {1, -2, 0, 3, -0.5f}, y[5] = {1, 1, 1, -1, -1};
    double err, acc, wt[5] = {3, 1, 1, 1, 2};
    CHECK_OK(specl_probe_eval(&p, 5, f, y, NULL, &err, &acc));
    CHECK_NEAR(err, 26.25 / 5, 1e-15);
    CHECK_NEAR(acc, 2.0 / 5, 1e-15);
    CHECK_OK(specl_probe_eval(&p, 5, f, y, wt, &err, &acc));
    CHECK_NEAR(err, (9 + 1 + 16 + 0.5) / 8, 1e-15);
    CHECK_NEAR(acc, 5.0 / 8, 1e-15);
}

TEST(probe_onehot_accuracy_by_hand) {
    /* W = [I_3 | (0, 0, 0.25)]: pred = f + (0, 0, 0.25). */
    double w[12] = {1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0.25};
    specl_probe p = {.k = 3, .t = 3, .bias = 1, .w = w};
    float f[4 * 3] = {0.1f, 0.5f, 0.2f,     /* pred argmax 1, y argmax 1: hit */
                      0.3f, 0.3f, 0.0f,     /* pred tie 0/1 → first max 0, y 0: hit */
                      0.3f, 0.3f, 0.0f,     /* pred → 0, y 1: miss */
                      0.5f, 0.0f, 0.3f};    /* pred (0.5, 0, 0.55) → 2, y 0: miss */
    float y[4 * 3] = {0, 1, 0, 1, 0, 0, 0, 1, 0, 1, 0, 0};
    double err, acc;
    CHECK_OK(specl_probe_eval(&p, 4, f, y, NULL, &err, &acc));
    CHECK_NEAR(acc, 0.5, 0);
    double e = 0;
    for (int i = 0; i < 4; i++)
        for (int q = 0; q < 3; q++) {
            double d = f[i * 3 + q] + (q == 2 ? 0.25 : 0) - y[i * 3 + q];
            e += d * d;
        }
    CHECK_NEAR(err, e / 4, 1e-12);
}

/* ---- probe: validation ---- */

TEST(probe_validation) {
    float f[6] = {1, 2, 3, 4, 5, 6}, y[3] = {1, -1, 1};
    double w[3] = {1, 1, 1};
    specl_probe p;
    specl_probe_opts o = {0, 0};
    CHECK(specl_probe_fit(&o, 0, 2, f, 1, y, NULL, &p) == SPECL_EINVAL);
    CHECK(specl_probe_fit(&o, 3, 0, f, 1, y, NULL, &p) == SPECL_EINVAL);
    CHECK(specl_probe_fit(&o, 3, 2, f, 0, y, NULL, &p) == SPECL_EINVAL);
    CHECK(specl_probe_fit(&o, 3, 2, NULL, 1, y, NULL, &p) == SPECL_EINVAL);
    CHECK(specl_probe_fit(&o, 3, 2, f, 1, NULL, NULL, &p) == SPECL_EINVAL);
    CHECK(specl_probe_fit(&o, 3, 2, f, 1, y, NULL, NULL) == SPECL_EINVAL);
    o.ridge = -1;
    CHECK(specl_probe_fit(&o, 3, 2, f, 1, y, NULL, &p) == SPECL_EINVAL);
    o.ridge = NAN;
    CHECK(specl_probe_fit(&o, 3, 2, f, 1, y, NULL, &p) == SPECL_EINVAL);
    o.ridge = INFINITY;
    CHECK(specl_probe_fit(&o, 3, 2, f, 1, y, NULL, &p) == SPECL_EINVAL);
    o.ridge = 0; o.bias = 2;
    CHECK(specl_probe_fit(&o, 3, 2, f, 1, y, NULL, &p) == SPECL_EINVAL);
    o.bias = 0;
    w[1] = -1;
    CHECK(specl_probe_fit(&o, 3, 2, f, 1, y, w, &p) == SPECL_EINVAL);
    CHECK(strstr(specl_error_detail(), "weights[1]") != NULL);
    w[1] = NAN;
    CHECK(specl_probe_fit(&o, 3, 2, f, 1, y, w, &p) == SPECL_EINVAL);
    w[0] = w[1] = w[2] = 0;
    CHECK(specl_probe_fit(&o, 3, 2, f, 1, y, w, &p) == SPECL_EINVAL);
    w[0] = w[1] = w[2] = 1;
    f[5] = NAN;
    CHECK(specl_probe_fit(&o, 3, 2, f, 1, y, NULL, &p) == SPECL_ENUMERIC);
    CHECK(strstr(specl_error_detail(), "row 2, column 1") != NULL);
    f[5] = 6; y[1] = INFINITY;
    CHECK(specl_probe_fit(&o, 3, 2, f, 1, y, NULL, &p) == SPECL_ENUMERIC);
    CHECK(strstr(specl_error_detail(), "y[row 1, column 0]") != NULL);
    CHECK(p.w == NULL);                                  /* failed fit leaves an empty probe */
    y[1] = -1;

    double err, acc;
    CHECK_OK(specl_probe_fit(&o, 3, 2, f, 1, y, w, &p));
    CHECK(specl_probe_eval(NULL, 3, f, y, NULL, &err, &acc) == SPECL_EINVAL);
    CHECK(specl_probe_eval(&p, 0, f, y, NULL, &err, &acc) == SPECL_EINVAL);
    CHECK(specl_probe_eval(&p, 3, NULL, y, NULL, &err, &acc) == SPECL_EINVAL);
    f[0] = INFINITY;
    CHECK(specl_probe_eval(&p, 3, f, y, NULL, &err, &acc) == SPECL_ENUMERIC);
    f[0] = 1; w[2] = -2;
    CHECK(specl_probe_eval(&p, 3, f, y, w, &err, &acc) == SPECL_EINVAL);
    specl_probe_free(&p);
    CHECK(specl_probe_eval(&p, 3, f, y, NULL, &err, &acc) == SPECL_EINVAL);   /* freed */
    specl_probe_free(NULL);
}

/* ---- kNN ---- */

TEST(knn_separated_blobs) {
    enum { NTR = 200, NTE = 100, K = 4 };
    float ftr[NTR * K], fte[NTE * K];
    int32_t ytr[NTR], yte[NTE];
    for (int i = 0; i < NTR + NTE; i++) {
        int c = i % 2;
        float *row = i < NTR ? ftr + i * K : fte + (i - NTR) * K;
        for (int j = 0; j < K; j++) row[j] = (float)((c ? 5 : -5) + rnd_normal());
        if (i < NTR) ytr[i] = c; else yte[i - NTR] = c;
    }
    for (int cosine = 0; cosine < 2; cosine++) {
        specl_knn_opts o = {20, 0.1, cosine};
        double acc = -1;
        CHECK_OK(specl_knn_accuracy(&o, NTR, K, ftr, ytr, NTE, fte, yte, 2, &acc));
        CHECK_NEAR(acc, 1.0, 0);
    }
}

/* 1-D, Euclidean. Train x = 0, 1, 2.5, 10 with classes 0, 0, 1, 1; query at 2. Similarities
 * −4, −1, −0.25, −64; with kn = 3 the neighbours are 2.5, 1, 0. Votes:
 *   T = 1:  class 0 = e^{−1} + e^{−4} = 0.386, class 1 = e^{−0.25} = 0.779 → class 1
 *   T = 10: class 0 = e^{−0.1} + e^{−0.4} = 1.575, class 1 = e^{−0.025} = 0.975 → class 0
 * kn = 1 → class 1 (nearest is 2.5) whatever T. */
TEST(knn_weighted_vote_by_hand) {
    float ftr[4] = {0, 1, 2.5f, 10}, fte[2] = {2, 2};
    int32_t ytr[4] = {0, 0, 1, 1}, yte[2] = {1, 0};     /* query twice, with each label */
    double acc;
    specl_knn_opts o = {3, 1.0, 0};
    CHECK_OK(specl_knn_accuracy(&o, 4, 1, ftr, ytr, 1, fte, yte, 2, &acc));
    CHECK_NEAR(acc, 1, 0);                               /* predicted class 1 */
    CHECK_OK(specl_knn_accuracy(&o, 4, 1, ftr, ytr, 2, fte, yte, 2, &acc));
    CHECK_NEAR(acc, 0.5, 0);
    o.temperature = 10;
    CHECK_OK(specl_knn_accuracy(&o, 4, 1, ftr, ytr, 1, fte, yte + 1, 2, &acc));
    CHECK_NEAR(acc, 1, 0);                               /* predicted class 0 */
    o.kn = 1;
    CHECK_OK(specl_knn_accuracy(&o, 4, 1, ftr, ytr, 1, fte, yte, 2, &acc));
    CHECK_NEAR(acc, 1, 0);
    /* kn beyond n_train is clamped: all four vote; T = 1: class 1 = e^{−0.25} + e^{−64} wins. */
    o.kn = 100; o.temperature = 1;
    CHECK_OK(specl_knn_accuracy(&o, 4, 1, ftr, ytr, 1, fte, yte, 2, &acc));
    CHECK_NEAR(acc, 1, 0);
    /* Far-away query (x = 1000): exp(sim/T) alone would underflow to 0 for every neighbour;
     * relative to the best neighbour (10, class 1) the vote is still class 1. */
    float far[1] = {1000};
    o.kn = 4; o.temperature = 0.01;
    CHECK_OK(specl_knn_accuracy(&o, 4, 1, ftr, ytr, 1, far, yte, 2, &acc));
    CHECK_NEAR(acc, 1, 0);
}

/* Ties: train x = 0 (class 1) and 2 (class 0), query 1 at equal distance. kn = 1 keeps the lower
 * index (class 1); kn = 2 gives equal votes and the lower class (0) wins. */
TEST(knn_ties) {
    float ftr[2] = {0, 2}, fte[1] = {1};
    int32_t ytr[2] = {1, 0}, y1[1] = {1}, y0[1] = {0};
    double acc;
    specl_knn_opts o = {1, 1.0, 0};
    CHECK_OK(specl_knn_accuracy(&o, 2, 1, ftr, ytr, 1, fte, y1, 2, &acc));
    CHECK_NEAR(acc, 1, 0);
    o.kn = 2;
    CHECK_OK(specl_knn_accuracy(&o, 2, 1, ftr, ytr, 1, fte, y0, 2, &acc));
    CHECK_NEAR(acc, 1, 0);
}

/* Train (1, 0) class 0, (3, 3) class 1; query (1, 1), kn = 1. Euclidean: distances 1 and 8 →
 * class 0. Cosine: 0.707 and 1 → class 1. A zero query row has cosine 0 with everything: the tie
 * goes to the lower index (class 0). */
TEST(knn_cosine_vs_euclidean) {
    float ftr[4] = {1, 0, 3, 3}, fte[4] = {1, 1, 0, 0};
    int32_t ytr[2] = {0, 1}, yte[2] = {1, 0};
    double acc;
    specl_knn_opts o = {1, 1.0, 0};
    CHECK_OK(specl_knn_accuracy(&o, 2, 2, ftr, ytr, 1, fte, yte, 2, &acc));
    CHECK_NEAR(acc, 0, 0);
    o.cosine = 1;
    CHECK_OK(specl_knn_accuracy(&o, 2, 2, ftr, ytr, 1, fte, yte, 2, &acc));
    CHECK_NEAR(acc, 1, 0);
    CHECK_OK(specl_knn_accuracy(&o, 2, 2, ftr, ytr, 2, fte, yte, 2, &acc));
    CHECK_NEAR(acc, 1, 0);                               /* zero row → class 0, as labelled */
}

/* Many training rows across several blocks, and more queries than one block: the brute-force
 * nearest neighbour (kn = 1) computed here must match. */
TEST(knn_blocks_match_brute_force) {
    enum { NTR = 70000, NTE = 600, K = 3, C = 5 };      /* > 65536: two training blocks */
    float *ftr = malloc(sizeof(float) * NTR * K), *fte = malloc(sizeof(float) * NTE * K);
    int32_t *ytr = malloc(sizeof(int32_t) * NTR), *yte = malloc(sizeof(int32_t) * NTE);
    for (int i = 0; i < NTR * K; i++) ftr[i] = (float)rnd_normal();
    for (int i = 0; i < NTE * K; i++) fte[i] = (float)rnd_normal();
    for (int i = 0; i < NTR; i++) ytr[i] = rnd_int(0, C - 1);
    int right = 0;
    for (int q = 0; q < NTE; q++) {
        double best = INFINITY;
        int bi = 0;
        for (int i = 0; i < NTR; i++) {
            double d = 0;
            for (int j = 0; j < K; j++) d += pow((double)fte[q * K + j] - ftr[i * K + j], 2);
            if (d < best) { best = d; bi = i; }
        }
        yte[q] = q % 3 ? ytr[bi] : (ytr[bi] + 1) % C;     /* two thirds labelled right */
        right += q % 3 != 0;
    }
    specl_knn_opts o = {1, 0.5, 0};
    double acc;
    CHECK_OK(specl_knn_accuracy(&o, NTR, K, ftr, ytr, NTE, fte, yte, C, &acc));
    CHECK_NEAR(acc, (double)right / NTE, 0);
    free(ftr); free(fte); free(ytr); free(yte);
}

TEST(knn_validation) {
    float ftr[4] = {0, 1, 2, 3}, fte[2] = {0.5f, 2.5f};
    int32_t ytr[4] = {0, 1, 0, 1}, yte[2] = {0, 1};
    double acc;
    specl_knn_opts o = {2, 0.1, 0};
    CHECK_OK(specl_knn_accuracy(&o, 4, 1, ftr, ytr, 2, fte, yte, 2, &acc));
    o.kn = 0;
    CHECK(specl_knn_accuracy(&o, 4, 1, ftr, ytr, 2, fte, yte, 2, &acc) == SPECL_EINVAL);
    o.kn = 2; o.temperature = 0;
    CHECK(specl_knn_accuracy(&o, 4, 1, ftr, ytr, 2, fte, yte, 2, &acc) == SPECL_EINVAL);
    o.temperature = -1;
    CHECK(specl_knn_accuracy(&o, 4, 1, ftr, ytr, 2, fte, yte, 2, &acc) == SPECL_EINVAL);
    o.temperature = NAN;
    CHECK(specl_knn_accuracy(&o, 4, 1, ftr, ytr, 2, fte, yte, 2, &acc) == SPECL_EINVAL);
    o.temperature = 0.1;
    CHECK(specl_knn_accuracy(&o, 4, 1, ftr, ytr, 2, fte, yte, 0, &acc) == SPECL_EINVAL);
    CHECK(specl_knn_accuracy(&o, 0, 1, ftr, ytr, 2, fte, yte, 2, &acc) == SPECL_EINVAL);
    CHECK(specl_knn_accuracy(&o, 4, 1, ftr, ytr, 0, fte, yte, 2, &acc) == SPECL_EINVAL);
    CHECK(specl_knn_accuracy(&o, 4, 0, ftr, ytr, 2, fte, yte, 2, &acc) == SPECL_EINVAL);
    CHECK(specl_knn_accuracy(NULL, 4, 1, ftr, ytr, 2, fte, yte, 2, &acc) == SPECL_EINVAL);
    CHECK(specl_knn_accuracy(&o, 4, 1, ftr, ytr, 2, fte, yte, 2, NULL) == SPECL_EINVAL);
    CHECK(specl_knn_accuracy(&o, 4, 1, NULL, ytr, 2, fte, yte, 2, &acc) == SPECL_EINVAL);
    ytr[2] = 2;
    CHECK(specl_knn_accuracy(&o, 4, 1, ftr, ytr, 2, fte, yte, 2, &acc) == SPECL_EINVAL);
    CHECK(strstr(specl_error_detail(), "y_train[row 2]") != NULL);
    ytr[2] = 0; yte[1] = -1;
    CHECK(specl_knn_accuracy(&o, 4, 1, ftr, ytr, 2, fte, yte, 2, &acc) == SPECL_EINVAL);
    CHECK(strstr(specl_error_detail(), "y_test[row 1]") != NULL);
    yte[1] = 1; ftr[3] = NAN;
    CHECK(specl_knn_accuracy(&o, 4, 1, ftr, ytr, 2, fte, yte, 2, &acc) == SPECL_ENUMERIC);
}

RUN_TESTS(
    RUN(probe_exact_linear); RUN(probe_exact_affine); RUN(probe_exact_streamed);
    RUN(probe_exact_sign_accuracy); RUN(probe_exact_onehot_accuracy);
    RUN(probe_constant_target_no_bias); RUN(probe_rank_deficient_min_norm);
    RUN(probe_ill_conditioned); RUN(probe_underdetermined); RUN(probe_weights_equal_repetition);
    RUN(probe_ridge_closed_form); RUN(probe_ridge_bias_unpenalized);
    RUN(probe_sign_accuracy_by_hand); RUN(probe_onehot_accuracy_by_hand); RUN(probe_validation);
    RUN(knn_separated_blobs); RUN(knn_weighted_vote_by_hand); RUN(knn_ties);
    RUN(knn_cosine_vs_euclidean); RUN(knn_blocks_match_brute_force); RUN(knn_validation)
)
