/* Dual 8259A programmable interrupt controller (master 0x20/0x21, slave
 * 0xA0/0xA1 cascaded on IRQ 2) with the PIIX edge/level control registers
 * (ELCR) at 0x4D0/0x4D1. */
#ifndef HOSTVM_DEV_I8259_H
#define HOSTVM_DEV_I8259_H

#include "dev/iobus.h"

struct i8259;

/* intr(opaque, level) is called whenever the INTR output to the CPU changes. */
typedef void (*i8259_intr_fn)(void *opaque, int level);

int i8259_create(struct iobus *bus, i8259_intr_fn intr, void *intr_opaque,
		 struct i8259 **out);
void i8259_reset(struct i8259 *pic);
void i8259_destroy(struct i8259 *pic);

/* An irq_line.set: opaque is the struct i8259, irq is 0-15. */
void i8259_set_irq(void *opaque, int irq, int level);

/* The CPU acknowledges the interrupt: returns the vector to run (a spurious
 * IRQ 7/15 vector when the request went away). */
int i8259_intack(struct i8259 *pic);

#endif
