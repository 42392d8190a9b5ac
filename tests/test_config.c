/* tests/test_config.c: the configuration module of the CLI (src/cli/config.c).
 *
 * Defaults, good files, every error path of a load (each checks the status and that the detail
 * names the file, the line and what was expected, and that a failed load changes nothing),
 * --set and its errors, render -> load round trips (doubles bit for bit), comments, whitespace,
 * top-level keys, empty files, the table checks and the help listing. Files are written under a
 * mkdtemp directory that is removed at exit.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "check.h"
#include "config.h"
#include "specl/base.h"

/* ---- temporary files ---- */

static char tmpdir_[256];

static void remove_tmpdir(void) {
    DIR *d = opendir(tmpdir_);
    if (!d) return;
    struct dirent *e;
    char p[600];
    while ((e = readdir(d)))
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
            snprintf(p, sizeof p, "%s/%s", tmpdir_, e->d_name);
            unlink(p);
        }
    closedir(d);
    rmdir(tmpdir_);
}

/* Path of `name` in the temporary directory (static buffer per call site is enough: callers
 * copy it). Creates the directory on first use. */
static const char *tmp_path(const char *name) {
    static char p[600];
    if (!tmpdir_[0]) {
        const char *base = getenv("TMPDIR");
        snprintf(tmpdir_, sizeof tmpdir_, "%s/specl_test_config.XXXXXX", base ? base : "/tmp");
        if (!mkdtemp(tmpdir_)) { perror("mkdtemp"); exit(2); }
        atexit(remove_tmpdir);
    }
    snprintf(p, sizeof p, "%s/%s", tmpdir_, name);
    return p;
}

/* Write text to a temporary file and return its path (valid until the next call). */
static const char *write_tmp(const char *name, const char *text) {
    const char *p = tmp_path(name);
    FILE *f = fopen(p, "wb");
    if (!f) { perror(p); exit(2); }
    fputs(text, f);
    fclose(f);
    return p;
}

static int detail_has(const char *s) { return strstr(specl_error_detail(), s) != NULL; }

#define CHECK_DETAIL(s) do { if (!detail_has(s)) { CHECK(detail_has(s)); \
    fprintf(stderr, "    detail: \"%s\"\n", specl_error_detail()); } } while (0)

/* Every key of a and b holds the same text and the same parsed value, bit for bit. */
static int same_values(const specl_config *a, const specl_config *b) {
    if (a->n != b->n) return 0;
    for (int i = 0; i < a->n; i++) {
        const specl_cfg_value *x = &a->val[i], *y = &b->val[i];
        if (strcmp(x->text, y->text) || x->i != y->i || memcmp(&x->d, &y->d, sizeof x->d)) {
            fprintf(stderr, "    %s.%s: '%s' vs '%s'\n", a->table[i].section, a->table[i].key,
                    x->text, y->text);
            return 0;
        }
    }
    return 1;
}

/* Load `text` as file `name`: the load must fail with `status`, the detail must name the file
 * and ":line" and contain `what`, and the config must be left at its defaults. */
static void expect_load_error(const char *name, const char *text, int status, int line,
                              const char *what) {
    specl_config c, ref;
    CHECK_OK(specl_config_init(&c, specl_cfg_keys));
    CHECK_OK(specl_config_init(&ref, specl_cfg_keys));
    const char *p = write_tmp(name, text);
    char path[600], loc[650];
    snprintf(path, sizeof path, "%s", p);
    snprintf(loc, sizeof loc, "%s:%d: ", path, line);
    specl_error_clear();
    int st = specl_config_load(&c, path);
    CHECK(st == status);
    if (st != status) fprintf(stderr, "    status %d, detail \"%s\"\n", st, specl_error_detail());
    CHECK_DETAIL(loc);
    CHECK_DETAIL(what);
    CHECK(same_values(&c, &ref));
    specl_config_free(&c);
    specl_config_free(&ref);
}

/* --set must fail with SPECL_EINVAL, quote the assignment and contain `what`. */
static void expect_set_error(specl_config *c, const char *assignment, const char *what) {
    char quoted[300];
    snprintf(quoted, sizeof quoted, "--set %s: ", assignment);
    specl_error_clear();
    CHECK(specl_config_set(c, assignment) == SPECL_EINVAL);
    CHECK_DETAIL(quoted);
    CHECK_DETAIL(what);
}

/* ---- tests ---- */

TEST(defaults) {
    specl_config c;
    CHECK_OK(specl_config_init(&c, specl_cfg_keys));
    CHECK(specl_config_int(&c, "seed") == 1);
    CHECK(strcmp(specl_config_str(&c, "data.kind"), "hypercube") == 0);
    CHECK(specl_config_int(&c, "data.d") == 20);
    CHECK(specl_config_int(&c, "data.s") == 5);
    CHECK(specl_config_double(&c, "data.tau_lo") == 0.5);
    CHECK(specl_config_double(&c, "data.tau_hi") == 1.0);
    CHECK(strcmp(specl_config_str(&c, "data.labels"), "auto") == 0);
    CHECK(strcmp(specl_config_str(&c, "model.class"), "linear") == 0);
    CHECK(specl_config_int(&c, "model.width") == 128);
    CHECK(specl_config_double(&c, "model.init_scale") == 1.0);
    CHECK(strcmp(specl_config_str(&c, "train.loss"), "lambda") == 0);
    CHECK(strcmp(specl_config_str(&c, "train.estimator"), "unbiased") == 0);
    CHECK(specl_config_bool(&c, "train.both_views") == 0);
    CHECK(strcmp(specl_config_str(&c, "train.optimizer"), "adam") == 0);
    CHECK(specl_config_double(&c, "train.lr") == 0.01);
    CHECK(specl_config_double(&c, "train.momentum") == 0.9);
    CHECK(strcmp(specl_config_str(&c, "train.schedule"), "cosine") == 0);
    CHECK(specl_config_int(&c, "train.steps") == 4000);
    CHECK(specl_config_int(&c, "train.batch") == 4096);
    CHECK(strcmp(specl_config_str(&c, "train.budget_scale"), "batch") == 0);
    CHECK(specl_config_int(&c, "eval.n_train") == 20000);
    CHECK(specl_config_int(&c, "eval.pop_pairs") == 200000);
    CHECK(specl_config_bool(&c, "eval.knn") == 0);
    CHECK(specl_config_double(&c, "eval.knn_t") == 0.1);
    CHECK(strcmp(specl_config_origin(&c, "train.lr"), "default") == 0);
    CHECK(strcmp(specl_config_origin(&c, "seed"), "default") == 0);
    /* an INT read as a double; canonical texts */
    CHECK(specl_config_double(&c, "data.d") == 20.0);
    CHECK(strcmp(specl_config_str(&c, "data.tau_hi"), "1") == 0);
    CHECK(strcmp(specl_config_str(&c, "train.both_views"), "false") == 0);
    /* programming errors: unknown names and wrong getters return 0 / NULL */
    CHECK(specl_config_int(&c, "data.nope") == 0);
    CHECK(specl_config_int(&c, "nope") == 0);
    CHECK(specl_config_str(&c, "d") == NULL);
    CHECK(specl_config_origin(&c, "train") == NULL);
    CHECK(specl_config_int(&c, "train.lr") == 0);
    CHECK(specl_config_bool(&c, "data.d") == 0);
    CHECK(specl_config_lookup(&c, "model.k") != NULL);
    CHECK(specl_config_lookup(&c, "model.k")->type == SPECL_CFG_INT);
    CHECK(specl_config_lookup(&c, "k") == NULL);
    specl_config_free(&c);
    specl_config_free(&c); /* freeing twice is harmless */
}

TEST(load_good_file) {
    const char *text =
        "seed = 42\n"                     /* 1 */
        "\n"                              /* 2 */
        "[data]\n"                        /* 3 */
        "d = 30\n"                        /* 4 */
        "s = 4\n"                         /* 5 */
        "tau_lo = 0.25\n"                 /* 6 */
        "labels = x1,patterns:4\n"        /* 7 */
        "[model]\n"                       /* 8 */
        "class = relu1\n"                 /* 9 */
        "[train]\n"                       /* 10 */
        "lr = 1e-3\n"                     /* 11 */
        "both_views = yes\n"              /* 12 */
        "steps = 3e3\n"                   /* 13 */
        "[eval]\n"                        /* 14 */
        "knn = TRUE\n";                   /* 15 */
    specl_config c;
    CHECK_OK(specl_config_init(&c, specl_cfg_keys));
    char path[600], origin[650];
    snprintf(path, sizeof path, "%s", write_tmp("good.ini", text));
    CHECK_OK(specl_config_load(&c, path));
    CHECK(specl_config_int(&c, "seed") == 42);
    CHECK(specl_config_int(&c, "data.d") == 30);
    CHECK(specl_config_int(&c, "data.s") == 4);
    CHECK(specl_config_double(&c, "data.tau_lo") == 0.25);
    CHECK(strcmp(specl_config_str(&c, "data.labels"), "x1,patterns:4") == 0);
    CHECK(strcmp(specl_config_str(&c, "model.class"), "relu1") == 0);
    CHECK(specl_config_double(&c, "train.lr") == 1e-3);
    CHECK(specl_config_bool(&c, "train.both_views") == 1);
    CHECK(specl_config_int(&c, "train.steps") == 3000);
    CHECK(specl_config_bool(&c, "eval.knn") == 1);
    CHECK(specl_config_int(&c, "train.batch") == 4096); /* untouched */
    snprintf(origin, sizeof origin, "%s:1", path);
    CHECK(strcmp(specl_config_origin(&c, "seed"), origin) == 0);
    snprintf(origin, sizeof origin, "%s:11", path);
    CHECK(strcmp(specl_config_origin(&c, "train.lr"), origin) == 0);
    CHECK(strcmp(specl_config_origin(&c, "train.batch"), "default") == 0);
    /* a second file overrides the first; keys it does not set keep their origin */
    snprintf(path, sizeof path, "%s", write_tmp("second.ini", "[train]\nlr = 0.5\n"));
    CHECK_OK(specl_config_load(&c, path));
    CHECK(specl_config_double(&c, "train.lr") == 0.5);
    snprintf(origin, sizeof origin, "%s:2", path);
    CHECK(strcmp(specl_config_origin(&c, "train.lr"), origin) == 0);
    CHECK(specl_config_int(&c, "seed") == 42);
    specl_config_free(&c);
}

TEST(comments_and_whitespace) {
    const char *text =
        "\xEF\xBB\xBF; leading comment\n"       /* 1: BOM + comment */
        "# another comment\n"                    /* 2 */
        "   seed   =   7   ; the seed\n"         /* 3 */
        "\t[ train ]   ; section comment\n"      /* 4 */
        "  lr = 0.125 # inline hash comment\n"   /* 5 */
        "  steps=10;no space: part of value?\n"  /* 6: not a comment -> bad int */
        "";
    specl_config c;
    CHECK_OK(specl_config_init(&c, specl_cfg_keys));
    char path[600];
    snprintf(path, sizeof path, "%s", write_tmp("ws.ini", text));
    /* line 6: ';' not preceded by whitespace is part of the value */
    CHECK(specl_config_load(&c, path) == SPECL_EINVAL);
    CHECK_DETAIL(":6: train.steps = 10;no space: part of value?: expected an integer");
    /* same without line 6, with CRLF line ends and indented keys under a section */
    const char *ok =
        "\xEF\xBB\xBF; leading comment\r\n"
        "   seed   =   7   ; the seed\r\n"
        "\t[ train ]   ; section comment\r\n"
        "  lr = 0.125 # inline hash comment\r\n"
        "  steps = 10\r\n"
        "  batch\t=\t64\t#tab\r\n"
        "[data]\r\n"
        "labels = x1#x2 ;  '#' inside a value stays\r\n"
        "kind = hypercube";                      /* no final newline */
    snprintf(path, sizeof path, "%s", write_tmp("ws2.ini", ok));
    CHECK_OK(specl_config_load(&c, path));
    CHECK(specl_config_int(&c, "seed") == 7);
    CHECK(specl_config_double(&c, "train.lr") == 0.125);
    CHECK(specl_config_int(&c, "train.steps") == 10);
    CHECK(specl_config_int(&c, "train.batch") == 64);
    CHECK(strcmp(specl_config_str(&c, "data.labels"), "x1#x2") == 0);
    char origin[650];
    snprintf(origin, sizeof origin, "%s:5", path);
    CHECK(strcmp(specl_config_origin(&c, "train.steps"), origin) == 0);
    specl_config_free(&c);
}

TEST(top_level_keys_and_empty_files) {
    specl_config c, ref;
    CHECK_OK(specl_config_init(&c, specl_cfg_keys));
    CHECK_OK(specl_config_init(&ref, specl_cfg_keys));
    CHECK_OK(specl_config_load(&c, write_tmp("empty.ini", "")));
    CHECK(same_values(&c, &ref));
    CHECK_OK(specl_config_load(&c, write_tmp("comments.ini", "; nothing\n\n# here\n   \n")));
    CHECK(same_values(&c, &ref));
    CHECK_OK(specl_config_load(&c, write_tmp("sections.ini", "[data]\n[train]\n")));
    CHECK(same_values(&c, &ref));
    CHECK_OK(specl_config_load(&c, write_tmp("top.ini", "seed = 9007199254740992\n[data]\nd=2\n")));
    CHECK(specl_config_int(&c, "seed") == 9007199254740992LL);
    CHECK(specl_config_int(&c, "data.d") == 2);
    CHECK(strcmp(specl_config_str(&c, "seed"), "9007199254740992") == 0);
    CHECK_OK(specl_config_load_string(&c, "seed = 5\n", "inline"));
    CHECK(specl_config_int(&c, "seed") == 5);
    CHECK(strcmp(specl_config_origin(&c, "seed"), "inline:1") == 0);
    specl_config_free(&c);
    specl_config_free(&ref);
}

TEST(load_errors_sections_and_keys) {
    expect_load_error("sec.ini", "seed = 2\n[daat]\nd = 3\n", SPECL_EINVAL, 2,
                      "unknown section [daat]; valid sections: [data], [model], [train], [eval]");
    expect_load_error("sec_empty.ini", "[data]\nd = 3\n\n[foo]\n", SPECL_EINVAL, 4,
                      "unknown section [foo]");
    expect_load_error("sec_blank.ini", "[]\nseed = 3\n", SPECL_EINVAL, 1, "unknown section []");
    expect_load_error("key.ini", "[train]\nlr = 0.1\nlrr = 1\n", SPECL_EINVAL, 3,
                      "unknown key 'lrr' in [train]; valid keys: loss, lambda, estimator,");
    expect_load_error("key2.ini", "[train]\nlrr = 1\n", SPECL_EINVAL, 2, "budget_scale");
    expect_load_error("top.ini", "d = 20\n[data]\n", SPECL_EINVAL, 1,
                      "unknown top-level key 'd'; valid top-level keys: seed, threads; sections: [data]");
    expect_load_error("hint.ini", "d = 20\n", SPECL_EINVAL, 1, "(did you mean data.d?)");
    expect_load_error("hint2.ini", "[train]\nk = 3\n", SPECL_EINVAL, 2,
                      "unknown key 'k' in [train]; valid keys: loss,");
    expect_load_error("hint3.ini", "[train]\nk = 3\n", SPECL_EINVAL, 2, "(did you mean model.k?)");
    expect_load_error("noname.ini", "[data]\n= 20\n", SPECL_EINVAL, 2, "missing key name");
    expect_load_error("dup.ini", "[train]\nlr = 0.1\n\nsteps = 3\nlr = 0.2\n", SPECL_EINVAL, 5,
                      "duplicate key train.lr (first set on line 2)");
    expect_load_error("dup2.ini", "seed = 1\n[data]\nd = 3\n[train]\n[data]\nd = 3\n",
                      SPECL_EINVAL, 6, "duplicate key data.d (first set on line 3)");
    expect_load_error("dup3.ini", "seed = 1\nseed = 2\n", SPECL_EINVAL, 2,
                      "duplicate key seed (first set on line 1)");
}

TEST(load_errors_values) {
    expect_load_error("int.ini", "[data]\nd = abc\n", SPECL_EINVAL, 2,
                      "data.d = abc: expected an integer in [1, 4096]");
    expect_load_error("int2.ini", "[data]\nd = 2.5\n", SPECL_EINVAL, 2, "expected an integer");
    expect_load_error("int3.ini", "[data]\nd = 0x10\n", SPECL_EINVAL, 2, "expected an integer");
    expect_load_error("range.ini", "[data]\ns = 5\nd = 0\n", SPECL_EINVAL, 3,
                      "data.d = 0: out of range: expected an integer in [1, 4096]");
    expect_load_error("range2.ini", "[data]\nd = 4097\n", SPECL_EINVAL, 2, "[1, 4096]");
    expect_load_error("range3.ini", "seed = 9007199254740993\n", SPECL_EINVAL, 1,
                      "out of range: expected an integer in [0, 9007199254740992]");
    expect_load_error("range4.ini", "seed = 99999999999999999999999\n", SPECL_EINVAL, 1,
                      "out of range");
    expect_load_error("range5.ini", "[train]\nsteps = 1e10\n", SPECL_EINVAL, 2,
                      "out of range: expected an integer in [1, 1000000000]");
    expect_load_error("dbl.ini", "[train]\nlr = fast\n", SPECL_EINVAL, 2,
                      "train.lr = fast: expected a number in [1e-09, 100]");
    expect_load_error("dbl2.ini", "[train]\nlr = nan\n", SPECL_EINVAL, 2, "expected a number");
    expect_load_error("dbl3.ini", "[train]\nlr = inf\n", SPECL_EINVAL, 2, "expected a number");
    expect_load_error("dbl4.ini", "[train]\nlr = 1e999\n", SPECL_EINVAL, 2, "out of range");
    expect_load_error("dbl5.ini", "[train]\nmomentum = 1\n", SPECL_EINVAL, 2,
                      "out of range: expected a number in [0, 0.999999]");
    expect_load_error("dbl6.ini", "[train]\nlr = 0.1 0.2\n", SPECL_EINVAL, 2, "expected a number");
    expect_load_error("enum.ini", "[model]\nclass = vit\n", SPECL_EINVAL, 2,
                      "model.class = vit: expected one of linear, affine, relu1, mlp, table");
    expect_load_error("enum2.ini", "[model]\nclass = Linear\n", SPECL_EINVAL, 2, "one of linear");
    expect_load_error("bool.ini", "[train]\nboth_views = maybe\n", SPECL_EINVAL, 2,
                      "train.both_views = maybe: expected a boolean");
    expect_load_error("empty.ini", "[train]\nlr =\n", SPECL_EINVAL, 2, "train.lr: empty value");
    expect_load_error("empty2.ini", "[train]\nlr =   ; nothing\n", SPECL_EINVAL, 2,
                      "empty value (expected a number in [1e-09, 100])");
    expect_load_error("empty3.ini", "[data]\nlabels = # nothing\n", SPECL_EINVAL, 2,
                      "data.labels: empty value");
}

TEST(load_errors_syntax_and_io) {
    expect_load_error("syn.ini", "[train\nlr = 0.1\n", SPECL_EINVAL, 1, "syntax error");
    expect_load_error("syn2.ini", "[train]\nlr = 0.1\njust words\n", SPECL_EINVAL, 3,
                      "syntax error");
    /* the first error in line order is the one reported */
    expect_load_error("first1.ini", "[train]\njunk\nlrr = 1\n", SPECL_EINVAL, 2, "syntax error");
    expect_load_error("first2.ini", "[train]\nlrr = 1\njunk\n", SPECL_EINVAL, 2, "unknown key");
    expect_load_error("first3.ini", "[train]\njunk\n[nope]\n", SPECL_EINVAL, 2, "syntax error");
    /* a line longer than inih's buffer is an error, not silently split */
    char longline[600];
    snprintf(longline, sizeof longline, "[data]\nlabels = x1");
    for (int i = 0; i < 100; i++) strcat(longline, ",x1");
    strcat(longline, "\n");
    expect_load_error("long.ini", longline, SPECL_EINVAL, 2, "line too long");
    /* ... but a long trailing comment is fine */
    char longcomment[600];
    snprintf(longcomment, sizeof longcomment, "[data]\nd = 3 ;");
    for (int i = 0; i < 100; i++) strcat(longcomment, " xx");
    strcat(longcomment, "\n");
    specl_config c;
    CHECK_OK(specl_config_init(&c, specl_cfg_keys));
    CHECK_OK(specl_config_load(&c, write_tmp("longcomment.ini", longcomment)));
    CHECK(specl_config_int(&c, "data.d") == 3);
    /* a missing file */
    char path[600];
    snprintf(path, sizeof path, "%s", tmp_path("does_not_exist.ini"));
    specl_error_clear();
    CHECK(specl_config_load(&c, path) == SPECL_EIO);
    CHECK_DETAIL(path);
    specl_config_free(&c);
}

TEST(failed_load_changes_nothing) {
    specl_config c;
    CHECK_OK(specl_config_init(&c, specl_cfg_keys));
    CHECK_OK(specl_config_set(&c, "train.lr=0.5"));
    char path[600];
    snprintf(path, sizeof path, "%s",
             write_tmp("partial.ini", "seed = 7\n[train]\nlr = 0.2\nsteps = -1\n"));
    CHECK(specl_config_load(&c, path) == SPECL_EINVAL);
    CHECK(specl_config_int(&c, "seed") == 1);
    CHECK(specl_config_double(&c, "train.lr") == 0.5);
    CHECK(strcmp(specl_config_origin(&c, "train.lr"), "--set") == 0);
    specl_config_free(&c);
}

TEST(set_overrides) {
    specl_config c;
    CHECK_OK(specl_config_init(&c, specl_cfg_keys));
    char path[600];
    snprintf(path, sizeof path, "%s", write_tmp("base.ini", "seed = 4\n[train]\nlr = 0.2\n"));
    CHECK_OK(specl_config_load(&c, path));
    CHECK_OK(specl_config_set(&c, "train.lr=0.3"));
    CHECK(specl_config_double(&c, "train.lr") == 0.3);
    CHECK(strcmp(specl_config_origin(&c, "train.lr"), "--set") == 0);
    CHECK_OK(specl_config_set(&c, "train.lr = 0.4 "));
    CHECK(specl_config_double(&c, "train.lr") == 0.4);
    CHECK_OK(specl_config_set(&c, "seed=3"));
    CHECK(specl_config_int(&c, "seed") == 3);
    CHECK_OK(specl_config_set(&c, "model.class=mlp"));
    CHECK(strcmp(specl_config_str(&c, "model.class"), "mlp") == 0);
    CHECK_OK(specl_config_set(&c, "eval.bias=1"));
    CHECK(specl_config_bool(&c, "eval.bias") == 1);
    CHECK_OK(specl_config_set(&c, "eval.bias=no"));
    CHECK(specl_config_bool(&c, "eval.bias") == 0);
    CHECK_OK(specl_config_set(&c, "data.labels=x1,x2=y")); /* '=' in the value */
    CHECK(strcmp(specl_config_str(&c, "data.labels"), "x1,x2=y") == 0);
    specl_config_free(&c);
}

TEST(set_errors) {
    specl_config c, ref;
    CHECK_OK(specl_config_init(&c, specl_cfg_keys));
    CHECK_OK(specl_config_init(&ref, specl_cfg_keys));
    expect_set_error(&c, "train.lr=abc", "expected a number in [1e-09, 100]");
    CHECK(!strcmp(specl_error_detail(), "--set train.lr=abc: expected a number in [1e-09, 100]"));
    expect_set_error(&c, "train.lr=0", "out of range: expected a number in [1e-09, 100]");
    expect_set_error(&c, "train.lr", "expected section.key=value");
    expect_set_error(&c, "=3", "expected section.key=value");
    expect_set_error(&c, ".lr=3", "expected section.key=value");
    expect_set_error(&c, "train.=3", "expected section.key=value");
    expect_set_error(&c, "foo.x=1", "unknown section [foo]; valid sections: [data]");
    expect_set_error(&c, "train.lrr=1", "unknown key 'lrr' in [train]; valid keys: loss,");
    expect_set_error(&c, "d=3", "unknown top-level key 'd'");
    expect_set_error(&c, "d=3", "(did you mean data.d?)");
    expect_set_error(&c, "train.lr=", "empty value");
    expect_set_error(&c, "data.d=5000", "out of range: expected an integer in [1, 4096]");
    expect_set_error(&c, "model.class=vit", "expected one of linear, affine, relu1, mlp, table");
    expect_set_error(&c, "train.both_views=2", "expected a boolean");
    expect_set_error(&c, "data.labels=x1 ;x2", "starts a comment");
    expect_set_error(&c, "data.labels=#x1", "starts a comment");
    expect_set_error(&c, "data.labels=x1\nx2", "control character");
    char big[300] = "data.labels=";
    for (int i = 0; i < 60; i++) strcat(big, "x1,");
    expect_set_error(&c, big, "longer than");
    CHECK(same_values(&c, &ref));
    specl_config_free(&c);
    specl_config_free(&ref);
}

TEST(render_round_trip) {
    specl_config c, back;
    CHECK_OK(specl_config_init(&c, specl_cfg_keys));
    char path[600];
    snprintf(path, sizeof path, "%s",
             write_tmp("rt_in.ini", "seed = 12345\n[data]\ntau_lo = 0.1\n[train]\nlr = 1e-7\n"));
    CHECK_OK(specl_config_load(&c, path));
    CHECK_OK(specl_config_set(&c, "train.weight_decay=0.30000000000000004"));
    CHECK_OK(specl_config_set(&c, "data.tau_hi=0.3333333333333333"));
    CHECK_OK(specl_config_set(&c, "eval.knn_t=1e-6"));
    CHECK_OK(specl_config_set(&c, "eval.ridge=2.2250738585072014e-308"));
    CHECK_OK(specl_config_set(&c, "train.momentum=0.99999899999999997"));
    CHECK_OK(specl_config_set(&c, "train.both_views=yes"));
    CHECK_OK(specl_config_set(&c, "data.labels=x1,patterns:4"));
    CHECK_OK(specl_config_set(&c, "model.class=table"));
    CHECK_OK(specl_config_set(&c, "train.steps=2e3"));
    CHECK(specl_config_double(&c, "train.weight_decay") == 0.1 + 0.2);
    specl_str s = {0};
    CHECK_OK(specl_config_render(&c, &s));
    CHECK(s.buf && strstr(s.buf, "; default"));
    CHECK(s.buf && strstr(s.buf, "; from --set"));
    char from[650];
    snprintf(from, sizeof from, "; from %s:5", path);
    CHECK(s.buf && strstr(s.buf, from));
    /* order: top level, then sections in table order */
    const char *p_seed = strstr(s.buf, "\nseed = "), *p_data = strstr(s.buf, "[data]");
    const char *p_model = strstr(s.buf, "[model]"), *p_train = strstr(s.buf, "[train]");
    const char *p_eval = strstr(s.buf, "[eval]");
    CHECK(p_seed && p_data && p_model && p_train && p_eval);
    CHECK(p_seed < p_data && p_data < p_model && p_model < p_train && p_train < p_eval);
    CHECK(strstr(s.buf, "lr = 1e-07 ") != NULL);
    CHECK(strstr(s.buf, "weight_decay = 0.30000000000000004 ") != NULL);
    /* every key is written */
    for (int i = 0; i < c.n; i++) {
        char line[200];
        snprintf(line, sizeof line, "\n%s = ", c.table[i].key);
        CHECK(strstr(s.buf, line) != NULL);
    }
    char out[600];
    snprintf(out, sizeof out, "%s", tmp_path("rt_out.ini"));
    CHECK_OK(specl_write_file_atomic(out, s.buf, s.len));
    CHECK_OK(specl_config_init(&back, specl_cfg_keys));
    CHECK_OK(specl_config_load(&back, out));
    if (!same_values(&c, &back)) fprintf(stderr, "%s", s.buf);
    CHECK(same_values(&c, &back));
    CHECK(specl_config_double(&back, "train.lr") == 1e-7);
    CHECK(specl_config_double(&back, "data.tau_lo") == 0.1);
    /* rendering the reloaded config gives the same values again */
    specl_str s2 = {0};
    CHECK_OK(specl_config_render(&back, &s2));
    specl_config again;
    CHECK_OK(specl_config_init(&again, specl_cfg_keys));
    CHECK_OK(specl_config_load_string(&again, s2.buf, "render2"));
    CHECK(same_values(&c, &again));
    specl_str_free(&s);
    specl_str_free(&s2);
    specl_config_free(&c);
    specl_config_free(&back);
    specl_config_free(&again);
}

TEST(render_defaults_round_trip) {
    specl_config c, back;
    CHECK_OK(specl_config_init(&c, specl_cfg_keys));
    CHECK_OK(specl_config_init(&back, specl_cfg_keys));
    CHECK_OK(specl_config_set(&back, "train.lr=0.7")); /* must be overwritten by the load */
    specl_str s = {0};
    CHECK_OK(specl_config_render(&c, &s));
    CHECK_OK(specl_config_load_string(&back, s.buf, "defaults"));
    CHECK(same_values(&c, &back));
    specl_str_free(&s);
    specl_config_free(&c);
    specl_config_free(&back);
}

TEST(help_listing) {
    specl_config c;
    CHECK_OK(specl_config_init(&c, specl_cfg_keys));
    specl_str s = {0};
    CHECK_OK(specl_config_help(&c, &s));
    CHECK(s.buf != NULL);
    for (int i = 0; s.buf && i < c.n; i++) {
        char name[128];
        snprintf(name, sizeof name, "%s%s%s", c.table[i].section, *c.table[i].section ? "." : "",
                 c.table[i].key);
        CHECK(strstr(s.buf, name) != NULL);
        CHECK(strstr(s.buf, c.table[i].help) != NULL);
        CHECK(c.table[i].help[0] != 0 && strchr(c.table[i].help, '\n') == NULL);
    }
    CHECK(s.buf && strstr(s.buf, "one of linear, affine, relu1, mlp, table"));
    CHECK(s.buf && strstr(s.buf, "[1, 4096]"));
    CHECK(s.buf && strstr(s.buf, "[1e-09, 100]"));
    CHECK(s.buf && strstr(s.buf, "[train]"));
    CHECK(s.buf && strstr(s.buf, "default 1          [0, 1e+06]")); /* tau_hi "1.0", canonical */
    CHECK(s.buf && strstr(s.buf, "default false"));
    specl_str_free(&s);
    specl_config_free(&c);
}

TEST(custom_tables) {
    /* another table: a new section, no top-level keys */
    static const specl_cfg_key extra[] = {
        {"probe", "depth", SPECL_CFG_INT, "3", 0, 10, NULL, "probe depth"},
        {"probe", "mode", SPECL_CFG_ENUM, "fast", 0, 0, "fast|slow", "probe mode"},
        {NULL, NULL, SPECL_CFG_INT, NULL, 0, 0, NULL, NULL},
    };
    specl_config c;
    CHECK_OK(specl_config_init(&c, extra));
    CHECK(c.n == 2);
    CHECK(specl_config_int(&c, "probe.depth") == 3);
    CHECK_OK(specl_config_load_string(&c, "[probe]\nmode = slow\n", "x.ini"));
    CHECK(strcmp(specl_config_str(&c, "probe.mode"), "slow") == 0);
    CHECK(specl_config_load_string(&c, "seed = 1\n", "x.ini") == SPECL_EINVAL);
    CHECK_DETAIL("x.ini:1: unknown top-level key 'seed'; valid top-level keys: (none)");
    specl_config_free(&c);

    static const specl_cfg_key bad_default[] = {
        {"a", "n", SPECL_CFG_INT, "11", 0, 10, NULL, "n"},
        {NULL, NULL, SPECL_CFG_INT, NULL, 0, 0, NULL, NULL},
    };
    CHECK(specl_config_init(&c, bad_default) == SPECL_EINVAL);
    CHECK_DETAIL("a.n");
    CHECK(c.val == NULL);
    specl_config_free(&c);
    static const specl_cfg_key dup[] = {
        {"a", "n", SPECL_CFG_INT, "1", 0, 10, NULL, "n"},
        {"a", "n", SPECL_CFG_INT, "1", 0, 10, NULL, "n"},
        {NULL, NULL, SPECL_CFG_INT, NULL, 0, 0, NULL, NULL},
    };
    CHECK(specl_config_init(&c, dup) == SPECL_EINVAL);
    CHECK_DETAIL("duplicate key");
    static const specl_cfg_key no_choices[] = {
        {"a", "e", SPECL_CFG_ENUM, "x", 0, 0, NULL, "e"},
        {NULL, NULL, SPECL_CFG_INT, NULL, 0, 0, NULL, NULL},
    };
    CHECK(specl_config_init(&c, no_choices) == SPECL_EINVAL);
    static const specl_cfg_key bad_name[] = {
        {"a.b", "e", SPECL_CFG_INT, "1", 0, 1, NULL, "e"},
        {NULL, NULL, SPECL_CFG_INT, NULL, 0, 0, NULL, NULL},
    };
    CHECK(specl_config_init(&c, bad_name) == SPECL_EINVAL);
    static const specl_cfg_key frac_range[] = {
        {"a", "n", SPECL_CFG_INT, "1", 0.5, 10, NULL, "n"},
        {NULL, NULL, SPECL_CFG_INT, NULL, 0, 0, NULL, NULL},
    };
    CHECK(specl_config_init(&c, frac_range) == SPECL_EINVAL);
    specl_config_free(&c);
}

RUN_TESTS(
    RUN(defaults);
    RUN(load_good_file);
    RUN(comments_and_whitespace);
    RUN(top_level_keys_and_empty_files);
    RUN(load_errors_sections_and_keys);
    RUN(load_errors_values);
    RUN(load_errors_syntax_and_io);
    RUN(failed_load_changes_nothing);
    RUN(set_overrides);
    RUN(set_errors);
    RUN(render_round_trip);
    RUN(render_defaults_round_trip);
    RUN(help_listing);
    RUN(custom_tables)
)
