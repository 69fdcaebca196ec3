/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
/*
 * Boot order of the reference kernel.  pvh_start32 (boot.S) enters long
 * mode and calls kmain() on the boot CPU with the PVH start_info.
 */
#include "kernel.h"
#include "task.h"
#include "../arch/x86_64/asm.h"
#include "../arch/x86_64/acpi.h"
#include "../arch/x86_64/cpu.h"
#include "../arch/x86_64/desc.h"
#include "../arch/x86_64/lapic.h"
#include "../arch/x86_64/paging.h"

extern char _kernel_end[];
extern u32 cpu_apic_ids[MAX_CPUS];
extern unsigned cpu_apic_count;
void boot_parse_start_info(u32 start_info, u64 *ram_top, u64 *rsdp);
void kstub_port_init(void);
void kstub_port_wait(void);
void ltt_port_init(void);
void hooks_port_init(void);
void hooks_selftest_start(void);
void kstub_selftest_start(void);
void tp_bench_start(void);

/* Per-CPU data pointer in GS base, descriptor tables loaded. */
void cpu_setup(unsigned cpu)
{
	struct percpu *pc = &percpu[cpu];
	pc->self = pc;
	pc->cpu = cpu;
	wrmsr(MSR_GS_BASE, (u64)pc);
	arch_cpu_tables_load(&pc->arch);
}

static void start_heartbeat(void);

/* The firmware leaves the 8259 PICs running, wired to LINT0 as ExtINT:
 * a stray PIC interrupt would arrive as a bogus vector.  Mask both. */
static void pic_disable(void)
{
	outb(0x21, 0xff);
	outb(0xa1, 0xff);
}

void kmain(u32 start_info)
{
	u64 ram_top, rsdp;

	pic_disable();                  /* only the LAPIC delivers IRQs */
	console_init();                 /* COM1, polled */
	boot_parse_start_info(start_info, &ram_top, &rsdp);
	printk("kstub reference kernel, cmdline: \"%s\"\n", kern_cmdline);
	/* The MADT may sit in the BIOS areas that the final page tables
	 * leave unmapped (page 0): read it under the boot identity map. */
	cpu_apic_count = (unsigned)acpi_cpu_apic_ids(rsdp, cpu_apic_ids, MAX_CPUS);
	arch_paging_init(ram_top);      /* W^X image, direct map alias */
	mem_init((u64)_kernel_end, ram_top);
	arch_idt_init();
	cpu_setup(0);                   /* GS base, GDT, TSS, IDT */
	percpu[0].apic_id = lapic_id();
	lapic_calibrate();              /* LAPIC timer and TSC vs. the PIT */
	printk("memory: %lu MiB, TSC %lu MHz, %u CPUs in MADT\n", ram_top >> 20,
	       arch_tsc_hz() / 1000000, cpu_apic_count);
	sched_init_cpu();
	lapic_init_cpu(HZ);
	percpu[0].online = true;
	smp_boot_aps();                 /* INIT/SIPI every other CPU */
	printk("CPUs online: %u\n", ncpus);
	hooks_port_init();              /* hook points, probes, monitor hooks */
	kstub_port_init();              /* kstub=ttyS0: the gdb stub */
	ltt_port_init();                /* LTT trace buffer; ltt: trace from boot */
	demo_start();                   /* demo_fib, demo_counter, demo_watch */
	bench_mem_init();               /* bench_random, bench_zeros */
	hooks_selftest_start();         /* hooks.selftest, hooks.stress=N */
	kstub_selftest_start();         /* kstub.selftest */
	tp_bench_start();               /* tp.bench: bench/bench_tp.py */
	user_start();                   /* the ring-3 task */
	start_heartbeat();
	kstub_port_wait();              /* kstub.wait: stop for gdb here */
	sched_idle();
}

u64 kern_ticks(void)
{
	return percpu[0].ticks;
}

u64 kern_nsec(void)
{
	u64 hz = arch_tsc_hz();
	u64 t = rdtsc();
	return hz ? (t / hz) * 1000000000ull + (t % hz) * 1000000000ull / hz : 0;
}

/* heartbeat=N: every N seconds print each CPU's tick count. */
static void heartbeat(void *arg)
{
	u64 secs = (u64)arg;
	for (;;) {
		sleep_ms(secs * 1000);
		char line[256];
		size_t n = kfmt_snprintf(line, sizeof(line), "heartbeat: ticks");
		for (unsigned i = 0; i < ncpus && n < sizeof(line); i++)
			n += kfmt_snprintf(line + n, sizeof(line) - n, " %u:%lu", i,
					   percpu[i].ticks);
		printk("%s\n", line);
	}
}

static void start_heartbeat(void)
{
	u64 secs = kcmd_u64(kern_cmdline, "heartbeat", 0);
	if (secs)
		task_create("heartbeat", 0, heartbeat, (void *)secs);
}
