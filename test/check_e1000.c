/* The 82540EM model, driven only through PCI configuration cycles, its
 * registers (MMIO and the I/O window) and guest memory, with a fake back end
 * that records what the NIC sends. */
#include "config.h"
#include "dev/e1000.h"

#include "net/vsw_proto.h"

#include <check.h>
#include "check_run.h"
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define DEVFN PCI_DEVFN(3, 0)
#define BAR0 0xfebc0000u
#define BAR1 0xc000u
#define TX_RING 0x100000u
#define RX_RING 0x101000u
#define TX_BUFS 0x200000u
#define RX_BUFS 0x300000u

enum {
	CTRL = 0x0, STATUS = 0x8, EECD = 0x10, EERD = 0x14, MDIC = 0x20, ICR = 0xc0, ITR = 0xc4,
	ICS = 0xc8, IMS = 0xd0, IMC = 0xd8, RCTL = 0x100, TCTL = 0x400,
	RDBAL = 0x2800, RDBAH = 0x2804, RDLEN = 0x2808, RDH = 0x2810, RDT = 0x2818, RDTR = 0x2820,
	TDBAL = 0x3800, TDBAH = 0x3804, TDLEN = 0x3808, TDH = 0x3810, TDT = 0x3818, TIDV = 0x3820,
	GPRC = 0x4074, GPTC = 0x4080, GOTCL = 0x4090, TPT = 0x40d4, RNBC = 0x40a0,
	MTA = 0x5200, RA = 0x5400, VFTA = 0x5600,
};

static const uint8_t mac[6] = { 0x00, 0x50, 0x56, 0x12, 0x34, 0x56 };
static const uint8_t peer[6] = { 0x00, 0x50, 0x56, 0x0a, 0x0b, 0x0c };
static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

static struct iobus *io;
static struct pmap *pm;
static struct pci_bus *bus;
static struct vclock *vc;
static struct e1000 *nic;
static int irq;

/* The fake back end. */
static uint8_t sent[16][2048];
static size_t sent_len[16];
static int nsent, rx_ready_calls, mac_calls;
static uint8_t last_mac[6];

static int fb_send(void *o, const void *f, size_t len)
{
	(void)o;
	ck_assert_uint_le(len, sizeof(sent[0]));
	if (nsent < 16) {
		memcpy(sent[nsent], f, len);
		sent_len[nsent] = len;
	}
	nsent++;
	return 0;
}
static void fb_set_mac(void *o, const uint8_t m[6]) { (void)o; memcpy(last_mac, m, 6); mac_calls++; }
static void fb_rx_ready(void *o) { (void)o; rx_ready_calls++; }
static const struct nic_backend_ops fake_ops = { fb_send, fb_set_mac, fb_rx_ready };

static void on_pirq(void *o, int pirq, int level) { (void)o; (void)pirq; irq = level; }

static uint32_t rd(uint32_t off) { return pmap_read(pm, BAR0 + off, 4); }
static void wr(uint32_t off, uint32_t v) { pmap_write(pm, BAR0 + off, 4, v); }

static void setup(void)
{
	ck_assert_int_eq(iobus_create(&io), 0);
	ck_assert_int_eq(pmap_create(64 << 20, &pm), 0);
	ck_assert_int_eq(pci_bus_create(io, pm, &bus), 0);
	ck_assert_int_eq(vclock_create(&vc), 0);
	vclock_set_manual(vc, true);
	irq = 0;
	pci_bus_set_pirq_router(bus, on_pirq, NULL);
	ck_assert_int_eq(e1000_create(bus, DEVFN, pm, vc, mac, &fake_ops, NULL, &nic), 0);
	pci_bus_cfg_write(bus, DEVFN, 0x10, 4, BAR0);
	pci_bus_cfg_write(bus, DEVFN, 0x14, 4, BAR1);
	pci_bus_cfg_write(bus, DEVFN, PCI_COMMAND, 2, PCI_CMD_IO | PCI_CMD_MEM | PCI_CMD_MASTER);
	nsent = rx_ready_calls = mac_calls = 0;
	e1000_set_link(nic, true);
	rd(ICR);
}

static void teardown(void)
{
	pci_bus_destroy(bus);
	e1000_destroy(nic);
	vclock_destroy(vc);
	pmap_destroy(pm);
	iobus_destroy(io);
}

/* ---- helpers for rings ---- */

static void put_desc(gpa_t ring, unsigned i, uint64_t addr, uint32_t w2, uint32_t w3)
{
	pmap_write(pm, ring + 16 * i, 4, (uint32_t)addr);
	pmap_write(pm, ring + 16 * i + 4, 4, (uint32_t)(addr >> 32));
	pmap_write(pm, ring + 16 * i + 8, 4, w2);
	pmap_write(pm, ring + 16 * i + 12, 4, w3);
}

static void tx_setup(unsigned n)
{
	wr(TDBAL, TX_RING);
	wr(TDBAH, 0);
	wr(TDLEN, n * 16);
	wr(TDH, 0);
	wr(TDT, 0);
	wr(TCTL, 0x2 | 0x8);
}

static void rx_setup(unsigned n, uint32_t rctl)
{
	wr(RDBAL, RX_RING);
	wr(RDBAH, 0);
	wr(RDLEN, n * 16);
	wr(RDH, 0);
	for (unsigned i = 0; i < n; i++)
		put_desc(RX_RING, i, RX_BUFS + 0x1000 * i, 0, 0);
	wr(RDT, n - 1);
	wr(RCTL, rctl | 0x2);
}

static void make_frame(uint8_t *f, size_t len, const uint8_t *dst, const uint8_t *src)
{
	memcpy(f, dst, 6);
	memcpy(f + 6, src, 6);
	f[12] = 0x08;
	f[13] = 0x00;
	for (size_t i = 14; i < len; i++)
		f[i] = (uint8_t)i;
}

static uint16_t csum(const uint8_t *p, size_t len, uint32_t sum)
{
	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

/* ---- PCI, EEPROM, PHY ---- */

START_TEST(pci_identity_and_bars)
{
	ck_assert_uint_eq(pci_bus_cfg_read(bus, DEVFN, 0, 4), 0x100e8086);
	ck_assert_uint_eq(pci_bus_cfg_read(bus, DEVFN, 0x08, 4) >> 8, 0x020000);
	ck_assert_uint_eq(pci_bus_cfg_read(bus, DEVFN, 0x2c, 4), 0x075015ad);
	ck_assert_uint_eq(pci_bus_cfg_read(bus, DEVFN, PCI_INTERRUPT_PIN, 1), 1);
	ck_assert_uint_eq(pci_bus_cfg_read(bus, DEVFN, 0x10, 4), BAR0);
	ck_assert_uint_eq(pci_bus_cfg_read(bus, DEVFN, 0x14, 4), BAR1 | 1);
	/* BAR sizing: 128 KiB memory, 64 ports. */
	pci_bus_cfg_write(bus, DEVFN, 0x10, 4, 0xffffffffu);
	ck_assert_uint_eq(pci_bus_cfg_read(bus, DEVFN, 0x10, 4), 0xfffe0000u);
	pci_bus_cfg_write(bus, DEVFN, 0x14, 4, 0xffffffffu);
	ck_assert_uint_eq(pci_bus_cfg_read(bus, DEVFN, 0x14, 4), 0xffffffc1u);
	pci_bus_cfg_write(bus, DEVFN, 0x10, 4, BAR0);
	pci_bus_cfg_write(bus, DEVFN, 0x14, 4, BAR1);
	ck_assert_uint_eq(rd(STATUS) & 2, 2);
}
END_TEST

START_TEST(eeprom_eerd)
{
	uint16_t w[64], sum = 0;

	for (unsigned i = 0; i < 64; i++) {
		uint32_t v;
		wr(EERD, i << 8 | 1);
		v = rd(EERD);
		ck_assert_uint_eq(v & 0x10, 0x10);
		ck_assert_uint_eq((v >> 8) & 0xff, i);
		w[i] = (uint16_t)(v >> 16);
		sum = (uint16_t)(sum + w[i]);
	}
	ck_assert_uint_eq(sum, 0xbaba);
	ck_assert_uint_eq(w[0], 0x5000);
	ck_assert_uint_eq(w[1], 0x1256);
	ck_assert_uint_eq(w[2], 0x5634);
	ck_assert_uint_eq(w[0x0e], 0x8086);
	ck_assert_uint_eq(w[0x0d], 0x100e);
}
END_TEST

/* What Linux's e1000 driver does for Microwire parts. */
static void ee_clock(uint32_t *eecd)
{
	*eecd |= 1;
	wr(EECD, *eecd);
	*eecd &= ~1u;
	wr(EECD, *eecd);
}

static void ee_out(uint32_t *eecd, uint32_t data, int bits)
{
	for (int i = bits - 1; i >= 0; i--) {
		*eecd = (*eecd & ~4u) | ((data >> i) & 1 ? 4u : 0);
		wr(EECD, *eecd);
		ee_clock(eecd);
	}
	*eecd &= ~4u;
	wr(EECD, *eecd);
}

static uint16_t ee_in(uint32_t *eecd)
{
	uint16_t d = 0;

	for (int i = 0; i < 16; i++) {
		d = (uint16_t)(d << 1);
		*eecd |= 1;
		wr(EECD, *eecd);
		if (rd(EECD) & 8)
			d |= 1;
		*eecd &= ~1u;
		wr(EECD, *eecd);
	}
	return d;
}

START_TEST(eeprom_microwire)
{
	uint32_t eecd = rd(EECD);
	uint16_t sum = 0;

	ck_assert_uint_eq(eecd & 0x100, 0x100);            /* EEPROM present */
	ck_assert_uint_eq(eecd & 0x200, 0);                /* 64 words */
	eecd |= 0x40;                                      /* request */
	wr(EECD, eecd);
	ck_assert_uint_eq(rd(EECD) & 0x80, 0x80);          /* granted */
	for (unsigned a = 0; a < 64; a++) {
		uint32_t v;
		eecd = (eecd & ~5u) | 2;                   /* CS */
		wr(EECD, eecd);
		ee_out(&eecd, 6, 3);                       /* start + READ */
		ee_out(&eecd, a, 6);
		v = ee_in(&eecd);
		wr(EERD, a << 8 | 1);
		ck_assert_uint_eq(v, rd(EERD) >> 16);
		sum = (uint16_t)(sum + v);
		eecd &= ~2u;
		wr(EECD, eecd);
	}
	ck_assert_uint_eq(sum, 0xbaba);
	/* Sequential read runs on into the next word. */
	eecd |= 2;
	wr(EECD, eecd);
	ee_out(&eecd, 6, 3);
	ee_out(&eecd, 1, 6);
	ck_assert_uint_eq(ee_in(&eecd), 0x1256);
	ck_assert_uint_eq(ee_in(&eecd), 0x5634);
	eecd &= ~2u;
	wr(EECD, eecd);
}
END_TEST

static uint32_t mdic(uint32_t op, unsigned phy, unsigned r, uint16_t data)
{
	wr(MDIC, op << 26 | phy << 21 | r << 16 | data);
	return rd(MDIC);
}

START_TEST(phy_mdic)
{
	uint32_t v;

	v = mdic(2, 1, 2, 0);
	ck_assert_uint_eq(v & (1u << 28), 1u << 28);
	ck_assert_uint_eq(v & 0xffff, 0x0141);
	ck_assert_uint_eq(mdic(2, 1, 3, 0) & 0xfff0, 0x0c20);
	ck_assert_uint_eq(mdic(2, 1, 1, 0) & 0x24, 0x24);   /* link, autoneg done */
	ck_assert_uint_eq(mdic(2, 1, 17, 0) & 0x0400, 0x0400);
	e1000_set_link(nic, false);
	ck_assert_uint_eq(mdic(2, 1, 1, 0) & 0x04, 0);
	ck_assert_uint_eq(mdic(2, 1, 17, 0) & 0x0400, 0);
	/* Writable advertisement; restart-autoneg self-clears. */
	mdic(1, 1, 4, 0x01e1);
	ck_assert_uint_eq(mdic(2, 1, 4, 0) & 0xffff, 0x01e1);
	mdic(1, 1, 0, 0x1340);
	ck_assert_uint_eq(mdic(2, 1, 0, 0) & 0xffff, 0x1140);
	/* A software reset keeps the PHY-specific settings (M88 reg 16). */
	mdic(1, 1, 16, 0x0808);
	mdic(1, 1, 0, 0x9140);
	ck_assert_uint_eq(mdic(2, 1, 0, 0) & 0xffff, 0x1140);
	ck_assert_uint_eq(mdic(2, 1, 16, 0) & 0xffff, 0x0808);
	/* CTRL.PHY_RST resets them. */
	wr(CTRL, rd(CTRL) | (1u << 31));
	wr(CTRL, rd(CTRL) & ~(1u << 31));
	ck_assert_uint_eq(mdic(2, 1, 16, 0) & 0xffff, 0x0068);
	ck_assert_uint_eq(mdic(2, 1, 4, 0) & 0xffff, 0x0de1);
	/* Read-only ID; wrong PHY address errors. */
	mdic(1, 1, 2, 0x1234);
	ck_assert_uint_eq(mdic(2, 1, 2, 0) & 0xffff, 0x0141);
	ck_assert_uint_eq(mdic(2, 5, 2, 0) & (1u << 30), 1u << 30);
	/* Completion interrupt. */
	wr(IMS, 0x200);
	wr(MDIC, 2u << 26 | 1u << 21 | 2u << 16 | 1u << 29);
	ck_assert_int_eq(irq, 1);
	ck_assert_uint_eq(rd(ICR) & 0x200, 0x200);
	ck_assert_int_eq(irq, 0);
}
END_TEST

START_TEST(link_change_interrupt)
{
	wr(IMS, 0x4);
	e1000_set_link(nic, false);
	ck_assert_int_eq(irq, 1);
	ck_assert_uint_eq(rd(STATUS) & 2, 0);
	ck_assert_uint_eq(rd(ICR), 0x4);
	ck_assert_int_eq(irq, 0);
	ck_assert_uint_eq(rd(ICR), 0);                     /* read clears */
	e1000_set_link(nic, false);                        /* no change, no LSC */
	ck_assert_int_eq(irq, 0);
	e1000_set_link(nic, true);
	ck_assert_int_eq(irq, 1);
	ck_assert_uint_eq(rd(STATUS) & 3, 3);
	/* Masked causes latch but do not interrupt. */
	rd(ICR);
	wr(IMC, 0xffffffffu);
	e1000_set_link(nic, false);
	ck_assert_int_eq(irq, 0);
	ck_assert_uint_eq(rd(ICR), 0x4);
	/* ICS sets causes. */
	wr(IMS, 0x80);
	wr(ICS, 0x80);
	ck_assert_int_eq(irq, 1);
	ck_assert_uint_eq(rd(ICR), 0x80);
	ck_assert_int_eq(irq, 0);
}
END_TEST

START_TEST(io_window)
{
	iobus_out(io, BAR1, 4, STATUS);
	ck_assert_uint_eq(iobus_in(io, BAR1, 4), STATUS);
	ck_assert_uint_eq(iobus_in(io, BAR1 + 4, 4), rd(STATUS));
	iobus_out(io, BAR1, 4, IMS);
	iobus_out(io, BAR1 + 4, 4, 0x84);
	ck_assert_uint_eq(rd(IMS), 0x84);
	iobus_out(io, BAR1, 4, RA + 4);
	ck_assert_uint_eq(iobus_in(io, BAR1 + 4, 4), 0x80005634u);
}
END_TEST

START_TEST(mac_programming)
{
	/* Linux writes RAL0 then RAH0 with AV. */
	wr(RA, 0x0a565000);
	wr(RA + 4, 0x80000c0b);
	ck_assert_int_eq(mac_calls, 1);
	ck_assert_int_eq(memcmp(last_mac, "\x00\x50\x56\x0a\x0b\x0c", 6), 0);
	wr(RA + 4, 0x80000c0b);
	ck_assert_int_eq(mac_calls, 1);
	/* Reset restores the EEPROM MAC and tells the back end. */
	wr(CTRL, 1u << 26);
	ck_assert_int_eq(mac_calls, 2);
	ck_assert_int_eq(memcmp(last_mac, mac, 6), 0);
	ck_assert_uint_eq(rd(RA), 0x12565000);
	ck_assert_uint_eq(rd(RA + 4), 0x80005634u);
	ck_assert_uint_eq(rd(CTRL) & (1u << 26), 0);
}
END_TEST

/* ---- transmit ---- */

START_TEST(tx_legacy_two_descriptors)
{
	uint8_t f[100];

	make_frame(f, sizeof(f), peer, mac);
	pmap_write_buf(pm, TX_BUFS, f, 40);
	pmap_write_buf(pm, TX_BUFS + 0x1000, f + 40, 60);
	tx_setup(8);
	wr(IMS, 0x3);
	put_desc(TX_RING, 0, TX_BUFS, 40, 0);
	put_desc(TX_RING, 1, TX_BUFS + 0x1000, 60 | (0x01 | 0x02 | 0x08) << 24, 0);
	wr(TDT, 2);
	ck_assert_int_eq(nsent, 1);
	ck_assert_uint_eq(sent_len[0], 100);
	ck_assert_int_eq(memcmp(sent[0], f, 100), 0);
	ck_assert_uint_eq(rd(TDH), 2);
	ck_assert_uint_eq(pmap_read(pm, TX_RING + 16 + 12, 1) & 1, 1);   /* DD */
	ck_assert_uint_eq(pmap_read(pm, TX_RING + 12, 1) & 1, 0);        /* no RS */
	ck_assert_int_eq(irq, 1);
	ck_assert_uint_eq(rd(ICR) & 3, 3);
	ck_assert_uint_eq(rd(GPTC), 1);
	ck_assert_uint_eq(rd(GOTCL), 104);
	ck_assert_uint_eq(rd(GPTC), 0);                 /* clear on read */
	ck_assert_uint_eq(rd(TPT), 1);
	/* Transmit disabled: nothing moves. */
	wr(TCTL, 0);
	put_desc(TX_RING, 2, TX_BUFS, 100 | (0x01u << 24), 0);
	wr(TDT, 3);
	ck_assert_int_eq(nsent, 1);
	ck_assert_uint_eq(rd(TDH), 2);
	wr(TCTL, 2);
	ck_assert_int_eq(nsent, 2);
	/* Link down: the frame leaves the ring but not the NIC. */
	e1000_set_link(nic, false);
	put_desc(TX_RING, 3, TX_BUFS, 100 | (0x01u << 24), 0);
	wr(TDT, 4);
	ck_assert_uint_eq(rd(TDH), 4);
	ck_assert_int_eq(nsent, 2);
}
END_TEST

START_TEST(tx_legacy_checksum_and_vlan)
{
	uint8_t f[64];

	make_frame(f, sizeof(f), peer, mac);
	f[20] = f[21] = 0;
	pmap_write_buf(pm, TX_BUFS, f, sizeof(f));
	tx_setup(8);
	wr(CTRL, rd(CTRL) | (1u << 30));            /* VME */
	/* IC: checksum from CSS=14 to the end, stored at CSO=20; VLE tag 5. */
	put_desc(TX_RING, 0, TX_BUFS, 64 | 20u << 16 | (0x01u | 0x04 | 0x40) << 24, 14u << 8 | 5u << 16);
	wr(TDT, 1);
	ck_assert_int_eq(nsent, 1);
	ck_assert_uint_eq(sent_len[0], 68);
	ck_assert_uint_eq(sent[0][12], 0x81);
	ck_assert_uint_eq(sent[0][13], 0x00);
	ck_assert_uint_eq(sent[0][15], 5);
	/* After the tag the payload's checksum verifies. */
	ck_assert_uint_eq(csum(sent[0] + 18, 50, 0), 0xffff);
}
END_TEST

/* An IPv4/TCP frame: 14 + 20 + 20 header bytes and payload. */
static size_t make_tcp(uint8_t *f, size_t payload, bool tso)
{
	static const uint8_t sip[4] = { 10, 0, 0, 1 }, dip[4] = { 10, 0, 0, 2 };
	uint8_t *ip = f + 14, *tcp = f + 34;
	uint32_t pseudo;
	size_t i;

	make_frame(f, 54 + payload, peer, mac);
	memset(ip, 0, 40);
	ip[0] = 0x45;
	if (!tso) {
		ip[2] = (uint8_t)((40 + payload) >> 8);
		ip[3] = (uint8_t)(40 + payload);
	}
	ip[4] = 0x12;
	ip[5] = 0x34;
	ip[8] = 64;
	ip[9] = 6;
	memcpy(ip + 12, sip, 4);
	memcpy(ip + 16, dip, 4);
	tcp[1] = 80;
	tcp[3] = 99;
	tcp[4] = 0;
	tcp[5] = 0;
	tcp[6] = 0x10;
	tcp[7] = 0x00;                          /* seq 0x1000 */
	tcp[12] = 0x50;
	tcp[13] = 0x18 | 0x01;                  /* ACK PSH FIN */
	for (i = 0; i < payload; i++)
		f[54 + i] = (uint8_t)(i * 7);
	/* What Linux leaves in the TCP checksum field: the pseudo-header sum
	 * (with the length for plain offload, without it for TSO). */
	pseudo = (uint32_t)(sip[0] << 8 | sip[1]) + (uint32_t)(sip[2] << 8 | sip[3]) +
		 (uint32_t)(dip[0] << 8 | dip[1]) + (uint32_t)(dip[2] << 8 | dip[3]) + 6 +
		 (tso ? 0 : (uint32_t)(20 + payload));
	while (pseudo >> 16)
		pseudo = (pseudo & 0xffff) + (pseudo >> 16);
	tcp[16] = (uint8_t)(pseudo >> 8);
	tcp[17] = (uint8_t)pseudo;
	return 54 + payload;
}

static bool tcp_ok(const uint8_t *f, size_t len)
{
	const uint8_t *ip = f + 14;
	uint32_t pseudo = 6 + (uint32_t)(len - 34);

	for (int i = 12; i < 20; i += 2)
		pseudo += (uint32_t)(ip[i] << 8 | ip[i + 1]);
	return csum(ip, 20, 0) == 0xffff && csum(f + 34, len - 34, pseudo) == 0xffff &&
	       (size_t)(ip[2] << 8 | ip[3]) == len - 14;
}

START_TEST(tx_context_checksum_offload)
{
	uint8_t f[300];
	size_t len = make_tcp(f, 200, false);

	pmap_write_buf(pm, TX_BUFS, f, len);
	tx_setup(8);
	/* Context: IPCSS 14, IPCSO 24, IPCSE 33, TUCSS 34, TUCSO 50, TUCSE 0. */
	put_desc(TX_RING, 0, 14 | 24u << 8 | 33u << 16 | (uint64_t)(34 | 50u << 8) << 32,
		 (0x20u | 0x02 | 0x01) << 24, 0);
	/* Data: DTYP 1, DEXT, EOP, RS; POPTS IXSM|TXSM. */
	put_desc(TX_RING, 1, TX_BUFS, (uint32_t)len | 1u << 20 | (0x20u | 0x01 | 0x08) << 24, 0x3u << 8);
	wr(TDT, 2);
	ck_assert_int_eq(nsent, 1);
	ck_assert_uint_eq(sent_len[0], len);
	ck_assert(tcp_ok(sent[0], len));
	ck_assert_uint_eq(pmap_read(pm, TX_RING + 16 + 12, 1) & 1, 1);
}
END_TEST

START_TEST(tx_tso)
{
	static uint8_t f[3100];
	size_t len = make_tcp(f, 2500, true);
	uint32_t seq[3];

	pmap_write_buf(pm, TX_BUFS, f, len);
	tx_setup(8);
	/* Context with TSE: HDRLEN 54, MSS 1000, PAYLEN 2500. */
	put_desc(TX_RING, 0, 14 | 24u << 8 | 33u << 16 | (uint64_t)(34 | 50u << 8) << 32,
		 2500 | (0x20u | 0x04 | 0x02 | 0x01) << 24, 54u << 8 | 1000u << 16);
	/* Header and payload split over two data descriptors. */
	put_desc(TX_RING, 1, TX_BUFS, 54 | 1u << 20 | (0x20u | 0x04) << 24, 0x3u << 8);
	put_desc(TX_RING, 2, TX_BUFS + 54, 2500 | 1u << 20 | (0x20u | 0x04 | 0x01 | 0x08) << 24, 0);
	wr(TDT, 3);
	ck_assert_int_eq(nsent, 3);
	ck_assert_uint_eq(sent_len[0], 1054);
	ck_assert_uint_eq(sent_len[1], 1054);
	ck_assert_uint_eq(sent_len[2], 554);
	for (int i = 0; i < 3; i++) {
		ck_assert(tcp_ok(sent[i], sent_len[i]));
		seq[i] = (uint32_t)sent[i][38] << 24 | (uint32_t)sent[i][39] << 16 |
			 (uint32_t)sent[i][40] << 8 | sent[i][41];
		/* IP IDs count up. */
		ck_assert_uint_eq(sent[i][19], 0x34 + i);
		/* Payload bytes are the right slice. */
		ck_assert_uint_eq(sent[i][54], (uint8_t)(1000 * i * 7));
	}
	ck_assert_uint_eq(seq[0], 0x1000);
	ck_assert_uint_eq(seq[1], 0x1000 + 1000);
	ck_assert_uint_eq(seq[2], 0x1000 + 2000);
	/* FIN/PSH only on the last segment. */
	ck_assert_uint_eq(sent[0][47] & 0x09, 0);
	ck_assert_uint_eq(sent[2][47] & 0x09, 0x09);
}
END_TEST

START_TEST(tx_hostile_rings)
{
	uint8_t f[64];

	make_frame(f, sizeof(f), peer, mac);
	pmap_write_buf(pm, TX_BUFS, f, sizeof(f));
	tx_setup(8);
	/* Buffers outside RAM and in our own MMIO read as all ones, and huge
	 * lengths get the packet dropped, not a crash. */
	put_desc(TX_RING, 0, 0xfffffff000ull, 64 | 0x09u << 24, 0);
	put_desc(TX_RING, 1, BAR0, 64 | 0x09u << 24, 0);
	put_desc(TX_RING, 2, TX_BUFS, 0xffff, 0);
	put_desc(TX_RING, 3, TX_BUFS, 0xffff, 0);
	put_desc(TX_RING, 4, 0xffffffffffffff00ull, 0xfffff | 1u << 20 | 0x29u << 24, 0);
	put_desc(TX_RING, 5, TX_BUFS, 64 | 0x09u << 24, 0);
	wr(TDT, 6);
	ck_assert_uint_eq(rd(TDH), 6);
	/* 2-4 (two 64 KiB pieces, then a 1 MiB data descriptor that ends the
	 * packet) are too big for the NIC and dropped; 5 goes out. */
	ck_assert_int_eq(nsent, 3);
	ck_assert_uint_eq(sent[0][0], 0xff);
	ck_assert_uint_eq(sent[1][0], 0xff);
	ck_assert_uint_eq(sent_len[2], 64);
	ck_assert_int_eq(memcmp(sent[2], f, 64), 0);
	ck_assert_uint_eq(rd(ICR) & 1, 1);
	/* Tail beyond the ring: nothing is processed. */
	wr(TDT, 100);
	ck_assert_uint_eq(rd(TDH), 6);
	ck_assert_int_eq(nsent, 3);
	/* A ring whose descriptors lie outside RAM: one lap of all-ones
	 * descriptors (a reserved type), then it stops. */
	wr(TDBAL, 0);
	wr(TDBAH, 0xf);
	wr(TDLEN, 0xfff80);
	wr(TDH, 0);
	wr(TDT, 0xfff80 / 16 - 1);
	ck_assert_uint_eq(rd(TDH), 0xfff80 / 16 - 1);
	ck_assert_int_eq(nsent, 3);
	/* Ring in our own registers: all ones again, and no register moved. */
	wr(TDBAL, BAR0);
	wr(TDBAH, 0);
	wr(TDLEN, 0x80);
	wr(TDH, 0);
	wr(TDT, 7);
	ck_assert_uint_eq(rd(TDH), 7);
	ck_assert_uint_eq(rd(TDBAL), BAR0);
	/* Bus mastering off: no DMA at all. */
	pci_bus_cfg_write(bus, DEVFN, PCI_COMMAND, 2, PCI_CMD_MEM);
	wr(TDBAL, TX_RING);
	wr(TDH, 0);
	put_desc(TX_RING, 0, TX_BUFS, 64 | 0x09u << 24, 0);
	wr(TDT, 1);
	ck_assert_uint_eq(rd(TDH), 0);
	ck_assert_int_eq(nsent, 3);
}
END_TEST

/* ---- receive ---- */

START_TEST(rx_basic)
{
	uint8_t f[100], buf[128];

	rx_setup(8, 0x8000);                        /* BAM, 2 KiB buffers */
	wr(IMS, 0x80);
	ck_assert_int_ge(rx_ready_calls, 1);
	make_frame(f, sizeof(f), mac, peer);
	ck_assert_int_eq(e1000_receive(nic, f, sizeof(f)), 0);
	ck_assert_uint_eq(rd(RDH), 1);
	pmap_read_buf(pm, RX_BUFS, buf, sizeof(buf));
	ck_assert_int_eq(memcmp(buf, f, 100), 0);
	/* Length includes the FCS (its value: rx_fcs_value). */
	ck_assert_uint_eq(pmap_read(pm, RX_RING + 8, 2), 104);
	ck_assert_uint_eq(pmap_read(pm, RX_RING + 12, 1) & 3, 3);    /* DD EOP */
	ck_assert_int_eq(irq, 1);
	ck_assert_uint_eq(rd(ICR) & 0x80, 0x80);
	ck_assert_uint_eq(rd(GPRC), 1);
	/* Short frames arrive padded to 60 bytes (+4 FCS). */
	ck_assert_int_eq(e1000_receive(nic, f, 42), 0);
	ck_assert_uint_eq(pmap_read(pm, RX_RING + 16 + 8, 2), 64);
	/* SECRC strips the FCS. */
	wr(RCTL, rd(RCTL) | (1u << 26));
	ck_assert_int_eq(e1000_receive(nic, f, 100), 0);
	ck_assert_uint_eq(pmap_read(pm, RX_RING + 32 + 8, 2), 100);
	/* Receiver off: dropped, not queued. */
	wr(RCTL, 0);
	ck_assert_int_eq(e1000_receive(nic, f, 100), 0);
	ck_assert_uint_eq(rd(RDH), 3);
}
END_TEST

START_TEST(rx_fcs_value)
{
	/* A frame followed by its FCS leaves the CRC-32 register at the
	 * well-known residue 0xDEBB20E3 (before the final inversion). */
	uint8_t f[60], buf[64];
	uint32_t c = 0xffffffffu;

	make_frame(f, sizeof(f), mac, peer);
	rx_setup(8, 0);
	ck_assert_int_eq(e1000_receive(nic, f, sizeof(f)), 0);
	pmap_read_buf(pm, RX_BUFS, buf, 64);
	for (int i = 0; i < 64; i++) {
		c ^= buf[i];
		for (int k = 0; k < 8; k++)
			c = (c >> 1) ^ (0xedb88320u & -(c & 1));
	}
	ck_assert_uint_eq(c, 0xdebb20e3u);
}
END_TEST

START_TEST(rx_spans_descriptors)
{
	uint8_t f[600], buf[600];

	rx_setup(8, 3u << 16 | (1u << 26));         /* 256-byte buffers, strip FCS */
	make_frame(f, sizeof(f), mac, peer);
	ck_assert_int_eq(e1000_receive(nic, f, sizeof(f)), 0);
	ck_assert_uint_eq(rd(RDH), 3);
	for (int i = 0; i < 3; i++) {
		ck_assert_uint_eq(pmap_read(pm, RX_RING + 16 * i + 8, 2), i < 2 ? 256 : 88);
		ck_assert_uint_eq(pmap_read(pm, RX_RING + 16 * i + 12, 1) & 3, i < 2 ? 1 : 3);
		pmap_read_buf(pm, RX_BUFS + 0x1000 * i, buf + 256 * i, i < 2 ? 256 : 88);
	}
	ck_assert_int_eq(memcmp(buf, f, 600), 0);
	/* 4 descriptors left (RDT 7): a 1200-byte frame needs 5. */
	{
		static uint8_t g[1200];
		make_frame(g, sizeof(g), mac, peer);
		ck_assert_int_eq(e1000_receive(nic, g, sizeof(g)), -ENOBUFS);
		ck_assert_uint_eq(rd(RNBC), 1);
		ck_assert_uint_eq(rd(RDH), 3);
	}
}
END_TEST

START_TEST(rx_filters)
{
	static const uint8_t mc[6] = { 0x01, 0x00, 0x5e, 0x00, 0x00, 0xfb };
	uint8_t f[64];
	unsigned h;

	rx_setup(32, 0);
	/* Unicast for someone else, broadcast without BAM, unlisted multicast. */
	make_frame(f, 64, peer, peer);
	ck_assert_int_eq(e1000_receive(nic, f, 64), 0);
	make_frame(f, 64, bcast, peer);
	ck_assert_int_eq(e1000_receive(nic, f, 64), 0);
	make_frame(f, 64, mc, peer);
	ck_assert_int_eq(e1000_receive(nic, f, 64), 0);
	ck_assert_uint_eq(rd(RDH), 0);
	/* BAM. */
	wr(RCTL, 0x2 | 0x8000);
	make_frame(f, 64, bcast, peer);
	e1000_receive(nic, f, 64);
	ck_assert_uint_eq(rd(RDH), 1);
	/* The multicast table, MO = 0: bits 47:36 of the address. */
	h = ((mc[4] >> 4) | (mc[5] << 4)) & 0xfff;
	wr(MTA + 4 * (h >> 5), 1u << (h & 31));
	make_frame(f, 64, mc, peer);
	e1000_receive(nic, f, 64);
	ck_assert_uint_eq(rd(RDH), 2);
	/* MO = 3 uses bits 43:32: a different bit, so it no longer matches. */
	wr(RCTL, 0x2 | 0x8000 | 3u << 12);
	e1000_receive(nic, f, 64);
	ck_assert_uint_eq(rd(RDH), 2);
	/* MPE takes every multicast. */
	wr(RCTL, 0x2 | 0x10);
	e1000_receive(nic, f, 64);
	ck_assert_uint_eq(rd(RDH), 3);
	/* A second receive address. */
	wr(RA + 8, 0x0a565000);
	wr(RA + 12, 0x80000c0b);
	make_frame(f, 64, peer, mac);
	e1000_receive(nic, f, 64);
	ck_assert_uint_eq(rd(RDH), 4);
	wr(RA + 12, 0);
	e1000_receive(nic, f, 64);
	ck_assert_uint_eq(rd(RDH), 4);
	/* Promiscuous unicast. */
	wr(RCTL, 0x2 | 0x8);
	e1000_receive(nic, f, 64);
	ck_assert_uint_eq(rd(RDH), 5);
}
END_TEST

START_TEST(rx_vlan_strip_and_filter)
{
	uint8_t f[68];

	rx_setup(8, (1u << 18) | (1u << 26));       /* VFE, strip FCS */
	wr(CTRL, rd(CTRL) | (1u << 30));
	make_frame(f, sizeof(f), mac, peer);
	memmove(f + 16, f + 12, 52);
	f[12] = 0x81;
	f[13] = 0x00;
	f[14] = 0x00;
	f[15] = 42;
	/* VLAN 42 not in the table. */
	ck_assert_int_eq(e1000_receive(nic, f, sizeof(f)), 0);
	ck_assert_uint_eq(rd(RDH), 0);
	wr(VFTA + 4 * (42 >> 5), 1u << (42 & 31));
	ck_assert_int_eq(e1000_receive(nic, f, sizeof(f)), 0);
	ck_assert_uint_eq(rd(RDH), 1);
	ck_assert_uint_eq(pmap_read(pm, RX_RING + 8, 2), 64);
	ck_assert_uint_eq(pmap_read(pm, RX_RING + 12, 1) & 0x08, 0x08);  /* VP */
	ck_assert_uint_eq(pmap_read(pm, RX_RING + 14, 2), 42);
	ck_assert_uint_eq(pmap_read(pm, RX_BUFS + 12, 1), 0x08);
	/* Linux clears VET on the 82540: tags are still 0x8100. */
	wr(0x38, 0);
	ck_assert_int_eq(e1000_receive(nic, f, sizeof(f)), 0);
	ck_assert_uint_eq(rd(RDH), 2);
	ck_assert_uint_eq(pmap_read(pm, RX_RING + 16 + 14, 2), 42);
}
END_TEST

START_TEST(rx_hostile_rings)
{
	uint8_t f[64];

	make_frame(f, 64, mac, peer);
	rx_setup(8, 0);
	/* Tail == head: no descriptors. */
	wr(RDT, 0);
	ck_assert_int_eq(e1000_receive(nic, f, 64), -ENOBUFS);
	/* Tail beyond the ring. */
	wr(RDT, 1000);
	ck_assert_int_eq(e1000_receive(nic, f, 64), -ENOBUFS);
	/* Zero-length ring. */
	wr(RDT, 3);
	wr(RDLEN, 0x7f);
	ck_assert_int_eq(e1000_receive(nic, f, 64), -ENOBUFS);
	/* Buffers outside RAM or in MMIO: the write vanishes, the ring moves. */
	wr(RDLEN, 8 * 16);
	put_desc(RX_RING, 0, 0xfffffff000ull, 0, 0);
	put_desc(RX_RING, 1, BAR0 + RDT, 0, 0);
	ck_assert_int_eq(e1000_receive(nic, f, 64), 0);
	ck_assert_int_eq(e1000_receive(nic, f, 64), 0);
	ck_assert_uint_eq(rd(RDH), 2);
	ck_assert_uint_eq(rd(RDT), 3);
	/* Frames too long without LPE are dropped and counted. */
	{
		static uint8_t big[1600];
		make_frame(big, sizeof(big), mac, peer);
		ck_assert_int_eq(e1000_receive(nic, big, sizeof(big)), 0);
		ck_assert_uint_eq(rd(RDH), 2);
		ck_assert_uint_eq(rd(0x40ac), 1);   /* ROC */
		wr(RCTL, rd(RCTL) | 0x20);          /* LPE */
		ck_assert_int_eq(e1000_receive(nic, big, sizeof(big)), 0);
		ck_assert_uint_eq(rd(RDH), 3);
		ck_assert_uint_eq(pmap_read(pm, RX_RING + 32 + 8, 2), 1604);
	}
}
END_TEST

START_TEST(rx_threshold_interrupt)
{
	uint8_t f[64];

	make_frame(f, 64, mac, peer);
	rx_setup(16, 0);                            /* RDMTS 1/2: 8 left */
	wr(IMS, 0x10);
	for (int i = 0; i < 6; i++)
		e1000_receive(nic, f, 64);
	ck_assert_int_eq(irq, 0);
	e1000_receive(nic, f, 64);
	ck_assert_int_eq(irq, 1);
	ck_assert_uint_eq(rd(ICR) & 0x10, 0x10);
}
END_TEST

START_TEST(loopback_mode)
{
	uint8_t f[80], buf[80];

	make_frame(f, sizeof(f), mac, peer);
	pmap_write_buf(pm, TX_BUFS, f, sizeof(f));
	rx_setup(8, (1u << 6) | (1u << 26));        /* MAC loopback */
	tx_setup(8);
	put_desc(TX_RING, 0, TX_BUFS, 80 | 0x09u << 24, 0);
	wr(TDT, 1);
	ck_assert_int_eq(nsent, 0);
	ck_assert_uint_eq(rd(RDH), 1);
	pmap_read_buf(pm, RX_BUFS, buf, sizeof(buf));
	ck_assert_int_eq(memcmp(buf, f, sizeof(f)), 0);
}
END_TEST

/* ---- interrupt moderation ---- */

START_TEST(itr_throttles)
{
	wr(IMS, 0x80);
	wr(ITR, 1000);                              /* 256 us */
	wr(ICS, 0x80);
	ck_assert_int_eq(irq, 1);
	rd(ICR);
	ck_assert_int_eq(irq, 0);
	wr(ICS, 0x80);
	ck_assert_int_eq(irq, 0);                   /* held back */
	vclock_advance(vc, 255000);
	ck_assert_int_eq(irq, 0);
	vclock_advance(vc, 1000);
	ck_assert_int_eq(irq, 1);
	rd(ICR);
	/* The interval restarted when it fired. */
	wr(ICS, 0x80);
	ck_assert_int_eq(irq, 0);
	vclock_advance(vc, 256000);
	ck_assert_int_eq(irq, 1);
	rd(ICR);
	/* Quiet for a whole interval: the next cause goes out at once. */
	vclock_advance(vc, 300000);
	wr(ICS, 0x80);
	ck_assert_int_eq(irq, 1);
}
END_TEST

START_TEST(rx_and_tx_delay_timers)
{
	uint8_t f[64];

	make_frame(f, 64, mac, peer);
	rx_setup(8, 0);
	wr(IMS, 0x81);
	wr(RDTR, 100);                              /* 102.4 us after the last packet */
	e1000_receive(nic, f, 64);
	ck_assert_int_eq(irq, 0);
	vclock_advance(vc, 50000);
	e1000_receive(nic, f, 64);                  /* restarts the timer */
	vclock_advance(vc, 60000);
	ck_assert_int_eq(irq, 0);
	vclock_advance(vc, 50000);
	ck_assert_int_eq(irq, 1);
	ck_assert_uint_eq(rd(ICR), 0x80);
	/* Transmit with IDE waits TIDV. */
	make_frame(f, 64, peer, mac);
	pmap_write_buf(pm, TX_BUFS, f, 64);
	tx_setup(8);
	wr(IMS, 0x1);
	wr(IMC, 0x80);
	wr(TIDV, 10);
	put_desc(TX_RING, 0, TX_BUFS, 64 | (0x01u | 0x08 | 0x80) << 24, 0);
	wr(TDT, 1);
	ck_assert_int_eq(nsent, 1);
	ck_assert_int_eq(irq, 0);
	vclock_advance(vc, 10240);
	ck_assert_int_eq(irq, 1);
	ck_assert_uint_eq(rd(ICR) & 1, 1);
}
END_TEST

/* The order of things in Linux's e1000 probe and open for an 82540. */
START_TEST(linux_bringup_sequence)
{
	uint32_t eecd, v;
	uint16_t sum = 0, w[3];
	uint8_t f[64];

	/* e1000_reset_hw: mask, stop rx/tx, reset through the I/O window. */
	wr(IMC, 0xffffffffu);
	wr(RCTL, 0);
	wr(TCTL, 0x8);
	iobus_out(io, BAR1, 4, CTRL);
	iobus_out(io, BAR1 + 4, 4, rd(CTRL) | (1u << 26));
	wr(IMC, 0xffffffffu);
	rd(ICR);
	/* e1000_validate_eeprom_checksum and e1000_read_mac_addr over
	 * Microwire, with EE_REQ/EE_GNT. */
	eecd = rd(EECD) | 0x40;
	wr(EECD, eecd);
	ck_assert_uint_eq(rd(EECD) & 0x80, 0x80);
	for (unsigned a = 0; a < 64; a++) {
		uint16_t d;
		eecd = (eecd & ~5u) | 2;
		wr(EECD, eecd);
		ee_out(&eecd, 6, 3);
		ee_out(&eecd, a, 6);
		d = ee_in(&eecd);
		if (a < 3)
			w[a] = d;
		sum = (uint16_t)(sum + d);
		eecd &= ~3u;                        /* standby: CS and SK low */
		wr(EECD, eecd);
	}
	wr(EECD, eecd & ~0x40u);
	ck_assert_uint_eq(sum, 0xbaba);
	ck_assert_uint_eq(w[0], 0x5000);
	ck_assert_uint_eq(w[2], 0x5634);
	/* e1000_detect_gig_phy: M88E1011. */
	v = (mdic(2, 1, 2, 0) & 0xffff) << 16 | (mdic(2, 1, 3, 0) & 0xfff0);
	ck_assert_uint_eq(v, 0x01410c20);
	/* e1000_copper_link_mgp_setup, PHY reset, autoneg restart. */
	mdic(1, 1, 16, 0x0808);
	mdic(1, 1, 0, (mdic(2, 1, 0, 0) & 0xffff) | 0x8000);
	mdic(1, 1, 4, 0x0de1);
	mdic(1, 1, 9, 0x0200);
	mdic(1, 1, 0, (mdic(2, 1, 0, 0) & 0xffff) | 0x1200);
	ck_assert_uint_eq(mdic(2, 1, 1, 0) & 0x24, 0x24);
	ck_assert_uint_eq(mdic(2, 1, 17, 0) & 0xe400, 0xa400);     /* 1000, FD, link */
	/* e1000_init_rx_addrs and the MTA clear; VET cleared on the 82540. */
	wr(RA, 0x12565000);
	wr(RA + 4, 0x80005634u);
	for (int i = 0; i < 128; i++)
		wr(MTA + 4 * i, 0);
	wr(0x38, 0);
	/* e1000_configure_tx/rx and e1000_irq_enable, then ICS LSC as
	 * e1000_up does. */
	tx_setup(8);
	wr(RDTR, 0);
	wr(ITR, 195);
	rx_setup(8, 0x8000);
	wr(IMS, 0x9d);                                   /* RXT0 TXDW RXDMT0 RXSEQ LSC */
	wr(ICS, 0x4);
	ck_assert_int_eq(irq, 1);
	ck_assert_uint_eq(rd(ICR), 0x4);
	ck_assert_uint_eq(rd(STATUS) & 0xc3, 0x83);      /* LU FD 1000 */
	/* A broadcast arrives; the throttle lets it through after ITR. */
	make_frame(f, sizeof(f), bcast, peer);
	ck_assert_int_eq(e1000_receive(nic, f, sizeof(f)), 0);
	ck_assert_int_eq(irq, 0);
	vclock_advance(vc, 195 * 256);
	ck_assert_int_eq(irq, 1);
	ck_assert_uint_eq(rd(ICR) & 0x80, 0x80);
	ck_assert_uint_eq(pmap_read(pm, RX_RING + 12, 1) & 0x07, 0x07);   /* DD EOP IXSM */
}
END_TEST

START_TEST(interrupt_registers)
{
	/* IMC drops the line at once; IMS brings a latched cause back. */
	wr(IMS, 0x80);
	wr(ICS, 0x80 | 0x10);
	ck_assert_int_eq(irq, 1);
	wr(IMC, 0x80);
	ck_assert_int_eq(irq, 0);
	ck_assert_uint_eq(rd(IMS), 0);
	wr(IMS, 0x10);
	ck_assert_int_eq(irq, 1);
	/* ICR writes clear the bits written. */
	wr(ICR, 0x10);
	ck_assert_int_eq(irq, 0);
	ck_assert_uint_eq(rd(ICR), 0x80);
	/* Write-only registers read as zero. */
	ck_assert_uint_eq(rd(ICS), 0);
	ck_assert_uint_eq(rd(IMC), 0);
	/* EERD beyond the 64 words: done, data 0. */
	wr(EERD, 200u << 8 | 1);
	ck_assert_uint_eq(rd(EERD), 0xc810u);
	/* No start bit: nothing happens. */
	wr(EERD, 3u << 8);
	ck_assert_uint_eq(rd(EERD), 0xc810u);
	/* Reset drops a pending interrupt. */
	wr(ICS, 0x10);
	ck_assert_int_eq(irq, 1);
	wr(CTRL, 1u << 26);
	ck_assert_int_eq(irq, 0);
	ck_assert_uint_eq(rd(IMS), 0);
}
END_TEST

START_TEST(octet_and_size_counters)
{
	static uint8_t f[1500];
	uint32_t lo, hi;

	rx_setup(8, 0x8000 | (1u << 26));
	make_frame(f, sizeof(f), mac, peer);
	for (int i = 0; i < 5; i++) {
		e1000_receive(nic, f, sizeof(f));
		wr(RDT, (rd(RDH) + 7) % 8);
	}
	lo = rd(0x4088);
	hi = rd(0x408c);
	/* FCS stripped (SECRC) but counted. */
	ck_assert_uint_eq(lo, 5 * 1504);
	ck_assert_uint_eq(hi, 0);
	ck_assert_uint_eq(rd(0x4088), 0);
	ck_assert_uint_eq(rd(0x40c0), 5 * 1504);      /* TORL */
	ck_assert_uint_eq(rd(0x4070), 5);              /* PRC1522 */
}
END_TEST

START_TEST(narrow_accesses)
{
	/* A byte read returns part of the register; narrow writes are ignored. */
	ck_assert_uint_eq(pmap_read(pm, BAR0 + RA + 4, 1), 0x34);
	ck_assert_uint_eq(pmap_read(pm, BAR0 + RA + 4 + 3, 1), 0x80);
	pmap_write(pm, BAR0 + RA, 2, 0xffff);
	ck_assert_uint_eq(rd(RA), 0x12565000);
}
END_TEST

/* ---- the real back end: the wiring doc/dev-nic-keys.md describes ---- */

static int srv_recv(int fd, uint8_t *buf, size_t cap, uint32_t *word)
{
	uint8_t h[4];
	size_t len, got = 0;

	while (got < 4) {
		ssize_t n = recv(fd, h + got, 4 - got, 0);
		ck_assert_int_gt(n, 0);
		got += (size_t)n;
	}
	*word = (uint32_t)h[0] << 24 | (uint32_t)h[1] << 16 | (uint32_t)h[2] << 8 | h[3];
	len = *word & VSW_PROTO_LEN_MASK;
	ck_assert_uint_le(len, cap);
	for (got = 0; got < len;) {
		ssize_t n = recv(fd, buf + got, len - got, 0);
		ck_assert_int_gt(n, 0);
		got += (size_t)n;
	}
	return (int)len;
}

static void srv_send(int fd, uint32_t word, const void *body, size_t len)
{
	uint8_t h[4] = { (uint8_t)(word >> 24), (uint8_t)(word >> 16), (uint8_t)(word >> 8), (uint8_t)word };
	ck_assert_int_eq(send(fd, h, 4, MSG_NOSIGNAL), 4);
	ck_assert_int_eq(send(fd, body, len, MSG_NOSIGNAL), (ssize_t)len);
}

static void sleep_1ms(void)
{
	struct timespec ts = { 0, 1000000 };
	nanosleep(&ts, NULL);
}

START_TEST(wired_to_nicbe)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct nicbe_config bc = { .portgroup = "pg", .vm_name = "vm", .nic = 0,
				   .backoff_min_ms = 10, .backoff_max_ms = 20 };
	struct nicbe_callbacks cb = { e1000_rx_cb, e1000_link_cb, NULL, nic };
	struct timeval tv = { .tv_sec = 3 };
	struct pollfd pfd;
	struct nicbe *be;
	uint8_t f[100], buf[256];
	uint32_t w;
	int lfd, fd, i;

	snprintf(sa.sun_path, sizeof(sa.sun_path), "/tmp/check_e1000_%d.sock", (int)getpid());
	unlink(sa.sun_path);
	lfd = socket(AF_UNIX, SOCK_STREAM, 0);
	ck_assert_int_eq(bind(lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	ck_assert_int_eq(listen(lfd, 1), 0);
	/* The NIC starts without a back end: link down. */
	e1000_set_backend(nic, NULL, NULL);
	e1000_set_link(nic, false);
	bc.socket_path = sa.sun_path;
	memcpy(bc.mac, mac, 6);
	ck_assert_int_eq(nicbe_create(&bc, &cb, &be), 0);
	e1000_set_backend(nic, &nicbe_backend_ops, be);
	pfd = (struct pollfd){ .fd = lfd, .events = POLLIN };
	ck_assert_int_eq(poll(&pfd, 1, 3000), 1);
	fd = accept(lfd, NULL, NULL);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	ck_assert_int_gt(srv_recv(fd, buf, sizeof(buf), &w), 0);
	ck_assert_uint_eq(w & VSW_PROTO_CTRL, VSW_PROTO_CTRL);
	srv_send(fd, VSW_PROTO_CTRL | 5, "OK 1\n", 5);
	wr(IMS, 0x4);
	for (i = 0; i < 3000 && !(rd(STATUS) & 2); i++) {
		nicbe_poll(be);
		sleep_1ms();
	}
	ck_assert_uint_eq(rd(STATUS) & 2, 2);
	ck_assert_uint_eq(rd(ICR) & 0x4, 0x4);
	/* Guest -> switch. */
	make_frame(f, sizeof(f), peer, mac);
	pmap_write_buf(pm, TX_BUFS, f, sizeof(f));
	tx_setup(8);
	put_desc(TX_RING, 0, TX_BUFS, 100 | 0x0bu << 24, 0);
	wr(TDT, 1);
	ck_assert_int_eq(srv_recv(fd, buf, sizeof(buf), &w), 100);
	ck_assert_int_eq(memcmp(buf, f, 100), 0);
	/* The guest programs a MAC: the switch hears it. */
	wr(RA, 0x0a565000);
	wr(RA + 4, 0x80000c0b);
	ck_assert_int_eq(srv_recv(fd, buf, sizeof(buf), &w), 22);
	ck_assert_int_eq(memcmp(buf, "MAC 00:50:56:0a:0b:0c\n", 22), 0);
	/* Switch -> guest, with a full ring first: the frame waits in the
	 * back end until the guest adds a buffer (RDT write -> rx_ready). */
	rx_setup(8, 0x8000);
	wr(RDT, 0);
	make_frame(f, sizeof(f), bcast, peer);
	srv_send(fd, sizeof(f), f, sizeof(f));
	for (i = 0; i < 200; i++) {
		nicbe_poll(be);
		sleep_1ms();
	}
	ck_assert_uint_eq(rd(RDH), 0);
	wr(RDT, 1);
	ck_assert_uint_eq(rd(RDH), 1);
	pmap_read_buf(pm, RX_BUFS, buf, 100);
	ck_assert_int_eq(memcmp(buf, f, 100), 0);
	/* vswitchd goes away: link down for the guest, with LSC. */
	close(fd);
	rd(ICR);
	for (i = 0; i < 3000 && (rd(STATUS) & 2); i++) {
		nicbe_poll(be);
		sleep_1ms();
	}
	ck_assert_uint_eq(rd(STATUS) & 2, 0);
	ck_assert_uint_eq(rd(ICR) & 0x4, 0x4);
	nicbe_destroy(be);
	e1000_set_backend(nic, NULL, NULL);
	close(lfd);
	unlink(sa.sun_path);
}
END_TEST

static Suite *e1000_suite(void)
{
	Suite *s = suite_create("e1000");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, pci_identity_and_bars);
	tcase_add_test(tc, eeprom_eerd);
	tcase_add_test(tc, eeprom_microwire);
	tcase_add_test(tc, phy_mdic);
	tcase_add_test(tc, link_change_interrupt);
	tcase_add_test(tc, io_window);
	tcase_add_test(tc, mac_programming);
	tcase_add_test(tc, tx_legacy_two_descriptors);
	tcase_add_test(tc, tx_legacy_checksum_and_vlan);
	tcase_add_test(tc, tx_context_checksum_offload);
	tcase_add_test(tc, tx_tso);
	tcase_add_test(tc, tx_hostile_rings);
	tcase_add_test(tc, rx_basic);
	tcase_add_test(tc, rx_fcs_value);
	tcase_add_test(tc, rx_spans_descriptors);
	tcase_add_test(tc, rx_filters);
	tcase_add_test(tc, rx_vlan_strip_and_filter);
	tcase_add_test(tc, rx_hostile_rings);
	tcase_add_test(tc, rx_threshold_interrupt);
	tcase_add_test(tc, loopback_mode);
	tcase_add_test(tc, itr_throttles);
	tcase_add_test(tc, rx_and_tx_delay_timers);
	tcase_add_test(tc, linux_bringup_sequence);
	tcase_add_test(tc, interrupt_registers);
	tcase_add_test(tc, octet_and_size_counters);
	tcase_add_test(tc, narrow_accesses);
	tcase_add_test(tc, wired_to_nicbe);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_run(e1000_suite());
}
