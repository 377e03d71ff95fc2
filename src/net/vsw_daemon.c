/* vswitchd: switches, port groups and uplinks built from the configuration,
 * and SIGHUP reload that reconciles the running objects with a new file
 * without touching what did not change. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "vsw_daemon.h"

void vswd_log(struct vswd *d, const char *fmt, ...)
{
	char ts[32];
	time_t now = time(NULL);
	struct tm tm;
	va_list ap;

	(void)d;
	gmtime_r(&now, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm);
	fprintf(stderr, "%s vswitchd: ", ts);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* Peers can connect as often as they like: their log lines are limited to
 * a burst of 20 and then 1 per second, and the number left out is logged
 * with the next line that gets through. */
void vswd_log_peer(struct vswd *d, const char *fmt, ...)
{
	uint64_t now = uv_hrtime();
	char msg[512];
	va_list ap;

	if (d->peer_log_tokens < 20.0)
		d->peer_log_tokens += (double)(now - d->peer_log_last) / 1e9;
	if (d->peer_log_tokens > 20.0 || d->peer_log_last == 0)
		d->peer_log_tokens = 20.0;
	d->peer_log_last = now;
	if (d->peer_log_tokens < 1.0) {
		d->peer_log_dropped++;
		return;
	}
	d->peer_log_tokens -= 1.0;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (d->peer_log_dropped) {
		vswd_log(d, "%s (%llu earlier peer messages not logged)", msg,
			 (unsigned long long)d->peer_log_dropped);
		d->peer_log_dropped = 0;
	} else {
		vswd_log(d, "%s", msg);
	}
}

struct vswd_switch *vswd_find_switch(struct vswd *d, const char *name)
{
	for (int i = 0; i < VSW_MAX_SWITCHES; i++)
		if (d->sw[i] && strcmp(d->sw[i]->name, name) == 0)
			return d->sw[i];
	return NULL;
}

struct vswd_pg *vswd_find_pg(struct vswd *d, const char *name)
{
	for (int i = 0; i < VSW_MAX_PORTGROUPS; i++)
		if (d->pg[i] && strcmp(d->pg[i]->cfg.name, name) == 0)
			return d->pg[i];
	return NULL;
}

/* Explicit failover order: the first uplink in the team order whose link
 * is up (and not set down by vswitchctl) carries the traffic. */
void vswd_team_update(struct vswd_switch *sw)
{
	struct vswd *d = sw->d;
	int ci = vsw_conf_find_switch(&d->conf, sw->name), best = -1;

	int cur = sw->core.active_uplink;
	const struct vswd_port *cu = cur >= 0 && cur < VSW_MAX_PORTS ? sw->port[cur] : NULL;
	bool cur_ok = cu && sw->core.port[cur].uplink && cu->link_up && !cu->admin_down;

	if (ci >= 0) {
		const struct vsw_conf_switch *cs = &d->conf.sw[ci];
		for (int k = 0; k < cs->nteam && best < 0; k++) {
			struct vswd_port *u = d->uplinks[cs->team[k]];
			if (u && u->sw == sw && u->link_up && !u->admin_down)
				best = u->slot;
		}
		/* failback = no: a working uplink keeps the traffic even when
		 * one earlier in the order comes back. */
		if (!cs->failback && cur_ok)
			best = cur;
	}
	if (best != cur) {
		sw->core.active_uplink = best;
		vswd_log(d, "vswitch %s: active uplink %s -> %s", sw->name,
			 cu && cu->uplink >= 0 ? d->conf.up[cu->uplink].name : "none",
			 best >= 0 ? d->conf.up[sw->port[best]->uplink].name : "none");
	}
}

void vswd_pg_apply(struct vswd_pg *pg)
{
	struct vswd *d = pg->d;
	int ci = vsw_conf_find_switch(&d->conf, pg->sw->name);

	if (ci >= 0) {
		struct vsw_conf_pg tmp = pg->cfg;
		tmp.sw = ci;
		vsw_conf_pg_policy(&d->conf, &tmp, &pg->pol);
	}
	for (int i = 0; i < VSW_MAX_PORTS; i++) {
		struct vswd_port *p = pg->sw->port[i];
		if (p && p->pg == pg)
			vswd_port_refresh(p);
	}
}

static void close_pg_ports(struct vswd *d, struct vswd_pg *pg)
{
	struct vswd_port *p = d->ports, *next;
	for (; p; p = next) {
		next = p->next;
		if (p->pg == pg)
			vswd_port_close(p);
	}
}

static void pg_free(struct vswd *d, struct vswd_pg *pg)
{
	close_pg_ports(d, pg);
	vswd_listener_close(pg->vm_l);
	vswd_listener_close(pg->qemu_l);
	free(pg);
}

static int pg_listen(struct vswd *d, struct vswd_pg *pg, bool vm, bool qemu)
{
	int r;
	if (vm) {
		r = vswd_listen(d, &pg->vm_l, pg->cfg.socket, (int)d->conf.socket_mode,
				d->conf.socket_gid, vswd_accept_vm, pg);
		if (r < 0) {
			vswd_log(d, "portgroup \"%s\": cannot listen on %s: %s",
				 pg->cfg.name, pg->cfg.socket, strerror(-r));
			return r;
		}
	}
	if (qemu && pg->cfg.qemu_socket[0]) {
		r = vswd_listen(d, &pg->qemu_l, pg->cfg.qemu_socket, (int)d->conf.socket_mode,
				d->conf.socket_gid, vswd_accept_qemu, pg);
		if (r < 0) {
			vswd_log(d, "portgroup \"%s\": cannot listen on %s: %s",
				 pg->cfg.name, pg->cfg.qemu_socket, strerror(-r));
			return r;
		}
	}
	return 0;
}

static bool uplink_same(const struct vsw_conf *a, const struct vsw_conf_uplink *x,
			const struct vsw_conf *b, const struct vsw_conf_uplink *y)
{
	return strcmp(a->sw[x->sw].name, b->sw[y->sw].name) == 0 &&
	       x->type == y->type && strcmp(x->device, y->device) == 0 &&
	       x->vni == y->vni && strcmp(x->local, y->local) == 0 &&
	       strcmp(x->remote, y->remote) == 0 && x->local_port == y->local_port &&
	       x->remote_port == y->remote_port;
}

/* Bring the running objects in line with configuration *nc. */
static int reconcile(struct vswd *d, const struct vsw_conf *nc)
{
	struct vsw_conf oc = d->conf;
	struct vswd_switch *nsw[VSW_MAX_SWITCHES] = { 0 };
	struct vswd_pg *npg[VSW_MAX_PORTGROUPS] = { 0 };
	struct vswd_port *nup[VSW_MAX_UPLINKS] = { 0 };
	int err = 0;

	/* Switches, matched by name. */
	for (int i = 0; i < nc->nswitch; i++) {
		struct vswd_switch *sw = vswd_find_switch(d, nc->sw[i].name);
		if (!sw) {
			sw = calloc(1, sizeof(*sw));
			if (!sw)
				return -ENOMEM;
			sw->d = d;
			strcpy(sw->name, nc->sw[i].name);
			sw->core.active_uplink = -1;
		}
		sw->pol = nc->sw[i].pol;
		nsw[i] = sw;
	}
	for (int i = 0; i < VSW_MAX_SWITCHES; i++) {
		struct vswd_switch *sw = d->sw[i];
		bool kept = false;
		for (int k = 0; k < nc->nswitch; k++)
			kept |= nsw[k] == sw;
		if (!sw || kept)
			continue;
		for (int s = 0; s < VSW_MAX_PORTS; s++)
			vswd_port_close(sw->port[s]);
		/* Port groups on it go below, since their names are gone too
		 * or they move to another switch. */
		for (int g = 0; g < VSW_MAX_PORTGROUPS; g++)
			if (d->pg[g] && d->pg[g]->sw == sw)
				d->pg[g]->sw = NULL;
		free(sw);
	}

	/* Uplinks: identical ones stay open; changed ones are reopened. */
	for (int i = 0; i < oc.nuplink; i++) {
		struct vswd_port *u = d->uplinks[i];
		int j = vsw_conf_find_uplink(nc, oc.up[i].name);
		if (u && j >= 0 && uplink_same(&oc, &oc.up[i], nc, &nc->up[j])) {
			nup[j] = u;
			u->uplink = j;
		} else {
			vswd_port_close(u);
		}
		d->uplinks[i] = NULL;
	}

	/* Socket permissions apply to listeners made below and, at the end,
	 * to those that stay. */
	d->conf.socket_mode = nc->socket_mode;
	d->conf.socket_gid = nc->socket_gid;
	d->conf.hello_timeout_ms = nc->hello_timeout_ms;

	/* Port groups, matched by name.  Removed ones go first, so that their
	 * sockets are gone before new ones bind (a path may be reused). */
	for (int g = 0; g < VSW_MAX_PORTGROUPS; g++) {
		struct vswd_pg *pg = d->pg[g];
		if (!pg)
			continue;
		int i = vsw_conf_find_pg(nc, pg->cfg.name);
		if (i >= 0 && pg->sw && pg->sw == nsw[nc->pg[i].sw])
			continue;
		/* Gone, or moved to another switch (then it is a new one). */
		pg_free(d, pg);
		d->pg[g] = NULL;
	}
	for (int i = 0; i < nc->npg; i++) {
		const struct vsw_conf_pg *c = &nc->pg[i];
		struct vswd_pg *pg = vswd_find_pg(d, c->name);
		if (!pg) {
			pg = calloc(1, sizeof(*pg));
			if (!pg)
				return -ENOMEM;
			pg->d = d;
			pg->cfg = *c;
			pg->sw = nsw[c->sw];
			npg[i] = pg;
			if (pg_listen(d, pg, true, true) < 0)
				err = -EADDRINUSE;
			continue;
		}
		for (int g = 0; g < VSW_MAX_PORTGROUPS; g++)
			if (d->pg[g] == pg)
				d->pg[g] = NULL;
		bool vm_moved = strcmp(pg->cfg.socket, c->socket) != 0;
		bool qemu_changed = strcmp(pg->cfg.qemu_socket, c->qemu_socket) != 0 ||
				    memcmp(pg->cfg.qemu_mac, c->qemu_mac, 6) != 0;
		if (vm_moved) {
			vswd_listener_close(pg->vm_l);
			pg->vm_l = NULL;
		}
		if (qemu_changed) {
			vswd_listener_close(pg->qemu_l);
			pg->qemu_l = NULL;
			vswd_port_close(pg->qemu_port);
		}
		pg->cfg = *c;
		npg[i] = pg;
		if ((vm_moved || qemu_changed) && pg_listen(d, pg, vm_moved, qemu_changed) < 0)
			err = -EADDRINUSE;
	}

	memcpy(d->sw, nsw, sizeof(nsw));
	memcpy(d->pg, npg, sizeof(npg));
	memcpy(d->uplinks, nup, sizeof(nup));
	d->conf = *nc;
	for (int i = 0; i < nc->nuplink; i++)
		if (!d->uplinks[i] && vswd_uplink_open(d, i) < 0)
			err = err ? err : -EIO;
	for (int i = 0; i < nc->npg; i++) {
		vswd_pg_apply(d->pg[i]);
		vswd_listener_perms(d->pg[i]->vm_l, (int)nc->socket_mode, nc->socket_gid);
		vswd_listener_perms(d->pg[i]->qemu_l, (int)nc->socket_mode, nc->socket_gid);
	}
	if (d->audit_fd >= 0 && strcmp(oc.audit_log, nc->audit_log) != 0 && oc.audit_log[0]) {
		int fd = open(nc->audit_log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
		if (fd >= 0) {
			close(d->audit_fd);
			d->audit_fd = fd;
		} else {
			vswd_log(d, "audit log %s: %s (keeping the old one)", nc->audit_log,
				 strerror(errno));
		}
	}
	for (int i = 0; i < nc->nswitch; i++)
		vswd_team_update(d->sw[i]);
	return err;
}

int vswd_reload(struct vswd *d, char *err, size_t errlen)
{
	struct vsw_conf *nc = malloc(sizeof(*nc));
	if (!nc)
		return -ENOMEM;
	int r = vsw_conf_load(d->conf_path, d->run_dir_opt[0] ? d->run_dir_opt : NULL,
			      nc, err, errlen);
	if (r == 0 && strcmp(nc->run_dir, d->conf.run_dir) != 0) {
		snprintf(err, errlen, "%s: runDir cannot change on reload", d->conf_path);
		r = -EINVAL;
	}
	if (r == 0) {
		r = reconcile(d, nc);
		if (r < 0)
			snprintf(err, errlen, "reloaded with errors (see the log)");
	}
	free(nc);
	return r;
}

static void on_sighup(uv_signal_t *s, int sig)
{
	struct vswd *d = s->data;
	char err[600];
	(void)sig;
	if (vswd_reload(d, err, sizeof(err)) < 0)
		vswd_log(d, "reload: %s", err);
	else
		vswd_log(d, "reloaded %s", d->conf_path);
}

static void on_sigterm(uv_signal_t *s, int sig)
{
	struct vswd *d = s->data;
	vswd_log(d, "signal %d: stopping", sig);
	vswd_stop(d);
}

/* mkdir -p, 0755 for every directory it creates. */
static int mkdir_p(const char *path)
{
	char tmp[VSW_PATH_MAX];
	snprintf(tmp, sizeof(tmp), "%s", path);
	for (char *s = tmp + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(tmp, 0755) < 0 && errno != EEXIST)
			return -errno;
		*s = '/';
	}
	if (mkdir(tmp, 0755) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

int vswd_start(struct vswd *d)
{
	char err[600];
	struct vsw_conf *nc = malloc(sizeof(*nc));
	int r;

	if (!nc)
		return -ENOMEM;
	d->audit_fd = -1;
	r = vsw_conf_load(d->conf_path, d->run_dir_opt[0] ? d->run_dir_opt : NULL, nc,
			  err, sizeof(err));
	if (r < 0) {
		fprintf(stderr, "vswitchd: %s\n", err);
		free(nc);
		return r;
	}
	if (mkdir_p(nc->run_dir) < 0) {
		r = -errno;
		fprintf(stderr, "vswitchd: %s: %s\n", nc->run_dir, strerror(errno));
		free(nc);
		return r;
	}
	d->audit_fd = open(nc->audit_log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	if (d->audit_fd < 0) {
		r = -errno;
		fprintf(stderr, "vswitchd: %s: %s\n", nc->audit_log, strerror(errno));
		free(nc);
		return r;
	}
	d->scratch = malloc(VSWD_SCRATCH);
	if (!d->scratch) {
		free(nc);
		return -ENOMEM;
	}
	strcpy(d->conf.run_dir, nc->run_dir);
	if (vswd_ctl_in_use(d)) {
		fprintf(stderr, "vswitchd: another vswitchd is running in %s\n", nc->run_dir);
		free(nc);
		vswd_stop(d);
		return -EADDRINUSE;
	}
	r = reconcile(d, nc);
	free(nc);
	if (r < 0) {
		fprintf(stderr, "vswitchd: could not set up every socket or uplink\n");
		vswd_stop(d);
		return r;
	}
	r = vswd_ctl_open(d);
	if (r < 0) {
		fprintf(stderr, "vswitchd: control socket: %s\n", strerror(-r));
		vswd_stop(d);
		return r;
	}
	uv_signal_init(d->loop, &d->sighup);
	uv_signal_init(d->loop, &d->sigterm);
	uv_signal_init(d->loop, &d->sigint);
	d->sighup.data = d->sigterm.data = d->sigint.data = d;
	uv_signal_start(&d->sighup, on_sighup, SIGHUP);
	uv_signal_start(&d->sigterm, on_sigterm, SIGTERM);
	uv_signal_start(&d->sigint, on_sigterm, SIGINT);
	uv_timer_init(d->loop, &d->link_timer);
	d->link_timer.data = d;
	uv_timer_start(&d->link_timer, vswd_uplink_poll_links, 100, 100);
	d->started = true;
	return 0;
}

void vswd_stop(struct vswd *d)
{
	if (d->stopping)
		return;
	d->stopping = true;
	while (d->ports)
		vswd_port_close(d->ports);
	for (int i = 0; i < VSW_MAX_PORTGROUPS; i++) {
		if (d->pg[i])
			pg_free(d, d->pg[i]);
		d->pg[i] = NULL;
	}
	for (int i = 0; i < VSW_MAX_SWITCHES; i++) {
		free(d->sw[i]);
		d->sw[i] = NULL;
	}
	vswd_ctl_close(d);
	if (d->started) {
		uv_close((uv_handle_t *)&d->sighup, NULL);
		uv_close((uv_handle_t *)&d->sigterm, NULL);
		uv_close((uv_handle_t *)&d->sigint, NULL);
		uv_close((uv_handle_t *)&d->link_timer, NULL);
	}
	if (d->audit_fd >= 0)
		close(d->audit_fd);
	d->audit_fd = -1;
	free(d->scratch);
	d->scratch = NULL;
}
