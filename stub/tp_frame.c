/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
/*
 * Traceframes, read back from the LTT buffers where tp_collect.c logged
 * them (event gdb_traceframe: u16 tp, u16 run, x64 pc, bytes blocks).
 *
 * Frame numbers are positions in time order across CPUs, as gdb's tfind
 * expects: the index below is built by walking every CPU's packets with
 * the dump decoder (trace/ltt_decode.c reads the live area as it reads a
 * dump: records cut mid-write are skipped) and merging the per-CPU
 * lists by timestamp.  It is rebuilt when the buffers changed, which
 * only happens while CPUs run: with all of them stopped it stays valid
 * for a whole debugger session.  Frames of an earlier run (run number)
 * are not indexed.
 *
 * Debugger master, every other CPU parked.
 */
#include "tp.h"
#include "kstub_arch.h"
#include "../trace/ltt.h"
#include "../trace/ltt_decode.h"
#include "../lib/string.h"
#include "../lib/fmt.h"

#define TP_INDEX_MAX 16384

struct frame {
	const u8 *blocks;
	u64 ts;
	u64 pc;
	u16 len;
	u16 tp;
};

static struct frame idx[TP_INDEX_MAX], tmp[TP_INDEX_MAX];
static u64 raw_off[TP_INDEX_MAX], raw_total;
static u32 raw_size(const struct frame *f);
static u32 nframes;
static u64 built_sig = ~0ull;
static s64 cur = -1;

/* What changes whenever a record is added or the buffers are reset. */
static u64 signature(struct ltt_area *a)
{
	u64 s = a->clears * 0x9e3779b97f4a7c15ull + a->subbuf_size + a->mode;
	for (u32 i = 0; i < a->ncpus; i++)
		s = s * 31 + ltt_area_cpu(a, i)->offset;
	return s ^ tps.run;
}

static int add_record(const struct ltt_dec_record *r, void *arg)
{
	(void)arg;
	if ((int)r->id != tps.event_id || r->len < TP_FRAME_HDR || nframes >= TP_INDEX_MAX)
		return 0;
	u16 tp, run, blen;
	u64 pc;
	memcpy(&tp, r->payload, 2);
	memcpy(&run, r->payload + 2, 2);
	memcpy(&pc, r->payload + 4, 8);
	memcpy(&blen, r->payload + 12, 2);
	if (run != tps.run || (u32)blen + TP_FRAME_HDR > r->len)
		return 0;
	struct frame *f = &idx[nframes++];
	f->blocks = r->payload + TP_FRAME_HDR;
	f->len = blen;
	f->tp = tp;
	f->pc = pc;
	f->ts = r->ts;
	return 0;
}

static struct ltt_dec dec;

static int add_packet(const struct ltt_dec_packet *p, void *arg)
{
	return ltt_dec_records(&dec, p, add_record, arg);
}

/* Stable merge of two sorted runs [lo, mid) [mid, hi) by timestamp. */
static void merge(u32 lo, u32 mid, u32 hi)
{
	u32 i = lo, j = mid, k = lo;
	while (i < mid && j < hi)
		tmp[k++] = idx[j].ts < idx[i].ts ? idx[j++] : idx[i++];
	while (i < mid)
		tmp[k++] = idx[i++];
	while (j < hi)
		tmp[k++] = idx[j++];
	memcpy(&idx[lo], &tmp[lo], (hi - lo) * sizeof(idx[0]));
}

static void build(void)
{
	struct ltt_area *a = ltt_get_area();
	if (!a || tps.event_id <= 0) {
		nframes = 0;
		return;
	}
	u64 sig = signature(a);
	if (sig == built_sig)
		return;
	nframes = 0;
	u32 starts[LTT_MAX_CPUS + 1];
	u32 nruns = 0;
	if (!ltt_dec_open(&dec, a, a->area_size)) {
		for (u32 c = 0; c < a->ncpus; c++) {
			starts[nruns++] = nframes;
			ltt_dec_packets(&dec, c, add_packet, 0);
		}
	}
	starts[nruns] = nframes;
	/* Each CPU's frames are in time order already: merge the runs. */
	for (u32 w = 1; w < nruns; w *= 2)
		for (u32 i = 0; i + w < nruns; i += 2 * w)
			merge(starts[i], starts[i + w], starts[MIN(i + 2 * w, nruns)]);
	/* Where each frame starts in gdb's raw trace (qTBuffer, tsave). */
	u64 off = 0;
	for (u32 i = 0; i < nframes; i++) {
		raw_off[i] = off;
		off += raw_size(&idx[i]);
	}
	raw_total = off;
	built_sig = sig;
	if (cur >= (s64)nframes)
		cur = -1;
}

void tp_frame_invalidate(void)
{
	built_sig = ~0ull;
}

int tp_frames_count(void)
{
	build();
	return (int)nframes;
}

int tp_frame_select(s64 n, u32 *tpnum)
{
	build();
	if (n < 0) {
		cur = -1;
		return -1;
	}
	if ((u64)n >= nframes)
		return -1;	/* no such frame: the selection stays */
	cur = n;
	if (tpnum)
		*tpnum = idx[n].tp;
	return idx[n].tp;
}

s64 tp_frame_current(void)
{
	return cur;
}

bool tp_frame_selected(void)
{
	return cur >= 0;
}

s64 tp_frame_find(const struct tp_qtframe *q, u32 *tpnum)
{
	build();
	for (u64 i = (u64)(cur + 1); i < nframes; i++) {
		const struct frame *f = &idx[i];
		bool hit = false;
		switch (q->kind) {
		case TP_FRAME_PC: hit = f->pc == q->a; break;
		case TP_FRAME_TDP: hit = f->tp == q->a; break;
		case TP_FRAME_RANGE: hit = f->pc >= q->a && f->pc <= q->b; break;
		case TP_FRAME_OUTSIDE: hit = f->pc < q->a || f->pc > q->b; break;
		}
		if (hit) {
			cur = (s64)i;
			*tpnum = f->tp;
			return cur;
		}
	}
	return -1;
}

/* ---- blocks of the selected frame ---- */

struct block {
	u8 type;
	const u8 *data;		/* after the type byte */
	u32 len;		/* of data */
};

/* The i-th block of f; false past the end or on a block that does not
 * fit (a frame is trusted no further than its own length). */
static bool block_at(const struct frame *f, u32 *pos, struct block *b)
{
	size_t rs = arch_gdb_regs_size();
	u32 p = *pos;
	if (p >= f->len)
		return false;
	b->type = f->blocks[p];
	b->data = f->blocks + p + 1;
	u32 left = f->len - p - 1;
	switch (b->type) {
	case 'R':
		b->len = (u32)rs;
		break;
	case 'r':
		b->len = (u32)arch_frame_size();
		break;
	case 'M': {
		u16 l;
		if (left < 10)
			return false;
		memcpy(&l, b->data + 8, 2);
		b->len = 10u + l;
		break;
	}
	case 'V':
		b->len = 12;
		break;
	case 'S':
	case 'P': {
		u16 l;
		if (left < 2)
			return false;
		memcpy(&l, b->data, 2);
		b->len = 2u + l;
		break;
	}
	case 'p':
		b->len = 0;
		break;
	default:
		return false;
	}
	if (b->len > left)
		return false;
	*pos = p + 1 + b->len;
	return true;
}

/* The 'g' layout of an 'r' (trap frame) or 'R' block. */
static void regs_of(const struct block *b, u8 *buf, bool *avail)
{
	static u64 frame[64];
	static u8 scratch[1024];
	if (b->type == 'r' && b->len <= sizeof(frame)) {
		memcpy(frame, b->data, b->len);
		arch_gdb_regs_from_frame((struct arch_regs *)frame, buf, avail);
		return;
	}
	/* An 'R' block: what a hit can see is what the trap frame holds. */
	memset(frame, 0, sizeof(frame));
	arch_gdb_regs_from_frame((struct arch_regs *)frame, scratch, avail);
	memcpy(buf, b->data, arch_gdb_regs_size());
}

void tp_frame_regs(u8 *buf, bool *avail)
{
	size_t sz = arch_gdb_regs_size(), off, psz;
	memset(buf, 0, sz);
	memset(avail, 0, sz);
	if (cur < 0)
		return;
	const struct frame *f = &idx[cur];
	struct block b;
	for (u32 p = 0; block_at(f, &p, &b);) {
		if (b.type != 'R' && b.type != 'r')
			continue;
		regs_of(&b, buf, avail);
		return;
	}
	/* No registers collected: gdb still needs the PC to know where. */
	if (!arch_gdb_reg_span(arch_gdb_pc_regno, &off, &psz) && psz <= 8) {
		memcpy(buf + off, &f->pc, psz);
		memset(avail + off, 1, psz);
	}
}

static bool in_ro(u64 addr, size_t len)
{
	for (u32 i = 0; i < tps.ro_n; i++)
		if (addr >= tps.ro[i].start && addr + len <= tps.ro[i].end)
			return true;
	return false;
}

long tp_frame_mem(u64 addr, u8 *dst, size_t len)
{
	if (cur < 0)
		return -1;
	const struct frame *f = &idx[cur];
	struct block b;
	/* The bytes of the first block holding addr, as far as it goes. */
	for (u32 p = 0; block_at(f, &p, &b);) {
		if (b.type != 'M')
			continue;
		u64 start;
		memcpy(&start, b.data, 8);
		u32 bl = b.len - 10;
		if (addr >= start && addr - start < bl) {
			size_t k = MIN(len, (size_t)(bl - (addr - start)));
			memcpy(dst, b.data + 10 + (addr - start), k);
			return (long)k;
		}
	}
	/* Read-only sections gdb named (QTro) are the same now as then. */
	if (in_ro(addr, len)) {
		size_t left = arch_mem_read(dst, addr, len);
		return (long)(len - left);
	}
	return -1;
}

int tp_frame_tsv(u32 num, s64 *val)
{
	if (cur < 0)
		return -1;
	const struct frame *f = &idx[cur];
	struct block b;
	for (u32 p = 0; block_at(f, &p, &b);) {
		s32 n;
		if (b.type != 'V')
			continue;
		memcpy(&n, b.data, 4);
		if ((u32)n == num) {
			memcpy(val, b.data + 4, 8);
			return 0;
		}
	}
	return -1;
}

size_t tp_frame_info_xml(char *buf, size_t size)
{
	size_t k = kfmt_snprintf(buf, size, "<traceframe-info>\n");
	if (cur >= 0) {
		const struct frame *f = &idx[cur];
		struct block b;
		for (u32 p = 0; block_at(f, &p, &b) && k < size;) {
			if (b.type == 'M') {
				u64 start;
				memcpy(&start, b.data, 8);
				k += kfmt_snprintf(buf + k, size - k,
						   "<memory start=\"0x%lx\" length=\"0x%x\"/>\n",
						   start, b.len - 10);
			} else if (b.type == 'V') {
				s32 n;
				memcpy(&n, b.data, 4);
				k += kfmt_snprintf(buf + k, size - k, "<tvar id=\"%d\"/>\n", n);
			}
		}
	}
	if (k < size)
		k += kfmt_snprintf(buf + k, size - k, "</traceframe-info>\n");
	return MIN(k, size - 1);
}

long tp_frame_sdata(u8 *dst, u64 off, size_t len)
{
	if (cur < 0)
		return -1;
	const struct frame *f = &idx[cur];
	struct block b;
	for (u32 p = 0; block_at(f, &p, &b);) {
		if (b.type != 'S')
			continue;
		u32 sl = b.len - 2;
		if (off >= sl)
			return 0;
		size_t k = MIN(len, (size_t)(sl - off));
		memcpy(dst, b.data + 2 + off, k);
		return (long)k;
	}
	return -1;
}

/*
 * gdb's raw trace (tsave): per frame u16 tpnum, u32 size, then its R, M
 * and V blocks ('r' trap frames become 'R' + the 'g' layout).  S blocks
 * are left out: gdb's trace file and CTF writers stop at a block type
 * they do not know.
 */
static u8 rawf[6 + TP_FRAME_MAX + 1024];
static u32 rawf_len;
static s64 rawf_frame = -1;
static u64 rawf_sig;

/* Frame i in raw form into rawf (cached: tsave reads it in pieces). */
static void materialize(u32 i)
{
	if (rawf_frame == (s64)i && rawf_sig == built_sig)
		return;
	const struct frame *f = &idx[i];
	static bool avail[1024];
	size_t gs = arch_gdb_regs_size();
	struct block b;
	u32 o = 6;
	for (u32 p = 0; block_at(f, &p, &b);) {
		if (b.type == 'S' || b.type == 'P' || b.type == 'p')
			continue;
		if (b.type == 'r' || b.type == 'R') {
			if (o + 1 + gs > sizeof(rawf))
				break;
			rawf[o++] = 'R';
			regs_of(&b, rawf + o, avail);
			o += (u32)gs;
			continue;
		}
		if (o + 1 + b.len > sizeof(rawf))
			break;
		rawf[o++] = b.type;
		memcpy(rawf + o, b.data, b.len);
		o += b.len;
	}
	u32 sz = o - 6;
	memcpy(rawf, &f->tp, 2);
	memcpy(rawf + 2, &sz, 4);
	rawf_len = o;
	rawf_frame = i;
	rawf_sig = built_sig;
}

/* Bytes of frame i in raw form, without building it. */
static u32 raw_size(const struct frame *f)
{
	struct block b;
	u32 n = 6;
	for (u32 p = 0; block_at(f, &p, &b);) {
		if (b.type == 'r' || b.type == 'R')
			n += 1 + (u32)arch_gdb_regs_size();
		else if (b.type != 'S' && b.type != 'P' && b.type != 'p')
			n += 1 + b.len;
	}
	return n;
}

long tp_frames_raw(u64 off, u8 *dst, size_t len)
{
	build();
	if (off > raw_total)
		return -1;
	/* The frame holding off: binary search in the start offsets. */
	u32 lo = 0, hi = nframes;
	while (hi - lo > 1) {
		u32 mid = (lo + hi) / 2;
		if (raw_off[mid] <= off)
			lo = mid;
		else
			hi = mid;
	}
	size_t out = 0;
	for (u32 i = lo; i < nframes && out < len; i++) {
		materialize(i);
		u64 at = off + out - raw_off[i];
		if (at >= rawf_len)
			continue;
		size_t k = MIN(len - out, (size_t)(rawf_len - at));
		memcpy(dst + out, rawf + at, k);
		out += k;
	}
	return (long)out;
}

void tp_buffer_space(u64 *free, u64 *size)
{
	struct ltt_area *a = ltt_get_area();
	*free = *size = 0;
	if (!a)
		return;
	u64 per = (u64)a->subbuf_size * a->n_subbufs;
	*size = per * a->ncpus;
	for (u32 i = 0; i < a->ncpus; i++) {
		u64 used = ltt_area_cpu(a, i)->offset;
		*free += used >= per ? 0 : per - used;
	}
}
