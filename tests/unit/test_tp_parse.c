/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
/*
 * Host unit tests of the tracepoint packet parsers (stub/tp_parse.c):
 * the packets gdb 13 sends for tstart, tfind, tstatus and friends, an
 * error for every field, and every truncation of a valid packet, each
 * copied into a buffer of its exact size so ASan catches a read past n.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "stub/tp_parse.h"

#define P(s) (s), (sizeof(s) - 1)
#define ADDR 0xffffffff80102a30ull

/* The packet in a heap buffer of exactly n bytes: no NUL to lean on. */
static char *exact(const char *s, size_t n)
{
	char *b = malloc(n ? n : 1);
	assert_non_null(b);
	memcpy(b, s, n);
	return b;
}

static const char *field;

static int qtdp(const char *s, size_t n, struct tp_qtdp *d)
{
	char *b = exact(s, n);
	field = NULL;
	int rc = tp_parse_qtdp(b, n, d, &field);
	/* Results point into the packet; keep them valid for the test by
	 * checking them here, then compare against the caller's copy. */
	if (!rc && d->cond) {
		assert_true(d->cond >= b && d->cond + 2 * d->cond_len <= b + n);
		d->cond = s + (d->cond - b);
	}
	free(b);
	return rc;
}

#define QTDP_ERR(pkt, f) do {						\
		struct tp_qtdp d_;					\
		assert_int_equal(qtdp(P(pkt), &d_), TP_E_MALFORMED);	\
		assert_string_equal(field, (f));			\
	} while (0)

/* --- QTDP ----------------------------------------------------------- */

static void test_qtdp_gdb(void **state)
{
	(void)state;
	struct tp_qtdp d;

	/* `trace *0xffffffff80102a30` with actions */
	assert_int_equal(qtdp(P("QTDP:1:ffffffff80102a30:E:0:0-"), &d), 0);
	assert_int_equal(d.num, 1);
	assert_true(d.addr == ADDR);
	assert_true(d.enabled);
	assert_true(d.step == 0 && d.pass == 0);
	assert_false(d.fast || d.is_static);
	assert_null(d.cond);
	assert_true(d.more);

	/* while-stepping 5, passcount 500, condition, no actions */
	const char *c2 = "QTDP:2:ffffffff80102a30:E:5:1f4:X08,26012205130f2027";
	assert_int_equal(qtdp(c2, strlen(c2), &d), 0);
	assert_int_equal(d.num, 2);
	assert_true(d.step == 5 && d.pass == 0x1f4);
	assert_int_equal(d.cond_len, 8);
	assert_ptr_equal(d.cond, c2 + strlen(c2) - 16);
	assert_memory_equal(d.cond, "26012205130f2027", 16);
	assert_false(d.more);

	assert_int_equal(qtdp(P("QTDP:a:ffffffff80102a30:D:0:0"), &d), 0);
	assert_int_equal(d.num, 10);
	assert_false(d.enabled);
	assert_false(d.more);

	/* fast (5-byte instruction), with a condition and actions */
	assert_int_equal(qtdp(P("QTDP:3:ffffffff80102a30:E:0:0:F5:X03,222a27-"),
			      &d), 0);
	assert_true(d.fast);
	assert_int_equal(d.fast_len, 5);
	assert_int_equal(d.cond_len, 3);
	assert_true(d.more);

	assert_int_equal(qtdp(P("QTDP:4:ffffffff80102a30:E:0:0:S-"), &d), 0);
	assert_true(d.is_static);
	assert_false(d.fast);
	assert_true(d.more);
	assert_int_equal(qtdp(P("QTDP:4:ffffffff80102a30:E:0:0:S:X01,27"), &d), 0);
	assert_true(d.is_static);
	assert_int_equal(d.cond_len, 1);

	/* Largest values each field holds. */
	assert_int_equal(qtdp(P("QTDP:ffffffff:ffffffffffffffff:E:ffffffffffffffff:"
				"ffffffffffffffff:Fffffffff"), &d), 0);
	assert_true(d.num == 0xffffffffu && d.addr == UINT64_MAX);
	assert_true(d.step == UINT64_MAX && d.pass == UINT64_MAX);
	assert_true(d.fast_len == 0xffffffffu);

	/* Case of hex digits does not matter. */
	assert_int_equal(qtdp(P("QTDP:1F:FFFFFFFF80102A30:E:A:B"), &d), 0);
	assert_int_equal(d.num, 0x1f);
	assert_true(d.addr == ADDR && d.step == 10 && d.pass == 11);
}

static void test_qtdp_errors(void **state)
{
	(void)state;
	QTDP_ERR("", "packet");
	QTDP_ERR("QTDP", "packet");
	QTDP_ERR("qTDP:1:ffffffff80102a30:E:0:0", "packet");
	QTDP_ERR("QTDPsrc:1:a:at:0:0:", "packet");

	QTDP_ERR("QTDP:", "number");
	QTDP_ERR("QTDP::ffffffff80102a30:E:0:0", "number");
	QTDP_ERR("QTDP:0:ffffffff80102a30:E:0:0", "number");
	QTDP_ERR("QTDP:100000000:ffffffff80102a30:E:0:0", "number");
	QTDP_ERR("QTDP:1g:ffffffff80102a30:E:0:0", "number");
	QTDP_ERR("QTDP:-1:ffffffff80102a30:R03", "number");
	QTDP_ERR("QTDP:1", "number");

	QTDP_ERR("QTDP:1:80102a30:E:0:0", "address");
	QTDP_ERR("QTDP:1:0ffffffff80102a30:E:0:0", "address");
	QTDP_ERR("QTDP:1:ffffffff80102a3g:E:0:0", "address");
	QTDP_ERR("QTDP:1:ffffffff80102a30", "address");
	QTDP_ERR("QTDP:1:ffffffff80102a30E:0:0", "address");
	QTDP_ERR("QTDP:1::E:0:0", "address");

	QTDP_ERR("QTDP:1:ffffffff80102a30:e:0:0", "enabled");
	QTDP_ERR("QTDP:1:ffffffff80102a30:X:0:0", "enabled");
	QTDP_ERR("QTDP:1:ffffffff80102a30:EE:0:0", "enabled");
	QTDP_ERR("QTDP:1:ffffffff80102a30::0:0", "enabled");
	QTDP_ERR("QTDP:1:ffffffff80102a30:", "enabled");
	QTDP_ERR("QTDP:1:ffffffff80102a30:E", "enabled");

	QTDP_ERR("QTDP:1:ffffffff80102a30:E::0", "step");
	QTDP_ERR("QTDP:1:ffffffff80102a30:E:5", "step");
	QTDP_ERR("QTDP:1:ffffffff80102a30:E:5x:0", "step");
	QTDP_ERR("QTDP:1:ffffffff80102a30:E:10000000000000000:0", "step");

	QTDP_ERR("QTDP:1:ffffffff80102a30:E:0:", "pass");
	QTDP_ERR("QTDP:1:ffffffff80102a30:E:0:-", "pass");
	QTDP_ERR("QTDP:1:ffffffff80102a30:E:0:0x", "pass");
	QTDP_ERR("QTDP:1:ffffffff80102a30:E:0:0--", "pass");
	QTDP_ERR("QTDP:1:ffffffff80102a30:E:0:0-:S", "pass");
	QTDP_ERR("QTDP:1:ffffffff80102a30:E:0:10000000000000000", "pass");

	QTDP_ERR("QTDP:1:ffffffff80102a30:E:0:0:F", "fast");
	QTDP_ERR("QTDP:1:ffffffff80102a30:E:0:0:F0", "fast");
	QTDP_ERR("QTDP:1:ffffffff80102a30:E:0:0:Fz", "fast");
	QTDP_ERR("QTDP:1:ffffffff80102a30:E:0:0:F100000000", "fast");
	QTDP_ERR("QTDP:1:ffffffff80102a30:E:0:0:F5:F5", "fast");
	QTDP_ERR("QTDP:1:ffffffff80102a30:E:0:0:S:F5", "fast");
	QTDP_ERR("QTDP:1:ffffffff80102a30:E:0:0:F5x", "fast");

	QTDP_ERR("QTDP:1:ffffffff80102a30:E:0:0:Sx", "static");
	QTDP_ERR("QTDP:1:ffffffff80102a30:E:0:0:S:S", "static");
	QTDP_ERR("QTDP:1:ffffffff80102a30:E:0:0:X01,27:S", "static");

	QTDP_ERR("QTDP:1:ffffffff80102a30:E:0:0:X", "condition");
	QTDP_ERR("QTDP:1:ffffffff80102a30:E:0:0:X08", "condition");
	QTDP_ERR("QTDP:1:ffffffff80102a30:E:0:0:X,27", "condition");
	QTDP_ERR("QTDP:1:ffffffff80102a30:E:0:0:X0,", "condition");
	QTDP_ERR("QTDP:1:ffffffff80102a30:E:0:0:X08,2601", "condition");
	QTDP_ERR("QTDP:1:ffffffff80102a30:E:0:0:X08,26012205130f20zz", "condition");
	QTDP_ERR("QTDP:1:ffffffff80102a30:E:0:0:X01,2", "condition");
	QTDP_ERR("QTDP:1:ffffffff80102a30:E:0:0:X01,2727", "condition");
	QTDP_ERR("QTDP:1:ffffffff80102a30:E:0:0:X01,27:X01,27", "condition");
	QTDP_ERR("QTDP:1:ffffffff80102a30:E:0:0:X100000000,27", "condition");
	QTDP_ERR("QTDP:1:ffffffff80102a30:E:0:0:Xffffffff,27", "condition");
	QTDP_ERR("QTDP:1:ffffffff80102a30:E:0:0:X01,27x", "condition");

	QTDP_ERR("QTDP:1:ffffffff80102a30:E:0:0:", "option");
	QTDP_ERR("QTDP:1:ffffffff80102a30:E:0:0:-", "option");
	QTDP_ERR("QTDP:1:ffffffff80102a30:E:0:0:Q", "option");
	QTDP_ERR("QTDP:1:ffffffff80102a30:E:0:0:f5", "option");
}

/* --- continuations and actions -------------------------------------- */

static int qtdp_more(const char *s, size_t n, struct tp_qtdp_more *m)
{
	char *b = exact(s, n);
	field = NULL;
	int rc = tp_parse_qtdp_more(b, n, m, &field);
	if (!rc) {
		assert_true(m->actions >= b &&
			    m->actions + m->actions_len <= b + n);
		m->actions = s + (m->actions - b);
	}
	free(b);
	return rc;
}

#define MORE_ERR(pkt, f) do {						\
		struct tp_qtdp_more m_;					\
		assert_int_equal(qtdp_more(P(pkt), &m_), TP_E_MALFORMED); \
		assert_string_equal(field, (f));			\
	} while (0)

static void test_qtdp_more_gdb(void **state)
{
	(void)state;
	struct tp_qtdp_more m;
	const char *s;

	s = "QTDP:-1:ffffffff80102a30:R0fffff";
	assert_int_equal(qtdp_more(s, strlen(s), &m), 0);
	assert_int_equal(m.num, 1);
	assert_true(m.addr == ADDR);
	assert_false(m.stepping || m.more);
	assert_ptr_equal(m.actions, s + 25);
	assert_int_equal(m.actions_len, 7);

	s = "QTDP:-1:ffffffff80102a30:X00000008,2601220000000527-";
	assert_int_equal(qtdp_more(s, strlen(s), &m), 0);
	assert_true(m.more);
	assert_false(m.stepping);
	assert_int_equal(m.actions_len, strlen("X00000008,2601220000000527"));
	assert_memory_equal(m.actions, "X00000008,", 10);

	s = "QTDP:-1:ffffffff80102a30:SM-1,ffffffff80300000,8";
	assert_int_equal(qtdp_more(s, strlen(s), &m), 0);
	assert_true(m.stepping);
	assert_false(m.more);
	assert_memory_equal(m.actions, "M-1,", 4);
	assert_int_equal(m.actions_len, strlen("M-1,ffffffff80300000,8"));

	assert_int_equal(qtdp_more(P("QTDP:-2:ffffffff80102a30:L-"), &m), 0);
	assert_int_equal(m.actions_len, 1);
	assert_true(m.more);

	/* stringify() emits an empty chunk before an X over 87 bytes. */
	assert_int_equal(qtdp_more(P("QTDP:-1:ffffffff80102a30:-"), &m), 0);
	assert_int_equal(m.actions_len, 0);
	assert_true(m.more);
	assert_false(m.stepping);
	assert_int_equal(qtdp_more(P("QTDP:-1:ffffffff80102a30:S-"), &m), 0);
	assert_int_equal(m.actions_len, 0);
	assert_true(m.more && m.stepping);
	assert_int_equal(qtdp_more(P("QTDP:-1:ffffffff80102a30:"), &m), 0);
	assert_false(m.more);
}

static void test_qtdp_more_errors(void **state)
{
	(void)state;
	MORE_ERR("", "packet");
	MORE_ERR("QTDV:-1:ffffffff80102a30:L", "packet");
	MORE_ERR("QTDP:1:ffffffff80102a30:E:0:0", "number");
	MORE_ERR("QTDP:-", "number");
	MORE_ERR("QTDP:-0:ffffffff80102a30:L", "number");
	MORE_ERR("QTDP:--1:ffffffff80102a30:L", "number");
	MORE_ERR("QTDP:-100000000:ffffffff80102a30:L", "number");
	MORE_ERR("QTDP:-1:80102a30:L", "address");
	MORE_ERR("QTDP:-1:ffffffff80102a30", "address");
	MORE_ERR("QTDP:-1:ffffffff80102a30-", "address");
	MORE_ERR("QTDP:-1:ffffffff80102a30:Q", "action");
	MORE_ERR("QTDP:-1:ffffffff80102a30:SS", "action");
	MORE_ERR("QTDP:-1:ffffffff80102a30:R", "action");
	MORE_ERR("QTDP:-1:ffffffff80102a30:M-", "action");
	MORE_ERR("QTDP:-1:ffffffff80102a30:M-1,,8", "action");
	MORE_ERR("QTDP:-1:ffffffff80102a30:LR03--", "action");
	MORE_ERR("QTDP:-1:ffffffff80102a30:X01,27-L", "action");
	MORE_ERR("QTDP:-1:ffffffff80102a30:X02,27", "action");
	MORE_ERR("QTDP:-1:ffffffff80102a30:L ", "action");
}

static void test_action_list(void **state)
{
	(void)state;
	/* What `collect $regs, *(long *)0xffffffff80300000, buf, $rsp[-2],
	 * x + 1` and `collect $_sdata` would put in one list. */
	static const char list[] =
		"R01ffffffffffffffff"
		"M-1,ffffffff80300000,8"
		"M6,fffffffffffffff0,10"
		"MFFFFFFFF,ffffffff80301000,4"
		"X00000008,2601220000000527"
		"X03,222a27"
		"L";
	char *b = exact(list, sizeof(list) - 1);
	const char *p = b, *end = b + sizeof(list) - 1;
	struct tp_action a;

	assert_int_equal(tp_parse_action(&p, end, &a, &field), 0);
	assert_int_equal(a.kind, TP_ACT_R);
	assert_true(a.rmask[0] == UINT64_MAX && a.rmask[1] == 1);
	assert_true(a.rmask[2] == 0 && a.rmask[3] == 0);

	assert_int_equal(tp_parse_action(&p, end, &a, &field), 0);
	assert_int_equal(a.kind, TP_ACT_M);
	assert_int_equal(a.basereg, TP_BASEREG_NONE);
	assert_true(a.offset == 0xffffffff80300000ull);
	assert_int_equal(a.len, 8);

	/* register-relative: rbp - 16, 16 bytes */
	assert_int_equal(tp_parse_action(&p, end, &a, &field), 0);
	assert_int_equal(a.basereg, 6);
	assert_true(a.offset + 0x1000 == 0xff0);
	assert_int_equal(a.len, 0x10);

	assert_int_equal(tp_parse_action(&p, end, &a, &field), 0);
	assert_int_equal(a.basereg, TP_BASEREG_NONE);
	assert_true(a.offset == 0xffffffff80301000ull);
	assert_int_equal(a.len, 4);

	assert_int_equal(tp_parse_action(&p, end, &a, &field), 0);
	assert_int_equal(a.kind, TP_ACT_X);
	assert_int_equal(a.len, 8);
	assert_memory_equal(a.hex, "2601220000000527", 16);

	assert_int_equal(tp_parse_action(&p, end, &a, &field), 0);
	assert_int_equal(a.kind, TP_ACT_X);
	assert_int_equal(a.len, 3);
	assert_memory_equal(a.hex, "222a27", 6);

	assert_int_equal(tp_parse_action(&p, end, &a, &field), 0);
	assert_int_equal(a.kind, TP_ACT_L);
	assert_ptr_equal(p, end);

	/* Nothing left is not an action. */
	field = NULL;
	assert_int_equal(tp_parse_action(&p, end, &a, &field), TP_E_MALFORMED);
	assert_string_equal(field, "action");
	free(b);
}

static int action1(const char *s, size_t n, struct tp_action *a)
{
	char *b = exact(s, n);
	const char *p = b;
	field = NULL;
	int rc = tp_parse_action(&p, b + n, a, &field);
	if (rc)
		assert_ptr_equal(p, b);		/* untouched on error */
	else
		assert_ptr_equal(p, b + n);	/* the whole action */
	free(b);
	return rc;
}

#define ACT_OK(s) assert_int_equal(action1(P(s), &a), 0)
#define ACT_ERR(s) do {							\
		assert_int_equal(action1(P(s), &a), TP_E_MALFORMED);	\
		assert_string_equal(field, "action");			\
	} while (0)

static void test_action_errors(void **state)
{
	(void)state;
	struct tp_action a;

	/* R: 256 bits at most; leading zeros do not count. */
	ACT_OK("R8000000000000000000000000000000000000000000000000000000000000001");
	assert_true(a.rmask[3] == 1ull << 63 && a.rmask[0] == 1);
	assert_true(a.rmask[1] == 0 && a.rmask[2] == 0);
	ACT_OK("R0000000000000000000000000000000000000000000000000000000000000000"
	       "00000000000000000000000003");
	assert_true(a.rmask[0] == 3);
	ACT_OK("R0");
	assert_true(!a.rmask[0] && !a.rmask[3]);
	ACT_ERR("R");
	ACT_ERR("R18000000000000000000000000000000000000000000000000000000000000000");
	ACT_ERR("Rg");

	ACT_OK("M0,0,0");
	ACT_OK("Mffffffff,ffffffffffffffff,ffffffff");
	assert_int_equal(a.basereg, TP_BASEREG_NONE);
	ACT_ERR("M");
	ACT_ERR("M-");
	ACT_ERR("M-2,10,8");
	ACT_ERR("M-10,10,8");
	ACT_ERR("M100000000,10,8");
	ACT_ERR("M1,10,100000000");
	ACT_ERR("M1,10000000000000000,8");
	ACT_ERR("M1,10");
	ACT_ERR("M1,10,");
	ACT_ERR("M1;10,8");
	ACT_ERR("M,10,8");

	ACT_OK("X1,27");
	ACT_ERR("X");
	ACT_ERR("X0,");
	ACT_ERR("X00000000,");
	ACT_ERR("X1");
	ACT_ERR("X1,");
	ACT_ERR("X1,2");
	ACT_ERR("X1,2g");
	ACT_ERR("Xffffffff,27");
	ACT_ERR("Xffffffffffffffff,27");
	ACT_ERR("X10000000000000000,27");

	ACT_ERR("");
	ACT_ERR("S");
	ACT_ERR("l");
	ACT_ERR("-");
	ACT_ERR(",");

	/* Only the first action is consumed. */
	const char *p = "LL", *end = p + 2;
	assert_int_equal(tp_parse_action(&p, end, &a, &field), 0);
	assert_int_equal(*p, 'L');
}

/* --- QTDPsrc, QTDV --------------------------------------------------- */

static int qtdpsrc(const char *s, size_t n, struct tp_src *src)
{
	char *b = exact(s, n);
	field = NULL;
	int rc = tp_parse_qtdpsrc(b, n, src, &field);
	if (!rc) {
		assert_true(src->hex >= b && src->hex + src->hex_len == b + n);
		src->hex = s + (src->hex - b);
		src->type = s + (src->type - b);
	}
	free(b);
	return rc;
}

#define SRC_ERR(pkt, f) do {						\
		struct tp_src s_;					\
		assert_int_equal(qtdpsrc(P(pkt), &s_), TP_E_MALFORMED);	\
		assert_string_equal(field, (f));			\
	} while (0)

static void test_qtdpsrc(void **state)
{
	(void)state;
	struct tp_src s;

	assert_int_equal(qtdpsrc(P("QTDPsrc:1:ffffffff80102a30:at:0:11:"
				   "6b737475625f73656c66746573745f666e"), &s), 0);
	assert_int_equal(s.num, 1);
	assert_true(s.addr == ADDR);
	assert_int_equal(s.type_len, 2);
	assert_memory_equal(s.type, "at", 2);
	assert_true(s.start == 0 && s.slen == 17);
	assert_int_equal(s.hex_len, 34);

	assert_int_equal(qtdpsrc(P("QTDPsrc:2:ffffffff80102a30:cond:0:5:"
				   "78203e2035"), &s), 0);
	assert_memory_equal(s.type, "cond", 4);
	assert_int_equal(s.hex_len, 10);
	assert_int_equal(qtdpsrc(P("QTDPsrc:2:ffffffff80102a30:cmd:0:d:"
				   "636f6c6c656374202472656773"), &s), 0);
	assert_memory_equal(s.type, "cmd", 3);
	assert_int_equal(qtdpsrc(P("QTDPsrc:2:ffffffff80102a30:cmd:0:3:656e64"),
				 &s), 0);
	/* phex_nz: a short address is what gdb sends here */
	assert_int_equal(qtdpsrc(P("QTDPsrc:1:401136:at:0:4:6d61696e"), &s), 0);
	assert_true(s.addr == 0x401136);
	/* an empty source line, and a later piece of a long one */
	assert_int_equal(qtdpsrc(P("QTDPsrc:1:401136:cmd:0:0:"), &s), 0);
	assert_int_equal(s.hex_len, 0);
	assert_int_equal(qtdpsrc(P("QTDPsrc:1:401136:at:2:4:696e"), &s), 0);
	assert_int_equal(s.start, 2);

	SRC_ERR("QTDP:1:401136:at:0:4:6d61696e", "packet");
	SRC_ERR("QTDPsrc:0:401136:at:0:4:6d61696e", "number");
	SRC_ERR("QTDPsrc:-1:401136:at:0:4:6d61696e", "number");
	SRC_ERR("QTDPsrc:1:401136", "address");
	SRC_ERR("QTDPsrc:1:10000000000000000:at:0:4:6d61696e", "address");
	SRC_ERR("QTDPsrc:1:401136:", "type");
	SRC_ERR("QTDPsrc:1:401136:xx:0:4:6d61696e", "type");
	SRC_ERR("QTDPsrc:1:401136:atx:0:4:6d61696e", "type");
	SRC_ERR("QTDPsrc:1:401136::0:4:6d61696e", "type");
	SRC_ERR("QTDPsrc:1:401136:at", "type");
	SRC_ERR("QTDPsrc:1:401136:at:", "start");
	SRC_ERR("QTDPsrc:1:401136:at:x:4:6d61696e", "start");
	SRC_ERR("QTDPsrc:1:401136:at:5:4:", "start");
	SRC_ERR("QTDPsrc:1:401136:at:0", "start");
	SRC_ERR("QTDPsrc:1:401136:at:0:", "length");
	SRC_ERR("QTDPsrc:1:401136:at:0:4", "length");
	SRC_ERR("QTDPsrc:1:401136:at:0:4x:", "length");
	SRC_ERR("QTDPsrc:1:401136:at:0:4:", "source");
	SRC_ERR("QTDPsrc:1:401136:at:0:4:6d6", "source");
	SRC_ERR("QTDPsrc:1:401136:at:0:4:6d61696e6e", "source");
	SRC_ERR("QTDPsrc:1:401136:at:0:4:6d61696z", "source");
	SRC_ERR("QTDPsrc:1:401136:at:3:4:696e", "source");
	SRC_ERR("QTDPsrc:1:401136:at:4:4:", "source");
}

static int qtdv(const char *s, size_t n, struct tp_tsv *v)
{
	char *b = exact(s, n);
	field = NULL;
	int rc = tp_parse_qtdv(b, n, v, &field);
	if (!rc) {
		assert_true(v->name_hex >= b &&
			    v->name_hex + v->name_hex_len == b + n);
		v->name_hex = s + (v->name_hex - b);
	}
	free(b);
	return rc;
}

#define TSV_ERR(pkt, f) do {						\
		struct tp_tsv v_;					\
		assert_int_equal(qtdv(P(pkt), &v_), TP_E_MALFORMED);	\
		assert_string_equal(field, (f));			\
	} while (0)

static void test_qtdv(void **state)
{
	(void)state;
	struct tp_tsv v;

	/* `tvariable $foo` */
	assert_int_equal(qtdv(P("QTDV:1:0000000000000000:0:666f6f"), &v), 0);
	assert_int_equal(v.num, 1);
	assert_true(v.init == 0);
	assert_false(v.builtin);
	assert_int_equal(v.name_hex_len, 6);
	assert_memory_equal(v.name_hex, "666f6f", 6);
	/* `tvariable $ticks = -1` */
	assert_int_equal(qtdv(P("QTDV:2:ffffffffffffffff:0:7469636b73"), &v), 0);
	assert_true(v.init == -1);
	assert_int_equal(qtdv(P("QTDV:2:8000000000000000:0:7469636b73"), &v), 0);
	assert_true(v.init == INT64_MIN);
	assert_int_equal(qtdv(P("QTDV:2:7fffffffffffffff:1:7469636b73"), &v), 0);
	assert_true(v.init == INT64_MAX);
	assert_true(v.builtin);
	assert_int_equal(qtdv(P("QTDV:3:2a:0:"), &v), 0);
	assert_true(v.init == 42);
	assert_int_equal(v.name_hex_len, 0);

	TSV_ERR("QTDP:1:0:0:666f6f", "packet");
	TSV_ERR("QTDV:", "number");
	TSV_ERR("QTDV::0:0:666f6f", "number");
	TSV_ERR("QTDV:100000000:0:0:666f6f", "number");
	TSV_ERR("QTDV:1", "number");
	TSV_ERR("QTDV:1:", "init");
	TSV_ERR("QTDV:1::0:666f6f", "init");
	TSV_ERR("QTDV:1:-1:0:666f6f", "init");
	TSV_ERR("QTDV:1:10000000000000000:0:666f6f", "init");
	TSV_ERR("QTDV:1:0", "init");
	TSV_ERR("QTDV:1:0:", "builtin");
	TSV_ERR("QTDV:1:0:2:666f6f", "builtin");
	TSV_ERR("QTDV:1:0:01:666f6f", "builtin");
	TSV_ERR("QTDV:1:0:0", "builtin");
	TSV_ERR("QTDV:1:0:0:666f6", "name");
	TSV_ERR("QTDV:1:0:0:666f6g", "name");
	TSV_ERR("QTDV:1:0:0:666f6f:", "name");
}

/* --- tfind, QTro, QTBuffer, QTNotes ---------------------------------- */

static int qtframe(const char *s, size_t n, struct tp_qtframe *f)
{
	char *b = exact(s, n);
	int rc = tp_parse_qtframe(b, n, f);
	free(b);
	return rc;
}

static void test_qtframe(void **state)
{
	(void)state;
	struct tp_qtframe f;

	assert_int_equal(qtframe(P("QTFrame:0"), &f), 0);
	assert_int_equal(f.kind, TP_FRAME_NUM);
	assert_true(f.num == 0);
	assert_int_equal(qtframe(P("QTFrame:1f"), &f), 0);
	assert_true(f.num == 0x1f);
	/* `tfind none` */
	assert_int_equal(qtframe(P("QTFrame:ffffffff"), &f), 0);
	assert_true(f.num == -1);
	assert_int_equal(qtframe(P("QTFrame:7fffffff"), &f), 0);
	assert_true(f.num == 0x7fffffff);

	assert_int_equal(qtframe(P("QTFrame:pc:ffffffff80102a30"), &f), 0);
	assert_int_equal(f.kind, TP_FRAME_PC);
	assert_true(f.a == ADDR);
	assert_int_equal(qtframe(P("QTFrame:tdp:2"), &f), 0);
	assert_int_equal(f.kind, TP_FRAME_TDP);
	assert_true(f.a == 2);
	assert_int_equal(qtframe(P("QTFrame:range:ffffffff80100000:ffffffff801fffff"),
			     &f), 0);
	assert_int_equal(f.kind, TP_FRAME_RANGE);
	assert_true(f.a == 0xffffffff80100000ull && f.b == 0xffffffff801fffffull);
	assert_int_equal(qtframe(P("QTFrame:outside:401000:402000"), &f), 0);
	assert_int_equal(f.kind, TP_FRAME_OUTSIDE);
	assert_true(f.a == 0x401000 && f.b == 0x402000);

	static const char *bad[] = {
		"", "QTFrame", "QTFrame:", "QTFrame:-1", "QTFrame:100000000",
		"QTFrame:1x", "QTFrame:1:", "QTFrame:pc:", "QTFrame:pc",
		"QTFrame:pc:10000000000000000", "QTFrame:pc:1:2", "QTFrame:tdp:",
		"QTFrame:tdp:100000000", "QTFrame:range:1", "QTFrame:range:1:",
		"QTFrame:range::2", "QTFrame:range:1,2", "QTFrame:outside:1:2:",
		"QTFrame:inside:1:2", "QTFrame:PC:1", "qTFrame:1",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(qtframe(bad[i], strlen(bad[i]), &f),
				 TP_E_MALFORMED);
}

struct ranges {
	int n, stop_at;
	u64 s[8], e[8];
};

static int collect_range(u64 start, u64 end, void *arg)
{
	struct ranges *r = arg;
	assert_true(r->n < 8);
	r->s[r->n] = start;
	r->e[r->n] = end;
	return ++r->n == r->stop_at ? 7 : 0;
}

static int qtro(const char *s, size_t n, struct ranges *r)
{
	char *b = exact(s, n);
	memset(r, 0, sizeof(*r));
	int rc = tp_parse_qtro(b, n, collect_range, r);
	free(b);
	return rc;
}

static void test_qtro(void **state)
{
	(void)state;
	struct ranges r;

	/* .text and .rodata of the reference kernel */
	assert_int_equal(qtro(P("QTro:ffffffff80100000,ffffffff80123456"
				":ffffffff80200000,ffffffff80210000"), &r), 0);
	assert_int_equal(r.n, 2);
	assert_true(r.s[0] == 0xffffffff80100000ull &&
		    r.e[0] == 0xffffffff80123456ull);
	assert_true(r.s[1] == 0xffffffff80200000ull &&
		    r.e[1] == 0xffffffff80210000ull);
	assert_int_equal(qtro(P("QTro:1000,1000"), &r), 0);
	assert_int_equal(r.n, 1);

	/* The callback stops the walk, and its value comes back. */
	memset(&r, 0, sizeof(r));
	r.stop_at = 1;
	assert_int_equal(tp_parse_qtro(P("QTro:1,2:3,4"), collect_range, &r), 7);
	assert_int_equal(r.n, 1);
	/* No callback: validation only. */
	assert_int_equal(tp_parse_qtro(P("QTro:1,2:3,4"), NULL, NULL), 0);

	/* A bad range anywhere reports none. */
	static const char *bad[] = {
		"QTro", "QTro:", "QTro:1", "QTro:1,", "QTro:,2", "QTro:1,2:",
		"QTro:1,2:3", "QTro:1,2;3,4", "QTro:2,1", "QTro:1,2:4,3",
		"QTro:1,2x", "QTro1,2", "qTro:1,2", "QTro:1,10000000000000000",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(qtro(bad[i], strlen(bad[i]), &r),
				 TP_E_MALFORMED);
		assert_int_equal(r.n, 0);
	}
}

static int qtbuffer(const char *s, size_t n, struct tp_qtbuffer *q)
{
	char *b = exact(s, n);
	int rc = tp_parse_qtbuffer(b, n, q);
	free(b);
	return rc;
}

static void test_qtbuffer(void **state)
{
	(void)state;
	struct tp_qtbuffer q;

	assert_int_equal(qtbuffer(P("QTBuffer:circular:0"), &q), 0);
	assert_false(q.is_size || q.circular);
	assert_int_equal(qtbuffer(P("QTBuffer:circular:1"), &q), 0);
	assert_true(q.circular);
	assert_false(q.is_size);
	assert_int_equal(qtbuffer(P("QTBuffer:size:-1"), &q), 0);
	assert_true(q.is_size && q.size == -1);
	assert_int_equal(qtbuffer(P("QTBuffer:size:100000"), &q), 0);
	assert_true(q.is_size && q.size == 0x100000);
	assert_int_equal(qtbuffer(P("QTBuffer:size:0"), &q), 0);
	assert_true(q.size == 0);
	assert_int_equal(qtbuffer(P("QTBuffer:size:7fffffffffffffff"), &q), 0);
	assert_true(q.size == INT64_MAX);

	static const char *bad[] = {
		"QTBuffer", "QTBuffer:", "QTBuffer:circular", "QTBuffer:circular:",
		"QTBuffer:circular:2", "QTBuffer:circular:01",
		"QTBuffer:circular:1:", "QTBuffer:size", "QTBuffer:size:",
		"QTBuffer:size:-", "QTBuffer:size:-2", "QTBuffer:size:-10",
		"QTBuffer:size:-1x", "QTBuffer:size:8000000000000000",
		"QTBuffer:size:10000000000000000", "QTBuffer:size:1x",
		"QTBuffer:full:1", "qTBuffer:0,10",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(qtbuffer(bad[i], strlen(bad[i]), &q),
				 TP_E_MALFORMED);
}

static int qtnotes(const char *s, size_t n, struct tp_qtnotes *t)
{
	/* Pointers are checked by offset, so the copy may be freed. */
	char *b = exact(s, n);
	int rc = tp_parse_qtnotes(b, n, t);
	if (!rc) {
		if (t->has_user)
			t->user = s + (t->user - b);
		if (t->has_notes)
			t->notes = s + (t->notes - b);
		if (t->has_tstop)
			t->tstop = s + (t->tstop - b);
	}
	free(b);
	return rc;
}

static void test_qtnotes(void **state)
{
	(void)state;
	struct tp_qtnotes t;

	/* Every tstart with no user or notes set. */
	assert_int_equal(qtnotes(P("QTNotes:user:;notes:;"), &t), 0);
	assert_true(t.has_user && t.has_notes);
	assert_false(t.has_tstop);
	assert_int_equal(t.user_len, 0);
	assert_int_equal(t.notes_len, 0);
	assert_null(t.tstop);
	/* tstop with no note */
	assert_int_equal(qtnotes(P("QTNotes:tstop:;"), &t), 0);
	assert_true(t.has_tstop && !t.has_user && !t.has_notes);

	const char *s = "QTNotes:user:6a6f65;notes:6869;tstop:73746f70;";
	assert_int_equal(qtnotes(s, strlen(s), &t), 0);
	assert_ptr_equal(t.user, s + 13);
	assert_int_equal(t.user_len, 6);
	assert_ptr_equal(t.notes, s + 26);
	assert_int_equal(t.notes_len, 4);
	assert_memory_equal(t.tstop, "73746f70", 8);
	assert_int_equal(t.tstop_len, 8);

	/* Any order; unknown keys skipped whatever they hold. */
	assert_int_equal(qtnotes(P("QTNotes:tstop:6869;color:blue!;user:6a6f65;"),
				 &t), 0);
	assert_true(t.has_tstop && t.has_user && !t.has_notes);
	assert_int_equal(qtnotes(P("QTNotes:"), &t), 0);
	assert_false(t.has_user || t.has_notes || t.has_tstop);

	static const char *bad[] = {
		"QTNotes", "qTNotes:", "QTNotes:user", "QTNotes:user:",
		"QTNotes:user:6a6f65", "QTNotes:user:6a6f6;", "QTNotes:user:6a6f6g;",
		"QTNotes:user:;user:;", "QTNotes::6869;", "QTNotes:;",
		"QTNotes:user:;x", "QTNotes:foo:1", "QTNotes:notes:6869;;",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(qtnotes(bad[i], strlen(bad[i]), &t),
				 TP_E_MALFORMED);
}

/* --- the small ones --------------------------------------------------- */

static void test_small(void **state)
{
	(void)state;
	u32 num;
	u64 addr, off, len;
	bool on;

	assert_int_equal(tp_parse_num_addr(P("QTEnable:1:ffffffff80102a30"),
					   "QTEnable:", &num, &addr), 0);
	assert_true(num == 1 && addr == ADDR);
	assert_int_equal(tp_parse_num_addr(P("QTDisable:1f:ffffffff80102a30"),
					   "QTDisable:", &num, &addr), 0);
	assert_true(num == 0x1f);
	/* qTP uses phex_nz */
	assert_int_equal(tp_parse_num_addr(P("qTP:2:401136"), "qTP:", &num,
					   &addr), 0);
	assert_true(num == 2 && addr == 0x401136);
	static const char *bad_na[] = {
		"qTP:", "qTP:2", "qTP:2:", "qTP::401136", "qTP:2:401136:",
		"qTP:100000000:1", "qTP:2:10000000000000000", "qTP:2:4x",
		"QTP:2:401136", "qTP2:401136",
	};
	for (size_t i = 0; i < sizeof(bad_na) / sizeof(bad_na[0]); i++)
		assert_int_equal(tp_parse_num_addr(bad_na[i], strlen(bad_na[i]),
						   "qTP:", &num, &addr),
				 TP_E_MALFORMED);
	assert_int_equal(tp_parse_num_addr(P("QTEnable:1:1"), "QTDisable:",
					   &num, &addr), TP_E_MALFORMED);

	assert_int_equal(tp_parse_qtv(P("qTV:1"), &num), 0);
	assert_int_equal(num, 1);
	assert_int_equal(tp_parse_qtv(P("qTV:ffffffff"), &num), 0);
	assert_true(num == 0xffffffffu);
	assert_int_equal(tp_parse_qtv(P("qTV:"), &num), TP_E_MALFORMED);
	assert_int_equal(tp_parse_qtv(P("qTV:1x"), &num), TP_E_MALFORMED);
	assert_int_equal(tp_parse_qtv(P("qTV:100000000"), &num), TP_E_MALFORMED);
	assert_int_equal(tp_parse_qtv(P("qTV"), &num), TP_E_MALFORMED);
	assert_int_equal(tp_parse_qtv(P("qTP:1"), &num), TP_E_MALFORMED);

	assert_int_equal(tp_parse_qtbuf_read(P("qTBuffer:0,1f4"), &off, &len), 0);
	assert_true(off == 0 && len == 0x1f4);
	assert_int_equal(tp_parse_qtbuf_read(P("qTBuffer:3e8,ffffffffffffffff"),
					     &off, &len), 0);
	assert_true(off == 0x3e8 && len == UINT64_MAX);
	assert_int_equal(tp_parse_qtbuf_read(P("qTBuffer:0"), &off, &len),
			 TP_E_MALFORMED);
	assert_int_equal(tp_parse_qtbuf_read(P("qTBuffer:0,"), &off, &len),
			 TP_E_MALFORMED);
	assert_int_equal(tp_parse_qtbuf_read(P("qTBuffer:,1"), &off, &len),
			 TP_E_MALFORMED);
	assert_int_equal(tp_parse_qtbuf_read(P("qTBuffer:0,1,"), &off, &len),
			 TP_E_MALFORMED);
	assert_int_equal(tp_parse_qtbuf_read(P("QTBuffer:0,1"), &off, &len),
			 TP_E_MALFORMED);

	assert_int_equal(tp_parse_qtdisconnected(P("QTDisconnected:1"), &on), 0);
	assert_true(on);
	assert_int_equal(tp_parse_qtdisconnected(P("QTDisconnected:0"), &on), 0);
	assert_false(on);
	assert_int_equal(tp_parse_qtdisconnected(P("QTDisconnected:"), &on),
			 TP_E_MALFORMED);
	assert_int_equal(tp_parse_qtdisconnected(P("QTDisconnected:2"), &on),
			 TP_E_MALFORMED);
	assert_int_equal(tp_parse_qtdisconnected(P("QTDisconnected:10"), &on),
			 TP_E_MALFORMED);
	assert_int_equal(tp_parse_qtdisconnected(P("QTDisconnected"), &on),
			 TP_E_MALFORMED);

	assert_int_equal(tp_parse_qtstmat(P("qTSTMat:ffffffff80102a30"), &addr), 0);
	assert_true(addr == ADDR);
	assert_int_equal(tp_parse_qtstmat(P("qTSTMat:"), &addr), TP_E_MALFORMED);
	assert_int_equal(tp_parse_qtstmat(P("qTSTMat:1:"), &addr), TP_E_MALFORMED);
	assert_int_equal(tp_parse_qtstmat(P("qTSTMat"), &addr), TP_E_MALFORMED);
}

/* n is the end, whatever follows in memory: a digit past n is not read. */
static void test_no_nul(void **state)
{
	(void)state;
	struct tp_qtframe f;
	struct tp_tsv v;
	struct tp_qtdp d;
	u32 num;

	assert_int_equal(tp_parse_qtframe("QTFrame:12", 9, &f), 0);
	assert_true(f.num == 1);
	assert_int_equal(tp_parse_qtdv("QTDV:1:0:0:6162", 13, &v, &field), 0);
	assert_int_equal(v.name_hex_len, 2);
	assert_int_equal(tp_parse_qtdp("QTDP:1:ffffffff80102a30:E:0:0-", 29, &d,
				       &field), 0);
	assert_false(d.more);
	assert_int_equal(tp_parse_qtv("qTV:1f", 5, &num), 0);
	assert_int_equal(num, 1);
	assert_int_equal(tp_parse_qtv("qTV:1f", 4, &num), TP_E_MALFORMED);
	/* NUL bytes inside are just bad characters. */
	assert_int_equal(tp_parse_qtv("qTV:1\0", 6, &num), TP_E_MALFORMED);
}

/* --- every prefix, every byte ------------------------------------------ */

static const char *valid[] = {
	"QTDP:1:ffffffff80102a30:E:0:0-",
	"QTDP:2:ffffffff80102a30:E:5:1f4:X08,26012205130f2027",
	"QTDP:3:ffffffff80102a30:D:0:0:F5:X03,222a27-",
	"QTDP:4:ffffffff80102a30:E:0:0:S-",
	"QTDP:-1:ffffffff80102a30:R0fffff",
	"QTDP:-1:ffffffff80102a30:X00000008,2601220000000527-",
	"QTDP:-1:ffffffff80102a30:SM-1,ffffffff80300000,8",
	"QTDP:-1:ffffffff80102a30:R01ffffffffffffffM-1,ffffffff80300000,8"
	"M6,fffffffffffffff0,10X03,222a27L-",
	"QTDPsrc:1:ffffffff80102a30:at:0:11:6b737475625f73656c66746573745f666e",
	"QTDPsrc:2:ffffffff80102a30:cond:0:5:78203e2035",
	"QTDV:1:ffffffffffffffff:0:666f6f",
	"QTFrame:ffffffff", "QTFrame:pc:ffffffff80102a30", "QTFrame:tdp:2",
	"QTFrame:range:ffffffff80100000:ffffffff801fffff",
	"QTFrame:outside:401000:402000",
	"QTro:ffffffff80100000,ffffffff80123456:ffffffff80200000,ffffffff80210000",
	"QTBuffer:circular:1", "QTBuffer:size:-1", "QTBuffer:size:100000",
	"QTNotes:user:6a6f65;notes:6869;tstop:73746f70;",
	"QTEnable:1:ffffffff80102a30", "QTDisable:1:ffffffff80102a30",
	"qTP:1:ffffffff80102a30", "qTV:1", "qTBuffer:0,1f4",
	"QTDisconnected:1", "qTSTMat:ffffffff80102a30",
};

static int stop_second(u64 s, u64 e, void *arg)
{
	int *n = arg;
	assert_true(s <= e);
	return ++*n == 2 ? 5 : 0;
}

/* Every parser on one input: none may fail other than with -1. */
static int parse_any(const char *b, size_t n)
{
	struct tp_qtdp d;
	struct tp_qtdp_more m;
	struct tp_src s;
	struct tp_tsv v;
	struct tp_qtframe f;
	struct tp_qtbuffer q;
	struct tp_qtnotes t;
	struct tp_action a;
	u32 num;
	u64 x, y;
	bool on;
	int ok = 0, rc, cnt = 0;

#define ONE(call) do {							\
		rc = (call);						\
		assert_true(rc == 0 || rc == TP_E_MALFORMED);		\
		ok += !rc;						\
	} while (0)
	ONE(tp_parse_qtdp(b, n, &d, &field));
	ONE(tp_parse_qtdp_more(b, n, &m, &field));
	if (!rc) {
		const char *p = m.actions, *end = p + m.actions_len;
		while (p < end)
			assert_int_equal(tp_parse_action(&p, end, &a, &field), 0);
	}
	ONE(tp_parse_qtdpsrc(b, n, &s, &field));
	ONE(tp_parse_qtdv(b, n, &v, &field));
	ONE(tp_parse_qtframe(b, n, &f));
	rc = tp_parse_qtro(b, n, stop_second, &cnt);
	assert_true(rc == 0 || rc == TP_E_MALFORMED || rc == 5);
	ok += rc != TP_E_MALFORMED;
	ONE(tp_parse_qtbuffer(b, n, &q));
	ONE(tp_parse_qtnotes(b, n, &t));
	ONE(tp_parse_num_addr(b, n, "QTEnable:", &num, &x));
	ONE(tp_parse_num_addr(b, n, "QTDisable:", &num, &x));
	ONE(tp_parse_num_addr(b, n, "qTP:", &num, &x));
	ONE(tp_parse_qtv(b, n, &num));
	ONE(tp_parse_qtbuf_read(b, n, &x, &y));
	ONE(tp_parse_qtdisconnected(b, n, &on));
	ONE(tp_parse_qtstmat(b, n, &x));
#undef ONE
	return ok;
}

static void test_prefixes(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(valid) / sizeof(valid[0]); i++) {
		size_t n = strlen(valid[i]);
		for (size_t k = 0; k <= n; k++) {
			char *b = exact(valid[i], k);
			int ok = parse_any(b, k);
			free(b);
			/* The whole packet parses, as exactly one kind. */
			if (k == n)
				assert_int_equal(ok, 1);
		}
	}
}

/* Each byte of each valid packet replaced by characters that matter to
 * the grammar: no crash, only 0 or -1. */
static void test_mutations(void **state)
{
	(void)state;
	static const char subst[] = { '0', 'f', 'g', ':', ',', ';', '-', 'S',
				      'X', 'M', 'R', 'L', '\0', '\xff' };
	for (size_t i = 0; i < sizeof(valid) / sizeof(valid[0]); i++) {
		size_t n = strlen(valid[i]);
		for (size_t k = 0; k < n; k++)
			for (size_t j = 0; j < sizeof(subst); j++) {
				char *b = exact(valid[i], n);
				b[k] = subst[j];
				parse_any(b, n);
				free(b);
			}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_qtdp_gdb),
		cmocka_unit_test(test_qtdp_errors),
		cmocka_unit_test(test_qtdp_more_gdb),
		cmocka_unit_test(test_qtdp_more_errors),
		cmocka_unit_test(test_action_list),
		cmocka_unit_test(test_action_errors),
		cmocka_unit_test(test_qtdpsrc),
		cmocka_unit_test(test_qtdv),
		cmocka_unit_test(test_qtframe),
		cmocka_unit_test(test_qtro),
		cmocka_unit_test(test_qtbuffer),
		cmocka_unit_test(test_qtnotes),
		cmocka_unit_test(test_small),
		cmocka_unit_test(test_no_nul),
		cmocka_unit_test(test_prefixes),
		cmocka_unit_test(test_mutations),
	};
	return cmocka_run_group_tests_name("tp_parse", tests, NULL, NULL);
}
