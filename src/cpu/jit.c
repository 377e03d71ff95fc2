/* The native back end: x86-64 code for hot 32-bit TUs.
 *
 * A TU that has run JIT_HOT times is compiled into one host function,
 * unsigned fn(struct cpu *c), that runs its instructions and returns how
 * many completed (fewer when the TU was invalidated under it, as
 * tu_exec() does).  The IR stays the reference: every instruction this
 * file has no inline form for is a direct call of its handler, with EIP
 * and next_eip kept exactly as the threaded back end keeps them, and every
 * inline form falls back to that call on anything but its fast path (a
 * segment check that needs a fault, a page crossing, a soft-TLB miss, a
 * 16-bit stack).  So faults, SMC and MMIO all happen inside the C
 * handlers, with the state they expect.
 *
 * Inline forms: MOV/MOVZX/LEA, PUSH/POP r32, ADD/SUB/CMP/AND/OR/XOR/TEST
 * on 32-bit registers and immediates (their lazy-flag record is stored as
 * alu.c stores it), and the TU-ending Jcc/JMP rel.  An inline ALU
 * instruction is done with the same host instruction, so a Jcc right
 * after it branches on the host flags instead of calling cpu_cond().
 *
 * Register use inside a TU: rbx = struct cpu *, eax/ecx/edx/esi/edi
 * scratch.  EIP in memory may lag behind by `pend` bytes of instructions
 * that cannot fault; it is brought up to date before anything that can.
 *
 * Code goes to a buffer mapped twice (memfd): written through a
 * read-write view, run from a read-execute one, so no page is ever both
 * writable and executable.  When it fills, exec.c drops every TU's native
 * code and the buffer starts over, between TUs. */
#include "config.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "cpu/cpu_int.h"
#include "cpu/jit.h"

#define JIT_BUF (64u << 20)
/* Room one TU's code can need at most (12 instructions, each under 250
 * bytes, plus the epilogues). */
#define JIT_TU_MAX 8192

#define JIT_THUNKS 1024           /* power of two, > the number of handlers */

struct cpu_jit {
	uint8_t *rw, *rx;
	size_t used;
	/* Made at the start of a fresh buffer (ready): */
	bool ready;
	const uint64_t *pm_gen;
	struct jit_link *jcache;      /* [JIT_JCACHE], the run loop fills it */
	uintptr_t exit_stub;
	uintptr_t mem_stub[6][3][2];  /* [segment][size 1, 2, 4][read, write] */
	struct { cpu_handler fn; uintptr_t at; } thunk[JIT_THUNKS];
};

#if defined(__x86_64__) && defined(__linux__)

/* Offsets into struct cpu, for [rbx + disp32] operands. */
#define O_GPR(r) ((int32_t)(offsetof(struct cpu, gpr) + 4u * (r)))
#define O_EIP ((int32_t)offsetof(struct cpu, eip))
#define O_NEXT ((int32_t)offsetof(struct cpu, next_eip))
#define O_ABORT ((int32_t)offsetof(struct cpu, tu_abort))
#define O_STACK32 ((int32_t)offsetof(struct cpu, stack32))
#define O_LF(f) ((int32_t)offsetof(struct cpu, lf.f))
#define O_SEG(s, f) ((int32_t)(offsetof(struct cpu, seg) + sizeof(struct cpu_segreg) * (s) + \
			       offsetof(struct cpu_segreg, f)))
#define O_TLB ((int32_t)offsetof(struct cpu, mmu.tlb))
#define O_EFLAGS ((int32_t)offsetof(struct cpu, eflags))
#define O_EPOCH ((int32_t)offsetof(struct cpu, tlb_epoch))
#define O_MMU_GEN ((int32_t)offsetof(struct cpu, mmu.gen))
#define O_INSNS ((int32_t)offsetof(struct cpu, stats.insns))
#define O_TU_CUR ((int32_t)offsetof(struct cpu, tu_cur))
#define O_BUDGET ((int32_t)offsetof(struct cpu, jit_budget))
#define O_EXIT ((int32_t)offsetof(struct cpu, jit_exit))
#define O_IRQ ((int32_t)offsetof(struct cpu, irq))
#define O_B(f) ((int32_t)offsetof(struct cpu, f))
#define L_OFF(f) ((uint8_t)offsetof(struct jit_link, f))

enum { EAX, ECX, EDX, EBX, ESP_, EBP, ESI, EDI };

enum { CC_O, CC_NO, CC_B, CC_AE, CC_E, CC_NE, CC_BE, CC_A, CC_S, CC_NS, CC_P, CC_NP,
       CC_L, CC_GE, CC_LE, CC_G };

/* Out-of-line code of a TU, emitted after its body so that the body stays
 * dense: the handler call of an inline form off its fast path, or the
 * return after a handler invalidated the TU. */
enum cold_kind { COLD_ABORT, COLD_SLOW, COLD_SLOW_END };
struct cold {
	enum cold_kind kind;
	const struct cpu_insn *i;
	unsigned k;              /* instruction index in the TU */
	uint32_t pre;            /* COLD_SLOW_END: EIP lag to make up first */
	uint8_t *from[4];        /* jcc rel32 fields to point here */
	unsigned nfrom;
	uint8_t *resume;         /* COLD_SLOW: where the body goes on */
};

static uintptr_t jit_thunk_of(struct cpu_jit *j, cpu_handler fn);

/* Emission state for one TU. */
struct em {
	struct cpu_jit *j;
	uint8_t *p, *start;    /* write position and start, in the rw view */
	uint8_t *rx;           /* start in the rx view */
	uint32_t pend;         /* bytes EIP lags behind */
	bool flags_live;       /* host flags = guest arithmetic flags */
	struct jit_link *links; /* NULL: the TU does not chain */
	unsigned n;            /* instructions in the TU */
	struct cold cold[2 * CPU_TU_MAX];
	unsigned ncold;
};

static void b1(struct em *e, unsigned v) { *e->p++ = (uint8_t)v; }
static void b4(struct em *e, uint32_t v) { memcpy(e->p, &v, 4); e->p += 4; }
static void b8(struct em *e, uint64_t v) { memcpy(e->p, &v, 8); e->p += 8; }

/* Host address (rx view) of a write position. */
static uintptr_t rx_of(const struct em *e, const uint8_t *p)
{
	return (uintptr_t)(e->rx + (p - e->start));
}

/* op reg, [rbx + d32] (or op [rbx + d32], reg) with a one-byte opcode. */
static void rbx_op(struct em *e, unsigned opc, unsigned reg, int32_t d)
{
	b1(e, opc);
	b1(e, 0x80 | (reg << 3) | EBX);
	b4(e, (uint32_t)d);
}

static void ld(struct em *e, unsigned reg, int32_t d) { rbx_op(e, 0x8b, reg, d); }
static void st(struct em *e, int32_t d, unsigned reg) { rbx_op(e, 0x89, reg, d); }

/* mov dword [rbx + d], imm32 */
static void st_imm(struct em *e, int32_t d, uint32_t v)
{
	rbx_op(e, 0xc7, 0, d);
	b4(e, v);
}

static bool is_imm8(uint32_t v) { return (int32_t)v == (int8_t)v; }

/* add/sub/... dword [rbx + d], imm (ext: 0 add, 5 sub, 7 cmp) */
static void mem_arith(struct em *e, unsigned ext, int32_t d, uint32_t v)
{
	rbx_op(e, is_imm8(v) ? 0x83 : 0x81, ext, d);
	if (is_imm8(v))
		b1(e, v);
	else
		b4(e, v);
	e->flags_live = false;
}

/* op reg, imm with 83/81 /ext */
static void reg_imm(struct em *e, unsigned ext, unsigned reg, uint32_t v)
{
	b1(e, is_imm8(v) ? 0x83 : 0x81);
	b1(e, 0xc0 | (ext << 3) | reg);
	if (is_imm8(v))
		b1(e, v);
	else
		b4(e, v);
	e->flags_live = false;
}

static void mov_rr(struct em *e, unsigned dst, unsigned src)
{
	b1(e, 0x89);
	b1(e, 0xc0 | (src << 3) | dst);
}

static void mov_imm(struct em *e, unsigned reg, uint32_t v)
{
	b1(e, 0xb8 + reg);
	b4(e, v);
}

/* Forward jumps with a rel32 to patch; they return the field. */
static uint8_t *jcc_fwd(struct em *e, unsigned cc)
{
	b1(e, 0x0f);
	b1(e, 0x80 | cc);
	b4(e, 0);
	return e->p - 4;
}

static uint8_t *jmp_fwd(struct em *e)
{
	b1(e, 0xe9);
	b4(e, 0);
	return e->p - 4;
}

static void patch_to(uint8_t *at, const uint8_t *to)
{
	int32_t rel = (int32_t)(to - (at + 4));

	memcpy(at, &rel, 4);
}

static void patch(struct em *e, uint8_t *at) { patch_to(at, e->p); }

/* jmp/call rel32 to a host address (all stubs live in the same buffer;
 * handlers may be further away: then through rax). */
static void jump_abs(struct em *e, unsigned opc, uintptr_t to)
{
	intptr_t rel = (intptr_t)to - (intptr_t)(rx_of(e, e->p) + 5);

	if (rel == (int32_t)rel) {
		b1(e, opc);
		b4(e, (uint32_t)(int32_t)rel);
	} else {
		b1(e, 0x48); b1(e, 0xb8); b8(e, (uint64_t)to);         /* mov rax, to */
		b1(e, 0xff); b1(e, opc == 0xe8 ? 0xd0 : 0xe0);          /* call/jmp rax */
	}
	e->flags_live = false;
}

static void call_abs(struct em *e, uintptr_t to) { jump_abs(e, 0xe8, to); }

/* Brings EIP in memory up to date. */
static void sync_eip(struct em *e)
{
	if (e->pend) {
		mem_arith(e, 0, O_EIP, e->pend);
		e->pend = 0;
	}
}

/* Returns from the TU function with eax = n. */
static void ret_n(struct em *e, unsigned n)
{
	mov_imm(e, EAX, n);
	b1(e, 0x5b);            /* pop rbx */
	b1(e, 0xc3);
}

/* The end of the TU, EIP final in memory: exit j (0: fall-through or end
 * by length, 1: branch) asks the shared exit stub whether to chain, and
 * jumps to the linked TU if so. */
static void tu_exit(struct em *e, unsigned j, unsigned n)
{
	if (!e->links) {
		ret_n(e, n);
		return;
	}
	b1(e, 0x48); b1(e, 0xb9); b8(e, (uint64_t)(uintptr_t)&e->links[j]);  /* mov rcx, link */
	mov_imm(e, EAX, n);
	mov_imm(e, EDX, j);
	call_abs(e, e->j->exit_stub);
	b1(e, 0xff); b1(e, 0x61); b1(e, L_OFF(code));                 /* jmp [rcx+code] */
}

/* The handler call for instruction i, as tu_exec() makes it, through the
 * handler's thunk (rsi = i); eax = tu_abort afterwards. */
static void call_insn(struct em *e, const struct cpu_insn *i)
{
	b1(e, 0x48); b1(e, 0xbe); b8(e, (uint64_t)(uintptr_t)i);   /* mov rsi, i */
	call_abs(e, jit_thunk_of(e->j, i->fn));
}

static struct cold *cold_add(struct em *e, enum cold_kind kind, const struct cpu_insn *i, unsigned k)
{
	struct cold *c = &e->cold[e->ncold++];

	c->kind = kind;
	c->i = i;
	c->k = k;
	c->pre = 0;
	c->nfrom = 0;
	c->resume = NULL;
	return c;
}

/* A generic instruction: its handler, then a stop if the TU went. */
static void emit_generic(struct em *e, const struct cpu_insn *i, unsigned k)
{
	sync_eip(e);
	call_insn(e, i);
	if (k + 1 < e->n) {
		struct cold *c = cold_add(e, COLD_ABORT, i, k);

		b1(e, 0x85); b1(e, 0xc0);                 /* test eax, eax */
		c->from[c->nfrom++] = jcc_fwd(e, CC_NE);
	}
	e->flags_live = false;
}

/* eax = the effective address of i's memory operand (32-bit addressing). */
static void emit_ea(struct em *e, const struct cpu_insn *i)
{
	if (i->base != CPU_REG_NONE) {
		ld(e, EAX, O_GPR(i->base));
		if (i->disp)
			reg_imm(e, 0, EAX, i->disp);
	} else {
		mov_imm(e, EAX, i->disp);
	}
	if (i->index != CPU_REG_NONE) {
		ld(e, ECX, O_GPR(i->index));
		if (i->scale) {
			b1(e, 0xc1); b1(e, 0xe1); b1(e, i->scale);   /* shl ecx, scale */
		}
		b1(e, 0x01); b1(e, 0xc8);                        /* add eax, ecx */
	}
	e->flags_live = false;
}

static unsigned size_idx(unsigned size) { return size == 1 ? 0 : size == 2 ? 1 : 2; }

/* With the offset in eax: rdx = the host address of size bytes through
 * segment seg (its checks, one page, a soft-TLB hit), or a jump to the
 * slow path c.  Clobbers ecx and edi. */
static void emit_mem_addr(struct em *e, unsigned seg, unsigned size, unsigned acc, struct cold *c)
{
	call_abs(e, e->j->mem_stub[seg][size_idx(size)][acc]);
	b1(e, 0x48); b1(e, 0x85); b1(e, 0xd2);               /* test rdx, rdx */
	c->from[c->nfrom++] = jcc_fwd(e, CC_E);
}

/* Ends an inline form that has a slow path: the body goes on here, with
 * EIP lagging by the instruction's length. */
static void form_done(struct em *e, struct cold *c)
{
	c->resume = e->p;
	e->pend = c->i->len;
	e->flags_live = false;
}

/* mov word [rbx+lf.op], op | size << 8: op and size are adjacent. */
static void st_lf_op(struct em *e, unsigned op, unsigned size)
{
	b1(e, 0x66);
	rbx_op(e, 0xc7, 0, O_LF(op));
	b1(e, op);
	b1(e, size);
}

/* Ends a form: with a memory operand (slow path c), the body goes on with
 * EIP lagging by its length and the host flags lost; a register form
 * cannot fault, EIP just lags more, and live says whether the host flags
 * are the guest's. */
static void form_end(struct em *e, const struct cpu_insn *i, struct cold *c, bool live)
{
	if (c) {
		form_done(e, c);
	} else {
		e->pend += i->len;
		e->flags_live = live;
	}
}

/* The start of a form with a memory operand of size bytes: EIP brought up
 * to date, rdx = its host address, or the slow path (returned) taken. */
static struct cold *mem_operand(struct em *e, const struct cpu_insn *i, unsigned k, unsigned size,
				unsigned acc)
{
	struct cold *c;

	sync_eip(e);
	c = cold_add(e, COLD_SLOW, i, k);
	emit_ea(e, i);
	emit_mem_addr(e, i->seg, size, acc, c);
	return c;
}

/* Host byte offset in struct cpu of 8-bit register r (AL..BH). */
static int32_t o_reg8(unsigned r) { return O_GPR(r & 3) + ((r & 4) ? 1 : 0); }

/* Memory forms of loads and stores: MOV r<->m (32 and 8 bits), MOV m, imm,
 * MOV with moffs, MOVZX. */
static bool emit_mem_move(struct em *e, const struct cpu_insn *i, unsigned k)
{
	unsigned size;
	bool store;
	struct cold *c;

	if (i->map == 0 && (i->op == 0x8b || i->op == 0x89 || i->op == 0xa1 || i->op == 0xa3 ||
			    (i->op == 0xc7 && i->reg == 0)) && i->opsize == 4)
		size = 4;
	else if (i->map == 0 && (i->op == 0x8a || i->op == 0x88 || (i->op == 0xc6 && i->reg == 0)))
		size = 1;
	else if (i->map == 1 && (i->op == 0xb6 || i->op == 0xb7 || i->op == 0xbe || i->op == 0xbf) &&
		 i->opsize == 4)
		size = (i->op & 1) ? 2 : 1;
	else if (i->map == 0 && (i->op == 0x8b || i->op == 0x89) && i->opsize == 2)
		size = 2;
	else
		return false;
	store = i->map == 0 && (i->op == 0x89 || i->op == 0x88 || i->op == 0xa3 || i->op == 0xc7 ||
				i->op == 0xc6);
	c = mem_operand(e, i, k, size, store ? MMU_W : MMU_R);
	if (i->map == 0 && size == 2) {
		/* 16-bit MOV: the register's upper half stays. */
		b1(e, 0x66);
		if (store) {
			rbx_op(e, 0x8b, EAX, O_GPR(i->reg));             /* mov ax, reg16 */
			b1(e, 0x66); b1(e, 0x89); b1(e, 0x02);           /* mov [rdx], ax */
		} else {
			b1(e, 0x8b); b1(e, 0x02);                        /* mov ax, [rdx] */
			b1(e, 0x66); st(e, O_GPR(i->reg), EAX);          /* mov reg16, ax */
		}
	} else if (i->op == 0xc7 || i->op == 0xc6) {
		mov_imm(e, EAX, i->imm);
		b1(e, size == 4 ? 0x89 : 0x88); b1(e, 0x02);       /* mov [rdx], eax/al */
	} else if (store) {
		if (size == 4)
			ld(e, EAX, O_GPR(i->op == 0xa3 ? CPU_EAX : i->reg));
		else
			rbx_op(e, 0x8a, EAX, o_reg8(i->reg));       /* mov al, reg8 */
		b1(e, size == 4 ? 0x89 : 0x88); b1(e, 0x02);
	} else if (size == 4) {
		b1(e, 0x8b); b1(e, 0x02);                           /* mov eax, [rdx] */
		st(e, O_GPR(i->op == 0xa1 ? CPU_EAX : i->reg), EAX);
	} else if (i->map == 0) {
		b1(e, 0x8a); b1(e, 0x02);                           /* mov al, [rdx] */
		rbx_op(e, 0x88, EAX, o_reg8(i->reg));
	} else {
		b1(e, 0x0f); b1(e, i->op); b1(e, 0x02);            /* movzx/movsx eax, [rdx] */
		st(e, O_GPR(i->reg), EAX);
	}
	form_done(e, c);
	return true;
}

/* rdx = the host address of the stack's top dword for a pop (ESP), or of
 * the one a push writes (ESP - 4); slow path c for a 16-bit stack or
 * anything the memory stub does not take. */
static void emit_stack_addr(struct em *e, bool push, struct cold *c)
{
	rbx_op(e, 0x80, 7, O_STACK32);
	b1(e, 0);
	c->from[c->nfrom++] = jcc_fwd(e, CC_E);
	ld(e, EAX, O_GPR(CPU_ESP));
	if (push)
		reg_imm(e, 5, EAX, 4);
	emit_mem_addr(e, CPU_SS, 4, push ? MMU_W : MMU_R, c);
}

/* PUSH r32 / POP r32 on a 32-bit stack. */
static bool emit_push_pop(struct em *e, const struct cpu_insn *i, unsigned k)
{
	bool push = i->op >= 0x50 && i->op <= 0x57;
	struct cold *c;

	if (i->map != 0 || i->op < 0x50 || i->op > 0x5f || i->opsize != 4)
		return false;
	sync_eip(e);
	c = cold_add(e, COLD_SLOW, i, k);
	emit_stack_addr(e, push, c);
	if (push) {
		ld(e, EAX, O_GPR(i->op & 7));          /* the old ESP for PUSH ESP */
		b1(e, 0x89); b1(e, 0x02);
		mem_arith(e, 5, O_GPR(CPU_ESP), 4);
	} else {
		b1(e, 0x8b); b1(e, 0x02);
		mem_arith(e, 0, O_GPR(CPU_ESP), 4);
		st(e, O_GPR(i->op & 7), EAX);          /* POP ESP: the value wins */
	}
	form_done(e, c);
	return true;
}

/* Register-only moves and LEA: cannot fault, EIP may lag. */
static bool emit_reg_move(struct em *e, const struct cpu_insn *i)
{
	if (i->map == 0 && i->op >= 0xb8 && i->op <= 0xbf && i->opsize == 4) {
		st_imm(e, O_GPR(i->op & 7), i->imm);
	} else if (i->map == 0 && (i->op == 0x8b || i->op == 0x89) && i->mod == 3 && i->opsize == 4) {
		unsigned dst = i->op == 0x8b ? i->reg : i->rm, src = i->op == 0x8b ? i->rm : i->reg;

		ld(e, EAX, O_GPR(src));
		st(e, O_GPR(dst), EAX);
	} else if (i->map == 0 && (i->op == 0x8b || i->op == 0x89) && i->mod == 3 && i->opsize == 2) {
		unsigned dst = i->op == 0x8b ? i->reg : i->rm, src = i->op == 0x8b ? i->rm : i->reg;

		b1(e, 0x66); ld(e, EAX, O_GPR(src));
		b1(e, 0x66); st(e, O_GPR(dst), EAX);
	} else if (i->map == 0 && (i->op == 0x8a || i->op == 0x88) && i->mod == 3) {
		unsigned dst = i->op == 0x8a ? i->reg : i->rm, src = i->op == 0x8a ? i->rm : i->reg;

		rbx_op(e, 0x8a, EAX, o_reg8(src));
		rbx_op(e, 0x88, EAX, o_reg8(dst));
	} else if (i->map == 1 && (i->op == 0xb6 || i->op == 0xb7 || i->op == 0xbe || i->op == 0xbf) &&
		   i->mod == 3 && i->opsize == 4) {
		b1(e, 0x0f);                                       /* movzx/movsx eax, r8/r16 */
		rbx_op(e, i->op, EAX, (i->op & 1) ? O_GPR(i->rm) : o_reg8(i->rm));
		st(e, O_GPR(i->reg), EAX);
	} else if (i->map == 0 && i->op == 0x8d && i->mod != 3 && i->opsize == 4) {
		emit_ea(e, i);
		st(e, O_GPR(i->reg), EAX);
	} else {
		return false;
	}
	e->pend += i->len;
	return true;
}

/* ALU operations by their /r number: ADD OR - - AND SUB XOR CMP; 8 = TEST. */
enum { A_ADD = 0, A_OR = 1, A_AND = 4, A_SUB = 5, A_XOR = 6, A_CMP = 7, A_TEST = 8 };

/* ALU on bytes and dwords, the r/m operand a register or memory.  The
 * host instruction of the same size computes the result and the flags;
 * the lazy record holds what flags.c reads for the operation (res and the
 * operands for ADD/SUB/CMP, res for the logic ones), zero-extended, as
 * alu.c leaves it.  A memory destination is read and written through one
 * soft-TLB lookup of a writable page, as cpu_rmw_read() then cpu_write()
 * would. */
static void alu_ld_reg(struct em *e, unsigned dst, unsigned r, unsigned size)
{
	if (size == 4) {
		ld(e, dst, O_GPR(r));
	} else {
		b1(e, 0x0f);
		rbx_op(e, 0xb6, dst, o_reg8(r));                   /* movzx dst, reg8 */
	}
}

static void alu_ld_mem(struct em *e, unsigned dst, unsigned size)
{
	if (size == 1)
		b1(e, 0x0f);
	b1(e, size == 4 ? 0x8b : 0xb6);
	b1(e, (dst << 3) | EDX);                                   /* mov/movzx dst, [rdx] */
}

static bool emit_alu(struct em *e, const struct cpu_insn *i, unsigned k)
{
	unsigned op, reg = 0, size, lo = i->op & 7;
	bool imm = false, logic, rm_dst;   /* rm_dst: the r/m operand is a (a OP= b) */
	bool mem = i->mod != 3 && i->has_modrm;
	struct cold *c = NULL;

	if (i->map != 0)
		return false;
	if (i->op < 0x40 && lo <= 5) {
		op = i->op >> 3;
		size = (lo & 1) ? 4 : 1;
		if (lo >= 4) {
			reg = CPU_EAX;
			imm = true;
			rm_dst = false;
			mem = false;
		} else {
			reg = i->reg;
			rm_dst = lo <= 1;
		}
	} else if (i->op >= 0x80 && i->op <= 0x83) {
		op = i->reg;
		imm = true;
		rm_dst = true;
		size = i->op == 0x81 || i->op == 0x83 ? 4 : 1;
	} else if (i->op == 0x84 || i->op == 0x85) {
		op = A_TEST;
		reg = i->reg;
		rm_dst = true;
		size = i->op == 0x85 ? 4 : 1;
	} else if (i->op == 0xa8 || i->op == 0xa9) {
		op = A_TEST;
		reg = CPU_EAX;
		imm = true;
		rm_dst = false;
		mem = false;
		size = i->op == 0xa9 ? 4 : 1;
	} else if ((i->op == 0xf6 || i->op == 0xf7) && i->reg == 0) {
		op = A_TEST;
		imm = true;
		rm_dst = true;
		size = i->op == 0xf7 ? 4 : 1;
	} else {
		return false;
	}
	if (op == 2 || op == 3 || (size == 4 && i->opsize != 4))
		return false;                 /* ADC, SBB: need CF; 16-bit forms */
	logic = op == A_OR || op == A_AND || op == A_XOR || op == A_TEST;
	if (mem) {
		bool writes = rm_dst && op != A_CMP && op != A_TEST;

		c = mem_operand(e, i, k, size, writes ? MMU_W : MMU_R);
	}
	/* eax = a, ecx = b, zero-extended */
	if (rm_dst) {
		if (mem)
			alu_ld_mem(e, EAX, size);
		else
			alu_ld_reg(e, EAX, i->rm, size);
		if (imm)
			mov_imm(e, ECX, size == 4 ? i->imm : (i->imm & 0xff));
		else
			alu_ld_reg(e, ECX, reg, size);
	} else {
		alu_ld_reg(e, EAX, reg, size);
		if (imm)
			mov_imm(e, ECX, size == 4 ? i->imm : (i->imm & 0xff));
		else if (mem)
			alu_ld_mem(e, ECX, size);
		else
			alu_ld_reg(e, ECX, i->rm, size);
	}
	if (!logic) {
		st(e, O_LF(s1), EAX);
		st(e, O_LF(s2), ECX);
	}
	/* op eax/al, ecx/cl; CMP and TEST as SUB and AND (the same flags),
	 * their result going to the record only. */
	if (op == A_TEST)
		b1(e, size == 4 ? 0x21 : 0x20);
	else if (op == A_CMP)
		b1(e, size == 4 ? 0x29 : 0x28);
	else
		b1(e, (op << 3) | (size == 4 ? 1 : 0));
	b1(e, 0xc0 | (ECX << 3) | EAX);
	if (size == 1) {
		b1(e, 0x0f); b1(e, 0xb6); b1(e, 0xc0);             /* movzx eax, al */
	}
	st(e, O_LF(res), EAX);
	st_lf_op(e, op == A_ADD ? LF_ADD : logic ? LF_LOGIC : LF_SUB, size);
	if (op != A_CMP && op != A_TEST) {
		if (!rm_dst) {
			if (size == 4)
				st(e, O_GPR(reg), EAX);
			else
				rbx_op(e, 0x88, EAX, o_reg8(reg));
		} else if (mem) {
			b1(e, size == 4 ? 0x89 : 0x88); b1(e, 0x02);    /* mov [rdx], eax/al */
		} else if (size == 4) {
			st(e, O_GPR(i->rm), EAX);
		} else {
			rbx_op(e, 0x88, EAX, o_reg8(i->rm));
		}
	}
	form_end(e, i, c, true);
	return true;
}

/* dst = the r/m32 operand of a form (acc: MMU_W when it is written back);
 * returns the memory operand's slow path, NULL for a register. */
static struct cold *rm32_load(struct em *e, const struct cpu_insn *i, unsigned k, unsigned acc,
			      unsigned dst)
{
	struct cold *c;

	if (i->mod == 3) {
		ld(e, dst, O_GPR(i->rm));
		return NULL;
	}
	c = mem_operand(e, i, k, 4, acc);
	b1(e, 0x8b); b1(e, (dst << 3) | EDX);                       /* mov dst, [rdx] */
	return c;
}

/* Writes eax back to the r/m32 operand rm32_load() read. */
static void rm32_store(struct em *e, const struct cpu_insn *i, const struct cold *c)
{
	if (c) {
		b1(e, 0x89); b1(e, 0x02);                           /* mov [rdx], eax */
	} else {
		st(e, O_GPR(i->rm), EAX);
	}
}

/* SHL/SHR/SAR r/m32 by an immediate or by 1 (C1, D1 /4 /5 /7), with the
 * record shift.c stores.  The host's OF after a multi-bit shift is not
 * what flags.c defines, so the host flags are not taken for the guest's. */
static bool emit_shift(struct em *e, const struct cpu_insn *i, unsigned k)
{
	unsigned n = i->op == 0xd1 ? 1 : i->imm & 31, ext = i->reg;
	struct cold *c;

	if (i->map != 0 || (i->op != 0xc1 && i->op != 0xd1) || i->opsize != 4 ||
	    (ext != 4 && ext != 5 && ext != 7) || n == 0)
		return false;
	c = rm32_load(e, i, k, MMU_W, EAX);
	st(e, O_LF(s1), EAX);
	st_imm(e, O_LF(s2), 0);
	st_imm(e, O_LF(aux), n);
	b1(e, 0xc1); b1(e, 0xc0 | (ext << 3) | EAX); b1(e, n);    /* shl/shr/sar eax, n */
	st(e, O_LF(res), EAX);
	st_lf_op(e, ext == 4 ? LF_SHL : ext == 5 ? LF_SHR : LF_SAR, 4);
	rm32_store(e, i, c);
	form_end(e, i, c, false);
	return true;
}

/* IMUL r32, r/m32 (0F AF) and IMUL r32, r/m32, imm (69, 6B): the host's
 * one-operand IMUL gives both halves; the record holds the low one as the
 * result and the high one in aux, as muldiv.c stores them. */
static bool emit_imul(struct em *e, const struct cpu_insn *i, unsigned k)
{
	bool three = i->map == 0 && (i->op == 0x69 || i->op == 0x6b);
	struct cold *c;

	if ((!three && !(i->map == 1 && i->op == 0xaf)) || i->opsize != 4)
		return false;
	c = rm32_load(e, i, k, MMU_R, ECX);
	if (three) {
		mov_rr(e, EAX, ECX);
		mov_imm(e, ECX, i->imm);
	} else {
		ld(e, EAX, O_GPR(i->reg));
	}
	b1(e, 0xf7); b1(e, 0xe9);                                  /* imul ecx: edx:eax */
	st(e, O_LF(res), EAX);
	st(e, O_LF(aux), EDX);
	st_imm(e, O_LF(s1), 0);
	st_imm(e, O_LF(s2), 0);
	st_lf_op(e, LF_IMUL, 4);
	st(e, O_GPR(i->reg), EAX);
	form_end(e, i, c, false);          /* SF, ZF, PF: the record's, not the host's */
	return true;
}

/* NOT and NEG r/m32 (F7 /2, /3); NEG records LF_NEG as alu.c does, and
 * its host flags are the guest's. */
static bool emit_not_neg(struct em *e, const struct cpu_insn *i, unsigned k)
{
	bool neg = i->reg == 3;
	struct cold *c;

	if (i->map != 0 || i->op != 0xf7 || (i->reg != 2 && i->reg != 3) || i->opsize != 4)
		return false;
	c = rm32_load(e, i, k, MMU_W, EAX);
	if (neg) {
		st(e, O_LF(s1), EAX);
		st_imm(e, O_LF(s2), 0);
		st_imm(e, O_LF(aux), 0);
		b1(e, 0xf7); b1(e, 0xd8);                          /* neg eax */
		st(e, O_LF(res), EAX);
		st_lf_op(e, LF_NEG, 4);
	} else {
		b1(e, 0xf7); b1(e, 0xd0);                          /* not eax: no flags */
	}
	rm32_store(e, i, c);
	form_end(e, i, c, neg || e->flags_live);
	return true;
}

/* ecx = the guest's CF now (what INC/DEC keep): the host's when the host
 * flags are the guest's, else from the lazy record. */
static void emit_cf(struct em *e)
{
	if (e->flags_live) {
		b1(e, 0x0f); b1(e, 0x92); b1(e, 0xc1);             /* setc cl */
	} else {
		b1(e, 0x48); mov_rr(e, EDI, EBX);
		call_abs(e, (uintptr_t)cpu_cf);
		b1(e, 0x89); b1(e, 0xc1);                          /* mov ecx, eax */
	}
	b1(e, 0x0f); b1(e, 0xb6); b1(e, 0xc9);                     /* movzx ecx, cl */
}

/* INC/DEC r/m32 (40+r, 48+r, FF /0, FF /1).  CF is kept: the record's aux
 * holds it (as alu.c stores it), and the host's CF is set to it before
 * the host INC/DEC, which keeps it too, so the host flags stay the
 * guest's. */
static bool emit_incdec(struct em *e, const struct cpu_insn *i, unsigned k)
{
	bool dec, mem = false;
	unsigned reg = 0;
	struct cold *c = NULL;

	if (i->map != 0 || i->opsize != 4)
		return false;
	if (i->op >= 0x40 && i->op <= 0x4f) {
		dec = i->op >= 0x48;
		reg = i->op & 7;
	} else if (i->op == 0xff && i->reg <= 1) {
		dec = i->reg == 1;
		mem = i->mod != 3;
		reg = i->rm;
	} else {
		return false;
	}
	if (mem) {
		/* cpu_cf() before the address: a call would lose rdx. */
		sync_eip(e);
		emit_cf(e);
		st(e, O_B(jit_scratch), ECX);
		c = mem_operand(e, i, k, 4, MMU_W);
		ld(e, ECX, O_B(jit_scratch));
		b1(e, 0x8b); b1(e, 0x02);                          /* mov eax, [rdx] */
	} else {
		emit_cf(e);
		ld(e, EAX, O_GPR(reg));
	}
	st(e, O_LF(s1), EAX);
	st(e, O_LF(aux), ECX);
	st_imm(e, O_LF(s2), 1);
	b1(e, 0x0f); b1(e, 0xba); b1(e, 0xe1); b1(e, 0);           /* bt ecx, 0 */
	b1(e, 0xff); b1(e, dec ? 0xc8 : 0xc0);                     /* inc/dec eax */
	st(e, O_LF(res), EAX);
	st_lf_op(e, dec ? LF_DEC : LF_INC, 4);
	if (mem) {
		b1(e, 0x89); b1(e, 0x02);                          /* mov [rdx], eax */
	} else {
		st(e, O_GPR(reg), EAX);
	}
	form_end(e, i, c, true);
	return true;
}

/* The TU's last instruction is Jcc/JMP rel (32-bit code): EIP becomes
 * the target or the fall-through without a handler call; a target beyond
 * the CS limit goes through the handler for its #GP. */
static bool emit_branch(struct em *e, const struct cpu_insn *i, unsigned k)
{
	bool jcc = (i->map == 0 && i->op >= 0x70 && i->op <= 0x7f) ||
		   (i->map == 1 && i->op >= 0x80 && i->op <= 0x8f);
	bool jmp = i->map == 0 && (i->op == 0xe9 || i->op == 0xeb);
	uint8_t *taken = NULL;
	struct cold *c;

	if ((!jcc && !jmp) || i->opsize != 4)
		return false;
	if (jcc) {
		if (!e->flags_live) {
			/* The flags from the lazy record: a 32-bit SUB/CMP or
			 * logic record by redoing its host instruction, any other
			 * through cpu_cond(). */
			uint8_t *not_sub, *not_logic, *t1, *t2, *nt1, *nt2;

			b1(e, 0x0f); rbx_op(e, 0xb7, EAX, O_LF(op));     /* movzx eax, word op|size */
			b1(e, 0x3d); b4(e, LF_SUB | 4u << 8);             /* cmp eax, imm32 */
			not_sub = jcc_fwd(e, CC_NE);
			ld(e, EAX, O_LF(s1));
			rbx_op(e, 0x3b, EAX, O_LF(s2));                   /* cmp eax, s2 */
			t1 = jcc_fwd(e, i->op & 0xf);
			nt1 = jmp_fwd(e);
			patch(e, not_sub);
			b1(e, 0x3d); b4(e, LF_LOGIC | 4u << 8);
			not_logic = jcc_fwd(e, CC_NE);
			ld(e, EAX, O_LF(res));
			b1(e, 0x85); b1(e, 0xc0);                         /* test eax, eax */
			t2 = jcc_fwd(e, i->op & 0xf);
			nt2 = jmp_fwd(e);
			patch(e, not_logic);
			b1(e, 0x48); mov_rr(e, EDI, EBX);
			mov_imm(e, ESI, i->op & 0xf);
			call_abs(e, (uintptr_t)cpu_cond);
			b1(e, 0x84); b1(e, 0xc0);                         /* test al, al */
			taken = jcc_fwd(e, CC_NE);
			patch(e, nt1);
			patch(e, nt2);
			mem_arith(e, 0, O_EIP, e->pend + i->len);
			tu_exit(e, 0, k + 1);
			patch(e, t1);
			patch(e, t2);
			patch(e, taken);
			taken = NULL;
		} else {
			taken = jcc_fwd(e, i->op & 0xf);
		}
		if (taken) {
			mem_arith(e, 0, O_EIP, e->pend + i->len);
			tu_exit(e, 0, k + 1);
			patch(e, taken);
		}
	}
	c = cold_add(e, COLD_SLOW_END, i, k);
	c->pre = e->pend;
	ld(e, EAX, O_EIP);
	reg_imm(e, 0, EAX, e->pend + i->len + i->imm);
	rbx_op(e, 0x3b, EAX, O_SEG(CPU_CS, limit));          /* cmp eax, CS.limit */
	c->from[c->nfrom++] = jcc_fwd(e, CC_A);
	st(e, O_EIP, EAX);
	tu_exit(e, 1, k + 1);
	return true;
}

/* CALL rel32 and RET [imm16] ending the TU, on a 32-bit stack: the stack
 * access and the target check inline, everything else (a 16-bit stack,
 * faults) through the handler. */
static bool emit_call_ret(struct em *e, const struct cpu_insn *i, unsigned k)
{
	bool call = i->op == 0xe8;
	struct cold *c;

	if (i->map != 0 || (i->op != 0xe8 && i->op != 0xc3 && i->op != 0xc2) || i->opsize != 4)
		return false;
	sync_eip(e);
	c = cold_add(e, COLD_SLOW_END, i, k);
	emit_stack_addr(e, call, c);
	if (call) {
		ld(e, EAX, O_EIP);
		reg_imm(e, 0, EAX, i->len + i->imm);                  /* the target */
	} else {
		b1(e, 0x8b); b1(e, 0x02);                             /* mov eax, [rdx] */
	}
	rbx_op(e, 0x3b, EAX, O_SEG(CPU_CS, limit));
	c->from[c->nfrom++] = jcc_fwd(e, CC_A);
	if (call) {
		ld(e, ECX, O_EIP);
		reg_imm(e, 0, ECX, i->len);                           /* the return address */
		b1(e, 0x89); b1(e, 0x0a);                             /* mov [rdx], ecx */
		mem_arith(e, 5, O_GPR(CPU_ESP), 4);
	} else {
		mem_arith(e, 0, O_GPR(CPU_ESP), 4 + (i->op == 0xc2 ? (i->imm & 0xffff) : 0));
	}
	st(e, O_EIP, EAX);
	tu_exit(e, 1, k + 1);
	return true;
}

/* The TU's out-of-line code. */
static void emit_cold(struct em *e)
{
	unsigned q, f;

	for (q = 0; q < e->ncold; q++) {
		struct cold *c = &e->cold[q];

		for (f = 0; f < c->nfrom; f++)
			patch(e, c->from[f]);
		switch (c->kind) {
		case COLD_ABORT:
			ret_n(e, c->k + 1);
			break;
		case COLD_SLOW:
			call_insn(e, c->i);
			b1(e, 0x85); b1(e, 0xc0);                 /* test eax, eax */
			b1(e, 0x74); b1(e, 7);                    /* jz +7 */
			ret_n(e, c->k + 1);                       /* 7 bytes */
			mem_arith(e, 5, O_EIP, c->i->len);        /* the body lags EIP */
			patch_to(jmp_fwd(e), c->resume);
			break;
		case COLD_SLOW_END:
			if (c->pre)
				mem_arith(e, 0, O_EIP, c->pre);
			call_insn(e, c->i);
			tu_exit(e, 1, c->k + 1);
			break;
		}
	}
}

/* ---- Per-buffer stubs ------------------------------------------------ */

/* Starts emitting at the buffer's free space. */
static void em_open(struct em *e, struct cpu_jit *j)
{
	e->j = j;
	e->start = e->p = j->rw + j->used;
	e->rx = j->rx + j->used;
	e->pend = 0;
	e->flags_live = false;
	e->links = NULL;
	e->ncold = 0;
}

/* Closes it; returns the rx address of what was emitted. */
static uintptr_t em_close(struct em *e)
{
	uintptr_t at = (uintptr_t)e->rx;

	e->j->used += (size_t)(e->p - e->start);
	e->j->used = (e->j->used + 15) & ~(size_t)15;
	return at;
}

/* The exit stub, called by an exit with rcx = &link, eax = instructions
 * of the TU, edx = exit.  Returns to the exit, which jumps on to
 * [rcx].code, when the link (or the jump cache entry rcx then points to)
 * holds and the run loop has nothing to do (budget, halt, interrupt
 * shadow, triple fault, NMI, exit request, TF, an interrupt it could take,
 * a memory map change); else returns eax from the TU function to the run
 * loop with the exit noted. */
static void emit_exit_stub(struct cpu_jit *j)
{
	static const int32_t stop_flags[] = {
		O_B(halted), O_B(shadow), O_B(shutdown), O_B(nmi_pending), O_B(exit_req)
	};
	uint8_t *back[20], *no_irq, *no_call, *stale, *linked, *miss, *check;
	int32_t tlb_x = O_TLB + (int32_t)(MMU_X * sizeof(((struct mmu *)0)->tlb[0][0]));
	unsigned nb = 0, k;
	struct em e;

	em_open(&e, j);
	/* Links and TUs are checked by EIP and by linear address alike, and
	 * not against the CS limit: native chaining needs a flat CS. */
	rbx_op(&e, 0x83, 7, O_SEG(CPU_CS, base));                          /* cmp base, 0 */
	b1(&e, 0);
	back[nb++] = jcc_fwd(&e, CC_NE);
	rbx_op(&e, 0x83, 7, O_SEG(CPU_CS, limit));                         /* cmp limit, -1 */
	b1(&e, 0xff);
	back[nb++] = jcc_fwd(&e, CC_NE);
	ld(&e, ESI, O_EIP);
	b1(&e, 0x3b); b1(&e, 0x71); b1(&e, L_OFF(eip));                  /* cmp esi, [rcx+eip] */
	miss = jcc_fwd(&e, CC_NE);
	rbx_op(&e, 0x03, ESI, O_SEG(CPU_CS, base));                       /* esi = lin */
	check = e.p;
	b1(&e, 0x48); ld(&e, EDI, O_EPOCH);                              /* mov rdi, epoch */
	b1(&e, 0x48); b1(&e, 0x3b); b1(&e, 0x79); b1(&e, L_OFF(epoch));  /* cmp rdi, [rcx+epoch] */
	stale = jcc_fwd(&e, CC_NE);
	linked = e.p;
	rbx_op(&e, 0x29, EAX, O_BUDGET);                                   /* sub budget, eax */
	back[nb++] = jcc_fwd(&e, CC_LE);
	/* What the run loop watches changes only in a handler (other threads
	 * wait for the budget): without a handler call since the last check,
	 * nothing to look at. */
	rbx_op(&e, 0x80, 7, O_B(jit_called));
	b1(&e, 0);
	no_call = jcc_fwd(&e, CC_E);
	for (k = 0; k < sizeof(stop_flags) / sizeof(stop_flags[0]); k++) {
		rbx_op(&e, 0x80, 7, stop_flags[k]);                         /* cmp byte [..], 0 */
		b1(&e, 0);
		back[nb++] = jcc_fwd(&e, CC_NE);
	}
	rbx_op(&e, 0xf6, 0, O_EFLAGS + 1);                                 /* test byte: TF */
	b1(&e, CPU_TF >> 8);
	back[nb++] = jcc_fwd(&e, CC_NE);
	rbx_op(&e, 0x83, 7, O_IRQ);                                        /* cmp dword irq, 0 */
	b1(&e, 0);
	no_irq = jcc_fwd(&e, CC_E);
	rbx_op(&e, 0xf6, 0, O_EFLAGS + 1);                                 /* test byte: IF */
	b1(&e, CPU_IF >> 8);
	back[nb++] = jcc_fwd(&e, CC_NE);
	patch(&e, no_irq);
	b1(&e, 0x48); b1(&e, 0xbe); b8(&e, (uint64_t)(uintptr_t)j->pm_gen); /* mov rsi, pm_gen */
	b1(&e, 0x48); b1(&e, 0x8b); b1(&e, 0x36);                        /* mov rsi, [rsi] */
	b1(&e, 0x48); rbx_op(&e, 0x3b, ESI, O_MMU_GEN);                  /* cmp rsi, mmu.gen */
	back[nb++] = jcc_fwd(&e, CC_NE);
	rbx_op(&e, 0xc6, 0, O_B(jit_called));                             /* mov byte .., 0 */
	b1(&e, 0);
	patch(&e, no_call);
	b1(&e, 0x48); rbx_op(&e, 0x01, EAX, O_INSNS);                    /* add insns, rax */
	b1(&e, 0x48); rbx_op(&e, 0x83, 0, O_B(stats.tu_lookups)); b1(&e, 1);
	b1(&e, 0x48); rbx_op(&e, 0x83, 0, O_B(stats.tu_hits)); b1(&e, 1);
	b1(&e, 0x48); b1(&e, 0x8b); b1(&e, 0x71); b1(&e, L_OFF(tu));    /* mov rsi, [rcx+tu] */
	b1(&e, 0x48); st(&e, O_TU_CUR, ESI);
	b1(&e, 0xc3);              /* the exit jumps on: its own indirect jump predicts better */
	/* Another EIP (RET, an indirect jump, a Jcc's other way): the jump
	 * cache entry for lin, which holds lin in place of EIP, if any. */
	patch(&e, miss);
	rbx_op(&e, 0x03, ESI, O_SEG(CPU_CS, base));                       /* esi = lin */
	mov_rr(&e, EDI, ESI);
	b1(&e, 0xc1); b1(&e, 0xef); b1(&e, 12);                           /* shr edi, 12 */
	b1(&e, 0x31); b1(&e, 0xf7);                                       /* xor edi, esi */
	reg_imm(&e, 4, EDI, JIT_JCACHE - 1);                              /* and edi, .. */
	b1(&e, 0x6b); b1(&e, 0xff); b1(&e, sizeof(struct jit_link));      /* imul edi, edi, size */
	b1(&e, 0x48); b1(&e, 0xb9); b8(&e, (uint64_t)(uintptr_t)j->jcache); /* mov rcx, jcache */
	b1(&e, 0x48); b1(&e, 0x01); b1(&e, 0xf9);                         /* add rcx, rdi */
	b1(&e, 0x3b); b1(&e, 0x71); b1(&e, L_OFF(eip));                  /* cmp esi, [rcx+eip] */
	back[nb++] = jcc_fwd(&e, CC_NE);
	patch_to(jmp_fwd(&e), check);
	/* An older TLB epoch (a CR3 load, INVLPG): the link still holds if no
	 * translated code went away since and the execute TLB maps lin (esi)
	 * to the TU's first byte.  Then it is renewed. */
	patch(&e, stale);
	b1(&e, 0x48); ld(&e, EDI, O_B(code_epoch));                      /* mov rdi, code epoch */
	b1(&e, 0x48); b1(&e, 0x3b); b1(&e, 0x79); b1(&e, L_OFF(code_epoch)); /* cmp rdi, [rcx+..] */
	back[nb++] = jcc_fwd(&e, CC_NE);
	mov_rr(&e, EDI, ESI);
	b1(&e, 0xc1); b1(&e, 0xef); b1(&e, 12);                           /* shr edi, 12 */
	reg_imm(&e, 4, EDI, 0xff);                                        /* and edi, 255 */
	b1(&e, 0xc1); b1(&e, 0xe7); b1(&e, 4);                            /* shl edi, 4 */
	rbx_op(&e, 0x03, EDI, O_B(tlb_user_off));                         /* add edi, user half */
	b1(&e, 0x41); b1(&e, 0x89); b1(&e, 0xf0);                         /* mov r8d, esi */
	b1(&e, 0x41); b1(&e, 0x81); b1(&e, 0xe0); b4(&e, 0xfffff000u);   /* and r8d, ~0xfff */
	b1(&e, 0x44); b1(&e, 0x3b); b1(&e, 0x84); b1(&e, 0x3b);          /* cmp r8d, [rbx+rdi+tlb] */
	b4(&e, (uint32_t)tlb_x);
	back[nb++] = jcc_fwd(&e, CC_NE);
	b1(&e, 0x4c); b1(&e, 0x8b); b1(&e, 0x84); b1(&e, 0x3b);          /* mov r8, [..+addend] */
	b4(&e, (uint32_t)(tlb_x + (int32_t)offsetof(struct mmu_tlb_entry, addend)));
	b1(&e, 0x49); b1(&e, 0x01); b1(&e, 0xf0);                         /* add r8, rsi */
	b1(&e, 0x4c); b1(&e, 0x3b); b1(&e, 0x41); b1(&e, L_OFF(host));   /* cmp r8, [rcx+host] */
	back[nb++] = jcc_fwd(&e, CC_NE);
	b1(&e, 0x48); ld(&e, EDI, O_EPOCH);
	b1(&e, 0x48); b1(&e, 0x89); b1(&e, 0x79); b1(&e, L_OFF(epoch));  /* mov [rcx+epoch], rdi */
	patch_to(jmp_fwd(&e), linked);
	for (k = 0; k < nb; k++)
		patch(&e, back[k]);
	b1(&e, 0x48); b1(&e, 0x83); b1(&e, 0xc4); b1(&e, 8);             /* drop the exit's return */
	rbx_op(&e, 0x88, EDX, O_EXIT);                                     /* mov exit, dl */
	b1(&e, 0x5b);
	b1(&e, 0xc3);
	j->exit_stub = em_close(&e);
}

/* Memory stub for segment seg, access size and acc: eax = offset in;
 * rdx = host address out, or 0 when the fast path does not apply (the
 * segment forbids it, a page crossing, a soft-TLB miss).  Clobbers ecx,
 * edi and the flags. */
static uintptr_t emit_mem_stub(struct cpu_jit *j, unsigned seg, unsigned size, unsigned acc)
{
	int32_t tlb = O_TLB + (int32_t)(acc * sizeof(((struct mmu *)0)->tlb[0][0]));
	unsigned w = acc == MMU_W, z = size == 1 ? 0 : size == 2 ? 1 : 2;
	uint8_t *fail[3];
	unsigned k;
	struct em e;

	em_open(&e, j);
	rbx_op(&e, 0x3b, EAX, O_SEG(seg, jlo[w][z]));             /* cmp eax, jlo */
	fail[0] = jcc_fwd(&e, CC_B);
	rbx_op(&e, 0x3b, EAX, O_SEG(seg, jhi[w][z]));             /* cmp eax, jhi */
	fail[1] = jcc_fwd(&e, CC_A);
	mov_rr(&e, EDX, EAX);
	rbx_op(&e, 0x03, EDX, O_SEG(seg, base));                 /* edx = lin */
	mov_rr(&e, ECX, EDX);
	b1(&e, 0xc1); b1(&e, 0xe9); b1(&e, 12);                   /* shr ecx, 12 */
	b1(&e, 0x0f); b1(&e, 0xb6); b1(&e, 0xc9);                 /* movzx ecx, cl */
	b1(&e, 0xc1); b1(&e, 0xe1); b1(&e, 4);                    /* shl ecx, 4 */
	rbx_op(&e, 0x03, ECX, O_B(tlb_user_off));                 /* add ecx, user half */
	/* The page of the last byte must be the entry's: one compare finds
	 * both a miss and a page crossing. */
	b1(&e, 0x8d); b1(&e, 0x7a); b1(&e, size - 1);             /* lea edi, [rdx+size-1] */
	reg_imm(&e, 4, EDI, 0xfffff000u);                         /* and edi, ~0xfff */
	b1(&e, 0x3b); b1(&e, 0xbc); b1(&e, 0x0b); b4(&e, (uint32_t)tlb);  /* cmp edi, [rbx+rcx+tlb] */
	fail[2] = jcc_fwd(&e, CC_NE);
	b1(&e, 0x48); b1(&e, 0x03); b1(&e, 0x94); b1(&e, 0x0b);   /* add rdx, [rbx+rcx+tlb+8] */
	b4(&e, (uint32_t)(tlb + (int32_t)offsetof(struct mmu_tlb_entry, addend)));
	b1(&e, 0xc3);
	for (k = 0; k < 3; k++)
		patch(&e, fail[k]);
	b1(&e, 0x31); b1(&e, 0xd2);                               /* xor edx, edx */
	b1(&e, 0xc3);
	return em_close(&e);
}

/* Handler thunk (rsi = the instruction): next_eip = EIP + len, the
 * handler, EIP = next_eip; eax = tu_abort. */
static uintptr_t emit_thunk(struct cpu_jit *j, cpu_handler fn)
{
	struct em e;

	em_open(&e, j);
	b1(&e, 0x48); b1(&e, 0x83); b1(&e, 0xec); b1(&e, 8);      /* sub rsp, 8: alignment */
	ld(&e, EAX, O_EIP);
	b1(&e, 0x0f); b1(&e, 0xb6); b1(&e, 0x4e);                 /* movzx ecx, byte [rsi+len] */
	b1(&e, (uint8_t)offsetof(struct cpu_insn, len));
	b1(&e, 0x01); b1(&e, 0xc8);                               /* add eax, ecx */
	st(&e, O_NEXT, EAX);
	b1(&e, 0x48); mov_rr(&e, EDI, EBX);                       /* mov rdi, rbx */
	call_abs(&e, (uintptr_t)fn);
	rbx_op(&e, 0xc6, 0, O_B(jit_called));                     /* mov byte .., 1 */
	b1(&e, 1);
	ld(&e, EAX, O_NEXT);
	st(&e, O_EIP, EAX);
	b1(&e, 0x0f); rbx_op(&e, 0xb6, EAX, O_ABORT);             /* movzx eax, byte abort */
	b1(&e, 0x48); b1(&e, 0x83); b1(&e, 0xc4); b1(&e, 8);      /* add rsp, 8 */
	b1(&e, 0xc3);
	return em_close(&e);
}

/* The thunk of handler fn, made when first needed. */
static uintptr_t jit_thunk_of(struct cpu_jit *j, cpu_handler fn)
{
	unsigned h = (unsigned)(((uintptr_t)fn >> 4) * 0x9e3779b1u) & (JIT_THUNKS - 1);

	while (j->thunk[h].fn && j->thunk[h].fn != fn)
		h = (h + 1) & (JIT_THUNKS - 1);
	if (!j->thunk[h].fn) {
		j->thunk[h].fn = fn;
		j->thunk[h].at = emit_thunk(j, fn);
	}
	return j->thunk[h].at;
}

/* The stubs every TU uses, at the start of a fresh buffer. */
static void emit_stubs(struct cpu_jit *j)
{
	unsigned s, z, a;

	emit_exit_stub(j);
	for (s = 0; s < 6; s++)
		for (z = 0; z < 3; z++)
			for (a = 0; a < 2; a++)
				j->mem_stub[s][z][a] = emit_mem_stub(j, s, 1u << z, a ? MMU_W : MMU_R);
	j->ready = true;
}

cpu_native jit_compile(struct cpu_jit *j, const struct cpu_insn *insn, unsigned n,
		       struct jit_link *links, const uint64_t *pm_gen)
{
	struct em em, *e = &em;
	unsigned k;

	if (!j)
		return NULL;
	if (j->used + JIT_TU_MAX > JIT_BUF)
		return NULL;
	j->pm_gen = pm_gen;
	if (!j->ready)
		emit_stubs(j);
	/* Thunks first: they go to the buffer before this TU's code. */
	for (k = 0; k < n; k++)
		jit_thunk_of(j, insn[k].fn);
	em_open(e, j);
	e->links = links;
	e->n = n;
	b1(e, 0x53);                                    /* push rbx */
	b1(e, 0x48); mov_rr(e, EBX, EDI);               /* mov rbx, rdi */
	for (k = 0; k < n; k++) {
		const struct cpu_insn *i = &insn[k];
		bool last = k + 1 == n;

		if (i->fn == cpu_op_ud || i->lock || i->adsize != 4) {
			emit_generic(e, i, k);
			continue;
		}
		if (last && (emit_branch(e, i, k) || emit_call_ret(e, i, k)))
			break;
		if (emit_reg_move(e, i) || emit_alu(e, i, k) || emit_incdec(e, i, k) ||
		    emit_shift(e, i, k) || emit_imul(e, i, k) || emit_not_neg(e, i, k))
			continue;
		if ((i->mod != 3 || !i->has_modrm) && emit_mem_move(e, i, k))
			continue;
		if (emit_push_pop(e, i, k))
			continue;
		emit_generic(e, i, k);
	}
	if (k == n) {
		/* Ended by length (exit 0) or by a handler's transfer (exit 1). */
		sync_eip(e);
		tu_exit(e, (insn[n - 1].flags & CPU_OPF_END) ? 1 : 0, n);
	}
	emit_cold(e);
	return (cpu_native)(void *)em_close(e);
}

struct cpu_jit *jit_create(struct jit_link *jcache)
{
	struct cpu_jit *j;
	const char *env = getenv("HOSTVM_JIT");
	int fd;

	if (env && !strcmp(env, "0"))
		return NULL;
	j = calloc(1, sizeof(*j));
	if (!j)
		return NULL;
	j->jcache = jcache;
	fd = memfd_create("hostvm-jit", MFD_CLOEXEC);
	if (fd < 0 || ftruncate(fd, JIT_BUF) < 0)
		goto fail;
	j->rw = mmap(NULL, JIT_BUF, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	j->rx = mmap(NULL, JIT_BUF, PROT_READ | PROT_EXEC, MAP_SHARED, fd, 0);
	if (j->rw == MAP_FAILED || j->rx == MAP_FAILED)
		goto fail;
	close(fd);
	return j;
fail:
	if (j->rw && j->rw != MAP_FAILED)
		munmap(j->rw, JIT_BUF);
	if (j->rx && j->rx != MAP_FAILED)
		munmap(j->rx, JIT_BUF);
	if (fd >= 0)
		close(fd);
	free(j);
	return NULL;
}

void jit_destroy(struct cpu_jit *j)
{
	if (!j)
		return;
	munmap(j->rw, JIT_BUF);
	munmap(j->rx, JIT_BUF);
	free(j);
}

void jit_reset(struct cpu_jit *j)
{
	if (!j)
		return;
	j->used = 0;
	j->ready = false;
	memset(j->thunk, 0, sizeof(j->thunk));
}

#else  /* no native back end for this host: the threaded one runs everything */

cpu_native jit_compile(struct cpu_jit *j, const struct cpu_insn *insn, unsigned n,
		       struct jit_link *links, const uint64_t *pm_gen)
{
	(void)j; (void)insn; (void)n; (void)links; (void)pm_gen;
	return NULL;
}
struct cpu_jit *jit_create(struct jit_link *jcache) { (void)jcache; return NULL; }
void jit_destroy(struct cpu_jit *j) { (void)j; }
void jit_reset(struct cpu_jit *j) { (void)j; }

#endif
