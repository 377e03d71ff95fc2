/* CPU core: lifecycle, reset state, the run loop (timers, interrupts, HLT
 * sleep) and a small real-mode interpreter.  This is the first increment:
 * the translator and protected mode are not written yet; every opcode not
 * handled here raises #UD through the IVT. */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cpu/cpu.h"
#include "dev/iobus.h"
#include "mem/pmap.h"
#include "vclock.h"

#define FL_CF 0x0001u
#define FL_IF 0x0200u
#define FL_DF 0x0400u
#define FL_TF 0x0100u
#define VEC_UD 6
/* Timers are serviced at least this often (instructions). */
#define CPU_TIMER_SLICE 64

struct cpu {
	struct cpu_env env;
	struct cpu_regs r;
	bool a20;
	int irq;
	bool nmi_pending;
	bool shadow;               /* interrupt shadow after STI */
	atomic_bool exit_req;
	atomic_bool kicked;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	struct cpu_stats stats;
};

static uint32_t cpu_phys(const struct cpu *c, int seg, uint32_t off)
{
	uint32_t a = c->r.seg[seg].base + (off & 0xffff);

	return c->a20 ? a : (a & ~(1u << 20));
}

static uint8_t rd8(struct cpu *c, int seg, uint32_t off)
{
	return (uint8_t)pmap_read(c->env.pm, cpu_phys(c, seg, off), 1);
}

static uint16_t rd16(struct cpu *c, int seg, uint32_t off)
{
	return (uint16_t)(rd8(c, seg, off) | rd8(c, seg, off + 1) << 8);
}

static void wr16(struct cpu *c, int seg, uint32_t off, uint16_t v)
{
	pmap_write(c->env.pm, cpu_phys(c, seg, off), 1, v & 0xff);
	pmap_write(c->env.pm, cpu_phys(c, seg, off + 1), 1, v >> 8);
}

static void push16(struct cpu *c, uint16_t v)
{
	uint16_t sp = (uint16_t)(c->r.gpr[CPU_ESP] - 2);

	c->r.gpr[CPU_ESP] = (c->r.gpr[CPU_ESP] & 0xffff0000u) | sp;
	wr16(c, CPU_SS, sp, v);
}

static uint16_t pop16(struct cpu *c)
{
	uint16_t sp = (uint16_t)c->r.gpr[CPU_ESP];
	uint16_t v = rd16(c, CPU_SS, sp);

	c->r.gpr[CPU_ESP] = (c->r.gpr[CPU_ESP] & 0xffff0000u) | (uint16_t)(sp + 2);
	return v;
}

static void load_seg_real(struct cpu *c, int seg, uint16_t sel)
{
	c->r.seg[seg].sel = sel;
	c->r.seg[seg].base = (uint32_t)sel << 4;
}

/* Real-mode interrupt/exception delivery through the IVT. */
static void cpu_deliver_real(struct cpu *c, unsigned vec, uint16_t ret_ip)
{
	push16(c, (uint16_t)c->r.eflags);
	push16(c, c->r.seg[CPU_CS].sel);
	push16(c, ret_ip);
	c->r.eflags &= ~(FL_IF | FL_TF);
	c->r.eip = pmap_read(c->env.pm, vec * 4, 2);
	load_seg_real(c, CPU_CS, (uint16_t)pmap_read(c->env.pm, vec * 4 + 2, 2));
}

int cpu_create(const struct cpu_env *env, struct cpu **out)
{
	struct cpu *c;

	if (!env || !env->pm || !env->io || !env->clock || !out)
		return -EINVAL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->env = *env;
	pthread_mutex_init(&c->lock, NULL);
	pthread_cond_init(&c->wake, NULL);
	cpu_reset(c);
	*out = c;
	return 0;
}

void cpu_destroy(struct cpu *cpu)
{
	if (!cpu)
		return;
	pthread_cond_destroy(&cpu->wake);
	pthread_mutex_destroy(&cpu->lock);
	free(cpu);
}

void cpu_reset(struct cpu *c)
{
	int i;

	memset(&c->r, 0, sizeof(c->r));
	for (i = 0; i < 6; i++)
		c->r.seg[i].limit = 0xffff;
	c->r.seg[CPU_CS].sel = 0xf000;
	c->r.seg[CPU_CS].base = 0xffff0000u;
	c->r.eip = 0xfff0;
	c->r.eflags = 0x2;
	c->r.gpr[CPU_EDX] = 0x0663;       /* family 6, model 6, stepping 3 */
	c->r.cr0 = 0x60000010u;
	c->a20 = true;
	c->shadow = false;
	c->nmi_pending = false;
}

void cpu_set_irq(struct cpu *c, int level) { c->irq = level; }
void cpu_set_nmi(struct cpu *c) { c->nmi_pending = true; }
void cpu_set_a20(struct cpu *c, bool enabled) { c->a20 = enabled; }

void cpu_kick(struct cpu *c)
{
	pthread_mutex_lock(&c->lock);
	atomic_store(&c->kicked, true);
	pthread_cond_signal(&c->wake);
	pthread_mutex_unlock(&c->lock);
}

void cpu_request_exit(struct cpu *c)
{
	atomic_store(&c->exit_req, true);
	cpu_kick(c);
}

void cpu_get_stats(const struct cpu *c, struct cpu_stats *out) { *out = c->stats; }
void cpu_get_regs(const struct cpu *c, struct cpu_regs *out) { *out = c->r; }

void cpu_set_regs(struct cpu *c, const struct cpu_regs *in)
{
	memcpy(c->r.gpr, in->gpr, sizeof(c->r.gpr));
	c->r.eip = in->eip;
	c->r.eflags = (in->eflags | 0x2) & 0x003f7fd7u;
	memcpy(c->r.seg, in->seg, sizeof(c->r.seg));
	c->r.halted = in->halted;
}

/* Sleeps until a kick or the next timer deadline (HLT). */
static void cpu_halt_wait(struct cpu *c)
{
	uint64_t now = vclock_ns(c->env.clock), dl = vclock_next_deadline(c->env.clock);
	struct timespec ts;

	pthread_mutex_lock(&c->lock);
	if (!atomic_load(&c->kicked)) {
		if (dl == VCLOCK_NEVER) {
			pthread_cond_wait(&c->wake, &c->lock);
		} else if (dl > now) {
			uint64_t ns;

			clock_gettime(CLOCK_REALTIME, &ts);
			ns = (uint64_t)ts.tv_nsec + (dl - now);
			ts.tv_sec += (time_t)(ns / 1000000000u);
			ts.tv_nsec = (long)(ns % 1000000000u);
			pthread_cond_timedwait(&c->wake, &c->lock, &ts);
		}
	}
	atomic_store(&c->kicked, false);
	pthread_mutex_unlock(&c->lock);
}

/* Executes one instruction at CS:IP. */
static void cpu_step(struct cpu *c)
{
	uint16_t ip = (uint16_t)c->r.eip, start = ip;
	uint8_t op = rd8(c, CPU_CS, ip++);
	uint16_t port;

	c->shadow = false;
	if (op >= 0xb0 && op <= 0xb7) {
		unsigned r = op & 3, sh = (op & 4) ? 8 : 0;

		c->r.gpr[r] = (c->r.gpr[r] & ~(0xffu << sh)) | (uint32_t)rd8(c, CPU_CS, ip++) << sh;
	} else if (op >= 0xb8 && op <= 0xbf) {
		c->r.gpr[op & 7] = (c->r.gpr[op & 7] & 0xffff0000u) | rd16(c, CPU_CS, ip);
		ip += 2;
	} else {
		switch (op) {
		case 0x90:
			break;
		case 0xe4:
		case 0xe6:
		case 0xec:
		case 0xee:
		case 0xef:
			port = (op & 8) ? (uint16_t)c->r.gpr[CPU_EDX] : rd8(c, CPU_CS, ip++);
			if (op == 0xe4 || op == 0xec)
				c->r.gpr[CPU_EAX] = (c->r.gpr[CPU_EAX] & ~0xffu) |
					(iobus_in(c->env.io, port, 1) & 0xff);
			else if (op == 0xef)
				iobus_out(c->env.io, port, 2, c->r.gpr[CPU_EAX] & 0xffff);
			else
				iobus_out(c->env.io, port, 1, c->r.gpr[CPU_EAX] & 0xff);
			break;
		case 0xeb:
			ip = (uint16_t)(ip + 1 + (int8_t)rd8(c, CPU_CS, ip));
			break;
		case 0xe9:
			ip = (uint16_t)(ip + 2 + rd16(c, CPU_CS, ip));
			break;
		case 0xea: {
			uint16_t nip = rd16(c, CPU_CS, ip), ncs = rd16(c, CPU_CS, ip + 2);

			load_seg_real(c, CPU_CS, ncs);
			ip = nip;
			break;
		}
		case 0xcd:
			c->stats.interrupts++;
			cpu_deliver_real(c, rd8(c, CPU_CS, ip), (uint16_t)(ip + 1));
			c->stats.insns++;
			return;
		case 0xcf: {
			uint16_t nip = pop16(c), ncs = pop16(c), fl = pop16(c);

			load_seg_real(c, CPU_CS, ncs);
			c->r.eflags = (c->r.eflags & 0xffff0000u) | (fl & 0x7fd7u) | 2;
			ip = nip;
			break;
		}
		case 0xf4:
			c->r.halted = true;
			break;
		case 0xf8: c->r.eflags &= ~FL_CF; break;
		case 0xf9: c->r.eflags |= FL_CF; break;
		case 0xfa: c->r.eflags &= ~FL_IF; break;
		case 0xfb:
			c->shadow = !(c->r.eflags & FL_IF);
			c->r.eflags |= FL_IF;
			break;
		case 0xfc: c->r.eflags &= ~FL_DF; break;
		case 0xfd: c->r.eflags |= FL_DF; break;
		default:
			c->stats.exceptions++;
			cpu_deliver_real(c, VEC_UD, start);
			return;
		}
	}
	c->r.eip = ip;
	c->stats.insns++;
}

enum cpu_exit cpu_run(struct cpu *c)
{
	unsigned n = 0;

	for (;;) {
		if (atomic_exchange(&c->exit_req, false))
			return CPU_EXIT_REQUEST;
		if (++n >= CPU_TIMER_SLICE || c->r.halted) {
			n = 0;
			vclock_run_timers(c->env.clock);
		}
		if (c->nmi_pending) {
			c->nmi_pending = false;
			c->r.halted = false;
			c->stats.interrupts++;
			cpu_deliver_real(c, 2, (uint16_t)c->r.eip);
		} else if (c->irq && (c->r.eflags & FL_IF) && !c->shadow && c->env.intack) {
			int vec = c->env.intack(c->env.intack_opaque);

			c->r.halted = false;
			c->stats.interrupts++;
			cpu_deliver_real(c, (unsigned)vec & 0xff, (uint16_t)c->r.eip);
		}
		if (c->r.halted) {
			cpu_halt_wait(c);
			continue;
		}
		cpu_step(c);
	}
}
