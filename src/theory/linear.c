/* Closed forms of L_λ for the linear class (see theory.h for the derivation). */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "specl/theory.h"

int specl_linear_spectrum(const specl_source *src, double *e, double *v) {
    int d = src->d;
    double *mean = malloc(sizeof(double) * d), *sig = malloc(sizeof(double) * d * d);
    if (!mean || !sig) { free(mean); free(sig); return SPECL_ENOMEM; }
    int st = specl_source_moments(src, mean, sig, v);      /* v <- Σ_Δ, overwritten by eigenvectors */
    if (!st) st = specl_dsygv(d, v, sig, e);
    free(mean); free(sig);
    return st;
}

/* Variances c_j = max(0, 1 − e_j/(2λ)) of the bottom min(k, d) directions. */
static double variance_(double e, double lambda) {
    double c = 1.0 - e / (2.0 * lambda);
    return c > 0 ? c : 0.0;
}

int specl_linear_optimum(const specl_source *src, int k, double lambda, double *loss) {
    if (k < 1 || !(lambda > 0)) return specl_error(SPECL_EINVAL, "linear optimum needs k >= 1 and lambda > 0");
    int d = src->d;
    double *e = malloc(sizeof(double) * d), *v = malloc(sizeof(double) * d * d);
    if (!e || !v) { free(e); free(v); return SPECL_ENOMEM; }
    int st = specl_linear_spectrum(src, e, v);
    if (!st) {
        double l = 0;
        for (int j = 0; j < k; j++) {
            double c = j < d ? variance_(e[j], lambda) : 0.0;   /* rows beyond d stay zero */
            l += lambda * (1.0 - c * c);
        }
        *loss = l;
    }
    free(e); free(v);
    return st;
}

int specl_linear_minimizer(const specl_source *src, int k, double lambda, int max_n, specl_model **out) {
    int d = src->d;
    specl_model_spec ms = { "linear", d, k, 0, 0, 0, 1.0 };
    int st = specl_model_create(&ms, max_n, out);
    if (st) return st;
    double *e = malloc(sizeof(double) * d), *v = malloc(sizeof(double) * d * d);
    if (!e || !v) st = SPECL_ENOMEM;
    if (!st) st = specl_linear_spectrum(src, e, v);
    if (!st) {
        float *u = specl_model_weight(*out, 0);   /* (k,d) */
        memset(u, 0, sizeof(float) * k * d);
        for (int j = 0; j < k && j < d; j++) {
            double c = sqrt(variance_(e[j], lambda));
            for (int l = 0; l < d; l++) u[j * d + l] = (float)(c * v[l * d + j]);
        }
    }
    free(e); free(v);
    if (st) { specl_model_free(*out); *out = NULL; }
    return st;
}
