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
test_check_e1000_LDADD = src/dev/libhvdev.a src/mem/libhvmem.a src/libhvcore.a $(TEST_LIBS) -lm -lpthread
endif
