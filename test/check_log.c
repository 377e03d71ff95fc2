/* The per-VM log: rotation by size, kept old files, guest rate limit and
 * the isolation switch. */
#include "config.h"
#include "suites.h"
#include "log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char dir[64];

static void mkdir_tmp(void)
{
	strcpy(dir, "/tmp/check_log_XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
}

static off_t fsize(const char *p)
{
	struct stat st;

	return stat(p, &st) ? -1 : st.st_size;
}

static void cleanup(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	ck_assert_int_eq(system(cmd), 0);
}

START_TEST(rotates_and_keeps_old)
{
	char p[128], old[128];
	struct log_config cfg = { .path = p, .rotate_size = 4096, .keep_old = 2 };

	mkdir_tmp();
	snprintf(p, sizeof(p), "%s/vmware.log", dir);
	ck_assert_int_eq(log_open(&cfg), 0);
	for (int i = 0; i < 400; i++)
		log_info("test", "line %d padding padding padding padding padding", i);
	log_close();
	/* Current file under the limit; exactly two old files kept. */
	ck_assert_int_lt(fsize(p), 4096 + 200);
	snprintf(old, sizeof(old), "%s/vmware-0.log", dir);
	ck_assert_int_ge(fsize(old), 4096);
	snprintf(old, sizeof(old), "%s/vmware-1.log", dir);
	ck_assert_int_ge(fsize(old), 4096);
	snprintf(old, sizeof(old), "%s/vmware-2.log", dir);
	ck_assert_int_eq(fsize(old), -1);
	/* A new power-on starts a fresh log and keeps the last one. */
	ck_assert_int_eq(log_open(&cfg), 0);
	log_close();
	ck_assert_int_eq(fsize(p), 0);
	cleanup();
}
END_TEST

START_TEST(guest_rate_limit)
{
	char p[128];
	struct log_config cfg = { .path = p, .guest_rate = 1, .guest_burst = 10 };
	int ok = 0;

	mkdir_tmp();
	snprintf(p, sizeof(p), "%s/vmware.log", dir);
	ck_assert_int_eq(log_open(&cfg), 0);
	for (int i = 0; i < 10000; i++)
		ok += log_guest("guest", "spam %d\nforged line", i);
	ck_assert_int_le(ok, 11);
	ck_assert_int_ge(ok, 10);
	ck_assert_uint_ge(log_guest_dropped(), 9989);
	log_close();
	/* 10000 attempts leave only a handful of lines, none forged. */
	ck_assert_int_lt(fsize(p), 2000);
	FILE *fp = fopen(p, "r");
	char line[512];
	while (fgets(line, sizeof(line), fp))
		ck_assert_ptr_null(strstr(line, "forged") == line ? line : NULL);
	fclose(fp);
	cleanup();
}
END_TEST

START_TEST(guest_log_disabled)
{
	char p[128];
	struct log_config cfg = { .path = p, .guest_disabled = true };

	mkdir_tmp();
	snprintf(p, sizeof(p), "%s/vmware.log", dir);
	ck_assert_int_eq(log_open(&cfg), 0);
	ck_assert(!log_guest("guest", "hello"));
	log_close();
	ck_assert_int_eq(fsize(p), 0);
	cleanup();
}
END_TEST

Suite *log_suite(void)
{
	Suite *s = suite_create("log");
	TCase *tc = tcase_create("log");

	tcase_add_test(tc, rotates_and_keeps_old);
	tcase_add_test(tc, guest_rate_limit);
	tcase_add_test(tc, guest_log_disabled);
	suite_add_tcase(s, tc);
	return s;
}
