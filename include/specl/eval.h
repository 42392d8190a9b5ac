/* specl/eval.h: measurements of given embeddings.
 *
 * The paper's metric is the squared error of a least-squares linear head on the embeddings,
 * E‖W f(x) − y(x)‖², against ±1 scalar targets or one-hot targets (not 0-1 accuracy; accuracy
 * is reported beside it). The probe is fitted in float64 by minimum-norm least squares
 * (LAPACKE dgelsd), so rank-deficient embeddings (dead or duplicated directions) are handled.
 * No bias by default, as in the theorems; an optional bias column and ridge penalty.
 * Samples may carry weights (probabilities of an enumerated finite support).
 */
#ifndef SPECL_EVAL_H
#define SPECL_EVAL_H

#include "base.h"

typedef struct specl_probe_opts {
    double ridge;    /* ≥ 0: adds ridge·‖W‖²_F to the weighted MEAN loss (weights rescaled to Σw = n);
                        the bias column is not penalized */
    int bias;        /* 1: fit W [f; 1] */
} specl_probe_opts;

typedef struct specl_probe {
    int k, t, bias;
    double *w;       /* (t, k + bias) */
} specl_probe;

/* Fit on n rows: f (n,k), y (n,t), weights (n) or NULL for uniform. */
int specl_probe_fit(const specl_probe_opts *o, int64_t n, int k, const float *f, int t,
                    const float *y, const double *weights, specl_probe *out);
void specl_probe_free(specl_probe *p);
/* Mean squared error Σ_i w_i ‖W f_i − y_i‖² / Σ w_i and accuracy on rows: scalar targets
 * (t = 1) count sign(W f) = sign(y); one-hot targets count argmax(W f) = argmax(y). */
int specl_probe_eval(const specl_probe *p, int64_t n, const float *f, const float *y,
                     const double *weights, double *error, double *accuracy);

/* Weighted kNN classifier (HaoChen et al. 2021 protocol): for each query, the `kn` training
 * rows of largest similarity (cosine if `cosine`, else negative squared distance) vote for their
 * class with weight exp(sim / temperature). Returns the fraction of queries classified right. */
typedef struct specl_knn_opts { int kn; double temperature; int cosine; } specl_knn_opts;
int specl_knn_accuracy(const specl_knn_opts *o, int64_t n_train, int k, const float *f_train,
                       const int32_t *y_train, int64_t n_test, const float *f_test,
                       const int32_t *y_test, int classes, double *accuracy);

#endif
