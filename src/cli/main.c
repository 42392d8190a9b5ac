/* specl command line: train, eval, embed, reproduce. The only layer that prints and exits.
 * Exit status: 0 success, 2 usage or input error (bad flag, config, file), 1 runtime failure. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "cli.h"

static const char *usage_ =
    "usage: specl <command> [options]\n"
    "\n"
    "commands:\n"
    "  train -c CONFIG [--set section.key=value ...] [--out DIR] [--quiet]\n"
    "        train an encoder; writes DIR (default runs/<config name>): config.ini, cmdline.txt,\n"
    "        train.log, metrics.csv, checkpoints/, encoder.safetensors, results.json.\n"
    "        SIGINT/SIGTERM write a checkpoint and stop (exit 128 + signal)\n"
    "  train --resume DIR\n"
    "        continue a stopped or killed run from its latest checkpoint; the end result is\n"
    "        bit-identical to an uninterrupted run\n"
    "  eval RUN_DIR [--set section.key=value ...] [--json]\n"
    "        re-measure a trained run (population loss, closed-form optimum, linear probes, kNN)\n"
    "  embed RUN_DIR [--set ...] --out FILE.npy\n"
    "        embeddings (n, k) of eval.n_test fresh samples; their labels (n, L) go to FILE.labels.npy\n"
    "  reproduce [--quick] [--only ID,ID...] [--experiments DIR] [--set ...] --out DIR\n"
    "        check the paper's claims from the configs in DIR (default experiments/); writes\n"
    "        DIR/results.json, DIR/index.html (open it in a browser), DIR/report.md and the\n"
    "        figures in DIR/fig/ (.svg with its gnuplot .gp and data .csv). --quick: a quarter of\n"
    "        the steps, at most 3 seeds, 40 random graphs, lambda <= 1 (claims that need the full\n"
    "        budget may not hold there); --set applies after the file and --quick\n"
    "  theory -c CONFIG [--set ...] | --graph W.mtx [--partition P] [--features X.npy]\n"
    "         [--k K] [--lambda L] [--method auto|dense|arpack] [--eigvecs OUT.npy] [--json]\n"
    "        the paper's exact quantities on a finite positive-pair graph: Laplacian spectrum with\n"
    "        residuals, alpha, beta, P_min, P_max, phi_m, the closed-form table minimizer and its\n"
    "        probe error on the partition, the bounds of Thm 3.6 and 4.5 (null where they do not apply)\n"
    "  --help     this text and every config key with its default and range\n"
    "  --version  print the version\n"
    "\n"
    "The same seed and thread count give bit-identical results.\n";

static int help_(void) {
    specl_config c;
    specl_str s = { 0 };
    fputs(usage_, stdout);
    if (specl_config_init(&c, specl_cfg_keys) == SPECL_OK && specl_config_help(&c, &s) == SPECL_OK)
        printf("\nconfig keys (INI sections; override with --set section.key=value):\n%s", s.buf ? s.buf : "");
    specl_str_free(&s);
    specl_config_free(&c);
    return 0;
}

int main(int argc, char **argv) {
    if (argc < 2) { fputs(usage_, stderr); return 2; }
    const char *cmd = argv[1];
    if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") || !strcmp(cmd, "help")) return help_();
    if (!strcmp(cmd, "--version")) { printf("specl %s\n", SPECL_VERSION); return 0; }
    if (!strcmp(cmd, "train")) return cli_train(argc - 1, argv + 1);
    if (!strcmp(cmd, "eval")) return cli_eval(argc - 1, argv + 1);
    if (!strcmp(cmd, "embed")) return cli_embed(argc - 1, argv + 1);
    if (!strcmp(cmd, "reproduce")) return cli_reproduce(argc - 1, argv + 1);
    if (!strcmp(cmd, "theory")) return cli_theory(argc - 1, argv + 1);
    fprintf(stderr, "specl: unknown command '%s' (expected train, eval, embed, reproduce, theory, --help, --version)\n", cmd);
    return 2;
}
