/* The PCnet-PCI II model through its I/O ports and guest memory, the way
 * Linux's pcnet32 drives it, with a fake back end. */
#include "config.h"
#include "dev/vlance.h"

#include <check.h>
#include "check_run.h"
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define DEVFN PCI_DEVFN(4, 0)
#define IO 0xc100u
#define IBLOCK 0x10000u
#define RX_RING 0x11000u
#define TX_RING 0x12000u
#define RX_BUFS 0x20000u
#define TX_BUFS 0x40000u

static const uint8_t mac[6] = { 0x00, 0x50, 0x56, 0x21, 0x22, 0x23 };
static const uint8_t guest_mac[6] = { 0x00, 0x50, 0x56, 0x31, 0x32, 0x33 };
static const uint8_t peer[6] = { 0x00, 0x50, 0x56, 0x0a, 0x0b, 0x0c };
static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

static struct iobus *io;
static struct pmap *pm;
static struct pci_bus *bus;
static struct vclock *vc;
static struct vlance *nic;
static int irq;

static uint8_t sent[8][1600];
static size_t sent_len[8];
static int nsent, rx_ready_calls, mac_calls;
static uint8_t last_mac[6];

static int fb_send(void *o, const void *f, size_t len)
{
	(void)o;
	ck_assert_uint_le(len, sizeof(sent[0]));
	if (nsent < 8) {
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

/* Word I/O, as pcnet32_wio_*. */
static uint16_t rcsr(unsigned n) { iobus_out(io, IO + 0x12, 2, n); return (uint16_t)iobus_in(io, IO + 0x10, 2); }
static void wcsr(unsigned n, uint16_t v) { iobus_out(io, IO + 0x12, 2, n); iobus_out(io, IO + 0x10, 2, v); }
static uint16_t rbcr(unsigned n) { iobus_out(io, IO + 0x12, 2, n); return (uint16_t)iobus_in(io, IO + 0x16, 2); }
static void wbcr(unsigned n, uint16_t v) { iobus_out(io, IO + 0x12, 2, n); iobus_out(io, IO + 0x16, 2, v); }

static void setup(void)
{
	ck_assert_int_eq(iobus_create(&io), 0);
	ck_assert_int_eq(pmap_create(16 << 20, &pm), 0);
	ck_assert_int_eq(pci_bus_create(io, pm, &bus), 0);
	ck_assert_int_eq(vclock_create(&vc), 0);
	vclock_set_manual(vc, true);
	irq = 0;
	pci_bus_set_pirq_router(bus, on_pirq, NULL);
	ck_assert_int_eq(vlance_create(bus, DEVFN, pm, vc, mac, &fake_ops, NULL, &nic), 0);
	pci_bus_cfg_write(bus, DEVFN, 0x10, 4, IO);
	pci_bus_cfg_write(bus, DEVFN, PCI_COMMAND, 2, PCI_CMD_IO | PCI_CMD_MASTER);
	nsent = rx_ready_calls = mac_calls = 0;
	vlance_set_link(nic, true);
}

static void teardown(void)
{
	pci_bus_destroy(bus);
	vlance_destroy(nic);
	vclock_destroy(vc);
	pmap_destroy(pm);
	iobus_destroy(io);
}

static void put_desc(gpa_t ring, unsigned i, uint32_t addr, int16_t bcnt, uint16_t status, uint32_t misc)
{
	pmap_write(pm, ring + 16 * i, 4, addr);
	pmap_write(pm, ring + 16 * i + 4, 2, (uint16_t)bcnt);
	pmap_write(pm, ring + 16 * i + 8, 4, misc);
	pmap_write(pm, ring + 16 * i + 12, 4, 0);
	pmap_write(pm, ring + 16 * i + 6, 2, status);
}

static uint16_t desc_status(gpa_t ring, unsigned i) { return (uint16_t)pmap_read(pm, ring + 16 * i + 6, 2); }

/* pcnet32_open: 32-bit style, an init block with 8 receive buffers of 1544
 * bytes and 8 transmit descriptors, INIT, wait for IDON, IENA|STRT. */
static void bring_up(uint16_t mode, const uint8_t *m, int16_t rx_size)
{
	uint8_t ib[28] = { 0 };

	iobus_in(io, IO + 0x14, 2);                 /* reset */
	wbcr(20, 2);
	ib[0] = (uint8_t)mode;
	ib[1] = (uint8_t)(mode >> 8);
	ib[2] = 3 << 4;                             /* 8 receive descriptors */
	ib[3] = 3 << 4;                             /* 8 transmit descriptors */
	memcpy(ib + 4, m, 6);
	ib[20] = (uint8_t)RX_RING; ib[21] = (uint8_t)(RX_RING >> 8); ib[22] = (uint8_t)(RX_RING >> 16);
	ib[24] = (uint8_t)TX_RING; ib[25] = (uint8_t)(TX_RING >> 8); ib[26] = (uint8_t)(TX_RING >> 16);
	pmap_write_buf(pm, IBLOCK, ib, sizeof(ib));
	for (unsigned i = 0; i < 8; i++) {
		put_desc(RX_RING, i, RX_BUFS + 0x800 * i, (int16_t)-rx_size, 0x8000, 0);
		put_desc(TX_RING, i, 0, 0, 0, 0);
	}
	wcsr(1, (uint16_t)IBLOCK);
	wcsr(2, (uint16_t)(IBLOCK >> 16));
	wcsr(4, 0x0915);
	wcsr(0, 0x0001);
	ck_assert_uint_eq(rcsr(0) & 0x0100, 0x0100);    /* IDON */
	wcsr(0, 0x0042);
}

/* pcnet32_interrupt's acknowledge: write back what is set, minus the
 * command bits and IENA; then IENA again. */
static uint16_t ack(void)
{
	uint16_t c = rcsr(0);
	wcsr(0, c & ~0x004f);
	wcsr(0, 0x0040);
	return c;
}

static void make_frame(uint8_t *f, size_t len, const uint8_t *dst, const uint8_t *src)
{
	memcpy(f, dst, 6);
	memcpy(f + 6, src, 6);
	f[12] = 0x08;
	f[13] = 0x00;
	for (size_t i = 14; i < len; i++)
		f[i] = (uint8_t)(i * 3);
}

START_TEST(pci_and_prom)
{
	ck_assert_uint_eq(pci_bus_cfg_read(bus, DEVFN, 0, 4), 0x20001022);
	ck_assert_uint_eq(pci_bus_cfg_read(bus, DEVFN, 0x08, 4) >> 8, 0x020000);
	pci_bus_cfg_write(bus, DEVFN, 0x10, 4, 0xffffffffu);
	ck_assert_uint_eq(pci_bus_cfg_read(bus, DEVFN, 0x10, 4), 0xffffffe1u);
	pci_bus_cfg_write(bus, DEVFN, 0x10, 4, IO);
	for (int i = 0; i < 6; i++)
		ck_assert_uint_eq(iobus_in(io, IO + i, 1), mac[i]);
	ck_assert_uint_eq(iobus_in(io, IO + 14, 2), 0x5757);
	ck_assert_uint_eq(iobus_in(io, IO + 0, 4), 0x21565000u);
}
END_TEST

START_TEST(wio_registers)
{
	uint32_t id;

	ck_assert_uint_eq(iobus_in(io, IO + 0x14, 2), 0);
	ck_assert_uint_eq(rcsr(0), 0x0004);
	/* pcnet32_wio_check. */
	iobus_out(io, IO + 0x12, 2, 88);
	ck_assert_uint_eq(iobus_in(io, IO + 0x12, 2), 88);
	id = rcsr(88) | (uint32_t)rcsr(89) << 16;
	ck_assert_uint_eq((id >> 12) & 0xffff, 0x2621);
	ck_assert_uint_eq(id & 0xfff, 0x003);
	/* The station address is in CSR12-14 after reset. */
	ck_assert_uint_eq(rcsr(12), 0x5000);
	ck_assert_uint_eq(rcsr(14), 0x2322);
	/* BCR20 and CSR58 are one register. */
	wbcr(20, 2);
	ck_assert_uint_eq(rcsr(58), 0x0102);
	wcsr(58, 0);
	ck_assert_uint_eq(rbcr(20), 0);
	/* Link LED. */
	ck_assert_uint_eq(rbcr(4), 0x80c0);
	vlance_set_link(nic, false);
	ck_assert_uint_eq(rbcr(4), 0x00c0);
	/* Chip ID is read-only. */
	wcsr(88, 0);
	ck_assert_uint_eq(rcsr(88), 0x1003);
}
END_TEST

START_TEST(dwio_mode)
{
	/* A dword write to RDP switches; then dword accesses at the new
	 * offsets (pcnet32_dwio_*). */
	iobus_out(io, IO + 0x10, 4, 0);
	iobus_out(io, IO + 0x14, 4, 88);
	ck_assert_uint_eq(iobus_in(io, IO + 0x14, 4) & 0xffff, 88);
	ck_assert_uint_eq(iobus_in(io, IO + 0x10, 4) & 0xffff, 0x1003);
	ck_assert_uint_eq(rbcr(18) , 0xffff);       /* word accesses no longer work */
	iobus_out(io, IO + 0x14, 4, 18);
	ck_assert_uint_eq(iobus_in(io, IO + 0x1c, 4) & 0x80, 0x80);
	ck_assert_uint_eq(iobus_in(io, IO + 0x18, 4), 0);   /* reset */
	iobus_out(io, IO + 0x14, 4, 0);
	ck_assert_uint_eq(iobus_in(io, IO + 0x10, 4), 0x0004);
	/* Power-on reset returns to word I/O. */
	vlance_reset(nic);
	ck_assert_uint_eq(rcsr(0), 0x0004);
}
END_TEST

START_TEST(init_start_and_interrupts)
{
	bring_up(0, guest_mac, 1544);
	ck_assert_uint_eq(rcsr(0) & 0x0036, 0x0032);    /* STRT TXON RXON, not STOP */
	ck_assert_int_eq(mac_calls, 1);
	ck_assert_int_eq(memcmp(last_mac, guest_mac, 6), 0);
	ck_assert_uint_eq(rcsr(12), 0x5000);
	ck_assert_uint_eq(rcsr(13), 0x3156);
	ck_assert_uint_eq(rcsr(14), 0x3332);
	ck_assert_uint_eq(rcsr(76), (uint16_t)-8);
	ck_assert_uint_eq(rcsr(24), (uint16_t)RX_RING);
	/* IDON is pending with IENA: INTA# is asserted. */
	ck_assert_int_eq(irq, 1);
	ck_assert_uint_eq(rcsr(0) & 0x0080, 0x0080);
	ck_assert_uint_eq(ack() & 0x0100, 0x0100);
	ck_assert_int_eq(irq, 0);
	ck_assert_uint_eq(rcsr(0) & 0x0180, 0);
	/* CSR3 masks a source. */
	wcsr(3, 0x0100);
	wcsr(0, 0x0001);
	ck_assert_uint_eq(rcsr(0) & 0x0100, 0x0100);
	ck_assert_int_eq(irq, 0);
	ck_assert_uint_eq(rcsr(0) & 0x0080, 0);
	/* STOP clears everything else. */
	wcsr(0, 0x0004);
	ck_assert_uint_eq(rcsr(0), 0x0004);
}
END_TEST

START_TEST(transmit)
{
	uint8_t f[100];

	bring_up(0, mac, 1544);
	ack();
	make_frame(f, sizeof(f), peer, mac);
	pmap_write_buf(pm, TX_BUFS, f, 30);
	pmap_write_buf(pm, TX_BUFS + 0x100, f + 30, 70);
	/* Two descriptors: STP, then ENP (pcnet32 writes OWN last). */
	put_desc(TX_RING, 1, TX_BUFS + 0x100, -70, 0x8100, 0);
	put_desc(TX_RING, 0, TX_BUFS, -30, 0x8200, 0);
	wcsr(0, 0x0048);                            /* IENA TDMD */
	ck_assert_int_eq(nsent, 1);
	ck_assert_uint_eq(sent_len[0], 100);
	ck_assert_int_eq(memcmp(sent[0], f, 100), 0);
	ck_assert_uint_eq(desc_status(TX_RING, 0), 0x0200);
	ck_assert_uint_eq(desc_status(TX_RING, 1), 0x0100);
	ck_assert_int_eq(irq, 1);
	ck_assert_uint_eq(ack() & 0x0200, 0x0200);  /* TINT */
	/* A short frame is padded (APAD_XMT). */
	put_desc(TX_RING, 2, TX_BUFS, -20, 0x8300, 0);
	wcsr(0, 0x0048);
	ck_assert_int_eq(nsent, 2);
	ck_assert_uint_eq(sent_len[1], 60);
	/* Not owned: nothing goes. */
	put_desc(TX_RING, 3, TX_BUFS, -20, 0x0300, 0);
	wcsr(0, 0x0048);
	ck_assert_int_eq(nsent, 2);
	/* Link down: the frame completes with LCAR and does not leave. */
	vlance_set_link(nic, false);
	put_desc(TX_RING, 3, TX_BUFS, -64, 0x8300, 0);
	wcsr(0, 0x0048);
	ck_assert_int_eq(nsent, 2);
	ck_assert_uint_eq(desc_status(TX_RING, 3), 0x4300);
	ck_assert_uint_eq(pmap_read(pm, TX_RING + 3 * 16 + 8, 4), 0x08000000u);
}
END_TEST

START_TEST(transmit_hostile)
{
	bring_up(0, mac, 1544);
	ack();
	/* A piece with no start: buffer error, skipped. */
	put_desc(TX_RING, 0, TX_BUFS, -64, 0x8100, 0);
	wcsr(0, 0x0048);
	ck_assert_int_eq(nsent, 0);
	ck_assert_uint_eq(desc_status(TX_RING, 0), 0x4100);
	ck_assert_uint_eq(pmap_read(pm, TX_RING + 8, 4), 0x80000000u);
	/* A frame bigger than any Ethernet frame: babble. */
	put_desc(TX_RING, 1, TX_BUFS, -1500, 0x8200, 0);
	put_desc(TX_RING, 2, TX_BUFS, -1500, 0x8100, 0);
	wcsr(0, 0x0048);
	ck_assert_int_eq(nsent, 0);
	ck_assert_uint_eq(rcsr(0) & 0x4000, 0x4000);
	/* Every descriptor owned and pointing outside RAM: one lap of the
	 * ring (8 frames of all-ones bytes), no more. */
	for (unsigned i = 0; i < 8; i++)
		put_desc(TX_RING, i, 0xfff00000u, -64, 0x8300, 0);
	wcsr(0, 0x0048);
	ck_assert_int_eq(nsent, 8);
	ck_assert_uint_eq(sent[0][0], 0xff);
	/* The ring itself outside RAM. */
	wcsr(0, 0x0004);
	pmap_write(pm, IBLOCK + 24, 4, 0xfff00000u);
	wcsr(0, 0x0001);
	wcsr(0, 0x0042);
	wcsr(0, 0x0048);
	/* All-ones descriptors look owned (1-byte buffers, padded), and the
	 * status write-backs vanish: each demand is one more lap of 8. */
	ck_assert_int_eq(nsent, 24);
}
END_TEST

START_TEST(receive)
{
	uint8_t f[200], buf[204];

	bring_up(0, mac, 1544);
	ack();
	make_frame(f, sizeof(f), mac, peer);
	ck_assert_int_eq(vlance_receive(nic, f, sizeof(f)), 0);
	pmap_read_buf(pm, RX_BUFS, buf, sizeof(buf));
	ck_assert_int_eq(memcmp(buf, f, 200), 0);
	/* pcnet32: status >> 8 == 0x03 (STP|ENP), MCNT - 4 = length. */
	ck_assert_uint_eq(desc_status(RX_RING, 0) >> 8, 0x03);
	ck_assert_uint_eq(desc_status(RX_RING, 0) & 0x40, 0x40);    /* PAM */
	ck_assert_uint_eq(pmap_read(pm, RX_RING + 8, 4) & 0xfff, 204);
	ck_assert_int_eq(irq, 1);
	ck_assert_uint_eq(ack() & 0x0400, 0x0400);
	/* Short frames are padded. */
	ck_assert_int_eq(vlance_receive(nic, f, 20), 0);
	ck_assert_uint_eq(pmap_read(pm, RX_RING + 16 + 8, 4) & 0xfff, 64);
	/* Receiver stopped: dropped. */
	wcsr(0, 0x0004);
	ck_assert_int_eq(vlance_receive(nic, f, 100), 0);
	ck_assert_uint_eq(desc_status(RX_RING, 2), 0x8000);
}
END_TEST

START_TEST(receive_spans_buffers)
{
	uint8_t f[600], buf[600];

	bring_up(0, mac, 256);
	make_frame(f, sizeof(f), mac, peer);
	ck_assert_int_eq(vlance_receive(nic, f, sizeof(f)), 0);
	for (int i = 0; i < 3; i++)
		pmap_read_buf(pm, RX_BUFS + 0x800 * i, buf + 256 * i, i < 2 ? 256 : 88);
	ck_assert_int_eq(memcmp(buf, f, 600), 0);
	ck_assert_uint_eq(desc_status(RX_RING, 0), 0x0200);
	ck_assert_uint_eq(desc_status(RX_RING, 1), 0x0000);
	ck_assert_uint_eq(desc_status(RX_RING, 2) & 0xff00, 0x0100);
	ck_assert_uint_eq(pmap_read(pm, RX_RING + 32 + 8, 4) & 0xfff, 604);
	ck_assert_uint_eq(desc_status(RX_RING, 3), 0x8000);
}
END_TEST

START_TEST(receive_waits_for_buffers)
{
	uint8_t f[100];

	bring_up(0, mac, 1544);
	make_frame(f, sizeof(f), mac, peer);
	for (int i = 0; i < 8; i++)
		ck_assert_int_eq(vlance_receive(nic, f, sizeof(f)), 0);
	/* The ring is full: the frame waits; the chip polls again. */
	rx_ready_calls = 0;
	ck_assert_int_eq(vlance_receive(nic, f, sizeof(f)), -ENOBUFS);
	ck_assert_int_eq(rx_ready_calls, 0);
	vclock_advance(vc, VLANCE_RX_POLL_NS);
	ck_assert_int_eq(rx_ready_calls, 1);
	/* The guest gives buffer 0 back. */
	put_desc(RX_RING, 0, RX_BUFS, -1544, 0x8000, 0);
	ck_assert_int_eq(vlance_receive(nic, f, sizeof(f)), 0);
	ck_assert_uint_eq(desc_status(RX_RING, 0) >> 8, 0x03);
	/* Buffers that are all ours but far too small: the frame is missed. */
	bring_up(0, mac, 8);
	ck_assert_int_eq(vlance_receive(nic, f, sizeof(f)), 0);
	ck_assert_uint_eq(rcsr(0) & 0x1000, 0x1000);
	ck_assert_uint_eq(rcsr(112), 1);
}
END_TEST

START_TEST(receive_filters)
{
	static const uint8_t mc[6] = { 0x01, 0x00, 0x5e, 0x00, 0x00, 0x01 };
	uint8_t f[64];
	uint32_t c = 0xffffffffu;
	unsigned h;

	bring_up(0, mac, 1544);
	make_frame(f, 64, peer, peer);
	vlance_receive(nic, f, 64);
	ck_assert_uint_eq(desc_status(RX_RING, 0), 0x8000);       /* not ours */
	make_frame(f, 64, mc, peer);
	vlance_receive(nic, f, 64);
	ck_assert_uint_eq(desc_status(RX_RING, 0), 0x8000);       /* not in LADRF */
	make_frame(f, 64, bcast, peer);
	vlance_receive(nic, f, 64);
	ck_assert_uint_eq(desc_status(RX_RING, 0), 0x0310);       /* BAM */
	/* The logical address filter: top 6 bits of the CRC (ether_crc_le). */
	for (int i = 0; i < 6; i++) {
		c ^= mc[i];
		for (int k = 0; k < 8; k++)
			c = (c >> 1) ^ (0xedb88320u & -(c & 1));
	}
	h = c >> 26;
	wcsr(8 + (h >> 4), (uint16_t)(1u << (h & 15)));
	make_frame(f, 64, mc, peer);
	vlance_receive(nic, f, 64);
	ck_assert_uint_eq(desc_status(RX_RING, 1), 0x0320);       /* LAFM */
	/* DRCVBC; then promiscuous takes everything. */
	bring_up(0x4000, mac, 1544);
	make_frame(f, 64, bcast, peer);
	vlance_receive(nic, f, 64);
	ck_assert_uint_eq(desc_status(RX_RING, 0), 0x8000);
	bring_up(0x8000, mac, 1544);
	make_frame(f, 64, peer, peer);
	vlance_receive(nic, f, 64);
	ck_assert_uint_eq(desc_status(RX_RING, 0), 0x0300);
}
END_TEST

START_TEST(loopback_and_style0)
{
	uint8_t f[80], buf[80], ib[24] = { 0 };

	/* 16-bit LANCE style: 8-byte descriptors, 24-bit addresses. */
	iobus_in(io, IO + 0x14, 2);
	ib[0] = 0x04;                                /* LOOP */
	memcpy(ib + 2, mac, 6);
	ib[16] = (uint8_t)RX_RING; ib[17] = (uint8_t)(RX_RING >> 8); ib[18] = (uint8_t)(RX_RING >> 16);
	ib[19] = 2 << 5;                             /* 4 receive descriptors */
	ib[20] = (uint8_t)TX_RING; ib[21] = (uint8_t)(TX_RING >> 8); ib[22] = (uint8_t)(TX_RING >> 16);
	ib[23] = 2 << 5;
	pmap_write_buf(pm, IBLOCK, ib, sizeof(ib));
	for (unsigned i = 0; i < 4; i++) {
		pmap_write(pm, RX_RING + 8 * i, 2, (uint16_t)(RX_BUFS + 0x800 * i));
		pmap_write(pm, RX_RING + 8 * i + 2, 2, 0x8000 | ((RX_BUFS + 0x800 * i) >> 16));
		pmap_write(pm, RX_RING + 8 * i + 4, 2, (uint16_t)-1544);
		pmap_write(pm, RX_RING + 8 * i + 6, 2, 0);
	}
	make_frame(f, sizeof(f), mac, peer);
	pmap_write_buf(pm, TX_BUFS, f, sizeof(f));
	pmap_write(pm, TX_RING, 2, (uint16_t)TX_BUFS);
	pmap_write(pm, TX_RING + 2, 2, 0x8300 | (TX_BUFS >> 16));
	pmap_write(pm, TX_RING + 4, 2, (uint16_t)-80);
	wcsr(1, (uint16_t)IBLOCK);
	wcsr(2, (uint16_t)(IBLOCK >> 16));
	wcsr(0, 0x0001);
	wcsr(0, 0x004a);                             /* IENA STRT TDMD */
	ck_assert_int_eq(nsent, 0);
	ck_assert_uint_eq(pmap_read(pm, TX_RING + 3, 1), 0x03);
	ck_assert_uint_eq(pmap_read(pm, RX_RING + 3, 1), 0x03);
	ck_assert_uint_eq(pmap_read(pm, RX_RING + 6, 2), 84);
	pmap_read_buf(pm, RX_BUFS, buf, sizeof(buf));
	ck_assert_int_eq(memcmp(buf, f, sizeof(f)), 0);
}
END_TEST

static Suite *vlance_suite(void)
{
	Suite *s = suite_create("vlance");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, pci_and_prom);
	tcase_add_test(tc, wio_registers);
	tcase_add_test(tc, dwio_mode);
	tcase_add_test(tc, init_start_and_interrupts);
	tcase_add_test(tc, transmit);
	tcase_add_test(tc, transmit_hostile);
	tcase_add_test(tc, receive);
	tcase_add_test(tc, receive_spans_buffers);
	tcase_add_test(tc, receive_waits_for_buffers);
	tcase_add_test(tc, receive_filters);
	tcase_add_test(tc, loopback_and_style0);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_run(vlance_suite());
}
