/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
/*
 * GDB tracepoint packets (GDB manual, "Tracepoint Packets"): definitions,
 * trace state variables, the run (start/stop/status), uploads to a gdb
 * that reconnects.  Runs on the debugger master with every other CPU
 * parked; the hit path is tp_collect.c, the frames tp_frame.c.
 *
 * Errors: a packet that does not parse gets "E.malformed <packet> packet
 * (<field>)", the verbose form the manual allows.  One that asks for
 * something impossible gets E02 after a console line (an O packet, which
 * gdb's reader of these replies prints) saying why: gdb itself would only
 * say "Target returns error code '02'".  Not E1n: gdb reads those as
 * "error in outgoing packet at field #n".
 */
#include "tp.h"
#include "kstub_internal.h"
#include "kstub_port.h"
#include "rsp_parse.h"
#include "../hooks/hook.h"
#include "../trace/ltt.h"
#include "../lib/string.h"
#include "../lib/fmt.h"

struct tp_state tps;

#define TP_SET "gdb_tracepoints"
#define EXIT_PRIO 50	/* after the LTT site exits (they log first) */

/* Built-in trace state variables, offered to gdb by name: gdb sees them
 * as TSVs it did not define (qTfV) and can read them with `print`. */
static const struct { u32 num; const char *name; } builtin_tsv[] = {
	{ TP_TSV_CPU_ID, "cpu_id" },
	{ TP_TSV_TIMESTAMP, "timestamp" },
	{ TP_TSV_CURRENT, "current_task" },
};

const char tp_features[] =
	";ConditionalTracepoints+;TracepointSource+;DisconnectedTracing+"
	";StaticTracepoints+;InstallInTrace+;EnableDisableTracepoints+"
	";QTBuffer:size+;tracenz+;qXfer:traceframe-info:read+"
	";qXfer:statictrace:read+;ConditionalBreakpoints+;BreakpointCommands+"
	";FastTracepoints+";

/* ---- replies ---- */

static void fail(const char *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void fail(const char *err, const char *fmt, ...)
{
	char line[200];
	va_list ap;
	va_start(ap, fmt);
	size_t k = kfmt_vsnprintf(line, sizeof(line) - 1, fmt, ap);
	va_end(ap);
	if (k > sizeof(line) - 2)
		k = sizeof(line) - 2;
	line[k++] = '\n';
	line[k] = 0;
	rsp_console(line);
	rsp_reply_str(err);
}

static void malformed(const char *pkt, size_t n, const char *field)
{
	char name[16], reply[64];
	size_t k = 0;
	while (k < n && k < sizeof(name) - 1 && pkt[k] != ':')
		name[k] = pkt[k], k++;
	name[k] = 0;
	k = kfmt_snprintf(reply, sizeof(reply), "E.malformed %s packet (%s)", name,
			  field ? field : "syntax");
	rsp_reply(reply, MIN(k, sizeof(reply) - 1));
}

static void ok(void)
{
	rsp_reply_str("OK");
}

/* ---- lookup ---- */

struct tp *tp_find(u32 num, u64 addr)
{
	for (int i = 0; i < TP_MAX; i++)
		if (tps.tps[i].used && tps.tps[i].num == num && tps.tps[i].addr == addr)
			return &tps.tps[i];
	return 0;
}

static struct tp *find_num(u32 num)
{
	for (int i = 0; i < TP_MAX; i++)
		if (tps.tps[i].used && tps.tps[i].num == num)
			return &tps.tps[i];
	return 0;
}

struct tp_var *tp_tsv_find(u32 num)
{
	for (int i = 0; i < TP_MAX_TSV; i++)
		if (tps.tsv[i].used && tps.tsv[i].num == num)
			return &tps.tsv[i];
	return 0;
}

static bool tsv_known(u32 num, void *arg)
{
	(void)arg;
	for (size_t i = 0; i < ARRAY_SIZE(builtin_tsv); i++)
		if (builtin_tsv[i].num == num)
			return true;
	return tp_tsv_find(num) != 0;
}

/* ---- probes ---- */

/* The hook a tracepoint's exit hangs on: its own probe, or for a static
 * tracepoint the LTT site at that address. */
static int site_hook(u64 addr, char *name, size_t size);

static void uninstall(struct tp *t)
{
	if (!t->installed)
		return;
	hook_exit_unregister(t->hook, tp_hit, t);
	if (!t->is_static) {
		/* Other tracepoints may share the probe: the last one out
		 * removes it. */
		bool shared = false;
		for (int i = 0; i < TP_MAX; i++) {
			struct tp *o = &tps.tps[i];
			if (o != t && o->used && o->installed && !strcmp(o->hook, t->hook))
				shared = true;
		}
		if (!shared) {
			hook_disarm(t->hook);
			hook_undeclare(t->hook);
		}
	}
	t->installed = false;
}

static int install(struct tp *t)
{
	const char *why = 0;
	int r;
	if (t->is_static) {
		r = site_hook(t->addr, t->hook, sizeof(t->hook));
		if (r) {
			fail("E02", "kstub: tracepoint %u: no static tracepoint marker at 0x%lx",
			     t->num, t->addr);
			return -1;
		}
	} else {
		kfmt_snprintf(t->hook, sizeof(t->hook), "gdb_tp_%lx", t->addr);
		/* Past an instruction the kernel rewrites itself (Linux's
		 * ftrace NOP): the probe goes on the next one. */
		u64 at = t->addr + port_bp_skip(t->addr);
		r = t->fast ? hook_declare_jump(t->hook, at, &why) :
			      hook_declare_at(t->hook, at, &why);
		if (r == 0 && t->fast && why) {
			/* Still traced, by an int3 probe: say why it is slower. */
			char line[160];
			kfmt_snprintf(line, sizeof(line), "kstub: fast tracepoint %u at 0x%lx is "
				      "not jump-optimized (%s): it traps instead\n",
				      t->num, t->addr, why);
			rsp_console(line);
		}
		if (r == HOOK_EEXIST) {
			/* Ours (another tracepoint at this address) or someone
			 * else's probe, which we may not take over. */
			bool ours = false;
			for (int i = 0; i < TP_MAX; i++)
				if (tps.tps[i].used && tps.tps[i].installed &&
				    !strcmp(tps.tps[i].hook, t->hook))
					ours = true;
			if (!ours) {
				fail("E02", "kstub: tracepoint %u at 0x%lx: another probe "
				     "is there (monitor hooks)", t->num, t->addr);
				return -1;
			}
		} else if (r) {
			fail("E02", "kstub: tracepoint %u at 0x%lx refused: %s", t->num,
			     t->addr, why ? why : hook_strerror(r));
			return -1;
		}
	}
	char ename[24];
	kfmt_snprintf(ename, sizeof(ename), "gdb tp %u", t->num);
	bool created = !t->is_static && r == 0;
	r = hook_exit_register(t->hook, EXIT_PRIO, tp_hit, t, ename);
	if (r) {
		if (created)	/* not a probe other tracepoints share */
			hook_undeclare(t->hook);
		fail("E02", "kstub: tracepoint %u: cannot attach to %s: %s", t->num,
		     t->hook, hook_strerror(r));
		return -1;
	}
	t->installed = true;
	return 0;
}

/* Arm or disarm every installed tracepoint's hook.  Probes arm on their
 * own; LTT sites go through a set so that the tracer's own arming of
 * the same site is left alone. */
static int arm_all(bool on)
{
	const char *sites[TP_MAX];
	size_t ns = 0;
	int err = 0;
	for (int i = 0; i < TP_MAX; i++) {
		struct tp *t = &tps.tps[i];
		/* Disarm every probe we hold, defined now or kept for reuse. */
		if (!t->installed || (on && !t->used))
			continue;
		if (t->is_static) {
			bool dup = false;
			for (size_t k = 0; k < ns; k++)
				dup |= !strcmp(sites[k], t->hook);
			if (!dup)
				sites[ns++] = t->hook;
			continue;
		}
		int r = on ? hook_arm(t->hook) : hook_disarm(t->hook);
		if (r && !err)
			err = r;
	}
	if (on) {
		int r = hook_set_define(TP_SET, sites, ns);
		if (!r && ns)
			r = hook_set_arm(TP_SET);
		if (r && !err)
			err = r;
	} else {
		hook_set_disarm(TP_SET);
		hook_set_define(TP_SET, 0, 0);
	}
	tps.armed = on && !err;
	return err;
}

/* ---- the run ---- */

void tp_stop_run(int reason, u32 tp, const char *why)
{
	/* First stop wins: a hit that fails while another CPU fills the
	 * buffer must not overwrite the reason gdb will show. */
	if (!__atomic_exchange_n(&tps.running, false, __ATOMIC_ACQ_REL))
		return;
	tps.stop_reason = reason;
	tps.stop_tp = tp;
	if (why)
		kstr_copy(tps.error, why, sizeof(tps.error));
	tps.stop_us = port_time_us();
}

/* The probes of a stopped run are disarmed at the next debugger entry:
 * a CPU that stops the run (pass count, full buffer) cannot patch text.
 * The buffer stays open while the hit that reached the pass count is
 * still stepping (its while-stepping frames go on, across stops). */
static void finish_stopped_run(void)
{
	if (tps.running)
		return;
	if (tps.armed)
		arm_all(false);
	if (tps.started_ltt && !(tps.stop_reason == TP_PASSCOUNT && tp_step_any())) {
		ltt_stop();
		tps.started_ltt = false;
	}
}

void tp_session_begin(void)
{
	finish_stopped_run();
	tp_frame_invalidate();
}

/* Definitions change only when no CPU is parked inside a hit (it would
 * go on with the new actions in a record reserved for the old ones). */
static bool busy_refused(void)
{
	if (!tp_hit_in_flight())
		return false;
	fail("E02", "kstub: a CPU was stopped inside a tracepoint hit; continue "
	     "briefly and retry");
	return true;
}

void tp_detach(void)
{
	tp_frame_select(-1, 0);
	if (tps.running && !tps.disconnected) {
		tp_stop_run(TP_DISCONNECTED, 0, 0);
		finish_stopped_run();
	}
}

/* ---- QTinit, QTDP, QTDPsrc, QTDV ---- */

/*
 * gdb sends QTinit and every definition again at each tstart.  The probes
 * of the old definitions stay declared (disarmed, their exit idle) so
 * that the same address defined again reuses them: with the kernel
 * stopped the hook layer cannot free anything (hook_reclaim runs while
 * the kernel does), and tstart, tstop, tstart... would run its pools dry.
 * A slot whose probe is not wanted again is uninstalled when reused.
 */
static void remove_all(void)
{
	for (int i = 0; i < TP_MAX; i++) {
		__atomic_store_n(&tps.tps[i].enabled, false, __ATOMIC_RELEASE);
		tps.tps[i].used = false;
	}
	for (int i = 0; i < TP_MAX_TSV; i++)
		tps.tsv[i].used = false;
	tps.ro_n = 0;
}

/* Between QTinit and QTStart gdb downloads the definitions (see
 * q_tstm). */
static bool stm_downloading;

static void q_init(char *pkt, size_t n)
{
	(void)pkt;
	(void)n;
	if (busy_refused())
		return;
	if (tps.running) {
		tp_stop_run(TP_STOPPED, 0, 0);
		finish_stopped_run();
	}
	remove_all();
	tp_frame_select(-1, 0);
	stm_downloading = true;
	ok();
}

/* Bytecode from hex into the tracepoint's code store, verified. */
static int add_code(struct tp *t, const char *hex, u32 len, bool condition,
		    const char *what, bool *sets_tsv)
{
	if (len == 0 || len > AX_MAX_LEN || t->code_used + len > TP_CODE_MAX) {
		fail("E02", "kstub: tracepoint %u: %s of %u bytes does not fit (at most %u, "
		     "%u left)", t->num, what, len, AX_MAX_LEN, TP_CODE_MAX - t->code_used);
		return -1;
	}
	u8 *code = t->code + t->code_used;
	if (rsp_hex_decode(hex, len, code)) {
		fail("E02", "kstub: tracepoint %u: %s is not hex", t->num, what);
		return -1;
	}
	struct ax_info info;
	size_t at = 0;
	/* TSVs come after the tracepoints (QTDV follows QTDP): they are
	 * checked at QTStart. */
	int r = ax_verify(code, len, arch_gdb_nregs(), 0, 0, &info, &at);
	if (!r && (condition ? (info.collects || info.prints) : info.prints))
		r = AX_E_OPCODE;	/* conditions compute; printf is for dprintf */
	if (r) {
		fail("E02", "kstub: tracepoint %u: %s rejected: %s at byte %lu", t->num,
		     what, ax_strerror(r), (unsigned long)at);
		return -1;
	}
	int off = t->code_used;
	t->code_used = (u16)(t->code_used + len);
	if (sets_tsv)
		*sets_tsv = info.sets_tsv;
	return off;
}

/* Keep gdb's action text as sent, for uploads (qTfP A/S pieces). */
static void keep_text(struct tp *t, bool stepping, const char *s, size_t len)
{
	if (t->text_used + len + 2 > sizeof(t->text))
		return;
	t->text[t->text_used++] = stepping ? 'S' : 'A';
	memcpy(t->text + t->text_used, s, len);
	t->text_used = (u16)(t->text_used + len);
	t->text[t->text_used++] = 0;
}

static int add_actions(struct tp *t, const char *s, size_t len, bool stepping)
{
	const char *p = s, *end = s + len;
	while (p < end) {
		const char *start = p, *field = 0;
		struct tp_action a;
		if (tp_parse_action(&p, end, &a, &field)) {
			fail("E02", "kstub: tracepoint %u: malformed action at '%.20s'",
			     t->num, start);
			return -1;
		}
		u8 *cnt = stepping ? &t->nsact : &t->nact;
		struct tp_act *list = stepping ? t->sact : t->act;
		if (*cnt >= TP_MAX_ACTS) {
			fail("E02", "kstub: tracepoint %u: more than %u actions", t->num,
			     TP_MAX_ACTS);
			return -1;
		}
		struct tp_act *x = &list[*cnt];
		memset(x, 0, sizeof(*x));
		x->kind = a.kind;
		switch (a.kind) {
		case TP_ACT_R:
			memcpy(x->rmask, a.rmask, sizeof(x->rmask));
			break;
		case TP_ACT_M:
			if (a.len > TP_FRAME_MAX) {
				fail("E02", "kstub: tracepoint %u: collecting %u bytes at once "
				     "(a frame holds %u)", t->num, a.len, TP_FRAME_MAX);
				return -1;
			}
			if (a.basereg != TP_BASEREG_NONE && a.basereg >= arch_gdb_nregs()) {
				fail("E02", "kstub: tracepoint %u: no register %u", t->num,
				     a.basereg);
				return -1;
			}
			x->basereg = a.basereg;
			x->offset = a.offset;
			x->len = a.len;
			break;
		case TP_ACT_X: {
			int off = add_code(t, a.hex, a.len, false, "expression", &x->sets_tsv);
			if (off < 0)
				return -1;
			x->code = (u16)off;
			x->len = a.len;
			break;
		}
		case TP_ACT_L:
			break;
		default:
			fail("E02", "kstub: tracepoint %u: unknown action '%c'", t->num, a.kind);
			return -1;
		}
		(*cnt)++;
		keep_text(t, stepping, start, (size_t)(p - start));
	}
	return 0;
}

static void reset_def(struct tp *t)
{
	t->nact = t->nsact = 0;
	t->code_used = 0;
	t->cond_len = 0;
	t->text_used = 0;
	t->nsrc = 0;
	t->src_used = 0;
	t->stepping_list = false;
}

static void q_tdp(char *pkt, size_t n)
{
	const char *field = 0;
	if (busy_refused())
		return;
	if (n > 5 && pkt[5] == '-') {
		struct tp_qtdp_more m;
		if (tp_parse_qtdp_more(pkt, n, &m, &field))
			return malformed(pkt, n, field);
		struct tp *t = tp_find(m.num, m.addr);
		if (!t) {
			fail("E02", "kstub: actions for tracepoint %u at 0x%lx, which is "
			     "not defined", m.num, m.addr);
			return;
		}
		/* A stepping list starts with S; every later packet of it too
		 * holds stepping actions (even after an empty first chunk). */
		if (m.stepping)
			t->stepping_list = true;
		if (add_actions(t, m.actions, m.actions_len, t->stepping_list)) {
			t->used = false;	/* half a definition is none */
			uninstall(t);
			return;
		}
		t->defining = m.more;
		tp_plan(t);
		ok();
		return;
	}
	struct tp_qtdp d;
	if (tp_parse_qtdp(pkt, n, &d, &field))
		return malformed(pkt, n, field);
	if (d.fast && d.step) {
		/* The detour runs the displaced instructions as a block: no
		 * single-step from the probe. */
		fail("E02", "kstub: tracepoint %u: while-stepping needs a regular "
		     "tracepoint (trace, not ftrace)", d.num);
		return;
	}
	if (d.num == 0 || d.num > 0xffff) {
		fail("E02", "kstub: tracepoint number %u out of range", d.num);
		return;
	}
	struct tp *t = find_num(d.num);
	if (t && (t->addr != d.addr || t->is_static != d.is_static || t->fast != d.fast)) {
		uninstall(t);	/* same number, new place: a new tracepoint */
		t->used = false;
		t = 0;
	}
	bool fresh = !t;
	if (!t) {
		/* A free slot whose probe is already at this address first,
		 * then one with no probe, then any free one. */
		for (int i = 0; i < TP_MAX && !t; i++) {
			struct tp *o = &tps.tps[i];
			if (!o->used && o->installed && o->addr == d.addr &&
			    o->is_static == d.is_static)
				t = o;
		}
		for (int i = 0; i < TP_MAX && !t; i++)
			if (!tps.tps[i].used && !tps.tps[i].installed)
				t = &tps.tps[i];
		for (int i = 0; i < TP_MAX && !t; i++)
			if (!tps.tps[i].used)
				t = &tps.tps[i];
		if (!t) {
			fail("E02", "kstub: no room for tracepoint %u (%u defined)", d.num, TP_MAX);
			return;
		}
		if (t->installed && (t->addr != d.addr || t->is_static != d.is_static ||
				     t->fast != d.fast))
			uninstall(t);
		bool keep = t->installed;
		char hook[sizeof(t->hook)];
		memcpy(hook, t->hook, sizeof(hook));
		memset(t, 0, sizeof(*t));
		t->installed = keep;
		memcpy(t->hook, hook, sizeof(hook));
	}
	/* gdb sends the whole definition again after a symbol reload: the
	 * same tracepoint, defined anew (its hits stay). */
	reset_def(t);
	t->num = d.num;
	t->addr = d.addr;
	t->step = d.step;
	t->pass = d.pass;
	t->is_static = d.is_static;
	t->fast = d.fast;
	t->fast_len = d.fast_len;
	if (d.cond) {
		int off = add_code(t, d.cond, d.cond_len, true, "condition", 0);
		if (off < 0) {
			/* No half definitions: a refused redefinition removes
			 * the tracepoint, as a refused new one installs none. */
			if (!fresh)
				uninstall(t);
			t->used = false;
			return;
		}
		t->cond = (u16)off;
		t->cond_len = (u16)d.cond_len;
	}
	t->defining = d.more;
	if (!t->installed && install(t)) {
		t->used = false;
		return;
	}
	t->used = true;
	tp_plan(t);
	__atomic_store_n(&t->enabled, d.enabled, __ATOMIC_RELEASE);
	/* Installed while a trace runs (InstallInTrace): arm it now. */
	if (tps.running && !t->is_static && hook_arm(t->hook))
		port_log("kstub: arming a tracepoint during a run failed");
	ok();
}

static void q_tdpsrc(char *pkt, size_t n)
{
	const char *field = 0;
	struct tp_src s;
	if (tp_parse_qtdpsrc(pkt, n, &s, &field))
		return malformed(pkt, n, field);
	struct tp *t = tp_find(s.num, s.addr);
	if (!t) {
		fail("E02", "kstub: source for tracepoint %u, which is not defined", s.num);
		return;
	}
	u8 type = s.type_len == 2 && !memcmp(s.type, "at", 2) ? 0 :
		  s.type_len == 4 && !memcmp(s.type, "cond", 4) ? 1 : 2;
	size_t len = s.hex_len / 2;
	/* A piece that continues the previous one (start > 0) extends it. */
	struct tp_srcpiece *pc = 0;
	if (s.start && t->nsrc && t->srcs[t->nsrc - 1].type == type &&
	    t->srcs[t->nsrc - 1].len == s.start)
		pc = &t->srcs[t->nsrc - 1];
	if ((!pc && t->nsrc >= ARRAY_SIZE(t->srcs)) || t->src_used + len > TP_SRC_MAX) {
		/* gdb only warns; the tracepoint works without its source. */
		fail("E02", "kstub: tracepoint %u: source text does not fit", t->num);
		return;
	}
	if (rsp_hex_decode(s.hex, len, (u8 *)t->src + t->src_used))
		return malformed(pkt, n, "source");
	if (!pc) {
		pc = &t->srcs[t->nsrc++];
		pc->off = t->src_used;
		pc->len = 0;
		pc->type = type;
	}
	pc->len = (u16)(pc->len + len);
	t->src_used = (u16)(t->src_used + len);
	ok();
}

static void q_tdv(char *pkt, size_t n)
{
	const char *field = 0;
	struct tp_tsv v;
	if (tp_parse_qtdv(pkt, n, &v, &field))
		return malformed(pkt, n, field);
	for (size_t i = 0; i < ARRAY_SIZE(builtin_tsv); i++) {
		if (builtin_tsv[i].num == v.num) {
			ok();	/* gdb hands our own built-ins back: keep them */
			return;
		}
	}
	struct tp_var *x = tp_tsv_find(v.num);
	for (int i = 0; i < TP_MAX_TSV && !x; i++)
		if (!tps.tsv[i].used)
			x = &tps.tsv[i];
	if (!x) {
		fail("E02", "kstub: no room for trace state variable %u", v.num);
		return;
	}
	size_t nl = MIN(v.name_hex_len / 2, sizeof(x->name) - 1);
	memset(x->name, 0, sizeof(x->name));
	if (rsp_hex_decode(v.name_hex, nl, (u8 *)x->name))
		return malformed(pkt, n, "name");
	x->num = v.num;
	x->init = v.init;
	x->builtin = v.builtin;
	x->value = v.init;
	x->used = true;
	ok();
}

void tp_plan(struct tp *t)
{
	u32 len = TP_FRAME_HDR;
	bool regs = false;
	t->direct = false;
	if (t->is_static)
		return;		/* no trap frame at an LTT site */
	for (int i = 0; i < t->nact; i++) {
		const struct tp_act *a = &t->act[i];
		if (a->kind == TP_ACT_R) {
			if (regs)
				return;
			regs = true;
			len += 1 + (u32)arch_frame_size();
		} else if (a->kind == TP_ACT_M && a->len <= 0xffff) {
			len += 11 + a->len;
		} else {
			return;
		}
	}
	if (len > TP_FRAME_HDR + tps.frame_max)
		return;
	t->direct_len = len;
	t->direct = true;
}

/* ---- run options ---- */

static int add_ro(u64 start, u64 end, void *arg)
{
	(void)arg;
	if (tps.ro_n < ARRAY_SIZE(tps.ro)) {
		tps.ro[tps.ro_n].start = start;
		tps.ro[tps.ro_n].end = end;
		tps.ro_n++;
	}
	return 0;
}

static void q_tro(char *pkt, size_t n)
{
	tps.ro_n = 0;
	if (tp_parse_qtro(pkt, n, add_ro, 0) < 0)
		return malformed(pkt, n, "range");
	ok();
}

static void q_tdisconnected(char *pkt, size_t n)
{
	bool on;
	if (tp_parse_qtdisconnected(pkt, n, &on))
		return malformed(pkt, n, 0);
	tps.disconnected = on;
	ok();
}

static s64 buf_request = -1;	/* QTBuffer:size, -1 = as configured */

static void q_tbuffer(char *pkt, size_t n)
{
	struct tp_qtbuffer b;
	if (tp_parse_qtbuffer(pkt, n, &b))
		return malformed(pkt, n, 0);
	if (!b.is_size) {
		if (tps.running && b.circular != tps.circular) {
			fail("E02", "kstub: the buffer mode cannot change while a trace runs");
			return;
		}
		tps.circular = b.circular;
		ok();
		return;
	}
	struct ltt_area *a = ltt_get_area();
	if (tps.running) {
		fail("E02", "kstub: the trace buffer cannot be resized while a trace runs");
		return;
	}
	if (a && b.size > 0 && (u64)b.size > a->data_stride * a->ncpus) {
		fail("E02", "kstub: trace buffer of %ld bytes asked; %lu are reserved "
		     "(%u CPUs x %lu, boot option ltt.size=)", (long)b.size,
		     a->data_stride * a->ncpus, a->ncpus, a->data_stride);
		return;
	}
	buf_request = b.size;
	ok();
}

static void put_hexstr(const char *hex, size_t hlen, char *dst, size_t size)
{
	size_t k = MIN(hlen / 2, size - 1);
	memset(dst, 0, size);
	if (rsp_hex_decode(hex, k, (u8 *)dst))
		dst[0] = 0;
}

static void q_tnotes(char *pkt, size_t n)
{
	struct tp_qtnotes t;
	if (tp_parse_qtnotes(pkt, n, &t))
		return malformed(pkt, n, 0);
	if (t.has_user)
		put_hexstr(t.user, t.user_len, tps.user, sizeof(tps.user));
	if (t.has_notes)
		put_hexstr(t.notes, t.notes_len, tps.notes, sizeof(tps.notes));
	if (t.has_tstop)
		put_hexstr(t.tstop, t.tstop_len, tps.stop_note, sizeof(tps.stop_note));
	ok();
}

/* The geometry a run asks for: sub-buffers of the configured size, as
 * many as the requested total allows per CPU (at least 2). */
static int set_geometry(struct ltt_area *a)
{
	u32 size = a->subbuf_size, nsb = a->n_subbufs;
	if (buf_request > 0) {
		u64 per_cpu = (u64)buf_request / a->ncpus;
		while (size > LTT_MIN_SUBBUF && per_cpu / size < 2)
			size /= 2;
		nsb = (u32)MIN(per_cpu / size, LTT_MAX_SUBBUF);
		if (nsb < 2)
			nsb = 2;
		while ((u64)size * nsb > a->data_stride && nsb > 2)
			nsb--;
	} else if (buf_request < 0) {
		nsb = (u32)MIN(a->data_stride / size, LTT_MAX_SUBBUF);
	}
	return ltt_set_geometry(size, nsb, tps.circular ? LTT_OVERWRITE : LTT_DISCARD);
}

/* Every expression names TSVs that exist, now that all are defined. */
static int check_tsvs(void)
{
	for (int i = 0; i < TP_MAX; i++) {
		struct tp *t = &tps.tps[i];
		if (!t->used)
			continue;
		for (int l = 0; l < 2; l++) {
			const struct tp_act *acts = l ? t->sact : t->act;
			for (int j = 0; j < (l ? t->nsact : t->nact); j++) {
				struct ax_info info;
				size_t at = 0;
				if (acts[j].kind != TP_ACT_X)
					continue;
				int r = ax_verify(t->code + acts[j].code, acts[j].len,
						  arch_gdb_nregs(), tsv_known, 0, &info, &at);
				if (r) {
					fail("E02", "kstub: tracepoint %u: expression rejected: "
					     "%s at byte %lu", t->num, ax_strerror(r),
					     (unsigned long)at);
					return -1;
				}
			}
		}
		if (t->cond_len) {
			struct ax_info info;
			size_t at = 0;
			int r = ax_verify(t->code + t->cond, t->cond_len, arch_gdb_nregs(),
					  tsv_known, 0, &info, &at);
			if (r) {
				fail("E02", "kstub: tracepoint %u: condition rejected: %s at "
				     "byte %lu", t->num, ax_strerror(r), (unsigned long)at);
				return -1;
			}
		}
	}
	return 0;
}

static void q_tstart(char *pkt, size_t n)
{
	(void)pkt;
	(void)n;
	stm_downloading = false;
	struct ltt_area *a = ltt_get_area();
	if (tps.running) {
		fail("E02", "kstub: a trace is already running");
		return;
	}
	tp_step_reset();
	if (!a) {
		fail("E02", "kstub: this kernel has no LTT trace buffer to record into");
		return;
	}
	if (tps.event_id <= 0) {
		tps.event_id = ltt_event_declare("gdb_traceframe",
						 "u16 tp, u16 run, x64 pc, bytes blocks");
		if (tps.event_id < 0) {
			fail("E02", "kstub: cannot declare the traceframe event (%d): "
			     "trace registry full or busy", tps.event_id);
			return;
		}
	}
	if (check_tsvs())
		return;
	finish_stopped_run();
	/* A new run starts on an empty buffer, as gdbserver's does: stop
	 * the tracer, set the mode gdb asked for, clear. */
	bool was_on = ltt_is_active() && ltt_static_active();
	ltt_stop();
	int r = set_geometry(a);
	if (r == -1 && was_on) {
		/* The flight recorder runs and a CPU was stopped inside one
		 * of its records: the buffer cannot be emptied now.  Keep it
		 * (and its history) as it is; this run's frames are told
		 * apart by their run number. */
		rsp_console("kstub: a CPU is stopped inside a trace record: the "
			    "buffer keeps its size, mode and contents for this run\n");
		r = 0;
	}
	if (r) {
		if (was_on)
			ltt_start();
		fail("E02", "kstub: cannot set up the trace buffer (%s)",
		     r == -1 ? "a CPU stopped inside a trace record: continue and retry"
			     : "bad size");
		return;
	}
	ltt_event_set_enabled((u32)tps.event_id, true);
	/* A record never spans packets: a frame fits in one sub-buffer. */
	tps.frame_max = MIN(TP_FRAME_MAX, a->subbuf_size - LTT_PKT_HDR - LTT_REC_HDR -
				       TP_FRAME_HDR);
	for (int i = 0; i < TP_MAX; i++)
		if (tps.tps[i].used)
			tp_plan(&tps.tps[i]);
	for (int i = 0; i < TP_MAX; i++)
		tps.tps[i].pass_hits = 0;
	tp_counters_reset();
	for (int i = 0; i < TP_MAX_TSV; i++)
		tps.tsv[i].value = tps.tsv[i].init;
	tp_frame_select(-1, 0);
	tp_frame_invalidate();
	tps.run++;
	tps.stop_reason = TP_NOTRUN;
	tps.error[0] = 0;
	tps.stop_note[0] = 0;
	tps.start_us = port_time_us();
	tps.stop_us = 0;
	r = arm_all(true);
	if (r) {
		arm_all(false);
		if (was_on)
			ltt_start();
		fail("E02", "kstub: arming the tracepoints failed: %s", hook_strerror(r));
		return;
	}
	/* With the tracer off, only the frames are recorded; with it on,
	 * the static events share the timeline. */
	if (was_on) {
		ltt_start();
	} else {
		ltt_start_dynamic();
		tps.started_ltt = true;
	}
	__atomic_store_n(&tps.running, true, __ATOMIC_RELEASE);
	ok();
}

static void q_tstop(char *pkt, size_t n)
{
	(void)pkt;
	(void)n;
	tp_stop_run(TP_STOPPED, 0, 0);
	finish_stopped_run();
	ok();
}

static void q_tenable(char *pkt, size_t n)
{
	bool on = pkt[2] == 'E';
	u32 num;
	u64 addr;
	if (tp_parse_num_addr(pkt, n, on ? "QTEnable:" : "QTDisable:", &num, &addr))
		return malformed(pkt, n, 0);
	struct tp *t = tp_find(num, addr);
	if (!t) {
		fail("E01", "kstub: no tracepoint %u at 0x%lx", num, addr);
		return;
	}
	__atomic_store_n(&t->enabled, on, __ATOMIC_RELEASE);
	ok();
}

/* ---- status ---- */

static size_t hexstr(char *out, size_t size, const char *s)
{
	size_t k = strlen(s), o = 0;
	for (size_t i = 0; i < k && o + 2 < size; i++, o += 2)
		rsp_hex_encode((const u8 *)&s[i], 1, out + o);
	return o;
}

static void q_tstatus(char *pkt, size_t n)
{
	(void)pkt;
	(void)n;
	char *o = ks.out;
	size_t cap = RSP_PACKET_MAX, k;
	char hx[200];
	k = kfmt_snprintf(o, cap, "T%d;", tps.running ? 1 : 0);
	switch (tps.running ? TP_NOTRUN : tps.stop_reason) {
	case TP_STOPPED:
		/* Without a note, the old form: gdb then prints no "()". */
		hx[hexstr(hx, sizeof(hx), tps.stop_note)] = 0;
		k += kfmt_snprintf(o + k, cap - k, hx[0] ? "tstop:%s:0" : "tstop%s:0", hx);
		break;
	case TP_FULL:
		k += kfmt_snprintf(o + k, cap - k, "tfull:0");
		break;
	case TP_DISCONNECTED:
		k += kfmt_snprintf(o + k, cap - k, "tdisconnected:0");
		break;
	case TP_PASSCOUNT:
		k += kfmt_snprintf(o + k, cap - k, "tpasscount:%x", tps.stop_tp);
		break;
	case TP_ERROR:
		hx[hexstr(hx, sizeof(hx), tps.error)] = 0;
		k += kfmt_snprintf(o + k, cap - k, "terror:%s:%x", hx, tps.stop_tp);
		break;
	default:
		k += kfmt_snprintf(o + k, cap - k, tps.running ? "tunknown:0" : "tnotrun:0");
		break;
	}
	u64 tfree = 0, tsize = 0;
	tp_buffer_space(&tfree, &tsize);
	u64 start = tps.start_us, stop = tps.running ? 0 : tps.stop_us;
	k += kfmt_snprintf(o + k, cap - k,
			   ";tframes:%x;tcreated:%lx;tfree:%lx;tsize:%lx;circular:%d;"
			   "disconn:%d;starttime:%lx;stoptime:%lx",
			   tp_frames_count(), tp_created(), tfree, tsize,
			   tps.circular ? 1 : 0, tps.disconnected ? 1 : 0, start, stop);
	hx[hexstr(hx, sizeof(hx), tps.user)] = 0;
	k += kfmt_snprintf(o + k, cap - k, ";username:%s", hx);
	hx[hexstr(hx, sizeof(hx), tps.notes)] = 0;
	k += kfmt_snprintf(o + k, cap - k, ";notes:%s", hx);
	rsp_reply(o, MIN(k, cap - 1));
}

static void q_tp(char *pkt, size_t n)
{
	u32 num;
	u64 addr;
	if (tp_parse_num_addr(pkt, n, "qTP:", &num, &addr))
		return malformed(pkt, n, 0);
	struct tp *t = tp_find(num, addr);
	if (!t) {
		rsp_reply_str("E01");
		return;
	}
	size_t k = kfmt_snprintf(ks.out, 64, "V%lx:%lx", tp_hits(t), tp_usage(t));
	rsp_reply(ks.out, k);
}

static void q_tv(char *pkt, size_t n)
{
	u32 num;
	s64 v;
	if (tp_parse_qtv(pkt, n, &num))
		return malformed(pkt, n, 0);
	int r = tp_frame_selected() ? tp_frame_tsv(num, &v) : tp_tsv_get(num, &v);
	if (r) {
		rsp_reply_str("U");
		return;
	}
	size_t k = kfmt_snprintf(ks.out, 32, "V%lx", (u64)v);
	rsp_reply(ks.out, k);
}

/* ---- uploads: qTfP/qTsP, qTfV/qTsV ---- */

/* Upload cursor: tracepoint index, and the piece within it (0 = T,
 * then action texts, then source pieces, then V). */
static int up_tp, up_piece;
static int up_tsv;

static size_t tp_header(struct tp *t, char *o, size_t cap)
{
	size_t k = kfmt_snprintf(o, cap, "T%x:%lx:%c:%lx:%lx%s", t->num, t->addr,
				 t->enabled ? 'E' : 'D', t->step, t->pass,
				 t->is_static ? ":S" : "");
	if (t->fast)
		k += kfmt_snprintf(o + k, cap - k, ":F%x", t->fast_len);
	if (t->cond_len && k + 16 + 2 * t->cond_len < cap) {
		k += kfmt_snprintf(o + k, cap - k, ":X%x,", t->cond_len);
		rsp_hex_encode(t->code + t->cond, t->cond_len, o + k);
		k += 2u * t->cond_len;
	}
	return k;
}

/* Does a location text hold the "-m" (static marker) option? */
static bool has_marker_option(const char *s, size_t n)
{
	for (size_t i = 0; i + 2 < n; i++)
		if (s[i] == '-' && s[i + 1] == 'm' && s[i + 2] == ' ' &&
		    (i == 0 || s[i - 1] == ' '))
			return true;
	return false;
}

/* The piece-th upload line of t into o; 0 when t has no more. */
static size_t tp_piece(struct tp *t, int piece, char *o, size_t cap)
{
	if (piece == 0)
		return tp_header(t, o, cap);
	piece--;
	/* Action texts, in the order they came. */
	for (size_t off = 0; off < t->text_used;) {
		const char *s = t->text + off;
		size_t len = kstr_nlen(s, t->text_used - off);
		if (piece-- == 0)
			return kfmt_snprintf(o, cap, "%c%x:%lx:%s", s[0], t->num, t->addr,
					     s + 1);
		off += len + 1;
	}
	for (int i = 0; i < t->nsrc; i++) {
		if (piece-- != 0)
			continue;
		static const char *const types[] = { "at", "cond", "cmd" };
		const struct tp_srcpiece *sp = &t->srcs[i];
		const char *src = t->src + sp->off;
		/* gdb 13 sends `strace -m MARKER` as "-qualified -m MARKER"
		 * and cannot read that back when a new gdb takes the
		 * tracepoints over ("invalid explicit location argument"):
		 * the connection fails.  The site's address says the same. */
		if (sp->type == 0 && has_marker_option(src, sp->len)) {
			char at[24];
			size_t al = kfmt_snprintf(at, sizeof(at), "*0x%lx", t->addr);
			size_t k = kfmt_snprintf(o, cap, "Z%x:%lx:at:0:%x:", t->num,
						 t->addr, (unsigned)al);
			rsp_hex_encode((const u8 *)at, al, o + k);
			return k + 2 * al;
		}
		size_t k = kfmt_snprintf(o, cap, "Z%x:%lx:%s:0:%x:", t->num, t->addr,
					 types[sp->type], sp->len);
		size_t len = MIN(sp->len, (cap - k - 1) / 2);
		rsp_hex_encode((const u8 *)t->src + sp->off, len, o + k);
		return k + 2 * len;
	}
	if (piece == 0)
		return kfmt_snprintf(o, cap, "V%x:%lx:%lx:%lx", t->num, t->addr, tp_hits(t),
				     tp_usage(t));
	return 0;
}

static void q_tfp(char *pkt, size_t n)
{
	(void)n;
	if (pkt[2] == 'f') {
		up_tp = 0;
		up_piece = 0;
	}
	while (up_tp < TP_MAX) {
		struct tp *t = &tps.tps[up_tp];
		size_t k = t->used ? tp_piece(t, up_piece, ks.out, RSP_PACKET_MAX) : 0;
		if (k) {
			up_piece++;
			rsp_reply(ks.out, k);
			return;
		}
		up_tp++;
		up_piece = 0;
	}
	rsp_reply_str("l");
}

static void q_tfv(char *pkt, size_t n)
{
	(void)n;
	if (pkt[2] == 'f')
		up_tsv = 0;
	int nb = (int)ARRAY_SIZE(builtin_tsv);
	while (up_tsv < nb + TP_MAX_TSV) {
		int i = up_tsv++;
		const char *name;
		u32 num;
		s64 init = 0;
		bool builtin = i < nb;
		if (builtin) {
			name = builtin_tsv[i].name;
			num = builtin_tsv[i].num;
		} else if (tps.tsv[i - nb].used) {
			name = tps.tsv[i - nb].name;
			num = tps.tsv[i - nb].num;
			init = tps.tsv[i - nb].init;
			builtin = tps.tsv[i - nb].builtin;
		} else {
			continue;
		}
		size_t k = kfmt_snprintf(ks.out, RSP_PACKET_MAX, "%x:%lx:%d:", num,
					 (u64)init, builtin ? 1 : 0);
		k += hexstr(ks.out + k, RSP_PACKET_MAX - k, name);
		rsp_reply(ks.out, k);
		return;
	}
	rsp_reply_str("l");
}

/* ---- frames ---- */

static void q_tframe(char *pkt, size_t n)
{
	struct tp_qtframe q;
	u32 tpnum = 0;
	s64 f;
	if (tp_parse_qtframe(pkt, n, &q))
		return malformed(pkt, n, 0);
	if (q.kind == TP_FRAME_NUM && q.num < 0) {
		tp_frame_select(-1, 0);
		ok();
		return;
	}
	/* A failed search leaves the selected frame as it was: gdb keeps
	 * showing it, and its registers must stay the frame's. */
	if (q.kind == TP_FRAME_NUM)
		f = tp_frame_select(q.num, &tpnum) < 0 ? -1 : q.num;
	else
		f = tp_frame_find(&q, &tpnum);
	if (f < 0) {
		rsp_reply_str("F-1");
		return;
	}
	size_t k = kfmt_snprintf(ks.out, 48, "F%lxT%x", (u64)f, tpnum);
	rsp_reply(ks.out, k);
}

static void q_tbuffer_read(char *pkt, size_t n)
{
	u64 off, len;
	static u8 raw[RSP_PACKET_MAX / 2];
	if (tp_parse_qtbuf_read(pkt, n, &off, &len))
		return malformed(pkt, n, 0);
	if (len > sizeof(raw))
		len = sizeof(raw);
	long k = tp_frames_raw(off, raw, len);
	if (k < 0) {
		rsp_reply_str("E01");
		return;
	}
	if (k == 0) {
		rsp_reply_str("l");
		return;
	}
	rsp_hex_encode(raw, (size_t)k, ks.out);
	rsp_reply(ks.out, 2 * (size_t)k);
}

bool tp_xfer(const char *object, size_t olen, u64 off, u64 len)
{
	static char doc[16384];
	if (olen == 15 && !memcmp(object, "traceframe-info", 15)) {
		if (!tp_frame_selected()) {
			rsp_reply_str("E01");
			return true;
		}
		rsp_reply_xfer(doc, tp_frame_info_xml(doc, sizeof(doc)), off, len);
		return true;
	}
	if (olen == 11 && !memcmp(object, "statictrace", 11)) {
		long k = tp_frame_selected() ? tp_frame_sdata((u8 *)doc, 0, sizeof(doc)) : -1;
		if (k < 0) {
			rsp_reply_str("E01");
			return true;
		}
		rsp_reply_xfer(doc, (size_t)k, off, len);
		return true;
	}
	return false;
}

/* ---- static tracepoint markers: the LTT key-event sites ---- */

struct marker_walk {
	u64 addr;		/* find the site at addr (0: list) */
	char *name;
	size_t size;
	int found;
	int skip, emitted;	/* listing: markers already sent */
	size_t k;		/* bytes in ks.out */
};

static void marker_fn(const struct hook_info *h, void *arg)
{
	struct marker_walk *w = arg;
	if (!h->is_static || strncmp(h->name, "ltt_", 4) || w->found)
		return;
	if (w->addr) {
		if (h->addr == w->addr) {
			kstr_copy(w->name, h->name, w->size);
			w->found = 1;
		}
		return;
	}
	if (w->skip-- > 0)
		return;
	char hx[80];
	hx[hexstr(hx, sizeof(hx), h->name + 4)] = 0;
	char extra[80];
	kfmt_snprintf(extra, sizeof(extra), "LTT key event %s (%s)", h->name + 4,
		      h->armed ? "armed" : "off");
	char ex[170];
	ex[hexstr(ex, sizeof(ex), extra)] = 0;
	if (w->k + 260 > RSP_PACKET_MAX || w->emitted >= 8) {
		w->found = 1;	/* the rest in the next qTsSTM */
		return;
	}
	w->k += kfmt_snprintf(ks.out + w->k, RSP_PACKET_MAX - w->k, "%s%lx:%s:%s",
			      w->emitted ? "," : "m", h->addr, hx, ex);
	w->emitted++;
}

static int site_hook(u64 addr, char *name, size_t size)
{
	struct marker_walk w = { .addr = addr, .name = name, .size = size };
	hook_for_each(marker_fn, &w);
	return w.found ? 0 : -1;
}

static int stm_sent;

static void q_tstm(char *pkt, size_t n)
{
	if (rsp_is(pkt, n, "qTSTMat", ":")) {
		/*
		 * "Which marker is at ADDR?"  gdb asks when it creates a
		 * static tracepoint (`strace *ADDR`, `strace FILE:LINE`, a new
		 * gdb taking one over) and again when it downloads it at
		 * tstart, where it insists on an answer.  gdb 13.1 corrupts
		 * its heap when it stores the marker's name at creation (the
		 * same happens to every `strace -m`): it crashes, at once or
		 * at exit.  So the marker is named only during a download;
		 * at creation gdb just warns "Couldn't determine the static
		 * tracepoint marker to probe", and the tracepoint is on the
		 * site all the same.
		 */
		u64 addr;
		char name[32];
		if (tp_parse_qtstmat(pkt, n, &addr))
			return malformed(pkt, n, 0);
		if (!stm_downloading || site_hook(addr, name, sizeof(name))) {
			rsp_reply_str("l");
			return;
		}
		char hx[80];
		hx[hexstr(hx, sizeof(hx), name + 4)] = 0;
		size_t k = kfmt_snprintf(ks.out, RSP_PACKET_MAX, "m%lx:%s:", addr, hx);
		rsp_reply(ks.out, k);
		return;
	}
	if (pkt[2] == 'f')
		stm_sent = 0;
	struct marker_walk w = { .skip = stm_sent };
	hook_for_each(marker_fn, &w);
	if (!w.emitted) {
		rsp_reply_str("l");
		return;
	}
	stm_sent += w.emitted;
	rsp_reply(ks.out, w.k);
}

/* The shortest instruction a fast tracepoint may go on: any, since the
 * hook layer moves as many whole instructions as its jmp covers (and
 * falls back to int3 where it cannot prove that safe). */
static void q_tminftpilen(char *pkt, size_t n)
{
	(void)pkt;
	(void)n;
	rsp_reply_str("1");
}

static void q_unsupported(char *pkt, size_t n)
{
	(void)pkt;
	(void)n;
	rsp_reply("", 0);
}

static const struct rsp_cmd tp_cmds[] = {
	{ "QTinit", "", q_init },
	{ "QTDP", ":", q_tdp },
	{ "QTDPsrc", ":", q_tdpsrc },
	{ "QTDV", ":", q_tdv },
	{ "QTro", ":", q_tro },
	{ "QTDisconnected", ":", q_tdisconnected },
	{ "QTBuffer", ":", q_tbuffer },
	{ "QTNotes", ":", q_tnotes },
	{ "QTStart", "", q_tstart },
	{ "QTStop", "", q_tstop },
	{ "QTEnable", ":", q_tenable },
	{ "QTDisable", ":", q_tenable },
	{ "QTFrame", ":", q_tframe },
	{ "qTStatus", "", q_tstatus },
	{ "qTP", ":", q_tp },
	{ "qTV", ":", q_tv },
	{ "qTfP", "", q_tfp },
	{ "qTsP", "", q_tfp },
	{ "qTfV", "", q_tfv },
	{ "qTsV", "", q_tfv },
	{ "qTBuffer", ":", q_tbuffer_read },
	{ "qTfSTM", "", q_tstm },
	{ "qTsSTM", "", q_tstm },
	{ "qTSTMat", ":", q_tstm },
	{ "qTMinFTPILen", "", q_tminftpilen },
	{ "QTSave", ":", q_unsupported },
};

void tp_shutdown(void)
{
	if (tps.running) {
		tp_stop_run(TP_STOPPED, 0, 0);
		finish_stopped_run();
	}
	remove_all();
	for (int i = 0; i < TP_MAX; i++)
		uninstall(&tps.tps[i]);
	if (tps.started_ltt) {
		ltt_stop();
		tps.started_ltt = false;
	}
}

void tp_init(void)
{
	tps.event_id = -1;
	tps.frame_max = TP_FRAME_MAX;
	if (rsp_cmds_register(tp_cmds, ARRAY_SIZE(tp_cmds)))
		port_log("kstub: no room for the tracepoint packets");
}
