/* fw_cfg through its ports, DMA into a pmap. */
#include "config.h"
#include "dev/fw_cfg.h"

#include <check.h>
#include "check_run.h"
#include <errno.h>
#include <stdlib.h>
#include <string.h>

static struct iobus *bus;
static struct pmap *pm;
static struct fw_cfg *fc;

static void setup(void)
{
	ck_assert_int_eq(iobus_create(&bus), 0);
	ck_assert_int_eq(pmap_create(16 << 20, &pm), 0);
	ck_assert_int_eq(fw_cfg_create(bus, pm, &fc), 0);
}

static void teardown(void)
{
	fw_cfg_destroy(fc);
	pmap_destroy(pm);
	iobus_destroy(bus);
}

static void rd(uint16_t key, void *buf, size_t len)
{
	iobus_out(bus, 0x510, 2, key);
	for (size_t i = 0; i < len; i++)
		((uint8_t *)buf)[i] = (uint8_t)iobus_in(bus, 0x511, 1);
}

static uint32_t be32(const uint8_t *p) { return (uint32_t)p[0] << 24 | p[1] << 16 | p[2] << 8 | p[3]; }
static uint32_t bswap(uint32_t v) { return __builtin_bswap32(v); }

/* Writes a descriptor at gpa and kicks the DMA. */
static uint32_t dma(uint64_t gpa, uint32_t ctl, uint32_t len, uint64_t addr)
{
	uint8_t d[16];
	for (int i = 0; i < 4; i++) {
		d[i] = (uint8_t)(ctl >> (24 - 8 * i));
		d[4 + i] = (uint8_t)(len >> (24 - 8 * i));
	}
	for (int i = 0; i < 8; i++)
		d[8 + i] = (uint8_t)(addr >> (56 - 8 * i));
	pmap_write_buf(pm, gpa, d, 16);
	iobus_out(bus, 0x514, 4, bswap((uint32_t)(gpa >> 32)));
	iobus_out(bus, 0x518, 4, bswap((uint32_t)gpa));
	pmap_read_buf(pm, gpa, d, 4);
	return be32(d);
}

START_TEST(signature_id_dir_files)
{
	char sig[5] = { 0 };
	uint8_t id[4], dir[4 + 64 * 2];

	rd(0, sig, 4);
	ck_assert_str_eq(sig, "QEMU");
	rd(1, id, 4);
	ck_assert_uint_eq(id[0] & 3, 3);
	ck_assert_uint_eq(iobus_in(bus, 0x514, 4), 0x554d4551);        /* "QEMU" */
	ck_assert_int_eq(fw_cfg_add_file(fc, "bootorder", "/pci@i0cf8/ide@1,1/drive@0/disk@0\n", 35), 0);
	ck_assert_int_eq(fw_cfg_add_e820(fc, 16 << 20, 0xe0000000u), 0);
	ck_assert_int_eq(fw_cfg_add_file(fc, "bootorder", "x", 1), -EEXIST);
	char longname[80];
	memset(longname, 'a', sizeof(longname) - 1);
	longname[79] = 0;
	ck_assert_int_eq(fw_cfg_add_file(fc, longname, "x", 1), -ENAMETOOLONG);
	rd(0x19, dir, sizeof(dir));
	ck_assert_uint_eq(be32(dir), 2);
	ck_assert_uint_eq(be32(dir + 4), 35);
	ck_assert_uint_eq(dir[8] << 8 | dir[9], 0x20);
	ck_assert_str_eq((char *)dir + 12, "bootorder");
	ck_assert_uint_eq(be32(dir + 68), 20);
	ck_assert_str_eq((char *)dir + 76, "etc/e820");
	uint8_t e820[24];
	rd(0x21, e820, 24);
	ck_assert_uint_eq(e820[10], 0x00);
	ck_assert_uint_eq(e820[11], 0x01);      /* length 16 MiB, le */
	ck_assert_uint_eq(e820[16], 1);         /* type RAM */
	ck_assert_uint_eq(e820[20] | e820[21] | e820[22] | e820[23], 0);  /* past the end */
	ck_assert_int_eq(fw_cfg_add_i64(fc, FW_CFG_RAM_SIZE, 16 << 20), 0);
	rd(FW_CFG_RAM_SIZE, e820, 8);
	ck_assert_uint_eq(e820[3], 1);
	/* Architecture-local keys (bit 15: SeaBIOS asks for 0x8000, the
	 * legacy ACPI table count) are absent and read as zeros, not as an
	 * alias of key 0 ("QEMU"). */
	rd(0x8000, sig, 4);
	ck_assert_uint_eq(sig[0] | sig[1] | sig[2] | sig[3], 0);
	ck_assert_uint_eq(dma(0x1000, 0x80000000u | 0x0a, 2, 0x2000), 0);
	ck_assert_uint_eq(pmap_read(pm, 0x2000, 2), 0);
}
END_TEST

START_TEST(dma_reads_and_hostile)
{
	uint8_t buf[64];

	ck_assert_int_eq(fw_cfg_add_file(fc, "etc/boot-fail-wait", "\x05\0\0\0", 4), 0);
	/* Select + read the signature into 0x2000. */
	ck_assert_uint_eq(dma(0x1000, 0x08 | 0x02, 4, 0x2000), 0);
	pmap_read_buf(pm, 0x2000, buf, 4);
	ck_assert(memcmp(buf, "QEMU", 4) == 0);
	/* Skip 2 then read 6 of the file: 2 real bytes then zeros. */
	memset(buf, 0xaa, 8);
	pmap_write_buf(pm, 0x3000, buf, 8);
	ck_assert_uint_eq(dma(0x1000, 0x200000 | 0x08 | 0x04, 2, 0), 0);
	ck_assert_uint_eq(dma(0x1000, 0x02, 6, 0x3000), 0);
	pmap_read_buf(pm, 0x3000, buf, 8);
	ck_assert_uint_eq(buf[0], 0);
	ck_assert_uint_eq(buf[1], 0);
	ck_assert_uint_eq(buf[2], 0);
	ck_assert_uint_eq(buf[6], 0xaa);
	/* Destination outside RAM, wrapping, or huge: error, nothing written. */
	ck_assert_uint_eq(dma(0x1000, 0x08 | 0x02, 4, 0xfffffffffffffffeull), 1);
	ck_assert_uint_eq(dma(0x1000, 0x08 | 0x02, 0xffffffffu, 0x1000), 1);
	ck_assert_uint_eq(dma(0x1000, 0x08 | 0x02, 4, 0x2000000), 1);
	/* Writes are refused. */
	ck_assert_uint_eq(dma(0x1000, 0x08 | 0x10, 4, 0x2000), 1);
	/* A descriptor outside RAM is ignored without harm. */
	iobus_out(bus, 0x514, 4, bswap(0x12345678));
	iobus_out(bus, 0x518, 4, bswap(0xfffffff8));
	/* A selector past the table reads zeros. */
	rd(0x3fff, buf, 4);
	ck_assert_uint_eq(buf[0] | buf[1] | buf[2] | buf[3], 0);
	ck_assert_uint_eq(dma(0x1000, 0xffff0000u | 0x08 | 0x02, 4, 0x2000), 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("fw_cfg");
	TCase *tc = tcase_create("fw_cfg");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, signature_id_dir_files);
	tcase_add_test(tc, dma_reads_and_hostile);
	suite_add_tcase(s, tc);
	return check_run(s);
}
