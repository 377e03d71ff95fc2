/* x87 loads and stores: FLD/FST/FSTP m32/m64/m80, FILD/FIST/FISTP
 * m16/m32/m64, FBLD/FBSTP m80bcd.  Memory is read before any state
 * changes and written before the pop is committed. */
#include "cpu/x87_host.h"

static void set_c1(struct x87 *f, bool c1)
{
	f->sw = (uint16_t)((f->sw & ~SW_C1) | (c1 ? SW_C1 : 0));
}

struct x87_reg x87_from_int(int64_t v)
{
	struct x87_reg r = { 0, 0 };
	uint64_t m;
	int lz;

	if (v == 0)
		return r;
	m = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
	lz = __builtin_clzll(m);
	r.mant = m << lz;
	r.sexp = (uint16_t)((v < 0 ? 0x8000u : 0) | (16383u + 63u - (unsigned)lz));
	return r;
}

/* Round a to an integer per RC and return its magnitude and sign; flags
 * gets IE when it is NaN, infinite or does not fit in 'limit' (the largest
 * allowed magnitude for a positive value; negatives may reach limit + 1). */
static unsigned to_int(struct x87 *f, struct x87_reg a, uint64_t limit, uint64_t *mag, bool *neg)
{
	struct x87_reg out[3];
	uint16_t hsw = x87_host_op(f->cw, HOP_RNDINT, &a, NULL, NULL, out);
	unsigned flags = hsw & (SW_IE | SW_PE | SW_C1);   /* FIST raises no #D */
	unsigned e = out[0].sexp & 0x7FFF;
	int sh;

	*neg = (out[0].sexp & 0x8000) != 0;
	*mag = 0;
	if (flags & SW_IE)
		return SW_IE;
	if (e == 0x7FFF)
		return SW_IE;
	if (out[0].mant == 0 || e < 16383)
		return flags;
	sh = (int)e - 16383;
	if (sh > 63)
		return SW_IE;
	*mag = out[0].mant >> (63 - sh);
	if (*mag > limit + (*neg ? 1u : 0u))
		return SW_IE;
	return flags;
}

static int fild(struct x87 *f, int64_t v)
{
	if (!x87_empty(f, 7)) {
		if (x87_stack_fault(f, true))
			x87_push(f, x87_indefinite);
		return X87_OK;
	}
	set_c1(f, false);
	x87_push(f, x87_from_int(v));
	return X87_OK;
}

static int fld_conv(struct x87 *f, enum x87_hop op, uint64_t bits)
{
	struct x87_reg out[3], zero = { 0, 0 };
	uint16_t hsw;

	if (!x87_empty(f, 7)) {
		if (x87_stack_fault(f, true))
			x87_push(f, x87_indefinite);
		return X87_OK;
	}
	hsw = x87_host_op(f->cw, op, &zero, NULL, &bits, out);
	x87_raise(f, hsw & (SW_IE | SW_DE));
	if (x87_blocked(f, hsw & (SW_IE | SW_DE)))
		return X87_OK;
	set_c1(f, false);
	x87_push(f, out[0]);
	return X87_OK;
}

/* Source operand ST(0) for a store; false when the store must not happen
 * (empty register with invalid unmasked). */
static bool store_src(struct x87 *f, struct x87_reg *a)
{
	if (x87_empty(f, 0)) {
		if (!x87_stack_fault(f, false))
			return false;
		*a = x87_indefinite;
		return true;
	}
	*a = x87_get(f, 0);
	return true;
}

static int fst_conv(struct x87 *f, const struct x87_mem *mem, enum x87_hop op, unsigned len, bool pop)
{
	struct x87_reg a;
	uint64_t bits = 0;
	uint16_t hsw;
	unsigned flags;

	if (!store_src(f, &a))
		return X87_OK;
	hsw = x87_host_op(f->cw, op, &a, NULL, &bits, NULL);
	flags = hsw & SW_EXC;
	if (flags & ~f->cw & (SW_IE | SW_DE | SW_OE | SW_UE)) {
		x87_raise(f, flags);
		return X87_OK;
	}
	mem->write(mem->opaque, 0, &bits, len);
	x87_raise(f, flags);
	set_c1(f, (hsw & SW_C1) != 0);
	if (pop)
		x87_pop(f);
	return X87_OK;
}

static int fist(struct x87 *f, const struct x87_mem *mem, unsigned len, bool pop)
{
	struct x87_reg a;
	uint64_t limit = (len == 8) ? INT64_MAX : (1ull << (len * 8 - 1)) - 1;
	uint64_t mag;
	uint64_t v;
	unsigned flags;
	bool neg;

	if (!store_src(f, &a))
		return X87_OK;
	flags = to_int(f, a, limit, &mag, &neg);
	if (flags & SW_IE) {
		x87_raise(f, SW_IE);
		if (!(f->cw & SW_IE))
			return X87_OK;
		v = 1ull << (len * 8 - 1);
		flags = 0;
	} else {
		v = neg ? (uint64_t)0 - mag : mag;
	}
	mem->write(mem->opaque, 0, &v, len);
	x87_raise(f, flags);
	set_c1(f, (flags & SW_C1) != 0);
	if (pop)
		x87_pop(f);
	return X87_OK;
}

static int fbld(struct x87 *f, const struct x87_mem *mem)
{
	uint8_t b[10];
	uint64_t v = 0;
	struct x87_reg r;
	int i;

	mem->read(mem->opaque, 0, b, 10);
	for (i = 8; i >= 0; i--)
		v = v * 100 + (uint64_t)((b[i] >> 4) & 15) * 10 + (b[i] & 15);
	if (!x87_empty(f, 7)) {
		if (x87_stack_fault(f, true))
			x87_push(f, x87_indefinite);
		return X87_OK;
	}
	r = x87_from_int((int64_t)v);
	if (b[9] & 0x80)
		r.sexp |= 0x8000;
	set_c1(f, false);
	x87_push(f, r);
	return X87_OK;
}

static int fbstp(struct x87 *f, const struct x87_mem *mem)
{
	static const uint8_t indef[10] = { 0, 0, 0, 0, 0, 0, 0, 0xC0, 0xFF, 0xFF };
	uint8_t b[10] = { 0 };
	struct x87_reg a;
	uint64_t mag;
	unsigned flags;
	bool neg;
	int i;

	if (!store_src(f, &a))
		return X87_OK;
	flags = to_int(f, a, 999999999999999999ull, &mag, &neg);
	if (mag == 999999999999999999ull + 1)
		flags = SW_IE;
	if (flags & SW_IE) {
		x87_raise(f, SW_IE);
		if (!(f->cw & SW_IE))
			return X87_OK;
		memcpy(b, indef, 10);
		flags = 0;
	} else {
		for (i = 0; i < 9; i++) {
			b[i] = (uint8_t)((mag % 10) | ((mag / 10 % 10) << 4));
			mag /= 100;
		}
		b[9] = neg ? 0x80 : 0;
	}
	mem->write(mem->opaque, 0, b, 10);
	x87_raise(f, flags);
	set_c1(f, (flags & SW_C1) != 0);
	x87_pop(f);
	return X87_OK;
}

int x87_ldst_mem(struct x87 *f, const struct x87_insn *in, const struct x87_mem *mem, int reg)
{
	uint8_t buf[10];
	uint64_t bits = 0;
	struct x87_reg r;

	switch ((in->op << 4) | reg) {
	case 0xD90: mem->read(mem->opaque, 0, &bits, 4); return fld_conv(f, HOP_LD32, bits);
	case 0xD92: return fst_conv(f, mem, HOP_ST32, 4, false);
	case 0xD93: return fst_conv(f, mem, HOP_ST32, 4, true);
	case 0xDD0: mem->read(mem->opaque, 0, &bits, 8); return fld_conv(f, HOP_LD64, bits);
	case 0xDD2: return fst_conv(f, mem, HOP_ST64, 8, false);
	case 0xDD3: return fst_conv(f, mem, HOP_ST64, 8, true);
	case 0xDB0: {
		int32_t v;
		mem->read(mem->opaque, 0, &v, 4);
		return fild(f, v);
	}
	case 0xDF0: {
		int16_t v;
		mem->read(mem->opaque, 0, &v, 2);
		return fild(f, v);
	}
	case 0xDF5: {
		int64_t v;
		mem->read(mem->opaque, 0, &v, 8);
		return fild(f, v);
	}
	case 0xDB2: return fist(f, mem, 4, false);
	case 0xDB3: return fist(f, mem, 4, true);
	case 0xDF2: return fist(f, mem, 2, false);
	case 0xDF3: return fist(f, mem, 2, true);
	case 0xDF7: return fist(f, mem, 8, true);
	case 0xDB5:
		mem->read(mem->opaque, 0, buf, 10);
		if (!x87_empty(f, 7)) {
			if (x87_stack_fault(f, true))
				x87_push(f, x87_indefinite);
			return X87_OK;
		}
		memcpy(&r.mant, buf, 8);
		memcpy(&r.sexp, buf + 8, 2);
		set_c1(f, false);
		x87_push(f, r);
		return X87_OK;
	case 0xDB7:
		if (!store_src(f, &r))
			return X87_OK;
		memcpy(buf, &r.mant, 8);
		memcpy(buf + 8, &r.sexp, 2);
		mem->write(mem->opaque, 0, buf, 10);
		set_c1(f, false);
		x87_pop(f);
		return X87_OK;
	case 0xDF4: return fbld(f, mem);
	case 0xDF6: return fbstp(f, mem);
	}
	return X87_UD;
}
