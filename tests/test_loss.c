/* Tests of the spectral contrastive losses (train/loss.c): values of every variant against direct
 * O(n²k) double-precision references, ∂L/∂z against central finite differences, argument
 * validation, and claim C01 (for λ = 1, L_λ − k equals the 2021 spectral loss) both exactly on a
 * finite population and in expectation for the library's batch estimators on the hypercube. */
#include <cblas.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "specl/base.h"
#include "specl/data.h"
#include "specl/model.h"
#include "specl/train.h"
#include "check.h"

/* ---- helpers ---- */

static void randn_(specl_rng *r, float *x, size_t n, double sd) {
    for (size_t i = 0; i < n; i++) x[i] = (float)(sd * specl_rng_normal(r));
}

static double ddot_(int k, const float *a, const float *b) {
    double s = 0;
    for (int j = 0; j < k; j++) s += (double)a[j] * b[j];
    return s;
}

static specl_loss_spec lambda_spec_(double lambda, specl_estimator est, int both) {
    specl_loss_spec ls;
    memset(&ls, 0, sizeof ls);
    ls.kind = SPECL_LOSS_LAMBDA; ls.lambda = lambda; ls.estimator = est; ls.both_views = both; ls.mu = 1.0;
    return ls;
}

static specl_loss_spec spectral_spec_(double mu) {
    specl_loss_spec ls;
    memset(&ls, 0, sizeof ls);
    ls.kind = SPECL_LOSS_SPECTRAL2021; ls.lambda = 1.0; ls.mu = mu;
    return ls;
}

/* Reference L_λ in double, O(n²k), written from the formulas (not from the Gram identities).
 * Fills *align and *reg as well. */
static double ref_lambda_(const float *z, int n, int k, double lambda, specl_estimator est, int both,
                          double *align_out, double *reg_out) {
    const float *z2 = z + (size_t)n * k;
    double align = 0;
    for (int i = 0; i < n; i++)
        for (int j = 0; j < k; j++) {
            double df = (double)z[(size_t)i * k + j] - z2[(size_t)i * k + j];
            align += df * df;
        }
    align /= n;
    int N = both ? 2 * n : n;
    double reg;
    if (est == SPECL_EST_PLUGIN) {
        reg = 0;
        for (int a = 0; a < k; a++)
            for (int b = 0; b < k; b++) {
                double m = 0;
                for (int r = 0; r < N; r++) m += (double)z[(size_t)r * k + a] * z[(size_t)r * k + b];
                m = m / N - (a == b);
                reg += m * m;
            }
    } else {
        double t = 0, q = 0;
        long pairs = 0;
        for (int r = 0; r < N; r++) {
            q += ddot_(k, z + (size_t)r * k, z + (size_t)r * k);
            for (int s = 0; s < N; s++) {
                if (r == s) continue;
                if (both && (s == r + n || r == s + n)) continue;   /* the positive pairs */
                double c = ddot_(k, z + (size_t)r * k, z + (size_t)s * k);
                t += c * c;
                pairs++;
            }
        }
        reg = t / (double)pairs - 2.0 * q / N + k;
    }
    if (align_out) *align_out = align;
    if (reg_out) *reg_out = reg;
    return align + lambda * reg;
}

/* Reference spectral2021 loss in double: clip to the ball of radius √μ, positive term,
 * Σ_{i≠j}(z_iᵀz'_j)²/(n(n−1)), the sum divided by μ. */
static double ref_spectral_(const float *z, int n, int k, double mu, double *pos_out, double *neg_out) {
    double *c = malloc(sizeof(double) * 2 * n * k);
    for (int r = 0; r < 2 * n; r++) {
        double nr = sqrt(ddot_(k, z + (size_t)r * k, z + (size_t)r * k));
        double s = nr >= sqrt(mu) ? sqrt(mu) / nr : 1.0;
        for (int j = 0; j < k; j++) c[(size_t)r * k + j] = s * z[(size_t)r * k + j];
    }
    double pos = 0, neg = 0;
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++) {
            double d = 0;
            for (int a = 0; a < k; a++) d += c[(size_t)i * k + a] * c[(size_t)(n + j) * k + a];
            if (i == j) pos += d;
            else neg += d * d;
        }
    free(c);
    double P = -2.0 * pos / n, Q = neg / ((double)n * (n - 1));
    if (pos_out) *pos_out = P / mu;
    if (neg_out) *neg_out = Q / mu;
    return (P + Q) / mu;
}

static double lib_total_(const specl_loss_spec *ls, int n, int k, const float *z, specl_loss_ws *ws) {
    specl_loss_value v;
    int st = specl_loss_eval(ls, n, k, z, NULL, ws, &v);
    return st ? NAN : v.total;
}

/* Central differences of the library's total in every coordinate of z against its dz.
 * Returns the number of coordinates outside |fd − g| ≤ rtol·(|g| + 0.05·max|g|); prints the worst. */
static int fd_check_loss_(const char *what, const specl_loss_spec *ls, int n, int k, const float *z,
                          double h, double rtol) {
    size_t m = 2 * (size_t)n * k;
    specl_loss_ws ws;
    if (specl_loss_ws_init(&ws, k, n)) return 1;
    float *dz = malloc(sizeof(float) * m), *zz = malloc(sizeof(float) * m);
    specl_loss_value v;
    int bad = 0;
    if (specl_loss_eval(ls, n, k, z, dz, &ws, &v)) {
        free(dz); free(zz);
        specl_loss_ws_free(&ws);
        return 1;
    }
    double gmax = 0;
    for (size_t e = 0; e < m; e++) if (fabs(dz[e]) > gmax) gmax = fabs(dz[e]);
    double worst = 0;
    memcpy(zz, z, sizeof(float) * m);
    for (size_t e = 0; e < m; e++) {
        float z0 = z[e];
        zz[e] = (float)(z0 + h);
        double hp = (double)zz[e] - z0;
        double lp = lib_total_(ls, n, k, zz, &ws);
        zz[e] = (float)(z0 - h);
        double hm = (double)z0 - zz[e];
        double lm = lib_total_(ls, n, k, zz, &ws);
        zz[e] = z0;
        double fd = (lp - lm) / (hp + hm);
        double tol = rtol * (fabs(dz[e]) + 0.05 * gmax);
        double rel = fabs(fd - dz[e]) / (fabs(dz[e]) + 0.05 * gmax);
        if (rel > worst) worst = rel;
        if (!(fabs(fd - dz[e]) <= tol)) {
            if (bad < 5)
                fprintf(stderr, "  %s: dz[%zu] = %.7g, finite difference %.7g\n", what, e, dz[e], fd);
            bad++;
        }
    }
    if (gmax == 0) { fprintf(stderr, "  %s: zero gradient\n", what); bad++; }
    if (bad) fprintf(stderr, "  %s: %d of %zu coordinates off, worst relative error %.3g\n", what, bad, m, worst);
    free(dz); free(zz);
    specl_loss_ws_free(&ws);
    return bad;
}

/* ---- loss values against the references ---- */

TEST(loss_lambda_values_match_reference) {
    specl_rng r;
    specl_rng_seed(&r, 101);
    const int sizes[][2] = { { 2, 1 }, { 5, 3 }, { 9, 4 }, { 33, 6 } };
    for (size_t c = 0; c < sizeof sizes / sizeof sizes[0]; c++) {
        int n = sizes[c][0], k = sizes[c][1];
        float *z = malloc(sizeof(float) * 2 * n * k);
        randn_(&r, z, 2 * (size_t)n * k, 0.8);
        specl_loss_ws ws;
        CHECK_OK(specl_loss_ws_init(&ws, k, n));
        for (int est = 0; est < 2; est++)
            for (int both = 0; both < 2; both++) {
                double lambda = 0.37 + est + 2 * both;
                specl_loss_spec ls = lambda_spec_(lambda, (specl_estimator)est, both);
                specl_loss_value v;
                CHECK_OK(specl_loss_eval(&ls, n, k, z, NULL, &ws, &v));
                double ra, rr, rt = ref_lambda_(z, n, k, lambda, (specl_estimator)est, both, &ra, &rr);
                double tol = 2e-5 * (1 + fabs(rt));
                CHECK_NEAR(v.align, ra, tol);
                CHECK_NEAR(v.reg, rr, tol);
                CHECK_NEAR(v.total, rt, tol);
                CHECK_NEAR(v.total, v.align + lambda * v.reg, 1e-9 * (1 + fabs(rt)));
            }
        specl_loss_ws_free(&ws);
        free(z);
    }
}

/* The brief's explicit form of the unbiased one-view regularizer, written independently:
 * (1/(n(n−1))) Σ_{i≠j}(z_iᵀz_j)² − (2/n) Σ‖z_i‖² + k, and its both-view U-statistic over the
 * 2n rows with (r,r) and (i, i+n) excluded (4n(n−1) ordered pairs). */
TEST(loss_unbiased_regularizer_explicit) {
    specl_rng r;
    specl_rng_seed(&r, 102);
    int n = 6, k = 3;
    float z[2 * 6 * 3];
    randn_(&r, z, sizeof z / sizeof z[0], 1.0);
    double s = 0, q = 0;
    for (int i = 0; i < n; i++) {
        q += ddot_(k, z + i * k, z + i * k);
        for (int j = 0; j < n; j++)
            if (i != j) s += pow(ddot_(k, z + i * k, z + j * k), 2);
    }
    double R1 = s / (n * (n - 1.0)) - 2.0 * q / n + k;
    double s2 = 0, q2 = 0;
    int cnt = 0;
    for (int a = 0; a < 2 * n; a++) {
        q2 += ddot_(k, z + a * k, z + a * k);
        for (int b = 0; b < 2 * n; b++) {
            if (a == b || abs(a - b) == n) continue;
            s2 += pow(ddot_(k, z + a * k, z + b * k), 2);
            cnt++;
        }
    }
    CHECK(cnt == 4 * n * (n - 1));
    double R2 = s2 / cnt - 2.0 * q2 / (2 * n) + k;
    specl_loss_ws ws;
    CHECK_OK(specl_loss_ws_init(&ws, k, n));
    specl_loss_value v;
    specl_loss_spec ls = lambda_spec_(1.0, SPECL_EST_UNBIASED, 0);
    CHECK_OK(specl_loss_eval(&ls, n, k, z, NULL, &ws, &v));
    CHECK_NEAR(v.reg, R1, 1e-5 * (1 + fabs(R1)));
    ls.both_views = 1;
    CHECK_OK(specl_loss_eval(&ls, n, k, z, NULL, &ws, &v));
    CHECK_NEAR(v.reg, R2, 1e-5 * (1 + fabs(R2)));
    /* plug-in with one view: ‖(1/n)ZᵀZ − I‖² */
    double pl = 0;
    for (int a = 0; a < k; a++)
        for (int b = 0; b < k; b++) {
            double m = 0;
            for (int i = 0; i < n; i++) m += (double)z[i * k + a] * z[i * k + b];
            pl += pow(m / n - (a == b), 2);
        }
    ls = lambda_spec_(1.0, SPECL_EST_PLUGIN, 0);
    CHECK_OK(specl_loss_eval(&ls, n, k, z, NULL, &ws, &v));
    CHECK_NEAR(v.reg, pl, 1e-5 * (1 + pl));
    specl_loss_ws_free(&ws);
}

/* z = √k e_{c(i)} with both views equal: alignment 0; for a balanced assignment of 2k rows the
 * plug-in covariance is exactly I. */
TEST(loss_lambda_zero_at_onehot) {
    int k = 4, n = 8;
    float z[2 * 8 * 4];
    memset(z, 0, sizeof z);
    for (int i = 0; i < n; i++) {
        z[i * k + i % k] = 2.0f;
        z[(n + i) * k + i % k] = 2.0f;
    }
    specl_loss_ws ws;
    CHECK_OK(specl_loss_ws_init(&ws, k, n));
    specl_loss_value v;
    specl_loss_spec ls = lambda_spec_(3.0, SPECL_EST_PLUGIN, 0);
    CHECK_OK(specl_loss_eval(&ls, n, k, z, NULL, &ws, &v));
    CHECK_NEAR(v.total, 0.0, 1e-6);
    ls.both_views = 1;
    CHECK_OK(specl_loss_eval(&ls, n, k, z, NULL, &ws, &v));
    CHECK_NEAR(v.total, 0.0, 1e-6);
    /* unbiased: same pattern pairs i≠j number n(n/k − 1) of n(n−1) → k²·(n/k−1)/(n−1) − 2k + k */
    ls = lambda_spec_(1.0, SPECL_EST_UNBIASED, 0);
    CHECK_OK(specl_loss_eval(&ls, n, k, z, NULL, &ws, &v));
    double expect = k * k * (n / (double)k - 1) / (n - 1.0) - k;
    CHECK_NEAR(v.reg, expect, 1e-5);
    CHECK_NEAR(v.align, 0.0, 0.0);
    specl_loss_ws_free(&ws);
}

TEST(loss_spectral2021_values_match_reference) {
    specl_rng r;
    specl_rng_seed(&r, 103);
    const int sizes[][2] = { { 2, 2 }, { 6, 3 }, { 17, 5 } };
    const double mus[] = { 0.5, 1.0, 4.0, 1e6 };
    for (size_t c = 0; c < sizeof sizes / sizeof sizes[0]; c++) {
        int n = sizes[c][0], k = sizes[c][1];
        float *z = malloc(sizeof(float) * 2 * n * k);
        randn_(&r, z, 2 * (size_t)n * k, 1.0);
        specl_loss_ws ws;
        CHECK_OK(specl_loss_ws_init(&ws, k, n));
        for (size_t im = 0; im < sizeof mus / sizeof mus[0]; im++) {
            specl_loss_spec ls = spectral_spec_(mus[im]);
            specl_loss_value v;
            CHECK_OK(specl_loss_eval(&ls, n, k, z, NULL, &ws, &v));
            double P, Q, T = ref_spectral_(z, n, k, mus[im], &P, &Q);
            double tol = 2e-5 * (1 + fabs(T));
            CHECK_NEAR(v.total, T, tol);
            CHECK_NEAR(v.align, P, tol);
            CHECK_NEAR(v.reg, Q, tol);
        }
        specl_loss_ws_free(&ws);
        free(z);
    }
}

/* Clipping: scaling a row already outside the ball changes nothing; dividing by μ is not the same
 * as rescaling z (the negative term would scale by 1/μ²). */
TEST(loss_spectral2021_clip_semantics) {
    specl_rng r;
    specl_rng_seed(&r, 104);
    int n = 5, k = 3;
    float z[2 * 5 * 3], z2[2 * 5 * 3];
    randn_(&r, z, sizeof z / sizeof z[0], 3.0);
    double mu = 0.25;   /* every row of norm ≥ 0.5 is clipped */
    for (int i = 0; i < 2 * n; i++) {
        double nr = sqrt(ddot_(k, z + i * k, z + i * k));
        for (int j = 0; j < k; j++) z[i * k + j] = (float)(z[i * k + j] * (1.0 + i) / nr);   /* norms 1..10 */
    }
    memcpy(z2, z, sizeof z);
    for (int j = 0; j < k; j++) z2[3 * k + j] *= 7.0f;
    specl_loss_ws ws;
    CHECK_OK(specl_loss_ws_init(&ws, k, n));
    specl_loss_spec ls = spectral_spec_(mu);
    specl_loss_value a, b;
    CHECK_OK(specl_loss_eval(&ls, n, k, z, NULL, &ws, &a));
    CHECK_OK(specl_loss_eval(&ls, n, k, z2, NULL, &ws, &b));
    CHECK_NEAR(a.total, b.total, 1e-6 * (1 + fabs(a.total)));
    /* all rows on the sphere of radius √μ: the loss equals the unclipped loss of the projected rows */
    float zc[2 * 5 * 3];
    for (int i = 0; i < 2 * n; i++) {
        double nr = sqrt(ddot_(k, z + i * k, z + i * k));
        for (int j = 0; j < k; j++) zc[i * k + j] = (float)(z[i * k + j] * sqrt(mu) / nr);
    }
    specl_loss_spec big = spectral_spec_(1e6);
    specl_loss_value c;
    CHECK_OK(specl_loss_eval(&big, n, k, zc, NULL, &ws, &c));
    CHECK_NEAR(a.total * mu, c.total * 1e6, 1e-5);
    specl_loss_ws_free(&ws);
}

/* ---- gradients ---- */

TEST(loss_lambda_gradients_fd) {
    specl_rng r;
    specl_rng_seed(&r, 201);
    const int sizes[][2] = { { 2, 2 }, { 7, 3 }, { 12, 4 } };
    for (size_t c = 0; c < sizeof sizes / sizeof sizes[0]; c++) {
        int n = sizes[c][0], k = sizes[c][1];
        float *z = malloc(sizeof(float) * 2 * n * k);
        randn_(&r, z, 2 * (size_t)n * k, 0.7);
        for (int est = 0; est < 2; est++)
            for (int both = 0; both < 2; both++) {
                char what[96];
                snprintf(what, sizeof what, "lambda n=%d k=%d %s both_views=%d", n, k,
                         est ? "plugin" : "unbiased", both);
                specl_loss_spec ls = lambda_spec_(1.3, (specl_estimator)est, both);
                CHECK(fd_check_loss_(what, &ls, n, k, z, 1e-3, 1e-2) == 0);
            }
        free(z);
    }
}

TEST(loss_spectral2021_gradients_fd) {
    specl_rng r;
    specl_rng_seed(&r, 202);
    const int sizes[][2] = { { 2, 2 }, { 7, 3 }, { 10, 4 } };
    const double mus[] = { 1.0, 2.5 };
    for (size_t c = 0; c < sizeof sizes / sizeof sizes[0]; c++)
        for (size_t im = 0; im < 2; im++) {
            int n = sizes[c][0], k = sizes[c][1];
            double mu = mus[im];
            float *z = malloc(sizeof(float) * 2 * n * k);
            randn_(&r, z, 2 * (size_t)n * k, 1.0);
            /* rows alternately well inside (0.6√μ .. 0.8√μ) and well outside (1.4√μ .. 2√μ) the ball */
            int inside = 0, outside = 0;
            for (int i = 0; i < 2 * n; i++) {
                double nr = sqrt(ddot_(k, z + (size_t)i * k, z + (size_t)i * k));
                double target = sqrt(mu) * ((i + c) % 2 ? 0.6 + 0.2 * specl_rng_uniform(&r)
                                                         : 1.4 + 0.6 * specl_rng_uniform(&r));
                if (target < sqrt(mu)) inside++; else outside++;
                for (int j = 0; j < k; j++) z[(size_t)i * k + j] = (float)(z[(size_t)i * k + j] * target / nr);
            }
            CHECK(inside > 0 && outside > 0);
            char what[96];
            snprintf(what, sizeof what, "spectral2021 n=%d k=%d mu=%g", n, k, mu);
            specl_loss_spec ls = spectral_spec_(mu);
            CHECK(fd_check_loss_(what, &ls, n, k, z, 1e-3, 1e-2) == 0);
            free(z);
        }
}

/* dz is overwritten, not accumulated (the trainer reuses its buffer without zeroing), and the
 * value does not depend on whether the gradient is requested. */
TEST(loss_dz_overwritten) {
    specl_rng r;
    specl_rng_seed(&r, 203);
    int n = 6, k = 3;
    size_t m = 2 * (size_t)n * k;
    float z[36], d0[36], d1[36];
    randn_(&r, z, m, 1.0);
    specl_loss_ws ws;
    CHECK_OK(specl_loss_ws_init(&ws, k, n));
    specl_loss_spec specs[5] = { lambda_spec_(1, SPECL_EST_UNBIASED, 0), lambda_spec_(1, SPECL_EST_UNBIASED, 1),
                                 lambda_spec_(2, SPECL_EST_PLUGIN, 0), lambda_spec_(2, SPECL_EST_PLUGIN, 1),
                                 spectral_spec_(0.8) };
    for (int s = 0; s < 5; s++) {
        specl_loss_value a, b, c;
        for (size_t e = 0; e < m; e++) { d0[e] = 0.0f; d1[e] = 1e3f; }
        CHECK_OK(specl_loss_eval(&specs[s], n, k, z, d0, &ws, &a));
        CHECK_OK(specl_loss_eval(&specs[s], n, k, z, d1, &ws, &b));
        CHECK_OK(specl_loss_eval(&specs[s], n, k, z, NULL, &ws, &c));
        CHECK(memcmp(d0, d1, sizeof(float) * m) == 0);
        CHECK(a.total == b.total && a.total == c.total);
    }
    specl_loss_ws_free(&ws);
}

TEST(loss_validation) {
    int k = 3, n = 4;
    float z[2 * 4 * 3] = { 0 };
    specl_loss_ws ws;
    CHECK_OK(specl_loss_ws_init(&ws, k, n));
    specl_loss_value v;
    specl_loss_spec ls = lambda_spec_(1.0, SPECL_EST_UNBIASED, 0);
    CHECK(specl_loss_eval(&ls, 1, k, z, NULL, &ws, &v) == SPECL_EINVAL);       /* n < 2 */
    CHECK(specl_loss_eval(&ls, n + 1, k, z, NULL, &ws, &v) == SPECL_EINVAL);   /* n > ws.max_n */
    CHECK(specl_loss_eval(&ls, n, k + 1, z, NULL, &ws, &v) == SPECL_EINVAL);   /* k != ws.k */
    ls.lambda = 0;
    CHECK(specl_loss_eval(&ls, n, k, z, NULL, &ws, &v) == SPECL_EINVAL);
    ls.lambda = NAN;
    CHECK(specl_loss_eval(&ls, n, k, z, NULL, &ws, &v) == SPECL_EINVAL);
    CHECK(strstr(specl_error_detail(), "lambda") != NULL);
    specl_loss_spec sp = spectral_spec_(0.0);
    CHECK(specl_loss_eval(&sp, n, k, z, NULL, &ws, &v) == SPECL_EINVAL);
    CHECK(strstr(specl_error_detail(), "mu") != NULL);
    sp.mu = -1;
    CHECK(specl_loss_eval(&sp, n, k, z, NULL, &ws, &v) == SPECL_EINVAL);
    /* an all-zero batch is a valid input: L_λ = λk (unbiased: T = 0, Q = 0) */
    ls.lambda = 2.0;
    CHECK_OK(specl_loss_eval(&ls, n, k, z, NULL, &ws, &v));
    CHECK_NEAR(v.total, 2.0 * k, 1e-9);
    sp.mu = 1.0;
    float dz[24];
    CHECK_OK(specl_loss_eval(&sp, n, k, z, dz, &ws, &v));
    CHECK_NEAR(v.total, 0.0, 0.0);
    CHECK(specl_all_finite(dz, 24));
    specl_loss_ws_free(&ws);
}

/* ---- C01 ---- */

/* (a) exact on a finite population: weights w_xy (symmetric, Σ = 1), p_x = Σ_y w_xy, random f.
 *   L_λ = Σ w_xy ‖f_x − f_y‖² + λ‖Σ p_x f_x f_xᵀ − I‖²
 *   L_spec = −2 Σ w_xy f_xᵀf_y + Σ p_x p_y (f_xᵀf_y)²
 * For λ = 1: L_λ − k = L_spec; for λ ≠ 1 the general expansion of PAPER.md §2 holds instead. */
static double pop_lambda_(int V, int k, const double *w, const double *f, double lambda) {
    double align = 0, *c = calloc((size_t)k * k, sizeof(double));
    for (int x = 0; x < V; x++)
        for (int y = 0; y < V; y++) {
            double px = w[x * V + y], dd = 0;
            for (int a = 0; a < k; a++) dd += pow(f[x * k + a] - f[y * k + a], 2);
            align += px * dd;
        }
    for (int x = 0; x < V; x++) {
        double p = 0;
        for (int y = 0; y < V; y++) p += w[x * V + y];
        for (int a = 0; a < k; a++)
            for (int b = 0; b < k; b++) c[a * k + b] += p * f[x * k + a] * f[x * k + b];
    }
    double reg = 0;
    for (int a = 0; a < k; a++)
        for (int b = 0; b < k; b++) reg += pow(c[a * k + b] - (a == b), 2);
    free(c);
    return align + lambda * reg;
}

/* L_spec, with its positive part E fᵀf⁺ and negative part E(fᵀf′)² returned separately. */
static double pop_spec_(int V, int k, const double *w, const double *f, double *pos_out, double *neg_out) {
    double pos = 0, neg = 0, p[16] = { 0 };
    for (int x = 0; x < V; x++)
        for (int y = 0; y < V; y++) p[x] += w[x * V + y];
    for (int x = 0; x < V; x++)
        for (int y = 0; y < V; y++) {
            double d = 0;
            for (int a = 0; a < k; a++) d += f[x * k + a] * f[y * k + a];
            pos += w[x * V + y] * d;
            neg += p[x] * p[y] * d * d;
        }
    if (pos_out) *pos_out = pos;
    if (neg_out) *neg_out = neg;
    return -2.0 * pos + neg;
}

TEST(c01_exact_identity_finite_population) {
    specl_rng r;
    specl_rng_seed(&r, 301);
    for (int trial = 0; trial < 20; trial++) {
        int V = 2 + (int)specl_rng_below(&r, 7), k = 1 + (int)specl_rng_below(&r, 4);
        double w[16 * 16], f[16 * 4], tot = 0;
        for (int x = 0; x < V; x++)
            for (int y = x; y < V; y++) {
                double u = specl_rng_uniform(&r);
                if (specl_rng_uniform(&r) < 0.3) u = 0;   /* some missing edges */
                w[x * V + y] = w[y * V + x] = u;
                tot += x == y ? u : 2 * u;
            }
        if (tot == 0) { w[0] = 1; tot = 1; }
        for (int i = 0; i < V * V; i++) w[i] /= tot;
        for (int i = 0; i < V * k; i++) f[i] = 1.5 * specl_rng_normal(&r);
        double pos, neg, l1 = pop_lambda_(V, k, w, f, 1.0), ls = pop_spec_(V, k, w, f, &pos, &neg);
        CHECK_NEAR(l1 - k, ls, 1e-10 * (1 + fabs(ls)));
        /* general λ: L_λ = 2(1−λ)E‖f‖² − 2E fᵀf⁺ + λ E(fᵀf′)² + λk */
        double lam = 0.3 + 2 * specl_rng_uniform(&r), e2 = 0;
        for (int x = 0; x < V; x++) {
            double p = 0;
            for (int y = 0; y < V; y++) p += w[x * V + y];
            for (int a = 0; a < k; a++) e2 += p * f[x * k + a] * f[x * k + a];
        }
        double ll = pop_lambda_(V, k, w, f, lam);
        CHECK_NEAR(ll, 2 * (1 - lam) * e2 - 2 * pos + lam * neg + lam * k, 1e-10 * (1 + fabs(ll)));
        /* the identity is specific to λ = 1 (the check above can fail) */
        if (fabs(lam - 1) > 0.1 && e2 > 1e-3) CHECK(fabs(ll - k - ls) > 1e-6);
    }
}

/* (b) in expectation with the batch estimators: hypercube pairs through a fixed random affine
 * model; per batch D = [L_λ(unbiased, λ = 1, both views) − k] − μ·spectral2021(μ = 1e6).
 * E D = 0; each estimator alone is far from 0, so the comparison has power. */
TEST(c01_batch_estimators_agree_in_expectation) {
    openblas_set_num_threads(1);
    specl_hypercube_params hp = { 6, 2, 0.5, 1.0, "", 0, NULL };
    specl_source *src;
    CHECK_OK(specl_hypercube_new(&hp, &src));
    if (!src) return;
    int n = 64, k = 3, B = 4000;
    specl_model_spec ms = { "affine", 6, k, 0, 0, 0, 1.0 };
    specl_model *m;
    CHECK_OK(specl_model_create(&ms, 2 * n, &m));
    specl_rng mr, dr;
    specl_rng_seed(&mr, 7);
    specl_rng_seed(&dr, 8);
    specl_model_init(m, 1.0, &mr);
    float *b = specl_model_bias(m, 0);
    for (int j = 0; j < k; j++) b[j] = (float)(0.4 * specl_rng_normal(&mr));
    specl_batch bt;
    CHECK_OK(specl_batch_alloc(&bt, n, src));
    specl_loss_ws ws;
    CHECK_OK(specl_loss_ws_init(&ws, k, n));
    float *z = malloc(sizeof(float) * 2 * n * k);
    specl_loss_spec la = lambda_spec_(1.0, SPECL_EST_UNBIASED, 1), sp = spectral_spec_(1e6);
    double sd = 0, sd2 = 0, sl = 0, ss = 0, sl2 = 0;
    int ok = 1;
    for (int it = 0; it < B && ok; it++) {
        specl_loss_value a, c;
        ok = !specl_source_sample(src, n, &dr, &bt) && !specl_model_forward(m, 2 * n, bt.x, NULL, z) &&
             !specl_loss_eval(&la, n, k, z, NULL, &ws, &a) && !specl_loss_eval(&sp, n, k, z, NULL, &ws, &c);
        double L = a.total - k, S = c.total * 1e6, D = L - S;
        sd += D; sd2 += D * D; sl += L; sl2 += L * L; ss += S;
    }
    CHECK(ok);
    double md = sd / B, se = sqrt((sd2 / B - md * md) / B);
    double ml = sl / B, sel = sqrt((sl2 / B - ml * ml) / B);
    CHECK(se > 0);
    CHECK(fabs(md) <= 4 * se);
    CHECK(fabs(md) <= 4 * sqrt(se * se + sel * sel));   /* the brief's unpaired comparison */
    CHECK(fabs(ml) > 20 * se);   /* the means themselves are far from 0 */
    if (fabs(md) > 4 * se)
        fprintf(stderr, "  mean L-k %.6g, mean spec %.6g, mean diff %.4g, se %.3g\n", ml, ss / B, md, se);
    free(z);
    specl_loss_ws_free(&ws);
    specl_batch_free(&bt);
    specl_model_free(m);
    specl_source_free(src);
}

RUN_TESTS(
    RUN(loss_lambda_values_match_reference); RUN(loss_unbiased_regularizer_explicit);
    RUN(loss_lambda_zero_at_onehot); RUN(loss_spectral2021_values_match_reference);
    RUN(loss_spectral2021_clip_semantics); RUN(loss_lambda_gradients_fd);
    RUN(loss_spectral2021_gradients_fd); RUN(loss_dz_overwritten); RUN(loss_validation);
    RUN(c01_exact_identity_finite_population); RUN(c01_batch_estimators_agree_in_expectation)
)
