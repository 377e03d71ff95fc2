# Guest physical memory and the software MMU.
noinst_LIBRARIES += src/mem/libhvmem.a
src_mem_libhvmem_a_SOURCES = \
	src/mem/pmap.c src/mem/pmap.h
include src/mem/mmu.mk
