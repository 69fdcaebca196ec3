/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
/*
 * The event registry: the static key events, events declared at run time
 * ("new event"), and logging records under a declared layout ("custom
 * event").  The registry is an array in the trace area indexed by id, so
 * a debugger reads and extends it like the kernel does (FORMAT.md).
 */
#include "ltt.h"
#include "ltt_port.h"
#include "../lib/string.h"
#include "../lib/fmt.h"

extern struct ltt_area *ltt_area_ptr;

/* The key events.  Ids are fixed (enum ltt_static_id): tools may rely on
 * them, but they also read names and layouts from the metadata. */
static const struct {
	u32 id;
	const char *name, *layout;
} static_events[] = {
	{ LTT_EV_TRACE_START, "trace_start",
	  "u32 mode, u32 subbuf_size, u32 n_subbufs, u32 ncpus" },
	{ LTT_EV_TRACE_STOP, "trace_stop", "u64 events, u64 lost" },
	{ LTT_EV_HEARTBEAT, "heartbeat", "u64 ticks, u64 clock_hz" },
	{ LTT_EV_NEW_EVENT, "new_event", "u32 event_id, string name, string layout" },
	{ LTT_EV_SYSCALL_ENTRY, "syscall_entry",
	  "u32 nr, x64 a0, x64 a1, x64 a2, u32 pid" },
	{ LTT_EV_SYSCALL_EXIT, "syscall_exit", "u32 nr, s64 ret, u32 pid" },
	{ LTT_EV_TRAP_ENTRY, "trap_entry", "u32 vector, x64 ip, x64 error" },
	{ LTT_EV_TRAP_EXIT, "trap_exit", "u32 vector" },
	{ LTT_EV_IRQ_ENTRY, "irq_entry", "u32 vector" },
	{ LTT_EV_IRQ_EXIT, "irq_exit", "u32 vector" },
	{ LTT_EV_SCHED_SWITCH, "sched_switch",
	  "u32 prev_pid, string prev_comm, u32 prev_state, u32 next_pid, string next_comm" },
	{ LTT_EV_TIMER_TICK, "timer_tick", "u64 ticks" },
	{ LTT_EV_TASK_CREATE, "task_create", "u32 pid, u32 cpu, string comm" },
	{ LTT_EV_TASK_EXIT, "task_exit", "u32 pid, string comm" },
};

static const struct {
	const char *name;
	u8 type;
	u8 size;	/* fixed bytes in the payload; 0 = variable */
} ftypes[] = {
	{ "u8", LTT_F_U8, 1 }, { "u16", LTT_F_U16, 2 }, { "u32", LTT_F_U32, 4 },
	{ "u64", LTT_F_U64, 8 }, { "s8", LTT_F_S8, 1 }, { "s16", LTT_F_S16, 2 },
	{ "s32", LTT_F_S32, 4 }, { "s64", LTT_F_S64, 8 }, { "x64", LTT_F_X64, 8 },
	{ "string", LTT_F_STRING, 0 }, { "bytes", LTT_F_BYTES, 0 },
};

#define ftype_size ltt_ftype_size

/* Words TSDL gives a meaning, the event header's field names and the type
 * names ltt_meta.c declares (a field named like a type is a syntax error
 * that makes the whole metadata unreadable): not usable as field names. */
static const char *const reserved_words[] = {
	"align", "callsite", "const", "char", "clock", "double", "enum",
	"env", "event", "floating_point", "float", "integer", "int", "long",
	"short", "signed", "stream", "string", "struct", "trace", "typealias",
	"typedef", "unsigned", "variant", "void", "_Bool", "_Complex",
	"_Imaginary", "id", "len", "timestamp", "uint8_t", "uint16_t",
	"uint32_t", "uint64_t", "int8_t", "int16_t", "int32_t", "int64_t",
	"xint64_t", "tsc_t",
};

static bool is_ident_start(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || ch == '_';
}

static bool is_ident(char ch)
{
	return is_ident_start(ch) || (ch >= '0' && ch <= '9');
}

static bool valid_event_name(const char *s)
{
	size_t n = kstr_nlen(s, LTT_NAME_MAX);
	if (n == 0 || n >= LTT_NAME_MAX || !is_ident_start(s[0]))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!is_ident(s[i]) && s[i] != ':' && s[i] != '.' && s[i] != '-')
			return false;
	return true;
}

int ltt_layout_parse(const char *layout, struct ltt_field *fields,
		     u16 *nfields)
{
	const char *p = layout;
	u16 nf = 0;

	if (!p)
		return -1;
	for (;;) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p)
			break;
		if (nf == LTT_MAX_FIELDS)
			return -1;
		/* type */
		const char *t = p;
		while (is_ident(*p))
			p++;
		size_t tl = (size_t)(p - t);
		u8 type = 0;
		for (size_t i = 0; i < ARRAY_SIZE(ftypes); i++)
			if (strlen(ftypes[i].name) == tl &&
			    !memcmp(ftypes[i].name, t, tl))
				type = ftypes[i].type;
		if (!type || (*p != ' ' && *p != '\t'))
			return -1;
		while (*p == ' ' || *p == '\t')
			p++;
		/* name */
		const char *n = p;
		if (!is_ident_start(*p))
			return -1;
		while (is_ident(*p))
			p++;
		size_t nl = (size_t)(p - n);
		if (nl >= LTT_FIELD_NAME_MAX - 4)	/* room for "_len" */
			return -1;
		for (size_t i = 0; i < ARRAY_SIZE(reserved_words); i++)
			if (strlen(reserved_words[i]) == nl &&
			    !memcmp(reserved_words[i], n, nl))
				return -1;
		for (u16 i = 0; i < nf; i++)
			if (strlen(fields[i].name) == nl &&
			    !memcmp(fields[i].name, n, nl))
				return -1;
		memset(&fields[nf], 0, sizeof(fields[nf]));
		memcpy(fields[nf].name, n, nl);
		fields[nf].type = type;
		nf++;
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == ',')
			p++;
		else if (*p)
			return -1;
	}
	if (nf == 0)
		return -1;
	*nfields = nf;
	return 0;
}

static void lock(struct ltt_area *a)
{
	while (__atomic_exchange_n(&a->lock, 1, __ATOMIC_ACQUIRE))
		while (__atomic_load_n(&a->lock, __ATOMIC_RELAXED))
			;
}

static void unlock(struct ltt_area *a)
{
	__atomic_store_n(&a->lock, 0, __ATOMIC_RELEASE);
}

int ltt_event_find(const char *name)
{
	struct ltt_area *a = ltt_area_ptr;
	if (!a || !name)
		return -1;
	u32 n = __atomic_load_n(&a->nevents, __ATOMIC_ACQUIRE);
	struct ltt_event *ev = ltt_area_events(a);
	for (u32 i = 1; i < n; i++)
		if (ev[i].id == i && !strncmp(ev[i].name, name, LTT_NAME_MAX))
			return (int)i;
	return -1;
}

static inline const struct ltt_event *event_get(struct ltt_area *a, u32 id)
{
	if (!a || id == 0 || id >= __atomic_load_n(&a->nevents, __ATOMIC_ACQUIRE))
		return 0;
	const struct ltt_event *e = &ltt_area_events(a)[id];
	return e->id == id ? e : 0;
}

const struct ltt_event *ltt_event_get(u32 id)
{
	return event_get(ltt_area_ptr, id);
}

int ltt_event_set_enabled(u32 id, bool on)
{
	struct ltt_area *a = ltt_area_ptr;
	const struct ltt_event *ce = ltt_event_get(id);
	if (!ce)
		return -1;
	struct ltt_event *e = &ltt_area_events(a)[id];
	if (on)
		__atomic_fetch_or(&e->flags, LTT_EV_ENABLED, __ATOMIC_RELAXED);
	else
		__atomic_fetch_and(&e->flags, (u16)~LTT_EV_ENABLED, __ATOMIC_RELAXED);
	return 0;
}

static bool same_layout(const struct ltt_event *e, const struct ltt_field *f,
			u16 nf, u32 raw_max)
{
	if (e->nfields != nf || e->raw_max != raw_max)
		return false;
	for (u16 i = 0; i < nf; i++)
		if (e->fields[i].type != f[i].type ||
		    strcmp(e->fields[i].name, f[i].name))
			return false;
	return true;
}

/* Layout text of an event, for the new_event record. */
static void layout_text(const struct ltt_event *e, char *buf, size_t size)
{
	size_t n = 0;
	buf[0] = 0;
	for (u16 i = 0; i < e->nfields && n < size; i++) {
		const char *tn = "?";
		for (size_t k = 0; k < ARRAY_SIZE(ftypes); k++)
			if (ftypes[k].type == e->fields[i].type)
				tn = ftypes[k].name;
		n += kfmt_snprintf(buf + n, size - n, "%s%s %s", i ? ", " : "",
				   tn, e->fields[i].name);
	}
}

/* Add an event under the registry lock.  id 0 = next free dynamic id. */
static int declare(u32 id, const char *name, const struct ltt_field *f,
		   u16 nf, u32 raw_max, u16 flags)
{
	struct ltt_area *a = ltt_area_ptr;
	if (!a)
		return -1;
	if (!valid_event_name(name))
		return -1;
	lock(a);
	int old = ltt_event_find(name);
	if (old >= 0) {
		bool same = same_layout(&ltt_area_events(a)[old], f, nf, raw_max);
		unlock(a);
		return same ? old : -2;
	}
	u32 n = a->nevents;
	if (!id)
		id = n > LTT_FIRST_DYNAMIC_ID ? n : LTT_FIRST_DYNAMIC_ID;
	if (id >= a->events_cap) {
		unlock(a);
		return -3;
	}
	struct ltt_event *e = &ltt_area_events(a)[id];
	memset(e, 0, sizeof(*e));
	e->id = id;
	e->flags = flags;
	e->nfields = nf;
	e->raw_max = raw_max;
	kstr_copy(e->name, name, sizeof(e->name));
	memcpy(e->fields, f, nf * sizeof(*f));
	for (u16 i = 0; i < nf; i++) {
		u32 sz = ftype_size(f[i].type);
		if (!sz) {
			e->fixed_len = 0;
			break;
		}
		e->fixed_len += sz;
	}
	if (ltt_meta_append_event(a, e)) {
		memset(e, 0, sizeof(*e));
		unlock(a);
		return -4;
	}
	/* Publish: readers see the whole entry once nevents covers it. */
	if (id >= n)
		__atomic_store_n(&a->nevents, id + 1, __ATOMIC_RELEASE);
	unlock(a);
	return (int)id;
}

static void log_new_event(int id)
{
	const struct ltt_event *e = ltt_event_get((u32)id);
	char lt[200];
	if (!e)
		return;
	layout_text(e, lt, sizeof(lt));
	u64 v[3] = { (u64)id, (u64)e->name, (u64)lt };
	ltt_log_values(LTT_EV_NEW_EVENT, v, 3);
}

int ltt_event_declare(const char *name, const char *layout)
{
	struct ltt_field f[LTT_MAX_FIELDS];
	u16 nf;
	if (ltt_layout_parse(layout, f, &nf))
		return -1;
	int id = declare(0, name, f, nf, 0, LTT_EV_ENABLED);
	if (id >= LTT_FIRST_DYNAMIC_ID)
		log_new_event(id);
	return id;
}

int ltt_event_declare_raw(const char *name, u32 max_size)
{
	struct ltt_field f = { .name = "data", .type = LTT_F_BYTES };
	if (max_size == 0 || max_size > 0xffff)
		return -1;
	int id = declare(0, name, &f, 1, max_size, LTT_EV_ENABLED | LTT_EV_RAW);
	if (id >= LTT_FIRST_DYNAMIC_ID)
		log_new_event(id);
	return id;
}

/* Called by ltt_init with the area fresh. */
int ltt_events_init(void)
{
	for (size_t i = 0; i < ARRAY_SIZE(static_events); i++) {
		struct ltt_field f[LTT_MAX_FIELDS];
		u16 nf;
		if (ltt_layout_parse(static_events[i].layout, f, &nf))
			return -1;
		int r = declare(static_events[i].id, static_events[i].name, f, nf,
				0, LTT_EV_ENABLED | LTT_EV_STATIC);
		if (r != (int)static_events[i].id)
			return -1;
	}
	return 0;
}

int ltt_log_values(u32 id, const u64 *vals, u32 n)
{
	struct ltt_area *a = ltt_area_ptr;
	const struct ltt_event *e = event_get(a, id);
	if (!e)
		return -3;
	if (!ltt_event_enabled(e) || !a->active ||
	    ((e->flags & LTT_EV_STATIC) && a->active != LTT_ACTIVE_ALL))
		return -1;
	/* Size first, then pack straight into the reserved record. */
	u32 len = e->fixed_len, k = 0;
	if (len && n < e->nfields)
		return -3;
	if (len)
		return ltt_log_fixed(a, e, vals);
	for (u16 i = 0; !e->fixed_len && i < e->nfields; i++) {
		u8 t = e->fields[i].type;
		if (k >= n)
			return -3;
		if (t == LTT_F_STRING) {
			len += (u32)kstr_nlen((const char *)vals[k], 4096) + 1;
			k++;
		} else if (t == LTT_F_BYTES) {
			if (k + 1 >= n || vals[k + 1] > 0xffff ||
			    (e->raw_max && vals[k + 1] > e->raw_max))
				return -3;
			len += 2 + (u32)vals[k + 1];
			k += 2;
		} else {
			len += ftype_size(t);
			k++;
		}
	}
	struct ltt_reserve x = { .id = id, .len = len };
	int r = ltt_reserve(&x);
	if (r)
		return r;
	u8 *p = x.data;
	k = 0;
	for (u16 i = 0; i < e->nfields; i++) {
		u8 t = e->fields[i].type;
		if (t == LTT_F_STRING) {
			const char *s = (const char *)vals[k++];
			size_t sl = kstr_nlen(s, 4096);
			memcpy(p, s, sl);
			p[sl] = 0;
			p += sl + 1;
		} else if (t == LTT_F_BYTES) {
			u16 bl = (u16)vals[k + 1];
			memcpy(p, &bl, 2);
			memcpy(p + 2, (const void *)vals[k], bl);
			p += 2 + bl;
			k += 2;
		} else {
			/* Little-endian: the low bytes of the u64. */
			switch (ftype_size(t)) {
			case 8: memcpy(p, &vals[k], 8); p += 8; break;
			case 4: memcpy(p, &vals[k], 4); p += 4; break;
			case 2: memcpy(p, &vals[k], 2); p += 2; break;
			default: *p++ = (u8)vals[k]; break;
			}
			k++;
		}
	}
	ltt_commit(&x);
	return 0;
}

int ltt_log_raw(u32 id, const void *data, u32 n)
{
	const struct ltt_event *e = ltt_event_get(id);
	if (!e || !(e->flags & LTT_EV_RAW))
		return -3;
	u64 v[2] = { (u64)data, n };
	return ltt_log_values(id, v, 2);
}
