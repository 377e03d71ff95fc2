/* Intel 8254 programmable interval timer at 0x40-0x43, plus port 0x61
 * (channel 2 gate, speaker data, refresh toggle, channel 2 output). */
#ifndef HOSTVM_DEV_I8254_H
#define HOSTVM_DEV_I8254_H

#include "dev/iobus.h"
#include "dev/irq.h"
#include "vclock.h"

#define I8254_HZ 1193182u

struct i8254;

/* irq0 is pulsed on every rising edge of channel 0's output. */
int i8254_create(struct iobus *bus, const struct irq_line *irq0,
		 struct vclock *vc, struct i8254 **out);
void i8254_reset(struct i8254 *pit);
void i8254_destroy(struct i8254 *pit);

#endif
