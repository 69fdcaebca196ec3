/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
/*
 * bridge_split: console text and RSP on one line, told apart.  Pure:
 * bytes in, events out (bridge_split.h states the rules).
 */
#include "bridge_split.h"
#include "../lib/string.h"

#include <stdlib.h>
#include <string.h>

enum {
	T_TEXT,		/* console text */
	T_NAME,		/* after '%': a notification name up to ':' */
	T_BODY,		/* after '$' (or "%Name:") */
	T_SUM1,		/* after '#' */
	T_SUM2,
};

enum {
	G_TEXT,
	G_BODY,
	G_SUM1,
	G_SUM2,
};

#define TACC_CAP 4096
#define NAME_MAX_LEN 16		/* "%Stop:" and friends */
#define ACK_HOLD_MS 50		/* a held ack waits this long for a '$' */
#define CAND_MS_IDLE 500	/* an incomplete candidate, no debugger */
#define CAND_MS_GDB 5000	/* ... while a debugger talks: likely a slow packet */

static uint32_t fnv1a(const uint8_t *p, size_t n)
{
	uint32_t h = 2166136261u;
	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 16777619u;
	return h;
}

int bsplit_init(struct bsplit *bs, size_t max_packet)
{
	memset(bs, 0, sizeof(*bs));
	bs->max_packet = max_packet < 64 ? 64 : max_packet;
	bs->crlf = true;
	bs->cand = malloc(bs->max_packet + 8);
	bs->gpkt = malloc(bs->max_packet + 8);
	bs->tacc = malloc(TACC_CAP);
	/* hex halves the body; "\n" -> "\r\n" at most doubles it back */
	bs->decoded = malloc(2 * bs->max_packet + 2);
	if (!bs->cand || !bs->gpkt || !bs->tacc || !bs->decoded) {
		bsplit_free(bs);
		return -1;
	}
	return 0;
}

void bsplit_free(struct bsplit *bs)
{
	free(bs->cand);
	free(bs->gpkt);
	free(bs->tacc);
	free(bs->decoded);
	bs->cand = bs->gpkt = bs->tacc = NULL;
	bs->decoded = NULL;
}

/* --- 'O' packets ------------------------------------------------------- */

/* Feeds the characters of a body with escapes and run-length encoding
 * undone into the 'O' + hex decoder.  GDB manual, "Overview": '}' escapes
 * the next byte (xor 0x20); "c*N" repeats c N-29 more times. */
struct o_dec {
	char *out;
	size_t cap, len;
	size_t pos;		/* characters seen */
	int hi;			/* pending high nibble, or -1 */
	bool bad;
};

static void o_put(struct o_dec *d, int c)
{
	if (d->bad)
		return;
	if (d->pos++ == 0) {
		if (c != 'O')
			d->bad = true;
		return;
	}
	int v = kstr_hexval(c);
	if (v < 0) {
		d->bad = true;
		return;
	}
	if (d->hi < 0) {
		d->hi = v;
		return;
	}
	if (d->len >= d->cap) {
		d->bad = true;
		return;
	}
	d->out[d->len++] = (char)(d->hi << 4 | v);
	d->hi = -1;
}

long bsplit_decode_o(const uint8_t *body, size_t n, char *out, size_t cap)
{
	struct o_dec d = { .out = out, .cap = cap, .hi = -1 };
	int prev = -1;
	for (size_t i = 0; i < n && !d.bad; i++) {
		int c = body[i];
		if (c == '}') {
			if (++i == n)
				return -1;
			c = body[i] ^ 0x20;
		} else if (c == '*') {
			if (++i == n || prev < 0)
				return -1;
			int reps = body[i] - 29;
			if (reps < 0)
				return -1;
			while (reps-- > 0 && !d.bad)
				o_put(&d, prev);
			continue;
		}
		o_put(&d, c);
		prev = c;
	}
	/* "O" alone, an odd digit count, or anything not hex is no 'O' packet. */
	if (d.bad || d.pos < 3 || d.hi >= 0)
		return -1;
	return (long)d.len;
}

/* --- events ------------------------------------------------------------ */

static void emit_text_acc(struct bsplit *bs, bs_emit_fn emit, void *ctx)
{
	if (!bs->tacc_len)
		return;
	struct bs_event ev = {
		.dir = BS_FROM_TARGET, .type = BS_TEXT,
		.raw = bs->tacc, .raw_len = bs->tacc_len,
		.console = (const char *)bs->tacc, .console_len = bs->tacc_len,
	};
	bs->tacc_len = 0;
	emit(ctx, &ev);
}

static void text_byte(struct bsplit *bs, uint8_t b, bs_emit_fn emit, void *ctx)
{
	if (bs->ack_due)
		bs->text_since_due = true;
	if (bs->tacc_len == TACC_CAP)
		emit_text_acc(bs, emit, ctx);
	bs->tacc[bs->tacc_len++] = b;
}

static void emit_target_ack(struct bsplit *bs, int c, bs_emit_fn emit, void *ctx)
{
	emit_text_acc(bs, emit, ctx);
	bs->ack_due = false;
	bs->text_since_due = false;
	if (c == '+')
		bs->seen[BS_FROM_GDB].acked = true;
	else
		bs->seen[BS_FROM_GDB].nakked = true;
	bs->ack_byte[0] = (uint8_t)c;
	struct bs_event ev = {
		.dir = BS_FROM_TARGET, .type = c == '+' ? BS_ACK : BS_NAK,
		.raw = bs->ack_byte, .raw_len = 1, .to_gdb = bs->debugger,
	};
	emit(ctx, &ev);
}

/* The candidate was not a packet after all: console text. */
static void cand_to_text(struct bsplit *bs, bs_emit_fn emit, void *ctx)
{
	for (size_t i = 0; i < bs->cand_len; i++)
		text_byte(bs, bs->cand[i], emit, ctx);
	bs->cand_len = 0;
	bs->t_state = T_TEXT;
}

static bool is_resend(struct bsplit *bs, enum bs_dir dir, const uint8_t *raw,
		      size_t n)
{
	struct bs_seen *s = &bs->seen[dir];
	uint32_t h = fnv1a(raw, n);
	/* Resent after a NAK (the copy may differ when line noise hit the
	 * first one), or the same bytes again with no ack in between. */
	bool again = !bs->no_ack && s->valid && !s->acked &&
		     (s->nakked || (s->hash == h && s->len == n));
	s->hash = h;
	s->len = n;
	s->valid = true;
	s->acked = s->nakked = false;
	return again;
}

static bool body_is(const uint8_t *b, size_t n, const char *s)
{
	size_t k = strlen(s);
	return n == k && !memcmp(b, s, k);
}

static void target_packet(struct bsplit *bs, bs_emit_fn emit, void *ctx)
{
	const uint8_t *raw = bs->cand;
	size_t n = bs->cand_len;
	bool notify = raw[0] == '%';
	/* body: after '$' (or after "%Name:", which the sum includes too) */
	const uint8_t *body = raw + 1;
	size_t blen = n - 4;
	uint8_t sum = 0;
	for (size_t i = 0; i < blen; i++)
		sum += body[i];
	unsigned flags = 0;
	if ((uint8_t)(kstr_hexval(raw[n - 2]) << 4 | kstr_hexval(raw[n - 1])) != sum)
		flags |= BS_F_BADSUM;

	emit_text_acc(bs, emit, ctx);
	struct bs_event ev = {
		.dir = BS_FROM_TARGET, .type = notify ? BS_NOTIFY : BS_PACKET,
		.raw = raw, .raw_len = n, .to_gdb = bs->debugger,
	};
	long tlen = -1;
	if (!notify && !(flags & BS_F_BADSUM))
		tlen = bsplit_decode_o(body, blen, bs->decoded, bs->max_packet);
	if (tlen >= 0 && bs->rcmd) {
		flags |= BS_F_MONITOR;		/* gdb prints it; the console does not */
	} else if (tlen >= 0) {
		flags |= BS_F_CONSOLE;
		/* Valid for gdb only while it waits for a stop. */
		ev.to_gdb = bs->debugger && bs->running;
		if (bs->crlf) {
			/* Expand in place from the end: the buffer holds 2x. */
			size_t nl = 0;
			for (long i = 0; i < tlen; i++)
				nl += bs->decoded[i] == '\n' &&
				      (i == 0 || bs->decoded[i - 1] != '\r');
			size_t j = (size_t)tlen + nl;
			for (long i = tlen - 1; i >= 0; i--) {
				char c = bs->decoded[i];
				bs->decoded[--j] = c;
				if (c == '\n' && (i == 0 || bs->decoded[i - 1] != '\r'))
					bs->decoded[--j] = '\r';
			}
			tlen += (long)nl;
		}
		ev.console = bs->decoded;
		ev.console_len = (size_t)tlen;
	} else if (!notify && !(flags & BS_F_BADSUM)) {
		/* A reply: it ends whatever gdb was waiting for. */
		if (bs->noack_req && body_is(body, blen, "OK"))
			bs->no_ack = true;
		if (bs->detach_req)
			bs->no_ack = false;
		bs->noack_req = bs->detach_req = false;
		bs->rcmd = false;
		bs->running = false;
	}
	if (!(flags & BS_F_CONSOLE) && !notify && is_resend(bs, BS_FROM_TARGET, raw, n))
		flags |= BS_F_RESEND;
	ev.flags = flags;
	bs->cand_len = 0;
	bs->t_state = T_TEXT;
	emit(ctx, &ev);
}

static void t_byte(struct bsplit *bs, uint8_t b, bs_emit_fn emit, void *ctx)
{
	if (bs->held_ack) {
		int a = bs->held_ack;
		bs->held_ack = 0;
		if (b == '$' || b == '%')
			emit_target_ack(bs, a, emit, ctx);
		else
			text_byte(bs, (uint8_t)a, emit, ctx);
	}
	for (;;) {
		switch (bs->t_state) {
		case T_TEXT:
			if (b == '$' || b == '%') {
				bs->cand[0] = b;
				bs->cand_len = 1;
				bs->t_sum = 0;
				bs->t_esc = false;
				bs->t_state = b == '$' ? T_BODY : T_NAME;
			} else if ((b == '+' || b == '-') && bs->ack_due) {
				if (bs->text_since_due)
					bs->held_ack = b;
				else
					emit_target_ack(bs, b, emit, ctx);
			} else {
				text_byte(bs, b, emit, ctx);
			}
			return;
		case T_NAME:
			if (((b >= 'A' && b <= 'Z') || (b >= 'a' && b <= 'z')) &&
			    bs->cand_len <= NAME_MAX_LEN) {
				bs->cand[bs->cand_len++] = b;
				return;
			}
			if (b == ':' && bs->cand_len > 1) {
				bs->cand[bs->cand_len++] = b;
				bs->t_state = T_BODY;
				return;
			}
			cand_to_text(bs, emit, ctx);
			continue;	/* b again, as text */
		case T_BODY:
			if (!bs->t_esc && b == '$') {
				cand_to_text(bs, emit, ctx);
				continue;	/* a new candidate */
			}
			bs->cand[bs->cand_len++] = b;
			if (!bs->t_esc && b == '#') {
				bs->t_state = T_SUM1;
				return;
			}
			bs->t_esc = !bs->t_esc && b == '}';
			if (bs->cand_len > bs->max_packet + 1)
				cand_to_text(bs, emit, ctx);
			return;
		case T_SUM1:
		case T_SUM2:
			if (kstr_hexval(b) < 0) {
				cand_to_text(bs, emit, ctx);
				continue;
			}
			bs->cand[bs->cand_len++] = b;
			if (bs->t_state == T_SUM1)
				bs->t_state = T_SUM2;
			else
				target_packet(bs, emit, ctx);
			return;
		}
	}
}

void bsplit_target(struct bsplit *bs, const uint8_t *p, size_t n,
		   bs_emit_fn emit, void *ctx)
{
	for (size_t i = 0; i < n; i++)
		t_byte(bs, p[i], emit, ctx);
	emit_text_acc(bs, emit, ctx);
}

int bsplit_pending_ms(const struct bsplit *bs)
{
	if (bs->held_ack)
		return ACK_HOLD_MS;
	if (bs->t_state != T_TEXT)
		return bs->debugger ? CAND_MS_GDB : CAND_MS_IDLE;
	return -1;
}

void bsplit_flush(struct bsplit *bs, bs_emit_fn emit, void *ctx)
{
	if (bs->held_ack) {
		int a = bs->held_ack;
		bs->held_ack = 0;
		emit_target_ack(bs, a, emit, ctx);
	}
	if (bs->t_state != T_TEXT)
		cand_to_text(bs, emit, ctx);
	emit_text_acc(bs, emit, ctx);
}

/* --- the debugger's side ----------------------------------------------- */

static bool starts(const uint8_t *b, size_t n, const char *s)
{
	size_t k = strlen(s);
	return n >= k && !memcmp(b, s, k);
}

static void gdb_packet(struct bsplit *bs, bs_emit_fn emit, void *ctx)
{
	const uint8_t *b = bs->g_first;
	size_t n = bs->g_first_len;
	unsigned flags = 0;
	int h1 = kstr_hexval(bs->g_cs[0]), h2 = kstr_hexval(bs->g_cs[1]);
	if (h1 < 0 || h2 < 0 || (uint8_t)(h1 << 4 | h2) != bs->g_sum)
		flags |= BS_F_BADSUM;
	if (bs->g_trunc)
		flags |= BS_F_TRUNC;
	if (!(flags & BS_F_BADSUM)) {
		if (!bs->no_ack) {
			bs->ack_due = true;
			bs->text_since_due = false;
		}
		/* What the target's next bytes mean (GDB manual, "Packets",
		 * "Stop Reply Packets"). */
		if (n && (b[0] == 'c' || b[0] == 'C' || b[0] == 's' || b[0] == 'S' ||
			  (b[0] == 'b' && n > 1 && (b[1] == 'c' || b[1] == 's')) ||
			  starts(b, n, "vCont;"))) {
			bs->running = true;
			flags |= BS_F_RESUME;
		} else if (starts(b, n, "qRcmd,")) {
			bs->rcmd = true;
		} else if (starts(b, n, "QStartNoAckMode") && n == 15) {
			bs->noack_req = true;
		} else if (n && b[0] == 'D') {
			bs->detach_req = true;
		}
	}
	if (!bs->g_trunc && is_resend(bs, BS_FROM_GDB, bs->gpkt, bs->gpkt_len))
		flags |= BS_F_RESEND;
	struct bs_event ev = {
		.dir = BS_FROM_GDB, .type = BS_PACKET, .flags = flags,
		.raw = bs->gpkt, .raw_len = bs->gpkt_len,
	};
	bs->g_state = G_TEXT;
	bs->gpkt_len = 0;
	emit(ctx, &ev);
}

static void g_put(struct bsplit *bs, uint8_t b)
{
	if (bs->gpkt_len < bs->max_packet + 4)
		bs->gpkt[bs->gpkt_len++] = b;
	else
		bs->g_trunc = true;
}

void bsplit_gdb(struct bsplit *bs, const uint8_t *p, size_t n,
		bs_emit_fn emit, void *ctx)
{
	size_t run = 0;		/* start of a run of plain bytes in p */
	for (size_t i = 0; i < n; i++) {
		uint8_t b = p[i];
		if (bs->g_state == G_TEXT) {
			if (b != '$' && b != 3 && b != '+' && b != '-')
				continue;	/* part of a garbage run */
			if (i > run) {
				struct bs_event t = { .dir = BS_FROM_GDB, .type = BS_TEXT,
						      .raw = p + run, .raw_len = i - run };
				emit(ctx, &t);
			}
			run = i + 1;
			if (b == '$') {
				bs->g_state = G_BODY;
				bs->gpkt_len = 0;
				bs->g_first_len = 0;
				bs->g_sum = 0;
				bs->g_esc = bs->g_trunc = false;
				g_put(bs, b);
				continue;
			}
			struct bs_event ev = { .dir = BS_FROM_GDB, .raw = p + i, .raw_len = 1 };
			if (b == 3) {
				ev.type = BS_BREAK;
			} else if (b == '+') {
				ev.type = BS_ACK;
				bs->seen[BS_FROM_TARGET].acked = true;
			} else {
				ev.type = BS_NAK;
				bs->seen[BS_FROM_TARGET].nakked = true;
			}
			emit(ctx, &ev);
			continue;
		}
		run = i + 1;
		switch (bs->g_state) {
		case G_BODY:
			if (!bs->g_esc && b == '$') {
				/* gdb started over: the stub drops the partial one */
				bs->gpkt_len = 0;
				bs->g_first_len = 0;
				bs->g_sum = 0;
				bs->g_trunc = false;
				g_put(bs, b);
				break;
			}
			g_put(bs, b);
			if (!bs->g_esc && b == '#') {
				bs->g_state = G_SUM1;
				break;
			}
			bs->g_sum += b;
			if (bs->g_first_len < sizeof(bs->g_first))
				bs->g_first[bs->g_first_len++] = b;
			bs->g_esc = !bs->g_esc && b == '}';
			break;
		case G_SUM1:
			g_put(bs, b);
			bs->g_cs[0] = b;
			bs->g_state = G_SUM2;
			break;
		case G_SUM2:
			g_put(bs, b);
			bs->g_cs[1] = b;
			gdb_packet(bs, emit, ctx);
			break;
		}
	}
	if (bs->g_state == G_TEXT && run < n) {
		struct bs_event t = { .dir = BS_FROM_GDB, .type = BS_TEXT,
				      .raw = p + run, .raw_len = n - run };
		emit(ctx, &t);
	}
}

bool bsplit_gdb_mid_packet(const struct bsplit *bs)
{
	return bs->g_state != G_TEXT;
}

void bsplit_set_debugger(struct bsplit *bs, bool connected)
{
	bs->debugger = connected;
	bs->g_state = G_TEXT;
	bs->gpkt_len = 0;
	/* ack_due stays: the target still owes the ack for a packet a gdb
	 * sent before it went; that ack is RSP (dropped), not console text. */
	bs->running = bs->rcmd = false;
	bs->noack_req = bs->no_ack = bs->detach_req = false;
	memset(&bs->seen, 0, sizeof(bs->seen));
}
