/* 16550A UART.  COM1 0x3F8/IRQ 4, COM2 0x2F8/IRQ 3, COM3 0x3E8/IRQ 4,
 * COM4 0x2E8/IRQ 3. */
#ifndef HOSTVM_DEV_NS16550_H
#define HOSTVM_DEV_NS16550_H

#include <stddef.h>
#include <stdint.h>
#include "dev/iobus.h"
#include "dev/irq.h"
#include "vclock.h"

/* Where the bytes go.  Both are called on the vCPU thread and must not
 * block: write drops what it cannot take, read returns what is ready
 * (0 if none).  Either may be NULL. */
struct ns16550_backend {
	void (*write)(void *opaque, const uint8_t *buf, size_t len);
	size_t (*read)(void *opaque, uint8_t *buf, size_t len);
	void *opaque;
};

struct ns16550;

int ns16550_create(struct iobus *bus, uint16_t base, const struct irq_line *irq,
		   struct vclock *vc, const struct ns16550_backend *be,
		   struct ns16550 **out);
void ns16550_reset(struct ns16550 *u);
void ns16550_destroy(struct ns16550 *u);

#endif
