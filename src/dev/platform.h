/* What the machine offers its devices: the few actions a chip can take on
 * the whole PC (the A20 gate, reset, power-off, the test exit port).  The
 * machine-assembly code fills one of these and hands it to every device. */
#ifndef HOSTVM_DEV_PLATFORM_H
#define HOSTVM_DEV_PLATFORM_H

#include <stdbool.h>

struct platform_hooks {
	void *opaque;
	/* The A20 gate (i8042 output port bit 1, port 0x92 bit 1). */
	void (*set_a20)(void *opaque, bool enabled);
	/* A hard reset of the whole machine (port 0xCF9, i8042 command 0xFE,
	 * port 0x92 bit 0).  Takes effect at the next instruction boundary. */
	void (*request_reset)(void *opaque);
	/* Soft power-off (ACPI S5). */
	void (*request_poweroff)(void *opaque);
	/* The test exit port: the VM ends with this exit status. */
	void (*guest_exit)(void *opaque, int code);
};

static inline void platform_set_a20(const struct platform_hooks *h, bool on)
{
	if (h && h->set_a20)
		h->set_a20(h->opaque, on);
}

static inline void platform_reset(const struct platform_hooks *h)
{
	if (h && h->request_reset)
		h->request_reset(h->opaque);
}

static inline void platform_poweroff(const struct platform_hooks *h)
{
	if (h && h->request_poweroff)
		h->request_poweroff(h->opaque);
}

static inline void platform_exit(const struct platform_hooks *h, int code)
{
	if (h && h->guest_exit)
		h->guest_exit(h->opaque, code);
}

#endif
