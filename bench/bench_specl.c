/* bench_specl: the specl side of `make bench` (bench/README.md). One measurement per process, so
 * that ru_maxrss is the peak of that workload alone; the driver (bench/run.py) alternates these
 * processes with the PyTorch ones (bench/bench_torch.py) and takes medians.
 *
 *   bench_specl gen DIR                      draw the data of every workload once into DIR (.npy) and
 *                                            write DIR/workloads.json (shapes, hyper-parameters and the
 *                                            FLOP count of one step, read by both sides)
 *   bench_specl sgemm [N] [REPS]             cblas_sgemm N×N×N (default 1024) on 2 OpenBLAS threads
 *   bench_specl step NAME DIR WARMUP STEPS   training steps of workload NAME on its pre-drawn batches
 *   bench_specl loss DIR WARMUP STEPS        the spectral2021 loss alone, value and ∂L/∂Z
 *   bench_specl eigs DIR                     bottom 10 eigenpairs of DIR/graph.mtx by ARPACK
 *
 * Each measuring command prints one JSON object on stdout. A training step is exactly what
 * src/train/trainer.c does after it has drawn a batch: forward of both views as one (2n, d) block,
 * specl_loss_eval (value and ∂L/∂z), zero_grad, backward, the gradient norm (the trainer's finite
 * check), specl_optimizer_step (Adam), specl_model_constrain. The batches are drawn beforehand by
 * specl's own sources (hypercube, patch) or are uniform random images, so both sides train on the
 * same numbers and neither step includes sampling.
 *
 * libgomp reads OMP_WAIT_POLICY when it is loaded; bench/run.sh exports OMP_WAIT_POLICY=PASSIVE
 * (as the specl CLI sets it for itself, src/cli/main.c), and if it is unset anyway this program sets
 * it and executes itself again, so every specl measurement runs with PASSIVE and says so. */
#include <cblas.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "specl/base.h"
#include "specl/data.h"
#include "specl/graph.h"
#include "specl/model.h"
#include "specl/spectral.h"
#include "specl/train.h"

#define POOL 4            /* pre-drawn batches per workload, used in turn */
#define LOSS_B 4096
#define LOSS_K 128
#define EIG_N 100000
#define EIG_BLOCKS 10
#define EIG_EDGES 1000000
#define EIG_K 10

typedef struct workload {
    const char *name, *data;   /* data: hypercube | patch | images */
    const char *cls;
    int d, s, k, depth, width, filter, h, w, c, channels, batch;
    specl_loss_kind loss;
} workload;

static const workload workloads_[] = {
    { "hc-linear", "hypercube", "linear", 64, 8, 8, 0, 0, 0, 0, 0, 0, 0, 512, SPECL_LOSS_LAMBDA },
    { "hc-relu1", "hypercube", "relu1", 64, 8, 256, 0, 0, 0, 0, 0, 0, 0, 512, SPECL_LOSS_LAMBDA },
    { "mlp-lambda", "images", "mlp", 784, 0, 128, 2, 1024, 0, 28, 28, 1, 0, 256, SPECL_LOSS_LAMBDA },
    { "mlp-s2021", "images", "mlp", 784, 0, 128, 2, 1024, 0, 28, 28, 1, 0, 256, SPECL_LOSS_SPECTRAL2021 },
    { "cnn", "images", "cnn", 784, 0, 128, 2, 0, 0, 28, 28, 1, 32, 256, SPECL_LOSS_LAMBDA },
    { "patch", "patch", "conv1d-circ", 64, 6, 64, 0, 0, 6, 0, 0, 0, 0, 512, SPECL_LOSS_LAMBDA },
};
#define N_WORKLOADS (int)(sizeof workloads_ / sizeof *workloads_)

static const double lr_ = 0.01, lambda_ = 1.0, mu_ = 1.0;   /* specl's defaults (train.lr, lambda, mu) */

static double now_(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static double cpu_seconds_(void) {   /* user + system time of the process, all threads */
    struct rusage u;
    getrusage(RUSAGE_SELF, &u);
    return (double)u.ru_utime.tv_sec + 1e-6 * (double)u.ru_utime.tv_usec + (double)u.ru_stime.tv_sec +
           1e-6 * (double)u.ru_stime.tv_usec;
}

static long maxrss_kb_(void) {
    struct rusage u;
    getrusage(RUSAGE_SELF, &u);
    return u.ru_maxrss;
}

static int die_(const char *what, int st) {
    fprintf(stderr, "bench_specl: %s: %s%s%s\n", what, specl_strerror(st), *specl_error_detail() ? ": " : "",
            specl_error_detail());
    return 1;
}

static const workload *find_(const char *name) {
    for (int i = 0; i < N_WORKLOADS; i++)
        if (!strcmp(workloads_[i].name, name)) return &workloads_[i];
    return NULL;
}

static specl_model_spec spec_of_(const workload *w) {
    specl_model_spec s = { 0 };
    s.cls = w->cls; s.d = w->d; s.k = w->k; s.depth = w->depth; s.width = w->width; s.init_scale = 1.0;
    s.filter = w->filter; s.h = w->h; s.w = w->w; s.c = w->c; s.channels = w->channels; s.bn = 0;
    return s;
}

static specl_train_spec train_of_(const workload *w) {
    specl_train_spec t = { 0 };
    t.loss.kind = w->loss; t.loss.lambda = lambda_; t.loss.estimator = SPECL_EST_UNBIASED; t.loss.mu = mu_;
    t.opt.kind = SPECL_OPT_ADAM; t.opt.lr = lr_; t.opt.beta1 = 0.9; t.opt.beta2 = 0.999; t.opt.eps = 1e-8;
    t.opt.schedule = SPECL_SCHED_CONSTANT;
    t.steps = 1; t.batch = w->batch;
    return t;
}

/* FLOPs of the matrix products of one training step on N = 2·batch rows: every dense, conv2d and
 * conv1d-circ layer counts its forward product, its weight gradient and (unless it reads the model
 * input, which needs no gradient on either side) its input gradient, 2·m·n·k each. */
static double step_flops_(const specl_model *m, int N) {
    double f = 0;
    for (int i = 0; i < m->n_layers; i++) {
        const specl_layer *l = &m->layers[i];
        double mm = 0;
        if (l->kind == SPECL_LAYER_DENSE) mm = 2.0 * N * l->in * l->out;
        if (l->kind == SPECL_LAYER_CONV2D) mm = 2.0 * N * l->oh * l->ow * (double)l->kh * l->kw * l->ic * l->oc;
        if (l->kind == SPECL_LAYER_CONV1D_CIRC) mm = 2.0 * N * l->in * (double)l->rows * l->out;
        f += mm * (l->src >= 0 ? 3 : 2);
    }
    return f;
}

/* Where a model's memory is (MB), from the public fields of specl_model: activations (every
 * layer's output and its per-kind extras, e.g. conv1d-circ's workspace), the backward gradient buffers, the
 * im2col workspace, the maxpool argmax bytes, parameters + gradients. */
static void print_model_memory_(const specl_model *m) {
    double mb = 1.0 / (1 << 20), acts = 0, dbuf = 0, argmax = 0;
    size_t widest[SPECL_MAX_SLOTS] = { 0 };
    for (int i = 0; i < m->n_layers; i++) {
        const specl_layer *l = &m->layers[i];
        size_t next = i + 1 < m->n_layers ? m->layers[i + 1].act : m->n_acts;
        acts += 4.0 * (double)(next - l->act);
        if (l->slot >= 0 && (size_t)l->out > widest[l->slot]) widest[l->slot] = (size_t)l->out;
        if (l->kind == SPECL_LAYER_MAXPOOL) argmax += (double)m->max_n * l->out;
    }
    for (int s = 0; s < m->n_slots; s++) dbuf += 4.0 * (double)widest[s] * m->max_n;
    printf("\"model_mb\": {\"activations\": %.1f, \"grad_buffers\": %.1f, \"im2col\": %.1f, \"argmax\": %.1f, "
           "\"params_grads\": %.1f}, ", acts * mb, dbuf * mb, 4.0 * (double)m->n_ws * mb, argmax * mb,
           8.0 * (double)m->n_params * mb);
}

/* ---- gen ---- */

static int write_npy_(const char *dir, const char *name, specl_dtype t, int nd, const int64_t *shape, const void *x) {
    char p[4096];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    int st = specl_npy_write(p, t, nd, shape, x);
    return st ? die_(p, st) : 0;
}

/* POOL batches (POOL, 2·batch, d): view 1 rows then view 2 rows, as specl_batch.x. */
static int gen_batches_(const char *dir, const workload *w, specl_rng *rng) {
    size_t per = 2 * (size_t)w->batch * w->d;
    float *x = malloc(sizeof(float) * POOL * per);
    if (!x) return die_("gen", SPECL_ENOMEM);
    specl_source *src = NULL;
    int st = SPECL_OK;
    if (!strcmp(w->data, "hypercube")) {
        specl_hypercube_params p = { w->d, w->s, 0.5, 1.0, "x1", 1, NULL };
        st = specl_hypercube_new(&p, &src);
    } else if (!strcmp(w->data, "patch")) {
        specl_patch_params p = { w->d, w->s, 2.0, NULL, "pattern", 1 };
        st = specl_patch_new(&p, &src);
    }
    for (int b = 0; b < POOL && !st; b++) {
        if (src) {
            specl_batch bt;
            if ((st = specl_batch_alloc(&bt, w->batch, src))) break;
            st = specl_source_sample(src, w->batch, rng, &bt);
            if (!st) memcpy(x + b * per, bt.x, sizeof(float) * per);
            specl_batch_free(&bt);
        } else {   /* images: pixels uniform with mean 0 and variance 1, as after specl's per-channel normalization */
            for (size_t i = 0; i < per; i++) x[b * per + i] = (float)(sqrt(3.0) * (2 * specl_rng_uniform(rng) - 1));
        }
    }
    if (src) specl_source_free(src);
    int rc = st ? die_(w->name, st) : 0;
    char name[64];
    snprintf(name, sizeof name, "%s.npy", w->name);
    int64_t shape[3] = { POOL, 2 * (int64_t)w->batch, w->d };
    if (!rc) rc = write_npy_(dir, name, SPECL_F32, 3, shape, x);
    free(x);
    return rc;
}

/* 10 planted clusters of 10^4 vertices (a ring through each, so every vertex has degree ≥ 2), and
 * EIG_EDGES random edges, each inside the cluster of its first end with probability 0.95, else to a
 * uniform vertex: the bottom 10 eigenvalues of L are the clusters (ν ≈ 0.04), the bulk starts near
 * 1 − 2/√21. Written as MatrixMarket (specl's reader) and as CSR .npy arrays (scipy). */
static int gen_graph_(const char *dir, specl_rng *rng) {
    int64_t n = EIG_N, per = n / EIG_BLOCKS, m = n + EIG_EDGES;
    int64_t *ii = malloc(sizeof(int64_t) * m), *jj = malloc(sizeof(int64_t) * m);
    double *ww = malloc(sizeof(double) * m);
    if (!ii || !jj || !ww) return die_("graph", SPECL_ENOMEM);
    int64_t e = 0;
    for (int64_t v = 0; v < n; v++) {
        int64_t b = v / per;
        ii[e] = v; jj[e] = b * per + (v - b * per + 1) % per; ww[e++] = 1.0;
    }
    while (e < m) {
        int64_t u = (int64_t)specl_rng_below(rng, (uint64_t)n), v;
        if (specl_rng_uniform(rng) < 0.95) v = u / per * per + (int64_t)specl_rng_below(rng, (uint64_t)per);
        else v = (int64_t)specl_rng_below(rng, (uint64_t)n);
        if (u == v) continue;
        ii[e] = u; jj[e] = v; ww[e++] = 1.0;
    }
    specl_graph g;
    int st = specl_graph_from_triplets(n, m, ii, jj, ww, 1, &g);
    free(ii); free(jj); free(ww);
    if (st) return die_("graph", st);
    char p[4096];
    snprintf(p, sizeof p, "%s/graph.mtx", dir);
    int rc = (st = specl_mtx_write(p, &g)) ? die_(p, st) : 0;
    int64_t s1 = n + 1, s2 = g.nnz;
    if (!rc) rc = write_npy_(dir, "graph_rowptr.npy", SPECL_I64, 1, &s1, g.rowptr);
    if (!rc) rc = write_npy_(dir, "graph_col.npy", SPECL_I64, 1, &s2, g.col);
    if (!rc) rc = write_npy_(dir, "graph_val.npy", SPECL_F64, 1, &s2, g.val);
    fprintf(stderr, "bench_specl gen: graph n = %lld, %lld stored entries\n", (long long)n, (long long)g.nnz);
    specl_graph_free(&g);
    return rc;
}

static int cmd_gen_(const char *dir) {
    mkdir(dir, 0777);
    specl_rng rng;
    specl_rng_seed(&rng, 20261129);
    specl_str js = { 0 };
    specl_str_printf(&js, "{\n  \"pool\": %d, \"lr\": %g, \"lambda\": %g, \"mu\": %g, \"workloads\": [\n", POOL, lr_, lambda_, mu_);
    for (int i = 0; i < N_WORKLOADS; i++) {
        const workload *w = &workloads_[i];
        if (gen_batches_(dir, w, &rng)) return 1;
        specl_model_spec s = spec_of_(w);
        specl_model *m;
        int st = specl_model_create(&s, 2 * w->batch, &m);
        if (st) return die_(w->name, st);
        specl_str_printf(&js, "    {\"name\": \"%s\", \"data\": \"%s\", \"class\": \"%s\", \"d\": %d, \"s\": %d, \"k\": %d, "
                         "\"depth\": %d, \"width\": %d, \"filter\": %d, \"h\": %d, \"w\": %d, \"c\": %d, \"channels\": %d, "
                         "\"batch\": %d, \"loss\": \"%s\", \"params\": %zu, \"flops\": %.0f}%s\n",
                         w->name, w->data, w->cls, w->d, w->s, w->k, w->depth, w->width, w->filter, w->h, w->w, w->c,
                         w->channels, w->batch, w->loss == SPECL_LOSS_LAMBDA ? "lambda" : "spectral2021", m->n_params,
                         step_flops_(m, 2 * w->batch), i + 1 < N_WORKLOADS ? "," : "");
        specl_model_free(m);
    }
    /* the loss alone: Z (2, B, k) ~ N(0, 1.2²/k), so rows have norm ≈ 1.2 and most are clipped at μ = 1 */
    size_t nz = 2 * (size_t)LOSS_B * LOSS_K;
    float *z = malloc(sizeof(float) * nz);
    if (!z) return die_("gen", SPECL_ENOMEM);
    for (size_t i = 0; i < nz; i++) z[i] = (float)(1.2 / sqrt((double)LOSS_K) * specl_rng_normal(&rng));
    int64_t shape[3] = { 2, LOSS_B, LOSS_K };
    int rc = write_npy_(dir, "loss_z.npy", SPECL_F32, 3, shape, z);
    free(z);
    if (rc || gen_graph_(dir, &rng)) return 1;
    specl_str_printf(&js, "  ],\n  \"loss\": {\"B\": %d, \"k\": %d, \"mu\": %g},\n  \"graph\": {\"n\": %d, \"blocks\": %d, "
                     "\"edges\": %d, \"k\": %d}\n}\n", LOSS_B, LOSS_K, mu_, EIG_N, EIG_BLOCKS, EIG_EDGES, EIG_K);
    char p[4096];
    snprintf(p, sizeof p, "%s/workloads.json", dir);
    int st = specl_write_file_atomic(p, js.buf, js.len);
    specl_str_free(&js);
    return st ? die_(p, st) : 0;
}

/* ---- measurements ---- */

static void print_common_(const char *kind, const char *name) {
    const char *wp = getenv("OMP_WAIT_POLICY");
    printf("{\"side\": \"specl\", \"kind\": \"%s\", \"workload\": \"%s\", \"omp_wait_policy\": \"%s\", "
           "\"openblas_core\": \"%s\", ", kind, name, wp ? wp : "", openblas_get_corename());
}

static int cmp_d_(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static int cmd_sgemm_(int n, int reps) {
    openblas_set_num_threads(2);
    size_t nn = (size_t)n * n;
    float *a = malloc(sizeof(float) * nn), *b = malloc(sizeof(float) * nn), *c = malloc(sizeof(float) * nn);
    double *t = malloc(sizeof(double) * (size_t)reps);
    if (!a || !b || !c || !t) return die_("sgemm", SPECL_ENOMEM);
    specl_rng r;
    specl_rng_seed(&r, 1);
    for (size_t i = 0; i < nn; i++) { a[i] = (float)specl_rng_uniform(&r); b[i] = (float)specl_rng_uniform(&r); }
    for (int i = 0; i < 3; i++)
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.0f, a, n, b, n, 0.0f, c, n);
    for (int i = 0; i < reps; i++) {
        double t0 = now_();
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.0f, a, n, b, n, 0.0f, c, n);
        t[i] = now_() - t0;
    }
    qsort(t, (size_t)reps, sizeof *t, cmp_d_);
    double flops = 2.0 * n * n * (double)n;
    print_common_("sgemm", "sgemm");
    printf("\"n\": %d, \"reps\": %d, \"threads\": %d, \"seconds_median\": %.6g, \"gflops\": %.4g, \"gflops_best\": %.4g, "
           "\"maxrss_kb\": %ld}\n", n, reps, openblas_get_num_threads(), t[reps / 2], flops / t[reps / 2] / 1e9,
           flops / t[0] / 1e9, maxrss_kb_());
    free(a); free(b); free(c); free(t);
    return 0;
}

static int read_npy_(const char *dir, const char *name, specl_array *a) {
    char p[4096];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    int st = specl_npy_read(p, a);
    return st ? die_(p, st) : 0;
}

static int cmd_step_(const char *name, const char *dir, int warmup, int steps) {
    const workload *w = find_(name);
    if (!w) { fprintf(stderr, "bench_specl: unknown workload '%s'\n", name); return 2; }
    char file[64];
    snprintf(file, sizeof file, "%s.npy", name);
    specl_array data;
    if (read_npy_(dir, file, &data)) return 1;
    int n = w->batch, N = 2 * n, k = w->k;
    if (data.dtype != SPECL_F32 || data.ndim != 3 || data.shape[1] != N || data.shape[2] != w->d) {
        fprintf(stderr, "bench_specl: %s/%s: expected (pool, %d, %d) float32 (run gen again)\n", dir, file, N, w->d);
        return 1;
    }
    int pool = (int)data.shape[0];
    specl_model_spec ms = spec_of_(w);
    specl_train_spec ts = train_of_(w);
    specl_model *m;
    int st = specl_model_create(&ms, N, &m);
    if (st) return die_(name, st);
    specl_rng rng;
    specl_rng_seed(&rng, 7);
    specl_model_init(m, 1.0, &rng);
    specl_optimizer opt;
    specl_loss_ws ws;
    float *z = malloc(sizeof(float) * (size_t)N * k), *dz = malloc(sizeof(float) * (size_t)N * k);
    if (!z || !dz) return die_(name, SPECL_ENOMEM);
    if ((st = specl_optimizer_init(&opt, &ts.opt, m->n_params)) || (st = specl_loss_ws_init(&ws, k, n))) return die_(name, st);
    double t0 = 0, loss = 0, gn = 0;
    double ph[5] = { 0 };   /* timed steps: forward, loss, zero_grad + backward, gradient norm, optimizer + constrain */
    const float *x0 = data.data;
    for (int it = 0; it < warmup + steps; it++) {
        if (it == warmup) t0 = now_();
        const float *x = x0 + (size_t)(it % pool) * N * w->d;
        specl_loss_value lv;
        double c0 = now_();
        if ((st = specl_model_forward(m, N, x, NULL, z))) break;
        double c1 = now_();
        if ((st = specl_loss_eval(&ts.loss, n, k, z, dz, &ws, &lv))) break;
        double c2 = now_();
        specl_model_zero_grad(m);
        if ((st = specl_model_backward(m, dz))) break;
        double c3 = now_();
        gn = sqrt(specl_sumsq(m->grads, m->n_params));
        if (!isfinite(lv.total) || !isfinite(gn)) { st = specl_error(SPECL_ENUMERIC, "loss %g, gradient norm %g at step %d", lv.total, gn, it); break; }
        double c4 = now_();
        specl_optimizer_step(&opt, m->params, m->grads, specl_schedule_lr(&ts.opt, it, warmup + steps));
        if ((st = specl_model_constrain(m))) break;
        double c5 = now_();
        if (it >= warmup) { ph[0] += c1 - c0; ph[1] += c2 - c1; ph[2] += c3 - c2; ph[3] += c4 - c3; ph[4] += c5 - c4; }
        loss = lv.total;
    }
    double sec = now_() - t0;
    if (st) return die_(name, st);
    double flops = step_flops_(m, N);
    print_common_("step", name);
    print_model_memory_(m);
    printf("\"phase_ms\": {\"forward\": %.4g, \"loss\": %.4g, \"backward\": %.4g, \"grad_norm\": %.4g, \"optimizer\": %.4g}, ",
           1e3 * ph[0] / steps, 1e3 * ph[1] / steps, 1e3 * ph[2] / steps, 1e3 * ph[3] / steps, 1e3 * ph[4] / steps);
    printf("\"warmup\": %d, \"steps\": %d, \"seconds\": %.6g, \"step_ms\": %.6g, \"pairs_per_s\": %.6g, \"gflops\": %.4g, "
           "\"flops_per_step\": %.0f, \"last_loss\": %.6g, \"maxrss_kb\": %ld}\n", warmup, steps, sec, 1e3 * sec / steps,
           (double)n * steps / sec, flops * steps / sec / 1e9, flops, loss, maxrss_kb_());
    free(z); free(dz);
    specl_loss_ws_free(&ws);
    specl_optimizer_free(&opt);
    specl_model_free(m);
    specl_array_free(&data);
    return 0;
}

static int cmd_loss_(const char *dir, int warmup, int steps) {
    specl_array za;
    if (read_npy_(dir, "loss_z.npy", &za)) return 1;
    if (za.dtype != SPECL_F32 || za.ndim != 3 || za.shape[0] != 2) { fprintf(stderr, "bench_specl: loss_z.npy: bad shape\n"); return 1; }
    int n = (int)za.shape[1], k = (int)za.shape[2];
    specl_loss_spec ls = { SPECL_LOSS_SPECTRAL2021, lambda_, SPECL_EST_UNBIASED, 0, mu_ };
    specl_loss_ws ws;
    float *dz = malloc(sizeof(float) * 2 * (size_t)n * k);
    int st = specl_loss_ws_init(&ws, k, n);
    if (st || !dz) return die_("loss", st ? st : SPECL_ENOMEM);
    specl_loss_value lv = { 0 };
    double t0 = 0;
    for (int it = 0; it < warmup + steps && !st; it++) {
        if (it == warmup) t0 = now_();
        st = specl_loss_eval(&ls, n, k, za.data, dz, &ws, &lv);
    }
    double sec = now_() - t0;
    if (st) return die_("loss", st);
    double flops = 8.0 * n * (double)k * k;   /* two Gram matrices and two (n,k)·(k,k) products */
    print_common_("loss", "loss-s2021");
    printf("\"B\": %d, \"k\": %d, \"warmup\": %d, \"steps\": %d, \"seconds\": %.6g, \"step_ms\": %.6g, \"pairs_per_s\": %.6g, "
           "\"gflops\": %.4g, \"flops_per_step\": %.0f, \"loss\": %.10g, \"grad_sumsq\": %.10g, \"maxrss_kb\": %ld}\n",
           n, k, warmup, steps, sec, 1e3 * sec / steps, (double)n * steps / sec, flops * steps / sec / 1e9, flops,
           lv.total, specl_sumsq(dz, 2 * (size_t)n * k), maxrss_kb_());
    free(dz);
    specl_loss_ws_free(&ws);
    specl_array_free(&za);
    return 0;
}

static int cmd_eigs_(const char *dir) {
    char p[4096];
    snprintf(p, sizeof p, "%s/graph.mtx", dir);
    specl_graph g;
    double t0 = now_();
    int st = specl_mtx_read(p, &g);
    if (st) return die_(p, st);
    double t1 = now_();
    long rss_read = maxrss_kb_();
    specl_spectrum s;
    double c1 = cpu_seconds_();
    st = specl_graph_spectrum(&g, EIG_K, SPECL_EIG_ARPACK, 0.0, &s);
    double t2 = now_(), c2 = cpu_seconds_();
    if (st) return die_("spectrum", st);
    double rmax = 0;
    for (int j = 0; j < s.k; j++) rmax = fmax(rmax, s.residual[j]);
    print_common_("eigs", "eigs");
    printf("\"n\": %lld, \"nnz\": %lld, \"k\": %d, \"read_seconds\": %.4g, \"seconds\": %.6g, \"cpu_seconds\": %.4g, "
           "\"converged\": %d, \"max_residual\": %.3g, \"nu\": [", (long long)g.n, (long long)g.nnz, s.k, t1 - t0,
           t2 - t1, c2 - c1, s.converged, rmax);
    for (int j = 0; j < s.k; j++) printf("%s%.15g", j ? ", " : "", s.nu[j]);
    printf("], \"maxrss_after_read_kb\": %ld, \"maxrss_kb\": %ld}\n", rss_read, maxrss_kb_());
    specl_spectrum_free(&s);
    specl_graph_free(&g);
    return 0;
}

static int usage_(void) {
    fputs("usage: bench_specl gen DIR | sgemm [N] [REPS] | step NAME DIR WARMUP STEPS | loss DIR WARMUP STEPS | eigs DIR\n"
          "(run through bench/run.sh; see bench/README.md)\n", stderr);
    return 2;
}

int main(int argc, char **argv) {
    if (!getenv("OMP_WAIT_POLICY")) {   /* see the top of this file */
        setenv("OMP_WAIT_POLICY", "PASSIVE", 1);
        execv("/proc/self/exe", argv);
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc < 2) return usage_();
    const char *c = argv[1];
    if (!strcmp(c, "gen") && argc == 3) return cmd_gen_(argv[2]);
    if (!strcmp(c, "sgemm") && argc <= 4) return cmd_sgemm_(argc > 2 ? atoi(argv[2]) : 1024, argc > 3 ? atoi(argv[3]) : 20);
    if (!strcmp(c, "step") && argc == 6) return cmd_step_(argv[2], argv[3], atoi(argv[4]), atoi(argv[5]));
    if (!strcmp(c, "loss") && argc == 5) return cmd_loss_(argv[2], atoi(argv[3]), atoi(argv[4]));
    if (!strcmp(c, "eigs") && argc == 3) return cmd_eigs_(argv[2]);
    return usage_();
}
