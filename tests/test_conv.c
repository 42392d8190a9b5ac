/* Tests of the image layers and encoders (model/conv2d.c, model/layers_image.c,
 * model/classes_image.c, model/build.c, and their parts of model.c and model_io.c):
 *   conv2d forward against a direct convolution loop (3×3 pad 1, strides 1 and 2, 1×1 stride 2,
 *     odd and non-square images, bias);
 *   the direct small-window conv kernels against the im2col + sgemm path (forward to 1e-6, ∂W and
 *     ∂b to 1e-5 of their largest, ∂x bit-identical), and the conv fused with the maxpool after it
 *     against the two layers apart (values and argmax bit-identical, gradients to 1e-5);
 *   ∂/∂params of small layer graphs against central finite differences, per parameter: chains of
 *     convolutions (every stride and kernel, so each conv's input gradient is checked through the
 *     weights of the conv before it), average and global average pooling, batch norm in training
 *     mode (through the batch statistics) and in eval mode, on image and on dense inputs, residual
 *     adds (gradients of two consumers accumulate), max pooling and ReLU (inputs drawn away from
 *     ties and kinks);
 *   whole cnn (with and without batch norm) and resnet models on 8×8×2 images: the same check,
 *     where a parameter step may move a pre-activation across a ReLU kink among hundreds, so
 *     all but two and 10% of each layer's parameters must be within tolerance, with a small
 *     overall error per layer;
 *   layouts of the classes (layer shapes, parameter counts, skips, gradient buffers) and the He
 *     init of convolutions (variance 2·scale²/fan_in; batch norm gamma 1, beta 0, running 0/1);
 *   batch norm: training-mode output standardized per channel, running statistics after one
 *     step, eval mode with them, specl_model_apply in eval mode (mode restored);
 *   features, copy_backbone, save/load round trips (bit-identical outputs, running statistics),
 *     named errors for a mis-shaped, missing and unexpected tensor, the spec's error messages,
 *     and bit-identical gradients with 1 and 2 OpenMP threads. */
#include <cblas.h>
#include <math.h>
#include <omp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "specl/base.h"
#include "specl/model.h"
#include "../src/model/layers.h"
#include "check.h"

/* ---- helpers ---- */

static void randn_(specl_rng *r, float *x, size_t n, double sd) {
    for (size_t i = 0; i < n; i++) x[i] = (float)(sd * specl_rng_normal(r));
}

static double objective_(const float *out, const float *R, size_t n) {
    double s = 0;
    for (size_t i = 0; i < n; i++) s += (double)R[i] * out[i];
    return s;
}

static specl_model *finish_(specl_model *m, int max_n) {
    int st = m ? specl_model_finish_(m, max_n) : SPECL_EINVAL;
    CHECK_OK(st);
    if (st) { specl_model_free(m); return NULL; }
    return m;
}

/* He / dense init, then nonzero biases, betas and gammas ≠ 1 so that their gradients matter. */
static void init_random_(specl_model *m, specl_rng *r) {
    specl_model_init(m, 1.0, r);
    for (int i = 0; i < m->n_layers; i++) {
        const specl_layer *l = &m->layers[i];
        float *b = specl_model_bias(m, i);
        if (b) randn_(r, b, (size_t)l->oc, 0.3);
        if (l->kind == SPECL_LAYER_BATCHNORM)
            for (int c = 0; c < l->oc; c++) m->params[l->w + c] = (float)(1 + 0.3 * specl_rng_normal(r));
    }
}

/* Smallest distance of the last forward to a kink: |ReLU input| and, per maxpool window and
 * channel, the gap between the largest and second largest value (unless both are 0: dead
 * ReLUs, or the largest is <= 0 and a ReLU follows the pool: no gradient either way); -1 if fewer
 * than a quarter or more than three quarters of the units before the ReLUs are positive (a
 * margin bought with dead units), counting a ReLU after a maxpool (the cnn's order) on the
 * pool's inputs. */
/* The output of layer j of the last forward on x (-1: x); a conv fused with its maxpool never
 * writes its own, so it is computed into *tmp (freed by the caller). */
static const float *output_(specl_model *m, int j, int n, const float *x, float **tmp) {
    if (j < 0) return x;
    const specl_layer *c = &m->layers[j];
    if (!specl_conv2d_pooled_(m, c)) return m->acts + c->act;
    *tmp = malloc(sizeof(float) * (size_t)n * c->out);
    specl_conv2d_forward_(c, n, x, m->params + c->w, c->bias ? m->params + c->b : NULL, m->ws, NULL, *tmp);
    return *tmp;
}

static double kink_margin_(specl_model *m, int n, const float *x) {
    double mn = INFINITY;
    size_t on = 0, all = 0;
    float *tmp = NULL;
    for (int i = 0; i < m->n_layers; i++, free(tmp), tmp = NULL) {
        const specl_layer *l = &m->layers[i];
        const float *in = output_(m, l->src, n, x, &tmp);
        if (l->kind == SPECL_LAYER_RELU) {
            const specl_layer *p = l->src >= 0 && m->layers[l->src].kind == SPECL_LAYER_MAXPOOL ? &m->layers[l->src] : NULL;
            const float *u = p ? output_(m, p->src, n, x, &tmp) : in;
            for (size_t e = 0; e < (size_t)n * l->in; e++)
                if (fabs(in[e]) < mn) mn = fabs(in[e]);
            for (size_t e = 0; e < (size_t)n * (p ? p->in : l->in); e++, all++) on += u[e] > 0;
        }
        if (l->kind != SPECL_LAYER_MAXPOOL) continue;
        int relu_after = 0;
        for (int j = i + 1; j < m->n_layers; j++) relu_after |= m->layers[j].src == i && m->layers[j].kind == SPECL_LAYER_RELU;
        for (int r = 0; r < n; r++)
            for (int oy = 0; oy < l->oh; oy++)
                for (int ox = 0; ox < l->ow; ox++)
                    for (int c = 0; c < l->ic; c++) {
                        float v[4];
                        for (int q = 0; q < 4; q++)
                            v[q] = in[(size_t)r * l->in + ((size_t)(2 * oy + q / 2) * l->iw + 2 * ox + q % 2) * l->ic + c];
                        float a = -INFINITY, b = -INFINITY;
                        for (int q = 0; q < 4; q++) { if (v[q] > a) { b = a; a = v[q]; } else if (v[q] > b) b = v[q]; }
                        if (a == 0 && b == 0) continue;   /* dead ReLUs: no gradient either way */
                        if (relu_after && a <= 0) continue;
                        if (a - b < mn) mn = a - b;
                    }
    }
    return all && (4 * on < all || 4 * on > 3 * all) ? -1 : mn;
}

/* Draw x (n, d) up to `tries` times and keep the draw farthest from every kink. */
static void draw_inputs_(specl_model *m, int n, float *x, specl_rng *r, int tries) {
    float *best = malloc(sizeof(float) * (size_t)n * m->d), *out = malloc(sizeof(float) * (size_t)n * m->k);
    double bm = -INFINITY;   /* the first draw is kept even when every margin is -1 */
    for (int t = 0; t < tries; t++) {
        randn_(r, x, (size_t)n * m->d, 1.0);
        if (specl_model_forward(m, n, x, NULL, out)) break;
        double mg = kink_margin_(m, n, x);
        if (mg > bm) { bm = mg; memcpy(best, x, sizeof(float) * (size_t)n * m->d); }
    }
    memcpy(x, best, sizeof(float) * (size_t)n * m->d);
    free(best); free(out);
}

/* ∂(Σ R∘f)/∂params of backward against central differences, parameter by parameter, judged per
 * layer (scale |g| + 0.05·max |g| of the layer, relative tolerance 1e-2). strict (fourth-order
 * differences with step 1e-2, for graphs without kinks or far from them): every parameter
 * passes; else (step 2e-4) all but two and 10% of each layer's, counting a
 * difference within the float rounding of the outputs as a pass, and ‖g − fd‖ ≤ 0.05‖g‖ per
 * layer: for models with so many ReLU / max units that a step may cross a kink, which puts a
 * few parameters off by 1-5% (a wrong gradient puts most of a layer off). */
static void grad_check_(specl_model *m, int n, const float *x, specl_rng *r, int strict, const char *name) {
    size_t nk = (size_t)n * m->k;
    float *out = malloc(sizeof(float) * nk), *R = malloc(sizeof(float) * nk), *g = malloc(sizeof(float) * m->n_params);
    double *fd = malloc(sizeof(double) * m->n_params);
    randn_(r, R, nk, 1.0);
    CHECK_OK(specl_model_forward(m, n, x, NULL, out));
    specl_model_zero_grad(m);
    CHECK_OK(specl_model_backward(m, R));
    memcpy(g, m->grads, sizeof(float) * m->n_params);
    const double h = strict ? 1e-2 : 2e-4;
    for (size_t p = 0; p < m->n_params; p++) {
        float v = m->params[p];
        double o[4];   /* objective at v + h, v − h, v + 2h, v − 2h (the last two only if strict) */
        for (int j = 0; j < (strict ? 4 : 2); j++) {
            m->params[p] = (float)(v + (j % 2 ? -1 : 1) * (j < 2 ? h : 2 * h));
            specl_model_forward(m, n, x, NULL, out);
            o[j] = objective_(out, R, nk);
        }
        m->params[p] = v;
        /* strict: the fourth-order central difference (smooth graphs, a step large against the
         * float rounding); else the second-order one with a small step */
        fd[p] = strict ? (8 * (o[0] - o[1]) - (o[2] - o[3])) / (12 * h) : (o[0] - o[1]) / (2 * h);
    }
    /* non-strict: also forgive the rounding of the float outputs, ≈ 2⁻²³·Σ|R∘f|/h per difference */
    double floor = 0;
    if (!strict) {
        CHECK_OK(specl_model_forward(m, n, x, NULL, out));
        for (size_t e = 0; e < nk; e++) floor += fabs((double)R[e] * out[e]);
        floor *= 0x1p-23 / h;
    }
    for (int i = 0; i < m->n_layers; i++) {
        const specl_layer *l = &m->layers[i];
        size_t lo = l->w, hi = l->b + (l->bias ? (size_t)l->oc : 0), bad = 0;
        if (hi == lo) continue;
        double gmax = 0, e2 = 0, g2 = 0;
        for (size_t p = lo; p < hi; p++) if (fabs(g[p]) > gmax) gmax = fabs(g[p]);
        for (size_t p = lo; p < hi; p++) {
            double err = fabs(fd[p] - g[p]), rel = err / (fabs(g[p]) + 0.05 * gmax);
            e2 += (fd[p] - g[p]) * (fd[p] - g[p]);
            g2 += (double)g[p] * g[p];
            if (!(rel <= 1e-2) && !(err <= floor)) {
                if (bad < 3 && strict)
                    fprintf(stderr, "  %s layer %d: grad[%zu] = %.7g, finite difference %.7g\n", name, i, p, g[p], fd[p]);
                bad++;
            }
        }
        int ok = strict ? bad == 0 : bad <= 2 + (hi - lo) / 10 && sqrt(e2) <= 0.05 * sqrt(g2) + floor;
        if (!ok) fprintf(stderr, "  %s layer %d (kind %d): %zu of %zu parameters off, relative error %.3g\n", name, i, l->kind,
                         bad, hi - lo, sqrt(e2 / (g2 > 0 ? g2 : 1)));
        CHECK(ok);
        CHECK(gmax > 0);   /* every layer with parameters receives a gradient */
    }
    free(out); free(R); free(g); free(fd);
}

/* A custom model on (h, w, c) images built by `build`, randomized, checked on n rows. */
static void check_graph_(int h, int w, int c, int n, void (*build)(specl_model *), int strict, int tries, uint64_t seed,
                         const char *name) {
    specl_model *m = NULL;
    CHECK_OK(specl_model_new_(h, w, c, &m));
    if (!m) return;
    build(m);
    if (!(m = finish_(m, n))) return;
    specl_rng r;
    specl_rng_seed(&r, seed);
    init_random_(m, &r);
    float *x = malloc(sizeof(float) * (size_t)n * m->d);
    draw_inputs_(m, n, x, &r, tries);
    grad_check_(m, n, x, &r, strict, name);
    free(x);
    specl_model_free(m);
}

/* ---- conv2d forward against a direct loop ---- */

static void conv_direct_(const specl_layer *l, const float *W, const float *b, int n, const float *x, double *y) {
    for (int i = 0; i < n; i++)
        for (int oy = 0; oy < l->oh; oy++)
            for (int ox = 0; ox < l->ow; ox++)
                for (int o = 0; o < l->oc; o++) {
                    double s = b ? b[o] : 0;
                    for (int ky = 0; ky < l->kh; ky++)
                        for (int kx = 0; kx < l->kw; kx++) {
                            int iy = oy * l->stride - l->pad + ky, ix = ox * l->stride - l->pad + kx;
                            if (iy < 0 || iy >= l->ih || ix < 0 || ix >= l->iw) continue;
                            for (int c = 0; c < l->ic; c++)
                                s += (double)W[((size_t)(o * l->kh + ky) * l->kw + kx) * l->ic + c] *
                                     x[(size_t)i * l->in + ((size_t)iy * l->iw + ix) * l->ic + c];
                        }
                    y[(size_t)i * l->out + ((size_t)oy * l->ow + ox) * l->oc + o] = s;
                }
}

TEST(conv_forward_direct) {
    const struct { int h, w, c, oc, k, s, bias, oh, ow; } cases[] = {
        { 5, 7, 3, 4, 3, 1, 1, 5, 7 }, { 5, 7, 3, 4, 3, 2, 0, 3, 4 }, { 8, 8, 2, 5, 3, 2, 1, 4, 4 },
        { 5, 7, 3, 4, 1, 2, 1, 3, 4 }, { 6, 6, 2, 3, 1, 1, 1, 6, 6 } };
    specl_rng r;
    specl_rng_seed(&r, 501);
    for (size_t t = 0; t < sizeof cases / sizeof *cases; t++) {
        specl_model *m = NULL;
        CHECK_OK(specl_model_new_(cases[t].h, cases[t].w, cases[t].c, &m));
        if (!m) return;
        specl_add_conv2d_(m, -1, cases[t].oc, cases[t].k, cases[t].s, cases[t].bias);
        if (!(m = finish_(m, 3))) return;
        const specl_layer *l = &m->layers[0];
        CHECK(l->oh == cases[t].oh && l->ow == cases[t].ow && l->pad == cases[t].k / 2);
        init_random_(m, &r);
        int n = 3;
        float *x = malloc(sizeof(float) * n * m->d), *y = malloc(sizeof(float) * n * m->k);
        double *ref = malloc(sizeof(double) * n * m->k);
        randn_(&r, x, (size_t)n * m->d, 1.0);
        CHECK_OK(specl_model_forward(m, n, x, NULL, y));
        conv_direct_(l, specl_model_weight(m, 0), specl_model_bias(m, 0), n, x, ref);
        for (int e = 0; e < n * m->k; e++) CHECK_NEAR(y[e], ref[e], 1e-5 * (1 + fabs(ref[e])));
        free(x); free(y); free(ref);
        specl_model_free(m);
    }
}

/* ---- the direct small-window kernels against the im2col path ---- */

static double max_abs_(const float *a, size_t len) {
    double mx = 0;
    for (size_t e = 0; e < len; e++) if (fabs(a[e]) > mx) mx = fabs(a[e]);
    return mx;
}

/* every element of a within tol·(scale + |b|) of b */
static int close_(const float *a, const float *b, size_t len, double tol, double scale) {
    int ok = 1;
    for (size_t e = 0; e < len; e++) ok &= fabs((double)a[e] - b[e]) <= tol * (scale + fabs(b[e]));
    return ok;
}

TEST(conv_small_vs_im2col) {
    /* the cnn's first conv (two gradient blocks), RGB 3×3 stride 2 with 20 channels (a partial
     * block), 5×5 pad 2 on one channel, 2 channels to 17 */
    const struct { int h, w, c, oc, k, s, bias; } cases[] = {
        { 28, 28, 1, 32, 3, 1, 1 }, { 9, 7, 3, 20, 3, 2, 0 }, { 6, 6, 1, 5, 5, 1, 1 }, { 5, 5, 2, 17, 3, 1, 1 } };
    specl_rng r;
    specl_rng_seed(&r, 531);
    for (size_t t = 0; t < sizeof cases / sizeof *cases; t++) {
        specl_model *m = NULL;
        CHECK_OK(specl_model_new_(cases[t].h, cases[t].w, cases[t].c, &m));
        if (!m) return;
        specl_add_conv2d_(m, -1, cases[t].oc, cases[t].k, cases[t].s, cases[t].bias);
        int n = 5;
        if (!(m = finish_(m, n))) return;
        const specl_layer *l = &m->layers[0];
        size_t K = (size_t)l->kh * l->kw * l->ic, nx = (size_t)n * l->in, ny = (size_t)n * l->out, nw = (size_t)l->oc * K;
        float *x = malloc(sizeof(float) * nx), *dy = malloc(sizeof(float) * ny), *w = malloc(sizeof(float) * nw);
        float *b = malloc(sizeof(float) * l->oc), *y[2], *gw[2], *gb[2], *dx[2];
        float *ws = malloc(sizeof(float) * n * l->oh * l->ow * K);
        double *red = malloc(sizeof(double) * n * l->oc);
        randn_(&r, x, nx, 1.0); randn_(&r, dy, ny, 1.0); randn_(&r, w, nw, 0.3); randn_(&r, b, l->oc, 0.3);
        for (int v = 0; v < 2; v++) {   /* v = 0: the direct path the model takes; 1: im2col */
            y[v] = malloc(sizeof(float) * ny); dx[v] = malloc(sizeof(float) * nx);
            gw[v] = calloc(nw, sizeof(float)); gb[v] = calloc(l->oc, sizeof(float));
            const float *bb = cases[t].bias ? b : NULL;
            float *gbb = cases[t].bias ? gb[v] : NULL;
            if (v == 0) {
                specl_conv2d_forward_(l, n, x, w, bb, ws, NULL, y[v]);
                specl_conv2d_backward_(l, n, x, w, dy, ws, NULL, red, gw[v], gbb, dx[v], 0);
            } else {
                specl_conv2d_im2col_forward_(l, n, x, w, bb, ws, y[v]);
                specl_conv2d_im2col_backward_(l, n, x, w, dy, ws, red, gw[v], gbb, dx[v], 0);
            }
        }
        CHECK(close_(y[0], y[1], ny, 1e-6, 1));
        CHECK(close_(gw[0], gw[1], nw, 1e-5, max_abs_(gw[1], nw)));
        CHECK(close_(gb[0], gb[1], l->oc, 1e-5, max_abs_(gb[1], l->oc)));
        CHECK(memcmp(dx[0], dx[1], sizeof(float) * nx) == 0);   /* the same ∂cols + col2im */
        for (int v = 0; v < 2; v++) { free(y[v]); free(dx[v]); free(gw[v]); free(gb[v]); }
        free(x); free(dy); free(w); free(b); free(ws); free(red);
        specl_model_free(m);
    }
}

/* conv (model input, small window) -> maxpool -> ReLU -> dense: the conv and the pool run as one
 * kernel; against the conv's own forward and specl_maxpool_forward_ / _backward_ */
TEST(conv_pool_fused) {
    const struct { int h, w, c, oc; } cases[] = { { 28, 28, 1, 32 }, { 7, 9, 3, 20 } };   /* odd sizes: a dropped row, column */
    specl_rng r;
    specl_rng_seed(&r, 532);
    for (size_t t = 0; t < sizeof cases / sizeof *cases; t++) {
        specl_model *m = NULL;
        CHECK_OK(specl_model_new_(cases[t].h, cases[t].w, cases[t].c, &m));
        if (!m) return;
        int a = specl_add_conv2d_(m, -1, cases[t].oc, 3, 1, 1);
        a = specl_add_relu_(m, specl_add_pool_(m, a, SPECL_LAYER_MAXPOOL));
        specl_add_dense_(m, a, 3, 1);
        int n = 4;
        if (!(m = finish_(m, n))) return;
        const specl_layer *l = &m->layers[0], *p = &m->layers[1];
        CHECK(specl_conv2d_pooled_(m, l) && !specl_conv2d_pooled_(m, &m->layers[3]));
        size_t nx = (size_t)n * l->in, nz = (size_t)n * l->out, np = (size_t)n * p->out, nw = (size_t)l->oc * 9 * l->ic;
        float *x = malloc(sizeof(float) * nx), *w = malloc(sizeof(float) * nw), *b = malloc(sizeof(float) * l->oc);
        float *z = malloc(sizeof(float) * nz), *dz = malloc(sizeof(float) * nz), *dy = malloc(sizeof(float) * np);
        float *y[2], *gw[2], *gb[2];
        unsigned char *arg[2];
        randn_(&r, x, nx, 1.0); randn_(&r, w, nw, 0.3); randn_(&r, b, l->oc, 0.3); randn_(&r, dy, np, 1.0);
        for (int v = 0; v < 2; v++) {
            y[v] = malloc(sizeof(float) * np); arg[v] = malloc(np);
            gw[v] = calloc(nw, sizeof(float)); gb[v] = calloc(l->oc, sizeof(float));
        }
        specl_conv2d_pool_forward_(l, p, n, x, w, b, y[0], arg[0]);
        specl_conv2d_pool_backward_(l, p, n, x, dy, arg[0], gw[0], gb[0]);
        specl_conv2d_forward_(l, n, x, w, b, m->ws, NULL, z);
        specl_maxpool_forward_(p, n, z, y[1], arg[1]);
        specl_maxpool_backward_(p, n, dy, arg[1], dz, 0);
        specl_conv2d_backward_(l, n, x, w, dz, m->ws, NULL, m->red, gw[1], gb[1], NULL, 0);
        CHECK(memcmp(y[0], y[1], sizeof(float) * np) == 0 && memcmp(arg[0], arg[1], np) == 0);
        CHECK(close_(gw[0], gw[1], nw, 1e-5, max_abs_(gw[1], nw)));
        CHECK(close_(gb[0], gb[1], l->oc, 1e-5, max_abs_(gb[1], l->oc)));
        for (int v = 0; v < 2; v++) { free(y[v]); free(arg[v]); free(gw[v]); free(gb[v]); }
        free(x); free(w); free(b); free(z); free(dz); free(dy);
        specl_model_free(m);
    }
}

/* ---- gradients of small graphs ---- */

/* conv 3×3 s1 (bias) -> conv 3×3 s2 -> conv 1×1 s2 (bias) -> conv 1×1 s1 -> dense: linear, so exact */
static void build_convs_(specl_model *m) {
    int t = specl_add_conv2d_(m, -1, 3, 3, 1, 1);
    t = specl_add_conv2d_(m, t, 4, 3, 2, 0);
    t = specl_add_conv2d_(m, t, 3, 1, 2, 1);
    t = specl_add_conv2d_(m, t, 2, 1, 1, 0);
    specl_add_dense_(m, t, 3, 1);
}
TEST(grad_conv2d) { check_graph_(7, 6, 2, 3, build_convs_, 1, 1, 511, "convs"); }

static void build_pools_(specl_model *m) {
    int t = specl_add_conv2d_(m, -1, 3, 3, 1, 1);
    t = specl_add_pool_(m, t, SPECL_LAYER_AVGPOOL);
    t = specl_add_conv2d_(m, t, 2, 3, 1, 0);
    t = specl_add_pool_(m, t, SPECL_LAYER_GAP);
    specl_add_dense_(m, t, 3, 1);
}
TEST(grad_avgpool_gap) { check_graph_(6, 5, 2, 3, build_pools_, 1, 1, 512, "avgpool+gap"); }

static void build_maxpool_relu_(specl_model *m) {
    int t = specl_add_conv2d_(m, -1, 2, 3, 1, 1);
    t = specl_add_pool_(m, t, SPECL_LAYER_MAXPOOL);
    t = specl_add_conv2d_(m, t, 2, 1, 1, 1);
    t = specl_add_relu_(m, t);
    specl_add_dense_(m, t, 3, 1);
}
TEST(grad_maxpool_relu) { check_graph_(4, 5, 2, 3, build_maxpool_relu_, 1, 200, 519, "maxpool+relu"); }

/* BN in training mode on images (convs without bias before BN) and, in a second graph, on a
 * dense layer's output (per feature over the n rows) */
static void build_bn_(specl_model *m) {
    int t = specl_add_conv2d_(m, -1, 3, 3, 1, 0);
    t = specl_add_batchnorm_(m, t);
    t = specl_add_conv2d_(m, t, 2, 3, 2, 0);
    t = specl_add_batchnorm_(m, t);
    specl_add_dense_(m, t, 3, 1);
}
static void build_bn_dense_(specl_model *m) {
    int t = specl_add_dense_(m, -1, 5, 0);
    t = specl_add_batchnorm_(m, t);
    specl_add_dense_(m, t, 3, 1);
}
TEST(grad_batchnorm_train) {
    check_graph_(5, 4, 2, 4, build_bn_, 1, 1, 514, "batchnorm");
    check_graph_(1, 1, 6, 5, build_bn_dense_, 1, 1, 517, "batchnorm dense");
}

TEST(grad_batchnorm_eval) {
    specl_model *m = NULL;
    CHECK_OK(specl_model_new_(5, 4, 2, &m));
    if (!m) return;
    build_bn_(m);
    if (!(m = finish_(m, 4))) return;
    specl_rng r;
    specl_rng_seed(&r, 515);
    init_random_(m, &r);
    for (int i = 0; i < m->n_layers; i++)   /* nontrivial running statistics */
        if (m->layers[i].kind == SPECL_LAYER_BATCHNORM)
            for (int c = 0; c < m->layers[i].oc; c++) {
                m->buffers[m->layers[i].run + c] = (float)(0.3 * specl_rng_normal(&r));
                m->buffers[m->layers[i].run + m->layers[i].oc + c] = (float)(0.5 + specl_rng_uniform(&r));
            }
    specl_model_set_training(m, 0);
    CHECK(!specl_model_is_training(m));
    float x[4 * 40];
    randn_(&r, x, (size_t)4 * m->d, 1.0);
    grad_check_(m, 4, x, &r, 1, "batchnorm eval");
    specl_model_free(m);
}

/* two residual adds: a skip over two convs, and an add of the input-fed conv with itself via
 * another path; the first conv's output has three consumers */
static void build_add_(specl_model *m) {
    int a = specl_add_conv2d_(m, -1, 3, 3, 1, 1);
    int b = specl_add_conv2d_(m, a, 3, 3, 1, 0);
    int c = specl_add_conv2d_(m, b, 3, 1, 1, 1);
    int s = specl_add_add_(m, c, a);
    int d = specl_add_conv2d_(m, a, 3, 3, 1, 0);
    int t = specl_add_add_(m, s, d);
    t = specl_add_add_(m, t, t);
    specl_add_dense_(m, t, 2, 1);
}
TEST(grad_residual_add) {
    check_graph_(4, 4, 2, 3, build_add_, 1, 1, 516, "add");
    specl_model *m = NULL;
    CHECK_OK(specl_model_new_(4, 4, 2, &m));
    if (!m) return;
    build_add_(m);
    if ((m = finish_(m, 3))) { CHECK(m->n_slots == 3); specl_model_free(m); }
}

/* ---- whole classes ---- */

static specl_model *make_(const char *cls, int h, int w, int c, int k, int depth, int channels, int blocks, int bn, int max_n) {
    specl_model_spec ms = { cls, h * w * c, k, depth, 0, 0, 1.0, 0, 0, h, w, c, channels, blocks, bn };
    specl_model *m = NULL;
    CHECK_OK(specl_model_create(&ms, max_n, &m));
    return m;
}

static void check_class_(specl_model *m, int n, uint64_t seed, const char *name) {
    if (!m) return;
    specl_rng r;
    specl_rng_seed(&r, seed);
    init_random_(m, &r);
    float *x = malloc(sizeof(float) * (size_t)n * m->d);
    draw_inputs_(m, n, x, &r, 20);
    grad_check_(m, n, x, &r, 0, name);
    free(x);
    specl_model_free(m);
}

TEST(grad_cnn) { check_class_(make_("cnn", 8, 8, 2, 3, 2, 3, 0, 0, 4), 4, 521, "cnn"); }
TEST(grad_cnn_bn) { check_class_(make_("cnn", 8, 8, 2, 3, 2, 2, 0, 1, 4), 4, 522, "cnn bn"); }
TEST(grad_resnet) { check_class_(make_("resnet", 8, 8, 2, 3, 0, 2, 1, 0, 3), 3, 523, "resnet"); }

TEST(class_layouts) {
    specl_model *m = make_("cnn", 28, 28, 1, 128, 2, 32, 0, 0, 2);
    if (m) {
        CHECK(m->n_layers == 7 && m->layers[6].kind == SPECL_LAYER_DENSE && m->layers[6].in == 3136);
        CHECK(m->n_params == (size_t)(9 * 32 + 32 + 9 * 32 * 64 + 64 + 3136 * 128 + 128));
        CHECK(specl_model_feature_dim(m) == 3136 && strstr(specl_model_feature_name(m), "conv block 2") &&
              strstr(specl_model_feature_name(m), "3136"));
        CHECK(!specl_model_is_affine(m) && !specl_model_is_table(m) && specl_model_is_training(m));
        specl_model_free(m);
    }
    m = make_("cnn", 28, 28, 1, 8, 2, 32, 0, 1, 2);   /* init: He for convs, identity BN */
    if (m) {
        specl_rng r;
        specl_rng_seed(&r, 528);
        specl_model_init(m, 1.5, &r);
        const float *w = specl_model_weight(m, 4);   /* conv(32 -> 64): fan_in 288 */
        size_t cnt = 64 * 9 * 32;
        double s2 = 0;
        for (size_t i = 0; i < cnt; i++) s2 += (double)w[i] * w[i];
        CHECK(m->layers[4].kind == SPECL_LAYER_CONV2D && m->layers[4].bias == 0);
        CHECK_NEAR(s2 / cnt, 2 * 1.5 * 1.5 / 288, 5 * sqrt(2.0 / cnt) * 2 * 1.5 * 1.5 / 288);
        int bn_ok = 1;
        for (int c = 0; c < 64; c++)
            bn_ok &= m->params[m->layers[5].w + c] == 1 && m->params[m->layers[5].b + c] == 0 &&
                     m->buffers[m->layers[5].run + c] == 0 && m->buffers[m->layers[5].run + 64 + c] == 1;
        CHECK(bn_ok);
        specl_model_free(m);
    }
    m = make_("cnn", 16, 8, 3, 5, 3, 4, 0, 1, 2);   /* bn: conv without bias, then BN */
    if (m) {
        CHECK(m->n_layers == 13 && m->layers[0].bias == 0 && m->layers[1].kind == SPECL_LAYER_BATCHNORM);
        CHECK(m->layers[11].oh == 2 && m->layers[11].ow == 1 && m->layers[11].oc == 16 && m->n_buffers == 2 * (4 + 8 + 16));
        specl_model_free(m);
    }
    /* resnet on 7×7: stride 2 gives 4×4 then 2×2; 3 + 7 + 9 + 9 + GAP + dense layers */
    m = make_("resnet", 7, 7, 3, 6, 0, 4, 1, 0, 2);
    if (m) {
        CHECK(m->n_layers == 30 && m->layers[29].in == 16 && specl_model_feature_dim(m) == 16);
        CHECK(m->layers[28].kind == SPECL_LAYER_GAP && m->layers[28].ih == 2 && m->layers[28].iw == 2);
        int skips = 0;
        for (int i = 0; i < m->n_layers; i++)
            if (m->layers[i].kind == SPECL_LAYER_CONV2D && m->layers[i].kh == 1) {
                skips++;
                CHECK(m->layers[i].stride == 2 && m->layers[i].bias == 0);
            }
        CHECK(skips == 2 && m->n_slots == 3);
        CHECK(strstr(specl_model_feature_name(m), "average pool") != NULL);
        specl_model_free(m);
    }
    m = make_("resnet", 8, 8, 1, 2, 0, 2, 3, 0, 2);
    if (m) { CHECK(m->n_layers == 3 + 3 * 3 * 7 + 2 * 2 + 2); specl_model_free(m); }
}

/* ---- batch norm statistics and modes ---- */

TEST(batchnorm_modes) {
    specl_model *m = make_("cnn", 4, 4, 2, 3, 1, 3, 0, 1, 6);
    if (!m) return;
    specl_rng r;
    specl_rng_seed(&r, 531);
    specl_model_init(m, 1.0, &r);
    const int n = 6, C = 3, P = 16;
    float x[6 * 32], out[6 * 3], ev[6 * 3], ap[6 * 3];
    randn_(&r, x, (size_t)n * m->d, 2.0);
    for (int e = 0; e < n * m->d; e++) x[e] += 1.5f;
    CHECK_OK(specl_model_forward(m, n, x, NULL, out));
    const specl_layer *cv = &m->layers[0], *bn = &m->layers[1];
    const float *z = m->acts + cv->act, *y = m->acts + bn->act;
    for (int c = 0; c < C; c++) {   /* training: standardized with the batch statistics */
        double s = 0, s2 = 0, zs = 0, zs2 = 0;
        for (int p = 0; p < n * P; p++) {
            s += y[p * C + c]; s2 += (double)y[p * C + c] * y[p * C + c];
            zs += z[p * C + c]; zs2 += (double)z[p * C + c] * z[p * C + c];
        }
        double M = n * P, mu = zs / M, var = zs2 / M - mu * mu;
        CHECK_NEAR(s / M, 0, 1e-5);
        CHECK_NEAR(s2 / M, var / (var + 1e-5), 1e-4);
        CHECK_NEAR(m->buffers[bn->run + c], 0.1 * mu, 1e-5 * (1 + fabs(mu)));
        CHECK_NEAR(m->buffers[bn->run + C + c], 0.9 + 0.1 * var * M / (M - 1), 1e-5 * (1 + var));
    }
    /* eval: the running statistics; apply evaluates in eval mode and restores training mode */
    specl_model_set_training(m, 0);
    CHECK_OK(specl_model_forward(m, n, x, NULL, ev));
    int same = 1;
    for (int e = 0; e < n * 3; e++) same &= ev[e] == out[e];
    CHECK(!same);
    for (int c = 0; c < C; c++) {
        double rm = m->buffers[bn->run + c], rv = m->buffers[bn->run + C + c], g = m->params[bn->w + c], b = m->params[bn->b + c];
        for (int p = 0; p < n * P; p += 7)
            CHECK_NEAR(y[p * C + c], g * (z[p * C + c] - rm) / sqrt(rv + 1e-5) + b, 1e-4);
    }
    float rs[2 * 3];
    memcpy(rs, m->buffers, sizeof rs);
    specl_model_set_training(m, 1);
    CHECK_OK(specl_model_apply(m, n, x, NULL, ap));
    CHECK(memcmp(ap, ev, sizeof ev) == 0 && specl_model_is_training(m));
    CHECK(memcmp(rs, m->buffers, sizeof rs) == 0);   /* apply does not move the running statistics */
    float f1[6 * 12], f2[6 * 12];
    CHECK(specl_model_feature_dim(m) == 12);
    CHECK_OK(specl_model_apply_features(m, n, x, NULL, f1));
    specl_model_set_training(m, 0);
    CHECK_OK(specl_model_forward(m, n, x, NULL, ev));
    memcpy(f2, m->acts + m->layers[3].act, sizeof f2);
    CHECK(memcmp(f1, f2, sizeof f1) == 0);
    specl_model_free(m);
}

/* ---- features of the other classes ---- */

TEST(features_all_classes) {
    specl_rng r;
    specl_rng_seed(&r, 541);
    float x[5 * 6], f[5 * 8], out[5 * 8];
    randn_(&r, x, 30, 1.0);
    specl_model_spec lin = { "linear", 6, 3, 0, 0, 0, 1.0 }, mlp = { "mlp", 6, 3, 2, 8, 0, 1.0 }, relu = { "relu1", 6, 4, 0, 0, 0, 1.0 };
    specl_model *m = NULL;
    CHECK_OK(specl_model_create(&lin, 2, &m));
    if (m) {
        specl_model_init(m, 1.0, &r);
        CHECK(specl_model_feature_dim(m) == 6 && strstr(specl_model_feature_name(m), "input"));
        CHECK_OK(specl_model_apply_features(m, 5, x, NULL, f));
        CHECK(memcmp(f, x, sizeof(float) * 30) == 0);
        specl_model_free(m);
    }
    CHECK_OK(specl_model_create(&mlp, 2, &m));
    if (m) {
        specl_model_init(m, 1.0, &r);
        CHECK(specl_model_feature_dim(m) == 8 && strstr(specl_model_feature_name(m), "ReLU layer 2"));
        CHECK_OK(specl_model_apply_features(m, 5, x, NULL, f));
        CHECK_OK(specl_model_forward(m, 1, x + 4 * 6, NULL, out));
        CHECK(memcmp(f + 4 * 8, m->acts + m->layers[3].act, sizeof(float) * 8) == 0);
        specl_model_free(m);
    }
    CHECK_OK(specl_model_create(&relu, 2, &m));
    if (m) {
        specl_model_init(m, 1.0, &r);
        CHECK(specl_model_feature_dim(m) == 4);
        CHECK_OK(specl_model_apply_features(m, 5, x, NULL, f));
        CHECK_OK(specl_model_apply(m, 5, x, NULL, out));
        CHECK(memcmp(f, out, sizeof(float) * 20) == 0);
        specl_model_free(m);
    }
}

/* ---- copy_backbone ---- */

TEST(copy_backbone) {
    specl_model *a = make_("cnn", 8, 8, 1, 4, 2, 2, 0, 1, 5), *b = make_("cnn", 8, 8, 1, 9, 2, 2, 0, 1, 5);
    specl_model *c = make_("cnn", 8, 8, 1, 9, 2, 3, 0, 1, 5), *d = make_("resnet", 8, 8, 1, 4, 0, 2, 1, 0, 5);
    specl_model_spec rs = { "relu1", 64, 4, 0, 0, 0, 1.0 };
    specl_model *e = NULL;
    CHECK_OK(specl_model_create(&rs, 2, &e));
    if (a && b && c && d && e) {
        specl_rng r;
        specl_rng_seed(&r, 551);
        init_random_(a, &r);
        init_random_(b, &r);
        float x[5 * 64], fa[5 * 16], fb[5 * 16], out[5 * 9];
        randn_(&r, x, sizeof x / sizeof *x, 1.0);
        CHECK_OK(specl_model_forward(a, 5, x, NULL, out));   /* running statistics move */
        CHECK_OK(specl_model_copy_backbone(b, a));
        CHECK(memcmp(a->buffers, b->buffers, sizeof(float) * a->n_buffers) == 0);
        CHECK(specl_model_feature_dim(a) == 16 && specl_model_feature_dim(b) == 16);
        CHECK_OK(specl_model_apply_features(a, 5, x, NULL, fa));
        CHECK_OK(specl_model_apply_features(b, 5, x, NULL, fb));
        CHECK(memcmp(fa, fb, sizeof fa) == 0);
        const float *wa = specl_model_weight(a, a->n_layers - 1), *wb = specl_model_weight(b, b->n_layers - 1);
        CHECK(wa[0] != wb[0]);   /* the head is not copied */
        specl_error_clear();
        CHECK(specl_model_copy_backbone(c, a) == SPECL_EINVAL && strstr(specl_error_detail(), "layer 0"));
        CHECK(specl_model_copy_backbone(d, a) == SPECL_EINVAL && strstr(specl_error_detail(), "layers"));
        CHECK(specl_model_copy_backbone(a, e) == SPECL_EINVAL && strstr(specl_error_detail(), "no final dense projection"));
    }
    specl_model_free(a); specl_model_free(b); specl_model_free(c); specl_model_free(d); specl_model_free(e);
}

/* ---- files ---- */

static char tmpdir_[256];

static const char *tmp_path_(const char *name) {
    static char p[512];
    if (!tmpdir_[0]) {
        snprintf(tmpdir_, sizeof tmpdir_, "/tmp/specl-test-conv-XXXXXX");
        if (!mkdtemp(tmpdir_)) { tmpdir_[0] = 0; return NULL; }
    }
    snprintf(p, sizeof p, "%s/%s", tmpdir_, name);
    return p;
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

/* Save after a few training forwards (running statistics away from their init), load, compare. */
static void round_trip_(const char *cls, int channels, int blocks, int bn, const char *file) {
    specl_model_spec ms = { cls, 8 * 8 * 2, 5, 2, 0, 0, 1.0, 0, 0, 8, 8, 2, channels, blocks, bn };
    specl_model *m = NULL, *l = NULL;
    CHECK_OK(specl_model_create(&ms, 4, &m));
    const char *path = tmp_path_(file);
    if (!m || !path) { specl_model_free(m); return; }
    specl_rng r;
    specl_rng_seed(&r, 561);
    init_random_(m, &r);
    float x[4 * 128], a[4 * 5], b[4 * 5];
    for (int it = 0; it < 3; it++) { randn_(&r, x, sizeof x / sizeof *x, 1.0); CHECK_OK(specl_model_forward(m, 4, x, NULL, a)); }
    CHECK_OK(specl_model_save(m, &ms, path));
    specl_model_spec ls;
    CHECK_OK(specl_model_load(path, 4, &l, &ls));
    if (l) {
        CHECK(strcmp(ls.cls, cls) == 0 && ls.h == 8 && ls.w == 8 && ls.c == 2 && ls.channels == channels);
        CHECK(ls.blocks == (strcmp(cls, "resnet") == 0 ? blocks : 0) && ls.bn == (strcmp(cls, "cnn") == 0 ? bn : 0));
        CHECK(l->n_params == m->n_params && memcmp(l->params, m->params, sizeof(float) * m->n_params) == 0);
        CHECK(l->n_buffers == m->n_buffers && memcmp(l->buffers, m->buffers, sizeof(float) * m->n_buffers) == 0);
        CHECK_OK(specl_model_apply(m, 4, x, NULL, a));
        CHECK_OK(specl_model_apply(l, 4, x, NULL, b));
        CHECK(memcmp(a, b, sizeof a) == 0);
    }
    specl_model_free(l);
    specl_model_free(m);
}

TEST(io_round_trip) {
    round_trip_("cnn", 3, 0, 1, "cnn.safetensors");
    round_trip_("cnn", 2, 0, 0, "cnn0.safetensors");
    round_trip_("resnet", 2, 1, 0, "resnet.safetensors");
    if (tmpdir_[0]) { remove(tmp_path_("cnn.safetensors")); remove(tmp_path_("cnn0.safetensors")); remove(tmp_path_("resnet.safetensors")); }
}

/* model.head: dense (→ head) ReLU dense (→ k) after the backbone; the features are the hidden layer;
 * gradients check; the field survives a save/load round trip; a negative width is refused. */
TEST(projection_head) {
    specl_model_spec ms = { "cnn", 8 * 8 * 2, 3, 2, 0, 0, 1.0, 0, 0, 8, 8, 2, 2, 0, 0, 6 };
    specl_model *m = NULL, *l = NULL;
    CHECK_OK(specl_model_create(&ms, 4, &m));
    if (!m) return;
    CHECK(specl_model_feature_dim(m) == 6 && strstr(specl_model_feature_name(m), "projection head (6)") != NULL);
    const char *path = tmp_path_("head.safetensors");
    specl_rng r;
    specl_rng_seed(&r, 77);
    init_random_(m, &r);
    float x[4 * 128], a[4 * 3], b[4 * 3];
    randn_(&r, x, sizeof x / sizeof *x, 1.0);
    CHECK_OK(specl_model_save(m, &ms, path));
    specl_model_spec ls;
    CHECK_OK(specl_model_load(path, 4, &l, &ls));
    CHECK(l && ls.head == 6);
    if (l) {
        CHECK_OK(specl_model_apply(m, 4, x, NULL, a));
        CHECK_OK(specl_model_apply(l, 4, x, NULL, b));
        CHECK(memcmp(a, b, sizeof a) == 0);
    }
    specl_model_free(l);
    remove(path);
    check_class_(m, 4, 524, "cnn head");
    ms.head = -1;
    CHECK(specl_model_create(&ms, 4, &m) == SPECL_EINVAL && strstr(specl_error_detail(), "model.head = -1") != NULL);
}

/* A conv weight of the wrong shape and a renamed running statistic are named in the error. */
TEST(io_bad_tensors) {
    specl_model_spec ms = { "cnn", 4 * 4 * 1, 3, 1, 0, 0, 1.0, 0, 0, 4, 4, 1, 2, 0, 1 };
    specl_model *m = NULL, *l = NULL;
    CHECK_OK(specl_model_create(&ms, 2, &m));
    const char *p = tmp_path_("bad.safetensors");
    if (!m || !p) { specl_model_free(m); return; }
    char path[512];
    snprintf(path, sizeof path, "%s", p);
    specl_rng r;
    specl_rng_seed(&r, 571);
    specl_model_init(m, 1.0, &r);
    CHECK_OK(specl_model_save(m, &ms, path));
    char *buf = NULL;
    long len = 0;
    CHECK(read_all_(path, &buf, &len));
    char *shape = buf ? memmem(buf, (size_t)len, "\"layer0.weight\":{\"shape\":[2,3,3,1]", 34) : NULL;
    char *rm = buf ? memmem(buf, (size_t)len, "\"layer1.running_mean\"", 21) : NULL;
    CHECK(shape && rm);
    if (shape && rm) {
        memcpy(shape + 25, "[2,1,3,3]", 9);
        rm[19] = 'X';   /* "layer1.running_meaX" */
        CHECK(write_all_(path, buf, len));
        specl_model_spec ls;
        specl_error_clear();
        CHECK(specl_model_load(path, 2, &l, &ls) == SPECL_EFORMAT && l == NULL);
        const char *det = specl_error_detail();
        CHECK(strstr(det, "tensor 'layer0.weight' dimension 1 is not 3") != NULL);
        CHECK(strstr(det, "missing tensor 'layer1.running_mean'") != NULL);
        CHECK(strstr(det, "unexpected tensor 'layer1.running_meaX'") != NULL);
    }
    free(buf);
    remove(path);
    specl_model_free(m);
}

/* ---- errors ---- */

static void expect_einval_(const char *cls, int d, int h, int w, int c, int depth, int channels, int blocks, const char *msg) {
    specl_model_spec ms = { cls, d, 3, depth, 0, 0, 1.0, 0, 0, h, w, c, channels, blocks, 0 };
    specl_model *m = (specl_model *)1;
    specl_error_clear();
    CHECK(specl_model_create(&ms, 4, &m) == SPECL_EINVAL && m == NULL);
    if (!strstr(specl_error_detail(), msg)) {
        fprintf(stderr, "  detail '%s' lacks '%s'\n", specl_error_detail(), msg);
        CHECK(0);
    }
}

TEST(errors) {
    expect_einval_("cnn", 100, 8, 8, 1, 2, 4, 0, "image shape 8 x 8 x 1 = 64 values per row, but d = 100");
    expect_einval_("cnn", 64, 0, 8, 1, 2, 4, 0, "needs the image shape");
    expect_einval_("cnn", 6 * 8, 6, 8, 1, 2, 4, 0, "model.depth = 2: cnn halves the image 2 times, so the image size 6 x 8");
    expect_einval_("cnn", 64, 8, 8, 1, 0, 4, 0, "model.depth = 0");
    expect_einval_("cnn", 64, 8, 8, 1, 2, 0, 0, "model.channels = 0: expected 1 <= channels");
    expect_einval_("resnet", 64, 8, 8, 1, 0, -3, 1, "model.channels = -3");
    expect_einval_("resnet", 64, 8, 8, 1, 0, 4, 0, "model.blocks = 0");
    expect_einval_("resnet", 64, 8, 4, 1, 0, 4, 1, "but d = 64");
    specl_model *m = NULL;
    CHECK_OK(specl_model_new_(4, 4, 1, &m));
    if (m) {   /* a constructor failure is reported by finish, once */
        int a = specl_add_conv2d_(m, -1, 2, 3, 1, 0), b = specl_add_pool_(m, a, SPECL_LAYER_MAXPOOL);
        CHECK(specl_add_add_(m, a, b) == -1 && specl_add_relu_(m, 7) == -1);
        CHECK(specl_model_finish_(m, 2) == SPECL_EINVAL && strstr(specl_error_detail(), "add of shapes"));
        specl_model_free(m);
    }
}

/* ---- threads ---- */

/* forward + backward gradients are bit-identical with 1 and 2 OpenMP threads */
static void threads_(specl_model *m, int n, uint64_t seed) {
    if (!m) return;
    specl_rng r;
    specl_rng_seed(&r, seed);
    init_random_(m, &r);
    float *x = malloc(sizeof(float) * (size_t)n * m->d), *R = malloc(sizeof(float) * (size_t)n * m->k);
    float *o[2], *g[2];
    randn_(&r, x, (size_t)n * m->d, 1.0);
    randn_(&r, R, (size_t)n * m->k, 1.0);
    float *rs = malloc(sizeof(float) * (m->n_buffers + 1));
    memcpy(rs, m->buffers, sizeof(float) * m->n_buffers);
    for (int t = 0; t < 2; t++) {
        omp_set_num_threads(t + 1);
        memcpy(m->buffers, rs, sizeof(float) * m->n_buffers);
        o[t] = malloc(sizeof(float) * (size_t)n * m->k);
        g[t] = malloc(sizeof(float) * m->n_params);
        CHECK_OK(specl_model_forward(m, n, x, NULL, o[t]));
        specl_model_zero_grad(m);
        CHECK_OK(specl_model_backward(m, R));
        memcpy(g[t], m->grads, sizeof(float) * m->n_params);
    }
    CHECK(memcmp(o[0], o[1], sizeof(float) * (size_t)n * m->k) == 0);
    CHECK(memcmp(g[0], g[1], sizeof(float) * m->n_params) == 0);
    for (int t = 0; t < 2; t++) { free(o[t]); free(g[t]); }
    free(x); free(R); free(rs);
    specl_model_free(m);
}

TEST(threads_bit_identical) {
    openblas_set_num_threads(1);
    threads_(make_("cnn", 16, 16, 3, 8, 2, 8, 0, 1, 32), 32, 581);
    threads_(make_("resnet", 12, 12, 3, 8, 0, 4, 1, 0, 32), 32, 582);
    /* the bench's cnn: conv + pool fused with two gradient blocks, the second conv's kept columns */
    threads_(make_("cnn", 28, 28, 1, 16, 2, 32, 0, 0, 16), 16, 583);
    omp_set_num_threads(2);
}

static void cleanup_(void) { if (tmpdir_[0]) rmdir(tmpdir_); }

RUN_TESTS(
    RUN(conv_forward_direct); RUN(conv_small_vs_im2col); RUN(conv_pool_fused); RUN(grad_conv2d); RUN(grad_avgpool_gap); RUN(grad_maxpool_relu); RUN(grad_batchnorm_train);
    RUN(grad_batchnorm_eval); RUN(grad_residual_add); RUN(grad_cnn); RUN(grad_cnn_bn); RUN(grad_resnet); RUN(projection_head); RUN(class_layouts);
    RUN(batchnorm_modes); RUN(features_all_classes); RUN(copy_backbone); RUN(io_round_trip); RUN(io_bad_tensors); RUN(errors);
    RUN(threads_bit_identical); cleanup_()
)
