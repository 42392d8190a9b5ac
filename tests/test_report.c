/* The report module on hand-built claim records: a line figure (two series, an hline, a vline,
 * logy) and a heatmap with a series over it. Checks the files a reader gets (CSV numbers, a
 * script that reads the CSV, a complete SVG drawn by gnuplot, escaped HTML without external
 * URLs, the Markdown table), that invalid specs and a missing gnuplot are reported in the pages
 * and in the status while everything else is still written, and that texts reach gnuplot and
 * HTML literally. */
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "specl/base.h"
#include "specl/report.h"
#include "check.h"

static int rm_(const char *p, const struct stat *sb, int flag, struct FTW *f) { (void)sb; (void)flag; (void)f; return remove(p); }
static void rmtree_(const char *dir) { nftw(dir, rm_, 16, FTW_DEPTH | FTW_PHYS); }

static char *slurp_(const char *dir, const char *name) {
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    char *t = NULL;
    if (specl_read_file(path, &t, NULL)) return NULL;
    return t;
}

static int exists_(const char *dir, const char *name) {
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return access(path, F_OK) == 0;
}

static cJSON *claim_(cJSON *claims, const char *id, int holds, const char *measured) {
    cJSON *c = cJSON_CreateObject();
    cJSON_AddStringToObject(c, "id", id);
    cJSON_AddStringToObject(c, "source", "Thm 5.3 upper");
    cJSON_AddStringToObject(c, "setting", "d = 20, s = 5, k | s");
    cJSON_AddStringToObject(c, "predicted", "error <= 1e-3");
    cJSON_AddStringToObject(c, "measured", measured);
    cJSON_AddBoolToObject(c, "holds", holds);
    cJSON_AddItemToArray(claims, c);
    return cJSON_AddArrayToObject(c, "figures");
}

static void series_(cJSON *fig, const char *label, const double *x, const double *y, int n, const char *style) {
    cJSON *ser = cJSON_GetObjectItem(fig, "series");
    if (!ser) ser = cJSON_AddArrayToObject(fig, "series");
    cJSON *s = cJSON_CreateObject();
    cJSON_AddStringToObject(s, "label", label);
    cJSON_AddItemToObject(s, "x", cJSON_CreateDoubleArray(x, n));
    cJSON_AddItemToObject(s, "y", cJSON_CreateDoubleArray(y, n));
    if (style) cJSON_AddStringToObject(s, "style", style);
    cJSON_AddItemToArray(ser, s);
}

static void line_fig_(cJSON *figs) {
    cJSON *f = cJSON_CreateObject();
    cJSON_AddStringToObject(f, "name", "c04-error-vs-k");
    cJSON_AddStringToObject(f, "title", "probe error of x_1 vs k, it's \"quoted\"");
    cJSON_AddStringToObject(f, "xlabel", "k");
    cJSON_AddStringToObject(f, "ylabel", "error");
    cJSON_AddBoolToObject(f, "logy", 1);
    double x[] = { 1, 2, 3, 4 }, y1[] = { 0.8, 0.6, 0.4, 0.000123 }, y2[] = { 0.75, 0.5, 0.25, 0.001 };
    series_(f, "λ = 1", x, y1, 4, "linespoints");
    series_(f, "λ = 10", x, y2, 4, "steps");
    cJSON *h = cJSON_AddArrayToObject(f, "hlines"), *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "label", "Thm 5.9 bound");
    cJSON_AddNumberToObject(o, "y", 0.3);
    cJSON_AddItemToArray(h, o);
    cJSON *v = cJSON_AddArrayToObject(f, "vlines");
    o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "label", "k = s");
    cJSON_AddNumberToObject(o, "x", 3);
    cJSON_AddItemToArray(v, o);
    cJSON_AddItemToArray(figs, f);
}

static void heatmap_fig_(cJSON *figs) {
    cJSON *f = cJSON_CreateObject();
    cJSON_AddStringToObject(f, "name", "c13-error-map");
    cJSON_AddStringToObject(f, "kind", "heatmap");
    cJSON_AddStringToObject(f, "title", "error over (λ, k)");
    cJSON_AddStringToObject(f, "xlabel", "λ");
    cJSON_AddStringToObject(f, "ylabel", "k");
    cJSON_AddStringToObject(f, "zlabel", "error");
    cJSON_AddBoolToObject(f, "logx", 1);
    cJSON *g = cJSON_AddObjectToObject(f, "grid");
    double gx[] = { 0.1, 1, 10 }, gy[] = { 1, 2 }, r0[] = { 0.5, 0.25, 0.125 }, r1[] = { 0.0625, 0.03125, 0.015625 };
    cJSON_AddItemToObject(g, "x", cJSON_CreateDoubleArray(gx, 3));
    cJSON_AddItemToObject(g, "y", cJSON_CreateDoubleArray(gy, 2));
    cJSON *z = cJSON_AddArrayToObject(g, "z");
    cJSON_AddItemToArray(z, cJSON_CreateDoubleArray(r0, 3));
    cJSON_AddItemToArray(z, cJSON_CreateDoubleArray(r1, 3));
    cJSON_ReplaceItemInArray(cJSON_GetArrayItem(z, 1), 1, cJSON_CreateNull());   /* an empty cell */
    double px[] = { 1 }, py[] = { 1.5 };
    series_(f, "optimum", px, py, 1, NULL);
    cJSON_AddItemToArray(figs, f);
}

static cJSON *results_(void) {
    cJSON *r = cJSON_CreateObject(), *claims = cJSON_AddArrayToObject(r, "claims");
    line_fig_(claim_(claims, "C04", 1, "max error 1.2e-4"));
    heatmap_fig_(claim_(claims, "C13", 0, "error <b>0.3</b> & more"));
    cJSON_AddStringToObject(cJSON_AddObjectToObject(r, "settings"), "C04", "seed = 1\n[data]\nd = 20\n");
    cJSON_AddStringToObject(cJSON_AddObjectToObject(r, "versions"), "specl", "0.1.0");
    return r;
}

static char *tmpdir_(void) {
    char *d = strdup("/tmp/specl_test_report_XXXXXX");
    return mkdtemp(d) ? d : NULL;
}

TEST(test_report_files) {
    cJSON *r = results_();
    char *d = tmpdir_();
    CHECK(d != NULL);
    CHECK_OK(specl_report_write(r, d));
    char *csv = slurp_(d, "fig/c04-error-vs-k.csv"), *gp = slurp_(d, "fig/c04-error-vs-k.gp"), *svg = slurp_(d, "fig/c04-error-vs-k.svg");
    CHECK(csv && gp && svg);
    if (csv && gp && svg) {
        CHECK(!strncmp(csv, "\"k\",\"λ = 1\",\"λ = 10\"\n1,0.8,0.75\n", 33));   /* shared x: x, y1, y2 */
        CHECK(strstr(csv, "4,0.000123,0.001\n") != NULL);
        CHECK(strstr(gp, "'c04-error-vs-k.csv' skip 1 using 1:2 with linespoints") != NULL);
        CHECK(strstr(gp, "using 1:3 with steps") != NULL);
        CHECK(strstr(gp, "set terminal svg size 720,480 dynamic enhanced font \"sans,12\"") != NULL);
        CHECK(strstr(gp, "set logscale y\n") != NULL && strstr(gp, "set logscale x") == NULL);
        CHECK(strstr(gp, "0.3 with lines") != NULL && strstr(gp, "'Thm 5.9 bound'") != NULL);
        CHECK(strstr(gp, "set arrow 1 from 3, graph 0 to 3, graph 1") != NULL);
        CHECK(strstr(gp, "'probe error of x\\_1 vs k, it''s \"quoted\"'") != NULL);   /* literal in enhanced text */
        CHECK(!strncmp(svg, "<?xml", 5) || !strncmp(svg, "<svg", 4));
        CHECK(strstr(svg, "</svg>") != NULL && strlen(svg) > 1000);
        CHECK(strstr(svg, "x_1 vs k") != NULL);
    }
    free(csv); free(gp); free(svg);
    csv = slurp_(d, "fig/c13-error-map.csv"); gp = slurp_(d, "fig/c13-error-map.gp"); svg = slurp_(d, "fig/c13-error-map.svg");
    CHECK(csv && gp && svg);
    if (csv && gp && svg) {
        CHECK(!strncmp(csv, "\"x\",\"y\",\"z\",\"x_lo\",\"x_hi\",\"y_lo\",\"y_hi\",\"optimum x\",\"optimum y\"\n", 64));
        CHECK(strstr(csv, "\n1,1,0.25,0.316227766016838,3.1622776601683795,0.5,1.5,,\n") != NULL);   /* geometric edges on logx */
        CHECK(strstr(csv, "\n1,2,,") != NULL);                                                       /* null: empty cell */
        CHECK(strstr(csv, "\n0.1,1,0.5,0.0316227766016838,0.316227766016838,0.5,1.5,1,1.5\n") != NULL);
        CHECK(strstr(gp, "using 1:2:4:5:6:7:3 with boxxyerror") != NULL && strstr(gp, "using 8:9 with points") != NULL);
        CHECK(strstr(gp, "set logscale x\n") != NULL && strstr(gp, "set cblabel 'error'") != NULL);
        CHECK(strstr(svg, "</svg>") != NULL);
    }
    free(csv); free(gp); free(svg);
    rmtree_(d);
    free(d);
    cJSON_Delete(r);
}

TEST(test_report_pages) {
    cJSON *r = results_();
    char *d = tmpdir_();
    CHECK_OK(specl_report_write(r, d));
    char *html = slurp_(d, "index.html"), *md = slurp_(d, "report.md");
    CHECK(html && md);
    if (html && md) {
        CHECK(strstr(html, "error &lt;b&gt;0.3&lt;/b&gt; &amp; more") != NULL);
        CHECK(strstr(html, "<b>") == NULL);
        CHECK(strstr(html, "http://") == NULL && strstr(html, "https://") == NULL && strstr(html, "<script") == NULL);
        CHECK(strstr(html, "1 of 2 claims hold") != NULL);
        CHECK(strstr(html, "<img src=\"fig/c04-error-vs-k.svg\"") != NULL && strstr(html, "<img src=\"fig/c13-error-map.svg\"") != NULL);
        CHECK(strstr(html, "href=\"fig/c13-error-map.gp\"") != NULL && strstr(html, "href=\"fig/c13-error-map.csv\"") != NULL);
        CHECK(strstr(html, "it&#39;s &quot;quoted&quot;") != NULL);
        CHECK(strstr(html, "<tr class=\"hold\">") != NULL && strstr(html, "<tr class=\"fail\">") != NULL);
        CHECK(strstr(html, "<details>") != NULL && strstr(html, "[data]\nd = 20") != NULL);
        CHECK(strstr(html, "results.json") == NULL);   /* not in the directory: not linked */
        CHECK(strstr(md, "| C04 | Thm 5.3 upper | yes |") != NULL && strstr(md, "| C13 | Thm 5.3 upper | **no** |") != NULL);
        CHECK(strstr(md, "error \\<b>0.3\\</b> & more") != NULL);
        CHECK(strstr(md, "](fig/c04-error-vs-k.svg)") != NULL && strstr(md, "![error over (λ, k)](fig/c13-error-map.svg)") != NULL);
    }
    free(html); free(md);
    rmtree_(d);
    free(d);
    cJSON_Delete(r);
}

/* Invalid specs: reported (status and pages), the valid figure is still drawn. */
TEST(test_report_invalid) {
    cJSON *r = results_();
    cJSON *figs = cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(r, "claims"), 0), "figures");
    cJSON *bad = cJSON_Duplicate(cJSON_GetArrayItem(figs, 0), 1);   /* same name: duplicate */
    cJSON_AddItemToArray(figs, bad);
    cJSON *bad2 = cJSON_CreateObject();
    cJSON_AddStringToObject(bad2, "name", "../Evil name");
    cJSON_AddItemToArray(figs, bad2);
    char *d = tmpdir_();
    int st = specl_report_write(r, d);
    CHECK(st == SPECL_EINVAL);
    CHECK(strstr(specl_error_detail(), "used twice") != NULL);
    char *html = slurp_(d, "index.html");
    CHECK(html && strstr(html, "not drawn") && strstr(html, "used twice") && strstr(html, "[a-z0-9-]"));
    CHECK(exists_(d, "fig/c04-error-vs-k.svg") && exists_(d, "fig/c13-error-map.svg") && exists_(d, "report.md"));
    free(html);
    cJSON *s = cJSON_CreateObject();
    cJSON_AddStringToObject(s, "name", "x");
    series_(s, "a", (double[]){ 1, 2 }, (double[]){ 1, 2 }, 2, "bars");
    CHECK(specl_report_figure_check(s) == SPECL_EINVAL && strstr(specl_error_detail(), "style 'bars'"));
    cJSON_ReplaceItemInObject(cJSON_GetArrayItem(cJSON_GetObjectItem(s, "series"), 0), "style", cJSON_CreateString("lines"));
    CHECK_OK(specl_report_figure_check(s));
    cJSON_DeleteItemFromArray(cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(s, "series"), 0), "y"), 0);
    CHECK(specl_report_figure_check(s) == SPECL_EINVAL && strstr(specl_error_detail(), "2 x and 1 y"));
    cJSON_Delete(s);
    rmtree_(d);
    free(d);
    cJSON_Delete(r);
}

/* fig/ cannot be created (a file is in the way): SPECL_EIO, the pages still say why. */
TEST(test_report_fig_dir_blocked) {
    cJSON *r = results_();
    char *d = tmpdir_(), path[512];
    snprintf(path, sizeof path, "%s/fig", d);
    CHECK_OK(specl_write_file_atomic(path, "x", 1));
    CHECK(specl_report_write(r, d) == SPECL_EIO && strstr(specl_error_detail(), "fig"));
    char *html = slurp_(d, "index.html");
    CHECK(html && strstr(html, "not a directory") && strstr(html, "<figcaption>probe error of x_1") && !strstr(html, "<img"));
    free(html);
    rmtree_(d);
    free(d);
    cJSON_Delete(r);
}

/* No gnuplot on PATH: SPECL_EIO with the install hint; data, scripts and pages are written. */
TEST(test_report_no_gnuplot) {
    cJSON *r = results_();
    char *d = tmpdir_(), *old = getenv("PATH") ? strdup(getenv("PATH")) : NULL;
    setenv("PATH", d, 1);
    int st = specl_report_write(r, d);
    if (old) setenv("PATH", old, 1);
    CHECK(st == SPECL_EIO);
    CHECK(strstr(specl_error_detail(), "gnuplot not found: install gnuplot-nox (scripts/setup-deps.sh does)") != NULL);
    CHECK(exists_(d, "fig/c04-error-vs-k.csv") && exists_(d, "fig/c04-error-vs-k.gp") && !exists_(d, "fig/c04-error-vs-k.svg"));
    char *html = slurp_(d, "index.html");
    CHECK(html && strstr(html, "gnuplot not found") && !strstr(html, "<img"));
    free(html);
    free(old);
    rmtree_(d);
    free(d);
    cJSON_Delete(r);
}

/* A script gnuplot rejects: SPECL_EIO naming gnuplot's message, no SVG left. */
TEST(test_report_gnuplot_error) {
    cJSON *f = cJSON_CreateObject();
    cJSON_AddStringToObject(f, "name", "neg-on-log");
    cJSON_AddBoolToObject(f, "logy", 1);
    series_(f, "a", (double[]){ 1, 2 }, (double[]){ -1, -2 }, 2, "lines");
    char *d = tmpdir_();
    int st = specl_report_figure_write(f, d);
    CHECK(st == SPECL_EIO && strstr(specl_error_detail(), "gnuplot failed") && strstr(specl_error_detail(), "undefined"));
    CHECK(exists_(d, "neg-on-log.gp") && !exists_(d, "neg-on-log.svg"));
    rmtree_(d);
    free(d);
    cJSON_Delete(f);
}

RUN_TESTS(RUN(test_report_files); RUN(test_report_pages); RUN(test_report_invalid); RUN(test_report_fig_dir_blocked);
          RUN(test_report_no_gnuplot);
          RUN(test_report_gnuplot_error))
