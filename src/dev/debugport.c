/* Debug ports.  Bytes written to 0xE9 (or 0x402, where SeaBIOS logs) are gathered into lines and logged as
 * guest messages (rate-limited by log_guest); POST codes on 0x80 are logged
 * at debug level; a write to the exit port ends the VM with the low byte. */
#include "config.h"
#include "dev/debugport.h"
#include "log.h"

#include <errno.h>
#include <stdlib.h>

#define DEBUGPORT_LINE 256

struct debugport {
	struct iobus *bus;
	const struct platform_hooks *hooks;
	uint16_t exit_port;
	void (*echo)(void *opaque, const char *buf, unsigned len);
	void *echo_opaque;
	char line[DEBUGPORT_LINE];
	unsigned len;
	uint8_t post;
};

static void dbg_flush(struct debugport *d)
{
	if (!d->len)
		return;
	log_guest("guest", "%.*s", (int)d->len, d->line);
	d->len = 0;
}

static void dbg_putc(struct debugport *d, uint8_t c)
{
	if (d->echo) {
		char ch = (char)c;
		d->echo(d->echo_opaque, &ch, 1);
	}
	if (c == '\n') {
		dbg_flush(d);
		return;
	}
	if (c == '\r')
		return;
	/* Keep the log readable: non-printable bytes become '.'. */
	d->line[d->len++] = (c >= 0x20 && c < 0x7f) || c == '\t' ? (char)c : '.';
	if (d->len == DEBUGPORT_LINE - 1)
		dbg_flush(d);
}

static uint32_t dbg_in(void *opaque, uint16_t port, unsigned size)
{
	struct debugport *d = opaque;
	(void)size;

	if (port == 0xe9 || port == 0x402)
		return 0xe9;
	if (port == 0x80)
		return d->post;
	return 0xff;
}

static void dbg_out(void *opaque, uint16_t port, unsigned size, uint32_t val)
{
	struct debugport *d = opaque;

	if (port == 0xe9 || port == 0x402) {
		dbg_putc(d, (uint8_t)val);
	} else if (port == 0x80) {
		d->post = (uint8_t)val;
		log_msg(LOG_DEBUG, "post", "POST code 0x%02x", d->post);
	} else if (port == d->exit_port) {
		(void)size;
		platform_exit(d->hooks, (int)(val & 0xff));
	}
}

static const struct pio_ops dbg_ops = { dbg_in, dbg_out };

void debugport_reset(struct debugport *d)
{
	if (!d)
		return;
	dbg_flush(d);
	d->post = 0;
}

uint8_t debugport_post_code(const struct debugport *d)
{
	return d->post;
}

int debugport_create(struct iobus *bus, const struct platform_hooks *hooks,
		     uint16_t exit_port,
		     void (*echo)(void *opaque, const char *buf, unsigned len),
		     void *echo_opaque, struct debugport **out)
{
	struct debugport *d = calloc(1, sizeof(*d));
	int r;

	if (!d)
		return -ENOMEM;
	d->bus = bus;
	d->hooks = hooks;
	d->exit_port = exit_port;
	d->echo = echo;
	d->echo_opaque = echo_opaque;
	if ((r = iobus_register(bus, 0xe9, 1, &dbg_ops, d)) < 0)
		goto fail;
	/* SeaBIOS prints its log to 0x402 (QEMU's debugcon port for it). */
	if ((r = iobus_register(bus, 0x402, 1, &dbg_ops, d)) < 0)
		goto fail_e9;
	if ((r = iobus_register(bus, 0x80, 1, &dbg_ops, d)) < 0)
		goto fail_402;
	/* The exit port takes the full dword so that 16/32-bit OUTs reach us. */
	if (exit_port && (r = iobus_register(bus, exit_port, 4, &dbg_ops, d)) < 0)
		goto fail_80;
	*out = d;
	return 0;
fail_80:
	iobus_unregister(bus, 0x80, 1, d);
fail_402:
	iobus_unregister(bus, 0x402, 1, d);
fail_e9:
	iobus_unregister(bus, 0xe9, 1, d);
fail:
	free(d);
	return r;
}

void debugport_destroy(struct debugport *d)
{
	if (!d)
		return;
	dbg_flush(d);
	iobus_unregister(d->bus, 0xe9, 1, d);
	iobus_unregister(d->bus, 0x402, 1, d);
	iobus_unregister(d->bus, 0x80, 1, d);
	if (d->exit_port)
		iobus_unregister(d->bus, d->exit_port, 4, d);
	free(d);
}
