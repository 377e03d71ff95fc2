/* Helpers for vswitchd tests and benchmarks: a minimal NIC-side client of
 * the vsw_proto.h protocol, frame builders, and starting a daemon. */
#ifndef HOSTVM_TEST_VSW_CLIENTLIB_H
#define HOSTVM_TEST_VSW_CLIENTLIB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Connect to a unix socket (blocking).  Returns the fd or -errno. */
int vswc_connect(const char *path);
/* Send a hello and wait for the reply.  Returns the port number (>= 0), or
 * -1 on "ERR" (reason copied to err if not NULL), -2 on I/O error. */
int vswc_hello(int fd, const char *vm, int nic, const char *mac, const char *pg,
	       char *err, size_t errlen);
/* Connect and say hello; returns the fd or a negative value. */
int vswc_open(const char *path, const char *vm, int nic, const char *mac,
	      const char *pg);
int vswc_send(int fd, const void *frame, size_t len);
int vswc_send_ctrl(int fd, const char *text);
/* Send raw bytes (for garbage tests). */
int vswc_send_raw(int fd, const void *buf, size_t len);
/* Receive one message within timeout_ms.  Returns its length, 0 on timeout,
 * -1 on EOF or error.  *ctrl tells a control message from a frame. */
int vswc_recv(int fd, uint8_t *buf, size_t cap, bool *ctrl, int timeout_ms);
/* Receive the next frame (skipping control messages); as vswc_recv. */
int vswc_recv_frame(int fd, uint8_t *buf, size_t cap, int timeout_ms);

/* Build an Ethernet frame; tag < 0 means untagged.  The payload starts
 * with the 32-bit marker and is padded to payload bytes (>= 4).
 * Returns the frame length. */
size_t vswc_frame(uint8_t *buf, const char *dst, const char *src, int tag,
		  uint32_t marker, size_t payload);
/* The marker of a frame built by vswc_frame (tagged or not), or 0. */
uint32_t vswc_marker(const uint8_t *f, size_t len);

/* Start vswitchd -f -c conf -d run_dir, stderr to run_dir/daemon.err;
 * wait until its control socket answers.  Returns the pid or -1. */
pid_t vswc_start_daemon(const char *conf, const char *run_dir);
/* SIGTERM and wait; returns the exit status (0 = clean, 128+N = killed
 * by signal N), so a sanitizer report in the daemon fails the test. */
int vswc_stop_daemon(pid_t pid);
/* n distinct UDP ports that were free on 127.0.0.1 a moment ago (the
 * kernel picks them), so parallel test runs do not collide. */
int vswc_free_udp_ports(int n, int *ports);
/* Path of a program in the build tree ($top_builddir or "."). */
void vswc_build_path(char *out, size_t size, const char *rel);
/* Run vswitchctl with run_dir and the given arguments (NULL-terminated);
 * stdout goes to out (size bytes).  Returns the exit status. */
int vswc_ctl(const char *run_dir, char *out, size_t size, ...);

#endif
