/* 2-D convolution over NHWC rows: im2col, then one cblas_sgemm over every output position of a
 * chunk of images (declared in layers.h).
 *
 * Weights are (oc, kh, kw, ic) row-major, i.e. (oc, K) with K = kh·kw·ic, and a column row holds
 * the window of one output position in the same (ky, kx, c) order, so
 *     forward   Y (rows, oc) = cols (rows, K) · Wᵀ          rows = images·oh·ow
 *     backward  ∂W (oc, K) += ∂Yᵀ · cols,   ∂cols (rows, K) = ∂Y · W,   ∂x = col2im(∂cols).
 * The columns are not kept between forward and backward: backward rebuilds them from the
 * cached input in the model's one im2col workspace and then overwrites them with ∂cols, so a
 * conv layer costs no activation memory beyond its output. The workspace holds at most
 * SPECL_CONV_WS_CAP floats; a batch whose columns are larger is processed in chunks of images
 * (the chunk size depends only on the layer shape, so results do not depend on the thread count).
 * A 1×1 stride-1 convolution without padding needs no columns: x itself is (rows, ic).
 *
 * im2col / col2im and the bias loops run over images with OpenMP (static schedule); each image
 * is handled by one thread. The bias gradient sums per-image partials in image order. */
#include <cblas.h>
#include <string.h>
#include "layers.h"

#define PAR_MIN 32768

static int direct_(const specl_layer *l) { return l->kh == 1 && l->kw == 1 && l->stride == 1 && l->pad == 0; }
static size_t cols_per_image_(const specl_layer *l) { return (size_t)l->oh * l->ow * l->kh * l->kw * l->ic; }
static size_t chunk_(const specl_layer *l) {
    size_t c = SPECL_CONV_WS_CAP / cols_per_image_(l);
    return c ? c : 1;
}

size_t specl_conv2d_chunk_(const specl_layer *l, int max_n) {
    if (direct_(l)) return 0;   /* no workspace */
    size_t c = chunk_(l);
    return c < (size_t)max_n ? c : (size_t)max_n;
}

/* x (nb, ih, iw, C) -> cols (nb·oh·ow, kh·kw·C): the window at (oy·s − pad, ox·s − pad), zero
 * outside the image. */
static void im2col_(const specl_layer *l, int nb, const float *x, float *cols) {
    const int ih = l->ih, iw = l->iw, C = l->ic, oh = l->oh, ow = l->ow, kh = l->kh, kw = l->kw, s = l->stride, p = l->pad;
    const size_t K = (size_t)kh * kw * C, run = (size_t)kw * C;
    #pragma omp parallel for schedule(static) if ((size_t)nb * cols_per_image_(l) > PAR_MIN)
    for (int i = 0; i < nb; i++) {
        const float *xi = x + (size_t)i * l->in;
        float *dst = cols + (size_t)i * oh * ow * K;
        for (int oy = 0; oy < oh; oy++)
            for (int ox = 0; ox < ow; ox++) {
                int x0 = ox * s - p;
                for (int ky = 0; ky < kh; ky++, dst += run) {
                    int iy = oy * s - p + ky;
                    if (iy < 0 || iy >= ih) { memset(dst, 0, sizeof(float) * run); continue; }
                    const float *row = xi + (size_t)iy * iw * C;
                    if (x0 >= 0 && x0 + kw <= iw) {   /* the whole window row is inside: one run */
                        const float *q = row + (size_t)x0 * C;
                        #pragma omp simd
                        for (size_t e = 0; e < run; e++) dst[e] = q[e];
                        continue;
                    }
                    for (int kx = 0; kx < kw; kx++) {
                        int ix = x0 + kx;
                        float *d = dst + (size_t)kx * C;
                        if (ix < 0 || ix >= iw) for (int c = 0; c < C; c++) d[c] = 0.0f;
                        else for (int c = 0; c < C; c++) d[c] = row[(size_t)ix * C + c];
                    }
                }
            }
    }
}

/* dx (nb, ih, iw, C) (+)= the windows of cols added back to the pixels they came from. */
static void col2im_(const specl_layer *l, int nb, const float *cols, float *dx, int acc) {
    const int ih = l->ih, iw = l->iw, C = l->ic, oh = l->oh, ow = l->ow, kh = l->kh, kw = l->kw, s = l->stride, p = l->pad;
    const size_t K = (size_t)kh * kw * C;
    #pragma omp parallel for schedule(static) if ((size_t)nb * cols_per_image_(l) > PAR_MIN)
    for (int i = 0; i < nb; i++) {
        float *dxi = dx + (size_t)i * l->in;
        if (!acc) memset(dxi, 0, sizeof(float) * (size_t)l->in);
        const float *src = cols + (size_t)i * oh * ow * K;
        for (int oy = 0; oy < oh; oy++)
            for (int ox = 0; ox < ow; ox++, src += K)
                for (int ky = 0; ky < kh; ky++) {
                    int iy = oy * s - p + ky;
                    if (iy < 0 || iy >= ih) continue;
                    for (int kx = 0; kx < kw; kx++) {
                        int ix = ox * s - p + kx;
                        if (ix < 0 || ix >= iw) continue;
                        float *d = dxi + ((size_t)iy * iw + ix) * C;
                        const float *g = src + ((size_t)ky * kw + kx) * C;
                        #pragma omp simd
                        for (int c = 0; c < C; c++) d[c] += g[c];
                    }
                }
    }
}

void specl_conv2d_forward_(const specl_layer *l, int n, const float *x, const float *w, const float *b, float *ws, float *y) {
    const size_t P = (size_t)l->oh * l->ow, K = (size_t)l->kh * l->kw * l->ic, oc = (size_t)l->oc;
    const size_t chunk = chunk_(l);
    for (size_t i0 = 0; i0 < (size_t)n; i0 += chunk) {
        int nb = (int)((size_t)n - i0 < chunk ? (size_t)n - i0 : chunk);
        const float *cols = x + i0 * l->in;
        if (!direct_(l)) { im2col_(l, nb, cols, ws); cols = ws; }
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)(nb * P), (int)oc, (int)K, 1.0f, cols, (int)K, w, (int)K,
                    0.0f, y + i0 * l->out, (int)oc);
    }
    if (!b) return;
    #pragma omp parallel for schedule(static) if ((size_t)n * l->out > PAR_MIN)
    for (int i = 0; i < n; i++) {
        float *yi = y + (size_t)i * l->out;
        for (size_t e = 0; e < P; e++) {
            #pragma omp simd
            for (size_t c = 0; c < oc; c++) yi[e * oc + c] += b[c];
        }
    }
}

/* gb (oc) += Σ over all rows of dy (n·P, oc): per-image partials in red (n, oc), then in order. */
static void bias_grad_(const specl_layer *l, int n, const float *dy, double *red, float *gb) {
    const size_t P = (size_t)l->oh * l->ow, oc = (size_t)l->oc;
    #pragma omp parallel for schedule(static) if ((size_t)n * l->out > PAR_MIN)
    for (int i = 0; i < n; i++) {
        double *a = red + (size_t)i * oc;
        const float *g = dy + (size_t)i * l->out;
        for (size_t c = 0; c < oc; c++) a[c] = 0;
        for (size_t e = 0; e < P; e++) {
            #pragma omp simd
            for (size_t c = 0; c < oc; c++) a[c] += g[e * oc + c];
        }
    }
    for (int i = 1; i < n; i++)
        for (size_t c = 0; c < oc; c++) red[c] += red[(size_t)i * oc + c];
    for (size_t c = 0; c < oc; c++) gb[c] = (float)(gb[c] + red[c]);
}

void specl_conv2d_backward_(const specl_layer *l, int n, const float *x, const float *w, const float *dy,
                            float *ws, double *red, float *gw, float *gb, float *dx, int acc) {
    const size_t P = (size_t)l->oh * l->ow, K = (size_t)l->kh * l->kw * l->ic, oc = (size_t)l->oc;
    const size_t chunk = chunk_(l);
    for (size_t i0 = 0; i0 < (size_t)n; i0 += chunk) {
        int nb = (int)((size_t)n - i0 < chunk ? (size_t)n - i0 : chunk);
        const float *cols = x + i0 * l->in, *g = dy + i0 * l->out;
        if (!direct_(l)) { im2col_(l, nb, cols, ws); cols = ws; }
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)oc, (int)K, (int)(nb * P), 1.0f, g, (int)oc, cols, (int)K,
                    1.0f, gw, (int)K);
        if (!dx) continue;
        if (direct_(l)) {   /* ∂x = ∂Y · W directly, K = ic */
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)(nb * P), (int)K, (int)oc, 1.0f, g, (int)oc, w, (int)K,
                        acc ? 1.0f : 0.0f, dx + i0 * l->in, (int)K);
        } else {
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)(nb * P), (int)K, (int)oc, 1.0f, g, (int)oc, w, (int)K,
                        0.0f, ws, (int)K);
            col2im_(l, nb, ws, dx + i0 * l->in, acc);
        }
    }
    if (gb) bias_grad_(l, n, dy, red, gb);
}
