/* Internals shared by the x87 instruction-group files. */
#ifndef HOSTVM_CPU_X87_INT_H
#define HOSTVM_CPU_X87_INT_H

#include <string.h>
#include "cpu/x87.h"

/* Status word bits. */
#define SW_IE 0x0001u
#define SW_DE 0x0002u
#define SW_ZE 0x0004u
#define SW_OE 0x0008u
#define SW_UE 0x0010u
#define SW_PE 0x0020u
#define SW_SF 0x0040u
#define SW_ES 0x0080u
#define SW_C0 0x0100u
#define SW_C1 0x0200u
#define SW_C2 0x0400u
#define SW_C3 0x4000u
#define SW_B  0x8000u
#define SW_CC (SW_C0 | SW_C1 | SW_C2 | SW_C3)
#define SW_EXC 0x003Fu

#define TAG_VALID 0
#define TAG_ZERO 1
#define TAG_SPECIAL 2
#define TAG_EMPTY 3

static inline int x87_phys(const struct x87 *f, int i) { return (f->top + i) & 7; }
static inline int x87_tag(const struct x87 *f, int i)
{
	return (f->tw >> (2 * x87_phys(f, i))) & 3;
}
static inline bool x87_empty(const struct x87 *f, int i) { return x87_tag(f, i) == TAG_EMPTY; }

int x87_classify_tag(struct x87_reg r);
void x87_set(struct x87 *f, int i, struct x87_reg r);   /* write ST(i) and its tag */
static inline struct x87_reg x87_get(const struct x87 *f, int i) { return f->st[x87_phys(f, i)]; }
void x87_free(struct x87 *f, int i);
void x87_pop(struct x87 *f);
void x87_push(struct x87 *f, struct x87_reg r);   /* caller checked for overflow */

/* Record exception flags; unmasked ones set ES and B. */
void x87_raise(struct x87 *f, unsigned flags);
/* True when flags contain an unmasked IE, DE or ZE: destination untouched. */
static inline bool x87_blocked(const struct x87 *f, unsigned flags)
{
	return (flags & ~f->cw & (SW_IE | SW_DE | SW_ZE)) != 0;
}
/* Stack fault: invalid + SF; C1 says overflow (1) or underflow (0).  Returns
 * true when the invalid exception is masked, i.e. the default response
 * (QNaN indefinite) is to be written. */
bool x87_stack_fault(struct x87 *f, bool overflow);

extern const struct x87_reg x87_indefinite;
struct x87_reg x87_from_int(int64_t v);
void x87_set_cc(struct x87 *f, uint16_t cc);

/* Host x87 engine: run an operation with the guest's PC/RC and all
 * exceptions masked, returning the host status word after it. */
struct x87_host {
	struct x87_reg in[2];
	struct x87_reg out[2];
	uint16_t sw;
};

/* Groups. */
int x87_ldst_mem(struct x87 *f, const struct x87_insn *in, const struct x87_mem *mem, int reg);
int x87_arith_mem(struct x87 *f, const struct x87_insn *in, const struct x87_mem *mem, int reg);
int x87_arith_reg(struct x87 *f, uint8_t op, int reg, int i);
bool x87_compare(struct x87 *f, struct x87_reg a, struct x87_reg b, bool unordered_ok, bool to_eflags,
		 unsigned extra);
bool x87_compare_underflow(struct x87 *f, bool to_eflags);
int x87_cmp_reg(struct x87 *f, uint8_t op, int reg, int i, uint32_t eflags);
int x87_misc_d9(struct x87 *f, uint8_t modrm);
int x87_env_mem(struct x87 *f, const struct x87_insn *in, const struct x87_mem *mem, int reg);

#endif
