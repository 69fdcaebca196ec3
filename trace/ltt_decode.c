/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
/*
 * Trace area decoder: see ltt_decode.h.  The rules for which bytes of a
 * buffer hold valid records are the writer's (ltt_buf.c):
 *   - packets first..last of a CPU, with last holding byte offset-1 and at
 *     most n_subbufs of them (discard mode: from `consumed` on);
 *   - a packet whose commit count is complete is trusted up to its
 *     content_size; the packet writers were filling ends at `offset`;
 *   - a packet with bytes reserved but not committed (a writer stopped
 *     mid-record) is walked record by record and cut at the first record
 *     that is not whole: unknown id, bad length, time going backwards.
 */
#include "ltt_decode.h"
#include "../lib/string.h"
#include "../lib/fmt.h"

enum { PC_TS_BEGIN = 32, PC_TS_END = 40, PC_CONTENT = 48, PC_PACKET = 56,
       PC_SEQ = 64, PC_DISCARDED = 72, PC_CPU = 80 };

static u32 get32(const u8 *p) { u32 v; memcpy(&v, p, 4); return v; }
static u64 get64(const u8 *p) { u64 v; memcpy(&v, p, 8); return v; }
static void set64(u8 *p, u64 v) { memcpy(p, &v, 8); }

#define FAIL(d, ...) (kfmt_snprintf((d)->err, sizeof((d)->err), __VA_ARGS__), -1)

int ltt_dec_open(struct ltt_dec *d, const void *img, u64 size)
{
	const struct ltt_area *a = img;
	d->img = img;
	d->size = size;
	d->a = 0;
	d->err[0] = 0;
	if (size < sizeof(*a))
		return FAIL(d, "truncated at offset %lu: the area header needs %zu bytes",
			    (unsigned long)size, sizeof(*a));
	if (memcmp(a->magic, LTT_AREA_MAGIC, 8))
		return FAIL(d, "bad magic at offset 0: not a kstub LTT dump");
	if (a->version != LTT_VERSION)
		return FAIL(d, "unsupported version %u at offset 8", a->version);
	if (a->hdr_size != sizeof(*a) || a->event_size != sizeof(struct ltt_event) ||
	    a->cpu_size != sizeof(struct ltt_cpu) || a->pkt_hdr != LTT_PKT_HDR ||
	    a->rec_hdr != LTT_REC_HDR)
		return FAIL(d, "corrupt header at offset 12: record sizes do not match version %u",
			    LTT_VERSION);
	/* The registry, CPU blocks and buffers are read as structs. */
	if ((a->events_off | a->cpus_off | a->data_off) & 7 || a->data_stride & 7)
		return FAIL(d, "corrupt header at offset %zu: misaligned offsets",
			    __builtin_offsetof(struct ltt_area, events_off));
	if (a->ncpus == 0 || a->ncpus > a->max_cpus || a->max_cpus > LTT_MAX_CPUS)
		return FAIL(d, "corrupt header at offset 24: ncpus %u", a->ncpus);
	u32 sb = a->subbuf_size, n = a->n_subbufs;
	if (!sb || (sb & (sb - 1)) || sb < LTT_MIN_SUBBUF || sb > LTT_MAX_SUBBUF_SIZE ||
	    n < 2 || n > LTT_MAX_SUBBUF || (u64)sb * n > a->data_stride)
		return FAIL(d, "corrupt header at offset 104: geometry %u x %u bytes", n, sb);
	if (a->meta_len > a->meta_cap || (u64)a->meta_off + a->meta_cap > size)
		return FAIL(d, "truncated or corrupt metadata at offset %u (%u bytes)",
			    a->meta_off, a->meta_len);
	if (a->nevents > a->events_cap || a->events_cap > LTT_MAX_EVENTS ||
	    (u64)a->events_off + (u64)a->events_cap * a->event_size > size)
		return FAIL(d, "truncated or corrupt event registry at offset %u",
			    a->events_off);
	if ((u64)a->cpus_off + (u64)a->max_cpus * a->cpu_size > size)
		return FAIL(d, "truncated at offset %lu: CPU blocks end at %lu",
			    (unsigned long)size,
			    (unsigned long)(a->cpus_off + (u64)a->max_cpus * a->cpu_size));
	u64 need = a->data_off + (u64)(a->ncpus - 1) * a->data_stride + (u64)sb * n;
	if (need > size)
		return FAIL(d, "truncated at offset %lu: CPU %u's buffer ends at %lu",
			    (unsigned long)size, a->ncpus - 1, (unsigned long)need);
	d->a = a;
	return 0;
}

const char *ltt_dec_type_name(u8 type)
{
	static const char *const names[] = {
		[LTT_F_U8] = "u8", [LTT_F_U16] = "u16", [LTT_F_U32] = "u32",
		[LTT_F_U64] = "u64", [LTT_F_S8] = "s8", [LTT_F_S16] = "s16",
		[LTT_F_S32] = "s32", [LTT_F_S64] = "s64", [LTT_F_X64] = "x64",
		[LTT_F_STRING] = "string", [LTT_F_BYTES] = "bytes",
	};
	return type < ARRAY_SIZE(names) && names[type] ? names[type] : "?";
}

static const struct ltt_event *event_of(const struct ltt_area *a, u32 id)
{
	if (id == 0 || id >= a->nevents)
		return 0;
	const struct ltt_event *e = ltt_area_events((struct ltt_area *)a) + id;
	return e->id == id ? e : 0;
}

/* Bytes the payload of e takes in p[0..len), or -1 if it does not fit. */
static long payload_size(const struct ltt_event *e, const u8 *p, u32 len)
{
	u32 pos = 0;
	for (u16 i = 0; i < e->nfields && i < LTT_MAX_FIELDS; i++) {
		u8 t = e->fields[i].type;
		u32 sz;
		switch (t) {
		case LTT_F_U8: case LTT_F_S8: sz = 1; break;
		case LTT_F_U16: case LTT_F_S16: sz = 2; break;
		case LTT_F_U32: case LTT_F_S32: sz = 4; break;
		case LTT_F_U64: case LTT_F_S64: case LTT_F_X64: sz = 8; break;
		case LTT_F_STRING:
			sz = 0;
			while (pos + sz < len && p[pos + sz])
				sz++;
			if (pos + sz >= len)
				return -1;
			sz++;
			break;
		case LTT_F_BYTES:
			if (pos + 2 > len)
				return -1;
			sz = 2 + (u32)(p[pos] | p[pos + 1] << 8);
			break;
		default:
			return -1;
		}
		if (pos + sz > len)
			return -1;
		pos += sz;
	}
	return pos;
}

/* Is there a whole record at pos (within limit)?  Fills r. */
static bool record_at(const struct ltt_area *a, const u8 *pkt, u32 pos, u32 limit,
		      u64 prev_ts, struct ltt_dec_record *r)
{
	if (pos + LTT_REC_HDR > limit)
		return false;
	u32 id = get32(pkt + pos), len = get32(pkt + pos + 4);
	u64 ts = get64(pkt + pos + 8);
	const struct ltt_event *e = event_of(a, id);
	if (!e || len < LTT_REC_HDR || len > limit - pos ||
	    ts < prev_ts)
		return false;
	r->id = id;
	r->ev = e;
	r->ts = ts;
	r->payload = pkt + pos + LTT_REC_HDR;
	r->len = len - LTT_REC_HDR;
	long used = payload_size(e, r->payload, r->len);
	return used >= 0 && (u64)used + LTT_REC_HDR == len;
}

int ltt_dec_packets(struct ltt_dec *d, unsigned cpu,
		    int (*fn)(const struct ltt_dec_packet *p, void *arg), void *arg)
{
	const struct ltt_area *a = d->a;
	if (!a || cpu >= a->ncpus)
		return FAIL(d, "no CPU %u in this trace", cpu);
	const struct ltt_cpu *c = ltt_area_cpu((struct ltt_area *)a, cpu);
	u64 c_off = (u64)((const u8 *)c - d->img);
	u32 sb = a->subbuf_size, n = a->n_subbufs;
	u64 off = c->offset;
	if (off == 0)
		return 0;
	u64 last = (off - 1) / sb;
	u64 first = last >= n - 1 ? last - (n - 1) : 0;
	if (a->mode == LTT_DISCARD && c->consumed > first)
		first = c->consumed;
	if (first > last + 1)
		return FAIL(d, "corrupt CPU block at offset %lu: consumed %lu beyond offset %lu",
			    (unsigned long)c_off, (unsigned long)c->consumed,
			    (unsigned long)off);
	for (u64 p = first; p <= last; p++) {
		u32 slot = (u32)(p % n);
		u64 gen = p / n;
		struct ltt_dec_packet pk;
		memset(&pk, 0, sizeof(pk));
		pk.cpu = cpu;
		pk.seq = p;
		pk.img_off = (u64)(ltt_area_data((struct ltt_area *)a, cpu) - (u8 *)a) +
			     (u64)slot * sb;
		pk.data = d->img + pk.img_off;
		const u8 *h = pk.data;
		u64 committed = c->commit[slot] - gen * sb;
		bool closed = p < last || off % sb == 0;
		u32 limit;
		if (get32(h) != LTT_PKT_MAGIC || get64(h + PC_SEQ) != p ||
		    get32(h + PC_CPU) != cpu) {
			/* Opened by a writer stopped before it wrote the
			 * header: nothing in it is committed. */
			if (committed < LTT_PKT_HDR && p == last)
				break;
			return FAIL(d, "corrupt packet header at offset %lu (CPU %u packet %lu)",
				    (unsigned long)pk.img_off, cpu, (unsigned long)p);
		}
		if (closed) {
			u64 content = get64(h + PC_CONTENT);
			if (content % 8 || content / 8 < LTT_PKT_HDR || content / 8 > sb) {
				if (committed == sb)
					return FAIL(d, "corrupt packet at offset %lu: content_size %lu bits",
						    (unsigned long)(pk.img_off + PC_CONTENT),
						    (unsigned long)content);
				content = (u64)sb * 8;	/* never closed: walk it all */
			}
			limit = (u32)(content / 8);
			pk.open = false;
		} else {
			limit = (u32)(off - p * sb);
			pk.open = true;
		}
		bool whole = closed ? committed == sb : committed == limit;
		/* Walk: count records, find where valid data ends. */
		u32 pos = LTT_PKT_HDR;
		u64 prev = get64(h + PC_TS_BEGIN), ts_last = prev;
		struct ltt_dec_record r;
		while (pos < limit) {
			if (!record_at(a, h, pos, limit, prev, &r)) {
				if (whole)
					return FAIL(d, "corrupt record at offset %lu (CPU %u packet %lu)",
						    (unsigned long)(pk.img_off + pos), cpu,
						    (unsigned long)p);
				break;
			}
			prev = ts_last = r.ts;
			pos += r.len + LTT_REC_HDR;
			pk.nrecords++;
		}
		pk.content = pos;
		pk.dropped = limit - pos;
		pk.ts_begin = get64(h + PC_TS_BEGIN);
		pk.ts_end = closed && whole ? get64(h + PC_TS_END) : ts_last;
		if (pk.ts_end < ts_last)
			pk.ts_end = ts_last;
		pk.discarded = get64(h + PC_DISCARDED);
		memcpy(pk.hdr, h, LTT_PKT_HDR);
		set64(pk.hdr + PC_TS_END, pk.ts_end);
		set64(pk.hdr + PC_CONTENT, (u64)pk.content * 8);
		set64(pk.hdr + PC_PACKET, (u64)pk.content * 8);
		int rc = fn(&pk, arg);
		if (rc)
			return rc;
	}
	return 0;
}

int ltt_dec_records(struct ltt_dec *d, const struct ltt_dec_packet *p,
		    int (*fn)(const struct ltt_dec_record *r, void *arg), void *arg)
{
	u32 pos = LTT_PKT_HDR;
	u64 prev = p->ts_begin;
	while (pos < p->content) {
		struct ltt_dec_record r;
		if (!record_at(d->a, p->data, pos, p->content, prev, &r))
			return FAIL(d, "corrupt record at offset %lu",
				    (unsigned long)(p->img_off + pos));
		r.cpu = p->cpu;
		r.img_off = p->img_off + pos;
		int rc = fn(&r, arg);
		if (rc)
			return rc;
		prev = r.ts;
		pos += r.len + LTT_REC_HDR;
	}
	return 0;
}

size_t ltt_dec_fields(const struct ltt_dec_record *r, bool json, char *buf,
		      size_t size)
{
	const struct ltt_event *e = r->ev;
	const u8 *p = r->payload;
	size_t n = 0;
	u32 pos = 0;
#define OUT(...) (n += kfmt_snprintf(n < size ? buf + n : 0, n < size ? size - n : 0, __VA_ARGS__))
	if (size)
		buf[0] = 0;
	for (u16 i = 0; i < e->nfields && i < LTT_MAX_FIELDS; i++) {
		const struct ltt_field *f = &e->fields[i];
		OUT(json ? "%s\"%s\": " : "%s%s=", i ? ", " : "", f->name);
		u64 v = 0;
		switch (f->type) {
		case LTT_F_U8: OUT("%u", p[pos]); pos += 1; break;
		case LTT_F_S8: OUT("%d", (s8)p[pos]); pos += 1; break;
		case LTT_F_U16: memcpy(&v, p + pos, 2); OUT("%lu", (unsigned long)v); pos += 2; break;
		case LTT_F_S16: memcpy(&v, p + pos, 2); OUT("%d", (s16)v); pos += 2; break;
		case LTT_F_U32: memcpy(&v, p + pos, 4); OUT("%lu", (unsigned long)v); pos += 4; break;
		case LTT_F_S32: memcpy(&v, p + pos, 4); OUT("%d", (s32)v); pos += 4; break;
		case LTT_F_U64: memcpy(&v, p + pos, 8); OUT("%lu", (unsigned long)v); pos += 8; break;
		case LTT_F_S64: memcpy(&v, p + pos, 8); OUT("%ld", (long)(s64)v); pos += 8; break;
		case LTT_F_X64:
			memcpy(&v, p + pos, 8);
			OUT(json ? "\"0x%lx\"" : "0x%lx", (unsigned long)v);
			pos += 8;
			break;
		case LTT_F_STRING: {
			OUT("\"");
			while (pos < r->len && p[pos]) {
				u8 ch = p[pos++];
				if (ch == '"' || ch == '\\')
					OUT("\\%c", ch);
				else if (ch < 0x20 || ch >= 0x7f)
					OUT(json ? "\\u%04x" : "\\x%02x", ch);
				else
					OUT("%c", ch);
			}
			pos++;
			OUT("\"");
			break;
		}
		case LTT_F_BYTES: {
			u32 bl = (u32)(p[pos] | p[pos + 1] << 8);
			pos += 2;
			OUT(json ? "\"" : "[");
			for (u32 k = 0; k < bl && pos < r->len; k++)
				OUT("%02x", p[pos++]);
			OUT(json ? "\"" : "]");
			break;
		}
		default:
			OUT("?");
			break;
		}
	}
#undef OUT
	return n;
}
