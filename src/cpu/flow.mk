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
	test/guest/flow_real.asm test/guest/flow_pm.asm test/guest/x87_pm.asm \
	test/guest/smc_pm.asm

# Fuzzing: random code and register state through decode, translation and
# execution (make fuzz-cpu; FUZZ_SECONDS bounds the run).
FUZZ_TARGETS += fuzz-cpu
CLEANFILES += test/fuzz/fuzz_cpu
EXTRA_DIST += test/fuzz/fuzz_cpu.c
FUZZ_CPU_SRCS = $(src_cpu_libhvcpu_a_SOURCES) $(src_cpu_libhvx87_a_SOURCES) \
	$(src_mem_libhvmem_a_SOURCES) src/vclock.c src/log.c src/dev/iobus.c test/cpu_test.c
fuzz-cpu:
	mkdir -p test/fuzz/cpu-corpus
	for g in flow_real smc_real x87_basic; do \
		nasm -f bin -o test/fuzz/$$g.bin $(top_srcdir)/test/guest/$$g.asm && \
		head -c 4096 test/fuzz/$$g.bin > test/fuzz/cpu-corpus/seed_$$g; \
		rm -f test/fuzz/$$g.bin; \
	done
	clang -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
		-std=gnu11 -D_GNU_SOURCE -I$(top_srcdir)/src -I$(top_srcdir)/test -I$(top_builddir) \
		$(top_srcdir)/test/fuzz/fuzz_cpu.c \
		$(addprefix $(top_srcdir)/,$(filter %.c,$(FUZZ_CPU_SRCS))) \
		-lm -lpthread -o test/fuzz/fuzz_cpu
	./test/fuzz/fuzz_cpu -max_total_time=$(FUZZ_SECONDS) -max_len=4096 -timeout=10 \
		test/fuzz/cpu-corpus

# Benchmark (make bench-cpu, never make check): guest MIPS on a protected-
# mode, paging-on integer/memory/branch workload, and the same guest image
# under qemu-system-i386 TCG in the same run.
BENCH_TARGETS += bench-cpu
EXTRA_DIST += bench/cpu.sh bench/cpu_bench.asm
check_PROGRAMS += bench/cpu_bench
bench_cpu_bench_SOURCES = bench/cpu_bench.c
bench_cpu_bench_LDADD = $(CPU_LIBS)
bench-cpu: bench/cpu_bench
	top_srcdir=$(abs_top_srcdir) top_builddir=$(abs_top_builddir) $(top_srcdir)/bench/cpu.sh
