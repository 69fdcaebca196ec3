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
		return overflow ? RSP_TOO_LONG : RSP_OK;
	}
}

size_t rsp_frame(const char *body, size_t n, u8 *out)
{
	static const char d[] = "0123456789abcdef";
	u8 sum = 0;
	out[0] = '$';
	for (size_t i = 0; i < n; i++) {
		out[1 + i] = (u8)body[i];
		sum += (u8)body[i];
	}
	out[1 + n] = '#';
	out[2 + n] = (u8)d[sum >> 4];
	out[3 + n] = (u8)d[sum & 15];
	return n + 4;
}

static void transmit(struct rsp_conn *c, size_t len)
{
	if (c->t->send_packet)
		c->t->send_packet(c->tx, len);
	else
		put(c, c->tx, len);
}

static void send_tries(struct rsp_conn *c, const char *body, size_t n, int resends)
{
	if (n > RSP_PACKET_MAX)
		n = RSP_PACKET_MAX;
	size_t len = rsp_frame(body, n, c->tx);
	for (int tries = 0; tries <= resends; tries++) {
		if (tries)
			c->retransmits++;
		transmit(c, len);
		if (c->no_ack)
			return;
		for (;;) {
			int ch = getb(c, ACK_WAIT_MS);
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
			if (ch < 0 || ch == '-')
				break; /* resend */
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
	if (n > RSP_PACKET_MAX)
		n = RSP_PACKET_MAX;
	transmit(c, rsp_frame(body, n, c->tx));
}
