# Instruction group "flow": sources appended to libhvcpu.a, tests.
EXTRA_DIST += src/cpu/flow.def
src_cpu_libhvcpu_a_SOURCES += src/cpu/flow.c src/cpu/stack.c src/cpu/string.c \
	src/cpu/io.c src/cpu/fpu.c
