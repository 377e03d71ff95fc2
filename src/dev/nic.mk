# Device fragment: nic.  The virtual NICs (e1000, vlance) live in libhvdev;
# their connection to vswitchd (src/net/nic_backend.c) is a library of its
# own so the switch's fragment stays untouched.
noinst_LIBRARIES += src/net/libhvnicbe.a
src_net_libhvnicbe_a_SOURCES = src/net/nic_backend.c src/net/nic_backend.h

if HAVE_CHECK
check_PROGRAMS += test/check_nicbe
TESTS += test/check_nicbe
test_check_nicbe_SOURCES = test/check_nicbe.c
test_check_nicbe_CFLAGS = $(TEST_CFLAGS)
test_check_nicbe_LDADD = src/net/libhvnicbe.a $(TEST_LIBS) -lpthread
endif

src_dev_libhvdev_a_SOURCES += src/dev/e1000.c src/dev/e1000.h

if HAVE_CHECK
check_PROGRAMS += test/check_e1000
TESTS += test/check_e1000
test_check_e1000_SOURCES = test/check_e1000.c
test_check_e1000_CFLAGS = $(TEST_CFLAGS)
test_check_e1000_LDADD = src/dev/libhvdev.a src/net/libhvnicbe.a src/mem/libhvmem.a src/libhvcore.a $(ZLIB_LIBS) $(TEST_LIBS) -lm -lpthread
endif

# Fuzzing: register writes, descriptor rings and received frames.
E1000_FUZZ_SRCS = src/dev/e1000.c src/dev/pci.c src/dev/iobus.c src/mem/pmap.c src/vclock.c
FUZZ_TARGETS += fuzz-e1000
CLEANFILES += test/fuzz/fuzz_e1000
EXTRA_DIST += test/fuzz/fuzz_e1000.c
fuzz-e1000:
	mkdir -p test/fuzz
	clang -g -O1 -fsanitize=fuzzer,address,undefined -std=gnu11 -D_GNU_SOURCE \
		-I$(top_srcdir)/src -I$(top_builddir) $(top_srcdir)/test/fuzz/fuzz_e1000.c \
		$(addprefix $(top_srcdir)/,$(E1000_FUZZ_SRCS)) $(ZLIB_LIBS) -o test/fuzz/fuzz_e1000
	./test/fuzz/fuzz_e1000 -max_total_time=$(FUZZ_SECONDS) -max_len=4096
EXTRA_DIST += doc/dev-nic-keys.md

src_dev_libhvdev_a_SOURCES += src/dev/vlance.c src/dev/vlance.h

if HAVE_CHECK
check_PROGRAMS += test/check_vlance
TESTS += test/check_vlance
test_check_vlance_SOURCES = test/check_vlance.c
test_check_vlance_CFLAGS = $(TEST_CFLAGS)
test_check_vlance_LDADD = src/dev/libhvdev.a src/mem/libhvmem.a src/libhvcore.a $(ZLIB_LIBS) $(TEST_LIBS) -lm -lpthread
endif

VLANCE_FUZZ_SRCS = src/dev/vlance.c src/dev/pci.c src/dev/iobus.c src/mem/pmap.c src/vclock.c
FUZZ_TARGETS += fuzz-vlance
CLEANFILES += test/fuzz/fuzz_vlance
EXTRA_DIST += test/fuzz/fuzz_vlance.c
fuzz-vlance:
	mkdir -p test/fuzz
	clang -g -O1 -fsanitize=fuzzer,address,undefined -std=gnu11 -D_GNU_SOURCE \
		-I$(top_srcdir)/src -I$(top_builddir) $(top_srcdir)/test/fuzz/fuzz_vlance.c \
		$(addprefix $(top_srcdir)/,$(VLANCE_FUZZ_SRCS)) $(ZLIB_LIBS) -o test/fuzz/fuzz_vlance
	./test/fuzz/fuzz_vlance -max_total_time=$(FUZZ_SECONDS) -max_len=4096

# Fuzzing the back end's parser with a fake vswitchd on a unix socket.
FUZZ_TARGETS += fuzz-nicbe
CLEANFILES += test/fuzz/fuzz_nicbe
EXTRA_DIST += test/fuzz/fuzz_nicbe.c
fuzz-nicbe:
	mkdir -p test/fuzz
	clang -g -O1 -fsanitize=fuzzer,address,undefined -std=gnu11 -D_GNU_SOURCE \
		-I$(top_srcdir)/src -I$(top_builddir) $(top_srcdir)/test/fuzz/fuzz_nicbe.c \
		$(top_srcdir)/src/net/nic_backend.c -lpthread -o test/fuzz/fuzz_nicbe
	./test/fuzz/fuzz_nicbe -max_total_time=$(FUZZ_SECONDS) -max_len=8192
