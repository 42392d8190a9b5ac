/* src/cli/cli.h: the commands and the small helpers they share. */
#ifndef SPECL_CLI_H
#define SPECL_CLI_H
#include "run.h"

int cli_train(int argc, char **argv);
int cli_eval(int argc, char **argv);
int cli_embed(int argc, char **argv);
int cli_reproduce(int argc, char **argv);
int cli_claims(int argc, char **argv);      /* the registry of claims as Markdown or JSON */
int cli_theory(int argc, char **argv);
int cli_phim(int argc, char **argv);

/* Storage behind a φ_m spec built from a config (phim.archs, phim.ms, phim.lambdas). */
#define CLI_PHIM_MAX 64
typedef struct cli_phim_store {
    int n_arch, n_m, n_lambda;
    char names[CLI_PHIM_MAX][32];
    char *name_ptr[CLI_PHIM_MAX];
    specl_model_spec arch[CLI_PHIM_MAX];
    int ms[CLI_PHIM_MAX];
    double lambdas[CLI_PHIM_MAX];
} cli_phim_store;
/* The φ_m spec of a config over the two sources (the store must outlive the spec). */
int cli_phim_spec(const specl_config *c, const specl_source *train, const specl_source *test, cli_phim_store *store,
                  specl_phim_spec *s);
/* The --quick reductions of `specl phim` (full = 1) or of a φ_m claim under reproduce --quick
 * (full = 0: the steps are already cut, the λ grid is kept). Applied after the file, before --set. */
int cli_phim_quick(specl_config *c, int full);

/* Parsed common flags. */
typedef struct cli_args {
    const char *config, *out, *only, *experiments, *run;
    const char *graph, *partition, *features, *eigvecs, *k, *lambda, *method;   /* theory */
    const char *resume;                                                        /* train */
    const char *split;                                                         /* embed */
    const char *sets[256];
    int n_sets, quiet, json, quick;
} cli_args;
/* Parse flags of `cmd`; `allowed` lists the accepted flags ("-c --set --out ..."); a positional
 * argument goes to run. Returns 0 or prints an error and returns 2. */
int cli_parse_args(const char *cmd, int argc, char **argv, const char *allowed, int want_run, cli_args *a);
/* Load defaults, the config file (if any) and the --set assignments. Prints errors; returns exit status. */
int cli_load_config(const char *cmd, const cli_args *a, specl_config *c);
/* Set OpenBLAS and OpenMP to the config's `threads`. */
void cli_apply_threads(const specl_config *c);
/* mkdir -p; SPECL_EIO naming the path on failure. */
int cli_mkdirs(const char *path);
#endif
