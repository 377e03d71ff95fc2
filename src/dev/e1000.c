/* Intel 82540EM Gigabit Ethernet controller.  Register layout and behaviour
 * from Intel's "PCI/PCI-X Family of Gigabit Ethernet Controllers Software
 * Developer's Manual" (8254x); see e1000.h for what is modelled. */
#include "config.h"
#include "dev/e1000.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

/* Registers (byte offsets in BAR0). */
enum {
	R_CTRL = 0x0000, R_STATUS = 0x0008, R_EECD = 0x0010, R_EERD = 0x0014,
	R_CTRL_EXT = 0x0018, R_MDIC = 0x0020, R_VET = 0x0038,
	R_ICR = 0x00c0, R_ITR = 0x00c4, R_ICS = 0x00c8, R_IMS = 0x00d0, R_IMC = 0x00d8,
	R_RCTL = 0x0100, R_TCTL = 0x0400, R_TIPG = 0x0410, R_LEDCTL = 0x0e00, R_PBA = 0x1000,
	R_RDBAL = 0x2800, R_RDBAH = 0x2804, R_RDLEN = 0x2808, R_RDH = 0x2810, R_RDT = 0x2818,
	R_RDTR = 0x2820, R_RADV = 0x282c,
	R_TDBAL = 0x3800, R_TDBAH = 0x3804, R_TDLEN = 0x3808, R_TDH = 0x3810, R_TDT = 0x3818,
	R_TIDV = 0x3820, R_TADV = 0x382c,
	R_STATS = 0x4000, R_STATS_END = 0x4100,
	R_RXCSUM = 0x5000, R_MTA = 0x5200, R_RA = 0x5400, R_VFTA = 0x5600,
};

/* Statistics (offsets from R_STATS). */
enum {
	S_PRC64 = 0x5c, S_GPRC = 0x74, S_BPRC = 0x78, S_MPRC = 0x7c,
	S_GPTC = 0x80, S_GORCL = 0x88, S_GOTCL = 0x90, S_RNBC = 0xa0, S_ROC = 0xac,
	S_TORL = 0xc0, S_TOTL = 0xc8, S_TPR = 0xd0, S_TPT = 0xd4, S_PTC64 = 0xd8,
	S_MPTC = 0xf0, S_BPTC = 0xf4, S_TSCTC = 0xf8,
};

#define CTRL_VME (1u << 30)
#define CTRL_RST (1u << 26)
#define CTRL_PHY_RST (1u << 31)
#define STATUS_FD 0x1u
#define STATUS_LU 0x2u
#define STATUS_SPEED_1000 0x80u
#define EECD_SK 0x1u
#define EECD_CS 0x2u
#define EECD_DI 0x4u
#define EECD_DO 0x8u
#define EECD_REQ 0x40u
#define EECD_GNT 0x80u
#define EECD_PRES 0x100u
#define EERD_START 0x1u
#define EERD_DONE 0x10u
#define MDIC_OP_WRITE (1u << 26)
#define MDIC_OP_READ (2u << 26)
#define MDIC_READY (1u << 28)
#define MDIC_INT (1u << 29)
#define MDIC_ERROR (1u << 30)

#define ICR_TXDW 0x0001u
#define ICR_TXQE 0x0002u
#define ICR_LSC 0x0004u
#define ICR_RXDMT0 0x0010u
#define ICR_RXT0 0x0080u
#define ICR_MDAC 0x0200u
#define ICR_ALL 0x0001f6dfu

#define RCTL_EN (1u << 1)
#define RCTL_UPE (1u << 3)
#define RCTL_MPE (1u << 4)
#define RCTL_LPE (1u << 5)
#define RCTL_LBM_MASK (3u << 6)
#define RCTL_BAM (1u << 15)
#define RCTL_VFE (1u << 18)
#define RCTL_BSEX (1u << 25)
#define RCTL_SECRC (1u << 26)
#define TCTL_EN (1u << 1)

#define RAH_AV (1u << 31)

/* Descriptor bits. */
#define TXD_CMD_EOP 0x01u
#define TXD_CMD_IC 0x04u
#define TXD_CMD_TSE 0x04u
#define TXD_CMD_RS 0x08u
#define TXD_CMD_DEXT 0x20u
#define TXD_CMD_VLE 0x40u
#define TXD_CMD_IDE 0x80u
#define TXD_POPTS_IXSM 0x01u
#define TXD_POPTS_TXSM 0x02u
#define TUCMD_TCP 0x01u
#define TUCMD_IP 0x02u
#define RXD_STAT_DD 0x01u
#define RXD_STAT_EOP 0x02u
#define RXD_STAT_IXSM 0x04u
#define RXD_STAT_VP 0x08u

#define PHY_ADDR 1
#define PHY_REGS 32
/* A transmit packet (or TSO super-packet) is assembled here; more is
 * dropped.  Hardware limits TSO to 256 KiB, Linux sends at most 64 KiB. */
#define TX_BUF_MAX (64u * 1024 + 256)
#define FRAME_MAX_NOLPE 1522u
#define FRAME_MAX_LPE 16384u

enum ee_state { EE_IDLE, EE_CMD, EE_READ, EE_IGNORE };

struct tx_ctx {
	uint8_t ipcss, ipcso, tucss, tucso;
	uint16_t ipcse, tucse;
	uint32_t paylen;
	uint8_t tucmd, hdrlen;
	uint16_t mss;
};

struct e1000 {
	struct pci_dev *pci;
	struct pmap *pm;
	struct vclock *vc;
	const struct nic_backend_ops *ops;
	void *be;
	uint8_t mac[6];           /* configured (EEPROM) MAC */
	uint8_t told_mac[6];      /* what the back end last heard */
	bool link;
	bool irq;                 /* INTA# asserted */
	uint32_t regs[E1000_MMIO_SIZE / 4];
	uint32_t ioaddr;
	uint16_t eeprom[E1000_EEPROM_WORDS];
	uint16_t phy[PHY_REGS];
	/* Microwire EEPROM interface. */
	enum ee_state ee_state;
	uint32_t ee_shift;
	unsigned ee_bits, ee_addr, ee_bit;
	bool ee_do;
	/* Interrupt moderation. */
	struct vtimer itr_timer, rdtr_timer, radv_timer, tidv_timer, tadv_timer;
	/* Transmit assembly across descriptors. */
	struct tx_ctx ctx;
	uint8_t *tx_buf;
	size_t tx_len;
	bool tx_started, tx_overflow, tx_tse;
	uint8_t tx_popts;
	uint16_t tx_vlan;
	bool tx_vle;
	uint8_t rx_frame[FRAME_MAX_LPE + 8];
	/* Scratch for TSO segments and VLAN tag insertion (off the stack). */
	uint8_t tx_seg[FRAME_MAX_LPE];
	uint8_t tx_tagged[FRAME_MAX_LPE + 4];
};

static uint32_t *reg(struct e1000 *e, uint32_t off) { return &e->regs[off / 4]; }

/* The 802.1Q EtherType.  Linux clears VET on parts before the 82545 rev 3,
 * which use 0x8100 regardless. */
static uint16_t vet(struct e1000 *e)
{
	uint16_t v = (uint16_t)*reg(e, R_VET);
	return v ? v : 0x8100;
}

/* ---- DMA: RAM only --------------------------------------------------- */

static bool bus_master(struct e1000 *e)
{
	return pci_cfg(e->pci)[PCI_COMMAND] & PCI_CMD_MASTER;
}

static void dma_read(struct e1000 *e, gpa_t gpa, void *buf, size_t len)
{
	uint8_t *out = buf;

	while (len) {
		size_t chunk = PMAP_PAGE_SIZE - (gpa & (PMAP_PAGE_SIZE - 1));
		if (chunk > len)
			chunk = len;
		if (gpa + chunk >= gpa && pmap_is_ram(e->pm, gpa, chunk))
			pmap_read_buf(e->pm, gpa, out, chunk);
		else
			memset(out, 0xff, chunk);
		out += chunk;
		gpa += chunk;
		len -= chunk;
	}
}

static void dma_write(struct e1000 *e, gpa_t gpa, const void *buf, size_t len)
{
	const uint8_t *in = buf;

	while (len) {
		size_t chunk = PMAP_PAGE_SIZE - (gpa & (PMAP_PAGE_SIZE - 1));
		if (chunk > len)
			chunk = len;
		if (gpa + chunk >= gpa && pmap_is_ram(e->pm, gpa, chunk))
			pmap_write_buf(e->pm, gpa, in, chunk);
		in += chunk;
		gpa += chunk;
		len -= chunk;
	}
}

static uint16_t get16le(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static uint32_t get32le(const uint8_t *p) { return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24; }
static uint64_t get64le(const uint8_t *p) { return get32le(p) | (uint64_t)get32le(p + 4) << 32; }
static void put16le(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
static uint16_t get16be(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static void put16be(uint8_t *p, uint16_t v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }
static uint32_t get32be(const uint8_t *p) { return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]; }
static void put32be(uint8_t *p, uint32_t v) { put16be(p, (uint16_t)(v >> 16)); put16be(p + 2, (uint16_t)v); }

/* ---- Interrupts -------------------------------------------------------- */

static void update_irq(struct e1000 *e)
{
	bool pending = (*reg(e, R_ICR) & *reg(e, R_IMS)) != 0;
	uint32_t itr = *reg(e, R_ITR) & 0xffff;

	if (!pending) {
		if (e->irq)
			pci_set_irq(e->pci, 0);
		e->irq = false;
		return;
	}
	/* ITR: at most one assertion per itr * 256 ns; a cause that comes
	 * sooner waits for the interval's end. */
	if (e->irq || vtimer_pending(&e->itr_timer))
		return;
	e->irq = true;
	pci_set_irq(e->pci, 1);
	if (itr)
		vtimer_mod(&e->itr_timer, vclock_ns(e->vc) + (uint64_t)itr * 256);
}

static void set_cause(struct e1000 *e, uint32_t cause)
{
	*reg(e, R_ICR) |= cause;
	update_irq(e);
}

static void itr_expired(void *o)
{
	update_irq(o);
}

static void rx_timer_expired(void *o)
{
	struct e1000 *e = o;

	vtimer_del(&e->rdtr_timer);
	vtimer_del(&e->radv_timer);
	set_cause(e, ICR_RXT0);
}

static void tx_timer_expired(void *o)
{
	struct e1000 *e = o;

	vtimer_del(&e->tidv_timer);
	vtimer_del(&e->tadv_timer);
	set_cause(e, ICR_TXDW);
}

/* A packet was delivered (RDTR/RADV) or a descriptor written back with IDE
 * (TIDV/TADV): fire now, or after the packet timer, capped by the absolute
 * timer.  Units are 1.024 us. */
static void delayed_cause(struct e1000 *e, uint32_t cause, uint32_t pkt_reg, uint32_t abs_reg,
			  struct vtimer *pkt, struct vtimer *abs)
{
	uint64_t now = vclock_ns(e->vc);
	uint32_t d = *reg(e, pkt_reg) & 0xffff, a = *reg(e, abs_reg) & 0xffff;

	if (!d) {
		vtimer_del(pkt);
		vtimer_del(abs);
		set_cause(e, cause);
		return;
	}
	vtimer_mod(pkt, now + (uint64_t)d * 1024);
	if (a && !vtimer_pending(abs))
		vtimer_mod(abs, now + (uint64_t)a * 1024);
}

/* ---- EEPROM -------------------------------------------------------------- */

static void eeprom_init(struct e1000 *e)
{
	uint16_t *w = e->eeprom, sum = 0;

	memset(w, 0, sizeof(e->eeprom));
	for (int i = 0; i < 3; i++)
		w[i] = (uint16_t)(e->mac[2 * i] | e->mac[2 * i + 1] << 8);
	w[0x04] = 0xffff;       /* ID LED settings: use the defaults */
	w[0x08] = 0x1234;       /* PBA number */
	w[0x09] = 0x5678;
	w[0x0a] = 0x0001;       /* init control 1: load subsystem IDs */
	w[0x0b] = 0x0750;       /* subsystem ID (VMware's e1000) */
	w[0x0c] = 0x15ad;       /* subsystem vendor */
	w[0x0d] = E1000_DEVICE;
	w[0x0e] = E1000_VENDOR;
	w[0x0f] = 0x3000;       /* init control 2 */
	for (int i = 0; i < E1000_EEPROM_WORDS - 1; i++)
		sum = (uint16_t)(sum + w[i]);
	w[E1000_EEPROM_WORDS - 1] = (uint16_t)(0xbaba - sum);
}

/* Microwire: the driver clocks SK with CS high; on each rising edge we take
 * DI (start bit, 2 opcode bits, 6 address bits) and, for READ, present the
 * next data bit on DO (a dummy 0 after the address, then D15..D0, moving on
 * to the next word for sequential reads). */
static void eecd_write(struct e1000 *e, uint32_t val)
{
	uint32_t old = *reg(e, R_EECD);
	bool rising = (val & EECD_SK) && !(old & EECD_SK);

	*reg(e, R_EECD) = val & (EECD_SK | EECD_CS | EECD_DI | EECD_REQ | 0x30u);
	if (!(val & EECD_CS)) {
		e->ee_state = EE_IDLE;
		e->ee_do = true;
		return;
	}
	if (!rising)
		return;
	switch (e->ee_state) {
	case EE_IDLE:
		if (val & EECD_DI) {
			e->ee_state = EE_CMD;
			e->ee_shift = 0;
			e->ee_bits = 0;
		}
		e->ee_do = false;
		break;
	case EE_CMD:
		e->ee_shift = e->ee_shift << 1 | !!(val & EECD_DI);
		if (++e->ee_bits < 8)
			break;
		if ((e->ee_shift >> 6) == 2) {  /* READ */
			e->ee_state = EE_READ;
			e->ee_addr = e->ee_shift & 0x3f;
			e->ee_bit = 16;
			e->ee_do = false;
		} else {
			/* Write, erase and enable commands: the EEPROM is
			 * write-protected; it reports ready. */
			e->ee_state = EE_IGNORE;
			e->ee_do = true;
		}
		break;
	case EE_READ:
		if (!e->ee_bit) {
			e->ee_addr = (e->ee_addr + 1) % E1000_EEPROM_WORDS;
			e->ee_bit = 16;
		}
		e->ee_bit--;
		e->ee_do = (e->eeprom[e->ee_addr] >> e->ee_bit) & 1;
		break;
	case EE_IGNORE:
		break;
	}
}

static uint32_t eecd_read(struct e1000 *e)
{
	uint32_t v = *reg(e, R_EECD) | EECD_PRES;

	if (v & EECD_REQ)
		v |= EECD_GNT;
	if (e->ee_do)
		v |= EECD_DO;
	return v;
}

static void eerd_write(struct e1000 *e, uint32_t val)
{
	unsigned addr = (val >> 8) & 0xff;

	if (!(val & EERD_START))
		return;
	*reg(e, R_EERD) = (uint32_t)(addr < E1000_EEPROM_WORDS ? e->eeprom[addr] : 0) << 16 |
			  addr << 8 | EERD_DONE;
}

/* ---- PHY ----------------------------------------------------------------- */

enum {
	PHY_CTRL = 0, PHY_STATUS = 1, PHY_ID1 = 2, PHY_ID2 = 3, PHY_AUTONEG_ADV = 4,
	PHY_LP_ABILITY = 5, PHY_AUTONEG_EXP = 6, PHY_1000T_CTRL = 9, PHY_1000T_STATUS = 10,
	PHY_EXT_STATUS = 15, M88_PHY_SPEC_CTRL = 16, M88_PHY_SPEC_STATUS = 17,
	M88_EXT_PHY_SPEC_CTRL = 20,
};

static void phy_reset(struct e1000 *e)
{
	memset(e->phy, 0, sizeof(e->phy));
	e->phy[PHY_CTRL] = 0x1140;          /* autoneg on, full duplex, 1000 Mb/s */
	e->phy[PHY_ID1] = 0x0141;           /* Marvell M88E1011 (what 82540EM has) */
	e->phy[PHY_ID2] = 0x0c20;
	e->phy[PHY_AUTONEG_ADV] = 0x0de1;
	e->phy[PHY_1000T_CTRL] = 0x0e00;
	e->phy[PHY_EXT_STATUS] = 0x3000;
	e->phy[M88_PHY_SPEC_CTRL] = 0x0068;
	e->phy[M88_EXT_PHY_SPEC_CTRL] = 0x0d60;
}

/* Registers that follow the link. */
static uint16_t phy_read(struct e1000 *e, unsigned r)
{
	switch (r) {
	case PHY_STATUS:
		return 0x7949 | (e->link ? 0x0024 : 0);   /* + link, autoneg complete */
	case PHY_LP_ABILITY:
		return e->link ? 0x45e1 : 0;
	case PHY_AUTONEG_EXP:
		return e->link ? 0x0001 : 0;
	case PHY_1000T_STATUS:
		return e->link ? 0x3c00 : 0;
	case M88_PHY_SPEC_STATUS:
		/* 1000 Mb/s, full duplex, resolved, link. */
		return e->link ? 0xac00 : 0;
	default:
		return e->phy[r];
	}
}

static void phy_write(struct e1000 *e, unsigned r, uint16_t v)
{
	switch (r) {
	case PHY_CTRL:
		/* Software reset and restart-autoneg self-clear; like the
		 * Marvell part, a software reset keeps the other registers
		 * (the driver's PHY settings take effect through it).  Only
		 * CTRL.PHY_RST resets them all. */
		e->phy[r] = v & ~0x8200;
		break;
	case PHY_STATUS: case PHY_ID1: case PHY_ID2: case PHY_LP_ABILITY:
	case PHY_AUTONEG_EXP: case PHY_1000T_STATUS: case PHY_EXT_STATUS:
	case M88_PHY_SPEC_STATUS:
		break;                      /* read-only */
	default:
		e->phy[r] = v;
	}
}

static void mdic_write(struct e1000 *e, uint32_t val)
{
	unsigned phy = (val >> 21) & 0x1f, r = (val >> 16) & 0x1f;
	uint32_t out = val & ~(MDIC_READY | MDIC_ERROR);

	if (phy != PHY_ADDR) {
		out |= MDIC_ERROR;
	} else if ((val & (3u << 26)) == MDIC_OP_READ) {
		out = (out & ~0xffffu) | phy_read(e, r);
	} else if ((val & (3u << 26)) == MDIC_OP_WRITE) {
		phy_write(e, r, (uint16_t)val);
	} else {
		out |= MDIC_ERROR;
	}
	*reg(e, R_MDIC) = out | MDIC_READY;
	if (val & MDIC_INT)
		set_cause(e, ICR_MDAC);
}

/* ---- Statistics ---------------------------------------------------------- */

static void stat_add(struct e1000 *e, unsigned off, uint32_t n)
{
	uint32_t *r = reg(e, R_STATS + off);
	*r = *r + n < *r ? 0xffffffffu : *r + n;   /* counters saturate */
}

static void stat_add64(struct e1000 *e, unsigned off, uint64_t n)
{
	uint32_t *lo = reg(e, R_STATS + off), *hi = reg(e, R_STATS + off + 4);
	uint64_t v = ((uint64_t)*hi << 32 | *lo) + n;

	*lo = (uint32_t)v;
	*hi = (uint32_t)(v >> 32);
}

/* The 64/127/255/511/1023/1522 size bins, wire length with FCS. */
static void stat_size(struct e1000 *e, unsigned base, size_t wire)
{
	unsigned bin = wire <= 64 ? 0 : wire <= 127 ? 1 : wire <= 255 ? 2 : wire <= 511 ? 3 :
		       wire <= 1023 ? 4 : 5;
	if (wire <= 1522)
		stat_add(e, base + 4 * bin, 1);
}

/* ---- Receive --------------------------------------------------------------- */

static bool ra_match(struct e1000 *e, const uint8_t *dst)
{
	for (int i = 0; i < 16; i++) {
		uint32_t lo = *reg(e, R_RA + 8 * i), hi = *reg(e, R_RA + 8 * i + 4);
		/* Only destination-address entries (AS = 00) filter. */
		if (!(hi & RAH_AV) || (hi & 0x30000))
			continue;
		if (get32le(dst) == lo && get16le(dst + 4) == (uint16_t)hi)
			return true;
	}
	return false;
}

static bool mta_match(struct e1000 *e, const uint8_t *dst)
{
	static const unsigned shift[4] = { 4, 3, 2, 0 };
	unsigned mo = (*reg(e, R_RCTL) >> 12) & 3;
	unsigned h = ((dst[4] >> shift[mo]) | ((unsigned)dst[5] << (8 - shift[mo]))) & 0xfff;

	return (*reg(e, R_MTA + 4 * (h >> 5)) >> (h & 31)) & 1;
}

static bool rx_filter(struct e1000 *e, const uint8_t *f)
{
	uint32_t rctl = *reg(e, R_RCTL);
	static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

	if (!memcmp(f, bcast, 6))
		return (rctl & (RCTL_BAM | RCTL_MPE)) || ra_match(e, f);
	if (f[0] & 1)
		return (rctl & RCTL_MPE) || ra_match(e, f) || mta_match(e, f);
	return (rctl & RCTL_UPE) || ra_match(e, f);
}

static unsigned rx_buf_size(uint32_t rctl)
{
	static const unsigned normal[4] = { 2048, 1024, 512, 256 };
	static const unsigned ext[4] = { 2048, 16384, 8192, 4096 };
	unsigned bs = (rctl >> 16) & 3;

	return rctl & RCTL_BSEX ? ext[bs] : normal[bs];
}

/* Ring geometry; false when the ring is unusable (no descriptors, or a head
 * or tail beyond its end). */
static bool ring(struct e1000 *e, uint32_t base_lo, uint32_t *n, uint32_t *h, uint32_t *t)
{
	*n = (*reg(e, base_lo + 8) & 0xfff80) / 16;
	*h = *reg(e, base_lo + 0x10) & 0xffff;
	*t = *reg(e, base_lo + 0x18) & 0xffff;
	return *n && *h < *n && *t < *n;
}

static gpa_t ring_base(struct e1000 *e, uint32_t base_lo)
{
	return ((gpa_t)*reg(e, base_lo + 4) << 32 | *reg(e, base_lo)) & ~(gpa_t)0xf;
}

int e1000_receive(struct e1000 *e, const void *frame, size_t len)
{
	uint32_t rctl = *reg(e, R_RCTL), n, h, t, avail, need, bsize;
	const uint8_t *in = frame;
	uint8_t *f = e->rx_frame;
	uint16_t vlan = 0;
	uint8_t status = RXD_STAT_IXSM;
	size_t flen, done;
	gpa_t base;

	if (!(rctl & RCTL_EN) || !e->link || !bus_master(e) || len < 14 || len > FRAME_MAX_LPE)
		return 0;
	if (!rx_filter(e, in))
		return 0;
	memcpy(f, in, len);
	flen = len;
	/* Tagged frames: the VLAN filter table, then tag stripping (CTRL.VME). */
	if (get16be(f + 12) == vet(e) && flen >= 18) {
		uint16_t tci = get16be(f + 14);
		if ((rctl & RCTL_VFE) && !((*reg(e, R_VFTA + 4 * ((tci & 0xfff) >> 5)) >> (tci & 31)) & 1))
			return 0;
		if (*reg(e, R_CTRL) & CTRL_VME) {
			vlan = tci;
			status |= RXD_STAT_VP;
			memmove(f + 12, f + 16, flen - 16);
			flen -= 4;
		}
	}
	/* The wire never carries runts: short frames arrive padded. */
	if (flen < 60) {
		memset(f + flen, 0, 60 - flen);
		flen = 60;
	}
	if (flen + 4 > (rctl & RCTL_LPE ? FRAME_MAX_LPE : FRAME_MAX_NOLPE)) {
		stat_add(e, S_ROC, 1);
		return 0;
	}
	if (!(rctl & RCTL_SECRC)) {
		/* The FCS: IEEE CRC-32, which is zlib's. */
		uint32_t crc = (uint32_t)crc32(0, f, (uInt)flen);
		for (int i = 0; i < 4; i++)
			f[flen + i] = (uint8_t)(crc >> (8 * i));
		flen += 4;
	}
	if (!ring(e, R_RDBAL, &n, &h, &t)) {
		stat_add(e, S_RNBC, 1);
		return -ENOBUFS;
	}
	bsize = rx_buf_size(rctl);
	need = (uint32_t)((flen + bsize - 1) / bsize);
	avail = t >= h ? t - h : n - h + t;
	if (avail < need) {
		stat_add(e, S_RNBC, 1);
		return -ENOBUFS;
	}
	base = ring_base(e, R_RDBAL);
	for (done = 0; done < flen; h = (h + 1) % n) {
		uint8_t d[16];
		size_t chunk = flen - done < bsize ? flen - done : bsize;
		gpa_t da = base + (gpa_t)h * 16;

		dma_read(e, da, d, 16);
		dma_write(e, get64le(d), f + done, chunk);
		done += chunk;
		put16le(d + 8, (uint16_t)chunk);
		put16le(d + 10, 0);                       /* packet checksum */
		d[12] = status | RXD_STAT_DD | (done == flen ? RXD_STAT_EOP : 0);
		d[13] = 0;                                /* errors */
		put16le(d + 14, vlan);
		dma_write(e, da + 8, d + 8, 8);
	}
	*reg(e, R_RDH) = h;
	stat_add(e, S_GPRC, 1);
	stat_add(e, S_TPR, 1);
	/* Octet counts and size bins include the FCS, stripped or not. */
	stat_add64(e, S_GORCL, flen + (rctl & RCTL_SECRC ? 4 : 0));
	stat_add64(e, S_TORL, flen + (rctl & RCTL_SECRC ? 4 : 0));
	stat_size(e, S_PRC64, flen + (rctl & RCTL_SECRC ? 4 : 0));
	if (!memcmp(f, "\xff\xff\xff\xff\xff\xff", 6))
		stat_add(e, S_BPRC, 1);
	else if (f[0] & 1)
		stat_add(e, S_MPRC, 1);
	/* Free descriptors down to the RDMTS fraction (1/2, 1/4, 1/8). */
	avail = t >= h ? t - h : n - h + t;
	if (avail <= n >> (((rctl >> 8) & 3) + 1))
		set_cause(e, ICR_RXDMT0);
	delayed_cause(e, ICR_RXT0, R_RDTR, R_RADV, &e->rdtr_timer, &e->radv_timer);
	return 0;
}

int e1000_rx_cb(void *e, const void *frame, size_t len)
{
	return e1000_receive(e, frame, len);
}

void e1000_set_link(struct e1000 *e, bool up)
{
	if (e->link == up)
		return;
	e->link = up;
	set_cause(e, ICR_LSC);
}

void e1000_link_cb(void *e, bool up)
{
	e1000_set_link(e, up);
}

/* ---- Transmit ------------------------------------------------------------ */

static uint32_t csum_add(uint32_t sum, const uint8_t *p, size_t len)
{
	for (size_t i = 0; i + 1 < len; i += 2)
		sum += get16be(p + i);
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	return sum;
}

static uint16_t csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* Stores the checksum of p[css..cse] (cse 0 = to the end, inclusive) at
 * cso, plus extra (a length for TSO pseudo headers).  Offsets a guest gets
 * wrong are ignored, as the hardware would write garbage. */
static void put_csum(uint8_t *p, size_t len, unsigned css, unsigned cso, unsigned cse, uint32_t extra)
{
	size_t end = cse && cse < len ? cse + 1 : len;

	if (css >= end || cso + 2 > len)
		return;
	put16be(p + cso, csum_fold(csum_add(extra, p + css, end - css)));
}

static void tx_stats(struct e1000 *e, const uint8_t *f, size_t len)
{
	stat_add(e, S_GPTC, 1);
	stat_add(e, S_TPT, 1);
	stat_add64(e, S_GOTCL, len + 4);
	stat_add64(e, S_TOTL, len + 4);
	stat_size(e, S_PTC64, len + 4);
	if (!memcmp(f, "\xff\xff\xff\xff\xff\xff", 6))
		stat_add(e, S_BPTC, 1);
	else if (f[0] & 1)
		stat_add(e, S_MPTC, 1);
}

/* One finished frame leaves the NIC: VLAN tag insertion, then the back end
 * or, in MAC loopback (RCTL.LBM), our own receiver. */
static void tx_emit(struct e1000 *e, uint8_t *f, size_t len)
{
	uint8_t *tagged = e->tx_tagged;

	if (len < 14)
		return;
	if (e->tx_vle && (*reg(e, R_CTRL) & CTRL_VME) && len + 4 <= sizeof(e->tx_tagged)) {
		memcpy(tagged, f, 12);
		put16be(tagged + 12, vet(e));
		put16be(tagged + 14, e->tx_vlan);
		memcpy(tagged + 16, f + 12, len - 12);
		f = tagged;
		len += 4;
	}
	tx_stats(e, f, len);
	if (*reg(e, R_RCTL) & RCTL_LBM_MASK)
		e1000_receive(e, f, len);
	else if (e->ops && e->ops->send && e->link)
		e->ops->send(e->be, f, len);
}

/* TCP segmentation: the assembled buffer is hdrlen bytes of headers and the
 * payload; each segment gets the headers with lengths, IP ID, sequence
 * number, flags and checksums fixed up. */
static void tx_tso(struct e1000 *e)
{
	const struct tx_ctx *c = &e->ctx;
	unsigned hl = c->hdrlen, mss = c->mss;
	bool tcp = c->tucmd & TUCMD_TCP, ipv4 = c->tucmd & TUCMD_IP;
	uint8_t *seg = e->tx_seg;
	size_t total, off;
	uint32_t seq = 0;
	uint16_t ipid = 0;

	if (!mss || hl < 14 || hl > e->tx_len || hl + mss > sizeof(e->tx_seg) ||
	    c->tucss + (tcp ? 20u : 8u) > hl || c->ipcss + (ipv4 ? 20u : 40u) > hl)
		return;
	total = e->tx_len - hl;
	if (total > c->paylen)
		total = c->paylen;
	if (tcp)
		seq = get32be(e->tx_buf + c->tucss + 4);
	if (ipv4)
		ipid = get16be(e->tx_buf + c->ipcss + 4);
	for (off = 0; off < total; off += mss) {
		size_t plen = total - off < mss ? total - off : mss;
		bool last = off + plen == total;
		uint8_t *ip = seg + c->ipcss, *l4 = seg + c->tucss;

		memcpy(seg, e->tx_buf, hl);
		memcpy(seg + hl, e->tx_buf + hl + off, plen);
		if (ipv4) {
			put16be(ip + 2, (uint16_t)(hl - c->ipcss + plen));
			put16be(ip + 4, ipid++);
		} else {
			put16be(ip + 4, (uint16_t)(hl - c->ipcss - 40 + plen));
		}
		if (tcp) {
			put32be(l4 + 4, seq + (uint32_t)off);
			if (!last)
				l4[13] &= (uint8_t)~0x09;      /* FIN and PSH only at the end */
		} else {
			put16be(l4 + 4, (uint16_t)(hl - c->tucss + plen));
		}
		if (e->tx_popts & TXD_POPTS_IXSM) {
			put16be(seg + c->ipcso, 0);
			put_csum(seg, hl + plen, c->ipcss, c->ipcso, c->ipcse, 0);
		}
		if (e->tx_popts & TXD_POPTS_TXSM)
			put_csum(seg, hl + plen, c->tucss, c->tucso, c->tucse,
				 (uint32_t)(hl - c->tucss + plen));
		tx_emit(e, seg, hl + plen);
		stat_add(e, S_TSCTC, 1);
	}
}

static void tx_packet_done(struct e1000 *e, bool legacy_ic, unsigned css, unsigned cso)
{
	if (e->tx_overflow) {
		/* Bigger than anything the NIC can send: dropped. */
	} else if (e->tx_tse) {
		tx_tso(e);
	} else {
		if (legacy_ic)
			put_csum(e->tx_buf, e->tx_len, css, cso, 0, 0);
		if (e->tx_popts & TXD_POPTS_IXSM)
			put_csum(e->tx_buf, e->tx_len, e->ctx.ipcss, e->ctx.ipcso, e->ctx.ipcse, 0);
		if (e->tx_popts & TXD_POPTS_TXSM)
			put_csum(e->tx_buf, e->tx_len, e->ctx.tucss, e->ctx.tucso, e->ctx.tucse, 0);
		if (e->tx_len <= FRAME_MAX_LPE)
			tx_emit(e, e->tx_buf, e->tx_len);
	}
	e->tx_len = 0;
	e->tx_started = e->tx_overflow = e->tx_tse = false;
	e->tx_popts = 0;
}

static void tx_append(struct e1000 *e, gpa_t addr, size_t len)
{
	if (e->tx_overflow || len > TX_BUF_MAX - e->tx_len) {
		e->tx_overflow = true;
		return;
	}
	dma_read(e, addr, e->tx_buf + e->tx_len, len);
	e->tx_len += len;
}

/* Handles one descriptor; returns true when it asks for a status write-back. */
static bool tx_desc(struct e1000 *e, const uint8_t *d)
{
	uint8_t cmd = d[11];
	bool first = !e->tx_started;

	if (!(cmd & TXD_CMD_DEXT)) {
		/* Legacy: length, CSO, CMD, STA, CSS, special. */
		if (first) {
			e->tx_vle = cmd & TXD_CMD_VLE;
			e->tx_vlan = get16le(d + 14);
		}
		e->tx_started = true;
		tx_append(e, get64le(d), get16le(d + 8));
		if (cmd & TXD_CMD_EOP)
			tx_packet_done(e, cmd & TXD_CMD_IC, d[13], d[10]);
		return cmd & TXD_CMD_RS;
	}
	switch ((d[10] >> 4) & 0xf) {
	case 0: {                               /* context */
		struct tx_ctx *c = &e->ctx;
		c->ipcss = d[0];
		c->ipcso = d[1];
		c->ipcse = get16le(d + 2);
		c->tucss = d[4];
		c->tucso = d[5];
		c->tucse = get16le(d + 6);
		c->paylen = get32le(d + 8) & 0xfffff;
		c->tucmd = cmd;
		c->hdrlen = d[13];
		c->mss = get16le(d + 14);
		return cmd & TXD_CMD_RS;
	}
	case 1:                                 /* data */
		if (first) {
			e->tx_popts = d[13];
			e->tx_tse = cmd & TXD_CMD_TSE;
			e->tx_vle = cmd & TXD_CMD_VLE;
			e->tx_vlan = get16le(d + 14);
		}
		e->tx_started = true;
		tx_append(e, get64le(d), get32le(d + 8) & 0xfffff);
		if (cmd & TXD_CMD_EOP)
			tx_packet_done(e, false, 0, 0);
		return cmd & TXD_CMD_RS;
	default:
		return false;                   /* reserved type: skipped */
	}
}

static void tx_process(struct e1000 *e)
{
	uint32_t n, h, t;
	gpa_t base;
	bool wrote = false, ide = false;

	if (!(*reg(e, R_TCTL) & TCTL_EN) || !bus_master(e) || !ring(e, R_TDBAL, &n, &h, &t) || h == t)
		return;
	base = ring_base(e, R_TDBAL);
	/* At most one lap: the head only moves toward a fixed tail. */
	while (h != t) {
		uint8_t d[16];
		gpa_t da = base + (gpa_t)h * 16;

		dma_read(e, da, d, 16);
		if (tx_desc(e, d)) {
			uint8_t sta = (uint8_t)(d[12] | RXD_STAT_DD);
			dma_write(e, da + 12, &sta, 1);
			wrote = true;
			ide |= (d[11] & TXD_CMD_IDE) != 0;
		}
		h = (h + 1) % n;
		*reg(e, R_TDH) = h;
	}
	if (wrote) {
		if (ide)
			delayed_cause(e, ICR_TXDW, R_TIDV, R_TADV, &e->tidv_timer, &e->tadv_timer);
		else
			set_cause(e, ICR_TXDW);
	}
	set_cause(e, ICR_TXQE);
}

/* ---- Register file --------------------------------------------------------- */

static void tell_mac(struct e1000 *e)
{
	uint32_t lo = *reg(e, R_RA), hi = *reg(e, R_RA + 4);
	uint8_t mac[6];

	if (!(hi & RAH_AV))
		return;
	for (int i = 0; i < 4; i++)
		mac[i] = (uint8_t)(lo >> (8 * i));
	mac[4] = (uint8_t)hi;
	mac[5] = (uint8_t)(hi >> 8);
	if (!memcmp(mac, e->told_mac, 6))
		return;
	memcpy(e->told_mac, mac, 6);
	if (e->ops && e->ops->set_mac)
		e->ops->set_mac(e->be, mac);
}

static void rx_kick(struct e1000 *e)
{
	if (e->ops && e->ops->rx_ready)
		e->ops->rx_ready(e->be);
}

static uint32_t reg_read(struct e1000 *e, uint32_t off)
{
	uint32_t v;

	off &= E1000_MMIO_SIZE - 4;
	switch (off) {
	case R_STATUS:
		return STATUS_FD | STATUS_SPEED_1000 | 0x200 | (e->link ? STATUS_LU : 0);
	case R_EECD:
		return eecd_read(e);
	case R_ICR:
		v = *reg(e, R_ICR);
		*reg(e, R_ICR) = 0;
		update_irq(e);
		return v;
	case R_ICS: case R_IMC:
		return 0;                       /* write-only */
	default:
		break;
	}
	v = *reg(e, off);
	if (off >= R_STATS && off < R_STATS_END)
		*reg(e, off) = 0;               /* statistics clear on read */
	return v;
}

static void reg_write(struct e1000 *e, uint32_t off, uint32_t val)
{
	off &= E1000_MMIO_SIZE - 4;
	switch (off) {
	case R_CTRL:
		if (val & CTRL_RST) {
			e1000_reset(e);
			return;
		}
		if (val & CTRL_PHY_RST)
			phy_reset(e);
		*reg(e, off) = val & ~(CTRL_RST | CTRL_PHY_RST);
		return;
	case R_STATUS:
		return;
	case R_EECD:
		eecd_write(e, val);
		return;
	case R_EERD:
		eerd_write(e, val);
		return;
	case R_MDIC:
		mdic_write(e, val);
		return;
	case R_ICR:
		*reg(e, R_ICR) &= ~val;         /* write one to clear */
		update_irq(e);
		return;
	case R_ICS:
		set_cause(e, val & ICR_ALL);
		return;
	case R_IMS:
		*reg(e, R_IMS) |= val & ICR_ALL;
		update_irq(e);
		return;
	case R_IMC:
		*reg(e, R_IMS) &= ~val;
		update_irq(e);
		return;
	case R_RCTL:
		*reg(e, off) = val;
		if (val & RCTL_EN)
			rx_kick(e);
		return;
	case R_RDLEN: case R_TDLEN:
		*reg(e, off) = val & 0xfff80;
		return;
	case R_RDH: case R_TDH:
		*reg(e, off) = val & 0xffff;
		return;
	case R_RDT:
		*reg(e, off) = val & 0xffff;
		rx_kick(e);
		return;
	case R_RDTR:
		*reg(e, off) = val & 0xffff;
		if (val & (1u << 31) && vtimer_pending(&e->rdtr_timer))
			rx_timer_expired(e);    /* flush partial descriptor block */
		return;
	case R_TDT:
		*reg(e, off) = val & 0xffff;
		tx_process(e);
		return;
	case R_TCTL:
		*reg(e, off) = val;
		tx_process(e);
		return;
	default:
		break;
	}
	if (off >= R_STATS && off < R_STATS_END)
		return;                         /* read-only counters */
	if (off >= R_RA && off < R_RA + 128 && (off & 4))
		val &= 0x8003ffffu;
	*reg(e, off) = val;
	if (off == R_RA + 4)
		tell_mac(e);
}

static uint32_t mmio_read(void *o, gpa_t off, unsigned size)
{
	uint32_t v = reg_read(o, (uint32_t)off & ~3u);

	if (size >= 4)
		return v;
	return (v >> (8 * (off & 3))) & ((1u << (8 * size)) - 1);
}

static void mmio_write(void *o, gpa_t off, unsigned size, uint32_t val)
{
	if (size == 4 && !(off & 3))
		reg_write(o, (uint32_t)off, val);
}

static const struct mmio_ops e1000_mmio = { mmio_read, mmio_write };

static uint32_t io_in(void *o, uint16_t port, unsigned size)
{
	struct e1000 *e = o;
	uint32_t v;

	if (port < 4)
		v = e->ioaddr;
	else if (port < 8)
		v = reg_read(e, e->ioaddr & 0x1fffc);
	else
		return 0xffffffffu;
	if (size >= 4)
		return v;
	return (v >> (8 * (port & 3))) & ((1u << (8 * size)) - 1);
}

static void io_out(void *o, uint16_t port, unsigned size, uint32_t val)
{
	struct e1000 *e = o;

	if (size != 4)
		return;
	if (port == 0)
		e->ioaddr = val & 0x1ffff;
	else if (port == 4)
		reg_write(e, e->ioaddr & 0x1fffc, val);
}

static const struct pio_ops e1000_pio = { io_in, io_out };

void e1000_reset(struct e1000 *e)
{
	vtimer_del(&e->itr_timer);
	vtimer_del(&e->rdtr_timer);
	vtimer_del(&e->radv_timer);
	vtimer_del(&e->tidv_timer);
	vtimer_del(&e->tadv_timer);
	memset(e->regs, 0, sizeof(e->regs));
	*reg(e, R_CTRL) = 0x00000261;           /* FD, ASDE, SLU, 1000 Mb/s */
	*reg(e, R_EECD) = 0x10;                 /* flash writes disabled */
	*reg(e, R_VET) = 0x8100;
	*reg(e, R_LEDCTL) = 0x07068302;
	*reg(e, R_PBA) = 0x00000030;
	*reg(e, R_TIPG) = 0x00602008;
	*reg(e, R_RXCSUM) = 0x300;
	*reg(e, R_RA) = get32le(e->mac);
	*reg(e, R_RA + 4) = get16le(e->mac + 4) | RAH_AV;
	e->ee_state = EE_IDLE;
	e->ee_do = true;
	e->ioaddr = 0;
	e->tx_len = 0;
	e->tx_started = e->tx_overflow = e->tx_tse = false;
	e->tx_popts = 0;
	memset(&e->ctx, 0, sizeof(e->ctx));
	phy_reset(e);
	update_irq(e);
	tell_mac(e);
}

int e1000_create(struct pci_bus *bus, unsigned devfn, struct pmap *pm, struct vclock *vc,
		 const uint8_t mac[6], const struct nic_backend_ops *ops, void *be,
		 struct e1000 **out)
{
	struct e1000 *e = calloc(1, sizeof(*e));
	uint8_t *cfg;
	int err;

	if (!e)
		return -ENOMEM;
	e->tx_buf = malloc(TX_BUF_MAX);
	if (!e->tx_buf) {
		free(e);
		return -ENOMEM;
	}
	e->pm = pm;
	e->vc = vc;
	e->ops = ops;
	e->be = be;
	memcpy(e->mac, mac, 6);
	memcpy(e->told_mac, mac, 6);
	vtimer_init(&e->itr_timer, vc, itr_expired, e);
	vtimer_init(&e->rdtr_timer, vc, rx_timer_expired, e);
	vtimer_init(&e->radv_timer, vc, rx_timer_expired, e);
	vtimer_init(&e->tidv_timer, vc, tx_timer_expired, e);
	vtimer_init(&e->tadv_timer, vc, tx_timer_expired, e);
	eeprom_init(e);
	err = pci_register(bus, devfn, E1000_VENDOR, E1000_DEVICE, 0x02000002, NULL, e, &e->pci);
	if (!err)
		err = pci_set_bar_mmio(e->pci, 0, E1000_MMIO_SIZE, &e1000_mmio, e);
	if (!err)
		err = pci_set_bar_io(e->pci, 1, E1000_IO_SIZE, &e1000_pio, e);
	if (err) {
		/* A registered function belongs to the bus from here on. */
		free(e->tx_buf);
		free(e);
		return err;
	}
	cfg = pci_cfg(e->pci);
	put16le(cfg + 0x2c, 0x15ad);            /* subsystem vendor: VMware */
	put16le(cfg + 0x2e, 0x0750);
	cfg[PCI_INTERRUPT_PIN] = 1;
	cfg[0x3e] = 0xff;                       /* MIN_GNT */
	e1000_reset(e);
	*out = e;
	return 0;
}

void e1000_set_backend(struct e1000 *e, const struct nic_backend_ops *ops, void *be)
{
	e->ops = ops;
	e->be = be;
	memcpy(e->told_mac, e->mac, 6);
	tell_mac(e);
}

void e1000_destroy(struct e1000 *e)
{
	if (!e)
		return;
	vtimer_del(&e->itr_timer);
	vtimer_del(&e->rdtr_timer);
	vtimer_del(&e->radv_timer);
	vtimer_del(&e->tidv_timer);
	vtimer_del(&e->tadv_timer);
	free(e->tx_buf);
	free(e);
}
