/* vsw_config: the vswitchd configuration file (format in vswitchd(8)).
 *
 * An INI-like, line-oriented file:
 *     # comment
 *     [global]            runDir, auditLog, helloTimeout, socketMode,
 *                         socketGroup
 *     [vswitch NAME]      allowPromiscuous, macChanges, forgedTransmits,
 *                         activeUplinks, standbyUplinks, failback
 *     [uplink NAME]       vswitch, type (tap|vxlan), device, vni, local,
 *                         remote, port, localPort, remotePort
 *     [portgroup NAME]    vswitch, vlan, the three policy keys,
 *                         averageBandwidth, peakBandwidth, burstSize,
 *                         socket, qemuSocket, qemuMac
 * Every error names the file and the line. */
#ifndef HOSTVM_VSW_CONFIG_H
#define HOSTVM_VSW_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vsw_core.h"

#define VSW_NAME_MAX 64           /* names: 1..63 bytes */
#define VSW_PATH_MAX 108          /* a unix socket path (sun_path) */
#define VSW_MAX_SWITCHES 16
#define VSW_MAX_UPLINKS 16
#define VSW_MAX_PORTGROUPS 64
#define VSW_VXLAN_PORT 4789
/* Default run directory; a port group's default socket is
 * VSW_RUN_DIR "/<name>.sock", where vmrun's NICs look by default. */
#define VSW_RUN_DIR "/run/hostvm/vswitch"

/* A policy key a port group may leave unset (inherits the vswitch's). */
enum vsw_tristate { VSW_INHERIT = -1, VSW_NO = 0, VSW_YES = 1 };

struct vsw_conf_switch {
	char name[VSW_NAME_MAX];
	struct vsw_policy pol;
	int nteam;                        /* failover order: indexes into uplink[] */
	int team[VSW_MAX_UPLINKS];
	int nactive;                      /* the first nactive of team[] are active */
	bool failback;                    /* return to an earlier uplink (default) */
	int line;
};

enum vsw_uplink_type { VSW_UPLINK_TAP, VSW_UPLINK_VXLAN };

struct vsw_conf_uplink {
	char name[VSW_NAME_MAX];
	int sw;                           /* index into switches[] */
	enum vsw_uplink_type type;
	char device[16];                  /* TAP: interface name (IFNAMSIZ) */
	uint32_t vni;                     /* VXLAN: 24-bit network identifier */
	char local[64], remote[64];       /* VXLAN: IPv4 or IPv6 addresses */
	uint16_t local_port, remote_port;
	int line;
};

struct vsw_shaping {
	bool enabled;
	uint64_t avg_kbps;                /* averageBandwidth, Kbits/s */
	uint64_t peak_kbps;               /* peakBandwidth, Kbits/s */
	uint64_t burst_kb;                /* burstSize, KB */
};

struct vsw_conf_pg {
	char name[VSW_NAME_MAX];
	int sw;                           /* index into switches[] */
	uint16_t vlan;
	int promisc, mac_changes, forged; /* enum vsw_tristate */
	struct vsw_shaping shape;
	char socket[VSW_PATH_MAX];        /* VM (hello) socket */
	char qemu_socket[VSW_PATH_MAX];   /* "" = none */
	uint8_t qemu_mac[6];
	int line;
};

struct vsw_conf {
	char run_dir[VSW_PATH_MAX];
	char audit_log[256];
	unsigned hello_timeout_ms;        /* [global] helloTimeout, default 5000 */
	unsigned socket_mode;             /* [global] socketMode, default 0660 */
	long socket_gid;                  /* [global] socketGroup, -1 = unchanged */
	int nswitch, nuplink, npg;
	struct vsw_conf_switch sw[VSW_MAX_SWITCHES];
	struct vsw_conf_uplink up[VSW_MAX_UPLINKS];
	struct vsw_conf_pg pg[VSW_MAX_PORTGROUPS];
};

/* Parse len bytes of text.  fname is used in error messages; run_dir, if
 * not NULL, overrides [global] runDir (the -d option) before default socket
 * paths are derived.  On error returns -EINVAL and writes
 * "FILE:LINE: message" into err (errlen bytes). */
int vsw_conf_parse(const char *text, size_t len, const char *fname,
		   const char *run_dir, struct vsw_conf *c,
		   char *err, size_t errlen);

/* Read and parse a file; errors as vsw_conf_parse (plus I/O errors). */
int vsw_conf_load(const char *path, const char *run_dir, struct vsw_conf *c,
		  char *err, size_t errlen);

/* The effective policy of port group pg (vswitch policy + overrides). */
void vsw_conf_pg_policy(const struct vsw_conf *c, const struct vsw_conf_pg *pg,
			struct vsw_policy *out);

int vsw_conf_find_switch(const struct vsw_conf *c, const char *name);
int vsw_conf_find_pg(const struct vsw_conf *c, const char *name);
int vsw_conf_find_uplink(const struct vsw_conf *c, const char *name);

/* Whether s is a valid object name (1..63 printable bytes, no '"', '/',
 * '\\', '[', ']', tab, no leading or trailing space). */
bool vsw_name_valid(const char *s);

#endif
