/* Model weights as safetensors files (see model.h). The header is JSON (cJSON); tensors are
 * float32, little-endian, in layer order. Loading checks every field before trusting it.
 * __metadata__ also carries "kappa" (lipschitz: κ, as %.17g so it reads back bit-identical) and
 * "filter" (conv1d-circ: s), both taken from the model and 0 for the classes that do not use
 * them; files written before these keys existed load with both 0. */
#include <cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "specl/model.h"

static const char *class_names_[] = { "linear", "affine", "relu1", "mlp", "table", "lipschitz", "conv1d-circ" };

static const char *tensor_name_(const specl_layer *l, int i, int bias, char *buf, size_t n) {
    snprintf(buf, n, "layer%d.%s", i, bias ? "bias" : (l->kind == SPECL_LAYER_TABLE ? "table" : "weight"));
    return buf;
}

static int add_tensor_(cJSON *root, const char *name, int64_t r, int64_t c, size_t *off) {
    cJSON *t = cJSON_AddObjectToObject(root, name);
    cJSON *shape = cJSON_AddArrayToObject(t, "shape");
    cJSON *offs = cJSON_AddArrayToObject(t, "data_offsets");
    cJSON_AddStringToObject(t, "dtype", "F32");
    if (r > 0) cJSON_AddItemToArray(shape, cJSON_CreateNumber((double)r));
    cJSON_AddItemToArray(shape, cJSON_CreateNumber((double)c));
    size_t bytes = sizeof(float) * (size_t)(r > 0 ? r : 1) * (size_t)c;
    cJSON_AddItemToArray(offs, cJSON_CreateNumber((double)*off));
    cJSON_AddItemToArray(offs, cJSON_CreateNumber((double)(*off + bytes)));
    *off += bytes;
    return SPECL_OK;
}

int specl_model_save(const specl_model *m, const specl_model_spec *spec, const char *path) {
    cJSON *root = cJSON_CreateObject();
    cJSON *meta = cJSON_AddObjectToObject(root, "__metadata__");
    char num[32], name[48];
    cJSON_AddStringToObject(meta, "format", "specl-model-1");
    cJSON_AddStringToObject(meta, "class", spec->cls);
    const struct { const char *k; long long v; } ints[] = {
        { "d", spec->d }, { "k", spec->k }, { "depth", spec->depth }, { "width", spec->width },
        { "table_rows", (long long)spec->table_rows } };
    for (size_t i = 0; i < sizeof ints / sizeof *ints; i++) {
        snprintf(num, sizeof num, "%lld", ints[i].v);      /* safetensors metadata values are strings */
        cJSON_AddStringToObject(meta, ints[i].k, num);
    }
    /* kappa and filter from the model itself: 0 for classes without them, whatever the spec says */
    int filter = m->n_layers > 0 && m->layers[0].kind == SPECL_LAYER_CONV1D_CIRC ? (int)m->layers[0].rows : 0;
    snprintf(num, sizeof num, "%.17g", m->kappa);
    cJSON_AddStringToObject(meta, "kappa", num);
    snprintf(num, sizeof num, "%d", filter);
    cJSON_AddStringToObject(meta, "filter", num);
    size_t off = 0;
    for (int i = 0; i < m->n_layers; i++) {
        const specl_layer *l = &m->layers[i];
        if (l->kind == SPECL_LAYER_DENSE) add_tensor_(root, tensor_name_(l, i, 0, name, sizeof name), l->out, l->in, &off);
        if (l->kind == SPECL_LAYER_CONV1D_CIRC) add_tensor_(root, tensor_name_(l, i, 0, name, sizeof name), l->out, l->rows, &off);
        if (l->kind == SPECL_LAYER_TABLE) add_tensor_(root, tensor_name_(l, i, 0, name, sizeof name), l->rows, l->out, &off);
        if (l->bias) add_tensor_(root, tensor_name_(l, i, 1, name, sizeof name), 0, l->out, &off);
    }
    char *hdr = cJSON_PrintUnformatted(root);
    cJSON_Delete(root);
    if (!hdr) return specl_error(SPECL_ENOMEM, "%s: cannot build the header", path);
    size_t hl = strlen(hdr), pad = (8 - hl % 8) % 8, total = 8 + hl + pad + off;
    unsigned char *buf = malloc(total);
    if (!buf) { free(hdr); return SPECL_ENOMEM; }
    uint64_t h64 = hl + pad;
    for (int b = 0; b < 8; b++) buf[b] = (unsigned char)(h64 >> (8 * b));
    memcpy(buf + 8, hdr, hl);
    memset(buf + 8 + hl, ' ', pad);
    memcpy(buf + 8 + hl + pad, m->params, off);   /* params are laid out in the same order */
    free(hdr);
    int st = off == sizeof(float) * m->n_params ? specl_write_file_atomic(path, buf, total)
                                                 : specl_error(SPECL_EINVAL, "%s: parameter layout mismatch", path);
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
    return st;
}

/* Check tensor `name` against (rows, cols) and copy it into dst. */
static int load_tensor_(const cJSON *root, const char *name, int64_t r, int64_t c, const unsigned char *data,
                        size_t dlen, float *dst, const char *path) {
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(root, name);
    if (!cJSON_IsObject(t)) return specl_error(SPECL_EFORMAT, "%s: missing tensor '%s'", path, name);
    const cJSON *dt = cJSON_GetObjectItemCaseSensitive(t, "dtype"), *sh = cJSON_GetObjectItemCaseSensitive(t, "shape");
    const cJSON *of = cJSON_GetObjectItemCaseSensitive(t, "data_offsets");
    if (!cJSON_IsString(dt) || strcmp(dt->valuestring, "F32") != 0)
        return specl_error(SPECL_EFORMAT, "%s: tensor '%s' has dtype other than F32", path, name);
    int nd = r > 0 ? 2 : 1;
    int64_t want[2] = { r > 0 ? r : c, c };
    if (!cJSON_IsArray(sh) || cJSON_GetArraySize(sh) != nd)
        return specl_error(SPECL_EFORMAT, "%s: tensor '%s' must have %d dimensions", path, name, nd);
    for (int i = 0; i < nd; i++) {
        const cJSON *e = cJSON_GetArrayItem(sh, i);
        if (!cJSON_IsNumber(e) || e->valuedouble != (double)want[i])
            return specl_error(SPECL_EFORMAT, "%s: tensor '%s' dimension %d is not %lld", path, name, i, (long long)want[i]);
    }
    const cJSON *a = cJSON_GetArrayItem(of, 0), *b = cJSON_GetArrayItem(of, 1);
    size_t bytes = sizeof(float) * (size_t)(r > 0 ? r : 1) * (size_t)c;
    if (!cJSON_IsNumber(a) || !cJSON_IsNumber(b) || a->valuedouble < 0 || b->valuedouble - a->valuedouble != (double)bytes ||
        b->valuedouble > (double)dlen)
        return specl_error(SPECL_EFORMAT, "%s: tensor '%s' has data_offsets outside the file or of the wrong size", path, name);
    memcpy(dst, data + (size_t)a->valuedouble, bytes);
    return SPECL_OK;
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
    st = parse_spec_(root, path, spec);
    /* the tensors must all lie in the data: bound the parameter count by it before allocating */
    double np_bound = 0;
    if (!st) {
        double d = spec->d, k = spec->k, w = spec->width, dep = spec->depth;
        if (!strcmp(spec->cls, "table")) np_bound = (double)spec->table_rows * k;
        else if (!strcmp(spec->cls, "conv1d-circ")) np_bound = k * spec->filter + k;
        else if (!strcmp(spec->cls, "mlp") || !strcmp(spec->cls, "lipschitz")) np_bound = d * w + (dep - 1) * w * w + w * k;
        else np_bound = k * d;
        if (np_bound * 4 > (double)(len - 8 - (size_t)hl))
            st = specl_error(SPECL_EFORMAT, "%s: __metadata__ describes %.0f weights but the file holds %zu bytes of data", path,
                             np_bound, len - 8 - (size_t)hl);
    }
    if (!st) st = specl_model_create(spec, max_n, out);
    const unsigned char *data = (const unsigned char *)buf + 8 + hl;
    size_t dlen = len - 8 - (size_t)hl;
    /* Check every expected tensor, then every name in the header, and report all problems at once. */
    specl_str bad = { 0 };
    char names[2 * SPECL_MAX_LAYERS][48];
    int nn = 0, nbad = 0;
    for (int i = 0; !st && i < (*out)->n_layers; i++) {
        specl_layer *l = &(*out)->layers[i];
        if (l->kind == SPECL_LAYER_RELU) continue;
        int64_t r = l->kind == SPECL_LAYER_TABLE ? l->rows : l->out;
        int64_t c = l->kind == SPECL_LAYER_TABLE ? l->out : l->kind == SPECL_LAYER_CONV1D_CIRC ? l->rows : l->in;
        for (int b = 0; b <= l->bias; b++) {
            tensor_name_(l, i, b, names[nn], sizeof names[nn]);
            int ts = b ? load_tensor_(root, names[nn], 0, l->out, data, dlen, (*out)->params + l->b, path)
                       : load_tensor_(root, names[nn], r, c, data, dlen, (*out)->params + l->w, path);
            if (ts) { specl_str_printf(&bad, "%s%s", nbad++ ? "; " : "", specl_error_detail() + strlen(path) + 2); }
            nn++;
        }
    }
    const cJSON *it;
    cJSON_ArrayForEach(it, root) {
        if (!it->string) continue;
        int known = !strcmp(it->string, "__metadata__");
        for (int i = 0; i < nn && !known; i++) known = !strcmp(it->string, names[i]);
        if (!known && !st) specl_str_printf(&bad, "%sunexpected tensor '%s'", nbad++ ? "; " : "", it->string);
    }
    if (!st && nbad) st = specl_error(SPECL_EFORMAT, "%s: %s", path, bad.buf);
    specl_str_free(&bad);
    if (!st && !specl_all_finite((*out)->params, (*out)->n_params))
        st = specl_error(SPECL_ENUMERIC, "%s: weights contain NaN or Inf", path);
    cJSON_Delete(root);
    free(buf);
    if (st) { specl_model_free(*out); *out = NULL; }
    return st;
}
