/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
/*
 * libFuzzer target: frames off the wire into lib/inet.c, the way
 * net/net.c uses it: Ethernet, then ARP or IPv4; IPv4 fragments into
 * reassembly (two slots, as in the kernel); whole datagrams into UDP.
 *
 * Input: records of [flags][len_hi][len_lo][len bytes of frame].  Flag
 * bit 0 recomputes the IPv4 header checksum and bit 1 the UDP checksum
 * before parsing, so the fuzzer gets past them; bits 2-7 advance the
 * clock (reassembly timeouts and eviction).  The address parsers get the
 * frame bytes as text too.
 */
#include <stdint.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "lib/inet.h"

#define SLOTS 2

static struct ipv4_reasm slots[SLOTS];

static void fix_ipv4_csum(u8 *ip, size_t n)
{
	if (n < IPV4_HLEN)
		return;
	size_t hl = (size_t)(ip[0] & 15) * 4;
	if (hl < IPV4_HLEN || hl > n)
		return;
	ip[10] = ip[11] = 0;
	put_be16(ip + 10, inet_fold(inet_sum(ip, hl, 0)));
}

static void fix_udp_csum(u8 *ip, size_t n)
{
	if (n < IPV4_HLEN)
		return;
	size_t hl = (size_t)(ip[0] & 15) * 4;
	if (hl < IPV4_HLEN || hl + UDP_HLEN > n)
		return;
	u8 *u = ip + hl;
	size_t ulen = n - hl;
	u8 pseudo[12];
	memcpy(pseudo, ip + 12, 8);
	pseudo[8] = 0;
	pseudo[9] = IP_PROTO_UDP;
	put_be16(pseudo + 10, (u16)ulen);
	put_be16(u + 4, (u16)ulen);
	u[6] = u[7] = 0;
	u16 c = inet_fold(inet_sum(u, ulen, inet_sum(pseudo, 12, 0)));
	put_be16(u + 6, c ? c : 0xffff);
}

static void one_frame(u8 *frame, size_t n, u8 flags, u64 now)
{
	struct eth_frame e;
	struct arp_pkt a;
	struct ipv4_pkt ip;
	struct udp_dgram u;
	static struct ipv4_reasm_stats st;
	u32 addr;
	u16 port;

	inet_parse_addr((const char *)frame, n < 32 ? n : 32, &addr);
	inet_parse_udp_spec((const char *)frame, n < 32 ? n : 32, &addr, &port);
	if (n > ETH_HLEN && (flags & 1))
		fix_ipv4_csum(frame + ETH_HLEN, n - ETH_HLEN);
	if (n > ETH_HLEN && (flags & 2))
		fix_udp_csum(frame + ETH_HLEN, n - ETH_HLEN);
	if (eth_parse(frame, n, &e))
		return;
	if (e.len > n)
		__builtin_trap();
	if (!arp_parse(e.payload, e.len, &a))
		return;
	if (ipv4_parse(e.payload, e.len, &ip))
		return;
	if (ip.payload < e.payload || ip.payload + ip.len > e.payload + e.len)
		__builtin_trap();	/* a parser must stay inside its input */
	const u8 *data = ip.payload;
	size_t len = ip.len;
	if (ip.frag_off || ip.more) {
		if (ipv4_reasm_add(slots, SLOTS, &ip, now, &st, &data, &len))
			return;
		if (len > IPV4_MAX)
			__builtin_trap();
	}
	if (!udp_parse(data, len, ip.src, ip.dst, &u) &&
	    (u.data < data || u.data + u.len > data + len))
		__builtin_trap();
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	for (int i = 0; i < SLOTS; i++) {
		slots[i].cap = IPV4_MAX;
		slots[i].buf = malloc(IPV4_MAX);
		slots[i].map = malloc(IPV4_MAX / 64 + 1);
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	u64 now = 0;
	/* Reassembly state starts empty for each input: reproducible. */
	for (int i = 0; i < SLOTS; i++) {
		u8 *b = slots[i].buf, *m = slots[i].map;
		memset(&slots[i], 0, sizeof(slots[i]));
		slots[i].buf = b;
		slots[i].map = m;
		slots[i].cap = IPV4_MAX;
	}
	while (size >= 3) {
		u8 flags = data[0];
		size_t n = (size_t)data[1] << 8 | data[2];
		data += 3;
		size -= 3;
		if (n > size)
			n = size;
		/* An exact-size copy: the checksum fix-ups write, and ASan
		 * catches a parser reading past the frame's end. */
		u8 *f = malloc(n ? n : 1);
		memcpy(f, data, n);
		now += (u64)(flags >> 2) * 250000;
		one_frame(f, n, flags, now);
		free(f);
		data += n;
		size -= n;
	}
	return 0;
}
