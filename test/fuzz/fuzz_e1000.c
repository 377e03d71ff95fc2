/* libFuzzer target: the e1000 model driven by register writes, guest-memory
 * writes (descriptor rings and buffers), received frames, link changes and
 * time, all taken from the fuzz input.  The rings start out pointing into
 * a small RAM so that most inputs reach the descriptor code.
 *
 * Input: a sequence of records, each one opcode byte and its operands:
 *   0 off16 val32        register write (BAR0 offset, dword-aligned)
 *   1 off16              register read
 *   2 addr16 len8 bytes  guest RAM write at 0x10000 + addr16*16
 *   3 len16 bytes        a frame arrives from the back end
 *   4 ns16               virtual time advances ns16 * 64 ns
 *   5 up8                link up/down
 *   6 port8 val32        I/O window write (IOADDR/IODATA) */
#include "config.h"
#include "dev/e1000.h"

#include <stdlib.h>
#include <string.h>

#define BAR0 0xfebc0000u
#define BAR1 0xc000u
#define DEVFN PCI_DEVFN(3, 0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int fz_send(void *o, const void *f, size_t len)
{
	volatile uint8_t sink = 0;

	(void)o;
	/* Touch every byte so the sanitizers see the whole frame. */
	for (size_t i = 0; i < len; i++)
		sink ^= ((const uint8_t *)f)[i];
	(void)sink;
	return 0;
}

static void fz_set_mac(void *o, const uint8_t mac[6]) { (void)o; (void)mac; }
static const struct nic_backend_ops fz_ops = { fz_send, fz_set_mac, NULL };

static uint32_t take(const uint8_t **p, size_t *left, unsigned n)
{
	uint32_t v = 0;

	for (unsigned i = 0; i < n && *left; i++, (*p)++, (*left)--)
		v |= (uint32_t)**p << (8 * i);
	return v;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct iobus *io;
	struct pmap *pm;
	struct pci_bus *bus;
	struct vclock *vc;
	struct e1000 *e;
	static const uint8_t mac[6] = { 0x00, 0x50, 0x56, 0x00, 0x00, 0x01 };
	static const uint32_t init[][2] = {
		{ 0x3800, 0x10000 }, { 0x3808, 0x400 }, { 0x0400, 0x2 },   /* TX ring */
		{ 0x2800, 0x11000 }, { 0x2808, 0x400 }, { 0x0100, 0x801a },  /* RX ring, UPE MPE BAM */
		{ 0x00d0, 0xffffffff },
	};
	const uint8_t *p = data;
	size_t left = size;
	int ops = 0;

	if (iobus_create(&io) || pmap_create(1 << 20, &pm))
		abort();
	if (pci_bus_create(io, pm, &bus) || vclock_create(&vc))
		abort();
	vclock_set_manual(vc, true);
	if (e1000_create(bus, DEVFN, pm, vc, mac, &fz_ops, NULL, &e))
		abort();
	pci_bus_cfg_write(bus, DEVFN, 0x10, 4, BAR0);
	pci_bus_cfg_write(bus, DEVFN, 0x14, 4, BAR1);
	pci_bus_cfg_write(bus, DEVFN, PCI_COMMAND, 2, PCI_CMD_IO | PCI_CMD_MEM | PCI_CMD_MASTER);
	e1000_set_link(e, true);
	for (size_t i = 0; i < sizeof(init) / sizeof(init[0]); i++)
		pmap_write(pm, BAR0 + init[i][0], 4, init[i][1]);

	while (left && ops++ < 4096) {
		uint8_t op = (uint8_t)take(&p, &left, 1);
		switch (op % 7) {
		case 0: {
			uint32_t off = take(&p, &left, 2) * 4 % E1000_MMIO_SIZE;
			pmap_write(pm, BAR0 + off, 4, take(&p, &left, 4));
			break;
		}
		case 1:
			pmap_read(pm, BAR0 + take(&p, &left, 2) * 4 % E1000_MMIO_SIZE, 4);
			break;
		case 2: {
			gpa_t a = 0x10000 + (gpa_t)take(&p, &left, 2) * 16;
			size_t n = take(&p, &left, 1);
			if (n > left)
				n = left;
			pmap_write_buf(pm, a, p, n);
			p += n;
			left -= n;
			break;
		}
		case 3: {
			size_t n = take(&p, &left, 2);
			if (n > left)
				n = left;
			e1000_receive(e, p, n);
			p += n;
			left -= n;
			break;
		}
		case 4:
			vclock_advance(vc, (uint64_t)take(&p, &left, 2) * 64);
			break;
		case 5:
			e1000_set_link(e, take(&p, &left, 1) & 1);
			break;
		case 6: {
			uint16_t port = (uint16_t)(BAR1 + (take(&p, &left, 1) & 4));
			iobus_out(io, port, 4, take(&p, &left, 4));
			break;
		}
		}
	}
	pci_bus_destroy(bus);
	e1000_destroy(e);
	vclock_destroy(vc);
	pmap_destroy(pm);
	iobus_destroy(io);
	return 0;
}
