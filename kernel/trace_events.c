/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
/*
 * The key events of the reference kernel: the exits behind the LTT_SITE()
 * lines in irq.c, sched.c and syscall.c, and the switch that arms a site
 * when its event is enabled (and tracing is on) and disarms it otherwise,
 * so a disabled event costs a NOP.  Exits run with IRQs off, in any
 * context (NMI for trap_entry/trap_exit of an NMI).
 */
#include "kernel.h"
#include "task.h"
#include "../arch/x86_64/cpu.h"
#include "../trace/ltt.h"
#include "../trace/ltt_site.h"

/* heartbeat: one record per CPU every this many ticks (ltt.heartbeat). */
u64 ltt_heartbeat_ticks = HZ;

static inline u32 pid_of(const struct task *t)
{
	return t ? t->pid : 0;
}

static void ev_syscall_entry(const u64 *a)
{
	u64 v[5] = { a[0], a[1], a[2], a[3], pid_of(current_task()) };
	ltt_log_values(LTT_EV_SYSCALL_ENTRY, v, 5);
}

static void ev_syscall_exit(const u64 *a)
{
	u64 v[3] = { a[0], a[1], pid_of(current_task()) };
	ltt_log_values(LTT_EV_SYSCALL_EXIT, v, 3);
}

static void ev_trap_entry(const u64 *a)
{
	ltt_log_values(LTT_EV_TRAP_ENTRY, a, 3);
}

static void ev_trap_exit(const u64 *a)
{
	ltt_log_values(LTT_EV_TRAP_EXIT, a, 1);
}

static void ev_irq_entry(const u64 *a)
{
	ltt_log_values(LTT_EV_IRQ_ENTRY, a, 1);
}

static void ev_irq_exit(const u64 *a)
{
	ltt_log_values(LTT_EV_IRQ_EXIT, a, 1);
}

static void ev_sched_switch(const u64 *a)
{
	const struct task *prev = (const struct task *)a[0];
	const struct task *next = (const struct task *)a[1];
	u64 v[5] = { pid_of(prev), (u64)prev->name, a[2], pid_of(next),
		     (u64)next->name };
	ltt_log_values(LTT_EV_SCHED_SWITCH, v, 5);
}

static void ev_timer_tick(const u64 *a)
{
	ltt_log_values(LTT_EV_TIMER_TICK, a, 1);
	if (ltt_heartbeat_ticks && a[0] % ltt_heartbeat_ticks == 0) {
		struct ltt_area *ar = ltt_get_area();
		u64 v[2] = { a[0], ar ? ar->clock_hz : 0 };
		ltt_log_values(LTT_EV_HEARTBEAT, v, 2);
	}
}

static void ev_task_create(const u64 *a)
{
	const struct task *t = (const struct task *)a[0];
	u64 v[3] = { t->pid, t->cpu, (u64)t->name };
	ltt_log_values(LTT_EV_TASK_CREATE, v, 3);
}

static void ev_task_exit(const u64 *a)
{
	const struct task *t = (const struct task *)a[0];
	u64 v[2] = { t->pid, (u64)t->name };
	ltt_log_values(LTT_EV_TASK_EXIT, v, 2);
}

/* Sites and their exits.  heartbeat rides on the timer_tick site. */
static const struct {
	u32 id;
	const char *hook;
	ltt_site_fn fn;
} sites[] = {
	{ LTT_EV_SYSCALL_ENTRY, "ltt_syscall_entry", ev_syscall_entry },
	{ LTT_EV_SYSCALL_EXIT, "ltt_syscall_exit", ev_syscall_exit },
	{ LTT_EV_TRAP_ENTRY, "ltt_trap_entry", ev_trap_entry },
	{ LTT_EV_TRAP_EXIT, "ltt_trap_exit", ev_trap_exit },
	{ LTT_EV_IRQ_ENTRY, "ltt_irq_entry", ev_irq_entry },
	{ LTT_EV_IRQ_EXIT, "ltt_irq_exit", ev_irq_exit },
	{ LTT_EV_SCHED_SWITCH, "ltt_sched_switch", ev_sched_switch },
	{ LTT_EV_TIMER_TICK, "ltt_timer_tick", ev_timer_tick },
	{ LTT_EV_TASK_CREATE, "ltt_task_create", ev_task_create },
	{ LTT_EV_TASK_EXIT, "ltt_task_exit", ev_task_exit },
};

static bool armed[ARRAY_SIZE(sites)];

#ifdef LTT_SITES_DIRECT
u8 ltt_site_armed[LTT_EV_NSTATIC];
static ltt_site_fn site_fn[LTT_EV_NSTATIC];

void ltt_site_fire(unsigned id, u64 a0, u64 a1, u64 a2, u64 a3)
{
	u64 a[4] = { a0, a1, a2, a3 };
	u64 f = irq_save();	/* as the hook dispatcher does */
	if (id < LTT_EV_NSTATIC && site_fn[id])
		site_fn[id](a);
	irq_restore(f);
}

static int site_register(unsigned i)
{
	site_fn[sites[i].id] = sites[i].fn;
	return 0;
}

static int site_arm(unsigned i, bool on)
{
	__atomic_store_n(&ltt_site_armed[sites[i].id], on, __ATOMIC_RELEASE);
	return 0;
}
#else
static void hook_exit(const struct hook_args *args, void *data)
{
	((ltt_site_fn)data)(args->a);
}

static int site_register(unsigned i)
{
	return hook_exit_register(sites[i].hook, 0, hook_exit, (void *)sites[i].fn,
				  "ltt");
}

static int site_arm(unsigned i, bool on)
{
	return on ? hook_arm(sites[i].hook) : hook_disarm(sites[i].hook);
}
#endif

/* Boot: attach the exits.  0 or the first error. */
int ltt_sites_init(void)
{
	for (unsigned i = 0; i < ARRAY_SIZE(sites); i++) {
		int r = site_register(i);
		if (r)
			return r;
	}
	return 0;
}

/*
 * Make the armed state of every site match the registry: armed when
 * tracing is on and its event (or, for timer_tick, the heartbeat) is
 * enabled.  Task context.  Returns the number of sites changed.
 */
int ltt_sites_sync(void)
{
	int changed = 0;
	bool on = ltt_static_active();
	for (unsigned i = 0; i < ARRAY_SIZE(sites); i++) {
		bool want = on && ltt_event_enabled(ltt_event_get(sites[i].id));
		if (sites[i].id == LTT_EV_TIMER_TICK)
			want = on && (want || ltt_event_enabled(ltt_event_get(LTT_EV_HEARTBEAT)));
		if (want == armed[i])
			continue;
		int r = site_arm(i, want);
		if (r) {
			printk("ltt: %s %s failed (%d)\n", want ? "arming" : "disarming",
			       sites[i].hook, r);
			continue;
		}
		armed[i] = want;
		changed++;
	}
	return changed;
}

/* For `ltt status` in the monitor: is the site of event id armed? */
bool ltt_site_is_armed(u32 id)
{
	for (unsigned i = 0; i < ARRAY_SIZE(sites); i++)
		if (sites[i].id == id)
			return armed[i];
	return false;
}
