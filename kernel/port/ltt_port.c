/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
/*
 * The reference kernel's side of the LTT trace (trace/ltt_port.h): the TSC
 * clock and CPU id, the trace area, boot options, the ltt_ctl task that
 * applies enables made from gdb, and `monitor ltt`.
 *
 * Boot options:
 *   ltt=off                no tracing at boot (the flight recorder is on
 *                          by default; `ltt` alone is accepted too)
 *   ltt.size=BYTES         buffer pool per CPU (default 131072)
 *   ltt.oops_dump=N        after an oops or panic, print the last N events
 *                          of each CPU (default 8, at most 64; 0: none)
 *   ltt.subbuf=BYTES       sub-buffer (packet) size, a power of two (4096)
 *   ltt.mode=overwrite|discard   flight recorder (default) or drop new
 *   ltt.events=a,b,...     enable only these events (all, none; default all)
 *   ltt.heartbeat=TICKS    heartbeat record period per CPU (default HZ)
 *   ltt.bench=N            run the in-kernel benchmark (kernel/selftest/ltt_bench.c)
 *   ltt.stress=N           stop/start, clear and resize the recorder N times
 *                          while every CPU logs (kernel/selftest/ltt_stress.c)
 */
#include "../kernel.h"
#include "../task.h"
#include "../spinlock.h"
#include "../../trace/ltt.h"
#include "../../trace/ltt_port.h"
#include "../../trace/ltt_print.h"
#include "../../stub/kstub.h"
#include "../../arch/x86_64/cpu.h"
#include "../../arch/x86_64/lapic.h"

int ltt_sites_init(void);
int ltt_sites_sync(void);
extern u64 ltt_heartbeat_ticks;
void ltt_bench_start(void);
void ltt_stress_start(void);

u64 ltt_port_clock(void)
{
	return rdtsc();
}

unsigned ltt_port_cpu(void)
{
	return kern_cpu_id();
}

static void no_op(void *arg)
{
	(void)arg;
}

/* Every other CPU takes an interrupt: their earlier stores (a writer's
 * nest count) are visible after this, and they see ours. */
static void sync_cpus(void)
{
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	smp_call_others(no_op, 0);
}

/* Clear from task context: stop, wait for writers in flight, clear. */
int ltt_kernel_clear(void)
{
	bool was_on = ltt_is_active();
	ltt_stop();
	sync_cpus();
	int r = -1;
	for (int i = 0; i < 100 && (r = ltt_clear()) != 0; i++)
		sleep_ms(1);
	if (was_on)
		ltt_start();
	return r;
}

static u32 first_event_name(const char *s, size_t n, char *out, size_t size)
{
	size_t k = 0;
	while (k < n && s[k] != ',')
		k++;
	kstr_copy(out, s, MIN(k + 1, size));
	return (u32)k;
}

/* ltt.events=a,b,c: everything else off. */
static void apply_event_list(const char *v, size_t n)
{
	struct ltt_area *a = ltt_get_area();
	if (n == 3 && !memcmp(v, "all", 3))
		return;
	for (u32 id = 1; id < a->nevents; id++)
		ltt_event_set_enabled(id, false);
	if (n == 4 && !memcmp(v, "none", 4))
		return;
	while (n) {
		char name[LTT_NAME_MAX];
		u32 k = first_event_name(v, n, name, sizeof(name));
		int id = ltt_event_find(name);
		if (id < 0)
			printk("ltt: unknown event %s in ltt.events\n", name);
		else
			ltt_event_set_enabled((u32)id, true);
		v += k;
		n -= k;
		if (n) {
			v++;
			n--;
		}
	}
}

/*
 * ltt_ctl: gdb changes the registry and the active flag by writing memory
 * (a stopped kernel cannot patch code for it); this task arms and disarms
 * the sites to match, every 20 ms, and acknowledges gdb's request word.
 */
static void ltt_ctl(void *arg)
{
	(void)arg;
	struct ltt_area *a = ltt_get_area();
	for (;;) {
		u32 req = __atomic_load_n(&a->request, __ATOMIC_ACQUIRE);
		if (__atomic_load_n(&a->pending, __ATOMIC_ACQUIRE) & LTT_PENDING_CLEAR) {
			if (!ltt_kernel_clear())
				__atomic_fetch_and(&a->pending, ~LTT_PENDING_CLEAR,
						   __ATOMIC_RELEASE);
		}
		/* A CPU still leaving the debugger: patch on the next round. */
		if (kstub_cpus_parked()) {
			sleep_ms(20);
			continue;
		}
		ltt_sites_sync();
		a->ack = req;
		sleep_ms(20);
	}
}

static const struct kstub_monitor_cmd ltt_cmd = {
	.name = "ltt",
	.help = "ltt [status|start|stop]: the LTT trace buffer (gdb-scripts/kstub.py has more)",
	.fn = ltt_monitor,
};

static unsigned oops_events;

static void oops_line(const char *line)
{
	printk("%s\n", line);
}

void ltt_port_oops(void)
{
	ltt_print_last(oops_events, oops_line);
}

void ltt_port_init(void)
{
	const char *v;
	size_t n;
	struct ltt_config cfg = {
		.ncpus = ncpus,
		/* 128 KiB a CPU: the last ~5 s of the demo workload (about 570
		 * events a second a CPU). */
		.data_per_cpu = kcmd_u64(kern_cmdline, "ltt.size", 131072),
		.subbuf_size = (u32)kcmd_u64(kern_cmdline, "ltt.subbuf", 4096),
		.mode = kcmd_is(kern_cmdline, "ltt.mode", "discard") ? LTT_DISCARD
								  : LTT_OVERWRITE,
		.clock_hz = arch_tsc_hz(),
		.uuid_seed = rdtsc(),
	};
	if (kcmd_get(kern_cmdline, "ltt.mode", &v, &n) &&
	    !kcmd_is(kern_cmdline, "ltt.mode", "discard") &&
	    !kcmd_is(kern_cmdline, "ltt.mode", "overwrite"))
		printk("ltt: ltt.mode is overwrite or discard; using overwrite\n");
	if (cfg.subbuf_size < LTT_MIN_SUBBUF || cfg.data_per_cpu > (64u << 20))
		cfg.subbuf_size = 4096, cfg.data_per_cpu = 32768;
	cfg.data_per_cpu = ALIGN_UP(cfg.data_per_cpu, 4096);
	u64 nsb = cfg.data_per_cpu / cfg.subbuf_size;
	cfg.n_subbufs = (u32)MIN(nsb, LTT_MAX_SUBBUF);
	u64 size = ltt_area_size(&cfg);
	void *mem = kalloc_pages((size_t)((size + 4095) / 4096));
	if (ltt_init(mem, &cfg)) {
		printk("ltt: bad geometry ltt.size=%lu ltt.subbuf=%u\n",
		       cfg.data_per_cpu, cfg.subbuf_size);
		return;
	}
	ltt_heartbeat_ticks = kcmd_u64(kern_cmdline, "ltt.heartbeat", HZ);
	if (kcmd_get(kern_cmdline, "ltt.events", &v, &n))
		apply_event_list(v, n);
	int r = ltt_sites_init();
	if (r)
		printk("ltt: attaching the event exits failed (%d)\n", r);
	if (kstub_monitor_register(&ltt_cmd))
		printk("ltt: no room for `monitor ltt`\n");
	/* The flight recorder is on unless ltt=off. */
	if (!kcmd_is(kern_cmdline, "ltt", "off"))
		ltt_start();
	oops_events = (unsigned)kcmd_u64(kern_cmdline, "ltt.oops_dump", 8);
	ltt_sites_sync();
	task_create("ltt_ctl", 0, ltt_ctl, 0);
	ltt_bench_start();		/* ltt.bench=N (kernel/selftest/ltt_bench.c) */
	ltt_stress_start();		/* ltt.stress=N (kernel/selftest/ltt_stress.c) */
	printk("ltt: %u CPUs x %u x %u bytes, %s, %s, area at %p (%lu KiB)\n",
	       cfg.ncpus, cfg.n_subbufs, cfg.subbuf_size,
	       cfg.mode == LTT_DISCARD ? "discard" : "overwrite",
	       ltt_is_active() ? "tracing" : "stopped", mem,
	       (unsigned long)(size >> 10));
}
