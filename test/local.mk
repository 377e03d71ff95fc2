# Check suites for the core.  Other areas add theirs in their own fragments.
if HAVE_CHECK
check_PROGRAMS += test/check_core
TESTS += test/check_core
test_check_core_SOURCES = test/check_core.c test/check_pmap.c test/check_vclock.c test/check_iobus.c test/check_vmx.c test/check_log.c test/suites.h
test_check_core_CFLAGS = $(TEST_CFLAGS)
test_check_core_LDADD = src/libhvcore.a src/mem/libhvmem.a src/dev/libhvdev.a $(TEST_LIBS) -lm -lpthread

# The JIT against the threaded back end; --wrap counts compiled TUs.
check_PROGRAMS += test/check_cpu_jit
TESTS += test/check_cpu_jit
test_check_cpu_jit_SOURCES = test/check_cpu_jit.c
test_check_cpu_jit_CFLAGS = $(TEST_CFLAGS)
test_check_cpu_jit_LDFLAGS = -Wl,--wrap=jit_compile
test_check_cpu_jit_LDADD = test/libcputest.a $(CPU_LIBS) $(TEST_LIBS)
endif

TESTS += test/vmrun_cli.sh
EXTRA_DIST += test/vmrun_cli.sh test/data test/check_run.h test/lib.sh
