/* Virtual time and device timers.  See vclock.h. */
#include "config.h"
#include "vclock.h"

#include <errno.h>
#include <stdlib.h>
#include <time.h>

struct vclock {
	uint64_t host_base;     /* host monotonic ns when virtual time was 0 */
	uint64_t paused_at;     /* virtual ns at pause, when paused */
	bool paused;
	bool manual;
	uint64_t manual_ns;
	struct vtimer *timers;  /* armed timers, earliest first */
};

static uint64_t host_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

int vclock_create(struct vclock **out)
{
	struct vclock *vc = calloc(1, sizeof(*vc));

	*out = vc;
	if (!vc)
		return -ENOMEM;
	vc->host_base = host_ns();
	return 0;
}

void vclock_destroy(struct vclock *vc)
{
	free(vc);
}

uint64_t vclock_ns(struct vclock *vc)
{
	if (vc->manual)
		return vc->manual_ns;
	if (vc->paused)
		return vc->paused_at;
	return host_ns() - vc->host_base;
}

void vclock_pause(struct vclock *vc)
{
	if (vc->paused || vc->manual)
		return;
	vc->paused_at = vclock_ns(vc);
	vc->paused = true;
}

void vclock_resume(struct vclock *vc)
{
	if (!vc->paused)
		return;
	vc->host_base = host_ns() - vc->paused_at;
	vc->paused = false;
}

void vclock_set_manual(struct vclock *vc, bool manual)
{
	if (manual && !vc->manual)
		vc->manual_ns = vclock_ns(vc);
	else if (!manual && vc->manual)
		vc->host_base = host_ns() - vc->manual_ns;
	vc->manual = manual;
}

void vclock_advance(struct vclock *vc, uint64_t ns)
{
	uint64_t end = vc->manual_ns + ns;

	/* Step timer by timer so each callback sees the time it expired at. */
	while (vc->timers && vc->timers->expire_ns <= end) {
		if (vc->timers->expire_ns > vc->manual_ns)
			vc->manual_ns = vc->timers->expire_ns;
		vclock_run_timers(vc);
	}
	vc->manual_ns = end;
}

void vtimer_init(struct vtimer *t, struct vclock *vc, vtimer_fn cb, void *opaque)
{
	t->expire_ns = VCLOCK_NEVER;
	t->cb = cb;
	t->opaque = opaque;
	t->clock = vc;
	t->next = NULL;
}

void vtimer_del(struct vtimer *t)
{
	struct vtimer **pp;

	if (t->expire_ns == VCLOCK_NEVER)
		return;
	for (pp = &t->clock->timers; *pp; pp = &(*pp)->next)
		if (*pp == t) {
			*pp = t->next;
			break;
		}
	t->next = NULL;
	t->expire_ns = VCLOCK_NEVER;
}

void vtimer_mod(struct vtimer *t, uint64_t expire_ns)
{
	struct vtimer **pp;

	vtimer_del(t);
	if (expire_ns == VCLOCK_NEVER)
		return;
	t->expire_ns = expire_ns;
	for (pp = &t->clock->timers; *pp && (*pp)->expire_ns <= expire_ns; pp = &(*pp)->next)
		;
	t->next = *pp;
	*pp = t;
}

int vclock_run_timers(struct vclock *vc)
{
	uint64_t now;
	int fired = 0;

	if (!vc->timers)
		return 0;
	now = vclock_ns(vc);
	/* A callback may re-arm its own timer or others; take one at a time
	 * from the head, and bound the loop so a timer re-armed in the past
	 * cannot spin forever. */
	while (vc->timers && vc->timers->expire_ns <= now && fired < 10000) {
		struct vtimer *t = vc->timers;

		vc->timers = t->next;
		t->next = NULL;
		t->expire_ns = VCLOCK_NEVER;
		t->cb(t->opaque);
		fired++;
	}
	return fired;
}

uint64_t vclock_next_deadline(const struct vclock *vc)
{
	return vc->timers ? vc->timers->expire_ns : VCLOCK_NEVER;
}
