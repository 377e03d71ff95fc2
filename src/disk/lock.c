/* VMware-style exclusive locks: <disk>.lck/ holding M<pid>.lck files that
 * name host, pid and time.  A writer takes one; a stale lock of a dead
 * process on this host is broken; a live holder makes the open fail. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "disk/vmdk_int.h"

static int lock_scan(const char *dir, const char *host, const char *mine)
{
	DIR *dp = opendir(dir);
	struct dirent *de;
	int rc = 0;

	if (!dp)
		return -errno;
	while ((de = readdir(dp)) != NULL) {
		char p[PATH_MAX], buf[512], h[256];
		long pid = 0;
		int fd;
		ssize_t n;

		if (de->d_name[0] == '.')
			continue;
		if (snprintf(p, sizeof(p), "%s/%s", dir, de->d_name) >= (int)sizeof(p))
			continue;
		if (mine && strcmp(p, mine) == 0)
			continue;
		fd = open(p, O_RDONLY | O_NOFOLLOW);
		if (fd < 0)
			continue;
		n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (n < 0)
			continue;
		buf[n] = '\0';
		h[0] = '\0';
		if (sscanf(buf, "host=%255s pid=%ld", h, &pid) != 2 || pid <= 0) {
			/* Unreadable lock: treat as held, to be safe. */
			vmdk_set_error("disk is locked by %s (unrecognised lock file)", p);
			rc = -EBUSY;
			break;
		}
		if (strcmp(h, host) == 0 && kill((pid_t)pid, 0) < 0 && errno == ESRCH) {
			unlink(p);      /* stale: the holder died */
			continue;
		}
		vmdk_set_error("disk is in use by pid %ld on host %s (lock %s)", pid, h, p);
		rc = -EBUSY;
		break;
	}
	closedir(dp);
	return rc;
}

int vmdk_lock_acquire(struct vmdk *d)
{
	char host[256] = "localhost", dir[PATH_MAX], file[PATH_MAX], body[512];
	int fd, rc, n;

	gethostname(host, sizeof(host) - 1);
	host[sizeof(host) - 1] = '\0';
	if (snprintf(dir, sizeof(dir), "%s.lck", d->path) >= (int)sizeof(dir))
		return -ENAMETOOLONG;
	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		return -errno;
	rc = lock_scan(dir, host, NULL);
	if (rc)
		return rc;
	if (snprintf(file, sizeof(file), "%s/M%ld.lck", dir, (long)getpid()) >= (int)sizeof(file))
		return -ENAMETOOLONG;
	fd = open(file, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0644);
	if (fd < 0) {
		vmdk_set_error("cannot create lock %s: %s", file, strerror(errno));
		return -errno;
	}
	n = snprintf(body, sizeof(body), "host=%s pid=%ld time=%ld\n", host,
		     (long)getpid(), (long)time(NULL));
	if (write(fd, body, (size_t)n) != n) {
		close(fd);
		unlink(file);
		return -EIO;
	}
	close(fd);
	/* Two writers racing: each re-scans and the loser backs off. */
	rc = lock_scan(dir, host, file);
	if (rc) {
		unlink(file);
		return rc;
	}
	d->lock_file = strdup(file);
	d->lock_dir = strdup(dir);
	if (!d->lock_file || !d->lock_dir)
		return -ENOMEM;
	return 0;
}

void vmdk_lock_release(struct vmdk *d)
{
	if (d->lock_file)
		unlink(d->lock_file);
	if (d->lock_dir)
		rmdir(d->lock_dir);
	free(d->lock_file);
	free(d->lock_dir);
	d->lock_file = d->lock_dir = NULL;
}
