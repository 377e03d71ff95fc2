/* libFuzzer target: the NIC back end's receive side.  A fake vswitchd
 * accepts the NIC's connection, answers the hello with "OK 1", sends the
 * fuzz input as the byte stream that follows and hangs up; the NIC's I/O
 * thread parses it (frames, control messages, broken framing) and the test
 * drains what it queued.  Policy flags come from the first input byte. */
#include "config.h"
#include "net/nic_backend.h"
#include "net/vsw_proto.h"

#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char path[108];
static int lfd = -1;

static void remove_socket(void)
{
	unlink(path);
}

static int rx(void *o, const void *f, size_t len)
{
	volatile uint8_t sink = 0;

	(void)o;
	for (size_t i = 0; i < len; i++)
		sink ^= ((const uint8_t *)f)[i];
	(void)sink;
	return 0;
}

/* False when the peer is gone: a stale reconnect of an earlier NIC. */
static bool read_hello(int fd)
{
	uint8_t buf[4 + VSW_PROTO_HELLO_MAX];
	size_t got = 0, want = 4;

	while (got < want) {
		ssize_t n = recv(fd, buf + got, want - got, 0);
		if (n <= 0)
			return false;
		got += (size_t)n;
		if (got == 4)
			want = 4 + ((size_t)buf[2] << 8 | buf[3]);
		if (want > sizeof(buf))
			abort();
	}
	return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t mac[6] = { 0x00, 0x50, 0x56, 0x00, 0x00, 0x01 };
	static const uint8_t ok[9] = { 0x80, 0, 0, 5, 'O', 'K', ' ', '1', '\n' };
	struct nicbe_config c = { .portgroup = "pg", .vm_name = "fuzz", .backoff_min_ms = 1000,
				  .backoff_max_ms = 1000 };
	struct nicbe_callbacks cb = { rx, NULL, NULL, NULL };
	struct timespec ms = { 0, 200000 };
	struct nicbe_stats st;
	struct nicbe *be;
	int fd;

	if (lfd < 0) {
		struct sockaddr_un sa = { .sun_family = AF_UNIX };
		snprintf(path, sizeof(path), "/tmp/fuzz_nicbe_%d.sock", (int)getpid());
		unlink(path);
		strcpy(sa.sun_path, path);
		lfd = socket(AF_UNIX, SOCK_STREAM, 0);
		if (lfd < 0 || bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) || listen(lfd, 4))
			abort();
		atexit(remove_socket);
	}
	c.socket_path = path;
	memcpy(c.mac, mac, 6);
	if (size) {
		c.no_promisc = data[0] & 1;
		c.down_when_addr_mismatch = data[0] & 2;
		c.no_forged_src = data[0] & 4;
		data++;
		size--;
	}
	if (nicbe_create(&c, &cb, &be))
		abort();
	for (;;) {
		fd = accept(lfd, NULL, NULL);
		if (fd < 0)
			abort();
		if (read_hello(fd))
			break;
		close(fd);
	}
	if (send(fd, ok, sizeof(ok), MSG_NOSIGNAL) != sizeof(ok))
		abort();
	/* The NIC may hang up halfway (broken framing): stop sending then. */
	for (size_t off = 0; off < size;) {
		ssize_t n = send(fd, data + off, size - off, MSG_NOSIGNAL);
		if (n <= 0)
			break;
		off += (size_t)n;
	}
	close(fd);
	/* EOF or an error ends every session: wait for the NIC to see it. */
	for (int i = 0; i < 5000; i++) {
		nicbe_poll(be);
		nicbe_get_stats(be, &st);
		if (st.connects && !nicbe_link_up(be))
			break;
		nanosleep(&ms, NULL);
	}
	nicbe_poll(be);
	nicbe_destroy(be);
	return 0;
}
