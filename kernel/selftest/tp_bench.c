/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
/*
 * tp.bench: the kernel side of bench/bench_tp.py, the cost of a
 * tracepoint hit.  A task times calls of tp_bench_target() in rounds
 * that gdb starts (it writes the round number into tp_bench_go) and
 * that end at tp_bench_done(), where gdb keeps a breakpoint, so the
 * script waits for each round without sleeping.  Between rounds gdb
 * changes the tracepoints.  Round kinds (tp_bench_kind):
 *   0  calls with IRQs off, best of 5 loops of tp_bench_n
 *   1  the same with a hook-layer probe and an empty exit on the target
 *      (the hook benchmark's probe hit, measured beside the tracepoints)
 *   2  one loop with IRQs on (a breakpoint that stops the kernel needs
 *      the other CPUs to answer; conditional breakpoint rounds)
 *   3  no probe: each call also logs an LTT record of a traceframe's
 *      size with no actions (14 bytes) by direct call, the tracer's
 *      share of a hit
 *   4  kind 1 with an exit that logs that record: the tracer's share
 *      when it runs in the trap (docs/tracepoints.md, "Cost of a hit")
 * Kinds 3 and 4 need the tracer on (`ltt start`).
 * Lines "tp-bench: round=R kind=K n=N cycles=C ns=X".
 */
#include "../kernel.h"
#include "../task.h"
#include "../../hooks/hook.h"
#include "../../trace/ltt.h"
#include "../../arch/x86_64/cpu.h"
#include "../../arch/x86_64/lapic.h"

volatile u64 tp_bench_go, tp_bench_kind, tp_bench_n = 20000;
u8 tp_bench_buf[64];

__attribute__((noinline)) u64 tp_bench_target(u64 x)
{
	__asm__ volatile("" : "+r"(x));
	return x + 1;
}

__attribute__((noinline)) void tp_bench_done(u64 round)
{
	__asm__ volatile("" :: "r"(round));
}

static int ev = -1;

static void empty_exit(const struct hook_args *a, void *data)
{
	(void)a;
	if (data && ev > 0) {
		u8 rec[14] = { 0 };
		struct ltt_reserve r = { .id = (u32)ev, .len = sizeof(rec) };
		if (!ltt_reserve(&r)) {
			memcpy(r.data, rec, sizeof(rec));
			ltt_commit(&r);
		}
	}
}

static u64 loop(u64 n, bool irqs_off, bool log)
{
	u64 f = irqs_off ? irq_save() : 0;
	u64 x = 0, t0 = rdtsc();
	u8 rec[14] = { 0 };
	for (u64 i = 0; i < n; i++) {
		x = tp_bench_target(x);
		if (log) {
			struct ltt_reserve r = { .id = (u32)ev, .len = sizeof(rec) };
			if (!ltt_reserve(&r)) {
				memcpy(r.data, rec, sizeof(rec));
				ltt_commit(&r);
			}
		}
	}
	u64 t1 = rdtsc();
	if (irqs_off)
		irq_restore(f);
	return x == n ? t1 - t0 : ~0ull;
}

static void bench(void *arg)
{
	(void)arg;
	u64 seen = 0, mhz = arch_tsc_hz() / 1000000;
	ev = ltt_event_declare("tp_bench_ev", "u16 a, u16 b, x64 c, u16 d");
	printk("tp-bench: ready (TSC %lu MHz)\n", mhz);
	for (;;) {
		u64 round = tp_bench_go;
		if (round == seen) {
			sleep_ms(10);
			continue;
		}
		seen = round;
		u64 kind = tp_bench_kind, n = tp_bench_n, best = ~0ull;
		const char *why = 0;
		if ((kind == 1 || kind == 4) &&
		    (hook_declare_at("tp_bench_probe", (u64)tp_bench_target, &why) ||
				  hook_exit_register("tp_bench_probe", 0, empty_exit,
						     (void *)(u64)(kind == 4), "bench") ||
				  hook_arm("tp_bench_probe")))
			printk("tp-bench: probe refused: %s\n", why ? why : "?");
		for (int r = 0; r < (kind == 2 ? 1 : 5); r++) {
			u64 c = loop(n, kind != 2, kind == 3 && ev > 0);
			if (c < best)
				best = c;
		}
		if (kind == 1 || kind == 4)
			hook_undeclare("tp_bench_probe");
		if (kind == 3 && !ltt_is_active())
			printk("tp-bench: the tracer is off: nothing logged\n");
		u64 c100 = best * 100 / n, ns100 = mhz ? best * 100000 / mhz / n : 0;
		printk("tp-bench: round=%lu kind=%lu n=%lu cycles=%lu.%02lu ns=%lu.%02lu\n",
		       round, kind, n, c100 / 100, c100 % 100, ns100 / 100, ns100 % 100);
		tp_bench_done(round);
	}
}

void tp_bench_start(void)
{
	if (kcmd_flag(kern_cmdline, "tp.bench"))
		task_create("tp_bench", 1 % ncpus, bench, 0);
}
