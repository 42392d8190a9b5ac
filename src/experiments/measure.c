/* Measurements shared by `specl train`, `specl eval` and the claims: probes on fresh samples or
 * on an enumerated support, closed-form optima, the results object of a run, training curves.
 * The claim record's JSON, its findings and its figure specs are in claim_record.c. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "specl/experiments.h"
#include "specl/theory.h"

/* Embeddings (n,k), targets of labelling j (n,t) and class labels of n fresh first views. */
static int sample_embed_(specl_model *m, const specl_source *src, specl_rng *rng, int64_t n, int j,
                         float *f, float *y, int32_t *cls) {
    int chunk = m->max_n < 4096 ? m->max_n : 4096;
    specl_batch b;
    int st = specl_batch_alloc(&b, chunk, src);
    int t = src->labelings[j].dim, off = specl_source_target_offset(src, j), T = src->target_dim, L = src->n_labelings;
    for (int64_t i = 0; i < n && !st; i += chunk) {
        int c = (int)(n - i < chunk ? n - i : chunk);
        st = specl_source_sample(src, c, rng, &b);
        if (!st) st = specl_model_apply(m, c, b.x, b.view, f + (size_t)i * m->k);
        for (int r = 0; r < c && !st; r++) {
            memcpy(y + (size_t)(i + r) * t, b.target + (size_t)r * T + off, sizeof(float) * t);
            if (cls) cls[i + r] = b.label[(size_t)r * L + j];
        }
    }
    specl_batch_free(&b);
    return st;
}

int specl_measure_probe(specl_model *m, const specl_source *src, uint64_t seed, int64_t n_train,
                        int64_t n_test, const specl_probe_opts *o, int j, double *error, double *accuracy) {
    if (j < 0 || j >= src->n_labelings) return specl_error(SPECL_EINVAL, "no labelling %d", j);
    int k = m->k, t = src->labelings[j].dim;
    int64_t n = n_train > n_test ? n_train : n_test;
    float *f = malloc(sizeof(float) * n * k), *y = malloc(sizeof(float) * n * t);
    specl_probe p = { 0 };
    specl_rng rtr, rte;
    specl_rng_derive(&rtr, seed, "probe/train");
    specl_rng_derive(&rte, seed, "probe/test");
    int st = (!f || !y) ? specl_error(SPECL_ENOMEM, "probe buffers for %lld samples", (long long)n) : SPECL_OK;
    if (!st) st = sample_embed_(m, src, &rtr, n_train, j, f, y, NULL);
    if (!st) st = specl_probe_fit(o, n_train, k, f, t, y, NULL, &p);
    if (!st) st = sample_embed_(m, src, &rte, n_test, j, f, y, NULL);
    if (!st) st = specl_probe_eval(&p, n_test, f, y, NULL, error, accuracy);
    specl_probe_free(&p);
    free(f); free(y);
    return st;
}

int specl_measure_probe_support(specl_model *m, const specl_source *src, const specl_probe_opts *o, int j,
                                double *error, double *accuracy) {
    int64_t n = src->n_support;
    if (n <= 0) return specl_error(SPECL_EUNSUPPORTED, "source '%s' has no finite natural support", src->kind);
    int k = m->k, d = src->d, t = src->labelings[j].dim, off = specl_source_target_offset(src, j);
    float *x = malloc(sizeof(float) * n * d), *f = malloc(sizeof(float) * n * k), *y = malloc(sizeof(float) * n * t);
    float *tg = malloc(sizeof(float) * (src->target_dim + 1));
    int32_t *lab = malloc(sizeof(int32_t) * (src->n_labelings + 1));
    double *w = malloc(sizeof(double) * n);
    int64_t *ids = malloc(sizeof(int64_t) * n);
    int st = (!x || !f || !y || !tg || !lab || !w || !ids) ? SPECL_ENOMEM : SPECL_OK;
    for (int64_t i = 0; i < n && !st; i++) {
        int64_t cl;
        st = specl_source_support(src, i, x + (size_t)i * d, lab, tg, &cl, &w[i]);
        memcpy(y + (size_t)i * t, tg + off, sizeof(float) * t);
        ids[i] = i;
    }
    specl_probe p = { 0 };
    if (!st) st = specl_model_apply(m, n, x, ids, f);
    if (!st) st = specl_probe_fit(o, n, k, f, t, y, w, &p);
    if (!st) st = specl_probe_eval(&p, n, f, y, w, error, accuracy);
    specl_probe_free(&p);
    free(x); free(f); free(y); free(tg); free(lab); free(w); free(ids);
    return st;
}

int specl_closed_form_loss(const specl_model *m, const specl_source *src, double lambda, double *loss) {
    if (strcmp(m->cls, "linear") == 0 && specl_source_has_moments(src))
        return specl_linear_optimum(src, m->k, lambda, loss);
    if (specl_model_is_table(m) && src->n_support > 0) return specl_table_optimum(src, m->k, lambda, loss);
    return specl_error(SPECL_EUNSUPPORTED, "no closed-form optimum for class '%s' on '%s'", m->cls, src->kind);
}

static int knn_one_(specl_model *m, const specl_source *src, const specl_eval_spec *e, int j, double *acc) {
    int k = m->k, t = src->labelings[j].dim;
    int64_t a = e->n_train, b = e->n_test;
    float *fa = malloc(sizeof(float) * a * k), *ya = malloc(sizeof(float) * a * t);
    float *fb = malloc(sizeof(float) * b * k), *yb = malloc(sizeof(float) * b * t);
    int32_t *ca = malloc(sizeof(int32_t) * a), *cb = malloc(sizeof(int32_t) * b);
    specl_rng r1, r2;
    specl_rng_derive(&r1, e->seed, "knn/train");
    specl_rng_derive(&r2, e->seed, "knn/test");
    int st = (!fa || !ya || !fb || !yb || !ca || !cb) ? SPECL_ENOMEM : SPECL_OK;
    if (!st) st = sample_embed_(m, src, &r1, a, j, fa, ya, ca);
    if (!st) st = sample_embed_(m, src, &r2, b, j, fb, yb, cb);
    if (!st) st = specl_knn_accuracy(&e->knn_opts, a, k, fa, ca, b, fb, cb, src->labelings[j].classes, acc);
    free(fa); free(ya); free(fb); free(yb); free(ca); free(cb);
    return st;
}

int specl_evaluate(specl_model *m, const specl_source *src, const specl_eval_spec *e, cJSON *out) {
    double loss, lstar;
    int exact = 0;
    specl_rng rmc;
    specl_rng_derive(&rmc, e->seed, "population");
    int st = specl_population_loss(m, src, e->lambda, e->pop_pairs, &rmc, &loss, &exact);
    if (st) return st;
    cJSON_AddNumberToObject(out, "loss", loss);
    cJSON_AddBoolToObject(out, "loss_exact", exact);
    if (specl_closed_form_loss(m, src, e->lambda, &lstar) == SPECL_OK) cJSON_AddNumberToObject(out, "closed_form_loss", lstar);
    else cJSON_AddNullToObject(out, "closed_form_loss");
    specl_error_clear();
    cJSON *probe = cJSON_AddArrayToObject(out, "probe");
    for (int j = 0; j < src->n_labelings && !st; j++) {
        double err, acc;
        st = specl_measure_probe(m, src, e->seed, e->n_train, e->n_test, &e->probe, j, &err, &acc);
        if (st) break;
        cJSON *r = cJSON_CreateObject();
        cJSON_AddStringToObject(r, "target", src->labelings[j].name);
        cJSON_AddNumberToObject(r, "error", err);
        cJSON_AddNumberToObject(r, "accuracy", acc);
        if (e->knn) {
            double ka;
            if ((st = knn_one_(m, src, e, j, &ka))) { cJSON_Delete(r); break; }
            cJSON_AddNumberToObject(r, "knn_accuracy", ka);
        }
        cJSON_AddItemToArray(probe, r);
    }
    return st;
}

int specl_train_fresh(const specl_source *src, const specl_model_spec *ms, const specl_train_spec *train, double lambda,
                      uint64_t seed, specl_step_cb cb, void *ctx, specl_model **out) {
    specl_train_spec ts, unscaled = *train;
    unscaled.loss.lambda = lambda;
    int st = specl_train_resolve(&unscaled, &ts);
    if (st) return st;
    specl_rng ri, rd;
    specl_rng_derive(&ri, seed, "init");
    specl_rng_derive(&rd, seed, "data");
    if ((st = specl_model_create(ms, 2 * ts.batch > 8192 ? 2 * ts.batch : 8192, out))) return st;
    specl_model_init(*out, ms->init_scale, &ri);
    st = specl_model_constrain(*out);
    if (!st) st = specl_train(*out, src, &ts, &rd, cb, ctx);
    if (st) { specl_model_free(*out); *out = NULL; }
    return st;
}

double specl_measure_loss(specl_model *m, const specl_source *src, double lambda, uint64_t seed, long n_mc, int *exact) {
    double l = NAN;
    specl_rng r;
    specl_rng_derive(&r, seed, "population");
    if (specl_population_loss(m, src, lambda, n_mc, &r, &l, exact)) return NAN;
    return l;
}

int specl_curve_cb(const specl_step_info *info, void *ctx) {
    specl_curve *c = ctx;
    if (info->step % c->every == 0 || info->step + 1 == info->steps) {
        if (c->n == c->cap) {
            int cap = c->cap ? 2 * c->cap : 256;
            double *s = realloc(c->step, sizeof(double) * cap), *l = s ? realloc(c->loss, sizeof(double) * cap) : NULL;
            if (s) c->step = s;
            if (!l) return specl_error(SPECL_ENOMEM, "training curve");
            c->loss = l;
            c->cap = cap;
        }
        c->step[c->n] = (double)(info->step + 1);
        c->loss[c->n++] = info->loss;
    }
    return c->inner ? c->inner(info, c->inner_ctx) : 0;
}

void specl_curve_free(specl_curve *c) {
    free(c->step);
    free(c->loss);
    c->step = c->loss = NULL;
    c->n = c->cap = 0;
}
