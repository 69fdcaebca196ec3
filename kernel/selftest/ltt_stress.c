/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
/*
 * ltt.stress=N: the flight recorder turned off and on, resized and
 * cleared N times while every CPU logs, and checked after each change.
 * A writer task per CPU logs stress(cpu, seq) records without pause; a
 * controller stops the tracer, then either restarts it, clears it or
 * gives it a new geometry within the pool, and every few rounds decodes
 * the whole area (trace/ltt_decode.c) and checks that it is consistent:
 * every packet decodes, each CPU's records carry that CPU's number, and
 * their sequence numbers and timestamps only grow.  Prints
 * "ltt: stress passed ..." or "ltt: stress FAILED: why".
 */
#include "../kernel.h"
#include "../task.h"
#include "../../trace/ltt.h"
#include "../../trace/ltt_decode.h"
#include "../../lib/string.h"

static int stress_ev;
static volatile bool stress_done;
static volatile u64 logged[MAX_CPUS];

static void writer(void *arg)
{
	u64 cpu = (u64)arg, seq = 0;
	while (!stress_done) {
		u64 v[2] = { cpu, seq++ };
		if (!ltt_log_values((u32)stress_ev, v, 2))
			logged[cpu]++;
		/* Let the CPU's other tasks (and the controller) run now
		 * and then. */
		if (!(seq & 1023))
			sleep_ms(1);
	}
	for (;;)
		sleep_ms(1000);
}

struct check {
	struct ltt_dec *d;
	unsigned cpu;
	u64 last_seq, last_ts, records;
	bool any;
	const char *why;
};

static int check_record(const struct ltt_dec_record *r, void *arg)
{
	struct check *c = arg;
	if (r->ts < c->last_ts) {
		c->why = "timestamps go back within a CPU";
		return 1;
	}
	c->last_ts = r->ts;
	if (r->id != (u32)stress_ev)
		return 0;
	u64 cpu, seq;
	if (r->len < 16) {
		c->why = "a stress record is short";
		return 1;
	}
	memcpy(&cpu, r->payload, 8);
	memcpy(&seq, r->payload + 8, 8);
	if (cpu != c->cpu) {
		c->why = "a record of another CPU in a CPU's buffer";
		return 1;
	}
	if (c->any && seq <= c->last_seq) {
		c->why = "sequence numbers go back or repeat";
		return 1;
	}
	c->any = true;
	c->last_seq = seq;
	c->records++;
	return 0;
}

static int check_packet(const struct ltt_dec_packet *p, void *arg)
{
	struct check *c = arg;
	int r = ltt_dec_records(c->d, p, check_record, c);
	if (r < 0 && !c->why)
		c->why = "a packet's records do not decode";
	return r;
}

/* 0, or the number of stress records seen; *why on failure. */
static long check_area(const char **why)
{
	static struct ltt_dec d;
	const struct ltt_area *a = ltt_get_area();
	if (ltt_dec_open(&d, a, a->area_size)) {
		*why = "the area does not open";
		return -1;
	}
	long total = 0;
	for (unsigned cpu = 0; cpu < a->ncpus; cpu++) {
		struct check c = { .d = &d, .cpu = cpu };
		if (ltt_dec_packets(&d, cpu, check_packet, &c) || c.why) {
			*why = c.why ? c.why : "the packets do not decode";
			return -1;
		}
		total += (long)c.records;
	}
	return total;
}

static void controller(void *arg)
{
	u64 rounds = (u64)arg, seed = 12345, checks = 0, geometries = 0,
	    clears = 0, busy = 0, seen = 0;
	const struct ltt_area *a = ltt_get_area();
	u64 pool = (u64)a->subbuf_size * a->n_subbufs;
	const char *why = 0;
	for (u64 i = 0; i < rounds && !why; i++) {
		seed = seed * 6364136223846793005ull + 1442695040888963407ull;
		sleep_ms(1 + (seed >> 60) % 3);	/* let them log */
		ltt_stop();
		switch ((seed >> 40) % 4) {
		case 0:		/* off and on */
			break;
		case 1:
			if (ltt_clear())
				busy++;	/* a writer in flight: refused, fine */
			else
				clears++;
			break;
		default: {	/* resize within the pool */
			u32 sb = 1024u << ((seed >> 20) % 3);	/* 1-4 KiB */
			u32 n = (u32)MIN(pool / sb, 32);
			n = 2 + (u32)((seed >> 8) % (n - 1));
			enum ltt_mode m = (seed >> 4) & 1 ? LTT_DISCARD : LTT_OVERWRITE;
			if (ltt_set_geometry(sb, n, m))
				busy++;
			else
				geometries++;
			break;
		}
		}
		if (!(i % 8)) {
			long k = check_area(&why);
			if (k >= 0) {
				seen += (u64)k;
				checks++;
			}
		}
		ltt_start();
	}
	stress_done = true;
	sleep_ms(20);
	ltt_stop();
	if (!why) {
		long k = check_area(&why);
		if (k >= 0) {
			seen += (u64)k;
			checks++;
		}
	}
	u64 total = 0;
	for (unsigned c = 0; c < ncpus; c++)
		total += logged[c];
	if (why)
		printk("ltt: stress FAILED: %s\n", why);
	else if (!seen || !total)
		printk("ltt: stress FAILED: nothing was logged\n");
	else
		printk("ltt: stress passed: %lu rounds, %lu geometries, %lu clears "
		       "(%lu refused: a writer in flight), %lu checks of %lu "
		       "records, %lu logged\n", rounds, geometries, clears, busy,
		       checks, seen, total);
	ltt_start();
}

void ltt_stress_start(void)
{
	u64 n = kcmd_u64(kern_cmdline, "ltt.stress", 0);
	if (!n || !ltt_get_area())
		return;
	stress_ev = ltt_event_declare("stress", "u64 cpu, u64 seq");
	if (stress_ev < 0) {
		printk("ltt: stress FAILED: cannot declare its event (%d)\n", stress_ev);
		return;
	}
	printk("ltt: stress: %lu rounds of stop/start, clear and new geometry "
	       "while %u CPUs log\n", n, ncpus);
	for (unsigned cpu = 0; cpu < ncpus; cpu++)
		task_create("ltt_stress", cpu, writer, (void *)(u64)cpu);
	task_create("ltt_stress_ctl", 0, controller, (void *)n);
}
