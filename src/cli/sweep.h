/* src/cli/sweep.h: the independent points of a sweep spread over MPI ranks (docs/mpi.md): the claim
 * files of `specl reproduce` and the (architecture, m, λ) points of `specl phim`. Point i runs on rank
 * i mod P; rank 0 gathers the results (specl_comm_gather_bytes) and alone writes and prints them.
 * Without mpirun: rank 0 of 1, and every message reads as it always did. */
#ifndef SPECL_CLI_SWEEP_H
#define SPECL_CLI_SWEEP_H
#include <stddef.h>
#include "cli.h"

typedef struct cli_sweep {
    specl_comm comm;
    const char *cmd;        /* "reproduce", "phim": the command in messages */
    int saved_stderr;       /* the real stderr while it is muted (ranks other than 0, setup), else -1 */
} cli_sweep;

/* The world communicator. On the ranks other than 0 of several, stderr goes to /dev/null until the
 * first cli_sweep_agree: the setup (flags, config, experiments directory) is the same on every rank,
 * and rank 0 reports its errors once. */
void cli_sweep_begin(cli_sweep *w, const char *cmd);
/* Does this rank run point i? (i mod P = rank) */
int cli_sweep_mine(const cli_sweep *w, size_t i);
/* The end of a phase that may fail on some ranks only; every rank must call it, so no rank waits for
 * one that stopped. code: the exit status of a failure this rank has already reported (0 if none);
 * st: a library status not yet reported (SPECL_OK if none). Returns the exit status every rank goes
 * on with: 0 if every rank passed, else the largest. Rank 0 prints the unreported failures of every
 * rank, each distinct message once ("specl CMD (MPI rank r of P): error: ..." for the others), and
 * says which rank failed where its message was muted. Restores a muted stderr. One process:
 * cli_fail(cmd, st) if st, else code. */
int cli_sweep_agree(cli_sweep *w, int code, int st);
/* The exit status of a library status, as cli_fail returns it. */
int cli_sweep_exit_status(int st);

#endif
