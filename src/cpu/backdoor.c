/* VMware's "backdoor": a 32-bit IN from port 0x5658 with the magic
 * 0x564D5868 ("VMXh") in EAX and a command number in CX is a call into
 * the VMM, which answers in the general registers.  Guests written for
 * VMware use it to find the VMM's version and the TSC frequency without
 * calibrating; Linux reads the latter (GETHZ) when CPUID says "VMware".
 * Only the read-only queries are implemented; any other command answers
 * all ones, which guests treat as "not available". */
#include "config.h"

#include "cpu/cpu_int.h"

#define BD_MAGIC 0x564d5868u
#define BD_CMD_GETVERSION 10
#define BD_CMD_GETHZ 45
#define BD_VERSION 6            /* the backdoor protocol version VMware reports */
#define BD_PRODUCT_WORKSTATION 2
#define BD_TSC_HZ 1000000000ull /* cpu_tsc() counts vclock nanoseconds */

bool cpu_backdoor(struct cpu *c, uint16_t port, unsigned size)
{
	if (port != CPU_BACKDOOR_PORT || size != 4 || c->gpr[CPU_EAX] != BD_MAGIC)
		return false;
	switch (c->gpr[CPU_ECX] & 0xffff) {
	case BD_CMD_GETVERSION:
		c->gpr[CPU_EAX] = BD_VERSION;
		c->gpr[CPU_EBX] = BD_MAGIC;
		c->gpr[CPU_ECX] = BD_PRODUCT_WORKSTATION;
		break;
	case BD_CMD_GETHZ:
		c->gpr[CPU_EAX] = (uint32_t)BD_TSC_HZ;
		c->gpr[CPU_EBX] = (uint32_t)(BD_TSC_HZ >> 32);
		c->gpr[CPU_ECX] = 0;    /* no local APIC bus clock to report */
		break;
	default:
		c->gpr[CPU_EAX] = 0xffffffffu;
		c->gpr[CPU_EBX] = 0xffffffffu;
		break;
	}
	return true;
}
