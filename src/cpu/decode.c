/* The x86 instruction decoder: prefixes, opcode, ModRM/SIB, displacement
 * and immediates into one struct cpu_insn.  The operand format of every
 * opcode is architectural and lives here; what an opcode does lives in
 * the instruction groups, which register handlers in their .def files.
 *
 * The decoder reads at most 15 bytes from a caller-supplied buffer and
 * never more than the caller says are available, so no guest byte stream
 * can make it read out of bounds. */
#include "config.h"

#include <string.h>

#include "cpu/cpu_int.h"

/* Operand format bits. */
#define F_M 0x001      /* ModRM follows */
#define F_IB 0x002     /* imm8, zero-extended */
#define F_IBS 0x004    /* imm8, sign-extended */
#define F_IW 0x008     /* imm16 */
#define F_IZ 0x010     /* imm16/32 by operand size */
#define F_JB 0x020     /* rel8 */
#define F_JZ 0x040     /* rel16/32 */
#define F_AP 0x080     /* far pointer: offset16/32 then selector16 */
#define F_MOFFS 0x100  /* offset16/32 by address size */
#define F_ENTER 0x200  /* imm16 then imm8 */
#define F_PFX 0x400    /* prefix byte */
#define F_GRP3 0x800   /* F6/F7: immediate only for /0 and /1 */

static const uint16_t fmt1[256] = {
	/* 00 */ F_M, F_M, F_M, F_M, F_IB, F_IZ, 0, 0, F_M, F_M, F_M, F_M, F_IB, F_IZ, 0, 0,
	/* 10 */ F_M, F_M, F_M, F_M, F_IB, F_IZ, 0, 0, F_M, F_M, F_M, F_M, F_IB, F_IZ, 0, 0,
	/* 20 */ F_M, F_M, F_M, F_M, F_IB, F_IZ, F_PFX, 0, F_M, F_M, F_M, F_M, F_IB, F_IZ, F_PFX, 0,
	/* 30 */ F_M, F_M, F_M, F_M, F_IB, F_IZ, F_PFX, 0, F_M, F_M, F_M, F_M, F_IB, F_IZ, F_PFX, 0,
	/* 40 */ 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	/* 50 */ 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	/* 60 */ 0, 0, F_M, F_M, F_PFX, F_PFX, F_PFX, F_PFX, F_IZ, F_M | F_IZ, F_IBS, F_M | F_IBS, 0, 0, 0, 0,
	/* 70 */ F_JB, F_JB, F_JB, F_JB, F_JB, F_JB, F_JB, F_JB, F_JB, F_JB, F_JB, F_JB, F_JB, F_JB, F_JB, F_JB,
	/* 80 */ F_M | F_IB, F_M | F_IZ, F_M | F_IB, F_M | F_IBS, F_M, F_M, F_M, F_M,
	         F_M, F_M, F_M, F_M, F_M, F_M, F_M, F_M,
	/* 90 */ 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, F_AP, 0, 0, 0, 0, 0,
	/* A0 */ F_MOFFS, F_MOFFS, F_MOFFS, F_MOFFS, 0, 0, 0, 0, F_IB, F_IZ, 0, 0, 0, 0, 0, 0,
	/* B0 */ F_IB, F_IB, F_IB, F_IB, F_IB, F_IB, F_IB, F_IB, F_IZ, F_IZ, F_IZ, F_IZ, F_IZ, F_IZ, F_IZ, F_IZ,
	/* C0 */ F_M | F_IB, F_M | F_IB, F_IW, 0, F_M, F_M, F_M | F_IB, F_M | F_IZ,
	         F_ENTER, 0, F_IW, 0, 0, F_IB, 0, 0,
	/* D0 */ F_M, F_M, F_M, F_M, F_IB, F_IB, 0, 0, F_M, F_M, F_M, F_M, F_M, F_M, F_M, F_M,
	/* E0 */ F_JB, F_JB, F_JB, F_JB, F_IB, F_IB, F_IB, F_IB, F_JZ, F_JZ, F_AP, F_JB, 0, 0, 0, 0,
	/* F0 */ F_PFX, 0, F_PFX, F_PFX, 0, 0, F_M | F_GRP3, F_M | F_GRP3, 0, 0, 0, 0, 0, 0, F_M, F_M,
};

/* 0F xx.  Opcodes an i686 lacks have no handler and decode as #UD; their
 * format only has to keep the decoder within 15 bytes. */
static uint16_t fmt2(uint8_t op)
{
	if (op <= 0x03 || (op >= 0x18 && op <= 0x1f) || (op >= 0x20 && op <= 0x23) ||
	    (op >= 0x40 && op <= 0x4f) || (op >= 0x90 && op <= 0x9f) || op == 0xa3 ||
	    op == 0xa5 || op == 0xab || op == 0xad || op == 0xaf || (op >= 0xb0 && op <= 0xb9) ||
	    (op >= 0xbb && op <= 0xc1) || op == 0xc7)
		return F_M;
	if (op == 0xa4 || op == 0xac || op == 0xba)
		return F_M | F_IB;
	if (op >= 0x80 && op <= 0x8f)
		return F_JZ;
	return 0;
}

/* Dispatch: [map][opcode][ModRM.reg]. */
struct cpu_slot {
	cpu_handler fn;
	uint8_t flags;
};
static struct cpu_slot dispatch[2][256][8];

#define CPU_OP(map, op, reg, fn, fl) void fn(struct cpu *c, const struct cpu_insn *i);
#include "cpu/alu.def"
#include "cpu/sys.def"
#include "cpu/flow.def"
#undef CPU_OP

struct cpu_opdef {
	uint8_t map, op, reg;
	cpu_handler fn;
	uint8_t flags;
};

static const struct cpu_opdef opdefs[] = {
#define CPU_OP(map, op, reg, fn, fl) { map, op, reg, fn, fl },
#include "cpu/alu.def"
#include "cpu/sys.def"
#include "cpu/flow.def"
#undef CPU_OP
	{ 0, 0, 0, 0, 0 }
};

void cpu_op_ud(struct cpu *c, const struct cpu_insn *i)
{
	(void)i;
	cpu_raise(c, CPU_UD, 0);
}

/* An instruction longer than 15 bytes: #GP(0). */
static void cpu_op_toolong(struct cpu *c, const struct cpu_insn *i)
{
	(void)i;
	cpu_raise(c, CPU_GP, 0);
}

void cpu_decode_init(void)
{
	static bool done;
	const struct cpu_opdef *d;
	unsigned m, o, r;

	if (done)
		return;
	for (m = 0; m < 2; m++)
		for (o = 0; o < 256; o++)
			for (r = 0; r < 8; r++)
				dispatch[m][o][r] = (struct cpu_slot){ cpu_op_ud, CPU_OPF_END };
	for (d = opdefs; d->fn; d++)
		for (r = 0; r < 8; r++)
			if (d->reg == CPU_ANY || d->reg == r)
				dispatch[d->map][d->op][r] = (struct cpu_slot){ d->fn, d->flags };
	done = true;
}

/* Little-endian immediate of n bytes at b[*pos]; -1 when beyond avail. */
static int take(const uint8_t *b, unsigned avail, unsigned *pos, unsigned n, uint32_t *out)
{
	uint32_t v = 0;
	unsigned k;

	if (*pos + n > avail)
		return -1;
	for (k = 0; k < n; k++)
		v |= (uint32_t)b[*pos + k] << (8 * k);
	*pos += n;
	*out = v;
	return 0;
}

static uint32_t sext8(uint32_t v) { return (uint32_t)(int32_t)(int8_t)v; }
static uint32_t sext16(uint32_t v) { return (uint32_t)(int32_t)(int16_t)v; }

/* ModRM (and SIB, displacement) for address size adsize. */
static int decode_modrm(const uint8_t *b, unsigned avail, unsigned *pos, struct cpu_insn *i)
{
	static const uint8_t base16[8] = { 3, 3, 5, 5, 6, 7, 5, 3 };     /* BX BX BP BP SI DI BP BX */
	static const uint8_t index16[8] = { 6, 7, 6, 7, CPU_REG_NONE, CPU_REG_NONE, CPU_REG_NONE,
					    CPU_REG_NONE };
	uint32_t v;
	bool ss = false;

	if (*pos >= avail)
		return -1;
	i->modrm = b[(*pos)++];
	i->has_modrm = true;
	i->mod = i->modrm >> 6;
	i->reg = (i->modrm >> 3) & 7;
	i->rm = i->modrm & 7;
	i->base = i->index = CPU_REG_NONE;
	i->scale = 0;
	i->disp = 0;
	if (i->mod == 3)
		return 0;
	if (i->adsize == 2) {
		if (i->mod == 0 && i->rm == 6) {
			if (take(b, avail, pos, 2, &v))
				return -1;
			i->disp = v;
		} else {
			i->base = base16[i->rm];
			i->index = index16[i->rm];
			ss = i->base == 5;
			if (i->mod == 1) {
				if (take(b, avail, pos, 1, &v))
					return -1;
				i->disp = sext8(v) & 0xffff;
			} else if (i->mod == 2) {
				if (take(b, avail, pos, 2, &v))
					return -1;
				i->disp = v;
			}
		}
	} else {
		unsigned base = i->rm;

		if (i->rm == 4) {
			uint8_t sib;

			if (*pos >= avail)
				return -1;
			sib = b[(*pos)++];
			i->scale = sib >> 6;
			i->index = ((sib >> 3) & 7) == 4 ? CPU_REG_NONE : (sib >> 3) & 7;
			base = sib & 7;
		}
		if (base == 5 && i->mod == 0) {
			if (take(b, avail, pos, 4, &v))
				return -1;
			i->disp = v;
		} else {
			i->base = (uint8_t)base;
			ss = base == 4 || base == 5;
			if (i->mod == 1) {
				if (take(b, avail, pos, 1, &v))
					return -1;
				i->disp = sext8(v);
			} else if (i->mod == 2) {
				if (take(b, avail, pos, 4, &v))
					return -1;
				i->disp = v;
			}
		}
	}
	if (i->seg_ovr == CPU_SEG_NONE)
		i->seg = ss ? CPU_SS : CPU_DS;
	return 0;
}

int cpu_decode(const uint8_t *b, unsigned n, bool code32, struct cpu_insn *i)
{
	unsigned pos = 0, avail = n < 15 ? n : 15;
	uint16_t fmt;
	uint32_t v;
	struct cpu_slot slot;

	memset(i, 0, sizeof(*i));
	i->opsize = i->adsize = code32 ? 4 : 2;
	i->seg_ovr = CPU_SEG_NONE;
	i->seg = CPU_DS;
	i->base = i->index = CPU_REG_NONE;
	for (;;) {
		uint8_t p;

		if (pos >= avail)
			goto short_or_long;
		p = b[pos];
		if (!(fmt1[p] & F_PFX))
			break;
		pos++;
		switch (p) {
		case 0x26: i->seg_ovr = CPU_ES; break;
		case 0x2e: i->seg_ovr = CPU_CS; break;
		case 0x36: i->seg_ovr = CPU_SS; break;
		case 0x3e: i->seg_ovr = CPU_DS; break;
		case 0x64: i->seg_ovr = CPU_FS; break;
		case 0x65: i->seg_ovr = CPU_GS; break;
		case 0x66: i->opsize = code32 ? 2 : 4; break;
		case 0x67: i->adsize = code32 ? 2 : 4; break;
		case 0xf0: i->lock = true; break;
		default: i->rep = p; break;   /* F2, F3: the last one counts */
		}
	}
	if (i->seg_ovr != CPU_SEG_NONE)
		i->seg = i->seg_ovr;
	i->op = b[pos++];
	if (i->op == 0x0f) {
		if (pos >= avail)
			goto short_or_long;
		i->map = 1;
		i->op = b[pos++];
		fmt = fmt2(i->op);
	} else {
		fmt = fmt1[i->op];
	}
	if (fmt & F_M) {
		if (decode_modrm(b, avail, &pos, i))
			goto short_or_long;
		/* MOV to/from control and debug registers ignore mod. */
		if (i->map == 1 && i->op >= 0x20 && i->op <= 0x23) {
			i->mod = 3;
			i->base = i->index = CPU_REG_NONE;
		}
	}
	if ((fmt & F_GRP3) && i->reg < 2)
		fmt |= i->op == 0xf6 ? F_IB : F_IZ;
	if (fmt & (F_IB | F_IBS | F_JB)) {
		if (take(b, avail, &pos, 1, &v))
			goto short_or_long;
		i->imm = (fmt & F_IB) ? v : sext8(v);
	} else if (fmt & F_IW) {
		if (take(b, avail, &pos, 2, &v))
			goto short_or_long;
		i->imm = v;
	} else if (fmt & (F_IZ | F_JZ)) {
		if (take(b, avail, &pos, i->opsize, &v))
			goto short_or_long;
		i->imm = (i->opsize == 2 && (fmt & F_JZ)) ? sext16(v) : v;
		if (i->opsize == 2 && (fmt & F_IZ) && i->map == 0 && (i->op == 0x68 || i->op == 0x69))
			i->imm = sext16(v);
	} else if (fmt & F_AP) {
		if (take(b, avail, &pos, i->opsize, &v))
			goto short_or_long;
		i->imm = v;
		if (take(b, avail, &pos, 2, &v))
			goto short_or_long;
		i->imm2 = v;
	} else if (fmt & F_MOFFS) {
		if (take(b, avail, &pos, i->adsize, &v))
			goto short_or_long;
		i->disp = v;
	} else if (fmt & F_ENTER) {
		if (take(b, avail, &pos, 2, &v))
			goto short_or_long;
		i->imm = v;
		if (take(b, avail, &pos, 1, &v))
			goto short_or_long;
		i->imm2 = v;
	}
	i->len = (uint8_t)pos;
	slot = dispatch[i->map][i->op][i->reg];
	i->fn = slot.fn;
	if (i->map == 0 && (i->op == 0x89 || i->op == 0x8b))
		i->fn = cpu_mov_specialize(i);
	i->flags = slot.flags;
	if (i->lock && (!(slot.flags & CPU_OPF_LOCKOK) || i->mod == 3 || !i->has_modrm)) {
		i->fn = cpu_op_ud;
		i->flags = CPU_OPF_END;
	}
	return 0;

short_or_long:
	if (n < 15)
		return -1;              /* the caller must supply more bytes */
	memset(i, 0, sizeof(*i));
	i->fn = cpu_op_toolong;
	i->len = 15;
	i->flags = CPU_OPF_END;
	return 0;
}
