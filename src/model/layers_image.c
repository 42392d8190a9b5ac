/* Image layers other than convolution: 2×2 max and average pooling, global average pooling,
 * batch normalization, residual add, and ReLU (rows NHWC, see model.h; declared in layers.h).
 *
 * Threads: each kernel runs an OpenMP static-schedule loop over images (or over a flat array);
 * every output element is computed by one thread in a fixed order. The only reductions across
 * images, the batch-norm sums, first form per-image partial sums in double in red (n, 2·C) and
 * then add them in image order on one thread, so results are bit-identical whatever the number
 * of threads. Loops smaller than PAR_MIN elements stay on the calling thread. */
#include <math.h>
#include <string.h>
#include "layers.h"

#define PAR_MIN 32768

void specl_relu_forward_(size_t len, const float *x, float *y) {
    #pragma omp parallel for simd schedule(static) if (len > PAR_MIN)
    for (size_t i = 0; i < len; i++) y[i] = x[i] > 0 ? x[i] : 0.0f;
}

/* dy is loaded unconditionally, so that the select vectorizes */
void specl_relu_backward_(size_t len, const float *y, const float *dy, float *dx, int acc) {
    if (acc) {
        #pragma omp parallel for simd schedule(static) if (len > PAR_MIN)
        for (size_t i = 0; i < len; i++) { float g = dy[i]; dx[i] += y[i] > 0 ? g : 0.0f; }
    } else {
        #pragma omp parallel for simd schedule(static) if (len > PAR_MIN)
        for (size_t i = 0; i < len; i++) { float g = dy[i]; dx[i] = y[i] > 0 ? g : 0.0f; }
    }
}

void specl_grad_pass_(size_t len, const float *dy, float *dx, int acc) {
    if (!acc) { memcpy(dx, dy, sizeof(float) * len); return; }
    #pragma omp parallel for simd schedule(static) if (len > PAR_MIN)
    for (size_t i = 0; i < len; i++) dx[i] += dy[i];
}

void specl_add_forward_(size_t len, const float *a, const float *b, float *y) {
    #pragma omp parallel for simd schedule(static) if (len > PAR_MIN)
    for (size_t i = 0; i < len; i++) y[i] = a[i] + b[i];
}

/* ---- pooling: x (n, ih, iw, C) -> y (n, ih/2, iw/2, C); odd last rows / columns are dropped ---- */

void specl_maxpool_forward_(const specl_layer *l, int n, const float *x, float *y, unsigned char *arg) {
    const int iw = l->iw, C = l->ic, oh = l->oh, ow = l->ow;
    #pragma omp parallel for schedule(static) if ((size_t)n * l->in > PAR_MIN)
    for (int i = 0; i < n; i++) {
        for (int oy = 0; oy < oh; oy++)
            for (int ox = 0; ox < ow; ox++) {
                const float *p0 = x + (size_t)i * l->in + ((size_t)2 * oy * iw + 2 * ox) * C, *p1 = p0 + C;
                const float *p2 = p0 + (size_t)iw * C, *p3 = p2 + C;
                size_t o = (size_t)i * l->out + ((size_t)oy * ow + ox) * C;
                float *yo = y + o;
                unsigned char *ao = arg + o;
                #pragma omp simd
                for (int c = 0; c < C; c++) {   /* the first maximum in window order wins */
                    float b = p0[c];
                    unsigned char a = 0;
                    if (p1[c] > b) { b = p1[c]; a = 1; }
                    if (p2[c] > b) { b = p2[c]; a = 2; }
                    if (p3[c] > b) { b = p3[c]; a = 3; }
                    yo[c] = b;
                    ao[c] = a;
                }
            }
    }
}

/* dx (n, ih, iw, C): the gradient of each window goes to its argmax. */
void specl_maxpool_backward_(const specl_layer *l, int n, const float *dy, const unsigned char *arg, float *dx, int acc) {
    const int iw = l->iw, C = l->ic, oh = l->oh, ow = l->ow;
    #pragma omp parallel for schedule(static) if ((size_t)n * l->in > PAR_MIN)
    for (int i = 0; i < n; i++) {
        float *dxi = dx + (size_t)i * l->in;
        if (!acc) memset(dxi, 0, sizeof(float) * (size_t)l->in);
        for (int oy = 0; oy < oh; oy++)
            for (int ox = 0; ox < ow; ox++) {
                size_t o = (size_t)i * l->out + ((size_t)oy * ow + ox) * C;
                float *q = dxi + ((size_t)2 * oy * iw + 2 * ox) * C;
                const size_t off[4] = { 0, (size_t)C, (size_t)iw * C, (size_t)iw * C + C };
                for (int c = 0; c < C; c++) q[off[arg[o + c]] + c] += dy[o + c];   /* a scatter: not simd */
            }
    }
}

void specl_avgpool_forward_(const specl_layer *l, int n, const float *x, float *y) {
    const int iw = l->iw, C = l->ic, oh = l->oh, ow = l->ow;
    #pragma omp parallel for schedule(static) if ((size_t)n * l->in > PAR_MIN)
    for (int i = 0; i < n; i++)
        for (int oy = 0; oy < oh; oy++)
            for (int ox = 0; ox < ow; ox++) {
                const float *p0 = x + (size_t)i * l->in + ((size_t)2 * oy * iw + 2 * ox) * C, *p1 = p0 + C;
                const float *p2 = p0 + (size_t)iw * C, *p3 = p2 + C;
                float *yo = y + (size_t)i * l->out + ((size_t)oy * ow + ox) * C;
                #pragma omp simd
                for (int c = 0; c < C; c++) yo[c] = 0.25f * ((p0[c] + p1[c]) + (p2[c] + p3[c]));
            }
}

void specl_avgpool_backward_(const specl_layer *l, int n, const float *dy, float *dx, int acc) {
    const int iw = l->iw, C = l->ic, oh = l->oh, ow = l->ow;
    #pragma omp parallel for schedule(static) if ((size_t)n * l->in > PAR_MIN)
    for (int i = 0; i < n; i++) {
        float *dxi = dx + (size_t)i * l->in;
        if (!acc) memset(dxi, 0, sizeof(float) * (size_t)l->in);
        for (int oy = 0; oy < oh; oy++)
            for (int ox = 0; ox < ow; ox++) {
                const float *g = dy + (size_t)i * l->out + ((size_t)oy * ow + ox) * C;
                float *q0 = dxi + ((size_t)2 * oy * iw + 2 * ox) * C, *q1 = q0 + C, *q2 = q0 + (size_t)iw * C, *q3 = q2 + C;
                #pragma omp simd
                for (int c = 0; c < C; c++) {
                    float v = 0.25f * g[c];
                    q0[c] += v; q1[c] += v; q2[c] += v; q3[c] += v;
                }
            }
    }
}

/* ---- global average pooling: x (n, H, W, C) -> y (n, C) ---- */

void specl_gap_forward_(const specl_layer *l, int n, const float *x, float *y) {
    const int C = l->ic;
    const size_t P = (size_t)l->ih * l->iw;
    const float inv = 1.0f / (float)P;
    #pragma omp parallel for schedule(static) if ((size_t)n * l->in > PAR_MIN)
    for (int i = 0; i < n; i++) {
        float *yi = y + (size_t)i * C;
        const float *xi = x + (size_t)i * l->in;
        for (int c = 0; c < C; c++) yi[c] = 0.0f;
        for (size_t p = 0; p < P; p++) {
            #pragma omp simd
            for (int c = 0; c < C; c++) yi[c] += xi[p * C + c];
        }
        for (int c = 0; c < C; c++) yi[c] *= inv;
    }
}

void specl_gap_backward_(const specl_layer *l, int n, const float *dy, float *dx, int acc) {
    const int C = l->ic;
    const size_t P = (size_t)l->ih * l->iw;
    const float inv = 1.0f / (float)P;
    #pragma omp parallel for schedule(static) if ((size_t)n * l->in > PAR_MIN)
    for (int i = 0; i < n; i++) {
        float *dxi = dx + (size_t)i * l->in;
        const float *g = dy + (size_t)i * C;
        for (size_t p = 0; p < P; p++) {
            #pragma omp simd
            for (int c = 0; c < C; c++) dxi[p * C + c] = (acc ? dxi[p * C + c] : 0.0f) + g[c] * inv;
        }
    }
}

/* ---- batch normalization over channels: C = oc channels, P = out / C positions per row ----
 * stats (5, C): mean, inv = 1/√(var + eps), then scratch rows s0, s1, s2 (forward: scale
 * gamma·inv and shift beta − mean·scale; backward: the three coefficients of ∂x). */

/* red (n, 2C): row i gets (Σ_p a, Σ_p a·b) over its P positions with a = u, b = v (v NULL: b = a);
 * vm, vs (C, may be NULL): b = (v − vm)·vs. Then row 0 receives the sums over all rows, added
 * in row order. */
static void channel_sums_(int n, size_t P, int C, const float *u, const float *v, const float *vm, const float *vs, double *red) {
    #pragma omp parallel for schedule(static) if ((size_t)n * P * C > PAR_MIN)
    for (int i = 0; i < n; i++) {
        double *a = red + (size_t)i * 2 * C, *b = a + C;
        for (int c = 0; c < 2 * C; c++) a[c] = 0;
        const float *ui = u + (size_t)i * P * C, *vi = v ? v + (size_t)i * P * C : ui;
        for (size_t p = 0; p < P; p++) {
            const float *up = ui + p * C, *vp = vi + p * C;
            if (vm) {
                #pragma omp simd
                for (int c = 0; c < C; c++) { a[c] += up[c]; b[c] += (double)up[c] * ((vp[c] - vm[c]) * vs[c]); }
            } else {
                #pragma omp simd
                for (int c = 0; c < C; c++) { a[c] += up[c]; b[c] += (double)up[c] * vp[c]; }
            }
        }
    }
    for (int i = 1; i < n; i++)
        for (int c = 0; c < 2 * C; c++) red[c] += red[(size_t)i * 2 * C + c];
}

void specl_bn_forward_(const specl_layer *l, int n, const float *x, const float *gamma, const float *beta,
                       float *running, float *stats, double *red, int train, float *y) {
    const int C = l->oc;
    const size_t P = (size_t)l->out / C, M = (size_t)n * P;
    float *mean = stats, *inv = stats + C, *scale = stats + 2 * C, *shift = stats + 3 * C;
    float *rmean = running, *rvar = running + C;
    if (train) {   /* one pass: Σx and Σx² in double */
        channel_sums_(n, P, C, x, NULL, NULL, NULL, red);
        for (int c = 0; c < C; c++) {
            double mu = red[c] / (double)M, var = red[C + c] / (double)M - mu * mu;
            if (var < 0) var = 0;
            mean[c] = (float)mu;
            inv[c] = (float)(1.0 / sqrt(var + SPECL_BN_EPS));
            double unbiased = M > 1 ? var * (double)M / (double)(M - 1) : var;
            rmean[c] = (float)((1 - SPECL_BN_MOMENTUM) * rmean[c] + SPECL_BN_MOMENTUM * mu);
            rvar[c] = (float)((1 - SPECL_BN_MOMENTUM) * rvar[c] + SPECL_BN_MOMENTUM * unbiased);
        }
    } else {
        for (int c = 0; c < C; c++) {
            mean[c] = rmean[c];
            inv[c] = (float)(1.0 / sqrt((double)rvar[c] + SPECL_BN_EPS));
        }
    }
    for (int c = 0; c < C; c++) { scale[c] = gamma[c] * inv[c]; shift[c] = beta[c] - mean[c] * scale[c]; }
    #pragma omp parallel for schedule(static) if (M * C > PAR_MIN)
    for (int i = 0; i < n; i++) {
        const float *xi = x + (size_t)i * P * C;
        float *yi = y + (size_t)i * P * C;
        for (size_t p = 0; p < P; p++) {
            #pragma omp simd
            for (int c = 0; c < C; c++) yi[p * C + c] = xi[p * C + c] * scale[c] + shift[c];
        }
    }
}

/* With x̂ = (x − mean)·inv, A = Σ dy, B = Σ dy·x̂ over all M = n·P positions of a channel:
 * ∂beta = A, ∂gamma = B, and in training mode (mean, inv depend on x)
 *     ∂x = gamma·inv·(dy − A/M − x̂·B/M);
 * in eval mode (constant statistics) ∂x = gamma·inv·dy. */
void specl_bn_backward_(const specl_layer *l, int n, const float *x, const float *gamma, const float *dy,
                        float *stats, double *red, int train, float *ggamma, float *gbeta, float *dx, int acc) {
    const int C = l->oc;
    const size_t P = (size_t)l->out / C, M = (size_t)n * P;
    const float *mean = stats, *inv = stats + C;
    float *k1 = stats + 2 * C, *k2 = stats + 3 * C, *k3 = stats + 4 * C;
    channel_sums_(n, P, C, dy, x, mean, inv, red);
    for (int c = 0; c < C; c++) {
        gbeta[c] = (float)(gbeta[c] + red[c]);
        ggamma[c] = (float)(ggamma[c] + red[C + c]);
        k1[c] = gamma[c] * inv[c];
        k2[c] = train ? (float)(red[c] / (double)M) : 0.0f;
        k3[c] = train ? (float)(red[C + c] / (double)M) : 0.0f;
    }
    if (!dx) return;
    #pragma omp parallel for schedule(static) if (M * C > PAR_MIN)
    for (int i = 0; i < n; i++) {
        const float *xi = x + (size_t)i * P * C, *gi = dy + (size_t)i * P * C;
        float *di = dx + (size_t)i * P * C;
        for (size_t p = 0; p < P; p++) {
            #pragma omp simd
            for (int c = 0; c < C; c++) {
                size_t e = p * C + c;
                float xh = (xi[e] - mean[c]) * inv[c], v = k1[c] * (gi[e] - k2[c] - xh * k3[c]);
                di[e] = acc ? di[e] + v : v;
            }
        }
    }
}
