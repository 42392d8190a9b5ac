/* src/model/conv1d_kernel.h: the row kernels of conv1d.c, a template included once per vector
 * width (not a header of its own: it defines static functions in the including file).
 *
 * Before including define KVL (floats per vector), KCB (vectors per channel block, KVL·KCB = CW
 * channels), KSUF (the suffix of every name defined here) and KATTR (attributes of the functions,
 * e.g. a target ISA); also PB and CW. Every lane computes its channel with the same operations in
 * the same order whatever KVL, so all instantiations give identical results. */

#define KCAT2_(a, b) a##_##b
#define KCAT_(a, b) KCAT2_(a, b)
#define KN(name) KCAT_(name, KSUF)
#define VF KN(vf)
#define VI KN(vi)
#define VFU KN(vfu)

typedef float VF __attribute__((vector_size(KVL * sizeof(float))));
typedef int VI __attribute__((vector_size(KVL * sizeof(int))));
/* Unaligned vector access (the workspace, y and dy are only float-aligned), as macros: a function
 * returning a vector would draw GCC's -Wpsabi note in a baseline-ISA build. The _n forms move the
 * first len < KVL lanes only (the last vector of a row of k channels), the others read 0. */
typedef float VFU __attribute__((vector_size(KVL * sizeof(float)), aligned(sizeof(float)), may_alias));
#define LD(p) (*(const VFU *)(p))
#define ST(p, v) (*(VFU *)(p) = (v))
/* z masked by m (lanes where m is all ones keep z, the others are +0); with m = z > 0 this is
 * max(z, 0) exactly as the scalar `z > 0 ? z : 0` (NaN and −0 give +0). */
#define MASK(z, m) ((VF)((VI)(z) & (m)))

KATTR static inline void KN(ld_n)(VF *v, const float *p, int len) { *v = (VF){ 0 }; memcpy(v, p, sizeof(float) * len); }
KATTR static inline void KN(st_n)(float *p, const VF *v, int len) { memcpy(p, v, sizeof(float) * len); }

/* Pre-activations of PB positions t..t+PB−1 (xe points at t) for the CW channels at ut (a
 * column offset into Uᵀ), bias first, then j = 0..s−1 in order. */
KATTR static inline void KN(pre)(int s, int kp, const float *xe, const float *ut, const VF bias[KCB], VF z[KCB][PB]) {
    #pragma GCC unroll 8
    for (int q = 0; q < KCB; q++)
        #pragma GCC unroll 8
        for (int i = 0; i < PB; i++) z[q][i] = bias[q];
    for (int j = 0; j < s; j++) {
        VF u[KCB];
        #pragma GCC unroll 8
        for (int q = 0; q < KCB; q++) u[q] = LD(ut + (size_t)j * kp + q * KVL);
        #pragma GCC unroll 8
        for (int i = 0; i < PB; i++) {
            float xv = xe[i + j];
            #pragma GCC unroll 8
            for (int q = 0; q < KCB; q++) z[q][i] += u[q] * xv;
        }
    }
}

/* One position t alone (the d mod PB last ones), CW channels. */
KATTR static inline void KN(pre1)(int s, int kp, const float *xe, const float *ut, const VF bias[KCB], VF z[KCB]) {
    #pragma GCC unroll 8
    for (int q = 0; q < KCB; q++) z[q] = bias[q];
    for (int j = 0; j < s; j++)
        #pragma GCC unroll 8
        for (int q = 0; q < KCB; q++) z[q] += LD(ut + (size_t)j * kp + q * KVL) * xe[j];
}

/* One row: y (k) = Σ_t relu(Z_t) over the d positions, in position order. */
KATTR static void KN(row_forward)(int d, int s, int k, int kp, const float *xe, const float *ut, const float *bp, float *y) {
    const VF zero = { 0 };
    for (int c = 0; c < kp; c += CW) {
        VF bias[KCB], acc[KCB], z[KCB][PB], z1[KCB];
        #pragma GCC unroll 8
        for (int q = 0; q < KCB; q++) { bias[q] = LD(bp + c + q * KVL); acc[q] = zero; }
        int t = 0;
        for (; t + PB <= d; t += PB) {
            KN(pre)(s, kp, xe + t, ut + c, bias, z);
            #pragma GCC unroll 8
            for (int q = 0; q < KCB; q++)
                #pragma GCC unroll 8
                for (int i = 0; i < PB; i++) acc[q] += MASK(z[q][i], z[q][i] > zero);
        }
        for (; t < d; t++) {
            KN(pre1)(s, kp, xe + t, ut + c, bias, z1);
            #pragma GCC unroll 8
            for (int q = 0; q < KCB; q++) acc[q] += MASK(z1[q], z1[q] > zero);
        }
        for (int q = 0; q < KCB; q++) {
            int cq = c + q * KVL;
            if (cq + KVL <= k) ST(y + cq, acc[q]);
            else if (cq < k) KN(st_n)(y + cq, &acc[q], k - cq);
        }
    }
}

/* Rows [r0, r1) into part (s + 1, kp), overwritten: part_j = Σ_r Σ_t [Z_t > 0]·dy_r·xe_{t+j} for
 * j < s, part_s = Σ_r Σ_t [Z_t > 0]·dy_r, with dy (n, k). */
KATTR static void KN(block_backward)(int d, int s, int k, int kp, const float *xe, const float *ut, const float *bp,
                                     const float *dy, int r0, int r1, float *part) {
    const VF zero = { 0 };
    float *pb = part + (size_t)s * kp;
    memset(part, 0, sizeof(float) * (size_t)(s + 1) * kp);
    for (int r = r0; r < r1; r++) {
        const float *xr = xe + (size_t)r * (d + s - 1), *dyr = dy + (size_t)r * k;
        for (int c = 0; c < kp; c += CW) {
            VF bias[KCB], g[KCB], z[KCB][PB], gm[KCB][PB], z1[KCB];
            for (int q = 0; q < KCB; q++) {
                int cq = c + q * KVL;
                bias[q] = LD(bp + cq);
                if (cq + KVL <= k) g[q] = LD(dyr + cq);
                else if (cq < k) KN(ld_n)(&g[q], dyr + cq, k - cq);
                else g[q] = zero;
            }
            int t = 0;
            for (; t + PB <= d; t += PB) {
                KN(pre)(s, kp, xr + t, ut + c, bias, z);
                #pragma GCC unroll 8
                for (int q = 0; q < KCB; q++) {
                    VF gs = LD(pb + c + q * KVL);
                    #pragma GCC unroll 8
                    for (int i = 0; i < PB; i++) {
                        gm[q][i] = MASK(g[q], z[q][i] > zero);     /* ∂Z_t = dy where Z_t > 0 */
                        gs += gm[q][i];
                    }
                    ST(pb + c + q * KVL, gs);
                }
                for (int j = 0; j < s; j++) {
                    float *pj = part + (size_t)j * kp + c;
                    VF a[KCB];
                    #pragma GCC unroll 8
                    for (int q = 0; q < KCB; q++) a[q] = LD(pj + q * KVL);
                    #pragma GCC unroll 8
                    for (int i = 0; i < PB; i++) {
                        float xv = xr[t + i + j];
                        #pragma GCC unroll 8
                        for (int q = 0; q < KCB; q++) a[q] += gm[q][i] * xv;
                    }
                    #pragma GCC unroll 8
                    for (int q = 0; q < KCB; q++) ST(pj + q * KVL, a[q]);
                }
            }
            for (; t < d; t++) {
                KN(pre1)(s, kp, xr + t, ut + c, bias, z1);
                for (int q = 0; q < KCB; q++) {
                    VF gt = MASK(g[q], z1[q] > zero);
                    ST(pb + c + q * KVL, LD(pb + c + q * KVL) + gt);
                    for (int j = 0; j < s; j++) {
                        float *pj = part + (size_t)j * kp + c + q * KVL;
                        ST(pj, LD(pj) + gt * xr[t + j]);
                    }
                }
            }
        }
    }
}

#undef LD
#undef ST
#undef MASK
#undef VF
#undef VI
#undef VFU
#undef KN
#undef KCAT_
#undef KCAT2_
