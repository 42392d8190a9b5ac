/* `specl train`, `specl eval`, `specl embed` and the flag parsing they share. */
#include <errno.h>
#include <signal.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <cblas.h>
#include <omp.h>
#include "cli.h"

int cli_parse_args(const char *cmd, int argc, char **argv, const char *allowed, int want_run, cli_args *a) {
    memset(a, 0, sizeof *a);
    for (int i = 1; i < argc; i++) {
        const char *f = argv[i];
        static const char *valued[] = { "-c", "--set", "--out", "--only", "--experiments", "--graph", "--partition",
                                        "--features", "--eigvecs", "--k", "--lambda", "--method", "--resume", "--split" };
        int takes = 0;
        for (size_t v = 0; v < sizeof valued / sizeof *valued; v++) takes |= !strcmp(f, valued[v]);
        char key[32];
        snprintf(key, sizeof key, " %s ", f);
        char allowed_sp[256];
        snprintf(allowed_sp, sizeof allowed_sp, " %s ", allowed);
        if (f[0] == '-' && !strstr(allowed_sp, key)) {
            fprintf(stderr, "specl %s: unknown option '%s' (accepted: %s; see specl --help)\n", cmd, f, allowed);
            return 2;
        }
        if (f[0] != '-') {
            if (!want_run || a->run) { fprintf(stderr, "specl %s: unexpected argument '%s' (see specl --help)\n", cmd, f); return 2; }
            a->run = f;
            continue;
        }
        if (takes && i + 1 >= argc) { fprintf(stderr, "specl %s: option %s needs a value\n", cmd, f); return 2; }
        if (!strcmp(f, "-c")) a->config = argv[++i];
        else if (!strcmp(f, "--out")) a->out = argv[++i];
        else if (!strcmp(f, "--only")) a->only = argv[++i];
        else if (!strcmp(f, "--experiments")) a->experiments = argv[++i];
        else if (!strcmp(f, "--graph")) a->graph = argv[++i];
        else if (!strcmp(f, "--partition")) a->partition = argv[++i];
        else if (!strcmp(f, "--features")) a->features = argv[++i];
        else if (!strcmp(f, "--eigvecs")) a->eigvecs = argv[++i];
        else if (!strcmp(f, "--k")) a->k = argv[++i];
        else if (!strcmp(f, "--lambda")) a->lambda = argv[++i];
        else if (!strcmp(f, "--method")) a->method = argv[++i];
        else if (!strcmp(f, "--resume")) a->resume = argv[++i];
        else if (!strcmp(f, "--split")) a->split = argv[++i];
        else if (!strcmp(f, "--set")) {
            if (a->n_sets >= 256) { fprintf(stderr, "specl %s: too many --set options\n", cmd); return 2; }
            a->sets[a->n_sets++] = argv[++i];
        } else if (!strcmp(f, "--quiet")) a->quiet = 1;
        else if (!strcmp(f, "--json")) a->json = 1;
        else if (!strcmp(f, "--quick")) a->quick = 1;
    }
    if (want_run && !a->run) { fprintf(stderr, "specl %s: missing RUN_DIR argument\n", cmd); return 2; }
    return 0;
}

int cli_load_config(const char *cmd, const cli_args *a, specl_config *c) {
    int st = specl_config_init(c, specl_cfg_keys);
    if (!st && a->config) st = specl_config_load(c, a->config);
    for (int i = 0; i < a->n_sets && !st; i++) st = specl_config_set(c, a->sets[i]);
    if (st) return cli_fail(cmd, st);
    cli_apply_threads(c);
    return 0;
}

void cli_apply_threads(const specl_config *c) {
    int threads = (int)specl_config_int(c, "threads");   /* one setting for OpenBLAS and OpenMP */
    openblas_set_num_threads(threads);
    omp_set_num_threads(threads);
}

int cli_mkdirs(const char *path) {
    char buf[4096];
    if (strlen(path) >= sizeof buf) return specl_error(SPECL_EIO, "%s: path too long", path);
    strcpy(buf, path);
    for (char *p = buf + 1; ; p++) {
        if (*p == '/' || *p == 0) {
            char c = *p;
            *p = 0;
            if (mkdir(buf, 0755) != 0 && errno != EEXIST)
                return specl_error(SPECL_EIO, "%s: cannot create directory (%s)", buf, strerror(errno));
            *p = c;
            if (!c) break;
        }
    }
    return SPECL_OK;
}

static int write_text_(const char *dir, const char *name, const char *text) {
    char path[4200];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return specl_write_file_atomic(path, text, strlen(text));
}

/* ---- train ---- */
/* SIGINT / SIGTERM set this; the step callback then writes a checkpoint and stops the run. */
static volatile sig_atomic_t stop_signal_;
static void on_signal_(int sig) { stop_signal_ = sig; }

#define CLI_STOPPED 1000   /* callback status: stopped by a signal after a checkpoint */

typedef struct progress {
    FILE *log, *csv;
    int tty, quiet;
    long every;                   /* metrics row every `every` steps */
    long ckpt_every;              /* checkpoint every `ckpt_every` steps (0: only on a signal and at the end) */
    const char *ckpt_dir;
    specl_model *m;
    const specl_model_spec *spec;
    specl_train_state *state;
    long total;
    int rank;                     /* MPI rank: only rank 0 writes (docs/mpi.md) */
    long saved;                   /* step of the last checkpoint written */
    int stopped;                  /* this rank's own signal stopped the run (and was logged) */
} progress;

static int on_step_(const specl_step_info *s, void *ctx) {
    progress *p = ctx;
    if (p->rank) return stop_signal_ ? CLI_STOPPED : 0;   /* the trainer stops every rank after the same step */
    int last = s->step + 1 == s->steps;
    if (s->step % p->every == 0 || last)
        fprintf(p->csv, "%ld,%.9g,%.9g,%.9g,%.6g,%.6g\n", s->step + 1, s->loss, s->align, s->reg, s->grad_norm, s->lr);
    if (s->step % (p->every * 10) == 0 || last)
        fprintf(p->log, "step %ld/%ld loss %.6g align %.6g reg %.6g |g| %.3g lr %.3g\n", s->step + 1, s->steps,
                s->loss, s->align, s->reg, s->grad_norm, s->lr);
    if (p->tty && !p->quiet && (s->step % p->every == 0 || last))
        fprintf(stderr, "\rstep %ld/%ld  loss %.6f  |g| %.3g  lr %.3g   %s", s->step + 1, s->steps, s->loss,
                s->grad_norm, s->lr, last ? "\n" : "");
    int due = p->ckpt_every > 0 && p->state->step % p->ckpt_every == 0;
    if (due || stop_signal_ || last) {
        fflush(p->csv);
        fflush(p->log);
        int st = specl_checkpoint_save(p->ckpt_dir, p->m, p->spec, p->state, p->total);
        if (st) return st;
        p->saved = p->state->step;
        if (stop_signal_ && !last) {
            fprintf(p->log, "stopped by signal %d after step %ld; checkpoint written\n", (int)stop_signal_, p->state->step);
            p->stopped = 1;
            return CLI_STOPPED;
        }
    }
    return 0;
}

/* Keep the header and the rows of metrics.csv up to `step` (a resumed run rewrites the rest). */
static int trim_metrics_(const char *path, long step) {
    char *buf;
    size_t len;
    int st = specl_read_file(path, &buf, &len);
    if (st) return st;
    specl_str out = { 0 };
    for (char *save = NULL, *line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
        if (line == buf || atol(line) <= step) specl_str_printf(&out, "%s\n", line);
    st = specl_write_file_atomic(path, out.buf ? out.buf : "", out.len);
    specl_str_free(&out);
    free(buf);
    return st;
}

/* Objects of one run built from a config, validated before anything is written. */
typedef struct run_objs { specl_source *src; specl_model_spec ms; specl_train_spec ts; specl_eval_spec es; } run_objs;

static int build_run_(const specl_config *c, run_objs *r) {
    memset(r, 0, sizeof *r);
    int st = cli_make_source(c, &r->src);
    if (!st) st = cli_model_spec(c, r->src, &r->ms);
    specl_train_spec stated;
    if (!st) st = cli_train_spec(c, &stated, &r->ts);
    specl_model *probe = NULL;   /* the class checks its own parameters: try it before anything is written */
    if (!st) st = specl_model_create(&r->ms, 2, &probe);
    specl_model_free(probe);
    if (st == SPECL_EINVAL) st = cli_key_error(c, st);
    cli_eval_spec(c, &r->es);
    return st;
}

static int dir_is_empty_or_absent_(const char *dir) {
    struct stat sb;
    if (stat(dir, &sb) != 0) return 1;
    char probe[4200];
    snprintf(probe, sizeof probe, "%s/results.json", dir);
    if (access(probe, F_OK) == 0) return 0;
    snprintf(probe, sizeof probe, "%s/config.ini", dir);
    return access(probe, F_OK) != 0;
}

/* The run record written before training: cmdline.txt, config.ini, RUNNING. */
static int write_record_(const char *out, specl_config *c, int argc, char **argv) {
    specl_str s = { 0 };
    for (int i = 0; i < argc; i++) specl_str_printf(&s, "%s%s", i ? " " : "specl ", argv[i]);
    specl_str_printf(&s, "\n");
    int st = write_text_(out, "cmdline.txt", s.buf);
    specl_str_free(&s);
    if (!st) st = specl_config_render(c, &s);
    if (!st) st = write_text_(out, "config.ini", s.buf);
    specl_str_free(&s);
    return st;
}

/* Weights and state to train from: fresh from the seed, or the run's latest checkpoint. */
static int start_(const char *ckpt, run_objs *r, int resume, specl_model **m, specl_train_state *state) {
    if (resume) {
        specl_model_spec ms;
        int st = specl_checkpoint_load(ckpt, &r->ts, 2 * r->ts.batch, m, &ms, state);
        if (!st && (ms.k != r->ms.k || ms.d != r->ms.d || strcmp(ms.cls, r->ms.cls)))
            st = specl_error(SPECL_EFORMAT, "%s: the checkpoint's model (%s, d = %d, k = %d) does not match config.ini", ckpt, ms.cls, ms.d, ms.k);
        return st;
    }
    specl_rng rinit, rdata;
    specl_rng_derive(&rinit, r->es.seed, "init");
    specl_rng_derive(&rdata, r->es.seed, "data");
    int st = specl_model_create(&r->ms, 2 * r->ts.batch, m);
    if (!st) specl_model_init(*m, r->ms.init_scale, &rinit);
    if (!st) st = specl_train_state_init(state, &r->ts, (*m)->n_params, &rdata);
    return st;
}

/* Evaluate the trained model and write encoder.safetensors and results.json. */
static int finish_(const char *out, specl_model *m, run_objs *r, double secs, int quiet) {
    char path[4200];
    snprintf(path, sizeof path, "%s/encoder.safetensors", out);
    int st = specl_model_save(m, &r->ms, path);
    cJSON *res = cJSON_CreateObject();
    if (!st && r->src->n_natural > 0)   /* images: the probes need both splits and take minutes */
        cJSON_AddStringToObject(res, "eval", "image runs are probed by `specl eval RUN_DIR` (logistic, least squares, "
                                "kNN, raw-pixel and random-init baselines), which writes RUN_DIR/eval.json");
    else if (!st) st = specl_evaluate(m, r->src, &r->es, res);
    if (!st) {
        cJSON *tr = cJSON_AddObjectToObject(res, "train");
        cJSON_AddNumberToObject(tr, "steps", (double)r->ts.steps);
        cJSON_AddNumberToObject(tr, "seconds", secs);
        char *txt = cJSON_Print(res);
        snprintf(path, sizeof path, "%s/results.json", out);
        st = txt ? specl_write_file_atomic(path, txt, strlen(txt)) : SPECL_ENOMEM;
        if (!st && !quiet) printf("%s\n", txt);
        free(txt);
    }
    cJSON_Delete(res);
    return st;
}

/* Under mpirun: the status every rank continues with after a step that may fail on one rank only
 * (rank 0 alone writes the run directory), so no rank enters training alone: its own, else the
 * largest of the others'. *failed (may be NULL) receives the lowest rank that failed with the largest
 * status (the one to report it), or -1. One process: st. */
static int agree_setup_(const specl_comm *comm, int st, int *failed) {
    int from = 0, all = specl_comm_agree(comm, st, &from);
    if (failed) *failed = all ? from : -1;
    if (st || !all) return st;
    return specl_error(all, "stopped with MPI rank %d of %d, which failed (%s)", from, comm->size, specl_strerror(all));
}

/* Ranks other than 0 under mpirun: the same start and training, no files and no output; *failed as
 * for agree_setup_ (this rank reports an error only if it is the one that failed first). */
static int train_follow_(const char *out, run_objs *r, int resume, const specl_comm *comm, int *failed) {
    char ckpt[4200];
    snprintf(ckpt, sizeof ckpt, "%s/checkpoints", out);
    specl_model *m = NULL;
    specl_train_state state;
    memset(&state, 0, sizeof state);
    int st = agree_setup_(comm, start_(ckpt, r, resume, &m, &state), failed);
    progress p = { .rank = comm->rank };
    state.comm = comm;
    if (!st) {
        st = specl_train_run(m, r->src, &r->ts, &state, on_step_, &p);
        *failed = state.failed_rank;
    }
    specl_model_free(m);
    specl_train_state_free(&state);
    return st;
}

static int train_body_(const char *out, specl_config *c, run_objs *r, int quiet, int resume, const specl_comm *comm) {
    char path[4200], ckpt[4200];
    snprintf(ckpt, sizeof ckpt, "%s/checkpoints", out);
    specl_model *m = NULL;
    specl_train_state state;
    memset(&state, 0, sizeof state);
    int st = start_(ckpt, r, resume, &m, &state);
    if (!st) st = write_text_(out, "RUNNING", "training in progress; this file is removed when the run completes\n");
    snprintf(path, sizeof path, "%s/metrics.csv", out);
    if (!st && resume) st = trim_metrics_(path, state.step);
    FILE *csv = st ? NULL : fopen(path, resume ? "a" : "w");
    snprintf(path, sizeof path, "%s/train.log", out);
    FILE *log = st ? NULL : fopen(path, resume ? "a" : "w");
    if (!st && (!log || !csv)) st = specl_error(SPECL_EIO, "%s: cannot write logs", out);
    if (!st && !resume) fprintf(csv, "step,loss,align,reg,grad_norm,lr\n");
    if (!st && resume) fprintf(log, "resumed at step %ld\n", state.step);
    st = agree_setup_(comm, st, NULL);
    state.comm = comm;
    progress p = { log, csv, isatty(2), quiet, r->ts.steps >= 200 ? r->ts.steps / 200 : 1,
                   (long)specl_config_int(c, "train.checkpoint_every"), ckpt, m, &r->ms, &state, r->ts.steps };
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    if (!st) st = specl_train_run(m, r->src, &r->ts, &state, on_step_, &p);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double secs = (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);
    if (st == CLI_STOPPED && !p.stopped) {   /* another MPI rank saw the signal first */
        /* the step it stopped after may have been a checkpoint step (likely under load: the other
         * ranks wait in the next all-reduce while rank 0 writes), then the checkpoint is there */
        int cst = p.saved == state.step ? SPECL_OK : specl_checkpoint_save(ckpt, m, &r->ms, &state, r->ts.steps);
        if (cst) st = cst;
        else if (log) fprintf(log, "stopped by a signal to another MPI rank after step %ld; checkpoint written\n", state.step);
    }
    if (log && st && st != CLI_STOPPED) fprintf(log, "error: %s\n", specl_error_detail());
    else if (log && !st) fprintf(log, "trained %ld steps (this process: %.2f s)\n", r->ts.steps, secs);
    if (log) fclose(log);
    if (csv) fclose(csv);
    if (!st) st = finish_(out, m, r, secs, quiet);
    specl_model_free(m);
    specl_train_state_free(&state);
    if (st == CLI_STOPPED) return st;           /* RUNNING stays: the run is resumable */
    snprintf(path, sizeof path, "%s/RUNNING", out);
    unlink(path);
    if (st) {
        char msg[1200];
        snprintf(msg, sizeof msg, "run failed: %s\n", specl_error_detail());
        write_text_(out, "FAILED", msg);
    }
    return st;
}

int cli_train(int argc, char **argv) {
    cli_args a;
    int rc = cli_parse_args("train", argc, argv, "-c --set --out --quiet --resume", 0, &a);
    if (rc) return rc;
    if (a.resume && (a.config || a.n_sets || a.out)) {
        fprintf(stderr, "specl train: --resume RUN_DIR takes no -c, --set or --out (the run continues with its own config.ini)\n");
        return 2;
    }
    specl_config c;
    char out[4096], cfg[4200];
    if (a.resume) {
        snprintf(out, sizeof out, "%s", a.resume);
        snprintf(cfg, sizeof cfg, "%s/config.ini", a.resume);
        a.config = cfg;
    }
    if ((rc = cli_load_config("train", &a, &c))) { specl_config_free(&c); return rc; }
    run_objs r;
    int st = build_run_(&c, &r);
    specl_comm comm;            /* under mpirun (docs/mpi.md) rank 0 alone checks and writes the run directory */
    specl_comm_world(&comm);
    int lead = comm.rank == 0, failed = -1;   /* other ranks print only errors that rank 0 does not report */
    if (!a.resume) {
        if (a.out) snprintf(out, sizeof out, "%s", a.out);
        else {
            const char *base = a.config ? strrchr(a.config, '/') : NULL;
            base = base ? base + 1 : (a.config ? a.config : "default");
            snprintf(out, sizeof out, "runs/%.*s", (int)strcspn(base, "."), base);
        }
        if (!st && lead && !dir_is_empty_or_absent_(out))
            st = specl_error(SPECL_EINVAL, "%s: already holds a run (config.ini or results.json); choose another --out, "
                             "or continue it with --resume %s", out, out);
        if (!st && lead) st = cli_mkdirs(out);
        if (!st && lead) st = write_record_(out, &c, argc, argv);
    } else {
        char done[4200];
        snprintf(done, sizeof done, "%s/results.json", out);
        if (!st && lead && access(done, F_OK) == 0) st = specl_error(SPECL_EINVAL, "%s: the run is complete (results.json exists); nothing to resume", out);
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal_;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    st = agree_setup_(&comm, st, &failed);
    if (!st) st = lead ? train_body_(out, &c, &r, a.quiet, a.resume != NULL, &comm) : train_follow_(out, &r, a.resume != NULL, &comm, &failed);
    int sig = stop_signal_ ? (int)stop_signal_ : SIGTERM;   /* 0: the signal reached another MPI rank */
    if (st == CLI_STOPPED && lead) fprintf(stderr, "\nspecl train: stopped by signal %d; checkpoint in %s/checkpoints; continue with: specl train --resume %s\n",
                                   sig, out, out);
    else if (!st && !a.quiet && lead) fprintf(stderr, "specl train: results in %s/results.json\n", out);
    specl_source_free(r.src);
    specl_config_free(&c);
    if (st == CLI_STOPPED) return 128 + sig;
    if (st && !lead && failed != comm.rank) return (st == SPECL_EINVAL || st == SPECL_EFORMAT || st == SPECL_EIO) ? 2 : 1;   /* as cli_fail */
    if (st && !lead) {
        char who[64];
        snprintf(who, sizeof who, "train (MPI rank %d of %d)", comm.rank, comm.size);
        return cli_fail(who, st);
    }
    return st ? cli_fail("train", st) : 0;
}

/* Load RUN_DIR/config.ini plus --set, the source and the encoder. */
static int open_run_(const char *cmd, const cli_args *a, specl_config *c, run_objs *r, specl_model **m) {
    char path[4200];
    cli_args b = *a;
    snprintf(path, sizeof path, "%s/config.ini", a->run);
    b.config = path;
    int rc = cli_load_config(cmd, &b, c);
    if (rc) return rc;
    int st = build_run_(c, r);
    snprintf(path, sizeof path, "%s/encoder.safetensors", a->run);
    specl_model_spec ms;
    if (!st) st = specl_model_load(path, 4096, m, &ms);
    if (!st && (ms.d != r->src->d || ms.k != r->ms.k || strcmp(ms.cls, r->ms.cls) != 0))
        st = specl_error(SPECL_EINVAL, "%s: the encoder (%s, d = %d, k = %d) does not match the config (%s, d = %d, k = %d)",
                         path, ms.cls, ms.d, ms.k, r->ms.cls, r->src->d, r->ms.k);
    return st ? cli_fail(cmd, st) : 0;
}

static void print_probe_(const char *who, const cJSON *o) {
    if (!o) return;
    const cJSON *lg = cJSON_GetObjectItem(o, "logistic"), *ls = cJSON_GetObjectItem(o, "least_squares"), *kn = cJSON_GetObjectItem(o, "knn");
    printf("%-12s %-46.46s %6d", who, cJSON_GetObjectItem(o, "layer")->valuestring, cJSON_GetObjectItem(o, "dim")->valueint);
    if (lg) printf("  logistic %.4f", cJSON_GetObjectItem(lg, "test_accuracy")->valuedouble);
    if (ls) printf("  ls %.4f (err %.4f)", cJSON_GetObjectItem(ls, "test_accuracy")->valuedouble, cJSON_GetObjectItem(ls, "test_error")->valuedouble);
    if (kn) printf("  knn %.4f", cJSON_GetObjectItem(kn, "test_accuracy")->valuedouble);
    printf("\n");
}

/* Image runs: probes on the un-augmented images of both splits, saved to RUN_DIR/eval.json. */
static int eval_images_(const cli_args *a, const specl_config *c, run_objs *r, specl_model *m) {
    specl_source *te = NULL;
    int st = cli_image_source(c, 0, &te);
    specl_source *tr = NULL;
    if (!st) st = cli_image_source(c, 1, &tr);
    specl_image_eval_spec e;
    memset(&e, 0, sizeof e);
    e.train_src = tr; e.test_src = te;
    e.n_train = specl_config_int(c, "eval.n_train");
    e.n_test = specl_config_int(c, "eval.n_test");
    const char *layer = specl_config_str(c, "eval.layer");
    e.features = strcmp(layer, "output") != 0;
    e.output = strcmp(layer, "features") != 0;
    e.logistic = specl_config_bool(c, "eval.logistic");
    e.logistic_opts = specl_logistic_defaults();
    e.logistic_opts.l2 = specl_config_double(c, "eval.logistic_l2");
    e.logistic_opts.max_iter = (int)specl_config_int(c, "eval.logistic_iters");
    e.ls = 1;
    e.probe = r->es.probe;
    const char *preset = specl_config_str(c, "eval.knn_preset");
    e.knn = r->es.knn || strcmp(preset, "none") != 0;
    e.knn_opts = r->es.knn_opts;
    if (strcmp(preset, "none")) {
        e.knn_opts = specl_knn_preset(preset, NULL);
        snprintf(e.knn_preset, sizeof e.knn_preset, "%s", preset);
    }
    e.baselines = specl_config_bool(c, "eval.baselines");
    e.init_spec = &r->ms;
    e.seed = r->es.seed;
    cJSON *res = cJSON_CreateObject();
    if (!st) st = specl_evaluate_images(m, &e, res);
    char *txt = st ? NULL : cJSON_Print(res), path[4200];
    snprintf(path, sizeof path, "%s/eval.json", a->run);
    if (!st) st = specl_write_file_atomic(path, txt, strlen(txt));
    if (!st && a->json) printf("%s\n", txt);
    else if (!st) {
        printf("probes on %s un-augmented images (train %g, test %g); test accuracy:\n", specl_config_str(c, "data.kind"),
               cJSON_GetObjectItem(cJSON_GetObjectItem(res, "protocol"), "n_train")->valuedouble,
               cJSON_GetObjectItem(cJSON_GetObjectItem(res, "protocol"), "n_test")->valuedouble);
        const char *who[] = { "encoder", "random_init" };
        for (int i = 0; i < 2; i++) {
            const cJSON *o = cJSON_GetObjectItem(res, who[i]);
            if (!o) continue;
            print_probe_(who[i], cJSON_GetObjectItem(o, "features"));
            print_probe_(who[i], cJSON_GetObjectItem(o, "output"));
        }
        print_probe_("raw_pixels", cJSON_GetObjectItem(res, "raw_pixels"));
        printf("every protocol setting and number: %s\n", path);
    }
    free(txt);
    cJSON_Delete(res);
    specl_source_free(te);
    specl_source_free(tr);
    return st;
}

int cli_eval(int argc, char **argv) {
    cli_args a;
    int rc = cli_parse_args("eval", argc, argv, "--set --json", 1, &a);
    if (rc) return rc;
    specl_config c;
    run_objs r = { 0 };
    specl_model *m = NULL;
    if ((rc = open_run_("eval", &a, &c, &r, &m))) { specl_model_free(m); specl_source_free(r.src); specl_config_free(&c); return rc; }
    if (r.src->n_natural > 0) {
        int st = eval_images_(&a, &c, &r, m);
        specl_model_free(m);
        specl_source_free(r.src);
        specl_config_free(&c);
        return st ? cli_fail("eval", st) : 0;
    }
    cJSON *res = cJSON_CreateObject();
    int st = specl_evaluate(m, r.src, &r.es, res);
    if (!st) {
        char *txt = a.json ? cJSON_Print(res) : NULL;
        if (txt) printf("%s\n", txt);
        else {
            printf("population loss %.9g (%s)\n", cJSON_GetObjectItem(res, "loss")->valuedouble,
                   cJSON_IsTrue(cJSON_GetObjectItem(res, "loss_exact")) ? "exact" : "Monte-Carlo estimate");
            cJSON *cf = cJSON_GetObjectItem(res, "closed_form_loss");
            if (cJSON_IsNumber(cf)) printf("closed-form optimum of the class %.9g\n", cf->valuedouble);
            cJSON *it;
            cJSON_ArrayForEach(it, cJSON_GetObjectItem(res, "probe"))
                printf("probe %-12s error %.6g  accuracy %.4f\n", cJSON_GetObjectItem(it, "target")->valuestring,
                       cJSON_GetObjectItem(it, "error")->valuedouble, cJSON_GetObjectItem(it, "accuracy")->valuedouble);
        }
        free(txt);
    }
    cJSON_Delete(res);
    specl_model_free(m);
    specl_source_free(r.src);
    specl_config_free(&c);
    return st ? cli_fail("eval", st) : 0;
}

int cli_embed(int argc, char **argv) {
    cli_args a;
    int rc = cli_parse_args("embed", argc, argv, "--set --out --split", 1, &a);
    if (rc) return rc;
    if (!a.out) { fprintf(stderr, "specl embed: missing --out FILE.npy\n"); return 2; }
    size_t ol = strlen(a.out);
    if (ol < 5 || strcmp(a.out + ol - 4, ".npy") != 0) { fprintf(stderr, "specl embed: --out %s: expected a file name ending in .npy\n", a.out); return 2; }
    specl_config c;
    run_objs r = { 0 };
    specl_model *m = NULL;
    if ((rc = open_run_("embed", &a, &c, &r, &m))) { specl_model_free(m); specl_source_free(r.src); specl_config_free(&c); return rc; }
    int img = r.src->n_natural > 0;
    specl_source *split = NULL;
    int st = SPECL_OK;
    if (a.split && strcmp(a.split, "train") && strcmp(a.split, "test"))
        st = specl_error(SPECL_EINVAL, "--split %s: expected train or test", a.split);
    else if (a.split && !img)
        st = specl_error(SPECL_EINVAL, "--split: data.kind = %s has no train/test splits (image datasets have)", r.src->kind);
    else if (img) st = cli_image_source(&c, !a.split || !strcmp(a.split, "train"), &split);
    int64_t n = img ? (split ? split->n_natural : 0) : r.es.n_test;
    int L = r.src->n_labelings > 0 ? r.src->n_labelings : 1, k = m->k;
    float *f = st ? NULL : malloc(sizeof(float) * n * k);
    int32_t *lab = st ? NULL : malloc(sizeof(int32_t) * n * L);
    specl_batch b;
    if (!st) st = (!f || !lab) ? specl_error(SPECL_ENOMEM, "embeddings of %lld samples", (long long)n) : specl_batch_alloc(&b, 2048, r.src);
    specl_rng rng;
    specl_rng_derive(&rng, r.es.seed, "embed");
    if (!st && img) {   /* the un-augmented images of the split, in order, with their labels */
        float *x = malloc(sizeof(float) * (size_t)2048 * split->d);
        if (!x) st = specl_error(SPECL_ENOMEM, "a chunk of images");
        for (int64_t i = 0; i < n && !st; i += 2048) {
            int cnt = (int)(n - i < 2048 ? n - i : 2048);
            for (int j = 0; j < cnt && !st; j++)
                st = specl_source_natural(split, i + j, x + (size_t)j * split->d, lab + (size_t)(i + j) * L, NULL);
            if (!st) st = specl_model_apply(m, cnt, x, NULL, f + (size_t)i * k);
        }
        free(x);
        n = st ? 0 : n;
    }
    for (int64_t i = 0; i < n && !st && !img; i += 2048) {
        int cnt = (int)(n - i < 2048 ? n - i : 2048);
        st = specl_source_sample(r.src, cnt, &rng, &b);
        if (!st) st = specl_model_apply(m, cnt, b.x, b.view, f + (size_t)i * k);
        if (!st) memcpy(lab + (size_t)i * L, b.label, sizeof(int32_t) * cnt * L);
    }
    if (f && lab) specl_batch_free(&b);
    char lpath[4200];
    snprintf(lpath, sizeof lpath, "%.*s.labels.npy", (int)(ol - 4), a.out);
    int64_t fs[2] = { n, k }, ls[2] = { n, L };
    if (!st) st = specl_npy_write(a.out, SPECL_F32, 2, fs, f);
    if (!st) {
        st = specl_npy_write(lpath, SPECL_I32, 2, ls, lab);
        if (st) unlink(a.out);   /* no half of a pair left behind */
    }
    if (!st) fprintf(stderr, "specl embed: wrote %s (%lld x %d) and %s (%lld x %d; columns:", a.out, (long long)n, k, lpath, (long long)n, L);
    for (int j = 0; j < r.src->n_labelings && !st; j++) fprintf(stderr, " %s", r.src->labelings[j].name);
    if (!st) fprintf(stderr, ")\n");
    free(f); free(lab);
    specl_source_free(split);
    specl_model_free(m);
    specl_source_free(r.src);
    specl_config_free(&c);
    return st ? cli_fail("embed", st) : 0;
}
