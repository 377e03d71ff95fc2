/* QEMU's firmware configuration interface, as SeaBIOS uses it: selector at
 * 0x510 (16-bit), data at 0x511 (8-bit), DMA address at 0x514/0x518. */
#ifndef HOSTVM_DEV_FW_CFG_H
#define HOSTVM_DEV_FW_CFG_H

#include <stddef.h>
#include <stdint.h>
#include "dev/iobus.h"
#include "mem/pmap.h"

#define FW_CFG_SIGNATURE 0x00
#define FW_CFG_ID        0x01
#define FW_CFG_UUID      0x02
#define FW_CFG_RAM_SIZE  0x03
#define FW_CFG_NB_CPUS   0x05
#define FW_CFG_BOOT_MENU 0x0e
#define FW_CFG_MAX_CPUS  0x0f
#define FW_CFG_FILE_DIR  0x19
#define FW_CFG_FILE_FIRST 0x20
#define FW_CFG_MAX_FILES 64
#define FW_CFG_NAME_LEN  56

struct fw_cfg;

int fw_cfg_create(struct iobus *bus, struct pmap *pm, struct fw_cfg **out);
/* Selects nothing and drops any DMA address; the entries stay. */
void fw_cfg_reset(struct fw_cfg *fc);
void fw_cfg_destroy(struct fw_cfg *fc);

/* Adds or replaces an entry; data is copied.  Values are little-endian. */
int fw_cfg_add_bytes(struct fw_cfg *fc, uint16_t key, const void *data, size_t len);
int fw_cfg_add_i16(struct fw_cfg *fc, uint16_t key, uint16_t v);
int fw_cfg_add_i32(struct fw_cfg *fc, uint16_t key, uint32_t v);
int fw_cfg_add_i64(struct fw_cfg *fc, uint16_t key, uint64_t v);
/* Adds a named file (listed in FW_CFG_FILE_DIR); -EEXIST for a duplicate,
 * -ENOSPC when full, -ENAMETOOLONG for names of 56 bytes or more. */
int fw_cfg_add_file(struct fw_cfg *fc, const char *name, const void *data, size_t len);

/* Builds and adds "etc/e820": RAM below lowmem_top (the PCI hole start)
 * and the rest above 4 GiB. */
int fw_cfg_add_e820(struct fw_cfg *fc, uint64_t ram_size, uint64_t lowmem_top);

#endif
