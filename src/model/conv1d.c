/* conv1d-circ (Def. 5.11): y_ri = Σ_t relu(Σ_j U_ij x_{r,(t+j) mod d} + b_i), t over all d
 * positions (sum pooling), U (k, s), b (k); declared in layers.h.
 *
 * A direct, fused kernel rather than im2col + sgemm: the inner dimension of that product is the
 * filter width s (6 in the paper's patch setting), far too short for sgemm, and the (n·d, s)
 * windows, the pre-activations Z (n·d, k) and ∂Z (n·d, k) cost 34 MB at n = 1024, d = k = 64 and a
 * pass over memory each. Here Z is never stored: forward computes it for PB positions × CW
 * channels at a time in registers (U's column j and x_{t+j} broadcast) and pools at once;
 * backward recomputes it (cheaper than reading 16 MB back) for the ReLU mask and accumulates
 * ∂U and ∂b in the same pass. The workspace (specl_conv1d_ws_len_) holds
 *     ut    (s, kp)                 Uᵀ, channels padded with zeros to kp (a multiple of CW)
 *     bp    (kp)                    b, padded likewise
 *     xe    (max_n, d + s − 1)      each input row followed by its first s − 1 coordinates, so
 *                                   that window t is xe[t .. t+s−1] without a modulo
 *     part  (nblk, s + 1, kp)       backward partial sums per block of RB rows: ∂U (as Uᵀ), ∂b
 * forward fills ut, bp and xe; backward reads them, so a backward (or a second one) sees the U and
 * x of its forward, as the stored Z of the im2col version did.
 *
 * Determinism: forward gives each row to one thread; backward sums each fixed block of RB rows in
 * one thread and adds the block partials in block order (in double), so both are bit-identical
 * for any thread count. Padded channels have U = b = 0, so Z = 0 there and contribute nothing.
 *
 * The kernels (conv1d_kernel.h) are written with GCC/Clang vector extensions, portable to any
 * target, and instantiated twice: with 4-float vectors at the baseline ISA and, on x86-64, with
 * 8-float vectors for AVX2, chosen at run time by the CPU. Every lane computes its channel with
 * the same products and sums in the same order in both (C11 mode contracts no a·b + c into an
 * FMA), so both give identical results (tested). Profile at n = 1024, d = k = 64, s = 6 (one
 * thread, AVX2): the two kernels are ~85% of a training step, mul/add-port bound; backward costs
 * about twice forward (the recomputed Z plus the ∂U products). */
#include <string.h>
#include "layers.h"

#define CW 16        /* channels per register block (two 8-float vectors with AVX2, four of 4 without) */
#define PB 4         /* positions per register block */
#define RB 32        /* rows per backward block: the unit of the fixed summation order */
#define PAR_MIN 65536

static int kp_(const specl_layer *l) { return (l->out + CW - 1) / CW * CW; }
static size_t xe_off_(const specl_layer *l) { return (size_t)((size_t)l->rows + 1) * kp_(l); }
static size_t part_off_(const specl_layer *l, int max_n) {
    return xe_off_(l) + (size_t)max_n * (size_t)(l->in + l->rows - 1);
}

size_t specl_conv1d_ws_len_(const specl_layer *l, int max_n) {
    size_t nblk = ((size_t)max_n + RB - 1) / RB;
    return part_off_(l, max_n) + nblk * ((size_t)l->rows + 1) * kp_(l);
}

/* The kernels at the baseline ISA (16-byte vectors: the 32-byte ones of the AVX2 build are
 * lowered through memory without AVX, 10× slower) and, on x86-64, for AVX2 (chosen at run time). */
#define KVL 4
#define KCB 4
#define KSUF gen
#define KATTR
#include "conv1d_kernel.h"
#undef KVL
#undef KCB
#undef KSUF
#undef KATTR
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define HAVE_AVX2 1
#define KVL 8
#define KCB 2
#define KSUF avx2
#define KATTR __attribute__((target("avx2")))
#include "conv1d_kernel.h"
#undef KVL
#undef KCB
#undef KSUF
#undef KATTR
#endif

int specl_conv1d_wide_(void) {
#ifdef HAVE_AVX2
    return __builtin_cpu_supports("avx2") ? 1 : 0;
#else
    return 0;
#endif
}

void specl_conv1d_forward_(const specl_layer *l, int n, const float *x, const float *w, const float *b,
                           float *ws, float *y) {
    specl_conv1d_forward_isa_(l, n, x, w, b, ws, y, specl_conv1d_wide_());
}

void specl_conv1d_backward_(const specl_layer *l, int max_n, int n, const float *dy, float *ws, float *gw, float *gb) {
    specl_conv1d_backward_isa_(l, max_n, n, dy, ws, gw, gb, specl_conv1d_wide_());
}

void specl_conv1d_forward_isa_(const specl_layer *l, int n, const float *x, const float *w, const float *b,
                               float *ws, float *y, int wide) {
    int d = l->in, s = (int)l->rows, k = l->out, kp = kp_(l), dx = d + s - 1;
    float *ut = ws, *bp = ws + (size_t)s * kp, *xe = ws + xe_off_(l);
    memset(ws, 0, sizeof(float) * xe_off_(l));
    for (int c = 0; c < k; c++) {
        for (int j = 0; j < s; j++) ut[(size_t)j * kp + c] = w[(size_t)c * s + j];
        bp[c] = b[c];
    }
    #pragma omp parallel for schedule(static) if ((size_t)n * d * s * kp >= PAR_MIN)
    for (int r = 0; r < n; r++) {
        float *xr = xe + (size_t)r * dx;
        memcpy(xr, x + (size_t)r * d, sizeof(float) * d);
        memcpy(xr + d, x + (size_t)r * d, sizeof(float) * (s - 1));
#ifdef HAVE_AVX2
        if (wide) { row_forward_avx2(d, s, k, kp, xr, ut, bp, y + (size_t)r * k); continue; }
#endif
        row_forward_gen(d, s, k, kp, xr, ut, bp, y + (size_t)r * k);
    }
}

void specl_conv1d_backward_isa_(const specl_layer *l, int max_n, int n, const float *dy, float *ws, float *gw, float *gb,
                                int wide) {
    int d = l->in, s = (int)l->rows, k = l->out, kp = kp_(l), nblk = (n + RB - 1) / RB;
    const float *ut = ws, *bp = ws + (size_t)s * kp, *xe = ws + xe_off_(l);
    float *part = ws + part_off_(l, max_n);
    size_t plen = (size_t)(s + 1) * kp;
    #pragma omp parallel for schedule(static) if ((size_t)n * d * s * kp >= PAR_MIN)
    for (int ib = 0; ib < nblk; ib++) {
        int r1 = (ib + 1) * RB < n ? (ib + 1) * RB : n;
#ifdef HAVE_AVX2
        if (wide) { block_backward_avx2(d, s, k, kp, xe, ut, bp, dy, ib * RB, r1, part + (size_t)ib * plen); continue; }
#endif
        block_backward_gen(d, s, k, kp, xe, ut, bp, dy, ib * RB, r1, part + (size_t)ib * plen);
    }
    for (int c = 0; c < k; c++)
        for (int j = 0; j <= s; j++) {
            double sum = 0;
            for (int ib = 0; ib < nblk; ib++) sum += part[(size_t)ib * plen + (size_t)j * kp + c];
            if (j < s) gw[(size_t)c * s + j] += (float)sum;
            else gb[c] += (float)sum;
        }
}
