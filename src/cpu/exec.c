/* Translation units, the TU cache and the threaded back end's run loop.
 *
 * A TU is up to CPU_TU_MAX decoded instructions from one guest page.  TUs
 * live in a fixed pool (no allocation while the guest runs) and are found
 * through a hash keyed by the host address of their first byte and CS.D:
 * the host address identifies the guest physical page's current contents
 * (RAM, ROM or shadow RAM each have their own), so a lookup needs only the
 * execute TLB, never a page walk.  A second hash by guest physical page
 * finds the TUs to drop when the pmap reports a write to a code page
 * (self-modifying code or DMA).  When the pool runs out, everything is
 * flushed at a TU boundary.
 *
 * Chaining: a TU remembers the two TUs that last followed it (fall-through
 * and branch target); when the next EIP matches, the cache lookup and the
 * TLB lookup are skipped.  That is only sound while the linear -> physical
 * mapping and CS are unchanged, so links (and the jump cache by linear
 * EIP) are checked against the TLB epoch, which every mapping change bumps,
 * and the successor's generation, which freeing a TU bumps; a link or jump
 * cache entry from an older epoch still serves when the execute TLB maps
 * its EIP to the same host address.  Only TUs that end in a near branch
 * (direct, RET or indirect: CS unchanged) or by length link on; far
 * transfers and mode changes end TUs that do not.
 *
 * Hot 32-bit TUs also get native code (jit.c), which follows the same
 * links by itself through struct jit_link, falling back to this loop
 * whenever a link or the machine state says so. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cpu/cpu_int.h"
#include "cpu/jit.h"
#include "vclock.h"

#define TC_POOL 65536
#define TC_HASH 65536              /* power of two */
#define TC_PHASH 4096              /* power of two */
/* Timers and the exit flag are looked at least this often (instructions). */
#define CPU_TIMER_SLICE 4096
/* A cacheable 32-bit TU gets native code (jit.c) when it starts this many
 * times: cold code is not worth compiling. */
#define JIT_HOT 4

/* A direct link to the TU that followed last time, valid while the
 * successor's generation, the TLB epoch and the linear EIP still match
 * and the successor lies within CS's limit. */
struct cpu_tu_link {
	struct cpu_tu *tu;
	uint32_t gen;
	uint32_t lin;
	uint64_t epoch;
};

struct cpu_tu {
	uintptr_t host;            /* host address of the first byte; 0 = free */
	gpa_t gpa;                 /* guest physical address of the first byte */
	struct cpu_tu *hnext;      /* host-address hash chain */
	struct cpu_tu *pnext;      /* physical-page hash chain / free list */
	/* A TU whose single instruction runs onto a second page also depends
	 * on that page: its contents (SMC) and its mapping (checked on
	 * lookup).  host2 = 0 when the TU lies on one page. */
	uintptr_t host2;           /* host address of the second page */
	gpa_t gpa2;
	struct cpu_tu *pnext2;     /* second-page hash chain */
	uint32_t gen;              /* bumped whenever this slot is freed */
	uint16_t nbytes;
	uint8_t n;
	bool code32;
	bool chainable;            /* ended by a near branch or by length */
	uint32_t heat;             /* runs so far, until it is compiled */
	cpu_native native;         /* jit.c code, or NULL: run by tu_exec() */
	struct cpu_tu_link link[2]; /* [0] kept while valid, [1] replaced */
	struct cpu_insn insn[CPU_TU_MAX];
};

/* Linear EIP -> TU, valid while the TLB epoch and the TU's generation are
 * unchanged: a hit skips the soft-TLB and hash lookups, for returns and
 * indirect branches too. */
#define TC_JCACHE 16384            /* power of two */
struct cpu_jc_entry {
	uint32_t lin;
	uint32_t gen;
	uint64_t epoch;
	struct cpu_tu *tu;
};

struct cpu_tcache {
	struct cpu_jc_entry jc[TC_JCACHE];
	struct cpu_tu *hash[TC_HASH];
	struct cpu_tu *phash[TC_PHASH];
	struct cpu_tu *phash2[TC_PHASH];
	struct cpu_tu *free;
	struct cpu_jit *jit;       /* NULL: threaded back end only */
	struct jit_link njc[JIT_JCACHE]; /* native jump cache (jit.h) */
	/* Where each pool TU's native exits 0 and 1 chain to; apart from the
	 * TUs, so that chaining touches dense memory only. */
	struct jit_link nlink[TC_POOL][2];
	struct cpu_tu scratch;     /* uncached TUs (MMIO, page-crossing, limit) */
	struct cpu_tu pool[TC_POOL];
};

static unsigned tc_hash(uintptr_t host, bool code32)
{
	return (unsigned)((host ^ (host >> 14) ^ (code32 ? 0x9e37u : 0)) & (TC_HASH - 1));
}

static unsigned tc_phash(gpa_t gpa)
{
	return (unsigned)((gpa >> 12) & (TC_PHASH - 1));
}

/* Translated code went away (a TU freed, the pool or the native code
 * buffer flushed): links die with the TLB epoch, and native links, which
 * outlive the TLB epoch when the TLB still maps their TU, with the code
 * epoch. */
static void cpu_code_changed(struct cpu *c)
{
	c->tlb_epoch++;
	c->code_epoch++;
}

/* Drops every TU. */
static void tc_reset(struct cpu *c)
{
	struct cpu_tcache *tc = c->tc;
	unsigned k;

	cpu_code_changed(c);

	memset(tc->hash, 0, sizeof(tc->hash));
	memset(tc->phash, 0, sizeof(tc->phash));
	memset(tc->phash2, 0, sizeof(tc->phash2));
	tc->free = NULL;
	jit_reset(tc->jit);
	for (k = TC_POOL; k-- > 0;) {
		tc->pool[k].host = 0;
		tc->pool[k].native = NULL;
		tc->pool[k].gen++;
		tc->pool[k].pnext = tc->free;
		tc->free = &tc->pool[k];
	}
}

int cpu_tc_create(struct cpu *c)
{
	c->tc = calloc(1, sizeof(*c->tc));
	if (!c->tc)
		return -ENOMEM;
	c->tc->jit = jit_create(c->tc->njc);
	tc_reset(c);
	return 0;
}

void cpu_tc_destroy(struct cpu *c)
{
	jit_destroy(c->tc->jit);
	free(c->tc);
	c->tc = NULL;
}

void cpu_tc_flush(struct cpu *c)
{
	tc_reset(c);
	c->tu_abort = true;
}

/* Unlinks tu from both hashes and frees it. */
static void tu_free(struct cpu_tcache *tc, struct cpu_tu *tu)
{
	struct cpu_tu **pp;

	for (pp = &tc->hash[tc_hash(tu->host, tu->code32)]; *pp; pp = &(*pp)->hnext)
		if (*pp == tu) {
			*pp = tu->hnext;
			break;
		}
	for (pp = &tc->phash[tc_phash(tu->gpa)]; *pp; pp = &(*pp)->pnext)
		if (*pp == tu) {
			*pp = tu->pnext;
			break;
		}
	if (tu->host2)
		for (pp = &tc->phash2[tc_phash(tu->gpa2)]; *pp; pp = &(*pp)->pnext2)
			if (*pp == tu) {
				*pp = tu->pnext2;
				break;
			}
	tu->host = tu->host2 = 0;
	tu->native = NULL;
	tu->gen++;
	tu->pnext = tc->free;
	tc->free = tu;
}

/* Frees the TUs on chain head (page-hash chain `second` ? pnext2 : pnext)
 * that lie on page and overlap [gpa, end); *left tells whether others on
 * the page remain, *hit whether any went.  On its second page a TU's bytes
 * are its first 14 at most. */
static void drop_overlapping(struct cpu *c, struct cpu_tu *tu, bool second, gpa_t page, gpa_t gpa,
			     gpa_t end, bool *left, bool *hit)
{
	struct cpu_tu *next;

	for (; tu; tu = next) {
		gpa_t start = second ? tu->gpa2 : tu->gpa;
		unsigned len = second ? 14 : tu->nbytes;

		next = second ? tu->pnext2 : tu->pnext;
		if ((start >> 12) != page)
			continue;
		if (start >= end || start + len <= gpa) {
			*left = true;
			continue;
		}
		if (tu == c->tu_cur)
			c->tu_abort = true;
		tu_free(c->tc, tu);
		cpu_code_changed(c);
		*hit = true;
	}
}

/* pmap hook: something writes [gpa, gpa+len) of a page holding code.
 * Only TUs whose bytes overlap the write are dropped, so data sharing a
 * page with code (BIOS variables, stacks next to code) costs a slow-path
 * write, not a retranslation; the page stops being code when its last TU
 * goes. */
static void cpu_code_write(void *opaque, gpa_t gpa, size_t len)
{
	struct cpu *c = opaque;
	struct cpu_tcache *tc = c->tc;
	gpa_t end = gpa + (len ? len : 1), page, last = (end - 1) >> 12;

	for (page = gpa >> 12; page <= last; page++) {
		bool left = false, hit = false;

		drop_overlapping(c, tc->phash[tc_phash(page << 12)], false, page, gpa, end, &left, &hit);
		drop_overlapping(c, tc->phash2[tc_phash(page << 12)], true, page, gpa, end, &left, &hit);
		if (!left)
			pmap_clear_code(c->env.pm, page << 12);
		if (hit)
			c->stats.smc_invalidations++;
	}
}

void cpu_tc_attach(struct cpu *c)
{
	pmap_set_code_hook(c->env.pm, cpu_code_write, c);
}

void cpu_tlb_changed(struct cpu *c)
{
	c->tlb_epoch++;
}

/* Fetches up to 15 code bytes at CS:eip the slow way (a page-crossing
 * instruction or code outside host-backed memory).  Faults (#PF on either
 * page) are raised only for bytes the instruction might need; the caller
 * passes how many it wants. */
static unsigned fetch_slow(struct cpu *c, uint32_t eip, uint8_t *buf, unsigned want)
{
	unsigned k;

	for (k = 0; k < want; k++) {
		uint32_t lin = c->seg[CPU_CS].base + eip + k;
		struct mmu_xlate x;
		uint32_t err;

		if (eip + k > c->seg[CPU_CS].limit || (!c->code32 && eip + k > 0xffff))
			break;
		if (mmu_translate(&c->mmu, lin, MMU_X | c->mmu_user, &x, &err)) {
			if (k == 0) {
				c->cr2 = lin;
				cpu_raise(c, CPU_PF_VEC, err);
			}
			break;
		}
		buf[k] = (uint8_t)pmap_read(c->env.pm, x.gpa, 1);
	}
	return k;
}

/* Decodes into tu from guest memory at CS:c->eip.  host/gpa: where the
 * first byte lives (host NULL: not host-backed, decode via fetch_slow). */
static void tu_build(struct cpu *c, struct cpu_tu *tu, const uint8_t *host, bool cacheable)
{
	uint32_t eip = c->eip, limit = c->seg[CPU_CS].limit;
	unsigned off = (c->seg[CPU_CS].base + eip) & 0xfff;
	unsigned pos = 0;

	tu->n = 0;
	tu->host2 = 0;
	tu->code32 = c->code32;
	tu->chainable = false;
	tu->heat = 0;
	tu->native = NULL;
	tu->link[0].tu = tu->link[1].tu = NULL;
	while (tu->n < CPU_TU_MAX) {
		struct cpu_insn *i = &tu->insn[tu->n];
		uint32_t room = limit - (eip + pos) + 1;   /* bytes left in CS */
		unsigned avail = 4096 - (off + pos);
		int r = -1;

		if (eip + pos > limit || (!c->code32 && eip + pos > 0xffff))
			break;
		if (room && room < avail)
			avail = room;
		if (host && off + pos < 4096)
			r = cpu_decode(host + pos, avail, c->code32, i);
		if (r < 0) {
			uint8_t buf[15];
			unsigned got;

			/* Crosses the page (or CS limit): only as a TU's first
			 * instruction, decoded from a private copy. */
			if (tu->n > 0 && host)
				break;
			got = fetch_slow(c, eip + pos, buf, 15);
			tu->host2 = 1;          /* tu_lookup fills in the second page */
			if (cpu_decode(buf, got, c->code32, i) < 0) {
				/* Needs bytes beyond the limit or a faulting page. */
				if (eip + pos + got > limit)
					cpu_raise(c, CPU_GP, 0);
				c->cr2 = c->seg[CPU_CS].base + eip + pos + got;
				fetch_slow(c, eip + pos + got, buf, 1);
				cpu_raise(c, CPU_GP, 0);
			}
			if (!host || off + pos + i->len <= 4096)
				cacheable = false;  /* MMIO code, or stopped by the CS limit */
		}
		pos += i->len;
		tu->n++;
		if (i->flags & CPU_OPF_END) {
			tu->chainable = (i->flags & CPU_OPF_JUMP) != 0;
			break;
		}
		if (!host || off + pos >= 4096) {
			tu->chainable = true;
			break;
		}
	}
	if (tu->n == CPU_TU_MAX && !(tu->insn[tu->n - 1].flags & CPU_OPF_END))
		tu->chainable = true;
	if (tu->n == 0)
		cpu_raise(c, CPU_GP, 0);        /* EIP beyond the CS limit */
	tu->nbytes = (uint16_t)pos;
	if (!cacheable)
		tu->host = tu->host2 = 0;
}

/* Marks a page as holding code: writes to it now take the slow path. */
static void mark_code(struct cpu *c, gpa_t gpa)
{
	if (!pmap_is_code(c->env.pm, gpa)) {
		pmap_set_code(c->env.pm, gpa);
		mmu_flush_writes(&c->mmu);
	}
}

/* Does the page after lin's still map where tu's instruction continued? */
static bool second_page_same(struct cpu *c, uint32_t lin, const struct cpu_tu *tu)
{
	uint32_t lin2 = (lin & ~0xfffu) + 0x1000, err;
	uint8_t *p = mmu_fast(&c->mmu, lin2, MMU_X | c->mmu_user);
	struct mmu_xlate x;

	if (!p) {
		if (mmu_translate(&c->mmu, lin2, MMU_X | c->mmu_user, &x, &err) || !x.host)
			return false;
		p = x.host;
	}
	return (uintptr_t)p == tu->host2;
}

/* The cached TU for host address host and the current CS.D, or NULL.
 * *stale is set when there is one that cannot serve at lin now (it runs
 * past the CS limit, or onto a second page mapped elsewhere). */
static struct cpu_tu *tc_find(struct cpu *c, uint8_t *host, uint32_t lin, bool *stale)
{
	struct cpu_tu *tu;

	for (tu = c->tc->hash[tc_hash((uintptr_t)host, c->code32)]; tu; tu = tu->hnext)
		if (tu->host == (uintptr_t)host && tu->code32 == c->code32) {
			if (c->eip + tu->nbytes - 1u > c->seg[CPU_CS].limit ||
			    (tu->host2 && !second_page_same(c, lin, tu))) {
				*stale = true;
				return NULL;
			}
			c->stats.tu_hits++;
			return tu;
		}
	return NULL;
}

/* Finds or translates the TU at CS:EIP. */
static struct cpu_tu *tu_lookup(struct cpu *c)
{
	struct cpu_tcache *tc = c->tc;
	uint32_t lin = c->seg[CPU_CS].base + c->eip;
	uint8_t *host = mmu_fast(&c->mmu, lin, MMU_X | c->mmu_user);
	struct mmu_xlate x;
	struct cpu_tu *tu;
	bool stale = false;
	uint32_t err;

	c->stats.tu_lookups++;
	if (c->eip > c->seg[CPU_CS].limit)
		cpu_raise(c, CPU_GP, 0);
	if (host && (tu = tc_find(c, host, lin, &stale)))
		return tu;
	if (mmu_translate(&c->mmu, lin, MMU_X | c->mmu_user, &x, &err)) {
		c->cr2 = lin;
		cpu_raise(c, CPU_PF_VEC, err);
	}
	/* A soft-TLB miss (every CR3 load makes them) must still find the
	 * TUs already made for the page: the walk gives the same host. */
	if (!host && x.host && (tu = tc_find(c, x.host, lin, &stale)))
		return tu;
	c->stats.tus_translated++;
	if (!x.host || stale) {
		tu_build(c, &tc->scratch, x.host, false);
		return &tc->scratch;
	}
	if (!tc->free) {
		tc_reset(c);
		c->tu_abort = false;
	}
	tu = tc->free;
	tc->free = tu->pnext;
	tu->host = (uintptr_t)x.host;
	tu->gpa = x.gpa;
	tu_build(c, tu, x.host, true);
	if (tu->host && tu->host2) {
		struct mmu_xlate x2;
		uint32_t lin2 = (lin & ~0xfffu) + 0x1000;

		if (mmu_translate(&c->mmu, lin2, MMU_X | c->mmu_user, &x2, &err) || !x2.host) {
			tu->host = 0;
		} else {
			tu->host2 = (uintptr_t)x2.host;
			tu->gpa2 = x2.gpa;
		}
	}
	if (!tu->host) {                /* decoded but not cacheable */
		tc->scratch = *tu;
		tu->gen++;
		tu->pnext = tc->free;
		tc->free = tu;
		return &tc->scratch;
	}
	tu->hnext = tc->hash[tc_hash(tu->host, tu->code32)];
	tc->hash[tc_hash(tu->host, tu->code32)] = tu;
	tu->pnext = tc->phash[tc_phash(tu->gpa)];
	tc->phash[tc_phash(tu->gpa)] = tu;
	mark_code(c, tu->gpa);
	if (tu->host2) {
		tu->pnext2 = tc->phash2[tc_phash(tu->gpa2)];
		tc->phash2[tc_phash(tu->gpa2)] = tu;
		mark_code(c, tu->gpa2);
	}
	return tu;
}

/* One line per instruction before it runs (HOSTVM_CPU_TRACE): for
 * comparing executions with another emulator's log. */
static void trace_insn(struct cpu *c)
{
	fprintf(c->trace, "%04x:%08x EAX=%08x EBX=%08x ECX=%08x EDX=%08x ESI=%08x EDI=%08x "
		"EBP=%08x ESP=%08x EFL=%08x\n", c->seg[CPU_CS].sel, c->eip, c->gpr[CPU_EAX],
		c->gpr[CPU_EBX], c->gpr[CPU_ECX], c->gpr[CPU_EDX], c->gpr[CPU_ESI], c->gpr[CPU_EDI],
		c->gpr[CPU_EBP], c->gpr[CPU_ESP], cpu_flags(c));
}

/* Runs tu's instructions; returns how many completed. */
static unsigned tu_exec(struct cpu *c, struct cpu_tu *tu, unsigned max)
{
	const struct cpu_insn *i = tu->insn, *end = i + max;

	c->tu_cur = tu;
	c->tu_abort = false;
	for (; i < end; i++) {
		c->next_eip = c->eip + i->len;
		i->fn(c, i);
		c->eip = c->next_eip;
		if (c->tu_abort) {
			i++;
			break;
		}
	}
	c->tu_cur = NULL;
	return (unsigned)(i - tu->insn);
}

/* The code buffer is full: every TU goes back to the threaded back end
 * until it is hot again.  Only between TUs, with no native code running. */
static void jit_flush(struct cpu *c)
{
	unsigned k;

	for (k = 0; k < TC_POOL; k++)
		c->tc->pool[k].native = NULL;
	jit_reset(c->tc->jit);
	cpu_code_changed(c);
}

/* Compiles tu once it is hot (cached 32-bit code). */
static void tu_heat(struct cpu *c, struct cpu_tu *tu)
{
	struct cpu_tcache *tc = c->tc;
	struct jit_link *links = tu->chainable ? tc->nlink[tu - tc->pool] : NULL;

	if (!tc->jit || c->trace || !tu->host || !tu->code32 || ++tu->heat < JIT_HOT)
		return;
	if (links)
		memset(links, 0, sizeof(tc->nlink[0]));
	tu->native = jit_compile(tc->jit, tu->insn, tu->n, links, c->pm_gen);
	if (!tu->native) {
		jit_flush(c);
		tu->native = jit_compile(tc->jit, tu->insn, tu->n, links, c->pm_gen);
	}
}

/* Points native link l (at key: EIP, or lin in the jump cache) to tu. */
static void jit_link_set(struct cpu *c, struct jit_link *l, struct cpu_tu *tu, uint32_t key)
{
	l->epoch = c->tlb_epoch;
	l->eip = key;
	l->tu = tu;
	l->code = (uint8_t *)(uintptr_t)tu->native + JIT_PROLOGUE;
	l->code_epoch = c->code_epoch;
	l->host = tu->host2 ? 0 : tu->host;
}

/* Runs tu's native code, which may chain on through other TUs; returns
 * the TU that ran last. */
static struct cpu_tu *tu_run_native(struct cpu *c, struct cpu_tu *tu, uint64_t stop)
{
	c->jit_budget = (int32_t)(stop - c->stats.insns);
	c->jit_exit = JIT_EXIT_NONE;
	c->jit_called = false;
	c->tu_cur = tu;
	c->tu_abort = false;
	c->stats.insns += tu->native(c);
	tu = c->tu_cur;
	c->tu_cur = NULL;
	return tu;
}

/* Sleeps until a kick or the next timer deadline (HLT). */
static void cpu_halt_wait(struct cpu *c)
{
	uint64_t now = vclock_ns(c->env.clock), dl = vclock_next_deadline(c->env.clock);
	struct timespec ts;

	pthread_mutex_lock(&c->lock);
	if (!atomic_load(&c->kicked)) {
		if (dl == VCLOCK_NEVER) {
			pthread_cond_wait(&c->wake, &c->lock);
		} else if (dl > now) {
			uint64_t ns;

			clock_gettime(CLOCK_REALTIME, &ts);
			ns = (uint64_t)ts.tv_nsec + (dl - now);
			ts.tv_sec += (time_t)(ns / 1000000000u);
			ts.tv_nsec = (long)(ns % 1000000000u);
			pthread_cond_timedwait(&c->wake, &c->lock, &ts);
		}
	}
	atomic_store(&c->kicked, false);
	pthread_mutex_unlock(&c->lock);
}

_Noreturn void cpu_raise(struct cpu *c, unsigned vec, uint32_t err)
{
	c->exc_vec = vec;
	c->exc_err = err;
	siglongjmp(c->exc_jmp, 1);
}

static bool exc_has_err(unsigned vec)
{
	return vec == CPU_DF_VEC || (vec >= CPU_TS && vec <= CPU_PF_VEC) || vec == CPU_AC_VEC;
}

static bool exc_contributory(unsigned vec)
{
	return vec == CPU_DE || (vec >= CPU_TS && vec <= CPU_GP);
}

/* A fault was raised (c->exc_vec/exc_err): deliver it, applying the
 * double-fault rules when it happened while delivering another. */
static void cpu_fault(struct cpu *c)
{
	unsigned vec = c->exc_vec;
	uint32_t err = c->exc_err;

	c->tu_cur = NULL;
	c->stats.exceptions++;
	if (c->delivering >= 0) {
		unsigned prev = (unsigned)c->delivering;

		if (prev == CPU_DF_VEC) {
			c->shutdown = true;
			return;
		}
		if ((exc_contributory(prev) && exc_contributory(vec)) ||
		    (prev == CPU_PF_VEC && (vec == CPU_PF_VEC || exc_contributory(vec)))) {
			vec = CPU_DF_VEC;
			err = 0;
		}
	}
	c->delivering = (int)vec;
	cpu_interrupt(c, vec, CPU_INT_EXC, exc_has_err(vec), err);
	c->delivering = -1;
}

/* Takes a pending NMI or maskable interrupt. */
static void cpu_take_interrupt(struct cpu *c)
{
	if (c->nmi_pending && !c->nmi_blocked) {
		c->nmi_pending = false;
		c->nmi_blocked = true;
		c->halted = false;
		c->stats.interrupts++;
		cpu_interrupt(c, CPU_NMI, CPU_INT_NMI, false, 0);
	} else if (c->irq && (c->eflags & CPU_IF) && c->env.intack) {
		int vec = c->env.intack(c->env.intack_opaque);

		c->halted = false;
		if (vec < 0)
			return;             /* withdrawn (spurious): nothing to do */
		c->stats.interrupts++;
		cpu_interrupt(c, (unsigned)vec & 0xff, CPU_INT_EXT, false, 0);
	}
}

/* Is tu still what linear lin runs although the TLB epoch moved on (a CR3
 * load, INVLPG)?  It is when the execute TLB maps lin to tu's first byte,
 * which is what tu_lookup() would search the cache with (a TU running
 * onto a second page would need that page checked too). */
static bool tu_still_mapped(struct cpu *c, uint32_t lin, const struct cpu_tu *tu)
{
	return !tu->host2 && mmu_fast(&c->mmu, lin, MMU_X | c->mmu_user) == (uint8_t *)tu->host;
}

/* The linked successor of prev for CS:EIP. */
static struct cpu_tu *chain_next(struct cpu *c, struct cpu_tu *prev)
{
	uint32_t lin = c->seg[CPU_CS].base + c->eip;
	unsigned k;

	for (k = 0; k < 2; k++) {
		struct cpu_tu_link *l = &prev->link[k];

		if (l->tu && l->lin == lin && l->gen == l->tu->gen && l->tu->code32 == c->code32 &&
		    c->eip + l->tu->nbytes - 1u <= c->seg[CPU_CS].limit &&
		    (l->epoch == c->tlb_epoch || tu_still_mapped(c, lin, l->tu))) {
			l->epoch = c->tlb_epoch;
			c->stats.tu_lookups++;
			c->stats.tu_hits++;
			return l->tu;
		}
	}
	return NULL;
}

static void chain_add(struct cpu *c, struct cpu_tu *prev, struct cpu_tu *tu)
{
	struct cpu_tu_link *l;

	if (!tu->host)
		return;
	l = &prev->link[prev->link[0].tu && prev->link[0].gen == prev->link[0].tu->gen &&
			prev->link[0].epoch == c->tlb_epoch];
	l->tu = tu;
	l->gen = tu->gen;
	l->lin = c->seg[CPU_CS].base + c->eip;
	l->epoch = c->tlb_epoch;
}

/* The TU at CS:EIP: from the jump cache when it is still valid, else
 * through tu_lookup() (which fills the cache for cacheable TUs). */
static struct cpu_tu *tu_find(struct cpu *c)
{
	uint32_t lin = c->seg[CPU_CS].base + c->eip;
	struct cpu_jc_entry *e = &c->tc->jc[(lin ^ (lin >> 12)) & (TC_JCACHE - 1)];
	struct cpu_tu *tu = e->tu;

	if (tu && e->lin == lin && e->gen == tu->gen && tu->code32 == c->code32 &&
	    c->eip + tu->nbytes - 1u <= c->seg[CPU_CS].limit && c->eip <= c->seg[CPU_CS].limit &&
	    (e->epoch == c->tlb_epoch || tu_still_mapped(c, lin, tu))) {
		e->epoch = c->tlb_epoch;
		c->stats.tu_lookups++;
		c->stats.tu_hits++;
		return tu;
	}
	tu = tu_lookup(c);
	if (tu->host) {
		e->lin = lin;
		e->gen = tu->gen;
		e->epoch = c->tlb_epoch;
		e->tu = tu;
	}
	return tu;
}

/* Runs TUs until the timer slice is used up or something needs the outer
 * loop's attention (interrupt line, exit request, halt, mode change). */
static void cpu_run_slice(struct cpu *c)
{
	uint64_t stop = c->stats.insns + CPU_TIMER_SLICE, gen = *c->pm_gen;
	struct cpu_tu *prev = NULL;
	uint32_t prev_gen = 0;
	unsigned prev_exit = JIT_EXIT_NONE;    /* prev's native exit, if it took one */

	/* A test's instruction budget ends the slice early, at a TU boundary. */
	if (c->insn_limit && c->insn_limit < stop)
		stop = c->insn_limit;
	while (c->stats.insns < stop) {
		uint64_t epoch = c->tlb_epoch;
		bool shadow = c->shadow;
		struct cpu_tu *tu, *link_from;

		/* prev may have been freed (SMC, a full pool) since it ran. */
		if (prev && prev->gen != prev_gen)
			prev = NULL;
		tu = prev ? chain_next(c, prev) : NULL;

		if (!tu) {
			tu = tu_find(c);
			if (prev)
				chain_add(c, prev, tu);
		}
		link_from = prev_exit != JIT_EXIT_NONE ? prev : NULL;
		prev = tu->chainable && tu->host ? tu : NULL;
		prev_gen = tu->gen;
		c->shadow = false;
		if (c->trace) {
			trace_insn(c);
			if (!c->trace_tu) {
				c->stats.insns += tu_exec(c, tu, 1);
				return;
			}
		}
		if (c->eflags & CPU_TF) {
			/* Single-step: one instruction, then the #DB trap. */
			c->stats.insns += tu_exec(c, tu, 1);
			c->dr[6] |= 0x4000u;
			cpu_interrupt(c, CPU_DB, CPU_INT_EXC, false, 0);
			return;
		}
		if (!tu->native)
			tu_heat(c, tu);
		if (tu->native) {
			uint32_t lin = c->seg[CPU_CS].base + c->eip;

			if (link_from)
				jit_link_set(c, &c->tc->nlink[link_from - c->tc->pool][prev_exit], tu,
					     c->eip);
			jit_link_set(c, &c->tc->njc[(lin ^ (lin >> 12)) & (JIT_JCACHE - 1)], tu, lin);
		}
		if (tu->native) {
			tu = tu_run_native(c, tu, stop);
			prev_exit = c->jit_exit;
			prev = tu->chainable && !c->tu_abort ? tu : NULL;
			prev_gen = tu->gen;
		} else {
			c->stats.insns += tu_exec(c, tu, tu->n);
			prev_exit = JIT_EXIT_NONE;
		}
		if (!tu->host || c->halted || (c->irq && (c->eflags & CPU_IF)) || c->nmi_pending ||
		    shadow || c->shadow || atomic_load(&c->exit_req) || c->shutdown ||
		    epoch != c->tlb_epoch)
			return;
		/* A device access may have changed the memory map (PAM, BARs):
		 * the soft TLB must not outlive it by even one TU. */
		if (*c->pm_gen != gen)
			return;
	}
}

enum cpu_exit cpu_run(struct cpu *c)
{
	cpu_decode_init();
	if (sigsetjmp(c->exc_jmp, 0))
		cpu_fault(c);
	for (;;) {
		if (c->shutdown) {
			c->shutdown = false;
			c->delivering = -1;
			return CPU_EXIT_SHUTDOWN;
		}
		if (atomic_exchange(&c->exit_req, false))
			return CPU_EXIT_REQUEST;
		if (c->insn_limit && c->stats.insns >= c->insn_limit)
			return CPU_EXIT_REQUEST;
		vclock_run_timers(c->env.clock);
		if (c->env.poll)
			c->env.poll(c->env.poll_opaque);
		if (*c->pm_gen != c->mmu.gen) {
			mmu_sync(&c->mmu);
			cpu_tlb_changed(c);
		}
		if (!c->shadow)
			cpu_take_interrupt(c);
		if (c->halted) {
			if (c->stop_on_hlt && !(c->eflags & CPU_IF))
				return CPU_EXIT_REQUEST;
			cpu_halt_wait(c);
			continue;
		}
		cpu_run_slice(c);
	}
}
