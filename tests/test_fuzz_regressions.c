/* Every input a fuzzer found crashing (tests/fuzz/regressions/<target>/) runs through its parser
 * again: each must now be refused (or accepted) with a status, never crash or leak. The sanitizer
 * build of `make test-asan` runs this too. Every directory under tests/fuzz/regressions/ is read:
 * one named after any of the 8 fuzz targets is replayed the way its harness feeds the parser
 * (tests/fuzz/fuzz_<target>.c), and a directory with no replay here fails the test. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE   /* memmem */
#endif
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>
#include "specl.h"
#include "config.h"
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

static int npy_(const char *path) {
    specl_array a;
    int st = specl_npy_read(path, &a);
    if (!st) specl_array_free(&a);
    return st;
}

static int mtx_(const char *path) {
    specl_graph g;
    int st = specl_mtx_read(path, &g);
    if (!st) specl_graph_free(&g);
    return st;
}

static int partition_(const char *path) {     /* n = 8, as fuzz_partition.c */
    int32_t *part = NULL;
    int m;
    int st = specl_partition_read(path, 8, &part, &m);
    free(part);
    return st;
}

static int cifar_(const char *path) {         /* read twice, as fuzz_cifar.c */
    const char *paths[2] = { path, path };
    specl_images im;
    int st = specl_cifar10_read(paths, 2, &im);
    if (!st) specl_images_free(&im);
    return st;
}

static int config_(const char *path) {
    char *text;
    if (specl_read_file(path, &text, NULL)) return -1;
    specl_config c;
    CHECK_OK(specl_config_init(&c, specl_cfg_keys));
    int st = specl_config_load_string(&c, text, path);
    specl_config_free(&c);
    free(text);
    return st;
}

/* path holds data[0..n), gzipped if gz. */
static void put_(const char *path, const char *data, size_t n, int gz) {
    if (gz) {
        gzFile g = gzopen(path, "wb6");
        CHECK(g && (n == 0 || gzwrite(g, data, (unsigned)n) == (int)n) && gzclose(g) == Z_OK);
    } else {
        FILE *f = fopen(path, "wb");
        CHECK(f && (n == 0 || fwrite(data, 1, n, f) == n) && fclose(f) == 0);
    }
}

/* Split as fuzz_idx.c does: optional "@GZ@" (gzip both files), then images "@LABELS@" labels, or
 * first byte = length of the images file. */
static int idx_(const char *path) {
    char *raw, dir[] = "/tmp/specl_fuzzreg_idx.XXXXXX", im_path[64], lb_path[64];
    size_t size;
    if (specl_read_file(path, &raw, &size)) return -1;
    CHECK(mkdtemp(dir) != NULL);
    snprintf(im_path, sizeof im_path, "%s/images", dir);
    snprintf(lb_path, sizeof lb_path, "%s/labels", dir);
    const char *data = raw;
    int gz = size >= 4 && memcmp(data, "@GZ@", 4) == 0;
    if (gz) data += 4, size -= 4;
    const char *sep = size ? memmem(data, size, "@LABELS@", 8) : NULL;
    size_t ni, lo;
    if (sep) ni = (size_t)(sep - data), lo = ni + 8;
    else if (size) { ni = (unsigned char)data[0] < size - 1 ? (unsigned char)data[0] : size - 1; data++, size--; lo = ni; }
    else ni = lo = 0;
    put_(im_path, data, ni, gz);
    put_(lb_path, data + lo, size - lo, gz);
    specl_images im;
    int st = specl_idx_read(im_path, lb_path, &im);
    if (!st) specl_images_free(&im);
    unlink(im_path); unlink(lb_path); rmdir(dir);
    free(raw);
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
    /* The fuzz build skips the CRC check (src/train/checkpoint.c), so a crash input's CRC may be
     * anything: set it to the right value, as a hostile file would, to reach the checks after it. */
    if (len >= 4) {
        uint32_t crc = (uint32_t)crc32(0L, (const unsigned char *)data, (uInt)(len - 4));
        for (int i = 0; i < 4; i++) data[len - 4 + i] = (char)(crc >> (8 * i));
    }
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
        CHECK(s.step >= 0 && s.step <= 10 && s.opt.t >= 0 && s.opt.t <= s.step);
        for (size_t i = 0; i < s.opt.n; i++) CHECK(isfinite(s.opt.m[i]) && s.opt.v[i] >= 0);
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

/* The targets without a checkpoint to set up; a directory may be absent (no finding yet). */
static const struct { const char *name; parse_fn fn; } plain_[] = {
    { "npy", npy_ }, { "mtx", mtx_ }, { "partition", partition_ }, { "cifar", cifar_ }, { "config", config_ },
    { "idx", idx_ },
};

TEST(other_regressions) {
    for (size_t i = 0; i < sizeof plain_ / sizeof plain_[0]; i++) run_dir_(plain_[i].name, plain_[i].fn);
}

/* A new tests/fuzz/regressions/<dir> must get a replay above, or it would be skipped silently. */
TEST(every_directory_replayed) {
    DIR *d = opendir(REG_DIR);
    CHECK(d != NULL);
    if (!d) return;
    for (struct dirent *e; (e = readdir(d));) {
        if (e->d_name[0] == '.') continue;
        int known = !strcmp(e->d_name, "weights") || !strcmp(e->d_name, "state");
        for (size_t i = 0; i < sizeof plain_ / sizeof plain_[0]; i++) known |= !strcmp(e->d_name, plain_[i].name);
        if (!known) fprintf(stderr, "  %s/%s: no replay for this directory\n", REG_DIR, e->d_name);
        CHECK(known);
    }
    closedir(d);
}

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

RUN_TESTS(RUN(weights_regressions); RUN(state_regressions); RUN(other_regressions); RUN(every_directory_replayed))
