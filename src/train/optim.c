/* Optimizers (SGD with momentum and weight decay; AdamW) and learning-rate schedules. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "specl/train.h"

double specl_schedule_lr(const specl_opt_spec *o, long t, long total) {
    if (o->warmup > 0 && t < o->warmup) return o->lr * (double)(t + 1) / (double)o->warmup;
    if (o->schedule == SPECL_SCHED_CONSTANT) return o->lr;
    long span = total - o->warmup;
    if (span <= 1) return o->lr;
    double p = (double)(t - o->warmup) / (double)(span - 1);   /* 0 at the first step, 1 at the last */
    return o->lr_min + 0.5 * (o->lr - o->lr_min) * (1.0 + cos(M_PI * p));
}

int specl_optimizer_init(specl_optimizer *o, const specl_opt_spec *spec, size_t n) {
    memset(o, 0, sizeof *o);
    o->spec = *spec;
    o->n = n;
    o->m = calloc(n ? n : 1, sizeof(float));
    o->v = calloc(n ? n : 1, sizeof(float));
    if (!o->m || !o->v) { specl_optimizer_free(o); return specl_error(SPECL_ENOMEM, "optimizer state for %zu parameters", n); }
    return SPECL_OK;
}

void specl_optimizer_free(specl_optimizer *o) { free(o->m); free(o->v); o->m = o->v = NULL; }

void specl_optimizer_step(specl_optimizer *o, float *p, const float *g, double lr) {
    const specl_opt_spec *s = &o->spec;
    o->t++;
    if (s->kind == SPECL_OPT_SGD) {
        float mu = (float)s->momentum, wd = (float)s->weight_decay, a = (float)lr;
        float *om = o->m;
        #pragma omp parallel for simd schedule(static) if (o->n > 65536)
        for (size_t i = 0; i < o->n; i++) {
            float v = mu * om[i] + g[i] + wd * p[i];
            om[i] = v;
            p[i] -= a * v;
        }
        return;
    }
    double b1 = s->beta1, b2 = s->beta2;
    double c1 = 1.0 - pow(b1, (double)o->t), c2 = 1.0 - pow(b2, (double)o->t);
    float a = (float)(lr / c1), rc2 = (float)(1.0 / sqrt(c2)), eps = (float)s->eps;
    float decay = (float)(1.0 - lr * s->weight_decay), fb1 = (float)b1, fb2 = (float)b2;
    /* simd: the four arrays may alias as far as the compiler knows, so without it -O2 keeps this
     * loop scalar (and sqrtf needs -fno-math-errno, see the Makefile). Each element goes through
     * the same IEEE single operations either way (no FMA contraction under -std=c11), so the
     * result is that of the scalar loop, whatever the thread count (tests/test_model.c). */
    float *om = o->m, *ov = o->v;
    #pragma omp parallel for simd schedule(static) if (o->n > 65536)
    for (size_t i = 0; i < o->n; i++) {
        float m = fb1 * om[i] + (1.0f - fb1) * g[i];
        float v = fb2 * ov[i] + (1.0f - fb2) * g[i] * g[i];
        om[i] = m;
        ov[i] = v;
        p[i] = decay * p[i] - a * m / (sqrtf(v) * rc2 + eps);
    }
}
