/* The registry of claims: one row per claim part of CLAIMS.md (version 2), with the statement
 * that decides holds, the file that implements it, its negative controls and the function that
 * runs it. `specl reproduce` finds the row of an experiment file (claim.id, claim.part) here and
 * nowhere else; the README's claims table names the same files.
 *
 * Negative controls: claim.control = NAME runs the same check with one deliberate defect (a
 * premise violated, a wrong prediction, a wrong function), and the check must then report
 * holds = false. Where the control is a plain setting (a k or λ the theorem excludes), it is a
 * --set of that setting and the row lists no name for it; `negative` says which. The test suite
 * runs every row's control (tests/cli/test_controls.sh). */
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include "specl/experiments.h"
#include "claims_int.h"

#define HC "src/experiments/hypercube_claims.c"
#define GR "src/experiments/graph_claims.c"
#define EX "src/experiments/example_claims.c"
#define PH "src/experiments/phim_claims.c"

static const specl_claim_def defs_[] = {
    { "C01", "", SPECL_CLAIM_GRAPH, "Eq. 1-2, HaoChen 2021",
      "for lambda = 1, L_lambda(f) - k (Gram identities of training) equals the 2021 spectral contrastive loss by direct O(n^2 k) "
      "enumeration, for random f", GR, "", "--set train.lambda=2", specl_claim_c01 },
    { "C02", "", SPECL_CLAIM_GRAPH, "Prop. 4.1",
      "a function with zero quadratic form is constant on every connected component and L(g) = 0", GR, "perturb-vertex",
      "claim.control=perturb-vertex (g constant on components except one vertex)", specl_claim_c02 },
    { "C03", "table", SPECL_CLAIM_GRAPH, "closed forms [I] (table part)",
      "the trained table class reaches the closed-form optimum: |L - L*| <= tol max(L*, 0.1), L exact over the graph", GR,
      "lstar-half-lambda", "claim.control=lstar-half-lambda (L* computed at lambda/2)", specl_claim_c03_table },
    { "C03", "linear", SPECL_CLAIM_HYPERCUBE, "closed forms [I] (linear part)",
      "the trained linear class on the hypercube reaches the closed-form optimum: |L - L*| <= tol max(L*, 0.1), L exact from the moments",
      HC, "lstar-half-lambda", "claim.control=lstar-half-lambda (L* computed at lambda/2)", specl_claim_c03_linear },
    { "C04", "", SPECL_CLAIM_HYPERCUBE, "Thm 5.3 upper",
      "hypercube, linear, k = s: probe error <= 1e-3 for y = x_i, every i <= s", HC, "", "--set claim.ks=s-1 (k = s - 1)",
      specl_claim_c04 },
    { "C05", "", SPECL_CLAIM_HYPERCUBE, "Thm 5.3 lower",
      "table, k <= 2^(d-1): the construction has L_lambda = 0 and error >= 1", HC, "trained-linear",
      "claim.control=trained-linear (the check applied to the trained linear minimizer)", specl_claim_c05 },
    { "C06", "", SPECL_CLAIM_HYPERCUBE, "[I] linear, k != s",
      "linear, k < s: mean error over i <= s is 1 - k/s (+-0.02); k > s: every error <= 1e-3 and each extra direction carries "
      "spurious variance max(0, 1 - e/(2 lambda))", HC, "double-lambda",
      "claim.control=double-lambda (the variance predicted with 2 lambda in place of lambda)", specl_claim_c06 },
    { "C07", "", SPECL_CLAIM_HYPERCUBE, "Thm 5.6 upper",
      "hypercube, relu1, k = 2^s: the explicit weights give L_lambda = 0 (within the Monte-Carlo error), E ff^T = I and error 0 for "
      "random labelings of the 2^s patterns; the rate of reaching the minimizer from random initialization is a finding", HC,
      "remove-unit", "claim.control=remove-unit (one unit of the construction removed)", specl_claim_c07 },
    { "C08", "", SPECL_CLAIM_HYPERCUBE, "Thm 5.6 lower",
      "table, k <= 2^(d-s): the construction has L_lambda = 0 and error >= 1/2", HC, "relu1-weights",
      "claim.control=relu1-weights (the check applied to the explicit relu1 weights)", specl_claim_c08 },
    { "C09", "", SPECL_CLAIM_EXAMPLE, "Thm 5.9 upper",
      "manifolds, lipschitz, k = r, kappa = 2 sqrt(2r)/gamma: training reaches L_lambda <= 1e-3 and error <= 2 r m kappa^2 rho^2; "
      "the unconstrained mlp and the smallest kappa are findings", EX, "c10-construction",
      "claim.control=c10-construction (the bound checked on the C10 construction)", specl_claim_c09 },
    { "C10", "", SPECL_CLAIM_EXAMPLE, "Thm 5.9 lower",
      "table over the sub-clusters, k <= r0/2: the construction has L_lambda = 0 and error >= 1/2", EX, "trained-lipschitz",
      "claim.control=trained-lipschitz (the check applied to the trained lipschitz model)", specl_claim_c10 },
    { "C11", "", SPECL_CLAIM_EXAMPLE, "Thm 5.12 upper",
      "patch, conv1d-circ, k = 2^s: the explicit filters give L_lambda = 0 and error 0; conv1d-circ and relu1 from random "
      "initialization are findings", EX, "zero-filter", "claim.control=zero-filter (one filter of the construction zeroed)",
      specl_claim_c11 },
    { "C12", "", SPECL_CLAIM_EXAMPLE, "Thm 5.12 lower",
      "relu1, s >= 3, k = d 2^(s-1): the paired-unit construction is one-hot on every view (L_lambda = 0, E ff^T = I) and its "
      "error is >= 1/2 for an interior patch bit (the labelled bit<j> the units ignore)", EX, "",
      "--set data.labels=bit1 (an end patch bit as the label)",
      specl_claim_c12 },
    { "C13", "", SPECL_CLAIM_GRAPH, "Thm 3.6",
      "on random clustered graphs, for the table class and the linear class on vertex features (group indicators + distractors), "
      "with alpha and beta_F computed exactly for each class, the class's minimizer has error <= (alpha/beta_F) P_max/(P_min - alpha) "
      "wherever lambda > alpha/P_min",
      GR, "random-f", "claim.control=random-f (a random f of the class in place of its minimizer)", specl_claim_c13 },
    { "C14", "", SPECL_CLAIM_GRAPH, "Thm 4.5",
      "the linear class on vertex features (its minimizer is not the bottom eigenspace of the graph), with zeta, B, phi, phi~, eps "
      "computed exactly for the class, for f_eig = its bottom-m generalized eigenfunctions and f_eig = the scaled group indicators: "
      "error <= 2 zeta + 4 B^2 k eps + 16 B^2 k phi/lambda; not-applicable cases counted with their reason",
      GR, "random-f", "claim.control=random-f (a random f of the class in place of its minimizer)", specl_claim_c14 },
    { "C15", "", SPECL_CLAIM_EXAMPLE, "Fig. 3",
      "centred 2x2 grid, linear, scalar +-1 labels: k = 2 gives axis errors <= 1e-3 and the one-corner error 0.5 +- 0.02; k = 1 "
      "gives err(axis 1) + err(axis 2) = 1 +- 0.03", EX, "k1-as-k2", "claim.control=k1-as-k2 (k = 1 checked against the k = 2 prediction)",
      specl_claim_c15 },
    { "C16", "exact", SPECL_CLAIM_GRAPH, "Sec. 6 [I] (exact side)",
      "phi_m of table on m balanced clusters is <= 2 alpha, = 2 alpha on equitable ones", GR, "alpha-for-2alpha",
      "claim.control=alpha-for-2alpha (alpha predicted in place of 2 alpha)", specl_claim_c16_exact },
    { "C16", "estimator", SPECL_CLAIM_PHIM, "Sec. 6 [I] (estimator side)",
      "through the minibatch training path of the image architectures: (a) table on a clusters graph within tol of its exact "
      "phi_m (C16-estimator.ini); (b) relu1 on Ex. 5.4 (C16-relu1.ini): phi_m <= tol for m <= 2^(s-1) and >= (m - 2^s)/m rho1 for "
      "m > 2^s, rho1 the smallest whitened alignment of a relu1 unit, on every seed; (c) linear on Fashion-MNIST (C16-fashion.ini): "
      "within tol of the exact phi_m of the same evaluation pairs, every m", PH, "linear-for-relu1",
      "claim.control=linear-for-relu1 ((b) with linear in place of relu1 at m = 4)", specl_claim_c16_estimator },
    { "C17", "", SPECL_CLAIM_PHIM, "Table 1 [I]",
      "on Fashion-MNIST, nested classes order as the definition forces: the procedure's phi_m(mlp) <= the exact phi_m(linear) + "
      "its interval, for every m; "
      "each architecture's phi_m with a 95% interval over >= 3 seeds; the ranking and the rise with m are findings", PH, "",
      "--set phim.nonlinear_steps=1 (the mlp row, pretraining included, trained for 1 step)", specl_claim_c17 },
};

const specl_claim_def *specl_claim_defs(int *n) {
    *n = (int)(sizeof defs_ / sizeof *defs_);
    return defs_;
}

int specl_claim_find(const char *id, const char *part, const specl_claim_def **def) {
    int n, rows = 0;
    const specl_claim_def *d = specl_claim_defs(&n), *only = NULL;
    char parts[128] = "";
    size_t off = 0;
    for (int i = 0; i < n; i++) {
        if (strcasecmp(d[i].id, id)) continue;
        rows++;
        only = &d[i];
        if (!strcmp(d[i].part, part)) { *def = &d[i]; return SPECL_OK; }
        if (off < sizeof parts - 24) off += (size_t)snprintf(parts + off, sizeof parts - off, "%s%s", off ? ", " : "", d[i].part);
    }
    if (rows == 1 && !*part && !*only->part) { *def = only; return SPECL_OK; }
    if (!rows) return specl_error(SPECL_EINVAL, "claim.id = %s: no such claim in the registry (C01 ... C17)", id);
    if (!*parts) return specl_error(SPECL_EINVAL, "claim %s has one procedure: claim.part must be empty (is '%s')", id, part);
    return specl_error(SPECL_EINVAL, "claim %s: claim.part = '%s'; expected one of: %s", id, part, parts);
}

/* Is name one of the comma-separated list? */
static int listed_(const char *list, const char *name) {
    size_t n = strlen(name);
    for (const char *p = list; *p;) {
        size_t l = strcspn(p, ",");
        if (l == n && !strncmp(p, name, l)) return 1;
        p += l + (p[l] == ',');
    }
    return 0;
}

int specl_claim_check_control(const specl_claim_def *d, const char *ctl) {
    if (!strcmp(ctl, "none") || listed_(d->controls, ctl)) return SPECL_OK;
    return specl_error(SPECL_EINVAL, "claim.control = %s: claim %s%s%s accepts %s%s", ctl, d->id, *d->part ? " " : "", d->part,
                       *d->controls ? "none or " : "only none", d->controls);
}

int specl_claim_run(const specl_claim_args *a, specl_claim *out) {
    memset(out, 0, sizeof *out);
    const specl_claim_def *d = a->def;
    const char *ctl = a->control ? a->control : "none";
    int cs = specl_claim_check_control(d, ctl);
    if (cs) return cs;
    snprintf(out->id, sizeof out->id, "%s", d->id);
    snprintf(out->source, sizeof out->source, "%s", d->source);
    snprintf(out->statement, sizeof out->statement, "%s", d->statement);
    int st = d->run(a, out);
    if (!st && strcmp(ctl, "none")) {   /* a control run says so in its record */
        size_t l = strlen(out->setting);
        snprintf(out->setting + l, sizeof out->setting - l, "; NEGATIVE CONTROL %s", ctl);
    }
    return st;
}
