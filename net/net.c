/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
/*
 * Polled ARP/IPv4/UDP over the e1000: see net.h.  Frames are handled in
 * the receive ring's buffer and never copied, except fragments, which go
 * into a reassembly buffer; frames to send are built in place in the
 * transmit ring's buffer.
 */
#include "../stub/kstub_port.h"
#include "../lib/fmt.h"
#include "../lib/string.h"
#include "net.h"
#include "e1000.h"
#include "../lib/inet.h"
#include "../arch/x86_64/cpu.h"

#define ARP_SLOTS 8
#define ARP_TRIES 4
#define ARP_WAIT_US 250000
#define REASM_SLOTS 2
#define POLL_BUDGET 64

static const u8 broadcast[ETH_ALEN] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

static struct {
	u32 ip, mask, gw;
	u16 port;
	u8 mac[ETH_ALEN];
	net_udp_handler handler;
	u16 ip_id;
	bool up;
} me;

static struct arp_entry {
	u32 ip;
	u8 mac[ETH_ALEN];
	bool valid;
	u64 used_us;
} arp_cache[ARP_SLOTS];

static struct ipv4_reasm reasm[REASM_SLOTS];
/* Static: no allocator is needed, on any host. */
static u8 reasm_buf[REASM_SLOTS][ALIGN_UP(IPV4_MAX, 4096)] __attribute__((aligned(4096)));
static u8 reasm_map[REASM_SLOTS][4096];
static struct ipv4_reasm_stats reasm_stats;

/* Drops by cause.  Nothing is dropped silently. */
static struct {
	u32 eth_short, eth_type;
	u32 arp_bad, arp_other;
	u32 ip_short, ip_header, ip_csum, ip_other_dst, ip_bad_src, ip_proto,
	    ip_frag;
	u32 udp_short, udp_header, udp_csum, udp_port;
	u32 tx_no_arp, tx_stuck, tx_too_big;
} drop;

static struct {
	u32 arp_replies, arp_requests, udp_in, udp_out, frags_out;
} count;

/* The port's clock: like everything the debugger calls, not probeable. */
static u64 now_us(void)
{
	return port_time_us();
}

/* --- ARP ---------------------------------------------------------------- */

static struct arp_entry *arp_find(u32 ip)
{
	for (int i = 0; i < ARP_SLOTS; i++)
		if (arp_cache[i].valid && arp_cache[i].ip == ip)
			return &arp_cache[i];
	return 0;
}

static void arp_add(u32 ip, const u8 *mac)
{
	struct arp_entry *e = arp_find(ip), *old = &arp_cache[0];
	if (!e) {
		for (int i = 0; i < ARP_SLOTS && !e; i++)
			if (!arp_cache[i].valid)
				e = &arp_cache[i];
			else if (arp_cache[i].used_us < old->used_us)
				old = &arp_cache[i];
		if (!e)
			e = old;
	}
	e->ip = ip;
	memcpy(e->mac, mac, ETH_ALEN);
	e->valid = true;
	e->used_us = now_us();
}

static void arp_send(u16 op, const u8 *eth_dst, const u8 *tha, u32 tpa)
{
	u8 *f = e1000_tx_begin();
	if (!f) {
		drop.tx_stuck++;
		return;
	}
	struct arp_pkt a = { .op = op, .spa = me.ip, .tpa = tpa };
	memcpy(a.sha, me.mac, ETH_ALEN);
	memcpy(a.tha, tha, ETH_ALEN);
	size_t n = eth_build(f, eth_dst, me.mac, ETH_TYPE_ARP);
	n += arp_build(f + n, &a);
	e1000_tx_commit(n);
}

/* RFC 826 "packet reception": merge the sender into the cache if known
 * or if the packet is for us; answer requests for our address. */
static void rx_arp(const struct eth_frame *e)
{
	struct arp_pkt a;
	if (arp_parse(e->payload, e->len, &a)) {
		drop.arp_bad++;
		return;
	}
	bool for_us = a.tpa == me.ip;
	bool sane_sender = a.spa && a.spa != me.ip && !(a.sha[0] & 1);
	if (sane_sender && (for_us || arp_find(a.spa)))
		arp_add(a.spa, a.sha);
	if (!for_us || !sane_sender) {
		drop.arp_other++;
		return;
	}
	if (a.op == ARP_REQUEST) {
		arp_send(ARP_REPLY, a.sha, a.sha, a.spa);
		count.arp_replies++;
	}
}

/* --- receive ------------------------------------------------------------ */

static bool bad_source(u32 ip)
{
	return ip == 0 || ip == 0xffffffff || ip == me.ip ||
	       (ip >> 28) >= 0xe ||			/* multicast, class E */
	       (ip >> 24) == 127 ||			/* loopback */
	       (ip & ~me.mask) == ~me.mask;		/* our subnet broadcast */
}

static void rx_udp(u32 src, u32 dst, const u8 *p, size_t n)
{
	struct udp_dgram u;
	switch (udp_parse(p, n, src, dst, &u)) {
	case INET_OK:
		break;
	case INET_SHORT:
		drop.udp_short++;
		return;
	case INET_BAD_CSUM:
		drop.udp_csum++;
		return;
	default:
		drop.udp_header++;
		return;
	}
	if (u.dport != me.port || !me.handler) {
		drop.udp_port++;
		return;
	}
	count.udp_in++;
	me.handler(src, u.sport, u.data, u.len);
}

static void rx_ipv4(const struct eth_frame *e)
{
	struct ipv4_pkt ip;
	switch (ipv4_parse(e->payload, e->len, &ip)) {
	case INET_OK:
		break;
	case INET_SHORT:
		drop.ip_short++;
		return;
	case INET_BAD_CSUM:
		drop.ip_csum++;
		return;
	case INET_BAD_FRAG:
		drop.ip_frag++;
		return;
	default:
		drop.ip_header++;
		return;
	}
	if (ip.dst != me.ip) {
		drop.ip_other_dst++;
		return;
	}
	if (bad_source(ip.src)) {
		drop.ip_bad_src++;
		return;
	}
	if (ip.proto != IP_PROTO_UDP) {
		drop.ip_proto++;
		return;
	}
	const u8 *data = ip.payload;
	size_t len = ip.len;
	if (ip.more || ip.frag_off) {
		enum inet_err r = ipv4_reasm_add(reasm, REASM_SLOTS, &ip, now_us(),
						 &reasm_stats, &data, &len);
		if (r == INET_REASM_PENDING)
			return;
		if (r != INET_OK) {
			drop.ip_frag++;
			return;
		}
	}
	rx_udp(ip.src, ip.dst, data, len);
}

static void rx_frame(const u8 *f, size_t n)
{
	struct eth_frame e;
	if (eth_parse(f, n, &e)) {
		drop.eth_short++;
		return;
	}
	if (e.type == ETH_TYPE_ARP)
		rx_arp(&e);
	else if (e.type == ETH_TYPE_IPV4)
		rx_ipv4(&e);
	else
		drop.eth_type++;	/* IPv6, LLDP, ... */
}

unsigned net_poll(void)
{
	unsigned n = 0;
	const u8 *f;
	size_t len;
	while (me.up && n < POLL_BUDGET && (f = e1000_rx_peek(&len))) {
		rx_frame(f, len);
		e1000_rx_done();
		n++;
	}
	return n;
}

/* --- send --------------------------------------------------------------- */

static const u8 *resolve(u32 ip)
{
	struct arp_entry *e = arp_find(ip);
	for (int t = 0; !e && t < ARP_TRIES; t++) {
		static const u8 zero[ETH_ALEN];
		arp_send(ARP_REQUEST, broadcast, zero, ip);
		count.arp_requests++;
		u64 end = now_us() + ARP_WAIT_US;
		while (!(e = arp_find(ip)) && now_us() < end) {
			if (!net_poll())
				cpu_relax();
		}
	}
	if (!e)
		return 0;
	e->used_us = now_us();
	return e->mac;
}

/* Bytes [off, off + n) of the datagram "hdr then data". */
static void copy_span(u8 *out, const u8 *hdr, const u8 *data, size_t off,
		      size_t n)
{
	while (n) {
		size_t k;
		if (off < UDP_HLEN) {
			k = MIN(n, UDP_HLEN - off);
			memcpy(out, hdr + off, k);
		} else {
			k = n;
			memcpy(out, data + (off - UDP_HLEN), k);
		}
		out += k;
		off += k;
		n -= k;
	}
}

bool net_udp_send(u32 dst, u16 dport, const u8 *data, size_t len)
{
	if (!me.up)
		return false;
	if (len > UDP_MAX_DATA) {
		drop.tx_too_big++;
		return false;
	}
	u32 hop = (dst & me.mask) == (me.ip & me.mask) ? dst : me.gw;
	const u8 *mac = resolve(hop);
	if (!mac) {
		drop.tx_no_arp++;
		return false;
	}
	u8 hdr[UDP_HLEN];
	udp_build(hdr, me.ip, dst, me.port, dport, data, len);
	size_t total = UDP_HLEN + len;
	u16 id = me.ip_id++;
	for (size_t off = 0; off < total;) {
		size_t k = ipv4_frag_len(total, off, ETH_MTU);
		u8 *f = e1000_tx_begin();
		if (!f) {
			drop.tx_stuck++;
			return false;
		}
		size_t n = eth_build(f, mac, me.mac, ETH_TYPE_IPV4);
		n += ipv4_build(f + n, me.ip, dst, IP_PROTO_UDP, id, (u32)off,
				off + k < total, k);
		copy_span(f + n, hdr, data, off, k);
		e1000_tx_commit(n + k);
		if (total > k)
			count.frags_out++;
		off += k;
	}
	count.udp_out++;
	return true;
}

/* --- set-up and statistics --------------------------------------------- */

int net_init(u32 ip, u32 mask, u32 gw, u16 port, net_udp_handler fn)
{
	me.ip = ip;
	me.mask = mask;
	me.gw = gw;
	me.port = port;
	me.handler = fn;
	me.ip_id = (u16)(now_us() >> 10);
	e1000_mac(me.mac);
	for (int i = 0; i < REASM_SLOTS; i++) {
		reasm[i].cap = IPV4_MAX;
		reasm[i].buf = reasm_buf[i];
		reasm[i].map = reasm_map[i];
	}
	me.up = true;
	/* Gratuitous ARP: the host side (QEMU's slirp) learns our MAC before
	 * it has something to forward to us. */
	static const u8 zero[ETH_ALEN];
	arp_send(ARP_REQUEST, broadcast, zero, ip);
	return 0;
}

static void ip_str(char *buf, size_t n, u32 ip)
{
	kfmt_snprintf(buf, n, "%u.%u.%u.%u", ip >> 24, (ip >> 16) & 255,
		      (ip >> 8) & 255, ip & 255);
}

void net_print_stats(void (*out)(const char *line))
{
	char line[256], a[16], g[16];
	const struct e1000_stats *es = e1000_stats();
	ip_str(a, sizeof(a), me.ip);
	ip_str(g, sizeof(g), me.gw);
	kfmt_snprintf(line, sizeof(line),
		      "net: %s udp port %u, gateway %s, MAC %02x:%02x:%02x:%02x:%02x:%02x\n",
		      a, me.port, g, me.mac[0], me.mac[1], me.mac[2], me.mac[3],
		      me.mac[4], me.mac[5]);
	out(line);
	kfmt_snprintf(line, sizeof(line),
		      "nic: rx %u tx %u rx_errors %u tx_stuck %u\n",
		      es->rx_frames, es->tx_frames, es->rx_errors, es->tx_stuck);
	out(line);
	kfmt_snprintf(line, sizeof(line),
		      "in: udp %u; reassembled %u, reassembly timeouts %u; "
		      "arp replies sent %u, requests sent %u\n",
		      count.udp_in, reasm_stats.done, reasm_stats.timeouts,
		      count.arp_replies, count.arp_requests);
	out(line);
	kfmt_snprintf(line, sizeof(line),
		      "out: udp %u, fragments %u; no arp %u, "
		      "nic stuck %u, too big %u\n",
		      count.udp_out, count.frags_out, drop.tx_no_arp,
		      drop.tx_stuck, drop.tx_too_big);
	out(line);
	kfmt_snprintf(line, sizeof(line),
		      "dropped: eth short %u type %u; arp bad %u other %u; "
		      "ip short %u header %u csum %u other_dst %u bad_src %u "
		      "proto %u frag %u; udp short %u header %u csum %u port %u\n",
		      drop.eth_short, drop.eth_type, drop.arp_bad, drop.arp_other,
		      drop.ip_short, drop.ip_header, drop.ip_csum,
		      drop.ip_other_dst, drop.ip_bad_src, drop.ip_proto,
		      drop.ip_frag, drop.udp_short, drop.udp_header, drop.udp_csum,
		      drop.udp_port);
	out(line);
}
