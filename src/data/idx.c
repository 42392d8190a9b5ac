/* IDX image sets (MNIST, Fashion-MNIST), plain or gzipped, and the Fashion-MNIST directory layout.
 *
 * An IDX file is a 4-byte magic (two zero bytes, a data-type byte, the number of dimensions),
 * one big-endian uint32 per dimension, then the data in row-major order. The distributions ship
 * the files gzipped, so both files are read through zlib's gzopen/gzread, which reads plain files
 * unchanged; the code never needs to know which it got. Because a gzip stream has no reliable
 * uncompressed size up front, sizes are checked by reading: the data buffer grows as bytes arrive
 * (so a header that claims 4 billion images costs only what the file really holds), a short read
 * is "truncated", and after the claimed bytes the file must be at its end ("trailing bytes").
 * A gzip stream that ends early and corrupt compressed data are SPECL_EFORMAT like any other
 * malformed content; open and read failures are SPECL_EIO. Every message names the file.
 * Anchor: the file-format section of Y. LeCun's MNIST page.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>
#include "specl/images.h"

#define IDX_TYPE_UBYTE 0x08
#define IDX_MAX_DIMS 3
#define IDX_FIRST_ALLOC (1u << 20)      /* the data buffer starts at this size and doubles */
#define IDX_GZ_BUFFER (1u << 17)        /* zlib's input buffer */
#define IDX_COUNT_LIMIT (1ull << 30)    /* trailing bytes are counted up to this many */

void specl_images_free(specl_images *im) {
    if (!im) return;
    free(im->pixels);
    free(im->labels);
    memset(im, 0, sizeof *im);
}

/* One IDX file being read. */
typedef struct {
    const char *path;
    const char *what;                /* "images" or "labels" */
    int ndim;                        /* expected number of dimensions (3 or 1) */
    gzFile gz;
    uint32_t dims[IDX_MAX_DIMS];     /* valid after idx_header_ */
    uint64_t pos;                    /* uncompressed bytes consumed */
} idx_file_;

static uint32_t be32_(const unsigned char *b) {
    return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | (uint32_t)b[3];
}

static const char *dim_name_(const idx_file_ *f, int i) {
    static const char *const names[IDX_MAX_DIMS] = {"count", "rows", "columns"};
    return i == 0 ? (f->ndim == 1 ? "number of labels" : "number of images") : names[i];
}

/* "(1000, 28, 28)" for messages. */
static const char *shape_str_(const idx_file_ *f, char out[64]) {
    if (f->ndim == 1) snprintf(out, 64, "(%u,)", f->dims[0]);
    else snprintf(out, 64, "(%u, %u, %u)", f->dims[0], f->dims[1], f->dims[2]);
    return out;
}

/* The status for zlib's error state after a failed or short read (errno_saved: errno right after
 * the read, for Z_ERRNO). */
static int gz_status_(const idx_file_ *f, int zerr, const char *zmsg, int errno_saved) {
    switch (zerr) {
    case Z_ERRNO:
        return specl_error(SPECL_EIO, "%s: read error (%s)", f->path, strerror(errno_saved));
    case Z_MEM_ERROR:
        return specl_error(SPECL_ENOMEM, "%s: out of memory while decompressing", f->path);
    case Z_BUF_ERROR:
        return specl_error(SPECL_EFORMAT,
                           "%s: gzip stream ends early after %llu uncompressed bytes (truncated .gz file)", f->path,
                           (unsigned long long)f->pos);
    default:
        return specl_error(SPECL_EFORMAT, "%s: corrupt gzip data after %llu uncompressed bytes (zlib: %s)", f->path,
                           (unsigned long long)f->pos, zmsg ? zmsg : "unknown error");
    }
}

/* Read up to n bytes; *got < n only at the end of the input. A gzip stream that stops before its
 * end marker, corrupt compressed data and read errors are reported here. */
static int idx_read_(idx_file_ *f, void *buf, size_t n, size_t *got) {
    size_t have = 0;
    *got = 0;
    while (have < n) {
        size_t left = n - have;
        unsigned chunk = left > (1u << 30) ? (1u << 30) : (unsigned)left;
        errno = 0;
        int r = gzread(f->gz, (unsigned char *)buf + have, chunk);
        int e = errno, zerr = Z_OK;
        if (r < 0) {
            const char *zmsg = gzerror(f->gz, &zerr);
            return gz_status_(f, zerr, zmsg, e);
        }
        have += (size_t)r;
        f->pos += (uint64_t)r;
        if ((unsigned)r < chunk) {                   /* end of input: clean, or mid-stream? */
            const char *zmsg = gzerror(f->gz, &zerr);
            if (zerr != Z_OK) return gz_status_(f, zerr, zmsg, e);
            break;
        }
    }
    *got = have;
    return SPECL_OK;
}

static const char *type_name_(int t) {
    switch (t) {
    case 0x08: return "unsigned byte";
    case 0x09: return "signed byte";
    case 0x0B: return "int16";
    case 0x0C: return "int32";
    case 0x0D: return "float32";
    case 0x0E: return "float64";
    default: return "not an IDX type";
    }
}

/* The 4-byte magic: two zero bytes, type 0x08, f->ndim dimensions. */
static int idx_magic_(idx_file_ *f) {
    unsigned char m[4];
    size_t got;
    uint32_t want = (uint32_t)(IDX_TYPE_UBYTE << 8 | f->ndim);
    int st = idx_read_(f, m, 4, &got);
    if (st) return st;
    if (got == 0)
        return specl_error(SPECL_EFORMAT, "%s: empty file, expected the IDX %s magic 0x%08x", f->path, f->what, want);
    if (got < 4)
        return specl_error(SPECL_EFORMAT, "%s: file ends after %zu bytes, inside the 4-byte magic (expected 0x%08x)",
                           f->path, got, want);
    uint32_t magic = be32_(m);
    if (m[0] || m[1])
        return specl_error(SPECL_EFORMAT,
                           "%s: magic is 0x%08x, expected 0x%08x (IDX %s: two zero bytes, type 0x08, %d dimension%s)",
                           f->path, magic, want, f->what, f->ndim, f->ndim == 1 ? "" : "s");
    if (m[2] != IDX_TYPE_UBYTE)
        return specl_error(SPECL_EFORMAT,
                           "%s: magic 0x%08x has data type byte 0x%02x (%s), expected 0x08 (unsigned byte)", f->path,
                           magic, m[2], type_name_(m[2]));
    if (m[3] != f->ndim) {
        const char *hint = f->ndim == 3 && m[3] == 1 ? "; is this the labels file?"
                         : f->ndim == 1 && m[3] == 3 ? "; is this the images file?" : "";
        return specl_error(SPECL_EFORMAT, "%s: magic 0x%08x has %d dimension%s, expected %d for IDX %s (0x%08x)%s",
                           f->path, magic, m[3], m[3] == 1 ? "" : "s", f->ndim, f->what, want, hint);
    }
    return SPECL_OK;
}

/* Magic and dimension sizes (each > 0). */
static int idx_header_(idx_file_ *f) {
    int st = idx_magic_(f);
    if (st) return st;
    unsigned char d[4 * IDX_MAX_DIMS];
    size_t got, need = 4 * (size_t)f->ndim;
    if ((st = idx_read_(f, d, need, &got))) return st;
    if (got < need)
        return specl_error(SPECL_EFORMAT, "%s: file ends inside the dimension sizes (%zu of %zu bytes after the magic)",
                           f->path, got, need);
    for (int i = 0; i < f->ndim; i++) {
        f->dims[i] = be32_(d + 4 * i);
        if (f->dims[i] == 0)
            return specl_error(SPECL_EFORMAT, "%s: dimension %d (%s) is 0, expected > 0", f->path, i, dim_name_(f, i));
    }
    return SPECL_OK;
}

/* Bytes of data the header of an images file claims: n * rows * cols, checked for overflow, with
 * rows and cols small enough for the int fields of specl_images. */
static int idx_image_bytes_(const idx_file_ *f, uint64_t *bytes) {
    for (int i = 1; i < 3; i++)
        if (f->dims[i] > INT_MAX)
            return specl_error(SPECL_EFORMAT, "%s: dimension %d (%s) is %u, expected at most %d", f->path, i,
                               dim_name_(f, i), f->dims[i], INT_MAX);
    uint64_t hw = (uint64_t)f->dims[1] * f->dims[2], n;  /* < 2^62: no overflow */
    if (__builtin_mul_overflow(hw, (uint64_t)f->dims[0], &n) || n > (uint64_t)INT64_MAX || n > SIZE_MAX) {
        char sh[64];
        return specl_error(SPECL_EFORMAT, "%s: shape %s: the product of the dimensions overflows", f->path,
                           shape_str_(f, sh));
    }
    *bytes = n;
    return SPECL_OK;
}

/* After the data: the file must end here; counts what is left for the message. */
static int idx_expect_end_(idx_file_ *f, uint64_t want) {
    unsigned char scratch[1 << 14];
    uint64_t extra = 0;
    size_t got;
    do {
        int st = idx_read_(f, scratch, sizeof scratch, &got);
        if (st) return st;
        extra += got;
    } while (got == sizeof scratch && extra < IDX_COUNT_LIMIT);
    if (extra == 0) return SPECL_OK;
    char sh[64];
    return specl_error(SPECL_EFORMAT, "%s: data is longer than the %llu bytes shape %s needs (%s%llu trailing bytes)",
                       f->path, (unsigned long long)want, shape_str_(f, sh), got == sizeof scratch ? "at least " : "",
                       (unsigned long long)extra);
}

/* Read exactly `want` data bytes into a malloc'd *out (growing as bytes arrive), then the end. */
static int idx_data_(idx_file_ *f, uint64_t want, uint8_t **out) {
    size_t cap = want < IDX_FIRST_ALLOC ? (size_t)want : IDX_FIRST_ALLOC, have = 0, got;
    uint64_t header = f->pos;
    uint8_t *buf = malloc(cap), *nb;
    int st = SPECL_OK;
    if (!buf) return specl_error(SPECL_ENOMEM, "%s: cannot allocate %zu bytes", f->path, cap);
    for (;;) {
        if ((st = idx_read_(f, buf + have, cap - have, &got))) goto fail;
        have += got;
        if (have < cap) {
            char sh[64];
            st = specl_error(SPECL_EFORMAT, "%s: data is %zu bytes after the %llu-byte header, expected %llu for shape "
                             "%s (truncated)", f->path, have, (unsigned long long)header, (unsigned long long)want,
                             shape_str_(f, sh));
            goto fail;
        }
        if (have == want) break;
        size_t ncap = cap > want / 2 ? (size_t)want : 2 * cap;
        if (!(nb = realloc(buf, ncap))) {
            st = specl_error(SPECL_ENOMEM, "%s: cannot allocate %zu bytes", f->path, ncap);
            goto fail;
        }
        buf = nb;
        cap = ncap;
    }
    if ((st = idx_expect_end_(f, want))) goto fail;
    *out = buf;
    return SPECL_OK;
fail:
    free(buf);
    return st;
}

static int idx_open_(idx_file_ *f) {
    errno = 0;
    f->gz = gzopen(f->path, "rb");
    if (!f->gz)
        return specl_error(SPECL_EIO, "%s: cannot open (%s)", f->path, errno ? strerror(errno) : "out of memory");
    gzbuffer(f->gz, IDX_GZ_BUFFER);
    return SPECL_OK;
}

/* Move the data into *out: pixels as they are (c = 1), labels widened to int32. Label bytes are
 * < 256 by their type, so classes = max + 1 <= 256. */
static int idx_fill_(const idx_file_ *im, uint8_t **pix, const uint8_t *lab, specl_images *out) {
    int64_t n = im->dims[0];
    int32_t *labels = malloc((size_t)n * sizeof *labels);
    if (!labels) return specl_error(SPECL_ENOMEM, "%s: cannot allocate %lld labels", im->path, (long long)n);
    int maxl = 0;
    for (int64_t i = 0; i < n; i++) {
        labels[i] = lab[i];
        if (lab[i] > maxl) maxl = lab[i];
    }
    out->n = n;
    out->h = (int)im->dims[1];
    out->w = (int)im->dims[2];
    out->c = 1;
    out->pixels = *pix;
    *pix = NULL;
    out->labels = labels;
    out->classes = maxl + 1;
    return SPECL_OK;
}

int specl_idx_read(const char *images_path, const char *labels_path, specl_images *out) {
    if (!out) return specl_error(SPECL_EINVAL, "idx read: no output");
    memset(out, 0, sizeof *out);
    if (!images_path || !labels_path) return specl_error(SPECL_EINVAL, "idx read: no images or labels path");
    idx_file_ im = {images_path, "images", 3}, lb = {labels_path, "labels", 1};
    uint8_t *pix = NULL, *lab = NULL;
    uint64_t npix = 0;
    int st;
    if ((st = idx_open_(&im)) || (st = idx_header_(&im)) || (st = idx_image_bytes_(&im, &npix))) goto done;
    if ((st = idx_open_(&lb)) || (st = idx_header_(&lb))) goto done;
    if (lb.dims[0] != im.dims[0]) {
        st = specl_error(SPECL_EFORMAT, "%s: %u labels, expected %u, one for each image in %s", labels_path,
                         lb.dims[0], im.dims[0], images_path);
        goto done;
    }
    if ((st = idx_data_(&im, npix, &pix)) || (st = idx_data_(&lb, lb.dims[0], &lab))) goto done;
    st = idx_fill_(&im, &pix, lab, out);
done:
    if (im.gz) gzclose(im.gz);
    if (lb.gz) gzclose(lb.gz);
    free(pix);
    free(lab);
    if (st != SPECL_OK) specl_images_free(out);
    return st;
}

/* ---- Fashion-MNIST directory ---- */

/* dir/stem.gz if it exists, else dir/stem if it exists; out has PATH_MAX bytes. */
static int pick_file_(const char *dir, const char *stem, char *out) {
    int n = snprintf(out, PATH_MAX, "%s/%s", dir, stem);
    if (n < 0 || n + 4 > PATH_MAX) return specl_error(SPECL_EINVAL, "%s: directory name is too long", dir);
    memcpy(out + n, ".gz", 4);
    if (access(out, F_OK) == 0) return SPECL_OK;
    out[n] = 0;
    if (access(out, F_OK) == 0) return SPECL_OK;
    return specl_error(SPECL_EIO, "%s: no such file, nor %s.gz (the Debian package dataset-fashion-mnist installs "
                       "the IDX files in " SPECL_FASHION_MNIST_DIR ")", out, out);
}

int specl_fashion_mnist_read(const char *dir, int train, specl_images *out) {
    if (!out) return specl_error(SPECL_EINVAL, "fashion-mnist read: no output");
    memset(out, 0, sizeof *out);
    if (!dir) return specl_error(SPECL_EINVAL, "fashion-mnist read: no directory");
    const char *split = train ? "train" : "t10k";
    char stem[32], images[PATH_MAX], labels[PATH_MAX];
    int st;
    snprintf(stem, sizeof stem, "%s-images-idx3-ubyte", split);
    if ((st = pick_file_(dir, stem, images))) return st;
    snprintf(stem, sizeof stem, "%s-labels-idx1-ubyte", split);
    if ((st = pick_file_(dir, stem, labels))) return st;
    return specl_idx_read(images, labels, out);
}
