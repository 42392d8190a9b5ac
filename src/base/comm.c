/* The communicator (comm.h): a single process, or MPI_COMM_WORLD when the program initialized MPI.
 * Counts larger than INT_MAX go in chunks (MPI counts are int). Without SPECL_MPI every collective
 * is the identity on the one process. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "specl/base.h"
#include "specl/comm.h"
#ifdef SPECL_MPI
#include <mpi.h>
#endif

int specl_comm_launched(void) {
    static const char *vars[] = { "OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK" };
    for (size_t i = 0; i < sizeof vars / sizeof *vars; i++) {
        const char *v = getenv(vars[i]);
        if (v && *v) return 1;
    }
    return 0;
}

void specl_comm_self(specl_comm *c) {
    c->rank = 0; c->size = 1; c->mpi = 0; c->handle = 0;
}

/* The gather of one process: a NUL-terminated copy. */
static int gather_self_(const void *buf, size_t bytes, char **out, size_t **lens) {
    *out = malloc(bytes + 1);
    *lens = malloc(sizeof **lens);
    if (!*out || !*lens) {
        free(*out); free(*lens);
        *out = NULL; *lens = NULL;
        return specl_error(SPECL_ENOMEM, "gather: %zu bytes", bytes);
    }
    if (bytes) memcpy(*out, buf, bytes);
    (*out)[bytes] = 0;
    (*lens)[0] = bytes;
    return SPECL_OK;
}

#ifdef SPECL_MPI
int specl_comm_has_mpi(void) { return 1; }

void specl_comm_world(specl_comm *c) {
    specl_comm_self(c);
    int init = 0, fin = 0;
    MPI_Initialized(&init);
    MPI_Finalized(&fin);
    if (!init || fin) return;
    MPI_Comm_rank(MPI_COMM_WORLD, &c->rank);
    MPI_Comm_size(MPI_COMM_WORLD, &c->size);
    c->mpi = 1;
    c->handle = (int)MPI_Comm_c2f(MPI_COMM_WORLD);
}

static int mpi_fail_(const char *what, int rc) {
    char msg[MPI_MAX_ERROR_STRING];
    int len = 0;
    if (MPI_Error_string(rc, msg, &len) != MPI_SUCCESS) len = 0;
    msg[len] = 0;
    return specl_error(SPECL_EIO, "%s failed: %s", what, len ? msg : "unknown MPI error");
}

static int allreduce_(const specl_comm *c, void *x, size_t n, size_t esize, MPI_Datatype t) {
    if (!c->mpi || c->size == 1) return SPECL_OK;
    MPI_Comm comm = MPI_Comm_f2c(c->handle);
    for (size_t off = 0; off < n; off += (size_t)INT_MAX) {
        int cnt = (int)(n - off < (size_t)INT_MAX ? n - off : (size_t)INT_MAX);
        int rc = MPI_Allreduce(MPI_IN_PLACE, (char *)x + off * esize, cnt, t, MPI_SUM, comm);
        if (rc != MPI_SUCCESS) return mpi_fail_("MPI_Allreduce", rc);
    }
    return SPECL_OK;
}

int specl_comm_allreduce_d(const specl_comm *c, double *x, size_t n) { return allreduce_(c, x, n, sizeof *x, MPI_DOUBLE); }
int specl_comm_allreduce_f(const specl_comm *c, float *x, size_t n) { return allreduce_(c, x, n, sizeof *x, MPI_FLOAT); }

int specl_comm_agree(const specl_comm *c, int status, int *from) {
    if (from) *from = c->rank;
    if (!c->mpi || c->size == 1) return status;
    /* MAXLOC: the largest status and the lowest rank holding it */
    struct { int v, r; } in = { status, c->rank }, out = { status, c->rank };
    int rc = MPI_Allreduce(&in, &out, 1, MPI_2INT, MPI_MAXLOC, MPI_Comm_f2c(c->handle));
    if (rc != MPI_SUCCESS) return mpi_fail_("MPI_Allreduce (status agreement)", rc);
    if (from) *from = out.r;
    return out.v;
}

int specl_comm_bcast(const specl_comm *c, void *buf, size_t bytes, int root) {
    if (!c->mpi || c->size == 1) return SPECL_OK;
    for (size_t off = 0; off < bytes; off += (size_t)INT_MAX) {
        int cnt = (int)(bytes - off < (size_t)INT_MAX ? bytes - off : (size_t)INT_MAX);
        int rc = MPI_Bcast((char *)buf + off, cnt, MPI_BYTE, root, MPI_Comm_f2c(c->handle));
        if (rc != MPI_SUCCESS) return mpi_fail_("MPI_Bcast", rc);
    }
    return SPECL_OK;
}

/* The lengths go with MPI_Gather (as bytes: every rank runs the same binary), the buffers with
 * point-to-point messages of at most 1 GiB, received in rank order, so any total fits. Before each
 * step root tells the others whether it could allocate, so none waits for a root that gave up. */
static int root_ok_(MPI_Comm comm, int root, int ok) {
    int rc = MPI_Bcast(&ok, 1, MPI_INT, root, comm);
    if (rc != MPI_SUCCESS) return mpi_fail_("MPI_Bcast", rc);
    return ok ? SPECL_OK : specl_error(SPECL_ENOMEM, "gather: out of memory on MPI rank %d", root);
}

int specl_comm_gather_bytes(const specl_comm *c, const void *buf, size_t bytes, int root, char **out, size_t **lens) {
    *out = NULL; *lens = NULL;
    if (!c->mpi || c->size == 1) return gather_self_(buf, bytes, out, lens);
    MPI_Comm comm = MPI_Comm_f2c(c->handle);
    const size_t chunk = (size_t)1 << 30;
    const int tag = 0x5eed, me = c->rank == root;
    size_t *len = me ? malloc(sizeof *len * (size_t)c->size) : NULL;
    int st = root_ok_(comm, root, !me || len);
    if (st) return st;
    int rc = MPI_Gather(&bytes, (int)sizeof bytes, MPI_BYTE, len, (int)sizeof bytes, MPI_BYTE, root, comm);
    if (rc != MPI_SUCCESS) { free(len); return mpi_fail_("MPI_Gather", rc); }
    size_t total = 0;
    for (int r = 0; me && r < c->size; r++) total += len[r];
    char *all = me ? malloc(total + 1) : NULL;
    if ((st = root_ok_(comm, root, !me || all))) { free(len); return st; }
    if (!me) {
        for (size_t off = 0; off < bytes && rc == MPI_SUCCESS; off += chunk)
            rc = MPI_Send((const char *)buf + off, (int)(bytes - off < chunk ? bytes - off : chunk), MPI_BYTE, root, tag, comm);
        return rc == MPI_SUCCESS ? SPECL_OK : mpi_fail_("MPI_Send", rc);
    }
    size_t at = 0;
    for (int r = 0; r < c->size && rc == MPI_SUCCESS; r++) {
        if (r == root) { if (bytes) memcpy(all + at, buf, bytes); }
        else for (size_t off = 0; off < len[r] && rc == MPI_SUCCESS; off += chunk)
            rc = MPI_Recv(all + at + off, (int)(len[r] - off < chunk ? len[r] - off : chunk), MPI_BYTE, r, tag, comm, MPI_STATUS_IGNORE);
        at += len[r];
    }
    if (rc != MPI_SUCCESS) { free(all); free(len); return mpi_fail_("MPI_Recv", rc); }
    all[total] = 0;
    *out = all;
    *lens = len;
    return SPECL_OK;
}

int specl_comm_barrier(const specl_comm *c) {
    if (!c->mpi || c->size == 1) return SPECL_OK;
    int rc = MPI_Barrier(MPI_Comm_f2c(c->handle));
    return rc == MPI_SUCCESS ? SPECL_OK : mpi_fail_("MPI_Barrier", rc);
}

int specl_comm_barrier_idle(const specl_comm *c) {
    if (!c->mpi || c->size == 1) return SPECL_OK;
    MPI_Request req;
    int done = 0, rc = MPI_Ibarrier(MPI_Comm_f2c(c->handle), &req);
    while (rc == MPI_SUCCESS && !done) {
        rc = MPI_Test(&req, &done, MPI_STATUS_IGNORE);   /* also drives the barrier's progress */
        if (rc == MPI_SUCCESS && !done) nanosleep(&(struct timespec){ 0, 1000000 }, NULL);
    }
    return rc == MPI_SUCCESS ? SPECL_OK : mpi_fail_("MPI_Ibarrier", rc);
}

#else   /* built without MPI: the single process only */
int specl_comm_has_mpi(void) { return 0; }
void specl_comm_world(specl_comm *c) { specl_comm_self(c); }
int specl_comm_allreduce_d(const specl_comm *c, double *x, size_t n) { return SPECL_OK; }
int specl_comm_allreduce_f(const specl_comm *c, float *x, size_t n) { return SPECL_OK; }
int specl_comm_agree(const specl_comm *c, int status, int *from) { if (from) *from = 0; return status; }
int specl_comm_bcast(const specl_comm *c, void *buf, size_t bytes, int root) { return SPECL_OK; }
int specl_comm_gather_bytes(const specl_comm *c, const void *buf, size_t bytes, int root, char **out, size_t **lens) {
    return gather_self_(buf, bytes, out, lens);
}
int specl_comm_barrier(const specl_comm *c) { return SPECL_OK; }
int specl_comm_barrier_idle(const specl_comm *c) { return SPECL_OK; }
#endif
