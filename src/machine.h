/* The PC that a .vmx describes, assembled in one place: RAM and firmware in
 * the pmap, every chip on the I/O bus with its interrupt line, the PCI
 * functions (i440FX, PIIX3, PIIX IDE, PIIX4 PM, stdvga), serial back ends,
 * disks, fw_cfg and CMOS contents for SeaBIOS, and the CPU.
 *
 * Threads: machine_run() is the vCPU thread's body.  machine_request(),
 * machine_capture() and machine_stats() may be called from any other thread;
 * they reach the vCPU thread through a request that it serves between runs
 * of cpu_run(), so no device is touched from two threads at once.
 *
 * A hard reset rebuilds the board (CPU, chips, RAM) from the configuration;
 * the back ends that outlive it (serial connections, open disk images,
 * firmware images, the log) stay. */
#ifndef HOSTVM_MACHINE_H
#define HOSTVM_MACHINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cpu/cpu.h"
#include "vmconfig.h"

struct machine;
struct pmap;
struct iobus;

#define MACHINE_SEABIOS_PATH "/usr/share/seabios/bios-256k.bin"

struct machine_opts {
	/* Attach serial0 (COM1) to the terminal (chardev "stdio"), adding
	 * COM1 when the .vmx has no serial0. */
	bool serial_stdio;
	/* A guest reset (0xCF9, i8042, port 0x92) or triple fault ends the VM
	 * instead of rebooting it (MACHINE_END_RESET / MACHINE_END_TRIPLE_FAULT). */
	bool no_reboot;
	/* Overrides for tests: the BIOS and VGA BIOS images (NULL = from the
	 * configuration or the Debian seabios package). */
	const char *bios_path;
	const char *vgabios_path;
};

/* Why machine_run() returned. */
enum machine_end {
	MACHINE_END_NONE,
	MACHINE_END_POWEROFF,     /* ACPI S5 */
	MACHINE_END_GUEST_EXIT,   /* the exit port; machine_exit_code() */
	MACHINE_END_STOP,         /* machine_request(MACHINE_REQ_STOP) */
	MACHINE_END_TIMEOUT,      /* machine_request(MACHINE_REQ_TIMEOUT) */
	MACHINE_END_RESET,        /* guest reset with no_reboot */
	MACHINE_END_TRIPLE_FAULT, /* shutdown with no_reboot */
	MACHINE_END_ERROR,        /* the CPU or the machine failed */
};

enum machine_req {
	MACHINE_REQ_STOP,     /* hard power-off */
	MACHINE_REQ_TIMEOUT,  /* hard power-off, reported as a timeout */
	MACHINE_REQ_RESET,    /* hard reset */
	MACHINE_REQ_SOFT_STOP,/* ACPI power button if the guest listens, else hard */
};

/* Builds the machine.  On failure returns -errno and writes a message that
 * names the .vmx key and file at fault into err. */
int machine_create(const struct vmcfg *cfg, const struct machine_opts *opts,
		   struct machine **out, char *err, size_t errlen);
void machine_destroy(struct machine *m);   /* accepts NULL */

/* Runs the guest until it ends (vCPU thread). */
enum machine_end machine_run(struct machine *m);
int machine_exit_code(const struct machine *m);   /* for MACHINE_END_GUEST_EXIT */

/* Thread-safe requests. */
void machine_request(struct machine *m, enum machine_req req);
/* Writes the screen to path: a PNG, or the text screen as UTF-8 when path
 * ends in ".txt" (-ENOTSUP in a graphics mode).  Thread-safe. */
int machine_capture(struct machine *m, const char *path);
/* For a console window (thread-safe): renders the display as XRGB8888 into
 * px (at most max_w x max_h) unless *gen already equals the VGA's
 * generation, in which case it returns 1 and leaves px alone; otherwise 0
 * with *w, *h and *gen updated, or -errno. */
int machine_render(struct machine *m, uint32_t *px, unsigned max_w, unsigned max_h,
		   unsigned *w, unsigned *h, uint64_t *gen);
/* A key on the PS/2 keyboard (scan code set 2 make code; 0xE0xx for the
 * extended keys), pressed or released.  Thread-safe. */
int machine_key(struct machine *m, uint32_t code, bool pressed);

/* Counters since power-on, summed over resets.  Thread-safe. */
void machine_stats(struct machine *m, struct cpu_stats *out, uint64_t *resets);

/* For tests, on the vCPU thread or while machine_run() is not running. */
struct pmap *machine_pmap(struct machine *m);
struct iobus *machine_iobus(struct machine *m);
/* Serves pending requests and ends as machine_run() would, without running
 * the CPU: lets tests drive the devices through machine_iobus() and see the
 * outcome.  Returns MACHINE_END_NONE while the machine would keep running. */
enum machine_end machine_poll(struct machine *m);

/* The CMOS and fw_cfg contents (machine_fwcfg.c). */
struct fw_cfg;
struct mc146818;
int machine_fill_cmos(struct mc146818 *rtc, const struct vmcfg *cfg, uint64_t lowmem,
		      uint64_t highmem);
int machine_fill_fwcfg(struct fw_cfg *fc, const struct vmcfg *cfg, uint64_t ram,
		       uint64_t lowmem);
/* The SeaBIOS "bootorder" file for cfg: CD-ROMs first, then disks. */
size_t machine_bootorder(const struct vmcfg *cfg, char *buf, size_t len);

#endif
