/* specl/graph.h: finite positive-pair graphs (base layer, so pair sources can return them).
 *
 * A graph is a symmetric, non-negative weight matrix W in CSR form with W_xy = p_pos(x, y) up to
 * a constant: the positive-pair distribution is W / total, p_data(x) = deg(x) / total. Every
 * vertex must have positive degree (a vertex of degree 0 lies outside the support of p_data and
 * would make D^{-1/2} undefined). Weights are float64; indices int64.
 *
 * Files: MatrixMarket coordinate (`real`, `integer` or `pattern`; `general` or `symmetric`), the
 * format scipy.io.mmread/mmwrite use; a partition file has one non-negative cluster index per
 * line (vertex order), indices 0..m−1 each used at least once ('#' starts a comment line).
 */
#ifndef SPECL_GRAPH_H
#define SPECL_GRAPH_H

#include "base.h"

typedef struct specl_graph {
    int64_t n, nnz;
    int64_t *rowptr;   /* (n + 1) */
    int64_t *col;      /* (nnz) column indices, ascending within each row, no duplicates */
    double *val;       /* (nnz) weights > 0 */
    double *deg;       /* (n) degrees Σ_y W_xy */
    double total;      /* Σ_xy W_xy (each undirected edge counted in both directions) */
} specl_graph;

/* Build from m triplets (i, j, w) with 0 ≤ i, j < n. symmetric_input = 1: each undirected edge is
 * listed once (either orientation) and is mirrored (a self-loop is not); = 0: the list must
 * already contain both (i,j) and (j,i) with equal weights (checked). Duplicates are summed;
 * zero weights dropped. Errors (SPECL_EINVAL) name the offending entry: negative or non-finite
 * weight, index out of range, asymmetry, a vertex of degree 0. */
int specl_graph_from_triplets(int64_t n, int64_t m, const int64_t *i, const int64_t *j, const double *w,
                              int symmetric_input, specl_graph *g);
/* Build from a dense symmetric matrix a (n,n) (row-major); same checks. */
int specl_graph_from_dense(int64_t n, const double *a, specl_graph *g);
void specl_graph_free(specl_graph *g);
/* y (n) = D^{-1/2} W D^{-1/2} x (n). x and y must not alias. */
void specl_graph_norm_adj_mv(const specl_graph *g, const double *x, double *y);
/* Dense normalized Laplacian I − D^{-1/2} W D^{-1/2} into l (n,n); n ≤ 20000. */
int specl_graph_laplacian_dense(const specl_graph *g, double *l);

/* MatrixMarket. read: every header, size and entry checked; errors name the file and line. */
int specl_mtx_read(const char *path, specl_graph *g);
/* write: `coordinate real symmetric`, lower triangle, 17 significant digits, atomically. */
int specl_mtx_write(const char *path, const specl_graph *g);
/* Partition file for n vertices: *part (n) malloc'd cluster indices, *m their number. */
int specl_partition_read(const char *path, int64_t n, int32_t **part, int *m);

#endif
