/* src/cli/run.h: building the library's objects from a resolved config, shared by the commands. */
#ifndef SPECL_CLI_RUN_H
#define SPECL_CLI_RUN_H
#include "config.h"
#include "specl.h"
#include "specl/experiments.h"

int cli_make_source(const specl_config *c, specl_source **out);
/* 1 for the image dataset kinds (fashion-mnist, idx, cifar10). */
int cli_is_image_kind(const char *kind);
/* The image source of the training (train = 1) or test split, normalized with the training split's
 * statistics, with the configured augmentations and subset. */
int cli_image_source(const specl_config *c, int train, specl_source **out);
int cli_clusters_params(const specl_config *c, specl_clusters_params *p);
/* A library message that starts with a config key ("data.s = 6: ...") gets that key's origin
 * ("exp.ini:4: " or "--set: ") in front; returns st. */
int cli_key_error(const specl_config *c, int st);
/* Model spec from the config; cls points into the config, valid while it lives. */
int cli_model_spec(const specl_config *c, const specl_source *src, specl_model_spec *ms);
/* The training spec as the config states it (*ts, unresolved: sweeps over lambda resolve it per
 * value) and, if resolved is not NULL, its budget resolved for train.lambda (train.budget_scale).
 * Either way the resolution is checked. */
int cli_train_spec(const specl_config *c, specl_train_spec *ts, specl_train_spec *resolved);
void cli_eval_spec(const specl_config *c, specl_eval_spec *e);
/* Report an error in the CLI's one-line form and return the exit status: 2 for usage and input
 * errors (EINVAL, EFORMAT, EIO on input), 1 for runtime errors. */
int cli_fail(const char *what, int status);
#endif
