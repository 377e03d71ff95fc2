/* The SDL2 console window: shows the VM's display and sends the keyboard
 * to its PS/2 keyboard.  Runs on the main thread, which it shares with the
 * libuv loop (polled between SDL events). */
#ifndef HOSTVM_GUI_CONSOLE_H
#define HOSTVM_GUI_CONSOLE_H

#include <stdbool.h>
#include <stdint.h>

#include <uv.h>

struct machine;

/* Whether a window can be opened here (SDL video initialises). */
bool gui_available(void);

/* Runs the window until *done becomes true (set by the loop's handlers
 * when the VM ends), turning the libuv loop between events.  Closing the
 * window powers the VM off (machine_request STOP).  0 or -errno. */
int gui_run(struct machine *m, uv_loop_t *loop, const char *title, const volatile bool *done);

/* SDL scancode -> PS/2 scan code set 2 make code (0xE0xx for extended
 * keys), 0 for keys the PS/2 keyboard does not have. */
uint32_t gui_ps2_code(int sdl_scancode);

#endif
