/* 2-D convolution over NHWC rows: im2col, then one cblas_sgemm over every output position of a
 * chunk of images, or for a small window a direct kernel (declared in layers.h).
 *
 * Weights are (oc, kh, kw, ic) row-major, i.e. (oc, K) with K = kh·kw·ic, and a column row holds
 * the window of one output position in the same (ky, kx, c) order, so
 *     forward   Y (rows, oc) = cols (rows, K) · Wᵀ          rows = images·oh·ow
 *     backward  ∂W (oc, K) += ∂Yᵀ · cols,   ∂cols (rows, K) = ∂Y · W,   ∂x = col2im(∂cols).
 * Columns: the model's last im2col convolution keeps its batch's columns after its output in its
 * activation region (specl_conv2d_kept_): its backward comes first after the loss, and rebuilding
 * them there cost a pass as long as the forward's. The others rebuild them from the cached input
 * in the model's one im2col workspace, which holds at most SPECL_CONV_WS_CAP floats; a batch whose
 * columns are larger is processed in chunks of images (the chunk size depends only on the layer
 * shape, so results do not depend on the thread count). ∂cols are formed and scattered back by
 * col2im in blocks of about SPECL_CONV_DX_CAP floats, which stay in cache between the two (and
 * need no more workspace than that for a layer with kept columns). The output starts as the bias
 * rows and sgemm adds to it (beta = 1). A 1×1 stride-1 convolution without padding needs no
 * columns: x itself is (rows, ic).
 *
 * A small window (K <= SMALL_K, e.g. the 3×3 convolution of a grayscale or RGB input) is
 * computed directly instead: with so short an inner dimension sgemm runs far below its peak
 * while im2col writes K floats per output position. The direct forward keeps SMALL_OB channels
 * of one output position in registers (bias, then the K taps in window order); the direct
 * backward forms ∂W and ∂b in blocks of SMALL_GB output channels, one block per loop iteration
 * over all images in order (per-image float partials added in double), so each weight's sum has
 * the same order whatever the number of threads. ∂x, needed only when such a layer is not the
 * first, takes the im2col path's ∂cols + col2im, which never reads columns. When such a layer
 * reads the model input and feeds only a maxpool (the cnn's first block), the two run as one
 * kernel (specl_conv2d_pooled_): the conv output, 4× the pool's, is never stored or read back,
 * and backward forms ∂W, ∂b straight from the pool's gradient and argmax.
 *
 * im2col / col2im, the direct forward and the bias loops run over images with OpenMP (static
 * schedule); each image is handled by one thread. The bias gradient sums per-image partials in
 * image order. */
#include <cblas.h>
#include <string.h>
#include "layers.h"

#define PAR_MIN 32768
#define SMALL_K 27       /* the direct small-window path: K = kh·kw·ic at most this (3×3 RGB) */
#define SMALL_OCMAX 256  /* and at most this many output channels (its transposed weights live on the stack) */
#define SMALL_OB 16      /* output channels held in registers by the direct forward */
#define SMALL_GB SMALL_OB /* output channels per gradient task of the direct backward */
#define SMALL_TILE 64    /* output positions per tile of the direct backward */

/* The direct kernels are also compiled for AVX2 and AVX-512 and chosen when the library loads
 * (the flags are the portable baseline). -std=c11 keeps floating-point contraction off, so every
 * version performs the same float operations in the same order: same bits on any x86-64. */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define CLONES
#endif

/* SMALL_OB = SMALL_GB floats as one value (GCC's vector extension), so that an accumulator stays
 * in registers (an array under `omp simd` is kept in memory: a store-to-load chain per add);
 * VB(p) is the block at any float address p. */
typedef float vblock_ __attribute__((vector_size(SMALL_OB * sizeof(float))));
typedef float vblock_u_ __attribute__((vector_size(SMALL_OB * sizeof(float)), aligned(sizeof(float)), may_alias));
#define VB(p) (*(vblock_u_ *)(p))

static int direct_(const specl_layer *l) { return l->kh == 1 && l->kw == 1 && l->stride == 1 && l->pad == 0; }
static size_t k_(const specl_layer *l) { return (size_t)l->kh * l->kw * l->ic; }
static int small_(const specl_layer *l) { return !direct_(l) && k_(l) <= SMALL_K && l->oc <= SMALL_OCMAX; }
static size_t cols_per_image_(const specl_layer *l) { return (size_t)l->oh * l->ow * l->kh * l->kw * l->ic; }
static size_t chunk_(const specl_layer *l) {
    size_t c = SPECL_CONV_WS_CAP / cols_per_image_(l);
    return c ? c : 1;
}

/* Images per ∂cols block of the backward: about SPECL_CONV_DX_CAP floats, at most a chunk. */
static size_t dx_block_(const specl_layer *l) {
    size_t c = SPECL_CONV_DX_CAP / cols_per_image_(l), ch = chunk_(l);
    return c < 1 ? 1 : c < ch ? c : ch;
}

static int im2col_layer_(const specl_layer *l) { return l->kind == SPECL_LAYER_CONV2D && !direct_(l) && !small_(l); }

size_t specl_conv2d_kept_(const specl_model *m, const specl_layer *l) {
    if (!im2col_layer_(l) || (size_t)m->max_n * cols_per_image_(l) > SPECL_CONV_WS_CAP) return 0;
    for (const specl_layer *q = l + 1; q < m->layers + m->n_layers; q++)
        if (im2col_layer_(q)) return 0;
    return (size_t)m->max_n * cols_per_image_(l);
}

size_t specl_conv2d_ws_(const specl_model *m, const specl_layer *l) {
    if (direct_(l)) return 0;                                          /* no columns */
    size_t c = chunk_(l);
    if (small_(l) || specl_conv2d_kept_(m, l)) c = l->src < 0 ? 0 : dx_block_(l);   /* ∂cols only */
    return (c < (size_t)m->max_n ? c : (size_t)m->max_n) * cols_per_image_(l);
}

/* win (K + 1): the window of output position (oy, ox) of image xi in (ky, kx, c) order, zero
 * outside the image, then a 1 (the bias's "input"). */
__attribute__((always_inline)) static inline void window_(const specl_layer *l, const float *xi, int oy, int ox, float *win) {
    const int C = l->ic, kh = l->kh, kw = l->kw, y0 = oy * l->stride - l->pad, x0 = ox * l->stride - l->pad;
    const size_t run = (size_t)kw * C;
    if (y0 >= 0 && y0 + kh <= l->ih && x0 >= 0 && x0 + kw <= l->iw) {   /* inside: kh runs of kw·C */
        for (int ky = 0; ky < kh; ky++, win += run) {
            const float *q = xi + ((size_t)(y0 + ky) * l->iw + x0) * C;
            for (size_t e = 0; e < run; e++) win[e] = q[e];
        }
    } else {
        for (int ky = 0; ky < kh; ky++)
            for (int kx = 0; kx < kw; kx++, win += C) {
                int iy = y0 + ky, ix = x0 + kx;
                if (iy < 0 || iy >= l->ih || ix < 0 || ix >= l->iw) for (int c = 0; c < C; c++) win[c] = 0.0f;
                else for (int c = 0; c < C; c++) win[c] = xi[((size_t)iy * l->iw + ix) * C + c];
            }
    }
    *win = 1.0f;
}

/* One image: yi (oh, ow, oc) from wt (K + 1, ocp), the weights transposed with the bias as their
 * last row and the channels padded with zeros to ocp, a multiple of SMALL_OB. */
CLONES static void small_forward_image_(const specl_layer *l, const float *xi, const float *wt, size_t ocp, float *yi) {
    const size_t K = k_(l), oc = (size_t)l->oc;
    float win[SMALL_K + 1];
    for (int oy = 0; oy < l->oh; oy++)
        for (int ox = 0; ox < l->ow; ox++) {
            window_(l, xi, oy, ox, win);
            float *yo = yi + ((size_t)oy * l->ow + ox) * oc;
            for (size_t o0 = 0; o0 < ocp; o0 += SMALL_OB) {
                vblock_ a = VB(wt + K * ocp + o0);   /* the bias first, then the taps */
                for (size_t k = 0; k < K; k++) a += VB(wt + k * ocp + o0) * win[k];
                if (o0 + SMALL_OB <= oc) VB(yo + o0) = a;
                else for (size_t j = 0; o0 + j < oc; j++) yo[o0 + j] = a[j];
            }
        }
}

/* One image through the convolution and the maxpool p after it: yi (p->oh, p->ow, oc) and its
 * argmax ai, the four positions of each pooling window convolved as above and then compared as
 * specl_maxpool_forward_ does (the first maximum in window order wins), so the values are those
 * of the two layers apart. */
CLONES static void small_pool_forward_image_(const specl_layer *l, const specl_layer *p, const float *xi, const float *wt,
                                             size_t ocp, float *yi, unsigned char *ai) {
    const size_t K = k_(l), oc = (size_t)l->oc;
    float win[4][SMALL_K + 1], v[4][SMALL_OB];
    for (int py = 0; py < p->oh; py++)
        for (int px = 0; px < p->ow; px++) {
            for (int q = 0; q < 4; q++) window_(l, xi, 2 * py + q / 2, 2 * px + q % 2, win[q]);
            size_t o = ((size_t)py * p->ow + px) * oc;
            for (size_t o0 = 0; o0 < ocp; o0 += SMALL_OB) {
                for (int q = 0; q < 4; q++) {
                    vblock_ a = VB(wt + K * ocp + o0);
                    for (size_t k = 0; k < K; k++) a += VB(wt + k * ocp + o0) * win[q][k];
                    VB(v[q]) = a;
                }
                float ym[SMALL_OB];
                unsigned char am[SMALL_OB];
                #pragma omp simd
                for (int j = 0; j < SMALL_OB; j++) {
                    float m = v[0][j];
                    unsigned char c = 0;
                    if (v[1][j] > m) { m = v[1][j]; c = 1; }
                    if (v[2][j] > m) { m = v[2][j]; c = 2; }
                    if (v[3][j] > m) { m = v[3][j]; c = 3; }
                    ym[j] = m;
                    am[j] = c;
                }
                size_t nb = oc - o0 < SMALL_OB ? oc - o0 : SMALL_OB;
                memcpy(yi + o + o0, ym, sizeof(float) * nb);
                memcpy(ai + o + o0, am, nb);
            }
        }
}

/* wt (K + 1, ocp) from w (oc, K) and b (NULL: 0); returns ocp. */
static size_t transpose_weights_(const specl_layer *l, const float *w, const float *b, float *wt) {
    const size_t K = k_(l), oc = (size_t)l->oc, ocp = (oc + SMALL_OB - 1) / SMALL_OB * SMALL_OB;
    for (size_t k = 0; k <= K; k++)
        for (size_t o = 0; o < ocp; o++)
            wt[k * ocp + o] = o >= oc ? 0.0f : k < K ? w[o * K + k] : b ? b[o] : 0.0f;
    return ocp;
}

static void small_forward_(const specl_layer *l, int n, const float *x, const float *w, const float *b, float *y) {
    float wt[(SMALL_K + 1) * (SMALL_OCMAX + SMALL_OB)];
    size_t ocp = transpose_weights_(l, w, b, wt);
    #pragma omp parallel for schedule(static) if ((size_t)n * l->out > PAR_MIN)
    for (int i = 0; i < n; i++) small_forward_image_(l, x + (size_t)i * l->in, wt, ocp, y + (size_t)i * l->out);
}

int specl_conv2d_pooled_(const specl_model *m, const specl_layer *l) {
    int i = (int)(l - m->layers);
    if (l->kind != SPECL_LAYER_CONV2D || !small_(l) || l->src >= 0 || i + 2 >= m->n_layers) return 0;
    if (m->layers[i + 1].kind != SPECL_LAYER_MAXPOOL || m->layers[i + 1].src != i) return 0;
    for (int j = i + 2; j < m->n_layers; j++)
        if (m->layers[j].src == i || m->layers[j].src2 == i) return 0;
    return 1;
}

void specl_conv2d_pool_forward_(const specl_layer *l, const specl_layer *p, int n, const float *x, const float *w, const float *b,
                                float *y, unsigned char *arg) {
    float wt[(SMALL_K + 1) * (SMALL_OCMAX + SMALL_OB)];
    size_t ocp = transpose_weights_(l, w, b, wt);
    #pragma omp parallel for schedule(static) if ((size_t)n * l->out > PAR_MIN)
    for (int i = 0; i < n; i++)
        small_pool_forward_image_(l, p, x + (size_t)i * l->in, wt, ocp, y + (size_t)i * p->out, arg + (size_t)i * p->out);
}

/* acc (K + 1, SMALL_GB) += Σ over images in order of that image's float partial of
 * ∂Y[:, o0 + j]·window[k] over its positions (k = K: the bias); channels o0 + j >= oc read 0.
 * With a maxpool p after the layer (fused, see specl_conv2d_pooled_), dy (n, p->out) is the
 * pool's gradient: position q (window order) of a pooling window gets it where arg says q was
 * the maximum, else 0, and the positions go window by window (positions no window covers get 0).
 * Positions go in tiles of SMALL_TILE: their windows and ∂Y rows are gathered, then each k sums
 * the tile in four register accumulators (positions t mod 4), added pairwise at the tile's end. */
CLONES static void small_grad_block_(const specl_layer *l, const specl_layer *p, const unsigned char *arg, int n, const float *x,
                                     const float *dy, size_t o0, double *acc) {
    const size_t K = k_(l), oc = (size_t)l->oc, nb = oc - o0 < SMALL_GB ? oc - o0 : SMALL_GB;
    const size_t P = p ? 4 * (size_t)p->oh * p->ow : (size_t)l->oh * l->ow, out = p ? (size_t)p->out : (size_t)l->out;
    float win[SMALL_TILE][SMALL_K + 1], g[SMALL_TILE][SMALL_GB];
    vblock_ part[SMALL_K + 1];
    for (int i = 0; i < n; i++) {
        const float *xi = x + (size_t)i * l->in, *gi = dy + (size_t)i * out + o0;
        for (size_t k = 0; k <= K; k++) part[k] = (vblock_){ 0 };
        for (size_t p0 = 0; p0 < P; p0 += SMALL_TILE) {
            size_t T = P - p0 < SMALL_TILE ? P - p0 : SMALL_TILE;
            for (size_t t = 0; t < SMALL_TILE; t++) {   /* positions past the tile's end: 0 */
                size_t e = p0 + t;
                if (t >= T) { memset(g[t], 0, sizeof g[t]); memset(win[t], 0, sizeof win[t]); continue; }
                if (!p) {
                    window_(l, xi, (int)(e / l->ow), (int)(e % l->ow), win[t]);
                    const float *gp = gi + e * oc;
                    if (nb == SMALL_GB) memcpy(g[t], gp, sizeof g[t]);
                    else for (size_t j = 0; j < SMALL_GB; j++) g[t][j] = j < nb ? gp[j] : 0.0f;
                    continue;
                }
                size_t w = e / 4;   /* pooling window w = (py, px), its position q */
                unsigned char q = (unsigned char)(e % 4);
                window_(l, xi, (int)(2 * (w / p->ow) + q / 2), (int)(2 * (w % p->ow) + q % 2), win[t]);
                const float *gp = gi + w * oc;
                const unsigned char *ap = arg + (size_t)i * out + o0 + w * oc;
                if (nb == SMALL_GB) {
                    #pragma omp simd
                    for (int j = 0; j < SMALL_GB; j++) g[t][j] = ap[j] == q ? gp[j] : 0.0f;
                } else {
                    for (size_t j = 0; j < SMALL_GB; j++) g[t][j] = j < nb && ap[j] == q ? gp[j] : 0.0f;
                }
            }
            for (size_t k = 0; k <= K; k++) {
                vblock_ a0 = { 0 }, a1 = { 0 }, a2 = { 0 }, a3 = { 0 };
                for (size_t t = 0; t < SMALL_TILE; t += 4) {
                    a0 += VB(g[t]) * win[t][k];
                    a1 += VB(g[t + 1]) * win[t + 1][k];
                    a2 += VB(g[t + 2]) * win[t + 2][k];
                    a3 += VB(g[t + 3]) * win[t + 3][k];
                }
                part[k] += (a0 + a1) + (a2 + a3);
            }
        }
        for (size_t k = 0; k <= K; k++)
            for (int j = 0; j < SMALL_GB; j++) acc[k * SMALL_GB + j] += part[k][j];
    }
}

/* gw += ∂W, gb += ∂b (if gb): one task per block of SMALL_GB output channels. p, arg: the fused
 * maxpool (else NULL), dy its gradient. */
static void small_grads_(const specl_layer *l, const specl_layer *p, const unsigned char *arg, int n, const float *x,
                         const float *dy, float *gw, float *gb) {
    const size_t K = k_(l), oc = (size_t)l->oc;
    const int blocks = (int)((oc + SMALL_GB - 1) / SMALL_GB);
    #pragma omp parallel for schedule(static) if ((size_t)n * l->out > PAR_MIN)
    for (int t = 0; t < blocks; t++) {
        size_t o0 = (size_t)t * SMALL_GB, nb = oc - o0 < SMALL_GB ? oc - o0 : SMALL_GB;
        double acc[(SMALL_K + 1) * SMALL_GB] = { 0 };
        small_grad_block_(l, p, arg, n, x, dy, o0, acc);
        for (size_t j = 0; j < nb; j++) {
            for (size_t k = 0; k < K; k++) gw[(o0 + j) * K + k] = (float)(gw[(o0 + j) * K + k] + acc[k * SMALL_GB + j]);
            if (gb) gb[o0 + j] = (float)(gb[o0 + j] + acc[K * SMALL_GB + j]);
        }
    }
}

void specl_conv2d_pool_backward_(const specl_layer *l, const specl_layer *p, int n, const float *x, const float *dy,
                                 const unsigned char *arg, float *gw, float *gb) {
    small_grads_(l, p, arg, n, x, dy, gw, gb);
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

/* y starts as the bias rows, which sgemm (beta = 1) then adds to: one pass over y fewer than
 * zeroing it and adding the bias afterwards, and the same sums. cols: the workspace, or the
 * layer's kept region (then one chunk: see specl_conv2d_kept_). */
static void im2col_forward_(const specl_layer *l, int n, const float *x, const float *w, const float *b, float *cols, float *y) {
    const size_t P = (size_t)l->oh * l->ow, K = k_(l), oc = (size_t)l->oc;
    const size_t chunk = chunk_(l);
    if (b) {
        #pragma omp parallel for schedule(static) if ((size_t)n * l->out > PAR_MIN)
        for (int i = 0; i < n; i++) {
            float *yi = y + (size_t)i * l->out;
            for (size_t e = 0; e < P; e++) memcpy(yi + e * oc, b, sizeof(float) * oc);
        }
    }
    for (size_t i0 = 0; i0 < (size_t)n; i0 += chunk) {
        int nb = (int)((size_t)n - i0 < chunk ? (size_t)n - i0 : chunk);
        const float *c = x + i0 * l->in;
        if (!direct_(l)) { im2col_(l, nb, c, cols); c = cols; }
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)(nb * P), (int)oc, (int)K, 1.0f, c, (int)K, w, (int)K,
                    b ? 1.0f : 0.0f, y + i0 * l->out, (int)oc);
    }
}

void specl_conv2d_forward_(const specl_layer *l, int n, const float *x, const float *w, const float *b, float *ws,
                           float *kept, float *y) {
    if (small_(l)) small_forward_(l, n, x, w, b, y);
    else im2col_forward_(l, n, x, w, b, kept ? kept : ws, y);
}

void specl_conv2d_im2col_forward_(const specl_layer *l, int n, const float *x, const float *w, const float *b, float *ws, float *y) {
    im2col_forward_(l, n, x, w, b, ws, y);
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

/* The im2col path. kept: the columns of the whole batch from forward (else rebuilt per chunk in
 * ws); grads: also ∂W and ∂b (else only ∂x: the direct path did those). ∂x goes in blocks of
 * dx_block_ images: ∂cols = ∂Y · W for the block in ws, then col2im while it is in cache. */
static void backward_(const specl_layer *l, int n, const float *x, const float *w, const float *dy, float *ws, const float *kept,
                      double *red, float *gw, float *gb, float *dx, int acc, int grads) {
    const size_t P = (size_t)l->oh * l->ow, K = k_(l), oc = (size_t)l->oc;
    const size_t chunk = chunk_(l), blk = dx_block_(l);
    for (size_t i0 = 0; i0 < (size_t)n; i0 += chunk) {
        int nb = (int)((size_t)n - i0 < chunk ? (size_t)n - i0 : chunk);
        const float *cols = x + i0 * l->in, *g = dy + i0 * l->out;
        if (grads) {
            if (kept) cols = kept;   /* one chunk */
            else if (!direct_(l)) { im2col_(l, nb, cols, ws); cols = ws; }
            cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)oc, (int)K, (int)(nb * P), 1.0f, g, (int)oc, cols, (int)K,
                        1.0f, gw, (int)K);
        }
        if (!dx) continue;
        if (direct_(l)) {   /* ∂x = ∂Y · W directly, K = ic */
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)(nb * P), (int)K, (int)oc, 1.0f, g, (int)oc, w, (int)K,
                        acc ? 1.0f : 0.0f, dx + i0 * l->in, (int)K);
            continue;
        }
        for (size_t b0 = 0; b0 < (size_t)nb; b0 += blk) {
            int bb = (int)((size_t)nb - b0 < blk ? (size_t)nb - b0 : blk);
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)(bb * P), (int)K, (int)oc, 1.0f, g + b0 * l->out, (int)oc,
                        w, (int)K, 0.0f, ws, (int)K);
            col2im_(l, bb, ws, dx + (i0 + b0) * l->in, acc);
        }
    }
    if (gb && grads) bias_grad_(l, n, dy, red, gb);
}

void specl_conv2d_im2col_backward_(const specl_layer *l, int n, const float *x, const float *w, const float *dy,
                                   float *ws, double *red, float *gw, float *gb, float *dx, int acc) {
    backward_(l, n, x, w, dy, ws, NULL, red, gw, gb, dx, acc, 1);
}

void specl_conv2d_backward_(const specl_layer *l, int n, const float *x, const float *w, const float *dy, float *ws,
                            const float *kept, double *red, float *gw, float *gb, float *dx, int acc) {
    if (!small_(l)) { backward_(l, n, x, w, dy, ws, kept, red, gw, gb, dx, acc, 1); return; }
    small_grads_(l, NULL, NULL, n, x, dy, gw, gb);
    if (dx) backward_(l, n, x, w, dy, ws, NULL, red, gw, gb, dx, acc, 0);
}
