/* PS/2 keyboard (scan code set 2 natively) and PS/2 mouse (with the
 * IntelliMouse wheel extension). */
#include "config.h"
#include "dev/ps2.h"

#include <errno.h>
#include <string.h>

bool ps2_queue_empty(const struct ps2_queue *q) { return q->count == 0; }

uint8_t ps2_queue_pop(struct ps2_queue *q)
{
	uint8_t v;

	if (!q->count)
		return 0;
	v = q->data[q->rd];
	q->rd = (q->rd + 1) % PS2_QUEUE_SIZE;
	q->count--;
	return v;
}

/* A full queue drops the byte, as a real device's buffer overruns. */
void ps2_queue_push(struct ps2_queue *q, uint8_t v)
{
	if (q->count >= PS2_QUEUE_SIZE)
		return;
	q->data[(q->rd + q->count) % PS2_QUEUE_SIZE] = v;
	q->count++;
}

static void kbd_put(struct ps2kbd *k, uint8_t v)
{
	ps2_queue_push(&k->q, v);
	if (k->notify)
		k->notify(k->opaque);
}

void ps2kbd_reset(struct ps2kbd *k)
{
	k->q.rd = k->q.count = 0;
	k->enabled = true;
	k->pending_cmd = 0;
	k->leds = 0;
	k->typematic = 0x2b;
	k->scanset = 2;
}

void ps2kbd_write(struct ps2kbd *k, uint8_t val)
{
	if (k->pending_cmd) {
		uint8_t cmd = k->pending_cmd;

		k->pending_cmd = 0;
		switch (cmd) {
		case 0xED: k->leds = val & 7; kbd_put(k, 0xFA); return;
		case 0xF3: k->typematic = val & 0x7f; kbd_put(k, 0xFA); return;
		case 0xF0:
			kbd_put(k, 0xFA);
			if (val == 0)
				kbd_put(k, k->scanset);
			else if (val <= 3)
				k->scanset = val;
			return;
		}
	}
	switch (val) {
	case 0xED: case 0xF3: case 0xF0:
		k->pending_cmd = val;
		kbd_put(k, 0xFA);
		break;
	case 0xEE: kbd_put(k, 0xEE); break;			/* echo */
	case 0xF2: kbd_put(k, 0xFA); kbd_put(k, 0xAB); kbd_put(k, 0x83); break;
	case 0xF4: k->enabled = true; kbd_put(k, 0xFA); break;
	case 0xF5: ps2kbd_reset(k); k->enabled = false; kbd_put(k, 0xFA); break;
	case 0xF6: ps2kbd_reset(k); kbd_put(k, 0xFA); break;
	case 0xFF: ps2kbd_reset(k); kbd_put(k, 0xFA); kbd_put(k, 0xAA); break;
	case 0xF7: case 0xF8: case 0xF9: case 0xFA: case 0xFB:
		kbd_put(k, 0xFA); break;
	default: kbd_put(k, 0xFE); break;			/* resend */
	}
}

int ps2kbd_key(struct ps2kbd *k, uint32_t keycode, bool pressed)
{
	if (keycode == PS2KBD_PAUSE) {
		static const uint8_t seq[] = { 0xE1, 0x14, 0x77, 0xE1, 0xF0, 0x14, 0xF0, 0x77 };

		if (!pressed || !k->enabled)
			return 0;
		for (unsigned i = 0; i < sizeof(seq); i++)
			kbd_put(k, seq[i]);
		return 0;
	}
	if ((keycode & ~0xE0FFu) || (keycode & 0xFF) == 0 || (keycode & 0xFF) >= 0xE0)
		return -EINVAL;
	if (!k->enabled)
		return 0;
	if (keycode & 0xE000)
		kbd_put(k, 0xE0);
	if (!pressed)
		kbd_put(k, 0xF0);
	kbd_put(k, keycode & 0xFF);
	return 0;
}

static void mouse_put(struct ps2mouse *m, uint8_t v)
{
	ps2_queue_push(&m->q, v);
	if (m->notify)
		m->notify(m->opaque);
}

void ps2mouse_reset(struct ps2mouse *m)
{
	m->q.rd = m->q.count = 0;
	m->reporting = m->remote = m->wrap = false;
	m->pending_cmd = 0;
	m->rate = 100;
	m->resolution = 2;
	m->scaling = 0;
	m->id = 0;
	m->buttons = 0;
	memset(m->rate_hist, 0, sizeof(m->rate_hist));
	m->dx = m->dy = m->dz = 0;
}

static int clamp(int v, int lo, int hi) { return v < lo ? lo : v > hi ? hi : v; }

/* Emits one movement packet from the accumulated motion. */
static void mouse_packet(struct ps2mouse *m)
{
	int dx = clamp(m->dx, -256, 255), dy = clamp(m->dy, -256, 255);
	int dz = clamp(m->dz, -8, 7);
	uint8_t b0 = 0x08 | (m->buttons & 7);

	if (dx < 0) b0 |= 0x10;
	if (dy < 0) b0 |= 0x20;
	mouse_put(m, b0);
	mouse_put(m, (uint8_t)dx);
	mouse_put(m, (uint8_t)dy);
	if (m->id == 3)
		mouse_put(m, (uint8_t)(dz & 0x0f));
	m->dx -= dx;
	m->dy -= dy;
	m->dz -= m->id == 3 ? dz : m->dz;
}

void ps2mouse_write(struct ps2mouse *m, uint8_t val)
{
	if (m->pending_cmd) {
		uint8_t cmd = m->pending_cmd;

		m->pending_cmd = 0;
		mouse_put(m, 0xFA);
		if (cmd == 0xF3) {
			m->rate = val;
			m->rate_hist[0] = m->rate_hist[1];
			m->rate_hist[1] = m->rate_hist[2];
			m->rate_hist[2] = val;
			if (m->rate_hist[0] == 200 && m->rate_hist[1] == 100 && m->rate_hist[2] == 80)
				m->id = 3;
		} else {
			m->resolution = val & 3;
		}
		return;
	}
	if (m->wrap && val != 0xEC && val != 0xFF) {
		mouse_put(m, val);
		return;
	}
	switch (val) {
	case 0xE6: m->scaling = 0; mouse_put(m, 0xFA); break;
	case 0xE7: m->scaling = 1; mouse_put(m, 0xFA); break;
	case 0xE8: case 0xF3:
		m->pending_cmd = val;
		mouse_put(m, 0xFA);
		break;
	case 0xE9:
		mouse_put(m, 0xFA);
		mouse_put(m, (m->remote ? 0x40 : 0) | (m->reporting ? 0x20 : 0) |
			     (m->scaling ? 0x10 : 0) | (m->buttons & 1 ? 4 : 0) |
			     (m->buttons & 4 ? 2 : 0) | (m->buttons & 2 ? 1 : 0));
		mouse_put(m, m->resolution);
		mouse_put(m, m->rate);
		break;
	case 0xEA: m->remote = false; mouse_put(m, 0xFA); break;
	case 0xEB: mouse_put(m, 0xFA); mouse_packet(m); break;
	case 0xEC: m->wrap = false; mouse_put(m, 0xFA); break;
	case 0xEE: m->wrap = true; mouse_put(m, 0xFA); break;
	case 0xF0: m->remote = true; mouse_put(m, 0xFA); break;
	case 0xF2: mouse_put(m, 0xFA); mouse_put(m, m->id); break;
	case 0xF4: m->reporting = true; mouse_put(m, 0xFA); break;
	case 0xF5: m->reporting = false; mouse_put(m, 0xFA); break;
	case 0xF6:
		m->rate = 100; m->resolution = 2; m->scaling = 0; m->reporting = false;
		mouse_put(m, 0xFA);
		break;
	case 0xFF:
		ps2mouse_reset(m);
		mouse_put(m, 0xFA); mouse_put(m, 0xAA); mouse_put(m, 0x00);
		break;
	default: mouse_put(m, 0xFE); break;
	}
}

void ps2mouse_move(struct ps2mouse *m, int dx, int dy, int dz, unsigned buttons)
{
	m->dx = clamp(m->dx + clamp(dx, -4096, 4096), -4096, 4096);
	m->dy = clamp(m->dy + clamp(dy, -4096, 4096), -4096, 4096);
	m->dz = clamp(m->dz + clamp(dz, -64, 64), -64, 64);
	m->buttons = buttons & 7;
	if (!m->reporting || m->remote)
		return;
	/* Keep the queue from overflowing mid-packet. */
	if (m->q.count + 4 > PS2_QUEUE_SIZE)
		return;
	mouse_packet(m);
}
