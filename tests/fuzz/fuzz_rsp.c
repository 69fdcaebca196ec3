/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
/*
 * libFuzzer target: whatever gdb (or anyone) can put on the wire.  The
 * input is the byte stream the stub receives: rsp_recv() frames it
 * (acks, naks, garbage, oversized and truncated packets) and every packet
 * it accepts goes through each command parser, as the command loop would
 * hand it over.  rsp_send() also runs against the rest of the stream, so
 * its ack/nak/resend logic sees hostile replies.
 *
 *   make fuzz                     each target for FUZZ_RUNS inputs
 *   build/fuzz/fuzz_rsp CORPUS    open-ended, libFuzzer's options
 */
#include <stdint.h>
#include <stddef.h>
#include <string.h>

#include "stub/rsp_packet.h"
#include "stub/rsp_parse.h"

static const uint8_t *in;
static size_t in_len, in_pos;

static int fz_getc(u32 timeout_ms)
{
	(void)timeout_ms;
	return in_pos < in_len ? in[in_pos++] : -1;
}

static void fz_write(const u8 *b, size_t n)
{
	(void)b;
	(void)n;
}

static const struct rsp_transport fz_serial = {
	.name = "fuzz", .getc = fz_getc, .write = fz_write,
};
static const struct rsp_transport fz_udp = {
	.name = "fuzz-udp", .getc = fz_getc, .write = fz_write,
	.send_packet = fz_write,
};

static void parse_all(char *pkt, size_t n)
{
	struct rsp_mem m;
	struct rsp_bp b;
	struct rsp_vcont v;
	struct rsp_resume r;
	struct rsp_qxfer x;
	u64 regno, val;
	s64 tid;
	char op, out[512];
	static u8 bin[RSP_PACKET_MAX];
	const char *p = pkt, *pv;
	size_t pvn;

	rsp_parse_m(pkt, n, &m);
	if (!rsp_parse_M(pkt, n, &m) && m.len <= sizeof(bin))
		rsp_hex_decode(m.data, m.len, bin);
	if (!rsp_parse_X(pkt, n, &m)) {
		long k = rsp_unescape((u8 *)m.data, m.data_len);
		if (k > (long)m.data_len)
			__builtin_trap();	/* unescaping never grows */
	}
	rsp_parse_Z(pkt, n, &b);
	struct rsp_bp_agent ag;
	if (!rsp_parse_Z_agent(pkt, n, &ag)) {
		/* Every expression lies inside the packet. */
		for (int i = 0; i < ag.nconds; i++)
			if (ag.conds[i].hex < pkt ||
			    ag.conds[i].hex + 2 * ag.conds[i].len > pkt + n)
				__builtin_trap();
		for (int i = 0; i < ag.ncmds; i++)
			if (ag.cmds[i].hex < pkt || ag.cmds[i].hex + 2 * ag.cmds[i].len > pkt + n)
				__builtin_trap();
	}
	rsp_parse_p(pkt, n, &regno);
	rsp_parse_P(pkt, n, &regno, &pv, &pvn);
	rsp_parse_H(pkt, n, &op, &tid);
	rsp_parse_T(pkt, n, &tid);
	rsp_parse_vcont(pkt, n, &v);
	rsp_parse_resume(pkt, n, &r);
	rsp_parse_qxfer_read(pkt, n, &x);
	rsp_parse_qrcmd(pkt, n, out, sizeof(out));
	rsp_parse_hex(&p, pkt + n, &val);
	p = pkt;
	rsp_parse_tid(&p, pkt + n, &tid);
	rsp_is(pkt, n, "qSupported", ":");
	rsp_is(pkt, n, "vCont", ";?");
}

/* Run-length encoding: whatever the body, the framed packet decodes (by
 * gdb's rules) back to it, with legal count characters only. */
static void rle_roundtrip(const uint8_t *data, size_t size)
{
	static char body[RSP_PACKET_MAX], back[RSP_PACKET_MAX];
	static u8 out[RSP_PACKET_MAX + 4];
	size_t n = 0;
	for (size_t i = 0; i < size && n < sizeof(body); i++) {
		/* Bodies never hold a raw '*', '#' or '$' (escaped or hex);
		 * a byte's low bits stretch into runs. */
		char ch = (char)(data[i] & 0x7f);
		if (ch == '*' || ch == '#' || ch == '$')
			ch = '0';
		size_t run = data[i] & 0x80 ? (size_t)(data[i] & 0x7f) : 1;
		for (size_t k = 0; k < run && n < sizeof(body); k++)
			body[n++] = ch;
	}
	size_t len = rsp_frame(body, n, out), m = 0;
	if (len > n + 4 || out[0] != '$' || out[len - 3] != '#')
		__builtin_trap();
	for (size_t i = 1; i < len - 3; i++) {
		if (out[i] == '*') {
			u8 c = out[++i];
			if (!m || c < ' ' || c > '~' || c == '#' || c == '$')
				__builtin_trap();
			for (int k = 0; k < c - 29; k++, m++)
				back[m] = back[m - 1];
		} else {
			back[m++] = (char)out[i];
		}
		if (m > n)
			__builtin_trap();
	}
	if (m != n || memcmp(back, body, n))
		__builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct rsp_conn c;
	static char pkt[RSP_PACKET_MAX + 1];
	size_t n;

	if (!size)
		return 0;
	rle_roundtrip(data, size);
	in = data + 1;
	in_len = size - 1;
	in_pos = 0;
	/* First byte: which transport, and whether acks are off. */
	rsp_conn_init(&c, data[0] & 1 ? &fz_udp : &fz_serial);
	c.no_ack = data[0] & 2;
	for (int i = 0; i < 64 && in_pos < in_len; i++) {
		int rc = rsp_recv(&c, pkt, &n, 1);
		if (rc == RSP_OK) {
			if (n > RSP_PACKET_MAX)
				__builtin_trap();	/* the contract */
			parse_all(pkt, n);
			/* A reply, acked (or not) by what follows. */
			rsp_send(&c, "OK", 2);
		} else if (rc == RSP_TIMEOUT) {
			break;
		}
	}
	return 0;
}
