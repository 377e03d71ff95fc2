# Instruction group "sys": sources appended to libhvcpu.a, tests.
EXTRA_DIST += src/cpu/sys.def
src_cpu_libhvcpu_a_SOURCES += src/cpu/cpu_sys.h src/cpu/seg.c src/cpu/far.c src/cpu/intr.c \
	src/cpu/task.c src/cpu/sysinsn.c src/cpu/sysctl.c src/cpu/cpuid.c src/cpu/msr.c
