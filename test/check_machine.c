/* The assembled machine, driven through its I/O ports like a BIOS would:
 * CMOS memory sizes and boot order, fw_cfg files, the PCI functions and
 * their BARs, interrupt wiring, ACPI soft-off at the PM base the firmware
 * picks, reset and exit events, screen capture, and configuration errors
 * that name the key and the file. */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check_run.h"
#include "dev/iobus.h"
#include "dev/pci.h"
#include "dev/vga.h"
#include "log.h"
#include "machine.h"
#include "mem/pmap.h"
#include "vmconfig.h"
#include "vmx.h"

static char dir[64];
static struct vmx *vx;
static struct vmcfg cfg;
static struct machine *m;
static char err[1024];

/* A 64 KiB ROM whose reset vector runs code (the rest is HLT). */
static void write_rom(const char *name, const uint8_t *code, size_t len, size_t size)
{
	char path[128];
	uint8_t *rom = malloc(size);
	FILE *f;

	ck_assert_ptr_nonnull(rom);
	memset(rom, 0xf4, size);
	memcpy(rom + size - 16, code, len);
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(rom, 1, size, f), size);
	fclose(f);
	free(rom);
}

static void setup(void)
{
	static const uint8_t hlt[] = { 0xf4 };

	strcpy(dir, "/tmp/check_machine.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	write_rom("rom.bin", hlt, sizeof(hlt), 0x10000);
	m = NULL;
	vx = NULL;
	memset(&cfg, 0, sizeof(cfg));
}

static void teardown(void)
{
	char cmd[128];

	machine_destroy(m);
	vmcfg_fini(&cfg);
	vmx_free(vx);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	ck_assert_int_eq(system(cmd), 0);
}

/* Writes the .vmx text and loads it; returns vmcfg_from_vmx's result. */
static int load_vmx(const char *text)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/t.vmx", dir);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
	ck_assert_int_eq(vmx_load(path, &vx, err, sizeof(err)), 0);
	return vmcfg_from_vmx(vx, &cfg);
}

static void make(const char *text, const struct machine_opts *o)
{
	ck_assert_int_eq(load_vmx(text), 0);
	ck_assert_msg(machine_create(&cfg, o, &m, err, sizeof(err)) == 0, "machine_create: %s", err);
}

static uint8_t cmos(unsigned i)
{
	iobus_out(machine_iobus(m), 0x70, 1, i);
	return (uint8_t)iobus_in(machine_iobus(m), 0x71, 1);
}

static uint32_t pci_rd(unsigned devfn, unsigned off, unsigned size)
{
	iobus_out(machine_iobus(m), 0xcf8, 4, 0x80000000u | devfn << 8 | (off & 0xfc));
	return iobus_in(machine_iobus(m), (uint16_t)(0xcfc + (off & 3)), size);
}

static void pci_wr(unsigned devfn, unsigned off, unsigned size, uint32_t v)
{
	iobus_out(machine_iobus(m), 0xcf8, 4, 0x80000000u | devfn << 8 | (off & 0xfc));
	iobus_out(machine_iobus(m), (uint16_t)(0xcfc + (off & 3)), size, v);
}

/* Reads fw_cfg file name into buf; returns its size or -1. */
static int fwcfg_file(const char *name, uint8_t *buf, size_t len)
{
	struct iobus *io = machine_iobus(m);
	uint32_t count = 0;

	iobus_out(io, 0x510, 2, 0x19);
	for (int i = 0; i < 4; i++)
		count = count << 8 | (iobus_in(io, 0x511, 1) & 0xff);
	for (uint32_t e = 0; e < count; e++) {
		uint8_t d[64];
		for (int i = 0; i < 64; i++)
			d[i] = (uint8_t)iobus_in(io, 0x511, 1);
		uint32_t size = (uint32_t)d[0] << 24 | d[1] << 16 | d[2] << 8 | d[3];
		uint16_t sel = (uint16_t)(d[4] << 8 | d[5]);
		if (strncmp((char *)d + 8, name, 56))
			continue;
		iobus_out(io, 0x510, 2, sel);
		for (uint32_t i = 0; i < size && i < len; i++)
			buf[i] = (uint8_t)iobus_in(io, 0x511, 1);
		return (int)size;
	}
	return -1;
}

START_TEST(cmos_memory_and_boot_order)
{
	char text[512];

	snprintf(text, sizeof(text),
		 "memsize = \"128\"\nbios440.filename = \"rom.bin\"\n"
		 "ide0:0.present = \"TRUE\"\nide0:0.fileName = \"disk.img\"\n"
		 "ide1:0.present = \"TRUE\"\nide1:0.deviceType = \"cdrom-image\"\n"
		 "ide1:0.fileName = \"cd.iso\"\n");
	{
		char p[128];
		snprintf(p, sizeof(p), "%s/disk.img", dir);
		FILE *f = fopen(p, "w");
		ck_assert_int_eq(ftruncate(fileno(f), 1 << 20), 0);
		fclose(f);
		snprintf(p, sizeof(p), "%s/cd.iso", dir);
		f = fopen(p, "w");
		ck_assert_int_eq(ftruncate(fileno(f), 2048 * 16), 0);
		fclose(f);
	}
	make(text, NULL);
	/* 640 KiB base, extended memory capped at 0xFC00 KiB, 112 MiB above 16 MiB. */
	ck_assert_uint_eq(cmos(0x15) | cmos(0x16) << 8, 640);
	ck_assert_uint_eq(cmos(0x17) | cmos(0x18) << 8, 0xfc00);
	ck_assert_uint_eq(cmos(0x30) | cmos(0x31) << 8, 0xfc00);
	ck_assert_uint_eq(cmos(0x34) | cmos(0x35) << 8, (128 - 16) * 16);
	ck_assert_uint_eq(cmos(0x5b) | cmos(0x5c) << 8 | cmos(0x5d) << 16, 0);
	ck_assert_uint_eq(cmos(0x5f), 0);
	/* CD-ROM first, then the disk, then floppy. */
	ck_assert_uint_eq(cmos(0x3d), 0x23);
	ck_assert_uint_eq(cmos(0x38) >> 4, 1);

	uint8_t buf[512];
	int n = fwcfg_file("bootorder", buf, sizeof(buf) - 1);
	ck_assert_int_gt(n, 0);
	buf[n] = 0;
	ck_assert_str_eq((char *)buf, "/pci@i0cf8/ide@1,1/drive@1/disk@0\n"
			 "/pci@i0cf8/ide@1,1/drive@0/disk@0");
}
END_TEST

START_TEST(memory_above_4g)
{
	uint8_t e820[64];

	make("memsize = \"4096\"\nbios440.filename = \"rom.bin\"\n", NULL);
	/* 0xE0000000 below the hole: 3568 MiB above 16 MiB; 512 MiB above 4 GiB. */
	ck_assert_uint_eq(cmos(0x34) | cmos(0x35) << 8, (0xE0000000u - (16u << 20)) >> 16);
	ck_assert_uint_eq(cmos(0x5b) | cmos(0x5c) << 8 | cmos(0x5d) << 16, (512u << 20) >> 16);
	ck_assert_int_eq(fwcfg_file("etc/e820", e820, sizeof(e820)), 40);
	uint64_t a0, l0, a1, l1;
	memcpy(&a0, e820, 8);
	memcpy(&l0, e820 + 8, 8);
	memcpy(&a1, e820 + 20, 8);
	memcpy(&l1, e820 + 28, 8);
	ck_assert_uint_eq(a0, 0);
	ck_assert_uint_eq(l0, 0xE0000000u);
	ck_assert_uint_eq(a1, 1ull << 32);
	ck_assert_uint_eq(l1, 512ull << 20);
	ck_assert(pmap_is_ram(machine_pmap(m), 0xDFFFF000u, 4096));
	ck_assert(!pmap_is_ram(machine_pmap(m), 0xE0000000u, 4096));
	ck_assert(pmap_is_ram(machine_pmap(m), (1ull << 32) + (511ull << 20), 4096));
}
END_TEST

START_TEST(fwcfg_for_seabios)
{
	struct iobus *io;
	uint8_t buf[16];
	uint64_t ram = 0;

	make("memsize = \"64\"\nbios440.filename = \"rom.bin\"\n", NULL);
	io = machine_iobus(m);
	iobus_out(io, 0x510, 2, 0x00);
	for (int i = 0; i < 4; i++)
		buf[i] = (uint8_t)iobus_in(io, 0x511, 1);
	ck_assert_int_eq(memcmp(buf, "QEMU", 4), 0);
	iobus_out(io, 0x510, 2, 0x03);
	for (int i = 0; i < 8; i++)
		ram |= (uint64_t)(iobus_in(io, 0x511, 1) & 0xff) << (8 * i);
	ck_assert_uint_eq(ram, 64u << 20);
	/* No boot menu pause. */
	iobus_out(io, 0x510, 2, 0x0e);
	ck_assert_uint_eq(iobus_in(io, 0x511, 1) | iobus_in(io, 0x511, 1) << 8, 0);
	ck_assert_int_eq(fwcfg_file("etc/boot-cpus", buf, sizeof(buf)), 2);
	ck_assert_uint_eq(buf[0], 1);
	/* No disks: no bootorder file. */
	ck_assert_int_eq(fwcfg_file("bootorder", buf, sizeof(buf)), -1);
	/* SeaBIOS builds its own ACPI tables: none are passed. */
	ck_assert_int_eq(fwcfg_file("etc/table-loader", buf, sizeof(buf)), -1);
}
END_TEST

START_TEST(pci_functions)
{
	make("memsize = \"32\"\nbios440.filename = \"rom.bin\"\n", NULL);
	ck_assert_uint_eq(pci_rd(PCI_DEVFN(0, 0), 0, 4), 0x12378086u);
	ck_assert_uint_eq(pci_rd(PCI_DEVFN(1, 0), 0, 4), 0x70008086u);
	ck_assert_uint_eq(pci_rd(PCI_DEVFN(1, 1), 0, 4), 0x70108086u);
	ck_assert_uint_eq(pci_rd(PCI_DEVFN(1, 3), 0, 4), 0x71138086u);
	ck_assert_uint_eq(pci_rd(PCI_DEVFN(2, 0), 0, 4), 0x11111234u);
	ck_assert_uint_eq(pci_rd(PCI_DEVFN(2, 0), 8, 4) >> 8, 0x030000u);
	ck_assert_uint_eq(pci_rd(PCI_DEVFN(3, 0), 0, 4), 0xffffffffu);
	/* stdvga BAR0: 16 MiB prefetchable memory; map it and reach VRAM. */
	pci_wr(PCI_DEVFN(2, 0), 0x10, 4, 0xffffffffu);
	ck_assert_uint_eq(pci_rd(PCI_DEVFN(2, 0), 0x10, 4), 0xff000008u);
	pci_wr(PCI_DEVFN(2, 0), 0x10, 4, 0xfd000000u);
	pci_wr(PCI_DEVFN(2, 0), 0x04, 2, 0x0003);
	pmap_write(machine_pmap(m), 0xfd000000u + 4096, 4, 0x12345678u);
	ck_assert_uint_eq(pmap_read(machine_pmap(m), 0xfd000000u + 4096, 4), 0x12345678u);
	/* The option ROM, when the Debian VGA BIOS is installed. */
	if (access(VGA_ROM_PATH, R_OK) == 0) {
		pci_wr(PCI_DEVFN(2, 0), 0x30, 4, 0xfeb00001u);
		ck_assert_uint_eq(pmap_read(machine_pmap(m), 0xfeb00000u, 2), 0xaa55);
	}
}
END_TEST

START_TEST(serial_irq_reaches_pic)
{
	struct iobus *io;
	char text[256];

	snprintf(text, sizeof(text), "memsize = \"32\"\nbios440.filename = \"rom.bin\"\n"
		 "serial0.present = \"TRUE\"\nserial0.fileName = \"com1.txt\"\n");
	make(text, NULL);
	io = machine_iobus(m);
	/* Master PIC: ICW1-4, all IRQs unmasked. */
	iobus_out(io, 0x20, 1, 0x11);
	iobus_out(io, 0x21, 1, 0x08);
	iobus_out(io, 0x21, 1, 0x04);
	iobus_out(io, 0x21, 1, 0x01);
	iobus_out(io, 0x21, 1, 0x00);
	iobus_out(io, 0x20, 1, 0x0a);  /* OCW3: read IRR */
	ck_assert_uint_eq(iobus_in(io, 0x20, 1) & 0x10, 0);
	/* COM1: OUT2 on, THR-empty interrupt enabled -> IRQ 4. */
	iobus_out(io, 0x3fc, 1, 0x08);
	iobus_out(io, 0x3f9, 1, 0x02);
	ck_assert_uint_eq(iobus_in(io, 0x20, 1) & 0x10, 0x10);
	/* Output reaches the file back end. */
	iobus_out(io, 0x3f8, 1, 'Z');
	char p[128], c = 0;
	snprintf(p, sizeof(p), "%s/com1.txt", dir);
	for (int i = 0; i < 200 && c != 'Z'; i++) {
		FILE *f = fopen(p, "r");
		if (f) {
			c = (char)fgetc(f);
			fclose(f);
		}
		if (c != 'Z')
			usleep(5000);
	}
	ck_assert_int_eq(c, 'Z');
}
END_TEST

/* Every byte the keyboard controller hands over is a new IRQ 1 edge: after
 * the 8259 took the first one, the next queued byte must raise it again. */
START_TEST(keyboard_bytes_are_edges)
{
	struct iobus *io;

	make("memsize = \"32\"\nbios440.filename = \"rom.bin\"\n", NULL);
	io = machine_iobus(m);
	iobus_out(io, 0x20, 1, 0x11);
	iobus_out(io, 0x21, 1, 0x08);
	iobus_out(io, 0x21, 1, 0x04);
	iobus_out(io, 0x21, 1, 0x01);
	iobus_out(io, 0x21, 1, 0x00);
	iobus_out(io, 0x64, 1, 0x60);   /* command byte: KBD interrupt, translation */
	iobus_out(io, 0x60, 1, 0x45);
	iobus_out(io, 0x60, 1, 0xf2);   /* GET ID: ACK, then two ID bytes */
	for (int i = 0; i < 3; i++) {
		iobus_out(io, 0x20, 1, 0x0c);   /* poll = INTA: takes the request */
		ck_assert_uint_eq(iobus_in(io, 0x20, 1), 0x81);
		iobus_out(io, 0x20, 1, 0x20);   /* EOI */
		ck_assert_uint_eq(iobus_in(io, 0x64, 1) & 1, 1);
		(void)iobus_in(io, 0x60, 1);
	}
	iobus_out(io, 0x20, 1, 0x0a);
	ck_assert_uint_eq(iobus_in(io, 0x20, 1) & 0x02, 0);
}
END_TEST

START_TEST(acpi_poweroff_follows_pmba)
{
	struct iobus *io;

	make("memsize = \"32\"\nbios440.filename = \"rom.bin\"\n", NULL);
	io = machine_iobus(m);
	/* Before the firmware enables the PM block nothing answers there. */
	ck_assert_uint_eq(iobus_in(io, 0xb004, 2), 0xffff);
	/* SeaBIOS's own tables: PMBA 0xB000, PMREGMISC bit 0. */
	pci_wr(PCI_DEVFN(1, 3), 0x40, 4, 0xb001);
	pci_wr(PCI_DEVFN(1, 3), 0x80, 1, 0x01);
	ck_assert_uint_ne(iobus_in(io, 0xb004, 2), 0xffff);
	/* SLP_EN with a type other than \_S5's is not a power-off. */
	iobus_out(io, 0xb004, 2, 5 << 10 | 0x2000);
	ck_assert_int_eq(machine_poll(m), MACHINE_END_NONE);
	/* Moved to 0x600 (QEMU's tables): the old base goes away. */
	pci_wr(PCI_DEVFN(1, 3), 0x40, 4, 0x0601);
	ck_assert_uint_eq(iobus_in(io, 0xb004, 2), 0xffff);
	iobus_out(io, 0x604, 2, 0 << 10 | 0x2000);
	ck_assert_int_eq(machine_poll(m), MACHINE_END_POWEROFF);
}
END_TEST

START_TEST(apm_port_enables_acpi)
{
	struct iobus *io;

	make("memsize = \"32\"\nbios440.filename = \"rom.bin\"\n", NULL);
	io = machine_iobus(m);
	/* Nothing happens before the firmware places the PM block. */
	iobus_out(io, 0xb2, 1, 0xf1);
	ck_assert_uint_eq(iobus_in(io, 0xb2, 1), 0xf1);
	pci_wr(PCI_DEVFN(1, 3), 0x40, 4, 0xb001);
	pci_wr(PCI_DEVFN(1, 3), 0x80, 1, 0x01);
	ck_assert_uint_eq(iobus_in(io, 0xb004, 2) & 1, 0);
	/* ACPI_ENABLE / ACPI_DISABLE as the FADT names them: SCI_EN follows. */
	iobus_out(io, 0xb2, 1, 0xf1);
	ck_assert_uint_eq(iobus_in(io, 0xb004, 2) & 1, 1);
	ck_assert_int_eq(machine_poll(m), MACHINE_END_NONE);
	iobus_out(io, 0xb2, 1, 0xf0);
	ck_assert_uint_eq(iobus_in(io, 0xb004, 2) & 1, 0);
	/* Other commands and the status port leave PM1a_CNT alone. */
	iobus_out(io, 0xb2, 1, 0x55);
	iobus_out(io, 0xb3, 1, 0xa5);
	ck_assert_uint_eq(iobus_in(io, 0xb3, 1), 0xa5);
	ck_assert_uint_eq(iobus_in(io, 0xb004, 2) & 1, 0);
}
END_TEST

/* A CPU that keeps a page marked as code after a write (other translations
 * on it remain): the write must still reach RAM. */
static void keep_code(void *opaque, gpa_t gpa, size_t len)
{
	(void)opaque;
	(void)gpa;
	(void)len;
}

START_TEST(write_to_code_page_lands)
{
	struct pmap *pm;
	uint8_t buf[8] = { 1, 2, 3, 4, 5, 6, 7, 8 }, back[8];

	make("memsize = \"32\"\nbios440.filename = \"rom.bin\"\n", NULL);
	pm = machine_pmap(m);
	pmap_set_code_hook(pm, keep_code, NULL);
	/* Ordinary RAM. */
	pmap_set_code(pm, 0x5000);
	pmap_write(pm, 0x5010, 4, 0xcafef00d);
	ck_assert_uint_eq(pmap_read(pm, 0x5010, 4), 0xcafef00d);
	pmap_write_buf(pm, 0x5100, buf, sizeof(buf));
	pmap_read_buf(pm, 0x5100, back, sizeof(back));
	ck_assert_int_eq(memcmp(buf, back, sizeof(buf)), 0);
	pmap_write(pm, 0x5ffe, 4, 0x11223344);   /* straddles into the next page */
	ck_assert_uint_eq(pmap_read(pm, 0x5ffe, 4), 0x11223344);
	ck_assert(pmap_is_code(pm, 0x5000));
	/* Shadow RAM that held code while it was ROM, after the PAM flip. */
	pmap_set_code(pm, 0xe0000);
	pci_wr(PCI_DEVFN(0, 0), 0x5c, 4, 0x33333333);
	pmap_write(pm, 0xe0010, 1, 0x5a);
	ck_assert_uint_eq(pmap_read(pm, 0xe0010, 1), 0x5a);
	/* ROM stays read-only, code mark or not. */
	pmap_set_code(pm, 0xf0000);
	uint32_t rom = pmap_read(pm, 0xf0010, 4);
	pmap_write(pm, 0xf0010, 4, ~rom);
	ck_assert_uint_eq(pmap_read(pm, 0xf0010, 4), rom);
	pmap_set_code_hook(pm, NULL, NULL);
}
END_TEST

START_TEST(reset_rebuilds_or_ends)
{
	struct machine_opts o = { .no_reboot = true };
	struct cpu_stats s;
	uint64_t resets = 9;

	make("memsize = \"32\"\nbios440.filename = \"rom.bin\"\n", NULL);
	pmap_write(machine_pmap(m), 0x1000, 4, 0xdeadbeef);
	iobus_out(machine_iobus(m), 0xcf9, 1, 0x06);
	ck_assert_int_eq(machine_poll(m), MACHINE_END_NONE);
	machine_stats(m, &s, &resets);
	ck_assert_uint_eq(resets, 1);
	/* A hard reset starts from fresh RAM and firmware state. */
	ck_assert_uint_eq(pmap_read(machine_pmap(m), 0x1000, 4), 0);
	ck_assert_uint_eq(cmos(0x15) | cmos(0x16) << 8, 640);
	/* i8042 pulse (command 0xFE) with --no-reboot ends the machine. */
	machine_destroy(m);
	m = NULL;
	vmcfg_fini(&cfg);
	vmx_free(vx);
	make("memsize = \"32\"\nbios440.filename = \"rom.bin\"\n", &o);
	iobus_out(machine_iobus(m), 0x64, 1, 0xfe);
	ck_assert_int_eq(machine_poll(m), MACHINE_END_RESET);
}
END_TEST

START_TEST(exit_port_and_run)
{
	/* mov al, 7; out 0xf4, al; hlt at the reset vector. */
	static const uint8_t code[] = { 0xb0, 0x07, 0xe6, 0xf4, 0xf4 };

	write_rom("exit.bin", code, sizeof(code), 0x20000);
	make("memsize = \"16\"\nbios440.filename = \"exit.bin\"\nhostvm.exitPort = \"0xf4\"\n", NULL);
	ck_assert_int_eq(machine_run(m), MACHINE_END_GUEST_EXIT);
	ck_assert_int_eq(machine_exit_code(m), 7);
	struct cpu_stats s;
	machine_stats(m, &s, NULL);
	ck_assert_uint_ge(s.insns, 2);
}
END_TEST

START_TEST(exit_port_clash_named)
{
	ck_assert_int_eq(load_vmx("memsize = \"16\"\nbios440.filename = \"rom.bin\"\nhostvm.exitPort = \"0x60\"\n"), 0);
	ck_assert_int_lt(machine_create(&cfg, NULL, &m, err, sizeof(err)), 0);
	ck_assert_ptr_nonnull(strstr(err, "hostvm.exitPort"));
}
END_TEST

START_TEST(bad_bios_size_named)
{
	static const uint8_t hlt[] = { 0xf4 };

	write_rom("short.bin", hlt, sizeof(hlt), 0x3000);
	ck_assert_int_eq(load_vmx("memsize = \"16\"\nbios440.filename = \"short.bin\"\n"), 0);
	ck_assert_int_eq(machine_create(&cfg, NULL, &m, err, sizeof(err)), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "bios440.filename"));
	ck_assert_ptr_nonnull(strstr(err, "short.bin"));
	ck_assert_ptr_nonnull(strstr(err, "64, 128 or 256 KiB"));
}
END_TEST

START_TEST(bad_disk_named)
{
	char p[128];
	FILE *f;

	/* A VMDK descriptor whose extent is missing: readable, not openable. */
	snprintf(p, sizeof(p), "%s/broken.vmdk", dir);
	f = fopen(p, "w");
	fputs("# Disk DescriptorFile\nversion=1\nCID=fffffffe\nparentCID=ffffffff\n"
	      "createType=\"monolithicFlat\"\nRW 2048 FLAT \"missing-flat.vmdk\" 0\n", f);
	fclose(f);
	ck_assert_int_eq(load_vmx("memsize = \"16\"\nbios440.filename = \"rom.bin\"\n"
				  "ide0:1.present = \"TRUE\"\nide0:1.fileName = \"broken.vmdk\"\n"), 0);
	ck_assert_int_lt(machine_create(&cfg, NULL, &m, err, sizeof(err)), 0);
	ck_assert_ptr_nonnull(strstr(err, "ide0:1.fileName"));
	ck_assert_ptr_nonnull(strstr(err, "broken.vmdk"));
}
END_TEST

START_TEST(capture_text_and_png)
{
	struct iobus *io;
	char p[128], buf[256];
	FILE *f;

	make("memsize = \"16\"\nbios440.filename = \"rom.bin\"\n", NULL);
	io = machine_iobus(m);
	/* 80x25 colour text, as the VGA BIOS sets mode 3. */
	iobus_out(io, 0x3c2, 1, 0x67);
	const uint8_t sq[][2] = { { 1, 0 }, { 2, 3 }, { 4, 2 } };
	for (size_t i = 0; i < 3; i++)
		iobus_out(io, 0x3c4, 1, sq[i][0]), iobus_out(io, 0x3c5, 1, sq[i][1]);
	const uint8_t cr[][2] = { { 0x11, 0 }, { 1, 0x4f }, { 7, 0x1f }, { 9, 0x4f }, { 0x12, 0x8f },
				  { 0x13, 0x28 }, { 0x0a, 0x20 } };
	for (size_t i = 0; i < sizeof(cr) / 2; i++)
		iobus_out(io, 0x3d4, 1, cr[i][0]), iobus_out(io, 0x3d5, 1, cr[i][1]);
	iobus_out(io, 0x3ce, 1, 5), iobus_out(io, 0x3cf, 1, 0x10);
	iobus_out(io, 0x3ce, 1, 6), iobus_out(io, 0x3cf, 1, 0x0e);
	for (unsigned i = 0; i < 80 * 25; i++)
		pmap_write(machine_pmap(m), 0xb8000 + i * 2, 2, 0x0720);
	const char *msg = "GRUB menu here";
	for (unsigned i = 0; msg[i]; i++)
		pmap_write(machine_pmap(m), 0xb8000 + 160 + i * 2, 2, 0x0700 | (uint8_t)msg[i]);
	snprintf(p, sizeof(p), "%s/screen.txt", dir);
	ck_assert_int_eq(machine_capture(m, p), 0);
	f = fopen(p, "r");
	ck_assert_ptr_nonnull(f);
	ck_assert_ptr_nonnull(fgets(buf, sizeof(buf), f));
	ck_assert_str_eq(buf, "\n");
	ck_assert_ptr_nonnull(fgets(buf, sizeof(buf), f));
	ck_assert_str_eq(buf, "GRUB menu here\n");
	fclose(f);
	snprintf(p, sizeof(p), "%s/screen.png", dir);
	ck_assert_int_eq(machine_capture(m, p), 0);
	f = fopen(p, "rb");
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fread(buf, 1, 8, f), 8);
	fclose(f);
	ck_assert_int_eq(memcmp(buf, "\x89PNG\r\n\x1a\n", 8), 0);
	/* A graphics mode has no text to capture. */
	iobus_out(io, 0x3ce, 1, 6), iobus_out(io, 0x3cf, 1, 0x05);
	snprintf(p, sizeof(p), "%s/gfx.txt", dir);
	ck_assert_int_eq(machine_capture(m, p), -ENOTSUP);
}
END_TEST

START_TEST(console_render_and_keys)
{
	struct iobus *io;
	uint32_t *px = calloc(1024 * 768, 4);
	unsigned w = 0, h = 0;
	uint64_t gen = ~0ull;

	ck_assert_ptr_nonnull(px);
	make("memsize = \"16\"\nbios440.filename = \"rom.bin\"\n", NULL);
	io = machine_iobus(m);
	/* The first call renders; an unchanged display is reported as such. */
	ck_assert_int_eq(machine_render(m, px, 1024, 768, &w, &h, &gen), 0);
	ck_assert_int_eq(machine_render(m, px, 1024, 768, &w, &h, &gen), 1);
	/* Any register write may change the picture. */
	iobus_out(io, 0x3c4, 1, 1);
	iobus_out(io, 0x3c5, 1, 0x01);
	ck_assert_int_eq(machine_render(m, px, 1024, 768, &w, &h, &gen), 0);
	/* Keys reach the guest through the i8042 (translated to set 1). */
	iobus_out(io, 0x64, 1, 0x60);
	iobus_out(io, 0x60, 1, 0x45);
	iobus_out(io, 0x60, 1, 0xf4);   /* enable scanning */
	ck_assert_uint_eq(iobus_in(io, 0x60, 1), 0xfa);
	ck_assert_int_eq(machine_key(m, 0x1c, true), 0);    /* A */
	ck_assert_int_eq(machine_key(m, 0x1c, false), 0);
	ck_assert_int_eq(machine_key(m, 0xe075, true), 0);  /* Up */
	ck_assert_uint_eq(iobus_in(io, 0x60, 1), 0x1e);
	ck_assert_uint_eq(iobus_in(io, 0x60, 1), 0x9e);
	ck_assert_uint_eq(iobus_in(io, 0x60, 1), 0xe0);
	ck_assert_uint_eq(iobus_in(io, 0x60, 1), 0x48);
	ck_assert_int_eq(machine_key(m, 0x1ff, true), -EINVAL);
	free(px);
}
END_TEST

START_TEST(bootorder_text)
{
	char buf[256];

	memset(&cfg, 0, sizeof(cfg));
	cfg.ide[0][1].kind = VMCFG_IDE_DISK;
	cfg.ide[1][1].kind = VMCFG_IDE_CDROM;
	ck_assert_uint_eq(machine_bootorder(&cfg, buf, sizeof(buf)), strlen(buf));
	ck_assert_str_eq(buf, "/pci@i0cf8/ide@1,1/drive@1/disk@1\n/pci@i0cf8/ide@1,1/drive@0/disk@1\n");
	/* Truncated output stays a terminated string. */
	ck_assert_uint_eq(machine_bootorder(&cfg, buf, 10), 9);
	ck_assert_uint_eq(strlen(buf), 9);
	memset(&cfg, 0, sizeof(cfg));
}
END_TEST

static Suite *machine_suite(void)
{
	Suite *s = suite_create("machine");
	TCase *tc = tcase_create("machine");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, cmos_memory_and_boot_order);
	tcase_add_test(tc, memory_above_4g);
	tcase_add_test(tc, fwcfg_for_seabios);
	tcase_add_test(tc, pci_functions);
	tcase_add_test(tc, serial_irq_reaches_pic);
	tcase_add_test(tc, keyboard_bytes_are_edges);
	tcase_add_test(tc, acpi_poweroff_follows_pmba);
	tcase_add_test(tc, apm_port_enables_acpi);
	tcase_add_test(tc, write_to_code_page_lands);
	tcase_add_test(tc, reset_rebuilds_or_ends);
	tcase_add_test(tc, exit_port_and_run);
	tcase_add_test(tc, exit_port_clash_named);
	tcase_add_test(tc, bad_bios_size_named);
	tcase_add_test(tc, bad_disk_named);
	tcase_add_test(tc, capture_text_and_png);
	tcase_add_test(tc, console_render_and_keys);
	tcase_add_test(tc, bootorder_text);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	log_set_level(LOG_ERROR);
	return check_run(machine_suite());
}
