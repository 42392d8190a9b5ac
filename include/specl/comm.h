/* specl/comm.h: the communicator of data-parallel training (docs/mpi.md).
 *
 * A communicator is the group of `size` processes (ranks) that train one model together: each
 * computes its share of a batch and the partial sums are added with an all-reduce. One struct,
 * two implementations:
 *   single process  size 1, rank 0; every collective is the identity. What every program gets
 *                   that was not started by an MPI launcher, and the only one when specl was built
 *                   without MPI (SPECL_MPI undefined).
 *   MPI             MPI_COMM_WORLD (Open MPI; built when the Makefile finds `pkg-config ompi-c`).
 * The library never initializes or finalizes MPI: the program does (cli/main.c), and only when
 * specl_comm_launched() says a launcher started it, so a plain run never touches MPI.
 *
 * Collectives block, must be entered by every rank in the same order, and are deterministic: the
 * same inputs on the same number of ranks give the same bits, and the same bits on every rank
 * (Open MPI's all-reduce algorithms add each element once and share the sum). A failing MPI call
 * aborts the whole job (MPI's default error handler), so no rank waits for a dead one.
 */
#ifndef SPECL_COMM_H
#define SPECL_COMM_H

#include <stddef.h>

typedef struct specl_comm {
    int rank, size;
    int mpi;          /* 1: an MPI communicator (handle below); 0: the single process */
    int handle;       /* MPI_Comm_c2f of the communicator (portable across MPI libraries) */
} specl_comm;

/* 1 if an MPI launcher (mpirun, mpiexec, srun --mpi=pmix) started this process: OMPI_COMM_WORLD_SIZE,
 * PMIX_RANK or PMI_RANK is set. Read before MPI_Init so a plain run never initializes MPI. */
int specl_comm_launched(void);
/* 1 if this build has the MPI implementation. */
int specl_comm_has_mpi(void);
/* The single process: rank 0 of 1. */
void specl_comm_self(specl_comm *c);
/* MPI_COMM_WORLD if MPI is initialized, else the single process. Never initializes MPI. */
void specl_comm_world(specl_comm *c);

/* In-place sums over the ranks of x (n): every rank receives the same sums. */
int specl_comm_allreduce_d(const specl_comm *c, double *x, size_t n);
int specl_comm_allreduce_f(const specl_comm *c, float *x, size_t n);
/* Agreement on a status: returns the largest status of any rank (0 if every rank passed 0) and
 * sets *from (may be NULL) to the lowest rank that holds it. */
int specl_comm_agree(const specl_comm *c, int status, int *from);
/* Copy `bytes` bytes of buf on rank `root` to every rank. */
int specl_comm_bcast(const specl_comm *c, void *buf, size_t bytes, int root);
int specl_comm_barrier(const specl_comm *c);

#endif
