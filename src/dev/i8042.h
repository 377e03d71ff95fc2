/* The 8042 keyboard controller (ports 0x60/0x64) with its PS/2 keyboard and
 * mouse, and port 0x92 (System Control Port A). */
#ifndef HOSTVM_DEV_I8042_H
#define HOSTVM_DEV_I8042_H

#include <stdbool.h>
#include <stdint.h>

#include "dev/iobus.h"
#include "dev/irq.h"
#include "dev/platform.h"
#include "dev/ps2.h"

struct i8042;

/* kbd_irq and aux_irq are IRQ 1 and IRQ 12; hooks for A20 and reset.
 * Registers ports 0x60 and 0x64 on bus (bus may be NULL for tests that call
 * i8042_read/i8042_write directly). */
int i8042_create(struct iobus *bus, const struct irq_line *kbd_irq,
		 const struct irq_line *aux_irq, const struct platform_hooks *hooks,
		 struct i8042 **out);
void i8042_destroy(struct i8042 *c);
void i8042_reset(struct i8042 *c);

/* Port access (port is 0x60 or 0x64). */
uint8_t i8042_read(struct i8042 *c, uint16_t port);
void i8042_write(struct i8042 *c, uint16_t port, uint8_t val);

/* The devices behind the controller, for ps2kbd_key()/ps2mouse_move(). */
struct ps2kbd *i8042_kbd(struct i8042 *c);
struct ps2mouse *i8042_mouse(struct i8042 *c);

/* Port 0x92: bit 1 fast A20, bit 0 (rising edge) fast reset. */
struct port92;
int port92_create(struct iobus *bus, const struct platform_hooks *hooks, struct port92 **out);
void port92_destroy(struct port92 *p);

#endif
