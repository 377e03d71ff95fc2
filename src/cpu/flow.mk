# Instruction group "flow": sources appended to libhvcpu.a, tests.
EXTRA_DIST += src/cpu/flow.def
