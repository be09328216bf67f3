/* test_peercred.c — peer_is_ancestor against real processes: the kernel's SO_PEERCRED and our
 * ancestors from /proc. The test process forks the one that asks ("we", the provider's place);
 * a peer is then our parent (the test process), our grandparent through a parent whose name
 * holds ") " (the /proc/PID/stat parse), or a sibling — which must not count. Each asking
 * process reports through its exit status: 1 ancestor, 0 not, 2 set-up failed. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "peercred.h"

static int exit_code(pid_t pid)
{
    int st;
    cr_assert_eq(waitpid(pid, &st, 0), pid);
    cr_assert(WIFEXITED(st));
    return WEXITSTATUS(st);
}

/* A socketpair's SO_PEERCRED names the process that made the pair: here, the test process. A
 * child holding one end sees its parent; a grandchild sees its grandparent. */
Test(peercred, parent_and_grandparent_through_an_odd_name_are_ancestors)
{
    int sv[2];
    cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    pid_t child = fork();
    if (child == 0) _exit(peer_is_ancestor(sv[1]) ? 1 : 0);
    cr_expect_eq(exit_code(child), 1, "the parent is an ancestor");

    pid_t mid = fork();
    if (mid == 0) {
        /* comm may hold spaces and parentheses: the fields start after the LAST ')' */
        prctl(PR_SET_NAME, "x) S 1 (y", 0, 0, 0);
        pid_t grandchild = fork();
        if (grandchild == 0) _exit(peer_is_ancestor(sv[1]) ? 1 : 0);
        int st;
        if (waitpid(grandchild, &st, 0) != grandchild || !WIFEXITED(st)) _exit(2);
        _exit(WEXITSTATUS(st));
    }
    cr_expect_eq(exit_code(mid), 1,
                 "the grandparent is an ancestor, through a parent named \"x) S 1 (y\"");
    close(sv[0]);
    close(sv[1]);
}

/* A listening socket in the asking process: the test process connects (an ancestor), then a
 * sibling of the asking process connects (not one). */
Test(peercred, a_sibling_is_not_an_ancestor)
{
    char dir[] = "/tmp/peercred-XXXXXX";
    cr_assert(mkdtemp(dir));
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    snprintf(sa.sun_path, sizeof sa.sun_path, "%s/s", dir);
    int lfd = socket(AF_UNIX, SOCK_STREAM, 0);
    cr_assert(lfd >= 0 && bind(lfd, (struct sockaddr *)&sa, sizeof sa) == 0 && listen(lfd, 4) == 0);

    pid_t asker = fork();
    if (asker == 0) {
        /* first the parent's connection, then the sibling's: 1 bit each */
        int code = 0;
        for (int i = 0; i < 2; i++) {
            int fd = accept(lfd, NULL, NULL);
            if (fd < 0) _exit(2 + 4);
            if (peer_is_ancestor(fd)) code |= 1 << i;
            close(fd);
        }
        _exit(code);
    }
    int c1 = socket(AF_UNIX, SOCK_STREAM, 0);
    cr_assert_eq(connect(c1, (struct sockaddr *)&sa, sizeof sa), 0);
    pid_t sibling = fork();
    if (sibling == 0) {
        int c2 = socket(AF_UNIX, SOCK_STREAM, 0);
        _exit(connect(c2, (struct sockaddr *)&sa, sizeof sa) == 0 ? (pause(), 0) : 1);
    }
    int code = exit_code(asker);
    kill(sibling, SIGKILL);
    waitpid(sibling, NULL, 0);
    close(c1);
    close(lfd);
    unlink(sa.sun_path);
    rmdir(dir);
    cr_expect(code & 1, "the asking process's parent is an ancestor (code %d)", code);
    cr_expect(!(code & 2), "its sibling is not (code %d)", code);
}
