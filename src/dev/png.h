/* A minimal PNG writer for screenshots (vmrun captureScreen). */
#ifndef HOSTVM_DEV_PNG_H
#define HOSTVM_DEV_PNG_H

#include <stdint.h>

/* Writes w x h XRGB8888 pixels as an 8-bit RGB PNG.  0 or -errno. */
int png_write_xrgb(const char *path, const uint32_t *pixels, unsigned w, unsigned h);

#endif
