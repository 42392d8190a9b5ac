/* The two pages of the report, report.md and index.html, rendered from the claim records.
 *
 * index.html is one self-contained file: inline CSS, no JavaScript, no fonts or scripts from a
 * network, only relative links to files of the report directory (fig/<name>.svg, .gp, .csv and
 * results.json), so it opens from a laptop, a tarball or a CI artifact alike. Every text of a
 * record is escaped; nothing is typed by hand except the headings. A figure that could not be
 * drawn is named with the reason in place of its picture, so a failure is never silent. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "report_int.h"

static const char CSS_[] =
    "body{font:15px/1.5 system-ui,-apple-system,'Segoe UI',Roboto,'Helvetica Neue',Arial,sans-serif;"
    "margin:0 auto;max-width:1100px;padding:1.5rem;color:#1f2328;background:#fff}\n"
    "h1{margin:.2rem 0}h2{margin-top:2.5rem;border-bottom:1px solid #d0d7de;padding-bottom:.3rem}\n"
    ".summary{font-size:1.2rem}.summary strong.all{color:#116329}.summary strong.some{color:#a40e26}\n"
    "table{border-collapse:collapse;width:100%;margin:1rem 0}\n"
    "th,td{border:1px solid #d0d7de;padding:.35rem .5rem;text-align:left;vertical-align:top}\n"
    "th{background:#f6f8fa}td.holds{font-weight:600;white-space:nowrap}\n"
    "tr.hold td.holds,.badge.hold{color:#116329;background:#dafbe1}\n"
    "tr.fail td.holds,.badge.fail{color:#a40e26;background:#ffebe9}\n"
    ".badge{padding:.1rem .6rem;border-radius:1rem;font-size:.85rem;vertical-align:middle}\n"
    ".src{color:#59636e;font-weight:normal;font-size:1rem}\n"
    "dl{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1rem}dt{font-weight:600;color:#59636e}dd{margin:0}\n"
    "figure{margin:1.2rem 0}img{max-width:100%;height:auto;border:1px solid #d0d7de;background:#fff}\n"
    "figcaption{color:#59636e;font-size:.9rem}.figerr{color:#a40e26}\n"
    "pre{background:#f6f8fa;padding:.6rem;overflow:auto;font-size:.85rem;white-space:pre-wrap}\n"
    "details{margin:.6rem 0}summary{cursor:pointer}footer{margin-top:3rem;color:#59636e;font-size:.9rem}\n";

/* One finding as text: "rate 27/30 = 0.9 (95% CI 0.74-0.97, Wilson)" or "mean 0.31 over 30 (95% CI 0.29-0.33, t)". */
static void finding_text_(char *buf, size_t n, const cJSON *f) {
    const cJSON *ci = cJSON_GetObjectItemCaseSensitive(f, "ci95");
    double lo = NAN, hi = NAN;
    if (cJSON_GetArraySize(ci) == 2) { lo = cJSON_GetArrayItem(ci, 0)->valuedouble; hi = cJSON_GetArrayItem(ci, 1)->valuedouble; }
    const cJSON *cnt = cJSON_GetObjectItemCaseSensitive(f, "count"), *nn = cJSON_GetObjectItemCaseSensitive(f, "n");
    const cJSON *mean = cJSON_GetObjectItemCaseSensitive(f, "mean");
    if (cJSON_IsNumber(cnt))
        snprintf(buf, n, "%d of %d = %.3g (95%% CI %.3g to %.3g, Wilson)", cnt->valueint, nn ? nn->valueint : 0,
                 nn && nn->valueint ? (double)cnt->valueint / nn->valueint : 0.0, lo, hi);
    else if (cJSON_IsNumber(mean))
        snprintf(buf, n, "mean %.4g over %d (95%% CI %.4g to %.4g, t)", mean->valuedouble, nn ? nn->valueint : 0, lo, hi);
    else snprintf(buf, n, "no value");
}

static int holds_(const cJSON *claim) { return cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(claim, "holds")); }

static int count_holds_(const cJSON *claims) {
    int n = 0;
    const cJSON *c;
    cJSON_ArrayForEach(c, claims) n += holds_(c);
    return n;
}

/* ---- report.md ---- */

static void md_figures_(specl_rep_buf *b, const cJSON *claims, const specl_rep_fig *figs, int nf) {
    if (nf == 0) return;
    specl_rep_puts(b, "\n## Figures\n");
    const cJSON *c;
    int i = 0, k = 0;
    cJSON_ArrayForEach(c, claims) {
        if (k < nf && figs[k].claim == i) {
            specl_rep_puts(b, "\n### ");
            specl_rep_md(b, specl_rep_str(c, "id"));
            specl_rep_puts(b, " — ");
            specl_rep_md(b, specl_rep_str(c, "source"));
            specl_rep_puts(b, "\n");
        }
        for (; k < nf && figs[k].claim == i; k++) {
            const specl_rep_fig *f = &figs[k];
            specl_rep_puts(b, "\n");
            if (f->drawn) {
                specl_rep_puts(b, "![");
                specl_rep_md(b, f->title);
                specl_rep_printf(b, "](fig/%s.svg)\n\n", f->name);
            } else {
                specl_rep_printf(b, "*Figure %s not drawn: ", *f->name ? f->name : "(unnamed)");
                specl_rep_md(b, f->err);
                specl_rep_puts(b, "*\n\n");
            }
            if (f->written) specl_rep_printf(b, "[gnuplot script](fig/%s.gp) · [data](fig/%s.csv)\n", f->name, f->name);
        }
        i++;
    }
}

char *specl_rep_markdown(const cJSON *results, const specl_rep_fig *figs, int n_figs, int *st) {
    const cJSON *claims = cJSON_GetObjectItemCaseSensitive(results, "claims"), *c;
    const char *ver = specl_rep_str(cJSON_GetObjectItemCaseSensitive(results, "versions"), "specl");
    specl_rep_buf b = { 0 };
    specl_rep_printf(&b, "# specl reproduce\n\n%d of %d claims hold", count_holds_(claims), cJSON_GetArraySize(claims));
    if (*ver) { specl_rep_puts(&b, " (specl "); specl_rep_md(&b, ver); specl_rep_puts(&b, ")"); }
    specl_rep_puts(&b, ".\n\n| id | source | holds | predicted | measured | setting |\n|---|---|---|---|---|---|\n");
    cJSON_ArrayForEach(c, claims) {
        static const char *const keys[] = { "id", "source", NULL, "predicted", "measured", "setting" };
        for (int k = 0; k < 6; k++) {
            specl_rep_puts(&b, "| ");
            if (keys[k]) specl_rep_md(&b, specl_rep_str(c, keys[k]));
            else specl_rep_puts(&b, holds_(c) ? "yes" : "**no**");
            specl_rep_puts(&b, " ");
        }
        specl_rep_puts(&b, "|\n");
    }
    int nf = 0;
    cJSON_ArrayForEach(c, claims) nf += cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(c, "findings"));
    if (nf) {
        specl_rep_puts(&b, "\n## Findings\n\nMeasured, not predicted: they never decide holds.\n\n| claim | finding | measured | statement |\n|---|---|---|---|\n");
        cJSON_ArrayForEach(c, claims) {
            const cJSON *f;
            cJSON_ArrayForEach(f, cJSON_GetObjectItemCaseSensitive(c, "findings")) {
                char t[256];
                finding_text_(t, sizeof t, f);
                specl_rep_puts(&b, "| ");
                specl_rep_md(&b, specl_rep_str(c, "id"));
                specl_rep_puts(&b, " | ");
                specl_rep_md(&b, specl_rep_str(f, "name"));
                specl_rep_puts(&b, " | ");
                specl_rep_md(&b, t);
                specl_rep_puts(&b, " | ");
                specl_rep_md(&b, specl_rep_str(f, "statement"));
                specl_rep_puts(&b, " |\n");
            }
        }
    }
    md_figures_(&b, claims, figs, n_figs);
    return specl_rep_take(&b, st);
}

/* ---- index.html ---- */

static void html_settings_(specl_rep_buf *b, const cJSON *results) {
    const cJSON *ver = cJSON_GetObjectItemCaseSensitive(results, "versions"), *set = cJSON_GetObjectItemCaseSensitive(results, "settings"), *v;
    specl_rep_puts(b, "<details><summary>Versions and the settings of each claim</summary>\n<dl>\n");
    cJSON_ArrayForEach(v, ver) {
        specl_rep_puts(b, "<dt>");
        specl_rep_html(b, v->string ? v->string : "");
        specl_rep_puts(b, "</dt><dd>");
        specl_rep_html(b, cJSON_IsString(v) ? v->valuestring : "");
        specl_rep_puts(b, "</dd>\n");
    }
    specl_rep_puts(b, "</dl>\n");
    cJSON_ArrayForEach(v, set) {
        char *txt = cJSON_IsString(v) ? NULL : cJSON_Print(v);
        specl_rep_puts(b, "<h3>");
        specl_rep_html(b, v->string ? v->string : "");
        specl_rep_puts(b, "</h3>\n<pre>");
        specl_rep_html(b, txt ? txt : cJSON_IsString(v) ? v->valuestring : "");
        specl_rep_puts(b, "</pre>\n");
        free(txt);
    }
    specl_rep_puts(b, "</details>\n");
}

static void html_head_(specl_rep_buf *b, const cJSON *results) {
    const cJSON *claims = cJSON_GetObjectItemCaseSensitive(results, "claims");
    int n = cJSON_GetArraySize(claims), h = count_holds_(claims);
    specl_rep_printf(b, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
                        "<title>specl reproduce: %d of %d claims hold</title>\n<style>\n%s</style>\n</head>\n<body>\n<header>\n"
                        "<h1>specl reproduce</h1>\n<p class=\"summary\"><strong class=\"%s\">%d of %d claims hold</strong>",
                     h, n, CSS_, h == n ? "all" : "some", h, n);
    const char *ver = specl_rep_str(cJSON_GetObjectItemCaseSensitive(results, "versions"), "specl");
    if (*ver) { specl_rep_puts(b, " · specl "); specl_rep_html(b, ver); }
    specl_rep_puts(b, "</p>\n<p>HaoChen &amp; Ma, <em>A Theoretical Study of Inductive Biases in Contrastive Learning</em> (ICLR 2023): "
                      "each row is one statement of the paper, checked by measurement. Everything below is rendered from the claim records.</p>\n");
    html_settings_(b, results);
    specl_rep_puts(b, "</header>\n<main>\n");
}

static void html_table_(specl_rep_buf *b, const cJSON *claims) {
    specl_rep_puts(b, "<table class=\"claims\">\n<thead><tr><th>id</th><th>source</th><th>holds</th><th>predicted</th>"
                      "<th>measured</th><th>setting</th></tr></thead>\n<tbody>\n");
    const cJSON *c;
    int i = 0;
    cJSON_ArrayForEach(c, claims) {
        int h = holds_(c);
        specl_rep_printf(b, "<tr class=\"%s\"><td><a href=\"#claim-%d\">", h ? "hold" : "fail", ++i);
        specl_rep_html(b, specl_rep_str(c, "id"));
        specl_rep_puts(b, "</a></td><td>");
        specl_rep_html(b, specl_rep_str(c, "source"));
        specl_rep_printf(b, "</td><td class=\"holds\">%s</td>", h ? "&#10003; holds" : "&#10007; fails");
        static const char *const keys[] = { "predicted", "measured", "setting" };
        for (int k = 0; k < 3; k++) {
            specl_rep_puts(b, "<td>");
            specl_rep_html(b, specl_rep_str(c, keys[k]));
            specl_rep_puts(b, "</td>");
        }
        specl_rep_puts(b, "</tr>\n");
    }
    specl_rep_puts(b, "</tbody>\n</table>\n");
}

static void html_figure_(specl_rep_buf *b, const specl_rep_fig *f) {
    specl_rep_puts(b, "<figure>\n");
    if (f->drawn) {
        specl_rep_printf(b, "<img src=\"fig/%s.svg\" width=\"720\" height=\"480\" alt=\"", f->name);
        specl_rep_html(b, f->title);
        specl_rep_puts(b, "\">\n");
    } else {
        specl_rep_printf(b, "<p class=\"figerr\">Figure %s not drawn: ", *f->name ? f->name : "(unnamed)");
        specl_rep_html(b, f->err);
        specl_rep_puts(b, "</p>\n");
    }
    specl_rep_puts(b, "<figcaption>");
    specl_rep_html(b, f->title);
    if (f->written) specl_rep_printf(b, " · <a href=\"fig/%s.gp\">gnuplot script</a> · <a href=\"fig/%s.csv\">data (CSV)</a>", f->name, f->name);
    specl_rep_puts(b, "</figcaption>\n</figure>\n");
}

static void html_claim_(specl_rep_buf *b, const cJSON *c, int i, const specl_rep_fig *figs, int nf) {
    int h = holds_(c);
    specl_rep_printf(b, "<section id=\"claim-%d\" class=\"claim\">\n<h2>", i + 1);
    specl_rep_html(b, specl_rep_str(c, "id"));
    specl_rep_puts(b, " <span class=\"src\">");
    specl_rep_html(b, specl_rep_str(c, "source"));
    specl_rep_printf(b, "</span> <span class=\"badge %s\">%s</span></h2>\n<dl>\n", h ? "hold" : "fail", h ? "&#10003; holds" : "&#10007; fails");
    static const char *const keys[] = { "statement", "setting", "predicted", "measured", "file" };
    for (int k = 0; k < 5; k++) {
        if (!*specl_rep_str(c, keys[k])) continue;
        specl_rep_printf(b, "<dt>%s</dt><dd>", keys[k]);
        specl_rep_html(b, specl_rep_str(c, keys[k]));
        specl_rep_puts(b, "</dd>\n");
    }
    specl_rep_puts(b, "</dl>\n");
    const cJSON *fs = cJSON_GetObjectItemCaseSensitive(c, "findings"), *f;
    if (cJSON_GetArraySize(fs) > 0) {
        specl_rep_puts(b, "<table class=\"findings\">\n<caption>Findings: measured, not predicted; they never decide holds</caption>\n"
                          "<thead><tr><th>finding</th><th>measured</th><th>statement</th></tr></thead>\n<tbody>\n");
        cJSON_ArrayForEach(f, fs) {
            char t[256];
            finding_text_(t, sizeof t, f);
            specl_rep_puts(b, "<tr><td>");
            specl_rep_html(b, specl_rep_str(f, "name"));
            specl_rep_puts(b, "</td><td>");
            specl_rep_html(b, t);
            specl_rep_puts(b, "</td><td>");
            specl_rep_html(b, specl_rep_str(f, "statement"));
            specl_rep_puts(b, "</td></tr>\n");
        }
        specl_rep_puts(b, "</tbody>\n</table>\n");
    }
    for (int k = 0; k < nf; k++)
        if (figs[k].claim == i) html_figure_(b, &figs[k]);
    const cJSON *det = cJSON_GetObjectItemCaseSensitive(c, "details");
    if (det) {
        char *txt = cJSON_Print(det);
        specl_rep_puts(b, "<details><summary>Measured details (JSON)</summary>\n<pre>");
        specl_rep_html(b, txt ? txt : "");
        specl_rep_puts(b, "</pre></details>\n");
        free(txt);
    }
    specl_rep_puts(b, "</section>\n");
}

char *specl_rep_index(const cJSON *results, const specl_rep_fig *figs, int n_figs, int has_results, int *st) {
    const cJSON *claims = cJSON_GetObjectItemCaseSensitive(results, "claims"), *c;
    specl_rep_buf b = { 0 };
    html_head_(&b, results);
    html_table_(&b, claims);
    int i = 0;
    cJSON_ArrayForEach(c, claims) html_claim_(&b, c, i++, figs, n_figs);
    specl_rep_puts(&b, "</main>\n<footer>Rendered by specl from the claim records");
    if (has_results) specl_rep_puts(&b, " (<a href=\"results.json\">results.json</a>)");
    specl_rep_puts(&b, "; the same table in <a href=\"report.md\">report.md</a>.</footer>\n</body>\n</html>\n");
    return specl_rep_take(&b, st);
}
