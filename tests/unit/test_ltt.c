/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
/*
 * Unit tests of the LTT trace buffer (trace/), hosted: layouts and the
 * registry, overwrite wrap-around, discard mode, torn records at a stop,
 * the decoder's errors, and concurrent writers (with signal handlers
 * nesting like NMIs) against a reader, with exact counters.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "trace/ltt.h"
#include "trace/ltt_port.h"
#include "trace/ltt_decode.h"

/* ---- the port: thread = CPU ---- */
static __thread unsigned this_cpu;

u64 ltt_port_clock(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (u64)ts.tv_sec * 1000000000ull + (u64)ts.tv_nsec;
}

unsigned ltt_port_cpu(void)
{
	return this_cpu;
}

static void *area;

static void setup_area(u32 ncpus, u32 sb, u32 n, enum ltt_mode mode)
{
	struct ltt_config cfg = {
		.ncpus = ncpus, .data_per_cpu = (u64)sb * n, .subbuf_size = sb,
		.n_subbufs = n, .mode = mode, .clock_hz = 1000000000ull,
		.uuid_seed = 42,
	};
	free(area);
	area = aligned_alloc(4096, ALIGN_UP(ltt_area_size(&cfg), 4096));
	assert_non_null(area);
	assert_int_equal(ltt_init(area, &cfg), 0);
}

static u64 area_bytes(void)
{
	return ltt_get_area()->area_size;
}

/* ---- layouts, registry, metadata ---- */

static void test_layout_parse(void **state)
{
	(void)state;
	struct ltt_field f[LTT_MAX_FIELDS];
	u16 n = 0;
	assert_int_equal(ltt_layout_parse("u32 pid, string comm,x64 addr", f, &n), 0);
	assert_int_equal(n, 3);
	assert_string_equal(f[1].name, "comm");
	assert_int_equal(f[1].type, LTT_F_STRING);
	assert_int_equal(f[2].type, LTT_F_X64);
	const char *bad[] = {
		"", "u32", "u33 x", "u32 1x", "u32 a, u32 a", "u32 struct",
		"u32 a b", "u32 a,, u32 b", "u32 abcdefghijklmnopqrstuvwxyz",
		"u32 len", "u64 timestamp", "u32 uint32_t", "u64 tsc_t",
		"u8 a, u8 b, u8 c, u8 d, u8 e, u8 f, u8 g, u8 h, u8 i", NULL,
	};
	for (int i = 0; i < (int)(sizeof(bad) / sizeof(bad[0])); i++)
		assert_int_equal(ltt_layout_parse(bad[i], f, &n), -1);
}

static void test_registry_and_metadata(void **state)
{
	(void)state;
	setup_area(2, 4096, 4, LTT_OVERWRITE);
	struct ltt_area *a = ltt_get_area();
	assert_int_equal(ltt_event_find("sched_switch"), LTT_EV_SCHED_SWITCH);
	assert_int_equal(ltt_event_find("nope"), -1);
	int id = ltt_event_declare("demo:thing", "u64 value, string label");
	assert_true(id >= LTT_FIRST_DYNAMIC_ID);
	assert_int_equal(ltt_event_declare("demo:thing", "u64 value, string label"), id);
	assert_int_equal(ltt_event_declare("demo:thing", "u32 value"), -2);
	assert_int_equal(ltt_event_declare("bad name", "u32 value"), -1);
	assert_int_equal(ltt_event_declare("x", "u32"), -1);
	int raw = ltt_event_declare_raw("demo:raw", 100);
	assert_int_equal(raw, id + 1);
	const char *meta = ltt_area_meta(a);
	assert_int_equal(strlen(meta), a->meta_len);
	assert_non_null(strstr(meta, "/* CTF 1.8 */"));
	assert_non_null(strstr(meta, "freq = 1000000000;"));
	/* The record length is clock-mapped so babeltrace2 reads the event
	 * header (id, len, timestamp) without a warning. */
	assert_non_null(strstr(meta, "\t\tuint32_t id;\n\t\tinteger { size = 32; "
			       "align = 8; signed = false; map = clock.tsc.value; } "
			       "len;\n\t\ttsc_t timestamp;\n"));
	assert_non_null(strstr(meta, "name = \"demo:thing\";"));
	assert_non_null(strstr(meta, "uint8_t data[data_len];"));
	char buf[512];
	size_t n = ltt_meta_event_text(ltt_event_get((u32)id), buf, sizeof(buf));
	assert_int_equal(n, strlen(buf));
	assert_non_null(strstr(meta, buf));
	/* Fill the registry: a clear error, not an overflow. */
	int last = 0;
	for (int i = 0; i < LTT_MAX_EVENTS; i++) {
		char name[32];
		snprintf(name, sizeof(name), "fill%d", i);
		last = ltt_event_declare(name, "u8 a");
		if (last < 0)
			break;
	}
	assert_int_equal(last, -3);
}

/* ---- single-CPU behaviour ---- */

struct seen {
	u64 n, first_seq, last_seq, prev_ts;
	u32 dropped;
	int ok;
};

static int count_rec(const struct ltt_dec_record *r, void *arg)
{
	struct seen *s = arg;
	assert_true(r->ts >= s->prev_ts);
	s->prev_ts = r->ts;
	if (r->id >= LTT_FIRST_DYNAMIC_ID) {
		u64 seq;
		memcpy(&seq, r->payload, 8);
		if (s->n && seq != s->last_seq + 1)
			s->ok = 0;
		if (!s->n)
			s->first_seq = seq;
		s->last_seq = seq;
		s->n++;
	}
	return 0;
}

static struct ltt_dec dec;

static int count_pkt(const struct ltt_dec_packet *p, void *arg)
{
	struct seen *s = arg;
	s->dropped += p->dropped;
	return ltt_dec_records(&dec, p, count_rec, arg);
}

static u64 cpu_events(unsigned cpu)
{
	return ltt_area_cpu(ltt_get_area(), cpu)->events;
}

static u64 cpu_lost(unsigned cpu, enum ltt_lost why)
{
	return ltt_area_cpu(ltt_get_area(), cpu)->lost[why];
}

static void test_overwrite_wraps_with_exact_lost_count(void **state)
{
	(void)state;
	setup_area(1, 512, 4, LTT_OVERWRITE);
	int id = ltt_event_declare("t:seq", "u64 seq, u64 pad");
	ltt_start();
	const u64 total = 1000;
	for (u64 i = 0; i < total; i++) {
		u64 v[2] = { i, ~i };
		assert_int_equal(ltt_log_values((u32)id, v, 2), 0);
	}
	assert_int_equal(ltt_dec_open(&dec, area, area_bytes()), 0);
	struct seen s = { .ok = 1 };
	assert_int_equal(ltt_dec_packets(&dec, 0, count_pkt, &s), 0);
	assert_true(s.ok);
	assert_int_equal(s.last_seq, total - 1);
	assert_int_equal(s.last_seq - s.first_seq + 1, s.n);
	assert_int_equal(s.dropped, 0);
	/* Every committed record is either in the buffer or counted lost.
	 * The buffer also holds trace_start only if it was not overwritten;
	 * counting all records: */
	u64 in_buf = 0;
	struct ltt_area *a = ltt_get_area();
	struct ltt_cpu *c = ltt_area_cpu(a, 0);
	for (u32 sl = 0; sl < a->n_subbufs; sl++)
		in_buf += (u32)c->sb_events[sl];
	assert_int_equal(cpu_events(0), total + 1);	/* + trace_start */
	assert_int_equal(cpu_lost(0, LTT_LOST_WRAP) + in_buf, total + 1);
	assert_true(s.n < total);
	assert_true(cpu_lost(0, LTT_LOST_WRAP) >= total - s.n);
	assert_int_equal(cpu_lost(0, LTT_LOST_FULL), 0);
}

static void test_discard_mode_drops_new_events(void **state)
{
	(void)state;
	setup_area(1, 512, 2, LTT_DISCARD);
	int id = ltt_event_declare("t:seq", "u64 seq");
	ltt_start();
	u64 ok = 0, dropped = 0;
	for (u64 i = 0; i < 500; i++) {
		u64 v = i;
		int r = ltt_log_values((u32)id, &v, 1);
		assert_true(r == 0 || r == -2);
		r ? dropped++ : ok++;
	}
	assert_true(dropped > 0);
	assert_int_equal(cpu_lost(0, LTT_LOST_FULL), dropped);
	assert_int_equal(ltt_dec_open(&dec, area, area_bytes()), 0);
	struct seen s = { .ok = 1 };
	assert_int_equal(ltt_dec_packets(&dec, 0, count_pkt, &s), 0);
	assert_true(s.ok);
	assert_int_equal(s.first_seq, 0);
	assert_int_equal(s.n, ok);
	/* Reading a packet makes room again. */
	u8 pkt[512];
	assert_int_equal(ltt_read_packet(0, pkt), 512);
	u64 v = 9999;
	assert_int_equal(ltt_log_values((u32)id, &v, 1), 0);
	/* Too big for any packet: counted as such. */
	u8 big[600] = { 0 };
	int raw = ltt_event_declare_raw("t:big", 600);
	assert_int_equal(ltt_log_raw((u32)raw, big, sizeof(big)), -2);
	assert_int_equal(cpu_lost(0, LTT_LOST_TOOBIG), 1);
}

static void test_uncommitted_record_is_cut_not_torn(void **state)
{
	(void)state;
	setup_area(1, 1024, 4, LTT_OVERWRITE);
	int id = ltt_event_declare("t:seq", "u64 seq");
	ltt_start();
	for (u64 i = 0; i < 3; i++)
		ltt_log_values((u32)id, &i, 1);
	/* A writer "stopped" between reserve and commit ... */
	struct ltt_reserve x = { .id = (u32)id, .len = 8 };
	assert_int_equal(ltt_reserve(&x), 0);
	memset(x.data, 0xab, 4);	/* half its payload */
	/* ... and an NMI-like writer nested on top of it. */
	u64 v = 3;
	assert_int_equal(ltt_log_values((u32)id, &v, 1), 0);
	assert_int_equal(ltt_dec_open(&dec, area, area_bytes()), 0);
	struct seen s = { .ok = 1 };
	assert_int_equal(ltt_dec_packets(&dec, 0, count_pkt, &s), 0);
	assert_int_equal(s.n, 3);
	assert_int_equal(s.last_seq, 2);
	assert_int_equal(s.dropped, 48);
	/* Clearing refuses while the writer is in flight. */
	ltt_stop();
	assert_int_equal(ltt_clear(), -1);
	ltt_commit(&x);
	assert_int_equal(ltt_clear(), 0);
	assert_int_equal(ltt_area_cpu(ltt_get_area(), 0)->offset, 0);
}

static void test_decoder_rejects_corrupt_input(void **state)
{
	(void)state;
	setup_area(1, 1024, 4, LTT_OVERWRITE);
	int id = ltt_event_declare("t:seq", "u64 seq");
	ltt_start();
	for (u64 i = 0; i < 200; i++)
		ltt_log_values((u32)id, &i, 1);
	u64 size = area_bytes();
	u8 *img = malloc(size);
	memcpy(img, area, size);
	assert_int_equal(ltt_dec_open(&dec, img, size - 100), -1);
	assert_non_null(strstr(dec.err, "truncated at offset"));
	assert_int_equal(ltt_dec_open(&dec, img, 100), -1);
	assert_non_null(strstr(dec.err, "offset 100"));
	img[0] = 'X';
	assert_int_equal(ltt_dec_open(&dec, img, size), -1);
	assert_non_null(strstr(dec.err, "bad magic at offset 0"));
	img[0] = 'K';
	/* A record length smashed inside a complete packet. */
	struct ltt_area *a = (struct ltt_area *)img;
	struct ltt_cpu *c = ltt_area_cpu(a, 0);
	u64 last = (c->offset - 1) / a->subbuf_size;
	u64 p = last - 1;
	u64 off = a->data_off + (p % a->n_subbufs) * a->subbuf_size + LTT_PKT_HDR + 4;
	img[off] = 0xff;
	assert_int_equal(ltt_dec_open(&dec, img, size), 0);
	struct seen s = { .ok = 1 };
	assert_int_equal(ltt_dec_packets(&dec, 0, count_pkt, &s), -1);
	char want[64];
	snprintf(want, sizeof(want), "offset %lu", (unsigned long)(off - 4));
	assert_non_null(strstr(dec.err, want));
	free(img);
}

/* ---- concurrent writers, nested signal writers, one reader ---- */

#define NCPU 4
#define PER_THREAD 200000
static int ev_main, ev_main8, ev_nested;
static volatile int writers_done, writers_finished, writers_may_exit;
static u64 accepted[NCPU], rejected[NCPU];
static volatile u64 sig_accepted[NCPU], sig_rejected[NCPU];
static pthread_t writer_tid[NCPU];
static __thread u64 sig_seq;

static u64 csum(u64 cpu, u64 seq)
{
	return (cpu * 0x9e3779b97f4a7c15ull) ^ (seq * 0xbf58476d1ce4e5b9ull);
}

static void on_signal(int sig)
{
	(void)sig;
	unsigned cpu = this_cpu;
	u64 v[3] = { cpu, sig_seq, csum(cpu, sig_seq) ^ 1 };
	if (ltt_log_values((u32)ev_nested, v, 3) == 0) {
		sig_accepted[cpu]++;
		sig_seq++;
	} else {
		sig_rejected[cpu]++;
	}
}

static void *writer(void *arg)
{
	this_cpu = (unsigned)(u64)arg;
	/* Signals only once this thread knows its CPU. */
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	pthread_sigmask(SIG_UNBLOCK, &set, NULL);
	u64 seq = 0;
	for (int i = 0; i < PER_THREAD; i++) {
		u64 v[8] = { this_cpu, seq, csum(this_cpu, seq), 4, 5, 6, 7, 8 };
		/* Two sizes of record, so packets end at varying places. */
		int r = i % 3 ? ltt_log_values((u32)ev_main, v, 3)
			      : ltt_log_values((u32)ev_main8, v, 8);
		if (r == 0) {
			accepted[this_cpu]++;
			seq++;
		} else {
			assert_int_equal(r, -2);
			rejected[this_cpu]++;
		}
	}
	/* Stay alive (signals may still come) until the interrupter ends. */
	__atomic_fetch_add(&writers_finished, 1, __ATOMIC_RELEASE);
	while (!__atomic_load_n(&writers_may_exit, __ATOMIC_ACQUIRE))
		usleep(100);
	return NULL;
}

static void *interrupter(void *arg)
{
	(void)arg;
	while (!__atomic_load_n(&writers_done, __ATOMIC_ACQUIRE)) {
		for (int i = 0; i < NCPU; i++)
			pthread_kill(writer_tid[i], SIGUSR1);
		usleep(50);
	}
	return NULL;
}

struct reader_state {
	u64 main_next[NCPU], sig_next[NCPU], prev_ts[NCPU];
	u64 records[NCPU];
	u64 packets, bad;
};

static int reader_rec(const struct ltt_dec_record *r, void *arg)
{
	struct reader_state *st = arg;
	unsigned cpu = r->cpu;
	st->records[cpu]++;
	if (r->ts < st->prev_ts[cpu])
		st->bad++;
	st->prev_ts[cpu] = r->ts;
	if (r->id != (u32)ev_main && r->id != (u32)ev_main8 &&
	    r->id != (u32)ev_nested)
		return 0;
	u64 v[3];
	memcpy(v, r->payload, sizeof(v));
	bool nested = r->id == (u32)ev_nested;
	u64 *next = nested ? &st->sig_next[cpu] : &st->main_next[cpu];
	if (v[0] != cpu || v[1] != *next ||
	    v[2] != (csum(cpu, v[1]) ^ (nested ? 1 : 0)))
		st->bad++;
	*next = v[1] + 1;
	return 0;
}

/* Decode one consumed packet: wrap it in a one-packet view. */
static void reader_take(struct reader_state *st, unsigned cpu, u8 *pkt, u32 sb)
{
	struct ltt_dec_packet p;
	memset(&p, 0, sizeof(p));
	p.cpu = cpu;
	p.data = pkt;
	u64 content, ts;
	memcpy(&content, pkt + 48, 8);
	memcpy(&ts, pkt + 32, 8);
	assert_true(content % 8 == 0 && content / 8 <= sb);
	p.content = (u32)(content / 8);
	p.ts_begin = ts;
	st->packets++;
	if (ltt_dec_records(&dec, &p, reader_rec, st))
		st->bad++;
}

static void *reader(void *arg)
{
	struct reader_state *st = arg;
	u32 sb = ltt_get_area()->subbuf_size;
	u8 *pkt = malloc(sb);
	for (;;) {
		bool done = __atomic_load_n(&writers_done, __ATOMIC_ACQUIRE) == 2;
		bool any = false;
		for (unsigned c = 0; c < NCPU; c++) {
			if (ltt_read_packet(c, pkt)) {
				reader_take(st, c, pkt, sb);
				any = true;
			}
		}
		if (done && !any)
			break;
		if (!any)
			sched_yield();
	}
	free(pkt);
	return NULL;
}

static void test_concurrent_writers_and_reader(void **state)
{
	(void)state;
	setup_area(NCPU, 1024, 8, LTT_DISCARD);
	ev_main = ltt_event_declare("t:main", "u64 cpu, u64 seq, u64 sum");
	ev_main8 = ltt_event_declare("t:main8", "u64 cpu, u64 seq, u64 sum, u64 a, u64 b, u64 c, u64 d, u64 e");
	ev_nested = ltt_event_declare("t:nested", "u64 cpu, u64 seq, u64 sum");
	assert_true(ev_main > 0 && ev_main8 > 0 && ev_nested > 0);
	assert_int_equal(ltt_dec_open(&dec, area, area_bytes()), 0);
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sa.sa_flags = SA_RESTART;
	sigaction(SIGUSR1, &sa, NULL);

	sigset_t set, old;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &set, &old);	/* inherited by the threads */
	this_cpu = 0;
	ltt_start();	/* trace_start on CPU 0, before the writers */
	struct reader_state st;
	memset(&st, 0, sizeof(st));
	pthread_t rd, intr;
	pthread_create(&rd, NULL, reader, &st);
	for (u64 i = 0; i < NCPU; i++)
		pthread_create(&writer_tid[i], NULL, writer, (void *)i);
	pthread_create(&intr, NULL, interrupter, NULL);
	while (__atomic_load_n(&writers_finished, __ATOMIC_ACQUIRE) < NCPU)
		usleep(100);
	__atomic_store_n(&writers_done, 1, __ATOMIC_RELEASE);
	pthread_join(intr, NULL);
	__atomic_store_n(&writers_may_exit, 1, __ATOMIC_RELEASE);
	for (int i = 0; i < NCPU; i++)
		pthread_join(writer_tid[i], NULL);
	/* Writers are gone: close their last packets, let the reader drain. */
	for (unsigned c = 0; c < NCPU; c++)
		ltt_flush(c);
	__atomic_store_n(&writers_done, 2, __ATOMIC_RELEASE);
	pthread_join(rd, NULL);

	assert_int_equal(st.bad, 0);
	u64 total_sig = 0;
	for (unsigned c = 0; c < NCPU; c++) {
		struct ltt_cpu *cb = ltt_area_cpu(ltt_get_area(), c);
		u64 lost = cb->lost[LTT_LOST_FULL] + cb->lost[LTT_LOST_NEST] +
			   cb->lost[LTT_LOST_TOOBIG];
		assert_int_equal(cb->lost[LTT_LOST_WRAP], 0);
		/* Exact: every attempt is a record read or a counted loss. */
		assert_int_equal(st.main_next[c], accepted[c]);
		assert_int_equal(st.sig_next[c], sig_accepted[c]);
		assert_int_equal(accepted[c] + rejected[c], PER_THREAD);
		assert_int_equal(lost, rejected[c] + sig_rejected[c]);
		assert_int_equal(cb->events, st.records[c]);
		assert_int_equal(cb->events, accepted[c] + sig_accepted[c] + (c == 0));
		assert_int_equal(cb->nest, 0);
		total_sig += sig_accepted[c];
	}
	print_message("concurrent: %lu packets read, %lu nested records, "
		      "accepted %lu/%lu/%lu/%lu\n", (unsigned long)st.packets,
		      (unsigned long)total_sig, (unsigned long)accepted[0],
		      (unsigned long)accepted[1], (unsigned long)accepted[2],
		      (unsigned long)accepted[3]);
	assert_true(st.packets > NCPU);
	signal(SIGUSR1, SIG_DFL);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_layout_parse),
		cmocka_unit_test(test_registry_and_metadata),
		cmocka_unit_test(test_overwrite_wraps_with_exact_lost_count),
		cmocka_unit_test(test_discard_mode_drops_new_events),
		cmocka_unit_test(test_uncommitted_record_is_cut_not_torn),
		cmocka_unit_test(test_decoder_rejects_corrupt_input),
		cmocka_unit_test(test_concurrent_writers_and_reader),
	};
	int r = cmocka_run_group_tests(tests, NULL, NULL);
	free(area);
	return r;
}
