# Software MMU: page walks and TLBs.
src_mem_libhvmem_a_SOURCES += src/mem/mmu.c src/mem/mmu.h

if HAVE_CHECK
check_PROGRAMS += test/check_mmu
TESTS += test/check_mmu
test_check_mmu_SOURCES = test/check_mmu.c
test_check_mmu_CFLAGS = $(TEST_CFLAGS)
test_check_mmu_LDADD = src/mem/libhvmem.a $(TEST_LIBS)
endif
