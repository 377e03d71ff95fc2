/* vsw_msg: pure parsers and helpers of vswitchd's data path: the framing
 * of vsw_proto.h, the hello and other control messages, the VXLAN header
 * (RFC 7348) and the token-bucket traffic shaper.  No I/O. */
#ifndef HOSTVM_VSW_MSG_H
#define HOSTVM_VSW_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include "vsw_config.h"

/* The length word of one message. */
enum vsw_msg_kind {
	VSW_MSG_FRAME,            /* a frame of len bytes (maybe a runt/oversize) */
	VSW_MSG_CTRL,             /* a control message of len bytes */
	VSW_MSG_BAD,              /* broken framing: close the connection */
};

/* Decode a length word.  Frames longer than 65535 bytes and control
 * messages longer than VSW_PROTO_HELLO_MAX are broken framing. */
enum vsw_msg_kind vsw_msg_decode(uint32_t word, uint32_t *len);

/* The next message in a receive buffer: returns the bytes it takes
 * (4 + *len) with *kind and *len set, 0 if it is not complete yet, or
 * -EPROTO for broken framing.  A frame header is judged as soon as its
 * length word is in (before_hello: a frame is broken framing). */
int vsw_msg_next(const uint8_t *buf, size_t avail, bool before_hello,
		 enum vsw_msg_kind *kind, uint32_t *len);

/* The copy of frame f (parsed into h, VLAN vlan) for one egress port:
 * fills iov[0..2] (header, optional tag from tag_buf, rest) and returns
 * the number of pieces; *olen is the egress length.  The ingress tag, if
 * any, is removed; a tag for vlan is added when tagged is true. */
int vsw_egress_iov(const uint8_t *f, const struct vsw_hdr *h, uint16_t vlan,
		   bool tagged, uint8_t tag_buf[4], struct iovec iov[3], size_t *olen);

struct vsw_hello {
	char vm[VSW_NAME_MAX];
	char uuid[VSW_NAME_MAX];
	char portgroup[VSW_NAME_MAX];
	int nic;
	uint8_t mac[6];
};

/* Parse a hello control message.  Returns 0 or -EINVAL with a short reason
 * in *why (a static string). */
int vsw_hello_parse(const uint8_t *msg, size_t len, struct vsw_hello *h,
		    const char **why);

/* Control messages after the hello. */
enum vsw_ctrl_kind { VSW_CTRL_MAC, VSW_CTRL_LINK, VSW_CTRL_UNKNOWN };

struct vsw_ctrl {
	enum vsw_ctrl_kind kind;
	uint8_t mac[6];           /* VSW_CTRL_MAC */
	bool up;                  /* VSW_CTRL_LINK */
};

/* Parse "MAC xx:..\n" / "LINK up\n" / "LINK down\n" (the final newline is
 * optional).  Anything else is VSW_CTRL_UNKNOWN. */
void vsw_ctrl_parse(const uint8_t *msg, size_t len, struct vsw_ctrl *c);

/* VXLAN (RFC 7348): 8-byte header, flags 0x08 (I bit), 24-bit VNI. */
#define VSW_VXLAN_HLEN 8
void vsw_vxlan_encode(uint8_t hdr[VSW_VXLAN_HLEN], uint32_t vni);
/* Returns 0 and the VNI, or -EINVAL (short packet or I flag clear). */
int vsw_vxlan_decode(const uint8_t *pkt, size_t len, uint32_t *vni);

/* Token-bucket shaper with ESX's three parameters: an average-rate bucket
 * of depth burstSize and a peak-rate bucket of 10 ms at the peak rate.  A frame
 * may pass when both buckets hold its size.  Times in nanoseconds. */
struct vsw_shaper {
	bool enabled;
	double avg_Bpns, peak_Bpns;      /* bytes per nanosecond */
	double avg_depth, peak_depth;    /* bucket sizes, bytes */
	double avg_tokens, peak_tokens;
	uint64_t last_ns;
};

void vsw_shaper_init(struct vsw_shaper *s, const struct vsw_shaping *cfg,
		     uint64_t now_ns);
/* Whether a frame of len bytes may go now; if so, takes the tokens. */
bool vsw_shaper_take(struct vsw_shaper *s, size_t len, uint64_t now_ns);
/* Nanoseconds until len bytes may pass (0 if now). */
uint64_t vsw_shaper_wait(const struct vsw_shaper *s, size_t len, uint64_t now_ns);

#endif
