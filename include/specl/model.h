/* specl/model.h: function classes as layer stacks over one parameter buffer (llm.c style).
 *
 * A model is a sequence of layers. All parameters live in one float buffer `params`, all their
 * gradients in one buffer `grads` of the same size; each layer points into them by offset.
 * forward() on n rows caches the activations backward() needs; backward() accumulates into
 * grads (call specl_model_zero_grad first). Activation buffers are sized at creation for a
 * maximum row count; a larger n is rejected with SPECL_EINVAL, never silently reallocated.
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
 */
#ifndef SPECL_MODEL_H
#define SPECL_MODEL_H

#include "base.h"

typedef enum { SPECL_LAYER_DENSE, SPECL_LAYER_RELU, SPECL_LAYER_TABLE, SPECL_LAYER_CONV1D_CIRC } specl_layer_kind;

typedef struct specl_layer {
    specl_layer_kind kind;
    int in, out;          /* row widths of input and output */
    int bias;             /* dense: has a bias vector */
    int64_t rows;         /* table: size of the support; conv1d-circ: the filter width s */
    size_t w, b;          /* offsets of weight (out,in) / table (rows,out) and bias (out) in params */
    size_t act;           /* offset of this layer's output (max_n, out) in the activation buffer */
} specl_layer;

#define SPECL_MAX_LAYERS 32

typedef struct specl_model_spec {
    const char *cls;      /* "linear", "affine", "relu1", "mlp", "table", "lipschitz", "conv1d-circ" */
    int d, k;             /* input and output dimension */
    int depth, width;     /* mlp: number of hidden layers and their width */
    int64_t table_rows;   /* table: size of the support */
    double init_scale;    /* multiplies the default init std (1/√fan_in dense, 1/√k table) */
    double kappa;         /* lipschitz: bound κ on the Lipschitz constant (> 0) */
    int filter;           /* conv1d-circ: filter width s (1 ≤ s ≤ d) */
} specl_model_spec;

typedef struct specl_model {
    char cls[16];
    int d, k, max_n;
    int n_layers;
    specl_layer layers[SPECL_MAX_LAYERS];
    size_t n_params;
    float *params;        /* (n_params) all weights */
    float *grads;         /* (n_params) their gradients */
    float *acts;          /* activations, (max_n, out) per layer */
    float *dbuf[2];       /* (max_n, widest) two ping-pong buffers for backward; dbuf[0] is also the
                             SVD workspace of the lipschitz projection */
    const float *last_x;  /* input of the last forward (borrowed) */
    const int64_t *last_ids;
    int last_n;
    double kappa;         /* lipschitz: κ (0: unconstrained) */
} specl_model;

int specl_model_create(const specl_model_spec *spec, int max_n, specl_model **out);
void specl_model_free(specl_model *m);
/* Random init from rng: dense weights N(0, scale²/fan_in), conv filters N(0, scale²/s), biases 0,
 * table N(0, scale²/k); a lipschitz model is then projected into its class. */
void specl_model_init(specl_model *m, double init_scale, specl_rng *rng);
void specl_model_zero_grad(specl_model *m);
/* x (n,d); ids (n) support ids (batch.view), needed only by table models (NULL otherwise).
 * out (n,k) receives f(x); it may alias nothing. The activations of this call are cached. */
int specl_model_forward(specl_model *m, int n, const float *x, const int64_t *ids, float *out);
/* dout (n,k) = ∂loss/∂f for the rows of the last forward; grads += ∂loss/∂params. */
int specl_model_backward(specl_model *m, const float *dout);
/* Projection after an optimizer step (lipschitz: each dense layer's spectral norm to ≤ κ^{1/L});
 * a no-op for the other classes. */
int specl_model_constrain(specl_model *m);
/* Evaluate f on many rows in chunks of max_n (no gradient). */
int specl_model_apply(specl_model *m, int64_t n, const float *x, const int64_t *ids, float *out);
/* Pointer to the weight / bias of layer i (NULL if none). */
float *specl_model_weight(specl_model *m, int i);
float *specl_model_bias(specl_model *m, int i);
int specl_model_is_table(const specl_model *m);
/* 1 if the class is f(x) = Ux (+ b): the layers are one dense layer. */
int specl_model_is_affine(const specl_model *m);

/* ---- files ----
 * Weights as a safetensors file: 8-byte little-endian header length, a JSON header naming each
 * tensor ("layer<i>.weight", "layer<i>.bias", "layer<i>.table": dtype F32, shape, data_offsets)
 * and "__metadata__" with the class spec (class, d, k, depth, width, table_rows, kappa, filter), then the raw
 * little-endian data. Written atomically. Loading rebuilds the model from the metadata and names
 * every missing, unexpected or mis-shaped tensor. */
int specl_model_save(const specl_model *m, const specl_model_spec *spec, const char *path);
int specl_model_load(const char *path, int max_n, specl_model **out, specl_model_spec *spec);

#endif
