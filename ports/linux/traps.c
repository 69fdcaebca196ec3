// SPDX-License-Identifier: MIT OR GPL-2.0-only
/*
 * Where Linux hands traps to the debugger: the die notifier chain (int3
 * after kprobes had its look, #DB, oops), and a per-CPU hrtimer that
 * polls the link for Ctrl-C or a gdb that starts talking (the reference
 * kernel does it from its timer tick).
 */
#include <linux/kernel.h>
#include <linux/kdebug.h>
#include <linux/string.h>
#include <linux/notifier.h>
#include <linux/hrtimer.h>
#include <linux/percpu.h>
#include <linux/smp.h>
#include <linux/cpu.h>
#include <linux/module.h>
#include <asm/irq_regs.h>
#include <asm/debugreg.h>
#include <asm/ptrace.h>
#include "../../arch/x86_64/regs.h"
#include "../../arch/x86_64/trap.h"
#include "../../stub/kstub.h"
#include "kstub_linux.h"

static int kl_die(struct notifier_block *nb, unsigned long val, void *data)
{
	struct die_args *a = data;
	struct arch_regs r;
	bool mine = false;

	(void)nb;
	if (!a->regs || user_mode(a->regs))
		return NOTIFY_DONE;
	switch (val) {
	case DIE_INT3:
		kl_regs_in(&r, a->regs, VEC_BP);
		mine = arch_debug_trap(&r);
		break;
	case DIE_DEBUG: {
		/* exc_debug_kernel read and cleared DR6; it passes a pointer
		 * to its copy, whose bits we consume. */
		unsigned long *dr6 = (unsigned long *)a->err;
		kl_regs_in(&r, a->regs, VEC_DB);
		mine = arch_db_trap(&r, *dr6);
		if (mine)
			*dr6 &= ~(DR_STEP | DR_TRAP_BITS);
		break;
	}
	case DIE_OOPS:
		/* With a gdb attached, the oops stops there first. */
		if (!kstub_attached())
			return NOTIFY_DONE;
		{
			/* trapnr is the task's thread.trap_nr, which the
			 * page-fault oops (the only one whose str is
			 * "Oops") leaves as the task's last trap, often 0:
			 * gdb saw SIGFPE for a NULL pointer write. */
			int trap = strcmp(a->str, "Oops") ? a->trapnr : VEC_PF;
			struct kstub_stop st = {
				.kind = KSTUB_STOP_FAULT,
				.sig = arch_fault_signal(trap),
				.why = a->str,
			};
			kl_regs_in(&r, a->regs, trap);
			r.error = (u64)a->err;
			kstub_enter(&r, &st);
		}
		kl_regs_out(a->regs, &r);
		return NOTIFY_DONE;	/* the oops goes on as it would */
	default:
		return NOTIFY_DONE;
	}
	if (!mine)
		return NOTIFY_DONE;
	kl_regs_out(a->regs, &r);
	return NOTIFY_STOP;
}

static struct notifier_block kl_die_nb = {
	.notifier_call = kl_die,
	/* After hw_breakpoint_handler (INT_MAX), which gives perf's slots
	 * their events first. */
	.priority = INT_MAX - 1,
};

/* --- the link poll ----------------------------------------------------- */

#define POLL_NS (10 * NSEC_PER_MSEC)
static DEFINE_PER_CPU(struct hrtimer, poll_timer);
static bool polling;

/* While a gdb is attached the module is in use: rmmod refuses rather
 * than pull the stub from under a session.  CPU 0's timer keeps the
 * reference in step (any CPU would do; one avoids races). */
static bool pinned;

static void pin_while_attached(void)
{
	bool att = kstub_attached() && READ_ONCE(polling);
	if (att == pinned)
		return;
	if (att)
		__module_get(THIS_MODULE);
	else
		module_put(THIS_MODULE);
	pinned = att;
}

static enum hrtimer_restart kl_poll(struct hrtimer *t)
{
	struct pt_regs *p = get_irq_regs();
	if (raw_smp_processor_id() == 0)
		pin_while_attached();
	kl_rcu_stall_settle(false);
	if (p && !user_mode(p) && READ_ONCE(polling)) {
		struct arch_regs r;
		kl_regs_in(&r, p, VEC_TIMER);
		kstub_poll(&r);
		kl_regs_out(p, &r);
	}
	hrtimer_forward_now(t, ns_to_ktime(POLL_NS));
	return HRTIMER_RESTART;
}

static void start_poll(void *arg)
{
	struct hrtimer *t = this_cpu_ptr(&poll_timer);
	(void)arg;
	hrtimer_init(t, CLOCK_MONOTONIC, HRTIMER_MODE_REL_PINNED_HARD);
	t->function = kl_poll;
	hrtimer_start(t, ns_to_ktime(POLL_NS), HRTIMER_MODE_REL_PINNED_HARD);
}

int kl_traps_init(void)
{
	int err = register_die_notifier(&kl_die_nb);
	if (err) {
		pr_err("kstub: register_die_notifier: %d\n", err);
		return err;
	}
	WRITE_ONCE(polling, true);
	cpus_read_lock();
	on_each_cpu(start_poll, NULL, 1);
	cpus_read_unlock();
	return 0;
}

void kl_traps_stop_poll(void)
{
	unsigned cpu;
	WRITE_ONCE(polling, false);
	for_each_possible_cpu(cpu) {
		struct hrtimer *t = per_cpu_ptr(&poll_timer, cpu);
		if (t->function)
			hrtimer_cancel(t);
	}
}

void kl_traps_exit(void)
{
	kl_traps_stop_poll();
	unregister_die_notifier(&kl_die_nb);
	kl_rcu_stall_settle(true);
}
