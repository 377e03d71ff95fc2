/* vswitchd internals: the daemon's objects and the functions the files of
 * the daemon (vsw_daemon.c, vsw_port.c, vsw_uplink.c, vsw_ctl.c) share. */
#ifndef HOSTVM_VSW_DAEMON_H
#define HOSTVM_VSW_DAEMON_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <uv.h>

#include "vsw_config.h"
#include "vsw_core.h"
#include "vsw_msg.h"

#define VSWD_RXBUF (256u * 1024)       /* per-port receive buffer */
#define VSWD_TXQ (256u * 1024)         /* per-port egress queue, bytes */
#define VSWD_HELLO_BUF 2048u          /* receive buffer before the hello */
#define VSWD_SCRATCH 65536u           /* uplink receive buffer: a whole datagram */

struct vswd;
struct vswd_switch;
struct vswd_pg;

enum vswd_port_kind { VSWD_PORT_VM, VSWD_PORT_QEMU, VSWD_PORT_TAP, VSWD_PORT_VXLAN };

struct vswd_counters {
	uint64_t rx_frames, rx_bytes, tx_frames, tx_bytes;
	uint64_t drops[VSW_DROP_COUNT];
	uint64_t bad_ctrl;                /* unknown control messages, ignored */
};

/* One port: a connected VM NIC, a QEMU client, or an uplink. */
struct vswd_port {
	struct vswd *d;
	enum vswd_port_kind kind;
	struct vswd_switch *sw;           /* NULL until attached */
	int slot;                         /* index in sw->core.port, or -1 */
	struct vswd_pg *pg;               /* VM/QEMU ports */
	int uplink;                       /* uplinks: index into d->conf.up */
	int fd;
	uv_poll_t poll;
	uv_timer_t timer;                 /* hello timeout / shaper resume */
	int poll_events;
	bool hello_done;
	bool closing;
	bool rx_paused;                   /* the shaper stopped reading */
	bool link_up;                     /* uplinks: carrier / admin state */
	bool admin_down;                  /* uplinks: set down by vswitchctl */
	char vm[VSW_NAME_MAX], uuid[VSW_NAME_MAX];
	int nic;
	uint8_t mac[6];                   /* configured MAC (hello / qemuMac) */
	int close_refs;                   /* handles still closing */
	struct vsw_shaping shaper_cfg;    /* what shaper was built from */
	uint8_t *rx;                      /* rx_cap bytes */
	size_t rx_len, rx_cap;
	uint8_t *tx;                      /* ring of VSWD_TXQ bytes */
	size_t tx_head, tx_len;
	bool tx_dirty;                    /* on d->dirty list */
	struct vswd_port *dirty_next;
	struct vsw_shaper shaper;
	struct vswd_counters cnt;
	struct vswd_port *next;           /* d->ports list */
	/* VXLAN */
	uint32_t vni;
	struct sockaddr_storage remote;   /* the peer (IPv4 or IPv6) */
	socklen_t remote_len;
};

struct vswd_switch {
	struct vswd *d;
	char name[VSW_NAME_MAX];
	struct vsw_switch core;
	struct vswd_port *port[VSW_MAX_PORTS];
	struct vsw_policy pol;
};

/* A listening unix socket; heap-allocated so it can outlive its owner
 * until libuv has closed the handle. */
struct vswd_listener {
	int fd;
	uv_poll_t poll;
	char path[VSW_PATH_MAX];
	dev_t dev;                        /* the socket file we bound, so we */
	ino_t ino;                        /* never unlink someone else's */
};

struct vswd_pg {
	struct vswd *d;
	struct vsw_conf_pg cfg;           /* runtime settings (vswitchctl may change) */
	struct vswd_switch *sw;
	struct vsw_policy pol;            /* effective policy */
	struct vswd_listener *vm_l, *qemu_l;   /* NULL when closed */
	struct vswd_port *qemu_port;      /* the one QEMU client, if connected */
};

struct vswd_stats {
	uint64_t bad_hellos;              /* garbage before/instead of a hello */
	uint64_t bad_framing;             /* connections closed for framing */
	uint64_t refused;                 /* connections refused (limits, busy) */
};

struct vswd {
	uv_loop_t *loop;
	char conf_path[4096];
	char run_dir_opt[VSW_PATH_MAX];   /* -d, or "" */
	struct vsw_conf conf;
	struct vswd_switch *sw[VSW_MAX_SWITCHES];
	struct vswd_pg *pg[VSW_MAX_PORTGROUPS];
	struct vswd_port *ports;          /* every port, attached or not */
	struct vswd_port *dirty;          /* ports with queued egress this batch */
	struct vswd_port *uplinks[VSW_MAX_UPLINKS];
	struct vswd_listener *ctl;
	uv_signal_t sighup, sigterm, sigint;
	uv_timer_t link_timer;            /* TAP carrier polling */
	struct vswd_stats stats;
	uint8_t *scratch;                 /* uplink receive buffer, VSWD_SCRATCH bytes */
	int audit_fd;
	double peer_log_tokens;           /* vswd_log_peer rate limit */
	uint64_t peer_log_last, peer_log_dropped;
	bool started;
	bool stopping;
};

/* vsw_daemon.c */
int vswd_start(struct vswd *d);
int vswd_reload(struct vswd *d, char *err, size_t errlen);
void vswd_stop(struct vswd *d);
void vswd_pg_apply(struct vswd_pg *pg);          /* settings -> ports */
void vswd_team_update(struct vswd_switch *sw);   /* pick the active uplink */
struct vswd_pg *vswd_find_pg(struct vswd *d, const char *name);
struct vswd_switch *vswd_find_switch(struct vswd *d, const char *name);
void vswd_log(struct vswd *d, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* A log line caused by a peer (connections): rate-limited. */
void vswd_log_peer(struct vswd *d, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* vsw_port.c */
struct vswd_port *vswd_port_new(struct vswd *d, enum vswd_port_kind kind, int fd);
void vswd_port_close(struct vswd_port *p);
int vswd_port_attach(struct vswd_port *p, struct vswd_switch *sw);
void vswd_port_detach(struct vswd_port *p);
/* Listen on path with the given mode and group (gid -1: unchanged). */
int vswd_listen(struct vswd *d, struct vswd_listener **out, const char *path,
		int mode, long gid, uv_poll_cb cb, void *data);
/* Re-apply mode and group to an open listener's socket file. */
void vswd_listener_perms(struct vswd_listener *l, int mode, long gid);
void vswd_listener_close(struct vswd_listener *l);
void vswd_accept_vm(uv_poll_t *h, int status, int events);
void vswd_accept_qemu(uv_poll_t *h, int status, int events);
/* Switch one frame that arrived on port in; queues copies on egress ports. */
void vswd_switch_frame(struct vswd_port *in, const uint8_t *f, size_t len);
/* Write out every egress queue filled during this batch. */
void vswd_flush(struct vswd *d);
void vswd_port_refresh(struct vswd_port *p);     /* pg settings -> core port */
void vswd_port_set_events(struct vswd_port *p, int events);

/* vsw_uplink.c */
int vswd_uplink_open(struct vswd *d, int idx);
void vswd_uplink_io(struct vswd_port *p, int status, int events);
/* The uplink's poll handle reported an error (libuv stopped it). */
void vswd_uplink_error(struct vswd_port *p);
void vswd_uplink_send(struct vswd_port *p, const struct iovec *iov, int n, size_t len);
void vswd_uplink_poll_links(uv_timer_t *t);

/* vsw_ctl.c */
int vswd_ctl_open(struct vswd *d);
/* Whether a live daemon answers on this run directory's control socket. */
bool vswd_ctl_in_use(struct vswd *d);
void vswd_ctl_close(struct vswd *d);

#endif
