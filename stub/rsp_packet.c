/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
#include "rsp_packet.h"
#include "../lib/string.h"

#define STALL_MS 1000
#define ACK_WAIT_MS 1000
#define MAX_RESENDS 20

void rsp_conn_init(struct rsp_conn *c, const struct rsp_transport *t)
{
	c->t = t;
	c->no_ack = false;
	c->pushback = -1;
	c->bad_checksums = c->retransmits = c->dropped = 0;
	c->clock = 0;
	c->t_start = c->t_frame = c->t_send = c->t_ack = 0;
	c->bytes_in = c->bytes_out = 0;
}

static u64 now(struct rsp_conn *c)
{
	return c->clock ? c->clock() : 0;
}

static int getb(struct rsp_conn *c, u32 ms)
{
	if (c->pushback >= 0) {
		int b = c->pushback;
		c->pushback = -1;
		return b;
	}
	return c->t->getc(ms);
}

static void put(struct rsp_conn *c, const u8 *b, size_t n)
{
	c->t->write(b, n);
}

int rsp_recv(struct rsp_conn *c, char *buf, size_t *len, u32 wait_ms)
{
	for (;;) {
		int ch = getb(c, wait_ms);
		if (ch < 0)
			return RSP_TIMEOUT;
		if (ch == 0x03)
			return RSP_INTERRUPT;
		if (ch != '$') {
			if (ch != '+' && ch != '-')
				c->dropped++;
			continue;
		}
	restart:;
		c->t_start = now(c);
		size_t n = 0;
		u8 sum = 0;
		bool overflow = false;
		for (;;) {
			ch = getb(c, STALL_MS);
			if (ch < 0 || ch == '$')
				break;
			if (ch == '#')
				break;
			sum += (u8)ch;
			if (n < RSP_PACKET_MAX - 1)
				buf[n++] = (char)ch;
			else
				overflow = true;
		}
		if (ch < 0) {
			c->dropped += (u32)n;
			continue; /* stalled mid-packet: resync */
		}
		if (ch == '$') {
			c->dropped += (u32)n;
			goto restart; /* gdb restarted the packet */
		}
		int h1 = getb(c, STALL_MS), h2 = h1 < 0 ? -1 : getb(c, STALL_MS);
		int v1 = kstr_hexval(h1), v2 = kstr_hexval(h2);
		if (v1 < 0 || v2 < 0 || (u8)(v1 << 4 | v2) != sum) {
			c->bad_checksums++;
			if (!c->no_ack)
				put(c, (const u8 *)"-", 1);
			if (h1 == '$' || h2 == '$')
				c->pushback = '$';
			continue;
		}
		if (!c->no_ack)
			put(c, (const u8 *)"+", 1);
		buf[n] = 0;
		*len = n;
		c->bytes_in = (u32)n + 4;
		return overflow ? RSP_TOO_LONG : RSP_OK;
	}
}

/*
 * Run-length encoding: "X*c" stands for X and then c - 29 more X.  c must
 * be printable (a run of at least 4) and neither '#' nor '$' (runs of 7
 * and 8), and at most '~' (a run of 98).
 */
#define RLE_MIN 4
#define RLE_MAX 98

static size_t rle_run(size_t run)
{
	if (run > RLE_MAX)
		run = RLE_MAX;
	if (run == 7 || run == 8)
		run = 6;		/* the rest goes out as it is */
	return run;
}

#define ONES 0x0101010101010101ull

/* Does any byte of x equal zero? */
static inline bool has_zero_byte(u64 x)
{
	return ((x - ONES) & ~x & (ONES << 7)) != 0;
}

/* Sum of the eight bytes of x, modulo 256. */
static inline u8 byte_sum(u64 x)
{
	u64 pairs = (x & 0x00ff00ff00ff00ffull) + ((x >> 8) & 0x00ff00ff00ff00ffull);
	return (u8)((pairs * 0x0001000100010001ull) >> 48);
}

size_t rsp_frame(const char *body, size_t n, u8 *out)
{
	static const char d[] = "0123456789abcdef";
	u8 sum = 0;
	size_t o = 1;
	out[0] = '$';
	for (size_t i = 0; i < n;) {
		/* Eight characters at a time while none equals its right
		 * neighbour (no run can start among them): hex of anything
		 * but zeros is mostly like that. */
		while (i + 9 <= n) {
			u64 a, b;
			__builtin_memcpy(&a, body + i, 8);
			__builtin_memcpy(&b, body + i + 1, 8);
			if (has_zero_byte(a ^ b))
				break;
			__builtin_memcpy(out + o, &a, 8);
			sum = (u8)(sum + byte_sum(a));
			o += 8;
			i += 8;
		}
		if (i >= n)
			break;
		u8 ch = (u8)body[i];
		size_t run = 1;
		while (i + run < n && (u8)body[i + run] == ch && run < RLE_MAX)
			run++;
		if (run >= RLE_MIN) {
			run = rle_run(run);
			u8 cnt = (u8)(run + 28);
			out[o++] = ch;
			out[o++] = '*';
			out[o++] = cnt;
			sum = (u8)(sum + ch + '*' + cnt);
		} else {
			for (size_t k = 0; k < run; k++)
				out[o++] = ch;
			sum = (u8)(sum + ch * run);
		}
		i += run;
	}
	out[o++] = '#';
	out[o++] = (u8)d[sum >> 4];
	out[o++] = (u8)d[sum & 15];
	return o;
}

static void transmit(struct rsp_conn *c, size_t len)
{
	u64 t0 = now(c);
	if (c->t->send_packet)
		c->t->send_packet(c->tx, len);
	else
		put(c, c->tx, len);
	c->t_send += now(c) - t0;
	c->bytes_out += (u32)len;
}

static size_t frame(struct rsp_conn *c, const char *body, size_t n)
{
	u64 t0 = now(c);
	if (n > RSP_PACKET_MAX)
		n = RSP_PACKET_MAX;
	size_t len = rsp_frame(body, n, c->tx);
	c->t_frame += now(c) - t0;
	return len;
}

static void send_tries(struct rsp_conn *c, const char *body, size_t n, int resends)
{
	size_t len = frame(c, body, n);
	for (int tries = 0; tries <= resends; tries++) {
		if (tries)
			c->retransmits++;
		transmit(c, len);
		if (c->no_ack)
			return;
		u64 t0 = now(c);
		for (;;) {
			int ch = getb(c, ACK_WAIT_MS);
			if (ch == '+' || ch == '$')
				c->t_ack += now(c) - t0;
			if (ch == '+')
				return;
			if (ch == '$') {
				c->pushback = '$';
				return;
			}
			if (ch == 0x03) {
				/* A break-in while we talk: the target is stopped
				 * already, so it needs no answer. */
				continue;
			}
			if (ch < 0 || ch == '-') {
				c->t_ack += now(c) - t0;
				break; /* resend */
			}
			c->dropped++;
		}
	}
}

void rsp_send(struct rsp_conn *c, const char *body, size_t n)
{
	send_tries(c, body, n, MAX_RESENDS);
}

/* gdb may exit as soon as it has read the last reply of a session: a lost
 * ack must not keep the kernel stopped for twenty resends. */
#define LAST_RESENDS 2

void rsp_send_last(struct rsp_conn *c, const char *body, size_t n)
{
	send_tries(c, body, n, LAST_RESENDS);
}

void rsp_send_noack(struct rsp_conn *c, const char *body, size_t n)
{
	transmit(c, frame(c, body, n));
}

void rsp_send_notify(struct rsp_conn *c, const char *body, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	u8 sum = 0;
	if (n > RSP_PACKET_MAX)
		n = RSP_PACKET_MAX;
	c->tx[0] = '%';
	for (size_t i = 0; i < n; i++) {
		c->tx[1 + i] = (u8)body[i];
		sum += (u8)body[i];
	}
	c->tx[1 + n] = '#';
	c->tx[2 + n] = (u8)hex[sum >> 4];
	c->tx[3 + n] = (u8)hex[sum & 15];
	transmit(c, n + 4);
}
