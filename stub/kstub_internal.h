/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
/* State shared by the all-stop core (kstub.c) and the command loop
 * (rsp_cmd.c).  Private to stub/. */
#ifndef STUB_KSTUB_INTERNAL_H
#define STUB_KSTUB_INTERNAL_H

#include "kstub.h"
#include "kstub_arch.h"
#include "rsp_packet.h"

#define KSTUB_MAX_CPUS 64

enum cpu_state { CPU_RUNNING, CPU_PARKED };
enum cpu_go { GO_STAY, GO_CONTINUE, GO_STEP, GO_MASTER };

struct kstub_cpu {
	struct arch_regs *regs;		/* trap frame while parked */
	volatile int state;		/* enum cpu_state */
	volatile int go;		/* master -> parked CPU */
	volatile u32 parks;		/* times parked (step completion) */
	volatile u32 park_gen;		/* release_gen of the session it parked for */
	volatile bool in_stub;		/* NMI while in here: ignore it */
	volatile bool nmi_sent;		/* a master sent this CPU an NMI */
	volatile u32 nmi_gen;		/* release_gen of the session that sent it */
	volatile bool step_wanted;	/* gdb asked this CPU to single-step */
	u32 poll_gen;			/* release_gen when its poller saw $ or ^C */
	/* Non-stop mode (rsp_live.c): */
	volatile bool alone;		/* stopped alone, the others may run */
	volatile bool ns_report;	/* its stop is still to be told to gdb */
	volatile bool ns_inflight;	/* told in a %Stop gdb has not yet
					 * answered with vStopped */
	volatile bool stop_req;		/* vCont;t: stop when the NMI lands */
	volatile bool ns_nmi;		/* an NMI for it is on its way (claimed
					 * even when a stop came first) */
	struct kstub_stop stop;		/* why it entered */
};

/* What the command loop decided. */
enum session_end { END_CONTINUE, END_STEP, END_DETACH };

struct kstub_state {
	struct rsp_conn conn;
	bool enabled;
	bool console_on_link;		/* 'O' packets carry the console */
	volatile bool attached;		/* gdb has talked to us, not detached */
	int stop_cpu;			/* thread of the last stop reply */
	int g_cpu;			/* Hg */
	int step_cpu;			/* for END_STEP */
	u32 console_lost;		/* console bytes dropped while stopped */
	u64 stop_gdb_wait;		/* this stop: cycles waiting for gdb */
	u32 park_timeouts;		/* CPUs that did not stop within 1 s */
	unsigned park_timeout_cpu;	/* the last one */
	u32 stop_packets;		/* this stop: packets served */
	volatile bool non_stop;		/* QNonStop:1 (rsp_live.c) */
	volatile bool waits_stop;	/* all-stop gdb resumed the kernel and
					 * waits for a stop: 'O' packets allowed */
	bool ns_notified;		/* a %Stop is out: gdb will send vStopped */
	bool ns_held;			/* after `?`: one stop reported, the
					 * others wait until ns_hold_until */
	u64 ns_hold_until;		/* port_time_us() */
	u32 alone_stops;		/* CPUs stopped alone since gdb's
					 * qSupported (monitor stats) */
	size_t pending_n;		/* a packet read live that needs the
					 * all-stop session (in pkt) */
	struct arch_hw_bp hw[ARCH_HW_SLOTS];
	struct kstub_cpu cpu[KSTUB_MAX_CPUS];
	char pkt[RSP_PACKET_MAX + 1];
	char out[RSP_PACKET_MAX + 1];
};

extern struct kstub_state ks;

/* rsp_cmd.c: serve gdb until it resumes; master CPU, others parked. */
enum session_end rsp_session(bool report_stop);
/* Build the stop reply for ks.stop_cpu into out; returns its length. */
size_t rsp_stop_reply(char *out, size_t size);
size_t rsp_stop_reply_cpu(int cpu, char *out, size_t size);
/*
 * Serve a packet both modes share (registers of a stopped CPU, memory,
 * breakpoints, H, T, q/Q/v tables): false if pkt is not one of them.
 */
bool rsp_serve_common(char *pkt, size_t n);
/* `monitor stats` accounting of one packet served (by the session or
 * the live server): begin before serving it, end after; end returns the
 * time gdb took since our last reply (*last: when that was, 0 none). */
struct rsp_served {
	char kind[16];
	size_t kn;
	u64 t0;
};
void rsp_served_begin(struct rsp_served *sv, const char *pkt, size_t n);
u64 rsp_served_end(struct rsp_served *sv, u64 *last);

/*
 * The live server (rsp_live.c): serve gdb while CPUs run.  Called with
 * the link held (link_lock) and no master, from the Ctrl-C poller of a
 * running CPU or the park loop of a CPU stopped alone.  Reads and serves
 * packets until the link is quiet, and sends non-stop notifications.
 * Returns LIVE_NEED_STOP when a packet needs every CPU stopped (all-stop
 * mode, say `?`): it is kept in ks.pkt (ks.pending_n) for the session;
 * LIVE_BREAKIN for a Ctrl-C in all-stop mode.
 */
enum { LIVE_IDLE, LIVE_NEED_STOP, LIVE_BREAKIN };
int rsp_live_poll(void);
/* kstub.c, for the live server: resume a CPU stopped alone (GO_CONTINUE
 * or GO_STEP); ask a running CPU to stop alone (an NMI). */
void kstub_ns_resume(unsigned cpu, int go);
void kstub_ns_stop(unsigned cpu);
/*
 * The command table: a module (tracepoints, ...) adds the packets it
 * serves at boot, the way monitor commands are registered.  A packet
 * matches an entry when it starts with `name` followed by the end of the
 * packet or one of `seps`.  Handlers run on the master with every other
 * CPU parked and answer with rsp_reply*().
 */
struct rsp_cmd {
	const char *name;
	const char *seps;
	void (*fn)(char *pkt, size_t n);
};
/* Boot, before the first session.  0, or -1 when the table is full. */
int rsp_cmds_register(const struct rsp_cmd *cmds, size_t n);
void rsp_reply(const char *s, size_t n);
void rsp_reply_str(const char *s);
/* Text for gdb's console, as O packets, before the reply of a packet gdb
 * reads with its "noisy" reader (QTDP, QTStart, QTFrame, qRcmd...). */
void rsp_console(const char *text);
/* A qXfer read of doc[off, off + len): 'm' or 'l' + escaped bytes. */
void rsp_reply_xfer(const char *doc, size_t doclen, u64 off, u64 len);

/* tp.c, called by the command loop. */
void tp_init(void);
/* kstub_shutdown: the run stopped, every tracepoint out of the text. */
void tp_shutdown(void);
void tp_session_begin(void);	/* a session starts: finish stopped runs */
void tp_detach(void);		/* gdb detached */
/* The qSupported features tracepoints add (";Feature+..."). */
extern const char tp_features[];
bool tp_xfer(const char *object, size_t olen, u64 off, u64 len);
/* Agent-evaluated Z0 conditions and commands (bp.c). */

/* kstub.c: after the stop reply went out, wait until every CPU parked
 * and take the breakpoints out (once per stop; rsp_session calls it). */
void kstub_stop_finish(void);
/* kstub.c: step another parked CPU and wait for it to come back. */
bool kstub_step_other(int cpu);

#endif
