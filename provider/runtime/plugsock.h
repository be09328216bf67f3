/* plugsock.h — the unix socket go-plugin connects to: "<dir>/plugin<12 random hex digits>" in
 * PLUGIN_UNIX_SOCKET_DIR, else TMPDIR, else /tmp (go-plugin's own choice of directory), with the
 * group of PLUGIN_UNIX_SOCKET_GROUP when set. The socket is created 0600: only the user who runs
 * Terraform (go-plugin's client runs as that user and only needs to connect) can reach it, whatever
 * the directory's permissions. */
#ifndef PLUGSOCK_H
#define PLUGSOCK_H

#include <stddef.h>

/* Creates, binds and listens (non-blocking). Returns the fd and the path in path (cap ≥ 108), or -1
 * with a message in err that says what was wrong (e.g. a directory too long for a socket path). */
int plugsock_listen(char *path, size_t cap, char *err, size_t errlen);
/* "<dir>/pluginXXXXXXXXXXXX" into out (the X's become random digits); returns its length,
 * or -1 with a message when it cannot be a socket path (sun_path holds 107 bytes). */
int plugsock_template(const char *dir, char *out, size_t cap, char *err, size_t errlen);
/* Removes the socket. */
void plugsock_remove(const char *path);
/* Applies PLUGIN_UNIX_SOCKET_GROUP, a gid or a group name read from /etc/group (a static binary
 * has no NSS modules to ask): its members may then connect (socket 0660; they also need to search
 * the directory). Problems are logged, not fatal, as in go-plugin. */
void plugsock_apply_group(const char *path);

#endif
