/* CPUID (0F A2): a family-6 "GenuineIntel" CPU advertising exactly what
 * this core implements: FPU, VME, DE, PSE, TSC, MSR, PAE, CX8, SEP, PGE,
 * CMOV and NX; one logical processor; no MMX/SSE, no MCE/MCA, no MTRR, no
 * APIC.  Leaves beyond the maximum return the highest basic leaf, as
 * Intel CPUs do.
 *
 * Like VMware's virtual CPUs, it also says it runs under a hypervisor
 * (CPUID.1:ECX bit 31) and answers the hypervisor leaves: 0x40000000 with
 * the signature "VMwareVMware", 0x40000010 with the TSC frequency.  A
 * guest then knows the TSC rate without calibrating it against the PIT and
 * trusts it as its clock, instead of marking it unstable whenever the host
 * delays the vCPU thread past a timer tick. */
#include "config.h"

#include <string.h>

#include "cpu/cpu_sys.h"

#define CPUID_MAX_BASIC 2u
#define CPUID_MAX_EXT 0x80000008u
/* Family 6, model 6, stepping 3: also the reset value of EDX. */
#define CPUID_SIGNATURE 0x00000663u
#define CPUID_1_EDX ((1u << 0) | (1u << 1) | (1u << 2) | (1u << 3) | (1u << 4) | (1u << 5) | (1u << 6) | \
		     (1u << 8) | (1u << 11) | (1u << 13) | (1u << 15))
#define CPUID_81_EDX (1u << 20)
#define CPUID_1_ECX_HYPERVISOR (1u << 31)
#define CPUID_HV_BASE 0x40000000u
#define CPUID_HV_FREQ 0x40000010u
/* cpu_tsc() counts vclock nanoseconds: 1 GHz. */
#define CPUID_TSC_KHZ 1000000u

static const char cpuid_brand[48] = "hostvm virtual CPU";

static void cpuid_str(uint32_t out[4], unsigned part)
{
	memcpy(out, cpuid_brand + part * 16, 16);
}

void cpu_cpuid(uint32_t leaf, uint32_t sub, uint32_t out[4])
{
	(void)sub;
	memset(out, 0, 4 * sizeof(uint32_t));
	if (leaf == CPUID_HV_BASE) {
		out[0] = CPUID_HV_FREQ;
		memcpy(&out[1], "VMwa", 4);
		memcpy(&out[2], "reVM", 4);
		memcpy(&out[3], "ware", 4);
		return;
	}
	if (leaf == CPUID_HV_FREQ) {
		out[0] = CPUID_TSC_KHZ;  /* EBX (local APIC kHz) 0: there is none */
		return;
	}
	if ((leaf < 0x80000000u && leaf > CPUID_MAX_BASIC) || leaf > CPUID_MAX_EXT)
		leaf = CPUID_MAX_BASIC;
	switch (leaf) {
	case 0:
		out[0] = CPUID_MAX_BASIC;
		memcpy(&out[1], "Genu", 4);
		memcpy(&out[3], "ineI", 4);
		memcpy(&out[2], "ntel", 4);
		break;
	case 1:
		out[0] = CPUID_SIGNATURE;
		out[1] = 1u << 16;      /* one logical processor, APIC ID 0 */
		out[2] = CPUID_1_ECX_HYPERVISOR;
		out[3] = CPUID_1_EDX;
		break;
	case 2:
		out[0] = 1;             /* one iteration, no cache descriptors */
		break;
	case 0x80000000u:
		out[0] = CPUID_MAX_EXT;
		break;
	case 0x80000001u:
		out[3] = CPUID_81_EDX;
		break;
	case 0x80000002u:
	case 0x80000003u:
	case 0x80000004u:
		cpuid_str(out, leaf - 0x80000002u);
		break;
	case 0x80000008u:
		out[0] = 0x2024;        /* 36 physical, 32 linear address bits */
		break;
	default:
		break;
	}
}

/* 0F A2: CPUID. */
void cpu_op_cpuid(struct cpu *c, const struct cpu_insn *i)
{
	uint32_t out[4];

	(void)i;
	cpu_cpuid(c->gpr[CPU_EAX], c->gpr[CPU_ECX], out);
	c->gpr[CPU_EAX] = out[0];
	c->gpr[CPU_EBX] = out[1];
	c->gpr[CPU_ECX] = out[2];
	c->gpr[CPU_EDX] = out[3];
}
