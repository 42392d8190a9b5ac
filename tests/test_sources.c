/* Tests of the separated-manifolds (data/manifolds.c), translated-patch (data/patch.c) and grid /
 * toy (data/grid.c) pair sources: the geometry and ids of sampled pairs, masses and location
 * frequencies within 5 standard errors, labellings, the finite supports, closed-form moments
 * against Monte Carlo (200000 pairs, every entry within 5 SE), determinism given the RNG, and
 * every parameter error path (status SPECL_EINVAL, a message starting with the config key). */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "specl/base.h"
#include "specl/data.h"
#include "check.h"

/* ---- helpers ---- */

static specl_source *mf_(int d, int r, int r0, double gamma, double rho, double aug, const char *labels, uint64_t seed) {
    specl_manifolds_params p = { d, r, r0, gamma, rho, aug, labels, seed };
    specl_source *src = NULL;
    CHECK_OK(specl_manifolds_new(&p, &src));
    return src;
}

static specl_source *pt_(int d, int s, double gamma, const char *w, const char *labels, uint64_t seed) {
    specl_patch_params p = { d, s, gamma, w, labels, seed };
    specl_source *src = NULL;
    CHECK_OK(specl_patch_new(&p, &src));
    return src;
}

static specl_source *gr_(int d, int toy, double sigma, double small, const char *labels) {
    specl_grid_params p = { d, toy, sigma, small, labels };
    specl_source *src = NULL;
    CHECK_OK(specl_grid_new(&p, &src));
    return src;
}

static double dist_(const float *a, const float *b, int d) {
    double s = 0;
    for (int j = 0; j < d; j++) s += ((double)a[j] - b[j]) * ((double)a[j] - b[j]);
    return sqrt(s);
}

/* |freq − p| within 5 standard errors of a binomial proportion over n draws. */
static int freq_ok_(int64_t count, int64_t n, double p) {
    double f = (double)count / n, se = sqrt(p * (1 - p) / n);
    if (fabs(f - p) <= 5 * se + 1e-12) return 1;
    fprintf(stderr, "  frequency %.5f, expected %.5f (5 SE = %.2g)\n", f, p, 5 * se);
    return 0;
}

/* A constructor that must fail with SPECL_EINVAL, leave *out NULL and explain starting with key. */
static void expect_einval_(int st, const specl_source *src, const char *key, const char *what) {
    const char *msg = specl_error_detail();
    int ok = st == SPECL_EINVAL && src == NULL && strncmp(msg, key, strlen(key)) == 0;
    CHECK(ok);
    if (!ok) fprintf(stderr, "  %s: status %d, message '%s' (expected EINVAL starting with '%s')\n", what, st, msg, key);
}

/* Mean, Σ and Σ_Δ from N sampled pairs against the closed form, every entry within 5 SE (or
 * 1e-6 where the Monte Carlo values are constant). Per pair Σ is estimated by (x xᵀ + x⁺x⁺ᵀ)/2.
 * Returns the number of entries out of tolerance. */
static int moments_mc_(const specl_source *src, int N, uint64_t seed) {
    int d = src->d, B = 10000, bad = 0;
    size_t dd = (size_t)d * d;
    double *mean = malloc(sizeof(double) * d), *sig = malloc(sizeof(double) * dd), *sd = malloc(sizeof(double) * dd);
    double *acc = calloc(4 * dd + 2 * (size_t)d, sizeof(double));
    specl_batch b;
    if (!mean || !sig || !sd || !acc || specl_batch_alloc(&b, B, src)) { free(mean); free(sig); free(sd); free(acc); return -1; }
    double *s1 = acc, *s2 = acc + dd, *t1 = acc + 2 * dd, *t2 = acc + 3 * dd, *m1 = acc + 4 * dd, *m2 = m1 + d;
    CHECK_OK(specl_source_moments(src, mean, sig, sd));
    specl_rng r;
    specl_rng_seed(&r, seed);
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
    for (int p = 0; p < d; p++) {
        double mu = m1[p] / N, se = sqrt(fmax(0, m2[p] / N - mu * mu) / N);
        if (!(fabs(mu - mean[p]) <= fmax(5 * se, 1e-6))) {
            fprintf(stderr, "  %s mean[%d]: closed form %.6g, Monte Carlo %.6g (se %.2g)\n", src->kind, p, mean[p], mu, se);
            bad++;
        }
        for (int q = 0; q < d; q++) {
            double e1 = s1[p * d + q] / N, se1 = sqrt(fmax(0, s2[p * d + q] / N - e1 * e1) / N);
            double e2 = t1[p * d + q] / N, se2 = sqrt(fmax(0, t2[p * d + q] / N - e2 * e2) / N);
            if (!(fabs(e1 - sig[p * d + q]) <= fmax(5 * se1, 1e-6))) {
                fprintf(stderr, "  %s Sigma[%d,%d]: closed form %.6g, Monte Carlo %.6g (se %.2g)\n", src->kind, p, q, sig[p * d + q], e1, se1);
                bad++;
            }
            if (!(fabs(e2 - sd[p * d + q]) <= fmax(5 * se2, 1e-6))) {
                fprintf(stderr, "  %s SigmaDelta[%d,%d]: closed form %.6g, Monte Carlo %.6g (se %.2g)\n", src->kind, p, q, sd[p * d + q], e2, se2);
                bad++;
            }
        }
    }
    specl_batch_free(&b);
    free(mean); free(sig); free(sd); free(acc);
    return bad;
}

/* Two batches drawn from equal RNG states are identical; another seed gives other inputs. */
static void deterministic_(const specl_source *src) {
    const int n = 300;
    specl_batch a, b;
    if (specl_batch_alloc(&a, n, src) || specl_batch_alloc(&b, n, src)) { CHECK(0); specl_batch_free(&a); return; }
    size_t L = (size_t)n * src->n_labelings, T = (size_t)n * src->target_dim;
    specl_rng r1, r2;
    specl_rng_seed(&r1, 99);
    specl_rng_seed(&r2, 99);
    CHECK_OK(specl_source_sample(src, n, &r1, &a));
    CHECK_OK(specl_source_sample(src, n, &r2, &b));
    CHECK(memcmp(a.x, b.x, sizeof(float) * 2 * n * src->d) == 0);
    CHECK(memcmp(a.natural, b.natural, sizeof(int64_t) * n) == 0 && memcmp(a.view, b.view, sizeof(int64_t) * 2 * n) == 0);
    CHECK(memcmp(a.fine, b.fine, sizeof(int64_t) * n) == 0 && memcmp(a.cluster, b.cluster, sizeof(int64_t) * n) == 0);
    CHECK(memcmp(a.label, b.label, sizeof(int32_t) * L) == 0 && memcmp(a.target, b.target, sizeof(float) * T) == 0);
    CHECK(memcmp(&r1, &r2, sizeof r1) == 0);
    specl_rng_seed(&r2, 100);
    CHECK_OK(specl_source_sample(src, n, &r2, &b));
    CHECK(memcmp(a.x, b.x, sizeof(float) * 2 * n * src->d) != 0);
    specl_batch_free(&a);
    specl_batch_free(&b);
}

/* ---- manifolds ---- */

/* Cross-group distances ≥ γ, every point within ρ/2 of its group centre (diameter ≤ ρ), the
 * views of a pair within 2·aug of each other and within aug of their sub-cluster's centre, ids
 * and the group labelling. Float rounding of coordinates of size ~2 is allowed for by 1e-5. */
TEST(manifolds_geometry) {
    const int d = 6, r = 3, r0 = 12, n = 1500, per = r0 / r;
    const double gamma = 1.5, rho = 1.0, aug = 0.25, tol = 1e-5, off = (gamma + rho) / sqrt(2.0);
    specl_source *src = mf_(d, r, r0, gamma, rho, aug, "group", 7);
    if (!src) return;
    CHECK(src->n_labelings == 1 && src->target_dim == r && !src->labelings[0].scalar && src->labelings[0].classes == r);
    CHECK(strcmp(src->kind, "manifolds") == 0 && specl_source_has_graph(src));
    specl_batch b;
    CHECK_OK(specl_batch_alloc(&b, n, src));
    specl_rng rng;
    specl_rng_seed(&rng, 3);
    CHECK_OK(specl_source_sample(src, n, &rng, &b));
    float mu[6], tg[3];
    int32_t lab[1];
    int64_t cl;
    double pr, min_cross = 1e30, max_within = 0, max_centre = 0, max_pair = 0, max_sub = 0;
    int ids = 1, labs = 1;
    for (int i = 0; i < n; i++) {
        const float *x = b.x + (size_t)i * d, *y = b.x + (size_t)(n + i) * d;
        int64_t k = b.natural[i], g = b.cluster[i];
        if (k < 0 || k >= r0 || b.fine[i] != k || b.view[i] != k || b.view[n + i] != k || g != k / per) { ids = 0; continue; }
        if (b.label[i] != g) labs = 0;
        for (int c = 0; c < r; c++) if (b.target[(size_t)i * r + c] != (c == g ? 1.0f : 0.0f)) labs = 0;
        CHECK_OK(specl_source_support(src, k, mu, lab, tg, &cl, &pr));
        max_pair = fmax(max_pair, dist_(x, y, d));
        max_sub = fmax(max_sub, fmax(dist_(x, mu, d), dist_(y, mu, d)));
        float c[6] = { 0 };
        c[g] = (float)off;
        max_centre = fmax(max_centre, fmax(dist_(x, c, d), dist_(y, c, d)));
    }
    for (size_t i = 0; i < 2 * (size_t)n; i++)
        for (size_t j = i + 1; j < 2 * (size_t)n; j++) {
            double dij = dist_(b.x + i * d, b.x + j * d, d);
            if (b.cluster[i % n] != b.cluster[j % n]) min_cross = fmin(min_cross, dij);
            else max_within = fmax(max_within, dij);
        }
    CHECK(ids); CHECK(labs);
    CHECK(min_cross >= gamma - tol);
    CHECK(max_within <= rho + tol);
    CHECK(max_centre <= rho / 2 + tol);
    CHECK(max_pair <= 2 * aug + tol);
    CHECK(max_sub <= aug + tol);
    CHECK(max_pair > aug && max_sub > 0.9 * aug);     /* the views do move, to the edge of the ball */
    CHECK(max_centre > rho / 4);                        /* sub-cluster centres spread over the group */
    specl_batch_free(&b);
    specl_source_free(src);
}

/* Groups have mass 1/r and sub-clusters 1/r0 (frequencies within 5 SE). */
TEST(manifolds_masses) {
    const int d = 4, r = 4, r0 = 8, n = 80000;
    specl_source *src = mf_(d, r, r0, 1.0, 0.8, 0.1, "", 1);
    if (!src) return;
    CHECK(src->n_labelings == 0 && src->target_dim == 0);
    specl_batch b;
    CHECK_OK(specl_batch_alloc(&b, n, src));
    specl_rng rng;
    specl_rng_seed(&rng, 4);
    CHECK_OK(specl_source_sample(src, n, &rng, &b));
    int64_t cg[4] = { 0 }, cs[8] = { 0 };
    for (int i = 0; i < n; i++) {
        if (b.cluster[i] >= 0 && b.cluster[i] < r) cg[b.cluster[i]]++;
        if (b.fine[i] >= 0 && b.fine[i] < r0) cs[b.fine[i]]++;
    }
    for (int g = 0; g < r; g++) CHECK(freq_ok_(cg[g], n, 1.0 / r));
    for (int k = 0; k < r0; k++) CHECK(freq_ok_(cs[k], n, 1.0 / r0));
    specl_batch_free(&b);
    specl_source_free(src);
}

/* The support: r0 sub-cluster centres, each of probability 1/r0, inside B(c_i, ρ/2 − aug), with
 * the group as implementable cluster; centres are a function of the seed. */
TEST(manifolds_support) {
    const int d = 5, r = 2, r0 = 10, per = 5;
    const double gamma = 2.0, rho = 0.6, aug = 0.1, off = (gamma + rho) / sqrt(2.0);
    specl_source *a = mf_(d, r, r0, gamma, rho, aug, "group,group", 5), *a2 = mf_(d, r, r0, gamma, rho, aug, "group", 5);
    specl_source *o = mf_(d, r, r0, gamma, rho, aug, "group", 6);
    if (!a || !a2 || !o) { specl_source_free(a); specl_source_free(a2); specl_source_free(o); return; }
    CHECK(a->n_support == r0 && a->n_clusters == r && a->n_labelings == 2 && a->target_dim == 4);
    float x[5], x2[5], xo[5], tg[4], tg2[2];
    int32_t lab[2], lab2[1];
    int64_t cl, cl2;
    double p, p2, tot = 0;
    int ok = 1, same = 1, differs = 0;
    for (int64_t k = 0; k < r0; k++) {
        CHECK_OK(specl_source_support(a, k, x, lab, tg, &cl, &p));
        CHECK_OK(specl_source_support(a2, k, x2, lab2, tg2, &cl2, &p2));
        CHECK_OK(specl_source_support(o, k, xo, lab2, tg2, &cl2, &p2));
        tot += p;
        float c[5] = { 0 };
        c[k / per] = (float)off;
        if (cl != k / per || lab[0] != cl || lab[1] != cl || fabs(p - 0.1) > 1e-15) ok = 0;
        if (tg[cl] != 1.0f || tg[1 - cl] != 0.0f || tg[2 + cl] != 1.0f || tg[3 - cl] != 0.0f) ok = 0;
        if (!(dist_(x, c, d) <= rho / 2 - aug + 1e-5)) ok = 0;
        if (memcmp(x, x2, sizeof x) != 0) same = 0;
        if (memcmp(x, xo, sizeof x) != 0) differs = 1;
    }
    CHECK(ok); CHECK(same); CHECK(differs);
    CHECK_NEAR(tot, 1.0, 1e-12);
    CHECK(specl_source_support(a, r0, x, lab, tg, &cl, &p) == SPECL_EINVAL);
    specl_source_free(a); specl_source_free(a2); specl_source_free(o);
}

TEST(manifolds_moments_vs_monte_carlo) {
    specl_source *src = mf_(5, 3, 6, 1.0, 1.0, 0.25, "", 2);
    if (!src) return;
    CHECK(specl_source_has_moments(src));
    CHECK(moments_mc_(src, 200000, 21) == 0);
    double mean[5], sig[25], sd[25];
    CHECK_OK(specl_source_moments(src, mean, sig, sd));
    for (int p = 0; p < 5; p++)
        for (int q = 0; q < 5; q++) CHECK_NEAR(sd[p * 5 + q], p == q ? 2 * 0.0625 / 7 : 0.0, 1e-15);
    specl_source_free(src);
}

TEST(manifolds_errors) {
    struct { specl_manifolds_params p; const char *key; } cases[] = {
        { { 4, 0, 4, 1, 1, 0.1, "", 0 }, "data.r" },
        { { 2, 3, 6, 1, 1, 0.1, "", 0 }, "data.d = 2: expected d >= r = 3" },
        { { 4, 2, 5, 1, 1, 0.1, "", 0 }, "data.r0 = 5: expected a multiple of data.r = 2" },
        { { 4, 2, 0, 1, 1, 0.1, "", 0 }, "data.r0" },
        { { 4, 2, 1, 1, 1, 0.1, "", 0 }, "data.r0" },
        { { 1000, 2, 1 << 20, 1, 1, 0.1, "", 0 }, "data.r0" },
        { { 4, 2, 4, 0, 1, 0.1, "", 0 }, "data.gamma" },
        { { 4, 2, 4, NAN, 1, 0.1, "", 0 }, "data.gamma" },
        { { 4, 2, 4, INFINITY, 1, 0.1, "", 0 }, "data.gamma" },
        { { 4, 2, 4, 1, 0, 0.0, "", 0 }, "data.rho" },
        { { 4, 2, 4, 1, -1, 0.0, "", 0 }, "data.rho" },
        { { 4, 2, 4, 1, 1, 0.26, "", 0 }, "data.aug" },
        { { 4, 2, 4, 1, 1, -0.1, "", 0 }, "data.aug" },
        { { 4, 2, 4, 1, 1, NAN, "", 0 }, "data.aug" },
        { { 4, 2, 4, 1, 1, 0.1, "foo", 0 }, "data.labels: unknown labelling 'foo'" },
        { { 4, 2, 4, 1, 1, 0.1, "group,fine", 0 }, "data.labels: unknown labelling 'fine'" },
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        specl_source *src = (specl_source *)1;
        int st = specl_manifolds_new(&cases[c].p, &src);
        expect_einval_(st, src, cases[c].key, cases[c].key);
        if (st == SPECL_OK) specl_source_free(src);
    }
    char many[65 * 6 + 1] = "";
    for (int i = 0; i < 65; i++) strcat(many, "group,");
    specl_manifolds_params p = { 4, 2, 4, 1, 1, 0.25, many, 0 };   /* aug = rho/4 is allowed */
    specl_source *src = (specl_source *)1;
    int st = specl_manifolds_new(&p, &src);
    expect_einval_(st, src, "data.labels", "65 labellings");
    if (st == SPECL_OK) specl_source_free(src);
    p.labels = "group, group";
    p.aug = 0;
    CHECK_OK(specl_manifolds_new(&p, &src));
    if (src) { CHECK(src->n_labelings == 2); deterministic_(src); specl_source_free(src); }
}

/* ---- patch ---- */

/* Labels of "pattern,bit1,bit3,patterns:4,bit*" (s = 3) for pattern pat; class_of (8) collects the
 * patterns:4 class of each pattern, which must be a function of the pattern. */
static int patch_labels_ok_(const int32_t *lab, const float *tg, int64_t pat, int32_t *class_of) {
    int ok = lab[0] == pat;
    for (int c = 0; c < 8; c++) if (tg[c] != (c == pat ? 1.0f : 0.0f)) ok = 0;
    for (int j = 0; j < 3; j++) {   /* bit* at 14..16, bit1 at 8, bit3 at 9 */
        float want = ((pat >> j) & 1) ? 1.0f : -1.0f;
        if (tg[14 + j] != want || lab[4 + j] != ((pat >> j) & 1)) ok = 0;
    }
    if (tg[8] != tg[14] || tg[9] != tg[16] || lab[1] != lab[4] || lab[2] != lab[6]) ok = 0;
    if (lab[3] < 0 || lab[3] >= 4 || tg[10 + lab[3]] != 1.0f || tg[10] + tg[11] + tg[12] + tg[13] != 1.0f) return 0;
    if (class_of[pat] < 0) class_of[pat] = lab[3];
    return ok && class_of[pat] == lab[3];
}

/* The patch is intact (±γ at the location, equal in both views, matching the pattern in the
 * ids); the other coordinates have |x| ≤ 1 and the same sign in both views; ids and labels. */
TEST(patch_pairs_structure) {
    const int d = 8, s = 3, n = 6000;
    const float g = 1.5f;
    specl_source *src = pt_(d, s, 1.5, NULL, "pattern,bit1,bit3,patterns:4,bit*", 9);
    if (!src) return;
    CHECK(src->n_labelings == 7 && src->target_dim == 8 + 1 + 1 + 4 + 3);
    CHECK(strcmp(src->labelings[4].name, "bit1") == 0 && strcmp(src->labelings[6].name, "bit3") == 0);
    CHECK(src->labelings[0].dim == 8 && src->labelings[0].classes == 8 && !src->labelings[0].scalar);
    CHECK(src->labelings[1].scalar && src->labelings[1].dim == 1 && src->labelings[3].dim == 4);
    CHECK(src->n_support == 0 && src->n_clusters == 8 && !specl_source_has_graph(src));
    specl_batch b;
    CHECK_OK(specl_batch_alloc(&b, n, src));
    specl_rng rng;
    specl_rng_seed(&rng, 8);
    CHECK_OK(specl_source_sample(src, n, &rng, &b));
    int intact = 1, spur = 1, ids = 1, labs = 1, moved = 0;
    int64_t pcount[8] = { 0 };
    int32_t class_of[8] = { -1, -1, -1, -1, -1, -1, -1, -1 };
    double amax = 0, amin = 1;
    for (int i = 0; i < n; i++) {
        const float *x = b.x + (size_t)i * d, *y = b.x + (size_t)(n + i) * d;
        int64_t pat = b.fine[i] & 7, t = b.fine[i] >> s;
        if (t < 0 || t >= d || b.cluster[i] != pat || b.natural[i] != -1 || b.view[i] != -1 || b.view[n + i] != -1) { ids = 0; continue; }
        pcount[pat]++;
        int inpatch[8] = { 0 };
        for (int j = 0; j < s; j++) {
            int c = (int)((t + j) % d);
            inpatch[c] = 1;
            float want = ((pat >> j) & 1) ? g : -g;
            if (x[c] != want || y[c] != want) intact = 0;
        }
        for (int c = 0; c < d; c++) {
            if (inpatch[c]) continue;
            if (!(fabsf(x[c]) <= 1 && fabsf(y[c]) <= 1) || signbit(x[c]) != signbit(y[c])) spur = 0;
            amax = fmax(amax, fabs(x[c])); amin = fmin(amin, fabs(x[c]));
            moved += x[c] != y[c];
        }
        if (!patch_labels_ok_(b.label + (size_t)i * 7, b.target + (size_t)i * 17, pat, class_of)) labs = 0;
    }
    CHECK(intact); CHECK(spur); CHECK(ids); CHECK(labs);
    CHECK(amax > 0.99 && amin < 0.01);                   /* τ spans [0, 1) */
    CHECK(moved > n * (d - s) * 9 / 10);                  /* each view draws its own τ */
    int per_class[4] = { 0 };
    for (int c = 0; c < 8; c++) {
        CHECK(freq_ok_(pcount[c], n, 1.0 / 8));
        if (class_of[c] >= 0) per_class[class_of[c]]++;
    }
    for (int k = 0; k < 4; k++) CHECK(per_class[k] == 2);   /* patterns:4 is balanced */
    CHECK(specl_source_support(src, 0, NULL, NULL, NULL, NULL, NULL) == SPECL_EUNSUPPORTED);
    deterministic_(src);
    specl_batch_free(&b);
    specl_source_free(src);
}

static void locations_(const specl_source *src, int n, const double *p, uint64_t seed) {
    int d = src->d, s = 2;
    specl_batch b;
    CHECK_OK(specl_batch_alloc(&b, n, src));
    specl_rng rng;
    specl_rng_seed(&rng, seed);
    CHECK_OK(specl_source_sample(src, n, &rng, &b));
    int64_t cnt[16] = { 0 };
    for (int i = 0; i < n; i++) {
        int64_t t = b.fine[i] >> s;
        if (t >= 0 && t < d) cnt[t]++;
        else CHECK(0);
    }
    for (int t = 0; t < d; t++) {
        if (p[t] == 0) CHECK(cnt[t] == 0);
        else CHECK(freq_ok_(cnt[t], n, p[t]));
    }
    specl_batch_free(&b);
}

/* Locations uniform over [0, d), or following loc_weights (zero weights never drawn). */
TEST(patch_locations) {
    const double uni[7] = { 1.0 / 7, 1.0 / 7, 1.0 / 7, 1.0 / 7, 1.0 / 7, 1.0 / 7, 1.0 / 7 };
    specl_source *src = pt_(7, 2, 2.0, "", "", 0);
    if (src) { locations_(src, 70000, uni, 1); specl_source_free(src); }
    const double w[8] = { 1.0 / 8, 0, 2.0 / 8, 0, 0, 1.0 / 8, 3.0 / 8, 1.0 / 8 };
    src = pt_(8, 2, 2.0, "1,0,2, 0,0,1,3,1", "", 0);
    if (src) { locations_(src, 80000, w, 2); specl_source_free(src); }
    const double first[4] = { 1, 0, 0, 0 };
    src = pt_(4, 2, 2.0, "5,0,0,0", "", 0);
    if (src) { locations_(src, 1000, first, 3); specl_source_free(src); }
}

/* patterns:<m> is the seeded balanced map (a function of label_seed), pattern/bit on s = 4. */
TEST(patch_label_maps) {
    int32_t ma[16], mb[16];
    int differs = 0;
    for (int round = 0; round < 3; round++) {
        specl_source *src = pt_(6, 4, 1.2, NULL, "patterns:3", round == 2 ? 4 : 3);
        if (!src) return;
        CHECK(src->labelings[0].dim == 3 && src->labelings[0].classes == 3);
        specl_batch b;
        CHECK_OK(specl_batch_alloc(&b, 2000, src));
        specl_rng rng;
        specl_rng_seed(&rng, 5);
        CHECK_OK(specl_source_sample(src, 2000, &rng, &b));
        int32_t *m = round == 0 ? ma : mb;
        for (int c = 0; c < 16; c++) m[c] = -1;
        for (int i = 0; i < 2000; i++) {
            int64_t pat = b.cluster[i];
            if (m[pat] >= 0 && m[pat] != b.label[i]) CHECK(0);
            m[pat] = b.label[i];
        }
        int cnt[3] = { 0 };
        for (int c = 0; c < 16; c++) { CHECK(m[c] >= 0 && m[c] < 3); if (m[c] >= 0 && m[c] < 3) cnt[m[c]]++; }
        for (int k = 0; k < 3; k++) CHECK(cnt[k] == 5 || cnt[k] == 6);
        if (round == 1) CHECK(memcmp(ma, mb, sizeof ma) == 0);
        if (round == 2) differs = memcmp(ma, mb, sizeof ma) != 0;
        specl_batch_free(&b);
        specl_source_free(src);
    }
    CHECK(differs);
}

TEST(patch_moments_vs_monte_carlo) {
    struct { int d, s; double gamma; const char *w; } cases[] = {
        { 8, 3, 1.5, NULL }, { 6, 2, 2.0, "1,0,2,0,0,3" }, { 3, 3, 1.1, NULL },
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        specl_source *src = pt_(cases[c].d, cases[c].s, cases[c].gamma, cases[c].w, "", 0);
        if (!src) continue;
        CHECK(moments_mc_(src, 200000, 30 + c) == 0);
        specl_source_free(src);
    }
    /* hand values: d = 4, s = 2 uniform gives π = 1/2; weights 1,0,0,0 put the patch on 0..1 */
    double mean[16], sig[16], sd[16];
    specl_source *src = pt_(4, 2, 1.5, NULL, "", 0);
    if (!src) return;
    CHECK_OK(specl_source_moments(src, mean, sig, sd));
    for (int p = 0; p < 4; p++) {
        CHECK(mean[p] == 0);
        for (int q = 0; q < 4; q++) {
            CHECK_NEAR(sig[p * 4 + q], p == q ? 0.5 * 2.25 + 0.5 / 3 : 0.0, 1e-14);
            CHECK_NEAR(sd[p * 4 + q], p == q ? 0.5 / 6 : 0.0, 1e-14);
        }
    }
    specl_source_free(src);
    src = pt_(4, 2, 1.5, "1,0,0,0", "", 0);
    if (!src) return;
    CHECK_OK(specl_source_moments(src, mean, sig, sd));
    for (int p = 0; p < 4; p++) {
        CHECK_NEAR(sig[p * 5], p < 2 ? 2.25 : 1.0 / 3, 1e-14);
        CHECK_NEAR(sd[p * 5], p < 2 ? 0.0 : 1.0 / 6, 1e-14);
    }
    specl_source_free(src);
}

TEST(patch_errors) {
    struct { specl_patch_params p; const char *key; } cases[] = {
        { { 8, 3, 1.0, NULL, "", 0 }, "data.gamma = 1: expected gamma > 1 for patches" },
        { { 8, 3, 0.8, NULL, "", 0 }, "data.gamma = 0.8: expected gamma > 1 for patches" },
        { { 8, 3, NAN, NULL, "", 0 }, "data.gamma" },
        { { 8, 3, INFINITY, NULL, "", 0 }, "data.gamma" },
        { { 4, 5, 1.5, NULL, "", 0 }, "data.s = 5" },
        { { 4, 0, 1.5, NULL, "", 0 }, "data.s = 0" },
        { { 40, 31, 1.5, NULL, "", 0 }, "data.s = 31" },
        { { 0, 1, 1.5, NULL, "", 0 }, "data.d = 0" },
        { { 4, 2, 1.5, "1,2", "", 0 }, "data.loc_weights = '1,2'" },
        { { 4, 2, 1.5, "1,2,3,4,5", "", 0 }, "data.loc_weights = '1,2,3,4,5'" },
        { { 4, 2, 1.5, "1,-1,1,1", "", 0 }, "data.loc_weights" },
        { { 4, 2, 1.5, "0,0,0,0", "", 0 }, "data.loc_weights" },
        { { 4, 2, 1.5, "a,b,c,d", "", 0 }, "data.loc_weights" },
        { { 4, 2, 1.5, "1,nan,1,1", "", 0 }, "data.loc_weights" },
        { { 8, 3, 1.5, NULL, "foo", 0 }, "data.labels: unknown labelling 'foo'" },
        { { 8, 3, 1.5, NULL, "pattern,x1", 0 }, "data.labels: unknown labelling 'x1'" },
        { { 8, 3, 1.5, NULL, "bit0", 0 }, "data.labels: 'bit0'" },
        { { 8, 3, 1.5, NULL, "bit4", 0 }, "data.labels: 'bit4'" },
        { { 8, 3, 1.5, NULL, "bit1x", 0 }, "data.labels: 'bit1x'" },
        { { 8, 3, 1.5, NULL, "bit", 0 }, "data.labels: unknown labelling 'bit'" },
        { { 8, 3, 1.5, NULL, "patterns:1", 0 }, "data.labels: 'patterns:1'" },
        { { 8, 3, 1.5, NULL, "patterns:9", 0 }, "data.labels: 'patterns:9'" },
        { { 8, 3, 1.5, NULL, "patterns:", 0 }, "data.labels: 'patterns:'" },
        { { 20, 17, 1.5, NULL, "pattern", 0 }, "data.labels: 'pattern' needs s <= 16" },
        { { 30, 25, 1.5, NULL, "patterns:2", 0 }, "data.labels: patterns:<m> needs s <= 24" },
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        specl_source *src = (specl_source *)1;
        int st = specl_patch_new(&cases[c].p, &src);
        expect_einval_(st, src, cases[c].key, cases[c].key);
        if (st == SPECL_OK) specl_source_free(src);
    }
    specl_source *src = pt_(3, 3, 1.01, "", "patterns:8, bit3", 0);   /* s = d and m = 2^s are valid */
    if (src) { CHECK(src->n_labelings == 2 && src->target_dim == 9); specl_source_free(src); }
}

/* ---- grid and toy ---- */

/* Corners uniform, grid coordinates equal in both views, spurious coordinates N(0, σ²) drawn
 * independently per view, ids and the four labellings. */
TEST(grid_pairs_structure) {
    const int d = 5, n = 40000;
    const double sigma = 0.7;
    specl_source *src = gr_(d, 0, sigma, 0, "axis1,axis2,corner,corners");
    if (!src) return;
    CHECK(strcmp(src->kind, "grid") == 0 && src->n_labelings == 4 && src->target_dim == 7);
    CHECK(src->labelings[2].scalar && !src->labelings[3].scalar && src->labelings[3].classes == 4);
    specl_batch b;
    CHECK_OK(specl_batch_alloc(&b, n, src));
    specl_rng rng;
    specl_rng_seed(&rng, 12);
    CHECK_OK(specl_source_sample(src, n, &rng, &b));
    int64_t cnt[4] = { 0 };
    int grid_ok = 1, ids = 1, labs = 1;
    double m1 = 0, m2 = 0, cross = 0;
    for (int i = 0; i < n; i++) {
        const float *x = b.x + (size_t)i * d, *y = b.x + (size_t)(n + i) * d;
        int c = (x[0] > 0) | (x[1] > 0) << 1;
        if (fabsf(x[0]) != 1 || fabsf(x[1]) != 1 || x[0] != y[0] || x[1] != y[1]) grid_ok = 0;
        if (b.natural[i] != c || b.fine[i] != c || b.cluster[i] != c || b.view[i] != c || b.view[n + i] != c) ids = 0;
        cnt[c]++;
        for (int j = 2; j < d; j++) { m1 += x[j] + y[j]; m2 += (double)x[j] * x[j] + (double)y[j] * y[j]; cross += (double)x[j] * y[j]; }
        const int32_t *lab = b.label + (size_t)i * 4;
        const float *tg = b.target + (size_t)i * 7;
        float corner = c == 3 ? 1.0f : -1.0f;
        if (tg[0] != x[0] || tg[1] != x[1] || tg[2] != corner) labs = 0;
        if (lab[0] != (x[0] > 0) || lab[1] != (x[1] > 0) || lab[2] != (c == 3) || lab[3] != c) labs = 0;
        for (int k = 0; k < 4; k++) if (tg[3 + k] != (k == c ? 1.0f : 0.0f)) labs = 0;
    }
    CHECK(grid_ok); CHECK(ids); CHECK(labs);
    for (int c = 0; c < 4; c++) CHECK(freq_ok_(cnt[c], n, 0.25));
    double N = 2.0 * n * (d - 2), v = sigma * sigma;
    CHECK_NEAR(m1 / N, 0.0, 5 * sigma / sqrt(N));
    CHECK_NEAR(m2 / N, v, 5 * v * sqrt(2.0 / N));
    CHECK_NEAR(cross / (N / 2), 0.0, 5 * v / sqrt(N / 2));   /* the views' noise is independent */
    deterministic_(src);
    specl_batch_free(&b);
    specl_source_free(src);
}

TEST(grid_support) {
    specl_source *src = gr_(4, 0, 0.5, 0, "corners,corner");
    if (!src) return;
    CHECK(src->n_support == 4 && src->n_clusters == 4 && specl_source_has_graph(src));
    float x[4], tg[5];
    int32_t lab[2];
    int64_t cl;
    double p, tot = 0;
    int ok = 1;
    for (int64_t i = 0; i < 4; i++) {
        CHECK_OK(specl_source_support(src, i, x, lab, tg, &cl, &p));
        tot += p;
        if (x[0] != ((i & 1) ? 1.0f : -1.0f) || x[1] != ((i & 2) ? 1.0f : -1.0f) || x[2] != 0 || x[3] != 0) ok = 0;
        if (cl != i || lab[0] != i || p != 0.25 || tg[i] != 1.0f || tg[4] != (i == 3 ? 1.0f : -1.0f) || lab[1] != (i == 3)) ok = 0;
    }
    CHECK(ok);
    CHECK_NEAR(tot, 1.0, 1e-15);
    CHECK(specl_source_support(src, 4, x, lab, tg, &cl, &p) == SPECL_EINVAL);
    specl_source_free(src);
}

TEST(grid_moments_vs_monte_carlo) {
    specl_source *src = gr_(5, 0, 0.7, 0, "");
    if (src) {
        CHECK(moments_mc_(src, 200000, 41) == 0);
        double mean[5], sig[25], sd[25];
        CHECK_OK(specl_source_moments(src, mean, sig, sd));
        for (int p = 0; p < 5; p++) {
            CHECK(mean[p] == 0);
            for (int q = 0; q < 5; q++) {
                CHECK_NEAR(sig[p * 5 + q], p != q ? 0.0 : p < 2 ? 1.0 : 0.49, 1e-15);
                CHECK_NEAR(sd[p * 5 + q], p != q || p < 2 ? 0.0 : 0.98, 1e-15);
            }
        }
        specl_source_free(src);
    }
    src = gr_(2, 0, 0.3, 0, "axis1");
    if (src) { CHECK(moments_mc_(src, 200000, 42) == 0); specl_source_free(src); }
    src = gr_(2, 1, 0.4, 0.15, "side");
    if (src) { CHECK(moments_mc_(src, 200000, 43) == 0); specl_source_free(src); }
}

/* Toy: cluster masses (small, 1/2 − small, 1/2), the invariant axis unchanged by augmentation,
 * N(0, σ²) on the spurious axis only, "side" and "small" labels, the support. */
TEST(toy_structure) {
    const int n = 100000;
    const double sigma = 0.3, small = 0.1;
    specl_source *src = gr_(2, 1, sigma, small, "side,small");
    if (!src) return;
    CHECK(strcmp(src->kind, "toy") == 0 && src->n_support == 3 && src->n_clusters == 2);
    CHECK(src->n_labelings == 2 && src->target_dim == 2 && src->labelings[1].scalar);
    specl_batch b;
    CHECK_OK(specl_batch_alloc(&b, n, src));
    specl_rng rng;
    specl_rng_seed(&rng, 13);
    CHECK_OK(specl_source_sample(src, n, &rng, &b));
    const float mu[3][2] = { { -1, 1 }, { -1, -1 }, { 1, 0 } };
    int64_t cnt[3] = { 0 };
    int ok = 1, labs = 1;
    double m2 = 0;
    for (int i = 0; i < n; i++) {
        const float *x = b.x + (size_t)i * 2, *y = b.x + (size_t)(n + i) * 2;
        int64_t c = b.natural[i];
        if (c < 0 || c > 2 || b.fine[i] != c || b.view[i] != c || b.view[n + i] != c || b.cluster[i] != (c == 2)) { ok = 0; continue; }
        cnt[c]++;
        if (x[0] != mu[c][0] || y[0] != mu[c][0] || x[1] == y[1]) ok = 0;
        m2 += ((double)x[1] - mu[c][1]) * (x[1] - mu[c][1]) + ((double)y[1] - mu[c][1]) * (y[1] - mu[c][1]);
        const float *tg = b.target + (size_t)i * 2;
        const int32_t *lab = b.label + (size_t)i * 2;
        if (tg[0] != x[0] || lab[0] != (c == 2) || tg[1] != (c == 0 ? 1.0f : -1.0f) || lab[1] != (c == 0)) labs = 0;
    }
    CHECK(ok); CHECK(labs);
    CHECK(freq_ok_(cnt[0], n, small));
    CHECK(freq_ok_(cnt[1], n, 0.5 - small));
    CHECK(freq_ok_(cnt[2], n, 0.5));
    CHECK_NEAR(m2 / (2.0 * n), sigma * sigma, 5 * sigma * sigma * sqrt(2.0 / (2.0 * n)));
    float x[2], tg[2];
    int32_t lab[2];
    int64_t cl;
    double p, tot = 0;
    const double want[3] = { small, 0.5 - small, 0.5 };
    for (int64_t i = 0; i < 3; i++) {
        CHECK_OK(specl_source_support(src, i, x, lab, tg, &cl, &p));
        tot += p;
        CHECK(x[0] == mu[i][0] && x[1] == mu[i][1] && cl == (i == 2));
        CHECK_NEAR(p, want[i], 1e-15);
        CHECK(tg[0] == x[0] && tg[1] == (i == 0 ? 1.0f : -1.0f));
    }
    CHECK_NEAR(tot, 1.0, 1e-15);
    deterministic_(src);
    specl_batch_free(&b);
    specl_source_free(src);
}

TEST(grid_errors) {
    struct { specl_grid_params p; const char *key; } cases[] = {
        { { 1, 0, 0.5, 0, "" }, "data.d = 1" },
        { { 3, 1, 0.5, 0.1, "" }, "data.d = 3: expected d = 2 for the toy" },
        { { 4, 0, -0.1, 0, "" }, "data.sigma" },
        { { 4, 0, NAN, 0, "" }, "data.sigma" },
        { { 4, 0, INFINITY, 0, "" }, "data.sigma" },
        { { 2, 1, 0.5, 0, "" }, "data.small" },
        { { 2, 1, 0.5, 0.5, "" }, "data.small" },
        { { 2, 1, 0.5, 0.7, "" }, "data.small" },
        { { 2, 1, 0.5, NAN, "" }, "data.small" },
        { { 4, 0, 0.5, 0, "side" }, "data.labels: unknown labelling 'side' for the grid" },
        { { 2, 1, 0.5, 0.1, "axis1" }, "data.labels: unknown labelling 'axis1' for the toy" },
        { { 4, 0, 0.5, 0, "axis1,foo" }, "data.labels: unknown labelling 'foo'" },
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        specl_source *src = (specl_source *)1;
        int st = specl_grid_new(&cases[c].p, &src);
        expect_einval_(st, src, cases[c].key, cases[c].key);
        if (st == SPECL_OK) specl_source_free(src);
    }
    specl_source *src = gr_(2, 0, 0.0, 7.0, "axis2");   /* σ = 0 valid; `small` ignored by the grid */
    if (src) { CHECK(src->n_support == 4); specl_source_free(src); }
}

RUN_TESTS(
    RUN(manifolds_geometry);
    RUN(manifolds_masses);
    RUN(manifolds_support);
    RUN(manifolds_moments_vs_monte_carlo);
    RUN(manifolds_errors);
    RUN(patch_pairs_structure);
    RUN(patch_locations);
    RUN(patch_label_maps);
    RUN(patch_moments_vs_monte_carlo);
    RUN(patch_errors);
    RUN(grid_pairs_structure);
    RUN(grid_support);
    RUN(grid_moments_vs_monte_carlo);
    RUN(toy_structure);
    RUN(grid_errors)
)
