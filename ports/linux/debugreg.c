// SPDX-License-Identifier: MIT OR GPL-2.0-only
/*
 * The debug registers on Linux (arch/x86_64/debugreg.h): perf's
 * hw_breakpoint layer owns DR0-3, and its #DB handler swallows a trap
 * from a slot it did not hand out.  So the module takes four wide
 * (every-CPU) perf breakpoints at load, on harmless words of its own,
 * and retargets them from the debugger: the address registers, DR7, and
 * Linux's copies (cpu_debugreg, cpu_dr7, the events' arch fields) that
 * hw_breakpoint_restore() reloads from.  A hit comes through the
 * event's overflow handler, in #DB context, and enters the debugger.
 *
 * Linux's #DB and NMI entries save DR7 and restore it on exit, so a DR7
 * written from there is undone: an irq_work writes it again right after.
 */
#include <linux/kernel.h>
#include <linux/hw_breakpoint.h>
#include <linux/perf_event.h>
#include <linux/irq_work.h>
#include <linux/percpu.h>
#include <linux/err.h>
#include <asm/debugreg.h>
#include "../../arch/x86_64/regs.h"
#include "../../arch/x86_64/trap.h"
#include "../../arch/x86_64/debugreg.h"
#include "kstub_linux.h"

#define NSLOTS 4
static u64 dummy[NSLOTS] __aligned(8);		/* what an unused slot watches */
static struct perf_event * __percpu *events[NSLOTS];
static unsigned long __percpu *debugreg_copy;	/* cpu_debugreg[4] */
static struct perf_event * __percpu *per_reg;	/* bp_per_reg[4] */
static DEFINE_PER_CPU(struct irq_work, dr7_work);

bool arch_debugregs_usable(int i)
{
	return i >= 0 && i < NSLOTS && events[i];
}

/* Which DR our slot i has on this CPU (perf picks), or -1. */
static int hw_index(int i)
{
	struct perf_event *ev = *this_cpu_ptr(events[i]);
	for (int j = 0; j < NSLOTS; j++)
		if (*this_cpu_ptr(&per_reg[j]) == ev)
			return j;
	return -1;
}

static void write_dr(int j, unsigned long a)
{
	switch (j) {
	case 0: set_debugreg(a, 0); break;
	case 1: set_debugreg(a, 1); break;
	case 2: set_debugreg(a, 2); break;
	case 3: set_debugreg(a, 3); break;
	}
}

static void dr7_again(struct irq_work *w)
{
	(void)w;
	set_debugreg(this_cpu_read(cpu_dr7), 7);
}

void arch_debugregs_load(const u64 addr[4], u64 dr7)
{
	unsigned long d7 = this_cpu_read(cpu_dr7);
	for (int i = 0; i < NSLOTS; i++) {
		int j = events[i] ? hw_index(i) : -1;
		if (j < 0)
			continue;
		bool on = dr7 & (1ull << (2 * i));
		unsigned long a = on ? addr[i] : (unsigned long)&dummy[i];
		/* An unused slot stays perf's write watch on its dummy. */
		unsigned long rwlen = on ? (dr7 >> (16 + 4 * i)) & 0xf
					 : (DR_RW_WRITE | DR_LEN_8);
		d7 &= ~(0xful << (16 + 4 * j));
		d7 |= (rwlen << (16 + 4 * j)) | (2ul << (2 * j));	/* global enable */
		struct arch_hw_breakpoint *info = counter_arch_bp(*this_cpu_ptr(events[i]));
		info->address = a;
		info->type = rwlen & 3 ? (rwlen & 3) == 1 ? X86_BREAKPOINT_WRITE
							   : X86_BREAKPOINT_RW
				       : X86_BREAKPOINT_EXECUTE;
		static const u8 lens[] = { X86_BREAKPOINT_LEN_1, X86_BREAKPOINT_LEN_2,
					   X86_BREAKPOINT_LEN_8, X86_BREAKPOINT_LEN_4 };
		info->len = lens[rwlen >> 2];
		this_cpu_ptr(debugreg_copy)[j] = a;
		write_dr(j, a);
	}
	this_cpu_write(cpu_dr7, d7);
	set_debugreg(d7, 7);
	if (!in_task())
		irq_work_queue(this_cpu_ptr(&dr7_work));
}

void arch_debugregs_off(void)
{
	set_debugreg(0UL, 7);
}

static void triggered(struct perf_event *bp, struct perf_sample_data *data,
		      struct pt_regs *regs)
{
	struct arch_regs r;
	(void)data;
	if (user_mode(regs))
		return;
	for (int i = 0; i < NSLOTS; i++) {
		if (!events[i] || *this_cpu_ptr(events[i]) != bp)
			continue;
		kl_regs_in(&r, regs, VEC_DB);
		/* DR6 as our slot layout has it: slot i fired. */
		if (arch_db_trap(&r, 1ull << i))
			kl_regs_out(regs, &r);
		return;
	}
}

int kl_debugregs_init(void)
{
	struct perf_event_attr attr;
	unsigned cpu;
	int got = 0;
	debugreg_copy = (void __percpu *)kl_lookup("cpu_debugreg");
	per_reg = (void __percpu *)kl_lookup("bp_per_reg");
	if (!debugreg_copy || !per_reg) {
		pr_warn("kstub: no cpu_debugreg/bp_per_reg: no hardware watchpoints\n");
		return 0;
	}
	for_each_possible_cpu(cpu)
		init_irq_work(per_cpu_ptr(&dr7_work, cpu), dr7_again);
	for (int i = 0; i < NSLOTS; i++) {
		hw_breakpoint_init(&attr);
		attr.bp_addr = (unsigned long)&dummy[i];
		attr.bp_len = HW_BREAKPOINT_LEN_8;
		attr.bp_type = HW_BREAKPOINT_W;
		struct perf_event * __percpu *ev = register_wide_hw_breakpoint(&attr, triggered, NULL);
		if (IS_ERR(ev)) {
			pr_info("kstub: debug register %d is in use (%ld): %d for gdb\n",
				i, PTR_ERR(ev), got);
			break;
		}
		events[i] = ev;
		got++;
	}
	return 0;
}

void kl_debugregs_exit(void)
{
	unsigned cpu;
	for (int i = 0; i < NSLOTS; i++) {
		if (events[i])
			unregister_wide_hw_breakpoint(events[i]);
		events[i] = NULL;
	}
	for_each_possible_cpu(cpu)
		irq_work_sync(per_cpu_ptr(&dr7_work, cpu));
}
