/* Virtual time and device timers.
 *
 * The virtual clock runs from the host's monotonic clock while the VM runs
 * and stands still while it is paused.  Timers belong to the vCPU thread:
 * vclock_run_timers() fires the expired ones at translation-unit boundaries,
 * and HLT sleeps until vclock_next_deadline().  Nothing here is thread-safe;
 * other threads reach the vCPU through the machine's event queue. */
#ifndef HOSTVM_VCLOCK_H
#define HOSTVM_VCLOCK_H

#include <stdint.h>
#include <stdbool.h>

#define VCLOCK_NEVER UINT64_MAX

struct vclock;
struct vtimer;

typedef void (*vtimer_fn)(void *opaque);

struct vtimer {
	uint64_t expire_ns;     /* VCLOCK_NEVER when not armed */
	vtimer_fn cb;
	void *opaque;
	struct vclock *clock;
	struct vtimer *next;    /* in the clock's deadline-ordered list */
};

int vclock_create(struct vclock **out);
void vclock_destroy(struct vclock *vc);

/* Nanoseconds of virtual time since the clock was created. */
uint64_t vclock_ns(struct vclock *vc);

/* Freezes/thaws virtual time (pausing the VM). */
void vclock_pause(struct vclock *vc);
void vclock_resume(struct vclock *vc);

/* Tests drive time by hand: once manual, the clock moves only on
 * vclock_advance(), which also fires the timers that expire. */
void vclock_set_manual(struct vclock *vc, bool manual);
void vclock_advance(struct vclock *vc, uint64_t ns);

void vtimer_init(struct vtimer *t, struct vclock *vc, vtimer_fn cb, void *opaque);
/* Arms (or re-arms) t to fire when vclock_ns() reaches expire_ns. */
void vtimer_mod(struct vtimer *t, uint64_t expire_ns);
void vtimer_del(struct vtimer *t);
static inline bool vtimer_pending(const struct vtimer *t) { return t->expire_ns != VCLOCK_NEVER; }

/* Fires every timer whose deadline has passed; returns how many fired. */
int vclock_run_timers(struct vclock *vc);
/* The earliest armed deadline, or VCLOCK_NEVER. */
uint64_t vclock_next_deadline(const struct vclock *vc);

#endif
