/* libFuzzer target: specl_partition_read (one cluster index per line) for n = 8 vertices.
 * On success: m in 1..8, every index in 0..m-1, and every index 0..m-1 used. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "specl/graph.h"

#define CHECK(x) do { if (!(x)) __builtin_trap(); } while (0)
#define N 8

static char dir_[4096], path_[4200];

static void cleanup_(void) { unlink(path_); rmdir(dir_); }

/* One temporary directory per process, created before libFuzzer starts; the same path every run. */
__attribute__((constructor)) static void init_(void) {
    const char *t = getenv("TMPDIR");
    snprintf(dir_, sizeof dir_, "%s/specl-fuzz-partition-XXXXXX", t && *t ? t : "/tmp");
    if (!mkdtemp(dir_)) abort();
    snprintf(path_, sizeof path_, "%s/input.part", dir_);
    atexit(cleanup_);
}

static void write_input_(const char *path, const uint8_t *data, size_t size) {
    FILE *f = fopen(path, "wb");
    if (!f) abort();
    if (size && fwrite(data, 1, size, f) != size) abort();
    if (fclose(f) != 0) abort();
}

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
