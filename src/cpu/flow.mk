# Instruction group "flow": near control flow, stack, string, port I/O and
# x87 escape handlers appended to libhvcpu.a; their tests and tools.
EXTRA_DIST += src/cpu/flow.def
src_cpu_libhvcpu_a_SOURCES += src/cpu/flow.c src/cpu/stack.c src/cpu/string.c \
	src/cpu/io.c src/cpu/fpu.c

FLOW_ENV = test/check_cpu_flow_env.c test/check_cpu_flow_env.h

if HAVE_CHECK
check_PROGRAMS += test/check_cpu_flow
TESTS += test/check_cpu_flow
test_check_cpu_flow_SOURCES = test/check_cpu_flow.c $(FLOW_ENV)
test_check_cpu_flow_CFLAGS = $(TEST_CFLAGS)
test_check_cpu_flow_LDADD = test/libcputest.a $(CPU_LIBS) $(TEST_LIBS)

check_PROGRAMS += test/check_cpu_string
TESTS += test/check_cpu_string
test_check_cpu_string_SOURCES = test/check_cpu_string.c $(FLOW_ENV)
test_check_cpu_string_CFLAGS = $(TEST_CFLAGS)
test_check_cpu_string_LDADD = test/libcputest.a $(CPU_LIBS) $(TEST_LIBS)

check_PROGRAMS += test/check_cpu_string_diff
TESTS += test/check_cpu_string_diff
test_check_cpu_string_diff_SOURCES = test/check_cpu_string_diff.c $(FLOW_ENV)
test_check_cpu_string_diff_CFLAGS = $(TEST_CFLAGS)
test_check_cpu_string_diff_LDADD = test/libcputest.a $(CPU_LIBS) $(TEST_LIBS)

check_PROGRAMS += test/check_cpu_fpu
TESTS += test/check_cpu_fpu
test_check_cpu_fpu_SOURCES = test/check_cpu_fpu.c $(FLOW_ENV)
test_check_cpu_fpu_CFLAGS = $(TEST_CFLAGS)
test_check_cpu_fpu_LDADD = test/libcputest.a $(CPU_LIBS) $(TEST_LIBS)
endif

# NASM guest programs (self-modifying code, x87 results, flow/stack/string
# end to end) run through cpu_runner.
TESTS += test/cpu_flow_guest.sh
check_SCRIPTS += test/cpu_flow_guest.sh
EXTRA_DIST += test/cpu_flow_guest.sh test/guest/smc_real.asm test/guest/x87_basic.asm \
	test/guest/flow_real.asm
