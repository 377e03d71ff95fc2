/* x87 FPU: state helpers, exception bookkeeping and opcode dispatch. */
#include "cpu/x87_int.h"

const struct x87_reg x87_indefinite = { 0xC000000000000000ull, 0xFFFF };

void x87_reset(struct x87 *f)
{
	memset(f->st, 0, sizeof(f->st));
	f->cw = 0x037F;
	f->sw = 0;
	f->tw = 0xFFFF;
	f->top = 0;
	f->fop = 0;
	f->fip = f->fdp = 0;
	f->fcs = f->fds = 0;
	f->eflags_out = 0;
	f->eflags_valid = false;
}

uint16_t x87_status(const struct x87 *f)
{
	return (uint16_t)((f->sw & ~0x3800u) | ((f->top & 7u) << 11));
}

int x87_fwait(struct x87 *f)
{
	return (f->sw & SW_ES) ? X87_MF : X87_OK;
}

int x87_classify_tag(struct x87_reg r)
{
	unsigned e = r.sexp & 0x7FFF;

	if (e == 0x7FFF)
		return TAG_SPECIAL;
	if (e == 0)
		return r.mant ? TAG_SPECIAL : TAG_ZERO;
	return (r.mant >> 63) ? TAG_VALID : TAG_SPECIAL;  /* unnormal */
}

static void set_tag(struct x87 *f, int phys, int tag)
{
	f->tw = (uint16_t)((f->tw & ~(3u << (2 * phys))) | ((unsigned)tag << (2 * phys)));
}

void x87_set(struct x87 *f, int i, struct x87_reg r)
{
	int p = x87_phys(f, i);

	f->st[p] = r;
	set_tag(f, p, x87_classify_tag(r));
}

void x87_free(struct x87 *f, int i)
{
	set_tag(f, x87_phys(f, i), TAG_EMPTY);
}

void x87_pop(struct x87 *f)
{
	x87_free(f, 0);
	f->top = (f->top + 1) & 7;
}

void x87_push(struct x87 *f, struct x87_reg r)
{
	f->top = (f->top - 1) & 7;
	x87_set(f, 0, r);
}

void x87_raise(struct x87 *f, unsigned flags)
{
	flags &= SW_EXC | SW_SF;
	f->sw |= (uint16_t)flags;
	if (flags & SW_EXC & ~f->cw)
		f->sw |= SW_ES | SW_B;
}

bool x87_stack_fault(struct x87 *f, bool overflow)
{
	f->sw = (uint16_t)((f->sw & ~SW_C1) | (overflow ? SW_C1 : 0));
	x87_raise(f, SW_IE | SW_SF);
	return (f->cw & SW_IE) != 0;
}

/* Instructions that neither check for pending exceptions nor update the
 * instruction/data pointers. */
static bool is_control(const struct x87_insn *in)
{
	int reg = (in->modrm >> 3) & 7;
	bool mem = (in->modrm >> 6) != 3;

	switch (in->op) {
	case 0xD9:
		return mem && reg >= 4;
	case 0xDB:
		return !mem && (in->modrm >= 0xE0 && in->modrm <= 0xE7);
	case 0xDD:
		return mem && (reg == 4 || reg == 6 || reg == 7);
	case 0xDF:
		return in->modrm == 0xE0;
	}
	return false;
}

/* FN-forms: control instructions that do not wait either. */
static bool no_wait(const struct x87_insn *in)
{
	int reg = (in->modrm >> 3) & 7;
	bool mem = (in->modrm >> 6) != 3;

	switch (in->op) {
	case 0xD9:
		return mem && (reg == 6 || reg == 7);
	case 0xDB:
		return in->modrm == 0xE2 || in->modrm == 0xE3;
	case 0xDD:
		return mem && (reg == 6 || reg == 7);
	case 0xDF:
		return in->modrm == 0xE0;
	}
	return false;
}

static int exec_reg(struct x87 *f, const struct x87_insn *in)
{
	int reg = (in->modrm >> 3) & 7, i = in->modrm & 7;

	switch (in->op) {
	case 0xD8: case 0xDC: case 0xDE:
		return x87_arith_reg(f, in->op, reg, i);
	case 0xD9:
		return x87_misc_d9(f, in->modrm);
	case 0xDA: case 0xDB: case 0xDD: case 0xDF:
		return x87_cmp_reg(f, in->op, reg, i, in->eflags);
	}
	return X87_UD;
}

int x87_exec(struct x87 *f, const struct x87_insn *in, const struct x87_mem *mem)
{
	bool control = is_control(in);
	bool ismem = (in->modrm >> 6) != 3;
	int reg = (in->modrm >> 3) & 7;
	int rc;

	f->eflags_valid = false;
	if (in->op < 0xD8 || in->op > 0xDF)
		return X87_UD;
	if (!no_wait(in) && (f->sw & SW_ES))
		return X87_MF;
	if (!ismem) {
		rc = exec_reg(f, in);
	} else if (control) {
		rc = x87_env_mem(f, in, mem, reg);
	} else if ((in->op & 1) == 0) {
		rc = x87_arith_mem(f, in, mem, reg);
	} else {
		rc = x87_ldst_mem(f, in, mem, reg);
	}
	if (rc == X87_OK && !control) {
		f->fop = (uint16_t)(((in->op & 7u) << 8) | in->modrm);
		f->fip = in->fip;
		f->fcs = in->fcs;
		if (ismem) {
			f->fdp = in->fdp;
			f->fds = in->fds;
		}
	}
	return rc;
}
