/* Building sources, models and specs from a resolved config; the CLI's error reporting. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "run.h"

int cli_fail(const char *what, int status) {
    const char *d = specl_error_detail();
    fprintf(stderr, "specl %s: error: %s\n", what, d[0] ? d : specl_strerror(status));
    return (status == SPECL_EINVAL || status == SPECL_EFORMAT || status == SPECL_EIO) ? 2 : 1;
}

int cli_make_source(const specl_config *c, specl_source **out) {
    long long d = specl_config_int(c, "data.d"), s = specl_config_int(c, "data.s");
    if (s > d)
        return specl_error(SPECL_EINVAL, "%s: data.s = %lld exceeds data.d = %lld (expected 1 <= s <= d)",
                           specl_config_origin(c, "data.s"), s, d);
    double lo = specl_config_double(c, "data.tau_lo"), hi = specl_config_double(c, "data.tau_hi");
    if (lo > hi)
        return specl_error(SPECL_EINVAL, "%s: data.tau_lo = %g exceeds data.tau_hi = %g (expected tau_lo <= tau_hi)",
                           specl_config_origin(c, "data.tau_lo"), lo, hi);
    specl_hypercube_params p = { (int)d, (int)s, lo, hi, specl_config_str(c, "data.labels"),
                                 (uint64_t)specl_config_int(c, "data.label_seed") };
    int st = specl_hypercube_new(&p, out);
    if (st == SPECL_EINVAL && strncmp(specl_error_detail(), "data.labels", 11) == 0) {
        char msg[900];
        snprintf(msg, sizeof msg, "%s", specl_error_detail());
        return specl_error(st, "%s: %s", specl_config_origin(c, "data.labels"), msg);
    }
    return st;
}

int cli_model_spec(const specl_config *c, const specl_source *src, specl_model_spec *ms) {
    memset(ms, 0, sizeof *ms);
    ms->cls = specl_config_str(c, "model.class");
    ms->d = src->d;
    ms->k = (int)specl_config_int(c, "model.k");
    ms->depth = (int)specl_config_int(c, "model.depth");
    ms->width = (int)specl_config_int(c, "model.width");
    ms->init_scale = specl_config_double(c, "model.init_scale");
    if (strcmp(ms->cls, "table") == 0) {
        if (src->n_support <= 0 || src->n_support > (1 << 16))
            return specl_error(SPECL_EINVAL, "%s: model.class = table needs a finite natural support of at most 2^16 data "
                               "(hypercube with d <= 16; data.d = %d)", specl_config_origin(c, "model.class"), src->d);
        ms->table_rows = src->n_support;
    }
    return SPECL_OK;
}

int cli_train_spec(const specl_config *c, specl_train_spec *ts) {
    memset(ts, 0, sizeof *ts);
    ts->loss.kind = strcmp(specl_config_str(c, "train.loss"), "lambda") == 0 ? SPECL_LOSS_LAMBDA : SPECL_LOSS_SPECTRAL2021;
    ts->loss.lambda = specl_config_double(c, "train.lambda");
    ts->loss.estimator = strcmp(specl_config_str(c, "train.estimator"), "plugin") == 0 ? SPECL_EST_PLUGIN : SPECL_EST_UNBIASED;
    ts->loss.both_views = specl_config_bool(c, "train.both_views");
    ts->loss.mu = specl_config_double(c, "train.mu");
    ts->opt.kind = strcmp(specl_config_str(c, "train.optimizer"), "sgd") == 0 ? SPECL_OPT_SGD : SPECL_OPT_ADAM;
    ts->opt.lr = specl_config_double(c, "train.lr");
    ts->opt.momentum = specl_config_double(c, "train.momentum");
    ts->opt.weight_decay = specl_config_double(c, "train.weight_decay");
    ts->opt.beta1 = specl_config_double(c, "train.beta1");
    ts->opt.beta2 = specl_config_double(c, "train.beta2");
    ts->opt.eps = 1e-8;
    ts->opt.schedule = strcmp(specl_config_str(c, "train.schedule"), "constant") == 0 ? SPECL_SCHED_CONSTANT : SPECL_SCHED_COSINE;
    ts->opt.warmup = (long)specl_config_int(c, "train.warmup");
    ts->opt.lr_min = specl_config_double(c, "train.lr_min");
    ts->batch = (int)specl_config_int(c, "train.batch");
    ts->steps = (long)specl_config_int(c, "train.steps");
    const char *bs = specl_config_str(c, "train.budget_scale");
    ts->scale = !strcmp(bs, "batch") ? SPECL_SCALE_BATCH : !strcmp(bs, "steps") ? SPECL_SCALE_STEPS : SPECL_SCALE_NONE;
    if (ts->opt.lr_min > ts->opt.lr)
        return specl_error(SPECL_EINVAL, "%s: train.lr_min = %g exceeds train.lr = %g",
                           specl_config_origin(c, "train.lr_min"), ts->opt.lr_min, ts->opt.lr);
    specl_train_spec unscaled = *ts;
    int st = specl_train_resolve(&unscaled, ts);
    if (st) return specl_error(st, "%s: %s", specl_config_origin(c, "train.budget_scale"), specl_error_detail());
    if (ts->opt.warmup >= ts->steps)
        return specl_error(SPECL_EINVAL, "%s: train.warmup = %ld must be below the number of steps (%ld)",
                           specl_config_origin(c, "train.warmup"), ts->opt.warmup, ts->steps);
    return SPECL_OK;
}

void cli_eval_spec(const specl_config *c, specl_eval_spec *e) {
    memset(e, 0, sizeof *e);
    e->seed = (uint64_t)specl_config_int(c, "seed");
    e->n_train = specl_config_int(c, "eval.n_train");
    e->n_test = specl_config_int(c, "eval.n_test");
    e->pop_pairs = (long)specl_config_int(c, "eval.pop_pairs");
    e->lambda = specl_config_double(c, "train.lambda");
    e->probe.ridge = specl_config_double(c, "eval.ridge");
    e->probe.bias = specl_config_bool(c, "eval.bias");
    e->knn = specl_config_bool(c, "eval.knn");
    e->knn_opts.kn = (int)specl_config_int(c, "eval.knn_k");
    e->knn_opts.temperature = specl_config_double(c, "eval.knn_t");
    e->knn_opts.cosine = 1;
}
