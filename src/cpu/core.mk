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

# Runs a flat guest binary as the BIOS ROM (debug port 0xE9, exit port 0xF4).
noinst_PROGRAMS += test/cpu_runner
test_cpu_runner_SOURCES = test/cpu_runner.c
test_cpu_runner_LDADD = src/cpu/libhvcpu.a src/libhvcore.a src/mem/libhvmem.a src/dev/libhvdev.a -lm -lpthread

# NASM guest programs run through cpu_runner.
TESTS += test/cpu_guest.sh
check_SCRIPTS += test/cpu_guest.sh
EXTRA_DIST += test/cpu_guest.sh test/guest/real_hello.asm
