/* The RNG: xoshiro256** seeded through splitmix64, with named sub-streams (see base.h). */
#include <math.h>
#include "specl/base.h"

static uint64_t splitmix64_(uint64_t *x) {
    uint64_t z = (*x += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

void specl_rng_seed(specl_rng *r, uint64_t seed) {
    uint64_t x = seed;
    for (int i = 0; i < 4; i++) r->s[i] = splitmix64_(&x);
}

void specl_rng_derive(specl_rng *r, uint64_t seed, const char *stream) {
    uint64_t h = 0xcbf29ce484222325ull;               /* FNV-1a 64 */
    for (const unsigned char *p = (const unsigned char *)stream; *p; p++) {
        h ^= *p;
        h *= 0x100000001b3ull;
    }
    uint64_t x = seed ^ h;
    uint64_t mixed = splitmix64_(&x) ^ seed;
    specl_rng_seed(r, mixed);
}

static inline uint64_t rotl_(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

uint64_t specl_rng_u64(specl_rng *r) {
    uint64_t *s = r->s;
    uint64_t out = rotl_(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0]; s[3] ^= s[1]; s[1] ^= s[2]; s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl_(s[3], 45);
    return out;
}

double specl_rng_uniform(specl_rng *r) { return (double)(specl_rng_u64(r) >> 11) * 0x1.0p-53; }

double specl_rng_normal(specl_rng *r) {
    /* Box-Muller; one of the two values is discarded so the stream has no hidden cache. */
    double u1 = specl_rng_uniform(r), u2 = specl_rng_uniform(r);
    return sqrt(-2.0 * log1p(-u1)) * cos(6.283185307179586 * u2);
}

uint64_t specl_rng_below(specl_rng *r, uint64_t n) {
    if (n <= 1) return 0;
    uint64_t lim = UINT64_MAX - UINT64_MAX % n;      /* reject the biased tail */
    uint64_t x;
    do x = specl_rng_u64(r); while (x >= lim);
    return x % n;
}

void specl_rng_shuffle_i64(specl_rng *r, int64_t *a, int64_t n) {
    for (int64_t i = n - 1; i > 0; i--) {
        int64_t j = (int64_t)specl_rng_below(r, (uint64_t)i + 1);
        int64_t t = a[i]; a[i] = a[j]; a[j] = t;
    }
}
