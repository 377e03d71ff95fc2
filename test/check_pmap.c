/* Guest physical memory: RAM, ROM, MMIO, shadow RAM, unassigned space, code
 * tracking. */
#include "config.h"
#include "suites.h"
#include "mem/pmap.h"

#include <errno.h>
#include <string.h>

static struct pmap *pm;

static void setup(void) { ck_assert_int_eq(pmap_create(16 << 20, &pm), 0); }
static void teardown(void) { pmap_destroy(pm); }

START_TEST(ram_zero_and_rw)
{
	ck_assert_uint_eq(pmap_read(pm, 0x1000, 4), 0);
	pmap_write(pm, 0x1000, 4, 0xdeadbeef);
	ck_assert_uint_eq(pmap_read(pm, 0x1000, 4), 0xdeadbeef);
	ck_assert_uint_eq(pmap_read(pm, 0x1001, 1), 0xbe);
	/* A write straddling two pages lands in both. */
	pmap_write(pm, 0x1ffe, 4, 0x11223344);
	ck_assert_uint_eq(pmap_read(pm, 0x1ffe, 2), 0x3344);
	ck_assert_uint_eq(pmap_read(pm, 0x2000, 2), 0x1122);
}
END_TEST

START_TEST(unassigned_reads_ones)
{
	/* Past the end of RAM and in the high hole: all ones, writes dropped. */
	ck_assert_uint_eq(pmap_read(pm, 16 << 20, 4), 0xffffffff);
	pmap_write(pm, 0x80000000u, 4, 0);
	ck_assert_uint_eq(pmap_read(pm, 0x80000000u, 4), 0xffffffff);
	ck_assert_ptr_null(pmap_page_ptr(pm, 0x80000000u, false));
	/* Beyond 36 bits too. */
	uint8_t buf[8];
	pmap_read_buf(pm, PMAP_PHYS_LIMIT - 4, buf, sizeof(buf));
	for (int i = 0; i < 8; i++)
		ck_assert_uint_eq(buf[i], 0xff);
	pmap_write_buf(pm, PMAP_PHYS_LIMIT - 4, buf, sizeof(buf));
}
END_TEST

START_TEST(rom_is_read_only)
{
	uint8_t rom[8192];

	memset(rom, 0x5a, sizeof(rom));
	ck_assert_int_eq(pmap_add_rom(pm, 0xfffe0000u, rom, sizeof(rom)), 0);
	ck_assert_uint_eq(pmap_read(pm, 0xfffe0010u, 4), 0x5a5a5a5a);
	pmap_write(pm, 0xfffe0010u, 4, 0);
	ck_assert_uint_eq(pmap_read(pm, 0xfffe0010u, 4), 0x5a5a5a5a);
	ck_assert_ptr_nonnull(pmap_page_ptr(pm, 0xfffe0000u, false));
	ck_assert_ptr_null(pmap_page_ptr(pm, 0xfffe0000u, true));
	ck_assert_int_eq(pmap_add_rom(pm, 0xfffe1000u, rom, 4096), -EBUSY);
	ck_assert_int_eq(pmap_add_rom(pm, 0xfffe0800u, rom, 4096), -EINVAL);
}
END_TEST

static uint32_t last_off, last_val, last_size;
static uint32_t mmio_read(void *o, gpa_t off, unsigned size) { (void)o; return (uint32_t)off | 0xa0000000u; }
static void mmio_write(void *o, gpa_t off, unsigned size, uint32_t v) { (void)o; last_off = (uint32_t)off; last_val = v; last_size = size; }
static const struct mmio_ops mops = { mmio_read, mmio_write };

START_TEST(mmio_dispatch_and_move)
{
	int token;

	ck_assert_int_eq(pmap_add_mmio(pm, 0xfebf0000u, 0x1000, &mops, &token), 0);
	ck_assert_uint_eq(pmap_read(pm, 0xfebf0010u, 4), 0xa0000010u);
	pmap_write(pm, 0xfebf0020u, 2, 0xbeef);
	ck_assert_uint_eq(last_off, 0x20);
	ck_assert_uint_eq(last_val, 0xbeef);
	ck_assert_uint_eq(last_size, 2);
	uint64_t gen = pmap_generation(pm);
	ck_assert_int_eq(pmap_move_mmio(pm, &token, 0xfebf0000u, 0xfec00000u), 0);
	ck_assert_uint_ne(pmap_generation(pm), gen);
	ck_assert_uint_eq(pmap_read(pm, 0xfebf0010u, 4), 0xffffffff);
	ck_assert_uint_eq(pmap_read(pm, 0xfec00010u, 4), 0xa0000010u);
	ck_assert_int_eq(pmap_del_mmio(pm, &token, 0xfec00000u), 0);
	ck_assert_uint_eq(pmap_read(pm, 0xfec00010u, 4), 0xffffffff);
}
END_TEST

START_TEST(shadow_ram)
{
	uint8_t rom[0x10000];

	memset(rom, 0xea, sizeof(rom));
	ck_assert_int_eq(pmap_add_rom(pm, 0xf0000, rom, sizeof(rom)), 0);
	/* At reset the BIOS area reads from ROM and writes are dropped. */
	ck_assert_uint_eq(pmap_read(pm, 0xffff0, 1), 0xea);
	pmap_write(pm, 0xffff0, 1, 0x90);
	ck_assert_uint_eq(pmap_read(pm, 0xffff0, 1), 0xea);
	/* Write-only shadow: reads still ROM, writes reach RAM. */
	pmap_set_shadow(pm, 0xf0000, 0x10000, false, true);
	pmap_write(pm, 0xffff0, 1, 0x90);
	ck_assert_uint_eq(pmap_read(pm, 0xffff0, 1), 0xea);
	pmap_set_shadow(pm, 0xf0000, 0x10000, true, false);
	ck_assert_uint_eq(pmap_read(pm, 0xffff0, 1), 0x90);
	pmap_write(pm, 0xffff0, 1, 0x91);
	ck_assert_uint_eq(pmap_read(pm, 0xffff0, 1), 0x90);
	/* Option-ROM area with nothing mapped reads as ones until shadowed. */
	ck_assert_uint_eq(pmap_read(pm, 0xc8000, 1), 0xff);
}
END_TEST

static gpa_t hook_gpa;
static size_t hook_len;
static void code_hook(void *o, gpa_t gpa, size_t len)
{
	hook_gpa = gpa;
	hook_len = len;
	pmap_clear_code(o, gpa);
}

START_TEST(code_pages_notify)
{
	uint8_t data[16] = { 1, 2, 3 };

	pmap_set_code_hook(pm, code_hook, pm);
	pmap_set_code(pm, 0x7000);
	ck_assert(pmap_is_code(pm, 0x7abc));
	ck_assert_ptr_null(pmap_page_ptr(pm, 0x7000, true));
	ck_assert_ptr_nonnull(pmap_page_ptr(pm, 0x7000, false));
	pmap_write_buf(pm, 0x7ff8, data, sizeof(data)); /* DMA across into 0x8000 */
	ck_assert_uint_eq(hook_gpa, 0x7ff8);
	ck_assert_uint_eq(hook_len, 8);
	ck_assert(!pmap_is_code(pm, 0x7000));
	ck_assert_uint_eq(pmap_read(pm, 0x7ff8, 1), 1);
	hook_len = 0;
	pmap_write(pm, 0x7000, 1, 5); /* not code any more: no call */
	ck_assert_uint_eq(hook_len, 0);
}
END_TEST

START_TEST(high_ram_above_4g)
{
	struct pmap *big;

	ck_assert_int_eq(pmap_create((uint64_t)PMAP_LOWMEM_MAX + (64 << 20), &big), 0);
	ck_assert_uint_eq(pmap_lowmem_size(big), PMAP_LOWMEM_MAX);
	pmap_write(big, ((gpa_t)4 << 30) + 0x100, 4, 0x12345678);
	ck_assert_uint_eq(pmap_read(big, ((gpa_t)4 << 30) + 0x100, 4), 0x12345678);
	ck_assert_uint_eq(pmap_read(big, PMAP_LOWMEM_MAX, 4), 0xffffffff);
	ck_assert(pmap_is_ram(big, ((gpa_t)4 << 30), 64 << 20));
	ck_assert(!pmap_is_ram(big, ((gpa_t)4 << 30), (64 << 20) + 1));
	pmap_destroy(big);
}
END_TEST

START_TEST(bad_sizes)
{
	struct pmap *p;

	ck_assert_int_eq(pmap_create(12345, &p), -EINVAL);
	ck_assert_ptr_null(p);
	ck_assert_int_eq(pmap_create(0, &p), -EINVAL);
}
END_TEST

Suite *pmap_suite(void)
{
	Suite *s = suite_create("pmap");
	TCase *tc = tcase_create("pmap");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, ram_zero_and_rw);
	tcase_add_test(tc, unassigned_reads_ones);
	tcase_add_test(tc, rom_is_read_only);
	tcase_add_test(tc, mmio_dispatch_and_move);
	tcase_add_test(tc, shadow_ram);
	tcase_add_test(tc, code_pages_notify);
	tcase_add_test(tc, high_ram_above_4g);
	tcase_add_test(tc, bad_sizes);
	suite_add_tcase(s, tc);
	return s;
}
