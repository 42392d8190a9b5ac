/* Tests of the base layer: RNG streams and moments, the LAPACK helpers, atomic file writes and the
 * .npy reader/writer (round trips, numpy-written bytes, every reader error path, a mutation smoke
 * test, and a round trip through Python's numpy). Files go under one mkdtemp directory that is
 * removed at exit. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <math.h>
#include <omp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "specl/base.h"
#include "check.h"

/* ---- scratch directory ---- */

static char root_[64];

static int rm_one_(const char *p, const struct stat *sb, int flag, struct FTW *ftw) {
    (void)sb; (void)flag; (void)ftw;
    return remove(p);
}
static void rm_root_(void) {
    if (root_[0]) nftw(root_, rm_one_, 16, FTW_DEPTH | FTW_PHYS);
}
/* A fresh subdirectory of the scratch root, one per test, so directory listings are per test. */
static const char *subdir_(const char *name, char *out, size_t cap) {
    if (!root_[0]) {
        strcpy(root_, "/tmp/specl_test_base_XXXXXX");
        if (!mkdtemp(root_)) { perror("mkdtemp"); exit(2); }
        atexit(rm_root_);
    }
    snprintf(out, cap, "%s/%s", root_, name);
    if (mkdir(out, 0755) != 0 && errno != EEXIST) { perror(out); exit(2); }
    return out;
}
static int count_entries_(const char *dir) {
    DIR *d = opendir(dir);
    if (!d) return -1;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) n++;
    closedir(d);
    return n;
}
static int write_raw_(const char *path, const void *buf, size_t len) {
    FILE *f = fopen(path, "wb");
    if (!f) return -1;
    size_t w = len ? fwrite(buf, 1, len, f) : 0;
    return (fclose(f) == 0 && w == len) ? 0 : -1;
}
static int exists_(const char *path) { struct stat sb; return lstat(path, &sb) == 0; }
static int detail_has_(const char *s) { return strstr(specl_error_detail(), s) != NULL; }

/* ---- RNG ---- */

TEST(rng_same_seed_same_stream) {
    specl_rng a, b, c;
    specl_rng_seed(&a, 42);
    specl_rng_seed(&b, 42);
    specl_rng_seed(&c, 43);
    int same = 1, differ = 0;
    for (int i = 0; i < 1000; i++) {
        uint64_t x = specl_rng_u64(&a), y = specl_rng_u64(&b), z = specl_rng_u64(&c);
        if (x != y) same = 0;
        if (x != z) differ++;
    }
    CHECK(same);
    CHECK(differ > 990);
    /* copying the struct copies the position (what checkpoints rely on) */
    specl_rng d = a;
    CHECK(specl_rng_u64(&d) == specl_rng_u64(&a));
}

TEST(rng_derived_streams) {
    specl_rng d1, d2, m, s8, plain;
    specl_rng_derive(&d1, 7, "data");
    specl_rng_derive(&d2, 7, "data");
    specl_rng_derive(&m, 7, "model");
    specl_rng_derive(&s8, 8, "data");
    specl_rng_seed(&plain, 7);
    int same = 1, dm = 0, ds = 0, dp = 0;
    for (int i = 0; i < 1000; i++) {
        uint64_t a = specl_rng_u64(&d1), b = specl_rng_u64(&d2);
        if (a != b) same = 0;
        if (a != specl_rng_u64(&m)) dm++;
        if (a != specl_rng_u64(&s8)) ds++;
        if (a != specl_rng_u64(&plain)) dp++;
    }
    CHECK(same);
    CHECK(dm > 990);
    CHECK(ds > 990);
    CHECK(dp > 990);
    /* drawing from one stream does not shift another */
    specl_rng x, y;
    specl_rng_derive(&x, 7, "model");
    for (int i = 0; i < 500; i++) specl_rng_u64(&d1);
    specl_rng_derive(&y, 7, "model");
    CHECK(specl_rng_u64(&x) == specl_rng_u64(&y));
}

TEST(rng_uniform_moments) {
    specl_rng r;
    specl_rng_seed(&r, 1234);
    const int n = 200000;
    double s = 0;
    int in_range = 1;
    for (int i = 0; i < n; i++) {
        double u = specl_rng_uniform(&r);
        if (!(u >= 0.0 && u < 1.0)) in_range = 0;
        s += u;
    }
    CHECK(in_range);
    CHECK_NEAR(s / n, 0.5, 5 * sqrt(1.0 / 12.0 / n));
}

TEST(rng_normal_moments) {
    specl_rng r;
    specl_rng_derive(&r, 99, "normal");
    const int n = 200000;
    double s = 0, s2 = 0;
    int finite = 1;
    for (int i = 0; i < n; i++) {
        double z = specl_rng_normal(&r);
        if (!isfinite(z)) finite = 0;
        s += z;
        s2 += z * z;
    }
    double mean = s / n, var = s2 / n - mean * mean;
    CHECK(finite);
    CHECK_NEAR(mean, 0.0, 5 / sqrt((double)n));
    CHECK_NEAR(var, 1.0, 5 * sqrt(2.0 / n));
}

TEST(rng_below_range) {
    specl_rng r;
    specl_rng_seed(&r, 5);
    enum { K = 10, N = 100000 };
    int count[K] = {0}, in_bounds = 1;
    for (int i = 0; i < N; i++) {
        uint64_t v = specl_rng_below(&r, K);
        if (v >= K) { in_bounds = 0; continue; }
        count[v]++;
    }
    CHECK(in_bounds);
    double sd = sqrt(N * 0.1 * 0.9);
    for (int k = 0; k < K; k++) CHECK_NEAR(count[k], N / K, 5 * sd);
    CHECK(specl_rng_below(&r, 1) == 0);
    /* a bound just above 2^63, where the rejection step matters most */
    uint64_t big = (1ull << 63) + 12345;
    int ok = 1, high = 0;
    for (int i = 0; i < 1000; i++) {
        uint64_t v = specl_rng_below(&r, big);
        if (v >= big) ok = 0;
        if (v >= big / 2) high++;
    }
    CHECK(ok);
    CHECK(high > 400 && high < 600);
}

TEST(rng_shuffle_is_permutation) {
    specl_rng r;
    specl_rng_seed(&r, 2024);
    enum { N = 1000 };
    int64_t a[N];
    char seen[N] = {0};
    for (int i = 0; i < N; i++) a[i] = i;
    specl_rng_shuffle_i64(&r, a, N);
    int perm = 1, fixed = 0;
    for (int i = 0; i < N; i++) {
        if (a[i] < 0 || a[i] >= N || seen[a[i]]) { perm = 0; continue; }
        seen[a[i]] = 1;
        if (a[i] == i) fixed++;
    }
    CHECK(perm);
    CHECK(fixed < 20);                       /* expected about 1 fixed point */
    /* same seed, same permutation */
    int64_t b[N];
    for (int i = 0; i < N; i++) b[i] = i;
    specl_rng_seed(&r, 2024);
    specl_rng_shuffle_i64(&r, b, N);
    CHECK(memcmp(a, b, sizeof a) == 0);
    int64_t one = 7;
    specl_rng_shuffle_i64(&r, &one, 1);
    specl_rng_shuffle_i64(&r, NULL, 0);
    CHECK(one == 7);
}

/* ---- linear algebra ---- */

static void random_fill_(specl_rng *r, double *x, int n) {
    for (int i = 0; i < n; i++) x[i] = specl_rng_normal(r);
}

TEST(dsyev_known_matrix) {
    double a[9] = {2, -1, 0, -1, 2, -1, 0, -1, 2}, a0[9], w[3];
    memcpy(a0, a, sizeof a);
    CHECK_OK(specl_dsyev(3, a, w));
    CHECK_NEAR(w[0], 2 - sqrt(2.0), 1e-12);
    CHECK_NEAR(w[1], 2.0, 1e-12);
    CHECK_NEAR(w[2], 2 + sqrt(2.0), 1e-12);
    CHECK(w[0] <= w[1] && w[1] <= w[2]);
    double res = 0, orth = 0;
    for (int j = 0; j < 3; j++) {
        for (int i = 0; i < 3; i++) {
            double av = 0;
            for (int k = 0; k < 3; k++) av += a0[i * 3 + k] * a[k * 3 + j];
            res = fmax(res, fabs(av - w[j] * a[i * 3 + j]));
        }
        for (int l = 0; l < 3; l++) {
            double d = 0;
            for (int i = 0; i < 3; i++) d += a[i * 3 + j] * a[i * 3 + l];
            orth = fmax(orth, fabs(d - (j == l)));
        }
    }
    CHECK(res < 1e-10);
    CHECK(orth < 1e-10);
}

TEST(dsygv_random_spd_pair) {
    enum { N = 6 };
    specl_rng r;
    specl_rng_seed(&r, 11);
    double a[N * N], b[N * N], a0[N * N], b0[N * N], m[N * N], w[N];
    random_fill_(&r, m, N * N);
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++) {
            double s = 0;
            for (int k = 0; k < N; k++) s += m[i * N + k] * m[j * N + k];
            b[i * N + j] = s + (i == j ? 1.0 : 0.0);
        }
    random_fill_(&r, m, N * N);
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++) a[i * N + j] = m[i * N + j] + m[j * N + i];
    memcpy(a0, a, sizeof a);
    memcpy(b0, b, sizeof b);
    CHECK_OK(specl_dsygv(N, a, b, w));
    double res = 0, norm = 0;
    int asc = 1;
    for (int j = 0; j < N; j++) {
        if (j && w[j] < w[j - 1]) asc = 0;
        double vbv = 0;
        for (int i = 0; i < N; i++) {
            double av = 0, bv = 0;
            for (int k = 0; k < N; k++) {
                av += a0[i * N + k] * a[k * N + j];
                bv += b0[i * N + k] * a[k * N + j];
            }
            res = fmax(res, fabs(av - w[j] * bv));
            vbv += a[i * N + j] * bv;
        }
        norm = fmax(norm, fabs(vbv - 1));
    }
    CHECK(asc);
    CHECK(res < 1e-10);
    CHECK(norm < 1e-10);
}

TEST(dsygv_not_positive_definite) {
    double a[9] = {1, 0, 0, 0, 2, 0, 0, 0, 3};
    double b[9] = {1, 0, 0, 0, -1, 0, 0, 0, 1};
    double w[3];
    specl_error_clear();
    CHECK(specl_dsygv(3, a, b, w) == SPECL_ELINALG);
    CHECK(specl_error_detail()[0] != 0);
}

TEST(dgelsd_overdetermined_consistent) {
    enum { M = 8, N = 3, R = 2 };
    specl_rng r;
    specl_rng_seed(&r, 3);
    double a[M * N], a0[M * N], x[N * R], b[M * R];
    random_fill_(&r, a, M * N);
    random_fill_(&r, x, N * R);
    memcpy(a0, a, sizeof a);
    for (int i = 0; i < M; i++)
        for (int j = 0; j < R; j++) {
            double s = 0;
            for (int k = 0; k < N; k++) s += a0[i * N + k] * x[k * R + j];
            b[i * R + j] = s;
        }
    int rank = -1;
    CHECK_OK(specl_dgelsd(M, N, R, a, b, -1, &rank));
    CHECK(rank == N);
    double err = 0;
    for (int i = 0; i < N * R; i++) err = fmax(err, fabs(b[i] - x[i]));
    CHECK(err < 1e-10);
}

TEST(dgelsd_rank_deficient) {
    enum { M = 6, N = 4 };
    specl_rng r;
    specl_rng_seed(&r, 4);
    double a[M * N], a0[M * N], b[M], b0[M], x[N] = {1, -2, 0.5, 3};
    random_fill_(&r, a, M * N);
    for (int i = 0; i < M; i++) a[i * N + 3] = a[i * N + 0] + a[i * N + 1];   /* rank 3 */
    memcpy(a0, a, sizeof a);
    for (int i = 0; i < M; i++) {
        double s = 0;
        for (int k = 0; k < N; k++) s += a0[i * N + k] * x[k];
        b[i] = b0[i] = s;
    }
    int rank = -1;
    CHECK_OK(specl_dgelsd(M, N, 1, a, b, 1e-10, &rank));
    CHECK(rank == 3);
    double res = 0;   /* the minimum-norm solution still reproduces the consistent right side */
    for (int i = 0; i < M; i++) {
        double s = 0;
        for (int k = 0; k < N; k++) s += a0[i * N + k] * b[k];
        res = fmax(res, fabs(s - b0[i]));
    }
    CHECK(res < 1e-9);
    /* minimum norm: the null-space direction (1, 1, 0, -1) has no component in the solution */
    CHECK_NEAR(b[0] + b[1] - b[3], 0.0, 1e-9);
    CHECK(specl_dgelsd(M, N, 1, a0, b0, 1e-10, NULL) == SPECL_OK);   /* rank may be NULL */
}

TEST(dgelsd_underdetermined_min_norm) {
    double a[8] = {1, 1, 0, 0, 0, 0, 1, 1};
    double b[4] = {2, 4, 99, 99};     /* max(m, n) rows; the tail is workspace */
    int rank = -1;
    CHECK_OK(specl_dgelsd(2, 4, 1, a, b, -1, &rank));
    CHECK(rank == 2);
    CHECK_NEAR(b[0], 1, 1e-12);
    CHECK_NEAR(b[1], 1, 1e-12);
    CHECK_NEAR(b[2], 2, 1e-12);
    CHECK_NEAR(b[3], 2, 1e-12);
}

/* ---- atomic file writes ---- */

TEST(file_atomic_roundtrip) {
    char dir[256], path[300];
    subdir_("file_rt", dir, sizeof dir);
    snprintf(path, sizeof path, "%s/blob.bin", dir);
    unsigned char data[1000];
    for (int i = 0; i < 1000; i++) data[i] = (unsigned char)(i * 7);   /* includes NULs */
    CHECK_OK(specl_write_file_atomic(path, data, sizeof data));
    char *got = NULL;
    size_t len = 0;
    CHECK_OK(specl_read_file(path, &got, &len));
    CHECK(len == sizeof data && got && memcmp(got, data, len) == 0 && got[len] == 0);
    free(got);
    /* overwrite with something shorter; empty files work too */
    CHECK_OK(specl_write_file_atomic(path, "short", 5));
    got = NULL;
    CHECK_OK(specl_read_file(path, &got, &len));
    CHECK(len == 5 && got && memcmp(got, "short", 5) == 0);
    free(got);
    CHECK_OK(specl_write_file_atomic(path, "", 0));
    got = NULL;
    CHECK_OK(specl_read_file(path, &got, &len));
    CHECK(len == 0 && got && got[0] == 0);
    free(got);
    CHECK(count_entries_(dir) == 1);        /* no temporary files left behind */
}

TEST(file_atomic_missing_directory) {
    char dir[256], path[300];
    subdir_("file_missing", dir, sizeof dir);
    snprintf(path, sizeof path, "%s/no/such/dir/x.bin", dir);
    specl_error_clear();
    CHECK(specl_write_file_atomic(path, "abc", 3) == SPECL_EIO);
    CHECK(detail_has_(path));
    CHECK(count_entries_(dir) == 0);
    CHECK(specl_write_file_atomic("/nonexistent_dir_specl/x", "abc", 3) == SPECL_EIO);
    CHECK(!exists_("/nonexistent_dir_specl"));
    char *got = NULL;
    CHECK(specl_read_file(path, &got, NULL) == SPECL_EIO);
    CHECK(got == NULL && detail_has_(path));
}

TEST(file_atomic_failure_keeps_existing) {
    char dir[256], path[300], sub[300], inner[320];
    subdir_("file_keep", dir, sizeof dir);
    snprintf(path, sizeof path, "%s/keep.bin", dir);
    CHECK_OK(specl_write_file_atomic(path, "original", 8));

    /* (a) the write itself fails: a file-size limit applies even to root. */
    struct rlimit old;
    int limited = 0;
    if (getrlimit(RLIMIT_FSIZE, &old) == 0 && (old.rlim_max == RLIM_INFINITY || old.rlim_max > 4096)) {
        struct rlimit lim = old;
        lim.rlim_cur = 4096;
        void (*prev)(int) = signal(SIGXFSZ, SIG_IGN);
        if (setrlimit(RLIMIT_FSIZE, &lim) == 0) {
            limited = 1;
            static char big[65536];
            memset(big, 'x', sizeof big);
            int st = specl_write_file_atomic(path, big, sizeof big);
            setrlimit(RLIMIT_FSIZE, &old);
            CHECK(st == SPECL_EIO);
            CHECK(detail_has_(path));
        }
        signal(SIGXFSZ, prev);
    }
    CHECK(limited);
    char *got = NULL;
    size_t len = 0;
    CHECK_OK(specl_read_file(path, &got, &len));
    CHECK(len == 8 && got && memcmp(got, "original", 8) == 0);
    free(got);
    CHECK(count_entries_(dir) == 1);

    /* (b) the final rename fails: the target is a non-empty directory, which must survive. */
    snprintf(sub, sizeof sub, "%s/adir", dir);
    snprintf(inner, sizeof inner, "%s/inside", sub);
    CHECK(mkdir(sub, 0755) == 0);
    CHECK(write_raw_(inner, "in", 2) == 0);
    CHECK(specl_write_file_atomic(sub, "data", 4) == SPECL_EIO);
    CHECK(detail_has_(sub));
    struct stat sb;
    CHECK(stat(sub, &sb) == 0 && S_ISDIR(sb.st_mode));
    CHECK(exists_(inner));
    CHECK(count_entries_(dir) == 2);        /* keep.bin and adir, no temporary file */
}

/* ---- .npy ---- */

static const int64_t shapes_[4][4] = {{5}, {2, 3}, {2, 3, 4}, {1, 2, 3, 2}};

TEST(npy_roundtrip_all_dtypes_and_ranks) {
    char dir[256], path[300];
    subdir_("npy_rt", dir, sizeof dir);
    specl_rng r;
    specl_rng_seed(&r, 77);
    for (int t = 0; t < 4; t++)
        for (int nd = 1; nd <= 4; nd++) {
            snprintf(path, sizeof path, "%s/a_%d_%d.npy", dir, t, nd);
            size_t esz = specl_dtype_size((specl_dtype)t);
            int64_t n = 1;
            for (int i = 0; i < nd; i++) n *= shapes_[nd - 1][i];
            unsigned char *buf = malloc((size_t)n * esz);
            for (size_t i = 0; i < (size_t)n * esz; i++) buf[i] = (unsigned char)specl_rng_u64(&r);
            CHECK_OK(specl_npy_write(path, (specl_dtype)t, nd, shapes_[nd - 1], buf));
            specl_array a = {0};
            CHECK_OK(specl_npy_read(path, &a));
            CHECK(a.dtype == (specl_dtype)t && a.ndim == nd);
            for (int i = 0; i < nd; i++) CHECK(a.shape[i] == shapes_[nd - 1][i]);
            CHECK(specl_array_numel(&a) == n);
            CHECK(a.data && memcmp(a.data, buf, (size_t)n * esz) == 0);
            specl_array_free(&a);
            CHECK(a.data == NULL);
            /* preamble: magic, version 1.0, 64-byte aligned, ends in '\n' */
            char *f = NULL;
            size_t len = 0;
            CHECK_OK(specl_read_file(path, &f, &len));
            if (f && len >= 10) {
                size_t hl = (unsigned char)f[8] | ((size_t)(unsigned char)f[9] << 8);
                CHECK(memcmp(f, "\x93NUMPY\x01\x00", 8) == 0);
                CHECK((10 + hl) % 64 == 0);
                CHECK(10 + hl + (size_t)n * esz == len);
                CHECK(f[10 + hl - 1] == '\n');
            }
            free(f);
            free(buf);
        }
    CHECK(count_entries_(dir) == 16);
}

TEST(npy_writer_header_text) {
    char dir[256], path[300];
    subdir_("npy_hdr", dir, sizeof dir);
    snprintf(path, sizeof path, "%s/h.npy", dir);
    float x[5] = {0};
    int64_t s1[1] = {5};
    CHECK_OK(specl_npy_write(path, SPECL_F32, 1, s1, x));
    char *f = NULL;
    size_t len = 0;
    CHECK_OK(specl_read_file(path, &f, &len));
    const char *want1 = "{'descr': '<f4', 'fortran_order': False, 'shape': (5,), }";
    CHECK(f && len > 10 + strlen(want1) && memcmp(f + 10, want1, strlen(want1)) == 0);
    free(f);
    int64_t s4[4] = {1, 2, 3, 4};
    int64_t *big = calloc(24, sizeof *big);
    CHECK_OK(specl_npy_write(path, SPECL_I64, 4, s4, big));
    free(big);
    f = NULL;
    CHECK_OK(specl_read_file(path, &f, &len));
    const char *want4 = "{'descr': '<i8', 'fortran_order': False, 'shape': (1, 2, 3, 4), }";
    CHECK(f && len > 10 + strlen(want4) && memcmp(f + 10, want4, strlen(want4)) == 0);
    free(f);
}

TEST(npy_zero_size_array) {
    char dir[256], path[300];
    subdir_("npy_zero", dir, sizeof dir);
    snprintf(path, sizeof path, "%s/z.npy", dir);
    int64_t s[2] = {0, 3};
    CHECK_OK(specl_npy_write(path, SPECL_F64, 2, s, NULL));
    specl_array a = {0};
    CHECK_OK(specl_npy_read(path, &a));
    CHECK(a.ndim == 2 && a.shape[0] == 0 && a.shape[1] == 3 && specl_array_numel(&a) == 0);
    specl_array_free(&a);
    /* huge trailing dims with a zero first dim: the dict lands exactly on a 64-byte boundary,
     * where numpy pads a full 64 spaces */
    int64_t s3[3] = {0, 100000000000000000LL, 1000000000000000000LL};
    CHECK_OK(specl_npy_write(path, SPECL_F32, 3, s3, NULL));
    char *f = NULL;
    size_t len = 0;
    CHECK_OK(specl_read_file(path, &f, &len));
    CHECK(len == 192 && f && f[191] == '\n' && f[127] == ' ');
    free(f);
    CHECK_OK(specl_npy_read(path, &a));
    CHECK(a.ndim == 3 && a.shape[0] == 0 && a.shape[2] == s3[2] && specl_array_numel(&a) == 0);
    specl_array_free(&a);
}

TEST(npy_write_rejects_bad_arguments) {
    char dir[256], path[300];
    subdir_("npy_badw", dir, sizeof dir);
    snprintf(path, sizeof path, "%s/bad.npy", dir);
    float x[4] = {0};
    int64_t ok[4] = {2, 2, 1, 1}, neg[2] = {2, -1}, huge[2] = {INT64_MAX / 2, 3}, sz[2] = {INT64_MAX / 4, 3};
    CHECK(specl_npy_write(path, SPECL_F32, 0, ok, x) == SPECL_EINVAL);
    CHECK(detail_has_(path) && detail_has_("ndim"));
    CHECK(specl_npy_write(path, SPECL_F32, 5, ok, x) == SPECL_EINVAL);
    CHECK(specl_npy_write(path, SPECL_F32, 2, neg, x) == SPECL_EINVAL);
    CHECK(specl_npy_write(path, SPECL_F32, 2, huge, x) == SPECL_EINVAL);   /* int64 overflow */
    CHECK(specl_npy_write(path, SPECL_F32, 2, sz, x) == SPECL_EINVAL);     /* byte count overflow */
    CHECK(specl_npy_write(path, (specl_dtype)9, 1, ok, x) == SPECL_EINVAL);
    CHECK(specl_npy_write(path, SPECL_F32, 1, ok, NULL) == SPECL_EINVAL);
    CHECK(count_entries_(dir) == 0);
    CHECK(specl_dtype_size(SPECL_F32) == 4 && specl_dtype_size(SPECL_F64) == 8);
    CHECK(specl_dtype_size(SPECL_I32) == 4 && specl_dtype_size(SPECL_I64) == 8);
}

/* A .npy file from a header text (padded like numpy to 64 bytes with a final '\n' unless
 * raw_header) and nbytes of data from `data` (zeros if NULL). Returns malloc'd bytes. */
static unsigned char *make_npy_(int major, int minor, const char *header, int raw_header, const void *data,
                               size_t nbytes, size_t *len) {
    size_t pre = major == 1 ? 10 : 12, hl = strlen(header);
    size_t body = raw_header ? hl : hl + 1;
    size_t pad = raw_header ? 0 : (64 - (pre + body) % 64) % 64;
    size_t hlen = body + pad;
    *len = pre + hlen + nbytes;
    unsigned char *b = calloc(*len + 1, 1);
    memcpy(b, "\x93NUMPY", 6);
    b[6] = (unsigned char)major;
    b[7] = (unsigned char)minor;
    for (size_t i = 0; i < pre - 8; i++) b[8 + i] = (unsigned char)(hlen >> (8 * i));
    memcpy(b + pre, header, hl);
    if (!raw_header) {
        memset(b + pre + hl, ' ', pad);
        b[pre + hlen - 1] = '\n';
    }
    if (data) memcpy(b + pre + hlen, data, nbytes);
    return b;
}

static const double d23_[6] = {1.5, -2.25, 3.0, 4e10, -0.0, 1e-300};

TEST(npy_reads_numpy_written_bytes) {
    char dir[256], path[300];
    subdir_("npy_numpy", dir, sizeof dir);
    snprintf(path, sizeof path, "%s/np.npy", dir);
    /* Exactly what numpy 1.24 np.save writes for np.array(d23_).reshape(2, 3): a v1.0 preamble,
     * header length 118 (0x76), the dict, 21-digit growth padding, alignment spaces and '\n'. */
    unsigned char f[128 + 48];
    const char *dict = "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }";
    memcpy(f, "\x93NUMPY\x01\x00\x76\x00", 10);
    memset(f + 10, ' ', 118);
    memcpy(f + 10, dict, strlen(dict));
    f[127] = '\n';
    memcpy(f + 128, d23_, 48);
    CHECK(write_raw_(path, f, sizeof f) == 0);
    specl_array a = {0};
    CHECK_OK(specl_npy_read(path, &a));
    CHECK(a.dtype == SPECL_F64 && a.ndim == 2 && a.shape[0] == 2 && a.shape[1] == 3);
    CHECK(a.data && memcmp(a.data, d23_, 48) == 0);
    specl_array_free(&a);
    /* and the writer produces these very bytes */
    int64_t s[2] = {2, 3};
    char *g = NULL;
    size_t len = 0;
    CHECK_OK(specl_npy_write(path, SPECL_F64, 2, s, d23_));
    CHECK_OK(specl_read_file(path, &g, &len));
    CHECK(len == sizeof f && g && memcmp(g, f, sizeof f) == 0);
    free(g);

    /* other layouts numpy accepts: v2.0 and v3.0 preambles, other key order, double quotes,
     * no trailing comma, Python 2 long suffix, no padding at all */
    const struct { int major; const char *hdr; int raw; } ok[] = {
        {2, "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }", 0},
        {3, "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }", 0},
        {1, "{\"shape\": (2,3), \"fortran_order\": False, \"descr\": \"<f8\"}", 0},
        {1, "{'descr':'<f8','fortran_order':False,'shape':(2L, 3L)}", 0},
        {1, "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3,), }", 1},
    };
    for (size_t k = 0; k < sizeof ok / sizeof ok[0]; k++) {
        size_t blen;
        unsigned char *b = make_npy_(ok[k].major, 0, ok[k].hdr, ok[k].raw, d23_, 48, &blen);
        CHECK(write_raw_(path, b, blen) == 0);
        free(b);
        specl_array c = {0};
        int st = specl_npy_read(path, &c);
        if (st) fprintf(stderr, "  layout %zu: %s\n", k, specl_error_detail());
        CHECK(st == SPECL_OK && c.ndim == 2 && c.shape[0] == 2 && c.shape[1] == 3 && c.data &&
              memcmp(c.data, d23_, 48) == 0);
        specl_array_free(&c);
    }
}

TEST(npy_reader_error_paths) {
    char dir[256], path[300];
    subdir_("npy_err", dir, sizeof dir);
    const char *good = "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }";
    struct {
        const char *name;
        int major, minor;
        const char *hdr;       /* NULL: use `bytes` verbatim */
        const char *bytes;
        size_t nbytes_raw;     /* length of `bytes` */
        long long data;        /* data bytes after the header */
        int hlen_delta;        /* added to the stored header length */
        const char *want;      /* substring of the detail message (besides the path) */
    } cases[] = {
        {"empty", 0, 0, NULL, "", 0, 0, 0, "empty file"},
        {"bad_magic", 0, 0, NULL, "\x93NUMPZ\x01\x00\x10\x00{}", 12, 0, 0, "magic"},
        {"short_magic", 0, 0, NULL, "\x93NU", 3, 0, 0, "magic"},
        {"text_file", 0, 0, NULL, "hello, world\n", 13, 0, 0, "magic"},
        {"no_version", 0, 0, NULL, "\x93NUMPY\x01", 7, 0, 0, "version"},
        {"version_4_0", 4, 0, good, NULL, 0, 48, 0, "version 4.0, expected 1.0, 2.0 or 3.0"},
        {"version_1_1", 1, 1, good, NULL, 0, 48, 0, "version 1.1"},
        {"version_0_0", 0, 0, good, NULL, 0, 48, 0, "version 0.0"},
        {"truncated_header_len", 0, 0, NULL, "\x93NUMPY\x01\x00\x76", 9, 0, 0, "header-length"},
        {"truncated_header_len_v2", 0, 0, NULL, "\x93NUMPY\x02\x00\x76\x00\x00", 11, 0, 0, "header-length"},
        {"header_beyond_file", 1, 0, good, NULL, 0, 0, 4000, "header length"},
        {"header_beyond_file_v2", 2, 0, good, NULL, 0, 0, 1 << 30, "header length"},
        {"header_cut_short", 0, 0, NULL, "\x93NUMPY\x01\x00\x76\x00{'descr': '<f8'", 25, 0, 0, "header length 118"},
        {"missing_shape", 1, 0, "{'descr': '<f8', 'fortran_order': False, }", NULL, 0, 48, 0, "'shape'"},
        {"missing_descr", 1, 0, "{'fortran_order': False, 'shape': (2, 3), }", NULL, 0, 48, 0, "'descr'"},
        {"missing_fortran", 1, 0, "{'descr': '<f8', 'shape': (2, 3), }", NULL, 0, 48, 0, "'fortran_order'"},
        {"empty_dict", 1, 0, "{}", NULL, 0, 48, 0, "missing key"},
        {"extra_key", 1, 0, "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), 'x': 1, }", NULL, 0, 48, 0,
         "unexpected key 'x'"},
        {"duplicate_key", 1, 0, "{'descr': '<f8', 'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }", NULL,
         0, 48, 0, "twice"},
        {"fortran_true", 1, 0, "{'descr': '<f8', 'fortran_order': True, 'shape': (2, 3), }", NULL, 0, 48, 0,
         "'fortran_order' is True, expected False"},
        {"fortran_garbage", 1, 0, "{'descr': '<f8', 'fortran_order': 0, 'shape': (2, 3), }", NULL, 0, 48, 0,
         "'fortran_order'"},
        {"big_endian", 1, 0, "{'descr': '>f4', 'fortran_order': False, 'shape': (2, 3), }", NULL, 0, 24, 0,
         "header field 'descr' is '>f4', expected one of <f4 <f8 <i4 <i8"},
        {"complex", 1, 0, "{'descr': '<c8', 'fortran_order': False, 'shape': (2, 3), }", NULL, 0, 48, 0,
         "header field 'descr' is '<c8', expected one of <f4 <f8 <i4 <i8"},
        {"structured", 1, 0, "{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (2, 3), }", NULL, 0, 24, 0,
         "'descr'"},
        {"ndim_0", 1, 0, "{'descr': '<f8', 'fortran_order': False, 'shape': (), }", NULL, 0, 8, 0,
         "0 dimensions, expected 1..4"},
        {"ndim_5", 1, 0, "{'descr': '<f8', 'fortran_order': False, 'shape': (1, 1, 1, 1, 1), }", NULL, 0, 8, 0,
         "5 dimensions, expected 1..4"},
        {"negative_dim", 1, 0, "{'descr': '<f8', 'fortran_order': False, 'shape': (2, -3), }", NULL, 0, 48, 0,
         "dimension 1 is -3"},
        {"shape_int64_overflow", 1, 0,
         "{'descr': '<f8', 'fortran_order': False, 'shape': (4294967296, 4294967296), }", NULL, 0, 48, 0,
         "overflows int64"},
        {"shape_size_t_overflow", 1, 0,
         "{'descr': '<f4', 'fortran_order': False, 'shape': (2147483648, 2147483648), }", NULL, 0, 48, 0,
         "overflow size_t"},
        {"dim_too_long", 1, 0, "{'descr': '<f8', 'fortran_order': False, 'shape': (99999999999999999999,), }", NULL,
         0, 48, 0, "does not fit in int64"},
        {"shape_not_tuple", 1, 0, "{'descr': '<f8', 'fortran_order': False, 'shape': [2, 3], }", NULL, 0, 48, 0,
         "'shape'"},
        {"shape_bare_int", 1, 0, "{'descr': '<f8', 'fortran_order': False, 'shape': (6), }", NULL, 0, 48, 0,
         "'shape'"},
        {"shape_bad_token", 1, 0, "{'descr': '<f8', 'fortran_order': False, 'shape': (2, x), }", NULL, 0, 48, 0,
         "'shape'"},
        {"shape_unclosed", 1, 0, "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3", NULL, 0, 48, 0,
         "'shape'"},
        {"dict_unclosed", 1, 0, "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3)", NULL, 0, 48, 0,
         "header"},
        {"not_a_dict", 1, 0, "hello", NULL, 0, 48, 0, "'{'"},
        {"unterminated_key", 1, 0, "{'descr", NULL, 0, 48, 0, "unterminated"},
        {"junk_after_dict", 1, 0, "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), } junk", NULL, 0, 48, 0,
         "after the dict"},
        {"truncated_data", 1, 0, good, NULL, 0, 47, 0, "truncated"},
        {"no_data", 1, 0, good, NULL, 0, 0, 0, "truncated"},
        {"trailing_data", 1, 0, good, NULL, 0, 49, 0, "trailing"},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        snprintf(path, sizeof path, "%s/%s.npy", dir, cases[k].name);
        unsigned char *b;
        size_t len;
        if (cases[k].hdr) {
            b = make_npy_(cases[k].major, cases[k].minor, cases[k].hdr, 0, NULL, (size_t)cases[k].data, &len);
            size_t pre = cases[k].major == 1 ? 10 : 12;   /* as make_npy_ laid it out */
            uint64_t hl = 0;
            for (size_t i = 8; i < pre; i++) hl |= (uint64_t)b[i] << (8 * (i - 8));
            hl += (uint64_t)cases[k].hlen_delta;
            for (size_t i = 8; i < pre; i++) b[i] = (unsigned char)(hl >> (8 * (i - 8)));
        } else {
            len = cases[k].nbytes_raw;
            b = malloc(len + 1);
            memcpy(b, cases[k].bytes, len);
        }
        CHECK(write_raw_(path, b, len) == 0);
        free(b);
        specl_array a;
        memset(&a, 0x5a, sizeof a);
        specl_error_clear();
        int st = specl_npy_read(path, &a);
        int good_detail = detail_has_(path) && detail_has_(cases[k].want);
        if (st != SPECL_EFORMAT || !good_detail)
            fprintf(stderr, "  case %s: status %d, detail \"%s\", wanted \"%s\"\n", cases[k].name, st,
                    specl_error_detail(), cases[k].want);
        CHECK(st == SPECL_EFORMAT);
        CHECK(good_detail);
        CHECK(a.data == NULL);
        specl_array_free(&a);    /* safe after a failure */
    }
    /* a missing file is an I/O error, not a format error */
    snprintf(path, sizeof path, "%s/does_not_exist.npy", dir);
    specl_array a;
    CHECK(specl_npy_read(path, &a) == SPECL_EIO);
    CHECK(detail_has_(path) && a.data == NULL);
    /* a directory cannot be read as a file */
    CHECK(specl_npy_read(dir, &a) == SPECL_EIO || specl_npy_read(dir, &a) == SPECL_EFORMAT);
    CHECK(a.data == NULL);
}

/* Reading from a FIFO: no file size is known up front, so the reader must detect a short header,
 * truncated data and trailing data while streaming. */
static int read_via_fifo_(const char *fifo, const unsigned char *b, size_t len, specl_array *a) {
    pid_t pid = fork();
    if (pid == 0) {
        int fd = open(fifo, O_WRONLY);
        if (fd >= 0) {
            size_t off = 0;
            while (off < len) {
                ssize_t w = write(fd, b + off, len - off);
                if (w <= 0) break;
                off += (size_t)w;
            }
            close(fd);
        }
        _exit(0);
    }
    int st = specl_npy_read(fifo, a);
    int ws;
    waitpid(pid, &ws, 0);
    return st;
}

TEST(npy_reader_from_pipe) {
    char dir[256], fifo[300];
    subdir_("npy_fifo", dir, sizeof dir);
    snprintf(fifo, sizeof fifo, "%s/p.npy", dir);
    CHECK(mkfifo(fifo, 0600) == 0);
    const char *hdr = "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }";
    unsigned char big[256];
    memset(big, 0, sizeof big);
    memcpy(big, d23_, 48);
    const struct { size_t data; int hlen_delta; int want; const char *msg; } cases[] = {
        {48, 0, SPECL_OK, ""},
        {47, 0, SPECL_EFORMAT, "truncated"},
        {49, 0, SPECL_EFORMAT, "trailing"},
        {200, 0, SPECL_EFORMAT, "trailing"},
        {48, 4000, SPECL_EFORMAT, "header length"},
    };
    signal(SIGPIPE, SIG_IGN);   /* the reader may close before the writer is done */
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        size_t len;
        unsigned char *b = make_npy_(1, 0, hdr, 0, big, cases[k].data, &len);
        size_t hl = (b[8] | ((size_t)b[9] << 8)) + (size_t)cases[k].hlen_delta;
        b[8] = (unsigned char)hl;
        b[9] = (unsigned char)(hl >> 8);
        specl_array a;
        int st = read_via_fifo_(fifo, b, len, &a);
        free(b);
        if (st != cases[k].want || !detail_has_(cases[k].msg))
            fprintf(stderr, "  fifo case %zu: status %d (%s)\n", k, st, specl_error_detail());
        CHECK(st == cases[k].want);
        if (st == SPECL_OK) CHECK(a.ndim == 2 && a.data && memcmp(a.data, d23_, 48) == 0);
        else CHECK(detail_has_(fifo) && detail_has_(cases[k].msg) && a.data == NULL);
        specl_array_free(&a);
    }
    signal(SIGPIPE, SIG_DFL);
}

/* Random byte mutations of a valid file: the reader returns OK or EFORMAT and never crashes
 * (meaningful under -fsanitize=address,undefined). */
TEST(npy_reader_mutation_smoke) {
    char dir[256], path[300];
    subdir_("npy_fuzz", dir, sizeof dir);
    snprintf(path, sizeof path, "%s/m.npy", dir);
    size_t blen;
    unsigned char *base = make_npy_(1, 0, "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }", 0, d23_,
                                    48, &blen);
    static const char *tokens[] = {"(", ")", ",", "'", "\"", "-", "9", "0", "True", "False", "}", "{", ":",
                                   "99999999999999999999", "<f4", "shape", "\\", " ", "\n", "L"};
    specl_rng r;
    specl_rng_seed(&r, 31337);
    unsigned char *m = malloc(blen + 256);
    int bad = 0, okc = 0, fmt = 0;
    for (int it = 0; it < 3000; it++) {
        size_t len = blen;
        memcpy(m, base, blen);
        int nmut = 1 + (int)specl_rng_below(&r, 4);
        for (int j = 0; j < nmut; j++) {
            uint64_t kind = specl_rng_below(&r, 4);
            if (kind == 0 && len) {
                m[specl_rng_below(&r, len)] = (unsigned char)specl_rng_u64(&r);
            } else if (kind == 1 && len) {
                len = (size_t)specl_rng_below(&r, len + 1);
            } else if (kind == 2) {                         /* overwrite header bytes with a token */
                const char *t = tokens[specl_rng_below(&r, sizeof tokens / sizeof tokens[0])];
                size_t tl = strlen(t), at = 10 + (size_t)specl_rng_below(&r, 60);
                if (at + tl <= len) memcpy(m + at, t, tl);
            } else if (len > 9) {                           /* header-length field */
                m[8 + specl_rng_below(&r, 2)] = (unsigned char)specl_rng_u64(&r);
            }
        }
        if (write_raw_(path, m, len) != 0) { bad++; continue; }
        specl_array a = {0};
        int st = specl_npy_read(path, &a);
        if (st == SPECL_OK) {
            okc++;
            int64_t n = specl_array_numel(&a);
            if (!(a.ndim >= 1 && a.ndim <= 4 && a.data && n >= 0 &&
                  10 + (size_t)n * specl_dtype_size(a.dtype) <= len)) bad++;
        } else if (st == SPECL_EFORMAT) {
            fmt++;
            if (!detail_has_(path) || a.data) bad++;
        } else {
            bad++;
            fprintf(stderr, "  mutation %d: status %d (%s)\n", it, st, specl_error_detail());
        }
        specl_array_free(&a);
    }
    free(m);
    free(base);
    CHECK(bad == 0);
    CHECK(fmt > 1000);
    CHECK(okc > 0);
}

/* C writes, numpy reads and writes back, C reads: the format agrees with numpy in both directions. */
TEST(npy_python_numpy_crosscheck) {
    const char *py = access("/usr/bin/python3", X_OK) == 0 ? "/usr/bin/python3" : "python3";
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "%s -c 'import numpy' >/dev/null 2>&1", py);
    if (system(cmd) != 0) {
        fprintf(stderr, "  %s cannot import numpy; install python3-numpy (scripts/setup-deps.sh does)\n", py);
        CHECK(!"numpy importable");
        return;
    }
    char dir[256], a_c[300], a_py[300], b_c[300], b_py[300], c_py[300], script[300];
    subdir_("npy_python", dir, sizeof dir);
    snprintf(a_c, sizeof a_c, "%s/a_c.npy", dir);
    snprintf(a_py, sizeof a_py, "%s/a_py.npy", dir);
    snprintf(b_c, sizeof b_c, "%s/b_c.npy", dir);
    snprintf(b_py, sizeof b_py, "%s/b_py.npy", dir);
    snprintf(c_py, sizeof c_py, "%s/c_py.npy", dir);
    snprintf(script, sizeof script, "%s/x.py", dir);
    float a[12];
    for (int i = 0; i < 12; i++) a[i] = (float)i * 0.25f - 1.0f;
    int64_t b[12];
    for (int i = 0; i < 12; i++) b[i] = (int64_t)i * 1000000007LL - 5;
    int64_t sa[2] = {3, 4}, sb[3] = {2, 2, 3};
    CHECK_OK(specl_npy_write(a_c, SPECL_F32, 2, sa, a));
    CHECK_OK(specl_npy_write(b_c, SPECL_I64, 3, sb, b));
    const char *src =
        "import io, sys, numpy as np\n"
        "a_c, a_py, b_c, b_py, c_py = sys.argv[1:6]\n"
        "a = np.load(a_c, allow_pickle=False)\n"
        "assert a.dtype == np.dtype('<f4') and a.shape == (3, 4), (a.dtype, a.shape)\n"
        "assert np.array_equal(a.ravel(), np.arange(12, dtype=np.float32) * 0.25 - 1), a\n"
        "np.save(a_py, a * 2)\n"
        "b = np.load(b_c, allow_pickle=False)\n"
        "assert b.dtype == np.dtype('<i8') and b.shape == (2, 2, 3), (b.dtype, b.shape)\n"
        "np.save(b_py, b - 7)\n"
        "np.save(c_py, (np.arange(24, dtype='<f8') / 8).reshape(2, 3, 4).astype('<i4'))\n"
        "buf = io.BytesIO(); np.save(buf, a)\n"
        "assert buf.getvalue() == open(a_c, 'rb').read(), 'numpy.save bytes differ from specl_npy_write'\n";
    CHECK(write_raw_(script, src, strlen(src)) == 0);
    snprintf(cmd, sizeof cmd, "%s %s %s %s %s %s %s 1>&2", py, script, a_c, a_py, b_c, b_py, c_py);
    int rc = system(cmd);
    CHECK(rc == 0);
    if (rc != 0) return;
    specl_array x = {0};
    CHECK_OK(specl_npy_read(a_py, &x));
    CHECK(x.dtype == SPECL_F32 && x.ndim == 2 && x.shape[0] == 3 && x.shape[1] == 4);
    if (x.data)
        for (int i = 0; i < 12; i++) CHECK(((float *)x.data)[i] == a[i] * 2);
    specl_array_free(&x);
    CHECK_OK(specl_npy_read(b_py, &x));
    CHECK(x.dtype == SPECL_I64 && x.ndim == 3 && x.shape[0] == 2 && x.shape[1] == 2 && x.shape[2] == 3);
    if (x.data)
        for (int i = 0; i < 12; i++) CHECK(((int64_t *)x.data)[i] == b[i] - 7);
    specl_array_free(&x);
    CHECK_OK(specl_npy_read(c_py, &x));
    CHECK(x.dtype == SPECL_I32 && x.ndim == 3 && x.shape[0] == 2 && x.shape[1] == 3 && x.shape[2] == 4);
    if (x.data)
        for (int i = 0; i < 24; i++) CHECK(((int32_t *)x.data)[i] == i / 8);
    specl_array_free(&x);
}

/* ---- float-buffer reductions ---- */

/* specl_sumsq sums in fixed blocks combined in order: the same double with 1 and 2 threads, within
 * 1e-12 of a long double sum; sizes around the block (4096) and group (2^20) edges, and 0. */
TEST(sumsq_threads_and_reference) {
    const size_t sizes[] = { 0, 1, 7, 4096, 4097, 65537, 300001, (size_t)1 << 20, ((size_t)1 << 20) * 2 + 4099 };
    size_t nmax = sizes[sizeof sizes / sizeof *sizes - 1];
    float *x = malloc(sizeof(float) * nmax);
    if (!x) { CHECK(0); return; }
    specl_rng r;
    specl_rng_seed(&r, 91);
    for (size_t i = 0; i < nmax; i++) x[i] = (float)(specl_rng_normal(&r) * (i % 3 ? 1e-3 : 10.0));
    int saved = omp_get_max_threads();
    for (size_t c = 0; c < sizeof sizes / sizeof *sizes; c++) {
        size_t n = sizes[c];
        long double ref = 0;
        for (size_t i = 0; i < n; i++) ref += (long double)x[i] * x[i];
        omp_set_num_threads(1);
        double s1 = specl_sumsq(x, n);
        omp_set_num_threads(2);
        double s2 = specl_sumsq(x, n);
        CHECK(memcmp(&s1, &s2, sizeof s1) == 0);
        CHECK(fabsl(s1 - ref) <= 1e-12L * ref);
    }
    omp_set_num_threads(saved);
    free(x);
}

/* specl_all_finite finds one NaN or Inf anywhere (first, last, past the first group), 1 or 2 threads */
TEST(all_finite_positions) {
    size_t n = ((size_t)1 << 20) + 5000;
    float *x = calloc(n, sizeof(float));
    if (!x) { CHECK(0); return; }
    int saved = omp_get_max_threads();
    const size_t at[] = { 0, 4095, 4096, (size_t)1 << 20, n - 1 };
    for (int t = 1; t <= 2; t++) {
        omp_set_num_threads(t);
        CHECK(specl_all_finite(x, n) && specl_all_finite(x, 0) && specl_all_finite(x, 3));
        for (size_t a = 0; a < sizeof at / sizeof *at; a++) {
            x[at[a]] = NAN;
            CHECK(!specl_all_finite(x, n));
            x[at[a]] = -INFINITY;
            CHECK(!specl_all_finite(x, n));
            CHECK(specl_all_finite(x, at[a]));   /* the prefix before it */
            x[at[a]] = 3e38f;
            CHECK(specl_all_finite(x, n));
            x[at[a]] = 0;
        }
    }
    omp_set_num_threads(saved);
    free(x);
}

RUN_TESTS(
    RUN(rng_same_seed_same_stream);
    RUN(sumsq_threads_and_reference);
    RUN(all_finite_positions);
    RUN(rng_derived_streams);
    RUN(rng_uniform_moments);
    RUN(rng_normal_moments);
    RUN(rng_below_range);
    RUN(rng_shuffle_is_permutation);
    RUN(dsyev_known_matrix);
    RUN(dsygv_random_spd_pair);
    RUN(dsygv_not_positive_definite);
    RUN(dgelsd_overdetermined_consistent);
    RUN(dgelsd_rank_deficient);
    RUN(dgelsd_underdetermined_min_norm);
    RUN(file_atomic_roundtrip);
    RUN(file_atomic_missing_directory);
    RUN(file_atomic_failure_keeps_existing);
    RUN(npy_roundtrip_all_dtypes_and_ranks);
    RUN(npy_writer_header_text);
    RUN(npy_zero_size_array);
    RUN(npy_write_rejects_bad_arguments);
    RUN(npy_reads_numpy_written_bytes);
    RUN(npy_reader_error_paths);
    RUN(npy_reader_from_pipe);
    RUN(npy_reader_mutation_smoke);
    RUN(npy_python_numpy_crosscheck)
)
