/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
/*
 * ltt.bench=N: measure the trace fast path inside the kernel (for
 * bench/bench_ltt.py).  On CPU 0, N iterations each of: an empty loop, a
 * disarmed event site (the 5-byte NOP of a hook point), an armed site
 * logging 2 and 8 u64 fields, and ltt_log_values() called directly.  Then
 * every CPU logs 2-field events for 200 ms at once.  Results are printed
 * as "ltt-bench: KEY=VALUE" lines, times in TSC cycles and ns.
 */
#include "../kernel.h"
#include "../task.h"
#include "../../trace/ltt.h"
#include "../../hooks/hook.h"
#include "../../arch/x86_64/cpu.h"
#include "../../arch/x86_64/lapic.h"

static int ev2 = -1, ev8 = -1;
static volatile u32 mc_go, mc_done;
static u64 mc_count[MAX_CPUS], mc_lost[MAX_CPUS];

static void log2(const struct hook_args *a, void *data)
{
	(void)data;
	ltt_log_values((u32)ev2, a->a, 2);
}

static void log8(const struct hook_args *a, void *data)
{
	(void)data;
	u64 v[8] = { a->a[0], a->a[1], a->a[2], a->a[3], 5, 6, 7, 8 };
	ltt_log_values((u32)ev8, v, 8);
}

static u64 ns(u64 cycles, u64 n)
{
	u64 hz = arch_tsc_hz();
	return hz && n ? cycles * 1000000000ull / hz * 1000 / n : 0; /* ps */
}

static void report(const char *what, u64 cycles, u64 n)
{
	u64 ps = ns(cycles, n);
	printk("ltt-bench: %s_ps=%lu cycles=%lu n=%lu\n", what, ps, cycles / n, n);
}

__attribute__((noinline)) static void loop_empty(u64 n)
{
	for (u64 i = 0; i < n; i++)
		__asm__ volatile("" ::: "memory");
}

__attribute__((noinline)) static void loop_site2(u64 n)
{
	for (u64 i = 0; i < n; i++)
		HOOK(ltt_bench2, i, n);
}

__attribute__((noinline)) static void loop_site8(u64 n)
{
	for (u64 i = 0; i < n; i++)
		HOOK(ltt_bench8, i, n, i, n);
}

__attribute__((noinline)) static void loop_direct2(u64 n)
{
	for (u64 i = 0; i < n; i++) {
		u64 v[2] = { i, n };
		ltt_log_values((u32)ev2, v, 2);
	}
}

static void timed(const char *what, void (*fn)(u64), u64 n)
{
	u64 f = irq_save();	/* no ticks in the measurement */
	u64 t0 = rdtsc();
	fn(n);
	u64 t1 = rdtsc();
	irq_restore(f);
	report(what, t1 - t0, n);
}

static void mc_worker(void *arg)
{
	unsigned cpu = (unsigned)(u64)arg;
	while (!__atomic_load_n(&mc_go, __ATOMIC_ACQUIRE))
		cpu_relax();
	u64 end = rdtsc() + arch_tsc_hz() / 5, n = 0, lost = 0;
	while (rdtsc() < end) {
		for (int i = 0; i < 64; i++) {
			u64 v[2] = { n, cpu };
			if (ltt_log_values((u32)ev2, v, 2))
				lost++;
			n++;
		}
	}
	mc_count[cpu] = n;
	mc_lost[cpu] = lost;
	__atomic_fetch_add(&mc_done, 1, __ATOMIC_RELEASE);
}

static void bench(void *arg)
{
	u64 n = (u64)arg;
	sleep_ms(100);
	ev2 = ltt_event_declare("bench2", "u64 a, u64 b");
	ev8 = ltt_event_declare("bench8", "u64 a, u64 b, u64 c, u64 d, u64 e, u64 f, u64 g, u64 h");
	if (ev2 < 0 || ev8 < 0 ||
	    hook_exit_register("ltt_bench2", 0, log2, 0, "bench") ||
	    hook_exit_register("ltt_bench8", 0, log8, 0, "bench")) {
		printk("ltt-bench: setup failed\n");
		return;
	}
	ltt_start();
	struct ltt_area *a = ltt_get_area();
	printk("ltt-bench: cpus=%u subbuf=%u n_subbufs=%u mode=%u tsc_hz=%lu\n",
	       a->ncpus, a->subbuf_size, a->n_subbufs, a->mode, arch_tsc_hz());
	timed("empty", loop_empty, n);
	timed("disabled2", loop_site2, n);
	timed("disabled8", loop_site8, n);
	hook_arm("ltt_bench2");
	hook_arm("ltt_bench8");
	timed("enabled2", loop_site2, n);
	timed("enabled8", loop_site8, n);
	timed("direct2", loop_direct2, n);
	ltt_event_set_enabled((u32)ev2, false);
	timed("flagoff2", loop_site2, n);	/* armed, event switched off */
	ltt_event_set_enabled((u32)ev2, true);
	hook_disarm("ltt_bench2");
	hook_disarm("ltt_bench8");
	for (unsigned c = 0; c < ncpus; c++)
		task_create("ltt_bench_mc", c, mc_worker, (void *)(u64)c);
	sleep_ms(50);
	__atomic_store_n(&mc_go, 1, __ATOMIC_RELEASE);
	while (__atomic_load_n(&mc_done, __ATOMIC_ACQUIRE) < ncpus)
		sleep_ms(10);
	for (unsigned c = 0; c < ncpus; c++)
		printk("ltt-bench: mc_cpu=%u events_per_s=%lu lost=%lu\n", c,
		       mc_count[c] * 5, mc_lost[c]);
	printk("ltt-bench: done\n");
}

void ltt_bench_start(void)
{
	u64 n = kcmd_u64(kern_cmdline, "ltt.bench", 0);
	if (n)
		task_create("ltt_bench", 0, bench, (void *)n);
}
