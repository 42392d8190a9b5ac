/* A sweep spread over MPI ranks (sweep.h): the status agreement and the failure messages. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "sweep.h"

void cli_sweep_begin(cli_sweep *w, const char *cmd) {
    specl_comm_world(&w->comm);
    w->cmd = cmd;
    w->saved_stderr = -1;
    if (w->comm.size == 1 || w->comm.rank == 0) return;
    fflush(stderr);
    int nul = open("/dev/null", O_WRONLY), saved = nul >= 0 ? dup(2) : -1;
    if (saved >= 0 && dup2(nul, 2) >= 0) w->saved_stderr = saved;
    else if (saved >= 0) close(saved);
    if (nul >= 0) close(nul);
}

int cli_sweep_mine(const cli_sweep *w, size_t i) { return (int)(i % (size_t)w->comm.size) == w->comm.rank; }

int cli_sweep_exit_status(int st) {
    return (st == SPECL_EINVAL || st == SPECL_EFORMAT || st == SPECL_EIO) ? 2 : 1;   /* as cli_fail */
}

/* Each rank sends one line: 'E' and its unreported error, 'M' (it failed while muted: rank 0 says so
 * where it did not fail itself), or '-' (nothing to report). */
int cli_sweep_agree(cli_sweep *w, int code, int st) {
    int muted = w->saved_stderr >= 0;
    if (muted) {
        fflush(stderr);
        dup2(w->saved_stderr, 2);
        close(w->saved_stderr);
        w->saved_stderr = -1;
    }
    if (w->comm.size == 1) return st ? cli_fail(w->cmd, st) : code;
    int mine = code ? code : st ? cli_sweep_exit_status(st) : 0;
    specl_comm_barrier_idle(&w->comm);   /* the ranks done first wait asleep for the slowest */
    int all = specl_comm_agree(&w->comm, mine, NULL);
    if (!all) return 0;
    char msg[1200];
    const char *d = specl_error_detail();
    if (st) snprintf(msg, sizeof msg, "E%s", d[0] ? d : specl_strerror(st));
    else snprintf(msg, sizeof msg, "%s", code && muted ? "M" : "-");
    char *got = NULL;
    size_t *lens = NULL;
    int gst = specl_comm_gather_bytes(&w->comm, msg, strlen(msg) + 1, 0, &got, &lens);
    if (w->comm.rank == 0 && gst) {   /* say what rank 0 knows */
        if (st) fprintf(stderr, "specl %s: error: %s\n", w->cmd, msg + 1);
        else if (!mine) fprintf(stderr, "specl %s: error: stopped: another MPI rank failed\n", w->cmd);
    }
    if (w->comm.rank == 0 && !gst) {
        const char *p = got;
        int first_m = -1, n_m = 0;
        for (int r = 0; r < w->comm.size; p += lens[r++]) {
            if (p[0] == 'M' && !n_m++) first_m = r;
            if (p[0] != 'E') continue;
            int seen = 0;   /* the same failure on several ranks (a bad --set): reported once */
            for (const char *q = got; q < p && !seen; q += strlen(q) + 1) seen = q[0] == 'E' && !strcmp(q + 1, p + 1);
            if (seen) continue;
            if (r == 0) fprintf(stderr, "specl %s: error: %s\n", w->cmd, p + 1);
            else fprintf(stderr, "specl %s (MPI rank %d of %d): error: %s\n", w->cmd, r, w->comm.size, p + 1);
        }
        if (n_m && !mine)   /* rank 0 passed the setup that failed there: its files differ? */
            fprintf(stderr, "specl %s: error: stopped: MPI rank %d of %d%s failed during setup where rank 0 did not (its messages "
                    "were muted; does its node see the same files?)\n", w->cmd, first_m, w->comm.size, n_m > 1 ? " and others" : "");
    }
    free(got);
    free(lens);
    return all;
}
