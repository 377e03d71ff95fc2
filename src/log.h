/* Per-VM logging, in the style of VMware's vmware.log.
 *
 * Before log_open() messages go to stderr only.  After it they go to the
 * VM's log file (timestamped, rotated by size) and warnings and errors also
 * to stderr.  Messages that the guest causes (its debug port, guest-visible
 * events) go through log_guest(), which is rate-limited and can be switched
 * off with isolation.tools.log.disable, so no guest can fill the host's disk. */
#ifndef HOSTVM_LOG_H
#define HOSTVM_LOG_H

#include <stdarg.h>
#include <stdint.h>
#include <stdbool.h>

enum log_level { LOG_ERROR, LOG_WARN, LOG_INFO, LOG_DEBUG };

struct log_config {
	const char *path;        /* the log file */
	uint64_t rotate_size;    /* bytes; 0 = never rotate */
	unsigned keep_old;       /* old files kept: path-1.log .. path-N.log */
	bool guest_disabled;     /* isolation.tools.log.disable */
	unsigned guest_rate;     /* guest messages per second, sustained */
	unsigned guest_burst;    /* guest messages allowed in a burst */
	bool echo_stderr;        /* every message to stderr too */
};

int log_open(const struct log_config *cfg);
void log_close(void);

/* Minimum level written (default LOG_INFO). */
void log_set_level(enum log_level level);

/* module is a short tag such as "pit" or "vmx". */
void log_msg(enum log_level level, const char *module, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void log_vmsg(enum log_level level, const char *module, const char *fmt, va_list ap);

/* A line on the guest's behalf.  Returns false when it was dropped (logging
 * disabled or over the rate limit); drops are counted and summarised. */
bool log_guest(const char *module, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Guest messages dropped since log_open(). */
uint64_t log_guest_dropped(void);

#define log_err(mod, ...)   log_msg(LOG_ERROR, mod, __VA_ARGS__)
#define log_warn(mod, ...)  log_msg(LOG_WARN, mod, __VA_ARGS__)
#define log_info(mod, ...)  log_msg(LOG_INFO, mod, __VA_ARGS__)
#define log_debug(mod, ...) log_msg(LOG_DEBUG, mod, __VA_ARGS__)

#endif
