/* `specl phim`: the Sec. 6 procedure (experiments/phim.c) from a config, and the φ_m table it
 * writes: DIR/phim.json (every point), DIR/phim.md and DIR/phim.csv (the Table 1-style table,
 * with the exact linear row where there is one), DIR/fig/phim.{svg,gp,csv} (φ_m against m per
 * architecture) and DIR/config.ini (the resolved config). The same spec builder serves the claims
 * C16 (estimator side) and C17 of `specl reproduce`. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "cli.h"
#include "sweep.h"
#include "specl/report.h"

/* Comma-separated list of numbers into v (at most cap); SPECL_EINVAL naming the key. */
static int parse_list_(const specl_config *c, const char *key, double *v, int cap, int *n) {
    const char *p = specl_config_str(c, key);
    *n = 0;
    while (*p) {
        char *end;
        double x = strtod(p, &end);
        if (end == p || (*end && *end != ','))
            return specl_error(SPECL_EINVAL, "%s: %s = '%s': expected comma-separated numbers", specl_config_origin(c, key), key,
                               specl_config_str(c, key));
        if (*n == cap) return specl_error(SPECL_EINVAL, "%s: %s: more than %d values", specl_config_origin(c, key), key, cap);
        v[(*n)++] = x;
        p = *end ? end + 1 : end;
    }
    if (*n == 0) return specl_error(SPECL_EINVAL, "%s: %s is empty: expected at least one value", specl_config_origin(c, key), key);
    return SPECL_OK;
}

int cli_phim_spec(const specl_config *c, const specl_source *train, const specl_source *test, cli_phim_store *st_,
                  specl_phim_spec *s) {
    memset(s, 0, sizeof *s);
    memset(st_, 0, sizeof *st_);
    double tmp[CLI_PHIM_MAX];
    int st = parse_list_(c, "phim.ms", tmp, CLI_PHIM_MAX, &st_->n_m);
    for (int i = 0; i < st_->n_m && !st; i++) {
        if (tmp[i] != floor(tmp[i]) || tmp[i] < 1 || tmp[i] > 65536)
            st = specl_error(SPECL_EINVAL, "%s: phim.ms: m = %g, expected an integer in [1, 65536]", specl_config_origin(c, "phim.ms"), tmp[i]);
        st_->ms[i] = (int)tmp[i];
    }
    if (!st) st = parse_list_(c, "phim.lambdas", st_->lambdas, CLI_PHIM_MAX, &st_->n_lambda);
    for (int i = 0; i < st_->n_lambda && !st; i++)
        if (!(st_->lambdas[i] > 0) || !isfinite(st_->lambdas[i]))
            st = specl_error(SPECL_EINVAL, "%s: phim.lambdas: lambda = %g, expected lambda > 0", specl_config_origin(c, "phim.lambdas"), st_->lambdas[i]);
    const char *p = specl_config_str(c, "phim.archs");
    while (!st && *p) {
        size_t l = strcspn(p, ",");
        if (st_->n_arch == CLI_PHIM_MAX) { st = specl_error(SPECL_EINVAL, "phim.archs: more than %d architectures", CLI_PHIM_MAX); break; }
        int a = st_->n_arch++;
        snprintf(st_->names[a], sizeof st_->names[a], "%.*s", (int)(l < 31 ? l : 31), p);
        st_->name_ptr[a] = st_->names[a];
        st = cli_model_spec(c, train, &st_->arch[a]);
        st_->arch[a].cls = st_->names[a];
        if (!st && !strcmp(st_->names[a], "table")) st_->arch[a].table_rows = train->n_support;   /* 0: create says why */
        specl_model *probe = NULL;   /* the class checks its own name and parameters */
        if (!st) st = specl_model_create(&st_->arch[a], 2, &probe);
        if (st == SPECL_EINVAL) {
            char msg[900];
            snprintf(msg, sizeof msg, "%s", specl_error_detail());
            st = specl_error(st, "%s: phim.archs: architecture '%s': %s", specl_config_origin(c, "phim.archs"), st_->names[a], msg);
        }
        specl_model_free(probe);
        p += l + (p[l] == ',');
    }
    if (!st && st_->n_arch == 0) st = specl_error(SPECL_EINVAL, "%s: phim.archs is empty", specl_config_origin(c, "phim.archs"));
    specl_train_spec ts;
    if (!st) st = cli_train_spec(c, &ts, NULL);
    if (st) return st;
    s->train_src = train; s->test_src = test;
    s->n_arch = st_->n_arch; s->arch = st_->arch; s->arch_names = (const char *const *)st_->name_ptr;
    s->n_m = st_->n_m; s->ms = st_->ms;
    s->n_lambda = st_->n_lambda; s->lambdas = st_->lambdas;
    s->train = ts;   /* unresolved: the points resolve it at their own λ */
    s->pretrain = s->train;
    s->pretrain.steps = (long)specl_config_int(c, "phim.pretrain_steps");
    s->pretrain.loss.lambda = specl_config_double(c, "phim.pretrain_lambda");
    s->pretrain_k = (int)specl_config_int(c, "phim.pretrain_k");
    s->eval_pairs = (long)specl_config_int(c, "phim.eval_pairs");
    s->moment_pairs = (long)specl_config_int(c, "phim.moment_pairs");
    s->exact_linear = s->exact_table = specl_config_bool(c, "phim.exact");
    s->linear_steps = (long)specl_config_int(c, "phim.linear_steps");
    s->linear_lr = specl_config_double(c, "phim.linear_lr");
    s->linear_moments = specl_config_bool(c, "phim.linear_moments");
    s->nonlinear_steps = (long)specl_config_int(c, "phim.nonlinear_steps");
    s->replicates = (int)specl_config_int(c, "phim.seeds");
    s->seed = (uint64_t)specl_config_int(c, "seed");
    return specl_phim_check(s);
}

/* --quick: at most 2000 evaluation pairs and 20000 moment pairs, a quarter of the linear class's
 * full-batch steps (at least 200); on images at most 5000 training
 * and 2000 test images. `full` (specl phim --quick) also cuts the steps to a quarter and, on images,
 * the λ grid to 1, 10, 100; reproduce --quick has already cut the steps and keeps the claim's grid.
 * Applied after the file and before --set. */
int cli_phim_quick(specl_config *c, int full) {
    char v[160];
    int st = SPECL_OK;
#define SETF(...) do { if (!st) { snprintf(v, sizeof v, __VA_ARGS__); st = specl_config_set(c, v); } } while (0)
    long long sub = specl_config_int(c, "data.subset"), tsub = specl_config_int(c, "data.test_subset");
    if (cli_is_image_kind(specl_config_str(c, "data.kind"))) {
        if (sub == 0 || sub > 5000) SETF("data.subset=5000");
        if (tsub == 0 || tsub > 2000) SETF("data.test_subset=2000");
        if (full) SETF("phim.lambdas=1,10,100");
    }
    long long ts = specl_config_int(c, "train.steps"), pre = specl_config_int(c, "phim.pretrain_steps");
    if (full) SETF("train.steps=%lld", ts / 4 > 50 ? ts / 4 : (ts < 50 ? ts : 50));
    SETF("phim.pretrain_steps=%lld", pre / 4 > 50 ? pre / 4 : (pre < 50 ? pre : 50));
    if (specl_config_int(c, "phim.eval_pairs") > 2000) SETF("phim.eval_pairs=2000");
    if (specl_config_int(c, "phim.moment_pairs") > 20000) SETF("phim.moment_pairs=20000");
    long long ls = specl_config_int(c, "phim.linear_steps");
    if (ls > 200) SETF("phim.linear_steps=%lld", ls / 4 > 200 ? ls / 4 : 200);
#undef SETF
    return st;
}

typedef struct progress_ { const specl_phim_spec *s; int quiet; double t0; const cli_sweep *w; } progress_;

/* The flat index of a point: (a·n_m + mi)·n_lambda + li. */
static size_t point_index_(const specl_phim_spec *s, int a, int mi, int li) {
    return ((size_t)a * s->n_m + mi) * s->n_lambda + li;
}

/* Under mpirun point p runs on rank p mod P (sweep.h); one process runs them all. */
static int point_mine_(int a, int mi, int li, void *ctx) {
    progress_ *p = ctx;
    return cli_sweep_mine(p->w, point_index_(p->s, a, mi, li));
}

static int point_cb_(int a, int mi, int li, double phi, void *ctx) {
    progress_ *p = ctx;
    if (!p->quiet) {
        struct timespec t;
        clock_gettime(CLOCK_MONOTONIC, &t);
        char rank[40] = "";
        if (p->w->comm.size > 1) snprintf(rank, sizeof rank, " (MPI rank %d of %d)", p->w->comm.rank, p->w->comm.size);
        fprintf(stderr, "  [%6.0f s] %-8s m = %-4d lambda = %-6g phi = %s%.5g%s\n", (double)t.tv_sec + 1e-9 * t.tv_nsec - p->t0,
                p->s->arch_names[a], p->s->ms[mi], p->s->lambdas[li], isfinite(phi) ? "" : "(skipped: singular covariance) ",
                isfinite(phi) ? phi : 0.0, rank);
    }
    return 0;
}

/* Every rank's points to rank 0: each sends its φ and seconds of every point (n_pts each) and its
 * exactness flags (n_arch), as doubles; rank 0 keeps point p from rank p mod P, the one that ran it
 * (so "not run here" never mixes with "skipped", which is a NAN φ), and an architecture's alignment
 * is exact if it was on every rank. The exact rows and the pretraining times stay rank 0's own: every
 * rank computes them the same way. One process: its own results, unchanged. */
static int gather_points_(const cli_sweep *w, const specl_phim_spec *s, specl_phim_result *r) {
    size_t np = (size_t)s->n_arch * s->n_m * s->n_lambda, nd = 2 * np + (size_t)s->n_arch;
    double *mine = malloc(sizeof(double) * nd);
    for (size_t i = 0; mine && i < np; i++) { mine[i] = r->phi[i]; mine[np + i] = r->seconds[i]; }
    for (int a = 0; mine && a < s->n_arch; a++) mine[2 * np + a] = r->exact[a];
    char *all = NULL;
    size_t *lens = NULL;   /* every rank sends, even nothing (rank 0 then refuses the short record) */
    int st = specl_comm_gather_bytes(&w->comm, mine, mine ? sizeof(double) * nd : 0, 0, &all, &lens);
    free(mine);
    if (st || w->comm.rank != 0) { free(all); free(lens); return st; }
    size_t at = 0, *from = malloc(sizeof *from * (size_t)w->comm.size);
    if (!from) st = specl_error(SPECL_ENOMEM, "phim: gathering from %d ranks", w->comm.size);
    for (int q = 0; q < w->comm.size && !st; at += lens[q++]) {
        from[q] = at;
        if (lens[q] != sizeof(double) * nd)
            st = specl_error(SPECL_ENOMEM, "phim: MPI rank %d sent %zu bytes of results, expected %zu", q, lens[q], sizeof(double) * nd);
    }
    for (size_t p = 0; p < np && !st; p++) {   /* records start at multiples of 8 bytes of a malloc'd block */
        const double *v = (const double *)(all + from[p % (size_t)w->comm.size]);
        r->phi[p] = v[p];
        r->seconds[p] = v[np + p];
    }
    for (int q = 0; q < w->comm.size && !st; q++)
        for (int a = 0; a < s->n_arch; a++)
            if (((const double *)(all + from[q]))[2 * np + (size_t)a] == 0) r->exact[a] = 0;
    free(from); free(all); free(lens);
    return st;
}

static int write_text_(const char *dir, const char *name, const specl_str *s) {
    char path[4200];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return specl_write_file_atomic(path, s->buf ? s->buf : "", s->len);
}

/* phim.md and phim.csv: one row per architecture (and the exact rows), one column per m. */
static int write_tables_(const char *dir, const specl_phim_spec *s, const specl_phim_result *r) {
    specl_str md = { 0 }, csv = { 0 };
    specl_str_printf(&md, "# phi_m (Sec. 6): minimum over lambda of the whitened alignment\n\n| architecture |");
    specl_str_printf(&csv, "\"architecture\"");
    for (int i = 0; i < s->n_m; i++) { specl_str_printf(&md, " m = %d |", s->ms[i]); specl_str_printf(&csv, ",\"m=%d\"", s->ms[i]); }
    specl_str_printf(&md, "\n|---|");
    specl_str_printf(&csv, "\n");
    for (int i = 0; i < s->n_m; i++) specl_str_printf(&md, "---|");
    specl_str_printf(&md, "\n");
    for (int a = 0; a < s->n_arch + 2; a++) {
        const double *row = a < s->n_arch ? r->best + (size_t)a * r->n_m : a == s->n_arch ? r->linear_exact : r->table_exact;
        int any = 0;
        for (int i = 0; i < s->n_m; i++) any |= isfinite(row[i]);
        if (a >= s->n_arch && !any) continue;
        const char *name = a < s->n_arch ? s->arch_names[a] : a == s->n_arch ? "linear (exact)" : "table (exact)";
        specl_str_printf(&md, "| %s |", name);
        specl_str_printf(&csv, "\"%s\"", name);
        for (int i = 0; i < s->n_m; i++) {
            if (isfinite(row[i])) { specl_str_printf(&md, " %.4f |", row[i]); specl_str_printf(&csv, ",%.9g", row[i]); }
            else { specl_str_printf(&md, " — |"); specl_str_printf(&csv, ","); }
        }
        specl_str_printf(&md, "\n");
        specl_str_printf(&csv, "\n");
    }
    specl_str_printf(&md, "\nlambda grid:");
    for (int j = 0; j < s->n_lambda; j++) specl_str_printf(&md, " %g", s->lambdas[j]);
    specl_str_printf(&md, "; pretraining at k = %d; alignment over %ld test pairs unless exact. The paper's Table 1 is on "
                     "CIFAR-10 (ResNet-18 0.131 / 0.166 / 0.224 / 0.521) and is not expected to match.\n", s->pretrain_k, s->eval_pairs);
    int st = write_text_(dir, "phim.md", &md);
    if (!st) st = write_text_(dir, "phim.csv", &csv);
    specl_str_free(&md);
    specl_str_free(&csv);
    return st;
}

/* Under mpirun (docs/mpi.md) the points are dealt to the ranks (point_mine_); every rank sets up the
 * same spec and pretrains the architectures itself (deterministic), rank 0 gathers the points and
 * alone writes. */
int cli_phim(int argc, char **argv) {
    cli_sweep w;
    cli_sweep_begin(&w, "phim");
    int lead = w.comm.rank == 0, loaded = 0, st = SPECL_OK;
    cli_args a;
    specl_config c;
    int rc = cli_parse_args("phim", argc, argv, "-c --set --out --quick --quiet", 0, &a);
    if (!rc && !a.out) { fprintf(stderr, "specl phim: missing --out DIR\n"); rc = 2; }
    if (!rc) {
        cli_args b = a;
        b.n_sets = 0;
        rc = cli_load_config("phim", &b, &c);
        loaded = 1;
    }
    if (!rc && a.quick) st = cli_phim_quick(&c, 1);
    for (int i = 0; !rc && i < a.n_sets && !st; i++) st = specl_config_set(&c, a.sets[i]);
    if (!rc && !st) cli_apply_threads(&c);
    specl_source *tr = NULL, *te = NULL;
    if (!rc && !st) {
        int img = cli_is_image_kind(specl_config_str(&c, "data.kind"));
        st = img ? cli_image_source(&c, 1, &tr) : cli_make_source(&c, &tr);
        if (!st) st = img ? cli_image_source(&c, strcmp(specl_config_str(&c, "phim.eval_split"), "train") == 0, &te)
                      : cli_make_source(&c, &te);
    }
    cli_phim_store store;
    specl_phim_spec s;
    if (!rc && !st) st = cli_phim_spec(&c, tr, te, &store, &s);
    char fig[4200];
    if (!rc) snprintf(fig, sizeof fig, "%s/fig", a.out);
    if (!rc && !st && lead) st = cli_mkdirs(fig);   /* fails early, before hours of training, on an unusable --out */
    specl_phim_result r = { 0 };
    rc = cli_sweep_agree(&w, rc, st);
    progress_ pr = { &s, a.quiet, 0, &w };
    if (!rc) {
        struct timespec t0;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        pr.t0 = (double)t0.tv_sec + 1e-9 * t0.tv_nsec;
        s.point = point_mine_;
        s.point_cb = point_cb_;
        s.point_ctx = &pr;
        rc = cli_sweep_agree(&w, 0, specl_phim_run(&s, &r));   /* a rank that failed stopped its points early */
    }
    if (!rc && (st = gather_points_(&w, &s, &r)) && !lead) rc = cli_sweep_exit_status(st);   /* rank 0 reports */
    if (!rc && lead && !st) {
        specl_phim_reduce(&r, s.lambdas);
        cJSON *root = specl_phim_to_json(&s, &r);
        specl_str cfg = { 0 };
        specl_config_render(&c, &cfg);
        cJSON_AddStringToObject(root, "config", cfg.buf ? cfg.buf : "");
        char *txt = cJSON_Print(root), path[4200];
        snprintf(path, sizeof path, "%s/phim.json", a.out);
        st = specl_write_file_atomic(path, txt, strlen(txt));
        if (!st) st = write_text_(a.out, "config.ini", &cfg);
        if (!st) st = write_tables_(a.out, &s, &r);
        specl_claim tmp = { 0 };   /* the figure spec of the C17 record, drawn on its own */
        cJSON *f = specl_fig_new(&tmp, "phim", "phi_m against m (minimum over lambda)", "m", "φ_m");
        double x[CLI_PHIM_MAX], y[CLI_PHIM_MAX];
        for (int i = 0; i < s.n_m; i++) x[i] = s.ms[i];
        for (int k = 0; k < s.n_arch; k++) {
            for (int i = 0; i < s.n_m; i++) y[i] = r.best[(size_t)k * r.n_m + i];
            specl_fig_series(f, s.arch_names[k], x, y, s.n_m, "linespoints");
        }
        int anyl = 0;
        for (int i = 0; i < s.n_m; i++) anyl |= isfinite(r.linear_exact[i]);
        if (anyl) specl_fig_series(f, "linear (exact)", x, r.linear_exact, s.n_m, "lines");
        if (s.n_m > 1) specl_fig_log(f, 1, 0);
        /* The tables are the result; a plot gnuplot cannot draw is reported, not fatal. */
        if (!st && specl_report_figure_write(f, fig) != SPECL_OK)
            fprintf(stderr, "specl phim: warning: no plot: %s\n", specl_error_detail());
        cJSON_Delete(tmp.figures);
        free(txt);
        specl_str_free(&cfg);
        cJSON_Delete(root);
        if (!st && !a.quiet) fprintf(stderr, "specl phim: table in %s/phim.md, every point in %s/phim.json, plot in %s/fig/phim.svg\n",
                                     a.out, a.out, a.out);
    }
    specl_phim_result_free(&r);
    specl_source_free(tr);
    specl_source_free(te);
    if (loaded) specl_config_free(&c);
    if (rc) return rc;
    return st ? cli_fail("phim", st) : 0;
}
