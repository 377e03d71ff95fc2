/* Control and environment: FLDCW/FNSTCW, FNSTSW m16, FLDENV/FNSTENV and
 * FRSTOR/FNSAVE in their 16/32-bit, real/protected-mode layouts. */
#include "cpu/x87_int.h"

#define ENV_MAX 28

static void put16(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, v);
	put16(p + 2, v >> 16);
}

static uint32_t get16(const uint8_t *p) { return p[0] | (uint32_t)p[1] << 8; }
static uint32_t get32(const uint8_t *p) { return get16(p) | get16(p + 2) << 16; }

/* Tag word as FNSTENV reports it: non-empty tags recomputed from contents. */
static uint16_t full_tags(const struct x87 *f)
{
	uint16_t tw = 0;
	int p, t;

	for (p = 0; p < 8; p++) {
		t = (f->tw >> (2 * p)) & 3;
		if (t != TAG_EMPTY)
			t = x87_classify_tag(f->st[p]);
		tw |= (uint16_t)(t << (2 * p));
	}
	return tw;
}

static unsigned env_len(const struct x87_insn *in)
{
	return in->op32 ? 28 : 14;
}

static void env_store(const struct x87 *f, const struct x87_insn *in, uint8_t *b)
{
	uint32_t ip = f->fip, dp = f->fdp;

	if (!in->pmode) {
		ip = (uint32_t)f->fcs * 16 + (f->fip & 0xFFFF);
		dp = (uint32_t)f->fds * 16 + (f->fdp & 0xFFFF);
	}
	if (in->op32) {
		put32(b, 0xFFFF0000u | f->cw);
		put32(b + 4, 0xFFFF0000u | x87_status(f));
		put32(b + 8, 0xFFFF0000u | full_tags(f));
		if (in->pmode) {
			put32(b + 12, ip);
			put32(b + 16, f->fcs | (uint32_t)(f->fop & 0x7FF) << 16);
			put32(b + 20, dp);
			put32(b + 24, 0xFFFF0000u | f->fds);
		} else {
			put32(b + 12, 0xFFFF0000u | (ip & 0xFFFF));
			put32(b + 16, (f->fop & 0x7FFu) | (ip >> 16) << 12);
			put32(b + 20, 0xFFFF0000u | (dp & 0xFFFF));
			put32(b + 24, (dp >> 16) << 12);
		}
	} else {
		put16(b, f->cw);
		put16(b + 2, x87_status(f));
		put16(b + 4, full_tags(f));
		if (in->pmode) {
			put16(b + 6, ip);
			put16(b + 8, f->fcs);
			put16(b + 10, dp);
			put16(b + 12, f->fds);
		} else {
			put16(b + 6, ip);
			put16(b + 8, (f->fop & 0x7FFu) | ((ip >> 16) & 0xF) << 12);
			put16(b + 10, dp);
			put16(b + 12, ((dp >> 16) & 0xF) << 12);
		}
	}
}

static void update_es(struct x87 *f)
{
	if (f->sw & ~f->cw & SW_EXC)
		f->sw |= SW_ES | SW_B;
	else
		f->sw &= (uint16_t)~(SW_ES | SW_B);
}

static void env_load(struct x87 *f, const struct x87_insn *in, const uint8_t *b)
{
	unsigned w = in->op32 ? 4 : 2;
	uint32_t v;

	f->cw = (uint16_t)((get16(b) & 0x1F3F) | 0x40);
	v = get16(b + w);
	f->sw = (uint16_t)(v & ~0x3800u);
	f->top = (v >> 11) & 7;
	f->tw = (uint16_t)get16(b + 2 * w);
	if (in->op32 && in->pmode) {
		f->fip = get32(b + 12);
		v = get32(b + 16);
		f->fcs = (uint16_t)v;
		f->fop = (v >> 16) & 0x7FF;
		f->fdp = get32(b + 20);
		f->fds = (uint16_t)get16(b + 24);
	} else if (in->op32) {
		f->fip = get16(b + 12) | (get32(b + 16) >> 12 & 0xFFFF) << 16;
		f->fop = get32(b + 16) & 0x7FF;
		f->fdp = get16(b + 20) | (get32(b + 24) >> 12 & 0xFFFF) << 16;
		f->fcs = f->fds = 0;
	} else if (in->pmode) {
		f->fip = get16(b + 6);
		f->fcs = (uint16_t)get16(b + 8);
		f->fdp = get16(b + 10);
		f->fds = (uint16_t)get16(b + 12);
	} else {
		f->fip = get16(b + 6) | (get16(b + 8) >> 12) << 16;
		f->fop = get16(b + 8) & 0x7FF;
		f->fdp = get16(b + 10) | (get16(b + 12) >> 12) << 16;
		f->fcs = f->fds = 0;
	}
	update_es(f);
}

int x87_env_mem(struct x87 *f, const struct x87_insn *in, const struct x87_mem *mem, int reg)
{
	uint8_t b[ENV_MAX + 80];
	unsigned len = env_len(in), i;
	uint16_t w;

	switch ((in->op << 4) | reg) {
	case 0xD94:
		mem->read(mem->opaque, 0, b, len);
		env_load(f, in, b);
		return X87_OK;
	case 0xD95:
		mem->read(mem->opaque, 0, &w, 2);
		f->cw = (uint16_t)((w & 0x1F3F) | 0x40);
		update_es(f);
		return X87_OK;
	case 0xD96:
		env_store(f, in, b);
		mem->write(mem->opaque, 0, b, len);
		f->cw |= SW_EXC;
		update_es(f);
		return X87_OK;
	case 0xD97:
		mem->write(mem->opaque, 0, &f->cw, 2);
		return X87_OK;
	case 0xDD4:
		mem->read(mem->opaque, 0, b, len + 80);
		env_load(f, in, b);
		for (i = 0; i < 8; i++) {
			int p = (f->top + i) & 7;
			memcpy(&f->st[p].mant, b + len + 10 * i, 8);
			memcpy(&f->st[p].sexp, b + len + 10 * i + 8, 2);
		}
		return X87_OK;
	case 0xDD6:
		env_store(f, in, b);
		for (i = 0; i < 8; i++) {
			struct x87_reg r = x87_get(f, (int)i);
			memcpy(b + len + 10 * i, &r.mant, 8);
			memcpy(b + len + 10 * i + 8, &r.sexp, 2);
		}
		mem->write(mem->opaque, 0, b, len + 80);
		x87_reset(f);
		return X87_OK;
	case 0xDD7:
		w = x87_status(f);
		mem->write(mem->opaque, 0, &w, 2);
		return X87_OK;
	}
	return X87_UD;
}
