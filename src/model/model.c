/* Function classes as layer stacks over one parameter buffer and one gradient buffer.
 * Forward caches each layer's output (max_n, out) in one activation allocation; backward walks
 * the layers in reverse with two ping-pong gradient buffers (max_n, widest). Dense layers go
 * through cblas_sgemm. See model.h for the classes. */
#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "specl/model.h"

static int add_layer_(specl_model *m, specl_layer_kind kind, int in, int out, int bias, int64_t rows) {
    if (m->n_layers >= SPECL_MAX_LAYERS) return specl_error(SPECL_EINVAL, "more than %d layers", SPECL_MAX_LAYERS);
    specl_layer *l = &m->layers[m->n_layers++];
    memset(l, 0, sizeof *l);
    l->kind = kind; l->in = in; l->out = out; l->bias = bias; l->rows = rows;
    return SPECL_OK;
}

static int build_layers_(specl_model *m, const specl_model_spec *s) {
    const char *c = s->cls;
    int st = SPECL_OK;
    if (strcmp(c, "linear") == 0 || strcmp(c, "affine") == 0) {
        st = add_layer_(m, SPECL_LAYER_DENSE, s->d, s->k, c[0] == 'a', 0);
    } else if (strcmp(c, "relu1") == 0) {
        if (!(st = add_layer_(m, SPECL_LAYER_DENSE, s->d, s->k, 1, 0)))
            st = add_layer_(m, SPECL_LAYER_RELU, s->k, s->k, 0, 0);
    } else if (strcmp(c, "mlp") == 0) {
        if (s->depth < 1 || s->width < 1)
            return specl_error(SPECL_EINVAL, "model.depth = %d, model.width = %d: both must be >= 1", s->depth, s->width);
        int in = s->d;
        for (int i = 0; i < s->depth && !st; i++) {
            if (!(st = add_layer_(m, SPECL_LAYER_DENSE, in, s->width, 1, 0)))
                st = add_layer_(m, SPECL_LAYER_RELU, s->width, s->width, 0, 0);
            in = s->width;
        }
        if (!st) st = add_layer_(m, SPECL_LAYER_DENSE, in, s->k, 1, 0);
    } else if (strcmp(c, "table") == 0) {
        if (s->table_rows < 1)
            return specl_error(SPECL_EINVAL, "model.class = table needs a source with a finite support");
        st = add_layer_(m, SPECL_LAYER_TABLE, s->d, s->k, 0, s->table_rows);
    } else {
        return specl_error(SPECL_EINVAL, "model.class = '%s': expected linear, affine, relu1, mlp or table", c);
    }
    return st;
}

int specl_model_create(const specl_model_spec *spec, int max_n, specl_model **out) {
    *out = NULL;
    if (spec->d < 1 || spec->k < 1) return specl_error(SPECL_EINVAL, "model needs d >= 1 and k >= 1 (d = %d, k = %d)", spec->d, spec->k);
    if (max_n < 1) return specl_error(SPECL_EINVAL, "model row capacity %d < 1", max_n);
    specl_model *m = calloc(1, sizeof *m);
    if (!m) return SPECL_ENOMEM;
    snprintf(m->cls, sizeof m->cls, "%s", spec->cls);
    m->d = spec->d; m->k = spec->k; m->max_n = max_n;
    int st = build_layers_(m, spec);
    if (st) { free(m); return st; }
    size_t np = 0, na = 0, widest = (size_t)spec->d;
    for (int i = 0; i < m->n_layers; i++) {
        specl_layer *l = &m->layers[i];
        l->w = np;
        if (l->kind == SPECL_LAYER_DENSE) np += (size_t)l->out * l->in;
        if (l->kind == SPECL_LAYER_TABLE) np += (size_t)l->rows * l->out;
        l->b = np;
        if (l->bias) np += (size_t)l->out;
        l->act = na;
        na += (size_t)max_n * l->out;
        if ((size_t)l->out > widest) widest = (size_t)l->out;
    }
    m->n_params = np;
    m->params = calloc(np ? np : 1, sizeof(float));
    m->grads = calloc(np ? np : 1, sizeof(float));
    m->acts = malloc(sizeof(float) * na);
    m->dbuf[0] = malloc(sizeof(float) * widest * max_n);
    m->dbuf[1] = malloc(sizeof(float) * widest * max_n);
    if (!m->params || !m->grads || !m->acts || !m->dbuf[0] || !m->dbuf[1]) {
        specl_model_free(m);
        return specl_error(SPECL_ENOMEM, "cannot allocate model '%s' (%zu parameters, %d rows)", spec->cls, np, max_n);
    }
    *out = m;
    return SPECL_OK;
}

void specl_model_free(specl_model *m) {
    if (!m) return;
    free(m->params); free(m->grads); free(m->acts); free(m->dbuf[0]); free(m->dbuf[1]);
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
        for (size_t j = 0; j < cnt; j++) m->params[l->w + j] = (float)(sd * specl_rng_normal(rng));
    }
}

void specl_model_zero_grad(specl_model *m) { memset(m->grads, 0, sizeof(float) * m->n_params); }

float *specl_model_weight(specl_model *m, int i) {
    if (i < 0 || i >= m->n_layers || m->layers[i].kind == SPECL_LAYER_RELU) return NULL;
    return m->params + m->layers[i].w;
}
float *specl_model_bias(specl_model *m, int i) {
    if (i < 0 || i >= m->n_layers || !m->layers[i].bias) return NULL;
    return m->params + m->layers[i].b;
}
int specl_model_is_table(const specl_model *m) { return m->n_layers == 1 && m->layers[0].kind == SPECL_LAYER_TABLE; }
int specl_model_is_affine(const specl_model *m) { return m->n_layers == 1 && m->layers[0].kind == SPECL_LAYER_DENSE; }

static int layer_forward_(specl_model *m, const specl_layer *l, int n, const float *in, const int64_t *ids, float *y) {
    const float *w = m->params + l->w;
    switch (l->kind) {
    case SPECL_LAYER_DENSE:
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, n, l->out, l->in, 1.0f, in, l->in, w, l->in, 0.0f, y, l->out);
        if (l->bias) {
            const float *b = m->params + l->b;
            for (int i = 0; i < n; i++)
                for (int j = 0; j < l->out; j++) y[(size_t)i * l->out + j] += b[j];
        }
        break;
    case SPECL_LAYER_RELU:
        for (size_t i = 0; i < (size_t)n * l->out; i++) y[i] = in[i] > 0 ? in[i] : 0.0f;
        break;
    case SPECL_LAYER_TABLE:
        if (!ids) return specl_error(SPECL_EINVAL, "table model needs support ids for its rows");
        for (int i = 0; i < n; i++) {
            if (ids[i] < 0 || ids[i] >= l->rows)
                return specl_error(SPECL_EINVAL, "support id %lld outside the table's %lld rows", (long long)ids[i], (long long)l->rows);
            memcpy(y + (size_t)i * l->out, w + (size_t)ids[i] * l->out, sizeof(float) * l->out);
        }
        break;
    }
    return SPECL_OK;
}

int specl_model_forward(specl_model *m, int n, const float *x, const int64_t *ids, float *out) {
    if (n < 1 || n > m->max_n) return specl_error(SPECL_EINVAL, "forward on %d rows, model capacity is %d", n, m->max_n);
    const float *in = x;
    for (int i = 0; i < m->n_layers; i++) {
        float *y = m->acts + m->layers[i].act;
        int st = layer_forward_(m, &m->layers[i], n, in, ids, y);
        if (st) return st;
        in = y;
    }
    memcpy(out, in, sizeof(float) * (size_t)n * m->k);
    m->last_x = x; m->last_ids = ids; m->last_n = n;
    return SPECL_OK;
}

int specl_model_backward(specl_model *m, const float *dout) {
    int n = m->last_n;
    if (n < 1) return specl_error(SPECL_EINVAL, "backward without a forward");
    const float *dy = dout;
    for (int i = m->n_layers - 1; i >= 0; i--) {
        const specl_layer *l = &m->layers[i];
        const float *in = i > 0 ? m->acts + m->layers[i - 1].act : m->last_x;
        float *dx = m->dbuf[i & 1];
        float *gw = m->grads + l->w;
        if (l->kind == SPECL_LAYER_DENSE) {
            cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, l->out, l->in, n, 1.0f, dy, l->out, in, l->in, 1.0f, gw, l->in);
            if (l->bias) {
                float *gb = m->grads + l->b;
                for (int r = 0; r < n; r++)
                    for (int j = 0; j < l->out; j++) gb[j] += dy[(size_t)r * l->out + j];
            }
            if (i > 0)
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, l->in, l->out, 1.0f, dy, l->out, m->params + l->w, l->in, 0.0f, dx, l->in);
        } else if (l->kind == SPECL_LAYER_RELU) {
            const float *y = m->acts + l->act;
            for (size_t j = 0; j < (size_t)n * l->out; j++) dx[j] = y[j] > 0 ? dy[j] : 0.0f;
        } else {
            for (int r = 0; r < n; r++) {
                float *row = gw + (size_t)m->last_ids[r] * l->out;
                for (int j = 0; j < l->out; j++) row[j] += dy[(size_t)r * l->out + j];
            }
        }
        dy = dx;
    }
    return SPECL_OK;
}

int specl_model_apply(specl_model *m, int64_t n, const float *x, const int64_t *ids, float *out) {
    for (int64_t i = 0; i < n; i += m->max_n) {
        int c = (int)(n - i < m->max_n ? n - i : m->max_n);
        int st = specl_model_forward(m, c, x + (size_t)i * m->d, ids ? ids + i : NULL, out + (size_t)i * m->k);
        if (st) return st;
    }
    m->last_n = 0;   /* the cached activations no longer match any caller's batch */
    return SPECL_OK;
}
