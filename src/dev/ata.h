/* An IDE channel (task-file registers, two drive positions) and the ATA
 * disk model behind it: PIO transfers, LBA28/LBA48, software reset, nIEN. */
#ifndef HOSTVM_DEV_ATA_H
#define HOSTVM_DEV_ATA_H

#include <stdbool.h>
#include <stdint.h>

#include "dev/irq.h"
#include "disk/blockdev.h"
#include "mem/pmap.h"

#define ATA_SECTOR 512
#define ATAPI_SECTOR 2048
#define ATA_MAX_SECTORS 256 /* per PIO block we buffer: one command's worth of LBA28 */

enum ide_kind { IDE_NONE, IDE_ATA, IDE_ATAPI };

struct ata_drive {
	enum ide_kind kind;
	struct blockdev *bd;
	uint64_t sectors;
	uint16_t cyls, heads, spt;
	unsigned multiple; /* SET MULTIPLE MODE count, 0 = off */
	/* ATAPI state: pending sense, media change, lock. */
	uint8_t sense_key, asc, ascq;
	bool unit_attention, media_event, locked;
};

struct ide_channel {
	struct irq_line irq;
	struct ata_drive drive[2];
	/* Task file; the *_hob copies are the previous writes (LBA48). */
	uint8_t feature, nsect, lbal, lbam, lbah;
	uint8_t nsect_hob, lbal_hob, lbam_hob, lbah_hob;
	uint8_t select, status, error, devctl;
	bool irq_pending;
	/* The PIO data phase. */
	uint8_t buf[ATA_SECTOR * 16];
	uint32_t buf_pos, buf_len;
	bool pio_write;
	uint64_t xfer_lba;     /* next sector to read or write */
	uint32_t xfer_left;    /* sectors still to move after the buffer */
	uint32_t xfer_block;   /* sectors per DRQ block */
	uint8_t cmd;
	bool dma_pending;      /* a DMA command waits for the bus master */
	bool dma_write;
	/* ATAPI: receiving the packet; end of the current DRQ chunk. */
	bool packet_phase;
	uint32_t drq_end;
	uint32_t bcl;
};

/* Marks the channel's interrupt pending (shared by ata.c and atapi.c). */
void ide_irq_raise(struct ide_channel *ch);

/* Stores s at IDENTIFY word `word` as ATA strings are kept: `words` words,
 * bytes swapped within each word, space padded. */
void ide_put_str(uint8_t *b, int word, int words, const char *s);

/* ATAPI entry points used by the channel (atapi.c). */
void atapi_command(struct ide_channel *ch, struct ata_drive *d, uint8_t cmd);
void atapi_packet(struct ide_channel *ch, struct ata_drive *d);
void atapi_next_chunk(struct ide_channel *ch, struct ata_drive *d);
void atapi_signature(struct ide_channel *ch);
void atapi_dma_done(struct ide_channel *ch);
/* Replaces the medium (NULL = eject): UNIT ATTENTION and a media event. */
int ide_channel_change_media(struct ide_channel *ch, int unit, struct blockdev *bd);

void ide_channel_reset(struct ide_channel *ch);
int ide_channel_attach(struct ide_channel *ch, int unit, enum ide_kind kind, struct blockdev *bd);

/* Register file: reg 0-7 are the command block (0 = data), reg 8 is the
 * control block (alternate status / device control). */
uint32_t ide_channel_read(struct ide_channel *ch, unsigned reg, unsigned size);
void ide_channel_write(struct ide_channel *ch, unsigned reg, unsigned size, uint32_t val);

/* Bus-master status bits (BMIDE status register). */
#define IDE_BM_ACTIVE 0x01
#define IDE_BM_ERROR 0x02
#define IDE_BM_IRQ 0x04

/* Runs the pending DMA command through the PRD table at prd in guest memory
 * (every access through pmap's checked accessors) and returns the new
 * bus-master status bits (ACTIVE/ERROR/IRQ); 0 when no command waits. */
uint8_t ide_channel_dma(struct ide_channel *ch, struct pmap *pm, uint32_t prd);

#endif
