/* Function classes as layer graphs over one parameter buffer and one gradient buffer.
 * Forward caches each layer's output (max_n, out) in one activation allocation; backward walks
 * the layers in reverse, reading ∂/∂output of each layer from its gradient buffer and writing
 * (or, for a second consumer such as a residual skip, adding) ∂/∂input into the buffer of the
 * producing layer. build.c lays out the buffers and assigns the gradient buffers (two for a
 * chain, as the ping-pong pair of the original design). Dense layers go through cblas_sgemm;
 * conv1d-circ lives in conv1d.c, the image layers in conv2d.c and layers_image.c, the image
 * classes in classes_image.c. See model.h for the classes.
 *
 * conv1d-circ keeps its workspace (specl_conv1d_ws_len_ floats for max_n rows, described in
 * conv1d.c) after its output in the activation allocation. Its filter width s is stored in the
 * layer's `rows` field (the column count of U (k, s), as `rows` is the row count of a table).
 *
 * lipschitz: specl_model_constrain measures each dense layer's spectral norm with LAPACK dgesvd
 * (singular values only, in double) in dbuf[0], which create sizes for it; so the projection
 * never allocates, and a call between a forward and its backward is harmless (dbuf holds nothing
 * across calls). */
#include <cblas.h>
#include <lapacke.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "layers.h"

static int build_layers_(specl_model *m, const specl_model_spec *s) {
    const char *c = s->cls;
    if (strcmp(c, "linear") == 0 || strcmp(c, "affine") == 0) {
        specl_add_dense_(m, -1, s->k, c[0] == 'a');
        snprintf(m->feature_name, sizeof m->feature_name, "model input x (%d)", s->d);
    } else if (strcmp(c, "relu1") == 0) {
        specl_add_relu_(m, specl_add_dense_(m, -1, s->k, 1));
    } else if (strcmp(c, "mlp") == 0 || strcmp(c, "lipschitz") == 0) {
        if (c[0] == 'l' && !(s->kappa > 0))
            return specl_error(SPECL_EINVAL, "model.kappa = %g: expected kappa > 0", s->kappa);
        if (c[0] == 'l' && !isfinite(s->kappa))
            return specl_error(SPECL_EINVAL, "model.kappa = %g: expected a finite kappa (class mlp has no bound)", s->kappa);
        if (s->depth < 1 || s->width < 1)
            return specl_error(SPECL_EINVAL, "model.depth = %d, model.width = %d: both must be >= 1", s->depth, s->width);
        int t = -1;
        for (int i = 0; i < s->depth; i++) t = specl_add_relu_(m, specl_add_dense_(m, t, s->width, 1));
        specl_add_dense_(m, t, s->k, 1);
        snprintf(m->feature_name, sizeof m->feature_name, "output of hidden ReLU layer %d (%d)", s->depth, s->width);
    } else if (strcmp(c, "table") == 0) {
        if (s->table_rows < 1)
            return specl_error(SPECL_EINVAL, "model.class = table needs a source with a finite support");
        specl_add_vector_(m, SPECL_LAYER_TABLE, -1, s->k, 0, s->table_rows);
    } else if (strcmp(c, "conv1d-circ") == 0) {
        if (s->filter < 1 || s->filter > s->d)
            return specl_error(SPECL_EINVAL, "model.filter = %d: expected 1 <= filter <= d = %d", s->filter, s->d);
        specl_add_vector_(m, SPECL_LAYER_CONV1D_CIRC, -1, s->k, 1, s->filter);   /* rows = s */
    } else if (strcmp(c, "cnn") == 0) {
        return specl_build_cnn_(m, s);
    } else if (strcmp(c, "resnet") == 0) {
        return specl_build_resnet_(m, s);
    } else {
        return specl_error(SPECL_EINVAL, "model.class = '%s': expected linear, affine, relu1, mlp, table, "
                           "lipschitz, conv1d-circ, cnn or resnet", c);
    }
    if (!m->build_status && !m->feature_name[0])
        snprintf(m->feature_name, sizeof m->feature_name, "model output f(x) (%d; the class has no separate projection)", s->k);
    return m->build_status;
}

static int is_image_class_(const char *cls) { return strcmp(cls, "cnn") == 0 || strcmp(cls, "resnet") == 0; }

/* An empty model of the spec's class with its layers added (nothing allocated but the list). */
static int start_(const specl_model_spec *spec, specl_model **out) {
    *out = NULL;
    if (spec->d < 1 || spec->k < 1) return specl_error(SPECL_EINVAL, "model needs d >= 1 and k >= 1 (d = %d, k = %d)", spec->d, spec->k);
    specl_model *m = calloc(1, sizeof *m);
    if (!m) return SPECL_ENOMEM;
    snprintf(m->cls, sizeof m->cls, "%s", spec->cls);
    m->d = spec->d; m->k = spec->k; m->training = 1;
    if (is_image_class_(spec->cls)) {
        m->h = spec->h; m->w = spec->w; m->c = spec->c;
        m->channels = spec->channels; m->blocks = strcmp(spec->cls, "resnet") == 0 ? spec->blocks : 0;
        m->bn = strcmp(spec->cls, "cnn") == 0 ? spec->bn : 0;
        m->head = spec->head;
    }
    int st = build_layers_(m, spec);
    if (st) { specl_model_free(m); return st; }
    m->kappa = strcmp(spec->cls, "lipschitz") == 0 ? spec->kappa : 0.0;
    *out = m;
    return SPECL_OK;
}

int specl_model_create(const specl_model_spec *spec, int max_n, specl_model **out) {
    *out = NULL;
    if (spec->d < 1 || spec->k < 1) return specl_error(SPECL_EINVAL, "model needs d >= 1 and k >= 1 (d = %d, k = %d)", spec->d, spec->k);
    if (max_n < 1) return specl_error(SPECL_EINVAL, "model row capacity %d < 1", max_n);
    specl_model *m;
    int st = start_(spec, &m);
    if (!st) st = specl_model_finish_(m, max_n);
    if (st) { specl_model_free(m); return st; }
    *out = m;
    return SPECL_OK;
}

int specl_model_count_(const specl_model_spec *spec, size_t *n_params, size_t *n_buffers) {
    specl_model *m;
    int st = start_(spec, &m);
    if (st) return st;
    size_t np = 0, nb = 0;
    for (int i = 0; i < m->n_layers; i++) {
        const specl_layer *l = &m->layers[i];
        np += specl_layer_weight_len_(l) + (l->bias ? (size_t)l->oc : 0);
        if (l->kind == SPECL_LAYER_BATCHNORM) nb += 2 * (size_t)l->oc;
    }
    specl_model_free(m);
    *n_params = np; *n_buffers = nb;
    return SPECL_OK;
}

void specl_model_free(specl_model *m) {
    if (!m) return;
    free(m->layers); free(m->params); free(m->grads); free(m->buffers); free(m->acts);
    for (int s = 0; s < SPECL_MAX_SLOTS; s++) free(m->dbuf[s]);
    free(m->ws); free(m->red); free(m->argmax);
    free(m);
}

void specl_model_init(specl_model *m, double scale, specl_rng *rng) {
    memset(m->params, 0, sizeof(float) * m->n_params);
    for (int i = 0; i < m->n_layers; i++) {
        specl_layer *l = &m->layers[i];
        size_t cnt = 0;
        double sd = 0;
        if (l->kind == SPECL_LAYER_DENSE) { cnt = (size_t)l->out * l->in; sd = scale / sqrt((double)l->in); }
        if (l->kind == SPECL_LAYER_TABLE) { cnt = (size_t)l->rows * l->out; sd = scale / sqrt((double)l->out); }
        if (l->kind == SPECL_LAYER_CONV1D_CIRC) { cnt = (size_t)l->out * l->rows; sd = scale / sqrt((double)l->rows); }
        if (l->kind == SPECL_LAYER_CONV2D) { cnt = specl_layer_weight_len_(l); sd = scale * sqrt(2.0 / ((double)l->kh * l->kw * l->ic)); }
        for (size_t j = 0; j < cnt; j++) m->params[l->w + j] = (float)(sd * specl_rng_normal(rng));
        if (l->kind == SPECL_LAYER_BATCHNORM)
            for (int c = 0; c < l->oc; c++) {
                m->params[l->w + c] = 1.0f;                 /* gamma; beta stays 0 */
                m->buffers[l->run + c] = 0.0f;              /* running mean */
                m->buffers[l->run + l->oc + c] = 1.0f;      /* running var */
            }
    }
    /* A lipschitz model starts inside its class. The projection can fail only on non-finite
     * weights or a LAPACK failure, neither possible for finite Gaussian draws; init has no status. */
    if (m->kappa > 0) (void)specl_model_constrain(m);
}

void specl_model_zero_grad(specl_model *m) { memset(m->grads, 0, sizeof(float) * m->n_params); }
void specl_model_set_training(specl_model *m, int on) { m->training = on != 0; }
int specl_model_is_training(const specl_model *m) { return m->training; }

float *specl_model_weight(specl_model *m, int i) {
    if (i < 0 || i >= m->n_layers || specl_layer_weight_len_(&m->layers[i]) == 0) return NULL;
    return m->params + m->layers[i].w;
}
float *specl_model_bias(specl_model *m, int i) {
    if (i < 0 || i >= m->n_layers || !m->layers[i].bias) return NULL;
    return m->params + m->layers[i].b;
}
int specl_model_is_table(const specl_model *m) { return m->n_layers == 1 && m->layers[0].kind == SPECL_LAYER_TABLE; }
int specl_model_is_affine(const specl_model *m) { return m->n_layers == 1 && m->layers[0].kind == SPECL_LAYER_DENSE; }

/* ---- the layer graph ---- */

/* Output of layer src of the last forward (src = -1: the model input x). */
static const float *input_(const specl_model *m, int src, const float *x) { return src < 0 ? x : m->acts + m->layers[src].act; }
static float *bn_stats_(const specl_model *m, const specl_layer *l) { return m->acts + l->act + (size_t)m->max_n * l->out; }
/* A conv2d's kept im2col columns after its output (see specl_conv2d_kept_), or NULL. */
static float *conv_kept_(const specl_model *m, const specl_layer *l) {
    return specl_conv2d_kept_(m, l) ? m->acts + l->act + (size_t)m->max_n * l->out : NULL;
}
static float *conv1d_ws_(const specl_model *m, const specl_layer *l) { return m->acts + l->act + (size_t)m->max_n * l->out; }

/* ---- dense: the passes around its sgemm ---- */

/* Elementwise passes over fewer elements than this stay on one thread. */
#define DENSE_PAR_MIN 32768

/* The ReLU layer whose forward the bias pass of dense layer l does as well: the next layer, if it
 * is a ReLU reading l (mlp, relu1). run_layers_ always runs l before its successor, so that ReLU
 * finds its output written; if a run stops at l, the extra write goes to a buffer not yet read. */
static const specl_layer *relu_after_(const specl_model *m, const specl_layer *l) {
    int i = (int)(l - m->layers);
    if (l->kind != SPECL_LAYER_DENSE || !l->bias || i + 1 >= m->n_layers) return NULL;
    const specl_layer *r = l + 1;
    return r->kind == SPECL_LAYER_RELU && r->src == i ? r : NULL;
}
static int relu_fused_(const specl_model *m, const specl_layer *r) {
    return r->src >= 0 && relu_after_(m, &m->layers[r->src]) == r;
}

/* y (n, out) += b on every row and, with r non-NULL, r = relu(y) in the same pass over y: one read
 * of y fewer than two passes, and the same operations on each element. */
static void dense_bias_(int n, int out, const float *b, float *y, float *r) {
    #pragma omp parallel for schedule(static) if ((size_t)n * out > DENSE_PAR_MIN)
    for (int i = 0; i < n; i++) {
        float *yi = y + (size_t)i * out;
        if (r) {
            float *ri = r + (size_t)i * out;
            #pragma omp simd
            for (int j = 0; j < out; j++) { float v = yi[j] + b[j]; yi[j] = v; ri[j] = v > 0 ? v : 0.0f; }
        } else {
            #pragma omp simd
            for (int j = 0; j < out; j++) yi[j] += b[j];
        }
    }
}

/* gb (out) += the column sums of dy (n, out). Threads take blocks of columns and each column is
 * summed over the rows in order, so the result does not depend on the thread count. The blocks
 * are wide (1 KB of a row) so that each row's part is one sequential read. */
#define BIAS_COLS 256
static void dense_bias_grad_(int n, int out, const float *dy, float *gb) {
    int nb = (out + BIAS_COLS - 1) / BIAS_COLS;
    #pragma omp parallel for schedule(static) if ((size_t)n * out > DENSE_PAR_MIN)
    for (int c = 0; c < nb; c++) {
        int j0 = c * BIAS_COLS, j1 = j0 + BIAS_COLS < out ? j0 + BIAS_COLS : out;
        for (int r = 0; r < n; r++) {
            const float *d = dy + (size_t)r * out;
            #pragma omp simd
            for (int j = j0; j < j1; j++) gb[j] += d[j];
        }
    }
}

static int layer_forward_(specl_model *m, const specl_layer *l, int n, const float *in, const float *x, const int64_t *ids, float *y) {
    const float *w = m->params + l->w;
    size_t len = (size_t)n * l->out;
    switch (l->kind) {
    case SPECL_LAYER_DENSE: {
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, n, l->out, l->in, 1.0f, in, l->in, w, l->in, 0.0f, y, l->out);
        const specl_layer *r = relu_after_(m, l);
        if (l->bias) dense_bias_(n, l->out, m->params + l->b, y, r ? m->acts + r->act : NULL);
        break;
    }
    case SPECL_LAYER_RELU:
        if (!relu_fused_(m, l)) specl_relu_forward_(len, in, y);
        break;
    case SPECL_LAYER_TABLE:
        if (!ids) return specl_error(SPECL_EINVAL, "table model needs support ids for its rows");
        for (int i = 0; i < n; i++) {
            if (ids[i] < 0 || ids[i] >= l->rows)
                return specl_error(SPECL_EINVAL, "support id %lld outside the table's %lld rows", (long long)ids[i], (long long)l->rows);
            memcpy(y + (size_t)i * l->out, w + (size_t)ids[i] * l->out, sizeof(float) * l->out);
        }
        break;
    case SPECL_LAYER_CONV1D_CIRC:
        specl_conv1d_forward_(l, n, in, w, m->params + l->b, conv1d_ws_(m, l), y);
        break;
    case SPECL_LAYER_CONV2D:
        if (specl_conv2d_pooled_(m, l))   /* with the maxpool l + 1 (see layers.h) */
            specl_conv2d_pool_forward_(l, l + 1, n, in, w, l->bias ? m->params + l->b : NULL, m->acts + l[1].act, m->argmax + l[1].aux);
        else
            specl_conv2d_forward_(l, n, in, w, l->bias ? m->params + l->b : NULL, m->ws, conv_kept_(m, l), y);
        break;
    case SPECL_LAYER_MAXPOOL:
        if (l->src < 0 || !specl_conv2d_pooled_(m, &m->layers[l->src])) specl_maxpool_forward_(l, n, in, y, m->argmax + l->aux);
        break;
    case SPECL_LAYER_AVGPOOL: specl_avgpool_forward_(l, n, in, y); break;
    case SPECL_LAYER_GAP: specl_gap_forward_(l, n, in, y); break;
    case SPECL_LAYER_BATCHNORM:
        specl_bn_forward_(l, n, in, w, m->params + l->b, m->buffers + l->run, bn_stats_(m, l), m->red, m->training, y);
        break;
    case SPECL_LAYER_ADD: specl_add_forward_(len, in, input_(m, l->src2, x), y); break;
    }
    return SPECL_OK;
}

/* Layers [0, upto) on n rows (1 <= n <= max_n checked by the caller). */
static int run_layers_(specl_model *m, int n, const float *x, const int64_t *ids, int upto) {
    for (int i = 0; i < upto; i++) {
        const specl_layer *l = &m->layers[i];
        int st = layer_forward_(m, l, n, input_(m, l->src, x), x, ids, m->acts + l->act);
        if (st) return st;
    }
    return SPECL_OK;
}

int specl_model_forward(specl_model *m, int n, const float *x, const int64_t *ids, float *out) {
    if (n < 1 || n > m->max_n) return specl_error(SPECL_EINVAL, "forward on %d rows, model capacity is %d", n, m->max_n);
    m->last_n = 0;
    int st = run_layers_(m, n, x, ids, m->n_layers);
    if (st) return st;
    memcpy(out, m->acts + m->layers[m->n_layers - 1].act, sizeof(float) * (size_t)n * m->k);
    m->last_x = x; m->last_ids = ids; m->last_n = n; m->last_training = m->training;
    return SPECL_OK;
}

/* Backward of one layer with one input: dy (n, out) -> params' grads, and dx (n, in) written
 * (acc = 0) or added to (acc = 1) unless dx is NULL (the input is the model's). */
static void layer_backward_(specl_model *m, const specl_layer *l, int n, const float *in, const float *dy, float *dx, int acc) {
    float *gw = m->grads + l->w, *gb = l->bias ? m->grads + l->b : NULL;
    const float *w = m->params + l->w, *y = m->acts + l->act;
    switch (l->kind) {
    case SPECL_LAYER_DENSE:
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, l->out, l->in, n, 1.0f, dy, l->out, in, l->in, 1.0f, gw, l->in);
        if (gb) dense_bias_grad_(n, l->out, dy, gb);
        if (dx)
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, l->in, l->out, 1.0f, dy, l->out, w, l->in,
                        acc ? 1.0f : 0.0f, dx, l->in);
        break;
    case SPECL_LAYER_RELU: if (dx) specl_relu_backward_((size_t)n * l->out, y, dy, dx, acc); break;
    case SPECL_LAYER_TABLE:
        for (int r = 0; r < n; r++) {
            float *row = gw + (size_t)m->last_ids[r] * l->out;
            for (int j = 0; j < l->out; j++) row[j] += dy[(size_t)r * l->out + j];
        }
        break;
    case SPECL_LAYER_CONV1D_CIRC: specl_conv1d_backward_(l, m->max_n, n, dy, conv1d_ws_(m, l), gw, gb); break;
    case SPECL_LAYER_CONV2D:
        if (specl_conv2d_pooled_(m, l))   /* from the gradient of the maxpool l + 1, which did nothing */
            specl_conv2d_pool_backward_(l, l + 1, n, in, m->dbuf[l[1].slot], m->argmax + l[1].aux, gw, gb);
        else
            specl_conv2d_backward_(l, n, in, w, dy, m->ws, conv_kept_(m, l), m->red, gw, gb, dx, acc);
        break;
    case SPECL_LAYER_MAXPOOL:
        if (dx && !specl_conv2d_pooled_(m, &m->layers[l->src])) specl_maxpool_backward_(l, n, dy, m->argmax + l->aux, dx, acc);   /* dx: src >= 0 */
        break;
    case SPECL_LAYER_AVGPOOL: if (dx) specl_avgpool_backward_(l, n, dy, dx, acc); break;
    case SPECL_LAYER_GAP: if (dx) specl_gap_backward_(l, n, dy, dx, acc); break;
    case SPECL_LAYER_BATCHNORM:
        specl_bn_backward_(l, n, in, w, dy, bn_stats_(m, l), m->red, m->last_training, gw, gb, dx, acc);
        break;
    case SPECL_LAYER_ADD: break;   /* two inputs: handled by the walk */
    }
}

int specl_model_backward(specl_model *m, const float *dout) {
    int n = m->last_n, L = m->n_layers;
    if (n < 1) return specl_error(SPECL_EINVAL, "backward without a forward");
    unsigned char *written = calloc((size_t)L, 1);   /* ∂/∂output of layer j already holds a term */
    if (!written) return specl_error(SPECL_ENOMEM, "cannot allocate %d flags", L);
    for (int i = L - 1; i >= 0; i--) {
        const specl_layer *l = &m->layers[i];
        const float *dy = i == L - 1 ? dout : written[i] ? m->dbuf[l->slot] : NULL;
        if (!dy) continue;   /* nothing downstream of this layer reaches the output */
        if (l->kind == SPECL_LAYER_ADD) {
            const int srcs[2] = { l->src, l->src2 };
            for (int j = 0; j < 2; j++) {
                if (srcs[j] < 0) continue;
                specl_grad_pass_((size_t)n * l->out, dy, m->dbuf[m->layers[srcs[j]].slot], written[srcs[j]]);
                written[srcs[j]] = 1;
            }
            continue;
        }
        float *dx = l->src >= 0 ? m->dbuf[m->layers[l->src].slot] : NULL;
        layer_backward_(m, l, n, input_(m, l->src, m->last_x), dy, dx, dx && written[l->src]);
        if (dx) written[l->src] = 1;
    }
    free(written);
    return SPECL_OK;
}

int specl_model_apply(specl_model *m, int64_t n, const float *x, const int64_t *ids, float *out) {
    int was = m->training, st = SPECL_OK;
    m->training = 0;
    for (int64_t i = 0; i < n && !st; i += m->max_n) {
        int c = (int)(n - i < m->max_n ? n - i : m->max_n);
        st = specl_model_forward(m, c, x + (size_t)i * m->d, ids ? ids + i : NULL, out + (size_t)i * m->k);
    }
    m->training = was;
    m->last_n = 0;   /* the cached activations no longer match any caller's batch */
    return st;
}

/* ---- features: the input of a final dense projection, else the output ---- */

static int has_projection_(const specl_model *m) { return m->layers[m->n_layers - 1].kind == SPECL_LAYER_DENSE; }

int specl_model_feature_dim(const specl_model *m) { return has_projection_(m) ? m->layers[m->n_layers - 1].in : m->k; }
const char *specl_model_feature_name(const specl_model *m) { return m->feature_name; }

int specl_model_apply_features(specl_model *m, int64_t n, const float *x, const int64_t *ids, float *out) {
    int proj = has_projection_(m), upto = m->n_layers - proj, fd = specl_model_feature_dim(m);
    int src = proj ? m->layers[m->n_layers - 1].src : m->n_layers - 1;
    int was = m->training, st = SPECL_OK;
    m->training = 0;
    for (int64_t i = 0; i < n && !st; i += m->max_n) {
        int c = (int)(n - i < m->max_n ? n - i : m->max_n);
        const float *xc = x + (size_t)i * m->d;
        st = run_layers_(m, c, xc, ids ? ids + i : NULL, upto);
        if (!st) memcpy(out + (size_t)i * fd, input_(m, src, xc), sizeof(float) * (size_t)c * fd);
    }
    m->training = was;
    m->last_n = 0;
    return st;
}

static const char *kind_name_(specl_layer_kind k) {
    static const char *names[] = { "dense", "relu", "table", "conv1d-circ", "conv2d", "maxpool", "avgpool", "gap",
                                   "batchnorm", "add" };
    return (unsigned)k < sizeof names / sizeof *names ? names[k] : "?";
}

/* The first field in which layer a of one model differs from layer b of another (NULL if none);
 * the last layer's out is not compared. */
static const char *layer_diff_(const specl_layer *a, const specl_layer *b, int last) {
    if (a->kind != b->kind) return "kind";
    if (a->src != b->src || a->src2 != b->src2) return "input layer";
    if (a->in != b->in || a->ih != b->ih || a->iw != b->iw || a->ic != b->ic) return "input shape";
    if (!last && (a->out != b->out || a->oh != b->oh || a->ow != b->ow || a->oc != b->oc)) return "output shape";
    if (a->bias != b->bias || a->rows != b->rows) return last ? "bias" : "bias or rows";
    if (a->kh != b->kh || a->kw != b->kw || a->stride != b->stride || a->pad != b->pad) return "kernel, stride or padding";
    return NULL;
}

int specl_model_copy_backbone(specl_model *dst, const specl_model *src) {
    int L = src->n_layers;
    if (!has_projection_(src) || !has_projection_(dst))
        return specl_error(SPECL_EINVAL, "copy backbone: model '%s' has no final dense projection to keep apart",
                           has_projection_(src) ? dst->cls : src->cls);
    if (dst->n_layers != L)
        return specl_error(SPECL_EINVAL, "copy backbone: '%s' has %d layers, '%s' has %d", src->cls, L, dst->cls, dst->n_layers);
    for (int i = 0; i < L; i++) {
        const char *what = layer_diff_(&src->layers[i], &dst->layers[i], i == L - 1);
        if (what)
            return specl_error(SPECL_EINVAL, "copy backbone: layer %d (%s of '%s', %s of '%s') differs in its %s", i,
                               kind_name_(src->layers[i].kind), src->cls, kind_name_(dst->layers[i].kind), dst->cls, what);
    }
    /* identical layers lay out identically: everything before the projection is one prefix */
    memcpy(dst->params, src->params, sizeof(float) * src->layers[L - 1].w);
    memcpy(dst->buffers, src->buffers, sizeof(float) * src->n_buffers);
    return SPECL_OK;
}

/* ---- lipschitz: projection onto the κ-Lipschitz ball ----
 * With c = κ^{1/L} over the L dense layers and σ₁(W_l) ≤ c for each, and ReLU 1-Lipschitz
 * (biases do not change differences), for all x, y:
 *     ‖f(x) − f(y)‖₂ ≤ Π_l σ₁(W_l) ‖x − y‖₂ ≤ κ ‖x − y‖₂.
 * The per-layer ball is a sufficient condition (a product of norms bounds the norm of the
 * composition), not the exact F_Lip,κ of Def. 5.8, which has no tractable projection. */

/* σ₁ of w (out, in) in double: dgesvd (values only) on a copy in ws (svd_scratch_ doubles). The
 * row-major (out, in) array read column-major is Wᵀ (in, out), with the same singular values. */
static int spectral_norm_(const float *w, int out, int in, double *ws, double *sigma) {
    size_t cnt = (size_t)out * in;
    int mn = in < out ? in : out, mx = in < out ? out : in;
    int lwork = 3 * mn + mx > 5 * mn ? 3 * mn + mx : 5 * mn;
    double *a = ws, *sv = a + cnt, *work = sv + mn, u = 0, vt = 0;
    for (size_t j = 0; j < cnt; j++) a[j] = w[j];
    lapack_int info = LAPACKE_dgesvd_work(LAPACK_COL_MAJOR, 'N', 'N', in, out, a, in, sv, &u, 1, &vt, 1, work, lwork);
    if (info) return specl_error(SPECL_ELINALG, "lipschitz: dgesvd failed on a %dx%d weight (info %d)", out, in, (int)info);
    *sigma = sv[0];
    return SPECL_OK;
}

/* If σ₁(W) > c, scale W by c/σ₁. Rounding the scaled entries to float can leave σ₁ a few parts
 * in 10⁷ above c, so σ₁ is measured again and, while still above c, W shrinks by c/σ₁ times one
 * more part in 2²⁰ (which always moves a float). On return σ₁ ≤ c as measured, so a second call
 * changes nothing: the projection is idempotent bit for bit, and a W inside the ball is kept. */
static int project_dense_(float *w, int out, int in, double c, double *ws, int layer) {
    size_t cnt = (size_t)out * in;
    if (!specl_all_finite(w, cnt))
        return specl_error(SPECL_ENUMERIC, "lipschitz: layer %d weights are not finite (hint: lower train.lr)", layer);
    for (int it = 0; it < 8; it++) {
        double sg = 0;
        int st = spectral_norm_(w, out, in, ws, &sg);
        if (st) return st;
        if (!(sg > c)) return SPECL_OK;
        double f = c / sg * (it ? 1.0 - 0x1p-20 : 1.0);
        for (size_t j = 0; j < cnt; j++) w[j] = (float)(w[j] * f);
    }
    return specl_error(SPECL_ELINALG, "lipschitz: layer %d spectral norm stays above %g after 8 projections", layer, c);
}

int specl_model_constrain(specl_model *m) {
    if (!(m->kappa > 0)) return SPECL_OK;   /* every class but lipschitz is unconstrained */
    int L = 0;
    for (int i = 0; i < m->n_layers; i++) L += m->layers[i].kind == SPECL_LAYER_DENSE;
    double c = pow(m->kappa, 1.0 / L);
    double *ws = (double *)(void *)m->dbuf[0];   /* sized by create for the largest dense layer */
    for (int i = 0; i < m->n_layers; i++) {
        const specl_layer *l = &m->layers[i];
        if (l->kind != SPECL_LAYER_DENSE) continue;
        int st = project_dense_(m->params + l->w, l->out, l->in, c, ws, i);
        if (st) return st;
    }
    return SPECL_OK;
}
