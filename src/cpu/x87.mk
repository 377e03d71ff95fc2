# x87 FPU.
noinst_LIBRARIES += src/cpu/libhvx87.a
src_cpu_libhvx87_a_SOURCES = src/cpu/x87.h src/cpu/x87_int.h src/cpu/x87_host.h \
	src/cpu/x87.c src/cpu/x87_host.c src/cpu/x87_ldst.c src/cpu/x87_arith.c \
	src/cpu/x87_cmp.c src/cpu/x87_trans.c src/cpu/x87_env.c

if HAVE_CHECK
check_PROGRAMS += test/check_x87
TESTS += test/check_x87
test_check_x87_SOURCES = test/check_x87.c test/x87_native.h
test_check_x87_CFLAGS = $(TEST_CFLAGS)
test_check_x87_LDADD = src/cpu/libhvx87.a $(TEST_LIBS) -lm
endif
