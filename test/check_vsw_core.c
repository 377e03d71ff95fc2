/* Table-driven tests of the vswitch forwarding, VLAN and policy decisions
 * (port mode x frame tag x destination -> expected ports). */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "vsw_core.h"

enum { A, B, C, D, E, F, U1, U2, NPORTS };

#define BIT(i) (1ull << (i))
#define BCAST 0xff
#define MCAST 0xfe
#define UNKNOWN 0xfd
#define NOTAG -1

static const uint16_t port_vlan[NPORTS] = {
	[A] = 10, [B] = 10, [C] = 20, [D] = 0, [E] = 4095, [F] = 0,
};

static void mac_of(int port, uint8_t mac[6])
{
	static const uint8_t base[6] = { 0x00, 0x50, 0x56, 0x00, 0x00, 0x00 };
	memcpy(mac, base, 6);
	mac[5] = (uint8_t)(port + 1);
}

static void make_switch(struct vsw_switch *sw)
{
	memset(sw, 0, sizeof(*sw));
	for (int i = 0; i < NPORTS; i++) {
		struct vsw_port *p = &sw->port[i];
		p->active = true;
		p->uplink = i >= U1;
		p->vlan = port_vlan[i];
		vsw_policy_default(&p->pol);
		if (!p->uplink) {
			mac_of(i, p->mac);
			memcpy(p->guest_mac, p->mac, 6);
		}
	}
	sw->active_uplink = U1;
}

/* Build a frame; dst is a port index or BCAST/MCAST/UNKNOWN. */
static size_t make_frame(uint8_t *buf, int dst, int src, int tag)
{
	size_t n = 0;
	if (dst == BCAST)
		memset(buf, 0xff, 6);
	else if (dst == MCAST)
		memcpy(buf, "\x01\x00\x5e\x00\x00\x01", 6);
	else if (dst == UNKNOWN)
		memcpy(buf, "\x00\x50\x56\x3f\x00\x99", 6);
	else
		mac_of(dst, buf);
	if (src >= 0)
		mac_of(src, buf + 6);
	else
		memcpy(buf + 6, "\x02\x00\x00\x00\x00\x42", 6);
	n = 12;
	if (tag != NOTAG) {
		buf[n++] = 0x81;
		buf[n++] = 0x00;
		buf[n++] = (uint8_t)(tag >> 8);
		buf[n++] = (uint8_t)tag;
	}
	buf[n++] = 0x08;
	buf[n++] = 0x00;
	memset(buf + n, 0xab, 46);
	return n + 46;
}

struct fwd_case {
	int in, tag, dst;
	uint64_t out;
	uint16_t vlan;
	enum vsw_drop drop;
};

static const struct fwd_case fwd_cases[] = {
	/* VST port, untagged: VLAN from the port group. */
	{ A, NOTAG, BCAST, BIT(B) | BIT(E) | BIT(U1), 10, VSW_DROP_NONE },
	{ A, NOTAG, MCAST, BIT(B) | BIT(E) | BIT(U1), 10, VSW_DROP_NONE },
	{ A, NOTAG, B, BIT(B), 10, VSW_DROP_NONE },
	{ A, NOTAG, UNKNOWN, BIT(U1), 10, VSW_DROP_NONE },
	/* Known MAC in another VLAN is unknown here: uplink only. */
	{ A, NOTAG, C, BIT(U1), 10, VSW_DROP_NONE },
	{ A, NOTAG, D, BIT(U1), 10, VSW_DROP_NONE },
	/* VGT port is in every VLAN. */
	{ A, NOTAG, E, BIT(E), 10, VSW_DROP_NONE },
	/* VST port drops tagged frames (any VID, even its own, even 0). */
	{ A, 10, BCAST, 0, 0, VSW_DROP_TAGGED },
	{ A, 20, B, 0, 0, VSW_DROP_TAGGED },
	{ A, 0, B, 0, 0, VSW_DROP_TAGGED },
	/* EST port (VLAN 0). */
	{ D, NOTAG, BCAST, BIT(E) | BIT(F) | BIT(U1), 0, VSW_DROP_NONE },
	{ D, NOTAG, F, BIT(F), 0, VSW_DROP_NONE },
	{ D, NOTAG, A, BIT(U1), 0, VSW_DROP_NONE },
	{ D, 10, BCAST, 0, 0, VSW_DROP_TAGGED },
	/* VLAN 20 has a single VM port. */
	{ C, NOTAG, BCAST, BIT(E) | BIT(U1), 20, VSW_DROP_NONE },
	/* VGT port: the tag selects the VLAN. */
	{ E, 10, BCAST, BIT(A) | BIT(B) | BIT(U1), 10, VSW_DROP_NONE },
	{ E, 20, BCAST, BIT(C) | BIT(U1), 20, VSW_DROP_NONE },
	{ E, NOTAG, BCAST, BIT(D) | BIT(F) | BIT(U1), 0, VSW_DROP_NONE },
	{ E, 0, BCAST, BIT(D) | BIT(F) | BIT(U1), 0, VSW_DROP_NONE },
	{ E, 10, A, BIT(A), 10, VSW_DROP_NONE },
	{ E, 20, A, BIT(U1), 20, VSW_DROP_NONE },
	{ E, 4095, BCAST, 0, 0, VSW_DROP_BAD_VLAN },
	{ E, 30, BCAST, BIT(U1), 30, VSW_DROP_NONE },
	/* Uplink ingress: never back out to an uplink; unknown unicast dies. */
	{ U1, 10, BCAST, BIT(A) | BIT(B) | BIT(E), 10, VSW_DROP_NONE },
	{ U1, NOTAG, BCAST, BIT(D) | BIT(E) | BIT(F), 0, VSW_DROP_NONE },
	{ U1, 10, A, BIT(A), 10, VSW_DROP_NONE },
	{ U1, 20, A, 0, 20, VSW_DROP_NO_DEST },
	{ U1, 10, UNKNOWN, 0, 10, VSW_DROP_NO_DEST },
	{ U1, NOTAG, D, BIT(D), 0, VSW_DROP_NONE },
	{ U1, 4095, BCAST, 0, 0, VSW_DROP_BAD_VLAN },
	{ U1, 30, BCAST, BIT(E), 30, VSW_DROP_NONE },
	/* Standby uplink ingress still reaches VMs (traffic from the wire). */
	{ U2, 10, B, BIT(B), 10, VSW_DROP_NONE },
};

START_TEST(test_forward_table)
{
	const struct fwd_case *c = &fwd_cases[_i];
	struct vsw_switch sw;
	struct vsw_hdr h;
	struct vsw_decision d;
	uint8_t buf[128];
	make_switch(&sw);
	int src = sw.port[c->in].uplink ? -1 : c->in;
	size_t n = make_frame(buf, c->dst, src, c->tag);
	ck_assert_int_eq(vsw_parse(buf, n, &h), VSW_DROP_NONE);
	vsw_forward(&sw, c->in, &h, &d);
	ck_assert_msg(d.drop == c->drop, "case %d: drop %s, want %s", _i,
		      vsw_drop_name(d.drop), vsw_drop_name(c->drop));
	ck_assert_msg(d.out == c->out, "case %d: out %#llx, want %#llx", _i,
		      (unsigned long long)d.out, (unsigned long long)c->out);
	if (c->drop == VSW_DROP_NONE)
		ck_assert_int_eq(d.vlan, c->vlan);
}
END_TEST

START_TEST(test_egress_tagging)
{
	struct vsw_switch sw;
	make_switch(&sw);
	ck_assert(!vsw_egress_tagged(&sw.port[A], 10));
	ck_assert(!vsw_egress_tagged(&sw.port[D], 0));
	ck_assert(vsw_egress_tagged(&sw.port[E], 10));
	ck_assert(!vsw_egress_tagged(&sw.port[E], 0));
	ck_assert(vsw_egress_tagged(&sw.port[U1], 10));
	ck_assert(!vsw_egress_tagged(&sw.port[U1], 0));
}
END_TEST

START_TEST(test_forged_transmit)
{
	struct vsw_switch sw;
	struct vsw_hdr h;
	struct vsw_decision d;
	uint8_t buf[128];
	make_switch(&sw);
	size_t n = make_frame(buf, B, C, NOTAG); /* A sends with C's MAC */
	ck_assert_int_eq(vsw_parse(buf, n, &h), VSW_DROP_NONE);
	vsw_forward(&sw, A, &h, &d);
	ck_assert_int_eq(d.drop, VSW_DROP_FORGED);
	ck_assert(d.out == 0);
	sw.port[A].pol.allow_forged = true;
	vsw_forward(&sw, A, &h, &d);
	ck_assert_int_eq(d.drop, VSW_DROP_NONE);
	ck_assert(d.out == BIT(B));
}
END_TEST

START_TEST(test_promiscuous)
{
	struct vsw_switch sw;
	struct vsw_hdr h;
	struct vsw_decision d;
	uint8_t buf[128];
	make_switch(&sw);
	sw.port[B].pol.allow_promisc = true;
	sw.port[C].pol.allow_promisc = true;
	size_t n = make_frame(buf, UNKNOWN, A, NOTAG);
	ck_assert_int_eq(vsw_parse(buf, n, &h), VSW_DROP_NONE);
	vsw_forward(&sw, A, &h, &d);
	/* B (same VLAN) sees it; C (other VLAN) never does. */
	ck_assert(d.out == (BIT(B) | BIT(U1)));
	n = make_frame(buf, E, A, NOTAG);
	vsw_parse(buf, n, &h);
	vsw_forward(&sw, A, &h, &d);
	ck_assert(d.out == (BIT(B) | BIT(E)));
}
END_TEST

START_TEST(test_mac_changes)
{
	struct vsw_switch sw;
	struct vsw_hdr h;
	struct vsw_decision d;
	uint8_t buf[128];
	make_switch(&sw);
	sw.port[B].guest_mac[5] = 0x77; /* guest reprogrammed its MAC */
	size_t n = make_frame(buf, B, A, NOTAG);
	vsw_parse(buf, n, &h);
	vsw_forward(&sw, A, &h, &d);
	ck_assert_int_eq(d.drop, VSW_DROP_MAC_CHANGED);
	ck_assert(d.dropped == BIT(B));
	n = make_frame(buf, BCAST, A, NOTAG);
	vsw_parse(buf, n, &h);
	vsw_forward(&sw, A, &h, &d);
	ck_assert(d.out == (BIT(E) | BIT(U1)));
	ck_assert(d.dropped == BIT(B));
	/* Changing back restores delivery. */
	memcpy(sw.port[B].guest_mac, sw.port[B].mac, 6);
	vsw_forward(&sw, A, &h, &d);
	ck_assert(d.out == (BIT(B) | BIT(E) | BIT(U1)));
	/* Accept policy: delivery regardless. */
	sw.port[B].guest_mac[5] = 0x77;
	sw.port[B].pol.allow_mac_changes = true;
	vsw_forward(&sw, A, &h, &d);
	ck_assert(d.out == (BIT(B) | BIT(E) | BIT(U1)));
}
END_TEST

START_TEST(test_failover_and_down)
{
	struct vsw_switch sw;
	struct vsw_hdr h;
	struct vsw_decision d;
	uint8_t buf[128];
	make_switch(&sw);
	size_t n = make_frame(buf, UNKNOWN, A, NOTAG);
	vsw_parse(buf, n, &h);
	sw.active_uplink = U2;
	vsw_forward(&sw, A, &h, &d);
	ck_assert(d.out == BIT(U2));
	sw.active_uplink = -1;
	vsw_forward(&sw, A, &h, &d);
	ck_assert_int_eq(d.drop, VSW_DROP_NO_DEST);
	sw.port[A].active = false;
	vsw_forward(&sw, A, &h, &d);
	ck_assert_int_eq(d.drop, VSW_DROP_PORT_DOWN);
	vsw_forward(&sw, -1, &h, &d);
	ck_assert_int_eq(d.drop, VSW_DROP_PORT_DOWN);
	vsw_forward(&sw, VSW_MAX_PORTS, &h, &d);
	ck_assert_int_eq(d.drop, VSW_DROP_PORT_DOWN);
}
END_TEST

START_TEST(test_parse_bounds)
{
	uint8_t buf[2048];
	struct vsw_hdr h;
	memset(buf, 0, sizeof(buf));
	ck_assert_int_eq(vsw_parse(buf, 0, &h), VSW_DROP_RUNT);
	ck_assert_int_eq(vsw_parse(buf, 13, &h), VSW_DROP_RUNT);
	ck_assert_int_eq(vsw_parse(buf, 14, &h), VSW_DROP_NONE);
	ck_assert_int_eq(vsw_parse(buf, VSW_ETH_MAX, &h), VSW_DROP_NONE);
	ck_assert_int_eq(vsw_parse(buf, VSW_ETH_MAX + 1, &h), VSW_DROP_OVERSIZE);
	buf[12] = 0x81;
	ck_assert_int_eq(vsw_parse(buf, 17, &h), VSW_DROP_RUNT);
	buf[14] = 0xe0;
	buf[15] = 0x64;
	ck_assert_int_eq(vsw_parse(buf, 18, &h), VSW_DROP_NONE);
	ck_assert(h.tagged);
	ck_assert_int_eq(h.vid, 100);
	ck_assert_int_eq(h.pcp, 7);
}
END_TEST

START_TEST(test_mac_parse)
{
	uint8_t m[6];
	ck_assert_int_eq(vsw_mac_parse("00:50:56:0a:Bc:ff", m), 0);
	ck_assert_int_eq(m[3], 0x0a);
	ck_assert_int_eq(m[4], 0xbc);
	ck_assert_int_eq(m[5], 0xff);
	ck_assert_int_lt(vsw_mac_parse("00:50:56:0a:bc", m), 0);
	ck_assert_int_lt(vsw_mac_parse("00:50:56:0a:bc:ff:", m), 0);
	ck_assert_int_lt(vsw_mac_parse("00-50-56-0a-bc-ff", m), 0);
	ck_assert_int_lt(vsw_mac_parse("0g:50:56:0a:bc:ff", m), 0);
	ck_assert_int_lt(vsw_mac_parse("", m), 0);
	ck_assert_str_eq(vsw_drop_name(VSW_DROP_FORGED), "forged-transmit");
	ck_assert_str_eq(vsw_drop_name((enum vsw_drop)999), "unknown");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("vsw_core");
	TCase *tc = tcase_create("core");
	tcase_add_loop_test(tc, test_forward_table, 0,
			    (int)(sizeof(fwd_cases) / sizeof(fwd_cases[0])));
	tcase_add_test(tc, test_egress_tagging);
	tcase_add_test(tc, test_forged_transmit);
	tcase_add_test(tc, test_promiscuous);
	tcase_add_test(tc, test_mac_changes);
	tcase_add_test(tc, test_failover_and_down);
	tcase_add_test(tc, test_parse_bounds);
	tcase_add_test(tc, test_mac_parse);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
