/* vswitchd ports: connection handling, the hello, the receive parser,
 * switching through vsw_core and the bounded egress queues.
 *
 * Sockets are non-blocking and watched with uv_poll; each port reads into
 * one large buffer and parses every complete message in it, and each egress
 * queue is a byte ring of VSWD_TXQ bytes written with one writev per batch,
 * so there is no per-frame allocation or system call. */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <unistd.h>

#include "vsw_daemon.h"
#include "vsw_proto.h"

#define MAX_UNATTACHED 256   /* connections still waiting for their hello */
#define READS_PER_EVENT 4    /* fairness between busy ports */
#define container_of(ptr, type, member) \
	((type *)(void *)((char *)(ptr) - offsetof(type, member)))

static void port_io(uv_poll_t *h, int status, int events);

static void put_be32(uint8_t *b, uint32_t v)
{
	b[0] = (uint8_t)(v >> 24);
	b[1] = (uint8_t)(v >> 16);
	b[2] = (uint8_t)(v >> 8);
	b[3] = (uint8_t)v;
}

static void handle_closed(uv_handle_t *h)
{
	struct vswd_port *p = h->data;
	/* Both handles (poll, timer) are closed before the port is freed. */
	if (--p->close_refs > 0)
		return;
	free(p->rx);
	free(p->tx);
	free(p);
}

struct vswd_port *vswd_port_new(struct vswd *d, enum vswd_port_kind kind, int fd)
{
	struct vswd_port *p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	p->d = d;
	p->kind = kind;
	p->fd = fd;
	p->slot = -1;
	p->uplink = -1;
	p->link_up = true;
	/* A VM port gets a small buffer for its hello and the full buffers
	 * only once it is attached, so unauthenticated connections are cheap. */
	if (kind == VSWD_PORT_VM || kind == VSWD_PORT_QEMU) {
		p->rx_cap = kind == VSWD_PORT_VM ? VSWD_HELLO_BUF : VSWD_RXBUF;
		p->rx = malloc(p->rx_cap);
		if (!p->rx) {
			free(p);
			return NULL;
		}
	}
	if (uv_poll_init(d->loop, &p->poll, fd) < 0) {
		free(p->rx);
		free(p->tx);
		free(p);
		return NULL;
	}
	uv_timer_init(d->loop, &p->timer);
	p->poll.data = p;
	p->timer.data = p;
	p->next = d->ports;
	d->ports = p;
	return p;
}

void vswd_port_set_events(struct vswd_port *p, int events)
{
	if (p->closing || events == p->poll_events)
		return;
	p->poll_events = events;
	if (events)
		uv_poll_start(&p->poll, events, port_io);
	else
		uv_poll_stop(&p->poll);
}

/* The events a VM/QEMU port wants now. */
static void port_update_events(struct vswd_port *p)
{
	int ev = 0;
	if (!p->rx_paused)
		ev |= UV_READABLE;
	if (p->tx_len)
		ev |= UV_WRITABLE;
	vswd_port_set_events(p, ev);
}

void vswd_port_close(struct vswd_port *p)
{
	struct vswd *d;

	if (!p || p->closing)
		return;
	d = p->d;
	vswd_port_detach(p);
	if (p->pg && p->pg->qemu_port == p)
		p->pg->qemu_port = NULL;
	for (struct vswd_port **pp = &d->ports; *pp; pp = &(*pp)->next)
		if (*pp == p) {
			*pp = p->next;
			break;
		}
	for (struct vswd_port **pp = &d->dirty; *pp; pp = &(*pp)->dirty_next)
		if (*pp == p) {
			*pp = p->dirty_next;
			break;
		}
	for (int i = 0; i < VSW_MAX_UPLINKS; i++)
		if (d->uplinks[i] == p)
			d->uplinks[i] = NULL;
	p->closing = true;
	uv_poll_stop(&p->poll);
	uv_timer_stop(&p->timer);
	close(p->fd);
	p->fd = -1;
	p->close_refs = 2;
	uv_close((uv_handle_t *)&p->poll, handle_closed);
	uv_close((uv_handle_t *)&p->timer, handle_closed);
}

void vswd_port_refresh(struct vswd_port *p)
{
	if (!p->sw || p->slot < 0)
		return;
	struct vsw_port *cp = &p->sw->core.port[p->slot];
	if (p->pg) {
		cp->vlan = p->pg->cfg.vlan;
		cp->pol = p->pg->pol;
		if (p->shaper.enabled != p->pg->cfg.shape.enabled ||
		    p->shaper_cfg.avg_kbps != p->pg->cfg.shape.avg_kbps ||
		    p->shaper_cfg.peak_kbps != p->pg->cfg.shape.peak_kbps ||
		    p->shaper_cfg.burst_kb != p->pg->cfg.shape.burst_kb) {
			p->shaper_cfg = p->pg->cfg.shape;
			vsw_shaper_init(&p->shaper, &p->shaper_cfg, uv_hrtime());
		}
	}
	cp->active = p->link_up && !p->admin_down;
}

int vswd_port_attach(struct vswd_port *p, struct vswd_switch *sw)
{
	int slot = -1;
	bool vm = p->kind == VSWD_PORT_VM || p->kind == VSWD_PORT_QEMU;

	if (vm && !p->tx) {
		uint8_t *rx = realloc(p->rx, VSWD_RXBUF);
		if (!rx)
			return -ENOMEM;
		p->rx = rx;
		p->rx_cap = VSWD_RXBUF;
		p->tx = malloc(VSWD_TXQ);
		if (!p->tx)
			return -ENOMEM;
	}
	for (int i = 0; i < VSW_MAX_PORTS; i++)
		if (!sw->port[i]) {
			slot = i;
			break;
		}
	if (slot < 0)
		return -ENOSPC;
	struct vsw_port *cp = &sw->core.port[slot];
	memset(cp, 0, sizeof(*cp));
	cp->uplink = p->kind == VSWD_PORT_TAP || p->kind == VSWD_PORT_VXLAN;
	memcpy(cp->mac, p->mac, 6);
	memcpy(cp->guest_mac, p->mac, 6);
	sw->port[slot] = p;
	p->sw = sw;
	p->slot = slot;
	vswd_port_refresh(p);
	if (cp->uplink)
		vswd_team_update(sw);
	return 0;
}

void vswd_port_detach(struct vswd_port *p)
{
	struct vswd_switch *sw = p->sw;
	if (!sw || p->slot < 0)
		return;
	bool uplink = sw->core.port[p->slot].uplink;
	memset(&sw->core.port[p->slot], 0, sizeof(sw->core.port[0]));
	sw->port[p->slot] = NULL;
	p->sw = NULL;
	p->slot = -1;
	if (uplink)
		vswd_team_update(sw);
}

/* Best-effort control message straight to the socket (hello replies). */
static void send_ctrl(struct vswd_port *p, const char *text)
{
	size_t n = strlen(text);
	uint8_t hdr[4];
	put_be32(hdr, VSW_PROTO_CTRL | (uint32_t)n);
	struct iovec iov[2] = { { hdr, 4 }, { (void *)text, n } };
	struct msghdr m = { .msg_iov = iov, .msg_iovlen = 2 };
	if (sendmsg(p->fd, &m, MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
		return;
}

static bool mac_in_use(struct vswd_switch *sw, const uint8_t mac[6])
{
	for (int i = 0; i < VSW_MAX_PORTS; i++)
		if (sw->port[i] && !sw->core.port[i].uplink &&
		    memcmp(sw->core.port[i].mac, mac, 6) == 0)
			return true;
	return false;
}

/* Handle the hello; returns false if the port was closed. */
static bool do_hello(struct vswd_port *p, const uint8_t *msg, size_t len)
{
	struct vswd *d = p->d;
	struct vsw_hello h;
	const char *why;
	char reply[96];

	if (vsw_hello_parse(msg, len, &h, &why) < 0) {
		d->stats.bad_hellos++;
		snprintf(reply, sizeof(reply), "ERR %s\n", why);
	} else if (!p->pg || strcmp(h.portgroup, p->pg->cfg.name) != 0) {
		d->stats.refused++;
		snprintf(reply, sizeof(reply), "ERR portgroup does not match this socket\n");
	} else if (mac_in_use(p->pg->sw, h.mac)) {
		d->stats.refused++;
		snprintf(reply, sizeof(reply), "ERR mac in use on this vswitch\n");
	} else {
		memcpy(p->mac, h.mac, 6);
		strcpy(p->vm, h.vm);
		strcpy(p->uuid, h.uuid);
		p->nic = h.nic;
		if (vswd_port_attach(p, p->pg->sw) < 0) {
			d->stats.refused++;
			snprintf(reply, sizeof(reply), "ERR vswitch full\n");
		} else {
			p->hello_done = true;
			uv_timer_stop(&p->timer);
			snprintf(reply, sizeof(reply), "OK %d\n", p->slot);
			send_ctrl(p, reply);
			vswd_log_peer(d, "port %s/%d: vm \"%s\" nic %d portgroup \"%s\"",
				 p->sw->name, p->slot, p->vm, p->nic, p->pg->cfg.name);
			return true;
		}
	}
	send_ctrl(p, reply);
	vswd_port_close(p);
	return false;
}

/* A control message on a VM port; returns false if the port was closed. */
static bool do_ctrl(struct vswd_port *p, const uint8_t *msg, size_t len)
{
	if (p->kind != VSWD_PORT_VM) {
		p->d->stats.bad_framing++;
		vswd_port_close(p);
		return false;
	}
	if (!p->hello_done)
		return do_hello(p, msg, len);
	struct vsw_ctrl c;
	vsw_ctrl_parse(msg, len, &c);
	if (c.kind == VSW_CTRL_MAC && p->sw) {
		memcpy(p->sw->core.port[p->slot].guest_mac, c.mac, 6);
	} else if (c.kind == VSW_CTRL_LINK) {
		p->link_up = c.up;
		vswd_port_refresh(p);
	} else {
		p->cnt.bad_ctrl++;
	}
	return true;
}

static void shaper_resume(uv_timer_t *t);

/* Parse and switch every complete message in the receive buffer.  Returns
 * false if the port was closed. */
static bool parse_rx(struct vswd_port *p)
{
	size_t pos = 0;

	for (;;) {
		const uint8_t *b = p->rx + pos;
		enum vsw_msg_kind k;
		uint32_t len;
		int used = vsw_msg_next(b, p->rx_len - pos,
					!p->hello_done && p->kind == VSWD_PORT_VM, &k, &len);
		if (used < 0) {
			if (!p->hello_done && p->kind == VSWD_PORT_VM)
				p->d->stats.bad_hellos++;
			else
				p->d->stats.bad_framing++;
			vswd_port_close(p);
			return false;
		}
		if (used == 0)
			break;
		if (k == VSW_MSG_CTRL) {
			if (!do_ctrl(p, b + 4, len))
				return false;
		} else {
			/* Frames the switch will drop anyway (runts, oversize)
			 * are not shaped: they could never fit the buckets. */
			bool shape = p->shaper.enabled && len >= VSW_ETH_MIN && len <= VSW_ETH_MAX;
			uint64_t now = shape ? uv_hrtime() : 0;
			if (shape && !vsw_shaper_take(&p->shaper, len, now)) {
				uint64_t ns = vsw_shaper_wait(&p->shaper, len, now);
				p->rx_paused = true;
				uv_timer_start(&p->timer, shaper_resume, (ns + 999999) / 1000000, 0);
				break;
			}
			vswd_switch_frame(p, b + 4, len);
		}
		pos += 4 + (size_t)len;
	}
	if (pos) {
		memmove(p->rx, p->rx + pos, p->rx_len - pos);
		p->rx_len -= pos;
	}
	return true;
}

static void shaper_resume(uv_timer_t *t)
{
	struct vswd_port *p = t->data;
	struct vswd *d = p->d;
	p->rx_paused = false;
	if (parse_rx(p))
		port_update_events(p);
	vswd_flush(d);
}

static void hello_timeout(uv_timer_t *t)
{
	struct vswd_port *p = t->data;
	p->d->stats.bad_hellos++;
	vswd_port_close(p);
}

static void port_read(struct vswd_port *p)
{
	for (int i = 0; i < READS_PER_EVENT && !p->rx_paused; i++) {
		if (p->rx_len == p->rx_cap) {
			/* Cannot happen with well-formed limits (a message is
			 * smaller than the buffer); never spin on it. */
			p->d->stats.bad_framing++;
			vswd_port_close(p);
			return;
		}
		ssize_t n = read(p->fd, p->rx + p->rx_len, p->rx_cap - p->rx_len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (n <= 0) {
			/* EOF (also a half-closed peer) or an error: the
			 * port is gone; frames already complete still count. */
			parse_rx(p);
			vswd_port_close(p);
			return;
		}
		p->rx_len += (size_t)n;
		if (!parse_rx(p))
			return;
		if ((size_t)n < p->rx_cap / 2)
			break;
	}
	port_update_events(p);
}

/* Switch whatever the peer still had in flight, then close. */
static void drain_and_close(struct vswd_port *p)
{
	for (int i = 0; i < 64 && !p->closing && !p->rx_paused; i++) {
		if (p->rx_len == p->rx_cap)
			break;
		ssize_t n = read(p->fd, p->rx + p->rx_len, p->rx_cap - p->rx_len);
		if (n <= 0)
			break;
		p->rx_len += (size_t)n;
		if (!parse_rx(p))
			return;
	}
	vswd_port_close(p);
}

static void port_write(struct vswd_port *p)
{
	while (p->tx_len) {
		struct iovec iov[2];
		int n = 1;
		size_t first = VSWD_TXQ - p->tx_head;
		if (first >= p->tx_len) {
			iov[0] = (struct iovec){ p->tx + p->tx_head, p->tx_len };
		} else {
			iov[0] = (struct iovec){ p->tx + p->tx_head, first };
			iov[1] = (struct iovec){ p->tx, p->tx_len - first };
			n = 2;
		}
		struct msghdr m = { .msg_iov = iov, .msg_iovlen = (size_t)n };
		ssize_t w = sendmsg(p->fd, &m, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (w <= 0) {
			/* The peer is gone; what it sent before still counts. */
			drain_and_close(p);
			return;
		}
		p->tx_head = (p->tx_head + (size_t)w) % VSWD_TXQ;
		p->tx_len -= (size_t)w;
	}
	if (p->tx_len == 0)
		p->tx_head = 0;
	port_update_events(p);
}

static void port_io(uv_poll_t *h, int status, int events)
{
	struct vswd_port *p = h->data;
	struct vswd *d = p->d;

	if (p->kind == VSWD_PORT_TAP || p->kind == VSWD_PORT_VXLAN) {
		if (status < 0) {
			/* libuv stopped the handle on EPOLLERR. */
			vswd_uplink_error(p);
			return;
		}
		vswd_uplink_io(p, status, events);
		vswd_flush(d);
		return;
	}
	if (status < 0 && status != UV_EAGAIN) {
		/* libuv reports EPOLLERR (a peer that closed with our data
		 * unread) as an error without reading: its last frames are
		 * still in the socket. */
		drain_and_close(p);
		vswd_flush(d);
		return;
	}
	/* Input first: a peer that sent its last frames and closed must have
	 * them switched before a failing write closes the port. */
	if (events & (UV_READABLE | UV_DISCONNECT))
		port_read(p);
	if (!p->closing && (events & UV_WRITABLE))
		port_write(p);
	vswd_flush(d);
}

/* Append bytes to p's egress ring; the caller checked the space. */
static void ring_put(struct vswd_port *p, const void *src, size_t n)
{
	size_t tail = (p->tx_head + p->tx_len) % VSWD_TXQ;
	size_t first = VSWD_TXQ - tail;
	if (first > n)
		first = n;
	memcpy(p->tx + tail, src, first);
	memcpy(p->tx, (const uint8_t *)src + first, n - first);
	p->tx_len += n;
}

static void egress(struct vswd_port *q, struct iovec *iov, int n, size_t len)
{
	if (len > VSW_ETH_MAX) {
		q->cnt.drops[VSW_DROP_OVERSIZE]++;
		return;
	}
	if (q->kind == VSWD_PORT_TAP || q->kind == VSWD_PORT_VXLAN) {
		vswd_uplink_send(q, iov, n, len);
		return;
	}
	if (VSWD_TXQ - q->tx_len < len + 4) {
		q->cnt.drops[VSW_DROP_QUEUE_FULL]++;
		return;
	}
	uint8_t hdr[4];
	put_be32(hdr, (uint32_t)len);
	ring_put(q, hdr, 4);
	for (int i = 0; i < n; i++)
		ring_put(q, iov[i].iov_base, iov[i].iov_len);
	q->cnt.tx_frames++;
	q->cnt.tx_bytes += len;
	if (!q->tx_dirty) {
		q->tx_dirty = true;
		q->dirty_next = q->d->dirty;
		q->d->dirty = q;
	}
}

void vswd_switch_frame(struct vswd_port *in, const uint8_t *f, size_t len)
{
	struct vswd_switch *sw = in->sw;
	struct vsw_hdr h;
	struct vsw_decision dec;

	in->cnt.rx_frames++;
	in->cnt.rx_bytes += len;
	if (!sw || in->slot < 0) {
		in->cnt.drops[VSW_DROP_PORT_DOWN]++;
		return;
	}
	enum vsw_drop r = vsw_parse(f, len, &h);
	if (r != VSW_DROP_NONE) {
		in->cnt.drops[r]++;
		return;
	}
	/* Only the teaming-selected uplink carries traffic, both ways. */
	if (sw->core.port[in->slot].uplink && sw->core.active_uplink != in->slot) {
		in->cnt.drops[VSW_DROP_PORT_DOWN]++;
		return;
	}
	vsw_forward(&sw->core, in->slot, &h, &dec);
	if (dec.drop != VSW_DROP_NONE && dec.drop != VSW_DROP_MAC_CHANGED) {
		in->cnt.drops[dec.drop]++;
		return;
	}
	for (uint64_t m = dec.dropped; m; m &= m - 1) {
		int i = __builtin_ctzll(m);
		if (sw->port[i])
			sw->port[i]->cnt.drops[VSW_DROP_MAC_CHANGED]++;
	}
	/* The VLAN travels outside the frame: strip any tag from the
	 * ingress bytes and add one per egress port where it is due.  A
	 * frame has at most two egress forms (untagged, tagged for
	 * dec.vlan), each built once however many ports get it. */
	struct iovec iov[2][3];
	uint8_t tag[4];
	size_t olen[2];
	int n[2] = { 0, 0 };
	for (uint64_t m = dec.out; m; m &= m - 1) {
		int i = __builtin_ctzll(m);
		struct vswd_port *q = sw->port[i];
		if (!q)
			continue;
		int t = vsw_egress_tagged(&sw->core.port[i], dec.vlan);
		if (!n[t])
			n[t] = vsw_egress_iov(f, &h, dec.vlan, t, tag, iov[t], &olen[t]);
		egress(q, iov[t], n[t], olen[t]);
	}
}

void vswd_flush(struct vswd *d)
{
	while (d->dirty) {
		struct vswd_port *p = d->dirty;
		d->dirty = p->dirty_next;
		p->dirty_next = NULL;
		p->tx_dirty = false;
		if (!p->closing)
			port_write(p);
	}
}

int vswd_listen(struct vswd *d, struct vswd_listener **out, const char *path,
		int mode, long gid, uv_poll_cb cb, void *data)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct stat st;

	*out = NULL;
	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, path);
	/* Replace a stale socket, never any other kind of file. */
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode))
			return -EEXIST;
		unlink(path);
	}
	struct vswd_listener *l = calloc(1, sizeof(*l));
	if (!l)
		return -ENOMEM;
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		free(l);
		return -errno;
	}
	/* Bind under a umask that already gives the final mode, so the socket
	 * is never reachable with wider permissions. */
	mode_t old = umask((mode_t)(~mode & 0777));
	int r = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	umask(old);
	if (r == 0 && gid >= 0 && chown(path, (uid_t)-1, (gid_t)gid) < 0)
		r = -1;
	if (r < 0 || chmod(path, (mode_t)mode) < 0 || listen(fd, 64) < 0) {
		int e = -errno;
		close(fd);
		free(l);
		return e;
	}
	l->fd = fd;
	strcpy(l->path, path);
	if (lstat(path, &st) == 0) {
		l->dev = st.st_dev;
		l->ino = st.st_ino;
	}
	uv_poll_init(d->loop, &l->poll, fd);
	l->poll.data = data;
	uv_poll_start(&l->poll, UV_READABLE, cb);
	*out = l;
	return 0;
}

void vswd_listener_perms(struct vswd_listener *l, int mode, long gid)
{
	struct stat st;
	if (!l || lstat(l->path, &st) < 0 || st.st_dev != l->dev || st.st_ino != l->ino)
		return;
	if (gid >= 0 && st.st_gid != (gid_t)gid && chown(l->path, (uid_t)-1, (gid_t)gid) < 0)
		return;
	if ((st.st_mode & 0777) != (mode_t)mode && chmod(l->path, (mode_t)mode) < 0)
		return;
}

static void listener_closed(uv_handle_t *h)
{
	free(container_of(h, struct vswd_listener, poll));
}

void vswd_listener_close(struct vswd_listener *l)
{
	if (!l)
		return;
	struct stat st;
	uv_poll_stop(&l->poll);
	close(l->fd);
	/* Another listener may have taken the path over (a reload that swaps
	 * socket paths): only remove the file we created. */
	if (lstat(l->path, &st) == 0 && st.st_dev == l->dev && st.st_ino == l->ino)
		unlink(l->path);
	uv_close((uv_handle_t *)&l->poll, listener_closed);
}

static int count_unattached(struct vswd *d)
{
	int n = 0;
	for (struct vswd_port *p = d->ports; p; p = p->next)
		n += !p->sw;
	return n;
}

static int accept_one(struct vswd_listener *l)
{
	int fd = accept4(l->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	/* Room for two rings' worth in flight: fewer wake-ups per byte. */
	int sz = (int)VSWD_TXQ * 2;
	if (fd >= 0) {
		setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	}
	return fd;
}

void vswd_accept_vm(uv_poll_t *h, int status, int events)
{
	struct vswd_pg *pg = h->data;
	struct vswd *d = pg->d;
	(void)status;
	(void)events;
	for (int i = 0; i < 16; i++) {
		int fd = accept_one(pg->vm_l);
		if (fd < 0)
			return;
		if (count_unattached(d) >= MAX_UNATTACHED) {
			d->stats.refused++;
			close(fd);
			continue;
		}
		struct vswd_port *p = vswd_port_new(d, VSWD_PORT_VM, fd);
		if (!p) {
			close(fd);
			continue;
		}
		p->pg = pg;
		uv_timer_start(&p->timer, hello_timeout, d->conf.hello_timeout_ms, 0);
		port_update_events(p);
	}
}

void vswd_accept_qemu(uv_poll_t *h, int status, int events)
{
	struct vswd_pg *pg = h->data;
	struct vswd *d = pg->d;
	(void)status;
	(void)events;
	for (int i = 0; i < 16; i++) {
		int fd = accept_one(pg->qemu_l);
		if (fd < 0)
			return;
		if (pg->qemu_port || mac_in_use(pg->sw, pg->cfg.qemu_mac)) {
			d->stats.refused++;
			close(fd);
			continue;
		}
		struct vswd_port *p = vswd_port_new(d, VSWD_PORT_QEMU, fd);
		if (!p) {
			close(fd);
			continue;
		}
		p->pg = pg;
		memcpy(p->mac, pg->cfg.qemu_mac, 6);
		strcpy(p->vm, "qemu");
		strcpy(p->uuid, "-");
		if (vswd_port_attach(p, pg->sw) < 0) {
			d->stats.refused++;
			vswd_port_close(p);
			continue;
		}
		p->hello_done = true;
		pg->qemu_port = p;
		vswd_log_peer(d, "port %s/%d: qemu client on portgroup \"%s\"",
			 p->sw->name, p->slot, pg->cfg.name);
		port_update_events(p);
	}
}
