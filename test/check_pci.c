/* PCI bus, i440FX, PIIX3 and PIIX4 PM, driven through ports 0xCF8/0xCFC. */
#include "config.h"
#include "dev/i440fx.h"
#include "dev/pci.h"
#include "dev/piix3.h"
#include "dev/piix4_pm.h"

#include <check.h>
#include "check_run.h"
#include <errno.h>
#include <stdlib.h>
#include <string.h>

static struct iobus *io;
static struct pmap *pm;
static struct pci_bus *bus;
static struct i440fx *nb;
static struct piix3 *sb;
static struct piix4_pm *pmf;
static int resets;
static int irq_level[16];
static uint16_t pm_base;
static bool pm_on;

static void on_reset(void *o) { (void)o; resets++; }
static const struct platform_hooks hooks = { .request_reset = on_reset };
static void on_irq(void *o, int n, int level) { (void)o; irq_level[n] = level; }
static void on_pm(void *o, uint16_t base, bool en) { (void)o; pm_base = base; pm_on = en; }

static uint32_t cfg_rd(unsigned devfn, unsigned off, unsigned size)
{
	iobus_out(io, 0xcf8, 4, 0x80000000u | devfn << 8 | (off & 0xfc));
	return iobus_in(io, (uint16_t)(0xcfc + (off & 3)), size);
}

static void cfg_wr(unsigned devfn, unsigned off, unsigned size, uint32_t v)
{
	iobus_out(io, 0xcf8, 4, 0x80000000u | devfn << 8 | (off & 0xfc));
	iobus_out(io, (uint16_t)(0xcfc + (off & 3)), size, v);
}

static void setup(void)
{
	struct irq_line lines[16];

	for (int i = 0; i < 16; i++)
		lines[i] = (struct irq_line){ on_irq, NULL, i };
	memset(irq_level, 0, sizeof(irq_level));
	resets = 0;
	ck_assert_int_eq(iobus_create(&io), 0);
	ck_assert_int_eq(pmap_create(16 << 20, &pm), 0);
	ck_assert_int_eq(pci_bus_create(io, pm, &bus), 0);
	ck_assert_int_eq(i440fx_create(bus, pm, &hooks, &nb), 0);
	ck_assert_int_eq(piix3_create(bus, lines, &sb), 0);
	ck_assert_int_eq(piix4_pm_create(bus, on_pm, NULL, &pmf), 0);
}

static void teardown(void)
{
	pci_bus_destroy(bus);
	i440fx_destroy(nb);
	piix3_destroy(sb);
	piix4_pm_destroy(pmf);
	pmap_destroy(pm);
	iobus_destroy(io);
}

START_TEST(ids_and_absent)
{
	ck_assert_uint_eq(cfg_rd(0, 0, 4), 0x12378086);
	ck_assert_uint_eq(cfg_rd(8, 0, 4), 0x70008086);
	ck_assert_uint_eq(cfg_rd(11, 0, 4), 0x71138086);
	/* No SMM: DEVACTB.APMC_EN reads as already set up. */
	ck_assert_uint_eq(cfg_rd(11, 0x58, 4) & (1u << 25), 1u << 25);
	ck_assert_uint_eq(cfg_rd(8, 0x0a, 2), 0x0601);
	ck_assert_uint_eq(cfg_rd(8, 0x0e, 1) & 0x80, 0x80);
	ck_assert_uint_eq(cfg_rd(0, 0x02, 2), 0x1237);
	ck_assert_uint_eq(cfg_rd(0, 0x01, 1), 0x80);
	/* Absent device, absent function, other bus. */
	ck_assert_uint_eq(cfg_rd(PCI_DEVFN(5, 0), 0, 4), 0xffffffffu);
	ck_assert_uint_eq(cfg_rd(9, 0, 2), 0xffff);
	iobus_out(io, 0xcf8, 4, 0x80010000u);
	ck_assert_uint_eq(iobus_in(io, 0xcfc, 4), 0xffffffffu);
	/* Disabled config cycles. */
	iobus_out(io, 0xcf8, 4, 0x00000000u);
	ck_assert_uint_eq(iobus_in(io, 0xcfc, 4), 0xffffffffu);
	/* The address register reads back, minus the low two bits. */
	iobus_out(io, 0xcf8, 4, 0x8000ff07u);
	ck_assert_uint_eq(iobus_in(io, 0xcf8, 4), 0x8000ff04u);
	/* Writes to absent devices vanish; read-only ID does not change. */
	cfg_wr(PCI_DEVFN(5, 0), 0, 4, 0);
	cfg_wr(0, 0, 4, 0);
	ck_assert_uint_eq(cfg_rd(0, 0, 4), 0x12378086);
	/* Odd width at 0xCFF: one byte. */
	cfg_wr(8, 0x60, 4, 0x0b0a0b0a);
	ck_assert_uint_eq(cfg_rd(8, 0x63, 1), 0x0b);
	ck_assert_uint_eq(cfg_rd(8, 0x61, 2), 0x0a0b);
}
END_TEST

START_TEST(pam_shadow)
{
	static uint8_t rom[0x10000];

	memset(rom, 0xab, sizeof(rom));
	ck_assert_int_eq(pmap_add_rom(pm, 0xf0000, rom, sizeof(rom)), 0);
	/* Reset state: reads from ROM, writes dropped. */
	pmap_write(pm, 0xf0000, 1, 0x11);
	ck_assert_uint_eq(pmap_read(pm, 0xf0000, 1), 0xab);
	/* PAM0 = 0x30: RAM read/write. */
	cfg_wr(0, 0x59, 1, 0x30);
	ck_assert_uint_eq(cfg_rd(0, 0x59, 1), 0x30);
	pmap_write(pm, 0xf0000, 1, 0x11);
	ck_assert_uint_eq(pmap_read(pm, 0xf0000, 1), 0x11);
	/* Read ROM, write RAM (0x20): the write lands under the ROM. */
	cfg_wr(0, 0x59, 1, 0x20);
	pmap_write(pm, 0xf0001, 1, 0x22);
	ck_assert_uint_eq(pmap_read(pm, 0xf0001, 1), 0xab);
	cfg_wr(0, 0x59, 1, 0x10);
	ck_assert_uint_eq(pmap_read(pm, 0xf0001, 1), 0x22);
	pmap_write(pm, 0xf0001, 1, 0x33);
	ck_assert_uint_eq(pmap_read(pm, 0xf0001, 1), 0x22);
	/* PAM1 low nibble: 0xC0000-0xC3FFF only. */
	cfg_wr(0, 0x5a, 1, 0x03);
	pmap_write(pm, 0xc0000, 1, 0x44);
	pmap_write(pm, 0xc4000, 1, 0x44);
	ck_assert_uint_eq(pmap_read(pm, 0xc0000, 1), 0x44);
	ck_assert_uint_ne(pmap_read(pm, 0xc4000, 1), 0x44);
	/* Reserved bits stay zero; SMRAM is plain storage. */
	cfg_wr(0, 0x59, 1, 0xff);
	ck_assert_uint_eq(cfg_rd(0, 0x59, 1), 0x30);
	ck_assert_uint_eq(cfg_rd(0, 0x72, 1), 0x02);
}
END_TEST

START_TEST(reset_cf9)
{
	iobus_out(io, 0xcf9, 1, 0x02);
	ck_assert_int_eq(resets, 0);
	ck_assert_uint_eq(iobus_in(io, 0xcf9, 1), 0x02);
	iobus_out(io, 0xcf9, 1, 0x06);
	ck_assert_int_eq(resets, 1);
	/* A dword write to 0xCF8 is the config address, not a reset. */
	iobus_out(io, 0xcf8, 4, 0x80000004u);
	ck_assert_int_eq(resets, 1);
}
END_TEST

/* A test device with an I/O BAR, a memory BAR and a ROM. */
static uint32_t last_io_off, last_mmio_off;
static uint32_t tio_in(void *o, uint16_t port, unsigned s) { (void)o; (void)s; last_io_off = port; return 0x5a; }
static void tio_out(void *o, uint16_t port, unsigned s, uint32_t v) { (void)o; (void)s; (void)v; last_io_off = port; }
static uint32_t tm_rd(void *o, gpa_t off, unsigned s) { (void)o; (void)s; last_mmio_off = (uint32_t)off; return 0xc0de; }
static void tm_wr(void *o, gpa_t off, unsigned s, uint32_t v) { (void)o; (void)s; (void)v; last_mmio_off = (uint32_t)off; }
static const struct pio_ops tio = { tio_in, tio_out };
static const struct mmio_ops tm = { tm_rd, tm_wr };

START_TEST(bars)
{
	struct pci_dev *d;
	static const uint8_t romdata[5] = { 0x55, 0xaa, 1, 2, 3 };
	unsigned fn = PCI_DEVFN(3, 0);

	ck_assert_int_eq(pci_register(bus, fn, 0x1234, 0x1111, 0x03000000, NULL, NULL, &d), 0);
	ck_assert_int_eq(pci_register(bus, fn, 1, 1, 0, NULL, NULL, &d), -EBUSY);
	ck_assert_int_eq(pci_set_bar_io(d, 0, 16, &tio, NULL), 0);
	ck_assert_int_eq(pci_set_bar_mmio(d, 1, 0x2000, &tm, NULL), 0);
	ck_assert_int_eq(pci_set_rom(d, romdata, sizeof(romdata)), 0);
	ck_assert_int_eq(pci_set_bar_mmio(d, 2, 100, &tm, NULL), -EINVAL);

	/* Sizing. */
	cfg_wr(fn, 0x10, 4, 0xffffffffu);
	ck_assert_uint_eq(cfg_rd(fn, 0x10, 4), 0xfffffff1u);
	cfg_wr(fn, 0x14, 4, 0xffffffffu);
	ck_assert_uint_eq(cfg_rd(fn, 0x14, 4), 0xffffe000u);
	cfg_wr(fn, 0x30, 4, 0xfffffffeu);
	ck_assert_uint_eq(cfg_rd(fn, 0x30, 4), 0xfffff000u);
	cfg_wr(fn, 0x18, 4, 0xffffffffu);
	ck_assert_uint_eq(cfg_rd(fn, 0x18, 4), 0);

	cfg_wr(fn, 0x10, 4, 0xc000);
	cfg_wr(fn, 0x14, 4, 0xfe000000u);
	cfg_wr(fn, 0x30, 4, 0xfeb00001u);
	/* Not decoded until the command register says so. */
	ck_assert_uint_eq(iobus_in(io, 0xc004, 1), 0xff);
	ck_assert_uint_eq(pmap_read(pm, 0xfe000000u, 4), 0xffffffffu);
	cfg_wr(fn, 0x04, 2, PCI_CMD_IO | PCI_CMD_MEM);
	ck_assert_uint_eq(iobus_in(io, 0xc004, 1), 0x5a);
	ck_assert_uint_eq(last_io_off, 4);
	ck_assert_uint_eq(pmap_read(pm, 0xfe001010u, 4), 0xc0de);
	ck_assert_uint_eq(last_mmio_off, 0x1010);
	ck_assert_uint_eq(pmap_read(pm, 0xfeb00000u, 2), 0xaa55);
	ck_assert_uint_eq(pmap_read(pm, 0xfeb00004u, 1), 3);
	ck_assert_uint_eq(pmap_read(pm, 0xfeb00005u, 1), 0);
	ck_assert_uint_eq(pci_bar_addr(d, 6), 0xfeb00000u);
	/* Move both. */
	cfg_wr(fn, 0x10, 4, 0xd010);
	cfg_wr(fn, 0x14, 4, 0xfd000000u);
	ck_assert_uint_eq(iobus_in(io, 0xc004, 1), 0xff);
	ck_assert_uint_eq(iobus_in(io, 0xd01f, 1), 0x5a);
	ck_assert_uint_eq(last_io_off, 0xf);
	ck_assert_uint_eq(pmap_read(pm, 0xfe000000u, 4), 0xffffffffu);
	ck_assert_uint_eq(pmap_read(pm, 0xfd000008u, 4), 0xc0de);
	ck_assert_uint_eq(last_mmio_off, 8);
	/* ROM enable bit off: gone. */
	cfg_wr(fn, 0x30, 4, 0xfeb00000u);
	ck_assert_uint_eq(pmap_read(pm, 0xfeb00000u, 2), 0xffff);
	/* Decoding off: gone. */
	cfg_wr(fn, 0x04, 2, 0);
	ck_assert_uint_eq(iobus_in(io, 0xd01f, 1), 0xff);
	ck_assert_uint_eq(pmap_read(pm, 0xfd000008u, 4), 0xffffffffu);
	/* A BAR over ports someone else owns (0xCF8) fails quietly. */
	cfg_wr(fn, 0x10, 4, 0xcf0);
	cfg_wr(fn, 0x04, 2, PCI_CMD_IO);
	ck_assert_uint_eq(pci_bar_addr(d, 0), 0);
	ck_assert_uint_eq(cfg_rd(0, 0, 4), 0x12378086);
	/* Status error bits are write-one-to-clear; IDs read-only. */
	pci_cfg(d)[PCI_STATUS + 1] = 0x20 | 0x80;
	cfg_wr(fn, 0x06, 2, 0x8000);
	ck_assert_uint_eq(cfg_rd(fn, 0x07, 1), 0x20);
	/* Function 0 grows the multi-function bit when fn 1 appears. */
	ck_assert_uint_eq(cfg_rd(fn, 0x0e, 1), 0);
	ck_assert_int_eq(pci_register(bus, fn + 1, 0x1234, 2, 0, NULL, NULL, &d), 0);
	ck_assert_uint_eq(cfg_rd(fn, 0x0e, 1), 0x80);
}
END_TEST

START_TEST(intx_routing)
{
	struct pci_dev *a, *b;

	ck_assert_int_eq(pci_register(bus, PCI_DEVFN(3, 0), 1, 1, 0, NULL, NULL, &a), 0);
	ck_assert_int_eq(pci_register(bus, PCI_DEVFN(4, 0), 1, 2, 0, NULL, NULL, &b), 0);
	pci_cfg(a)[PCI_INTERRUPT_PIN] = 1; /* slot 3 INTA -> PIRQC */
	pci_cfg(b)[PCI_INTERRUPT_PIN] = 4; /* slot 4 INTD -> PIRQC too */
	/* Routing disabled: nothing. */
	pci_set_irq(a, 1);
	for (int i = 0; i < 16; i++)
		ck_assert_int_eq(irq_level[i], 0);
	/* PIRQC -> IRQ 11: the asserted level appears at once. */
	cfg_wr(8, 0x62, 1, 11);
	ck_assert_int_eq(irq_level[11], 1);
	/* Wired-OR: b joins, a leaves, line stays up until b leaves. */
	pci_set_irq(b, 1);
	pci_set_irq(a, 0);
	ck_assert_int_eq(irq_level[11], 1);
	pci_set_irq(b, 0);
	ck_assert_int_eq(irq_level[11], 0);
	/* Two PIRQs on one IRQ; moving a route lowers the old line. */
	cfg_wr(8, 0x63, 1, 11); /* slot 4 INTA -> PIRQD */
	pci_cfg(b)[PCI_INTERRUPT_PIN] = 1;
	pci_set_irq(b, 1);
	pci_set_irq(a, 1);
	ck_assert_int_eq(irq_level[11], 1);
	pci_set_irq(b, 0);
	ck_assert_int_eq(irq_level[11], 1);
	cfg_wr(8, 0x62, 1, 10);
	ck_assert_int_eq(irq_level[11], 0);
	ck_assert_int_eq(irq_level[10], 1);
	/* Reserved IRQ numbers and the disable bit route nowhere. */
	cfg_wr(8, 0x62, 1, 2);
	ck_assert_int_eq(irq_level[10], 0);
	ck_assert_int_eq(irq_level[2], 0);
	cfg_wr(8, 0x62, 1, 0x8a);
	ck_assert_int_eq(irq_level[10], 0);
	ck_assert_uint_eq(cfg_rd(8, 0x62, 1), 0x8a);
}
END_TEST

START_TEST(pm_function)
{
	ck_assert_uint_eq(cfg_rd(11, 0x40, 4), 1);
	cfg_wr(11, 0x40, 4, 0x601);
	ck_assert_uint_eq(cfg_rd(11, 0x40, 4), 0x601);
	ck_assert_uint_eq(pm_base, 0x600);
	ck_assert(!pm_on);
	cfg_wr(11, 0x80, 1, 0x01);
	ck_assert(pm_on);
	ck_assert_uint_eq(cfg_rd(11, 0x80, 1), 1);
	cfg_wr(11, 0x90, 4, 0x701);
	ck_assert_uint_eq(cfg_rd(11, 0x90, 4), 0x701);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("pci");
	TCase *tc = tcase_create("pci");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, ids_and_absent);
	tcase_add_test(tc, pam_shadow);
	tcase_add_test(tc, reset_cf9);
	tcase_add_test(tc, bars);
	tcase_add_test(tc, intx_routing);
	tcase_add_test(tc, pm_function);
	suite_add_tcase(s, tc);
	return check_run(s);
}
