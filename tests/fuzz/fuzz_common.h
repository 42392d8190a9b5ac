/* tests/fuzz/fuzz_common.h: what every libFuzzer target shares. CHECK traps (libFuzzer reports it
 * as a crash) when a parser breaks a promise of its header; write_input_ puts the input in a file,
 * since the parsers read paths; FUZZ_ONE_FILE makes the per-process temporary directory, created
 * once before libFuzzer starts and reused every run, with one input file in it. */
#ifndef SPECL_FUZZ_COMMON_H
#define SPECL_FUZZ_COMMON_H
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define CHECK(x) do { if (!(x)) __builtin_trap(); } while (0)

__attribute__((unused)) static void write_input_(const char *path, const uint8_t *data, size_t size) {
    FILE *f = fopen(path, "wb");
    if (!f) abort();
    if (size && fwrite(data, 1, size, f) != size) abort();
    if (fclose(f) != 0) abort();
}

#define FUZZ_ONE_FILE(tag, file)                                                              \
    static char dir_[4096], path_[4200];                                                      \
    static void cleanup_(void) { unlink(path_); rmdir(dir_); }                                 \
    __attribute__((constructor)) static void init_(void) {                                    \
        const char *t = getenv("TMPDIR");                                                     \
        snprintf(dir_, sizeof dir_, "%s/specl-fuzz-" tag "-XXXXXX", t && *t ? t : "/tmp");    \
        if (!mkdtemp(dir_)) abort();                                                          \
        snprintf(path_, sizeof path_, "%s/" file, dir_);                                      \
        atexit(cleanup_);                                                                     \
    }
#endif
