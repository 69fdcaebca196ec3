/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
/*
 * Trap dispatch.  entry.S calls trap_dispatch() for every vector with
 * IRQs off.  The arch handles exception fixups itself and hands the rest
 * to these functions, which the hosting kernel provides.
 */
#ifndef ARCH_X86_64_TRAP_H
#define ARCH_X86_64_TRAP_H

#include "regs.h"

void trap_dispatch(struct arch_regs *r);

/* Kernel-provided.  All run with IRQs off on the trapping CPU. */
void kern_irq(struct arch_regs *r);        /* vectors >= 32 except 0x80 */
void kern_syscall(struct arch_regs *r);    /* int 0x80 from ring 3 */
void kern_nmi(struct arch_regs *r);        /* NMI: may interrupt anything */
void kern_exception(struct arch_regs *r);  /* exception with no fixup */

/*
 * If the fault at r->rip has an entry in the exception table, point rip
 * at its fixup and return true.  Called for #PF and #GP from kernel mode.
 */
bool arch_fixup_exception(struct arch_regs *r);
/* int3 and #DB for the debugger and the patch engine, and a kernel-mode
 * fetch fault at a debugger breakpoint (gdb's call dummy on an NX stack);
 * false = not theirs (the kernel then treats it as an unexpected
 * exception). */
bool arch_debug_trap(struct arch_regs *r);
/* The #DB part of it, for a host kernel that read and cleared DR6 itself
 * (Linux's die notifier passes it along). */
bool arch_db_trap(struct arch_regs *r, u64 dr6);
/* GDB signal number for an exception vector (SIGSEGV for #PF ...). */
u8 arch_fault_signal(u64 vector);

/* Printable name of an exception vector ("page fault"). */
const char *arch_vector_name(u64 vec);

/* Bytes not copied (0 on success); faults are caught, never fatal. */
size_t arch_copy_safe(void *dst, const void *src, size_t n);

#endif
