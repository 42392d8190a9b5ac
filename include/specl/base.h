/* specl/base.h: status codes, the error-detail message, the RNG, dense linear algebra helpers.
 *
 * Everything in the library returns an int status (SPECL_OK = 0) and never prints or exits.
 * A failing call may leave a one-line human-readable explanation (which file, line, key or value,
 * and what was expected) in a per-thread buffer read by specl_error_detail(); the CLI prints it
 * after specl_strerror(status). Anchors: GSL gsl_errno.h (status codes), stb (failure reason).
 */
#ifndef SPECL_BASE_H
#define SPECL_BASE_H

#include <stddef.h>
#include <stdint.h>

/* ---- status codes ---- */
enum {
    SPECL_OK = 0,
    SPECL_EINVAL,      /* invalid argument or configuration value */
    SPECL_EFORMAT,     /* malformed input file */
    SPECL_EIO,         /* cannot open, read or write a file */
    SPECL_ENOMEM,      /* allocation failed */
    SPECL_ENUMERIC,    /* non-finite value (NaN/Inf) in a loss, gradient or input */
    SPECL_ELINALG,     /* a LAPACK routine failed (singular or not positive definite) */
    SPECL_EUNSUPPORTED /* the operation is not defined for this object (e.g. no closed form) */
};

const char *specl_strerror(int status);               /* static text for a status code */
int specl_error(int status, const char *fmt, ...)      /* set the detail message, return status */
    __attribute__((format(printf, 2, 3)));
const char *specl_error_detail(void);                  /* last detail message of this thread ("" if none) */
void specl_error_clear(void);                          /* reset the detail message */

/* ---- RNG ----
 * xoshiro256** (Blackman & Vigna) with an explicit state. A run has one 64-bit seed (from the
 * config, never from the clock); each component draws from its own stream derived from
 * (seed, component name) by hashing the name with FNV-1a and expanding with splitmix64, so adding
 * draws in one component never shifts another component's numbers. Streams are plain structs:
 * copying one copies its position, which is what checkpoints save. */
typedef struct specl_rng { uint64_t s[4]; } specl_rng;

void specl_rng_seed(specl_rng *r, uint64_t seed);                        /* seed from one integer */
void specl_rng_derive(specl_rng *r, uint64_t seed, const char *stream);  /* named sub-stream */
uint64_t specl_rng_u64(specl_rng *r);                                    /* uniform 64 bits */
double specl_rng_uniform(specl_rng *r);                                  /* uniform in [0, 1) */
double specl_rng_normal(specl_rng *r);                                   /* standard normal */
uint64_t specl_rng_below(specl_rng *r, uint64_t n);                      /* uniform in [0, n), unbiased; n >= 1 (0 for n = 0) */
void specl_rng_shuffle_i64(specl_rng *r, int64_t *a, int64_t n);         /* Fisher-Yates in place */

/* ---- dense linear algebra (row-major) ----
 * float32 for training goes straight to cblas_sgemm; these helpers are the float64 pieces the
 * closed forms and probes need. Each says what it overwrites; none keeps state. */

/* Symmetric eigendecomposition of a (n,n): on return a holds eigenvectors as COLUMNS (row-major
 * storage, so a[i*n + j] is component i of vector j) and w (n) the eigenvalues ascending. */
int specl_dsyev(int n, double *a, double *w);
/* Generalized symmetric-definite problem A v = e B v with B positive definite: a (n,n) is
 * overwritten by eigenvectors as columns normalized so that vᵀBv = 1, b by its Cholesky factor,
 * w (n) receives the eigenvalues ascending. SPECL_ELINALG if B is not positive definite. */
int specl_dsygv(int n, double *a, double *b, double *w);
/* Minimum-norm least squares: min_X ‖A X − B‖ for a (m,n), b (max(m,n), nrhs) (row-major);
 * a is destroyed, the first n rows of b receive X (n, nrhs). rcond: relative singular-value
 * cutoff (< 0 for machine precision). rank (may be NULL) receives the effective rank. */
int specl_dgelsd(int m, int n, int nrhs, double *a, double *b, double rcond, int *rank);

/* Utilities on float buffers. */
int specl_all_finite(const float *x, size_t n);          /* 1 if no NaN/Inf */
double specl_sumsq(const float *x, size_t n);            /* Σ x² in double, the same for any thread count */

/* Dynamic string used to build messages, JSON-free text and file contents. */
typedef struct specl_str { char *buf; size_t len, cap; } specl_str;
int specl_str_printf(specl_str *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void specl_str_free(specl_str *s);

/* ---- files ---- */
/* Write `len` bytes to `path` atomically: a temporary file in the same directory, fsync, rename,
 * then fsync of the directory. On failure nothing is left at `path` that was not there before
 * (an existing file is untouched) and the temporary file is removed. A path that exists and is not
 * a regular file (/dev/full, /dev/stdout, a FIFO) is written in place instead. */
int specl_write_file_atomic(const char *path, const void *data, size_t len);
/* Read a whole file; *out is malloc'd and NUL-terminated (len excludes the NUL). */
int specl_read_file(const char *path, char **out, size_t *len);

/* ---- .npy (NumPy format 1.0/2.0, little-endian, C order) ---- */
typedef enum { SPECL_F32 = 0, SPECL_F64, SPECL_I32, SPECL_I64 } specl_dtype;
typedef struct specl_array {
    specl_dtype dtype;
    int ndim;             /* 1..4 */
    int64_t shape[4];
    void *data;           /* malloc'd, product(shape) elements */
} specl_array;

size_t specl_dtype_size(specl_dtype t);
int64_t specl_array_numel(const specl_array *a);
/* Write an array as .npy, atomically (see specl_write_file_atomic). */
int specl_npy_write(const char *path, specl_dtype dtype, int ndim, const int64_t *shape, const void *data);
/* Read a .npy file (<f4, <f8, <i4, <i8, C order, ndim 1..4); every header field is validated and
 * errors name the file and the field. On success *out owns its data: free with specl_array_free. */
int specl_npy_read(const char *path, specl_array *out);
void specl_array_free(specl_array *a);

#endif
