/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
/*
 * The port: what a hosting kernel provides to the stub.  One short header
 * of plain functions (FreeBSD gdb.h style).  Implemented by the reference
 * kernel in kernel/port/kstub_port.c.
 */
#ifndef STUB_KSTUB_PORT_H
#define STUB_KSTUB_PORT_H

#include "../lib/types.h"

/* Number of CPUs that exist (thread ids are cpu + 1).  Any context. */
unsigned port_cpu_count(void);
/* Index of the running CPU.  Any context, NMI included. */
unsigned port_cpu_id(void);
/* Is this CPU online (has it ever been started)?  Any context. */
bool port_cpu_online(unsigned cpu);
/* Send an NMI to every other online CPU.  IRQs off, debugger master. */
void port_roundup_others(void);
/* Wake a CPU parked in the debugger (it may be halted).  Master. */
void port_kick_cpu(unsigned cpu);
/* Can this port serve non-stop mode (port_nmi_cpu, port_call_others)?
 * Any context. */
bool port_nonstop_ok(void);
/* Non-stop mode, the live server (any context, IRQs off): send an NMI to
 * one CPU, which then stops alone (vCont;t). */
void port_nmi_cpu(unsigned cpu);
/* Non-stop mode, the live server (IRQs off): run fn(arg) on every other
 * online CPU that runs kernel code, from an IPI, and wait for them; CPUs
 * parked in the debugger are skipped. */
void port_call_others(void (*fn)(void *), void *arg);
/* Name of what runs on `cpu` ("demo_fib"), for qThreadExtraInfo.  The
 * CPU is parked.  Writes a NUL-terminated string. */
void port_cpu_task(unsigned cpu, char *buf, size_t size);
/* Master or live server: what a CPU waits for, if the kernel knows
 * ("spinning on demo_lock"), else "".  For `monitor cpus`:
 * with CPUs stopped alone, the others may wait for a lock one holds. */
void port_cpu_note(unsigned cpu, char *buf, size_t size);
/* Is addr inside read-only kernel text (must be written via an alias)? */
bool port_is_text(u64 addr, size_t len);
/* Is addr inside code the debugger itself runs (stub, patch engine, trap
 * path), or bytes the kernel rewrites by itself?  No breakpoint or probe
 * may be placed there.  The reason (a static string), or NULL.  Any
 * context. */
const char *port_is_noprobe(u64 addr);
/*
 * Length of an instruction at addr that the kernel rewrites by itself
 * and that does nothing a debugger needs to see (Linux's ftrace NOP at
 * function entry): breakpoints and tracepoints asked for at addr go on
 * the next instruction instead.  0 for none.  Any context.
 */
size_t port_bp_skip(u64 addr);
/* Microseconds since boot, for timeouts.  Any context. */
u64 port_time_us(void);
/* Reset the machine (k, monitor reboot). */
void port_reboot(void) __attribute__((noreturn));
/* The debugger master, every other CPU parked: the kernel stops (true)
 * or is about to run again (false).  A host kernel quiets its watchdogs
 * and stall detectors here, and forgives them the time stopped. */
void port_stopped(bool stopped);
/* Print a line on the kernel console (never through the stub link). */
void port_log(const char *s);

#endif
