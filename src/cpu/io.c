/* Port I/O: IN/OUT (E4-E7, EC-EF) and the I/O permission check shared with
 * INS/OUTS. */
#include "config.h"

#include "cpu/cpu_int.h"
#include "dev/iobus.h"

#define IO_TSS_MIN_LIMIT 0x67u  /* a 32-bit TSS without the bitmap base is invalid */
#define IO_TSS_BITMAP_PTR 0x66u

/* Protected mode with CPL > IOPL, and V86 mode always, consult the I/O
 * permission bitmap of the current 32-bit TSS: every bit for the ports
 * port..port+size-1 must be clear.  The bitmap is read as a 16-bit word at
 * base + bitmap offset + port/8 (the bits of one access can span two
 * bytes); any byte of that word beyond the TSS limit means #GP(0), as does
 * a 16-bit or absent TSS. */
void cpu_check_io(struct cpu *c, uint16_t port, unsigned size)
{
	const struct cpu_segreg *tr = &c->seg[CPU_TR];
	uint32_t iopl = (c->eflags & CPU_IOPL) >> 12, type, off, bits, mask;

	if (!cpu_pmode(c) || (!cpu_v86(c) && c->cpl <= iopl))
		return;
	type = tr->attr & CPU_ATTR_TYPE;
	if ((type != 9 && type != 11) || !(tr->attr & CPU_ATTR_P) || tr->limit < IO_TSS_MIN_LIMIT)
		cpu_raise(c, CPU_GP, 0);
	off = cpu_lin_read(c, tr->base + IO_TSS_BITMAP_PTR, 2) + port / 8u;
	if (off + 1 > tr->limit)
		cpu_raise(c, CPU_GP, 0);
	bits = cpu_lin_read(c, tr->base + off, 2);
	mask = ((1u << size) - 1) << (port & 7);
	if (bits & mask)
		cpu_raise(c, CPU_GP, 0);
}

/* Access size: byte forms are the even opcodes. */
static unsigned io_size(const struct cpu_insn *i)
{
	return (i->op & 1) ? i->opsize : 1;
}

/* IN AL/eAX, imm8 (E4/E5) and IN AL/eAX, DX (EC/ED). */
void cpu_op_in(struct cpu *c, const struct cpu_insn *i)
{
	unsigned size = io_size(i);
	uint16_t port = (i->op & 8) ? (uint16_t)c->gpr[CPU_EDX] : (uint16_t)(i->imm & 0xff);

	cpu_check_io(c, port, size);
	if (cpu_backdoor(c, port, size))
		return;
	cpu_set_reg(c, CPU_EAX, size, iobus_in(c->env.io, port, size));
}

/* OUT imm8, AL/eAX (E6/E7) and OUT DX, AL/eAX (EE/EF). */
void cpu_op_out(struct cpu *c, const struct cpu_insn *i)
{
	unsigned size = io_size(i);
	uint16_t port = (i->op & 8) ? (uint16_t)c->gpr[CPU_EDX] : (uint16_t)(i->imm & 0xff);

	cpu_check_io(c, port, size);
	iobus_out(c->env.io, port, size, cpu_reg(c, CPU_EAX, size));
}
