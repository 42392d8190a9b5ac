/* tests/grad_check.h: the finite-difference check of a model's parameter gradients, shared by the
 * model tests (include after check.h and specl/model.h). */
#ifndef SPECL_GRAD_CHECK_H
#define SPECL_GRAD_CHECK_H
#include <math.h>
#include <stdint.h>
#include <stdio.h>

/* Σ R∘f: the scalar whose gradient backward(R) computes. */
static double fd_objective_(const float *out, const float *R, size_t n) {
    double s = 0;
    for (size_t i = 0; i < n; i++) s += (double)R[i] * out[i];
    return s;
}

/* The number of parameters whose gradient g (from backward(R) on the n rows x, with support ids
 * for a table or NULL) disagrees with central differences of Σ R∘f over the model's own forward
 * (float32, h = 1e-3 as rounded, error relative to |g| + 0.05 max|g| at most 1e-2); the first
 * five and a summary are printed, labelled `what`. out (n·k) is scratch; the parameters are left
 * as they were. */
static int fd_mismatches_(specl_model *m, int n, const float *x, const int64_t *ids, const float *R, const float *g,
                          float *out, const char *what) {
    size_t nk = (size_t)n * m->k;
    double gmax = 0, worst = 0;
    for (size_t p = 0; p < m->n_params; p++) if (fabs(g[p]) > gmax) gmax = fabs(g[p]);
    int bad = 0;
    for (size_t p = 0; p < m->n_params; p++) {
        float v = m->params[p];
        m->params[p] = (float)(v + 1e-3);
        double hp = (double)m->params[p] - v;
        CHECK_OK(specl_model_forward(m, n, x, ids, out));
        double op = fd_objective_(out, R, nk);
        m->params[p] = (float)(v - 1e-3);
        double hm = (double)v - m->params[p];
        CHECK_OK(specl_model_forward(m, n, x, ids, out));
        double om = fd_objective_(out, R, nk);
        m->params[p] = v;
        double fd = (op - om) / (hp + hm), rel = fabs(fd - g[p]) / (fabs(g[p]) + 0.05 * gmax);
        if (rel > worst) worst = rel;
        if (!(rel <= 1e-2)) {
            if (bad < 5) fprintf(stderr, "  %s: grad[%zu] = %.7g, finite difference %.7g\n", what, p, g[p], fd);
            bad++;
        }
    }
    if (bad) fprintf(stderr, "  %s: %d of %zu parameters off (worst relative %.3g)\n", what, bad, m->n_params, worst);
    return bad;
}
#endif
