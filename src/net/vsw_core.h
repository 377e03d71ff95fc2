/* vsw_core: the pure forwarding, VLAN and security-policy decisions of a
 * hostvm vswitch (DESIGN.md section 6).  No I/O, no allocation: callers own
 * the frames and the sockets; this module only answers "which ports get this
 * frame, with which VLAN, or why is it dropped".  Decisions are made on a
 * private copy of the header bytes (struct vsw_hdr), never on the caller's
 * buffer after parsing. */
#ifndef HOSTVM_VSW_CORE_H
#define HOSTVM_VSW_CORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VSW_MAX_PORTS 64          /* ports per vswitch (bit mask width) */
#define VSW_ETH_HLEN 14
#define VSW_ETH_MIN 14            /* shorter frames are runts */
#define VSW_ETH_MAX 1522          /* 1500 payload + header + one 802.1Q tag */
#define VSW_VLAN_NONE 0           /* untagged / external switch tagging */
#define VSW_VLAN_TRUNK 4095       /* virtual guest tagging */
#define VSW_TPID 0x8100

/* Why a frame (or one copy of it) was dropped; indexes the drop counters. */
enum vsw_drop {
	VSW_DROP_NONE = 0,
	VSW_DROP_RUNT,            /* shorter than an Ethernet header */
	VSW_DROP_OVERSIZE,        /* longer than VSW_ETH_MAX */
	VSW_DROP_TAGGED,          /* tagged frame arrived on a VST/EST port */
	VSW_DROP_BAD_VLAN,        /* VGT/uplink frame tagged with VID 4095 */
	VSW_DROP_FORGED,          /* source MAC != configured MAC */
	VSW_DROP_MAC_CHANGED,     /* guest-programmed MAC != configured MAC */
	VSW_DROP_PORT_DOWN,       /* ingress port not active */
	VSW_DROP_NO_DEST,         /* nothing to deliver to */
	VSW_DROP_QUEUE_FULL,      /* egress queue full (counted by the daemon) */
	VSW_DROP_SHAPED,          /* traffic shaper (counted by the daemon) */
	VSW_DROP_COUNT
};

const char *vsw_drop_name(enum vsw_drop d);

/* Security policy.  Defaults (VMware's): promiscuous reject, MAC address
 * changes reject, forged transmits reject. */
struct vsw_policy {
	bool allow_promisc;
	bool allow_mac_changes;
	bool allow_forged;
};

void vsw_policy_default(struct vsw_policy *p);

struct vsw_port {
	bool active;              /* slot in use and connected */
	bool uplink;              /* uplink (TAP/VXLAN) rather than a VM NIC */
	uint16_t vlan;            /* VM ports: 0, 1-4094 or 4095; ignored for uplinks */
	uint8_t mac[6];           /* configured MAC (VM ports) */
	uint8_t guest_mac[6];     /* MAC the guest programmed into its NIC */
	struct vsw_policy pol;
};

/* One switch: its own port table.  No field refers to another switch. */
struct vsw_switch {
	struct vsw_port port[VSW_MAX_PORTS];
	int active_uplink;        /* index of the teaming-selected uplink, or -1 */
};

/* Private copy of the header fields decisions are made on. */
struct vsw_hdr {
	uint8_t dst[6];
	uint8_t src[6];
	bool tagged;
	uint16_t vid;             /* valid if tagged */
	uint8_t pcp;
	size_t len;
};

/* Parse frame bytes into *h.  Returns VSW_DROP_NONE, VSW_DROP_RUNT or
 * VSW_DROP_OVERSIZE. */
enum vsw_drop vsw_parse(const uint8_t *frame, size_t len, struct vsw_hdr *h);

/* Result of a forwarding decision. */
struct vsw_decision {
	enum vsw_drop drop;       /* VSW_DROP_NONE if delivered to >= 1 port */
	uint16_t vlan;            /* the frame's VLAN metadata (0 = untagged) */
	uint64_t out;             /* bit i set: deliver to port i */
	uint64_t dropped;         /* bit i set: port i would have got it but its
	                           * MAC-change policy blocked it */
};

/* Decide where the frame with header *h arriving on port in goes. */
void vsw_forward(const struct vsw_switch *sw, int in, const struct vsw_hdr *h,
		 struct vsw_decision *d);

/* Whether the copy sent to port p must carry an 802.1Q tag for vlan. */
bool vsw_egress_tagged(const struct vsw_port *p, uint16_t vlan);

bool vsw_mac_is_group(const uint8_t mac[6]);
/* Parse "aa:bb:cc:dd:ee:ff"; returns 0 or -EINVAL. */
int vsw_mac_parse(const char *s, uint8_t mac[6]);

#endif
