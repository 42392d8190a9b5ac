/* libFuzzer target: specl_config_load_string (INI text through inih and specl's line reader) with
 * the real key table specl_cfg_keys. The input is the file text (a NUL-terminated copy). On
 * success the rendered config must load back (into a fresh config) to identical values, as
 * config.h promises for the run record. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "config.h"

#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char *text = malloc(size + 1);
    if (!text) return 0;
    memcpy(text, data, size);
    text[size] = 0;
    specl_error_clear();
    specl_config c;
    if (specl_config_init(&c, specl_cfg_keys) != SPECL_OK) __builtin_trap();
    int st = specl_config_load_string(&c, text, "fuzz.ini");
    CHECK(st == SPECL_OK || st == SPECL_EINVAL || st == SPECL_ENOMEM);
    if (st == SPECL_OK) {
        specl_str out = {0};
        CHECK(specl_config_render(&c, &out) == SPECL_OK && out.buf);
        specl_config back;
        if (specl_config_init(&back, specl_cfg_keys) != SPECL_OK) __builtin_trap();
        CHECK(specl_config_load_string(&back, out.buf, "rendered.ini") == SPECL_OK);
        CHECK(back.n == c.n);
        for (int i = 0; i < c.n; i++) CHECK(strcmp(back.val[i].text, c.val[i].text) == 0);
        specl_config_free(&back);
        specl_str_free(&out);
    }
    specl_config_free(&c);
    free(text);
    return 0;
}
