/* libFuzzer target: specl_mtx_read (MatrixMarket coordinate graphs) on the input written to a file.
 * On success the graph must satisfy what graph.h promises: CSR with ascending, distinct, in-range
 * columns, weights > 0 and finite, W symmetric, every degree > 0. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "specl/graph.h"

#include "fuzz_common.h"

FUZZ_ONE_FILE("mtx", "input.mtx")

/* Position of column j in row i, or -1. */
static int64_t find_(const specl_graph *g, int64_t i, int64_t j) {
    int64_t lo = g->rowptr[i], hi = g->rowptr[i + 1];
    while (lo < hi) {
        int64_t mid = lo + (hi - lo) / 2;
        if (g->col[mid] < j) lo = mid + 1;
        else hi = mid;
    }
    return lo < g->rowptr[i + 1] && g->col[lo] == j ? lo : -1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    write_input_(path_, data, size);
    specl_error_clear();
    specl_graph g;
    int st = specl_mtx_read(path_, &g);
    CHECK(st >= SPECL_OK && st <= SPECL_EUNSUPPORTED);
    if (st != SPECL_OK) return 0;
    CHECK(g.n >= 1 && g.nnz >= 1 && g.rowptr && g.col && g.val && g.deg);
    CHECK(g.rowptr[0] == 0 && g.rowptr[g.n] == g.nnz);
    CHECK(isfinite(g.total) && g.total > 0);
    for (int64_t i = 0; i < g.n; i++) {
        CHECK(g.rowptr[i] <= g.rowptr[i + 1]);
        CHECK(isfinite(g.deg[i]) && g.deg[i] > 0);
        for (int64_t q = g.rowptr[i]; q < g.rowptr[i + 1]; q++) {
            CHECK(g.col[q] >= 0 && g.col[q] < g.n);
            CHECK(q == g.rowptr[i] || g.col[q - 1] < g.col[q]);
            CHECK(isfinite(g.val[q]) && g.val[q] > 0);
            int64_t t = find_(&g, g.col[q], i);
            CHECK(t >= 0 && g.val[t] == g.val[q]);
        }
    }
    specl_graph_free(&g);
    return 0;
}
