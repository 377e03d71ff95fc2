# Instruction group "alu": lazy flags, integer arithmetic/logic, shifts,
# multiply/divide, BCD, bit operations and data movement appended to
# libhvcpu.a; their tests.
EXTRA_DIST += src/cpu/alu.def
src_cpu_libhvcpu_a_SOURCES += src/cpu/flags.c src/cpu/alu.c src/cpu/shift.c src/cpu/muldiv.c \
	src/cpu/bcd.c src/cpu/bit.c src/cpu/mov.c

EXTRA_DIST += test/cpu_diff_stubs32.c
CLEANFILES += test/cpu_diff_native32

if HAVE_CHECK
# Unit tests of the group through the translator on the cpu_test machine.
check_PROGRAMS += test/check_cpu_alu
TESTS += test/check_cpu_alu
test_check_cpu_alu_SOURCES = test/check_cpu_alu.c
test_check_cpu_alu_CFLAGS = $(TEST_CFLAGS)
test_check_cpu_alu_LDADD = test/libcputest.a $(CPU_LIBS) $(TEST_LIBS)

# Differential test against the host CPU: test/cpu_diff runs each case in
# the translator and, through the -m32 helper below, natively.
check_PROGRAMS += test/cpu_diff
TESTS += test/cpu_diff
test_cpu_diff_SOURCES = test/cpu_diff.c
test_cpu_diff_CFLAGS = $(TEST_CFLAGS)
test_cpu_diff_LDADD = test/libcputest.a $(CPU_LIBS) $(TEST_LIBS)

# Its native half: a plain 32-bit program (gcc -m32, no sanitizers: it
# executes the instructions under test on the host CPU).
check_SCRIPTS += test/cpu_diff_native32
endif

test/cpu_diff_native32: $(top_srcdir)/test/cpu_diff_stubs32.c
	@$(MKDIR_P) test
	$(AM_V_CC)$(CC) -m32 -std=gnu11 -O1 $(WARN_CFLAGS) -o $@ $(top_srcdir)/test/cpu_diff_stubs32.c
