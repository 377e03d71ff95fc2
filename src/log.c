/* Per-VM log: timestamped lines, size-based rotation, and a rate limit on
 * what the guest can make us write.  See log.h. */
#include "config.h"
#include "log.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static struct {
	pthread_mutex_t lock;
	FILE *fp;
	char *path;
	uint64_t size;
	uint64_t rotate_size;
	unsigned keep_old;
	bool echo;
	enum log_level level;
	bool guest_disabled;
	double guest_rate;
	double guest_burst;
	double tokens;
	struct timespec last_refill;
	uint64_t guest_dropped;
	uint64_t dropped_unreported;
} lg = { .lock = PTHREAD_MUTEX_INITIALIZER, .level = LOG_INFO };

static const char *const level_name[] = { "error", "warning", "info", "debug" };

/* "dir/vmware.log" -> "dir/vmware-3.log"; "dir/vm.txt" -> "dir/vm.txt-3". */
static char *old_name(const char *path, unsigned n)
{
	const char *dot = strrchr(path, '.');
	const char *slash = strrchr(path, '/');
	char *out;

	if (dot && (!slash || dot > slash) && dot != path)
		return asprintf(&out, "%.*s-%u%s", (int)(dot - path), path, n, dot) < 0 ? NULL : out;
	return asprintf(&out, "%s-%u", path, n) < 0 ? NULL : out;
}

/* path-(k-1) -> path-k for the kept files, path -> path-0.  The oldest
 * beyond keep_old is removed. */
static void rotate_files(void)
{
	char *from, *to;

	if (lg.keep_old == 0) {
		unlink(lg.path);
		return;
	}
	to = old_name(lg.path, lg.keep_old - 1);
	if (to)
		unlink(to);
	free(to);
	for (unsigned k = lg.keep_old - 1; k > 0; k--) {
		from = old_name(lg.path, k - 1);
		to = old_name(lg.path, k);
		if (from && to)
			rename(from, to);
		free(from);
		free(to);
	}
	to = old_name(lg.path, 0);
	if (to)
		rename(lg.path, to);
	free(to);
}

static int reopen(void)
{
	if (lg.fp)
		fclose(lg.fp);
	lg.fp = fopen(lg.path, "w");
	lg.size = 0;
	if (!lg.fp)
		return -errno;
	setvbuf(lg.fp, NULL, _IOLBF, 0);
	return 0;
}

int log_open(const struct log_config *cfg)
{
	struct stat st;
	int err;

	pthread_mutex_lock(&lg.lock);
	free(lg.path);
	lg.path = strdup(cfg->path);
	lg.rotate_size = cfg->rotate_size;
	lg.keep_old = cfg->keep_old;
	lg.echo = cfg->echo_stderr;
	lg.guest_disabled = cfg->guest_disabled;
	lg.guest_rate = cfg->guest_rate ? cfg->guest_rate : 100;
	lg.guest_burst = cfg->guest_burst ? cfg->guest_burst : 1000;
	lg.tokens = lg.guest_burst;
	clock_gettime(CLOCK_MONOTONIC, &lg.last_refill);
	lg.guest_dropped = lg.dropped_unreported = 0;
	/* Like VMware, each power-on starts a fresh log and keeps the last
	 * run's as the newest old one. */
	if (lg.path && stat(lg.path, &st) == 0)
		rotate_files();
	err = lg.path ? reopen() : -ENOMEM;
	pthread_mutex_unlock(&lg.lock);
	return err;
}

void log_close(void)
{
	pthread_mutex_lock(&lg.lock);
	if (lg.fp)
		fclose(lg.fp);
	lg.fp = NULL;
	free(lg.path);
	lg.path = NULL;
	pthread_mutex_unlock(&lg.lock);
}

void log_set_level(enum log_level level)
{
	lg.level = level;
}

/* Writes one line; called with lg.lock held. */
static void emit(enum log_level level, const char *module, const char *fmt, va_list ap)
{
	char stamp[40], msg[1024];
	struct timeval tv;
	struct tm tm;
	int n;

	vsnprintf(msg, sizeof(msg), fmt, ap);
	/* A guest-supplied string must not forge extra log lines. */
	for (char *p = msg; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	if (!lg.fp || lg.echo || level <= LOG_WARN)
		fprintf(stderr, "%s: %s: %s\n", module, level_name[level], msg);
	if (!lg.fp)
		return;
	gettimeofday(&tv, NULL);
	localtime_r(&tv.tv_sec, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
	n = fprintf(lg.fp, "%s.%03ldZ| %s| %s: %s\n", stamp, (long)(tv.tv_usec / 1000),
		    module, level_name[level], msg);
	if (n > 0)
		lg.size += (uint64_t)n;
	if (lg.rotate_size && lg.size >= lg.rotate_size) {
		fclose(lg.fp);
		lg.fp = NULL;
		rotate_files();
		reopen();
	}
}

static void emit_l(enum log_level level, const char *module, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	emit(level, module, fmt, ap);
	va_end(ap);
}

void log_vmsg(enum log_level level, const char *module, const char *fmt, va_list ap)
{
	if (level > lg.level)
		return;
	pthread_mutex_lock(&lg.lock);
	emit(level, module, fmt, ap);
	pthread_mutex_unlock(&lg.lock);
}

void log_msg(enum log_level level, const char *module, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(level, module, fmt, ap);
	va_end(ap);
}

/* Token bucket: guest_rate tokens a second up to guest_burst. */
static bool take_token(void)
{
	struct timespec now;
	double dt;

	clock_gettime(CLOCK_MONOTONIC, &now);
	dt = (double)(now.tv_sec - lg.last_refill.tv_sec) +
	     (double)(now.tv_nsec - lg.last_refill.tv_nsec) / 1e9;
	lg.last_refill = now;
	lg.tokens += dt * lg.guest_rate;
	if (lg.tokens > lg.guest_burst)
		lg.tokens = lg.guest_burst;
	if (lg.tokens < 1.0)
		return false;
	lg.tokens -= 1.0;
	return true;
}

bool log_guest(const char *module, const char *fmt, ...)
{
	va_list ap;
	bool ok;

	if (lg.guest_disabled)
		return false;
	pthread_mutex_lock(&lg.lock);
	ok = take_token();
	if (!ok) {
		lg.guest_dropped++;
		lg.dropped_unreported++;
	} else {
		if (lg.dropped_unreported) {
			emit_l(LOG_WARN, module, "%llu guest messages dropped by the rate limit",
			       (unsigned long long)lg.dropped_unreported);
			lg.dropped_unreported = 0;
		}
		va_start(ap, fmt);
		emit(LOG_INFO, module, fmt, ap);
		va_end(ap);
	}
	pthread_mutex_unlock(&lg.lock);
	return ok;
}

uint64_t log_guest_dropped(void)
{
	return lg.guest_dropped;
}
