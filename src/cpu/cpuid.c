/* CPUID (0F A2): a family-6 "GenuineIntel" CPU advertising exactly what
 * this core implements: FPU, VME, DE, PSE, TSC, MSR, PAE, CX8, SEP, PGE,
 * CMOV and NX; one logical processor; no MMX/SSE, no MCE/MCA, no MTRR, no
 * APIC.  Leaves beyond the maximum return the highest basic leaf, as
 * Intel CPUs do. */
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

static const char cpuid_brand[48] = "hostvm virtual CPU";

static void cpuid_str(uint32_t out[4], unsigned part)
{
	memcpy(out, cpuid_brand + part * 16, 16);
}

void cpu_cpuid(uint32_t leaf, uint32_t sub, uint32_t out[4])
{
	(void)sub;
	memset(out, 0, 4 * sizeof(uint32_t));
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
