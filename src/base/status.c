/* Status codes, the per-thread error-detail message and a small growable string. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "specl/base.h"

static _Thread_local char detail_[1024];

const char *specl_strerror(int status) {
    switch (status) {
    case SPECL_OK: return "success";
    case SPECL_EINVAL: return "invalid argument or value";
    case SPECL_EFORMAT: return "malformed input";
    case SPECL_EIO: return "input/output error";
    case SPECL_ENOMEM: return "out of memory";
    case SPECL_ENUMERIC: return "non-finite value (NaN or Inf)";
    case SPECL_ELINALG: return "linear algebra failure";
    case SPECL_EUNSUPPORTED: return "not supported";
    default: return "unknown status";
    }
}

int specl_error(int status, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(detail_, sizeof detail_, fmt, ap);
    va_end(ap);
    return status;
}

const char *specl_error_detail(void) { return detail_; }
void specl_error_clear(void) { detail_[0] = 0; }

int specl_str_printf(specl_str *s, const char *fmt, ...) {
    for (;;) {
        size_t room = s->cap - s->len;
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(s->buf ? s->buf + s->len : NULL, s->buf ? room : 0, fmt, ap);
        va_end(ap);
        if (n < 0) return SPECL_EINVAL;
        if (s->buf && (size_t)n < room) { s->len += (size_t)n; return SPECL_OK; }
        size_t cap = s->cap ? s->cap : 256;
        while (cap < s->len + (size_t)n + 1) cap *= 2;
        char *nb = realloc(s->buf, cap);
        if (!nb) return SPECL_ENOMEM;
        s->buf = nb;
        s->cap = cap;
    }
}

void specl_str_free(specl_str *s) { free(s->buf); s->buf = NULL; s->len = s->cap = 0; }
