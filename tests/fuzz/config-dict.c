/* Prints the keyword part of fuzz_config's libFuzzer dictionary from the real key table
 * (specl_cfg_keys, src/cli/config_keys.c): every "[section]" header, every key name as "key = ",
 * and every enum choice. `make fuzz` builds this with config_keys.c and appends its output to
 * tests/fuzz/config.dict, giving build-fuzz/config.dict. */
#include <stdio.h>
#include <string.h>
#include "config.h"

/* One dictionary line: the text quoted, with '"', '\\' and non-printable bytes as \xNN. */
static void entry_(const char *text, size_t n) {
    putchar('"');
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)text[i];
        if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') putchar(c);
        else printf("\\x%02x", c);
    }
    printf("\"\n");
}

int main(void) {
    char buf[512];
    for (const specl_cfg_key *k = specl_cfg_keys; k->key; k++) {
        int first = 1;
        for (const specl_cfg_key *j = specl_cfg_keys; j < k; j++)
            if (!strcmp(j->section, k->section)) { first = 0; break; }
        if (first && *k->section) {
            int n = snprintf(buf, sizeof buf, "[%s]\n", k->section);
            entry_(buf, (size_t)n);
        }
        int n = snprintf(buf, sizeof buf, "%s = ", k->key);
        entry_(buf, (size_t)n);
        if (k->type == SPECL_CFG_ENUM && k->choices)
            for (const char *c = k->choices; *c;) {
                size_t len = strcspn(c, "|");
                entry_(c, len);
                c += len + (c[len] == '|');
            }
    }
    return 0;
}
