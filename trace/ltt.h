/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
/*
 * LTT trace buffer: per-CPU buffers of sub-buffers laid out as CTF 1.8
 * packets, an event registry (static key events plus events declared at
 * run time), and the TSDL metadata text that describes them.
 *
 * Everything lives in one contiguous "trace area" whose layout is the raw
 * dump format (trace/FORMAT.md): a debugger reads it from target memory,
 * `dump binary memory` saves it, host-tools/ltt-convert decodes it.  The
 * structs below ARE that format: fixed-size, little-endian, no pointers.
 *
 * Writers: ltt_reserve()/ltt_commit() on the local CPU only.  Lock-free
 * (one CAS on the CPU's write offset) and safe when an IRQ or NMI on the
 * same CPU nests a writer inside another one.  No allocation, no locks, no
 * floating point.  Control (declare, start/stop, clear, resize) is for
 * task context and serializes on the registry lock.
 *
 * Layering: portable C11; reaches the machine only through ltt_port.h.
 */
#ifndef TRACE_LTT_H
#define TRACE_LTT_H

#include "../lib/types.h"

/* ---- limits and format constants (see FORMAT.md) ---- */
#define LTT_AREA_MAGIC "KSTUBLTT"
#define LTT_VERSION 1
#define LTT_MAX_CPUS 16
#define LTT_MAX_SUBBUF 32
#define LTT_MAX_EVENTS 128
#define LTT_MAX_FIELDS 8
#define LTT_NAME_MAX 32		/* event name, incl. NUL */
#define LTT_FIELD_NAME_MAX 23	/* field name, incl. NUL */
#define LTT_META_CAP 32768	/* TSDL text */
#define LTT_PKT_MAGIC 0xC1FC1FC1u
#define LTT_PKT_HDR 84		/* CTF packet header + context */
#define LTT_REC_HDR 16		/* u32 id, u32 len, u64 timestamp */
#define LTT_REC_ALIGN 1		/* records are packed: no padding */
#define LTT_MIN_SUBBUF 512
#define LTT_MAX_SUBBUF_SIZE (1u << 20)
#define LTT_MAX_NEST 4		/* task < irq < nmi < (gdb) */
#define LTT_FIRST_DYNAMIC_ID 64	/* ids below are the static key events */

enum ltt_mode {
	LTT_OVERWRITE = 0,	/* flight recorder: the oldest packet goes */
	LTT_DISCARD = 1,	/* a full buffer drops new events */
};

/* Why an event was lost (one counter per cause and CPU). */
enum ltt_lost {
	LTT_LOST_FULL,		/* discard mode, every sub-buffer unread */
	LTT_LOST_WRAP,		/* overwrite mode, overwritten by newer ones */
	LTT_LOST_TOOBIG,	/* record larger than a sub-buffer can hold */
	LTT_LOST_NEST,		/* nesting too deep, or the slot to reuse still
				 * has an uncommitted record */
	LTT_LOST_NCAUSES,
};

/* Field types of an event layout. */
enum ltt_ftype {
	LTT_F_U8 = 1, LTT_F_U16, LTT_F_U32, LTT_F_U64,
	LTT_F_S8, LTT_F_S16, LTT_F_S32, LTT_F_S64,
	LTT_F_X64,		/* u64 shown in hex (addresses) */
	LTT_F_STRING,		/* NUL-terminated, variable length */
	LTT_F_BYTES,		/* u16 length + that many bytes */
};

/* area->pending: what the debugger asked the kernel to do on resume. */
#define LTT_PENDING_CLEAR 0x1

/* Event flags. */
#define LTT_EV_ENABLED 0x1	/* records are logged */
#define LTT_EV_STATIC 0x2	/* a key event compiled into the kernel */
#define LTT_EV_GDB 0x4		/* declared from the debugger */
#define LTT_EV_RAW 0x8		/* raw layout: one BYTES field "data" */

/* ---- the trace area (raw dump format) ---- */

/* One event type.  256 bytes. */
struct ltt_event {
	u32 id;
	u16 flags;
	u16 nfields;
	u32 raw_max;		/* LTT_EV_RAW: largest payload in bytes */
	u32 fixed_len;		/* payload bytes when every field is an
				 * integer, else 0 */
	char name[LTT_NAME_MAX];
	struct ltt_field {
		char name[LTT_FIELD_NAME_MAX];
		u8 type;	/* enum ltt_ftype */
	} fields[LTT_MAX_FIELDS];
	u8 pad[256 - 48 - 24 * LTT_MAX_FIELDS];
};

/* One CPU's write state.  1024 bytes. */
struct ltt_cpu {
	u64 offset;		/* free-running reserve position, bytes */
	u64 consumed;		/* discard mode: packets read (free-running) */
	u32 nest;		/* writers in flight on this CPU */
	u32 cpu;
	u64 last_ts;		/* timestamp of the latest reservation */
	u64 events;		/* records committed */
	u64 lost[LTT_LOST_NCAUSES];
	u64 commit[LTT_MAX_SUBBUF];	/* bytes committed per slot, free-running */
	u64 sb_events[LTT_MAX_SUBBUF];	/* records in the slot's packet */
	u8 pad[1024 - 72 - 16 * LTT_MAX_SUBBUF];
};

/* The area header, at offset 0.  512 bytes. */
struct ltt_area {
	char magic[8];		/* "KSTUBLTT" */
	u32 version;
	u32 hdr_size;		/* sizeof(struct ltt_area) */
	u64 area_size;
	u32 ncpus;
	u32 max_cpus;		/* LTT_MAX_CPUS: cpu blocks present */
	u64 clock_hz;		/* timestamp ticks per second */
	u8 uuid[16];
	u32 meta_off, meta_cap;
	volatile u32 meta_len;	/* bytes of TSDL text */
	u32 event_size;		/* sizeof(struct ltt_event) */
	u32 events_off;
	u32 events_cap;
	volatile u32 nevents;	/* slots used in the registry (by id) */
	u32 cpu_size;		/* sizeof(struct ltt_cpu) */
	u32 cpus_off;
	u32 data_off;		/* CPU c's sub-buffers at data_off + c * data_stride */
	u64 data_stride;	/* bytes reserved per CPU (the pool) */
	u32 subbuf_size;	/* current geometry: power of two */
	u32 n_subbufs;		/* <= LTT_MAX_SUBBUF, n * size <= data_stride */
	u32 mode;		/* enum ltt_mode */
	volatile u32 active;	/* writers log only while set */
	volatile u32 lock;	/* registry/control lock; 0 = free */
	volatile u32 request;	/* bumped by the debugger: re-apply enables */
	u32 ack;		/* last request the kernel applied */
	u32 rec_hdr;		/* LTT_REC_HDR */
	u32 pkt_hdr;		/* LTT_PKT_HDR */
	volatile u32 pending;	/* LTT_PENDING_*: work for the kernel */
	u64 start_ts, stop_ts;	/* of the last start/stop */
	u64 clears;		/* times the buffers were reset */
	u8 pad[512 - 168];
};

/* ---- ids of the static key events (fixed, see trace/ltt_events.c) ---- */
enum ltt_static_id {
	LTT_EV_TRACE_START = 1,
	LTT_EV_TRACE_STOP,
	LTT_EV_HEARTBEAT,
	LTT_EV_NEW_EVENT,
	LTT_EV_SYSCALL_ENTRY,
	LTT_EV_SYSCALL_EXIT,
	LTT_EV_TRAP_ENTRY,
	LTT_EV_TRAP_EXIT,
	LTT_EV_IRQ_ENTRY,
	LTT_EV_IRQ_EXIT,
	LTT_EV_SCHED_SWITCH,
	LTT_EV_TIMER_TICK,
	LTT_EV_TASK_CREATE,
	LTT_EV_TASK_EXIT,
	LTT_EV_NSTATIC,
};

/* ---- set-up and control (task context) ---- */

struct ltt_config {
	u32 ncpus;
	u64 data_per_cpu;	/* pool per CPU, bytes */
	u32 subbuf_size;	/* power of two in [LTT_MIN_SUBBUF, 1 MiB] */
	u32 n_subbufs;		/* 2..LTT_MAX_SUBBUF */
	enum ltt_mode mode;
	u64 clock_hz;
	u64 uuid_seed;		/* any varying number (the boot TSC) */
};

/* Bytes of trace area needed for cfg. */
u64 ltt_area_size(const struct ltt_config *cfg);
/*
 * Lay out the area in mem (ltt_area_size(cfg) bytes, 8-byte aligned),
 * register the static events and write the TSDL metadata.  Returns 0 or a
 * negative error (bad geometry).  Tracing starts stopped.
 */
int ltt_init(void *mem, const struct ltt_config *cfg);
/* The area in use (NULL before ltt_init). */
struct ltt_area *ltt_get_area(void);

/* Start/stop logging on every CPU; logs trace_start/trace_stop records. */
void ltt_start(void);
void ltt_stop(void);
bool ltt_is_active(void);
/*
 * area->active is LTT_ACTIVE_ALL after ltt_start(), LTT_ACTIVE_DYNAMIC
 * after ltt_start_dynamic(): then only events declared at run time are
 * logged (gdb's traceframes while the tracer itself is off) and the
 * static sites stay disarmed.  ltt_static_active(): static events log.
 */
#define LTT_ACTIVE_ALL 1
#define LTT_ACTIVE_DYNAMIC 2
void ltt_start_dynamic(void);
bool ltt_static_active(void);
/*
 * Empty every buffer and zero the counters.  Only while stopped; fails
 * (-1) when a writer is still in flight on some CPU.
 */
int ltt_clear(void);
/* New geometry within the pool (implies clear).  0 or negative error. */
int ltt_set_geometry(u32 subbuf_size, u32 n_subbufs, enum ltt_mode mode);

/* ---- the event registry ---- */

/*
 * Declare an event at run time from a name and a field layout:
 * "u32 pid, s64 ret, x64 addr, string comm, bytes blob" (types u8 u16 u32
 * u64 s8 s16 s32 s64 x64 string bytes).  Returns its id (>=
 * LTT_FIRST_DYNAMIC_ID), the existing id if the same name and layout were
 * declared before, or a negative error: -1 bad layout or name, -2 name
 * taken with another layout, -3 registry full, -4 metadata full.  A
 * new_event record with the id, name and layout goes into the trace.
 */
int ltt_event_declare(const char *name, const char *layout);
/* Same with a raw payload of at most max_size bytes (one "bytes" field). */
int ltt_event_declare_raw(const char *name, u32 max_size);
/* Find an event by name: its id or -1. */
int ltt_event_find(const char *name);
const struct ltt_event *ltt_event_get(u32 id);
/* Switch one event on or off (the registry flag; see ltt_site.h for the
 * hook arming of static events).  0 or -1 for an unknown id. */
int ltt_event_set_enabled(u32 id, bool on);
/* Bytes of an integer field type in a payload; 0 for strings, bytes. */
static inline u32 ltt_ftype_size(u8 type)
{
	switch (type) {
	case LTT_F_U8: case LTT_F_S8: return 1;
	case LTT_F_U16: case LTT_F_S16: return 2;
	case LTT_F_U32: case LTT_F_S32: return 4;
	case LTT_F_U64: case LTT_F_S64: case LTT_F_X64: return 8;
	default: return 0;
	}
}

static inline bool ltt_event_enabled(const struct ltt_event *e)
{
	return e && (__atomic_load_n(&e->flags, __ATOMIC_RELAXED) & LTT_EV_ENABLED);
}

/* Parse one layout; fills fields/nfields.  0 or -1.  (Exposed for tests.) */
int ltt_layout_parse(const char *layout, struct ltt_field *fields,
		     u16 *nfields);

/* ---- writers (any context on the local CPU, NMI included) ---- */

/* Reserve context.  In: id, len.  Out: data, ts.  The rest is private. */
struct ltt_reserve {
	u32 id;			/* in: event id */
	u32 len;		/* in: payload bytes */
	u8 *data;		/* out: where the payload goes */
	u64 ts;			/* out: the record's timestamp */
	struct ltt_cpu *c;	/* private: the CPU's buffer */
	u64 begin;		/* private: buffer position of the payload */
	u64 gen;		/* private: generation of its packet */
	u32 slot, rec_len;	/* private */
};

/*
 * Reserve room for a record.  Returns 0 (write ctx->len bytes at
 * ctx->data, then ltt_commit) or a negative value when the record is not
 * logged: -1 tracing stopped, -2 lost (counted by cause).
 */
int ltt_reserve(struct ltt_reserve *ctx);
void ltt_commit(struct ltt_reserve *ctx);
/* Reserve + copy + commit.  Checks that the event is enabled. */
int ltt_log(u32 id, const void *payload, u32 len);
/*
 * Log a declared event from values in layout order: integers as u64,
 * strings as (u64)(const char *), a bytes field as two values (pointer,
 * length).  n values.  0, -1 stopped/disabled, -2 lost, -3 bad id/args.
 */
int ltt_log_values(u32 id, const u64 *vals, u32 n);
/* ltt_log_values() of an event whose fields are all integers
 * (e->fixed_len != 0), which it calls for them once the event is known
 * enabled: reserve, pack and commit in one function. */
int ltt_log_fixed(struct ltt_area *a, const struct ltt_event *e,
		  const u64 *vals);
/* Log a raw event's payload (at most its raw_max bytes). */
int ltt_log_raw(u32 id, const void *data, u32 n);
/* Close the current packet of `cpu` so it can be read.  That CPU must be
 * the caller or must not be writing. */
void ltt_flush(unsigned cpu);

/* ---- reading (discard mode consumer; tests, a kernel reader) ---- */

/* Copy the oldest complete unread packet of cpu into dst (subbuf_size
 * bytes) and mark it read.  Returns its size, 0 if none is ready. */
u32 ltt_read_packet(unsigned cpu, void *dst);

/* Sum of a CPU's lost counters, or of every CPU when cpu < 0. */
u64 ltt_lost_total(int cpu);

/* ---- TSDL metadata (ltt_meta.c) ---- */

/* Append the TSDL block of event e to the area's metadata.  0 or -1. */
int ltt_meta_append_event(struct ltt_area *a, const struct ltt_event *e);
/* Write the fixed prefix (trace, clock, stream).  0 or -1. */
int ltt_meta_init(struct ltt_area *a);
/* Render one event's TSDL block into buf; returns its length (or the
 * length it would have had when buf is too small). */
size_t ltt_meta_event_text(const struct ltt_event *e, char *buf, size_t size);

/* Area accessors shared by writers, readers and the decoder. */
static inline struct ltt_event *ltt_area_events(struct ltt_area *a)
{
	return (struct ltt_event *)((u8 *)a + a->events_off);
}
static inline struct ltt_cpu *ltt_area_cpu(struct ltt_area *a, unsigned cpu)
{
	return (struct ltt_cpu *)((u8 *)a + a->cpus_off + (u64)cpu * a->cpu_size);
}
static inline u8 *ltt_area_data(struct ltt_area *a, unsigned cpu)
{
	return (u8 *)a + a->data_off + (u64)cpu * a->data_stride;
}
static inline char *ltt_area_meta(struct ltt_area *a)
{
	return (char *)a + a->meta_off;
}

#endif
