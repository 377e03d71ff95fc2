/* The NIC back end against a small in-test vswitchd that speaks
 * net/vsw_proto.h over a unix socket. */
#include "config.h"
#include "net/nic_backend.h"
#include "net/vsw_proto.h"

#include <check.h>
#include "check_run.h"
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static const uint8_t cfg_mac[6] = { 0x00, 0x50, 0x56, 0x01, 0x02, 0x03 };
static const uint8_t other_mac[6] = { 0x00, 0x50, 0x56, 0x0a, 0x0b, 0x0c };

static char path[108];
static int lfd = -1;
static struct nicbe *be;
static atomic_int notifies;
static int link_state = -1, link_calls;
static uint8_t rx_buf[64][VSW_PROTO_FRAME_MAX];
static size_t rx_len[64];
static int rx_n;
static bool rx_full;

static void on_notify(void *o) { (void)o; atomic_fetch_add(&notifies, 1); }
static void on_link(void *o, bool up) { (void)o; link_state = up; link_calls++; }
static int on_rx(void *o, const void *f, size_t len)
{
	(void)o;
	if (rx_full || rx_n == 64)
		return -ENOBUFS;
	memcpy(rx_buf[rx_n], f, len);
	rx_len[rx_n++] = len;
	return 0;
}

static const struct nicbe_callbacks cbs = { on_rx, on_link, on_notify, NULL };

static void srv_listen(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };

	unlink(path);
	lfd = socket(AF_UNIX, SOCK_STREAM, 0);
	ck_assert_int_ge(lfd, 0);
	strcpy(sa.sun_path, path);
	ck_assert_int_eq(bind(lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	ck_assert_int_eq(listen(lfd, 4), 0);
}

static void srv_stop(void)
{
	if (lfd >= 0)
		close(lfd);
	lfd = -1;
	unlink(path);
}

static int srv_accept(void)
{
	struct pollfd p = { .fd = lfd, .events = POLLIN };
	struct timeval tv = { .tv_sec = 3 };
	int fd;

	ck_assert_int_eq(poll(&p, 1, 3000), 1);
	fd = accept(lfd, NULL, NULL);
	ck_assert_int_ge(fd, 0);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	return fd;
}

static void read_full(int fd, void *buf, size_t len)
{
	size_t got = 0;

	while (got < len) {
		ssize_t n = recv(fd, (char *)buf + got, len - got, 0);
		ck_assert_msg(n > 0, "short read from the NIC");
		got += (size_t)n;
	}
}

/* One message from the NIC: returns the length word, body in buf. */
static uint32_t srv_read(int fd, uint8_t *buf, size_t cap)
{
	uint8_t h[4];
	uint32_t w;

	read_full(fd, h, 4);
	w = (uint32_t)h[0] << 24 | (uint32_t)h[1] << 16 | (uint32_t)h[2] << 8 | h[3];
	ck_assert_uint_le(w & VSW_PROTO_LEN_MASK, cap);
	read_full(fd, buf, w & VSW_PROTO_LEN_MASK);
	return w;
}

static void srv_write(int fd, uint32_t word, const void *body, size_t len)
{
	uint8_t h[4] = { (uint8_t)(word >> 24), (uint8_t)(word >> 16), (uint8_t)(word >> 8), (uint8_t)word };

	ck_assert_int_eq(send(fd, h, 4, MSG_NOSIGNAL), 4);
	if (len)
		ck_assert_int_eq(send(fd, body, len, MSG_NOSIGNAL), (ssize_t)len);
}

static void srv_ctrl(int fd, const char *text)
{
	srv_write(fd, VSW_PROTO_CTRL | (uint32_t)strlen(text), text, strlen(text));
}

/* Accepts the NIC, checks that a hello came and answers it with reply. */
static int srv_session(const char *reply, char *hello_out)
{
	uint8_t buf[VSW_PROTO_HELLO_MAX + 1];
	int fd = srv_accept();
	uint32_t w = srv_read(fd, buf, VSW_PROTO_HELLO_MAX);

	ck_assert_uint_eq(w & VSW_PROTO_CTRL, VSW_PROTO_CTRL);
	buf[w & VSW_PROTO_LEN_MASK] = 0;
	if (hello_out)
		strcpy(hello_out, (char *)buf);
	if (reply)
		srv_ctrl(fd, reply);
	return fd;
}

static void sleep_ms(int ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000 };
	nanosleep(&ts, NULL);
}

/* Polls the back end until cond holds (3 s at most). */
#define WAIT_FOR(cond) do { \
	for (int i_ = 0; i_ < 3000 && !(cond); i_++) { nicbe_poll(be); sleep_ms(1); } \
	nicbe_poll(be); \
	ck_assert_msg((cond), "timed out waiting for " #cond); \
} while (0)

static struct nicbe_config base_cfg(void)
{
	struct nicbe_config c = {
		.socket_path = path, .portgroup = "VM Network", .vm_name = "test\nvm",
		.uuid = "56 4d 00 11", .nic = 2,
		.backoff_min_ms = 10, .backoff_max_ms = 40,
	};
	memcpy(c.mac, cfg_mac, 6);
	return c;
}

static void setup(void)
{
	static int seq;

	snprintf(path, sizeof(path), "/tmp/check_nicbe_%d_%d.sock", (int)getpid(), seq++);
	be = NULL;
	link_state = -1;
	link_calls = 0;
	rx_n = 0;
	rx_full = false;
	atomic_store(&notifies, 0);
}

static void teardown(void)
{
	nicbe_destroy(be);
	srv_stop();
}

static void start(const struct nicbe_config *c)
{
	ck_assert_int_eq(nicbe_create(c, &cbs, &be), 0);
}

static struct nicbe_stats stats(void)
{
	struct nicbe_stats st;
	nicbe_get_stats(be, &st);
	return st;
}

static void make_frame(uint8_t *f, size_t len, const uint8_t *dst, const uint8_t *src, uint8_t fill)
{
	memcpy(f, dst, 6);
	memcpy(f + 6, src, 6);
	f[12] = 0x08;
	f[13] = 0x00;
	memset(f + 14, fill, len - 14);
}

START_TEST(hello_and_ok)
{
	struct nicbe_config c = base_cfg();
	char hello[VSW_PROTO_HELLO_MAX + 1];
	int fd;

	srv_listen();
	start(&c);
	ck_assert(!nicbe_link_up(be));
	fd = srv_session("OK 7\n", hello);
	ck_assert_int_eq(strncmp(hello, VSW_PROTO_HELLO_MAGIC, strlen(VSW_PROTO_HELLO_MAGIC)), 0);
	ck_assert_ptr_nonnull(strstr(hello, "\nmac=00:50:56:01:02:03\n"));
	ck_assert_ptr_nonnull(strstr(hello, "\nnic=2\n"));
	ck_assert_ptr_nonnull(strstr(hello, "\nportgroup=VM Network\n"));
	ck_assert_ptr_nonnull(strstr(hello, "\nuuid=56 4d 00 11\n"));
	/* A newline in the display name cannot forge a hello line. */
	ck_assert_ptr_nonnull(strstr(hello, "\nvm=test?vm\n"));
	WAIT_FOR(link_state == 1);
	ck_assert(nicbe_link_up(be));
	ck_assert_uint_eq(stats().port, 7);
	ck_assert_uint_eq(stats().connects, 1);
	ck_assert_int_gt(atomic_load(&notifies), 0);
	close(fd);
}
END_TEST

START_TEST(err_reply_retries)
{
	struct nicbe_config c = base_cfg();
	uint8_t b[8];
	int fd;

	srv_listen();
	start(&c);
	fd = srv_session("ERR no such port group\n", NULL);
	/* The NIC hangs up after ERR. */
	ck_assert_int_eq(recv(fd, b, sizeof(b), 0), 0);
	close(fd);
	ck_assert_uint_eq(stats().refused, 1);
	ck_assert(!nicbe_link_up(be));
	/* And tries again later. */
	fd = srv_session("OK 1\n", NULL);
	WAIT_FOR(link_state == 1);
	close(fd);
}
END_TEST

START_TEST(garbage_reply_and_frame_before_ok)
{
	struct nicbe_config c = base_cfg();
	uint8_t f[60], b[8];
	int fd;

	srv_listen();
	start(&c);
	fd = srv_session("WHAT\n", NULL);
	ck_assert_int_eq(recv(fd, b, sizeof(b), 0), 0);
	close(fd);
	fd = srv_session(NULL, NULL);
	make_frame(f, sizeof(f), cfg_mac, other_mac, 1);
	srv_write(fd, sizeof(f), f, sizeof(f));
	ck_assert_int_eq(recv(fd, b, sizeof(b), 0), 0);
	close(fd);
	ck_assert(!nicbe_link_up(be));
	ck_assert_uint_eq(stats().connects, 0);
}
END_TEST

START_TEST(frames_both_ways)
{
	struct nicbe_config c = base_cfg();
	uint8_t f[1522], got[1600];
	uint32_t w;
	int fd;

	srv_listen();
	start(&c);
	fd = srv_session("OK 3\n", NULL);
	WAIT_FOR(link_state == 1);
	/* Switch -> VM, then a runt and an oversize frame that are dropped. */
	make_frame(f, 60, cfg_mac, other_mac, 0xa5);
	srv_write(fd, 60, f, 60);
	srv_write(fd, 10, f, 10);
	{
		uint8_t big[1600];
		memset(big, 0, sizeof(big));
		srv_write(fd, sizeof(big), big, sizeof(big));
	}
	make_frame(f, 1522, cfg_mac, other_mac, 0x5a);
	srv_write(fd, 1522, f, 1522);
	WAIT_FOR(rx_n == 2);
	ck_assert_uint_eq(rx_len[0], 60);
	ck_assert_uint_eq(rx_buf[0][20], 0xa5);
	ck_assert_uint_eq(rx_len[1], 1522);
	ck_assert_int_eq(memcmp(rx_buf[1], f, 1522), 0);
	ck_assert_uint_eq(stats().rx_drop_bad, 2);
	ck_assert_uint_eq(stats().rx_frames, 2);
	/* VM -> switch. */
	make_frame(f, 100, other_mac, cfg_mac, 0x33);
	ck_assert_int_eq(nicbe_send(be, f, 100), 0);
	w = srv_read(fd, got, sizeof(got));
	ck_assert_uint_eq(w, 100);
	ck_assert_int_eq(memcmp(got, f, 100), 0);
	ck_assert_int_eq(nicbe_send(be, f, 13), -EMSGSIZE);
	ck_assert_int_eq(nicbe_send(be, f, 1523), -EMSGSIZE);
	ck_assert_uint_eq(stats().tx_frames, 1);
	ck_assert_uint_eq(stats().tx_drop_bad, 2);
	/* Control messages from the switch after OK are ignored. */
	srv_ctrl(fd, "HELLO AGAIN\n");
	make_frame(f, 64, cfg_mac, other_mac, 0x77);
	srv_write(fd, 64, f, 64);
	WAIT_FOR(rx_n == 3);
	ck_assert(nicbe_link_up(be));
	close(fd);
}
END_TEST

START_TEST(backpressure_keeps_frames)
{
	struct nicbe_config c = base_cfg();
	uint8_t f[64];
	int fd;

	srv_listen();
	start(&c);
	fd = srv_session("OK 3\n", NULL);
	WAIT_FOR(link_state == 1);
	rx_full = true;
	for (int i = 0; i < 3; i++) {
		make_frame(f, 64, cfg_mac, other_mac, (uint8_t)i);
		srv_write(fd, 64, f, 64);
	}
	WAIT_FOR(stats().rx_frames == 3);
	ck_assert_int_eq(nicbe_poll(be), 0);
	ck_assert_int_eq(rx_n, 0);
	rx_full = false;
	ck_assert_int_eq(nicbe_poll(be), 3);
	ck_assert_uint_eq(rx_buf[0][14], 0);
	ck_assert_uint_eq(rx_buf[2][14], 2);
	close(fd);
}
END_TEST

START_TEST(mac_message)
{
	struct nicbe_config c = base_cfg();
	uint8_t got[64];
	uint32_t w;
	int fd;

	srv_listen();
	start(&c);
	fd = srv_session("OK 3\n", NULL);
	WAIT_FOR(link_state == 1);
	ck_assert_int_eq(nicbe_set_mac(be, other_mac), 0);
	w = srv_read(fd, got, sizeof(got));
	ck_assert_uint_eq(w, VSW_PROTO_CTRL | 22);
	ck_assert_int_eq(memcmp(got, "MAC 00:50:56:0a:0b:0c\n", 22), 0);
	/* Same MAC again: nothing new on the wire; the next message is a frame. */
	ck_assert_int_eq(nicbe_set_mac(be, other_mac), 0);
	{
		uint8_t f[60];
		make_frame(f, 60, other_mac, cfg_mac, 1);
		ck_assert_int_eq(nicbe_send(be, f, 60), 0);
		ck_assert_uint_eq(srv_read(fd, got, sizeof(got)), 60);
	}
	close(fd);
	/* On reconnect the switch hears the guest's MAC right after OK. */
	fd = srv_session("OK 4\n", NULL);
	w = srv_read(fd, got, sizeof(got));
	ck_assert_uint_eq(w, VSW_PROTO_CTRL | 22);
	ck_assert_int_eq(memcmp(got, "MAC 00:50:56:0a:0b:0c\n", 22), 0);
	close(fd);
}
END_TEST

START_TEST(reconnect_after_restart)
{
	struct nicbe_config c = base_cfg();
	uint8_t f[60];
	int fd;

	srv_listen();
	start(&c);
	fd = srv_session("OK 3\n", NULL);
	WAIT_FOR(link_state == 1);
	/* vswitchd goes away: link down, frames dropped. */
	close(fd);
	srv_stop();
	WAIT_FOR(link_state == 0);
	make_frame(f, 60, other_mac, cfg_mac, 1);
	ck_assert_int_eq(nicbe_send(be, f, 60), -ENOTCONN);
	ck_assert_uint_eq(stats().tx_drop_link, 1);
	sleep_ms(100);
	/* It comes back: the NIC reconnects on its own. */
	srv_listen();
	fd = srv_session("OK 9\n", NULL);
	WAIT_FOR(link_state == 1);
	ck_assert_uint_eq(stats().connects, 2);
	ck_assert_uint_eq(stats().port, 9);
	ck_assert_int_ge(link_calls, 3);
	close(fd);
}
END_TEST

START_TEST(broken_framing_closes)
{
	struct nicbe_config c = base_cfg();
	uint8_t b[8];
	int fd;

	srv_listen();
	start(&c);
	fd = srv_session("OK 3\n", NULL);
	WAIT_FOR(link_state == 1);
	srv_write(fd, 0x00120000u, NULL, 0);
	ck_assert_int_eq(recv(fd, b, sizeof(b), 0), 0);
	close(fd);
	WAIT_FOR(link_state == 0);
	fd = srv_session("OK 3\n", NULL);
	WAIT_FOR(link_state == 1);
	close(fd);
}
END_TEST

START_TEST(policy_no_promisc)
{
	struct nicbe_config c = base_cfg();
	static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	static const uint8_t mcast[6] = { 0x01, 0x00, 0x5e, 0x00, 0x00, 0x01 };
	uint8_t f[60];
	int fd;

	c.no_promisc = true;
	srv_listen();
	start(&c);
	fd = srv_session("OK 3\n", NULL);
	WAIT_FOR(link_state == 1);
	make_frame(f, 60, other_mac, other_mac, 1);
	srv_write(fd, 60, f, 60);
	make_frame(f, 60, bcast, other_mac, 2);
	srv_write(fd, 60, f, 60);
	make_frame(f, 60, mcast, other_mac, 3);
	srv_write(fd, 60, f, 60);
	make_frame(f, 60, cfg_mac, other_mac, 4);
	srv_write(fd, 60, f, 60);
	WAIT_FOR(rx_n == 3);
	ck_assert_uint_eq(rx_buf[0][14], 2);
	ck_assert_uint_eq(rx_buf[1][14], 3);
	ck_assert_uint_eq(rx_buf[2][14], 4);
	ck_assert_uint_eq(stats().rx_drop_promisc, 1);
	close(fd);
}
END_TEST

START_TEST(policy_forged_and_mismatch)
{
	struct nicbe_config c = base_cfg();
	uint8_t f[60], got[64];
	int fd;

	c.no_forged_src = true;
	c.down_when_addr_mismatch = true;
	srv_listen();
	start(&c);
	fd = srv_session("OK 3\n", NULL);
	WAIT_FOR(link_state == 1);
	make_frame(f, 60, other_mac, other_mac, 1);
	ck_assert_int_eq(nicbe_send(be, f, 60), -EPERM);
	ck_assert_uint_eq(stats().tx_drop_forged, 1);
	make_frame(f, 60, other_mac, cfg_mac, 1);
	ck_assert_int_eq(nicbe_send(be, f, 60), 0);
	ck_assert_uint_eq(srv_read(fd, got, sizeof(got)), 60);
	/* The guest programs another MAC: the link goes down for it, and
	 * the switch hears the MAC and "LINK down". */
	nicbe_set_mac(be, other_mac);
	ck_assert_uint_eq(srv_read(fd, got, sizeof(got)), VSW_PROTO_CTRL | 22);
	ck_assert_uint_eq(srv_read(fd, got, sizeof(got)), VSW_PROTO_CTRL | 10);
	ck_assert_int_eq(memcmp(got, "LINK down\n", 10), 0);
	WAIT_FOR(link_state == 0);
	ck_assert_int_eq(nicbe_send(be, f, 60), -ENETDOWN);
	make_frame(f, 60, cfg_mac, other_mac, 1);
	srv_write(fd, 60, f, 60);
	WAIT_FOR(stats().rx_drop_mismatch == 1);
	ck_assert_int_eq(rx_n, 0);
	/* And back. */
	nicbe_set_mac(be, cfg_mac);
	ck_assert_uint_eq(srv_read(fd, got, sizeof(got)), VSW_PROTO_CTRL | 22);
	ck_assert_int_eq(memcmp(got, "MAC 00:50:56:01:02:03\n", 22), 0);
	ck_assert_uint_eq(srv_read(fd, got, sizeof(got)), VSW_PROTO_CTRL | 8);
	ck_assert_int_eq(memcmp(got, "LINK up\n", 8), 0);
	WAIT_FOR(link_state == 1);
	srv_write(fd, 60, f, 60);
	WAIT_FOR(rx_n == 1);
	/* Reconnecting with the mismatch: MAC, then LINK down, after OK. */
	nicbe_set_mac(be, other_mac);
	ck_assert_uint_eq(srv_read(fd, got, sizeof(got)), VSW_PROTO_CTRL | 22);
	ck_assert_uint_eq(srv_read(fd, got, sizeof(got)), VSW_PROTO_CTRL | 10);
	close(fd);
	fd = srv_session("OK 5\n", NULL);
	ck_assert_uint_eq(srv_read(fd, got, sizeof(got)), VSW_PROTO_CTRL | 22);
	ck_assert_uint_eq(srv_read(fd, got, sizeof(got)), VSW_PROTO_CTRL | 10);
	ck_assert_int_eq(memcmp(got, "LINK down\n", 10), 0);
	close(fd);
}
END_TEST

START_TEST(start_disconnected)
{
	struct nicbe_config c = base_cfg();
	struct pollfd p;
	int fd;

	c.start_disconnected = true;
	srv_listen();
	start(&c);
	p = (struct pollfd){ .fd = lfd, .events = POLLIN };
	ck_assert_int_eq(poll(&p, 1, 100), 0);
	nicbe_set_connected(be, true);
	fd = srv_session("OK 3\n", NULL);
	WAIT_FOR(link_state == 1);
	nicbe_set_connected(be, false);
	WAIT_FOR(link_state == 0);
	close(fd);
}
END_TEST

START_TEST(no_server_link_down)
{
	struct nicbe_config c = base_cfg();

	start(&c);
	sleep_ms(50);
	nicbe_poll(be);
	ck_assert_int_eq(link_state, 0);
	ck_assert(!nicbe_link_up(be));
}
END_TEST

START_TEST(default_path)
{
	char buf[108];
	struct nicbe_config c = base_cfg();

	ck_assert_int_eq(nicbe_default_path(NULL, "VM Network", buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "/run/hostvm/vswitch/VM Network.sock");
	ck_assert_int_eq(nicbe_default_path("/tmp/x", "pg", buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "/tmp/x/pg.sock");
	ck_assert_int_eq(nicbe_default_path(NULL, "../etc", buf, sizeof(buf)), -EINVAL);
	ck_assert_int_eq(nicbe_default_path(NULL, "", buf, sizeof(buf)), -EINVAL);
	ck_assert_int_eq(nicbe_default_path(NULL, "pg", buf, 10), -ENAMETOOLONG);
	c.portgroup = "a\nb";
	ck_assert_int_eq(nicbe_create(&c, &cbs, &be), -EINVAL);
	ck_assert_ptr_null(be);
}
END_TEST

/* ---- against the real vswitchd ---- */

struct vm_side {
	int link;
	int nrx;
	uint8_t last[VSW_PROTO_FRAME_MAX];
	size_t last_len;
};

static int vm_rx(void *o, const void *f, size_t len)
{
	struct vm_side *v = o;
	memcpy(v->last, f, len);
	v->last_len = len;
	v->nrx++;
	return 0;
}
static void vm_link(void *o, bool up) { ((struct vm_side *)o)->link = up; }

static pid_t start_vswitchd(const char *conf, const char *dir)
{
	const char *top = getenv("top_builddir");
	char bin[512];
	pid_t pid;

	snprintf(bin, sizeof(bin), "%s/src/net/vswitchd", top ? top : ".");
	ck_assert_msg(access(bin, X_OK) == 0, "%s is not built", bin);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		execl(bin, "vswitchd", "-f", "-c", conf, "-d", dir, (char *)NULL);
		_exit(127);
	}
	return pid;
}

static void stop_vswitchd(pid_t pid)
{
	int st;
	kill(pid, SIGTERM);
	waitpid(pid, &st, 0);
}

#define WAIT_BOTH(cond) do { \
	for (int i_ = 0; i_ < 5000 && !(cond); i_++) { nicbe_poll(a); nicbe_poll(b); sleep_ms(1); } \
	nicbe_poll(a); nicbe_poll(b); \
	ck_assert_msg((cond), "timed out waiting for " #cond); \
} while (0)

START_TEST(through_vswitchd)
{
	static const uint8_t mac_a[6] = { 0x00, 0x50, 0x56, 0x00, 0x00, 0x0a };
	static const uint8_t mac_b[6] = { 0x00, 0x50, 0x56, 0x00, 0x00, 0x0b };
	char dir[64], conf[96], text[256];
	struct vm_side va = { .link = -1 }, vb = { .link = -1 };
	struct nicbe_callbacks ca = { vm_rx, vm_link, NULL, &va }, cbb = { vm_rx, vm_link, NULL, &vb };
	struct nicbe_config c = base_cfg();
	struct nicbe *a, *b;
	uint8_t f[100];
	FILE *fp;
	pid_t pid;

	snprintf(dir, sizeof(dir), "/tmp/check_nicbe_vsw_%d", (int)getpid());
	mkdir(dir, 0700);
	snprintf(conf, sizeof(conf), "%s/vswitchd.conf", dir);
	snprintf(path, sizeof(path), "%s/pg.sock", dir);
	fp = fopen(conf, "w");
	ck_assert_ptr_nonnull(fp);
	snprintf(text, sizeof(text), "[global]\nauditLog = %s/audit.log\n[vswitch s]\n"
		 "[portgroup pg]\nvswitch = s\nvlan = 0\n", dir);
	fputs(text, fp);
	fclose(fp);
	pid = start_vswitchd(conf, dir);
	c.portgroup = "pg";
	c.socket_path = NULL;
	memcpy(c.mac, mac_a, 6);
	c.nic = 0;
	/* The default path would be /run/...; this test points at its dir. */
	c.socket_path = path;
	ck_assert_int_eq(nicbe_create(&c, &ca, &a), 0);
	memcpy(c.mac, mac_b, 6);
	ck_assert_int_eq(nicbe_create(&c, &cbb, &b), 0);
	WAIT_BOTH(va.link == 1 && vb.link == 1);
	/* A -> B, and broadcast from B reaches A. */
	make_frame(f, sizeof(f), mac_b, mac_a, 0x11);
	ck_assert_int_eq(nicbe_send(a, f, sizeof(f)), 0);
	WAIT_BOTH(vb.nrx == 1);
	ck_assert_uint_eq(vb.last_len, sizeof(f));
	ck_assert_int_eq(memcmp(vb.last, f, sizeof(f)), 0);
	make_frame(f, 60, (const uint8_t *)"\xff\xff\xff\xff\xff\xff", mac_b, 0x22);
	ck_assert_int_eq(nicbe_send(b, f, 60), 0);
	WAIT_BOTH(va.nrx == 1);
	ck_assert_uint_eq(va.last[20], 0x22);
	/* vswitchd stops: both links go down; it comes back: both reconnect. */
	stop_vswitchd(pid);
	WAIT_BOTH(va.link == 0 && vb.link == 0);
	pid = start_vswitchd(conf, dir);
	WAIT_BOTH(va.link == 1 && vb.link == 1);
	make_frame(f, sizeof(f), mac_a, mac_b, 0x33);
	ck_assert_int_eq(nicbe_send(b, f, sizeof(f)), 0);
	WAIT_BOTH(va.nrx == 2);
	ck_assert_uint_eq(va.last[20], 0x33);
	nicbe_destroy(a);
	nicbe_destroy(b);
	stop_vswitchd(pid);
	unlink(conf);
	snprintf(text, sizeof(text), "%s/audit.log", dir);
	unlink(text);
	unlink(path);
	rmdir(dir);
}
END_TEST

static Suite *nicbe_suite(void)
{
	Suite *s = suite_create("nicbe");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 20);
	tcase_add_test(tc, hello_and_ok);
	tcase_add_test(tc, err_reply_retries);
	tcase_add_test(tc, garbage_reply_and_frame_before_ok);
	tcase_add_test(tc, frames_both_ways);
	tcase_add_test(tc, backpressure_keeps_frames);
	tcase_add_test(tc, mac_message);
	tcase_add_test(tc, reconnect_after_restart);
	tcase_add_test(tc, broken_framing_closes);
	tcase_add_test(tc, policy_no_promisc);
	tcase_add_test(tc, policy_forged_and_mismatch);
	tcase_add_test(tc, start_disconnected);
	tcase_add_test(tc, no_server_link_down);
	tcase_add_test(tc, default_path);
	suite_add_tcase(s, tc);
	tc = tcase_create("vswitchd");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, through_vswitchd);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_run(nicbe_suite());
}
