/* The claim record: its JSON, its findings (counts and rates with Wilson intervals, means with
 * t intervals) and the figure specs of report.h built from measured arrays. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "specl/experiments.h"

cJSON *specl_claim_to_json(const specl_claim *c) {
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "id", c->id);
    cJSON_AddStringToObject(o, "source", c->source);
    cJSON_AddStringToObject(o, "setting", c->setting);
    cJSON_AddStringToObject(o, "predicted", c->predicted);
    cJSON_AddStringToObject(o, "measured", c->measured);
    cJSON_AddBoolToObject(o, "holds", c->holds);
    cJSON_AddStringToObject(o, "statement", c->statement);
    cJSON_AddItemToObject(o, "findings", c->findings ? c->findings : cJSON_CreateArray());
    if (c->details) cJSON_AddItemToObject(o, "details", c->details);
    if (c->figures) cJSON_AddItemToObject(o, "figures", c->figures);
    return o;
}

cJSON *specl_fig_new(specl_claim *c, const char *name, const char *title, const char *xlabel, const char *ylabel) {
    if (!c->figures) c->figures = cJSON_CreateArray();
    cJSON *f = cJSON_CreateObject();
    cJSON_AddStringToObject(f, "name", name);
    cJSON_AddStringToObject(f, "title", title);
    cJSON_AddStringToObject(f, "xlabel", xlabel);
    cJSON_AddStringToObject(f, "ylabel", ylabel);
    cJSON_AddArrayToObject(f, "series");
    cJSON_AddItemToArray(c->figures, f);
    return f;
}

void specl_fig_series(cJSON *fig, const char *label, const double *x, const double *y, int n, const char *style) {
    cJSON *s = cJSON_CreateObject();
    cJSON_AddStringToObject(s, "label", label);
    cJSON_AddItemToObject(s, "x", cJSON_CreateDoubleArray(x, n));
    cJSON_AddItemToObject(s, "y", cJSON_CreateDoubleArray(y, n));
    cJSON_AddStringToObject(s, "style", style);
    cJSON_AddItemToArray(cJSON_GetObjectItem(fig, "series"), s);
}

void specl_fig_hline(cJSON *fig, const char *label, double y) {
    cJSON *h = cJSON_GetObjectItem(fig, "hlines");
    if (!h) h = cJSON_AddArrayToObject(fig, "hlines");
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "label", label);
    cJSON_AddNumberToObject(o, "y", y);
    cJSON_AddItemToArray(h, o);
}

void specl_fig_log(cJSON *fig, int logx, int logy) {
    cJSON_AddBoolToObject(fig, "logx", logx);
    cJSON_AddBoolToObject(fig, "logy", logy);
}

cJSON *specl_fig_heatmap(specl_claim *c, const char *name, const char *title, const char *xlabel, const char *ylabel,
                         const double *x, int nx, const double *y, int ny, const double *z) {
    cJSON *f = specl_fig_new(c, name, title, xlabel, ylabel);
    cJSON_AddStringToObject(f, "kind", "heatmap");
    cJSON *g = cJSON_AddObjectToObject(f, "grid");
    cJSON_AddItemToObject(g, "x", cJSON_CreateDoubleArray(x, nx));
    cJSON_AddItemToObject(g, "y", cJSON_CreateDoubleArray(y, ny));
    cJSON *zz = cJSON_AddArrayToObject(g, "z");
    for (int i = 0; i < ny; i++) cJSON_AddItemToArray(zz, cJSON_CreateDoubleArray(z + (size_t)i * nx, nx));
    return f;
}

void specl_claim_clear(specl_claim *c) {
    cJSON_Delete(c->details);
    cJSON_Delete(c->figures);
    cJSON_Delete(c->findings);
    c->details = c->figures = c->findings = NULL;
}

void specl_wilson95(int count, int n, double *lo, double *hi) {
    const double z = 1.959963984540054;
    if (n < 1) { *lo = 0; *hi = 1; return; }
    double p = (double)count / n, z2 = z * z / n, centre = (p + z2 / 2) / (1 + z2);
    double half = z / (1 + z2) * sqrt(p * (1 - p) / n + z * z / (4.0 * n * n));
    *lo = fmax(0.0, centre - half);
    *hi = fmin(1.0, centre + half);
}

/* Two-sided 97.5% quantile of Student's t with df degrees of freedom (df ≥ 1): the table to 30,
 * then the Cornish-Fisher expansion, within 1e-4 there. */
static double t975_(int df) {
    static const double t[31] = { 0, 12.7062, 4.3027, 3.1824, 2.7764, 2.5706, 2.4469, 2.3646, 2.3060, 2.2622, 2.2281,
                                  2.2010, 2.1788, 2.1604, 2.1448, 2.1314, 2.1199, 2.1098, 2.1009, 2.0930, 2.0860,
                                  2.0796, 2.0739, 2.0687, 2.0639, 2.0595, 2.0555, 2.0518, 2.0484, 2.0452, 2.0423 };
    if (df <= 30) return t[df < 1 ? 1 : df];
    double z = 1.959963984540054, g1 = (z * z * z + z) / 4, g2 = (5 * pow(z, 5) + 16 * z * z * z + 3 * z) / 96;
    return z + g1 / df + g2 / ((double)df * df);
}

void specl_mean_ci95(const double *v, int n, double *mean, double *lo, double *hi) {
    double s = 0, ss = 0;
    for (int i = 0; i < n; i++) s += v[i];
    *mean = n > 0 ? s / n : NAN;
    if (n < 2) { *lo = *hi = *mean; return; }
    for (int i = 0; i < n; i++) ss += (v[i] - *mean) * (v[i] - *mean);
    double half = t975_(n - 1) * sqrt(ss / (n - 1) / n);
    *lo = *mean - half;
    *hi = *mean + half;
}

static cJSON *finding_(specl_claim *c, const char *name, const char *statement, const char *kind) {
    if (!c->findings) c->findings = cJSON_CreateArray();
    cJSON *f = cJSON_CreateObject();
    cJSON_AddStringToObject(f, "name", name);
    cJSON_AddStringToObject(f, "statement", statement);
    cJSON_AddStringToObject(f, "kind", kind);
    cJSON_AddItemToArray(c->findings, f);
    return f;
}

static void ci_(cJSON *f, double lo, double hi) {
    cJSON *ci = cJSON_AddArrayToObject(f, "ci95");
    cJSON_AddItemToArray(ci, cJSON_CreateNumber(lo));
    cJSON_AddItemToArray(ci, cJSON_CreateNumber(hi));
}

cJSON *specl_claim_finding_rate(specl_claim *c, const char *name, const char *statement, int count, int n) {
    cJSON *f = finding_(c, name, statement, "rate");
    double lo, hi;
    specl_wilson95(count, n, &lo, &hi);
    cJSON_AddNumberToObject(f, "count", count);
    cJSON_AddNumberToObject(f, "n", n);
    cJSON_AddNumberToObject(f, "rate", n > 0 ? (double)count / n : 0);
    ci_(f, lo, hi);
    return f;
}

cJSON *specl_claim_finding_values(specl_claim *c, const char *name, const char *statement, const double *v, int n) {
    cJSON *f = finding_(c, name, statement, "mean");
    double mean, lo, hi;
    specl_mean_ci95(v, n, &mean, &lo, &hi);
    cJSON_AddNumberToObject(f, "n", n);
    if (isfinite(mean)) cJSON_AddNumberToObject(f, "mean", mean); else cJSON_AddNullToObject(f, "mean");
    if (isfinite(lo) && isfinite(hi)) ci_(f, lo, hi); else cJSON_AddNullToObject(f, "ci95");
    cJSON *vals = cJSON_AddArrayToObject(f, "values");
    for (int i = 0; i < n; i++) cJSON_AddItemToArray(vals, isfinite(v[i]) ? cJSON_CreateNumber(v[i]) : cJSON_CreateNull());
    return f;
}
