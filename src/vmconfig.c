/* From .vmx keys to a checked description of the VM.  See vmconfig.h. */
#include "config.h"
#include "vmconfig.h"

#include <ctype.h>
#include <errno.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

const char *const vmcfg_known_keys[] = {
	".encoding", "config.version", "virtualHW.version", "displayName", "guestOS",
	"memsize", "numvcpus", "uuid.bios", "uuid.location", "bios440.filename",
	"ide#:#.present", "ide#:#.deviceType", "ide#:#.fileName", "ide#:#.startConnected",
	"ide#.present",
	"serial#.present", "serial#.fileType", "serial#.fileName", "serial#.startConnected",
	"ethernet#.present", "ethernet#.virtualDev", "ethernet#.connectionType",
	"ethernet#.networkName", "ethernet#.addressType", "ethernet#.address",
	"ethernet#.generatedAddress", "ethernet#.startConnected",
	"ethernet#.noPromisc", "ethernet#.downWhenAddrMismatch", "ethernet#.noForgedSrcAddr",
	"ethernet#.vswitchSocket",
	"log.fileName", "log.rotateSize", "vmx.log.rotateSize", "log.keepOld",
	"isolation.tools.log.disable", "isolation.tools.copy.disable",
	"isolation.tools.paste.disable",
	"hostvm.debugPort", "hostvm.debugFile", "hostvm.exitPort",
	NULL,
};

static char *resolve(const struct vmx *v, const char *file)
{
	char *dir, *copy, *out;

	if (file[0] == '/')
		return strdup(file);
	copy = strdup(vmx_path(v));
	if (!copy)
		return NULL;
	dir = dirname(copy);
	if (asprintf(&out, "%s/%s", dir, file) < 0)
		out = NULL;
	free(copy);
	return out;
}

static int dup_value(struct vmx *v, const char *key, const char *def, char **out)
{
	const char *s = vmx_get(v, key);

	*out = NULL;
	if (!s)
		s = def;
	if (!s)
		return 0;
	*out = strdup(s);
	return *out ? 0 : -ENOMEM;
}

/* Keys naming devices that cannot exist (ide2:0, ide0:2, serial4, ...). */
static int check_addresses(struct vmx *v)
{
	const char *key, *value;
	unsigned line;

	for (size_t i = 0; vmx_entry(v, i, &key, &value, &line); i++) {
		unsigned a, b;
		int n = 0;
		if (sscanf(key, "%*[iI]%*[dD]%*[eE]%u:%u.%n", &a, &b, &n) == 2 && n) {
			if (a >= VMCFG_IDE_CHANNELS || b >= VMCFG_IDE_UNITS) {
				vmx_fail(v, key, "%s: there is no IDE device ide%u:%u (channels 0-1, units 0-1)", key, a, b);
				return -EINVAL;
			}
		} else if (!strncasecmp(key, "serial", 6) && isdigit((unsigned char)key[6])) {
			if (strtoul(key + 6, NULL, 10) >= VMCFG_SERIALS) {
				vmx_fail(v, key, "%s: there is no such serial port (serial0-serial3)", key);
				return -EINVAL;
			}
		} else if (!strncasecmp(key, "ethernet", 8) && isdigit((unsigned char)key[8])) {
			if (strtoul(key + 8, NULL, 10) >= VMCFG_ETHERNETS) {
				vmx_fail(v, key, "%s: there is no such network adapter (ethernet0-ethernet9)", key);
				return -EINVAL;
			}
		}
	}
	return 0;
}

static int host_mem_bytes(uint64_t *out)
{
	long pages = sysconf(_SC_PHYS_PAGES), size = sysconf(_SC_PAGESIZE);

	*out = pages > 0 && size > 0 ? (uint64_t)pages * (uint64_t)size : (uint64_t)1 << 30;
	return 0;
}

static int read_ide(struct vmx *v, struct vmcfg *cfg, unsigned c, unsigned u)
{
	char key[64];
	const char *type, *file;
	bool present;
	int err;

	snprintf(key, sizeof(key), "ide%u:%u.present", c, u);
	if ((err = vmx_get_bool(v, key, false, &present)) || !present)
		return err;
	snprintf(key, sizeof(key), "ide%u:%u.deviceType", c, u);
	type = vmx_get(v, key);
	if (!type || !strcasecmp(type, "ata-hardDisk") || !strcasecmp(type, "disk")) {
		cfg->ide[c][u].kind = VMCFG_IDE_DISK;
	} else if (!strcasecmp(type, "cdrom-image")) {
		cfg->ide[c][u].kind = VMCFG_IDE_CDROM;
	} else {
		vmx_fail(v, key, "%s = \"%s\" is not supported (cdrom-image or ata-hardDisk)", key, type);
		return -EINVAL;
	}
	snprintf(key, sizeof(key), "ide%u:%u.startConnected", c, u);
	if ((err = vmx_get_bool(v, key, true, &cfg->ide[c][u].start_connected)))
		return err;
	snprintf(key, sizeof(key), "ide%u:%u.fileName", c, u);
	file = vmx_get(v, key);
	if (!file || !*file) {
		if (cfg->ide[c][u].kind == VMCFG_IDE_DISK) {
			vmx_fail(v, key[0] ? key : "ide", "ide%u:%u is a hard disk but %s is not set", c, u, key);
			return -EINVAL;
		}
		return 0; /* an empty CD-ROM drive */
	}
	cfg->ide[c][u].file = resolve(v, file);
	if (!cfg->ide[c][u].file)
		return -ENOMEM;
	if (cfg->ide[c][u].start_connected && access(cfg->ide[c][u].file, R_OK)) {
		vmx_fail(v, key, "%s = \"%s\": cannot read %s: %s", key, file, cfg->ide[c][u].file, strerror(errno));
		return -ENOENT;
	}
	return 0;
}

static int read_serial(struct vmx *v, struct vmcfg *cfg, unsigned n)
{
	char key[64];
	const char *type, *file;
	bool present;
	int err;

	snprintf(key, sizeof(key), "serial%u.present", n);
	if ((err = vmx_get_bool(v, key, false, &present)) || !present)
		return err;
	snprintf(key, sizeof(key), "serial%u.fileType", n);
	type = vmx_get(v, key);
	if (!type || !strcasecmp(type, "file"))
		cfg->serial[n].kind = VMCFG_SERIAL_FILE;
	else if (!strcasecmp(type, "pipe"))
		cfg->serial[n].kind = VMCFG_SERIAL_PIPE;
	else if (!strcasecmp(type, "network"))
		cfg->serial[n].kind = VMCFG_SERIAL_NETWORK;
	else {
		vmx_fail(v, key, "%s = \"%s\" is not supported (file, pipe or network)", key, type);
		return -EINVAL;
	}
	snprintf(key, sizeof(key), "serial%u.fileName", n);
	file = vmx_get(v, key);
	if (!file || !*file) {
		vmx_fail(v, key, "serial%u is present but %s is not set", n, key);
		return -EINVAL;
	}
	if (cfg->serial[n].kind == VMCFG_SERIAL_NETWORK && strncmp(file, "telnet://", 9)) {
		vmx_fail(v, key, "%s = \"%s\": a network serial port needs telnet://host:port", key, file);
		return -EINVAL;
	}
	cfg->serial[n].file = cfg->serial[n].kind == VMCFG_SERIAL_FILE ? resolve(v, file) : strdup(file);
	return cfg->serial[n].file ? 0 : -ENOMEM;
}

static int read_eth_flag(struct vmx *v, unsigned n, const char *name, bool def, bool *out)
{
	char key[64];

	snprintf(key, sizeof(key), "ethernet%u.%s", n, name);
	return vmx_get_bool(v, key, def, out);
}

static int read_ethernet(struct vmx *v, struct vmcfg *cfg, unsigned n)
{
	char key[64];
	const char *s;
	int err;

	snprintf(key, sizeof(key), "ethernet%u.present", n);
	if ((err = vmx_get_bool(v, key, false, &cfg->eth[n].present)) || !cfg->eth[n].present)
		return err;
	snprintf(key, sizeof(key), "ethernet%u.virtualDev", n);
	if ((err = dup_value(v, key, "e1000", &cfg->eth[n].virtual_dev)))
		return err;
	if (strcasecmp(cfg->eth[n].virtual_dev, "e1000") && strcasecmp(cfg->eth[n].virtual_dev, "vlance")) {
		vmx_fail(v, key, "%s = \"%s\" is not supported (e1000 or vlance)", key, cfg->eth[n].virtual_dev);
		return -EINVAL;
	}
	snprintf(key, sizeof(key), "ethernet%u.connectionType", n);
	s = vmx_get(v, key);
	if (s && strcasecmp(s, "bridged") && strcasecmp(s, "nat") && strcasecmp(s, "hostonly") &&
	    strcasecmp(s, "custom")) {
		vmx_fail(v, key, "%s = \"%s\" is not supported (bridged, nat, hostonly or custom)", key, s);
		return -EINVAL;
	}
	if ((err = dup_value(v, key, NULL, &cfg->eth[n].connection_type)))
		return err;
	snprintf(key, sizeof(key), "ethernet%u.networkName", n);
	if ((err = dup_value(v, key, s && strcasecmp(s, "custom") ? s : NULL, &cfg->eth[n].network)))
		return err;
	if (cfg->eth[n].network && (!*cfg->eth[n].network || strpbrk(cfg->eth[n].network, "/\r\n"))) {
		vmx_fail(v, key, "%s = \"%s\": a port group name is not empty and has no '/'", key,
			 cfg->eth[n].network);
		return -EINVAL;
	}
	if ((err = read_eth_flag(v, n, "startConnected", true, &cfg->eth[n].start_connected)) ||
	    (err = read_eth_flag(v, n, "noPromisc", false, &cfg->eth[n].no_promisc)) ||
	    (err = read_eth_flag(v, n, "downWhenAddrMismatch", false, &cfg->eth[n].down_when_addr_mismatch)) ||
	    (err = read_eth_flag(v, n, "noForgedSrcAddr", false, &cfg->eth[n].no_forged_src)))
		return err;
	snprintf(key, sizeof(key), "ethernet%u.vswitchSocket", n);
	s = vmx_get(v, key);
	if (s) {
		/* sun_path holds 107 bytes and a NUL. */
		cfg->eth[n].vswitch_socket = resolve(v, s);
		if (!cfg->eth[n].vswitch_socket)
			return -ENOMEM;
		if (!*s || strlen(cfg->eth[n].vswitch_socket) > 107) {
			vmx_fail(v, key, "%s = \"%s\": a unix socket path of 1-107 bytes", key, s);
			return -EINVAL;
		}
	}
	snprintf(key, sizeof(key), "ethernet%u.addressType", n);
	s = vmx_get(v, key);
	snprintf(key, sizeof(key), "ethernet%u.%s", n, s && !strcasecmp(s, "static") ? "address" : "generatedAddress");
	if ((err = vmx_get_mac(v, key, cfg->eth[n].mac, &cfg->eth[n].has_mac)))
		return err;
	if (s && !strcasecmp(s, "static")) {
		const uint8_t *m = cfg->eth[n].mac;
		/* VMware reserves 00:50:56:00:00:00-00:50:56:3F:FF:FF for static MACs. */
		if (!cfg->eth[n].has_mac || m[0] != 0x00 || m[1] != 0x50 || m[2] != 0x56 || m[3] > 0x3F) {
			vmx_fail(v, key, "%s must be set to a static MAC in 00:50:56:00:00:00-00:50:56:3F:FF:FF", key);
			return -EINVAL;
		}
	}
	return 0;
}

int vmcfg_from_vmx(struct vmx *v, struct vmcfg *cfg)
{
	uint64_t host_mem, memsize;
	int64_t vcpus, keep, exit_port;
	const char *rot_key;
	int err;

	memset(cfg, 0, sizeof(*cfg));
	if ((err = check_addresses(v)))
		return err;
	if ((err = dup_value(v, "displayName", "Virtual Machine", &cfg->display_name)))
		return err;
	host_mem_bytes(&host_mem);
	if ((err = vmx_get_size(v, "memsize", 1 << 20, 256 << 20, 1 << 20,
				host_mem < ((uint64_t)60 << 30) ? host_mem : ((uint64_t)60 << 30), &memsize)))
		return err;
	if (memsize & ((1 << 20) - 1)) {
		vmx_fail(v, "memsize", "memsize must be a whole number of megabytes");
		return -EINVAL;
	}
	cfg->mem_bytes = memsize;
	if ((err = vmx_get_int(v, "numvcpus", 1, 1, 64, &vcpus)))
		return err;
	if (vcpus != 1) {
		vmx_fail(v, "numvcpus", "numvcpus = \"%lld\": this version of hostvm runs 1 virtual CPU", (long long)vcpus);
		return -EINVAL;
	}
	cfg->vcpus = 1;
	for (unsigned c = 0; c < VMCFG_IDE_CHANNELS; c++)
		for (unsigned u = 0; u < VMCFG_IDE_UNITS; u++)
			if ((err = read_ide(v, cfg, c, u)))
				return err;
	for (unsigned n = 0; n < VMCFG_SERIALS; n++)
		if ((err = read_serial(v, cfg, n)))
			return err;
	for (unsigned n = 0; n < VMCFG_ETHERNETS; n++)
		if ((err = read_ethernet(v, cfg, n)))
			return err;
	if (vmx_get(v, "bios440.filename")) {
		cfg->bios_file = resolve(v, vmx_get(v, "bios440.filename"));
		if (!cfg->bios_file)
			return -ENOMEM;
		if (access(cfg->bios_file, R_OK)) {
			vmx_fail(v, "bios440.filename", "bios440.filename: cannot read %s: %s", cfg->bios_file, strerror(errno));
			return -ENOENT;
		}
	}
	if ((err = vmx_get_bool(v, "hostvm.debugPort", true, &cfg->debug_port)))
		return err;
	if (vmx_get(v, "hostvm.debugFile") && *vmx_get(v, "hostvm.debugFile")) {
		cfg->debug_file = resolve(v, vmx_get(v, "hostvm.debugFile"));
		if (!cfg->debug_file)
			return -ENOMEM;
	}
	if ((err = vmx_get_int(v, "hostvm.exitPort", 0, 0, 0xffff, &exit_port)))
		return err;
	cfg->exit_port = (uint16_t)exit_port;
	cfg->log_file = resolve(v, vmx_get(v, "log.fileName") ? vmx_get(v, "log.fileName") : "vmware.log");
	if (!cfg->log_file)
		return -ENOMEM;
	rot_key = vmx_get(v, "log.rotateSize") ? "log.rotateSize" : "vmx.log.rotateSize";
	if ((err = vmx_get_size(v, rot_key, 1, 0, 0, (uint64_t)1 << 40, &cfg->log_rotate_size)))
		return err;
	if (cfg->log_rotate_size && cfg->log_rotate_size < 4096) {
		vmx_fail(v, rot_key, "%s must be 0 (no rotation) or at least 4096 bytes", rot_key);
		return -EINVAL;
	}
	if ((err = vmx_get_int(v, "log.keepOld", 10, 0, 1000, &keep)))
		return err;
	cfg->log_keep_old = (unsigned)keep;
	return vmx_get_bool(v, "isolation.tools.log.disable", false, &cfg->guest_log_disabled);
}

/* uuid.bios in VMware's spelling: "56 4d xx xx xx xx xx xx-xx xx xx xx xx xx xx xx". */
static int parse_uuid(const char *s, uint8_t u[16])
{
	unsigned n = 0;

	for (const char *p = s; *p && n < 16;) {
		int hi, lo;
		if (*p == ' ' || *p == '-') {
			p++;
			continue;
		}
		hi = isxdigit((unsigned char)p[0]) ? (isdigit((unsigned char)p[0]) ? p[0] - '0' : (tolower(p[0]) - 'a' + 10)) : -1;
		lo = hi >= 0 && isxdigit((unsigned char)p[1]) ? (isdigit((unsigned char)p[1]) ? p[1] - '0' : (tolower(p[1]) - 'a' + 10)) : -1;
		if (lo < 0)
			return -EINVAL;
		u[n++] = (uint8_t)(hi * 16 + lo);
		p += 2;
	}
	return n == 16 ? 0 : -EINVAL;
}

int vmcfg_generate(struct vmx *v, struct vmcfg *cfg, bool *changed)
{
	uint8_t u[16];
	char buf[64], key[64];
	const char *s = vmx_get(v, "uuid.bios");
	int err;

	*changed = false;
	if (s) {
		if (parse_uuid(s, u)) {
			vmx_fail(v, "uuid.bios", "uuid.bios = \"%s\" is not a UUID (16 hex bytes)", s);
			return -EINVAL;
		}
	} else {
		FILE *fp = fopen("/dev/urandom", "rb");
		if (!fp || fread(u, 1, sizeof(u), fp) != sizeof(u)) {
			if (fp)
				fclose(fp);
			return -EIO;
		}
		fclose(fp);
		u[0] = 0x56; /* VMware's UUIDs start 56 4d */
		u[1] = 0x4d;
		snprintf(buf, sizeof(buf), "%02x %02x %02x %02x %02x %02x %02x %02x-%02x %02x %02x %02x %02x %02x %02x %02x",
			 u[0], u[1], u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11], u[12], u[13], u[14], u[15]);
		if ((err = vmx_set(v, "uuid.bios", buf)))
			return err;
		*changed = true;
	}
	for (unsigned n = 0; n < VMCFG_ETHERNETS; n++) {
		uint8_t *m = cfg->eth[n].mac;
		if (!cfg->eth[n].present || cfg->eth[n].has_mac)
			continue;
		/* Like VMware: 00:0c:29, then the UUID's last three bytes, with
		 * the adapter number folded into the final one. */
		m[0] = 0x00, m[1] = 0x0c, m[2] = 0x29;
		m[3] = u[13], m[4] = u[14], m[5] = (uint8_t)(u[15] + n);
		cfg->eth[n].has_mac = true;
		snprintf(key, sizeof(key), "ethernet%u.generatedAddress", n);
		snprintf(buf, sizeof(buf), "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
		if ((err = vmx_set(v, key, buf)))
			return err;
		*changed = true;
	}
	return 0;
}

void vmcfg_fini(struct vmcfg *cfg)
{
	if (!cfg)
		return;
	free(cfg->display_name);
	for (unsigned c = 0; c < VMCFG_IDE_CHANNELS; c++)
		for (unsigned u = 0; u < VMCFG_IDE_UNITS; u++)
			free(cfg->ide[c][u].file);
	for (unsigned n = 0; n < VMCFG_SERIALS; n++)
		free(cfg->serial[n].file);
	for (unsigned n = 0; n < VMCFG_ETHERNETS; n++) {
		free(cfg->eth[n].virtual_dev);
		free(cfg->eth[n].network);
		free(cfg->eth[n].connection_type);
		free(cfg->eth[n].vswitch_socket);
	}
	free(cfg->bios_file);
	free(cfg->debug_file);
	free(cfg->log_file);
	memset(cfg, 0, sizeof(*cfg));
}

void vmcfg_describe(const struct vmcfg *cfg, FILE *out)
{
	static const char *const ser[] = { "", "file", "pipe", "network" };

	fprintf(out, "Name:       %s\n", cfg->display_name);
	fprintf(out, "Memory:     %llu MB\n", (unsigned long long)(cfg->mem_bytes >> 20));
	fprintf(out, "CPUs:       %u\n", cfg->vcpus);
	fprintf(out, "Firmware:   %s\n", cfg->bios_file ? cfg->bios_file : "SeaBIOS (/usr/share/seabios/bios-256k.bin)");
	for (unsigned c = 0; c < VMCFG_IDE_CHANNELS; c++)
		for (unsigned u = 0; u < VMCFG_IDE_UNITS; u++)
			if (cfg->ide[c][u].kind != VMCFG_IDE_NONE)
				fprintf(out, "ide%u:%u:     %s %s%s\n", c, u,
					cfg->ide[c][u].kind == VMCFG_IDE_CDROM ? "CD-ROM" : "hard disk",
					cfg->ide[c][u].file ? cfg->ide[c][u].file : "(empty)",
					cfg->ide[c][u].start_connected ? "" : " (not connected)");
	for (unsigned n = 0; n < VMCFG_SERIALS; n++)
		if (cfg->serial[n].kind != VMCFG_SERIAL_NONE)
			fprintf(out, "serial%u:    %s %s\n", n, ser[cfg->serial[n].kind], cfg->serial[n].file);
	for (unsigned n = 0; n < VMCFG_ETHERNETS; n++) {
		const uint8_t *m = cfg->eth[n].mac;
		if (!cfg->eth[n].present)
			continue;
		fprintf(out, "ethernet%u:  %s on \"%s\"", n, cfg->eth[n].virtual_dev,
			cfg->eth[n].network ? cfg->eth[n].network : "(no network)");
		if (cfg->eth[n].has_mac)
			fprintf(out, " MAC %02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
		if (!cfg->eth[n].start_connected)
			fputs(" (not connected)", out);
		fputc('\n', out);
	}
	if (cfg->exit_port)
		fprintf(out, "Exit port:  0x%x\n", cfg->exit_port);
	if (cfg->debug_file)
		fprintf(out, "Debug port: 0xE9 to %s\n", cfg->debug_file);
	fprintf(out, "Log:        %s (rotate at %llu bytes, keep %u old)%s\n", cfg->log_file,
		(unsigned long long)cfg->log_rotate_size, cfg->log_keep_old,
		cfg->guest_log_disabled ? ", guest logging off" : "");
}
