# Core: .vmx parsing, logging, virtual clock, vmrun itself.
noinst_LIBRARIES += src/libhvcore.a
src_libhvcore_a_SOURCES = \
	src/log.c src/log.h \
	src/vclock.c src/vclock.h \
	src/vmx.c src/vmx.h \
	src/vmconfig.c src/vmconfig.h

# Machine assembly (the PC a .vmx describes) and the stdvga PCI face.
noinst_LIBRARIES += src/libhvmachine.a
src_libhvmachine_a_SOURCES = \
	src/machine.c src/machine.h src/machine_fwcfg.c \
	src/dev/vga_pci.c src/dev/vga_pci.h

# Everything a program that runs a whole machine links, in link order.
MACHINE_LIBS = src/libhvmachine.a src/cpu/libhvcpu.a src/cpu/libhvx87.a \
	src/dev/libhvdev.a src/mem/libhvmem.a src/libhvcore.a src/disk/libvmdk.la \
	$(UV_LIBS) $(ZLIB_LIBS) -lm -lpthread

bin_PROGRAMS += src/vmrun
src_vmrun_SOURCES = src/vmrun.c src/vmctl.c src/vmctl.h
src_vmrun_LDADD = $(MACHINE_LIBS)
src_vmrun_CFLAGS = $(AM_CFLAGS) $(UV_CFLAGS)

dist_man_MANS += man/vmrun.1 man/vmx.5

if HAVE_CHECK
check_PROGRAMS += test/check_machine
TESTS += test/check_machine
test_check_machine_SOURCES = test/check_machine.c
test_check_machine_CFLAGS = $(TEST_CFLAGS)
test_check_machine_LDADD = $(MACHINE_LIBS) $(TEST_LIBS)
endif

# vmrun with whole machines and tiny NASM ROMs, and the control socket.
TESTS += test/vmrun_machine.sh
check_SCRIPTS += test/vmrun_machine.sh
EXTRA_DIST += test/vmrun_machine.sh test/guest/machine_exit.asm \
	test/guest/machine_idle.asm test/guest/machine_reset.asm
