/* The SDL2 console window.  See console.h.  The picture comes from
 * machine_render() (the VGA on the vCPU thread), at most 60 times a second
 * and only when it changed; keys go to machine_key(). */
#include "config.h"
#include "gui/console.h"

#include <errno.h>
#include <stdlib.h>

#include <SDL.h>

#include "log.h"
#include "machine.h"

#define GUI_MAX_W 2048
#define GUI_MAX_H 1536
#define GUI_FRAME_MS 16

/* SDL's USB-HID-ordered scancodes to PS/2 set 2. */
static const struct { int sdl; uint16_t ps2; } keymap[] = {
	{ SDL_SCANCODE_A, 0x1C }, { SDL_SCANCODE_B, 0x32 }, { SDL_SCANCODE_C, 0x21 },
	{ SDL_SCANCODE_D, 0x23 }, { SDL_SCANCODE_E, 0x24 }, { SDL_SCANCODE_F, 0x2B },
	{ SDL_SCANCODE_G, 0x34 }, { SDL_SCANCODE_H, 0x33 }, { SDL_SCANCODE_I, 0x43 },
	{ SDL_SCANCODE_J, 0x3B }, { SDL_SCANCODE_K, 0x42 }, { SDL_SCANCODE_L, 0x4B },
	{ SDL_SCANCODE_M, 0x3A }, { SDL_SCANCODE_N, 0x31 }, { SDL_SCANCODE_O, 0x44 },
	{ SDL_SCANCODE_P, 0x4D }, { SDL_SCANCODE_Q, 0x15 }, { SDL_SCANCODE_R, 0x2D },
	{ SDL_SCANCODE_S, 0x1B }, { SDL_SCANCODE_T, 0x2C }, { SDL_SCANCODE_U, 0x3C },
	{ SDL_SCANCODE_V, 0x2A }, { SDL_SCANCODE_W, 0x1D }, { SDL_SCANCODE_X, 0x22 },
	{ SDL_SCANCODE_Y, 0x35 }, { SDL_SCANCODE_Z, 0x1A },
	{ SDL_SCANCODE_1, 0x16 }, { SDL_SCANCODE_2, 0x1E }, { SDL_SCANCODE_3, 0x26 },
	{ SDL_SCANCODE_4, 0x25 }, { SDL_SCANCODE_5, 0x2E }, { SDL_SCANCODE_6, 0x36 },
	{ SDL_SCANCODE_7, 0x3D }, { SDL_SCANCODE_8, 0x3E }, { SDL_SCANCODE_9, 0x46 },
	{ SDL_SCANCODE_0, 0x45 },
	{ SDL_SCANCODE_RETURN, 0x5A }, { SDL_SCANCODE_ESCAPE, 0x76 },
	{ SDL_SCANCODE_BACKSPACE, 0x66 }, { SDL_SCANCODE_TAB, 0x0D },
	{ SDL_SCANCODE_SPACE, 0x29 }, { SDL_SCANCODE_MINUS, 0x4E },
	{ SDL_SCANCODE_EQUALS, 0x55 }, { SDL_SCANCODE_LEFTBRACKET, 0x54 },
	{ SDL_SCANCODE_RIGHTBRACKET, 0x5B }, { SDL_SCANCODE_BACKSLASH, 0x5D },
	{ SDL_SCANCODE_SEMICOLON, 0x4C }, { SDL_SCANCODE_APOSTROPHE, 0x52 },
	{ SDL_SCANCODE_GRAVE, 0x0E }, { SDL_SCANCODE_COMMA, 0x41 },
	{ SDL_SCANCODE_PERIOD, 0x49 }, { SDL_SCANCODE_SLASH, 0x4A },
	{ SDL_SCANCODE_CAPSLOCK, 0x58 },
	{ SDL_SCANCODE_F1, 0x05 }, { SDL_SCANCODE_F2, 0x06 }, { SDL_SCANCODE_F3, 0x04 },
	{ SDL_SCANCODE_F4, 0x0C }, { SDL_SCANCODE_F5, 0x03 }, { SDL_SCANCODE_F6, 0x0B },
	{ SDL_SCANCODE_F7, 0x83 }, { SDL_SCANCODE_F8, 0x0A }, { SDL_SCANCODE_F9, 0x01 },
	{ SDL_SCANCODE_F10, 0x09 }, { SDL_SCANCODE_F11, 0x78 }, { SDL_SCANCODE_F12, 0x07 },
	{ SDL_SCANCODE_LSHIFT, 0x12 }, { SDL_SCANCODE_RSHIFT, 0x59 },
	{ SDL_SCANCODE_LCTRL, 0x14 }, { SDL_SCANCODE_RCTRL, 0xE014 },
	{ SDL_SCANCODE_LALT, 0x11 }, { SDL_SCANCODE_RALT, 0xE011 },
	{ SDL_SCANCODE_LGUI, 0xE01F }, { SDL_SCANCODE_RGUI, 0xE027 },
	{ SDL_SCANCODE_UP, 0xE075 }, { SDL_SCANCODE_DOWN, 0xE072 },
	{ SDL_SCANCODE_LEFT, 0xE06B }, { SDL_SCANCODE_RIGHT, 0xE074 },
	{ SDL_SCANCODE_HOME, 0xE06C }, { SDL_SCANCODE_END, 0xE069 },
	{ SDL_SCANCODE_PAGEUP, 0xE07D }, { SDL_SCANCODE_PAGEDOWN, 0xE07A },
	{ SDL_SCANCODE_INSERT, 0xE070 }, { SDL_SCANCODE_DELETE, 0xE071 },
	{ SDL_SCANCODE_NUMLOCKCLEAR, 0x77 }, { SDL_SCANCODE_SCROLLLOCK, 0x7E },
	{ SDL_SCANCODE_KP_ENTER, 0xE05A }, { SDL_SCANCODE_KP_DIVIDE, 0xE04A },
	{ SDL_SCANCODE_KP_MULTIPLY, 0x7C }, { SDL_SCANCODE_KP_MINUS, 0x7B },
	{ SDL_SCANCODE_KP_PLUS, 0x79 }, { SDL_SCANCODE_KP_PERIOD, 0x71 },
	{ SDL_SCANCODE_KP_0, 0x70 }, { SDL_SCANCODE_KP_1, 0x69 }, { SDL_SCANCODE_KP_2, 0x72 },
	{ SDL_SCANCODE_KP_3, 0x7A }, { SDL_SCANCODE_KP_4, 0x6B }, { SDL_SCANCODE_KP_5, 0x73 },
	{ SDL_SCANCODE_KP_6, 0x74 }, { SDL_SCANCODE_KP_7, 0x6C }, { SDL_SCANCODE_KP_8, 0x75 },
	{ SDL_SCANCODE_KP_9, 0x7D },
};

uint32_t gui_ps2_code(int sdl_scancode)
{
	for (size_t i = 0; i < sizeof(keymap) / sizeof(keymap[0]); i++)
		if (keymap[i].sdl == sdl_scancode)
			return keymap[i].ps2;
	return 0;
}

bool gui_available(void)
{
	if (SDL_InitSubSystem(SDL_INIT_VIDEO) < 0)
		return false;
	SDL_QuitSubSystem(SDL_INIT_VIDEO);
	return true;
}

struct gui {
	SDL_Window *win;
	SDL_Renderer *ren;
	SDL_Texture *tex;
	unsigned tw, th;
	uint32_t *px;
};

static void gui_close(struct gui *g)
{
	if (g->tex)
		SDL_DestroyTexture(g->tex);
	if (g->ren)
		SDL_DestroyRenderer(g->ren);
	if (g->win)
		SDL_DestroyWindow(g->win);
	free(g->px);
	/* SDL stays initialised until the process exits: quitting its video
	 * subsystem unloads the X11 and GL libraries it opened, and the
	 * process ends right after the window closes anyway. */
}

/* Shows a new frame when the display changed. */
static void gui_frame(struct gui *g, struct machine *m, uint64_t *gen)
{
	unsigned w = 0, h = 0;
	int r = machine_render(m, g->px, GUI_MAX_W, GUI_MAX_H, &w, &h, gen);

	if (r != 0 || !w || !h)
		return;
	if (w != g->tw || h != g->th) {
		if (g->tex)
			SDL_DestroyTexture(g->tex);
		g->tex = SDL_CreateTexture(g->ren, SDL_PIXELFORMAT_RGB888, SDL_TEXTUREACCESS_STREAMING,
					   (int)w, (int)h);
		if (!g->tex)
			return;
		g->tw = w;
		g->th = h;
		SDL_SetWindowSize(g->win, (int)w, (int)h);
	}
	SDL_UpdateTexture(g->tex, NULL, g->px, (int)(w * 4));
	SDL_RenderClear(g->ren);
	SDL_RenderCopy(g->ren, g->tex, NULL, NULL);
	SDL_RenderPresent(g->ren);
}

int gui_run(struct machine *m, uv_loop_t *loop, const char *title, const volatile bool *done)
{
	struct gui g = { 0 };
	uint64_t gen = ~0ull;
	bool stop_sent = false;

	if (SDL_InitSubSystem(SDL_INIT_VIDEO) < 0) {
		log_warn("gui", "no console window: %s", SDL_GetError());
		return -ENODEV;
	}
	g.px = malloc((size_t)GUI_MAX_W * GUI_MAX_H * 4);
	g.win = SDL_CreateWindow(title, SDL_WINDOWPOS_UNDEFINED, SDL_WINDOWPOS_UNDEFINED, 720, 400,
				 SDL_WINDOW_RESIZABLE);
	if (g.win)
		g.ren = SDL_CreateRenderer(g.win, -1, 0);
	if (!g.px || !g.win || !g.ren) {
		log_warn("gui", "no console window: %s", SDL_GetError());
		gui_close(&g);
		return -ENODEV;
	}
	log_info("gui", "console window open");
	while (!*done) {
		SDL_Event ev;

		if (SDL_WaitEventTimeout(&ev, GUI_FRAME_MS)) {
			do {
				if (ev.type == SDL_QUIT && !stop_sent) {
					log_info("gui", "console window closed: powering off");
					machine_request(m, MACHINE_REQ_STOP);
					stop_sent = true;
				} else if (ev.type == SDL_KEYDOWN || ev.type == SDL_KEYUP) {
					/* SDL repeats held keys as the keyboard's typematic would. */
					uint32_t code = gui_ps2_code(ev.key.keysym.scancode);
					if (code)
						machine_key(m, code, ev.type == SDL_KEYDOWN);
				} else if (ev.type == SDL_WINDOWEVENT &&
					   ev.window.event == SDL_WINDOWEVENT_EXPOSED) {
					gen = ~0ull;   /* redraw */
				}
			} while (SDL_PollEvent(&ev));
		}
		uv_run(loop, UV_RUN_NOWAIT);
		gui_frame(&g, m, &gen);
	}
	gui_close(&g);
	return 0;
}
