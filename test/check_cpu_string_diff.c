/* Differential test of the string instructions against the host CPU:
 * MOVS/CMPS/STOS/LODS/SCAS in byte, word and dword forms, without a prefix,
 * with REP/REPE and with REPNE, DF=0 and DF=1, random counts (some beyond
 * one REP batch), random and overlapping source/destination offsets in a
 * 12 KiB region (so runs cross pages and mix the fast and slow paths),
 * random data drawn from few values (so REPE/REPNE stop at varied points).
 * The same instruction runs natively (x86-64, 64-bit addressing, which is
 * equivalent while nothing wraps) on a host copy of the region and in the
 * translator (32-bit flat mode) on guest RAM; memory, ESI/EDI/ECX deltas,
 * EAX and the six arithmetic flags must agree. */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <string.h>

#include "check_cpu_flow_env.h"
#include "check_run.h"

#if defined(__x86_64__)

#define REGION 12288u
#define GBASE 0x100000u
#define CASES 4000

struct hstate {
	uint64_t si, di, cx, ax, fl;
};

typedef void (*host_fn)(struct hstate *s);

/* One native execution of the bytes in insn, with the given flags (popfq
 * below the red zone), DF cleared again afterwards as the ABI wants. */
#define HOST_FN(name, insn)                                                        \
	static void name(struct hstate *s)                                         \
	{                                                                          \
		uint64_t si = s->si, di = s->di, cx = s->cx, ax = s->ax, fl = s->fl; \
		__asm__ volatile("lea -128(%%rsp), %%rsp\n\t"                      \
				 "push %[fl]\n\t"                                  \
				 "popfq\n\t"                                       \
				 insn "\n\t"                                       \
				 "pushfq\n\t"                                      \
				 "pop %[fl]\n\t"                                   \
				 "cld\n\t"                                         \
				 "lea 128(%%rsp), %%rsp"                           \
				 : [fl] "+r"(fl), "+S"(si), "+D"(di), "+c"(cx), "+a"(ax) \
				 :                                                 \
				 : "memory", "cc");                                \
		s->si = si, s->di = di, s->cx = cx, s->ax = ax, s->fl = fl;         \
	}
#define HOST3(name, b)                                                             \
	HOST_FN(name##_n, ".byte " b)                                              \
	HOST_FN(name##_e, ".byte 0xf3, " b)                                        \
	HOST_FN(name##_ne, ".byte 0xf2, " b)
#define HOSTOP(name, ob, od)                                                       \
	HOST3(name##_1, ob)                                                        \
	HOST3(name##_2, "0x66, " od)                                               \
	HOST3(name##_4, od)

HOSTOP(movs, "0xa4", "0xa5")
HOSTOP(cmps, "0xa6", "0xa7")
HOSTOP(stos, "0xaa", "0xab")
HOSTOP(lods, "0xac", "0xad")
HOSTOP(scas, "0xae", "0xaf")

#define ROW(name) \
	{ { name##_1_n, name##_1_e, name##_1_ne }, { name##_2_n, name##_2_e, name##_2_ne }, \
	  { name##_4_n, name##_4_e, name##_4_ne } }
static const host_fn host_fns[5][3][3] = { ROW(movs), ROW(cmps), ROW(stos), ROW(lods), ROW(scas) };
static const uint8_t opcode[5] = { 0xa4, 0xa6, 0xaa, 0xac, 0xae };
static const char *const opname[5] = { "movs", "cmps", "stos", "lods", "scas" };
static const uint8_t prefix[3] = { 0, 0xf3, 0xf2 };

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint32_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng >> 16);
}

static uint8_t host[REGION] __attribute__((aligned(4096)));
static uint8_t guest[REGION];

/* Few distinct values, so equal elements are common. */
static uint8_t rnd_byte(void)
{
	static const uint8_t pool[5] = { 0x00, 0x01, 0x7f, 0x80, 0xff };

	return (rnd() & 3) ? pool[rnd() % 5] : (uint8_t)rnd();
}

START_TEST(string_ops_match_host)
{
	unsigned n;

	for (n = 0; n < CASES; n++) {
		unsigned op = rnd() % 5, sz = rnd() % 3, rep = rnd() % 3, size = 1u << sz;
		bool df = rnd() & 1;
		uint32_t count, span, soff, doff, k, arith, gfl;
		struct hstate h;
		uint8_t code[4];
		unsigned len = 0;
		char what[96];

		/* count: mostly small, sometimes beyond one 4096-iteration batch */
		count = (rnd() % 8 == 0) ? 4000 + rnd() % 1000 : rnd() % 300;
		if (count * size > REGION / 2)
			count = REGION / 2 / size;
		span = count ? count * size : size;
		if (!rep)
			span = size;
		soff = rnd() % (REGION - span + 1);
		doff = (rnd() % 3 == 0 && op == 0)
			       ? soff + (rnd() % 16) - 8     /* overlapping MOVS */
			       : rnd() % (REGION - span + 1);
		if ((int32_t)doff < 0 || doff > REGION - span)
			doff = soff;
		if (df) {   /* the run ends at the offset and grows downwards */
			soff += span - size;
			doff += span - size;
		}
		for (k = 0; k < REGION; k++)
			host[k] = rnd_byte();
		if (op == 1 && rnd() % 2) {   /* CMPS: long equal prefixes */
			uint32_t lo_s = df ? soff + size - span : soff;
			uint32_t lo_d = df ? doff + size - span : doff;

			memmove(host + lo_d, host + lo_s, span);
			host[(lo_d + rnd() % span) % REGION] ^= (uint8_t)(1 + rnd() % 255);
		}
		memcpy(guest, host, REGION);
		arith = rnd() & CPU_ARITH;

		h.si = (uint64_t)(uintptr_t)host + soff;
		h.di = (uint64_t)(uintptr_t)host + doff;
		h.cx = count;
		h.ax = rnd();
		if (op == 4 && rnd() % 2)
			h.ax = rnd_byte() * 0x01010101u;
		h.fl = 0x202 | arith | (df ? CPU_DF : 0);

		fe_flat();
		fe_load(GBASE, guest, REGION);
		if (rep)
			code[len++] = prefix[rep];
		if (sz == 1)
			code[len++] = 0x66;
		code[len++] = (uint8_t)(opcode[op] + (sz ? 1 : 0));
		code[len++] = 0xf4;
		fe_load(FE_CODE, code, len);
		fe_c->gpr[CPU_ESI] = GBASE + soff;
		fe_c->gpr[CPU_EDI] = GBASE + doff;
		fe_c->gpr[CPU_ECX] = count;
		fe_c->gpr[CPU_EAX] = (uint32_t)h.ax;
		cpu_set_flags(fe_c, arith | (df ? CPU_DF : 0), CPU_ARITH | CPU_DF);

		host_fns[op][sz][rep](&h);
		ck_assert_int_eq(fe_run(100000), CPU_EXIT_REQUEST);

		snprintf(what, sizeof(what), "case %u: %s%s size %u df %d count %u soff %u doff %u", n,
			 rep ? (rep == 1 ? "rep/repe " : "repne ") : "", opname[op], size, df, count,
			 soff, doff);
		ck_assert_msg(fe_c->eip == FE_CODE + len, "%s: eip %#x", what, fe_c->eip);
		pmap_read_buf(fe_t.pm, GBASE, guest, REGION);
		ck_assert_msg(memcmp(guest, host, REGION) == 0, "%s: memory differs", what);
		ck_assert_msg(fe_c->gpr[CPU_ESI] - GBASE == (uint32_t)(h.si - (uintptr_t)host),
			      "%s: esi %#x vs %#x", what, fe_c->gpr[CPU_ESI] - GBASE,
			      (uint32_t)(h.si - (uintptr_t)host));
		ck_assert_msg(fe_c->gpr[CPU_EDI] - GBASE == (uint32_t)(h.di - (uintptr_t)host),
			      "%s: edi %#x vs %#x", what, fe_c->gpr[CPU_EDI] - GBASE,
			      (uint32_t)(h.di - (uintptr_t)host));
		ck_assert_msg(fe_c->gpr[CPU_ECX] == (uint32_t)h.cx, "%s: ecx %u vs %u", what,
			      fe_c->gpr[CPU_ECX], (uint32_t)h.cx);
		ck_assert_msg(fe_c->gpr[CPU_EAX] == (uint32_t)h.ax, "%s: eax %#x vs %#x", what,
			      fe_c->gpr[CPU_EAX], (uint32_t)h.ax);
		gfl = cpu_flags(fe_c);
		ck_assert_msg((gfl & CPU_ARITH) == (h.fl & CPU_ARITH), "%s: flags %#x vs %#x", what,
			      gfl & CPU_ARITH, (uint32_t)h.fl & CPU_ARITH);
		ck_assert_msg(!!(gfl & CPU_DF) == df, "%s: DF changed", what);
	}
}
END_TEST

#endif

static Suite *diff_suite(void)
{
	Suite *s = suite_create("cpu_string_diff");
	TCase *tc = tcase_create("host");

	tcase_add_checked_fixture(tc, fe_setup, fe_teardown);
	tcase_set_timeout(tc, 120);
#if defined(__x86_64__)
	tcase_add_test(tc, string_ops_match_host);
#endif
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
#if !defined(__x86_64__)
	return 77;      /* the host is the reference: x86-64 only */
#endif
	return check_run(diff_suite());
}
