/* Bit operations: BT/BTS/BTR/BTC with a register offset (0F A3/AB/B3/BB)
 * or an immediate one (0F BA /4-/7), BSF/BSR (0F BC/BD), BSWAP (0F C8+r).
 *
 * BT* with a memory operand and a register offset address the whole bit
 * string: the offset is signed and selects the operand-sized word at
 * EA + size * floor(offset / bits) (wrapping at the address size).  An
 * immediate offset is taken modulo the operand width.  CF gets the bit;
 * OF, SF, AF and PF (undefined per SDM) and ZF are left unchanged.
 * BSF/BSR set ZF when the source is 0 and then leave the destination
 * unchanged (as Intel and AMD CPUs do); the other flags are undefined and
 * left unchanged. */
#include "config.h"

#include "cpu/cpu_int.h"

/* Hot helpers: inlined into every handler so constants fold. */

void cpu_op_bt_evgv(struct cpu *c, const struct cpu_insn *i);
void cpu_op_bts_evgv(struct cpu *c, const struct cpu_insn *i);
void cpu_op_btr_evgv(struct cpu *c, const struct cpu_insn *i);
void cpu_op_btc_evgv(struct cpu *c, const struct cpu_insn *i);
void cpu_op_bt_evib(struct cpu *c, const struct cpu_insn *i);
void cpu_op_bts_evib(struct cpu *c, const struct cpu_insn *i);
void cpu_op_btr_evib(struct cpu *c, const struct cpu_insn *i);
void cpu_op_btc_evib(struct cpu *c, const struct cpu_insn *i);
void cpu_op_bsf(struct cpu *c, const struct cpu_insn *i);
void cpu_op_bsr(struct cpu *c, const struct cpu_insn *i);
void cpu_op_bswap(struct cpu *c, const struct cpu_insn *i);

enum { BT_TEST, BT_SET, BT_RESET, BT_COMPLEMENT };

/* off: the bit offset, signed by operand size for register offsets;
 * reg_off: whether it came from a register (memory operands then address
 * beyond the EA). */
CPU_INLINE void bt(struct cpu *c, const struct cpu_insn *i, unsigned op, uint32_t off,
		      bool reg_off)
{
	unsigned sz = i->opsize, bits = sz * 8;
	uint32_t bit = off & (bits - 1), v, nv, ea = 0;
	bool mem = i->mod != 3;

	if (!mem) {
		v = cpu_reg(c, i->rm, sz);
	} else {
		ea = cpu_ea(c, i);
		if (reg_off) {
			int32_t s = sz == 2 ? (int16_t)off : (int32_t)off;

			/* Arithmetic shift: floor division for negative offsets. */
			ea += (uint32_t)((s >> (sz == 2 ? 4 : 5)) * (int32_t)sz);
			if (i->adsize == 2)
				ea &= 0xffff;
		}
		v = op == BT_TEST ? cpu_read(c, i->seg, ea, sz) : cpu_rmw_read(c, i->seg, ea, sz);
	}
	switch (op) {
	case BT_SET:
		nv = v | (1u << bit);
		break;
	case BT_RESET:
		nv = v & ~(1u << bit);
		break;
	case BT_COMPLEMENT:
		nv = v ^ (1u << bit);
		break;
	default:
		nv = v;
		break;
	}
	if (op != BT_TEST) {
		if (mem)
			cpu_write(c, i->seg, ea, sz, nv);
		else
			cpu_set_reg(c, i->rm, sz, nv);
	}
	cpu_set_flags(c, (v >> bit) & 1 ? CPU_CF : 0, CPU_CF);
}

void cpu_op_bt_evgv(struct cpu *c, const struct cpu_insn *i)
{
	bt(c, i, BT_TEST, cpu_reg(c, i->reg, i->opsize), true);
}
void cpu_op_bts_evgv(struct cpu *c, const struct cpu_insn *i)
{
	bt(c, i, BT_SET, cpu_reg(c, i->reg, i->opsize), true);
}
void cpu_op_btr_evgv(struct cpu *c, const struct cpu_insn *i)
{
	bt(c, i, BT_RESET, cpu_reg(c, i->reg, i->opsize), true);
}
void cpu_op_btc_evgv(struct cpu *c, const struct cpu_insn *i)
{
	bt(c, i, BT_COMPLEMENT, cpu_reg(c, i->reg, i->opsize), true);
}
void cpu_op_bt_evib(struct cpu *c, const struct cpu_insn *i) { bt(c, i, BT_TEST, i->imm, false); }
void cpu_op_bts_evib(struct cpu *c, const struct cpu_insn *i) { bt(c, i, BT_SET, i->imm, false); }
void cpu_op_btr_evib(struct cpu *c, const struct cpu_insn *i) { bt(c, i, BT_RESET, i->imm, false); }
void cpu_op_btc_evib(struct cpu *c, const struct cpu_insn *i)
{
	bt(c, i, BT_COMPLEMENT, i->imm, false);
}

void cpu_op_bsf(struct cpu *c, const struct cpu_insn *i)
{
	uint32_t s = cpu_rm_read(c, i, i->opsize);

	if (s == 0) {
		cpu_set_flags(c, CPU_ZF, CPU_ZF);
		return;
	}
	cpu_set_reg(c, i->reg, i->opsize, (uint32_t)__builtin_ctz(s));
	cpu_set_flags(c, 0, CPU_ZF);
}

void cpu_op_bsr(struct cpu *c, const struct cpu_insn *i)
{
	uint32_t s = cpu_rm_read(c, i, i->opsize);

	if (s == 0) {
		cpu_set_flags(c, CPU_ZF, CPU_ZF);
		return;
	}
	cpu_set_reg(c, i->reg, i->opsize, 31u - (uint32_t)__builtin_clz(s));
	cpu_set_flags(c, 0, CPU_ZF);
}

/* 0F C8+r.  With a 16-bit operand the result is undefined; x86 CPUs
 * write 0 to the low word, and so do we. */
void cpu_op_bswap(struct cpu *c, const struct cpu_insn *i)
{
	unsigned r = i->op & 7;

	if (i->opsize == 2)
		cpu_set_reg(c, r, 2, 0);
	else
		c->gpr[r] = __builtin_bswap32(c->gpr[r]);
}
