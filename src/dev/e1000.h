/* Intel 82540EM Gigabit Ethernet controller (8086:100E), what Linux's e1000
 * driver and VMware's "e1000" virtual device present.
 *
 * BAR0: 128 KiB of memory-mapped registers (dword accesses; a narrower read
 * returns part of the dword, a narrower write is ignored).  BAR1: 64 I/O
 * ports, IOADDR at +0 and IODATA at +4 (indirect dword register access).
 * EEPROM (64 words, Microwire through EECD or the EERD register, checksum
 * 0xBABA), an M88E1011-style PHY behind MDIC, legacy and extended (context +
 * data, checksum offload and TSO) transmit descriptors, legacy receive
 * descriptors, receive filters, interrupt moderation (ITR, RDTR/RADV,
 * TIDV/TADV on the virtual clock) and clear-on-read statistics.
 *
 * DMA goes through the pmap only and only to RAM: descriptor reads outside
 * RAM see all ones, writes there are dropped.  Each register write does at
 * most one pass over a ring, so no ring a guest builds can hang the VMM.
 *
 * Threads: everything here runs on the vCPU thread. */
#ifndef HOSTVM_DEV_E1000_H
#define HOSTVM_DEV_E1000_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dev/pci.h"
#include "mem/pmap.h"
#include "net/nic_backend.h"
#include "vclock.h"

#define E1000_VENDOR 0x8086
#define E1000_DEVICE 0x100e
#define E1000_MMIO_SIZE 0x20000u
#define E1000_IO_SIZE 64u
#define E1000_EEPROM_WORDS 64

struct e1000;

/* Registers the NIC as PCI function devfn.  mac is the configured MAC (the
 * EEPROM's).  ops/be may be NULL (no back end yet: link down until
 * e1000_set_backend() and e1000_set_link()).  Destroy the bus first, then
 * the NIC. */
int e1000_create(struct pci_bus *bus, unsigned devfn, struct pmap *pm, struct vclock *vc,
		 const uint8_t mac[6], const struct nic_backend_ops *ops, void *be,
		 struct e1000 **out);
void e1000_destroy(struct e1000 *e);

void e1000_set_backend(struct e1000 *e, const struct nic_backend_ops *ops, void *be);

/* A frame from the wire (no FCS).  Returns 0 when the NIC took it or
 * dropped it as hardware would (receiver off, filtered, too long), or
 * -ENOBUFS when the guest has not given it enough receive descriptors: keep
 * the frame and offer it again after ops->rx_ready. */
int e1000_receive(struct e1000 *e, const void *frame, size_t len);
/* Link up/down (cable, vswitchd): STATUS.LU, the PHY and an LSC interrupt. */
void e1000_set_link(struct e1000 *e, bool up);

/* The same two with the signatures of struct nicbe_callbacks (opaque = the
 * struct e1000 *). */
int e1000_rx_cb(void *e, const void *frame, size_t len);
void e1000_link_cb(void *e, bool up);

/* Hardware reset (power on, CTRL.RST). */
void e1000_reset(struct e1000 *e);

#endif
