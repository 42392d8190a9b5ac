/* The spectral contrastive losses and their gradients with respect to the embeddings
 * z (2, n, k) of a batch (see train.h for the formulas). Cost O(nk²): every pairwise sum goes
 * through the k×k Gram matrices, computed with cblas_sgemm; scalar sums are accumulated in
 * double.
 *
 * Each loss is two passes so that data-parallel ranks can share a batch (train.h, docs/mpi.md):
 * stats_ reduces this rank's rows to Gram matrices and row sums (ws->stats, double), the ranks add
 * those, and finish_ takes the loss of the whole batch and ∂L/∂z of this rank's rows from the sums.
 * The Gram matrices travel as doubles holding the float sgemm results, so a single process sees
 * exactly the numbers of a one-pass evaluation (float -> double -> float is the identity). */
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
    ws->stats = malloc(sizeof(double) * (2 * (size_t)k * k + 4));   /* (2k² + 4), see stats layout below */
    ws->n_stats = 0;
    if (ws->buf && ws->stats) return SPECL_OK;
    specl_loss_ws_free(ws);
    return specl_error(SPECL_ENOMEM, "loss workspace for k = %d, n = %d", k, max_n);
}

void specl_loss_ws_free(specl_loss_ws *ws) { free(ws->buf); free(ws->stats); ws->buf = NULL; ws->stats = NULL; }

/* G (k,k) = AᵀA for rows A (r,k). */
static void gram_(int r, int k, const float *a, float *g) {
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, k, k, r, 1.0f, a, k, a, k, 0.0f, g, k);
}

static double dot_(int k, const float *a, const float *b) {
    double s = 0;
    for (int j = 0; j < k; j++) s += (double)a[j] * b[j];
    return s;
}

/* ---- statistics layout (ws->stats, doubles) ----
 * lambda        G (k,k) of the rows the regularizer uses, then S_ALIGN Σ‖z_i − z'_i‖², S_Q2 Σ‖z_r‖²,
 *               S_Q4 Σ‖z_r‖⁴, S_CROSS Σ(z_iᵀz'_i)² (both_views; the last three only for unbiased)
 * spectral2021  G1, G2 (k,k) of the clipped views, then S_POS Σ ẑ_iᵀẑ'_i, S_DIAG2 Σ(ẑ_iᵀẑ'_i)² */
enum { S_ALIGN = 0, S_Q2, S_Q4, S_CROSS };
enum { S_POS = 0, S_DIAG2 };

/* Rows the regularizer of L_λ uses among z (2,nl,k): the first view, or both (partners i <-> i+nl). */
static int reg_rows_(const specl_loss_spec *ls, int nl) { return ls->both_views ? 2 * nl : nl; }

static void lambda_stats_(const specl_loss_spec *ls, int n, int nl, int k, const float *z, float *dz, specl_loss_ws *ws) {
    size_t kk = (size_t)k * k;
    const float *z2 = z + (size_t)nl * k;
    double align = 0;
    for (int i = 0; i < nl; i++)
        for (int j = 0; j < k; j++) {
            double diff = (double)z[(size_t)i * k + j] - z2[(size_t)i * k + j];
            align += diff * diff;
            if (dz) {
                float gd = (float)(2.0 * diff / n);
                dz[(size_t)i * k + j] = gd;
                dz[(size_t)(i + nl) * k + j] = -gd;
            }
        }
    int N = reg_rows_(ls, nl);
    float *g = ws->buf;
    gram_(N, k, z, g);
    double *S = ws->stats, q2 = 0, q4 = 0, cross = 0;
    for (size_t a = 0; a < kk; a++) S[a] = g[a];
    if (ls->estimator != SPECL_EST_PLUGIN) {
        for (int i = 0; i < N; i++) {
            double s = dot_(k, z + (size_t)i * k, z + (size_t)i * k);
            q2 += s; q4 += s * s;
        }
        if (ls->both_views)
            for (int i = 0; i < nl; i++) {
                double c = dot_(k, z + (size_t)i * k, z + (size_t)(i + nl) * k);
                cross += c * c;
            }
    }
    S[kk + S_ALIGN] = align; S[kk + S_Q2] = q2; S[kk + S_Q4] = q4; S[kk + S_CROSS] = cross;
    ws->n_stats = kk + 4;
}

/* Regularizer of L_λ from the summed statistics (N = n, or 2n when both_views, rows in all).
 * Adds scale·∂R/∂z to dz for this rank's rows if dz != NULL. Returns R. */
static double reg_finish_(const specl_loss_spec *ls, int n, int nl, int k, const float *z, float *dz, double scale, specl_loss_ws *ws) {
    size_t kk = (size_t)k * k;
    int N = ls->both_views ? 2 * n : n, Nl = reg_rows_(ls, nl);
    const double *S = ws->stats;
    float *g = ws->buf;
    double r;
    if (ls->estimator == SPECL_EST_PLUGIN) {
        /* M = G/N; R = ‖M − I‖²; ∂R/∂z_r = (4/N)(M − I) z_r */
        r = 0;
        for (int a = 0; a < k; a++)
            for (int b = 0; b < k; b++) {
                double v = S[a * k + b] / (double)N - (a == b);
                r += v * v;
                g[a * k + b] = (float)v;
            }
        if (dz) cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Nl, k, k, (float)(4.0 * scale / N), z, k, g, k, 1.0f, dz, k);
        return r;
    }
    /* unbiased: T = (‖G‖² − Σ‖z_r‖⁴ − [both] 2Σ(z_iᵀz'_i)²) / pairs, Q = Σ‖z_r‖²/N, R = T − 2Q + k */
    double pairs = ls->both_views ? 4.0 * n * (n - 1.0) : (double)n * (n - 1.0);
    double gg = 0;
    for (size_t a = 0; a < kk; a++) { gg += S[a] * S[a]; g[a] = (float)S[a]; }
    r = (gg - S[kk + S_Q4] - 2.0 * S[kk + S_CROSS]) / pairs - 2.0 * S[kk + S_Q2] / N + k;
    if (dz) {
        /* ∂T/∂z_r = 4(G z_r − ‖z_r‖² z_r − [both] (z_rᵀz_p) z_p)/pairs; ∂Q/∂z_r = 2 z_r/N */
        float c4 = (float)(4.0 * scale / pairs);
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Nl, k, k, c4, z, k, g, k, 1.0f, dz, k);
        for (int i = 0; i < Nl; i++) {
            const float *zi = z + (size_t)i * k;
            float *di = dz + (size_t)i * k;
            double s = dot_(k, zi, zi);
            double coef = -c4 * s - 4.0 * scale / N;
            for (int j = 0; j < k; j++) di[j] += (float)(coef * zi[j]);
            if (ls->both_views) {
                const float *zp = z + (size_t)(i < nl ? i + nl : i - nl) * k;
                double c = -c4 * dot_(k, zi, zp);
                for (int j = 0; j < k; j++) di[j] += (float)(c * zp[j]);
            }
        }
    }
    return r;
}

static void lambda_finish_(const specl_loss_spec *ls, int n, int nl, int k, const float *z, float *dz, specl_loss_ws *ws, specl_loss_value *out) {
    double align = ws->stats[(size_t)k * k + S_ALIGN] / n;
    double r = reg_finish_(ls, n, nl, k, z, dz, ls->lambda, ws);
    out->align = align;
    out->reg = r;
    out->total = align + ls->lambda * r;
}

/* HaoChen et al. 2021 with the clip to the ball of radius √μ and the division by μ. The clipped
 * rows ẑ and their clip factors stay in the workspace for finish. */
static void spectral_stats_(const specl_loss_spec *ls, int nl, int k, const float *z, specl_loss_ws *ws) {
    size_t kk = (size_t)k * k, nk = (size_t)nl * k;
    float *g1 = ws->buf, *g2 = ws->buf + kk;
    float *zt = ws->buf + 2 * kk, *gt = zt + 2 * (size_t)ws->max_n * k;
    float *scal = gt + 2 * (size_t)ws->max_n * k;        /* (2nl) clip factors */
    double rmu = sqrt(ls->mu);
    for (int r = 0; r < 2 * nl; r++) {
        double nr = sqrt(dot_(k, z + (size_t)r * k, z + (size_t)r * k));
        double s = (nr >= rmu && nr > 0) ? rmu / nr : 1.0;
        scal[r] = (float)s;
        for (int j = 0; j < k; j++) zt[(size_t)r * k + j] = (float)(s * z[(size_t)r * k + j]);
    }
    const float *za = zt, *zb = zt + nk;
    gram_(nl, k, za, g1);
    gram_(nl, k, zb, g2);
    double pos = 0, diag2 = 0, *S = ws->stats;
    for (int i = 0; i < nl; i++) {
        double c = dot_(k, za + (size_t)i * k, zb + (size_t)i * k);
        pos += c; diag2 += c * c;
    }
    for (size_t a = 0; a < 2 * kk; a++) S[a] = g1[a];   /* g1 then g2: contiguous */
    S[2 * kk + S_POS] = pos; S[2 * kk + S_DIAG2] = diag2;
    ws->n_stats = 2 * kk + 2;
}

static void spectral_finish_(const specl_loss_spec *ls, int n, int nl, int k, const float *z, float *dz, specl_loss_ws *ws, specl_loss_value *out) {
    size_t kk = (size_t)k * k, nk = (size_t)nl * k;
    float *g1 = ws->buf, *g2 = ws->buf + kk;
    float *zt = ws->buf + 2 * kk, *gt = zt + 2 * (size_t)ws->max_n * k;
    float *scal = gt + 2 * (size_t)ws->max_n * k;
    const double *S = ws->stats;
    double tr = 0;
    for (size_t a = 0; a < kk; a++) tr += S[a] * S[kk + a];   /* tr(G1 G2), both symmetric */
    double P = -2.0 * S[2 * kk + S_POS] / n, Nn = (tr - S[2 * kk + S_DIAG2]) / ((double)n * (n - 1.0));
    out->align = P / ls->mu;
    out->reg = Nn / ls->mu;
    out->total = (P + Nn) / ls->mu;
    if (!dz) return;
    for (size_t a = 0; a < 2 * kk; a++) g1[a] = (float)S[a];
    const float *za = zt, *zb = zt + nk;
    /* gradient wrt the clipped rows */
    float cn = (float)(2.0 / ((double)n * (n - 1.0)) / ls->mu);
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, nl, k, k, cn, za, k, g2, k, 0.0f, gt, k);
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, nl, k, k, cn, zb, k, g1, k, 0.0f, gt + nk, k);
    for (int i = 0; i < nl; i++) {
        const float *a = za + (size_t)i * k, *b = zb + (size_t)i * k;
        double c = dot_(k, a, b);
        double cb = -2.0 / n / ls->mu - cn * c;   /* coefficient of the partner row */
        for (int j = 0; j < k; j++) {
            gt[(size_t)i * k + j] += (float)(cb * b[j]);
            gt[nk + (size_t)i * k + j] += (float)(cb * a[j]);
        }
    }
    /* back through the clip: dz = s (g − ẑ ẑᵀ g) for clipped rows, g otherwise */
    for (int r = 0; r < 2 * nl; r++) {
        const float *zr = z + (size_t)r * k;
        const float *gr = gt + (size_t)r * k;
        float *dr = dz + (size_t)r * k;
        if (scal[r] == 1.0f) { memcpy(dr, gr, sizeof(float) * k); continue; }
        double nn = dot_(k, zr, zr), proj = dot_(k, zr, gr) / nn;
        for (int j = 0; j < k; j++) dr[j] = (float)(scal[r] * (gr[j] - proj * zr[j]));
    }
}

static int check_(const specl_loss_spec *ls, int n, int nl, int k, const specl_loss_ws *ws) {
    if (n < 2) return specl_error(SPECL_EINVAL, "loss needs a batch of at least 2 pairs (got %d)", n);
    if (nl < 1 || nl > n) return specl_error(SPECL_EINVAL, "loss: %d rows of a batch of %d pairs (expected 1 to %d)", nl, n, n);
    if (nl > ws->max_n || k != ws->k) return specl_error(SPECL_EINVAL, "loss workspace is for k = %d, n <= %d (got k = %d, n = %d)", ws->k, ws->max_n, k, nl);
    if (ls->kind == SPECL_LOSS_LAMBDA) {
        if (!(ls->lambda > 0)) return specl_error(SPECL_EINVAL, "train.lambda = %g: expected lambda > 0", ls->lambda);
    } else if (!(ls->mu > 0)) return specl_error(SPECL_EINVAL, "train.mu = %g: expected mu > 0", ls->mu);
    return SPECL_OK;
}

int specl_loss_stats(const specl_loss_spec *ls, int n, int nl, int k, const float *z, float *dz, specl_loss_ws *ws) {
    int st = check_(ls, n, nl, k, ws);
    if (st) return st;
    if (ls->kind == SPECL_LOSS_LAMBDA) lambda_stats_(ls, n, nl, k, z, dz, ws);
    else spectral_stats_(ls, nl, k, z, ws);
    return SPECL_OK;
}

int specl_loss_finish(const specl_loss_spec *ls, int n, int nl, int k, const float *z, float *dz,
                      specl_loss_ws *ws, specl_loss_value *out) {
    int st = check_(ls, n, nl, k, ws);
    if (st) return st;
    if (ls->kind == SPECL_LOSS_LAMBDA) lambda_finish_(ls, n, nl, k, z, dz, ws, out);
    else spectral_finish_(ls, n, nl, k, z, dz, ws, out);
    return SPECL_OK;
}

int specl_loss_eval_dist(const specl_loss_spec *ls, int n, int nl, int k, const float *z, float *dz,
                         specl_loss_ws *ws, const specl_comm *comm, specl_loss_value *out) {
    int st = specl_loss_stats(ls, n, nl, k, z, dz, ws);
    if (!st && comm && comm->size > 1) st = specl_comm_allreduce_d(comm, ws->stats, ws->n_stats);
    if (!st) st = specl_loss_finish(ls, n, nl, k, z, dz, ws, out);
    return st;
}

int specl_loss_eval(const specl_loss_spec *ls, int n, int k, const float *z, float *dz,
                    specl_loss_ws *ws, specl_loss_value *out) {
    return specl_loss_eval_dist(ls, n, n, k, z, dz, ws, NULL, out);
}
