/* src/cli/config_keys.c: the table of every configuration key of specl.
 *
 * One row per key; the parser, --set, the getters, the rendered run record and `specl --help`
 * all work from this table, so adding a key (or a whole section) is adding rows here. Rows of a
 * section should stay together; sections are rendered in the order they first appear.
 * specl_config_init checks the table (names, ranges, defaults) and reports a bad row.
 */
#include "config.h"

#define P53 9007199254740992.0 /* 2^53: largest integer every double holds exactly */
#define NO_RANGE 0, 0

const specl_cfg_key specl_cfg_keys[] = {
    /* top level */
    {"", "seed", SPECL_CFG_INT, "1", 0, P53, NULL,
     "master seed; every component derives its own stream from it"},
    {"", "threads", SPECL_CFG_INT, "1", 1, 256, NULL,
     "threads for OpenBLAS and OpenMP (1 suits the small matrices of the synthetic examples)"},

    /* data: the distribution of positive pairs */
    {"data", "kind", SPECL_CFG_ENUM, "hypercube", NO_RANGE, "hypercube|clusters|manifolds|patch|grid|toy",
     "pair source: hypercube (Ex. 5.1, 5.4), clusters (Sec. 3), manifolds (Ex. 5.7), patch (Ex. 5.10), grid (Fig. 3), toy (Fig. 1)"},
    {"data", "d", SPECL_CFG_INT, "20", 1, 4096, NULL, "input dimension"},
    {"data", "s", SPECL_CFG_INT, "5", 1, 4096, NULL,
     "number of invariant coordinates (the first s; must not exceed d)"},
    {"data", "tau_lo", SPECL_CFG_DOUBLE, "0.5", 0, 1e6, NULL,
     "lower end of the augmentation factor tau ~ U[tau_lo, tau_hi]"},
    {"data", "tau_hi", SPECL_CFG_DOUBLE, "1.0", 0, 1e6, NULL,
     "upper end of the augmentation factor tau ~ U[tau_lo, tau_hi]"},
    {"data", "tau_set", SPECL_CFG_STRING, "none", NO_RANGE, NULL,
     "hypercube: a finite set of augmentation factors (e.g. 0.5,1) instead of U[tau_lo, tau_hi]; the views then form an exact graph"},
    {"data", "labels", SPECL_CFG_STRING, "auto", NO_RANGE, NULL,
     "comma-separated labellings; hypercube: x<i>, patterns:<m>, x* = x1..xs; clusters: group, fine; auto: x* or group"},
    {"data", "label_seed", SPECL_CFG_INT, "1", 0, P53, NULL,
     "seed of the random pattern-to-class maps of patterns:<m> labellings"},
    {"data", "m", SPECL_CFG_INT, "4", 1, 1000, NULL, "clusters: number of groups (the implementable clusters)"},
    {"data", "sub", SPECL_CFG_INT, "1", 1, 1000, NULL, "clusters: sub-clusters per group"},
    {"data", "size", SPECL_CFG_INT, "20", 1, 20000, NULL, "clusters: vertices per sub-cluster"},
    {"data", "alpha", SPECL_CFG_DOUBLE, "0.05", 0, 0.999, NULL,
     "clusters: cross-group leakage, the exact probability that a positive pair crosses groups"},
    {"data", "conn", SPECL_CFG_DOUBLE, "0.1", 0, 1e6, NULL,
     "clusters: weight between sub-clusters of a group relative to within one (0: disconnected)"},
    {"data", "equitable", SPECL_CFG_BOOL, "0", NO_RANGE, NULL,
     "clusters: every vertex leaks the same fraction of its degree to each other group"},
    {"data", "leak", SPECL_CFG_INT, "3", 1, 1000, NULL, "clusters: random cross-group partners per vertex (not equitable)"},
    {"data", "masses", SPECL_CFG_STRING, "equal", NO_RANGE, NULL,
     "clusters: comma-separated relative group masses, or equal"},
    {"data", "graph_seed", SPECL_CFG_INT, "1", 0, 9007199254740992.0, NULL, "clusters: seed of the graph and the vertex features"},

    {"data", "r", SPECL_CFG_INT, "2", 1, 1000, NULL, "manifolds: number of groups r"},
    {"data", "r0", SPECL_CFG_INT, "16", 1, 1000000, NULL, "manifolds: total number of sub-clusters (a multiple of r)"},
    {"data", "gamma", SPECL_CFG_DOUBLE, "2", 1e-9, 1e6, NULL,
     "manifolds: separation between groups; patch: magnitude of the informative patch (> 1)"},
    {"data", "rho", SPECL_CFG_DOUBLE, "0.05", 0, 1e6, NULL, "manifolds: diameter of each group"},
    {"data", "aug", SPECL_CFG_DOUBLE, "0.005", 0, 1e6, NULL, "manifolds: radius of the augmentation ball (<= rho/4)"},
    {"data", "loc_weights", SPECL_CFG_STRING, "uniform", NO_RANGE, NULL,
     "patch: comma-separated weights of the d patch locations, or uniform"},
    {"data", "sigma", SPECL_CFG_DOUBLE, "1", 0, 1e6, NULL, "grid, toy: std of the spurious coordinates of each view"},
    {"data", "small", SPECL_CFG_DOUBLE, "0.2", 0, 1, NULL, "toy: mass of the upper-left small cluster"},
    /* model: the function class */
    {"model", "class", SPECL_CFG_ENUM, "linear", NO_RANGE, "linear|affine|relu1|mlp|table|lipschitz|conv1d-circ",
     "function class: Ux, Ux+b, relu(Ux+b), an MLP, or a free vector per natural datum"},
    {"model", "k", SPECL_CFG_INT, "5", 1, 65536, NULL, "embedding dimension"},
    {"model", "depth", SPECL_CFG_INT, "2", 1, 16, NULL, "mlp: number of hidden layers"},
    {"model", "width", SPECL_CFG_INT, "128", 1, 65536, NULL, "mlp: width of the hidden layers"},
    {"model", "init_scale", SPECL_CFG_DOUBLE, "1", 1e-6, 100, NULL,
     "multiplies the default initialization std (1/sqrt(fan_in), 1/sqrt(k) for table)"},
    {"model", "kappa", SPECL_CFG_DOUBLE, "1", 1e-9, 1e9, NULL, "lipschitz: bound on the Lipschitz constant"},
    {"model", "filter", SPECL_CFG_INT, "3", 1, 4096, NULL, "conv1d-circ: filter width (the patch length s)"},

    /* train: loss, optimizer, schedule */
    {"train", "loss", SPECL_CFG_ENUM, "lambda", NO_RANGE, "lambda|spectral2021",
     "lambda: L_lambda of the paper; spectral2021: HaoChen et al. 2021 with clipping"},
    {"train", "lambda", SPECL_CFG_DOUBLE, "1", 1e-6, 1e6, NULL,
     "strength of the regularizer ||E ff^T - I||^2 in L_lambda"},
    {"train", "estimator", SPECL_CFG_ENUM, "unbiased", NO_RANGE, "unbiased|plugin",
     "estimator of the regularizer on a batch: unbiased U-statistic or biased plug-in"},
    {"train", "both_views", SPECL_CFG_BOOL, "0", NO_RANGE, NULL,
     "estimate the regularizer from both views of each pair, not only the first"},
    {"train", "mu", SPECL_CFG_DOUBLE, "1", 1e-6, 1e6, NULL,
     "spectral2021: squared radius of the ball each embedding is clipped to"},
    {"train", "optimizer", SPECL_CFG_ENUM, "adam", NO_RANGE, "adam|sgd",
     "adam (AdamW, decoupled weight decay) or sgd with momentum"},
    {"train", "lr", SPECL_CFG_DOUBLE, "0.01", 1e-9, 100, NULL, "peak learning rate"},
    {"train", "momentum", SPECL_CFG_DOUBLE, "0.9", 0, 0.999999, NULL, "sgd: momentum"},
    {"train", "beta1", SPECL_CFG_DOUBLE, "0.9", 0, 0.999999, NULL, "adam: decay of the first moment"},
    {"train", "beta2", SPECL_CFG_DOUBLE, "0.999", 0, 0.999999, NULL, "adam: decay of the second moment"},
    {"train", "weight_decay", SPECL_CFG_DOUBLE, "0", 0, 1, NULL, "weight decay coefficient"},
    {"train", "schedule", SPECL_CFG_ENUM, "cosine", NO_RANGE, "cosine|constant",
     "learning-rate schedule after the warm-up"},
    {"train", "warmup", SPECL_CFG_INT, "0", 0, 1e9, NULL,
     "steps of linear warm-up from 0 to lr"},
    {"train", "lr_min", SPECL_CFG_DOUBLE, "0", 0, 100, NULL, "cosine: final learning rate"},
    {"train", "steps", SPECL_CFG_INT, "4000", 1, 1e9, NULL, "number of optimizer steps"},
    {"train", "batch", SPECL_CFG_INT, "4096", 2, 1000000, NULL, "positive pairs per step"},
    {"train", "checkpoint_every", SPECL_CFG_INT, "1000", 0, 1e9, NULL,
     "write a resumable checkpoint every this many steps (0: only at the end and on SIGINT/SIGTERM)"},
    {"train", "budget_scale", SPECL_CFG_ENUM, "batch", NO_RANGE, "batch|steps|none",
     "L_lambda at lambda > 1: multiply the batch (or the steps) by lambda, since convergence slows as lambda grows"},

    /* eval: probes on the learned embeddings */
    {"eval", "n_train", SPECL_CFG_INT, "20000", 1, 1e8, NULL,
     "samples to fit the linear probe on"},
    {"eval", "n_test", SPECL_CFG_INT, "20000", 1, 1e8, NULL,
     "held-out samples to measure the probe on"},
    {"eval", "ridge", SPECL_CFG_DOUBLE, "0", 0, 1e6, NULL,
     "ridge penalty of the linear probe (0: minimum-norm least squares)"},
    {"eval", "bias", SPECL_CFG_BOOL, "0", NO_RANGE, NULL,
     "fit the linear probe with a bias column"},
    {"eval", "pop_pairs", SPECL_CFG_INT, "200000", 2, 1e9, NULL,
     "pairs for the Monte-Carlo population loss when no closed form exists"},
    {"eval", "knn", SPECL_CFG_BOOL, "0", NO_RANGE, NULL,
     "also report weighted kNN accuracy (HaoChen et al. 2021 protocol)"},
    {"eval", "knn_k", SPECL_CFG_INT, "200", 1, 100000, NULL, "kNN: number of neighbours"},
    {"eval", "knn_t", SPECL_CFG_DOUBLE, "0.1", 1e-6, 1e6, NULL,
     "kNN: temperature of the exp(similarity / t) vote weights"},

    /* claim: settings of one claim check of `specl reproduce` (one experiments/ file each) */
    {"claim", "id", SPECL_CFG_ENUM, "none", NO_RANGE, "none|C01|C02|C03|C04|C05|C06|C07|C08|C09|C10|C11|C12|C13|C14|C15|C16",
     "which claim of CLAIMS.md this experiment checks"},
    {"claim", "ks", SPECL_CFG_STRING, "0", NO_RANGE, NULL,
     "comma-separated embedding dimensions to sweep (0: model.k)"},
    {"claim", "lambdas", SPECL_CFG_STRING, "0", NO_RANGE, NULL,
     "comma-separated lambda values to sweep (0: train.lambda)"},
    {"claim", "seeds", SPECL_CFG_INT, "10", 1, 1000, NULL,
     "number of seeds for claims that report a success rate over random initializations"},
    {"claim", "min_success", SPECL_CFG_INT, "0", 0, 1000, NULL,
     "successes out of claim.seeds that the claim requires"},
    {"claim", "graphs", SPECL_CFG_INT, "200", 1, 100000, NULL,
     "number of random clusters graphs for the sweeps of C13, C14 and C16"},
    {"claim", "kappa_factor", SPECL_CFG_DOUBLE, "2", 1, 1000, NULL,
     "C09: kappa = factor x sqrt(2r)/gamma (the theorem needs factor >= 1)"},
    {"claim", "tol", SPECL_CFG_DOUBLE, "1e-3", 0, 1, NULL,
     "tolerance of the claim (its meaning is stated in the claim's setting)"},

    {NULL, NULL, SPECL_CFG_INT, NULL, NO_RANGE, NULL, NULL}
};
