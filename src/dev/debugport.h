/* Debug ports: 0xE9 (Bochs-style console), 0x80 (POST codes) and the test
 * exit port (default 0xF4). */
#ifndef HOSTVM_DEV_DEBUGPORT_H
#define HOSTVM_DEV_DEBUGPORT_H

#include <stdint.h>
#include "dev/iobus.h"
#include "dev/platform.h"

struct debugport;

/* echo(opaque, buf, len), if not NULL, also receives the 0xE9 bytes raw.
 * exit_port is the test exit port (0 to leave it out). */
int debugport_create(struct iobus *bus, const struct platform_hooks *hooks,
		     uint16_t exit_port,
		     void (*echo)(void *opaque, const char *buf, unsigned len),
		     void *echo_opaque, struct debugport **out);
void debugport_reset(struct debugport *d);
void debugport_destroy(struct debugport *d);

/* The last POST code written to port 0x80. */
uint8_t debugport_post_code(const struct debugport *d);

#endif
