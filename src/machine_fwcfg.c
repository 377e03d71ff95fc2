/* What the firmware learns about the machine: the CMOS bytes a PC BIOS
 * reads (memory sizes, equipment, boot order, CPU count) and the fw_cfg
 * entries SeaBIOS asks for (e820 map, boot order file, CPU counts, boot
 * menu).  ACPI tables are not passed: without "etc/table-loader" Debian's
 * SeaBIOS builds its own RSDP/RSDT/FADT/FACS/DSDT/SSDT for the PIIX4 PM
 * function (see doc/machine.md). */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "dev/fw_cfg.h"
#include "dev/mc146818.h"
#include "machine.h"

/* CMOS offsets (IBM PC/AT and the extensions SeaBIOS reads). */
#define CMOS_FLOPPY       0x10
#define CMOS_EQUIPMENT    0x14
#define CMOS_BASEMEM_LO   0x15
#define CMOS_BASEMEM_HI   0x16
#define CMOS_EXTMEM_LO    0x17
#define CMOS_EXTMEM_HI    0x18
#define CMOS_EXTMEM2_LO   0x30   /* duplicate of 0x17/0x18 */
#define CMOS_EXTMEM2_HI   0x31
#define CMOS_MEM16_LO     0x34   /* RAM above 16 MiB below 4 GiB, 64 KiB units */
#define CMOS_MEM16_HI     0x35
#define CMOS_BOOT_FLAGS   0x38   /* high nibble: third boot device; bit 0: no floppy check */
#define CMOS_BOOT_ORDER   0x3D   /* low nibble first, high nibble second */
#define CMOS_HIGHMEM_LO   0x5B   /* RAM above 4 GiB, 64 KiB units, 24 bits */
#define CMOS_HIGHMEM_MID  0x5C
#define CMOS_HIGHMEM_HI   0x5D
#define CMOS_SMP_COUNT    0x5F   /* CPUs - 1 */

/* Boot device codes in CMOS 0x3D/0x38. */
#define BOOT_FLOPPY 1
#define BOOT_DISK   2
#define BOOT_CDROM  3

static bool has_kind(const struct vmcfg *cfg, enum vmcfg_ide_kind kind)
{
	for (unsigned c = 0; c < VMCFG_IDE_CHANNELS; c++)
		for (unsigned u = 0; u < VMCFG_IDE_UNITS; u++)
			if (cfg->ide[c][u].kind == kind)
				return true;
	return false;
}

int machine_fill_cmos(struct mc146818 *rtc, const struct vmcfg *cfg, uint64_t lowmem,
		      uint64_t highmem)
{
	uint64_t ext_kb = lowmem > (1u << 20) ? (lowmem - (1u << 20)) >> 10 : 0;
	uint64_t above16 = lowmem > (16u << 20) ? (lowmem - (16u << 20)) >> 16 : 0;
	uint64_t high64k = highmem >> 16;
	uint8_t order[3] = { 0, 0, 0 };
	unsigned n = 0;
	int r = 0;

	if (ext_kb > 0xfc00)
		ext_kb = 0xfc00;   /* 63 MiB: what the 16-bit field traditionally holds */
	if (above16 > 0xffff)
		above16 = 0xffff;
	if (high64k > 0xffffff)
		high64k = 0xffffff;
	if (has_kind(cfg, VMCFG_IDE_CDROM))
		order[n++] = BOOT_CDROM;
	if (has_kind(cfg, VMCFG_IDE_DISK))
		order[n++] = BOOT_DISK;
	if (n < 3)
		order[n++] = BOOT_FLOPPY;

	const uint8_t bytes[][2] = {
		{ CMOS_FLOPPY, 0x00 },                 /* no floppy drives */
		/* x87 present (bit 1), PS/2 mouse (bit 2), EGA/VGA (bits 5:4 = 0) */
		{ CMOS_EQUIPMENT, 0x06 },
		{ CMOS_BASEMEM_LO, 640 & 0xff }, { CMOS_BASEMEM_HI, 640 >> 8 },
		{ CMOS_EXTMEM_LO, (uint8_t)ext_kb }, { CMOS_EXTMEM_HI, (uint8_t)(ext_kb >> 8) },
		{ CMOS_EXTMEM2_LO, (uint8_t)ext_kb }, { CMOS_EXTMEM2_HI, (uint8_t)(ext_kb >> 8) },
		{ CMOS_MEM16_LO, (uint8_t)above16 }, { CMOS_MEM16_HI, (uint8_t)(above16 >> 8) },
		{ CMOS_HIGHMEM_LO, (uint8_t)high64k }, { CMOS_HIGHMEM_MID, (uint8_t)(high64k >> 8) },
		{ CMOS_HIGHMEM_HI, (uint8_t)(high64k >> 16) },
		{ CMOS_SMP_COUNT, (uint8_t)(cfg->vcpus ? cfg->vcpus - 1 : 0) },
		{ CMOS_BOOT_ORDER, (uint8_t)(order[0] | order[1] << 4) },
		{ CMOS_BOOT_FLAGS, (uint8_t)(order[2] << 4 | 1) },
	};
	for (size_t i = 0; i < sizeof(bytes) / sizeof(bytes[0]) && !r; i++)
		r = mc146818_set_byte(rtc, bytes[i][0], bytes[i][1]);
	return r;
}

/* OpenFirmware paths as SeaBIOS spells them for the PIIX IDE at 00:01.1:
 * /pci@i0cf8/ide@1,1/drive@CHANNEL/disk@UNIT. */
static size_t add_ide_paths(const struct vmcfg *cfg, enum vmcfg_ide_kind kind, char *buf,
			    size_t len, size_t n)
{
	for (unsigned c = 0; c < VMCFG_IDE_CHANNELS; c++)
		for (unsigned u = 0; u < VMCFG_IDE_UNITS; u++) {
			int k;
			if (cfg->ide[c][u].kind != kind)
				continue;
			k = snprintf(n < len ? buf + n : NULL, n < len ? len - n : 0,
				     "/pci@i0cf8/ide@1,1/drive@%u/disk@%u\n", c, u);
			if (k > 0)
				n += (size_t)k;
		}
	return n;
}

size_t machine_bootorder(const struct vmcfg *cfg, char *buf, size_t len)
{
	size_t n = 0;

	if (len)
		buf[0] = 0;
	n = add_ide_paths(cfg, VMCFG_IDE_CDROM, buf, len, n);
	n = add_ide_paths(cfg, VMCFG_IDE_DISK, buf, len, n);
	return n < len ? n : (len ? len - 1 : 0);
}

int machine_fill_fwcfg(struct fw_cfg *fc, const struct vmcfg *cfg, uint64_t ram,
		       uint64_t lowmem)
{
	char order[512];
	size_t n = machine_bootorder(cfg, order, sizeof(order));
	int r;

	if ((r = fw_cfg_add_i64(fc, FW_CFG_RAM_SIZE, ram)) ||
	    (r = fw_cfg_add_i16(fc, FW_CFG_NB_CPUS, (uint16_t)cfg->vcpus)) ||
	    (r = fw_cfg_add_i16(fc, FW_CFG_MAX_CPUS, (uint16_t)cfg->vcpus)) ||
	    /* No "Press ESC for boot menu" pause: boots start at once. */
	    (r = fw_cfg_add_i16(fc, FW_CFG_BOOT_MENU, 0)) ||
	    (r = fw_cfg_add_e820(fc, ram, lowmem)))
		return r;
	/* SeaBIOS's own count of CPUs present at boot. */
	uint16_t cpus = (uint16_t)cfg->vcpus;
	if ((r = fw_cfg_add_file(fc, "etc/boot-cpus", &cpus, sizeof(cpus))))
		return r;
	/* A boot that finds nothing retries after this many ms (SeaBIOS's
	 * default is a minute); -1 would mean never. */
	uint32_t fail_wait = 5000;
	if ((r = fw_cfg_add_file(fc, "etc/boot-fail-wait", &fail_wait, sizeof(fail_wait))))
		return r;
	/* One path per line, without a newline after the last: SeaBIOS would
	 * read an empty last entry. */
	if (n && order[n - 1] == '\n')
		n--;
	if (n)
		r = fw_cfg_add_file(fc, "bootorder", order, n);
	return r;
}
