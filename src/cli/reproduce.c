/* `specl reproduce`: run every claim config of experiments/ (or --only some), write
 * DIR/results.json ({"claims", "settings", "versions"}), then the report rendered from the claim
 * records (specl/report.h: DIR/report.md, DIR/index.html, DIR/fig/). Exit status 0 when every
 * claim ran (holds or not is in the records), 1 when a claim could not be measured. Under mpirun
 * the claim files are shared by the ranks (sweep.h, docs/mpi.md). */
#include <cblas.h>
#include <dirent.h>
#include <stdint.h>
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>
#include "cli.h"
#include "sweep.h"
#include "specl/report.h"

/* claim.part, "" for none (a claim with one procedure). */
static const char *part_(const specl_config *c) {
    const char *p = specl_config_str(c, "claim.part");
    return strcmp(p, "none") ? p : "";
}

static int cmp_str_(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static int tty_progress_(const specl_step_info *s, void *ctx) {
    if ((s->step % 500 == 0 || s->step + 1 == s->steps) && *(int *)ctx)
        fprintf(stderr, "\r  step %ld/%ld loss %.5f   ", s->step + 1, s->steps, s->loss);
    return 0;
}

static void hc_spec_(const specl_config *c, const specl_source *src, const specl_train_spec *t, specl_hc_claim_spec *h) {
    memset(h, 0, sizeof *h);
    h->id = specl_config_str(c, "claim.id");
    h->data.d = (int)specl_config_int(c, "data.d");
    h->data.s = (int)specl_config_int(c, "data.s");
    h->data.tau_lo = specl_config_double(c, "data.tau_lo");
    h->data.tau_hi = specl_config_double(c, "data.tau_hi");
    h->data.labels = src->n_labelings ? specl_config_str(c, "data.labels") : "";
    if (!strcmp(h->data.labels, "auto")) h->data.labels = "x*";
    h->data.label_seed = (uint64_t)specl_config_int(c, "data.label_seed");
    cli_model_spec(c, src, &h->model);
    h->train = *t;   /* unresolved: claims resolve the budget per swept lambda */
    cli_eval_spec(c, &h->eval);
    h->seeds = (int)specl_config_int(c, "claim.seeds");
    h->ks = specl_config_str(c, "claim.ks");
    h->lambdas = specl_config_str(c, "claim.lambdas");
    h->tol = specl_config_double(c, "claim.tol");
}

static void example_spec_(const specl_config *c, const specl_source *src, const specl_train_spec *t, specl_example_claim_spec *h) {
    memset(h, 0, sizeof *h);
    h->id = specl_config_str(c, "claim.id");
    h->src = src;
    cli_model_spec(c, src, &h->model);
    h->train = *t;   /* unresolved: claims resolve the budget per swept lambda */
    cli_eval_spec(c, &h->eval);
    h->seeds = (int)specl_config_int(c, "claim.seeds");
    h->ks = specl_config_str(c, "claim.ks");
    h->tol = specl_config_double(c, "claim.tol");
    h->r = (int)specl_config_int(c, "data.r");
    h->s = (int)specl_config_int(c, "data.s");
    h->gamma = specl_config_double(c, "data.gamma");
    h->rho = specl_config_double(c, "data.rho");
    h->kappa_factor = specl_config_double(c, "claim.kappa_factor");
}

static void graph_spec_(const specl_config *c, const specl_source *src, const specl_train_spec *t, specl_graph_claim_spec *h) {
    memset(h, 0, sizeof *h);
    h->id = specl_config_str(c, "claim.id");
    cli_clusters_params(c, &h->data);
    cli_model_spec(c, src, &h->model);
    h->train = *t;   /* unresolved: claims resolve the budget per swept lambda */
    cli_eval_spec(c, &h->eval);
    h->graphs = (int)specl_config_int(c, "claim.graphs");
    h->tol = specl_config_double(c, "claim.tol");
}

/* Run one experiment file; append its record to claims and its resolved config to settings. */
/* --quick: a quarter of the training steps, at most 3 seeds,
 * 40 random graphs, λ ≤ 1 in sweeps, 5000 probe samples and 10^5 Monte-Carlo pairs. Applied after
 * the file and before --set, so --set still wins. */
static int quick_(specl_config *c) {
    char v[160];
    long long steps = specl_config_int(c, "train.steps"), seeds = specl_config_int(c, "claim.seeds");
    int st = SPECL_OK;
#define SETF(...) do { if (!st) { snprintf(v, sizeof v, __VA_ARGS__); st = specl_config_set(c, v); } } while (0)
    SETF("train.steps=%lld", steps / 4 > 200 ? steps / 4 : (steps < 200 ? steps : 200));
    if (seeds > 3) SETF("claim.seeds=3");
    if (specl_config_int(c, "claim.graphs") > 40) SETF("claim.graphs=40");
    if (specl_config_int(c, "eval.n_train") > 5000) SETF("eval.n_train=5000");
    if (specl_config_int(c, "eval.n_test") > 5000) SETF("eval.n_test=5000");
    if (specl_config_int(c, "eval.pop_pairs") > 100000) SETF("eval.pop_pairs=100000");
    char lams[140] = "";
    const char *p = specl_config_str(c, "claim.lambdas");
    for (size_t off = 0; *p;) {            /* keep the λ ≤ 1 of the sweep (the first one if none) */
        char *end;
        double l = strtod(p, &end);
        if (end == p) break;
        if ((l <= 1 || !lams[0]) && off < sizeof lams - 24) off += (size_t)snprintf(lams + off, sizeof lams - off, "%s%.*s", off ? "," : "", (int)(end - p), p);
        p = end + strspn(end, ", ");
    }
    if (lams[0]) SETF("claim.lambdas=%s", lams);
#undef SETF
    return st;
}

/* --quick, then the file's own claim.quick: space-separated key=value settings (each applied and
 * checked as --set is) for what the generic cuts would make meaningless, e.g. a sample size that
 * a tolerance depends on. */
static int claim_quick_(specl_config *c, const char *path) {
    const char *p = specl_config_str(c, "claim.quick");
    int st = SPECL_OK;
    if (!strcmp(p, "none")) return st;
    char v[256], why[512];
    while (!st) {
        p += strspn(p, " \t");
        size_t n = strcspn(p, " \t");
        if (!n) break;
        if (n >= sizeof v) return specl_error(SPECL_EINVAL, "%s: claim.quick: a setting longer than %zu characters: '%.40s...'",
                                              path, sizeof v - 1, p);
        memcpy(v, p, n);
        v[n] = 0;
        if ((st = specl_config_set(c, v))) {
            snprintf(why, sizeof why, "%s", specl_error_detail());   /* the detail buffer is reused by specl_error */
            specl_error(st, "%s: claim.quick: %s", path, why);
        }
        p += n;
    }
    return st;
}

/* Under mpirun, `rank` names this rank in the progress lines ("" for one process). The claim's
 * row of the registry (claim.id, claim.part) says which spec to build and runs it. Returns 0, a
 * status to report, or minus the exit status of a config error already reported. */
static int run_one_(const char *path, const cli_args *a, int quick, const char *rank, cJSON *claims, cJSON *settings) {
    specl_config c;
    cli_args b = *a;
    b.config = path;
    b.n_sets = 0;
    int rc = cli_load_config("reproduce", &b, &c), st = SPECL_OK;
    const specl_claim_def *def = NULL;
    if (!rc && !strcmp(specl_config_str(&c, "claim.id"), "none"))
        st = specl_error(SPECL_EINVAL, "%s: no [claim] id (expected claim.id = C01 ... C17)", path);
    if (!rc && !st && (st = specl_claim_find(specl_config_str(&c, "claim.id"), part_(&c), &def))) {
        char why[512];
        snprintf(why, sizeof why, "%s", specl_error_detail());
        specl_error(st, "%s: %s", path, why);
    }
    if (rc || st) { specl_config_free(&c); return rc ? -rc : st; }
    int phim = def->kind == SPECL_CLAIM_PHIM;
    if (quick) st = quick_(&c);
    if (quick && phim && !st) st = cli_phim_quick(&c, 0);
    if (quick && !st) st = claim_quick_(&c, path);
    for (int i = 0; i < a->n_sets && !st; i++) st = specl_config_set(&c, a->sets[i]);
    /* a --set of claim.id or claim.part picks another row */
    if (!st) st = specl_claim_find(specl_config_str(&c, "claim.id"), part_(&c), &def);
    if (!st && (st = specl_claim_check_control(def, specl_config_str(&c, "claim.control")))) {
        char why[512];
        snprintf(why, sizeof why, "%s", specl_error_detail());
        specl_error(st, "%s: %s", path, why);
    }
    if (st) { specl_config_free(&c); return st; }   /* st (a bad --set): reported once by rank 0 */
    phim = def->kind == SPECL_CLAIM_PHIM;
    cli_apply_threads(&c);
    specl_source *src = NULL, *test = NULL;
    st = cli_make_source(&c, &src);
    if (!st && phim) st = cli_is_image_kind(specl_config_str(&c, "data.kind"))
                      ? cli_image_source(&c, strcmp(specl_config_str(&c, "phim.eval_split"), "train") == 0, &test)
                      : cli_make_source(&c, &test);
    specl_train_spec ts;   /* read once; each claim resolves it (budget scaled per lambda) */
    if (!st) st = cli_train_spec(&c, &ts, NULL);
    specl_claim rec = { 0 };
    int tty = isatty(2);
    clock_t t0 = clock();
    if (!st) {
        fprintf(stderr, "%s%s%s (%s%s)\n", def->id, *def->part ? " " : "", def->part, path, rank);
        specl_claim_args ca = { def, specl_config_str(&c, "claim.control"), NULL, NULL, NULL, NULL, 0, tty_progress_, &tty };
        specl_hc_claim_spec h;
        specl_graph_claim_spec g;
        specl_example_claim_spec e;
        cli_phim_store store;
        specl_phim_spec ps;
        switch (def->kind) {
        case SPECL_CLAIM_HYPERCUBE: hc_spec_(&c, src, &ts, &h); ca.hc = &h; break;
        case SPECL_CLAIM_GRAPH: graph_spec_(&c, src, &ts, &g); ca.graph = &g; break;
        case SPECL_CLAIM_EXAMPLE: example_spec_(&c, src, &ts, &e); ca.example = &e; break;
        case SPECL_CLAIM_PHIM:
            st = cli_phim_spec(&c, src, test, &store, &ps);
            ps.step_cb = tty_progress_;
            ps.step_ctx = &tty;
            ca.phim = &ps;
            ca.tol = specl_config_double(&c, "claim.tol");
            break;
        }
        if (!st) st = specl_claim_run(&ca, &rec);
        if (tty) fprintf(stderr, "\r%60s\r", "");
    }
    if (!st) {
        fprintf(stderr, "  %s%s%s: %s (%.1f s cpu%s)\n", rank[0] ? rec.id : "", rank[0] ? " " : "",   /* ranks interleave: name it */
                rec.holds ? "holds" : "FAILS", rec.measured, (double)(clock() - t0) / CLOCKS_PER_SEC, rank);
        cJSON *rj = specl_claim_to_json(&rec);
        cJSON_AddStringToObject(rj, "part", def->part);
        cJSON_AddStringToObject(rj, "file", def->file);
        cJSON_AddStringToObject(rj, "control", specl_config_str(&c, "claim.control"));
        cJSON_AddItemToArray(claims, rj);
        specl_str s = { 0 };
        specl_config_render(&c, &s);
        const char *stem = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;   /* "C03-table.ini" */
        char key[64];
        snprintf(key, sizeof key, "%.*s", (int)strcspn(stem, "."), stem);
        cJSON_AddStringToObject(settings, key, s.buf ? s.buf : "");
        specl_str_free(&s);
    } else {
        specl_claim_clear(&rec);
    }
    specl_source_free(src);
    specl_source_free(test);
    specl_config_free(&c);
    return st;
}

/* Can `mkdir -p dir` succeed later? dir is a directory, or its nearest existing ancestor is a
 * writable directory. Checked before the claims run, without creating anything. */
static int out_usable_(const char *dir) {
    char p[4096];
    snprintf(p, sizeof p, "%s", dir);
    for (;;) {
        struct stat sb;
        if (stat(p, &sb) == 0) {
            if (!S_ISDIR(sb.st_mode)) return specl_error(SPECL_EIO, "%s: cannot create directory %s under it (not a directory)", p, dir);
            if (access(p, W_OK) != 0) return specl_error(SPECL_EIO, "%s: cannot create directory %s under it (not writable)", p, dir);
            return SPECL_OK;
        }
        char *slash = strrchr(p, '/');
        if (!slash) return SPECL_OK;              /* a relative name under the (writable) working directory */
        if (slash == p) { p[1] = 0; continue; }
        *slash = 0;
    }
}

/* Does the file id ("C03" or "C03-table") match one of the comma-separated ids of --only? */
static int only_match_(const char *only, const char *id) {
    size_t il = strcspn(id, "-");
    for (const char *p = only; *p;) {
        size_t l = strcspn(p, ",");
        if ((l == strlen(id) || l == il) && strncasecmp(p, id, l) == 0) return 1;
        p += l + (p[l] == ',');
    }
    return 0;
}

/* Flags and the sorted claim files (--only applied); the exit status of a failure, reported. */
static int files_(int argc, char **argv, cli_args *a, char **files, int *n) {
    *n = 0;
    int rc = cli_parse_args("reproduce", argc, argv, "--only --experiments --set --out --quick", 0, a);
    if (rc) return rc;
    if (!a->out) { fprintf(stderr, "specl reproduce: missing --out DIR\n"); return 2; }
    const char *exp = a->experiments ? a->experiments : "experiments";
    DIR *dir = opendir(exp);
    if (!dir) { fprintf(stderr, "specl reproduce: %s: cannot open the experiments directory (run from the repository root or pass --experiments DIR)\n", exp); return 2; }
    for (struct dirent *e; (e = readdir(dir)) && *n < 256;) {
        size_t l = strlen(e->d_name);
        if (l > 4 && !strcmp(e->d_name + l - 4, ".ini")) {
            char id[64];
            snprintf(id, sizeof id, "%.*s", (int)(l - 4), e->d_name);
            if (a->only && !only_match_(a->only, id)) continue;
            files[*n] = malloc(strlen(exp) + l + 2);
            sprintf(files[(*n)++], "%s/%s", exp, e->d_name);
        }
    }
    closedir(dir);
    qsort(files, (size_t)*n, sizeof *files, cmp_str_);
    if (*n == 0) { fprintf(stderr, "specl reproduce: no experiment matches in %s%s%s\n", exp, a->only ? " for --only " : "", a->only ? a->only : ""); return 2; }
    return 0;
}

/* Rank 0: the records of every rank (text from specl_comm_gather_bytes: rank r's {"claims",
 * "settings"} at lens[r]) into claims and settings in file order: file i is record i / P of rank
 * i mod P. One process goes the same way, so its results are those of P ranks by construction. */
static int merge_(const char *all, const size_t *lens, int size, int n, cJSON *claims, cJSON *settings) {
    cJSON **part = calloc((size_t)size, sizeof *part);
    int st = part ? SPECL_OK : specl_error(SPECL_ENOMEM, "reproduce: records of %d ranks", size);
    for (int r = 0; r < size && !st; all += lens[r++])
        if (!(part[r] = cJSON_ParseWithLength(all, lens[r])))
            st = specl_error(SPECL_EFORMAT, "reproduce: the records of MPI rank %d could not be read back", r);
    for (int i = 0; i < n && !st; i++) {
        cJSON *c = cJSON_GetObjectItemCaseSensitive(part[i % size], "claims");
        cJSON *s = cJSON_GetObjectItemCaseSensitive(part[i % size], "settings");
        cJSON *rec = c ? c->child : NULL, *set = s ? s->child : NULL;
        if (!rec || !set || !set->string) { st = specl_error(SPECL_EFORMAT, "reproduce: MPI rank %d sent fewer records than files", i % size); break; }
        cJSON_AddItemToArray(claims, cJSON_DetachItemViaPointer(c, rec));
        cJSON_DetachItemViaPointer(s, set);
        cJSON_AddItemToObject(settings, set->string, set);   /* copies the key before freeing the old one */
    }
    for (int r = 0; part && r < size; r++) cJSON_Delete(part[r]);
    free(part);
    return st;
}

/* Every rank must deal the same list of files, but on a cluster each reads the experiments directory
 * on its own node: rank 0's status and an FNV-1a hash of its names go to every rank, which compares
 * them with its own. A collective: every rank calls it, whatever its status rc. */
static int same_files_(const specl_comm *comm, int rc, char *const *files, int n, const cli_args *a) {
    uint64_t h = 1469598103934665603ULL;
    for (int i = 0; i < n; i++)
        for (const char *c = files[i];; c++) {
            h = (h ^ (unsigned char)*c) * 1099511628211ULL;
            if (!*c) break;
        }
    uint64_t zero[2] = { (uint64_t)rc, h };
    int st = specl_comm_bcast(comm, zero, sizeof zero, 0);
    if (st || rc || zero[0] || zero[1] == h) return st;
    return specl_error(SPECL_EINVAL, "%s: the claim files differ from those MPI rank 0 found (each rank reads the "
                       "experiments directory on its own node)", a->experiments ? a->experiments : "experiments");
}

/* Under mpirun (docs/mpi.md) the claim files are dealt to the ranks, file i to rank i mod P; each
 * rank runs its own, every rank agrees on the outcome, and rank 0 gathers the records in file order
 * and alone writes results.json and the report. */
int cli_reproduce(int argc, char **argv) {
    cli_sweep w;
    cli_sweep_begin(&w, "reproduce");
    int lead = w.comm.rank == 0, n = 0;
    cli_args a;
    char *files[256];
    int rc = files_(argc, argv, &a, files, &n);
    /* an unusable --out fails before any claim runs; it is rank 0's to write */
    int st = !rc && lead ? out_usable_(a.out) : SPECL_OK;
    int same = same_files_(&w.comm, rc, files, n, &a);   /* every rank calls it */
    if (!st) st = same;
    if ((rc = cli_sweep_agree(&w, rc, st))) {
        for (int i = 0; i < n; i++) free(files[i]);
        return rc;
    }
    char rank[48] = "";
    if (w.comm.size > 1) snprintf(rank, sizeof rank, ", MPI rank %d of %d", w.comm.rank, w.comm.size);
    cJSON *mine = cJSON_CreateObject(), *mc = cJSON_AddArrayToObject(mine, "claims"), *ms = cJSON_AddObjectToObject(mine, "settings");
    for (int i = 0; i < n && !st && !rc; i++)
        if (cli_sweep_mine(&w, (size_t)i)) {
            st = run_one_(files[i], &a, a.quick, rank, mc, ms);
            if (st < 0) { rc = -st; st = SPECL_OK; }   /* reported (a config file's error) */
        }
    for (int i = 0; i < n; i++) free(files[i]);
    if ((rc = cli_sweep_agree(&w, rc, st))) { cJSON_Delete(mine); return rc; }
    char *txt = cJSON_PrintUnformatted(mine), *all = NULL;
    cJSON_Delete(mine);
    size_t *lens = NULL;
    /* every rank sends, even a record it could not print (empty: rank 0 then fails to read it) */
    st = specl_comm_gather_bytes(&w.comm, txt ? txt : "", txt ? strlen(txt) : 0, 0, &all, &lens);
    free(txt);
    if (!lead) { free(all); return st ? cli_sweep_exit_status(st) : 0; }   /* rank 0 reports */
    cJSON *root = cJSON_CreateObject(), *claims = cJSON_AddArrayToObject(root, "claims");
    cJSON *settings = cJSON_AddObjectToObject(root, "settings"), *ver = cJSON_AddObjectToObject(root, "versions");
    cJSON_AddStringToObject(ver, "specl", SPECL_VERSION);
    cJSON_AddStringToObject(ver, "openblas", openblas_get_config());
    cJSON_AddBoolToObject(root, "quick", a.quick);
    if (!st) st = merge_(all, lens, w.comm.size, n, claims, settings);
    free(all);
    free(lens);
    char path[4200];
    if (!st) st = cli_mkdirs(a.out);
    txt = st ? NULL : cJSON_Print(root);
    if (!st && !txt) st = specl_error(SPECL_ENOMEM, "reproduce: results.json");
    snprintf(path, sizeof path, "%s/results.json", a.out);
    if (!st) st = specl_write_file_atomic(path, txt, strlen(txt));
    free(txt);
    if (!st) st = specl_report_write(root, a.out);   /* report.md, index.html, fig/ */
    int total = cJSON_GetArraySize(claims), n_hold = 0;
    for (cJSON *c = claims->child; c; c = c->next) n_hold += cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(c, "holds"));
    cJSON_Delete(root);
    if (st) return cli_fail("reproduce", st);
    printf("specl reproduce: %d of %d claims hold; results in %s/results.json, report in %s/index.html and %s/report.md\n",
           n_hold, total, a.out, a.out, a.out);
    return 0;
}

/* `specl claims [--json]`: the registry, one row per claim part (the README's claims table). */
int cli_claims(int argc, char **argv) {
    int json = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--json")) json = 1;
        else { fprintf(stderr, "specl claims: unknown argument '%s' (expected --json)\n", argv[i]); return 2; }
    }
    int n;
    const specl_claim_def *d = specl_claim_defs(&n);
    if (json) {
        cJSON *a = cJSON_CreateArray();
        for (int i = 0; i < n; i++) {
            cJSON *o = cJSON_CreateObject();
            cJSON_AddStringToObject(o, "id", d[i].id);
            cJSON_AddStringToObject(o, "part", d[i].part);
            cJSON_AddStringToObject(o, "source", d[i].source);
            cJSON_AddStringToObject(o, "statement", d[i].statement);
            cJSON_AddStringToObject(o, "file", d[i].file);
            cJSON_AddStringToObject(o, "controls", d[i].controls);
            cJSON_AddStringToObject(o, "negative_control", d[i].negative);
            cJSON_AddItemToArray(a, o);
        }
        char *t = cJSON_Print(a);
        cJSON_Delete(a);
        if (!t) return cli_fail("claims", SPECL_ENOMEM);
        puts(t);
        free(t);
        return 0;
    }
    puts("| id | part | paper | what decides holds | implemented in | negative control (must fail) |\n|---|---|---|---|---|---|");
    for (int i = 0; i < n; i++) {
        const char *cells[6] = { d[i].id, d[i].part, d[i].source, d[i].statement, d[i].file, d[i].negative };
        for (int k = 0; k < 6; k++) {
            fputs(k == 4 ? "| `" : "| ", stdout);
            for (const char *t = cells[k]; *t; t++) {   /* a | inside a cell would end it */
                if (*t == '|') putchar('\\');
                putchar(*t);
            }
            fputs(k == 4 ? "` " : " ", stdout);
        }
        puts("|");
    }
    return 0;
}
