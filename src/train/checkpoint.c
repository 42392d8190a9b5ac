/* Checkpoints: the weights (safetensors, model_io.c) and the training state (state.bin, with a
 * magic, a version and a CRC-32) in DIR/ckpt-<step>/, with DIR/LATEST naming the newest complete
 * one (format in train.h). Every file is written atomically and LATEST last, so a run killed at any
 * moment leaves the previous checkpoint whole. */
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include "specl/train.h"

#define STATE_MAGIC "SPECLST1"
#define STATE_VERSION 1u
/* The fuzz build (Makefile: FUZZ_CFLAGS, libFuzzer's convention) skips the CRC-32 comparison, which
 * a fuzzer cannot pass, so mutated states reach the checks after it. Never defined otherwise. */
#ifdef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
#define STATE_CHECK_CRC 0
#else
#define STATE_CHECK_CRC 1
#endif

static void put_u32_(unsigned char *p, uint32_t v) { for (int i = 0; i < 4; i++) p[i] = (unsigned char)(v >> (8 * i)); }
static void put_u64_(unsigned char *p, uint64_t v) { for (int i = 0; i < 8; i++) p[i] = (unsigned char)(v >> (8 * i)); }
static uint32_t get_u32_(const unsigned char *p) { uint32_t v = 0; for (int i = 0; i < 4; i++) v |= (uint32_t)p[i] << (8 * i); return v; }
static uint64_t get_u64_(const unsigned char *p) { uint64_t v = 0; for (int i = 0; i < 8; i++) v |= (uint64_t)p[i] << (8 * i); return v; }

/* Byte layout: magic(8) version(4) header(4) step(8) total(8) n(8) rng(32) t(8) = 80, then m, v, crc. */
enum { OFF_VERSION = 8, OFF_HEADER = 12, OFF_STEP = 16, OFF_TOTAL = 24, OFF_N = 32, OFF_RNG = 40, OFF_T = 72, HEAD = 80 };

static int state_write_(const char *path, const specl_train_state *s, long total) {
    size_t n = s->opt.n, len = HEAD + 8 * n + 4;
    unsigned char *b = calloc(1, len);
    if (!b) return specl_error(SPECL_ENOMEM, "%s: %zu bytes", path, len);
    memcpy(b, STATE_MAGIC, 8);
    put_u32_(b + OFF_VERSION, STATE_VERSION);
    put_u32_(b + OFF_HEADER, HEAD);
    put_u64_(b + OFF_STEP, (uint64_t)s->step);
    put_u64_(b + OFF_TOTAL, (uint64_t)total);
    put_u64_(b + OFF_N, n);
    for (int i = 0; i < 4; i++) put_u64_(b + OFF_RNG + 8 * i, s->rng.s[i]);
    put_u64_(b + OFF_T, (uint64_t)s->opt.t);
    for (size_t i = 0; i < n; i++) {
        uint32_t mu, vu;
        memcpy(&mu, &s->opt.m[i], 4);
        memcpy(&vu, &s->opt.v[i], 4);
        put_u32_(b + HEAD + 4 * i, mu);
        put_u32_(b + HEAD + 4 * (n + i), vu);
    }
    put_u32_(b + len - 4, (uint32_t)crc32(0L, b, (uInt)(len - 4)));
    int st = specl_write_file_atomic(path, b, len);
    free(b);
    return st;
}

static int state_read_(const char *path, const specl_train_spec *ts, size_t n_params, specl_train_state *s) {
    char *raw;
    size_t len;
    int st = specl_read_file(path, &raw, &len);
    if (st) return st;
    const unsigned char *b = (const unsigned char *)raw;
    if (len < HEAD + 4 || memcmp(b, STATE_MAGIC, 8) != 0)
        st = specl_error(SPECL_EFORMAT, "%s: not a specl training state (magic '%s' expected)", path, STATE_MAGIC);
    else if (get_u32_(b + OFF_VERSION) != STATE_VERSION)
        st = specl_error(SPECL_EFORMAT, "%s: version %u, expected %u", path, get_u32_(b + OFF_VERSION), STATE_VERSION);
    else if (get_u64_(b + OFF_N) != n_params || len != HEAD + 8 * n_params + 4)
        st = specl_error(SPECL_EFORMAT, "%s: holds %llu parameters in %zu bytes, the model has %zu", path,
                         (unsigned long long)get_u64_(b + OFF_N), len, n_params);
    else if (STATE_CHECK_CRC && get_u32_(b + len - 4) != (uint32_t)crc32(0L, b, (uInt)(len - 4)))
        st = specl_error(SPECL_EFORMAT, "%s: CRC-32 mismatch (the file is damaged)", path);
    else if ((int64_t)get_u64_(b + OFF_STEP) < 0 || (int64_t)get_u64_(b + OFF_T) < 0)
        st = specl_error(SPECL_EFORMAT, "%s: negative step or optimizer count", path);
    else if ((int64_t)get_u64_(b + OFF_T) > (int64_t)get_u64_(b + OFF_STEP))
        st = specl_error(SPECL_EFORMAT, "%s: %lld optimizer updates after %lld steps (at most one per step)", path,
                         (long long)get_u64_(b + OFF_T), (long long)get_u64_(b + OFF_STEP));
    else if ((long)get_u64_(b + OFF_TOTAL) != ts->steps || (long)get_u64_(b + OFF_STEP) > ts->steps)
        st = specl_error(SPECL_EINVAL, "%s: a run of %lld steps at step %lld; the config asks for %ld steps", path,
                         (long long)get_u64_(b + OFF_TOTAL), (long long)get_u64_(b + OFF_STEP), ts->steps);
    specl_rng none = { { 0, 0, 0, 0 } };
    if (!st) st = specl_train_state_init(s, ts, n_params, &none);
    if (!st) {
        s->step = (long)get_u64_(b + OFF_STEP);
        for (int i = 0; i < 4; i++) s->rng.s[i] = get_u64_(b + OFF_RNG + 8 * i);
        s->opt.t = (long)get_u64_(b + OFF_T);
        for (size_t i = 0; i < n_params && !st; i++) {
            uint32_t mu = get_u32_(b + HEAD + 4 * i), vu = get_u32_(b + HEAD + 4 * (n_params + i));
            memcpy(&s->opt.m[i], &mu, 4);
            memcpy(&s->opt.v[i], &vu, 4);
            /* Training keeps m finite and v = β₂v + (1-β₂)g² >= 0 (+inf only if g² overflows float). */
            if (!isfinite(s->opt.m[i]) || !(s->opt.v[i] >= 0))
                st = specl_error(SPECL_EFORMAT, "%s: optimizer moments of parameter %zu are m = %g, v = %g (expected m "
                                 "finite, v >= 0)", path, i, (double)s->opt.m[i], (double)s->opt.v[i]);
        }
        if (st) specl_train_state_free(s);
    }
    free(raw);
    return st;
}

/* Remove DIR/ckpt-* other than `keep` (each holds two files). */
static void prune_(const char *dir, const char *keep) {
    DIR *d = opendir(dir);
    if (!d) return;
    for (struct dirent *e; (e = readdir(d));) {
        if (strncmp(e->d_name, "ckpt-", 5) || !strcmp(e->d_name, keep)) continue;
        char p[4200];
        const char *files[2] = { "encoder.safetensors", "state.bin" };
        for (int i = 0; i < 2; i++) { snprintf(p, sizeof p, "%s/%s/%s", dir, e->d_name, files[i]); unlink(p); }
        snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
        rmdir(p);
    }
    closedir(d);
}

int specl_checkpoint_save(const char *dir, const specl_model *m, const specl_model_spec *spec,
                          const specl_train_state *s, long total_steps) {
    char name[64], p[4200];
    snprintf(name, sizeof name, "ckpt-%09ld", s->step);
    if (mkdir(dir, 0755) != 0 && errno != EEXIST) return specl_error(SPECL_EIO, "%s: cannot create (%s)", dir, strerror(errno));
    snprintf(p, sizeof p, "%s/%s", dir, name);
    if (mkdir(p, 0755) != 0 && errno != EEXIST) return specl_error(SPECL_EIO, "%s: cannot create (%s)", p, strerror(errno));
    snprintf(p, sizeof p, "%s/%s/encoder.safetensors", dir, name);
    int st = specl_model_save(m, spec, p);
    snprintf(p, sizeof p, "%s/%s/state.bin", dir, name);
    if (!st) st = state_write_(p, s, total_steps);
    char latest[80];
    snprintf(latest, sizeof latest, "%s\n", name);
    snprintf(p, sizeof p, "%s/LATEST", dir);
    if (!st) st = specl_write_file_atomic(p, latest, strlen(latest));
    if (!st) prune_(dir, name);
    return st;
}

int specl_checkpoint_load(const char *dir, const specl_train_spec *ts, int max_n, specl_model **m,
                          specl_model_spec *spec, specl_train_state *s) {
    char p[4200], *latest;
    *m = NULL;
    snprintf(p, sizeof p, "%s/LATEST", dir);
    int st = specl_read_file(p, &latest, NULL);
    if (st) return specl_error(st, "%s: no checkpoint to resume from (%s)", p, specl_error_detail());
    latest[strcspn(latest, "\n")] = 0;
    if (strncmp(latest, "ckpt-", 5) || strchr(latest, '/') || strlen(latest) > 40) {
        free(latest);
        return specl_error(SPECL_EFORMAT, "%s: does not name a checkpoint directory", p);
    }
    snprintf(p, sizeof p, "%s/%s/encoder.safetensors", dir, latest);
    st = specl_model_load(p, max_n, m, spec);
    snprintf(p, sizeof p, "%s/%s/state.bin", dir, latest);
    if (!st) st = state_read_(p, ts, (*m)->n_params, s);
    free(latest);
    if (st) { specl_model_free(*m); *m = NULL; }
    return st;
}
