/* specl/model.h: function classes as layer graphs over one parameter buffer (llm.c style).
 *
 * A model is a sequence of layers. All parameters live in one float buffer `params`, all their
 * gradients in one buffer `grads` of the same size; each layer points into them by offset.
 * State that is not trained (batch-norm running statistics) lives in a third buffer `buffers`
 * that no optimizer sees. forward() on n rows caches the activations backward() needs;
 * backward() accumulates into grads (call specl_model_zero_grad first). Activation buffers are
 * sized at creation for a maximum row count; a larger n is rejected with SPECL_EINVAL, never
 * silently reallocated.
 *
 * Each layer reads the output of an earlier layer (`src`, by default the previous one; -1 is the
 * model input) and an add layer a second one (`src2`), so residual networks are layer lists too.
 * Images are rows of h·w·c floats, channels last (NHWC, as images.h stores pixels); dense and
 * ReLU layers treat any row as a flat vector, so flattening is implicit.
 *
 * Classes (DESIGN.md §2):
 *   linear   f(x) = Ux                     U (k,d), no bias
 *   affine   f(x) = Ux + b
 *   relu1    f(x) = σ(Ux + b)              Def. 5.5
 *   mlp      depth layers of width `width` with ReLU, then a linear layer to k (with bias)
 *   table    one free k-vector per point of a finite support: f(x) = T[id(x)] (see data.h)
 *   lipschitz an mlp whose dense layers are projected after every step so that each has spectral
 *            norm ≤ κ^{1/L} (L dense layers), hence ‖f(x) − f(y)‖ ≤ κ‖x − y‖ (ReLU is 1-Lipschitz)
 *   conv1d-circ  Def. 5.11: k filters of width s over the d circular windows, ReLU, sum pooling:
 *            f_i(x) = Σ_t σ(u_iᵀ x_{t..t+s−1} + b_i)
 *   cnn      images h×w×c (h·w·c = d): `depth` blocks, block i = conv 3×3 pad 1 (→ channels·2^i
 *            channels, bias unless bn) [batch norm if bn] ReLU maxpool 2×2 (built as maxpool then
 *            ReLU: the same function, ReLU on a quarter of the values); then a dense layer
 *            (with bias) from the flattened last block to k. h and w must be divisible by 2^depth.
 *            depth 2, channels 32, 28×28×1: conv(1→32) ReLU pool conv(32→64) ReLU pool dense(3136→k).
 *   resnet   CIFAR-style: stem conv 3×3 (c→channels) BN ReLU; 3 stages of `blocks` basic blocks of
 *            widths channels, 2·channels, 4·channels (conv3×3 BN ReLU conv3×3 BN, plus the
 *            identity, or conv 1×1 stride 2 + BN where the shape changes; ReLU after the add); the
 *            first block of stages 2 and 3 has stride 2 (output ⌈H/2⌉); global average pooling to
 *            4·channels, then a dense layer (with bias) to k. Convolutions have no bias (BN follows).
 *
 * Features (what a linear probe reads): the input of the last layer when that layer is the final
 * dense projection: for linear/affine the input x itself (d), for mlp/lipschitz the last hidden
 * ReLU (width), for cnn the flattened output of the last block, for resnet the global average
 * pool (4·channels). Classes with no separate projection (relu1, table, conv1d-circ) have f(x)
 * itself (k) as their features.
 *
 * Batch norm: the model is in training mode after create (batch statistics over the n·H·W
 * positions of each channel, running mean/var updated with momentum 0.1, unbiased variance, as
 * PyTorch does) or in eval mode (running statistics); eps 1e-5. specl_model_apply and
 * specl_model_apply_features always evaluate in eval mode.
 *
 * Threads: image layers parallelize over images with OpenMP (static schedule); every reduction
 * over images (conv bias gradient, batch-norm statistics and gradients) sums per-image partials
 * in image order, so results do not depend on the OpenMP thread count.
 */
#ifndef SPECL_MODEL_H
#define SPECL_MODEL_H

#include "base.h"

typedef enum {
    SPECL_LAYER_DENSE, SPECL_LAYER_RELU, SPECL_LAYER_TABLE, SPECL_LAYER_CONV1D_CIRC,
    SPECL_LAYER_CONV2D,     /* kh×kw convolution, stride, zero padding, optional bias (NHWC) */
    SPECL_LAYER_MAXPOOL,    /* 2×2 stride 2 (output ⌊H/2⌋×⌊W/2⌋) */
    SPECL_LAYER_AVGPOOL,    /* 2×2 stride 2 */
    SPECL_LAYER_GAP,        /* global average pooling H×W×C -> C */
    SPECL_LAYER_BATCHNORM,  /* per channel over n·H·W positions (dense input: per feature over n) */
    SPECL_LAYER_ADD         /* y = output of src + output of src2 (same shape) */
} specl_layer_kind;

typedef struct specl_layer {
    specl_layer_kind kind;
    int in, out;          /* row widths of input and output */
    int bias;             /* dense, conv: has a bias vector (oc); batchnorm: beta (always 1) */
    int64_t rows;         /* table: size of the support; conv1d-circ: the filter width s */
    size_t w, b;          /* offsets in params of the weight (dense (out,in); table (rows,out); conv2d
                             (oc,kh,kw,ic); batchnorm gamma (oc)) and of the bias (oc) */
    size_t act;           /* offset of this layer's output (max_n, out) in the activation buffer */
    int src, src2;        /* producers of the input(s): layer index, -1 = model input; src2: add only */
    int ih, iw, ic;       /* input shape of one row (h, w, c); non-image layers: (1, 1, in) */
    int oh, ow, oc;       /* output shape of one row; oh·ow·oc = out */
    int kh, kw, stride, pad;  /* conv2d */
    size_t aux;           /* maxpool: offset of its argmax (max_n, out) bytes in argmax */
    size_t run;           /* batchnorm: offset of running mean (oc) then running var (oc) in buffers */
    int slot;             /* backward: gradient buffer (dbuf) holding ∂/∂output; -1 if none */
} specl_layer;

#define SPECL_MAX_LAYERS 4096
#define SPECL_MAX_SLOTS 8

typedef struct specl_model_spec {
    const char *cls;      /* "linear", "affine", "relu1", "mlp", "table", "lipschitz", "conv1d-circ",
                             "cnn", "resnet" */
    int d, k;             /* input and output dimension */
    int depth, width;     /* mlp: number of hidden layers and their width; cnn: number of blocks */
    int64_t table_rows;   /* table: size of the support */
    double init_scale;    /* multiplies the default init std (1/√fan_in dense, 1/√k table) */
    double kappa;         /* lipschitz: bound κ on the Lipschitz constant (> 0) */
    int filter;           /* conv1d-circ: filter width s (1 ≤ s ≤ d) */
    int h, w, c;          /* cnn, resnet: input image shape, h·w·c = d (0: not an image) */
    int channels;         /* cnn, resnet: base width (channels of the first convolution) */
    int blocks;           /* resnet: basic blocks per stage (1..64) */
    int bn;               /* cnn: batch norm after each convolution (0/1) */
    int head;             /* cnn, resnet: width of a hidden ReLU layer in the projection head (0: the
                             projection is one dense layer); the features are then that layer */
} specl_model_spec;

typedef struct specl_model {
    char cls[16];
    int d, k, max_n;
    int n_layers;
    specl_layer *layers;  /* (n_layers) in evaluation order; every src < own index */
    size_t n_params;
    float *params;        /* (n_params) all weights */
    float *grads;         /* (n_params) their gradients */
    size_t n_buffers;
    float *buffers;       /* (n_buffers) untrained state: batch-norm running mean, var (oc) each */
    float *acts;          /* activations, (max_n, out) per layer (+ per-kind extras, see model.c) */
    size_t n_acts;        /* floats of acts */
    float *dbuf[SPECL_MAX_SLOTS]; /* (max_n, widest of its layers) gradient buffers for backward;
                             dbuf[0] is also the SVD workspace of the lipschitz projection */
    int n_slots;
    float *ws;            /* conv2d im2col workspace (n_ws), shared by all conv layers */
    size_t n_ws;
    double *red;          /* (max_n, 2·widest channel count) per-image partial sums */
    unsigned char *argmax;/* maxpool argmax, (max_n, out) per maxpool layer */
    const float *last_x;  /* input of the last forward (borrowed) */
    const int64_t *last_ids;
    int last_n;
    int training;         /* 1 (default): batch norm uses and updates batch statistics */
    int last_training;    /* the mode of the last forward */
    double kappa;         /* lipschitz: κ (0: unconstrained) */
    int h, w, c, channels, blocks, bn, head;  /* image classes: the spec's image fields (else 0) */
    char feature_name[96];
    int build_status;     /* construction: the first failing layer constructor's status */
} specl_model;

int specl_model_create(const specl_model_spec *spec, int max_n, specl_model **out);
void specl_model_free(specl_model *m);
/* Random init from rng, layer by layer: dense weights N(0, scale²/fan_in), conv2d weights
 * N(0, 2·scale²/fan_in) with fan_in = kh·kw·c_in (He: a ReLU follows), conv1d-circ filters
 * N(0, scale²/s), table N(0, scale²/k), biases 0, batch norm gamma 1 and beta 0 with running
 * mean 0 and var 1; a lipschitz model is then projected into its class. */
void specl_model_init(specl_model *m, double init_scale, specl_rng *rng);
void specl_model_zero_grad(specl_model *m);
/* Training (on != 0, the default) or eval mode; only batch norm layers behave differently. */
void specl_model_set_training(specl_model *m, int on);
int specl_model_is_training(const specl_model *m);
/* x (n,d); ids (n) support ids (batch.view), needed only by table models (NULL otherwise).
 * out (n,k) receives f(x); it may alias nothing. The activations of this call are cached; in
 * training mode batch norm layers update their running statistics. */
int specl_model_forward(specl_model *m, int n, const float *x, const int64_t *ids, float *out);
/* dout (n,k) = ∂loss/∂f for the rows of the last forward; grads += ∂loss/∂params (through the
 * batch statistics if that forward was in training mode). */
int specl_model_backward(specl_model *m, const float *dout);
/* Projection after an optimizer step (lipschitz: each dense layer's spectral norm to ≤ κ^{1/L});
 * a no-op for the other classes. */
int specl_model_constrain(specl_model *m);
/* Evaluate f on many rows in chunks of max_n (no gradient), in eval mode (the mode is restored). */
int specl_model_apply(specl_model *m, int64_t n, const float *x, const int64_t *ids, float *out);
/* Features (see the top of this file): their width, a description such as "flattened output of
 * conv block 2 (7x7x64 = 3136)", and their values out (n, feature_dim) in chunks of max_n, in
 * eval mode. */
int specl_model_feature_dim(const specl_model *m);
const char *specl_model_feature_name(const specl_model *m);
int specl_model_apply_features(specl_model *m, int64_t n, const float *x, const int64_t *ids, float *out);
/* Copy every parameter and buffer of src except its final dense projection into dst (pretrain
 * once, then attach heads of other output sizes). The two must have identical layers except the
 * output size of that last dense layer; else SPECL_EINVAL naming the first difference. */
int specl_model_copy_backbone(specl_model *dst, const specl_model *src);
/* Pointer to the weight / bias of layer i (NULL if none); batch norm: gamma / beta. */
float *specl_model_weight(specl_model *m, int i);
float *specl_model_bias(specl_model *m, int i);
int specl_model_is_table(const specl_model *m);
/* 1 if the class is f(x) = Ux (+ b): the layers are one dense layer. */
int specl_model_is_affine(const specl_model *m);

/* ---- files ----
 * Weights as a safetensors file: 8-byte little-endian header length, a JSON header naming each
 * tensor ("layer<i>.weight", "layer<i>.bias", "layer<i>.table", and for batch norm also
 * "layer<i>.running_mean", "layer<i>.running_var": dtype F32, shape, data_offsets; conv2d weights
 * have shape (c_out, kh, kw, c_in)) and "__metadata__" with the class spec (class, d, k, depth,
 * width, table_rows, kappa, filter, and for image classes h, w, c, channels, blocks, bn, head), then
 * the raw little-endian data: the parameters in layer order, then the buffers. Written
 * atomically. Loading rebuilds the model from the metadata (absent image keys read as 0) and
 * names every missing, unexpected or mis-shaped tensor. */
int specl_model_save(const specl_model *m, const specl_model_spec *spec, const char *path);
int specl_model_load(const char *path, int max_n, specl_model **out, specl_model_spec *spec);

#endif
