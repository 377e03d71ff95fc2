/* libFuzzer target: the vlance (PCnet-PCI II) model driven by port I/O,
 * guest-memory writes (init block, rings, buffers), received frames, link
 * changes and time from the fuzz input.  An init block with rings in a
 * small RAM is prepared so that most inputs reach the descriptor code.
 *
 * Records: one opcode byte and its operands:
 *   0 port8 size8 val32   port write (offset in the 32-port BAR)
 *   1 port8 size8         port read
 *   2 addr16 len8 bytes   guest RAM write at 0x10000 + addr16*8
 *   3 len16 bytes         a frame arrives from the back end
 *   4 ns16                virtual time advances ns16 * 256 ns
 *   5 up8                 link up/down */
#include "config.h"
#include "dev/vlance.h"

#include <stdlib.h>
#include <string.h>

#define IO 0xc100u
#define DEVFN PCI_DEVFN(4, 0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int fz_send(void *o, const void *f, size_t len)
{
	volatile uint8_t sink = 0;

	(void)o;
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
	static const unsigned sizes[3] = { 1, 2, 4 };
	static const uint8_t mac[6] = { 0x00, 0x50, 0x56, 0x00, 0x00, 0x02 };
	/* Style 2 init block at 0x10000: 8 RX and 8 TX descriptors. */
	static const uint8_t ib[28] = { 0, 0, 0x30, 0x30, 0x00, 0x50, 0x56, 0x00, 0x00, 0x02, 0, 0,
					0, 0, 0, 0, 0, 0, 0, 0,
					0x00, 0x10, 0x01, 0x00, 0x00, 0x18, 0x01, 0x00 };
	struct iobus *io;
	struct pmap *pm;
	struct pci_bus *bus;
	struct vclock *vc;
	struct vlance *s;
	const uint8_t *p = data;
	size_t left = size;
	int ops = 0;

	if (iobus_create(&io) || pmap_create(1 << 20, &pm))
		abort();
	if (pci_bus_create(io, pm, &bus) || vclock_create(&vc))
		abort();
	vclock_set_manual(vc, true);
	if (vlance_create(bus, DEVFN, pm, vc, mac, &fz_ops, NULL, &s))
		abort();
	pci_bus_cfg_write(bus, DEVFN, 0x10, 4, IO);
	pci_bus_cfg_write(bus, DEVFN, PCI_COMMAND, 2, PCI_CMD_IO | PCI_CMD_MASTER);
	vlance_set_link(s, true);
	pmap_write_buf(pm, 0x10000, ib, sizeof(ib));
	iobus_out(io, IO + 0x12, 2, 20);
	iobus_out(io, IO + 0x16, 2, 2);
	iobus_out(io, IO + 0x12, 2, 1);
	iobus_out(io, IO + 0x10, 2, 0x0000);
	iobus_out(io, IO + 0x12, 2, 2);
	iobus_out(io, IO + 0x10, 2, 0x0001);
	iobus_out(io, IO + 0x12, 2, 0);

	while (left && ops++ < 4096) {
		uint8_t op = (uint8_t)take(&p, &left, 1);
		switch (op % 6) {
		case 0: {
			uint16_t port = (uint16_t)(IO + (take(&p, &left, 1) & 31));
			unsigned sz = sizes[take(&p, &left, 1) % 3];
			iobus_out(io, port, sz, take(&p, &left, 4));
			break;
		}
		case 1: {
			uint16_t port = (uint16_t)(IO + (take(&p, &left, 1) & 31));
			iobus_in(io, port, sizes[take(&p, &left, 1) % 3]);
			break;
		}
		case 2: {
			gpa_t a = 0x10000 + (gpa_t)take(&p, &left, 2) * 8;
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
			vlance_receive(s, p, n);
			p += n;
			left -= n;
			break;
		}
		case 4:
			vclock_advance(vc, (uint64_t)take(&p, &left, 2) * 256);
			break;
		case 5:
			vlance_set_link(s, take(&p, &left, 1) & 1);
			break;
		}
	}
	pci_bus_destroy(bus);
	vlance_destroy(s);
	vclock_destroy(vc);
	pmap_destroy(pm);
	iobus_destroy(io);
	return 0;
}
