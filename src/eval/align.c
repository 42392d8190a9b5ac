/* Whitened alignment, the quantity φ_m minimizes (Sec. 6, Eq. 33 with the 1/m convention).
 *
 * For an embedding f with second moment C = E[f fᵀ] (k, k) over the views and alignment moment
 * D = E_pos[(f(x) − f(x⁺))(f(x) − f(x⁺))ᵀ] (k, k), the whitened embedding f̄ = C^{−1/2} f / √k has
 * E f̄ f̄ᵀ = I/k and E_pos‖f̄(x) − f̄(x⁺)‖² = tr(C^{−1} D) / k. The moments are accumulated by the
 * caller (exactly or over sampled pairs); only the k × k algebra happens here, in double:
 * C = V Λ Vᵀ, tr(C^{−1} D) = Σ_i v_iᵀ D v_i / λ_i. C is declared singular when λ_min ≤ rtol·λ_max
 * (or λ_max ≤ 0): then whitening is undefined and the caller skips that embedding. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "specl/eval.h"

#define ALIGN_RTOL 1e-9

/* One accumulation loop for float32 and float64 rows (T): the lower triangles of C and D in double. */
#define ALIGN_ACC_ADD_(T)                                                                   \
    int k = a->k;                                                                           \
    for (int64_t r = 0; r < n; r++) {                                                       \
        const T *p = f1 + (size_t)r * k, *q = f2 + (size_t)r * k;                           \
        for (int i = 0; i < k; i++) {                                                       \
            double pi = p[i], qi = q[i], di = pi - qi;                                      \
            double *c = a->c + (size_t)i * k, *dd = a->d + (size_t)i * k;                   \
            for (int j = 0; j <= i; j++) {                                                  \
                c[j] += 0.5 * w * (pi * p[j] + qi * q[j]);                                  \
                dd[j] += w * di * ((double)p[j] - q[j]);                                    \
            }                                                                               \
        }                                                                                   \
    }                                                                                       \
    a->weight += w * (double)n;

void specl_align_acc_add(specl_align_acc *a, int64_t n, const float *f1, const float *f2, double w) { ALIGN_ACC_ADD_(float) }

/* The same over float64 rows (embeddings a caller holds in double, e.g. from NumPy). */
void specl_align_acc_add_f64(specl_align_acc *a, int64_t n, const double *f1, const double *f2, double w) { ALIGN_ACC_ADD_(double) }

int specl_align_acc_init(specl_align_acc *a, int k) {
    memset(a, 0, sizeof *a);
    if (k < 1) return specl_error(SPECL_EINVAL, "alignment: k = %d, expected >= 1", k);
    a->k = k;
    a->c = calloc((size_t)k * k, sizeof(double));
    a->d = calloc((size_t)k * k, sizeof(double));
    if (!a->c || !a->d) { specl_align_acc_free(a); return specl_error(SPECL_ENOMEM, "alignment: %dx%d moments", k, k); }
    return SPECL_OK;
}

void specl_align_acc_free(specl_align_acc *a) {
    if (!a) return;
    free(a->c); free(a->d);
    memset(a, 0, sizeof *a);
}

int specl_align_acc_finish(specl_align_acc *a, double *phi) {
    int k = a->k;
    if (!(a->weight > 0)) return specl_error(SPECL_EINVAL, "alignment: no pairs accumulated");
    for (int i = 0; i < k; i++)
        for (int j = 0; j <= i; j++) {
            a->c[(size_t)i * k + j] /= a->weight; a->d[(size_t)i * k + j] /= a->weight;
            a->c[(size_t)j * k + i] = a->c[(size_t)i * k + j]; a->d[(size_t)j * k + i] = a->d[(size_t)i * k + j];
        }
    a->weight = 1.0;
    return specl_whitened_alignment(k, a->c, a->d, phi);
}

int specl_whitened_alignment(int k, const double *c, const double *d, double *phi) {
    if (k < 1) return specl_error(SPECL_EINVAL, "alignment: k = %d, expected >= 1", k);
    for (size_t i = 0; i < (size_t)k * k; i++)
        if (!isfinite(c[i]) || !isfinite(d[i]))
            return specl_error(SPECL_ENUMERIC, "alignment: moment entry (%zu, %zu) is not finite", i / k, i % k);
    double *v = malloc(sizeof(double) * (size_t)k * k), *lam = malloc(sizeof(double) * k);
    double *dv = malloc(sizeof(double) * k);
    int st = (!v || !lam || !dv) ? specl_error(SPECL_ENOMEM, "alignment: %dx%d eigenproblem", k, k) : SPECL_OK;
    if (!st) {
        memcpy(v, c, sizeof(double) * (size_t)k * k);
        st = specl_dsyev(k, v, lam);   /* v <- eigenvectors as columns, lam ascending */
    }
    if (!st && !(lam[k - 1] > 0 && lam[0] > ALIGN_RTOL * lam[k - 1]))
        st = specl_error(SPECL_ELINALG, "alignment: the embedding covariance is singular (eigenvalues %.3g .. %.3g, "
                         "ratio below %.0e), so it cannot be whitened", lam[0], lam[k - 1], ALIGN_RTOL);
    if (!st) {
        double tr = 0;
        for (int i = 0; i < k; i++) {   /* column i of v: v[r*k + i] */
            double q = 0;
            for (int r = 0; r < k; r++) {
                double s = 0;
                for (int t = 0; t < k; t++) s += d[(size_t)r * k + t] * v[(size_t)t * k + i];
                dv[r] = s;
            }
            for (int r = 0; r < k; r++) q += v[(size_t)r * k + i] * dv[r];
            tr += q / lam[i];
        }
        *phi = tr / k;
    }
    free(v); free(lam); free(dv);
    return st;
}
