/* vswitchd test client helpers (see vsw_clientlib.h). */
#include "vsw_clientlib.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <netinet/in.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "vsw_core.h"
#include "vsw_proto.h"

int vswc_connect(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int e = -errno;
		close(fd);
		return e;
	}
	return fd;
}

int vswc_send_raw(int fd, const void *buf, size_t len)
{
	const uint8_t *p = buf;
	while (len) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -errno;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int send_msg(int fd, uint32_t word, const void *data, size_t len)
{
	uint8_t buf[4 + 65536];
	if (len > 65535)
		return -EINVAL;
	buf[0] = (uint8_t)(word >> 24);
	buf[1] = (uint8_t)(word >> 16);
	buf[2] = (uint8_t)(word >> 8);
	buf[3] = (uint8_t)word;
	memcpy(buf + 4, data, len);
	return vswc_send_raw(fd, buf, len + 4);
}

int vswc_send(int fd, const void *frame, size_t len)
{
	return send_msg(fd, (uint32_t)len, frame, len);
}

int vswc_send_ctrl(int fd, const char *text)
{
	size_t n = strlen(text);
	return send_msg(fd, VSW_PROTO_CTRL | (uint32_t)n, text, n);
}

static int read_full(int fd, uint8_t *buf, size_t len, int timeout_ms)
{
	size_t got = 0;
	while (got < len) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		int r = poll(&pfd, 1, timeout_ms);
		if (r < 0 && errno == EINTR)
			continue;
		if (r == 0)
			return got ? -1 : 0;
		if (r < 0)
			return -1;
		ssize_t n = read(fd, buf + got, len - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		got += (size_t)n;
	}
	return 1;
}

int vswc_recv(int fd, uint8_t *buf, size_t cap, bool *ctrl, int timeout_ms)
{
	uint8_t h[4];
	int r = read_full(fd, h, 4, timeout_ms);
	if (r <= 0)
		return r;
	uint32_t w = (uint32_t)h[0] << 24 | (uint32_t)h[1] << 16 | (uint32_t)h[2] << 8 | h[3];
	*ctrl = (w & VSW_PROTO_CTRL) != 0;
	uint32_t len = w & VSW_PROTO_LEN_MASK;
	if (len > cap || len == 0)
		return -1;
	if (read_full(fd, buf, len, 2000) != 1)
		return -1;
	return (int)len;
}

int vswc_recv_frame(int fd, uint8_t *buf, size_t cap, int timeout_ms)
{
	for (;;) {
		bool ctrl;
		int n = vswc_recv(fd, buf, cap, &ctrl, timeout_ms);
		if (n <= 0 || !ctrl)
			return n;
	}
}

int vswc_hello(int fd, const char *vm, int nic, const char *mac, const char *pg,
	       char *err, size_t errlen)
{
	char hello[VSW_PROTO_HELLO_MAX];
	snprintf(hello, sizeof(hello),
		 VSW_PROTO_HELLO_MAGIC "vm=%s\nuuid=56 4d 00 00\nnic=%d\nmac=%s\nportgroup=%s\n",
		 vm, nic, mac, pg);
	if (vswc_send_ctrl(fd, hello) < 0)
		return -2;
	uint8_t reply[256];
	bool ctrl;
	int n = vswc_recv(fd, reply, sizeof(reply) - 1, &ctrl, 3000);
	if (n <= 0 || !ctrl)
		return -2;
	reply[n] = '\0';
	if (strncmp((char *)reply, "OK ", 3) == 0)
		return atoi((char *)reply + 3);
	if (err)
		snprintf(err, errlen, "%s", (char *)reply);
	return -1;
}

int vswc_open(const char *path, const char *vm, int nic, const char *mac, const char *pg)
{
	int fd = vswc_connect(path);
	if (fd < 0)
		return fd;
	int r = vswc_hello(fd, vm, nic, mac, pg, NULL, 0);
	if (r < 0) {
		close(fd);
		return -EPROTO;
	}
	return fd;
}

size_t vswc_frame(uint8_t *buf, const char *dst, const char *src, int tag,
		  uint32_t marker, size_t payload)
{
	size_t n = 12;
	if (vsw_mac_parse(dst, buf) < 0 || vsw_mac_parse(src, buf + 6) < 0)
		return 0;
	if (tag >= 0) {
		buf[n++] = 0x81;
		buf[n++] = 0x00;
		buf[n++] = (uint8_t)(tag >> 8);
		buf[n++] = (uint8_t)tag;
	}
	buf[n++] = 0x88;      /* local experimental EtherType 0x88b5 */
	buf[n++] = 0xb5;
	if (payload < 4)
		payload = 4;
	buf[n] = (uint8_t)(marker >> 24);
	buf[n + 1] = (uint8_t)(marker >> 16);
	buf[n + 2] = (uint8_t)(marker >> 8);
	buf[n + 3] = (uint8_t)marker;
	memset(buf + n + 4, 0x5a, payload - 4);
	return n + payload;
}

uint32_t vswc_marker(const uint8_t *f, size_t len)
{
	size_t off = 12;
	if (len >= 18 && f[12] == 0x81 && f[13] == 0x00)
		off = 16;
	if (len < off + 6 || f[off] != 0x88 || f[off + 1] != 0xb5)
		return 0;
	off += 2;
	return (uint32_t)f[off] << 24 | (uint32_t)f[off + 1] << 16 |
	       (uint32_t)f[off + 2] << 8 | f[off + 3];
}

int vswc_free_udp_ports(int n, int *ports)
{
	int fds[16];
	if (n > 16)
		return -EINVAL;
	for (int i = 0; i < n; i++) {
		struct sockaddr_in sa = { .sin_family = AF_INET };
		socklen_t sl = sizeof(sa);
		sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		fds[i] = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		if (fds[i] < 0 || bind(fds[i], (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
		    getsockname(fds[i], (struct sockaddr *)&sa, &sl) < 0)
			return -errno;
		ports[i] = ntohs(sa.sin_port);
	}
	for (int i = 0; i < n; i++)
		close(fds[i]);
	return 0;
}

void vswc_build_path(char *out, size_t size, const char *rel)
{
	const char *top = getenv("top_builddir");
	snprintf(out, size, "%s/%s", top && *top ? top : ".", rel);
}

static int run(char *const argv[], char *out, size_t size)
{
	int pfd[2];
	if (pipe(pfd) < 0)
		return -1;
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		dup2(pfd[1], 1);
		close(pfd[0]);
		close(pfd[1]);
		execv(argv[0], argv);
		_exit(127);
	}
	close(pfd[1]);
	size_t got = 0;
	for (;;) {
		char tmp[4096];
		ssize_t n = read(pfd[0], tmp, sizeof(tmp));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		size_t k = (size_t)n;
		if (out && got + 1 < size) {
			if (k > size - 1 - got)
				k = size - 1 - got;
			memcpy(out + got, tmp, k);
			got += k;
		}
	}
	if (out && size)
		out[got] = '\0';
	close(pfd[0]);
	int st;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

int vswc_ctl(const char *run_dir, char *out, size_t size, ...)
{
	char prog[4096];
	char *argv[24];
	int n = 0;
	va_list ap;

	vswc_build_path(prog, sizeof(prog), "src/net/vswitchctl");
	argv[n++] = prog;
	argv[n++] = (char *)"-d";
	argv[n++] = (char *)run_dir;
	va_start(ap, size);
	for (char *a; n < 23 && (a = va_arg(ap, char *)) != NULL;)
		argv[n++] = a;
	va_end(ap);
	argv[n] = NULL;
	return run(argv, out, size);
}

pid_t vswc_start_daemon(const char *conf, const char *run_dir)
{
	char prog[4096], ctl[256];
	vswc_build_path(prog, sizeof(prog), "src/net/vswitchd");
	snprintf(ctl, sizeof(ctl), "%s/vswitchd.ctl", run_dir);
	unlink(ctl);
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		/* Never outlive the test that started us. */
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		/* The daemon's log (and any sanitizer report) for the test. */
		char log[256];
		snprintf(log, sizeof(log), "%s/daemon.err", run_dir);
		if (!getenv("VSW_TEST_VERBOSE") && !freopen(log, "w", stderr))
			_exit(126);
		execl(prog, prog, "-f", "-c", conf, "-d", run_dir, (char *)NULL);
		_exit(127);
	}
	for (int i = 0; i < 300; i++) {
		int st;
		if (waitpid(pid, &st, WNOHANG) == pid)
			return -1;
		int fd = vswc_connect(ctl);
		if (fd >= 0) {
			close(fd);
			return pid;
		}
		struct timespec ts = { 0, 10 * 1000 * 1000 };
		nanosleep(&ts, NULL);
	}
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	return -1;
}

int vswc_stop_daemon(pid_t pid)
{
	int st;
	if (pid <= 0)
		return 0;
	kill(pid, SIGTERM);
	for (int i = 0; i < 500; i++) {
		if (waitpid(pid, &st, WNOHANG) == pid)
			return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
		struct timespec ts = { 0, 10 * 1000 * 1000 };
		nanosleep(&ts, NULL);
	}
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	return 128 + SIGKILL;
}
