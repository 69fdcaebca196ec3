/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
#include "trap.h"

struct ex_entry {
	u64 insn, fixup;
};
extern const struct ex_entry __ex_table_start[], __ex_table_end[];

bool arch_fixup_exception(struct arch_regs *r)
{
	for (const struct ex_entry *e = __ex_table_start; e < __ex_table_end; e++) {
		if (e->insn == r->rip) {
			r->rip = e->fixup;
			return true;
		}
	}
	return false;
}

const char *arch_vector_name(u64 vec)
{
	static const char *const names[] = {
		"divide error", "debug", "NMI", "breakpoint", "overflow",
		"bound range", "invalid opcode", "device not available",
		"double fault", "coprocessor overrun", "invalid TSS",
		"segment not present", "stack fault", "general protection",
		"page fault", "reserved", "x87 FP error", "alignment check",
		"machine check", "SIMD FP error", "virtualization",
		"control protection",
	};
	if (vec < sizeof(names) / sizeof(names[0]))
		return names[vec];
	return vec < 32 ? "reserved exception" : "interrupt";
}

void trap_dispatch(struct arch_regs *r)
{
	if (r->vector == 2) {
		kern_nmi(r);
	} else if (r->vector == 0x80) {
		kern_syscall(r);
	} else if (r->vector >= 32) {
		kern_irq(r);
	} else {
		if ((r->vector == 14 || r->vector == 13) && !(r->cs & 3) &&
		    arch_fixup_exception(r))
			return;
		if ((r->vector == VEC_BP || r->vector == VEC_DB || r->vector == VEC_PF) &&
		    arch_debug_trap(r))
			return;
		kern_exception(r);
	}
}
