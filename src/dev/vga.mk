# Device fragment: vga (display) and the i8042 with PS/2 devices.
src_dev_libhvdev_a_SOURCES += \
	src/dev/i8042.c src/dev/i8042.h src/dev/ps2.c src/dev/ps2.h \
	src/dev/port92.c

if HAVE_CHECK
check_PROGRAMS += test/check_i8042
TESTS += test/check_i8042
test_check_i8042_SOURCES = test/check_i8042.c
test_check_i8042_CFLAGS = $(TEST_CFLAGS)
test_check_i8042_LDADD = src/dev/libhvdev.a $(TEST_LIBS)
endif

src_dev_libhvdev_a_SOURCES += \
	src/dev/vga.h src/dev/vga_int.h src/dev/vga_regs.c src/dev/vga_mem.c \
	src/dev/vga_render.c src/dev/png.c src/dev/png.h

if HAVE_CHECK
check_PROGRAMS += test/check_vga
TESTS += test/check_vga
test_check_vga_SOURCES = test/check_vga.c
test_check_vga_CFLAGS = $(TEST_CFLAGS) $(ZLIB_CFLAGS)
test_check_vga_LDADD = src/dev/libhvdev.a src/mem/libhvmem.a $(TEST_LIBS) $(ZLIB_LIBS)
endif
