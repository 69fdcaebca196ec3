/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
/*
 * ltt-convert: a raw kstub LTT dump (the trace area, trace/FORMAT.md; from
 * gdb's `ltt dump --raw FILE` or `dump binary memory`) to a CTF directory,
 * text, or Chrome trace JSON.  Decoding is trace/ltt_decode.c, the same
 * code the unit tests check; this file is I/O and formatting.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../trace/ltt_decode.h"

static const char *prog = "ltt-convert";

static void usage(FILE *f)
{
	fprintf(f,
		"usage: %s [--text] [--out FILE] [--ctf DIR] [--json FILE] [--cpu N] DUMP\n"
		"\n"
		"Convert a raw kstub LTT dump (gdb: `ltt dump --raw FILE`, or\n"
		"`dump binary memory FILE ltt_area_ptr ltt_area_ptr+SIZE`) to:\n"
		"  --text         one line per event, time-ordered (the default)\n"
		"  --out FILE     write the text there instead of stdout\n"
		"  --ctf DIR      a CTF 1.8 trace directory: babeltrace2 DIR\n"
		"  --json FILE    Chrome trace event JSON (chrome://tracing, Perfetto)\n"
		"  --cpu N        only CPU N\n"
		"  --help         this text\n"
		"\n"
		"Records a CPU was still writing when the dump was taken are cut\n"
		"(reported on stderr).  A truncated or corrupt dump is an error that\n"
		"names the byte offset where the data went wrong; exit status 1.\n",
		prog);
}

static int event_id(const struct ltt_area *a, const char *name);

struct rec {
	struct ltt_dec_record r;
};

struct ctx {
	struct ltt_dec d;
	struct rec *recs;
	size_t nrecs, cap;
	FILE *ctf;		/* current CTF stream file */
	const char *path;
	unsigned long packets, dropped;
};

static int fail(struct ctx *c, const char *what)
{
	fprintf(stderr, "%s: %s: %s\n", prog, c->path, what);
	return 1;
}

static int collect(const struct ltt_dec_record *r, void *arg)
{
	struct ctx *c = arg;
	if (c->nrecs == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 4096;
		struct rec *n = realloc(c->recs, c->cap * sizeof(*n));
		if (!n)
			return -2;
		c->recs = n;
	}
	c->recs[c->nrecs++].r = *r;
	return 0;
}

static int on_packet(const struct ltt_dec_packet *p, void *arg)
{
	struct ctx *c = arg;
	c->packets++;
	if (p->dropped) {
		fprintf(stderr, "%s: CPU %u packet %lu: %u bytes of records still "
			"being written were cut\n", prog, p->cpu,
			(unsigned long)p->seq, p->dropped);
		c->dropped += p->dropped;
	}
	if (c->ctf) {
		if (fwrite(p->hdr, LTT_PKT_HDR, 1, c->ctf) != 1 ||
		    (p->content > LTT_PKT_HDR &&
		     fwrite(p->data + LTT_PKT_HDR, p->content - LTT_PKT_HDR, 1,
			    c->ctf) != 1))
			return -3;
	}
	return ltt_dec_records(&c->d, p, collect, c);
}

static int by_time(const void *a, const void *b)
{
	const struct ltt_dec_record *x = &((const struct rec *)a)->r;
	const struct ltt_dec_record *y = &((const struct rec *)b)->r;
	if (x->ts != y->ts)
		return x->ts < y->ts ? -1 : 1;
	if (x->cpu != y->cpu)
		return x->cpu < y->cpu ? -1 : 1;
	return x->img_off < y->img_off ? -1 : x->img_off > y->img_off;
}

static void time_str(const struct ltt_area *a, u64 ts, char *buf, size_t n)
{
	u64 hz = a->clock_hz ? a->clock_hz : 1;
	snprintf(buf, n, "%lu.%09lu", (unsigned long)(ts / hz),
		 (unsigned long)((unsigned __int128)(ts % hz) * 1000000000u / hz));
}

static int write_text(struct ctx *c, FILE *f)
{
	char t[32], fields[4096];
	for (size_t i = 0; i < c->nrecs; i++) {
		const struct ltt_dec_record *r = &c->recs[i].r;
		time_str(c->d.a, r->ts, t, sizeof(t));
		ltt_dec_fields(r, false, fields, sizeof(fields));
		fprintf(f, "[%s] cpu %u %s: %s\n", t, r->cpu, r->ev->name, fields);
	}
	return ferror(f) ? -1 : 0;
}

static void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fprintf(f, "\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			fprintf(f, "\\u%04x", *s);
		else
			fputc(*s, f);
	}
	fputc('"', f);
}

/* Same shape as gdb-scripts/ltt_format.py: B/E slices for *_entry and
 * *_exit pairs per CPU, instants for the rest. */
static int write_json(struct ctx *c, FILE *f)
{
	const struct ltt_area *a = c->d.a;
	u64 hz = a->clock_hz ? a->clock_hz : 1;
	char fields[4096];
	unsigned depth[LTT_MAX_CPUS][LTT_MAX_EVENTS];
	memset(depth, 0, sizeof(depth));
	fprintf(f, "{\"displayTimeUnit\": \"ns\", \"otherData\": {\"clock_hz\": %lu, "
		"\"tracer\": \"kstub-ltt\"}, \"traceEvents\": [\n",
		(unsigned long)a->clock_hz);
	for (unsigned cpu = 0; cpu < a->ncpus; cpu++)
		fprintf(f, "{\"name\": \"thread_name\", \"ph\": \"M\", \"pid\": 0, "
			"\"tid\": %u, \"args\": {\"name\": \"CPU %u\"}},\n", cpu, cpu);
	for (size_t i = 0; i < c->nrecs; i++) {
		const struct ltt_dec_record *r = &c->recs[i].r;
		char name[LTT_NAME_MAX];
		const char *ph = "i";
		snprintf(name, sizeof(name), "%s", r->ev->name);
		size_t nl = strlen(name);
		int pair = -1;
		if (nl > 6 && !strcmp(name + nl - 6, "_entry")) {
			name[nl - 6] = 0;
			pair = (int)r->id;
			ph = "B";
			depth[r->cpu][pair]++;
		} else if (nl > 5 && !strcmp(name + nl - 5, "_exit")) {
			char base[LTT_NAME_MAX + 8];
			snprintf(base, sizeof(base), "%.*s", (int)(nl - 5), name);
			snprintf(base + strlen(base), sizeof(base) - strlen(base), "_entry");
			pair = event_id(a, base);
			base[nl - 5] = 0;
			if (pair >= 0 && depth[r->cpu][pair]) {
				depth[r->cpu][pair]--;
				ph = "E";
				snprintf(name, sizeof(name), "%s", base);
			}
		}
		ltt_dec_fields(r, true, fields, sizeof(fields));
		fprintf(f, "{\"name\": ");
		json_str(f, name);
		fprintf(f, ", \"cat\": \"ltt\", \"ph\": \"%s\", %s\"ts\": %lu.%03lu, "
			"\"pid\": 0, \"tid\": %u, \"args\": {%s}}%s\n", ph,
			*ph == 'i' ? "\"s\": \"t\", " : "",
			(unsigned long)((unsigned __int128)r->ts * 1000000 / hz),
			(unsigned long)((unsigned __int128)r->ts * 1000000000 / hz % 1000),
			r->cpu, fields, i + 1 < c->nrecs ? "," : "");
	}
	fprintf(f, "]}\n");
	return ferror(f) ? -1 : 0;
}

/* Id of the event called name, or -1. */
static int event_id(const struct ltt_area *a, const char *name)
{
	const struct ltt_event *ev = ltt_area_events((struct ltt_area *)a);
	for (u32 i = 1; i < a->nevents && i < LTT_MAX_EVENTS; i++)
		if (ev[i].id == i && !strncmp(ev[i].name, name, LTT_NAME_MAX))
			return (int)i;
	return -1;
}

static int mkdir_p(const char *dir)
{
	if (mkdir(dir, 0777) && errno != EEXIST)
		return -1;
	return 0;
}

int main(int argc, char **argv)
{
	const char *dump = NULL, *ctf = NULL, *json = NULL, *text = NULL;
	bool want_text = false;
	int only_cpu = -1;
	struct ctx c;
	memset(&c, 0, sizeof(c));

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			usage(stdout);
			return 0;
		} else if (!strcmp(a, "--ctf") && i + 1 < argc) {
			ctf = argv[++i];
		} else if (!strcmp(a, "--json") && i + 1 < argc) {
			json = argv[++i];
		} else if (!strcmp(a, "--cpu") && i + 1 < argc) {
			char *end;
			only_cpu = (int)strtol(argv[++i], &end, 0);
			if (*end || only_cpu < 0) {
				fprintf(stderr, "%s: --cpu wants a CPU number\n", prog);
				return 2;
			}
		} else if (!strcmp(a, "--text")) {
			want_text = true;
		} else if (!strcmp(a, "--out") && i + 1 < argc) {
			want_text = true;
			text = argv[++i];
		} else if (a[0] == '-' && a[1]) {
			fprintf(stderr, "%s: unknown or incomplete option %s\n", prog, a);
			usage(stderr);
			return 2;
		} else if (!dump) {
			dump = a;
		} else {
			fprintf(stderr, "%s: one dump at a time (%s?)\n", prog, a);
			return 2;
		}
	}
	if (!dump) {
		usage(stderr);
		return 2;
	}
	if (!ctf && !json)
		want_text = true;
	c.path = dump;

	FILE *in = fopen(dump, "rb");
	if (!in)
		return fail(&c, strerror(errno));
	if (fseek(in, 0, SEEK_END))
		return fail(&c, strerror(errno));
	long size = ftell(in);
	rewind(in);
	u8 *img = malloc(size > 0 ? (size_t)size : 1);
	if (!img || (size > 0 && fread(img, (size_t)size, 1, in) != 1))
		return fail(&c, "cannot read the file");
	fclose(in);

	if (ltt_dec_open(&c.d, img, (u64)size))
		return fail(&c, c.d.err);
	if (ctf) {
		char p[4096];
		if (mkdir_p(ctf))
			return fail(&c, "cannot create the CTF directory");
		snprintf(p, sizeof(p), "%s/metadata", ctf);
		FILE *m = fopen(p, "w");
		if (!m || fwrite(ltt_area_meta((struct ltt_area *)c.d.a), c.d.a->meta_len,
				 1, m) != 1 || fclose(m))
			return fail(&c, "cannot write the CTF metadata");
	}
	for (unsigned cpu = 0; cpu < c.d.a->ncpus; cpu++) {
		if (only_cpu >= 0 && (unsigned)only_cpu != cpu)
			continue;
		if (ctf && ltt_area_cpu((struct ltt_area *)c.d.a, cpu)->offset) {
			char p[4096];
			snprintf(p, sizeof(p), "%s/stream_%u", ctf, cpu);
			c.ctf = fopen(p, "wb");
			if (!c.ctf)
				return fail(&c, "cannot write a CTF stream");
		}
		int r = ltt_dec_packets(&c.d, cpu, on_packet, &c);
		if (c.ctf && fclose(c.ctf))
			r = -3;
		c.ctf = NULL;
		if (r == -1)
			return fail(&c, c.d.err);
		if (r)
			return fail(&c, r == -2 ? "out of memory" : "cannot write a CTF stream");
	}
	if (only_cpu >= 0 && (unsigned)only_cpu >= c.d.a->ncpus) {
		fprintf(stderr, "%s: no CPU %d in this trace (%u CPUs)\n", prog,
			only_cpu, c.d.a->ncpus);
		return 1;
	}
	qsort(c.recs, c.nrecs, sizeof(*c.recs), by_time);
	if (json) {
		FILE *f = fopen(json, "w");
		if (!f || write_json(&c, f) || fclose(f))
			return fail(&c, "cannot write the JSON file");
	}
	if (want_text) {
		FILE *f = text ? fopen(text, "w") : stdout;
		if (!f || write_text(&c, f) || (text && fclose(f)))
			return fail(&c, "cannot write the text");
	}
	if (ctf || json)
		fprintf(stderr, "%s: %lu packets, %zu events%s%s%s%s\n", prog,
			c.packets, c.nrecs, ctf ? ", CTF in " : "", ctf ? ctf : "",
			json ? ", JSON in " : "", json ? json : "");
	free(c.recs);
	free(img);
	return 0;
}
