/* Weighted kNN classifier accuracy (the protocol of HaoChen et al. 2021, after Wu et al. 2018).
 *
 * Ranking: similarities of a block of queries against a block of training rows come from one
 * cblas_sgemm (qb, k)·(tb, k)ᵀ: cosine uses unit-normalized copies of the rows (zero rows stay
 * zero, so their similarity is 0), Euclidean ranks by 2 q·x − ‖x‖², which orders like −‖q − x‖²
 * (the ‖q‖² term is the same for every candidate). Each query keeps a bounded min-heap of its kn
 * best candidates (O(n log kn), no full sort); training rows are scanned in increasing index, so
 * among equal similarities the lower index wins.
 *
 * Voting: the similarities of the kn winners are recomputed exactly in float64 from the original
 * rows (no cancellation in ‖q‖² + ‖x‖² − 2 q·x) and vote with weight exp((sim − sim_max)/T);
 * subtracting the query's best similarity scales every vote by the same factor, which leaves the
 * argmax unchanged and avoids exp underflow for distant queries. Ties between classes go to the
 * lower class. Queries are independent, so the OpenMP loops over queries add no dependence on
 * the thread count (winners are sorted by index before summing; the hit count is an integer).
 */
#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "specl/eval.h"

/* Block sizes. Few large sgemm calls matter: OpenBLAS threads and the OpenMP team alternate, and
 * every switch costs a spin-wait hand-over, so a block spans up to 65536 training rows. */
#define KNN_QB 256              /* queries per block, at most */
#define KNN_TB 65536            /* training rows per block, at most */
#define KNN_SIM_MAX (1 << 24)   /* bound on qb · tb similarity entries (64 MiB) */
#define KNN_HEAP_MAX (1 << 22)  /* bound on qb · kn heap entries */

typedef struct knn_ctx {
    int64_t n_train, n_test;
    int k, kn, classes, cosine;
    double temp;
    const float *f_train, *f_test;     /* (n_train, k), (n_test, k) originals */
    const int32_t *y_train, *y_test;   /* (n_train), (n_test) */
    const float *rtr, *rte;            /* ranking rows: normalized copies if cosine, else originals */
    float *sq;                         /* (n_train) ‖x‖² for Euclidean ranking */
    double *ntr, *nte;                 /* (n_train), (n_test) float64 norms */
    float *sim;                        /* (qb, tb) similarity block */
    float *hs; int64_t *hi; int *hn;   /* (qb, kn) heap similarities and indices, (qb) sizes */
    int qb, tb;                        /* query and training block sizes */
} knn_ctx;

/* ---- validation ---- */

static int knn_check_labels(const char *what, int64_t n, const int32_t *y, int classes) {
    for (int64_t i = 0; i < n; i++)
        if (y[i] < 0 || y[i] >= classes)
            return specl_error(SPECL_EINVAL, "knn: %s[row %lld] = %d (need 0 <= label < classes = %d)",
                               what, (long long)i, (int)y[i], classes);
    return SPECL_OK;
}

static int knn_check_rows(const char *what, int64_t n, int k, const float *x) {
    for (int64_t i = 0; i < n; i++)
        for (int j = 0; j < k; j++)
            if (!isfinite(x[i * k + j]))
                return specl_error(SPECL_ENUMERIC, "knn: %s[row %lld, column %d] = %g is not finite",
                                   what, (long long)i, j, (double)x[i * k + j]);
    return SPECL_OK;
}

static int knn_check(const specl_knn_opts *o, int64_t n_train, int k, const float *f_train,
                     const int32_t *y_train, int64_t n_test, const float *f_test,
                     const int32_t *y_test, int classes, double *accuracy) {
    if (!o || !accuracy) return specl_error(SPECL_EINVAL, "knn: %s is NULL", o ? "accuracy" : "opts");
    if (!f_train || !y_train || !f_test || !y_test)
        return specl_error(SPECL_EINVAL, "knn: training or test arrays are NULL");
    if (n_train < 1 || n_test < 1)
        return specl_error(SPECL_EINVAL, "knn: n_train = %lld, n_test = %lld (need >= 1)",
                           (long long)n_train, (long long)n_test);
    if (k < 1) return specl_error(SPECL_EINVAL, "knn: k = %d features (need >= 1)", k);
    if (o->kn < 1) return specl_error(SPECL_EINVAL, "knn: kn = %d neighbours (need >= 1)", o->kn);
    if (!(o->temperature > 0) || !isfinite(o->temperature))
        return specl_error(SPECL_EINVAL, "knn: temperature = %g (need finite and > 0)", o->temperature);
    if (classes < 1) return specl_error(SPECL_EINVAL, "knn: classes = %d (need >= 1)", classes);
    int st = knn_check_labels("y_train", n_train, y_train, classes);
    if (!st) st = knn_check_labels("y_test", n_test, y_test, classes);
    if (!st) st = knn_check_rows("f_train", n_train, k, f_train);
    if (!st) st = knn_check_rows("f_test", n_test, k, f_test);
    return st;
}

/* ---- preparation ---- */

/* norm (n) receives the float64 row norms; if unit is not NULL it receives (n, k) unit rows. */
static void knn_norms(int64_t n, int k, const float *x, double *norm, float *unit) {
    #pragma omp parallel for schedule(static)
    for (int64_t i = 0; i < n; i++) {
        double s = 0;
        for (int j = 0; j < k; j++) s += (double)x[i * k + j] * x[i * k + j];
        norm[i] = sqrt(s);
        if (unit)
            for (int j = 0; j < k; j++)
                unit[i * k + j] = s > 0 ? (float)(x[i * k + j] / norm[i]) : 0.0f;
    }
}

static void knn_free(knn_ctx *c) {
    if (c->cosine) { free((float *)c->rtr); free((float *)c->rte); }
    free(c->sq); free(c->ntr); free(c->nte); free(c->sim); free(c->hs); free(c->hi); free(c->hn);
}

static int knn_prepare(knn_ctx *c) {
    int64_t tb = c->n_train < KNN_TB ? c->n_train : KNN_TB, qb = KNN_QB;
    c->tb = (int)tb;
    if (qb > KNN_SIM_MAX / tb) qb = KNN_SIM_MAX / tb;
    if (qb > KNN_HEAP_MAX / c->kn) qb = KNN_HEAP_MAX / c->kn;
    c->qb = qb < 1 ? 1 : (int)qb;
    size_t hk = (size_t)c->qb * c->kn;
    c->ntr = malloc(sizeof(double) * (size_t)c->n_train);
    c->nte = malloc(sizeof(double) * (size_t)c->n_test);
    c->sim = malloc(sizeof(float) * (size_t)c->qb * tb);
    c->hs = malloc(sizeof(float) * hk);
    c->hi = malloc(sizeof(int64_t) * hk);
    c->hn = malloc(sizeof(int) * (size_t)c->qb);
    float *utr = NULL, *ute = NULL;
    if (c->cosine) {
        utr = malloc(sizeof(float) * (size_t)c->n_train * c->k);
        ute = malloc(sizeof(float) * (size_t)c->n_test * c->k);
        c->rtr = utr; c->rte = ute;
    } else {
        c->sq = malloc(sizeof(float) * (size_t)c->n_train);
    }
    if (!c->ntr || !c->nte || !c->sim || !c->hs || !c->hi || !c->hn ||
        (c->cosine ? !utr || !ute : !c->sq))
        return specl_error(SPECL_ENOMEM, "knn: cannot allocate buffers for %lld queries x %lld "
                           "training rows", (long long)c->n_test, (long long)c->n_train);
    knn_norms(c->n_train, c->k, c->f_train, c->ntr, utr);
    knn_norms(c->n_test, c->k, c->f_test, c->nte, ute);
    if (!c->cosine)
        for (int64_t i = 0; i < c->n_train; i++) c->sq[i] = (float)(c->ntr[i] * c->ntr[i]);
    return SPECL_OK;
}

/* ---- selection ---- */

/* 1 if candidate a ranks below b: smaller similarity, or equal similarity and higher index. */
static int knn_worse(float sa, int64_t ia, float sb, int64_t ib) {
    return sa < sb || (sa == sb && ia > ib);
}

/* Offer (s, i) to a min-heap (root = worst kept candidate) holding at most kn entries. */
static void heap_offer(float *hs, int64_t *hi, int *hn, int kn, float s, int64_t i) {
    int pos;
    if (*hn < kn) {                                   /* grow: sift up from the new leaf */
        pos = (*hn)++;
        while (pos > 0 && knn_worse(s, i, hs[(pos - 1) / 2], hi[(pos - 1) / 2])) {
            hs[pos] = hs[(pos - 1) / 2]; hi[pos] = hi[(pos - 1) / 2];
            pos = (pos - 1) / 2;
        }
    } else {                                          /* replace the root if better, sift down */
        if (!knn_worse(hs[0], hi[0], s, i)) return;
        pos = 0;
        for (;;) {
            int l = 2 * pos + 1, r = l + 1, m = l;
            if (l >= kn) break;
            if (r < kn && knn_worse(hs[r], hi[r], hs[l], hi[l])) m = r;
            if (!knn_worse(hs[m], hi[m], s, i)) break;
            hs[pos] = hs[m]; hi[pos] = hi[m];
            pos = m;
        }
    }
    hs[pos] = s; hi[pos] = i;
}

/* Scan training rows [j0, j0 + tb) for queries [q0, q0 + qb): one sgemm, then heap updates. */
static void knn_scan(knn_ctx *c, int64_t q0, int qb, int64_t j0, int tb) {
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, qb, tb, c->k, c->cosine ? 1.0f : 2.0f,
                c->rte + q0 * c->k, c->k, c->rtr + j0 * c->k, c->k, 0.0f, c->sim, tb);
    #pragma omp parallel for schedule(static)
    for (int q = 0; q < qb; q++) {
        const float *row = c->sim + (size_t)q * tb;
        float *hs = c->hs + (size_t)q * c->kn;
        int64_t *hi = c->hi + (size_t)q * c->kn;
        for (int j = 0; j < tb; j++) {
            float s = c->cosine ? row[j] : row[j] - c->sq[j0 + j];
            if (s != s) s = -INFINITY;                /* overflow in float: rank last */
            heap_offer(hs, hi, &c->hn[q], c->kn, s, j0 + j);
        }
    }
}

/* ---- voting ---- */

static int cmp_i64(const void *a, const void *b) {
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* Exact float64 similarity of query q and training row j. */
static double knn_sim(const knn_ctx *c, int64_t q, int64_t j) {
    const float *a = c->f_test + q * c->k, *b = c->f_train + j * c->k;
    double s = 0;
    if (c->cosine) {
        if (c->nte[q] == 0 || c->ntr[j] == 0) return 0;
        for (int d = 0; d < c->k; d++) s += (double)a[d] * b[d];
        return s / (c->nte[q] * c->ntr[j]);
    }
    for (int d = 0; d < c->k; d++) s += ((double)a[d] - b[d]) * ((double)a[d] - b[d]);
    return -s;
}

/* Predicted class of query q from its n selected training indices idx (sorted in place);
 * scratch holds (classes) votes then (n) similarities. */
static int knn_predict(const knn_ctx *c, int64_t q, int64_t *idx, int n, double *scratch) {
    double *votes = scratch, *sim = scratch + c->classes, smax = -INFINITY;
    qsort(idx, (size_t)n, sizeof *idx, cmp_i64);
    for (int r = 0; r < n; r++) {
        sim[r] = knn_sim(c, q, idx[r]);
        if (sim[r] > smax) smax = sim[r];
    }
    memset(votes, 0, sizeof(double) * (size_t)c->classes);
    for (int r = 0; r < n; r++) votes[c->y_train[idx[r]]] += exp((sim[r] - smax) / c->temp);
    int best = 0;
    for (int cl = 1; cl < c->classes; cl++) if (votes[cl] > votes[best]) best = cl;
    return best;
}

/* Count the right predictions among queries [q0, q0 + qb) whose heaps are complete. */
static int knn_vote(const knn_ctx *c, int64_t q0, int qb, int64_t *correct) {
    int64_t hits = 0, failed = 0;
    #pragma omp parallel reduction(+:hits, failed)
    {
        double *scratch = malloc(sizeof(double) * ((size_t)c->classes + c->kn));  /* per thread */
        if (!scratch) failed++;
        #pragma omp for schedule(static)
        for (int q = 0; q < qb; q++)
            if (scratch && knn_predict(c, q0 + q, c->hi + (size_t)q * c->kn, c->hn[q], scratch)
                               == c->y_test[q0 + q])
                hits++;
        free(scratch);
    }
    if (failed) return specl_error(SPECL_ENOMEM, "knn: cannot allocate %d class votes", c->classes);
    *correct += hits;
    return SPECL_OK;
}

int specl_knn_accuracy(const specl_knn_opts *o, int64_t n_train, int k, const float *f_train,
                       const int32_t *y_train, int64_t n_test, const float *f_test,
                       const int32_t *y_test, int classes, double *accuracy) {
    int st = knn_check(o, n_train, k, f_train, y_train, n_test, f_test, y_test, classes, accuracy);
    if (st) return st;
    knn_ctx c = {
        .n_train = n_train, .n_test = n_test, .k = k, .classes = classes, .cosine = o->cosine != 0,
        .kn = o->kn < n_train ? o->kn : (int)n_train, .temp = o->temperature,
        .f_train = f_train, .f_test = f_test, .y_train = y_train, .y_test = y_test,
        .rtr = f_train, .rte = f_test,
    };
    st = knn_prepare(&c);
    int64_t correct = 0;
    for (int64_t q0 = 0; !st && q0 < n_test; q0 += c.qb) {
        int qb = n_test - q0 < c.qb ? (int)(n_test - q0) : c.qb;
        memset(c.hn, 0, sizeof(int) * (size_t)qb);
        for (int64_t j0 = 0; j0 < n_train; j0 += c.tb)
            knn_scan(&c, q0, qb, j0, n_train - j0 < c.tb ? (int)(n_train - j0) : c.tb);
        st = knn_vote(&c, q0, qb, &correct);
    }
    knn_free(&c);
    if (!st) *accuracy = (double)correct / (double)n_test;
    return st;
}
