/* Seeded image augmentations of one image: the SimSiam transform of PAPER.md §2.4 with torchvision's
 * semantics (RandomResizedCrop, RandomHorizontalFlip, RandomApply(ColorJitter), RandomGrayscale),
 * plus optional Gaussian noise, and the per-channel normalization.
 *
 * An image is (h, w, c) floats channels-last, c = 1 or 3, values in [0, 1]. Everything draws from
 * the caller's RNG and nothing else, so a view is a pure function of (spec, image, stream); the
 * image source runs one stream per pair and gets thread-count-independent batches for free.
 * The crop box is always inside the image, so resizing it back is an upsampling (or the identity):
 * plain bilinear interpolation with align_corners=False is then what PIL's and PyTorch's
 * antialiased resizes compute (up to rounding). Interpolation uses the a + t·(b − a) form, so a constant image
 * stays exactly constant and a box of the full size is an exact copy. Per-column source offsets and
 * weights are computed once per view into the caller's workspace; nothing is allocated. RGB views
 * are made in planes (3, h, w) in the workspace, so the colour ops (hue included, written without
 * branches) are plain vectorizable loops, and are interleaved back to channels-last at the end.
 */
#include <math.h>
#include <string.h>
#include "specl/data.h"

#define AUG_ATTEMPTS 10                 /* torchvision's RandomResizedCrop tries 10 boxes */
#define LUMA_R 0.299f                   /* ITU-R 601 luma */
#define LUMA_G 0.587f
#define LUMA_B 0.114f

/* Element-wise loops are vectorized with OpenMP's simd (GCC's -O2 cost model would not). They have
 * no reductions, so a value never depends on the vector width or on the thread that computes it. */
#ifdef _OPENMP
#define AUG_SIMD _Pragma("omp simd")
#else
#define AUG_SIMD
#endif

specl_augment_spec specl_augment_identity(void) {
    specl_augment_spec s = {0};
    s.scale_lo = s.scale_hi = 1.0;
    s.ratio_lo = s.ratio_hi = 1.0;
    return s;
}

specl_augment_spec specl_augment_simsiam(void) {
    specl_augment_spec s = {0};
    s.scale_lo = 0.2; s.scale_hi = 1.0;
    s.ratio_lo = 3.0 / 4.0; s.ratio_hi = 4.0 / 3.0;
    s.flip = 0.5;
    s.brightness = s.contrast = s.saturation = 0.4;
    s.hue = 0.1;
    s.jitter_p = 0.8;
    s.gray_p = 0.2;
    return s;
}

/* SPECL_EINVAL naming a probability field outside [0, 1]. */
static int check_prob_(const char *name, double v) {
    if (v >= 0 && v <= 1) return SPECL_OK;
    return specl_error(SPECL_EINVAL, "augment.%s = %g: expected a probability 0 <= %s <= 1", name, v, name);
}

/* SPECL_EINVAL naming a strength field that is negative or not finite. */
static int check_strength_(const char *name, double v) {
    if (v >= 0 && isfinite(v)) return SPECL_OK;
    return specl_error(SPECL_EINVAL, "augment.%s = %g: expected a finite %s >= 0", name, v, name);
}

int specl_augment_check(const specl_augment_spec *s) {
    if (!s) return specl_error(SPECL_EINVAL, "augment: no spec given");
    if (!(s->scale_lo > 0) || !(s->scale_lo <= s->scale_hi))
        return specl_error(SPECL_EINVAL, "augment.scale_lo = %g: expected 0 < scale_lo <= scale_hi <= 1 (scale_hi = %g)",
                           s->scale_lo, s->scale_hi);
    if (!(s->scale_hi <= 1))
        return specl_error(SPECL_EINVAL, "augment.scale_hi = %g: expected 0 < scale_lo <= scale_hi <= 1", s->scale_hi);
    if (!(s->ratio_lo > 0) || !(s->ratio_lo <= s->ratio_hi))
        return specl_error(SPECL_EINVAL, "augment.ratio_lo = %g: expected 0 < ratio_lo <= ratio_hi (ratio_hi = %g)",
                           s->ratio_lo, s->ratio_hi);
    if (!isfinite(s->ratio_hi))
        return specl_error(SPECL_EINVAL, "augment.ratio_hi = %g: expected a finite ratio_hi >= ratio_lo", s->ratio_hi);
    int st;
    if ((st = check_prob_("flip", s->flip))) return st;
    if ((st = check_strength_("brightness", s->brightness))) return st;
    if ((st = check_strength_("contrast", s->contrast))) return st;
    if ((st = check_strength_("saturation", s->saturation))) return st;
    if (!(s->hue >= 0 && s->hue <= 0.5))
        return specl_error(SPECL_EINVAL, "augment.hue = %g: expected 0 <= hue <= 0.5", s->hue);
    if ((st = check_prob_("jitter_p", s->jitter_p))) return st;
    if ((st = check_prob_("gray_p", s->gray_p))) return st;
    return check_strength_("noise", s->noise);
}

/* Column tables (w) int32 ×2 and (w) float, the blended row (w, c), and for RGB the planes
 * (3, h, w) the colour ops work on. */
size_t specl_augment_work_bytes(int h, int w, int c) {
    if (h < 1 || w < 1 || c < 1) return 0;
    size_t W = (size_t)w, planes = c == 3 ? (size_t)h * w * c : 0;
    return W * (2 * sizeof(int32_t) + sizeof(float)) + sizeof(float) * (W * c + planes);
}

/* ---- random resized crop ---- */

typedef struct { int top, left, ch, cw; } crop_box_;

/* torchvision RandomResizedCrop.get_params: 10 attempts, then a centre crop with the aspect ratio
 * clamped to [ratio_lo, ratio_hi]. Sizes round half to even (Python's round) via nearbyint.
 * One deliberate difference: scale 1..1 means the whole image. (torchvision would still draw a
 * ratio, so a non-square image would fall back to a centre crop of a ratio inside the range; here
 * "no crop" is a no-op for every shape and specl_augment_identity() is the identity.) */
static crop_box_ crop_box_draw_(const specl_augment_spec *s, int h, int w, specl_rng *rng) {
    double area = (double)h * w, llo = log(s->ratio_lo), lhi = log(s->ratio_hi);
    crop_box_ b = { 0, 0, h, w };
    if (s->scale_lo >= 1) return b;     /* scale 1..1: no crop, whatever the shape (draws nothing) */
    for (int t = 0; t < AUG_ATTEMPTS; t++) {
        double a = area * (s->scale_lo + (s->scale_hi - s->scale_lo) * specl_rng_uniform(rng));
        double r = exp(llo + (lhi - llo) * specl_rng_uniform(rng));
        double cw = nearbyint(sqrt(a * r)), ch = nearbyint(sqrt(a / r));
        if (cw > 0 && cw <= w && ch > 0 && ch <= h) {
            b.ch = (int)ch; b.cw = (int)cw;
            b.top = (int)specl_rng_below(rng, (uint64_t)(h - b.ch + 1));
            b.left = (int)specl_rng_below(rng, (uint64_t)(w - b.cw + 1));
            return b;
        }
    }
    double in_ratio = (double)w / h;
    b.ch = h; b.cw = w;
    if (in_ratio < s->ratio_lo) b.ch = (int)nearbyint(w / s->ratio_lo);
    else if (in_ratio > s->ratio_hi) b.cw = (int)nearbyint(h * s->ratio_hi);
    b.ch = b.ch < 1 ? 1 : (b.ch > h ? h : b.ch);
    b.cw = b.cw < 1 ? 1 : (b.cw > w ? w : b.cw);
    b.top = (h - b.ch) / 2;
    b.left = (w - b.cw) / 2;
    return b;
}

/* PyTorch's align_corners=False source coordinate of output index o for a resize in → out,
 * clamped at 0; *i0, *i1 the neighbours inside [0, in), returns the weight of *i1. */
static float source_index_(int o, int in, int out, int *i0, int *i1) {
    float scale = (float)in / (float)out;
    float src = ((float)o + 0.5f) * scale - 0.5f;
    if (src < 0) src = 0;
    int a = (int)src;
    if (a > in - 1) a = in - 1;
    *i0 = a;
    *i1 = a < in - 1 ? a + 1 : a;
    return src - (float)a;
}

/* Resize box b of in (h, w, c) to planes x (c, h, w), mirrored when flip. Separable: per output
 * row, the two source rows are blended vertically into tmp (cw, c) over the box's columns, then
 * each output column blends its two neighbours in tmp. work: (w) int32 offsets of the left and
 * right neighbours in tmp, (w) float weights, then tmp. */
static void resized_crop_(const float *in, int h, int w, int c, crop_box_ b, int flip, void *work, float *x) {
    int32_t *xa = work, *xb = xa + w;          /* (w) element offsets within tmp */
    float *fx = (float *)(xb + w);             /* (w) weight of the right neighbour */
    float *tmp = fx + w;                       /* (cw, c) */
    for (int ox = 0; ox < w; ox++) {
        int x0, x1;
        float t = source_index_(ox, b.cw, w, &x0, &x1);
        int o = flip ? w - 1 - ox : ox;
        xa[o] = x0 * c;
        xb[o] = x1 * c;
        fx[o] = t;
    }
    size_t npix = (size_t)h * w, span = (size_t)b.cw * c;
    for (int oy = 0; oy < h; oy++) {
        int y0, y1;
        float fy = source_index_(oy, b.ch, h, &y0, &y1);
        const float *r0 = in + ((size_t)(b.top + y0) * w + b.left) * c, *r1 = in + ((size_t)(b.top + y1) * w + b.left) * c;
        AUG_SIMD
        for (size_t j = 0; j < span; j++) tmp[j] = r0[j] + fy * (r1[j] - r0[j]);
        for (int k = 0; k < c; k++) {
            float *o = x + k * npix + (size_t)oy * w;
            for (int ox = 0; ox < w; ox++) {
                float p = tmp[xa[ox] + k];
                o[ox] = p + fx[ox] * (tmp[xb[ox] + k] - p);
            }
        }
    }
}

/* ---- colour, on planes (c, npix) ---- */

static inline float clamp01_(float v) { return v < 0.0f ? 0.0f : (v > 1.0f ? 1.0f : v); }

/* x (n) ← clamp(f·x). */
static void brightness_(float *x, size_t n, float f) {
    AUG_SIMD
    for (size_t i = 0; i < n; i++) x[i] = clamp01_(f * x[i]);
}

/* x (c, npix) ← clamp(f·x + (1 − f)·m), m the mean of the image (c = 1) or of its luma (c = 3),
 * accumulated in double in pixel order. */
static void contrast_(float *x, size_t npix, int c, float f) {
    double sum = 0;
    if (c == 1) {
        for (size_t i = 0; i < npix; i++) sum += x[i];
    } else {
        const float *r = x, *g = x + npix, *b = x + 2 * npix;
        for (size_t i = 0; i < npix; i++) sum += LUMA_R * r[i] + LUMA_G * g[i] + LUMA_B * b[i];
    }
    float m = (float)(sum / (double)npix), off = (1.0f - f) * m;
    size_t n = npix * (size_t)c;
    AUG_SIMD
    for (size_t i = 0; i < n; i++) x[i] = clamp01_(f * x[i] + off);
}

/* x (3, npix) ← clamp(f·x + (1 − f)·luma) per pixel. */
static void saturation_(float *x, size_t npix, float f) {
    float *r = x, *g = x + npix, *b = x + 2 * npix, f1 = 1.0f - f;
    AUG_SIMD
    for (size_t i = 0; i < npix; i++) {
        float l = f1 * (LUMA_R * r[i] + LUMA_G * g[i] + LUMA_B * b[i]);
        r[i] = clamp01_(f * r[i] + l);
        g[i] = clamp01_(f * g[i] + l);
        b[i] = clamp01_(f * b[i] + l);
    }
}

/* min(k, 4 − k) */
static inline float hue_w_(float k) { float m = 4.0f - k; return m < k ? m : k; }

/* x (3, npix): shift the HSV hue by `shift` ∈ [−½, ½] (a fraction of the circle), torchvision's
 * _rgb2hsv / _hsv2rgb written without branches (equal to them up to float rounding). A gray
 * pixel (max = min) has saturation 0 and comes back unchanged. Ranges used: the hue before the shift is in [0, 1) (torchvision's
 * fmod(h/6 + 1, 1) of a value in [5/6, 11/6] is a conditional subtraction), after it in (−½, 3/2),
 * so the wrap is one conditional add or subtract. */
static void hue_(float *x, size_t npix, float shift) {
    float *rp = x, *gp = x + npix, *bp = x + 2 * npix;
    AUG_SIMD
    for (size_t i = 0; i < npix; i++) {
        float r = rp[i], g = gp[i], b = bp[i];
        float mx = r > g ? r : g, mn = r < g ? r : g;
        mx = mx > b ? mx : b;
        mn = mn < b ? mn : b;
        /* Written so that GCC vectorizes it: with -ftrapping-math (the default) it will not
         * if-convert arithmetic that sits in a conditional (and it moves `c ? x − 1 : x` there), so
         * selects only choose between constants or between values their comparison needs, and the
         * wraps go through integer truncation. Gray pixels (cr = 0) divide by cr + 1 and mx + 1,
         * which gives s = 0 and h = 0 exactly. */
        float cr = mx - mn, gray = cr == 0.0f ? 1.0f : 0.0f, crd = cr + gray;
        float s = cr / (mx + gray), icr = 1.0f / crd;
        float rc = (mx - r) * icr, gc = (mx - g) * icr, bc = (mx - b) * icr;
        float is_r = mx == r ? 1.0f : 0.0f, is_g = mx == g ? 1.0f : 0.0f;
        float hh = is_r * (bc - gc) + (1.0f - is_r) * (is_g * (2.0f + rc - bc) + (1.0f - is_g) * (4.0f + gc - rc));
        /* h/6 + 1 ∈ [5/6, 11/6], plus the shift ∈ [1/3, 7/3): its fractional part is
         * torchvision's (fmod(h/6 + 1, 1) + shift) mod 1 up to one rounding */
        float z = hh / 6.0f + 1.0f + shift;
        hh = z - (float)(int)z;
        /* HSV → RGB as channel n ∈ {5, 3, 1}: v − v·s·w(n + 6h), w(k) = clamp(min(k, 4 − k), 0, 1) on
         * k mod 6 (for k ∈ [0, 12): the larger of w(k) and w(k − 6), one of which is 0). This is
         * torchvision's sector table (v, q, p, p, t, v) / (t, v, v, q, p, p) / (p, p, t, v, v, q),
         * p = v(1 − s), q = v(1 − s·f), t = v(1 − s(1 − f)), in one select-free expression. */
        float h6 = hh * 6.0f, vs = mx * s;
        float kr = h6 + 5.0f, kg = h6 + 3.0f, kb = h6 + 1.0f;
        float wr = clamp01_(hue_w_(kr)) + clamp01_(hue_w_(kr - 6.0f));
        float wg = clamp01_(hue_w_(kg)) + clamp01_(hue_w_(kg - 6.0f));
        float wb = clamp01_(hue_w_(kb)) + clamp01_(hue_w_(kb - 6.0f));
        rp[i] = clamp01_(mx - vs * wr);
        gp[i] = clamp01_(mx - vs * wg);
        bp[i] = clamp01_(mx - vs * wb);
    }
}

/* x (3, npix): every channel ← luma. */
static void grayscale_(float *x, size_t npix) {
    float *r = x, *g = x + npix, *b = x + 2 * npix;
    AUG_SIMD
    for (size_t i = 0; i < npix; i++) r[i] = g[i] = b[i] = clamp01_(LUMA_R * r[i] + LUMA_G * g[i] + LUMA_B * b[i]);
}

/* A factor U[max(0, 1 − b), 1 + b]. */
static float jitter_factor_(double b, specl_rng *rng) {
    double lo = 1.0 - b > 0 ? 1.0 - b : 0.0;
    return (float)(lo + (1.0 + b - lo) * specl_rng_uniform(rng));
}

/* ColorJitter: the four ops in a random order (Fisher-Yates over 0..3), factors drawn for the
 * enabled ones in the fixed order brightness, contrast, saturation, hue. */
static void color_jitter_(const specl_augment_spec *s, float *x, size_t npix, int c, specl_rng *rng) {
    int order[4] = {0, 1, 2, 3};
    for (int i = 3; i > 0; i--) {
        int j = (int)specl_rng_below(rng, (uint64_t)i + 1), t = order[i];
        order[i] = order[j]; order[j] = t;
    }
    int rgb = c == 3;
    float fb = s->brightness > 0 ? jitter_factor_(s->brightness, rng) : 1.0f;
    float fc = s->contrast > 0 ? jitter_factor_(s->contrast, rng) : 1.0f;
    float fs = rgb && s->saturation > 0 ? jitter_factor_(s->saturation, rng) : 1.0f;
    float fh = rgb && s->hue > 0 ? (float)(s->hue * (2.0 * specl_rng_uniform(rng) - 1.0)) : 0.0f;
    for (int k = 0; k < 4; k++) {
        switch (order[k]) {
        case 0: if (s->brightness > 0) brightness_(x, npix * (size_t)c, fb); break;
        case 1: if (s->contrast > 0) contrast_(x, npix, c, fc); break;
        case 2: if (rgb && s->saturation > 0) saturation_(x, npix, fs); break;
        default: if (rgb && s->hue > 0) hue_(x, npix, fh); break;
        }
    }
}

/* x (n) ← x + sd·N(0, 1), normals by Marsaglia's polar method in float, two per accepted draw,
 * the two 24-bit uniforms of a draw taken from one 64-bit word. */
static void noise_(float *x, size_t n, float sd, specl_rng *rng) {
    for (size_t i = 0; i < n; i += 2) {
        float u, v, q;
        do {
            uint64_t bits = specl_rng_u64(rng);
            u = (float)((int32_t)(bits >> 40) - 0x800000) * 0x1.0p-23f;
            v = (float)((int32_t)((bits >> 16) & 0xFFFFFF) - 0x800000) * 0x1.0p-23f;
            q = u * u + v * v;
        } while (q >= 1.0f || q == 0.0f);
        float m = sd * sqrtf(-2.0f * logf(q) / q);
        x[i] += u * m;
        if (i + 1 < n) x[i + 1] += v * m;
    }
}

int specl_augment_apply(const specl_augment_spec *s, const float *in, int h, int w, int c, specl_rng *rng,
                        void *work, float *out) {
    int st = specl_augment_check(s);
    if (st) return st;
    if (h < 1 || w < 1 || (c != 1 && c != 3))
        return specl_error(SPECL_EINVAL, "augment: image shape (%d, %d, %d): expected h, w >= 1 and c = 1 or 3", h, w, c);
    if (!in || !out || !work || !rng || in == out)
        return specl_error(SPECL_EINVAL, "augment: missing or aliased buffers (in, out, work and rng are required, out != in)");
    size_t npix = (size_t)h * w, n = npix * (size_t)c;
    /* planes (c, h, w): the output itself for one channel, else the end of the workspace */
    float *x = c == 1 ? out : (float *)((char *)work + specl_augment_work_bytes(h, w, c)) - n;
    crop_box_ b = crop_box_draw_(s, h, w, rng);
    int flip = s->flip > 0 && specl_rng_uniform(rng) < s->flip;
    resized_crop_(in, h, w, c, b, flip, work, x);
    int jitter = s->brightness > 0 || s->contrast > 0 || (c == 3 && (s->saturation > 0 || s->hue > 0));
    if (jitter && s->jitter_p > 0 && specl_rng_uniform(rng) < s->jitter_p) color_jitter_(s, x, npix, c, rng);
    if (c == 3 && s->gray_p > 0 && specl_rng_uniform(rng) < s->gray_p) grayscale_(x, npix);
    if (s->noise > 0) noise_(x, n, (float)s->noise, rng);
    if (c == 1) {                              /* clamp: noise, and interpolation rounding */
        AUG_SIMD
        for (size_t i = 0; i < n; i++) out[i] = clamp01_(out[i]);
        return SPECL_OK;
    }
    const float *r = x, *g = x + npix, *bl = x + 2 * npix;
    AUG_SIMD
    for (size_t i = 0; i < npix; i++) {        /* back to channels-last, clamped */
        out[3 * i] = clamp01_(r[i]);
        out[3 * i + 1] = clamp01_(g[i]);
        out[3 * i + 2] = clamp01_(bl[i]);
    }
    return SPECL_OK;
}

void specl_augment_normalize(float *x, int64_t npix, int c, const double *mean, const double *std) {
    float m[3] = {0, 0, 0}, sd[3] = {1, 1, 1};
    for (int k = 0; k < c && k < 3; k++) { m[k] = (float)mean[k]; sd[k] = (float)std[k]; }
    if (c == 1) {
        float m0 = m[0], s0 = sd[0];
        AUG_SIMD
        for (int64_t i = 0; i < npix; i++) x[i] = (x[i] - m0) / s0;
        return;
    }
    /* channels repeat with period c; in blocks of 12 values (a multiple of c = 3 and of the vector
     * width) the inner loop vectorizes */
    float mm[12], ss[12];
    for (int j = 0; j < 12; j++) { mm[j] = m[j % c]; ss[j] = sd[j % c]; }
    int64_t n = npix * c, i = 0;
    for (; i + 12 <= n; i += 12) {
        float *xb = x + i;
        AUG_SIMD
        for (int j = 0; j < 12; j++) xb[j] = (xb[j] - mm[j]) / ss[j];
    }
    for (; i < n; i++) x[i] = (x[i] - m[i % c]) / sd[i % c];
}
