/* AMD PCnet-PCI II (Am79C970A).  Registers and descriptor formats from the
 * Am79C970A datasheet; see vlance.h for what is modelled. */
#include "config.h"
#include "dev/vlance.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

/* CSR0 bits. */
#define C0_INIT 0x0001u
#define C0_STRT 0x0002u
#define C0_STOP 0x0004u
#define C0_TDMD 0x0008u
#define C0_TXON 0x0010u
#define C0_RXON 0x0020u
#define C0_IENA 0x0040u
#define C0_INTR 0x0080u
#define C0_IDON 0x0100u
#define C0_TINT 0x0200u
#define C0_RINT 0x0400u
#define C0_MERR 0x0800u
#define C0_MISS 0x1000u
#define C0_CERR 0x2000u
#define C0_BABL 0x4000u
#define C0_ERR 0x8000u
#define C0_W1C (C0_IDON | C0_TINT | C0_RINT | C0_MERR | C0_MISS | C0_CERR | C0_BABL)

/* CSR15 (mode). */
#define MODE_DRX 0x0001u
#define MODE_DTX 0x0002u
#define MODE_LOOP 0x0004u
#define MODE_DRCVPA 0x2000u
#define MODE_DRCVBC 0x4000u
#define MODE_PROM 0x8000u

#define CSR4_APAD_XMT 0x0800u
#define CSR4_W1C 0x026au       /* MFCO, UINT, RCVCCO, TXSTRT, JAB */

/* Descriptor status (the 16 bits above BCNT in the style-2 RMD1/TMD1). */
#define D_OWN 0x8000u
#define D_ERR 0x4000u
#define D_STP 0x0200u
#define D_ENP 0x0100u
#define RD_PAM 0x0040u
#define RD_LAFM 0x0020u
#define RD_BAM 0x0010u
#define TD_BUFF 0x80000000u
#define TD_LCAR 0x08000000u

#define FRAME_MAX 1522u        /* longest frame sent (no FCS) */
#define RX_MAX (FRAME_MAX + 4)

struct desc {
	uint32_t addr;
	uint16_t status;
	uint16_t bcnt;             /* buffer size in bytes */
	uint32_t misc;             /* MCNT (receive) or error bits (transmit) */
};

struct vlance {
	struct pci_dev *pci;
	struct pmap *pm;
	struct vclock *vc;
	const struct nic_backend_ops *ops;
	void *be;
	uint8_t mac[6];
	uint8_t prom[16];
	uint8_t told_mac[6];
	bool link, irq, dwio;
	uint32_t rap;
	uint16_t csr[128];
	uint16_t bcr[64];
	/* From the init block. */
	uint32_t rdra, tdra;
	unsigned rx_len, tx_len, rx_cur, tx_cur;
	struct vtimer poll;
	uint8_t tx_buf[FRAME_MAX];
	size_t tx_fill;
	bool tx_open, tx_big;
	uint8_t rx_frame[RX_MAX];
};

static unsigned swstyle(const struct vlance *s) { return s->bcr[20] & 0xff; }

/* ---- DMA: RAM only ------------------------------------------------------- */

static bool bus_master(struct vlance *s)
{
	return pci_cfg(s->pci)[PCI_COMMAND] & PCI_CMD_MASTER;
}

static void dma_read(struct vlance *s, gpa_t gpa, void *buf, size_t len)
{
	if (pmap_is_ram(s->pm, gpa, len))
		pmap_read_buf(s->pm, gpa, buf, len);
	else
		memset(buf, 0xff, len);
}

static void dma_write(struct vlance *s, gpa_t gpa, const void *buf, size_t len)
{
	if (pmap_is_ram(s->pm, gpa, len))
		pmap_write_buf(s->pm, gpa, buf, len);
}

static uint16_t le16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static uint32_t le32(const uint8_t *p) { return (uint32_t)le16(p) | (uint32_t)le16(p + 2) << 16; }
static void put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
static void put32(uint8_t *p, uint32_t v) { put16(p, (uint16_t)v); put16(p + 2, (uint16_t)(v >> 16)); }

/* ---- Interrupts ------------------------------------------------------------ */

/* CSR0 with its summary bits (ERR, INTR) computed; CSR3 masks sources. */
static uint16_t csr0(struct vlance *s)
{
	uint16_t v = s->csr[0] & ~(C0_ERR | C0_INTR);
	uint16_t src = (uint16_t)(v & (C0_BABL | C0_MISS | C0_MERR | C0_RINT | C0_TINT | C0_IDON));

	src &= (uint16_t)~(s->csr[3] & (C0_BABL | C0_MISS | C0_MERR | C0_RINT | C0_TINT | C0_IDON));
	if (v & (C0_BABL | C0_CERR | C0_MISS | C0_MERR))
		v |= C0_ERR;
	if (src)
		v |= C0_INTR;
	return v;
}

static void update_irq(struct vlance *s)
{
	uint16_t v = csr0(s);
	bool level = (v & C0_INTR) && (v & C0_IENA);

	if (level != s->irq) {
		s->irq = level;
		pci_set_irq(s->pci, level);
	}
}

static void set_cause(struct vlance *s, uint16_t bits)
{
	s->csr[0] |= bits;
	update_irq(s);
}

/* ---- Descriptors (software styles 0, 2 and 3) ---------------------------- */

static unsigned desc_size(const struct vlance *s) { return swstyle(s) == 0 ? 8 : 16; }

static unsigned bcnt_size(uint16_t bcnt)
{
	unsigned n = (0x1000u - (bcnt & 0xfffu)) & 0xfffu;
	return n ? n : 0x1000u;
}

static void desc_read(struct vlance *s, gpa_t a, struct desc *d)
{
	uint8_t b[16];

	dma_read(s, a, b, desc_size(s));
	switch (swstyle(s)) {
	case 0:
		d->addr = le16(b) | (uint32_t)b[2] << 16;
		d->status = (uint16_t)(b[3] << 8);
		d->bcnt = (uint16_t)bcnt_size(le16(b + 4));
		d->misc = le16(b + 6);
		break;
	case 3:
		d->misc = le32(b);
		d->status = le16(b + 6);
		d->bcnt = (uint16_t)bcnt_size(le16(b + 4));
		d->addr = le32(b + 8);
		break;
	default:
		d->addr = le32(b);
		d->status = le16(b + 6);
		d->bcnt = (uint16_t)bcnt_size(le16(b + 4));
		d->misc = le32(b + 8);
		break;
	}
}

/* Writes misc, then the status word (OWN last, as the chip does). */
static void desc_write(struct vlance *s, gpa_t a, uint16_t status, uint32_t misc, bool rx)
{
	uint8_t b[4];

	switch (swstyle(s)) {
	case 0:
		put16(b, (uint16_t)misc);
		if (rx)
			dma_write(s, a + 6, b, 2);
		b[0] = (uint8_t)(status >> 8);
		dma_write(s, a + 3, b, 1);
		break;
	case 3:
		put32(b, misc);
		dma_write(s, a, b, 4);
		put16(b, status);
		dma_write(s, a + 6, b, 2);
		break;
	default:
		put32(b, misc);
		dma_write(s, a + 8, b, 4);
		put16(b, status);
		dma_write(s, a + 6, b, 2);
		break;
	}
}

static gpa_t rx_desc_addr(struct vlance *s, unsigned i) { return s->rdra + (gpa_t)i * desc_size(s); }
static gpa_t tx_desc_addr(struct vlance *s, unsigned i) { return s->tdra + (gpa_t)i * desc_size(s); }

/* ---- Initialization ---------------------------------------------------------- */

static void tell_mac(struct vlance *s)
{
	uint8_t mac[6];

	for (int i = 0; i < 3; i++) {
		mac[2 * i] = (uint8_t)s->csr[12 + i];
		mac[2 * i + 1] = (uint8_t)(s->csr[12 + i] >> 8);
	}
	if (!memcmp(mac, s->told_mac, 6))
		return;
	memcpy(s->told_mac, mac, 6);
	if (s->ops && s->ops->set_mac)
		s->ops->set_mac(s->be, mac);
}

static unsigned ring_len(unsigned code) { return 1u << (code > 9 ? 9 : code); }

/* INIT: reads the init block at IADR (CSR1/CSR2). */
static void do_init(struct vlance *s)
{
	gpa_t iadr = (gpa_t)s->csr[2] << 16 | s->csr[1];
	uint8_t b[28];

	if (!bus_master(s))
		return;
	if (swstyle(s) == 0) {
		/* 16-bit LANCE block: 24-bit addresses, lengths in bits 15:13. */
		iadr &= 0xffffff;
		dma_read(s, iadr, b, 24);
		s->csr[15] = le16(b);
		for (int i = 0; i < 3; i++)
			s->csr[12 + i] = le16(b + 2 + 2 * i);
		for (int i = 0; i < 4; i++)
			s->csr[8 + i] = le16(b + 8 + 2 * i);
		s->rdra = le16(b + 16) | (uint32_t)b[18] << 16;
		s->rx_len = ring_len(b[19] >> 5);
		s->tdra = le16(b + 20) | (uint32_t)b[22] << 16;
		s->tx_len = ring_len(b[23] >> 5);
	} else {
		dma_read(s, iadr, b, 28);
		s->csr[15] = le16(b);
		s->rx_len = ring_len((b[2] >> 4) & 0xf);
		s->tx_len = ring_len((b[3] >> 4) & 0xf);
		for (int i = 0; i < 3; i++)
			s->csr[12 + i] = le16(b + 4 + 2 * i);
		for (int i = 0; i < 4; i++)
			s->csr[8 + i] = le16(b + 12 + 2 * i);
		s->rdra = le32(b + 20);
		s->tdra = le32(b + 24);
	}
	s->csr[24] = (uint16_t)s->rdra;
	s->csr[25] = (uint16_t)(s->rdra >> 16);
	s->csr[30] = (uint16_t)s->tdra;
	s->csr[31] = (uint16_t)(s->tdra >> 16);
	s->csr[76] = (uint16_t)-s->rx_len;
	s->csr[78] = (uint16_t)-s->tx_len;
	s->rx_cur = s->tx_cur = 0;
	s->tx_fill = 0;
	s->tx_open = s->tx_big = false;
	s->csr[0] = (uint16_t)((s->csr[0] & ~C0_STOP) | C0_INIT);
	tell_mac(s);
	set_cause(s, C0_IDON);
}

/* ---- Receive ---------------------------------------------------------------- */

/* The CRC register before its final inversion (Linux's ether_crc_le()):
 * zlib's CRC-32, inverted back. */
static uint32_t crc32_le(const uint8_t *p, size_t len)
{
	return ~(uint32_t)crc32(0, p, (uInt)len);
}

/* Whether the frame passes the address filter; *bits gets the descriptor's
 * PAM/LAFM/BAM flag (none for frames only promiscuous mode takes). */
static bool rx_match(struct vlance *s, const uint8_t *dst, uint16_t *bits)
{
	uint16_t mode = s->csr[15];
	static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	bool prom = mode & MODE_PROM;

	*bits = 0;
	if (!memcmp(dst, bcast, 6)) {
		*bits = RD_BAM;
		return prom || !(mode & MODE_DRCVBC);
	}
	if (dst[0] & 1) {
		unsigned h = crc32_le(dst, 6) >> 26;
		if ((s->csr[8 + (h >> 4)] >> (h & 15)) & 1) {
			*bits = RD_LAFM;
			return true;
		}
		return prom;
	}
	if (!(mode & MODE_DRCVPA) && le16(dst) == s->csr[12] && le16(dst + 2) == s->csr[13] &&
	    le16(dst + 4) == s->csr[14]) {
		*bits = RD_PAM;
		return true;
	}
	return prom;
}

static bool rx_on(struct vlance *s)
{
	return (s->csr[0] & C0_RXON) && bus_master(s);
}

static void poll_expired(void *o)
{
	struct vlance *s = o;

	if (s->ops && s->ops->rx_ready)
		s->ops->rx_ready(s->be);
}

int vlance_receive(struct vlance *s, const void *frame, size_t len)
{
	uint8_t *f = s->rx_frame;
	uint16_t match;
	size_t flen, room = 0, done;
	unsigned need = 0, i;
	uint32_t crc;

	if (!rx_on(s) || !s->link || len < 14 || len > FRAME_MAX)
		return 0;
	if (!rx_match(s, frame, &match))
		return 0;
	memcpy(f, frame, len);
	flen = len;
	if (flen < 60) {
		memset(f + flen, 0, 60 - flen);
		flen = 60;
	}
	crc = ~crc32_le(f, flen);
	for (int k = 0; k < 4; k++)
		f[flen + k] = (uint8_t)(crc >> (8 * k));
	flen += 4;
	/* Enough buffers owned by the chip, starting at the current one? */
	for (i = 0; i < s->rx_len && room < flen; i++) {
		struct desc d;
		desc_read(s, rx_desc_addr(s, (s->rx_cur + i) % s->rx_len), &d);
		if (!(d.status & D_OWN))
			break;
		room += d.bcnt;
		need++;
	}
	if (room < flen) {
		if (i == s->rx_len) {
			/* Every buffer is ours and still too small: the
			 * frame is missed. */
			s->csr[112]++;
			set_cause(s, C0_MISS);
			return 0;
		}
		if (!vtimer_pending(&s->poll))
			vtimer_mod(&s->poll, vclock_ns(s->vc) + VLANCE_RX_POLL_NS);
		return -ENOBUFS;
	}
	/* Fill them; the first descriptor goes back to the host last. */
	done = 0;
	for (i = 0; i < need; i++) {
		struct desc d;
		unsigned idx = (s->rx_cur + i) % s->rx_len;
		gpa_t da = rx_desc_addr(s, idx);
		size_t chunk;

		desc_read(s, da, &d);
		chunk = flen - done < d.bcnt ? flen - done : d.bcnt;
		dma_write(s, d.addr, f + done, chunk);
		done += chunk;
		if (i > 0)
			desc_write(s, da, (uint16_t)(i == need - 1 ? D_ENP | match : 0), i == need - 1 ? (uint32_t)flen : 0, true);
	}
	desc_write(s, rx_desc_addr(s, s->rx_cur),
		   (uint16_t)(D_STP | (need == 1 ? D_ENP | match : 0)), need == 1 ? (uint32_t)flen : 0, true);
	s->rx_cur = (s->rx_cur + need) % s->rx_len;
	set_cause(s, C0_RINT);
	return 0;
}

int vlance_rx_cb(void *s, const void *frame, size_t len)
{
	return vlance_receive(s, frame, len);
}

void vlance_set_link(struct vlance *s, bool up)
{
	s->link = up;
}

void vlance_link_cb(void *s, bool up)
{
	vlance_set_link(s, up);
}

/* ---- Transmit ---------------------------------------------------------------- */

static void tx_emit(struct vlance *s)
{
	size_t len = s->tx_fill;

	if ((s->csr[4] & CSR4_APAD_XMT) && len < 60) {
		memset(s->tx_buf + len, 0, 60 - len);
		len = 60;
	}
	if (len < 14)
		return;
	if (s->csr[15] & MODE_LOOP)
		vlance_receive(s, s->tx_buf, len);
	else if (s->ops && s->ops->send && s->link)
		s->ops->send(s->be, s->tx_buf, len);
}

/* TDMD or STRT: sends every frame the guest owns to the chip, one lap of
 * the ring at most. */
static void tx_process(struct vlance *s)
{
	bool sent = false;

	s->csr[0] &= (uint16_t)~C0_TDMD;
	if (!(s->csr[0] & C0_TXON) || !bus_master(s))
		return;
	for (unsigned n = 0; n < s->tx_len; n++) {
		gpa_t da = tx_desc_addr(s, s->tx_cur);
		struct desc d;
		uint32_t err = 0;
		uint16_t st;

		desc_read(s, da, &d);
		if (!(d.status & D_OWN))
			break;
		st = d.status & ~D_OWN;
		if (!(d.status & D_STP) && !s->tx_open) {
			/* A piece of no frame: buffer error, skipped. */
			err = TD_BUFF;
		} else {
			if (d.status & D_STP) {
				s->tx_fill = 0;
				s->tx_open = true;
				s->tx_big = false;
			}
			if (d.bcnt > sizeof(s->tx_buf) - s->tx_fill) {
				s->tx_big = true;
			} else {
				dma_read(s, d.addr, s->tx_buf + s->tx_fill, d.bcnt);
				s->tx_fill += d.bcnt;
			}
			if (d.status & D_ENP) {
				if (s->tx_big) {
					/* Longer than a frame: babble, not sent. */
					set_cause(s, C0_BABL);
				} else {
					if (!s->link)
						err = TD_LCAR;
					tx_emit(s);
				}
				s->tx_open = false;
				sent = true;
			}
		}
		if (err)
			st |= D_ERR;
		desc_write(s, da, st, err, false);
		s->tx_cur = (s->tx_cur + 1) % s->tx_len;
	}
	if (sent)
		set_cause(s, C0_TINT);
}

/* ---- Registers ---------------------------------------------------------------- */

static void soft_reset(struct vlance *s)
{
	vtimer_del(&s->poll);
	s->csr[0] = C0_STOP;
	s->csr[3] = 0;
	s->csr[4] = 0x0115;
	s->csr[5] = 0;
	s->csr[15] = 0;
	s->csr[58] = s->bcr[20];
	s->csr[88] = 0x1003;                    /* part 0x2621, AMD */
	s->csr[89] = 0x0262;
	s->csr[112] = 0;
	s->tx_fill = 0;
	s->tx_open = s->tx_big = false;
	update_irq(s);
}

static void csr0_write(struct vlance *s, uint16_t val)
{
	uint16_t c = s->csr[0];

	c &= (uint16_t)~(val & C0_W1C);
	c = (uint16_t)((c & ~C0_IENA) | (val & C0_IENA));
	s->csr[0] = c;
	if (val & C0_STOP) {
		/* STOP clears every other CSR0 bit and ends all activity. */
		s->csr[0] = C0_STOP;
		s->tx_open = false;
		vtimer_del(&s->poll);
		update_irq(s);
		return;
	}
	if (val & C0_INIT)
		do_init(s);
	if (val & C0_STRT) {
		s->csr[0] = (uint16_t)((s->csr[0] & ~C0_STOP) | C0_STRT);
		s->csr[0] &= (uint16_t)~(C0_TXON | C0_RXON);
		if (!(s->csr[15] & MODE_DTX))
			s->csr[0] |= C0_TXON;
		if (!(s->csr[15] & MODE_DRX))
			s->csr[0] |= C0_RXON;
		tell_mac(s);
		if (s->ops && s->ops->rx_ready)
			s->ops->rx_ready(s->be);
	}
	if (val & (C0_TDMD | C0_STRT))
		tx_process(s);
	update_irq(s);
}

static uint16_t csr_read(struct vlance *s, unsigned n)
{
	switch (n) {
	case 0:
		return csr0(s);
	case 58:
		return s->bcr[20];
	default:
		return s->csr[n];
	}
}

static void bcr20_write(struct vlance *s, uint16_t val)
{
	unsigned style = val & 0xff;

	/* SSIZE32 (bit 8) follows the style: only style 0 is 16-bit. */
	s->bcr[20] = (uint16_t)(style | (style ? 0x100 : 0));
	s->csr[58] = s->bcr[20];
}

static void csr_write(struct vlance *s, unsigned n, uint16_t val)
{
	switch (n) {
	case 0:
		csr0_write(s, val);
		return;
	case 3:
		s->csr[3] = val;
		update_irq(s);
		return;
	case 4:
		s->csr[4] = (uint16_t)((s->csr[4] & ~val & CSR4_W1C) | (val & ~CSR4_W1C));
		return;
	case 58:
		bcr20_write(s, val);
		return;
	case 88: case 89:
		return;                         /* chip ID */
	default:
		s->csr[n] = val;
	}
}

static uint16_t bcr_read(struct vlance *s, unsigned n)
{
	switch (n) {
	case 4:
		/* LNKST LED: bit 15 follows the link. */
		return (uint16_t)(s->bcr[4] | (s->link ? 0x8000 : 0));
	case 18:
		return (uint16_t)((s->bcr[18] & ~0x80) | (s->dwio ? 0x80 : 0));
	default:
		return n < 64 ? s->bcr[n] : 0;
	}
}

static void bcr_write(struct vlance *s, unsigned n, uint16_t val)
{
	switch (n) {
	case 0: case 1: case 16: case 17:
		return;                         /* reserved, read-only */
	case 4:
		s->bcr[4] = val & 0x7fff;
		return;
	case 20:
		bcr20_write(s, val);
		return;
	default:
		if (n < 64)
			s->bcr[n] = val;
	}
}

static uint32_t io_in(void *o, uint16_t port, unsigned size)
{
	struct vlance *s = o;
	uint32_t v = 0;

	if (port < 16) {
		for (unsigned i = 0; i < size && port + i < 16; i++)
			v |= (uint32_t)s->prom[port + i] << (8 * i);
		return v;
	}
	if (s->dwio) {
		if (size != 4)
			return 0xffffffffu;
		switch (port) {
		case 0x10: return csr_read(s, s->rap);
		case 0x14: return s->rap;
		case 0x18: soft_reset(s); return 0;
		case 0x1c: return bcr_read(s, s->rap);
		default: return 0xffffffffu;
		}
	}
	if (size != 2)
		return 0xffffffffu;
	switch (port) {
	case 0x10: return csr_read(s, s->rap);
	case 0x12: return s->rap;
	case 0x14: soft_reset(s); return 0;
	case 0x16: return bcr_read(s, s->rap);
	default: return 0xffff;
	}
}

static void io_out(void *o, uint16_t port, unsigned size, uint32_t val)
{
	struct vlance *s = o;

	if (!s->dwio && port == 0x10 && size == 4)
		s->dwio = true;                 /* a dword write to RDP */
	if (s->dwio) {
		if (size != 4)
			return;
		switch (port) {
		case 0x10: csr_write(s, s->rap, (uint16_t)val); break;
		case 0x14: s->rap = val & 0x7f; break;
		case 0x1c: bcr_write(s, s->rap, (uint16_t)val); break;
		default: break;
		}
		return;
	}
	if (size != 2)
		return;
	switch (port) {
	case 0x10: csr_write(s, s->rap, (uint16_t)val); break;
	case 0x12: s->rap = val & 0x7f; break;
	case 0x16: bcr_write(s, s->rap, (uint16_t)val); break;
	default: break;
	}
}

static const struct pio_ops vlance_pio = { io_in, io_out };

void vlance_reset(struct vlance *s)
{
	uint16_t sum = 0;

	memset(s->csr, 0, sizeof(s->csr));
	memset(s->bcr, 0, sizeof(s->bcr));
	s->bcr[2] = 0x0002;                     /* ASEL */
	s->bcr[4] = 0x00c0;
	s->bcr[5] = 0x0084;
	s->bcr[6] = 0x0088;
	s->bcr[7] = 0x0090;
	s->bcr[18] = 0x9001;
	s->bcr[19] = 0x8000;                    /* PVALID: the PROM read fine */
	s->bcr[22] = 0xff06;
	s->dwio = false;
	s->rap = 0;
	s->rdra = s->tdra = 0;
	s->rx_len = s->tx_len = 1;
	s->rx_cur = s->tx_cur = 0;
	for (int i = 0; i < 3; i++)
		s->csr[12 + i] = le16(s->mac + 2 * i);
	/* Address PROM: MAC, then a checksum word and the "WW" signature. */
	memset(s->prom, 0, sizeof(s->prom));
	memcpy(s->prom, s->mac, 6);
	s->prom[14] = s->prom[15] = 0x57;
	for (int i = 0; i < 12; i++)
		sum = (uint16_t)(sum + s->prom[i]);
	sum = (uint16_t)(sum + 0x57 + 0x57);
	put16(s->prom + 12, sum);
	soft_reset(s);
	tell_mac(s);
}

int vlance_create(struct pci_bus *bus, unsigned devfn, struct pmap *pm, struct vclock *vc,
		  const uint8_t mac[6], const struct nic_backend_ops *ops, void *be,
		  struct vlance **out)
{
	struct vlance *s = calloc(1, sizeof(*s));
	int err;

	if (!s)
		return -ENOMEM;
	s->pm = pm;
	s->vc = vc;
	s->ops = ops;
	s->be = be;
	memcpy(s->mac, mac, 6);
	memcpy(s->told_mac, mac, 6);
	vtimer_init(&s->poll, vc, poll_expired, s);
	err = pci_register(bus, devfn, VLANCE_VENDOR, VLANCE_DEVICE, 0x02000010, NULL, s, &s->pci);
	if (!err)
		err = pci_set_bar_io(s->pci, 0, VLANCE_IO_SIZE, &vlance_pio, s);
	if (err) {
		free(s);
		return err;
	}
	pci_cfg(s->pci)[PCI_INTERRUPT_PIN] = 1;
	pci_cfg(s->pci)[0x3e] = 0x06;           /* MIN_GNT */
	pci_cfg(s->pci)[0x3f] = 0xff;           /* MAX_LAT */
	vlance_reset(s);
	*out = s;
	return 0;
}

void vlance_set_backend(struct vlance *s, const struct nic_backend_ops *ops, void *be)
{
	s->ops = ops;
	s->be = be;
	memcpy(s->told_mac, s->mac, 6);
	tell_mac(s);
}

void vlance_destroy(struct vlance *s)
{
	if (!s)
		return;
	vtimer_del(&s->poll);
	free(s);
}
