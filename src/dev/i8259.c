/* Dual 8259A PIC.  Each chip keeps IRR/ISR/IMR; the slave's output drives the
 * master's IRQ 2.  Edge-triggered inputs latch a rising edge into IRR; inputs
 * marked level in the ELCR keep IRR set while the line is high. */
#include "config.h"
#include "dev/i8259.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct pic_chip {
	uint8_t irr, isr, imr;
	uint8_t last_irr;       /* input levels, for edge detection */
	uint8_t elcr, elcr_mask;
	uint8_t vbase;          /* ICW2 & 0xF8 */
	uint8_t icw3;
	uint8_t init_step;      /* 0 = operational, 2..4 = expecting ICW2..4 */
	bool icw4_needed, single;
	bool auto_eoi, rotate_on_aeoi, sfnm;
	bool read_isr, poll, special_mask;
	uint8_t priority_add;   /* lowest-priority rotation: IRQ with highest priority */
};

struct i8259 {
	struct pic_chip c[2];
	i8259_intr_fn intr;
	void *intr_opaque;
	int intr_level;
	struct iobus *bus;
};

/* Highest-priority bit set in mask, as an IRQ number 0-7, or 8 if none. */
static int pic_prio_irq(const struct pic_chip *s, uint8_t mask)
{
	if (!mask)
		return 8;
	for (int p = 0; p < 8; p++) {
		int irq = (p + s->priority_add) & 7;
		if (mask & (1u << irq))
			return irq;
	}
	return 8;
}

/* The IRQ this chip would present to the CPU, or -1. */
static int pic_pending(const struct pic_chip *s, bool master)
{
	uint8_t req = s->irr & ~s->imr;
	int irq = pic_prio_irq(s, req);

	if (irq == 8)
		return -1;
	uint8_t in_service = s->isr;
	/* In special mask mode masked in-service levels do not block lower ones;
	 * in special fully nested mode the cascade input may nest on itself. */
	if (s->special_mask)
		in_service &= ~s->imr;
	if (master && s->sfnm)
		in_service &= ~(1u << 2);
	int cur = pic_prio_irq(s, in_service);
	if (cur == 8)
		return irq;
	/* Compare priorities relative to the rotation. */
	if (((irq - s->priority_add) & 7) < ((cur - s->priority_add) & 7))
		return irq;
	return -1;
}

static void pic_update(struct i8259 *p)
{
	int slave = pic_pending(&p->c[1], false);

	/* The slave's INT output is an edge-triggered input on the master's
	 * IRQ 2: latched when it rises, cleared only by the acknowledge, so a
	 * slave request that vanishes before INTA yields a spurious IRQ 15. */
	if (slave >= 0)
		p->c[0].irr |= 1u << 2;

	int level = pic_pending(&p->c[0], true) >= 0;
	if (level != p->intr_level) {
		p->intr_level = level;
		if (p->intr)
			p->intr(p->intr_opaque, level);
	}
}

static void chip_set_irq(struct pic_chip *s, int irq, int level)
{
	uint8_t bit = (uint8_t)(1u << irq);

	if (s->elcr & bit) {
		if (level) {
			s->irr |= bit;
			s->last_irr |= bit;
		} else {
			s->irr &= ~bit;
			s->last_irr &= ~bit;
		}
		return;
	}
	if (level) {
		if (!(s->last_irr & bit))
			s->irr |= bit;
		s->last_irr |= bit;
	} else {
		s->last_irr &= ~bit;
	}
}

void i8259_set_irq(void *opaque, int irq, int level)
{
	struct i8259 *p = opaque;

	if (!p || irq < 0 || irq > 15 || irq == 2)
		return;
	chip_set_irq(&p->c[irq >> 3], irq & 7, level);
	pic_update(p);
}

/* Acknowledge irq on chip s: set ISR (unless auto-EOI), clear an edge IRR. */
static void chip_ack(struct pic_chip *s, int irq)
{
	uint8_t bit = (uint8_t)(1u << irq);

	if (s->auto_eoi) {
		if (s->rotate_on_aeoi)
			s->priority_add = (uint8_t)((irq + 1) & 7);
	} else {
		s->isr |= bit;
	}
	if (!(s->elcr & bit))
		s->irr &= ~bit;
}

int i8259_intack(struct i8259 *p)
{
	struct pic_chip *m = &p->c[0], *sl = &p->c[1];
	int vec;
	int irq = pic_pending(m, true);

	if (irq < 0) {
		vec = m->vbase | 7;     /* spurious IRQ 7 */
	} else if (irq == 2) {
		int sirq = pic_pending(sl, false);
		chip_ack(m, 2);
		if (sirq < 0) {
			vec = sl->vbase | 7;    /* spurious IRQ 15 */
		} else {
			chip_ack(sl, sirq);
			vec = sl->vbase | sirq;
		}
	} else {
		chip_ack(m, irq);
		vec = m->vbase | irq;
	}
	pic_update(p);
	return vec;
}

/* Poll command: acknowledge like INTA and return the poll word. */
static uint8_t chip_poll(struct i8259 *p, int which)
{
	struct pic_chip *s = &p->c[which];
	int irq = pic_pending(s, which == 0);

	if (irq < 0)
		return 0;
	if (which == 0 && irq == 2) {
		chip_ack(s, 2);
		pic_update(p);
		return 0x80 | 2;
	}
	chip_ack(s, irq);
	pic_update(p);
	return (uint8_t)(0x80 | irq);
}

static void chip_reset(struct pic_chip *s)
{
	uint8_t elcr = s->elcr, mask = s->elcr_mask;

	memset(s, 0, sizeof(*s));
	s->elcr = elcr;
	s->elcr_mask = mask;
}

static void chip_write_cmd(struct pic_chip *s, uint8_t v)
{
	if (v & 0x10) {                 /* ICW1 */
		uint8_t elcr = s->elcr, mask = s->elcr_mask, last = s->last_irr;
		memset(s, 0, sizeof(*s));
		s->elcr = elcr;
		s->elcr_mask = mask;
		/* Level inputs stay asserted across initialisation. */
		s->last_irr = last;
		s->irr = last & elcr;
		s->init_step = 2;
		s->icw4_needed = v & 1;
		s->single = v & 2;
		return;
	}
	if (v & 0x08) {                 /* OCW3 */
		if (v & 0x04)
			s->poll = true;
		if (v & 0x02)
			s->read_isr = v & 1;
		if (v & 0x40)
			s->special_mask = (v >> 5) & 1;
		return;
	}
	/* OCW2 */
	int cmd = v >> 5;
	int irq;
	switch (cmd) {
	case 0: /* clear rotate in auto-EOI */
		s->rotate_on_aeoi = false;
		break;
	case 4: /* set rotate in auto-EOI */
		s->rotate_on_aeoi = true;
		break;
	case 1: /* non-specific EOI */
	case 5: /* rotate on non-specific EOI */
		irq = pic_prio_irq(s, s->isr);
		if (irq != 8) {
			s->isr &= ~(1u << irq);
			if (cmd == 5)
				s->priority_add = (uint8_t)((irq + 1) & 7);
		}
		break;
	case 3: /* specific EOI */
		s->isr &= ~(1u << (v & 7));
		break;
	case 7: /* rotate on specific EOI */
		s->isr &= ~(1u << (v & 7));
		s->priority_add = (uint8_t)((v + 1) & 7);
		break;
	case 6: /* set priority: v&7 becomes lowest */
		s->priority_add = (uint8_t)((v + 1) & 7);
		break;
	default: /* 2: no operation */
		break;
	}
}

static void chip_write_data(struct pic_chip *s, uint8_t v)
{
	switch (s->init_step) {
	case 0:
		s->imr = v;
		break;
	case 2:
		s->vbase = v & 0xf8;
		s->init_step = s->single ? (s->icw4_needed ? 4 : 0) : 3;
		break;
	case 3:
		s->icw3 = v;
		s->init_step = s->icw4_needed ? 4 : 0;
		break;
	case 4:
		s->auto_eoi = (v >> 1) & 1;
		s->sfnm = (v >> 4) & 1;
		s->init_step = 0;
		break;
	}
}

static uint32_t pic_in(void *opaque, uint16_t port, unsigned size)
{
	struct i8259 *p = opaque;
	(void)size;

	if (port == 0x4d0 || port == 0x4d1)
		return p->c[port & 1].elcr;
	int which = (port & 0x80) ? 1 : 0;
	struct pic_chip *s = &p->c[which];
	if (s->poll) {
		s->poll = false;
		return chip_poll(p, which);
	}
	if (port & 1)
		return s->imr;
	return s->read_isr ? s->isr : s->irr;
}

static void pic_out(void *opaque, uint16_t port, unsigned size, uint32_t val)
{
	struct i8259 *p = opaque;
	uint8_t v = (uint8_t)val;
	(void)size;

	if (port == 0x4d0 || port == 0x4d1) {
		struct pic_chip *s = &p->c[port & 1];
		s->elcr = v & s->elcr_mask;
		pic_update(p);
		return;
	}
	struct pic_chip *s = &p->c[(port & 0x80) ? 1 : 0];
	if (port & 1)
		chip_write_data(s, v);
	else
		chip_write_cmd(s, v);
	pic_update(p);
}

static const struct pio_ops pic_ops = { pic_in, pic_out };

void i8259_reset(struct i8259 *p)
{
	if (!p)
		return;
	for (int i = 0; i < 2; i++) {
		chip_reset(&p->c[i]);
		p->c[i].elcr = 0;
	}
	pic_update(p);
}

int i8259_create(struct iobus *bus, i8259_intr_fn intr, void *intr_opaque,
		 struct i8259 **out)
{
	struct i8259 *p = calloc(1, sizeof(*p));
	int r;

	if (!p)
		return -ENOMEM;
	p->bus = bus;
	p->intr = intr;
	p->intr_opaque = intr_opaque;
	/* IRQ 0, 1, 2, 8 and 13 are always edge on the PIIX. */
	p->c[0].elcr_mask = 0xf8;
	p->c[1].elcr_mask = 0xde;
	if ((r = iobus_register(bus, 0x20, 2, &pic_ops, p)) < 0)
		goto fail;
	if ((r = iobus_register(bus, 0xa0, 2, &pic_ops, p)) < 0)
		goto fail_m;
	if ((r = iobus_register(bus, 0x4d0, 2, &pic_ops, p)) < 0)
		goto fail_s;
	*out = p;
	return 0;
fail_s:
	iobus_unregister(bus, 0xa0, 2, p);
fail_m:
	iobus_unregister(bus, 0x20, 2, p);
fail:
	free(p);
	return r;
}

void i8259_destroy(struct i8259 *p)
{
	if (!p)
		return;
	iobus_unregister(p->bus, 0x20, 2, p);
	iobus_unregister(p->bus, 0xa0, 2, p);
	iobus_unregister(p->bus, 0x4d0, 2, p);
	free(p);
}
