/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
/* Interrupt and exception policy of the reference kernel. */
#include "kernel.h"
#include "task.h"
#include "../arch/x86_64/trap.h"
#include "../arch/x86_64/lapic.h"
#include "../arch/x86_64/cpu.h"
#include "../stub/kstub.h"
#include "../stub/kstub_arch.h"	/* arch_in_probe_slot */
#include "../trace/ltt_site.h"

volatile bool kern_stopping;

/*
 * Where preempted tasks will resume, for port_text_busy (a jump probe
 * must not cover an instruction a task will come back to).  A task that
 * finds no free entry is not preempted this time.
 */
#define PREEMPT_MAX 64
static u64 preempted_at[PREEMPT_MAX];

bool kern_preempted_in(u64 start, u64 end)
{
	for (int i = 0; i < PREEMPT_MAX; i++) {
		u64 pc = __atomic_load_n(&preempted_at[i], __ATOMIC_ACQUIRE);
		if (pc >= start && pc < end)
			return true;
	}
	return false;
}

static void preempt(struct arch_regs *r)
{
	/* Never in a probe's slot: its detour is reused once no CPU is in
	 * it, which a sleeping task there would never satisfy. */
	if (arch_in_probe_slot(r->rip))
		return;
	for (int i = 0; i < PREEMPT_MAX; i++) {
		u64 zero = 0;
		if (__atomic_compare_exchange_n(&preempted_at[i], &zero, r->rip, false,
						__ATOMIC_ACQ_REL, __ATOMIC_RELAXED)) {
			schedule();
			__atomic_store_n(&preempted_at[i], 0, __ATOMIC_RELEASE);
			return;
		}
	}
}

static void irq(struct percpu *pc, struct arch_regs *r);

void kern_irq(struct arch_regs *r)
{
	struct percpu *pc = this_cpu();
	struct arch_regs *outer = pc->irq_frame;
	pc->irq_frame = r;
	irq(pc, r);
	this_cpu()->irq_frame = outer;
}

static void irq(struct percpu *pc, struct arch_regs *r)
{
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
		preempt(r);
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
