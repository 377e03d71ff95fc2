# Device fragment: core
src_dev_libhvdev_a_SOURCES += \
	src/dev/i8259.c src/dev/i8259.h \
	src/dev/i8254.c src/dev/i8254.h \
	src/dev/chardev.c src/dev/chardev.h \
	src/dev/ns16550.c src/dev/ns16550.h \
	src/dev/acpi_pm.c src/dev/acpi_pm.h src/dev/acpi_gpe.c src/dev/acpi_gpe.h \
	src/dev/fw_cfg.c src/dev/fw_cfg.h \
	src/dev/mc146818.c src/dev/mc146818.h \
	src/dev/debugport.c src/dev/debugport.h

if HAVE_CHECK
check_PROGRAMS += test/check_dev_chardev test/check_dev_ns16550 test/check_dev_acpi_pm test/check_dev_fw_cfg test/check_dev_mc146818 test/check_dev_i8254 test/check_dev_i8259 test/check_dev_debugport
TESTS += test/check_dev_chardev test/check_dev_ns16550 test/check_dev_acpi_pm test/check_dev_fw_cfg test/check_dev_mc146818 test/check_dev_i8254 test/check_dev_i8259 test/check_dev_debugport
test_check_dev_i8259_SOURCES = test/check_dev_i8259.c
test_check_dev_i8259_CFLAGS = $(TEST_CFLAGS)
test_check_dev_i8259_LDADD = src/dev/libhvdev.a src/libhvcore.a $(TEST_LIBS) -lm -lpthread
test_check_dev_debugport_SOURCES = test/check_dev_debugport.c
test_check_dev_debugport_CFLAGS = $(TEST_CFLAGS)
test_check_dev_debugport_LDADD = src/dev/libhvdev.a src/libhvcore.a $(TEST_LIBS) -lm -lpthread
test_check_dev_i8254_SOURCES = test/check_dev_i8254.c
test_check_dev_i8254_CFLAGS = $(TEST_CFLAGS)
test_check_dev_i8254_LDADD = src/dev/libhvdev.a src/libhvcore.a $(TEST_LIBS) -lm -lpthread
test_check_dev_mc146818_SOURCES = test/check_dev_mc146818.c
test_check_dev_mc146818_CFLAGS = $(TEST_CFLAGS)
test_check_dev_mc146818_LDADD = src/dev/libhvdev.a src/libhvcore.a $(TEST_LIBS) -lm -lpthread
test_check_dev_fw_cfg_SOURCES = test/check_dev_fw_cfg.c
test_check_dev_fw_cfg_CFLAGS = $(TEST_CFLAGS)
test_check_dev_fw_cfg_LDADD = src/dev/libhvdev.a src/mem/libhvmem.a src/libhvcore.a $(TEST_LIBS) -lm -lpthread
test_check_dev_acpi_pm_SOURCES = test/check_dev_acpi_pm.c
test_check_dev_acpi_pm_CFLAGS = $(TEST_CFLAGS)
test_check_dev_acpi_pm_LDADD = src/dev/libhvdev.a src/libhvcore.a $(TEST_LIBS) -lm -lpthread
test_check_dev_ns16550_SOURCES = test/check_dev_ns16550.c
test_check_dev_ns16550_CFLAGS = $(TEST_CFLAGS)
test_check_dev_ns16550_LDADD = src/dev/libhvdev.a src/libhvcore.a $(TEST_LIBS) -lm -lpthread
test_check_dev_chardev_SOURCES = test/check_dev_chardev.c
test_check_dev_chardev_CFLAGS = $(TEST_CFLAGS)
test_check_dev_chardev_LDADD = src/dev/libhvdev.a src/libhvcore.a $(TEST_LIBS) -lm -lpthread
endif
EXTRA_DIST += doc/dev-core-keys.md
