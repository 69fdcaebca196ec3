/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
/* The reference kernel owns the debug registers: straight writes. */
#include "debugreg.h"

bool arch_debugregs_usable(int i)
{
	return i >= 0 && i < 4;
}

void arch_debugregs_load(const u64 addr[4], u64 dr7)
{
	__asm__ volatile("mov %0, %%dr0" :: "r"(addr[0]));
	__asm__ volatile("mov %0, %%dr1" :: "r"(addr[1]));
	__asm__ volatile("mov %0, %%dr2" :: "r"(addr[2]));
	__asm__ volatile("mov %0, %%dr3" :: "r"(addr[3]));
	__asm__ volatile("mov %0, %%dr7" :: "r"(dr7));
}

void arch_debugregs_off(void)
{
	__asm__ volatile("mov %0, %%dr7" :: "r"(0ull));
}
