/* Evaluation of an encoder on a labelled image set: the protocols of self-supervised learning,
 * run on the un-augmented natural images of a train and a test source.
 *
 * For each probed representation (the encoder's features, i.e. the input of its final
 * projection; its output; and as baselines the raw pixels and the same architecture at its random
 * initialization), on the same images and labels:
 *   logistic: multinomial logistic regression, deterministic full-batch solver (eval.h);
 *   ls:       the paper's least-squares probe against one-hot labels (error and accuracy);
 *   knn:      weighted kNN with the configured protocol (optional).
 * Every protocol setting goes into the result beside the numbers. */
#include <stdlib.h>
#include <string.h>
#include "specl/experiments.h"

/* The first n natural images of src (n ≤ n_natural): x (n, d), labels (n) of labelling 0. */
static int naturals_(const specl_source *src, int64_t n, float **x, int32_t **y) {
    int d = src->d, L = src->n_labelings > 0 ? src->n_labelings : 1, T = src->target_dim > 0 ? src->target_dim : 1;
    *x = malloc(sizeof(float) * (size_t)n * d);
    *y = malloc(sizeof(int32_t) * (size_t)n);
    int32_t *lab = malloc(sizeof(int32_t) * L);
    float *tg = malloc(sizeof(float) * T);
    int st = (!*x || !*y || !lab || !tg) ? specl_error(SPECL_ENOMEM, "%lld images of %d values", (long long)n, d) : SPECL_OK;
    for (int64_t i = 0; i < n && !st; i++) {
        st = specl_source_natural(src, i, *x + (size_t)i * d, lab, tg);
        (*y)[i] = lab[0];
    }
    free(lab); free(tg);
    if (st) { free(*x); free(*y); *x = NULL; *y = NULL; }
    return st;
}

/* Probe one representation: ftr (ntr, k), fte (nte, k). */
static int probe_(const specl_image_eval_spec *e, int k, int64_t ntr, const float *ftr, const int32_t *ytr, int64_t nte,
                  const float *fte, const int32_t *yte, int classes, cJSON *out) {
    int st = SPECL_OK;
    if (e->logistic) {
        specl_logistic lg;
        double acc = 0, nll = 0, tacc = 0;
        st = specl_logistic_fit(&e->logistic_opts, ntr, k, ftr, ytr, classes, &lg);
        if (!st) st = specl_logistic_eval(&lg, nte, fte, yte, &acc, &nll);
        if (!st) st = specl_logistic_eval(&lg, ntr, ftr, ytr, &tacc, NULL);
        if (!st) {
            cJSON *o = cJSON_AddObjectToObject(out, "logistic");
            cJSON_AddNumberToObject(o, "test_accuracy", acc);
            cJSON_AddNumberToObject(o, "train_accuracy", tacc);
            cJSON_AddNumberToObject(o, "test_nll", nll);
            cJSON_AddNumberToObject(o, "iterations", lg.iters);
            cJSON_AddBoolToObject(o, "converged", lg.converged);
            cJSON_AddStringToObject(o, "solver", lg.solver == SPECL_LOGISTIC_NEWTON ? "newton" : "lbfgs");
        }
        specl_logistic_free(&lg);
    }
    if (!st && e->ls) {
        float *ytr1 = calloc((size_t)ntr * classes, sizeof(float)), *yte1 = calloc((size_t)nte * classes, sizeof(float));
        specl_probe p = { 0 };
        double err = 0, acc = 0;
        st = (!ytr1 || !yte1) ? specl_error(SPECL_ENOMEM, "one-hot labels") : SPECL_OK;
        for (int64_t i = 0; i < ntr && !st; i++) ytr1[(size_t)i * classes + ytr[i]] = 1.0f;
        for (int64_t i = 0; i < nte && !st; i++) yte1[(size_t)i * classes + yte[i]] = 1.0f;
        if (!st) st = specl_probe_fit(&e->probe, ntr, k, ftr, classes, ytr1, NULL, &p);
        if (!st) st = specl_probe_eval(&p, nte, fte, yte1, NULL, &err, &acc);
        if (!st) {
            cJSON *o = cJSON_AddObjectToObject(out, "least_squares");
            cJSON_AddNumberToObject(o, "test_error", err);
            cJSON_AddNumberToObject(o, "test_accuracy", acc);
        }
        specl_probe_free(&p);
        free(ytr1); free(yte1);
    }
    if (!st && e->knn) {
        double acc = 0;
        st = specl_knn_accuracy(&e->knn_opts, ntr, k, ftr, ytr, nte, fte, yte, classes, &acc);
        if (!st) cJSON_AddNumberToObject(cJSON_AddObjectToObject(out, "knn"), "test_accuracy", acc);
    }
    return st;
}

/* Probe model m at the configured layers, adding {"<layer>": {...}} to out. */
static int probe_model_(const specl_image_eval_spec *e, specl_model *m, int64_t ntr, const float *xtr, const int32_t *ytr,
                        int64_t nte, const float *xte, const int32_t *yte, int classes, cJSON *out) {
    int st = SPECL_OK;
    for (int layer = 0; layer < 2 && !st; layer++) {
        if ((layer == 0 && !e->features) || (layer == 1 && !e->output)) continue;
        int k = layer == 0 ? specl_model_feature_dim(m) : m->k;
        float *ftr = malloc(sizeof(float) * (size_t)ntr * k), *fte = malloc(sizeof(float) * (size_t)nte * k);
        st = (!ftr || !fte) ? specl_error(SPECL_ENOMEM, "embeddings of %lld images (%d values)", (long long)(ntr + nte), k) : SPECL_OK;
        if (!st) st = layer == 0 ? specl_model_apply_features(m, ntr, xtr, NULL, ftr) : specl_model_apply(m, ntr, xtr, NULL, ftr);
        if (!st) st = layer == 0 ? specl_model_apply_features(m, nte, xte, NULL, fte) : specl_model_apply(m, nte, xte, NULL, fte);
        cJSON *o = cJSON_AddObjectToObject(out, layer == 0 ? "features" : "output");
        cJSON_AddStringToObject(o, "layer", layer == 0 ? specl_model_feature_name(m) : "output of the final projection");
        cJSON_AddNumberToObject(o, "dim", k);
        if (!st) st = probe_(e, k, ntr, ftr, ytr, nte, fte, yte, classes, o);
        free(ftr); free(fte);
    }
    return st;
}

static void protocol_(const specl_image_eval_spec *e, int64_t ntr, int64_t nte, cJSON *out) {
    cJSON *p = cJSON_AddObjectToObject(out, "protocol");
    cJSON_AddStringToObject(p, "images", "un-augmented, normalized natural images of each split");
    cJSON_AddNumberToObject(p, "n_train", (double)ntr);
    cJSON_AddNumberToObject(p, "n_test", (double)nte);
    if (e->logistic) {
        cJSON *l = cJSON_AddObjectToObject(p, "logistic");
        cJSON_AddNumberToObject(l, "l2", e->logistic_opts.l2);
        cJSON_AddBoolToObject(l, "bias", e->logistic_opts.bias);
        cJSON_AddNumberToObject(l, "max_iter", e->logistic_opts.max_iter);
        cJSON_AddNumberToObject(l, "tol", e->logistic_opts.tol);
    }
    if (e->ls) {
        cJSON *l = cJSON_AddObjectToObject(p, "least_squares");
        cJSON_AddNumberToObject(l, "ridge", e->probe.ridge);
        cJSON_AddBoolToObject(l, "bias", e->probe.bias);
        cJSON_AddStringToObject(l, "targets", "one-hot");
    }
    if (e->knn) {
        cJSON *l = cJSON_AddObjectToObject(p, "knn");
        cJSON_AddStringToObject(l, "preset", e->knn_preset[0] ? e->knn_preset : "none");
        cJSON_AddNumberToObject(l, "k", e->knn_opts.kn);
        cJSON_AddNumberToObject(l, "temperature", e->knn_opts.temperature);
        cJSON_AddStringToObject(l, "similarity", e->knn_opts.cosine ? "cosine" : "negative squared distance");
    }
}

int specl_evaluate_images(specl_model *m, const specl_image_eval_spec *e, cJSON *out) {
    const specl_source *tr = e->train_src, *te = e->test_src;
    if (tr->n_natural <= 0 || te->n_natural <= 0)
        return specl_error(SPECL_EUNSUPPORTED, "image evaluation needs sources that enumerate their natural images ('%s', '%s')",
                           tr->kind, te->kind);
    if (tr->n_labelings < 1 || tr->labelings[0].classes < 2)
        return specl_error(SPECL_EINVAL, "image evaluation needs a class labelling");
    int64_t ntr = e->n_train > 0 && e->n_train < tr->n_natural ? e->n_train : tr->n_natural;
    int64_t nte = e->n_test > 0 && e->n_test < te->n_natural ? e->n_test : te->n_natural;
    int classes = tr->labelings[0].classes;
    float *xtr = NULL, *xte = NULL;
    int32_t *ytr = NULL, *yte = NULL;
    int st = naturals_(tr, ntr, &xtr, &ytr);
    if (!st) st = naturals_(te, nte, &xte, &yte);
    protocol_(e, ntr, nte, out);
    if (!st) st = probe_model_(e, m, ntr, xtr, ytr, nte, xte, yte, classes, cJSON_AddObjectToObject(out, "encoder"));
    if (!st && e->baselines) {
        specl_model *r = NULL;
        specl_rng ri;
        specl_rng_derive(&ri, e->seed, "init");   /* the stream the trainer initializes from */
        st = specl_model_create(e->init_spec, m->max_n, &r);
        if (!st) {
            specl_model_init(r, e->init_spec->init_scale, &ri);
            st = specl_model_constrain(r);
        }
        if (!st) st = probe_model_(e, r, ntr, xtr, ytr, nte, xte, yte, classes, cJSON_AddObjectToObject(out, "random_init"));
        specl_model_free(r);
        cJSON *raw = cJSON_AddObjectToObject(out, "raw_pixels");
        cJSON_AddStringToObject(raw, "layer", "the normalized pixels");
        cJSON_AddNumberToObject(raw, "dim", tr->d);
        if (!st) st = probe_(e, tr->d, ntr, xtr, ytr, nte, xte, yte, classes, raw);
    }
    free(xtr); free(xte); free(ytr); free(yte);
    return st;
}
