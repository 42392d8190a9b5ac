/* A figure spec (format in specl/report.h) as data and as a gnuplot script.
 *
 * The CSV is the figure's data in a form any tool reads (pandas, a spreadsheet, gnuplot), and the
 * script only reads the CSV: restyling a figure never needs specl. Series that share their x are
 * written as x, y1, y2, ... (the table a reader expects); otherwise each series has its own pair
 * of columns. A heatmap is drawn as one filled box per cell (boxxyerror coloured by z) rather than
 * with `image`, because boxes work on non-uniform and logarithmic grids and in a 2-D plot, so
 * series, hlines and vlines go over it unchanged. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "report_int.h"

enum { LAYOUT_SHARED, LAYOUT_PAIRS, LAYOUT_HEATMAP };
#define GRID_COLS 7

static const char *const STYLES_[] = { "linespoints", "points", "lines", "steps" };
/* Okabe-Ito: distinguishable with colour-blindness; on heatmaps, colours that stand out of viridis. */
static const char *const COLORS_[] = { "#0072b2", "#d55e00", "#009e73", "#cc79a7", "#e69f00", "#56b4e9", "#000000" };
static const char *const OVER_[] = { "#ff2a2a", "#ffffff", "#000000", "#ff9900" };

/* ---- checks ---- */

/* A finite number, else NaN (null, or a non-finite double put into the JSON in memory). */
static double val_(const cJSON *v) { return cJSON_IsNumber(v) && isfinite(v->valuedouble) ? v->valuedouble : NAN; }

static int is_heatmap_(const cJSON *fig) { return !strcmp(specl_rep_str(fig, "kind"), "heatmap"); }

/* Array of numbers or nulls; its length in *n. */
static int num_array_(const cJSON *a, int *n) {
    if (!cJSON_IsArray(a)) return 0;
    const cJSON *v;
    *n = 0;
    cJSON_ArrayForEach(v, a) {
        if (!cJSON_IsNumber(v) && !cJSON_IsNull(v)) return 0;
        (*n)++;
    }
    return 1;
}

static int opt_type_(const cJSON *fig, const char *key, cJSON_bool (*is)(const cJSON *)) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(fig, key);
    return !v || is(v);
}

static int check_series_(const cJSON *fig, const char *name) {
    const cJSON *ser = cJSON_GetObjectItemCaseSensitive(fig, "series"), *s;
    if (!ser && is_heatmap_(fig)) return SPECL_OK;
    if (!cJSON_IsArray(ser) || (!is_heatmap_(fig) && cJSON_GetArraySize(ser) == 0))
        return specl_error(SPECL_EINVAL, "figure '%s': \"series\" must be a non-empty array", name);
    int i = 0;
    cJSON_ArrayForEach(s, ser) {
        int nx, ny;
        i++;
        if (!cJSON_IsObject(s) || !opt_type_(s, "label", cJSON_IsString) || !opt_type_(s, "style", cJSON_IsString))
            return specl_error(SPECL_EINVAL, "figure '%s': series %d must be an object with string label and style", name, i);
        if (!num_array_(cJSON_GetObjectItemCaseSensitive(s, "x"), &nx) || !num_array_(cJSON_GetObjectItemCaseSensitive(s, "y"), &ny))
            return specl_error(SPECL_EINVAL, "figure '%s': series %d needs arrays \"x\" and \"y\" of numbers (null = missing)", name, i);
        if (nx != ny || nx == 0)
            return specl_error(SPECL_EINVAL, "figure '%s': series %d has %d x and %d y values (need equal, >= 1)", name, i, nx, ny);
        const char *st = specl_rep_str(s, "style");
        int ok = !*st;
        for (size_t k = 0; k < sizeof STYLES_ / sizeof *STYLES_; k++) ok |= !strcmp(st, STYLES_[k]);
        if (!ok) return specl_error(SPECL_EINVAL, "figure '%s': series %d: style '%s' is not linespoints, points, lines or steps", name, i, st);
    }
    return SPECL_OK;
}

static int check_lines_(const cJSON *fig, const char *name, const char *key, const char *coord) {
    const cJSON *a = cJSON_GetObjectItemCaseSensitive(fig, key), *l;
    if (!a) return SPECL_OK;
    if (!cJSON_IsArray(a)) return specl_error(SPECL_EINVAL, "figure '%s': \"%s\" must be an array", name, key);
    cJSON_ArrayForEach(l, a)
        if (!cJSON_IsObject(l) || !isfinite(val_(cJSON_GetObjectItemCaseSensitive(l, coord))) || !opt_type_(l, "label", cJSON_IsString))
            return specl_error(SPECL_EINVAL, "figure '%s': every \"%s\" entry needs a finite number \"%s\" and a string \"label\"", name, key, coord);
    return SPECL_OK;
}

/* Strictly increasing numbers (no null), > 0 on a log axis. */
static int axis_ok_(const cJSON *a, int logscale, int *n) {
    if (!cJSON_IsArray(a) || (*n = cJSON_GetArraySize(a)) == 0) return 0;
    double prev = -INFINITY;
    const cJSON *v;
    cJSON_ArrayForEach(v, a) {
        if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble) || v->valuedouble <= prev || (logscale && v->valuedouble <= 0)) return 0;
        prev = v->valuedouble;
    }
    return 1;
}

static int check_grid_(const cJSON *fig, const char *name) {
    const cJSON *g = cJSON_GetObjectItemCaseSensitive(fig, "grid"), *row;
    int nx, ny, nz;
    if (!cJSON_IsObject(g)) return specl_error(SPECL_EINVAL, "figure '%s': a heatmap needs \"grid\": {x, y, z}", name);
    if (!axis_ok_(cJSON_GetObjectItemCaseSensitive(g, "x"), cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(fig, "logx")), &nx) ||
        !axis_ok_(cJSON_GetObjectItemCaseSensitive(g, "y"), cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(fig, "logy")), &ny))
        return specl_error(SPECL_EINVAL, "figure '%s': grid x and y must be non-empty, strictly increasing numbers (> 0 on a log axis)", name);
    const cJSON *z = cJSON_GetObjectItemCaseSensitive(g, "z");
    if (!cJSON_IsArray(z) || cJSON_GetArraySize(z) != ny)
        return specl_error(SPECL_EINVAL, "figure '%s': grid z must hold %d rows (one per y)", name, ny);
    cJSON_ArrayForEach(row, z)
        if (!num_array_(row, &nz) || nz != nx)
            return specl_error(SPECL_EINVAL, "figure '%s': every row of grid z must hold %d numbers or nulls (one per x)", name, nx);
    return SPECL_OK;
}

static int name_ok_(const char *s) {
    size_t n = strlen(s);
    if (n == 0 || n > 64 || s[0] == '-') return 0;
    return strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789-") == n;
}

int specl_report_figure_check(const cJSON *fig) {
    if (!cJSON_IsObject(fig)) return specl_error(SPECL_EINVAL, "a figure spec must be a JSON object");
    const char *name = specl_rep_str(fig, "name");
    if (!name_ok_(name))
        return specl_error(SPECL_EINVAL, "figure name '%s': expected 1 to 64 characters of [a-z0-9-], not starting with '-'", name);
    static const char *const texts[] = { "title", "xlabel", "ylabel", "zlabel", "kind" };
    for (size_t i = 0; i < sizeof texts / sizeof *texts; i++)
        if (!opt_type_(fig, texts[i], cJSON_IsString)) return specl_error(SPECL_EINVAL, "figure '%s': \"%s\" must be a string", name, texts[i]);
    static const char *const flags[] = { "logx", "logy", "logz" };
    for (size_t i = 0; i < sizeof flags / sizeof *flags; i++)
        if (!opt_type_(fig, flags[i], cJSON_IsBool)) return specl_error(SPECL_EINVAL, "figure '%s': \"%s\" must be true or false", name, flags[i]);
    const char *kind = specl_rep_str(fig, "kind");
    if (*kind && strcmp(kind, "line") && strcmp(kind, "heatmap"))
        return specl_error(SPECL_EINVAL, "figure '%s': kind '%s' is not line or heatmap", name, kind);
    int st = check_series_(fig, name);
    if (!st) st = check_lines_(fig, name, "hlines", "y");
    if (!st) st = check_lines_(fig, name, "vlines", "x");
    if (!st && is_heatmap_(fig)) st = check_grid_(fig, name);
    return st;
}

/* ---- data ---- */

typedef struct col_ { char *head; double *v; int n; } col_;

static int layout_(const cJSON *fig) {
    if (is_heatmap_(fig)) return LAYOUT_HEATMAP;
    const cJSON *ser = cJSON_GetObjectItemCaseSensitive(fig, "series"), *s;
    const cJSON *x0 = cJSON_GetObjectItemCaseSensitive(ser->child, "x");
    cJSON_ArrayForEach(s, ser)
        if (!cJSON_Compare(cJSON_GetObjectItemCaseSensitive(s, "x"), x0, 1)) return LAYOUT_PAIRS;
    return LAYOUT_SHARED;
}

/* Append a column; takes head (malloc'd) and v. */
static int add_col_(col_ *cols, int *nc, char *head, double *v, int n) {
    cols[*nc] = (col_){ head, v, n };
    (*nc)++;
    return head && (v || n == 0) ? SPECL_OK : specl_error(SPECL_ENOMEM, "report: out of memory");
}

static double *from_json_(const cJSON *a, int *n) {
    *n = cJSON_GetArraySize(a);
    double *v = malloc(sizeof(double) * (size_t)(*n ? *n : 1));
    const cJSON *e;
    int i = 0;
    if (v) cJSON_ArrayForEach(e, a) v[i++] = val_(e);
    return v;
}

static char *head_(const char *label, const char *suffix) {
    specl_rep_buf b = { 0 };
    specl_rep_printf(&b, "%s%s%s", label, *label && *suffix ? " " : "", suffix);
    int st;
    return specl_rep_take(&b, &st);
}

/* Cell edges of a strictly increasing axis (n): midpoints, geometric on a log axis. */
static void edges_(const double *v, int n, int logscale, double *lo, double *hi) {
    for (int i = 0; i < n; i++) {
        double t = logscale ? log(v[i]) : v[i];
        double tp = i > 0 ? (logscale ? log(v[i - 1]) : v[i - 1]) : NAN;
        double tn = i < n - 1 ? (logscale ? log(v[i + 1]) : v[i + 1]) : NAN;
        double l = i > 0 ? (t + tp) / 2 : n > 1 ? t - (tn - t) / 2 : t - 0.5;
        double h = i < n - 1 ? (t + tn) / 2 : n > 1 ? t + (t - tp) / 2 : t + 0.5;
        lo[i] = logscale ? exp(l) : l;
        hi[i] = logscale ? exp(h) : h;
    }
}

static int grid_cols_(const cJSON *fig, col_ *cols, int *nc) {
    const cJSON *g = cJSON_GetObjectItemCaseSensitive(fig, "grid");
    int nx, ny, n;
    double *x = from_json_(cJSON_GetObjectItemCaseSensitive(g, "x"), &nx);
    double *y = from_json_(cJSON_GetObjectItemCaseSensitive(g, "y"), &ny);
    double *e = malloc(sizeof(double) * 2 * (size_t)(nx + ny));
    double *c[GRID_COLS];
    n = nx * ny;
    for (int k = 0; k < GRID_COLS; k++) c[k] = malloc(sizeof(double) * (size_t)n);
    int ok = x && y && e;
    for (int k = 0; k < GRID_COLS; k++) ok = ok && c[k];
    if (ok) {
        edges_(x, nx, cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(fig, "logx")), e, e + nx);
        edges_(y, ny, cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(fig, "logy")), e + 2 * nx, e + 2 * nx + ny);
        const cJSON *row = cJSON_GetObjectItemCaseSensitive(g, "z")->child;
        for (int j = 0; j < ny; j++, row = row->next) {
            const cJSON *z = row->child;
            for (int i = 0; i < nx; i++, z = z->next) {
                int r = j * nx + i;
                c[0][r] = x[i]; c[1][r] = y[j]; c[2][r] = val_(z);
                c[3][r] = e[i]; c[4][r] = e[nx + i]; c[5][r] = e[2 * nx + j]; c[6][r] = e[2 * nx + ny + j];
            }
        }
    }
    free(x); free(y); free(e);
    static const char *const heads[GRID_COLS] = { "x", "y", "z", "x_lo", "x_hi", "y_lo", "y_hi" };
    int st = ok ? SPECL_OK : specl_error(SPECL_ENOMEM, "report: out of memory");
    for (int k = 0; k < GRID_COLS; k++) {
        if (!ok) { free(c[k]); continue; }
        int s2 = add_col_(cols, nc, strdup(heads[k]), c[k], n);   /* the column owns c[k] now */
        if (!st) st = s2;
    }
    return st;
}

static int series_cols_(const cJSON *fig, int layout, col_ *cols, int *nc) {
    const cJSON *ser = cJSON_GetObjectItemCaseSensitive(fig, "series"), *s;
    int st = SPECL_OK, n;
    if (layout == LAYOUT_SHARED) {
        const char *xl = specl_rep_str(fig, "xlabel");
        double *v = from_json_(cJSON_GetObjectItemCaseSensitive(ser->child, "x"), &n);
        st = add_col_(cols, nc, strdup(*xl ? xl : "x"), v, n);
    }
    cJSON_ArrayForEach(s, ser) {
        const char *label = specl_rep_str(s, "label");
        int s2 = SPECL_OK;
        if (layout != LAYOUT_SHARED) {
            double *x = from_json_(cJSON_GetObjectItemCaseSensitive(s, "x"), &n);
            s2 = add_col_(cols, nc, head_(label, "x"), x, n);
        }
        double *y = from_json_(cJSON_GetObjectItemCaseSensitive(s, "y"), &n);
        int s3 = add_col_(cols, nc, head_(label, layout == LAYOUT_SHARED && *label ? "" : "y"), y, n);
        if (!st) st = s2 ? s2 : s3;
    }
    return st;
}

static void csv_field_(specl_rep_buf *b, const char *t) {
    specl_rep_puts(b, "\"");
    for (; *t; t++) {
        if (*t == '"') specl_rep_puts(b, "\"\"");
        else if ((unsigned char)*t < 0x20) specl_rep_puts(b, " ");
        else specl_rep_printf(b, "%c", *t);
    }
    specl_rep_puts(b, "\"");
}

static void csv_text_(specl_rep_buf *out, const col_ *cols, int nc) {
    int rows = 0;
    for (int c = 0; c < nc; c++) {
        csv_field_(out, cols[c].head);
        specl_rep_puts(out, c + 1 < nc ? "," : "\n");
        if (cols[c].n > rows) rows = cols[c].n;
    }
    char num[40];
    for (int r = 0; r < rows; r++)
        for (int c = 0; c < nc; c++) {
            if (r < cols[c].n) { specl_rep_num(num, sizeof num, cols[c].v[r]); specl_rep_puts(out, num); }
            specl_rep_puts(out, c + 1 < nc ? "," : "\n");
        }
}

int specl_rep_csv(const cJSON *fig, specl_rep_buf *out) {
    const cJSON *ser = cJSON_GetObjectItemCaseSensitive(fig, "series");
    int layout = layout_(fig), nc = 0, cap = 1 + GRID_COLS + 2 * cJSON_GetArraySize(ser);
    col_ *cols = calloc((size_t)cap, sizeof *cols);
    if (!cols) return specl_error(SPECL_ENOMEM, "report: out of memory");
    int st = layout == LAYOUT_HEATMAP ? grid_cols_(fig, cols, &nc) : SPECL_OK;
    if (!st && ser) st = series_cols_(fig, layout, cols, &nc);
    if (!st) csv_text_(out, cols, nc);
    for (int c = 0; c < nc; c++) { free(cols[c].head); free(cols[c].v); }
    free(cols);
    return st ? st : out->st;
}

/* ---- script ---- */

static void gp_head_(const cJSON *fig, const char *name, specl_rep_buf *b) {
    specl_rep_printf(b, "# Figure %s, generated by specl from its claim record (see ../index.html).\n"
                        "# Restyle freely, then run `gnuplot %s.gp` in this directory: it reads %s.csv and\n"
                        "# writes %s.svg (gnuplot -e \"outfile='other.svg'\" %s.gp writes another file).\n"
                        "if (!exists(\"outfile\")) outfile = '%s.svg'\n"
                        "set terminal svg size 720,480 dynamic enhanced font \"sans,12\"\n"
                        "set output outfile\nset encoding utf8\nset datafile separator comma\n",
                     name, name, name, name, name, name);
    static const char *const texts[][2] = { { "title", "title" }, { "xlabel", "xlabel" }, { "ylabel", "ylabel" }, { "zlabel", "cblabel" } };
    for (size_t i = 0; i < sizeof texts / sizeof *texts; i++) {
        if (!*specl_rep_str(fig, texts[i][0])) continue;
        specl_rep_printf(b, "set %s ", texts[i][1]);
        specl_rep_gpstr(b, specl_rep_str(fig, texts[i][0]));
        specl_rep_puts(b, "\n");
    }
    static const char *const logs[][2] = { { "logx", "x" }, { "logy", "y" }, { "logz", "cb" } };
    for (size_t i = 0; i < sizeof logs / sizeof *logs; i++)
        if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(fig, logs[i][0]))) specl_rep_printf(b, "set logscale %s\n", logs[i][1]);
    int n = (int)(sizeof COLORS_ / sizeof *COLORS_);
    for (int i = 0; i < n; i++)
        specl_rep_printf(b, "set linetype %d lc rgb '%s' lw 1.5 pt %d ps 0.8\n", i + 1, COLORS_[i], (int[]){ 7, 5, 9, 11, 13, 6, 4 }[i]);
    specl_rep_printf(b, "set linetype cycle %d\nset key below\n", n);
}

static void gp_vlines_(const cJSON *fig, specl_rep_buf *b) {
    const cJSON *v;
    int i = 0;
    char num[40];
    cJSON_ArrayForEach(v, cJSON_GetObjectItemCaseSensitive(fig, "vlines")) {
        specl_rep_num(num, sizeof num, cJSON_GetObjectItemCaseSensitive(v, "x")->valuedouble);
        i++;
        specl_rep_printf(b, "set arrow %d from %s, graph 0 to %s, graph 1 nohead front dt 3 lw 1.2 lc rgb '#444444'\n", i, num, num);
        specl_rep_printf(b, "set label %d ", i);
        specl_rep_gpstr(b, specl_rep_str(v, "label"));
        specl_rep_printf(b, " at %s, graph 0.98 rotate by 90 right offset -0.8,0 front tc rgb '#444444'\n", num);
    }
}

static void gp_title_(specl_rep_buf *b, const char *label) {
    if (!*label) { specl_rep_puts(b, " notitle"); return; }
    specl_rep_puts(b, " title ");
    specl_rep_gpstr(b, label);
}

static void gp_plot_(const cJSON *fig, const char *name, int layout, specl_rep_buf *b) {
    const char *sep = "plot ";
    if (layout == LAYOUT_HEATMAP) {
        specl_rep_printf(b, "set autoscale xfix\nset autoscale yfix\nset grid front lc rgb '#bbbbbb'\n"
                            "set palette defined (0 '#440154', 1 '#3b528b', 2 '#21918c', 3 '#5ec962', 4 '#fde725')\n"
                            "plot '%s.csv' skip 1 using 1:2:4:5:6:7:3 with boxxyerror fs solid 1.0 noborder lc palette notitle", name);
        sep = ", \\\n     ";
    } else {
        specl_rep_puts(b, "set grid lc rgb '#dddddd'\n");
    }
    const cJSON *s;
    int i = 0;
    cJSON_ArrayForEach(s, cJSON_GetObjectItemCaseSensitive(fig, "series")) {
        int cx = layout == LAYOUT_SHARED ? 1 : layout == LAYOUT_PAIRS ? 2 * i + 1 : GRID_COLS + 2 * i + 1;
        int cy = layout == LAYOUT_SHARED ? i + 2 : cx + 1;
        const char *style = specl_rep_str(s, "style");
        if (!*style) style = layout == LAYOUT_HEATMAP ? "points" : "linespoints";
        specl_rep_printf(b, "%s'%s.csv' skip 1 using %d:%d with %s", sep, name, cx, cy, style);
        if (layout == LAYOUT_HEATMAP) specl_rep_printf(b, " lc rgb '%s' pt %d ps 1.2", OVER_[i % 4], 7 + 2 * (i / 4 % 4));
        else specl_rep_printf(b, " lt %d", i + 1);
        gp_title_(b, specl_rep_str(s, "label"));
        sep = ", \\\n     ";
        i++;
    }
    const cJSON *h;
    char num[40];
    i = 0;
    cJSON_ArrayForEach(h, cJSON_GetObjectItemCaseSensitive(fig, "hlines")) {
        specl_rep_num(num, sizeof num, cJSON_GetObjectItemCaseSensitive(h, "y")->valuedouble);
        specl_rep_printf(b, "%s%s with lines dt %d lw 1.2 lc rgb '#444444'", sep, num, 2 + i++ % 4);
        gp_title_(b, specl_rep_str(h, "label"));
        sep = ", \\\n     ";
    }
    specl_rep_puts(b, "\nunset output\n");
}

int specl_rep_gp(const cJSON *fig, specl_rep_buf *out) {
    const char *name = specl_rep_str(fig, "name");
    gp_head_(fig, name, out);
    gp_vlines_(fig, out);
    gp_plot_(fig, name, layout_(fig), out);
    return out->st;
}
