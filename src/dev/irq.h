/* Interrupt lines between devices and interrupt controllers.  A device holds
 * a struct irq_line for each output pin and drives its level; the controller
 * decides whether that is an edge or a level interrupt. */
#ifndef HOSTVM_DEV_IRQ_H
#define HOSTVM_DEV_IRQ_H

struct irq_line {
	void (*set)(void *opaque, int n, int level);
	void *opaque;
	int n;
};

static inline void irq_set_level(const struct irq_line *l, int level)
{
	if (l && l->set)
		l->set(l->opaque, l->n, level);
}

static inline void irq_raise(const struct irq_line *l) { irq_set_level(l, 1); }
static inline void irq_lower(const struct irq_line *l) { irq_set_level(l, 0); }

/* A rising edge: for devices that pulse a line (the PIT on IRQ 0). */
static inline void irq_pulse(const struct irq_line *l)
{
	irq_set_level(l, 1);
	irq_set_level(l, 0);
}

#endif
