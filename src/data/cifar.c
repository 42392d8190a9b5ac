/* CIFAR-10 binary batches (data_batch_1.bin ... data_batch_5.bin, test_batch.bin).
 *
 * The binary version is headerless: a file is a run of 3073-byte records, one label byte (0..9)
 * followed by the image as three 32x32 planes (all R, then all G, then all B, each row-major).
 * With no header, the only checks are the ones the layout allows, and they are all made before
 * anything is converted: the size is a positive multiple of 3073 (the message names the file, its
 * size and the record size, and says so when the file looks like CIFAR-100's 3074-byte records, a
 * gzip file or the pickled python version), and every label is below 10. Each file is read whole (a batch is
 * 30 MB), checked, and appended to the output, converted planes-first to channels-last, so the
 * peak memory is the output plus one file. Anchor: A. Krizhevsky's CIFAR page, "Binary version".
 */
#include <stdlib.h>
#include <string.h>
#include "specl/images.h"

#define CIFAR_SIDE 32
#define CIFAR_PLANE (CIFAR_SIDE * CIFAR_SIDE)    /* 1024 */
#define CIFAR_CHANNELS 3
#define CIFAR_PIXELS (CIFAR_CHANNELS * CIFAR_PLANE) /* 3072 */
#define CIFAR_RECORD (1 + CIFAR_PIXELS)           /* 3073 */
#define CIFAR_CLASSES 10

/* Why a file's size may be wrong, for the message: another format it looks like, or nothing. */
static const char *size_hint_(const unsigned char *buf, size_t len) {
    if (len % (CIFAR_RECORD + 1) == 0)
        return "; it is a multiple of 3074, the CIFAR-100 record with two label bytes, which is not supported";
    if (len >= 2 && buf[0] == 0x1f && buf[1] == 0x8b) return "; it is gzip-compressed: extract it first";
    if (buf[0] == 0x80) return "; it starts like a Python pickle: use the binary version of CIFAR-10";
    return "";
}

/* Size and labels of one file's bytes; *records receives the record count. */
static int cifar_check_(const char *path, const unsigned char *buf, size_t len, int64_t *records) {
    if (len == 0)
        return specl_error(SPECL_EFORMAT, "%s: empty file, expected CIFAR-10 records of %d bytes (1 label byte + %d "
                           "pixel bytes)", path, CIFAR_RECORD, CIFAR_PIXELS);
    if (len % CIFAR_RECORD != 0) {
        const char *hint = size_hint_(buf, len);
        return specl_error(SPECL_EFORMAT, "%s: size %zu bytes is not a multiple of the %d-byte CIFAR-10 record "
                           "(1 label byte + %d pixel bytes)%s", path, len, CIFAR_RECORD, CIFAR_PIXELS, hint);
    }
    size_t n = len / CIFAR_RECORD;
    for (size_t r = 0; r < n; r++) {
        unsigned lab = buf[r * CIFAR_RECORD];
        if (lab >= CIFAR_CLASSES)
            return specl_error(SPECL_EFORMAT, "%s: record %zu (byte offset %zu) has label %u, expected 0..%d", path,
                               r, r * CIFAR_RECORD, lab, CIFAR_CLASSES - 1);
    }
    *records = (int64_t)n;
    return SPECL_OK;
}

/* One record: rec (1 + 3 planes of (32, 32)) -> img (32, 32, 3) and its label. */
static void cifar_convert_(const unsigned char *rec, uint8_t *img, int32_t *label) {
    *label = rec[0];
    const unsigned char *planes = rec + 1;
    for (int p = 0; p < CIFAR_PLANE; p++)            /* p = row * 32 + col */
        for (int ch = 0; ch < CIFAR_CHANNELS; ch++)
            img[p * CIFAR_CHANNELS + ch] = planes[ch * CIFAR_PLANE + p];
}

/* Grow out's buffers to hold `extra` more images. */
static int cifar_grow_(specl_images *out, int64_t extra, const char *path) {
    int64_t n = out->n + extra;
    if ((uint64_t)n > SIZE_MAX / CIFAR_PIXELS)
        return specl_error(SPECL_ENOMEM, "%s: %lld images in all do not fit in memory", path, (long long)n);
    uint8_t *px = realloc(out->pixels, (size_t)n * CIFAR_PIXELS);
    if (!px) return specl_error(SPECL_ENOMEM, "%s: cannot allocate %lld images", path, (long long)n);
    out->pixels = px;
    int32_t *lb = realloc(out->labels, (size_t)n * sizeof *lb);
    if (!lb) return specl_error(SPECL_ENOMEM, "%s: cannot allocate %lld labels", path, (long long)n);
    out->labels = lb;
    return SPECL_OK;
}

/* Read, check and append one file. */
static int cifar_append_(const char *path, specl_images *out) {
    char *buf = NULL;
    size_t len = 0;
    int64_t records = 0;
    int st = specl_read_file(path, &buf, &len);
    if (st) {
        if (st == SPECL_ENOMEM) specl_error(st, "%s: cannot allocate memory to read the file", path);
        return st;
    }
    const unsigned char *b = (const unsigned char *)buf;
    if ((st = cifar_check_(path, b, len, &records)) == SPECL_OK && (st = cifar_grow_(out, records, path)) == SPECL_OK) {
        for (int64_t r = 0; r < records; r++)
            cifar_convert_(b + (size_t)r * CIFAR_RECORD, out->pixels + (size_t)(out->n + r) * CIFAR_PIXELS,
                           out->labels + out->n + r);
        out->n += records;
    }
    free(buf);
    return st;
}

int specl_cifar10_read(const char *const *paths, int n_paths, specl_images *out) {
    if (!out) return specl_error(SPECL_EINVAL, "cifar10 read: no output");
    memset(out, 0, sizeof *out);
    if (!paths || n_paths < 1) return specl_error(SPECL_EINVAL, "cifar10 read: %d files, expected at least 1", n_paths);
    for (int i = 0; i < n_paths; i++)
        if (!paths[i]) return specl_error(SPECL_EINVAL, "cifar10 read: file %d has no path", i);
    for (int i = 0; i < n_paths; i++) {
        int st = cifar_append_(paths[i], out);
        if (st) {
            specl_images_free(out);
            return st;
        }
    }
    out->h = out->w = CIFAR_SIDE;
    out->c = CIFAR_CHANNELS;
    out->classes = CIFAR_CLASSES;
    return SPECL_OK;
}
