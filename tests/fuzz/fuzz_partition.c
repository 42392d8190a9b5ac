/* libFuzzer target: specl_partition_read (one cluster index per line) for n = 8 vertices.
 * On success: m in 1..8, every index in 0..m-1, and every index 0..m-1 used. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "specl/graph.h"

#include "fuzz_common.h"

#define N 8   /* vertices of the partition files */

FUZZ_ONE_FILE("partition", "input.part")

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    write_input_(path_, data, size);
    specl_error_clear();
    int32_t *part = NULL;
    int m = -1;
    int st = specl_partition_read(path_, N, &part, &m);
    CHECK(st >= SPECL_OK && st <= SPECL_EUNSUPPORTED);
    if (st != SPECL_OK) {
        CHECK(part == NULL);
        return 0;
    }
    CHECK(part != NULL && m >= 1 && m <= N);
    int used[N] = {0};
    for (int i = 0; i < N; i++) {
        CHECK(part[i] >= 0 && part[i] < m);
        used[part[i]] = 1;
    }
    for (int c = 0; c < m; c++) CHECK(used[c]);
    free(part);
    return 0;
}
