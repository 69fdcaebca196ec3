// SPDX-License-Identifier: MIT OR GPL-2.0-only
/*
 * LTT's key events from Linux's own tracepoints, into the same per-CPU
 * CTF buffers (trace/): sched_switch, irq_handler_entry/exit,
 * sys_enter/exit, sched_process_fork/exit.  A probe is attached only
 * while its event is enabled and tracing is on, so a Linux with the
 * trace off pays nothing.  gdb's `ltt` commands change the trace area
 * by writing memory (the kernel may be stopped); a work item every
 * 20 ms applies that, as the reference kernel's ltt_ctl task does.
 */
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/tracepoint.h>
#include <linux/sched.h>
#include <linux/interrupt.h>
#include <linux/workqueue.h>
#include <linux/string.h>
#include <asm/syscall.h>
#include "../../trace/ltt.h"
#include "../../stub/kstub.h"
#include "kstub_linux.h"

/* The writer runs with IRQs off, as it does behind the reference
 * kernel's sites (hook exits); Linux calls probes with them on. */
static void log_values(u32 id, const u64 *v, u32 n)
{
	unsigned long flags;
	local_irq_save(flags);
	ltt_log_values(id, v, n);
	local_irq_restore(flags);
}

static void ev_sched_switch(void *d, bool preempt, struct task_struct *prev,
			    struct task_struct *next, unsigned int prev_state)
{
	u64 v[5] = { prev->pid, (u64)prev->comm, prev_state, next->pid,
		     (u64)next->comm };
	(void)d;
	(void)preempt;
	log_values(LTT_EV_SCHED_SWITCH, v, 5);
}

static void ev_irq_entry(void *d, int irq, struct irqaction *action)
{
	u64 v[1] = { (u32)irq };
	(void)d;
	(void)action;
	log_values(LTT_EV_IRQ_ENTRY, v, 1);
}

static void ev_irq_exit(void *d, int irq, struct irqaction *action, int ret)
{
	u64 v[1] = { (u32)irq };
	(void)d;
	(void)action;
	(void)ret;
	log_values(LTT_EV_IRQ_EXIT, v, 1);
}

static void ev_sys_enter(void *d, struct pt_regs *regs, long id)
{
	u64 v[5] = { (u32)id, regs->di, regs->si, regs->dx, current->pid };
	(void)d;
	log_values(LTT_EV_SYSCALL_ENTRY, v, 5);
}

static void ev_sys_exit(void *d, struct pt_regs *regs, long ret)
{
	u64 v[3] = { (u32)regs->orig_ax, (u64)ret, current->pid };
	(void)d;
	log_values(LTT_EV_SYSCALL_EXIT, v, 3);
}

static void ev_fork(void *d, struct task_struct *parent, struct task_struct *child)
{
	u64 v[3] = { child->pid, task_cpu(child), (u64)child->comm };
	(void)d;
	(void)parent;
	log_values(LTT_EV_TASK_CREATE, v, 3);
}

static void ev_exit(void *d, struct task_struct *p)
{
	u64 v[2] = { p->pid, (u64)p->comm };
	(void)d;
	log_values(LTT_EV_TASK_EXIT, v, 2);
}

static struct {
	const char *tp_name;
	u32 id;
	void *probe;
	struct tracepoint *tp;
	bool attached;
} evs[] = {
	{ "sched_switch", LTT_EV_SCHED_SWITCH, ev_sched_switch },
	{ "irq_handler_entry", LTT_EV_IRQ_ENTRY, ev_irq_entry },
	{ "irq_handler_exit", LTT_EV_IRQ_EXIT, ev_irq_exit },
	{ "sys_enter", LTT_EV_SYSCALL_ENTRY, ev_sys_enter },
	{ "sys_exit", LTT_EV_SYSCALL_EXIT, ev_sys_exit },
	{ "sched_process_fork", LTT_EV_TASK_CREATE, ev_fork },
	{ "sched_process_exit", LTT_EV_TASK_EXIT, ev_exit },
};

static void find_tp(struct tracepoint *tp, void *priv)
{
	(void)priv;
	for (size_t i = 0; i < ARRAY_SIZE(evs); i++)
		if (!strcmp(tp->name, evs[i].tp_name))
			evs[i].tp = tp;
}

/* Attach what is wanted, detach the rest.  Task context. */
static void sync_probes(bool all_off)
{
	bool changed = false;
	for (size_t i = 0; i < ARRAY_SIZE(evs); i++) {
		bool want = !all_off && evs[i].tp && ltt_static_active() &&
			    ltt_event_enabled(ltt_event_get(evs[i].id));
		if (want == evs[i].attached)
			continue;
		int err = want ? tracepoint_probe_register(evs[i].tp, evs[i].probe, NULL)
			       : tracepoint_probe_unregister(evs[i].tp, evs[i].probe, NULL);
		if (err)
			pr_warn_ratelimited("kstub: tracepoint %s: %s failed (%d)\n",
					    evs[i].tp_name, want ? "attach" : "detach", err);
		else
			evs[i].attached = want;
		changed = true;
	}
	/* No CPU still runs a probe we detached (the module may go next). */
	if (changed && all_off)
		tracepoint_synchronize_unregister();
}

static void ltt_ctl(struct work_struct *w);
static DECLARE_DELAYED_WORK(ctl_work, ltt_ctl);
static bool ctl_stop;

static void ltt_ctl(struct work_struct *w)
{
	struct ltt_area *a = ltt_get_area();
	(void)w;
	if (!a || READ_ONCE(ctl_stop))
		return;
	/* A CPU still leaving the debugger: next round. */
	if (!kstub_cpus_parked()) {
		u32 req = smp_load_acquire(&a->request);
		if (smp_load_acquire(&a->pending) & LTT_PENDING_CLEAR) {
			bool was_on = ltt_is_active();
			ltt_stop();
			synchronize_rcu();	/* writers in flight are done */
			if (!ltt_clear())
				__atomic_fetch_and(&a->pending, ~LTT_PENDING_CLEAR,
						   __ATOMIC_RELEASE);
			if (was_on)
				ltt_start();
		}
		sync_probes(false);
		WRITE_ONCE(a->ack, req);
	}
	schedule_delayed_work(&ctl_work, msecs_to_jiffies(20));
}

int kl_ltt_events_init(void)
{
	for_each_kernel_tracepoint(find_tp, NULL);
	for (size_t i = 0; i < ARRAY_SIZE(evs); i++)
		if (!evs[i].tp)
			pr_warn("kstub: no Linux tracepoint %s: LTT goes without it\n",
				evs[i].tp_name);
	WRITE_ONCE(ctl_stop, false);
	schedule_delayed_work(&ctl_work, 0);
	return 0;
}

void kl_ltt_events_exit(void)
{
	WRITE_ONCE(ctl_stop, true);
	cancel_delayed_work_sync(&ctl_work);
	sync_probes(true);
}
