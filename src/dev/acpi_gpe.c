/* GPE0 block and PCI hotplug registers (see acpi_gpe.h). */
#include "config.h"

#include <errno.h>
#include <stdlib.h>

#include "dev/acpi_gpe.h"


struct acpi_gpe {
	struct iobus *bus;
	uint8_t sts[2];   /* write 1 to clear; nothing ever sets a bit */
	uint8_t en[2];
};

static uint32_t gpe_in(void *opaque, uint16_t port, unsigned size)
{
	struct acpi_gpe *g = opaque;
	uint32_t v = 0;

	(void)size;
	if (port >= ACPI_GPE0_BASE && port < ACPI_GPE0_BASE + ACPI_GPE0_LEN) {
		unsigned off = port - ACPI_GPE0_BASE;

		v = off < 2 ? g->sts[off] : g->en[off - 2];
	}
	/* Hotplug window: no slot came or went, none is removable. */
	return v;
}

static void gpe_out(void *opaque, uint16_t port, unsigned size, uint32_t val)
{
	struct acpi_gpe *g = opaque;

	(void)size;
	if (port >= ACPI_GPE0_BASE && port < ACPI_GPE0_BASE + ACPI_GPE0_LEN) {
		unsigned off = port - ACPI_GPE0_BASE;

		if (off < 2)
			g->sts[off] &= (uint8_t)~val;
		else
			g->en[off - 2] = (uint8_t)val;
	}
	/* Writes to the hotplug window (eject, slot select) change nothing. */
}

static const struct pio_ops gpe_ops = { gpe_in, gpe_out };

void acpi_gpe_reset(struct acpi_gpe *g)
{
	if (!g)
		return;
	g->sts[0] = g->sts[1] = 0;
	g->en[0] = g->en[1] = 0;
}

int acpi_gpe_create(struct iobus *bus, struct acpi_gpe **out)
{
	struct acpi_gpe *g = calloc(1, sizeof(*g));
	int r;

	if (!g)
		return -ENOMEM;
	g->bus = bus;
	if ((r = iobus_register(bus, ACPI_GPE0_BASE, ACPI_GPE0_LEN, &gpe_ops, g)) < 0) {
		free(g);
		return r;
	}
	if ((r = iobus_register(bus, ACPI_PCIHP_BASE, ACPI_PCIHP_LEN, &gpe_ops, g)) < 0) {
		iobus_unregister(bus, ACPI_GPE0_BASE, ACPI_GPE0_LEN, g);
		free(g);
		return r;
	}
	*out = g;
	return 0;
}

void acpi_gpe_destroy(struct acpi_gpe *g)
{
	if (!g)
		return;
	iobus_unregister(g->bus, ACPI_GPE0_BASE, ACPI_GPE0_LEN, g);
	iobus_unregister(g->bus, ACPI_PCIHP_BASE, ACPI_PCIHP_LEN, g);
	free(g);
}
