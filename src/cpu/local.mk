# The x86 CPU: decoder, translator, execution back ends.
include src/cpu/core.mk
include src/cpu/x87.mk
include src/cpu/alu.mk
include src/cpu/sys.mk
include src/cpu/flow.mk
