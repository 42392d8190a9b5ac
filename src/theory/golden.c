/* Golden-section search (theory_int.h): the one-dimensional minimizations of theory/ (the dual
 * bound of Assumption 4.3 in thm45.c, the relu1 unit of relu1.c). */
#include <math.h>
#include "specl/base.h"
#include "theory_int.h"

int specl_golden_min(specl_fn1 f, void *ctx, double lo, double hi, int iters, double *xmin, double *fbest) {
    const double g = 0.5 * (sqrt(5.0) - 1.0);
    double x1 = hi - g * (hi - lo), x2 = lo + g * (hi - lo), f1 = 0, f2 = 0;
    int st = f(x1, ctx, &f1);
    if (!st) st = f(x2, ctx, &f2);
    *xmin = f1 <= f2 ? x1 : x2;
    *fbest = fmin(f1, f2);
    for (int it = 0; it < iters && !st; it++) {
        if (f1 <= f2) { hi = x2; x2 = x1; f2 = f1; x1 = hi - g * (hi - lo); st = f(x1, ctx, &f1); if (!st && f1 < *fbest) { *fbest = f1; *xmin = x1; } }
        else { lo = x1; x1 = x2; f1 = f2; x2 = lo + g * (hi - lo); st = f(x2, ctx, &f2); if (!st && f2 < *fbest) { *fbest = f2; *xmin = x2; } }
    }
    return st;
}
