/* Positive-pair graphs in CSR form: construction, validation, the normalized adjacency matvec and
 * the dense normalized Laplacian.
 *
 * Construction counts the entries of every row (mirrored on the fly when symmetric_input = 1, zero
 * weights skipped), scatters them into the CSR arrays in input order and sorts each row stably by
 * column, so every row comes out with ascending columns and duplicates adjacent in input order;
 * duplicates are then summed in place. Nothing but the CSR itself is proportional to the number of
 * entries (the scratch of the merge sort is as long as the longest row), so the peak memory is the
 * triplets plus the graph; this used to be two counting sorts through a 24-byte-per-entry copy,
 * which doubled the peak of reading a 2·10^6-entry graph. Deterministic (no qsort, no hashing). Validation happens before any
 * allocation proportional to the input and names the offending triplet ("entry 17 (i = 3, j = 5):
 * weight -0.2 is negative"); indices in messages are 0-based, as in the API.
 *
 * Symmetry (symmetric_input = 0): W[r,c] and W[c,r] must agree within 1e-12·max|W| (after
 * duplicates are summed); the stored value of both is their average, so tiny round-off asymmetry
 * in the input never reaches the eigensolvers. An entry whose mirror is absent is an error however
 * small it is (a structural asymmetry is not round-off). Every vertex must have a positive, finite
 * degree: a vertex of degree 0 lies outside the support of p_data and D^{-1/2} is undefined there.
 *
 * The matvec y = D^{-1/2} W D^{-1/2} x is an OpenMP loop over rows; each row is summed by one
 * thread in CSR order, so the result does not depend on the number of threads.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "specl/graph.h"

#define GRAPH_SYM_RTOL 1e-12
#define GRAPH_DENSE_MAX 20000
#define GRAPH_MV_PARALLEL_NNZ 20000   /* below this the OpenMP fork costs more than the loop */
#define GRAPH_INSERTION_MAX 32        /* rows up to this length are insertion-sorted */

void specl_graph_free(specl_graph *g) {
    if (!g) return;
    free(g->rowptr);
    free(g->col);
    free(g->val);
    free(g->deg);
    memset(g, 0, sizeof *g);
}

/* ---- validation ---- */

static int check_entry_(int64_t e, int64_t n, int64_t i, int64_t j, double w) {
    if (i < 0 || i >= n)
        return specl_error(SPECL_EINVAL, "entry %lld (i = %lld, j = %lld): row index %lld is out of range 0..%lld",
                           (long long)e, (long long)i, (long long)j, (long long)i, (long long)(n - 1));
    if (j < 0 || j >= n)
        return specl_error(SPECL_EINVAL, "entry %lld (i = %lld, j = %lld): column index %lld is out of range 0..%lld",
                           (long long)e, (long long)i, (long long)j, (long long)j, (long long)(n - 1));
    if (!isfinite(w))
        return specl_error(SPECL_EINVAL, "entry %lld (i = %lld, j = %lld): weight %g is not finite", (long long)e,
                           (long long)i, (long long)j, w);
    if (w < 0)
        return specl_error(SPECL_EINVAL, "entry %lld (i = %lld, j = %lld): weight %g is negative", (long long)e,
                           (long long)i, (long long)j, w);
    return SPECL_OK;
}

static int check_sizes_(int64_t n, int64_t m) {
    if (n < 1) return specl_error(SPECL_EINVAL, "graph: n = %lld vertices, expected n >= 1", (long long)n);
    if (m < 0) return specl_error(SPECL_EINVAL, "graph: m = %lld triplets, expected m >= 0", (long long)m);
    /* rowptr and the row cursors have n + 1 int64; the CSR has up to 2m entries of 16 bytes */
    if ((uint64_t)n >= SIZE_MAX / 32 || (uint64_t)m >= SIZE_MAX / 64)
        return specl_error(SPECL_EINVAL, "graph: n = %lld, m = %lld is too large for this machine", (long long)n,
                           (long long)m);
    return SPECL_OK;
}

/* ---- CSR construction ---- */

/* Number of (mirrored, non-zero) entries the triplets expand to. */
static int64_t expanded_count_(int64_t m, const int64_t *i, const int64_t *j, const double *w, int sym) {
    int64_t c = 0;
    for (int64_t e = 0; e < m; e++)
        if (w[e] != 0) c += (sym && i[e] != j[e]) ? 2 : 1;
    return c;
}

/* The expanded entries into their rows in input order (an entry before its mirror); next is (n)
 * scratch for the row cursors. Returns the length of the longest row. */
static int64_t scatter_rows_(int64_t m, const int64_t *i, const int64_t *j, const double *w, int sym, int64_t *next,
                             specl_graph *g) {
    int64_t n = g->n, *rp = g->rowptr;
    memset(rp, 0, sizeof(int64_t) * (size_t)(n + 1));
    for (int64_t e = 0; e < m; e++) {
        if (w[e] == 0) continue;
        rp[i[e] + 1]++;
        if (sym && i[e] != j[e]) rp[j[e] + 1]++;
    }
    int64_t longest = 0;
    for (int64_t r = 0; r < n; r++) {
        if (rp[r + 1] > longest) longest = rp[r + 1];
        rp[r + 1] += rp[r];
    }
    memcpy(next, rp, sizeof(int64_t) * (size_t)n);
    for (int64_t e = 0; e < m; e++) {
        if (w[e] == 0) continue;
        int64_t q = next[i[e]]++;
        g->col[q] = j[e], g->val[q] = w[e];
        if (sym && i[e] != j[e]) {
            q = next[j[e]]++;
            g->col[q] = i[e], g->val[q] = w[e];
        }
    }
    return longest;
}

/* Stable sort of one row by column: insertion sort for short rows, else merge sort through the
 * scratch (tc, tv) of the longest row's length (a star graph has one row of length m). */
static void sort_row_(int64_t *c, double *v, int64_t len, int64_t *tc, double *tv) {
    if (len <= GRAPH_INSERTION_MAX) {
        for (int64_t a = 1; a < len; a++) {
            int64_t ca = c[a], b = a;
            double va = v[a];
            for (; b > 0 && c[b - 1] > ca; b--) c[b] = c[b - 1], v[b] = v[b - 1];
            c[b] = ca, v[b] = va;
        }
        return;
    }
    int64_t h = len / 2, p = 0, q = h, o = 0;
    sort_row_(c, v, h, tc, tv);
    sort_row_(c + h, v + h, len - h, tc, tv);
    while (p < h && q < len) {
        if (c[q] < c[p]) tc[o] = c[q], tv[o++] = v[q++];   /* ties take the left run: stable */
        else tc[o] = c[p], tv[o++] = v[p++];
    }
    for (; p < h; p++) tc[o] = c[p], tv[o++] = v[p];
    for (; q < len; q++) tc[o] = c[q], tv[o++] = v[q];
    memcpy(c, tc, sizeof(int64_t) * (size_t)len);
    memcpy(v, tv, sizeof(double) * (size_t)len);
}

/* Sum the duplicates of every (sorted) row in place, in their input order, and compact the rows. */
static void sum_duplicates_(specl_graph *g) {
    int64_t n = g->n, *rp = g->rowptr, out = 0, start = 0;
    for (int64_t r = 0; r < n; r++) {
        int64_t end = rp[r + 1];
        rp[r] = out;
        for (int64_t q = start; q < end; q++) {
            if (out > rp[r] && g->col[out - 1] == g->col[q]) g->val[out - 1] += g->val[q];
            else g->col[out] = g->col[q], g->val[out++] = g->val[q];
        }
        start = end;
    }
    rp[n] = out;
    g->nnz = out;
}

/* Index of (r, c) in g, or -1. */
static int64_t find_(const specl_graph *g, int64_t r, int64_t c) {
    int64_t lo = g->rowptr[r], hi = g->rowptr[r + 1];
    while (lo < hi) {
        int64_t mid = lo + (hi - lo) / 2;
        if (g->col[mid] < c) lo = mid + 1;
        else hi = mid;
    }
    return lo < g->rowptr[r + 1] && g->col[lo] == c ? lo : -1;
}

/* W must equal Wᵀ within GRAPH_SYM_RTOL·max|W|; both halves are replaced by their average. */
static int symmetrize_(specl_graph *g) {
    double maxw = 0;
    for (int64_t q = 0; q < g->nnz; q++)
        if (g->val[q] > maxw) maxw = g->val[q];
    double tol = GRAPH_SYM_RTOL * maxw;
    for (int64_t r = 0; r < g->n; r++)
        for (int64_t q = g->rowptr[r]; q < g->rowptr[r + 1]; q++) {
            int64_t c = g->col[q];
            if (c == r) continue;
            int64_t t = find_(g, c, r);
            if (t < 0)
                return specl_error(SPECL_EINVAL, "W is not symmetric: W[%lld,%lld] = %.17g but W[%lld,%lld] = 0 (absent)",
                                   (long long)r, (long long)c, g->val[q], (long long)c, (long long)r);
            if (c < r) continue;                   /* compared from the other side */
            double a = g->val[q], b = g->val[t];
            if (fabs(a - b) > tol)
                return specl_error(SPECL_EINVAL, "W is not symmetric: W[%lld,%lld] = %.17g but W[%lld,%lld] = %.17g "
                                   "(tolerance %.3g = 1e-12 * max|W|)", (long long)r, (long long)c, a, (long long)c,
                                   (long long)r, b, tol);
            g->val[q] = g->val[t] = a + 0.5 * (b - a);
        }
    return SPECL_OK;
}

static int degrees_(specl_graph *g) {
    double total = 0;
    for (int64_t r = 0; r < g->n; r++) {
        double d = 0;
        for (int64_t q = g->rowptr[r]; q < g->rowptr[r + 1]; q++) d += g->val[q];
        if (d == 0)
            return specl_error(SPECL_EINVAL, "vertex %lld has degree 0 (outside the support of p_data)", (long long)r);
        if (!isfinite(d))
            return specl_error(SPECL_EINVAL, "vertex %lld: degree overflows (weights too large)", (long long)r);
        g->deg[r] = d;
        total += d;
    }
    if (!isfinite(total)) return specl_error(SPECL_EINVAL, "graph: the total weight overflows (weights too large)");
    g->total = total;
    return SPECL_OK;
}

static int alloc_graph_(int64_t n, int64_t cnt, specl_graph *g, int64_t **next) {
    size_t c = (size_t)(cnt ? cnt : 1);
    g->n = n;
    g->rowptr = malloc(sizeof(int64_t) * (size_t)(n + 1));
    g->deg = malloc(sizeof(double) * (size_t)n);
    g->col = malloc(sizeof(int64_t) * c);
    g->val = malloc(sizeof(double) * c);
    *next = malloc(sizeof(int64_t) * (size_t)n);
    if (!g->rowptr || !g->deg || !g->col || !g->val || !*next)
        return specl_error(SPECL_ENOMEM, "graph: cannot allocate CSR arrays for n = %lld, %lld stored entries",
                           (long long)n, (long long)cnt);
    return SPECL_OK;
}

/* Rows sorted by column with their stable sort, the scratch only for rows too long for insertion sort. */
static int sort_rows_(specl_graph *g, int64_t longest) {
    int64_t *tc = NULL;
    double *tv = NULL;
    if (longest > GRAPH_INSERTION_MAX) {
        tc = malloc(sizeof(int64_t) * (size_t)longest);
        tv = malloc(sizeof(double) * (size_t)longest);
        if (!tc || !tv) {
            free(tc);
            free(tv);
            return specl_error(SPECL_ENOMEM, "graph: cannot allocate %lld sort entries", (long long)longest);
        }
    }
    for (int64_t r = 0; r < g->n; r++)
        sort_row_(g->col + g->rowptr[r], g->val + g->rowptr[r], g->rowptr[r + 1] - g->rowptr[r], tc, tv);
    free(tc);
    free(tv);
    return SPECL_OK;
}

int specl_graph_from_triplets(int64_t n, int64_t m, const int64_t *i, const int64_t *j, const double *w,
                              int symmetric_input, specl_graph *g) {
    if (!g) return specl_error(SPECL_EINVAL, "graph: no output graph");
    memset(g, 0, sizeof *g);
    int st = check_sizes_(n, m);
    if (st) return st;
    if (m > 0 && (!i || !j || !w)) return specl_error(SPECL_EINVAL, "graph: %lld triplets but a NULL array", (long long)m);
    for (int64_t e = 0; e < m; e++)
        if ((st = check_entry_(e, n, i[e], j[e], w[e]))) return st;
    int64_t cnt = expanded_count_(m, i, j, w, symmetric_input), *next = NULL;
    if ((st = alloc_graph_(n, cnt, g, &next))) goto done;
    int64_t longest = scatter_rows_(m, i, j, w, symmetric_input, next, g);
    free(next);
    next = NULL;
    if ((st = sort_rows_(g, longest))) goto done;
    sum_duplicates_(g);
    if (!symmetric_input && (st = symmetrize_(g))) goto done;
    st = degrees_(g);
done:
    free(next);
    if (st) specl_graph_free(g);
    return st;
}

/* Dense input: entries are checked with their (row, column) name, then handed over as triplets. */
static int check_dense_(int64_t n, const double *a) {
    double maxw = 0;
    for (int64_t r = 0; r < n; r++)
        for (int64_t c = 0; c < n; c++) {
            double v = a[r * n + c];
            if (!isfinite(v))
                return specl_error(SPECL_EINVAL, "a[%lld,%lld] = %g is not finite", (long long)r, (long long)c, v);
            if (v < 0) return specl_error(SPECL_EINVAL, "a[%lld,%lld] = %g is negative", (long long)r, (long long)c, v);
            if (v > maxw) maxw = v;
        }
    double tol = GRAPH_SYM_RTOL * maxw;
    for (int64_t r = 0; r < n; r++)
        for (int64_t c = r + 1; c < n; c++) {
            double x = a[r * n + c], y = a[c * n + r];
            if (fabs(x - y) > tol || ((x == 0) != (y == 0)))
                return specl_error(SPECL_EINVAL, "W is not symmetric: W[%lld,%lld] = %.17g but W[%lld,%lld] = %.17g",
                                   (long long)r, (long long)c, x, (long long)c, (long long)r, y);
        }
    return SPECL_OK;
}

int specl_graph_from_dense(int64_t n, const double *a, specl_graph *g) {
    if (!g) return specl_error(SPECL_EINVAL, "graph: no output graph");
    memset(g, 0, sizeof *g);
    if (n < 1) return specl_error(SPECL_EINVAL, "graph: n = %lld vertices, expected n >= 1", (long long)n);
    if (n > (int64_t)1 << 30 || (uint64_t)n * (uint64_t)n > SIZE_MAX / 8)
        return specl_error(SPECL_EINVAL, "graph: dense n = %lld is too large", (long long)n);
    if (!a) return specl_error(SPECL_EINVAL, "graph: no dense matrix");
    int st = check_dense_(n, a);
    if (st) return st;
    int64_t m = 0;
    for (int64_t p = 0; p < n * n; p++) m += a[p] != 0;
    int64_t *ti = malloc(sizeof(int64_t) * (size_t)(m ? m : 1));
    int64_t *tj = malloc(sizeof(int64_t) * (size_t)(m ? m : 1));
    double *tw = malloc(sizeof(double) * (size_t)(m ? m : 1));
    if (!ti || !tj || !tw) {
        st = specl_error(SPECL_ENOMEM, "graph: cannot allocate %lld triplets", (long long)m);
    } else {
        int64_t e = 0;
        for (int64_t r = 0; r < n; r++)
            for (int64_t c = 0; c < n; c++)
                if (a[r * n + c] != 0) ti[e] = r, tj[e] = c, tw[e++] = a[r * n + c];
        st = specl_graph_from_triplets(n, m, ti, tj, tw, 0, g);
    }
    free(ti);
    free(tj);
    free(tw);
    return st;
}

/* ---- operators ---- */

void specl_graph_norm_adj_mv(const specl_graph *g, const double *x, double *y) {
    const int64_t n = g->n;
    const int64_t *rp = g->rowptr, *col = g->col;
    const double *val = g->val, *deg = g->deg;
#pragma omp parallel for schedule(static) if (g->nnz > GRAPH_MV_PARALLEL_NNZ)
    for (int64_t r = 0; r < n; r++) {
        double s = 0;
        for (int64_t q = rp[r]; q < rp[r + 1]; q++) s += val[q] * (x[col[q]] / sqrt(deg[col[q]]));
        y[r] = s / sqrt(deg[r]);
    }
}

int specl_graph_laplacian_dense(const specl_graph *g, double *l) {
    if (!g || !g->rowptr) return specl_error(SPECL_EINVAL, "laplacian: no graph");
    int64_t n = g->n;
    if (n < 1 || n > GRAPH_DENSE_MAX)
        return specl_error(SPECL_EINVAL, "laplacian: dense Laplacian needs 1 <= n <= %d, got n = %lld",
                           GRAPH_DENSE_MAX, (long long)n);
    if (!l) return specl_error(SPECL_EINVAL, "laplacian: no output matrix");
    memset(l, 0, sizeof(double) * (size_t)n * (size_t)n);
    for (int64_t r = 0; r < n; r++) {
        double sr = 1 / sqrt(g->deg[r]);
        l[r * n + r] = 1;
        for (int64_t q = g->rowptr[r]; q < g->rowptr[r + 1]; q++) {
            int64_t c = g->col[q];
            l[r * n + c] -= g->val[q] * (1 / sqrt(g->deg[c])) * sr;
        }
    }
    return SPECL_OK;
}
