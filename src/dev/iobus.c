/* The I/O port space: a direct-mapped table of 65536 handler slots, so a
 * port access costs one load.  See iobus.h. */
#include "config.h"
#include "dev/iobus.h"

#include <errno.h>
#include <stdlib.h>

#define IOBUS_PORTS 0x10000u

struct port_slot {
	const struct pio_ops *ops;
	void *opaque;
};

struct iobus {
	struct port_slot slot[IOBUS_PORTS];
};

int iobus_create(struct iobus **out)
{
	*out = calloc(1, sizeof(**out));
	return *out ? 0 : -ENOMEM;
}

void iobus_destroy(struct iobus *bus)
{
	free(bus);
}

int iobus_register(struct iobus *bus, uint16_t base, uint32_t count,
		   const struct pio_ops *ops, void *opaque)
{
	if (!ops || !count || base + count > IOBUS_PORTS)
		return -EINVAL;
	for (uint32_t p = base; p < base + count; p++)
		if (bus->slot[p].ops)
			return -EBUSY;
	for (uint32_t p = base; p < base + count; p++)
		bus->slot[p] = (struct port_slot){ ops, opaque };
	return 0;
}

void iobus_unregister(struct iobus *bus, uint16_t base, uint32_t count, void *opaque)
{
	for (uint32_t p = base; p < base + count && p < IOBUS_PORTS; p++)
		if (bus->slot[p].opaque == opaque)
			bus->slot[p] = (struct port_slot){ NULL, NULL };
}

/* A wide access goes to one handler only when it owns every port covered;
 * otherwise each byte goes to its own owner (or reads 0xFF). */
static bool one_owner(const struct iobus *bus, uint16_t port, unsigned size)
{
	const struct port_slot *s = &bus->slot[port];

	for (unsigned i = 1; i < size; i++) {
		uint32_t p = (uint32_t)port + i;
		if (p >= IOBUS_PORTS || bus->slot[p].ops != s->ops || bus->slot[p].opaque != s->opaque)
			return false;
	}
	return s->ops != NULL;
}

uint32_t iobus_in(struct iobus *bus, uint16_t port, unsigned size)
{
	uint32_t v = 0;

	if (one_owner(bus, port, size))
		return bus->slot[port].ops->in(bus->slot[port].opaque, port, size);
	for (unsigned i = 0; i < size; i++) {
		uint32_t p = (uint32_t)port + i;
		const struct port_slot *s = p < IOBUS_PORTS ? &bus->slot[p] : NULL;
		uint32_t b = s && s->ops ? s->ops->in(s->opaque, (uint16_t)p, 1) & 0xFF : 0xFF;
		v |= b << (8 * i);
	}
	return v;
}

void iobus_out(struct iobus *bus, uint16_t port, unsigned size, uint32_t val)
{
	if (one_owner(bus, port, size)) {
		bus->slot[port].ops->out(bus->slot[port].opaque, port, size, val);
		return;
	}
	for (unsigned i = 0; i < size; i++) {
		uint32_t p = (uint32_t)port + i;
		const struct port_slot *s = p < IOBUS_PORTS ? &bus->slot[p] : NULL;
		if (s && s->ops)
			s->ops->out(s->opaque, (uint16_t)p, 1, (val >> (8 * i)) & 0xFF);
	}
}
