/* Full-batch training of the linear class on a sample given by its moments.
 *
 * For f = Ux (no bias) the loss L_λ of a sample of pairs depends on the sample only through
 * Σ = ½E[x₁x₁ᵀ + x₂x₂ᵀ] and Σ_Δ = E[(x₁ − x₂)(x₁ − x₂)ᵀ] (the regularizer ‖E ffᵀ − I‖² in its
 * population form over the views, as population.c evaluates it):
 *     L(U) = tr(U Σ_Δ Uᵀ) + λ ‖U Σ Uᵀ − I‖²_F,
 *     ∂L/∂U = 2 U Σ_Δ + 4λ (U Σ Uᵀ − I) U Σ.
 * Each step uses the gradient of the whole sample (an N-pair sample costs O(kd²) per step instead
 * of O(Nkd)), and the model's own optimizer and schedule take it. There is no minibatch noise:
 * this is what lets the φ_m procedure reach the optimal subspace of the linear class on images,
 * where minibatch Adam stalls at m ≥ 30 on directions whose signal 1 − μ/2 is a few percent. */
#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "specl/train.h"

int specl_train_linear_moments(specl_model *m, const double *sigma, const double *sigma_delta, const specl_train_spec *ts,
                               specl_step_cb cb, void *ctx) {
    if (!specl_model_is_affine(m) || specl_model_bias(m, 0))
        return specl_error(SPECL_EINVAL, "moment training needs the linear class (f = Ux, no bias)");
    if (ts->loss.kind != SPECL_LOSS_LAMBDA || !(ts->loss.lambda > 0))
        return specl_error(SPECL_EINVAL, "moment training needs the loss L_lambda with lambda > 0");
    if (ts->steps < 1) return specl_error(SPECL_EINVAL, "train.steps = %ld: expected at least 1", ts->steps);
    int k = m->k, d = m->d;
    double lam = ts->loss.lambda;
    double *u = malloc(sizeof(double) * (size_t)k * d), *us = malloc(sizeof(double) * (size_t)k * d);
    double *usd = malloc(sizeof(double) * (size_t)k * d), *g = malloc(sizeof(double) * (size_t)k * d);
    double *r = malloc(sizeof(double) * (size_t)k * k);
    specl_optimizer opt;
    int st = (!u || !us || !usd || !g || !r) ? specl_error(SPECL_ENOMEM, "moment training of a %dx%d model", k, d) : SPECL_OK;
    int have_opt = 0;
    if (!st) have_opt = !(st = specl_optimizer_init(&opt, &ts->opt, m->n_params));
    float *w = specl_model_weight(m, 0);
    for (long t = 0; t < ts->steps && !st; t++) {
        for (size_t i = 0; i < (size_t)k * d; i++) u[i] = w[i];
        /* us = UΣ, usd = UΣ_Δ (k,d); r = UΣUᵀ − I (k,k) */
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, k, d, d, 1.0, u, d, sigma, d, 0.0, us, d);
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, k, d, d, 1.0, u, d, sigma_delta, d, 0.0, usd, d);
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, k, k, d, 1.0, us, d, u, d, 0.0, r, k);
        double align = 0, reg = 0;
        for (size_t i = 0; i < (size_t)k * d; i++) align += usd[i] * u[i];
        for (int i = 0; i < k; i++) r[(size_t)i * k + i] -= 1.0;
        for (size_t i = 0; i < (size_t)k * k; i++) reg += r[i] * r[i];
        /* g = 2UΣ_Δ + 4λ r UΣ */
        for (size_t i = 0; i < (size_t)k * d; i++) g[i] = 2.0 * usd[i];
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, k, d, k, 4.0 * lam, r, k, us, d, 1.0, g, d);
        double gn = 0;
        for (size_t i = 0; i < (size_t)k * d; i++) { m->grads[i] = (float)g[i]; gn += g[i] * g[i]; }
        double loss = align + lam * reg;
        if (!isfinite(loss) || !isfinite(gn)) {
            st = specl_error(SPECL_ENUMERIC, "moment training: loss %g, gradient norm %g at step %ld (hint: lower train.lr)", loss, sqrt(gn), t);
            break;
        }
        double lr = specl_schedule_lr(&ts->opt, t, ts->steps);
        specl_optimizer_step(&opt, m->params, m->grads, lr);
        if (cb) {
            specl_step_info info = { t, ts->steps, loss, align, reg, sqrt(gn), lr };
            st = cb(&info, ctx);
        }
    }
    if (!st && !specl_all_finite(m->params, m->n_params))
        st = specl_error(SPECL_ENUMERIC, "moment training: parameters are not finite (hint: lower train.lr)");
    if (have_opt) specl_optimizer_free(&opt);
    free(u); free(us); free(usd); free(g); free(r);
    return st;
}
