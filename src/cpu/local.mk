# The x86 CPU: decoder, translator, execution back ends, FPU.
