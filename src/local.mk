# Core: .vmx parsing, logging, virtual clock, vmrun itself.
noinst_LIBRARIES += src/libhvcore.a
src_libhvcore_a_SOURCES = \
	src/log.c src/log.h \
	src/vclock.c src/vclock.h \
	src/vmx.c src/vmx.h \
	src/vmconfig.c src/vmconfig.h

bin_PROGRAMS += src/vmrun
src_vmrun_SOURCES = src/vmrun.c
src_vmrun_LDADD = src/libhvcore.a $(UV_LIBS) $(ZLIB_LIBS) -lm -lpthread
src_vmrun_CFLAGS = $(AM_CFLAGS) $(UV_CFLAGS)

dist_man_MANS += man/vmrun.1 man/vmx.5
