/* tests/test_comm.c: the communicator without MPI, and the data-parallel decomposition of every loss.
 *
 * The ranks of `mpirun -np P specl train` each reduce their rows of a batch to Gram matrices and row
 * sums, add them, and take the loss of the whole batch and ∂L/∂z of their own rows from the sums.
 * Here P ranks are simulated in one process (specl_loss_stats per slice, the sum by hand,
 * specl_loss_finish per slice) for uneven splits, and compared with the one-pass evaluation;
 * tests/cli/test_mpi.sh runs the real thing under mpirun. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <cblas.h>
#include "specl.h"
#include "check.h"

TEST(comm_self_is_identity) {
    specl_comm c;
    specl_comm_self(&c);
    CHECK(c.rank == 0 && c.size == 1 && !c.mpi);
    double d[3] = { 1.5, -2, 3 };
    float f[2] = { 0.25f, 7 };
    CHECK_OK(specl_comm_allreduce_d(&c, d, 3));
    CHECK_OK(specl_comm_allreduce_f(&c, f, 2));
    CHECK(d[0] == 1.5 && d[1] == -2 && d[2] == 3 && f[0] == 0.25f && f[1] == 7);
    int from = -1;
    CHECK(specl_comm_agree(&c, 0, &from) == 0 && from == 0);
    CHECK(specl_comm_agree(&c, SPECL_EIO, NULL) == SPECL_EIO);
    char buf[4] = "abc";
    CHECK_OK(specl_comm_bcast(&c, buf, 4, 0));
    CHECK(!strcmp(buf, "abc"));
    CHECK_OK(specl_comm_barrier(&c));
    /* not started by a launcher (the test suite never is): the world is the single process */
    specl_comm w;
    specl_comm_world(&w);
    CHECK(w.rank == 0 && w.size == 1 && !w.mpi);
}

TEST(comm_detects_launcher_environment) {
    const char *vars[] = { "OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK" };
    char *saved[3];
    for (int i = 0; i < 3; i++) {
        const char *v = getenv(vars[i]);
        saved[i] = v ? strdup(v) : NULL;
        unsetenv(vars[i]);
    }
    CHECK(specl_comm_launched() == 0);
    for (int i = 0; i < 3; i++) {
        setenv(vars[i], "1", 1);
        CHECK(specl_comm_launched() == 1);
        unsetenv(vars[i]);
    }
    setenv("PMIX_RANK", "", 1);    /* empty: not a launcher's */
    CHECK(specl_comm_launched() == 0);
    unsetenv("PMIX_RANK");
    for (int i = 0; i < 3; i++) if (saved[i]) { setenv(vars[i], saved[i], 1); free(saved[i]); }
}

/* z (2,n,k) with rows of norms around 1 (some beyond the spectral2021 clip at √μ). */
static void fill_(float *z, int n, int k, uint64_t seed) {
    specl_rng r;
    specl_rng_seed(&r, seed);
    for (size_t i = 0; i < 2 * (size_t)n * k; i++) z[i] = (float)(specl_rng_normal(&r) * 0.5);
    for (int i = 0; i < n; i++)   /* positives close to their partners */
        for (int j = 0; j < k; j++) z[((size_t)n + i) * k + j] = z[(size_t)i * k + j] + 0.3f * z[((size_t)n + i) * k + j];
}

/* The batch split into P slices [i·n/P, (i+1)·n/P): stats per slice, summed, finish per slice.
 * Returns the total; dz (2,n,k) receives the slices' gradients back in batch order. */
static double simulate_(const specl_loss_spec *ls, int n, int k, const float *z, int P, float *dz) {
    specl_loss_ws *ws = calloc((size_t)P, sizeof *ws);
    float **zs = calloc((size_t)P, sizeof *zs), **ds = calloc((size_t)P, sizeof *ds);
    double *sum = calloc(2 * (size_t)k * k + 4, sizeof *sum);
    int lo[64], nl[64];
    size_t ns = 0;
    for (int r = 0; r < P; r++) {
        lo[r] = r * n / P;
        nl[r] = (r + 1) * n / P - lo[r];
        CHECK_OK(specl_loss_ws_init(&ws[r], k, nl[r]));
        zs[r] = malloc(sizeof(float) * 2 * nl[r] * k);
        ds[r] = malloc(sizeof(float) * 2 * nl[r] * k);
        for (int v = 0; v < 2; v++)
            memcpy(zs[r] + (size_t)v * nl[r] * k, z + ((size_t)v * n + lo[r]) * k, sizeof(float) * nl[r] * k);
        CHECK_OK(specl_loss_stats(ls, n, nl[r], k, zs[r], ds[r], &ws[r]));
        ns = ws[r].n_stats;
        for (size_t i = 0; i < ns; i++) sum[i] += ws[r].stats[i];
    }
    double total = NAN;
    for (int r = 0; r < P; r++) {
        CHECK(ws[r].n_stats == ns);
        memcpy(ws[r].stats, sum, sizeof(double) * ns);
        specl_loss_value v;
        CHECK_OK(specl_loss_finish(ls, n, nl[r], k, zs[r], ds[r], &ws[r], &v));
        if (r == 0) total = v.total;
        else CHECK(v.total == total);   /* every rank computes the same number */
        for (int s = 0; s < 2; s++)
            memcpy(dz + ((size_t)s * n + lo[r]) * k, ds[r] + (size_t)s * nl[r] * k, sizeof(float) * nl[r] * k);
        specl_loss_ws_free(&ws[r]);
        free(zs[r]); free(ds[r]);
    }
    free(ws); free(zs); free(ds); free(sum);
    return total;
}

TEST(loss_split_over_ranks_matches_whole_batch) {
    openblas_set_num_threads(1);
    const int n = 37, k = 6;
    float *z = malloc(sizeof(float) * 2 * n * k), *d1 = malloc(sizeof(float) * 2 * n * k), *dp = malloc(sizeof(float) * 2 * n * k);
    fill_(z, n, k, 7);
    specl_loss_spec specs[5] = {
        { SPECL_LOSS_LAMBDA, 0.7, SPECL_EST_UNBIASED, 0, 1.0 },
        { SPECL_LOSS_LAMBDA, 2.0, SPECL_EST_UNBIASED, 1, 1.0 },
        { SPECL_LOSS_LAMBDA, 1.0, SPECL_EST_PLUGIN, 0, 1.0 },
        { SPECL_LOSS_LAMBDA, 1.0, SPECL_EST_PLUGIN, 1, 1.0 },
        { SPECL_LOSS_SPECTRAL2021, 1.0, SPECL_EST_UNBIASED, 0, 0.6 },
    };
    specl_loss_ws ws;
    CHECK_OK(specl_loss_ws_init(&ws, k, n));
    for (int s = 0; s < 5; s++) {
        specl_loss_value v;
        CHECK_OK(specl_loss_eval(&specs[s], n, k, z, d1, &ws, &v));
        /* P = 1 through the three steps is the one-pass evaluation, bit for bit */
        double t1 = simulate_(&specs[s], n, k, z, 1, dp);
        CHECK(t1 == v.total);
        CHECK(memcmp(d1, dp, sizeof(float) * 2 * n * k) == 0);
        int Ps[3] = { 2, 3, 8 };   /* 37 = 18 + 19 = 12 + 12 + 13 = 4·5 + ... */
        for (int p = 0; p < 3; p++) {
            double t = simulate_(&specs[s], n, k, z, Ps[p], dp);
            CHECK_NEAR(t, v.total, 1e-5 * (fabs(v.total) + k));
            double gmax = 0, err = 0;
            for (int i = 0; i < 2 * n * k; i++) {
                gmax = fmax(gmax, fabs(d1[i]));
                err = fmax(err, fabs((double)d1[i] - dp[i]));
            }
            if (!(err <= 1e-5 * gmax)) fprintf(stderr, "  spec %d, P = %d: max |dz diff| %.3g of max |dz| %.3g\n", s, Ps[p], err, gmax);
            CHECK(err <= 1e-5 * gmax);
        }
    }
    /* validation: a slice needs 1 <= nl <= n rows */
    specl_loss_value v;
    CHECK(specl_loss_eval_dist(&specs[0], n, 0, k, z, NULL, &ws, NULL, &v) == SPECL_EINVAL);
    CHECK(specl_loss_eval_dist(&specs[0], 5, 6, k, z, NULL, &ws, NULL, &v) == SPECL_EINVAL);
    specl_loss_ws_free(&ws);
    free(z); free(d1); free(dp);
}

static specl_train_spec spec_(long steps, int batch) {
    specl_train_spec ts;
    memset(&ts, 0, sizeof ts);
    ts.loss.kind = SPECL_LOSS_LAMBDA; ts.loss.lambda = 1.0; ts.loss.estimator = SPECL_EST_UNBIASED; ts.loss.mu = 1.0;
    ts.opt.kind = SPECL_OPT_ADAM; ts.opt.lr = 0.01; ts.opt.beta1 = 0.9; ts.opt.beta2 = 0.999; ts.opt.eps = 1e-8;
    ts.opt.schedule = SPECL_SCHED_COSINE;
    ts.steps = steps; ts.batch = batch;
    return ts;
}

/* A one-rank communicator is no communicator: the trainer's result is bit-identical. A batch
 * smaller than the number of ranks is refused before any collective. */
TEST(trainer_with_one_rank_is_single_process) {
    openblas_set_num_threads(1);
    specl_hypercube_params hp = { .d = 8, .s = 3, .tau_lo = 0.5, .tau_hi = 1.0, .labels = "x1" };
    specl_source *src = NULL;
    CHECK_OK(specl_hypercube_new(&hp, &src));
    if (!src) return;
    specl_model_spec ms = { .cls = "mlp", .d = 8, .k = 4, .depth = 1, .width = 16, .init_scale = 1.0 };
    specl_model *a = NULL, *b = NULL;
    CHECK_OK(specl_model_create(&ms, 64, &a));
    CHECK_OK(specl_model_create(&ms, 64, &b));
    if (!a || !b) { specl_model_free(a); specl_model_free(b); specl_source_free(src); return; }
    specl_rng ri, rd;
    specl_rng_seed(&ri, 3);
    specl_model_init(a, 1.0, &ri);
    memcpy(b->params, a->params, sizeof(float) * a->n_params);
    specl_rng_seed(&rd, 4);
    specl_train_spec ts = spec_(30, 32);
    specl_train_state s1, s2;
    CHECK_OK(specl_train_state_init(&s1, &ts, a->n_params, &rd));
    CHECK_OK(specl_train_state_init(&s2, &ts, b->n_params, &rd));
    specl_comm one;
    specl_comm_self(&one);
    s2.comm = &one;
    CHECK_OK(specl_train_run(a, src, &ts, &s1, NULL, NULL));
    CHECK_OK(specl_train_run(b, src, &ts, &s2, NULL, NULL));
    CHECK(memcmp(a->params, b->params, sizeof(float) * a->n_params) == 0);
    CHECK(s2.failed_rank == -1);
    specl_train_state_free(&s1);
    specl_train_state_free(&s2);

    specl_comm many = { .rank = 0, .size = 3, .mpi = 0 };   /* the shape of a 3-rank world, no MPI behind it */
    specl_train_spec small = spec_(5, 2);
    CHECK_OK(specl_train_state_init(&s1, &small, a->n_params, &rd));
    s1.comm = &many;
    specl_error_clear();
    CHECK(specl_train_run(a, src, &small, &s1, NULL, NULL) == SPECL_EINVAL);
    CHECK(strstr(specl_error_detail(), "per MPI rank") != NULL);
    specl_train_state_free(&s1);
    specl_model_free(a);
    specl_model_free(b);
    specl_source_free(src);
}

RUN_TESTS(RUN(comm_self_is_identity); RUN(comm_detects_launcher_environment);
          RUN(loss_split_over_ranks_matches_whole_batch); RUN(trainer_with_one_rank_is_single_process))
