/* plugsock.c — the plugin's unix socket (see plugsock.h). */
#include "plugsock.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "tflog.h"

/* as long as go-plugin's "/pluginXXXXXX/sock" within a byte: TMPDIRs that fit still fit */
#define SOCK_TAIL    "/plugin" RANDOM_HOLE
#define RANDOM_HOLE  "XXXXXXXXXXXX"
#define RANDOM_BYTES 6 /* two hex digits each fill the hole: 48 bits */
#define BIND_TRIES   16

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

/* Fills the template's hole with fresh random hex digits. */
static int fill_hole(char *path, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    unsigned char r[RANDOM_BYTES];
    if (getrandom(r, sizeof r, 0) != (ssize_t)sizeof r) return -1;
    char *hole = path + n - strlen(RANDOM_HOLE);
    for (size_t i = 0; i < sizeof r; i++) {
        hole[2 * i] = hex[r[i] >> 4];
        hole[2 * i + 1] = hex[r[i] & 15];
    }
    return 0;
}

int plugsock_listen(char *path, size_t cap, char *err, size_t errlen)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    const char *dir = socket_dir();
    int n = plugsock_template(dir, sa.sun_path, sizeof sa.sun_path < cap ? sizeof sa.sun_path : cap,
                              err, errlen);
    if (n < 0) return -1;
    int s = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (s < 0) {
        snprintf(err, errlen, "cannot create the plugin socket: %s", strerror(errno));
        return -1;
    }
    /* The socket is made 0600 by bind itself, under a umask that leaves only the owner's read and
     * write: connecting needs write permission, so only the user who runs Terraform (go-plugin's
     * client) can reach it, whatever the directory's permissions, from the moment it exists. The
     * name is random: a name someone else took (TMPDIR is usually /tmp, shared, sticky) is left
     * alone and another drawn; bind never follows a symbolic link. A directory of its own, as
     * go-plugin makes, would add a mkdir and an rmdir to each provider life, ~0.1 ms on a VM, for
     * the same protection. The provider is still single-threaded here: the umask is its own. */
    int rc = -1;
    for (int i = 0; i < BIND_TRIES && rc != 0; i++) {
        if (fill_hole(sa.sun_path, (size_t)n) != 0) break;
        mode_t old = umask(0177);
        rc = bind(s, (struct sockaddr *)&sa, sizeof sa);
        umask(old);
        if (rc != 0 && errno != EADDRINUSE) break;
    }
    /* The backlog is the kernel's maximum (somaxconn caps it), as Go's listeners ask: go-plugin
     * dials without blocking and fails at once when the backlog is full, which a few dozen
     * connections made before ours is accepting would otherwise cause. */
    if (rc != 0 || listen(s, 4096) != 0) {
        snprintf(err, errlen, "cannot listen on a plugin socket in \"%.200s\": %s", dir,
                 strerror(errno));
        if (rc == 0) unlink(sa.sun_path);
        close(s);
        return -1;
    }
    memcpy(path, sa.sun_path, (size_t)n + 1);
    return s;
}

void plugsock_remove(const char *path)
{
    unlink(path);
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
    if (chown(path, (uid_t)-1, (gid_t)gid) != 0 || chmod(path, 0660) != 0)
        tf_log(TF_LOG_WARN, "cannot give the plugin socket to PLUGIN_UNIX_SOCKET_GROUP", "error",
               strerror(errno), NULL);
}
