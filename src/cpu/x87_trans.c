/* D9 register forms: FLD/FXCH ST(i), FCHS, FABS, FTST, FXAM, constants,
 * stack-pointer control and the transcendental group (F2XM1, FYL2X,
 * FPTAN, FPATAN, FXTRACT, FPREM/FPREM1, FYL2XP1, FSQRT, FSINCOS,
 * FRNDINT, FSCALE, FSIN, FCOS). */
#include "cpu/x87_host.h"

void x87_set_cc(struct x87 *f, uint16_t cc)
{
	f->sw = (uint16_t)((f->sw & ~SW_CC) | (cc & SW_CC));
}

int x87_stack_op(struct x87 *f, enum x87_hop op, int nin, bool pushes)
{
	struct x87_reg a, b, out[3];
	uint16_t hsw;
	unsigned flags;
	int delta;

	if (x87_empty(f, 0) || (nin == 2 && x87_empty(f, 1))) {
		if (!x87_stack_fault(f, false))
			return X87_OK;
		if (op == HOP_YL2X || op == HOP_YL2XP1 || op == HOP_PATAN) {
			x87_set(f, 1, x87_indefinite);
			x87_pop(f);
		} else {
			x87_set(f, 0, x87_indefinite);
			if (pushes)
				x87_push(f, x87_indefinite);
		}
		return X87_OK;
	}
	if (pushes && !x87_empty(f, 7)) {
		if (x87_stack_fault(f, true)) {
			x87_set(f, 0, x87_indefinite);
			x87_push(f, x87_indefinite);
		}
		return X87_OK;
	}
	a = x87_get(f, 0);
	b = x87_get(f, 1);
	hsw = x87_host_op(f->cw, op, &a, nin == 2 ? &b : NULL, NULL, out);
	flags = hsw & SW_EXC;
	x87_raise(f, flags);
	if (x87_blocked(f, flags))
		return X87_OK;
	x87_set_cc(f, hsw);
	delta = x87_host_delta(hsw);
	if (delta < 0) {
		x87_set(f, 1, out[0]);
		x87_pop(f);
	} else if (delta == 0) {
		x87_set(f, 0, out[0]);
	} else {
		x87_set(f, 0, out[1]);
		x87_push(f, out[0]);
	}
	return X87_OK;
}

static int fld_const(struct x87 *f, enum x87_hop op)
{
	struct x87_reg zero = { 0, 0 }, out[3];

	if (!x87_empty(f, 7)) {
		if (x87_stack_fault(f, true))
			x87_push(f, x87_indefinite);
		return X87_OK;
	}
	x87_host_op(f->cw, op, &zero, NULL, NULL, out);
	f->sw &= (uint16_t)~SW_C1;
	x87_push(f, out[0]);
	return X87_OK;
}

static int fld_sti(struct x87 *f, int i)
{
	struct x87_reg v;

	if (!x87_empty(f, 7)) {
		if (x87_stack_fault(f, true))
			x87_push(f, x87_indefinite);
		return X87_OK;
	}
	if (x87_empty(f, i)) {
		if (x87_stack_fault(f, false))
			x87_push(f, x87_indefinite);
		return X87_OK;
	}
	v = x87_get(f, i);
	f->sw &= (uint16_t)~SW_C1;
	x87_push(f, v);
	return X87_OK;
}

static int fxch(struct x87 *f, int i)
{
	struct x87_reg a, b;

	if (x87_empty(f, 0) || x87_empty(f, i)) {
		if (!x87_stack_fault(f, false))
			return X87_OK;
		if (x87_empty(f, 0))
			x87_set(f, 0, x87_indefinite);
		if (x87_empty(f, i))
			x87_set(f, i, x87_indefinite);
	} else {
		f->sw &= (uint16_t)~SW_C1;
	}
	a = x87_get(f, 0);
	b = x87_get(f, i);
	x87_set(f, 0, b);
	x87_set(f, i, a);
	return X87_OK;
}

static int fxam(struct x87 *f)
{
	struct x87_reg a = x87_get(f, 0), out[3];
	uint16_t hsw;

	if (x87_empty(f, 0)) {
		x87_set_cc(f, SW_C3 | SW_C0 | ((a.sexp & 0x8000) ? SW_C1 : 0));
		return X87_OK;
	}
	hsw = x87_host_op(f->cw, HOP_XAM, &a, NULL, NULL, out);
	x87_set_cc(f, hsw);
	return X87_OK;
}

static int ftst(struct x87 *f)
{
	struct x87_reg a = x87_get(f, 0), out[3];
	uint16_t hsw;
	unsigned flags;

	if (x87_empty(f, 0)) {
		if (x87_stack_fault(f, false))
			x87_set_cc(f, SW_C3 | SW_C2 | SW_C0);
		return X87_OK;
	}
	hsw = x87_host_op(f->cw, HOP_TST, &a, NULL, NULL, out);
	flags = hsw & SW_EXC;
	x87_raise(f, flags);
	if (!x87_blocked(f, flags))
		x87_set_cc(f, hsw);
	return X87_OK;
}

int x87_misc_d9(struct x87 *f, uint8_t modrm)
{
	static const enum x87_hop consts[7] = {
		HOP_LD1, HOP_LDL2T, HOP_LDL2E, HOP_LDPI, HOP_LDLG2, HOP_LDLN2, HOP_LDZ,
	};

	if (modrm <= 0xC7)
		return fld_sti(f, modrm & 7);
	if (modrm <= 0xCF)
		return fxch(f, modrm & 7);
	if (modrm >= 0xE8 && modrm <= 0xEE)
		return fld_const(f, consts[modrm - 0xE8]);
	switch (modrm) {
	case 0xD0: return X87_OK;
	case 0xE0: return x87_stack_op(f, HOP_CHS, 1, false);
	case 0xE1: return x87_stack_op(f, HOP_ABS, 1, false);
	case 0xE4: return ftst(f);
	case 0xE5: return fxam(f);
	case 0xF0: return x87_stack_op(f, HOP_F2XM1, 1, false);
	case 0xF1: return x87_stack_op(f, HOP_YL2X, 2, false);
	case 0xF2: return x87_stack_op(f, HOP_PTAN, 1, true);
	case 0xF3: return x87_stack_op(f, HOP_PATAN, 2, false);
	case 0xF4: return x87_stack_op(f, HOP_XTRACT, 1, true);
	case 0xF5: return x87_stack_op(f, HOP_PREM1, 2, false);
	case 0xF6:
		f->top = (f->top - 1) & 7;
		f->sw &= (uint16_t)~SW_C1;
		return X87_OK;
	case 0xF7:
		f->top = (f->top + 1) & 7;
		f->sw &= (uint16_t)~SW_C1;
		return X87_OK;
	case 0xF8: return x87_stack_op(f, HOP_PREM, 2, false);
	case 0xF9: return x87_stack_op(f, HOP_YL2XP1, 2, false);
	case 0xFA: return x87_stack_op(f, HOP_SQRT, 1, false);
	case 0xFB: return x87_stack_op(f, HOP_SINCOS, 1, true);
	case 0xFC: return x87_stack_op(f, HOP_RNDINT, 1, false);
	case 0xFD: return x87_stack_op(f, HOP_SCALE, 2, false);
	case 0xFE: return x87_stack_op(f, HOP_SIN, 1, false);
	case 0xFF: return x87_stack_op(f, HOP_COS, 1, false);
	}
	return X87_UD;
}
