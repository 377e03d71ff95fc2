/* Internal interface of the "sys" instruction group: descriptor access,
 * segment checks, stacks that are not (yet) SS, task switches.  Used by
 * seg.c, far.c, intr.c, task.c and sysinsn.c only. */
#ifndef HOSTVM_CPU_CPU_SYS_H
#define HOSTVM_CPU_CPU_SYS_H

#include "cpu/cpu_int.h"

/* A raw 8-byte descriptor and where it lives (linear address), so the
 * accessed and busy bits can be written back. */
struct cpu_desc {
	uint32_t lo, hi;
	uint32_t addr;
};

static inline unsigned cpu_desc_dpl(const struct cpu_desc *d) { return (d->hi >> 13) & 3; }
static inline bool cpu_desc_p(const struct cpu_desc *d) { return d->hi & 0x8000u; }
/* Type with the S bit: 0x10-0x1f code/data, 0x00-0x0f system. */
static inline unsigned cpu_desc_type(const struct cpu_desc *d) { return (d->hi >> 8) & 0x1f; }
static inline bool cpu_desc_code(const struct cpu_desc *d) { return (d->hi & 0x1800u) == 0x1800u; }
static inline bool cpu_desc_data(const struct cpu_desc *d) { return (d->hi & 0x1800u) == 0x1000u; }
static inline bool cpu_desc_conforming(const struct cpu_desc *d) { return (d->hi & 0x1c00u) == 0x1c00u; }
static inline bool cpu_desc_readable(const struct cpu_desc *d) { return d->hi & 0x0200u; } /* code: R, data: W */
static inline uint32_t cpu_desc_base(const struct cpu_desc *d)
{
	return (d->lo >> 16) | ((d->hi & 0xffu) << 16) | (d->hi & 0xff000000u);
}
static inline uint32_t cpu_desc_limit(const struct cpu_desc *d)
{
	uint32_t l = (d->lo & 0xffffu) | (d->hi & 0xf0000u);

	return (d->hi & 0x00800000u) ? (l << 12) | 0xfffu : l;
}

/* System descriptor types. */
#define CPU_SYS_TSS16 0x01
#define CPU_SYS_LDT 0x02
#define CPU_SYS_TSS16_BUSY 0x03
#define CPU_SYS_CALL16 0x04
#define CPU_SYS_TASK 0x05
#define CPU_SYS_INT16 0x06
#define CPU_SYS_TRAP16 0x07
#define CPU_SYS_TSS32 0x09
#define CPU_SYS_TSS32_BUSY 0x0b
#define CPU_SYS_CALL32 0x0c
#define CPU_SYS_INT32 0x0e
#define CPU_SYS_TRAP32 0x0f

/* seg.c */
/* Reads the descriptor of sel (GDT or LDT by TI).  false when the index is
 * beyond the table limit (or TI=1 without a usable LDT); may #PF. */
bool cpu_desc_read(struct cpu *c, uint16_t sel, struct cpu_desc *d);
/* Like cpu_desc_read, raising vec(sel & 0xfffc | ext) when out of range. */
void cpu_desc_fetch(struct cpu *c, uint16_t sel, struct cpu_desc *d, unsigned vec, uint32_t ext);
void cpu_desc_write_hi(struct cpu *c, const struct cpu_desc *d);
void cpu_desc_set_accessed(struct cpu *c, struct cpu_desc *d);
/* Hidden-cache image of a descriptor for selector sel. */
void cpu_desc_to_seg(const struct cpu_desc *d, uint16_t sel, struct cpu_segreg *s);
/* Real-mode / V86 image of selector sel for register seg. */
void cpu_seg_real_image(const struct cpu *c, unsigned seg, uint16_t sel, struct cpu_segreg *s);
/* Checks selector sel for loading into data/stack register seg at
 * privilege cpl (protected mode only); faults vec (CPU_GP or CPU_TS) for
 * type/privilege/null errors and #NP/#SS for not present, error codes
 * carrying ext.  Sets the accessed bit and fills *s. */
void cpu_seg_check(struct cpu *c, unsigned seg, uint16_t sel, unsigned cpl, unsigned vec,
		   uint32_t ext, struct cpu_segreg *s);
/* Commits an image into seg[n] (cache refresh; mode update for CS/SS). */
void cpu_seg_commit(struct cpu *c, unsigned n, const struct cpu_segreg *s);
/* Null (unusable) data segment image. */
void cpu_seg_null(uint16_t sel, struct cpu_segreg *s);
/* After a return to an outer privilege level: data segments the new CPL
 * may not use become null. */
void cpu_seg_fixup_outer(struct cpu *c, unsigned cpl);
/* True when offset..offset+len-1 lies within the segment image (expand-down
 * and B aware). */
bool cpu_seg_fits(const struct cpu_segreg *s, uint32_t off, uint32_t len);

/* A stack being built on a segment that is not SS yet (privilege change,
 * task switch): pushes check the image's limits (#SS(err)) and write
 * linear memory with supervisor rights. */
struct cpu_stk {
	struct cpu_segreg ss;
	uint32_t sp;
	uint32_t err;
	bool other;        /* false: the current SS (normal checks and rights) */
};
void cpu_stk_init_cur(struct cpu *c, struct cpu_stk *k);
void cpu_stk_push(struct cpu *c, struct cpu_stk *k, unsigned size, uint32_t v);
uint32_t cpu_stk_pop(struct cpu *c, struct cpu_stk *k, unsigned size);
/* Adds delta to the image's stack pointer (16-bit stacks wrap in SP and
 * keep ESP's upper half). */
void cpu_stk_adjust(struct cpu_stk *k, int32_t delta);

/* Reads the inner stack pointer for privilege level dpl from the current
 * TSS; #TS(TR | ext) if outside its limit. */
void cpu_tss_stack(struct cpu *c, unsigned dpl, uint32_t ext, uint16_t *ss, uint32_t *esp);
/* Checks an inner stack selector loaded from the TSS (#TS / #SS). */
void cpu_check_inner_ss(struct cpu *c, uint16_t ss, unsigned dpl, uint32_t ext,
			struct cpu_segreg *s);
/* Reads the descriptor of a far transfer / gate target: #GP(ext) for a
 * null selector, #GP(sel|ext) beyond the table or when it is not code.
 * Privilege and presence (#NP) are the caller's to check, in that order. */
void cpu_code_fetch(struct cpu *c, uint16_t sel, struct cpu_desc *d, uint32_t ext);

/* task.c */
enum cpu_task_reason { CPU_TASK_JMP, CPU_TASK_CALL, CPU_TASK_IRET, CPU_TASK_INT };
/* Switches to the task of TSS selector sel (descriptor d already read).
 * Returns true when the new 32-bit TSS has its T (debug trap) bit set:
 * the caller raises #DB once the switch is complete (DR6.BT is set). */
bool cpu_task_switch(struct cpu *c, uint16_t sel, struct cpu_desc *d, enum cpu_task_reason why,
		     uint32_t ret_eip, uint32_t ext);

/* sysctl.c: POPF/IRET in V86 under CR4.VME with IOPL < 3. */
void cpu_vme_set_flags(struct cpu *c, uint32_t v);

/* far.c / intr.c shared */
void cpu_set_eip_both(struct cpu *c, uint32_t eip);

/* msr.c / cpuid.c */
int cpu_msr_read(struct cpu *c, uint32_t idx, uint64_t *v);
int cpu_msr_write(struct cpu *c, uint32_t idx, uint64_t v);
void cpu_cpuid(uint32_t leaf, uint32_t sub, uint32_t out[4]);
uint64_t cpu_tsc(struct cpu *c);

/* EFLAGS bits an i686 lets software change. */
#define CPU_FLAGS_LIVE 0x003f7fd5u

#endif
