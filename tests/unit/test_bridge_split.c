/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
/*
 * Unit tests of kstub-bridge's stream splitter (host-tools/bridge_split.c):
 * console text and RSP on one line, split into events.  Every scenario is
 * fed whole, byte by byte and cut at every position: the events' contents
 * must not depend on how the reads fell.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "host-tools/bridge_split.h"

#define MAXP 4096

/* --- a recorder of events --------------------------------------------- */

struct rec {
	char console[1 << 16];	/* everything for the console side */
	size_t console_len;
	char gdb[1 << 16];	/* everything for the debugger */
	size_t gdb_len;
	/* the RSP events in order: "<P", "<+", "<O", ">P", ">^C", ... */
	char kinds[4096];
	unsigned flags_or;	/* union of all flags seen */
	int packets, acks, naks, breaks, resends, badsums, notifies;
	int console_o, monitor_o, o_to_gdb;
};

static void on_ev(void *ctx, const struct bs_event *ev)
{
	struct rec *r = ctx;
	r->flags_or |= ev->flags;
	if (ev->dir == BS_FROM_TARGET) {
		if (ev->to_gdb) {
			assert_true(r->gdb_len + ev->raw_len <= sizeof(r->gdb));
			memcpy(r->gdb + r->gdb_len, ev->raw, ev->raw_len);
			r->gdb_len += ev->raw_len;
		}
		if (ev->console) {
			assert_true(r->console_len + ev->console_len <= sizeof(r->console));
			memcpy(r->console + r->console_len, ev->console, ev->console_len);
			r->console_len += ev->console_len;
		}
	}
	if (ev->type == BS_TEXT)
		return;
	const char *k = "?";
	switch (ev->type) {
	case BS_PACKET:
		k = ev->flags & BS_F_CONSOLE ? "O" : ev->flags & BS_F_MONITOR ? "M" : "P";
		r->packets++;
		break;
	case BS_NOTIFY:
		k = "N";
		r->notifies++;
		break;
	case BS_ACK:
		k = "+";
		r->acks++;
		break;
	case BS_NAK:
		k = "-";
		r->naks++;
		break;
	case BS_BREAK:
		k = "^C";
		r->breaks++;
		break;
	default:
		break;
	}
	r->resends += !!(ev->flags & BS_F_RESEND);
	r->badsums += !!(ev->flags & BS_F_BADSUM);
	r->console_o += !!(ev->flags & BS_F_CONSOLE);
	r->monitor_o += !!(ev->flags & BS_F_MONITOR);
	r->o_to_gdb += (ev->flags & BS_F_CONSOLE) && ev->to_gdb;
	strcat(r->kinds, ev->dir == BS_FROM_TARGET ? "<" : ">");
	strcat(r->kinds, k);
	strcat(r->kinds, " ");
}

/* A scenario: steps of bytes from the target ('<'), from gdb ('>'), or
 * an idle flush ('.'). */
struct step {
	char who;
	const char *bytes;
	size_t len;		/* 0: strlen(bytes) */
};

#define T(s) { '<', (s), sizeof(s) - 1 }
#define G(s) { '>', (s), sizeof(s) - 1 }
#define IDLE { '.', "", 0 }
#define END { 0, NULL, 0 }

/* Feed the steps; target steps are cut into pieces of `chunk` bytes
 * (0: whole), or at `cut` (a single cut position across the whole target
 * stream, -1: none). */
static void run(struct rec *r, const struct step *s, bool debugger,
		size_t chunk, long cut)
{
	struct bsplit bs;
	memset(r, 0, sizeof(*r));
	assert_int_equal(bsplit_init(&bs, MAXP), 0);
	bsplit_set_debugger(&bs, debugger);
	long pos = 0;
	for (; s->who; s++) {
		const uint8_t *p = (const uint8_t *)s->bytes;
		size_t n = s->len;
		if (s->who == '.') {
			bsplit_flush(&bs, on_ev, r);
			continue;
		}
		if (s->who == '>') {
			bsplit_gdb(&bs, p, n, on_ev, r);
			continue;
		}
		if (cut >= 0 && cut > pos && cut < pos + (long)n) {
			size_t a = (size_t)(cut - pos);
			bsplit_target(&bs, p, a, on_ev, r);
			bsplit_target(&bs, p + a, n - a, on_ev, r);
		} else if (chunk) {
			for (size_t i = 0; i < n; i += chunk)
				bsplit_target(&bs, p + i, n - i < chunk ? n - i : chunk,
					      on_ev, r);
		} else {
			bsplit_target(&bs, p, n, on_ev, r);
		}
		pos += (long)n;
	}
	bsplit_flush(&bs, on_ev, r);
	bsplit_free(&bs);
}

static long target_len(const struct step *s)
{
	long n = 0;
	for (; s->who; s++)
		if (s->who == '<')
			n += (long)s->len;
	return n;
}

/* Run whole, byte by byte and cut everywhere; all runs must agree with
 * the whole one (returned in *r). */
static void run_all_ways(struct rec *r, const struct step *s, bool debugger)
{
	static struct rec other;
	run(r, s, debugger, 0, -1);
	run(&other, s, debugger, 1, -1);
	assert_int_equal(other.console_len, r->console_len);
	assert_memory_equal(other.console, r->console, r->console_len);
	assert_int_equal(other.gdb_len, r->gdb_len);
	assert_memory_equal(other.gdb, r->gdb, r->gdb_len);
	assert_string_equal(other.kinds, r->kinds);
	for (long c = 1; c < target_len(s); c++) {
		run(&other, s, debugger, 0, c);
		assert_int_equal(other.console_len, r->console_len);
		assert_memory_equal(other.console, r->console, r->console_len);
		assert_int_equal(other.gdb_len, r->gdb_len);
		assert_memory_equal(other.gdb, r->gdb, r->gdb_len);
		assert_string_equal(other.kinds, r->kinds);
	}
}

static void assert_console(const struct rec *r, const char *want)
{
	assert_int_equal(r->console_len, strlen(want));
	assert_memory_equal(r->console, want, r->console_len);
}

static void assert_gdb(const struct rec *r, const char *want)
{
	assert_int_equal(r->gdb_len, strlen(want));
	assert_memory_equal(r->gdb, want, r->gdb_len);
}

/* Frame a body: "$body#xx". */
static char *frame(const char *body, char *out)
{
	unsigned sum = 0;
	for (const char *p = body; *p; p++)
		sum += (unsigned char)*p;
	sprintf(out, "$%s#%02x", body, sum & 0xff);
	return out;
}

/* --- tests -------------------------------------------------------------- */

static void test_console_only(void **state)
{
	(void)state;
	struct rec r;
	static const struct step s[] = {
		T("kstub reference kernel, cmdline: \"kstub=ttyS0\"\r\n"),
		T("heartbeat: ticks 0:100 1:99\r\nuser: pid=1 iteration=3\r\n"),
		END,
	};
	run_all_ways(&r, s, true);
	assert_console(&r, "kstub reference kernel, cmdline: \"kstub=ttyS0\"\r\n"
		       "heartbeat: ticks 0:100 1:99\r\nuser: pid=1 iteration=3\r\n");
	assert_int_equal(r.gdb_len, 0);
	assert_string_equal(r.kinds, "");
}

/* gdb attaches to a kernel that prints raw console text: its packets are
 * acked and answered; the text around them stays on the console. */
static void test_session_split_across_reads(void **state)
{
	(void)state;
	struct rec r;
	static const struct step s[] = {
		T("user: pid=1 iteration=7 getpid=1\r\nheart"),
		G("+$qSupported:multiprocess+;swbreak+#1b"),
		T("beat: ticks 0:5\r\n"),
		/* the stub's ack and reply */
		T("+$PacketSize=4000;qXfer:features:read+#cf"),
		G("+$?#3f"),
		T("+$T05thread:01;#07"),
		G("+$g#67"),
		T("+$00112233#8c"),
		G("+"),
		END,
	};
	run_all_ways(&r, s, true);
	assert_console(&r, "user: pid=1 iteration=7 getpid=1\r\nheartbeat: ticks 0:5\r\n");
	assert_gdb(&r, "+$PacketSize=4000;qXfer:features:read+#cf+$T05thread:01;#07"
		   "+$00112233#8c");
	assert_string_equal(r.kinds, ">+ >P <+ <P >+ >P <+ <P >+ >P <+ <P >+ ");
	assert_int_equal(r.badsums, 0);
}

static void test_dollar_in_console_text(void **state)
{
	(void)state;
	struct rec r;
	char pkt[64];
	frame("T05", pkt);
	struct step s[] = {
		T("price: $5 and #7 tomorrow\r\n"),
		T("two $$ signs, a $# and $ab#zz\r\n"),
		{ '<', pkt, strlen(pkt) },
		T("after $"),
		IDLE,		/* the '$' never completes: console text */
		T(" it\r\n"),
		END,
	};
	run_all_ways(&r, s, true);
	assert_console(&r, "price: $5 and #7 tomorrow\r\ntwo $$ signs, a $# and $ab#zz\r\n"
		       "after $ it\r\n");
	assert_gdb(&r, "$T05#b9");
	assert_string_equal(r.kinds, "<P ");
}

/* Without the idle flush, a '$' holds text back until something decides:
 * the next '$' (a restart) releases it. */
static void test_dollar_restart_releases_text(void **state)
{
	(void)state;
	struct rec r;
	static const struct step s[] = {
		T("cost $3 each\r\n$OK#9a"),
		END,
	};
	run(&r, s, true, 0, -1);
	assert_console(&r, "cost $3 each\r\n");
	assert_gdb(&r, "$OK#9a");
}

static void test_binary_escapes(void **state)
{
	(void)state;
	struct rec r;
	/* Body bytes: '}' '\x03' (an escaped '#'), '}' '\x04' (escaped '$'),
	 * '}' ']' (escaped '}'), a raw '#'-free binary run, '*' RLE. */
	static const char body[] = "b}\x03x}\x04y}]z\x01\xff\x80*!";
	unsigned sum = 0;
	for (const char *p = body; *p; p++)
		sum += (unsigned char)*p;
	char pkt[64];
	int n = sprintf(pkt, "$%s#%02x", body, sum & 0xff);
	/* And a packet whose escaped byte is a literal '$' and '#' after '}'. */
	static const char body2[] = "X}$}#";
	sum = 0;
	for (const char *p = body2; *p; p++)
		sum += (unsigned char)*p;
	char pkt2[32];
	int n2 = sprintf(pkt2, "$%s#%02x", body2, sum & 0xff);
	struct step s[] = {
		G("$m1000,10#bb"),
		T("+"),
		{ '<', pkt, (size_t)n },
		G("+$m2000,10#bc"),
		T("+"),
		{ '<', pkt2, (size_t)n2 },
		T("console\r\n"),
		END,
	};
	run_all_ways(&r, s, true);
	char want[128];
	snprintf(want, sizeof(want), "+%s+%s", pkt, pkt2);
	assert_gdb(&r, want);
	assert_console(&r, "console\r\n");
	assert_int_equal(r.badsums, 0);
	assert_string_equal(r.kinds, ">P <+ <P >+ >P <+ <P ");
}

static void test_o_packets(void **state)
{
	(void)state;
	struct rec r;
	char o1[64], o2[64], o3[64], m1[64];
	frame("O48690a", o1);			/* "Hi\n" */
	frame("O6f6b0d0a", o2);			/* "ok\r\n": CR kept, not doubled */
	frame("O3*\"0a", o3);			/* RLE: "3" + 5 more, "0a": "333\n" */
	frame("O6d6f6e0a", m1);			/* "mon\n": monitor output */
	struct step s[] = {
		/* Target running, stub attached, gdb not waiting for a stop
		 * (just connected): console only. */
		{ '<', o1, strlen(o1) },
		/* gdb continues: now O packets are gdb's too. */
		G("$c#63"),
		T("+"),
		{ '<', o2, strlen(o2) },
		{ '<', o3, strlen(o3) },
		G("+"),
		G("\x03"),
		T("$T02thread:01;#04"),
		G("+$qRcmd,6d6f6e#f4"),
		T("+"),
		{ '<', m1, strlen(m1) },
		G("+"),
		T("$OK#9a"),
		G("+"),
		/* Not running again: console only. */
		{ '<', o1, strlen(o1) },
		END,
	};
	run_all_ways(&r, s, true);
	assert_console(&r, "Hi\r\nok\r\n333\r\nHi\r\n");
	char want[256];
	snprintf(want, sizeof(want), "+%s%s$T02thread:01;#04+%s$OK#9a", o2, o3, m1);
	assert_gdb(&r, want);
	assert_int_equal(r.console_o, 4);
	assert_int_equal(r.o_to_gdb, 2);
	assert_int_equal(r.monitor_o, 1);
	assert_int_equal(r.breaks, 1);
	assert_string_equal(r.kinds, "<O >P <+ <O <O >+ >^C <P >+ >P <+ <M >+ <P >+ <O ");

	/* With no debugger every O packet is console and nothing goes to gdb. */
	run_all_ways(&r, s, false);
	assert_console(&r, "Hi\r\nok\r\n333\r\nHi\r\n");
	assert_int_equal(r.gdb_len, 0);
}

static void test_decode_o(void **state)
{
	(void)state;
	char out[64];
	assert_int_equal(bsplit_decode_o((const uint8_t *)"O414243", 7, out, sizeof(out)), 3);
	assert_memory_equal(out, "ABC", 3);
	assert_int_equal(bsplit_decode_o((const uint8_t *)"OK", 2, out, sizeof(out)), -1);
	assert_int_equal(bsplit_decode_o((const uint8_t *)"O", 1, out, sizeof(out)), -1);
	assert_int_equal(bsplit_decode_o((const uint8_t *)"O4", 2, out, sizeof(out)), -1);
	assert_int_equal(bsplit_decode_o((const uint8_t *)"O4g", 3, out, sizeof(out)), -1);
	assert_int_equal(bsplit_decode_o((const uint8_t *)"E01", 3, out, sizeof(out)), -1);
	assert_int_equal(bsplit_decode_o((const uint8_t *)"O41*", 4, out, sizeof(out)), -1);
	/* escaped hex digit, RLE of a digit */
	assert_int_equal(bsplit_decode_o((const uint8_t *)"O}\x14" "1", 4, out, sizeof(out)), 1);
	assert_int_equal(out[0], 0x41);
	assert_int_equal(bsplit_decode_o((const uint8_t *)"O0* ", 4, out, sizeof(out)), 2);
	assert_memory_equal(out, "\0\0", 2);
	/* too long for the buffer: not decoded */
	assert_int_equal(bsplit_decode_o((const uint8_t *)"O41424344", 9, out, 2), -1);
}

static void test_garbage_runs(void **state)
{
	(void)state;
	struct rec r;
	static const char noise[] = "\xff\xfe\x00\x01#12#zz}}}***\x7f\x80+-+-%%%#$";
	struct step s[] = {
		{ '<', noise, sizeof(noise) - 1 },
		IDLE,
		T("$"), T("x#1"), T("g after\r\n"),	/* bad sum digit: text */
		T("50% done\r\n"),
		T("%Stop:T05#b9"),			/* notification */
		T("%Stopper"),
		IDLE,
		END,
	};
	run_all_ways(&r, s, true);
	char want[128];
	size_t n = sizeof(noise) - 1;
	memcpy(want, noise, n);
	strcpy(want + n, "$x#1g after\r\n50% done\r\n%Stopper");
	assert_int_equal(r.console_len, n + strlen(want + n));
	assert_memory_equal(r.console, want, r.console_len);
	assert_gdb(&r, "%Stop:T05#b9");
	assert_string_equal(r.kinds, "<N ");
}

static void test_bad_checksum_goes_to_gdb(void **state)
{
	(void)state;
	struct rec r;
	static const struct step s[] = {
		G("$g#67"),
		T("+$0011#00"),		/* wrong: gdb must see it to NAK it */
		G("-"),
		T("$0011#c2"),		/* the stub's resend */
		G("+"),
		END,
	};
	run_all_ways(&r, s, true);
	assert_gdb(&r, "+$0011#00$0011#c2");
	assert_int_equal(r.badsums, 1);
	assert_int_equal(r.naks, 1);
	assert_int_equal(r.resends, 1);	/* after the NAK, though the bytes differ */
	assert_string_equal(r.kinds, ">P <+ <P >- <P >+ ");
}

static void test_resends_counted(void **state)
{
	(void)state;
	struct rec r;
	static const struct step s[] = {
		G("$m0,4#fd"),
		T("-"),			/* the stub NAKs */
		G("$m0,4#fd"),		/* gdb resends */
		T("+$00000000#80"),
		G("$?#3f"),		/* no ack from gdb yet ... */
		T("$00000000#80"),	/* ... the stub resends its reply */
		G("+"),
		T("+$S05#b8"),
		G("+$?#3f"),
		T("+$S05#b8"),		/* acked in between: not a resend */
		END,
	};
	run_all_ways(&r, s, true);
	assert_int_equal(r.resends, 2);
	assert_int_equal(r.naks, 1);
}

/* '+' and '-' are acks only while gdb waits for one; in console text
 * (raw, the target running) they are text. */
static void test_acks_and_console_signs(void **state)
{
	(void)state;
	struct rec r;
	static const struct step s[] = {
		T("+5 -3 a-b\r\n-\r\n+"),	/* no packet from gdb: all text */
		G("+$qSupported#37"),
		T("x-y +z\r\n"),		/* console text since: acks are held */
		T("+"),
		T("$#00"),			/* the reply confirms the ack */
		G("+$?#3f"),
		T("+$S05#b8"),			/* in session: immediate */
		G("+$c#63"),
		T("+"),
		IDLE,
		T("--\r\n"),			/* running, no ack due: text */
		END,
	};
	run_all_ways(&r, s, true);
	assert_console(&r, "+5 -3 a-b\r\n-\r\n+x-y +z\r\n--\r\n");
	assert_gdb(&r, "+$#00+$S05#b8+");
	assert_string_equal(r.kinds, ">+ >P <+ <P >+ >P <+ <P >+ >P <+ ");
}

/* A held ack followed by text was text after all. */
static void test_held_sign_then_text(void **state)
{
	(void)state;
	struct rec r;
	static const struct step s[] = {
		G("$qSupported#37"),
		T("heart"),
		T("-beat\r\n"),
		T("+"),
		IDLE,		/* silence: that '+' was the ack */
		END,
	};
	run_all_ways(&r, s, true);
	assert_console(&r, "heart-beat\r\n");
	assert_gdb(&r, "+");
	assert_string_equal(r.kinds, ">P <+ ");
}

static void test_too_long_candidate_is_text(void **state)
{
	(void)state;
	struct rec r;
	static char big[MAXP + 100];
	big[0] = '$';
	memset(big + 1, 'a', sizeof(big) - 2);
	big[sizeof(big) - 1] = 0;
	struct step s[] = {
		{ '<', big, sizeof(big) - 1 },
		T("#00\r\n$OK#9a"),
		END,
	};
	run(&r, s, true, 0, -1);
	assert_int_equal(r.console_len, sizeof(big) - 1 + 5);
	assert_memory_equal(r.console, big, sizeof(big) - 1);
	assert_gdb(&r, "$OK#9a");
	run(&r, s, true, 7, -1);
	assert_int_equal(r.console_len, sizeof(big) - 1 + 5);
	assert_gdb(&r, "$OK#9a");
}

static void test_gdb_stream(void **state)
{
	(void)state;
	struct rec r;
	struct bsplit bs;
	memset(&r, 0, sizeof(r));
	assert_int_equal(bsplit_init(&bs, MAXP), 0);
	bsplit_set_debugger(&bs, true);
	/* An X packet whose binary data holds 0x03 and '+': data, not a
	 * break or an ack.  Cut inside it: mid-packet in between. */
	static const uint8_t x[] = "$X1000,4:\x03+-\x01#00";
	bsplit_gdb(&bs, x, 10, on_ev, &r);
	assert_true(bsplit_gdb_mid_packet(&bs));
	bsplit_gdb(&bs, x + 10, sizeof(x) - 1 - 10, on_ev, &r);
	assert_false(bsplit_gdb_mid_packet(&bs));
	bsplit_gdb(&bs, (const uint8_t *)"\x03junk+", 6, on_ev, &r);
	assert_int_equal(r.breaks, 1);
	assert_int_equal(r.acks, 1);
	assert_int_equal(r.packets, 1);
	assert_int_equal(r.badsums, 1);	/* #00 is wrong: still passed on */
	/* A debugger that goes away mid-packet leaves nothing half-open. */
	bsplit_gdb(&bs, (const uint8_t *)"$m10", 4, on_ev, &r);
	assert_true(bsplit_gdb_mid_packet(&bs));
	bsplit_set_debugger(&bs, false);
	assert_false(bsplit_gdb_mid_packet(&bs));
	bsplit_free(&bs);
}

/* gdb killed right after sending a packet: the target's ack and reply
 * still arrive; they are RSP for nobody, not console text. */
static void test_debugger_gone_before_the_ack(void **state)
{
	(void)state;
	struct rec r;
	struct bsplit bs;
	memset(&r, 0, sizeof(r));
	assert_int_equal(bsplit_init(&bs, MAXP), 0);
	bsplit_set_debugger(&bs, true);
	bsplit_gdb(&bs, (const uint8_t *)"$vCont?#49", 10, on_ev, &r);
	bsplit_set_debugger(&bs, false);
	bsplit_target(&bs, (const uint8_t *)"+$vCont;c;C;s;S#62", 18, on_ev, &r);
	bsplit_target(&bs, (const uint8_t *)"$vCont;c;C;s;S#62", 17, on_ev, &r);
	assert_int_equal(r.console_len, 0);
	assert_int_equal(r.gdb_len, 0);
	assert_string_equal(r.kinds, ">P <+ <P <P ");
	assert_int_equal(r.resends, 1);
	bsplit_free(&bs);
}

static void test_pending(void **state)
{
	(void)state;
	struct rec r;
	struct bsplit bs;
	memset(&r, 0, sizeof(r));
	assert_int_equal(bsplit_init(&bs, MAXP), 0);
	assert_int_equal(bsplit_pending_ms(&bs), -1);
	bsplit_target(&bs, (const uint8_t *)"a $", 3, on_ev, &r);
	assert_true(bsplit_pending_ms(&bs) > 0);
	assert_console(&r, "a ");
	bsplit_flush(&bs, on_ev, &r);
	assert_int_equal(bsplit_pending_ms(&bs), -1);
	assert_console(&r, "a $");
	bsplit_free(&bs);
}

/* Random console chatter interleaved with large packets both ways, cut
 * into random reads: nothing lost, nothing reordered. */
static uint32_t rng = 12345;
static uint32_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 17;
	rng ^= rng << 5;
	return rng;
}

static void test_chatty_console_with_large_packets(void **state)
{
	(void)state;
	static uint8_t stream[1 << 17];
	static char want_con[1 << 16], want_gdb[1 << 16];
	static struct rec r;
	size_t sn = 0, cn = 0, gn = 0;
	struct bsplit bs;
	assert_int_equal(bsplit_init(&bs, MAXP), 0);
	bsplit_set_debugger(&bs, true);
	memset(&r, 0, sizeof(r));
	for (int round = 0; round < 12; round++) {
		/* console: printable text without $ % + -, with CRLFs */
		size_t tl = 50 + rnd() % 400;
		for (size_t i = 0; i < tl; i++) {
			char c = (char)(' ' + rnd() % 95);
			if (c == '$' || c == '%' || c == '+' || c == '-')
				c = '.';
			if (rnd() % 40 == 0) {
				stream[sn++] = '\r';
				want_con[cn++] = '\r';
				c = '\n';
			}
			stream[sn++] = (uint8_t)c;
			want_con[cn++] = c;
		}
		/* a large reply (hex), as the stub sends for m */
		char body[MAXP / 2];
		size_t bl = 1000 + rnd() % 1000;
		for (size_t i = 0; i < bl; i++)
			body[i] = "0123456789abcdef"[rnd() % 16];
		body[bl] = 0;
		char pkt[MAXP];
		frame(body, pkt);
		size_t pl = strlen(pkt);
		memcpy(stream + sn, pkt, pl);
		sn += pl;
		memcpy(want_gdb + gn, pkt, pl);
		gn += pl;
	}
	for (size_t i = 0; i < sn;) {
		size_t k = 1 + rnd() % 700;
		if (k > sn - i)
			k = sn - i;
		bsplit_target(&bs, stream + i, k, on_ev, &r);
		i += k;
	}
	bsplit_flush(&bs, on_ev, &r);
	assert_int_equal(r.console_len, cn);
	assert_memory_equal(r.console, want_con, cn);
	assert_int_equal(r.gdb_len, gn);
	assert_memory_equal(r.gdb, want_gdb, gn);
	assert_int_equal(r.packets, 12);
	bsplit_free(&bs);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_console_only),
		cmocka_unit_test(test_session_split_across_reads),
		cmocka_unit_test(test_dollar_in_console_text),
		cmocka_unit_test(test_dollar_restart_releases_text),
		cmocka_unit_test(test_binary_escapes),
		cmocka_unit_test(test_o_packets),
		cmocka_unit_test(test_decode_o),
		cmocka_unit_test(test_garbage_runs),
		cmocka_unit_test(test_bad_checksum_goes_to_gdb),
		cmocka_unit_test(test_resends_counted),
		cmocka_unit_test(test_acks_and_console_signs),
		cmocka_unit_test(test_held_sign_then_text),
		cmocka_unit_test(test_too_long_candidate_is_text),
		cmocka_unit_test(test_gdb_stream),
		cmocka_unit_test(test_debugger_gone_before_the_ack),
		cmocka_unit_test(test_pending),
		cmocka_unit_test(test_chatty_console_with_large_packets),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
