/* The image-dataset pair source: two independent augmentations of one image per pair (DESIGN.md §2,
 * PAPER.md §2.4), and the per-channel statistics the normalization needs.
 *
 * The source keeps its own copy of the images it uses (uint8, (n, h, w, c)), so it is
 * self-contained: the CLI can load a split, build the sources over it and free it. A batch is made
 * in two phases. First, sequentially, the caller's stream gives the n image indices and then one
 * 64-bit seed per pair; then the pairs are augmented in parallel (OpenMP, static schedule), each
 * from its own stream seeded with its seed, so the caller's stream advances by the same amount and
 * every pair gets the same numbers whatever the number of threads: batches are bit-identical for
 * any thread count. Each thread allocates its workspace once per batch (one image as float plus
 * the augmentation's column tables); nothing is allocated per image.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "specl/data.h"

typedef struct imgsrc {
    int h, w, c, classes;
    int64_t n;                  /* images in this source (the subset) */
    uint8_t *pixels;            /* (n, h, w, c) */
    int32_t *labels;            /* (n) */
    double mean[3], std[3];     /* per channel, pixel/255 units */
    specl_augment_spec aug;
} imgsrc;

/* Per-channel mean and population std of px (npix, c) / 255; entries c..2 get 0 and 1. Sums are
 * exact in uint64 (up to 2.8e14 pixels). */
static void pixel_stats_(const uint8_t *px, int64_t npix, int c, double mean[3], double std[3]) {
    uint64_t s[3] = {0, 0, 0}, ss[3] = {0, 0, 0};
    for (int64_t i = 0; i < npix; i++, px += c)
        for (int k = 0; k < c; k++) { s[k] += px[k]; ss[k] += (uint64_t)px[k] * px[k]; }
    for (int k = 0; k < 3; k++) {
        if (k >= c) { mean[k] = 0; std[k] = 1; continue; }
        double m = (double)s[k] / (double)npix, var = (double)ss[k] / (double)npix - m * m;
        mean[k] = m / 255.0;
        std[k] = sqrt(var > 0 ? var : 0) / 255.0;
    }
}

/* The shape and content checks every entry point makes on an image set. */
static int check_images_(const specl_images *im) {
    if (!im) return specl_error(SPECL_EINVAL, "data: no image set given");
    if (im->n < 1 || !im->pixels || !im->labels)
        return specl_error(SPECL_EINVAL, "data: the image set is empty (%lld images)", (long long)im->n);
    if (im->h < 1 || im->w < 1 || (im->c != 1 && im->c != 3))
        return specl_error(SPECL_EINVAL, "data: image shape (%d, %d, %d): expected h, w >= 1 and c = 1 or 3", im->h, im->w, im->c);
    if ((int64_t)im->h * im->w * im->c > (1 << 24))
        return specl_error(SPECL_EINVAL, "data: image shape (%d, %d, %d): more than 2^24 values per image", im->h, im->w, im->c);
    return SPECL_OK;
}

int specl_images_stats(const specl_images *im, double mean[3], double std[3]) {
    int st = check_images_(im);
    if (st) return st;
    pixel_stats_(im->pixels, im->n * im->h * im->w, im->c, mean, std);
    return SPECL_OK;
}

/* Labels and one-hot targets (classes) of image i. */
static void img_labels_(const imgsrc *s, int64_t i, int32_t *label, float *target) {
    int32_t y = s->labels[i];
    if (label) *label = y;
    if (target) {
        memset(target, 0, sizeof(float) * s->classes);
        target[y] = 1.0f;
    }
}

/* Image i as floats pixel / 255 into x (h, w, c). */
static void img_to_float_(const imgsrc *s, int64_t i, int d, float *x) {
    const uint8_t *px = s->pixels + (size_t)i * d;
#ifdef _OPENMP
    #pragma omp simd
#endif
    for (int j = 0; j < d; j++) x[j] = (float)px[j] / 255.0f;
}

static int img_sample_(const specl_source *src, int n, specl_rng *rng, specl_batch *b) {
    const imgsrc *s = src->impl;
    int d = src->d, T = src->target_dim;
    uint64_t *seeds = malloc(sizeof(uint64_t) * n);     /* (n) one stream per pair */
    if (!seeds) return specl_error(SPECL_ENOMEM, "image source: seeds of %d pairs", n);
    for (int i = 0; i < n; i++) b->natural[i] = (int64_t)specl_rng_below(rng, (uint64_t)s->n);
    for (int i = 0; i < n; i++) seeds[i] = specl_rng_u64(rng);
    for (int i = 0; i < n; i++) {
        int64_t id = b->natural[i];
        b->fine[i] = id;
        b->cluster[i] = s->labels[id];
        b->view[i] = b->view[n + i] = -1;
        img_labels_(s, id, b->label + i, b->target + (size_t)i * T);
    }
    size_t work = specl_augment_work_bytes(s->h, s->w, s->c);
    int64_t npix = (int64_t)s->h * s->w;
    int failed = SPECL_OK;
    #pragma omp parallel
    {
        float *img = malloc(sizeof(float) * d + work);   /* (h, w, c) the image as float, then the workspace */
        if (!img) {
            #pragma omp atomic write
            failed = SPECL_ENOMEM;
        }
        #pragma omp for schedule(static)
        for (int i = 0; i < n; i++) {
            if (!img) continue;
            specl_rng r;
            specl_rng_seed(&r, seeds[i]);
            img_to_float_(s, b->natural[i], d, img);
            for (int v = 0; v < 2; v++) {
                float *x = b->x + ((size_t)v * n + i) * d;
                int st = specl_augment_apply(&s->aug, img, s->h, s->w, s->c, &r, img + d, x);
                if (st) {
                    #pragma omp atomic write
                    failed = st;
                }
                specl_augment_normalize(x, npix, s->c, s->mean, s->std);
            }
        }
        free(img);
    }
    free(seeds);
    if (failed) return specl_error(failed, "image source: augmenting a batch of %d pairs failed (%s)", n, specl_strerror(failed));
    b->n = n;
    return SPECL_OK;
}

static int img_natural_(const specl_source *src, int64_t i, float *x, int32_t *label, float *target) {
    const imgsrc *s = src->impl;
    img_to_float_(s, i, src->d, x);
    specl_augment_normalize(x, (int64_t)s->h * s->w, s->c, s->mean, s->std);
    img_labels_(s, i, label, target);
    return SPECL_OK;
}

static void img_free_(specl_source *src) {
    imgsrc *s = src->impl;
    if (!s) return;
    free(s->pixels);
    free(s->labels);
    free(s);
}

static const specl_source_ops img_ops_ = { img_sample_, NULL, NULL, NULL, img_free_, img_natural_ };

int specl_source_image_shape(const specl_source *src, int *h, int *w, int *c) {
    if (!src || src->ops != &img_ops_)
        return specl_error(SPECL_EINVAL, "source '%s' is not an image source", src ? src->kind : "(none)");
    const imgsrc *s = src->impl;
    *h = s->h; *w = s->w; *c = s->c;
    return SPECL_OK;
}

static int cmp_i64_(const void *a, const void *b) {
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* The indices (m) of the images of the source: all in order, or the first m of the permutation of
 * the stream (seed, "images/subset"), sorted. *idx is malloc'd. */
static int choose_subset_(int64_t n, int64_t m, uint64_t seed, int64_t **idx) {
    *idx = malloc(sizeof(int64_t) * n);
    if (!*idx) return specl_error(SPECL_ENOMEM, "image source: an index of %lld images", (long long)n);
    for (int64_t i = 0; i < n; i++) (*idx)[i] = i;
    if (m == n) return SPECL_OK;
    specl_rng r;
    specl_rng_derive(&r, seed, "images/subset");
    specl_rng_shuffle_i64(&r, *idx, n);
    qsort(*idx, (size_t)m, sizeof(int64_t), cmp_i64_);
    return SPECL_OK;
}

/* Parameter checks that need no allocation. */
static int check_params_(const specl_images_source_params *p) {
    int st = check_images_(p->im);
    if (st) return st;
    const specl_images *im = p->im;
    if (im->classes < 1 || im->classes > 65536)
        return specl_error(SPECL_EINVAL, "data: the image set has %d classes: expected 1 to 65536", im->classes);
    for (int64_t i = 0; i < im->n; i++)
        if (im->labels[i] < 0 || im->labels[i] >= im->classes)
            return specl_error(SPECL_EINVAL, "data: image %lld has label %d: expected 0 <= label < classes = %d",
                               (long long)i, im->labels[i], im->classes);
    const char *l = p->labels;
    if (l && *l && strcmp(l, "auto") != 0 && strcmp(l, "class") != 0)
        return specl_error(SPECL_EINVAL, "data.labels = '%s': image sets have one labelling, 'class'", l);
    if (p->subset < 0 || p->subset > im->n)
        return specl_error(SPECL_EINVAL, "data.subset = %lld: expected 0 <= subset <= %lld (the number of images; 0 = all)",
                           (long long)p->subset, (long long)im->n);
    if ((st = specl_augment_check(&p->aug))) return st;
    if (p->std[0] == 0) return SPECL_OK;                /* computed from the images */
    for (int k = 0; k < im->c; k++) {
        if (!(p->std[k] > 0) || !isfinite(p->std[k]))
            return specl_error(SPECL_EINVAL, "data.std[%d] = %g: expected a finite std > 0 (or std[0] = 0 to compute "
                               "mean and std from the images)", k, p->std[k]);
        if (!isfinite(p->mean[k]))
            return specl_error(SPECL_EINVAL, "data.mean[%d] = %g: expected a finite mean", k, p->mean[k]);
    }
    return SPECL_OK;
}

/* Copy the chosen images into s, then fix the statistics. */
static int fill_(imgsrc *s, const specl_images_source_params *p) {
    const specl_images *im = p->im;
    size_t d = (size_t)s->h * s->w * s->c;
    int64_t *idx = NULL;
    int st = choose_subset_(im->n, s->n, p->subset_seed, &idx);
    if (st) return st;
    s->pixels = malloc(d * (size_t)s->n);
    s->labels = malloc(sizeof(int32_t) * (size_t)s->n);
    if (!s->pixels || !s->labels) {
        free(idx);
        return specl_error(SPECL_ENOMEM, "image source: a copy of %lld images of %zu bytes", (long long)s->n, d);
    }
    for (int64_t i = 0; i < s->n; i++) {
        memcpy(s->pixels + (size_t)i * d, im->pixels + (size_t)idx[i] * d, d);
        s->labels[i] = im->labels[idx[i]];
    }
    free(idx);
    if (p->std[0] != 0) {
        for (int k = 0; k < 3; k++) { s->mean[k] = k < s->c ? p->mean[k] : 0; s->std[k] = k < s->c ? p->std[k] : 1; }
        return SPECL_OK;
    }
    pixel_stats_(s->pixels, s->n * s->h * s->w, s->c, s->mean, s->std);
    for (int k = 0; k < s->c; k++)
        if (!(s->std[k] > 0))
            return specl_error(SPECL_EINVAL, "data.std: channel %d of the images is constant (std 0); give data.std explicitly", k);
    return SPECL_OK;
}

int specl_images_source_new(const specl_images_source_params *p, specl_source **out) {
    if (!out) return specl_error(SPECL_EINVAL, "image source: no output given");
    *out = NULL;
    if (!p) return specl_error(SPECL_EINVAL, "image source: no parameters given");
    int st = check_params_(p);
    if (st) return st;
    const specl_images *im = p->im;
    specl_source *src = calloc(1, sizeof *src);
    imgsrc *s = calloc(1, sizeof *s);
    if (!src || !s) { free(src); free(s); return specl_error(SPECL_ENOMEM, "image source"); }
    s->h = im->h; s->w = im->w; s->c = im->c; s->classes = im->classes;
    s->n = p->subset ? p->subset : im->n;
    s->aug = p->aug;
    src->ops = &img_ops_;
    src->impl = s;
    snprintf(src->kind, sizeof src->kind, "images");
    src->d = im->h * im->w * im->c;
    src->n_support = 0;
    src->n_clusters = im->classes;
    src->n_natural = s->n;
    src->n_labelings = 1;
    specl_labeling *l = &src->labelings[0];
    snprintf(l->name, sizeof l->name, "class");
    l->dim = l->classes = im->classes;
    l->scalar = 0;
    src->target_dim = im->classes;
    if ((st = fill_(s, p))) { specl_source_free(src); return st; }
    *out = src;
    return SPECL_OK;
}
