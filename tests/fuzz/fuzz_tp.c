/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
/*
 * libFuzzer target: the tracepoint packet parsers (stub/tp_parse.c).
 * The input is one packet body exactly as the command loop hands it
 * over, in a buffer of its exact size (ASan sees any read past n), and
 * every parser gets it.  Whatever a parser accepts is held to its
 * contract: results inside the packet, hex that decodes, action lists
 * that tp_parse_action walks to the end.
 *
 *   make fuzz                    each target for FUZZ_RUNS inputs
 *   build/fuzz/fuzz_tp CORPUS    open-ended, libFuzzer's options
 */
#include <stdint.h>
#include <stddef.h>
#include <string.h>

#include "stub/tp_parse.h"
#include "stub/rsp_parse.h"

#define TP_FUZZ_HEX 4096	/* bytes decoded to check hex results */

static const char *lo, *hi;	/* the packet */

static void tp_inside(const char *p, size_t len)
{
	if (p < lo || p > hi || len > (size_t)(hi - p))
		__builtin_trap();
}

static void tp_hex_ok(const char *hex, size_t nbytes)
{
	static u8 out[TP_FUZZ_HEX];

	tp_inside(hex, 2 * nbytes);
	if (nbytes > sizeof(out) || rsp_hex_decode(hex, nbytes, out))
		__builtin_trap();
}

/* Walk a list the way the tracepoint code will: every action accepted
 * must be in the packet, and each step must move forward. */
static void tp_walk(const char *p, const char *end, bool must_pass)
{
	struct tp_action a;
	const char *field = 0;

	while (p < end) {
		const char *before = p;
		if (tp_parse_action(&p, end, &a, &field)) {
			if (must_pass || p != before || !field)
				__builtin_trap();
			return;
		}
		if (p <= before || p > end)
			__builtin_trap();
		switch (a.kind) {
		case TP_ACT_X:
			if (!a.len)
				__builtin_trap();
			tp_hex_ok(a.hex, a.len);
			break;
		case TP_ACT_R: case TP_ACT_M: case TP_ACT_L:
			break;
		default:
			__builtin_trap();
		}
	}
}

static int tp_range(u64 start, u64 end, void *arg)
{
	int *n = arg;
	if (start > end)
		__builtin_trap();
	/* Stop partway now and then, to exercise the early return. */
	return ++*n == 3 ? 9 : 0;
}

static void tp_parse_all(const char *pkt, size_t n)
{
	struct tp_qtdp d;
	struct tp_qtdp_more m;
	struct tp_src s;
	struct tp_tsv v;
	struct tp_qtframe f;
	struct tp_qtbuffer b;
	struct tp_qtnotes t;
	const char *field;
	u32 num;
	u64 x, y;
	bool on;
	int cnt = 0, rc;

	lo = pkt;
	hi = pkt + n;

	field = 0;
	if (!tp_parse_qtdp(pkt, n, &d, &field)) {
		if (!d.num || (d.cond && !d.cond_len) ||
		    (!d.cond && d.cond_len))
			__builtin_trap();
		if (d.cond)
			tp_hex_ok(d.cond, d.cond_len);
	} else if (!field) {
		__builtin_trap();
	}

	field = 0;
	if (!tp_parse_qtdp_more(pkt, n, &m, &field)) {
		tp_inside(m.actions, m.actions_len);
		tp_walk(m.actions, m.actions + m.actions_len, true);
	} else if (!field) {
		__builtin_trap();
	}

	field = 0;
	if (!tp_parse_qtdpsrc(pkt, n, &s, &field)) {
		tp_inside(s.type, s.type_len);
		if ((s.hex_len & 1) || s.start > s.slen ||
		    s.hex_len / 2 > s.slen - s.start)
			__builtin_trap();
		tp_inside(s.hex, s.hex_len);
		if (s.hex_len / 2 <= TP_FUZZ_HEX)
			tp_hex_ok(s.hex, s.hex_len / 2);
	} else if (!field) {
		__builtin_trap();
	}

	field = 0;
	if (!tp_parse_qtdv(pkt, n, &v, &field)) {
		if (v.name_hex_len & 1)
			__builtin_trap();
		tp_inside(v.name_hex, v.name_hex_len);
		if (v.name_hex_len / 2 <= TP_FUZZ_HEX)
			tp_hex_ok(v.name_hex, v.name_hex_len / 2);
	} else if (!field) {
		__builtin_trap();
	}

	if (!tp_parse_qtframe(pkt, n, &f) &&
	    (f.kind > TP_FRAME_OUTSIDE || f.num < -1 || f.num > 0xfffffffe))
		__builtin_trap();

	rc = tp_parse_qtro(pkt, n, tp_range, &cnt);
	if (rc != 0 && rc != TP_E_MALFORMED && rc != 9)
		__builtin_trap();
	if (rc == TP_E_MALFORMED && cnt)
		__builtin_trap();	/* a bad packet reports no range */

	if (!tp_parse_qtbuffer(pkt, n, &b) && b.is_size && b.size < -1)
		__builtin_trap();

	if (!tp_parse_qtnotes(pkt, n, &t)) {
		if (t.has_user)
			tp_inside(t.user, t.user_len);
		if (t.has_notes)
			tp_inside(t.notes, t.notes_len);
		if (t.has_tstop)
			tp_inside(t.tstop, t.tstop_len);
	}

	tp_parse_num_addr(pkt, n, "QTEnable:", &num, &x);
	tp_parse_num_addr(pkt, n, "QTDisable:", &num, &x);
	tp_parse_num_addr(pkt, n, "qTP:", &num, &x);
	tp_parse_qtv(pkt, n, &num);
	tp_parse_qtbuf_read(pkt, n, &x, &y);
	tp_parse_qtdisconnected(pkt, n, &on);
	tp_parse_qtstmat(pkt, n, &x);

	/* The bytes as a bare action list, as after "QTDP:-n:addr:". */
	tp_walk(pkt, pkt + n, false);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	tp_parse_all((const char *)data, size);
	return 0;
}
