/* The x86 I/O port space: 65536 byte-addressed ports.  Devices claim ranges;
 * an unclaimed port reads as all ones and ignores writes, as on a PC. */
#ifndef HOSTVM_DEV_IOBUS_H
#define HOSTVM_DEV_IOBUS_H

#include <stdbool.h>
#include <stdint.h>

/* size is 1, 2 or 4; port is the absolute port number. */
struct pio_ops {
	uint32_t (*in)(void *opaque, uint16_t port, unsigned size);
	void (*out)(void *opaque, uint16_t port, unsigned size, uint32_t val);
};

struct iobus;

int iobus_create(struct iobus **out);
void iobus_destroy(struct iobus *bus);

/* Claims [base, base+count).  Fails with -EBUSY if any port is taken. */
int iobus_register(struct iobus *bus, uint16_t base, uint32_t count,
		   const struct pio_ops *ops, void *opaque);
/* Releases the ports in [base, base+count) owned by opaque (PCI BAR moves). */
void iobus_unregister(struct iobus *bus, uint16_t base, uint32_t count, void *opaque);

/* An access wider than one byte whose ports belong to different handlers
 * (or none) is split into byte accesses. */
uint32_t iobus_in(struct iobus *bus, uint16_t port, unsigned size);
void iobus_out(struct iobus *bus, uint16_t port, unsigned size, uint32_t val);

#endif
