# Software MMU: page walks and TLBs.
src_mem_libhvmem_a_SOURCES += src/mem/mmu.c src/mem/mmu.h

if HAVE_CHECK
check_PROGRAMS += test/check_mmu
TESTS += test/check_mmu
test_check_mmu_SOURCES = test/check_mmu.c
test_check_mmu_CFLAGS = $(TEST_CFLAGS)
test_check_mmu_LDADD = src/mem/libhvmem.a $(TEST_LIBS)
endif

# Paging guest programs for the CPU runner (test/cpu_runner); not wired into
# make check yet because the runner does not exist.
EXTRA_DIST += test/guest/paging_common.inc test/guest/paging_tail.inc \
	test/guest/paging_2level.asm test/guest/paging_pse.asm \
	test/guest/paging_pae.asm test/guest/paging_nx.asm
