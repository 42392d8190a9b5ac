/* src/model/layers.h: the model module's internal interface (not installed).
 *
 * build.c builds the layer list and lays out the buffers; model.c owns the rest of the model
 * object (classes, init, the forward/backward walk over the layer graph). conv1d-circ (conv1d.c) and
 * the image layers (conv2d.c, layers_image.c) are plain kernels over caller-given
 * buffers; the image classes (classes_image.c) are built with the layer constructors below, which
 * tests may also use to assemble a model layer by layer:
 *
 *     specl_model *m;  specl_model_new_(h, w, c, &m);      // input (h, w, c), d = h·w·c
 *     int a = specl_add_conv2d_(m, -1, 8, 3, 1, 1);        // the new layer's index
 *     ...  specl_model_finish_(m, max_n);                   // k = last layer's out; allocates
 *
 * src = -1 is the model input. A constructor that fails records its status and detail in
 * m->build_status and returns -1; later constructors then do nothing, and specl_model_finish_
 * returns that first status, so a chain of constructors is checked once at the end. */
#ifndef SPECL_MODEL_LAYERS_H
#define SPECL_MODEL_LAYERS_H

#include "specl/model.h"

#define SPECL_BN_EPS 1e-5
#define SPECL_BN_MOMENTUM 0.1
/* Floats of im2col workspace at most (128 MiB): larger batches are convolved in image chunks. */
#define SPECL_CONV_WS_CAP ((size_t)1 << 25)
/* Floats of ∂cols per block of the conv backward (4 MiB: col2im reads them from cache). */
#define SPECL_CONV_DX_CAP ((size_t)1 << 20)

/* ---- construction (build.c; specl_model_count_ in model.c) ---- */
int specl_model_new_(int h, int w, int c, specl_model **out);   /* an empty model, cls "custom" */
int specl_model_finish_(specl_model *m, int max_n);              /* lay out and allocate */
/* Flat layers (rows as vectors): dense (out, bias), ReLU (shape kept), table (out, rows = support
 * size) and conv1d-circ (out, bias, rows = filter width); table and conv1d-circ read the input. */
int specl_add_vector_(specl_model *m, specl_layer_kind kind, int src, int out, int bias, int64_t rows);
int specl_add_dense_(specl_model *m, int src, int out, int bias);
int specl_add_relu_(specl_model *m, int src);
int specl_add_conv2d_(specl_model *m, int src, int cout, int ksize, int stride, int bias);   /* pad ksize/2 */
int specl_add_pool_(specl_model *m, int src, specl_layer_kind kind);    /* MAXPOOL, AVGPOOL, GAP */
int specl_add_batchnorm_(specl_model *m, int src);
int specl_add_add_(specl_model *m, int a, int b);
/* Parameter and buffer counts of a spec without allocating anything (for loaders). */
int specl_model_count_(const specl_model_spec *spec, size_t *n_params, size_t *n_buffers);
size_t specl_layer_weight_len_(const specl_layer *l);

/* ---- image classes (classes_image.c) ---- */
int specl_build_cnn_(specl_model *m, const specl_model_spec *s);
int specl_build_resnet_(specl_model *m, const specl_model_spec *s);

/* ---- conv1d-circ (conv1d.c) ----
 * x (n, d) -> y (n, k) with U = w (k, s), b (k), s = l->rows; ws is the layer's workspace of
 * specl_conv1d_ws_len_(l, max_n) floats for a row capacity max_n >= n (backward is told max_n to
 * find its part of ws), which forward fills and backward reads (so backward needs the forward's ws
 * intact, not x or w). Backward: gw += ∂U, gb += ∂b; no ∂x (the layer reads the model input).
 * Both are bit-identical for any OpenMP thread count. */
size_t specl_conv1d_ws_len_(const specl_layer *l, int max_n);
void specl_conv1d_forward_(const specl_layer *l, int n, const float *x, const float *w, const float *b,
                           float *ws, float *y);
void specl_conv1d_backward_(const specl_layer *l, int max_n, int n, const float *dy, float *ws, float *gw, float *gb);
/* The same with the kernels chosen by the caller (tests): wide = 1 the AVX2 ones (only where
 * specl_conv1d_wide_() is 1, the choice of the two above), 0 the baseline-ISA ones. */
int specl_conv1d_wide_(void);
void specl_conv1d_forward_isa_(const specl_layer *l, int n, const float *x, const float *w, const float *b,
                               float *ws, float *y, int wide);
void specl_conv1d_backward_isa_(const specl_layer *l, int max_n, int n, const float *dy, float *ws, float *gw, float *gb,
                                int wide);

/* ---- conv2d (conv2d.c) ----
 * x (n, ih, iw, ic) -> y (n, oh, ow, oc). Backward: gw += ∂W, gb += ∂b (if bias), dx (n, ih, iw,
 * ic) = ∂x (added to when acc, NULL: not needed); ws is the model's im2col workspace, red its
 * partial-sum scratch; kept (NULL unless specl_conv2d_kept_ > 0) the layer's region for its
 * columns, which forward fills and backward reads (so it skips im2col). */
/* Floats of columns the layer keeps after its output in its activation region: the whole batch's
 * (max_n·oh·ow·K) when it is the model's last convolution that goes through im2col and they fit
 * in SPECL_CONV_WS_CAP (its backward runs first among the convolutions', right after the loss),
 * else 0. Then of workspace it needs (the largest over the layers is allocated). */
size_t specl_conv2d_kept_(const specl_model *m, const specl_layer *l);
size_t specl_conv2d_ws_(const specl_model *m, const specl_layer *l);
void specl_conv2d_forward_(const specl_layer *l, int n, const float *x, const float *w, const float *b, float *ws,
                           float *kept, float *y);
void specl_conv2d_backward_(const specl_layer *l, int n, const float *x, const float *w, const float *dy, float *ws,
                            const float *kept, double *red, float *gw, float *gb, float *dx, int acc);
/* A small-window convolution of the model input whose one consumer is the next layer, a maxpool
 * (the cnn's first block), runs as one kernel with that pool: whether layer l does (model.c then
 * calls the two below for the conv and nothing for the pool; the conv's own output is neither
 * allocated nor written). Forward: y (n, p->out) and arg as specl_maxpool_forward_ gives them; backward from
 * the pool's gradient dy (n, p->out): gw += ∂W, gb += ∂b (if gb). */
int specl_conv2d_pooled_(const specl_model *m, const specl_layer *l);
void specl_conv2d_pool_forward_(const specl_layer *l, const specl_layer *p, int n, const float *x, const float *w, const float *b,
                                float *y, unsigned char *arg);
void specl_conv2d_pool_backward_(const specl_layer *l, const specl_layer *p, int n, const float *x, const float *dy,
                                 const unsigned char *arg, float *gw, float *gb);
/* The im2col + sgemm path for any shape, which the two above take unless the window is small
 * (then they compute directly, see conv2d.c); tests compare the two. ws: chunk · oh·ow·K floats
 * with chunk = min(n, SPECL_CONV_WS_CAP / (oh·ow·K)). */
void specl_conv2d_im2col_forward_(const specl_layer *l, int n, const float *x, const float *w, const float *b,
                                  float *ws, float *y);
void specl_conv2d_im2col_backward_(const specl_layer *l, int n, const float *x, const float *w, const float *dy,
                                   float *ws, double *red, float *gw, float *gb, float *dx, int acc);

/* ---- pooling, batch norm, add, ReLU (layers_image.c); the same conventions ---- */
void specl_maxpool_forward_(const specl_layer *l, int n, const float *x, float *y, unsigned char *arg);
void specl_maxpool_backward_(const specl_layer *l, int n, const float *dy, const unsigned char *arg, float *dx, int acc);
void specl_avgpool_forward_(const specl_layer *l, int n, const float *x, float *y);
void specl_avgpool_backward_(const specl_layer *l, int n, const float *dy, float *dx, int acc);
void specl_gap_forward_(const specl_layer *l, int n, const float *x, float *y);
void specl_gap_backward_(const specl_layer *l, int n, const float *dy, float *dx, int acc);
/* stats (5, oc): mean, 1/√(var+eps), then three per-channel scratch rows. train: batch
 * statistics (and running (2, oc) updated); else the running ones. */
void specl_bn_forward_(const specl_layer *l, int n, const float *x, const float *gamma, const float *beta,
                       float *running, float *stats, double *red, int train, float *y);
void specl_bn_backward_(const specl_layer *l, int n, const float *x, const float *gamma, const float *dy,
                        float *stats, double *red, int train, float *ggamma, float *gbeta, float *dx, int acc);
void specl_add_forward_(size_t len, const float *a, const float *b, float *y);
void specl_relu_forward_(size_t len, const float *x, float *y);
void specl_relu_backward_(size_t len, const float *y, const float *dy, float *dx, int acc);
void specl_grad_pass_(size_t len, const float *dy, float *dx, int acc);   /* dx (+)= dy */

#endif
