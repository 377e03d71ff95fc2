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
