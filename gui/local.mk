# SDL2 console window (built only with SDL2): part of vmrun.
if HAVE_SDL
src_vmrun_SOURCES += gui/console.c gui/console.h
src_vmrun_CFLAGS += $(SDL2_CFLAGS)
src_vmrun_LDADD += $(SDL2_LIBS)

if HAVE_CHECK
check_PROGRAMS += test/check_machine_gui
TESTS += test/check_machine_gui
test_check_machine_gui_SOURCES = test/check_machine_gui.c gui/console.c gui/console.h
test_check_machine_gui_CFLAGS = $(TEST_CFLAGS) $(SDL2_CFLAGS) $(UV_CFLAGS)
test_check_machine_gui_LDADD = $(MACHINE_LIBS) $(SDL2_LIBS) $(TEST_LIBS)
endif
endif
TESTS += test/vmrun_gui.sh
check_SCRIPTS += test/vmrun_gui.sh
EXTRA_DIST += test/vmrun_gui.sh
