# Instruction group "sys": sources appended to libhvcpu.a, tests.
EXTRA_DIST += src/cpu/sys.def
