/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
/* Interrupt and exception policy of the reference kernel. */
#include "kernel.h"
#include "task.h"
#include "../arch/x86_64/trap.h"
#include "../arch/x86_64/lapic.h"
#include "../arch/x86_64/cpu.h"
#include "../stub/kstub.h"
#include "../trace/ltt_site.h"

volatile bool kern_stopping;

void kern_irq(struct arch_regs *r)
{
	struct percpu *pc = this_cpu();

	LTT_SITE(irq_entry, r->vector);
	switch (r->vector) {
	case VEC_TIMER:
		lapic_eoi();
		sched_tick();
		kstub_poll(r);	/* Ctrl-C or a gdb attaching */
		break;
	case VEC_IPI_CALL:
		lapic_eoi();
		smp_ipi_call_handler();
		break;
	case VEC_IPI_RESCHED:
		lapic_eoi();
		pc->need_resched = true;
		break;
	case VEC_IPI_KICK:
		lapic_eoi();	/* arrived after the CPU left the debugger */
		return;
	case VEC_SPURIOUS:
		LTT_SITE(irq_exit, r->vector);
		return;
	default:
		lapic_eoi();
		printk("CPU %u: unexpected interrupt vector %lu\n", pc->cpu,
		       r->vector);
		LTT_SITE(irq_exit, r->vector);
		return;
	}
	/* Preempt only what runs in ring 3 or in a task; never the idle
	 * loop's own schedule() call, which re-checks after hlt anyway. */
	LTT_SITE(irq_exit, r->vector);
	if (pc->need_resched)
		schedule();
}

void kern_nmi(struct arch_regs *r)
{
	LTT_SITE(trap_entry, r->vector, r->rip, 0);
	if (kstub_nmi(r)) {
		LTT_SITE(trap_exit, r->vector);
		return;	/* parked by the debugger's roundup */
	}
	if (kern_stopping) {
		this_cpu()->online = false;
		for (;;)
			cpu_halt();
	}
	printk("CPU %u: NMI at %lx\n", this_cpu()->cpu, r->rip);
	LTT_SITE(trap_exit, r->vector);
}

void kern_exception(struct arch_regs *r)
{
	LTT_SITE(trap_entry, r->vector, r->rip, r->error);
	kern_oops(r, arch_vector_name(r->vector));
	LTT_SITE(trap_exit, r->vector);
}
