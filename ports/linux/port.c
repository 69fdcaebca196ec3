// SPDX-License-Identifier: MIT OR GPL-2.0-only
/*
 * The port functions of stub/kstub_port.h, hooks/hook_port.h,
 * hooks/patch.h and trace/ltt_port.h on Linux 6.1.
 */
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/sched.h>
#include <linux/smp.h>
#include <linux/cpumask.h>
#include <linux/kallsyms.h>
#include <linux/reboot.h>
#include <linux/preempt.h>
#include <asm/apic.h>
#include <asm/irq_vectors.h>
#include <asm/tsc.h>
#include <asm/msr.h>
#include <asm/current.h>
#include "../../stub/kstub_port.h"
#include "../../stub/kstub.h"
#include "../../hooks/hook_port.h"
#include "../../hooks/patch.h"
#include "../../trace/ltt_port.h"
#include "kstub_linux.h"

unsigned port_cpu_count(void)
{
	return nr_cpu_ids;
}

unsigned port_cpu_id(void)
{
	return raw_smp_processor_id();
}

bool port_cpu_online(unsigned cpu)
{
	return cpu < nr_cpu_ids && cpu_online(cpu);
}

void port_roundup_others(void)
{
	/* The mask form: the all-but-self shorthand also hits CPUs that
	 * are offline (in wait-for-SIPI), which must not get an NMI. */
	apic->send_IPI_mask_allbutself(cpu_online_mask, NMI_VECTOR);
}

void port_nmi_cpu(unsigned cpu)
{
	if (port_cpu_online(cpu) && cpu != raw_smp_processor_id())
		apic->send_IPI_mask(cpumask_of(cpu), NMI_VECTOR);
}

void port_call_others(void (*fn)(void *), void *arg)
{
	kl_nmi_call_others(fn, arg);
}

void port_kick_cpu(unsigned cpu)
{
	/* Parked CPUs spin on their flag (arch_park_wait): nothing to do. */
	(void)cpu;
}

void port_cpu_task(unsigned cpu, char *buf, size_t size)
{
	struct task_struct *t = cpu < nr_cpu_ids ? per_cpu(current_task, cpu) : NULL;
	if (!t) {
		snprintf(buf, size, "?");
		return;
	}
	/* The parked CPU's task cannot exit meanwhile: it is stopped. */
	snprintf(buf, size, "%.*s pid %d", (int)sizeof(t->comm), t->comm,
		 task_pid_nr(t));
}

void port_cpu_note(unsigned cpu, char *buf, size_t size)
{
	(void)cpu;
	if (size)
		buf[0] = 0;
}

bool port_is_text(u64 addr, size_t len)
{
	bool mod;
	if (kl_core_kernel_text(addr))
		return len <= 1 || kl_core_kernel_text(addr + len - 1);
	mod = kl_module_text(addr) && (len <= 1 || kl_module_text(addr + len - 1));
	return mod;
}

const char *port_is_noprobe(u64 addr)
{
	const char *why = kl_noprobe(addr);
	return why ? why : kl_kernel_patches(addr, 1);
}

u64 port_time_us(void)
{
	/* The TSC, not ktime: the kernel's clocks stand still or jump back
	 * across a long stop (LINUX-PORT-FACTS §4). */
	u64 mhz = tsc_khz / 1000;
	return rdtsc() / (mhz ? mhz : 1000);
}

void port_reboot(void)
{
	emergency_restart();
	for (;;)
		cpu_relax();
}

void port_log(const char *s)
{
	/* From int3 or NMI context printk stores the line; the console
	 * prints it once the CPUs run again. */
	pr_info("%s\n", s);	/* the core's lines say "kstub: " */
}

bool port_nonstop_ok(void)
{
	return false;
}

unsigned port_sync_others(void)
{
	/* The NMI's iret serializes each CPU that takes it. */
	return kl_nmi_call_others(NULL, NULL);
}

/* --- hooks/hook_port.h ------------------------------------------------ */

bool port_hooks_parked(void)
{
	return kstub_is_active();
}

/* Where a task another CPU preempted will resume is in its saved stack,
 * which is not looked at: never sure, so jump-optimized probes stay int3
 * probes on Linux. */
bool port_text_busy(u64 start, u64 end)
{
	(void)start;
	(void)end;
	return true;
}

bool port_has_fixup(u64 addr)
{
	return kl_has_fixup(addr);
}

/* Where Linux's fixups resume is not a table we can search by range:
 * unsure, so yes (jump probes stay int3 on Linux anyway). */
bool port_fixup_in(u64 start, u64 end)
{
	(void)start;
	(void)end;
	return true;
}

static char sym_buf[KSYM_NAME_LEN];

u64 port_sym_start(u64 addr, const char **name)
{
	unsigned long start, size;
	if (!kl_sym_of(addr, &start, &size, sym_buf))
		return 0;
	if (name)
		*name = sym_buf;
	return start;
}

u64 port_sym_end(u64 addr)
{
	unsigned long start, size;
	char buf[KSYM_NAME_LEN];
	if (!kl_sym_of(addr, &start, &size, buf))
		return 0;
	return start + size;
}

/* --- trace/ltt_port.h ------------------------------------------------- */

u64 ltt_port_clock(void)
{
	return rdtsc_ordered();
}

unsigned ltt_port_cpu(void)
{
	return raw_smp_processor_id();
}

/* kgdb's dbg_touch_watchdogs, and RCU's stall reports off meanwhile.
 * Each parked CPU touches its own per-CPU watchdogs as it leaves
 * (nmi.c). */
void port_stopped(bool stopped)
{
	kl_rcu_stall_suppress(stopped);
	if (!stopped)
		kl_touch_watchdogs();
}

size_t port_bp_skip(u64 addr)
{
	return kl_ftrace_nop_at(addr);
}
