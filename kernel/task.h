/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
/* Kernel threads, pinned to a CPU, round-robin on a per-CPU run queue. */
#ifndef KERNEL_TASK_H
#define KERNEL_TASK_H

#include "../lib/types.h"

enum task_state { TASK_RUNNABLE, TASK_SLEEPING, TASK_DEAD };

struct task {
	u64 rsp;		/* saved by arch_switch */
	u64 kstack_top;
	struct task *next;	/* circular run queue of its CPU */
	u32 pid;
	u32 cpu;
	volatile int state;
	u64 wake_tick;		/* for TASK_SLEEPING, in the CPU's ticks */
	bool user;
	char name[24];
};

/* Any CPU, any time after sched_init_cpu(cpu): creates a runnable task. */
struct task *task_create(const char *name, unsigned cpu,
			 void (*fn)(void *), void *arg);
/* Each CPU, once, IRQs off: the running boot context becomes idle. */
void sched_init_cpu(void);
/* IRQs off.  Picks the next runnable task of this CPU and switches. */
void schedule(void);
/* Task context. */
void yield(void);
void sleep_ms(u64 ms);
void task_exit(void) __attribute__((noreturn));
/* Timer interrupt, IRQs off: accounts a tick, may ask for a switch. */
void sched_tick(void);
/* Idle loop of a CPU (never returns). */
void sched_idle(void) __attribute__((noreturn));
/* Current task of this CPU (never NULL once sched_init_cpu ran). */
struct task *current_task(void);
/* Current task of another CPU, for the debugger's thread list. */
struct task *cpu_current_task(unsigned cpu);

#endif
