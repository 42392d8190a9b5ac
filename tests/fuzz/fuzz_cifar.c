/* libFuzzer target: specl_cifar10_read (CIFAR-10 binary batches) on the input written to a file,
 * read twice as a two-batch set (so the concatenation path runs too). On success: 2·(size/3073)
 * images of 32x32x3, labels 0..9 (the buffers are touched at their ends, so ASan checks them). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "specl/images.h"

#include "fuzz_common.h"

FUZZ_ONE_FILE("cifar", "data_batch_1.bin")

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    write_input_(path_, data, size);
    specl_error_clear();
    const char *paths[2] = { path_, path_ };
    specl_images im;
    int st = specl_cifar10_read(paths, 2, &im);
    CHECK(st >= SPECL_OK && st <= SPECL_EUNSUPPORTED);
    if (st != SPECL_OK) {
        CHECK(im.pixels == NULL && im.labels == NULL && im.n == 0);   /* "On failure *out is zeroed" */
        return 0;
    }
    CHECK(size % 3073 == 0 && im.n == 2 * (int64_t)(size / 3073));
    CHECK(im.h == 32 && im.w == 32 && im.c == 3 && im.classes == 10);
    CHECK(im.pixels && im.labels);
    for (int64_t i = 0; i < im.n; i++) CHECK(im.labels[i] >= 0 && im.labels[i] < 10);
    volatile uint8_t sink = im.pixels[(size_t)im.n * 3072 - 1];
    (void)sink;
    specl_images_free(&im);
    return 0;
}
