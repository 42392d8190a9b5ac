/* Tests of the fused conv1d-circ kernel (model/conv1d.c) through the model API:
 *   forward and ∂/∂(U, b) against a direct double implementation written here (relative 1e-5),
 *     on shapes that exercise every edge of the blocking: the bench shape (d = k = 64, s = 6) on
 *     rows spanning several backward blocks and a partial one, d not a multiple of the position
 *     block, k not a multiple of the channel block (padded channels), s = 1 and s = d;
 *   backward accumulates, sees the U and x of its forward (a second backward, or one after x and
 *     U changed, gives the same gradient);
 *   ∂/∂(U, b) against central finite differences of the kernel's own forward;
 *   forward outputs and gradients bit-identical with 1, 2 and 3 OpenMP threads, and between the
 *     baseline-ISA and the AVX2 kernels (where the CPU has AVX2). */
#include <math.h>
#include <omp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "specl/base.h"
#include "specl/model.h"
#include "../src/model/layers.h"
#include "check.h"
#include "grad_check.h"

static void randn_(specl_rng *r, float *x, size_t n, double sd) {
    for (size_t i = 0; i < n; i++) x[i] = (float)(sd * specl_rng_normal(r));
}

static specl_model *make_(int d, int k, int s, int max_n, uint64_t seed) {
    specl_model_spec ms = { "conv1d-circ", d, k, 0, 0, 0, 1.0, 0, s };
    specl_model *m = NULL;
    CHECK_OK(specl_model_create(&ms, max_n, &m));
    if (!m) return NULL;
    specl_rng r;
    specl_rng_seed(&r, seed);
    specl_model_init(m, 1.0, &r);
    randn_(&r, specl_model_bias(m, 0), (size_t)k, 0.5);
    return m;
}

/* The reference, straight from the definition, in double:
 *   f_rc = Σ_t relu(z_rtc),  z_rtc = b_c + Σ_j U_cj x_{r,(t+j) mod d},
 *   ∂U_cj = Σ_{r,t} [z_rtc > 0] R_rc x_{r,(t+j) mod d},  ∂b_c = Σ_{r,t} [z_rtc > 0] R_rc.
 * gabs (k·s + k) receives the same sums of absolute values (the scale of the rounding error);
 * the smallest |z| of row r goes to zmin[r]. Any output may be NULL. */
static void reference_(const specl_model *m, int s, int n, const float *x, const float *R, double *f, double *g,
                       double *gabs, double *zmin) {
    int d = m->d, k = m->k;
    const float *U = m->params, *b = m->params + (size_t)k * s;
    if (g) memset(g, 0, sizeof(double) * (size_t)k * (s + 1));
    if (gabs) memset(gabs, 0, sizeof(double) * (size_t)k * (s + 1));
    for (int r = 0; r < n; r++) {
        const float *xr = x + (size_t)r * d;
        if (zmin) zmin[r] = INFINITY;
        for (int c = 0; c < k; c++) {
            double sum = 0;
            for (int t = 0; t < d; t++) {
                double z = b[c];
                for (int j = 0; j < s; j++) z += (double)U[c * s + j] * xr[(t + j) % d];
                if (zmin && fabs(z) < zmin[r]) zmin[r] = fabs(z);
                if (!(z > 0)) continue;
                sum += z;
                if (!g) continue;
                double rc = R[(size_t)r * k + c];
                for (int j = 0; j < s; j++) {
                    g[c * s + j] += rc * xr[(t + j) % d];
                    gabs[c * s + j] += fabs(rc * xr[(t + j) % d]);
                }
                g[(size_t)k * s + c] += rc;
                gabs[(size_t)k * s + c] += fabs(rc);
            }
            if (f) f[(size_t)r * k + c] = sum;
        }
    }
}

/* Redraw the rows of x whose pre-activations come within margin of the ReLU kink. */
static int away_from_kinks_(const specl_model *m, int s, int n, float *x, specl_rng *r, double margin) {
    double *zmin = malloc(sizeof(double) * n);
    int ok = 0;
    for (int tries = 0; tries < 10000 && !ok; tries++) {
        reference_(m, s, n, x, NULL, NULL, NULL, NULL, zmin);
        ok = 1;
        for (int i = 0; i < n; i++)
            if (zmin[i] < margin) { ok = 0; randn_(r, x + (size_t)i * m->d, (size_t)m->d, 1.0); }
    }
    free(zmin);
    return ok;
}

/* Forward and gradients against the reference; then backward accumulates, a second backward of
 * the same forward and a backward after x and U changed give the forward's gradient again. */
static void against_reference_(int d, int k, int s, int n, uint64_t seed) {
    specl_model *m = make_(d, k, s, n, seed);
    if (!m) return;
    size_t np = m->n_params, nk = (size_t)n * k;
    specl_rng r;
    specl_rng_seed(&r, seed + 1000);
    float *x = malloc(sizeof(float) * n * d), *R = malloc(sizeof(float) * nk), *out = malloc(sizeof(float) * nk);
    float *g = malloc(sizeof(float) * np);
    double *f = malloc(sizeof(double) * nk), *gr = malloc(sizeof(double) * np), *ga = malloc(sizeof(double) * np);
    randn_(&r, x, (size_t)n * d, 1.0);
    randn_(&r, R, nk, 1.0);
    /* A float pre-activation within ~1e-6 of 0 may take the other side of the kink than the
     * double one; keep every |z| above 1e-4 so both masks agree. */
    CHECK(away_from_kinks_(m, s, n, x, &r, 1e-4));
    reference_(m, s, n, x, R, f, gr, ga, NULL);
    CHECK_OK(specl_model_forward(m, n, x, NULL, out));
    int pos = 0;
    for (size_t e = 0; e < nk; e++) {
        CHECK_NEAR(out[e], f[e], 1e-5 * (1 + fabs(f[e])));
        pos += f[e] > 0;
    }
    CHECK(pos > 0);   /* with z symmetric about 0, about half the positions are masked in the gradient */
    specl_model_zero_grad(m);
    CHECK_OK(specl_model_backward(m, R));
    memcpy(g, m->grads, sizeof(float) * np);
    for (size_t p = 0; p < np; p++) CHECK_NEAR(g[p], gr[p], 1e-5 * (1 + ga[p]));
    CHECK_OK(specl_model_backward(m, R));
    int twice = 1;
    for (size_t p = 0; p < np; p++) twice &= m->grads[p] == g[p] + g[p];
    CHECK(twice);
    /* the gradient is that of the forward's U and x, even when both are overwritten afterwards */
    float *U = specl_model_weight(m, 0), u0 = U[0];
    U[0] += 1.0f;
    for (size_t e = 0; e < (size_t)n * d; e++) x[e] = -x[e];
    specl_model_zero_grad(m);
    CHECK_OK(specl_model_backward(m, R));
    CHECK(memcmp(m->grads, g, sizeof(float) * np) == 0);
    U[0] = u0;
    free(x); free(R); free(out); free(g); free(f); free(gr); free(ga);
    specl_model_free(m);
}

TEST(forward_and_grad_against_reference) {
    against_reference_(64, 64, 6, 70, 11);    /* the bench shape; 70 rows: 3 backward blocks, one partial */
    against_reference_(13, 20, 6, 37, 12);    /* d mod 4 = 1, k = 20: padded channels */
    against_reference_(9, 17, 1, 40, 13);     /* s = 1 */
    against_reference_(5, 3, 5, 33, 14);      /* s = d: windows are rotations of x */
    against_reference_(64, 8, 6, 1, 15);      /* one row, one channel vector */
}

/* ∂(Σ R∘f)/∂(U, b) against central differences of the model's own forward (h = 1e-3; inputs at
 * least 5e-3 from every kink, so no difference crosses one; error relative to |g| + 0.05 max|g|
 * at most 1e-2). */
TEST(grad_finite_differences) {
    const int d = 13, k = 20, s = 6, n = 40;
    specl_model *m = make_(d, k, s, n, 21);
    if (!m) return;
    size_t nk = (size_t)n * k;
    specl_rng r;
    specl_rng_seed(&r, 22);
    float *x = malloc(sizeof(float) * n * d), *R = malloc(sizeof(float) * nk), *out = malloc(sizeof(float) * nk);
    float *g = malloc(sizeof(float) * m->n_params);
    randn_(&r, x, (size_t)n * d, 1.0);
    randn_(&r, R, nk, 1.0);
    CHECK(away_from_kinks_(m, s, n, x, &r, 5e-3));
    CHECK_OK(specl_model_forward(m, n, x, NULL, out));
    specl_model_zero_grad(m);
    CHECK_OK(specl_model_backward(m, R));
    memcpy(g, m->grads, sizeof(float) * m->n_params);
    double gmax = 0;
    for (size_t p = 0; p < m->n_params; p++) if (fabs(g[p]) > gmax) gmax = fabs(g[p]);
    CHECK(gmax > 0);
    int bad = fd_mismatches_(m, n, x, NULL, R, g, out, "conv1d-circ");
    CHECK(bad == 0);
    free(x); free(R); free(out); free(g);
    specl_model_free(m);
}

/* Forward outputs and gradients with 1, 2 and 3 threads: bit-identical. */
static void threads_(int d, int k, int s, int n, uint64_t seed) {
    specl_model *m = make_(d, k, s, n, seed);
    if (!m) return;
    size_t nk = (size_t)n * k;
    specl_rng r;
    specl_rng_seed(&r, seed + 1);
    float *x = malloc(sizeof(float) * n * d), *R = malloc(sizeof(float) * nk), *o[3], *g[3];
    randn_(&r, x, (size_t)n * d, 1.0);
    randn_(&r, R, nk, 1.0);
    for (int t = 0; t < 3; t++) {
        omp_set_num_threads(t + 1);
        o[t] = malloc(sizeof(float) * nk);
        g[t] = malloc(sizeof(float) * m->n_params);
        CHECK_OK(specl_model_forward(m, n, x, NULL, o[t]));
        specl_model_zero_grad(m);
        CHECK_OK(specl_model_backward(m, R));
        memcpy(g[t], m->grads, sizeof(float) * m->n_params);
    }
    for (int t = 1; t < 3; t++) {
        CHECK(memcmp(o[0], o[t], sizeof(float) * nk) == 0);
        CHECK(memcmp(g[0], g[t], sizeof(float) * m->n_params) == 0);
    }
    for (int t = 0; t < 3; t++) { free(o[t]); free(g[t]); }
    free(x); free(R);
    specl_model_free(m);
}

TEST(threads_bit_identical) {
    int saved = omp_get_max_threads();
    threads_(64, 64, 6, 1024, 31);   /* the bench batch: 2 × 512 rows */
    threads_(13, 20, 6, 301, 32);
    omp_set_num_threads(saved);
}

/* The kernels of both ISAs on the same layer: bit-identical outputs and gradients (each lane
 * computes its channel with the same operations in the same order). */
static void isa_(int d, int k, int s, int n, uint64_t seed) {
    specl_model *m = make_(d, k, s, n, seed);
    if (!m) return;
    const specl_layer *l = &m->layers[0];
    size_t nk = (size_t)n * k, np = m->n_params, wl = specl_conv1d_ws_len_(l, n);
    specl_rng r;
    specl_rng_seed(&r, seed + 1);
    float *x = malloc(sizeof(float) * n * d), *R = malloc(sizeof(float) * nk), *ws = malloc(sizeof(float) * wl);
    float *o[2], *g[2];
    randn_(&r, x, (size_t)n * d, 1.0);
    randn_(&r, R, nk, 1.0);
    for (int wide = 0; wide < 2; wide++) {
        o[wide] = malloc(sizeof(float) * nk);
        g[wide] = calloc(np, sizeof(float));
        specl_conv1d_forward_isa_(l, n, x, m->params, m->params + l->b, ws, o[wide], wide);
        specl_conv1d_backward_isa_(l, n, n, R, ws, g[wide], g[wide] + l->b, wide);
    }
    CHECK(memcmp(o[0], o[1], sizeof(float) * nk) == 0);
    CHECK(memcmp(g[0], g[1], sizeof(float) * np) == 0);
    for (int t = 0; t < 2; t++) { free(o[t]); free(g[t]); }
    free(x); free(R); free(ws);
    specl_model_free(m);
}

TEST(isa_bit_identical) {
    if (!specl_conv1d_wide_()) {
        printf("# no AVX2 on this CPU: only the baseline kernels run (tested above)\n");
        return;
    }
    isa_(64, 64, 6, 100, 41);
    isa_(13, 20, 6, 37, 42);
    isa_(5, 3, 5, 33, 43);
}

RUN_TESTS(RUN(forward_and_grad_against_reference); RUN(grad_finite_differences); RUN(threads_bit_identical);
          RUN(isa_bit_identical))
