/* What `specl theory` and the graph claims measure on a finite positive-pair graph: spectrum,
 * α, β, P_min/P_max, φ_m, the closed-form table minimizer's probe error, and the bounds of
 * Thm 3.6 and Thm 4.5 with every quantity computed.
 * Thm 4.5 at k = m (table class) is computed by src/theory/thm45.c (specl_thm45_table). */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "specl/experiments.h"
#include "specl/theory.h"

int specl_graph_minimizer_error(const specl_graph *g, const specl_spectrum *s, int k, double lambda,
                                const int32_t *part, int m, double *error) {
    double *f = malloc(sizeof(double) * (size_t)g->n * k);
    int st = f ? specl_table_minimizer_f(g, s, k, lambda, f) : specl_error(SPECL_ENOMEM, "table minimizer (%lld, %d)", (long long)g->n, k);
    if (!st) st = specl_graph_probe_error(g, k, f, part, m, error);
    free(f);
    return st;
}

/* Thm 4.5's quantities and bound at k = m into obj (the maths: src/theory/thm45.c). */
static int thm45_(const specl_graph *g, const specl_spectrum *s, const int32_t *part, int m, double lambda, cJSON *obj) {
    specl_thm45 t;
    int st = specl_thm45_table(g, s, part, m, lambda, &t);
    if (st) return st;
    cJSON_AddNumberToObject(obj, "zeta", t.zeta);
    cJSON_AddNumberToObject(obj, "B", t.b);
    cJSON_AddNumberToObject(obj, "phi", t.phi);
    if (!t.applies) { cJSON_AddNullToObject(obj, "bound"); cJSON_AddStringToObject(obj, "note", t.reason); return SPECL_OK; }
    cJSON_AddNumberToObject(obj, "phi_tilde", t.phi_tilde);
    cJSON_AddNumberToObject(obj, "eps", t.eps);
    cJSON_AddNumberToObject(obj, "bound", t.bound);
    return SPECL_OK;
}

static cJSON *numbers_(const double *v, int n) {
    cJSON *a = cJSON_CreateArray();
    for (int i = 0; i < n; i++) cJSON_AddItemToArray(a, isfinite(v[i]) ? cJSON_CreateNumber(v[i]) : cJSON_CreateNull());
    return a;
}

static void add_num_(cJSON *o, const char *key, double v) {
    if (isfinite(v)) cJSON_AddNumberToObject(o, key, v);
    else cJSON_AddNullToObject(o, key);   /* JSON has no Inf: β = ∞ (nothing to split) becomes null */
}

/* α, P, β, φ, the minimizer's error and both bounds. */
static int partition_part_(const specl_graph_input *in, const specl_spectrum *s, cJSON *out) {
    int m = in->m, st;
    double *p = malloc(sizeof(double) * m), *beta = malloc(sizeof(double) * m), bmin, phi, err, pmin = INFINITY, pmax = 0;
    if (!p || !beta) { free(p); free(beta); return SPECL_ENOMEM; }
    double alpha = specl_partition_alpha(in->g, in->part);
    st = specl_partition_masses(in->g, in->part, m, p);
    for (int i = 0; i < m && !st; i++) { pmin = fmin(pmin, p[i]); pmax = fmax(pmax, p[i]); }
    if (!st) st = specl_beta_table(in->g, in->part, m, beta, &bmin);
    if (!st) st = specl_phi_table(s, m, &phi);
    if (!st) st = specl_graph_minimizer_error(in->g, s, in->k, in->lambda, in->part, m, &err);
    if (!st) {
        cJSON_AddNumberToObject(out, "m", m);
        cJSON_AddNumberToObject(out, "alpha", alpha);
        cJSON_AddNumberToObject(out, "p_min", pmin);
        cJSON_AddNumberToObject(out, "p_max", pmax);
        add_num_(out, "beta_table", bmin);
        cJSON_AddItemToObject(out, "beta_table_per_cluster", numbers_(beta, m));
        cJSON_AddNumberToObject(out, "phi_m_table", phi);
        cJSON_AddNumberToObject(out, "probe_error", err);
        double bound;
        int bs = in->k == m ? specl_bound_thm36(alpha, bmin, pmin, pmax, in->lambda, &bound)
                            : specl_error(SPECL_EUNSUPPORTED, "Thm 3.6 takes k = m = %d (k = %d)", m, in->k);
        if (bs == SPECL_OK) {
            add_num_(out, "bound_thm36", bound);
            if (!isfinite(bound)) cJSON_AddStringToObject(out, "bound_thm36_note", "beta = 0: the bound is infinite (vacuous)");
        }
        else { cJSON_AddNullToObject(out, "bound_thm36"); cJSON_AddStringToObject(out, "bound_thm36_note", specl_error_detail()); }
        if (bs != SPECL_OK && bs != SPECL_EUNSUPPORTED) st = bs;
        if (!st && in->k == m) st = thm45_(in->g, s, in->part, m, in->lambda, cJSON_AddObjectToObject(out, "thm45"));
    }
    free(p); free(beta);
    return st;
}

static int features_part_(const specl_graph_input *in, cJSON *out) {
    int st = SPECL_OK;
    if (in->part) {
        double *beta = malloc(sizeof(double) * in->m), bmin;
        if (!beta) return SPECL_ENOMEM;
        st = specl_beta_linear(in->g, in->part, in->m, in->x, in->d, beta, &bmin);
        if (!st) { add_num_(out, "beta_linear", bmin); cJSON_AddItemToObject(out, "beta_linear_per_cluster", numbers_(beta, in->m)); }
        free(beta);
    }
    double phi;
    int mm = in->part ? in->m : in->k;
    if (!st && mm > in->d) {   /* d features span at most d orthonormal linear functions */
        cJSON_AddNullToObject(out, "phi_m_linear");
        cJSON_AddStringToObject(out, "phi_m_linear_note", "the linear class over d features has fewer than m orthonormal functions (m > d)");
        return SPECL_OK;
    }
    int ps = st ? st : specl_phi_linear(in->g, in->x, in->d, mm, &phi);
    if (ps == SPECL_OK) cJSON_AddNumberToObject(out, "phi_m_linear", phi);
    else if (ps == SPECL_ELINALG) { cJSON_AddNullToObject(out, "phi_m_linear"); cJSON_AddStringToObject(out, "phi_m_linear_note", specl_error_detail()); }
    else st = ps;
    return st;
}

int specl_graph_report(const specl_graph_input *in, specl_spectrum *s, cJSON *out) {
    const specl_graph *g = in->g;
    if (in->k < 1 || in->k > g->n) return specl_error(SPECL_EINVAL, "k = %d: expected 1 <= k <= n = %lld", in->k, (long long)g->n);
    if (!(in->lambda > 0)) return specl_error(SPECL_EINVAL, "lambda = %g: expected lambda > 0", in->lambda);
    if (in->part && (in->m < 1 || in->m > g->n))
        return specl_error(SPECL_EINVAL, "the partition has %d clusters; expected 1 <= m <= n = %lld", in->m, (long long)g->n);
    int ke = in->k > in->m + 1 ? in->k : in->m + 1;
    if (ke > g->n) ke = (int)g->n;
    int st = specl_graph_spectrum(g, ke, in->method, 0.0, s);
    if (st) return st;
    double rmax = 0, lstar = 0;
    for (int i = 0; i < s->k; i++) rmax = fmax(rmax, s->residual[i]);
    for (int i = 0; i < in->k; i++) lstar += s->nu[i] < in->lambda ? 2.0 * s->nu[i] - s->nu[i] * s->nu[i] / in->lambda : in->lambda;
    cJSON_AddNumberToObject(out, "n", (double)g->n);
    cJSON_AddNumberToObject(out, "k", in->k);
    cJSON_AddNumberToObject(out, "lambda", in->lambda);
    cJSON_AddStringToObject(out, "method", s->method == SPECL_EIG_ARPACK ? "arpack" : "dense");
    cJSON_AddItemToObject(out, "eigenvalues", numbers_(s->nu, in->k));
    cJSON_AddNumberToObject(out, "residual_max", rmax);
    cJSON_AddNumberToObject(out, "converged", s->converged);
    cJSON_AddNumberToObject(out, "closed_form_loss", lstar);
    if (in->part) st = partition_part_(in, s, out);
    if (!st && in->x) st = features_part_(in, out);
    if (st) specl_spectrum_free(s);
    return st;
}
