# vswitchd, vswitchctl and the switch core.
noinst_LIBRARIES += src/net/libhvnet.a
src_net_libhvnet_a_SOURCES = src/net/vsw_core.c src/net/vsw_core.h

if HAVE_CHECK
check_PROGRAMS += test/check_vsw_core
TESTS += test/check_vsw_core
test_check_vsw_core_SOURCES = test/check_vsw_core.c
test_check_vsw_core_CFLAGS = $(TEST_CFLAGS) -I$(top_srcdir)/src/net
test_check_vsw_core_LDADD = src/net/libhvnet.a $(TEST_LIBS)
endif

# Fuzzing: frame parsing and forwarding decisions.
FUZZ_TARGETS += fuzz-vsw
CLEANFILES += test/fuzz/fuzz_vsw
EXTRA_DIST += test/fuzz/fuzz_vsw.c
fuzz-vsw:
	mkdir -p test/fuzz
	clang -g -O1 -fsanitize=fuzzer,address,undefined -std=gnu11 -D_GNU_SOURCE \
		-I$(top_srcdir)/src/net $(top_srcdir)/test/fuzz/fuzz_vsw.c \
		$(top_srcdir)/src/net/vsw_core.c -o test/fuzz/fuzz_vsw
	./test/fuzz/fuzz_vsw -max_total_time=$(FUZZ_SECONDS) -max_len=2048
