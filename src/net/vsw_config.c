/* vsw_config: parse the vswitchd configuration file (see vsw_config.h). */
#include "vsw_config.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <arpa/inet.h>

#define CONF_MAX_BYTES (1u << 20)
#define LINE_MAX_BYTES 1024

enum section { SEC_NONE, SEC_GLOBAL, SEC_SWITCH, SEC_UPLINK, SEC_PG };

/* Names referring to other objects are resolved after the whole file is
 * read, so sections may come in any order. */
struct ref {
	char name[VSW_NAME_MAX];
	int line;
};

struct parser {
	const char *fname;
	int line;
	char *err;
	size_t errlen;
	struct vsw_conf *c;
	enum section sec;
	int idx;                                  /* current object */
	bool run_dir_fixed;
	struct ref up_sw[VSW_MAX_UPLINKS];
	struct ref pg_sw[VSW_MAX_PORTGROUPS];
	char team_active[VSW_MAX_SWITCHES][LINE_MAX_BYTES];
	char team_standby[VSW_MAX_SWITCHES][LINE_MAX_BYTES];
	int team_line[VSW_MAX_SWITCHES];
	bool up_has_type[VSW_MAX_UPLINKS], up_has_vni[VSW_MAX_UPLINKS];
	bool pg_has_mac[VSW_MAX_PORTGROUPS];
};

__attribute__((format(printf, 3, 4)))
static int fail(struct parser *p, int line, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (p->errlen)
		snprintf(p->err, p->errlen, "%s:%d: %s", p->fname, line, msg);
	return -EINVAL;
}

bool vsw_name_valid(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n >= VSW_NAME_MAX || s[0] == ' ' || s[n - 1] == ' ')
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];
		if (ch < 0x20 || ch >= 0x7f || strchr("\"/\\[]", ch))
			return false;
	}
	return true;
}

static char *trim(char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	size_t n = strlen(s);
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
		s[--n] = '\0';
	return s;
}

/* Strip one pair of double quotes around a value. */
static char *unquote(char *s)
{
	size_t n = strlen(s);
	if (n >= 2 && s[0] == '"' && s[n - 1] == '"') {
		s[n - 1] = '\0';
		return s + 1;
	}
	return s;
}

static int parse_bool(struct parser *p, const char *key, const char *v, int *out)
{
	static const char *const yes[] = { "true", "yes", "accept", "on", "1" };
	static const char *const no[] = { "false", "no", "reject", "off", "0" };
	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (strcasecmp(v, yes[i]) == 0) {
			*out = 1;
			return 0;
		}
		if (strcasecmp(v, no[i]) == 0) {
			*out = 0;
			return 0;
		}
	}
	return fail(p, p->line, "%s: expected accept/reject (true/false), got \"%s\"",
		    key, v);
}

static int parse_uint(struct parser *p, const char *key, const char *v,
		      uint64_t min, uint64_t max, uint64_t *out)
{
	uint64_t x = 0;

	if (*v == '\0')
		return fail(p, p->line, "%s: empty value", key);
	for (const char *s = v; *s; s++) {
		if (*s < '0' || *s > '9')
			return fail(p, p->line, "%s: \"%s\" is not a decimal number", key, v);
		if (x > (UINT64_MAX - 9) / 10)
			return fail(p, p->line, "%s: %s is too large", key, v);
		x = x * 10 + (uint64_t)(*s - '0');
	}
	if (x < min || x > max)
		return fail(p, p->line, "%s: %s is out of range %llu..%llu", key, v,
			    (unsigned long long)min, (unsigned long long)max);
	*out = x;
	return 0;
}

static int copy_str(struct parser *p, const char *key, char *dst, size_t size,
		    const char *v)
{
	size_t n = strlen(v);
	if (n == 0 || n >= size)
		return fail(p, p->line, "%s: value must be 1..%zu bytes", key, size - 1);
	memcpy(dst, v, n + 1);
	return 0;
}

static int parse_ip(struct parser *p, const char *key, char *dst, const char *v)
{
	struct in6_addr a;
	if (inet_pton(AF_INET, v, &a) != 1 && inet_pton(AF_INET6, v, &a) != 1)
		return fail(p, p->line, "%s: \"%s\" is not an IPv4 or IPv6 address", key, v);
	return copy_str(p, key, dst, 64, v);
}

static bool is_ipv6(const char *s)
{
	return strchr(s, ':') != NULL;
}

static int parse_socket_path(struct parser *p, const char *key, char *dst,
			     const char *v)
{
	if (v[0] != '/')
		return fail(p, p->line, "%s: socket path must be absolute", key);
	if (strlen(v) >= VSW_PATH_MAX)
		return fail(p, p->line, "%s: socket path longer than %d bytes", key,
			    VSW_PATH_MAX - 1);
	return copy_str(p, key, dst, VSW_PATH_MAX, v);
}

static int policy_key(struct parser *p, const char *k, const char *v, int *promisc,
		      int *mac, int *forged, bool *handled)
{
	int *slot = NULL;
	*handled = true;
	if (strcasecmp(k, "allowPromiscuous") == 0)
		slot = promisc;
	else if (strcasecmp(k, "macChanges") == 0)
		slot = mac;
	else if (strcasecmp(k, "forgedTransmits") == 0)
		slot = forged;
	if (!slot) {
		*handled = false;
		return 0;
	}
	return parse_bool(p, k, v, slot);
}

static int switch_key(struct parser *p, const char *k, const char *v)
{
	struct vsw_conf_switch *s = &p->c->sw[p->idx];
	int pr = s->pol.allow_promisc, mc = s->pol.allow_mac_changes,
	    fg = s->pol.allow_forged;
	bool handled;
	int r = policy_key(p, k, v, &pr, &mc, &fg, &handled);
	if (r < 0)
		return r;
	if (handled) {
		s->pol.allow_promisc = pr;
		s->pol.allow_mac_changes = mc;
		s->pol.allow_forged = fg;
		return 0;
	}
	if (strcasecmp(k, "failback") == 0) {
		int fb;
		r = parse_bool(p, k, v, &fb);
		s->failback = fb;
		return r;
	}
	char *dst = NULL;
	if (strcasecmp(k, "activeUplinks") == 0)
		dst = p->team_active[p->idx];
	else if (strcasecmp(k, "standbyUplinks") == 0)
		dst = p->team_standby[p->idx];
	if (!dst)
		return fail(p, p->line, "unknown key \"%s\" in [vswitch]", k);
	p->team_line[p->idx] = p->line;
	snprintf(dst, LINE_MAX_BYTES, "%s", v);
	return 0;
}

static int uplink_key(struct parser *p, const char *k, const char *v)
{
	struct vsw_conf_uplink *u = &p->c->up[p->idx];
	uint64_t x;
	int r;

	if (strcasecmp(k, "vswitch") == 0) {
		p->up_sw[p->idx].line = p->line;
		return copy_str(p, k, p->up_sw[p->idx].name, VSW_NAME_MAX, v);
	}
	if (strcasecmp(k, "type") == 0) {
		if (strcasecmp(v, "tap") == 0)
			u->type = VSW_UPLINK_TAP;
		else if (strcasecmp(v, "vxlan") == 0)
			u->type = VSW_UPLINK_VXLAN;
		else
			return fail(p, p->line, "type: expected tap or vxlan, got \"%s\"", v);
		p->up_has_type[p->idx] = true;
		return 0;
	}
	if (strcasecmp(k, "device") == 0)
		return copy_str(p, k, u->device, sizeof(u->device), v);
	if (strcasecmp(k, "vni") == 0) {
		r = parse_uint(p, k, v, 0, 0xffffff, &x);
		u->vni = (uint32_t)x;
		p->up_has_vni[p->idx] = true;
		return r;
	}
	if (strcasecmp(k, "local") == 0)
		return parse_ip(p, k, u->local, v);
	if (strcasecmp(k, "remote") == 0)
		return parse_ip(p, k, u->remote, v);
	bool lp = strcasecmp(k, "localPort") == 0, rp = strcasecmp(k, "remotePort") == 0;
	if (lp || rp || strcasecmp(k, "port") == 0) {
		r = parse_uint(p, k, v, 1, 65535, &x);
		if (r < 0)
			return r;
		if (!rp)
			u->local_port = (uint16_t)x;
		if (!lp)
			u->remote_port = (uint16_t)x;
		return 0;
	}
	return fail(p, p->line, "unknown key \"%s\" in [uplink]", k);
}

static int pg_key(struct parser *p, const char *k, const char *v)
{
	struct vsw_conf_pg *g = &p->c->pg[p->idx];
	uint64_t x;
	bool handled;
	int r = policy_key(p, k, v, &g->promisc, &g->mac_changes, &g->forged, &handled);

	if (r < 0 || handled)
		return r;
	if (strcasecmp(k, "vswitch") == 0) {
		p->pg_sw[p->idx].line = p->line;
		return copy_str(p, k, p->pg_sw[p->idx].name, VSW_NAME_MAX, v);
	}
	if (strcasecmp(k, "vlan") == 0) {
		r = parse_uint(p, k, v, 0, VSW_VLAN_TRUNK, &x);
		g->vlan = (uint16_t)x;
		return r;
	}
	uint64_t *shape = NULL;
	if (strcasecmp(k, "averageBandwidth") == 0)
		shape = &g->shape.avg_kbps;
	else if (strcasecmp(k, "peakBandwidth") == 0)
		shape = &g->shape.peak_kbps;
	else if (strcasecmp(k, "burstSize") == 0)
		shape = &g->shape.burst_kb;
	if (shape) {
		g->shape.enabled = true;
		return parse_uint(p, k, v, 1, 100000000, shape);
	}
	if (strcasecmp(k, "socket") == 0)
		return parse_socket_path(p, k, g->socket, v);
	if (strcasecmp(k, "qemuSocket") == 0)
		return parse_socket_path(p, k, g->qemu_socket, v);
	if (strcasecmp(k, "qemuMac") == 0) {
		if (vsw_mac_parse(v, g->qemu_mac) < 0 || vsw_mac_is_group(g->qemu_mac))
			return fail(p, p->line, "qemuMac: \"%s\" is not a unicast MAC", v);
		p->pg_has_mac[p->idx] = true;
		return 0;
	}
	return fail(p, p->line, "unknown key \"%s\" in [portgroup]", k);
}

static int global_key(struct parser *p, const char *k, const char *v)
{
	struct vsw_conf *c = p->c;
	if (strcasecmp(k, "runDir") == 0) {
		if (p->run_dir_fixed)
			return 0;
		if (v[0] != '/' || strlen(v) > 80)
			return fail(p, p->line, "runDir: must be an absolute path of at most 80 bytes");
		return copy_str(p, k, c->run_dir, sizeof(c->run_dir), v);
	}
	if (strcasecmp(k, "auditLog") == 0) {
		if (v[0] != '/')
			return fail(p, p->line, "auditLog: must be an absolute path");
		return copy_str(p, k, c->audit_log, sizeof(c->audit_log), v);
	}
	if (strcasecmp(k, "socketMode") == 0) {
		unsigned m = 0;
		size_t n = strlen(v);
		if (n == 0 || n > 4)
			return fail(p, p->line, "socketMode: expected an octal mode such as 0660");
		for (size_t i = 0; i < n; i++) {
			if (v[i] < '0' || v[i] > '7')
				return fail(p, p->line, "socketMode: expected an octal mode such as 0660");
			m = m * 8 + (unsigned)(v[i] - '0');
		}
		if (m > 0777 || !(m & 0600))
			return fail(p, p->line, "socketMode: %s must be at most 0777 and give the owner rw", v);
		c->socket_mode = m;
		return 0;
	}
	if (strcasecmp(k, "socketGroup") == 0) {
		char buf[1024];
		struct group gr, *res = NULL;
		if (getgrnam_r(v, &gr, buf, sizeof(buf), &res) == 0 && res) {
			c->socket_gid = (long)res->gr_gid;
			return 0;
		}
		uint64_t x;
		if (v[0] >= '0' && v[0] <= '9' && parse_uint(p, k, v, 0, 0x7ffffffe, &x) == 0) {
			c->socket_gid = (long)x;
			return 0;
		}
		return fail(p, p->line, "socketGroup: no group \"%s\"", v);
	}
	if (strcasecmp(k, "helloTimeout") == 0) {
		uint64_t x;
		int r = parse_uint(p, k, v, 100, 60000, &x);
		c->hello_timeout_ms = (unsigned)x;
		return r;
	}
	return fail(p, p->line, "unknown key \"%s\" in [global]", k);
}

static int section(struct parser *p, char *s)
{
	struct vsw_conf *c = p->c;
	size_t n = strlen(s);

	if (n < 2 || s[n - 1] != ']')
		return fail(p, p->line, "section header must end with ']'");
	s[n - 1] = '\0';
	s = trim(s + 1);
	char *sp = strpbrk(s, " \t");
	char *name = "";
	if (sp) {
		*sp = '\0';
		name = unquote(trim(sp + 1));
	}
	if (strcasecmp(s, "global") == 0) {
		if (*name)
			return fail(p, p->line, "[global] takes no name");
		p->sec = SEC_GLOBAL;
		return 0;
	}
	if (!vsw_name_valid(name))
		return fail(p, p->line, "[%s] needs a valid name (1..63 printable bytes, no quotes, slashes or brackets)", s);
	if (strcasecmp(s, "vswitch") == 0) {
		if (vsw_conf_find_switch(c, name) >= 0)
			return fail(p, p->line, "duplicate vswitch \"%s\"", name);
		if (c->nswitch >= VSW_MAX_SWITCHES)
			return fail(p, p->line, "more than %d vswitches", VSW_MAX_SWITCHES);
		p->sec = SEC_SWITCH;
		p->idx = c->nswitch++;
		struct vsw_conf_switch *w = &c->sw[p->idx];
		strcpy(w->name, name);
		vsw_policy_default(&w->pol);
		w->failback = true;
		w->line = p->line;
		return 0;
	}
	if (strcasecmp(s, "uplink") == 0) {
		if (vsw_conf_find_uplink(c, name) >= 0)
			return fail(p, p->line, "duplicate uplink \"%s\"", name);
		if (c->nuplink >= VSW_MAX_UPLINKS)
			return fail(p, p->line, "more than %d uplinks", VSW_MAX_UPLINKS);
		p->sec = SEC_UPLINK;
		p->idx = c->nuplink++;
		struct vsw_conf_uplink *u = &c->up[p->idx];
		strcpy(u->name, name);
		u->local[0] = '\0';   /* the wildcard of the remote's family */
		u->local_port = u->remote_port = VSW_VXLAN_PORT;
		u->sw = -1;
		u->line = p->line;
		return 0;
	}
	if (strcasecmp(s, "portgroup") == 0) {
		if (vsw_conf_find_pg(c, name) >= 0)
			return fail(p, p->line, "duplicate portgroup \"%s\"", name);
		if (c->npg >= VSW_MAX_PORTGROUPS)
			return fail(p, p->line, "more than %d port groups", VSW_MAX_PORTGROUPS);
		p->sec = SEC_PG;
		p->idx = c->npg++;
		struct vsw_conf_pg *g = &c->pg[p->idx];
		strcpy(g->name, name);
		g->promisc = g->mac_changes = g->forged = VSW_INHERIT;
		g->sw = -1;
		g->line = p->line;
		return 0;
	}
	return fail(p, p->line, "unknown section [%s]", s);
}

static int line(struct parser *p, char *s)
{
	s = trim(s);
	if (*s == '\0' || *s == '#' || *s == ';')
		return 0;
	if (*s == '[')
		return section(p, s);
	char *eq = strchr(s, '=');
	if (!eq)
		return fail(p, p->line, "expected \"key = value\"");
	*eq = '\0';
	char *k = trim(s), *v = unquote(trim(eq + 1));
	if (*k == '\0')
		return fail(p, p->line, "missing key before '='");
	switch (p->sec) {
	case SEC_GLOBAL:
		return global_key(p, k, v);
	case SEC_SWITCH:
		return switch_key(p, k, v);
	case SEC_UPLINK:
		return uplink_key(p, k, v);
	case SEC_PG:
		return pg_key(p, k, v);
	case SEC_NONE:
		break;
	}
	return fail(p, p->line, "key \"%s\" outside any section", k);
}

/* Append the uplinks named in list (space or comma separated) to switch
 * si's failover order. */
static int team_list(struct parser *p, int si, char *list)
{
	struct vsw_conf *c = p->c;
	struct vsw_conf_switch *w = &c->sw[si];
	for (char *save = NULL, *t = strtok_r(list, " ,\t", &save); t;
	     t = strtok_r(NULL, " ,\t", &save)) {
		int u = vsw_conf_find_uplink(c, t);
		if (u < 0)
			return fail(p, p->team_line[si], "unknown uplink \"%s\"", t);
		if (c->up[u].sw != si)
			return fail(p, p->team_line[si], "uplink \"%s\" belongs to another vswitch", t);
		for (int i = 0; i < w->nteam; i++)
			if (w->team[i] == u)
				return fail(p, p->team_line[si], "uplink \"%s\" listed twice", t);
		w->team[w->nteam++] = u;
	}
	return 0;
}

static int resolve(struct parser *p)
{
	struct vsw_conf *c = p->c;
	int r;

	for (int i = 0; i < c->nuplink; i++) {
		struct vsw_conf_uplink *u = &c->up[i];
		if (!p->up_sw[i].name[0])
			return fail(p, u->line, "uplink \"%s\" has no vswitch", u->name);
		u->sw = vsw_conf_find_switch(c, p->up_sw[i].name);
		if (u->sw < 0)
			return fail(p, p->up_sw[i].line, "unknown vswitch \"%s\"", p->up_sw[i].name);
		if (!p->up_has_type[i])
			return fail(p, u->line, "uplink \"%s\" has no type", u->name);
		if (u->type == VSW_UPLINK_TAP && !u->device[0])
			return fail(p, u->line, "tap uplink \"%s\" has no device", u->name);
		if (u->type == VSW_UPLINK_VXLAN && (!p->up_has_vni[i] || !u->remote[0]))
			return fail(p, u->line, "vxlan uplink \"%s\" needs vni and remote", u->name);
		if (u->type == VSW_UPLINK_VXLAN && !u->local[0])
			strcpy(u->local, is_ipv6(u->remote) ? "::" : "0.0.0.0");
		if (u->type == VSW_UPLINK_VXLAN && is_ipv6(u->local) != is_ipv6(u->remote))
			return fail(p, u->line, "vxlan uplink \"%s\": local and remote are of different address families",
				    u->name);
	}
	for (int i = 0; i < c->nswitch; i++) {
		struct vsw_conf_switch *w = &c->sw[i];
		if ((r = team_list(p, i, p->team_active[i])) < 0)
			return r;
		w->nactive = w->nteam;
		if ((r = team_list(p, i, p->team_standby[i])) < 0)
			return r;
		/* Uplinks not named in the teaming keys are standby, in file order. */
		for (int u = 0; u < c->nuplink; u++) {
			bool listed = false;
			for (int k = 0; k < w->nteam; k++)
				listed |= w->team[k] == u;
			if (c->up[u].sw == i && !listed)
				w->team[w->nteam++] = u;
		}
		if (w->nactive == 0 && w->nteam > 0)
			w->nactive = 1;
	}
	for (int i = 0; i < c->npg; i++) {
		struct vsw_conf_pg *g = &c->pg[i];
		if (!p->pg_sw[i].name[0])
			return fail(p, g->line, "portgroup \"%s\" has no vswitch", g->name);
		g->sw = vsw_conf_find_switch(c, p->pg_sw[i].name);
		if (g->sw < 0)
			return fail(p, p->pg_sw[i].line, "unknown vswitch \"%s\"", p->pg_sw[i].name);
		if (!!g->qemu_socket[0] != p->pg_has_mac[i])
			return fail(p, g->line, "portgroup \"%s\": qemuSocket and qemuMac go together", g->name);
		struct vsw_shaping *sh = &g->shape;
		if (sh->enabled) {
			if (!sh->avg_kbps)
				return fail(p, g->line, "portgroup \"%s\": shaping needs averageBandwidth", g->name);
			if (!sh->peak_kbps)
				sh->peak_kbps = sh->avg_kbps;
			if (!sh->burst_kb)
				sh->burst_kb = (sh->avg_kbps + 7) / 8 / 10 + 2; /* 100 ms */
			if (sh->peak_kbps < sh->avg_kbps)
				return fail(p, g->line, "portgroup \"%s\": peakBandwidth below averageBandwidth", g->name);
		}
		if (!g->socket[0]) {
			int n = snprintf(g->socket, sizeof(g->socket), "%s/%s.sock",
					 c->run_dir, g->name);
			if (n < 0 || (size_t)n >= sizeof(g->socket))
				return fail(p, g->line, "default socket path for \"%s\" too long", g->name);
		}
		for (int j = 0; j < i; j++) {
			const struct vsw_conf_pg *o = &c->pg[j];
			const char *mine[2] = { g->socket, g->qemu_socket };
			const char *theirs[2] = { o->socket, o->qemu_socket };
			for (int a = 0; a < 2; a++)
				for (int b = 0; b < 2; b++)
					if (mine[a][0] && strcmp(mine[a], theirs[b]) == 0)
						return fail(p, g->line, "socket %s already used by portgroup \"%s\"",
							    mine[a], o->name);
		}
		if (g->qemu_socket[0] && strcmp(g->socket, g->qemu_socket) == 0)
			return fail(p, g->line, "socket and qemuSocket are the same path");
	}
	for (int i = 0; i < c->nuplink; i++)
		for (int j = 0; j < i; j++) {
			const struct vsw_conf_uplink *a = &c->up[i], *b = &c->up[j];
			if (a->type == VSW_UPLINK_TAP && b->type == VSW_UPLINK_TAP &&
			    strcmp(a->device, b->device) == 0)
				return fail(p, a->line, "tap device %s already used by uplink \"%s\"",
					    a->device, b->name);
			if (a->type == VSW_UPLINK_VXLAN && b->type == VSW_UPLINK_VXLAN &&
			    a->local_port == b->local_port && strcmp(a->local, b->local) == 0)
				return fail(p, a->line, "UDP %s:%u already used by uplink \"%s\"",
					    a->local, a->local_port, b->name);
		}
	return 0;
}

int vsw_conf_parse(const char *text, size_t len, const char *fname,
		   const char *run_dir, struct vsw_conf *c, char *err, size_t errlen)
{
	struct parser *p = calloc(1, sizeof(*p));
	char buf[LINE_MAX_BYTES + 2];
	int r = 0;

	if (!p)
		return -ENOMEM;
	memset(c, 0, sizeof(*c));
	p->fname = fname;
	p->err = err;
	p->errlen = errlen;
	p->c = c;
	if (errlen)
		err[0] = '\0';
	strcpy(c->run_dir, VSW_RUN_DIR);
	c->hello_timeout_ms = 5000;
	c->socket_mode = 0660;
	c->socket_gid = -1;
	if (run_dir) {
		if (run_dir[0] != '/' || strlen(run_dir) > 80) {
			free(p);
			if (errlen)
				snprintf(err, errlen, "run directory must be an absolute path of at most 80 bytes");
			return -EINVAL;
		}
		strcpy(c->run_dir, run_dir);
		p->run_dir_fixed = true;
	}
	size_t pos = 0;
	while (pos < len && r == 0) {
		size_t end = pos;
		while (end < len && text[end] != '\n')
			end++;
		p->line++;
		if (end - pos > LINE_MAX_BYTES) {
			r = fail(p, p->line, "line longer than %d bytes", LINE_MAX_BYTES);
			break;
		}
		if (memchr(text + pos, '\0', end - pos)) {
			r = fail(p, p->line, "NUL byte in line");
			break;
		}
		memcpy(buf, text + pos, end - pos);
		buf[end - pos] = '\0';
		r = line(p, buf);
		pos = end + 1;
	}
	if (r == 0)
		r = resolve(p);
	if (r == 0 && !c->audit_log[0])
		snprintf(c->audit_log, sizeof(c->audit_log), "%s/audit.log", c->run_dir);
	free(p);
	return r;
}

int vsw_conf_load(const char *path, const char *run_dir, struct vsw_conf *c,
		  char *err, size_t errlen)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0) {
		int e = errno;
		snprintf(err, errlen, "%s: %s", path, strerror(e));
		if (fd >= 0)
			close(fd);
		return -e;
	}
	if (!S_ISREG(st.st_mode) || st.st_size > CONF_MAX_BYTES) {
		snprintf(err, errlen, "%s: not a regular file of at most %u bytes", path,
			 CONF_MAX_BYTES);
		close(fd);
		return -EINVAL;
	}
	char *text = malloc((size_t)st.st_size + 1);
	if (!text) {
		close(fd);
		return -ENOMEM;
	}
	size_t got = 0;
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, text + got, (size_t)st.st_size - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	int r = vsw_conf_parse(text, got, path, run_dir, c, err, errlen);
	free(text);
	return r;
}

void vsw_conf_pg_policy(const struct vsw_conf *c, const struct vsw_conf_pg *pg,
			struct vsw_policy *out)
{
	*out = c->sw[pg->sw].pol;
	if (pg->promisc != VSW_INHERIT)
		out->allow_promisc = pg->promisc;
	if (pg->mac_changes != VSW_INHERIT)
		out->allow_mac_changes = pg->mac_changes;
	if (pg->forged != VSW_INHERIT)
		out->allow_forged = pg->forged;
}

int vsw_conf_find_switch(const struct vsw_conf *c, const char *name)
{
	for (int i = 0; i < c->nswitch; i++)
		if (strcmp(c->sw[i].name, name) == 0)
			return i;
	return -1;
}

int vsw_conf_find_pg(const struct vsw_conf *c, const char *name)
{
	for (int i = 0; i < c->npg; i++)
		if (strcmp(c->pg[i].name, name) == 0)
			return i;
	return -1;
}

int vsw_conf_find_uplink(const struct vsw_conf *c, const char *name)
{
	for (int i = 0; i < c->nuplink; i++)
		if (strcmp(c->up[i].name, name) == 0)
			return i;
	return -1;
}
