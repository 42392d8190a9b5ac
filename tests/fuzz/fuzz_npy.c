/* libFuzzer target: specl_npy_read (.npy, NumPy format 1.0/2.0/3.0) on the input written to a file.
 * On success the array must be as the header promises: ndim 1..4, a known dtype, and
 * numel * dtype_size bytes of data (touched at both ends, so ASan checks the allocation). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "specl/base.h"

#include "fuzz_common.h"

FUZZ_ONE_FILE("npy", "input.npy")

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    write_input_(path_, data, size);
    specl_error_clear();
    specl_array a;
    int st = specl_npy_read(path_, &a);
    CHECK(st >= SPECL_OK && st <= SPECL_EUNSUPPORTED);
    if (st != SPECL_OK) return 0;
    CHECK(a.ndim >= 1 && a.ndim <= 4);
    CHECK(a.dtype >= SPECL_F32 && a.dtype <= SPECL_I64);
    int64_t n = specl_array_numel(&a);
    CHECK(n >= 0);
    for (int i = 0; i < a.ndim; i++) CHECK(a.shape[i] >= 0);
    size_t bytes = (size_t)n * specl_dtype_size(a.dtype);
    CHECK(bytes <= size);                       /* the data comes from the file */
    if (bytes) {
        CHECK(a.data != NULL);
        volatile uint8_t sink = ((const uint8_t *)a.data)[0];
        sink ^= ((const uint8_t *)a.data)[bytes - 1];
        (void)sink;
    }
    specl_array_free(&a);
    return 0;
}
