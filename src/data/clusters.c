/* Sec. 3: the clusters pair source, a stochastic block model with sub-clusters and an exact
 * positive-pair graph (see data.h for the construction). Everything is built once at creation:
 * the CSR graph, the features, the alias table that draws edges. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "specl/data.h"

typedef struct clusters {
    specl_clusters_params p;
    int64_t n;
    specl_graph g;
    float *feat;        /* (n, d) */
    double *prob;       /* (nnz) alias acceptance probabilities */
    int64_t *alias;     /* (nnz) alias targets */
    int64_t *row;       /* (nnz) row of each CSR entry */
    int label_kind[SPECL_MAX_LABELINGS];   /* 0: group, 1: fine */
} clusters;

static int group_of_(const clusters *c, int64_t v) { return (int)(v / ((int64_t)c->p.sub * c->p.size)); }
static int64_t fine_of_(const clusters *c, int64_t v) { return v / c->p.size; }

static void labels_(const specl_source *src, int64_t v, int32_t *label, float *target) {
    const clusters *c = src->impl;
    float *t = target;
    for (int j = 0; j < src->n_labelings; j++) {
        int32_t cls = c->label_kind[j] ? (int32_t)fine_of_(c, v) : group_of_(c, v);
        label[j] = cls;
        for (int i = 0; i < src->labelings[j].dim; i++) *t++ = i == cls ? 1.0f : 0.0f;
    }
}

static int cl_sample_(const specl_source *src, int n, specl_rng *rng, specl_batch *b) {
    const clusters *c = src->impl;
    int d = src->d, L = src->n_labelings, T = src->target_dim;
    int64_t nnz = c->g.nnz;
    for (int i = 0; i < n; i++) {
        int64_t e = (int64_t)specl_rng_below(rng, (uint64_t)nnz);
        if (specl_rng_uniform(rng) >= c->prob[e]) e = c->alias[e];
        int64_t x = c->row[e], y = c->g.col[e];
        memcpy(b->x + (size_t)i * d, c->feat + (size_t)x * d, sizeof(float) * d);
        memcpy(b->x + ((size_t)n + i) * d, c->feat + (size_t)y * d, sizeof(float) * d);
        b->view[i] = x;
        b->view[i + n] = y;
        b->natural[i] = -1;
        b->fine[i] = fine_of_(c, x);
        b->cluster[i] = group_of_(c, x);
        labels_(src, x, b->label + (size_t)i * L, b->target + (size_t)i * T);
    }
    b->n = n;
    return SPECL_OK;
}

static int cl_support_(const specl_source *src, int64_t i, float *x, int32_t *label, float *target,
                       int64_t *cluster, double *prob) {
    const clusters *c = src->impl;
    memcpy(x, c->feat + (size_t)i * src->d, sizeof(float) * src->d);
    labels_(src, i, label, target);
    *cluster = group_of_(c, i);
    *prob = c->g.deg[i] / c->g.total;
    return SPECL_OK;
}

static int cl_graph_(const specl_source *src, specl_graph *out) {
    const clusters *c = src->impl;
    const specl_graph *g = &c->g;
    int64_t *ii = malloc(sizeof(int64_t) * g->nnz);
    int st = ii ? SPECL_OK : SPECL_ENOMEM;
    for (int64_t e = 0; e < g->nnz && !st; e++) ii[e] = c->row[e];
    if (!st) st = specl_graph_from_triplets(g->n, g->nnz, ii, g->col, g->val, 0, out);
    free(ii);
    return st;
}

/* Σ, Σ_Δ and the mean of the features under the graph's p_data and p_pos. */
static int cl_moments_(const specl_source *src, double *mean, double *sigma, double *sd) {
    const clusters *c = src->impl;
    int d = src->d;
    memset(mean, 0, sizeof(double) * d);
    memset(sigma, 0, sizeof(double) * d * d);
    memset(sd, 0, sizeof(double) * d * d);
    for (int64_t x = 0; x < c->n; x++) {
        const float *fx = c->feat + (size_t)x * d;
        double px = c->g.deg[x] / c->g.total;
        for (int a = 0; a < d; a++) {
            mean[a] += px * fx[a];
            for (int b = 0; b < d; b++) sigma[a * d + b] += px * fx[a] * fx[b];
        }
        for (int64_t e = c->g.rowptr[x]; e < c->g.rowptr[x + 1]; e++) {
            const float *fy = c->feat + (size_t)c->g.col[e] * d;
            double pe = c->g.val[e] / c->g.total;
            for (int a = 0; a < d; a++)
                for (int b = 0; b < d; b++) sd[a * d + b] += pe * ((double)fx[a] - fy[a]) * ((double)fx[b] - fy[b]);
        }
    }
    return SPECL_OK;
}

static void cl_free_(specl_source *src) {
    clusters *c = src->impl;
    if (!c) return;
    specl_graph_free(&c->g);
    free(c->feat); free(c->prob); free(c->alias); free(c->row);
    free(c);
}

static const specl_source_ops cl_ops_ = { cl_sample_, cl_moments_, cl_support_, cl_graph_, cl_free_ };

/* Walker's alias table over the CSR weights. */
static int alias_build_(clusters *c) {
    int64_t m = c->g.nnz;
    c->prob = malloc(sizeof(double) * m);
    c->alias = malloc(sizeof(int64_t) * m);
    c->row = malloc(sizeof(int64_t) * m);
    int64_t *small = malloc(sizeof(int64_t) * m), *large = malloc(sizeof(int64_t) * m);
    if (!c->prob || !c->alias || !c->row || !small || !large) { free(small); free(large); return SPECL_ENOMEM; }
    for (int64_t x = 0; x < c->n; x++)
        for (int64_t e = c->g.rowptr[x]; e < c->g.rowptr[x + 1]; e++) c->row[e] = x;
    int64_t ns = 0, nl = 0;
    for (int64_t e = 0; e < m; e++) {
        c->prob[e] = c->g.val[e] / c->g.total * (double)m;
        c->alias[e] = e;
        if (c->prob[e] < 1.0) small[ns++] = e; else large[nl++] = e;
    }
    while (ns > 0 && nl > 0) {
        int64_t s = small[--ns], l = large[nl - 1];
        c->alias[s] = l;
        c->prob[l] -= 1.0 - c->prob[s];
        if (c->prob[l] < 1.0) { nl--; small[ns++] = l; }
    }
    while (nl > 0) c->prob[large[--nl]] = 1.0;
    while (ns > 0) c->prob[small[--ns]] = 1.0;
    free(small); free(large);
    return SPECL_OK;
}

/* Triplet list under construction. */
typedef struct trip { int64_t n, cap, *i, *j; double *w; } trip;

static int trip_add_(trip *t, int64_t i, int64_t j, double w) {
    if (t->n == t->cap) {
        int64_t cap = t->cap ? 2 * t->cap : 4096;
        int64_t *ni = realloc(t->i, sizeof(int64_t) * cap), *nj = ni ? realloc(t->j, sizeof(int64_t) * cap) : NULL;
        if (ni) t->i = ni;
        if (nj) t->j = nj;
        double *nw = nj ? realloc(t->w, sizeof(double) * cap) : NULL;
        if (!nw) return SPECL_ENOMEM;
        t->w = nw;
        t->cap = cap;
    }
    t->i[t->n] = i; t->j[t->n] = j; t->w[t->n] = w;
    t->n++;
    return SPECL_OK;
}

static int parse_masses_(const specl_clusters_params *p, double *mass) {
    for (int a = 0; a < p->m; a++) mass[a] = 1.0;
    if (!p->masses || !*p->masses) return SPECL_OK;
    const char *s = p->masses;
    for (int a = 0; a < p->m; a++) {
        char *end;
        mass[a] = strtod(s, &end);
        if (end == s || !(mass[a] > 0) || !isfinite(mass[a]))
            return specl_error(SPECL_EINVAL, "data.masses = '%s': expected %d positive numbers separated by commas", p->masses, p->m);
        s = end + strspn(end, ", ");
    }
    if (*s) return specl_error(SPECL_EINVAL, "data.masses = '%s': more than data.m = %d values", p->masses, p->m);
    return SPECL_OK;
}

/* Within-group edges, each group's weight scaled to its mass; din (n) receives within degrees. */
static int within_(const specl_clusters_params *p, const double *mass, specl_rng *r, trip *t, double *din) {
    int64_t gs = (int64_t)p->sub * p->size;
    int st = SPECL_OK;
    for (int a = 0; a < p->m && !st; a++) {
        int64_t first = t->n, base = a * gs;
        double tot = 0;
        for (int64_t u = 0; u < gs && !st; u++)
            for (int64_t v = u + 1; v < gs && !st; v++) {
                double w = 0.5 + specl_rng_uniform(r);
                if (u / p->size != v / p->size) w *= p->conn;
                if (w > 0) { st = trip_add_(t, base + u, base + v, w); tot += 2 * w; }
            }
        for (int64_t e = first; e < t->n; e++) {
            t->w[e] *= mass[a] / tot;
            din[t->i[e]] += t->w[e];
            din[t->j[e]] += t->w[e];
        }
    }
    return st;
}

/* Cross-group edges carrying total (both directions) weight `cross`. */
static int cross_(const specl_clusters_params *p, const double *din, double cross, specl_rng *r, trip *t) {
    int64_t n = (int64_t)p->m * p->sub * p->size, gs = (int64_t)p->sub * p->size, first = t->n;
    int st = SPECL_OK;
    double tot = 0;
    if (cross <= 0 || p->m < 2) return SPECL_OK;
    if (p->equitable) {
        for (int64_t x = 0; x < n && !st; x++)
            for (int64_t y = (x / gs + 1) * gs; y < n && !st; y++) {
                st = trip_add_(t, x, y, din[x] * din[y]);
                tot += 2 * din[x] * din[y];
            }
    } else {
        for (int64_t x = 0; x < n && !st; x++)
            for (int l = 0; l < p->leak && !st; l++) {
                int64_t y = (int64_t)specl_rng_below(r, (uint64_t)(n - gs));
                if (y >= (x / gs) * gs) y += gs;       /* skip x's own group */
                double w = 0.5 + specl_rng_uniform(r);
                st = trip_add_(t, x, y, w);
                tot += 2 * w;
            }
    }
    for (int64_t e = first; e < t->n; e++) t->w[e] *= cross / tot;
    return st;
}

static int check_params_(const specl_clusters_params *p) {
    if (p->m < 1 || p->sub < 1 || p->size < 1)
        return specl_error(SPECL_EINVAL, "data.m = %d, data.sub = %d, data.size = %d: each must be >= 1", p->m, p->sub, p->size);
    int64_t n = (int64_t)p->m * p->sub * p->size, gs = (int64_t)p->sub * p->size;
    if (gs > 20000) return specl_error(SPECL_EINVAL, "data.sub x data.size = %lld vertices per group: at most 20000 (groups are dense)", (long long)gs);
    if (p->equitable && n > 4000) return specl_error(SPECL_EINVAL, "data.equitable = 1 joins every pair of groups densely: at most 4000 vertices (got %lld)", (long long)n);
    if (!(p->alpha >= 0 && p->alpha < 1)) return specl_error(SPECL_EINVAL, "data.alpha = %g: expected 0 <= alpha < 1", p->alpha);
    if (p->alpha > 0 && p->m < 2) return specl_error(SPECL_EINVAL, "data.alpha = %g > 0 needs data.m >= 2 groups", p->alpha);
    if (!(p->conn >= 0) || !isfinite(p->conn)) return specl_error(SPECL_EINVAL, "data.conn = %g: expected conn >= 0", p->conn);
    if (p->size < 2 && (p->conn == 0 || p->sub < 2) && p->alpha == 0)
        return specl_error(SPECL_EINVAL, "data.size = 1 with no other edges leaves vertices of degree 0 (raise data.size, data.conn or data.alpha)");
    if (p->d < 1) return specl_error(SPECL_EINVAL, "data.d = %d: expected d >= 1", p->d);
    if (!p->equitable && p->alpha > 0 && p->leak < 1) return specl_error(SPECL_EINVAL, "data.leak = %d: expected >= 1", p->leak);
    return SPECL_OK;
}

static int parse_labels_(specl_source *src, clusters *c, const char *labels) {
    char buf[512];
    snprintf(buf, sizeof buf, "%s", labels && *labels ? labels : "group");
    for (char *save = NULL, *tok = strtok_r(buf, ", ", &save); tok; tok = strtok_r(NULL, ", ", &save)) {
        int j = src->n_labelings, fine = !strcmp(tok, "fine");
        if (j >= SPECL_MAX_LABELINGS) return specl_error(SPECL_EINVAL, "data.labels: too many labellings");
        if (!fine && strcmp(tok, "group")) return specl_error(SPECL_EINVAL, "data.labels: unknown labelling '%s' for clusters (expected group or fine)", tok);
        c->label_kind[j] = fine;
        specl_labeling *l = &src->labelings[j];
        snprintf(l->name, sizeof l->name, "%s", tok);
        l->classes = l->dim = fine ? c->p.m * c->p.sub : c->p.m;
        l->scalar = 0;
        src->target_dim += l->dim;
        src->n_labelings++;
    }
    return SPECL_OK;
}

static int build_(clusters *c) {
    const specl_clusters_params *p = &c->p;
    specl_rng r;
    specl_rng_derive(&r, p->seed, "clusters/graph");
    double *mass = malloc(sizeof(double) * p->m), *din = calloc((size_t)c->n, sizeof(double));
    trip t = { 0 };
    int st = (!mass || !din) ? SPECL_ENOMEM : parse_masses_(p, mass);
    if (!st) st = within_(p, mass, &r, &t, din);
    double tin = 0;
    for (int a = 0; a < p->m; a++) tin += mass[a];
    if (!st) st = cross_(p, din, p->alpha * tin / (1.0 - p->alpha), &r, &t);
    if (!st) st = specl_graph_from_triplets(c->n, t.n, t.i, t.j, t.w, 1, &c->g);
    free(t.i); free(t.j); free(t.w); free(mass); free(din);
    if (st) return st;
    c->feat = malloc(sizeof(float) * (size_t)c->n * p->d);
    if (!c->feat) return SPECL_ENOMEM;
    specl_rng_derive(&r, p->seed, "clusters/features");
    for (int64_t i = 0; i < c->n * p->d; i++) c->feat[i] = (float)specl_rng_normal(&r);
    return alias_build_(c);
}

int specl_clusters_new(const specl_clusters_params *p, specl_source **out) {
    *out = NULL;
    int st = check_params_(p);
    if (st) return st;
    specl_source *src = calloc(1, sizeof *src);
    clusters *c = calloc(1, sizeof *c);
    if (!src || !c) { free(src); free(c); return SPECL_ENOMEM; }
    c->p = *p;
    c->p.masses = NULL;      /* borrowed strings are used only here */
    c->p.labels = NULL;
    c->n = (int64_t)p->m * p->sub * p->size;
    src->ops = &cl_ops_;
    src->impl = c;
    snprintf(src->kind, sizeof src->kind, "clusters");
    src->d = p->d;
    src->n_support = c->n;
    src->n_clusters = p->m;
    st = parse_labels_(src, c, p->labels);
    if (!st) {
        specl_clusters_params q = *p;
        c->p = q;
        st = build_(c);
        c->p.masses = c->p.labels = NULL;
    }
    if (st) { specl_source_free(src); return st; }
    *out = src;
    return SPECL_OK;
}
