/* The training loop: draw a batch of pairs, forward both views as one (2n, d) block, loss and
 * gradient, backward, a finite check on the loss and the gradient norm, optimizer step, then the
 * class's projection (specl_model_constrain: lipschitz models go back into their class). The
 * trainer never prints; progress goes to the caller's callback. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "specl/train.h"

typedef struct trainer_bufs { specl_batch batch; float *z, *dz; specl_loss_ws ws; } trainer_bufs;

static void bufs_free_(trainer_bufs *t) {
    specl_batch_free(&t->batch);
    free(t->z); free(t->dz);
    specl_loss_ws_free(&t->ws);
}

static int bufs_init_(trainer_bufs *t, const specl_source *src, int n, int k) {
    memset(t, 0, sizeof *t);
    int st = specl_batch_alloc(&t->batch, n, src);
    if (!st) st = specl_loss_ws_init(&t->ws, k, n);
    t->z = malloc(sizeof(float) * 2 * (size_t)n * k);
    t->dz = malloc(sizeof(float) * 2 * (size_t)n * k);
    if (!st && (!t->z || !t->dz)) st = specl_error(SPECL_ENOMEM, "trainer buffers for batch %d", n);
    if (st) bufs_free_(t);
    return st;
}

static int check_spec_(const specl_model *m, const specl_train_spec *ts) {
    if (ts->batch < 2) return specl_error(SPECL_EINVAL, "train.batch = %d: expected at least 2 pairs", ts->batch);
    if (ts->scale != SPECL_SCALE_NONE) return specl_error(SPECL_EINVAL, "training spec not resolved (call specl_train_resolve)");
    if (ts->steps < 1) return specl_error(SPECL_EINVAL, "train.steps = %ld: expected at least 1", ts->steps);
    if (2 * ts->batch > m->max_n) return specl_error(SPECL_EINVAL, "model capacity %d rows < 2 x batch %d", m->max_n, ts->batch);
    if (!(ts->opt.lr > 0) || !isfinite(ts->opt.lr)) return specl_error(SPECL_EINVAL, "train.lr = %g: expected lr > 0", ts->opt.lr);
    return SPECL_OK;
}

/* One step on a drawn batch: loss value into *lv, gradient norm into *gn. */
static int step_(specl_model *m, trainer_bufs *t, const specl_train_spec *ts, long step, specl_loss_value *lv, double *gn) {
    int n = t->batch.n, k = m->k;
    int st = specl_model_forward(m, 2 * n, t->batch.x, t->batch.view, t->z);
    if (!st) st = specl_loss_eval(&ts->loss, n, k, t->z, t->dz, &t->ws, lv);
    if (st) return st;
    if (!isfinite(lv->total))
        return specl_error(SPECL_ENUMERIC, "loss is %g at step %ld (hint: lower train.lr, or check train.lambda / train.mu)", lv->total, step);
    specl_model_zero_grad(m);
    if ((st = specl_model_backward(m, t->dz))) return st;
    *gn = sqrt(specl_sumsq(m->grads, m->n_params));
    if (!isfinite(*gn))
        return specl_error(SPECL_ENUMERIC, "gradient norm is %g at step %ld (hint: lower train.lr)", *gn, step);
    return SPECL_OK;
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
    return specl_optimizer_init(&s->opt, &ts->opt, n_params);
}

void specl_train_state_free(specl_train_state *s) { specl_optimizer_free(&s->opt); }

int specl_train_run(specl_model *m, const specl_source *src, const specl_train_spec *ts, specl_train_state *s,
                    specl_step_cb cb, void *ctx) {
    int st = check_spec_(m, ts);
    if (st) return st;
    if (s->opt.n != m->n_params || s->step < 0 || s->step > ts->steps)
        return specl_error(SPECL_EINVAL, "training state (step %ld, %zu parameters) does not fit the run (%ld steps, %zu parameters)",
                           s->step, s->opt.n, ts->steps, m->n_params);
    trainer_bufs t;
    if ((st = bufs_init_(&t, src, ts->batch, m->k))) return st;
    while (s->step < ts->steps && !st) {
        long step = s->step;
        specl_loss_value lv;
        double gn = 0;
        st = specl_source_sample(src, ts->batch, &s->rng, &t.batch);
        if (!st) st = step_(m, &t, ts, step, &lv, &gn);
        if (st) break;
        double lr = specl_schedule_lr(&ts->opt, step, ts->steps);
        specl_optimizer_step(&s->opt, m->params, m->grads, lr);
        if ((st = specl_model_constrain(m))) break;   /* lipschitz: back into the class; else a no-op */
        s->step = step + 1;                             /* the state is now that after `step` */
        if (cb) {
            specl_step_info info = { step, ts->steps, lv.total, lv.align, lv.reg, gn, lr };
            st = cb(&info, ctx);
        }
    }
    if (!st && !specl_all_finite(m->params, m->n_params))
        st = specl_error(SPECL_ENUMERIC, "parameters are not finite after the last step (hint: lower train.lr)");
    bufs_free_(&t);
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
