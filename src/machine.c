/* Machine assembly: the one place where the PC is wired together.  See
 * machine.h for the threading model and doc/machine.md for the layout. */
#include "config.h"
#include "machine.h"
#include "machine_nic.h"
#include "dev/acpi_gpe.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dev/acpi_pm.h"
#include "dev/chardev.h"
#include "dev/debugport.h"
#include "dev/fw_cfg.h"
#include "dev/i440fx.h"
#include "dev/i8042.h"
#include "dev/i8254.h"
#include "dev/i8259.h"
#include "dev/iobus.h"
#include "dev/mc146818.h"
#include "dev/ns16550.h"
#include "dev/piix3.h"
#include "dev/piix4_pm.h"
#include "dev/piix_ide.h"
#include "dev/png.h"
#include "dev/vga.h"
#include "dev/vga_pci.h"
#include "disk/blockdev.h"
#include "log.h"
#include "mem/pmap.h"
#include "vclock.h"

/* Up to this many devices may drive one ISA IRQ input; the PIC sees the OR. */
#define IRQ_SOURCES 4
enum { SRC_ISA, SRC_PIRQ, SRC_SCI, SRC_SHARED };

/* SLP_TYP of \_S5 in SeaBIOS's built-in tables (Name(_S5, Package(4){0,0,0,0})). */
#define MACHINE_S5_SLP_TYP 0
/* The SCI is ISA IRQ 9, as the FADT SeaBIOS builds says. */
#define MACHINE_SCI_IRQ 9

static const uint16_t com_base[VMCFG_SERIALS] = { 0x3f8, 0x2f8, 0x3e8, 0x2e8 };
static const int com_irq[VMCFG_SERIALS] = { 4, 3, 4, 3 };

/* Everything a hard reset rebuilds. */
struct board {
	struct machine *m;
	struct pmap *pm;
	struct iobus *io;
	struct vclock *vc;
	struct cpu *cpu;
	int intr;                   /* the PIC's INTR output */
	struct i8259 *pic;
	uint8_t irq_src[16];        /* per ISA IRQ: which sources drive it high */
	struct irq_line lines[16][IRQ_SOURCES];
	struct i8254 *pit;
	struct mc146818 *rtc;
	struct ns16550 *uart[VMCFG_SERIALS];
	struct i8042 *kbc;
	struct port92 *p92;
	struct fw_cfg *fwcfg;
	struct debugport *dbg;
	struct acpi_pm *acpi;
	uint16_t acpi_base;
	uint8_t apm_cnt, apm_sts;
	bool a20_kbc, a20_fast;     /* the two A20 gates (i8042, port 0x92) */
	struct pci_bus *pci;
	struct i440fx *nb;
	struct piix3 *sb;
	struct piix4_pm *pmf;
	struct piix_ide *ide;
	struct vga *vga;
	struct vga_pci *vgapci;
	struct machine_nics *nics;
	struct acpi_gpe *gpe;
};

struct machine {
	const struct vmcfg *cfg;
	struct machine_opts opts;
	/* The same hooks for every device, except that the i8042 and port 0x92
	 * each drive their own A20 gate. */
	struct platform_hooks hooks, hooks_kbc, hooks_fast;
	/* Back ends that outlive a reset. */
	uint8_t *bios;
	size_t bios_len;
	uint8_t *vgabios;
	size_t vgabios_len;
	struct chardev *serial[VMCFG_SERIALS];
	struct ns16550_backend serial_be[VMCFG_SERIALS];
	struct blockdev *disk[VMCFG_IDE_CHANNELS][VMCFG_IDE_UNITS];
	FILE *debug_file;
	struct board *b;
	/* Events raised by devices on the vCPU thread. */
	atomic_bool ev_reset, ev_poweroff, ev_exit;
	atomic_int exit_code;
	bool ev_shutdown, ev_error;
	/* Requests from other threads, under lock. */
	pthread_mutex_t lock;
	pthread_cond_t served;
	bool in_cpu, ended;
	bool req_stop, req_timeout, req_reset, req_soft_stop;
	int (*call_fn)(struct machine *m, void *arg);
	void *call_arg;
	int call_ret;
	bool call_pending;
	enum machine_end end;
	/* Where board_create() explains a failure during machine_create(). */
	char *err;
	size_t errlen;
	struct cpu_stats stats;     /* of boards already torn down */
	uint64_t resets;
};

/* ---- interrupt wiring ---------------------------------------------- */

static void irq_or_set(void *opaque, int n, int level)
{
	struct board *b = opaque;
	int irq = n / IRQ_SOURCES, src = n % IRQ_SOURCES;
	uint8_t before;

	if (irq < 0 || irq >= 16)
		return;
	before = b->irq_src[irq];
	if (level)
		b->irq_src[irq] |= (uint8_t)(1u << src);
	else
		b->irq_src[irq] &= (uint8_t)~(1u << src);
	/* Edges matter (the PIT pulses IRQ 0), so pass every change of the OR. */
	if (!!before != !!b->irq_src[irq])
		i8259_set_irq(b->pic, irq, b->irq_src[irq] != 0);
}

static const struct irq_line *line(struct board *b, int irq, int src)
{
	return &b->lines[irq][src];
}

static void pic_intr(void *opaque, int level)
{
	struct board *b = opaque;

	b->intr = level;
	if (b->cpu)
		cpu_set_irq(b->cpu, level);
}

static int cpu_intack(void *opaque)
{
	struct board *b = opaque;
	return i8259_intack(b->pic);
}

static void cpu_ferr(void *opaque, int level)
{
	struct board *b = opaque;
	irq_or_set(b, 13 * IRQ_SOURCES + SRC_ISA, level);
}

/* ---- platform hooks (vCPU thread) ---------------------------------- */

/* The chipset's A20M# is asserted only when both the keyboard controller's
 * A20 gate and port 0x92's fast-A20 bit are 0: A20 is their OR. */
static void a20_apply(struct machine *m)
{
	if (m->b && m->b->cpu)
		cpu_set_a20(m->b->cpu, m->b->a20_kbc || m->b->a20_fast);
}

static void hook_a20_kbc(void *opaque, bool on)
{
	struct machine *m = opaque;

	if (m->b) {
		m->b->a20_kbc = on;
		a20_apply(m);
	}
}

static void hook_a20_fast(void *opaque, bool on)
{
	struct machine *m = opaque;

	if (m->b) {
		m->b->a20_fast = on;
		a20_apply(m);
	}
}

static void hook_reset(void *opaque)
{
	struct machine *m = opaque;
	atomic_store(&m->ev_reset, true);
	if (m->b && m->b->cpu)
		cpu_request_exit(m->b->cpu);
}

static void hook_poweroff(void *opaque)
{
	struct machine *m = opaque;
	atomic_store(&m->ev_poweroff, true);
	if (m->b && m->b->cpu)
		cpu_request_exit(m->b->cpu);
}

static void hook_exit(void *opaque, int code)
{
	struct machine *m = opaque;
	if (!atomic_load(&m->ev_exit))
		atomic_store(&m->exit_code, code);
	atomic_store(&m->ev_exit, true);
	if (m->b && m->b->cpu)
		cpu_request_exit(m->b->cpu);
}

/* The PIIX4 PM function moved or switched its I/O block: the ACPI PM
 * registers follow PMBA (SeaBIOS puts them at 0xB000 or 0x600). */
static void pm_base_changed(void *opaque, uint16_t base, bool enabled)
{
	struct board *b = opaque;
	uint16_t want = enabled ? base : 0;
	int r;

	if (want == b->acpi_base && (b->acpi || !want))
		return;
	acpi_pm_destroy(b->acpi);
	b->acpi = NULL;
	b->acpi_base = want;
	if (!want)
		return;
	r = acpi_pm_create(b->io, want, line(b, MACHINE_SCI_IRQ, SRC_SCI), b->vc, &b->m->hooks,
			   MACHINE_S5_SLP_TYP, &b->acpi);
	if (r < 0) {
		b->acpi = NULL;
		log_warn("machine", "ACPI PM block at 0x%x: %s", want, strerror(-r));
	} else {
		log_info("machine", "ACPI PM block at 0x%x", want);
	}
}

/* The PIIX4's APM control port (0xB2) and status port (0xB3).  On the real
 * chip a write to 0xB2 raises an SMI whose handler switches ACPI on or off;
 * there is no SMM here, so the two commands the FADT names (ACPI_ENABLE
 * 0xF1, ACPI_DISABLE 0xF0) set or clear SCI_EN in PM1a_CNT directly. */
#define APM_CNT 0xb2
#define APM_ACPI_ENABLE 0xf1
#define APM_ACPI_DISABLE 0xf0
#define PM1_CNT_SCI_EN 0x0001

static uint32_t apm_in(void *opaque, uint16_t port, unsigned size)
{
	struct board *b = opaque;

	(void)size;
	return port == APM_CNT ? b->apm_cnt : b->apm_sts;
}

static void apm_out(void *opaque, uint16_t port, unsigned size, uint32_t val)
{
	struct board *b = opaque;
	uint16_t cnt;

	(void)size;
	if (port != APM_CNT) {
		b->apm_sts = (uint8_t)val;
		return;
	}
	b->apm_cnt = (uint8_t)val;
	if (!b->acpi || (b->apm_cnt != APM_ACPI_ENABLE && b->apm_cnt != APM_ACPI_DISABLE))
		return;
	/* SLP_EN reads as 0, so writing back what we read never sleeps. */
	cnt = (uint16_t)iobus_in(b->io, (uint16_t)(b->acpi_base + 4), 2);
	if (b->apm_cnt == APM_ACPI_ENABLE)
		cnt |= PM1_CNT_SCI_EN;
	else
		cnt &= (uint16_t)~PM1_CNT_SCI_EN;
	iobus_out(b->io, (uint16_t)(b->acpi_base + 4), 2, cnt);
}

static const struct pio_ops apm_ops = { apm_in, apm_out };

static void debug_echo(void *opaque, const char *buf, unsigned len)
{
	struct machine *m = opaque;

	if (!m->debug_file)
		return;
	fwrite(buf, 1, len, m->debug_file);
	if (memchr(buf, '\n', len))
		fflush(m->debug_file);
}

static void serial_write(void *opaque, const uint8_t *buf, size_t len)
{
	chardev_write(opaque, buf, len);
}

static size_t serial_read(void *opaque, uint8_t *buf, size_t len)
{
	return chardev_read(opaque, buf, len);
}

/* ---- the board ------------------------------------------------------- */

/* vCPU thread, between TU slices: work the back ends handed over. */
static void board_poll(void *opaque)
{
	struct board *b = opaque;

	machine_nics_poll(b->nics);
}

static void board_destroy(struct board *b)
{
	if (!b)
		return;
	machine_nics_stop(b->nics);   /* their threads may kick the CPU */
	cpu_destroy(b->cpu);
	acpi_gpe_destroy(b->gpe);
	b->cpu = NULL;
	piix_ide_destroy(b->ide);
	acpi_pm_destroy(b->acpi);
	pci_bus_destroy(b->pci);      /* frees every PCI function, unmaps BARs */
	machine_nics_destroy(b->nics);
	vga_pci_destroy(b->vgapci);
	i440fx_destroy(b->nb);
	piix3_destroy(b->sb);
	piix4_pm_destroy(b->pmf);
	vga_destroy(b->vga);
	debugport_destroy(b->dbg);
	fw_cfg_destroy(b->fwcfg);
	port92_destroy(b->p92);
	i8042_destroy(b->kbc);
	for (unsigned i = 0; i < VMCFG_SERIALS; i++)
		ns16550_destroy(b->uart[i]);
	mc146818_destroy(b->rtc);
	i8254_destroy(b->pit);
	i8259_destroy(b->pic);
	vclock_destroy(b->vc);
	iobus_destroy(b->io);
	pmap_destroy(b->pm);
	free(b);
}

static int board_fail(struct machine *m, int r, const char *what)
{
	log_err("machine", "cannot set up %s: %s", what, strerror(r < 0 ? -r : r));
	if (m->err && m->errlen)
		snprintf(m->err, m->errlen, "cannot set up %s: %s", what, strerror(r < 0 ? -r : r));
	return r;
}

static int board_create(struct machine *m, struct board **out)
{
	const struct vmcfg *cfg = m->cfg;
	struct board *b = calloc(1, sizeof(*b));
	struct irq_line pic16[16];
	struct cpu_env env;
	char nic_err[256];
	size_t low_len;
	int r;

	if (!b)
		return -ENOMEM;
	b->m = m;
	m->b = b;   /* hooks may fire while devices are created */
	for (int i = 0; i < 16; i++)
		for (int s = 0; s < IRQ_SOURCES; s++)
			b->lines[i][s] = (struct irq_line){ irq_or_set, b, i * IRQ_SOURCES + s };
	for (int i = 0; i < 16; i++)
		pic16[i] = b->lines[i][SRC_PIRQ];

	if ((r = pmap_create(cfg->mem_bytes, &b->pm)) < 0)
		goto fail_what_ram;
	if ((r = iobus_create(&b->io)) < 0 || (r = vclock_create(&b->vc)) < 0) {
		board_fail(m, r, "the I/O bus");
		goto fail;
	}
	/* The BIOS: whole at the top of 4 GiB, its last 128 KiB (or all of a
	 * smaller image) at the top of the first MiB, before any PAM write. */
	low_len = m->bios_len < 0x20000 ? m->bios_len : 0x20000;
	if ((r = pmap_add_rom(b->pm, 0x100000000ull - m->bios_len, m->bios, m->bios_len)) < 0 ||
	    (r = pmap_add_rom(b->pm, 0x100000 - low_len, m->bios + m->bios_len - low_len,
			      low_len)) < 0) {
		board_fail(m, r, "the BIOS ROM");
		goto fail;
	}
	if ((r = i8259_create(b->io, pic_intr, b, &b->pic)) < 0) {
		board_fail(m, r, "the PIC");
		goto fail;
	}
	if ((r = i8254_create(b->io, line(b, 0, SRC_ISA), b->vc, &b->pit)) < 0) {
		board_fail(m, r, "the PIT");
		goto fail;
	}
	if ((r = mc146818_create(b->io, line(b, 8, SRC_ISA), b->vc, 0, &b->rtc)) < 0 ||
	    (r = machine_fill_cmos(b->rtc, cfg, pmap_lowmem_size(b->pm),
				   pmap_ram_size(b->pm) - pmap_lowmem_size(b->pm))) < 0) {
		board_fail(m, r, "the RTC/CMOS");
		goto fail;
	}
	for (unsigned i = 0; i < VMCFG_SERIALS; i++) {
		bool shared = i >= 2;   /* COM3/COM4 share IRQ 4/3 with COM1/COM2 */
		if (!m->serial[i])
			continue;
		r = ns16550_create(b->io, com_base[i], line(b, com_irq[i], shared ? SRC_SHARED : SRC_ISA),
				   b->vc, &m->serial_be[i], &b->uart[i]);
		if (r < 0) {
			board_fail(m, r, "a serial port");
			goto fail;
		}
	}
	/* At reset the i8042's output port has A20 on, port 0x92's bit is off. */
	b->a20_kbc = true;
	b->a20_fast = false;
	if ((r = i8042_create(b->io, line(b, 1, SRC_ISA), line(b, 12, SRC_ISA), &m->hooks_kbc,
			      &b->kbc)) < 0 ||
	    (r = port92_create(b->io, &m->hooks_fast, &b->p92)) < 0) {
		board_fail(m, r, "the keyboard controller");
		goto fail;
	}
	if ((r = fw_cfg_create(b->io, b->pm, &b->fwcfg)) < 0 ||
	    (r = machine_fill_fwcfg(b->fwcfg, cfg, pmap_ram_size(b->pm), PMAP_LOWMEM_MAX)) < 0) {
		board_fail(m, r, "fw_cfg");
		goto fail;
	}
	if (cfg->debug_port || cfg->exit_port) {
		r = debugport_create(b->io, &m->hooks, cfg->exit_port, debug_echo, m, &b->dbg);
		if (r < 0) {
			log_err("machine", "hostvm.exitPort = 0x%x: the port is taken by another device",
				cfg->exit_port);
			if (m->err && m->errlen)
				snprintf(m->err, m->errlen,
					 "hostvm.exitPort = 0x%x: the port is taken by another device",
					 cfg->exit_port);
			goto fail;
		}
	}
	if ((r = iobus_register(b->io, APM_CNT, 2, &apm_ops, b)) < 0) {
		board_fail(m, r, "the APM control port");
		goto fail;
	}
	if ((r = acpi_gpe_create(b->io, &b->gpe)) < 0) {
		board_fail(m, r, "the ACPI GPE block");
		goto fail;
	}
	if ((r = vga_create(b->io, b->pm, &b->vga)) < 0) {
		board_fail(m, r, "the VGA");
		goto fail;
	}
	/* PCI: 00:00.0 i440FX, 00:01.0 PIIX3, 00:01.1 IDE, 00:01.3 PM, 00:02.0 VGA. */
	if ((r = pci_bus_create(b->io, b->pm, &b->pci)) < 0 ||
	    (r = i440fx_create(b->pci, b->pm, &m->hooks, &b->nb)) < 0 ||
	    (r = piix3_create(b->pci, pic16, &b->sb)) < 0 ||
	    (r = piix_ide_create(b->pci, b->io, line(b, 14, SRC_ISA), line(b, 15, SRC_ISA), b->pm,
				 &b->ide)) < 0 ||
	    (r = piix4_pm_create(b->pci, pm_base_changed, b, &b->pmf)) < 0 ||
	    (r = vga_pci_create(b->pci, PCI_DEVFN(2, 0), b->vga, m->vgabios, m->vgabios_len,
				&b->vgapci)) < 0) {
		board_fail(m, r, "the PCI devices");
		goto fail;
	}
	r = machine_nics_create(m->cfg, b->pci, b->pm, b->vc, &b->cpu, &b->nics, nic_err,
				sizeof(nic_err));
	if (r < 0) {
		log_err("machine", "%s", nic_err);
		if (m->err && m->errlen)
			snprintf(m->err, m->errlen, "%s", nic_err);
		goto fail;
	}
	for (unsigned c = 0; c < VMCFG_IDE_CHANNELS; c++)
		for (unsigned u = 0; u < VMCFG_IDE_UNITS; u++) {
			enum vmcfg_ide_kind k = cfg->ide[c][u].kind;
			if (k == VMCFG_IDE_NONE)
				continue;
			r = ide_attach(b->ide, (int)c, (int)u, k == VMCFG_IDE_CDROM ? IDE_ATAPI : IDE_ATA,
				       m->disk[c][u]);
			if (r < 0) {
				log_err("machine", "ide%u:%u: cannot attach: %s", c, u, strerror(-r));
				goto fail;
			}
		}
	memset(&env, 0, sizeof(env));
	env.pm = b->pm;
	env.io = b->io;
	env.clock = b->vc;
	env.intack = cpu_intack;
	env.intack_opaque = b;
	env.ferr = cpu_ferr;
	env.ferr_opaque = b;
	env.poll = board_poll;
	env.poll_opaque = b;
	if ((r = cpu_create(&env, &b->cpu)) < 0) {
		board_fail(m, r, "the CPU");
		goto fail;
	}
	cpu_set_irq(b->cpu, b->intr);
	cpu_set_a20(b->cpu, b->a20_kbc || b->a20_fast);
	*out = b;
	return 0;
fail_what_ram:
	board_fail(m, r, "guest RAM");
fail:
	m->b = NULL;
	board_destroy(b);
	return r;
}

/* ---- back ends -------------------------------------------------------- */

static int errf(char *err, size_t len, int r, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int errf(char *err, size_t len, int r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (len)
		vsnprintf(err, len, fmt, ap);
	va_end(ap);
	return r;
}

static int load_bios(struct machine *m, const char *path, const char *key, char *err,
		     size_t errlen)
{
	FILE *f = fopen(path, "rb");
	long size;

	if (!f)
		return errf(err, errlen, -errno, "%s: cannot read %s: %s", key, path, strerror(errno));
	if (fseek(f, 0, SEEK_END) || (size = ftell(f)) < 0 || fseek(f, 0, SEEK_SET)) {
		fclose(f);
		return errf(err, errlen, -EIO, "%s: cannot read %s", key, path);
	}
	if (size != 0x10000 && size != 0x20000 && size != 0x40000) {
		fclose(f);
		return errf(err, errlen, -EINVAL,
			    "%s: %s is %ld bytes; a BIOS image must be 64, 128 or 256 KiB", key, path,
			    size);
	}
	m->bios = malloc((size_t)size);
	if (!m->bios || fread(m->bios, 1, (size_t)size, f) != (size_t)size) {
		fclose(f);
		return errf(err, errlen, -EIO, "%s: cannot read %s", key, path);
	}
	fclose(f);
	m->bios_len = (size_t)size;
	return 0;
}

static int open_backends(struct machine *m, char *err, size_t errlen)
{
	static const char *const types[] = { "", "file", "pipe", "network" };
	const struct vmcfg *cfg = m->cfg;
	int r;

	for (unsigned i = 0; i < VMCFG_SERIALS; i++) {
		const char *type = types[cfg->serial[i].kind], *name = cfg->serial[i].file;
		if (i == 0 && m->opts.serial_stdio) {
			type = "stdio";
			name = "-";
		} else if (cfg->serial[i].kind == VMCFG_SERIAL_NONE) {
			continue;
		}
		if ((r = chardev_open(type, name, &m->serial[i])) < 0) {
			m->serial[i] = NULL;
			return errf(err, errlen, r, "serial%u.fileName: cannot open %s (%s): %s", i, name,
				    type, strerror(-r));
		}
		/* A file takes output only: no reads for the UART to poll. */
		m->serial_be[i] = (struct ns16550_backend){ serial_write,
			!strcmp(type, "file") ? NULL : serial_read, m->serial[i] };
	}
	for (unsigned c = 0; c < VMCFG_IDE_CHANNELS; c++)
		for (unsigned u = 0; u < VMCFG_IDE_UNITS; u++) {
			enum vmcfg_ide_kind k = cfg->ide[c][u].kind;
			const char *file = cfg->ide[c][u].file;
			if (k == VMCFG_IDE_NONE || !file || !cfg->ide[c][u].start_connected)
				continue;
			r = blockdev_open(file, k == VMCFG_IDE_CDROM ? BLOCKDEV_RDONLY : 0,
					  &m->disk[c][u]);
			if (r < 0) {
				m->disk[c][u] = NULL;
				return errf(err, errlen, r, "ide%u:%u.fileName: cannot open %s: %s", c, u,
					    file, strerror(-r));
			}
		}
	if (cfg->debug_file) {
		m->debug_file = fopen(cfg->debug_file, "ae");
		if (!m->debug_file)
			return errf(err, errlen, -errno, "hostvm.debugFile: cannot open %s: %s",
				    cfg->debug_file, strerror(errno));
	}
	return 0;
}

int machine_create(const struct vmcfg *cfg, const struct machine_opts *opts,
		   struct machine **out, char *err, size_t errlen)
{
	struct machine *m = calloc(1, sizeof(*m));
	const char *bios = opts && opts->bios_path ? opts->bios_path : cfg->bios_file;
	int r;

	if (errlen)
		err[0] = 0;
	if (!m)
		return errf(err, errlen, -ENOMEM, "out of memory");
	m->cfg = cfg;
	if (opts)
		m->opts = *opts;
	m->hooks = (struct platform_hooks){ m, NULL, hook_reset, hook_poweroff, hook_exit };
	m->hooks_kbc = m->hooks;
	m->hooks_kbc.set_a20 = hook_a20_kbc;
	m->hooks_fast = m->hooks;
	m->hooks_fast.set_a20 = hook_a20_fast;
	pthread_mutex_init(&m->lock, NULL);
	pthread_cond_init(&m->served, NULL);
	if (bios)
		r = load_bios(m, bios, "bios440.filename", err, errlen);
	else
		r = load_bios(m, MACHINE_SEABIOS_PATH, "the default BIOS (install seabios or set bios440.filename)",
			      err, errlen);
	if (r < 0)
		goto fail;
	r = vga_rom_load(m->opts.vgabios_path, &m->vgabios, &m->vgabios_len);
	if (r < 0) {
		/* A custom BIOS may not want one; SeaBIOS without it has no
		 * video BIOS but still boots on the serial console. */
		log_warn("machine", "no VGA BIOS (%s: %s)",
			 m->opts.vgabios_path ? m->opts.vgabios_path : VGA_ROM_PATH, strerror(-r));
		m->vgabios = NULL;
		m->vgabios_len = 0;
	}
	if ((r = open_backends(m, err, errlen)) < 0)
		goto fail;
	m->err = err;
	m->errlen = errlen;
	r = board_create(m, &m->b);
	m->err = NULL;
	m->errlen = 0;
	if (r < 0) {
		if (!errlen || !err[0])
			errf(err, errlen, r, "cannot assemble the machine: %s", strerror(-r));
		goto fail;
	}
	*out = m;
	return 0;
fail:
	machine_destroy(m);
	return r;
}

void machine_destroy(struct machine *m)
{
	if (!m)
		return;
	board_destroy(m->b);
	m->b = NULL;
	for (unsigned i = 0; i < VMCFG_SERIALS; i++)
		chardev_close(m->serial[i]);
	for (unsigned c = 0; c < VMCFG_IDE_CHANNELS; c++)
		for (unsigned u = 0; u < VMCFG_IDE_UNITS; u++)
			blockdev_close(m->disk[c][u]);
	if (m->debug_file)
		fclose(m->debug_file);
	free(m->bios);
	free(m->vgabios);
	pthread_cond_destroy(&m->served);
	pthread_mutex_destroy(&m->lock);
	free(m);
}

/* ---- running ------------------------------------------------------- */

static void add_stats(struct cpu_stats *to, const struct cpu_stats *s)
{
	to->insns += s->insns;
	to->tus_translated += s->tus_translated;
	to->tu_lookups += s->tu_lookups;
	to->tu_hits += s->tu_hits;
	to->smc_invalidations += s->smc_invalidations;
	to->exceptions += s->exceptions;
	to->interrupts += s->interrupts;
}

/* Hard reset: a new board from the configuration. */
static int rebuild(struct machine *m)
{
	struct cpu_stats s;
	struct board *nb;
	int r;

	cpu_get_stats(m->b->cpu, &s);
	add_stats(&m->stats, &s);
	board_destroy(m->b);
	m->b = NULL;
	m->resets++;
	r = board_create(m, &nb);
	if (r < 0)
		return r;
	m->b = nb;
	return 0;
}

/* Serves requests and events with the lock held; returns why the machine
 * ends, or MACHINE_END_NONE to keep running. */
static enum machine_end service(struct machine *m)
{
	bool reset = false;

	if (m->ended)
		return m->end;
	if (m->call_pending) {
		m->call_ret = m->call_fn(m, m->call_arg);
		m->call_pending = false;
		pthread_cond_broadcast(&m->served);
	}
	if (m->ev_error)
		return MACHINE_END_ERROR;
	if (m->req_timeout)
		return MACHINE_END_TIMEOUT;
	if (m->req_stop)
		return MACHINE_END_STOP;
	if (m->req_soft_stop) {
		m->req_soft_stop = false;
		/* Like a short press of a real power button: the guest's OS
		 * decides.  With nobody listening (no ACPI mode, button not
		 * enabled) a soft stop falls back to a hard one. */
		if (m->b && acpi_pm_power_button(m->b->acpi)) {
			log_info("machine", "soft stop: ACPI power button pressed");
		} else {
			log_info("machine", "soft stop: the guest does not listen to the ACPI power "
				 "button, stopping hard");
			return MACHINE_END_STOP;
		}
	}
	if (atomic_load(&m->ev_exit)) {
		log_info("machine", "the guest wrote %d to the exit port", atomic_load(&m->exit_code));
		return MACHINE_END_GUEST_EXIT;
	}
	if (atomic_load(&m->ev_poweroff)) {
		log_info("machine", "the guest powered off (ACPI S5)");
		return MACHINE_END_POWEROFF;
	}
	if (m->ev_shutdown) {
		m->ev_shutdown = false;
		log_guest("machine", "triple fault (shutdown cycle)");
		if (m->opts.no_reboot)
			return MACHINE_END_TRIPLE_FAULT;
		reset = true;
	}
	if (atomic_exchange(&m->ev_reset, false)) {
		log_guest("machine", "the guest reset the machine");
		if (m->opts.no_reboot)
			return MACHINE_END_RESET;
		reset = true;
	}
	if (m->req_reset) {
		m->req_reset = false;
		log_info("machine", "reset requested");
		reset = true;
	}
	if (reset && rebuild(m) < 0) {
		log_err("machine", "the machine could not be rebuilt after a reset");
		return MACHINE_END_ERROR;
	}
	return MACHINE_END_NONE;
}

static enum machine_end finish(struct machine *m, enum machine_end e)
{
	m->ended = true;
	m->end = e;
	pthread_cond_broadcast(&m->served);
	return e;
}

enum machine_end machine_run(struct machine *m)
{
	enum machine_end e;

	pthread_mutex_lock(&m->lock);
	for (;;) {
		enum cpu_exit ce;

		e = service(m);
		if (e != MACHINE_END_NONE)
			break;
		m->in_cpu = true;
		pthread_mutex_unlock(&m->lock);
		ce = cpu_run(m->b->cpu);
		pthread_mutex_lock(&m->lock);
		m->in_cpu = false;
		if (ce == CPU_EXIT_SHUTDOWN)
			m->ev_shutdown = true;
		else if (ce == CPU_EXIT_ERROR) {
			log_err("machine", "the virtual CPU stopped with an internal error");
			m->ev_error = true;
		}
	}
	finish(m, e);
	pthread_mutex_unlock(&m->lock);
	return e;
}

enum machine_end machine_poll(struct machine *m)
{
	enum machine_end e;

	pthread_mutex_lock(&m->lock);
	e = service(m);
	if (e != MACHINE_END_NONE)
		finish(m, e);
	pthread_mutex_unlock(&m->lock);
	return e;
}

int machine_exit_code(const struct machine *m)
{
	return atomic_load(&m->exit_code);
}

static void kick(struct machine *m)
{
	if (m->in_cpu && m->b && m->b->cpu)
		cpu_request_exit(m->b->cpu);
}

void machine_request(struct machine *m, enum machine_req req)
{
	pthread_mutex_lock(&m->lock);
	switch (req) {
	case MACHINE_REQ_STOP:
		m->req_stop = true;
		break;
	case MACHINE_REQ_SOFT_STOP:
		/* Served on the vCPU thread: it presses the ACPI power button. */
		m->req_soft_stop = true;
		break;
	case MACHINE_REQ_TIMEOUT:
		m->req_timeout = true;
		break;
	case MACHINE_REQ_RESET:
		m->req_reset = true;
		break;
	}
	kick(m);
	pthread_mutex_unlock(&m->lock);
}

/* Runs fn on the vCPU thread (or here when it is not running guest code). */
static int call_on_vcpu(struct machine *m, int (*fn)(struct machine *, void *), void *arg)
{
	int r;

	pthread_mutex_lock(&m->lock);
	if (!m->in_cpu || m->ended) {
		r = m->b ? fn(m, arg) : -ESRCH;
		pthread_mutex_unlock(&m->lock);
		return r;
	}
	while (m->call_pending && !m->ended)
		pthread_cond_wait(&m->served, &m->lock);
	if (m->ended) {
		r = m->b ? fn(m, arg) : -ESRCH;
		pthread_mutex_unlock(&m->lock);
		return r;
	}
	m->call_fn = fn;
	m->call_arg = arg;
	m->call_pending = true;
	kick(m);
	while (m->call_pending && !m->ended)
		pthread_cond_wait(&m->served, &m->lock);
	if (m->call_pending) {
		/* The machine ended first: nobody runs guest code any more. */
		m->call_pending = false;
		r = m->b ? fn(m, arg) : -ESRCH;
	} else {
		r = m->call_ret;
	}
	pthread_mutex_unlock(&m->lock);
	return r;
}

#define CAPTURE_MAX_W 2048
#define CAPTURE_MAX_H 1536

static int do_capture(struct machine *m, void *arg)
{
	const char *path = arg;
	size_t n = strlen(path);
	int r;

	if (n >= 4 && !strcasecmp(path + n - 4, ".txt")) {
		char *buf = malloc(64 * 1024);
		FILE *f;
		if (!buf)
			return -ENOMEM;
		r = vga_text_dump(m->b->vga, buf, 64 * 1024);
		if (r < 0) {
			free(buf);
			return r;
		}
		f = fopen(path, "we");
		if (!f) {
			r = -errno;
			free(buf);
			return r;
		}
		fwrite(buf, 1, (size_t)r, f);
		fputc('\n', f);
		r = fclose(f) ? -errno : 0;
		free(buf);
		return r;
	}
	uint32_t *px = malloc((size_t)CAPTURE_MAX_W * CAPTURE_MAX_H * 4);
	unsigned w = 0, h = 0;
	if (!px)
		return -ENOMEM;
	r = vga_render(m->b->vga, px, CAPTURE_MAX_W, CAPTURE_MAX_H, &w, &h);
	if (r >= 0) {
		if (!w || !h) {
			/* Nothing displayed (the VGA is off): a black 640x480. */
			w = 640;
			h = 480;
			memset(px, 0, (size_t)w * h * 4);
		}
		r = png_write_xrgb(path, px, w, h);
	}
	free(px);
	return r;
}

int machine_capture(struct machine *m, const char *path)
{
	return call_on_vcpu(m, do_capture, (void *)path);
}

struct render_req {
	uint32_t *px;
	unsigned max_w, max_h, *w, *h;
	uint64_t *gen;
};

static int do_render(struct machine *m, void *arg)
{
	struct render_req *q = arg;
	uint64_t g = vga_generation(m->b->vga);
	int r;

	/* A rebuilt board starts a new VGA whose counter may repeat old
	 * values: fold the reset count in. */
	g += m->resets << 48;
	if (g == *q->gen)
		return 1;
	r = vga_render(m->b->vga, q->px, q->max_w, q->max_h, q->w, q->h);
	if (r < 0)
		return r;
	*q->gen = g;
	return 0;
}

int machine_render(struct machine *m, uint32_t *px, unsigned max_w, unsigned max_h,
		   unsigned *w, unsigned *h, uint64_t *gen)
{
	struct render_req q = { px, max_w, max_h, w, h, gen };

	return call_on_vcpu(m, do_render, &q);
}

struct key_req {
	uint32_t code;
	bool pressed;
};

static int do_key(struct machine *m, void *arg)
{
	struct key_req *k = arg;

	return ps2kbd_key(i8042_kbd(m->b->kbc), k->code, k->pressed);
}

int machine_key(struct machine *m, uint32_t code, bool pressed)
{
	struct key_req k = { code, pressed };

	return call_on_vcpu(m, do_key, &k);
}

static int do_stats(struct machine *m, void *arg)
{
	struct cpu_stats *out = arg, s;

	*out = m->stats;
	if (m->b && m->b->cpu) {
		cpu_get_stats(m->b->cpu, &s);
		add_stats(out, &s);
	}
	return 0;
}

void machine_stats(struct machine *m, struct cpu_stats *out, uint64_t *resets)
{
	memset(out, 0, sizeof(*out));
	call_on_vcpu(m, do_stats, out);
	if (resets) {
		pthread_mutex_lock(&m->lock);
		*resets = m->resets;
		pthread_mutex_unlock(&m->lock);
	}
}

struct pmap *machine_pmap(struct machine *m)
{
	return m->b ? m->b->pm : NULL;
}

struct iobus *machine_iobus(struct machine *m)
{
	return m->b ? m->b->io : NULL;
}
