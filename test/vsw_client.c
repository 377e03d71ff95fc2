/* vsw_client: a command-line vswitchd test client.
 *
 *   vsw_client wait-dhcp SOCKET PORTGROUP MAC FROM-MAC SECONDS
 *       join PORTGROUP as MAC and wait for a DHCP request (UDP to port 67)
 *       sent by FROM-MAC, then send one frame to FROM-MAC; exit 0 when
 *       that worked, 1 on timeout.
 *   vsw_client blast SOCKET PORTGROUP MAC DST-MAC SIZE SECONDS
 *       send SIZE-byte frames to DST-MAC as fast as possible, many frames
 *       per write, for SECONDS; print frames sent.
 *   vsw_client sink SOCKET PORTGROUP MAC SECONDS
 *       receive with large reads; after the first frame, count for
 *       SECONDS and print "frames bytes seconds". */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "vsw_clientlib.h"
#include "vsw_core.h"
#include "vsw_proto.h"

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int join(const char *sock, const char *pg, const char *mac)
{
	int fd = vswc_open(sock, "vsw_client", 0, mac, pg);
	if (fd < 0)
		fprintf(stderr, "vsw_client: cannot join %s on %s\n", pg, sock);
	return fd;
}

static bool is_dhcp_request(const uint8_t *f, int n, const uint8_t from[6])
{
	if (n < 14 + 20 + 8 || memcmp(f + 6, from, 6) != 0)
		return false;
	if (f[12] != 0x08 || f[13] != 0x00)          /* IPv4 */
		return false;
	const uint8_t *ip = f + 14;
	size_t ihl = (size_t)(ip[0] & 0x0f) * 4;
	if ((ip[0] >> 4) != 4 || ihl < 20 || ip[9] != 17 || (size_t)n < 14 + ihl + 8)
		return false;
	const uint8_t *udp = ip + ihl;
	return udp[2] == 0 && udp[3] == 67;          /* to the BOOTP server port */
}

static int wait_dhcp(char **a)
{
	uint8_t from[6];
	if (vsw_mac_parse(a[3], from) < 0)
		return 2;
	int fd = join(a[0], a[1], a[2]);
	if (fd < 0)
		return 1;
	double end = now_s() + atof(a[4]);
	while (now_s() < end) {
		uint8_t f[2048];
		int n = vswc_recv_frame(fd, f, sizeof(f), 500);
		if (n < 0)
			return 1;
		if (n > 0 && is_dhcp_request(f, n, from)) {
			printf("DHCP request from %s, %d bytes\n", a[3], n);
			/* And one frame back toward the guest. */
			size_t len = vswc_frame(f, a[3], a[2], -1, 1, 46);
			return vswc_send(fd, f, len) == 0 ? 0 : 1;
		}
	}
	fprintf(stderr, "vsw_client: no DHCP request from %s\n", a[3]);
	return 1;
}

static int blast(char **a)
{
	int fd = join(a[0], a[1], a[2]);
	int size = atoi(a[4]);
	if (fd < 0 || size < 60 || size > (int)VSW_PROTO_FRAME_MAX)
		return 1;
	/* One buffer of many framed messages, written whole. */
	enum { BATCH = 512 };
	size_t msg = 4 + (size_t)size;
	uint8_t *buf = malloc(msg * BATCH);
	if (!buf)
		return 1;
	for (int i = 0; i < BATCH; i++) {
		uint8_t *m = buf + (size_t)i * msg;
		m[0] = 0;
		m[1] = 0;
		m[2] = (uint8_t)(size >> 8);
		m[3] = (uint8_t)size;
		vswc_frame(m + 4, a[3], a[2], -1, (uint32_t)i + 1, (size_t)size - 14);
	}
	double end = now_s() + atof(a[5]);
	unsigned long long frames = 0;
	while (now_s() < end) {
		if (vswc_send_raw(fd, buf, msg * BATCH) < 0)
			break;
		frames += BATCH;
	}
	printf("%llu\n", frames);
	free(buf);
	close(fd);
	return 0;
}

static int sink(char **a)
{
	int fd = join(a[0], a[1], a[2]);
	if (fd < 0)
		return 1;
	size_t cap = 1 << 20, have = 0;
	uint8_t *buf = malloc(cap);
	if (!buf)
		return 1;
	double secs = atof(a[3]), t0 = 0, end = 0;
	unsigned long long frames = 0, bytes = 0;
	for (;;) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		if (poll(&pfd, 1, 3000) <= 0)
			break;
		ssize_t n = read(fd, buf + have, cap - have);
		if (n <= 0)
			break;
		have += (size_t)n;
		size_t pos = 0;
		while (have - pos >= 4) {
			uint32_t w = (uint32_t)buf[pos] << 24 | (uint32_t)buf[pos + 1] << 16 |
				     (uint32_t)buf[pos + 2] << 8 | buf[pos + 3];
			size_t len = w & VSW_PROTO_LEN_MASK;
			if (have - pos - 4 < len)
				break;
			if (!(w & VSW_PROTO_CTRL) && t0 > 0) {
				frames++;
				bytes += len;
			}
			pos += 4 + len;
		}
		memmove(buf, buf + pos, have - pos);
		have -= pos;
		double t = now_s();
		if (t0 == 0) {
			t0 = t;
			end = t0 + secs;
		} else if (t >= end) {
			printf("%llu %llu %.3f\n", frames, bytes, t - t0);
			free(buf);
			return 0;
		}
	}
	printf("%llu %llu %.3f\n", frames, bytes, t0 > 0 ? now_s() - t0 : 0.0);
	free(buf);
	return frames ? 0 : 1;
}

int main(int argc, char **argv)
{
	if (argc == 7 && !strcmp(argv[1], "wait-dhcp"))
		return wait_dhcp(argv + 2);
	if (argc == 8 && !strcmp(argv[1], "blast"))
		return blast(argv + 2);
	if (argc == 6 && !strcmp(argv[1], "sink"))
		return sink(argv + 2);
	fprintf(stderr,
		"usage: vsw_client wait-dhcp SOCKET PORTGROUP MAC FROM-MAC SECONDS\n"
		"       vsw_client blast SOCKET PORTGROUP MAC DST-MAC SIZE SECONDS\n"
		"       vsw_client sink SOCKET PORTGROUP MAC SECONDS\n");
	return 2;
}
