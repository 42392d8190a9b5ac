/* Tests of the hypercube pair source (data/hypercube.c), the population loss
 * (train/population.c), the linear-class closed forms (theory/linear.c) and the explicit
 * constructions of the paper's proofs (theory/construct.c): closed-form moments against Monte
 * Carlo, the structure of sampled pairs, ids and labellings, error paths, L* of the linear class
 * against the formula of PAPER.md §4.1, the minimizer's loss / structure / local optimality, the
 * exact affine and table population losses against Monte Carlo and direct sums, and the Thm 5.3 /
 * 5.6 constructions. */
#include <cblas.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "specl/base.h"
#include "specl/data.h"
#include "specl/eval.h"
#include "specl/model.h"
#include "specl/theory.h"
#include "specl/train.h"
#include "check.h"

/* ---- helpers ---- */

static specl_source *hc_(int d, int s, double lo, double hi, const char *labels, uint64_t seed) {
    specl_hypercube_params hp = { d, s, lo, hi, labels, seed, NULL };
    specl_source *src = NULL;
    CHECK_OK(specl_hypercube_new(&hp, &src));
    return src;
}

static void randn_(specl_rng *r, float *x, size_t n, double sd) {
    for (size_t i = 0; i < n; i++) x[i] = (float)(sd * specl_rng_normal(r));
}

/* ---- hypercube source ---- */

/* Σ, Σ_Δ and the mean from 200000 sampled pairs against the closed form: every entry within
 * 5 standard errors or 5e-3. Per pair, Σ is estimated by (x xᵀ + x⁺x⁺ᵀ)/2. */
static void moments_mc_(int d, int s, double lo, double hi) {
    specl_source *src = hc_(d, s, lo, hi, "", 0);
    if (!src) return;
    double *mean = malloc(sizeof(double) * d), *sig = malloc(sizeof(double) * d * d), *sd = malloc(sizeof(double) * d * d);
    CHECK_OK(specl_source_moments(src, mean, sig, sd));
    const int N = 200000, B = 10000;
    double *s1 = calloc((size_t)d * d, sizeof(double)), *s2 = calloc((size_t)d * d, sizeof(double));
    double *t1 = calloc((size_t)d * d, sizeof(double)), *t2 = calloc((size_t)d * d, sizeof(double));
    double *m1 = calloc((size_t)d, sizeof(double)), *m2 = calloc((size_t)d, sizeof(double));
    specl_batch b;
    CHECK_OK(specl_batch_alloc(&b, B, src));
    specl_rng r;
    specl_rng_seed(&r, 1000 + d);
    for (int it = 0; it < N / B; it++) {
        CHECK_OK(specl_source_sample(src, B, &r, &b));
        for (int i = 0; i < B; i++) {
            const float *x = b.x + (size_t)i * d, *y = b.x + (size_t)(B + i) * d;
            for (int p = 0; p < d; p++) {
                double mv = 0.5 * ((double)x[p] + y[p]);
                m1[p] += mv; m2[p] += mv * mv;
                for (int q = 0; q < d; q++) {
                    double v = 0.5 * ((double)x[p] * x[q] + (double)y[p] * y[q]);
                    double w = ((double)x[p] - y[p]) * ((double)x[q] - y[q]);
                    s1[p * d + q] += v; s2[p * d + q] += v * v;
                    t1[p * d + q] += w; t2[p * d + q] += w * w;
                }
            }
        }
    }
    int bad = 0;
    for (int p = 0; p < d; p++) {
        double mu = m1[p] / N, se = sqrt((m2[p] / N - mu * mu) / N);
        if (!(fabs(mu - mean[p]) <= fmax(5 * se, 5e-3))) bad++;
        for (int q = 0; q < d; q++) {
            double e1 = s1[p * d + q] / N, se1 = sqrt(fmax(0, s2[p * d + q] / N - e1 * e1) / N);
            double e2 = t1[p * d + q] / N, se2 = sqrt(fmax(0, t2[p * d + q] / N - e2 * e2) / N);
            if (!(fabs(e1 - sig[p * d + q]) <= fmax(5 * se1, 5e-3))) {
                fprintf(stderr, "  Sigma[%d,%d]: closed form %.6g, Monte Carlo %.6g (se %.2g)\n", p, q, sig[p * d + q], e1, se1);
                bad++;
            }
            if (!(fabs(e2 - sd[p * d + q]) <= fmax(5 * se2, 5e-3))) {
                fprintf(stderr, "  SigmaDelta[%d,%d]: closed form %.6g, Monte Carlo %.6g (se %.2g)\n", p, q, sd[p * d + q], e2, se2);
                bad++;
            }
        }
    }
    CHECK(bad == 0);
    specl_batch_free(&b);
    free(mean); free(sig); free(sd); free(s1); free(s2); free(t1); free(t2); free(m1); free(m2);
    specl_source_free(src);
}

TEST(hypercube_moments_vs_monte_carlo) {
    moments_mc_(6, 2, 0.5, 1.0);
    moments_mc_(5, 3, 0.2, 0.9);
}

TEST(hypercube_moments_default_closed_form) {
    int d = 7, s = 3;
    specl_source *src = hc_(d, s, 0.5, 1.0, "", 0);
    if (!src) return;
    double mean[7], sig[49], sd[49];
    CHECK_OK(specl_source_moments(src, mean, sig, sd));
    CHECK(specl_source_has_moments(src));
    for (int p = 0; p < d; p++) {
        CHECK(mean[p] == 0);
        for (int q = 0; q < d; q++) {
            double es = p != q ? 0 : (p < s ? 1.0 : 7.0 / 12.0);
            double ed = p != q ? 0 : (p < s ? 0.0 : 1.0 / 24.0);
            CHECK_NEAR(sig[p * d + q], es, 1e-15);
            CHECK_NEAR(sd[p * d + q], ed, 1e-15);
        }
    }
    specl_source_free(src);
    /* a degenerate τ range (τ constant): Σ_Δ = 0, Σ = τ² on the spurious block */
    src = hc_(3, 1, 0.7, 0.7, "", 0);
    if (!src) return;
    CHECK_OK(specl_source_moments(src, mean, sig, sd));
    CHECK_NEAR(sig[1 * 3 + 1], 0.49, 1e-12);
    CHECK_NEAR(sd[2 * 3 + 2], 0.0, 1e-15);
    specl_source_free(src);
}

/* Structure of sampled pairs: invariant coordinates equal and ±1; spurious coordinates keep the
 * sign with |x_j| in [τ_lo, τ_hi]; ids match the signs; labels match their definitions. */
TEST(hypercube_pairs_structure) {
    int d = 9, s = 3;
    specl_source *src = hc_(d, s, 0.5, 1.0, "x1,x3,x9,patterns:4,x*", 77);
    if (!src) return;
    CHECK(src->n_labelings == 4 + s);
    CHECK(src->target_dim == 3 + 4 + s);
    CHECK(strcmp(src->labelings[3].name, "patterns:4") == 0 && src->labelings[3].dim == 4 && !src->labelings[3].scalar);
    CHECK(strcmp(src->labelings[4].name, "x1") == 0 && strcmp(src->labelings[6].name, "x3") == 0);
    CHECK(src->labelings[0].scalar && src->labelings[0].dim == 1 && src->labelings[0].classes == 2);
    CHECK(specl_source_target_offset(src, 3) == 3 && specl_source_target_offset(src, 4) == 7);
    CHECK(src->n_support == 512 && src->n_clusters == 8);
    const int n = 3000;
    specl_batch b;
    CHECK_OK(specl_batch_alloc(&b, n, src));
    specl_rng r;
    specl_rng_seed(&r, 5);
    CHECK_OK(specl_source_sample(src, n, &r, &b));
    CHECK(b.n == n);
    int inv = 1, sign = 1, range = 1, ids = 1, labs = 1, distinct_tau = 0;
    int32_t class_of[8];
    for (int c = 0; c < 8; c++) class_of[c] = -1;
    int L = src->n_labelings, T = src->target_dim;
    for (int i = 0; i < n; i++) {
        const float *x = b.x + (size_t)i * d, *y = b.x + (size_t)(n + i) * d;
        int64_t nat = 0;
        for (int j = 0; j < d; j++) {
            if (x[j] > 0) nat |= (int64_t)1 << j;
            if ((x[j] > 0) != (y[j] > 0) || x[j] == 0) sign = 0;
            if (j < s && (x[j] != y[j] || fabsf(x[j]) != 1.0f)) inv = 0;
            if (j >= s && !(fabsf(x[j]) >= 0.5f && fabsf(x[j]) <= 1.0f && fabsf(y[j]) >= 0.5f && fabsf(y[j]) <= 1.0f)) range = 0;
            if (j >= s && x[j] != y[j]) distinct_tau++;
        }
        if (b.natural[i] != nat || b.fine[i] != nat || b.cluster[i] != (nat & 7) ||
            b.cluster[i] != specl_hypercube_pattern(x, s) || b.cluster[i] != specl_hypercube_pattern(y, s)) ids = 0;
        const int32_t *lab = b.label + (size_t)i * L;
        const float *tg = b.target + (size_t)i * T;
        float xb1 = x[0] > 0 ? 1.0f : -1.0f, xb3 = x[2] > 0 ? 1.0f : -1.0f, xb9 = x[8] > 0 ? 1.0f : -1.0f;
        if (tg[0] != xb1 || tg[1] != xb3 || tg[2] != xb9) labs = 0;
        if (lab[0] != (xb1 > 0) || lab[1] != (xb3 > 0) || lab[2] != (xb9 > 0)) labs = 0;
        for (int c = 0; c < 4; c++) if (tg[3 + c] != (c == lab[3] ? 1.0f : 0.0f)) labs = 0;
        if (lab[3] < 0 || lab[3] >= 4) labs = 0;
        else if (class_of[b.cluster[i]] < 0) class_of[b.cluster[i]] = lab[3];
        else if (class_of[b.cluster[i]] != lab[3]) labs = 0;   /* the class is a function of the pattern */
        for (int j = 0; j < s; j++) if (tg[7 + j] != (x[j] > 0 ? 1.0f : -1.0f) || lab[4 + j] != (x[j] > 0)) labs = 0;
    }
    CHECK(inv); CHECK(sign); CHECK(range); CHECK(ids); CHECK(labs);
    CHECK(distinct_tau > n * (d - s) * 9 / 10);   /* the two views draw their own τ */
    for (int c = 0; c < 8; c++) CHECK(class_of[c] >= 0);
    specl_batch_free(&b);
    specl_source_free(src);
}

/* E τ and E τ² of the sampled augmentation factors. */
TEST(hypercube_tau_distribution) {
    specl_source *src = hc_(4, 1, 0.5, 1.0, "", 0);
    if (!src) return;
    const int n = 50000;
    specl_batch b;
    CHECK_OK(specl_batch_alloc(&b, n, src));
    specl_rng r;
    specl_rng_seed(&r, 6);
    CHECK_OK(specl_source_sample(src, n, &r, &b));
    double s1 = 0, s2 = 0, mn = 2, mx = 0;
    for (size_t e = 0; e < 2 * (size_t)n; e++)
        for (int j = 1; j < 4; j++) {
            double t = fabs(b.x[e * 4 + j]);
            s1 += t; s2 += t * t;
            if (t < mn) mn = t;
            if (t > mx) mx = t;
        }
    double N = 2.0 * n * 3;
    CHECK_NEAR(s1 / N, 0.75, 5 * sqrt(1.0 / 48 / N));
    CHECK_NEAR(s2 / N, 7.0 / 12.0, 5e-3);
    CHECK(mn >= 0.5 && mn < 0.501 && mx <= 1.0 && mx > 0.999);
    specl_batch_free(&b);
    specl_source_free(src);
}

/* patterns:<m>: balanced (2^s/m patterns per class when m | 2^s, within one otherwise) and a
 * function of label_seed only. */
static void pattern_map_(const specl_source *src, int s, int32_t *map) {
    float x[16], tg[64];
    int32_t lab[4];
    int64_t cl;
    double p;
    for (int64_t i = 0; i < (1 << s); i++) {
        CHECK_OK(specl_source_support(src, i, x, lab, tg, &cl, &p));
        CHECK(cl == i);
        map[i] = lab[0];
    }
}

TEST(hypercube_patterns_balanced_reproducible) {
    int d = 6, s = 4;
    const int ms[] = { 2, 4, 8, 16, 3, 5 };
    for (size_t c = 0; c < sizeof ms / sizeof ms[0]; c++) {
        int m = ms[c];
        char spec[32];
        snprintf(spec, sizeof spec, "patterns:%d", m);
        specl_source *a = hc_(d, s, 0.5, 1.0, spec, 11), *b = hc_(d, s, 0.5, 1.0, spec, 11);
        if (!a || !b) { specl_source_free(a); specl_source_free(b); continue; }
        int32_t ma[16], mb[16];
        pattern_map_(a, s, ma);
        pattern_map_(b, s, mb);
        CHECK(memcmp(ma, mb, sizeof ma) == 0);
        int cnt[16] = { 0 };
        for (int i = 0; i < 16; i++) if (ma[i] >= 0 && ma[i] < m) cnt[ma[i]]++;
        int lo = 16 / m, hi = (16 + m - 1) / m, tot = 0;
        for (int k = 0; k < m; k++) { CHECK(cnt[k] >= lo && cnt[k] <= hi); tot += cnt[k]; }
        CHECK(tot == 16);
        if (16 % m == 0) for (int k = 0; k < m; k++) CHECK(cnt[k] == 16 / m);
        /* another label seed gives another map (for at least one of five seeds) */
        {
            int differs = 0;
            for (uint64_t seed = 12; seed < 17; seed++) {
                specl_source *o = hc_(d, s, 0.5, 1.0, spec, seed);
                if (!o) continue;
                int32_t mo[16];
                pattern_map_(o, s, mo);
                if (memcmp(ma, mo, sizeof ma) != 0) differs = 1;
                specl_source_free(o);
            }
            CHECK(differs);
        }
        specl_source_free(a);
        specl_source_free(b);
    }
}

TEST(hypercube_natural_enumeration) {
    int d = 7, s = 2;
    specl_source *src = hc_(d, s, 0.5, 1.0, "x2,patterns:2", 3);
    if (!src) return;
    CHECK(src->n_support == 128);
    double tot = 0;
    int ok = 1;
    float x[7], tg[3];
    int32_t lab[2];
    for (int64_t i = 0; i < src->n_support; i++) {
        int64_t cl;
        double p;
        CHECK_OK(specl_source_support(src, i, x, lab, tg, &cl, &p));
        tot += p;
        for (int j = 0; j < d; j++) if (x[j] != (((i >> j) & 1) ? 1.0f : -1.0f)) ok = 0;
        if (cl != (i & 3) || tg[0] != x[1] || lab[0] != (x[1] > 0)) ok = 0;
    }
    CHECK(ok);
    CHECK_NEAR(tot, 1.0, 1e-12);
    int64_t cl;
    double p;
    CHECK(specl_source_support(src, 128, x, lab, tg, &cl, &p) == SPECL_EINVAL);
    CHECK(specl_source_support(src, -1, x, lab, tg, &cl, &p) == SPECL_EINVAL);
    specl_source_free(src);
    /* large d: no enumeration, natural ids still present up to d = 62 */
    src = hc_(30, 2, 0.5, 1.0, "", 0);
    if (!src) return;
    CHECK(src->n_support == 0);
    float xx[30];
    CHECK(specl_source_support(src, 0, xx, lab, tg, &cl, &p) == SPECL_EUNSUPPORTED);
    specl_batch b;
    specl_rng r;
    specl_rng_seed(&r, 2);
    CHECK_OK(specl_batch_alloc(&b, 4, src));
    CHECK_OK(specl_source_sample(src, 4, &r, &b));
    for (int i = 0; i < 4; i++) {
        int64_t nat = 0;
        for (int j = 0; j < 30; j++) if (b.x[i * 30 + j] > 0) nat |= (int64_t)1 << j;
        CHECK(b.natural[i] == nat);
    }
    specl_batch_free(&b);
    specl_source_free(src);
}

TEST(hypercube_errors) {
    specl_source *src = (specl_source *)1;
    specl_hypercube_params p = { 4, 5, 0.5, 1.0, "", 0, NULL };
    CHECK(specl_hypercube_new(&p, &src) == SPECL_EINVAL && src == NULL);   /* s > d */
    p.s = 0;
    CHECK(specl_hypercube_new(&p, &src) == SPECL_EINVAL);                  /* s < 1 */
    p.s = 2; p.tau_lo = 0.9; p.tau_hi = 0.5;
    CHECK(specl_hypercube_new(&p, &src) == SPECL_EINVAL);                  /* tau_lo > tau_hi */
    CHECK(strstr(specl_error_detail(), "tau") != NULL);
    p.tau_lo = -0.1; p.tau_hi = 0.5;
    CHECK(specl_hypercube_new(&p, &src) == SPECL_EINVAL);
    p.tau_lo = 0.5; p.tau_hi = NAN;
    CHECK(specl_hypercube_new(&p, &src) == SPECL_EINVAL);
    p.tau_hi = 1.0; p.d = 0; p.s = 0;
    CHECK(specl_hypercube_new(&p, &src) == SPECL_EINVAL);
    p.d = 4; p.s = 2;
    const char *bad[] = { "x0", "x99", "x5", "x", "x1a", "patterns:1", "patterns:5", "patterns:", "patterns:2x", "foo", "x1,foo" };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        p.labels = bad[i];
        src = (specl_source *)1;
        int st = specl_hypercube_new(&p, &src);
        CHECK(st == SPECL_EINVAL && src == NULL);
        if (st != SPECL_EINVAL) { fprintf(stderr, "  labels '%s' accepted\n", bad[i]); specl_source_free(st ? NULL : src); }
        const char *key = strchr(bad[i], ',') ? "foo" : bad[i];
        if (key[0] && strcmp(key, "x") != 0) CHECK(strstr(specl_error_detail(), key) != NULL);
    }
    p.labels = "x4, patterns:4";   /* comma and space separated, x<d> valid */
    CHECK_OK(specl_hypercube_new(&p, &src));
    if (src) { CHECK(src->n_labelings == 2); specl_source_free(src); }
}

/* ---- theory: linear class ---- */

TEST(linear_spectrum_hypercube) {
    int d = 8, s = 3;
    specl_source *src = hc_(d, s, 0.5, 1.0, "", 0);
    if (!src) return;
    double e[8], v[64], mean[8], sig[64], sd[64];
    CHECK_OK(specl_linear_spectrum(src, e, v));
    CHECK_OK(specl_source_moments(src, mean, sig, sd));
    for (int j = 0; j < d; j++) CHECK_NEAR(e[j], j < s ? 0.0 : 1.0 / 14.0, 1e-12);
    /* vᵀ Σ v = I and Σ_Δ v_j = e_j Σ v_j */
    for (int a = 0; a < d; a++)
        for (int b = 0; b < d; b++) {
            double g = 0, h = 0;
            for (int p = 0; p < d; p++) { g += v[p * d + a] * sig[p * d + p] * v[p * d + b]; h += v[p * d + a] * sd[p * d + p] * v[p * d + b]; }
            CHECK_NEAR(g, a == b, 1e-12);
            CHECK_NEAR(h, a == b ? e[a] : 0.0, 1e-12);
        }
    specl_source_free(src);
}

static double expected_linear_opt_(int d, int s, int k, double lambda) {
    double l = 0;
    for (int j = 0; j < k; j++) {
        double e = j < s ? 0.0 : 1.0 / 14.0;
        double c = j < d ? fmax(0.0, 1.0 - e / (2 * lambda)) : 0.0;
        l += lambda * (1 - c * c);
    }
    return l;
}

TEST(linear_optimum_closed_form) {
    int d = 8, s = 3;
    specl_source *src = hc_(d, s, 0.5, 1.0, "", 0);
    if (!src) return;
    const struct { int k; double lambda; } cs[] = { { 1, 1.0 }, { 3, 1.0 }, { 3, 0.01 }, { 4, 1.0 }, { 5, 0.5 },
                                                    { 8, 2.0 }, { 6, 0.02 }, { 5, 1.0 / 28 }, { 10, 1.0 } };
    for (size_t i = 0; i < sizeof cs / sizeof cs[0]; i++) {
        int k = cs[i].k;
        double lam = cs[i].lambda, L;
        CHECK_OK(specl_linear_optimum(src, k, lam, &L));
        CHECK_NEAR(L, expected_linear_opt_(d, s, k, lam), 1e-10);
        if (k <= s) CHECK_NEAR(L, 0.0, 1e-12);
        else if (k <= d && lam > 1.0 / 28) {
            double c = 1 - 1 / (28 * lam);
            CHECK_NEAR(L, (k - s) * lam * (1 - c * c), 1e-10);
        } else if (k <= d) CHECK_NEAR(L, (k - s) * lam, 1e-10);
    }
    double L;
    CHECK(specl_linear_optimum(src, 0, 1.0, &L) == SPECL_EINVAL);
    CHECK(specl_linear_optimum(src, 2, 0.0, &L) == SPECL_EINVAL);
    specl_source_free(src);
}

TEST(linear_minimizer_structure_and_loss) {
    int d = 8, s = 3;
    specl_source *src = hc_(d, s, 0.5, 1.0, "", 0);
    if (!src) return;
    const struct { int k; double lambda; } cs[] = { { 2, 1.0 }, { 3, 1.0 }, { 3, 5.0 }, { 5, 1.0 }, { 6, 0.3 }, { 5, 0.02 }, { 8, 1.0 } };
    for (size_t i = 0; i < sizeof cs / sizeof cs[0]; i++) {
        int k = cs[i].k;
        double lam = cs[i].lambda, Lstar, L;
        specl_model *m;
        CHECK_OK(specl_linear_minimizer(src, k, lam, 16, &m));
        if (!m) continue;
        CHECK(strcmp(m->cls, "linear") == 0 && m->k == k && m->d == d);
        CHECK_OK(specl_linear_optimum(src, k, lam, &Lstar));
        int exact = 0;
        CHECK_OK(specl_population_loss(m, src, lam, 0, NULL, &L, &exact));
        CHECK(exact == 1);
        CHECK_NEAR(L, Lstar, 1e-6);
        const float *u = specl_model_weight(m, 0);
        double cs_ = 1 - 1 / (28 * lam);
        if (cs_ < 0) cs_ = 0;
        /* U Σ Uᵀ = diag(1 for invariant rows, c for spurious rows) with Σ = diag(1_s, 7/12) */
        for (int a = 0; a < k; a++)
            for (int b = 0; b < k; b++) {
                double g = 0;
                for (int p = 0; p < d; p++) g += (double)u[a * d + p] * u[b * d + p] * (p < s ? 1.0 : 7.0 / 12.0);
                double want = a != b ? 0.0 : (a < s ? 1.0 : cs_);
                CHECK_NEAR(g, want, 1e-5);
            }
        /* the first min(k, s) rows have no weight on spurious coordinates; the others none on invariant ones */
        double spur = 0, invw = 0;
        for (int a = 0; a < k; a++)
            for (int p = 0; p < d; p++) {
                double w2 = (double)u[a * d + p] * u[a * d + p];
                if (a < s && p >= s) spur += w2;
                if (a >= s && p < s) invw += w2;
            }
        CHECK(spur < 1e-12 && invw < 1e-12);
        specl_model_free(m);
    }
    specl_source_free(src);
}

/* Random small perturbations of the minimizer never lower the exact loss. */
TEST(linear_minimizer_local_optimality) {
    int d = 8, s = 3;
    specl_source *src = hc_(d, s, 0.5, 1.0, "", 0);
    if (!src) return;
    const struct { int k; double lambda; } cs[] = { { 3, 1.0 }, { 5, 1.0 }, { 2, 0.5 }, { 5, 0.02 } };
    specl_rng r;
    specl_rng_seed(&r, 61);
    for (size_t i = 0; i < sizeof cs / sizeof cs[0]; i++) {
        int k = cs[i].k;
        double lam = cs[i].lambda, L0, L;
        specl_model *m;
        CHECK_OK(specl_linear_minimizer(src, k, lam, 4, &m));
        if (!m) continue;
        int exact;
        CHECK_OK(specl_population_loss(m, src, lam, 0, NULL, &L0, &exact));
        float *u = specl_model_weight(m, 0), u0[64];
        memcpy(u0, u, sizeof(float) * k * d);
        double worst = INFINITY, best = 0;
        for (int t = 0; t < 50; t++) {
            double eps = t < 25 ? 1e-2 : 1e-3;
            for (int e = 0; e < k * d; e++) u[e] = (float)(u0[e] + eps * specl_rng_normal(&r));
            CHECK_OK(specl_population_loss(m, src, lam, 0, NULL, &L, &exact));
            if (L - L0 < worst) worst = L - L0;
            if (L - L0 > best) best = L - L0;
        }
        CHECK(worst >= -1e-7);
        CHECK(best > 1e-6);   /* the perturbations are large enough to be seen */
        if (worst < -1e-7) fprintf(stderr, "  k=%d lambda=%g: a perturbation lowers the loss by %.3g\n", k, lam, -worst);
        specl_model_free(m);
    }
    specl_source_free(src);
}

TEST(table_optimum) {
    specl_source *src = hc_(3, 1, 0.5, 1.0, "", 0);
    if (!src) return;
    double L;
    CHECK_OK(specl_table_optimum(src, 8, 2.0, &L));
    CHECK(L == 0);
    CHECK_OK(specl_table_optimum(src, 11, 2.0, &L));
    CHECK_NEAR(L, 6.0, 1e-12);
    specl_source_free(src);
    src = hc_(30, 1, 0.5, 1.0, "", 0);
    if (src) { CHECK(specl_table_optimum(src, 2, 1.0, &L) == SPECL_EUNSUPPORTED); specl_source_free(src); }
}

/* ---- population loss ---- */

/* A test-only pair source: the hypercube shifted by a constant vector c, so that E[x] = c ≠ 0 and
 * the mean terms of the affine closed form matter. Σ = Σ_hc + c cᵀ; Σ_Δ is unchanged. */
typedef struct shifted_src { specl_source *inner; double c[16]; } shifted_src;

static int sh_sample_(const specl_source *src, int n, specl_rng *rng, specl_batch *b) {
    const shifted_src *sh = src->impl;
    int st = specl_source_sample(sh->inner, n, rng, b);
    for (size_t r = 0; r < 2 * (size_t)n && !st; r++)
        for (int j = 0; j < src->d; j++) b->x[r * src->d + j] += (float)sh->c[j];
    return st;
}
static int sh_moments_(const specl_source *src, double *mean, double *sigma, double *sigma_delta) {
    const shifted_src *sh = src->impl;
    int d = src->d, st = specl_source_moments(sh->inner, mean, sigma, sigma_delta);
    for (int p = 0; p < d && !st; p++) {
        mean[p] += sh->c[p];
        for (int q = 0; q < d; q++) sigma[p * d + q] += sh->c[p] * sh->c[q];
    }
    return st;
}
static void sh_free_(specl_source *src) {
    shifted_src *sh = src->impl;
    if (sh) specl_source_free(sh->inner);
    free(sh);
}
static const specl_source_ops sh_ops_ = { sh_sample_, sh_moments_, NULL, NULL, sh_free_ };

static specl_source *shifted_(int d, int s, specl_rng *r) {
    specl_source *src = calloc(1, sizeof *src);
    shifted_src *sh = calloc(1, sizeof *sh);
    sh->inner = hc_(d, s, 0.5, 1.0, "", 0);
    for (int j = 0; j < d; j++) sh->c[j] = 0.7 * specl_rng_normal(r);
    src->ops = &sh_ops_;
    src->impl = sh;
    snprintf(src->kind, sizeof src->kind, "shifted");
    src->d = d;
    return src;
}

/* Exact affine path against the mean of the unbiased batch estimator (within 5 SE). */
static void affine_exact_vs_mc_(const specl_source *src, uint64_t seed) {
    int d = src->d, k = 3, n = 256, B = 800;
    specl_model_spec ms = { "affine", d, k, 0, 0, 0, 1.0 };
    specl_model *m;
    CHECK_OK(specl_model_create(&ms, 2 * n, &m));
    if (!m) return;
    specl_rng r, dr;
    specl_rng_seed(&r, seed);
    specl_rng_seed(&dr, seed + 1);
    specl_model_init(m, 0.8, &r);
    randn_(&r, specl_model_bias(m, 0), (size_t)k, 0.5);
    const double lams[] = { 1.0, 0.3 };
    for (int li = 0; li < 2; li++) {
        double lam = lams[li], L;
        int exact = 0;
        CHECK_OK(specl_population_loss(m, src, lam, 0, NULL, &L, &exact));
        CHECK(exact == 1);
        specl_batch b;
        CHECK_OK(specl_batch_alloc(&b, n, src));
        specl_loss_ws ws;
        CHECK_OK(specl_loss_ws_init(&ws, k, n));
        float *z = malloc(sizeof(float) * 2 * n * k);
        specl_loss_spec ls = { SPECL_LOSS_LAMBDA, lam, SPECL_EST_UNBIASED, 0, 1.0 };
        double s1 = 0, s2 = 0;
        for (int it = 0; it < B; it++) {
            specl_loss_value v = { 0, 0, 0 };
            CHECK_OK(specl_source_sample(src, n, &dr, &b));
            CHECK_OK(specl_model_forward(m, 2 * n, b.x, NULL, z));
            CHECK_OK(specl_loss_eval(&ls, n, k, z, NULL, &ws, &v));
            s1 += v.total; s2 += v.total * v.total;
        }
        double mean = s1 / B, se = sqrt((s2 / B - mean * mean) / B);
        CHECK(fabs(mean - L) <= 5 * se);
        CHECK(se < 0.02 * L);   /* the comparison has power */
        if (fabs(mean - L) > 5 * se)
            fprintf(stderr, "  %s: exact %.6g, Monte Carlo %.6g (se %.3g)\n", src->kind, L, mean, se);
        free(z);
        specl_loss_ws_free(&ws);
        specl_batch_free(&b);
    }
    specl_model_free(m);
}

TEST(population_affine_exact_vs_monte_carlo) {
    openblas_set_num_threads(1);
    specl_source *src = hc_(6, 2, 0.5, 1.0, "", 0);
    if (src) affine_exact_vs_mc_(src, 71);
    specl_source_free(src);
    /* a source with E[x] ≠ 0 exercises the U μ bᵀ terms */
    specl_rng r;
    specl_rng_seed(&r, 73);
    src = shifted_(5, 2, &r);
    if (src && src->impl && ((shifted_src *)src->impl)->inner) affine_exact_vs_mc_(src, 74);
    specl_source_free(src);
}

/* MC path for relu1: specl_population_loss against a direct average over one large sample of
 * pairs (alignment mean and the unbiased U-statistic of ‖E ffᵀ − I‖², in double). */
TEST(population_relu1_monte_carlo_vs_direct) {
    openblas_set_num_threads(1);
    int d = 6, s = 2, k = 4;
    specl_source *src = hc_(d, s, 0.5, 1.0, "", 0);
    if (!src) return;
    specl_model_spec ms = { "relu1", d, k, 0, 0, 0, 1.0 };
    specl_model *m;
    CHECK_OK(specl_model_create(&ms, 8192, &m));
    specl_rng r, r1, r2;
    specl_rng_seed(&r, 81);
    specl_rng_seed(&r1, 82);
    specl_rng_seed(&r2, 83);
    specl_model_init(m, 1.0, &r);
    randn_(&r, specl_model_bias(m, 0), (size_t)k, 0.3);
    double lam = 1.0, L;
    int exact = 1;
    const long N = 200000;
    CHECK_OK(specl_population_loss(m, src, lam, N, &r1, &L, &exact));
    CHECK(exact == 0);
    /* direct estimate from N other pairs; per-chunk values give its standard error */
    const int C = 4000;
    specl_batch b;
    CHECK_OK(specl_batch_alloc(&b, C, src));
    float *f = malloc(sizeof(float) * 2 * C * k);
    double align = 0, q2 = 0, q4 = 0, G[16] = { 0 }, cs1 = 0, cs2 = 0;
    int chunks = (int)(N / C);
    for (int it = 0; it < chunks; it++) {
        CHECK_OK(specl_source_sample(src, C, &r2, &b));
        CHECK_OK(specl_model_apply(m, 2 * C, b.x, NULL, f));
        double ca = 0, cq2 = 0, cq4 = 0, cG[16] = { 0 };
        for (int i = 0; i < C; i++) {
            const float *a = f + (size_t)i * k, *p = f + (size_t)(C + i) * k;
            double nn = 0;
            for (int j = 0; j < k; j++) { ca += pow((double)a[j] - p[j], 2); nn += (double)a[j] * a[j]; }
            cq2 += nn; cq4 += nn * nn;
            for (int x = 0; x < k; x++)
                for (int y = 0; y < k; y++) cG[x * k + y] += (double)a[x] * a[y];
        }
        double cgg = 0;
        for (int e = 0; e < k * k; e++) { cgg += cG[e] * cG[e]; G[e] += cG[e]; }
        double cl = ca / C + lam * ((cgg - cq4) / ((double)C * (C - 1)) - 2 * cq2 / C + k);
        cs1 += cl; cs2 += cl * cl;
        align += ca; q2 += cq2; q4 += cq4;
    }
    double Nn = (double)chunks * C, gg = 0;
    for (int e = 0; e < k * k; e++) gg += G[e] * G[e];
    double direct = align / Nn + lam * ((gg - q4) / (Nn * (Nn - 1)) - 2 * q2 / Nn + k);
    double cm = cs1 / chunks, se_chunk = sqrt((cs2 / chunks - cm * cm) / chunks);
    /* both estimates have roughly this standard error; allow 5 of their combined SE */
    CHECK(fabs(L - direct) <= 5 * sqrt(2.0) * se_chunk + 1e-9);
    CHECK(fabs(cm - direct) <= 5 * se_chunk);
    CHECK(L > 0.1);
    if (fabs(L - direct) > 5 * sqrt(2.0) * se_chunk)
        fprintf(stderr, "  library MC %.6g, direct %.6g, se %.3g\n", L, direct, se_chunk);
    free(f);
    specl_batch_free(&b);
    specl_model_free(m);
    specl_source_free(src);
}

/* Exact table path against a direct sum λ‖Σ_i p_i t_i t_iᵀ − I‖². */
TEST(population_table_exact) {
    int d = 4, k = 3;
    specl_source *src = hc_(d, 2, 0.5, 1.0, "", 0);
    if (!src) return;
    specl_model_spec ms = { "table", d, k, 0, 0, 16, 1.0 };
    specl_model *m;
    CHECK_OK(specl_model_create(&ms, 8, &m));
    specl_rng r;
    specl_rng_seed(&r, 91);
    specl_model_init(m, 1.0, &r);
    double cov[9] = { 0 }, reg = 0, L;
    for (int i = 0; i < 16; i++)
        for (int a = 0; a < k; a++)
            for (int b = 0; b < k; b++) cov[a * k + b] += m->params[i * k + a] * (double)m->params[i * k + b] / 16.0;
    for (int e = 0; e < 9; e++) reg += pow(cov[e] - (e % 4 == 0), 2);
    int exact = 0;
    CHECK_OK(specl_population_loss(m, src, 2.5, 0, NULL, &L, &exact));
    CHECK(exact == 1);
    CHECK_NEAR(L, 2.5 * reg, 1e-6 * (1 + reg));
    double lc[9];
    CHECK_OK(specl_population_cov_support(m, src, lc));
    for (int e = 0; e < 9; e++) CHECK_NEAR(lc[e], cov[e], 1e-6);
    CHECK(specl_population_loss(m, src, 0.0, 0, NULL, &L, &exact) == SPECL_EINVAL);
    specl_model_free(m);
    specl_source_free(src);
}

/* ---- constructions ---- */

TEST(construct_thm56_relu_onehot) {
    openblas_set_num_threads(1);
    int d = 7, s = 3, k = 8;
    specl_source *src = hc_(d, s, 0.5, 1.0, "", 0);
    if (!src) return;
    specl_model *m;
    CHECK_OK(specl_construct_thm56_relu(d, s, 4096, &m));
    if (!m) { specl_source_free(src); return; }
    CHECK(strcmp(m->cls, "relu1") == 0 && m->k == k);
    const int n = 2048, B = 20;
    specl_batch b;
    CHECK_OK(specl_batch_alloc(&b, n, src));
    float *f = malloc(sizeof(float) * 2 * n * k);
    specl_rng r;
    specl_rng_seed(&r, 101);
    double C[64] = { 0 }, rk = sqrt((double)k);
    int onehot = 1, exact_val = 1;
    long rows = 0;
    for (int it = 0; it < B; it++) {
        CHECK_OK(specl_source_sample(src, n, &r, &b));
        CHECK_OK(specl_model_forward(m, 2 * n, b.x, NULL, f));
        for (int i = 0; i < 2 * n; i++) {
            const float *fi = f + (size_t)i * k;
            int64_t pat = specl_hypercube_pattern(b.x + (size_t)i * d, s);
            for (int j = 0; j < k; j++) {
                if (j == pat) {
                    if (!(fabs(fi[j] - rk) <= 1e-5 * rk)) onehot = 0;
                    if (fi[j] != (float)rk) exact_val = 0;
                } else if (fi[j] != 0.0f) onehot = 0;
            }
            for (int x = 0; x < k; x++)
                for (int y = 0; y < k; y++) C[x * k + y] += (double)fi[x] * fi[y];
            rows++;
        }
    }
    CHECK(onehot);
    if (!exact_val) fprintf(stderr, "  note: the active unit equals sqrt(k) only to float rounding\n");
    /* E ffᵀ = k·diag(P(pattern)) = I: diagonal within 5 SE, off-diagonal exactly 0 */
    double se = k * sqrt((1.0 / k) * (1 - 1.0 / k) / rows) * sqrt(2.0);   /* views are correlated */
    for (int x = 0; x < k; x++)
        for (int y = 0; y < k; y++) {
            if (x == y) CHECK_NEAR(C[x * k + y] / rows, 1.0, 5 * se);
            else CHECK(C[x * k + y] == 0);
        }
    double L;
    int exact = 1;
    CHECK_OK(specl_population_loss(m, src, 1.0, 100000, &r, &L, &exact));
    CHECK(exact == 0);
    CHECK_NEAR(L, 0.0, 0.02);
    free(f);
    specl_batch_free(&b);
    specl_model_free(m);
    /* error paths */
    m = (specl_model *)1;
    CHECK(specl_construct_thm56_relu(3, 4, 16, &m) == SPECL_EINVAL && m == NULL);
    CHECK(specl_construct_thm56_relu(3, 0, 16, &m) == SPECL_EINVAL);
    specl_source_free(src);
}

/* Thm 5.3 lower bound: table over the signs of x_{2:d}; exact loss 0; ignores x_1; probe error 1
 * for y = x_1 (enumerated population). */
TEST(construct_thm53_lower) {
    int d = 6;
    specl_source *src = hc_(d, 2, 0.5, 1.0, "x1", 0);
    if (!src) return;
    const int ks[] = { 1, 2, 4, 32 };
    for (size_t c = 0; c < 4; c++) {
        int k = ks[c];
        specl_model *m;
        CHECK_OK(specl_construct_thm53_lower(src, k, 64, &m));
        if (!m) continue;
        CHECK(specl_model_is_table(m));
        double L;
        int exact = 0;
        CHECK_OK(specl_population_loss(m, src, 1.0, 0, NULL, &L, &exact));
        CHECK(exact == 1);
        CHECK_NEAR(L, 0.0, 1e-9);
        const float *t = specl_model_weight(m, 0);
        int ignores = 1, onehot = 1;
        for (int i = 0; i < 64; i++) {
            if (memcmp(t + i * k, t + (i ^ 1) * k, sizeof(float) * k) != 0) ignores = 0;
            int nz = 0;
            for (int j = 0; j < k; j++) if (t[i * k + j] != 0) { nz++; if (fabsf(t[i * k + j] - sqrtf((float)k)) > 1e-6f) onehot = 0; }
            if (nz != 1) onehot = 0;
        }
        CHECK(ignores && onehot);
        /* probe error for y = x_1 over the enumerated population */
        float f[64 * 32], y[64], x[6], tg[1];
        double w[64];
        int64_t ids[64];
        for (int i = 0; i < 64; i++) {
            int32_t lab;
            int64_t cl;
            ids[i] = i;
            CHECK_OK(specl_source_support(src, i, x, &lab, tg, &cl, &w[i]));
            y[i] = tg[0];
        }
        float xs[64 * 6] = { 0 };
        CHECK_OK(specl_model_apply(m, 64, xs, ids, f));
        specl_probe_opts po = { 0, 0 };
        specl_probe pr;
        double err, acc;
        CHECK_OK(specl_probe_fit(&po, 64, k, f, 1, y, w, &pr));
        CHECK_OK(specl_probe_eval(&pr, 64, f, y, w, &err, &acc));
        CHECK(err >= 1 - 1e-6);
        specl_probe_free(&pr);
        specl_model_free(m);
    }
    specl_model *m = (specl_model *)1;
    CHECK(specl_construct_thm53_lower(src, 3, 64, &m) == SPECL_EINVAL && m == NULL);   /* not a power of 2 */
    CHECK(specl_construct_thm53_lower(src, 64, 64, &m) == SPECL_EINVAL);               /* > 2^(d-1) */
    CHECK(specl_construct_thm53_lower(src, 0, 64, &m) == SPECL_EINVAL);
    specl_source_free(src);
    src = hc_(30, 2, 0.5, 1.0, "", 0);
    if (src) { CHECK(specl_construct_thm53_lower(src, 2, 8, &m) == SPECL_EUNSUPPORTED); specl_source_free(src); }
}

/* Thm 5.6 lower bound: table over the spurious signs; exact loss 0; ignores the invariant bits;
 * probe error ≥ 1/2 on the one-hot pattern labels. */
TEST(construct_thm56_lower) {
    int d = 6, s = 2;
    specl_source *src = hc_(d, s, 0.5, 1.0, "patterns:4", 5);
    if (!src) return;
    const int ks[] = { 2, 4, 16 };
    for (size_t c = 0; c < 3; c++) {
        int k = ks[c];
        specl_model *m;
        CHECK_OK(specl_construct_thm56_lower(src, s, k, 64, &m));
        if (!m) continue;
        double L;
        int exact = 0;
        CHECK_OK(specl_population_loss(m, src, 0.7, 0, NULL, &L, &exact));
        CHECK(exact == 1);
        CHECK_NEAR(L, 0.0, 1e-9);
        const float *t = specl_model_weight(m, 0);
        int ignores = 1;
        for (int i = 0; i < 64; i++)
            for (int low = 0; low < (1 << s); low++) {
                int i2 = (i & ~((1 << s) - 1)) | low;
                if (memcmp(t + i * k, t + i2 * k, sizeof(float) * k) != 0) ignores = 0;
            }
        CHECK(ignores);
        float f[64 * 16], y[64 * 4], x[6];
        double w[64];
        int64_t ids[64];
        for (int i = 0; i < 64; i++) {
            int32_t lab;
            int64_t cl;
            ids[i] = i;
            CHECK_OK(specl_source_support(src, i, x, &lab, y + i * 4, &cl, &w[i]));
        }
        float xs[64 * 6] = { 0 };
        CHECK_OK(specl_model_apply(m, 64, xs, ids, f));
        specl_probe_opts po = { 0, 0 };
        specl_probe pr;
        double err, acc;
        CHECK_OK(specl_probe_fit(&po, 64, k, f, 4, y, w, &pr));
        CHECK_OK(specl_probe_eval(&pr, 64, f, y, w, &err, &acc));
        CHECK(err >= 0.5);
        CHECK_NEAR(err, 0.75, 1e-5);   /* best constant predictor 1/4 per class: 1 − 1/m */
        specl_probe_free(&pr);
        specl_model_free(m);
    }
    specl_model *m = (specl_model *)1;
    CHECK(specl_construct_thm56_lower(src, s, 3, 64, &m) == SPECL_EINVAL && m == NULL);
    CHECK(specl_construct_thm56_lower(src, s, 32, 64, &m) == SPECL_EINVAL);   /* > 2^(d-s) = 16 */
    CHECK(specl_construct_thm56_lower(src, d, 1, 64, &m) == SPECL_EINVAL);
    CHECK(specl_construct_thm56_lower(src, 0, 2, 64, &m) == SPECL_EINVAL);
    specl_source_free(src);
}

RUN_TESTS(
    RUN(hypercube_moments_vs_monte_carlo); RUN(hypercube_moments_default_closed_form);
    RUN(hypercube_pairs_structure); RUN(hypercube_tau_distribution);
    RUN(hypercube_patterns_balanced_reproducible); RUN(hypercube_natural_enumeration); RUN(hypercube_errors);
    RUN(linear_spectrum_hypercube); RUN(linear_optimum_closed_form); RUN(linear_minimizer_structure_and_loss);
    RUN(linear_minimizer_local_optimality); RUN(table_optimum);
    RUN(population_affine_exact_vs_monte_carlo); RUN(population_relu1_monte_carlo_vs_direct);
    RUN(population_table_exact);
    RUN(construct_thm56_relu_onehot); RUN(construct_thm53_lower); RUN(construct_thm56_lower)
)
