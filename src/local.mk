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
	src/machine.c src/machine.h src/machine_fwcfg.c src/machine_nic.c src/machine_nic.h \
	src/dev/vga_pci.c src/dev/vga_pci.h

# Everything a program that runs a whole machine links, in link order.
MACHINE_LIBS = src/libhvmachine.a src/net/libhvnicbe.a src/cpu/libhvcpu.a src/cpu/libhvx87.a \
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
	test/guest/machine_idle.asm test/guest/machine_reset.asm test/guest/machine_a20.asm

# The test ISO (scripts/mkiso) checked against QEMU: proves the ISO the boot
# tests and bench-boot use is right.
TESTS += test/iso_qemu.sh
check_SCRIPTS += test/iso_qemu.sh
EXTRA_DIST += test/iso_qemu.sh scripts/mkiso

# Whole-machine runs of real firmware and guest code: a ROM that writes the
# text screen, the shadow-RAM copy SeaBIOS does at POST, and GRUB's rescue
# CD to its menu (seconds each).
TESTS += test/vmrun_screen.sh test/vmrun_shadow.sh test/boot_grub.sh
# NICs against a real vswitchd.
TESTS += test/vmrun_nic.sh
check_SCRIPTS += test/vmrun_nic.sh
EXTRA_DIST += test/vmrun_nic.sh
check_SCRIPTS += test/vmrun_screen.sh test/vmrun_shadow.sh test/boot_grub.sh
EXTRA_DIST += test/vmrun_screen.sh test/vmrun_shadow.sh test/boot_grub.sh \
	test/guest/machine_text.asm test/guest/machine_pam_copy.asm

# Whole-guest boots, part of make check and runnable alone with `make
# boot-check`: the test ISO to its shell, workload and power-off; three
# guests pinging through vswitchd across two VLANs.  About a minute each,
# a few under the sanitizers.
BOOT_CHECKS = test/boot_iso.sh test/boot_net.sh
TESTS += $(BOOT_CHECKS)
check_SCRIPTS += $(BOOT_CHECKS)
EXTRA_DIST += $(BOOT_CHECKS) bench/boot.py
.PHONY: boot-check
boot-check: src/vmrun
	@fail=0; for t in $(BOOT_CHECKS); do \
	  echo "== $$t"; \
	  top_srcdir='$(abs_top_srcdir)' top_builddir='$(abs_top_builddir)' \
	    $(SHELL) '$(abs_top_srcdir)/'$$t; st=$$?; \
	  if [ $$st -eq 77 ]; then echo "SKIP: $$t"; \
	  elif [ $$st -ne 0 ]; then echo "FAIL: $$t"; fail=1; \
	  else echo "PASS: $$t"; fi; \
	done; test $$fail -eq 0

# bench-boot: the test ISO under vmrun and under QEMU TCG, same run.
BENCH_TARGETS += bench-boot
bench-boot: src/vmrun
	'$(abs_top_srcdir)/scripts/mkiso' '$(abs_top_builddir)/bench-test.iso'
	python3 '$(abs_top_srcdir)/bench/boot.py' --vmrun '$(abs_top_builddir)/src/vmrun' \
	  --iso '$(abs_top_builddir)/bench-test.iso'
CLEANFILES += bench-test.iso
