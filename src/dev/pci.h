/* The PCI bus: configuration mechanism #1 (ports 0xCF8 and 0xCFC-0xCFF),
 * 256-byte configuration spaces with per-byte writable masks, BARs that map
 * themselves into the I/O bus or the pmap when the command register enables
 * decoding, an expansion ROM BAR, and INTA#-INTD# routed to four PIRQ lines
 * (the PIIX3 decides which ISA IRQ each PIRQ drives). */
#ifndef HOSTVM_DEV_PCI_H
#define HOSTVM_DEV_PCI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dev/iobus.h"
#include "mem/pmap.h"

#define PCI_DEVFN(slot, fn) (((slot) << 3) | (fn))

/* Standard configuration header offsets used by more than one device. */
#define PCI_VENDOR_ID 0x00
#define PCI_COMMAND 0x04
#define PCI_STATUS 0x06
#define PCI_HEADER_TYPE 0x0e
#define PCI_BAR0 0x10
#define PCI_ROM_BAR 0x30
#define PCI_INTERRUPT_LINE 0x3c
#define PCI_INTERRUPT_PIN 0x3d

#define PCI_CMD_IO 0x0001
#define PCI_CMD_MEM 0x0002
#define PCI_CMD_MASTER 0x0004

#define PCI_NUM_BARS 6

struct pci_bus;
struct pci_dev;

/* Optional per-device hooks.  cfg_write runs after the bytes of
 * [off, off+size) have been stored through the writable mask, so the device
 * sees the new values in pci_cfg(). */
struct pci_dev_ops {
	void (*cfg_write)(void *opaque, unsigned off, unsigned size);
};

/* The PIRQ router (the PIIX3): level is the wired-OR of every INTx pin that
 * the standard swizzle maps to PIRQ pirq (0-3). */
typedef void (*pci_pirq_fn)(void *opaque, int pirq, int level);

/* Byte handler for port 0xCF9, which shares the dword at 0xCF8 (i440FX/PIIX
 * reset control register). */
struct pci_cf9_ops {
	uint8_t (*read)(void *opaque);
	void (*write)(void *opaque, uint8_t val);
};

int pci_bus_create(struct iobus *io, struct pmap *pm, struct pci_bus **out);
/* Unmaps every BAR and frees every device registered on the bus. */
void pci_bus_destroy(struct pci_bus *bus);

void pci_bus_set_pirq_router(struct pci_bus *bus, pci_pirq_fn fn, void *opaque);
void pci_bus_set_cf9(struct pci_bus *bus, const struct pci_cf9_ops *ops, void *opaque);

/* Configuration cycles as the host bridge performs them: bus 0 only; an
 * absent function reads as all ones and ignores writes.  off may be any
 * byte offset; accesses are composed of bytes. */
uint32_t pci_bus_cfg_read(struct pci_bus *bus, unsigned devfn, unsigned off, unsigned size);
void pci_bus_cfg_write(struct pci_bus *bus, unsigned devfn, unsigned off, unsigned size,
		       uint32_t val);

/* Adds a function at devfn (slot 0-31, function 0-7); -EBUSY if taken.
 * class_rev is the dword at 0x08 (class code << 8 | revision). */
int pci_register(struct pci_bus *bus, unsigned devfn, uint16_t vendor, uint16_t device,
		 uint32_t class_rev, const struct pci_dev_ops *ops, void *opaque,
		 struct pci_dev **out);

/* The device's own view of its configuration space (to set initial values)
 * and its writable-bit mask. */
uint8_t *pci_cfg(struct pci_dev *dev);
void pci_set_wmask(struct pci_dev *dev, unsigned off, unsigned len, uint8_t mask);

/* BAR idx (0-5) decodes size bytes (a power of two: >= 4 for I/O, >= 4096
 * for memory).  Handlers get offsets relative to the BAR's base. */
int pci_set_bar_io(struct pci_dev *dev, int idx, uint32_t size, const struct pio_ops *ops,
		   void *opaque);
int pci_set_bar_mmio(struct pci_dev *dev, int idx, uint32_t size, const struct mmio_ops *ops,
		     void *opaque);
/* Exposes a copy of len bytes of data as the expansion ROM BAR (size rounded
 * up to a power of two, at least 4 KiB). */
int pci_set_rom(struct pci_dev *dev, const void *data, size_t len);
/* Where BAR idx (0-5, or 6 for the ROM) is mapped now; 0 when it is not. */
uint64_t pci_bar_addr(const struct pci_dev *dev, int idx);

/* Drives the function's INTx pin (the one in config byte 0x3D). */
void pci_set_irq(struct pci_dev *dev, int level);

#endif
