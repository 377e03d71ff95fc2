/* vsw_core: forwarding, VLAN and policy decisions (see vsw_core.h). */
#include "vsw_core.h"

#include <errno.h>
#include <string.h>

static const char *const drop_names[VSW_DROP_COUNT] = {
	[VSW_DROP_NONE] = "none",
	[VSW_DROP_RUNT] = "runt",
	[VSW_DROP_OVERSIZE] = "oversize",
	[VSW_DROP_TAGGED] = "tagged-on-access",
	[VSW_DROP_BAD_VLAN] = "bad-vlan",
	[VSW_DROP_FORGED] = "forged-transmit",
	[VSW_DROP_MAC_CHANGED] = "mac-changed",
	[VSW_DROP_PORT_DOWN] = "port-down",
	[VSW_DROP_NO_DEST] = "no-destination",
	[VSW_DROP_QUEUE_FULL] = "queue-full",
	[VSW_DROP_SHAPED] = "shaped",
};

const char *vsw_drop_name(enum vsw_drop d)
{
	if ((unsigned)d >= VSW_DROP_COUNT)
		return "unknown";
	return drop_names[d];
}

void vsw_policy_default(struct vsw_policy *p)
{
	p->allow_promisc = false;
	p->allow_mac_changes = false;
	p->allow_forged = false;
}

bool vsw_mac_is_group(const uint8_t mac[6])
{
	return (mac[0] & 1) != 0;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int vsw_mac_parse(const char *s, uint8_t mac[6])
{
	for (int i = 0; i < 6; i++) {
		int hi = hexval(s[0]);
		int lo = hi < 0 ? -1 : hexval(s[1]);
		if (lo < 0)
			return -EINVAL;
		mac[i] = (uint8_t)(hi << 4 | lo);
		s += 2;
		if (i < 5) {
			if (*s != ':')
				return -EINVAL;
			s++;
		}
	}
	return *s == '\0' ? 0 : -EINVAL;
}

enum vsw_drop vsw_parse(const uint8_t *frame, size_t len, struct vsw_hdr *h)
{
	memset(h, 0, sizeof(*h));
	if (len < VSW_ETH_MIN)
		return VSW_DROP_RUNT;
	if (len > VSW_ETH_MAX)
		return VSW_DROP_OVERSIZE;
	memcpy(h->dst, frame, 6);
	memcpy(h->src, frame + 6, 6);
	h->len = len;
	uint16_t type = (uint16_t)(frame[12] << 8 | frame[13]);
	if (type == VSW_TPID) {
		/* A tag needs its 4 bytes plus the inner EtherType. */
		if (len < VSW_ETH_HLEN + 4)
			return VSW_DROP_RUNT;
		uint16_t tci = (uint16_t)(frame[14] << 8 | frame[15]);
		h->tagged = true;
		h->vid = tci & 0x0fff;
		h->pcp = (uint8_t)(tci >> 13);
	}
	return VSW_DROP_NONE;
}

/* Does VM port p belong to VLAN vlan? */
static bool port_in_vlan(const struct vsw_port *p, uint16_t vlan)
{
	if (p->uplink)
		return true;
	if (p->vlan == VSW_VLAN_TRUNK)
		return true;
	return p->vlan == vlan;
}

bool vsw_egress_tagged(const struct vsw_port *p, uint16_t vlan)
{
	if (vlan == VSW_VLAN_NONE)
		return false;
	return p->uplink || p->vlan == VSW_VLAN_TRUNK;
}

/* The VLAN of a frame arriving on port p, or a drop reason. */
static enum vsw_drop ingress_vlan(const struct vsw_port *p,
				  const struct vsw_hdr *h, uint16_t *vlan)
{
	if (p->uplink || p->vlan == VSW_VLAN_TRUNK) {
		if (!h->tagged) {
			*vlan = VSW_VLAN_NONE;
			return VSW_DROP_NONE;
		}
		if (h->vid == VSW_VLAN_TRUNK)
			return VSW_DROP_BAD_VLAN;
		/* VID 0 is a priority tag: the frame is untagged. */
		*vlan = h->vid;
		return VSW_DROP_NONE;
	}
	/* VST (1-4094) and EST (0) ports: the guest may not tag. */
	if (h->tagged)
		return VSW_DROP_TAGGED;
	*vlan = p->vlan;
	return VSW_DROP_NONE;
}

void vsw_forward(const struct vsw_switch *sw, int in, const struct vsw_hdr *h,
		 struct vsw_decision *d)
{
	memset(d, 0, sizeof(*d));
	if (in < 0 || in >= VSW_MAX_PORTS || !sw->port[in].active) {
		d->drop = VSW_DROP_PORT_DOWN;
		return;
	}
	const struct vsw_port *ip = &sw->port[in];
	enum vsw_drop r = ingress_vlan(ip, h, &d->vlan);
	if (r != VSW_DROP_NONE) {
		d->drop = r;
		return;
	}
	if (!ip->uplink && !ip->pol.allow_forged &&
	    memcmp(h->src, ip->mac, 6) != 0) {
		d->drop = VSW_DROP_FORGED;
		return;
	}

	bool group = vsw_mac_is_group(h->dst);
	bool known = false;
	for (int i = 0; i < VSW_MAX_PORTS; i++) {
		const struct vsw_port *p = &sw->port[i];
		if (i == in || !p->active)
			continue;
		if (p->uplink) {
			/* Frames between uplinks never cross the switch; only the
			 * teaming-selected uplink carries traffic. */
			if (ip->uplink || i != sw->active_uplink)
				continue;
			if (group)
				d->out |= 1ull << i;
			continue;
		}
		if (!port_in_vlan(p, d->vlan))
			continue;
		bool mine = !group && memcmp(h->dst, p->mac, 6) == 0;
		if (mine)
			known = true;
		if (!group && !mine && !p->pol.allow_promisc)
			continue;
		if (!p->pol.allow_mac_changes &&
		    memcmp(p->guest_mac, p->mac, 6) != 0) {
			d->dropped |= 1ull << i;
			continue;
		}
		d->out |= 1ull << i;
	}
	/* Unknown unicast goes only to the uplink (never flooded to VMs,
	 * except promiscuous ones already added above). */
	if (!group && !known && !ip->uplink && sw->active_uplink >= 0 &&
	    sw->active_uplink < VSW_MAX_PORTS &&
	    sw->active_uplink != in && sw->port[sw->active_uplink].active &&
	    sw->port[sw->active_uplink].uplink)
		d->out |= 1ull << sw->active_uplink;
	if (d->out == 0)
		d->drop = d->dropped ? VSW_DROP_MAC_CHANGED : VSW_DROP_NO_DEST;
}
