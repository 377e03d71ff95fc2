# The x86 CPU: decoder, translator, execution back ends.
include src/cpu/core.mk
include src/cpu/x87.mk
