/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
/*
 * Where the link's time goes: per packet kind (receive, handler, framing,
 * sending, waiting for the ack) and per stop (roundup, breakpoint
 * patching, release, packets served, time spent waiting for gdb).  Shown
 * by `monitor stats`, cleared by `monitor stats reset`; bench/bench_stub.py
 * prints it beside its figures.  Everything here runs on the debugger
 * master, IRQs off, other CPUs parked: no locking.
 */
#ifndef STUB_RSP_STATS_H
#define STUB_RSP_STATS_H

#include "../lib/types.h"

/* Cycle counter for the timings (arch_cycles); 0 when timing is off. */
u64 rsp_stats_now(void);

/* One packet served: its first bytes name its kind.  Times in cycles. */
struct rsp_pkt_times {
	u64 wait;	/* from our previous reply to this packet's '$' */
	u64 recv;	/* '$' to the checksum */
	u64 handle;	/* the handler, less the sends it made */
	u64 frame;	/* building "$...#cs" (and run-length encoding) */
	u64 send;	/* handing bytes to the transport */
	u64 ack;	/* waiting for gdb's '+' */
	u32 in, out;	/* bytes received and sent on the wire */
};
void rsp_stats_packet(const char *pkt, size_t n, const struct rsp_pkt_times *t);

/* Phases of one stop, cycles. */
enum rsp_stop_phase {
	STOP_ROUNDUP,	/* NMIs out until every CPU parked */
	STOP_REMOVE,	/* breakpoints out of the text */
	STOP_SESSION,	/* serving gdb, from stop to resume */
	STOP_GDB,	/* of which: waiting for gdb's next packet */
	STOP_INSERT,	/* breakpoints back */
	STOP_RELEASE,	/* kicks out until every CPU left */
	STOP_PHASES
};
void rsp_stats_stop(const u64 t[STOP_PHASES], u32 packets);

/* `monitor stats` body, one line per call of out(). */
void rsp_stats_print(void (*out)(const char *text));
void rsp_stats_reset(void);

#endif
