/* Register forms of the DA, DB, DD and DF rows: FCMOVcc, FUCOMPP,
 * FCOMI/FUCOMI(P), FUCOM(P), FST/FSTP ST(i), FFREE(P), FNCLEX, FNINIT. */
#include "cpu/x87_int.h"

static bool fcmov_cond(uint32_t fl, int cc)
{
	switch (cc & 3) {
	case 0: return fl & X87_EFLAGS_CF;
	case 1: return fl & X87_EFLAGS_ZF;
	case 2: return fl & (X87_EFLAGS_CF | X87_EFLAGS_ZF);
	default: return fl & X87_EFLAGS_PF;
	}
}

static int fcmov(struct x87 *f, uint32_t eflags, int cc, bool negate, int i)
{
	bool take = fcmov_cond(eflags, cc) != negate;

	if (x87_empty(f, 0) || x87_empty(f, i)) {
		if (x87_stack_fault(f, false))
			x87_set(f, 0, x87_indefinite);
		return X87_OK;
	}
	f->sw &= (uint16_t)~SW_C1;
	if (take)
		x87_set(f, 0, x87_get(f, i));
	return X87_OK;
}

/* FCOM-family on ST(0), ST(i); pops pops times when it completes. */
static int compare_reg(struct x87 *f, int i, bool unordered_ok, bool to_eflags, int pops)
{
	bool ok;

	if (x87_empty(f, 0) || x87_empty(f, i))
		ok = x87_compare_underflow(f, to_eflags);
	else
		ok = x87_compare(f, x87_get(f, 0), x87_get(f, i), unordered_ok, to_eflags, 0);
	while (ok && pops-- > 0)
		x87_pop(f);
	return X87_OK;
}

static int fst_sti(struct x87 *f, int i, bool pop)
{
	if (x87_empty(f, 0)) {
		if (!x87_stack_fault(f, false))
			return X87_OK;
		x87_set(f, i, x87_indefinite);
	} else {
		f->sw &= (uint16_t)~SW_C1;
		x87_set(f, i, x87_get(f, 0));
	}
	if (pop)
		x87_pop(f);
	return X87_OK;
}

int x87_cmp_reg(struct x87 *f, uint8_t op, int reg, int i, uint32_t eflags)
{

	switch (op) {
	case 0xDA:
		if (reg < 4)
			return fcmov(f, eflags, reg, false, i);
		if (reg == 5 && i == 1)
			return compare_reg(f, 1, true, false, 2);
		return X87_UD;
	case 0xDB:
		if (reg < 4)
			return fcmov(f, eflags, reg, true, i);
		if (reg == 5)
			return compare_reg(f, i, true, true, 0);
		if (reg == 6)
			return compare_reg(f, i, false, true, 0);
		if (reg != 4)
			return X87_UD;
		switch (i) {
		case 0: case 1: case 4:   /* FENI, FDISI, FSETPM: no-ops since the 387 */
			return X87_OK;
		case 2:
			f->sw &= (uint16_t)~(SW_EXC | SW_SF | SW_ES | SW_B);
			return X87_OK;
		case 3:
			x87_reset(f);
			return X87_OK;
		}
		return X87_UD;
	case 0xDD:
		switch (reg) {
		case 0: x87_free(f, i); return X87_OK;
		case 2: return fst_sti(f, i, false);
		case 3: return fst_sti(f, i, true);
		case 4: return compare_reg(f, i, true, false, 0);
		case 5: return compare_reg(f, i, true, false, 1);
		}
		return X87_UD;
	case 0xDF:
		if (reg == 0) {
			x87_free(f, i);
			x87_pop(f);
			return X87_OK;
		}
		if (reg == 4 && i == 0)
			return X87_OK;   /* FNSTSW AX: the CPU reads x87_status() */
		if (reg == 5)
			return compare_reg(f, i, true, true, 1);
		if (reg == 6)
			return compare_reg(f, i, false, true, 1);
		return X87_UD;
	}
	return X87_UD;
}
