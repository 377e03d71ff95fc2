/* The i440FX host bridge (8086:1237) at 00:00.0: PAM shadow-RAM control and
 * the reset control register at port 0xCF9. */
#ifndef HOSTVM_DEV_I440FX_H
#define HOSTVM_DEV_I440FX_H

#include "dev/pci.h"
#include "dev/platform.h"

struct i440fx;

int i440fx_create(struct pci_bus *bus, struct pmap *pm, const struct platform_hooks *hooks,
		  struct i440fx **out);
void i440fx_destroy(struct i440fx *h);

#endif
