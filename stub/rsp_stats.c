/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
#include "rsp_stats.h"
#include "kstub_arch.h"
#include "../lib/fmt.h"
#include "../lib/string.h"

#define KINDS 24
#define KIND_LEN 15

struct kind {
	char name[KIND_LEN + 1];
	u32 count;
	u64 in, out;
	u64 t[6];	/* wait, recv, handle, frame, send, ack */
};

static struct kind kinds[KINDS];
static u64 stops, stop_packets;
static u64 stop_sum[STOP_PHASES], stop_max[STOP_PHASES];

u64 rsp_stats_now(void)
{
	return arch_cycles();
}

/* "m", "g", "vCont", "qXfer:threads": what a reader would group by. */
static size_t kind_of(const char *pkt, size_t n, char *name)
{
	size_t k = 0;
	if (n && (pkt[0] == 'q' || pkt[0] == 'Q' || pkt[0] == 'v')) {
		int colons = 0;
		while (k < n && k < KIND_LEN && pkt[k] != ';' && pkt[k] != ',' &&
		       pkt[k] != '=') {
			/* qXfer:threads:read:: keeps its object */
			if (pkt[k] == ':' && (++colons > 1 || pkt[0] != 'q' ||
					      memcmp(pkt, "qXfer", 5)))
				break;
			k++;
		}
	} else if (n) {
		k = 1;
	}
	memcpy(name, pkt, k);
	name[k] = 0;
	return k;
}

void rsp_stats_packet(const char *pkt, size_t n, const struct rsp_pkt_times *t)
{
	char name[KIND_LEN + 1];
	kind_of(pkt, n, name);
	struct kind *k = 0;
	for (int i = 0; i < KINDS; i++) {
		if (!kinds[i].count || !strcmp(kinds[i].name, name)) {
			k = &kinds[i];
			break;
		}
	}
	if (!k) {
		k = &kinds[KINDS - 1];	/* full: the last row takes the rest */
		kstr_copy(k->name, "(other)", sizeof(k->name));
	} else if (!k->count) {
		kstr_copy(k->name, name, sizeof(k->name));
	}
	k->count++;
	k->in += t->in;
	k->out += t->out;
	const u64 v[6] = { t->wait, t->recv, t->handle, t->frame, t->send, t->ack };
	for (int i = 0; i < 6; i++)
		k->t[i] += v[i];
}

void rsp_stats_stop(const u64 t[STOP_PHASES], u32 packets)
{
	stops++;
	stop_packets += packets;
	for (int i = 0; i < STOP_PHASES; i++) {
		stop_sum[i] += t[i];
		if (t[i] > stop_max[i])
			stop_max[i] = t[i];
	}
}

void rsp_stats_reset(void)
{
	memset(kinds, 0, sizeof(kinds));
	stops = stop_packets = 0;
	memset(stop_sum, 0, sizeof(stop_sum));
	memset(stop_max, 0, sizeof(stop_max));
}

/* cycles / count as microseconds with one decimal ("12.3"). */
static void us(char *buf, size_t size, u64 cycles, u64 count)
{
	u64 per_tenth = arch_cycles_hz() / 10000000;	/* cycles per 0.1 us */
	if (!per_tenth)
		per_tenth = 1;
	u64 tenths = count ? cycles / count / per_tenth : 0;
	kfmt_snprintf(buf, size, "%lu.%lu", tenths / 10, tenths % 10);
}

void rsp_stats_print(void (*out)(const char *text))
{
	char line[160], f[6][16];
	out("per packet, average microseconds (wait: for gdb since our last reply):\n");
	kfmt_snprintf(line, sizeof(line), "%-15s %6s %7s %7s %8s %7s %7s %7s %7s %7s\n",
		      "packet", "count", "in B", "out B", "wait", "recv",
		      "handle", "frame", "send", "ack");
	out(line);
	for (int i = 0; i < KINDS && kinds[i].count; i++) {
		const struct kind *k = &kinds[i];
		for (int j = 0; j < 6; j++)
			us(f[j], sizeof(f[j]), k->t[j], k->count);
		kfmt_snprintf(line, sizeof(line),
			      "%-15s %6u %7lu %7lu %8s %7s %7s %7s %7s %7s\n",
			      k->name, k->count, k->in / k->count, k->out / k->count,
			      f[0], f[1], f[2], f[3], f[4], f[5]);
		out(line);
	}
	static const char *const names[STOP_PHASES] = {
		"roundup", "remove bps", "session", "  waiting for gdb",
		"insert bps", "release",
	};
	kfmt_snprintf(line, sizeof(line), "stops %lu, packets per stop %lu.%lu "
		      "(microseconds per stop: average, slowest)\n", stops,
		      stops ? stop_packets / stops : 0,
		      stops ? stop_packets * 10 / stops % 10 : 0);
	out(line);
	for (int i = 0; i < STOP_PHASES && stops; i++) {
		us(f[0], sizeof(f[0]), stop_sum[i], stops);
		us(f[1], sizeof(f[1]), stop_max[i], 1);
		kfmt_snprintf(line, sizeof(line), "  %-18s %10s %10s\n", names[i],
			      f[0], f[1]);
		out(line);
	}
}
