/* Basic arithmetic: FADD/FMUL/FSUB/FSUBR/FDIV/FDIVR with m32fp, m64fp,
 * m32int, m16int and ST(i) operands (+P forms), and the memory forms of
 * FCOM/FCOMP/FICOM/FICOMP which share their encoding rows. */
#include "cpu/x87_host.h"

/* Flags of the operation plus those of converting its memory operand; an
 * invalid operand takes priority over a denormal one. */
static unsigned merge_flags(unsigned flags, unsigned extra)
{
	flags |= extra;
	if (flags & SW_IE)
		flags &= ~SW_DE;
	return flags;
}

/* kind: reg field of the D8 row: 0 add, 1 mul, 4 dst-src, 5 src-dst,
 * 6 dst/src, 7 src/dst.  Writes ST(d). */
static bool binop(struct x87 *f, int kind, int d, struct x87_reg dst, struct x87_reg src, unsigned extra)
{
	static const enum x87_hop hop[8] = {
		HOP_ADD, HOP_MUL, HOP_ADD, HOP_ADD, HOP_SUB, HOP_SUB, HOP_DIV, HOP_DIV,
	};
	struct x87_reg out[3];
	bool rev = kind == 5 || kind == 7;
	uint16_t hsw;
	unsigned flags;

	hsw = x87_host_op(f->cw, hop[kind], rev ? &src : &dst, rev ? &dst : &src, NULL, out);
	flags = merge_flags(hsw & SW_EXC, extra);
	x87_raise(f, flags);
	if (x87_blocked(f, flags))
		return false;
	f->sw = (uint16_t)((f->sw & ~SW_C1) | (hsw & SW_C1));
	x87_set(f, d, out[0]);
	return true;
}

/* Compare ST(0) with b (FCOM or FUCOM semantics); sets C0/C2/C3 or, for
 * the FCOMI forms, EFLAGS through eflags_out. */
bool x87_compare(struct x87 *f, struct x87_reg a, struct x87_reg b, bool unordered_ok, bool to_eflags,
		 unsigned extra)
{
	struct x87_reg out[3];
	uint16_t hsw;
	unsigned flags;

	hsw = x87_host_op(f->cw, unordered_ok ? HOP_UCOM : HOP_COM, &a, &b, NULL, out);
	flags = merge_flags(hsw & SW_EXC, extra);
	x87_raise(f, flags);
	f->sw &= (uint16_t)~SW_C1;
	if (x87_blocked(f, flags))
		return false;
	if (to_eflags) {
		f->eflags_out = ((hsw & SW_C0) ? X87_EFLAGS_CF : 0) |
				((hsw & SW_C2) ? X87_EFLAGS_PF : 0) |
				((hsw & SW_C3) ? X87_EFLAGS_ZF : 0);
		f->eflags_valid = true;
	} else {
		x87_set_cc(f, hsw & (SW_C0 | SW_C2 | SW_C3));
	}
	return true;
}

/* Stack underflow in a compare: masked response is "unordered". */
bool x87_compare_underflow(struct x87 *f, bool to_eflags)
{
	if (!x87_stack_fault(f, false))
		return false;
	f->sw &= (uint16_t)~SW_C1;
	if (to_eflags) {
		f->eflags_out = X87_EFLAGS_CF | X87_EFLAGS_PF | X87_EFLAGS_ZF;
		f->eflags_valid = true;
	} else {
		x87_set_cc(f, SW_C0 | SW_C2 | SW_C3);
	}
	return true;
}

int x87_arith_mem(struct x87 *f, const struct x87_insn *in, const struct x87_mem *mem, int reg)
{
	struct x87_reg src, out[3], zero = { 0, 0 };
	uint64_t bits = 0;
	uint16_t hsw;
	unsigned extra = 0;
	bool ok;

	switch (in->op) {
	case 0xD8: case 0xDC:
		mem->read(mem->opaque, 0, &bits, in->op == 0xD8 ? 4 : 8);
		if (x87_empty(f, 0))
			break;
		hsw = x87_host_op(f->cw, in->op == 0xD8 ? HOP_LD32 : HOP_LD64, &zero, NULL, &bits, out);
		extra = hsw & (SW_IE | SW_DE);
		src = out[0];
		break;
	case 0xDA: {
		int32_t v;
		mem->read(mem->opaque, 0, &v, 4);
		src = x87_from_int(v);
		break;
	}
	default: {
		int16_t v;
		mem->read(mem->opaque, 0, &v, 2);
		src = x87_from_int(v);
		break;
	}
	}
	if (!x87_empty(f, 0) && (x87_get(f, 0).sexp & 0x7FFF) == 0x7FFF &&
	    (x87_get(f, 0).mant << 1) != 0)
		extra &= ~SW_DE;   /* a NaN operand takes priority over #D */
	if ((extra & SW_IE) && !x87_empty(f, 0) && (x87_get(f, 0).sexp & 0x7FFF) == 0x7FFF &&
	    (x87_get(f, 0).mant << 1) != 0) {
		/* The memory SNaN was quieted on load; restore the NaN rules: a
		 * QNaN beats an SNaN, of two SNaNs the larger significand wins. */
		struct x87_reg d = x87_get(f, 0);

		if ((d.mant >> 62) == 3 || (d.mant | 1ull << 62) >= src.mant)
			src = d;
	}
	if (reg != 2 && reg != 3) {
		if (!x87_empty(f, 0))
			binop(f, reg, 0, x87_get(f, 0), src, extra);
		else if (x87_stack_fault(f, false))
			x87_set(f, 0, x87_indefinite);
		return X87_OK;
	}
	if (x87_empty(f, 0))
		ok = x87_compare_underflow(f, false);
	else
		ok = x87_compare(f, x87_get(f, 0), src, false, false, extra);
	if (reg == 3 && ok)
		x87_pop(f);
	return X87_OK;
}

int x87_arith_reg(struct x87 *f, uint8_t op, int reg, int i)
{
	int kind = reg, d = 0;
	bool pop = op == 0xDE, ok;

	if (reg == 2 || reg == 3) {
		if (op == 0xDE && !(reg == 3 && i == 1))
			return X87_UD;
		if (x87_empty(f, 0) || x87_empty(f, i))
			ok = x87_compare_underflow(f, false);
		else
			ok = x87_compare(f, x87_get(f, 0), x87_get(f, i), false, false, 0);
		if (ok && reg == 3)
			x87_pop(f);
		if (ok && op == 0xDE)
			x87_pop(f);
		return X87_OK;
	}
	if (op != 0xD8) {
		d = i;
		if (kind >= 4)
			kind ^= 1;
	}
	if (x87_empty(f, 0) || x87_empty(f, i)) {
		if (x87_stack_fault(f, false)) {
			x87_set(f, d, x87_indefinite);
			if (pop)
				x87_pop(f);
		}
		return X87_OK;
	}
	if (binop(f, kind, d, x87_get(f, d), x87_get(f, d == 0 ? i : 0), 0) && pop)
		x87_pop(f);
	return X87_OK;
}
