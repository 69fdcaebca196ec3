/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
/*
 * The flight recorder's last words: after an oops or a panic, the last
 * events of each CPU as text on the console (as Linux's
 * ftrace_dump_on_oops does), read in place with the dump decoder.  Other
 * CPUs may still be logging: the decoder cuts a record being written.
 * And `monitor ltt`, the recorder's state, for every host.
 */
#include "ltt_print.h"
#include "ltt_decode.h"
#include "../lib/fmt.h"
#include "../lib/string.h"

#define LAST_MAX 64

struct last {
	struct ltt_dec *d;
	struct ltt_dec_record r[LAST_MAX];
	unsigned n, want;
	u64 seen;
};

static int keep(const struct ltt_dec_record *r, void *arg)
{
	struct last *l = arg;
	l->r[l->seen % l->want] = *r;
	l->seen++;
	return 0;
}

static int each_packet(const struct ltt_dec_packet *p, void *arg)
{
	struct last *l = arg;
	ltt_dec_records(l->d, p, keep, l);
	return 0;
}

void ltt_print_last(unsigned n, void (*out)(const char *line))
{
	static struct ltt_dec d;
	static struct last l;
	char line[240];
	const struct ltt_area *a = ltt_get_area();
	if (!n || !a)
		return;
	if (n > LAST_MAX)
		n = LAST_MAX;
	if (ltt_dec_open(&d, a, a->area_size)) {
		kfmt_snprintf(line, sizeof(line), "ltt: no events to show (%s)", d.err);
		out(line);
		return;
	}
	u64 hz = a->clock_hz ? a->clock_hz : 1;
	for (unsigned cpu = 0; cpu < a->ncpus; cpu++) {
		memset(&l, 0, sizeof(l));
		l.d = &d;
		l.want = n;
		ltt_dec_packets(&d, cpu, each_packet, &l);
		u64 shown = l.seen < n ? l.seen : n;
		kfmt_snprintf(line, sizeof(line), "ltt: last %lu events of CPU %u "
			      "(of %lu in the buffer):", shown, cpu, l.seen);
		out(line);
		for (u64 i = l.seen - shown; i < l.seen; i++) {
			const struct ltt_dec_record *r = &l.r[i % n];
			size_t k = kfmt_snprintf(line, sizeof(line),
				"  [%lu.%09lu] %s: ", r->ts / hz,
				(u64)((r->ts % hz) * 1000000000ull / hz),
				r->ev ? r->ev->name : "?");
			if (k < sizeof(line))
				ltt_dec_fields(r, false, line + k, sizeof(line) - k);
			out(line);
		}
	}
}

void ltt_monitor(const char *args, void (*out)(const char *text))
{
	struct ltt_area *a = ltt_get_area();
	char line[160];
	if (!a) {
		out("ltt: no trace buffer\n");
		return;
	}
	while (*args == ' ')
		args++;
	if (!strcmp(args, "start")) {
		ltt_start();
	} else if (!strcmp(args, "stop")) {
		ltt_stop();
	} else if (*args && strcmp(args, "status")) {
		out("usage: monitor ltt [status|start|stop]\n");
		return;
	}
	kfmt_snprintf(line, sizeof(line),
		      "ltt: %s, %s, %u CPUs x %u sub-buffers of %u bytes, %u events\n",
		      a->active ? "tracing" : "stopped",
		      a->mode == LTT_DISCARD ? "discard" : "overwrite", a->ncpus,
		      a->n_subbufs, a->subbuf_size, a->nevents);
	out(line);
	for (u32 c = 0; c < a->ncpus; c++) {
		struct ltt_cpu *cb = ltt_area_cpu(a, c);
		kfmt_snprintf(line, sizeof(line),
			      "  CPU %u: %lu events, lost full %lu wrap %lu toobig %lu nest %lu\n",
			      c, cb->events, cb->lost[LTT_LOST_FULL],
			      cb->lost[LTT_LOST_WRAP], cb->lost[LTT_LOST_TOOBIG],
			      cb->lost[LTT_LOST_NEST]);
		out(line);
	}
}
