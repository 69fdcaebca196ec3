/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
/*
 * The live server: gdb served while the CPUs run (kstub_internal.h,
 * rsp_live_poll).  It runs on whichever CPU holds the link: the Ctrl-C
 * poller of a running CPU (timer interrupt, IRQs off) or the park loop of
 * a CPU stopped alone.  It takes no lock a stopped CPU can hold: the link
 * lock is dropped by every CPU before it parks, and the sync rounds of
 * the patch engine do not wait for parked CPUs.
 *
 * All-stop mode (the default): gdb's handshake is served here without
 * stopping anything; the first packet that needs a stopped kernel (`?`,
 * registers, memory, a resume, a monitor command, tracepoint changes)
 * starts an all-stop session with that packet.
 *
 * Non-stop mode (QNonStop:1): every packet is served here.  A CPU stops
 * alone (a breakpoint, a step, vCont;t) and parks; gdb hears of it from a
 * %Stop notification, then vStopped until OK.  Breakpoints go in and out
 * of the text at once (int3 batches, the other CPUs running).
 */
#include "kstub_internal.h"
#include "kstub_port.h"
#include "kstub_arch.h"
#include "rsp_parse.h"
#include "bp.h"
#include "tp.h"
#include "../hooks/patch.h"
#include "../lib/string.h"
#include "../lib/fmt.h"

#define HOLD_US 500000

/* Packets of gdb's all-stop handshake, served without a stop. */
static bool handshake(const char *pkt, size_t n)
{
	switch (pkt[0]) {
	case 'H':
		return true;
	case 'q':
		return !rsp_is(pkt, n, "qRcmd", ",");
	case 'Q':
		return rsp_is(pkt, n, "QNonStop", ":") ||
		       rsp_is(pkt, n, "QStartNoAckMode", "");
	case 'v':
		return !rsp_is(pkt, n, "vCont", ";") && !rsp_is(pkt, n, "vKill", ";") &&
		       !rsp_is(pkt, n, "vStopped", "");
	default:
		return false;
	}
}

static bool alone(unsigned cpu)
{
	return __atomic_load_n(&ks.cpu[cpu].alone, __ATOMIC_ACQUIRE);
}

/* The next CPU whose stop gdb has not heard of, or -1. */
static int next_report(void)
{
	for (unsigned i = 0; i < port_cpu_count() && i < KSTUB_MAX_CPUS; i++)
		if (alone(i) && __atomic_load_n(&ks.cpu[i].ns_report, __ATOMIC_ACQUIRE))
			return (int)i;
	return -1;
}

/* Reply (or notify) the next unreported stop; false if none. */
static bool report_next(bool notify)
{
	int cpu = next_report();
	if (cpu < 0)
		return false;
	ks.cpu[cpu].ns_report = false;
	ks.cpu[cpu].ns_inflight = notify;
	size_t n = 0;
	if (notify) {
		memcpy(ks.out, "Stop:", 5);
		n = 5;
	}
	n += rsp_stop_reply_cpu(cpu, ks.out + n, RSP_PACKET_MAX - n);
	if (notify)
		rsp_send_notify(&ks.conn, ks.out, n);
	else
		rsp_reply(ks.out, n);
	/* gdb selects the thread a stop names. */
	ks.stop_cpu = ks.g_cpu = cpu;
	return true;
}

/* Tell gdb about a CPU that stopped, unless a notification is out. */
static void notify(void)
{
	if (ks.ns_held && port_time_us() < ks.ns_hold_until)
		return;
	ks.ns_held = false;
	if (ks.non_stop && ks.attached && !ks.ns_notified && report_next(true))
		ks.ns_notified = true;
}

static void hw_load(void *slots)
{
	arch_hw_bp_load(slots);
}

/* gdb's debug registers to every running CPU now (a CPU stopped alone
 * loads them when it goes on; the serving CPU when it leaves the live
 * server, kstub.c).  The IPI round waits for every running CPU: only
 * when gdb changes them, never on a mere connect or detach with none
 * set (a CPU spinning with IRQs off would hold the server up). */
static void hw_apply_now(void)
{
	port_call_others(hw_load, ks.hw);
}

/* Clear gdb's debug registers (a new gdb, a detach). */
static void hw_clear(void)
{
	bool any = false;
	for (int i = 0; i < ARCH_HW_SLOTS; i++)
		any |= ks.hw[i].used;
	memset(ks.hw, 0, sizeof(ks.hw));
	if (any)
		hw_apply_now();
}

/* Breakpoints to the text now: the int3 protocol, the others running. */
static void bp_apply_now(void)
{
	bp_remove_unused(PATCH_LIVE);
	bp_insert_all_mode(PATCH_LIVE);
}

/* A new gdb: it knows nothing of the last one's breakpoints (it inserts
 * its own before it resumes anything), nor of its mode. */
static void new_connection(void)
{
	ks.non_stop = false;
	ks.ns_notified = false;
	ks.ns_held = false;
	ks.alone_stops = 0;
	ks.conn.no_ack = false;		/* until it asks again */
	bp_clear_all();
	bp_apply_now();
	hw_clear();
	tp_frame_select(-1, 0);
}

static void q_nonstop(const char *pkt, size_t n)
{
	if (n != 10 || (pkt[9] != '0' && pkt[9] != '1') ||
	    (pkt[9] == '1' && !port_nonstop_ok())) {
		rsp_reply_str("E01");
		return;
	}
	/* Back to all-stop with CPUs stopped alone: the next stop rounds
	 * the others up and takes them as parked CPUs. */
	ks.non_stop = pkt[9] == '1';
	ks.ns_notified = false;
	rsp_reply_str("OK");
}

static void ns_vcont(const char *pkt, size_t n)
{
	struct rsp_vcont v;
	if (rsp_parse_vcont(pkt, n, &v)) {
		rsp_reply_str("E01");
		return;
	}
	for (unsigned cpu = 0; cpu < port_cpu_count() && cpu < KSTUB_MAX_CPUS; cpu++) {
		if (!port_cpu_online(cpu))
			continue;
		for (int i = 0; i < v.n; i++) {
			s64 tid = v.a[i].tid;
			bool named = tid == (s64)cpu + 1;
			if (!named && tid != RSP_TID_ALL && tid != RSP_TID_ANY)
				continue;
			/* "All threads" are those gdb knows the state of: a
			 * CPU whose stop it has not heard of yet stays (its
			 * notification is on the way or not yet answered:
			 * gdb may have sent this before it read it). */
			if (!named && alone(cpu) &&
			    (__atomic_load_n(&ks.cpu[cpu].ns_report, __ATOMIC_ACQUIRE) ||
			     ks.cpu[cpu].ns_inflight))
				break;
			switch (v.a[i].act) {
			case 'c': case 'C':
				kstub_ns_resume(cpu, GO_CONTINUE);
				break;
			case 's': case 'S':
				kstub_ns_resume(cpu, GO_STEP);
				break;
			case 't':
				if (!alone(cpu))
					kstub_ns_stop(cpu);
				break;
			default:
				break;
			}
			break;	/* the first action that names it */
		}
	}
	rsp_reply_str("OK");
}

static void ns_detach(void)
{
	rsp_send_last(&ks.conn, "OK", 2);
	ks.attached = false;
	tp_detach();
	bp_clear_all();
	bp_apply_now();
	hw_clear();
	ks.conn.no_ack = false;
	ks.non_stop = false;
	ks.ns_notified = false;
	for (unsigned cpu = 0; cpu < port_cpu_count() && cpu < KSTUB_MAX_CPUS; cpu++) {
		ks.cpu[cpu].stop_req = false;	/* an interrupt not landed yet */
		kstub_ns_resume(cpu, GO_CONTINUE);
	}
}

/* Non-stop mode: every packet. */
static void serve_ns(char *pkt, size_t n)
{
	switch (pkt[0]) {
	case '?':
		/*
		 * Every stopped CPU again.  gdb 13 asserts (remote.c, "wait:
		 * !async_event_handler_marked") when its non-stop attach finds
		 * more than one stopped thread: `?` gets the first, and the
		 * others follow as %Stop notifications once gdb has settled
		 * (HOLD_US later): to gdb, CPUs that stopped after it came.
		 */
		for (unsigned i = 0; i < port_cpu_count() && i < KSTUB_MAX_CPUS; i++)
			if (alone(i))
				ks.cpu[i].ns_report = true;
		if (report_next(false)) {
			ks.ns_notified = true;
			ks.ns_held = true;
			ks.ns_hold_until = port_time_us() + HOLD_US;
		} else {
			rsp_reply_str("OK");
		}
		return;
	case 'D':
		ns_detach();
		return;
	case 'k':
		port_reboot();
	case 'c': case 'C': case 's': case 'S':
		rsp_reply_str("E01");	/* non-stop resumes with vCont */
		return;
	case 'Z': case 'z':
		rsp_serve_common(pkt, n);
		if (n > 1 && pkt[1] == '0')
			bp_apply_now();
		else
			hw_apply_now();
		return;
	case 'v':
		if (rsp_is(pkt, n, "vStopped", "")) {
			/* gdb has read the notification. */
			for (unsigned i = 0; i < port_cpu_count() && i < KSTUB_MAX_CPUS; i++)
				ks.cpu[i].ns_inflight = false;
			if (ks.ns_held || !report_next(false)) {
				ks.ns_notified = false;
				rsp_reply_str("OK");
			}
			return;
		}
		if (rsp_is(pkt, n, "vCont", ";")) {
			ns_vcont(pkt, n);
			return;
		}
		break;
	default:
		break;
	}
	rsp_serve_common(pkt, n);
}

int rsp_live_poll(void)
{
	/* Bounded: the CPU serving has IRQs off, and a packet a second
	 * later starts another round on the next tick. */
	u64 last = 0;	/* gdb's think time between polls is not ours */
	struct kstub_cpu *me = &ks.cpu[port_cpu_id()];
	for (int served = 0; served < 64; served++) {
		notify();
		/* A CPU stopped alone that gdb has just resumed goes on now
		 * (a running CPU's tick serves the rest), not after gdb's
		 * burst of packets. */
		if (alone((unsigned)(me - ks.cpu)) &&
		    __atomic_load_n(&me->go, __ATOMIC_ACQUIRE) != GO_STAY)
			return LIVE_IDLE;
		/* Nothing waiting: back at once (this runs on every tick). */
		int ch = ks.conn.pushback >= 0 ? ks.conn.pushback : ks.conn.t->getc(0);
		if (ch < 0 && served)
			ch = ks.conn.t->getc(2);	/* gdb's next, pipelined */
		if (ch < 0)
			return LIVE_IDLE;
		ks.conn.pushback = ch;
		size_t n;
		int rc = rsp_recv(&ks.conn, ks.pkt, &n, 2);
		if (rc == RSP_TIMEOUT)
			return LIVE_IDLE;
		if (rc == RSP_INTERRUPT) {
			if (!ks.non_stop)
				return LIVE_BREAKIN;	/* Ctrl-C: all-stop */
			continue;	/* non-stop gdb interrupts with vCont;t */
		}
		if (rc == RSP_TOO_LONG) {
			rsp_reply_str("E01");
			continue;
		}
		ks.waits_stop = false;	/* gdb talks: it is not waiting */
		bool is_qsupported = rsp_is(ks.pkt, n, "qSupported", ":");
		if (is_qsupported)
			new_connection();
		else if (rsp_is(ks.pkt, n, "QNonStop", ":")) {
			ks.attached = true;
			q_nonstop(ks.pkt, n);
			continue;
		}
		if (!ks.non_stop && !handshake(ks.pkt, n)) {
			ks.pending_n = n;
			return LIVE_NEED_STOP;
		}
		ks.attached = true;
		struct rsp_served sv;
		rsp_served_begin(&sv, ks.pkt, n);
		if (ks.non_stop)
			serve_ns(ks.pkt, n);
		else
			rsp_serve_common(ks.pkt, n);
		rsp_served_end(&sv, &last);
	}
	return LIVE_IDLE;
}
