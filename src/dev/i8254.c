/* 8254 PIT.  Counters are not ticked: each channel remembers the virtual
 * time its count was loaded, and the count and OUT level are computed from
 * the ticks elapsed since then at 1.193182 MHz.  Channel 0's interrupts come
 * from a vtimer armed at the exact time of the next OUT rising edge, computed
 * from the load time, so the period never drifts. */
#include "config.h"
#include "dev/i8254.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define NS 1000000000ull
/* At most this many periods of missed channel-0 ticks are delivered late. */
#define PIT_MAX_CATCHUP 8

enum { RW_LATCH, RW_LSB, RW_MSB, RW_WORD };

struct pit_chan {
	uint8_t mode, rw, bcd;
	uint32_t reload;        /* 1..65536 (binary) or 1..10000 (BCD) */
	bool loaded;            /* a count has been written since the mode */
	bool armed;             /* counting (modes 1/5 wait for a gate edge) */
	uint64_t load_ns;
	bool gate;
	uint64_t frozen_ticks;  /* modes 0/4 with gate low: ticks when it fell */
	bool frozen;
	bool write_msb;         /* next write is the MSB of an LSB/MSB pair */
	uint8_t write_lsb;
	bool read_msb;          /* next read is the MSB of an LSB/MSB pair */
	bool latched;
	uint16_t latch;
	uint8_t latch_bytes;    /* bytes of the latch still to read (RW_WORD) */
	bool status_latched;
	uint8_t status;
	bool null_count;
};

struct i8254 {
	struct pit_chan ch[3];
	struct iobus *bus;
	struct vclock *vc;
	struct irq_line irq0;
	struct vtimer timer;
	uint64_t next_edge;     /* channel 0: tick number of the next IRQ */
	uint8_t port61;         /* bits 0-1 as written */
};

static uint64_t ns_to_ticks(uint64_t ns)
{
	return (uint64_t)((unsigned __int128)ns * I8254_HZ / NS);
}

static uint64_t ticks_to_ns(uint64_t ticks)
{
	return (uint64_t)(((unsigned __int128)ticks * NS + I8254_HZ - 1) / I8254_HZ);
}

/* Ticks counted since the load, or 0 if not counting. */
static uint64_t chan_ticks(struct i8254 *p, struct pit_chan *c)
{
	if (!c->armed)
		return 0;
	if (c->frozen)
		return c->frozen_ticks;
	uint64_t now = vclock_ns(p->vc);
	return now > c->load_ns ? ns_to_ticks(now - c->load_ns) : 0;
}

/* The counting element (binary, 0..65535). */
static uint32_t chan_count(struct i8254 *p, struct pit_chan *c)
{
	uint64_t t = chan_ticks(p, c);
	uint32_t n = c->reload;

	if (!c->armed)
		return n & 0xffff;
	switch (c->mode) {
	case 2:
		return (uint32_t)(n - t % n) & 0xffff;
	case 3: {
		/* Counts down by two per tick, reloading each half period. */
		uint64_t half = (n + 1) / 2;
		uint64_t d = t % n;
		uint64_t in_half = d < half ? d : d - half;
		return (uint32_t)((n - 2 * in_half) & 0xfffe) & 0xffff;
	}
	default:        /* modes 0, 1, 4, 5: count down once, then wrap */
		return (uint32_t)((n - t) & 0xffff);
	}
}

static bool chan_out(struct i8254 *p, struct pit_chan *c)
{
	uint64_t t = chan_ticks(p, c);
	uint32_t n = c->reload;

	if (!c->loaded)
		return c->mode != 0;
	switch (c->mode) {
	case 0:
		return c->armed && t >= n;
	case 1:
		return !c->armed || t >= n;
	case 2:
		return !c->armed || t % n != n - 1;
	case 3:
		return !c->armed || t % n < (n + 1) / 2;
	default:        /* 4, 5: low for one tick when the count reaches 0 */
		return !c->armed || t != n;
	}
}

static uint16_t to_bcd(uint32_t v)
{
	v %= 10000;
	return (uint16_t)((v / 1000) << 12 | (v / 100 % 10) << 8 | (v / 10 % 10) << 4 | v % 10);
}

static uint32_t from_bcd(uint16_t v)
{
	uint32_t r = 0;
	for (int s = 12; s >= 0; s -= 4) {
		uint32_t d = (v >> s) & 0xf;
		r = r * 10 + (d > 9 ? 9 : d);
	}
	return r;
}

/* Arms channel 0's timer for its next OUT rising edge. */
static void pit_schedule(struct i8254 *p)
{
	struct pit_chan *c = &p->ch[0];
	uint64_t edge;

	vtimer_del(&p->timer);
	if (!c->armed || c->frozen || !c->loaded)
		return;
	switch (c->mode) {
	case 0:
	case 1:
		edge = c->reload;               /* OUT goes high once */
		if (p->next_edge > edge)
			return;
		break;
	case 2:
	case 3:
		edge = p->next_edge;            /* every reload ticks */
		break;
	default:
		edge = (uint64_t)c->reload + 1; /* the end of the low pulse */
		if (p->next_edge > edge)
			return;
		break;
	}
	p->next_edge = edge;
	vtimer_mod(&p->timer, c->load_ns + ticks_to_ns(edge));
}

static void pit_timer(void *opaque)
{
	struct i8254 *p = opaque;
	struct pit_chan *c = &p->ch[0];
	uint64_t now_t = chan_ticks(p, c);

	irq_pulse(&p->irq0);
	if (c->mode == 2 || c->mode == 3) {
		p->next_edge += c->reload;
		/* Too far behind (a paused host): drop all but a few periods. */
		if (now_t > p->next_edge + (uint64_t)PIT_MAX_CATCHUP * c->reload)
			p->next_edge = (now_t / c->reload + 1) * c->reload;
	} else {
		p->next_edge = UINT64_MAX;
	}
	pit_schedule(p);
}

static void chan_start(struct i8254 *p, int i)
{
	struct pit_chan *c = &p->ch[i];

	c->load_ns = vclock_ns(p->vc);
	c->frozen = false;
	c->null_count = false;
	/* Modes 1 and 5 wait for a gate rising edge. */
	c->armed = !(c->mode == 1 || c->mode == 5);
	if (c->armed && !c->gate && (c->mode == 0 || c->mode == 4)) {
		c->frozen = true;
		c->frozen_ticks = 0;
	}
	if (i == 0) {
		p->next_edge = c->reload;
		pit_schedule(p);
	}
}

static void chan_write_count(struct i8254 *p, int i, uint16_t v)
{
	struct pit_chan *c = &p->ch[i];
	uint32_t n = c->bcd ? from_bcd(v) : v;

	if (n == 0)
		n = c->bcd ? 10000 : 65536;
	/* Modes 2 and 3 cannot count from 1. */
	if (n == 1 && (c->mode == 2 || c->mode == 3))
		n = 2;
	c->reload = n;
	c->loaded = true;
	chan_start(p, i);
}

static void chan_set_gate(struct i8254 *p, int i, bool gate)
{
	struct pit_chan *c = &p->ch[i];
	bool rising = gate && !c->gate;

	if (gate == c->gate)
		return;
	if (!gate) {
		/* Counting stops; modes 2/3 also force OUT high (restart on rise). */
		if (c->armed && !c->frozen) {
			c->frozen_ticks = chan_ticks(p, c);
			c->frozen = true;
		}
	}
	c->gate = gate;
	if (rising && c->loaded) {
		if (c->mode == 0 || c->mode == 4) {
			if (c->frozen) {
				c->load_ns = vclock_ns(p->vc) - ticks_to_ns(c->frozen_ticks);
				c->frozen = false;
			}
		} else {
			chan_start(p, i);
		}
	}
	if (i == 0)
		pit_schedule(p);
}

static void chan_set_mode(struct i8254 *p, int i, uint8_t cmd)
{
	struct pit_chan *c = &p->ch[i];

	c->rw = (cmd >> 4) & 3;
	c->mode = (cmd >> 1) & 7;
	if (c->mode > 5)
		c->mode -= 4;   /* 6 and 7 are aliases of 2 and 3 */
	c->bcd = cmd & 1;
	c->loaded = false;
	c->armed = false;
	c->frozen = false;
	c->null_count = true;
	c->write_msb = false;
	c->read_msb = false;
	c->latched = false;
	c->status_latched = false;
	if (i == 0)
		vtimer_del(&p->timer);
}

static void chan_latch(struct i8254 *p, struct pit_chan *c)
{
	if (c->latched)
		return;
	uint32_t v = chan_count(p, c);
	c->latch = c->bcd ? to_bcd(v) : (uint16_t)v;
	c->latched = true;
	c->latch_bytes = c->rw == RW_WORD ? 2 : 1;
}

static void chan_latch_status(struct i8254 *p, struct pit_chan *c)
{
	if (c->status_latched)
		return;
	c->status = (uint8_t)((chan_out(p, c) ? 0x80 : 0) | (c->null_count ? 0x40 : 0) |
			      c->rw << 4 | c->mode << 1 | c->bcd);
	c->status_latched = true;
}

/* The byte of value v that the access mode says to return now. */
static uint8_t chan_byte(struct pit_chan *c, uint16_t v, bool *msb_flag)
{
	switch (c->rw) {
	case RW_LSB:
		return v & 0xff;
	case RW_MSB:
		return v >> 8;
	default:
		*msb_flag = !*msb_flag;
		return *msb_flag ? v & 0xff : v >> 8;
	}
}

static uint8_t chan_read(struct i8254 *p, struct pit_chan *c)
{
	if (c->status_latched) {
		c->status_latched = false;
		return c->status;
	}
	if (c->latched) {
		bool flag = c->latch_bytes == 1 && c->rw == RW_WORD;
		uint8_t b = chan_byte(c, c->latch, &flag);
		if (--c->latch_bytes == 0)
			c->latched = false;
		return b;
	}
	uint32_t v = chan_count(p, c);
	return chan_byte(c, c->bcd ? to_bcd(v) : (uint16_t)v, &c->read_msb);
}

static uint32_t pit_in(void *opaque, uint16_t port, unsigned size)
{
	struct i8254 *p = opaque;
	(void)size;

	if (port == 0x61) {
		/* Refresh toggles every 15.085 us; bit 5 is channel 2's OUT. */
		uint64_t now = vclock_ns(p->vc);
		return (uint32_t)(p->port61 & 3) | (((now / 15085) & 1) << 4) |
		       (chan_out(p, &p->ch[2]) ? 0x20 : 0);
	}
	if (port == 0x43)
		return 0xff;    /* the control word register is write-only */
	return chan_read(p, &p->ch[port & 3]);
}

static void pit_out(void *opaque, uint16_t port, unsigned size, uint32_t val)
{
	struct i8254 *p = opaque;
	uint8_t v = (uint8_t)val;
	(void)size;

	if (port == 0x61) {
		p->port61 = v & 3;
		chan_set_gate(p, 2, v & 1);
		return;
	}
	if (port == 0x43) {
		int sel = v >> 6;
		if (sel == 3) {                 /* read-back */
			for (int i = 0; i < 3; i++) {
				if (!(v & (2 << i)))
					continue;
				if (!(v & 0x20))
					chan_latch(p, &p->ch[i]);
				if (!(v & 0x10))
					chan_latch_status(p, &p->ch[i]);
			}
		} else if (((v >> 4) & 3) == RW_LATCH) {
			chan_latch(p, &p->ch[sel]);
		} else {
			chan_set_mode(p, sel, v);
		}
		return;
	}
	int i = port & 3;
	struct pit_chan *c = &p->ch[i];
	switch (c->rw) {
	case RW_LSB:
		chan_write_count(p, i, v);
		break;
	case RW_MSB:
		chan_write_count(p, i, (uint16_t)(v << 8));
		break;
	case RW_WORD:
		if (!c->write_msb) {
			c->write_lsb = v;
			c->write_msb = true;
			/* Mode 0 stops counting when the LSB is written. */
			if (c->mode == 0)
				c->armed = false;
		} else {
			c->write_msb = false;
			chan_write_count(p, i, (uint16_t)(c->write_lsb | v << 8));
		}
		break;
	default:
		break;
	}
}

static const struct pio_ops pit_ops = { pit_in, pit_out };

void i8254_reset(struct i8254 *p)
{
	if (!p)
		return;
	vtimer_del(&p->timer);
	memset(p->ch, 0, sizeof(p->ch));
	for (int i = 0; i < 3; i++) {
		p->ch[i].reload = 65536;
		p->ch[i].gate = i != 2;
	}
	p->port61 = 0;
	p->next_edge = 0;
}

int i8254_create(struct iobus *bus, const struct irq_line *irq0,
		 struct vclock *vc, struct i8254 **out)
{
	struct i8254 *p = calloc(1, sizeof(*p));
	int r;

	if (!p)
		return -ENOMEM;
	p->bus = bus;
	p->vc = vc;
	if (irq0)
		p->irq0 = *irq0;
	vtimer_init(&p->timer, vc, pit_timer, p);
	i8254_reset(p);
	if ((r = iobus_register(bus, 0x40, 4, &pit_ops, p)) < 0)
		goto fail;
	if ((r = iobus_register(bus, 0x61, 1, &pit_ops, p)) < 0) {
		iobus_unregister(bus, 0x40, 4, p);
		goto fail;
	}
	*out = p;
	return 0;
fail:
	free(p);
	return r;
}

void i8254_destroy(struct i8254 *p)
{
	if (!p)
		return;
	vtimer_del(&p->timer);
	iobus_unregister(p->bus, 0x40, 4, p);
	iobus_unregister(p->bus, 0x61, 1, p);
	free(p);
}
