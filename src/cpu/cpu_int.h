/* The CPU core's internal contract: the state every instruction group works
 * on, the decoded instruction (IR) its handlers receive, and the services
 * (memory access, exceptions, flags, segments) they call.
 *
 * Execution model (the threaded back end, DESIGN.md section 3):
 *  - The decoder turns guest bytes into one struct cpu_insn per instruction;
 *    up to CPU_TU_MAX of them form a translation unit (TU).
 *  - To execute an instruction the back end sets c->eip to the instruction's
 *    address and c->next_eip to the address after it, then calls
 *    insn->fn(c, insn).  A handler that transfers control writes the target
 *    to c->next_eip (relative branches: c->next_eip + rel, masked to 16 bits
 *    when the operand size is 16).  After the handler returns the back end
 *    commits c->eip = c->next_eip.
 *  - Exceptions are precise: a handler raises one with cpu_raise(), which
 *    does not return (siglongjmp to the run loop) and leaves c->eip at the
 *    faulting instruction.  So a handler must do every access that can
 *    fault (memory reads, writability checks, segment checks) BEFORE it
 *    changes any architectural state (registers, flags, ESP, memory).
 *    For read-modify-write use cpu_rmw_*() (checks writability on the read)
 *    and multi-push sequences compute the new ESP locally and commit it last.
 *  - Handlers for instructions that change how later code decodes or runs
 *    (CS, CR0, CR4, EFER, mode switches, IRET, POPF, STI, MOV SS, HLT,
 *    INT, far control transfers) are registered with CPU_OPF_END so the TU
 *    ends after them.
 *
 * Registering an instruction: add a line to the group's .def file
 * (src/cpu/<group>.def) as
 *     CPU_OP(map, opcode, reg, handler, flags)
 * map 0 = one-byte opcodes, 1 = 0F xx; reg 0..7 selects a ModRM.reg
 * sub-opcode of a group opcode (80-83, C0/C1, D0-D3, F6/F7, FE/FF, 0F00,
 * 0F01, 0FBA, 0FC7, ...) or CPU_ANY.  The operand format (ModRM, immediate
 * sizes) is architectural and lives in the decoder, not in the .def files.
 * An opcode with no handler raises #UD. */
#ifndef HOSTVM_CPU_CPU_INT_H
#define HOSTVM_CPU_CPU_INT_H

#include <setjmp.h>
#include <stdio.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <pthread.h>

#include "cpu/cpu.h"
#include "cpu/x87.h"
#include "mem/mmu.h"
#include "mem/pmap.h"

#define CPU_TU_MAX 12

/* For the small helpers of instruction handlers that must not cost a call. */
#define CPU_INLINE static inline __attribute__((always_inline))

/* ---- Registers ------------------------------------------------------- */

/* Segment registers use the cpu.h numbering: CPU_ES, CPU_CS, CPU_SS,
 * CPU_DS, CPU_FS, CPU_GS; plus the system segments. */
#define CPU_LDTR 6
#define CPU_TR 7
#define CPU_SEG_NONE 0xff  /* cpu_insn.seg for instructions without memory operand */

/* Hidden descriptor cache.  attr holds descriptor bits 40-47 (type, S,
 * DPL, P) in bits 0-7 and bits 52-55 (AVL, L, D/B, G) in bits 12-15. */
struct cpu_segreg {
	uint16_t sel;
	uint32_t base;
	uint32_t limit;      /* byte granular, G already applied */
	uint16_t attr;
	/* Derived by cpu_seg_cache() from the above: valid offsets [lo, hi]
	 * (expand-down aware) and whether reads/writes are allowed at all. */
	uint32_t lo, hi;
	bool rd_ok, wr_ok;
	/* For native code: the offsets an access of 1, 2 or 4 bytes may start
	 * at, for reads [0] and writes [1] ([1, 0] when none may). */
	uint32_t jlo[2][3], jhi[2][3];
};

#define CPU_ATTR_TYPE 0x000fu
#define CPU_ATTR_S 0x0010u
#define CPU_ATTR_DPL_SHIFT 5
#define CPU_ATTR_P 0x0080u
#define CPU_ATTR_DB 0x4000u
#define CPU_ATTR_G 0x8000u

struct cpu_dtr {
	uint32_t base;
	uint16_t limit;
};

/* EFLAGS bits. */
#define CPU_CF 0x00000001u
#define CPU_PF 0x00000004u
#define CPU_AF 0x00000010u
#define CPU_ZF 0x00000040u
#define CPU_SF 0x00000080u
#define CPU_TF 0x00000100u
#define CPU_IF 0x00000200u
#define CPU_DF 0x00000400u
#define CPU_OF 0x00000800u
#define CPU_IOPL 0x00003000u
#define CPU_NT 0x00004000u
#define CPU_RF 0x00010000u
#define CPU_VM 0x00020000u
#define CPU_AC 0x00040000u
#define CPU_VIF 0x00080000u
#define CPU_VIP 0x00100000u
#define CPU_ID 0x00200000u
#define CPU_ARITH (CPU_CF | CPU_PF | CPU_AF | CPU_ZF | CPU_SF | CPU_OF)

/* CR0 / CR4 bits beyond those mmu.h names. */
#define CPU_CR0_PE 0x00000001u
#define CPU_CR0_MP 0x00000002u
#define CPU_CR0_EM 0x00000004u
#define CPU_CR0_TS 0x00000008u
#define CPU_CR0_ET 0x00000010u
#define CPU_CR0_NE 0x00000020u
#define CPU_CR0_AM 0x00040000u
#define CPU_CR0_NW 0x20000000u
#define CPU_CR0_CD 0x40000000u
#define CPU_CR4_VME 0x00000001u
#define CPU_CR4_PVI 0x00000002u
#define CPU_CR4_TSD 0x00000004u
#define CPU_CR4_DE 0x00000008u

/* Exception vectors. */
enum {
	CPU_DE = 0, CPU_DB = 1, CPU_NMI = 2, CPU_BP = 3, CPU_OF_VEC = 4, CPU_BR = 5,
	CPU_UD = 6, CPU_NM = 7, CPU_DF_VEC = 8, CPU_TS = 10, CPU_NP = 11, CPU_SS_VEC = 12,
	CPU_GP = 13, CPU_PF_VEC = 14, CPU_MF = 16, CPU_AC_VEC = 17
};

/* Lazy flags (flags.c): the last flag-setting operation, its operand size
 * in bytes and values; cpu_flags() materialises them.  op LF_NONE means
 * the arithmetic flags are in c->eflags already. */
enum cpu_lf_op {
	LF_NONE, LF_ADD, LF_ADC, LF_SUB, LF_SBB, LF_LOGIC, LF_INC, LF_DEC, LF_NEG,
	LF_SHL, LF_SHR, LF_SAR, LF_MUL, LF_IMUL
};
struct cpu_lazy {
	uint8_t op;       /* enum cpu_lf_op */
	uint8_t size;     /* 1, 2 or 4 */
	uint32_t res, s1, s2;
	uint32_t aux;     /* op-specific: carry-in for ADC/SBB, old CF for INC/DEC,
	                     shift count for shifts, high half for MUL/IMUL */
};

struct cpu_tu;

struct cpu {
	/* Hot state first. */
	uint32_t gpr[8];
	uint32_t eip;            /* current instruction */
	uint32_t next_eip;       /* see the execution model above */
	uint32_t eflags;         /* all bits; arithmetic ones stale unless lf.op == LF_NONE */
	struct cpu_lazy lf;
	struct cpu_segreg seg[8]; /* ES CS SS DS FS GS LDTR TR */
	struct mmu mmu;
	unsigned cpl;
	unsigned mmu_user;       /* MMU_USER when cpl == 3, else 0 */
	uint32_t tlb_user_off;   /* byte offset of mmu.tlb[mmu_user ? 1 : 0] */
	bool code32;             /* CS.D */
	bool stack32;            /* SS.B */
	bool halted;
	bool shadow;             /* interrupt shadow (after STI, MOV SS, POP SS) */

	struct cpu_dtr gdtr, idtr;
	uint32_t cr0, cr2, cr3, cr4;
	uint32_t dr[8];
	uint64_t efer;
	uint32_t sysenter_cs, sysenter_esp, sysenter_eip;
	uint64_t tsc_offset;     /* guest TSC = host-derived ticks + tsc_offset */
	uint64_t mtrr_def_type, mtrr_fixed[11], mtrr_var[16], pat;
	struct x87 fpu;

	/* Exceptions and interrupts. */
	sigjmp_buf exc_jmp;      /* set by the run loop; cpu_raise() jumps here */
	unsigned exc_vec;        /* the fault cpu_raise() recorded */
	uint32_t exc_err;
	int delivering;          /* vector being delivered (for #DF rules), or -1 */
	bool shutdown;           /* triple fault: cpu_run returns CPU_EXIT_SHUTDOWN */
	int irq;
	bool nmi_pending, nmi_blocked;
	bool a20;

	/* Translation state (exec.c). */
	struct cpu_tu *tu_cur;   /* TU being executed */
	bool tu_abort;           /* current TU invalidated: stop after this insn */
	/* Native code (jit.c) chains TU to TU by itself: it stops when this
	 * many instructions are done, updates tu_cur as it goes, and on
	 * returning from a TU's exit 0 or 1 stores the exit here. */
	int32_t jit_budget;
	uint8_t jit_exit;        /* JIT_EXIT_NONE when it returned otherwise */
	uint32_t jit_scratch;    /* native code keeps a value here across a call */
	bool jit_called;         /* a handler ran since native code last looked */
	uint64_t tlb_epoch;      /* bumped on every TLB flush the CPU causes */
	uint64_t code_epoch;     /* bumped whenever translated code goes away */

	struct cpu_env env;
	atomic_bool exit_req;
	atomic_bool kicked;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	struct cpu_stats stats;
	struct cpu_tcache *tc;   /* TU cache (exec.c) */
	const uint64_t *pm_gen;  /* pmap_generation_ptr(env.pm) */

	/* Test and benchmark support: cpu_run() returns CPU_EXIT_REQUEST
	 * after insn_limit instructions (0 = no limit) and, with stop_on_hlt,
	 * when the guest halts with interrupts disabled. */
	uint64_t insn_limit;
	bool stop_on_hlt;
	/* Debugging: when set (HOSTVM_CPU_TRACE=FILE at cpu_create), every
	 * instruction runs as its own TU and its state is logged first (with
	 * trace_tu, TUs run whole and each is logged at its start). */
	FILE *trace;
	bool trace_tu;           /* HOSTVM_CPU_TRACE_TU: log whole TUs instead */
};

/* ---- Decoded instructions -------------------------------------------- */

struct cpu_insn;
typedef void (*cpu_handler)(struct cpu *c, const struct cpu_insn *i);

#define CPU_REG_NONE 0xff

struct cpu_insn {
	cpu_handler fn;
	uint32_t imm;      /* first immediate, sign- or zero-extended as the
	                      opcode's format says (Jcc/JMP/CALL rel: sign-extended) */
	uint32_t imm2;     /* second immediate: far pointer selector, ENTER level */
	uint32_t disp;     /* ModRM displacement (sign-extended); moffs for A0-A3 */
	uint8_t len;       /* instruction length in bytes (1..15) */
	uint8_t map;       /* 0: one-byte opcode, 1: 0F xx */
	uint8_t op;        /* opcode byte (after 0F for map 1) */
	uint8_t modrm;     /* raw ModRM byte (0 if none) */
	uint8_t mod, reg, rm;
	uint8_t base;      /* EA base register, CPU_REG_NONE if none */
	uint8_t index;     /* EA index register, CPU_REG_NONE if none */
	uint8_t scale;     /* EA index shift 0..3 */
	uint8_t seg;       /* segment of the memory operand: default or override */
	uint8_t seg_ovr;   /* override prefix segment, CPU_SEG_NONE if none (string ops) */
	uint8_t opsize;    /* 2 or 4 (byte forms are distinct opcodes) */
	uint8_t adsize;    /* 2 or 4 */
	uint8_t rep;       /* 0, 0xF3 (REP/REPE) or 0xF2 (REPNE) */
	bool lock;
	bool has_modrm;
	uint8_t flags;     /* CPU_OPF_* from the .def line */
};

/* .def flags. */
#define CPU_OPF_END 0x01    /* ends the TU */
#define CPU_OPF_JUMP 0x02   /* near branch, CS unchanged: the TU chains by EIP */
#define CPU_OPF_LOCKOK 0x04 /* LOCK prefix allowed (with a memory destination) */
#define CPU_ANY 0xff

/* True when the ModRM operand is a register (mod == 3). */
static inline bool cpu_modrm_is_reg(const struct cpu_insn *i) { return i->mod == 3; }

/* ---- Services -------------------------------------------------------- */

/* Effective address offset of the ModRM memory operand (masked to adsize). */
static inline uint32_t cpu_ea(const struct cpu *c, const struct cpu_insn *i)
{
	uint32_t a = i->disp;

	if (i->base != CPU_REG_NONE)
		a += c->gpr[i->base];
	if (i->index != CPU_REG_NONE)
		a += c->gpr[i->index] << i->scale;
	return i->adsize == 2 ? (a & 0xffff) : a;
}

/* Register access by operand size.  8-bit: 0-3 = AL..BL, 4-7 = AH..BH. */
static inline uint32_t cpu_reg8(const struct cpu *c, unsigned r)
{
	return (c->gpr[r & 3] >> ((r & 4) ? 8 : 0)) & 0xff;
}
static inline void cpu_set_reg8(struct cpu *c, unsigned r, uint32_t v)
{
	unsigned sh = (r & 4) ? 8 : 0;

	c->gpr[r & 3] = (c->gpr[r & 3] & ~(0xffu << sh)) | ((v & 0xff) << sh);
}
static inline uint32_t cpu_reg(const struct cpu *c, unsigned r, unsigned size)
{
	if (size == 1)
		return cpu_reg8(c, r);
	return size == 2 ? (c->gpr[r] & 0xffff) : c->gpr[r];
}
static inline void cpu_set_reg(struct cpu *c, unsigned r, unsigned size, uint32_t v)
{
	if (size == 1)
		cpu_set_reg8(c, r, v);
	else if (size == 2)
		c->gpr[r] = (c->gpr[r] & 0xffff0000u) | (v & 0xffff);
	else
		c->gpr[r] = v;
}

/* Virtual-address memory access through segment seg at offset off
 * (mem.c).  They check the segment (limit, type; #GP(0) or #SS(0)), then
 * translate (#PF with CR2), then access RAM, ROM or MMIO.  size 1, 2, 4. */
uint32_t cpu_read_slow(struct cpu *c, unsigned seg, uint32_t off, unsigned size);
void cpu_write_slow(struct cpu *c, unsigned seg, uint32_t off, unsigned size, uint32_t v);
uint32_t cpu_rmw_read_slow(struct cpu *c, unsigned seg, uint32_t off, unsigned size);

static inline uint32_t cpu_ld(const uint8_t *p, unsigned size)
{
	uint16_t w;
	uint32_t d;

	switch (size) {
	case 1:
		return *p;
	case 2:
		__builtin_memcpy(&w, p, 2);   /* little-endian host */
		return w;
	default:
		__builtin_memcpy(&d, p, 4);
		return d;
	}
}

static inline void cpu_st(uint8_t *p, unsigned size, uint32_t v)
{
	uint16_t w = (uint16_t)v;

	switch (size) {
	case 1:
		*p = (uint8_t)v;
		break;
	case 2:
		__builtin_memcpy(p, &w, 2);
		break;
	default:
		__builtin_memcpy(p, &v, 4);
		break;
	}
}

/* May size bytes at off be accessed through s (ok: its rd_ok or wr_ok)? */
static inline bool cpu_seg_ok(const struct cpu_segreg *s, uint32_t off, uint32_t size, bool ok)
{
	return ok && off >= s->lo && off <= s->hi && s->hi - off >= size - 1;
}

/* The inline fast path: segment within limits, access within one page,
 * soft-TLB hit.  Everything else (faults included) is the slow path. */
static inline uint8_t *cpu_fast_ptr(struct cpu *c, unsigned seg, uint32_t off, unsigned size,
				    bool ok, unsigned acc)
{
	const struct cpu_segreg *s = &c->seg[seg];
	uint32_t lin = s->base + off;

	if (__builtin_expect(!cpu_seg_ok(s, off, size, ok) || (lin & 0xfff) > 4096 - size, 0))
		return 0;
	return mmu_fast(&c->mmu, lin, acc | c->mmu_user);
}

static inline uint32_t cpu_read(struct cpu *c, unsigned seg, uint32_t off, unsigned size)
{
	uint8_t *p = cpu_fast_ptr(c, seg, off, size, c->seg[seg].rd_ok, MMU_R);

	return __builtin_expect(p != 0, 1) ? cpu_ld(p, size) : cpu_read_slow(c, seg, off, size);
}

static inline void cpu_write(struct cpu *c, unsigned seg, uint32_t off, unsigned size, uint32_t v)
{
	uint8_t *p = cpu_fast_ptr(c, seg, off, size, c->seg[seg].wr_ok, MMU_W);

	if (__builtin_expect(p != 0, 1))
		cpu_st(p, size, v);
	else
		cpu_write_slow(c, seg, off, size, v);
}

/* Read checking that the location is also writable (the read half of a
 * read-modify-write): no state changes if the later write would fault. */
static inline uint32_t cpu_rmw_read(struct cpu *c, unsigned seg, uint32_t off, unsigned size)
{
	uint8_t *p = cpu_fast_ptr(c, seg, off, size, c->seg[seg].wr_ok, MMU_W);

	return __builtin_expect(p != 0, 1) ? cpu_ld(p, size) : cpu_rmw_read_slow(c, seg, off, size);
}

/* The ModRM r/m operand, register or memory, of operand size size. */
static inline uint32_t cpu_rm_read(struct cpu *c, const struct cpu_insn *i, unsigned size)
{
	if (i->mod == 3)
		return cpu_reg(c, i->rm, size);
	return cpu_read(c, i->seg, cpu_ea(c, i), size);
}

/* The read half of a read-modify-write of the r/m operand: *off gets the
 * memory offset (unused for registers) for cpu_rm_write_at(), so the
 * address is computed once. */
static inline uint32_t cpu_rm_rmw_read(struct cpu *c, const struct cpu_insn *i, unsigned size,
				       uint32_t *off)
{
	if (i->mod == 3)
		return cpu_reg(c, i->rm, size);
	*off = cpu_ea(c, i);
	return cpu_rmw_read(c, i->seg, *off, size);
}

static inline void cpu_rm_write_at(struct cpu *c, const struct cpu_insn *i, unsigned size,
				   uint32_t off, uint32_t v)
{
	if (i->mod == 3)
		cpu_set_reg(c, i->rm, size, v);
	else
		cpu_write(c, i->seg, off, size, v);
}

static inline void cpu_rm_write(struct cpu *c, const struct cpu_insn *i, unsigned size, uint32_t v)
{
	if (i->mod == 3)
		cpu_set_reg(c, i->rm, size, v);
	else
		cpu_write(c, i->seg, cpu_ea(c, i), size, v);
}
/* Checks that [off, off+len) of seg can be written (segment and paging),
 * faulting if not; for multi-part writes that must not fault half way. */
void cpu_check_write(struct cpu *c, unsigned seg, uint32_t off, uint32_t len);
void cpu_check_read(struct cpu *c, unsigned seg, uint32_t off, uint32_t len);
uint64_t cpu_read64(struct cpu *c, unsigned seg, uint32_t off);
void cpu_write64(struct cpu *c, unsigned seg, uint32_t off, uint64_t v);

/* Linear-address access for implicit supervisor accesses (descriptor
 * tables, TSS, IDT): paging applies, CPL does not. */
uint32_t cpu_lin_read(struct cpu *c, uint32_t lin, unsigned size);
void cpu_lin_write(struct cpu *c, uint32_t lin, unsigned size, uint32_t v);


/* Stack (SS with the B bit choosing SP or ESP).  cpu_push/cpu_pop commit
 * ESP; for multi-value sequences use cpu_stack_write/read with a local
 * stack pointer and commit with cpu_set_sp() last. */
void cpu_push(struct cpu *c, unsigned size, uint32_t v);
uint32_t cpu_pop(struct cpu *c, unsigned size);
uint32_t cpu_sp(const struct cpu *c);                 /* SP or ESP per SS.B */
void cpu_set_sp(struct cpu *c, uint32_t sp);          /* writes SP or ESP */
uint32_t cpu_stack_read(struct cpu *c, uint32_t sp, unsigned size);  /* at SS:sp */
void cpu_stack_write(struct cpu *c, uint32_t sp, unsigned size, uint32_t v);

/* Exceptions (intr.c).  cpu_raise() never returns: it records the fault,
 * unwinds to the run loop and delivers it with the faulting instruction's
 * EIP.  err is ignored for vectors without an error code. */
_Noreturn void cpu_raise(struct cpu *c, unsigned vec, uint32_t err);
/* Delivers an interrupt or exception now (run loop, INT n, INT3, INTO):
 * kind says which (software INT n checks the gate DPL against CPL and uses
 * next_eip as the return address; exceptions push c->eip). */
enum cpu_int_kind { CPU_INT_EXC, CPU_INT_SOFT, CPU_INT_EXT, CPU_INT_NMI };
void cpu_interrupt(struct cpu *c, unsigned vec, enum cpu_int_kind kind, bool has_err, uint32_t err);

/* Flags (flags.c). */
uint32_t cpu_flags(struct cpu *c);                     /* full EFLAGS */
void cpu_set_flags(struct cpu *c, uint32_t v, uint32_t mask); /* write bits in mask */
bool cpu_cond(struct cpu *c, unsigned cc);             /* Jcc condition 0..15 */
bool cpu_cf(struct cpu *c);
static inline void cpu_lazy(struct cpu *c, enum cpu_lf_op op, unsigned size,
			    uint32_t res, uint32_t s1, uint32_t s2, uint32_t aux)
{
	c->lf.op = (uint8_t)op;
	c->lf.size = (uint8_t)size;
	c->lf.res = res;
	c->lf.s1 = s1;
	c->lf.s2 = s2;
	c->lf.aux = aux;
}

/* Segments (seg.c).  cpu_load_seg() loads a data/stack segment register
 * with all protected-mode checks (or real/V86 semantics) and raises the
 * architectural fault; cpu_seg_cache() recomputes the derived fields of
 * seg[n] after its base/limit/attr changed. */
void cpu_load_seg(struct cpu *c, unsigned seg, uint16_t sel);
void cpu_seg_cache(struct cpu *c, unsigned seg);
/* Mode bookkeeping after CS, SS, CR0 or EFLAGS.VM changed: cpl, code32,
 * stack32, mmu_user. */
void cpu_update_mode(struct cpu *c);
static inline bool cpu_pmode(const struct cpu *c) { return c->cr0 & CPU_CR0_PE; }
static inline bool cpu_v86(const struct cpu *c) { return c->eflags & CPU_VM; }

/* Control registers (sys.c): validates, updates the MMU and mode. */
void cpu_write_cr(struct cpu *c, unsigned n, uint32_t v);
/* I/O permission (io.c): #GP(0) unless CPL <= IOPL (not V86) or the TSS
 * bitmap allows port..port+size-1. */
void cpu_check_io(struct cpu *c, uint16_t port, unsigned size);

/* VMware's backdoor (backdoor.c): handles a 32-bit IN from
 * CPU_BACKDOOR_PORT carrying the magic in EAX; false if it is not one. */
#define CPU_BACKDOOR_PORT 0x5658
bool cpu_backdoor(struct cpu *c, uint16_t port, unsigned size);

/* TU cache (exec.c). */
int cpu_tc_create(struct cpu *c);
void cpu_tc_destroy(struct cpu *c);
void cpu_tc_attach(struct cpu *c);   /* installs the pmap code-write hook */
void cpu_tc_flush(struct cpu *c);

/* Family 6 model 6 stepping 3: EDX at reset and CPUID.1:EAX. */
#define CPU_SIGNATURE 0x00000663u

/* TLB maintenance the CPU causes (exec.c keeps derived caches in step). */
void cpu_tlb_changed(struct cpu *c);

/* Register all handlers (decode.c builds its dispatch table from the .def
 * files). */
void cpu_decode_init(void);
/* Decodes one instruction from bytes (at most 15 are read; n available);
 * returns 0 or -1 when more than n bytes would be needed (page crossing),
 * filling *i with a #UD handler for invalid encodings. */
int cpu_decode(const uint8_t *bytes, unsigned n, bool code32, struct cpu_insn *i);

/* A faster handler for this decoded MOV, or i->fn (mov.c). */
cpu_handler cpu_mov_specialize(const struct cpu_insn *i);

/* The #UD handler (for tests and the decoder). */
void cpu_op_ud(struct cpu *c, const struct cpu_insn *i);

/* Test support: puts the CPU in flat 32-bit protected mode (CPL 0, all
 * segments base 0 limit 4 GiB, paging off) without a GDT. */
void cpu_test_flat32(struct cpu *c);

#endif
