/* MC146818 RTC.  The time of day is a count of seconds plus the virtual time
 * it was last set at; the clock registers are produced from it on read.  The
 * update cycle happens at each whole virtual second after the base: UIP is
 * set for the 244 us before it, and then UF (and AF on an alarm match) are
 * set.  The periodic and update/alarm interrupts come from vtimers armed
 * only while the guest enables them. */
#include "config.h"
#include "dev/mc146818.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define NS 1000000000ull
#define UIP_NS 244000ull

enum {
	R_SEC, R_SEC_ALARM, R_MIN, R_MIN_ALARM, R_HOUR, R_HOUR_ALARM,
	R_WDAY, R_MDAY, R_MONTH, R_YEAR, R_A, R_B, R_C, R_D,
	R_CENTURY = 0x32,
};

#define B_SET 0x80
#define B_PIE 0x40
#define B_AIE 0x20
#define B_UIE 0x10
#define B_DM  0x04      /* binary (else BCD) */
#define B_24H 0x02
#define C_IRQF 0x80
#define C_PF 0x40
#define C_AF 0x20
#define C_UF 0x10

struct mc146818 {
	uint8_t cmos[128];
	uint8_t index;
	bool nmi_masked;
	struct iobus *bus;
	struct vclock *vc;
	struct irq_line irq;
	int64_t base_sec;       /* time of day at base_ns */
	uint64_t base_ns;
	uint64_t last_update;   /* update cycles (seconds) already accounted */
	struct vtimer tick;     /* next update cycle */
	struct vtimer periodic;
	uint64_t periodic_next;
};

static bool rtc_running(const struct mc146818 *r)
{
	return !(r->cmos[R_B] & B_SET) && (r->cmos[R_A] & 0x70) == 0x20;
}

static uint64_t rtc_elapsed(struct mc146818 *r)
{
	uint64_t now = vclock_ns(r->vc);
	return now > r->base_ns ? now - r->base_ns : 0;
}

static int64_t rtc_now_sec(struct mc146818 *r)
{
	return r->base_sec + (int64_t)(rtc_elapsed(r) / NS);
}

static uint8_t to_reg(const struct mc146818 *r, int v)
{
	if (r->cmos[R_B] & B_DM)
		return (uint8_t)v;
	return (uint8_t)((v / 10) << 4 | v % 10);
}

static int from_reg(const struct mc146818 *r, uint8_t v)
{
	if (r->cmos[R_B] & B_DM)
		return v;
	return (v >> 4) * 10 + (v & 0xf);
}

static uint8_t hour_to_reg(const struct mc146818 *r, int h)
{
	if (r->cmos[R_B] & B_24H)
		return to_reg(r, h);
	int h12 = h % 12 ? h % 12 : 12;
	return (uint8_t)(to_reg(r, h12) | (h >= 12 ? 0x80 : 0));
}

static int hour_from_reg(const struct mc146818 *r, uint8_t v)
{
	if (r->cmos[R_B] & B_24H)
		return from_reg(r, v);
	int h = from_reg(r, v & 0x7f) % 12;
	return (v & 0x80) ? h + 12 : h;
}

/* Writes the current time into the clock registers. */
static void rtc_store_time(struct mc146818 *r)
{
	time_t t = (time_t)rtc_now_sec(r);
	struct tm tm;

	gmtime_r(&t, &tm);
	r->cmos[R_SEC] = to_reg(r, tm.tm_sec);
	r->cmos[R_MIN] = to_reg(r, tm.tm_min);
	r->cmos[R_HOUR] = hour_to_reg(r, tm.tm_hour);
	r->cmos[R_WDAY] = to_reg(r, tm.tm_wday + 1);
	r->cmos[R_MDAY] = to_reg(r, tm.tm_mday);
	r->cmos[R_MONTH] = to_reg(r, tm.tm_mon + 1);
	r->cmos[R_YEAR] = to_reg(r, tm.tm_year % 100);
	r->cmos[R_CENTURY] = to_reg(r, 19 + tm.tm_year / 100);
}

/* Takes the time the guest wrote into the clock registers. */
static void rtc_load_time(struct mc146818 *r)
{
	struct tm tm = { 0 };

	tm.tm_sec = from_reg(r, r->cmos[R_SEC]);
	tm.tm_min = from_reg(r, r->cmos[R_MIN]);
	tm.tm_hour = hour_from_reg(r, r->cmos[R_HOUR]);
	tm.tm_mday = from_reg(r, r->cmos[R_MDAY]);
	tm.tm_mon = from_reg(r, r->cmos[R_MONTH]) - 1;
	tm.tm_year = from_reg(r, r->cmos[R_YEAR]) + from_reg(r, r->cmos[R_CENTURY]) * 100 - 1900;
	time_t t = timegm(&tm);
	r->base_sec = t == (time_t)-1 ? 0 : (int64_t)t;
	r->base_ns = vclock_ns(r->vc);
	r->last_update = 0;
}

static void rtc_irq_update(struct mc146818 *r)
{
	uint8_t c = r->cmos[R_C] & 0x70, b = r->cmos[R_B];
	bool on = (c & C_PF && b & B_PIE) || (c & C_AF && b & B_AIE) ||
		  (c & C_UF && b & B_UIE);

	if (on && !(r->cmos[R_C] & C_IRQF)) {
		r->cmos[R_C] |= C_IRQF;
		irq_raise(&r->irq);
	}
}

static bool alarm_match(const struct mc146818 *r)
{
	static const int pairs[3][2] = { { R_SEC, R_SEC_ALARM }, { R_MIN, R_MIN_ALARM },
					 { R_HOUR, R_HOUR_ALARM } };
	for (int i = 0; i < 3; i++) {
		uint8_t a = r->cmos[pairs[i][1]];
		/* 0xC0-0xFF in an alarm byte is "don't care". */
		if ((a & 0xc0) != 0xc0 && a != r->cmos[pairs[i][0]])
			return false;
	}
	return true;
}

/* Accounts the update cycles that have passed: UF, alarm check, timer. */
static void rtc_sync(struct mc146818 *r)
{
	if (!rtc_running(r))
		return;
	uint64_t n = rtc_elapsed(r) / NS;
	if (n > r->last_update) {
		r->last_update = n;
		rtc_store_time(r);
		r->cmos[R_C] |= C_UF;
		if (alarm_match(r))
			r->cmos[R_C] |= C_AF;
		rtc_irq_update(r);
	}
}

static void rtc_arm_tick(struct mc146818 *r)
{
	if (rtc_running(r) && (r->cmos[R_B] & (B_UIE | B_AIE)))
		vtimer_mod(&r->tick, r->base_ns + (r->last_update + 1) * NS);
	else
		vtimer_del(&r->tick);
}

static void rtc_tick(void *opaque)
{
	struct mc146818 *r = opaque;

	rtc_sync(r);
	rtc_arm_tick(r);
}

/* The periodic interrupt period from register A's rate bits, or 0. */
static uint64_t rtc_period_ns(const struct mc146818 *r)
{
	unsigned rate = r->cmos[R_A] & 0xf;

	if (!rate || (r->cmos[R_A] & 0x70) != 0x20)
		return 0;
	if (rate < 3)
		rate += 7;      /* 1 and 2 alias 256 Hz and 128 Hz */
	return NS * (1ull << (rate - 1)) / 32768;
}

static void rtc_arm_periodic(struct mc146818 *r)
{
	uint64_t p = rtc_period_ns(r);

	if (!p || !(r->cmos[R_B] & B_PIE)) {
		vtimer_del(&r->periodic);
		return;
	}
	uint64_t now = vclock_ns(r->vc);
	r->periodic_next = (now / p + 1) * p;
	vtimer_mod(&r->periodic, r->periodic_next);
}

static void rtc_periodic(void *opaque)
{
	struct mc146818 *r = opaque;
	uint64_t p = rtc_period_ns(r);

	r->cmos[R_C] |= C_PF;
	rtc_irq_update(r);
	if (!p)
		return;
	uint64_t now = vclock_ns(r->vc);
	r->periodic_next += p;
	if (r->periodic_next + 8 * p < now)
		r->periodic_next = (now / p + 1) * p;
	vtimer_mod(&r->periodic, r->periodic_next);
}

static uint32_t rtc_in(void *opaque, uint16_t port, unsigned size)
{
	struct mc146818 *r = opaque;
	uint8_t v;
	(void)size;

	if (port == 0x70)
		return 0xff;
	rtc_sync(r);
	switch (r->index) {
	case R_A:
		v = r->cmos[R_A] & 0x7f;
		if (rtc_running(r) && rtc_elapsed(r) % NS >= NS - UIP_NS)
			v |= 0x80;
		return v;
	case R_C:
		v = r->cmos[R_C];
		r->cmos[R_C] = 0;
		if (v & C_IRQF)
			irq_lower(&r->irq);
		return v;
	case R_D:
		return 0x80;    /* the battery is fine */
	default:
		if (r->index <= R_YEAR || r->index == R_CENTURY) {
			if (!(r->cmos[R_B] & B_SET))
				rtc_store_time(r);
		}
		return r->cmos[r->index];
	}
}

static void rtc_out(void *opaque, uint16_t port, unsigned size, uint32_t val)
{
	struct mc146818 *r = opaque;
	uint8_t v = (uint8_t)val, old;
	(void)size;

	if (port == 0x70) {
		r->index = v & 0x7f;
		r->nmi_masked = v & 0x80;
		return;
	}
	rtc_sync(r);
	switch (r->index) {
	case R_A:
		old = r->cmos[R_A];
		r->cmos[R_A] = v & 0x7f;
		/* Leaving divider reset starts the first update half a second on. */
		if ((old & 0x70) != 0x20 && (v & 0x70) == 0x20) {
			rtc_load_time(r);
			r->base_ns -= NS / 2;
		}
		rtc_arm_periodic(r);
		rtc_arm_tick(r);
		break;
	case R_B:
		old = r->cmos[R_B];
		if (!(old & B_SET) && (v & B_SET))
			rtc_store_time(r);
		/* Setting SET aborts an update cycle and clears UIE. */
		r->cmos[R_B] = (v & B_SET) ? (v & ~B_UIE) : v;
		if ((old & B_SET) && !(v & B_SET))
			rtc_load_time(r);
		rtc_arm_periodic(r);
		rtc_arm_tick(r);
		rtc_irq_update(r);
		break;
	case R_C:
	case R_D:
		break;          /* read-only */
	default:
		r->cmos[r->index] = v;
		/* A time written while running takes effect at once. */
		if ((r->index <= R_YEAR || r->index == R_CENTURY) &&
		    r->index != R_SEC_ALARM && r->index != R_MIN_ALARM &&
		    r->index != R_HOUR_ALARM && rtc_running(r)) {
			uint64_t frac = rtc_elapsed(r) % NS;
			rtc_load_time(r);
			r->base_ns -= frac;
			rtc_arm_tick(r);
		}
		break;
	}
}

static const struct pio_ops rtc_ops = { rtc_in, rtc_out };

int mc146818_set_byte(struct mc146818 *r, unsigned index, uint8_t val)
{
	if (!r || index >= 128 || index <= R_D)
		return -EINVAL;
	r->cmos[index] = val;
	return 0;
}

uint8_t mc146818_get_byte(const struct mc146818 *r, unsigned index)
{
	return index < 128 ? r->cmos[index] : 0xff;
}

bool mc146818_nmi_masked(const struct mc146818 *r)
{
	return r->nmi_masked;
}

void mc146818_reset(struct mc146818 *r)
{
	if (!r)
		return;
	/* Reset clears the interrupt enables and flags, not the time or RAM. */
	r->cmos[R_B] &= ~(B_PIE | B_AIE | B_UIE);
	if (r->cmos[R_C] & C_IRQF)
		irq_lower(&r->irq);
	r->cmos[R_C] = 0;
	vtimer_del(&r->periodic);
	vtimer_del(&r->tick);
}

int mc146818_create(struct iobus *bus, const struct irq_line *irq8,
		    struct vclock *vc, time_t start, struct mc146818 **out)
{
	struct mc146818 *r = calloc(1, sizeof(*r));
	int ret;

	if (!r)
		return -ENOMEM;
	r->bus = bus;
	r->vc = vc;
	if (irq8)
		r->irq = *irq8;
	vtimer_init(&r->tick, vc, rtc_tick, r);
	vtimer_init(&r->periodic, vc, rtc_periodic, r);
	r->cmos[R_A] = 0x26;
	r->cmos[R_B] = B_24H;
	r->cmos[R_D] = 0x80;
	r->base_sec = start ? (int64_t)start : (int64_t)time(NULL);
	r->base_ns = vclock_ns(vc);
	rtc_store_time(r);
	if ((ret = iobus_register(bus, 0x70, 2, &rtc_ops, r)) < 0) {
		free(r);
		return ret;
	}
	*out = r;
	return 0;
}

void mc146818_destroy(struct mc146818 *r)
{
	if (!r)
		return;
	vtimer_del(&r->tick);
	vtimer_del(&r->periodic);
	iobus_unregister(r->bus, 0x70, 2, r);
	free(r);
}
