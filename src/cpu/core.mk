# CPU core: decoder, translation units and their cache, the threaded back
# end's run loop, guest memory access; the instruction groups append their
# files (alu.mk, sys.mk, flow.mk).
noinst_LIBRARIES += src/cpu/libhvcpu.a
src_cpu_libhvcpu_a_SOURCES = src/cpu/cpu.c src/cpu/cpu.h src/cpu/cpu_int.h \
	src/cpu/decode.c src/cpu/exec.c src/cpu/jit.c src/cpu/jit.h src/cpu/mem.c src/cpu/backdoor.c

# Everything a program running the CPU links.
CPU_LIBS = src/cpu/libhvcpu.a src/cpu/libhvx87.a src/libhvcore.a src/mem/libhvmem.a \
	src/dev/libhvdev.a -lm -lpthread

# The CPU test machine (test/cpu_test.h) for the per-group suites.
noinst_LIBRARIES += test/libcputest.a
test_libcputest_a_SOURCES = test/cpu_test.c test/cpu_test.h

if HAVE_CHECK
check_PROGRAMS += test/check_cpu
TESTS += test/check_cpu
test_check_cpu_SOURCES = test/check_cpu.c
test_check_cpu_CFLAGS = $(TEST_CFLAGS)
test_check_cpu_LDADD = test/libcputest.a $(CPU_LIBS) $(TEST_LIBS)
endif

# Runs a flat guest binary as the BIOS ROM (debug port 0xE9, exit port 0xF4).
noinst_PROGRAMS += test/cpu_runner
test_cpu_runner_SOURCES = test/cpu_runner.c
test_cpu_runner_LDADD = $(CPU_LIBS)

# NASM guest programs run through cpu_runner.
TESTS += test/cpu_guest.sh
check_SCRIPTS += test/cpu_guest.sh
EXTRA_DIST += test/cpu_guest.sh test/guest/real_hello.asm
