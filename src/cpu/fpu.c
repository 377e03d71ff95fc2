/* x87 escape opcodes (D8-DF) and WAIT/FWAIT (9B), wired to the x87 library.
 *
 * #NM: ESC with CR0.EM or CR0.TS; WAIT with CR0.TS and CR0.MP.
 * Pending unmasked x87 exceptions reported at the next waiting instruction:
 *  - CR0.NE=1: #MF, the instruction does not execute (it restarts after the
 *    handler cleared the exception).
 *  - CR0.NE=0 (the PC/AT legacy path): FERR# is asserted through
 *    env.ferr (the platform routes it to IRQ13) and the instruction executes
 *    as if IGNNE# were active, i.e. ignoring the pending exception; FERR# is
 *    dropped again once an FNCLEX/FNINIT/FLDENV/FRSTOR/FNSAVE leaves the
 *    status word without ES.  A real 486+ without IGNNE# would instead
 *    freeze at the instruction until the IRQ13 handler ran; executing on
 *    keeps a guest with IRQ13 masked from hanging.
 * Memory operands go through cpu_read/cpu_write; a fault longjmps out of
 * x87_exec, which does all reads before changing state and all writes
 * before committing (x87.h), so the instruction restarts cleanly. */
#include "config.h"

#include <string.h>

#include "cpu/cpu_int.h"

#define FPU_SW_ES 0x0080u
#define FPU_SW_B 0x8000u
#define FPU_SW_EXC 0x003fu

struct fpu_mem {
	struct cpu *c;
	unsigned seg;
	uint32_t ea;
	uint32_t am;   /* address-size mask: offsets wrap like the EA does */
};

static void fpu_mem_read(void *opaque, uint32_t off, void *buf, unsigned len)
{
	const struct fpu_mem *m = opaque;
	uint8_t *p = buf;
	uint32_t a = m->ea + off, v;

	while (len >= 4) {
		v = cpu_read(m->c, m->seg, a & m->am, 4);
		memcpy(p, &v, 4);
		p += 4, a += 4, len -= 4;
	}
	while (len > 0) {
		*p++ = (uint8_t)cpu_read(m->c, m->seg, a & m->am, 1);
		a++, len--;
	}
}

/* The whole destination is probed first, so a fault leaves memory as it
 * was. */
static void fpu_mem_write(void *opaque, uint32_t off, const void *buf, unsigned len)
{
	const struct fpu_mem *m = opaque;
	const uint8_t *p = buf;
	uint32_t a = m->ea + off, v;

	if (((a + len - 1) & m->am) >= (a & m->am))
		cpu_check_write(m->c, m->seg, a & m->am, len);
	while (len >= 4) {
		memcpy(&v, p, 4);
		cpu_write(m->c, m->seg, a & m->am, 4, v);
		p += 4, a += 4, len -= 4;
	}
	while (len > 0) {
		cpu_write(m->c, m->seg, a & m->am, 1, *p++);
		a++, len--;
	}
}

static void fpu_ferr(struct cpu *c, int level)
{
	if (c->env.ferr)
		c->env.ferr(c->env.ferr_opaque, level);
}

/* Instructions after which ES may have gone clear. */
static bool fpu_may_clear(const struct cpu_insn *i)
{
	unsigned reg = i->reg;
	bool mem = !cpu_modrm_is_reg(i);

	if (i->op == 0xdb)
		return i->modrm == 0xe2 || i->modrm == 0xe3;
	if (i->op == 0xd9)
		return mem && reg == 4;
	if (i->op == 0xdd)
		return mem && (reg == 4 || reg == 6);
	return false;
}

/* FCMOVcc (DA/DB C0-DF) reads EFLAGS. */
static bool fpu_reads_flags(const struct cpu_insn *i)
{
	return (i->op == 0xda || i->op == 0xdb) && i->modrm >= 0xc0 && i->modrm < 0xe0;
}

/* ESC D8-DF. */
void cpu_op_esc(struct cpu *c, const struct cpu_insn *i)
{
	struct x87_insn in;
	struct fpu_mem m;
	struct x87_mem mem = { &m, fpu_mem_read, fpu_mem_write };
	int rc;

	if (c->cr0 & (CPU_CR0_EM | CPU_CR0_TS))
		cpu_raise(c, CPU_NM, 0);
	if (i->op == 0xdf && i->modrm == 0xe0) {   /* FNSTSW AX */
		cpu_set_reg(c, CPU_EAX, 2, x87_status(&c->fpu));
		return;
	}
	memset(&in, 0, sizeof(in));
	in.op = i->op;
	in.modrm = i->modrm;
	in.op32 = i->opsize == 4;
	in.pmode = cpu_pmode(c) && !cpu_v86(c);
	in.fcs = c->seg[CPU_CS].sel;
	in.fip = c->eip;
	if (fpu_reads_flags(i))
		in.eflags = cpu_flags(c);
	m.c = c;
	m.am = i->adsize == 2 ? 0xffffu : 0xffffffffu;
	m.seg = i->seg;
	m.ea = 0;
	if (!cpu_modrm_is_reg(i)) {
		m.ea = cpu_ea(c, i);
		in.fds = c->seg[i->seg].sel;
		in.fdp = m.ea;
	}
	rc = x87_exec(&c->fpu, &in, &mem);
	if (rc == X87_MF) {
		struct x87 f;

		if (c->cr0 & CPU_CR0_NE)
			cpu_raise(c, CPU_MF, 0);
		fpu_ferr(c, 1);
		/* IGNNE#: run it on a copy with the pending exception hidden (a
		 * fault then leaves the real state untouched), then put the
		 * summary bits back if unmasked exceptions remain. */
		f = c->fpu;
		f.sw &= (uint16_t)~(FPU_SW_ES | FPU_SW_B);
		rc = x87_exec(&f, &in, &mem);
		if (f.sw & FPU_SW_EXC & ~f.cw)
			f.sw |= FPU_SW_ES | FPU_SW_B;
		c->fpu = f;
	}
	if (rc == X87_UD)
		cpu_raise(c, CPU_UD, 0);
	if (c->fpu.eflags_valid)
		cpu_set_flags(c, c->fpu.eflags_out & (X87_EFLAGS_ZF | X87_EFLAGS_PF | X87_EFLAGS_CF),
			      CPU_ARITH);
	if (fpu_may_clear(i) && !(c->fpu.sw & FPU_SW_ES))
		fpu_ferr(c, 0);
}

/* WAIT/FWAIT (9B). */
void cpu_op_fwait(struct cpu *c, const struct cpu_insn *i)
{
	(void)i;
	if ((c->cr0 & (CPU_CR0_TS | CPU_CR0_MP)) == (CPU_CR0_TS | CPU_CR0_MP))
		cpu_raise(c, CPU_NM, 0);
	if (x87_fwait(&c->fpu) == X87_MF) {
		if (c->cr0 & CPU_CR0_NE)
			cpu_raise(c, CPU_MF, 0);
		fpu_ferr(c, 1);
	}
}
