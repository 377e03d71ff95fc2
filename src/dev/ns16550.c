/* 16550A UART.  Transmission is instant (THR empties at once into the back
 * end); reception is polled from the back end by a vtimer once per
 * character time while the RX FIFO has room, so no other thread ever calls
 * into the UART.  Loopback mode (MCR bit 4) feeds THR into the RX FIFO and
 * wires the modem outputs to the modem inputs. */
#include "config.h"
#include "dev/ns16550.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define FIFO_LEN 16
#define UART_CLOCK 1843200ull

#define LSR_DR   0x01
#define LSR_OE   0x02
#define LSR_BI   0x10
#define LSR_THRE 0x20
#define LSR_TEMT 0x40
#define IER_RDA  0x01
#define IER_THRE 0x02
#define IER_RLS  0x04
#define IER_MS   0x08
#define MCR_LOOP 0x10
#define MCR_OUT2 0x08

struct ns16550 {
	struct iobus *bus;
	uint16_t base;
	struct irq_line irq;
	struct vclock *vc;
	struct ns16550_backend be;
	struct vtimer poll, timeout;
	uint16_t divisor;
	uint8_t ier, lcr, mcr, lsr, msr, scr, fcr;
	bool thr_ipending;      /* THRE interrupt not yet acknowledged */
	bool timeout_pending;   /* character timeout interrupt */
	uint8_t rx[FIFO_LEN];
	unsigned rx_head, rx_count;
	int irq_level;
};

static bool fifo_on(const struct ns16550 *u) { return u->fcr & 1; }

/* Nanoseconds to send one character at the current divisor and framing. */
#define UART_IDLE_POLL_NS 1000000u

static uint64_t char_ns(const struct ns16550 *u)
{
	unsigned bits = 1 + 5 + (u->lcr & 3) + ((u->lcr & 8) ? 1 : 0) + ((u->lcr & 4) ? 2 : 1);
	uint64_t div = u->divisor ? u->divisor : 65536;
	return bits * div * 16 * 1000000000ull / UART_CLOCK;
}

static unsigned rx_trigger(const struct ns16550 *u)
{
	static const unsigned lvl[4] = { 1, 4, 8, 14 };
	return fifo_on(u) ? lvl[u->fcr >> 6] : 1;
}

/* The pending interrupt's IIR code in priority order (1 = none). */
static uint8_t uart_iir_code(const struct ns16550 *u)
{
	if ((u->ier & IER_RLS) && (u->lsr & (LSR_OE | LSR_BI)))
		return 0x06;
	if ((u->ier & IER_RDA) && u->rx_count >= rx_trigger(u))
		return 0x04;
	if ((u->ier & IER_RDA) && u->timeout_pending)
		return 0x0c;
	if ((u->ier & IER_THRE) && u->thr_ipending)
		return 0x02;
	if ((u->ier & IER_MS) && (u->msr & 0x0f))
		return 0x00;
	return 0x01;
}

static void uart_update_irq(struct ns16550 *u)
{
	/* On the PC, OUT2 gates the interrupt onto the bus; in loopback the
	 * output is disconnected from the pin. */
	int level = uart_iir_code(u) != 0x01 && (u->mcr & MCR_OUT2) && !(u->mcr & MCR_LOOP);

	if (level != u->irq_level) {
		u->irq_level = level;
		irq_set_level(&u->irq, level);
	}
}

static void uart_rx_push(struct ns16550 *u, uint8_t c)
{
	unsigned cap = fifo_on(u) ? FIFO_LEN : 1;

	if (u->rx_count >= cap) {
		u->lsr |= LSR_OE;
		return;
	}
	u->rx[(u->rx_head + u->rx_count) % FIFO_LEN] = c;
	u->rx_count++;
	u->lsr |= LSR_DR;
	u->timeout_pending = false;
	if (fifo_on(u))
		vtimer_mod(&u->timeout, vclock_ns(u->vc) + 4 * char_ns(u));
}

static void uart_poll(void *opaque)
{
	struct ns16550 *u = opaque;
	unsigned cap = fifo_on(u) ? FIFO_LEN : 1;

	uint64_t next = char_ns(u);
	size_t n = 0;

	if (!u->be.read)
		return;   /* an output-only back end: nothing to poll */
	if (!(u->mcr & MCR_LOOP) && u->rx_count < cap) {
		uint8_t buf[FIFO_LEN];
		n = u->be.read(u->be.opaque, buf, cap - u->rx_count);
		for (size_t i = 0; i < n && i < sizeof(buf); i++)
			uart_rx_push(u, buf[i]);
		uart_update_irq(u);
	}
	/* While nothing arrives, look once a millisecond rather than every
	 * character time, so an idle port does not keep waking the vCPU. */
	if (!n && next < UART_IDLE_POLL_NS)
		next = UART_IDLE_POLL_NS;
	vtimer_mod(&u->poll, vclock_ns(u->vc) + next);
}

static void uart_timeout(void *opaque)
{
	struct ns16550 *u = opaque;

	if (u->rx_count) {
		u->timeout_pending = true;
		uart_update_irq(u);
	}
}

static void uart_update_msr(struct ns16550 *u)
{
	uint8_t in;

	if (u->mcr & MCR_LOOP) {
		in = (uint8_t)(((u->mcr & 2) ? 0x10 : 0) | ((u->mcr & 1) ? 0x20 : 0) |
			       ((u->mcr & 4) ? 0x40 : 0) | ((u->mcr & 8) ? 0x80 : 0));
	} else {
		in = 0xb0;      /* DCD, DSR, CTS */
	}
	uint8_t delta = (uint8_t)(((in ^ u->msr) >> 4) & 0x0b);
	/* TERI: RI went from on to off. */
	if ((u->msr & 0x40) && !(in & 0x40))
		delta |= 0x04;
	u->msr = (uint8_t)(in | (u->msr & 0x0f) | delta);
}

static uint32_t uart_in(void *opaque, uint16_t port, unsigned size)
{
	struct ns16550 *u = opaque;
	uint8_t v;
	(void)size;

	switch (port - u->base) {
	case 0:
		if (u->lcr & 0x80)
			return u->divisor & 0xff;
		v = 0;
		if (u->rx_count) {
			v = u->rx[u->rx_head];
			u->rx_head = (u->rx_head + 1) % FIFO_LEN;
			u->rx_count--;
		}
		if (!u->rx_count) {
			u->lsr &= ~LSR_DR;
			vtimer_del(&u->timeout);
		} else if (fifo_on(u)) {
			vtimer_mod(&u->timeout, vclock_ns(u->vc) + 4 * char_ns(u));
		}
		u->timeout_pending = false;
		uart_update_irq(u);
		return v;
	case 1:
		return (u->lcr & 0x80) ? u->divisor >> 8 : u->ier;
	case 2:
		v = uart_iir_code(u);
		/* Reading IIR acknowledges a THRE interrupt it reports. */
		if (v == 0x02) {
			u->thr_ipending = false;
			uart_update_irq(u);
		}
		return v | (fifo_on(u) ? 0xc0 : 0);
	case 3:
		return u->lcr;
	case 4:
		return u->mcr;
	case 5:
		v = u->lsr;
		u->lsr &= ~(LSR_OE | LSR_BI);
		uart_update_irq(u);
		return v;
	case 6:
		v = u->msr;
		u->msr &= 0xf0;
		uart_update_irq(u);
		return v;
	default:
		return u->scr;
	}
}

static void uart_out(void *opaque, uint16_t port, unsigned size, uint32_t val)
{
	struct ns16550 *u = opaque;
	uint8_t v = (uint8_t)val;
	(void)size;

	switch (port - u->base) {
	case 0:
		if (u->lcr & 0x80) {
			u->divisor = (uint16_t)((u->divisor & 0xff00) | v);
			break;
		}
		if (u->mcr & MCR_LOOP)
			uart_rx_push(u, v);
		else if (u->be.write)
			u->be.write(u->be.opaque, &v, 1);
		/* The character left at once: THR and shifter are empty again. */
		u->lsr |= LSR_THRE | LSR_TEMT;
		u->thr_ipending = true;
		break;
	case 1:
		if (u->lcr & 0x80) {
			u->divisor = (uint16_t)((u->divisor & 0xff) | v << 8);
			break;
		}
		/* Enabling THRE while THR is empty raises it at once. */
		if ((v & IER_THRE) && !(u->ier & IER_THRE) && (u->lsr & LSR_THRE))
			u->thr_ipending = true;
		u->ier = v & 0x0f;
		break;
	case 2:
		if ((v & 1) != (u->fcr & 1) || (v & 2)) {
			/* Toggling the FIFO enable or RX reset empties the RX FIFO. */
			u->rx_count = 0;
			u->rx_head = 0;
			u->lsr &= ~LSR_DR;
			u->timeout_pending = false;
			vtimer_del(&u->timeout);
		}
		u->fcr = v & 0xc9;
		break;
	case 3:
		u->lcr = v;
		break;
	case 4:
		u->mcr = v & 0x1f;
		uart_update_msr(u);
		break;
	case 5:
	case 6:
		break;
	default:
		u->scr = v;
		break;
	}
	uart_update_irq(u);
}

static const struct pio_ops uart_ops = { uart_in, uart_out };

void ns16550_reset(struct ns16550 *u)
{
	if (!u)
		return;
	vtimer_del(&u->timeout);
	u->divisor = 12;        /* 9600 baud */
	u->ier = u->lcr = u->mcr = u->scr = u->fcr = 0;
	u->lsr = LSR_THRE | LSR_TEMT;
	u->msr = 0;
	uart_update_msr(u);
	u->msr &= 0xf0;
	u->thr_ipending = false;
	u->timeout_pending = false;
	u->rx_count = u->rx_head = 0;
	uart_update_irq(u);
	if (u->be.read)
		vtimer_mod(&u->poll, vclock_ns(u->vc) + char_ns(u));
}

int ns16550_create(struct iobus *bus, uint16_t base, const struct irq_line *irq,
		   struct vclock *vc, const struct ns16550_backend *be,
		   struct ns16550 **out)
{
	struct ns16550 *u = calloc(1, sizeof(*u));
	int r;

	if (!u)
		return -ENOMEM;
	u->bus = bus;
	u->base = base;
	u->vc = vc;
	if (irq)
		u->irq = *irq;
	if (be)
		u->be = *be;
	vtimer_init(&u->poll, vc, uart_poll, u);
	vtimer_init(&u->timeout, vc, uart_timeout, u);
	if ((r = iobus_register(bus, base, 8, &uart_ops, u)) < 0) {
		free(u);
		return r;
	}
	ns16550_reset(u);
	*out = u;
	return 0;
}

void ns16550_destroy(struct ns16550 *u)
{
	if (!u)
		return;
	vtimer_del(&u->poll);
	vtimer_del(&u->timeout);
	iobus_unregister(u->bus, u->base, 8, u);
	free(u);
}
