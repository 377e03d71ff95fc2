# Instruction group "alu": sources appended to libhvcpu.a, tests.
EXTRA_DIST += src/cpu/alu.def
