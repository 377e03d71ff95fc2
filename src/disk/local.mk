# libvmdk and vdiskmanager.
lib_LTLIBRARIES += src/disk/libvmdk.la
include_HEADERS += src/disk/vmdk.h
pkgconfig_DATA += src/disk/libvmdk.pc
bin_PROGRAMS += src/disk/vdiskmanager
dist_man_MANS += man/vdiskmanager.1
EXTRA_DIST += src/disk/libvmdk.pc.in

src_disk_libvmdk_la_SOURCES = src/disk/vmdk.c src/disk/create.c src/disk/check.c \
	src/disk/lock.c src/disk/blockdev.c src/disk/blockdev.h src/disk/vmdk.h \
	src/disk/vmdk_int.h
src_disk_libvmdk_la_CFLAGS = $(AM_CFLAGS) $(ZLIB_CFLAGS) $(UV_CFLAGS)
src_disk_libvmdk_la_LIBADD = $(ZLIB_LIBS) $(UV_LIBS)

src_disk_vdiskmanager_SOURCES = src/disk/vdiskmanager.c
src_disk_vdiskmanager_LDADD = src/disk/libvmdk.la

if HAVE_CHECK
check_PROGRAMS += test/check_vmdk
check_PROGRAMS += test/vmdk_crashwriter
TESTS += test/check_vmdk test/vmdk_qemu.sh test/vmdk_crash.sh
EXTRA_DIST += test/vmdk_qemu.sh test/vmdk_crash.sh
test_vmdk_crashwriter_SOURCES = test/vmdk_crashwriter.c
test_vmdk_crashwriter_LDADD = src/disk/libvmdk.la
test_check_vmdk_SOURCES = test/check_vmdk.c
test_check_vmdk_CFLAGS = $(TEST_CFLAGS)
test_check_vmdk_LDADD = src/disk/libvmdk.la $(TEST_LIBS)
endif
