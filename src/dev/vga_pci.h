/* The VGA as QEMU's "stdvga" PCI function (1234:1111, class 0300) at a
 * given slot: BAR0 is the linear framebuffer (prefetchable memory), the
 * expansion ROM is vgabios-stdvga.bin. */
#ifndef HOSTVM_DEV_VGA_PCI_H
#define HOSTVM_DEV_VGA_PCI_H

#include <stddef.h>
#include <stdint.h>

#include "dev/pci.h"
#include "dev/vga.h"

struct vga_pci;

/* rom/rom_len: the VGA BIOS image (copied), or NULL for a function without
 * one.  v stays the caller's. */
int vga_pci_create(struct pci_bus *bus, unsigned devfn, struct vga *v, const uint8_t *rom,
		   size_t rom_len, struct vga_pci **out);
void vga_pci_destroy(struct vga_pci *vp);   /* accepts NULL */

#endif
