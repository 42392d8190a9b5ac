/* libFuzzer target: specl_idx_read (IDX images + labels, plain or gzipped).
 * The input holds both files: images, the separator "@LABELS@", labels. Without the separator the
 * first byte is the length of the images file and the rest after it is the labels file.
 * An input that starts with "@GZ@" is split the same way after those 4 bytes, and the harness
 * gzips both files itself: mutations of the IDX bytes then reach the parser through zlib with a
 * valid deflate stream and CRC-32, which mutating a .gz file directly almost never gives.
 * On success: n images of h x w x 1, n labels in 0..classes-1, classes <= 256 (the buffers are
 * touched at their ends, so ASan checks them). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE   /* memmem */
#endif
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>
#include "specl/images.h"

#include "fuzz_common.h"
#define SEP "@LABELS@"
#define GZ "@GZ@"

static char dir_[4096], images_[4200], labels_[4200];

static void cleanup_(void) { unlink(images_); unlink(labels_); rmdir(dir_); }

/* One temporary directory per process, created before libFuzzer starts; the same paths every run. */
__attribute__((constructor)) static void init_(void) {
    const char *t = getenv("TMPDIR");
    snprintf(dir_, sizeof dir_, "%s/specl-fuzz-idx-XXXXXX", t && *t ? t : "/tmp");
    if (!mkdtemp(dir_)) abort();
    snprintf(images_, sizeof images_, "%s/images-idx3-ubyte", dir_);
    snprintf(labels_, sizeof labels_, "%s/labels-idx1-ubyte", dir_);
    atexit(cleanup_);
}


/* The file at path holds data[0..n), gzipped (deterministic: no name, no time stamp). */
static void write_gz_(const char *path, const uint8_t *data, size_t n) {
    gzFile g = gzopen(path, "wb6");
    if (!g) abort();
    if (n && gzwrite(g, data, (unsigned)n) != (int)n) abort();
    if (gzclose(g) != Z_OK) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    int gz = size >= sizeof GZ - 1 && memcmp(data, GZ, sizeof GZ - 1) == 0;
    if (gz) data += sizeof GZ - 1, size -= sizeof GZ - 1;
    const uint8_t *sep = size ? memmem(data, size, SEP, sizeof SEP - 1) : NULL;
    size_t ni, lo;                                  /* images length, labels offset */
    if (sep) {
        ni = (size_t)(sep - data);
        lo = ni + sizeof SEP - 1;
    } else if (size) {
        ni = data[0] < size - 1 ? data[0] : size - 1;
        data++, size--;
        lo = ni;
    } else {
        ni = lo = 0;
    }
    if (gz) {
        write_gz_(images_, data, ni);
        write_gz_(labels_, data + lo, size - lo);
    } else {
        write_input_(images_, data, ni);
        write_input_(labels_, data + lo, size - lo);
    }
    specl_error_clear();
    specl_images im;
    int st = specl_idx_read(images_, labels_, &im);
    CHECK(st >= SPECL_OK && st <= SPECL_EUNSUPPORTED);
    if (st != SPECL_OK) {
        CHECK(im.pixels == NULL && im.labels == NULL && im.n == 0);   /* "On failure *out is zeroed" */
        return 0;
    }
    CHECK(im.n >= 1 && im.h >= 1 && im.w >= 1 && im.c == 1);
    CHECK(im.classes >= 1 && im.classes <= 256);
    CHECK(im.pixels && im.labels);
    int maxl = 0;
    for (int64_t i = 0; i < im.n; i++) {
        CHECK(im.labels[i] >= 0 && im.labels[i] < im.classes);
        if (im.labels[i] > maxl) maxl = im.labels[i];
    }
    CHECK(im.classes == maxl + 1);
    volatile uint8_t sink = im.pixels[(size_t)im.n * (size_t)im.h * (size_t)im.w - 1];
    (void)sink;
    specl_images_free(&im);
    return 0;
}
