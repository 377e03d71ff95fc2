/* MC146818 real-time clock and 128 bytes of CMOS RAM at 0x70/0x71 (bit 7
 * of the index written to 0x70 masks NMI), interrupting on IRQ 8. */
#ifndef HOSTVM_DEV_MC146818_H
#define HOSTVM_DEV_MC146818_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>
#include "dev/iobus.h"
#include "dev/irq.h"
#include "vclock.h"

struct mc146818;

/* start is the clock's initial UTC time (0 = the host clock now). */
int mc146818_create(struct iobus *bus, const struct irq_line *irq8,
		    struct vclock *vc, time_t start, struct mc146818 **out);
void mc146818_reset(struct mc146818 *rtc);
void mc146818_destroy(struct mc146818 *rtc);

/* For the machine to fill the CMOS (memory sizes, equipment, boot order).
 * Indexes 0x00-0x0D are the clock and its registers and are refused. */
int mc146818_set_byte(struct mc146818 *rtc, unsigned index, uint8_t val);
uint8_t mc146818_get_byte(const struct mc146818 *rtc, unsigned index);

/* Whether the guest masked NMI (bit 7 of the last index write). */
bool mc146818_nmi_masked(const struct mc146818 *rtc);

#endif
