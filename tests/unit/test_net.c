/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
/*
 * Host unit tests for lib/inet.c: the Internet checksum, address and
 * kstub=udp parsing, Ethernet/ARP/IPv4/UDP parse and build, fragment
 * sizes and IPv4 reassembly; then garbage and mutated packets through
 * every parser under ASan/UBSan.  Expected values come from RFC 1071,
 * RFC 768 and RFC 791, not from the code under test.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "lib/inet.h"

#define IP(a, b, c, d) ((u32)(a) << 24 | (u32)(b) << 16 | (u32)(c) << 8 | (u32)(d))

static u64 rng = 0x9e3779b97f4a7c15ull;

static u32 rnd(void)
{
	/* xorshift64: reproducible, no libc state. */
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (u32)(rng >> 16);
}

/* ---- checksum ---------------------------------------------------------- */

static void csum_rfc1071_example(void **state)
{
	(void)state;
	/* RFC 1071 section 3: these bytes sum to ddf2 (one's complement). */
	const u8 b[] = { 0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7 };
	assert_int_equal(inet_fold(inet_sum(b, sizeof(b), 0)), (u16)~0xddf2);
	/* Split in two even pieces: same result. */
	assert_int_equal(inet_fold(inet_sum(b + 4, 4, inet_sum(b, 4, 0))),
			 (u16)~0xddf2);
}

static void csum_odd_length_and_self_check(void **state)
{
	(void)state;
	const u8 odd[] = { 0x12, 0x34, 0x56 };	/* 1234 + 5600 */
	assert_int_equal(inet_fold(inet_sum(odd, 3, 0)), (u16)~0x6834);
	/* A buffer carrying its own checksum folds to zero. */
	u8 buf[64];
	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (u8)rnd();
	buf[10] = buf[11] = 0;
	put_be16(buf + 10, inet_fold(inet_sum(buf, sizeof(buf), 0)));
	assert_int_equal(inet_fold(inet_sum(buf, sizeof(buf), 0)), 0);
	/* All-ones data: the sum never overflows however long. */
	static u8 ff[70000];
	memset(ff, 0xff, sizeof(ff));
	assert_int_equal(inet_fold(inet_sum(ff, sizeof(ff), 0)), 0);
}

/* ---- addresses and kstub=udp ------------------------------------------ */

static bool addr(const char *s, u32 *a)
{
	return inet_parse_addr(s, strlen(s), a);
}

static void parse_addresses(void **state)
{
	(void)state;
	u32 a = 0;
	assert_true(addr("10.0.2.15", &a));
	assert_int_equal(a, IP(10, 0, 2, 15));
	assert_true(addr("255.255.255.255", &a));
	assert_int_equal(a, 0xffffffffu);
	assert_true(addr("0.0.0.0", &a));
	assert_int_equal(a, 0);
	const char *bad[] = { "", "10", "10.0.2", "10.0.2.15.1", "10.0.2.256",
			      "10..2.15", ".10.0.2.15", "10.0.2.15.", "10.0.2.x",
			      "1000.0.0.1", "10.0.2.-1", " 10.0.2.15", "10.0.2.15 ",
			      "10.0.2.0015" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		a = 0x5a5a5a5a;
		assert_false(addr(bad[i], &a));
		assert_int_equal(a, 0x5a5a5a5a);
	}
}

static bool spec(const char *s, u32 *a, u16 *p)
{
	return inet_parse_udp_spec(s, strlen(s), a, p);
}

static void parse_udp_spec(void **state)
{
	(void)state;
	u32 a = IP(10, 0, 2, 15);
	u16 p = 1234;
	assert_true(spec("udp", &a, &p));
	assert_int_equal(a, IP(10, 0, 2, 15));
	assert_int_equal(p, 1234);
	assert_true(spec("udp:192.168.1.7", &a, &p));
	assert_int_equal(a, IP(192, 168, 1, 7));
	assert_int_equal(p, 1234);
	assert_true(spec("udp:10.0.2.15:65535", &a, &p));
	assert_int_equal(a, IP(10, 0, 2, 15));
	assert_int_equal(p, 65535);
	assert_true(spec("udp::7000", &a, &p));
	assert_int_equal(a, IP(10, 0, 2, 15));
	assert_int_equal(p, 7000);
	const char *bad[] = { "ud", "udpx", "udp:", "udp::", "udp:10.0.2.15:",
			      "udp:10.0.2.15:0", "udp:10.0.2.15:65536",
			      "udp:10.0.2:1", "udp:10.0.2.15:12x", "tcp:1.2.3.4:5",
			      "udp:10.0.2.15:1:2", "udp:10.0.2.15:999999" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		a = 1;
		p = 2;
		assert_false(spec(bad[i], &a, &p));
		assert_int_equal(a, 1);
		assert_int_equal(p, 2);
	}
}

/* ---- Ethernet and ARP --------------------------------------------------- */

static const u8 mac_a[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };
static const u8 mac_b[6] = { 0x52, 0x55, 0x0a, 0x00, 0x02, 0x02 };

static void ethernet(void **state)
{
	(void)state;
	u8 f[60] = { 0 };
	struct eth_frame e;
	assert_int_equal(eth_build(f, mac_a, mac_b, ETH_TYPE_ARP), ETH_HLEN);
	assert_int_equal(eth_parse(f, sizeof(f), &e), INET_OK);
	assert_memory_equal(e.dst, mac_a, 6);
	assert_memory_equal(e.src, mac_b, 6);
	assert_int_equal(e.type, 0x0806);
	assert_int_equal(e.len, 60 - 14);
	assert_ptr_equal(e.payload, f + 14);
	assert_int_equal(eth_parse(f, 13, &e), INET_SHORT);
	assert_int_equal(eth_parse(f, 14, &e), INET_OK);
	assert_int_equal(e.len, 0);
}

static void arp(void **state)
{
	(void)state;
	struct arp_pkt a = { .op = ARP_REQUEST, .spa = IP(10, 0, 2, 2),
			     .tpa = IP(10, 0, 2, 15) }, b;
	memcpy(a.sha, mac_b, 6);
	u8 p[ARP_LEN + 18];
	memset(p, 0xee, sizeof(p));
	assert_int_equal(arp_build(p, &a), 28);
	/* RFC 826 layout: htype 1, ptype 0800, hlen 6, plen 4, op. */
	const u8 head[] = { 0, 1, 8, 0, 6, 4, 0, 1 };
	assert_memory_equal(p, head, sizeof(head));
	assert_int_equal(p[28], 0xee);
	assert_int_equal(arp_parse(p, sizeof(p), &b), INET_OK); /* padding ok */
	assert_int_equal(b.op, ARP_REQUEST);
	assert_memory_equal(b.sha, mac_b, 6);
	assert_int_equal(b.spa, IP(10, 0, 2, 2));
	assert_int_equal(b.tpa, IP(10, 0, 2, 15));
	assert_int_equal(arp_parse(p, 27, &b), INET_SHORT);
	const struct { int off; u8 v; } bad[] = {
		{ 1, 6 },	/* htype 6 (IEEE 802) */
		{ 2, 0x86 },	/* ptype 86dd */
		{ 4, 8 },	/* hlen */
		{ 5, 16 },	/* plen */
		{ 7, 3 },	/* op: RARP request */
		{ 7, 0 },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		u8 q[ARP_LEN];
		memcpy(q, p, ARP_LEN);
		q[bad[i].off] = bad[i].v;
		assert_int_equal(arp_parse(q, sizeof(q), &b), INET_BAD_HEADER);
	}
}

/* ---- IPv4 ---------------------------------------------------------------- */

static void ipv4_build_parse(void **state)
{
	(void)state;
	u8 p[IPV4_HLEN + 100];
	for (int i = 0; i < 100; i++)
		p[IPV4_HLEN + i] = (u8)i;
	assert_int_equal(ipv4_build(p, IP(10, 0, 2, 15), IP(10, 0, 2, 2),
				    IP_PROTO_UDP, 0x1234, 1480, true, 96), 20);
	assert_int_equal(p[0], 0x45);
	assert_int_equal(get_be16(p + 2), 116);
	assert_int_equal(get_be16(p + 6), 0x2000 | 185);	/* MF, 1480/8 */
	assert_int_equal(inet_fold(inet_sum(p, 20, 0)), 0);
	struct ipv4_pkt ip;
	/* Link padding after the datagram is ignored. */
	assert_int_equal(ipv4_parse(p, sizeof(p), &ip), INET_OK);
	assert_int_equal(ip.src, IP(10, 0, 2, 15));
	assert_int_equal(ip.dst, IP(10, 0, 2, 2));
	assert_int_equal(ip.id, 0x1234);
	assert_int_equal(ip.proto, 17);
	assert_int_equal(ip.ttl, 64);
	assert_int_equal(ip.frag_off, 1480);
	assert_true(ip.more);
	assert_int_equal(ip.len, 96);
	assert_ptr_equal(ip.payload, p + 20);
}

static void ipv4_with_options(void **state)
{
	(void)state;
	u8 p[28 + 4] = { 0 };
	p[0] = 0x47;			/* 28-byte header: 8 bytes of options */
	put_be16(p + 2, 32);
	p[8] = 5;
	p[9] = 17;
	put_be32(p + 12, IP(1, 2, 3, 4));
	put_be32(p + 16, IP(5, 6, 7, 8));
	p[20] = 1;			/* NOP options */
	put_be16(p + 10, inet_fold(inet_sum(p, 28, 0)));
	struct ipv4_pkt ip;
	assert_int_equal(ipv4_parse(p, sizeof(p), &ip), INET_OK);
	assert_ptr_equal(ip.payload, p + 28);
	assert_int_equal(ip.len, 4);
	assert_false(ip.more);
	assert_int_equal(ip.frag_off, 0);
}

/* Rebuild the header checksum after a test changed a field (when the
 * header, as its length field says, fits in avail bytes). */
static void resum_in(u8 *p, size_t avail)
{
	size_t hl = (size_t)(p[0] & 15) * 4;
	if (hl < 12 || hl > avail)
		return;
	p[10] = p[11] = 0;
	put_be16(p + 10, inet_fold(inet_sum(p, hl, 0)));
}

static void resum(u8 *p)
{
	resum_in(p, 60);
}

static void ipv4_rejects(void **state)
{
	(void)state;
	u8 good[IPV4_HLEN + 16], p[sizeof(good)];
	memset(good, 0, sizeof(good));
	ipv4_build(good, IP(10, 0, 2, 2), IP(10, 0, 2, 15), 17, 1, 0, false, 16);
	struct ipv4_pkt ip;

	assert_int_equal(ipv4_parse(good, 19, &ip), INET_SHORT);
	assert_int_equal(ipv4_parse(good, 35, &ip), INET_SHORT); /* total 36 */

	memcpy(p, good, sizeof(p));
	p[0] = 0x65;			/* IPv6 version nibble */
	resum(p);
	assert_int_equal(ipv4_parse(p, sizeof(p), &ip), INET_BAD_HEADER);

	memcpy(p, good, sizeof(p));
	p[0] = 0x44;			/* header length 16 < 20 */
	assert_int_equal(ipv4_parse(p, sizeof(p), &ip), INET_BAD_HEADER);

	memcpy(p, good, sizeof(p));
	p[0] = 0x4f;			/* 60-byte header in a 36-byte datagram */
	assert_int_equal(ipv4_parse(p, sizeof(p), &ip), INET_BAD_HEADER);
	p[0] = 0x46;			/* 24-byte header, 22 bytes there */
	assert_int_equal(ipv4_parse(p, 22, &ip), INET_SHORT);

	memcpy(p, good, sizeof(p));
	put_be16(p + 2, 19);		/* total length < header length */
	resum(p);
	assert_int_equal(ipv4_parse(p, sizeof(p), &ip), INET_BAD_HEADER);

	memcpy(p, good, sizeof(p));
	p[15] ^= 1;			/* one bit of the source address */
	assert_int_equal(ipv4_parse(p, sizeof(p), &ip), INET_BAD_CSUM);

	memcpy(p, good, sizeof(p));
	put_be16(p + 6, 0x2000);	/* MF with 16 bytes: fine */
	resum(p);
	assert_int_equal(ipv4_parse(p, sizeof(p), &ip), INET_OK);
	put_be16(p + 2, 20 + 12);	/* MF with 12 bytes: not 8-aligned */
	resum(p);
	assert_int_equal(ipv4_parse(p, sizeof(p), &ip), INET_BAD_FRAG);
	put_be16(p + 2, 20 + 16);
	put_be16(p + 6, 0x1fff);	/* offset 65528 + 16 > 64 KiB */
	resum(p);
	assert_int_equal(ipv4_parse(p, sizeof(p), &ip), INET_BAD_FRAG);
	put_be16(p + 6, 8185);		/* 65480 + 16 = 65496: fine */
	resum(p);
	assert_int_equal(ipv4_parse(p, sizeof(p), &ip), INET_OK);
}

static void fragment_sizes(void **state)
{
	(void)state;
	/* 1500-byte MTU: 1480 bytes of payload per fragment (8-aligned). */
	assert_int_equal(ipv4_frag_len(100, 0, 1500), 100);
	assert_int_equal(ipv4_frag_len(1480, 0, 1500), 1480);
	assert_int_equal(ipv4_frag_len(1481, 0, 1500), 1480);
	assert_int_equal(ipv4_frag_len(1481, 1480, 1500), 1);
	assert_int_equal(ipv4_frag_len(3000, 2960, 1500), 40);
	assert_int_equal(ipv4_frag_len(3000, 3000, 1500), 0);
	/* An MTU that leaves a non-multiple of 8 rounds down. */
	assert_int_equal(ipv4_frag_len(5000, 0, 1006), 984);
}

/* ---- UDP ------------------------------------------------------------------- */

static void udp_build_parse(void **state)
{
	(void)state;
	const u32 s = IP(10, 0, 2, 15), d = IP(10, 0, 2, 2);
	u8 p[UDP_HLEN + 5] = { 0 };
	memcpy(p + UDP_HLEN, "$?#3f", 5);
	assert_int_equal(udp_build(p, s, d, 1234, 40000, p + UDP_HLEN, 5), 8);
	assert_int_equal(get_be16(p), 1234);
	assert_int_equal(get_be16(p + 2), 40000);
	assert_int_equal(get_be16(p + 4), 13);
	/* RFC 768: the checksum covers the pseudo-header too. */
	u8 ph[12];
	put_be32(ph, s);
	put_be32(ph + 4, d);
	ph[8] = 0;
	ph[9] = 17;
	put_be16(ph + 10, 13);
	assert_int_equal(inet_fold(inet_sum(p, 13, inet_sum(ph, 12, 0))), 0);

	struct udp_dgram u;
	assert_int_equal(udp_parse(p, sizeof(p), s, d, &u), INET_OK);
	assert_int_equal(u.sport, 1234);
	assert_int_equal(u.dport, 40000);
	assert_int_equal(u.len, 5);
	assert_memory_equal(u.data, "$?#3f", 5);
	/* Another destination address: the pseudo-header sum differs. */
	assert_int_equal(udp_parse(p, sizeof(p), s, d + 1, &u), INET_BAD_CSUM);
	p[UDP_HLEN] ^= 0x40;
	assert_int_equal(udp_parse(p, sizeof(p), s, d, &u), INET_BAD_CSUM);
	/* Checksum 0: "not computed", accepted as is. */
	p[6] = p[7] = 0;
	assert_int_equal(udp_parse(p, sizeof(p), s, d, &u), INET_OK);
	assert_int_equal(udp_parse(p, 7, s, d, &u), INET_SHORT);
	put_be16(p + 4, 14);		/* longer than the IP payload */
	assert_int_equal(udp_parse(p, sizeof(p), s, d, &u), INET_SHORT);
	put_be16(p + 4, 7);		/* shorter than its header */
	assert_int_equal(udp_parse(p, sizeof(p), s, d, &u), INET_BAD_HEADER);
	put_be16(p + 4, 8);		/* empty datagram, IP payload padded */
	assert_int_equal(udp_parse(p, sizeof(p), s, d, &u), INET_OK);
	assert_int_equal(u.len, 0);
}

static void udp_checksum_never_zero(void **state)
{
	(void)state;
	/* Find data whose checksum computes to 0: it must go out as ffff. */
	u8 p[UDP_HLEN + 2];
	for (u32 v = 0; v < 0x10000; v++) {
		put_be16(p + UDP_HLEN, (u16)v);
		udp_build(p, 1, 2, 3, 4, p + UDP_HLEN, 2);
		assert_int_not_equal(get_be16(p + 6), 0);
		if (get_be16(p + 6) == 0xffff) {
			struct udp_dgram u;
			assert_int_equal(udp_parse(p, sizeof(p), 1, 2, &u), INET_OK);
			return;
		}
	}
	fail_msg("no datagram with checksum 0xffff found");
}

/* ---- reassembly ---------------------------------------------------------- */

#define NSLOTS 2
static u8 rbuf[NSLOTS][IPV4_MAX];
static u8 rmap[NSLOTS][IPV4_MAX / 64 + 1];
static struct ipv4_reasm slots[NSLOTS];
static struct ipv4_reasm_stats rst;

static int setup_reasm(void **state)
{
	(void)state;
	memset(slots, 0, sizeof(slots));
	memset(&rst, 0, sizeof(rst));
	for (int i = 0; i < NSLOTS; i++) {
		slots[i].buf = rbuf[i];
		slots[i].map = rmap[i];
		slots[i].cap = IPV4_MAX;
	}
	return 0;
}

static u8 payload[IPV4_MAX];

static struct ipv4_pkt frag(u16 id, size_t off, size_t len, bool more)
{
	struct ipv4_pkt p = { .src = IP(10, 0, 2, 2), .dst = IP(10, 0, 2, 15),
			      .id = id, .proto = 17, .frag_off = (u32)off,
			      .more = more, .payload = payload + off, .len = len };
	return p;
}

static enum inet_err add(struct ipv4_pkt p, u64 now, const u8 **d, size_t *n)
{
	return ipv4_reasm_add(slots, NSLOTS, &p, now, &rst, d, n);
}

static void reasm_in_and_out_of_order(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(payload); i++)
		payload[i] = (u8)(i * 7 + (i >> 8));
	const u8 *d;
	size_t n;
	/* 4000 bytes in 1480-byte pieces, in order. */
	assert_int_equal(add(frag(1, 0, 1480, true), 0, &d, &n), INET_REASM_PENDING);
	assert_int_equal(add(frag(1, 1480, 1480, true), 0, &d, &n), INET_REASM_PENDING);
	assert_int_equal(add(frag(1, 2960, 1040, false), 0, &d, &n), INET_OK);
	assert_int_equal(n, 4000);
	assert_memory_equal(d, payload, 4000);
	/* Last first, then the middle, a duplicate, then the start. */
	assert_int_equal(add(frag(2, 2960, 1040, false), 0, &d, &n), INET_REASM_PENDING);
	assert_int_equal(add(frag(2, 1480, 1480, true), 0, &d, &n), INET_REASM_PENDING);
	assert_int_equal(add(frag(2, 1480, 1480, true), 0, &d, &n), INET_REASM_PENDING);
	assert_int_equal(add(frag(2, 0, 1480, true), 0, &d, &n), INET_OK);
	assert_int_equal(n, 4000);
	assert_memory_equal(d, payload, 4000);
	/* Overlapping pieces (800-byte steps over 1480-byte fragments). */
	assert_int_equal(add(frag(3, 0, 1480, true), 0, &d, &n), INET_REASM_PENDING);
	assert_int_equal(add(frag(3, 800, 1480, true), 0, &d, &n), INET_REASM_PENDING);
	assert_int_equal(add(frag(3, 2280, 1, false), 0, &d, &n), INET_OK);
	assert_int_equal(n, 2281);
	assert_memory_equal(d, payload, 2281);
	assert_int_equal(rst.done, 3);
	assert_int_equal(rst.bad, 0);
}

static void reasm_interleaved_and_evicted(void **state)
{
	(void)state;
	const u8 *d;
	size_t n;
	assert_int_equal(add(frag(10, 0, 8, true), 0, &d, &n), INET_REASM_PENDING);
	assert_int_equal(add(frag(11, 0, 8, true), 1, &d, &n), INET_REASM_PENDING);
	/* A third datagram evicts the oldest (10). */
	assert_int_equal(add(frag(12, 0, 8, true), 2, &d, &n), INET_REASM_PENDING);
	assert_int_equal(rst.timeouts, 1);
	assert_int_equal(add(frag(11, 8, 8, false), 3, &d, &n), INET_OK);
	assert_int_equal(n, 16);
	/* 10's tail alone does not complete it: the start was lost. */
	assert_int_equal(add(frag(10, 8, 8, false), 4, &d, &n), INET_REASM_PENDING);
	/* Same id, other source: another datagram. */
	struct ipv4_pkt p = frag(12, 8, 8, false);
	p.src = IP(10, 0, 2, 3);
	assert_int_equal(ipv4_reasm_add(slots, NSLOTS, &p, 5, &rst, &d, &n),
			 INET_REASM_PENDING);
	/* After the timeout a stale slot is recycled, not completed. */
	u64 later = 6 + IPV4_REASM_TIMEOUT_US + 1;
	assert_int_equal(add(frag(12, 8, 8, false), later, &d, &n), INET_REASM_PENDING);
	assert_true(rst.timeouts >= 3);
}

static void reasm_rejects_inconsistent(void **state)
{
	(void)state;
	const u8 *d;
	size_t n;
	/* Two different ends. */
	assert_int_equal(add(frag(20, 16, 8, false), 0, &d, &n), INET_REASM_PENDING);
	assert_int_equal(add(frag(20, 32, 8, false), 0, &d, &n), INET_BAD_FRAG);
	/* Data beyond a known end. */
	assert_int_equal(add(frag(21, 16, 8, false), 0, &d, &n), INET_REASM_PENDING);
	assert_int_equal(add(frag(21, 16, 16, true), 0, &d, &n), INET_BAD_FRAG);
	/* An end before data already seen. */
	assert_int_equal(add(frag(22, 64, 8, true), 0, &d, &n), INET_REASM_PENDING);
	assert_int_equal(add(frag(22, 8, 8, false), 0, &d, &n), INET_BAD_FRAG);
	assert_int_equal(rst.bad, 3);
	/* A buffer smaller than 64 KiB refuses what does not fit. */
	slots[0].cap = slots[1].cap = 4096;
	assert_int_equal(add(frag(23, 4088, 16, false), 0, &d, &n), INET_BAD_FRAG);
	assert_int_equal(add(frag(24, 4080, 16, false), 0, &d, &n), INET_REASM_PENDING);
}

/*
 * The whole send path of net/net.c and back: a 16 KiB UDP datagram
 * cut into 1500-byte-MTU fragments, delivered shuffled with duplicates,
 * reassembled and checked by udp_parse.
 */
static void reasm_udp_16k_shuffled(void **state)
{
	(void)state;
	const u32 s = IP(10, 0, 2, 2), dst = IP(10, 0, 2, 15);
	static u8 data[16384 + 4];
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (u8)rnd();
	static u8 dgram[UDP_HLEN + sizeof(data)];
	memcpy(dgram + UDP_HLEN, data, sizeof(data));
	udp_build(dgram, s, dst, 40000, 1234, data, sizeof(data));
	size_t total = sizeof(dgram);
	static u8 frames[64][IPV4_HLEN + 1480];
	size_t nfrag = 0;
	for (size_t off = 0; off < total; nfrag++) {
		size_t k = ipv4_frag_len(total, off, ETH_MTU);
		ipv4_build(frames[nfrag], s, dst, 17, 77, (u32)off, off + k < total, k);
		memcpy(frames[nfrag] + IPV4_HLEN, dgram + off, k);
		off += k;
	}
	assert_int_equal(nfrag, 12);		/* 16396 bytes / 1480 */
	int order[64 * 2];
	size_t m = 0;
	for (size_t i = 0; i < nfrag; i++) {
		order[m++] = (int)i;
		if (i % 3 == 0)
			order[m++] = (int)i;	/* duplicates */
	}
	for (size_t i = m - 1; i > 0; i--) {
		size_t j = rnd() % (i + 1);
		int t = order[i];
		order[i] = order[j];
		order[j] = t;
	}
	const u8 *d = 0;
	size_t n = 0;
	enum inet_err r = INET_REASM_PENDING;
	for (size_t i = 0; i < m && r == INET_REASM_PENDING; i++) {
		struct ipv4_pkt ip;
		assert_int_equal(ipv4_parse(frames[order[i]], sizeof(frames[0]), &ip),
				 INET_OK);
		r = ipv4_reasm_add(slots, NSLOTS, &ip, i, &rst, &d, &n);
	}
	assert_int_equal(r, INET_OK);
	struct udp_dgram u;
	assert_int_equal(udp_parse(d, n, s, dst, &u), INET_OK);
	assert_int_equal(u.len, sizeof(data));
	assert_memory_equal(u.data, data, sizeof(data));
}

/* ---- garbage --------------------------------------------------------------- */

/* Run one frame through the receive path the way net/net.c does. */
static void receive(const u8 *f, size_t n)
{
	struct eth_frame e;
	if (eth_parse(f, n, &e))
		return;
	struct arp_pkt a;
	(void)arp_parse(e.payload, e.len, &a);
	struct ipv4_pkt ip;
	if (ipv4_parse(e.payload, e.len, &ip))
		return;
	const u8 *d = ip.payload;
	size_t len = ip.len;
	if (ip.more || ip.frag_off) {
		if (ipv4_reasm_add(slots, NSLOTS, &ip, 0, &rst, &d, &len))
			return;
	}
	struct udp_dgram u;
	if (udp_parse(d, len, ip.src, ip.dst, &u) == INET_OK) {
		/* Touch every byte: ASan checks the bounds we were given. */
		volatile u8 sink = 0;
		for (size_t i = 0; i < u.len; i++)
			sink ^= u.data[i];
		(void)sink;
	}
}

static void garbage_never_trusted(void **state)
{
	(void)state;
	/* Random frames of random lengths, each in a buffer of exactly
	 * that size so ASan sees any read past its end. */
	for (int i = 0; i < 200000; i++) {
		size_t n = rnd() % 1600;
		u8 *f = malloc(n ? n : 1);
		for (size_t j = 0; j < n; j++)
			f[j] = (u8)rnd();
		if (n > 14 && (i & 1)) {	/* make it look like IPv4 */
			f[12] = 8;
			f[13] = 0;
			f[14] = (u8)(0x40 | (f[14] & 15));
			if (i & 2)
				resum_in(f + 14, n - 14);
		}
		receive(f, n);
		free(f);
	}
	/* Mutations of a valid fragmented UDP frame: every header byte,
	 * bit flips, truncations. */
	u8 good[ETH_HLEN + IPV4_HLEN + 64];
	eth_build(good, mac_a, mac_b, ETH_TYPE_IPV4);
	u8 *ip = good + ETH_HLEN;
	ipv4_build(ip, IP(10, 0, 2, 2), IP(10, 0, 2, 15), 17, 9, 0, true, 64);
	udp_build(ip + IPV4_HLEN, IP(10, 0, 2, 2), IP(10, 0, 2, 15), 1, 2,
		  ip + IPV4_HLEN + UDP_HLEN, 56);
	for (int i = 0; i < 100000; i++) {
		size_t n = sizeof(good) - (i % 7 == 0 ? rnd() % sizeof(good) : 0);
		u8 *f = malloc(n ? n : 1);
		memcpy(f, good, n);
		int flips = 1 + (int)(rnd() % 4);
		for (int k = 0; k < flips && n; k++)
			f[rnd() % n] ^= (u8)(1u << (rnd() % 8));
		if (i & 1 && n > ETH_HLEN)
			resum_in(f + ETH_HLEN, n - ETH_HLEN); /* pass the header check */
		receive(f, n);
		free(f);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(csum_rfc1071_example),
		cmocka_unit_test(csum_odd_length_and_self_check),
		cmocka_unit_test(parse_addresses),
		cmocka_unit_test(parse_udp_spec),
		cmocka_unit_test(ethernet),
		cmocka_unit_test(arp),
		cmocka_unit_test(ipv4_build_parse),
		cmocka_unit_test(ipv4_with_options),
		cmocka_unit_test(ipv4_rejects),
		cmocka_unit_test(fragment_sizes),
		cmocka_unit_test(udp_build_parse),
		cmocka_unit_test(udp_checksum_never_zero),
		cmocka_unit_test_setup(reasm_in_and_out_of_order, setup_reasm),
		cmocka_unit_test_setup(reasm_interleaved_and_evicted, setup_reasm),
		cmocka_unit_test_setup(reasm_rejects_inconsistent, setup_reasm),
		cmocka_unit_test_setup(reasm_udp_16k_shuffled, setup_reasm),
		cmocka_unit_test_setup(garbage_never_trusted, setup_reasm),
	};
	return cmocka_run_group_tests_name("net", tests, NULL, NULL);
}
