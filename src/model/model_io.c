/* Model weights as safetensors files (see model.h). The header is JSON (cJSON); tensors are
 * float32, little-endian: the parameters in layer order (the order of the params buffer), then
 * the untrained buffers (batch-norm running statistics). Loading checks every field before
 * trusting it.
 * __metadata__ also carries "kappa" (lipschitz: κ, as %.17g so it reads back bit-identical) and
 * "filter" (conv1d-circ: s), both taken from the model and 0 for the classes that do not use
 * them; files written before these keys existed load with both 0. Image classes (cnn, resnet)
 * add "h", "w", "c", "channels", "blocks", "bn", "head" (from the model; written only for them, so the
 * files of the other classes are unchanged); absent keys load as 0. */
#include <cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "layers.h"

static const char *class_names_[] = { "linear", "affine", "relu1", "mlp", "table", "lipschitz", "conv1d-circ", "cnn", "resnet" };

/* One tensor of the file: name, shape and where it lives in the model. */
typedef struct tensor_ { char name[48]; int nd; int64_t shape[4]; float *data; } tensor_;

static size_t numel_(const tensor_ *t) {
    size_t e = 1;
    for (int i = 0; i < t->nd; i++) e *= (size_t)t->shape[i];
    return e;
}

static void set_(tensor_ *t, int layer, const char *what, float *data, int nd, int64_t a, int64_t b, int64_t c, int64_t d) {
    snprintf(t->name, sizeof t->name, "layer%d.%s", layer, what);
    t->nd = nd; t->data = data;
    t->shape[0] = a; t->shape[1] = b; t->shape[2] = c; t->shape[3] = d;
}

/* Every tensor of m in file order into t (room for 4 per layer); returns the count. */
static int tensors_(const specl_model *m, tensor_ *t) {
    int nt = 0;
    for (int i = 0; i < m->n_layers; i++) {
        const specl_layer *l = &m->layers[i];
        float *w = m->params + l->w;
        switch (l->kind) {
        case SPECL_LAYER_DENSE: set_(&t[nt++], i, "weight", w, 2, l->out, l->in, 0, 0); break;
        case SPECL_LAYER_CONV1D_CIRC: set_(&t[nt++], i, "weight", w, 2, l->out, l->rows, 0, 0); break;
        case SPECL_LAYER_TABLE: set_(&t[nt++], i, "table", w, 2, l->rows, l->out, 0, 0); break;
        case SPECL_LAYER_CONV2D: set_(&t[nt++], i, "weight", w, 4, l->oc, l->kh, l->kw, l->ic); break;
        case SPECL_LAYER_BATCHNORM: set_(&t[nt++], i, "weight", w, 1, l->oc, 0, 0, 0); break;
        default: break;
        }
        if (l->bias) set_(&t[nt++], i, "bias", m->params + l->b, 1, l->oc, 0, 0, 0);
    }
    for (int i = 0; i < m->n_layers; i++) {
        const specl_layer *l = &m->layers[i];
        if (l->kind != SPECL_LAYER_BATCHNORM) continue;
        set_(&t[nt++], i, "running_mean", m->buffers + l->run, 1, l->oc, 0, 0, 0);
        set_(&t[nt++], i, "running_var", m->buffers + l->run + l->oc, 1, l->oc, 0, 0, 0);
    }
    return nt;
}

static void add_tensor_(cJSON *root, const tensor_ *t, size_t *off) {
    cJSON *o = cJSON_AddObjectToObject(root, t->name);
    cJSON *shape = cJSON_AddArrayToObject(o, "shape");
    cJSON *offs = cJSON_AddArrayToObject(o, "data_offsets");
    cJSON_AddStringToObject(o, "dtype", "F32");
    for (int i = 0; i < t->nd; i++) cJSON_AddItemToArray(shape, cJSON_CreateNumber((double)t->shape[i]));
    size_t bytes = sizeof(float) * numel_(t);
    cJSON_AddItemToArray(offs, cJSON_CreateNumber((double)*off));
    cJSON_AddItemToArray(offs, cJSON_CreateNumber((double)(*off + bytes)));
    *off += bytes;
}

static void add_meta_(cJSON *meta, const char *key, long long v) {
    char num[32];
    snprintf(num, sizeof num, "%lld", v);      /* safetensors metadata values are strings */
    cJSON_AddStringToObject(meta, key, num);
}

int specl_model_save(const specl_model *m, const specl_model_spec *spec, const char *path) {
    tensor_ *ts = malloc(sizeof *ts * 4 * (size_t)m->n_layers);
    if (!ts) return specl_error(SPECL_ENOMEM, "%s: cannot list the tensors", path);
    cJSON *root = cJSON_CreateObject();
    cJSON *meta = cJSON_AddObjectToObject(root, "__metadata__");
    char num[32];
    cJSON_AddStringToObject(meta, "format", "specl-model-1");
    cJSON_AddStringToObject(meta, "class", spec->cls);
    const struct { const char *k; long long v; } ints[] = {
        { "d", spec->d }, { "k", spec->k }, { "depth", spec->depth }, { "width", spec->width },
        { "table_rows", (long long)spec->table_rows } };
    for (size_t i = 0; i < sizeof ints / sizeof *ints; i++) add_meta_(meta, ints[i].k, ints[i].v);
    /* kappa, filter and the image fields from the model itself: 0 (or absent) for classes
     * without them, whatever the spec says */
    int filter = m->n_layers > 0 && m->layers[0].kind == SPECL_LAYER_CONV1D_CIRC ? (int)m->layers[0].rows : 0;
    snprintf(num, sizeof num, "%.17g", m->kappa);
    cJSON_AddStringToObject(meta, "kappa", num);
    add_meta_(meta, "filter", filter);
    if (m->channels > 0) {
        const struct { const char *k; int v; } img[] = {
            { "h", m->h }, { "w", m->w }, { "c", m->c }, { "channels", m->channels }, { "blocks", m->blocks }, { "bn", m->bn },
            { "head", m->head } };
        for (size_t i = 0; i < sizeof img / sizeof *img; i++) add_meta_(meta, img[i].k, img[i].v);
    }
    size_t off = 0;
    int nt = tensors_(m, ts);
    for (int i = 0; i < nt; i++) add_tensor_(root, &ts[i], &off);
    free(ts);
    char *hdr = cJSON_PrintUnformatted(root);
    cJSON_Delete(root);
    if (!hdr) return specl_error(SPECL_ENOMEM, "%s: cannot build the header", path);
    size_t hl = strlen(hdr), pad = (8 - hl % 8) % 8, total = 8 + hl + pad + off;
    size_t pbytes = sizeof(float) * m->n_params, bbytes = sizeof(float) * m->n_buffers;
    unsigned char *buf = malloc(total);
    if (!buf) { free(hdr); return SPECL_ENOMEM; }
    uint64_t h64 = hl + pad;
    for (int b = 0; b < 8; b++) buf[b] = (unsigned char)(h64 >> (8 * b));
    memcpy(buf + 8, hdr, hl);
    memset(buf + 8 + hl, ' ', pad);
    free(hdr);
    int st = off == pbytes + bbytes ? SPECL_OK : specl_error(SPECL_EINVAL, "%s: parameter layout mismatch", path);
    if (!st) {   /* the tensors are listed in the order of params, then buffers */
        memcpy(buf + 8 + hl + pad, m->params, pbytes);
        if (bbytes) memcpy(buf + 8 + hl + pad + pbytes, m->buffers, bbytes);
        st = specl_write_file_atomic(path, buf, total);
    }
    free(buf);
    return st;
}

static int meta_int_(const cJSON *meta, const char *key, const char *path, long long *v) {
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(meta, key);
    char *end;
    if (!cJSON_IsString(it)) return specl_error(SPECL_EFORMAT, "%s: __metadata__ has no string field '%s'", path, key);
    *v = strtoll(it->valuestring, &end, 10);
    if (*end || *v < 0 || *v > (1ll << 40)) return specl_error(SPECL_EFORMAT, "%s: __metadata__.%s = '%s' is not a valid size", path, key, it->valuestring);
    return SPECL_OK;
}

/* An optional integer key: absent leaves *v at 0; present must be a size <= lim. */
static int meta_opt_int_(const cJSON *meta, const char *key, long long lim, const char *path, int *v) {
    long long x = 0;
    *v = 0;
    if (!cJSON_GetObjectItemCaseSensitive(meta, key)) return SPECL_OK;
    int st = meta_int_(meta, key, path, &x);
    if (!st && x > lim) st = specl_error(SPECL_EFORMAT, "%s: __metadata__.%s = %lld is too large", path, key, x);
    if (!st) *v = (int)x;
    return st;
}

/* Optional metadata: absent keys (files from before kappa / filter) leave *v at 0. */
static int meta_kappa_(const cJSON *meta, const char *path, double *v) {
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(meta, "kappa");
    char *end;
    *v = 0;
    if (!it) return SPECL_OK;
    if (!cJSON_IsString(it)) return specl_error(SPECL_EFORMAT, "%s: __metadata__.kappa is not a string", path);
    *v = strtod(it->valuestring, &end);
    if (end == it->valuestring || *end || !isfinite(*v) || *v < 0)
        return specl_error(SPECL_EFORMAT, "%s: __metadata__.kappa = '%s' is not a finite number >= 0", path, it->valuestring);
    return SPECL_OK;
}

static int parse_spec_(const cJSON *root, const char *path, specl_model_spec *spec) {
    const cJSON *meta = cJSON_GetObjectItemCaseSensitive(root, "__metadata__");
    const cJSON *cls = cJSON_GetObjectItemCaseSensitive(meta, "class");
    if (!cJSON_IsString(cls)) return specl_error(SPECL_EFORMAT, "%s: header has no __metadata__.class (not a specl model file?)", path);
    memset(spec, 0, sizeof *spec);
    for (size_t i = 0; i < sizeof class_names_ / sizeof *class_names_; i++)
        if (strcmp(cls->valuestring, class_names_[i]) == 0) spec->cls = class_names_[i];
    if (!spec->cls) return specl_error(SPECL_EFORMAT, "%s: unknown model class '%s'", path, cls->valuestring);
    long long v[5];
    const char *keys[5] = { "d", "k", "depth", "width", "table_rows" };
    for (int i = 0; i < 5; i++) {
        int st = meta_int_(meta, keys[i], path, &v[i]);
        if (st) return st;
    }
    const long long lim[5] = { 1 << 20, 1 << 20, 16, 1 << 20, 1ll << 31 };   /* beyond any model specl builds */
    for (int i = 0; i < 5; i++)
        if (v[i] > lim[i]) return specl_error(SPECL_EFORMAT, "%s: __metadata__.%s = %lld exceeds %lld", path, keys[i], v[i], lim[i]);
    spec->d = (int)v[0]; spec->k = (int)v[1]; spec->depth = (int)v[2]; spec->width = (int)v[3];
    spec->table_rows = v[4]; spec->init_scale = 1.0;
    long long filter = 0;
    int st = cJSON_GetObjectItemCaseSensitive(meta, "filter") ? meta_int_(meta, "filter", path, &filter) : SPECL_OK;
    if (!st) st = meta_kappa_(meta, path, &spec->kappa);
    if (!st && filter > (1ll << 20)) st = specl_error(SPECL_EFORMAT, "%s: __metadata__.filter = %lld is too large", path, filter);
    spec->filter = (int)filter;
    if (!st) st = meta_opt_int_(meta, "h", 1 << 20, path, &spec->h);
    if (!st) st = meta_opt_int_(meta, "w", 1 << 20, path, &spec->w);
    if (!st) st = meta_opt_int_(meta, "c", 1 << 20, path, &spec->c);
    if (!st) st = meta_opt_int_(meta, "channels", 1 << 20, path, &spec->channels);
    if (!st) st = meta_opt_int_(meta, "blocks", 64, path, &spec->blocks);
    if (!st) st = meta_opt_int_(meta, "bn", 1, path, &spec->bn);
    if (!st) st = meta_opt_int_(meta, "head", 1 << 20, path, &spec->head);
    return st;
}

/* Check tensor t->name against its shape in the header and copy it into t->data. */
static int load_tensor_(const cJSON *root, const tensor_ *t, const unsigned char *data, size_t dlen, const char *path) {
    const char *name = t->name;
    const cJSON *o = cJSON_GetObjectItemCaseSensitive(root, name);
    if (!cJSON_IsObject(o)) return specl_error(SPECL_EFORMAT, "%s: missing tensor '%s'", path, name);
    const cJSON *dt = cJSON_GetObjectItemCaseSensitive(o, "dtype"), *sh = cJSON_GetObjectItemCaseSensitive(o, "shape");
    const cJSON *of = cJSON_GetObjectItemCaseSensitive(o, "data_offsets");
    if (!cJSON_IsString(dt) || strcmp(dt->valuestring, "F32") != 0)
        return specl_error(SPECL_EFORMAT, "%s: tensor '%s' has dtype other than F32", path, name);
    if (!cJSON_IsArray(sh) || cJSON_GetArraySize(sh) != t->nd)
        return specl_error(SPECL_EFORMAT, "%s: tensor '%s' must have %d dimensions", path, name, t->nd);
    for (int i = 0; i < t->nd; i++) {
        const cJSON *e = cJSON_GetArrayItem(sh, i);
        if (!cJSON_IsNumber(e) || e->valuedouble != (double)t->shape[i])
            return specl_error(SPECL_EFORMAT, "%s: tensor '%s' dimension %d is not %lld", path, name, i, (long long)t->shape[i]);
    }
    const cJSON *a = cJSON_GetArrayItem(of, 0), *b = cJSON_GetArrayItem(of, 1);
    size_t bytes = sizeof(float) * numel_(t);
    if (!cJSON_IsNumber(a) || !cJSON_IsNumber(b) || a->valuedouble < 0 || b->valuedouble - a->valuedouble != (double)bytes ||
        b->valuedouble > (double)dlen)
        return specl_error(SPECL_EFORMAT, "%s: tensor '%s' has data_offsets outside the file or of the wrong size", path, name);
    memcpy(t->data, data + (size_t)a->valuedouble, bytes);
    return SPECL_OK;
}

/* The tensors must all lie in the data: bound the parameter count by it before allocating. */
static int check_size_(const specl_model_spec *spec, size_t dlen, const char *path) {
    double d = spec->d, k = spec->k, w = spec->width, dep = spec->depth, np_bound;
    if (!strcmp(spec->cls, "table")) np_bound = (double)spec->table_rows * k;
    else if (!strcmp(spec->cls, "conv1d-circ")) np_bound = k * spec->filter + k;
    else if (!strcmp(spec->cls, "mlp") || !strcmp(spec->cls, "lipschitz")) np_bound = d * w + (dep - 1) * w * w + w * k;
    else if (!strcmp(spec->cls, "cnn") || !strcmp(spec->cls, "resnet")) {
        size_t np = 0, nb = 0;
        int st = specl_model_count_(spec, &np, &nb);   /* builds the layer list only */
        if (st) return st;
        np_bound = (double)np + (double)nb;
    } else np_bound = k * d;
    if (np_bound * 4 > (double)dlen)
        return specl_error(SPECL_EFORMAT, "%s: __metadata__ describes %.0f weights but the file holds %zu bytes of data", path,
                           np_bound, dlen);
    return SPECL_OK;
}

/* Load every tensor m expects, then look for names it does not; report all problems at once. */
static int load_tensors_(specl_model *m, const cJSON *root, const unsigned char *data, size_t dlen, const char *path) {
    tensor_ *ts = malloc(sizeof *ts * 4 * (size_t)m->n_layers);
    if (!ts) return specl_error(SPECL_ENOMEM, "%s: cannot list the tensors", path);
    int nt = tensors_(m, ts), nbad = 0, st = SPECL_OK;
    specl_str bad = { 0 };
    for (int i = 0; i < nt; i++)
        if (load_tensor_(root, &ts[i], data, dlen, path))
            specl_str_printf(&bad, "%s%s", nbad++ ? "; " : "", specl_error_detail() + strlen(path) + 2);
    const cJSON *it;
    cJSON_ArrayForEach(it, root) {
        if (!it->string) continue;
        int known = !strcmp(it->string, "__metadata__");
        for (int i = 0; i < nt && !known; i++) known = !strcmp(it->string, ts[i].name);
        if (!known) specl_str_printf(&bad, "%sunexpected tensor '%s'", nbad++ ? "; " : "", it->string);
    }
    if (nbad) st = specl_error(SPECL_EFORMAT, "%s: %s", path, bad.buf);
    specl_str_free(&bad);
    free(ts);
    if (!st && !specl_all_finite(m->params, m->n_params))
        st = specl_error(SPECL_ENUMERIC, "%s: weights contain NaN or Inf", path);
    if (!st && !specl_all_finite(m->buffers, m->n_buffers))
        st = specl_error(SPECL_ENUMERIC, "%s: batch-norm running statistics contain NaN or Inf", path);
    for (int i = 0; !st && i < m->n_layers; i++) {
        const specl_layer *l = &m->layers[i];
        for (int c = 0; l->kind == SPECL_LAYER_BATCHNORM && c < l->oc && !st; c++)
            if (m->buffers[l->run + l->oc + c] < 0)
                st = specl_error(SPECL_EFORMAT, "%s: tensor 'layer%d.running_var' has a negative variance", path, i);
    }
    return st;
}

int specl_model_load(const char *path, int max_n, specl_model **out, specl_model_spec *spec) {
    *out = NULL;
    char *buf;
    size_t len;
    int st = specl_read_file(path, &buf, &len);
    if (st) return st;
    uint64_t hl = 0;
    for (int b = 0; b < 8 && len >= 8; b++) hl |= (uint64_t)(unsigned char)buf[b] << (8 * b);
    if (len < 8 || hl > len - 8) { free(buf); return specl_error(SPECL_EFORMAT, "%s: truncated safetensors header", path); }
    cJSON *root = cJSON_ParseWithLength(buf + 8, (size_t)hl);
    if (!cJSON_IsObject(root)) { cJSON_Delete(root); free(buf); return specl_error(SPECL_EFORMAT, "%s: header is not a JSON object", path); }
    const unsigned char *data = (const unsigned char *)buf + 8 + hl;
    size_t dlen = len - 8 - (size_t)hl;
    st = parse_spec_(root, path, spec);
    if (!st) st = check_size_(spec, dlen, path);
    if (!st) st = specl_model_create(spec, max_n, out);
    if (!st) st = load_tensors_(*out, root, data, dlen, path);
    cJSON_Delete(root);
    free(buf);
    if (st) { specl_model_free(*out); *out = NULL; }
    return st;
}
