/* cpuwrap.c — runs a program as its only child and appends the child's own CPU to a log: what the
 * kernel accounted to that process (wait4's rusage: user + system of all its threads, from exec to
 * exit) and its minor page faults. Stands between Terraform and a provider in tests/bench.
 *
 *   cpuwrap LOG PROGRAM [ARG...]     appends "USER_MS SYS_MS MINFLT\n" to LOG, exits as PROGRAM did
 *
 * The child is started with posix_spawn (vfork semantics, as Go's os/exec starts a plugin): nothing
 * of this process is copied, so the figure holds nothing but the program. bash's `time` keyword,
 * used before, adds the shell's own rusage to its children's and forks the whole shell first: on a
 * VM where a page fault costs tens of microseconds that was ~3.5 ms per measured process. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static pid_t g_child;

/* Terraform signals the process it started: pass it on to the one that does the work. */
static void forward(int sig)
{
    if (g_child > 0) kill(g_child, sig);
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: cpuwrap LOG PROGRAM [ARG...]\n");
        return 2;
    }
    struct sigaction sa = {.sa_handler = forward};
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    int rc = posix_spawn(&g_child, argv[2], NULL, NULL, argv + 2, environ);
    if (rc != 0) {
        fprintf(stderr, "cpuwrap: cannot start %s: %s\n", argv[2], strerror(rc));
        return 127;
    }
    int st = 0;
    struct rusage ru;
    pid_t r;
    while ((r = wait4(g_child, &st, 0, &ru)) < 0 && errno == EINTR) {
    }
    if (r != g_child) return 127;
    int fd = open(argv[1], O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (fd >= 0) {
        /* one write per line: several wrapped processes may end at once */
        dprintf(fd, "%.3f %.3f %ld\n", ru.ru_utime.tv_sec * 1e3 + ru.ru_utime.tv_usec / 1e3,
                ru.ru_stime.tv_sec * 1e3 + ru.ru_stime.tv_usec / 1e3, ru.ru_minflt);
        close(fd);
    }
    if (WIFSIGNALED(st)) return 128 + WTERMSIG(st);
    return WEXITSTATUS(st);
}
