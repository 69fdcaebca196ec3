/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
/*
 * The debug registers, as the hosting kernel lets the debugger use them.
 * kstub_arch.c encodes gdb's Z1-Z4 slots (slot i = DRi in the DR7
 * layout); the host writes them: the reference kernel straight into
 * DR0-3/DR7 (debugreg.c), Linux through the slots perf's hw_breakpoint
 * layer owns (ports/linux/debugreg.c).  All on the CPU concerned, IRQs
 * off, debugger context (NMI-like).
 */
#ifndef ARCH_X86_64_DEBUGREG_H
#define ARCH_X86_64_DEBUGREG_H

#include "../../lib/types.h"

/* Can slot i (0..3) be used?  False when the host could not reserve it. */
bool arch_debugregs_usable(int i);
/* Load addresses and a DR7 in slot layout on this CPU. */
void arch_debugregs_load(const u64 addr[4], u64 dr7);
/* Stop every slot firing on this CPU until the next load. */
void arch_debugregs_off(void);

#endif
