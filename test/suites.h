/* Suites that test/check_core.c runs. */
#ifndef HOSTVM_TEST_SUITES_H
#define HOSTVM_TEST_SUITES_H
#include <check.h>
Suite *pmap_suite(void);
Suite *vclock_suite(void);
Suite *iobus_suite(void);
Suite *vmx_suite(void);
Suite *log_suite(void);
#endif
