# Instruction group "alu": sources appended to libhvcpu.a, tests.
EXTRA_DIST += src/cpu/alu.def
src_cpu_libhvcpu_a_SOURCES += src/cpu/flags.c src/cpu/alu.c src/cpu/shift.c src/cpu/muldiv.c \
	src/cpu/bcd.c src/cpu/bit.c src/cpu/mov.c
