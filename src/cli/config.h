/* src/cli/config.h: the run configuration of the command-line layer.
 *
 * A run is described by one table of typed keys (config_keys.c): every key has a section, a
 * name, a type, a default, a range or a set of choices and a one-line help text. A config object
 * holds one value per key of its table, both as canonical text and parsed, together with its
 * origin ("default", "FILE:LINE" or "--set"), so that cross-key errors in the caller can point
 * at the line that set a value and the resolved config can be written back as an INI file that
 * loads to identical values (the run record).
 *
 * Sources, later ones overriding earlier ones: the table defaults (specl_config_init), INI files
 * parsed with inih (specl_config_load), then `--set section.key=value` assignments
 * (specl_config_set). Every error is a status (SPECL_EINVAL, SPECL_EIO, SPECL_ENOMEM) and one
 * line in specl_error_detail() naming FILE:LINE or the assignment, the key, and what was
 * expected. A failed load or set leaves the config unchanged. Nothing here prints or exits.
 */
#ifndef SPECL_CLI_CONFIG_H
#define SPECL_CLI_CONFIG_H

#include "specl/base.h"

typedef enum {
    SPECL_CFG_INT = 0,  /* decimal integer (also 3e3 if integral) in [min, max] */
    SPECL_CFG_DOUBLE,   /* finite decimal number in [min, max] */
    SPECL_CFG_STRING,   /* any non-empty text */
    SPECL_CFG_ENUM,     /* one of `choices`, written "a|b|c" */
    SPECL_CFG_BOOL      /* 0/1, true/false, yes/no (case-insensitive) */
} specl_cfg_type;

/* One key of a table. section "" is the top level (keys before any [section] in a file, and
 * `--set name=value` without a dot). Tables end with an entry whose key is NULL. */
typedef struct specl_cfg_key {
    const char *section, *key;
    specl_cfg_type type;
    const char *def;       /* default, written as in a file; must be valid for the key */
    double min, max;       /* INT, DOUBLE: inclusive range (INT bounds must be integral) */
    const char *choices;   /* ENUM: "a|b|c" */
    const char *help;      /* one line for `specl --help` */
} specl_cfg_key;

/* The table of specl's keys (config_keys.c). */
extern const specl_cfg_key specl_cfg_keys[];

/* Longest value text accepted (keeps every rendered line within inih's line limit). */
#define SPECL_CFG_MAX_VALUE 150

typedef struct specl_cfg_value {
    char *text;        /* canonical text: as written for STRING/ENUM, %lld for INT, the shortest
                          round-trip form for DOUBLE, "true"/"false" for BOOL */
    char *origin;      /* "default", "FILE:LINE" or "--set" */
    long long i;       /* INT and BOOL */
    double d;          /* DOUBLE (and INT, converted) */
} specl_cfg_value;

typedef struct specl_config {
    const specl_cfg_key *table;  /* borrowed: must outlive the config */
    int n;                       /* number of keys */
    specl_cfg_value *val;        /* (n) in table order */
} specl_config;

/* Set every key to its default. Checks the table (well-formed names, no duplicate keys, sane
 * ranges, valid defaults): SPECL_EINVAL naming the entry otherwise. On failure *c is empty and
 * specl_config_free(c) is still safe. */
int specl_config_init(specl_config *c, const specl_cfg_key *table);
void specl_config_free(specl_config *c);

/* Apply an INI file. Values may carry trailing comments (" ;..." or " #..."); whole-line comments
 * start with ';' or '#'; whitespace around lines, names and values is ignored (indentation is
 * allowed, multi-line values are not). Each key may appear once per file. Errors name FILE:LINE:
 * SPECL_EIO (cannot read), SPECL_EINVAL (syntax, unknown section or key, duplicate key, empty
 * value, wrong type, out of range, not one of the choices, line too long). */
int specl_config_load(specl_config *c, const char *path);
/* The same on text in memory; `name` stands for the file name in origins and messages. */
int specl_config_load_string(specl_config *c, const char *text, const char *name);

/* Apply one `--set` assignment "section.key=value" (or "key=value" for a top-level key).
 * Overrides whatever set the key before; the same key may be set repeatedly (last wins).
 * Errors (SPECL_EINVAL) quote the assignment: "--set train.lr=abc: expected a number in ...". */
int specl_config_set(specl_config *c, const char *assignment);

/* Typed getters by full name ("data.d", or "seed" for a top-level key). An unknown name or a
 * getter of the wrong type is a programming error: they return 0 (or NULL).
 *   _int:    INT keys.           _double: DOUBLE and INT keys.
 *   _bool:   BOOL keys (0/1).     _str:    the canonical text of any key (STRING/ENUM value). */
long long specl_config_int(const specl_config *c, const char *name);
double specl_config_double(const specl_config *c, const char *name);
const char *specl_config_str(const specl_config *c, const char *name);
int specl_config_bool(const specl_config *c, const char *name);
/* Where the value came from: "default", "FILE:LINE" or "--set"; NULL for an unknown name. */
const char *specl_config_origin(const specl_config *c, const char *name);
/* The table entry of a name, NULL if unknown. */
const specl_cfg_key *specl_config_lookup(const specl_config *c, const char *name);

/* Append the resolved config to *out as INI text that specl_config_load accepts back with
 * identical values: top-level keys first, then each section in table order, every key, each
 * line commented "; default", "; from FILE:LINE" or "; from --set". */
int specl_config_render(const specl_config *c, specl_str *out);
/* Append a listing of every key (type, default, range or choices, help) for `specl --help`. */
int specl_config_help(const specl_config *c, specl_str *out);

#endif
