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

/* The labels key, with "auto" resolved for the kind. */
static const char *labels_(const specl_config *c, const char *def) {
    const char *l = specl_config_str(c, "data.labels");
    return strcmp(l, "auto") == 0 ? def : l;
}

/* A library message that starts with a key ("data.s = 6: ...") gets the key's origin in front
 * ("exp.ini:4: data.s = 6: ..."). */
int cli_key_error(const specl_config *c, int st) {
    char msg[900], key[64];
    snprintf(msg, sizeof msg, "%s", specl_error_detail());
    size_t kl = strcspn(msg, " :,");
    snprintf(key, sizeof key, "%.*s", (int)(kl < sizeof key ? kl : sizeof key - 1), msg);
    const char *origin = specl_config_lookup(c, key) ? specl_config_origin(c, key) : NULL;
    return origin ? specl_error(st, "%s: %s", origin, msg) : st;
}

static int labels_error_(const specl_config *c, int st) {
    return st == SPECL_EINVAL ? cli_key_error(c, st) : st;
}

int cli_clusters_params(const specl_config *c, specl_clusters_params *p) {
    memset(p, 0, sizeof *p);
    p->m = (int)specl_config_int(c, "data.m");
    p->sub = (int)specl_config_int(c, "data.sub");
    p->size = (int)specl_config_int(c, "data.size");
    p->alpha = specl_config_double(c, "data.alpha");
    p->conn = specl_config_double(c, "data.conn");
    p->equitable = specl_config_bool(c, "data.equitable");
    p->leak = (int)specl_config_int(c, "data.leak");
    const char *ms = specl_config_str(c, "data.masses");
    p->masses = strcmp(ms, "equal") == 0 ? "" : ms;
    p->d = (int)specl_config_int(c, "data.d");
    p->labels = labels_(c, "group");
    p->seed = (uint64_t)specl_config_int(c, "data.graph_seed");
    return SPECL_OK;
}

/* A string key whose `word` value means "not set". */
static const char *opt_str_(const specl_config *c, const char *key, const char *word) {
    const char *v = specl_config_str(c, key);
    return strcmp(v, word) == 0 ? "" : v;
}

/* The sources of Examples 5.7 and 5.10 and Figs. 1 and 3. */
static int example_source_(const specl_config *c, const char *kind, specl_source **out) {
    int d = (int)specl_config_int(c, "data.d"), st;
    if (!strcmp(kind, "manifolds")) {
        specl_manifolds_params p = { d, (int)specl_config_int(c, "data.r"), (int)specl_config_int(c, "data.r0"),
                                     specl_config_double(c, "data.gamma"), specl_config_double(c, "data.rho"),
                                     specl_config_double(c, "data.aug"), labels_(c, "group"),
                                     (uint64_t)specl_config_int(c, "data.graph_seed") };
        st = specl_manifolds_new(&p, out);
    } else if (!strcmp(kind, "patch")) {
        specl_patch_params p = { d, (int)specl_config_int(c, "data.s"), specl_config_double(c, "data.gamma"),
                                 opt_str_(c, "data.loc_weights", "uniform"), labels_(c, "pattern"),
                                 (uint64_t)specl_config_int(c, "data.label_seed") };
        st = specl_patch_new(&p, out);
    } else {
        int toy = !strcmp(kind, "toy");
        specl_grid_params p = { d, toy, specl_config_double(c, "data.sigma"), specl_config_double(c, "data.small"),
                                labels_(c, toy ? "side,small" : "axis1,axis2,corner") };
        st = specl_grid_new(&p, out);
    }
    return st == SPECL_EINVAL ? cli_key_error(c, st) : st;
}

/* ---- image datasets ---- */

int cli_is_image_kind(const char *kind) {
    return !strcmp(kind, "fashion-mnist") || !strcmp(kind, "idx") || !strcmp(kind, "cifar10");
}

/* Split `train` (1) or test (0) of the configured image set. */
static int load_images_(const specl_config *c, int train, specl_images *im) {
    const char *kind = specl_config_str(c, "data.kind"), *path = specl_config_str(c, "data.path");
    if (!strcmp(path, "default")) {
        if (strcmp(kind, "fashion-mnist"))
            return specl_error(SPECL_EINVAL, "%s: data.path: data.kind = %s needs the directory of its files",
                               specl_config_origin(c, "data.path"), kind);
        path = SPECL_FASHION_MNIST_DIR;
    }
    if (strcmp(kind, "cifar10")) {
        int st = specl_fashion_mnist_read(path, train, im);
        if (st && !strcmp(kind, "fashion-mnist") && !strcmp(path, SPECL_FASHION_MNIST_DIR))
            return specl_error(st, "%s (hint: install the Debian package dataset-fashion-mnist; scripts/setup-deps.sh does)",
                               specl_error_detail());
        return st;
    }
    char names[5][4200];
    const char *paths[5];
    int n = train ? 5 : 1;
    for (int i = 0; i < n; i++) {
        if (train) snprintf(names[i], sizeof names[i], "%s/data_batch_%d.bin", path, i + 1);
        else snprintf(names[i], sizeof names[i], "%s/test_batch.bin", path);
        paths[i] = names[i];
    }
    return specl_cifar10_read(paths, n, im);
}

static void augment_spec_(const specl_config *c, specl_augment_spec *a) {
    *a = specl_augment_identity();
    a->scale_lo = specl_config_double(c, "data.crop_lo");
    a->scale_hi = specl_config_double(c, "data.crop_hi");
    a->ratio_lo = 3.0 / 4.0;
    a->ratio_hi = 4.0 / 3.0;
    a->flip = specl_config_double(c, "data.flip");
    a->brightness = specl_config_double(c, "data.brightness");
    a->contrast = specl_config_double(c, "data.contrast");
    a->saturation = specl_config_double(c, "data.saturation");
    a->hue = specl_config_double(c, "data.hue");
    a->jitter_p = specl_config_double(c, "data.jitter_p");
    a->gray_p = specl_config_double(c, "data.gray_p");
    a->noise = specl_config_double(c, "data.noise");
}

/* The source of one split; both splits are normalized with the statistics of the training split. */
int cli_image_source(const specl_config *c, int train, specl_source **out) {
    *out = NULL;
    specl_images tr = { 0 }, te = { 0 };
    specl_images_source_params p;
    memset(&p, 0, sizeof p);
    int st = load_images_(c, 1, &tr);
    if (!st) st = specl_images_stats(&tr, p.mean, p.std);
    if (!st && !train) st = load_images_(c, 0, &te);
    if (!st && specl_config_double(c, "data.crop_lo") > specl_config_double(c, "data.crop_hi"))
        st = specl_error(SPECL_EINVAL, "%s: data.crop_lo = %g exceeds data.crop_hi = %g (expected crop_lo <= crop_hi)",
                         specl_config_origin(c, "data.crop_lo"), specl_config_double(c, "data.crop_lo"),
                         specl_config_double(c, "data.crop_hi"));
    if (!st) {
        augment_spec_(c, &p.aug);
        p.im = train ? &tr : &te;
        p.subset = specl_config_int(c, train ? "data.subset" : "data.test_subset");
        if (p.subset > p.im->n)
            st = specl_error(SPECL_EINVAL, "%s: data.%s = %lld exceeds the %lld images of the %s split",
                             specl_config_origin(c, train ? "data.subset" : "data.test_subset"), train ? "subset" : "test_subset",
                             (long long)p.subset, (long long)p.im->n, train ? "training" : "test");
        p.subset_seed = (uint64_t)specl_config_int(c, "seed");
        p.labels = labels_(c, "class");
    }
    if (!st) st = specl_images_source_new(&p, out);
    if (st == SPECL_EINVAL) st = cli_key_error(c, st);
    specl_images_free(&tr);
    specl_images_free(&te);
    return st;
}

int cli_make_source(const specl_config *c, specl_source **out) {
    const char *kind = specl_config_str(c, "data.kind");
    if (cli_is_image_kind(kind)) return cli_image_source(c, !strcmp(specl_config_str(c, "data.split"), "train"), out);
    if (strcmp(kind, "hypercube") && strcmp(kind, "clusters")) return example_source_(c, kind, out);
    if (strcmp(specl_config_str(c, "data.kind"), "clusters") == 0) {
        specl_clusters_params p;
        cli_clusters_params(c, &p);
        int st = specl_clusters_new(&p, out);
        return st == SPECL_EINVAL ? cli_key_error(c, st) : st;
    }
    long long d = specl_config_int(c, "data.d"), s = specl_config_int(c, "data.s");
    if (s > d)
        return specl_error(SPECL_EINVAL, "%s: data.s = %lld exceeds data.d = %lld (expected 1 <= s <= d)",
                           specl_config_origin(c, "data.s"), s, d);
    double lo = specl_config_double(c, "data.tau_lo"), hi = specl_config_double(c, "data.tau_hi");
    if (lo > hi)
        return specl_error(SPECL_EINVAL, "%s: data.tau_lo = %g exceeds data.tau_hi = %g (expected tau_lo <= tau_hi)",
                           specl_config_origin(c, "data.tau_lo"), lo, hi);
    const char *ts = specl_config_str(c, "data.tau_set");
    specl_hypercube_params p = { (int)d, (int)s, lo, hi, labels_(c, "x*"), (uint64_t)specl_config_int(c, "data.label_seed"),
                                 strcmp(ts, "none") == 0 ? "" : ts };
    return labels_error_(c, specl_hypercube_new(&p, out));
}

int cli_model_spec(const specl_config *c, const specl_source *src, specl_model_spec *ms) {
    memset(ms, 0, sizeof *ms);
    ms->cls = specl_config_str(c, "model.class");
    ms->d = src->d;
    ms->k = (int)specl_config_int(c, "model.k");
    ms->depth = (int)specl_config_int(c, "model.depth");
    ms->width = (int)specl_config_int(c, "model.width");
    ms->init_scale = specl_config_double(c, "model.init_scale");
    ms->kappa = specl_config_double(c, "model.kappa");
    ms->filter = (int)specl_config_int(c, "model.filter");
    ms->channels = (int)specl_config_int(c, "model.channels");
    ms->blocks = (int)specl_config_int(c, "model.blocks");
    ms->bn = specl_config_bool(c, "model.bn");
    ms->head = (int)specl_config_int(c, "model.head");
    if (specl_source_image_shape(src, &ms->h, &ms->w, &ms->c) != SPECL_OK) {
        ms->h = ms->w = ms->c = 0;
        specl_error_clear();
        if (!strcmp(ms->cls, "cnn") || !strcmp(ms->cls, "resnet"))
            return specl_error(SPECL_EINVAL, "%s: model.class = %s needs an image source (data.kind = fashion-mnist, idx or cifar10)",
                               specl_config_origin(c, "model.class"), ms->cls);
    }
    if (strcmp(ms->cls, "table") == 0) {
        if (src->n_support <= 0 || src->n_support > (1 << 20))
            return specl_error(SPECL_EINVAL, "%s: model.class = table needs a finite support of at most 2^20 points "
                               "(hypercube: data.d <= 16 for a useful table; clusters: the vertices)", specl_config_origin(c, "model.class"));
        if (src->n_support > (1 << 16) && strcmp(src->kind, "hypercube") == 0)
            return specl_error(SPECL_EINVAL, "%s: model.class = table on the hypercube needs data.d <= 16 (data.d = %d)",
                               specl_config_origin(c, "model.class"), src->d);
        ms->table_rows = src->n_support;
    }
    return SPECL_OK;
}

int cli_train_spec(const specl_config *c, specl_train_spec *ts, specl_train_spec *resolved) {
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
    specl_train_spec local, *r = resolved ? resolved : &local;   /* resolved once here, to check it */
    int st = specl_train_resolve(ts, r);
    if (st) {
        char msg[900];   /* the detail is rewritten below: copy it first */
        snprintf(msg, sizeof msg, "%s", specl_error_detail());
        return specl_error(st, "%s: train.batch and train.lambda with train.budget_scale = %s: %s",
                           specl_config_origin(c, "train.lambda"), specl_config_str(c, "train.budget_scale"), msg);
    }
    if (r->opt.warmup >= r->steps)
        return specl_error(SPECL_EINVAL, "%s: train.warmup = %ld must be below the number of steps (%ld)",
                           specl_config_origin(c, "train.warmup"), r->opt.warmup, r->steps);
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
