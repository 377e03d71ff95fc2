/* vswitchd uplinks: a TAP device and a VXLAN (RFC 7348) UDP tunnel.
 *
 * Uplinks carry frames to and from the outside world.  They have no egress
 * queue: a frame the kernel does not take at once is dropped and counted
 * (queue-full), which is what a NIC with a full ring does. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>

#include "config.h"
#include "vsw_daemon.h"

#ifdef HAVE_LINUX_IF_TUN_H
#include <linux/if_tun.h>
#endif

#define UPLINK_BURST 64       /* frames read per poll event */

/* Read a network interface's flags into *flags (may be NULL); with set_up,
 * also bring it up if it is down. */
static int tap_ifflags(const char *dev, bool set_up, short *flags)
{
	struct ifreq ifr;
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return -errno;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", dev);
	int r = ioctl(s, SIOCGIFFLAGS, &ifr);
	if (r == 0 && set_up && !(ifr.ifr_flags & IFF_UP)) {
		ifr.ifr_flags |= IFF_UP;
		r = ioctl(s, SIOCSIFFLAGS, &ifr);
	}
	int e = errno;
	close(s);
	if (r < 0)
		return -e;
	if (flags)
		*flags = ifr.ifr_flags;
	return 0;
}

static int tap_open(const struct vsw_conf_uplink *u)
{
#ifdef HAVE_LINUX_IF_TUN_H
	struct ifreq ifr;
	int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", u->device);
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		int e = -errno;
		close(fd);
		return e;
	}
	/* The uplink comes up with the daemon; taking it down (ip link set
	 * DEV down) is then a link loss that teaming reacts to. */
	tap_ifflags(u->device, true, NULL);
	return fd;
#else
	(void)u;
	return -ENOTSUP;
#endif
}

/* Fill *sa from an IPv4 or IPv6 address text and a port. */
static socklen_t make_addr(struct sockaddr_storage *sa, const char *ip, uint16_t port)
{
	memset(sa, 0, sizeof(*sa));
	struct sockaddr_in *s4 = (struct sockaddr_in *)sa;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)sa;
	if (inet_pton(AF_INET, ip, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons(port);
		return sizeof(*s4);
	}
	if (inet_pton(AF_INET6, ip, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
		return sizeof(*s6);
	}
	return 0;
}

static int vxlan_open(const struct vsw_conf_uplink *u, struct sockaddr_storage *remote,
		      socklen_t *remote_len)
{
	struct sockaddr_storage sa;
	socklen_t sl = make_addr(&sa, u->local, u->local_port);
	*remote_len = make_addr(remote, u->remote, u->remote_port);
	if (!sl || !*remote_len || sa.ss_family != remote->ss_family)
		return -EINVAL;
	int fd = socket(sa.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	int big = 1 << 20, on = 1;
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &big, sizeof(big));
	setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &big, sizeof(big));
	if (sa.ss_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on));
	if (bind(fd, (struct sockaddr *)&sa, sl) < 0) {
		int e = -errno;
		close(fd);
		return e;
	}
	return fd;
}

/* Whether a datagram's source is the configured peer (any source port:
 * senders pick it from a flow hash). */
static bool from_peer(const struct vswd_port *p, const struct sockaddr_storage *from,
		      socklen_t fl)
{
	if (from->ss_family != p->remote.ss_family)
		return false;
	if (from->ss_family == AF_INET)
		return fl >= sizeof(struct sockaddr_in) &&
		       ((const struct sockaddr_in *)from)->sin_addr.s_addr ==
		       ((const struct sockaddr_in *)&p->remote)->sin_addr.s_addr;
	return fl >= sizeof(struct sockaddr_in6) &&
	       memcmp(&((const struct sockaddr_in6 *)from)->sin6_addr,
		      &((const struct sockaddr_in6 *)&p->remote)->sin6_addr, 16) == 0;
}

int vswd_uplink_open(struct vswd *d, int idx)
{
	const struct vsw_conf_uplink *u = &d->conf.up[idx];
	struct sockaddr_storage remote;
	socklen_t remote_len = 0;
	int fd = u->type == VSW_UPLINK_TAP ? tap_open(u) : vxlan_open(u, &remote, &remote_len);

	if (fd < 0) {
		vswd_log(d, "uplink \"%s\": cannot open: %s", u->name, strerror(-fd));
		return fd;
	}
	struct vswd_port *p = vswd_port_new(d, u->type == VSW_UPLINK_TAP ?
					    VSWD_PORT_TAP : VSWD_PORT_VXLAN, fd);
	if (!p) {
		close(fd);
		return -ENOMEM;
	}
	p->uplink = idx;
	strcpy(p->vm, u->name);
	strcpy(p->uuid, "-");
	if (u->type == VSW_UPLINK_VXLAN) {
		p->vni = u->vni;
		p->remote = remote;
		p->remote_len = remote_len;
	} else {
		short fl = 0;
		p->link_up = tap_ifflags(u->device, false, &fl) == 0 && (fl & IFF_UP);
	}
	d->uplinks[idx] = p;
	int r = vswd_port_attach(p, d->sw[u->sw]);
	if (r < 0) {
		vswd_log(d, "uplink \"%s\": vswitch full", u->name);
		vswd_port_close(p);
		return r;
	}
	vswd_port_set_events(p, UV_READABLE);
	vswd_log(d, "uplink \"%s\" (%s) on vswitch %s", u->name,
		 u->type == VSW_UPLINK_TAP ? u->device : "vxlan", d->sw[u->sw]->name);
	return 0;
}

static void tap_read(struct vswd_port *p)
{
	for (int i = 0; i < UPLINK_BURST && !p->closing; i++) {
		ssize_t n = read(p->fd, p->d->scratch, VSWD_SCRATCH);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		vswd_switch_frame(p, p->d->scratch, (size_t)n);
	}
}

static void vxlan_read(struct vswd_port *p)
{
	for (int i = 0; i < UPLINK_BURST && !p->closing; i++) {
		struct sockaddr_storage from;
		socklen_t fl = sizeof(from);
		ssize_t n = recvfrom(p->fd, p->d->scratch, VSWD_SCRATCH, 0,
				     (struct sockaddr *)&from, &fl);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return;
		uint32_t vni;
		/* Only the configured peer may inject frames, and only on our
		 * VNI. */
		if (!from_peer(p, &from, fl) ||
		    vsw_vxlan_decode(p->d->scratch, (size_t)n, &vni) < 0 || vni != p->vni) {
			p->cnt.bad_ctrl++;
			continue;
		}
		vswd_switch_frame(p, p->d->scratch + VSW_VXLAN_HLEN,
				  (size_t)n - VSW_VXLAN_HLEN);
	}
}

void vswd_uplink_io(struct vswd_port *p, int status, int events)
{
	if (status < 0 || !(events & UV_READABLE))
		return;
	if (p->kind == VSWD_PORT_TAP)
		tap_read(p);
	else
		vxlan_read(p);
}

void vswd_uplink_error(struct vswd_port *p)
{
	struct vswd *d = p->d;
	p->poll_events = 0;
	if (p->kind == VSWD_PORT_VXLAN) {
		/* An ICMP error queued on the UDP socket: clear it, go on. */
		int e;
		socklen_t el = sizeof(e);
		if (getsockopt(p->fd, SOL_SOCKET, SO_ERROR, &e, &el) == 0)
			vswd_port_set_events(p, UV_READABLE);
		return;
	}
	/* A TAP in trouble (device gone): the link is down until the link
	 * poller sees the interface up again and re-arms it; never spin. */
	vswd_log(d, "uplink \"%s\": device error, link down", d->conf.up[p->uplink].name);
	p->link_up = false;
	vswd_port_refresh(p);
	if (p->sw)
		vswd_team_update(p->sw);
}

void vswd_uplink_send(struct vswd_port *p, const struct iovec *iov, int n, size_t len)
{
	struct iovec v[4];
	uint8_t hdr[VSW_VXLAN_HLEN];
	int k = 0;
	ssize_t w;

	if (!p->link_up || p->admin_down) {
		p->cnt.drops[VSW_DROP_PORT_DOWN]++;
		return;
	}
	if (p->kind == VSWD_PORT_VXLAN) {
		vsw_vxlan_encode(hdr, p->vni);
		v[k++] = (struct iovec){ hdr, sizeof(hdr) };
	}
	for (int i = 0; i < n && k < 4; i++)
		v[k++] = iov[i];
	if (p->kind == VSWD_PORT_VXLAN) {
		struct msghdr m = { .msg_name = &p->remote, .msg_namelen = p->remote_len,
				    .msg_iov = v, .msg_iovlen = (size_t)k };
		w = sendmsg(p->fd, &m, MSG_DONTWAIT | MSG_NOSIGNAL);
	} else {
		w = writev(p->fd, v, k);
	}
	if (w < 0) {
		p->cnt.drops[errno == EAGAIN || errno == ENOBUFS ? VSW_DROP_QUEUE_FULL :
			     VSW_DROP_PORT_DOWN]++;
		return;
	}
	p->cnt.tx_frames++;
	p->cnt.tx_bytes += len;
}

void vswd_uplink_poll_links(uv_timer_t *t)
{
	struct vswd *d = t->data;
	for (int i = 0; i < d->conf.nuplink; i++) {
		struct vswd_port *p = d->uplinks[i];
		short fl = 0;
		if (!p || p->kind != VSWD_PORT_TAP)
			continue;
		bool up = tap_ifflags(d->conf.up[i].device, false, &fl) == 0 && (fl & IFF_UP);
		if (up == p->link_up)
			continue;
		p->link_up = up;
		if (up && p->poll_events == 0)
			vswd_port_set_events(p, UV_READABLE);
		vswd_log(d, "uplink \"%s\": link %s", d->conf.up[i].name, up ? "up" : "down");
		vswd_port_refresh(p);
		if (p->sw)
			vswd_team_update(p->sw);
	}
}
