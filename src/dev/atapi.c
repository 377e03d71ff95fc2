/* The ATAPI CD-ROM: PACKET protocol (byte-count limited PIO chunks, or
 * bus-master DMA for reads), 2048-byte sectors, and the MMC commands
 * firmware and Linux use.  Errors report a sense key/ASC in REQUEST SENSE. */
#include "config.h"
#include "dev/ata.h"

#include <errno.h>
#include <string.h>

#define ST_DRDY 0x40
#define ST_DSC 0x10
#define ST_DRQ 0x08
#define ST_ERR 0x01

/* Interrupt reason (sector count register). */
#define IR_COD 0x01
#define IR_IO 0x02

#define SK_NOT_READY 0x2
#define SK_ILLEGAL 0x5
#define SK_UNIT_ATTN 0x6

static void put16be(uint8_t *b, uint32_t v) { b[0] = (uint8_t)(v >> 8); b[1] = (uint8_t)v; }
static void put32be(uint8_t *b, uint32_t v)
{
	b[0] = (uint8_t)(v >> 24); b[1] = (uint8_t)(v >> 16);
	b[2] = (uint8_t)(v >> 8); b[3] = (uint8_t)v;
}
static uint32_t get32be(const uint8_t *b)
{
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

void atapi_signature(struct ide_channel *ch)
{
	ch->nsect = 1;
	ch->lbal = 1;
	ch->lbam = 0x14;
	ch->lbah = 0xeb;
	ch->status = 0;
}

static void done_ok(struct ide_channel *ch, struct ata_drive *d)
{
	d->sense_key = d->asc = d->ascq = 0;
	ch->error = 0;
	ch->nsect = IR_IO | IR_COD;
	ch->status = ST_DRDY | ST_DSC;
	ide_irq_raise(ch);
}

static void done_check(struct ide_channel *ch, struct ata_drive *d, uint8_t key, uint8_t asc,
		       uint8_t ascq)
{
	d->sense_key = key;
	d->asc = asc;
	d->ascq = ascq;
	ch->error = (uint8_t)(key << 4 | 0x04);
	ch->nsect = IR_IO | IR_COD;
	ch->status = ST_DRDY | ST_ERR;
	ch->buf_pos = ch->buf_len = ch->drq_end = 0;
	ch->xfer_left = 0;
	ide_irq_raise(ch);
}

/* Fails the command with NOT READY, MEDIUM NOT PRESENT when the tray is
 * empty; true when it did. */
static bool no_medium(struct ide_channel *ch, struct ata_drive *d)
{
	if (d->bd)
		return false;
	done_check(ch, d, SK_NOT_READY, 0x3a, 0);
	return true;
}

void atapi_dma_done(struct ide_channel *ch)
{
	done_ok(ch, &ch->drive[(ch->select >> 4) & 1]);
}

/* Opens the next DRQ chunk of at most the byte-count limit. */
static void start_chunk(struct ide_channel *ch)
{
	uint32_t n = ch->buf_len - ch->buf_pos;

	if (n > ch->bcl)
		n = ch->bcl;
	ch->drq_end = ch->buf_pos + n;
	ch->lbam = (uint8_t)n;
	ch->lbah = (uint8_t)(n >> 8);
	ch->nsect = IR_IO;
	ch->status = ST_DRDY | ST_DSC | ST_DRQ;
	ide_irq_raise(ch);
}

/* Fills the buffer with as many CD sectors of the READ as fit. */
static bool fill_sectors(struct ide_channel *ch, struct ata_drive *d)
{
	uint32_t n = ch->xfer_left;

	if (no_medium(ch, d)) /* ejected in the middle of the READ */
		return false;
	if (n > sizeof(ch->buf) / ATAPI_SECTOR)
		n = sizeof(ch->buf) / ATAPI_SECTOR;
	if (blockdev_pread(d->bd, ch->buf, (uint64_t)n * ATAPI_SECTOR,
			   ch->xfer_lba * ATAPI_SECTOR) < 0) {
		done_check(ch, d, 0x3, 0x11, 0x00); /* MEDIUM ERROR, unrecovered read */
		return false;
	}
	ch->xfer_lba += n;
	ch->xfer_left -= n;
	ch->buf_pos = 0;
	ch->buf_len = n * ATAPI_SECTOR;
	return true;
}

void atapi_next_chunk(struct ide_channel *ch, struct ata_drive *d)
{
	if (ch->buf_pos < ch->buf_len) {
		start_chunk(ch);
		return;
	}
	if (ch->xfer_left) {
		if (fill_sectors(ch, d))
			start_chunk(ch);
		return;
	}
	ch->buf_pos = ch->buf_len = ch->drq_end = 0;
	done_ok(ch, d);
}

/* Sends len bytes already in the buffer (clipped to the allocation length). */
static void send_reply(struct ide_channel *ch, struct ata_drive *d, uint32_t len, uint32_t alloc)
{
	if (len > alloc)
		len = alloc;
	if (!len) {
		done_ok(ch, d);
		return;
	}
	ch->buf_pos = 0;
	ch->buf_len = len;
	ch->pio_write = false;
	start_chunk(ch);
}

static void identify_packet(struct ide_channel *ch)
{
	uint8_t *b = ch->buf;

	memset(b, 0, ATA_SECTOR);
	b[0] = 0x80; b[1] = 0x85;       /* ATAPI, CD-ROM, 12-byte packets, DRQ in 50us */
	ide_put_str(b, 10, 10, "HVCD00000001");
	ide_put_str(b, 23, 4, "1.0");
	ide_put_str(b, 27, 20, "HOSTVM CD-ROM");
	b[99] = 0x03;                   /* word 49: LBA, DMA */
	b[106] = 0x06;                  /* words 64-70, 88 valid */
	b[126] = 0x07;                  /* MWDMA 0-2 */
	b[128] = 0x03;                  /* PIO 3-4 */
	b[130] = 120; b[132] = 120; b[134] = 120; b[136] = 120;
	b[160] = 0x7e;                  /* ATA/ATAPI-1..6 */
	b[176] = 0x3f;                  /* UDMA 0-5 */
}

void atapi_command(struct ide_channel *ch, struct ata_drive *d, uint8_t cmd)
{
	switch (cmd) {
	case 0xa1: /* IDENTIFY PACKET DEVICE */
		identify_packet(ch);
		ch->buf_len = ch->drq_end = ATA_SECTOR;
		ch->pio_write = false;
		ch->error = 0;
		ch->status = ST_DRDY | ST_DSC | ST_DRQ;
		ide_irq_raise(ch);
		break;
	case 0xa0: /* PACKET */
		ch->bcl = (uint32_t)(ch->lbam | ch->lbah << 8) & ~1u;
		if (!ch->bcl || ch->bcl > 0xfffe)
			ch->bcl = 0xfffe;
		ch->packet_phase = true;
		ch->dma_write = false;
		ch->buf_pos = 0;
		ch->buf_len = 12;
		ch->pio_write = true;
		ch->nsect = IR_COD;
		ch->status = ST_DRDY | ST_DRQ;
		break;
	case 0x08: /* DEVICE RESET */
		atapi_signature(ch);
		ch->error = 1;
		break;
	case 0xef: /* SET FEATURES */
		ch->error = 0;
		ch->status = ST_DRDY | ST_DSC;
		ide_irq_raise(ch);
		break;
	default:
		/* Including IDENTIFY DEVICE: abort with the ATAPI signature so
		 * the host knows to send IDENTIFY PACKET DEVICE. */
		atapi_signature(ch);
		ch->error = 0x04;
		ch->status = ST_DRDY | ST_ERR;
		ide_irq_raise(ch);
	}
}

static void read_cmd(struct ide_channel *ch, struct ata_drive *d, uint32_t lba, uint32_t count)
{
	if (no_medium(ch, d))
		return;
	if (lba >= d->sectors || count > d->sectors - lba) {
		done_check(ch, d, SK_ILLEGAL, 0x21, 0); /* LBA out of range */
		return;
	}
	if (!count) {
		done_ok(ch, d);
		return;
	}
	ch->xfer_lba = lba;
	ch->xfer_left = count;
	if (ch->feature & 1) { /* DMA: the bus master moves it */
		ch->dma_pending = true;
		ch->status = ST_DRDY | ST_DSC | ST_DRQ;
		return;
	}
	ch->pio_write = false;
	if (fill_sectors(ch, d))
		start_chunk(ch);
}

/* Builds a TOC in format 0 (tracks) or 1 (session info). */
static uint32_t read_toc(struct ide_channel *ch, struct ata_drive *d, const uint8_t *p)
{
	uint8_t *b = ch->buf;
	bool msf = p[1] & 2;
	unsigned fmt = p[2] & 0x0f ? p[2] & 0x0f : p[9] >> 6;
	uint32_t n = 4;

	memset(b, 0, 64);
	if (fmt > 1 || (fmt == 0 && p[6] > 1 && p[6] != 0xaa))
		return 0;
	b[2] = 1;
	b[3] = 1;
	if (fmt == 0 && p[6] <= 1) {
		b[n + 1] = 0x14; b[n + 2] = 1;
		put32be(b + n + 4, msf ? 0x00000200 : 0); /* 00:02:00 */
		n += 8;
	}
	if (fmt == 0) { /* lead-out */
		uint32_t end = (uint32_t)d->sectors;
		b[n + 1] = 0x14; b[n + 2] = 0xaa;
		if (msf) {
			uint32_t f = end + 150;
			b[n + 5] = (uint8_t)(f / (75 * 60));
			b[n + 6] = (uint8_t)(f / 75 % 60);
			b[n + 7] = (uint8_t)(f % 75);
		} else {
			put32be(b + n + 4, end);
		}
		n += 8;
	} else {
		b[n + 1] = 0x14; b[n + 2] = 1;
		put32be(b + n + 4, msf ? 0x00000200 : 0);
		n += 8;
	}
	put16be(b, n - 2);
	return n;
}

void atapi_packet(struct ide_channel *ch, struct ata_drive *d)
{
	uint8_t p[12];
	uint8_t *b = ch->buf;
	uint32_t n;

	memcpy(p, ch->buf, sizeof(p));
	ch->packet_phase = false;
	ch->buf_pos = ch->buf_len = ch->drq_end = 0;
	/* A pending unit attention fails every command but these. */
	if (d->unit_attention && p[0] != 0x03 && p[0] != 0x12 && p[0] != 0x4a) {
		d->unit_attention = false;
		done_check(ch, d, SK_UNIT_ATTN, 0x28, 0); /* medium may have changed */
		return;
	}
	switch (p[0]) {
	case 0x00: /* TEST UNIT READY */
		if (!no_medium(ch, d))
			done_ok(ch, d);
		break;
	case 0x03: /* REQUEST SENSE */
		memset(b, 0, 18);
		b[0] = 0x70;
		b[2] = d->sense_key;
		b[7] = 10;
		b[12] = d->asc;
		b[13] = d->ascq;
		if (d->unit_attention) {
			b[2] = SK_UNIT_ATTN;
			b[12] = 0x28;
			d->unit_attention = false;
		}
		d->sense_key = d->asc = d->ascq = 0;
		send_reply(ch, d, 18, p[4]);
		break;
	case 0x12: /* INQUIRY */
		memset(b, 0, 36);
		b[0] = 0x05; b[1] = 0x80; b[2] = 0x00; b[3] = 0x21; b[4] = 31;
		memcpy(b + 8, "HOSTVM  ", 8);
		memcpy(b + 16, "CD-ROM          ", 16);
		memcpy(b + 32, "1.0 ", 4);
		send_reply(ch, d, 36, p[4]);
		break;
	case 0x25: /* READ CAPACITY */
		if (no_medium(ch, d))
			break;
		put32be(b, d->sectors ? (uint32_t)d->sectors - 1 : 0);
		put32be(b + 4, ATAPI_SECTOR);
		send_reply(ch, d, 8, 8);
		break;
	case 0x28: /* READ(10) */
		read_cmd(ch, d, get32be(p + 2), (uint32_t)p[7] << 8 | p[8]);
		break;
	case 0xa8: /* READ(12) */
		read_cmd(ch, d, get32be(p + 2), get32be(p + 6));
		break;
	case 0x43: /* READ TOC */
		if (no_medium(ch, d))
			break;
		n = read_toc(ch, d, p);
		if (!n)
			done_check(ch, d, SK_ILLEGAL, 0x24, 0);
		else
			send_reply(ch, d, n, (uint32_t)p[7] << 8 | p[8]);
		break;
	case 0x5a: /* MODE SENSE(10): error recovery and CD capabilities */
		memset(b, 0, 40);
		n = 8;
		if ((p[2] & 0x3f) == 0x01 || (p[2] & 0x3f) == 0x3f) {
			b[n] = 0x01; b[n + 1] = 6; n += 8;
		}
		if ((p[2] & 0x3f) == 0x2a || (p[2] & 0x3f) == 0x3f) {
			b[n] = 0x2a; b[n + 1] = 0x14;
			b[n + 2] = 0x03; b[n + 4] = 0x71; b[n + 5] = 0x73;
			b[n + 6] = (uint8_t)(0x29 | (d->locked ? 0x02 : 0));
			put16be(b + n + 8, 706);
			put16be(b + n + 14, 706);
			n += 22;
		}
		if (n == 8) {
			done_check(ch, d, SK_ILLEGAL, 0x24, 0);
			break;
		}
		put16be(b, n - 2);
		b[2] = d->bd ? 0x01 : 0x70;
		send_reply(ch, d, n, (uint32_t)p[7] << 8 | p[8]);
		break;
	case 0x46: /* GET CONFIGURATION: profile list with CD-ROM current */
		memset(b, 0, 20);
		put32be(b, 16);
		put16be(b + 6, d->bd ? 0x0008 : 0);
		b[8 + 2] = 0x03; /* profile list feature: persistent, current */
		b[8 + 3] = 4;
		put16be(b + 12, 0x0008);
		b[14] = d->bd ? 1 : 0;
		send_reply(ch, d, 16, (uint32_t)p[7] << 8 | p[8]);
		break;
	case 0x4a: /* GET EVENT STATUS NOTIFICATION (polled, media class) */
		if (!(p[1] & 1)) {
			done_check(ch, d, SK_ILLEGAL, 0x24, 0);
			break;
		}
		memset(b, 0, 8);
		if (p[4] & 0x10) {
			put16be(b, 6);
			b[2] = 0x04;
			b[3] = 0x10;
			if (d->media_event) {
				b[4] = d->bd ? 0x02 : 0x03; /* new media / removal */
				d->media_event = false;
			}
			b[5] = d->bd ? 0x02 : 0x00; /* media present */
			send_reply(ch, d, 8, (uint32_t)p[7] << 8 | p[8]);
		} else {
			put16be(b, 2);
			b[2] = 0x80; /* no event class supported that was asked */
			b[3] = 0x10;
			send_reply(ch, d, 4, (uint32_t)p[7] << 8 | p[8]);
		}
		break;
	case 0x1b: /* START STOP UNIT: eject is refused while locked */
		if ((p[4] & 3) == 2 && d->locked)
			done_check(ch, d, SK_ILLEGAL, 0x53, 0x02);
		else
			done_ok(ch, d);
		break;
	case 0x1e: /* PREVENT ALLOW MEDIUM REMOVAL */
		d->locked = p[4] & 1;
		done_ok(ch, d);
		break;
	case 0x51: /* READ DISC INFORMATION: one complete session */
		if (no_medium(ch, d))
			break;
		memset(b, 0, 34);
		put16be(b, 32);
		b[2] = 0x0e; b[3] = 1; b[4] = 1; b[5] = 1; b[6] = 1;
		send_reply(ch, d, 34, (uint32_t)p[7] << 8 | p[8]);
		break;
	default:
		done_check(ch, d, SK_ILLEGAL, 0x20, 0); /* invalid command opcode */
	}
}

int ide_channel_change_media(struct ide_channel *ch, int unit, struct blockdev *bd)
{
	struct ata_drive *d;

	if (unit < 0 || unit > 1 || ch->drive[unit].kind != IDE_ATAPI)
		return -EINVAL;
	d = &ch->drive[unit];
	d->bd = bd;
	d->sectors = bd ? bd->size / ATAPI_SECTOR : 0;
	d->unit_attention = true;
	d->media_event = true;
	return 0;
}
