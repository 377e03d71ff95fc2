/* ACPI PM1 event/control blocks and the PM timer.  Status bits are
 * write-one-to-clear; SCI follows (status & enable) while SCI_EN is set.
 * SLP_EN with the soft-off SLP_TYP powers the machine off. */
#include "config.h"
#include "dev/acpi_pm.h"

#include <errno.h>
#include <stdlib.h>

#define PM1_PWRBTN_STS 0x0100
#define PM1_WAK_STS    0x8000
#define PM1_CNT_SCI_EN 0x0001
#define PM1_CNT_SLP_EN 0x2000

struct acpi_pm {
	struct iobus *bus;
	uint16_t base;
	struct irq_line sci;
	struct vclock *vc;
	const struct platform_hooks *hooks;
	unsigned s5;
	uint16_t sts, en, cnt;
	int sci_level;
};

static void pm_update_sci(struct acpi_pm *pm)
{
	int level = (pm->cnt & PM1_CNT_SCI_EN) && (pm->sts & pm->en);

	if (level != pm->sci_level) {
		pm->sci_level = level;
		irq_set_level(&pm->sci, level);
	}
}

static uint32_t pm_timer(struct acpi_pm *pm)
{
	uint64_t ns = vclock_ns(pm->vc);
	return (uint32_t)((unsigned __int128)ns * ACPI_PM_TIMER_HZ / 1000000000u) & 0xffffff;
}

/* The 12-byte block as it reads now; accesses pick bytes out of it. */
static uint8_t pm_byte(struct acpi_pm *pm, unsigned off)
{
	uint32_t tmr;

	switch (off) {
	case 0: return (uint8_t)pm->sts;
	case 1: return (uint8_t)(pm->sts >> 8);
	case 2: return (uint8_t)pm->en;
	case 3: return (uint8_t)(pm->en >> 8);
	case 4: return (uint8_t)pm->cnt;
	case 5: return (uint8_t)(pm->cnt >> 8) & ~(PM1_CNT_SLP_EN >> 8);
	case 8: case 9: case 10: case 11:
		tmr = pm_timer(pm);
		return (uint8_t)(tmr >> (8 * (off - 8)));
	default: return 0;
	}
}

static uint32_t pm_in(void *opaque, uint16_t port, unsigned size)
{
	struct acpi_pm *pm = opaque;
	unsigned off = port - pm->base;
	uint32_t v = 0;

	/* The timer is read atomically as a dword. */
	if (off == 8 && size == 4)
		return pm_timer(pm);
	for (unsigned i = 0; i < size && off + i < ACPI_PM_LEN; i++)
		v |= (uint32_t)pm_byte(pm, off + i) << (8 * i);
	return v;
}

static void pm_out(void *opaque, uint16_t port, unsigned size, uint32_t val)
{
	struct acpi_pm *pm = opaque;
	unsigned off = port - pm->base;

	/* A dword write to the event block sets status and enable together. */
	if (size == 4 && off == 0) {
		pm_out(pm, port, 2, val & 0xffff);
		pm_out(pm, (uint16_t)(port + 2), 2, val >> 16);
		return;
	}
	unsigned shift = (off & 1) * 8;
	uint16_t mask = (uint16_t)((size == 1 ? 0xffu : 0xffffu) << shift);
	uint16_t v = (uint16_t)(val << shift) & mask;

	switch (off & ~1u) {
	case 0:
		pm->sts &= ~v;
		break;
	case 2:
		pm->en = (uint16_t)((pm->en & ~mask) | v);
		break;
	case 4:
		pm->cnt = (uint16_t)((pm->cnt & ~mask) | (v & ~PM1_CNT_SLP_EN));
		if ((v & PM1_CNT_SLP_EN) && ((pm->cnt >> 10) & 7) == pm->s5)
			platform_poweroff(pm->hooks);
		break;
	default:
		break;  /* the timer is read-only */
	}
	pm_update_sci(pm);
}

static const struct pio_ops pm_ops = { pm_in, pm_out };

bool acpi_pm_power_button(struct acpi_pm *pm)
{
	if (!pm)
		return false;
	pm->sts |= PM1_PWRBTN_STS;
	pm_update_sci(pm);
	return pm->sci_level != 0;
}

void acpi_pm_reset(struct acpi_pm *pm)
{
	if (!pm)
		return;
	pm->sts = pm->en = pm->cnt = 0;
	pm_update_sci(pm);
}

int acpi_pm_create(struct iobus *bus, uint16_t base, const struct irq_line *sci,
		   struct vclock *vc, const struct platform_hooks *hooks,
		   unsigned s5_slp_typ, struct acpi_pm **out)
{
	struct acpi_pm *pm = calloc(1, sizeof(*pm));
	int r;

	if (!pm)
		return -ENOMEM;
	pm->bus = bus;
	pm->base = base;
	if (sci)
		pm->sci = *sci;
	pm->vc = vc;
	pm->hooks = hooks;
	pm->s5 = s5_slp_typ & 7;
	if ((r = iobus_register(bus, base, ACPI_PM_LEN, &pm_ops, pm)) < 0) {
		free(pm);
		return r;
	}
	*out = pm;
	return 0;
}

void acpi_pm_destroy(struct acpi_pm *pm)
{
	if (!pm)
		return;
	iobus_unregister(pm->bus, pm->base, ACPI_PM_LEN, pm);
	free(pm);
}
