// SPDX-License-Identifier: MIT OR GPL-2.0-only
/*
 * NMIs: the debugger's roundup (kstub_nmi parks the CPU), and calls to
 * other CPUs from any context.  Linux's smp_call_function needs IRQs on
 * and may not run from an int3 or NMI handler; an NMI can be sent from
 * anywhere, and its iret serializes the CPU that took it, which is what
 * the patch engine's sync rounds need (hooks/patch.c).
 */
#include <linux/kernel.h>
#include <linux/nmi.h>
#include <linux/smp.h>
#include <linux/cpumask.h>
#include <linux/percpu.h>
#include <linux/spinlock.h>
#include <asm/apic.h>
#include <asm/irq_vectors.h>
#include <asm/tsc.h>
#include <asm/nmi.h>
#include <asm/processor.h>
#include "../../arch/x86_64/regs.h"
#include "../../stub/kstub.h"
#include "kstub_linux.h"

static void (*call_fn)(void *);
static void *call_arg;
static u32 call_seq;
static DEFINE_PER_CPU(u32, call_done);
static arch_spinlock_t call_lock = __ARCH_SPIN_LOCK_UNLOCKED;

static bool answer_call(void)
{
	u32 seq = READ_ONCE(call_seq);
	if (this_cpu_read(call_done) == seq)
		return false;
	void (*fn)(void *) = READ_ONCE(call_fn);
	if (fn)
		fn(call_arg);
	smp_store_release(this_cpu_ptr(&call_done), seq);
	return true;
}

static int kl_nmi(unsigned int cmd, struct pt_regs *regs)
{
	struct arch_regs r;
	bool mine = answer_call();
	(void)cmd;
	kl_regs_in(&r, regs, VEC_NMI);
	if (kstub_nmi(&r)) {
		kl_regs_out(regs, &r);
		touch_nmi_watchdog();	/* this CPU's, after a stop */
		mine = true;
	}
	return mine ? NMI_HANDLED : NMI_DONE;
}

/* Our own nmiaction, for max_duration: a CPU parked for minutes in this
 * handler is no "NMI handler took too long" (nmi_check_duration). */
static struct nmiaction kl_nmiaction = {
	.handler = kl_nmi,
	.list = LIST_HEAD_INIT(kl_nmiaction.list),
	.name = "kstub",
	.flags = 0,
	.max_duration = U64_MAX,
};

unsigned kl_nmi_call_others(void (*fn)(void *), void *arg)
{
	unsigned me = raw_smp_processor_id(), n = 0, cpu;
	unsigned long flags;

	local_irq_save(flags);
	while (!arch_spin_trylock(&call_lock)) {
		answer_call();		/* the holder may wait for us */
		cpu_relax();
	}
	WRITE_ONCE(call_arg, arg);
	WRITE_ONCE(call_fn, fn);
	u32 seq = READ_ONCE(call_seq) + 1;
	smp_store_release(&call_seq, seq);
	this_cpu_write(call_done, seq);
	for_each_online_cpu(cpu) {
		/* A CPU parked in the debugger runs no kernel code, and its
		 * iret serializes it first thing when it leaves. */
		if (cpu == me || kstub_cpu_frame(cpu))
			continue;
		apic->send_IPI_mask(cpumask_of(cpu), NMI_VECTOR);
		n++;
	}
	for_each_online_cpu(cpu) {
		u64 t0 = rdtsc(), limit = (u64)tsc_khz * 1000;	/* 1 s */
		if (cpu == me || kstub_cpu_frame(cpu))
			continue;
		while (smp_load_acquire(per_cpu_ptr(&call_done, cpu)) != seq &&
		       !kstub_cpu_frame(cpu)) {
			cpu_relax();
			if (rdtsc() - t0 > limit) {
				pr_warn_ratelimited("kstub: CPU %u did not answer an NMI\n", cpu);
				break;
			}
		}
	}
	arch_spin_unlock(&call_lock);
	local_irq_restore(flags);
	return n;
}

int kl_nmi_init(void)
{
	return __register_nmi_handler(NMI_LOCAL, &kl_nmiaction);
}

void kl_nmi_exit(void)
{
	unregister_nmi_handler(NMI_LOCAL, "kstub");
}
