/* Closed forms of L_λ for the table class: on a finite positive-pair graph, from the bottom of
 * the normalized Laplacian's spectrum (see theory.h); on the hypercube, from the support size. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "specl/theory.h"

/* Bottom min(k, n) eigenpairs of the source's graph. */
static int graph_spectrum_(const specl_source *src, int k, specl_graph *g, specl_spectrum *s) {
    int st = specl_source_exact_graph(src, g);
    if (st) return st;
    int kk = (int64_t)k < g->n ? k : (int)g->n;
    st = specl_graph_spectrum(g, kk, SPECL_EIG_AUTO, 0.0, s);
    if (st) specl_graph_free(g);
    return st;
}

int specl_table_optimum(const specl_source *src, int k, double lambda, double *loss) {
    if (k < 1 || !(lambda > 0)) return specl_error(SPECL_EINVAL, "table optimum needs k >= 1 and lambda > 0");
    if (src->n_support <= 0) return specl_error(SPECL_EUNSUPPORTED, "source '%s' has no finite support", src->kind);
    if (!specl_source_has_graph(src)) {
        *loss = k <= src->n_support ? 0.0 : lambda * (double)(k - src->n_support);
        return SPECL_OK;
    }
    specl_graph g;
    specl_spectrum s;
    int st = graph_spectrum_(src, k, &g, &s);
    if (st) return st;
    double l = 0;
    for (int i = 0; i < k; i++) {
        double nu = i < s.k ? s.nu[i] : INFINITY;
        l += nu < lambda ? 2.0 * nu - nu * nu / lambda : lambda;
    }
    *loss = l;
    specl_spectrum_free(&s);
    specl_graph_free(&g);
    return SPECL_OK;
}

int specl_table_minimizer(const specl_source *src, int k, double lambda, int max_n, specl_model **out) {
    *out = NULL;
    if (!specl_source_has_graph(src))
        return specl_error(SPECL_EUNSUPPORTED, "the table minimizer is built from a graph; source '%s' has none", src->kind);
    specl_graph g;
    specl_spectrum s;
    int st = graph_spectrum_(src, k, &g, &s);
    if (st) return st;
    specl_model_spec ms = { "table", src->d, k, 0, 0, g.n, 1.0 };
    st = specl_model_create(&ms, max_n, out);
    if (!st) {
        float *t = specl_model_weight(*out, 0);   /* (n, k) */
        memset(t, 0, sizeof(float) * (size_t)g.n * k);
        for (int i = 0; i < s.k; i++) {
            double c = s.nu[i] < lambda ? 1.0 - s.nu[i] / lambda : 0.0;
            for (int64_t x = 0; x < g.n; x++)
                t[(size_t)x * k + i] = (float)(sqrt(c) * s.vec[(size_t)x * s.k + i] / sqrt(g.deg[x] / g.total));
        }
    }
    specl_spectrum_free(&s);
    specl_graph_free(&g);
    return st;
}
