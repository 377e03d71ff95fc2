/* The VM side of a virtual NIC's connection to vswitchd: an I/O thread that
 * connects, says hello, moves frames between the socket and two bounded
 * buffers, and reconnects with backoff.  See nic_backend.h. */
#include "config.h"
#include "net/nic_backend.h"
#include "net/vsw_proto.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

enum conn_state { ST_DOWN, ST_HELLO, ST_UP };

struct rx_slot {
	uint16_t len;
	uint8_t data[VSW_PROTO_FRAME_MAX];
};

struct nicbe {
	/* Fixed after creation. */
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	char hello[VSW_PROTO_HELLO_MAX];
	size_t hello_len;
	uint8_t cfg_mac[6];
	bool no_promisc, addr_mismatch_down, no_forged;
	unsigned backoff_min, backoff_max;
	struct nicbe_callbacks cb;
	int wakefd;
	pthread_t thread;

	/* I/O thread only. */
	int sock;
	uint8_t *in;           /* 4 + 64 KiB: one whole message */
	size_t in_len;
	uint64_t retry_at, hello_deadline;
	unsigned backoff;

	/* Shared, under lock. */
	pthread_mutex_t lock;
	bool stop, cable;
	enum conn_state state;
	uint8_t guest_mac[6];
	bool mac_dirty;        /* the switch has not heard guest_mac yet */
	struct rx_slot *rxq;
	unsigned rx_head, rx_count;
	uint8_t *tx;
	size_t tx_off, tx_fill;
	struct nicbe_stats st;

	/* vCPU thread only. */
	int told_link;         /* -1 = never told */
	bool polling;
};

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void wake(struct nicbe *be)
{
	uint64_t one = 1;

	if (write(be->wakefd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		return;
}

static void format_mac(char *buf, const uint8_t m[6])
{
	snprintf(buf, 18, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
}

static bool mismatch_locked(const struct nicbe *be)
{
	return be->addr_mismatch_down && memcmp(be->guest_mac, be->cfg_mac, 6);
}

static bool link_locked(const struct nicbe *be)
{
	return be->state == ST_UP && !mismatch_locked(be);
}

/* Appends one message (length word + body) to the transmit buffer.  Called
 * with the lock held; returns -ENOBUFS when it does not fit. */
static int tx_append_locked(struct nicbe *be, uint32_t word, const void *body, size_t len)
{
	uint8_t hdr[4] = { (uint8_t)(word >> 24), (uint8_t)(word >> 16), (uint8_t)(word >> 8), (uint8_t)word };
	bool was_empty = be->tx_fill == be->tx_off;

	if (be->tx_fill + 4 + len > NICBE_TXBUF_BYTES && be->tx_off) {
		memmove(be->tx, be->tx + be->tx_off, be->tx_fill - be->tx_off);
		be->tx_fill -= be->tx_off;
		be->tx_off = 0;
	}
	if (be->tx_fill + 4 + len > NICBE_TXBUF_BYTES)
		return -ENOBUFS;
	memcpy(be->tx + be->tx_fill, hdr, 4);
	memcpy(be->tx + be->tx_fill + 4, body, len);
	be->tx_fill += 4 + len;
	if (was_empty)
		wake(be);
	return 0;
}

static void queue_mac_locked(struct nicbe *be)
{
	char msg[32];
	int n;

	n = snprintf(msg, sizeof(msg), "MAC ");
	format_mac(msg + n, be->guest_mac);
	n += 17;
	msg[n++] = '\n';
	if (!tx_append_locked(be, VSW_PROTO_CTRL | (uint32_t)n, msg, (size_t)n))
		be->mac_dirty = false;
}

/* "LINK down" while downWhenAddrMismatch holds the guest's link down, so
 * the switch stops sending to the port; "LINK up" when it ends. */
static void queue_link_locked(struct nicbe *be, bool up)
{
	const char *msg = up ? "LINK up\n" : "LINK down\n";
	size_t n = strlen(msg);

	tx_append_locked(be, VSW_PROTO_CTRL | (uint32_t)n, msg, n);
}

static void notify(struct nicbe *be)
{
	if (be->cb.notify)
		be->cb.notify(be->cb.opaque);
}

/* Closes the connection (I/O thread) and schedules the next attempt. */
static void drop_conn(struct nicbe *be, unsigned delay_ms)
{
	bool was_up;

	if (be->sock >= 0)
		close(be->sock);
	be->sock = -1;
	be->in_len = 0;
	pthread_mutex_lock(&be->lock);
	was_up = be->state == ST_UP;
	be->state = ST_DOWN;
	be->tx_off = be->tx_fill = 0;
	be->st.port = 0;
	be->mac_dirty = true;
	pthread_mutex_unlock(&be->lock);
	be->retry_at = now_ms() + delay_ms;
	if (was_up)
		notify(be);
}

static void try_connect(struct nicbe *be)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	memcpy(sa.sun_path, be->path, sizeof(sa.sun_path));
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		if (fd >= 0)
			close(fd);
		be->retry_at = now_ms() + be->backoff;
		be->backoff = be->backoff * 2 > be->backoff_max ? be->backoff_max : be->backoff * 2;
		return;
	}
	be->sock = fd;
	be->in_len = 0;
	be->hello_deadline = now_ms() + NICBE_HELLO_TIMEOUT_MS;
	pthread_mutex_lock(&be->lock);
	be->state = ST_HELLO;
	be->tx_off = be->tx_fill = 0;
	tx_append_locked(be, VSW_PROTO_CTRL | (uint32_t)be->hello_len, be->hello, be->hello_len);
	pthread_mutex_unlock(&be->lock);
}

/* The switch's answer to the hello: "OK <port>\n" or "ERR <reason>\n". */
static void handle_hello_reply(struct nicbe *be, const uint8_t *msg, size_t len)
{
	char text[64];
	unsigned long port;
	char *end;

	if (len >= 3 && !memcmp(msg, "OK ", 3) && len < sizeof(text) && msg[len - 1] == '\n') {
		memcpy(text, msg + 3, len - 4);
		text[len - 4] = 0;
		errno = 0;
		port = strtoul(text, &end, 10);
		if (!errno && end != text && !*end && port <= UINT32_MAX) {
			pthread_mutex_lock(&be->lock);
			be->state = ST_UP;
			be->st.connects++;
			be->st.port = (uint32_t)port;
			if (memcmp(be->guest_mac, be->cfg_mac, 6))
				queue_mac_locked(be);
			else
				be->mac_dirty = false;
			if (mismatch_locked(be))
				queue_link_locked(be, false);
			pthread_mutex_unlock(&be->lock);
			be->backoff = be->backoff_min;
			notify(be);
			return;
		}
	}
	if (len >= 3 && !memcmp(msg, "ERR", 3)) {
		pthread_mutex_lock(&be->lock);
		be->st.refused++;
		pthread_mutex_unlock(&be->lock);
		drop_conn(be, be->backoff_max);
		return;
	}
	drop_conn(be, be->backoff);
}

static bool is_multicast(const uint8_t *frame)
{
	return frame[0] & 1;
}

/* A frame from the switch: policy, then the receive queue. */
static void handle_frame(struct nicbe *be, const uint8_t *f, size_t len)
{
	bool wake_vcpu = false;

	pthread_mutex_lock(&be->lock);
	if (len < VSW_PROTO_FRAME_MIN || len > VSW_PROTO_FRAME_MAX) {
		be->st.rx_drop_bad++;
	} else if (mismatch_locked(be)) {
		be->st.rx_drop_mismatch++;
	} else if (be->no_promisc && !is_multicast(f) && memcmp(f, be->cfg_mac, 6) &&
		   memcmp(f, be->guest_mac, 6)) {
		be->st.rx_drop_promisc++;
	} else if (be->rx_count == NICBE_RXQ_FRAMES) {
		be->st.rx_drop_queue++;
	} else {
		struct rx_slot *s = &be->rxq[(be->rx_head + be->rx_count) % NICBE_RXQ_FRAMES];
		s->len = (uint16_t)len;
		memcpy(s->data, f, len);
		wake_vcpu = be->rx_count++ == 0;
		be->st.rx_frames++;
		be->st.rx_bytes += len;
	}
	pthread_mutex_unlock(&be->lock);
	if (wake_vcpu)
		notify(be);
}

/* Parses every whole message in the input buffer.  Returns false when the
 * connection was dropped.  (state is written only by the I/O thread, so it
 * reads it without the lock.) */
static bool parse_input(struct nicbe *be)
{
	size_t pos = 0;

	while (be->in_len - pos >= 4) {
		const uint8_t *p = be->in + pos;
		uint32_t word = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
		bool ctrl = word & VSW_PROTO_CTRL;
		size_t len = word & VSW_PROTO_LEN_MASK;

		/* Bits between the flag and the 16-bit length are never set:
		 * the framing is broken. */
		if (word & ~(VSW_PROTO_CTRL | VSW_PROTO_LEN_MASK)) {
			drop_conn(be, be->backoff);
			return false;
		}
		if (be->in_len - pos < 4 + len)
			break;
		pos += 4 + len;
		if (be->state == ST_HELLO) {
			/* Only the answer to the hello may come first. */
			if (!ctrl) {
				drop_conn(be, be->backoff);
				return false;
			}
			handle_hello_reply(be, p + 4, len);
			if (be->sock < 0)
				return false;
		} else if (!ctrl) {
			handle_frame(be, p + 4, len);
		}
		/* Control messages after the hello carry nothing for us yet. */
	}
	memmove(be->in, be->in + pos, be->in_len - pos);
	be->in_len -= pos;
	return true;
}

static void do_read(struct nicbe *be)
{
	for (int i = 0; i < 64; i++) {
		ssize_t n = recv(be->sock, be->in + be->in_len, 4 + VSW_PROTO_LEN_MASK - be->in_len, 0);

		if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
			drop_conn(be, be->backoff_min);
			return;
		}
		if (n < 0)
			return;
		be->in_len += (size_t)n;
		if (!parse_input(be))
			return;
	}
}

static void do_write(struct nicbe *be)
{
	bool failed = false;

	pthread_mutex_lock(&be->lock);
	while (be->tx_off < be->tx_fill) {
		ssize_t n = send(be->sock, be->tx + be->tx_off, be->tx_fill - be->tx_off,
				 MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0) {
			failed = errno != EAGAIN && errno != EINTR;
			break;
		}
		be->tx_off += (size_t)n;
	}
	if (be->tx_off == be->tx_fill)
		be->tx_off = be->tx_fill = 0;
	pthread_mutex_unlock(&be->lock);
	if (failed)
		drop_conn(be, be->backoff_min);
}

static void *io_thread(void *arg)
{
	struct nicbe *be = arg;

	for (;;) {
		struct pollfd pfd[2] = { { .fd = be->wakefd, .events = POLLIN }, { .fd = -1 } };
		bool cable, want_out;
		int timeout = -1;
		uint64_t now;

		pthread_mutex_lock(&be->lock);
		if (be->stop) {
			pthread_mutex_unlock(&be->lock);
			break;
		}
		cable = be->cable;
		want_out = be->tx_off < be->tx_fill;
		pthread_mutex_unlock(&be->lock);

		now = now_ms();
		if (!cable) {
			if (be->sock >= 0)
				drop_conn(be, 0);
		} else if (be->sock < 0) {
			if (now >= be->retry_at) {
				try_connect(be);
				continue;
			}
			timeout = (int)(be->retry_at - now);
		} else {
			pfd[1].fd = be->sock;
			pfd[1].events = POLLIN | (want_out ? POLLOUT : 0);
			if (be->state == ST_HELLO) {
				if (now >= be->hello_deadline) {
					drop_conn(be, be->backoff);
					continue;
				}
				timeout = (int)(be->hello_deadline - now);
			}
		}
		if (poll(pfd, 2, timeout) < 0 && errno != EINTR)
			break;
		if (pfd[0].revents & POLLIN) {
			uint64_t v;
			if (read(be->wakefd, &v, sizeof(v)) < 0 && errno != EAGAIN)
				break;
		}
		if (be->sock >= 0 && pfd[1].fd >= 0 && (pfd[1].revents & (POLLIN | POLLHUP | POLLERR)))
			do_read(be);
		if (be->sock >= 0 && pfd[1].fd >= 0 && (pfd[1].revents & POLLOUT))
			do_write(be);
	}
	if (be->sock >= 0)
		close(be->sock);
	be->sock = -1;
	return NULL;
}

int nicbe_default_path(const char *dir, const char *portgroup, char *buf, size_t len)
{
	int n;

	if (!portgroup || !*portgroup || strchr(portgroup, '/'))
		return -EINVAL;
	n = snprintf(buf, len, "%s/%s.sock", dir ? dir : NICBE_DEFAULT_DIR, portgroup);
	if (n < 0 || (size_t)n >= len)
		return -ENAMETOOLONG;
	return 0;
}

/* Appends "key=value\n" with control characters in value replaced, so a
 * display name cannot inject hello lines. */
static void hello_add(struct nicbe *be, const char *key, const char *value)
{
	size_t klen = strlen(key), vlen = strlen(value);

	if (be->hello_len + klen + 2 > sizeof(be->hello))
		return;
	if (be->hello_len + klen + 2 + vlen > sizeof(be->hello))
		vlen = sizeof(be->hello) - be->hello_len - klen - 2;
	memcpy(be->hello + be->hello_len, key, klen);
	be->hello_len += klen;
	be->hello[be->hello_len++] = '=';
	for (size_t i = 0; i < vlen; i++) {
		unsigned char c = (unsigned char)value[i];
		be->hello[be->hello_len++] = c < 0x20 || c == 0x7f ? '?' : (char)c;
	}
	be->hello[be->hello_len++] = '\n';
}

static void build_hello(struct nicbe *be, const struct nicbe_config *cfg)
{
	char num[16], mac[18];

	be->hello_len = strlen(VSW_PROTO_HELLO_MAGIC);
	memcpy(be->hello, VSW_PROTO_HELLO_MAGIC, be->hello_len);
	format_mac(mac, cfg->mac);
	snprintf(num, sizeof(num), "%u", cfg->nic);
	hello_add(be, "nic", num);
	hello_add(be, "mac", mac);
	hello_add(be, "portgroup", cfg->portgroup);
	if (cfg->uuid)
		hello_add(be, "uuid", cfg->uuid);
	hello_add(be, "vm", cfg->vm_name ? cfg->vm_name : "");
}

int nicbe_create(const struct nicbe_config *cfg, const struct nicbe_callbacks *cb,
		 struct nicbe **out)
{
	struct nicbe *be;
	int err;

	if (!cfg || !cb || !cfg->portgroup || !*cfg->portgroup || strpbrk(cfg->portgroup, "\r\n"))
		return -EINVAL;
	be = calloc(1, sizeof(*be));
	if (!be)
		return -ENOMEM;
	if (cfg->socket_path) {
		if (strlen(cfg->socket_path) >= sizeof(be->path)) {
			free(be);
			return -ENAMETOOLONG;
		}
		strcpy(be->path, cfg->socket_path);
	} else if ((err = nicbe_default_path(NULL, cfg->portgroup, be->path, sizeof(be->path)))) {
		free(be);
		return err;
	}
	build_hello(be, cfg);
	memcpy(be->cfg_mac, cfg->mac, 6);
	memcpy(be->guest_mac, cfg->mac, 6);
	be->no_promisc = cfg->no_promisc;
	be->addr_mismatch_down = cfg->down_when_addr_mismatch;
	be->no_forged = cfg->no_forged_src;
	be->backoff_min = cfg->backoff_min_ms ? cfg->backoff_min_ms : NICBE_BACKOFF_MIN_MS;
	be->backoff_max = cfg->backoff_max_ms ? cfg->backoff_max_ms : NICBE_BACKOFF_MAX_MS;
	if (be->backoff_max < be->backoff_min)
		be->backoff_max = be->backoff_min;
	be->backoff = be->backoff_min;
	be->cb = *cb;
	be->cable = !cfg->start_disconnected;
	be->sock = -1;
	be->told_link = -1;
	be->in = malloc(4 + VSW_PROTO_LEN_MASK);
	be->rxq = calloc(NICBE_RXQ_FRAMES, sizeof(*be->rxq));
	be->tx = malloc(NICBE_TXBUF_BYTES);
	be->wakefd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (!be->in || !be->rxq || !be->tx || be->wakefd < 0) {
		err = be->wakefd < 0 ? -errno : -ENOMEM;
		goto fail;
	}
	pthread_mutex_init(&be->lock, NULL);
	if ((err = -pthread_create(&be->thread, NULL, io_thread, be))) {
		pthread_mutex_destroy(&be->lock);
		goto fail;
	}
	*out = be;
	return 0;
fail:
	if (be->wakefd >= 0)
		close(be->wakefd);
	free(be->in);
	free(be->rxq);
	free(be->tx);
	free(be);
	return err;
}

void nicbe_destroy(struct nicbe *be)
{
	if (!be)
		return;
	pthread_mutex_lock(&be->lock);
	be->stop = true;
	pthread_mutex_unlock(&be->lock);
	wake(be);
	pthread_join(be->thread, NULL);
	pthread_mutex_destroy(&be->lock);
	close(be->wakefd);
	free(be->in);
	free(be->rxq);
	free(be->tx);
	free(be);
}

void nicbe_set_connected(struct nicbe *be, bool connected)
{
	pthread_mutex_lock(&be->lock);
	be->cable = connected;
	pthread_mutex_unlock(&be->lock);
	wake(be);
}

int nicbe_send(struct nicbe *be, const void *frame, size_t len)
{
	const uint8_t *f = frame;
	int err = 0;

	pthread_mutex_lock(&be->lock);
	if (len < VSW_PROTO_FRAME_MIN || len > VSW_PROTO_FRAME_MAX) {
		be->st.tx_drop_bad++;
		err = -EMSGSIZE;
	} else if (be->state != ST_UP) {
		be->st.tx_drop_link++;
		err = -ENOTCONN;
	} else if (mismatch_locked(be)) {
		be->st.tx_drop_mismatch++;
		err = -ENETDOWN;
	} else if (be->no_forged && memcmp(f + 6, be->cfg_mac, 6)) {
		be->st.tx_drop_forged++;
		err = -EPERM;
	} else if (tx_append_locked(be, (uint32_t)len, f, len)) {
		be->st.tx_drop_full++;
		err = -ENOBUFS;
	} else {
		be->st.tx_frames++;
		be->st.tx_bytes += len;
	}
	pthread_mutex_unlock(&be->lock);
	return err;
}

int nicbe_set_mac(struct nicbe *be, const uint8_t mac[6])
{
	bool was_up, up;
	int err = 0;

	pthread_mutex_lock(&be->lock);
	was_up = link_locked(be);
	if (memcmp(be->guest_mac, mac, 6)) {
		memcpy(be->guest_mac, mac, 6);
		be->mac_dirty = true;
	}
	if (be->mac_dirty) {
		if (be->state == ST_UP)
			queue_mac_locked(be);
		if (be->mac_dirty)
			err = -ENOTCONN;
	}
	up = link_locked(be);
	if (up != was_up && be->state == ST_UP)
		queue_link_locked(be, up);
	pthread_mutex_unlock(&be->lock);
	/* downWhenAddrMismatch: the link changes for the guest now. */
	if (up != was_up)
		notify(be);
	return err;
}

int nicbe_poll(struct nicbe *be)
{
	bool up, more = false;
	int taken = 0;

	if (be->polling)
		return 0;
	be->polling = true;
	pthread_mutex_lock(&be->lock);
	up = link_locked(be);
	pthread_mutex_unlock(&be->lock);
	if (be->told_link != (int)up) {
		be->told_link = up;
		if (be->cb.link)
			be->cb.link(be->cb.opaque, up);
	}
	/* At most one queue's worth per call, so a switch that keeps
	 * sending cannot keep the vCPU here; the rest waits for the next
	 * poll (notify says there is more). */
	for (int i = 0; i < NICBE_RXQ_FRAMES; i++) {
		struct rx_slot *s;

		pthread_mutex_lock(&be->lock);
		s = be->rx_count ? &be->rxq[be->rx_head] : NULL;
		pthread_mutex_unlock(&be->lock);
		/* The I/O thread only fills slots past the tail, so the head
		 * slot stays put while the device looks at it. */
		if (!s || !be->cb.rx || be->cb.rx(be->cb.opaque, s->data, s->len) == -ENOBUFS) {
			more = false;
			break;
		}
		pthread_mutex_lock(&be->lock);
		be->rx_head = (be->rx_head + 1) % NICBE_RXQ_FRAMES;
		be->rx_count--;
		more = be->rx_count > 0;
		pthread_mutex_unlock(&be->lock);
		taken++;
	}
	be->polling = false;
	if (more)
		notify(be);
	return taken;
}

bool nicbe_link_up(struct nicbe *be)
{
	bool up;

	pthread_mutex_lock(&be->lock);
	up = link_locked(be);
	pthread_mutex_unlock(&be->lock);
	return up;
}

void nicbe_get_stats(struct nicbe *be, struct nicbe_stats *st)
{
	pthread_mutex_lock(&be->lock);
	*st = be->st;
	pthread_mutex_unlock(&be->lock);
}

static int ops_send(void *o, const void *frame, size_t len)
{
	return nicbe_send(o, frame, len);
}

static void ops_set_mac(void *o, const uint8_t mac[6])
{
	nicbe_set_mac(o, mac);
}

static void ops_rx_ready(void *o)
{
	nicbe_poll(o);
}

const struct nic_backend_ops nicbe_backend_ops = { ops_send, ops_set_mac, ops_rx_ready };
