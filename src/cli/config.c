/* src/cli/config.c: typed configuration from a key table, INI files (inih) and --set.
 *
 * Every value goes through one validator (parse_value) whether it comes from the table default,
 * a file or --set, so the three sources accept exactly the same texts and the rendered record
 * (canonical text, doubles in their shortest round-trip form) loads back to identical values.
 *
 * inih is used through ini_parse_stream with our own line reader over the file held in memory.
 * The Debian build calls the handler without a line number, and the reader is what lets us know
 * it: inih asks for exactly one line per call, so the reader's count is the current line. The
 * reader also normalizes each line before inih sees it: it strips a UTF-8 BOM, indentation
 * (so indented keys are keys, never inih's multi-line continuations), whole-line comments and
 * trailing " ;" / " #" comments, and it checks [section] headers itself so that an unknown
 * section is reported even when it holds no key. A file is parsed into a staging array and only
 * committed when the whole file is valid; the first error (in line order) is the one reported.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <ini.h>
#include "config.h"

enum { NAME_CAP = 128, WHY_CAP = 512, LIST_CAP = 700 };

/* ---- small string helpers ---- */

static void append(char *buf, size_t cap, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void append(char *buf, size_t cap, const char *fmt, ...) {
    size_t len = strlen(buf);
    if (len + 1 >= cap) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf + len, cap - len, fmt, ap);
    va_end(ap);
}

/* snprintf for messages, where truncating a very long message is the intended behaviour. */
static void put(char *buf, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void put(char *buf, size_t cap, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, cap, fmt, ap);
    va_end(ap);
}

/* Copy [p, p+n) without surrounding whitespace into buf (truncating to cap - 1). */
static void copy_trimmed(const char *p, size_t n, char *buf, size_t cap) {
    while (n && isspace((unsigned char)p[0])) { p++; n--; }
    while (n && isspace((unsigned char)p[n - 1])) n--;
    if (n >= cap) n = cap - 1;
    memcpy(buf, p, n);
    buf[n] = 0;
}

/* Length of p[0..n) without a trailing comment: ';' or '#' preceded by a space or tab. */
static size_t comment_cut(const char *p, size_t n) {
    for (size_t i = 1; i < n; i++)
        if ((p[i] == ';' || p[i] == '#') && (p[i - 1] == ' ' || p[i - 1] == '\t')) return i;
    return n;
}

static void full_name(const specl_cfg_key *k, char *buf, size_t cap) {
    snprintf(buf, cap, "%s%s%s", k->section, *k->section ? "." : "", k->key);
}

/* ---- table lookups ---- */

static int find_key(const specl_config *c, const char *section, const char *key) {
    for (int i = 0; i < c->n; i++)
        if (!strcmp(c->table[i].section, section) && !strcmp(c->table[i].key, key)) return i;
    return -1;
}

static int find_name(const specl_config *c, const char *name) {
    if (!c || !c->table || !name) return -1;
    const char *dot = strchr(name, '.');
    if (!dot) return find_key(c, "", name);
    size_t sl = (size_t)(dot - name);
    for (int i = 0; i < c->n; i++) {
        const specl_cfg_key *k = &c->table[i];
        if (strlen(k->section) == sl && !strncmp(k->section, name, sl) && !strcmp(k->key, dot + 1))
            return i;
    }
    return -1;
}

static int section_exists(const specl_config *c, const char *section) {
    for (int i = 0; i < c->n; i++)
        if (!strcmp(c->table[i].section, section)) return 1;
    return 0;
}

/* 1 if entry i is the first of its section in the table. */
static int first_of_section(const specl_config *c, int i) {
    for (int j = 0; j < i; j++)
        if (!strcmp(c->table[j].section, c->table[i].section)) return 0;
    return 1;
}

static void list_sections(const specl_config *c, char *buf, size_t cap) {
    buf[0] = 0;
    for (int i = 0; i < c->n; i++)
        if (*c->table[i].section && first_of_section(c, i))
            append(buf, cap, "%s[%s]", *buf ? ", " : "", c->table[i].section);
}

static void list_keys(const specl_config *c, const char *section, char *buf, size_t cap) {
    buf[0] = 0;
    for (int i = 0; i < c->n; i++)
        if (!strcmp(c->table[i].section, section))
            append(buf, cap, "%s%s", *buf ? ", " : "", c->table[i].key);
    if (!*buf) append(buf, cap, "(none)");
}

/* Message for a (section, key) that is not in the table; key NULL: a section header. */
static void fmt_unknown(const specl_config *c, const char *section, const char *key,
                        char *msg, size_t cap) {
    char secs[LIST_CAP], keys[LIST_CAP];
    list_sections(c, secs, sizeof secs);
    if (key && !*key) {
        put(msg, cap, "missing key name before '='");
    } else if (!*section && key) {
        list_keys(c, "", keys, sizeof keys);
        put(msg, cap, "unknown top-level key '%s'; valid top-level keys: %s; sections: %s",
                 key, keys, secs);
    } else if (!*section || !section_exists(c, section)) {
        put(msg, cap, "unknown section [%s]; valid sections: %s", section, secs);
    } else {
        list_keys(c, section, keys, sizeof keys);
        put(msg, cap, "unknown key '%s' in [%s]; valid keys: %s", key, section, keys);
    }
    for (int i = 0; key && *key && i < c->n; i++)
        if (!strcmp(c->table[i].key, key) && strcmp(c->table[i].section, section)) {
            char name[NAME_CAP];
            full_name(&c->table[i], name, sizeof name);
            append(msg, cap, " (did you mean %s?)", name);
            break;
        }
}

/* ---- values ---- */

static void value_free(specl_cfg_value *v) {
    free(v->text);
    free(v->origin);
    memset(v, 0, sizeof *v);
}

/* Range or choices of a key: "[1, 4096]", "one of a, b, c", "true or false", "text". */
static void describe_range(const specl_cfg_key *k, char *buf, size_t cap) {
    buf[0] = 0;
    switch (k->type) {
    case SPECL_CFG_INT: put(buf, cap, "[%lld, %lld]", (long long)k->min, (long long)k->max); break;
    case SPECL_CFG_DOUBLE: put(buf, cap, "[%g, %g]", k->min, k->max); break;
    case SPECL_CFG_BOOL: put(buf, cap, "true or false (also yes/no, 1/0)"); break;
    case SPECL_CFG_STRING: put(buf, cap, "non-empty text"); break;
    case SPECL_CFG_ENUM:
        append(buf, cap, "one of ");
        for (const char *p = k->choices; *p; p++) {
            if (*p == '|') append(buf, cap, ", ");
            else append(buf, cap, "%c", *p);
        }
        break;
    }
}

/* What a value of this key must be, for "expected ..." messages. */
static void describe(const specl_cfg_key *k, char *buf, size_t cap) {
    char range[LIST_CAP];
    describe_range(k, range, sizeof range);
    switch (k->type) {
    case SPECL_CFG_INT: put(buf, cap, "an integer in %s", range); break;
    case SPECL_CFG_DOUBLE: put(buf, cap, "a number in %s", range); break;
    case SPECL_CFG_BOOL: put(buf, cap, "a boolean (true/false, yes/no, 1/0)"); break;
    default: put(buf, cap, "%s", range); break;
    }
}

/* Shortest %.*g form that reads back as exactly v. */
static void fmt_double(double v, char *buf, size_t cap) {
    for (int p = 1; p <= 17; p++) {
        snprintf(buf, cap, "%.*g", p, v);
        if (strtod(buf, NULL) == v) return;
    }
}

static int numeric_chars(const char *t) { return *t && t[strspn(t, "0123456789+-.eE")] == 0; }

/* 0: ok, 1: not an integer, 2: out of the long long range. Accepts integral 3e3. */
static int parse_int(const char *t, long long *out) {
    if (!numeric_chars(t)) return 1;
    char *end;
    errno = 0;
    long long v = strtoll(t, &end, 10);
    if (end != t && *end == 0) {
        if (errno == ERANGE) return 2;
        *out = v;
        return 0;
    }
    errno = 0;
    double d = strtod(t, &end);
    if (end == t || *end) return 1;
    if (errno == ERANGE && isinf(d)) return 2;
    if (!isfinite(d) || d != floor(d)) return 1;
    if (fabs(d) >= 9.2e18) return 2;
    *out = (long long)d;
    return 0;
}

/* 0: ok, 1: not a number, 2: overflows or underflows a double. */
static int parse_double(const char *t, double *out) {
    if (!numeric_chars(t)) return 1;
    char *end;
    errno = 0;
    double d = strtod(t, &end);
    if (end == t || *end) return 1;
    if (errno == ERANGE) return 2;
    if (!isfinite(d)) return 1;
    *out = d;
    return 0;
}

static int enum_has(const char *choices, const char *t) {
    size_t tl = strlen(t);
    for (const char *p = choices; *p;) {
        size_t n = strcspn(p, "|");
        if (n == tl && !strncmp(p, t, n)) return 1;
        p += n + (p[n] == '|');
    }
    return 0;
}

/* Problems any value can have, whatever its type; why empty if none. */
static void text_problem(const specl_cfg_key *k, const char *t, char *why, size_t cap) {
    char expect[LIST_CAP];
    why[0] = 0;
    describe(k, expect, sizeof expect);
    if (!*t) { put(why, cap, "empty value (expected %s)", expect); return; }
    if (strlen(t) > SPECL_CFG_MAX_VALUE) {
        put(why, cap, "value longer than %d characters", SPECL_CFG_MAX_VALUE);
        return;
    }
    for (const char *p = t; *p; p++)
        if (iscntrl((unsigned char)*p)) { put(why, cap, "control character in value"); return; }
    if (t[0] == ';' || t[0] == '#' || comment_cut(t, strlen(t)) < strlen(t))
        put(why, cap, "';' or '#' at the start of a value or after a space starts a comment");
}

/* Check t against key k. On success out->i/d/text are set (text malloc'd, canonical) and
 * SPECL_OK returned; on SPECL_EINVAL `why` says what was expected. */
static int parse_value(const specl_cfg_key *k, const char *t, specl_cfg_value *out,
                       char *why, size_t cap) {
    char expect[LIST_CAP], canon[64];
    const char *text = t;
    int r = 0;
    memset(out, 0, sizeof *out);
    text_problem(k, t, why, cap);
    if (*why) return SPECL_EINVAL;
    describe(k, expect, sizeof expect);
    if (k->type == SPECL_CFG_INT) {
        r = parse_int(t, &out->i);
        if (!r && (out->i < (long long)k->min || out->i > (long long)k->max)) r = 2;
        out->d = (double)out->i;
        snprintf(canon, sizeof canon, "%lld", out->i);
        text = canon;
    } else if (k->type == SPECL_CFG_DOUBLE) {
        r = parse_double(t, &out->d);
        if (!r && (out->d < k->min || out->d > k->max)) r = 2;
        fmt_double(out->d, canon, sizeof canon);
        text = canon;
    } else if (k->type == SPECL_CFG_BOOL) {
        int yes = !strcmp(t, "1") || !strcasecmp(t, "true") || !strcasecmp(t, "yes");
        int no = !strcmp(t, "0") || !strcasecmp(t, "false") || !strcasecmp(t, "no");
        r = yes || no ? 0 : 1;
        out->i = yes;
        text = yes ? "true" : "false";
    } else if (k->type == SPECL_CFG_ENUM) {
        r = enum_has(k->choices, t) ? 0 : 1;
    }
    if (r) {
        put(why, cap, "%sexpected %s", r == 2 ? "out of range: " : "", expect);
        return SPECL_EINVAL;
    }
    out->text = strdup(text);
    return out->text ? SPECL_OK : SPECL_ENOMEM;
}

/* ---- init / free ---- */

static int name_ok(const char *s, int allow_empty) {
    if (!s || (!*s && !allow_empty)) return 0;
    for (; *s; s++)
        if (!isalnum((unsigned char)*s) && *s != '_' && *s != '-') return 0;
    return 1;
}

static int check_entry(const specl_cfg_key *t, int i) {
    const specl_cfg_key *k = &t[i];
    const char *bad = NULL;
    if (!name_ok(k->section, 1) || !name_ok(k->key, 0))
        bad = "section and key must be [A-Za-z0-9_-]";
    else if (!k->def || !k->help) bad = "missing default or help text";
    else if ((unsigned)k->type > SPECL_CFG_BOOL) bad = "unknown type";
    else if (k->type == SPECL_CFG_ENUM && (!k->choices || !*k->choices))
        bad = "enum without choices";
    else if ((k->type == SPECL_CFG_INT || k->type == SPECL_CFG_DOUBLE) &&
             !(isfinite(k->min) && isfinite(k->max) && k->min <= k->max)) bad = "bad range";
    else if (k->type == SPECL_CFG_INT && (k->min != floor(k->min) || k->max != floor(k->max) ||
                                          fabs(k->min) > 9e18 || fabs(k->max) > 9e18))
        bad = "integer range bounds must be integers";
    for (int j = 0; !bad && j < i; j++)
        if (!strcmp(t[j].section, k->section) && !strcmp(t[j].key, k->key)) bad = "duplicate key";
    if (!bad) return SPECL_OK;
    return specl_error(SPECL_EINVAL, "config table entry %d (%s.%s): %s", i,
                       k->section ? k->section : "?", k->key ? k->key : "?", bad);
}

int specl_config_init(specl_config *c, const specl_cfg_key *table) {
    memset(c, 0, sizeof *c);
    if (!table) return specl_error(SPECL_EINVAL, "config: no key table");
    int n = 0, st = SPECL_OK;
    while (table[n].key) n++;
    for (int i = 0; i < n && !st; i++) st = check_entry(table, i);
    if (st) return st;
    c->val = calloc(n ? (size_t)n : 1, sizeof *c->val);
    if (!c->val) return SPECL_ENOMEM;
    c->table = table;
    c->n = n;
    for (int i = 0; i < n && !st; i++) {
        char why[WHY_CAP], name[NAME_CAP];
        st = parse_value(&table[i], table[i].def, &c->val[i], why, sizeof why);
        full_name(&table[i], name, sizeof name);
        if (st == SPECL_EINVAL)
            st = specl_error(st, "config table: default of %s '%s': %s", name, table[i].def, why);
        if (!st && !(c->val[i].origin = strdup("default"))) st = SPECL_ENOMEM;
    }
    if (st) specl_config_free(c);
    return st;
}

void specl_config_free(specl_config *c) {
    if (!c) return;
    for (int i = 0; c->val && i < c->n; i++) value_free(&c->val[i]);
    free(c->val);
    memset(c, 0, sizeof *c);
}

/* ---- loading an INI file ---- */

typedef struct load_state {
    specl_config *c;
    const char *path;
    const char *buf;
    size_t len, pos;
    int lineno;                /* lines handed to inih so far = the line being parsed */
    int err_line, status;      /* our first error (0: none) */
    specl_cfg_value *stage;    /* (n) values set by this file */
    int *line;                 /* (n) line that set each key, 0 if not set */
} load_state;

static int load_error(load_state *s, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int load_error(load_state *s, int status, const char *fmt, ...) {
    char msg[900];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (s->err_line) return s->status;
    s->err_line = s->lineno;
    s->status = status;
    return specl_error(status, "%s:%d: %s", s->path, s->lineno, msg);
}

/* A [section] header line: the section must exist (checked here so empty sections count). */
static int check_header(load_state *s, const char *line) {
    const char *close = strchr(line, ']');
    if (!close) return 0; /* inih reports the syntax error */
    char sec[NAME_CAP], msg[LIST_CAP + 200];
    copy_trimmed(line + 1, (size_t)(close - line - 1), sec, sizeof sec);
    if (*sec && section_exists(s->c, sec)) return 0;
    fmt_unknown(s->c, sec, NULL, msg, sizeof msg);
    return load_error(s, SPECL_EINVAL, "%s", msg);
}

/* inih's fgets-style reader: one normalized line per call (see the file comment). */
static char *load_reader(char *str, int num, void *stream) {
    load_state *s = stream;
    if (s->err_line || s->pos >= s->len) return NULL;
    const char *p = s->buf + s->pos;
    const char *nl = memchr(p, '\n', s->len - s->pos);
    size_t n = nl ? (size_t)(nl - p) : s->len - s->pos;
    s->pos += n + (nl != NULL);
    s->lineno++;
    if (memchr(p, 0, n)) { load_error(s, SPECL_EINVAL, "NUL byte in line"); return NULL; }
    if (s->lineno == 1 && n >= 3 && !memcmp(p, "\xEF\xBB\xBF", 3)) { p += 3; n -= 3; }
    while (n && isspace((unsigned char)*p)) { p++; n--; }
    if (n && (*p == ';' || *p == '#')) n = 0;
    n = comment_cut(p, n);
    while (n && isspace((unsigned char)p[n - 1])) n--;
    if (num < 2 || n > (size_t)num - 2) {
        load_error(s, SPECL_EINVAL, "line too long (at most %d characters without comments)",
                   num - 2);
        return NULL;
    }
    memcpy(str, p, n);
    str[n] = 0;
    if (n && str[0] == '[' && check_header(s, str)) return NULL;
    return str;
}

static int load_handler(void *user, const char *section, const char *name, const char *value) {
    load_state *s = user;
    char sec[NAME_CAP], fname[NAME_CAP], why[WHY_CAP], msg[LIST_CAP + 200];
    if (s->err_line) return 0;
    copy_trimmed(section, strlen(section), sec, sizeof sec);
    int i = *name ? find_key(s->c, sec, name) : -1;
    if (i < 0) {
        fmt_unknown(s->c, sec, name, msg, sizeof msg);
        return !load_error(s, SPECL_EINVAL, "%s", msg);
    }
    full_name(&s->c->table[i], fname, sizeof fname);
    if (s->line[i])
        return !load_error(s, SPECL_EINVAL, "duplicate key %s (first set on line %d)", fname,
                           s->line[i]);
    specl_cfg_value v;
    int st = parse_value(&s->c->table[i], value, &v, why, sizeof why);
    if (st == SPECL_EINVAL && *value)
        return !load_error(s, st, "%s = %s: %s", fname, value, why);
    if (st == SPECL_EINVAL) return !load_error(s, st, "%s: %s", fname, why);
    size_t ol = strlen(s->path) + 16;
    if (!st && !(v.origin = malloc(ol))) st = SPECL_ENOMEM;
    if (st) { value_free(&v); return !load_error(s, SPECL_ENOMEM, "out of memory"); }
    snprintf(v.origin, ol, "%s:%d", s->path, s->lineno);
    value_free(&s->stage[i]);
    s->stage[i] = v;
    s->line[i] = s->lineno;
    return 1;
}

static int load_buffer(specl_config *c, const char *name, const char *buf, size_t len) {
    load_state s = {.c = c, .path = name, .buf = buf, .len = len};
    size_t n = c->n ? (size_t)c->n : 1;
    s.stage = calloc(n, sizeof *s.stage);
    s.line = calloc(n, sizeof *s.line);
    int st = SPECL_OK;
    if (!s.stage || !s.line) st = SPECL_ENOMEM;
    int r = st ? 0 : ini_parse_stream(load_reader, &s, load_handler, &s);
    if (st) {
    } else if (r < 0) {
        st = specl_error(SPECL_ENOMEM, "%s: inih failed (%d)", name, r);
    } else if (r > 0 && (!s.err_line || r < s.err_line)) {
        st = specl_error(SPECL_EINVAL, "%s:%d: syntax error: expected [section], key = value "
                         "or a comment", name, r);
    } else if (s.err_line) {
        st = s.status;
    } else {
        for (int i = 0; i < c->n; i++) {
            if (!s.line[i]) continue;
            value_free(&c->val[i]);
            c->val[i] = s.stage[i];
            memset(&s.stage[i], 0, sizeof s.stage[i]);
        }
    }
    for (int i = 0; s.stage && i < c->n; i++) value_free(&s.stage[i]);
    free(s.stage);
    free(s.line);
    return st;
}

int specl_config_load_string(specl_config *c, const char *text, const char *name) {
    if (!c || !c->table || !text) return specl_error(SPECL_EINVAL, "config: bad arguments");
    return load_buffer(c, name ? name : "<string>", text, strlen(text));
}

int specl_config_load(specl_config *c, const char *path) {
    if (!c || !c->table || !path) return specl_error(SPECL_EINVAL, "config: bad arguments");
    char *buf = NULL;
    size_t len = 0;
    int st = specl_read_file(path, &buf, &len);
    if (st) return st;
    st = load_buffer(c, path, buf, len);
    free(buf);
    return st;
}

/* ---- --set ---- */

int specl_config_set(specl_config *c, const char *a) {
    if (!c || !c->table || !a) return specl_error(SPECL_EINVAL, "config: bad arguments");
    const char *eq = strchr(a, '=');
    char name[NAME_CAP], why[WHY_CAP], msg[LIST_CAP + 200];
    if (eq) copy_trimmed(a, (size_t)(eq - a), name, sizeof name);
    char *dot = eq ? strchr(name, '.') : NULL;
    if (!eq || !*name || (dot && (dot == name || !dot[1])))
        return specl_error(SPECL_EINVAL, "--set %s: expected section.key=value (or key=value "
                           "for a top-level key)", a);
    if (dot) *dot = 0;
    int i = dot ? find_key(c, name, dot + 1) : find_key(c, "", name);
    if (i < 0) {
        fmt_unknown(c, dot ? name : "", dot ? dot + 1 : name, msg, sizeof msg);
        return specl_error(SPECL_EINVAL, "--set %s: %s", a, msg);
    }
    const char *v0 = eq + 1;
    size_t vl = strlen(v0);
    char *val = malloc(vl + 1);
    if (!val) return SPECL_ENOMEM;
    copy_trimmed(v0, vl, val, vl + 1);
    specl_cfg_value v;
    int st = parse_value(&c->table[i], val, &v, why, sizeof why);
    free(val);
    if (st == SPECL_EINVAL) return specl_error(st, "--set %s: %s", a, why);
    if (!st && !(v.origin = strdup("--set"))) st = SPECL_ENOMEM;
    if (st) { value_free(&v); return st; }
    value_free(&c->val[i]);
    c->val[i] = v;
    return SPECL_OK;
}

/* ---- getters ---- */

static const specl_cfg_value *get(const specl_config *c, const char *name, unsigned types) {
    int i = find_name(c, name);
    if (i < 0 || !(types & (1u << c->table[i].type))) return NULL;
    return &c->val[i];
}

long long specl_config_int(const specl_config *c, const char *name) {
    const specl_cfg_value *v = get(c, name, 1u << SPECL_CFG_INT);
    return v ? v->i : 0;
}

double specl_config_double(const specl_config *c, const char *name) {
    const specl_cfg_value *v = get(c, name, 1u << SPECL_CFG_DOUBLE | 1u << SPECL_CFG_INT);
    return v ? v->d : 0;
}

const char *specl_config_str(const specl_config *c, const char *name) {
    const specl_cfg_value *v = get(c, name, ~0u);
    return v ? v->text : NULL;
}

int specl_config_bool(const specl_config *c, const char *name) {
    const specl_cfg_value *v = get(c, name, 1u << SPECL_CFG_BOOL);
    return v ? (int)v->i : 0;
}

const char *specl_config_origin(const specl_config *c, const char *name) {
    const specl_cfg_value *v = get(c, name, ~0u);
    return v ? v->origin : NULL;
}

const specl_cfg_key *specl_config_lookup(const specl_config *c, const char *name) {
    int i = find_name(c, name);
    return i < 0 ? NULL : &c->table[i];
}

/* ---- render and help ---- */

/* The keys of one section as "key = value  ; origin" lines. */
static int render_section(const specl_config *c, const char *section, specl_str *out) {
    int st = SPECL_OK;
    for (int i = 0; i < c->n && !st; i++) {
        if (strcmp(c->table[i].section, section)) continue;
        const specl_cfg_value *v = &c->val[i];
        char line[NAME_CAP + SPECL_CFG_MAX_VALUE + 8], origin[256];
        snprintf(line, sizeof line, "%s = %s", c->table[i].key, v->text);
        copy_trimmed(v->origin, strlen(v->origin), origin, sizeof origin);
        for (char *p = origin; *p; p++)
            if (iscntrl((unsigned char)*p)) *p = '?';
        if (!strcmp(v->origin, "default")) st = specl_str_printf(out, "%-32s ; default\n", line);
        else st = specl_str_printf(out, "%-32s ; from %s\n", line, origin);
    }
    return st;
}

int specl_config_render(const specl_config *c, specl_str *out) {
    if (!c || !c->table || !out) return specl_error(SPECL_EINVAL, "config: bad arguments");
    int st = specl_str_printf(out, "; specl configuration: every key, resolved "
                              "(default / file:line / --set)\n");
    if (!st) st = render_section(c, "", out);
    for (int i = 0; i < c->n && !st; i++) {
        if (!*c->table[i].section || !first_of_section(c, i)) continue;
        st = specl_str_printf(out, "\n[%s]\n", c->table[i].section);
        if (!st) st = render_section(c, c->table[i].section, out);
    }
    return st;
}

int specl_config_help(const specl_config *c, specl_str *out) {
    static const char *const type_name[] = {"int", "number", "text", "choice", "bool"};
    if (!c || !c->table || !out) return specl_error(SPECL_EINVAL, "config: bad arguments");
    int st = specl_str_printf(out,
        "Configuration keys. Set them in an INI file (top-level keys first, then [section]\n"
        "headers and key = value lines; ';' or '#' start comments) or with\n"
        "--set section.key=value; --set overrides the file, the file overrides the defaults.\n");
    for (int i = 0; i < c->n && !st; i++) {
        const specl_cfg_key *k = &c->table[i];
        char name[NAME_CAP], range[LIST_CAP], why[WHY_CAP];
        specl_cfg_value def; /* the default in canonical form (valid: checked by init) */
        full_name(k, name, sizeof name);
        describe_range(k, range, sizeof range);
        if (parse_value(k, k->def, &def, why, sizeof why)) return SPECL_ENOMEM;
        if (first_of_section(c, i))
            st = *k->section ? specl_str_printf(out, "\n[%s]\n", k->section)
                             : specl_str_printf(out, "\n(top level)\n");
        if (!st)
            st = specl_str_printf(out, "  %-22s %-6s default %-10s %s\n      %s\n", name,
                                  type_name[k->type], def.text, range, k->help);
        value_free(&def);
    }
    return st;
}
