# Device models, one chip per file.  The platform's pieces keep their own
# fragments so they can grow independently.
noinst_LIBRARIES += src/dev/libhvdev.a
src_dev_libhvdev_a_SOURCES = \
	src/dev/iobus.c src/dev/iobus.h \
	src/dev/irq.h src/dev/platform.h
include src/dev/core.mk
include src/dev/pci.mk
include src/dev/vga.mk
include src/dev/nic.mk
