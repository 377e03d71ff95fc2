/* The VM's network adapters: for every present ethernetN a PCI NIC (e1000
 * = Intel 82540EM, vlance = AMD PCnet-PCI II) and, when it names a port
 * group, a NIC back end that connects it to vswitchd (doc/dev-nic-keys.md).
 * Part of the board: rebuilt on a hard reset, which reconnects. */
#ifndef HOSTVM_MACHINE_NIC_H
#define HOSTVM_MACHINE_NIC_H

#include <stddef.h>

#include "vmconfig.h"

struct machine_nics;
struct pci_bus;
struct pmap;
struct vclock;
struct cpu;

/* The first NIC sits at PCI device MACHINE_NIC_SLOT, the next ones after
 * it, in ethernetN order. */
#define MACHINE_NIC_SLOT 3

/* *cpu is read whenever a back end has work, to kick the vCPU out of HLT
 * (it may be NULL while the board is being built).  Returns 0 or -errno
 * with a message naming the key in err. */
int machine_nics_create(const struct vmcfg *cfg, struct pci_bus *pci, struct pmap *pm,
			struct vclock *vc, struct cpu *const *cpu, struct machine_nics **out,
			char *err, size_t errlen);
/* vCPU thread, between TUs: delivers received frames and link changes. */
void machine_nics_poll(struct machine_nics *n);
/* Stops the back ends' I/O threads: call before the CPU and the PCI bus go. */
void machine_nics_stop(struct machine_nics *n);
/* Frees the NICs: after the PCI bus is destroyed.  NULL is fine. */
void machine_nics_destroy(struct machine_nics *n);

#endif
