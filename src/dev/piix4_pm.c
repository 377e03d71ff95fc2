/* The PIIX4 PM function's configuration space. */
#include "config.h"
#include "dev/piix4_pm.h"

#include <errno.h>
#include <stdlib.h>

#define PM_PMBA 0x40
#define PM_DEVACTB 0x58
#define PM_DEVACTB_APMC_EN (1u << 25)
#define PM_PMREGMISC 0x80
#define PM_SMBBA 0x90
#define PM_SMBHSTCFG 0xd2

struct piix4_pm {
	struct pci_dev *dev;
	piix4_pm_base_fn fn;
	void *opaque;
};

static void pm_cfg_write(void *o, unsigned off, unsigned size)
{
	struct piix4_pm *pm = o;
	const uint8_t *c = pci_cfg(pm->dev);

	if (!pm->fn)
		return;
	if ((off < PM_PMBA + 4 && off + size > PM_PMBA) || off == PM_PMREGMISC)
		pm->fn(pm->opaque, (uint16_t)((c[PM_PMBA] | c[PM_PMBA + 1] << 8) & 0xffc0),
		       c[PM_PMREGMISC] & 1);
}

static const struct pci_dev_ops pm_ops = { pm_cfg_write };

int piix4_pm_create(struct pci_bus *bus, piix4_pm_base_fn fn, void *opaque,
		    struct piix4_pm **out)
{
	struct piix4_pm *pm = calloc(1, sizeof(*pm));
	uint8_t *c;
	int r;

	if (!pm)
		return -ENOMEM;
	pm->fn = fn;
	pm->opaque = opaque;
	r = pci_register(bus, PCI_DEVFN(1, 3), 0x8086, 0x7113, 0x06800003, &pm_ops, pm, &pm->dev);
	if (r < 0) {
		free(pm);
		return r;
	}
	c = pci_cfg(pm->dev);
	c[PCI_STATUS + 1] = 0x02;
	c[PCI_INTERRUPT_PIN] = 1;
	c[PM_PMBA] = 0x01; /* I/O space indicator */
	c[PM_SMBBA] = 0x01;
	/* There is no System Management Mode: report the APM-control SMI as
	 * already set up, so firmware does not trigger one through port 0xB2
	 * and wait forever for a handler to answer on 0xB3. */
	c[PM_DEVACTB + 3] = (uint8_t)(PM_DEVACTB_APMC_EN >> 24);
	pci_set_wmask(pm->dev, PM_PMBA, 1, 0xc0);
	pci_set_wmask(pm->dev, PM_PMBA + 1, 1, 0xff);
	pci_set_wmask(pm->dev, PM_PMREGMISC, 1, 0x01);
	pci_set_wmask(pm->dev, PM_SMBBA, 1, 0xf0);
	pci_set_wmask(pm->dev, PM_SMBBA + 1, 1, 0xff);
	pci_set_wmask(pm->dev, PM_SMBHSTCFG, 1, 0x0f);
	*out = pm;
	return 0;
}

void piix4_pm_destroy(struct piix4_pm *pm)
{
	free(pm);
}
