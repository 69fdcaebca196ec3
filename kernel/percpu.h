/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
/*
 * Per-CPU data.  GS base points at this CPU's struct percpu for the whole
 * life of the kernel (see entry.S for why there is no swapgs), so
 * this_cpu() is one load and works in NMI context.
 */
#ifndef KERNEL_PERCPU_H
#define KERNEL_PERCPU_H

#include "../lib/types.h"
#include "../arch/x86_64/desc.h"

struct arch_regs;

#define MAX_CPUS 16

struct task;

struct percpu {
	struct percpu *self;	/* must stay first: this_cpu() reads gs:0 */
	u32 cpu;
	u32 apic_id;
	struct task *current;
	struct task *idle;
	struct task *runq_head;	/* circular list of this CPU's tasks */
	volatile u64 ticks;
	volatile bool online;
	bool need_resched;
	struct arch_regs *irq_frame;	/* the interrupt being handled (or a
					 * stale one: see port_text_busy) */
	volatile const void *spinning_on; /* a spinlock_t it waits for */
	struct arch_cpu arch;
};

extern struct percpu percpu[MAX_CPUS];
extern unsigned ncpus;

static inline struct percpu *this_cpu(void)
{
	struct percpu *p;
	__asm__ volatile("mov %%gs:0, %0" : "=r"(p));
	return p;
}

static inline u32 kern_cpu_id(void)
{
	return this_cpu()->cpu;
}

#endif
