/* Network adapters of the machine (see machine_nic.h). */
#include "config.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cpu/cpu.h"
#include "dev/e1000.h"
#include "dev/pci.h"
#include "dev/vlance.h"
#include "log.h"
#include "machine_nic.h"
#include "net/nic_backend.h"

struct machine_nics;

/* One adapter; the back end's callbacks get this. */
struct machine_nic {
	struct e1000 *e1000;
	struct vlance *vlance;
	struct nicbe *be;
	struct machine_nics *all;
};

struct machine_nics {
	struct machine_nic nic[VMCFG_ETHERNETS];
	struct cpu *const *cpu;
	atomic_bool work;           /* a back end has frames or link news */
};

/* I/O thread of a back end: only flag the work and wake the vCPU. */
static void nics_notify(void *opaque)
{
	struct machine_nics *n = ((struct machine_nic *)opaque)->all;
	struct cpu *cpu = *n->cpu;

	atomic_store(&n->work, true);
	if (cpu)
		cpu_kick(cpu);
}

/* vCPU thread (inside nicbe_poll): a frame or a link change for the NIC. */
static int nic_rx(void *opaque, const void *frame, size_t len)
{
	struct machine_nic *mn = opaque;

	return mn->vlance ? vlance_rx_cb(mn->vlance, frame, len) : e1000_rx_cb(mn->e1000, frame, len);
}

static void nic_link(void *opaque, bool up)
{
	struct machine_nic *mn = opaque;

	if (mn->vlance)
		vlance_link_cb(mn->vlance, up);
	else
		e1000_link_cb(mn->e1000, up);
}

int machine_nics_create(const struct vmcfg *cfg, struct pci_bus *pci, struct pmap *pm,
			struct vclock *vc, struct cpu *const *cpu, struct machine_nics **out,
			char *err, size_t errlen)
{
	struct machine_nics *n = calloc(1, sizeof(*n));
	unsigned slot = MACHINE_NIC_SLOT;
	int r = 0;

	if (!n)
		return -ENOMEM;
	n->cpu = cpu;
	for (unsigned i = 0; i < VMCFG_ETHERNETS; i++) {
		struct machine_nic *mn = &n->nic[i];
		/* vmconfig validated the chip (default e1000) and resolved the
		 * port group (networkName, else bridged/nat/hostonly). */
		const char *pg = cfg->eth[i].network;
		bool lance;

		mn->all = n;
		if (!cfg->eth[i].present)
			continue;
		lance = cfg->eth[i].virtual_dev && !strcasecmp(cfg->eth[i].virtual_dev, "vlance");
		if (lance)
			r = vlance_create(pci, PCI_DEVFN(slot, 0), pm, vc, cfg->eth[i].mac, NULL, NULL,
					  &mn->vlance);
		else
			r = e1000_create(pci, PCI_DEVFN(slot, 0), pm, vc, cfg->eth[i].mac, NULL, NULL,
					 &mn->e1000);
		if (r < 0) {
			snprintf(err, errlen, "ethernet%u: cannot create the %s: %s", i,
				 lance ? "vlance" : "e1000", strerror(-r));
			goto fail;
		}
		slot++;
		if (pg) {
			struct nicbe_config bc = {
				.socket_path = cfg->eth[i].vswitch_socket,
				.portgroup = pg,
				.vm_name = cfg->display_name ? cfg->display_name : "",
				.nic = i,
				.no_promisc = cfg->eth[i].no_promisc,
				.down_when_addr_mismatch = cfg->eth[i].down_when_addr_mismatch,
				.no_forged_src = cfg->eth[i].no_forged_src,
				.start_disconnected = !cfg->eth[i].start_connected,
			};
			struct nicbe_callbacks cb = { nic_rx, nic_link, nics_notify, mn };

			memcpy(bc.mac, cfg->eth[i].mac, 6);
			r = nicbe_create(&bc, &cb, &mn->be);
			if (r < 0) {
				snprintf(err, errlen, "ethernet%u: cannot start its connection to port "
					 "group \"%s\": %s", i, pg, strerror(-r));
				goto fail;
			}
			if (lance)
				vlance_set_backend(mn->vlance, &nicbe_backend_ops, mn->be);
			else
				e1000_set_backend(mn->e1000, &nicbe_backend_ops, mn->be);
		} else {
			log_info("machine", "ethernet%u: not connected to a virtual switch", i);
		}
	}
	*out = n;
	return 0;
fail:
	machine_nics_stop(n);
	*out = n;   /* the caller destroys it after the PCI bus */
	return r;
}

void machine_nics_poll(struct machine_nics *n)
{
	if (!n || !atomic_exchange(&n->work, false))
		return;
	for (unsigned i = 0; i < VMCFG_ETHERNETS; i++)
		if (n->nic[i].be)
			nicbe_poll(n->nic[i].be);
}

void machine_nics_stop(struct machine_nics *n)
{
	if (!n)
		return;
	for (unsigned i = 0; i < VMCFG_ETHERNETS; i++) {
		nicbe_destroy(n->nic[i].be);
		n->nic[i].be = NULL;
	}
}

void machine_nics_destroy(struct machine_nics *n)
{
	if (!n)
		return;
	machine_nics_stop(n);
	for (unsigned i = 0; i < VMCFG_ETHERNETS; i++) {
		e1000_destroy(n->nic[i].e1000);
		vlance_destroy(n->nic[i].vlance);
	}
	free(n);
}
