/* Integration tests of vswitchd: a real daemon, test clients speaking the
 * NIC protocol, vswitchctl.  Policies, VLAN rules, isolation between
 * vswitches, robustness against hostile peers, shaping, reload, the
 * control socket and its audit log, VXLAN between two daemons, failover.
 *
 * "Not delivered" is checked without sleeping where possible: the sender
 * follows the frame under test with a broadcast marker, and since one
 * ingress port's frames reach an egress port in order, the receiver's next
 * frame must be that marker. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include "check_run.h"
#include "vsw_clientlib.h"
#include "vsw_core.h"

#define BCAST "ff:ff:ff:ff:ff:ff"

static char dir[64];
static char conf[128];
static pid_t daemon_pid;

static const char base_conf[] =
	"# test configuration\n"
	"[global]\nhelloTimeout = 1000\n"
	"[vswitch sw0]\n"
	"[vswitch sw1]\n"
	"[portgroup pg10]\nvswitch = sw0\nvlan = 10\n"
	"[portgroup pg20]\nvswitch = sw0\nvlan = 20\n"
	"[portgroup pg0]\nvswitch = sw0\nvlan = 0\n"
	"[portgroup trunk]\nvswitch = sw0\nvlan = 4095\n"
	"[portgroup promisc]\nvswitch = sw0\nvlan = 10\nallowPromiscuous = true\n"
	"[portgroup forged]\nvswitch = sw0\nvlan = 10\nforgedTransmits = accept\n"
	"[portgroup macch]\nvswitch = sw0\nvlan = 10\nmacChanges = accept\n"
	"[portgroup iso]\nvswitch = sw1\nvlan = 10\n"
	"[portgroup shaped]\nvswitch = sw0\nvlan = 30\n"
	"averageBandwidth = 16000\npeakBandwidth = 32000\nburstSize = 64\n";

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	ck_assert_int_eq(fclose(f), 0);
}

static void setup_with(const char *text)
{
	strcpy(dir, "/tmp/vswtest.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(conf, sizeof(conf), "%s/vswitchd.conf", dir);
	write_file(conf, text);
	daemon_pid = vswc_start_daemon(conf, dir);
	ck_assert_int_gt(daemon_pid, 0);
}

static void setup(void)
{
	setup_with(base_conf);
}

/* Stop a daemon; a non-zero exit (sanitizer report, crash) fails the test
 * after its log is shown. */
static void stop_checked(pid_t pid, const char *d)
{
	int st = vswc_stop_daemon(pid);
	if (st != 0) {
		char cmd[160];
		snprintf(cmd, sizeof(cmd), "cat %s/daemon.err >&2", d);
		if (system(cmd) != 0)
			fprintf(stderr, "no daemon log\n");
	}
	ck_assert_msg(st == 0, "vswitchd exited with status %d", st);
}

static void teardown(void)
{
	char cmd[128];
	stop_checked(daemon_pid, dir);
	daemon_pid = 0;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
}

static const char *mac(int n)
{
	static char buf[8][18];
	static int k;
	char *s = buf[k++ % 8];
	snprintf(s, 18, "00:50:56:00:00:%02x", n);
	return s;
}

static int sock_of(const char *d, const char *pg, char *path, size_t size)
{
	return snprintf(path, size, "%s/%s.sock", d, pg);
}

/* A VM port on port group pg with MAC mac(n). */
static int port_in(const char *d, const char *pg, int n)
{
	char path[128], vm[16];
	sock_of(d, pg, path, sizeof(path));
	snprintf(vm, sizeof(vm), "vm%d", n);
	int fd = vswc_open(path, vm, 0, mac(n), pg);
	ck_assert_msg(fd >= 0, "cannot connect to %s: %d", pg, fd);
	return fd;
}

static int port(const char *pg, int n)
{
	return port_in(dir, pg, n);
}

static void send_frame(int fd, const char *dst, int src, int tag, uint32_t marker)
{
	uint8_t f[1600];
	size_t len = vswc_frame(f, dst, mac(src), tag, marker, 46);
	ck_assert_int_eq(vswc_send(fd, f, len), 0);
}

/* The next frame on fd; returns its marker, 0 on timeout. */
static uint32_t next_marker(int fd, int timeout_ms, uint8_t *copy, int *len)
{
	uint8_t f[2048];
	int n = vswc_recv_frame(fd, f, sizeof(f), timeout_ms);
	if (n <= 0)
		return 0;
	if (copy)
		memcpy(copy, f, (size_t)n);
	if (len)
		*len = n;
	return vswc_marker(f, (size_t)n);
}

static void expect(int fd, uint32_t marker)
{
	uint32_t got = next_marker(fd, 2000, NULL, NULL);
	ck_assert_msg(got == marker, "expected marker %u, got %u", marker, got);
}

static void expect_nothing(int fd)
{
	uint32_t got = next_marker(fd, 150, NULL, NULL);
	ck_assert_msg(got == 0, "expected no frame, got marker %u", got);
}

static int ctl(char *out, size_t size, const char *a, const char *b, const char *c,
	       const char *d, const char *e)
{
	return vswc_ctl(dir, out, size, a, b, c, d, e, (char *)NULL);
}

START_TEST(t_hello)
{
	char path[128], err[128];
	sock_of(dir, "pg10", path, sizeof(path));

	int a = vswc_connect(path);
	ck_assert_int_ge(a, 0);
	ck_assert_int_ge(vswc_hello(a, "vmA", 0, mac(1), "pg10", NULL, 0), 0);

	/* Port group name must match the socket. */
	int b = vswc_connect(path);
	ck_assert_int_eq(vswc_hello(b, "vmB", 0, mac(2), "pg20", err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "portgroup"));
	close(b);
	/* A group address is not a NIC's MAC. */
	b = vswc_connect(path);
	ck_assert_int_eq(vswc_hello(b, "vmB", 0, "01:00:5e:00:00:01", "pg10", err, sizeof(err)), -1);
	uint8_t buf[64];
	bool ctrl;
	ck_assert_int_eq(vswc_recv(b, buf, sizeof(buf), &ctrl, 2000), -1);   /* closed */
	close(b);
	/* Duplicate MAC on one vswitch refused; on another vswitch fine. */
	b = vswc_connect(path);
	ck_assert_int_eq(vswc_hello(b, "vmC", 1, mac(1), "pg10", err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "mac in use"));
	close(b);
	int c = port("iso", 1);
	close(c);
	close(a);
}
END_TEST

START_TEST(t_unicast_promisc)
{
	int a = port("pg10", 1), b = port("pg10", 2), c = port("pg10", 3);
	int p = port("promisc", 4);
	send_frame(a, mac(2), 1, -1, 100);
	send_frame(a, BCAST, 1, -1, 101);
	expect(b, 100);
	expect(b, 101);
	expect(c, 101);              /* not 100: promiscuous mode rejected */
	expect(p, 100);              /* promiscuous port sees it */
	expect(p, 101);
	/* Unknown unicast is not flooded (no uplink: dropped). */
	send_frame(a, mac(0x77), 1, -1, 102);
	send_frame(a, BCAST, 1, -1, 103);
	expect(b, 103);
	expect(p, 102);
	close(a);
	close(b);
	close(c);
	close(p);
}
END_TEST

START_TEST(t_vlan_broadcast_isolation)
{
	int a = port("pg10", 1), b = port("pg10", 2), d = port("pg20", 3);
	int e = port("pg0", 4), t = port("trunk", 5), i = port("iso", 6);
	uint8_t f[2048];
	int len;

	send_frame(a, BCAST, 1, -1, 200);
	expect(b, 200);
	ck_assert_uint_eq(next_marker(t, 2000, f, &len), 200);
	/* Toward a VGT port the frame carries its VLAN as an 802.1Q tag. */
	ck_assert_int_eq(f[12], 0x81);
	ck_assert_int_eq(f[13], 0x00);
	ck_assert_int_eq((f[14] << 8 | f[15]) & 0xfff, 10);
	ck_assert_int_eq(len, 12 + 4 + 2 + 46);
	expect_nothing(d);           /* other VLAN */
	expect_nothing(e);           /* untagged port group */
	expect_nothing(i);           /* other vswitch, same VLAN ID */
	/* And from the other vswitch nothing reaches sw0. */
	send_frame(i, BCAST, 6, -1, 201);
	expect_nothing(a);
	close(a);
	close(b);
	close(d);
	close(e);
	close(t);
	close(i);
}
END_TEST

START_TEST(t_vst_vgt)
{
	int a = port("pg10", 1), b = port("pg10", 2), d = port("pg20", 3);
	int e = port("pg0", 4), t = port("trunk", 5);
	uint8_t f[2048];
	int len;

	/* VST: a frame that arrives tagged is dropped, even with its own VID. */
	send_frame(a, BCAST, 1, 10, 300);
	send_frame(a, BCAST, 1, -1, 301);
	expect(b, 301);
	/* VGT: the trunk's tag selects the VLAN, and VST ports get it untagged. */
	send_frame(t, BCAST, 5, 20, 302);
	send_frame(t, BCAST, 5, 10, 303);
	ck_assert_uint_eq(next_marker(d, 2000, f, &len), 302);
	ck_assert_int_eq(f[12], 0x88);
	ck_assert_int_eq(len, 12 + 2 + 46);
	expect(a, 303);              /* not 302 */
	/* VID 4095 from a guest is dropped; untagged from a trunk is VLAN 0. */
	send_frame(t, BCAST, 5, 4095, 304);
	send_frame(t, BCAST, 5, -1, 305);
	send_frame(t, BCAST, 5, 20, 306);
	expect(e, 305);
	expect(d, 306);              /* not 304 */
	/* A priority tag (VID 0) is untagged traffic. */
	send_frame(t, BCAST, 5, 0, 307);
	expect(e, 307);
	/* VLAN 0 port to trunk: untagged. */
	expect(t, 301);
	send_frame(e, BCAST, 4, -1, 308);
	ck_assert_uint_eq(next_marker(t, 2000, f, &len), 308);
	ck_assert_int_eq(f[12], 0x88);
	close(a);
	close(b);
	close(d);
	close(e);
	close(t);
}
END_TEST

START_TEST(t_forged)
{
	int a = port("pg10", 1), b = port("pg10", 2), fg = port("forged", 3);
	send_frame(a, BCAST, 9, -1, 400);    /* source MAC not a's */
	send_frame(a, BCAST, 1, -1, 401);
	expect(b, 401);
	send_frame(fg, BCAST, 9, -1, 402);   /* allowed on this port group */
	expect(b, 402);
	char out[8192];
	ck_assert_int_eq(ctl(out, sizeof(out), "show", "ports", NULL, NULL, NULL), 0);
	char *line = strstr(out, "vm=\"vm1\"");
	ck_assert_ptr_nonnull(line);
	char *eol = strchr(line, '\n');
	*eol = '\0';
	ck_assert_ptr_nonnull(strstr(line, "forged-transmit=1 "));
	close(a);
	close(b);
	close(fg);
}
END_TEST

/* Wait until vswitchctl shows the port of vm<n> with guest-mac g. */
static void wait_guest_mac(int n, const char *g)
{
	char out[16384], want[64], vm[32];
	snprintf(vm, sizeof(vm), "vm=\"vm%d\"", n);
	snprintf(want, sizeof(want), "guest-mac=%s", g);
	for (int i = 0; i < 200; i++) {
		ck_assert_int_eq(ctl(out, sizeof(out), "show", "ports", NULL, NULL, NULL), 0);
		char *line = strstr(out, vm);
		if (line) {
			char *eol = strchr(line, '\n');
			if (eol)
				*eol = '\0';
			if (strstr(line, want))
				return;
		}
		usleep(10000);
	}
	ck_abort_msg("guest MAC %s never showed", g);
}

START_TEST(t_mac_changes)
{
	int a = port("pg10", 1), b = port("pg10", 2), m = port("macch", 3);
	int c = port("pg10", 4);
	char text[64];

	snprintf(text, sizeof(text), "MAC %s\n", mac(0x99));
	ck_assert_int_eq(vswc_send_ctrl(b, text), 0);
	ck_assert_int_eq(vswc_send_ctrl(m, text), 0);
	wait_guest_mac(2, mac(0x99));
	wait_guest_mac(3, mac(0x99));
	send_frame(a, mac(2), 1, -1, 500);
	send_frame(a, BCAST, 1, -1, 501);
	expect(c, 501);
	expect_nothing(b);           /* MAC changed: dropped until it changes back */
	expect(m, 501);              /* macChanges accept */
	snprintf(text, sizeof(text), "MAC %s\n", mac(2));
	ck_assert_int_eq(vswc_send_ctrl(b, text), 0);
	wait_guest_mac(2, mac(2));
	send_frame(a, mac(2), 1, -1, 502);
	expect(b, 502);
	close(a);
	close(b);
	close(c);
	close(m);
}
END_TEST

START_TEST(t_link_ctrl)
{
	int a = port("pg10", 1), b = port("pg10", 2), c = port("pg10", 3);
	char out[8192];

	/* The guest takes its link down: it neither receives nor sends. */
	ck_assert_int_eq(vswc_send_ctrl(b, "LINK down\n"), 0);
	for (int i = 0; i < 200; i++) {
		ck_assert_int_eq(ctl(out, sizeof(out), "show", "ports", NULL, NULL, NULL), 0);
		char *l = strstr(out, "vm=\"vm2\"");
		ck_assert_ptr_nonnull(l);
		*strchr(l, '\n') = '\0';
		if (strstr(l, "link=down"))
			break;
		usleep(10000);
	}
	send_frame(a, BCAST, 1, -1, 1400);
	send_frame(b, BCAST, 2, -1, 1401);
	expect(c, 1400);
	expect_nothing(b);
	expect_nothing(c);                          /* 1401 was dropped */
	/* Unknown control messages are counted and ignored. */
	ck_assert_int_eq(vswc_send_ctrl(b, "FROBNICATE 1\n"), 0);
	ck_assert_int_eq(vswc_send_ctrl(b, "LINK up\n"), 0);
	send_frame(b, BCAST, 2, -1, 1402);
	expect(c, 1402);
	send_frame(a, BCAST, 1, -1, 1403);
	expect(b, 1403);
	ck_assert_int_eq(ctl(out, sizeof(out), "show", "ports", NULL, NULL, NULL), 0);
	char *l = strstr(out, "vm=\"vm2\"");
	ck_assert_ptr_nonnull(l);
	*strchr(l, '\n') = '\0';
	ck_assert_ptr_nonnull(strstr(l, "link=up"));
	ck_assert_ptr_nonnull(strstr(l, "port-down=1 "));
	ck_assert_ptr_nonnull(strstr(l, "bad-ctrl=1"));
	close(a);
	close(b);
	close(c);
}
END_TEST

START_TEST(t_runt_oversize)
{
	int a = port("pg10", 1), b = port("pg10", 2);
	uint8_t f[2000];
	memset(f, 0xff, sizeof(f));
	ck_assert_int_eq(vswc_send(a, f, 10), 0);
	ck_assert_int_eq(vswc_send(a, f, 0), 0);
	ck_assert_int_eq(vswc_send(a, f, 1600), 0);
	send_frame(a, BCAST, 1, -1, 600);
	expect(b, 600);              /* the port survived; bad frames dropped */
	/* A too-large frame on the shaped path (VLAN tag insert) is covered by
	 * the core tests; here the counters. */
	char out[8192];
	ck_assert_int_eq(ctl(out, sizeof(out), "show", "ports", NULL, NULL, NULL), 0);
	char *line = strstr(out, "vm=\"vm1\"");
	ck_assert_ptr_nonnull(line);
	*strchr(line, '\n') = '\0';
	ck_assert_ptr_nonnull(strstr(line, " runt=2 "));
	ck_assert_ptr_nonnull(strstr(line, " oversize=1 "));
	ck_assert_ptr_nonnull(strstr(line, " rx-frames=4 "));
	close(a);
	close(b);
}
END_TEST

/* The daemon closes fd soon (reads EOF). */
static void expect_closed(int fd)
{
	uint8_t buf[4096];
	for (int i = 0; i < 100; i++) {
		bool ctrl;
		int n = vswc_recv(fd, buf, sizeof(buf), &ctrl, 2000);
		if (n < 0)
			return;
		ck_assert_msg(n > 0, "daemon did not close the connection");
	}
	ck_abort_msg("connection stays open");
}

START_TEST(t_garbage)
{
	char path[128];
	uint8_t junk[8192];
	sock_of(dir, "pg10", path, sizeof(path));
	srand(1234);
	for (size_t i = 0; i < sizeof(junk); i++)
		junk[i] = (uint8_t)rand();

	int fd = vswc_connect(path);                 /* random bytes */
	vswc_send_raw(fd, junk, sizeof(junk));
	expect_closed(fd);
	close(fd);
	fd = vswc_connect(path);                     /* huge length word */
	vswc_send_raw(fd, "\x7f\xff\xff\xff", 4);
	expect_closed(fd);
	close(fd);
	fd = vswc_connect(path);                     /* frame before the hello */
	send_frame(fd, BCAST, 1, -1, 1);
	expect_closed(fd);
	close(fd);
	fd = vswc_connect(path);                     /* oversized control message */
	vswc_send_raw(fd, "\x80\x00\xea\x60", 4);
	expect_closed(fd);
	close(fd);
	fd = vswc_connect(path);                     /* garbage hello */
	vswc_send_ctrl(fd, "HOSTVM-HELLO 1\nmac=zz:zz\nnic=x\n");
	expect_closed(fd);
	close(fd);
	fd = vswc_connect(path);                     /* not a hello at all */
	vswc_send_ctrl(fd, "GET / HTTP/1.0\r\n\r\n");
	expect_closed(fd);
	close(fd);
	fd = vswc_connect(path);                     /* silent peer: hello timeout */
	expect_closed(fd);
	close(fd);
	fd = vswc_connect(path);                     /* half a hello, then silence */
	vswc_send_raw(fd, "\x80\x00\x00\x40HOSTVM", 10);
	expect_closed(fd);
	close(fd);
	fd = vswc_connect(path);                     /* connect and vanish */
	close(fd);
	fd = vswc_connect(path);                     /* half a length word, then EOF */
	vswc_send_raw(fd, "\x00\x00", 2);
	shutdown(fd, SHUT_WR);
	expect_closed(fd);
	close(fd);
	fd = port("pg10", 7);                        /* half-open after hello */
	send_frame(fd, BCAST, 7, -1, 2);
	shutdown(fd, SHUT_WR);
	expect_closed(fd);
	close(fd);
	fd = port("pg10", 8);                        /* broken framing after hello */
	vswc_send_raw(fd, "\x00\xff\xff\xff", 4);
	expect_closed(fd);
	close(fd);
	/* Random message streams after a valid hello. */
	for (int k = 0; k < 40; k++) {
		fd = port("pg10", 0x20 + k);
		size_t n = (size_t)(rand() % (int)sizeof(junk));
		for (size_t i = 0; i < n; i++)
			junk[i] = (uint8_t)rand();
		vswc_send_raw(fd, junk, n);
		close(fd);
	}
	/* Still switching, and the garbage was counted. */
	int a = port("pg10", 1), b = port("pg10", 2);
	send_frame(a, BCAST, 1, -1, 700);
	expect(b, 700);
	char out[4096];
	ck_assert_int_eq(ctl(out, sizeof(out), "show", "stats", NULL, NULL, NULL), 0);
	unsigned long long bh = 0, bf = 0;
	ck_assert_int_eq(sscanf(out, "bad-hellos=%llu bad-framing=%llu", &bh, &bf), 2);
	ck_assert_uint_ge(bh, 8);
	ck_assert_uint_ge(bf, 1);
	ck_assert_int_eq(kill(daemon_pid, 0), 0);
	/* 44 accepted hellos, but peers cannot flood the log. */
	char cmd[256];
	snprintf(cmd, sizeof(cmd), "test $(grep -c 'port sw0/' %s/daemon.err) -le 22", dir);
	ck_assert_int_eq(system(cmd), 0);
	close(a);
	close(b);
}
END_TEST

/* A peer that closes while frames for it are still unread (the kernel then
 * flags the daemon's socket with an error) still has its last frame
 * switched. */
START_TEST(t_close_unread)
{
	uint8_t f[128];
	for (int k = 0; k < 5; k++) {
		int a = port("pg10", 1), b = port("pg10", 2);
		size_t len = vswc_frame(f, BCAST, mac(2), -1, 1, 46);
		for (int i = 0; i < 3000; i++)
			ck_assert_int_eq(vswc_send(b, f, len), 0);
		usleep(20000);
		send_frame(a, mac(2), 1, -1, 1500 + (uint32_t)k);
		close(a);
		expect(b, 1500 + (uint32_t)k);
		close(b);
	}
}
END_TEST

/* Well-framed but random traffic from several VM ports at once: random
 * lengths (runts to oversize), random tags and addresses, random control
 * messages (MAC changes included).  The daemon must keep switching. */
START_TEST(t_random_streams)
{
	static const char *const pgs[] = { "pg10", "pg20", "pg0", "trunk", "promisc", "forged", "macch" };
	int fds[7];
	uint8_t f[2000];
	srand(4321);
	for (int i = 0; i < 7; i++)
		fds[i] = port(pgs[i], 0x40 + i);
	for (int round = 0; round < 1500; round++) {
		int i = rand() % 7;
		int kind = rand() % 10;
		if (kind == 0) {
			char text[64];
			if (rand() % 2)
				snprintf(text, sizeof(text), "MAC 00:50:56:00:00:%02x\n", rand() % 256);
			else
				snprintf(text, sizeof(text), "%s\n", rand() % 2 ? "LINK up" : "LINK %%");
			vswc_send_ctrl(fds[i], text);
			continue;
		}
		size_t len = (size_t)(rand() % 1600);
		for (size_t k = 0; k < len; k++)
			f[k] = (uint8_t)rand();
		if (len >= 14 && rand() % 2) {
			/* Plausible headers: our MACs, broadcast, maybe a tag. */
			const char *dst = rand() % 3 ? mac(0x40 + rand() % 7) : BCAST;
			vsw_mac_parse(dst, f);
			vsw_mac_parse(mac(rand() % 4 ? 0x40 + i : rand() % 256), f + 6);
			if (rand() % 3 == 0) {
				f[12] = 0x81;
				f[13] = 0x00;
				f[14] = (uint8_t)(rand() % 16);
				f[15] = (uint8_t)rand();
			}
		}
		vswc_send(fds[i], f, len);
		if (round % 100 == 0)
			for (int k = 0; k < 7; k++)
				while (vswc_recv_frame(fds[k], f, sizeof(f), 0) > 0)
					;
	}
	for (int i = 0; i < 7; i++)
		close(fds[i]);
	int a = port("pg10", 1), b = port("pg10", 2);
	send_frame(a, BCAST, 1, -1, 1600);
	expect(b, 1600);
	close(a);
	close(b);
}
END_TEST

START_TEST(t_slow_receiver)
{
	int a = port("pg10", 1), b = port("pg10", 2), c = port("pg10", 3);
	uint8_t f[1600];
	size_t len = vswc_frame(f, BCAST, mac(1), -1, 1, 1000);
	/* b never reads: its queue fills and drops; a and c go on. */
	for (int i = 0; i < 4000; i++) {
		ck_assert_int_eq(vswc_send(a, f, len), 0);
		if (i % 64 == 0) {
			uint8_t tmp[2048];
			while (vswc_recv_frame(c, tmp, sizeof(tmp), 0) > 0)
				;
		}
	}
	send_frame(a, BCAST, 1, -1, 800);
	bool found = false;
	for (int i = 0; i < 5000 && !found; i++) {
		uint32_t m = next_marker(c, 2000, NULL, NULL);
		ck_assert_uint_ne(m, 0);
		found = m == 800;
	}
	ck_assert(found);
	char out[8192];
	ck_assert_int_eq(ctl(out, sizeof(out), "show", "ports", NULL, NULL, NULL), 0);
	char *line = strstr(out, "vm=\"vm2\"");
	ck_assert_ptr_nonnull(line);
	*strchr(line, '\n') = '\0';
	unsigned long long qf = 0;
	char *q = strstr(line, "queue-full=");
	ck_assert_ptr_nonnull(q);
	ck_assert_int_eq(sscanf(q, "queue-full=%llu", &qf), 1);
	ck_assert_uint_gt(qf, 1000);
	close(a);
	close(b);
	close(c);
}
END_TEST

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

START_TEST(t_shaping)
{
	int s = port("shaped", 1), r = port("shaped", 2);
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		uint8_t f[1600];
		size_t len = vswc_frame(f, mac(2), mac(1), -1, 1, 1000);
		double end = now_s() + 1.5;
		while (now_s() < end)
			if (vswc_send(s, f, len) < 0)
				break;
		_exit(0);
	}
	/* Measure after the burst bucket has drained. */
	uint8_t f[2048];
	double t0 = 0, t1 = 0;
	uint64_t bytes = 0;
	double start = now_s();
	for (;;) {
		int n = vswc_recv_frame(r, f, sizeof(f), 1000);
		ck_assert_int_gt(n, 0);
		double t = now_s();
		if (t - start < 0.2)
			continue;
		if (t0 == 0) {
			t0 = t;
			continue;
		}
		bytes += (uint64_t)n;
		t1 = t;
		if (t - t0 >= 0.8)
			break;
	}
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	double rate_kbps = (double)bytes * 8 / (t1 - t0) / 1000;
	ck_assert_msg(rate_kbps > 16000 * 0.9 && rate_kbps < 16000 * 1.1,
		      "shaped rate %.0f Kbit/s, configured 16000", rate_kbps);
	close(s);
	close(r);
}
END_TEST

START_TEST(t_ctl)
{
	int a = port("pg10", 1), b = port("pg10", 2), c = port("pg10", 3);
	int d = port("pg20", 4);
	char out[16384];

	send_frame(a, BCAST, 1, -1, 900);
	expect(b, 900);
	ck_assert_int_eq(ctl(out, sizeof(out), "show", NULL, NULL, NULL, NULL), 0);
	ck_assert_ptr_nonnull(strstr(out, "vswitch \"sw0\""));
	ck_assert_ptr_nonnull(strstr(out, "portgroup \"pg10\" vswitch=\"sw0\" vlan=10 promisc=reject"));
	ck_assert_ptr_nonnull(strstr(out, "shaping=16000/32000/64"));
	char *line = strstr(out, "vm=\"vm1\"");
	ck_assert_ptr_nonnull(line);
	*strchr(line, '\n') = '\0';
	ck_assert_ptr_nonnull(strstr(line, "nic=0 mac=00:50:56:00:00:01"));
	ck_assert_ptr_nonnull(strstr(line, "vlan=10"));
	ck_assert_ptr_nonnull(strstr(line, "rx-frames=1 rx-bytes=60"));

	/* Run-time VLAN change moves pg20's port into VLAN 10. */
	ck_assert_int_eq(ctl(out, sizeof(out), "set-vlan", "pg20", "10", NULL, NULL), 0);
	send_frame(a, BCAST, 1, -1, 901);
	expect(d, 901);
	/* Run-time policy change: pg10 promiscuous. */
	ck_assert_int_eq(ctl(out, sizeof(out), "set-policy", "portgroup", "pg10", "promisc", "accept"), 0);
	send_frame(a, mac(2), 1, -1, 902);
	expect(c, 900);
	expect(c, 901);
	expect(c, 902);
	ck_assert_int_eq(ctl(out, sizeof(out), "set-policy", "portgroup", "pg10", "promisc", "inherit"), 0);
	send_frame(a, mac(2), 1, -1, 903);
	send_frame(a, BCAST, 1, -1, 904);
	expect(c, 904);
	/* Vswitch-wide policy reaches port groups that inherit it. */
	ck_assert_int_eq(ctl(out, sizeof(out), "set-policy", "vswitch", "sw0", "forged", "accept"), 0);
	send_frame(a, BCAST, 0x55, -1, 905);
	expect(c, 905);
	ck_assert_int_eq(ctl(out, sizeof(out), "set-shaping", "pg10", "1000", "2000", "10"), 0);
	ck_assert_int_eq(ctl(out, sizeof(out), "show", "portgroups", NULL, NULL, NULL), 0);
	ck_assert_ptr_nonnull(strstr(out, "\"pg10\" vswitch=\"sw0\" vlan=10 promisc=reject mac-changes=reject forged=accept shaping=1000/2000/10"));
	/* Errors: exit status 1, nothing changed. */
	ck_assert_int_eq(ctl(out, sizeof(out), "set-vlan", "pg20", "4096", NULL, NULL), 1);
	ck_assert_int_eq(ctl(out, sizeof(out), "set-vlan", "nosuch", "1", NULL, NULL), 1);
	ck_assert_int_eq(ctl(out, sizeof(out), "frobnicate", NULL, NULL, NULL, NULL), 1);
	ck_assert_int_eq(ctl(out, sizeof(out), "set-vlan", "no \"such\"", "1", NULL, NULL), 1);

	/* Every state-changing command is in the audit log: who, what, when. */
	char path[128], log[8192];
	snprintf(path, sizeof(path), "%s/audit.log", dir);
	FILE *f = fopen(path, "r");
	ck_assert_ptr_nonnull(f);
	size_t n = fread(log, 1, sizeof(log) - 1, f);
	fclose(f);
	log[n] = '\0';
	char who[32];
	snprintf(who, sizeof(who), "uid=%u pid=", (unsigned)getuid());
	ck_assert_ptr_nonnull(strstr(log, who));
	ck_assert_ptr_nonnull(strstr(log, "cmd=\"set-vlan pg20 10\" result=\"OK\""));
	ck_assert_ptr_nonnull(strstr(log, "cmd=\"set-policy portgroup pg10 promisc accept\""));
	ck_assert_ptr_nonnull(strstr(log, "cmd=\"set-shaping pg10 1000 2000 10\""));
	ck_assert_ptr_nonnull(strstr(log, "cmd=\"set-vlan pg20 4096\" result=\"usage"));
	ck_assert_ptr_null(strstr(log, "cmd=\"show"));
	ck_assert_ptr_nonnull(strstr(log, "cmd=\"set-vlan 'no ?such?' 1\" result=\"no such portgroup\""));
	ck_assert_int_eq(log[4], '-');       /* starts with a date: YYYY-MM-DD */
	close(a);
	close(b);
	close(c);
	close(d);
}
END_TEST

START_TEST(t_ctl_perms)
{
	char path[128];
	struct stat st;
	snprintf(path, sizeof(path), "%s/vswitchd.ctl", dir);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0600);
	if (getuid() != 0 || access("/usr/bin/setpriv", X_OK) != 0)
		return;              /* needs root to act as another uid */
	/* Even with the file opened up, SO_PEERCRED refuses other uids. */
	ck_assert_int_eq(chmod(path, 0666), 0);
	ck_assert_int_eq(chmod(dir, 0755), 0);
	char cmd[512], prog[256];
	vswc_build_path(prog, sizeof(prog), "src/net/vswitchctl");
	snprintf(cmd, sizeof(cmd),
		 "setpriv --reuid=65534 --regid=65534 --clear-groups %s -d %s show >/dev/null 2>%s/err",
		 prog, dir, dir);
	int r = system(cmd);
	ck_assert(WIFEXITED(r) && WEXITSTATUS(r) == 1);
	char log[4096], lp[128];
	snprintf(lp, sizeof(lp), "%s/err", dir);
	FILE *f = fopen(lp, "r");
	ck_assert_ptr_nonnull(f);
	size_t n = fread(log, 1, sizeof(log) - 1, f);
	fclose(f);
	log[n] = '\0';
	ck_assert_ptr_nonnull(strstr(log, "permission denied"));
	snprintf(lp, sizeof(lp), "%s/audit.log", dir);
	f = fopen(lp, "r");
	ck_assert_ptr_nonnull(f);
	n = fread(log, 1, sizeof(log) - 1, f);
	fclose(f);
	log[n] = '\0';
	ck_assert_ptr_nonnull(strstr(log, "uid=65534"));
	ck_assert_ptr_nonnull(strstr(log, "refused"));
}
END_TEST

START_TEST(t_reload)
{
	int a = port("pg10", 1), b = port("pg10", 2), d = port("pg20", 3);
	char text[4096], out[8192];

	send_frame(a, BCAST, 1, -1, 1000);
	expect(b, 1000);
	/* A broken file changes nothing and the daemon keeps running. */
	write_file(conf, "[vswitch sw0]\nbogus = 1\n");
	ck_assert_int_eq(kill(daemon_pid, SIGHUP), 0);
	ck_assert_int_eq(ctl(out, sizeof(out), "reload", NULL, NULL, NULL, NULL), 1);
	send_frame(a, BCAST, 1, -1, 1001);
	expect(b, 1001);
	/* pg20 moves to VLAN 21, a new port group joins it, pg0 goes. */
	snprintf(text, sizeof(text), "%s", base_conf);
	char *p = strstr(text, "[portgroup pg20]\nvswitch = sw0\nvlan = 20");
	ck_assert_ptr_nonnull(p);
	p[strlen("[portgroup pg20]\nvswitch = sw0\nvlan = 2")] = '1';   /* vlan = 21 */
	strcat(text, "[portgroup fresh]\nvswitch = sw0\nvlan = 21\n");
	p = strstr(text, "[portgroup pg0]\nvswitch = sw0\nvlan = 0\n");
	memmove(p, p + strlen("[portgroup pg0]\nvswitch = sw0\nvlan = 0\n"),
		strlen(p + strlen("[portgroup pg0]\nvswitch = sw0\nvlan = 0\n")) + 1);
	write_file(conf, text);
	ck_assert_int_eq(kill(daemon_pid, SIGHUP), 0);
	char path[128];
	sock_of(dir, "fresh", path, sizeof(path));
	char old[128];
	sock_of(dir, "pg0", old, sizeof(old));
	for (int i = 0; i < 200 && (access(path, F_OK) != 0 || access(old, F_OK) == 0); i++)
		usleep(10000);
	ck_assert_int_eq(access(path, F_OK), 0);
	ck_assert_int_ne(access(old, F_OK), 0);
	/* Unchanged ports keep working on the same connections. */
	send_frame(a, BCAST, 1, -1, 1002);
	expect(b, 1002);
	/* The changed port group's port stays connected in its new VLAN. */
	int f = port("fresh", 4);
	send_frame(f, BCAST, 4, -1, 1003);
	expect(d, 1003);
	send_frame(d, BCAST, 3, -1, 1004);
	expect(f, 1004);
	ck_assert_int_eq(ctl(out, sizeof(out), "show", "portgroups", NULL, NULL, NULL), 0);
	ck_assert_ptr_nonnull(strstr(out, "portgroup \"pg20\" vswitch=\"sw0\" vlan=21"));
	ck_assert_ptr_null(strstr(out, "\"pg0\""));
	close(a);
	close(b);
	close(d);
	close(f);
}
END_TEST

/* Reload until vswitchctl shows want in the port groups. */
static void reload_until(const char *text, const char *want)
{
	char out[8192];
	write_file(conf, text);
	ck_assert_int_eq(ctl(out, sizeof(out), "reload", NULL, NULL, NULL, NULL), 0);
	ck_assert_int_eq(ctl(out, sizeof(out), "show", "portgroups", NULL, NULL, NULL), 0);
	ck_assert_msg(strstr(out, want) != NULL, "%s", out);
}

static void hello_ok(const char *sockname, const char *pg, int n)
{
	char path[128];
	snprintf(path, sizeof(path), "%s/%s", dir, sockname);
	int fd = vswc_open(path, "vm", 0, mac(n), pg);
	ck_assert_msg(fd >= 0, "%s on %s: %d", pg, sockname, fd);
	close(fd);
}

START_TEST(t_reload_paths)
{
	char text[1024];
	/* Two port groups swap socket paths. */
	snprintf(text, sizeof(text),
		 "[vswitch sw0]\n[portgroup a]\nvswitch = sw0\nsocket = %s/x.sock\n"
		 "[portgroup b]\nvswitch = sw0\nsocket = %s/y.sock\n", dir, dir);
	reload_until(text, "socket=");
	hello_ok("x.sock", "a", 1);
	snprintf(text, sizeof(text),
		 "[vswitch sw0]\n[portgroup a]\nvswitch = sw0\nsocket = %s/y.sock\n"
		 "[portgroup b]\nvswitch = sw0\nsocket = %s/x.sock\n", dir, dir);
	reload_until(text, "\"b\" vswitch=\"sw0\"");
	hello_ok("x.sock", "b", 2);
	hello_ok("y.sock", "a", 3);
	/* A renamed port group takes over the old one's path. */
	snprintf(text, sizeof(text),
		 "[vswitch sw0]\n[portgroup a]\nvswitch = sw0\nsocket = %s/y.sock\n"
		 "[portgroup c]\nvswitch = sw0\nsocket = %s/x.sock\n", dir, dir);
	reload_until(text, "\"c\" vswitch=\"sw0\"");
	hello_ok("x.sock", "c", 4);
	/* A port group moved to another vswitch drops its ports and listens
	 * again. */
	char path[128];
	snprintf(path, sizeof(path), "%s/y.sock", dir);
	int fd = vswc_open(path, "vm", 0, mac(5), "a");
	ck_assert_int_ge(fd, 0);
	snprintf(text, sizeof(text),
		 "[vswitch sw0]\n[vswitch sw1]\n[portgroup a]\nvswitch = sw1\nsocket = %s/y.sock\n"
		 "[portgroup c]\nvswitch = sw0\nsocket = %s/x.sock\n", dir, dir);
	reload_until(text, "\"a\" vswitch=\"sw1\"");
	uint8_t buf[64];
	bool ctrl;
	ck_assert_int_eq(vswc_recv(fd, buf, sizeof(buf), &ctrl, 2000), -1);
	close(fd);
	hello_ok("y.sock", "a", 5);
}
END_TEST

START_TEST(t_socket_perms)
{
	char text[1024], path[128], out[4096];
	struct stat st;
	snprintf(path, sizeof(path), "%s/pg10.sock", dir);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0660);            /* the default */
	/* Mode and group apply on reload to sockets that stay, and the audit
	 * log moves when its path changes. */
	snprintf(text, sizeof(text),
		 "[global]\nsocketMode = 0606\nsocketGroup = 12345\nauditLog = %s/audit2.log\n"
		 "[vswitch sw0]\n[portgroup pg10]\nvswitch = sw0\nvlan = 10\n"
		 "[portgroup pgnew]\nvswitch = sw0\n", dir);
	reload_until(text, "\"pgnew\"");
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0606);
	if (getuid() == 0)
		ck_assert_int_eq(st.st_gid, 12345);
	snprintf(path, sizeof(path), "%s/pgnew.sock", dir);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0606);
	ck_assert_int_eq(ctl(out, sizeof(out), "set-vlan", "pgnew", "7", NULL, NULL), 0);
	snprintf(path, sizeof(path), "%s/audit2.log", dir);
	FILE *f = fopen(path, "r");
	ck_assert_ptr_nonnull(f);
	size_t n = fread(out, 1, sizeof(out) - 1, f);
	fclose(f);
	out[n] = '\0';
	ck_assert_ptr_nonnull(strstr(out, "cmd=\"set-vlan pgnew 7\""));
	/* The control socket stays private whatever socketMode says. */
	snprintf(path, sizeof(path), "%s/vswitchd.ctl", dir);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0600);
}
END_TEST

static int udp_bind(int port)
{
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	return fd;
}

/* Receive one datagram within timeout_ms; returns its length or 0. */
static int udp_recv(int fd, uint8_t *buf, size_t cap, int timeout_ms)
{
	struct timeval tv = { timeout_ms / 1000, (timeout_ms % 1000) * 1000 };
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	ssize_t n = recv(fd, buf, cap, 0);
	return n < 0 ? 0 : (int)n;
}

static void udp_send(int fd, int port, const void *buf, size_t len)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(sendto(fd, buf, len, 0, (struct sockaddr *)&sa, sizeof(sa)), (ssize_t)len);
}

START_TEST(t_vxlan_two_daemons)
{
	int pp[2];
	ck_assert_int_eq(vswc_free_udp_ports(2, pp), 0);
	int p1 = pp[0], p2 = pp[1];
	char text[2048], dir2[64], conf2[128];

	/* Loop 0: IPv4, loop 1: IPv6. */
	const char *ip = _i ? "::1" : "127.0.0.1";
	snprintf(text, sizeof(text),
		 "[vswitch sw0]\nactiveUplinks = vx\n"
		 "[uplink vx]\nvswitch = sw0\ntype = vxlan\nvni = 5001\nlocal = %s\n"
		 "localPort = %d\nremote = %s\nremotePort = %d\n"
		 "[portgroup pg10]\nvswitch = sw0\nvlan = 10\n", ip, p2, ip, p1);
	strcpy(dir2, "/tmp/vswtest2.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir2));
	snprintf(conf2, sizeof(conf2), "%s/vswitchd.conf", dir2);
	write_file(conf2, text);
	pid_t d2 = vswc_start_daemon(conf2, dir2);
	ck_assert_int_gt(d2, 0);
	snprintf(text, sizeof(text),
		 "[vswitch sw0]\n"
		 "[uplink vx]\nvswitch = sw0\ntype = vxlan\nvni = 5001\nlocal = %s\n"
		 "localPort = %d\nremote = %s\nremotePort = %d\n"
		 "[portgroup pg10]\nvswitch = sw0\nvlan = 10\n"
		 "[portgroup pg20]\nvswitch = sw0\nvlan = 20\n", ip, p1, ip, p2);
	write_file(conf, text);
	ck_assert_int_eq(kill(daemon_pid, SIGHUP), 0);
	char out[8192];
	for (int i = 0; i < 200; i++) {
		ctl(out, sizeof(out), "show", "switches", NULL, NULL, NULL);
		if (strstr(out, "active-uplink=vx"))
			break;
		usleep(10000);
	}
	ck_assert_ptr_nonnull(strstr(out, "active-uplink=vx failback=yes team=vx(active)"));

	int a = port("pg10", 1), a20 = port("pg20", 3), x = port_in(dir2, "pg10", 2);
	send_frame(a, BCAST, 1, -1, 1100);
	expect(x, 1100);
	/* Unicast to a MAC the first switch does not know goes to the uplink. */
	send_frame(a, mac(2), 1, -1, 1101);
	expect(x, 1101);
	send_frame(x, mac(1), 2, -1, 1102);
	expect(a, 1102);
	/* VLANs stay apart across the tunnel. */
	send_frame(a20, BCAST, 3, -1, 1103);
	send_frame(a, BCAST, 1, -1, 1104);
	expect(x, 1104);
	close(a);
	close(a20);
	close(x);
	stop_checked(d2, dir2);
	snprintf(text, sizeof(text), "rm -rf %s", dir2);
	ck_assert_int_eq(system(text), 0);
}
END_TEST

static void check_vxlan(const uint8_t *pkt, int n, uint32_t vni, uint32_t marker)
{
	ck_assert_int_ge(n, 8 + 18);
	ck_assert_int_eq(pkt[0], 0x08);                 /* I flag */
	ck_assert_int_eq(pkt[1] | pkt[2] | pkt[3] | pkt[7], 0);
	ck_assert_uint_eq((uint32_t)pkt[4] << 16 | pkt[5] << 8 | pkt[6], vni);
	ck_assert_int_eq(pkt[8 + 12], 0x81);            /* VLAN 10 tagged on the uplink */
	ck_assert_int_eq(pkt[8 + 15], 10);
	ck_assert_uint_eq(vswc_marker(pkt + 8, (size_t)n - 8), marker);
}

START_TEST(t_failover)
{
	int pp[4];
	ck_assert_int_eq(vswc_free_udp_ports(4, pp), 0);
	int local = pp[0], local2 = pp[1], pa = pp[2], pb = pp[3];
	char text[2048], out[8192];
	snprintf(text, sizeof(text),
		 "[vswitch sw0]\nactiveUplinks = u1\nstandbyUplinks = u2\n"
		 "[uplink u1]\nvswitch = sw0\ntype = vxlan\nvni = 77\nlocal = 127.0.0.1\n"
		 "localPort = %d\nremote = 127.0.0.1\nremotePort = %d\n"
		 "[uplink u2]\nvswitch = sw0\ntype = vxlan\nvni = 77\nlocal = 127.0.0.1\n"
		 "localPort = %d\nremote = 127.0.0.1\nremotePort = %d\n"
		 "[portgroup pg10]\nvswitch = sw0\nvlan = 10\n", local, pa, local2, pb);
	write_file(conf, text);
	int ua = udp_bind(pa), ub = udp_bind(pb);
	ck_assert_int_eq(kill(daemon_pid, SIGHUP), 0);
	for (int i = 0; i < 200; i++) {
		ctl(out, sizeof(out), "show", "switches", NULL, NULL, NULL);
		if (strstr(out, "active-uplink=u1"))
			break;
		usleep(10000);
	}
	ck_assert_ptr_nonnull(strstr(out, "team=u1(active),u2(standby)"));
	int a = port("pg10", 1);
	uint8_t pkt[2048];
	int n;

	send_frame(a, BCAST, 1, -1, 1200);
	n = udp_recv(ua, pkt, sizeof(pkt), 2000);
	check_vxlan(pkt, n, 77, 1200);
	ck_assert_int_eq(udp_recv(ub, pkt, sizeof(pkt), 100), 0);
	/* Link loss on u1: u2 takes over. */
	ck_assert_int_eq(ctl(out, sizeof(out), "uplink", "u1", "down", NULL, NULL), 0);
	send_frame(a, BCAST, 1, -1, 1201);
	n = udp_recv(ub, pkt, sizeof(pkt), 2000);
	check_vxlan(pkt, n, 77, 1201);
	ck_assert_int_eq(udp_recv(ua, pkt, sizeof(pkt), 100), 0);
	/* u1 back: explicit failover order returns to it. */
	ck_assert_int_eq(ctl(out, sizeof(out), "uplink", "u1", "up", NULL, NULL), 0);
	send_frame(a, BCAST, 1, -1, 1202);
	n = udp_recv(ua, pkt, sizeof(pkt), 2000);
	check_vxlan(pkt, n, 77, 1202);
	/* Ingress: only from the active uplink, only with our VNI. */
	uint8_t in[128];
	vswc_frame(in + 8, BCAST, "00:11:22:33:44:55", 10, 1203, 46);
	memset(in, 0, 8);
	in[0] = 0x08;
	in[6] = 77;
	udp_send(ub, local2, in, 8 + 64);            /* standby uplink: dropped */
	in[6] = 78;
	udp_send(ua, local, in, 8 + 64);                /* wrong VNI: dropped */
	in[6] = 77;
	in[0] = 0x00;
	udp_send(ua, local, in, 8 + 64);                /* I flag clear: dropped */
	in[0] = 0x08;
	vswc_frame(in + 8, BCAST, "00:11:22:33:44:55", 10, 1204, 46);
	udp_send(ua, local, in, 8 + 64);
	uint8_t f[2048];
	int len;
	ck_assert_uint_eq(next_marker(a, 2000, f, &len), 1204);
	ck_assert_int_eq(f[12], 0x88);                 /* untagged toward the VST port */
	/* failback = no: after u1 recovers, u2 keeps the traffic. */
	char *fb = strstr(text, "standbyUplinks = u2\n");
	ck_assert_ptr_nonnull(fb);
	memmove(fb + strlen("standbyUplinks = u2\nfailback = no\n"), fb + strlen("standbyUplinks = u2\n"),
		strlen(fb + strlen("standbyUplinks = u2\n")) + 1);
	memcpy(fb, "standbyUplinks = u2\nfailback = no\n", strlen("standbyUplinks = u2\nfailback = no\n"));
	write_file(conf, text);
	ck_assert_int_eq(ctl(out, sizeof(out), "reload", NULL, NULL, NULL, NULL), 0);
	ck_assert_int_eq(ctl(out, sizeof(out), "show", "switches", NULL, NULL, NULL), 0);
	ck_assert_ptr_nonnull(strstr(out, "active-uplink=u1 failback=no"));
	ck_assert_int_eq(ctl(out, sizeof(out), "uplink", "u1", "down", NULL, NULL), 0);
	ck_assert_int_eq(ctl(out, sizeof(out), "uplink", "u1", "up", NULL, NULL), 0);
	send_frame(a, BCAST, 1, -1, 1205);
	n = udp_recv(ub, pkt, sizeof(pkt), 2000);
	check_vxlan(pkt, n, 77, 1205);
	ck_assert_int_eq(udp_recv(ua, pkt, sizeof(pkt), 100), 0);
	close(a);
	close(ua);
	close(ub);
}
END_TEST

START_TEST(t_config_errors)
{
	static const struct {
		const char *text;
		const char *msg;
	} cases[] = {
		{ "[vswitch a]\n[portgroup p]\nvswitch = a\nvlan = 4096\n", ":4: vlan: 4096 is out of range" },
		{ "[vswitch a]\nfoo = 1\n", ":2: unknown key \"foo\"" },
		{ "key = 1\n", ":1: key \"key\" outside any section" },
		{ "[vswitch a]\n[portgroup p]\nvswitch = b\n", ":3: unknown vswitch \"b\"" },
		{ "[vswitch a]\n[vswitch a]\n", ":2: duplicate vswitch" },
		{ "[vswitch a]\n[portgroup p]\nvswitch = a\nqemuMac = 01:00:00:00:00:01\n", ":4: qemuMac" },
	};
	char path[128], cmd[1024], prog[256], err[1024];
	vswc_build_path(prog, sizeof(prog), "src/net/vswitchd");
	snprintf(path, sizeof(path), "%s/bad.conf", dir);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		write_file(path, cases[i].text);
		snprintf(cmd, sizeof(cmd), "%s -n -c %s 2>%s/err", prog, path, dir);
		int r = system(cmd);
		ck_assert(WIFEXITED(r) && WEXITSTATUS(r) == 1);
		snprintf(cmd, sizeof(cmd), "%s/err", dir);
		FILE *f = fopen(cmd, "r");
		ck_assert_ptr_nonnull(f);
		size_t n = fread(err, 1, sizeof(err) - 1, f);
		fclose(f);
		err[n] = '\0';
		ck_assert_msg(strstr(err, path) && strstr(err, cases[i].msg),
			      "case %zu: %s", i, err);
	}
	snprintf(cmd, sizeof(cmd), "%s -n -c %s >/dev/null", prog, conf);
	ck_assert_int_eq(system(cmd), 0);
	/* A second daemon on the same run directory refuses to start and
	 * leaves the first one's sockets alone. */
	snprintf(cmd, sizeof(cmd), "%s -f -c %s -d %s 2>%s/err2", prog, conf, dir, dir);
	int r2 = system(cmd);
	ck_assert(WIFEXITED(r2) && WEXITSTATUS(r2) == 1);
	int a = port("pg10", 1), b = port("pg10", 2);
	send_frame(a, BCAST, 1, -1, 1300);
	expect(b, 1300);
	close(a);
	close(b);
	/* The shipped example is valid. */
	const char *src = getenv("top_srcdir");
	if (src) {
		snprintf(cmd, sizeof(cmd), "%s -n -c %s/examples/vswitchd.conf >/dev/null", prog, src);
		ck_assert_int_eq(system(cmd), 0);
	}
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("vswitchd");
	TCase *tc = tcase_create("daemon");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 20);
	tcase_add_test(tc, t_hello);
	tcase_add_test(tc, t_unicast_promisc);
	tcase_add_test(tc, t_vlan_broadcast_isolation);
	tcase_add_test(tc, t_vst_vgt);
	tcase_add_test(tc, t_forged);
	tcase_add_test(tc, t_mac_changes);
	tcase_add_test(tc, t_link_ctrl);
	tcase_add_test(tc, t_runt_oversize);
	tcase_add_test(tc, t_garbage);
	tcase_add_test(tc, t_close_unread);
	tcase_add_test(tc, t_random_streams);
	tcase_add_test(tc, t_slow_receiver);
	tcase_add_test(tc, t_shaping);
	tcase_add_test(tc, t_ctl);
	tcase_add_test(tc, t_ctl_perms);
	tcase_add_test(tc, t_reload);
	tcase_add_test(tc, t_reload_paths);
	tcase_add_test(tc, t_socket_perms);
	tcase_add_loop_test(tc, t_vxlan_two_daemons, 0, 2);
	tcase_add_test(tc, t_failover);
	tcase_add_test(tc, t_config_errors);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_run(suite());
}
