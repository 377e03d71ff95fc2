/* Chardev back ends.  A thread per chardev polls its descriptors (the
 * listening socket, the connected peer or terminal, and a wake-up pipe) and
 * moves bytes between them and two locked ring buffers. */
#include "config.h"
#include "dev/chardev.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#define TX_RING 65536
#define RX_RING 4096

enum cd_kind { CD_FILE, CD_PIPE, CD_NET, CD_STDIO };

struct ring {
	uint8_t *buf;
	size_t size, head, count;
};

struct chardev {
	enum cd_kind kind;
	int listen_fd, in_fd, out_fd;
	int wake[2];
	pthread_t thread;
	pthread_mutex_t lock;
	struct ring tx, rx;
	uint64_t dropped;
	bool stop;
	bool raw_set;
	struct termios saved;
	int iac_state;          /* telnet: 0 data, 1 after IAC, 2 option byte */
};

static size_t ring_put(struct ring *r, const uint8_t *p, size_t n)
{
	size_t k = 0;
	for (; k < n && r->count < r->size; k++, r->count++)
		r->buf[(r->head + r->count) % r->size] = p[k];
	return k;
}

static size_t ring_get(struct ring *r, uint8_t *p, size_t n)
{
	size_t k = 0;
	for (; k < n && r->count; k++, r->count--) {
		p[k] = r->buf[r->head];
		r->head = (r->head + 1) % r->size;
	}
	return k;
}

static void cd_wake(struct chardev *cd)
{
	char c = 1;
	ssize_t r = write(cd->wake[1], &c, 1);
	(void)r;
}

size_t chardev_write(struct chardev *cd, const void *buf, size_t len)
{
	pthread_mutex_lock(&cd->lock);
	size_t n = ring_put(&cd->tx, buf, len);
	cd->dropped += len - n;
	pthread_mutex_unlock(&cd->lock);
	if (n)
		cd_wake(cd);
	return n;
}

size_t chardev_read(struct chardev *cd, void *buf, size_t len)
{
	pthread_mutex_lock(&cd->lock);
	size_t n = ring_get(&cd->rx, buf, len);
	pthread_mutex_unlock(&cd->lock);
	return n;
}

uint64_t chardev_dropped(const struct chardev *cd)
{
	return cd->dropped;
}

/* Drops telnet negotiation (IAC cmd [option]) from a received block; IAC IAC
 * is a literal 0xFF.  Returns the data length left in p. */
static size_t telnet_strip(struct chardev *cd, uint8_t *p, size_t n)
{
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		uint8_t c = p[i];
		switch (cd->iac_state) {
		case 0:
			if (c == 0xff)
				cd->iac_state = 1;
			else
				p[o++] = c;
			break;
		case 1:
			if (c == 0xff) {
				p[o++] = c;
				cd->iac_state = 0;
			} else {
				/* WILL/WONT/DO/DONT carry an option byte. */
				cd->iac_state = (c >= 251 && c <= 254) ? 2 : 0;
			}
			break;
		default:
			cd->iac_state = 0;
			break;
		}
	}
	return o;
}

static void cd_drop_peer(struct chardev *cd)
{
	if (cd->in_fd >= 0)
		close(cd->in_fd);
	cd->in_fd = cd->out_fd = -1;
}

/* Writes out what the TX ring holds; what the peer refuses is dropped. */
static void cd_flush(struct chardev *cd, uint8_t *buf, size_t len)
{
	pthread_mutex_lock(&cd->lock);
	size_t k = ring_get(&cd->tx, buf, len);
	pthread_mutex_unlock(&cd->lock);
	size_t off = 0;
	while (off < k) {
		ssize_t w = write(cd->out_fd, buf + off, k - off);
		if (w > 0) {
			off += (size_t)w;
		} else if (w < 0 && errno == EAGAIN) {
			struct pollfd p = { cd->out_fd, POLLOUT, 0 };
			if (poll(&p, 1, 100) <= 0)
				break;
		} else {
			break;
		}
	}
	if (off < k) {
		pthread_mutex_lock(&cd->lock);
		cd->dropped += k - off;
		pthread_mutex_unlock(&cd->lock);
	}
}

static void *cd_thread(void *arg)
{
	struct chardev *cd = arg;
	uint8_t buf[4096];

	for (;;) {
		struct pollfd pf[3];
		int n = 0, i_wake, i_listen = -1, i_in = -1;

		pthread_mutex_lock(&cd->lock);
		bool stop = cd->stop, pending = cd->tx.count != 0;
		pthread_mutex_unlock(&cd->lock);
		if (stop) {
			/* Last chance for queued output (a file's tail). */
			while (cd->out_fd >= 0 && pending) {
				cd_flush(cd, buf, sizeof(buf));
				pthread_mutex_lock(&cd->lock);
				pending = cd->tx.count != 0;
				pthread_mutex_unlock(&cd->lock);
			}
			break;
		}
		pf[n] = (struct pollfd){ cd->wake[0], POLLIN, 0 };
		i_wake = n++;
		if (cd->listen_fd >= 0 && cd->in_fd < 0) {
			pf[n] = (struct pollfd){ cd->listen_fd, POLLIN, 0 };
			i_listen = n++;
		}
		if (cd->in_fd >= 0 || (cd->out_fd >= 0 && pending)) {
			int fd = cd->in_fd >= 0 ? cd->in_fd : cd->out_fd;
			short ev = (short)((cd->in_fd >= 0 ? POLLIN : 0) |
					   (pending && cd->out_fd == fd ? POLLOUT : 0));
			pf[n] = (struct pollfd){ fd, ev, 0 };
			i_in = n++;
		}
		if (pending && cd->out_fd >= 0 && cd->out_fd != cd->in_fd && cd->in_fd >= 0) {
			pf[n] = (struct pollfd){ cd->out_fd, POLLOUT, 0 };
			n++;
		}
		if (poll(pf, (nfds_t)n, -1) < 0 && errno != EINTR)
			break;
		if (pf[i_wake].revents & POLLIN) {
			ssize_t r = read(cd->wake[0], buf, sizeof(buf));
			(void)r;
		}
		if (i_listen >= 0 && (pf[i_listen].revents & POLLIN)) {
			int fd = accept(cd->listen_fd, NULL, NULL);
			if (fd >= 0) {
				fcntl(fd, F_SETFL, O_NONBLOCK);
				cd->in_fd = cd->out_fd = fd;
				cd->iac_state = 0;
			}
		}
		if (i_in >= 0 && cd->in_fd >= 0 && (pf[i_in].revents & (POLLIN | POLLHUP | POLLERR))) {
			pthread_mutex_lock(&cd->lock);
			size_t room = cd->rx.size - cd->rx.count;
			pthread_mutex_unlock(&cd->lock);
			ssize_t r = read(cd->in_fd, buf, room < sizeof(buf) ? room : sizeof(buf));
			if (r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR)) {
				if (cd->kind == CD_STDIO)
					cd->in_fd = -1;         /* stdin closed: output only */
				else
					cd_drop_peer(cd);
			} else if (r > 0) {
				size_t k = cd->kind == CD_NET ? telnet_strip(cd, buf, (size_t)r) : (size_t)r;
				pthread_mutex_lock(&cd->lock);
				ring_put(&cd->rx, buf, k);
				pthread_mutex_unlock(&cd->lock);
			}
			if (room == 0)
				usleep(1000);   /* the guest is not reading: back off */
		}
		if (cd->out_fd >= 0) {
			cd_flush(cd, buf, sizeof(buf));
		} else if (cd->listen_fd >= 0) {
			/* No client: output is discarded, as on an unplugged cable. */
			pthread_mutex_lock(&cd->lock);
			cd->tx.count = 0;
			pthread_mutex_unlock(&cd->lock);
		}
	}
	return NULL;
}

static int cd_listen_unix(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	memcpy(sa.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	unlink(path);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 1) < 0) {
		int e = -errno;
		close(fd);
		return e;
	}
	return fd;
}

/* telnet://host:port or host:port; an empty host means 127.0.0.1. */
static int cd_listen_tcp(const char *name)
{
	char host[256];
	const char *p = strncmp(name, "telnet://", 9) ? name : name + 9;
	const char *colon = strrchr(p, ':');
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
				  .ai_flags = AI_PASSIVE | AI_NUMERICSERV }, *ai;
	int fd, one = 1;

	if (!colon || (size_t)(colon - p) >= sizeof(host) || !colon[1])
		return -EINVAL;
	memcpy(host, p, (size_t)(colon - p));
	host[colon - p] = 0;
	if (getaddrinfo(host[0] ? host : "127.0.0.1", colon + 1, &hints, &ai))
		return -EINVAL;
	fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		freeaddrinfo(ai);
		return -errno;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, ai->ai_addr, ai->ai_addrlen) < 0 || listen(fd, 1) < 0) {
		int e = -errno;
		close(fd);
		freeaddrinfo(ai);
		return e;
	}
	freeaddrinfo(ai);
	return fd;
}

int chardev_open(const char *type, const char *name, struct chardev **out)
{
	struct chardev *cd = calloc(1, sizeof(*cd));
	int r = 0;

	if (!cd)
		return -ENOMEM;
	cd->listen_fd = cd->in_fd = cd->out_fd = -1;
	cd->wake[0] = cd->wake[1] = -1;
	cd->tx.size = TX_RING;
	cd->rx.size = RX_RING;
	cd->tx.buf = malloc(TX_RING);
	cd->rx.buf = malloc(RX_RING);
	if (!cd->tx.buf || !cd->rx.buf) {
		r = -ENOMEM;
		goto fail;
	}
	if (!strcmp(type, "file")) {
		cd->kind = CD_FILE;
		cd->out_fd = open(name, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
		if (cd->out_fd < 0)
			r = -errno;
	} else if (!strcmp(type, "pipe")) {
		cd->kind = CD_PIPE;
		r = cd->listen_fd = cd_listen_unix(name);
	} else if (!strcmp(type, "network")) {
		cd->kind = CD_NET;
		r = cd->listen_fd = cd_listen_tcp(name);
	} else if (!strcmp(type, "stdio")) {
		cd->kind = CD_STDIO;
		cd->in_fd = STDIN_FILENO;
		cd->out_fd = STDOUT_FILENO;
		if (isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &cd->saved) == 0) {
			struct termios t = cd->saved;
			cfmakeraw(&t);
			t.c_oflag |= OPOST;     /* keep \n -> \r\n on output */
			if (tcsetattr(STDIN_FILENO, TCSANOW, &t) == 0)
				cd->raw_set = true;
		}
	} else {
		r = -EINVAL;
	}
	if (r < 0)
		goto fail;
	if (cd->listen_fd >= 0)
		fcntl(cd->listen_fd, F_SETFL, O_NONBLOCK);
	if (pipe2(cd->wake, O_CLOEXEC | O_NONBLOCK) < 0) {
		r = -errno;
		goto fail;
	}
	pthread_mutex_init(&cd->lock, NULL);
	if ((r = -pthread_create(&cd->thread, NULL, cd_thread, cd)) < 0) {
		pthread_mutex_destroy(&cd->lock);
		goto fail;
	}
	*out = cd;
	return 0;
fail:
	if (cd->raw_set)
		tcsetattr(STDIN_FILENO, TCSANOW, &cd->saved);
	if (cd->kind == CD_FILE && cd->out_fd >= 0)
		close(cd->out_fd);
	if (cd->listen_fd >= 0)
		close(cd->listen_fd);
	if (cd->wake[0] >= 0) {
		close(cd->wake[0]);
		close(cd->wake[1]);
	}
	free(cd->tx.buf);
	free(cd->rx.buf);
	free(cd);
	return r;
}

void chardev_close(struct chardev *cd)
{
	if (!cd)
		return;
	pthread_mutex_lock(&cd->lock);
	cd->stop = true;
	pthread_mutex_unlock(&cd->lock);
	cd_wake(cd);
	pthread_join(cd->thread, NULL);
	if (cd->raw_set)
		tcsetattr(STDIN_FILENO, TCSANOW, &cd->saved);
	if (cd->kind == CD_FILE && cd->out_fd >= 0)
		close(cd->out_fd);
	if (cd->kind == CD_PIPE || cd->kind == CD_NET) {
		cd_drop_peer(cd);
		close(cd->listen_fd);
	}
	close(cd->wake[0]);
	close(cd->wake[1]);
	pthread_mutex_destroy(&cd->lock);
	free(cd->tx.buf);
	free(cd->rx.buf);
	free(cd);
}
