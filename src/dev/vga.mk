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
