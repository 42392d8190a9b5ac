/* Tests of the two restricted classes of PAPER.md §4.3–4.4 (model/model.c, model/model_io.c,
 * train/trainer.c):
 *   conv1d-circ (Def. 5.11): forward against a direct double computation, the circular windows
 *     (a window that crosses the end of x), invariance under every cyclic shift of x (sum pooling
 *     over all d positions), ∂/∂(U, b) against central finite differences, the init law;
 *   lipschitz (Def. 5.8 via per-layer spectral norms): after specl_model_constrain the product of
 *     the layers' σ₁ (LAPACK dgesvd in double, here) is ≤ κ, ‖f(x) − f(y)‖ ≤ κ‖x − y‖ on 1000
 *     random pairs, gradients as for any MLP, the projection is idempotent and leaves a model
 *     inside the ball bit-identical, init projects, and specl_train keeps the constraint (and
 *     reruns bit for bit);
 *   files: both classes round-trip through specl_model_save / specl_model_load (bit-identical
 *     parameters, κ and s restored), files without the kappa / filter keys still load;
 *   errors: κ ≤ 0, filter 0 or > d. */
#include <cblas.h>
#include <lapacke.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "specl/base.h"
#include "specl/data.h"
#include "specl/model.h"
#include "specl/train.h"
#include "check.h"
#include "grad_check.h"

/* ---- helpers ---- */

static void randn_(specl_rng *r, float *x, size_t n, double sd) {
    for (size_t i = 0; i < n; i++) x[i] = (float)(sd * specl_rng_normal(r));
}

static specl_model *make_(const char *cls, int d, int k, int depth, int width, double kappa, int filter, int max_n) {
    specl_model_spec ms = { cls, d, k, depth, width, 0, 1.0, kappa, filter };
    specl_model *m = NULL;
    CHECK_OK(specl_model_create(&ms, max_n, &m));
    return m;
}

/* Largest singular value of w (out, in), in double. */
static double sigma1_(const float *w, int out, int in) {
    int mn = out < in ? out : in;
    double *a = malloc(sizeof(double) * out * in), *sv = malloc(sizeof(double) * mn), *sup = malloc(sizeof(double) * mn);
    for (int i = 0; i < out * in; i++) a[i] = w[i];
    lapack_int info = LAPACKE_dgesvd(LAPACK_ROW_MAJOR, 'N', 'N', out, in, a, in, sv, NULL, 1, NULL, 1, sup);
    double s = info == 0 ? sv[0] : NAN;
    free(a); free(sv); free(sup);
    return s;
}

/* Π_l σ₁(W_l) over the dense layers of m. */
static double norm_product_(specl_model *m) {
    double p = 1;
    for (int i = 0; i < m->n_layers; i++)
        if (m->layers[i].kind == SPECL_LAYER_DENSE) p *= sigma1_(specl_model_weight(m, i), m->layers[i].out, m->layers[i].in);
    return p;
}

/* Direct conv1d-circ in double: out_ri = Σ_t relu(Σ_j U_ij x_{r,(t+j) mod d} + b_i); the smallest
 * |pre-activation| of each row goes to zmin (n) if non-NULL. */
static void ref_conv_(specl_model *m, int s, int n, const float *x, double *out, double *zmin) {
    int d = m->d, k = m->k;
    const float *U = specl_model_weight(m, 0), *b = specl_model_bias(m, 0);
    for (int r = 0; r < n; r++) {
        if (zmin) zmin[r] = INFINITY;
        for (int i = 0; i < k; i++) {
            double f = 0;
            for (int t = 0; t < d; t++) {
                double z = b[i];
                for (int j = 0; j < s; j++) z += (double)U[i * s + j] * x[(size_t)r * d + (t + j) % d];
                f += z > 0 ? z : 0;
                if (zmin && fabs(z) < zmin[r]) zmin[r] = fabs(z);
            }
            out[(size_t)r * k + i] = f;
        }
    }
}

/* Direct dense/ReLU stack in double; zmin (n) as above, over the dense layers that feed a ReLU. */
static void ref_mlp_(specl_model *m, int n, const float *x, double *out, double *zmin) {
    double a[64], b[64];
    for (int r = 0; r < n; r++) {
        zmin[r] = INFINITY;
        for (int j = 0; j < m->d; j++) a[j] = x[(size_t)r * m->d + j];
        for (int li = 0; li < m->n_layers; li++) {
            const specl_layer *l = &m->layers[li];
            for (int o = 0; o < l->out; o++) {
                if (l->kind == SPECL_LAYER_RELU) { b[o] = a[o] > 0 ? a[o] : 0; continue; }
                const float *W = m->params + l->w;
                double z = m->params[l->b + o];
                for (int j = 0; j < l->in; j++) z += (double)W[(size_t)o * l->in + j] * a[j];
                b[o] = z;
                if (li + 1 < m->n_layers && fabs(z) < zmin[r]) zmin[r] = fabs(z);
            }
            memcpy(a, b, sizeof(double) * l->out);
        }
        for (int j = 0; j < m->k; j++) out[(size_t)r * m->k + j] = a[j];
    }
}

typedef void (*ref_fn)(specl_model *m, int s, int n, const float *x, double *out, double *zmin);
static void ref_mlp_adapter_(specl_model *m, int s, int n, const float *x, double *out, double *zmin) {
    (void)s;
    ref_mlp_(m, n, x, out, zmin);
}

/* Redraw the rows of x (n, d) whose pre-activations come within `margin` of a ReLU kink, so that
 * a finite difference of step 1e-3 never crosses one. Returns 1 on success. */
static int away_from_kinks_(specl_model *m, ref_fn ref, int s, int n, float *x, specl_rng *r, double margin) {
    double *out = malloc(sizeof(double) * n * m->k), *zmin = malloc(sizeof(double) * n);
    int ok = 0;
    for (int tries = 0; tries < 10000 && !ok; tries++) {
        ref(m, s, n, x, out, zmin);
        ok = 1;
        for (int i = 0; i < n; i++)
            if (zmin[i] < margin) { ok = 0; randn_(r, x + (size_t)i * m->d, (size_t)m->d, 1.0); }
    }
    free(out); free(zmin);
    return ok;
}

/* ∂(Σ R∘f)/∂params from backward against central differences (float32, h = 1e-3, error relative
 * to |g| + 0.05 max|g| at most 1e-2), after checking that backward accumulates. */
static void grad_check_(specl_model *m, int n, const float *x, const float *R, const char *what) {
    size_t nk = (size_t)n * m->k;
    float *out = malloc(sizeof(float) * nk), *g = malloc(sizeof(float) * m->n_params);
    CHECK_OK(specl_model_forward(m, n, x, NULL, out));
    specl_model_zero_grad(m);
    CHECK_OK(specl_model_backward(m, R));
    memcpy(g, m->grads, sizeof(float) * m->n_params);
    CHECK_OK(specl_model_backward(m, R));
    int acc = 1;
    double gmax = 0;
    for (size_t p = 0; p < m->n_params; p++) {
        if (fabs(m->grads[p] - 2 * g[p]) > 1e-6 * (1 + fabs(g[p]))) acc = 0;
        if (fabs(g[p]) > gmax) gmax = fabs(g[p]);
    }
    CHECK(acc);
    CHECK(gmax > 0);
    int bad = fd_mismatches_(m, n, x, NULL, R, g, out, what);
    CHECK(bad == 0);
    free(out); free(g);
}

/* ---- conv1d-circ ---- */

/* Forward against the double reference, and the gradient check on U and b (nonzero biases;
 * inputs away from the kinks; both active and inactive positions present). */
static void conv_check_(int d, int k, int s, uint64_t seed) {
    const int n = 5;
    specl_model *m = make_("conv1d-circ", d, k, 0, 0, 0, s, n);
    if (!m) return;
    CHECK(m->n_layers == 1 && m->layers[0].kind == SPECL_LAYER_CONV1D_CIRC && m->n_params == (size_t)(k * s + k));
    CHECK(specl_model_bias(m, 0) == m->params + k * s);
    specl_rng r;
    specl_rng_seed(&r, seed);
    specl_model_init(m, 1.0, &r);
    randn_(&r, specl_model_bias(m, 0), (size_t)k, 0.5);
    float *x = malloc(sizeof(float) * n * d), *out = malloc(sizeof(float) * n * k), *R = malloc(sizeof(float) * n * k);
    double *ref = malloc(sizeof(double) * n * k);
    randn_(&r, x, (size_t)n * d, 1.0);
    randn_(&r, R, (size_t)n * k, 1.0);
    CHECK(away_from_kinks_(m, ref_conv_, s, n, x, &r, 0.05));
    CHECK_OK(specl_model_forward(m, n, x, NULL, out));
    ref_conv_(m, s, n, x, ref, NULL);
    int zero = 0, pos = 0;
    for (int e = 0; e < n * k; e++) {
        CHECK_NEAR(out[e], ref[e], 1e-5 * (1 + fabs(ref[e])));
        if (ref[e] == 0) zero++; else pos++;
    }
    CHECK(pos > 0);
    char what[64];
    snprintf(what, sizeof what, "conv1d-circ d=%d k=%d s=%d", d, k, s);
    grad_check_(m, n, x, R, what);
    free(x); free(out); free(R); free(ref);
    specl_model_free(m);
}

TEST(conv_forward_and_grad) {
    conv_check_(7, 4, 3, 101);
    conv_check_(6, 3, 1, 102);   /* s = 1: pointwise filter */
    conv_check_(5, 3, 5, 103);   /* s = d: every window is a rotation of x */
}

/* x = e_0, U = (1, 10, 100): x_0 is the first entry of window 0, the second of window d−1
 * = (x_{d−1}, x_0, x_1) and the third of window d−2 = (x_{d−2}, x_{d−1}, x_0); with b = 0 the sum
 * is 111 (zero padding would give 1). With b = −50 only window d−2, which crosses the end, fires. */
TEST(conv_wraparound) {
    const int d = 6;
    specl_model *m = make_("conv1d-circ", d, 2, 0, 0, 0, 3, 2);
    if (!m) return;
    float *U = specl_model_weight(m, 0), *b = specl_model_bias(m, 0);
    const float u[3] = { 1, 10, 100 };
    memcpy(U, u, sizeof u);
    memcpy(U + 3, u, sizeof u);
    b[0] = 0; b[1] = -50;
    float x[2 * d], out[4];
    memset(x, 0, sizeof x);
    x[0] = 1;            /* row 0: e_0 */
    x[d + d - 1] = 1;    /* row 1: e_{d−1}, the same up to a shift */
    CHECK_OK(specl_model_forward(m, 2, x, NULL, out));
    CHECK(out[0] == 111.0f && out[1] == 50.0f);
    CHECK(out[2] == 111.0f && out[3] == 50.0f);
    specl_model_free(m);
}

/* f(roll(x, j)) = f(x) for every cyclic shift j: sum pooling over all d circular positions. */
TEST(conv_shift_invariance) {
    const int d = 9, k = 5, s = 4, n = 6;
    specl_model *m = make_("conv1d-circ", d, k, 0, 0, 0, s, n);
    if (!m) return;
    specl_rng r;
    specl_rng_seed(&r, 111);
    specl_model_init(m, 1.0, &r);
    randn_(&r, specl_model_bias(m, 0), (size_t)k, 0.5);
    float x[n * d], xs[n * d], f0[n * k], fj[n * k];
    randn_(&r, x, sizeof x / sizeof *x, 1.0);
    CHECK_OK(specl_model_forward(m, n, x, NULL, f0));
    double fmax = 0;
    for (int e = 0; e < n * k; e++) if (fabs(f0[e]) > fmax) fmax = fabs(f0[e]);
    CHECK(fmax > 0.1);
    double worst = 0;
    for (int j = 1; j < d; j++) {
        for (int i = 0; i < n; i++)
            for (int t = 0; t < d; t++) xs[i * d + t] = x[i * d + (t + j) % d];
        CHECK_OK(specl_model_forward(m, n, xs, NULL, fj));
        for (int e = 0; e < n * k; e++) if (fabs(fj[e] - f0[e]) > worst) worst = fabs(fj[e] - f0[e]);
    }
    CHECK(worst <= 1e-5 * (1 + fmax));
    specl_model_free(m);
}

/* U ~ N(0, scale²/s), b = 0; specl_model_constrain is a no-op for the class. */
TEST(conv_init_and_constrain_noop) {
    const int k = 400, s = 5;
    specl_model *m = make_("conv1d-circ", 8, k, 0, 0, 0, s, 1);
    if (!m) return;
    specl_rng r;
    specl_rng_seed(&r, 121);
    specl_model_init(m, 2.0, &r);
    const float *U = specl_model_weight(m, 0), *b = specl_model_bias(m, 0);
    double s1 = 0, s2 = 0;
    size_t cnt = (size_t)k * s;
    for (size_t i = 0; i < cnt; i++) { s1 += U[i]; s2 += (double)U[i] * U[i]; }
    double var = s2 / cnt - (s1 / cnt) * (s1 / cnt);
    CHECK_NEAR(var, 4.0 / s, 5 * sqrt(2.0 / cnt) * 4.0 / s);
    int zero = 1;
    for (int i = 0; i < k; i++) if (b[i] != 0) zero = 0;
    CHECK(zero);
    CHECK(m->kappa == 0);
    float *before = malloc(sizeof(float) * m->n_params);
    memcpy(before, m->params, sizeof(float) * m->n_params);
    CHECK_OK(specl_model_constrain(m));
    CHECK(memcmp(before, m->params, sizeof(float) * m->n_params) == 0);
    free(before);
    specl_model_free(m);
}

/* ---- lipschitz ---- */

/* After constrain (from weights far outside the ball) each σ₁ ≤ c = κ^{1/L}, at least one equals c
 * (the projection scales to the sphere, not below), the product is ≤ κ, and the bias is kept. */
TEST(lipschitz_spectral_product) {
    const double kappa = 0.7;
    specl_model *m = make_("lipschitz", 6, 4, 2, 16, kappa, 0, 4);
    if (!m) return;
    CHECK(m->kappa == kappa && m->n_layers == 5);
    specl_rng r;
    specl_rng_seed(&r, 201);
    specl_model_init(m, 1.0, &r);
    CHECK(norm_product_(m) <= kappa * (1 + 1e-5));   /* init projects */
    randn_(&r, m->params, m->n_params, 3.0);
    CHECK(norm_product_(m) > 10 * kappa);
    float b0 = specl_model_bias(m, 2)[0];
    CHECK_OK(specl_model_constrain(m));
    CHECK(specl_model_bias(m, 2)[0] == b0);
    double c = pow(kappa, 1.0 / 3), prod = norm_product_(m);
    int at_c = 0;
    for (int i = 0; i < m->n_layers; i += 2) {
        double sg = sigma1_(specl_model_weight(m, i), m->layers[i].out, m->layers[i].in);
        CHECK(sg <= c * (1 + 1e-6));
        if (fabs(sg - c) <= 1e-5 * c) at_c++;
    }
    CHECK(at_c == 3);   /* every layer started far outside, so every layer lands on its sphere */
    CHECK(prod <= kappa * (1 + 1e-5));
    CHECK(prod >= kappa * (1 - 1e-4));
    specl_model_free(m);
}

/* ‖f(x) − f(y)‖ ≤ κ‖x − y‖ on 1000 pairs, near (‖x − y‖ ≈ 0.1) and far; the same pairs find a
 * violation before the projection, so the check has teeth. */
TEST(lipschitz_pairs) {
    const double kappa = 2.0;
    const int d = 5, k = 3, np = 1000;
    specl_model *m = make_("lipschitz", d, k, 2, 12, kappa, 0, 256);
    if (!m) return;
    specl_rng r;
    specl_rng_seed(&r, 211);
    randn_(&r, m->params, m->n_params, 1.5);
    float *x = malloc(sizeof(float) * 2 * np * d), *f = malloc(sizeof(float) * 2 * np * k);
    randn_(&r, x, (size_t)np * d, 2.0);
    for (int i = 0; i < np * d; i++)
        x[np * d + i] = x[i] + (float)((i / d) % 2 ? 0.05 : 2.0) * (float)specl_rng_normal(&r);
    double worst[2] = { 0, 0 };
    for (int pass = 0; pass < 2; pass++) {
        if (pass == 1) CHECK_OK(specl_model_constrain(m));
        CHECK_OK(specl_model_apply(m, 2 * np, x, NULL, f));
        for (int i = 0; i < np; i++) {
            double dx = 0, df = 0;
            for (int j = 0; j < d; j++) { double t = (double)x[i * d + j] - x[(np + i) * d + j]; dx += t * t; }
            for (int j = 0; j < k; j++) { double t = (double)f[i * k + j] - f[(np + i) * k + j]; df += t * t; }
            double ratio = sqrt(df) / (kappa * sqrt(dx));
            if (ratio > worst[pass]) worst[pass] = ratio;
        }
    }
    CHECK(worst[0] > 1);              /* unconstrained weights violate the bound on these pairs */
    CHECK(worst[1] <= 1 + 1e-5);
    CHECK(worst[1] > 0.05);           /* and the projected model is not trivially flat */
    free(x); free(f);
    specl_model_free(m);
}

TEST(lipschitz_grad) {
    const int n = 6, d = 4, k = 3;
    specl_model *m = make_("lipschitz", d, k, 2, 6, 2.0, 0, n);
    if (!m) return;
    specl_rng r;
    specl_rng_seed(&r, 221);
    specl_model_init(m, 1.0, &r);
    for (int li = 0; li < m->n_layers; li++) {
        float *b = specl_model_bias(m, li);
        if (b) randn_(&r, b, (size_t)m->layers[li].out, 0.3);
    }
    float x[n * d], out[n * k], R[n * k];
    double ref[n * k], zmin[n];
    randn_(&r, x, sizeof x / sizeof *x, 1.0);
    randn_(&r, R, sizeof R / sizeof *R, 1.0);
    CHECK(away_from_kinks_(m, ref_mlp_adapter_, 0, n, x, &r, 0.03));
    CHECK_OK(specl_model_forward(m, n, x, NULL, out));
    ref_mlp_(m, n, x, ref, zmin);
    for (int e = 0; e < n * k; e++) CHECK_NEAR(out[e], ref[e], 1e-5 * (1 + fabs(ref[e])));
    int on = 0, off = 0;   /* both ReLU branches are exercised */
    for (int li = 1; li < m->n_layers; li += 2) {
        const float *y = m->acts + m->layers[li].act;
        for (int e = 0; e < n * m->layers[li].out; e++) { if (y[e] > 0) on++; else off++; }
    }
    CHECK(on > 0 && off > 0);
    grad_check_(m, n, x, R, "lipschitz");
    specl_model_free(m);
}

/* The projection is idempotent bit for bit; with κ large enough the init is the mlp's init,
 * untouched, and constrain leaves it unchanged; for mlp it is a no-op even outside any ball. */
TEST(lipschitz_idempotent_and_inside_unchanged) {
    specl_model *m = make_("lipschitz", 6, 4, 2, 10, 0.5, 0, 2);
    specl_model *big = make_("lipschitz", 6, 4, 2, 10, 1e6, 0, 2);
    specl_model *mlp = make_("mlp", 6, 4, 2, 10, 0, 0, 2);
    if (!m || !big || !mlp) goto done;
    specl_rng r;
    specl_rng_seed(&r, 231);
    randn_(&r, m->params, m->n_params, 2.0);
    size_t bytes = sizeof(float) * m->n_params;
    float *a = malloc(bytes), *b = malloc(bytes);
    for (int rep = 0; rep < 3; rep++) {   /* three random starts */
        randn_(&r, m->params, m->n_params, 1.0 + rep);
        CHECK_OK(specl_model_constrain(m));
        memcpy(a, m->params, bytes);
        CHECK_OK(specl_model_constrain(m));
        CHECK(memcmp(a, m->params, bytes) == 0);
    }
    specl_rng r1, r2;
    specl_rng_seed(&r1, 232);
    specl_rng_seed(&r2, 232);
    specl_model_init(big, 1.0, &r1);
    specl_model_init(mlp, 1.0, &r2);
    CHECK(big->n_params == mlp->n_params && memcmp(big->params, mlp->params, bytes) == 0);
    specl_rng_seed(&r1, 232);
    specl_model_init(m, 1.0, &r1);
    CHECK(memcmp(m->params, mlp->params, bytes) != 0);   /* κ = 0.5 does project the init */
    memcpy(b, big->params, bytes);
    CHECK_OK(specl_model_constrain(big));
    CHECK(memcmp(b, big->params, bytes) == 0);
    randn_(&r, mlp->params, mlp->n_params, 10.0);
    memcpy(b, mlp->params, bytes);
    CHECK_OK(specl_model_constrain(mlp));
    CHECK(memcmp(b, mlp->params, bytes) == 0);
    /* non-finite weights are an error, not a silent pass */
    m->params[0] = NAN;
    CHECK(specl_model_constrain(m) == SPECL_ENUMERIC);
    free(a); free(b);
done:
    specl_model_free(m); specl_model_free(big); specl_model_free(mlp);
}

static specl_train_spec train_spec_(double lr, long steps, int batch) {
    specl_train_spec ts;
    memset(&ts, 0, sizeof ts);
    ts.loss.kind = SPECL_LOSS_LAMBDA; ts.loss.lambda = 1.0; ts.loss.estimator = SPECL_EST_UNBIASED; ts.loss.mu = 1.0;
    ts.opt.kind = SPECL_OPT_ADAM; ts.opt.lr = lr; ts.opt.beta1 = 0.9; ts.opt.beta2 = 0.999; ts.opt.eps = 1e-8;
    ts.opt.schedule = SPECL_SCHED_COSINE;
    ts.steps = steps; ts.batch = batch;
    return ts;
}

/* specl_train keeps a lipschitz model in its class: the same run on an mlp from the same start
 * leaves the ball, so the constraint is active and only the projection keeps it. */
TEST(lipschitz_train_keeps_constraint) {
    openblas_set_num_threads(1);
    const double kappa = 0.5;
    specl_hypercube_params hp = { 8, 3, 0.5, 1.0, "x1", 0, NULL };
    specl_source *src = NULL;
    CHECK_OK(specl_hypercube_new(&hp, &src));
    specl_model *m = make_("lipschitz", 8, 3, 1, 16, kappa, 0, 128);
    specl_model *mlp = make_("mlp", 8, 3, 1, 16, 0, 0, 128);
    if (!src || !m || !mlp) goto done;
    specl_rng r, d1, d2;
    specl_rng_seed(&r, 241);
    specl_model_init(m, 1.0, &r);
    memcpy(mlp->params, m->params, sizeof(float) * m->n_params);
    CHECK(norm_product_(m) <= kappa * (1 + 1e-5));
    specl_train_spec ts = train_spec_(0.01, 300, 64);
    specl_rng_derive(&d1, 241, "data");
    specl_rng_derive(&d2, 241, "data");
    CHECK_OK(specl_train(m, src, &ts, &d1, NULL, NULL));
    CHECK_OK(specl_train(mlp, src, &ts, &d2, NULL, NULL));
    double pl = norm_product_(m), pm = norm_product_(mlp);
    CHECK(pl <= kappa * (1 + 1e-5));
    CHECK(pl >= kappa * 0.9);   /* trained up against the bound */
    CHECK(pm > kappa * 1.1);    /* without the projection training leaves the ball */
    /* the projection is deterministic: a rerun from the same seeds is bit-identical */
    specl_model *again = make_("lipschitz", 8, 3, 1, 16, kappa, 0, 128);
    if (again) {
        specl_rng_seed(&r, 241);
        specl_model_init(again, 1.0, &r);
        specl_rng_derive(&d1, 241, "data");
        CHECK_OK(specl_train(again, src, &ts, &d1, NULL, NULL));
        CHECK(memcmp(again->params, m->params, sizeof(float) * m->n_params) == 0);
        specl_model_free(again);
    }
    if (!(pl <= kappa * (1 + 1e-5)) || !(pm > kappa * 1.1))
        fprintf(stderr, "  product of norms: lipschitz %.6g, mlp %.6g, kappa %g\n", pl, pm, kappa);
done:
    specl_model_free(m); specl_model_free(mlp);
    specl_source_free(src);
}

/* ---- files ---- */

static char tmpdir_[256];
static const char *tmp_path_(const char *name) {
    static char p[512];
    if (!tmpdir_[0]) {
        const char *base = getenv("TMPDIR");
        snprintf(tmpdir_, sizeof tmpdir_, "%s/specl_test_classes.XXXXXX", base ? base : "/tmp");
        if (!mkdtemp(tmpdir_)) { tmpdir_[0] = 0; return NULL; }
    }
    snprintf(p, sizeof p, "%s/%s", tmpdir_, name);
    return p;
}

/* Save m, load it back: same class, spec, κ, s, parameters bit for bit, and the same outputs. */
static void round_trip_(specl_model *m, const specl_model_spec *ms, const char *name) {
    const char *path = tmp_path_(name);
    CHECK(path != NULL);
    if (!path) return;
    CHECK_OK(specl_model_save(m, ms, path));
    specl_model *l = NULL;
    specl_model_spec ls;
    CHECK_OK(specl_model_load(path, 3, &l, &ls));
    if (l) {
        CHECK(strcmp(l->cls, m->cls) == 0 && strcmp(ls.cls, ms->cls) == 0);
        CHECK(ls.d == ms->d && ls.k == ms->k && ls.depth == ms->depth && ls.width == ms->width);
        CHECK(ls.kappa == m->kappa && l->kappa == m->kappa);
        CHECK(ls.filter == (strcmp(ms->cls, "conv1d-circ") == 0 ? ms->filter : 0));
        CHECK(l->n_params == m->n_params && memcmp(l->params, m->params, sizeof(float) * m->n_params) == 0);
        float x[3 * 16], a[3 * 8], b[3 * 8];
        specl_rng r;
        specl_rng_seed(&r, 301);
        randn_(&r, x, (size_t)3 * m->d, 1.0);
        CHECK_OK(specl_model_forward(m, 3, x, NULL, a));
        CHECK_OK(specl_model_forward(l, 3, x, NULL, b));
        CHECK(memcmp(a, b, sizeof(float) * 3 * m->k) == 0);
    }
    specl_model_free(l);
    remove(path);
}

TEST(io_round_trip) {
    specl_rng r;
    specl_rng_seed(&r, 311);
    specl_model_spec cs = { "conv1d-circ", 9, 5, 0, 0, 0, 1.0, 0, 4 };
    specl_model *m = NULL;
    CHECK_OK(specl_model_create(&cs, 3, &m));
    if (m) {
        specl_model_init(m, 1.0, &r);
        randn_(&r, specl_model_bias(m, 0), 5, 0.5);
        round_trip_(m, &cs, "conv.safetensors");
        specl_model_free(m);
    }
    /* κ with a full 17-digit expansion: it must come back bit-identical */
    specl_model_spec ls = { "lipschitz", 6, 4, 2, 8, 0, 1.0, 0.1 + 0.2, 0 };
    CHECK_OK(specl_model_create(&ls, 3, &m));
    if (m) {
        specl_model_init(m, 1.0, &r);
        round_trip_(m, &ls, "lip.safetensors");
        specl_model_free(m);
    }
}

static int read_all_(const char *path, char **buf, long *len) {
    FILE *f = fopen(path, "rb");
    if (!f) return 0;
    fseek(f, 0, SEEK_END);
    *len = ftell(f);
    fseek(f, 0, SEEK_SET);
    *buf = malloc((size_t)*len);
    size_t got = fread(*buf, 1, (size_t)*len, f);
    fclose(f);
    return got == (size_t)*len;
}

static int write_all_(const char *path, const char *buf, long len) {
    FILE *f = fopen(path, "wb");
    if (!f) return 0;
    size_t put = fwrite(buf, 1, (size_t)len, f);
    return fclose(f) == 0 && put == (size_t)len;
}

/* A file written before kappa / filter existed (the keys blanked to JSON whitespace, same header
 * length) loads with both 0; a malformed kappa is a format error. */
TEST(io_old_files_and_bad_kappa) {
    specl_model_spec ms = { "mlp", 4, 3, 1, 5, 0, 1.0, 0, 0 };
    specl_model *m = NULL, *l = NULL;
    CHECK_OK(specl_model_create(&ms, 2, &m));
    const char *p = tmp_path_("old.safetensors");
    if (!m || !p) { specl_model_free(m); return; }
    char path[512];
    snprintf(path, sizeof path, "%s", p);
    specl_rng r;
    specl_rng_seed(&r, 321);
    specl_model_init(m, 1.0, &r);
    CHECK_OK(specl_model_save(m, &ms, path));
    char *buf = NULL;
    long len = 0;
    CHECK(read_all_(path, &buf, &len));
    const char *keys = ",\"kappa\":\"0\",\"filter\":\"0\"";
    char *hit = buf ? memmem(buf, (size_t)len, keys, strlen(keys)) : NULL;
    CHECK(hit != NULL);
    if (hit) {
        char *orig = malloc((size_t)len);
        memcpy(orig, buf, (size_t)len);
        memset(hit, ' ', strlen(keys));
        CHECK(write_all_(path, buf, len));
        specl_model_spec ls;
        ls.kappa = 7; ls.filter = 7;
        CHECK_OK(specl_model_load(path, 2, &l, &ls));
        CHECK(l && ls.kappa == 0 && ls.filter == 0 && memcmp(l->params, m->params, sizeof(float) * m->n_params) == 0);
        specl_model_free(l);
        l = NULL;
        memcpy(buf, orig, (size_t)len);
        hit[10] = 'x';   /* "kappa":"x" */
        CHECK(write_all_(path, buf, len));
        CHECK(specl_model_load(path, 2, &l, &ls) == SPECL_EFORMAT && l == NULL);
        CHECK(strstr(specl_error_detail(), "kappa") != NULL);
        free(orig);
    }
    free(buf);
    remove(path);
    specl_model_free(m);
}

/* ---- errors ---- */

static void expect_einval_(const char *cls, int d, double kappa, int filter, const char *msg) {
    specl_model_spec ms = { cls, d, 3, 1, 4, 0, 1.0, kappa, filter };
    specl_model *m = (specl_model *)1;
    specl_error_clear();
    CHECK(specl_model_create(&ms, 4, &m) == SPECL_EINVAL && m == NULL);
    if (!strstr(specl_error_detail(), msg)) {
        fprintf(stderr, "  detail '%s' lacks '%s'\n", specl_error_detail(), msg);
        CHECK(0);
    }
}

TEST(errors) {
    expect_einval_("lipschitz", 6, 0, 0, "model.kappa = 0: expected kappa > 0");
    expect_einval_("lipschitz", 6, -1, 0, "model.kappa = -1: expected kappa > 0");
    expect_einval_("lipschitz", 6, NAN, 0, "expected kappa > 0");
    expect_einval_("lipschitz", 6, INFINITY, 0, "model.kappa = inf");
    expect_einval_("conv1d-circ", 6, 0, 0, "model.filter = 0: expected 1 <= filter <= d = 6");
    expect_einval_("conv1d-circ", 6, 0, 7, "model.filter = 7: expected 1 <= filter <= d = 6");
    expect_einval_("conv1d-circ", 6, 0, -2, "model.filter = -2: expected 1 <= filter <= d = 6");
    specl_model_spec dep = { "lipschitz", 6, 3, 0, 4, 0, 1.0, 1.0, 0 };   /* depth 0 as for mlp */
    specl_model *m = NULL;
    CHECK(specl_model_create(&dep, 4, &m) == SPECL_EINVAL);
    /* the edges are valid */
    specl_model_spec ok1 = { "conv1d-circ", 6, 3, 0, 0, 0, 1.0, 0, 6 }, ok2 = { "lipschitz", 6, 3, 1, 4, 0, 1.0, 1e-3, 0 };
    CHECK_OK(specl_model_create(&ok1, 4, &m));
    specl_model_free(m);
    CHECK_OK(specl_model_create(&ok2, 4, &m));
    specl_model_free(m);
    /* more rows than the capacity the conv buffers were sized for */
    CHECK_OK(specl_model_create(&ok1, 2, &m));
    float x[3 * 6] = { 0 }, out[3 * 3];
    if (m) CHECK(specl_model_forward(m, 3, x, NULL, out) == SPECL_EINVAL);
    specl_model_free(m);
}

static void cleanup_(void) { if (tmpdir_[0]) rmdir(tmpdir_); }

RUN_TESTS(
    RUN(conv_forward_and_grad); RUN(conv_wraparound); RUN(conv_shift_invariance); RUN(conv_init_and_constrain_noop);
    RUN(lipschitz_spectral_product); RUN(lipschitz_pairs); RUN(lipschitz_grad); RUN(lipschitz_idempotent_and_inside_unchanged);
    RUN(lipschitz_train_keeps_constraint); RUN(io_round_trip); RUN(io_old_files_and_bad_kappa); RUN(errors);
    cleanup_()
)
