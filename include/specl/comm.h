/* specl/comm.h: the communicator of data-parallel training and of shared sweeps (docs/mpi.md).
 *
 * A communicator is the group of `size` processes (ranks) that train one model together (each
 * computes its share of a batch and the partial sums are added with an all-reduce), or that share
 * the independent points of a sweep (`specl reproduce`, `specl phim`: each runs its points and rank 0
 * gathers the results). One struct, two implementations:
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
/* Gather a byte buffer of any length from every rank on rank `root` (the results of a sweep whose
 * points the ranks share). On root, *out holds the buffers of ranks 0, 1, ..., size − 1 one after
 * the other (NUL-terminated after the last byte) and *lens (size entries) their lengths, both
 * malloc'd for the caller to free; on the other ranks both are NULL. Single process: a copy of buf.
 * If root cannot allocate, every rank returns SPECL_ENOMEM. */
int specl_comm_gather_bytes(const specl_comm *c, const void *buf, size_t bytes, int root, char **out, size_t **lens);
int specl_comm_barrier(const specl_comm *c);
/* A barrier that waits asleep (polling every millisecond) instead of spinning as MPI's blocking calls
 * do: for ranks that finished their share of a sweep and wait for the others, so they do not take
 * the cores of the ranks still working (or of their OpenBLAS threads). */
int specl_comm_barrier_idle(const specl_comm *c);

#endif
