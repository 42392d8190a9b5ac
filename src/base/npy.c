/* .npy reading and writing (NumPy format 1.0/2.0/3.0, little-endian, C order, four dtypes).
 *
 * Writing builds the whole file in memory and hands it to specl_write_file_atomic; the header is
 * laid out byte-for-byte as numpy.save does (sorted keys, 21-digit growth padding after the dict,
 * spaces and '\n' up to a multiple of 64), so C and Python outputs can be compared directly.
 * Reading treats the file as untrusted input (it is fuzzed): the header is parsed with a small
 * bounds-checked scanner over a Python dict literal, never with sscanf on unterminated text, every
 * size is checked for overflow, and the data size is compared with the file size before anything
 * proportional to the claimed shape is allocated. Every failure names the file and the field.
 * Anchor: numpy/lib/format.py (header layout, key set, version rules).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "specl/base.h"

#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "specl's .npy code stores little-endian data as-is and needs a little-endian host"
#endif

#define NPY_MAGIC "\x93NUMPY"
#define NPY_MAGIC_LEN 6
#define NPY_ALIGN 64
#define NPY_GROWTH_DIGITS 21             /* numpy's GROWTH_AXIS_MAX_DIGITS */
#define NPY_MAX_HEADER (1u << 20)        /* no valid header for our dtypes comes close */
#define NPY_EXPECTED_DESCR "<f4 <f8 <i4 <i8"

static const char *const descr_[] = {"<f4", "<f8", "<i4", "<i8"};

size_t specl_dtype_size(specl_dtype t) {
    switch (t) {
    case SPECL_F32: case SPECL_I32: return 4;
    case SPECL_F64: case SPECL_I64: return 8;
    }
    return 0;
}

/* Product of the first ndim dims, or -1 if a dim is negative or the product overflows int64. */
static int64_t numel_checked_(int ndim, const int64_t *shape) {
    int64_t n = 1;
    for (int i = 0; i < ndim; i++) {
        if (shape[i] < 0) return -1;
        if (shape[i] != 0 && n > INT64_MAX / shape[i]) return -1;
        n *= shape[i];
    }
    return n;
}

int64_t specl_array_numel(const specl_array *a) {
    if (!a || a->ndim < 1 || a->ndim > 4) return 0;
    return numel_checked_(a->ndim, a->shape);
}

void specl_array_free(specl_array *a) {
    if (!a) return;
    free(a->data);
    a->data = NULL;
    a->ndim = 0;
}

/* ---- writing ---- */

int specl_npy_write(const char *path, specl_dtype dtype, int ndim, const int64_t *shape, const void *data) {
    if (!path) return specl_error(SPECL_EINVAL, "npy write: no path");
    if ((unsigned)dtype > SPECL_I64)
        return specl_error(SPECL_EINVAL, "%s: dtype %d, expected one of " NPY_EXPECTED_DESCR, path, (int)dtype);
    if (ndim < 1 || ndim > 4) return specl_error(SPECL_EINVAL, "%s: ndim %d, expected 1..4", path, ndim);
    if (!shape) return specl_error(SPECL_EINVAL, "%s: no shape", path);
    for (int i = 0; i < ndim; i++)
        if (shape[i] < 0)
            return specl_error(SPECL_EINVAL, "%s: dimension %d is %lld, expected >= 0", path, i,
                               (long long)shape[i]);
    int64_t n = numel_checked_(ndim, shape);
    size_t esz = specl_dtype_size(dtype);
    if (n < 0 || (uint64_t)n > SIZE_MAX / esz)
        return specl_error(SPECL_EINVAL, "%s: shape is too large (element count overflows)", path);
    size_t nbytes = (size_t)n * esz;
    if (nbytes > 0 && !data) return specl_error(SPECL_EINVAL, "%s: no data for %zu bytes", path, nbytes);

    /* The dict: at most ~60 fixed chars + 4 * (20 digits + 2) for the shape. */
    char dict[256];
    int dl = snprintf(dict, sizeof dict, "{'descr': '%s', 'fortran_order': False, 'shape': (", descr_[dtype]);
    for (int i = 0; i < ndim; i++)
        dl += snprintf(dict + dl, sizeof dict - (size_t)dl, i ? ", %lld" : "%lld", (long long)shape[i]);
    dl += snprintf(dict + dl, sizeof dict - (size_t)dl, "%s), }", ndim == 1 ? "," : "");
    if (dl <= 0 || (size_t)dl >= sizeof dict) return specl_error(SPECL_EINVAL, "%s: header too long", path);
    /* numpy leaves room for the first axis to grow to 21 digits without rewriting the file. */
    char first[32];
    int growth = NPY_GROWTH_DIGITS - snprintf(first, sizeof first, "%lld", (long long)shape[0]);
    if (growth < 0) growth = 0;

    size_t body = (size_t)dl + (size_t)growth + 1;          /* dict, growth spaces, '\n' */
    int major = 1;
    size_t pre = NPY_MAGIC_LEN + 2 + 2;
    /* 1..64 spaces, as numpy pads (a full 64 when already aligned) */
    size_t pad = NPY_ALIGN - (pre + body) % NPY_ALIGN;
    if (body + pad > 65535) {                                 /* cannot happen for ndim <= 4 */
        major = 2;
        pre = NPY_MAGIC_LEN + 2 + 4;
        pad = NPY_ALIGN - (pre + body) % NPY_ALIGN;
    }
    size_t hlen = body + pad;
    size_t total = pre + hlen;
    if (nbytes > SIZE_MAX - total) return specl_error(SPECL_EINVAL, "%s: file size overflows", path);
    total += nbytes;

    unsigned char *buf = malloc(total ? total : 1);
    if (!buf) return specl_error(SPECL_ENOMEM, "%s: cannot allocate %zu bytes for the .npy file", path, total);
    memcpy(buf, NPY_MAGIC, NPY_MAGIC_LEN);
    buf[6] = (unsigned char)major;
    buf[7] = 0;
    size_t p = 8;
    int lenbytes = major == 1 ? 2 : 4;
    for (int i = 0; i < lenbytes; i++) buf[p++] = (unsigned char)((hlen >> (8 * i)) & 0xff);
    memcpy(buf + p, dict, (size_t)dl);
    p += (size_t)dl;
    memset(buf + p, ' ', (size_t)growth + pad);
    p += (size_t)growth + pad;
    buf[p++] = '\n';
    if (nbytes) memcpy(buf + p, data, nbytes);
    int st = specl_write_file_atomic(path, buf, total);
    free(buf);
    return st;
}

/* ---- reading ---- */

/* Copy up to 40 bytes of s[0..n) into out, escaping anything not printable, for error messages. */
static const char *snippet_(char out[200], const char *s, size_t n) {
    size_t o = 0, lim = n < 40 ? n : 40;
    for (size_t i = 0; i < lim; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c < 0x7f && c != '\\') out[o++] = (char)c;
        else o += (size_t)snprintf(out + o, 5, "\\x%02x", c);
    }
    if (n > lim) { memcpy(out + o, "...", 3); o += 3; }
    out[o] = 0;
    return out;
}

typedef struct {
    const char *path;
    const char *h;   /* header text (not NUL-terminated as far as the scanner is concerned) */
    size_t n, p;     /* length and cursor; every read checks p < n */
} hscan;

static int hpeek_(const hscan *s) { return s->p < s->n ? (unsigned char)s->h[s->p] : -1; }

static void hws_(hscan *s) {
    while (s->p < s->n) {
        char c = s->h[s->p];
        if (c != ' ' && c != '\t' && c != '\n' && c != '\r') break;
        s->p++;
    }
}

/* The token or bracketed value at the cursor, for "found ..." in messages: it ends at a ',', ')',
 * '}' or blank outside brackets, and has at least one character. */
static const char *hhere_(const hscan *s, char out[200]) {
    if (s->p >= s->n) return "end of header";
    size_t e = s->p;
    int depth = 0;
    while (e < s->n) {
        char c = s->h[e];
        if (c == '(' || c == '[' || c == '{') depth++;
        else if (c == ')' || c == ']' || c == '}') {
            if (depth == 0) break;
            if (--depth == 0) { e++; break; }
        } else if (depth == 0 && (c == ',' || c == ' ' || c == '\t' || c == '\n' || c == '\r')) break;
        e++;
    }
    if (e == s->p) e++;
    return snippet_(out, s->h + s->p, e - s->p);
}

static int hexpect_(hscan *s, char c, const char *what) {
    hws_(s);
    if (hpeek_(s) != (unsigned char)c) {
        char b[200];
        return specl_error(SPECL_EFORMAT, "%s: header: expected '%c' %s at byte %zu, found '%s'", s->path, c,
                           what, s->p, hhere_(s, b));
    }
    s->p++;
    return SPECL_OK;
}

/* A quoted string without escapes; the result points into the header. */
static int hstring_(hscan *s, const char **str, size_t *len, const char *what) {
    hws_(s);
    int q = hpeek_(s);
    if (q != '\'' && q != '"') {
        char b[200];
        return specl_error(SPECL_EFORMAT, "%s: header: expected a quoted %s at byte %zu, found '%s'", s->path,
                           what, s->p, hhere_(s, b));
    }
    size_t start = ++s->p;
    while (s->p < s->n && s->h[s->p] != (char)q) {
        if (s->h[s->p] == '\\')
            return specl_error(SPECL_EFORMAT, "%s: header: escape sequence in %s at byte %zu is not supported",
                               s->path, what, s->p);
        s->p++;
    }
    if (s->p >= s->n)
        return specl_error(SPECL_EFORMAT, "%s: header: unterminated string (%s) starting at byte %zu", s->path,
                           what, start - 1);
    *str = s->h + start;
    *len = s->p - start;
    s->p++;
    return SPECL_OK;
}

static int hword_(const hscan *s, const char *w) {
    size_t l = strlen(w);
    if (s->n - s->p < l || memcmp(s->h + s->p, w, l) != 0) return 0;
    /* the word must end here (so "Falsehood" is not False) */
    if (s->p + l < s->n) {
        char c = s->h[s->p + l];
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_') return 0;
    }
    return 1;
}

static int hdescr_(hscan *s, specl_dtype *dtype) {
    hws_(s);
    if (hpeek_(s) != '\'' && hpeek_(s) != '"') {
        char b[200];
        return specl_error(SPECL_EFORMAT,
                           "%s: header field 'descr' is '%s', expected a string, one of " NPY_EXPECTED_DESCR
                           " (structured dtypes are not supported)", s->path, hhere_(s, b));
    }
    const char *d;
    size_t dl;
    int st = hstring_(s, &d, &dl, "'descr' value");
    if (st) return st;
    for (int t = 0; t < 4; t++)
        if (dl == 3 && memcmp(d, descr_[t], 3) == 0) { *dtype = (specl_dtype)t; return SPECL_OK; }
    char b[200];
    const char *why = dl > 0 && d[0] == '>' ? " (big-endian data is not supported)" : "";
    return specl_error(SPECL_EFORMAT, "%s: header field 'descr' is '%s', expected one of " NPY_EXPECTED_DESCR "%s",
                       s->path, snippet_(b, d, dl), why);
}

static int hfortran_(hscan *s, int *fortran) {
    hws_(s);
    if (hword_(s, "False")) { s->p += 5; *fortran = 0; return SPECL_OK; }
    if (hword_(s, "True"))
        return specl_error(SPECL_EFORMAT,
                           "%s: header field 'fortran_order' is True, expected False (only C order is supported)",
                           s->path);
    char b[200];
    return specl_error(SPECL_EFORMAT, "%s: header field 'fortran_order' is '%s', expected False", s->path,
                       hhere_(s, b));
}

/* A tuple of non-negative ints: "(a,)" or "(a, b, ...)"; stores up to 4 dims, counts all. */
static int hshape_(hscan *s, int *ndim, int64_t shape[4]) {
    char b[200];
    hws_(s);
    if (hpeek_(s) != '(')
        return specl_error(SPECL_EFORMAT, "%s: header field 'shape' is '%s', expected a tuple of ints", s->path,
                           hhere_(s, b));
    s->p++;
    int k = 0, trailing_comma = 0;
    for (;;) {
        hws_(s);
        if (hpeek_(s) == ')') { s->p++; break; }
        if (k > 0 && !trailing_comma)
            return specl_error(SPECL_EFORMAT, "%s: header field 'shape': expected ',' or ')' at byte %zu, found '%s'",
                               s->path, s->p, hhere_(s, b));
        int neg = 0;
        if (hpeek_(s) == '-' || hpeek_(s) == '+') { neg = hpeek_(s) == '-'; s->p++; }
        size_t d0 = s->p;
        uint64_t v = 0;
        int overflow = 0;
        while (s->p < s->n && s->h[s->p] >= '0' && s->h[s->p] <= '9') {
            unsigned dg = (unsigned)(s->h[s->p] - '0');
            if (v > ((uint64_t)INT64_MAX - dg) / 10) overflow = 1;
            else v = v * 10 + dg;
            s->p++;
        }
        if (s->p == d0)
            return specl_error(SPECL_EFORMAT, "%s: header field 'shape': expected an integer at byte %zu, found '%s'",
                               s->path, s->p, hhere_(s, b));
        if (hpeek_(s) == 'L') s->p++;                        /* Python 2 long suffix */
        if (neg && v > 0)
            return specl_error(SPECL_EFORMAT, "%s: header field 'shape': dimension %d is -%llu, expected >= 0",
                               s->path, k, (unsigned long long)v);
        if (overflow)
            return specl_error(SPECL_EFORMAT, "%s: header field 'shape': dimension %d ('%s') does not fit in int64",
                               s->path, k, snippet_(b, s->h + d0, s->p - d0));
        if (k < 4) shape[k] = (int64_t)v;
        if (k < 1000) k++;                                    /* only needed to report the count */
        hws_(s);
        trailing_comma = 0;
        if (hpeek_(s) == ',') { s->p++; trailing_comma = 1; }
    }
    if (k == 1 && !trailing_comma)
        return specl_error(SPECL_EFORMAT, "%s: header field 'shape' is '(%lld)', an int, expected a tuple '(%lld,)'",
                           s->path, (long long)shape[0], (long long)shape[0]);
    if (k < 1 || k > 4)
        return specl_error(SPECL_EFORMAT, "%s: header field 'shape' has %s%d dimensions, expected 1..4", s->path,
                           k >= 1000 ? "at least " : "", k);
    *ndim = k;
    return SPECL_OK;
}

/* Parse the header dict into out->dtype/ndim/shape. */
static int parse_header_(const char *path, const char *h, size_t n, specl_array *out) {
    hscan s = {path, h, n, 0};
    int st = hexpect_(&s, '{', "(start of the header dict)");
    if (st) return st;
    int have_descr = 0, have_fortran = 0, have_shape = 0, fortran = 0;
    for (;;) {
        hws_(&s);
        if (hpeek_(&s) == '}') { s.p++; break; }
        const char *k;
        size_t kl;
        if ((st = hstring_(&s, &k, &kl, "key"))) return st;
        int *seen;
        if (kl == 5 && memcmp(k, "descr", 5) == 0) seen = &have_descr;
        else if (kl == 13 && memcmp(k, "fortran_order", 13) == 0) seen = &have_fortran;
        else if (kl == 5 && memcmp(k, "shape", 5) == 0) seen = &have_shape;
        else {
            char b[200];
            return specl_error(SPECL_EFORMAT,
                               "%s: header has unexpected key '%s', expected exactly 'descr', 'fortran_order', 'shape'",
                               path, snippet_(b, k, kl));
        }
        if (*seen) {
            char b[200];
            return specl_error(SPECL_EFORMAT, "%s: header key '%s' appears twice", path, snippet_(b, k, kl));
        }
        *seen = 1;
        if ((st = hexpect_(&s, ':', "after a key"))) return st;
        if (seen == &have_descr) st = hdescr_(&s, &out->dtype);
        else if (seen == &have_fortran) st = hfortran_(&s, &fortran);
        else st = hshape_(&s, &out->ndim, out->shape);
        if (st) return st;
        hws_(&s);
        if (hpeek_(&s) == ',') { s.p++; continue; }
        if (hpeek_(&s) == '}') { s.p++; break; }
        char b[200];
        return specl_error(SPECL_EFORMAT, "%s: header: expected ',' or '}' at byte %zu, found '%s'", path, s.p,
                           hhere_(&s, b));
    }
    hws_(&s);
    if (s.p < s.n) {
        char b[200];
        return specl_error(SPECL_EFORMAT, "%s: header: unexpected '%s' after the dict at byte %zu, expected padding",
                           path, hhere_(&s, b), s.p);
    }
    if (!have_descr || !have_fortran || !have_shape)
        return specl_error(SPECL_EFORMAT, "%s: header is missing key '%s', expected 'descr', 'fortran_order', 'shape'",
                           path, !have_descr ? "descr" : !have_fortran ? "fortran_order" : "shape");
    return SPECL_OK;
}

/* Read exactly n bytes; returns bytes read (short on EOF), -1 on a read error. */
static long long read_n_(FILE *f, void *buf, size_t n) {
    size_t r = n ? fread(buf, 1, n, f) : 0;
    if (r < n && ferror(f)) return -1;
    return (long long)r;
}

/* "(2, 3)" for messages. */
static const char *shape_str_(char out[128], int ndim, const int64_t *shape) {
    int o = snprintf(out, 128, "(");
    for (int i = 0; i < ndim && i < 4; i++)
        o += snprintf(out + o, 128 - (size_t)o, i ? ", %lld" : "%lld", (long long)shape[i]);
    snprintf(out + o, 128 - (size_t)o, ndim == 1 ? ",)" : ")");
    return out;
}

int specl_npy_read(const char *path, specl_array *out) {
    if (!out) return specl_error(SPECL_EINVAL, "npy read: no output array");
    memset(out, 0, sizeof *out);
    if (!path) return specl_error(SPECL_EINVAL, "npy read: no path");
    FILE *f = fopen(path, "rb");
    if (!f) return specl_error(SPECL_EIO, "%s: cannot open (%s)", path, strerror(errno));
    int st = SPECL_OK;
    char *hdr = NULL;
    void *data = NULL;
    struct stat sb;
    long long fsize = -1;                                    /* known only for regular files */
    if (fstat(fileno(f), &sb) == 0 && S_ISREG(sb.st_mode)) fsize = (long long)sb.st_size;

    unsigned char pre[12];
    long long got = read_n_(f, pre, 8);
    if (got < 0) { st = specl_error(SPECL_EIO, "%s: read error (%s)", path, strerror(errno)); goto done; }
    if (got == 0) {
        st = specl_error(SPECL_EFORMAT, "%s: empty file, expected the .npy magic \\x93NUMPY", path);
        goto done;
    }
    if (got < NPY_MAGIC_LEN || memcmp(pre, NPY_MAGIC, NPY_MAGIC_LEN) != 0) {
        char b[200];
        st = specl_error(SPECL_EFORMAT, "%s: magic is '%s', expected '\\x93NUMPY' (not a .npy file)", path,
                         snippet_(b, (const char *)pre, (size_t)(got < NPY_MAGIC_LEN ? got : NPY_MAGIC_LEN)));
        goto done;
    }
    if (got < 8) {
        st = specl_error(SPECL_EFORMAT, "%s: file ends after %lld bytes, inside the version field", path, got);
        goto done;
    }
    int major = pre[6], minor = pre[7];
    if (major < 1 || major > 3 || minor != 0) {
        st = specl_error(SPECL_EFORMAT, "%s: format version %d.%d, expected 1.0, 2.0 or 3.0", path, major, minor);
        goto done;
    }
    size_t lenbytes = major == 1 ? 2 : 4;
    got = read_n_(f, pre + 8, lenbytes);
    if (got < 0) { st = specl_error(SPECL_EIO, "%s: read error (%s)", path, strerror(errno)); goto done; }
    if ((size_t)got < lenbytes) {
        st = specl_error(SPECL_EFORMAT, "%s: file ends inside the header-length field (%zu bytes expected)", path,
                         lenbytes);
        goto done;
    }
    size_t hlen = 0;
    for (size_t i = 0; i < lenbytes; i++) hlen |= (size_t)pre[8 + i] << (8 * i);
    size_t prelen = 8 + lenbytes;
    if (fsize >= 0 && (unsigned long long)hlen > (unsigned long long)fsize - prelen) {
        st = specl_error(SPECL_EFORMAT, "%s: header length %zu exceeds the file (%lld bytes after the %zu-byte preamble)",
                         path, hlen, fsize - (long long)prelen, prelen);
        goto done;
    }
    if (hlen > NPY_MAX_HEADER) {
        st = specl_error(SPECL_EFORMAT, "%s: header length %zu, expected at most %u", path, hlen, NPY_MAX_HEADER);
        goto done;
    }
    hdr = malloc(hlen ? hlen : 1);
    if (!hdr) { st = specl_error(SPECL_ENOMEM, "%s: cannot allocate the header", path); goto done; }
    got = read_n_(f, hdr, hlen);
    if (got < 0) { st = specl_error(SPECL_EIO, "%s: read error (%s)", path, strerror(errno)); goto done; }
    if ((size_t)got < hlen) {
        st = specl_error(SPECL_EFORMAT, "%s: header length %zu exceeds the file (only %lld header bytes present)", path,
                         hlen, got);
        goto done;
    }
    if ((st = parse_header_(path, hdr, hlen, out))) goto done;

    int64_t n = numel_checked_(out->ndim, out->shape);
    size_t esz = specl_dtype_size(out->dtype);
    if (n < 0) {
        st = specl_error(SPECL_EFORMAT, "%s: header field 'shape': product of dimensions overflows int64", path);
        goto done;
    }
    if ((uint64_t)n > SIZE_MAX / esz || (uint64_t)n > (uint64_t)INT64_MAX / esz) {
        st = specl_error(SPECL_EFORMAT, "%s: header field 'shape': %lld elements of %zu bytes overflow size_t", path,
                         (long long)n, esz);
        goto done;
    }
    size_t nbytes = (size_t)n * esz;
    char sh[128];
    long long off = (long long)(prelen + hlen);
    if (fsize >= 0 && fsize - off != (long long)nbytes) {
        st = specl_error(SPECL_EFORMAT, "%s: data is %lld bytes, expected %zu for shape %s and descr %s (%s)", path,
                         fsize - off, nbytes, shape_str_(sh, out->ndim, out->shape), descr_[out->dtype],
                         fsize - off < (long long)nbytes ? "truncated" : "trailing bytes");
        goto done;
    }
    data = malloc(nbytes ? nbytes : 1);
    if (!data) { st = specl_error(SPECL_ENOMEM, "%s: cannot allocate %zu bytes of data", path, nbytes); goto done; }
    got = read_n_(f, data, nbytes);
    if (got < 0) { st = specl_error(SPECL_EIO, "%s: read error (%s)", path, strerror(errno)); goto done; }
    if ((size_t)got < nbytes) {
        st = specl_error(SPECL_EFORMAT, "%s: data is %lld bytes, expected %zu for shape %s and descr %s (truncated)",
                         path, got, nbytes, shape_str_(sh, out->ndim, out->shape), descr_[out->dtype]);
        goto done;
    }
    unsigned char extra;
    got = read_n_(f, &extra, 1);
    if (got != 0) {
        st = got < 0 ? specl_error(SPECL_EIO, "%s: read error (%s)", path, strerror(errno))
                     : specl_error(SPECL_EFORMAT, "%s: data is longer than the %zu bytes shape %s and descr %s need "
                                   "(trailing bytes)", path, nbytes, shape_str_(sh, out->ndim, out->shape),
                                   descr_[out->dtype]);
        goto done;
    }
    out->data = data;
    data = NULL;
done:
    fclose(f);
    free(hdr);
    free(data);
    if (st != SPECL_OK) memset(out, 0, sizeof *out);
    return st;
}
