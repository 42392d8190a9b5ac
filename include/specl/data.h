/* specl/data.h: pair sources, the distributions of positive pairs (DESIGN.md §2).
 *
 * A pair source draws n positive pairs: two views x1, x2 of one natural datum x̄, together with
 * the natural-datum id, the fine cluster id (a connected piece of the positive-pair graph), the
 * implementable cluster id (the cluster the paper's restricted class can implement), the id of
 * each view in the source's finite support, and the downstream targets of each labelling the
 * source was created with. Optional hooks give closed forms where they exist:
 *   moments()      Σ = E[xxᵀ] and Σ_Δ = E[(x − x⁺)(x − x⁺)ᵀ] (and the mean);
 *   support()      the finite support, point by point with its probability;
 *   exact_graph()  the positive-pair graph over that support (vertex i = support point i);
 *   natural()      the natural data one by one, un-augmented (image datasets: the probe's inputs).
 *
 * The support is the finite set the `table` class keeps one free vector for: the vertices of
 * the positive-pair graph for graph sources (clusters); for the hypercube, whose augmentations
 * are continuous, the 2^d natural data (both views of a pair then map to the same row, which
 * is the paper's universal class of Thm 5.3 and 5.6 acting on the natural datum).
 */
#ifndef SPECL_DATA_H
#define SPECL_DATA_H

#include "base.h"
#include "graph.h"
#include "images.h"

/* A labelling of the natural data: a scalar ±1 target (dim = 1, classes = 2) or one-hot targets
 * over `classes` classes (dim = classes). */
#define SPECL_MAX_LABELINGS 64
typedef struct specl_labeling {
    char name[32];   /* as written in the config, e.g. "x3" or "patterns:4" */
    int dim;         /* target dimension t */
    int classes;     /* number of classes (2 for a scalar ±1 target) */
    int scalar;      /* 1: target is ±1 scalar, class = (target > 0); 0: one-hot */
} specl_labeling;

/* One batch of n pairs. Buffers are owned by the batch (specl_batch_alloc / free). */
typedef struct specl_batch {
    int n, d, cap;
    float *x;          /* (2, n, d): view 1 rows 0..n-1, then view 2 rows (x2 = x + n*d) */
    int64_t *natural;  /* (n) natural-datum id, -1 if unknown or too large to index */
    int64_t *view;     /* (2, n) support id of each view (the table's row), -1 if none */
    int64_t *fine;     /* (n) fine cluster id (connected piece of the positive-pair graph) */
    int64_t *cluster;  /* (n) implementable cluster id */
    int32_t *label;    /* (n, L) class of each labelling */
    float *target;     /* (n, T) targets of all labellings side by side, T = Σ dim */
} specl_batch;

typedef struct specl_source specl_source;
typedef struct specl_source_ops {
    /* Draw n pairs into b (b->cap ≥ n); sets b->n. */
    int (*sample)(const specl_source *src, int n, specl_rng *rng, specl_batch *b);
    /* Optional: mean (d), sigma (d,d) = E[xxᵀ], sigma_delta (d,d) = E[(x−x⁺)(x−x⁺)ᵀ]. */
    int (*moments)(const specl_source *src, double *mean, double *sigma, double *sigma_delta);
    /* Optional: point i of the finite support (0 ≤ i < n_support): an input x (d) that the models
     * can evaluate, its labels (L), targets (T), implementable cluster, and its probability. */
    int (*support)(const specl_source *src, int64_t i, float *x, int32_t *label, float *target,
                   int64_t *cluster, double *prob);
    /* Optional: the positive-pair graph over the support (caller frees with specl_graph_free). */
    int (*exact_graph)(const specl_source *src, specl_graph *g);
    void (*free_impl)(specl_source *src);
    /* Optional (last, so positional initializers of the hooks above stay valid): natural datum i
     * (0 ≤ i < n_natural), un-augmented, as the models see it: x (d), labels (L), targets (T). */
    int (*natural)(const specl_source *src, int64_t i, float *x, int32_t *label, float *target);
} specl_source_ops;

struct specl_source {
    const specl_source_ops *ops;
    char kind[32];
    int d;                       /* input dimension */
    int64_t n_support;           /* size of the finite support, 0 if infinite or too large */
    int64_t n_clusters;          /* number of implementable clusters, 0 if unknown */
    int64_t n_natural;           /* natural data enumerable through natural(), 0 if not */
    int n_labelings;
    specl_labeling labelings[SPECL_MAX_LABELINGS];
    int target_dim;              /* T = Σ labelings[i].dim */
    void *impl;
};

int specl_batch_alloc(specl_batch *b, int cap, const specl_source *src);
void specl_batch_free(specl_batch *b);

int specl_source_sample(const specl_source *src, int n, specl_rng *rng, specl_batch *b);
int specl_source_has_moments(const specl_source *src);
int specl_source_moments(const specl_source *src, double *mean, double *sigma, double *sigma_delta);
int specl_source_support(const specl_source *src, int64_t i, float *x, int32_t *label,
                         float *target, int64_t *cluster, double *prob);
int specl_source_exact_graph(const specl_source *src, specl_graph *g);
/* Natural datum i (0 ≤ i < src->n_natural) without augmentation: x (d), label (L) and target (T);
 * label and target may be NULL. SPECL_EUNSUPPORTED if the source cannot enumerate its data. */
int specl_source_natural(const specl_source *src, int64_t i, float *x, int32_t *label, float *target);
/* The positive-pair graph of a source whose two views of a pair always share their support
 * point: W = diag(p_i), one self-loop per support point (grid, toy, manifolds). */
int specl_support_self_loops(const specl_source *src, specl_graph *g);
int specl_source_has_graph(const specl_source *src);
void specl_source_free(specl_source *src);
/* Offset of labelling j inside a target row. */
int specl_source_target_offset(const specl_source *src, int j);
/* The seeded balanced map of n patterns onto m classes behind every "patterns:<m>" labelling:
 * shuffle 0..n−1 with the stream (seed, "labels/<j>") and give position p the class p mod m.
 * *map (n) is malloc'd. */
int specl_balanced_map(int64_t n, int m, uint64_t seed, int j, int32_t **map);

/* ---- Example 5.1 / 5.4: the hypercube ----
 * x̄ uniform on {−1,1}^d; each view multiplies each of the last d − s coordinates by an
 * independent τ ~ U[tau_lo, tau_hi]; the first s coordinates are invariant. Labellings:
 *   "x<i>"          y = x̄_i (1 ≤ i ≤ d), a scalar ±1 target (Thm 5.3);
 *   "patterns:<m>"  a seeded random balanced map of the 2^s invariant patterns onto m classes
 *                   (shuffle the patterns with label_seed, class = position mod m), one-hot.
 * Ids: natural = bits of x̄ (d ≤ 62, else −1); fine = natural (each x̄ is its own component);
 * cluster = the invariant pattern, bin(x̄_{1:s}) with bit j set when x̄_{j+1} = +1. */
typedef struct specl_hypercube_params {
    int d, s;
    double tau_lo, tau_hi;
    const char *labels;          /* comma-separated labelling specs; "x*" expands to x1..xs */
    uint64_t label_seed;
    const char *tau_set;         /* NULL or "": τ ~ U[tau_lo, tau_hi]; else a finite set "0.5,1" whose
                                    2^d·T^(d−s) views are the support, with an exact graph */
} specl_hypercube_params;

int specl_hypercube_new(const specl_hypercube_params *p, specl_source **out);
/* Pattern index of an invariant sign vector h (s) in {−1,1}: Σ_j [h_j > 0] 2^j. */
int64_t specl_hypercube_pattern(const float *h, int s);

/* ---- Sec. 3: clusters (a stochastic block model with sub-clusters) ----
 * m groups (the implementable clusters), each made of `sub` sub-clusters of `size` vertices.
 * Within a sub-cluster every pair of vertices is joined with weight U[0.5, 1.5]; between two
 * sub-clusters of one group with `conn` times that (0: the sub-clusters are disconnected, the
 * fine clusters of the paper). Each group's internal weight is proportional to its mass (equal,
 * or the comma-separated relative `masses`). Cross-group edges carry exactly a fraction `alpha`
 * of the total weight, so α = Pr_pos(idx_x ≠ idx_x⁺): with `equitable`, W_xy = κ d_x d_y (d the
 * within-group degree), so every vertex sends the same fraction of its degree to each other
 * group of equal mass; otherwise each vertex gets `leak` random partners in other groups.
 * Views are vertex features: x = X_v with X (n, d) i.i.d. N(0, 1) from `seed` (only the linear
 * classes look at them; the table class keys on the vertex). Labels: "group" (one-hot over
 * the m groups) and "fine" (one-hot over the sub-clusters). A positive pair is an edge drawn
 * with probability W_xy / total (Walker's alias method). */
typedef struct specl_clusters_params {
    int m, sub, size;
    double alpha, conn;
    int equitable, leak;
    const char *masses;      /* NULL or "" for equal masses */
    int d;
    const char *labels;      /* comma-separated: group, fine */
    uint64_t seed;
} specl_clusters_params;

int specl_clusters_new(const specl_clusters_params *p, specl_source **out);

/* ---- Example 5.7: separated manifolds ----
 * r groups in R^d whose points are pairwise at distance ≥ gamma across groups, each of diameter
 * ≤ rho, each made of r0/r sub-clusters (r0 a multiple of r) of equal mass 1/r0. Group i is centred
 * at c_i = ((gamma + rho)/√2)·e_i (so centres are gamma + rho apart and points within rho/2 of
 * their centre are ≥ gamma apart; needs d ≥ r); sub-cluster j of group i has its own centre
 * drawn once (seeded) uniformly in the ball of radius rho/2 − aug around c_i; a natural datum
 * is a sub-cluster, and each view adds a uniform point of the ball of radius `aug` (aug ≤ rho/4),
 * so augmentations stay inside their sub-cluster. Support: the r0 sub-clusters (table keys on
 * them). Labels: "group" (one-hot over r). Implementable cluster = group; fine = sub-cluster. */
typedef struct specl_manifolds_params {
    int d, r, r0;
    double gamma, rho, aug;
    const char *labels;
    uint64_t seed;
} specl_manifolds_params;
int specl_manifolds_new(const specl_manifolds_params *p, specl_source **out);

/* ---- Example 5.10: a translated informative patch ----
 * x̄ ∈ R^d indexed cyclically; at location t (uniform over [0, d), or from the comma-separated
 * weights `loc_weights`) the s coordinates x̄_{t..t+s−1} (mod d) hold a pattern in {−gamma, gamma}^s
 * (uniform), the other d − s coordinates are ±1 (uniform). A view multiplies each non-patch
 * coordinate by its own τ ~ U[0, 1]. Ids: natural = −1; cluster = the pattern bin(patch) with
 * bit j set when patch_j > 0; fine = pattern + 2^s·t. Labels: "pattern" (one-hot over 2^s),
 * "bit<j>" (scalar ±1, the sign of patch bit j, 1 ≤ j ≤ s), "patterns:<m>" (balanced random map
 * of the 2^s patterns onto m classes, as for the hypercube). */
typedef struct specl_patch_params {
    int d, s;
    double gamma;
    const char *loc_weights;     /* NULL or "": uniform */
    const char *labels;
    uint64_t label_seed;
} specl_patch_params;
int specl_patch_new(const specl_patch_params *p, specl_source **out);

/* ---- Fig. 3 (C15) and Fig. 1: grids ----
 * grid: four clusters at the corners (±1, ±1) of the first two coordinates (centred, so the axis
 * functions are linear, PAPER.md §8), plus d − 2 spurious coordinates drawn afresh for every view
 * as N(0, sigma²); the corner is the natural datum (support of 4, table keys on it). Labels:
 * "axis1", "axis2" (scalar ±1 signs of the corner's coordinates), "corner" (scalar: +1 on the
 * corner (+1, +1), −1 elsewhere, centred version of Fig. 3's (1,0,0,0)), "corners" (one-hot of 4).
 * toy (Fig. 1): natural data on a horizontal invariant axis at x = −1 and x = +1 in two groups,
 * the left group split vertically into an upper small cluster (mass `small`) and a lower one;
 * views add vertical noise N(0, sigma²) to the spurious axis only. Labels: "side" (±1 of the
 * invariant axis), "small" (±1: in the upper-left small cluster or not). */
typedef struct specl_grid_params {
    int d;                       /* grid: total dimension ≥ 2; toy: 2 */
    int toy;                     /* 0: grid (Fig. 3), 1: toy (Fig. 1) */
    double sigma, small;
    const char *labels;
} specl_grid_params;
int specl_grid_new(const specl_grid_params *p, specl_source **out);

/* ---- image augmentations (SimSiam / torchvision semantics, PAPER.md §2.4) ----
 * One view of one image (h, w, c) channels-last, c = 1 or 3, values in [0, 1], in this order:
 *   1. random resized crop (torchvision RandomResizedCrop): up to 10 attempts draw an area
 *      fraction U[scale_lo, scale_hi] and a log-uniform aspect ratio w/h in [ratio_lo, ratio_hi],
 *      rounded half-to-even to a box ch × cw, kept if it fits, at a uniform position; otherwise a
 *      centre crop with the ratio clamped to the range. The box is resized back to h × w by
 *      bilinear interpolation with align_corners=False (PyTorch's source index (o + ½)·ch/h − ½,
 *      clamped at 0). scale 1..1 means no crop, for any shape and ratio range (torchvision would
 *      centre-crop a non-square image to a ratio inside the range);
 *   2. horizontal flip with probability `flip`;
 *   3. with probability jitter_p, ColorJitter(brightness, contrast, saturation, hue) with its four
 *      ops in a random order (as torchvision), each with a factor U[max(0, 1 − b), 1 + b] (hue: a
 *      shift U[−hue, hue] of the HSV hue) and each clamping to [0, 1]: brightness x ← f·x; contrast
 *      x ← f·x + (1 − f)·mean(gray) over the whole image; saturation x ← f·x + (1 − f)·gray per
 *      pixel; hue through HSV. Saturation and hue apply to RGB only (c = 1 ignores them);
 *   4. grayscale with probability gray_p (RGB only): every channel ← 0.299 R + 0.587 G + 0.114 B
 *      (ITU-R 601 luma);
 *   5. additive Gaussian noise of std `noise` per value, then a clamp to [0, 1].
 * Normalization (x − mean_c)/std_c is a separate step (specl_augment_normalize). A spec of all
 * zeros except scale 1..1 and ratio 1..1 does nothing (specl_augment_identity). */
typedef struct specl_augment_spec {
    double scale_lo, scale_hi;   /* crop area fraction: 0 < scale_lo <= scale_hi <= 1 */
    double ratio_lo, ratio_hi;   /* crop aspect ratio w/h: 0 < ratio_lo <= ratio_hi (3/4, 4/3) */
    double flip;                 /* probability of a horizontal flip, in [0, 1] */
    double brightness, contrast, saturation;   /* jitter strengths, >= 0 */
    double hue;                  /* hue jitter, in [0, 0.5] */
    double jitter_p;             /* probability of the colour jitter, in [0, 1] */
    double gray_p;               /* probability of grayscale (RGB), in [0, 1] */
    double noise;                /* std of the additive Gaussian noise, >= 0 */
} specl_augment_spec;

/* No augmentation: scale 1..1, ratio 1..1, everything else 0. */
specl_augment_spec specl_augment_identity(void);
/* The SimSiam CIFAR transform: crop scale 0.2..1, ratio 3/4..4/3, flip 0.5, ColorJitter(0.4, 0.4,
 * 0.4, 0.1) with p 0.8, grayscale 0.2, no noise. */
specl_augment_spec specl_augment_simsiam(void);
/* SPECL_EINVAL with "augment.<field> = <value>: expected <range>" for the first bad field. */
int specl_augment_check(const specl_augment_spec *s);
/* Bytes of caller workspace specl_augment_apply needs for images of width w. */
size_t specl_augment_work_bytes(int h, int w, int c);
/* One augmented view of in (h, w, c) into out (h, w, c) (out != in), values in [0, 1]; draws from
 * rng only. work: specl_augment_work_bytes(h, w, c) bytes, overwritten; nothing is allocated.
 * SPECL_EINVAL for a bad spec or shape. */
int specl_augment_apply(const specl_augment_spec *s, const float *in, int h, int w, int c, specl_rng *rng,
                        void *work, float *out);
/* In place on x (npix, c): x ← (x − m_c)/s_c with m_c = (float)mean[c], s_c = (float)std[c],
 * computed in float (the exact formula the image source documents). */
void specl_augment_normalize(float *x, int64_t npix, int c, const double *mean, const double *std);

/* ---- image datasets ----
 * A pair source over a labelled image set: a pair is two independent augmentations of one image
 * drawn uniformly with replacement, each normalized per channel. The source copies the pixels and
 * labels of the images it uses, so `im` may be freed as soon as the source exists.
 *   subset      0 = all images in their order; else `subset` images chosen by the stream
 *               (subset_seed, "images/subset") (the first `subset` of a seeded permutation, kept
 *               in ascending order of their index in im); natural datum i = image i of the subset;
 *   mean, std   per channel (c entries used); std[0] == 0: both computed from this source's
 *               images (specl_images_stats); pass the train statistics to the test split's source;
 *   labels      "class" (NULL, "" or "auto" mean the same): one-hot over im->classes.
 * Ids: natural = fine = image index in the subset, cluster = class, view = −1 (no finite support:
 * n_support = 0, n_natural = subset size, n_clusters = classes). d = h·w·c.
 * A pixel p of channel k enters the model as ((float)p / 255.0f − (float)mean[k]) / (float)std[k]
 * (natural() returns exactly this; the views are augmented between the division and the
 * normalization). sample(n) draws the n image indices and then one 64-bit seed per pair from rng,
 * sequentially, and augments the pairs in parallel (OpenMP, each pair from its own seeded stream,
 * view 1 then view 2), so a batch is bit-identical for any number of threads. */
typedef struct specl_images_source_params {
    const specl_images *im;      /* borrowed for the call only (copied) */
    int64_t subset;              /* 0: all; else 1 <= subset <= im->n */
    uint64_t subset_seed;
    specl_augment_spec aug;
    double mean[3], std[3];      /* in [0, 1] pixel units; std[0] == 0: computed */
    const char *labels;          /* "class" (default) */
} specl_images_source_params;

int specl_images_source_new(const specl_images_source_params *p, specl_source **out);
/* Per-channel mean and (population) std of all pixels of im divided by 255; entries c..2 get 0 and 1. */
int specl_images_stats(const specl_images *im, double mean[3], double std[3]);
/* Image shape of an image source; SPECL_EINVAL for any other source. */
int specl_source_image_shape(const specl_source *src, int *h, int *w, int *c);

#endif
