/* Drawing a figure: run gnuplot on its script, the way a user would (`gnuplot <name>.gp` inside
 * fig/), so the SVG in the report is exactly what the script beside it draws.
 *
 * gnuplot is started with posix_spawnp (no shell: nothing in a name or a label is ever parsed by
 * one), in the figure directory, stdin and stdout on /dev/null and stderr on a pipe, because the
 * library never prints: gnuplot's messages are read and the last one becomes the error detail.
 * The script writes to the file named by its `outfile` variable; specl sets it to a temporary
 * name, checks that gnuplot exited with 0 and wrote a complete SVG, fsyncs and renames it, so a
 * reader never sees half an SVG (the same contract as specl_write_file_atomic). */
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "report_int.h"

extern char **environ;

/* Start gnuplot in dir on script, SVG to outfile; *err_fd receives the read end of its stderr. */
static int spawn_(const char *dir, char *script, char *outfile_arg, pid_t *pid, int *err_fd) {
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) return specl_error(SPECL_EIO, "cannot create a pipe for gnuplot (%s)", strerror(errno));
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addchdir_np(&fa, dir);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_adddup2(&fa, fds[1], 2);
    char *argv[] = { "gnuplot", "-e", outfile_arg, script, NULL };
    int e = posix_spawnp(pid, "gnuplot", &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    close(fds[1]);
    if (e) {
        close(fds[0]);
        if (e == ENOENT) return specl_error(SPECL_EIO, "gnuplot not found: install gnuplot-nox (scripts/setup-deps.sh does)");
        return specl_error(SPECL_EIO, "cannot run gnuplot (%s)", strerror(e));
    }
    *err_fd = fds[0];
    return SPECL_OK;
}

/* Read all of fd (keeping the first n − 1 bytes in buf), close it, then reap pid. */
static int drain_and_wait_(int fd, pid_t pid, char *buf, size_t n) {
    size_t len = 0;
    char junk[512];
    for (;;) {
        char *dst = len + 1 < n ? buf + len : junk;
        size_t room = len + 1 < n ? n - 1 - len : sizeof junk;
        ssize_t r = read(fd, dst, room);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) break;
        if (dst == buf + len) len += (size_t)r;
    }
    buf[len] = 0;
    close(fd);
    int ws = 0;
    while (waitpid(pid, &ws, 0) < 0)
        if (errno != EINTR) return -1;
    return ws;
}

/* The last non-empty line of gnuplot's messages, in place. */
static const char *last_line_(char *msg) {
    size_t n = strlen(msg);
    while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == '\r' || msg[n - 1] == ' ')) msg[--n] = 0;
    char *nl = strrchr(msg, '\n');
    return nl ? nl + 1 : msg;
}

/* A complete SVG: starts with <?xml or <svg, ends with </svg>; fsynced. */
static int svg_complete_(const char *path) {
    char *txt = NULL;
    size_t len = 0;
    if (specl_read_file(path, &txt, &len)) return 0;
    const char *p = txt + strspn(txt, " \t\r\n");
    int ok = (!strncmp(p, "<?xml", 5) || !strncmp(p, "<svg", 4)) && strstr(len > 64 ? txt + len - 64 : txt, "</svg>");
    free(txt);
    int fd = open(path, O_RDONLY);
    if (fd >= 0) { fsync(fd); close(fd); }
    return ok;
}

int specl_rep_gnuplot(const char *fig_dir, const char *name) {
    struct stat sb;
    if (stat(fig_dir, &sb) != 0 || !S_ISDIR(sb.st_mode)) return specl_error(SPECL_EIO, "%s: not a directory", fig_dir);
    char script[96], tmp[128], arg[160], msg[2048];
    snprintf(script, sizeof script, "%s.gp", name);
    snprintf(tmp, sizeof tmp, "%s.svg.tmp.%ld", name, (long)getpid());
    snprintf(arg, sizeof arg, "outfile='%s'", tmp);
    size_t dl = strlen(fig_dir) + 2;
    char *tmp_path = malloc(dl + sizeof tmp), *svg_path = malloc(dl + sizeof tmp);
    if (!tmp_path || !svg_path) { free(tmp_path); free(svg_path); return specl_error(SPECL_ENOMEM, "report: out of memory"); }
    snprintf(tmp_path, dl + sizeof tmp, "%s/%s", fig_dir, tmp);
    snprintf(svg_path, dl + sizeof tmp, "%s/%s.svg", fig_dir, name);
    pid_t pid;
    int fd = -1, st = spawn_(fig_dir, script, arg, &pid, &fd);
    if (!st) {
        int ws = drain_and_wait_(fd, pid, msg, sizeof msg);
        if (ws < 0 || !WIFEXITED(ws) || WEXITSTATUS(ws) != 0)
            st = specl_error(SPECL_EIO, "gnuplot failed on %s/%s (%s %d): %s", fig_dir, script, ws >= 0 && WIFSIGNALED(ws) ? "signal" : "exit",
                             ws < 0 ? -1 : WIFSIGNALED(ws) ? WTERMSIG(ws) : WEXITSTATUS(ws), last_line_(msg));
        else if (!svg_complete_(tmp_path))
            st = specl_error(SPECL_EIO, "gnuplot wrote no complete SVG for %s/%s: %s", fig_dir, script, last_line_(msg));
        else if (rename(tmp_path, svg_path) != 0)
            st = specl_error(SPECL_EIO, "%s: rename failed (%s)", svg_path, strerror(errno));
    }
    unlink(tmp_path);
    if (st) unlink(svg_path);   /* a stale picture would no longer match its data and script */
    free(tmp_path);
    free(svg_path);
    return st;
}
