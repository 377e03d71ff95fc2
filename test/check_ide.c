/* PIIX IDE with ATA disks, driven through the legacy ports only, on a
 * memory-backed blockdev. */
#include "config.h"
#include "dev/piix_ide.h"

#include <check.h>
#include "check_run.h"
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define DISK_SECTORS 2048u

struct memdisk {
	struct blockdev bd;
	uint8_t *data;
	int flushes;
};

static int md_pread(struct blockdev *bd, void *buf, uint64_t len, uint64_t off)
{
	struct memdisk *m = (struct memdisk *)bd;
	if (off > bd->size || len > bd->size - off)
		return -EINVAL;
	memcpy(buf, m->data + off, len);
	return 0;
}

static int md_pwrite(struct blockdev *bd, const void *buf, uint64_t len, uint64_t off)
{
	struct memdisk *m = (struct memdisk *)bd;
	if (off > bd->size || len > bd->size - off)
		return -EINVAL;
	memcpy(m->data + off, buf, len);
	return 0;
}

static int md_flush(struct blockdev *bd) { ((struct memdisk *)bd)->flushes++; return 0; }
static void md_close(struct blockdev *bd) { (void)bd; }
static const struct blockdev_ops md_ops = { md_pread, md_pwrite, md_flush, md_close };

static struct iobus *io;
static struct pmap *pm;
static struct pci_bus *bus;
static struct piix_ide *ide;
static struct memdisk disk;
static int irq[16];

static void on_irq(void *o, int n, int level) { (void)o; irq[n] = level; }

/* Sector s holds bytes (s * 7 + i) & 0xff. */
static uint8_t pattern(uint32_t s, uint32_t i) { return (uint8_t)(s * 7 + i); }

static void setup(void)
{
	struct irq_line l14 = { on_irq, NULL, 14 }, l15 = { on_irq, NULL, 15 };

	memset(irq, 0, sizeof(irq));
	disk.bd.ops = &md_ops;
	disk.bd.size = (uint64_t)DISK_SECTORS * 512;
	disk.data = malloc(disk.bd.size);
	ck_assert_ptr_nonnull(disk.data);
	disk.flushes = 0;
	for (uint32_t s = 0; s < DISK_SECTORS; s++)
		for (uint32_t i = 0; i < 512; i++)
			disk.data[s * 512 + i] = pattern(s, i);
	ck_assert_int_eq(iobus_create(&io), 0);
	ck_assert_int_eq(pmap_create(16 << 20, &pm), 0);
	ck_assert_int_eq(pci_bus_create(io, pm, &bus), 0);
	ck_assert_int_eq(piix_ide_create(bus, io, &l14, &l15, pm, &ide), 0);
	ck_assert_int_eq(ide_attach(ide, 0, 0, IDE_ATA, &disk.bd), 0);
}

static void teardown(void)
{
	piix_ide_destroy(ide);
	pci_bus_destroy(bus);
	pmap_destroy(pm);
	iobus_destroy(io);
	free(disk.data);
}

static void lba28(uint32_t lba, uint8_t count)
{
	iobus_out(io, 0x1f6, 1, 0xe0 | (lba >> 24 & 0xf));
	iobus_out(io, 0x1f2, 1, count);
	iobus_out(io, 0x1f3, 1, lba & 0xff);
	iobus_out(io, 0x1f4, 1, lba >> 8 & 0xff);
	iobus_out(io, 0x1f5, 1, lba >> 16 & 0xff);
}

static void read_sector_words(uint8_t *buf)
{
	for (int i = 0; i < 256; i++) {
		uint16_t w = (uint16_t)iobus_in(io, 0x1f0, 2);
		buf[2 * i] = (uint8_t)w;
		buf[2 * i + 1] = (uint8_t)(w >> 8);
	}
}

START_TEST(identify)
{
	uint8_t b[512];

	ck_assert_uint_eq(iobus_in(io, 0x1f7, 1), 0x50);
	iobus_out(io, 0x1f6, 1, 0xa0);
	iobus_out(io, 0x1f7, 1, 0xec);
	ck_assert_int_eq(irq[14], 1);
	ck_assert_uint_eq(iobus_in(io, 0x3f6, 1), 0x58);
	ck_assert_int_eq(irq[14], 1); /* alternate status leaves it */
	ck_assert_uint_eq(iobus_in(io, 0x1f7, 1), 0x58);
	ck_assert_int_eq(irq[14], 0);
	read_sector_words(b);
	ck_assert_uint_eq(iobus_in(io, 0x1f7, 1), 0x50);
	ck_assert_uint_eq(b[0] | b[1] << 8, 0x0040);
	ck_assert_uint_eq(b[2] | b[3] << 8, DISK_SECTORS / (16 * 63));
	ck_assert_uint_eq(b[6] | b[7] << 8, 16);
	ck_assert_uint_eq(b[12] | b[13] << 8, 63);
	ck_assert_uint_eq(b[120] | b[121] << 8 | b[122] << 16 | (uint32_t)b[123] << 24, DISK_SECTORS);
	ck_assert_uint_eq(b[200] | b[201] << 8, DISK_SECTORS);
	ck_assert_uint_eq((b[166] | b[167] << 8) & 0x0400, 0x0400); /* LBA48 */
	ck_assert_uint_eq(b[54], 'O'); /* "HOSTVM" byte-swapped: 'O','H' */
	ck_assert_uint_eq(b[55], 'H');
	/* Endless PIO: past the end the data port floats. */
	ck_assert_uint_eq(iobus_in(io, 0x1f0, 2), 0xffff);
	/* Slave absent: its status reads 0 and commands do nothing. */
	iobus_out(io, 0x1f6, 1, 0xb0);
	ck_assert_uint_eq(iobus_in(io, 0x1f7, 1), 0);
	iobus_out(io, 0x1f7, 1, 0xec);
	ck_assert_int_eq(irq[14], 0);
	/* Empty secondary channel floats. */
	ck_assert_uint_eq(iobus_in(io, 0x177, 1), 0xff);
}
END_TEST

START_TEST(read_pio_lba28_lba48)
{
	uint8_t b[512];

	lba28(100, 3);
	iobus_out(io, 0x1f7, 1, 0x20);
	for (uint32_t s = 100; s < 103; s++) {
		ck_assert_int_eq(irq[14], 1);
		ck_assert_uint_eq(iobus_in(io, 0x1f7, 1) & 0x89, 0x08);
		read_sector_words(b);
		for (int i = 0; i < 512; i++)
			ck_assert_uint_eq(b[i], pattern(s, (uint32_t)i));
	}
	ck_assert_uint_eq(iobus_in(io, 0x1f7, 1), 0x50);

	/* LBA48: sector 0x000000000701 (high bytes first), count 2. */
	iobus_out(io, 0x1f6, 1, 0x40);
	iobus_out(io, 0x1f2, 1, 0);
	iobus_out(io, 0x1f2, 1, 2);
	iobus_out(io, 0x1f3, 1, 0);
	iobus_out(io, 0x1f3, 1, 0x01);
	iobus_out(io, 0x1f4, 1, 0);
	iobus_out(io, 0x1f4, 1, 0x07);
	iobus_out(io, 0x1f5, 1, 0);
	iobus_out(io, 0x1f5, 1, 0);
	/* HOB readback. */
	iobus_out(io, 0x3f6, 1, 0x80);
	ck_assert_uint_eq(iobus_in(io, 0x1f4, 1), 0);
	iobus_out(io, 0x3f6, 1, 0x00);
	ck_assert_uint_eq(iobus_in(io, 0x1f4, 1), 0x07);
	iobus_out(io, 0x1f7, 1, 0x24);
	for (uint32_t s = 0x701; s < 0x703; s++) {
		ck_assert_uint_eq(iobus_in(io, 0x1f7, 1) & 0x89, 0x08);
		/* 32-bit data port access */
		for (int i = 0; i < 128; i++) {
			uint32_t d = iobus_in(io, 0x1f0, 4);
			for (int k = 0; k < 4; k++)
				ck_assert_uint_eq((d >> (8 * k)) & 0xff, pattern(s, (uint32_t)(4 * i + k)));
		}
	}
	ck_assert_uint_eq(iobus_in(io, 0x1f7, 1), 0x50);

	/* READ MULTIPLE: rejected until SET MULTIPLE, then 4 sectors a block. */
	lba28(5, 8);
	iobus_out(io, 0x1f7, 1, 0xc4);
	ck_assert_uint_eq(iobus_in(io, 0x1f7, 1), 0x41);
	ck_assert_uint_eq(iobus_in(io, 0x1f1, 1), 0x04);
	iobus_out(io, 0x1f2, 1, 3);
	iobus_out(io, 0x1f7, 1, 0xc6);
	ck_assert_uint_eq(iobus_in(io, 0x1f7, 1), 0x41);
	iobus_out(io, 0x1f2, 1, 4);
	iobus_out(io, 0x1f7, 1, 0xc6);
	ck_assert_uint_eq(iobus_in(io, 0x1f7, 1), 0x50);
	lba28(5, 8);
	iobus_out(io, 0x1f7, 1, 0xc4);
	ck_assert_int_eq(irq[14], 1);
	ck_assert_uint_eq(iobus_in(io, 0x1f7, 1), 0x58);
	for (uint32_t s = 5; s < 9; s++)
		read_sector_words(b);
	ck_assert_uint_eq(b[0], pattern(8, 0));
	ck_assert_int_eq(irq[14], 1); /* second block */
	ck_assert_uint_eq(iobus_in(io, 0x1f7, 1), 0x58);
	for (uint32_t s = 9; s < 13; s++)
		read_sector_words(b);
	ck_assert_uint_eq(b[511], pattern(12, 511));
	ck_assert_uint_eq(iobus_in(io, 0x1f7, 1), 0x50);
}
END_TEST

START_TEST(write_then_read)
{
	uint8_t b[512];

	lba28(7, 2);
	iobus_out(io, 0x1f7, 1, 0x30);
	ck_assert_int_eq(irq[14], 0); /* no interrupt before the first block */
	ck_assert_uint_eq(iobus_in(io, 0x3f6, 1), 0x58);
	for (int s = 0; s < 2; s++) {
		for (int i = 0; i < 256; i++)
			iobus_out(io, 0x1f0, 2, (uint32_t)(0xa000 + s * 256 + i));
		ck_assert_int_eq(irq[14], 1);
		ck_assert_uint_eq(iobus_in(io, 0x1f7, 1), s == 0 ? 0x58 : 0x50);
	}
	/* Extra data after the end is ignored. */
	iobus_out(io, 0x1f0, 2, 0x1234);
	ck_assert_uint_eq(disk.data[8 * 512], 0x00);
	ck_assert_uint_eq(disk.data[8 * 512 + 1], 0xa1);
	ck_assert_uint_eq(disk.data[9 * 512], pattern(9, 0));
	lba28(8, 1);
	iobus_out(io, 0x1f7, 1, 0x20);
	read_sector_words(b);
	ck_assert_uint_eq(b[510] | b[511] << 8, 0xa1ff);
	iobus_out(io, 0x1f7, 1, 0xe7);
	ck_assert_int_eq(disk.flushes, 1);
	ck_assert_uint_eq(iobus_in(io, 0x1f7, 1), 0x50);
}
END_TEST

START_TEST(errors_and_reset)
{
	/* Past the end: IDNF; straddling the end too. */
	lba28(DISK_SECTORS, 1);
	iobus_out(io, 0x1f7, 1, 0x20);
	ck_assert_int_eq(irq[14], 1);
	ck_assert_uint_eq(iobus_in(io, 0x1f7, 1), 0x41);
	ck_assert_uint_eq(iobus_in(io, 0x1f1, 1), 0x10);
	lba28(DISK_SECTORS - 1, 2);
	iobus_out(io, 0x1f7, 1, 0x40);
	ck_assert_uint_eq(iobus_in(io, 0x1f7, 1), 0x41);
	lba28(0x0fffffff, 0);
	iobus_out(io, 0x1f7, 1, 0x30);
	ck_assert_uint_eq(iobus_in(io, 0x1f7, 1), 0x41);
	iobus_out(io, 0x1f0, 2, 0xdead); /* no data phase: dropped */
	/* Unknown command: ABRT. */
	iobus_out(io, 0x1f7, 1, 0xfe);
	ck_assert_uint_eq(iobus_in(io, 0x1f7, 1), 0x41);
	ck_assert_uint_eq(iobus_in(io, 0x1f1, 1), 0x04);
	/* nIEN masks the line; the pending interrupt shows when it clears. */
	iobus_out(io, 0x3f6, 1, 0x02);
	iobus_out(io, 0x1f7, 1, 0xe7);
	ck_assert_int_eq(irq[14], 0);
	iobus_out(io, 0x3f6, 1, 0x00);
	ck_assert_int_eq(irq[14], 1);
	/* SRST in the middle of a read: signature back, DRQ gone. */
	lba28(0, 4);
	iobus_out(io, 0x1f7, 1, 0x20);
	iobus_out(io, 0x3f6, 1, 0x04);
	ck_assert_uint_eq(iobus_in(io, 0x3f6, 1) & 0x80, 0x80);
	ck_assert_int_eq(irq[14], 0);
	iobus_out(io, 0x3f6, 1, 0x00);
	ck_assert_uint_eq(iobus_in(io, 0x1f7, 1), 0x50);
	ck_assert_uint_eq(iobus_in(io, 0x1f2, 1), 1);
	ck_assert_uint_eq(iobus_in(io, 0x1f3, 1), 1);
	ck_assert_uint_eq(iobus_in(io, 0x1f1, 1), 1);
	ck_assert_uint_eq(iobus_in(io, 0x1f0, 2), 0xffff);
	ck_assert_int_eq(ide_attach(ide, 0, 1, IDE_ATA, NULL), -EINVAL);
	ck_assert_int_eq(ide_attach(ide, 2, 0, IDE_ATA, &disk.bd), -EINVAL);
}
END_TEST

START_TEST(pci_function)
{
	iobus_out(io, 0xcf8, 4, 0x80000900u);
	ck_assert_uint_eq(iobus_in(io, 0xcfc, 4), 0x70108086);
	iobus_out(io, 0xcf8, 4, 0x80000908u);
	ck_assert_uint_eq(iobus_in(io, 0xcfc, 4) >> 8, 0x010180);
}
END_TEST

static void prd(gpa_t at, uint32_t addr, uint32_t len, bool eot)
{
	pmap_write(pm, at, 4, addr);
	pmap_write(pm, at + 4, 4, (len & 0xffff) | (eot ? 0x80000000u : 0));
}

/* Enables the function's I/O decoding with BMIDE at 0xC000. */
static void bm_setup(void)
{
	iobus_out(io, 0xcf8, 4, 0x80000920u);
	iobus_out(io, 0xcfc, 4, 0xc000);
	iobus_out(io, 0xcf8, 4, 0x80000904u);
	iobus_out(io, 0xcfc, 2, PCI_CMD_IO | PCI_CMD_MASTER);
}

START_TEST(read_write_dma)
{
	bm_setup();
	prd(0x1000, 0x2000, 512, false);
	prd(0x1008, 0x3000, 512, true);
	iobus_out(io, 0xc004, 4, 0x1000);
	ck_assert_uint_eq(iobus_in(io, 0xc004, 4), 0x1000);
	lba28(10, 2);
	iobus_out(io, 0x1f7, 1, 0xc8);
	ck_assert_int_eq(irq[14], 0);
	iobus_out(io, 0xc000, 1, 0x09); /* start, to memory */
	ck_assert_int_eq(irq[14], 1);
	ck_assert_uint_eq(iobus_in(io, 0xc002, 1) & 7, IDE_BM_IRQ);
	ck_assert_uint_eq(iobus_in(io, 0x1f7, 1), 0x50);
	for (uint32_t i = 0; i < 512; i++) {
		ck_assert_uint_eq(pmap_read(pm, 0x2000 + i, 1), pattern(10, i));
		ck_assert_uint_eq(pmap_read(pm, 0x3000 + i, 1), pattern(11, i));
	}
	iobus_out(io, 0xc002, 1, IDE_BM_IRQ); /* write-one-to-clear */
	ck_assert_uint_eq(iobus_in(io, 0xc002, 1) & 7, 0);
	iobus_out(io, 0xc000, 1, 0);

	/* WRITE DMA EXT of one sector from 0x5000, one PRD larger than the
	 * data: ACTIVE stays set alongside IRQ. */
	for (uint32_t i = 0; i < 512; i++)
		pmap_write(pm, 0x5000 + i, 1, i ^ 0x5a);
	prd(0x1000, 0x5000, 1024, true);
	iobus_out(io, 0x1f6, 1, 0x40);
	iobus_out(io, 0x1f2, 1, 0);
	iobus_out(io, 0x1f2, 1, 1);
	iobus_out(io, 0x1f3, 1, 0);
	iobus_out(io, 0x1f3, 1, 20);
	iobus_out(io, 0x1f4, 1, 0);
	iobus_out(io, 0x1f4, 1, 0);
	iobus_out(io, 0x1f5, 1, 0);
	iobus_out(io, 0x1f5, 1, 0);
	iobus_out(io, 0xc000, 1, 0x01); /* start first, command after */
	iobus_out(io, 0x1f7, 1, 0x35);
	ck_assert_uint_eq(iobus_in(io, 0xc002, 1) & 7, IDE_BM_IRQ | IDE_BM_ACTIVE);
	for (uint32_t i = 0; i < 512; i++)
		ck_assert_uint_eq(disk.data[20 * 512 + i], (uint8_t)(i ^ 0x5a));
	ck_assert_uint_eq(disk.data[21 * 512], pattern(21, 0));
}
END_TEST

START_TEST(hostile_dma)
{
	bm_setup();
	/* Start without a command: nothing moves, no interrupt. */
	iobus_out(io, 0xc000, 1, 0x09);
	ck_assert_int_eq(irq[14], 0);
	ck_assert_uint_eq(iobus_in(io, 0xc002, 1) & 7, IDE_BM_ACTIVE);
	iobus_out(io, 0xc000, 1, 0);
	/* PRD table outside RAM (reads all ones: 0xFFFFFFFE, 64 KiB, EOT),
	 * data outside RAM: completes without touching anything. */
	iobus_out(io, 0xc004, 4, 0xf0000000u);
	lba28(0, 4);
	iobus_out(io, 0x1f7, 1, 0xc8);
	iobus_out(io, 0xc000, 1, 0x09);
	ck_assert_int_eq(irq[14], 1);
	iobus_in(io, 0x1f7, 1);
	iobus_out(io, 0xc000, 1, 0);
	/* Zero byte count = 64 KiB: 128 sectors from one entry. */
	iobus_out(io, 0xc004, 4, 0x1000);
	prd(0x1000, 0x100000, 0, true);
	lba28(0, 128);
	iobus_out(io, 0x1f7, 1, 0xc8);
	iobus_out(io, 0xc000, 1, 0x09);
	ck_assert_uint_eq(iobus_in(io, 0x1f7, 1), 0x50);
	ck_assert_uint_eq(pmap_read(pm, 0x100000 + 127 * 512 + 3, 1), pattern(127, 3));
	iobus_out(io, 0xc000, 1, 0);
	/* Table shorter than the data: bus-master error, ABRT. */
	prd(0x1000, 0x2000, 512, true);
	lba28(0, 2);
	iobus_out(io, 0x1f7, 1, 0xc8);
	iobus_out(io, 0xc000, 1, 0x09);
	ck_assert_uint_eq(iobus_in(io, 0xc002, 1) & 7, IDE_BM_ERROR | IDE_BM_IRQ);
	ck_assert_uint_eq(iobus_in(io, 0x1f7, 1), 0x41);
	iobus_out(io, 0xc000, 1, 0);
	/* A table with no EOT in its 64 KiB (8192 entries of 2 bytes, far
	 * less than the data) stops there with an error. */
	for (uint32_t n = 0; n < 8200; n++)
		prd(0x200000 + 8 * n, 0x2000, 2, false);
	iobus_out(io, 0xc004, 4, 0x200000);
	lba28(0, 255);
	iobus_out(io, 0x1f7, 1, 0xc8);
	iobus_out(io, 0xc000, 1, 0x09);
	ck_assert_uint_eq(iobus_in(io, 0xc002, 1) & 7, IDE_BM_ERROR | IDE_BM_IRQ);
	ck_assert_uint_eq(iobus_in(io, 0x1f7, 1), 0x41);
	/* DMA past the end of the disk: IDNF, nothing waits. */
	iobus_out(io, 0xc000, 1, 0);
	lba28(DISK_SECTORS - 1, 2);
	iobus_out(io, 0x1f7, 1, 0xc8);
	ck_assert_uint_eq(iobus_in(io, 0x1f1, 1), 0x10);
}
END_TEST

/* ATAPI on the secondary master: a 64-sector CD in the same memdisk. */
static void cd_attach(void)
{
	static struct memdisk cd;

	cd = disk;
	cd.bd.size = 64 * 2048;
	ck_assert_int_eq(ide_attach(ide, 1, 0, IDE_ATAPI, &cd.bd), 0);
}

/* Sends a 12-byte packet with byte-count limit bcl; dma selects DMA. */
static void packet(const uint8_t *p, uint16_t bcl, bool dma)
{
	iobus_out(io, 0x176, 1, 0xa0);
	iobus_out(io, 0x171, 1, dma ? 1 : 0);
	iobus_out(io, 0x174, 1, bcl & 0xff);
	iobus_out(io, 0x175, 1, bcl >> 8);
	iobus_out(io, 0x177, 1, 0xa0);
	ck_assert_uint_eq(iobus_in(io, 0x376, 1) & 0x08, 0x08);
	ck_assert_uint_eq(iobus_in(io, 0x172, 1) & 3, 1); /* CoD */
	for (int i = 0; i < 12; i += 2)
		iobus_out(io, 0x170, 2, (uint32_t)(p[i] | p[i + 1] << 8));
}

/* Reads whatever DRQ chunks come, up to max bytes; returns bytes read. */
static uint32_t pio_in(uint8_t *buf, uint32_t max, uint32_t *chunks)
{
	uint32_t got = 0;

	*chunks = 0;
	while (iobus_in(io, 0x177, 1) & 0x08) {
		uint32_t n = iobus_in(io, 0x174, 1) | iobus_in(io, 0x175, 1) << 8;
		ck_assert_uint_eq(iobus_in(io, 0x172, 1) & 3, 2);
		(*chunks)++;
		for (uint32_t i = 0; i < n; i += 2) {
			uint16_t w = (uint16_t)iobus_in(io, 0x170, 2);
			if (got + 1 < max) {
				buf[got] = (uint8_t)w;
				buf[got + 1] = (uint8_t)(w >> 8);
			}
			got += 2;
		}
	}
	return got;
}

static uint8_t sense_key(void)
{
	static const uint8_t rs[12] = { 0x03, 0, 0, 0, 18 };
	uint8_t b[18];
	uint32_t c;

	packet(rs, 18, false);
	ck_assert_uint_eq(pio_in(b, sizeof(b), &c), 18);
	return b[2];
}

START_TEST(atapi_basics)
{
	static const uint8_t tur[12] = { 0 };
	static const uint8_t cap[12] = { 0x25 };
	static const uint8_t bad[12] = { 0xff };
	static const uint8_t inq[12] = { 0x12, 0, 0, 0, 36 };
	static const uint8_t toc[12] = { 0x43, 0, 0, 0, 0, 0, 1, 0, 100 };
	uint8_t b[512];
	uint32_t c;

	cd_attach();
	/* Signature and IDENTIFY DEVICE abort. */
	ck_assert_uint_eq(iobus_in(io, 0x174, 1), 0x14);
	ck_assert_uint_eq(iobus_in(io, 0x175, 1), 0xeb);
	iobus_out(io, 0x177, 1, 0xec);
	ck_assert_uint_eq(iobus_in(io, 0x177, 1) & 1, 1);
	ck_assert_uint_eq(iobus_in(io, 0x175, 1), 0xeb);
	iobus_out(io, 0x177, 1, 0xa1);
	ck_assert_int_eq(irq[15], 1);
	ck_assert_uint_eq(iobus_in(io, 0x177, 1) & 0x08, 0x08);
	for (int i = 0; i < 256; i++) {
		uint16_t w = (uint16_t)iobus_in(io, 0x170, 2);
		b[2 * i] = (uint8_t)w;
		b[2 * i + 1] = (uint8_t)(w >> 8);
	}
	ck_assert_uint_eq(b[1], 0x85);
	ck_assert_uint_eq(b[0], 0x80);
	/* Model (words 27-46): byte-swapped within words, space padded. */
	ck_assert_mem_eq(b + 54, "OHTSMVC -DOR M", 14);
	ck_assert_uint_eq(b[54 + 39], ' ');
	packet(tur, 0, false);
	ck_assert_uint_eq(iobus_in(io, 0x177, 1), 0x50);
	ck_assert_uint_eq(iobus_in(io, 0x172, 1), 3);
	packet(cap, 8, false);
	ck_assert_uint_eq(pio_in(b, sizeof(b), &c), 8);
	ck_assert_uint_eq(b[3], 63);
	ck_assert_uint_eq(b[6], 0x08);
	packet(inq, 36, false);
	ck_assert_uint_eq(pio_in(b, sizeof(b), &c), 36);
	ck_assert_uint_eq(b[0], 0x05);
	packet(toc, 100, false);
	ck_assert_uint_eq(pio_in(b, sizeof(b), &c), 20);
	ck_assert_uint_eq(b[6], 1);
	ck_assert_uint_eq(b[14], 0xaa);
	ck_assert_uint_eq(b[19], 64);
	/* Unknown opcode: CHECK CONDITION, ILLEGAL REQUEST in sense. */
	packet(bad, 0, false);
	ck_assert_uint_eq(iobus_in(io, 0x177, 1), 0x41);
	ck_assert_uint_eq(iobus_in(io, 0x171, 1), 0x54);
	ck_assert_uint_eq(sense_key(), 5);
	ck_assert_uint_eq(sense_key(), 0);
}
END_TEST

START_TEST(atapi_read)
{
	static const uint8_t r10[12] = { 0x28, 0, 0, 0, 0, 3, 0, 0, 2 };
	static const uint8_t r12[12] = { 0xa8, 0, 0, 0, 0, 5, 0, 0, 0, 1 };
	static const uint8_t oor[12] = { 0x28, 0, 0, 0, 0, 63, 0, 0, 2 };
	static uint8_t b[8192];
	uint32_t c;

	cd_attach();
	/* READ(10) of two sectors with a 1000-byte limit: five chunks. */
	packet(r10, 1000, false);
	ck_assert_uint_eq(pio_in(b, sizeof(b), &c), 4096);
	ck_assert_uint_eq(c, 5);
	for (uint32_t i = 0; i < 4096; i++)
		ck_assert_uint_eq(b[i], disk.data[3 * 2048 + i]);
	ck_assert_uint_eq(iobus_in(io, 0x177, 1), 0x50);
	ck_assert_uint_eq(iobus_in(io, 0x170, 2), 0xffff); /* endless PIO */
	/* Past the end: ILLEGAL REQUEST. */
	packet(oor, 2048, false);
	ck_assert_uint_eq(iobus_in(io, 0x177, 1), 0x41);
	ck_assert_uint_eq(sense_key(), 5);
	/* READ(12) through DMA. */
	bm_setup();
	prd(0x1000, 0x4000, 2048, true);
	iobus_out(io, 0xc00c, 4, 0x1000);
	packet(r12, 0, true);
	iobus_out(io, 0xc008, 1, 0x09);
	ck_assert_uint_eq(iobus_in(io, 0xc00a, 1) & 7, IDE_BM_IRQ);
	ck_assert_uint_eq(iobus_in(io, 0x177, 1), 0x50);
	for (uint32_t i = 0; i < 2048; i++)
		ck_assert_uint_eq(pmap_read(pm, 0x4000 + i, 1), disk.data[5 * 2048 + i]);
}
END_TEST

START_TEST(atapi_media)
{
	static const uint8_t tur[12] = { 0 };
	static const uint8_t gesn[12] = { 0x4a, 1, 0, 0, 0x10, 0, 0, 0, 8 };
	uint8_t b[16];
	uint32_t c;

	ck_assert_int_eq(ide_attach(ide, 1, 0, IDE_ATAPI, NULL), 0);
	packet(tur, 0, false);
	ck_assert_uint_eq(iobus_in(io, 0x177, 1), 0x41);
	ck_assert_uint_eq(sense_key(), 2);
	ck_assert_int_eq(ide_change_media(ide, 1, 0, &disk.bd), 0);
	packet(gesn, 8, false);
	ck_assert_uint_eq(pio_in(b, sizeof(b), &c), 8);
	ck_assert_uint_eq(b[4], 0x02);
	ck_assert_uint_eq(b[5], 0x02);
	packet(gesn, 8, false);
	pio_in(b, sizeof(b), &c);
	ck_assert_uint_eq(b[4], 0x00);
	packet(tur, 0, false);
	ck_assert_uint_eq(iobus_in(io, 0x177, 1), 0x41);
	ck_assert_uint_eq(iobus_in(io, 0x171, 1) >> 4, 6);
	packet(tur, 0, false);
	ck_assert_uint_eq(iobus_in(io, 0x177, 1), 0x50);
	ck_assert_int_eq(ide_change_media(ide, 0, 0, NULL), -EINVAL);
}
END_TEST

/* Hostile sequencing: the other drive selected while a DMA command waits,
 * and the CD ejected in the middle of a PIO READ. */
START_TEST(select_and_eject_mid_transfer)
{
	static const uint8_t r10[12] = { 0x28, 0, 0, 0, 0, 0, 0, 0, 16 };
	uint32_t n;

	ck_assert_int_eq(ide_attach(ide, 0, 1, IDE_ATAPI, NULL), 0);
	bm_setup();
	prd(0x1000, 0x2000, 512, true);
	iobus_out(io, 0xc004, 4, 0x1000);
	lba28(0, 1);
	iobus_out(io, 0x1f7, 1, 0xc8);
	ck_assert_uint_eq(iobus_in(io, 0x3f6, 1) & 0x08, 0x08);
	iobus_out(io, 0x1f6, 1, 0xf0); /* the empty CD drive */
	ck_assert_uint_eq(iobus_in(io, 0x3f6, 1) & 0x08, 0);
	iobus_out(io, 0xc000, 1, 0x09);
	ck_assert_int_eq(irq[14], 0);
	ck_assert_uint_eq(pmap_read(pm, 0x2000, 4), 0);
	iobus_out(io, 0xc000, 1, 0);

	cd_attach();
	packet(r10, 0xfffe, false);
	n = iobus_in(io, 0x174, 1) | iobus_in(io, 0x175, 1) << 8;
	ck_assert_uint_gt(n, 0);
	ck_assert_uint_lt(n, 16 * 2048);
	for (uint32_t i = 0; i < n; i += 2)
		iobus_in(io, 0x170, 2);
	ck_assert_int_eq(ide_change_media(ide, 1, 0, NULL), 0);
	for (uint32_t i = 0; i < 64 * 1024 && (iobus_in(io, 0x177, 1) & 0x08); i += 2)
		iobus_in(io, 0x170, 2);
	ck_assert_uint_eq(iobus_in(io, 0x177, 1), 0x41);
	ck_assert_uint_eq(iobus_in(io, 0x171, 1) >> 4, 2); /* NOT READY */
}
END_TEST

int main(void)
{
	Suite *s = suite_create("ide");
	TCase *tc = tcase_create("ata");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, identify);
	tcase_add_test(tc, read_pio_lba28_lba48);
	tcase_add_test(tc, write_then_read);
	tcase_add_test(tc, errors_and_reset);
	tcase_add_test(tc, pci_function);
	tcase_add_test(tc, read_write_dma);
	tcase_add_test(tc, hostile_dma);
	tcase_add_test(tc, atapi_basics);
	tcase_add_test(tc, atapi_read);
	tcase_add_test(tc, atapi_media);
	tcase_add_test(tc, select_and_eject_mid_transfer);
	suite_add_tcase(s, tc);
	return check_run(s);
}
