/* vsw_msg: framing, hello, control-message, VXLAN and shaper helpers. */
#include "vsw_msg.h"

#include <errno.h>
#include <string.h>

#include "vsw_proto.h"

/* The wire protocol's frame limits (what a NIC back end sends) and the
 * switch core's (what it forwards) are one limit written twice. */
_Static_assert(VSW_PROTO_FRAME_MIN == VSW_ETH_MIN, "frame minimum differs");
_Static_assert(VSW_PROTO_FRAME_MAX == VSW_ETH_MAX, "frame maximum differs");

enum vsw_msg_kind vsw_msg_decode(uint32_t word, uint32_t *len)
{
	if (word & VSW_PROTO_CTRL) {
		*len = word & ~VSW_PROTO_CTRL;
		if (*len == 0 || *len > VSW_PROTO_HELLO_MAX)
			return VSW_MSG_BAD;
		return VSW_MSG_CTRL;
	}
	*len = word;
	if (word > VSW_PROTO_LEN_MASK)
		return VSW_MSG_BAD;
	return VSW_MSG_FRAME;
}

int vsw_msg_next(const uint8_t *buf, size_t avail, bool before_hello,
		 enum vsw_msg_kind *kind, uint32_t *len)
{
	if (avail < 4)
		return 0;
	uint32_t word = (uint32_t)buf[0] << 24 | (uint32_t)buf[1] << 16 |
			(uint32_t)buf[2] << 8 | buf[3];
	*kind = vsw_msg_decode(word, len);
	if (*kind == VSW_MSG_BAD || (*kind == VSW_MSG_FRAME && before_hello))
		return -EPROTO;
	if (avail - 4 < *len)
		return 0;
	return (int)(4 + *len);
}

int vsw_egress_iov(const uint8_t *f, const struct vsw_hdr *h, uint16_t vlan,
		   bool tagged, uint8_t tag_buf[4], struct iovec iov[3], size_t *olen)
{
	size_t strip = h->tagged ? 4 : 0;
	int n = 0;

	iov[n++] = (struct iovec){ (void *)f, 12 };
	*olen = h->len - strip;
	if (tagged) {
		uint16_t tci = (uint16_t)((h->tagged ? h->pcp : 0) << 13 | (vlan & 0x0fff));
		tag_buf[0] = 0x81;
		tag_buf[1] = 0x00;
		tag_buf[2] = (uint8_t)(tci >> 8);
		tag_buf[3] = (uint8_t)tci;
		iov[n++] = (struct iovec){ tag_buf, 4 };
		*olen += 4;
	}
	iov[n++] = (struct iovec){ (void *)(f + 12 + strip), h->len - 12 - strip };
	return n;
}

/* Copy a port-group name: 1..VSW_NAME_MAX-1 printable ASCII bytes. */
static int copy_name(char *dst, const uint8_t *v, size_t n)
{
	if (n == 0 || n >= VSW_NAME_MAX)
		return -EINVAL;
	for (size_t i = 0; i < n; i++)
		if (v[i] < 0x20 || v[i] >= 0x7f)
			return -EINVAL;
	memcpy(dst, v, n);
	dst[n] = '\0';
	return 0;
}

/* Copy an informational value (VM display name, uuid): truncated to
 * VSW_NAME_MAX-1 bytes, anything but printable ASCII (UTF-8 included)
 * shown as '?', quotes and backslashes as '_', so listings stay
 * unambiguous.  Empty becomes "-". */
static void copy_info(char *dst, const uint8_t *v, size_t n)
{
	if (n >= VSW_NAME_MAX)
		n = VSW_NAME_MAX - 1;
	for (size_t i = 0; i < n; i++) {
		uint8_t c = v[i];
		dst[i] = c < 0x20 || c >= 0x7f ? '?' : c == '"' || c == '\\' ? '_' : (char)c;
	}
	dst[n] = '\0';
	if (n == 0)
		strcpy(dst, "-");
}

int vsw_hello_parse(const uint8_t *msg, size_t len, struct vsw_hello *h,
		    const char **why)
{
	static const char magic[] = VSW_PROTO_HELLO_MAGIC;
	const size_t mlen = sizeof(magic) - 1;
	bool have_mac = false, have_pg = false, have_nic = false;

	memset(h, 0, sizeof(*h));
	*why = "bad hello";
	if (len > VSW_PROTO_HELLO_MAX) {
		*why = "hello too long";
		return -EINVAL;
	}
	if (len < mlen || memcmp(msg, magic, mlen) != 0) {
		*why = "not a hello";
		return -EINVAL;
	}
	size_t pos = mlen;
	while (pos < len) {
		const uint8_t *nl = memchr(msg + pos, '\n', len - pos);
		size_t end = nl ? (size_t)(nl - msg) : len;
		const uint8_t *k = msg + pos;
		size_t n = end - pos;
		const uint8_t *eq = memchr(k, '=', n);
		pos = end + 1;
		if (n == 0)
			continue;
		if (!eq) {
			*why = "hello line without '='";
			return -EINVAL;
		}
		size_t kl = (size_t)(eq - k), vl = n - kl - 1;
		const uint8_t *v = eq + 1;
		if (kl == 2 && memcmp(k, "vm", 2) == 0) {
			copy_info(h->vm, v, vl);
		} else if (kl == 4 && memcmp(k, "uuid", 4) == 0) {
			copy_info(h->uuid, v, vl);
		} else if (kl == 9 && memcmp(k, "portgroup", 9) == 0) {
			if (copy_name(h->portgroup, v, vl) < 0) {
				*why = "bad portgroup";
				return -EINVAL;
			}
			have_pg = true;
		} else if (kl == 3 && memcmp(k, "nic", 3) == 0) {
			int x = 0;
			if (vl == 0 || vl > 3) {
				*why = "bad nic";
				return -EINVAL;
			}
			for (size_t i = 0; i < vl; i++) {
				if (v[i] < '0' || v[i] > '9') {
					*why = "bad nic";
					return -EINVAL;
				}
				x = x * 10 + (v[i] - '0');
			}
			h->nic = x;
			have_nic = true;
		} else if (kl == 3 && memcmp(k, "mac", 3) == 0) {
			char s[18];
			if (vl != 17) {
				*why = "bad mac";
				return -EINVAL;
			}
			memcpy(s, v, 17);
			s[17] = '\0';
			if (vsw_mac_parse(s, h->mac) < 0 || vsw_mac_is_group(h->mac)) {
				*why = "bad mac";
				return -EINVAL;
			}
			have_mac = true;
		}
		/* Unknown keys are ignored (forward compatibility). */
	}
	if (!have_mac || !have_pg || !have_nic) {
		*why = "hello lacks mac, nic or portgroup";
		return -EINVAL;
	}
	if (!h->vm[0])
		strcpy(h->vm, "-");
	if (!h->uuid[0])
		strcpy(h->uuid, "-");
	return 0;
}

void vsw_ctrl_parse(const uint8_t *msg, size_t len, struct vsw_ctrl *c)
{
	char s[32];

	memset(c, 0, sizeof(*c));
	c->kind = VSW_CTRL_UNKNOWN;
	if (len && msg[len - 1] == '\n')
		len--;
	if (len >= sizeof(s))
		return;
	memcpy(s, msg, len);
	s[len] = '\0';
	if (strlen(s) != len)
		return;
	if (len == 21 && memcmp(s, "MAC ", 4) == 0) {
		if (vsw_mac_parse(s + 4, c->mac) == 0)
			c->kind = VSW_CTRL_MAC;
	} else if (strcmp(s, "LINK up") == 0) {
		c->kind = VSW_CTRL_LINK;
		c->up = true;
	} else if (strcmp(s, "LINK down") == 0) {
		c->kind = VSW_CTRL_LINK;
		c->up = false;
	}
}

void vsw_vxlan_encode(uint8_t hdr[VSW_VXLAN_HLEN], uint32_t vni)
{
	memset(hdr, 0, VSW_VXLAN_HLEN);
	hdr[0] = 0x08;
	hdr[4] = (uint8_t)(vni >> 16);
	hdr[5] = (uint8_t)(vni >> 8);
	hdr[6] = (uint8_t)vni;
}

int vsw_vxlan_decode(const uint8_t *pkt, size_t len, uint32_t *vni)
{
	/* Reserved fields are ignored on receipt (RFC 7348 section 5). */
	if (len < VSW_VXLAN_HLEN || !(pkt[0] & 0x08))
		return -EINVAL;
	*vni = (uint32_t)pkt[4] << 16 | (uint32_t)pkt[5] << 8 | pkt[6];
	return 0;
}

void vsw_shaper_init(struct vsw_shaper *s, const struct vsw_shaping *cfg,
		     uint64_t now_ns)
{
	memset(s, 0, sizeof(*s));
	s->enabled = cfg->enabled && cfg->avg_kbps > 0;
	if (!s->enabled)
		return;
	uint64_t peak = cfg->peak_kbps > cfg->avg_kbps ? cfg->peak_kbps : cfg->avg_kbps;
	/* Kbits/s -> bytes/ns: x * 1000 / 8 / 1e9. */
	s->avg_Bpns = (double)cfg->avg_kbps * 1000.0 / 8.0 / 1e9;
	s->peak_Bpns = (double)peak * 1000.0 / 8.0 / 1e9;
	s->avg_depth = (double)cfg->burst_kb * 1024.0;
	if (s->avg_depth < 2.0 * VSW_ETH_MAX)
		s->avg_depth = 2.0 * VSW_ETH_MAX;
	/* The peak bucket holds 10 ms at the peak rate, at least two frames:
	 * short enough to bound bursts, long enough that a daemon woken a few
	 * milliseconds late still reaches the average rate. */
	s->peak_depth = s->peak_Bpns * 1e7;
	if (s->peak_depth < 2.0 * VSW_ETH_MAX)
		s->peak_depth = 2.0 * VSW_ETH_MAX;
	s->avg_tokens = s->avg_depth;
	s->peak_tokens = s->peak_depth;
	s->last_ns = now_ns;
}

static void refill(struct vsw_shaper *s, uint64_t now_ns)
{
	if (now_ns <= s->last_ns)
		return;
	double dt = (double)(now_ns - s->last_ns);
	s->last_ns = now_ns;
	s->avg_tokens += dt * s->avg_Bpns;
	if (s->avg_tokens > s->avg_depth)
		s->avg_tokens = s->avg_depth;
	s->peak_tokens += dt * s->peak_Bpns;
	if (s->peak_tokens > s->peak_depth)
		s->peak_tokens = s->peak_depth;
}

bool vsw_shaper_take(struct vsw_shaper *s, size_t len, uint64_t now_ns)
{
	if (!s->enabled)
		return true;
	refill(s, now_ns);
	if (s->avg_tokens < (double)len || s->peak_tokens < (double)len)
		return false;
	s->avg_tokens -= (double)len;
	s->peak_tokens -= (double)len;
	return true;
}

uint64_t vsw_shaper_wait(const struct vsw_shaper *s, size_t len, uint64_t now_ns)
{
	if (!s->enabled)
		return 0;
	struct vsw_shaper t = *s;
	refill(&t, now_ns);
	double need_a = (double)len - t.avg_tokens, need_p = (double)len - t.peak_tokens;
	double wa = need_a > 0 ? need_a / t.avg_Bpns : 0;
	double wp = need_p > 0 ? need_p / t.peak_Bpns : 0;
	double w = wa > wp ? wa : wp;
	return (uint64_t)w + (w > 0 ? 1 : 0);
}
