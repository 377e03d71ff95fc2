/* Virtual clock and timers. */
#include "config.h"
#include "suites.h"
#include "vclock.h"

#include <unistd.h>

static int order[8], norder;
static struct vtimer rearm;
static void fire(void *o) { order[norder++] = (int)(long)o; }
static void fire_rearm(void *o)
{
	struct vclock *vc = o;
	order[norder++] = 9;
	if (norder < 4)
		vtimer_mod(&rearm, vclock_ns(vc) + 100);
}

START_TEST(timers_fire_in_order)
{
	struct vclock *vc;
	struct vtimer a, b, c;

	ck_assert_int_eq(vclock_create(&vc), 0);
	vclock_set_manual(vc, true);
	norder = 0;
	uint64_t t0 = vclock_ns(vc);
	vtimer_init(&a, vc, fire, (void *)1);
	vtimer_init(&b, vc, fire, (void *)2);
	vtimer_init(&c, vc, fire, (void *)3);
	vtimer_mod(&c, t0 + 300);
	vtimer_mod(&a, t0 + 100);
	vtimer_mod(&b, t0 + 200);
	ck_assert_uint_eq(vclock_next_deadline(vc), t0 + 100);
	vtimer_del(&b);
	ck_assert(!vtimer_pending(&b));
	vclock_advance(vc, 250);
	ck_assert_int_eq(norder, 1);
	ck_assert_int_eq(order[0], 1);
	vclock_advance(vc, 100);
	ck_assert_int_eq(norder, 2);
	ck_assert_int_eq(order[1], 3);
	ck_assert_uint_eq(vclock_next_deadline(vc), VCLOCK_NEVER);
	ck_assert_uint_eq(vclock_ns(vc), t0 + 350);
	vclock_destroy(vc);
}
END_TEST

START_TEST(periodic_rearm)
{
	struct vclock *vc;

	ck_assert_int_eq(vclock_create(&vc), 0);
	vclock_set_manual(vc, true);
	norder = 0;
	vtimer_init(&rearm, vc, fire_rearm, vc);
	vtimer_mod(&rearm, vclock_ns(vc) + 100);
	vclock_advance(vc, 1000);
	ck_assert_int_eq(norder, 4);
	vclock_destroy(vc);
}
END_TEST

START_TEST(pause_stops_time)
{
	struct vclock *vc;

	ck_assert_int_eq(vclock_create(&vc), 0);
	vclock_pause(vc);
	uint64_t t = vclock_ns(vc);
	usleep(2000);
	ck_assert_uint_eq(vclock_ns(vc), t);
	vclock_resume(vc);
	usleep(2000);
	ck_assert_uint_gt(vclock_ns(vc), t + 1000000);
	vclock_destroy(vc);
}
END_TEST

Suite *vclock_suite(void)
{
	Suite *s = suite_create("vclock");
	TCase *tc = tcase_create("vclock");

	tcase_add_test(tc, timers_fire_in_order);
	tcase_add_test(tc, periodic_rearm);
	tcase_add_test(tc, pause_stops_time);
	suite_add_tcase(s, tc);
	return s;
}
