/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
/*
 * Pure parsers for gdb's tracepoint packets (GDB manual, "Tracepoint
 * Packets"; ../shared/TRACEPOINTS.md sections 2-4): bytes in, a struct or
 * an error out.  No I/O, no target access: unit-tested and fuzzed on the
 * host.  The body is given without '$' and '#xx'; pointers in the
 * results point into the packet.
 *
 * Every parser returns 0, or a negative TP_E_* code; on error *field
 * (when the parser has one) names the field that was wrong ("number",
 * "address", "step", "pass", "condition", "action", ...), so the stub can
 * answer "E.<text>" that a user can read.
 */
#ifndef STUB_TP_PARSE_H
#define STUB_TP_PARSE_H

#include "../lib/types.h"

#define TP_E_MALFORMED (-1)

/* QTDP:<n>:<addr>:<E|D>:<step>:<pass>[:F<len>][:S][:X<len>,<hex>][-] */
struct tp_qtdp {
	u32 num;
	u64 addr;
	bool enabled;		/* E */
	u64 step;		/* while-stepping count */
	u64 pass;		/* pass count, 0 = none */
	bool fast;		/* :F<len> present */
	u32 fast_len;
	bool is_static;		/* :S */
	const char *cond;	/* :X: the bytecode as hex, NULL if none */
	u32 cond_len;		/* bytes (the hex is 2 * cond_len chars) */
	bool more;		/* trailing '-': action packets follow */
};
int tp_parse_qtdp(const char *pkt, size_t n, struct tp_qtdp *d,
		  const char **field);

/* QTDP:-<n>:<addr>:[S]<actions>[-] (a continuation with actions) */
struct tp_qtdp_more {
	u32 num;
	u64 addr;
	bool stepping;		/* starts with S: while-stepping actions */
	const char *actions;	/* the action list text, unparsed */
	size_t actions_len;
	bool more;		/* trailing '-' */
};
int tp_parse_qtdp_more(const char *pkt, size_t n, struct tp_qtdp_more *m,
		       const char **field);

/* One action of an action list. */
enum tp_action_kind {
	TP_ACT_R = 'R',		/* registers: mask */
	TP_ACT_M = 'M',		/* memory range */
	TP_ACT_X = 'X',		/* agent expression */
	TP_ACT_L = 'L',		/* static tracepoint data ($_sdata) */
};
#define TP_BASEREG_NONE 0xffffffffu	/* M with an absolute address */
struct tp_action {
	u8 kind;		/* enum tp_action_kind */
	u64 rmask[4];		/* R: bit i = g-packet register i */
	u32 basereg;		/* M: register, or TP_BASEREG_NONE */
	u64 offset;		/* M: offset (add modulo 2^64) or address */
	u32 len;		/* M: bytes; X: bytecode bytes */
	const char *hex;	/* X: bytecode as hex (2 * len chars) */
};
/*
 * Next action at *p (before end); advances *p past it.  Actions follow
 * each other with no separator: "R0fff" "M-1,ffff8000,10" "X08,2601..."
 * "L".  R masks longer than 256 bits are malformed; M basereg is hex
 * ("FFFFFFFF" or "-1" mean absolute).  Returns 0, or TP_E_MALFORMED
 * with *field = "action".
 */
int tp_parse_action(const char **p, const char *end, struct tp_action *a,
		    const char **field);

/* QTDPsrc:<n>:<addr>:<at|cond|cmd>:<start>:<slen>:<hex> */
struct tp_src {
	u32 num;
	u64 addr;
	const char *type;	/* "at", "cond" or "cmd" */
	size_t type_len;
	u64 start;		/* offset of this piece in the source string */
	u64 slen;		/* length of the whole source string */
	const char *hex;	/* this piece, hex */
	size_t hex_len;		/* hex chars (even) */
};
int tp_parse_qtdpsrc(const char *pkt, size_t n, struct tp_src *s,
		     const char **field);

/* QTDV:<n>:<init, 16 hex digits>:<builtin>:<hexname> */
struct tp_tsv {
	u32 num;
	s64 init;
	bool builtin;
	const char *name_hex;	/* may be empty */
	size_t name_hex_len;
};
int tp_parse_qtdv(const char *pkt, size_t n, struct tp_tsv *v,
		  const char **field);

/* QTFrame:<n> | pc:<a> | tdp:<t> | range:<a>:<b> | outside:<a>:<b> */
enum tp_frame_kind { TP_FRAME_NUM, TP_FRAME_PC, TP_FRAME_TDP, TP_FRAME_RANGE,
		     TP_FRAME_OUTSIDE };
struct tp_qtframe {
	u8 kind;		/* enum tp_frame_kind */
	s64 num;		/* TP_FRAME_NUM: -1 (ffffffff) = none */
	u64 a, b;		/* pc / tdp / range ends */
};
int tp_parse_qtframe(const char *pkt, size_t n, struct tp_qtframe *f);

/* QTro:<start>,<end>[:<start>,<end>]...  Calls fn for each range;
 * fn returns non-zero to stop (that value is returned). */
int tp_parse_qtro(const char *pkt, size_t n,
		  int (*fn)(u64 start, u64 end, void *arg), void *arg);

/* QTBuffer:circular:<0|1>  |  QTBuffer:size:<hex>|-1 */
struct tp_qtbuffer {
	bool is_size;		/* size, else circular */
	bool circular;
	s64 size;		/* -1 = the stub's default */
};
int tp_parse_qtbuffer(const char *pkt, size_t n, struct tp_qtbuffer *b);

/* QTNotes:[user:<hex>;][notes:<hex>;][tstop:<hex>;] (any order; unknown
 * keys skipped).  Each present note: pointer to its hex and length. */
struct tp_qtnotes {
	const char *user, *notes, *tstop;
	size_t user_len, notes_len, tstop_len;
	bool has_user, has_notes, has_tstop;
};
int tp_parse_qtnotes(const char *pkt, size_t n, struct tp_qtnotes *t);

/* QTEnable:<n>:<addr>, QTDisable:<n>:<addr>, qTP:<n>:<addr>: prefix is
 * the packet name with its colon ("QTEnable:"). */
int tp_parse_num_addr(const char *pkt, size_t n, const char *prefix,
		      u32 *num, u64 *addr);
/* qTV:<n> */
int tp_parse_qtv(const char *pkt, size_t n, u32 *num);
/* qTBuffer:<off>,<len> */
int tp_parse_qtbuf_read(const char *pkt, size_t n, u64 *off, u64 *len);
/* QTDisconnected:<0|1> */
int tp_parse_qtdisconnected(const char *pkt, size_t n, bool *on);
/* qTSTMat:<addr> */
int tp_parse_qtstmat(const char *pkt, size_t n, u64 *addr);

#endif
