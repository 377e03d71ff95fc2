/* Unit tests of vswitchd's pure parsers: framing words, the hello and
 * control messages, the VXLAN header, the token-bucket shaper and the
 * configuration file (values, defaults, teaming order, errors by line). */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "check_run.h"
#include "vsw_config.h"
#include "vsw_msg.h"
#include "vsw_proto.h"

START_TEST(t_decode)
{
	uint32_t len;
	ck_assert_int_eq(vsw_msg_decode(0, &len), VSW_MSG_FRAME);
	ck_assert_uint_eq(len, 0);
	ck_assert_int_eq(vsw_msg_decode(60, &len), VSW_MSG_FRAME);
	ck_assert_uint_eq(len, 60);
	ck_assert_int_eq(vsw_msg_decode(65535, &len), VSW_MSG_FRAME);
	ck_assert_int_eq(vsw_msg_decode(65536, &len), VSW_MSG_BAD);
	ck_assert_int_eq(vsw_msg_decode(0x7fffffff, &len), VSW_MSG_BAD);
	ck_assert_int_eq(vsw_msg_decode(VSW_PROTO_CTRL, &len), VSW_MSG_BAD);
	ck_assert_int_eq(vsw_msg_decode(VSW_PROTO_CTRL | 1024, &len), VSW_MSG_CTRL);
	ck_assert_uint_eq(len, 1024);
	ck_assert_int_eq(vsw_msg_decode(VSW_PROTO_CTRL | 1025, &len), VSW_MSG_BAD);
	ck_assert_int_eq(vsw_msg_decode(VSW_PROTO_CTRL | 0x10010, &len), VSW_MSG_BAD);
}
END_TEST

static int hello(const char *text, struct vsw_hello *h, const char **why)
{
	return vsw_hello_parse((const uint8_t *)text, strlen(text), h, why);
}

START_TEST(t_hello)
{
	struct vsw_hello h;
	const char *why;

	ck_assert_int_eq(hello("HOSTVM-HELLO 1\nvm=web \"1\"\nuuid=56 4d\nnic=2\n"
			       "mac=00:50:56:0A:0b:0c\nportgroup=VM Network\nfuture=x\n", &h, &why), 0);
	ck_assert_str_eq(h.vm, "web _1_");
	ck_assert_str_eq(h.uuid, "56 4d");
	ck_assert_str_eq(h.portgroup, "VM Network");
	ck_assert_int_eq(h.nic, 2);
	ck_assert_mem_eq(h.mac, "\x00\x50\x56\x0a\x0b\x0c", 6);
	/* Any order, no final newline, vm optional. */
	ck_assert_int_eq(hello("HOSTVM-HELLO 1\nportgroup=p\nmac=00:50:56:00:00:01\nnic=0", &h, &why), 0);
	ck_assert_str_eq(h.vm, "-");
	ck_assert_str_eq(h.uuid, "-");
	/* Display names are informational: empty, long or UTF-8 is fine. */
	ck_assert_int_eq(hello("HOSTVM-HELLO 1\nnic=0\nmac=00:50:56:00:00:01\nportgroup=p\nvm=\n", &h, &why), 0);
	ck_assert_str_eq(h.vm, "-");
	ck_assert_int_eq(hello("HOSTVM-HELLO 1\nnic=0\nmac=00:50:56:00:00:01\nportgroup=p\n"
			       "vm=caf\xc3\xa9 0123456789012345678901234567890123456789012345678901234567890123456789\n",
			       &h, &why), 0);
	ck_assert_uint_eq(strlen(h.vm), VSW_NAME_MAX - 1);
	ck_assert_mem_eq(h.vm, "caf?? 0123", 10);

	static const char *const bad[] = {
		"HOSTVM-HELLO 2\nnic=0\nmac=00:50:56:00:00:01\nportgroup=p\n",
		"HELLO\n",
		"HOSTVM-HELLO 1\nnic=0\nportgroup=p\n",
		"HOSTVM-HELLO 1\nnic=0\nmac=00:50:56:00:00:01\n",
		"HOSTVM-HELLO 1\nmac=00:50:56:00:00:01\nportgroup=p\n",
		"HOSTVM-HELLO 1\nnic=0\nmac=01:00:5e:00:00:01\nportgroup=p\n",
		"HOSTVM-HELLO 1\nnic=0\nmac=00:50:56:00:00:1\nportgroup=p\n",
		"HOSTVM-HELLO 1\nnic=0\nmac=00:50:56:00:00:01:\nportgroup=p\n",
		"HOSTVM-HELLO 1\nnic=1000\nmac=00:50:56:00:00:01\nportgroup=p\n",
		"HOSTVM-HELLO 1\nnic=-1\nmac=00:50:56:00:00:01\nportgroup=p\n",
		"HOSTVM-HELLO 1\nnic=0\nmac=00:50:56:00:00:01\nportgroup=\n",
		"HOSTVM-HELLO 1\nnic=0\nmac=00:50:56:00:00:01\nportgroup=p\x01q\n",
		"HOSTVM-HELLO 1\nnic=0\nmac=00:50:56:00:00:01\nportgroup=p\njunk\n",
		"HOSTVM-HELLO 1\nnic=0\nmac=00:50:56:00:00:01\nportgroup=0123456789012345678901234567890123456789012345678901234567890123456789\n",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(hello(bad[i], &h, &why) == -EINVAL, "case %zu accepted", i);
	/* A NUL inside a value is not printable. */
	static const uint8_t nul[] = "HOSTVM-HELLO 1\nnic=0\nmac=00:50:56:00:00:01\nportgroup=a\0b\n";
	ck_assert_int_eq(vsw_hello_parse(nul, sizeof(nul) - 1, &h, &why), -EINVAL);
	uint8_t big[VSW_PROTO_HELLO_MAX + 1];
	memset(big, 'a', sizeof(big));
	ck_assert_int_eq(vsw_hello_parse(big, sizeof(big), &h, &why), -EINVAL);
}
END_TEST

static void ctrl(const char *s, struct vsw_ctrl *c)
{
	vsw_ctrl_parse((const uint8_t *)s, strlen(s), c);
}

START_TEST(t_ctrl)
{
	struct vsw_ctrl c;
	ctrl("MAC 00:50:56:00:00:99\n", &c);
	ck_assert_int_eq(c.kind, VSW_CTRL_MAC);
	ck_assert_int_eq(c.mac[5], 0x99);
	ctrl("MAC 00:50:56:00:00:99", &c);
	ck_assert_int_eq(c.kind, VSW_CTRL_MAC);
	ctrl("MAC 00:50:56:00:00:9\n", &c);
	ck_assert_int_eq(c.kind, VSW_CTRL_UNKNOWN);
	ctrl("MAC 00-50-56-00-00-99\n", &c);
	ck_assert_int_eq(c.kind, VSW_CTRL_UNKNOWN);
	ctrl("LINK up\n", &c);
	ck_assert_int_eq(c.kind, VSW_CTRL_LINK);
	ck_assert(c.up);
	ctrl("LINK down", &c);
	ck_assert_int_eq(c.kind, VSW_CTRL_LINK);
	ck_assert(!c.up);
	ctrl("LINK sideways\n", &c);
	ck_assert_int_eq(c.kind, VSW_CTRL_UNKNOWN);
	vsw_ctrl_parse((const uint8_t *)"LINK up\0x", 9, &c);
	ck_assert_int_eq(c.kind, VSW_CTRL_UNKNOWN);
	uint8_t long_msg[300];
	memset(long_msg, 'M', sizeof(long_msg));
	vsw_ctrl_parse(long_msg, sizeof(long_msg), &c);
	ck_assert_int_eq(c.kind, VSW_CTRL_UNKNOWN);
}
END_TEST

START_TEST(t_vxlan)
{
	uint8_t h[VSW_VXLAN_HLEN];
	uint32_t vni;
	vsw_vxlan_encode(h, 0xabcdef);
	ck_assert_mem_eq(h, "\x08\x00\x00\x00\xab\xcd\xef\x00", 8);
	ck_assert_int_eq(vsw_vxlan_decode(h, 8, &vni), 0);
	ck_assert_uint_eq(vni, 0xabcdef);
	/* Reserved bits are ignored on receipt; the I flag is required. */
	h[1] = 0xff;
	h[7] = 0xff;
	ck_assert_int_eq(vsw_vxlan_decode(h, 8, &vni), 0);
	ck_assert_uint_eq(vni, 0xabcdef);
	h[0] = 0;
	ck_assert_int_eq(vsw_vxlan_decode(h, 8, &vni), -EINVAL);
	ck_assert_int_eq(vsw_vxlan_decode(h, 7, &vni), -EINVAL);
}
END_TEST

START_TEST(t_shaper)
{
	struct vsw_shaping cfg = { .enabled = true, .avg_kbps = 8000, .peak_kbps = 16000,
				   .burst_kb = 10 };
	struct vsw_shaper s;
	vsw_shaper_init(&s, &cfg, 1000);
	/* The burst bucket (10 KB) limits the first instant. */
	for (int i = 0; i < 10; i++)
		ck_assert(vsw_shaper_take(&s, 1000, 1000));
	ck_assert(!vsw_shaper_take(&s, 1000, 1000));
	uint64_t w = vsw_shaper_wait(&s, 1000, 1000);
	ck_assert_uint_gt(w, 0);
	ck_assert(vsw_shaper_take(&s, 1000, 1000 + w));
	/* Over ten simulated seconds the average rate holds (1e6 bytes/s),
	 * plus at most the burst. */
	uint64_t t = 1000 + w, bytes = 0, end = t + 10ull * 1000000000;
	while (t < end) {
		if (vsw_shaper_take(&s, 1000, t))
			bytes += 1000;
		else
			t += 50000;
	}
	ck_assert_uint_ge(bytes, 10000000 - 2000);
	ck_assert_uint_le(bytes, 10000000 + 10240 + 2000);
	/* With a large burst the peak bucket (10 ms at 2 MB/s = 20000 B)
	 * limits the instant. */
	cfg.burst_kb = 1000;
	vsw_shaper_init(&s, &cfg, 0);
	for (int i = 0; i < 20; i++)
		ck_assert(vsw_shaper_take(&s, 1000, 0));
	ck_assert(!vsw_shaper_take(&s, 1000, 0));
	/* 5 ms later the peak bucket has 10000 B more. */
	for (int i = 0; i < 10; i++)
		ck_assert(vsw_shaper_take(&s, 1000, 5000000));
	ck_assert(!vsw_shaper_take(&s, 1000, 5000000));
	/* Disabled: everything passes. */
	cfg.enabled = false;
	vsw_shaper_init(&s, &cfg, 0);
	ck_assert(vsw_shaper_take(&s, 1 << 20, 0));
	ck_assert_uint_eq(vsw_shaper_wait(&s, 1 << 20, 0), 0);
}
END_TEST

static const char good[] =
	"# example\n"
	"[global]\n"
	"auditLog = /var/log/vsw-audit.log\n"
	"helloTimeout = 250\n"
	"socketMode = 666\n"
	"socketGroup = 4242\n"
	"[vswitch vSwitch0]\n"
	"allowPromiscuous = false\n"
	"forgedTransmits = accept\n"
	"activeUplinks = b\n"
	"standbyUplinks = a\n"
	"failback = no\n"
	"[uplink a]\nvswitch = vSwitch0\ntype = tap\ndevice = tap7\n"
	"[uplink b]\nvswitch = vSwitch0\ntype = vxlan\nvni = 42\nremote = 10.0.0.2\nport = 4790\n"
	"[uplink c]\nvswitch = vSwitch0\ntype = vxlan\nvni = 43\nremote = 10.0.0.3\nlocalPort = 4791\n"
	"[uplink d]\nvswitch = vSwitch0\ntype = vxlan\nvni = 44\nremote = fd00::2\n"
	"[portgroup \"VM Network\"]\n"
	"vswitch = vSwitch0\n"
	"vlan = 4095\n"
	"allowPromiscuous = yes\n"
	"averageBandwidth = 1000\n"
	"qemuSocket = /tmp/q.sock\n"
	"qemuMac = 00:50:56:00:00:07\n"
	"  [ portgroup   lab ]  \n"
	"vswitch=vSwitch0\n"
	"socket = /tmp/lab.sock\n"
	"macChanges = accept\n";

START_TEST(t_config)
{
	struct vsw_conf c;
	char err[256];
	ck_assert_int_eq(vsw_conf_parse(good, strlen(good), "x.conf", "/run/t", &c, err,
					sizeof(err)), 0);
	ck_assert_str_eq(c.run_dir, "/run/t");
	ck_assert_uint_eq(c.hello_timeout_ms, 250);
	ck_assert_uint_eq(c.socket_mode, 0666);
	ck_assert_int_eq(c.socket_gid, 4242);
	ck_assert_str_eq(c.audit_log, "/var/log/vsw-audit.log");
	ck_assert_int_eq(c.nswitch, 1);
	ck_assert(!c.sw[0].pol.allow_promisc);
	ck_assert(c.sw[0].pol.allow_forged);
	ck_assert(!c.sw[0].pol.allow_mac_changes);
	/* Failover order: active, standby, then the unnamed uplink. */
	ck_assert_int_eq(c.sw[0].nteam, 4);
	ck_assert_int_eq(c.sw[0].nactive, 1);
	ck_assert(!c.sw[0].failback);
	ck_assert_str_eq(c.up[c.sw[0].team[0]].name, "b");
	ck_assert_str_eq(c.up[c.sw[0].team[1]].name, "a");
	ck_assert_str_eq(c.up[c.sw[0].team[2]].name, "c");
	ck_assert_int_eq(c.up[1].local_port, 4790);
	ck_assert_int_eq(c.up[1].remote_port, 4790);
	ck_assert_int_eq(c.up[2].local_port, 4791);
	ck_assert_int_eq(c.up[2].remote_port, VSW_VXLAN_PORT);
	ck_assert_str_eq(c.up[2].local, "0.0.0.0");
	ck_assert_str_eq(c.up[3].local, "::");             /* the remote's family */
	ck_assert_str_eq(c.up[3].remote, "fd00::2");
	ck_assert_int_eq(c.npg, 2);
	const struct vsw_conf_pg *g = &c.pg[0];
	ck_assert_str_eq(g->name, "VM Network");
	ck_assert_str_eq(g->socket, "/run/t/VM Network.sock");
	ck_assert_int_eq(g->vlan, 4095);
	ck_assert(g->shape.enabled);
	ck_assert_uint_eq(g->shape.peak_kbps, 1000);     /* defaults to average */
	ck_assert_uint_eq(g->shape.burst_kb, 14);        /* 100 ms + 2 KB */
	ck_assert_int_eq(g->qemu_mac[5], 7);
	struct vsw_policy p;
	vsw_conf_pg_policy(&c, g, &p);
	ck_assert(p.allow_promisc && p.allow_forged && !p.allow_mac_changes);
	ck_assert_str_eq(c.pg[1].name, "lab");
	ck_assert_str_eq(c.pg[1].socket, "/tmp/lab.sock");
	vsw_conf_pg_policy(&c, &c.pg[1], &p);
	ck_assert(!p.allow_promisc && p.allow_forged && p.allow_mac_changes);
	ck_assert_int_eq(vsw_conf_parse("", 0, "e", NULL, &c, err, sizeof(err)), 0);
	ck_assert_str_eq(c.run_dir, "/run/hostvm/vswitch");
	ck_assert_str_eq(c.audit_log, "/run/hostvm/vswitch/audit.log");
	ck_assert_uint_eq(c.hello_timeout_ms, 5000);
	ck_assert_uint_eq(c.socket_mode, 0660);
	ck_assert_int_eq(c.socket_gid, -1);
}
END_TEST

static const struct {
	const char *text;
	const char *err;
} bad_conf[] = {
	{ "[vswitch]\n", "f:1: [vswitch] needs a valid name" },
	{ "[vswitch a\n", "f:1: section header must end" },
	{ "[switch a]\n", "f:1: unknown section [switch]" },
	{ "\n\n[vswitch a]\nallowPromiscuous = maybe\n", "f:4: allowPromiscuous: expected" },
	{ "[vswitch a]\nactiveUplinks = x\n", "f:2: unknown uplink \"x\"" },
	{ "[vswitch a]\n[vswitch b]\nactiveUplinks = u\n[uplink u]\nvswitch = a\ntype = tap\ndevice = t0\n",
	  "f:3: uplink \"u\" belongs to another vswitch" },
	{ "[vswitch a]\nactiveUplinks = u\nstandbyUplinks = u\n[uplink u]\nvswitch = a\ntype = tap\ndevice = t\n",
	  "listed twice" },
	{ "[vswitch a]\n[uplink u]\nvswitch = a\ntype = gre\n", "f:4: type: expected tap or vxlan" },
	{ "[vswitch a]\n[uplink u]\nvswitch = a\ntype = tap\n", "f:2: tap uplink \"u\" has no device" },
	{ "[vswitch a]\n[uplink u]\nvswitch = a\ntype = vxlan\nvni = 1\n", "f:2: vxlan uplink \"u\" needs vni and remote" },
	{ "[vswitch a]\n[uplink u]\ntype = tap\ndevice = t\n", "f:2: uplink \"u\" has no vswitch" },
	{ "[vswitch a]\n[uplink u]\nvswitch = a\ntype = vxlan\nvni = 16777216\n", "f:5: vni: 16777216 is out of range" },
	{ "[vswitch a]\n[uplink u]\nvswitch = a\ntype = vxlan\nvni = 1\nremote = 10.0.0.256\n", "f:6: remote: \"10.0.0.256\" is not an IPv4" },
	{ "[vswitch a]\n[uplink u]\nvswitch = a\ntype = vxlan\nvni = 1\nremote = 1.2.3.4\nport = 0\n", "f:7: port: 0 is out of range" },
	{ "[vswitch a]\n[uplink u]\nvswitch = a\ntype = tap\ndevice = 0123456789abcdefg\n", "f:5: device: value must be" },
	{ "[vswitch a]\n[uplink u]\nvswitch = a\ntype = tap\ndevice = t\n[uplink v]\nvswitch = a\ntype = tap\ndevice = t\n",
	  "f:6: tap device t already used" },
	{ "[vswitch a]\n[uplink u]\nvswitch = a\ntype = vxlan\nvni = 1\nremote = ::1\nlocal = 127.0.0.1\n",
	  "f:2: vxlan uplink \"u\": local and remote are of different address families" },
	{ "[vswitch a]\n[portgroup p]\nvswitch = a\nvlan = -1\n", "f:4: vlan: \"-1\" is not a decimal" },
	{ "[vswitch a]\n[portgroup p]\nvswitch = a\nvlan = 99999999999999999999999\n", "f:4: vlan: 99999999999999999999999 is too large" },
	{ "[vswitch a]\n[portgroup p]\nvswitch = a\npeakBandwidth = 10\n", "f:2: portgroup \"p\": shaping needs averageBandwidth" },
	{ "[vswitch a]\n[portgroup p]\nvswitch = a\naverageBandwidth = 10\npeakBandwidth = 5\n", "f:2: portgroup \"p\": peakBandwidth below" },
	{ "[vswitch a]\n[portgroup p]\nvswitch = a\nsocket = rel.sock\n", "f:4: socket: socket path must be absolute" },
	{ "[vswitch a]\n[portgroup p]\nvswitch = a\nqemuSocket = /x/q\n", "f:2: portgroup \"p\": qemuSocket and qemuMac go together" },
	{ "[vswitch a]\n[portgroup p]\nvswitch = a\nsocket = /x/s\n[portgroup q]\nvswitch = a\nqemuSocket = /x/s\nqemuMac = 00:50:56:00:00:01\n",
	  "f:5: socket /x/s already used by portgroup \"p\"" },
	{ "[vswitch a]\n[portgroup p]\n", "f:2: portgroup \"p\" has no vswitch" },
	{ "[vswitch a]\n[portgroup p]\n[portgroup p]\n", "f:3: duplicate portgroup" },
	{ "[vswitch a/b]\n", "f:1: [vswitch] needs a valid name" },
	{ "[global]\nrunDir = relative\n", "f:2: runDir: must be an absolute" },
	{ "[global]\nsocketMode = 0888\n", "f:2: socketMode: expected an octal" },
	{ "[global]\nsocketMode = 0066\n", "f:2: socketMode: 0066 must be at most 0777 and give the owner rw" },
	{ "[global]\nsocketGroup = no-such-group-hv\n", "f:2: socketGroup: no group" },
	{ "[global]\nhelloTimeout = 10\n", "f:2: helloTimeout: 10 is out of range 100..60000" },
	{ "[vswitch a]\njunk\n", "f:2: expected \"key = value\"" },
	{ "[vswitch a]\n= 1\n", "f:2: missing key" },
};

START_TEST(t_config_errors)
{
	struct vsw_conf c;
	char err[256];
	const char *text = bad_conf[_i].text;
	ck_assert_int_eq(vsw_conf_parse(text, strlen(text), "f", NULL, &c, err, sizeof(err)),
			 -EINVAL);
	ck_assert_msg(strstr(err, bad_conf[_i].err) != NULL, "case %d: got \"%s\"", _i, err);
}
END_TEST

START_TEST(t_config_limits)
{
	struct vsw_conf c;
	char err[256];
	/* An over-long line and a NUL byte are errors, not truncations. */
	char text[2100];
	memset(text, 'x', sizeof(text));
	ck_assert_int_eq(vsw_conf_parse(text, sizeof(text), "f", NULL, &c, err, sizeof(err)), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "f:1: line longer"));
	ck_assert_int_eq(vsw_conf_parse("[vswitch a]\n#\0\n", 15, "f", NULL, &c, err, sizeof(err)), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "f:2: NUL"));
	/* Too many objects. */
	char many[4096] = "";
	for (int i = 0; i <= VSW_MAX_SWITCHES; i++) {
		char l[32];
		snprintf(l, sizeof(l), "[vswitch s%d]\n", i);
		strcat(many, l);
	}
	ck_assert_int_eq(vsw_conf_parse(many, strlen(many), "f", NULL, &c, err, sizeof(err)), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "f:17: more than 16 vswitches"));
	/* A default socket path that does not fit sun_path. */
	char longdir[90];
	memset(longdir, 'd', sizeof(longdir));
	longdir[0] = '/';
	longdir[80] = '\0';
	static const char pg[] = "[vswitch a]\n[portgroup abcdefghijklmnopqrstuvwxyz0123456789]\nvswitch = a\n";
	ck_assert_int_eq(vsw_conf_parse(pg, strlen(pg), "f", longdir, &c, err, sizeof(err)), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "f:2: default socket path"));
	ck_assert(!vsw_name_valid(" a"));
	ck_assert(!vsw_name_valid("a "));
	ck_assert(!vsw_name_valid("a\tb"));
	ck_assert(vsw_name_valid("VM Network-2.lab"));
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("vsw_msg");
	TCase *tc = tcase_create("parsers");
	tcase_add_test(tc, t_decode);
	tcase_add_test(tc, t_hello);
	tcase_add_test(tc, t_ctrl);
	tcase_add_test(tc, t_vxlan);
	tcase_add_test(tc, t_shaper);
	tcase_add_test(tc, t_config);
	tcase_add_loop_test(tc, t_config_errors, 0, (int)(sizeof(bad_conf) / sizeof(bad_conf[0])));
	tcase_add_test(tc, t_config_limits);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_run(suite());
}
