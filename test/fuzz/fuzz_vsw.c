/* libFuzzer target: frame parsing and forwarding decisions of the vswitch
 * core.  Byte 0 picks the ingress port, byte 1 the switch's port modes;
 * the rest is the frame. */
#include <stdint.h>
#include <string.h>

#include "vsw_core.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct vsw_switch sw;
	struct vsw_hdr h;
	struct vsw_decision d;
	if (size < 2)
		return 0;
	memset(&sw, 0, sizeof(sw));
	for (int i = 0; i < 8; i++) {
		struct vsw_port *p = &sw.port[i];
		p->active = true;
		p->uplink = i >= 6;
		p->vlan = (data[1] >> (i % 4)) & 1 ? 4095 : (uint16_t)(i * 7);
		vsw_policy_default(&p->pol);
		p->pol.allow_promisc = (data[1] >> i) & 1;
		p->mac[0] = 0x00;
		p->mac[5] = (uint8_t)i;
		memcpy(p->guest_mac, p->mac, 6);
	}
	sw.active_uplink = 6;
	int in = (int8_t)data[0];
	if (vsw_parse(data + 2, size - 2, &h) != VSW_DROP_NONE)
		return 0;
	vsw_forward(&sw, in, &h, &d);
	if (d.drop == VSW_DROP_NONE && d.out == 0)
		__builtin_trap();
	if (in >= 0 && in < VSW_MAX_PORTS && (d.out >> in) & 1)
		__builtin_trap();
	return 0;
}
