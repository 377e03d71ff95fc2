/* vswitchd uplinks against the host kernel: a TAP uplink, TAP link loss
 * failing over to a VXLAN uplink, and VXLAN interoperability with a Linux
 * `vxlan` device.  Needs root (CAP_NET_ADMIN) and /dev/net/tun: without
 * them the whole program exits 77 (skipped).  Frames on the host side are
 * seen and sent with an AF_PACKET socket bound to the device. */
#include <check.h>
#include <sched.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <netinet/in.h>

#include "check_run.h"
#include "vsw_clientlib.h"

#define BCAST "ff:ff:ff:ff:ff:ff"
#define VM_MAC "00:50:56:00:00:01"

static char dir[64], conf[128], dev[IFNAMSIZ], vxdev[12];
static pid_t daemon_pid;
static int port4[4];

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	ck_assert_int_eq(fclose(f), 0);
}

static void start(const char *text)
{
	strcpy(dir, "/tmp/vswroot.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(conf, sizeof(conf), "%s/vswitchd.conf", dir);
	write_file(conf, text);
	daemon_pid = vswc_start_daemon(conf, dir);
	ck_assert_int_gt(daemon_pid, 0);
}

static void setup(void)
{
	ck_assert_int_eq(vswc_free_udp_ports(4, port4), 0);
	daemon_pid = 0;
}

static void teardown(void)
{
	char cmd[160];
	int st = vswc_stop_daemon(daemon_pid);
	if (st != 0) {
		snprintf(cmd, sizeof(cmd), "cat %s/daemon.err >&2", dir);
		if (system(cmd) != 0)
			fprintf(stderr, "no daemon log\n");
	}
	snprintf(cmd, sizeof(cmd), "ip netns del %s 2>/dev/null; ip link del %sa 2>/dev/null",
		 vxdev, vxdev);
	if (system(cmd) != 0)
		cmd[0] = '\0';
	if (dir[0]) {
		snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
		if (system(cmd) != 0)
			fprintf(stderr, "could not remove %s\n", dir);
	}
	ck_assert_msg(st == 0, "vswitchd exited with status %d", st);
}

static int packet_socket(const char *ifname)
{
	int fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ETH_P_ALL));
	ck_assert_int_ge(fd, 0);
	struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL) };
	sll.sll_ifindex = (int)if_nametoindex(ifname);
	ck_assert_int_gt(sll.sll_ifindex, 0);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sll, sizeof(sll)), 0);
	return fd;
}

/* Wait for a frame with marker on a packet socket (other traffic such as
 * IPv6 router solicitations is skipped). */
static bool packet_wait(int fd, uint32_t marker, int timeout_ms)
{
	struct timeval tv = { 0, 50 * 1000 };
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	for (int i = 0; i < timeout_ms / 50; i++) {
		uint8_t f[2048];
		ssize_t n;
		while ((n = recv(fd, f, sizeof(f), 0)) > 0)
			if (vswc_marker(f, (size_t)n) == marker)
				return true;
	}
	return false;
}

static bool client_wait(int fd, uint32_t marker, int timeout_ms)
{
	for (int i = 0; i < 100; i++) {
		uint8_t f[2048];
		int n = vswc_recv_frame(fd, f, sizeof(f), timeout_ms);
		if (n <= 0)
			return false;
		if (vswc_marker(f, (size_t)n) == marker)
			return true;
	}
	return false;
}

static int client(void)
{
	char path[128];
	snprintf(path, sizeof(path), "%s/pg0.sock", dir);
	int fd = vswc_open(path, "vm1", 0, VM_MAC, "pg0");
	ck_assert_int_ge(fd, 0);
	return fd;
}

static void send_marker(int fd, uint32_t marker)
{
	uint8_t f[128];
	size_t len = vswc_frame(f, BCAST, VM_MAC, -1, marker, 46);
	ck_assert_int_eq(vswc_send(fd, f, len), 0);
}

static void wait_active(const char *name)
{
	char out[4096], want[64];
	snprintf(want, sizeof(want), "active-uplink=%s ", name);
	for (int i = 0; i < 300; i++) {
		vswc_ctl(dir, out, sizeof(out), "show", "switches", (char *)NULL);
		if (strstr(out, want))
			return;
		usleep(10000);
	}
	ck_abort_msg("active uplink never became %s: %s", name, out);
}

START_TEST(t_tap)
{
	char text[1024];
	snprintf(text, sizeof(text),
		 "[vswitch sw0]\n[uplink t]\nvswitch = sw0\ntype = tap\ndevice = %s\n"
		 "[portgroup pg0]\nvswitch = sw0\nvlan = 0\n", dev);
	start(text);
	wait_active("t");
	int c = client(), pk = packet_socket(dev);
	send_marker(c, 0x7001);
	ck_assert(packet_wait(pk, 0x7001, 2000));
	uint8_t f[128];
	size_t len = vswc_frame(f, BCAST, "02:00:00:00:00:99", -1, 0x7002, 46);
	ck_assert_int_eq(send(pk, f, len, 0), (ssize_t)len);
	ck_assert(client_wait(c, 0x7002, 2000));
	close(pk);
	close(c);
}
END_TEST

START_TEST(t_tap_failover)
{
	char text[1024];
	int up = port4[0];
	snprintf(text, sizeof(text),
		 "[vswitch sw0]\nactiveUplinks = t\nstandbyUplinks = vx\n"
		 "[uplink t]\nvswitch = sw0\ntype = tap\ndevice = %s\n"
		 "[uplink vx]\nvswitch = sw0\ntype = vxlan\nvni = 9\nlocal = 127.0.0.1\n"
		 "localPort = %d\nremote = 127.0.0.1\nremotePort = %d\n"
		 "[portgroup pg0]\nvswitch = sw0\nvlan = 0\n", dev, up, port4[1]);
	int u = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port4[1]) };
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(u, (struct sockaddr *)&sa, sizeof(sa)), 0);
	start(text);
	wait_active("t");
	int c = client(), pk = packet_socket(dev);
	send_marker(c, 0x7101);
	ck_assert(packet_wait(pk, 0x7101, 2000));
	/* Carrier loss on the TAP: the standby VXLAN uplink takes over. */
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "ip link set dev %s down", dev);
	ck_assert_int_eq(system(cmd), 0);
	wait_active("vx");
	send_marker(c, 0x7102);
	uint8_t pkt[2048];
	struct timeval tv = { 2, 0 };
	setsockopt(u, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	ssize_t n = recv(u, pkt, sizeof(pkt), 0);
	ck_assert_int_gt(n, 8);
	ck_assert_uint_eq(vswc_marker(pkt + 8, (size_t)n - 8), 0x7102);
	/* Link back: the TAP is first in the failover order again. */
	snprintf(cmd, sizeof(cmd), "ip link set dev %s up", dev);
	ck_assert_int_eq(system(cmd), 0);
	wait_active("t");
	send_marker(c, 0x7103);
	ck_assert(packet_wait(pk, 0x7103, 2000));
	close(u);
	close(pk);
	close(c);
}
END_TEST

/* A Linux vxlan device delivers to a local address without sending any
 * UDP, so it lives in its own network namespace behind a veth pair. */
START_TEST(t_linux_vxlan)
{
	char cmd[1024], text[1024];
	int linux_port = port4[2], our_port = port4[3], x = (int)(getpid() % 250);
	const char *n = vxdev;
	snprintf(cmd, sizeof(cmd),
		 "set -e; exec 2>/dev/null; ip netns add %s;"
		 " ip link add %sa type veth peer name %sb; ip link set %sb netns %s;"
		 " ip addr add 10.213.%d.1/30 dev %sa; ip link set %sa up;",
		 n, n, n, n, n, x, n, n);
	size_t k = strlen(cmd);
	snprintf(cmd + k, sizeof(cmd) - k,
		 " ip -n %s addr add 10.213.%d.2/30 dev %sb; ip -n %s link set %sb up;"
		 " ip -n %s link add %s type vxlan id 4242 dstport %d local 10.213.%d.2 nolearning;",
		 n, x, n, n, n, n, n, linux_port, x);
	k = strlen(cmd);
	snprintf(cmd + k, sizeof(cmd) - k,
		 " bridge -n %s fdb append 00:00:00:00:00:00 dev %s dst 10.213.%d.1 port %d;"
		 " ip -n %s link set %s up", n, n, x, our_port, n, n);
	if (system(cmd) != 0) {
		fprintf(stderr, "t_linux_vxlan: cannot make a netns with a vxlan device; part skipped\n");
		return;
	}
	snprintf(text, sizeof(text),
		 "[vswitch sw0]\n"
		 "[uplink vx]\nvswitch = sw0\ntype = vxlan\nvni = 4242\nlocal = 10.213.%d.1\n"
		 "localPort = %d\nremote = 10.213.%d.2\nremotePort = %d\n"
		 "[portgroup pg0]\nvswitch = sw0\nvlan = 0\n", x, our_port, x, linux_port);
	start(text);
	wait_active("vx");
	int c = client();
	/* The packet socket lives in the device's namespace. */
	char nspath[64];
	snprintf(nspath, sizeof(nspath), "/run/netns/%s", vxdev);
	int orig = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	int nsfd = open(nspath, O_RDONLY | O_CLOEXEC);
	ck_assert_int_ge(orig, 0);
	ck_assert_int_ge(nsfd, 0);
	ck_assert_int_eq(setns(nsfd, CLONE_NEWNET), 0);
	int pk = packet_socket(vxdev);
	ck_assert_int_eq(setns(orig, CLONE_NEWNET), 0);
	close(nsfd);
	close(orig);
	/* Our encapsulation is decapsulated by the Linux device... */
	send_marker(c, 0x7201);
	ck_assert(packet_wait(pk, 0x7201, 2000));
	/* ...and the Linux device's reaches our port. */
	uint8_t f[128];
	size_t len = vswc_frame(f, BCAST, "02:00:00:00:00:98", -1, 0x7202, 46);
	ck_assert_int_eq(send(pk, f, len, 0), (ssize_t)len);
	ck_assert(client_wait(c, 0x7202, 2000));
	close(pk);
	close(c);
}
END_TEST

int main(void)
{
	int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
	if (getuid() != 0 || fd < 0) {
		fprintf(stderr, "check_vsw_root: needs root and /dev/net/tun; skipped\n");
		return 77;
	}
	close(fd);
	/* Names from the runner's pid, so main can clean up after a failed
	 * test (a forked test that fails skips its teardown). */
	snprintf(dev, sizeof(dev), "hvt%d", (int)(getpid() % 100000));
	snprintf(vxdev, sizeof(vxdev), "hvx%d", (int)(getpid() % 100000));
	if (system("command -v ip >/dev/null && command -v bridge >/dev/null") != 0) {
		fprintf(stderr, "check_vsw_root: needs ip and bridge (iproute2); skipped\n");
		return 77;
	}
	Suite *s = suite_create("vswitchd-root");
	TCase *tc = tcase_create("uplinks");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 20);
	tcase_add_test(tc, t_tap);
	tcase_add_test(tc, t_tap_failover);
	tcase_add_test(tc, t_linux_vxlan);
	suite_add_tcase(s, tc);
	int r = check_run(s);
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "ip netns del %s 2>/dev/null; ip link del %sa 2>/dev/null",
		 vxdev, vxdev);
	if (system(cmd) != 0)
		cmd[0] = '\0';
	return r;
}
