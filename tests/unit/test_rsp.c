/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
/*
 * Host unit tests of the RSP packet parsers (stub/rsp_parse.c) and the
 * framing layer (stub/rsp_packet.c) against a scripted fake transport:
 * well-formed packets, and the malformed input a noisy line produces.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "stub/rsp_parse.h"
#include "stub/rsp_packet.h"

#define P(s) (s), (sizeof(s) - 1)

/* --- parsers -------------------------------------------------------- */

static void test_hex(void **state)
{
	(void)state;
	/* The word-at-a-time encoder against the obvious one: every byte
	 * value, every length and alignment around the 4-byte steps. */
	u8 bytes[260];
	char got[2 * 260 + 1], want[2 * 260 + 1];
	for (int i = 0; i < 260; i++)
		bytes[i] = (u8)(i * 7 + 3);
	for (size_t off = 0; off < 4; off++) {
		for (size_t len = 0; len + off <= 260; len++) {
			memset(got, '?', sizeof(got));
			rsp_hex_encode(bytes + off, len, got);
			for (size_t i = 0; i < len; i++)
				snprintf(want + 2 * i, 3, "%02x", bytes[off + i]);
			assert_memory_equal(got, want, 2 * len);
			assert_int_equal(got[2 * len], '?');
		}
	}
	const char *s = "1f,";
	u64 v;
	assert_int_equal(rsp_parse_hex(&s, s + 3, &v), 0);
	assert_int_equal(v, 0x1f);
	assert_int_equal(*s, ',');
	s = "ffffffffffffffff";
	assert_int_equal(rsp_parse_hex(&s, s + 16, &v), 0);
	assert_true(v == UINT64_MAX);
	s = "1ffffffffffffffff"; /* 17 digits: overflow */
	assert_int_equal(rsp_parse_hex(&s, s + 17, &v), -1);
	s = ",";
	assert_int_equal(rsp_parse_hex(&s, s + 1, &v), -1);
	s = "";
	assert_int_equal(rsp_parse_hex(&s, s, &v), -1);

	u8 b[3];
	assert_int_equal(rsp_hex_decode("00ff7A", 3, b), 0);
	assert_int_equal(b[0], 0);
	assert_int_equal(b[1], 0xff);
	assert_int_equal(b[2], 0x7a);
	assert_int_equal(rsp_hex_decode("0g", 1, b), -1);
	char out[7] = { 0 };
	rsp_hex_encode(b, 3, out);
	assert_string_equal(out, "00ff7a");
}

static void test_unescape(void **state)
{
	(void)state;
	u8 buf[] = { 'a', '}', '#' ^ 0x20, '}', '}' ^ 0x20, 'b' };
	assert_int_equal(rsp_unescape(buf, sizeof(buf)), 4);
	assert_memory_equal(buf, "a#}b", 4);
	u8 dangling[] = { 'x', '}' };
	assert_int_equal(rsp_unescape(dangling, 2), -1);
}

static void test_m(void **state)
{
	(void)state;
	struct rsp_mem m;
	assert_int_equal(rsp_parse_m(P("mffffffff80001000,400"), &m), 0);
	assert_true(m.addr == 0xffffffff80001000ull);
	assert_int_equal(m.len, 0x400);
	assert_int_equal(rsp_parse_m(P("m1000"), &m), -1);
	assert_int_equal(rsp_parse_m(P("m1000,"), &m), -1);
	assert_int_equal(rsp_parse_m(P("m,10"), &m), -1);
	assert_int_equal(rsp_parse_m(P("m10,10x"), &m), -1);
	assert_int_equal(rsp_parse_m(P("mzz,4"), &m), -1);
	assert_int_equal(rsp_parse_m(P("m"), &m), -1);
	assert_int_equal(rsp_parse_m(P(""), &m), -1);
}

static void test_M_X(void **state)
{
	(void)state;
	struct rsp_mem m;
	assert_int_equal(rsp_parse_M(P("M100,2:abcd"), &m), 0);
	assert_int_equal(m.addr, 0x100);
	assert_int_equal(m.len, 2);
	assert_int_equal(m.data_len, 4);
	assert_memory_equal(m.data, "abcd", 4);
	assert_int_equal(rsp_parse_M(P("M100,2:abc"), &m), -1);   /* short */
	assert_int_equal(rsp_parse_M(P("M100,2:abcdef"), &m), -1); /* long */
	assert_int_equal(rsp_parse_M(P("M100,2"), &m), -1);
	assert_int_equal(rsp_parse_M(P("M100:ab"), &m), -1);
	assert_int_equal(rsp_parse_X(P("X200,3:a}\x03z"), &m), 0);
	assert_int_equal(m.len, 3);
	assert_int_equal(m.data_len, 4);
	assert_int_equal(rsp_parse_X(P("X200,0:"), &m), 0);
	assert_int_equal(rsp_parse_X(P("X200,3"), &m), -1);
}

static void test_Z(void **state)
{
	(void)state;
	struct rsp_bp b;
	assert_int_equal(rsp_parse_Z(P("Z0,1047a0,1"), &b), 0);
	assert_true(b.insert);
	assert_int_equal(b.type, 0);
	assert_int_equal(b.addr, 0x1047a0);
	assert_int_equal(b.kind, 1);
	assert_int_equal(rsp_parse_Z(P("z2,12a000,8"), &b), 0);
	assert_false(b.insert);
	assert_int_equal(b.type, 2);
	assert_int_equal(rsp_parse_Z(P("Z0,10,1;X1,0"), &b), 0); /* cond */
	assert_int_equal(rsp_parse_Z(P("Z5,10,1"), &b), -1);
	assert_int_equal(rsp_parse_Z(P("Z0,10"), &b), -1);
	assert_int_equal(rsp_parse_Z(P("Z0,10,1x"), &b), -1);
	assert_int_equal(rsp_parse_Z(P("Z"), &b), -1);
}

/* What gdb 13 sends with condition-evaluation target and agent dprintf. */
static void test_Z_agent(void **state)
{
	(void)state;
	struct rsp_bp_agent a;
	assert_int_equal(rsp_parse_Z_agent(P("Z0,1201f0,1"), &a), 0);
	assert_int_equal(a.nconds + a.ncmds, 0);
	assert_int_equal(rsp_parse_Z_agent(P("Z0,1201f0,1;X7,2605220313270aX1,27"), &a), 0);
	assert_int_equal(a.nconds, 2);
	assert_int_equal(a.conds[0].len, 7);
	assert_memory_equal(a.conds[0].hex, "2605220313270a", 14);
	assert_int_equal(a.conds[1].len, 1);
	assert_int_equal(rsp_parse_Z_agent(P("Z0,1201f0,1;X1,27;cmds:1,X2,2727X1,27"), &a), 0);
	assert_int_equal(a.nconds, 1);
	assert_int_equal(a.ncmds, 2);
	assert_true(a.persist);
	assert_int_equal(rsp_parse_Z_agent(P("Z0,1201f0,1;cmds:0,X1,27"), &a), 0);
	assert_int_equal(a.ncmds, 1);
	assert_false(a.persist);
	/* Truncated, odd, empty, unknown: malformed. */
	static const char *const bad[] = {
		"Z0,1201f0,1;", "Z0,1201f0,1;X", "Z0,1201f0,1;X2,27", "Z0,1201f0,1;X0,",
		"Z0,1201f0,1;Y1,27", "Z0,1201f0,1;cmds:", "Z0,1201f0,1;cmds:1,",
		"Z0,1201f0,1;cmds:1,X1,27;X1,27", "Z0,1201f0,1;X1,27junk",
		"Z0,1201f0,1;X1,27X1,27X1,27X1,27X1,27X1,27X1,27X1,27X1,27",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(rsp_parse_Z_agent(bad[i], strlen(bad[i]), &a), -1);
}

static void test_p_P(void **state)
{
	(void)state;
	u64 r;
	const char *v;
	size_t n;
	assert_int_equal(rsp_parse_p(P("p10"), &r), 0);
	assert_int_equal(r, 16);
	assert_int_equal(rsp_parse_p(P("p"), &r), -1);
	assert_int_equal(rsp_parse_p(P("p1,"), &r), -1);
	assert_int_equal(rsp_parse_P(P("P10=0011223344556677"), &r, &v, &n), 0);
	assert_int_equal(r, 16);
	assert_int_equal(n, 16);
	assert_int_equal(rsp_parse_P(P("P10="), &r, &v, &n), -1);
	assert_int_equal(rsp_parse_P(P("P10=123"), &r, &v, &n), -1);
	assert_int_equal(rsp_parse_P(P("P10"), &r, &v, &n), -1);
}

static void test_threads(void **state)
{
	(void)state;
	char op;
	s64 tid;
	assert_int_equal(rsp_parse_H(P("Hg3"), &op, &tid), 0);
	assert_int_equal(op, 'g');
	assert_int_equal(tid, 3);
	assert_int_equal(rsp_parse_H(P("Hc-1"), &op, &tid), 0);
	assert_int_equal(tid, RSP_TID_ALL);
	assert_int_equal(rsp_parse_H(P("Hg0"), &op, &tid), 0);
	assert_int_equal(tid, RSP_TID_ANY);
	assert_int_equal(rsp_parse_H(P("Hgp1.4"), &op, &tid), 0);
	assert_int_equal(tid, 4);
	assert_int_equal(rsp_parse_H(P("Hx1"), &op, &tid), -1);
	assert_int_equal(rsp_parse_H(P("Hg"), &op, &tid), -1);
	assert_int_equal(rsp_parse_H(P("Hg-2"), &op, &tid), -1);
	assert_int_equal(rsp_parse_T(P("T2"), &tid), 0);
	assert_int_equal(tid, 2);
	assert_int_equal(rsp_parse_T(P("T"), &tid), -1);
	assert_int_equal(rsp_parse_T(P("Tq"), &tid), -1);
}

static void test_vcont(void **state)
{
	(void)state;
	struct rsp_vcont v;
	assert_int_equal(rsp_parse_vcont(P("vCont;s:2;c"), &v), 0);
	assert_int_equal(v.n, 2);
	assert_int_equal(v.a[0].act, 's');
	assert_int_equal(v.a[0].tid, 2);
	assert_int_equal(v.a[1].act, 'c');
	assert_int_equal(v.a[1].tid, RSP_TID_ALL);
	assert_int_equal(rsp_parse_vcont(P("vCont;C0b:p1.3;c"), &v), 0);
	assert_int_equal(v.a[0].act, 'C');
	assert_int_equal(v.a[0].sig, 11);
	assert_int_equal(v.a[0].tid, 3);
	assert_int_equal(rsp_parse_vcont(P("vCont;r1000,2000:1"), &v), 0);
	assert_int_equal(rsp_parse_vcont(P("vCont"), &v), -1);
	assert_int_equal(rsp_parse_vcont(P("vCont;"), &v), -1);
	assert_int_equal(rsp_parse_vcont(P("vCont;x"), &v), -1);
	assert_int_equal(rsp_parse_vcont(P("vCont;s:"), &v), -1);
	assert_int_equal(rsp_parse_vcont(P("vCont;C1"), &v), -1);
	assert_int_equal(rsp_parse_vcont(P("vCont;c;;c"), &v), -1);
	char many[256] = "vCont";
	for (int i = 0; i < RSP_VCONT_MAX + 1; i++)
		strcat(many, ";c");
	assert_int_equal(rsp_parse_vcont(many, strlen(many), &v), -1);
}

static void test_resume(void **state)
{
	(void)state;
	struct rsp_resume r;
	assert_int_equal(rsp_parse_resume(P("c"), &r), 0);
	assert_false(r.has_addr);
	assert_int_equal(rsp_parse_resume(P("s1000"), &r), 0);
	assert_true(r.has_addr);
	assert_int_equal(r.addr, 0x1000);
	assert_int_equal(rsp_parse_resume(P("C05;2000"), &r), 0);
	assert_int_equal(r.sig, 5);
	assert_int_equal(r.addr, 0x2000);
	assert_int_equal(rsp_parse_resume(P("S0b"), &r), 0);
	assert_int_equal(rsp_parse_resume(P("C"), &r), -1);
	assert_int_equal(rsp_parse_resume(P("C100"), &r), -1);
	assert_int_equal(rsp_parse_resume(P("cq"), &r), -1);
	assert_int_equal(rsp_parse_resume(P("x"), &r), -1);
}

static void test_qxfer_qrcmd_is(void **state)
{
	(void)state;
	struct rsp_qxfer x;
	assert_int_equal(rsp_parse_qxfer_read(P("qXfer:features:read:target.xml:0,fff"), &x), 0);
	assert_int_equal(x.object_len, 8);
	assert_memory_equal(x.object, "features", 8);
	assert_int_equal(x.annex_len, 10);
	assert_int_equal(x.length, 0xfff);
	assert_int_equal(rsp_parse_qxfer_read(P("qXfer:threads:read::10,20"), &x), 0);
	assert_int_equal(x.annex_len, 0);
	assert_int_equal(x.offset, 0x10);
	assert_int_equal(rsp_parse_qxfer_read(P("qXfer:threads:write::0,1"), &x), -1);
	assert_int_equal(rsp_parse_qxfer_read(P("qXfer:threads:read::0"), &x), -1);
	assert_int_equal(rsp_parse_qxfer_read(P("qXfer:threads"), &x), -1);

	char cmd[16];
	assert_int_equal(rsp_parse_qrcmd(P("qRcmd,68656c70"), cmd, sizeof(cmd)), 0);
	assert_string_equal(cmd, "help");
	assert_int_equal(rsp_parse_qrcmd(P("qRcmd,686"), cmd, sizeof(cmd)), -1);
	assert_int_equal(rsp_parse_qrcmd(P("qRcmd,6800"), cmd, sizeof(cmd)), -1);
	assert_int_equal(rsp_parse_qrcmd(P("qRcmd,6868686868686868686868686868686868"),
					 cmd, sizeof(cmd)), -1);

	assert_true(rsp_is(P("qSupported:multiprocess+"), "qSupported", ":"));
	assert_true(rsp_is(P("qC"), "qC", ""));
	assert_false(rsp_is(P("qCRC:1,2"), "qC", ""));
	assert_false(rsp_is(P("vContX"), "vCont", ";"));
}

/* --- framing ---------------------------------------------------------- */

static const u8 *in_data;
static size_t in_len, in_pos;
static char sent[4096];
static size_t sent_len;

static int fake_getc(u32 timeout_ms)
{
	(void)timeout_ms;
	if (in_pos >= in_len)
		return -1;
	return in_data[in_pos++];
}

static void fake_write(const u8 *b, size_t n)
{
	memcpy(sent + sent_len, b, n);
	sent_len += n;
	sent[sent_len] = 0;
}

static const struct rsp_transport fake = {
	.name = "fake", .getc = fake_getc, .write = fake_write,
};

static struct rsp_conn conn;
static char pkt[RSP_PACKET_MAX];

static void feed(const char *s, size_t n)
{
	in_data = (const u8 *)s;
	in_len = n;
	in_pos = 0;
	sent_len = 0;
	sent[0] = 0;
	rsp_conn_init(&conn, &fake);
}

static void test_recv_good_and_bad(void **state)
{
	(void)state;
	size_t n;
	/* Noise, a bad checksum (nak'd), then a good packet (ack'd). */
	feed(P("xx+-$g#00$g#67"));
	assert_int_equal(rsp_recv(&conn, pkt, &n, 0), RSP_OK);
	assert_int_equal(n, 1);
	assert_string_equal(pkt, "g");
	assert_string_equal(sent, "-+");
	assert_int_equal(conn.bad_checksums, 1);

	/* A '$' inside a packet restarts it (gdb resent after a stall). */
	feed(P("$m10$g#67"));
	assert_int_equal(rsp_recv(&conn, pkt, &n, 0), RSP_OK);
	assert_string_equal(pkt, "g");

	/* Ctrl-C outside a packet. */
	feed(P("\x03"));
	assert_int_equal(rsp_recv(&conn, pkt, &n, 0), RSP_INTERRUPT);

	/* A packet that stops half-way, then silence: timeout, no crash. */
	feed(P("$qSupp"));
	assert_int_equal(rsp_recv(&conn, pkt, &n, 0), RSP_TIMEOUT);

	/* Bad checksum digits. */
	feed(P("$g#zz$?#3f"));
	assert_int_equal(rsp_recv(&conn, pkt, &n, 0), RSP_OK);
	assert_string_equal(pkt, "?");

	/* No-ack mode sends no acks. */
	feed(P("$?#3f"));
	conn.no_ack = true;
	assert_int_equal(rsp_recv(&conn, pkt, &n, 0), RSP_OK);
	assert_int_equal(sent_len, 0);
}

static void test_recv_too_long(void **state)
{
	(void)state;
	static char big[RSP_PACKET_MAX + 16];
	size_t n, k = 0;
	u8 sum = 0;
	big[k++] = '$';
	for (int i = 0; i < RSP_PACKET_MAX + 2; i++) {
		big[k++] = 'a';
		sum += 'a';
	}
	k += (size_t)snprintf(big + k, 4, "#%02x", sum);
	feed(big, k);
	assert_int_equal(rsp_recv(&conn, pkt, &n, 0), RSP_TOO_LONG);
	assert_true(n < RSP_PACKET_MAX);
}

static void test_send_and_retransmit(void **state)
{
	(void)state;
	/* '-' then '+': sent twice. */
	feed(P("-+"));
	rsp_send(&conn, "OK", 2);
	assert_string_equal(sent, "$OK#9a$OK#9a");
	assert_int_equal(conn.retransmits, 1);

	/* gdb starts a new packet instead of acking: kept for rsp_recv. */
	feed(P("$?#3f"));
	rsp_send(&conn, "OK", 2);
	size_t n;
	assert_int_equal(rsp_recv(&conn, pkt, &n, 0), RSP_OK);
	assert_string_equal(pkt, "?");

	/* Silence: bounded resends, then give up (no hang). */
	feed(P(""));
	rsp_send(&conn, "OK", 2);
	assert_true(conn.retransmits > 0 && conn.retransmits <= 20);

	/* The last reply of a session: silence gets two resends only. */
	feed(P(""));
	conn.retransmits = 0;
	rsp_send_last(&conn, "OK", 2);
	assert_int_equal(conn.retransmits, 2);
	feed(P("+"));
	rsp_send_last(&conn, "OK", 2);
	assert_int_equal(conn.retransmits, 0);
	assert_string_equal(sent, "$OK#9a");

	u8 out[16];
	assert_int_equal(rsp_frame("", 0, out), 4);
	assert_memory_equal(out, "$#00", 4);
}


/*
 * Run-length encoding against gdb's decoder (remote.c read_frame): after
 * '*', the next character c repeats the previous one c - 29 more times;
 * the checksum covers the characters as sent.  The count character must
 * be printable, neither '#' nor '$', at most '~'.
 */
static size_t gdb_decode(const u8 *pkt, size_t len, char *body, size_t cap)
{
	assert_true(len >= 4);
	assert_int_equal(pkt[0], '$');
	assert_int_equal(pkt[len - 3], '#');
	u8 sum = 0;
	size_t n = 0;
	for (size_t i = 1; i < len - 3; i++) {
		u8 c = pkt[i];
		assert_true(c != '$' && c != '#');
		sum = (u8)(sum + c);
		if (c == '*') {
			assert_true(n > 0);		/* something to repeat */
			assert_true(i + 1 < len - 3);
			u8 cnt = pkt[++i];
			sum = (u8)(sum + cnt);
			assert_true(cnt >= ' ' && cnt <= '~');
			assert_true(cnt != '#' && cnt != '$');
			for (int k = 0; k < cnt - 29; k++) {
				assert_true(n < cap);
				body[n] = body[n - 1];
				n++;
			}
			continue;
		}
		assert_true(n < cap);
		body[n++] = (char)c;
	}
	char cs[3];
	snprintf(cs, sizeof(cs), "%02x", sum);
	assert_memory_equal(&pkt[len - 2], cs, 2);
	return n;
}

static void check_rle(const char *body, size_t n)
{
	static u8 out[RSP_PACKET_MAX + 4];
	static char back[RSP_PACKET_MAX];
	size_t len = rsp_frame(body, n, out);
	assert_true(len <= n + 4);
	assert_int_equal(gdb_decode(out, len, back, sizeof(back)), n);
	assert_memory_equal(back, body, n);
}

static void test_rle(void **state)
{
	(void)state;
	static char body[RSP_PACKET_MAX];
	u8 out[64];

	/* Short runs stay as they are; four and more are encoded. */
	assert_int_equal(rsp_frame("aaa", 3, out), 7);
	assert_memory_equal(out, "$aaa#", 5);
	assert_int_equal(rsp_frame("0000", 4, out), 7);
	assert_memory_equal(out, "$0* #", 5);

	/* Every run length up to well past one count character, of a
	 * character gdb treats specially elsewhere too. */
	const char chars[] = { '0', 'x', '}', '+', '-', ' ', '~' };
	for (size_t c = 0; c < sizeof(chars); c++) {
		for (size_t run = 1; run <= 300; run++) {
			memset(body, chars[c], run);
			body[run] = 'z';
			check_rle(body, run + 1);
		}
	}
	/* Runs of 7 and 8 would need '#' and '$' as counts. */
	memset(body, '0', 7);
	size_t len = rsp_frame(body, 7, out);
	assert_memory_equal(out, "$0*\"0#", 6);
	assert_int_equal(len, 8);
	memset(body, '0', 8);
	len = rsp_frame(body, 8, out);
	assert_memory_equal(out, "$0*\"00#", 7);

	/* A full packet of zeros (a 'm' reply of zero bytes) shrinks ~30x. */
	memset(body, '0', RSP_PACKET_MAX);
	static u8 big[RSP_PACKET_MAX + 4];
	len = rsp_frame(body, RSP_PACKET_MAX, big);
	assert_true(len < RSP_PACKET_MAX / 30);
	check_rle(body, RSP_PACKET_MAX);

	/* Random bodies with random runs, binary bytes included (gdb's
	 * reader sees '*' only as encoding: bodies never hold a raw '*',
	 * '#' or '$', escaping sees to that). */
	unsigned seed = 12345;
	for (int round = 0; round < 2000; round++) {
		size_t n = 0, want = (size_t)(seed % 2000);
		while (n < want) {
			seed = seed * 1103515245u + 12345u;
			char ch = (char)(seed >> 16);
			if (ch == '*' || ch == '#' || ch == '$')
				ch = 'q';
			size_t run = (seed >> 8) % 7 == 0 ? (seed >> 4) % 250 : 1;
			for (size_t k = 0; k < run && n < want; k++)
				body[n++] = ch;
		}
		check_rle(body, n);
		seed = seed * 1103515245u + 12345u;
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hex),
		cmocka_unit_test(test_unescape),
		cmocka_unit_test(test_m),
		cmocka_unit_test(test_M_X),
		cmocka_unit_test(test_Z),
		cmocka_unit_test(test_Z_agent),
		cmocka_unit_test(test_p_P),
		cmocka_unit_test(test_threads),
		cmocka_unit_test(test_vcont),
		cmocka_unit_test(test_resume),
		cmocka_unit_test(test_qxfer_qrcmd_is),
		cmocka_unit_test(test_recv_good_and_bad),
		cmocka_unit_test(test_recv_too_long),
		cmocka_unit_test(test_send_and_retransmit),
		cmocka_unit_test(test_rle),
	};
	return cmocka_run_group_tests_name("rsp", tests, NULL, NULL);
}
