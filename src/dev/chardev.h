/* Character-device back ends for serial ports (serialN.fileType):
 * "file" (append to name), "pipe" (unix socket server at name, one client
 * at a time), "network" (telnet://host:port, TCP server) and "stdio".
 * Each chardev has its own I/O thread; chardev_write() and chardev_read()
 * never block and are safe from any thread. */
#ifndef HOSTVM_DEV_CHARDEV_H
#define HOSTVM_DEV_CHARDEV_H

#include <stddef.h>
#include <stdint.h>

struct chardev;

/* Returns 0 or -errno (-EINVAL for an unknown type or bad name). */
int chardev_open(const char *type, const char *name, struct chardev **out);
void chardev_close(struct chardev *cd);

/* Queues up to len bytes for output; what does not fit is dropped and
 * counted.  Returns the bytes queued. */
size_t chardev_write(struct chardev *cd, const void *buf, size_t len);
/* Takes up to len received bytes; 0 when none are ready. */
size_t chardev_read(struct chardev *cd, void *buf, size_t len);
uint64_t chardev_dropped(const struct chardev *cd);

#endif
