/* src/report/report_int.h: what the files of the report module share: a text buffer with a
 * sticky error (so builders need not check every append), escapers for the three target
 * languages (HTML, Markdown, gnuplot strings), and the per-figure outcome the pages show. */
#ifndef SPECL_REPORT_INT_H
#define SPECL_REPORT_INT_H

#include <stddef.h>
#include <cJSON.h>
#include "specl/base.h"
#include "specl/report.h"

/* Growing text; the first allocation failure sticks in st and later appends do nothing. */
typedef struct specl_rep_buf { specl_str s; int st; } specl_rep_buf;
void specl_rep_printf(specl_rep_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void specl_rep_puts(specl_rep_buf *b, const char *t);
void specl_rep_html(specl_rep_buf *b, const char *t);    /* & < > " ' as entities */
void specl_rep_md(specl_rep_buf *b, const char *t);      /* | \ < [ * ` escaped, line breaks as spaces */
void specl_rep_gpstr(specl_rep_buf *b, const char *t);   /* '...' literal in gnuplot enhanced text */
/* Take the text out of b (caller frees); NULL with *st set when an append failed. */
char *specl_rep_take(specl_rep_buf *b, int *st);

const char *specl_rep_str(const cJSON *o, const char *key);   /* string member or "" */
void specl_rep_num(char *buf, size_t n, double v);            /* shortest round-trip; "" for NaN */

/* The outcome of one figure, in the order claims and their figures appear in the records. */
typedef struct specl_rep_fig {
    const cJSON *spec;
    int claim;              /* index of its claim in "claims" */
    char name[72];          /* file stem, "" when the spec has no valid name */
    char title[256];
    int written;            /* .csv and .gp are on disk */
    int drawn;              /* .svg is on disk */
    char err[512];          /* why not drawn ("" when drawn) */
} specl_rep_fig;

/* figure.c: the data and script of one valid figure spec. */
int specl_rep_csv(const cJSON *fig, specl_rep_buf *out);
int specl_rep_gp(const cJSON *fig, specl_rep_buf *out);
/* gnuplot.c: run `gnuplot <name>.gp` in fig_dir, SVG to a temporary name renamed on success. */
int specl_rep_gnuplot(const char *fig_dir, const char *name);

/* pages.c: report.md and index.html. has_results: link results.json (it is in the directory). */
char *specl_rep_markdown(const cJSON *results, const specl_rep_fig *figs, int n_figs, int *st);
char *specl_rep_index(const cJSON *results, const specl_rep_fig *figs, int n_figs, int has_results, int *st);

#endif
