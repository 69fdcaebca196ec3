/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
/*
 * Native user-space micro-benchmark: the hosted build of trace/ against
 * LTTng-UST logging the same payloads, in one process and one run.
 *
 *   ltt_native kstub N   kstub LTT: ns/event with 2 and 8 u64 fields,
 *                        enabled and disabled; events/s per thread with 4
 *                        threads logging at once
 *   ltt_native ust N     the same through LTTng-UST tracepoints (enabled
 *                        or disabled depends on the lttng session that
 *                        bench/bench_ltt.py sets up around the run)
 *
 * Output: "KEY=VALUE" lines.  Built by bench/bench_ltt.py with -O2.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <x86intrin.h>

#include "../trace/ltt.h"
#include "../trace/ltt_port.h"

#define LTTNG_UST_TRACEPOINT_DEFINE
#define LTTNG_UST_TRACEPOINT_CREATE_PROBES
#include "ltt_ust_tp.h"

static __thread unsigned my_cpu;

/* The port: TSC, as in the kernel; one buffer per thread. */
u64 ltt_port_clock(void)
{
	return __rdtsc();
}

unsigned ltt_port_cpu(void)
{
	return my_cpu;
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int ev2, ev8;
static volatile int go;
static int use_ust;
static unsigned long thread_n[4];

static void kstub2(u64 i)
{
	u64 v[2] = { i, 2 };
	ltt_log_values((u32)ev2, v, 2);
}

static void kstub8(u64 i)
{
	u64 v[8] = { i, 2, 3, 4, 5, 6, 7, 8 };
	ltt_log_values((u32)ev8, v, 8);
}

static void ust2(u64 i)
{
	lttng_ust_tracepoint(kstub_bench, ev2, i, 2);
}

static void ust8(u64 i)
{
	uint64_t v[8] = { i, 2, 3, 4, 5, 6, 7, 8 };
	lttng_ust_tracepoint(kstub_bench, ev8, v);
}

static double per_event(void (*fn)(u64), u64 n)
{
	for (u64 i = 0; i < n / 10; i++)	/* warm up */
		fn(i);
	double t0 = now();
	for (u64 i = 0; i < n; i++)
		fn(i);
	return (now() - t0) * 1e9 / n;
}

static void *mt_worker(void *arg)
{
	my_cpu = (unsigned)(unsigned long)arg;
	while (!__atomic_load_n(&go, __ATOMIC_ACQUIRE))
		;
	double end = now() + 0.5;
	unsigned long n = 0;
	while (now() < end) {
		for (int i = 0; i < 256; i++, n++) {
			if (use_ust)
				ust2(n);
			else
				kstub2(n);
		}
	}
	thread_n[my_cpu] = n;
	return NULL;
}

static void multi(void)
{
	pthread_t t[4];
	go = 0;
	for (unsigned long i = 0; i < 4; i++)
		pthread_create(&t[i], NULL, mt_worker, (void *)i);
	__atomic_store_n(&go, 1, __ATOMIC_RELEASE);
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	unsigned long sum = 0;
	for (int i = 0; i < 4; i++)
		sum += thread_n[i];
	printf("mt4_events_per_s_per_thread=%.0f\n", sum / 4 / 0.5);
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: %s kstub|ust N\n", argv[0]);
		return 2;
	}
	u64 n = strtoull(argv[2], NULL, 0);
	if (!strcmp(argv[1], "ust")) {
		use_ust = 1;
		printf("enabled2_ns=%.2f\n", per_event(ust2, n));
		printf("enabled8_ns=%.2f\n", per_event(ust8, n));
		multi();
		return 0;
	}
	/* 4 "CPUs" of 16 x 64 KiB, flight recorder, like an lttng snapshot
	 * session. */
	struct ltt_config cfg = {
		.ncpus = 4, .data_per_cpu = 16 << 16, .subbuf_size = 1 << 16,
		.n_subbufs = 16, .mode = LTT_OVERWRITE, .clock_hz = 1000000000,
		.uuid_seed = 1,
	};
	void *mem = aligned_alloc(4096, ltt_area_size(&cfg));
	if (!mem || ltt_init(mem, &cfg))
		return 1;
	ev2 = ltt_event_declare("bench2", "u64 a, u64 b");
	ev8 = ltt_event_declare("bench8", "u64 a, u64 b, u64 c, u64 d, u64 e, u64 f, u64 g, u64 h");
	ltt_start();
	printf("enabled2_ns=%.2f\n", per_event(kstub2, n));
	printf("enabled8_ns=%.2f\n", per_event(kstub8, n));
	ltt_event_set_enabled((u32)ev2, false);
	ltt_event_set_enabled((u32)ev8, false);
	printf("disabled2_ns=%.2f\n", per_event(kstub2, n));
	printf("disabled8_ns=%.2f\n", per_event(kstub8, n));
	ltt_event_set_enabled((u32)ev2, true);
	multi();
	u64 lost = ltt_lost_total(-1);
	printf("lost_wrap=%lu\n", (unsigned long)lost);
	return 0;
}
