/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
/*
 * Pure parsers for GDB Remote Serial Protocol packets: bytes in, a struct
 * or "malformed" (-1) out.  No I/O and no target access, so every packet
 * is unit-tested and fuzzed on the host.  The packet body is given
 * without '$' and '#xx'.  Formats: GDB manual, "Remote Protocol" appendix,
 * section "Packets".
 */
#ifndef STUB_RSP_PARSE_H
#define STUB_RSP_PARSE_H

#include "../lib/types.h"

#define RSP_TID_ALL (-1)	/* "-1": all threads */
#define RSP_TID_ANY 0		/* "0": any thread */

/* Hex digits at *p (at least one, at most 16) into *v; advances *p. */
int rsp_parse_hex(const char **p, const char *end, u64 *v);
/* Decode 2*n hex chars into n bytes; -1 on a bad digit. */
int rsp_hex_decode(const char *hex, size_t n, u8 *out);
/* Encode n bytes as 2*n lowercase hex chars (no NUL). */
void rsp_hex_encode(const u8 *in, size_t n, char *out);
/* Undo the binary escape ('}' then byte ^ 0x20) of X packets in place;
 * returns the decoded length or -1 on a dangling escape. */
long rsp_unescape(u8 *buf, size_t n);

/* m addr,len  |  x addr,len  |  M addr,len:hex  |  X addr,len:bin
 * (rsp_parse_m takes both m and x) */
struct rsp_mem {
	u64 addr;
	u64 len;
	const char *data;	/* M, X: payload inside the packet */
	size_t data_len;	/* bytes of payload as sent (hex chars for M) */
};
int rsp_parse_m(const char *pkt, size_t n, struct rsp_mem *m);
int rsp_parse_M(const char *pkt, size_t n, struct rsp_mem *m);
int rsp_parse_X(const char *pkt, size_t n, struct rsp_mem *m);

/* Z/z type,addr,kind (conditions after ';' are ignored) */
struct rsp_bp {
	bool insert;
	u8 type;		/* 0 sw, 1 hw, 2 write, 3 read, 4 access */
	u64 addr;
	u64 kind;
};
int rsp_parse_Z(const char *pkt, size_t n, struct rsp_bp *b);
/*
 * What follows "Z0,addr,kind" when gdb evaluates conditions and runs
 * breakpoint commands on the target (ConditionalBreakpoints+,
 * BreakpointCommands+): ";X<len>,<hex>X<len>,<hex>..." conditions (the
 * breakpoint is taken when any is true) and ";cmds:<persist>,X<len>,
 * <hex>..." commands (agent dprintf).  Hex pointers into the packet.
 */
#define RSP_Z_EXPR_MAX 8
struct rsp_bp_agent {
	u8 nconds, ncmds;
	bool persist;
	struct { const char *hex; u32 len; } conds[RSP_Z_EXPR_MAX], cmds[RSP_Z_EXPR_MAX];
};
int rsp_parse_Z_agent(const char *pkt, size_t n, struct rsp_bp_agent *a);

/* p n  |  P n=hex */
int rsp_parse_p(const char *pkt, size_t n, u64 *regno);
int rsp_parse_P(const char *pkt, size_t n, u64 *regno, const char **val,
		size_t *val_len);

/* A thread id: "3", "-1", "0", or multiprocess "p1.3" (pid ignored). */
int rsp_parse_tid(const char **p, const char *end, s64 *tid);
/* H op tid, op = 'g' or 'c' */
int rsp_parse_H(const char *pkt, size_t n, char *op, s64 *tid);
/* T tid (thread alive?) */
int rsp_parse_T(const char *pkt, size_t n, s64 *tid);

/* vCont;action[:tid][;action[:tid]]... */
#define RSP_VCONT_MAX 16
struct rsp_vcont {
	int n;
	struct {
		char act;	/* 'c' 's' 'C' 'S' 't' 'r' */
		u8 sig;
		s64 tid;	/* RSP_TID_ALL when no thread given */
	} a[RSP_VCONT_MAX];
};
int rsp_parse_vcont(const char *pkt, size_t n, struct rsp_vcont *v);

/* c [addr] | s [addr] | C sig[;addr] | S sig[;addr] */
struct rsp_resume {
	char act;
	u8 sig;
	bool has_addr;
	u64 addr;
};
int rsp_parse_resume(const char *pkt, size_t n, struct rsp_resume *r);

/* qXfer:object:read:annex:offset,length */
struct rsp_qxfer {
	const char *object;
	size_t object_len;
	const char *annex;
	size_t annex_len;
	u64 offset;
	u64 length;
};
int rsp_parse_qxfer_read(const char *pkt, size_t n, struct rsp_qxfer *x);

/* qRcmd,hex -> decoded command text (NUL-terminated in out). */
int rsp_parse_qrcmd(const char *pkt, size_t n, char *out, size_t out_size);

/* True when the packet is `name` exactly or `name` followed by one of the
 * separators in seps (e.g. ":;,"). */
bool rsp_is(const char *pkt, size_t n, const char *name, const char *seps);

#endif
