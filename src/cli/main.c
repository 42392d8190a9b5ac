/* specl command line: train, eval, embed, reproduce. The only layer that prints and exits.
 * Exit status: 0 success, 2 usage or input error (bad flag, config, file), 1 runtime failure. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "cli.h"
#ifdef SPECL_MPI
#include <mpi.h>
#endif

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
    "        re-measure a trained run (population loss, closed-form optimum, linear probes, kNN);\n"
    "        image runs: logistic, least-squares and kNN probes on the features and the output, beside\n"
    "        the raw pixels and the random initialization, written to RUN_DIR/eval.json\n"
    "  embed RUN_DIR [--set ...] [--split train|test] --out FILE.npy\n"
    "        embeddings (n, k) of eval.n_test fresh samples; their labels (n, L) go to FILE.labels.npy.\n"
    "        Image datasets: the un-augmented images of the split (default train), in file order\n"
    "  reproduce [--quick] [--only ID,ID...] [--experiments DIR] [--set ...] --out DIR\n"
    "        check the paper's claims from the configs in DIR (default experiments/); writes\n"
    "        DIR/results.json, DIR/index.html (open it in a browser), DIR/report.md and the\n"
    "        figures in DIR/fig/ (.svg with its gnuplot .gp and data .csv). --quick: a quarter of\n"
    "        the steps, at most 3 seeds, 40 random graphs, lambda <= 1 (claims that need the full\n"
    "        budget may not hold there); --set applies after the file and --quick\n"
    "        --set claim.control=NAME runs a claim's negative control (its check must then fail)\n"
    "  claims [--json]\n"
    "        the registry of claims: id, part, paper source, the statement that decides holds, the\n"
    "        file implementing it and its negative control, as a Markdown table (or JSON)\n"
    "  theory -c CONFIG [--set ...] | --graph W.mtx [--partition P] [--features X.npy]\n"
    "         [--k K] [--lambda L] [--method auto|dense|arpack] [--eigvecs OUT.npy] [--json]\n"
    "        the paper's exact quantities on a finite positive-pair graph: Laplacian spectrum with\n"
    "        residuals, alpha, beta, P_min, P_max, phi_m, the closed-form table minimizer and its\n"
    "        probe error on the partition, the bounds of Thm 3.6 and 4.5 (null where they do not apply)\n"
    "  phim -c CONFIG [--set ...] [--quick] [--quiet] --out DIR\n"
    "        the Sec. 6 procedure: for each architecture of phim.archs, pretrain once, then train at\n"
    "        k = m for every m of phim.ms and lambda of phim.lambdas, whiten on the test split and take\n"
    "        the minimum over lambda of the alignment; writes DIR/phim.md, phim.csv, phim.json,\n"
    "        fig/phim.svg. --quick: <= 5000/2000 images, lambda in {1, 10, 100}, a quarter of the steps\n"
    "  --help     this text and every config key with its default and range\n"
    "  --version  print the version\n"
    "\n"
    "Under mpirun -np P: train is data-parallel (one model, each rank a share of every batch);\n"
    "reproduce and phim deal their claim files / points to the ranks and rank 0 writes the same results\n"
    "as one process (docs/mpi.md). The same seed and thread count give bit-identical results.\n";

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

static int command_(int argc, char **argv) {
    if (argc < 2) { fputs(usage_, stderr); return 2; }
    const char *cmd = argv[1];
    if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") || !strcmp(cmd, "help")) return help_();
    if (!strcmp(cmd, "--version")) { printf("specl %s\n", SPECL_VERSION); return 0; }
    if (!strcmp(cmd, "train")) return cli_train(argc - 1, argv + 1);
    if (!strcmp(cmd, "eval")) return cli_eval(argc - 1, argv + 1);
    if (!strcmp(cmd, "embed")) return cli_embed(argc - 1, argv + 1);
    if (!strcmp(cmd, "reproduce")) return cli_reproduce(argc - 1, argv + 1);
    if (!strcmp(cmd, "theory")) return cli_theory(argc - 1, argv + 1);
    if (!strcmp(cmd, "claims")) return cli_claims(argc - 1, argv + 1);
    if (!strcmp(cmd, "phim")) return cli_phim(argc - 1, argv + 1);
    fprintf(stderr, "specl: unknown command '%s' (expected train, eval, embed, reproduce, claims, theory, phim, --help, --version)\n", cmd);
    return 2;
}

/* libgomp reads OMP_WAIT_POLICY once, when it is loaded, before main. Unset, its idle threads
 * spin after every parallel region while OpenBLAS's own threads (the pthread build Debian's
 * libopenblas-dev selects) spin after every sgemm, and on 2 cores the two pools take turns
 * stealing each other's core: a 300-step linear run on Fashion-MNIST took 4.5 s against 1.6 s
 * with PASSIVE (and 2.3 s on one thread). So when the variable is unset, specl sets it and
 * executes itself again (same pid, same arguments); a user's own setting is kept. Not under
 * valgrind, whose /proc/self/exe is the tool (it preloads vgpreload_*). */
static void passive_omp_(char **argv) {
    if (getenv("OMP_WAIT_POLICY")) return;
    const char *pre = getenv("LD_PRELOAD");
    if (pre && strstr(pre, "vgpreload")) return;
    if (setenv("OMP_WAIT_POLICY", "PASSIVE", 1) != 0) return;
    execv("/proc/self/exe", argv);   /* returns only on failure: then run on as is */
}

/* Under an MPI launcher (docs/mpi.md) MPI is initialized here, and only here, before the command and
 * finalized after it; a plain run never touches MPI. `specl train` is data-parallel, `specl reproduce`
 * and `specl phim` share their sweeps' points over the ranks; the others refuse more than one rank
 * rather than run P copies that write the same files. */
int main(int argc, char **argv) {
    passive_omp_(argv);
    if (!specl_comm_launched()) return command_(argc, argv);
#ifdef SPECL_MPI
    const char *cmd = argc > 1 ? argv[1] : "";
    int provided = 0;
    if (MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided) != MPI_SUCCESS) {
        fprintf(stderr, "specl: MPI_Init failed\n");
        return 1;
    }
    specl_comm w;
    specl_comm_world(&w);
    int rc = 2;
    if (w.size == 1 || !strcmp(cmd, "train") || !strcmp(cmd, "reproduce") || !strcmp(cmd, "phim")) rc = command_(argc, argv);
    else if (w.rank == 0)
        fprintf(stderr, "specl: only `specl train`, `specl reproduce` and `specl phim` run on several MPI ranks (this is '%s' on %d "
                "ranks); run it without mpirun\n", cmd, w.size);
    MPI_Finalize();
    return rc;
#else
    const char *np = getenv("OMPI_COMM_WORLD_SIZE");
    if (!np) np = getenv("PMI_SIZE");
    if (np && atoi(np) > 1) {
        fprintf(stderr, "specl: started by mpirun with %s ranks, but this specl was built without MPI "
                "(install libopenmpi-dev and rebuild; see docs/mpi.md)\n", np);
        return 2;
    }
    return command_(argc, argv);
#endif
}
