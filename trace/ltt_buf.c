/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
/*
 * Per-CPU trace buffers: lock-free reserve/commit into sub-buffers that
 * are CTF packets.
 *
 * A CPU's buffer is n_subbufs slots of subbuf_size bytes.  `offset` is a
 * free-running byte position: packet p = offset / size lives in slot
 * p % n, and its generation is p / n.  A writer
 *   1. bumps `nest` (NMI-safe: an interrupting writer restores it), checks
 *      that tracing is on;
 *   2. loops: reads offset and the clock, computes where its record goes
 *      (a record never straddles packets: if it does not fit, the packet is
 *      closed and the next one opened), checks the slot may be (re)used,
 *      and moves offset with one CPU-local cmpxchg.  A nested writer that
 *      got in between makes the cmpxchg fail, and the loop re-reads the
 *      clock, so timestamps follow buffer order on each CPU;
 *   3. closes/opens packets it crossed, writes its payload, then the
 *      record header, and adds its length to commit[slot].
 * commit[slot] counts every byte of a packet (header, records, padding
 * at close), free-running over generations: packet p is complete when
 * commit[p % n] == (p / n + 1) * size.  Overwrite mode reuses a slot only
 * when its previous packet is complete; discard mode only when a reader
 * consumed it.
 */
#include "ltt.h"
#include "ltt_port.h"
#include "ltt_local.h"
#include "../lib/string.h"

_Static_assert(sizeof(struct ltt_event) == 256, "ltt_event layout");
_Static_assert(sizeof(struct ltt_cpu) == 1024, "ltt_cpu layout");
_Static_assert(sizeof(struct ltt_area) == 512, "ltt_area layout");

/* Byte offsets inside a packet header (CTF packet header + context). */
enum {
	PH_MAGIC = 0, PH_UUID = 4, PH_STREAM_ID = 20, PH_INSTANCE = 24,
	PC_TS_BEGIN = 32, PC_TS_END = 40, PC_CONTENT = 48, PC_PACKET = 56,
	PC_SEQ = 64, PC_DISCARDED = 72, PC_CPU = 80,
};

struct ltt_area *ltt_area_ptr;

struct ltt_area *ltt_get_area(void)
{
	return ltt_area_ptr;
}

static inline void put32(u8 *p, u32 v) { memcpy(p, &v, 4); }
static inline void put64(u8 *p, u64 v) { memcpy(p, &v, 8); }

static inline void lost(struct ltt_cpu *c, enum ltt_lost why)
{
	local_add64(&c->lost[why], 1);
}

static inline u64 load_acq(const u64 *p)
{
	return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

/* Packet that ends at byte position `end` (> its start) is closed: its
 * end time and size are written, and the unused tail is committed. */
static void close_packet(struct ltt_area *a, struct ltt_cpu *c, unsigned cpu,
			 u64 end, u64 ts)
{
	u32 size = a->subbuf_size;
	u64 p = (end - 1) / size;
	u32 slot = (u32)(p % a->n_subbufs);
	u64 used = end - p * size;
	u8 *h = ltt_area_data(a, cpu) + (u64)slot * size;
	put64(h + PC_TS_END, ts);
	put64(h + PC_CONTENT, used * 8);
	local_add64(&c->commit[slot], size - used);
}

/* Packet p gets its header.  Only the fields the opener owns: a nested
 * writer may already have closed it (end time, content size). */
static void open_packet(struct ltt_area *a, struct ltt_cpu *c, unsigned cpu,
			u64 p, u64 ts)
{
	u32 size = a->subbuf_size;
	u32 slot = (u32)(p % a->n_subbufs);
	u8 *h = ltt_area_data(a, cpu) + (u64)slot * size;
	put32(h + PH_MAGIC, LTT_PKT_MAGIC);
	memcpy(h + PH_UUID, a->uuid, 16);
	put32(h + PH_STREAM_ID, 0);
	put64(h + PH_INSTANCE, cpu);
	put64(h + PC_TS_BEGIN, ts);
	put64(h + PC_PACKET, (u64)size * 8);
	put64(h + PC_SEQ, p);
	put64(h + PC_DISCARDED, c->lost[LTT_LOST_FULL] +
	      c->lost[LTT_LOST_TOOBIG] + c->lost[LTT_LOST_NEST]);
	put32(h + PC_CPU, cpu);
	local_add64(&c->commit[slot], LTT_PKT_HDR);
}

/*
 * sb_events[slot] = generation << 32 | records committed in that packet.
 * The first commit into a new generation takes over the count of the
 * packet it replaced: in overwrite mode those records are lost (wrap).
 * Nested commits retry the local cmpxchg.
 */
static void count_record(struct ltt_area *a, struct ltt_cpu *c, u32 slot,
			 u64 gen)
{
	u64 old = c->sb_events[slot], new;
	do {
		if ((old >> 32) == gen) {
			new = old + 1;
		} else {
			new = (gen << 32) | 1;
		}
	} while (!local_cmpxchg64(&c->sb_events[slot], &old, new));
	if ((old >> 32) != gen && gen > 0 && a->mode == LTT_OVERWRITE)
		local_add64(&c->lost[LTT_LOST_WRAP], (u32)old);
}

/* Reserve on a given CPU's buffer: the caller is that CPU (or the CPU is
 * stopped).  Nest is already counted.  The sub-buffer size is a power of
 * two (ltt_setup checks): positions divide by shifting; the one division
 * left gives a packet's slot and generation together. */
static inline int reserve_on(struct ltt_area *a, unsigned cpu,
			     struct ltt_cpu *c, struct ltt_reserve *x)
{
	u32 size = a->subbuf_size, n = a->n_subbufs;
	u32 shift = (u32)__builtin_ctz(size);
	u64 rec = ALIGN_UP((u64)LTT_REC_HDR + x->len, LTT_REC_ALIGN);
	u64 old, begin, end, ts;
	bool close_old, open_new;

	if (rec > size - LTT_PKT_HDR || x->len > size) {
		lost(c, LTT_LOST_TOOBIG);
		return -2;
	}
	old = c->offset;
	do {
		ts = ltt_port_clock();
		u64 in = old & (size - 1);
		close_old = false;
		open_new = in == 0;
		begin = old;
		if (in != 0 && in + rec > size) {
			close_old = open_new = true;
			begin = old - in + size;
		}
		if (__builtin_expect(open_new, 0)) {
			u64 p = begin >> shift;
			u32 slot = (u32)(p % n);
			if (a->mode == LTT_DISCARD) {
				if (p - load_acq(&c->consumed) >= n) {
					lost(c, LTT_LOST_FULL);
					return -2;
				}
			} else if (load_acq(&c->commit[slot]) != (p / n) * size) {
				lost(c, LTT_LOST_NEST);
				return -2;
			}
			begin += LTT_PKT_HDR;
		}
		end = begin + rec;
	} while (!local_cmpxchg64(&c->offset, &old, end));
	c->last_ts = ts;

	u64 p = begin >> shift;
	if (__builtin_expect(close_old, 0))
		close_packet(a, c, cpu, old, ts);
	if (__builtin_expect(open_new, 0))
		open_packet(a, c, cpu, p, ts);
	if ((end & (size - 1)) == 0)	/* fills the packet: close it now */
		close_packet(a, c, cpu, end, ts);

	x->gen = p / n;
	x->slot = (u32)(p % n);
	x->rec_len = (u32)rec;
	x->ts = ts;
	x->c = c;
	x->data = ltt_area_data(a, cpu) + ((u64)x->slot << shift) +
		  (begin & (size - 1)) + LTT_REC_HDR;
	x->begin = begin;
	return 0;
}

static inline int reserve(struct ltt_area *a, struct ltt_reserve *x)
{
	unsigned cpu = ltt_port_cpu();
	struct ltt_cpu *c = ltt_area_cpu(a, cpu);
	if (c->nest >= LTT_MAX_NEST) {
		lost(c, LTT_LOST_NEST);
		return -2;
	}
	c->nest++;
	ltt_barrier();
	if (!__atomic_load_n(&a->active, __ATOMIC_RELAXED)) {
		ltt_barrier();
		c->nest--;
		return -1;
	}
	int r = reserve_on(a, cpu, c, x);
	if (r) {
		ltt_barrier();
		c->nest--;
	}
	return r;
}

int ltt_reserve(struct ltt_reserve *x)
{
	struct ltt_area *a = ltt_area_ptr;
	return a ? reserve(a, x) : -1;
}

static inline void commit(struct ltt_reserve *x)
{
	struct ltt_area *a = ltt_area_ptr;
	struct ltt_cpu *c = x->c;
	u8 *h = x->data - LTT_REC_HDR;

	/* Header last, id last of all: a record with a valid id is whole
	 * (records are packed, so the header may be unaligned: memcpy). */
	put32(h + 4, x->rec_len);
	put64(h + 8, x->ts);
	ltt_barrier();
	put32(h, x->id);
	ltt_barrier();
	count_record(a, c, x->slot, x->gen);
	local_add64(&c->events, 1);
	local_add64(&c->commit[x->slot], x->rec_len);
	ltt_barrier();
	c->nest--;
}

void ltt_commit(struct ltt_reserve *x)
{
	commit(x);
}

int ltt_log_fixed(struct ltt_area *a, const struct ltt_event *e,
		  const u64 *vals)
{
	struct ltt_reserve x = { .id = e->id, .len = e->fixed_len };
	int r = reserve(a, &x);
	if (r)
		return r;
	u8 *p = x.data;
	/* Little-endian: a field is the low bytes of its u64. */
	for (u32 i = 0; i < e->nfields; i++) {
		u32 sz = ltt_ftype_size(e->fields[i].type);
		if (sz == 8)
			put64(p, vals[i]);
		else if (sz == 4)
			put32(p, (u32)vals[i]);
		else
			memcpy(p, &vals[i], sz);
		p += sz;
	}
	commit(&x);
	return 0;
}

int ltt_log(u32 id, const void *payload, u32 len)
{
	struct ltt_area *a = ltt_area_ptr;
	if (!a || id >= a->nevents ||
	    !ltt_event_enabled(&ltt_area_events(a)[id]))
		return -1;
	struct ltt_reserve x = { .id = id, .len = len };
	int r = ltt_reserve(&x);
	if (r)
		return r;
	memcpy(x.data, payload, len);
	ltt_commit(&x);
	return 0;
}

void ltt_flush(unsigned cpu)
{
	struct ltt_area *a = ltt_area_ptr;
	if (!a || cpu >= a->ncpus)
		return;
	struct ltt_cpu *c = ltt_area_cpu(a, cpu);
	u32 size = a->subbuf_size;
	u64 old = c->offset, ts;
	do {
		if ((old & (size - 1)) == 0)
			return;
		ts = ltt_port_clock();
	} while (!local_cmpxchg64(&c->offset, &old, ALIGN_UP(old, size)));
	close_packet(a, c, cpu, old, ts);
}

u32 ltt_read_packet(unsigned cpu, void *dst)
{
	struct ltt_area *a = ltt_area_ptr;
	if (!a || cpu >= a->ncpus)
		return 0;
	struct ltt_cpu *c = ltt_area_cpu(a, cpu);
	u32 size = a->subbuf_size, n = a->n_subbufs;
	u64 p = load_acq(&c->consumed);
	u32 slot = (u32)(p % n);
	if (load_acq(&c->commit[slot]) != (p / n + 1) * size)
		return 0;
	memcpy(dst, ltt_area_data(a, cpu) + (u64)slot * size, size);
	__atomic_store_n(&c->consumed, p + 1, __ATOMIC_RELEASE);
	return size;
}

u64 ltt_lost_total(int cpu)
{
	struct ltt_area *a = ltt_area_ptr;
	u64 sum = 0;
	if (!a)
		return 0;
	for (unsigned i = 0; i < a->ncpus; i++) {
		if (cpu >= 0 && (unsigned)cpu != i)
			continue;
		struct ltt_cpu *c = ltt_area_cpu(a, i);
		for (int k = 0; k < LTT_LOST_NCAUSES; k++)
			sum += __atomic_load_n(&c->lost[k], __ATOMIC_RELAXED);
	}
	return sum;
}
