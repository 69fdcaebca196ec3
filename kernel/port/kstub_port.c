/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
/*
 * The reference kernel's port for kstub (stub/kstub_port.h): the serial
 * and UDP transports, CPUs, NMI roundup, text bounds, time, reboot; and
 * the command-line options kstub=ttyS0|ttyS1[,baud], kstub=udp[:IP[:PORT]]
 * (with kstub.gw=IP) and kstub.wait.
 */
#include "../kernel.h"
#include "../task.h"
#include "../spinlock.h"
#include "../uart.h"
#include "../net.h"
#include "../../lib/inet.h"
#include "../../stub/kstub.h"
#include "../../stub/kstub_port.h"
#include "../../hooks/patch.h"
#include "../../arch/x86_64/cpu.h"
#include "../../arch/x86_64/lapic.h"
#include "../../arch/x86_64/trap.h"
#include "../../arch/x86_64/regs.h"

extern char _text_start[], _text_end[];

static u16 link_port;
static const char *link_name;
static char link_name_buf[32];

static int serial_getc(u32 timeout_ms)
{
	int c = uart_getc(link_port);
	if (c >= 0 || !timeout_ms)
		return c;
	u64 end = port_time_us() + (u64)timeout_ms * 1000;
	for (u32 polls = 1;; polls++) {
		c = uart_getc(link_port);
		if (c >= 0)
			return c;
		/* The clock only every 64th poll: bytes of one packet follow
		 * each other within microseconds. */
		if (!(polls & 63) && port_time_us() >= end)
			return -1;
		/* Each port read is an exit to the emulator or a slow bus
		 * cycle, and under QEMU it takes the emulator's global lock:
		 * a vCPU hammering the UART starves the thread that feeds it
		 * and vCPUs waking from hlt.  With 4 pauses instead of 64,
		 * one stop in three took a parked CPU over a second to
		 * resume. */
		for (int i = 0; i < 64; i++)
			cpu_relax();
	}
}

static void serial_write(const u8 *buf, size_t n)
{
	uart_write(link_port, buf, n);
}

/* A serial line can lose bytes: acks stay on. */
static const struct rsp_transport serial_transport = {
	.name = "serial",
	.getc = serial_getc,
	.write = serial_write,
	.reliable = false,
};


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
#define UDP_DEFAULT_IP 0x0a00020f	/* 10.0.2.15: QEMU user networking */
#define UDP_DEFAULT_GW 0x0a000202	/* 10.0.2.2: its gateway, the host */
#define UDP_DEFAULT_PORT 1234
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
		printk("kstub: gdb session bound to %s\n", a);
	}
	if (udp.warn_pending) {
		udp.warn_pending = false;
		ip_text(a, sizeof(a), udp.foreign_ip, udp.foreign_port);
		ip_text(b, sizeof(b), udp.peer_ip, udp.peer_port);
		printk("kstub: ignoring datagrams from %s: the session is bound "
		       "to %s (warned once; counted in 'monitor net')\n", a, b);
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

/* kstub=udp[:IP[:PORT]]: bring up the NIC and the UDP transport. */
static const struct rsp_transport *udp_port_init(const char *v, size_t n)
{
	u32 ip = UDP_DEFAULT_IP, gw = UDP_DEFAULT_GW;
	u16 port = UDP_DEFAULT_PORT;
	if (!inet_parse_udp_spec(v, n, &ip, &port)) {
		printk("kstub: bad kstub= value (use udp, udp:IP or udp:IP:PORT)\n");
		return 0;
	}
	const char *g;
	size_t gn;
	if (kcmd_get(kern_cmdline, "kstub.gw", &g, &gn) &&
	    !inet_parse_addr(g, gn, &gw))
		printk("kstub: bad kstub.gw=, using 10.0.2.2\n");
	udp.ip = ip;
	udp.port = port;
	if (net_init(ip, UDP_MASK, gw, port, udp_rx)) {
		printk("kstub: no network: UDP transport off\n");
		return 0;
	}
	kstub_monitor_register(&net_cmd);
	char a[24];
	ip_text(a, sizeof(a), ip, port);
	kfmt_snprintf(link_name_buf, sizeof(link_name_buf), "udp:%s", a);
	return &udp_transport;
}

unsigned port_cpu_count(void)
{
	return ncpus;
}

unsigned port_cpu_id(void)
{
	return kern_cpu_id();
}

bool port_cpu_online(unsigned cpu)
{
	return cpu < ncpus && percpu[cpu].online;
}

void port_roundup_others(void)
{
	unsigned me = kern_cpu_id();
	for (unsigned i = 0; i < ncpus; i++)
		if (i != me && percpu[i].online)
			lapic_send_nmi(percpu[i].apic_id);
}

size_t port_bp_skip(u64 addr)
{
	(void)addr;	/* the reference kernel patches nothing by itself */
	return 0;
}

void port_stopped(bool stopped)
{
	(void)stopped;	/* no watchdogs here */
}

bool port_nonstop_ok(void)
{
	return true;
}

void port_nmi_cpu(unsigned cpu)
{
	if (cpu < ncpus && percpu[cpu].online && cpu != kern_cpu_id())
		lapic_send_nmi(percpu[cpu].apic_id);
}

void port_call_others(void (*fn)(void *), void *arg)
{
	smp_call_others(fn, arg);
}

void port_kick_cpu(unsigned cpu)
{
	if (cpu < ncpus && percpu[cpu].online)
		lapic_send_ipi(percpu[cpu].apic_id, VEC_IPI_KICK);
}

void port_cpu_task(unsigned cpu, char *buf, size_t size)
{
	struct task *t = cpu_current_task(cpu);
	kstr_copy(buf, t ? t->name : "?", size);
}

void port_cpu_note(unsigned cpu, char *buf, size_t size)
{
	buf[0] = 0;
	if (cpu >= ncpus)
		return;
	u64 l = (u64)percpu[cpu].spinning_on, off;
	if (!l)
		return;
	const char *name = ksym_lookup(l, &off);
	if (name && !off)
		kfmt_snprintf(buf, size, "spinning on %s", name);
	else
		kfmt_snprintf(buf, size, "spinning on the lock at 0x%lx", l);
}

bool port_is_text(u64 addr, size_t len)
{
	return addr < (u64)_text_end && addr + len > (u64)_text_start;
}

extern char _noprobe_start[], _noprobe_end[];

const char *port_is_noprobe(u64 addr)
{
	if (addr >= (u64)_noprobe_start && addr < (u64)_noprobe_end)
		return "inside the debugger or patch engine";
	return 0;
}

u64 port_time_us(void)
{
	u64 mhz = arch_tsc_hz() / 1000000;
	return rdtsc() / (mhz ? mhz : 1000);
}

void port_reboot(void)
{
	irq_disable();
	outb(0x64, 0xfe); /* keyboard controller reset line */
	/* Triple fault if that did not work. */
	struct {
		u16 limit;
		u64 base;
	} __attribute__((packed)) null_idt = { 0, 0 };
	__asm__ volatile("lidt %0; int3" :: "m"(null_idt));
	for (;;)
		cpu_halt();
}

void port_log(const char *s)
{
	printk("%s\n", s);
}

static void serialize(void *arg)
{
	(void)arg;
	cpu_serialize();
}

unsigned port_sync_others(void)
{
	unsigned n = 0;
	for (unsigned i = 0; i < ncpus; i++)
		if (i != kern_cpu_id() && percpu[i].online)
			n++;
	smp_call_others(serialize, 0);
	return n;
}

extern bool (*kern_fatal_hook)(struct arch_regs *r, const char *why, bool is_panic);

static bool fatal_to_debugger(struct arch_regs *r, const char *why, bool is_panic)
{
	struct kstub_stop st = {
		.kind = is_panic ? KSTUB_STOP_PANIC : KSTUB_STOP_FAULT,
		.sig = is_panic ? 6 : arch_fault_signal(r->vector),
		.why = why,
	};
	printk("kstub: %s on CPU %u, waiting for gdb on %s\n", why,
	       kern_cpu_id(), link_name);
	kstub_enter(r, &st);
	return true;
}

/* Where gdb finds the kernel stopped with kstub.wait. */
__attribute__((noinline)) void kstub_breakpoint(void)
{
	__asm__ volatile("int3");
}

void kstub_port_init(void)
{
	const char *v;
	size_t n;
	if (!kcmd_get(kern_cmdline, "kstub", &v, &n))
		return;
	if (n >= 3 && !memcmp(v, "udp", 3)) {
		const struct rsp_transport *t = udp_port_init(v, n);
		if (!t)
			return;
		/* The console stays on COM1. */
		kstub_init(t, false);
		kern_fatal_hook = fatal_to_debugger;
		link_name = link_name_buf;
		printk("kstub: gdb stub on %s\n", link_name);
		return;
	}
	u32 baud = 115200;
	if (n >= 5 && !memcmp(v, "ttyS0", 5)) {
		link_port = COM1;
		link_name = "ttyS0";
	} else if (n >= 5 && !memcmp(v, "ttyS1", 5)) {
		link_port = COM2;
		link_name = "ttyS1";
	} else {
		printk("kstub: unknown port in kstub= (use ttyS0, ttyS1 or udp)\n");
		return;
	}
	if (n > 6 && v[5] == ',') {
		u64 b;
		if (kstr_to_u64(v + 6, n - 6, &b) && b && b <= 115200)
			baud = (u32)b;
		else
			printk("kstub: bad baud rate in kstub=, using 115200\n");
	} else if (n != 5) {
		printk("kstub: unknown port in kstub= (use ttyS0 or ttyS1)\n");
		return;
	}
	if (link_port != COM1)
		uart_init(link_port, baud);
	else if (baud != 115200)
		uart_init(COM1, baud);
	kstub_init(&serial_transport, link_port == COM1);
	if (link_port == COM1)
		console_sink = kstub_console_out;
	kern_fatal_hook = fatal_to_debugger;
	printk("kstub: gdb stub on %s (%u baud)\n", link_name, baud);
}

void kstub_port_wait(void)
{
	if (!kstub_enabled() || !kcmd_flag(kern_cmdline, "kstub.wait"))
		return;
	printk("kstub: waiting for gdb on %s\n", link_name);
	kstub_breakpoint();
}
