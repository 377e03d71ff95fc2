/* VMware-style disk locks: <disk>.lck/ holding one file per user, named
 * M<pid>.lck for the writer (exclusive) and R<pid>-<n>.lck for readers
 * (shared), each naming host, pid and time.  A writer needs the disk to
 * itself; a reader only needs no writer.  Locks of this process never
 * conflict with one another (one process may read a disk it writes); a
 * lock left by a dead process on this host is broken; a live one makes
 * the open fail with an error naming the holder. */
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

static int lock_scan(const char *dir, const char *host, bool writer)
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
		/* Non-blocking: a FIFO planted in the lock directory must not
		 * hang the open. */
		fd = open(p, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
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
		if (strcmp(h, host) == 0 && pid == (long)getpid())
			continue;
		if (strcmp(h, host) == 0 && kill((pid_t)pid, 0) < 0 && errno == ESRCH) {
			unlink(p);      /* stale: the holder died */
			continue;
		}
		if (!writer && de->d_name[0] == 'R')
			continue;       /* readers share */
		vmdk_set_error("disk is in use by pid %ld on host %s (%s lock %s)", pid, h,
			       de->d_name[0] == 'R' ? "read" : "write", p);
		rc = -EBUSY;
		break;
	}
	closedir(dp);
	return rc;
}

int vmdk_lock_acquire(struct vmdk *d)
{
	static unsigned long seq;
	char host[256] = "localhost", dir[PATH_MAX], file[PATH_MAX], body[512];
	bool writer = !d->rdonly;
	int fd, rc, n;

	gethostname(host, sizeof(host) - 1);
	host[sizeof(host) - 1] = '\0';
	if (snprintf(dir, sizeof(dir), "%s.lck", d->path) >= (int)sizeof(dir))
		return -ENAMETOOLONG;
	if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
		/* A reader on read-only media goes without a lock. */
		if (!writer && (errno == EROFS || errno == EACCES))
			return 0;
		vmdk_set_error("cannot create lock directory %s: %s", dir, strerror(errno));
		return -errno;
	}
	rc = lock_scan(dir, host, writer);
	if (rc)
		goto fail_dir;
	if (writer)
		n = snprintf(file, sizeof(file), "%s/M%ld.lck", dir, (long)getpid());
	else
		n = snprintf(file, sizeof(file), "%s/R%ld-%lu.lck", dir, (long)getpid(),
			     __atomic_fetch_add(&seq, 1, __ATOMIC_RELAXED));
	if (n >= (int)sizeof(file)) {
		rc = -ENAMETOOLONG;
		goto fail_dir;
	}
	fd = open(file, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0) {
		rc = -errno;
		if (errno == EEXIST)
			vmdk_set_error("disk is already open for writing in this process (%s)", file);
		else
			vmdk_set_error("cannot create lock %s: %s", file, strerror(errno));
		goto fail_dir;
	}
	n = snprintf(body, sizeof(body), "host=%s pid=%ld time=%ld\n", host,
		     (long)getpid(), (long)time(NULL));
	if (write(fd, body, (size_t)n) != n) {
		close(fd);
		unlink(file);
		rc = -EIO;
		goto fail_dir;
	}
	close(fd);
	/* Two openers racing: each re-scans and the loser backs off. */
	rc = lock_scan(dir, host, writer);
	if (rc) {
		unlink(file);
		goto fail_dir;
	}
	d->lock_file = strdup(file);
	d->lock_dir = strdup(dir);
	if (!d->lock_file || !d->lock_dir)
		return -ENOMEM;
	return 0;
fail_dir:
	rmdir(dir);     /* only if empty */
	return rc;
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
