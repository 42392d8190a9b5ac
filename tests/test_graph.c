/* Tests of graphs, their spectra and their files: CSR construction (sorting, duplicates, mirroring,
 * symmetrization, every validation error), the normalized-adjacency matvec against the dense
 * Laplacian, analytic spectra (complete graph, cycle, two cliques, hypercube, a weighted path
 * against dsyev), dense vs ARPACK on a 1500-vertex graph, a 10^5-vertex / ~10^6-edge ARPACK run
 * (wall time printed, not asserted), MatrixMarket round trips, scipy-style files and every reader
 * error path, and partition files.
 *
 * SPECL_TEST_QUICK=1 shrinks the large ARPACK test to 10^4 vertices / ~10^5 edges (for sanitizer
 * runs). The scipy.io cross-check runs only when /usr/bin/python3 can import scipy; otherwise it
 * prints a note and passes. Files go under one mkdtemp directory that is removed at exit. */
#include <errno.h>
#include <float.h>
#include <ftw.h>
#include <math.h>
#include <omp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "specl/base.h"
#include "specl/graph.h"
#include "specl/spectral.h"
#include "check.h"

/* ---- scratch directory and helpers ---- */

static char root_[64];

static int rm_one_(const char *p, const struct stat *sb, int flag, struct FTW *ftw) {
    (void)sb; (void)flag; (void)ftw;
    return remove(p);
}
static void rm_root_(void) {
    if (root_[0]) nftw(root_, rm_one_, 16, FTW_DEPTH | FTW_PHYS);
}
/* root/name as a path (the root is created on first use). */
static const char *tpath_(const char *name, char *out, size_t cap) {
    if (!root_[0]) {
        strcpy(root_, "/tmp/specl_test_graph_XXXXXX");
        if (!mkdtemp(root_)) { perror("mkdtemp"); exit(2); }
        atexit(rm_root_);
    }
    snprintf(out, cap, "%s/%s", root_, name);
    return out;
}
static int write_raw_(const char *path, const void *buf, size_t len) {
    FILE *f = fopen(path, "wb");
    if (!f) return -1;
    size_t w = len ? fwrite(buf, 1, len, f) : 0;
    return (fclose(f) == 0 && w == len) ? 0 : -1;
}
static int write_text_(const char *path, const char *s) { return write_raw_(path, s, strlen(s)); }
static int detail_has_(const char *s) { return strstr(specl_error_detail(), s) != NULL; }
static double now_(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}
static int quick_(void) {
    const char *q = getenv("SPECL_TEST_QUICK");
    return q && *q && strcmp(q, "0") != 0;
}

/* Bitwise equality of two graphs. */
static int graphs_identical_(const specl_graph *a, const specl_graph *b) {
    if (a->n != b->n || a->nnz != b->nnz) return 0;
    size_t n = (size_t)a->n, z = (size_t)a->nnz;
    return memcmp(a->rowptr, b->rowptr, sizeof(int64_t) * (n + 1)) == 0 &&
           memcmp(a->col, b->col, sizeof(int64_t) * z) == 0 && memcmp(a->val, b->val, sizeof(double) * z) == 0 &&
           memcmp(a->deg, b->deg, sizeof(double) * n) == 0 && memcmp(&a->total, &b->total, sizeof(double)) == 0;
}

/* Triplet list that grows; edges are undirected (symmetric_input = 1). */
typedef struct { int64_t *i, *j; double *w; int64_t m, cap; } tlist;
static void tl_add_(tlist *t, int64_t i, int64_t j, double w) {
    if (t->m == t->cap) {
        t->cap = t->cap ? 2 * t->cap : 64;
        t->i = realloc(t->i, sizeof(int64_t) * (size_t)t->cap);
        t->j = realloc(t->j, sizeof(int64_t) * (size_t)t->cap);
        t->w = realloc(t->w, sizeof(double) * (size_t)t->cap);
        if (!t->i || !t->j || !t->w) { fprintf(stderr, "out of memory\n"); exit(2); }
    }
    t->i[t->m] = i, t->j[t->m] = j, t->w[t->m++] = w;
}
static void tl_free_(tlist *t) { free(t->i); free(t->j); free(t->w); memset(t, 0, sizeof *t); }
static int tl_build_(tlist *t, int64_t n, specl_graph *g) {
    int st = specl_graph_from_triplets(n, t->m, t->i, t->j, t->w, 1, g);
    tl_free_(t);
    return st;
}

static int complete_graph_(int64_t n, specl_graph *g) {
    tlist t = {0};
    for (int64_t a = 0; a < n; a++)
        for (int64_t b = 0; b < a; b++) tl_add_(&t, a, b, 1);
    return tl_build_(&t, n, g);
}
static int cycle_graph_(int64_t n, specl_graph *g) {
    tlist t = {0};
    for (int64_t a = 0; a < n; a++) tl_add_(&t, a, (a + 1) % n, 1);
    return tl_build_(&t, n, g);
}
static int hypercube_graph_(int d, specl_graph *g) {
    tlist t = {0};
    int64_t n = (int64_t)1 << d;
    for (int64_t a = 0; a < n; a++)
        for (int b = 0; b < d; b++)
            if (!(a >> b & 1)) tl_add_(&t, a, a | ((int64_t)1 << b), 1);
    return tl_build_(&t, n, g);
}
/* A ring (so the graph is connected) plus `extra` random edges, weights U[0.5, 1.5]. */
static int random_graph_(int64_t n, int64_t extra, uint64_t seed, specl_graph *g) {
    specl_rng r;
    specl_rng_seed(&r, seed);
    tlist t = {0};
    for (int64_t a = 0; a < n; a++) tl_add_(&t, a, (a + 1) % n, 0.5 + specl_rng_uniform(&r));
    for (int64_t e = 0; e < extra; e++) {
        int64_t a = (int64_t)specl_rng_below(&r, (uint64_t)n), b = (int64_t)specl_rng_below(&r, (uint64_t)n);
        if (a != b) tl_add_(&t, a, b, 0.5 + specl_rng_uniform(&r));
    }
    return tl_build_(&t, n, g);
}

static int cmp_double_(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}
static double max_residual_(const specl_spectrum *s) {
    double m = 0;
    for (int j = 0; j < s->k; j++) m = s->residual[j] > m ? s->residual[j] : m;
    return m;
}
/* v_aᵀ v_b for columns ja of a and jb of b. */
static double col_dot_(const specl_spectrum *a, int ja, const specl_spectrum *b, int jb) {
    double s = 0;
    for (int64_t i = 0; i < a->n; i++) s += a->vec[i * a->k + ja] * b->vec[i * b->k + jb];
    return s;
}

/* ---- CSR construction ---- */

TEST(graph_csr_sorted_summed_mirrored) {
    int64_t i[] = {0, 2, 3, 0, 1, 2};
    int64_t j[] = {1, 1, 3, 3, 0, 3};
    double w[] = {1, 2, 0.5, 1.5, 0.25, 0};   /* (1,0) duplicates (0,1); (2,3) has weight 0 */
    specl_graph g;
    CHECK_OK(specl_graph_from_triplets(4, 6, i, j, w, 1, &g));
    int64_t rp[] = {0, 2, 4, 5, 7}, col[] = {1, 3, 0, 2, 1, 0, 3};
    double val[] = {1.25, 1.5, 1.25, 2, 2, 1.5, 0.5}, deg[] = {2.75, 3.25, 2, 2};
    CHECK(g.n == 4 && g.nnz == 7);
    if (g.nnz == 7) {
        CHECK(memcmp(g.rowptr, rp, sizeof rp) == 0);
        CHECK(memcmp(g.col, col, sizeof col) == 0);
        for (int q = 0; q < 7; q++) CHECK(g.val[q] == val[q]);
        for (int v = 0; v < 4; v++) CHECK(g.deg[v] == deg[v]);
        CHECK(g.total == 10);
    }
    specl_graph_free(&g);
    CHECK(g.rowptr == NULL && g.n == 0);
    specl_graph_free(&g);   /* twice is harmless */
}

TEST(graph_general_input_duplicates_and_average) {
    /* symmetric_input = 0: both orientations given; (0,1) split over two duplicates; (1,2) vs (2,1)
     * differ by round-off and are stored as their average */
    double a = 0.3, b = 0.3 * (1 + 4e-13);
    int64_t i[] = {0, 0, 1, 1, 2, 2};
    int64_t j[] = {1, 1, 0, 2, 1, 2};
    double w[] = {0.5, 0.5, 1.0, a, b, 0.7};
    specl_graph g;
    CHECK_OK(specl_graph_from_triplets(3, 6, i, j, w, 0, &g));
    CHECK(g.nnz == 5);
    if (g.nnz == 5) {
        CHECK(g.val[0] == 1.0 && g.val[1] == 1.0);                   /* W01, W10 */
        CHECK(g.val[2] == g.val[3]);                                  /* W12 = W21 */
        CHECK_NEAR(g.val[2], 0.5 * (a + b), 1e-17);
        CHECK(g.val[2] != a && g.val[2] != b);
        CHECK(g.col[4] == 2 && g.val[4] == 0.7);                      /* self-loop kept once */
    }
    specl_graph_free(&g);
    /* symmetric_input = 1 with both orientations listed: each is mirrored, so the weight doubles */
    int64_t i2[] = {0, 1, 2}, j2[] = {1, 0, 2};
    double w2[] = {0.5, 0.5, 0.7};
    CHECK_OK(specl_graph_from_triplets(3, 3, i2, j2, w2, 1, &g));
    CHECK(g.nnz == 3 && g.val[0] == 1.0 && g.val[1] == 1.0 && g.deg[0] == 1.0);
    specl_graph_free(&g);
}

TEST(graph_symmetric_input_self_loop_not_mirrored) {
    int64_t i[] = {1, 0, 2}, j[] = {1, 1, 0};
    double w[] = {3, 1, 2};
    specl_graph g;
    CHECK_OK(specl_graph_from_triplets(3, 3, i, j, w, 1, &g));
    CHECK(g.nnz == 5);
    if (g.nnz == 5) {
        CHECK(g.deg[0] == 3 && g.deg[1] == 4 && g.deg[2] == 2);   /* self-loop of 1 counted once */
        CHECK(g.total == 9);
        CHECK(g.col[2] == 0 && g.col[3] == 1 && g.val[3] == 3);
    }
    specl_graph_free(&g);
    /* either orientation of an undirected edge gives the same graph */
    int64_t ia[] = {0, 1, 2}, ja[] = {1, 2, 0}, ib[] = {1, 2, 0}, jb[] = {0, 1, 2};
    double wt[] = {1, 2, 3};
    specl_graph ga, gb;
    CHECK_OK(specl_graph_from_triplets(3, 3, ia, ja, wt, 1, &ga));
    CHECK_OK(specl_graph_from_triplets(3, 3, ib, jb, wt, 1, &gb));
    CHECK(graphs_identical_(&ga, &gb));
    specl_graph_free(&ga);
    specl_graph_free(&gb);
}

TEST(graph_triplets_vs_dense_identical) {
    int n = 40;
    double *a = calloc((size_t)n * n, sizeof(double));
    specl_rng r;
    specl_rng_seed(&r, 7);
    tlist t = {0};
    for (int x = 0; x < n; x++)
        for (int y = 0; y <= x; y++)
            if (y == x - 1 || specl_rng_uniform(&r) < 0.15) {
                double w = specl_rng_uniform(&r) + 0.01;
                a[x * n + y] = a[y * n + x] = w;
                tl_add_(&t, x, y, w);
            }
    specl_graph gd, gt;
    CHECK_OK(specl_graph_from_dense(n, a, &gd));
    CHECK_OK(tl_build_(&t, n, &gt));
    CHECK(graphs_identical_(&gd, &gt));
    for (int64_t v = 0; v < gd.n; v++)
        for (int64_t q = gd.rowptr[v] + 1; q < gd.rowptr[v + 1]; q++) CHECK(gd.col[q - 1] < gd.col[q]);
    specl_graph_free(&gd);
    specl_graph_free(&gt);
    free(a);
}

/* Random triplets with duplicates, zero weights, self-loops and one row longer than the insertion
 * sort's limit, against a dense accumulation in input order (an entry before its mirror): the CSR
 * must hold exactly those sums, bit for bit, with ascending columns. */
static void triplets_vs_reference_(int sym) {
    int n = 60;
    specl_rng r;
    specl_rng_seed(&r, 17 + (uint64_t)sym);
    tlist t = {0};
    for (int e = 0; e < 900; e++) {
        int64_t a = e % 4 == 0 ? 5 : (int64_t)specl_rng_below(&r, (uint64_t)n);   /* row 5 is long */
        int64_t b = (int64_t)specl_rng_below(&r, (uint64_t)n);
        double w = e % 9 == 0 ? 0 : specl_rng_uniform(&r) + 0.1 * (double)(e % 7);
        tl_add_(&t, a, b, w);
        if (!sym) tl_add_(&t, b, a, w);     /* general input: the mirror, exactly equal */
    }
    for (int64_t v = 0; v < n; v++) {       /* a ring so that every degree is positive */
        tl_add_(&t, v, (v + 1) % n, 1);
        if (!sym) tl_add_(&t, (v + 1) % n, v, 1);
    }
    double *acc = calloc((size_t)n * n, sizeof(double));
    char *has = calloc((size_t)n * n, 1);
    for (int64_t e = 0; e < t.m; e++) {
        if (t.w[e] == 0) continue;
        int64_t a = t.i[e], b = t.j[e];
        acc[a * n + b] += t.w[e], has[a * n + b] = 1;
        if (sym && a != b) acc[b * n + a] += t.w[e], has[b * n + a] = 1;
    }
    specl_graph g;
    int st = specl_graph_from_triplets(n, t.m, t.i, t.j, t.w, sym, &g);
    tl_free_(&t);
    CHECK_OK(st);
    int ok = !st, longest = 0;
    for (int64_t v = 0; ok && v < n; v++) {
        int64_t q = g.rowptr[v];
        double deg = 0;
        for (int64_t c = 0; c < n; c++) {
            if (!has[v * n + c]) continue;
            double want = acc[v * n + c];
            if (!sym && c != v) {                 /* symmetrize_ stores the average, from the upper side */
                double lo = acc[(v < c ? v : c) * n + (v < c ? c : v)], hi = acc[(v < c ? c : v) * n + (v < c ? v : c)];
                want = lo + 0.5 * (hi - lo);
            }
            ok = ok && q < g.rowptr[v + 1] && g.col[q] == c && g.val[q] == want;
            deg += want;
            q++;
        }
        ok = ok && q == g.rowptr[v + 1] && g.deg[v] == deg;
        if (g.rowptr[v + 1] - g.rowptr[v] > longest) longest = (int)(g.rowptr[v + 1] - g.rowptr[v]);
    }
    CHECK(ok);
    CHECK(longest > 32);                          /* the merge sort ran */
    specl_graph_free(&g);
    free(acc);
    free(has);
}

TEST(graph_triplets_vs_reference_accumulation) {
    triplets_vs_reference_(1);
    triplets_vs_reference_(0);
}

/* One failing call: status, detail substring, g left empty. */
static void expect_einval_(int st, const specl_graph *g, const char *needle) {
    CHECK(st == SPECL_EINVAL);
    CHECK(g->rowptr == NULL && g->col == NULL && g->val == NULL && g->deg == NULL);
    if (!detail_has_(needle)) {
        fprintf(stderr, "  detail '%s' lacks '%s'\n", specl_error_detail(), needle);
        CHECK(!"detail names the entry");
    }
}

TEST(graph_validation_errors) {
    specl_graph g;
    int64_t i[] = {0, 1, 2, 3}, j[] = {1, 2, 3, 0};
    double w[] = {1, 1, 1, 1};
    double wneg[] = {1, -0.2, 1, 1}, wnan[] = {1, 1, NAN, 1}, winf[] = {INFINITY, 1, 1, 1};
    expect_einval_(specl_graph_from_triplets(4, 4, i, j, wneg, 1, &g), &g,
                   "entry 1 (i = 1, j = 2): weight -0.2 is negative");
    expect_einval_(specl_graph_from_triplets(4, 4, i, j, wnan, 1, &g), &g, "entry 2 (i = 2, j = 3): weight nan is not finite");
    expect_einval_(specl_graph_from_triplets(4, 4, i, j, winf, 1, &g), &g, "entry 0 (i = 0, j = 1): weight inf is not finite");
    int64_t ibad[] = {0, 1, 5, 3}, jbad[] = {1, 2, 3, -1};
    expect_einval_(specl_graph_from_triplets(4, 4, ibad, j, w, 1, &g), &g, "entry 2 (i = 5, j = 3): row index 5 is out of range 0..3");
    expect_einval_(specl_graph_from_triplets(4, 4, i, jbad, w, 1, &g), &g, "entry 3 (i = 3, j = -1): column index -1");
    /* asymmetry: a value mismatch and a missing mirror */
    int64_t ai[] = {3, 5, 0, 1, 2, 4}, aj[] = {5, 3, 1, 0, 4, 2};
    double aw[] = {0.2, 0.1, 1, 1, 1, 1};
    expect_einval_(specl_graph_from_triplets(6, 6, ai, aj, aw, 0, &g), &g, "W is not symmetric: W[3,5] = 0.2");
    CHECK(detail_has_("but W[5,3] = 0.1"));
    double aw2[] = {0.2, 0.2, 1, 1, 1, 1};
    int64_t mi[] = {3, 5, 0, 1, 2, 4}, mj[] = {5, 3, 1, 0, 4, 1};
    expect_einval_(specl_graph_from_triplets(6, 6, mi, mj, aw2, 0, &g), &g, "W[2,4] = 1 but W[4,2] = 0 (absent)");
    /* a relative difference just above 1e-12 is rejected */
    double close[] = {1, 1 + 3e-12};
    int64_t ci[] = {0, 1}, cj[] = {1, 0};
    expect_einval_(specl_graph_from_triplets(2, 2, ci, cj, close, 0, &g), &g, "W is not symmetric: W[0,1] = 1");
    /* degree 0: an isolated vertex, and a vertex whose only edge has weight 0 */
    expect_einval_(specl_graph_from_triplets(10, 4, i, j, w, 1, &g), &g, "vertex 4 has degree 0 (outside the support of p_data)");
    double wz[] = {1, 1, 0, 0};
    expect_einval_(specl_graph_from_triplets(4, 4, i, j, wz, 1, &g), &g, "vertex 3 has degree 0");
    /* sizes and pointers */
    expect_einval_(specl_graph_from_triplets(0, 0, i, j, w, 1, &g), &g, "n = 0 vertices");
    expect_einval_(specl_graph_from_triplets(4, -1, i, j, w, 1, &g), &g, "m = -1 triplets");
    expect_einval_(specl_graph_from_triplets(4, 4, i, NULL, w, 1, &g), &g, "NULL array");
    CHECK(specl_graph_from_triplets(4, 4, i, j, w, 1, NULL) == SPECL_EINVAL);
    /* overflowing degree */
    double big[] = {DBL_MAX, DBL_MAX, 1, 1};
    int64_t bi[] = {0, 0, 1, 2}, bj[] = {1, 2, 2, 0};
    expect_einval_(specl_graph_from_triplets(3, 4, bi, bj, big, 1, &g), &g, "overflows");
}

TEST(graph_dense_validation_errors) {
    specl_graph g;
    double a[9] = {0, 1, 1, 1, 0, 1, 1, 1, 0};
    CHECK_OK(specl_graph_from_dense(3, a, &g));
    CHECK(g.nnz == 6 && g.total == 6);
    specl_graph_free(&g);
    a[5] = -0.2;
    expect_einval_(specl_graph_from_dense(3, a, &g), &g, "a[1,2] = -0.2 is negative");
    a[5] = NAN;
    expect_einval_(specl_graph_from_dense(3, a, &g), &g, "a[1,2] = nan is not finite");
    a[5] = 0.5;
    expect_einval_(specl_graph_from_dense(3, a, &g), &g, "W is not symmetric: W[1,2] = 0.5 but W[2,1] = 1");
    double iso[9] = {0, 1, 0, 1, 0, 0, 0, 0, 0};
    expect_einval_(specl_graph_from_dense(3, iso, &g), &g, "vertex 2 has degree 0");
    expect_einval_(specl_graph_from_dense(0, a, &g), &g, "n = 0");
    expect_einval_(specl_graph_from_dense(3, NULL, &g), &g, "no dense matrix");
}

/* ---- operators ---- */

TEST(graph_norm_adj_mv_vs_dense_laplacian) {
    specl_graph g;
    CHECK_OK(random_graph_(300, 900, 11, &g));
    int64_t n = g.n;
    double *l = malloc(sizeof(double) * (size_t)(n * n));
    CHECK_OK(specl_graph_laplacian_dense(&g, l));
    specl_rng r;
    specl_rng_seed(&r, 3);
    double x[300], y[300], maxerr = 0, asym = 0;
    for (int i = 0; i < n; i++) x[i] = specl_rng_normal(&r);
    specl_graph_norm_adj_mv(&g, x, y);
    for (int i = 0; i < n; i++) {
        double s = 0;
        for (int c = 0; c < n; c++) s += ((i == c) - l[i * n + c]) * x[c];
        maxerr = fmax(maxerr, fabs(s - y[i]));
        for (int c = 0; c < n; c++) asym = fmax(asym, fabs(l[i * n + c] - l[c * n + i]));
    }
    CHECK(maxerr < 1e-13);
    CHECK(asym < 1e-15);
    /* the diagonal of L is 1 − W_xx/deg_x, and L √deg = 0 */
    double z[300], ones[300];
    for (int i = 0; i < n; i++) ones[i] = sqrt(g.deg[i]);
    specl_graph_norm_adj_mv(&g, ones, z);
    for (int i = 0; i < n; i++) CHECK_NEAR(z[i], ones[i], 1e-13);
    free(l);
    specl_graph_free(&g);

    /* a graph big enough for the OpenMP path, against a direct evaluation */
    CHECK_OK(random_graph_(20000, 60000, 12, &g));
    double *xb = malloc(sizeof(double) * 20000), *yb = malloc(sizeof(double) * 20000);
    for (int i = 0; i < 20000; i++) xb[i] = specl_rng_normal(&r);
    specl_graph_norm_adj_mv(&g, xb, yb);
    maxerr = 0;
    for (int64_t i = 0; i < g.n; i++) {
        double s = 0;
        for (int64_t q = g.rowptr[i]; q < g.rowptr[i + 1]; q++)
            s += g.val[q] / sqrt(g.deg[i] * g.deg[g.col[q]]) * xb[g.col[q]];
        maxerr = fmax(maxerr, fabs(s - yb[i]));
    }
    CHECK(maxerr < 1e-13);
    free(xb);
    free(yb);
    specl_graph_free(&g);
}

TEST(graph_laplacian_dense_limits) {
    specl_graph g;
    CHECK_OK(cycle_graph_(20001, &g));
    double dummy;
    CHECK(specl_graph_laplacian_dense(&g, &dummy) == SPECL_EINVAL);
    CHECK(detail_has_("n <= 20000"));
    specl_graph_free(&g);
    CHECK(specl_graph_laplacian_dense(NULL, &dummy) == SPECL_EINVAL);
}

/* ---- analytic spectra ---- */

TEST(spectrum_complete_graph) {
    for (int n = 2; n <= 9; n += 7) {
        specl_graph g;
        specl_spectrum s;
        CHECK_OK(complete_graph_(n, &g));
        CHECK_OK(specl_graph_spectrum(&g, n, SPECL_EIG_DENSE, 0, &s));
        CHECK(s.k == n && s.converged == n && s.method == SPECL_EIG_DENSE);
        if (s.nu) {
            CHECK_NEAR(s.nu[0], 0, 1e-14);
            for (int j = 1; j < n; j++) CHECK_NEAR(s.nu[j], (double)n / (n - 1), 1e-13);
            CHECK(max_residual_(&s) < 1e-13);
            for (int i = 0; i < n; i++) CHECK_NEAR(s.vec[i * n], 1 / sqrt(n), 1e-14);   /* positive sign */
        }
        specl_spectrum_free(&s);
        specl_graph_free(&g);
    }
}

TEST(spectrum_cycle) {
    int n = 16;
    specl_graph g;
    specl_spectrum s;
    CHECK_OK(cycle_graph_(n, &g));
    CHECK_OK(specl_graph_spectrum(&g, n, SPECL_EIG_AUTO, 0, &s));
    double want[16];
    for (int j = 0; j < n; j++) want[j] = 1 - cos(2 * M_PI * j / n);
    qsort(want, (size_t)n, sizeof(double), cmp_double_);
    if (s.nu)
        for (int j = 0; j < n; j++) CHECK_NEAR(s.nu[j], want[j], 1e-13);
    CHECK(s.nu && max_residual_(&s) < 1e-13);
    specl_spectrum_free(&s);
    specl_graph_free(&g);

    /* ARPACK on a longer cycle (eigenvalues of multiplicity 2) */
    n = 400;
    CHECK_OK(cycle_graph_(n, &g));
    CHECK_OK(specl_graph_spectrum(&g, 5, SPECL_EIG_ARPACK, 0, &s));
    CHECK(s.method == SPECL_EIG_ARPACK && s.converged == 5);
    double w5[5] = {0, 1 - cos(2 * M_PI / n), 1 - cos(2 * M_PI / n), 1 - cos(4 * M_PI / n), 1 - cos(4 * M_PI / n)};
    if (s.nu)
        for (int j = 0; j < 5; j++) CHECK_NEAR(s.nu[j], w5[j], 1e-10);
    CHECK(s.nu && max_residual_(&s) < 1e-10);
    specl_spectrum_free(&s);
    specl_graph_free(&g);
}

TEST(spectrum_two_complete_graphs) {
    /* K_5 ⊔ K_7: ν = 0 twice, 7/6 six times, 5/4 four times */
    tlist t = {0};
    for (int a = 0; a < 5; a++)
        for (int b = 0; b < a; b++) tl_add_(&t, a, b, 1);
    for (int a = 5; a < 12; a++)
        for (int b = 5; b < a; b++) tl_add_(&t, a, b, 1);
    specl_graph g;
    specl_spectrum s;
    CHECK_OK(tl_build_(&t, 12, &g));
    CHECK_OK(specl_graph_spectrum(&g, 12, SPECL_EIG_DENSE, 0, &s));
    double want[12] = {0, 0, 7. / 6, 7. / 6, 7. / 6, 7. / 6, 7. / 6, 7. / 6, 1.25, 1.25, 1.25, 1.25};
    if (s.nu) {
        for (int j = 0; j < 12; j++) CHECK_NEAR(s.nu[j], want[j], 1e-13);
        /* the two null vectors span {√deg·1_S1, √deg·1_S2}: component-wise constant on each clique */
        for (int j = 0; j < 2; j++) {
            double p1 = 0, p2 = 0;
            for (int i = 0; i < 5; i++) p1 += s.vec[i * 12 + j] / sqrt(5);
            for (int i = 5; i < 12; i++) p2 += s.vec[i * 12 + j] / sqrt(7);
            CHECK_NEAR(p1 * p1 + p2 * p2, 1, 1e-12);
        }
    }
    specl_spectrum_free(&s);
    specl_graph_free(&g);
}

TEST(spectrum_hypercube) {
    for (int d = 6; d <= 10; d += 4) {
        specl_graph g;
        specl_spectrum s;
        int n = 1 << d;
        int k = d == 6 ? n : d + 2;               /* Q_6: all 64; Q_10: the bottom 12 */
        CHECK_OK(hypercube_graph_(d, &g));
        CHECK_OK(specl_graph_spectrum(&g, k, SPECL_EIG_AUTO, 0, &s));
        CHECK(s.method == SPECL_EIG_DENSE);
        double *want = malloc(sizeof(double) * (size_t)n);
        int p = 0;
        double binom = 1;
        for (int j = 0; j <= d; j++) {
            for (int c = 0; c < (int)(binom + 0.5); c++) want[p++] = 2.0 * j / d;
            binom = binom * (d - j) / (j + 1);
        }
        CHECK(p == n);
        if (s.nu)
            for (int j = 0; j < k; j++) CHECK_NEAR(s.nu[j], want[j], 1e-12);
        CHECK(s.nu && max_residual_(&s) < 1e-12);
        free(want);
        specl_spectrum_free(&s);
        specl_graph_free(&g);
    }
}

TEST(spectrum_weighted_path_vs_dsyev) {
    int n = 25;
    tlist t = {0};
    double w[24];
    for (int i = 0; i < n - 1; i++) tl_add_(&t, i, i + 1, w[i] = 1 + 0.37 * i + 0.1 * (i % 3));
    specl_graph g;
    specl_spectrum s;
    CHECK_OK(tl_build_(&t, n, &g));
    /* L computed here from the weights, independently of the library */
    double deg[25] = {0}, l[625] = {0}, ev[25];
    for (int i = 0; i < n - 1; i++) deg[i] += w[i], deg[i + 1] += w[i];
    for (int i = 0; i < n; i++) l[i * n + i] = 1;
    for (int i = 0; i < n - 1; i++) l[i * n + i + 1] = l[(i + 1) * n + i] = -w[i] / sqrt(deg[i] * deg[i + 1]);
    CHECK_OK(specl_dsyev(n, l, ev));
    for (int k = 1; k <= n; k += n - 1) {
        CHECK_OK(specl_graph_spectrum(&g, k, SPECL_EIG_DENSE, 0, &s));
        if (!s.nu) continue;
        for (int j = 0; j < k; j++) {
            CHECK_NEAR(s.nu[j], ev[j], 1e-13);
            double dot = 0;
            for (int i = 0; i < n; i++) dot += s.vec[i * k + j] * l[i * n + j];
            CHECK_NEAR(fabs(dot), 1, 1e-12);
        }
        CHECK(max_residual_(&s) < 1e-13);
        specl_spectrum_free(&s);
    }
    CHECK_NEAR(ev[0], 0, 1e-14);
    CHECK(ev[n - 1] <= 2 + 1e-14);
    specl_graph_free(&g);
}

/* ---- dense vs ARPACK ---- */

/* ARPACK against LAPACK on g: eigenvalues, eigenvectors (same sign convention), residuals; and
 * the Lanczos basis ARPACK ended with (the narrow first one, or the wide one after it stalled). */
static void dense_vs_arpack_(const char *name, const specl_graph *g, int k, int want_ncv) {
    specl_spectrum sd, sa;
    CHECK_OK(specl_graph_spectrum(g, k + 1, SPECL_EIG_DENSE, 0, &sd));
    CHECK_OK(specl_graph_spectrum(g, k, SPECL_EIG_ARPACK, 0, &sa));
    if (!sd.nu || !sa.nu) goto done;
    CHECK(sa.method == SPECL_EIG_ARPACK && sa.converged == k && sd.method == SPECL_EIG_DENSE);
    CHECK(sa.ncv == want_ncv && sd.ncv == 0 && sd.matvecs == 0);
    double mingap = INFINITY;
    for (int j = 0; j < k; j++) mingap = fmin(mingap, sd.nu[j + 1] - sd.nu[j]);
    CHECK(mingap > 1e-6);                                 /* precondition: simple eigenvalues */
    double maxdiff = 0, worst = 0;
    for (int j = 0; j < k; j++) {
        maxdiff = fmax(maxdiff, fabs(sd.nu[j] - sa.nu[j]));
        double dot = col_dot_(&sd, j, &sa, j);            /* same sign convention: +1, not −1 */
        worst = fmax(worst, fabs(1 - dot));
    }
    printf("  %s: min gap %.3g, max |nu_dense - nu_arpack| %.3g, max |1 - v_d.v_a| %.3g, residuals dense %.3g "
           "arpack %.3g (ncv %d, %d products)\n", name, mingap, maxdiff, worst, max_residual_(&sd), max_residual_(&sa),
           sa.ncv, sa.matvecs);
    CHECK(maxdiff < 1e-9);
    CHECK(worst < 1e-8);
    CHECK(max_residual_(&sd) < 1e-12 && max_residual_(&sa) < 1e-12);
done:
    specl_spectrum_free(&sd);
    specl_spectrum_free(&sa);
}

TEST(spectrum_dense_vs_arpack) {
    /* a random graph: the bottom of L is the edge of the bulk, the narrow basis stalls */
    specl_graph g;
    CHECK_OK(random_graph_(1500, 4500, 21, &g));
    dense_vs_arpack_("random, n = 1500", &g, 10, 64);
    specl_graph_free(&g);
    /* 10 planted clusters of 200 (a ring each, random edges 95% inside): 10 eigenvalues near 0
     * well apart from the rest, which the narrow basis (2k + 1 = 21) finds */
    specl_rng r;
    specl_rng_seed(&r, 31);
    tlist t = {0};
    for (int64_t v = 0; v < 2000; v++) tl_add_(&t, v, v / 200 * 200 + (v + 1) % 200, 0.5 + specl_rng_uniform(&r));
    for (int e = 0; e < 10000; e++) {
        int64_t a = (int64_t)specl_rng_below(&r, 2000);
        int64_t b = specl_rng_uniform(&r) < 0.95 ? a / 200 * 200 + (int64_t)specl_rng_below(&r, 200)
                                                  : (int64_t)specl_rng_below(&r, 2000);
        if (a != b) tl_add_(&t, a, b, 0.5 + specl_rng_uniform(&r));
    }
    CHECK_OK(tl_build_(&t, 2000, &g));
    dense_vs_arpack_("10 clusters, n = 2000", &g, 10, 21);
    specl_graph_free(&g);
}

TEST(spectrum_arpack_deterministic) {
    specl_graph g;
    specl_spectrum a, b;
    CHECK_OK(random_graph_(3000, 6000, 5, &g));
    CHECK_OK(specl_graph_spectrum(&g, 4, SPECL_EIG_AUTO, 0, &a));
    CHECK_OK(specl_graph_spectrum(&g, 4, SPECL_EIG_AUTO, 0, &b));
    CHECK(a.method == SPECL_EIG_ARPACK);
    CHECK(a.nu && b.nu && memcmp(a.nu, b.nu, 4 * sizeof(double)) == 0 &&
          memcmp(a.vec, b.vec, sizeof(double) * 4 * 3000) == 0);
    specl_spectrum_free(&a);
    specl_spectrum_free(&b);
    specl_graph_free(&g);
}

/* The OpenMP paths (matvec and the blocked residuals) give the same bits on 1 and 2 threads; the
 * graph is above the size at which they fork. */
TEST(spectrum_arpack_threads_identical) {
    specl_graph g;
    specl_spectrum a, b;
    int k = 4, saved = omp_get_max_threads();
    CHECK_OK(random_graph_(20000, 60000, 8, &g));
    CHECK(g.nnz > 100000);
    omp_set_num_threads(1);
    int st = specl_graph_spectrum(&g, k, SPECL_EIG_ARPACK, 0, &a);
    omp_set_num_threads(2);
    CHECK_OK(specl_graph_spectrum(&g, k, SPECL_EIG_ARPACK, 0, &b));
    omp_set_num_threads(saved);
    CHECK_OK(st);
    CHECK(a.nu && b.nu && a.matvecs == b.matvecs && memcmp(a.nu, b.nu, sizeof(double) * (size_t)k) == 0 &&
          memcmp(a.vec, b.vec, sizeof(double) * (size_t)k * 20000) == 0 &&
          memcmp(a.residual, b.residual, sizeof(double) * (size_t)k) == 0);
    specl_spectrum_free(&a);
    specl_spectrum_free(&b);
    specl_graph_free(&g);
}

/* The residuals (one blocked pass over the matrix for all k vectors) against ‖v − A v − ν v‖ from
 * specl_graph_norm_adj_mv, one vector at a time. A loose tol leaves residuals well above round-off. */
TEST(spectrum_residuals_vs_reference) {
    specl_graph g;
    specl_spectrum s;
    int k = 6;
    CHECK_OK(random_graph_(30000, 90000, 9, &g));
    CHECK_OK(specl_graph_spectrum(&g, k, SPECL_EIG_ARPACK, 1e-3, &s));
    if (!s.nu) { specl_graph_free(&g); return; }
    size_t n = (size_t)g.n;
    double *x = malloc(sizeof(double) * n), *y = malloc(sizeof(double) * n), worst = 0, most = 0;
    for (int j = 0; j < k; j++) {
        for (size_t i = 0; i < n; i++) x[i] = s.vec[i * (size_t)k + (size_t)j];
        specl_graph_norm_adj_mv(&g, x, y);
        double r2 = 0;
        for (size_t i = 0; i < n; i++) r2 += (x[i] - y[i] - s.nu[j] * x[i]) * (x[i] - y[i] - s.nu[j] * x[i]);
        worst = fmax(worst, fabs(sqrt(r2) - s.residual[j]) / (sqrt(r2) + 1e-9));   /* ν_0's is ~1e-15 */
        most = fmax(most, sqrt(r2));
    }
    printf("  residuals (tol 1e-3): largest %.3g, max relative difference to the reference %.3g\n", most, worst);
    CHECK(most > 1e-8);
    CHECK(worst < 1e-6);
    free(x);
    free(y);
    specl_spectrum_free(&s);
    specl_graph_free(&g);
}

TEST(spectrum_argument_errors) {
    specl_graph g;
    specl_spectrum s;
    CHECK_OK(cycle_graph_(10, &g));
    CHECK(specl_graph_spectrum(&g, 0, SPECL_EIG_DENSE, 0, &s) == SPECL_EINVAL && detail_has_("k = 0"));
    CHECK(s.nu == NULL && s.vec == NULL);
    CHECK(specl_graph_spectrum(&g, 11, SPECL_EIG_DENSE, 0, &s) == SPECL_EINVAL && detail_has_("1 <= k <= n = 10"));
    CHECK(specl_graph_spectrum(&g, 2, SPECL_EIG_ARPACK, -1, &s) == SPECL_EINVAL && detail_has_("tol"));
    CHECK(specl_graph_spectrum(&g, 2, SPECL_EIG_ARPACK, NAN, &s) == SPECL_EINVAL);
    CHECK(specl_graph_spectrum(&g, 2, (specl_eig_method)7, 0, &s) == SPECL_EINVAL && detail_has_("unknown method"));
    CHECK(specl_graph_spectrum(NULL, 2, SPECL_EIG_DENSE, 0, &s) == SPECL_EINVAL);
    CHECK(specl_graph_spectrum(&g, 2, SPECL_EIG_DENSE, 0, NULL) == SPECL_EINVAL);
    /* ARPACK with k = n on a small graph falls back to the dense method */
    CHECK_OK(specl_graph_spectrum(&g, 10, SPECL_EIG_ARPACK, 0, &s));
    CHECK(s.method == SPECL_EIG_DENSE && s.k == 10);
    specl_spectrum_free(&s);
    specl_graph_free(&g);
    /* dense above 20000 vertices, and ARPACK with k = n above 2000, are rejected */
    CHECK_OK(cycle_graph_(20001, &g));
    CHECK(specl_graph_spectrum(&g, 2, SPECL_EIG_DENSE, 0, &s) == SPECL_EINVAL && detail_has_("n <= 20000"));
    specl_graph_free(&g);
    CHECK_OK(cycle_graph_(2001, &g));
    CHECK(specl_graph_spectrum(&g, 2001, SPECL_EIG_ARPACK, 0, &s) == SPECL_EINVAL && detail_has_("k < n"));
    specl_graph_free(&g);
}

/* 10^5 vertices, ~10^6 edges: a ring plus random edges, bottom 10 by ARPACK. */
TEST(spectrum_large_sparse_arpack) {
    int64_t n = quick_() ? 10000 : 100000, extra = 9 * n + n / 2;
    int k = 10;
    specl_graph g;
    specl_spectrum s;
    double t0 = now_();
    CHECK_OK(random_graph_(n, extra, 99, &g));
    double t1 = now_();
    /* ARPACK's stopping rule is ‖r‖ <= tol·|θ| with θ ≈ 0.44 here; 1e-10 leaves two orders of margin
     * below the 1e-8 asserted. (tol = 0, machine precision, takes ~3.5x more restarts: the bottom
     * eigenvalues of a random graph are clustered at the edge of the bulk, gaps ~1e-4.) */
    const double tol = 1e-10;
    CHECK_OK(specl_graph_spectrum(&g, k, SPECL_EIG_AUTO, tol, &s));
    double t2 = now_();
    if (!s.nu) { specl_graph_free(&g); return; }
    printf("  large graph%s: n = %lld, %lld undirected edges (%lld stored entries), build %.2f s, ARPACK bottom %d "
           "(tol %g) in %.2f s wall, converged %d, max residual %.3g\n", quick_() ? " (SPECL_TEST_QUICK)" : "",
           (long long)n, (long long)(n + extra), (long long)g.nnz, t1 - t0, k, tol, t2 - t1, s.converged,
           max_residual_(&s));
    printf("  nu =");
    for (int j = 0; j < k; j++) printf(" %.10f", s.nu[j]);
    printf("\n");
    CHECK(s.method == SPECL_EIG_ARPACK && s.converged == k);
    for (int j = 0; j < k; j++) CHECK(s.residual[j] < 1e-8);
    for (int j = 1; j < k; j++) CHECK(s.nu[j] >= s.nu[j - 1]);
    CHECK_NEAR(s.nu[0], 0, 1e-10);
    /* v_1 ∝ √deg, and the vectors are orthonormal */
    double dot = 0;
    for (int64_t i = 0; i < n; i++) dot += s.vec[i * k] * sqrt(g.deg[i] / g.total);
    CHECK_NEAR(dot, 1, 1e-10);
    double orth = 0;
    for (int a = 0; a < k; a++)
        for (int b = 0; b <= a; b++) orth = fmax(orth, fabs(col_dot_(&s, a, &s, b) - (a == b)));
    CHECK(orth < 1e-10);
    specl_spectrum_free(&s);
    specl_graph_free(&g);
}

/* ---- MatrixMarket ---- */

TEST(mtx_write_read_roundtrip) {
    /* random weights (17 significant digits needed), self-loops included */
    specl_rng r;
    specl_rng_seed(&r, 17);
    tlist t = {0};
    for (int a = 0; a < 200; a++) tl_add_(&t, a, (a + 1) % 200, specl_rng_uniform(&r) * 1e-3);
    for (int e = 0; e < 600; e++)
        tl_add_(&t, (int64_t)specl_rng_below(&r, 200), (int64_t)specl_rng_below(&r, 200), exp(30 * specl_rng_normal(&r)));
    specl_graph g, h;
    CHECK_OK(tl_build_(&t, 200, &g));
    char p[300];
    tpath_("roundtrip.mtx", p, sizeof p);
    CHECK_OK(specl_mtx_write(p, &g));
    CHECK_OK(specl_mtx_read(p, &h));
    CHECK(graphs_identical_(&g, &h));
    /* the written text: banner, comment, size line with the lower-triangle count, i >= j */
    char *txt = NULL;
    CHECK_OK(specl_read_file(p, &txt, NULL));
    CHECK(txt && strncmp(txt, "%%MatrixMarket matrix coordinate real symmetric\n%", 49) == 0);
    if (txt) {
        char *line = strchr(strchr(txt, '\n') + 1, '\n') + 1;
        long long a, b, c;
        long long lower = 0;
        for (int64_t v = 0; v < g.n; v++)
            for (int64_t q = g.rowptr[v]; q < g.rowptr[v + 1]; q++) lower += g.col[q] <= v;
        CHECK(sscanf(line, "%lld %lld %lld", &a, &b, &c) == 3 && a == 200 && b == 200 && c == lower);
        int lower_ok = 1;
        for (char *q = strchr(line, '\n') + 1; *q; q = strchr(q, '\n') + 1)
            if (sscanf(q, "%lld %lld", &a, &b) != 2 || a < b) lower_ok = 0;
        CHECK(lower_ok);
    }
    free(txt);
    specl_graph_free(&h);
    specl_graph_free(&g);
}

/* Read text as a .mtx file and compare with the graph of the given triplets (symmetric_input = 1). */
static void expect_graph_(const char *name, const char *text, int64_t n, int m, const int64_t *i, const int64_t *j,
                          const double *w) {
    char p[300];
    specl_graph got, want;
    tpath_(name, p, sizeof p);
    CHECK(write_text_(p, text) == 0);
    int st = specl_mtx_read(p, &got);
    CHECK_OK(st);
    CHECK_OK(specl_graph_from_triplets(n, m, i, j, w, 1, &want));
    if (st == SPECL_OK && !graphs_identical_(&got, &want)) {
        fprintf(stderr, "  %s: graph differs from the expected one\n", name);
        CHECK(!"graph as expected");
    }
    specl_graph_free(&got);
    specl_graph_free(&want);
}

TEST(mtx_scipy_style_files) {
    int64_t i[] = {1, 2, 2, 3, 3}, j[] = {0, 0, 1, 2, 3};
    double w[] = {0.5, 1.25, 2, 3.5, 0.125};
    /* scipy.io.mmwrite (scipy < 1.12): '%' comment line, %.16e values, lower triangle */
    expect_graph_("scipy_old.mtx",
                  "%%MatrixMarket matrix coordinate real symmetric\n%\n4 4 5\n"
                  "2 1 5.0000000000000000e-01\n3 1 1.2500000000000000e+00\n3 2 2.0000000000000000e+00\n"
                  "4 3 3.5000000000000000e+00\n4 4 1.2500000000000000e-01\n", 4, 5, i, j, w);
    /* scipy >= 1.12 (fast_matrix_market): shortest round-trip values, a comment */
    expect_graph_("scipy_new.mtx",
                  "%%MatrixMarket matrix coordinate real symmetric\n% a user comment\n4 4 5\n"
                  "2 1 0.5\n3 1 1.25\n3 2 2\n4 3 3.5\n4 4 0.125\n", 4, 5, i, j, w);
}

TEST(mtx_field_and_symmetry_variants) {
    int64_t i[] = {1, 2, 2, 3}, j[] = {0, 0, 1, 2};
    double one[] = {1, 1, 1, 1}, iw[] = {3, 7, 1, 2};
    expect_graph_("pattern_general.mtx",
                  "%%MatrixMarket matrix coordinate pattern general\n4 4 8\n"
                  "1 2\n2 1\n1 3\n3 1\n2 3\n3 2\n3 4\n4 3\n", 4, 4, i, j, one);
    expect_graph_("pattern_symmetric.mtx",
                  "%%MatrixMarket matrix coordinate pattern symmetric\n4 4 4\n2 1\n3 1\n3 2\n4 3\n", 4, 4, i, j, one);
    expect_graph_("integer_symmetric.mtx",
                  "%%MatrixMarket matrix coordinate integer symmetric\n4 4 4\n2 1 3\n3 1 7\n3 2 1\n4 3 2\n", 4, 4, i, j, iw);
    expect_graph_("real_general.mtx",
                  "%%MatrixMarket matrix coordinate real general\n4 4 8\n"
                  "1 2 3\n2 1 3.0\n1 3 7\n3 1 7e0\n2 3 1\n3 2 1\n3 4 2\n4 3 2\n", 4, 4, i, j, iw);
    /* upper-triangle entries in a symmetric file mean the same edges; case-insensitive banner,
     * CRLF, tabs, blank and comment lines anywhere, a long comment, a duplicate (summed), a zero */
    char text[8000];
    int o = snprintf(text, sizeof text, "%%%%matrixmarket MATRIX Coordinate Real Symmetric\r\n%%");
    for (int c = 0; c < 5000; c++) text[o++] = 'x';
    snprintf(text + o, sizeof text - (size_t)o,
             "\r\n\r\n  4\t4  6 \r\n1 2 3\r\n%% mid comment\r\n\r\n 1\t3 4\r\n1 3 3\n2 3 1\n4 3 2\n4 1 0\n");
    expect_graph_("variants.mtx", text, 4, 4, i, j, iw);
    /* general files: duplicates are summed before the symmetry check */
    expect_graph_("general_dup.mtx",
                  "%%MatrixMarket matrix coordinate real general\n4 4 9\n"
                  "1 2 1\n1 2 2\n2 1 3\n1 3 7\n3 1 7\n2 3 1\n3 2 1\n3 4 2\n4 3 2\n", 4, 4, i, j, iw);
}

typedef struct { const char *name, *text, *line, *needle; } bad_file;

static const bad_file bad_mtx_[] = {
    {"empty", "", "1", "empty file"},
    {"no_banner", "3 3 2\n2 1 1\n3 2 1\n", "1", "expected the banner '%%MatrixMarket matrix coordinate"},
    {"banner_short", "%%MatrixMarket matrix coordinate real\n2 2 1\n2 1 1\n", "1", "expected 5"},
    {"banner_long", "%%MatrixMarket matrix coordinate real general extra\n2 2 1\n", "1", "expected 5"},
    {"banner_object", "%%MatrixMarket vector coordinate real general\n", "1", "expected 'matrix'"},
    {"array", "%%MatrixMarket matrix array real general\n2 2\n0\n1\n1\n0\n", "1", "format 'array' is not supported"},
    {"complex", "%%MatrixMarket matrix coordinate complex general\n2 2 2\n1 2 1 0\n2 1 1 0\n", "1",
     "field 'complex' is not supported"},
    {"hermitian", "%%MatrixMarket matrix coordinate real hermitian\n2 2 1\n2 1 1\n", "1",
     "symmetry 'hermitian' is not supported"},
    {"skew", "%%MatrixMarket matrix coordinate real skew-symmetric\n2 2 1\n2 1 1\n", "1",
     "symmetry 'skew-symmetric' is not supported"},
    {"no_size", "%%MatrixMarket matrix coordinate real symmetric\n% only a comment\n", "3", "expected the size line"},
    {"nonsquare", "%%MatrixMarket matrix coordinate real general\n%\n3 4 2\n", "3", "expected a square matrix"},
    {"size_word", "%%MatrixMarket matrix coordinate real general\n%\n3 3 x\n", "3", "nnz is 'x'"},
    {"size_overflow", "%%MatrixMarket matrix coordinate real general\n%\n99999999999999999999 3 3\n", "3",
     "does not fit in int64"},
    {"size_negative", "%%MatrixMarket matrix coordinate real general\n%\n3 3 -2\n", "3", "expected a non-negative"},
    {"size_fields", "%%MatrixMarket matrix coordinate real general\n%\n3 3 2 1\n", "3", "expected 3"},
    {"size_zero", "%%MatrixMarket matrix coordinate real general\n%\n0 0 0\n", "3", "at least one vertex"},
    {"nnz_too_big", "%%MatrixMarket matrix coordinate real symmetric\n%\n2 2 4\n", "3", "exceeds"},
    {"too_few_vertices", "%%MatrixMarket matrix coordinate real symmetric\n%\n5 5 2\n2 1 1\n4 3 1\n", "3",
     "degree 0"},
    {"index_zero", "%%MatrixMarket matrix coordinate real symmetric\n%\n2 2 1\n2 0 1\n", "4",
     "column index 0 is out of range"},
    {"index_big", "%%MatrixMarket matrix coordinate real symmetric\n%\n2 2 2\n2 1 1\n3 1 1\n", "5",
     "row index 3 is out of range, expected 1..2"},
    {"index_real", "%%MatrixMarket matrix coordinate real symmetric\n%\n2 2 1\n2.0 1 1\n", "4",
     "expected an integer"},
    {"index_overflow", "%%MatrixMarket matrix coordinate real symmetric\n%\n2 2 1\n99999999999999999999 1 1\n", "4",
     "does not fit in int64"},
    {"too_few_entries", "%%MatrixMarket matrix coordinate real symmetric\n%\n3 3 3\n2 1 1\n3 2 1\n", "6",
     "end of file after 2 entries, expected 3"},
    {"too_many_entries", "%%MatrixMarket matrix coordinate real symmetric\n%\n3 3 2\n2 1 1\n3 2 1\n3 3 1\n", "6",
     "more entries than the 2 declared"},
    {"extra_token", "%%MatrixMarket matrix coordinate real symmetric\n%\n2 2 1\n2 1 1 7\n", "4", "extra field '7'"},
    {"missing_weight", "%%MatrixMarket matrix coordinate real symmetric\n%\n2 2 1\n2 1\n", "4", "expected 3"},
    {"pattern_weight", "%%MatrixMarket matrix coordinate pattern symmetric\n%\n2 2 1\n2 1 1\n", "4",
     "pattern files have no weight"},
    {"both_orientations", "%%MatrixMarket matrix coordinate real symmetric\n%\n3 3 3\n2 1 1\n3 2 1\n1 2 1\n", "6",
     "mirror of line 4"},
    {"negative", "%%MatrixMarket matrix coordinate real symmetric\n%\n2 2 1\n2 1 -0.5\n", "4", "-0.5 is negative"},
    {"nan", "%%MatrixMarket matrix coordinate real symmetric\n%\n2 2 1\n2 1 nan\n", "4", "'nan' is not finite"},
    {"inf", "%%MatrixMarket matrix coordinate real symmetric\n%\n2 2 1\n2 1 -Inf\n", "4", "'-Inf' is not finite"},
    {"overflow", "%%MatrixMarket matrix coordinate real symmetric\n%\n2 2 1\n2 1 1e999\n", "4", "overflows"},
    {"bad_real", "%%MatrixMarket matrix coordinate real symmetric\n%\n2 2 1\n2 1 1.0x\n", "4",
     "expected a real number"},
    {"int_real", "%%MatrixMarket matrix coordinate integer symmetric\n%\n2 2 1\n2 1 1.5\n", "4",
     "expected an integer (field 'integer')"},
    {"int_negative", "%%MatrixMarket matrix coordinate integer symmetric\n%\n2 2 1\n2 1 -3\n", "4", "negative"},
    {"asym_general", "%%MatrixMarket matrix coordinate real general\n%\n2 2 2\n1 2 1\n2 1 2\n", "4",
     "W is not symmetric: W(1, 2) = 1 but W(2, 1) = 2 at line 5"},
    {"mirror_missing", "%%MatrixMarket matrix coordinate real general\n%\n3 3 3\n1 2 1\n2 1 1\n3 2 1\n", "6",
     "entry (3, 2) = 1 has no mirror entry (2, 3)"},
    {"degree_zero", "%%MatrixMarket matrix coordinate real symmetric\n%\n3 3 2\n2 1 1\n2 2 1\n", "3",
     "vertex 3 (of the 3 declared here) has degree 0"},
    {"degree_zero_weight", "%%MatrixMarket matrix coordinate real symmetric\n%\n3 3 2\n2 1 1\n3 2 0\n", "3",
     "vertex 3 (of the 3 declared here) has degree 0"},
};

static void expect_eformat_(const char *path, int st, const char *line, const char *needle) {
    char where[400];
    snprintf(where, sizeof where, "%s:%s:", path, line);
    CHECK(st == SPECL_EFORMAT);
    if (st != SPECL_EFORMAT || !detail_has_(where) || !detail_has_(needle)) {
        fprintf(stderr, "  status %d, detail '%s': expected '%s' and '%s'\n", st, specl_error_detail(), where, needle);
        CHECK(!"detail names file, line and problem");
    }
}

TEST(mtx_reader_error_paths) {
    for (size_t c = 0; c < sizeof bad_mtx_ / sizeof bad_mtx_[0]; c++) {
        char name[100], p[300];
        snprintf(name, sizeof name, "bad_%s.mtx", bad_mtx_[c].name);
        tpath_(name, p, sizeof p);
        CHECK(write_text_(p, bad_mtx_[c].text) == 0);
        specl_graph g;
        expect_eformat_(p, specl_mtx_read(p, &g), bad_mtx_[c].line, bad_mtx_[c].needle);
        CHECK(g.rowptr == NULL);
    }
    /* an entry line longer than the bound, and a NUL byte */
    char p[300];
    tpath_("bad_long.mtx", p, sizeof p);
    char *text = malloc(6000);
    int o = snprintf(text, 6000, "%%%%MatrixMarket matrix coordinate real symmetric\n2 2 1\n2 1 ");
    while (o < 5990) text[o++] = '1';
    text[o++] = '\n';
    CHECK(write_raw_(p, text, (size_t)o) == 0);
    specl_graph g;
    expect_eformat_(p, specl_mtx_read(p, &g), "3", "line longer than 4096 bytes");
    free(text);
    tpath_("bad_nul.mtx", p, sizeof p);
    static const char nul[] = "%%MatrixMarket matrix coordinate real symmetric\n2 2 1\n2 1\0 1\n";
    CHECK(write_raw_(p, nul, sizeof nul - 1) == 0);
    expect_eformat_(p, specl_mtx_read(p, &g), "3", "NUL byte");
    /* missing file and bad arguments */
    tpath_("does_not_exist.mtx", p, sizeof p);
    CHECK(specl_mtx_read(p, &g) == SPECL_EIO && detail_has_(p));
    CHECK(specl_mtx_read(NULL, &g) == SPECL_EINVAL);
    CHECK(specl_mtx_read(p, NULL) == SPECL_EINVAL);
}

TEST(mtx_write_errors) {
    specl_graph g;
    CHECK_OK(cycle_graph_(5, &g));
    char p[300];
    tpath_("no_such_dir/x.mtx", p, sizeof p);
    CHECK(specl_mtx_write(p, &g) == SPECL_EIO);
    CHECK(specl_mtx_write(NULL, &g) == SPECL_EINVAL);
    specl_graph empty = {0};
    tpath_("empty.mtx", p, sizeof p);
    CHECK(specl_mtx_write(p, &empty) == SPECL_EINVAL);
    CHECK(access(p, F_OK) != 0);
    specl_graph_free(&g);
}

/* Random byte edits and truncations of a valid file: the reader returns OK or EFORMAT, never crashes. */
TEST(mtx_reader_mutation_smoke) {
    const char *base = "%%MatrixMarket matrix coordinate real general\n% c\n4 4 8\n"
                       "1 2 3\n2 1 3\n1 3 7\n3 1 7\n2 3 1\n3 2 1\n3 4 2\n4 3 2\n";
    static const char alphabet[] = "0123456789 -+.eE%\n\t\rxn\0";
    size_t len = strlen(base);
    char buf[256], p[300];
    tpath_("mutant.mtx", p, sizeof p);
    specl_rng r;
    specl_rng_seed(&r, 2024);
    int ok = 0, fmt = 0, other = 0;
    for (int it = 0; it < 3000; it++) {
        memcpy(buf, base, len);
        size_t l = len;
        int edits = 1 + (int)specl_rng_below(&r, 3);
        for (int e = 0; e < edits; e++) buf[specl_rng_below(&r, l)] = alphabet[specl_rng_below(&r, sizeof alphabet - 1)];
        if (specl_rng_below(&r, 4) == 0) l = specl_rng_below(&r, l + 1);
        if (write_raw_(p, buf, l) != 0) { other++; continue; }
        specl_graph g;
        int st = specl_mtx_read(p, &g);
        if (st == SPECL_OK) { ok++; specl_graph_free(&g); }
        else if (st == SPECL_EFORMAT && strstr(specl_error_detail(), p)) fmt++;
        else { other++; fprintf(stderr, "  status %d: %s\n", st, specl_error_detail()); }
    }
    CHECK(other == 0);
    CHECK(ok > 0 && fmt > 1000);
}

/* specl writes, scipy reads and writes, specl reads (only when /usr/bin/python3 has scipy). */
TEST(mtx_scipy_crosscheck) {
    if (system("/usr/bin/python3 -c 'import scipy.io' >/dev/null 2>&1") != 0) {
        CHECK_SKIP("/usr/bin/python3 cannot import scipy (scripts/setup-deps.sh installs python3-scipy)");
    }
    specl_graph g, h;
    CHECK_OK(random_graph_(50, 100, 8, &g));
    char a[300], b[300], script[300], cmd[1200];
    tpath_("c_written.mtx", a, sizeof a);
    tpath_("py_written.mtx", b, sizeof b);
    tpath_("x.py", script, sizeof script);
    CHECK_OK(specl_mtx_write(a, &g));
    const char *src =
        "import sys, numpy as np, scipy.io, scipy.sparse as sp\n"
        "m = sp.csr_matrix(scipy.io.mmread(sys.argv[1]))\n"
        "assert m.shape == (50, 50) and abs(m - m.T).max() == 0\n"
        "d = np.asarray(m.sum(axis=1)).ravel()\n"
        "print(repr(float(d.sum())))\n"
        "scipy.io.mmwrite(sys.argv[2], sp.coo_matrix(m), symmetry='symmetric', precision=17)\n";
    CHECK(write_text_(script, src) == 0);
    snprintf(cmd, sizeof cmd, "/usr/bin/python3 %s %s %s", script, a, b);
    FILE *f = popen(cmd, "r");
    double total = -1;
    CHECK(f && fscanf(f, "%lf", &total) == 1);
    CHECK(f && pclose(f) == 0);
    CHECK_NEAR(total, g.total, 1e-12 * g.total);
    CHECK_OK(specl_mtx_read(b, &h));
    CHECK(h.n == g.n && h.nnz == g.nnz);
    if (h.nnz == g.nnz)
        for (int64_t q = 0; q < g.nnz; q++) CHECK(h.col[q] == g.col[q] && h.val[q] == g.val[q]);
    specl_graph_free(&h);
    specl_graph_free(&g);
}

/* ---- partition files ---- */

TEST(partition_good_files) {
    char p[300];
    int32_t *part = NULL;
    int m = 0;
    tpath_("part_plain.txt", p, sizeof p);
    CHECK(write_text_(p, "0\n1\n1\n2\n0\n") == 0);
    CHECK_OK(specl_partition_read(p, 5, &part, &m));
    int32_t want[] = {0, 1, 1, 2, 0};
    CHECK(m == 3 && part && memcmp(part, want, sizeof want) == 0);
    free(part);
    tpath_("part_comments.txt", p, sizeof p);
    CHECK(write_text_(p, "# cluster per vertex\n\n  1 \r\n#0\n\t0\n   \n1\n  # trailing comment\n0") == 0);
    CHECK_OK(specl_partition_read(p, 4, &part, &m));
    int32_t want2[] = {1, 0, 1, 0};
    CHECK(m == 2 && part && memcmp(part, want2, sizeof want2) == 0);
    free(part);
}

TEST(partition_error_paths) {
    static const struct { const char *name, *text; int64_t n; const char *line, *needle; } bad[] = {
        {"real", "0\n1.5\n0\n", 3, "2", "'1.5' is not an integer"},
        {"word", "0\nabc\n", 2, "2", "'abc' is not an integer"},
        {"negative", "0\n-1\n", 2, "2", "cluster index -1 is negative"},
        {"too_few", "0\n1\n# c\n", 4, "4", "end of file after 2 cluster indices, expected n = 4"},
        {"too_many", "0\n1\n1\n0\n1\n", 4, "5", "more than n = 4 cluster indices"},
        {"missing", "0\n2\n2\n0\n", 4, "2", "cluster index 1 is never used"},
        {"two_fields", "0\n1 1\n", 2, "2", "expected one cluster index per line"},
        {"too_large", "0\n7\n", 4, "2", "cluster index 7 with only n = 4 vertices"},
        {"overflow", "0\n99999999999999999999\n", 2, "2", "is too large"},
        {"empty", "", 2, "1", "end of file after 0 cluster indices"},
    };
    for (size_t c = 0; c < sizeof bad / sizeof bad[0]; c++) {
        char name[100], p[300];
        snprintf(name, sizeof name, "part_%s.txt", bad[c].name);
        tpath_(name, p, sizeof p);
        CHECK(write_text_(p, bad[c].text) == 0);
        int32_t *part = (int32_t *)1;
        int m = -1;
        expect_eformat_(p, specl_partition_read(p, bad[c].n, &part, &m), bad[c].line, bad[c].needle);
        CHECK(part == NULL && m == 0);
    }
    char p[300];
    int32_t *part;
    int m;
    tpath_("part_nul.txt", p, sizeof p);
    CHECK(write_raw_(p, "0\n1\0\n", 5) == 0);
    expect_eformat_(p, specl_partition_read(p, 2, &part, &m), "2", "NUL byte");
    tpath_("part_missing_file.txt", p, sizeof p);
    CHECK(specl_partition_read(p, 2, &part, &m) == SPECL_EIO);
    CHECK(specl_partition_read(p, 0, &part, &m) == SPECL_EINVAL);
    CHECK(specl_partition_read(p, 2, NULL, &m) == SPECL_EINVAL);
}

RUN_TESTS(
    RUN(graph_csr_sorted_summed_mirrored);
    RUN(graph_general_input_duplicates_and_average);
    RUN(graph_symmetric_input_self_loop_not_mirrored);
    RUN(graph_triplets_vs_dense_identical);
    RUN(graph_triplets_vs_reference_accumulation);
    RUN(graph_validation_errors);
    RUN(graph_dense_validation_errors);
    RUN(graph_norm_adj_mv_vs_dense_laplacian);
    RUN(graph_laplacian_dense_limits);
    RUN(spectrum_complete_graph);
    RUN(spectrum_cycle);
    RUN(spectrum_two_complete_graphs);
    RUN(spectrum_hypercube);
    RUN(spectrum_weighted_path_vs_dsyev);
    RUN(spectrum_dense_vs_arpack);
    RUN(spectrum_arpack_deterministic);
    RUN(spectrum_arpack_threads_identical);
    RUN(spectrum_residuals_vs_reference);
    RUN(spectrum_argument_errors);
    RUN(spectrum_large_sparse_arpack);
    RUN(mtx_write_read_roundtrip);
    RUN(mtx_scipy_style_files);
    RUN(mtx_field_and_symmetry_variants);
    RUN(mtx_reader_error_paths);
    RUN(mtx_write_errors);
    RUN(mtx_reader_mutation_smoke);
    RUN(mtx_scipy_crosscheck);
    RUN(partition_good_files);
    RUN(partition_error_paths)
)
