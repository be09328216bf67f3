/* peercred.c — the peer check of peercred.h: SO_PEERCRED, then our ancestors from /proc. */
#include "peercred.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <unistd.h>

/* The parent of pid from /proc/PID/stat ("pid (comm) state ppid ..."; comm may hold spaces and
 * parentheses, so the fields start after the LAST ')'). 0 when it cannot be read. */
static pid_t parent_of(pid_t pid)
{
    char path[32], buf[512];
    snprintf(path, sizeof path, "/proc/%ld/stat", (long)pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return 0;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0) return 0;
    buf[n] = 0;
    const char *p = strrchr(buf, ')');
    char state;
    long ppid;
    if (!p || sscanf(p + 1, " %c %ld", &state, &ppid) != 2 || ppid < 0) return 0;
    return (pid_t)ppid;
}

bool peer_is_ancestor(int fd)
{
    struct ucred cred;
    socklen_t len = sizeof cred;
    if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0 || len != sizeof cred)
        return false;
    if (cred.uid != geteuid() || cred.pid <= 1) return false;
    /* Each step reads a live process's parent: were an ancestor to exit, we (its descendant)
     * would be re-parented and the chain read from us would no longer pass through its pid. */
    pid_t p = getppid();
    for (int depth = 0; depth < PEERCRED_MAX_DEPTH && p > 1; depth++) {
        if (p == cred.pid) return true;
        p = parent_of(p);
    }
    return false;
}
