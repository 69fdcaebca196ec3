/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
/*
 * kstub: the debugger entry points a hosting kernel and its arch trap code
 * call.  Everything here runs with IRQs off on the CPU that trapped.
 */
#ifndef STUB_KSTUB_H
#define STUB_KSTUB_H

#include "../lib/types.h"
#include "rsp_packet.h"

struct arch_regs;

/* Why a CPU entered the debugger (filled by the arch trap glue). */
enum kstub_stop_kind {
	KSTUB_STOP_NONE,	/* rounded up by NMI: nothing to report */
	KSTUB_STOP_SWBREAK,	/* a Z0 breakpoint */
	KSTUB_STOP_TRAP,	/* an int3 compiled into the code */
	KSTUB_STOP_HWBREAK,	/* Z1 */
	KSTUB_STOP_WATCH,	/* Z2 write */
	KSTUB_STOP_RWATCH,	/* Z3 read */
	KSTUB_STOP_AWATCH,	/* Z4 access */
	KSTUB_STOP_STEP,	/* single step done */
	KSTUB_STOP_BREAKIN,	/* Ctrl-C from gdb */
	KSTUB_STOP_ATTACH,	/* gdb started talking while the kernel ran */
	KSTUB_STOP_FAULT,	/* an exception the kernel could not handle */
	KSTUB_STOP_PANIC,	/* panic() */
	KSTUB_STOP_STOPPED,	/* non-stop: gdb asked this CPU to stop (vCont;t) */
};

struct kstub_stop {
	enum kstub_stop_kind kind;
	u8 sig;			/* GDB signal number (5 = SIGTRAP, ...) */
	u64 addr;		/* watchpoint data address */
	const char *why;	/* fault/panic text, shown on the console */
};

/*
 * Boot, once, after the port is up: select the transport; from then on
 * traps and Ctrl-C enter the debugger.  Boot CPU, IRQs on or off.
 */
void kstub_init(const struct rsp_transport *t, bool console_on_link);
bool kstub_enabled(void);
/* Has a gdb attached and not detached?  Any context. */
bool kstub_attached(void);
/*
 * Before the stub's code goes away (a module unload): every breakpoint
 * and tracepoint out of the text, the debug register slots cleared, and
 * no more entries.  Task context, CPUs running, no session active; the
 * host keeps its trap hooks until this returns.
 */
void kstub_shutdown(void);

/*
 * Enter the debugger for `stop` with this CPU's trap frame.  Returns when
 * gdb resumes this CPU.  IRQs off.  Any CPU, several at once.
 */
void kstub_enter(struct arch_regs *r, const struct kstub_stop *stop);
/*
 * NMI hook: if a debugger session is rounding CPUs up, park this one and
 * return true; otherwise return false (the NMI is not ours).
 */
bool kstub_nmi(struct arch_regs *r);
/*
 * Timer-tick hook on every CPU: polls the link for Ctrl-C or a gdb that
 * starts talking, and enters the debugger when one arrives.
 */
void kstub_poll(struct arch_regs *r);
/*
 * #DB glue: a single-step trap that belongs to a tracepoint's
 * while-stepping (not to gdb) is consumed here: returns true when it
 * was.  IRQs off, the trapping CPU.
 */
bool tp_step_trap(struct arch_regs *r);
/* Resuming a CPU from the debugger: is it in the middle of a
 * tracepoint's while-stepping (keep its TF)?  A CPU gdb steps gives it
 * up: gdb's step is reported (tp_step_cancel). */
bool tp_step_active(unsigned cpu);
void tp_step_cancel(unsigned cpu);
/* Console sink while gdb is attached on the console's own link. */
bool kstub_console_out(const char *s, size_t n);

/*
 * Extra `monitor` commands (qRcmd), registered at boot by other parts of
 * the kernel (e.g. `monitor hooks`).  fn runs on the debugger master with
 * every other CPU parked; it prints through out(), one call per line or
 * chunk.  Returns 0, or -1 when the table is full.
 */
struct kstub_monitor_cmd {
	const char *name;
	const char *help;	/* one line */
	void (*fn)(const char *args, void (*out)(const char *text));
};
int kstub_monitor_register(const struct kstub_monitor_cmd *cmd);

/* Debugger state the arch trap glue needs. */
bool kstub_is_active(void);
/*
 * Is any other CPU parked in the debugger (a session runs, or gdb resumed
 * and it has not left yet: the master does not wait)?  Kernel tasks that
 * patch code under the hook lock skip a round then: a sync round would
 * wait for that CPU, holding the lock, and a new stop could find it held.
 * Any context.
 */
bool kstub_cpus_parked(void);
/* Is gdb being served (a session, or the live server while CPUs run)?
 * Then every byte of the link counts; otherwise the Ctrl-C poller only
 * looks for a break-in or a packet start, and a transport may drop the
 * rest.  Any context. */
bool kstub_link_in_use(void);
/* The trap frame a CPU is stopped in (the master's, or a parked CPU's),
 * NULL while it runs.  The master, others parked: a port looks at where
 * stopped CPUs will resume (port_text_busy). */
struct arch_regs *kstub_cpu_frame(unsigned cpu);
/* Did gdb ask this CPU to single-step?  (A single-step trap nobody asked
 * for, from a TF that code popped back, is dropped.)  The trapping CPU. */
bool kstub_step_expected(void);
struct arch_hw_bp;
/* The Z1-Z4 slots, for decoding a #DB. */
struct arch_hw_bp *kstub_hw_slots(void);

#endif
