/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
/*
 * In-kernel check of the stub's entry, started from the command line:
 *
 *   kstub.selftest   a breakpoint hit and a watchpoint hit that gdb no
 *                    longer has enter the stub and must go on: a CPU
 *                    rounded up between its trap and kstub_enter comes
 *                    in after the session that deleted them (z0, D),
 *                    and once stopped the kernel for a gdb that was
 *                    gone.  Then "kstub: selftest passed".
 *
 * tests/e2e/test_stub.py waits for that line: if the stale hits stop
 * the kernel again, it waits for a gdb and the line never comes.
 */
#include "../kernel.h"
#include "../../stub/kstub.h"
#include "../../arch/x86_64/asm.h"
#include "../../arch/x86_64/cpu.h"
#include "../../arch/x86_64/regs.h"

void kstub_selftest_start(void)
{
	if (!kstub_enabled() || !kcmd_flag(kern_cmdline, "kstub.selftest"))
		return;
	/* As a trap would enter: IRQs off, this function's frame.  No
	 * breakpoint or watchpoint exists (no gdb has attached yet). */
	struct arch_regs r = { 0 };
	r.rip = (u64)&kstub_selftest_start;
	r.cs = KERNEL_CS;
	r.rflags = read_rflags();
	r.vector = VEC_BP;
	u64 flags = irq_save();
	struct kstub_stop bp = { .kind = KSTUB_STOP_SWBREAK, .sig = 5 };
	kstub_enter(&r, &bp);
	struct kstub_stop watch = { .kind = KSTUB_STOP_WATCH, .sig = 5,
				    .addr = (u64)&r };
	r.vector = VEC_DB;
	kstub_enter(&r, &watch);
	irq_restore(flags);
	printk("kstub: selftest passed\n");
}
