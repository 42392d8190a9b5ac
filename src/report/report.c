/* specl_report_write: the report directory from the claim records (format in specl/report.h).
 *
 * Order: first every figure (its .csv and .gp, then gnuplot draws its .svg), then report.md and
 * index.html, which show, for each figure, either the picture or why there is none. A failing
 * figure does not stop the others or the pages: a long `specl reproduce` should leave everything
 * that can be written, and the first error is returned after that. Each text is built in memory
 * and written with specl_write_file_atomic. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "report_int.h"

static char *join_(const char *dir, const char *name) {
    size_t n = strlen(dir) + strlen(name) + 2;
    char *p = malloc(n);
    if (p) snprintf(p, n, "%s/%s", dir, name);
    return p;
}

static int write_text_(const char *dir, const char *name, const char *txt) {
    char *path = join_(dir, name);
    if (!path) return specl_error(SPECL_ENOMEM, "report: out of memory");
    int st = specl_write_file_atomic(path, txt, strlen(txt));
    free(path);
    return st;
}

/* Build one text of a figure (csv or gp) and write it as fig_dir/<name><ext>. */
static int write_built_(const cJSON *fig, const char *fig_dir, const char *ext, int (*build)(const cJSON *, specl_rep_buf *)) {
    specl_rep_buf b = { 0 };
    int st = build(fig, &b);
    char *txt = specl_rep_take(&b, &st);
    char file[96];
    snprintf(file, sizeof file, "%s%s", specl_rep_str(fig, "name"), ext);
    if (!st) st = write_text_(fig_dir, file, txt);
    free(txt);
    return st;
}

static int figure_data_(const cJSON *fig, const char *fig_dir) {
    int st = specl_report_figure_check(fig);
    if (!st) st = write_built_(fig, fig_dir, ".csv", specl_rep_csv);
    if (!st) st = write_built_(fig, fig_dir, ".gp", specl_rep_gp);
    return st;
}

int specl_report_figure_write(const cJSON *fig, const char *fig_dir) {
    int st = figure_data_(fig, fig_dir);
    return st ? st : specl_rep_gnuplot(fig_dir, specl_rep_str(fig, "name"));
}

static void init_fig_(specl_rep_fig *f, const cJSON *spec, int claim) {
    const char *name = specl_rep_str(spec, "name"), *title = specl_rep_str(spec, "title");
    *f = (specl_rep_fig){ .spec = spec, .claim = claim };
    snprintf(f->title, sizeof f->title, "%s", *title ? title : name);
}

/* The figure specs of every claim, in order; a "figures" that is not an array counts as one
 * (invalid) spec so that the report names it. figs may be NULL to count. */
static int collect_(const cJSON *claims, specl_rep_fig *figs) {
    const cJSON *c, *f;
    int n = 0, i = 0;
    cJSON_ArrayForEach(c, claims) {
        const cJSON *a = cJSON_GetObjectItemCaseSensitive(c, "figures");
        if (a && !cJSON_IsArray(a)) {
            if (figs) init_fig_(&figs[n], a, i);
            n++;
        } else {
            cJSON_ArrayForEach(f, a) {
                if (figs) init_fig_(&figs[n], f, i);
                n++;
            }
        }
        i++;
    }
    return n;
}

/* Write and draw figure k (unless gnuplot is known missing); record the outcome in figs[k]. */
static int figure_(specl_rep_fig *figs, int k, const char *fig_dir, const char *claim_id, int *no_gnuplot) {
    specl_rep_fig *f = &figs[k];
    const char *name = specl_rep_str(f->spec, "name");
    int st = cJSON_IsArray(f->spec) || !cJSON_IsObject(f->spec)
                 ? specl_error(SPECL_EINVAL, "\"figures\" must be an array of figure specs (objects)")
                 : specl_report_figure_check(f->spec);
    for (int j = 0; j < k && !st; j++)
        if (!strcmp(figs[j].name, name)) st = specl_error(SPECL_EINVAL, "figure name '%s' is used twice", name);
    if (!st) snprintf(f->name, sizeof f->name, "%s", name);
    if (!st) st = figure_data_(f->spec, fig_dir);
    f->written = !st;
    if (!st && *no_gnuplot) st = specl_error(SPECL_EIO, "gnuplot not found: install gnuplot-nox (scripts/setup-deps.sh does)");
    else if (!st) st = specl_rep_gnuplot(fig_dir, name);
    f->drawn = !st;
    if (st) {
        *no_gnuplot |= f->written && strstr(specl_error_detail(), "gnuplot not found") != NULL;
        snprintf(f->err, sizeof f->err, "%s", specl_error_detail());
        specl_error(st, "claim %s, figure %d: %s", claim_id, k + 1, f->err);
    }
    return st;
}

static int mkdir_(const char *path) {
    struct stat sb;
    if (mkdir(path, 0755) != 0 && errno != EEXIST) return specl_error(SPECL_EIO, "%s: cannot create the directory (%s)", path, strerror(errno));
    if (stat(path, &sb) != 0 || !S_ISDIR(sb.st_mode)) return specl_error(SPECL_EIO, "%s: exists and is not a directory", path);
    return SPECL_OK;
}

/* All figures; the first error (its detail kept in msg). */
static int figures_(const cJSON *claims, specl_rep_fig *figs, int nf, const char *dir, char *msg, size_t msg_len) {
    if (nf == 0) return SPECL_OK;
    char *fig_dir = join_(dir, "fig");
    if (!fig_dir) return specl_error(SPECL_ENOMEM, "report: out of memory");
    int first = mkdir_(fig_dir), no_gnuplot = 0;
    if (first) {                          /* no fig/ directory: no figure can be written */
        for (int k = 0; k < nf; k++) snprintf(figs[k].err, sizeof figs[k].err, "%s", specl_error_detail());
        snprintf(msg, msg_len, "%s", specl_error_detail());
        nf = 0;
    }
    for (int k = 0; k < nf; k++) {
        int st = figure_(figs, k, fig_dir, specl_rep_str(cJSON_GetArrayItem(claims, figs[k].claim), "id"), &no_gnuplot);
        if (st && !first) { first = st; snprintf(msg, msg_len, "%s", specl_error_detail()); }
    }
    free(fig_dir);
    return first;
}

int specl_report_write(const cJSON *results, const char *dir) {
    const cJSON *claims = cJSON_GetObjectItemCaseSensitive(results, "claims");
    if (!cJSON_IsArray(claims)) return specl_error(SPECL_EINVAL, "report: the results need a \"claims\" array");
    int nf = collect_(claims, NULL), st = SPECL_OK;
    specl_rep_fig *figs = calloc((size_t)nf + 1, sizeof *figs);
    char msg[1024] = "", *json = join_(dir, "results.json");
    if (!figs || !json) { free(figs); free(json); return specl_error(SPECL_ENOMEM, "report: out of memory"); }
    collect_(claims, figs);
    int first = figures_(claims, figs, nf, dir, msg, sizeof msg);
    char *md = specl_rep_markdown(results, figs, nf, &st);
    if (!st) st = write_text_(dir, "report.md", md);
    char *html = st ? NULL : specl_rep_index(results, figs, nf, access(json, R_OK) == 0, &st);
    if (!st) st = write_text_(dir, "index.html", html);
    free(md); free(html); free(json); free(figs);
    if (st) return st;
    return first ? specl_error(first, "%s", msg) : SPECL_OK;
}
