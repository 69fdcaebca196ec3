/* State shared by the all-stop core (kstub.c) and the command loop
 * (rsp_cmd.c).  Private to stub/. */
#ifndef STUB_KSTUB_INTERNAL_H
#define STUB_KSTUB_INTERNAL_H

#include "kstub.h"
#include "kstub_arch.h"
#include "rsp_packet.h"

#define KSTUB_MAX_CPUS 64

enum cpu_state { CPU_RUNNING, CPU_PARKED };
enum cpu_go { GO_STAY, GO_CONTINUE, GO_STEP };

struct kstub_cpu {
	struct arch_regs *regs;		/* trap frame while parked */
	volatile int state;		/* enum cpu_state */
	volatile int go;		/* master -> parked CPU */
	volatile u32 parks;		/* times parked (step completion) */
	volatile bool in_stub;		/* NMI while in here: ignore it */
	volatile bool nmi_sent;		/* a master sent this CPU an NMI */
	u32 poll_gen;			/* release_gen when its poller saw $ or ^C */
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
/* kstub.c: step another parked CPU and wait for it to come back. */
bool kstub_step_other(int cpu);

#endif
