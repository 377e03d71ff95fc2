# x87 FPU.
