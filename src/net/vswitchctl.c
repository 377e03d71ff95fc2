/* vswitchctl: query and change a running vswitchd (see vswitchctl(8)).
 * Sends one request line (words separated by tabs) to the control socket
 * and prints the reply; exit status 0 if the daemon answered OK. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define REQ_MAX 4096

static void usage(FILE *f)
{
	fprintf(f,
		"usage: vswitchctl [-d RUNDIR | -s SOCKET] COMMAND [ARGS...]\n"
		"commands:\n"
		"  show [switches|portgroups|ports|stats|all]\n"
		"  set-policy vswitch|portgroup NAME promisc|mac-changes|forged accept|reject|inherit\n"
		"  set-vlan PORTGROUP VLAN\n"
		"  set-shaping PORTGROUP off | AVG-KBPS PEAK-KBPS BURST-KB\n"
		"  uplink NAME up|down\n"
		"  reload\n");
}

int main(int argc, char **argv)
{
	const char *run_dir = "/run/hostvm/vswitch", *sock = NULL;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	char req[REQ_MAX];
	int c;

	while ((c = getopt(argc, argv, "+d:s:h")) != -1) {
		switch (c) {
		case 'd':
			run_dir = optarg;
			break;
		case 's':
			sock = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return 2;
	}
	int n = sock ? snprintf(path, sizeof(path), "%s", sock)
		     : snprintf(path, sizeof(path), "%s/vswitchd.ctl", run_dir);
	if (n < 0 || (size_t)n >= sizeof(path)) {
		fprintf(stderr, "vswitchctl: socket path too long\n");
		return 2;
	}
	size_t len = 0;
	for (int i = optind; i < argc; i++) {
		size_t l = strlen(argv[i]);
		if (strpbrk(argv[i], "\t\n") || len + l + 2 > sizeof(req)) {
			fprintf(stderr, "vswitchctl: argument too long or contains a tab or newline\n");
			return 2;
		}
		memcpy(req + len, argv[i], l);
		len += l;
		req[len++] = i + 1 < argc ? '\t' : '\n';
	}
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	strcpy(sa.sun_path, path);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		fprintf(stderr, "vswitchctl: %s: %s\n", path, strerror(errno));
		return 1;
	}
	/* A refused peer may find the socket closed before its request is
	 * written: still read the daemon's answer. */
	if (send(fd, req, len, MSG_NOSIGNAL) != (ssize_t)len && errno != EPIPE) {
		fprintf(stderr, "vswitchctl: write: %s\n", strerror(errno));
		return 1;
	}
	/* Read the whole reply, then judge its last line. */
	size_t cap = 65536, got = 0;
	char *buf = malloc(cap + 1);
	if (!buf)
		return 1;
	for (;;) {
		if (got == cap) {
			char *b = realloc(buf, cap * 2 + 1);
			if (!b)
				return 1;
			buf = b;
			cap *= 2;
		}
		ssize_t r = read(fd, buf + got, cap - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	close(fd);
	buf[got] = '\0';
	if (got == 0 || buf[got - 1] != '\n') {
		fprintf(stderr, "vswitchctl: truncated reply from vswitchd\n");
		free(buf);
		return 1;
	}
	buf[got - 1] = '\0';
	char *last = strrchr(buf, '\n');
	last = last ? last + 1 : buf;
	int status = 1;
	if (strcmp(last, "OK") == 0) {
		*last = '\0';
		fputs(buf, stdout);
		status = 0;
	} else {
		char *msg = strdup(strncmp(last, "ERR ", 4) ? last : last + 4);
		*last = '\0';
		fputs(buf, stdout);
		fprintf(stderr, "vswitchctl: %s\n", msg ? msg : "error");
		free(msg);
	}
	free(buf);
	return status;
}
