/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
/*
 * GDB tracepoints inside the stub: shared by the packet handlers (tp.c),
 * the hit path (tp_collect.c) and the traceframe store (tp_frame.c).
 * Private to stub/.  docs/tracepoints.md is the user's view.
 *
 * Life of a tracepoint: gdb defines it with QTDP (+ continuations) while
 * the kernel is stopped; QTStart declares a probe (hooks/hook.h) at its
 * address, registers tp_hit() as the exit and arms every probe as one
 * set; a hit collects a traceframe into the LTT buffer of the CPU that
 * hit (one timeline with the static events); QTStop (or a pass count, a
 * full linear buffer, an error) stops the run, and the probes are
 * disarmed at the next debugger entry.  gdb then reads the frames back
 * with QTFrame + g/m, which tp_frame.c answers from the LTT buffers.
 */
#ifndef STUB_TP_H
#define STUB_TP_H

#include "../lib/types.h"
#include "ax.h"
#include "tp_parse.h"

struct arch_regs;

#define TP_MAX 64		/* tracepoints defined at once */
#define TP_MAX_ACTS 32		/* actions per list (hit, while-stepping) */
#define TP_CODE_MAX 2048	/* bytecode bytes per tracepoint */
#define TP_SRC_MAX 1024		/* source text per tracepoint (QTDPsrc) */
#define TP_MAX_TSV 64		/* trace state variables */
#define TP_FRAME_MAX 4000	/* bytes of one traceframe's blocks */

/* One stored action. */
struct tp_act {
	u8 kind;		/* enum tp_action_kind */
	u32 basereg;		/* M */
	u64 offset;		/* M */
	u32 len;		/* M: bytes; X: bytecode bytes */
	u16 code;		/* X: offset in tp->code */
	bool sets_tsv;		/* X: has setv (run under the TSV lock) */
	u64 rmask[4];		/* R */
};

/* Where a stored source string piece goes: "at", "cond", "cmd". */
struct tp_srcpiece {
	u16 off, len;		/* in tp->src */
	u8 type;		/* 0 at, 1 cond, 2 cmd */
};

struct tp {
	bool used;
	u32 num;
	u64 addr;
	volatile bool enabled;
	u64 step;		/* while-stepping count */
	u64 pass;		/* 0 = no pass count */
	bool is_static;		/* strace: on an LTT site */
	bool fast;		/* ftrace: on a jump-optimized probe */
	u32 fast_len;		/* gdb's :F<len>, given back in qTfP */
	bool defining;		/* continuation packets still expected */
	bool direct;		/* only R and M actions: see log_direct() */
	bool stepping_list;	/* continuation packets go to sact[] */
	u32 direct_len;		/* their frame's size, header included */
	u16 cond, cond_len;	/* condition bytecode in code[], len 0 = none */
	u8 nact, nsact;
	struct tp_act act[TP_MAX_ACTS];		/* at the hit */
	struct tp_act sact[TP_MAX_ACTS];	/* while-stepping */
	u16 code_used;
	u8 code[TP_CODE_MAX];
	/* Raw action text as gdb sent it, for qTfP uploads (A/S pieces). */
	u16 text_used;
	char text[TP_CODE_MAX * 2 + 256];
	u8 nsrc;
	struct tp_srcpiece srcs[24];
	u16 src_used;
	char src[TP_SRC_MAX];
	/* Run state: hits and bytes are counted per CPU (tp_collect.c);
	 * with a pass count the hits are also counted here, atomically. */
	volatile u64 pass_hits;
	bool installed;		/* probe declared and exit registered */
	char hook[24];		/* the probe's hook name */
};

struct tp_var {
	bool used;
	bool builtin;
	u32 num;
	s64 init;
	volatile s64 value;
	char name[48];
};

/* Why the last run stopped (qTStatus). */
enum tp_stop_reason {
	TP_NOTRUN, TP_STOPPED, TP_FULL, TP_DISCONNECTED, TP_PASSCOUNT, TP_ERROR,
};

struct tp_state {
	volatile bool running;
	volatile int stop_reason;	/* enum tp_stop_reason */
	volatile u32 stop_tp;		/* tracepoint of tpasscount/terror */
	char error[96];			/* terror text */
	bool disconnected;		/* QTDisconnected:1 */
	bool circular;			/* QTBuffer:circular:1 */
	bool started_ltt;		/* QTStart turned the LTT buffer on */
	bool armed;			/* probes armed */
	u16 run;			/* run number, in every frame */
	int event_id;			/* LTT event of traceframes, -1 none */
	u64 start_us, stop_us;		/* port_time_us() */
	u32 frame_max;			/* blocks bytes a frame may hold */
	u64 start_off[64];		/* each CPU's LTT offset at QTStart */
	char notes[64], user[32], stop_note[64];
	struct tp tps[TP_MAX];
	struct tp_var tsv[TP_MAX_TSV];
	u32 ro_n;			/* QTro ranges */
	struct { u64 start, end; } ro[16];
};

extern struct tp_state tps;

/* Built-in trace state variables kstub offers (numbers gdb never uses
 * for its own: gdb numbers user TSVs from 1). */
#define TP_TSV_CPU_ID	0x7ff0
#define TP_TSV_TIMESTAMP 0x7ff1
#define TP_TSV_CURRENT	0x7ff2

/* tp.c */
struct tp *tp_find(u32 num, u64 addr);
struct tp_var *tp_tsv_find(u32 num);
void tp_stop_run(int reason, u32 tp, const char *why);
/* tp_collect.c: is a CPU (parked by the debugger) inside a hit?  Then
 * definitions must not change.  Forget half-done while-stepping (a new
 * run: the steps of the last one are not wanted). */
bool tp_hit_in_flight(void);
void tp_step_reset(void);
/* Is any CPU in the middle of a while-stepping? */
bool tp_step_any(void);
/* After a definition changed: can its frames take the direct path? */
void tp_plan(struct tp *t);

/* tp_collect.c: the probe exit, the while-stepping trap, the VM's
 * environment.  tp_hit runs on the CPU that hit, IRQs off.  Counters are
 * per CPU (no atomic on the hit path); the sums are for the debugger. */
u64 tp_hits(const struct tp *t);
u64 tp_usage(const struct tp *t);
u64 tp_created(void);
u64 tp_lost(void);
void tp_counters_reset(void);
struct hook_args;
void tp_hit(const struct hook_args *args, void *data);
int tp_tsv_get(u32 num, s64 *val);
/* Run bytecode against a trap frame with no collection (breakpoint
 * conditions and dprintf commands).  0 or an AX_E_* error. */
int tp_eval(const u8 *code, u32 len, struct arch_regs *r, u64 *res);

/* tp_frame.c: traceframes in the LTT buffers. */
/* Frame payload: u16 tp, u16 run, u64 pc, u16 blocks_len, blocks.  The
 * blocks are gdb's raw ones ('M', 'V', 'S'), except registers: 'r' +
 * the trap frame as it was (arch_frame_size() bytes), turned into gdb's
 * 'R' + 'g' layout only when read; and padding ('P' + u16 n + n bytes,
 * or single 'p' bytes) where a memory range faulted part way. */
#define TP_FRAME_HDR 14
int tp_frames_count(void);
/* Select frame n (-1: none); returns its tracepoint number or -1. */
int tp_frame_select(s64 n, u32 *tpnum);
s64 tp_frame_current(void);
/* Search forward from the current frame; returns the frame or -1. */
s64 tp_frame_find(const struct tp_qtframe *q, u32 *tpnum);
bool tp_frame_selected(void);
void tp_frame_invalidate(void);
/* Read registers / memory / a TSV of the selected frame. */
void tp_frame_regs(u8 *buf, bool *avail);
long tp_frame_mem(u64 addr, u8 *dst, size_t len);
int tp_frame_tsv(u32 num, s64 *val);
/* qXfer:traceframe-info for the selected frame into buf. */
size_t tp_frame_info_xml(char *buf, size_t size);
/* qXfer:statictrace:read: the selected frame's S block. */
long tp_frame_sdata(u8 *dst, u64 off, size_t len);
/* qTBuffer: bytes of gdb's raw trace (frames in order) at off. */
long tp_frames_raw(u64 off, u8 *dst, size_t len);
/* Bytes of the buffers the run may still fill, and their size. */
void tp_buffer_space(u64 *free, u64 *size);

#endif
