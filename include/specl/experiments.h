/* specl/experiments.h: measurements shared by the CLI and the claim checks, and claim records.
 *
 * A claim record is one checked statement of the paper (CLAIMS.md): id, source, setting,
 * predicted value or bound, measured value, holds. Records are built only from measurements made
 * by the code; the report renders them and nothing else. */
#ifndef SPECL_EXPERIMENTS_H
#define SPECL_EXPERIMENTS_H

#include <cJSON.h>
#include "specl/data.h"
#include "specl/eval.h"
#include "specl/model.h"
#include "specl/train.h"
#include "specl/spectral.h"

/* Probe of labelling j on fresh samples: fit on n_train first views drawn from the stream
 * (seed, "probe/train"), measure on n_test from (seed, "probe/test"). */
int specl_measure_probe(specl_model *m, const specl_source *src, uint64_t seed, int64_t n_train,
                        int64_t n_test, const specl_probe_opts *o, int j, double *error, double *accuracy);
/* Probe of labelling j on the enumerated finite natural support, weighted by its probabilities:
 * the exact population error of the best head for a model that depends on the natural datum only. */
int specl_measure_probe_support(specl_model *m, const specl_source *src, const specl_probe_opts *o, int j,
                                double *error, double *accuracy);
/* A model of spec ms (d, k, class set) initialized from (seed, "init"), projected into its class, and
 * trained at λ on pairs from (seed, "data") with the unresolved spec `train` (budget scaled for λ). */
int specl_train_fresh(const specl_source *src, const specl_model_spec *ms, const specl_train_spec *train, double lambda,
                      uint64_t seed, specl_step_cb cb, void *ctx, specl_model **out);
/* Population L_λ (exact where possible, else n_mc fresh pairs from (seed, "population")); NAN on error. */
double specl_measure_loss(specl_model *m, const specl_source *src, double lambda, uint64_t seed, long n_mc, int *exact);
/* Closed-form optimum L* of the model's class on src where known; SPECL_EUNSUPPORTED otherwise. */
int specl_closed_form_loss(const specl_model *m, const specl_source *src, double lambda, double *loss);

/* A run's results: {"loss", "loss_exact", "closed_form_loss", "probe": [{"target","error","accuracy"}]}. */
typedef struct specl_eval_spec {
    uint64_t seed;
    int64_t n_train, n_test;
    long pop_pairs;
    double lambda;
    specl_probe_opts probe;
    int knn;                    /* also kNN accuracy per labelling */
    specl_knn_opts knn_opts;
} specl_eval_spec;
int specl_evaluate(specl_model *m, const specl_source *src, const specl_eval_spec *e, cJSON *out);

/* ---- images (image_eval.c) ----
 * Probes of an encoder on the un-augmented natural images of a train and a test source (the first
 * n_train / n_test of each; 0 = all): {"protocol": {...every setting...}, "encoder": {"features":
 * {layer, dim, logistic, least_squares, knn}, "output": {...}}, and with baselines "random_init"
 * (the architecture init_spec initialized from the stream (seed, "init"), as the trainer does) and
 * "raw_pixels"}. */
typedef struct specl_image_eval_spec {
    const specl_source *train_src, *test_src;
    int64_t n_train, n_test;
    int features, output;              /* which layers of the encoder to probe */
    int logistic; specl_logistic_opts logistic_opts;
    int ls; specl_probe_opts probe;
    int knn; specl_knn_opts knn_opts; char knn_preset[16];
    int baselines;
    const specl_model_spec *init_spec; /* the encoder's architecture (for the random-init baseline) */
    uint64_t seed;
} specl_image_eval_spec;
int specl_evaluate_images(specl_model *m, const specl_image_eval_spec *e, cJSON *out);

/* ---- finite graphs (`specl theory`) ----
 * Everything the paper defines on a finite positive-pair graph with an optional partition
 * (part (n), m clusters) and vertex features (x (n,d)), for the table class at (k, λ):
 * "n", "k", "lambda", "method", "eigenvalues" (k), "residual_max", "converged",
 * "closed_form_loss" (L* of the table class) and, with a partition, "m", "alpha", "p_min",
 * "p_max", "beta_table", "phi_m_table", "probe_error" (of the closed-form table minimizer on the
 * one-hot partition labels, exact over the vertices), "bound_thm36" (null where its condition
 * fails or k ≠ m, with "bound_thm36_note"), "thm45" ({zeta, B, eps, phi, phi_tilde, bound},
 * see graph_report.c); with features, "beta_linear" and "phi_m_linear". The spectrum of
 * max(k, m + 1) eigenpairs is returned in *s (caller frees). */
typedef struct specl_graph_input {
    const specl_graph *g;
    const int32_t *part; int m;      /* part may be NULL (m = 0) */
    const double *x; int d;          /* x may be NULL (d = 0) */
    int k;
    double lambda;
    specl_eig_method method;
} specl_graph_input;
int specl_graph_report(const specl_graph_input *in, specl_spectrum *s, cJSON *out);
/* Probe error of the closed-form table minimizer (bottom k of s, variances 1 − ν/λ) on the
 * one-hot partition labels, exact over the vertices weighted by p_data. */
int specl_graph_minimizer_error(const specl_graph *g, const specl_spectrum *s, int k, double lambda,
                                const int32_t *part, int m, double *error);

/* ---- claims ----
 * A record (CLAIMS.md v2): "holds" is decided by predictions only (the paper's theorems or
 * CLAIMS.md); anything else measured (how often training reaches a minimizer, how trained
 * architectures compare) is a finding, with its count and a 95% interval, and never decides. */
typedef struct specl_claim {
    char id[16];
    char source[64];
    char statement[512];        /* what decides holds (from the registry) */
    char setting[512];
    char predicted[256];
    char measured[512];
    int holds;
    cJSON *details;             /* owned: extra measured numbers (per seed, per target, ...) */
    cJSON *figures;             /* owned: figure specs (report.h), NULL if none */
    cJSON *findings;            /* owned: array of findings (specl_claim_finding_*), NULL if none */
} specl_claim;

cJSON *specl_claim_to_json(const specl_claim *c);   /* consumes c->details, c->figures and c->findings */
void specl_claim_clear(specl_claim *c);             /* frees what specl_claim_to_json would consume */

/* Wilson score 95% interval of `count` successes in n trials (n ≥ 1). */
void specl_wilson95(int count, int n, double *lo, double *hi);
/* Mean and two-sided 95% Student-t interval of v (n); n = 1 gives lo = hi = mean. */
void specl_mean_ci95(const double *v, int n, double *mean, double *lo, double *hi);
/* A rate finding {"name", "statement", "kind": "rate", "count", "n", "rate", "ci95": [lo, hi]
 * (Wilson)} appended to c->findings; returned so that callers can add fields. */
cJSON *specl_claim_finding_rate(specl_claim *c, const char *name, const char *statement, int count, int n);
/* A value finding {"name", "statement", "kind": "mean", "n", "mean", "ci95": [lo, hi] (t),
 * "values": v} from n measured values. */
cJSON *specl_claim_finding_values(specl_claim *c, const char *name, const char *statement, const double *v, int n);

/* A training curve: every `every` steps the batch loss is kept; `inner` (may be NULL) still gets
 * every step. Pass specl_curve_cb with the curve as ctx. */
typedef struct specl_curve {
    specl_step_cb inner; void *inner_ctx;
    long every;
    int n, cap;
    double *step, *loss;
} specl_curve;
int specl_curve_cb(const specl_step_info *info, void *ctx);
void specl_curve_free(specl_curve *c);

/* Figure specs in the format of report.h, built from measured arrays. */
cJSON *specl_fig_new(specl_claim *c, const char *name, const char *title, const char *xlabel, const char *ylabel);
void specl_fig_series(cJSON *fig, const char *label, const double *x, const double *y, int n, const char *style);
void specl_fig_hline(cJSON *fig, const char *label, double y);
void specl_fig_log(cJSON *fig, int logx, int logy);
/* A heatmap figure: z (ny, nx) over the grid x (nx) × y (ny). */
cJSON *specl_fig_heatmap(specl_claim *c, const char *name, const char *title, const char *xlabel, const char *ylabel,
                         const double *x, int nx, const double *y, int ny, const double *z);

/* Settings of a hypercube claim, read by the CLI from experiments/<id>.ini. */
typedef struct specl_hc_claim_spec {
    const char *id;
    specl_hypercube_params data;
    specl_model_spec model;      /* cls, k, init_scale (d is taken from data) */
    specl_train_spec train;      /* unresolved: its budget is scaled per swept λ */
    specl_eval_spec eval;
    int seeds;                   /* number of seeds for success-rate claims */
    const char *ks;              /* comma-separated k values to sweep ("" = model.k) */
    const char *lambdas;         /* comma-separated λ values to sweep ("" = train.lambda) */
    double tol;                  /* claim tolerance (meaning per claim, stated in its setting) */
} specl_hc_claim_spec;


/* Settings of a finite-graph claim (C01, C02, C03 table part, C13, C14, C16). */
typedef struct specl_graph_claim_spec {
    const char *id;
    specl_clusters_params data;  /* the base graph (C01, C02, C03) */
    specl_model_spec model;
    specl_train_spec train;      /* unresolved */
    specl_eval_spec eval;
    int graphs;                  /* C13, C14, C16: number of random clusters graphs */
    double tol;
} specl_graph_claim_spec;

/* Settings of the claims of Examples 5.7 and 5.10 and Fig. 3 (C09, C10, C11, C12, C15). The CLI
 * builds the source from the config; the numbers of the example that a claim needs come along. */
typedef struct specl_example_claim_spec {
    const char *id;
    const specl_source *src;
    specl_model_spec model;      /* k, width, depth, init_scale, kappa, filter */
    specl_train_spec train;      /* unresolved */
    specl_eval_spec eval;
    int seeds;
    const char *ks;              /* k values for the error-against-k sweeps */
    double tol;
    int r, s;                    /* manifolds: groups; patch: patch length */
    double gamma, rho;           /* manifolds: separation and diameter; patch: gamma */
    double kappa_factor;         /* C09: κ = factor·√(2r)/γ (the theorem needs factor ≥ 1) */
} specl_example_claim_spec;

/* ---- the φ_m procedure of Sec. 6 (phim.c) ---- */

/* Σ (d,d) = ½E[x₁x₁ᵀ + x₂x₂ᵀ] and Σ_Δ (d,d) = E[(x₁ − x₂)(x₁ − x₂)ᵀ] over n_pairs pairs drawn from rng. */
int specl_source_moments_mc(const specl_source *src, long n_pairs, specl_rng *rng, double *sigma, double *sigma_delta);
/* Whitened alignment tr(C⁻¹D)/k of a trained model on src (eval/eval.h): exact for the linear class
 * on a source with moments and for the table class on a source with a graph (*exact = 1), else
 * over n_pairs pairs from the stream (seed, "phim/eval"). SPECL_ELINALG if C is singular. */
int specl_measure_phi(specl_model *m, const specl_source *src, long n_pairs, uint64_t seed, double *phi, int *exact);

typedef struct specl_phim_spec {
    const specl_source *train_src, *test_src;  /* pairs to train on; pairs φ is measured on */
    int n_arch;
    const specl_model_spec *arch;              /* (n_arch) architectures; k is set per point */
    const char *const *arch_names;             /* (n_arch) names for tables */
    int n_m; const int *ms;                    /* output dimensions m = k */
    int n_lambda; const double *lambdas;       /* the λ grid; φ_m is the minimum over it */
    int pretrain_k;                            /* 0: no pretraining; else pretrain at this k */
    specl_train_spec pretrain;                 /* unresolved; its loss.lambda is used */
    specl_train_spec train;                    /* unresolved; loss.lambda set per point */
    long eval_pairs;                           /* pairs for the alignment when no exact form */
    long moment_pairs;                         /* pairs for the linear moments when no closed form */
    int exact_linear, exact_table;             /* also compute the exact φ_m of these classes */
    int linear_moments;                        /* 1: train the linear class full-batch on its training sample's
                                                  moments (a reference; not the paper's procedure); 0: by the
                                                  minibatch path of every other class */
    long linear_steps; double linear_lr;       /* that full-batch training (0: train's) */
    long nonlinear_steps;                      /* > 0: the steps of every training run (pretraining and points)
                                                  of the classes other than linear, affine, table (0: as configured) */
    int replicates;                            /* claims: runs of the whole procedure, replicate r at the seed
                                                  (seed, "phim/replicate/r") (0 or 1: one run at seed) */
    uint64_t seed;
    specl_step_cb step_cb; void *step_ctx;     /* training progress (may be NULL) */
    /* optional: run only the points where point() != 0 (spread a sweep over processes) */
    int (*point)(int arch, int mi, int li, void *ctx);
    /* optional: called after each point (phi NAN = skipped: singular covariance); non-zero stops */
    int (*point_cb)(int arch, int mi, int li, double phi, void *ctx);
    void *point_ctx;
} specl_phim_spec;

typedef struct specl_phim_result {
    int n_arch, n_m, n_lambda;
    double *phi;               /* (n_arch, n_m, n_lambda), NAN = skipped or not run */
    double *seconds;           /* (n_arch, n_m, n_lambda) wall time of each point */
    double *best;              /* (n_arch, n_m) φ_m: minimum over λ (NAN if every λ was skipped) */
    double *best_lambda;       /* (n_arch, n_m) the λ attaining it */
    double *pretrain_seconds;  /* (n_arch) */
    int *exact;                /* (n_arch) 1 if every alignment of that architecture was exact */
    double *linear_exact;      /* (n_m) exact φ_m of the linear class (NAN if not computed or m > d) */
    int linear_exact_closed;   /* 1: from closed-form moments; 0: from sampled pairs */
    double *table_exact;       /* (n_m) exact φ_m of the table class (NAN without a graph) */
} specl_phim_result;

int specl_phim_check(const specl_phim_spec *s);
/* Run every point (or those selected by s->point) into *r (allocated here; free with
 * specl_phim_result_free). Each point is seeded by its index only, so points run in any process
 * give the same values. */
int specl_phim_run(const specl_phim_spec *s, specl_phim_result *r);
int specl_phim_result_alloc(specl_phim_result *r, int n_arch, int n_m, int n_lambda);
/* Recompute best and best_lambda from phi (after gathering points from several processes). */
void specl_phim_reduce(specl_phim_result *r, const double *lambdas);
void specl_phim_result_free(specl_phim_result *r);
/* {"ms", "lambdas", "pretrain_k", "eval_pairs", "archs": [{name, class, exact_alignment,
 * pretrain_seconds, "phi_m": [{m, phi, lambda}], "points": [{m, lambda, phi, note?, seconds}]}],
 * "exact": {"linear": [per m], "table": [per m], "linear_moments"}} (null = not available). */
cJSON *specl_phim_to_json(const specl_phim_spec *s, const specl_phim_result *r);
/* ---- the registry of claims (claims.c) ----
 * One row per claim part: the id of CLAIMS.md, the part (an id checked by two procedures, e.g.
 * C03's table and linear classes, has one row each), the paper source, the statement that
 * decides holds, the file implementing it, the negative controls it accepts (claim.control) and
 * the function that runs it. `specl reproduce` routes by this table alone. */
typedef enum { SPECL_CLAIM_GRAPH, SPECL_CLAIM_HYPERCUBE, SPECL_CLAIM_EXAMPLE, SPECL_CLAIM_PHIM } specl_claim_kind;

typedef struct specl_claim_def specl_claim_def;
/* What a claim function gets: the spec of its kind (the others NULL), the negative control
 * ("none" or one of def->controls), and a training-progress callback (may be NULL). */
typedef struct specl_claim_args {
    const specl_claim_def *def;
    const char *control;
    const specl_hc_claim_spec *hc;
    const specl_graph_claim_spec *graph;
    const specl_example_claim_spec *example;
    const specl_phim_spec *phim; double tol;   /* tol: the phim claims' tolerance */
    specl_step_cb cb; void *ctx;
} specl_claim_args;

struct specl_claim_def {
    const char *id;          /* "C07" */
    const char *part;        /* "" for a claim with one procedure; else claim.part, e.g. "table" */
    specl_claim_kind kind;   /* which spec the CLI builds from the config */
    const char *source;      /* "Thm 5.6 upper" */
    const char *statement;   /* what decides holds */
    const char *file;        /* the file that implements it */
    const char *controls;    /* comma-separated claim.control values (negative controls), "" if none */
    const char *negative;    /* the negative control of CLAIMS.md, as the tests run it */
    int (*run)(const specl_claim_args *a, specl_claim *out);
};

/* The table (n rows, in claim order). */
const specl_claim_def *specl_claim_defs(int *n);
/* The row of (id, part); part "" matches a claim with a single row. SPECL_EINVAL (naming the
 * parts that exist) when there is none. */
int specl_claim_find(const char *id, const char *part, const specl_claim_def **def);
/* Is control "none" or one of the row's negative controls? SPECL_EINVAL naming them if not. */
int specl_claim_check_control(const specl_claim_def *def, const char *control);
/* Check a->control against the row, fill out's id, source and statement from it, run it. */
int specl_claim_run(const specl_claim_args *a, specl_claim *out);

#endif
