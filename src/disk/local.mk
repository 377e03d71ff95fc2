# libvmdk and vdiskmanager.
lib_LTLIBRARIES += src/disk/libvmdk.la
include_HEADERS += src/disk/vmdk.h src/disk/blockdev.h
pkgconfig_DATA += src/disk/libvmdk.pc
bin_PROGRAMS += src/disk/vdiskmanager
dist_man_MANS += man/vdiskmanager.1
EXTRA_DIST += src/disk/libvmdk.pc.in doc/vmdk.md

src_disk_libvmdk_la_SOURCES = src/disk/vmdk.c src/disk/sparse.c src/disk/stream.c src/disk/create.c src/disk/compact.c src/disk/check.c \
	src/disk/lock.c src/disk/blockdev.c src/disk/aio.c \
	src/disk/vmdk_int.h
src_disk_libvmdk_la_CFLAGS = $(AM_CFLAGS) $(ZLIB_CFLAGS) $(UV_CFLAGS)
src_disk_libvmdk_la_LIBADD = $(ZLIB_LIBS) $(UV_LIBS)

src_disk_vdiskmanager_SOURCES = src/disk/vdiskmanager.c
src_disk_vdiskmanager_LDADD = src/disk/libvmdk.la

if HAVE_CHECK
check_PROGRAMS += test/check_vmdk test/check_vmdk_malformed
check_PROGRAMS += test/vmdk_crashwriter test/vmdk_powercut
TESTS += test/check_vmdk test/check_vmdk_malformed test/vmdk_qemu.sh test/vmdk_crash.sh test/vmdk_cli.sh \
	test/vmdk_powercut
EXTRA_DIST += test/vmdk_qemu.sh test/vmdk_crash.sh test/vmdk_cli.sh
test_vmdk_crashwriter_SOURCES = test/vmdk_crashwriter.c
test_vmdk_crashwriter_LDADD = src/disk/libvmdk.la
test_vmdk_powercut_SOURCES = test/vmdk_powercut.c
test_vmdk_powercut_LDADD = src/disk/libvmdk.la
test_check_vmdk_SOURCES = test/check_vmdk.c
test_check_vmdk_CFLAGS = $(TEST_CFLAGS)
test_check_vmdk_LDADD = src/disk/libvmdk.la $(TEST_LIBS) $(UV_LIBS)
test_check_vmdk_CPPFLAGS = $(AM_CPPFLAGS) $(UV_CFLAGS)
test_check_vmdk_malformed_SOURCES = test/check_vmdk_malformed.c
test_check_vmdk_malformed_CFLAGS = $(TEST_CFLAGS)
test_check_vmdk_malformed_LDADD = src/disk/libvmdk.la $(TEST_LIBS)
endif

# Fuzzing: open + read + check of arbitrary files.
FUZZ_TARGETS += fuzz-vmdk
CLEANFILES += test/fuzz/fuzz_vmdk test/fuzz/vmdk-seed.raw
EXTRA_DIST += test/fuzz/fuzz_vmdk.c
VMDK_LIB_SRCS = src/disk/vmdk.c src/disk/sparse.c src/disk/stream.c src/disk/create.c src/disk/compact.c src/disk/check.c src/disk/lock.c src/disk/blockdev.c src/disk/aio.c
fuzz-vmdk: src/disk/vdiskmanager
	mkdir -p test/fuzz/vmdk-corpus
	rm -rf test/fuzz/vmdk-corpus/seed*.vmdk* test/fuzz/vmdk-seed.raw
	src/disk/vdiskmanager -c -s 1M -a ide -t 0 test/fuzz/vmdk-corpus/seed.vmdk >/dev/null
	seq 1 40000 | head -c 131072 > test/fuzz/vmdk-seed.raw
	src/disk/vdiskmanager -r test/fuzz/vmdk-seed.raw -t 0 test/fuzz/vmdk-corpus/seed-data.vmdk >/dev/null
	src/disk/vdiskmanager -r test/fuzz/vmdk-seed.raw -t 5 test/fuzz/vmdk-corpus/seed-stream.vmdk >/dev/null
	clang -g -O1 -fsanitize=fuzzer,address,undefined -std=gnu11 -D_GNU_SOURCE \
		-I$(top_srcdir)/src -I$(top_builddir) $(ZLIB_CFLAGS) $(UV_CFLAGS) \
		$(top_srcdir)/test/fuzz/fuzz_vmdk.c $(addprefix $(top_srcdir)/,$(VMDK_LIB_SRCS)) \
		$(ZLIB_LIBS) $(UV_LIBS) -o test/fuzz/fuzz_vmdk
	d=$$(mktemp -d) && FUZZ_VMDK_DIR=$$d ./test/fuzz/fuzz_vmdk -max_total_time=$(FUZZ_SECONDS) \
		-max_len=200000 test/fuzz/vmdk-corpus; rc=$$?; rm -rf "$$d"; exit $$rc

# Benchmark: libvmdk vs qemu-io (make bench-vmdk).
BENCH_TARGETS += bench-vmdk
EXTRA_DIST += bench/vmdk.sh
check_PROGRAMS += bench/vmdk_bench
bench_vmdk_bench_SOURCES = bench/vmdk_bench.c
bench_vmdk_bench_LDADD = src/disk/libvmdk.la
bench-vmdk: src/disk/vdiskmanager bench/vmdk_bench
	top_builddir=$(abs_top_builddir) $(top_srcdir)/bench/vmdk.sh
