/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
#include "kernel.h"
#include "task.h"
#include "spinlock.h"
#include "../arch/x86_64/cpu.h"
#include "../arch/x86_64/desc.h"
#include "../trace/ltt_site.h"

#define KSTACK_PAGES 4

void arch_switch(u64 *save_rsp, u64 new_rsp);
void arch_task_start(void);

static spinlock_t rq_lock[MAX_CPUS];
static u32 next_pid = 1;
static struct task idle_tasks[MAX_CPUS];

struct task *current_task(void)
{
	return this_cpu()->current;
}

struct task *cpu_current_task(unsigned cpu)
{
	return cpu < MAX_CPUS ? percpu[cpu].current : 0;
}

void kern_task_entry(void *arg, void (*fn)(void *))
{
	irq_enable();
	fn(arg);
	task_exit();
}

struct task *task_create(const char *name, unsigned cpu,
			 void (*fn)(void *), void *arg)
{
	u8 *stack = kalloc_pages(KSTACK_PAGES + 1);
	struct task *t = (struct task *)stack;
	memset(t, 0, sizeof(*t));
	kstr_copy(t->name, name, sizeof(t->name));
	t->cpu = cpu;
	t->pid = __atomic_fetch_add(&next_pid, 1, __ATOMIC_RELAXED);
	t->state = TASK_RUNNABLE;
	t->kstack_top = (u64)(stack + (KSTACK_PAGES + 1) * 4096);

	/* Frame popped by arch_switch: r15 r14 r13 r12 rbx rbp, then ret
	 * into arch_task_start with a 16-byte aligned rsp. */
	u64 *sp = (u64 *)(t->kstack_top - 24);
	*sp = (u64)arch_task_start;
	u64 regs[6] = { 0, 0, (u64)arg, (u64)fn, 0, 0 };
	for (int i = 5; i >= 0; i--)
		*--sp = regs[i];
	t->rsp = (u64)sp;

	u64 f = spin_lock_irqsave(&rq_lock[cpu]);
	struct percpu *pc = &percpu[cpu];
	if (!pc->runq_head) {
		t->next = t;
		pc->runq_head = t;
	} else {
		t->next = pc->runq_head->next;
		pc->runq_head->next = t;
	}
	spin_unlock_irqrestore(&rq_lock[cpu], f);
	LTT_SITE(task_create, t);
	return t;
}

void sched_init_cpu(void)
{
	struct percpu *pc = this_cpu();
	struct task *idle = &idle_tasks[pc->cpu];
	kfmt_snprintf(idle->name, sizeof(idle->name), "idle/%u", pc->cpu);
	idle->cpu = pc->cpu;
	idle->state = TASK_RUNNABLE;
	pc->idle = idle;
	pc->current = idle;
}

static bool can_run(struct task *t, u64 now)
{
	if (t->state == TASK_SLEEPING && (s64)(now - t->wake_tick) >= 0)
		t->state = TASK_RUNNABLE;
	return t->state == TASK_RUNNABLE;
}

void schedule(void)
{
	struct percpu *pc = this_cpu();
	struct task *prev = pc->current, *next = pc->idle;

	pc->need_resched = false;
	spin_lock(&rq_lock[pc->cpu]);
	struct task *head = pc->runq_head;
	if (head) {
		struct task *start = prev == pc->idle ? head : prev->next;
		struct task *t = start;
		do {
			if (can_run(t, pc->ticks)) {
				next = t;
				break;
			}
			t = t->next;
		} while (t != start);
	}
	spin_unlock(&rq_lock[pc->cpu]);
	if (next == prev)
		return;
	pc->current = next;
	if (next->kstack_top)
		arch_set_kernel_stack(&pc->arch, next->kstack_top);
	LTT_SITE(sched_switch, prev, next, prev->state);
	arch_switch(&prev->rsp, next->rsp);
}

void yield(void)
{
	u64 f = irq_save();
	schedule();
	irq_restore(f);
}

void sleep_ms(u64 ms)
{
	u64 f = irq_save();
	struct percpu *pc = this_cpu();
	u64 ticks = (ms * HZ + 999) / 1000;
	pc->current->wake_tick = pc->ticks + (ticks ? ticks : 1);
	pc->current->state = TASK_SLEEPING;
	schedule();
	irq_restore(f);
}

void task_exit(void)
{
	irq_disable();
	this_cpu()->current->state = TASK_DEAD;
	LTT_SITE(task_exit, this_cpu()->current);
	schedule();
	panic("dead task %s was scheduled", this_cpu()->current->name);
}

void sched_tick(void)
{
	struct percpu *pc = this_cpu();
	pc->ticks++;
	LTT_SITE(timer_tick, pc->ticks);
	pc->need_resched = true;
}

void sched_idle(void)
{
	for (;;) {
		irq_disable();
		schedule();
		/* sti;hlt is atomic: a tick between them still wakes us. */
		sti_hlt();
	}
}
