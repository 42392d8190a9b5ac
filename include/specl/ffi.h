/* specl/ffi.h: flat entry points for foreign-function callers (the Python binding python/specl/
 * loads build/libspecl.so with ctypes and calls these).
 *
 * Plain arrays and scalars in, an int status out, no library struct for the caller to mirror.
 * Arrays are C order (row-major) and contiguous; each function checks shapes, ranges and
 * finiteness itself and leaves the reason in specl_error_detail(), so a caller only converts.
 * Strings returned through char ** are malloc'd: free them with specl_ffi_free. Nothing here
 * prints, exits or keeps state between calls.
 */
#ifndef SPECL_FFI_H
#define SPECL_FFI_H

#include <stdint.h>

/* SPECL_VERSION of the library (e.g. "0.1.0"). */
const char *specl_version(void);
/* Frees a string returned by the functions below (NULL is fine). */
void specl_ffi_free(void *p);

/* dtype codes of the arrays passed as void pointers */
enum { SPECL_FFI_F32 = 0, SPECL_FFI_F64 = 1 };

/* What `specl theory --json` prints (specl_graph_report), as JSON text in *json.
 * The graph is either dense (n,n) (row-major, dense != NULL) or nnz stored entries (row, col, w) of
 * a symmetric matrix listing both (i,j) and (j,i) (checked); the library's graph checks apply
 * (non-negative finite weights, no vertex of degree 0). part (n_part) cluster indices 0..m−1, each
 * used (n_part must equal n), or NULL; x (n_x, d) vertex features or NULL (n_x must equal n).
 * k = 0 takes the CLI's default: m with a partition, else 10. method: 0 auto, 1 dense, 2 arpack. */
int specl_theory_json(int64_t n, const double *dense, int64_t nnz, const int64_t *row, const int64_t *col,
                      const double *w, const int64_t *part, int64_t n_part, const double *x, int64_t n_x, int64_t d,
                      int64_t k, double lambda, int method, char **json);

/* The loss of specl_loss_eval on a batch of n pairs given as two matrices z1, z2 (n,k) of dtype
 * (SPECL_FFI_F32 or _F64; the loss is computed in float32, as in training: float64 input is
 * converted once, and a value beyond the float32 range is an error, never an Inf). kind: 0 L_λ,
 * 1 spectral2021; estimator: 0 unbiased, 1 plugin. out[3] receives total, align, reg; dz1, dz2
 * (n,k) of the same dtype receive ∂L/∂z1, ∂L/∂z2 when non-NULL. */
int specl_loss_pair(int kind, double lambda, int estimator, int both_views, double mu, int dtype, int64_t n,
                    int64_t k, const void *z1, const void *z2, void *dz1, void *dz2, double *out);

/* Whitened alignment (specl_whitened_alignment, the quantity behind φ_m) of n pairs of embeddings
 * za, zb (n,k) of dtype (moments accumulated in double from either), pair i weighted by
 * weights[i] ≥ 0 (NULL: equal weights). */
int specl_whitened_alignment_pairs(int dtype, int64_t n, int64_t k, const void *za, const void *zb,
                                   const double *weights, double *phi);

#endif
