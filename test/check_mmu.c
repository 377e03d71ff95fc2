/* Software MMU: translation in every paging mode, #PF error codes, A/D bits,
 * TLB behaviour, and a differential test against a reference walker. */
#include "config.h"
#include "mem/mmu.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define PG MMU_CR0_PG
#define WP MMU_CR0_WP
#define PSE MMU_CR4_PSE
#define PAE MMU_CR4_PAE
#define PGE MMU_CR4_PGE
#define NXE MMU_EFER_NXE

#define P 0x1u
#define RW 0x2u
#define US 0x4u
#define A 0x20u
#define D 0x40u
#define PS 0x80u
#define G 0x100u
#define NX (1ull << 63)

static struct pmap *pm;
static struct mmu m;

static void setup(void)
{
	ck_assert_int_eq(pmap_create(16 << 20, &pm), 0);
	ck_assert_int_eq(mmu_init(&m, pm), 0);
}

static void teardown(void)
{
	mmu_fini(&m);
	pmap_destroy(pm);
}

static void w32(gpa_t a, uint32_t v) { pmap_write(pm, a, 4, v); }
static uint32_t r32(gpa_t a) { return pmap_read(pm, a, 4); }
static void w64(gpa_t a, uint64_t v)
{
	w32(a, (uint32_t)v);
	w32(a + 4, (uint32_t)(v >> 32));
}

/* Translates and returns the gpa, failing the test on a fault. */
static gpa_t xl(uint32_t lin, unsigned acc)
{
	struct mmu_xlate x;
	uint32_t err = 0xdead;

	ck_assert_msg(mmu_translate(&m, lin, acc, &x, &err) == 0, "lin %#x acc %u faulted %#x", lin,
		      acc, err);
	return x.gpa;
}

/* Translates expecting a fault; returns the error code. */
static uint32_t pf(uint32_t lin, unsigned acc)
{
	struct mmu_xlate x;
	uint32_t err = 0xdead;

	ck_assert_msg(mmu_translate(&m, lin, acc, &x, &err) == -1, "lin %#x acc %u did not fault",
		      lin, acc);
	return err;
}

START_TEST(no_paging_identity)
{
	struct mmu_xlate x;
	uint32_t err;

	w32(0x123450, 0xcafef00d);
	ck_assert_ptr_null(mmu_fast(&m, 0x123450, MMU_R));
	ck_assert_int_eq(mmu_translate(&m, 0x123450, MMU_R, &x, &err), 0);
	ck_assert_uint_eq(x.gpa, 0x123450);
	ck_assert_ptr_nonnull(x.host);
	ck_assert_uint_eq(*(uint32_t *)x.host, 0xcafef00d);
	/* Now a TLB hit, and only for that access kind. */
	ck_assert_ptr_eq(mmu_fast(&m, 0x123450, MMU_R), x.host);
	ck_assert_ptr_eq(mmu_fast(&m, 0x123454, MMU_R), x.host + 4);
	ck_assert_ptr_null(mmu_fast(&m, 0x123450, MMU_W));
	ck_assert_ptr_null(mmu_fast(&m, 0x123450, MMU_R | MMU_USER));
	/* Unassigned memory: translation succeeds, no host pointer, no TLB entry. */
	ck_assert_int_eq(mmu_translate(&m, 0x80000000u, MMU_R, &x, &err), 0);
	ck_assert_uint_eq(x.gpa, 0x80000000u);
	ck_assert_ptr_null(x.host);
	ck_assert_ptr_null(mmu_fast(&m, 0x80000000u, MMU_R));
}
END_TEST

START_TEST(a20_wrap)
{
	w32(0x000010, 0x11111111);
	w32(0x100010, 0x22222222);
	ck_assert_uint_eq(xl(0x100010, MMU_R), 0x100010);
	uint8_t *hi = mmu_fast(&m, 0x100010, MMU_R);
	ck_assert_ptr_nonnull(hi);
	ck_assert_uint_eq(*(uint32_t *)hi, 0x22222222);
	mmu_set_a20(&m, false);
	/* The gate change flushed the TLB; the address now wraps to 0. */
	ck_assert_ptr_null(mmu_fast(&m, 0x100010, MMU_R));
	ck_assert_uint_eq(xl(0x100010, MMU_R), 0x10);
	ck_assert_uint_eq(*(uint32_t *)mmu_fast(&m, 0x100010, MMU_R), 0x11111111);
	ck_assert_uint_eq(xl(0x300010, MMU_R), 0x200010);
	mmu_set_a20(&m, true);
	ck_assert_uint_eq(xl(0x300010, MMU_R), 0x300010);
}
END_TEST

/* 2-level tables: directory at 0x10000, table at 0x11000 for 0-4 MiB. */
static void two_level(uint32_t pde_flags)
{
	w32(0x10000, 0x11000 | pde_flags);
	ck_assert_int_eq(mmu_set_control(&m, PG, 0x10000, 0, 0), 0);
}

START_TEST(two_level_4k)
{
	two_level(P | RW | US);
	w32(0x11000 + 5 * 4, 0x234000 | P | RW | US);
	ck_assert_uint_eq(xl(0x5abc, MMU_R), 0x234abc);
	/* Accessed on both levels, not dirty after a read. */
	ck_assert_uint_eq(r32(0x10000) & (A | D), A);
	ck_assert_uint_eq(r32(0x11000 + 20) & (A | D), A);
	ck_assert_ptr_null(mmu_fast(&m, 0x5abc, MMU_W));
	ck_assert_uint_eq(xl(0x5abc, MMU_W | MMU_USER), 0x234abc);
	ck_assert_uint_eq(r32(0x11000 + 20) & (A | D), A | D);
	/* The PDE's dirty bit is not touched. */
	ck_assert_uint_eq(r32(0x10000) & D, 0);
	ck_assert_ptr_nonnull(mmu_fast(&m, 0x5000, MMU_W | MMU_USER));
	/* Not present PTE: P=0 with W/U from the access. */
	ck_assert_uint_eq(pf(0x6000, MMU_R), 0);
	ck_assert_uint_eq(pf(0x6000, MMU_W), 2);
	ck_assert_uint_eq(pf(0x6000, MMU_R | MMU_USER), 4);
	ck_assert_uint_eq(pf(0x6000, MMU_W | MMU_USER), 6);
	/* Not present PDE. */
	ck_assert_uint_eq(pf(0x400000, MMU_X | MMU_USER), 4);
	/* No I/D bit without PAE+NXE. */
	ck_assert_uint_eq(pf(0x6000, MMU_X), 0);
	/* Nothing was set in a faulting walk's entries. */
	ck_assert_uint_eq(r32(0x11000 + 24), 0);
}
END_TEST

START_TEST(us_and_wp)
{
	two_level(P | RW | US);
	w32(0x11000 + 1 * 4, 0x201000 | P);           /* supervisor, read-only */
	w32(0x11000 + 2 * 4, 0x202000 | P | US);      /* user, read-only */
	w32(0x11000 + 3 * 4, 0x203000 | P | RW);      /* supervisor, writable */
	ck_assert_uint_eq(pf(0x1000, MMU_R | MMU_USER), 5);
	ck_assert_uint_eq(pf(0x1000, MMU_X | MMU_USER), 5);
	ck_assert_uint_eq(pf(0x2000, MMU_W | MMU_USER), 7);
	ck_assert_uint_eq(xl(0x2000, MMU_R | MMU_USER), 0x202000);
	ck_assert_uint_eq(pf(0x3000, MMU_W | MMU_USER), 7);
	/* WP=0: supervisor writes ignore R/W. */
	ck_assert_uint_eq(xl(0x1000, MMU_W), 0x201000);
	ck_assert_uint_eq(xl(0x2000, MMU_W), 0x202000);
	ck_assert_ptr_nonnull(mmu_fast(&m, 0x2000, MMU_W));
	/* The user entry for a supervisor page must not exist. */
	ck_assert_ptr_null(mmu_fast(&m, 0x1000, MMU_R | MMU_USER));
	/* WP=1 flushes and enforces. */
	ck_assert_int_eq(mmu_set_control(&m, PG | WP, 0x10000, 0, 0), 0);
	ck_assert_ptr_null(mmu_fast(&m, 0x2000, MMU_W));
	ck_assert_uint_eq(pf(0x1000, MMU_W), 3);
	ck_assert_uint_eq(pf(0x2000, MMU_W), 3);
	ck_assert_uint_eq(xl(0x3000, MMU_W), 0x203000);
	/* A read-only directory entry restricts the whole table. */
	w32(0x10000, 0x11000 | P | US);
	mmu_flush(&m, true);
	ck_assert_uint_eq(pf(0x3000, MMU_W), 3);
	/* A supervisor directory entry restricts user access. */
	w32(0x10000, 0x11000 | P | RW);
	ck_assert_uint_eq(pf(0x2000, MMU_R | MMU_USER), 5);
}
END_TEST

START_TEST(pse_4m)
{
	w32(0x10000 + 1 * 4, 0x00c00000 | P | RW | US | PS);
	/* PSE-36: bits 16:13 are physical bits 35:32. */
	w32(0x10000 + 2 * 4, 0x00400000 | (0x5u << 13) | P | RW | PS);
	/* Without CR4.PSE, PS is ignored: the entry points at a page table. */
	ck_assert_int_eq(mmu_set_control(&m, PG, 0x10000, 0, 0), 0);
	w32(0xc00000 + 0x12 * 4, 0x777000 | P);
	ck_assert_uint_eq(xl(0x412345, MMU_R), 0x777345);
	ck_assert_int_eq(mmu_set_control(&m, PG, 0x10000, PSE, 0), 0);
	ck_assert_uint_eq(xl(0x412345, MMU_R), 0xc12345);
	ck_assert_uint_eq(xl(0x8abcde, MMU_W), 0x5004abcdeull);
	ck_assert_uint_eq(r32(0x10000 + 8) & (A | D), A | D);
	/* Reserved bits 21:17 of a 4 MiB PDE. */
	w32(0x10000 + 3 * 4, 0x00400000 | (1u << 17) | P | RW | PS);
	ck_assert_uint_eq(pf(0xc00000, MMU_R), 9);
	ck_assert_uint_eq(pf(0xc00000, MMU_W | MMU_USER), 0xf);
	w32(0x10000 + 3 * 4, 0x00400000 | (1u << 21) | P | RW | PS);
	ck_assert_uint_eq(pf(0xc00000, MMU_R), 9);
}
END_TEST

/* PAE: PDPT at 0x20000, directory for 0-1 GiB at 0x21000, table at 0x22000. */
static void pae_tables(uint64_t efer)
{
	w64(0x20000, 0x21000 | P);
	w64(0x21000, 0x22000 | P | RW | US);
	ck_assert_int_eq(mmu_set_control(&m, PG, 0x20000, PAE, efer), 0);
}

START_TEST(pae_4k_2m)
{
	pae_tables(0);
	w64(0x22000 + 3 * 8, 0x345000 | P | RW | US);
	ck_assert_uint_eq(xl(0x3123, MMU_W | MMU_USER), 0x345123);
	ck_assert_uint_eq(r32(0x21000) & (A | D), A);
	ck_assert_uint_eq(r32(0x22000 + 24) & (A | D), A | D);
	/* The PDPTE is a register: no accessed bit. */
	ck_assert_uint_eq(r32(0x20000), 0x21000 | P);
	/* 2 MiB page above 4 GiB (36-bit physical). */
	w64(0x21000 + 8, 0xa40000000ull | P | RW | PS);
	ck_assert_uint_eq(xl(0x2fedcb, MMU_R), 0xa400fedcbull);
	/* Unassigned there: no host pointer, no TLB entry. */
	ck_assert_ptr_null(mmu_fast(&m, 0x2fedcb, MMU_R));
	/* 2 MiB page in RAM: TLB entries per 4 KiB. */
	w64(0x21000 + 16, 0x600000 | P | RW | PS);
	ck_assert_uint_eq(xl(0x401000, MMU_R), 0x601000);
	ck_assert_ptr_nonnull(mmu_fast(&m, 0x401000, MMU_R));
	ck_assert_ptr_null(mmu_fast(&m, 0x402000, MMU_R));
	/* Not present PDPTE. */
	ck_assert_uint_eq(pf(0x40000000u, MMU_R), 0);
	/* Reserved bits: 2 MiB PDE bits 20:13, entry bits above 35, NX without NXE. */
	w64(0x21000 + 24, 0x600000 | (1u << 13) | P | PS);
	ck_assert_uint_eq(pf(0x600000, MMU_R), 9);
	w64(0x21000 + 24, 0x1000000000ull | 0x600000 | P | PS);
	ck_assert_uint_eq(pf(0x600000, MMU_R), 9);
	w64(0x22000 + 4 * 8, NX | 0x345000 | P);
	ck_assert_uint_eq(pf(0x4000, MMU_R | MMU_USER), 0xd);
	/* Bit 62 is reserved in PAE paging even with NXE. */
	w64(0x22000 + 4 * 8, (1ull << 62) | 0x345000 | P);
	ck_assert_int_eq(mmu_set_control(&m, PG, 0x20000, PAE, NXE), 0);
	ck_assert_uint_eq(pf(0x4000, MMU_X), 0x19);
}
END_TEST

START_TEST(pae_nx)
{
	pae_tables(NXE);
	w64(0x22000 + 1 * 8, NX | 0x301000 | P | RW | US);
	w64(0x22000 + 2 * 8, 0x302000 | P | RW | US);
	ck_assert_uint_eq(xl(0x1000, MMU_R | MMU_USER), 0x301000);
	ck_assert_uint_eq(xl(0x1000, MMU_W), 0x301000);
	ck_assert_uint_eq(pf(0x1000, MMU_X), 0x11);
	ck_assert_uint_eq(pf(0x1000, MMU_X | MMU_USER), 0x15);
	ck_assert_ptr_null(mmu_fast(&m, 0x1000, MMU_X));
	ck_assert_uint_eq(xl(0x2000, MMU_X | MMU_USER), 0x302000);
	ck_assert_ptr_nonnull(mmu_fast(&m, 0x2000, MMU_X | MMU_USER));
	/* Not present fetch: I/D set too. */
	ck_assert_uint_eq(pf(0x5000, MMU_X), 0x10);
	/* NX in the directory entry covers the table. */
	w64(0x21000, NX | 0x22000 | P | RW | US);
	mmu_flush(&m, true);
	ck_assert_uint_eq(pf(0x2000, MMU_X | MMU_USER), 0x15);
	/* Turning NXE off flushes and makes bit 63 reserved. */
	ck_assert_int_eq(mmu_set_control(&m, PG, 0x20000, PAE, 0), 0);
	ck_assert_uint_eq(pf(0x2000, MMU_R), 9);
}
END_TEST

START_TEST(pdpte_invalid)
{
	pae_tables(0);
	w64(0x20000 + 8, 0x30000 | P | (1u << 1)); /* bit 1 reserved */
	ck_assert_int_eq(mmu_set_control(&m, PG, 0x20000, PAE, 0), -1);
	/* State unchanged: the old PDPTEs still translate. */
	w64(0x22000, 0x345000 | P);
	ck_assert_uint_eq(xl(0x0, MMU_R), 0x345000);
	w64(0x20000 + 8, 0x30000 | P | NX);
	ck_assert_int_eq(mmu_set_control(&m, PG, 0x20000, PAE, NXE), -1);
	w64(0x20000 + 8, 0x30000 | P | (1ull << 36));
	ck_assert_int_eq(mmu_set_control(&m, PG, 0x20000, PAE, 0), -1);
	/* Not-present PDPTEs may hold anything. */
	w64(0x20000 + 8, 0xfffffffffffffffeull);
	ck_assert_int_eq(mmu_set_control(&m, PG, 0x20000, PAE, 0), 0);
	/* PDPT in unassigned memory: all ones, present with reserved bits. */
	ck_assert_int_eq(mmu_set_control(&m, PG, 0xf0000000u, PAE, 0), -1);
	/* PDPTEs are loaded at MOV CR3, not re-read on each walk. */
	w64(0x20000 + 8, 0);
	ck_assert_int_eq(mmu_set_control(&m, PG, 0x20000, PAE, 0), 0);
	w64(0x20000 + 8, 0x21000 | P);
	ck_assert_uint_eq(pf(0x40000000u, MMU_R), 0);
	ck_assert_int_eq(mmu_set_control(&m, PG, 0x20000, PAE, 0), 0);
	ck_assert_uint_eq(xl(0x40000000u, MMU_R), 0x345000);
}
END_TEST

START_TEST(global_pages)
{
	two_level(P | RW);
	w32(0x11000 + 4, 0x201000 | P | RW | G);
	w32(0x11000 + 8, 0x202000 | P | RW);
	ck_assert_int_eq(mmu_set_control(&m, PG, 0x10000, PGE, 0), 0);
	xl(0x1000, MMU_R);
	xl(0x2000, MMU_R);
	ck_assert_ptr_nonnull(mmu_fast(&m, 0x1000, MMU_R));
	ck_assert_ptr_nonnull(mmu_fast(&m, 0x2000, MMU_R));
	/* CR3 write: global survives, the other goes. */
	ck_assert_int_eq(mmu_set_control(&m, PG, 0x10000, PGE, 0), 0);
	ck_assert_ptr_nonnull(mmu_fast(&m, 0x1000, MMU_R));
	ck_assert_ptr_null(mmu_fast(&m, 0x2000, MMU_R));
	/* INVLPG drops a global entry. */
	mmu_invlpg(&m, 0x1abc);
	ck_assert_ptr_null(mmu_fast(&m, 0x1000, MMU_R));
	xl(0x1000, MMU_R);
	/* Full flush and PGE toggling drop globals. */
	mmu_flush(&m, false);
	ck_assert_ptr_nonnull(mmu_fast(&m, 0x1000, MMU_R));
	mmu_flush(&m, true);
	ck_assert_ptr_null(mmu_fast(&m, 0x1000, MMU_R));
	xl(0x1000, MMU_R);
	ck_assert_int_eq(mmu_set_control(&m, PG, 0x10000, 0, 0), 0);
	ck_assert_ptr_null(mmu_fast(&m, 0x1000, MMU_R));
	/* G is ignored without CR4.PGE. */
	xl(0x1000, MMU_R);
	ck_assert_int_eq(mmu_set_control(&m, PG, 0x10000, 0, 0), 0);
	ck_assert_ptr_null(mmu_fast(&m, 0x1000, MMU_R));
}
END_TEST

START_TEST(invlpg_one_page)
{
	two_level(P | RW);
	w32(0x11000 + 4, 0x201000 | P | RW);
	w32(0x11000 + 8, 0x202000 | P | RW);
	xl(0x1000, MMU_R);
	xl(0x1000, MMU_W);
	xl(0x2000, MMU_R);
	/* The guest remaps; the stale entry stays until INVLPG. */
	w32(0x11000 + 4, 0x205000 | P | RW);
	ck_assert_ptr_nonnull(mmu_fast(&m, 0x1000, MMU_R));
	mmu_invlpg(&m, 0x1000);
	ck_assert_ptr_null(mmu_fast(&m, 0x1000, MMU_R));
	ck_assert_ptr_null(mmu_fast(&m, 0x1000, MMU_W));
	ck_assert_ptr_nonnull(mmu_fast(&m, 0x2000, MMU_R));
	ck_assert_uint_eq(xl(0x1000, MMU_R), 0x205000);
	/* A different page in the same slot is left alone. */
	mmu_invlpg(&m, 0x101000);
	ck_assert_ptr_nonnull(mmu_fast(&m, 0x1000, MMU_R));
}
END_TEST

START_TEST(write_entry_needs_dirty_and_ram)
{
	two_level(P | RW);
	w32(0x11000 + 4, 0x201000 | P | RW);
	xl(0x1000, MMU_R);
	ck_assert_ptr_null(mmu_fast(&m, 0x1000, MMU_W));
	ck_assert_uint_eq(r32(0x11004) & D, 0);
	/* A code page: translation fine, no host pointer for writes. */
	pmap_set_code(pm, 0x201000);
	struct mmu_xlate x;
	uint32_t err;
	ck_assert_int_eq(mmu_translate(&m, 0x1000, MMU_W, &x, &err), 0);
	ck_assert_ptr_null(x.host);
	ck_assert_ptr_null(mmu_fast(&m, 0x1000, MMU_W));
	ck_assert_uint_eq(r32(0x11004) & D, D);
	/* Reads still get the fast path. */
	ck_assert_ptr_nonnull(mmu_fast(&m, 0x1000, MMU_R));
	pmap_clear_code(pm, 0x201000);
	ck_assert_int_eq(mmu_translate(&m, 0x1000, MMU_W, &x, &err), 0);
	ck_assert_ptr_nonnull(mmu_fast(&m, 0x1000, MMU_W));
	mmu_flush_writes(&m);
	ck_assert_ptr_null(mmu_fast(&m, 0x1000, MMU_W));
	ck_assert_ptr_nonnull(mmu_fast(&m, 0x1000, MMU_R));
}
END_TEST

static uint32_t dummy_read(void *o, gpa_t off, unsigned size)
{
	(void)o;
	(void)off;
	(void)size;
	return 0x5a5a5a5a;
}

static void dummy_write(void *o, gpa_t off, unsigned size, uint32_t v)
{
	(void)o;
	(void)off;
	(void)size;
	(void)v;
}

START_TEST(generation_flush)
{
	static const struct mmio_ops ops = { dummy_read, dummy_write };
	int tag;

	xl(0x1000, MMU_R);
	ck_assert_ptr_nonnull(mmu_fast(&m, 0x1000, MMU_R));
	ck_assert_int_eq(pmap_add_mmio(pm, 0xfe000000u, 0x1000, &ops, &tag), 0);
	mmu_sync(&m);
	ck_assert_ptr_null(mmu_fast(&m, 0x1000, MMU_R));
	/* Translating syncs too. */
	xl(0x1000, MMU_R);
	ck_assert_int_eq(pmap_del_mmio(pm, &tag, 0xfe000000u), 0);
	ck_assert_uint_eq(xl(0x2000, MMU_R), 0x2000);
	ck_assert_ptr_null(mmu_fast(&m, 0x1000, MMU_R));
}
END_TEST

START_TEST(hostile_tables)
{
	struct mmu_xlate x;
	uint32_t err;

	/* CR3 in unassigned space: every entry reads as all ones. */
	ck_assert_int_eq(mmu_set_control(&m, PG, 0xf0000000u, 0, 0), 0);
	ck_assert_int_eq(mmu_translate(&m, 0x12345678, MMU_W | MMU_USER, &x, &err), 0);
	ck_assert_uint_eq(x.gpa, 0xfffff678u);
	ck_assert_ptr_null(x.host);
	/* With PSE the all-ones PDE is a 4 MiB page with reserved bits. */
	ck_assert_int_eq(mmu_set_control(&m, PG, 0xf0000000u, PSE, 0), 0);
	ck_assert_uint_eq(pf(0x12345678, MMU_R), 9);
	/* PAE with PDPTEs pointing at unassigned space. */
	w64(0x20000, 0xf0000000u | P);
	ck_assert_int_eq(mmu_set_control(&m, PG, 0x20000, PAE, NXE), 0);
	ck_assert_uint_eq(pf(0x1000, MMU_X), 0x19);
	/* An MMIO page table: whatever the device returns. */
	static const struct mmio_ops ops = { dummy_read, dummy_write };
	int tag;
	ck_assert_int_eq(pmap_add_mmio(pm, 0xfe000000u, 0x1000, &ops, &tag), 0);
	ck_assert_int_eq(mmu_set_control(&m, PG, 0xfe000000u, 0, 0), 0);
	ck_assert_int_eq(mmu_translate(&m, 0, MMU_R, &x, &err), -1);
	ck_assert_uint_eq(err, 0);
	ck_assert_int_eq(pmap_del_mmio(pm, &tag, 0xfe000000u), 0);
	/* A directory that maps itself: A/D updates land consistently. */
	w32(0x10000, 0x10000 | P | RW);
	ck_assert_int_eq(mmu_set_control(&m, PG, 0x10000, 0, 0), 0);
	ck_assert_uint_eq(xl(0x0, MMU_W), 0x10000);
	ck_assert_uint_eq(r32(0x10000), 0x10000 | P | RW | A | D);
}
END_TEST

/* ---- Differential test: random tables vs a straightforward reference. ---- */

struct ref {
	int fault;  /* 0 ok, 1 fault */
	uint32_t err;
	gpa_t gpa;
};

static uint64_t ent(gpa_t a, bool pae)
{
	return pae ? ((uint64_t)r32(a) | (uint64_t)r32(a + 4) << 32) : r32(a);
}

/* Reference: reads the PDPTEs directly (they were just loaded). */
static struct ref ref_walk(uint32_t cr0, uint32_t cr3, uint32_t cr4, uint64_t efer, uint32_t lin,
			   unsigned acc)
{
	bool user = acc & MMU_USER, wr = (acc & 3) == MMU_W, x = (acc & 3) == MMU_X;
	bool pae = cr4 & PAE, nxe = pae && (efer & NXE);
	uint32_t base = (wr ? 2 : 0) | (user ? 4 : 0) | (x && nxe ? 0x10 : 0);
	struct ref r = { 1, base, 0 };
	bool u = true, w = true, nx = false;
	uint64_t e;

	if (!(cr0 & PG)) {
		r.fault = 0;
		r.gpa = lin;
		return r;
	}
	if (!pae) {
		e = ent((cr3 & ~0xfffu) + (lin >> 22) * 4, false);
		if (!(e & P))
			return r;
		u &= !!(e & US);
		w &= !!(e & RW);
		if ((e & PS) && (cr4 & PSE)) {
			if (e & 0x3e0000u) {
				r.err |= 9;
				return r;
			}
			r.gpa = (e & 0xffc00000u) + ((uint64_t)((e >> 13) & 15) << 32) + (lin & 0x3fffff);
		} else {
			e = ent((e & ~0xfffu) + ((lin >> 12) & 1023) * 4, false);
			if (!(e & P))
				return r;
			u &= !!(e & US);
			w &= !!(e & RW);
			r.gpa = (e & ~0xfffu) + (lin & 0xfff);
		}
	} else {
		uint64_t rs = 0x7ffffff000000000ull | (nxe ? 0 : NX);
		e = ent((cr3 & ~31u) + (lin >> 30) * 8, true);
		if (!(e & P))
			return r;
		e = ent((e & 0xffffff000ull) + ((lin >> 21) & 511) * 8, true);
		if (!(e & P))
			return r;
		if ((e & rs) || ((e & PS) && (e & 0x1fe000))) {
			r.err |= 9;
			return r;
		}
		u &= !!(e & US);
		w &= !!(e & RW);
		nx |= nxe && (e & NX);
		if (e & PS) {
			r.gpa = (e & 0xfffe00000ull) + (lin & 0x1fffff);
		} else {
			e = ent((e & 0xffffff000ull) + ((lin >> 12) & 511) * 8, true);
			if (!(e & P))
				return r;
			if (e & rs) {
				r.err |= 9;
				return r;
			}
			u &= !!(e & US);
			w &= !!(e & RW);
			nx |= nxe && (e & NX);
			r.gpa = (e & 0xffffff000ull) + (lin & 0xfff);
		}
	}
	if ((user && !u) || (wr && !w && (user || (cr0 & WP))) || (x && nx)) {
		r.err |= 1;
		return r;
	}
	r.fault = 0;
	return r;
}

START_TEST(differential_random)
{
	unsigned seed = (unsigned)time(NULL);
	unsigned checked = 0, faults = 0;

	srand(seed);
	/* Table area 0x100000-0x140000 (64 pages); entries point there, at RAM
	 * elsewhere, or outside RAM. */
	for (int round = 0; round < 60; round++) {
		for (gpa_t a = 0x100000; a < 0x140000; a += 4) {
			uint32_t v = (uint32_t)rand() << 16 ^ (uint32_t)rand();
			int kind = rand() % 8;
			uint32_t flags = v & 0xfff;

			if (kind < 4)
				v = 0x100000 + (rand() % 64) * 0x1000;
			else if (kind < 6)
				v = (uint32_t)(rand() % 4096) << 12;
			v |= flags;
			if (rand() % 4)
				v |= P;
			/* High dwords of PAE entries: mostly zero, sometimes NX or junk. */
			if ((a & 4) && rand() % 4)
				v = (rand() % 3 == 0) ? 0x80000000u : 0;
			w32(a, v);
		}
		uint32_t cr4 = (rand() & 1 ? PSE : 0) | (rand() & 1 ? PAE : 0) | (rand() & 1 ? PGE : 0);
		uint32_t cr0 = PG | (rand() & 1 ? WP : 0);
		uint64_t efer = rand() & 1 ? NXE : 0;
		uint32_t cr3 = 0x100000 + (rand() % 64) * 0x1000 + ((cr4 & PAE) ? (rand() % 128) * 32 : 0);
		mmu_flush(&m, true);
		if (mmu_set_control(&m, cr0, cr3, cr4, efer) != 0)
			continue;
		for (int i = 0; i < 400; i++) {
			uint32_t lin = (uint32_t)rand() << 16 ^ (uint32_t)rand();
			unsigned acc = (unsigned)(rand() % 3) | (rand() & 1 ? MMU_USER : 0);
			struct ref r;
			struct mmu_xlate x;
			uint32_t err = 0;
			int rc;

			/* Reference first: the MMU may set A/D bits, which the
			 * reference ignores anyway (they change no outcome). */
			r = ref_walk(cr0, cr3, cr4, efer, lin, acc);
			rc = mmu_translate(&m, lin, acc, &x, &err);
			ck_assert_msg(rc == -r.fault, "seed %u lin %#x acc %u cr4 %#x: rc %d ref %d",
				      seed, lin, acc, cr4, rc, r.fault);
			if (rc)
				ck_assert_msg(err == r.err, "seed %u lin %#x acc %u: err %#x ref %#x", seed,
					      lin, acc, err, r.err);
			else
				ck_assert_msg(x.gpa == r.gpa, "seed %u lin %#x: gpa %#llx ref %#llx", seed,
					      lin, (unsigned long long)x.gpa, (unsigned long long)r.gpa);
			faults += r.fault;
			checked++;
			/* A TLB hit must agree with the walk (tables unchanged since). */
			uint8_t *h = mmu_fast(&m, lin, acc);
			if (h)
				ck_assert_ptr_eq(h, x.host);
		}
	}
	ck_assert_uint_gt(checked, 5000);
	ck_assert_uint_gt(faults, 100);
	ck_assert_uint_gt(checked - faults, 100);
}
END_TEST

START_TEST(bench_tlb_hit)
{
	struct timespec t0, t1;
	volatile uint32_t sink = 0;
	const unsigned n = 20 * 1000 * 1000;
	unsigned misses = 0;

	xl(0x5000, MMU_R);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (unsigned i = 0; i < n; i++) {
		uint8_t *p = mmu_fast(&m, 0x5000 + (i & 0xffc), MMU_R);
		if (p)
			sink += *p;
		else
			misses++;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double ns = ((t1.tv_sec - t0.tv_sec) * 1e9 + (t1.tv_nsec - t0.tv_nsec)) / n;
	ck_assert_uint_eq(misses, 0);
	fprintf(stderr, "mmu: TLB hit + load %.2f ns\n", ns);
	(void)sink;
}
END_TEST

static Suite *mmu_suite(void)
{
	Suite *s = suite_create("mmu");
	TCase *tc = tcase_create("mmu");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, no_paging_identity);
	tcase_add_test(tc, a20_wrap);
	tcase_add_test(tc, two_level_4k);
	tcase_add_test(tc, us_and_wp);
	tcase_add_test(tc, pse_4m);
	tcase_add_test(tc, pae_4k_2m);
	tcase_add_test(tc, pae_nx);
	tcase_add_test(tc, pdpte_invalid);
	tcase_add_test(tc, global_pages);
	tcase_add_test(tc, invlpg_one_page);
	tcase_add_test(tc, write_entry_needs_dirty_and_ram);
	tcase_add_test(tc, generation_flush);
	tcase_add_test(tc, hostile_tables);
	tcase_add_test(tc, differential_random);
	tcase_add_test(tc, bench_tlb_hit);
	tcase_set_timeout(tc, 30);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(mmu_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
