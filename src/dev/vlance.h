/* AMD PCnet-PCI II (Am79C970A, PCI 1022:2000), VMware's "vlance", as
 * Linux's pcnet32 driver uses it.
 *
 * BAR0: 32 I/O ports.  0x00-0x0F the address PROM (MAC, "WW" signature);
 * word I/O mode (after reset): RDP 0x10, RAP 0x12, RESET 0x14, BDP 0x16;
 * a dword write to 0x10 switches to dword I/O mode: RDP 0x10, RAP 0x14,
 * RESET 0x18, BDP 0x1C (dword accesses only).  CSR0-CSR127 and the BCRs
 * pcnet32 uses; the init block and descriptor rings in software styles 0
 * (16-bit LANCE), 2 (32-bit PCnet-PCI) and 3; receive filters (physical
 * address, logical address filter, broadcast, promiscuous); interrupts on
 * INTA#; the link shows in BCR4's LED bit.
 *
 * The guest hands receive buffers back by setting OWN in memory, with no
 * register write, so when a frame finds no buffer the NIC polls the ring
 * again after VLANCE_RX_POLL_NS (the chip's own descriptor polling) and
 * then calls ops->rx_ready.
 *
 * DMA goes through the pmap, RAM only; each register write walks a ring at
 * most once.  Everything runs on the vCPU thread. */
#ifndef HOSTVM_DEV_VLANCE_H
#define HOSTVM_DEV_VLANCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dev/pci.h"
#include "mem/pmap.h"
#include "net/nic_backend.h"
#include "vclock.h"

#define VLANCE_VENDOR 0x1022
#define VLANCE_DEVICE 0x2000
#define VLANCE_IO_SIZE 32u
#define VLANCE_RX_POLL_NS 500000u

struct vlance;

/* As e1000_create(): devfn on bus, mac the configured MAC (address PROM),
 * ops/be may be NULL until vlance_set_backend().  Destroy the bus first. */
int vlance_create(struct pci_bus *bus, unsigned devfn, struct pmap *pm, struct vclock *vc,
		  const uint8_t mac[6], const struct nic_backend_ops *ops, void *be,
		  struct vlance **out);
void vlance_destroy(struct vlance *s);
void vlance_set_backend(struct vlance *s, const struct nic_backend_ops *ops, void *be);

/* 0 when taken or dropped as the chip would, -ENOBUFS when the guest owns
 * no receive buffer yet (offer it again after ops->rx_ready). */
int vlance_receive(struct vlance *s, const void *frame, size_t len);
void vlance_set_link(struct vlance *s, bool up);
int vlance_rx_cb(void *s, const void *frame, size_t len);
void vlance_link_cb(void *s, bool up);

/* H_RESET: power on.  (Reading the RESET port is the chip's S_RESET.) */
void vlance_reset(struct vlance *s);

#endif
