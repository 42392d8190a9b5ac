/* Text building for the report: a buffer whose first allocation failure sticks (the page
 * builders append hundreds of pieces and check once at the end), and one escaper per target
 * language. Every text of a record passes through an escaper before it reaches a file, so a
 * record can never inject markup into the HTML, break a Markdown table or a gnuplot string. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "report_int.h"

static int grow_(specl_rep_buf *b, size_t extra) {
    specl_str *s = &b->s;
    if (s->len + extra + 1 <= s->cap) return 0;
    size_t cap = s->cap ? s->cap : 1024;
    while (cap < s->len + extra + 1) cap *= 2;
    char *nb = realloc(s->buf, cap);
    if (!nb) { b->st = specl_error(SPECL_ENOMEM, "report: out of memory building a page"); return 1; }
    s->buf = nb;
    s->cap = cap;
    return 0;
}

void specl_rep_printf(specl_rep_buf *b, const char *fmt, ...) {
    if (b->st) return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0) { b->st = specl_error(SPECL_EINVAL, "report: bad format '%s'", fmt); return; }
    if (grow_(b, (size_t)n)) return;
    va_start(ap, fmt);
    vsnprintf(b->s.buf + b->s.len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->s.len += (size_t)n;
}

static void putn_(specl_rep_buf *b, const char *t, size_t n) {
    if (b->st || grow_(b, n)) return;
    memcpy(b->s.buf + b->s.len, t, n);
    b->s.len += n;
    b->s.buf[b->s.len] = 0;
}

void specl_rep_puts(specl_rep_buf *b, const char *t) { putn_(b, t, strlen(t)); }

void specl_rep_html(specl_rep_buf *b, const char *t) {
    for (; *t; t++) {
        switch (*t) {
        case '&': specl_rep_puts(b, "&amp;"); break;
        case '<': specl_rep_puts(b, "&lt;"); break;
        case '>': specl_rep_puts(b, "&gt;"); break;
        case '"': specl_rep_puts(b, "&quot;"); break;
        case '\'': specl_rep_puts(b, "&#39;"); break;
        default: putn_(b, t, 1);
        }
    }
}

void specl_rep_md(specl_rep_buf *b, const char *t) {
    for (; *t; t++) {
        if (*t == '\n' || *t == '\r' || *t == '\t') putn_(b, " ", 1);
        else if (strchr("|\\<[*`", *t)) { putn_(b, "\\", 1); putn_(b, t, 1); }
        else putn_(b, t, 1);
    }
}

/* Single-quoted gnuplot string (no backslash processing; '' is a quote) holding enhanced text
 * in which the control characters are escaped with a backslash, so the SVG shows t literally. */
void specl_rep_gpstr(specl_rep_buf *b, const char *t) {
    putn_(b, "'", 1);
    for (; *t; t++) {
        if (*t == '\'') putn_(b, "''", 2);
        else if ((unsigned char)*t < 0x20) putn_(b, " ", 1);
        else if (strchr("^_@&~{}\\", *t)) { putn_(b, "\\", 1); putn_(b, t, 1); }
        else putn_(b, t, 1);
    }
    putn_(b, "'", 1);
}

char *specl_rep_take(specl_rep_buf *b, int *st) {
    if (!b->st && !b->s.buf) grow_(b, 0);
    *st = b->st;
    if (b->st) { specl_str_free(&b->s); return NULL; }
    char *t = b->s.buf;
    b->s.buf = NULL;
    b->s.len = b->s.cap = 0;
    return t;
}

const char *specl_rep_str(const cJSON *o, const char *key) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsString(v) && v->valuestring ? v->valuestring : "";
}

void specl_rep_num(char *buf, size_t n, double v) {
    if (isnan(v)) { buf[0] = 0; return; }
    snprintf(buf, n, "%.15g", v);
    if (strtod(buf, NULL) != v) snprintf(buf, n, "%.17g", v);
}
