# Device fragment: pci
src_dev_libhvdev_a_SOURCES += \
	src/dev/pci.c src/dev/pci.h \
	src/dev/i440fx.c src/dev/i440fx.h \
	src/dev/piix3.c src/dev/piix3.h \
	src/dev/piix4_pm.c src/dev/piix4_pm.h

if HAVE_CHECK
check_PROGRAMS += test/check_pci
TESTS += test/check_pci
test_check_pci_SOURCES = test/check_pci.c
test_check_pci_CFLAGS = $(TEST_CFLAGS)
test_check_pci_LDADD = src/dev/libhvdev.a src/mem/libhvmem.a src/libhvcore.a $(TEST_LIBS) -lm -lpthread
endif

src_dev_libhvdev_a_SOURCES += \
	src/dev/ata.c src/dev/ata.h src/dev/atapi.c \
	src/dev/piix_ide.c src/dev/piix_ide.h

if HAVE_CHECK
check_PROGRAMS += test/check_ide
TESTS += test/check_ide
test_check_ide_SOURCES = test/check_ide.c
test_check_ide_CFLAGS = $(TEST_CFLAGS)
test_check_ide_LDADD = src/dev/libhvdev.a src/mem/libhvmem.a src/libhvcore.a $(TEST_LIBS) -lm -lpthread
endif
