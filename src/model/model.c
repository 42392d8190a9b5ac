/* Function classes as layer stacks over one parameter buffer and one gradient buffer.
 * Forward caches each layer's output (max_n, out) in one activation allocation; backward walks
 * the layers in reverse with two ping-pong gradient buffers (max_n, widest). Dense layers go
 * through cblas_sgemm. See model.h for the classes.
 *
 * conv1d-circ keeps three more regions after its output in the activation allocation, all sized
 * for max_n rows at creation: the circular windows (max_n·d, s) (im2col), the pre-activations
 * Z (max_n·d, k) and ∂/∂Z (max_n·d, k) for backward (a separate region, so that a second backward
 * of the same forward still sees Z). Its filter width s is stored in the layer's `rows` field
 * (the column count of U (k, s), as `rows` is the row count of a table).
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
    } else if (strcmp(c, "mlp") == 0 || strcmp(c, "lipschitz") == 0) {
        if (c[0] == 'l' && !(s->kappa > 0))
            return specl_error(SPECL_EINVAL, "model.kappa = %g: expected kappa > 0", s->kappa);
        if (c[0] == 'l' && !isfinite(s->kappa))
            return specl_error(SPECL_EINVAL, "model.kappa = %g: expected a finite kappa (class mlp has no bound)", s->kappa);
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
    } else if (strcmp(c, "conv1d-circ") == 0) {
        if (s->filter < 1 || s->filter > s->d)
            return specl_error(SPECL_EINVAL, "model.filter = %d: expected 1 <= filter <= d = %d", s->filter, s->d);
        st = add_layer_(m, SPECL_LAYER_CONV1D_CIRC, s->d, s->k, 1, s->filter);   /* rows = s */
    } else {
        return specl_error(SPECL_EINVAL, "model.class = '%s': expected linear, affine, relu1, mlp, table, "
                           "lipschitz or conv1d-circ", c);
    }
    return st;
}

/* Doubles of dgesvd scratch for the spectral norm of a dense (out, in) weight: a copy of W,
 * the singular values (min) and the minimal workspace max(3·min + max, 5·min). */
static size_t svd_scratch_(const specl_layer *l) {
    size_t mn = (size_t)(l->in < l->out ? l->in : l->out), mx = (size_t)(l->in < l->out ? l->out : l->in);
    size_t work = 3 * mn + mx > 5 * mn ? 3 * mn + mx : 5 * mn;
    return (size_t)l->out * l->in + mn + work;
}

/* Floats of activation storage a layer needs for max_n rows: its output, and for conv1d-circ
 * the windows (max_n·d, s), Z (max_n·d, k) and ∂Z (max_n·d, k). */
static size_t act_size_(const specl_layer *l, int max_n) {
    size_t na = (size_t)max_n * l->out;
    if (l->kind == SPECL_LAYER_CONV1D_CIRC) na += (size_t)max_n * l->in * ((size_t)l->rows + 2 * (size_t)l->out);
    return na;
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
    m->kappa = strcmp(spec->cls, "lipschitz") == 0 ? spec->kappa : 0.0;
    size_t np = 0, na = 0, widest = (size_t)spec->d, svd = 0;
    for (int i = 0; i < m->n_layers; i++) {
        specl_layer *l = &m->layers[i];
        l->w = np;
        if (l->kind == SPECL_LAYER_DENSE) np += (size_t)l->out * l->in;
        if (l->kind == SPECL_LAYER_TABLE) np += (size_t)l->rows * l->out;
        if (l->kind == SPECL_LAYER_CONV1D_CIRC) np += (size_t)l->out * l->rows;   /* U (k, s) */
        l->b = np;
        if (l->bias) np += (size_t)l->out;
        l->act = na;
        na += act_size_(l, max_n);
        if ((size_t)l->out > widest) widest = (size_t)l->out;
        if (m->kappa > 0 && l->kind == SPECL_LAYER_DENSE && svd_scratch_(l) > svd) svd = svd_scratch_(l);
    }
    m->n_params = np;
    m->params = calloc(np ? np : 1, sizeof(float));
    m->grads = calloc(np ? np : 1, sizeof(float));
    m->acts = malloc(sizeof(float) * na);
    size_t db0 = sizeof(float) * widest * max_n;   /* bytes; dbuf[0] is also the SVD scratch */
    m->dbuf[0] = malloc(sizeof(double) * svd > db0 ? sizeof(double) * svd : db0);
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
        if (l->kind == SPECL_LAYER_CONV1D_CIRC) { cnt = (size_t)l->out * l->rows; sd = scale / sqrt((double)l->rows); }
        for (size_t j = 0; j < cnt; j++) m->params[l->w + j] = (float)(sd * specl_rng_normal(rng));
    }
    /* A lipschitz model starts inside its class. The projection can fail only on non-finite
     * weights or a LAPACK failure, neither possible for finite Gaussian draws; init has no status. */
    if (m->kappa > 0) (void)specl_model_constrain(m);
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

/* ---- conv1d-circ (Def. 5.11) ---- */

static float *conv_cols_(const specl_model *m, const specl_layer *l) { return m->acts + l->act + (size_t)m->max_n * l->out; }
static float *conv_pre_(const specl_model *m, const specl_layer *l) {
    return conv_cols_(m, l) + (size_t)m->max_n * l->in * l->rows;
}
static float *conv_dpre_(const specl_model *m, const specl_layer *l) {
    return conv_pre_(m, l) + (size_t)m->max_n * l->in * l->out;
}

/* x (n, d) -> y (n, k): windows (n·d, s) with row r·d + t = (x_t, …, x_{t+s−1}) indices mod d,
 * Z = windows·Uᵀ + b (n·d, k) in one sgemm, y_ri = Σ_t relu(Z_{r·d+t, i}) (sum pooling). */
static void conv_forward_(specl_model *m, const specl_layer *l, int n, const float *x, float *y) {
    int d = l->in, s = (int)l->rows, k = l->out;
    float *cols = conv_cols_(m, l), *z = conv_pre_(m, l);
    const float *b = m->params + l->b;
    for (int r = 0; r < n; r++)
        for (int t = 0; t < d; t++) {
            float *w = cols + ((size_t)r * d + t) * s;
            const float *xr = x + (size_t)r * d;
            for (int j = 0, c = t; j < s; j++, c = c + 1 == d ? 0 : c + 1) w[j] = xr[c];
        }
    size_t rows = (size_t)n * d;
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)rows, k, s, 1.0f, cols, s, m->params + l->w, s,
                0.0f, z, k);
    for (size_t e = 0; e < rows; e++)
        for (int i = 0; i < k; i++) z[e * k + i] += b[i];
    for (int r = 0; r < n; r++) {
        float *yr = y + (size_t)r * k;
        for (int i = 0; i < k; i++) yr[i] = 0.0f;
        for (int t = 0; t < d; t++) {
            const float *zt = z + ((size_t)r * d + t) * k;
            for (int i = 0; i < k; i++) yr[i] += zt[i] > 0 ? zt[i] : 0.0f;
        }
    }
}

/* dy (n, k) = ∂/∂y. ∂Z (n·d, k) = dy broadcast over the d positions, masked by Z > 0;
 * ∂U (k, s) += ∂Zᵀ·windows (one sgemm), ∂b += Σ_rows ∂Z. No input gradient: conv1d-circ is the
 * first (and only) layer of its class, so nothing upstream needs ∂/∂x. */
static void conv_backward_(specl_model *m, const specl_layer *l, int n, const float *dy) {
    int d = l->in, s = (int)l->rows, k = l->out;
    const float *cols = conv_cols_(m, l), *z = conv_pre_(m, l);
    float *dz = conv_dpre_(m, l), *gb = m->grads + l->b;
    for (int r = 0; r < n; r++)
        for (int t = 0; t < d; t++) {
            size_t e = ((size_t)r * d + t) * k;
            for (int i = 0; i < k; i++) dz[e + i] = z[e + i] > 0 ? dy[(size_t)r * k + i] : 0.0f;
        }
    size_t rows = (size_t)n * d;
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, k, s, (int)rows, 1.0f, dz, k, cols, s, 1.0f,
                m->grads + l->w, s);
    for (size_t e = 0; e < rows; e++)
        for (int i = 0; i < k; i++) gb[i] += dz[e * k + i];
}

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
    case SPECL_LAYER_CONV1D_CIRC:
        conv_forward_(m, l, n, in, y);
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
        } else if (l->kind == SPECL_LAYER_CONV1D_CIRC) {
            conv_backward_(m, l, n, dy);   /* always layer 0: no dx */
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
