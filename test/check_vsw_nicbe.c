/* End to end: vmrun's real NIC back end (src/net/nic_backend.c, libhvnicbe)
 * against the real vswitchd.  Two back ends join a port group, exchange
 * frames, the MAC-change policy reacts to nicbe_set_mac(), and the back
 * ends reconnect after vswitchd restarts. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "check_run.h"
#include "net/nic_backend.h"
#include "vsw_clientlib.h"

static char dir[64], conf[128], sock[128];
static pid_t daemon_pid;

struct guest {
	struct nicbe *be;
	uint32_t last_marker;
	int frames;
};

static int on_rx(void *o, const void *f, size_t len)
{
	struct guest *g = o;
	g->frames++;
	g->last_marker = vswc_marker(f, len);
	return 0;
}

static void on_link(void *o, bool up)
{
	(void)o;
	(void)up;
}

static void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000 };
	nanosleep(&ts, NULL);
}

static void guest_open(struct guest *g, const char *vm, const uint8_t mac[6])
{
	struct nicbe_config cfg = {
		.socket_path = sock, .portgroup = "pg10", .vm_name = vm, .uuid = "56 4d 01",
		.nic = 0, .backoff_min_ms = 20, .backoff_max_ms = 100,
	};
	struct nicbe_callbacks cb = { .rx = on_rx, .link = on_link, .opaque = g };
	memcpy(cfg.mac, mac, 6);
	memset(g, 0, sizeof(*g));
	ck_assert_int_eq(nicbe_create(&cfg, &cb, &g->be), 0);
}

static bool wait_link(struct guest *g, bool up)
{
	for (int i = 0; i < 300; i++) {
		nicbe_poll(g->be);
		if (nicbe_link_up(g->be) == up)
			return true;
		sleep_ms(10);
	}
	return false;
}

/* Poll g until a frame with marker arrives (true) or 1 s passes. */
static bool wait_marker(struct guest *g, uint32_t marker)
{
	for (int i = 0; i < 100; i++) {
		nicbe_poll(g->be);
		if (g->last_marker == marker)
			return true;
		sleep_ms(10);
	}
	return false;
}

static void send_marker(struct guest *g, const char *dst, const char *src, uint32_t m)
{
	uint8_t f[128];
	size_t len = vswc_frame(f, dst, src, -1, m, 46);
	ck_assert_int_eq(nicbe_send(g->be, f, len), 0);
}

static void wait_ctl(const char *want)
{
	char out[8192];
	for (int i = 0; i < 200; i++) {
		vswc_ctl(dir, out, sizeof(out), "show", "ports", (char *)NULL);
		if (strstr(out, want))
			return;
		sleep_ms(10);
	}
	ck_abort_msg("vswitchctl never showed %s:\n%s", want, out);
}

static void setup(void)
{
	strcpy(dir, "/tmp/vswnicbe.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(conf, sizeof(conf), "%s/vswitchd.conf", dir);
	snprintf(sock, sizeof(sock), "%s/pg10.sock", dir);
	FILE *f = fopen(conf, "w");
	ck_assert_ptr_nonnull(f);
	fputs("[vswitch sw0]\n[portgroup pg10]\nvswitch = sw0\nvlan = 10\n", f);
	ck_assert_int_eq(fclose(f), 0);
	daemon_pid = vswc_start_daemon(conf, dir);
	ck_assert_int_gt(daemon_pid, 0);
}

static void teardown(void)
{
	char cmd[128];
	int st = vswc_stop_daemon(daemon_pid);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
	ck_assert_int_eq(st, 0);
}

START_TEST(t_nicbe_end_to_end)
{
	static const uint8_t mac_a[6] = { 0x00, 0x50, 0x56, 0x00, 0x00, 0x0a };
	static const uint8_t mac_b[6] = { 0x00, 0x50, 0x56, 0x00, 0x00, 0x0b };
	static const uint8_t other[6] = { 0x00, 0x50, 0x56, 0x00, 0x00, 0xee };
	struct guest a, b;

	guest_open(&a, "guest A", mac_a);
	guest_open(&b, "guest B", mac_b);
	ck_assert(wait_link(&a, true));
	ck_assert(wait_link(&b, true));
	wait_ctl("vm=\"guest A\" nic=0 mac=00:50:56:00:00:0a");

	send_marker(&a, "ff:ff:ff:ff:ff:ff", "00:50:56:00:00:0a", 1);
	ck_assert(wait_marker(&b, 1));
	send_marker(&b, "00:50:56:00:00:0a", "00:50:56:00:00:0b", 2);
	ck_assert(wait_marker(&a, 2));

	/* The guest reprograms its MAC: the switch drops frames to it. */
	ck_assert_int_eq(nicbe_set_mac(b.be, other), 0);
	wait_ctl("guest-mac=00:50:56:00:00:ee");
	send_marker(&a, "00:50:56:00:00:0b", "00:50:56:00:00:0a", 3);
	ck_assert(!wait_marker(&b, 3));
	ck_assert_int_eq(nicbe_set_mac(b.be, mac_b), 0);
	wait_ctl("mac=00:50:56:00:00:0b guest-mac=00:50:56:00:00:0b");
	send_marker(&a, "00:50:56:00:00:0b", "00:50:56:00:00:0a", 4);
	ck_assert(wait_marker(&b, 4));

	/* vswitchd restarts: the links go down and come back by themselves. */
	ck_assert_int_eq(vswc_stop_daemon(daemon_pid), 0);
	ck_assert(wait_link(&a, false));
	daemon_pid = vswc_start_daemon(conf, dir);
	ck_assert_int_gt(daemon_pid, 0);
	ck_assert(wait_link(&a, true));
	ck_assert(wait_link(&b, true));
	send_marker(&a, "ff:ff:ff:ff:ff:ff", "00:50:56:00:00:0a", 5);
	ck_assert(wait_marker(&b, 5));

	nicbe_destroy(a.be);
	nicbe_destroy(b.be);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("vswitchd-nicbe");
	TCase *tc = tcase_create("interop");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 20);
	tcase_add_test(tc, t_nicbe_end_to_end);
	suite_add_tcase(s, tc);
	return check_run(s);
}
