/* The console window's keyboard map: SDL scancodes to PS/2 set 2. */
#include "config.h"

#include <check.h>
#include <SDL.h>

#include "check_run.h"
#include "gui/console.h"

START_TEST(keymap)
{
	ck_assert_uint_eq(gui_ps2_code(SDL_SCANCODE_A), 0x1c);
	ck_assert_uint_eq(gui_ps2_code(SDL_SCANCODE_Z), 0x1a);
	ck_assert_uint_eq(gui_ps2_code(SDL_SCANCODE_0), 0x45);
	ck_assert_uint_eq(gui_ps2_code(SDL_SCANCODE_RETURN), 0x5a);
	ck_assert_uint_eq(gui_ps2_code(SDL_SCANCODE_F7), 0x83);
	ck_assert_uint_eq(gui_ps2_code(SDL_SCANCODE_RCTRL), 0xe014);
	ck_assert_uint_eq(gui_ps2_code(SDL_SCANCODE_UP), 0xe075);
	ck_assert_uint_eq(gui_ps2_code(SDL_SCANCODE_KP_ENTER), 0xe05a);
	ck_assert_uint_eq(gui_ps2_code(SDL_SCANCODE_F13), 0);
	/* Every mapped key is a valid make code for ps2kbd_key(). */
	for (int sc = 0; sc < SDL_NUM_SCANCODES; sc++) {
		uint32_t c = gui_ps2_code(sc);
		if (!c)
			continue;
		ck_assert_uint_eq(c & ~0xe0ffu, 0);
		ck_assert_uint_ne(c & 0xff, 0);
		ck_assert_uint_lt(c & 0xff, 0xe0);
	}
}
END_TEST

int main(void)
{
	Suite *s = suite_create("machine_gui");
	TCase *tc = tcase_create("keymap");

	tcase_add_test(tc, keymap);
	suite_add_tcase(s, tc);
	return check_run(s);
}
