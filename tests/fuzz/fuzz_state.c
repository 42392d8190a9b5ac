/* libFuzzer target: specl_checkpoint_load's training-state reader (DIR/ckpt-NNNNNNNNN/state.bin).
 * Once per process a valid checkpoint of a small linear model (d = 3, k = 2: 6 parameters, step 5
 * of 10) is written with specl_checkpoint_save; every run overwrites its state.bin with the input
 * and loads the checkpoint. LATEST and encoder.safetensors are never touched, so a run sees the
 * same directory as the first one. On success the state must fit the run and the model.
 * The fuzz build skips state.bin's CRC-32 check (FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION, see
 * src/train/checkpoint.c), so mutated files get past it; the last 4 bytes are then ignored.
 * A loaded state must be one training could have written (train.h): first moments finite, second
 * moments >= 0 (not NaN), at most one optimizer update per step done. Then the harness does what resuming
 * does next (specl_train_run): the learning rate at the loaded step, one optimizer update. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "specl/train.h"

#include "fuzz_common.h"
#define STEP 5
#define STEPS 10
#define MAX_N 4

static char dir_[4096], ckpt_[4200], state_[4300], weights_[4300], latest_[4200];
static specl_train_spec ts_;

static void cleanup_(void) {
    unlink(state_); unlink(weights_); unlink(latest_);
    char sub[4300];
    snprintf(sub, sizeof sub, "%s/ckpt-%09d", ckpt_, STEP);
    rmdir(sub);
    rmdir(ckpt_);
    rmdir(dir_);
}

/* One temporary directory per process with one checkpoint in it, written before libFuzzer starts. */
__attribute__((constructor)) static void init_(void) {
    const char *t = getenv("TMPDIR");
    snprintf(dir_, sizeof dir_, "%s/specl-fuzz-state-XXXXXX", t && *t ? t : "/tmp");
    if (!mkdtemp(dir_)) abort();
    snprintf(ckpt_, sizeof ckpt_, "%s/ckpt", dir_);
    snprintf(state_, sizeof state_, "%s/ckpt-%09d/state.bin", ckpt_, STEP);
    snprintf(weights_, sizeof weights_, "%s/ckpt-%09d/encoder.safetensors", ckpt_, STEP);
    snprintf(latest_, sizeof latest_, "%s/LATEST", ckpt_);
    atexit(cleanup_);

    ts_.loss.kind = SPECL_LOSS_LAMBDA;
    ts_.loss.lambda = 1;
    ts_.opt.kind = SPECL_OPT_ADAM;
    ts_.opt.lr = 1e-2;
    ts_.opt.beta1 = 0.9;
    ts_.opt.beta2 = 0.999;
    ts_.opt.eps = 1e-8;
    ts_.steps = STEPS;
    ts_.batch = MAX_N;

    specl_model_spec spec = { .cls = "linear", .d = 3, .k = 2, .init_scale = 1 };
    specl_model *m;
    specl_rng rng;
    specl_train_state s;
    specl_rng_seed(&rng, 1);
    if (specl_model_create(&spec, MAX_N, &m)) abort();
    specl_model_init(m, 1, &rng);
    if (specl_train_state_init(&s, &ts_, m->n_params, &rng)) abort();
    s.step = STEP;
    s.opt.t = STEP;
    for (size_t i = 0; i < s.opt.n; i++) s.opt.m[i] = 0.25f * (float)i, s.opt.v[i] = 0.5f;
    if (specl_checkpoint_save(ckpt_, m, &spec, &s, STEPS)) abort();
    specl_train_state_free(&s);
    specl_model_free(m);
}


int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    write_input_(state_, data, size);
    specl_error_clear();
    specl_model *m = NULL;
    specl_model_spec spec;
    specl_train_state s;
    memset(&spec, 0, sizeof spec);
    memset(&s, 0, sizeof s);
    int st = specl_checkpoint_load(ckpt_, &ts_, MAX_N, &m, &spec, &s);
    CHECK(st >= SPECL_OK && st <= SPECL_EUNSUPPORTED);
    if (st != SPECL_OK) {
        CHECK(m == NULL && s.opt.m == NULL && s.opt.v == NULL);
        return 0;
    }
    CHECK(m != NULL && m->n_params == 6);
    CHECK(s.step >= 0 && s.step <= STEPS);
    CHECK(s.opt.n == m->n_params && s.opt.m && s.opt.v);
    CHECK(s.opt.t >= 0 && s.opt.t <= s.step);
    for (size_t i = 0; i < s.opt.n; i++)
        CHECK(isfinite(s.opt.m[i]) && s.opt.v[i] >= 0);   /* v = +inf: g*g overflowed float, possible */
    for (int sched = SPECL_SCHED_CONSTANT; sched <= SPECL_SCHED_COSINE; sched++) {
        specl_opt_spec o = ts_.opt;
        o.schedule = (specl_sched_kind)sched;
        CHECK(isfinite(specl_schedule_lr(&o, s.step, STEPS)));
    }
    float g[6];
    for (int i = 0; i < 6; i++) g[i] = 0.125f * (float)(i - 2);
    specl_optimizer_step(&s.opt, m->params, g, specl_schedule_lr(&ts_.opt, s.step, STEPS));
    specl_train_state_free(&s);
    specl_model_free(m);
    return 0;
}
