/* Tests of the image-set readers: IDX round trips (plain and gzipped, written here with zlib's
 * gzwrite), the CIFAR-10 record layout (a pixel at a known row, column and channel lands where it
 * should), the Fashion-MNIST directory convention (.gz first), every reader error path (each
 * checks the status and that the message names the file), a mutation smoke test, and, when the
 * Debian package dataset-fashion-mnist is installed, the real test split. All files are made here
 * under one mkdtemp directory that is removed at exit; nothing depends on downloaded data. */
#include <errno.h>
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include "specl/base.h"
#include "specl/images.h"
#include "check.h"

/* ---- scratch directory and file helpers ---- */

static char root_[64];

static int rm_one_(const char *p, const struct stat *sb, int flag, struct FTW *ftw) {
    (void)sb; (void)flag; (void)ftw;
    return remove(p);
}
static void rm_root_(void) {
    if (root_[0]) nftw(root_, rm_one_, 16, FTW_DEPTH | FTW_PHYS);
}
static const char *subdir_(const char *name, char *out, size_t cap) {
    if (!root_[0]) {
        strcpy(root_, "/tmp/specl_test_images_XXXXXX");
        if (!mkdtemp(root_)) { perror("mkdtemp"); exit(2); }
        atexit(rm_root_);
    }
    snprintf(out, cap, "%s/%s", root_, name);
    if (mkdir(out, 0755) != 0 && errno != EEXIST) { perror(out); exit(2); }
    return out;
}
static int write_raw_(const char *path, const void *buf, size_t len) {
    FILE *f = fopen(path, "wb");
    if (!f) return -1;
    size_t w = len ? fwrite(buf, 1, len, f) : 0;
    return (fclose(f) == 0 && w == len) ? 0 : -1;
}
static int write_gz_(const char *path, const void *buf, size_t len) {
    gzFile g = gzopen(path, "wb9");
    if (!g) return -1;
    int w = len ? gzwrite(g, buf, (unsigned)len) : 0;
    return (gzclose(g) == Z_OK && (size_t)w == len) ? 0 : -1;
}
static long file_size_(const char *path) {
    struct stat sb;
    return stat(path, &sb) == 0 ? (long)sb.st_size : -1;
}
/* The whole file into a malloc'd buffer. */
static unsigned char *slurp_(const char *path, size_t *len) {
    char *b = NULL;
    if (specl_read_file(path, &b, len) != SPECL_OK) return NULL;
    return (unsigned char *)b;
}
static int detail_has_(const char *s) { return strstr(specl_error_detail(), s) != NULL; }
static int zeroed_(const specl_images *im) {
    return im->n == 0 && im->h == 0 && im->w == 0 && im->c == 0 && !im->pixels && !im->labels && im->classes == 0;
}

/* ---- IDX builders ---- */

typedef struct { unsigned char b[16384]; size_t n; } buf_;

static void put8_(buf_ *x, unsigned v) { if (x->n < sizeof x->b) x->b[x->n++] = (unsigned char)v; }
static void put32_(buf_ *x, uint32_t v) {
    for (int s = 24; s >= 0; s -= 8) put8_(x, (v >> s) & 0xff);
}
static uint8_t pix_(uint32_t i, uint32_t r, uint32_t c) { return (uint8_t)(i * 37 + r * 11 + c * 3 + 1); }
static uint8_t lab_(uint32_t i, int classes) { return (uint8_t)(i % (uint32_t)classes); }

/* An images file: magic, dims (n, h, w) as written, and min(n*h*w, data_cap) pixel bytes. */
static buf_ idx_images_(uint32_t magic, uint32_t n, uint32_t h, uint32_t w, size_t data_cap) {
    buf_ x = {.n = 0};
    put32_(&x, magic);
    put32_(&x, n);
    put32_(&x, h);
    put32_(&x, w);
    size_t k = 0;
    for (uint32_t i = 0; i < n; i++)
        for (uint32_t r = 0; r < h; r++)
            for (uint32_t c = 0; c < w; c++, k++) {
                if (k >= data_cap) return x;
                put8_(&x, pix_(i, r, c));
            }
    return x;
}
static buf_ idx_labels_(uint32_t magic, uint32_t n, int classes) {
    buf_ x = {.n = 0};
    put32_(&x, magic);
    put32_(&x, n);
    for (uint32_t i = 0; i < n; i++) put8_(&x, lab_(i, classes));
    return x;
}

/* The set read back equals what idx_images_/idx_labels_ wrote. */
static void check_idx_content_(const specl_images *im, uint32_t n, uint32_t h, uint32_t w, int classes) {
    CHECK(im->n == n && im->h == (int)h && im->w == (int)w && im->c == 1 && im->classes == classes);
    if (!im->pixels || !im->labels || im->n != n) return;
    int bad = 0;
    for (uint32_t i = 0; i < n; i++) {
        if (im->labels[i] != lab_(i, classes)) bad++;
        for (uint32_t r = 0; r < h; r++)
            for (uint32_t c = 0; c < w; c++)
                if (im->pixels[((size_t)i * h + r) * w + c] != pix_(i, r, c)) bad++;
    }
    CHECK(bad == 0);
}

/* ---- IDX round trips ---- */

TEST(idx_round_trip_plain) {
    char dir[256], ip[300], lp[300];
    subdir_("idx_plain", dir, sizeof dir);
    snprintf(ip, sizeof ip, "%s/img", dir);
    snprintf(lp, sizeof lp, "%s/lab", dir);
    buf_ im = idx_images_(0x803, 5, 3, 4, SIZE_MAX), lb = idx_labels_(0x801, 5, 3);
    CHECK(im.n == 16 + 60 && lb.n == 8 + 5);
    CHECK(write_raw_(ip, im.b, im.n) == 0 && write_raw_(lp, lb.b, lb.n) == 0);
    specl_images s;
    CHECK_OK(specl_idx_read(ip, lp, &s));
    check_idx_content_(&s, 5, 3, 4, 3);
    specl_images_free(&s);
    CHECK(zeroed_(&s));
    specl_images_free(&s);          /* twice is harmless */
    specl_images_free(NULL);
    /* one image of one pixel, label 255: 256 classes */
    buf_ im1 = idx_images_(0x803, 1, 1, 1, SIZE_MAX), lb1 = idx_labels_(0x801, 1, 1);
    lb1.b[8] = 255;
    CHECK(write_raw_(ip, im1.b, im1.n) == 0 && write_raw_(lp, lb1.b, lb1.n) == 0);
    CHECK_OK(specl_idx_read(ip, lp, &s));
    CHECK(s.n == 1 && s.h == 1 && s.w == 1 && s.classes == 256 && s.labels && s.labels[0] == 255);
    specl_images_free(&s);
}

TEST(idx_round_trip_gz) {
    char dir[256], ip[300], lp[300], lplain[300];
    subdir_("idx_gz", dir, sizeof dir);
    snprintf(ip, sizeof ip, "%s/img.gz", dir);
    snprintf(lp, sizeof lp, "%s/lab.gz", dir);
    snprintf(lplain, sizeof lplain, "%s/lab", dir);
    buf_ im = idx_images_(0x803, 40, 7, 9, SIZE_MAX), lb = idx_labels_(0x801, 40, 10);
    CHECK(write_gz_(ip, im.b, im.n) == 0 && write_gz_(lp, lb.b, lb.n) == 0 && write_raw_(lplain, lb.b, lb.n) == 0);
    CHECK(file_size_(ip) > 0 && (size_t)file_size_(ip) < im.n);       /* really compressed */
    specl_images s;
    CHECK_OK(specl_idx_read(ip, lp, &s));
    check_idx_content_(&s, 40, 7, 9, 10);
    specl_images_free(&s);
    CHECK_OK(specl_idx_read(ip, lplain, &s));                          /* gzipped and plain mixed */
    check_idx_content_(&s, 40, 7, 9, 10);
    specl_images_free(&s);
}

/* ---- IDX error paths ---- */

/* Write the two files (images gzipped when gz), read, and check the status, that the message
 * names the bad file and holds msg, and that the output is zeroed. */
static void idx_case_(const char *name, const buf_ *im, const buf_ *lb, int gz, int want, int bad_labels,
                      const char *msg) {
    char dir[256], ip[300], lp[300];
    subdir_("idx_errors", dir, sizeof dir);
    snprintf(ip, sizeof ip, "%s/%s-images%s", dir, name, gz ? ".gz" : "");
    snprintf(lp, sizeof lp, "%s/%s-labels", dir, name);
    if (im) CHECK((gz ? write_gz_(ip, im->b, im->n) : write_raw_(ip, im->b, im->n)) == 0);
    if (lb) CHECK(write_raw_(lp, lb->b, lb->n) == 0);
    specl_images s;
    memset(&s, 0x5a, sizeof s);
    int st = specl_idx_read(ip, lp, &s);
    const char *bad = bad_labels ? lp : ip;
    int ok = st == want && detail_has_(bad) && detail_has_(msg) && zeroed_(&s);
    if (!ok) fprintf(stderr, "  case %s: status %d (want %d): %s\n", name, st, want, specl_error_detail());
    CHECK(ok);
    specl_images_free(&s);
}

TEST(idx_header_errors) {
    buf_ lb = idx_labels_(0x801, 5, 3);
    buf_ im = idx_images_(0x12340803, 5, 3, 4, SIZE_MAX);
    idx_case_("magic", &im, &lb, 0, SPECL_EFORMAT, 0, "magic is 0x12340803, expected 0x00000803");
    im = idx_images_(0x0d03, 5, 3, 4, SIZE_MAX);
    idx_case_("type", &im, &lb, 0, SPECL_EFORMAT, 0, "data type byte 0x0d (float32), expected 0x08");
    im = idx_images_(0x0802, 5, 3, 4, SIZE_MAX);
    idx_case_("ndim", &im, &lb, 0, SPECL_EFORMAT, 0, "has 2 dimensions, expected 3");
    idx_case_("swapped", &lb, &lb, 0, SPECL_EFORMAT, 0, "is this the labels file?");
    im = idx_images_(0x803, 5, 3, 4, SIZE_MAX);
    buf_ lbad = idx_labels_(0x803, 5, 3);
    idx_case_("labels-magic", &im, &lbad, 0, SPECL_EFORMAT, 1, "has 3 dimensions, expected 1");
    lbad = idx_labels_(0x00010801, 5, 3);
    idx_case_("labels-magic2", &im, &lbad, 0, SPECL_EFORMAT, 1, "magic is 0x00010801, expected 0x00000801");
    lbad = idx_labels_(0x0901, 5, 3);
    idx_case_("labels-type", &im, &lbad, 0, SPECL_EFORMAT, 1, "data type byte 0x09 (signed byte)");
    buf_ z = idx_images_(0x803, 0, 3, 4, SIZE_MAX);
    idx_case_("zero-n", &z, &lb, 0, SPECL_EFORMAT, 0, "dimension 0 (number of images) is 0");
    z = idx_images_(0x803, 5, 0, 4, SIZE_MAX);
    idx_case_("zero-rows", &z, &lb, 0, SPECL_EFORMAT, 0, "dimension 1 (rows) is 0");
    z = idx_images_(0x803, 5, 3, 0, SIZE_MAX);
    idx_case_("zero-cols", &z, &lb, 0, SPECL_EFORMAT, 0, "dimension 2 (columns) is 0");
    lbad = idx_labels_(0x801, 0, 3);
    idx_case_("zero-labels", &im, &lbad, 0, SPECL_EFORMAT, 1, "dimension 0 (number of labels) is 0");
    z = idx_images_(0x803, 0xffffffffu, 0x7fffffffu, 0x7fffffffu, 0);
    idx_case_("overflow", &z, &lb, 0, SPECL_EFORMAT, 0, "overflows");
    z = idx_images_(0x803, 5, 0x80000000u, 1, 0);
    idx_case_("rows-too-big", &z, &lb, 0, SPECL_EFORMAT, 0, "(rows) is 2147483648, expected at most");
    buf_ e = {.n = 0};
    idx_case_("empty", &e, &lb, 0, SPECL_EFORMAT, 0, "empty file");
    idx_case_("empty-labels", &im, &e, 0, SPECL_EFORMAT, 1, "empty file");
    buf_ t = im;
    t.n = 2;
    idx_case_("short-magic", &t, &lb, 0, SPECL_EFORMAT, 0, "inside the 4-byte magic");
    t.n = 10;
    idx_case_("short-dims", &t, &lb, 0, SPECL_EFORMAT, 0, "inside the dimension sizes (6 of 12 bytes");
    idx_case_("missing", NULL, &lb, 0, SPECL_EIO, 0, "cannot open");
    idx_case_("missing-labels", &im, NULL, 0, SPECL_EIO, 1, "cannot open");
}

TEST(idx_size_errors) {
    buf_ lb = idx_labels_(0x801, 5, 3), im = idx_images_(0x803, 5, 3, 4, SIZE_MAX), t = im;
    t.n--;
    idx_case_("truncated", &t, &lb, 0, SPECL_EFORMAT, 0, "is 59 bytes after the 16-byte header, expected 60 for "
              "shape (5, 3, 4) (truncated)");
    idx_case_("truncated-gz-data", &t, &lb, 1, SPECL_EFORMAT, 0, "(truncated)");
    t = im;
    put8_(&t, 1); put8_(&t, 2); put8_(&t, 3);
    idx_case_("trailing", &t, &lb, 0, SPECL_EFORMAT, 0, "longer than the 60 bytes shape (5, 3, 4) needs (3 trailing");
    idx_case_("trailing-gz", &t, &lb, 1, SPECL_EFORMAT, 0, "(3 trailing bytes)");
    buf_ l = lb;
    l.n--;
    idx_case_("labels-truncated", &im, &l, 0, SPECL_EFORMAT, 1, "expected 5 for shape (5,) (truncated)");
    l = lb;
    put8_(&l, 0);
    idx_case_("labels-trailing", &im, &l, 0, SPECL_EFORMAT, 1, "(1 trailing bytes)");
    l = idx_labels_(0x801, 4, 3);
    idx_case_("count", &im, &l, 0, SPECL_EFORMAT, 1, "4 labels, expected 5, one for each image in");
    /* a header claiming 2^31 images of 28x28 over 10 bytes: truncated, not out of memory */
    buf_ huge = idx_images_(0x803, 0x7fffffffu, 28, 28, 10), hl = {.n = 0};
    put32_(&hl, 0x801);
    put32_(&hl, 0x7fffffffu);
    idx_case_("huge-claim", &huge, &hl, 0, SPECL_EFORMAT, 0, "is 10 bytes after the 16-byte header");
}

/* Damaged .gz files, and a directory where a file should be. */
TEST(idx_gz_and_io_errors) {
    char dir[256], ip[300], lp[300];
    subdir_("idx_gz_errors", dir, sizeof dir);
    snprintf(ip, sizeof ip, "%s/img.gz", dir);
    snprintf(lp, sizeof lp, "%s/lab", dir);
    buf_ im = idx_images_(0x803, 40, 7, 9, SIZE_MAX), lb = idx_labels_(0x801, 40, 10);
    CHECK(write_raw_(lp, lb.b, lb.n) == 0);
    specl_images s;
    CHECK(write_gz_(ip, im.b, im.n) == 0);
    long full = file_size_(ip);
    /* cut in the middle of the deflate data, then only the 8-byte trailer, then its last 4 bytes */
    long cuts[] = {full / 2, full - 8, full - 4, 12};
    for (size_t k = 0; k < sizeof cuts / sizeof cuts[0]; k++) {
        CHECK(write_gz_(ip, im.b, im.n) == 0 && truncate(ip, cuts[k]) == 0);
        int st = specl_idx_read(ip, lp, &s);
        int ok = st == SPECL_EFORMAT && detail_has_(ip) && detail_has_("truncated") && zeroed_(&s);
        if (!ok) fprintf(stderr, "  cut at %ld of %ld: status %d: %s\n", cuts[k], full, st, specl_error_detail());
        CHECK(ok);
    }
    /* a wrong CRC-32 in the trailer */
    CHECK(write_gz_(ip, im.b, im.n) == 0);
    size_t len;
    unsigned char *g = slurp_(ip, &len);
    CHECK(g && len == (size_t)full);
    if (g) {
        g[len - 8] ^= 0xff;
        CHECK(write_raw_(ip, g, len) == 0);
        CHECK(specl_idx_read(ip, lp, &s) == SPECL_EFORMAT);
        CHECK(detail_has_(ip) && detail_has_("corrupt gzip data") && zeroed_(&s));
        free(g);
    }
    /* a directory opens but cannot be read */
    CHECK(specl_idx_read(dir, lp, &s) == SPECL_EIO);
    CHECK(detail_has_(dir) && detail_has_("read error") && zeroed_(&s));
    CHECK(specl_idx_read(NULL, lp, &s) == SPECL_EINVAL && zeroed_(&s));
    CHECK(specl_idx_read(ip, lp, NULL) == SPECL_EINVAL);
}

/* ---- Fashion-MNIST directory ---- */

TEST(fashion_mnist_dir) {
    char dir[256], p[400];
    subdir_("fashion", dir, sizeof dir);
    buf_ im = idx_images_(0x803, 6, 4, 4, SIZE_MAX), lb = idx_labels_(0x801, 6, 2);
    buf_ im3 = idx_images_(0x803, 3, 2, 5, SIZE_MAX), lb3 = idx_labels_(0x801, 3, 3);
    specl_images s;
    /* nothing there: the message names the missing file */
    CHECK(specl_fashion_mnist_read(dir, 1, &s) == SPECL_EIO);
    CHECK(detail_has_(dir) && detail_has_("train-images-idx3-ubyte") && zeroed_(&s));
    /* train: .gz files, and a plain images file beside them that must not be chosen */
    snprintf(p, sizeof p, "%s/train-images-idx3-ubyte.gz", dir);
    CHECK(write_gz_(p, im.b, im.n) == 0);
    snprintf(p, sizeof p, "%s/train-images-idx3-ubyte", dir);
    CHECK(write_raw_(p, im3.b, im3.n) == 0);
    CHECK(specl_fashion_mnist_read(dir, 1, &s) == SPECL_EIO);        /* labels still missing */
    CHECK(detail_has_("train-labels-idx1-ubyte") && zeroed_(&s));
    snprintf(p, sizeof p, "%s/train-labels-idx1-ubyte.gz", dir);
    CHECK(write_gz_(p, lb.b, lb.n) == 0);
    CHECK_OK(specl_fashion_mnist_read(dir, 1, &s));
    check_idx_content_(&s, 6, 4, 4, 2);
    specl_images_free(&s);
    /* test split: plain files only */
    snprintf(p, sizeof p, "%s/t10k-images-idx3-ubyte", dir);
    CHECK(write_raw_(p, im3.b, im3.n) == 0);
    snprintf(p, sizeof p, "%s/t10k-labels-idx1-ubyte", dir);
    CHECK(write_raw_(p, lb3.b, lb3.n) == 0);
    CHECK_OK(specl_fashion_mnist_read(dir, 0, &s));
    check_idx_content_(&s, 3, 2, 5, 3);
    specl_images_free(&s);
}

/* The Debian package's test split, when installed (reported as skipped when it is not). */
TEST(fashion_mnist_real) {
    if (access(SPECL_FASHION_MNIST_DIR, R_OK) != 0) {
        CHECK_SKIP("%s not present (scripts/setup-deps.sh installs dataset-fashion-mnist)", SPECL_FASHION_MNIST_DIR);
    }
    specl_images s;
    CHECK_OK(specl_fashion_mnist_read(SPECL_FASHION_MNIST_DIR, 0, &s));
    CHECK(s.n == 10000 && s.h == 28 && s.w == 28 && s.c == 1 && s.classes == 10);
    if (s.labels && s.n == 10000) {
        int64_t count[10] = {0};
        for (int64_t i = 0; i < s.n; i++)
            if (s.labels[i] >= 0 && s.labels[i] < 10) count[s.labels[i]]++;
        for (int k = 0; k < 10; k++) CHECK(count[k] == 1000);     /* the test split is balanced */
    }
    specl_images_free(&s);
}

/* ---- CIFAR-10 ---- */

enum { REC = 3073, MARK_REC = 3, MARK_ROW = 5, MARK_COL = 7, MARK_CH = 2, MARK = 0xEE };

/* Pixel of record r (counted over all files) at (row, col, ch), with one marked pixel. */
static uint8_t cpix_(int r, int row, int col, int ch) {
    if (r == MARK_REC && row == MARK_ROW && col == MARK_COL && ch == MARK_CH) return MARK;
    return (uint8_t)((r * 31 + ch * 101 + row * 7 + col * 13) % 0xEE);
}
/* Records first..first+count-1, laid out as CIFAR-10 does (label, R plane, G plane, B plane). */
static unsigned char *cifar_file_(int first, int count, size_t *len) {
    unsigned char *b = calloc((size_t)count * REC + 16, 1);
    for (int k = 0; k < count; k++) {
        unsigned char *rec = b + (size_t)k * REC;
        rec[0] = (unsigned char)((first + k) * 3 % 10);
        for (int ch = 0; ch < 3; ch++)
            for (int row = 0; row < 32; row++)
                for (int col = 0; col < 32; col++) rec[1 + ch * 1024 + row * 32 + col] = cpix_(first + k, row, col, ch);
    }
    *len = (size_t)count * REC;
    return b;
}

TEST(cifar_layout) {
    char dir[256], a[300], b[300];
    subdir_("cifar", dir, sizeof dir);
    snprintf(a, sizeof a, "%s/data_batch_1.bin", dir);
    snprintf(b, sizeof b, "%s/data_batch_2.bin", dir);
    size_t la, lb;
    unsigned char *fa = cifar_file_(0, 3, &la), *fb = cifar_file_(3, 2, &lb);
    /* the marked pixel is byte 1 + 2*1024 + 5*32 + 7 of the first record of the second file */
    CHECK(fb[1 + MARK_CH * 1024 + MARK_ROW * 32 + MARK_COL] == MARK);
    CHECK(write_raw_(a, fa, la) == 0 && write_raw_(b, fb, lb) == 0);
    const char *paths[2] = {a, b};
    specl_images s;
    CHECK_OK(specl_cifar10_read(paths, 2, &s));
    CHECK(s.n == 5 && s.h == 32 && s.w == 32 && s.c == 3 && s.classes == 10);
    if (s.pixels && s.n == 5) {
        CHECK(s.pixels[(((size_t)MARK_REC * 32 + MARK_ROW) * 32 + MARK_COL) * 3 + MARK_CH] == MARK);
        int marks = 0, bad = 0;
        for (int r = 0; r < 5; r++) {
            if (s.labels[r] != r * 3 % 10) bad++;
            for (int row = 0; row < 32; row++)
                for (int col = 0; col < 32; col++)
                    for (int ch = 0; ch < 3; ch++) {
                        uint8_t v = s.pixels[(((size_t)r * 32 + row) * 32 + col) * 3 + ch];
                        if (v != cpix_(r, row, col, ch)) bad++;
                        if (v == MARK) marks++;
                    }
        }
        CHECK(bad == 0 && marks == 1);
        /* first file alone: the same first three images */
        specl_images one;
        CHECK_OK(specl_cifar10_read(paths, 1, &one));
        CHECK(one.n == 3 && one.pixels && memcmp(one.pixels, s.pixels, 3 * 3072) == 0);
        specl_images_free(&one);
    }
    specl_images_free(&s);
    free(fa);
    free(fb);
}

/* Write bytes to dir/name, read [good, that file], check status, message and zeroed output. */
static void cifar_case_(const char *name, const unsigned char *bytes, size_t len, int want, const char *msg) {
    char dir[256], good[300], p[300];
    subdir_("cifar_errors", dir, sizeof dir);
    snprintf(good, sizeof good, "%s/good.bin", dir);
    snprintf(p, sizeof p, "%s/%s", dir, name);
    size_t gl;
    unsigned char *g = cifar_file_(0, 2, &gl);
    CHECK(write_raw_(good, g, gl) == 0);
    free(g);
    if (bytes) CHECK(write_raw_(p, bytes, len) == 0);
    const char *paths[2] = {good, p};
    specl_images s;
    int st = specl_cifar10_read(paths, 2, &s);
    int ok = st == want && detail_has_(p) && detail_has_(msg) && zeroed_(&s);
    if (!ok) fprintf(stderr, "  case %s: status %d (want %d): %s\n", name, st, want, specl_error_detail());
    CHECK(ok);
}

TEST(cifar_errors) {
    size_t len;
    unsigned char *f = cifar_file_(0, 3, &len);
    cifar_case_("short.bin", f, 2 * REC + 5, SPECL_EFORMAT, "size 6151 bytes is not a multiple of the 3073-byte");
    cifar_case_("cifar100.bin", f, 2 * 3074, SPECL_EFORMAT, "CIFAR-100");
    unsigned char gzhead[10] = {0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3};
    cifar_case_("batch.gz", gzhead, sizeof gzhead, SPECL_EFORMAT, "size 10 bytes is not a multiple of the "
                "3073-byte CIFAR-10 record (1 label byte + 3072 pixel bytes); it is gzip-compressed");
    f[REC] = 10;                                                      /* record 1 */
    cifar_case_("label10.bin", f, len, SPECL_EFORMAT, "record 1 (byte offset 3073) has label 10, expected 0..9");
    f[REC] = 255;
    cifar_case_("label255.bin", f, len, SPECL_EFORMAT, "has label 255");
    cifar_case_("empty.bin", f, 0, SPECL_EFORMAT, "empty file");
    cifar_case_("missing.bin", NULL, 0, SPECL_EIO, "cannot open");
    free(f);
    specl_images s;
    const char *none[1] = {NULL};
    CHECK(specl_cifar10_read(none, 0, &s) == SPECL_EINVAL && zeroed_(&s));
    CHECK(specl_cifar10_read(none, 1, &s) == SPECL_EINVAL && zeroed_(&s));
    CHECK(specl_cifar10_read(NULL, 1, &s) == SPECL_EINVAL);
}

/* ---- mutation smoke test ---- */

/* One mutated variant of base (bytes flipped, set to header-ish values, cut, or extended). */
static size_t mutate_(specl_rng *r, const unsigned char *base, size_t blen, unsigned char *m, size_t cap) {
    static const unsigned char vals[] = {0x00, 0x01, 0x03, 0x08, 0x0d, 0x7f, 0x80, 0xff};
    size_t len = blen;
    memcpy(m, base, blen);
    int nmut = 1 + (int)specl_rng_below(r, 3);
    for (int j = 0; j < nmut; j++) {
        uint64_t kind = specl_rng_below(r, 4);
        if (kind == 0 && len) m[specl_rng_below(r, len)] = (unsigned char)specl_rng_u64(r);
        else if (kind == 1 && len) len = (size_t)specl_rng_below(r, len + 1);
        else if (kind == 2 && len) {
            size_t at = (size_t)specl_rng_below(r, len < 16 ? len : 16);
            m[at] = vals[specl_rng_below(r, sizeof vals)];
        } else {
            size_t add = 1 + (size_t)specl_rng_below(r, 8);
            for (size_t k = 0; k < add && len < cap; k++) m[len++] = (unsigned char)specl_rng_u64(r);
        }
    }
    return len;
}

/* 3000 random damages (1000 each) to a valid small IDX pair: the images file plain and gzipped,
 * the labels file: only OK, EFORMAT or EIO come back,
 * a failure names a file and leaves the output zeroed, a success is self-consistent, and nothing
 * crashes (meaningful under -fsanitize=address,undefined). */
TEST(idx_mutation_smoke) {
    char dir[256], ip[300], lp[300], gp[300];
    subdir_("idx_fuzz", dir, sizeof dir);
    snprintf(ip, sizeof ip, "%s/img", dir);
    snprintf(lp, sizeof lp, "%s/lab", dir);
    snprintf(gp, sizeof gp, "%s/img.gz", dir);
    buf_ im = idx_images_(0x803, 4, 5, 6, SIZE_MAX), lb = idx_labels_(0x801, 4, 3);
    CHECK(write_gz_(gp, im.b, im.n) == 0);
    size_t glen;
    unsigned char *gz = slurp_(gp, &glen), m[1024];
    CHECK(gz != NULL);
    if (!gz) return;
    specl_rng r;
    specl_rng_seed(&r, 20240605);
    int bad = 0, okc = 0, fail = 0;
    for (int it = 0; it < 3000; it++) {
        int target = it % 3;                     /* 0 plain images, 1 labels, 2 gzipped images */
        const char *path = target == 2 ? gp : ip;
        CHECK(write_raw_(ip, im.b, im.n) == 0 && write_raw_(lp, lb.b, lb.n) == 0);
        if (target == 1) CHECK(write_raw_(lp, m, mutate_(&r, lb.b, lb.n, m, sizeof m)) == 0);
        else if (target == 0) CHECK(write_raw_(ip, m, mutate_(&r, im.b, im.n, m, sizeof m)) == 0);
        else CHECK(write_raw_(gp, m, mutate_(&r, gz, glen, m, sizeof m)) == 0);
        specl_images s;
        int st = specl_idx_read(path, lp, &s);
        if (st == SPECL_OK) {
            okc++;
            if (!(s.n >= 1 && s.h >= 1 && s.w >= 1 && s.c == 1 && s.pixels && s.labels && s.classes >= 1 &&
                  s.classes <= 256 && (target == 2 || (uint64_t)s.n * s.h * s.w + 16 <= sizeof m))) bad++;
            for (int64_t i = 0; s.labels && i < s.n; i++)
                if (s.labels[i] < 0 || s.labels[i] >= s.classes) { bad++; break; }
        } else if (st == SPECL_EFORMAT || st == SPECL_EIO) {
            fail++;
            if (!(detail_has_(path) || detail_has_(lp)) || !zeroed_(&s)) bad++;
        } else {
            bad++;
            fprintf(stderr, "  mutation %d: status %d (%s)\n", it, st, specl_error_detail());
        }
        specl_images_free(&s);
    }
    free(gz);
    CHECK(bad == 0);
    CHECK(fail > 1000);
    CHECK(okc > 0);
}

RUN_TESTS(
    RUN(idx_round_trip_plain);
    RUN(idx_round_trip_gz);
    RUN(idx_header_errors);
    RUN(idx_size_errors);
    RUN(idx_gz_and_io_errors);
    RUN(fashion_mnist_dir);
    RUN(fashion_mnist_real);
    RUN(cifar_layout);
    RUN(cifar_errors);
    RUN(idx_mutation_smoke)
)
