/* The spectral contrastive losses and their gradients with respect to the embeddings
 * z (2, n, k) of a batch (see train.h for the formulas). Cost O(nk²): every pairwise sum goes
 * through the k×k Gram matrices, computed with cblas_sgemm; scalar sums are accumulated in
 * double. */
#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "specl/train.h"

int specl_loss_ws_init(specl_loss_ws *ws, int k, int max_n) {
    ws->k = k; ws->max_n = max_n;
    /* G, G2 (k,k); zt (2n,k) clipped copy; gt (2n,k) gradient wrt the clipped copy;
     * scal (2n) clip factors */
    size_t sz = 2 * (size_t)k * k + 2 * 2 * (size_t)max_n * k + 2 * (size_t)max_n;
    ws->buf = malloc(sizeof(float) * sz);
    return ws->buf ? SPECL_OK : specl_error(SPECL_ENOMEM, "loss workspace for k = %d, n = %d", k, max_n);
}

void specl_loss_ws_free(specl_loss_ws *ws) { free(ws->buf); ws->buf = NULL; }

/* G (k,k) = AᵀA for rows A (r,k). */
static void gram_(int r, int k, const float *a, float *g) {
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, k, k, r, 1.0f, a, k, a, k, 0.0f, g, k);
}

static double dot_(int k, const float *a, const float *b) {
    double s = 0;
    for (int j = 0; j < k; j++) s += (double)a[j] * b[j];
    return s;
}

/* Regularizer of L_λ over the rows z (N,k) (N = n, or 2n with partners i <-> i+n when
 * both_views). Adds scale·∂R/∂z to dz if dz != NULL. Returns R. */
static double reg_(const specl_loss_spec *ls, int n, int k, const float *z, float *dz, double scale, specl_loss_ws *ws) {
    int N = ls->both_views ? 2 * n : n;
    float *g = ws->buf;
    gram_(N, k, z, g);
    double r;
    if (ls->estimator == SPECL_EST_PLUGIN) {
        /* M = G/N; R = ‖M − I‖²; ∂R/∂z_r = (4/N)(M − I) z_r */
        r = 0;
        for (int a = 0; a < k; a++)
            for (int b = 0; b < k; b++) {
                double v = g[a * k + b] / (double)N - (a == b);
                r += v * v;
                g[a * k + b] = (float)v;
            }
        if (dz) cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, N, k, k, (float)(4.0 * scale / N), z, k, g, k, 1.0f, dz, k);
        return r;
    }
    /* unbiased: T = (‖G‖² − Σ‖z_r‖⁴ − [both] 2Σ(z_iᵀz'_i)²) / pairs, Q = Σ‖z_r‖²/N, R = T − 2Q + k */
    double pairs = ls->both_views ? 4.0 * n * (n - 1.0) : (double)n * (n - 1.0);
    double gg = 0, q4 = 0, q2 = 0, cross = 0;
    for (int a = 0; a < k * k; a++) gg += (double)g[a] * g[a];
    for (int i = 0; i < N; i++) {
        double s = dot_(k, z + (size_t)i * k, z + (size_t)i * k);
        q2 += s; q4 += s * s;
    }
    if (ls->both_views)
        for (int i = 0; i < n; i++) {
            double c = dot_(k, z + (size_t)i * k, z + (size_t)(i + n) * k);
            cross += c * c;
        }
    r = (gg - q4 - 2.0 * cross) / pairs - 2.0 * q2 / N + k;
    if (dz) {
        /* ∂T/∂z_r = 4(G z_r − ‖z_r‖² z_r − [both] (z_rᵀz_p) z_p)/pairs; ∂Q/∂z_r = 2 z_r/N */
        float c4 = (float)(4.0 * scale / pairs);
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, N, k, k, c4, z, k, g, k, 1.0f, dz, k);
        for (int i = 0; i < N; i++) {
            const float *zi = z + (size_t)i * k;
            float *di = dz + (size_t)i * k;
            double s = dot_(k, zi, zi);
            double coef = -c4 * s - 4.0 * scale / N;
            for (int j = 0; j < k; j++) di[j] += (float)(coef * zi[j]);
            if (ls->both_views) {
                const float *zp = z + (size_t)(i < n ? i + n : i - n) * k;
                double c = -c4 * dot_(k, zi, zp);
                for (int j = 0; j < k; j++) di[j] += (float)(c * zp[j]);
            }
        }
    }
    return r;
}

static int loss_lambda_(const specl_loss_spec *ls, int n, int k, const float *z, float *dz, specl_loss_ws *ws, specl_loss_value *out) {
    const float *z2 = z + (size_t)n * k;
    double align = 0;
    for (int i = 0; i < n; i++)
        for (int j = 0; j < k; j++) {
            double diff = (double)z[(size_t)i * k + j] - z2[(size_t)i * k + j];
            align += diff * diff;
            if (dz) {
                float gd = (float)(2.0 * diff / n);
                dz[(size_t)i * k + j] = gd;
                dz[(size_t)(i + n) * k + j] = -gd;
            }
        }
    align /= n;
    double r = reg_(ls, n, k, z, dz, ls->lambda, ws);
    out->align = align;
    out->reg = r;
    out->total = align + ls->lambda * r;
    return SPECL_OK;
}

/* HaoChen et al. 2021 with the clip to the ball of radius √μ and the division by μ. */
static int loss_spectral_(const specl_loss_spec *ls, int n, int k, const float *z, float *dz, specl_loss_ws *ws, specl_loss_value *out) {
    size_t kk = (size_t)k * k, nk = (size_t)n * k;
    float *g1 = ws->buf, *g2 = ws->buf + kk;
    float *zt = ws->buf + 2 * kk, *gt = zt + 2 * (size_t)ws->max_n * k;
    float *scal = gt + 2 * (size_t)ws->max_n * k;        /* (2n) clip factors */
    double rmu = sqrt(ls->mu);
    for (int r = 0; r < 2 * n; r++) {
        double nr = sqrt(dot_(k, z + (size_t)r * k, z + (size_t)r * k));
        double s = (nr >= rmu && nr > 0) ? rmu / nr : 1.0;
        scal[r] = (float)s;
        for (int j = 0; j < k; j++) zt[(size_t)r * k + j] = (float)(s * z[(size_t)r * k + j]);
    }
    const float *za = zt, *zb = zt + nk;
    gram_(n, k, za, g1);
    gram_(n, k, zb, g2);
    double pos = 0, diag2 = 0, tr = 0;
    for (int i = 0; i < n; i++) {
        double c = dot_(k, za + (size_t)i * k, zb + (size_t)i * k);
        pos += c; diag2 += c * c;
    }
    for (size_t a = 0; a < kk; a++) tr += (double)g1[a] * g2[a];   /* tr(G1 G2), both symmetric */
    double P = -2.0 * pos / n, Nn = (tr - diag2) / ((double)n * (n - 1.0));
    out->align = P / ls->mu;
    out->reg = Nn / ls->mu;
    out->total = (P + Nn) / ls->mu;
    if (!dz) return SPECL_OK;
    /* gradient wrt the clipped rows */
    float cn = (float)(2.0 / ((double)n * (n - 1.0)) / ls->mu);
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, k, k, cn, za, k, g2, k, 0.0f, gt, k);
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, k, k, cn, zb, k, g1, k, 0.0f, gt + nk, k);
    for (int i = 0; i < n; i++) {
        const float *a = za + (size_t)i * k, *b = zb + (size_t)i * k;
        double c = dot_(k, a, b);
        double cb = -2.0 / n / ls->mu - cn * c;   /* coefficient of the partner row */
        for (int j = 0; j < k; j++) {
            gt[(size_t)i * k + j] += (float)(cb * b[j]);
            gt[nk + (size_t)i * k + j] += (float)(cb * a[j]);
        }
    }
    /* back through the clip: dz = s (g − ẑ ẑᵀ g) for clipped rows, g otherwise */
    for (int r = 0; r < 2 * n; r++) {
        const float *zr = z + (size_t)r * k;
        const float *gr = gt + (size_t)r * k;
        float *dr = dz + (size_t)r * k;
        if (scal[r] == 1.0f) { memcpy(dr, gr, sizeof(float) * k); continue; }
        double nn = dot_(k, zr, zr), proj = dot_(k, zr, gr) / nn;
        for (int j = 0; j < k; j++) dr[j] = (float)(scal[r] * (gr[j] - proj * zr[j]));
    }
    return SPECL_OK;
}

int specl_loss_eval(const specl_loss_spec *ls, int n, int k, const float *z, float *dz,
                    specl_loss_ws *ws, specl_loss_value *out) {
    if (n < 2) return specl_error(SPECL_EINVAL, "loss needs a batch of at least 2 pairs (got %d)", n);
    if (n > ws->max_n || k != ws->k) return specl_error(SPECL_EINVAL, "loss workspace is for k = %d, n <= %d (got k = %d, n = %d)", ws->k, ws->max_n, k, n);
    if (ls->kind == SPECL_LOSS_LAMBDA) {
        if (!(ls->lambda > 0)) return specl_error(SPECL_EINVAL, "train.lambda = %g: expected lambda > 0", ls->lambda);
        return loss_lambda_(ls, n, k, z, dz, ws, out);
    }
    if (!(ls->mu > 0)) return specl_error(SPECL_EINVAL, "train.mu = %g: expected mu > 0", ls->mu);
    return loss_spectral_(ls, n, k, z, dz, ws, out);
}
