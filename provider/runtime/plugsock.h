/* plugsock.h — the unix socket go-plugin connects to: "<dir>/plugin<random>/sock" in
 * PLUGIN_UNIX_SOCKET_DIR, else TMPDIR, else /tmp (go-plugin's own choice of directory), with the
 * group of PLUGIN_UNIX_SOCKET_GROUP when set. The socket sits in a directory of its own, mode 0700,
 * and is itself 0600: only the user who runs Terraform (go-plugin's client runs as that user and
 * only needs to connect) can reach it, whatever TMPDIR's permissions. */
#ifndef PLUGSOCK_H
#define PLUGSOCK_H

#include <stddef.h>

/* Creates, binds and listens (non-blocking). Returns the fd and the path in path (cap ≥ 108), or -1
 * with a message in err that says what was wrong (e.g. a directory too long for a socket path). */
int plugsock_listen(char *path, size_t cap, char *err, size_t errlen);
/* "<dir>/pluginXXXXXX/sock" into out (the directory part for mkdtemp); returns its length, or -1
 * with a message when it cannot be a socket path (sun_path holds 107 bytes). */
int plugsock_template(const char *dir, char *out, size_t cap, char *err, size_t errlen);
/* Removes the socket and its directory. */
void plugsock_remove(const char *path);
/* Applies PLUGIN_UNIX_SOCKET_GROUP (group members may then connect: socket 0660, directory 0710) (a gid or a group name read from /etc/group: a static binary
 * has no NSS modules to ask). Problems are logged, not fatal, as in go-plugin. */
void plugsock_apply_group(const char *path);

#endif
