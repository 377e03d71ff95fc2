/* PS/2 keyboard and mouse: the devices behind the i8042's two ports.  Each
 * holds a byte queue the controller drains; the controller is told through
 * a callback when a byte becomes available. */
#ifndef HOSTVM_DEV_PS2_H
#define HOSTVM_DEV_PS2_H

#include <stdbool.h>
#include <stdint.h>

#define PS2_QUEUE_SIZE 256

struct ps2_queue {
	uint8_t data[PS2_QUEUE_SIZE];
	unsigned rd, count;
};

struct ps2kbd {
	struct ps2_queue q;
	void (*notify)(void *opaque);	/* a byte was queued */
	void *opaque;
	bool enabled;
	uint8_t pending_cmd;		/* command awaiting its argument, or 0 */
	uint8_t leds, typematic, scanset;
};

struct ps2mouse {
	struct ps2_queue q;
	void (*notify)(void *opaque);
	void *opaque;
	bool reporting, remote, wrap;
	uint8_t pending_cmd;
	uint8_t rate, resolution, scaling, id, buttons;
	uint8_t rate_hist[3];		/* last sample rates, for wheel detection */
	int dx, dy, dz;			/* motion not yet reported */
};

/* Keys are given as scan code set 2 make codes; extended keys (E0 prefix)
 * are 0xE000 | code.  PS2KBD_PAUSE is the special Pause sequence. */
#define PS2KBD_PAUSE 0xE1F0u

void ps2kbd_reset(struct ps2kbd *k);
void ps2kbd_write(struct ps2kbd *k, uint8_t val);	/* byte from the host */
int ps2kbd_key(struct ps2kbd *k, uint32_t keycode, bool pressed);

void ps2mouse_reset(struct ps2mouse *m);
void ps2mouse_write(struct ps2mouse *m, uint8_t val);
/* dx right, dy up (PS/2 sense), dz wheel, buttons bit0 left, 1 right, 2 middle. */
void ps2mouse_move(struct ps2mouse *m, int dx, int dy, int dz, unsigned buttons);

bool ps2_queue_empty(const struct ps2_queue *q);
uint8_t ps2_queue_pop(struct ps2_queue *q);
void ps2_queue_push(struct ps2_queue *q, uint8_t v);

#endif
