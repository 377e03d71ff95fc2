/* System Control Port A (0x92): the fast A20 gate and fast reset. */
#include "config.h"
#include "dev/i8042.h"

#include <errno.h>
#include <stdlib.h>

struct port92 {
	struct iobus *bus;
	const struct platform_hooks *hooks;
	uint8_t val;
};

static uint32_t p92_in(void *opaque, uint16_t port, unsigned size)
{
	struct port92 *p = opaque;

	(void)port; (void)size;
	return p->val & 0x02;
}

static void p92_out(void *opaque, uint16_t port, unsigned size, uint32_t val)
{
	struct port92 *p = opaque;
	uint8_t old = p->val;

	(void)port; (void)size;
	p->val = val & 0x03;
	if ((old ^ p->val) & 0x02)
		platform_set_a20(p->hooks, p->val & 0x02);
	if ((p->val & 0x01) && !(old & 0x01)) {
		/* The reset bit clears itself as the machine restarts. */
		p->val &= ~0x01;
		platform_reset(p->hooks);
	}
}

static const struct pio_ops p92_ops = { p92_in, p92_out };

int port92_create(struct iobus *bus, const struct platform_hooks *hooks, struct port92 **out)
{
	struct port92 *p = calloc(1, sizeof(*p));
	int r;

	if (!p)
		return -ENOMEM;
	p->bus = bus;
	p->hooks = hooks;
	p->val = 0x02;
	r = bus ? iobus_register(bus, 0x92, 1, &p92_ops, p) : 0;
	if (r) {
		free(p);
		return r;
	}
	*out = p;
	return 0;
}

void port92_destroy(struct port92 *p)
{
	if (!p)
		return;
	if (p->bus)
		iobus_unregister(p->bus, 0x92, 1, p);
	free(p);
}
