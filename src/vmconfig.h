/* The virtual machine a .vmx describes, checked and typed: what vmrun
 * validates before anything starts. */
#ifndef HOSTVM_VMCONFIG_H
#define HOSTVM_VMCONFIG_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "vmx.h"

#define VMCFG_IDE_CHANNELS 2
#define VMCFG_IDE_UNITS 2
#define VMCFG_SERIALS 4
#define VMCFG_ETHERNETS 10

enum vmcfg_ide_kind { VMCFG_IDE_NONE, VMCFG_IDE_CDROM, VMCFG_IDE_DISK };
enum vmcfg_serial_kind { VMCFG_SERIAL_NONE, VMCFG_SERIAL_FILE, VMCFG_SERIAL_PIPE, VMCFG_SERIAL_NETWORK };

struct vmcfg {
	char *display_name;
	uint64_t mem_bytes;
	unsigned vcpus;
	struct {
		enum vmcfg_ide_kind kind;
		char *file;            /* resolved against the .vmx's directory */
		bool start_connected;
	} ide[VMCFG_IDE_CHANNELS][VMCFG_IDE_UNITS];
	struct {
		enum vmcfg_serial_kind kind;
		char *file;
	} serial[VMCFG_SERIALS];
	struct {
		bool present;
		char *virtual_dev;
		char *network;
		uint8_t mac[6];
		bool has_mac;
		/* ethernetN.connectionType: bridged, nat, hostonly or custom
		 * (NULL when unset).  Without networkName the first three name
		 * the port group ("bridged", "nat", "hostonly"). */
		char *connection_type;
		bool start_connected;          /* default TRUE */
		/* VM-side policy (doc/dev-nic-keys.md); default FALSE. */
		bool no_promisc;
		bool down_when_addr_mismatch;
		bool no_forged_src;
		/* ethernetN.vswitchSocket, resolved against the .vmx's directory;
		 * NULL = NICBE_DEFAULT_DIR "/<networkName>.sock". */
		char *vswitch_socket;
	} eth[VMCFG_ETHERNETS];
	char *bios_file;
	/* Test and debug ports: 0xE9/0x80 present (hostvm.debugPort), a file
	 * receiving the raw 0xE9 bytes (hostvm.debugFile, NULL = none) and the
	 * exit port (hostvm.exitPort, 0 = none). */
	bool debug_port;
	char *debug_file;
	uint16_t exit_port;
	/* Logging. */
	char *log_file;
	uint64_t log_rotate_size;
	unsigned log_keep_old;
	bool guest_log_disabled;
};

/* Checks every key vmrun understands; on failure returns -errno with
 * vmx_error(v) naming file, line and key. */
int vmcfg_from_vmx(struct vmx *v, struct vmcfg *cfg);
void vmcfg_fini(struct vmcfg *cfg);
/* Fills in what VMware generates at power-on when the .vmx lacks it:
 * uuid.bios and, for adapters with addressType "generated", a 00:0c:29 MAC
 * in ethernetN.generatedAddress (derived from the UUID, so stable).  Sets
 * *changed when v needs writing back with vmx_save(). */
int vmcfg_generate(struct vmx *v, struct vmcfg *cfg, bool *changed);

/* Prints what the VM would contain. */
void vmcfg_describe(const struct vmcfg *cfg, FILE *out);

/* The key patterns vmrun knows ('#' = digits), for vmx_report_unknown(). */
extern const char *const vmcfg_known_keys[];

#endif
