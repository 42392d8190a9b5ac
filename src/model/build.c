/* Layer constructors and the buffer layout of a model (see layers.h for the calling pattern).
 *
 * Constructors append one layer, reading its input shape from the producing layer (or the model
 * input), and check only what they can see; the shapes are known when a layer is added, so every
 * later layer can be sized from its source. specl_model_finish_ then lays out the parameters
 * (weight then bias, in layer order: the order of the safetensors file), the untrained buffers,
 * the activations, and the gradient buffers of backward.
 *
 * Gradient buffers: ∂/∂(output of layer j) is written when its last consumer (highest index) runs
 * backward and read when layer j itself does, so it is live on the interval [j, last consumer].
 * Intervals are coloured greedily in order of j; overlapping intervals get different buffers.
 * A chain needs two buffers (the old ping-pong), a residual block three. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "layers.h"

int specl_model_new_(int h, int w, int c, specl_model **out) {
    *out = NULL;
    if (h < 1 || w < 1 || c < 1 || (int64_t)h * w * c > (1 << 30))
        return specl_error(SPECL_EINVAL, "input shape %d x %d x %d is empty or too large", h, w, c);
    specl_model *m = calloc(1, sizeof *m);
    if (!m) return specl_error(SPECL_ENOMEM, "cannot allocate a model");
    snprintf(m->cls, sizeof m->cls, "custom");
    m->h = h; m->w = w; m->c = c; m->d = h * w * c;
    m->training = 1;
    *out = m;
    return SPECL_OK;
}

/* Append a zeroed layer reading from src, with src's output shape as its input shape. NULL (and
 * build_status set) on failure; the caller fills the output shape and calls commit_. */
static specl_layer *push_(specl_model *m, specl_layer_kind kind, int src) {
    if (m->build_status) return NULL;
    if (src < -1 || src >= m->n_layers) {
        m->build_status = specl_error(SPECL_EINVAL, "layer %d: input layer %d does not exist", m->n_layers, src);
        return NULL;
    }
    if (m->n_layers >= SPECL_MAX_LAYERS) {
        m->build_status = specl_error(SPECL_EINVAL, "more than %d layers", SPECL_MAX_LAYERS);
        return NULL;
    }
    static const int grow = 16;
    if (m->n_layers % grow == 0) {
        specl_layer *nl = realloc(m->layers, sizeof *nl * (size_t)(m->n_layers + grow));
        if (!nl) { m->build_status = specl_error(SPECL_ENOMEM, "cannot allocate %d layers", m->n_layers + grow); return NULL; }
        m->layers = nl;
    }
    specl_layer *l = &m->layers[m->n_layers];
    memset(l, 0, sizeof *l);
    l->kind = kind; l->src = src; l->src2 = -1; l->slot = -1;
    if (src >= 0) {
        const specl_layer *s = &m->layers[src];
        l->ih = s->oh; l->iw = s->ow; l->ic = s->oc; l->in = s->out;
    } else if (m->h > 0) {
        l->ih = m->h; l->iw = m->w; l->ic = m->c; l->in = m->d;
    } else {
        l->ih = 1; l->iw = 1; l->ic = m->d; l->in = m->d;
    }
    return l;
}

/* Check the output shape the caller set and make the layer part of the model. */
static int commit_(specl_model *m, specl_layer *l) {
    int64_t out = (int64_t)l->oh * l->ow * l->oc;
    if (l->oh < 1 || l->ow < 1 || l->oc < 1 || out > (1 << 30)) {
        m->build_status = specl_error(SPECL_EINVAL, "layer %d: output shape %d x %d x %d is empty or too large (input %d x %d x %d)",
                                      m->n_layers, l->oh, l->ow, l->oc, l->ih, l->iw, l->ic);
        return -1;
    }
    l->out = (int)out;
    return m->n_layers++;
}

int specl_add_vector_(specl_model *m, specl_layer_kind kind, int src, int out, int bias, int64_t rows) {
    specl_layer *l = push_(m, kind, src);
    if (!l) return -1;
    if ((kind == SPECL_LAYER_TABLE || kind == SPECL_LAYER_CONV1D_CIRC) && src != -1) {
        m->build_status = specl_error(SPECL_EINVAL, "layer %d: table and conv1d-circ layers read the model input", m->n_layers);
        return -1;
    }
    if (kind == SPECL_LAYER_RELU) { l->oh = l->ih; l->ow = l->iw; l->oc = l->ic; }
    else { l->oh = 1; l->ow = 1; l->oc = out; }
    l->bias = bias; l->rows = rows;
    return commit_(m, l);
}

int specl_add_dense_(specl_model *m, int src, int out, int bias) { return specl_add_vector_(m, SPECL_LAYER_DENSE, src, out, bias, 0); }
int specl_add_relu_(specl_model *m, int src) { return specl_add_vector_(m, SPECL_LAYER_RELU, src, 0, 0, 0); }

int specl_add_conv2d_(specl_model *m, int src, int cout, int ksize, int stride, int bias) {
    specl_layer *l = push_(m, SPECL_LAYER_CONV2D, src);
    if (!l) return -1;
    if (cout < 1 || ksize < 1 || stride < 1) {
        m->build_status = specl_error(SPECL_EINVAL, "layer %d: conv2d needs channels, kernel and stride >= 1 (%d, %d, %d)",
                                      m->n_layers, cout, ksize, stride);
        return -1;
    }
    l->kh = l->kw = ksize; l->stride = stride; l->pad = ksize / 2; l->bias = bias;
    l->oh = l->ih + 2 * l->pad >= ksize ? (l->ih + 2 * l->pad - ksize) / stride + 1 : 0;
    l->ow = l->iw + 2 * l->pad >= ksize ? (l->iw + 2 * l->pad - ksize) / stride + 1 : 0;
    l->oc = cout;
    return commit_(m, l);
}

int specl_add_pool_(specl_model *m, int src, specl_layer_kind kind) {
    specl_layer *l = push_(m, kind, src);
    if (!l) return -1;
    if (kind == SPECL_LAYER_GAP) { l->oh = 1; l->ow = 1; }
    else { l->oh = l->ih / 2; l->ow = l->iw / 2; }
    l->oc = l->ic;
    return commit_(m, l);
}

int specl_add_batchnorm_(specl_model *m, int src) {
    specl_layer *l = push_(m, SPECL_LAYER_BATCHNORM, src);
    if (!l) return -1;
    l->oh = l->ih; l->ow = l->iw; l->oc = l->ic; l->bias = 1;
    return commit_(m, l);
}

int specl_add_add_(specl_model *m, int a, int b) {
    if (!m->build_status && (b < -1 || b >= m->n_layers))
        m->build_status = specl_error(SPECL_EINVAL, "layer %d: input layer %d does not exist", m->n_layers, b);
    specl_layer *l = push_(m, SPECL_LAYER_ADD, a);
    if (!l) return -1;
    l->src2 = b;
    int bh = b >= 0 ? m->layers[b].oh : m->h > 0 ? m->h : 1, bw = b >= 0 ? m->layers[b].ow : m->h > 0 ? m->w : 1;
    int bc = b >= 0 ? m->layers[b].oc : m->h > 0 ? m->c : m->d;
    if (bh != l->ih || bw != l->iw || bc != l->ic) {
        m->build_status = specl_error(SPECL_EINVAL, "layer %d: add of shapes %d x %d x %d (layer %d) and %d x %d x %d (layer %d)",
                                      m->n_layers, l->ih, l->iw, l->ic, a, bh, bw, bc, b);
        return -1;
    }
    l->oh = l->ih; l->ow = l->iw; l->oc = l->ic;
    return commit_(m, l);
}

size_t specl_layer_weight_len_(const specl_layer *l) {
    switch (l->kind) {
    case SPECL_LAYER_DENSE: return (size_t)l->out * l->in;
    case SPECL_LAYER_TABLE: return (size_t)l->rows * l->out;
    case SPECL_LAYER_CONV1D_CIRC: return (size_t)l->out * l->rows;   /* U (k, s) */
    case SPECL_LAYER_CONV2D: return (size_t)l->oc * l->kh * l->kw * l->ic;
    case SPECL_LAYER_BATCHNORM: return (size_t)l->oc;               /* gamma */
    default: return 0;
    }
}

/* Doubles of dgesvd scratch for the spectral norm of a dense (out, in) weight: a copy of W,
 * the singular values (min) and the minimal workspace max(3·min + max, 5·min). */
static size_t svd_scratch_(const specl_layer *l) {
    size_t mn = (size_t)(l->in < l->out ? l->in : l->out), mx = (size_t)(l->in < l->out ? l->out : l->in);
    size_t work = 3 * mn + mx > 5 * mn ? 3 * mn + mx : 5 * mn;
    return (size_t)l->out * l->in + mn + work;
}

/* Floats of activation storage a layer needs for max_n rows: its output, and for conv1d-circ
 * its workspace (conv1d.c); for batch norm its (5, oc) statistics and per-channel scratch; for a
 * conv2d the columns it keeps, and nothing at all when it runs fused with its maxpool (conv2d.c:
 * its output is never written). */
static size_t act_size_(const specl_model *m, const specl_layer *l, int max_n) {
    if (l->kind == SPECL_LAYER_CONV2D && specl_conv2d_pooled_(m, l)) return 0;
    size_t na = (size_t)max_n * l->out;
    if (l->kind == SPECL_LAYER_CONV2D) na += specl_conv2d_kept_(m, l);
    if (l->kind == SPECL_LAYER_CONV1D_CIRC) na += specl_conv1d_ws_len_(l, max_n);
    if (l->kind == SPECL_LAYER_BATCHNORM) na += 5 * (size_t)l->oc;
    return na;
}

/* Assign gradient buffers (see the top of this file); sizes[s] receives the widest row of slot s. */
static int assign_slots_(specl_model *m, size_t *sizes) {
    int L = m->n_layers, end[SPECL_MAX_SLOTS];
    int *last = malloc(sizeof(int) * (size_t)L);
    if (!last) return specl_error(SPECL_ENOMEM, "cannot allocate %d layers", L);
    for (int j = 0; j < L; j++) last[j] = -1;
    for (int i = 0; i < L; i++) {
        if (m->layers[i].src >= 0) last[m->layers[i].src] = i;
        if (m->layers[i].src2 >= 0) last[m->layers[i].src2] = i;
    }
    m->n_slots = 0;
    for (int j = 0; j < L; j++) {
        specl_layer *l = &m->layers[j];
        l->slot = -1;
        if (last[j] < 0) continue;   /* the output layer (its gradient is the caller's dout) */
        int s = 0;
        while (s < m->n_slots && end[s] >= j) s++;
        if (s == SPECL_MAX_SLOTS) { free(last); return specl_error(SPECL_EINVAL, "layer graph needs more than %d gradient buffers", SPECL_MAX_SLOTS); }
        if (s == m->n_slots) sizes[m->n_slots++] = 0;
        end[s] = last[j];
        if ((size_t)l->out > sizes[s]) sizes[s] = (size_t)l->out;
        l->slot = s;
    }
    free(last);
    return SPECL_OK;
}

/* Offsets of every layer; totals of params, buffers, activations, argmax bytes, im2col floats,
 * the widest reduced channel count and the SVD scratch. */
typedef struct layout_ { size_t np, nb, na, nm, ws, maxc, svd; } layout_;

static layout_ lay_out_(specl_model *m, int max_n) {
    layout_ t = { 0 };
    for (int i = 0; i < m->n_layers; i++) {
        specl_layer *l = &m->layers[i];
        l->w = t.np;
        t.np += specl_layer_weight_len_(l);
        l->b = t.np;
        if (l->bias) t.np += (size_t)l->oc;
        l->act = t.na;
        t.na += act_size_(m, l, max_n);
        l->run = t.nb;
        if (l->kind == SPECL_LAYER_BATCHNORM) t.nb += 2 * (size_t)l->oc;
        l->aux = t.nm;
        if (l->kind == SPECL_LAYER_MAXPOOL) t.nm += (size_t)max_n * l->out;
        if (l->kind == SPECL_LAYER_CONV2D && specl_conv2d_ws_(m, l) > t.ws) t.ws = specl_conv2d_ws_(m, l);
        if ((l->kind == SPECL_LAYER_CONV2D || l->kind == SPECL_LAYER_BATCHNORM) && (size_t)l->oc > t.maxc) t.maxc = (size_t)l->oc;
        if (m->kappa > 0 && l->kind == SPECL_LAYER_DENSE && svd_scratch_(l) > t.svd) t.svd = svd_scratch_(l);
    }
    return t;
}

int specl_model_finish_(specl_model *m, int max_n) {
    if (m->build_status) return m->build_status;
    if (m->n_layers < 1) return specl_error(SPECL_EINVAL, "model has no layers");
    if (max_n < 1) return specl_error(SPECL_EINVAL, "model row capacity %d < 1", max_n);
    m->max_n = max_n;
    m->k = m->layers[m->n_layers - 1].out;
    size_t sizes[SPECL_MAX_SLOTS];
    int st = assign_slots_(m, sizes);
    if (st) return st;
    layout_ t = lay_out_(m, max_n);
    m->n_params = t.np; m->n_buffers = t.nb; m->n_ws = t.ws;
    m->params = calloc(t.np ? t.np : 1, sizeof(float));
    m->grads = calloc(t.np ? t.np : 1, sizeof(float));
    m->buffers = calloc(t.nb ? t.nb : 1, sizeof(float));
    m->n_acts = t.na;
    m->acts = malloc(sizeof(float) * (t.na ? t.na : 1));
    int bad = !m->params || !m->grads || !m->buffers || !m->acts;
    if (t.nm) bad |= !(m->argmax = malloc(t.nm));
    if (t.ws) bad |= !(m->ws = malloc(sizeof(float) * t.ws));
    if (t.maxc) bad |= !(m->red = malloc(sizeof(double) * 2 * t.maxc * (size_t)max_n));
    for (int s = 0; s < m->n_slots || s == 0; s++) {
        size_t bytes = sizeof(float) * (s < m->n_slots ? sizes[s] : 1) * (size_t)max_n;
        if (s == 0 && sizeof(double) * t.svd > bytes) bytes = sizeof(double) * t.svd;   /* dbuf[0]: SVD scratch */
        bad |= !(m->dbuf[s] = malloc(bytes));
    }
    if (bad) return specl_error(SPECL_ENOMEM, "cannot allocate model '%s' (%zu parameters, %zu activations for %d rows)",
                                m->cls, t.np, t.na, max_n);
    if (!m->feature_name[0]) {
        const specl_layer *l = &m->layers[m->n_layers - 1];
        if (l->kind == SPECL_LAYER_DENSE) snprintf(m->feature_name, sizeof m->feature_name, "input of the final dense layer (%d)", l->in);
        else snprintf(m->feature_name, sizeof m->feature_name, "model output f(x) (%d)", m->k);
    }
    return SPECL_OK;
}
