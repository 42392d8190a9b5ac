/* specl/images.h: labelled image sets read from the standard binary distributions.
 *
 * The spectral losses are checked on real images as well as on the synthetic sources, so the
 * toolkit reads the two formats those benchmarks ship in: IDX (MNIST, Fashion-MNIST; optionally
 * gzipped, read through zlib) and the CIFAR-10 binary batches. Both readers treat the files as
 * untrusted input: every header field is checked, sizes are checked for overflow, nothing
 * proportional to a claimed size is allocated before the bytes are there, and every failure
 * names the file and the field (SPECL_EFORMAT for malformed content, SPECL_EIO when a file cannot
 * be opened or read). Whatever the source, the result has one layout: pixels (n, h, w, c)
 * row-major with channels last, one int32 label per image.
 * Anchors: Y. LeCun's MNIST page (IDX layout), A. Krizhevsky's CIFAR page (binary version).
 */
#ifndef SPECL_IMAGES_H
#define SPECL_IMAGES_H

#include <stdint.h>
#include "base.h"

/* Where the Debian package dataset-fashion-mnist installs the four .gz files. */
#define SPECL_FASHION_MNIST_DIR "/usr/share/datasets/fashion-mnist"

typedef struct specl_images {
    int64_t n;           /* number of images */
    int h, w, c;         /* rows, columns, channels */
    uint8_t *pixels;     /* (n, h, w, c) row-major, channels last; malloc'd */
    int32_t *labels;     /* (n) in 0..classes-1; malloc'd */
    int classes;         /* IDX: max label + 1 (<= 256); CIFAR-10: 10 */
} specl_images;

/* Free the buffers and zero the struct (NULL is a no-op). */
void specl_images_free(specl_images *im);

/* IDX pair: images (magic 0x00000803: unsigned bytes, dims n, rows, cols, big-endian) and labels
 * (magic 0x00000801: unsigned bytes, dim n). Either file may be gzipped (read through zlib's
 * gzread, which also reads plain files). Result: c = 1, classes = max label + 1. On failure *out
 * is zeroed. */
int specl_idx_read(const char *images_path, const char *labels_path, specl_images *out);

/* CIFAR-10 binary batches (data_batch_1.bin ... data_batch_5.bin, test_batch.bin): records of one
 * label byte (0..9) and 3072 pixel bytes, planes R, G, B of 32x32 row-major each. The n_paths files
 * are concatenated in order into (n, 32, 32, 3) channels-last; classes = 10. On failure *out is
 * zeroed. */
int specl_cifar10_read(const char *const *paths, int n_paths, specl_images *out);

/* Fashion-MNIST (or MNIST) from a directory: train != 0 reads train-images-idx3-ubyte and
 * train-labels-idx1-ubyte, train == 0 the t10k-* pair; each name is tried with ".gz" first, then
 * without. SPECL_FASHION_MNIST_DIR is where the Debian package puts them. */
int specl_fashion_mnist_read(const char *dir, int train, specl_images *out);

#endif
