# CPU core: decoder, translator, integer and system instructions.
noinst_LIBRARIES += src/cpu/libhvcpu.a
src_cpu_libhvcpu_a_SOURCES = src/cpu/cpu.c src/cpu/cpu.h

if HAVE_CHECK
check_PROGRAMS += test/check_cpu
TESTS += test/check_cpu
test_check_cpu_SOURCES = test/check_cpu.c
test_check_cpu_CFLAGS = $(TEST_CFLAGS)
test_check_cpu_LDADD = src/cpu/libhvcpu.a src/libhvcore.a src/mem/libhvmem.a src/dev/libhvdev.a $(TEST_LIBS) -lm -lpthread
endif
