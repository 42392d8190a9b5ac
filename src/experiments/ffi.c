/* Flat entry points for foreign-function callers (specl/ffi.h): the Python binding's only way in.
 *
 * Each function takes plain arrays, builds the library's own objects from them (a specl_graph, a
 * stacked (2, n, k) float32 batch, an alignment accumulator), checks everything a file reader
 * would check, calls the same function the CLI calls, and converts the result back. The theory
 * report is returned as the JSON text `specl theory --json` prints, so the binding and the CLI
 * cannot drift apart: both render one cJSON object built by specl_graph_report. */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "specl.h"
#include "specl/ffi.h"

const char *specl_version(void) { return SPECL_VERSION; }

void specl_ffi_free(void *p) { free(p); }

/* part (n) int64 indices into out (n) int32, each in [0, n); *m = max + 1. That every cluster
 * 0..m−1 has a vertex is the theory engine's own check (specl_partition_masses and the others). */
static int partition_from_(const int64_t *part, int64_t n, int32_t *out, int *m) {
    int64_t max = -1;
    for (int64_t v = 0; v < n; v++) {
        if (part[v] < 0 || part[v] >= n)
            return specl_error(SPECL_EINVAL, "partition: cluster index %lld of vertex %lld, expected 0 <= index < n = %lld",
                               (long long)part[v], (long long)v, (long long)n);
        out[v] = (int32_t)part[v];
        if (part[v] > max) max = part[v];
    }
    *m = (int)(max + 1);
    return SPECL_OK;
}

int specl_theory_json(int64_t n, const double *dense, int64_t nnz, const int64_t *row, const int64_t *col,
                      const double *w, const int64_t *part, int64_t n_part, const double *x, int64_t n_x, int64_t d,
                      int64_t k, double lambda, int method, char **json) {
    if (!json) return specl_error(SPECL_EINVAL, "theory: no output");
    *json = NULL;
    if (n < 1 || n > INT32_MAX) return specl_error(SPECL_EINVAL, "theory: the graph has %lld vertices, expected 1 to %d", (long long)n, INT32_MAX);
    if (part && n_part != n)
        return specl_error(SPECL_EINVAL, "theory: the partition has %lld entries but the graph has n = %lld vertices (one cluster index per vertex)",
                           (long long)n_part, (long long)n);
    if (x && n_x != n)
        return specl_error(SPECL_EINVAL, "theory: the features have %lld rows but the graph has n = %lld vertices (one row per vertex)",
                           (long long)n_x, (long long)n);
    if (x && (d < 1 || d > INT32_MAX)) return specl_error(SPECL_EINVAL, "theory: features of dimension d = %lld, expected d >= 1", (long long)d);
    if (method < 0 || method > 2) return specl_error(SPECL_EINVAL, "theory: method %d, expected 0 (auto), 1 (dense) or 2 (arpack)", method);
    if (!(lambda >= 1e-12 && lambda <= 1e12)) return specl_error(SPECL_EINVAL, "theory: lambda = %g, expected a number in [1e-12, 1e+12]", lambda);
    for (int64_t i = 0; x && i < n * d; i++)
        if (!isfinite(x[i]))
            return specl_error(SPECL_EINVAL, "theory: feature %lld of vertex %lld is not finite", (long long)(i % d), (long long)(i / d));
    specl_graph g = { 0 };
    int32_t *p32 = part ? malloc(sizeof(int32_t) * (size_t)n) : NULL;
    int m = 0, st = (part && !p32) ? specl_error(SPECL_ENOMEM, "theory: a partition of %lld vertices", (long long)n) : SPECL_OK;
    if (!st && part) st = partition_from_(part, n, p32, &m);
    if (!st) st = dense ? specl_graph_from_dense(n, dense, &g) : specl_graph_from_triplets(n, nnz, row, col, w, 0, &g);
    int64_t kk = k ? k : (m > 0 ? m : 10);
    if (!st && (kk < 1 || kk > n)) st = specl_error(SPECL_EINVAL, "k = %lld: expected 1 <= k <= n = %lld", (long long)kk, (long long)n);
    cJSON *res = cJSON_CreateObject();
    specl_spectrum s = { 0 };
    if (!st && !res) st = specl_error(SPECL_ENOMEM, "theory: the report");
    if (!st) {
        specl_graph_input in = { &g, p32, m, x, (int)d, (int)kk, lambda, (specl_eig_method)method };
        if (!x) in.d = 0;
        st = specl_graph_report(&in, &s, res);
    }
    if (!st) {
        *json = cJSON_PrintUnformatted(res);
        if (!*json) st = specl_error(SPECL_ENOMEM, "theory: the JSON text");
    }
    specl_spectrum_free(&s);
    cJSON_Delete(res);
    specl_graph_free(&g);
    free(p32);
    return st;
}

/* Rows of a (n,k) matrix of dtype into dst (float32), checking finiteness and the float32 range. */
static int to_f32_(int dtype, const void *src, int64_t n, int64_t k, float *dst, const char *name) {
    for (int64_t i = 0; i < n * k; i++) {
        double v = dtype == SPECL_FFI_F64 ? ((const double *)src)[i] : ((const float *)src)[i];
        if (!isfinite(v))
            return specl_error(SPECL_ENUMERIC, "loss: %s[%lld, %lld] is not finite", name, (long long)(i / k), (long long)(i % k));
        if (fabs(v) > FLT_MAX)
            return specl_error(SPECL_EINVAL, "loss: %s[%lld, %lld] = %g is beyond the float32 range the loss is computed in",
                               name, (long long)(i / k), (long long)(i % k), v);
        dst[i] = (float)v;
    }
    return SPECL_OK;
}

static void from_f32_(int dtype, const float *src, int64_t n, void *dst) {
    if (dtype == SPECL_FFI_F32) { memcpy(dst, src, sizeof(float) * (size_t)n); return; }
    for (int64_t i = 0; i < n; i++) ((double *)dst)[i] = src[i];
}

int specl_loss_pair(int kind, double lambda, int estimator, int both_views, double mu, int dtype, int64_t n,
                    int64_t k, const void *z1, const void *z2, void *dz1, void *dz2, double *out) {
    if (dtype != SPECL_FFI_F32 && dtype != SPECL_FFI_F64) return specl_error(SPECL_EINVAL, "loss: dtype code %d, expected float32 or float64", dtype);
    if (kind != 0 && kind != 1) return specl_error(SPECL_EINVAL, "loss: kind %d, expected 0 (lambda) or 1 (spectral2021)", kind);
    if (estimator != 0 && estimator != 1) return specl_error(SPECL_EINVAL, "loss: estimator %d, expected 0 (unbiased) or 1 (plugin)", estimator);
    if (n < 2 || n > INT32_MAX / 2) return specl_error(SPECL_EINVAL, "loss needs a batch of 2 to %d pairs (got %lld)", INT32_MAX / 2, (long long)n);
    if (k < 1 || k > 65536 || n * k > INT32_MAX) return specl_error(SPECL_EINVAL, "loss: embeddings (%lld, %lld): expected 1 <= k <= 65536 and n*k < 2^31", (long long)n, (long long)k);
    if (!z1 || !z2 || !out || (!dz1 != !dz2)) return specl_error(SPECL_EINVAL, "loss: missing array");
    specl_loss_spec ls = { kind == 0 ? SPECL_LOSS_LAMBDA : SPECL_LOSS_SPECTRAL2021, lambda,
                           estimator == 0 ? SPECL_EST_UNBIASED : SPECL_EST_PLUGIN, both_views != 0, mu };
    size_t nk = (size_t)n * k;
    float *z = malloc(sizeof(float) * 2 * nk), *dz = dz1 ? malloc(sizeof(float) * 2 * nk) : NULL;
    specl_loss_ws ws = { 0 };
    int st = (!z || (dz1 && !dz)) ? specl_error(SPECL_ENOMEM, "loss: a batch of %lld pairs, k = %lld", (long long)n, (long long)k) : SPECL_OK;
    if (!st) st = to_f32_(dtype, z1, n, k, z, "z1");
    if (!st) st = to_f32_(dtype, z2, n, k, z + nk, "z2");
    if (!st) st = specl_loss_ws_init(&ws, (int)k, (int)n);
    specl_loss_value v = { 0 };
    if (!st) st = specl_loss_eval(&ls, (int)n, (int)k, z, dz, &ws, &v);
    if (!st && !(isfinite(v.total) && (!dz || specl_all_finite(dz, 2 * nk))))
        st = specl_error(SPECL_ENUMERIC, "loss: the value or the gradient overflowed (value %g)", v.total);
    if (!st) {
        out[0] = v.total; out[1] = v.align; out[2] = v.reg;
        if (dz) { from_f32_(dtype, dz, (int64_t)nk, dz1); from_f32_(dtype, dz + nk, (int64_t)nk, dz2); }
    }
    if (ws.buf) specl_loss_ws_free(&ws);
    free(z); free(dz);
    return st;
}

int specl_whitened_alignment_pairs(int dtype, int64_t n, int64_t k, const void *za, const void *zb,
                                   const double *weights, double *phi) {
    if (dtype != SPECL_FFI_F32 && dtype != SPECL_FFI_F64) return specl_error(SPECL_EINVAL, "alignment: dtype code %d, expected float32 or float64", dtype);
    if (n < 1) return specl_error(SPECL_EINVAL, "alignment: no pairs (n = %lld)", (long long)n);
    if (k < 1 || k > 65536) return specl_error(SPECL_EINVAL, "alignment: k = %lld, expected 1 <= k <= 65536", (long long)k);
    if (!za || !zb || !phi) return specl_error(SPECL_EINVAL, "alignment: missing array");
    for (int v = 0; v < 2; v++)
        for (int64_t i = 0; i < n * k; i++) {
            const void *a = v ? zb : za;
            double x = dtype == SPECL_FFI_F64 ? ((const double *)a)[i] : ((const float *)a)[i];
            if (!isfinite(x))
                return specl_error(SPECL_ENUMERIC, "alignment: %s[%lld, %lld] is not finite", v ? "zb" : "za",
                                   (long long)(i / k), (long long)(i % k));
        }
    double wsum = 0;
    for (int64_t i = 0; weights && i < n; i++) {
        if (!(weights[i] >= 0 && isfinite(weights[i])))
            return specl_error(SPECL_EINVAL, "alignment: weight %lld = %g, expected a finite number >= 0", (long long)i, weights[i]);
        wsum += weights[i];
    }
    if (weights && !(wsum > 0)) return specl_error(SPECL_EINVAL, "alignment: the weights sum to 0");
    specl_align_acc acc;
    int st = specl_align_acc_init(&acc, (int)k);
    if (st) return st;
    for (int64_t i = 0; i < n; i++) {   /* one row at a time: each pair has its own weight */
        double wi = weights ? weights[i] : 1.0;
        if (dtype == SPECL_FFI_F64)
            specl_align_acc_add_f64(&acc, 1, (const double *)za + (size_t)i * k, (const double *)zb + (size_t)i * k, wi);
        else
            specl_align_acc_add(&acc, 1, (const float *)za + (size_t)i * k, (const float *)zb + (size_t)i * k, wi);
    }
    st = specl_align_acc_finish(&acc, phi);
    specl_align_acc_free(&acc);
    return st;
}
