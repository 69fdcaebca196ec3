/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
#include "udp_link.h"
#include "net.h"
#include "../lib/inet.h"
#include "../lib/fmt.h"
#include "../lib/string.h"
#include "../stub/kstub.h"
#include "../stub/kstub_port.h"
#include "../arch/x86_64/cpu.h"

/*
 * The UDP transport: one RSP packet per datagram, acks and retransmits
 * on (UDP loses, duplicates and reorders), the session bound to the first
 * peer that talks to us.
 *
 * getc() hands out the bytes of the peer's datagrams in arrival order
 * (a byte queue filled by net_poll()); send_packet() sends one whole
 * framed packet in one datagram; write() carries only our acks.
 *
 * Acks, loss and reordering.  Acks and retransmits stay on, and three
 * things make them hold up when datagrams are lost, duplicated or
 * reordered:
 *  - A packet datagram identical to the previous datagram from the peer
 *    and arriving within DUP_WINDOW_US is a network duplicate: dropped,
 *    so a duplicated command does not run twice.  gdb never repeats a
 *    packet that fast (its retransmits wait `remotetimeout`, 2 s) and
 *    puts its ack of our reply between two equal commands.  Acks are
 *    never dropped this way: a run of our packets (console output) is
 *    acked by a run of identical "+" datagrams.
 *  - An ack from gdb that arrived before we sent a packet cannot be the
 *    ack of that packet (a reordered or duplicated "+" of an earlier
 *    exchange): such acks are dropped when the packet goes out, so a
 *    lost reply is resent rather than taken as acknowledged.
 *  - gdb takes a packet that arrives while it waits for the ack of its
 *    own packet for a stale one and swallows it (acking it).  If the
 *    network puts our ack behind our reply, gdb swallows the reply, then
 *    times out waiting for it and sends "-".  A "-" that arrives within
 *    NAK_WINDOW_US of gdb acking our last packet (or of our last resend),
 *    while we wait for gdb's next packet, is that case: the last packet
 *    is sent again, and again every NAK_RESEND_US until gdb acks it or
 *    sends something else (gdb gives up after three naks).
 *  - A swallowed stop reply gets no nak: gdb waits for it without a
 *    timeout.  But gdb always queries the target right after a stop, so
 *    a stop reply that gdb acked followed by STOP_SILENCE_US of silence
 *    was swallowed: it is sent again (a few times at most).  (A "-" about a command of gdb's that never reached
 *    us comes much later: gdb first retransmits that command for 4 x
 *    `remotetimeout`, at least 4 s.)
 * The ack and the reply stay separate datagrams: a duplicated "+$reply"
 * datagram would be taken by gdb as the ack and the reply of its next
 * command.
 * Peer binding: the first datagram binds the session to its source
 * address and port.  Datagrams from anyone else are dropped and counted
 * (`monitor net`) with one console warning, until the peer detaches
 * (sends "$D"): then the next peer that starts a packet or a break-in
 * takes the session over.  A gdb killed never detaches: while the kernel
 * runs (no all-stop session waits for its gdb), a new gdb (its first
 * packet is always qSupported) takes over a peer silent for PEER_GONE_US.
 *
 */
#define UDP_MASK 0xffffff00
/*
 * gdb reads a UDP socket through its serial layer's BUFSIZ (8 KiB)
 * buffer, one recv() per datagram: whatever a datagram holds beyond
 * 8192 bytes is lost.  A packet longer than that (a 16 KiB 'm' reply)
 * goes out as consecutive datagrams of at most 8192 bytes, which gdb
 * reads as one byte stream; all shorter packets are one datagram.
 */
#define GDB_DGRAM_MAX 8192
#define UDP_RXQ 131072			/* a power of two */
#define UDP_ACKQ 16			/* a power of two */
#define DUP_WINDOW_US 200000
#define NAK_WINDOW_US 3000000
#define NAK_RESEND_US 250000
#define NAK_RESENDS 8
#define STOP_SILENCE_US 1500000
#define STOP_RESENDS 3
#define PEER_GONE_US 5000000

static struct {
	u32 ip;
	u16 port;
	bool bound, released;
	u32 peer_ip;
	u16 peer_port;
	u8 q[UDP_RXQ];			/* received bytes */
	u32 head, tail;			/* free-running: head - tail queued */
	struct {
		u8 ch;
		u32 at;			/* udp.head when it arrived */
	} acks[UDP_ACKQ];		/* gdb's acks, out of the byte queue */
	u32 ack_head, ack_tail;
	u8 last[RSP_PACKET_MAX + 16];	/* previous datagram, for duplicates */
	size_t last_len;
	u64 last_us;
	u8 tx[RSP_PACKET_MAX + 16];	/* our last packet */
	size_t tx_len;
	bool tx_done;			/* acked (or gdb moved on) */
	bool in_getc;
	u64 tx_done_us;
	int nak_left;			/* resends still to do after a "-" */
	u64 nak_next_us;
	bool tx_stop;			/* our last packet is a stop reply */
	int stop_left;			/* resends of it if gdb stays silent */
	u64 pkt_in_us;			/* when gdb last sent a packet */
	u64 peer_us;			/* when the peer last sent anything */
	u32 datagrams, foreign, duplicates, overflows, send_failures,
	    stale_acks, nak_resends, stop_resends, junk;
	u32 foreign_ip;
	u16 foreign_port;
	bool warned, warn_pending, bind_pending;
} udp;

static void ip_text(char *buf, size_t size, u32 ip, u16 port)
{
	kfmt_snprintf(buf, size, "%u.%u.%u.%u:%u", ip >> 24, (ip >> 16) & 255,
		      (ip >> 8) & 255, ip & 255, port);
}

/* The first packet in a datagram, after any acks: gdb writes "+" and
 * its next packet separately, other clients may not.  NULL if none. */
static const u8 *first_packet(const u8 *d, size_t n, size_t *left)
{
	size_t i = 0;
	while (i < n && (d[i] == '+' || d[i] == '-'))
		i++;
	*left = n - i;
	return i < n && d[i] == '$' ? d + i : 0;
}

/* A datagram of nothing but acks. */
static bool is_acks(const u8 *d, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (d[i] != '+' && d[i] != '-')
			return false;
	return true;
}

static bool is_detach(const u8 *p, size_t n)
{
	return n >= 5 && p[1] == 'D' && (p[2] == '#' || p[2] == ';');
}

static bool is_qsupported(const u8 *p, size_t n)
{
	return n >= 12 && !memcmp(p + 1, "qSupported", 10);
}

static void udp_send_tx(void);

/* net_poll() calls this with each datagram for our port. */
static void udp_rx(u32 src, u16 sport, const u8 *d, size_t n)
{
	bool from_peer = udp.bound && src == udp.peer_ip && sport == udp.peer_port;
	if (!n)
		return;
	u64 t = port_time_us();
	if (from_peer)
		udp.peer_us = t;
	if (from_peer && udp.released) {
		/* gdb resends its D when our ack is late (remotetimeout).  A
		 * resent D after the session ended would stop the kernel
		 * again, and the stub would wait ~20 s for the ack of its
		 * "OK" from a gdb that has gone. */
		size_t left;
		const u8 *pkt = first_packet(d, n, &left);
		if (pkt && is_detach(pkt, left)) {
			udp.duplicates++;
			return;
		}
	}
	if (!from_peer) {
		size_t left;
		const u8 *pkt = first_packet(d, n, &left);
		bool starts = pkt || d[0] == 0x03;
		if (udp.bound && udp.released && !starts)
			return;		/* between sessions: a stray ack */
		bool gone = pkt && is_qsupported(pkt, left) && !kstub_is_active() &&
			    t - udp.peer_us > PEER_GONE_US;
		if (udp.bound && !udp.released && !gone) {
			udp.foreign++;
			udp.foreign_ip = src;
			udp.foreign_port = sport;
			if (!udp.warned)
				udp.warned = udp.warn_pending = true;
			return;
		}
		udp.bound = true;
		udp.released = false;
		udp.peer_ip = src;
		udp.peer_port = sport;
		udp.peer_us = t;
		udp.last_len = 0;
		udp.bind_pending = true;
	}
	u64 now = port_time_us();
	if (d[0] == '$' && n == udp.last_len && now - udp.last_us < DUP_WINDOW_US &&
	    !memcmp(d, udp.last, n)) {
		udp.duplicates++;
		return;
	}
	udp.last_len = n <= sizeof(udp.last) ? n : 0;
	memcpy(udp.last, d, udp.last_len);
	udp.last_us = now;
	if (is_acks(d, n)) {
		if (d[n - 1] == '-' && udp.in_getc && udp.tx_done && udp.tx_len &&
		    now - udp.tx_done_us < NAK_WINDOW_US) {
			/* gdb naks every remotetimeout while it waits, and
			 * gives up after three: resend now and every
			 * NAK_RESEND_US until gdb acks it. */
			udp.nak_resends++;
			udp.tx_done_us = now;
			udp.nak_left = NAK_RESENDS;
			udp.nak_next_us = now + NAK_RESEND_US;
			udp_send_tx();
			return;
		}
		if (d[n - 1] == '+')
			udp.nak_left = 0;	/* gdb has it */
		for (size_t i = 0; i < n; i++) {
			if (udp.ack_head - udp.ack_tail == UDP_ACKQ) {
				udp.stale_acks++;	/* a flood of them */
				continue;
			}
			udp.acks[udp.ack_head % UDP_ACKQ].ch = d[i];
			udp.acks[udp.ack_head % UDP_ACKQ].at = udp.head;
			udp.ack_head++;
		}
		return;
	}
	size_t left;
	const u8 *pkt = first_packet(d, n, &left);
	if (pkt) {
		udp.released = is_detach(pkt, left);
		udp.nak_left = 0;	/* gdb moved on */
		udp.pkt_in_us = now;
	}
	else if (d[0] == 0x03)
		udp.released = false;
	if (n > UDP_RXQ - (udp.head - udp.tail)) {
		udp.overflows++;
		return;
	}
	for (size_t i = 0; i < n; i++)
		udp.q[udp.head++ & (UDP_RXQ - 1)] = d[i];
	udp.datagrams++;
}

/*
 * Console messages from the transport.  While gdb is served (a session,
 * or the live server with CPUs maybe stopped alone), a parked CPU may
 * hold the console lock, so they wait until the Ctrl-C poller runs alone
 * again (timer tick, kernel running, nobody served).
 */
static void udp_notes(void)
{
	char a[24], b[24];
	if (kstub_link_in_use())
		return;
	if (udp.bind_pending) {
		udp.bind_pending = false;
		ip_text(a, sizeof(a), udp.peer_ip, udp.peer_port);
		char line[64];
		kfmt_snprintf(line, sizeof(line), "kstub: gdb session bound to %s", a);
		port_log(line);
	}
	if (udp.warn_pending) {
		udp.warn_pending = false;
		ip_text(a, sizeof(a), udp.foreign_ip, udp.foreign_port);
		ip_text(b, sizeof(b), udp.peer_ip, udp.peer_port);
		char line[160];
		kfmt_snprintf(line, sizeof(line),
			      "kstub: ignoring datagrams from %s: the session is bound "
			      "to %s (warned once; counted in 'monitor net')", a, b);
		port_log(line);
	}
}

static int udp_getc_one(u32 timeout_ms)
{
	u64 end = timeout_ms ? port_time_us() + (u64)timeout_ms * 1000 : 0;
	int ch = -1;
	udp.in_getc = true;
	for (;;) {
		/* An ack goes in its place in the stream: after the bytes that
		 * arrived before it. */
		if (udp.ack_head != udp.ack_tail &&
		    (s32)(udp.tail - udp.acks[udp.ack_tail % UDP_ACKQ].at) >= 0) {
			ch = udp.acks[udp.ack_tail++ % UDP_ACKQ].ch;
			break;
		}
		if (udp.head != udp.tail) {
			ch = udp.q[udp.tail++ & (UDP_RXQ - 1)];
			break;
		}
		u64 now = port_time_us();
		if (udp.nak_left && now >= udp.nak_next_us) {
			udp.nak_left--;
			udp.nak_next_us = now + NAK_RESEND_US;
			udp_send_tx();
		}
		if (udp.tx_stop && udp.tx_done && udp.stop_left &&
		    udp.pkt_in_us < udp.tx_done_us &&
		    now - udp.tx_done_us >= STOP_SILENCE_US) {
			udp.stop_left--;
			udp.tx_done_us = now;
			udp.stop_resends++;
			udp_send_tx();
		}
		if (!net_poll()) {
			if (!timeout_ms || port_time_us() >= end)
				break;
			for (int i = 0; i < 64; i++)
				cpu_relax();
		}
	}
	udp.in_getc = false;
	/* What the packet layer takes as the end of our last packet's wait
	 * for an ack (see rsp_send). */
	if ((ch == '+' || ch == '$') && !udp.tx_done) {
		udp.tx_done = true;
		udp.tx_done_us = port_time_us();
	}
	return ch;
}

static int udp_getc(u32 timeout_ms)
{
	udp_notes();
	int ch = udp_getc_one(timeout_ms);
	/* The Ctrl-C poller (the kernel runs) looks for a break-in or the
	 * start of a packet and drops anything else, one byte a tick: drop
	 * it all here at once. */
	if (!kstub_link_in_use()) {
		while (ch >= 0 && ch != '$' && ch != 0x03) {
			udp.junk++;
			ch = udp_getc_one(0);
		}
	}
	return ch;
}

static void udp_send(const u8 *buf, size_t n)
{
	if (!udp.bound || !net_udp_send(udp.peer_ip, udp.peer_port, buf, n))
		udp.send_failures++;
}

/* The last packet, in pieces gdb can read whole. */
static void udp_send_tx(void)
{
	size_t n = udp.tx_len;
	size_t pieces = (n + GDB_DGRAM_MAX - 1) / GDB_DGRAM_MAX;
	size_t each = pieces ? (n + pieces - 1) / pieces : 0;
	for (size_t off = 0; off < n; off += each)
		udp_send(udp.tx + off, MIN(each, n - off));
}

/* The packet layer writes acks ('+', '-') here: each its own datagram. */
static void udp_write(const u8 *buf, size_t n)
{
	udp_send(buf, n);
}

static void udp_send_packet(const u8 *buf, size_t n)
{
	/* Take in what has arrived, then forget the acks in it: they were
	 * sent before this packet existed. */
	for (int i = 0; i < 4 && net_poll(); i++)
		;
	udp.stale_acks += udp.ack_head - udp.ack_tail;
	udp.ack_tail = udp.ack_head;
	n = MIN(n, sizeof(udp.tx));
	if (buf != udp.tx)
		memcpy(udp.tx, buf, n);
	udp.tx_len = n;
	udp.tx_done = false;
	udp.nak_left = 0;
	udp.tx_stop = n > 1 && (buf[1] == 'T' || buf[1] == 'S');
	udp.stop_left = STOP_RESENDS;
	udp_send_tx();
}

static const struct rsp_transport udp_transport = {
	.name = "udp",
	.getc = udp_getc,
	.write = udp_write,
	.send_packet = udp_send_packet,
	.reliable = false,
};

static void monitor_net(const char *args, void (*out)(const char *text))
{
	char line[256], a[24], b[24];
	(void)args;
	net_print_stats(out);
	ip_text(a, sizeof(a), udp.peer_ip, udp.peer_port);
	ip_text(b, sizeof(b), udp.foreign_ip, udp.foreign_port);
	kfmt_snprintf(line, sizeof(line),
		      "gdb: peer %s%s, datagrams %u, duplicates dropped %u, "
		      "queue overflows %u, send failures %u\n",
		      udp.bound ? a : "none",
		      udp.released ? " (detached)" : "", udp.datagrams,
		      udp.duplicates, udp.overflows, udp.send_failures);
	out(line);
	kfmt_snprintf(line, sizeof(line),
		      "recovery: stale acks %u, resent on nak %u, stop replies "
		      "resent %u, bytes skipped while running %u\n",
		      udp.stale_acks, udp.nak_resends, udp.stop_resends,
		      udp.junk);
	out(line);
	kfmt_snprintf(line, sizeof(line), "foreign datagrams ignored %u%s%s\n",
		      udp.foreign, udp.foreign ? ", last from " : "",
		      udp.foreign ? b : "");
	out(line);
}

static const struct kstub_monitor_cmd net_cmd = {
	.name = "net",
	.help = "UDP transport: peer, NIC and IP counters, drops by cause",
	.fn = monitor_net,
};

const struct rsp_transport *udp_link_init(u32 ip, u32 gw, u16 port,
					   char *name, size_t name_size)
{
	udp.ip = ip;
	udp.port = port;
	if (net_init(ip, UDP_MASK, gw, port, udp_rx))
		return 0;
	if (kstub_monitor_register(&net_cmd))
		port_log("kstub: no room for `monitor net`");
	char a[24];
	ip_text(a, sizeof(a), ip, port);
	kfmt_snprintf(name, name_size, "udp:%s", a);
	return &udp_transport;
}
