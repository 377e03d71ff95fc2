/* libFuzzer target: vswitchd's parsers of peer- and file-controlled input.
 * Byte 0 selects what the rest is:
 *   0  a configuration file (vsw_conf_parse),
 *   1  a hello (vsw_hello_parse),
 *   2  a control message after the hello (vsw_ctrl_parse),
 *   3  a VXLAN datagram (vsw_vxlan_decode, then the inner frame as 4),
 *   4+ a receive stream on a port: messages are split exactly as the
 *      daemon does (vsw_msg_next), hellos and control messages parsed,
 *      frames parsed, switched (vsw_forward) and their egress copies built
 *      (vsw_egress_iov), with invariants on every length. */
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vsw_config.h"
#include "vsw_core.h"
#include "vsw_msg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct vsw_switch sw;

static void setup_switch(uint8_t modes)
{
	memset(&sw, 0, sizeof(sw));
	for (int i = 0; i < 8; i++) {
		struct vsw_port *p = &sw.port[i];
		p->active = true;
		p->uplink = i >= 6;
		p->vlan = (modes >> (i % 4)) & 1 ? 4095 : (uint16_t)(i * 3);
		vsw_policy_default(&p->pol);
		p->pol.allow_promisc = (modes >> i) & 1;
		p->mac[0] = 0x00;
		p->mac[5] = (uint8_t)i;
		memcpy(p->guest_mac, p->mac, 6);
	}
	sw.active_uplink = 6;
}

static void switch_frame(const uint8_t *f, size_t len, int in)
{
	struct vsw_hdr h;
	struct vsw_decision d;
	if (vsw_parse(f, len, &h) != VSW_DROP_NONE)
		return;
	vsw_forward(&sw, in, &h, &d);
	for (int i = 0; i < VSW_MAX_PORTS; i++) {
		if (!(d.out >> i & 1))
			continue;
		struct iovec iov[3];
		uint8_t tag[4];
		size_t olen, sum = 0;
		int n = vsw_egress_iov(f, &h, d.vlan, vsw_egress_tagged(&sw.port[i], d.vlan),
				       tag, iov, &olen);
		for (int k = 0; k < n; k++) {
			sum += iov[k].iov_len;
			/* Every piece lies inside the frame or the tag buffer. */
			const uint8_t *b = iov[k].iov_base;
			assert(b == tag || (b >= f && b + iov[k].iov_len <= f + len));
		}
		assert(sum == olen && olen >= VSW_ETH_MIN && olen <= len + 4);
	}
}

static void stream(const uint8_t *data, size_t size)
{
	bool hello_done = false;
	size_t pos = 0;
	setup_switch(data[0]);
	data++;
	size--;
	while (pos < size) {
		enum vsw_msg_kind k;
		uint32_t len;
		int used = vsw_msg_next(data + pos, size - pos, !hello_done, &k, &len);
		if (used <= 0)
			return;
		assert((size_t)used == 4 + (size_t)len && pos + (size_t)used <= size);
		const uint8_t *m = data + pos + 4;
		if (k == VSW_MSG_CTRL) {
			if (!hello_done) {
				struct vsw_hello h;
				const char *why;
				if (vsw_hello_parse(m, len, &h, &why) < 0)
					return;
				assert(strlen(h.portgroup) > 0 && !vsw_mac_is_group(h.mac));
				hello_done = true;
			} else {
				struct vsw_ctrl c;
				vsw_ctrl_parse(m, len, &c);
			}
		} else {
			switch_frame(m, len, (int)(len % 8));
		}
		pos += (size_t)used;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 2)
		return 0;
	uint8_t sel = data[0];
	data++;
	size--;
	switch (sel) {
	case 0: {
		static struct vsw_conf c;
		char err[256];
		char *text = malloc(size + 1);
		if (!text)
			return 0;
		memcpy(text, data, size);
		if (vsw_conf_parse(text, size, "fuzz", NULL, &c, err, sizeof(err)) == 0) {
			for (int i = 0; i < c.npg; i++) {
				struct vsw_policy p;
				assert(c.pg[i].sw >= 0 && c.pg[i].sw < c.nswitch);
				vsw_conf_pg_policy(&c, &c.pg[i], &p);
			}
			for (int i = 0; i < c.nswitch; i++)
				for (int k = 0; k < c.sw[i].nteam; k++)
					assert(c.up[c.sw[i].team[k]].sw == i);
		}
		free(text);
		break;
	}
	case 1: {
		struct vsw_hello h;
		const char *why;
		vsw_hello_parse(data, size, &h, &why);
		break;
	}
	case 2: {
		struct vsw_ctrl c;
		vsw_ctrl_parse(data, size, &c);
		break;
	}
	case 3: {
		uint32_t vni;
		if (vsw_vxlan_decode(data, size, &vni) == 0) {
			assert(vni <= 0xffffff);
			setup_switch(0x5a);
			switch_frame(data + VSW_VXLAN_HLEN, size - VSW_VXLAN_HLEN, 6);
		}
		break;
	}
	default:
		stream(data, size);
		break;
	}
	return 0;
}
