/* The φ_m procedure as data: its JSON table, and the two claims built on it (CLAIMS.md v2).
 * Every class goes through the same minibatch training path (phim.c; linear_moments is off).
 *   C16 (estimator side), one part per source:
 *     (a) graph source (clusters), `table`: the minimum over λ is within tol (relative) of the
 *         exact φ_m of the theory engine (the bottom of the Laplacian spectrum), every m;
 *     (b) hypercube (Ex. 5.4), `relu1`: φ_m ≤ tol for m ≤ 2^(s−1), φ_m ≥ (m − 2^s)/m·ρ₁ for
 *         m > 2^s (ρ₁: the smallest whitened alignment of a relu1 unit, derived below); φ_m at
 *         2^(s−1) < m ≤ 2^s is a finding; checked on every replicate;
 *     (c) images, `linear`: the gap to the exact φ_m of the same evaluation pairs (the
 *         generalized eigenproblem of their moments) is within tol (relative), every m.
 *   C17: on images, over ≥ 3 replicates (seeds of pretraining, training and evaluation pairs):
 *     (a) the procedure's φ_m(mlp) ≤ the exact φ_m(linear) (the generalized eigenproblem of the
 *         moments of each seed's evaluation pairs) + the half-width of its 95% interval, every m:
 *         the mlp class contains the linear one when its width is ≥ d (relu(x + c) − c = x on
 *         bounded inputs), so its φ_m is ≤ linear's; an estimator that fails this is not
 *         optimizing. The procedure's own linear row is not the side compared: at the budget of
 *         `make reproduce` it stays far above its exact value (measured: 1.45 against 1.20 at
 *         m = 10), so far that an mlp trained for 1 step passed below it;
 *     (b) every architecture's φ_m with a t 95% interval over the replicates.
 *     Findings: the ranking and the rise from the first m to the last, beside Table 1. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "specl/experiments.h"
#include "claims_int.h"
#include "specl/theory.h"

static double at3_(const specl_phim_result *r, const double *v, int a, int i, int j) {
    return v[((size_t)a * r->n_m + i) * r->n_lambda + j];
}

static void num_or_null_(cJSON *o, const char *key, double v) {
    if (isfinite(v)) cJSON_AddNumberToObject(o, key, v);
    else cJSON_AddNullToObject(o, key);
}

cJSON *specl_phim_to_json(const specl_phim_spec *s, const specl_phim_result *r) {
    cJSON *o = cJSON_CreateObject();
    cJSON *ms = cJSON_AddArrayToObject(o, "ms"), *ls = cJSON_AddArrayToObject(o, "lambdas");
    for (int i = 0; i < s->n_m; i++) cJSON_AddItemToArray(ms, cJSON_CreateNumber(s->ms[i]));
    for (int j = 0; j < s->n_lambda; j++) cJSON_AddItemToArray(ls, cJSON_CreateNumber(s->lambdas[j]));
    cJSON_AddNumberToObject(o, "pretrain_k", s->pretrain_k);
    cJSON_AddNumberToObject(o, "eval_pairs", (double)s->eval_pairs);
    cJSON *archs = cJSON_AddArrayToObject(o, "archs");
    for (int a = 0; a < s->n_arch; a++) {
        cJSON *A = cJSON_CreateObject();
        cJSON_AddStringToObject(A, "name", s->arch_names[a]);
        cJSON_AddStringToObject(A, "class", s->arch[a].cls);
        cJSON_AddBoolToObject(A, "exact_alignment", r->exact[a]);
        cJSON_AddNumberToObject(A, "pretrain_seconds", r->pretrain_seconds[a]);
        cJSON *phi = cJSON_AddArrayToObject(A, "phi_m"), *pts = cJSON_AddArrayToObject(A, "points");
        for (int i = 0; i < s->n_m; i++) {
            cJSON *b = cJSON_CreateObject();
            cJSON_AddNumberToObject(b, "m", s->ms[i]);
            num_or_null_(b, "phi", r->best[(size_t)a * r->n_m + i]);
            num_or_null_(b, "lambda", r->best_lambda[(size_t)a * r->n_m + i]);
            cJSON_AddItemToArray(phi, b);
            for (int j = 0; j < s->n_lambda; j++) {
                cJSON *p = cJSON_CreateObject();
                cJSON_AddNumberToObject(p, "m", s->ms[i]);
                cJSON_AddNumberToObject(p, "lambda", s->lambdas[j]);
                num_or_null_(p, "phi", at3_(r, r->phi, a, i, j));
                if (!isfinite(at3_(r, r->phi, a, i, j)))
                    cJSON_AddStringToObject(p, "note", "skipped: the embedding covariance is singular (or the point was not run)");
                num_or_null_(p, "seconds", at3_(r, r->seconds, a, i, j));
                cJSON_AddItemToArray(pts, p);
            }
        }
        cJSON_AddItemToArray(archs, A);
    }
    cJSON *ex = cJSON_AddObjectToObject(o, "exact");
    cJSON *lin = cJSON_AddArrayToObject(ex, "linear"), *tab = cJSON_AddArrayToObject(ex, "table");
    for (int i = 0; i < s->n_m; i++) {
        cJSON_AddItemToArray(lin, isfinite(r->linear_exact[i]) ? cJSON_CreateNumber(r->linear_exact[i]) : cJSON_CreateNull());
        cJSON_AddItemToArray(tab, isfinite(r->table_exact[i]) ? cJSON_CreateNumber(r->table_exact[i]) : cJSON_CreateNull());
    }
    cJSON_AddStringToObject(ex, "linear_moments", r->linear_exact_closed ? "closed form" : "sampled augmentation pairs of the test source");
    return o;
}

/* The exact φ_m row matching architecture a, or NULL. */
static const double *exact_row_(const specl_phim_spec *s, const specl_phim_result *r, int a) {
    if (!strcmp(s->arch[a].cls, "linear")) return r->linear_exact;
    if (!strcmp(s->arch[a].cls, "table")) return r->table_exact;
    return NULL;
}

static void figure_(const specl_phim_spec *s, const specl_phim_result *r, specl_claim *c, const char *name) {
    cJSON *fig = specl_fig_new(c, name, "phi_m against m: minimum over lambda of the whitened alignment", "m",
                               "φ_m (whitened alignment, 1/m convention)");
    double x[64], y[64];
    int n = s->n_m < 64 ? s->n_m : 64;
    for (int i = 0; i < n; i++) x[i] = s->ms[i];
    for (int a = 0; a < s->n_arch; a++) {
        for (int i = 0; i < n; i++) y[i] = r->best[(size_t)a * r->n_m + i];
        specl_fig_series(fig, s->arch_names[a], x, y, n, "linespoints");
        const double *ex = exact_row_(s, r, a);
        char lab[96];
        snprintf(lab, sizeof lab, "%s, exact", s->arch_names[a]);
        int any = 0;
        for (int i = 0; ex && i < n; i++) any |= isfinite(ex[i]);
        if (any) specl_fig_series(fig, lab, x, ex, n, "lines");
    }
    specl_fig_log(fig, 1, 0);
}

/* ---- replicates ---- */

/* Replicate 0 runs at the master seed; replicate i ≥ 1 at the stream (seed, "phim/replicate/i"). */
static uint64_t replicate_seed_(uint64_t seed, int i) {
    if (i == 0) return seed;
    char buf[64];
    snprintf(buf, sizeof buf, "phim/replicate/%d", i);
    specl_rng r;
    specl_rng_derive(&r, seed, buf);
    return specl_rng_u64(&r);
}

/* n runs of the whole procedure into r (n results; freed here on failure). */
static int run_replicates_(const specl_phim_spec *s, int n, specl_phim_result *r) {
    int st = SPECL_OK, done = 0;
    for (; done < n && !st; done++) {
        specl_phim_spec si = *s;
        si.seed = replicate_seed_(s->seed, done);
        st = specl_phim_run(&si, &r[done]);
        if (st) break;
    }
    if (st)
        for (int i = 0; i < done; i++) specl_phim_result_free(&r[i]);
    return st;
}

static double best_(const specl_phim_result *r, int a, int i) { return r->best[(size_t)a * r->n_m + i]; }

/* ---- C16 (b): ρ₁, the smallest whitened alignment of a relu1 unit, is derived in theory/relu1.c ---- */


/* s and the range [lo, hi] of τ from the closed-form moments of a hypercube source: invariant
 * coordinates have Σ_Δ = 0; a spurious one has E τ² = Σ_jj and Var τ = Σ_Δjj/2, and τ is uniform,
 * so lo, hi = Eτ ∓ √(3 Var τ). SPECL_EINVAL if the spurious coordinates disagree. */
static int hypercube_law_(const specl_source *src, int *s_out, double *lo, double *hi) {
    int d = src->d, s = 0, st = SPECL_OK;
    double *mean = malloc(sizeof(double) * d), *sig = malloc(sizeof(double) * (size_t)d * d);
    double *sd = malloc(sizeof(double) * (size_t)d * d);
    if (!mean || !sig || !sd) st = specl_error(SPECL_ENOMEM, "C16: %dx%d moments", d, d);
    if (!st) st = specl_source_moments(src, mean, sig, sd);
    double e2 = NAN, var = NAN;
    for (int j = 0; j < d && !st; j++) {
        double a = sig[(size_t)j * d + j], v = 0.5 * sd[(size_t)j * d + j];
        if (v == 0) { s++; continue; }
        if (isnan(e2)) { e2 = a; var = v; }
        else if (fabs(a - e2) > 1e-12 || fabs(v - var) > 1e-12)
            st = specl_error(SPECL_EINVAL, "C16 (b): the spurious coordinates of the hypercube differ in their law");
    }
    free(mean); free(sig); free(sd);
    if (st) return st;
    if (isnan(e2) || s < 1 || src->n_clusters != ((int64_t)1 << s))
        return specl_error(SPECL_EINVAL, "C16 (b): expected a hypercube with 1 <= s < d invariant coordinates");
    double mu = sqrt(e2 - var), h = sqrt(3 * var);
    *s_out = s; *lo = mu - h; *hi = mu + h;
    return SPECL_OK;
}

/* ---- C16 ---- */

/* (a), (c): every architecture with an exact row, every m: |est − exact|/exact ≤ tol (replicate 0). */
static void c16_gap_(const specl_phim_spec *s, const specl_phim_result *r, double tol, specl_claim *out) {
    double worst = 0;
    int compared = 0, ok = 1;
    char meas[sizeof out->measured - 64] = "";
    size_t off = 0;
    for (int a = 0; a < s->n_arch; a++) {
        const double *ex = exact_row_(s, r, a);
        if (!ex) continue;
        for (int i = 0; i < s->n_m; i++) {
            double est = best_(r, a, i), rel = (est - ex[i]) / fabs(ex[i]);
            compared++;
            if (!(fabs(rel) <= tol)) ok = 0;
            if (!(fabs(rel) <= worst)) worst = fabs(rel);   /* NaN propagates as the worst */
            if (off < sizeof meas - 80)
                off += (size_t)snprintf(meas + off, sizeof meas - off, "%s%s m=%d: %.5g vs exact %.5g (%+.2f%%)",
                                        off ? "; " : "", s->arch_names[a], s->ms[i], est, ex[i], 100 * rel);
        }
    }
    out->holds = ok && compared > 0;
    snprintf(out->predicted, sizeof out->predicted, "estimate within %.3g%% of the exact phi_m of the same %s, every m", 100 * tol,
             strcmp(s->test_src->kind, "clusters") ? "evaluation pairs" : "graph");
    snprintf(out->measured, sizeof out->measured, "worst relative gap %.3g over %d comparisons; %s", worst, compared, meas);
}

/* (b) on every replicate: m ≤ 2^(s−1): φ_m ≤ tol; m > 2^s: φ_m ≥ (m − 2^s)/m·ρ₁; 2^(s−1) < m ≤ 2^s
 * findings (values over the replicates, and how many reach φ_m ≤ tol). */
static int c16_relu1_(const specl_phim_spec *s, const specl_phim_result *r, int n_rep, double tol, const char *control,
                      specl_claim *out) {
    int sb = 0;
    double lo = 0, hi = 0, bmin = 0;
    int st = hypercube_law_(s->test_src, &sb, &lo, &hi);
    if (st) return st;
    double rho = specl_relu1_min_alignment(lo, hi, &bmin);
    long P = 1L << sb;
    int n_low = 0, n_high = 0, bad_low = 0, bad_high = 0;
    double worst_low = 0, worst_high = INFINITY;   /* largest φ where ≤ tol is predicted; smallest margin above the bound */
    char meas[sizeof out->measured - 96] = "";
    size_t off = 0;
    double *vals = malloc(sizeof(double) * (size_t)(n_rep > 0 ? n_rep : 1));
    if (!vals) return specl_error(SPECL_ENOMEM, "C16: %d replicates", n_rep);
    for (int a = 0; a < s->n_arch; a++)
        for (int i = 0; i < s->n_m; i++) {
            long m = s->ms[i];
            double bound = m > P ? (double)(m - P) / (double)m * rho : NAN, vmin = INFINITY, vmax = -INFINITY;
            for (int q = 0; q < n_rep; q++) {
                double v = best_(&r[q], a, i);
                vals[q] = v;
                if (v < vmin || isnan(v)) vmin = v;
                if (v > vmax || isnan(v)) vmax = v;
                if (m <= P / 2) { n_low++; if (!(v <= tol)) bad_low++; if (!(v <= worst_low)) worst_low = v; }
                else if (m > P) { n_high++; if (!(v >= bound)) bad_high++; if (!(v / bound >= worst_high)) worst_high = v / bound; }
            }
            if (off < sizeof meas - 120)
                off += (size_t)snprintf(meas + off, sizeof meas - off, "%s%s m=%ld: %.4g..%.4g%s", off ? "; " : "", s->arch_names[a], m,
                                        vmin, vmax, m > P ? "" : m <= P / 2 ? " (<= tol predicted)" : " (finding)");
            if (m > P && off < sizeof meas - 60)
                off += (size_t)snprintf(meas + off, sizeof meas - off, " (bound %.4g)", bound);
            if (m > P / 2 && m <= P) {
                char name[96], stmt[320];
                int reach = 0;
                for (int q = 0; q < n_rep; q++) reach += vals[q] <= tol;
                snprintf(name, sizeof name, "%s phi_%ld (m = 2^s = %ld: the one-hot construction)", s->arch_names[a], m, P);
                snprintf(stmt, sizeof stmt, "phi_m of %s at m = %ld over %d seeds (each a run of the procedure from random "
                         "initialization); the class has a minimizer with phi_m = 0 (Thm 5.6), which training may not reach", s->arch_names[a], m, n_rep);
                specl_claim_finding_values(out, name, stmt, vals, n_rep);
                snprintf(name, sizeof name, "%s reaches phi_%ld <= %g", s->arch_names[a], m, tol);
                specl_claim_finding_rate(out, name, "seeds whose phi_m at this m is within the tolerance of 0", reach, n_rep);
            }
        }
    free(vals);
    out->holds = !bad_low && !bad_high && n_low > 0 && n_high > 0;
    snprintf(out->predicted, sizeof out->predicted, "s=%d, tau~U[%.3g,%.3g]: phi_m <= %g for m <= %ld; phi_m >= (m-2^s)/m*rho1 for "
             "m > 2^s, rho1 = %.5f (unit sigma(x_j+%.3f)); every seed%s", sb, lo, hi, tol, P / 2, rho, bmin,
             strcmp(control, "none") ? " (control: linear for relu1)" : "");
    snprintf(out->measured, sizeof out->measured, "%d seeds; <= tol: %d of %d fail (largest %.3g); above the bound: %d of %d fail "
             "(smallest phi/bound %.3g); %s", n_rep, bad_low, n_low, worst_low, bad_high, n_high, worst_high, meas);
    cJSON *dj = cJSON_AddObjectToObject(out->details, "relu1_bound");
    cJSON_AddNumberToObject(dj, "s", sb);
    cJSON_AddNumberToObject(dj, "tau_lo", lo);
    cJSON_AddNumberToObject(dj, "tau_hi", hi);
    cJSON_AddNumberToObject(dj, "rho1", rho);
    cJSON_AddNumberToObject(dj, "rho1_bias", bmin);
    return SPECL_OK;
}

/* ---- C17 ---- */

/* Row a of replicate q at m index i: architecture a's φ_m, or (a = n_arch) the exact linear φ_m. */
static double row_(const specl_phim_spec *s, const specl_phim_result *r, int a, int i) {
    return a < s->n_arch ? best_(r, a, i) : r->linear_exact[i];
}

/* Per row (each architecture, and the exact linear φ_m of each seed's evaluation sample) and m:
 * the mean and t 95% interval over the replicates; (a) mlp against the exact linear row; (b). */
static int c17_(const specl_phim_spec *s, const specl_phim_result *r, int n_rep, specl_claim *out) {
    int lin = -1, mlp = -1, nr = s->n_arch + 1, ex = s->n_arch;
    for (int a = 0; a < s->n_arch; a++) {
        if (!strcmp(s->arch[a].cls, "linear")) lin = a;
        if (!strcmp(s->arch[a].cls, "mlp")) mlp = a;
    }
    if (mlp < 0) return specl_error(SPECL_EINVAL, "C17: phim.archs must include mlp (compared with the linear class it contains)");
    if (!s->exact_linear) return specl_error(SPECL_EINVAL, "C17: phim.exact must be 1 (the linear class's exact phi_m is one side of (a))");
    if (s->arch[mlp].width < s->test_src->d)
        return specl_error(SPECL_EINVAL, "C17: model.width = %d < d = %d: the mlp contains the linear class only when width >= d",
                           s->arch[mlp].width, s->test_src->d);
    size_t nb = (size_t)nr * s->n_m;
    double *mean = malloc(sizeof(double) * nb), *half = malloc(sizeof(double) * nb), *v = malloc(sizeof(double) * (size_t)n_rep);
    if (!mean || !half || !v) { free(mean); free(half); free(v); return specl_error(SPECL_ENOMEM, "C17: intervals"); }
    int ok_b = 1, ok_a = 1, bad_a = 0;
    char meas[sizeof out->measured] = "";
    size_t off = 0;
    cJSON *iv = cJSON_AddArrayToObject(out->details, "intervals");
    for (int a = 0; a < nr; a++) {
        const char *name = a < s->n_arch ? s->arch_names[a] : "linear (exact)";
        if (off < sizeof meas - 40) off += (size_t)snprintf(meas + off, sizeof meas - off, "%s%s:", a ? "; " : "", name);
        for (int i = 0; i < s->n_m; i++) {
            double lo, hi;
            for (int q = 0; q < n_rep; q++) v[q] = row_(s, &r[q], a, i);
            specl_mean_ci95(v, n_rep, &mean[(size_t)a * s->n_m + i], &lo, &hi);
            double mu = mean[(size_t)a * s->n_m + i];
            half[(size_t)a * s->n_m + i] = hi - mu;
            if (!isfinite(lo) || !isfinite(hi)) ok_b = 0;
            cJSON *o = cJSON_CreateObject();
            cJSON_AddStringToObject(o, "arch", name);
            cJSON_AddNumberToObject(o, "m", s->ms[i]);
            if (isfinite(mu)) cJSON_AddNumberToObject(o, "mean", mu); else cJSON_AddNullToObject(o, "mean");
            if (isfinite(lo) && isfinite(hi)) { cJSON_AddNumberToObject(o, "lo", lo); cJSON_AddNumberToObject(o, "hi", hi); }
            cJSON *vs = cJSON_AddArrayToObject(o, "values");
            for (int q = 0; q < n_rep; q++) cJSON_AddItemToArray(vs, isfinite(v[q]) ? cJSON_CreateNumber(v[q]) : cJSON_CreateNull());
            cJSON_AddItemToArray(iv, o);
            if (off < sizeof meas - 40)
                off += (size_t)snprintf(meas + off, sizeof meas - off, " %d: %.4g [%.4g, %.4g]", s->ms[i], mu, lo, hi);
        }
    }
    for (int i = 0; i < s->n_m; i++) {
        double pm = mean[(size_t)mlp * s->n_m + i], pl = mean[(size_t)ex * s->n_m + i], hl = half[(size_t)ex * s->n_m + i];
        if (!(pm <= pl + hl)) { ok_a = 0; bad_a++; }
    }
    if (off < sizeof meas - 40) off += (size_t)snprintf(meas + off, sizeof meas - off, "; (a): %d of %d m fail", bad_a, s->n_m);
    out->holds = ok_a && ok_b;
    snprintf(out->predicted, sizeof out->predicted, "(a) every m: mean phi_m(mlp) <= mean exact phi_m(linear) + its 95%% half-width "
             "(an mlp of width >= d contains linear); (b) a finite t 95%% interval over the %d seeds, every row", n_rep);
    snprintf(out->measured, sizeof out->measured, "%s", meas);
    /* findings: the rise from the first m to the last, and the ranking against the linear row */
    char name[128], stmt[400];
    int last = s->n_m - 1;
    for (int a = 0; a < s->n_arch && last > 0; a++) {
        for (int q = 0; q < n_rep; q++) v[q] = best_(&r[q], a, last) / best_(&r[q], a, 0);
        snprintf(name, sizeof name, "%s: phi_%d / phi_%d", s->arch_names[a], s->ms[last], s->ms[0]);
        snprintf(stmt, sizeof stmt, "how fast phi_m rises from m = %d to %d on %s (another dataset than the paper's: CIFAR-10, "
                 "Table 1, m = 10 to 300: ResNet-18 x4.0, ResNet-101 x8.7, WRN x4.3, ViT x5.4); %d seeds, below the 30 of rule 1",
                 s->ms[0], s->ms[last], s->test_src->kind, n_rep);
        specl_claim_finding_values(out, name, stmt, v, n_rep);
    }
    for (int a = 0; a < s->n_arch; a++) {
        if (a == lin) continue;
        for (int i = 0; i < s->n_m && lin >= 0; i++) {
            for (int q = 0; q < n_rep; q++) v[q] = best_(&r[q], a, i) - best_(&r[q], lin, i);
            snprintf(name, sizeof name, "phi_%d(%s) - phi_%d(linear)", s->ms[i], s->arch_names[a], s->ms[i]);
            snprintf(stmt, sizeof stmt, "the ranking at m = %d, both by the procedure (negative: %s separates %s better; the paper's "
                     "Table 1 on CIFAR-10 ranks ResNet-101 < ViT < WRN < ResNet-18 at m = 10); %d seeds, below the 30 of rule 1",
                     s->ms[i], s->arch_names[a], s->test_src->kind, n_rep);
            specl_claim_finding_values(out, name, stmt, v, n_rep);
        }
    }
    free(mean); free(half); free(v);
    return SPECL_OK;
}

/* C16 (estimator side) and C17: run the procedure (phim.seeds replicates), then the check. */
static int phim_claim_(const specl_claim_args *args, specl_claim *out) {
    const specl_phim_spec *s0 = args->phim;
    const char *id = args->def->id, *ctl = args->control ? args->control : "none";
    if (!s0) return specl_error(SPECL_EINVAL, "claim %s: no phim spec", id);
    int c16 = !strcmp(id, "C16"), hyper = !strcmp(s0->test_src->kind, "hypercube");
    int n_rep = s0->replicates > 1 ? s0->replicates : 1;
    if (!c16 && n_rep < 3) return specl_error(SPECL_EINVAL, "C17: phim.seeds = %d, expected >= 3 (an interval over seeds)", n_rep);
    if (s0->linear_moments)
        return specl_error(SPECL_EINVAL, "claim %s checks the minibatch procedure: phim.linear_moments must be 0", id);
    specl_phim_spec s = *s0;
    specl_model_spec arch[64];
    const char *names[64];
    if (!strcmp(ctl, "linear-for-relu1")) {   /* (b) with linear in place of relu1 */
        int found = 0;
        if (s.n_arch > 64) return specl_error(SPECL_EINVAL, "C16: more than 64 architectures");
        for (int a = 0; a < s.n_arch; a++) {
            arch[a] = s0->arch[a];
            names[a] = s0->arch_names[a];
            if (!strcmp(arch[a].cls, "relu1")) { arch[a].cls = "linear"; names[a] = "linear (in place of relu1)"; found = 1; }
        }
        if (!found || !hyper) return specl_error(SPECL_EINVAL, "C16: claim.control = linear-for-relu1 needs relu1 on a hypercube");
        s.arch = arch;
        s.arch_names = names;
    }
    specl_phim_result *r = calloc((size_t)n_rep, sizeof *r);
    if (!r) return specl_error(SPECL_ENOMEM, "phim: %d replicates", n_rep);
    int st = run_replicates_(&s, n_rep, r);
    if (st) { free(r); return st; }
    out->details = cJSON_CreateObject();
    cJSON_AddItemToObject(out->details, "phim", specl_phim_to_json(&s, &r[0]));   /* replicate 0: every point */
    cJSON_AddNumberToObject(out->details, "seeds", n_rep);
    char list[256] = "", *p = list;
    for (int i = 0; i < s.n_m; i++) p += snprintf(p, sizeof list - (size_t)(p - list), "%s%d", i ? "," : "", s.ms[i]);
    const char *how = "train at k = m by the minibatch path of every class over the lambda grid, whiten by Cov^-1/2/sqrt(m), min over lambda";
    if (c16 && hyper) {
        st = c16_relu1_(&s, r, n_rep, args->tol, ctl, out);
        snprintf(out->setting, sizeof out->setting, "(b) hypercube (Ex. 5.4), %s; %s; m in {%s}, %d lambda values, alignment over %ld "
                 "pairs", s.arch_names[0], how, list, s.n_lambda, s.eval_pairs);
        if (!st) figure_(&s, &r[0], out, "c16-phim-relu1");
    } else if (c16) {
        c16_gap_(&s, &r[0], args->tol, out);
        int img = strcmp(s.test_src->kind, "clusters") != 0;
        snprintf(out->setting, sizeof out->setting, "%s %s; %s; m in {%s}, %d lambda values%s", img ? "(c)" : "(a)", s.test_src->kind,
                 how, list, s.n_lambda, img ? "; exact phi_m and the estimate's alignment from the moments of the same evaluation pairs" : "");
        figure_(&s, &r[0], out, img ? "c16-phim-estimator-images" : "c16-phim-estimator");
    } else {
        st = c17_(&s, r, n_rep, out);
        snprintf(out->setting, sizeof out->setting, "%s; %s; m in {%s}, %d lambda values, pretraining at k = %d, %d seeds; the paper's "
                 "numbers are on CIFAR-10 (another dataset) and are not expected to match", s.test_src->kind, how, list, s.n_lambda,
                 s.pretrain_k, n_rep);
        if (!st) figure_(&s, &r[0], out, "c17-phim");
    }
    for (int i = 0; i < n_rep; i++) specl_phim_result_free(&r[i]);
    free(r);
    return st;
}

int specl_claim_c16_estimator(const specl_claim_args *a, specl_claim *c) { return phim_claim_(a, c); }
int specl_claim_c17(const specl_claim_args *a, specl_claim *c) { return phim_claim_(a, c); }
