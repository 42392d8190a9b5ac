/* The pair-source interface: dispatch to the kind's hooks and manage batch buffers. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "specl/data.h"

int specl_batch_alloc(specl_batch *b, int cap, const specl_source *src) {
    memset(b, 0, sizeof *b);
    if (cap < 1) return specl_error(SPECL_EINVAL, "batch capacity %d < 1", cap);
    size_t n = (size_t)cap, d = (size_t)src->d;
    size_t L = (size_t)(src->n_labelings > 0 ? src->n_labelings : 1);
    size_t T = (size_t)(src->target_dim > 0 ? src->target_dim : 1);
    b->x = malloc(sizeof(float) * 2 * n * d);
    b->natural = malloc(sizeof(int64_t) * n);
    b->view = malloc(sizeof(int64_t) * 2 * n);
    b->fine = malloc(sizeof(int64_t) * n);
    b->cluster = malloc(sizeof(int64_t) * n);
    b->label = malloc(sizeof(int32_t) * n * L);
    b->target = malloc(sizeof(float) * n * T);
    if (!b->x || !b->natural || !b->view || !b->fine || !b->cluster || !b->label || !b->target) {
        specl_batch_free(b);
        return specl_error(SPECL_ENOMEM, "cannot allocate a batch of %d pairs of dimension %d", cap, src->d);
    }
    b->cap = cap;
    b->d = src->d;
    return SPECL_OK;
}

void specl_batch_free(specl_batch *b) {
    free(b->x); free(b->natural); free(b->view); free(b->fine); free(b->cluster); free(b->label); free(b->target);
    memset(b, 0, sizeof *b);
}

int specl_source_sample(const specl_source *src, int n, specl_rng *rng, specl_batch *b) {
    if (n < 1 || n > b->cap) return specl_error(SPECL_EINVAL, "cannot draw %d pairs into a batch of capacity %d", n, b->cap);
    if (b->d != src->d) return specl_error(SPECL_EINVAL, "batch dimension %d differs from the source's %d", b->d, src->d);
    return src->ops->sample(src, n, rng, b);
}

int specl_source_has_moments(const specl_source *src) { return src->ops->moments != NULL; }

int specl_source_moments(const specl_source *src, double *mean, double *sigma, double *sigma_delta) {
    if (!src->ops->moments) return specl_error(SPECL_EUNSUPPORTED, "source '%s' has no closed-form moments", src->kind);
    return src->ops->moments(src, mean, sigma, sigma_delta);
}

int specl_source_support(const specl_source *src, int64_t i, float *x, int32_t *label, float *target,
                         int64_t *cluster, double *prob) {
    if (!src->ops->support || src->n_support <= 0)
        return specl_error(SPECL_EUNSUPPORTED, "source '%s' has no enumerable finite support", src->kind);
    if (i < 0 || i >= src->n_support) return specl_error(SPECL_EINVAL, "support point %lld out of range", (long long)i);
    return src->ops->support(src, i, x, label, target, cluster, prob);
}

int specl_source_has_graph(const specl_source *src) { return src->ops->exact_graph != NULL; }

int specl_source_exact_graph(const specl_source *src, specl_graph *g) {
    if (!src->ops->exact_graph) return specl_error(SPECL_EUNSUPPORTED, "source '%s' has no finite positive-pair graph", src->kind);
    return src->ops->exact_graph(src, g);
}

void specl_source_free(specl_source *src) {
    if (!src) return;
    if (src->ops && src->ops->free_impl) src->ops->free_impl(src);
    free(src);
}

int specl_source_target_offset(const specl_source *src, int j) {
    int off = 0;
    for (int i = 0; i < j && i < src->n_labelings; i++) off += src->labelings[i].dim;
    return off;
}

int specl_balanced_map(int64_t n, int m, uint64_t seed, int j, int32_t **map) {
    int64_t *perm = malloc(sizeof(int64_t) * n);
    *map = malloc(sizeof(int32_t) * n);
    if (!perm || !*map) { free(perm); free(*map); *map = NULL; return specl_error(SPECL_ENOMEM, "a map of %lld patterns", (long long)n); }
    for (int64_t p = 0; p < n; p++) perm[p] = p;
    specl_rng r;
    char name[48];
    snprintf(name, sizeof name, "labels/%d", j);
    specl_rng_derive(&r, seed, name);
    specl_rng_shuffle_i64(&r, perm, n);
    for (int64_t p = 0; p < n; p++) (*map)[perm[p]] = (int32_t)(p % m);
    free(perm);
    return SPECL_OK;
}

int specl_support_self_loops(const specl_source *src, specl_graph *g) {
    int64_t n = src->n_support;
    if (n <= 0) return specl_error(SPECL_EUNSUPPORTED, "source '%s' has no finite support", src->kind);
    int64_t *idx = malloc(sizeof(int64_t) * n);
    double *w = malloc(sizeof(double) * n);
    float *x = malloc(sizeof(float) * (src->d + 1)), *t = malloc(sizeof(float) * (src->target_dim + 1));
    int32_t *lab = malloc(sizeof(int32_t) * (src->n_labelings + 1));
    int st = (!idx || !w || !x || !t || !lab) ? SPECL_ENOMEM : SPECL_OK;
    for (int64_t i = 0; i < n && !st; i++) {
        int64_t cl;
        idx[i] = i;
        st = specl_source_support(src, i, x, lab, t, &cl, &w[i]);
    }
    if (!st) st = specl_graph_from_triplets(n, n, idx, idx, w, 1, g);
    free(idx); free(w); free(x); free(t); free(lab);
    return st;
}

int specl_source_natural(const specl_source *src, int64_t i, float *x, int32_t *label, float *target) {
    if (!src->ops->natural || src->n_natural <= 0)
        return specl_error(SPECL_EUNSUPPORTED, "source '%s' cannot enumerate its natural data", src->kind);
    if (i < 0 || i >= src->n_natural)
        return specl_error(SPECL_EINVAL, "natural datum %lld out of range [0, %lld)", (long long)i, (long long)src->n_natural);
    return src->ops->natural(src, i, x, label, target);
}
