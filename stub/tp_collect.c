/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
/*
 * The tracepoint hit path: runs as a hook exit on the CPU that reached
 * the probe (or LTT site), IRQs off, maybe in NMI context.  It never
 * talks to gdb, never stops another CPU and takes no lock:
 *
 *   1. the condition runs in the agent VM (stub/ax.c); false = no hit;
 *   2. the hit is counted; the actions collect registers (R), memory
 *      (M, fault-safe) and expressions (X) into this CPU's scratch frame
 *      as gdb's raw blocks ('R' regs, 'M' addr len bytes, 'V' num value,
 *      'S' static data);
 *   3. the frame is logged as one LTT record (event gdb_traceframe) on
 *      this CPU: reserve, copy, commit; the tracer's lost counters and a
 *      refused record end a linear run with "tfull";
 *   4. a pass count reached, or a VM error, stops the run (tpasscount,
 *      terror); the probes are disarmed at the next debugger entry;
 *   5. with while-stepping, TF is set in the trap frame: each single-step
 *      trap of this CPU logs one more frame with the stepping actions
 *      (tp_step_trap), skipping the steps inside a probe's out-of-line
 *      slot, until the count is done.
 *
 * The scratch frame is per CPU; a hit that nests inside another on the
 * same CPU (an NMI probe hit during a collection) is dropped and counted.
 */
#include "tp.h"
#include "kstub.h"
#include "kstub_arch.h"
#include "kstub_port.h"
#include "../hooks/hook.h"
#include "../trace/ltt.h"
#include "../lib/string.h"
#include "../lib/fmt.h"

#define TP_CPUS 64

struct tp_cpu {
	u32 busy;
	struct arch_regs *regs;
	const struct hook_args *args;
	struct tp *t;
	u32 len;			/* blocks bytes used */
	int err;			/* AX_E_* of the collection */
	/* while-stepping */
	struct tp *step_tp;
	u64 step_left;
	u8 frame[TP_FRAME_HDR + TP_FRAME_MAX];
};

static struct tp_cpu tcpu[TP_CPUS];

/* Per-CPU counters: a hit adds to its own CPU's line only. */
static struct tp_count {
	u64 hits[TP_MAX];
	u64 usage[TP_MAX];
	u64 created, lost;
} counts[TP_CPUS] __attribute__((aligned(64)));

static struct tp_count *my_counts(void)
{
	return &counts[port_cpu_id() % TP_CPUS];
}

u64 tp_hits(const struct tp *t)
{
	u64 n = 0;
	for (unsigned c = 0; c < TP_CPUS; c++)
		n += counts[c].hits[t - tps.tps];
	return n;
}

u64 tp_usage(const struct tp *t)
{
	u64 n = 0;
	for (unsigned c = 0; c < TP_CPUS; c++)
		n += counts[c].usage[t - tps.tps];
	return n;
}

u64 tp_created(void)
{
	u64 n = 0;
	for (unsigned c = 0; c < TP_CPUS; c++)
		n += counts[c].created;
	return n;
}

u64 tp_lost(void)
{
	u64 n = 0;
	for (unsigned c = 0; c < TP_CPUS; c++)
		n += counts[c].lost;
	return n;
}

void tp_counters_reset(void)
{
	memset(counts, 0, sizeof(counts));
}

/* ---- the VM's environment ---- */

static int env_reg(void *arg, u32 n, u64 *val)
{
	struct tp_cpu *c = arg;
	if (!c->regs)
		return -1;
	return arch_frame_reg(c->regs, n, val);
}

static size_t env_mem(void *arg, u64 addr, void *dst, size_t n)
{
	(void)arg;
	return arch_mem_read(dst, addr, n);
}

int tp_tsv_get(u32 num, s64 *val)
{
	switch (num) {
	case TP_TSV_CPU_ID:
		*val = port_cpu_id();
		return 0;
	case TP_TSV_TIMESTAMP:
		*val = (s64)port_time_us();
		return 0;
	case TP_TSV_CURRENT: {
		/* The task name's first 8 bytes, as an integer that prints
		 * as text with `x/s &$current_task`... and compares. */
		char name[32];
		port_cpu_task(port_cpu_id(), name, sizeof(name));
		u64 v = 0;
		memcpy(&v, name, MIN(sizeof(v), kstr_nlen(name, sizeof(name))));
		*val = (s64)v;
		return 0;
	}
	}
	struct tp_var *v = tp_tsv_find(num);
	if (!v)
		return -1;
	*val = __atomic_load_n(&v->value, __ATOMIC_RELAXED);
	return 0;
}

static int env_getv(void *arg, u32 num, s64 *val)
{
	(void)arg;
	return tp_tsv_get(num, val);
}

static int env_setv(void *arg, u32 num, s64 val)
{
	(void)arg;
	struct tp_var *v = tp_tsv_find(num);
	if (!v)
		return -1;	/* built-ins are read-only */
	__atomic_store_n(&v->value, val, __ATOMIC_RELAXED);
	return 0;
}

static u8 *room(struct tp_cpu *c, u32 n)
{
	if (c->len + n > tps.frame_max)
		return 0;
	u8 *p = c->frame + TP_FRAME_HDR + c->len;
	c->len += n;
	return p;
}

/* An 'M' block of what can be read of [addr, addr + len): a fault ends
 * it early; nothing readable, no block (gdb then shows <unavailable>). */
static int add_mem(struct tp_cpu *c, u64 addr, u64 len, bool nz)
{
	while (len) {
		u32 k = (u32)MIN(len, 0xffffu);
		u8 *p = room(c, 11 + k);
		if (!p) {
			/* Keep what fits: a frame is better truncated than lost. */
			u32 left = tps.frame_max - c->len;
			if (left <= 11)
				return -1;
			k = left - 11;
			p = room(c, 11 + k);
		}
		u32 got = k - (u32)arch_mem_read(p + 11, addr, k);
		if (nz) {
			for (u32 i = 0; i < got; i++) {
				if (!p[11 + i]) {
					got = i + 1;
					len = got;	/* the NUL ends it */
					break;
				}
			}
		}
		c->len -= k - got;	/* give back what was not read */
		if (!got) {
			c->len -= 11;
			return 0;
		}
		p[0] = 'M';
		memcpy(p + 1, &addr, 8);
		u16 g16 = (u16)got;
		memcpy(p + 9, &g16, 2);
		if (got < k)
			return 0;
		addr += got;
		len -= got;
	}
	return 0;
}

static int env_trace(void *arg, u64 addr, u64 len, bool nz)
{
	return add_mem(arg, addr, len, nz);
}

static int add_tsv(struct tp_cpu *c, u32 num)
{
	s64 v;
	if (tp_tsv_get(num, &v))
		return 0;
	u8 *p = room(c, 13);
	if (!p)
		return -1;
	s32 n = (s32)num;
	p[0] = 'V';
	memcpy(p + 1, &n, 4);
	memcpy(p + 5, &v, 8);
	return 0;
}

static int env_trace_tsv(void *arg, u32 num)
{
	return add_tsv(arg, num);
}

/* gdb sends dprintf formats as typed: "\n" is two characters, which
 * gdbserver's printf turns into one; so do we. */
static void unescape(const char *in, char *out, size_t size)
{
	static const char from[] = "abfnrtv\\\"'", to[] = "\a\b\f\n\r\t\v\\\"'";
	size_t o = 0;
	for (; *in && o + 1 < size; in++) {
		if (*in == '\\' && in[1]) {
			const char *k = 0;
			for (size_t i = 0; from[i]; i++)
				if (from[i] == in[1])
					k = &to[i];
			if (k) {
				out[o++] = *k;
				in++;
				continue;
			}
		}
		out[o++] = *in;
	}
	out[o] = 0;
}

static int env_printf(void *arg, const char *fmt, const u64 *args, u32 nargs)
{
	char line[200], f[200];
	(void)arg;
	unescape(fmt, f, sizeof(f));
	if (ax_format(line, sizeof(line), f, args, nargs, env_mem, 0) < 0)
		return -1;
	size_t k = kstr_nlen(line, sizeof(line));
	if (k && line[k - 1] == '\n')
		line[k - 1] = 0;	/* port_log adds its own */
	port_log(line);
	return 0;
}

static struct ax_env make_env(struct tp_cpu *c)
{
	struct ax_env e = {
		.arg = c, .reg = env_reg, .mem_read = env_mem, .getv = env_getv,
		.setv = env_setv, .trace_mem = env_trace, .trace_tsv = env_trace_tsv,
		.printf = env_printf,
	};
	return e;
}

/* ---- evaluation without a frame ---- */

struct eval_ctx {
	struct arch_regs *regs;
};

static int eval_reg(void *arg, u32 n, u64 *val)
{
	struct eval_ctx *e = arg;
	return arch_frame_reg(e->regs, n, val);
}

int tp_eval(const u8 *code, u32 len, struct arch_regs *r, u64 *res)
{
	struct eval_ctx ctx = { .regs = r };
	struct ax_env env = {
		.arg = &ctx, .reg = eval_reg, .mem_read = env_mem, .getv = env_getv,
		.setv = env_setv, .printf = env_printf,
	};
	size_t at;
	return ax_run(code, len, &env, AX_BUDGET, res, &at);
}

/* ---- collection ---- */

/*
 * `teval $calls = $calls + 1` is getv, add, setv: on several CPUs at once
 * increments would be lost.  Expressions that set a TSV run under one
 * lock (owner = CPU + 1).  A CPU that finds it held by itself (an NMI hit
 * inside such an expression) or waits too long (the holder was stopped
 * by the debugger) runs without it.
 */
static u32 tsv_lock;

static bool tsv_lock_take(unsigned cpu)
{
	u32 me = cpu + 1;
	if (__atomic_load_n(&tsv_lock, __ATOMIC_RELAXED) == me)
		return false;
	for (u32 spins = 0; spins < 1000000; spins++) {
		u32 free = 0;
		if (__atomic_compare_exchange_n(&tsv_lock, &free, me, false,
						__ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
			return true;
#if defined(__x86_64__) || defined(__i386__)
		__builtin_ia32_pause();
#endif
	}
	return false;
}

static void tsv_lock_give(bool taken)
{
	if (taken)
		__atomic_store_n(&tsv_lock, 0, __ATOMIC_RELEASE);
}

static void vm_error(struct tp *t, const char *what, int err, size_t at)
{
	char why[96];
	kfmt_snprintf(why, sizeof(why), "tracepoint %u %s: %s at bytecode offset %lu",
		      t->num, what, ax_strerror(err), (unsigned long)at);
	tp_stop_run(TP_ERROR, t->num, why);
}

/* The trap frame as it is: one copy here, the 'g' layout only when gdb
 * reads the frame (tp_frame.c). */
static int add_regs(struct tp_cpu *c)
{
	size_t sz = arch_frame_size();
	if (!c->regs)
		return 0;
	u8 *p = room(c, 1 + (u32)sz);
	if (!p)
		return -1;
	p[0] = 'r';
	memcpy(p + 1, c->regs, sz);
	return 0;
}

static int run_actions(struct tp_cpu *c, struct tp *t, const struct tp_act *acts,
		       u8 n)
{
	bool regs_done = false;
	for (u8 i = 0; i < n; i++) {
		const struct tp_act *a = &acts[i];
		int r = 0;
		switch (a->kind) {
		case TP_ACT_R:
			if (!regs_done)
				r = add_regs(c);
			regs_done = true;
			break;
		case TP_ACT_M: {
			u64 base = 0;
			if (a->basereg != TP_BASEREG_NONE &&
			    (!c->regs || arch_frame_reg(c->regs, a->basereg, &base)))
				break;
			r = add_mem(c, base + a->offset, a->len, false);
			break;
		}
		case TP_ACT_X: {
			struct ax_env env = make_env(c);
			u64 res;
			size_t at = 0;
			bool locked = a->sets_tsv && tsv_lock_take(port_cpu_id());
			int e = ax_run(t->code + a->code, a->len, &env, AX_BUDGET, &res, &at);
			tsv_lock_give(locked);
			if (e == AX_E_TRACE) {
				r = -1;
			} else if (e) {
				vm_error(t, "action", e, at);
				return -2;
			}
			break;
		}
		case TP_ACT_L: {
			/* $_sdata: the static site's four arguments. */
			const struct hook_args *ha = c->args;
			u8 *p = ha && t->is_static ? room(c, 3 + sizeof(ha->a)) : 0;
			if (p) {
				u16 l = sizeof(ha->a);
				p[0] = 'S';
				memcpy(p + 1, &l, 2);
				memcpy(p + 3, ha->a, sizeof(ha->a));
			}
			break;
		}
		}
		if (r)
			c->err = AX_E_TRACE;	/* frame full: keep what fits */
	}
	return 0;
}

/* Log the scratch frame as one LTT record. */
/* The frame header (TP_FRAME_HDR bytes) for len bytes of blocks. */
static void put_frame_hdr(u8 *h, const struct tp *t, u64 pc, u32 len)
{
	u16 num = (u16)t->num, run = tps.run, blen = (u16)len;
	memcpy(h, &num, 2);
	memcpy(h + 2, &run, 2);
	memcpy(h + 4, &pc, 8);
	memcpy(h + 12, &blen, 2);
}

/* Reserve a frame's record; false (counted) when the buffer refuses. */
static bool reserve_frame(struct ltt_reserve *x, u32 len)
{
	x->id = (u32)tps.event_id;
	x->len = len;
	int r = ltt_reserve(x);
	if (!r)
		return true;
	my_counts()->lost++;
	/* Discard mode refuses a record when the buffer is full: that is the
	 * end of a linear run.  (-1: the tracer was stopped under us, by
	 * `ltt stop`.) */
	if (r == -2 && !tps.circular)
		tp_stop_run(TP_FULL, 0, 0);
	return false;
}

static void commit_frame(struct ltt_reserve *x, const struct tp *t)
{
	ltt_commit(x);
	struct tp_count *k = my_counts();
	k->created++;
	k->usage[t - tps.tps] += x->len;
}

static void log_frame(struct tp_cpu *c, struct tp *t, u64 pc)
{
	struct ltt_reserve x;
	put_frame_hdr(c->frame, t, pc, c->len);
	if (!reserve_frame(&x, TP_FRAME_HDR + c->len))
		return;
	memcpy(x.data, c->frame, x.len);
	commit_frame(&x, t);
}

/*
 * Frames whose size is known before collecting (only R and M actions,
 * t->direct_len bytes): written straight into the reserved record, one
 * copy instead of two.  A memory range that faults part way is cut and
 * the rest of its room filled with 'P' padding (skipped when read), so
 * the record keeps the size it was reserved with.
 */
static void put_pad(u8 *p, u32 n)
{
	while (n) {
		u16 k = (u16)MIN(n, 0xffffu);
		if (k < 3) {
			memset(p, 'p', k);	/* one-byte pads */
			return;
		}
		p[0] = 'P';
		u16 body = (u16)(k - 3);
		memcpy(p + 1, &body, 2);
		p += k;
		n -= k;
	}
}

static void log_direct(struct tp *t, struct arch_regs *r, u64 pc)
{
	u32 len = t->direct_len;
	struct ltt_reserve x;
	if (!reserve_frame(&x, len))
		return;
	u8 *h = x.data, *p = h + TP_FRAME_HDR, *end = h + len;
	put_frame_hdr(h, t, pc, len - TP_FRAME_HDR);
	/* The definition cannot change under us (the debugger refuses to while
	 * a hit is in flight), but the record is bounded anyway. */
	for (u8 i = 0; i < t->nact && i < TP_MAX_ACTS; i++) {
		const struct tp_act *a = &t->act[i];
		if (a->kind == TP_ACT_R) {
			size_t sz = arch_frame_size();
			if ((size_t)(end - p) < 1 + sz)
				break;
			p[0] = 'r';
			memcpy(p + 1, r, sz);
			p += 1 + sz;
			continue;
		}
		if (a->kind != TP_ACT_M || (size_t)(end - p) < 11u + a->len)
			break;
		u64 base = 0;
		u32 got = 0;
		if (a->basereg == TP_BASEREG_NONE || !arch_frame_reg(r, a->basereg, &base))
			got = a->len - (u32)arch_mem_read(p + 11, base + a->offset, a->len);
		if (got) {
			u64 addr = base + a->offset;
			u16 g16 = (u16)got;
			p[0] = 'M';
			memcpy(p + 1, &addr, 8);
			memcpy(p + 9, &g16, 2);
			put_pad(p + 11 + got, a->len - got);
		} else {
			put_pad(p, 11 + a->len);
		}
		p += 11 + a->len;
	}
	if (p < end)
		put_pad(p, (u32)(end - p));
	commit_frame(&x, t);
}

void tp_hit(const struct hook_args *args, void *data)
{
	struct tp *t = data;
	unsigned cpu = port_cpu_id();
	if (!__atomic_load_n(&tps.running, __ATOMIC_ACQUIRE) ||
	    !__atomic_load_n(&t->enabled, __ATOMIC_ACQUIRE) || cpu >= TP_CPUS)
		return;
	struct tp_cpu *c = &tcpu[cpu];
	/* Only this CPU (or an NMI on it) touches busy: no locked op. */
	if (c->busy) {
		my_counts()->lost++;
		return;
	}
	c->busy = 1;
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	c->regs = args->regs;
	c->args = args;
	c->t = t;
	c->len = 0;
	c->err = 0;
	if (t->cond_len) {
		struct ax_env env = make_env(c);
		u64 res = 0;
		size_t at = 0;
		int e = ax_run(t->code + t->cond, t->cond_len, &env, AX_BUDGET, &res, &at);
		if (e) {
			vm_error(t, "condition", e, at);
			goto out;
		}
		if (!res)
			goto out;
	}
	/* With a pass count, exactly `pass` hits are taken, even when CPUs
	 * hit at the same moment: each takes a number first. */
	u64 nth = t->pass ? __atomic_add_fetch(&t->pass_hits, 1, __ATOMIC_RELAXED) : 0;
	if (t->pass && nth > t->pass)
		goto out;
	my_counts()->hits[t - tps.tps]++;
	/* Frames carry gdb's address (tfind pc), also when the probe went
	 * past a kernel-patched NOP (port_bp_skip). */
	u64 pc = t->is_static ? args->addr : t->addr;
	if (t->direct)
		log_direct(t, args->regs, pc);
	else if (run_actions(c, t, t->act, t->nact) == 0)
		log_frame(c, t, pc);
	if (t->pass && nth == t->pass)
		tp_stop_run(TP_PASSCOUNT, t->num, 0);
	/* Not while gdb itself steps through the probe (TF already set). */
	if (t->step && c->regs && !c->step_tp && !(arch_frame_tf(c->regs))) {
		c->step_tp = t;
		c->step_left = t->step;
		arch_set_step(c->regs, true);
	}
out:
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	c->busy = 0;
}

bool tp_hit_in_flight(void)
{
	for (unsigned i = 0; i < TP_CPUS; i++)
		if (__atomic_load_n(&tcpu[i].busy, __ATOMIC_ACQUIRE))
			return true;
	return false;
}

void tp_step_reset(void)
{
	for (unsigned i = 0; i < TP_CPUS; i++)
		tcpu[i].step_tp = 0;
}

bool tp_step_any(void)
{
	for (unsigned i = 0; i < TP_CPUS; i++)
		if (__atomic_load_n(&tcpu[i].step_tp, __ATOMIC_ACQUIRE))
			return true;
	return false;
}

bool tp_step_active(unsigned cpu)
{
	return cpu < TP_CPUS && tcpu[cpu].step_tp;
}

void tp_step_cancel(unsigned cpu)
{
	if (cpu < TP_CPUS)
		tcpu[cpu].step_tp = 0;
}

bool tp_step_trap(struct arch_regs *r)
{
	unsigned cpu = port_cpu_id();
	if (cpu >= TP_CPUS)
		return false;
	struct tp_cpu *c = &tcpu[cpu];
	struct tp *t = c->step_tp;
	if (!t)
		return false;
	u64 pc = arch_regs_pc(r);
	if (arch_in_probe_slot(pc))
		return true;	/* still inside the displaced copy: keep TF */
	/* The hit that reached the pass count still gets its steps. */
	bool go = tps.running || (tps.stop_reason == TP_PASSCOUNT && tps.stop_tp == t->num);
	if (!go || c->busy) {
		c->step_tp = 0;
		arch_set_step(r, false);
		return true;
	}
	c->busy = 1;
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	c->regs = r;
	c->args = 0;
	c->len = 0;
	c->err = 0;
	/* The frame shows the flags as the code has them, without our TF. */
	arch_set_step(r, false);
	if (run_actions(c, t, t->sact, t->nsact) == 0)
		log_frame(c, t, pc);
	if (--c->step_left == 0)
		c->step_tp = 0;
	else
		arch_set_step(r, true);
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	c->busy = 0;
	return true;
}
