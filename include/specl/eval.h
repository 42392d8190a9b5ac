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

/* ---- multinomial logistic-regression probe (src/eval/logistic.c) ----
 * The "linear evaluation" of self-supervised learning, but exact and reproducible: a softmax
 * classifier W (classes, k + bias) on the features minimizes the convex objective
 *     J(W) = (1/n) Σ_i [ log Σ_c exp(W_c·x_i) − W_{y_i}·x_i ]  +  l2 · ‖W_{:,1..k}‖²_F,
 * x_i = (f_i, 1) with a bias column (never penalized), by a deterministic full-batch solver:
 * Newton's method with the exact Hessian when classes·(k + bias) ≤ SPECL_LOGISTIC_NEWTON_MAX,
 * otherwise L-BFGS (memory 10); both with a backtracking (Armijo) line search on J. The softmax is
 * invariant to adding one vector to every class row; in the unpenalized columns (the bias, and
 * every column when l2 = 0) the returned W is the representative whose column sums over the
 * classes are 0 (with l2 = 0 and linearly dependent features the optimum is not unique beyond
 * this, and one of the optima is returned). Fits are bit-identical for a fixed input and thread
 * configuration (L-BFGS: for any number of OpenMP threads; Newton uses OpenBLAS dgemm/dposv,
 * which depend in the last bits on the BLAS thread count).
 *
 * Defaults (specl_logistic_defaults(), also used when opts is NULL): l2 = 1e-4, bias = 1,
 * max_iter = 200, tol = 1e-8, solver = AUTO. max_iter = 0 and tol = 0 also select the defaults
 * (to iterate to max_iter, give a tiny tol such as 1e-300). Stopping: ‖∇J‖₂ ≤ tol · ‖∇J(0)‖₂,
 * max_iter iterations, or no step decreasing J any more (then converged = 0). */
enum { SPECL_LOGISTIC_AUTO = 0, SPECL_LOGISTIC_NEWTON = 1, SPECL_LOGISTIC_LBFGS = 2 };
#define SPECL_LOGISTIC_NEWTON_MAX 2000    /* AUTO uses Newton up to this many parameters */
#define SPECL_LOGISTIC_NEWTON_HARD_MAX 8192 /* forced Newton: at most this many (a P² Hessian) */

typedef struct specl_logistic_opts {
    double l2;       /* ≥ 0: adds l2·‖W‖²_F (weights, not the bias) to the MEAN cross-entropy */
    int bias;        /* 1: fit W [f; 1] */
    int max_iter;    /* ≥ 0; 0 selects the default 200 */
    double tol;      /* ≥ 0; relative gradient norm to stop at; 0 selects the default 1e-8 */
    int solver;      /* SPECL_LOGISTIC_AUTO (0), _NEWTON or _LBFGS (forcing one, e.g. for tests) */
} specl_logistic_opts;

typedef struct specl_logistic {
    int k, classes, bias;
    double *w;           /* (classes, k + bias) */
    int iters;           /* solver iterations (accepted steps) */
    double final_grad;   /* ‖∇J‖₂ at w (absolute) */
    int converged;       /* 1 if ‖∇J‖₂ ≤ tol·‖∇J(0)‖₂ was reached */
    int solver;          /* the solver used: SPECL_LOGISTIC_NEWTON or SPECL_LOGISTIC_LBFGS */
} specl_logistic;

specl_logistic_opts specl_logistic_defaults(void);
/* Fit on n rows: f (n,k) finite, y (n) labels in [0, classes), classes ≥ 2. On error *out is
 * zeroed (nothing to free). Not reaching tol is not an error: see out->converged. */
int specl_logistic_fit(const specl_logistic_opts *o, int64_t n, int k, const float *f,
                       const int32_t *y, int classes, specl_logistic *out);
/* Accuracy of argmax_c W_c·x (ties to the lower class) and mean negative log-likelihood on n rows;
 * either output may be NULL. */
int specl_logistic_eval(const specl_logistic *p, int64_t n, const float *f, const int32_t *y,
                        double *accuracy, double *mean_nll);
void specl_logistic_free(specl_logistic *p);

/* ---- kNN presets (src/eval/presets.c) ----
 * "haochen21": cosine, kn = 200, T = 0.1 (HaoChen et al. 2021, after Wu et al. 2018);
 * "sololearn": cosine, kn = 20, T = 0.07 (solo-learn's kNN callback). *ok (may be NULL) is 1 for a
 * known name; for an unknown or NULL name it is 0, the result is all zero and the error detail
 * names the known presets. */
specl_knn_opts specl_knn_preset(const char *name, int *ok);

/* ---- whitened alignment (Sec. 6) ----
 * With C = E[f fᵀ] (k,k) over the views and D = E_pos[(f(x) − f(x⁺))(f(x) − f(x⁺))ᵀ] (k,k), the
 * embedding whitened by C^{−1/2}/√k has E_pos‖f̄(x) − f̄(x⁺)‖² = tr(C^{−1} D)/k, the quantity whose
 * minimum over the class is φ_m at k = m. SPECL_ELINALG when C is singular (λ_min ≤ 1e−9 λ_max). */
int specl_whitened_alignment(int k, const double *c, const double *d, double *phi);
/* Accumulates C and D over weighted pairs (lower triangles until finish). */
typedef struct specl_align_acc { int k; double weight; double *c, *d; /* (k,k) each */ } specl_align_acc;
int specl_align_acc_init(specl_align_acc *a, int k);
/* Adds n pairs f1 (n,k), f2 (n,k), each of weight w. */
void specl_align_acc_add(specl_align_acc *a, int64_t n, const float *f1, const float *f2, double w);
void specl_align_acc_add_f64(specl_align_acc *a, int64_t n, const double *f1, const double *f2, double w);
/* Normalizes by the total weight (c, d become the full moments) and returns the whitened alignment. */
int specl_align_acc_finish(specl_align_acc *a, double *phi);
void specl_align_acc_free(specl_align_acc *a);

#endif
