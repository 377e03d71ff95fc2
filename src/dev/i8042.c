/* The 8042 keyboard controller.  It owns a one-byte output buffer that it
 * fills from its own replies, the keyboard and the mouse, in that order, and
 * raises IRQ 1 or IRQ 12 (per the command byte) while a byte waits there. */
#include "config.h"
#include "dev/i8042.h"

#include <errno.h>
#include <stdlib.h>

#define ST_OBF    0x01
#define ST_SYS    0x04
#define ST_CMD    0x08
#define ST_UNINH  0x10
#define ST_AUXOBF 0x20

#define CB_KBDINT 0x01
#define CB_AUXINT 0x02
#define CB_SYS    0x04
#define CB_KBDDIS 0x10
#define CB_AUXDIS 0x20
#define CB_XLATE  0x40

struct i8042 {
	struct iobus *bus;
	struct irq_line kbd_irq, aux_irq;
	const struct platform_hooks *hooks;
	struct ps2kbd kbd;
	struct ps2mouse mouse;
	struct ps2_queue replies;	/* controller replies; bit 8 of src = aux */
	bool reply_aux[PS2_QUEUE_SIZE];
	uint8_t status, cmdbyte, outport, pending_cmd;
	uint8_t out;			/* the output buffer */
	bool out_aux, xlate_break;
};

/* Scan code set 2 -> set 1 for the keys of a 102-key keyboard.  Codes not
 * listed pass through unchanged. */
static const uint8_t xlate_pairs[][2] = {
	{0x76,0x01},{0x16,0x02},{0x1E,0x03},{0x26,0x04},{0x25,0x05},{0x2E,0x06},
	{0x36,0x07},{0x3D,0x08},{0x3E,0x09},{0x46,0x0A},{0x45,0x0B},{0x4E,0x0C},
	{0x55,0x0D},{0x66,0x0E},{0x0D,0x0F},{0x15,0x10},{0x1D,0x11},{0x24,0x12},
	{0x2D,0x13},{0x2C,0x14},{0x35,0x15},{0x3C,0x16},{0x43,0x17},{0x44,0x18},
	{0x4D,0x19},{0x54,0x1A},{0x5B,0x1B},{0x5A,0x1C},{0x14,0x1D},{0x1C,0x1E},
	{0x1B,0x1F},{0x23,0x20},{0x2B,0x21},{0x34,0x22},{0x33,0x23},{0x3B,0x24},
	{0x42,0x25},{0x4B,0x26},{0x4C,0x27},{0x52,0x28},{0x0E,0x29},{0x12,0x2A},
	{0x5D,0x2B},{0x1A,0x2C},{0x22,0x2D},{0x21,0x2E},{0x2A,0x2F},{0x32,0x30},
	{0x31,0x31},{0x3A,0x32},{0x41,0x33},{0x49,0x34},{0x4A,0x35},{0x59,0x36},
	{0x7C,0x37},{0x11,0x38},{0x29,0x39},{0x58,0x3A},{0x05,0x3B},{0x06,0x3C},
	{0x04,0x3D},{0x0C,0x3E},{0x03,0x3F},{0x0B,0x40},{0x83,0x41},{0x0A,0x42},
	{0x01,0x43},{0x09,0x44},{0x77,0x45},{0x7E,0x46},{0x6C,0x47},{0x75,0x48},
	{0x7D,0x49},{0x7B,0x4A},{0x6B,0x4B},{0x73,0x4C},{0x74,0x4D},{0x79,0x4E},
	{0x69,0x4F},{0x72,0x50},{0x7A,0x51},{0x70,0x52},{0x71,0x53},{0x61,0x56},
	{0x78,0x57},{0x07,0x58},{0x1F,0x5B},{0x27,0x5C},{0x2F,0x5D},
};

static uint8_t xlate(uint8_t v)
{
	for (size_t i = 0; i < sizeof(xlate_pairs) / sizeof(xlate_pairs[0]); i++)
		if (xlate_pairs[i][0] == v)
			return xlate_pairs[i][1];
	return v;
}

static void update_irqs(struct i8042 *c)
{
	bool full = c->status & ST_OBF;

	irq_set_level(&c->kbd_irq, full && !c->out_aux && (c->cmdbyte & CB_KBDINT));
	irq_set_level(&c->aux_irq, full && c->out_aux && (c->cmdbyte & CB_AUXINT));
}

static void set_out(struct i8042 *c, uint8_t v, bool aux)
{
	c->out = v;
	c->out_aux = aux;
	c->status |= ST_OBF;
	c->status = aux ? (c->status | ST_AUXOBF) : (c->status & ~ST_AUXOBF);
}

/* Moves the next waiting byte into an empty output buffer. */
static void refill(struct i8042 *c)
{
	if (!(c->status & ST_OBF)) {
		if (!ps2_queue_empty(&c->replies)) {
			bool aux = c->reply_aux[c->replies.rd];

			set_out(c, ps2_queue_pop(&c->replies), aux);
		} else if (!(c->cmdbyte & CB_KBDDIS) && !ps2_queue_empty(&c->kbd.q)) {
			uint8_t v = ps2_queue_pop(&c->kbd.q);

			if (c->cmdbyte & CB_XLATE) {
				/* Set 1 has no break prefix: it sets bit 7 instead. */
				while (v == 0xF0 && !ps2_queue_empty(&c->kbd.q)) {
					c->xlate_break = true;
					v = ps2_queue_pop(&c->kbd.q);
				}
				if (v == 0xF0) {
					c->xlate_break = true;
					update_irqs(c);
					return;
				}
				v = xlate(v);
				if (c->xlate_break && v != 0xE0 && v != 0xE1) {
					v |= 0x80;
					c->xlate_break = false;
				}
			}
			set_out(c, v, false);
		} else if (!(c->cmdbyte & CB_AUXDIS) && !ps2_queue_empty(&c->mouse.q)) {
			set_out(c, ps2_queue_pop(&c->mouse.q), true);
		}
	}
	update_irqs(c);
}

static void notify(void *opaque) { refill(opaque); }

static void reply(struct i8042 *c, uint8_t v, bool aux)
{
	if (c->replies.count < PS2_QUEUE_SIZE)
		c->reply_aux[(c->replies.rd + c->replies.count) % PS2_QUEUE_SIZE] = aux;
	ps2_queue_push(&c->replies, v);
	refill(c);
}

static void write_outport(struct i8042 *c, uint8_t v)
{
	uint8_t old = c->outport;

	c->outport = v | 0x01;
	if ((old ^ v) & 0x02)
		platform_set_a20(c->hooks, v & 0x02);
	if (!(v & 0x01))
		platform_reset(c->hooks);
}

static void command(struct i8042 *c, uint8_t cmd)
{
	if (cmd == 0x20 || (cmd >= 0x21 && cmd <= 0x3F)) {
		reply(c, cmd == 0x20 ? c->cmdbyte : 0, false);
		return;
	}
	if ((cmd >= 0x60 && cmd <= 0x7F) || cmd == 0xD1 || cmd == 0xD2 ||
	    cmd == 0xD3 || cmd == 0xD4) {
		c->pending_cmd = cmd;
		return;
	}
	if (cmd >= 0xF0) {
		/* Pulse output port bits 0-3 low for those bits clear in cmd. */
		if (!(cmd & 0x01))
			platform_reset(c->hooks);
		return;
	}
	switch (cmd) {
	case 0xA7: c->cmdbyte |= CB_AUXDIS; break;
	case 0xA8: c->cmdbyte &= ~CB_AUXDIS; refill(c); break;
	case 0xA9: reply(c, 0x00, false); break;
	case 0xAA:
		c->status |= ST_SYS;
		c->cmdbyte |= CB_SYS;
		reply(c, 0x55, false);
		break;
	case 0xAB: reply(c, 0x00, false); break;
	case 0xAD: c->cmdbyte |= CB_KBDDIS; break;
	case 0xAE: c->cmdbyte &= ~CB_KBDDIS; refill(c); break;
	case 0xC0: reply(c, 0xA0, false); break;
	case 0xD0: {
		uint8_t v = c->outport & 0xCF;

		if (c->status & ST_OBF)
			v |= c->out_aux ? 0x20 : 0x10;
		reply(c, v, false);
		break;
	}
	case 0xE0: reply(c, 0x00, false); break;
	default: break;
	}
}

static void data_write(struct i8042 *c, uint8_t val)
{
	uint8_t cmd = c->pending_cmd;

	c->pending_cmd = 0;
	if (cmd >= 0x60 && cmd <= 0x7F) {
		if (cmd == 0x60) {
			c->cmdbyte = val;
			c->status = (c->status & ~ST_SYS) | (val & CB_SYS);
		}
		refill(c);
		return;
	}
	switch (cmd) {
	case 0xD1: write_outport(c, val); return;
	case 0xD2: reply(c, val, false); return;
	case 0xD3: reply(c, val, true); return;
	case 0xD4: ps2mouse_write(&c->mouse, val); return;
	default: break;
	}
	/* A plain data write goes to the keyboard and enables its clock. */
	c->cmdbyte &= ~CB_KBDDIS;
	ps2kbd_write(&c->kbd, val);
}

uint8_t i8042_read(struct i8042 *c, uint16_t port)
{
	uint8_t v;

	if (port == 0x64)
		return c->status;
	v = c->out;
	c->status &= ~(ST_OBF | ST_AUXOBF);
	/* Drop IRQ 1/12 before the next byte moves in, as the real
	 * controller does: each byte is a fresh edge for the 8259. */
	update_irqs(c);
	refill(c);
	return v;
}

void i8042_write(struct i8042 *c, uint16_t port, uint8_t val)
{
	if (port == 0x64) {
		c->status |= ST_CMD;
		c->pending_cmd = 0;
		command(c, val);
	} else {
		c->status &= ~ST_CMD;
		data_write(c, val);
	}
}

static uint32_t pio_in(void *opaque, uint16_t port, unsigned size)
{
	(void)size;
	return i8042_read(opaque, port);
}

static void pio_out(void *opaque, uint16_t port, unsigned size, uint32_t val)
{
	(void)size;
	i8042_write(opaque, port, (uint8_t)val);
}

static const struct pio_ops ops = { pio_in, pio_out };

void i8042_reset(struct i8042 *c)
{
	c->replies.rd = c->replies.count = 0;
	c->status = ST_UNINH;
	c->cmdbyte = CB_KBDINT | CB_AUXINT | CB_XLATE;
	c->outport = 0x03;
	c->pending_cmd = 0;
	c->xlate_break = false;
	ps2kbd_reset(&c->kbd);
	ps2mouse_reset(&c->mouse);
	update_irqs(c);
}

int i8042_create(struct iobus *bus, const struct irq_line *kbd_irq,
		 const struct irq_line *aux_irq, const struct platform_hooks *hooks,
		 struct i8042 **out)
{
	struct i8042 *c = calloc(1, sizeof(*c));
	int r;

	if (!c)
		return -ENOMEM;
	if (kbd_irq)
		c->kbd_irq = *kbd_irq;
	if (aux_irq)
		c->aux_irq = *aux_irq;
	c->hooks = hooks;
	c->kbd.notify = c->mouse.notify = notify;
	c->kbd.opaque = c->mouse.opaque = c;
	i8042_reset(c);
	if (bus) {
		r = iobus_register(bus, 0x60, 1, &ops, c);
		if (!r) {
			r = iobus_register(bus, 0x64, 1, &ops, c);
			if (r)
				iobus_unregister(bus, 0x60, 1, c);
		}
		if (r) {
			free(c);
			return r;
		}
		c->bus = bus;
	}
	*out = c;
	return 0;
}

void i8042_destroy(struct i8042 *c)
{
	if (!c)
		return;
	if (c->bus) {
		iobus_unregister(c->bus, 0x60, 1, c);
		iobus_unregister(c->bus, 0x64, 1, c);
	}
	free(c);
}

struct ps2kbd *i8042_kbd(struct i8042 *c) { return &c->kbd; }
struct ps2mouse *i8042_mouse(struct i8042 *c) { return &c->mouse; }
