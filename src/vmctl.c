/* The per-VM control socket, server (libuv) and client (blocking).  See
 * vmctl.h. */
#include "config.h"
#include "vmctl.h"

#include <dirent.h>
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "log.h"

#define VMCTL_CLIENT_TIMEOUT_MS 30000

int vmctl_runtime_dir(char *buf, size_t len, bool create)
{
	const char *env = getenv("HOSTVM_RUNTIME_DIR"), *xdg = getenv("XDG_RUNTIME_DIR");
	struct stat st;
	int n;

	if (env && *env)
		n = snprintf(buf, len, "%s", env);
	else if (xdg && *xdg)
		n = snprintf(buf, len, "%s/hostvm", xdg);
	else
		n = snprintf(buf, len, "/tmp/hostvm-%u", (unsigned)getuid());
	if (n < 0 || (size_t)n >= len)
		return -ENAMETOOLONG;
	if (!create)
		return 0;
	if (mkdir(buf, 0700) < 0 && errno != EEXIST)
		return -errno;
	if (lstat(buf, &st) < 0)
		return -errno;
	/* Someone else's directory, or one others can write into, could hold
	 * a planted socket: refuse it. */
	if (!S_ISDIR(st.st_mode) || st.st_uid != getuid() || (st.st_mode & 077))
		return -EPERM;
	return 0;
}

/* 64-bit FNV-1a of the path: a short, stable socket name. */
static uint64_t path_hash(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (; *s; s++) {
		h ^= (uint8_t)*s;
		h *= 0x100000001b3ull;
	}
	return h;
}

int vmctl_socket_path(const char *vmx, char *buf, size_t len)
{
	char dir[200];
	int r = vmctl_runtime_dir(dir, sizeof(dir), false), n;

	if (r < 0)
		return r;
	n = snprintf(buf, len, "%s/%016llx.sock", dir, (unsigned long long)path_hash(vmx));
	if (n < 0 || (size_t)n >= len || (size_t)n >= sizeof(((struct sockaddr_un *)0)->sun_path))
		return -ENAMETOOLONG;
	return 0;
}

/* ---- client ---------------------------------------------------------- */

static int connect_path(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int e = -errno;
		close(fd);
		return e;
	}
	return fd;
}

static int call_path(const char *path, const char *line, char *reply, size_t len)
{
	size_t n = 0, l = strlen(line);
	int fd = connect_path(path);

	if (fd < 0)
		return fd;
	for (size_t off = 0; off < l;) {
		ssize_t w = send(fd, line + off, l - off, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			break;   /* the server may have answered and closed: read it */
		off += (size_t)w;
	}
	for (;;) {
		struct pollfd p = { fd, POLLIN, 0 };
		char tmp[512];
		ssize_t rd;
		int pr = poll(&p, 1, VMCTL_CLIENT_TIMEOUT_MS);

		if (pr < 0 && errno == EINTR)
			continue;
		if (pr <= 0) {
			close(fd);
			return -ETIMEDOUT;
		}
		rd = read(fd, tmp, sizeof(tmp));
		if (rd < 0 && errno == EINTR)
			continue;
		if (rd <= 0)
			break;
		for (ssize_t i = 0; i < rd && n + 1 < len; i++)
			reply[n++] = tmp[i];
	}
	close(fd);
	if (len)
		reply[n < len ? n : len - 1] = 0;
	return n ? 0 : -ECONNRESET;
}

int vmctl_call(const char *vmx, const char *line, char *reply, size_t len)
{
	char path[256];
	int r = vmctl_socket_path(vmx, path, sizeof(path));

	return r < 0 ? r : call_path(path, line, reply, len);
}

bool vmctl_running(const char *vmx)
{
	char path[256];
	int fd;

	if (vmctl_socket_path(vmx, path, sizeof(path)) < 0)
		return false;
	fd = connect_path(path);
	if (fd < 0)
		return false;
	close(fd);
	return true;
}

int vmctl_list(void (*fn)(void *opaque, const char *vmx), void *opaque)
{
	char dir[200], path[512], reply[VMCTL_LINE_MAX];
	struct dirent *de;
	DIR *d;
	int r = vmctl_runtime_dir(dir, sizeof(dir), false), count = 0;

	if (r < 0)
		return r;
	d = opendir(dir);
	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while ((de = readdir(d))) {
		size_t l = strlen(de->d_name);
		if (l < 6 || strcmp(de->d_name + l - 5, ".sock"))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		r = call_path(path, "info\n", reply, sizeof(reply));
		if (r == -ECONNREFUSED) {
			unlink(path);   /* a VM that died without cleaning up */
			continue;
		}
		if (r < 0 || strncmp(reply, "ok ", 3))
			continue;
		reply[strcspn(reply, "\n")] = 0;
		fn(opaque, reply + 3);
		count++;
	}
	closedir(d);
	return count;
}

/* ---- server ---------------------------------------------------------- */

struct vmctl_conn;

struct vmctl_server {
	uv_pipe_t listener;
	char path[256];
	vmctl_handler fn;
	void *opaque;
	bool closing;
	struct vmctl_conn *conns;   /* open connections, closed with the server */
};

struct vmctl_conn {
	uv_pipe_t pipe;
	struct vmctl_server *srv;   /* NULL once the server has gone */
	struct vmctl_conn *next, **pprev;
	char line[VMCTL_LINE_MAX];
	size_t len;
	bool done;
	uv_write_t wr;
	char *reply;
};

static void conn_closed(uv_handle_t *h)
{
	struct vmctl_conn *c = h->data;

	if (c->srv) {
		*c->pprev = c->next;
		if (c->next)
			c->next->pprev = c->pprev;
	}
	free(c->reply);
	free(c);
}

static void conn_close(struct vmctl_conn *c)
{
	if (!uv_is_closing((uv_handle_t *)&c->pipe))
		uv_close((uv_handle_t *)&c->pipe, conn_closed);
}

static void conn_written(uv_write_t *w, int status)
{
	struct vmctl_conn *c = w->data;

	(void)status;
	conn_close(c);
}

static void conn_reply(struct vmctl_conn *c, const char *text)
{
	uv_buf_t b;

	c->done = true;
	uv_read_stop((uv_stream_t *)&c->pipe);
	c->reply = strdup(text);
	if (!c->reply) {
		conn_close(c);
		return;
	}
	b = uv_buf_init(c->reply, (unsigned)strlen(c->reply));
	c->wr.data = c;
	if (uv_write(&c->wr, (uv_stream_t *)&c->pipe, &b, 1, conn_written) < 0)
		conn_close(c);
}

static void conn_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
	struct vmctl_conn *c = h->data;

	(void)suggested;
	*buf = uv_buf_init(c->line + c->len, (unsigned)(sizeof(c->line) - 1 - c->len));
}

static void conn_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf)
{
	struct vmctl_conn *c = s->data;
	char *nl, *arg, *reply;

	(void)buf;
	if (c->done)
		return;
	if (nread < 0) {
		conn_close(c);
		return;
	}
	c->len += (size_t)nread;
	c->line[c->len] = 0;
	nl = memchr(c->line, '\n', c->len);
	if (!nl) {
		if (c->len >= sizeof(c->line) - 1)
			conn_reply(c, "error command too long\n");
		return;
	}
	*nl = 0;
	arg = strchr(c->line, ' ');
	if (arg)
		*arg++ = 0;
	reply = malloc(VMCTL_LINE_MAX);
	if (!reply) {
		conn_reply(c, "error out of memory\n");
		return;
	}
	snprintf(reply, VMCTL_LINE_MAX, "error unknown command\n");
	c->srv->fn(c->srv->opaque, c->line, arg ? arg : "", reply, VMCTL_LINE_MAX);
	conn_reply(c, reply);
	free(reply);
}

static void on_connection(uv_stream_t *l, int status)
{
	struct vmctl_server *s = l->data;
	struct vmctl_conn *c;
	struct ucred cred;
	socklen_t cl = sizeof(cred);
	uv_os_fd_t fd;

	if (status < 0)
		return;
	c = calloc(1, sizeof(*c));
	if (!c)
		return;
	c->srv = s;
	c->next = s->conns;
	c->pprev = &s->conns;
	if (s->conns)
		s->conns->pprev = &c->next;
	s->conns = c;
	uv_pipe_init(l->loop, &c->pipe, 0);
	c->pipe.data = c;
	if (uv_accept(l, (uv_stream_t *)&c->pipe) < 0) {
		conn_close(c);
		return;
	}
	/* Only the VM's owner may control it. */
	if (uv_fileno((uv_handle_t *)&c->pipe, &fd) < 0 ||
	    getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &cl) < 0 || cred.uid != getuid()) {
		log_warn("vmctl", "refused a control connection from uid %d pid %d",
			 cl == sizeof(cred) ? (int)cred.uid : -1, cl == sizeof(cred) ? (int)cred.pid : -1);
		conn_reply(c, "error permission denied: only the VM's owner may control it\n");
		return;
	}
	if (uv_read_start((uv_stream_t *)&c->pipe, conn_alloc, conn_read) < 0)
		conn_close(c);
}

int vmctl_server_start(uv_loop_t *loop, const char *vmx, vmctl_handler fn, void *opaque,
		       struct vmctl_server **out)
{
	struct vmctl_server *s;
	char dir[200];
	mode_t old;
	int r;

	if ((r = vmctl_runtime_dir(dir, sizeof(dir), true)) < 0)
		return r;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->fn = fn;
	s->opaque = opaque;
	if ((r = vmctl_socket_path(vmx, s->path, sizeof(s->path))) < 0) {
		free(s);
		return r;
	}
	if (vmctl_running(vmx)) {
		free(s);
		return -EADDRINUSE;
	}
	unlink(s->path);   /* stale: nobody answers on it */
	uv_pipe_init(loop, &s->listener, 0);
	s->listener.data = s;
	old = umask(077);
	r = uv_pipe_bind(&s->listener, s->path);
	umask(old);
	if (!r && chmod(s->path, 0600) < 0)
		r = -errno;
	if (!r)
		r = uv_listen((uv_stream_t *)&s->listener, 8, on_connection);
	if (r < 0) {
		s->closing = true;
		uv_close((uv_handle_t *)&s->listener, NULL);
		uv_run(loop, UV_RUN_NOWAIT);
		free(s);
		return r;
	}
	*out = s;
	return 0;
}

static void server_closed(uv_handle_t *h)
{
	free(h->data);
}

void vmctl_server_close(struct vmctl_server *s)
{
	if (!s || s->closing)
		return;
	s->closing = true;
	unlink(s->path);
	/* A client that never finishes its line must not keep the loop, and
	 * so the VM's process, alive. */
	for (struct vmctl_conn *c = s->conns, *next; c; c = next) {
		next = c->next;
		c->srv = NULL;
		conn_close(c);
	}
	s->conns = NULL;
	uv_close((uv_handle_t *)&s->listener, server_closed);
}
