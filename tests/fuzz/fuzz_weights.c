/* libFuzzer target: specl_model_load (safetensors weights with specl's __metadata__) on the input
 * written to a file, for a row capacity of 4. On success the model must match its spec and hold
 * finite weights (the parameter buffer is touched at its end, so ASan checks it). */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "specl/model.h"

#include "fuzz_common.h"

FUZZ_ONE_FILE("weights", "encoder.safetensors")

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    write_input_(path_, data, size);
    specl_error_clear();
    specl_model *m = (specl_model *)1;
    specl_model_spec spec;
    int st = specl_model_load(path_, 4, &m, &spec);
    CHECK(st >= SPECL_OK && st <= SPECL_EUNSUPPORTED);
    if (st != SPECL_OK) {
        CHECK(m == NULL);
        return 0;
    }
    CHECK(m != NULL && spec.cls != NULL && strcmp(m->cls, spec.cls) == 0);
    CHECK(m->d == spec.d && m->k == spec.k && m->max_n == 4);
    CHECK(m->n_layers >= 1 && m->n_layers <= SPECL_MAX_LAYERS);
    CHECK(m->n_params >= 1 && 4 * m->n_params <= size);   /* every weight comes from the file */
    CHECK(specl_all_finite(m->params, m->n_params));
    specl_model_free(m);
    return 0;
}
