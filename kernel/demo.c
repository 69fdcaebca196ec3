/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
/*
 * Demo workload with stable names, for tests and for people trying the
 * debugger:
 *   demo_fib(n)          recursive, called regularly on every CPU
 *   demo_counter         incremented under demo_lock on every CPU
 *   demo_watch           written every 100 ms by demo_watch_writer
 *   kstub.fault=null|gp|panic|wx   a fault shortly after boot
 *   demo=off             none of the above, nor the ring-3 task (benchmarks)
 */
#include "kernel.h"
#include "task.h"
#include "spinlock.h"
#include "../arch/x86_64/cpu.h"
#include "../trace/ltt.h"

volatile u64 demo_counter;
spinlock_t demo_lock;
/* Page-aligned: QEMU (TCG) raises spurious data-breakpoint traps for some
 * unaligned stores to other data in a watched page; keep the demo's
 * watchpoint target away from per-CPU data. */
volatile u64 demo_watch __attribute__((aligned(4096)));
volatile u64 demo_fib_calls;
/* A string behind a pointer, for `collect/s demo_label`. */
const char *volatile demo_label = "fib worker";
volatile u64 demo_fib_result;

__attribute__((noinline)) u64 demo_fib(u64 n)
{
	if (n < 2)
		return n;
	return demo_fib(n - 1) + demo_fib(n - 2);
}

static void demo_fib_worker(void *arg)
{
	u64 n = 10 + (u64)arg % 4;
	/* An LTT event declared at run time (same id on every CPU). */
	int ev = ltt_event_declare("demo_fib", "u32 cpu, u64 n, u64 result, string task");
	for (;;) {
		demo_fib_result = demo_fib(n);
		u64 v[4] = { kern_cpu_id(), n, demo_fib_result, (u64)current_task()->name };
		ltt_log_values((u32)ev, v, 4);
		__atomic_fetch_add(&demo_fib_calls, 1, __ATOMIC_RELAXED);
		sleep_ms(50);
	}
}

static void demo_counter_worker(void *arg)
{
	(void)arg;
	for (;;) {
		for (int i = 0; i < 100; i++) {
			spin_lock(&demo_lock);
			demo_counter++;
			spin_unlock(&demo_lock);
		}
		sleep_ms(10);
	}
}

/* Writes demo_watch every 100 ms and notices when someone else (gdb) has
 * changed it in between. */
static void demo_watch_writer(void *arg)
{
	(void)arg;
	u64 last = demo_watch;
	for (;;) {
		sleep_ms(100);
		u64 v = demo_watch;
		if (v != last)
			printk("demo: demo_watch changed from %lu to %lu by someone else\n",
			       last, v);
		demo_watch = v + 1;
		last = v + 1;
	}
}

__attribute__((noinline)) void demo_fault_null(void)
{
	*(volatile u64 *)0 = 0x1234;
}

__attribute__((noinline)) void demo_fault_gp(void)
{
	*(volatile u64 *)0x8000000000000000ull = 1; /* non-canonical */
}

__attribute__((noinline)) void demo_fault_panic(void)
{
	panic("kstub.fault=panic requested");
}

/* W^X: kernel text is read-only even to the kernel. */
__attribute__((noinline)) void demo_fault_write_text(void)
{
	*(volatile u8 *)(u64)demo_fib = 0xcc;
}

/* demo.spin_irqoff: one CPU spins forever with interrupts off, as a
 * wedged driver would; the debugger must still stop it (by NMI). */
static void demo_irqoff_spinner(void *arg)
{
	(void)arg;
	printk("demo: CPU %u spinning with IRQs off\n", kern_cpu_id());
	irq_disable();
	for (;;)
		cpu_relax();
}

static void demo_fault_thread(void *arg)
{
	(void)arg;
	sleep_ms(200);
	printk("demo: triggering kstub.fault\n");
	if (kcmd_is(kern_cmdline, "kstub.fault", "null"))
		demo_fault_null();
	else if (kcmd_is(kern_cmdline, "kstub.fault", "gp"))
		demo_fault_gp();
	else if (kcmd_is(kern_cmdline, "kstub.fault", "panic"))
		demo_fault_panic();
	else if (kcmd_is(kern_cmdline, "kstub.fault", "wx"))
		demo_fault_write_text();
	else
		printk("demo: unknown kstub.fault value (null|gp|panic|wx)\n");
	printk("demo: kstub.fault did not fault\n");
}

void demo_start(void)
{
	/* demo=off: an idle kernel for benchmarks against an idle peer. */
	if (kcmd_is(kern_cmdline, "demo", "off"))
		return;
	for (unsigned cpu = 0; cpu < ncpus; cpu++) {
		task_create("demo_fib", cpu, demo_fib_worker, (void *)(u64)cpu);
		task_create("demo_counter", cpu, demo_counter_worker, 0);
	}
	task_create("demo_watch", ncpus > 1 ? 1 : 0, demo_watch_writer, 0);
	if (kcmd_flag(kern_cmdline, "demo.spin_irqoff"))
		task_create("demo_irqoff", ncpus - 1, demo_irqoff_spinner, 0);
	const char *v;
	size_t n;
	if (kcmd_get(kern_cmdline, "kstub.fault", &v, &n))
		task_create("demo_fault", 0, demo_fault_thread, 0);
}
