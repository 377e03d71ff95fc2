# Instruction group "alu": sources appended to libhvcpu.a, tests.
EXTRA_DIST += src/cpu/alu.def
src_cpu_libhvcpu_a_SOURCES += src/cpu/flags.c
