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

# --- vswitchd and vswitchctl (the switch daemon side of issue #6) ---
src_net_libhvnet_a_SOURCES += src/net/vsw_config.c src/net/vsw_config.h \
	src/net/vsw_msg.c src/net/vsw_msg.h src/net/vsw_proto.h

sbin_PROGRAMS += src/net/vswitchd src/net/vswitchctl
src_net_vswitchd_SOURCES = src/net/vswitchd.c src/net/vsw_daemon.c \
	src/net/vsw_daemon.h src/net/vsw_port.c src/net/vsw_uplink.c \
	src/net/vsw_ctl.c
src_net_vswitchd_CFLAGS = $(AM_CFLAGS) $(UV_CFLAGS)
src_net_vswitchd_LDADD = src/net/libhvnet.a $(UV_LIBS)
src_net_vswitchctl_SOURCES = src/net/vswitchctl.c

if HAVE_CHECK
check_PROGRAMS += test/check_vsw_daemon
TESTS += test/check_vsw_daemon
test_check_vsw_daemon_SOURCES = test/check_vsw_daemon.c test/vsw_clientlib.c \
	test/vsw_clientlib.h
test_check_vsw_daemon_CFLAGS = $(TEST_CFLAGS) -I$(top_srcdir)/src/net
test_check_vsw_daemon_LDADD = src/net/libhvnet.a $(TEST_LIBS)
EXTRA_test_check_vsw_daemon_DEPENDENCIES = src/net/vswitchd src/net/vswitchctl
endif

# Uplinks against the host kernel (TAP, Linux vxlan); exits 77 without root.
if HAVE_CHECK
check_PROGRAMS += test/check_vsw_root
TESTS += test/check_vsw_root
test_check_vsw_root_SOURCES = test/check_vsw_root.c test/vsw_clientlib.c \
	test/vsw_clientlib.h
test_check_vsw_root_CFLAGS = $(TEST_CFLAGS) -I$(top_srcdir)/src/net
test_check_vsw_root_LDADD = src/net/libhvnet.a $(TEST_LIBS)
EXTRA_test_check_vsw_root_DEPENDENCIES = src/net/vswitchd src/net/vswitchctl
endif

# Command-line test client (QEMU interop test, benchmark).
check_PROGRAMS += test/vsw_client
test_vsw_client_SOURCES = test/vsw_client.c test/vsw_clientlib.c test/vsw_clientlib.h
test_vsw_client_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/src/net
test_vsw_client_LDADD = src/net/libhvnet.a

# QEMU interop: an unmodified QEMU guest on a port group's QEMU socket.
TESTS += test/vsw_qemu.sh
EXTRA_DIST += test/vsw_qemu.sh

# make bench: frames/s and Gbit/s through vswitchd (never part of make check).
BENCH_TARGETS += bench-vswitch
EXTRA_DIST += bench/vswitch.sh
bench-vswitch: src/net/vswitchd src/net/vswitchctl test/vsw_client
	top_builddir='$(abs_top_builddir)' sh $(top_srcdir)/bench/vswitch.sh

# Unit tests of the daemon's parsers (framing, hello, VXLAN, shaper, config).
if HAVE_CHECK
check_PROGRAMS += test/check_vsw_msg
TESTS += test/check_vsw_msg
test_check_vsw_msg_SOURCES = test/check_vsw_msg.c
test_check_vsw_msg_CFLAGS = $(TEST_CFLAGS) -I$(top_srcdir)/src/net
test_check_vsw_msg_LDADD = src/net/libhvnet.a $(TEST_LIBS)
endif

# Fuzzing: vswitchd's config, hello, control, VXLAN and stream parsing.
FUZZ_TARGETS += fuzz-vswitchd
CLEANFILES += test/fuzz/fuzz_vswitchd
EXTRA_DIST += test/fuzz/fuzz_vswitchd.c
fuzz-vswitchd:
	mkdir -p test/fuzz
	clang -g -O1 -fsanitize=fuzzer,address,undefined -std=gnu11 -D_GNU_SOURCE \
		-I$(top_srcdir)/src/net $(top_srcdir)/test/fuzz/fuzz_vswitchd.c \
		$(top_srcdir)/src/net/vsw_core.c $(top_srcdir)/src/net/vsw_msg.c \
		$(top_srcdir)/src/net/vsw_config.c -o test/fuzz/fuzz_vswitchd
	./test/fuzz/fuzz_vswitchd -max_total_time=$(FUZZ_SECONDS) -max_len=4096

# vswitchd documentation.
dist_man_MANS += man/vswitchd.8 man/vswitchctl.8
EXTRA_DIST += examples/vswitchd.conf

# End to end with vmrun's NIC back end (libhvnicbe, src/dev/nic.mk).
if HAVE_CHECK
check_PROGRAMS += test/check_vsw_nicbe
TESTS += test/check_vsw_nicbe
test_check_vsw_nicbe_SOURCES = test/check_vsw_nicbe.c test/vsw_clientlib.c \
	test/vsw_clientlib.h
test_check_vsw_nicbe_CFLAGS = $(TEST_CFLAGS) -I$(top_srcdir)/src/net
test_check_vsw_nicbe_LDADD = src/net/libhvnicbe.a src/net/libhvnet.a $(TEST_LIBS) -lpthread
EXTRA_test_check_vsw_nicbe_DEPENDENCIES = src/net/vswitchd src/net/vswitchctl
endif
