/* The training loop: draw a batch of pairs, forward both views as one (2n, d) block, loss and
 * gradient, backward, a finite check on the loss and the gradient norm, optimizer step, then the
 * class's projection (specl_model_constrain: lipschitz models go back into their class). The
 * trainer never prints; progress goes to the caller's callback.
 *
 * Data-parallel (s->comm with P > 1 ranks, docs/mpi.md): every rank draws the same batch from the
 * same stream and forwards only its rows [lo, lo + nl) of each view; the loss all-reduces its k×k
 * statistics, the trainer all-reduces the parameter gradients (and averages batch-norm running
 * statistics), so every rank takes the same step. Collectives per step, in this order on every
 * rank: status agreement, loss statistics, gradients, [buffers], status agreement. A rank that fails
 * inside a step still enters the step's collectives (with zeros) so that none waits forever; the
 * second agreement then stops every rank before any of them updates its weights. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "specl/train.h"

typedef struct trainer_bufs {
    specl_batch batch;        /* the whole batch of n pairs (every rank draws the same) */
    int lo, nl;               /* this rank's rows [lo, lo + nl) of each view */
    float *x;                 /* (2, nl, d) this rank's rows of both views; NULL when nl = n (batch.x) */
    int64_t *ids;             /* (2, nl) their support ids; NULL when nl = n (batch.view) */
    float *z, *dz;            /* (2, nl, k) embeddings and ∂L/∂z */
    specl_loss_ws ws;
} trainer_bufs;

static void bufs_free_(trainer_bufs *t) {
    specl_batch_free(&t->batch);
    free(t->x); free(t->ids);
    free(t->z); free(t->dz);
    specl_loss_ws_free(&t->ws);
}

static int bufs_init_(trainer_bufs *t, const specl_source *src, int n, int k, const specl_comm *c) {
    memset(t, 0, sizeof *t);
    int r = c ? c->rank : 0, p = c ? c->size : 1;
    t->lo = (int)((long long)r * n / p);
    t->nl = (int)((long long)(r + 1) * n / p) - t->lo;
    size_t nl = (size_t)t->nl;
    int st = specl_batch_alloc(&t->batch, n, src);
    if (!st) st = specl_loss_ws_init(&t->ws, k, t->nl);
    t->z = malloc(sizeof(float) * 2 * nl * k);
    t->dz = malloc(sizeof(float) * 2 * nl * k);
    if (t->nl < n) {
        t->x = malloc(sizeof(float) * 2 * nl * src->d);
        t->ids = malloc(sizeof(int64_t) * 2 * nl);
    }
    if (!st && (!t->z || !t->dz || (t->nl < n && (!t->x || !t->ids))))
        st = specl_error(SPECL_ENOMEM, "trainer buffers for batch %d", n);
    if (st) bufs_free_(t);
    return st;
}

/* This rank's rows of both views of the batch, contiguous: (2, nl, d) and their ids (2, nl). */
static void slice_(trainer_bufs *t, int d) {
    const specl_batch *b = &t->batch;
    size_t n = (size_t)b->n, lo = (size_t)t->lo, nl = (size_t)t->nl;
    for (int v = 0; v < 2; v++) {
        memcpy(t->x + v * nl * d, b->x + (v * n + lo) * d, sizeof(float) * nl * d);
        memcpy(t->ids + v * nl, b->view + v * n + lo, sizeof(int64_t) * nl);
    }
}

static int check_spec_(const specl_model *m, const specl_train_spec *ts, const specl_comm *c) {
    if (ts->batch < 2) return specl_error(SPECL_EINVAL, "train.batch = %d: expected at least 2 pairs", ts->batch);
    if (ts->scale != SPECL_SCALE_NONE) return specl_error(SPECL_EINVAL, "training spec not resolved (call specl_train_resolve)");
    if (ts->steps < 1) return specl_error(SPECL_EINVAL, "train.steps = %ld: expected at least 1", ts->steps);
    if (2 * ts->batch > m->max_n) return specl_error(SPECL_EINVAL, "model capacity %d rows < 2 x batch %d", m->max_n, ts->batch);
    if (!(ts->opt.lr > 0) || !isfinite(ts->opt.lr)) return specl_error(SPECL_EINVAL, "train.lr = %g: expected lr > 0", ts->opt.lr);
    if (c && ts->batch < c->size)
        return specl_error(SPECL_EINVAL, "train.batch = %d: expected at least one pair per MPI rank (%d ranks)", ts->batch, c->size);
    return SPECL_OK;
}

/* Forward this rank's rows and the loss of the whole batch: value into *lv, ∂L/∂z into t->dz.
 * A rank whose forward failed still takes part in the loss's all-reduce (with z = 0). */
static int forward_loss_(specl_model *m, trainer_bufs *t, const specl_train_spec *ts, const specl_comm *c, int st, long step,
                         specl_loss_value *lv) {
    int n = t->batch.n, nl = t->nl, k = m->k;
    if (!st) {
        if (t->x) slice_(t, m->d);
        st = specl_model_forward(m, 2 * nl, t->x ? t->x : t->batch.x, t->ids ? t->ids : t->batch.view, t->z);
    }
    if (st && !c) return st;
    if (st) memset(t->z, 0, sizeof(float) * 2 * (size_t)nl * k);
    int lst = specl_loss_eval_dist(&ts->loss, n, nl, k, t->z, t->dz, &t->ws, c, lv);
    if (st || (st = lst)) return st;
    if (!isfinite(lv->total))
        return specl_error(SPECL_ENUMERIC, "loss is %g at step %ld (hint: lower train.lr, or check train.lambda / train.mu)", lv->total, step);
    return SPECL_OK;
}

/* Backward, the all-reduce of the gradients (and of the batch-norm running statistics), the global
 * gradient norm into *gn. A rank that failed before still enters the all-reduces (with zeros). */
static int backward_(specl_model *m, trainer_bufs *t, const specl_comm *c, int st, long step, double *gn) {
    specl_model_zero_grad(m);
    if (!st) st = specl_model_backward(m, t->dz);
    if (!c) {
        if (st) return st;
    } else {
        if (st) memset(m->grads, 0, sizeof(float) * m->n_params);
        int cst = specl_comm_allreduce_f(c, m->grads, m->n_params);
        if (!cst && m->n_buffers) {   /* running mean and variance: the mean over the ranks */
            cst = specl_comm_allreduce_f(c, m->buffers, m->n_buffers);
            for (size_t i = 0; i < m->n_buffers; i++) m->buffers[i] /= (float)c->size;
        }
        if (!st) st = cst;
        if (st) return st;
    }
    *gn = sqrt(specl_sumsq(m->grads, m->n_params));
    if (!isfinite(*gn))
        return specl_error(SPECL_ENUMERIC, "gradient norm is %g at step %ld (hint: lower train.lr)", *gn, step);
    return SPECL_OK;
}

/* The status every rank continues with: its own, else the largest of the other ranks'. Records in
 * s->failed_rank the lowest rank that failed with the largest status. */
static int agree_(const specl_comm *c, specl_train_state *s, int st) {
    if (!c) return st;
    int from = c->rank, all = specl_comm_agree(c, st, &from);
    if (!all) return st;
    s->failed_rank = from;
    if (st) return st;
    return specl_error(all, "stopped with MPI rank %d of %d, which failed (%s)", from, c->size, specl_strerror(all));
}

int specl_train_resolve(const specl_train_spec *ts, specl_train_spec *out) {
    *out = *ts;
    out->scale = SPECL_SCALE_NONE;
    double f = ts->loss.kind == SPECL_LOSS_LAMBDA && ts->loss.lambda > 1 ? ts->loss.lambda : 1.0;
    if (ts->scale == SPECL_SCALE_BATCH) {
        double b = ceil(ts->batch * f);
        if (b > 1 << 24) return specl_error(SPECL_EINVAL, "batch %d scaled by lambda = %g exceeds 2^24 pairs", ts->batch, f);
        out->batch = (int)b;
    } else if (ts->scale == SPECL_SCALE_STEPS) {
        double st = ceil((double)ts->steps * f);
        if (st > 1e12) return specl_error(SPECL_EINVAL, "steps %ld scaled by lambda = %g exceed 1e12", ts->steps, f);
        out->steps = (long)st;
        if (out->opt.warmup > 0) out->opt.warmup = (long)ceil((double)out->opt.warmup * f);
    }
    return SPECL_OK;
}

int specl_train_state_init(specl_train_state *s, const specl_train_spec *ts, size_t n_params, const specl_rng *data) {
    memset(s, 0, sizeof *s);
    s->rng = *data;
    s->failed_rank = -1;
    return specl_optimizer_init(&s->opt, &ts->opt, n_params);
}

void specl_train_state_free(specl_train_state *s) { specl_optimizer_free(&s->opt); }

int specl_train_run(specl_model *m, const specl_source *src, const specl_train_spec *ts, specl_train_state *s,
                    specl_step_cb cb, void *ctx) {
    const specl_comm *c = s->comm && s->comm->size > 1 ? s->comm : NULL;
    s->failed_rank = -1;
    int st = check_spec_(m, ts, c);
    if (!st && (s->opt.n != m->n_params || s->step < 0 || s->step > ts->steps))
        st = specl_error(SPECL_EINVAL, "training state (step %ld, %zu parameters) does not fit the run (%ld steps, %zu parameters)",
                         s->step, s->opt.n, ts->steps, m->n_params);
    trainer_bufs t;
    int ready = 0;
    if (!st) ready = !(st = bufs_init_(&t, src, ts->batch, m->k, c));
    for (;;) {
        /* before the batch is drawn: a failure of the last step (its callback) on any rank stops all */
        if ((st = agree_(c, s, st)) || s->step >= ts->steps) break;
        long step = s->step;
        specl_loss_value lv;
        double gn = 0;
        st = specl_source_sample(src, ts->batch, &s->rng, &t.batch);
        if (!st || c) st = forward_loss_(m, &t, ts, c, st, step, &lv);
        if (!st || c) st = backward_(m, &t, c, st, step, &gn);
        if ((st = agree_(c, s, st))) break;             /* before the update: no rank moves alone */
        double lr = specl_schedule_lr(&ts->opt, step, ts->steps);
        specl_optimizer_step(&s->opt, m->params, m->grads, lr);
        if ((st = specl_model_constrain(m))) continue;  /* lipschitz: back into the class; else a no-op */
        s->step = step + 1;                             /* the state is now that after `step` */
        if (cb) {
            specl_step_info info = { step, ts->steps, lv.total, lv.align, lv.reg, gn, lr };
            st = cb(&info, ctx);
        }
    }
    if (!st && !specl_all_finite(m->params, m->n_params))
        st = specl_error(SPECL_ENUMERIC, "parameters are not finite after the last step (hint: lower train.lr)");
    if (ready) bufs_free_(&t);
    return st;
}

int specl_train(specl_model *m, const specl_source *src, const specl_train_spec *ts,
                specl_rng *rng, specl_step_cb cb, void *ctx) {
    specl_train_state s;
    int st = specl_train_state_init(&s, ts, m->n_params, rng);
    if (!st) st = specl_train_run(m, src, ts, &s, cb, ctx);
    *rng = s.rng;
    specl_train_state_free(&s);
    return st;
}
