/* Claims of Examples 5.7 (separated manifolds, C09, C10), 5.10 (translated patch, C11, C12) and
 * Fig. 3 (the centred 2×2 grid, C15). The source comes built from the claim's config; every number
 * in a record is measured here, predictions are the theorems' formulas at the measured settings. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "specl/experiments.h"
#include "claims_int.h"
#include "specl/theory.h"

/* Probe error of labelling j, fitted and measured on fresh samples (NAN if the probe fails). */
static double probe_(specl_model *m, const specl_example_claim_spec *sp, int j) {
    double err = NAN, acc;
    if (specl_measure_probe(m, sp->src, sp->eval.seed, sp->eval.n_train, sp->eval.n_test, &sp->eval.probe, j, &err, &acc)) return NAN;
    return err;
}

static double loss_(specl_model *m, const specl_example_claim_spec *sp, uint64_t seed) {
    int ex;
    return specl_measure_loss(m, sp->src, sp->train.loss.lambda, seed, sp->eval.pop_pairs, &ex);
}

static int train_(const specl_example_claim_spec *sp, const char *cls, int k, double kappa, uint64_t seed,
                  specl_step_cb cb, void *ctx, specl_model **out) {
    specl_model_spec ms = sp->model;
    ms.cls = cls; ms.d = sp->src->d; ms.k = k; ms.kappa = kappa;
    return specl_train_fresh(sp->src, &ms, &sp->train, sp->train.loss.lambda, seed, cb, ctx, out);
}

/* The same model as specl_train_fresh (init from (seed, "init"), projected, trained on pairs from
 * (seed, "data")), measured also before its first step: L_λ and probe error at step 0 and at the end. */
static int train_measured_(const specl_example_claim_spec *sp, const char *cls, int k, uint64_t seed, specl_step_cb cb,
                           void *ctx, double *l0, double *e0, double *l1, double *e1) {
    specl_train_spec ts, unscaled = sp->train;
    int st = specl_train_resolve(&unscaled, &ts);
    if (st) return st;
    specl_model_spec ms = sp->model;
    ms.cls = cls; ms.d = sp->src->d; ms.k = k;
    specl_model *m;
    specl_rng ri, rd;
    specl_rng_derive(&ri, seed, "init");
    specl_rng_derive(&rd, seed, "data");
    if ((st = specl_model_create(&ms, 2 * ts.batch > 8192 ? 2 * ts.batch : 8192, &m))) return st;
    specl_model_init(m, ms.init_scale, &ri);
    st = specl_model_constrain(m);
    if (!st) { *l0 = loss_(m, sp, seed); *e0 = probe_(m, sp, 0); }
    if (!st) st = specl_train(m, sp->src, &ts, &rd, cb, ctx);
    if (!st) { *l1 = loss_(m, sp, seed); *e1 = probe_(m, sp, 0); }
    specl_model_free(m);
    return st;
}

static int control_(const specl_claim_args *a, const char *name) { return a->control && !strcmp(a->control, name); }

/* C09's check, the same for a trained model and for the control's construction: L_λ within 1e-3
 * of its minimum 0 (two-sided: the population loss is ≥ 0, so a Monte-Carlo value below −1e-3 is a
 * defect) and the probe error within the bound. */
static int c09_check_(double loss, double err, double bound) { return loss >= -1e-3 && loss <= 1e-3 && err <= bound; }

/* C09 (Thm 5.9 upper). holds: lipschitz at κ = factor·√(2r)/γ, k = r, at the master seed.
 * Findings over claim.seeds seeds: lipschitz at the smallest κ and the unconstrained mlp. */
static int c09_(const specl_example_claim_spec *sp, const specl_claim_args *a, specl_claim *c) {
    int r = sp->r, m = sp->src->labelings[0].classes, n = sp->seeds, st = 0;
    double kmin = sqrt(2.0 * r) / sp->gamma, kappa = sp->kappa_factor * kmin, rho2 = sp->rho * sp->rho;
    double b = 2.0 * r * m * kappa * kappa * rho2, amended = 4.0 * r * kappa * kappa * rho2;
    specl_model *mod;
    snprintf(c->predicted, sizeof c->predicted, "at kappa = %.3g (%.3g x sqrt(2r)/gamma), k = r = %d: training reaches |L_lambda| <= 1e-3 and "
             "error <= 2 r m kappa^2 rho^2 = %.3g (amended, PAPER.md section 8: 4 r kappa^2 rho^2 = %.3g)%s", kappa, sp->kappa_factor, r, b,
             amended, b >= 1 ? "; the bound is >= 1 at this setting (vacuous)" : "");
    if (control_(a, "c10-construction")) {   /* the C10 table construction (k = r) in place of the trained model */
        if ((st = specl_construct_thm59_lower(sp->src, r, r, 4096, &mod))) return st;
        double l = loss_(mod, sp, sp->eval.seed), e = probe_(mod, sp, 0);
        specl_model_free(mod);
        c->holds = c09_check_(l, e, b);
        snprintf(c->measured, sizeof c->measured, "C10 construction (table over the sub-clusters, k = %d): L = %.2g, error %.4g against the bound %.3g",
                 r, l, e, b);
        return SPECL_OK;
    }
    /* the claim: the master seed at κ */
    double l = NAN, e = NAN;
    if ((st = train_(sp, "lipschitz", r, kappa, sp->eval.seed, a->cb, a->ctx, &mod))) return st;
    l = loss_(mod, sp, sp->eval.seed);
    e = probe_(mod, sp, 0);
    specl_model_free(mod);
    c->holds = c09_check_(l, e, b);
    /* findings: lipschitz at the smallest κ, and the unconstrained mlp, over n runs whose seeds are
     * drawn from the master seed (disjoint sets at master seeds 1, 2, 3; not seed, seed + 1, ...) */
    double *v = calloc((size_t)4 * n, sizeof(double));
    if (!v) return SPECL_ENOMEM;
    double *lmin = v, *emin = v + n, *lmlp = v + 2 * n, *emlp = v + 3 * n, bmin = 2.0 * r * m * kmin * kmin * rho2;
    int reach_min = 0, reach_mlp = 0, below_mlp = 0, below_min = 0;
    specl_rng sr;
    specl_rng_derive(&sr, sp->eval.seed, "c09-findings");
    for (int i = 0; i < n && !st; i++) {
        uint64_t seed = specl_rng_u64(&sr) >> 11;   /* 53 bits: exact in JSON */
        if ((st = train_(sp, "lipschitz", r, kmin, seed, a->cb, a->ctx, &mod))) break;
        lmin[i] = loss_(mod, sp, seed); emin[i] = probe_(mod, sp, 0);
        specl_model_free(mod);
        if ((st = train_(sp, "mlp", r, 0, seed, a->cb, a->ctx, &mod))) break;
        lmlp[i] = loss_(mod, sp, seed); emlp[i] = probe_(mod, sp, 0);
        specl_model_free(mod);
        reach_min += lmin[i] <= 1e-3; below_min += emin[i] <= bmin;
        reach_mlp += lmlp[i] <= 1e-3; below_mlp += emlp[i] <= b;
    }
    /* the figure: error against κ at the master seed (κ_min from seed index 0) */
    double kap[4] = { kmin, 1.5 * kmin, kappa, 2 * kappa }, err[4] = { emin[0], NAN, e, NAN }, los[4] = { lmin[0], NAN, l, NAN }, bnd[4];
    for (int i = 1; i < 4 && !st; i += 2) {
        if ((st = train_(sp, "lipschitz", r, kap[i], sp->eval.seed, a->cb, a->ctx, &mod))) break;
        los[i] = loss_(mod, sp, sp->eval.seed); err[i] = probe_(mod, sp, 0);
        specl_model_free(mod);
    }
    if (st) { free(v); return st; }
    for (int i = 0; i < 4; i++) bnd[i] = 2.0 * r * m * kap[i] * kap[i] * rho2;
    cJSON *fig = specl_fig_new(c, "c09-error-vs-kappa", "Separated manifolds: probe error against kappa (master seed)", "kappa", "probe error");
    specl_fig_series(fig, "lipschitz (trained)", kap, err, 4, "linespoints");
    specl_fig_series(fig, "Thm 5.9 bound 2 r m kappa^2 rho^2", kap, bnd, 4, "lines");
    specl_fig_hline(fig, "unconstrained mlp (trained, master seed)", emlp[0]);
    specl_fig_log(fig, 0, 1);
    cJSON_AddItemToObject(c->details, "kappa", cJSON_CreateDoubleArray(kap, 4));
    cJSON_AddItemToObject(c->details, "loss", cJSON_CreateDoubleArray(los, 4));
    cJSON_AddItemToObject(c->details, "error", cJSON_CreateDoubleArray(err, 4));
    cJSON_AddNumberToObject(c->details, "error_over_bound", e / b);
    char st1[300];
    snprintf(st1, sizeof st1, "lipschitz at the smallest kappa = sqrt(2r)/gamma = %.3g: training reaches a minimizer (L_lambda <= 1e-3)", kmin);
    specl_claim_finding_rate(c, "c09-kappa-min-reaches-minimizer", st1, reach_min, n);
    specl_claim_finding_values(c, "c09-kappa-min-loss", "lipschitz at the smallest kappa: L_lambda after training", lmin, n);
    snprintf(st1, sizeof st1, "lipschitz at the smallest kappa: probe error after training (its bound 2 r m kappa^2 rho^2 = %.3g applies only at a minimizer)", bmin);
    cJSON *f = specl_claim_finding_values(c, "c09-kappa-min-error", st1, emin, n);
    cJSON_AddNumberToObject(f, "within_bound", below_min);
    specl_claim_finding_rate(c, "c09-mlp-reaches-minimizer", "unconstrained mlp (k = r): training reaches L_lambda <= 1e-3", reach_mlp, n);
    specl_claim_finding_values(c, "c09-mlp-loss", "unconstrained mlp: L_lambda after training", lmlp, n);
    snprintf(st1, sizeof st1, "unconstrained mlp: probe error after training (the lipschitz bound at kappa = %.3g is %.3g; the theorem says nothing of the mlp)", kappa, b);
    f = specl_claim_finding_values(c, "c09-mlp-error", st1, emlp, n);
    cJSON_AddNumberToObject(f, "within_bound", below_mlp);
    snprintf(c->measured, sizeof c->measured, "L = %.2g, error %.3g (error/bound %.3g). Findings over %d seeds: at the smallest kappa %.3g a minimizer "
             "was reached in %d; unconstrained mlp reached L <= 1e-3 in %d, error within %.3g in %d", l, e, e / b, n, kmin, reach_min, reach_mlp, b, below_mlp);
    free(v);
    return SPECL_OK;
}

/* C10 (Thm 5.9 lower): the table construction over the sub-clusters; control trained-lipschitz:
 * the same check on the lipschitz model trained as C09 trains it (k = r, κ = factor·√(2r)/γ). */
static int c10_(const specl_example_claim_spec *sp, const specl_claim_args *a, specl_claim *c) {
    specl_model *m;
    int trained = control_(a, "trained-lipschitz"), ex, st;
    if (trained) st = train_(sp, "lipschitz", sp->r, sp->kappa_factor * sqrt(2.0 * sp->r) / sp->gamma, sp->eval.seed, a->cb, a->ctx, &m);
    else st = specl_construct_thm59_lower(sp->src, sp->r, sp->model.k, 4096, &m);
    if (st) return st;
    /* exact over the sub-clusters for a table; Monte-Carlo (|L| <= 1e-3) for a trained network */
    double l = specl_measure_loss(m, sp->src, sp->train.loss.lambda, sp->eval.seed, trained ? sp->eval.pop_pairs : 0, &ex), err, acc;
    double tol = ex ? 1e-9 : 1e-3;
    st = specl_measure_probe_support(m, sp->src, &sp->eval.probe, 0, &err, &acc);
    c->holds = !st && fabs(l) <= tol && err >= 0.5 - 1e-9;
    snprintf(c->predicted, sizeof c->predicted, "k = %d <= r0/2: L_lambda = 0 and error >= 1/2 (exact over the sub-clusters)", trained ? sp->r : sp->model.k);
    snprintf(c->measured, sizeof c->measured, "%s: L_lambda = %.3g (%s), error %.6f", trained ? "trained lipschitz" : "table construction", l,
             ex ? "exact" : "Monte-Carlo", err);
    specl_model_free(m);
    return st;
}

/* Check that a construction outputs exactly √k·e_c on every sampled view, the same c for both
 * views of a pair, with every c equally frequent: then alignment = 0 and E ffᵀ = I, i.e. L_λ = 0,
 * which a Monte-Carlo estimate of L cannot resolve at large k (its noise grows like k^2.5/N).
 * *dev: max |f − √k e_c| / √k; *mismatch: pairs whose views differ; *z: max |n_c − N/k| / √(N/k). */
static int onehot_check_(specl_model *m, const specl_source *src, uint64_t seed, int n_pairs,
                         double *dev, long *mismatch, double *z) {
    int k = m->k, chunk = m->max_n / 2 < 4096 ? m->max_n / 2 : 4096, st;
    specl_batch b;
    if ((st = specl_batch_alloc(&b, chunk, src))) return st;
    float *f = malloc(sizeof(float) * 2 * chunk * k);
    long *cnt = calloc((size_t)k, sizeof(long));
    specl_rng r;
    specl_rng_derive(&r, seed, "onehot");
    double rk = sqrt((double)k);
    *dev = 0; *mismatch = 0;
    if (!f || !cnt) st = SPECL_ENOMEM;
    for (int done = 0; done < n_pairs && !st; done += chunk) {
        int c = n_pairs - done < chunk ? n_pairs - done : chunk;
        st = specl_source_sample(src, c, &r, &b);
        if (!st) st = specl_model_apply(m, 2 * c, b.x, b.view, f);
        for (int i = 0; i < 2 * c && !st; i++) {
            const float *row = f + (size_t)i * k;
            int arg = 0;
            for (int j = 1; j < k; j++) if (row[j] > row[arg]) arg = j;
            for (int j = 0; j < k; j++) *dev = fmax(*dev, fabs(row[j] - (j == arg ? rk : 0.0)) / rk);
            if (i < c) cnt[arg]++;
            else {
                const float *a = f + (size_t)(i - c) * k;
                int arg1 = 0;
                for (int j = 1; j < k; j++) if (a[j] > a[arg1]) arg1 = j;
                *mismatch += arg1 != arg;
            }
        }
    }
    double e = (double)n_pairs / k;
    *z = 0;
    for (int j = 0; j < k && !st; j++) *z = fmax(*z, fabs(cnt[j] - e) / sqrt(e));
    free(f); free(cnt);
    specl_batch_free(&b);
    return st;
}

/* The one-hot check of a construction (onehot_check_) within margins: deviation ≤ 1e-4 (float
 * rounding of √k is ~1e-7), no pair split between cells, every cell count within 5 standard errors. */
static int onehot_ok_(double dev, long mism, double z) { return dev <= 1e-4 && mism == 0 && z <= 5; }

/* C11 (Thm 5.12 upper). holds: the explicit filters are one-hot on every sampled view (so L_λ = 0
 * and E ffᵀ = I exactly) and their probe error is 0; control zero-filter: filter 0 zeroed.
 * Findings over claim.seeds seeds: conv1d-circ and relu1 at k = 2^s from random initialization,
 * L_λ and probe error at step 0 and at the end, and the rate of reaching L_λ < 5e-3. */
static int c11_(const specl_example_claim_spec *sp, const specl_claim_args *a, specl_claim *c) {
    specl_model *m;
    int s = sp->s, k = 1 << s, n = sp->seeds, zero = control_(a, "zero-filter");
    int st = specl_construct_thm512_conv(sp->src->d, s, sp->gamma, 8192, &m);
    if (st) return st;
    if (zero) {
        memset(specl_model_weight(m, 0), 0, sizeof(float) * (size_t)s);
        specl_model_bias(m, 0)[0] = 0;
    }
    double dev = 0, z = 0, l = loss_(m, sp, sp->eval.seed), e = probe_(m, sp, 0);
    long mism = 0;
    st = onehot_check_(m, sp->src, sp->eval.seed, (int)sp->eval.pop_pairs, &dev, &mism, &z);
    specl_model_free(m);
    if (st) return st;
    c->holds = onehot_ok_(dev, mism, z) && e <= 1e-6;
    snprintf(c->predicted, sizeof c->predicted, "explicit filters (k = 2^s = %d): f = sqrt(k) e_pattern on every view, both views in one cell, cells "
             "equally likely (so L_lambda = 0 and E ffT = I), and probe error 0 (<= 1e-6)", k);
    if (zero || !n) {
        snprintf(c->measured, sizeof c->measured, "%sover %ld pairs: max |f - sqrt(k) e_c|/sqrt(k) = %.2g, %ld pairs split, max cell-count deviation "
                 "%.2f SE; Monte-Carlo L = %.2g; error %.2g", zero ? "filter 0 zeroed: " : "", sp->eval.pop_pairs, dev, mism, z, l, e);
        return SPECL_OK;
    }
    static const char *cls[2] = { "conv1d-circ", "relu1" };
    double *v = calloc((size_t)8 * n, sizeof(double)), sx[1000];
    if (!v) return SPECL_ENOMEM;
    int reach[2] = { 0, 0 };
    cJSON *runs = cJSON_AddArrayToObject(c->details, "random_init");
    specl_rng sr;   /* run seeds drawn from the master seed: disjoint sets at master seeds 1, 2, 3 */
    specl_rng_derive(&sr, sp->eval.seed, "c11-random-init");
    for (int i = 0; i < n && !st; i++) {
        uint64_t seed = specl_rng_u64(&sr) >> 11;   /* 53 bits: exact in JSON */
        sx[i < 1000 ? i : 999] = i + 1;             /* the figure's x: the run's index */
        for (int j = 0; j < 2 && !st; j++) {
            double *w = v + (size_t)4 * j * n;   /* l0, e0, l1, e1 of class j */
            st = train_measured_(sp, cls[j], k, seed, a->cb, a->ctx, &w[i], &w[n + i], &w[2 * n + i], &w[3 * n + i]);
            if (st) break;
            reach[j] += w[2 * n + i] < 5e-3;
            cJSON *o = cJSON_CreateObject();
            cJSON_AddStringToObject(o, "class", cls[j]); cJSON_AddNumberToObject(o, "k", k); cJSON_AddNumberToObject(o, "seed", (double)seed);
            cJSON_AddNumberToObject(o, "loss_step0", w[i]); cJSON_AddNumberToObject(o, "error_step0", w[n + i]);
            cJSON_AddNumberToObject(o, "loss_end", w[2 * n + i]); cJSON_AddNumberToObject(o, "error_end", w[3 * n + i]);
            cJSON_AddItemToArray(runs, o);
        }
    }
    if (st) { free(v); return st; }
    char name[64], text[300], ms[600];
    size_t off = 0;
    static const char *what[4] = { "loss-step0", "error-step0", "loss-end", "error-end" };
    static const char *wtext[4] = { "L_lambda (Monte-Carlo) at step 0 (random initialization)", "probe error at step 0 (random initialization)",
                                    "L_lambda (Monte-Carlo) after training", "probe error after training" };
    cJSON *fig = specl_fig_new(c, "c11-error-by-seed", "Translated patch, k = 2^s: probe error at step 0 and after training, per run", "run (seeds drawn from the master seed)", "probe error (pattern labels)");
    for (int j = 0; j < 2; j++) {
        double *w = v + (size_t)4 * j * n;
        snprintf(name, sizeof name, "c11-%s-reaches-minimizer", cls[j]);
        snprintf(text, sizeof text, "%s, k = %d, from random initialization: training reaches L_lambda < 5e-3 (Monte-Carlo, %ld pairs)", cls[j], k, sp->eval.pop_pairs);
        specl_claim_finding_rate(c, name, text, reach[j], n);
        for (int q = 0; q < 4; q++) {
            snprintf(name, sizeof name, "c11-%s-%s", cls[j], what[q]);
            snprintf(text, sizeof text, "%s, k = %d: %s", cls[j], k, wtext[q]);
            specl_claim_finding_values(c, name, text, w + (size_t)q * n, n);
        }
        double m0, m1, lo, hi, me0, me1;
        specl_mean_ci95(w, n, &m0, &lo, &hi); specl_mean_ci95(w + 2 * n, n, &m1, &lo, &hi);
        specl_mean_ci95(w + n, n, &me0, &lo, &hi); specl_mean_ci95(w + 3 * n, n, &me1, &lo, &hi);
        off += (size_t)snprintf(ms + off, sizeof ms - off, "%s%s: L < 5e-3 in %d/%d, mean L %.3g -> %.3g, error %.3g -> %.3g",
                                j ? "; " : "", cls[j], reach[j], n, m0, m1, me0, me1);
        snprintf(text, sizeof text, "%s at step 0", cls[j]);
        specl_fig_series(fig, text, sx, w + n, n < 1000 ? n : 1000, "points");
        snprintf(text, sizeof text, "%s after training", cls[j]);
        specl_fig_series(fig, text, sx, w + 3 * n, n < 1000 ? n : 1000, "points");
    }
    snprintf(c->measured, sizeof c->measured, "explicit: max |f - sqrt(k) e_c|/sqrt(k) %.2g, %ld split, cell z %.2f, MC L %.2g, error %.2g (%ld pairs). "
             "Findings, k = %d, step 0 -> end: %.300s", dev, mism, z, l, e, sp->eval.pop_pairs, k, ms);
    free(v);
    return SPECL_OK;
}

/* The patch bit j of a labelling named "bit<j>", 0 if it is not one. */
static int label_bit_(const char *name) {
    if (strncmp(name, "bit", 3) || name[3] < '1' || name[3] > '9') return 0;
    return atoi(name + 3);
}

/* C12 (Thm 5.12 lower): the paired-unit relu1 construction on the labelled patch bit j (pairs of
 * patterns that differ only in bit j). Its negative control is a setting: an end bit as the label
 * (data.labels=bit1), where the pairing cannot make the units one-hot (PAPER.md section 8). */
static int c12_(const specl_example_claim_spec *sp, specl_claim *c) {
    specl_model *m;
    const char *lab = sp->src->labelings[0].name;
    int d = sp->src->d, j = label_bit_(lab);
    if (!j) return specl_error(SPECL_EINVAL, "claim C12: data.labels = %s: expected a patch bit bit<j> (the label the construction cannot see)", lab);
    int st = specl_construct_thm512_lower_bit(d, sp->s, j, sp->gamma, 8192, &m);
    if (st) return st;
    double l = loss_(m, sp, sp->eval.seed), e = probe_(m, sp, 0);
    double dev = 0, z = 0;
    long mism = 0;
    st = onehot_check_(m, sp->src, sp->eval.seed, (int)sp->eval.pop_pairs, &dev, &mism, &z);
    c->holds = !st && onehot_ok_(dev, mism, z) && e >= 0.5;
    snprintf(c->predicted, sizeof c->predicted, "relu1, k = d 2^(s-1) = %d, pairs differing in bit %d%s: f = sqrt(k) e_cell on every view, one cell "
             "per pair, cells equally likely (L_lambda = 0, E ffT = I); error >= 1/2 for %.16s", m->k, j,
             j > 1 && j < sp->s ? " (interior)" : " (END bit)", lab);
    snprintf(c->measured, sizeof c->measured, "over %ld pairs: max |f - sqrt(k) e_c|/sqrt(k) = %.2g, %ld pairs split between cells, "
             "max cell-count deviation %.2f SE; Monte-Carlo L = %.2g; error %.4f", sp->eval.pop_pairs, dev, mism, z, l, e);
    specl_model_free(m);
    return st;
}

/* Heatmap of output `out` of a model over the plane of the first two coordinates (the others 0),
 * with the support points of src drawn over it. */
static int plane_fig_(specl_claim *c, specl_model *m, const specl_source *src, int out, const char *name, const char *title) {
    enum { G = 41 };
    int d = m->d, st = SPECL_OK;
    double gx[G], z[G * G];
    float *x = calloc((size_t)G * G * d, sizeof(float)), *f = malloc(sizeof(float) * G * G * m->k);
    if (!x || !f) { free(x); free(f); return SPECL_ENOMEM; }
    for (int i = 0; i < G; i++) gx[i] = -1.6 + 3.2 * i / (G - 1);
    for (int i = 0; i < G; i++)
        for (int j = 0; j < G; j++) { x[((size_t)i * G + j) * d] = (float)gx[j]; x[((size_t)i * G + j) * d + 1] = (float)gx[i]; }
    st = specl_model_apply(m, G * G, x, NULL, f);
    for (int i = 0; i < G * G && !st; i++) z[i] = f[(size_t)i * m->k + out];
    cJSON *fig = st ? NULL : specl_fig_heatmap(c, name, title, "x_1", "x_2", gx, G, gx, G, z);
    int64_t n = src->n_support;
    double *px = malloc(sizeof(double) * (n > 0 ? n : 1)), *py = malloc(sizeof(double) * (n > 0 ? n : 1));
    float *xs = malloc(sizeof(float) * d), *tg = malloc(sizeof(float) * (src->target_dim + 1));
    int32_t lab[SPECL_MAX_LABELINGS];
    for (int64_t v = 0; v < n && fig && px && py && xs && tg && !st; v++) {
        int64_t cl;
        double p;
        st = specl_source_support(src, v, xs, lab, tg, &cl, &p);
        px[v] = xs[0];
        py[v] = xs[1];
    }
    if (fig && !st && n > 0) specl_fig_series(fig, "natural data", px, py, (int)n, "points");
    free(x); free(f); free(px); free(py); free(xs); free(tg);
    return st;
}

/* Fig. 1: the linear class with k = 1 on the toy, its learned function over the plane. */
static int toy_fig_(const specl_example_claim_spec *sp, specl_step_cb cb, void *ctx, specl_claim *c) {
    specl_grid_params gp = { 2, 1, 0.3, 0.2, "side,small" };
    specl_source *toy;
    int st = specl_grid_new(&gp, &toy);
    if (st) return st;
    specl_model_spec ms = sp->model;
    ms.cls = "linear"; ms.d = 2; ms.k = 1;
    specl_model *m;
    if (!(st = specl_train_fresh(toy, &ms, &sp->train, sp->train.loss.lambda, sp->eval.seed, cb, ctx, &m))) {
        st = plane_fig_(c, m, toy, 0, "fig1-toy-linear", "Fig. 1 toy: the learned linear function (k = 1) over the plane");
        specl_model_free(m);
    }
    specl_source_free(toy);
    return st;
}

/* C15 (Fig. 3): linear on the centred grid at k = 2 and k = 1; labellings axis1, axis2, corner.
 * Control k1-as-k2: the k = 1 errors checked against the k = 2 prediction. */
static int c15_k2_(const double *e) { return e[0] <= 1e-3 && e[1] <= 1e-3 && fabs(e[2] - 0.5) <= 0.02; }
static int c15_k1_(const double *e) { return fabs(e[0] + e[1] - 1) <= 0.03; }

static int c15_(const specl_example_claim_spec *sp, const specl_claim_args *a, specl_claim *c) {
    double e2[3], e1[3];
    specl_model *m = NULL;
    int ctl = control_(a, "k1-as-k2");
    if (sp->src->n_labelings < 3) return specl_error(SPECL_EINVAL, "claim C15 needs the labellings axis1,axis2,corner (data.labels)");
    int st = train_(sp, "linear", 2, 0, sp->eval.seed, a->cb, a->ctx, &m);
    for (int j = 0; j < 3 && !st; j++) e2[j] = probe_(m, sp, j);
    if (!st) st = plane_fig_(c, m, sp->src, 0, "fig3-grid-linear-1", "Fig. 3 grid: first learned linear function (k = 2)");
    if (!st) st = plane_fig_(c, m, sp->src, 1, "fig3-grid-linear-2", "Fig. 3 grid: second learned linear function (k = 2)");
    if (m) specl_model_free(m);
    m = NULL;
    if (!st && !ctl) st = toy_fig_(sp, a->cb, a->ctx, c);
    if (!st) st = train_(sp, "linear", 1, 0, sp->eval.seed, a->cb, a->ctx, &m);
    for (int j = 0; j < 3 && !st; j++) e1[j] = probe_(m, sp, j);
    if (m) specl_model_free(m);
    if (st) return st;
    c->holds = c15_k2_(ctl ? e1 : e2) && c15_k1_(e1);
    snprintf(c->predicted, sizeof c->predicted, "k = 2: axis errors <= 1e-3, one-corner-versus-rest error 0.5 +- 0.02; k = 1: err(axis1) + err(axis2) = 1 +- 0.03%s",
             ctl ? " (control: the k = 2 part checked on the k = 1 errors)" : "");
    snprintf(c->measured, sizeof c->measured, "k = 2: axis errors %.2g, %.2g, corner %.4f; k = 1: %.4f + %.4f = %.4f, corner %.4f",
             e2[0], e2[1], e2[2], e1[0], e1[1], e1[0] + e1[1], e1[2]);
    return SPECL_OK;
}

/* The common part of the example claims: the setting, then the claim's own check. */
typedef int (*ex_check_)(const specl_example_claim_spec *sp, const specl_claim_args *a, specl_claim *c);

static int ex_run_(const specl_claim_args *a, specl_claim *c, ex_check_ check) {
    const specl_example_claim_spec *sp = a->example;
    if (!sp) return specl_error(SPECL_EINVAL, "claim %s: no example spec", a->def->id);
    c->details = cJSON_CreateObject();
    snprintf(c->setting, sizeof c->setting, "%s d=%d r=%d s=%d gamma=%g rho=%g labels=%s; k=%d width=%d depth=%d; lambda=%g batch=%d steps=%ld lr=%g; seeds=%d; seed=%llu",
             sp->src->kind, sp->src->d, sp->r, sp->s, sp->gamma, sp->rho, sp->src->n_labelings ? sp->src->labelings[0].name : "-",
             sp->model.k, sp->model.width, sp->model.depth, sp->train.loss.lambda, sp->train.batch, sp->train.steps, sp->train.opt.lr,
             sp->seeds, (unsigned long long)sp->eval.seed);
    if (sp->src->n_labelings < 1) return specl_error(SPECL_EINVAL, "claim %s needs a labelling (data.labels)", a->def->id);
    return check(sp, a, c);
}

static int c09w_(const specl_example_claim_spec *sp, const specl_claim_args *a, specl_claim *c) { return c09_(sp, a, c); }
static int c10w_(const specl_example_claim_spec *sp, const specl_claim_args *a, specl_claim *c) { return c10_(sp, a, c); }
static int c11w_(const specl_example_claim_spec *sp, const specl_claim_args *a, specl_claim *c) { return c11_(sp, a, c); }
static int c12w_(const specl_example_claim_spec *sp, const specl_claim_args *a, specl_claim *c) { (void)a; return c12_(sp, c); }
static int c15w_(const specl_example_claim_spec *sp, const specl_claim_args *a, specl_claim *c) { return c15_(sp, a, c); }

int specl_claim_c09(const specl_claim_args *a, specl_claim *c) { return ex_run_(a, c, c09w_); }
int specl_claim_c10(const specl_claim_args *a, specl_claim *c) { return ex_run_(a, c, c10w_); }
int specl_claim_c11(const specl_claim_args *a, specl_claim *c) { return ex_run_(a, c, c11w_); }
int specl_claim_c12(const specl_claim_args *a, specl_claim *c) { return ex_run_(a, c, c12w_); }
int specl_claim_c15(const specl_claim_args *a, specl_claim *c) { return ex_run_(a, c, c15w_); }
