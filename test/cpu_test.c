/* The CPU test machine (see cpu_test.h). */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cpu_test.h"

static uint32_t ct_in(void *opaque, uint16_t port, unsigned size)
{
	(void)opaque;
	(void)port;
	(void)size;
	return 0xffffffffu;
}

static void ct_out(void *opaque, uint16_t port, unsigned size, uint32_t val)
{
	struct cpu_test *t = opaque;

	(void)size;
	if (port == 0xe9) {
		if (t->nout < sizeof(t->out) - 1)
			t->out[t->nout++] = (char)val;
	} else if (port == 0xf4) {
		t->exit_code = (int)(val & 0xff);
		cpu_request_exit(t->cpu);
	}
}

static const struct pio_ops ct_ops = { ct_in, ct_out };

static int ct_intack(void *opaque)
{
	struct cpu_test *t = opaque;

	cpu_set_irq(t->cpu, 0);
	return t->irq_vec;
}

int cpu_test_init(struct cpu_test *t, uint64_t ram_bytes)
{
	struct cpu_env env;
	int err;

	memset(t, 0, sizeof(*t));
	t->exit_code = -1;
	if ((err = pmap_create(ram_bytes, &t->pm)) || (err = iobus_create(&t->io)) ||
	    (err = vclock_create(&t->vc)) ||
	    (err = iobus_register(t->io, 0xe9, 1, &ct_ops, t)) ||
	    (err = iobus_register(t->io, 0xf4, 1, &ct_ops, t)))
		goto fail;
	memset(&env, 0, sizeof(env));
	env.pm = t->pm;
	env.io = t->io;
	env.clock = t->vc;
	env.intack = ct_intack;
	env.intack_opaque = t;
	if ((err = cpu_create(&env, &t->cpu)))
		goto fail;
	t->cpu->stop_on_hlt = true;
	return 0;
fail:
	cpu_test_fini(t);
	return err < 0 ? err : -EINVAL;
}

void cpu_test_fini(struct cpu_test *t)
{
	cpu_destroy(t->cpu);
	iobus_destroy(t->io);
	vclock_destroy(t->vc);
	pmap_destroy(t->pm);
	t->cpu = NULL;
	t->io = NULL;
	t->vc = NULL;
	t->pm = NULL;
}

void cpu_test_load(struct cpu_test *t, uint64_t gpa, const void *code, size_t len)
{
	pmap_write_buf(t->pm, gpa, code, len);
}

void cpu_test_real(struct cpu_test *t, uint16_t seg, uint16_t off)
{
	struct cpu_regs r;
	unsigned n;

	cpu_get_regs(t->cpu, &r);
	for (n = 0; n < 6; n++) {
		r.seg[n].sel = 0;
		r.seg[n].base = 0;
		r.seg[n].limit = 0xffff;
	}
	r.seg[CPU_CS].sel = seg;
	r.seg[CPU_CS].base = (uint32_t)seg << 4;
	r.eip = off;
	r.gpr[CPU_ESP] = 0x7000;
	cpu_set_regs(t->cpu, &r);
}

void cpu_test_flat(struct cpu_test *t, uint32_t eip)
{
	cpu_test_flat32(t->cpu);
	t->cpu->eip = eip;
	t->cpu->gpr[CPU_ESP] = 0x70000;
}

enum cpu_exit cpu_test_run(struct cpu_test *t, uint64_t max_insns)
{
	struct cpu_stats s;

	cpu_get_stats(t->cpu, &s);
	t->cpu->insn_limit = max_insns ? s.insns + max_insns : 0;
	return cpu_run(t->cpu);
}

long cpu_test_nasm(const char *src, uint8_t *buf, size_t size)
{
	char in[] = "/tmp/cpu_test_XXXXXX";
	char out[sizeof(in) + 4], cmd[256];
	FILE *f;
	long n;
	int fd = mkstemp(in);

	if (fd < 0)
		return -1;
	f = fdopen(fd, "w");
	if (!f) {
		close(fd);
		unlink(in);
		return -1;
	}
	fputs(src, f);
	fclose(f);
	snprintf(out, sizeof(out), "%s.bin", in);
	snprintf(cmd, sizeof(cmd), "nasm -f bin -o %s %s 2>&1", out, in);
	n = system(cmd) == 0 ? 0 : -1;
	unlink(in);
	if (n == 0) {
		f = fopen(out, "rb");
		n = f ? (long)fread(buf, 1, size, f) : -1;
		if (f)
			fclose(f);
	}
	unlink(out);
	return n;
}
