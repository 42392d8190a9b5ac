/* Every input a fuzzer found crashing (tests/fuzz/regressions/<target>/) runs through its parser
 * again: each must now be refused (or accepted) with a status, never crash or leak. The sanitizer
 * build of `make test-asan` runs this too. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "specl.h"
#include "check.h"

#ifndef REG_DIR
#define REG_DIR "tests/fuzz/regressions"
#endif

typedef int (*parse_fn)(const char *path);

static int weights_(const char *path) {
    specl_model *m = NULL;
    specl_model_spec spec;
    int st = specl_model_load(path, 16, &m, &spec);
    specl_model_free(m);
    return st;
}

static char ckpt_[256];
static int state_(const char *path) {
    char *data, dst[512];
    size_t len;
    if (specl_read_file(path, &data, &len)) return -1;
    char latest[64];
    FILE *f = NULL;
    snprintf(dst, sizeof dst, "%s/LATEST", ckpt_);
    char *l;
    if (!specl_read_file(dst, &l, NULL)) { snprintf(latest, sizeof latest, "%.*s", (int)strcspn(l, "\n"), l); free(l); }
    snprintf(dst, sizeof dst, "%s/%s/state.bin", ckpt_, latest);
    f = fopen(dst, "wb");
    if (f) { fwrite(data, 1, len, f); fclose(f); }
    free(data);
    specl_train_spec ts = { { SPECL_LOSS_LAMBDA, 1, 0, 0, 1 }, { SPECL_OPT_ADAM, 0.01, 0.9, 0, 0.9, 0.999, 1e-8 }, 10, 4 };
    specl_model *m = NULL;
    specl_model_spec spec;
    specl_train_state s;
    memset(&s, 0, sizeof s);
    int st = specl_checkpoint_load(ckpt_, &ts, 16, &m, &spec, &s);
    if (!st) {
        CHECK(s.step >= 0 && s.step <= 10 && s.opt.t >= 0);
        specl_train_state_free(&s);
    }
    specl_model_free(m);
    return st;
}

/* Run every file of REG_DIR/<name> through fn; count them. */
static int run_dir_(const char *name, parse_fn fn) {
    char dir[512];
    snprintf(dir, sizeof dir, "%s/%s", REG_DIR, name);
    DIR *d = opendir(dir);
    int n = 0;
    if (!d) return 0;
    for (struct dirent *e; (e = readdir(d));) {
        if (e->d_name[0] == '.') continue;
        char p[1024];
        snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
        int st = fn(p);
        CHECK(st >= SPECL_OK && st <= SPECL_EUNSUPPORTED);
        n++;
    }
    closedir(d);
    return n;
}

TEST(weights_regressions) { CHECK(run_dir_("weights", weights_) >= 1); }

TEST(state_regressions) {
    char tmpl[] = "/tmp/specl_fuzzreg.XXXXXX";
    CHECK(mkdtemp(tmpl) != NULL);
    snprintf(ckpt_, sizeof ckpt_, "%s/checkpoints", tmpl);
    specl_model_spec ms = { "linear", 3, 2, 0, 0, 0, 1.0 };
    specl_model *m;
    CHECK_OK(specl_model_create(&ms, 4, &m));
    specl_train_spec ts = { { SPECL_LOSS_LAMBDA, 1, 0, 0, 1 }, { SPECL_OPT_ADAM, 0.01, 0.9, 0, 0.9, 0.999, 1e-8 }, 10, 4 };
    specl_rng r;
    specl_rng_seed(&r, 1);
    specl_train_state s;
    CHECK_OK(specl_train_state_init(&s, &ts, m->n_params, &r));
    CHECK_OK(specl_checkpoint_save(ckpt_, m, &ms, &s, 10));
    specl_train_state_free(&s);
    specl_model_free(m);
    CHECK(run_dir_("state", state_) >= 1);
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpl);
    CHECK(system(cmd) == 0);
}

RUN_TESTS(RUN(weights_regressions); RUN(state_regressions))
