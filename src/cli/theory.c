/* `specl theory`: the paper's exact quantities on a finite positive-pair graph, from a config
 * whose source has one (data.kind = clusters) or from MatrixMarket / partition / .npy files. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"

typedef struct theory_in {
    specl_graph g;
    int32_t *part; int m;
    double *x; int d;
} theory_in;

static void theory_in_free_(theory_in *t) {
    specl_graph_free(&t->g);
    free(t->part);
    free(t->x);
}

/* Graph, partition (the implementable clusters) and features of a config's source. */
static int from_config_(const specl_config *c, theory_in *t) {
    specl_source *src = NULL;
    int st = cli_make_source(c, &src);
    if (!st && !specl_source_has_graph(src))
        st = specl_error(SPECL_EINVAL, "%s: data.kind = %s has no finite positive-pair graph (use clusters, or --graph)",
                         specl_config_origin(c, "data.kind"), src->kind);
    if (!st) st = specl_source_exact_graph(src, &t->g);
    int64_t n = st ? 0 : t->g.n;
    int d = src ? src->d : 0;
    t->part = st ? NULL : malloc(sizeof(int32_t) * n);
    t->x = st ? NULL : malloc(sizeof(double) * n * d);
    float *xf = st ? NULL : malloc(sizeof(float) * d), *tg = st ? NULL : malloc(sizeof(float) * (src->target_dim + 1));
    int32_t lab[SPECL_MAX_LABELINGS];
    if (!st && (!t->part || !t->x || !xf || !tg)) st = SPECL_ENOMEM;
    for (int64_t v = 0; v < n && !st; v++) {
        int64_t cl;
        double p;
        st = specl_source_support(src, v, xf, lab, tg, &cl, &p);
        t->part[v] = (int32_t)cl;
        for (int j = 0; j < d; j++) t->x[v * d + j] = xf[j];
    }
    t->m = src ? (int)src->n_clusters : 0;
    t->d = d;
    free(xf); free(tg);
    specl_source_free(src);
    return st;
}

static int from_files_(const cli_args *a, theory_in *t) {
    int st = specl_mtx_read(a->graph, &t->g);
    if (!st && a->partition) st = specl_partition_read(a->partition, t->g.n, &t->part, &t->m);
    if (!st && a->features) {
        specl_array arr = { 0 };
        st = specl_npy_read(a->features, &arr);
        if (!st && (arr.ndim != 2 || arr.shape[0] != t->g.n || (arr.dtype != SPECL_F32 && arr.dtype != SPECL_F64)))
            st = specl_error(SPECL_EFORMAT, "%s: expected a float32 or float64 array of shape (%lld, d), the vertex features",
                             a->features, (long long)t->g.n);
        if (!st) {
            t->d = (int)arr.shape[1];
            t->x = malloc(sizeof(double) * t->g.n * t->d);
            if (!t->x) st = SPECL_ENOMEM;
            for (int64_t i = 0; i < t->g.n * t->d && !st; i++)
                t->x[i] = arr.dtype == SPECL_F64 ? ((double *)arr.data)[i] : ((float *)arr.data)[i];
            for (int64_t i = 0; i < t->g.n * t->d && !st; i++)
                if (!isfinite(t->x[i])) st = specl_error(SPECL_EFORMAT, "%s: feature %lld of vertex %lld is not finite",
                                                         a->features, (long long)(i % t->d), (long long)(i / t->d));
        }
        specl_array_free(&arr);
    }
    return st;
}

static int parse_num_(const char *flag, const char *s, double lo, double hi, double *v) {
    char *end;
    errno = 0;
    *v = strtod(s, &end);
    if (end == s || *end || errno || !(*v >= lo && *v <= hi))
        return specl_error(SPECL_EINVAL, "%s %s: expected a number in [%g, %g]", flag, s, lo, hi);
    return SPECL_OK;
}

static void print_summary_(const cJSON *r) {
    const cJSON *it;
    printf("n = %.0f vertices, k = %.0f, lambda = %g, %s eigensolver (%.0f converged, max residual %.2e)\n",
           cJSON_GetObjectItem(r, "n")->valuedouble, cJSON_GetObjectItem(r, "k")->valuedouble,
           cJSON_GetObjectItem(r, "lambda")->valuedouble, cJSON_GetObjectItem(r, "method")->valuestring,
           cJSON_GetObjectItem(r, "converged")->valuedouble, cJSON_GetObjectItem(r, "residual_max")->valuedouble);
    printf("bottom eigenvalues of the normalized Laplacian:");
    cJSON_ArrayForEach(it, cJSON_GetObjectItem(r, "eigenvalues")) printf(" %.6g", it->valuedouble);
    printf("\nL* of the table class: %.9g\n", cJSON_GetObjectItem(r, "closed_form_loss")->valuedouble);
    const char *keys[] = { "m", "alpha", "p_min", "p_max", "beta_table", "phi_m_table", "probe_error", "bound_thm36",
                           "beta_linear", "phi_m_linear" };
    for (size_t i = 0; i < sizeof keys / sizeof *keys; i++) {
        const cJSON *v = cJSON_GetObjectItem(r, keys[i]);
        if (cJSON_IsNumber(v)) printf("%-12s %.9g\n", keys[i], v->valuedouble);
        else if (cJSON_IsNull(v)) printf("%-12s null\n", keys[i]);
    }
    const cJSON *note = cJSON_GetObjectItem(r, "bound_thm36_note");
    if (note) printf("             (%s)\n", note->valuestring);
    const cJSON *t45 = cJSON_GetObjectItem(r, "thm45");
    if (t45) {
        printf("thm45       ");
        cJSON_ArrayForEach(it, t45) {
            if (cJSON_IsNumber(it)) printf(" %s = %.6g", it->string, it->valuedouble);
            else if (cJSON_IsNull(it)) printf(" %s = null", it->string);
        }
        printf("\n");
    }
}

int cli_theory(int argc, char **argv) {
    cli_args a;
    int rc = cli_parse_args("theory", argc, argv, "-c --set --graph --partition --features --k --lambda --method --eigvecs --json", 0, &a);
    if (rc) return rc;
    if (!a.config == !a.graph) { fprintf(stderr, "specl theory: give exactly one of -c CONFIG or --graph W.mtx\n"); return 2; }
    if (a.config && (a.partition || a.features)) { fprintf(stderr, "specl theory: --partition and --features go with --graph\n"); return 2; }
    specl_config c;
    if ((rc = cli_load_config("theory", &a, &c))) { specl_config_free(&c); return rc; }
    theory_in t = { 0 };
    int st = a.config ? from_config_(&c, &t) : from_files_(&a, &t);
    double k = t.m > 0 ? t.m : 10, lambda = specl_config_double(&c, "train.lambda");
    if (!st && a.k) st = parse_num_("--k", a.k, 1, (double)t.g.n, &k);
    if (!st && k != floor(k)) st = specl_error(SPECL_EINVAL, "--k %s: expected an integer", a.k);
    if (!st && a.lambda) st = parse_num_("--lambda", a.lambda, 1e-12, 1e12, &lambda);
    specl_eig_method method = SPECL_EIG_AUTO;
    if (!st && a.method) {
        if (!strcmp(a.method, "dense")) method = SPECL_EIG_DENSE;
        else if (!strcmp(a.method, "arpack")) method = SPECL_EIG_ARPACK;
        else if (strcmp(a.method, "auto")) st = specl_error(SPECL_EINVAL, "--method %s: expected auto, dense or arpack", a.method);
    }
    if (!st && k > t.g.n) st = specl_error(SPECL_EINVAL, "k = %.0f exceeds the %lld vertices", k, (long long)t.g.n);
    cJSON *res = cJSON_CreateObject();
    specl_spectrum s = { 0 };
    if (!st) {
        specl_graph_input in = { &t.g, t.part, t.m, t.x, t.d, (int)k, lambda, method };
        st = specl_graph_report(&in, &s, res);
    }
    if (!st && a.eigvecs) {   /* the bottom k eigenvectors of L as columns, (n, k) */
        int kk = (int)k;
        int64_t shape[2] = { t.g.n, kk };
        double *v = malloc(sizeof(double) * t.g.n * kk);
        if (!v) st = SPECL_ENOMEM;
        for (int64_t x = 0; x < t.g.n && !st; x++) memcpy(v + x * kk, s.vec + x * s.k, sizeof(double) * kk);
        if (!st) st = specl_npy_write(a.eigvecs, SPECL_F64, 2, shape, v);
        free(v);
    }
    if (!st) {
        if (a.json) { char *txt = cJSON_Print(res); printf("%s\n", txt); free(txt); }
        else print_summary_(res);
    }
    specl_spectrum_free(&s);
    cJSON_Delete(res);
    theory_in_free_(&t);
    specl_config_free(&c);
    return st ? cli_fail("theory", st) : 0;
}
