/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
/* Ethernet, ARP, IPv4 and UDP wire formats: see inet.h. */
#include "inet.h"
#include "string.h"

u32 inet_sum(const void *data, size_t n, u32 sum)
{
	const u8 *p = data;
	while (n > 1) {
		sum += (u32)(p[0] << 8 | p[1]);
		/* Fold early: no 32-bit overflow for any n. */
		sum = (sum & 0xffff) + (sum >> 16);
		p += 2;
		n -= 2;
	}
	if (n)
		sum += (u32)p[0] << 8;
	return sum;
}

u16 inet_fold(u32 sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (u16)~sum;
}

static bool parse_dec(const char *s, size_t n, u32 max, u32 *out)
{
	if (!n || n > 5)
		return false;
	u32 v = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (u32)(s[i] - '0');
	}
	if (v > max)
		return false;
	*out = v;
	return true;
}

bool inet_parse_addr(const char *s, size_t n, u32 *addr)
{
	u32 a = 0;
	size_t i = 0;
	for (int part = 0; part < 4; part++) {
		size_t j = i;
		while (j < n && s[j] != '.')
			j++;
		u32 v;
		if (j - i > 3 || !parse_dec(s + i, j - i, 255, &v))
			return false;
		a = a << 8 | v;
		if (part < 3) {
			if (j == n)
				return false;
			i = j + 1;
		} else if (j != n) {
			return false;
		}
	}
	*addr = a;
	return true;
}

bool inet_parse_udp_spec(const char *s, size_t n, u32 *addr, u16 *port)
{
	if (n < 3 || memcmp(s, "udp", 3))
		return false;
	if (n == 3)
		return true;
	if (s[3] != ':')
		return false;
	s += 4;
	n -= 4;
	size_t c = 0;
	while (c < n && s[c] != ':')
		c++;
	u32 a = *addr, p = *port;
	if (c && !inet_parse_addr(s, c, &a))
		return false;
	if (c < n && (!parse_dec(s + c + 1, n - c - 1, 65535, &p) || !p))
		return false;
	if (!c && c == n)
		return false;	/* "udp:" */
	*addr = a;
	*port = (u16)p;
	return true;
}

/* --- Ethernet ---------------------------------------------------------- */

enum inet_err eth_parse(const u8 *f, size_t n, struct eth_frame *out)
{
	if (n < ETH_HLEN)
		return INET_SHORT;
	out->dst = f;
	out->src = f + 6;
	out->type = get_be16(f + 12);
	out->payload = f + ETH_HLEN;
	out->len = n - ETH_HLEN;
	return INET_OK;
}

size_t eth_build(u8 *out, const u8 dst[ETH_ALEN], const u8 src[ETH_ALEN],
		 u16 type)
{
	memcpy(out, dst, ETH_ALEN);
	memcpy(out + 6, src, ETH_ALEN);
	put_be16(out + 12, type);
	return ETH_HLEN;
}

/* --- ARP ---------------------------------------------------------------- */

enum inet_err arp_parse(const u8 *p, size_t n, struct arp_pkt *out)
{
	if (n < ARP_LEN)
		return INET_SHORT;
	if (get_be16(p) != 1 || get_be16(p + 2) != ETH_TYPE_IPV4 ||
	    p[4] != ETH_ALEN || p[5] != 4)
		return INET_BAD_HEADER;
	u16 op = get_be16(p + 6);
	if (op != ARP_REQUEST && op != ARP_REPLY)
		return INET_BAD_HEADER;
	out->op = op;
	memcpy(out->sha, p + 8, ETH_ALEN);
	out->spa = get_be32(p + 14);
	memcpy(out->tha, p + 18, ETH_ALEN);
	out->tpa = get_be32(p + 24);
	return INET_OK;
}

size_t arp_build(u8 *out, const struct arp_pkt *a)
{
	put_be16(out, 1);
	put_be16(out + 2, ETH_TYPE_IPV4);
	out[4] = ETH_ALEN;
	out[5] = 4;
	put_be16(out + 6, a->op);
	memcpy(out + 8, a->sha, ETH_ALEN);
	put_be32(out + 14, a->spa);
	memcpy(out + 18, a->tha, ETH_ALEN);
	put_be32(out + 24, a->tpa);
	return ARP_LEN;
}

/* --- IPv4 --------------------------------------------------------------- */

#define IP_FLAG_MF 0x2000
#define IP_FRAG_MASK 0x1fff

enum inet_err ipv4_parse(const u8 *p, size_t n, struct ipv4_pkt *out)
{
	if (n < IPV4_HLEN)
		return INET_SHORT;
	if (p[0] >> 4 != 4)
		return INET_BAD_HEADER;
	size_t hl = (size_t)(p[0] & 15) * 4;
	size_t total = get_be16(p + 2);
	if (hl < IPV4_HLEN || total < hl)
		return INET_BAD_HEADER;
	if (hl > n || total > n)
		return INET_SHORT;
	if (inet_fold(inet_sum(p, hl, 0)))
		return INET_BAD_CSUM;
	u16 ff = get_be16(p + 6);
	out->src = get_be32(p + 12);
	out->dst = get_be32(p + 16);
	out->id = get_be16(p + 4);
	out->proto = p[9];
	out->ttl = p[8];
	out->frag_off = (u32)(ff & IP_FRAG_MASK) * 8;
	out->more = ff & IP_FLAG_MF;
	out->payload = p + hl;
	out->len = total - hl;
	if (out->frag_off + out->len > IPV4_MAX - IPV4_HLEN)
		return INET_BAD_FRAG;
	if (out->more && (out->len == 0 || out->len % 8))
		return INET_BAD_FRAG;
	return INET_OK;
}

size_t ipv4_build(u8 *out, u32 src, u32 dst, u8 proto, u16 id,
		  u32 frag_off, bool more, size_t payload_len)
{
	out[0] = 0x45;
	out[1] = 0;
	put_be16(out + 2, (u16)(IPV4_HLEN + payload_len));
	put_be16(out + 4, id);
	put_be16(out + 6, (u16)((more ? IP_FLAG_MF : 0) | (frag_off / 8)));
	out[8] = 64;
	out[9] = proto;
	put_be16(out + 10, 0);
	put_be32(out + 12, src);
	put_be32(out + 16, dst);
	put_be16(out + 10, inet_fold(inet_sum(out, IPV4_HLEN, 0)));
	return IPV4_HLEN;
}

size_t ipv4_frag_len(size_t total, size_t off, size_t mtu)
{
	size_t room = (mtu - IPV4_HLEN) & ~(size_t)7;
	size_t left = off < total ? total - off : 0;
	return left <= room ? left : room;
}

/* --- UDP ---------------------------------------------------------------- */

static u32 pseudo_sum(u32 src, u32 dst, size_t len)
{
	u8 ph[12];
	put_be32(ph, src);
	put_be32(ph + 4, dst);
	ph[8] = 0;
	ph[9] = IP_PROTO_UDP;
	put_be16(ph + 10, (u16)len);
	return inet_sum(ph, sizeof(ph), 0);
}

enum inet_err udp_parse(const u8 *p, size_t n, u32 src, u32 dst,
			struct udp_dgram *out)
{
	if (n < UDP_HLEN)
		return INET_SHORT;
	size_t len = get_be16(p + 4);
	if (len < UDP_HLEN)
		return INET_BAD_HEADER;
	if (len > n)
		return INET_SHORT;
	if (get_be16(p + 6) && inet_fold(inet_sum(p, len, pseudo_sum(src, dst, len))))
		return INET_BAD_CSUM;
	out->sport = get_be16(p);
	out->dport = get_be16(p + 2);
	out->data = p + UDP_HLEN;
	out->len = len - UDP_HLEN;
	return INET_OK;
}

size_t udp_build(u8 *out, u32 src, u32 dst, u16 sport, u16 dport,
		 const u8 *data, size_t len)
{
	size_t total = UDP_HLEN + len;
	put_be16(out, sport);
	put_be16(out + 2, dport);
	put_be16(out + 4, (u16)total);
	put_be16(out + 6, 0);
	u32 sum = inet_sum(out, UDP_HLEN, pseudo_sum(src, dst, total));
	u16 cs = inet_fold(inet_sum(data, len, sum));
	put_be16(out + 6, cs ? cs : 0xffff);	/* 0 means "no checksum" */
	return UDP_HLEN;
}

/* --- reassembly --------------------------------------------------------- */

static void reasm_free(struct ipv4_reasm *r)
{
	r->busy = false;
}

static void reasm_start(struct ipv4_reasm *r, const struct ipv4_pkt *p, u64 now)
{
	r->busy = true;
	r->src = p->src;
	r->dst = p->dst;
	r->id = p->id;
	r->proto = p->proto;
	r->total = 0;
	r->hi = 0;
	r->started_us = now;
	memset(r->map, 0, r->cap / 64 + 1);
}

static bool reasm_complete(const struct ipv4_reasm *r)
{
	if (!r->total)
		return false;
	size_t units = (r->total + 7) / 8;
	for (size_t u = 0; u < units; u++)
		if (!(r->map[u / 8] & (1u << (u % 8))))
			return false;
	return true;
}

enum inet_err ipv4_reasm_add(struct ipv4_reasm *slots, size_t nslots,
			     const struct ipv4_pkt *p, u64 now_us,
			     struct ipv4_reasm_stats *st,
			     const u8 **data, size_t *len)
{
	struct ipv4_reasm *r = 0, *free_slot = 0, *oldest = 0;
	for (size_t i = 0; i < nslots; i++) {
		struct ipv4_reasm *s = &slots[i];
		if (s->busy && now_us - s->started_us > IPV4_REASM_TIMEOUT_US) {
			reasm_free(s);
			st->timeouts++;
		}
		if (!s->busy) {
			if (!free_slot)
				free_slot = s;
			continue;
		}
		if (s->src == p->src && s->dst == p->dst && s->id == p->id &&
		    s->proto == p->proto)
			r = s;
		if (!oldest || s->started_us < oldest->started_us)
			oldest = s;
	}
	size_t end = p->frag_off + p->len;
	if (!r) {
		r = free_slot;
		if (!r) {
			if (!oldest) {
				st->bad++;
				return INET_BAD_FRAG;	/* no slots at all */
			}
			r = oldest;
			st->timeouts++;
		}
		reasm_start(r, p, now_us);
	}
	/* Bounds: inside our buffer; consistent with a known end. */
	if (end > r->cap || (r->total && end > r->total) ||
	    (!p->more && (end < r->hi || (r->total && end != r->total)))) {
		reasm_free(r);
		st->bad++;
		return INET_BAD_FRAG;
	}
	memcpy(r->buf + p->frag_off, p->payload, p->len);
	for (size_t u = p->frag_off / 8; u < (end + 7) / 8; u++)
		r->map[u / 8] |= (u8)(1u << (u % 8));
	if (end > r->hi)
		r->hi = end;
	if (!p->more)
		r->total = end;
	if (!reasm_complete(r))
		return INET_REASM_PENDING;
	reasm_free(r);
	st->done++;
	*data = r->buf;
	*len = r->total;
	return INET_OK;
}
