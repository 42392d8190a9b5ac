/* specl/train.h: the spectral contrastive losses, optimizers, schedules and the trainer.
 *
 * Losses take the two embedding matrices of a batch stacked as z (2, n, k): rows 0..n-1 are
 * f(x_i), rows n..2n-1 are f(x_i⁺). Every term is written through k×k Gram matrices
 * G = ZᵀZ, G' = Z'ᵀZ', C = ZᵀZ' so the cost is O(nk²), never O(n²k):
 *   Σ_{i≠j}(z_iᵀz_j)²  = ‖G‖²_F − Σ_i ‖z_i‖⁴
 *   Σ_{i≠j}(z_iᵀz'_j)² = tr(G G') − Σ_i (z_iᵀz'_i)²
 *
 * lambda (L_λ, Eq. 1–2):  (1/n)Σ‖z_i − z'_i‖² + λ R, with R estimating ‖E ffᵀ − I‖²_F by
 *   plugin    ‖M − I‖²_F with M = (1/n) ZᵀZ (Eq. 21 with the 1/n restored). Biased: E‖M−I‖² =
 *             ‖E ffᵀ−I‖² + O(k²/n), which moves the minimizer of the batch objective.
 *   unbiased  U-statistic: (1/(n(n−1))) Σ_{i≠j}(z_iᵀz_j)² − (2/n) Σ_i‖z_i‖² + k, using
 *             E_{x≠x'}(f(x)ᵀf(x'))² = ‖E ffᵀ‖²_F. Its expectation is exactly R. (default)
 *   both_views: use z' as well (M from both views; the U-statistic over every pair of distinct
 *             data among the 2n rows, i.e. excluding (i, i) and the positive pairs (i, i⁺)).
 * spectral2021 (HaoChen et al. 2021, authors' code): clip each row to the ball of radius √μ,
 *   L = [−(2/n) Σ z_iᵀz'_i + Σ_{i≠j}(z_iᵀz'_j)²/(n(n−1))] / μ.
 *
 * Data-parallel training (docs/mpi.md): every loss is a function of G, G' (or C) and a few sums
 * over rows, so P ranks holding disjoint rows of one batch add their partial Gram matrices and
 * sums (an all-reduce of k×k numbers), and each then computes the loss of the whole batch and
 * ∂L/∂z for its own rows.
 */
#ifndef SPECL_TRAIN_H
#define SPECL_TRAIN_H

#include "base.h"
#include "comm.h"
#include "data.h"
#include "model.h"

typedef enum { SPECL_LOSS_LAMBDA = 0, SPECL_LOSS_SPECTRAL2021 } specl_loss_kind;
typedef enum { SPECL_EST_UNBIASED = 0, SPECL_EST_PLUGIN } specl_estimator;

typedef struct specl_loss_spec {
    specl_loss_kind kind;
    double lambda;            /* L_λ: regularization strength, > 0 */
    specl_estimator estimator;
    int both_views;
    double mu;                /* spectral2021: radius² of the clip ball, > 0 */
} specl_loss_spec;

typedef struct specl_loss_value {
    double total;
    double align;             /* lambda: (1/n)Σ‖z−z'‖²; spectral2021: positive term / μ */
    double reg;               /* lambda: estimate of ‖E ffᵀ − I‖²; spectral2021: negative term / μ */
} specl_loss_value;

/* Workspace for k and up to max_n rows per view: 2 k×k float blocks, per-row scratch, and the
 * statistics the ranks sum (n_stats doubles, at most 2k² + 4). */
typedef struct specl_loss_ws { int k, max_n; float *buf; double *stats; size_t n_stats; } specl_loss_ws;
int specl_loss_ws_init(specl_loss_ws *ws, int k, int max_n);
void specl_loss_ws_free(specl_loss_ws *ws);

/* Value of the loss on z (2,n,k); if dz (2,n,k) is non-NULL it receives ∂L/∂z. n ≥ 2. */
int specl_loss_eval(const specl_loss_spec *ls, int n, int k, const float *z, float *dz,
                    specl_loss_ws *ws, specl_loss_value *out);

/* The loss of a batch of n pairs spread over the ranks of comm (NULL: one process): z (2,nl,k)
 * holds this rank's rows of both views (1 ≤ nl ≤ n; the ranks' rows together are the batch, in
 * any split). out is the loss of the whole batch, the same on every rank; dz (2,nl,k), if non-NULL,
 * receives ∂L/∂z for these rows. Collective: every rank of comm calls it with the same n.
 * With nl = n and no communicator it is specl_loss_eval, bit for bit. It is these three steps:
 *   specl_loss_stats   this rank's Gram matrices and row sums into ws->stats (ws->n_stats
 *                      doubles: lambda G (k,k) then Σ‖z−z'‖², Σ‖z‖², Σ‖z‖⁴, Σ(zᵀz')²;
 *                      spectral2021 G, G' of the clipped rows then Σ zᵀz', Σ(zᵀz')²), and the
 *                      part of dz that needs no other row;
 *   the sum of ws->stats over the ranks (specl_comm_allreduce_d);
 *   specl_loss_finish  the loss from the summed statistics, and the rest of dz. */
int specl_loss_eval_dist(const specl_loss_spec *ls, int n, int nl, int k, const float *z, float *dz,
                         specl_loss_ws *ws, const specl_comm *comm, specl_loss_value *out);
int specl_loss_stats(const specl_loss_spec *ls, int n, int nl, int k, const float *z, float *dz, specl_loss_ws *ws);
int specl_loss_finish(const specl_loss_spec *ls, int n, int nl, int k, const float *z, float *dz,
                      specl_loss_ws *ws, specl_loss_value *out);

/* ---- optimizers and schedules ---- */
typedef enum { SPECL_OPT_ADAM = 0, SPECL_OPT_SGD } specl_opt_kind;
typedef enum { SPECL_SCHED_CONSTANT = 0, SPECL_SCHED_COSINE } specl_sched_kind;

typedef struct specl_opt_spec {
    specl_opt_kind kind;
    double lr, momentum, weight_decay;   /* sgd: momentum; both: weight decay */
    double beta1, beta2, eps;            /* adam */
    specl_sched_kind schedule;
    long warmup;                         /* linear warm-up steps from 0 to lr */
    double lr_min;                       /* cosine floor */
} specl_opt_spec;

/* Learning rate at step t (0-based) of a run of `total` steps. */
double specl_schedule_lr(const specl_opt_spec *o, long t, long total);

typedef struct specl_optimizer {
    specl_opt_spec spec;
    size_t n;
    float *m, *v;            /* (n) first / second moments (sgd uses m as the velocity) */
    long t;                  /* number of updates applied */
} specl_optimizer;

int specl_optimizer_init(specl_optimizer *o, const specl_opt_spec *spec, size_t n_params);
void specl_optimizer_free(specl_optimizer *o);
/* One update of params from grads at learning rate lr.
 * sgd:  v = μv + (g + wd·p); p -= lr·v.   adam: AdamW (decoupled weight decay p -= lr·wd·p). */
void specl_optimizer_step(specl_optimizer *o, float *params, const float *grads, double lr);

/* ---- trainer ---- */
/* How the budget grows with λ (L_λ only). The regularizer's gradient noise grows like λ/batch
 * while the alignment signal that removes spurious directions does not, so at a fixed budget the
 * gap to the optimum grows with λ. SCALE_BATCH multiplies the batch by max(1, λ): the ratio of
 * signal to noise, and so the trajectory of Adam, is then that of λ = 1 (measured best);
 * SCALE_STEPS multiplies the number of steps instead. The cost grows like max(1, λ) either way. */
typedef enum { SPECL_SCALE_NONE = 0, SPECL_SCALE_BATCH, SPECL_SCALE_STEPS } specl_budget_scale;

typedef struct specl_train_spec {
    specl_loss_spec loss;
    specl_opt_spec opt;
    long steps;
    int batch;
    specl_budget_scale scale;
} specl_train_spec;

/* The spec with its budget scaled for its λ (scale becomes NONE). Callers size models for the
 * resolved batch. SPECL_EINVAL if the scaled batch or steps overflow. */
int specl_train_resolve(const specl_train_spec *ts, specl_train_spec *out);

typedef struct specl_step_info {
    long step, steps;
    double loss, align, reg, grad_norm, lr;
} specl_step_info;

/* Called after every step; a non-zero return stops training with that status. */
typedef int (*specl_step_cb)(const specl_step_info *info, void *ctx);

/* Train `m` on pairs drawn from `src` with `rng` (the data stream). Checks the loss and the
 * gradient norm for NaN/Inf every step: SPECL_ENUMERIC with the step in the error detail. */
int specl_train(specl_model *m, const specl_source *src, const specl_train_spec *ts,
                specl_rng *rng, specl_step_cb cb, void *ctx);

/* Everything besides the weights that decides the rest of a run: the number of steps done (which
 * is also the schedule position), the data stream (the sources draw fresh pairs from it, so its
 * state is the data-order cursor) and the optimizer moments. A run stopped after step t and
 * continued from its state is bit-identical to an uninterrupted one. */
typedef struct specl_train_state {
    long step;
    specl_rng rng;
    specl_optimizer opt;
    /* Not saved: how this process runs, set by the caller after init or load. */
    const specl_comm *comm;   /* data-parallel ranks (NULL or size 1: this process alone) */
    int failed_rank;          /* set by specl_train_run: after a failure the ranks agreed on, the lowest
                                 rank that failed with the status they stopped on (maybe this one); else -1 */
} specl_train_state;

int specl_train_state_init(specl_train_state *s, const specl_train_spec *ts, size_t n_params, const specl_rng *data);
void specl_train_state_free(specl_train_state *s);
/* Continue training from s (advanced in place) up to ts->steps; the callback sees s->step already
 * counting the step it reports, so a checkpoint written there resumes after that step.
 *
 * With s->comm of P > 1 ranks (docs/mpi.md) every rank holds the same weights and state and draws
 * the same batch of n = ts->batch pairs from s->rng; rank r keeps rows [r·n/P, (r+1)·n/P) (n ≥ P),
 * the loss statistics and then the parameter gradients are summed over the ranks (batch-norm
 * running statistics are averaged), and every rank applies the same step: the weights follow the
 * one-process trajectory up to float summation order (batch norm aside: it normalizes over each
 * rank's rows). The callback runs on every rank. The ranks agree on a status twice a step, before
 * drawing the batch and before the update: a failure on one rank (a callback's error, a
 * stop request) stops every rank after the same step, each with its own status or else the largest
 * status of the others (and an error detail naming s->failed_rank). */
int specl_train_run(specl_model *m, const specl_source *src, const specl_train_spec *ts, specl_train_state *s,
                    specl_step_cb cb, void *ctx);

/* Full-batch training of a linear model (f = Ux, no bias) on L_λ of a sample given by its moments
 * Σ (d,d) = ½E[x₁x₁ᵀ + x₂x₂ᵀ] and Σ_Δ (d,d) = E[(x₁ − x₂)(x₁ − x₂)ᵀ] (src/train/moments_train.c):
 * ts->steps steps of ts->opt on the exact gradient 2UΣ_Δ + 4λ(UΣUᵀ − I)UΣ; ts->batch is unused. */
int specl_train_linear_moments(specl_model *m, const double *sigma, const double *sigma_delta, const specl_train_spec *ts,
                               specl_step_cb cb, void *ctx);

/* ---- checkpoints ----
 * DIR/ckpt-<step>/encoder.safetensors (the weights, model.h) and DIR/ckpt-<step>/state.bin: magic
 * "SPECLST1", u32 version 1, u32 header bytes, then little-endian i64 step, i64 total steps,
 * u64 n_params, 4×u64 RNG state, i64 optimizer updates, n_params f32 first moments, n_params f32
 * second moments, and a u32 CRC-32 (zlib) of everything before it. Each file is written
 * atomically; DIR/LATEST (atomically replaced last) names the newest complete checkpoint, and older
 * ones are removed only after it points to the new one. */
int specl_checkpoint_save(const char *dir, const specl_model *m, const specl_model_spec *spec,
                          const specl_train_state *s, long total_steps);
/* Load the checkpoint LATEST names: the model (capacity max_n) and the state (its optimizer built
 * from ts). Errors name the file and what was wrong (magic, version, size, CRC, mismatch). A state
 * loaded is one training could have written: 0 <= optimizer updates <= step <= ts->steps, first
 * moments finite, second moments >= 0. */
int specl_checkpoint_load(const char *dir, const specl_train_spec *ts, int max_n, specl_model **m,
                          specl_model_spec *spec, specl_train_state *s);

/* ---- population loss ----
 * L_λ of a model on the whole population of `src`, as exactly as the pair is able to:
 *  - dense affine/linear models and a source with moments(): closed form
 *      E‖U(x−x⁺)‖² + λ‖U Σ Uᵀ + U μ bᵀ + b μᵀ Uᵀ + b bᵀ − I‖²_F   (exact)
 *  - table models on a finite support: E ffᵀ = Σ_i p_i t_i t_iᵀ by enumeration, the alignment over
 *      the exact graph, or 0 where both views of a pair share their support point   (exact)
 *  - otherwise the unbiased estimator averaged over n_mc fresh pairs from rng (estimate).
 * *exact is set to 1 or 0 accordingly. */
int specl_population_loss(specl_model *m, const specl_source *src, double lambda, long n_mc,
                          specl_rng *rng, double *loss, int *exact);
/* E[f fᵀ] (k,k) by enumeration of a finite support (table-like models). */
int specl_population_cov_support(specl_model *m, const specl_source *src, double *cov);

#endif
