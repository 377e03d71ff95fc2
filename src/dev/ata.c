/* The IDE channel task file and the ATA disk command set (PIO). */
#include "config.h"
#include "dev/ata.h"

#include <errno.h>
#include <string.h>

#define ST_BSY 0x80
#define ST_DRDY 0x40
#define ST_DSC 0x10
#define ST_DRQ 0x08
#define ST_ERR 0x01
#define ER_ABRT 0x04
#define ER_IDNF 0x10
#define DC_NIEN 0x02
#define DC_SRST 0x04
#define DC_HOB 0x80

static struct ata_drive *cur(struct ide_channel *ch)
{
	return &ch->drive[(ch->select >> 4) & 1];
}

static void irq_update(struct ide_channel *ch)
{
	irq_set_level(&ch->irq, ch->irq_pending && !(ch->devctl & DC_NIEN));
}

void ide_irq_raise(struct ide_channel *ch)
{
	ch->irq_pending = true;
	irq_update(ch);
}

static void signature(struct ide_channel *ch)
{
	ch->nsect = 1;
	ch->lbal = 1;
	ch->lbam = 0;
	ch->lbah = 0;
	ch->select = 0;
	ch->error = 1; /* diagnostics passed */
	ch->status = ch->drive[0].kind == IDE_ATA ? ST_DRDY | ST_DSC : 0;
	if (ch->drive[0].kind == IDE_ATAPI)
		atapi_signature(ch);
}

void ide_channel_reset(struct ide_channel *ch)
{
	ch->buf_pos = ch->buf_len = 0;
	ch->xfer_left = 0;
	ch->irq_pending = false;
	ch->dma_pending = false;
	ch->packet_phase = false;
	ch->drive[0].multiple = ch->drive[1].multiple = 0;
	signature(ch);
	irq_update(ch);
}

int ide_channel_attach(struct ide_channel *ch, int unit, enum ide_kind kind, struct blockdev *bd)
{
	struct ata_drive *d;
	uint64_t cyl;

	if (unit < 0 || unit > 1 || (kind != IDE_ATA && kind != IDE_ATAPI) ||
	    (kind == IDE_ATA && !bd))
		return -EINVAL;
	d = &ch->drive[unit];
	if (kind == IDE_ATAPI) {
		d->kind = kind;
		d->bd = bd;
		d->sectors = bd ? bd->size / ATAPI_SECTOR : 0;
		d->unit_attention = false;
		ide_channel_reset(ch);
		return 0;
	}
	d->kind = kind;
	d->bd = bd;
	d->sectors = bd->size / ATA_SECTOR;
	d->heads = 16;
	d->spt = 63;
	cyl = d->sectors / (16 * 63);
	d->cyls = (uint16_t)(cyl > 16383 ? 16383 : cyl ? cyl : 1);
	ide_channel_reset(ch);
	return 0;
}

static void put16(uint8_t *b, int word, uint16_t v)
{
	b[word * 2] = (uint8_t)v;
	b[word * 2 + 1] = (uint8_t)(v >> 8);
}

void ide_put_str(uint8_t *b, int word, int words, const char *s)
{
	size_t n = strlen(s);
	for (int i = 0; i < words * 2; i++)
		b[word * 2 + (i ^ 1)] = (size_t)i < n ? (uint8_t)s[i] : ' ';
}

static void identify(struct ide_channel *ch, struct ata_drive *d)
{
	uint8_t *b = ch->buf;
	uint64_t lba28 = d->sectors > 0x0fffffff ? 0x0fffffff : d->sectors;
	uint64_t chs = (uint64_t)d->cyls * d->heads * d->spt;

	memset(b, 0, ATA_SECTOR);
	put16(b, 0, 0x0040);             /* fixed device */
	put16(b, 1, d->cyls);
	put16(b, 3, d->heads);
	put16(b, 6, d->spt);
	ide_put_str(b, 10, 10, "HV0000000001");
	ide_put_str(b, 23, 4, "1.0");
	ide_put_str(b, 27, 20, "HOSTVM HARDDISK");
	put16(b, 47, 0x8000 | 16);       /* READ/WRITE MULTIPLE up to 16 */
	put16(b, 49, 0x0300);            /* LBA and DMA supported */
	put16(b, 51, 0x0200);
	put16(b, 53, 0x0007);            /* words 54-58, 64-70, 88 valid */
	put16(b, 54, d->cyls);
	put16(b, 55, d->heads);
	put16(b, 56, d->spt);
	put16(b, 57, (uint16_t)chs);
	put16(b, 58, (uint16_t)(chs >> 16));
	put16(b, 59, d->multiple ? 0x100 | d->multiple : 0);
	put16(b, 60, (uint16_t)lba28);
	put16(b, 61, (uint16_t)(lba28 >> 16));
	put16(b, 63, 0x0007);            /* MWDMA 0-2 */
	put16(b, 64, 0x0003);            /* PIO 3-4 */
	put16(b, 65, 120);
	put16(b, 66, 120);
	put16(b, 67, 120);
	put16(b, 68, 120);
	put16(b, 80, 0x007e);            /* ATA-1..6 */
	put16(b, 82, 0x4000);
	put16(b, 83, 0x7400);            /* LBA48, FLUSH CACHE (EXT) */
	put16(b, 84, 0x4000);
	put16(b, 85, 0x4000);
	put16(b, 86, 0x3400);
	put16(b, 87, 0x4000);
	put16(b, 88, 0x003f);            /* UDMA 0-5 */
	for (int i = 0; i < 4; i++)
		put16(b, 100 + i, (uint16_t)(d->sectors >> (16 * i)));
}

static void cmd_error(struct ide_channel *ch, uint8_t err)
{
	ch->error = err;
	ch->status = ST_DRDY | ST_ERR;
	ch->buf_pos = ch->buf_len = 0;
	ch->xfer_left = 0;
	ide_irq_raise(ch);
}

static void cmd_ok(struct ide_channel *ch)
{
	ch->error = 0;
	ch->status = ST_DRDY | ST_DSC;
	ide_irq_raise(ch);
}

/* Decodes the address and count of the current command; false when the
 * range is outside the disk. */
static bool get_range(struct ide_channel *ch, struct ata_drive *d, bool lba48, uint64_t *lba,
		      uint32_t *count)
{
	if (lba48) {
		*lba = (uint64_t)ch->lbah_hob << 40 | (uint64_t)ch->lbam_hob << 32 |
		       (uint64_t)ch->lbal_hob << 24 | (uint64_t)ch->lbah << 16 |
		       (uint64_t)ch->lbam << 8 | ch->lbal;
		*count = (uint32_t)ch->nsect_hob << 8 | ch->nsect;
		if (!*count)
			*count = 65536;
	} else {
		*count = ch->nsect ? ch->nsect : 256;
		if (ch->select & 0x40) {
			*lba = (uint64_t)(ch->select & 0x0f) << 24 | (uint64_t)ch->lbah << 16 |
			       (uint64_t)ch->lbam << 8 | ch->lbal;
		} else {
			unsigned cyl = ch->lbam | ch->lbah << 8, head = ch->select & 0x0f;
			unsigned sec = ch->lbal;
			if (sec == 0 || sec > d->spt || head >= d->heads)
				return false;
			*lba = ((uint64_t)cyl * d->heads + head) * d->spt + sec - 1;
		}
	}
	return *lba < d->sectors && *count <= d->sectors - *lba;
}

/* Loads the next DRQ block of a PIO read into the buffer. */
static void read_block(struct ide_channel *ch)
{
	struct ata_drive *d = cur(ch);
	uint32_t n = ch->xfer_left < ch->xfer_block ? ch->xfer_left : ch->xfer_block;

	if (blockdev_pread(d->bd, ch->buf, (uint64_t)n * ATA_SECTOR, ch->xfer_lba * ATA_SECTOR) < 0) {
		cmd_error(ch, ER_ABRT);
		return;
	}
	ch->xfer_lba += n;
	ch->xfer_left -= n;
	ch->buf_pos = 0;
	ch->buf_len = n * ATA_SECTOR;
	ch->pio_write = false;
	ch->status = ST_DRDY | ST_DSC | ST_DRQ;
	ide_irq_raise(ch);
}

static void write_block_start(struct ide_channel *ch)
{
	uint32_t n = ch->xfer_left < ch->xfer_block ? ch->xfer_left : ch->xfer_block;

	ch->buf_pos = 0;
	ch->buf_len = n * ATA_SECTOR;
	ch->pio_write = true;
	ch->status = ST_DRDY | ST_DSC | ST_DRQ;
}

/* A full write block has arrived: store it and go on or finish. */
static void write_block_done(struct ide_channel *ch)
{
	struct ata_drive *d = cur(ch);
	uint32_t n = ch->buf_len / ATA_SECTOR;

	ch->buf_len = ch->buf_pos = 0;
	if (blockdev_pwrite(d->bd, ch->buf, (uint64_t)n * ATA_SECTOR, ch->xfer_lba * ATA_SECTOR) < 0) {
		cmd_error(ch, ER_ABRT);
		return;
	}
	ch->xfer_lba += n;
	ch->xfer_left -= n;
	if (ch->xfer_left)
		write_block_start(ch);
	else
		ch->status = ST_DRDY | ST_DSC;
	ide_irq_raise(ch);
}

static void pio_start(struct ide_channel *ch, struct ata_drive *d, bool lba48, bool multi,
		      bool write)
{
	uint64_t lba;
	uint32_t count;

	if (multi && !d->multiple) {
		cmd_error(ch, ER_ABRT);
		return;
	}
	if (!get_range(ch, d, lba48, &lba, &count)) {
		cmd_error(ch, ER_IDNF);
		return;
	}
	ch->error = 0;
	ch->xfer_lba = lba;
	ch->xfer_left = count;
	ch->xfer_block = multi ? d->multiple : 1;
	if (write)
		write_block_start(ch);
	else
		read_block(ch);
}

static void dma_start(struct ide_channel *ch, struct ata_drive *d, bool lba48, bool write)
{
	uint64_t lba;
	uint32_t count;

	if (!get_range(ch, d, lba48, &lba, &count)) {
		cmd_error(ch, ER_IDNF);
		return;
	}
	ch->error = 0;
	ch->xfer_lba = lba;
	ch->xfer_left = count;
	ch->dma_write = write;
	ch->dma_pending = true;
	ch->status = ST_DRDY | ST_DSC | ST_DRQ;
}

/* PRD tables live in one 64 KiB region: at most 8192 entries. */
#define PRD_MAX 8192

uint8_t ide_channel_dma(struct ide_channel *ch, struct pmap *pm, uint32_t prd)
{
	struct ata_drive *d = cur(ch);
	uint8_t sec[ATAPI_SECTOR];
	uint32_t ssz = d->kind == IDE_ATAPI ? ATAPI_SECTOR : ATA_SECTOR;
	uint32_t sec_pos = 0;
	bool eot = false;
	uint8_t bm;

	if (!ch->dma_pending || d->kind == IDE_NONE)
		return 0;
	if (!d->bd) /* the CD was ejected while the command waited */
		goto fail;
	prd &= ~3u;
	for (unsigned n = 0; n < PRD_MAX && ch->xfer_left && !eot; n++) {
		uint8_t e[8];
		uint32_t addr, len;

		pmap_read_buf(pm, (gpa_t)prd + 8u * n, e, sizeof(e));
		addr = ((uint32_t)e[0] | (uint32_t)e[1] << 8 | (uint32_t)e[2] << 16 |
			(uint32_t)e[3] << 24) & ~1u;
		len = ((uint32_t)e[4] | (uint32_t)e[5] << 8) & ~1u;
		if (!len)
			len = 0x10000;
		eot = e[7] & 0x80;
		while (len && ch->xfer_left) {
			uint32_t chunk = ssz - sec_pos;
			if (chunk > len)
				chunk = len;
			if (sec_pos == 0 && !ch->dma_write &&
			    blockdev_pread(d->bd, sec, ssz, ch->xfer_lba * ssz) < 0)
				goto fail;
			if (ch->dma_write)
				pmap_read_buf(pm, addr, sec + sec_pos, chunk);
			else
				pmap_write_buf(pm, addr, sec + sec_pos, chunk);
			sec_pos += chunk;
			addr += chunk;
			len -= chunk;
			if (sec_pos == ssz) {
				if (ch->dma_write &&
				    blockdev_pwrite(d->bd, sec, ssz, ch->xfer_lba * ssz) < 0)
					goto fail;
				sec_pos = 0;
				ch->xfer_lba++;
				ch->xfer_left--;
			}
		}
		/* Data done with PRD space left over: ACTIVE stays set. */
		if (!ch->xfer_left && (len || !eot))
			eot = false;
	}
	ch->dma_pending = false;
	if (ch->xfer_left) {
		/* The table ran out before the data: bus master error. */
		ch->xfer_left = 0;
		cmd_error(ch, d->kind == IDE_ATAPI ? 0x54 : ER_ABRT);
		return IDE_BM_ERROR | IDE_BM_IRQ;
	}
	bm = IDE_BM_IRQ | (eot ? 0 : IDE_BM_ACTIVE);
	if (d->kind == IDE_ATAPI)
		atapi_dma_done(ch);
	else
		cmd_ok(ch);
	return bm;
fail:
	ch->dma_pending = false;
	ch->xfer_left = 0;
	cmd_error(ch, d->kind == IDE_ATAPI ? 0x34 : ER_ABRT);
	return IDE_BM_IRQ;
}

static void ata_command(struct ide_channel *ch, uint8_t cmd)
{
	struct ata_drive *d = cur(ch);
	uint64_t lba;
	uint32_t count;

	if (d->kind == IDE_NONE)
		return;
	if (d->kind == IDE_ATAPI) {
		ch->cmd = cmd;
		ch->irq_pending = false;
		ch->buf_pos = ch->buf_len = 0;
		ch->xfer_left = 0;
		ch->dma_pending = false;
		ch->packet_phase = false;
		atapi_command(ch, d, cmd);
		return;
	}
	ch->cmd = cmd;
	ch->irq_pending = false;
	ch->buf_pos = ch->buf_len = 0;
	ch->xfer_left = 0;
	ch->dma_pending = false;
	switch (cmd) {
	case 0xec: /* IDENTIFY DEVICE */
		identify(ch, d);
		ch->buf_len = ATA_SECTOR;
		ch->pio_write = false;
		ch->error = 0;
		ch->status = ST_DRDY | ST_DSC | ST_DRQ;
		ide_irq_raise(ch);
		break;
	case 0xc8: case 0xc9: dma_start(ch, d, false, false); break;
	case 0x25: dma_start(ch, d, true, false); break;
	case 0xca: case 0xcb: dma_start(ch, d, false, true); break;
	case 0x35: dma_start(ch, d, true, true); break;
	case 0x20: case 0x21: pio_start(ch, d, false, false, false); break;
	case 0x24: pio_start(ch, d, true, false, false); break;
	case 0xc4: pio_start(ch, d, false, true, false); break;
	case 0x29: pio_start(ch, d, true, true, false); break;
	case 0x30: case 0x31: pio_start(ch, d, false, false, true); break;
	case 0x34: pio_start(ch, d, true, false, true); break;
	case 0xc5: pio_start(ch, d, false, true, true); break;
	case 0x39: pio_start(ch, d, true, true, true); break;
	case 0x40: case 0x41: case 0x42: /* READ VERIFY (EXT) */
		if (get_range(ch, d, cmd == 0x42, &lba, &count))
			cmd_ok(ch);
		else
			cmd_error(ch, ER_IDNF);
		break;
	case 0xe7: case 0xea: /* FLUSH CACHE (EXT) */
		if (blockdev_flush(d->bd) < 0)
			cmd_error(ch, ER_ABRT);
		else
			cmd_ok(ch);
		break;
	case 0xc6: /* SET MULTIPLE MODE */
		if (ch->nsect > 16 || (ch->nsect & (ch->nsect - 1))) {
			cmd_error(ch, ER_ABRT);
		} else {
			d->multiple = ch->nsect;
			cmd_ok(ch);
		}
		break;
	case 0xef: /* SET FEATURES: transfer mode and cache switches */
		switch (ch->feature) {
		case 0x02: case 0x03: case 0x82: case 0xaa: case 0x55: case 0x66: case 0xcc:
			cmd_ok(ch);
			break;
		default:
			cmd_error(ch, ER_ABRT);
		}
		break;
	case 0x91: /* INITIALIZE DEVICE PARAMETERS: the translation stays ours */
	case 0x70: /* SEEK */
	case 0xe0: case 0xe1: case 0xe2: case 0xe3: /* power management */
		cmd_ok(ch);
		break;
	case 0xe5: /* CHECK POWER MODE: active */
		ch->nsect = 0xff;
		cmd_ok(ch);
		break;
	default:
		if (cmd >= 0x10 && cmd <= 0x1f) { /* RECALIBRATE */
			cmd_ok(ch);
			break;
		}
		cmd_error(ch, ER_ABRT);
	}
}

static uint32_t data_read(struct ide_channel *ch, unsigned size)
{
	uint32_t v = 0;

	if (!(ch->status & ST_DRQ) || ch->pio_write || ch->buf_pos >= ch->buf_len)
		return 0xffffffffu >> (32 - 8 * size);
	if (cur(ch)->kind == IDE_ATAPI) {
		for (unsigned i = 0; i < size && ch->buf_pos < ch->drq_end; i++)
			v |= (uint32_t)ch->buf[ch->buf_pos++] << (8 * i);
		if (ch->buf_pos >= ch->drq_end)
			atapi_next_chunk(ch, cur(ch));
		return v;
	}
	for (unsigned i = 0; i < size && ch->buf_pos < ch->buf_len; i++)
		v |= (uint32_t)ch->buf[ch->buf_pos++] << (8 * i);
	if (ch->buf_pos >= ch->buf_len) {
		ch->buf_len = ch->buf_pos = 0;
		if (ch->xfer_left)
			read_block(ch);
		else
			ch->status = ST_DRDY | ST_DSC;
	}
	return v;
}

static void data_write(struct ide_channel *ch, unsigned size, uint32_t val)
{
	if (!(ch->status & ST_DRQ) || !ch->pio_write)
		return;
	for (unsigned i = 0; i < size && ch->buf_pos < ch->buf_len; i++)
		ch->buf[ch->buf_pos++] = (uint8_t)(val >> (8 * i));
	if (ch->buf_pos < ch->buf_len)
		return;
	if (ch->packet_phase)
		atapi_packet(ch, cur(ch));
	else
		write_block_done(ch);
}

static void abandon_xfer(struct ide_channel *ch)
{
	ch->buf_pos = ch->buf_len = ch->drq_end = 0;
	ch->xfer_left = 0;
	ch->dma_pending = false;
	ch->packet_phase = false;
	ch->status &= (uint8_t)~ST_DRQ;
}

uint32_t ide_channel_read(struct ide_channel *ch, unsigned reg, unsigned size)
{
	bool hob = ch->devctl & DC_HOB;

	if (ch->drive[0].kind == IDE_NONE && ch->drive[1].kind == IDE_NONE)
		return 0xffffffffu >> (32 - 8 * size);
	if (reg == 0)
		return data_read(ch, size);
	if (cur(ch)->kind == IDE_NONE && reg != 6)
		return 0;
	switch (reg) {
	case 1: return ch->error;
	case 2: return hob ? ch->nsect_hob : ch->nsect;
	case 3: return hob ? ch->lbal_hob : ch->lbal;
	case 4: return hob ? ch->lbam_hob : ch->lbam;
	case 5: return hob ? ch->lbah_hob : ch->lbah;
	case 6: return ch->select | 0xa0;
	case 7:
		ch->irq_pending = false;
		irq_update(ch);
		return ch->status;
	default:
		return ch->status; /* alternate status: no side effect */
	}
}

void ide_channel_write(struct ide_channel *ch, unsigned reg, unsigned size, uint32_t val)
{
	uint8_t v = (uint8_t)val;

	if (reg >= 1 && reg <= 5)
		ch->devctl &= (uint8_t)~DC_HOB;
	switch (reg) {
	case 0: data_write(ch, size, val); break;
	case 1: ch->feature = v; break;
	case 2: ch->nsect_hob = ch->nsect; ch->nsect = v; break;
	case 3: ch->lbal_hob = ch->lbal; ch->lbal = v; break;
	case 4: ch->lbam_hob = ch->lbam; ch->lbam = v; break;
	case 5: ch->lbah_hob = ch->lbah; ch->lbah = v; break;
	case 6:
		/* The command and its data phase belong to the drive that was
		 * selected: switching drives abandons them, so a transfer never
		 * continues against the other drive's medium and size. */
		if ((v ^ ch->select) & 0x10)
			abandon_xfer(ch);
		ch->select = v & 0x5f;
		break;
	case 7: ata_command(ch, v); break;
	default:
		/* SRST held then released resets both drives. */
		if ((v & DC_SRST) && !(ch->devctl & DC_SRST)) {
			ch->devctl = v;
			ide_channel_reset(ch);
			ch->status = ST_BSY;
			return;
		}
		if (!(v & DC_SRST) && (ch->devctl & DC_SRST)) {
			ch->devctl = v;
			signature(ch);
		}
		ch->devctl = v;
		irq_update(ch);
	}
}
