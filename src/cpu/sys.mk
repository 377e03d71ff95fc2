# Instruction group "sys": sources appended to libhvcpu.a, tests.
EXTRA_DIST += src/cpu/sys.def
src_cpu_libhvcpu_a_SOURCES += src/cpu/cpu_sys.h src/cpu/seg.c src/cpu/far.c src/cpu/intr.c \
	src/cpu/task.c src/cpu/sysinsn.c src/cpu/sysctl.c src/cpu/cpuid.c src/cpu/msr.c

# System-level NASM guest programs (protected mode, V86, exceptions, task
# switches, and the paging programs of src/mem/mmu.mk) run through cpu_runner.
TESTS += test/cpu_sys_guest.sh
check_SCRIPTS += test/cpu_sys_guest.sh
EXTRA_DIST += test/cpu_sys_guest.sh test/guest/pm_common.inc test/guest/pm_tail.inc \
	test/guest/pm_roundtrip.asm test/guest/pm_priv.asm test/guest/pm_gates16.asm \
	test/guest/v86_basic.asm \
	test/guest/v86_vme.asm \
	test/guest/exc_errcodes.asm test/guest/exc_traps.asm test/guest/task_gate.asm \
	test/guest/task_ldt_cr3.asm

if HAVE_CHECK
check_PROGRAMS += test/check_cpu_sys
TESTS += test/check_cpu_sys
test_check_cpu_sys_SOURCES = test/check_cpu_sys.c
test_check_cpu_sys_CFLAGS = $(TEST_CFLAGS)
test_check_cpu_sys_LDADD = test/libcputest.a $(CPU_LIBS) $(TEST_LIBS)
endif
