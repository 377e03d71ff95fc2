/* vswitchd control socket (vswitchctl's peer).
 *
 * <runDir>/vswitchd.ctl, mode 0600; a peer is served only if SO_PEERCRED
 * says it is root or the daemon's own uid.  A request is one line of
 * tab-separated words; the reply is text lines ending with "OK" or
 * "ERR <message>", then the daemon closes the connection.  Every
 * state-changing request (and every refused peer) is appended to the audit
 * log with the peer's uid and pid and the time. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "vsw_daemon.h"

#define REQ_MAX 4096
#define MAX_WORDS 16

struct ctl_conn {
	struct vswd *d;
	int fd;
	uv_poll_t poll;
	struct ucred cred;
	char in[REQ_MAX];
	size_t in_len;
	char *out;
	size_t out_len, out_cap, out_pos;
	bool replied;
};

__attribute__((format(printf, 2, 3)))
static void out(struct ctl_conn *c, const char *fmt, ...)
{
	va_list ap;
	for (;;) {
		size_t room = c->out_cap - c->out_len;
		va_start(ap, fmt);
		int n = vsnprintf(c->out ? c->out + c->out_len : NULL, c->out ? room : 0, fmt, ap);
		va_end(ap);
		if (n < 0)
			return;
		if (c->out && (size_t)n < room) {
			c->out_len += (size_t)n;
			return;
		}
		size_t cap = c->out_cap ? c->out_cap * 2 : 8192;
		while (cap < c->out_len + (size_t)n + 1)
			cap *= 2;
		char *b = realloc(c->out, cap);
		if (!b)
			return;
		c->out = b;
		c->out_cap = cap;
	}
}

static void audit(struct vswd *d, const struct ucred *cr, const char *what,
		  const char *result)
{
	char ts[32], line[REQ_MAX + 256];
	time_t now = time(NULL);
	struct tm tm;

	if (d->audit_fd < 0)
		return;
	gmtime_r(&now, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm);
	int n = snprintf(line, sizeof(line), "%s uid=%u pid=%d cmd=\"%s\" result=\"%s\"\n",
			 ts, (unsigned)cr->uid, (int)cr->pid, what, result);
	if (n > 0 && write(d->audit_fd, line, (size_t)n < sizeof(line) ? (size_t)n :
			   sizeof(line) - 1) < 0)
		vswd_log(d, "audit log write failed: %s", strerror(errno));
}

static const char *pol_word(bool allow)
{
	return allow ? "accept" : "reject";
}

static void fmt_mac(char *s, const uint8_t m[6])
{
	sprintf(s, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
}

static const char *kind_name(enum vswd_port_kind k)
{
	switch (k) {
	case VSWD_PORT_VM:
		return "vm";
	case VSWD_PORT_QEMU:
		return "qemu";
	case VSWD_PORT_TAP:
		return "tap";
	case VSWD_PORT_VXLAN:
		return "vxlan";
	}
	return "?";
}

static void show_switches(struct ctl_conn *c)
{
	struct vswd *d = c->d;
	for (int i = 0; i < d->conf.nswitch; i++) {
		struct vswd_switch *sw = d->sw[i];
		const struct vsw_conf_switch *cs = &d->conf.sw[i];
		int nports = 0;
		for (int s = 0; s < VSW_MAX_PORTS; s++)
			nports += sw->port[s] != NULL;
		out(c, "vswitch \"%s\" ports=%d promisc=%s mac-changes=%s forged=%s active-uplink=%s failback=%s team=",
		    sw->name, nports, pol_word(sw->pol.allow_promisc), pol_word(sw->pol.allow_mac_changes),
		    pol_word(sw->pol.allow_forged),
		    sw->core.active_uplink >= 0 && sw->port[sw->core.active_uplink] ?
		    d->conf.up[sw->port[sw->core.active_uplink]->uplink].name : "none",
		    cs->failback ? "yes" : "no");
		for (int k = 0; k < cs->nteam; k++)
			out(c, "%s%s(%s)", k ? "," : "", d->conf.up[cs->team[k]].name,
			    k < cs->nactive ? "active" : "standby");
		out(c, "\n");
	}
}

static void show_pgs(struct ctl_conn *c)
{
	struct vswd *d = c->d;
	for (int i = 0; i < d->conf.npg; i++) {
		struct vswd_pg *pg = d->pg[i];
		const struct vsw_shaping *sh = &pg->cfg.shape;
		out(c, "portgroup \"%s\" vswitch=\"%s\" vlan=%u promisc=%s mac-changes=%s forged=%s",
		    pg->cfg.name, pg->sw->name, pg->cfg.vlan, pol_word(pg->pol.allow_promisc),
		    pol_word(pg->pol.allow_mac_changes), pol_word(pg->pol.allow_forged));
		if (sh->enabled)
			out(c, " shaping=%llu/%llu/%llu", (unsigned long long)sh->avg_kbps,
			    (unsigned long long)sh->peak_kbps, (unsigned long long)sh->burst_kb);
		else
			out(c, " shaping=off");
		out(c, " socket=%s", pg->cfg.socket);
		if (pg->cfg.qemu_socket[0]) {
			char m[18];
			fmt_mac(m, pg->cfg.qemu_mac);
			out(c, " qemu-socket=%s qemu-mac=%s", pg->cfg.qemu_socket, m);
		}
		out(c, "\n");
	}
}

static void show_ports(struct ctl_conn *c)
{
	struct vswd *d = c->d;
	for (int i = 0; i < d->conf.nswitch; i++) {
		struct vswd_switch *sw = d->sw[i];
		for (int s = 0; s < VSW_MAX_PORTS; s++) {
			struct vswd_port *p = sw->port[s];
			if (!p)
				continue;
			const struct vsw_port *cp = &sw->core.port[s];
			char m[18], g[18];
			out(c, "port %s/%d kind=%s", sw->name, s, kind_name(p->kind));
			if (cp->uplink) {
				out(c, " uplink=\"%s\" link=%s%s",
				    d->conf.up[p->uplink].name, p->link_up ? "up" : "down",
				    p->admin_down ? "(admin-down)" : "");
			} else {
				fmt_mac(m, cp->mac);
				fmt_mac(g, cp->guest_mac);
				out(c, " portgroup=\"%s\" vm=\"%s\" nic=%d mac=%s guest-mac=%s vlan=%u link=%s",
				    p->pg ? p->pg->cfg.name : "-", p->vm, p->nic, m, g, cp->vlan,
				    p->link_up ? "up" : "down");
			}
			out(c, " rx-frames=%llu rx-bytes=%llu tx-frames=%llu tx-bytes=%llu drops:",
			    (unsigned long long)p->cnt.rx_frames, (unsigned long long)p->cnt.rx_bytes,
			    (unsigned long long)p->cnt.tx_frames, (unsigned long long)p->cnt.tx_bytes);
			for (int r = 1; r < VSW_DROP_COUNT; r++)
				out(c, " %s=%llu", vsw_drop_name(r), (unsigned long long)p->cnt.drops[r]);
			out(c, " bad-ctrl=%llu\n", (unsigned long long)p->cnt.bad_ctrl);
		}
	}
}

static void show_stats(struct ctl_conn *c)
{
	struct vswd_stats *s = &c->d->stats;
	out(c, "bad-hellos=%llu bad-framing=%llu refused=%llu\n",
	    (unsigned long long)s->bad_hellos, (unsigned long long)s->bad_framing,
	    (unsigned long long)s->refused);
}

/* Parse accept/reject/inherit. */
static int policy_value(const char *v, int *out_v)
{
	if (!strcmp(v, "accept") || !strcmp(v, "true") || !strcmp(v, "yes"))
		*out_v = VSW_YES;
	else if (!strcmp(v, "reject") || !strcmp(v, "false") || !strcmp(v, "no"))
		*out_v = VSW_NO;
	else if (!strcmp(v, "inherit"))
		*out_v = VSW_INHERIT;
	else
		return -EINVAL;
	return 0;
}

static int parse_u64(const char *s, uint64_t max, uint64_t *v)
{
	char *end;
	if (!*s || *s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	unsigned long long x = strtoull(s, &end, 10);
	if (errno || *end || x > max)
		return -EINVAL;
	*v = x;
	return 0;
}

/* set-policy vswitch|portgroup NAME promisc|mac-changes|forged VALUE */
static const char *cmd_policy(struct vswd *d, char **w, int n)
{
	int v;
	if (n != 5 || policy_value(w[4], &v) < 0)
		return "usage: set-policy vswitch|portgroup NAME promisc|mac-changes|forged accept|reject|inherit";
	int which = !strcmp(w[3], "promisc") ? 0 : !strcmp(w[3], "mac-changes") ? 1 :
		    !strcmp(w[3], "forged") ? 2 : -1;
	if (which < 0)
		return "unknown policy (promisc, mac-changes, forged)";
	if (!strcmp(w[1], "portgroup")) {
		struct vswd_pg *pg = vswd_find_pg(d, w[2]);
		if (!pg)
			return "no such portgroup";
		int *slot[3] = { &pg->cfg.promisc, &pg->cfg.mac_changes, &pg->cfg.forged };
		*slot[which] = v;
		vswd_pg_apply(pg);
		return NULL;
	}
	if (!strcmp(w[1], "vswitch")) {
		int ci = vsw_conf_find_switch(&d->conf, w[2]);
		if (ci < 0)
			return "no such vswitch";
		if (v == VSW_INHERIT)
			return "a vswitch policy is accept or reject";
		struct vsw_policy *p = &d->conf.sw[ci].pol;
		bool *slot[3] = { &p->allow_promisc, &p->allow_mac_changes, &p->allow_forged };
		*slot[which] = v == VSW_YES;
		d->sw[ci]->pol = *p;
		for (int i = 0; i < d->conf.npg; i++)
			if (d->pg[i]->sw == d->sw[ci])
				vswd_pg_apply(d->pg[i]);
		return NULL;
	}
	return "set-policy applies to a vswitch or a portgroup";
}

static const char *cmd_vlan(struct vswd *d, char **w, int n)
{
	uint64_t v;
	if (n != 3 || parse_u64(w[2], VSW_VLAN_TRUNK, &v) < 0)
		return "usage: set-vlan PORTGROUP 0..4095";
	struct vswd_pg *pg = vswd_find_pg(d, w[1]);
	if (!pg)
		return "no such portgroup";
	pg->cfg.vlan = (uint16_t)v;
	vswd_pg_apply(pg);
	return NULL;
}

static const char *cmd_shaping(struct vswd *d, char **w, int n)
{
	struct vsw_shaping sh = { 0 };
	if (n == 3 && !strcmp(w[2], "off")) {
		sh.enabled = false;
	} else if (n == 5 && parse_u64(w[2], 100000000, &sh.avg_kbps) == 0 &&
		   parse_u64(w[3], 100000000, &sh.peak_kbps) == 0 &&
		   parse_u64(w[4], 100000000, &sh.burst_kb) == 0 && sh.avg_kbps &&
		   sh.peak_kbps >= sh.avg_kbps && sh.burst_kb) {
		sh.enabled = true;
	} else {
		return "usage: set-shaping PORTGROUP off | AVG-KBPS PEAK-KBPS BURST-KB (peak >= avg > 0)";
	}
	struct vswd_pg *pg = vswd_find_pg(d, w[1]);
	if (!pg)
		return "no such portgroup";
	pg->cfg.shape = sh;
	vswd_pg_apply(pg);
	return NULL;
}

static const char *cmd_uplink(struct vswd *d, char **w, int n)
{
	if (n != 3 || (strcmp(w[2], "up") && strcmp(w[2], "down")))
		return "usage: uplink NAME up|down";
	int i = vsw_conf_find_uplink(&d->conf, w[1]);
	if (i < 0)
		return "no such uplink";
	struct vswd_port *p = d->uplinks[i];
	if (!p)
		return "uplink is not open";
	p->admin_down = !strcmp(w[2], "down");
	vswd_port_refresh(p);
	if (p->sw)
		vswd_team_update(p->sw);
	return NULL;
}

static void handle(struct ctl_conn *c, char *req)
{
	struct vswd *d = c->d;
	char *w[MAX_WORDS];
	int n = 0;
	char what[REQ_MAX];

	for (char *save = NULL, *t = strtok_r(req, "\t", &save); t && n < MAX_WORDS;
	     t = strtok_r(NULL, "\t", &save))
		w[n++] = t;
	/* The audit record shows the words separated by spaces, a word with
	 * spaces in single quotes; quotes and control bytes become '?'. */
	size_t wl = 0;
	what[0] = '\0';
	for (int i = 0; i < n && wl + 1 < sizeof(what); i++) {
		bool q = strchr(w[i], ' ') != NULL;
		int k = snprintf(what + wl, sizeof(what) - wl, "%s%s", i ? " " : "", q ? "'" : "");
		if (k < 0 || (size_t)k >= sizeof(what) - wl)
			break;
		wl += (size_t)k;
		for (const char *t = w[i]; *t && wl + 1 < sizeof(what); t++) {
			unsigned char ch = (unsigned char)*t;
			what[wl++] = ch < 0x20 || ch == '"' || ch == '\'' ? '?' : (char)ch;
		}
		if (q && wl + 1 < sizeof(what))
			what[wl++] = '\'';
		what[wl] = '\0';
	}
	if (n == 0) {
		out(c, "ERR empty request\n");
		return;
	}
	if (!strcmp(w[0], "show")) {
		const char *what2 = n > 1 ? w[1] : "all";
		bool all = !strcmp(what2, "all");
		if (all || !strcmp(what2, "switches"))
			show_switches(c);
		if (all || !strcmp(what2, "portgroups"))
			show_pgs(c);
		if (all || !strcmp(what2, "ports"))
			show_ports(c);
		if (all || !strcmp(what2, "stats"))
			show_stats(c);
		if (!all && strcmp(what2, "switches") && strcmp(what2, "portgroups") &&
		    strcmp(what2, "ports") && strcmp(what2, "stats")) {
			out(c, "ERR show switches|portgroups|ports|stats|all\n");
			return;
		}
		out(c, "OK\n");
		return;
	}
	const char *e;
	char errbuf[700];
	if (!strcmp(w[0], "set-policy")) {
		e = cmd_policy(d, w, n);
	} else if (!strcmp(w[0], "set-vlan")) {
		e = cmd_vlan(d, w, n);
	} else if (!strcmp(w[0], "set-shaping")) {
		e = cmd_shaping(d, w, n);
	} else if (!strcmp(w[0], "uplink")) {
		e = cmd_uplink(d, w, n);
	} else if (!strcmp(w[0], "reload") && n == 1) {
		e = vswd_reload(d, errbuf, sizeof(errbuf)) < 0 ? errbuf : NULL;
	} else {
		out(c, "ERR unknown command \"%s\"\n", w[0]);
		return;
	}
	audit(d, &c->cred, what, e ? e : "OK");
	if (e)
		out(c, "ERR %s\n", e);
	else
		out(c, "OK\n");
}

static void conn_closed(uv_handle_t *h)
{
	struct ctl_conn *c = h->data;
	free(c->out);
	free(c);
}

static void conn_close(struct ctl_conn *c)
{
	uv_poll_stop(&c->poll);
	close(c->fd);
	uv_close((uv_handle_t *)&c->poll, conn_closed);
}

static void conn_io(uv_poll_t *h, int status, int events)
{
	struct ctl_conn *c = h->data;

	if (status < 0) {
		conn_close(c);
		return;
	}
	if (!c->replied && (events & UV_READABLE)) {
		ssize_t n = read(c->fd, c->in + c->in_len, sizeof(c->in) - 1 - c->in_len);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		if (n <= 0) {
			conn_close(c);
			return;
		}
		c->in_len += (size_t)n;
		c->in[c->in_len] = '\0';
		char *nl = memchr(c->in, '\n', c->in_len);
		if (!nl && c->in_len < sizeof(c->in) - 1)
			return;
		if (!nl)
			out(c, "ERR request too long\n");
		else {
			*nl = '\0';
			handle(c, c->in);
		}
		c->replied = true;
		uv_poll_start(&c->poll, UV_WRITABLE, conn_io);
		return;
	}
	if (c->replied && (events & UV_WRITABLE)) {
		while (c->out_pos < c->out_len) {
			ssize_t n = send(c->fd, c->out + c->out_pos, c->out_len - c->out_pos,
					 MSG_NOSIGNAL | MSG_DONTWAIT);
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0 && errno == EAGAIN)
				return;
			if (n <= 0)
				break;
			c->out_pos += (size_t)n;
		}
		conn_close(c);
	}
}

static void ctl_accept(uv_poll_t *h, int status, int events)
{
	struct vswd *d = h->data;
	(void)status;
	(void)events;
	for (int i = 0; i < 8; i++) {
		int fd = accept4(d->ctl->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0)
			return;
		struct ctl_conn *c = calloc(1, sizeof(*c));
		socklen_t cl = sizeof(struct ucred);
		if (!c || getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &c->cred, &cl) < 0) {
			free(c);
			close(fd);
			continue;
		}
		c->d = d;
		c->fd = fd;
		if (c->cred.uid != 0 && c->cred.uid != geteuid()) {
			static const char deny[] = "ERR permission denied\n";
			audit(d, &c->cred, "(connect)", "refused: uid not allowed");
			ssize_t w = send(fd, deny, sizeof(deny) - 1, MSG_NOSIGNAL | MSG_DONTWAIT);
			vswd_log_peer(d, "control: refused uid %u pid %d%s", (unsigned)c->cred.uid,
				      (int)c->cred.pid, w < 0 ? " (peer already gone)" : "");
			close(fd);
			free(c);
			continue;
		}
		uv_poll_init(d->loop, &c->poll, fd);
		c->poll.data = c;
		uv_poll_start(&c->poll, UV_READABLE, conn_io);
	}
}

bool vswd_ctl_in_use(struct vswd *d)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int n = snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/vswitchd.ctl", d->conf.run_dir);
	if (n < 0 || (size_t)n >= sizeof(sa.sun_path))
		return false;
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return false;
	bool live = connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0;
	close(fd);
	return live;
}

int vswd_ctl_open(struct vswd *d)
{
	char path[VSW_PATH_MAX];
	int n = snprintf(path, sizeof(path), "%s/vswitchd.ctl", d->conf.run_dir);
	if (n < 0 || (size_t)n >= sizeof(path))
		return -ENAMETOOLONG;
	return vswd_listen(d, &d->ctl, path, 0600, -1, ctl_accept, d);
}

void vswd_ctl_close(struct vswd *d)
{
	vswd_listener_close(d->ctl);
	d->ctl = NULL;
}
