/* The claim records' statistics and the registry: Wilson and t intervals against values computed
 * by hand from their formulas, findings in the JSON record, lookups by (id, part) with their
 * errors, and a negative-control name the claim does not accept. */
#include <stdlib.h>
#include <string.h>
#include "specl/experiments.h"
#include "check.h"

TEST(wilson_known_values) {
    double lo, hi;
    specl_wilson95(8, 10, &lo, &hi);       /* p = 0.8, z = 1.96: centre 0.71675, half-width 0.22658 */
    CHECK_NEAR(lo, 0.49016, 1e-4);
    CHECK_NEAR(hi, 0.94333, 1e-4);
    specl_wilson95(0, 30, &lo, &hi);       /* no successes: [0, z²/(n + z²)] */
    CHECK_NEAR(lo, 0.0, 1e-12);
    CHECK_NEAR(hi, 3.8414588 / (30 + 3.8414588), 1e-6);
    specl_wilson95(30, 30, &lo, &hi);
    CHECK_NEAR(hi, 1.0, 1e-12);
    CHECK_NEAR(lo, 30 / (30 + 3.8414588), 1e-6);
}

TEST(mean_ci_known_values) {
    const double v[5] = { 1, 2, 3, 4, 5 };
    double m, lo, hi;
    specl_mean_ci95(v, 5, &m, &lo, &hi);   /* sd √2.5, se 0.70711, t(4) = 2.7764 */
    CHECK_NEAR(m, 3, 1e-12);
    CHECK_NEAR(hi - m, 2.7764 * sqrt(2.5 / 5), 1e-4);
    CHECK_NEAR(m - lo, hi - m, 1e-12);
    double w[60];
    for (int i = 0; i < 60; i++) w[i] = i % 2;   /* sd of 0/1 alternating: √(60/236) */
    specl_mean_ci95(w, 60, &m, &lo, &hi);
    CHECK_NEAR(hi - m, 2.0010 * sqrt(15.0 / 59 / 60), 2e-4);   /* t(59) = 2.0010 */
    specl_mean_ci95(v, 1, &m, &lo, &hi);
    CHECK(lo == 1 && hi == 1 && m == 1);
}

TEST(findings_in_the_record) {
    specl_claim c = { 0 };
    snprintf(c.id, sizeof c.id, "C07");
    specl_claim_finding_rate(&c, "random init", "reaches the minimizer", 27, 30);
    const double v[3] = { 0.1, 0.2, 0.3 };
    specl_claim_finding_values(&c, "error", "error when not", v, 3);
    cJSON *o = specl_claim_to_json(&c);
    cJSON *f = cJSON_GetObjectItem(o, "findings");
    CHECK(cJSON_GetArraySize(f) == 2);
    cJSON *r = cJSON_GetArrayItem(f, 0), *ci = cJSON_GetObjectItem(r, "ci95");
    CHECK(cJSON_GetObjectItem(r, "count")->valueint == 27 && cJSON_GetObjectItem(r, "n")->valueint == 30);
    CHECK(cJSON_GetArrayItem(ci, 0)->valuedouble < 0.9 && cJSON_GetArrayItem(ci, 1)->valuedouble > 0.9);
    CHECK_NEAR(cJSON_GetObjectItem(cJSON_GetArrayItem(f, 1), "mean")->valuedouble, 0.2, 1e-12);
    cJSON_Delete(o);
    specl_claim none = { 0 };
    o = specl_claim_to_json(&none);        /* no findings: an empty array, never absent */
    CHECK(cJSON_IsArray(cJSON_GetObjectItem(o, "findings")) && cJSON_GetArraySize(cJSON_GetObjectItem(o, "findings")) == 0);
    cJSON_Delete(o);
}

TEST(registry_lookup) {
    int n;
    const specl_claim_def *d = specl_claim_defs(&n), *f;
    CHECK(n >= 17);
    for (int i = 0; i < n; i++) {          /* every row complete; every id of CLAIMS.md present */
        CHECK(d[i].run && *d[i].source && *d[i].statement && *d[i].file && *d[i].negative);
        CHECK(!strncmp(d[i].file, "src/experiments/", 16));
    }
    for (int i = 1; i <= 17; i++) {
        char id[8];
        snprintf(id, sizeof id, "C%02d", i);
        int rows = 0;
        for (int j = 0; j < n; j++) rows += !strcmp(d[j].id, id);
        CHECK(rows >= 1);
    }
    CHECK_OK(specl_claim_find("C07", "", &f));
    CHECK(f && !strcmp(f->id, "C07"));
    CHECK_OK(specl_claim_find("c03", "table", &f));
    CHECK(f->kind == SPECL_CLAIM_GRAPH);
    CHECK_OK(specl_claim_find("C03", "linear", &f));
    CHECK(f->kind == SPECL_CLAIM_HYPERCUBE);
    CHECK(specl_claim_find("C03", "", &f) == SPECL_EINVAL && strstr(specl_error_detail(), "table"));
    CHECK(specl_claim_find("C07", "table", &f) == SPECL_EINVAL && strstr(specl_error_detail(), "one procedure"));
    CHECK(specl_claim_find("C99", "", &f) == SPECL_EINVAL && strstr(specl_error_detail(), "C99"));
}

TEST(unknown_control_rejected) {
    const specl_claim_def *f;
    CHECK_OK(specl_claim_find("C07", "", &f));
    specl_claim_args a = { f, "no-such-control", NULL, NULL, NULL, NULL, 0, NULL, NULL };
    specl_claim c;
    CHECK(specl_claim_run(&a, &c) == SPECL_EINVAL && strstr(specl_error_detail(), "remove-unit"));
    a.control = "none";                    /* accepted, then the missing spec is the error */
    CHECK(specl_claim_run(&a, &c) == SPECL_EINVAL && strstr(specl_error_detail(), "no hypercube spec"));
    specl_claim_clear(&c);
}

RUN_TESTS(RUN(wilson_known_values); RUN(mean_ci_known_values); RUN(findings_in_the_record); RUN(registry_lookup);
          RUN(unknown_control_rejected))
