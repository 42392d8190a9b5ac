/* Named kNN evaluation protocols, so a run names its protocol instead of three numbers.
 *
 * "haochen21": cosine similarity, kn = 200 neighbours, temperature 0.1 — the weighted kNN of
 *              HaoChen et al. 2021 (after Wu et al. 2018, "instance discrimination").
 * "sololearn": cosine similarity, kn = 20, temperature 0.07 — the defaults of solo-learn's kNN
 *              callback.
 * Names are matched exactly (case-sensitive). An unknown name gives an all-zero result, which
 * specl_knn_accuracy rejects, so forgetting to check *ok cannot silently run a protocol.
 */
#include <string.h>
#include "specl/eval.h"

typedef struct knn_preset { const char *name; specl_knn_opts opts; } knn_preset;

static const knn_preset presets_[] = {
    {"haochen21", {.kn = 200, .temperature = 0.1, .cosine = 1}},
    {"sololearn", {.kn = 20, .temperature = 0.07, .cosine = 1}},
};

specl_knn_opts specl_knn_preset(const char *name, int *ok) {
    specl_knn_opts none = {0, 0, 0};
    for (size_t i = 0; name && i < sizeof presets_ / sizeof presets_[0]; i++)
        if (strcmp(name, presets_[i].name) == 0) {
            if (ok) *ok = 1;
            return presets_[i].opts;
        }
    if (ok) *ok = 0;
    specl_error(SPECL_EINVAL, "knn preset '%s' is unknown (known: haochen21, sololearn)",
                name ? name : "(null)");
    return none;
}
