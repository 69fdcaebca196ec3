/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
/*
 * Wire formats of Ethernet II, ARP (RFC 826), IPv4 (RFC 791) and UDP
 * (RFC 768) as pure functions over byte buffers: parse (bytes in, a
 * struct or a drop reason out), build headers, the Internet checksum
 * (RFC 1071) and IPv4 reassembly into caller-provided buffers.  No I/O, no
 * allocation, no global state: the kernel's network layer (net/net.c)
 * drives them, and the host unit tests (tests/unit/test_net.c) feed them
 * garbage under ASan/UBSan.
 *
 * Nothing a parser receives is trusted: every length is checked against
 * the bytes actually present before it is used.  Addresses are host-order
 * u32 (10.0.2.15 is 0x0a00020f); MAC addresses are 6-byte arrays.
 */
#ifndef LIB_INET_H
#define LIB_INET_H

#include "types.h"

#define ETH_ALEN 6
#define ETH_HLEN 14
#define ETH_MTU 1500			/* IPv4 header + payload per frame */
#define ETH_TYPE_IPV4 0x0800
#define ETH_TYPE_ARP 0x0806
#define ARP_LEN 28			/* Ethernet/IPv4 ARP packet */
#define ARP_REQUEST 1
#define ARP_REPLY 2
#define IPV4_HLEN 20			/* without options (we send none) */
#define IPV4_MAX 65535			/* total length field limit */
#define IP_PROTO_UDP 17
#define UDP_HLEN 8
#define UDP_MAX_DATA (IPV4_MAX - IPV4_HLEN - UDP_HLEN)

/* Why a packet was dropped; net/net.c counts drops by this cause. */
enum inet_err {
	INET_OK = 0,
	INET_SHORT,		/* fewer bytes than the headers claim */
	INET_BAD_HEADER,	/* version, header length, hardware type ... */
	INET_BAD_CSUM,		/* IPv4 header or UDP checksum */
	INET_BAD_FRAG,		/* inconsistent or oversized fragment */
	INET_REASM_PENDING,	/* a fragment was stored: not an error */
	INET_ERR_COUNT
};

static inline u16 get_be16(const u8 *p)
{
	return (u16)(p[0] << 8 | p[1]);
}

static inline u32 get_be32(const u8 *p)
{
	return (u32)p[0] << 24 | (u32)p[1] << 16 | (u32)p[2] << 8 | p[3];
}

static inline void put_be16(u8 *p, u16 v)
{
	p[0] = (u8)(v >> 8);
	p[1] = (u8)v;
}

static inline void put_be32(u8 *p, u32 v)
{
	p[0] = (u8)(v >> 24);
	p[1] = (u8)(v >> 16);
	p[2] = (u8)(v >> 8);
	p[3] = (u8)v;
}

/*
 * Internet checksum, RFC 1071: inet_sum() adds n bytes (big-endian 16-bit
 * words, an odd last byte padded with zero) to a running 32-bit sum;
 * inet_fold() folds it and returns its one's complement.  A buffer that
 * contains a correct checksum folds to 0.  Sums of several pieces must
 * give each piece but the last an even length.
 */
u32 inet_sum(const void *data, size_t n, u32 sum);
u16 inet_fold(u32 sum);

/* Dotted quad "10.0.2.15" in s[0..n) (exactly four decimal parts, each
 * 0..255, no leading '+' or spaces). */
bool inet_parse_addr(const char *s, size_t n, u32 *addr);

/*
 * The value of kstub=udp...: "udp", "udp:IP", "udp:IP:PORT" or
 * "udp::PORT"; what is left out keeps the value *addr / *port had.
 * Port 1..65535.  Returns false (and changes nothing) on anything else.
 */
bool inet_parse_udp_spec(const char *s, size_t n, u32 *addr, u16 *port);

/* --- Ethernet II ------------------------------------------------------ */

struct eth_frame {
	const u8 *dst, *src;
	u16 type;
	const u8 *payload;	/* may include the NIC's padding */
	size_t len;
};
enum inet_err eth_parse(const u8 *f, size_t n, struct eth_frame *out);
/* Write the 14-byte header; returns ETH_HLEN. */
size_t eth_build(u8 *out, const u8 dst[ETH_ALEN], const u8 src[ETH_ALEN],
		 u16 type);

/* --- ARP for IPv4 over Ethernet ---------------------------------------- */

struct arp_pkt {
	u16 op;			/* ARP_REQUEST or ARP_REPLY */
	u8 sha[ETH_ALEN];	/* sender hardware address */
	u32 spa;		/* sender protocol address */
	u8 tha[ETH_ALEN];
	u32 tpa;
};
/* Accepts only htype 1 (Ethernet), ptype IPv4, hlen 6, plen 4, op 1|2. */
enum inet_err arp_parse(const u8 *p, size_t n, struct arp_pkt *out);
/* Write the 28-byte packet; returns ARP_LEN. */
size_t arp_build(u8 *out, const struct arp_pkt *a);

/* --- IPv4 ----------------------------------------------------------- */

struct ipv4_pkt {
	u32 src, dst;
	u16 id;
	u8 proto;
	u8 ttl;
	u32 frag_off;		/* in bytes (the field is in 8-byte units) */
	bool more;		/* MF: more fragments follow */
	const u8 *payload;	/* after the header and its options */
	size_t len;		/* payload bytes, per the total length field */
};
/*
 * Checks version 4, header length >= 20, total length within n (the rest
 * is link padding), the header checksum, and that a fragment ends inside
 * the 64 KiB datagram and a non-final fragment is a multiple of 8 bytes.
 */
enum inet_err ipv4_parse(const u8 *p, size_t n, struct ipv4_pkt *out);
/* Write a 20-byte header (TTL 64, no options) with its checksum;
 * frag_off is in bytes and must be a multiple of 8.  Returns IPV4_HLEN. */
size_t ipv4_build(u8 *out, u32 src, u32 dst, u8 proto, u16 id,
		  u32 frag_off, bool more, size_t payload_len);
/* Payload bytes of the fragment that starts at `off` of a datagram whose
 * payload is `total` bytes, for a link MTU of `mtu`: all that is left,
 * or the largest multiple of 8 that fits. */
size_t ipv4_frag_len(size_t total, size_t off, size_t mtu);

/* --- UDP -------------------------------------------------------------- */

struct udp_dgram {
	u16 sport, dport;
	const u8 *data;
	size_t len;
};
/* p/n: the IPv4 payload (a whole, reassembled datagram).  Checks the
 * length field and, unless it is 0, the checksum over the pseudo-header. */
enum inet_err udp_parse(const u8 *p, size_t n, u32 src, u32 dst,
			struct udp_dgram *out);
/* Write the 8-byte header for `data` (with its checksum); returns
 * UDP_HLEN.  len <= UDP_MAX_DATA. */
size_t udp_build(u8 *out, u32 src, u32 dst, u16 sport, u16 dport,
		 const u8 *data, size_t len);

/* --- IPv4 reassembly -------------------------------------------------- */

#define IPV4_REASM_TIMEOUT_US 5000000ull

/*
 * One datagram being put together.  The caller provides buf (cap bytes,
 * at most IPV4_MAX) and map (cap / 64 + 1 bytes: one bit per 8-byte unit)
 * and zeroes the rest of the struct; ipv4_reasm_add() uses a small array
 * of these.
 */
struct ipv4_reasm {
	u8 *buf;
	u8 *map;
	size_t cap;
	/* private */
	bool busy;
	u32 src, dst;
	u16 id;
	u8 proto;
	size_t total;		/* payload length once the last fragment came */
	size_t hi;		/* highest byte end seen */
	u64 started_us;
};

struct ipv4_reasm_stats {
	u32 done;		/* datagrams completed */
	u32 timeouts;		/* incomplete ones given up (timeout, eviction) */
	u32 bad;		/* fragments refused: too big, inconsistent */
};

/*
 * Add the fragment p (from ipv4_parse, with frag_off or more set) at time
 * now_us.  Returns INET_OK with the whole payload in *data / *len (valid
 * until the next call), INET_REASM_PENDING when more fragments are needed,
 * or INET_BAD_FRAG (the fragment, and the datagram it belongs to, are
 * dropped).  Slots older than IPV4_REASM_TIMEOUT_US are recycled; when all
 * are busy the oldest is evicted.  Overlapping fragments overwrite.
 */
enum inet_err ipv4_reasm_add(struct ipv4_reasm *slots, size_t nslots,
			     const struct ipv4_pkt *p, u64 now_us,
			     struct ipv4_reasm_stats *st,
			     const u8 **data, size_t *len);

#endif
