/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
/* Bringing up the application processors and calling functions on them. */
#include "kernel.h"
#include "spinlock.h"
#include "task.h"
#include "../arch/x86_64/asm.h"
#include "../arch/x86_64/lapic.h"
#include "../arch/x86_64/paging.h"
#include "../arch/x86_64/cpu.h"
#include "../arch/x86_64/regs.h"
#include "../stub/kstub.h"

extern const char trampoline_start[], trampoline_end[];
extern u64 tramp_cr3, tramp_stack, tramp_entry, tramp_cpu;

struct percpu percpu[MAX_CPUS] __attribute__((aligned(4096)));
unsigned ncpus = 1;
u32 cpu_apic_ids[MAX_CPUS];
unsigned cpu_apic_count;

void cpu_setup(unsigned cpu);

/* Parameter `p` inside the copy of the trampoline at TRAMPOLINE_ADDR. */
static u64 *tramp_param(u64 *p)
{
	u64 off = (u64)p - (u64)trampoline_start;
	return arch_text_alias((void *)(TRAMPOLINE_ADDR + off));
}

static void ap_entry(u32 cpu)
{
	cpu_setup(cpu);
	lapic_init_cpu(HZ);
	sched_init_cpu();
	__atomic_store_n(&percpu[cpu].online, true, __ATOMIC_RELEASE);
	sched_idle();
}

static bool wait_online(unsigned cpu, u64 us)
{
	for (u64 i = 0; i < us / 100; i++) {
		if (__atomic_load_n(&percpu[cpu].online, __ATOMIC_ACQUIRE))
			return true;
		arch_udelay(100);
	}
	return false;
}

void smp_boot_aps(void)
{
	memcpy(arch_text_alias((void *)TRAMPOLINE_ADDR), trampoline_start,
	       (size_t)(trampoline_end - trampoline_start));
	u32 me = lapic_id();

	for (unsigned i = 0; i < cpu_apic_count && ncpus < MAX_CPUS; i++) {
		u32 id = cpu_apic_ids[i];
		if (id == me)
			continue;
		unsigned cpu = ncpus;
		percpu[cpu].apic_id = id;
		*tramp_param(&tramp_cr3) = arch_kernel_cr3();
		*tramp_param(&tramp_stack) = (u64)kalloc_pages(4) + 4 * 4096;
		*tramp_param(&tramp_entry) = (u64)ap_entry;
		*tramp_param(&tramp_cpu) = cpu;
		__atomic_thread_fence(__ATOMIC_SEQ_CST);

		lapic_send_init(id);
		arch_udelay(10000);
		lapic_send_sipi(id, TRAMPOLINE_ADDR >> 12);
		if (!wait_online(cpu, 200000)) {
			lapic_send_sipi(id, TRAMPOLINE_ADDR >> 12);
			if (!wait_online(cpu, 2000000)) {
				printk("smp: CPU with APIC id %u did not start\n", id);
				continue;
			}
		}
		ncpus++;
	}
}

/*
 * smp_call_others: one call at a time, all other online CPUs.  Each CPU
 * acknowledges the call's sequence number.  An IPI can be lost: a CPU
 * still parked in the debugger (the master does not wait for the others
 * to leave) drops interrupts; so a CPU that has not answered within a
 * millisecond gets the IPI again, and a repeated IPI for a call already
 * run is ignored.
 *
 * IRQs are off throughout, so the debugger's live server may call it
 * from an interrupt: a caller waiting for the lock answers the holder's
 * call itself (the holder waits for it with IRQs off too).  A CPU parked
 * in the debugger is not waited for: it runs no kernel code, and iretq,
 * serializing, is the first thing it does when it leaves.
 */
static spinlock_t call_lock;
static void (*call_fn)(void *);
static void *call_arg;
static volatile u32 call_seq;
static volatile u32 call_done[MAX_CPUS];

void smp_ipi_call_handler(void)
{
	unsigned me = this_cpu()->cpu;
	u32 seq = __atomic_load_n(&call_seq, __ATOMIC_ACQUIRE);
	if (__atomic_load_n(&call_done[me], __ATOMIC_RELAXED) == seq)
		return;
	void (*fn)(void *) = __atomic_load_n(&call_fn, __ATOMIC_ACQUIRE);
	if (fn)
		fn(call_arg);
	__atomic_store_n(&call_done[me], seq, __ATOMIC_RELEASE);
}

void smp_call_others(void (*fn)(void *), void *arg)
{
	u64 f = irq_save();
	while (!spin_trylock(&call_lock)) {
		smp_ipi_call_handler();
		cpu_relax();
	}
	struct percpu *me = this_cpu();
	call_arg = arg;
	__atomic_store_n(&call_fn, fn, __ATOMIC_RELEASE);
	u32 seq = __atomic_add_fetch(&call_seq, 1, __ATOMIC_ACQ_REL);
	for (unsigned i = 0; i < ncpus; i++)
		if (i != me->cpu && percpu[i].online)
			lapic_send_ipi(percpu[i].apic_id, VEC_IPI_CALL);
	for (unsigned i = 0; i < ncpus; i++) {
		if (i == me->cpu || !percpu[i].online)
			continue;
		u64 resend = kern_nsec() + 1000000;
		while (__atomic_load_n(&call_done[i], __ATOMIC_ACQUIRE) != seq) {
			if (kstub_cpu_frame(i))
				break;	/* parked in the debugger */
			if (kern_nsec() > resend) {
				lapic_send_ipi(percpu[i].apic_id, VEC_IPI_CALL);
				resend = kern_nsec() + 1000000;
			}
			cpu_relax();
		}
	}
	__atomic_store_n(&call_fn, 0, __ATOMIC_RELEASE);
	spin_unlock(&call_lock);
	irq_restore(f);
}
