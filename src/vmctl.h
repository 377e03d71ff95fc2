/* The per-VM control socket: how `vmrun stop|reset|captureScreen|list`
 * reach a running VM.
 *
 * Each running VM listens on a unix socket in the user's runtime directory
 * ($HOSTVM_RUNTIME_DIR, else $XDG_RUNTIME_DIR/hostvm, else /tmp/hostvm-UID;
 * mode 0700, sockets 0600), named after a hash of the .vmx's absolute path.
 * The server answers only peers whose SO_PEERCRED uid is its own.
 *
 * Protocol: the client sends one line "COMMAND [ARGUMENT]\n"; the server
 * answers "ok[ TEXT]\n" or "error MESSAGE\n" (more lines may follow "ok")
 * and closes the connection. */
#ifndef HOSTVM_VMCTL_H
#define HOSTVM_VMCTL_H

#include <stdbool.h>
#include <stddef.h>

#include <uv.h>

#define VMCTL_LINE_MAX 4096

/* The runtime directory.  With create, makes it (0700) if needed and
 * refuses one that is not a directory owned by us with no group/other
 * access.  0 or -errno. */
int vmctl_runtime_dir(char *buf, size_t len, bool create);
/* The socket path for the VM whose absolute .vmx path is vmx. */
int vmctl_socket_path(const char *vmx, char *buf, size_t len);

/* Handles one command on the server's loop thread: writes the whole reply
 * (starting "ok" or "error") into reply. */
typedef void (*vmctl_handler)(void *opaque, const char *cmd, const char *arg, char *reply,
			      size_t len);

struct vmctl_server;
/* Listens for the VM at vmx.  -EADDRINUSE when that VM already runs. */
int vmctl_server_start(uv_loop_t *loop, const char *vmx, vmctl_handler fn, void *opaque,
		       struct vmctl_server **out);
/* Stops listening and removes the socket; the handles close on the loop's
 * next turn, after which the server is freed.  Accepts NULL. */
void vmctl_server_close(struct vmctl_server *s);

/* Client: sends line to the VM at vmx and reads the whole reply.
 * -ENOENT/-ECONNREFUSED when it is not running. */
int vmctl_call(const char *vmx, const char *line, char *reply, size_t len);
/* Whether the VM at vmx answers on its socket. */
bool vmctl_running(const char *vmx);
/* Calls fn for the .vmx path of every running VM (stale sockets are
 * removed); returns how many or -errno. */
int vmctl_list(void (*fn)(void *opaque, const char *vmx), void *opaque);

#endif
