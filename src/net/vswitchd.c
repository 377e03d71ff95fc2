/* vswitchd: the hostvm virtual switch daemon (see vswitchd(8)). */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vsw_daemon.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: vswitchd -c FILE [-d RUNDIR] [-f] [-n]\n"
		"  -c FILE    configuration file\n"
		"  -d RUNDIR  directory for the pid file, control socket and default\n"
		"             port-group sockets (overrides [global] runDir)\n"
		"  -f         stay in the foreground, log to stderr\n"
		"  -n         check the configuration and exit\n");
}

static int write_pid(const struct vswd *d)
{
	char path[VSW_PATH_MAX + 16];
	snprintf(path, sizeof(path), "%s/vswitchd.pid", d->conf.run_dir);
	FILE *f = fopen(path, "we");
	if (!f)
		return -errno;
	fprintf(f, "%ld\n", (long)getpid());
	return fclose(f) == 0 ? 0 : -EIO;
}

static void remove_pid(const struct vswd *d)
{
	char path[VSW_PATH_MAX + 16];
	snprintf(path, sizeof(path), "%s/vswitchd.pid", d->conf.run_dir);
	unlink(path);
}

/* Background mode: the child runs the daemon and tells the parent through
 * a pipe whether it started, so errors still reach the caller's terminal. */
static int detach(int *notify_fd)
{
	int pfd[2];
	if (pipe2(pfd, O_CLOEXEC) < 0)
		return -errno;
	pid_t pid = fork();
	if (pid < 0)
		return -errno;
	if (pid > 0) {
		char st = 1;
		close(pfd[1]);
		if (read(pfd[0], &st, 1) != 1)
			st = 1;
		_exit(st);
	}
	close(pfd[0]);
	setsid();
	*notify_fd = pfd[1];
	return 0;
}

static void notify(int fd, char st)
{
	if (fd < 0)
		return;
	if (write(fd, &st, 1) != 1)
		st = 1;
	close(fd);
}

int main(int argc, char **argv)
{
	static struct vswd d;
	const char *conf = NULL, *run_dir = NULL;
	bool fg = false, check_only = false;
	int c, notify_fd = -1;

	while ((c = getopt(argc, argv, "c:d:fnh")) != -1) {
		switch (c) {
		case 'c':
			conf = optarg;
			break;
		case 'd':
			run_dir = optarg;
			break;
		case 'f':
			fg = true;
			break;
		case 'n':
			check_only = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (!conf || optind != argc) {
		usage(stderr);
		return 2;
	}
	if (check_only) {
		static struct vsw_conf vc;
		char err[600];
		if (vsw_conf_load(conf, run_dir, &vc, err, sizeof(err)) < 0) {
			fprintf(stderr, "vswitchd: %s\n", err);
			return 1;
		}
		printf("%s: %d vswitches, %d port groups, %d uplinks\n", conf,
		       vc.nswitch, vc.npg, vc.nuplink);
		return 0;
	}
	if (strlen(conf) >= sizeof(d.conf_path) ||
	    (run_dir && strlen(run_dir) >= sizeof(d.run_dir_opt))) {
		fprintf(stderr, "vswitchd: path too long\n");
		return 2;
	}
	/* Reload needs the file after any chdir: keep an absolute path. */
	if (conf[0] != '/') {
		char *abs = realpath(conf, NULL);
		if (!abs) {
			fprintf(stderr, "vswitchd: %s: %s\n", conf, strerror(errno));
			return 1;
		}
		snprintf(d.conf_path, sizeof(d.conf_path), "%s", abs);
		free(abs);
	} else {
		strcpy(d.conf_path, conf);
	}
	if (run_dir)
		strcpy(d.run_dir_opt, run_dir);
	signal(SIGPIPE, SIG_IGN);
	if (!fg && detach(&notify_fd) < 0) {
		perror("vswitchd: fork");
		return 1;
	}
	d.loop = uv_default_loop();
	if (vswd_start(&d) < 0) {
		notify(notify_fd, 1);
		uv_run(d.loop, UV_RUN_NOWAIT);
		return 1;
	}
	write_pid(&d);
	if (!fg) {
		char path[VSW_PATH_MAX + 16];
		snprintf(path, sizeof(path), "%s/vswitchd.log", d.conf.run_dir);
		int lfd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
		int nfd = open("/dev/null", O_RDWR);
		if (nfd >= 0) {
			dup2(nfd, 0);
			dup2(nfd, 1);
			close(nfd);
		}
		if (lfd >= 0) {
			dup2(lfd, 2);
			close(lfd);
		}
		if (chdir("/") < 0)
			vswd_log(&d, "chdir /: %s", strerror(errno));
	}
	vswd_log(&d, "started (%s)", d.conf_path);
	notify(notify_fd, 0);
	uv_run(d.loop, UV_RUN_DEFAULT);
	remove_pid(&d);
	uv_loop_close(d.loop);
	return 0;
}
