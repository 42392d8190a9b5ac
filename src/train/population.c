/* Population value of L_λ for a trained model: exact where the source and the class allow it,
 * otherwise the unbiased estimator averaged over fresh pairs (see train.h). */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "specl/train.h"

/* L_λ of f(x) = Ux + b from the closed-form moments, in double. */
static int affine_exact_(specl_model *m, const specl_source *src, double lambda, double *loss) {
    int d = m->d, k = m->k;
    double *mean = malloc(sizeof(double) * d), *sig = malloc(sizeof(double) * d * d);
    double *sd = malloc(sizeof(double) * d * d), *u = malloc(sizeof(double) * k * d);
    double *us = malloc(sizeof(double) * k * d), *usd = malloc(sizeof(double) * k * d);
    int st = (!mean || !sig || !sd || !u || !us || !usd) ? SPECL_ENOMEM : SPECL_OK;
    if (!st) st = specl_source_moments(src, mean, sig, sd);
    if (!st) {
        const float *w = specl_model_weight(m, 0), *b = specl_model_bias(m, 0);
        for (int i = 0; i < k * d; i++) u[i] = w[i];
        /* us = U Σ, usd = U Σ_Δ (k,d) */
        for (int i = 0; i < k; i++)
            for (int j = 0; j < d; j++) {
                double a = 0, c = 0;
                for (int l = 0; l < d; l++) { a += u[i * d + l] * sig[l * d + j]; c += u[i * d + l] * sd[l * d + j]; }
                us[i * d + j] = a; usd[i * d + j] = c;
            }
        double align = 0, reg = 0;
        for (int i = 0; i < k; i++)
            for (int j = 0; j < d; j++) align += usd[i * d + j] * u[i * d + j];
        for (int i = 0; i < k; i++) {
            double umi = 0;
            for (int l = 0; l < d; l++) umi += u[i * d + l] * mean[l];
            for (int j = 0; j < k; j++) {
                double umj = 0, v = 0;
                for (int l = 0; l < d; l++) { umj += u[j * d + l] * mean[l]; v += us[i * d + l] * u[j * d + l]; }
                if (b) v += umi * b[j] + b[i] * umj + (double)b[i] * b[j];
                v -= (i == j);
                reg += v * v;
            }
        }
        *loss = align + lambda * reg;
    }
    free(mean); free(sig); free(sd); free(u); free(us); free(usd);
    return st;
}

int specl_population_cov_support(specl_model *m, const specl_source *src, double *cov) {
    int d = m->d, k = m->k, L = src->n_labelings > 0 ? src->n_labelings : 1, T = src->target_dim > 0 ? src->target_dim : 1;
    float *x = malloc(sizeof(float) * d), *f = malloc(sizeof(float) * k), *tg = malloc(sizeof(float) * T);
    int32_t *lab = malloc(sizeof(int32_t) * L);
    int st = (!x || !f || !tg || !lab) ? SPECL_ENOMEM : SPECL_OK;
    memset(cov, 0, sizeof(double) * k * k);
    for (int64_t i = 0; i < src->n_support && !st; i++) {
        int64_t cl;
        double p;
        st = specl_source_support(src, i, x, lab, tg, &cl, &p);
        if (!st) st = specl_model_apply(m, 1, x, &i, f);
        for (int a = 0; a < k && !st; a++)
            for (int b = 0; b < k; b++) cov[a * k + b] += p * f[a] * f[b];
    }
    if (src->n_support <= 0 && !st) st = specl_error(SPECL_EUNSUPPORTED, "source '%s' has no finite natural support", src->kind);
    free(x); free(f); free(tg); free(lab);
    return st;
}

/* Exact population terms of a table model: align = E_pos‖f(x) − f(x⁺)‖², cross = E_pos f(x)ᵀf(x⁺),
 * cov = E f fᵀ (k,k). Over the exact graph where the source has one; otherwise both views of a
 * pair share their support point (hypercube: the natural datum), so align = 0 and cross = tr cov. */
static int table_terms_(specl_model *m, const specl_source *src, double *align, double *cross, double *cov) {
    int k = m->k;
    int st = specl_population_cov_support(m, src, cov);
    *align = 0;
    *cross = 0;
    for (int a = 0; a < k; a++) *cross += cov[a * k + a];
    if (st || !specl_source_has_graph(src)) return st;
    specl_graph g;
    if ((st = specl_source_exact_graph(src, &g))) return st;
    const float *t = specl_model_weight(m, 0);   /* (rows, k) */
    double al = 0, cr = 0;
    for (int64_t x = 0; x < g.n; x++)
        for (int64_t e = g.rowptr[x]; e < g.rowptr[x + 1]; e++) {
            const float *tx = t + (size_t)x * k, *ty = t + (size_t)g.col[e] * k;
            double pe = g.val[e] / g.total, dd = 0, dot = 0;
            for (int a = 0; a < k; a++) { double df = (double)tx[a] - ty[a]; dd += df * df; dot += (double)tx[a] * ty[a]; }
            al += pe * dd;
            cr += pe * dot;
        }
    specl_graph_free(&g);
    *align = al;
    *cross = cr;
    return SPECL_OK;
}

static int table_exact_(specl_model *m, const specl_source *src, double lambda, double *loss) {
    int k = m->k;
    double *cov = malloc(sizeof(double) * k * k), align, cross;
    if (!cov) return SPECL_ENOMEM;
    int st = table_terms_(m, src, &align, &cross, cov);
    double reg = 0;
    for (int a = 0; a < k && !st; a++)
        for (int b = 0; b < k; b++) {
            double v = cov[a * k + b] - (a == b);
            reg += v * v;
        }
    free(cov);
    *loss = align + lambda * reg;
    return st;
}

/* The unbiased estimator of L_λ over all N = n_mc fresh pairs at once (not per batch): with
 * G = Σ_i f(x_i) f(x_i)ᵀ accumulated in double, R̂ = (‖G‖²_F − Σ‖f_i‖⁴)/(N(N−1)) − 2Σ‖f_i‖²/N + k, whose
 * variance falls like 1/N rather than 1/(batch·√batches). */
static int monte_carlo_(specl_model *m, const specl_source *src, double lambda, long n_mc, specl_rng *rng, double *loss) {
    int n = m->max_n / 2 < 4096 ? m->max_n / 2 : 4096, k = m->k;
    if (n < 1) return specl_error(SPECL_EINVAL, "model capacity %d too small for loss estimation", m->max_n);
    if (n_mc < 2) return specl_error(SPECL_EINVAL, "the Monte-Carlo loss needs at least 2 pairs (got %ld)", n_mc);
    specl_batch b;
    int st = specl_batch_alloc(&b, n, src);
    if (st) return st;
    float *z = malloc(sizeof(float) * 2 * n * k);
    double *g = calloc((size_t)k * k, sizeof(double)), align = 0, q2 = 0, q4 = 0;
    if (!z || !g) st = SPECL_ENOMEM;
    for (long done = 0; done < n_mc && !st; done += n) {
        int c = (int)(n_mc - done < n ? n_mc - done : n);
        st = specl_source_sample(src, c, rng, &b);
        if (!st) st = specl_model_apply(m, 2 * c, b.x, b.view, z);   /* eval mode: batch norm uses its running statistics */
        for (int i = 0; i < c && !st; i++) {
            const float *a = z + (size_t)i * k, *p = z + (size_t)(i + c) * k;
            double s2 = 0;
            for (int u = 0; u < k; u++) {
                double du = (double)a[u] - p[u];
                align += du * du;
                s2 += (double)a[u] * a[u];
                for (int v = 0; v < k; v++) g[u * k + v] += (double)a[u] * a[v];
            }
            q2 += s2;
            q4 += s2 * s2;
        }
    }
    m->last_n = 0;
    double N = (double)n_mc, gg = 0;
    for (int u = 0; u < k * k; u++) gg += g[u] * g[u];
    *loss = align / N + lambda * ((gg - q4) / (N * (N - 1)) - 2 * q2 / N + k);
    free(z); free(g);
    specl_batch_free(&b);
    return st;
}

int specl_population_loss(specl_model *m, const specl_source *src, double lambda, long n_mc,
                          specl_rng *rng, double *loss, int *exact) {
    if (!(lambda > 0)) return specl_error(SPECL_EINVAL, "lambda = %g: expected lambda > 0", lambda);
    if (specl_model_is_affine(m) && specl_source_has_moments(src)) {
        *exact = 1;
        return affine_exact_(m, src, lambda, loss);
    }
    if (specl_model_is_table(m) && src->n_support > 0) {
        *exact = 1;
        return table_exact_(m, src, lambda, loss);
    }
    *exact = 0;
    return monte_carlo_(m, src, lambda, n_mc, rng, loss);
}
