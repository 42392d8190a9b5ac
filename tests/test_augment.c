/* Tests of the image augmentations (data/augment.c) and the image-dataset pair source
 * (data/imagesrc.c): exact identities of the crop (identity box, constant images, double flip,
 * monotone ramps), the ranges and means of the colour jitters and the noise within 5 standard
 * errors, grayscale and hue invariants, every validation error (status SPECL_EINVAL, a message
 * starting with the field), and the source: labels and one-hot targets, natural() against its
 * documented formula bit for bit, statistics, seeded subsets, batches bit-identical for 1 and 2
 * OpenMP threads and for the same seed. All images are synthetic and small; when the Debian
 * package dataset-fashion-mnist is installed, one smoke test runs on its test split. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#ifdef _OPENMP
#include <omp.h>
#endif
#include "specl/base.h"
#include "specl/data.h"
#include "specl/images.h"
#include "check.h"

/* ---- helpers ---- */

/* n random images (h, w, c), labels (i * 7) mod classes so every class occurs. */
static specl_images images_(int64_t n, int h, int w, int c, int classes, uint64_t seed) {
    specl_images im = { n, h, w, c, NULL, NULL, classes };
    size_t d = (size_t)h * w * c;
    im.pixels = malloc(d * (size_t)n);
    im.labels = malloc(sizeof(int32_t) * (size_t)n);
    specl_rng r;
    specl_rng_seed(&r, seed);
    for (size_t i = 0; i < d * (size_t)n; i++) im.pixels[i] = (uint8_t)specl_rng_below(&r, 256);
    for (int64_t i = 0; i < n; i++) im.labels[i] = (int32_t)((i * 7) % classes);
    return im;
}

/* A float image (h, w, c) uniform in [lo, hi]. */
static float *rand_image_(int h, int w, int c, float lo, float hi, uint64_t seed) {
    float *x = malloc(sizeof(float) * (size_t)h * w * c);
    specl_rng r;
    specl_rng_seed(&r, seed);
    for (size_t i = 0; i < (size_t)h * w * c; i++) x[i] = lo + (hi - lo) * (float)specl_rng_uniform(&r);
    return x;
}

static double max_abs_diff_(const float *a, const float *b, size_t n) {
    double m = 0;
    for (size_t i = 0; i < n; i++) m = fmax(m, fabs((double)a[i] - b[i]));
    return m;
}

/* Apply spec to in (h, w, c) with its own workspace. */
static int apply_(const specl_augment_spec *s, const float *in, int h, int w, int c, specl_rng *r, float *out) {
    void *work = malloc(specl_augment_work_bytes(h, w, c) + 1);
    int st = specl_augment_apply(s, in, h, w, c, r, work, out);
    free(work);
    return st;
}

/* A call that must fail with SPECL_EINVAL and a message starting with key. */
static void expect_einval_(int st, const char *key, const char *what) {
    const char *msg = specl_error_detail();
    int ok = st == SPECL_EINVAL && strncmp(msg, key, strlen(key)) == 0;
    CHECK(ok);
    if (!ok) fprintf(stderr, "  %s: status %d, message '%s' (expected EINVAL starting with '%s')\n", what, st, msg, key);
}

static float luma_(const float *p) { return 0.299f * p[0] + 0.587f * p[1] + 0.114f * p[2]; }

/* ---- augmentations ---- */

/* scale 1..1 is no crop, for square and non-square images; with ratio 1..1 and no flip, jitter or
 * noise the view is the image. */
TEST(crop_identity) {
    const int shapes[3][2] = { { 9, 9 }, { 7, 12 }, { 1, 5 } };
    for (int sh = 0; sh < 3; sh++)
        for (int c = 1; c <= 3; c += 2) {
            int h = shapes[sh][0], w = shapes[sh][1];
            float *in = rand_image_(h, w, c, 0, 1, 11 + c), *out = malloc(sizeof(float) * h * w * c);
            specl_augment_spec s = specl_augment_identity();
            specl_rng r;
            specl_rng_seed(&r, 1);
            for (int t = 0; t < 5; t++) {
                CHECK_OK(apply_(&s, in, h, w, c, &r, out));
                CHECK(max_abs_diff_(in, out, (size_t)h * w * c) <= 1e-6);
            }
            free(in); free(out);
        }
}

TEST(crop_constant_stays_constant) {
    const int h = 12, w = 9, c = 3;
    float *in = malloc(sizeof(float) * h * w * c), *out = malloc(sizeof(float) * h * w * c);
    for (int i = 0; i < h * w * c; i++) in[i] = 0.37f;
    specl_augment_spec s = specl_augment_identity();
    s.scale_lo = 0.05; s.scale_hi = 0.6; s.ratio_lo = 0.5; s.ratio_hi = 2.0; s.flip = 0.5;
    specl_rng r;
    specl_rng_seed(&r, 2);
    double worst = 0;
    for (int t = 0; t < 200; t++) {
        CHECK_OK(apply_(&s, in, h, w, c, &r, out));
        worst = fmax(worst, max_abs_diff_(in, out, (size_t)h * w * c));
    }
    CHECK(worst <= 1e-6);
    free(in); free(out);
}

TEST(flip_twice_restores) {
    const int h = 5, w = 7, c = 3;
    float *in = rand_image_(h, w, c, 0, 1, 3), *once = malloc(sizeof(float) * h * w * c), *twice = malloc(sizeof(float) * h * w * c);
    specl_augment_spec s = specl_augment_identity();
    s.ratio_lo = s.ratio_hi = (double)w / h;   /* non-square: the ratio of the full image */
    s.flip = 1.0;
    specl_rng r;
    specl_rng_seed(&r, 4);
    CHECK_OK(apply_(&s, in, h, w, c, &r, once));
    CHECK_OK(apply_(&s, once, h, w, c, &r, twice));
    int mirrored = 1;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            for (int k = 0; k < c; k++)
                mirrored &= once[(y * w + x) * c + k] == in[(y * w + (w - 1 - x)) * c + k];
    CHECK(mirrored);
    CHECK(max_abs_diff_(in, twice, (size_t)h * w * c) <= 1e-6);
    free(in); free(once); free(twice);
}

/* Known values: a 2×2 box of a 4×4 image resized to 4×4 with align_corners=False puts the output
 * samples at source offsets 0, 1/4, 3/4, 1 (PyTorch's interpolate of [0, 1] to 4 gives 0, 0.25,
 * 0.75, 1); a linear image (col + 2·row)/9 is then exactly linear in those offsets. And the
 * fallback: a 4×40 strip with ratio 1..1 cannot hold a square of 90% of its area, so after 10
 * attempts the crop is the centred 4×4 square, columns 18..21. */
TEST(crop_box_semantics) {
    const float g[4] = { 0, 0.25f, 0.75f, 1 };
    float in[16], out[16];
    for (int y = 0; y < 4; y++)
        for (int x = 0; x < 4; x++) in[y * 4 + x] = (float)(x + 2 * y) / 9;
    specl_augment_spec s = specl_augment_identity();
    s.scale_lo = s.scale_hi = 0.25;
    specl_rng r;
    specl_rng_seed(&r, 17);
    int seen[9] = {0};
    for (int t = 0; t < 60; t++) {
        CHECK_OK(apply_(&s, in, 4, 4, 1, &r, out));
        int found = 0;                           /* the output is the box at some (top, left) */
        for (int bt = 0; bt <= 2; bt++)
            for (int bl = 0; bl <= 2; bl++) {
                int match = 1;
                for (int oy = 0; oy < 4; oy++)
                    for (int ox = 0; ox < 4; ox++)
                        match &= fabs(out[oy * 4 + ox] - (bl + g[ox] + 2 * (bt + g[oy])) / 9.0) <= 1e-6;
                if (match) { found = 1; seen[bt * 3 + bl]++; }
            }
        CHECK(found);
    }
    for (int k = 0; k < 9; k++) CHECK(seen[k] > 0);   /* every position is drawn */
    /* the fallback: centre square of a strip */
    float strip[4 * 40], sout[4 * 40];
    for (int y = 0; y < 4; y++)
        for (int x = 0; x < 40; x++) strip[y * 40 + x] = (float)x / 39;
    s.scale_lo = 0.9; s.scale_hi = 0.95; s.ratio_lo = s.ratio_hi = 1;
    CHECK_OK(apply_(&s, strip, 4, 40, 1, &r, sout));
    for (int x = 0; x < 40; x++) {
        double src = (x + 0.5) * 4 / 40 - 0.5;
        src = src < 0 ? 0 : (src > 3 ? 3 : src);
        CHECK_NEAR(sout[x], (18 + src) / 39, 1e-6);
        CHECK(sout[3 * 40 + x] == sout[x]);
    }
}

/* A horizontal ramp stays a non-decreasing ramp (non-increasing when flipped), equal in every row. */
TEST(ramp_stays_monotone) {
    const int h = 16, w = 16;
    float in[16 * 16], out[16 * 16];
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) in[y * w + x] = (float)x / (w - 1);
    specl_augment_spec s = specl_augment_simsiam();
    s.scale_lo = 0.08;
    specl_rng r;
    specl_rng_seed(&r, 5);
    int bad = 0, rows_differ = 0, changed = 0;
    for (int t = 0; t < 300; t++) {
        s.flip = t % 2;
        CHECK_OK(apply_(&s, in, h, w, 1, &r, out));
        changed += max_abs_diff_(in, out, (size_t)h * w) > 1e-3;
        for (int y = 0; y < h; y++)
            for (int x = 1; x < w; x++) {
                float dv = out[y * w + x] - out[y * w + x - 1];
                bad += s.flip ? dv > 1e-6f : dv < -1e-6f;
                rows_differ += fabsf(out[y * w + x] - out[x]) > 1e-6f;
            }
    }
    CHECK(bad == 0);
    CHECK(rows_differ == 0);
    CHECK(changed > 200);
}

/* Brightness only on a constant image: values stay constant per view, inside [c(1 − b), c(1 + b)],
 * reach near both ends, and average to c within 5 SE. */
TEST(brightness_jitter_range_and_mean) {
    const int h = 6, w = 6, N = 4000;
    const double c0 = 0.5, b = 0.4;
    float in[36], out[36];
    for (int i = 0; i < 36; i++) in[i] = (float)c0;
    specl_augment_spec s = specl_augment_identity();
    s.brightness = b; s.jitter_p = 1.0;
    specl_rng r;
    specl_rng_seed(&r, 6);
    double sum = 0, lo = 1, hi = 0;
    int out_of_range = 0, not_constant = 0;
    for (int t = 0; t < N; t++) {
        CHECK_OK(apply_(&s, in, h, w, 1, &r, out));
        for (int i = 1; i < 36; i++) not_constant += out[i] != out[0];
        out_of_range += out[0] < c0 * (1 - b) - 1e-6 || out[0] > c0 * (1 + b) + 1e-6;
        sum += out[0]; lo = fmin(lo, out[0]); hi = fmax(hi, out[0]);
    }
    double se = c0 * 2 * b / sqrt(12.0) / sqrt((double)N);
    CHECK(out_of_range == 0 && not_constant == 0);
    CHECK_NEAR(sum / N, c0, 5 * se);
    CHECK(lo < c0 * (1 - b) + 0.01 && hi > c0 * (1 + b) - 0.01);
    /* jitter_p = 0: never applied */
    s.jitter_p = 0;
    CHECK_OK(apply_(&s, in, h, w, 1, &r, out));
    CHECK(max_abs_diff_(in, out, 36) == 0);
}

/* Contrast keeps the mean of an unclamped image and scales deviations by one factor in range. */
TEST(contrast_jitter_keeps_mean) {
    const int h = 4, w = 4;
    float in[16], out[16];
    for (int i = 0; i < 16; i++) in[i] = i % 2 ? 0.4f : 0.6f;
    specl_augment_spec s = specl_augment_identity();
    s.contrast = 0.5; s.jitter_p = 1.0;
    specl_rng r;
    specl_rng_seed(&r, 7);
    for (int t = 0; t < 200; t++) {
        CHECK_OK(apply_(&s, in, h, w, 1, &r, out));
        double m = 0;
        for (int i = 0; i < 16; i++) m += out[i] / 16.0;
        CHECK_NEAR(m, 0.5, 1e-6);
        double f = (out[0] - 0.5) / (0.6 - 0.5);
        CHECK(f >= 0.5 - 1e-5 && f <= 1.5 + 1e-5);
    }
}

/* Saturation blends each pixel with its luma, so the luma of every pixel is kept. */
TEST(saturation_keeps_luma) {
    const int h = 5, w = 5, c = 3;
    float *in = rand_image_(h, w, c, 0.4f, 0.6f, 8), out[75];
    specl_augment_spec s = specl_augment_identity();
    s.saturation = 0.4; s.jitter_p = 1.0;
    specl_rng r;
    specl_rng_seed(&r, 9);
    double worst = 0;
    int changed = 0;
    for (int t = 0; t < 50; t++) {
        CHECK_OK(apply_(&s, in, h, w, c, &r, out));
        for (int p = 0; p < h * w; p++) worst = fmax(worst, fabs(luma_(out + 3 * p) - luma_(in + 3 * p)));
        changed += max_abs_diff_(in, out, 75) > 1e-4;
    }
    CHECK(worst <= 1e-5);
    CHECK(changed > 40);
    free(in);
}

TEST(grayscale_equal_channels) {
    const int h = 6, w = 4, c = 3;
    float *in = rand_image_(h, w, c, 0, 1, 10), out[72];
    specl_augment_spec s = specl_augment_identity();
    s.gray_p = 1.0;
    specl_rng r;
    specl_rng_seed(&r, 11);
    CHECK_OK(apply_(&s, in, h, w, c, &r, out));
    for (int p = 0; p < h * w; p++) {
        CHECK(out[3 * p] == out[3 * p + 1] && out[3 * p] == out[3 * p + 2]);
        CHECK_NEAR(out[3 * p], 0.299 * in[3 * p] + 0.587 * in[3 * p + 1] + 0.114 * in[3 * p + 2], 1e-6);
    }
    /* grayscale is RGB only: a one-channel image is untouched */
    CHECK_OK(apply_(&s, in, h, w, 1, &r, out));
    CHECK(max_abs_diff_(in, out, (size_t)h * w) == 0);
    free(in);
}

/* Hue jitter leaves a gray image exactly as it is, and on colours keeps each pixel's max and min
 * (HSV value and saturation) while moving the hue. */
TEST(hue_jitter_invariants) {
    const int h = 6, w = 6, c = 3;
    float *gray = rand_image_(h, w, c, 0, 1, 12), *col = rand_image_(h, w, c, 0, 1, 13), out[108];
    for (int p = 0; p < h * w; p++) gray[3 * p + 1] = gray[3 * p + 2] = gray[3 * p];
    specl_augment_spec s = specl_augment_identity();
    s.hue = 0.5; s.jitter_p = 1.0;
    specl_rng r;
    specl_rng_seed(&r, 14);
    double worst = 0;
    int moved = 0;
    for (int t = 0; t < 50; t++) {
        CHECK_OK(apply_(&s, gray, h, w, c, &r, out));
        CHECK(max_abs_diff_(gray, out, 108) == 0);
        CHECK_OK(apply_(&s, col, h, w, c, &r, out));
        for (int p = 0; p < h * w; p++) {
            const float *a = col + 3 * p, *b = out + 3 * p;
            worst = fmax(worst, fabs(fmax(fmax(a[0], a[1]), a[2]) - fmax(fmax(b[0], b[1]), b[2])));
            worst = fmax(worst, fabs(fmin(fmin(a[0], a[1]), a[2]) - fmin(fmin(b[0], b[1]), b[2])));
        }
        moved += max_abs_diff_(col, out, 108) > 1e-3;
    }
    CHECK(worst <= 1e-5);
    CHECK(moved > 40);
    free(gray); free(col);
}

/* torchvision's adjust_hue (_rgb2hsv, (h + shift) mod 1, _hsv2rgb with its sector table), in
 * double, on one RGB pixel. */
static void ref_hue_(const float *in, double shift, double *out) {
    double r = in[0], g = in[1], b = in[2];
    double mx = fmax(r, fmax(g, b)), mn = fmin(r, fmin(g, b));
    int eq = mx == mn;
    double cr = mx - mn, s = cr / (eq ? 1 : mx), crd = eq ? 1 : cr;
    double rc = (mx - r) / crd, gc = (mx - g) / crd, bc = (mx - b) / crd;
    double h = (mx == r) * (bc - gc) + (mx == g && mx != r) * (2 + rc - bc) + (mx != g && mx != r) * (4 + gc - rc);
    h = fmod(h / 6 + 1, 1) + shift;
    h -= floor(h);
    double i = floor(h * 6), f = h * 6 - i, v = mx;
    double p = fmin(fmax(v * (1 - s), 0), 1), q = fmin(fmax(v * (1 - s * f), 0), 1), t = fmin(fmax(v * (1 - s * (1 - f)), 0), 1);
    const double a1[6] = { v, q, p, p, t, v }, a2[6] = { t, v, v, q, p, p }, a3[6] = { p, p, t, v, v, q };
    int k = (int)i % 6;
    out[0] = a1[k]; out[1] = a2[k]; out[2] = a3[k];
}

/* Hue jitter against torchvision's formulas. White-box: it replays the draws of a view with no
 * crop (scale 1 draws nothing), no flip and hue-only jitter: the jitter_p uniform, the three
 * draws of the random order, then the hue uniform. */
TEST(hue_matches_torchvision_formula) {
    const int h = 16, w = 16, c = 3;
    float *in = rand_image_(h, w, c, 0, 1, 18), out[768];
    for (int p = 0; p < 16; p++) in[3 * p + 1] = in[3 * p];          /* ties: max in two channels */
    for (int p = 16; p < 32; p++) in[3 * p + 2] = in[3 * p + 1];
    specl_augment_spec s = specl_augment_identity();
    s.hue = 0.5; s.jitter_p = 1.0;
    specl_rng r;
    specl_rng_seed(&r, 19);
    double worst = 0;
    for (int t = 0; t < 40; t++) {
        specl_rng replay = r;
        (void)specl_rng_uniform(&replay);
        for (int i = 3; i > 0; i--) (void)specl_rng_below(&replay, (uint64_t)i + 1);
        double shift = (double)(float)(s.hue * (2.0 * specl_rng_uniform(&replay) - 1.0));
        CHECK_OK(apply_(&s, in, h, w, c, &r, out));
        CHECK(memcmp(&r, &replay, sizeof r) == 0);
        for (int p = 0; p < h * w; p++) {
            double ref[3];
            ref_hue_(in + 3 * p, shift, ref);
            for (int k = 0; k < 3; k++) worst = fmax(worst, fabs(out[3 * p + k] - ref[k]));
        }
    }
    CHECK(worst <= 1e-5);
    if (worst > 1e-5) fprintf(stderr, "  largest difference from torchvision's formula: %.3g\n", worst);
    free(in);
}

/* Gaussian noise on a constant 0.5: mean 0.5 and std `noise` within 5 SE, values in [0, 1]. */
TEST(noise_moments) {
    const int h = 32, w = 32, N = 20;
    float in[1024], out[1024];
    for (int i = 0; i < 1024; i++) in[i] = 0.5f;
    specl_augment_spec s = specl_augment_identity();
    s.noise = 0.05;
    specl_rng r;
    specl_rng_seed(&r, 15);
    double s1 = 0, s2 = 0;
    int outside = 0;
    for (int t = 0; t < N; t++) {
        CHECK_OK(apply_(&s, in, h, w, 1, &r, out));
        for (int i = 0; i < 1024; i++) { s1 += out[i] - 0.5; s2 += (out[i] - 0.5) * (out[i] - 0.5); outside += out[i] < 0 || out[i] > 1; }
    }
    double M = (double)N * 1024, sd = sqrt(s2 / M);
    CHECK_NEAR(s1 / M, 0, 5 * 0.05 / sqrt(M));
    CHECK_NEAR(sd, 0.05, 5 * 0.05 / sqrt(2 * M));
    CHECK(outside == 0);
    /* large noise clamps */
    s.noise = 3;
    CHECK_OK(apply_(&s, in, h, w, 1, &r, out));
    for (int i = 0; i < 1024; i++) outside += out[i] < 0 || out[i] > 1;
    CHECK(outside == 0);
}

/* The same stream gives the same view; the SimSiam transform of RGB stays in [0, 1]. */
TEST(apply_deterministic) {
    const int h = 10, w = 8, c = 3;
    float *in = rand_image_(h, w, c, 0, 1, 16), a[240], b[240];
    specl_augment_spec s = specl_augment_simsiam();
    s.noise = 0.02;
    for (int t = 0; t < 50; t++) {
        specl_rng r1, r2;
        specl_rng_seed(&r1, 100 + t);
        specl_rng_seed(&r2, 100 + t);
        CHECK_OK(apply_(&s, in, h, w, c, &r1, a));
        CHECK_OK(apply_(&s, in, h, w, c, &r2, b));
        CHECK(memcmp(a, b, sizeof a) == 0 && memcmp(&r1, &r2, sizeof r1) == 0);
        for (int i = 0; i < 240; i++) CHECK(a[i] >= 0 && a[i] <= 1);
    }
    free(in);
}

TEST(normalize_formula) {
    float x[6] = { 0, 0.25f, 0.5f, 0.75f, 1, 0.1f };
    const double mean[3] = { 0.1, 0.2, 0.3 }, sd[3] = { 0.5, 0.25, 2 };
    float y[6];
    memcpy(y, x, sizeof x);
    specl_augment_normalize(y, 2, 3, mean, sd);
    for (int i = 0; i < 6; i++) CHECK(y[i] == (x[i] - (float)mean[i % 3]) / (float)sd[i % 3]);
    memcpy(y, x, sizeof x);
    specl_augment_normalize(y, 6, 1, mean, sd);
    for (int i = 0; i < 6; i++) CHECK(y[i] == (x[i] - (float)mean[0]) / (float)sd[0]);
}

TEST(augment_errors) {
    const specl_augment_spec ok = specl_augment_simsiam();
    CHECK_OK(specl_augment_check(&ok));
    specl_augment_spec s;
#define BAD(field, value, key) do { s = ok; s.field = (value); \
        expect_einval_(specl_augment_check(&s), key, #field " = " #value); } while (0)
    BAD(scale_lo, 0, "augment.scale_lo");
    BAD(scale_lo, -0.1, "augment.scale_lo");
    BAD(scale_lo, NAN, "augment.scale_lo");
    s = ok; s.scale_lo = 0.8; s.scale_hi = 0.5;
    expect_einval_(specl_augment_check(&s), "augment.scale_lo", "scale_lo > scale_hi");
    BAD(scale_hi, 1.5, "augment.scale_hi");
    BAD(ratio_lo, 0, "augment.ratio_lo");
    s = ok; s.ratio_lo = 2; s.ratio_hi = 1;
    expect_einval_(specl_augment_check(&s), "augment.ratio_lo", "ratio_lo > ratio_hi");
    BAD(ratio_hi, INFINITY, "augment.ratio_hi");
    BAD(flip, -0.1, "augment.flip");
    BAD(flip, 1.5, "augment.flip");
    BAD(brightness, -0.1, "augment.brightness");
    BAD(contrast, -1, "augment.contrast");
    BAD(saturation, NAN, "augment.saturation");
    BAD(hue, 0.6, "augment.hue");
    BAD(hue, -0.1, "augment.hue");
    BAD(jitter_p, 1.1, "augment.jitter_p");
    BAD(gray_p, -0.5, "augment.gray_p");
    BAD(noise, -0.01, "augment.noise");
    BAD(noise, INFINITY, "augment.noise");
#undef BAD
    /* the message says what was expected */
    s = ok; s.scale_lo = 1.5;
    CHECK(specl_augment_check(&s) == SPECL_EINVAL);
    CHECK(strstr(specl_error_detail(), "augment.scale_lo = 1.5: expected 0 < scale_lo <= scale_hi <= 1") != NULL);
    /* apply: the spec is checked, and the shape */
    float in[12] = {0}, out[12];
    specl_rng r;
    specl_rng_seed(&r, 1);
    s = ok; s.hue = 1;
    expect_einval_(apply_(&s, in, 2, 2, 3, &r, out), "augment.hue", "apply with a bad spec");
    CHECK(apply_(&ok, in, 2, 3, 2, &r, out) == SPECL_EINVAL);
    CHECK(apply_(&ok, in, 0, 3, 1, &r, out) == SPECL_EINVAL);
}

/* ---- the image source ---- */

static specl_images_source_params params_(const specl_images *im, specl_augment_spec aug) {
    specl_images_source_params p;
    memset(&p, 0, sizeof p);
    p.im = im;
    p.aug = aug;
    p.labels = "class";
    for (int k = 0; k < 3; k++) { p.mean[k] = 0.2 + 0.1 * k; p.std[k] = 0.3 + 0.05 * k; }
    return p;
}

static specl_source *img_src_(const specl_images_source_params *p) {
    specl_source *src = NULL;
    CHECK_OK(specl_images_source_new(p, &src));
    return src;
}

TEST(source_fields_and_labels) {
    specl_images im = images_(50, 7, 6, 3, 4, 21);
    specl_images_source_params p = params_(&im, specl_augment_simsiam());
    specl_source *src = img_src_(&p);
    specl_images_free(&im);                          /* the source keeps its own copy */
    if (!src) return;
    CHECK(strcmp(src->kind, "images") == 0 && src->d == 7 * 6 * 3);
    CHECK(src->n_support == 0 && src->n_clusters == 4 && src->n_natural == 50);
    CHECK(src->n_labelings == 1 && strcmp(src->labelings[0].name, "class") == 0);
    CHECK(src->labelings[0].dim == 4 && src->labelings[0].classes == 4 && !src->labelings[0].scalar && src->target_dim == 4);
    int h, w, c;
    CHECK_OK(specl_source_image_shape(src, &h, &w, &c));
    CHECK(h == 7 && w == 6 && c == 3);
    specl_batch b;
    CHECK_OK(specl_batch_alloc(&b, 64, src));
    specl_rng r;
    specl_rng_seed(&r, 22);
    CHECK_OK(specl_source_sample(src, 64, &r, &b));
    CHECK(b.n == 64);
    for (int i = 0; i < 64; i++) {
        int64_t id = b.natural[i];
        CHECK(id >= 0 && id < 50);
        int32_t want = (int32_t)((id * 7) % 4);
        CHECK(b.label[i] == want && b.cluster[i] == want && b.fine[i] == id);
        CHECK(b.view[i] == -1 && b.view[64 + i] == -1);
        for (int k = 0; k < 4; k++) CHECK(b.target[i * 4 + k] == (k == want ? 1.0f : 0.0f));
    }
    CHECK(specl_all_finite(b.x, 2 * 64 * (size_t)src->d));
    /* the two views of a pair differ */
    int differ = 0;
    for (int i = 0; i < 64; i++)
        differ += memcmp(b.x + (size_t)i * src->d, b.x + (size_t)(64 + i) * src->d, sizeof(float) * src->d) != 0;
    CHECK(differ >= 60);
    /* natural labels */
    float *x = malloc(sizeof(float) * src->d), t[4];
    int32_t lab;
    for (int64_t i = 0; i < 50; i++) {
        CHECK_OK(specl_source_natural(src, i, x, &lab, t));
        CHECK(lab == (int32_t)((i * 7) % 4) && t[lab] == 1.0f && t[0] + t[1] + t[2] + t[3] == 1.0f);
    }
    CHECK_OK(specl_source_natural(src, 3, x, NULL, NULL));
    CHECK(specl_source_natural(src, 50, x, &lab, t) == SPECL_EINVAL);
    CHECK(specl_source_natural(src, -1, x, &lab, t) == SPECL_EINVAL);
    free(x);
    specl_batch_free(&b);
    specl_source_free(src);
    /* other sources: no image shape, no natural data */
    specl_hypercube_params hp = { 4, 2, 0.5, 1.0, "x1", 0, NULL };
    specl_source *hc = NULL;
    CHECK_OK(specl_hypercube_new(&hp, &hc));
    if (hc) {
        float xx[4];
        expect_einval_(specl_source_image_shape(hc, &h, &w, &c), "source 'hypercube'", "image shape of a hypercube");
        CHECK(specl_source_natural(hc, 0, xx, NULL, NULL) == SPECL_EUNSUPPORTED);
        specl_source_free(hc);
    }
}

/* natural(i) is exactly ((float)p / 255 − (float)mean_k) / (float)std_k; with no augmentation both
 * views of a pair are exactly the natural datum. */
TEST(source_natural_exact) {
    for (int c = 1; c <= 3; c += 2) {
        specl_images im = images_(30, 5, 4, c, 3, 30 + c);
        specl_images_source_params p = params_(&im, specl_augment_identity());
        specl_source *src = img_src_(&p);
        if (!src) { specl_images_free(&im); continue; }
        int d = src->d;
        float *x = malloc(sizeof(float) * d);
        int exact = 1;
        double worst = 0;
        for (int64_t i = 0; i < im.n; i++) {
            CHECK_OK(specl_source_natural(src, i, x, NULL, NULL));
            for (int j = 0; j < d; j++) {
                uint8_t px = im.pixels[i * d + j];
                int k = j % c;
                exact &= x[j] == ((float)px / 255.0f - (float)p.mean[k]) / (float)p.std[k];
                worst = fmax(worst, fabs(x[j] - (px / 255.0 - p.mean[k]) / p.std[k]));
            }
        }
        CHECK(exact);
        CHECK(worst <= 1e-5);
        specl_batch b;
        CHECK_OK(specl_batch_alloc(&b, 40, src));
        specl_rng r;
        specl_rng_seed(&r, 31);
        CHECK_OK(specl_source_sample(src, 40, &r, &b));
        for (int i = 0; i < 40; i++) {
            CHECK_OK(specl_source_natural(src, b.natural[i], x, NULL, NULL));
            CHECK(memcmp(x, b.x + (size_t)i * d, sizeof(float) * d) == 0);
            CHECK(memcmp(x, b.x + (size_t)(40 + i) * d, sizeof(float) * d) == 0);
        }
        specl_batch_free(&b);
        free(x);
        specl_source_free(src);
        specl_images_free(&im);
    }
}

/* specl_images_stats against a direct double computation; std[0] = 0 makes the source normalize
 * with its own statistics, so its natural data have mean 0 and std 1 per channel. */
TEST(source_stats) {
    specl_images im = images_(40, 6, 5, 3, 2, 40);
    double mean[3], sd[3], m2[3] = {0}, s2[3] = {0};
    CHECK_OK(specl_images_stats(&im, mean, sd));
    int64_t npix = im.n * im.h * im.w;
    for (int64_t i = 0; i < npix; i++)
        for (int k = 0; k < 3; k++) m2[k] += im.pixels[i * 3 + k] / 255.0 / (double)npix;
    for (int64_t i = 0; i < npix; i++)
        for (int k = 0; k < 3; k++) s2[k] += pow(im.pixels[i * 3 + k] / 255.0 - m2[k], 2) / (double)npix;
    for (int k = 0; k < 3; k++) { CHECK_NEAR(mean[k], m2[k], 1e-12); CHECK_NEAR(sd[k], sqrt(s2[k]), 1e-12); }
    specl_images_source_params p = params_(&im, specl_augment_identity());
    p.std[0] = 0;
    specl_source *src = img_src_(&p);
    if (src) {
        int d = src->d;
        float *x = malloc(sizeof(float) * d);
        double a[3] = {0}, q[3] = {0};
        for (int64_t i = 0; i < im.n; i++) {
            CHECK_OK(specl_source_natural(src, i, x, NULL, NULL));
            for (int j = 0; j < d; j++) { a[j % 3] += x[j]; q[j % 3] += (double)x[j] * x[j]; }
        }
        for (int k = 0; k < 3; k++) {
            CHECK_NEAR(a[k] / (double)npix, 0, 1e-5);
            CHECK_NEAR(q[k] / (double)npix, 1, 1e-5);
        }
        free(x);
        specl_source_free(src);
    }
    /* one channel: the unused entries are 0 and 1 */
    specl_images g = images_(10, 3, 3, 1, 2, 41);
    CHECK_OK(specl_images_stats(&g, mean, sd));
    CHECK(mean[1] == 0 && mean[2] == 0 && sd[1] == 1 && sd[2] == 1 && sd[0] > 0);
    specl_images_free(&g);
    specl_images_free(&im);
}

/* Index in im of the image equal to x (natural datum normalized with p), -1 if none. */
static int64_t find_image_(const specl_images *im, const specl_images_source_params *p, const float *x) {
    int d = im->h * im->w * im->c;
    for (int64_t i = 0; i < im->n; i++) {
        int same = 1;
        for (int j = 0; j < d && same; j++)
            same = x[j] == ((float)im->pixels[i * d + j] / 255.0f - (float)p->mean[j % im->c]) / (float)p->std[j % im->c];
        if (same) return i;
    }
    return -1;
}

TEST(source_subset) {
    specl_images im = images_(60, 4, 4, 1, 5, 50);
    specl_images_source_params p = params_(&im, specl_augment_identity());
    p.subset = 20; p.subset_seed = 7;
    specl_source *a = img_src_(&p), *b = img_src_(&p);
    p.subset_seed = 8;
    specl_source *c = img_src_(&p);
    p.subset = 60;
    specl_source *all = img_src_(&p);
    if (!a || !b || !c || !all) goto done;
    CHECK(a->n_natural == 20 && c->n_natural == 20 && all->n_natural == 60);
    int64_t ia[20], ic[20];
    float x[16], y[16];
    int32_t la, lb;
    int same_ac = 0, ascending = 1;
    for (int64_t i = 0; i < 20; i++) {
        CHECK_OK(specl_source_natural(a, i, x, &la, NULL));
        CHECK_OK(specl_source_natural(b, i, y, &lb, NULL));
        CHECK(memcmp(x, y, sizeof x) == 0 && la == lb);              /* deterministic for a seed */
        ia[i] = find_image_(&im, &p, x);
        CHECK(ia[i] >= 0 && la == im.labels[ia[i] >= 0 ? ia[i] : 0]);
        CHECK_OK(specl_source_natural(c, i, y, NULL, NULL));
        ic[i] = find_image_(&im, &p, y);
        if (i > 0) ascending &= ia[i] > ia[i - 1] && ic[i] > ic[i - 1];
    }
    for (int i = 0; i < 20; i++)
        for (int j = 0; j < 20; j++) same_ac += ia[i] == ic[j];
    CHECK(ascending);
    CHECK(same_ac < 20);                                          /* another seed, another subset */
    for (int64_t i = 0; i < 60; i++) {                            /* subset = n: all, in order */
        CHECK_OK(specl_source_natural(all, i, x, NULL, NULL));
        CHECK(find_image_(&im, &p, x) == i);
    }
done:
    specl_source_free(a); specl_source_free(b); specl_source_free(c); specl_source_free(all);
    specl_images_free(&im);
}

/* One batch with the given thread count; the RNG state after it in *after. */
static void batch_with_threads_(const specl_source *src, int threads, uint64_t seed, specl_batch *b, specl_rng *after) {
#ifdef _OPENMP
    omp_set_num_threads(threads);
#else
    (void)threads;
#endif
    specl_rng_seed(after, seed);
    CHECK_OK(specl_source_sample(src, b->cap, after, b));
}

static int batches_equal_(const specl_batch *a, const specl_batch *b, int T) {
    size_t n = (size_t)a->n;
    return a->n == b->n && memcmp(a->x, b->x, sizeof(float) * 2 * n * a->d) == 0 &&
           memcmp(a->natural, b->natural, sizeof(int64_t) * n) == 0 && memcmp(a->view, b->view, sizeof(int64_t) * 2 * n) == 0 &&
           memcmp(a->fine, b->fine, sizeof(int64_t) * n) == 0 && memcmp(a->cluster, b->cluster, sizeof(int64_t) * n) == 0 &&
           memcmp(a->label, b->label, sizeof(int32_t) * n) == 0 && memcmp(a->target, b->target, sizeof(float) * n * T) == 0;
}

TEST(source_threads_bit_identical) {
    specl_images im = images_(100, 8, 8, 3, 10, 60);
    specl_augment_spec aug = specl_augment_simsiam();
    aug.noise = 0.01;
    specl_images_source_params p = params_(&im, aug);
    specl_source *src = img_src_(&p);
    specl_images_free(&im);
    if (!src) return;
#ifdef _OPENMP
    int saved = omp_get_max_threads();
#endif
    specl_batch b1, b2, b3, b4;
    CHECK_OK(specl_batch_alloc(&b1, 97, src));
    CHECK_OK(specl_batch_alloc(&b2, 97, src));
    CHECK_OK(specl_batch_alloc(&b3, 97, src));
    CHECK_OK(specl_batch_alloc(&b4, 97, src));
    specl_rng r1, r2, r3, r4;
    batch_with_threads_(src, 1, 70, &b1, &r1);
    batch_with_threads_(src, 2, 70, &b2, &r2);
    batch_with_threads_(src, 2, 70, &b3, &r3);
    batch_with_threads_(src, 2, 71, &b4, &r4);
    CHECK(batches_equal_(&b1, &b2, src->target_dim));
    CHECK(batches_equal_(&b2, &b3, src->target_dim));
    CHECK(memcmp(&r1, &r2, sizeof r1) == 0);                      /* the stream advances the same */
    CHECK(!batches_equal_(&b3, &b4, src->target_dim));
    /* the next batch from the same stream continues identically */
#ifdef _OPENMP
    omp_set_num_threads(1);
#endif
    CHECK_OK(specl_source_sample(src, 97, &r1, &b1));
#ifdef _OPENMP
    omp_set_num_threads(2);
#endif
    CHECK_OK(specl_source_sample(src, 97, &r2, &b2));
    CHECK(batches_equal_(&b1, &b2, src->target_dim));
#ifdef _OPENMP
    omp_set_num_threads(saved);
#endif
    specl_batch_free(&b1); specl_batch_free(&b2); specl_batch_free(&b3); specl_batch_free(&b4);
    specl_source_free(src);
}

TEST(source_errors) {
    specl_images im = images_(10, 4, 4, 3, 3, 80);
    specl_images_source_params p;
    specl_source *src = (specl_source *)&p;   /* must come back NULL */
#define BAD_SRC(stmt, key) do { p = params_(&im, specl_augment_simsiam()); stmt; src = (specl_source *)&p; \
        int st_ = specl_images_source_new(&p, &src); expect_einval_(st_, key, #stmt); CHECK(src == NULL); \
        if (st_ == SPECL_OK) specl_source_free(src); } while (0)
    BAD_SRC(p.subset = 11, "data.subset");
    BAD_SRC(p.subset = -1, "data.subset");
    BAD_SRC(p.std[0] = -0.5, "data.std[0]");
    BAD_SRC(p.std[2] = 0, "data.std[2]");
    BAD_SRC(p.std[1] = NAN, "data.std[1]");
    BAD_SRC(p.mean[1] = INFINITY, "data.mean[1]");
    BAD_SRC(p.labels = "fine", "data.labels");
    BAD_SRC(p.aug.scale_lo = 0, "augment.scale_lo");
    BAD_SRC(p.aug.scale_lo = 0.9; p.aug.scale_hi = 0.5, "augment.scale_lo");
    BAD_SRC(p.aug.scale_hi = 1.01, "augment.scale_hi");
    BAD_SRC(p.aug.ratio_lo = 2, "augment.ratio_lo");
    BAD_SRC(p.aug.flip = 2, "augment.flip");
    BAD_SRC(p.aug.brightness = -0.4, "augment.brightness");
    BAD_SRC(p.aug.hue = 0.51, "augment.hue");
    BAD_SRC(p.aug.noise = -1, "augment.noise");
    BAD_SRC(p.im = NULL, "data");
    /* "auto", "" and NULL mean "class" */
    const char *ok_labels[] = { "auto", "", NULL };
    for (int i = 0; i < 3; i++) {
        p = params_(&im, specl_augment_simsiam());
        p.labels = ok_labels[i];
        src = NULL;
        CHECK_OK(specl_images_source_new(&p, &src));
        CHECK(src && strcmp(src->labelings[0].name, "class") == 0);
        specl_source_free(src);
    }
    /* a constant channel cannot be normalized with its own statistics */
    memset(im.pixels, 9, (size_t)im.n * 48);
    BAD_SRC(p.std[0] = 0, "data.std");
    /* labels outside 0..classes-1, an unsupported channel count */
    im.labels[3] = 3;
    BAD_SRC((void)0, "data");
    im.labels[3] = 0;
    im.c = 2;
    BAD_SRC((void)0, "data");
    im.c = 3;
#undef BAD_SRC
    specl_images_free(&im);
}

/* The Debian package's test split, when installed: 10000 images, 10 classes, d = 784. */
TEST(fashion_mnist_source) {
    if (access(SPECL_FASHION_MNIST_DIR, R_OK) != 0) {
        CHECK_SKIP("%s not present (scripts/setup-deps.sh installs dataset-fashion-mnist)", SPECL_FASHION_MNIST_DIR);
    }
    specl_images im;
    CHECK_OK(specl_fashion_mnist_read(SPECL_FASHION_MNIST_DIR, 0, &im));
    double mean[3], sd[3];
    CHECK_OK(specl_images_stats(&im, mean, sd));
    CHECK(mean[0] > 0.2 && mean[0] < 0.4 && sd[0] > 0.25 && sd[0] < 0.45);   /* 0.286, 0.353 */
    specl_images_source_params p = params_(&im, specl_augment_simsiam());
    memcpy(p.mean, mean, sizeof mean);
    memcpy(p.std, sd, sizeof sd);
    specl_source *src = img_src_(&p);
    specl_images_free(&im);
    if (!src) return;
    CHECK(src->n_natural == 10000 && src->n_clusters == 10 && src->d == 784 && src->target_dim == 10);
    specl_batch b;
    CHECK_OK(specl_batch_alloc(&b, 256, src));
    specl_rng r;
    specl_rng_seed(&r, 90);
    CHECK_OK(specl_source_sample(src, 256, &r, &b));
    CHECK(specl_all_finite(b.x, 2 * 256 * 784));
    for (int i = 0; i < 256; i++) CHECK(b.label[i] >= 0 && b.label[i] < 10 && b.target[i * 10 + b.label[i]] == 1.0f);
    specl_batch_free(&b);
    specl_source_free(src);
}

RUN_TESTS(
    RUN(crop_identity);
    RUN(crop_constant_stays_constant);
    RUN(flip_twice_restores);
    RUN(crop_box_semantics);
    RUN(ramp_stays_monotone);
    RUN(brightness_jitter_range_and_mean);
    RUN(contrast_jitter_keeps_mean);
    RUN(saturation_keeps_luma);
    RUN(grayscale_equal_channels);
    RUN(hue_jitter_invariants);
    RUN(hue_matches_torchvision_formula);
    RUN(noise_moments);
    RUN(apply_deterministic);
    RUN(normalize_formula);
    RUN(augment_errors);
    RUN(source_fields_and_labels);
    RUN(source_natural_exact);
    RUN(source_stats);
    RUN(source_subset);
    RUN(source_threads_bit_identical);
    RUN(source_errors);
    RUN(fashion_mnist_source)
)
