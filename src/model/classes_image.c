/* The image encoders of model.h, cnn and resnet, as layer graphs built with the constructors of
 * layers.h. The spec is checked before any layer is added, and every message names the config
 * key (model.*) to change. The input shape is m->h × m->w × m->c (set by specl_model_create). */
#include <stdio.h>
#include "layers.h"

#define MAX_WIDTH (1 << 20)   /* channels of any layer */

static int check_image_(const specl_model_spec *s) {
    if (s->h < 1 || s->w < 1 || s->c < 1)
        return specl_error(SPECL_EINVAL, "model.class = %s needs the image shape: model.h, model.w, model.c >= 1 (got %d x %d x %d)",
                           s->cls, s->h, s->w, s->c);
    if ((int64_t)s->h * s->w * s->c != s->d)
        return specl_error(SPECL_EINVAL, "model.class = %s: image shape %d x %d x %d = %lld values per row, but d = %d",
                           s->cls, s->h, s->w, s->c, (long long)s->h * s->w * s->c, s->d);
    if (s->channels < 1 || s->channels > MAX_WIDTH)
        return specl_error(SPECL_EINVAL, "model.channels = %d: expected 1 <= channels <= %d", s->channels, MAX_WIDTH);
    if (s->head < 0 || s->head > MAX_WIDTH)
        return specl_error(SPECL_EINVAL, "model.head = %d: expected 0 <= head <= %d", s->head, MAX_WIDTH);
    return SPECL_OK;
}

/* The projection to k on layer t, whose output is named `name` as the features: one dense layer,
 * or with s->head > 0 dense (→ head) ReLU dense (→ k), whose hidden layer is then the features
 * (as in HaoChen et al. 2021, whose MLP head is part of the probed backbone's output side). */
static int projection_(specl_model *m, const specl_model_spec *s, int t, const char *name) {
    if (m->build_status) return m->build_status;
    snprintf(m->feature_name, sizeof m->feature_name, "%s", name);
    if (s->head > 0) {
        t = specl_add_dense_(m, t, s->head, 1);
        t = specl_add_relu_(m, t);
        snprintf(m->feature_name, sizeof m->feature_name, "hidden layer of the projection head (%d)", s->head);
    }
    specl_add_dense_(m, t, s->k, 1);
    return m->build_status;
}

/* depth blocks of conv 3×3 (channels·2^i) [BN] ReLU maxpool 2×2, then the projection to k.
 * Each block is built as conv [BN] maxpool ReLU: the same function (ReLU is monotone, so it
 * commutes with the max) and the same gradient (a window whose maximum is <= 0 passes none
 * either way, otherwise both send it to the window's first maximum), with the ReLU and its
 * activation on a quarter of the values. */
int specl_build_cnn_(specl_model *m, const specl_model_spec *s) {
    int st = check_image_(s);
    if (st) return st;
    if (s->depth < 1 || s->depth > 16)
        return specl_error(SPECL_EINVAL, "model.depth = %d: cnn needs 1 <= depth <= 16 conv blocks", s->depth);
    if (s->bn != 0 && s->bn != 1) return specl_error(SPECL_EINVAL, "model.bn = %d: expected 0 or 1", s->bn);
    int f = 1 << s->depth;
    if (s->h % f || s->w % f)
        return specl_error(SPECL_EINVAL, "model.depth = %d: cnn halves the image %d times, so the image size %d x %d must be "
                           "divisible by 2^depth = %d", s->depth, s->depth, s->h, s->w, f);
    if ((int64_t)s->channels << (s->depth - 1) > MAX_WIDTH)
        return specl_error(SPECL_EINVAL, "model.channels = %d, model.depth = %d: the last block would have %lld channels (max %d)",
                           s->channels, s->depth, (long long)s->channels << (s->depth - 1), MAX_WIDTH);
    int t = -1;
    for (int i = 0; i < s->depth; i++) {
        t = specl_add_conv2d_(m, t, s->channels << i, 3, 1, !s->bn);
        if (s->bn) t = specl_add_batchnorm_(m, t);
        t = specl_add_pool_(m, t, SPECL_LAYER_MAXPOOL);
        t = specl_add_relu_(m, t);
    }
    if (m->build_status) return m->build_status;
    const specl_layer *last = &m->layers[t];
    char name[128];
    snprintf(name, sizeof name, "flattened output of conv block %d (%dx%dx%d = %d)", s->depth, last->oh, last->ow, last->oc, last->out);
    return projection_(m, s, t, name);
}

/* Basic block on layer t: conv3×3(stride) BN ReLU conv3×3 BN, plus t itself or, where the shape
 * changes, conv 1×1(stride) + BN of t; ReLU after the add. Returns the block's last layer. */
static int basic_block_(specl_model *m, int t, int width, int stride) {
    if (m->build_status) return -1;
    int in_c = m->layers[t].oc;
    int a = specl_add_conv2d_(m, t, width, 3, stride, 0);
    a = specl_add_batchnorm_(m, a);
    a = specl_add_relu_(m, a);
    a = specl_add_conv2d_(m, a, width, 3, 1, 0);
    a = specl_add_batchnorm_(m, a);
    int skip = t;
    if (stride != 1 || in_c != width) {
        skip = specl_add_conv2d_(m, t, width, 1, stride, 0);   /* (H − 1)/s + 1: the 3×3 pad-1 size */
        skip = specl_add_batchnorm_(m, skip);
    }
    return specl_add_relu_(m, specl_add_add_(m, a, skip));
}

/* stem conv 3×3 BN ReLU; 3 stages of `blocks` basic blocks (widths channels·{1, 2, 4}, the
 * first block of stages 2 and 3 with stride 2); global average pooling; the projection to k. */
int specl_build_resnet_(specl_model *m, const specl_model_spec *s) {
    int st = check_image_(s);
    if (st) return st;
    if (s->blocks < 1 || s->blocks > 64)
        return specl_error(SPECL_EINVAL, "model.blocks = %d: expected 1 <= blocks <= 64 residual blocks per stage", s->blocks);
    if ((int64_t)s->channels * 4 > MAX_WIDTH)
        return specl_error(SPECL_EINVAL, "model.channels = %d: resnet's last stage would have %lld channels (max %d)",
                           s->channels, (long long)s->channels * 4, MAX_WIDTH);
    int t = specl_add_conv2d_(m, -1, s->channels, 3, 1, 0);
    t = specl_add_batchnorm_(m, t);
    t = specl_add_relu_(m, t);
    for (int stage = 0; stage < 3; stage++)
        for (int b = 0; b < s->blocks; b++)
            t = basic_block_(m, t, s->channels << stage, stage > 0 && b == 0 ? 2 : 1);
    t = specl_add_pool_(m, t, SPECL_LAYER_GAP);
    if (m->build_status) return m->build_status;
    char name[128];
    snprintf(name, sizeof name, "global average pool after stage 3 (%d)", m->layers[t].out);
    return projection_(m, s, t, name);
}
