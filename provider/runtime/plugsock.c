/* plugsock.c — the plugin's unix socket (see plugsock.h). */
#include "plugsock.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "tflog.h"

#define SOCK_NAME "/sock"
#define SOCK_TAIL "/pluginXXXXXX" SOCK_NAME

static const char *socket_dir(void)
{
    const char *dir = getenv("PLUGIN_UNIX_SOCKET_DIR");
    if (!dir || !*dir) dir = getenv("TMPDIR");
    if (!dir || !*dir) dir = "/tmp";
    return dir;
}

int plugsock_template(const char *dir, char *out, size_t cap, char *err, size_t errlen)
{
    struct sockaddr_un sa;
    size_t limit = sizeof sa.sun_path - 1 < cap - 1 ? sizeof sa.sun_path - 1 : cap - 1;
    size_t n = strlen(dir) + strlen(SOCK_TAIL);
    if (n > limit) {
        snprintf(err, errlen,
                 "the socket directory \"%.200s\" is too long for a unix socket path (%zu bytes "
                 "with the file name, the limit is %zu): set TMPDIR or PLUGIN_UNIX_SOCKET_DIR to "
                 "a shorter directory",
                 dir, n, limit);
        return -1;
    }
    snprintf(out, cap, "%s" SOCK_TAIL, dir);
    return (int)n;
}

int plugsock_listen(char *path, size_t cap, char *err, size_t errlen)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    const char *dir = socket_dir();
    char tmpl[sizeof sa.sun_path];
    int n = plugsock_template(dir, tmpl, sizeof tmpl < cap ? sizeof tmpl : cap, err, errlen);
    if (n < 0) return -1;
    /* mkdtemp makes a fresh directory only we can enter (0700): TMPDIR is usually /tmp, where
     * anyone could otherwise connect to the socket, or race us for its name. */
    char *name = tmpl + n - strlen(SOCK_NAME);
    *name = 0;
    if (!mkdtemp(tmpl)) {
        snprintf(err, errlen, "cannot create the plugin socket's directory in \"%.200s\": %s", dir,
                 strerror(errno));
        return -1;
    }
    *name = '/';
    memcpy(sa.sun_path, tmpl, (size_t)n + 1);
    int s = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    /* connecting needs write permission on the socket: 0600 leaves it to its owner (the directory
     * already keeps everyone else out between bind and chmod). The backlog is the kernel's maximum
     * (somaxconn caps it), as Go's listeners ask: go-plugin dials without blocking and fails at
     * once when the backlog is full, which a few dozen connections made before ours is accepting
     * would otherwise cause. */
    if (s < 0 || bind(s, (struct sockaddr *)&sa, sizeof sa) != 0 || chmod(tmpl, 0600) != 0 ||
        listen(s, 4096) != 0) {
        snprintf(err, errlen, "cannot listen on the plugin socket %s: %s", tmpl, strerror(errno));
        if (s >= 0) close(s);
        plugsock_remove(tmpl);
        return -1;
    }
    memcpy(path, tmpl, (size_t)n + 1);
    return s;
}

void plugsock_remove(const char *path)
{
    char dir[108];
    size_t n = strlen(path);
    unlink(path);
    if (n < sizeof dir && n > strlen(SOCK_NAME)) {
        memcpy(dir, path, n - strlen(SOCK_NAME));
        dir[n - strlen(SOCK_NAME)] = 0;
        rmdir(dir);
    }
}

/* The gid of a group name from /etc/group ("name:password:gid:members"), or -1. */
static long gid_from_etc_group(const char *name)
{
    FILE *f = fopen("/etc/group", "re");
    if (!f) return -1;
    char line[4096];
    long gid = -1;
    size_t nl = strlen(name);
    while (gid < 0 && fgets(line, sizeof line, f)) {
        if (strncmp(line, name, nl) != 0 || line[nl] != ':') continue;
        char *p = strchr(line + nl + 1, ':');
        if (!p) continue;
        char *end;
        long v = strtol(p + 1, &end, 10);
        if (end != p + 1 && *end == ':') gid = v;
    }
    fclose(f);
    return gid;
}

void plugsock_apply_group(const char *path)
{
    const char *group = getenv("PLUGIN_UNIX_SOCKET_GROUP");
    if (!group || !*group) return;
    char *end;
    long gid = strtol(group, &end, 10);
    if (*end || end == group) gid = gid_from_etc_group(group);
    if (gid < 0) {
        tf_log(TF_LOG_WARN, "PLUGIN_UNIX_SOCKET_GROUP names no group in /etc/group", "group", group,
               NULL);
        return;
    }
    char dir[108];
    size_t n = strlen(path) - strlen(SOCK_NAME);
    memcpy(dir, path, n);
    dir[n] = 0;
    if (chown(path, (uid_t)-1, (gid_t)gid) != 0 || chmod(path, 0660) != 0 ||
        chown(dir, (uid_t)-1, (gid_t)gid) != 0 || chmod(dir, 0710) != 0)
        tf_log(TF_LOG_WARN, "cannot give the plugin socket to PLUGIN_UNIX_SOCKET_GROUP", "error",
               strerror(errno), NULL);
}
