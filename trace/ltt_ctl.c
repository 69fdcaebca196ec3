/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
/*
 * Setting up the trace area and controlling it: start, stop, clear, new
 * geometry.  Task context (or a debugger with every CPU stopped).
 */
#include "ltt.h"
#include "ltt_port.h"
#include "../lib/string.h"

extern struct ltt_area *ltt_area_ptr;
int ltt_events_init(void);

#define META_OFF 512u
#define EVENTS_OFF (META_OFF + LTT_META_CAP)
#define CPUS_OFF (EVENTS_OFF + LTT_MAX_EVENTS * 256u)
#define DATA_OFF ALIGN_UP(CPUS_OFF + LTT_MAX_CPUS * 1024u, 4096)

static bool pow2(u64 x)
{
	return x && !(x & (x - 1));
}

static bool geometry_ok(u32 size, u32 n, u64 pool)
{
	return pow2(size) && size >= LTT_MIN_SUBBUF && size <= LTT_MAX_SUBBUF_SIZE &&
	       n >= 2 && n <= LTT_MAX_SUBBUF && (u64)size * n <= pool;
}

u64 ltt_area_size(const struct ltt_config *cfg)
{
	return DATA_OFF + (u64)cfg->ncpus * ALIGN_UP(cfg->data_per_cpu, 4096);
}

static u64 mix(u64 *s)
{
	/* splitmix64: a uuid that differs from boot to boot. */
	u64 z = (*s += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

int ltt_init(void *mem, const struct ltt_config *cfg)
{
	if (!mem || ((u64)mem & 7) || cfg->ncpus == 0 ||
	    cfg->ncpus > LTT_MAX_CPUS || !cfg->clock_hz ||
	    !geometry_ok(cfg->subbuf_size, cfg->n_subbufs, cfg->data_per_cpu) ||
	    (cfg->mode != LTT_OVERWRITE && cfg->mode != LTT_DISCARD))
		return -1;
	struct ltt_area *a = mem;
	memset(a, 0, DATA_OFF);
	memcpy(a->magic, LTT_AREA_MAGIC, 8);
	a->version = LTT_VERSION;
	a->hdr_size = sizeof(*a);
	a->area_size = ltt_area_size(cfg);
	a->ncpus = cfg->ncpus;
	a->max_cpus = LTT_MAX_CPUS;
	a->clock_hz = cfg->clock_hz;
	u64 s = cfg->uuid_seed, u0 = mix(&s), u1 = mix(&s);
	memcpy(a->uuid, &u0, 8);
	memcpy(a->uuid + 8, &u1, 8);
	a->uuid[6] = (u8)((a->uuid[6] & 0x0f) | 0x40);	/* version 4 */
	a->uuid[8] = (u8)((a->uuid[8] & 0x3f) | 0x80);	/* variant */
	a->meta_off = META_OFF;
	a->meta_cap = LTT_META_CAP;
	a->event_size = sizeof(struct ltt_event);
	a->events_off = EVENTS_OFF;
	a->events_cap = LTT_MAX_EVENTS;
	a->nevents = 1;				/* id 0 is never used */
	a->cpu_size = sizeof(struct ltt_cpu);
	a->cpus_off = CPUS_OFF;
	a->data_off = DATA_OFF;
	a->data_stride = ALIGN_UP(cfg->data_per_cpu, 4096);
	a->subbuf_size = cfg->subbuf_size;
	a->n_subbufs = cfg->n_subbufs;
	a->mode = cfg->mode;
	a->rec_hdr = LTT_REC_HDR;
	a->pkt_hdr = LTT_PKT_HDR;
	for (u32 i = 0; i < LTT_MAX_CPUS; i++)
		ltt_area_cpu(a, i)->cpu = i;
	if (ltt_meta_init(a))
		return -1;
	ltt_area_ptr = a;
	if (ltt_events_init()) {
		ltt_area_ptr = 0;
		return -1;
	}
	return 0;
}

bool ltt_is_active(void)
{
	return ltt_area_ptr && __atomic_load_n(&ltt_area_ptr->active, __ATOMIC_ACQUIRE);
}

void ltt_start(void)
{
	struct ltt_area *a = ltt_area_ptr;
	if (!a || a->active)
		return;
	a->start_ts = ltt_port_clock();
	__atomic_store_n(&a->active, LTT_ACTIVE_ALL, __ATOMIC_SEQ_CST);
	u64 v[4] = { a->mode, a->subbuf_size, a->n_subbufs, a->ncpus };
	ltt_log_values(LTT_EV_TRACE_START, v, 4);
}

void ltt_start_dynamic(void)
{
	struct ltt_area *a = ltt_area_ptr;
	if (!a || a->active)
		return;
	a->start_ts = ltt_port_clock();
	__atomic_store_n(&a->active, LTT_ACTIVE_DYNAMIC, __ATOMIC_SEQ_CST);
}

bool ltt_static_active(void)
{
	return ltt_area_ptr &&
	       __atomic_load_n(&ltt_area_ptr->active, __ATOMIC_ACQUIRE) == LTT_ACTIVE_ALL;
}

void ltt_stop(void)
{
	struct ltt_area *a = ltt_area_ptr;
	if (!a || !a->active)
		return;
	u64 events = 0;
	for (u32 i = 0; i < a->ncpus; i++)
		events += ltt_area_cpu(a, i)->events;
	u64 v[2] = { events, ltt_lost_total(-1) };
	ltt_log_values(LTT_EV_TRACE_STOP, v, 2);
	a->stop_ts = ltt_port_clock();
	__atomic_store_n(&a->active, 0, __ATOMIC_SEQ_CST);
}

static bool quiescent(struct ltt_area *a)
{
	for (u32 i = 0; i < a->ncpus; i++)
		if (__atomic_load_n(&ltt_area_cpu(a, i)->nest, __ATOMIC_ACQUIRE))
			return false;
	return true;
}

/* The caller made every CPU's stores visible after the stop (kernel:
 * ltt_port_sync), so a zero nest count means no writer is in flight. */
int ltt_clear(void)
{
	struct ltt_area *a = ltt_area_ptr;
	if (!a || a->active || !quiescent(a))
		return -1;
	for (u32 i = 0; i < a->ncpus; i++) {
		struct ltt_cpu *c = ltt_area_cpu(a, i);
		u32 cpu = c->cpu;
		memset(c, 0, sizeof(*c));
		c->cpu = cpu;
	}
	a->clears++;
	return 0;
}

int ltt_set_geometry(u32 subbuf_size, u32 n_subbufs, enum ltt_mode mode)
{
	struct ltt_area *a = ltt_area_ptr;
	if (!a || !geometry_ok(subbuf_size, n_subbufs, a->data_stride) ||
	    (mode != LTT_OVERWRITE && mode != LTT_DISCARD))
		return -2;
	if (a->active || !quiescent(a))
		return -1;
	a->subbuf_size = subbuf_size;
	a->n_subbufs = n_subbufs;
	a->mode = mode;
	return ltt_clear();
}
