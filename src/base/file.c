/* Whole-file reads and atomic writes (temporary file, fsync, rename, fsync of the directory). */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "specl/base.h"

/* A path that exists and is not a regular file (a device such as /dev/full or /dev/stdout, a FIFO)
 * is written in place: renaming a temporary file over it would replace the device itself. */
static int write_in_place_(const char *path, const void *data, size_t len) {
    int fd = open(path, O_WRONLY);
    if (fd < 0) return specl_error(SPECL_EIO, "%s: cannot open for writing (%s)", path, strerror(errno));
    const char *p = data;
    int st = SPECL_OK;
    while (len > 0 && !st) {
        ssize_t w = write(fd, p, len);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) st = specl_error(SPECL_EIO, "%s: write failed (%s)", path, w < 0 ? strerror(errno) : "no progress");
        else { p += w; len -= (size_t)w; }
    }
    if (close(fd) != 0 && !st) st = specl_error(SPECL_EIO, "%s: close failed (%s)", path, strerror(errno));
    return st;
}

int specl_write_file_atomic(const char *path, const void *data, size_t len) {
    struct stat sb;
    if (stat(path, &sb) == 0 && !S_ISREG(sb.st_mode) && !S_ISDIR(sb.st_mode)) return write_in_place_(path, data, len);
    if (stat(path, &sb) == 0 && S_ISDIR(sb.st_mode)) return specl_error(SPECL_EIO, "%s: is a directory", path);
    size_t pl = strlen(path);
    char *tmp = malloc(pl + 32);
    char *dcopy = strdup(path);
    if (!tmp || !dcopy) { free(tmp); free(dcopy); return SPECL_ENOMEM; }
    snprintf(tmp, pl + 32, "%s.tmp.%ld", path, (long)getpid());
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int st = SPECL_OK;
    if (fd < 0) {
        st = specl_error(SPECL_EIO, "%s: cannot create (%s)", path, strerror(errno));
        goto done;
    }
    const char *p = data;
    size_t left = len;
    while (left > 0) {
        ssize_t w = write(fd, p, left);
        if (w < 0) {
            if (errno == EINTR) continue;
            st = specl_error(SPECL_EIO, "%s: write failed (%s)", path, strerror(errno));
            break;
        }
        p += w;
        left -= (size_t)w;
    }
    if (st == SPECL_OK && fsync(fd) != 0 && errno != EINVAL)
        st = specl_error(SPECL_EIO, "%s: fsync failed (%s)", path, strerror(errno));
    if (close(fd) != 0 && st == SPECL_OK)
        st = specl_error(SPECL_EIO, "%s: close failed (%s)", path, strerror(errno));
    if (st == SPECL_OK && rename(tmp, path) != 0)
        st = specl_error(SPECL_EIO, "%s: rename failed (%s)", path, strerror(errno));
    if (st != SPECL_OK) {
        unlink(tmp);
        goto done;
    }
    int dfd = open(dirname(dcopy), O_RDONLY | O_DIRECTORY);
    if (dfd >= 0) { fsync(dfd); close(dfd); }
done:
    free(tmp);
    free(dcopy);
    return st;
}

int specl_read_file(const char *path, char **out, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) return specl_error(SPECL_EIO, "%s: cannot open (%s)", path, strerror(errno));
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    if (!buf) { fclose(f); return SPECL_ENOMEM; }
    for (;;) {
        if (n + 1 >= cap) {
            char *nb = realloc(buf, cap *= 2);
            if (!nb) { free(buf); fclose(f); return SPECL_ENOMEM; }
            buf = nb;
        }
        size_t r = fread(buf + n, 1, cap - n - 1, f);
        n += r;
        if (r == 0) break;
    }
    int err = ferror(f);
    fclose(f);
    if (err) { free(buf); return specl_error(SPECL_EIO, "%s: read error", path); }
    buf[n] = 0;
    *out = buf;
    if (len) *len = n;
    return SPECL_OK;
}
