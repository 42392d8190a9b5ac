/* MatrixMarket graphs and partition files.
 *
 * Both readers treat the file as untrusted input: lines come from a bounded line reader (at most
 * MTX_MAX_LINE bytes; longer lines are an error unless they are comments, NUL bytes are an
 * error, "\r\n" is accepted), every number is parsed by a strict tokenizer with overflow checks,
 * and memory grows with what is actually read, never with what a header claims. Every error is
 * SPECL_EFORMAT and starts with "FILE:LINE:" and says what was expected.
 *
 * Accepted MatrixMarket subset: banner "%%MatrixMarket matrix coordinate <real|integer|pattern>
 * <general|symmetric>" (case-insensitive); then '%' comment lines and blank lines (allowed
 * anywhere after the banner); the size line "rows cols nnz" with rows = cols >= 1 and
 * nnz <= rows² (general) or rows(rows+1)/2 (symmetric); then exactly nnz entries "i j [w]",
 * 1-based. Weights must be finite and >= 0; zeros are allowed and dropped. Duplicate entries
 * (the same (i, j) twice) are summed, as scipy does when converting to CSR.
 *   symmetric: MatrixMarket stores the lower triangle (i >= j). An entry in the upper triangle is
 *     accepted and means the same undirected edge, but one off-diagonal pair listed in both
 *     orientations is an error (it is almost always a full matrix mislabelled `symmetric`, which
 *     would silently double every weight).
 *   general: the matrix must be symmetric: every off-diagonal (i, j) needs a (j, i) entry with an
 *     equal weight (relative tolerance 1e-12·max|w|, after duplicates are summed); the stored
 *     weight is the average.
 * Every vertex must have degree > 0 (p_data(x) > 0). A header that declares more vertices than
 * 2·nnz can cover is rejected at the size line, before anything of size rows is allocated.
 * The writer emits `coordinate real symmetric`, the lower triangle by rows, %.17g (exact round
 * trip), through specl_write_file_atomic.
 *
 * Partition files: one cluster index per line in vertex order; blank lines and lines whose first
 * non-blank character is '#' are skipped; exactly n indices, each >= 0; m = max + 1 and every index
 * 0..m−1 must be used.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "specl/graph.h"

#define MTX_MAX_LINE 4096
#define MTX_MAX_TOK 8
#define MTX_SYM_RTOL 1e-12
#define MTX_BANNER_HINT "'%%%%MatrixMarket matrix coordinate <real|integer|pattern> <general|symmetric>'"

/* ---- bounded line reader ---- */

typedef struct {
    FILE *f;
    const char *path;
    long long line;          /* number of the line in buf (1-based) */
    char buf[MTX_MAX_LINE + 1];
    size_t len;
    int too_long;            /* the line exceeded MTX_MAX_LINE (buf holds its start) */
    int has_nul;             /* the line contained a NUL byte */
} lreader;

/* Next line into r->buf (without "\n" / "\r\n"). 1: a line, 0: end of file, -1: read error. */
static int next_line_(lreader *r) {
    int c = getc_unlocked(r->f);
    if (c == EOF) return ferror(r->f) ? -1 : 0;
    r->line++;
    r->len = 0;
    r->too_long = r->has_nul = 0;
    for (; c != EOF && c != '\n'; c = getc_unlocked(r->f)) {
        if (c == 0) r->has_nul = 1;
        if (r->len < MTX_MAX_LINE) r->buf[r->len++] = (char)c;
        else r->too_long = 1;
    }
    if (c == EOF && ferror(r->f)) return -1;
    if (!r->too_long && r->len > 0 && r->buf[r->len - 1] == '\r') r->len--;
    r->buf[r->len] = 0;
    return 1;
}

static int blank_(const char *s) {
    for (; *s; s++)
        if (*s != ' ' && *s != '\t') return 0;
    return 1;
}

static const char *skip_ws_(const char *s) {
    while (*s == ' ' || *s == '\t') s++;
    return s;
}

/* Printable copy of up to 40 characters of s, for messages. */
static const char *snip_(char out[200], const char *s) {
    size_t o = 0, i = 0;
    for (; s[i] && i < 40; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c < 0x7f && c != '\\') out[o++] = (char)c;
        else o += (size_t)snprintf(out + o, 5, "\\x%02x", c);
    }
    if (s[i]) { memcpy(out + o, "...", 3); o += 3; }
    out[o] = 0;
    return out;
}

/* Errors common to every line: NUL bytes and (non-comment) over-long lines. */
static int line_ok_(const lreader *r, int comment_ok) {
    if (r->has_nul)
        return specl_error(SPECL_EFORMAT, "%s:%lld: NUL byte in the line, expected text", r->path, r->line);
    if (r->too_long && !(comment_ok && *skip_ws_(r->buf) == '%'))
        return specl_error(SPECL_EFORMAT, "%s:%lld: line longer than %d bytes", r->path, r->line, MTX_MAX_LINE);
    return SPECL_OK;
}

/* Split r->buf in place into at most MTX_MAX_TOK whitespace-separated tokens; returns the count
 * (MTX_MAX_TOK + 1 when there are more). */
static int tokenize_(char *s, char *tok[MTX_MAX_TOK]) {
    int k = 0;
    for (;;) {
        while (*s == ' ' || *s == '\t') s++;
        if (!*s) return k;
        if (k == MTX_MAX_TOK) return k + 1;
        tok[k++] = s;
        while (*s && *s != ' ' && *s != '\t') s++;
        if (*s) *s++ = 0;
    }
}

/* Strict decimal integer: optional sign, digits, nothing else. 0 ok, 1 not an integer, 2 overflow. */
static int parse_i64_(const char *s, int64_t *out) {
    int neg = *s == '-';
    if (*s == '-' || *s == '+') s++;
    if (*s < '0' || *s > '9') return 1;
    uint64_t v = 0;
    int over = 0;
    for (; *s >= '0' && *s <= '9'; s++) {
        unsigned d = (unsigned)(*s - '0');
        if (v > ((uint64_t)INT64_MAX - d) / 10) over = 1;
        else v = v * 10 + d;
    }
    if (*s) return 1;
    if (over) return 2;
    *out = neg ? -(int64_t)v : (int64_t)v;
    return 0;
}

/* ---- MatrixMarket header ---- */

typedef enum { FIELD_REAL, FIELD_INTEGER, FIELD_PATTERN } mtx_field;

typedef struct {
    mtx_field field;
    int symmetric;
    int64_t n, nnz;
    long long size_line;
} mtx_header;

static int lower_eq_(const char *a, const char *b) { return strcasecmp(a, b) == 0; }

static int parse_banner_(lreader *r, mtx_header *h) {
    char *tok[MTX_MAX_TOK], b[200];
    char copy[MTX_MAX_LINE + 1];
    memcpy(copy, r->buf, r->len + 1);
    int nt = tokenize_(r->buf, tok);
    if (nt < 1 || !lower_eq_(tok[0], "%%MatrixMarket"))
        return specl_error(SPECL_EFORMAT, "%s:%lld: expected the banner " MTX_BANNER_HINT ", found '%s'", r->path,
                           r->line, snip_(b, copy));
    if (nt != 5)
        return specl_error(SPECL_EFORMAT, "%s:%lld: banner has %s%d words, expected 5: " MTX_BANNER_HINT, r->path,
                           r->line, nt > MTX_MAX_TOK ? "more than " : "", nt > MTX_MAX_TOK ? MTX_MAX_TOK : nt);
    if (!lower_eq_(tok[1], "matrix"))
        return specl_error(SPECL_EFORMAT, "%s:%lld: banner object '%s', expected 'matrix'", r->path, r->line,
                           snip_(b, tok[1]));
    if (!lower_eq_(tok[2], "coordinate"))
        return specl_error(SPECL_EFORMAT, "%s:%lld: banner format '%s' is not supported, expected 'coordinate'%s",
                           r->path, r->line, snip_(b, tok[2]),
                           lower_eq_(tok[2], "array") ? " (dense 'array' files are not graphs; convert to coordinate)" : "");
    if (lower_eq_(tok[3], "real") || lower_eq_(tok[3], "double")) h->field = FIELD_REAL;
    else if (lower_eq_(tok[3], "integer")) h->field = FIELD_INTEGER;
    else if (lower_eq_(tok[3], "pattern")) h->field = FIELD_PATTERN;
    else
        return specl_error(SPECL_EFORMAT, "%s:%lld: banner field '%s' is not supported, expected real, integer or "
                           "pattern (graph weights are real and non-negative)", r->path, r->line, snip_(b, tok[3]));
    if (lower_eq_(tok[4], "general")) h->symmetric = 0;
    else if (lower_eq_(tok[4], "symmetric")) h->symmetric = 1;
    else
        return specl_error(SPECL_EFORMAT, "%s:%lld: banner symmetry '%s' is not supported, expected general or "
                           "symmetric (a graph's weight matrix is symmetric)", r->path, r->line, snip_(b, tok[4]));
    return SPECL_OK;
}

/* Next line that is not blank and not a '%' comment. 1: got one, 0: EOF, else an error status < 0. */
static int next_data_line_(lreader *r, int *st) {
    for (;;) {
        int got = next_line_(r);
        if (got < 0) { *st = specl_error(SPECL_EIO, "%s:%lld: read error (%s)", r->path, r->line, strerror(errno)); return -1; }
        if (got == 0) return 0;
        if ((*st = line_ok_(r, 1))) return -1;
        const char *s = skip_ws_(r->buf);
        if (*s == 0 || *s == '%') continue;
        return 1;
    }
}

static int size_field_(const lreader *r, const char *tok, const char *what, int64_t *v) {
    char b[200];
    int e = parse_i64_(tok, v);
    if (e == 2)
        return specl_error(SPECL_EFORMAT, "%s:%lld: size line: %s '%s' does not fit in int64", r->path, r->line, what,
                           snip_(b, tok));
    if (e || *v < 0)
        return specl_error(SPECL_EFORMAT, "%s:%lld: size line: %s is '%s', expected a non-negative integer", r->path,
                           r->line, what, snip_(b, tok));
    return SPECL_OK;
}

static int parse_size_(lreader *r, mtx_header *h) {
    int st = SPECL_OK;
    int got = next_data_line_(r, &st);
    if (got < 0) return st;
    if (got == 0)
        return specl_error(SPECL_EFORMAT, "%s:%lld: end of file, expected the size line 'rows cols nnz'", r->path,
                           r->line + 1);
    char *tok[MTX_MAX_TOK];
    int nt = tokenize_(r->buf, tok);
    if (nt != 3)
        return specl_error(SPECL_EFORMAT, "%s:%lld: size line has %s%d fields, expected 3: 'rows cols nnz'", r->path,
                           r->line, nt > MTX_MAX_TOK ? "more than " : "", nt > MTX_MAX_TOK ? MTX_MAX_TOK : nt);
    int64_t rows, cols, nnz;
    if ((st = size_field_(r, tok[0], "rows", &rows)) || (st = size_field_(r, tok[1], "cols", &cols)) ||
        (st = size_field_(r, tok[2], "nnz", &nnz)))
        return st;
    h->size_line = r->line;
    if (rows != cols)
        return specl_error(SPECL_EFORMAT, "%s:%lld: matrix is %lld x %lld, expected a square matrix (a graph's "
                           "weights)", r->path, r->line, (long long)rows, (long long)cols);
    if (rows < 1)
        return specl_error(SPECL_EFORMAT, "%s:%lld: matrix is 0 x 0, expected at least one vertex", r->path, r->line);
    /* at most n² (general) or n(n+1)/2 (symmetric) distinct entries; overflow-free comparisons */
    int64_t half = rows % 2 == 0 ? rows / 2 : (rows + 1) / 2, other = rows % 2 == 0 ? rows + 1 : rows;
    int too_many = h->symmetric ? (nnz / other > half || (nnz / other == half && nnz % other))
                                : (nnz / rows > rows || (nnz / rows == rows && nnz % rows));
    if (too_many)
        return specl_error(SPECL_EFORMAT, "%s:%lld: nnz = %lld exceeds the %s of a %lld x %lld matrix", r->path,
                           r->line, (long long)nnz, h->symmetric ? "lower-triangle size n(n+1)/2" : "size n^2",
                           (long long)rows, (long long)rows);
    if ((rows - 1) / 2 >= nnz)                       /* rows > 2·nnz: an entry covers <= 2 vertices */
        return specl_error(SPECL_EFORMAT, "%s:%lld: %lld vertices but only nnz = %lld entries: some vertex has degree 0 "
                           "(every vertex needs an edge, p_data(x) > 0)", r->path, r->line, (long long)rows,
                           (long long)nnz);
    h->n = rows;
    h->nnz = nnz;
    return SPECL_OK;
}

/* ---- MatrixMarket entries ---- */

typedef struct {
    int64_t i, j;          /* 0-based; for symmetric files canonical i >= j */
    double w;
    long long line;
    int upper;             /* symmetric file: the entry was given above the diagonal */
} mtx_entry;

typedef struct {
    mtx_entry *e;
    int64_t len, cap;
} entry_list;

static int push_entry_(entry_list *l, const mtx_entry *e, const char *path) {
    if (l->len == l->cap) {
        int64_t cap = l->cap ? l->cap * 2 : 1024;
        mtx_entry *ne = realloc(l->e, sizeof(mtx_entry) * (size_t)cap);
        if (!ne) return specl_error(SPECL_ENOMEM, "%s: cannot allocate %lld entries", path, (long long)cap);
        l->e = ne;
        l->cap = cap;
    }
    l->e[l->len++] = *e;
    return SPECL_OK;
}

static int parse_index_(const lreader *r, const char *tok, const char *what, int64_t n, int64_t *out) {
    char b[200];
    int64_t v = 0;
    int e = parse_i64_(tok, &v);
    if (e == 2)
        return specl_error(SPECL_EFORMAT, "%s:%lld: %s index '%s' does not fit in int64", r->path, r->line, what,
                           snip_(b, tok));
    if (e)
        return specl_error(SPECL_EFORMAT, "%s:%lld: %s index is '%s', expected an integer in 1..%lld", r->path,
                           r->line, what, snip_(b, tok), (long long)n);
    if (v < 1 || v > n)
        return specl_error(SPECL_EFORMAT, "%s:%lld: %s index %lld is out of range, expected 1..%lld (1-based)",
                           r->path, r->line, what, (long long)v, (long long)n);
    *out = v - 1;
    return SPECL_OK;
}

static int parse_weight_(const lreader *r, const char *tok, mtx_field field, double *w) {
    char b[200];
    if (field == FIELD_INTEGER) {
        int64_t v;
        int e = parse_i64_(tok, &v);
        if (e == 2)
            return specl_error(SPECL_EFORMAT, "%s:%lld: integer weight '%s' does not fit in int64", r->path, r->line,
                               snip_(b, tok));
        if (e)
            return specl_error(SPECL_EFORMAT, "%s:%lld: weight is '%s', expected an integer (field 'integer')",
                               r->path, r->line, snip_(b, tok));
        *w = (double)v;
    } else {
        char *end;
        errno = 0;
        double v = strtod(tok, &end);
        if (end == tok || *end)
            return specl_error(SPECL_EFORMAT, "%s:%lld: weight is '%s', expected a real number", r->path, r->line,
                               snip_(b, tok));
        if (errno == ERANGE && fabs(v) > 1)
            return specl_error(SPECL_EFORMAT, "%s:%lld: weight '%s' overflows a double", r->path, r->line,
                               snip_(b, tok));
        if (!isfinite(v))
            return specl_error(SPECL_EFORMAT, "%s:%lld: weight '%s' is not finite, expected a finite number >= 0",
                               r->path, r->line, snip_(b, tok));
        *w = v;
    }
    if (*w < 0)
        return specl_error(SPECL_EFORMAT, "%s:%lld: weight %s is negative, expected >= 0", r->path, r->line,
                           snip_(b, tok));
    return SPECL_OK;
}

static int parse_entry_(lreader *r, const mtx_header *h, mtx_entry *e) {
    char *tok[MTX_MAX_TOK], b[200];
    int want = h->field == FIELD_PATTERN ? 2 : 3;
    int nt = tokenize_(r->buf, tok);
    if (nt < want)
        return specl_error(SPECL_EFORMAT, "%s:%lld: entry has %d field%s, expected %d: %s", r->path, r->line, nt,
                           nt == 1 ? "" : "s", want, want == 2 ? "'i j' (pattern)" : "'i j w'");
    if (nt > want)
        return specl_error(SPECL_EFORMAT, "%s:%lld: unexpected extra field '%s' after %s", r->path, r->line,
                           snip_(b, tok[want]), want == 2 ? "'i j' (pattern files have no weight)" : "'i j w'");
    int st;
    if ((st = parse_index_(r, tok[0], "row", h->n, &e->i)) || (st = parse_index_(r, tok[1], "column", h->n, &e->j)))
        return st;
    e->w = 1;
    if (want == 3 && (st = parse_weight_(r, tok[2], h->field, &e->w))) return st;
    e->line = r->line;
    e->upper = 0;
    if (h->symmetric && e->i < e->j) {
        int64_t t = e->i;
        e->i = e->j, e->j = t, e->upper = 1;
    }
    return SPECL_OK;
}

static int read_entries_(lreader *r, const mtx_header *h, entry_list *l) {
    int st = SPECL_OK;
    for (;;) {
        int got = next_data_line_(r, &st);
        if (got < 0) return st;
        if (got == 0) break;
        if (l->len == h->nnz)
            return specl_error(SPECL_EFORMAT, "%s:%lld: more entries than the %lld declared by the size line (line %lld)",
                               r->path, r->line, (long long)h->nnz, h->size_line);
        mtx_entry e;
        if ((st = parse_entry_(r, h, &e)) || (st = push_entry_(l, &e, r->path))) return st;
    }
    if (l->len < h->nnz)
        return specl_error(SPECL_EFORMAT, "%s:%lld: end of file after %lld entries, expected %lld (declared at line %lld)",
                           r->path, r->line + 1, (long long)l->len, (long long)h->nnz, h->size_line);
    return SPECL_OK;
}

static int cmp_entry_(const void *pa, const void *pb) {
    const mtx_entry *a = pa, *b = pb;
    if (a->i != b->i) return a->i < b->i ? -1 : 1;
    if (a->j != b->j) return a->j < b->j ? -1 : 1;
    return (a->line > b->line) - (a->line < b->line);
}

/* Sort by (i, j, line), reject a symmetric pair given in both orientations, sum duplicates. */
static int merge_entries_(const char *path, const mtx_header *h, entry_list *l) {
    if (l->len > 1) qsort(l->e, (size_t)l->len, sizeof(mtx_entry), cmp_entry_);
    int64_t out = 0;
    for (int64_t p = 0; p < l->len; p++) {
        mtx_entry *e = &l->e[p];
        mtx_entry *prev = out > 0 ? &l->e[out - 1] : NULL;
        if (prev && prev->i == e->i && prev->j == e->j) {
            if (h->symmetric && prev->upper != e->upper)
                return specl_error(SPECL_EFORMAT, "%s:%lld: entry (%lld, %lld) is the mirror of line %lld's entry: a "
                                   "'symmetric' file stores each off-diagonal pair once (lower triangle), not both "
                                   "orientations", path, e->line, (long long)(e->upper ? e->j : e->i) + 1,
                                   (long long)(e->upper ? e->i : e->j) + 1, prev->line);
            prev->w += e->w;
            continue;
        }
        l->e[out++] = *e;
    }
    l->len = out;
    return SPECL_OK;
}

static const mtx_entry *find_entry_(const entry_list *l, int64_t i, int64_t j) {
    int64_t lo = 0, hi = l->len;
    while (lo < hi) {
        int64_t mid = lo + (hi - lo) / 2;
        const mtx_entry *e = &l->e[mid];
        if (e->i < i || (e->i == i && e->j < j)) lo = mid + 1;
        else hi = mid;
    }
    return lo < l->len && l->e[lo].i == i && l->e[lo].j == j ? &l->e[lo] : NULL;
}

/* General files: every off-diagonal entry needs an equal mirror (zero weights count as absent). */
static int check_general_symmetry_(const char *path, const entry_list *l) {
    double maxw = 0;
    for (int64_t p = 0; p < l->len; p++)
        if (l->e[p].w > maxw) maxw = l->e[p].w;
    double tol = MTX_SYM_RTOL * maxw;
    for (int64_t p = 0; p < l->len; p++) {
        const mtx_entry *e = &l->e[p];
        if (e->i == e->j || e->w == 0) continue;
        const mtx_entry *t = find_entry_(l, e->j, e->i);
        long long i1 = (long long)e->i + 1, j1 = (long long)e->j + 1;
        if (!t || t->w == 0)
            return specl_error(SPECL_EFORMAT, "%s:%lld: entry (%lld, %lld) = %.17g has no mirror entry (%lld, %lld): "
                               "a 'general' file must list both orientations of each edge with equal weights (or use "
                               "'symmetric' and list the lower triangle)", path, e->line, i1, j1, e->w, j1, i1);
        if (fabs(e->w - t->w) > tol)
            return specl_error(SPECL_EFORMAT, "%s:%lld: W is not symmetric: W(%lld, %lld) = %.17g but W(%lld, %lld) = "
                               "%.17g at line %lld", path, e->line, i1, j1, e->w, j1, i1, t->w, t->line);
    }
    return SPECL_OK;
}

static int check_degrees_(const char *path, const mtx_header *h, const entry_list *l) {
    unsigned char *seen = calloc((size_t)h->n, 1);
    if (!seen) return specl_error(SPECL_ENOMEM, "%s: cannot allocate %lld flags", path, (long long)h->n);
    for (int64_t p = 0; p < l->len; p++)
        if (l->e[p].w > 0) seen[l->e[p].i] = seen[l->e[p].j] = 1;
    int st = SPECL_OK;
    for (int64_t v = 0; v < h->n; v++)
        if (!seen[v]) {
            st = specl_error(SPECL_EFORMAT, "%s:%lld: vertex %lld (of the %lld declared here) has degree 0: no entry "
                             "with a positive weight touches it, so it lies outside the support of p_data", path,
                             h->size_line, (long long)v + 1, (long long)h->n);
            break;
        }
    free(seen);
    return st;
}

/* The checked entries become triplets, and the entry list (40 bytes per entry) is freed before the
 * graph is built, so the peak is the list plus the triplets, or the triplets plus the graph. */
static int build_graph_(const char *path, const mtx_header *h, entry_list *l, specl_graph *g) {
    size_t c = (size_t)(l->len ? l->len : 1);
    int64_t m = l->len, *ti = malloc(sizeof(int64_t) * c), *tj = malloc(sizeof(int64_t) * c);
    double *tw = malloc(sizeof(double) * c);
    int st;
    if (!ti || !tj || !tw) {
        st = specl_error(SPECL_ENOMEM, "%s: cannot allocate %lld triplets", path, (long long)m);
    } else {
        for (int64_t p = 0; p < m; p++) ti[p] = l->e[p].i, tj[p] = l->e[p].j, tw[p] = l->e[p].w;
        free(l->e);
        *l = (entry_list){0};
        st = specl_graph_from_triplets(h->n, m, ti, tj, tw, h->symmetric, g);
        if (st == SPECL_EINVAL) {   /* cannot happen after the checks above; keep the file in the message */
            char msg[1024];
            snprintf(msg, sizeof msg, "%s", specl_error_detail());
            st = specl_error(SPECL_EFORMAT, "%s:%lld: %s", path, h->size_line, msg);
        }
    }
    free(ti);
    free(tj);
    free(tw);
    return st;
}

static int mtx_parse_(lreader *r, specl_graph *g) {
    mtx_header h = {0};
    int got = next_line_(r);
    if (got < 0) return specl_error(SPECL_EIO, "%s: read error (%s)", r->path, strerror(errno));
    if (got == 0)
        return specl_error(SPECL_EFORMAT, "%s:1: empty file, expected the banner " MTX_BANNER_HINT, r->path);
    int st = line_ok_(r, 0);
    if (st || (st = parse_banner_(r, &h)) || (st = parse_size_(r, &h))) return st;
    entry_list l = {0};
    if (!(st = read_entries_(r, &h, &l)) && !(st = merge_entries_(r->path, &h, &l)) &&
        !(h.symmetric == 0 && (st = check_general_symmetry_(r->path, &l))) && !(st = check_degrees_(r->path, &h, &l)))
        st = build_graph_(r->path, &h, &l, g);
    free(l.e);
    return st;
}

int specl_mtx_read(const char *path, specl_graph *g) {
    if (!g) return specl_error(SPECL_EINVAL, "mtx read: no output graph");
    memset(g, 0, sizeof *g);
    if (!path) return specl_error(SPECL_EINVAL, "mtx read: no path");
    lreader *r = calloc(1, sizeof *r);
    if (!r) return specl_error(SPECL_ENOMEM, "%s: cannot allocate the line reader", path);
    r->path = path;
    r->f = fopen(path, "rb");
    if (!r->f) {
        free(r);
        return specl_error(SPECL_EIO, "%s: cannot open (%s)", path, strerror(errno));
    }
    int st = mtx_parse_(r, g);
    fclose(r->f);
    free(r);
    if (st) specl_graph_free(g);
    return st;
}

int specl_mtx_write(const char *path, const specl_graph *g) {
    if (!path) return specl_error(SPECL_EINVAL, "mtx write: no path");
    if (!g || g->n < 1 || !g->rowptr || (g->nnz > 0 && (!g->col || !g->val)))
        return specl_error(SPECL_EINVAL, "%s: mtx write: no graph (or an empty one)", path);
    int64_t lower = 0;
    for (int64_t r = 0; r < g->n; r++)
        for (int64_t q = g->rowptr[r]; q < g->rowptr[r + 1] && g->col[q] <= r; q++) lower++;
    specl_str s = {0};
    int st = specl_str_printf(&s, "%%%%MatrixMarket matrix coordinate real symmetric\n"
                              "%% specl graph: %lld vertices, lower triangle of the symmetric weight matrix W\n"
                              "%lld %lld %lld\n", (long long)g->n, (long long)g->n, (long long)g->n, (long long)lower);
    for (int64_t r = 0; r < g->n && !st; r++)
        for (int64_t q = g->rowptr[r]; q < g->rowptr[r + 1] && g->col[q] <= r && !st; q++)
            st = specl_str_printf(&s, "%lld %lld %.17g\n", (long long)r + 1, (long long)g->col[q] + 1, g->val[q]);
    if (st) st = specl_error(SPECL_ENOMEM, "%s: cannot format %lld entries", path, (long long)lower);
    else st = specl_write_file_atomic(path, s.buf, s.len);
    specl_str_free(&s);
    return st;
}

/* ---- partition files ---- */

static int partition_line_(const lreader *r, char *line, int64_t n, int64_t have, int32_t *part) {
    char *tok[MTX_MAX_TOK], b[200];
    char copy[MTX_MAX_LINE + 1];
    snprintf(copy, sizeof copy, "%s", line);
    int nt = tokenize_(line, tok);
    if (nt != 1)
        return specl_error(SPECL_EFORMAT, "%s:%lld: '%s' has %s%d fields, expected one cluster index per line",
                           r->path, r->line, snip_(b, copy), nt > MTX_MAX_TOK ? "more than " : "",
                           nt > MTX_MAX_TOK ? MTX_MAX_TOK : nt);
    if (have == n)
        return specl_error(SPECL_EFORMAT, "%s:%lld: more than n = %lld cluster indices, expected one per vertex",
                           r->path, r->line, (long long)n);
    int64_t v;
    int e = parse_i64_(tok[0], &v);
    if (e)
        return specl_error(SPECL_EFORMAT, "%s:%lld: cluster index '%s' is %s, expected a non-negative integer",
                           r->path, r->line, snip_(b, tok[0]), e == 2 ? "too large" : "not an integer");
    if (v < 0)
        return specl_error(SPECL_EFORMAT, "%s:%lld: cluster index %lld is negative, expected >= 0", r->path, r->line,
                           (long long)v);
    if (v >= n)
        return specl_error(SPECL_EFORMAT, "%s:%lld: cluster index %lld with only n = %lld vertices: indices 0..%lld "
                           "cannot all be used", r->path, r->line, (long long)v, (long long)n, (long long)v);
    part[have] = (int32_t)v;
    return SPECL_OK;
}

/* Every index 0..max must be used; max is at line max_line. */
static int partition_cover_(const char *path, const int32_t *part, int64_t n, int32_t max, long long max_line) {
    unsigned char *used = calloc((size_t)max + 1, 1);
    if (!used) return specl_error(SPECL_ENOMEM, "%s: cannot allocate %d flags", path, max + 1);
    for (int64_t v = 0; v < n; v++) used[part[v]] = 1;
    int st = SPECL_OK;
    for (int32_t c = 0; c <= max; c++)
        if (!used[c]) {
            st = specl_error(SPECL_EFORMAT, "%s:%lld: cluster index %d is never used: the largest index is %d (at line "
                             "%lld), so every index 0..%d must appear", path, max_line, c, max, max_line, max);
            break;
        }
    free(used);
    return st;
}

static int partition_parse_(lreader *r, int64_t n, int32_t *part, int *m) {
    int64_t have = 0;
    int32_t max = -1;
    long long max_line = 0;
    int st;
    for (;;) {
        int got = next_line_(r);
        if (got < 0) return specl_error(SPECL_EIO, "%s:%lld: read error (%s)", r->path, r->line, strerror(errno));
        if (got == 0) break;
        if (r->has_nul) return specl_error(SPECL_EFORMAT, "%s:%lld: NUL byte in the line", r->path, r->line);
        const char *s = skip_ws_(r->buf);
        if (*s == '#' || (!r->too_long && blank_(s))) continue;
        if (r->too_long)
            return specl_error(SPECL_EFORMAT, "%s:%lld: line longer than %d bytes", r->path, r->line, MTX_MAX_LINE);
        if ((st = partition_line_(r, r->buf, n, have, part))) return st;
        if (part[have] > max) max = part[have], max_line = r->line;
        have++;
    }
    if (have < n)
        return specl_error(SPECL_EFORMAT, "%s:%lld: end of file after %lld cluster indices, expected n = %lld (one per "
                           "vertex)", r->path, r->line + 1, (long long)have, (long long)n);
    if ((st = partition_cover_(r->path, part, n, max, max_line))) return st;
    *m = (int)max + 1;
    return SPECL_OK;
}

int specl_partition_read(const char *path, int64_t n, int32_t **part, int *m) {
    if (!part || !m) return specl_error(SPECL_EINVAL, "partition read: no output");
    *part = NULL;
    *m = 0;
    if (!path) return specl_error(SPECL_EINVAL, "partition read: no path");
    if (n < 1 || n > INT32_MAX)
        return specl_error(SPECL_EINVAL, "%s: partition for n = %lld vertices, expected 1 <= n <= %d", path,
                           (long long)n, INT32_MAX);
    lreader *r = calloc(1, sizeof *r);
    int32_t *p = malloc(sizeof(int32_t) * (size_t)n);
    if (!r || !p) {
        free(r);
        free(p);
        return specl_error(SPECL_ENOMEM, "%s: cannot allocate a partition of %lld vertices", path, (long long)n);
    }
    r->path = path;
    r->f = fopen(path, "rb");
    int st = r->f ? partition_parse_(r, n, p, m) : specl_error(SPECL_EIO, "%s: cannot open (%s)", path, strerror(errno));
    if (r->f) fclose(r->f);
    free(r);
    if (st) { free(p); *m = 0; }
    else *part = p;
    return st;
}
