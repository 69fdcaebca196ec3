/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
/*
 * Between the files of the Linux port (ports/linux/).  These include
 * kernel headers; the portable core they call does not.
 */
#ifndef PORTS_LINUX_KSTUB_LINUX_H
#define PORTS_LINUX_KSTUB_LINUX_H

#include <linux/types.h>
#include <linux/ptrace.h>

struct arch_regs;
struct module;
struct rsp_transport;

/* ksyms.c: symbols Linux does not export, found through kallsyms at
 * load.  Task context, once; 0 or -ENOENT (dmesg names the symbol). */
int kl_ksyms_init(void);
/* Address of a symbol by name, 0 if unknown.  Task context. */
unsigned long kl_lookup(const char *name);
/* Start, size and name of the symbol holding addr (name into buf of
 * KSYM_NAME_LEN); false if none.  Any context (kallsyms takes no lock). */
bool kl_sym_of(unsigned long addr, unsigned long *start, unsigned long *size,
	       char *buf);
/* The kernel's own checks, through kallsyms.  Any context. */
bool kl_core_kernel_text(unsigned long addr);
bool kl_kprobe_blacklisted(unsigned long addr);
bool kl_module_text(unsigned long addr);
/* The module whose text holds addr, or NULL.  Preemption off. */
struct module *kl_module_of(unsigned long addr);
bool kl_has_fixup(unsigned long addr);
/* Does the kernel patch this byte itself (ftrace NOP, jump label, static
 * call)?  The reason, or NULL.  Any context. */
const char *kl_kernel_patches(unsigned long addr, size_t len);
/* The length of ftrace's call site if addr is one (MCOUNT_INSN_SIZE),
 * else 0.  Any context. */
size_t kl_ftrace_nop_at(unsigned long addr);
/* copy_to_kernel_nofault, not exported in 6.1.  Any context. */
long kl_copy_to_kernel_nofault(void *dst, const void *src, size_t n);
/* The watchdog and RCU calls a long stop needs (kgdb's list). */
void kl_touch_watchdogs(void);
/* on: RCU stall reports off (a stop begins; the master, IRQs off);
 * off: back on a second later, from kl_rcu_stall_settle(). */
void kl_rcu_stall_suppress(bool on);
/* The poll timer (hard IRQ), and unload with now = true: stall reports
 * back on once the second after a stop is over. */
void kl_rcu_stall_settle(bool now);

/* arch_glue.c: the writable text alias (a PTE slot a CPU and context);
 * load and unload, task context. */
int kl_alias_init(void);
void kl_alias_exit(void);

/* regs.c: struct pt_regs <-> struct arch_regs (the core's trap frame). */
void kl_regs_in(struct arch_regs *r, const struct pt_regs *p, u64 vector);
void kl_regs_out(struct pt_regs *p, const struct arch_regs *r);

/* uart.c: the polled 16550 the module owns.  port is 0x3f8 or 0x2f8;
 * load time.  NULL and a dmesg line when the UART is missing or busy. */
const struct rsp_transport *kl_uart_init(const char *tty, unsigned baud);
void kl_uart_exit(void);

/* nmi.c: our NMI handler (roundup, calls).  Load/unload, task context. */
int kl_nmi_init(void);
void kl_nmi_exit(void);
/* Run fn(arg) (NULL: nothing) in NMI context on every other online CPU
 * not parked in the debugger, and wait for them (each NMI's iret also
 * serializes its CPU).  Any context.  Returns the NMIs sent. */
unsigned kl_nmi_call_others(void (*fn)(void *), void *arg);

/* traps.c: die notifier (int3, #DB, oops) and the link poll timers.
 * Load/unload, task context. */
int kl_traps_init(void);
void kl_traps_exit(void);

/* noprobe.c: code the debugger runs, where no breakpoint may go, and the
 * sites Linux patches itself.  Init at load (task context); queries
 * from any context. */
int kl_noprobe_init(void);
void kl_noprobe_exit(void);
const char *kl_noprobe(unsigned long addr);
const char *kl_sites_reserved(unsigned long addr, size_t len);

/* symtab.c: kallsyms packed for `kstub symbols`.  Load/unload, task
 * context; where: the debugger master. */
int kl_symtab_init(void);
void kl_symtab_exit(void);
void kl_symtab_where(u64 *addr, u64 *size, u32 *count, u32 *crc);

/* monitor.c: `monitor ksyms`, `monitor ltt`.  Load. */
void kl_monitor_init(void);

/* ltt_linux.c: Linux tracepoints into the LTT buffers, and the 20 ms
 * work that applies gdb's `ltt` requests.  Load/unload, task context. */
int kl_ltt_events_init(void);
void kl_ltt_events_exit(void);

/* udp.c: the UDP link on an e1000 no Linux driver holds.  "IP:PORT";
 * load time; NULL with a dmesg line when there is no such NIC. */
const struct rsp_transport *kl_udp_init(const char *where);
void kl_udp_exit(void);

/* debugreg.c: four perf-owned debug registers for Z1-Z4.  Load/unload,
 * task context; fewer (or none) when other users hold them. */
int kl_debugregs_init(void);
void kl_debugregs_exit(void);

/* traps.c: stop polling the link (no new session); unload, first. */
void kl_traps_stop_poll(void);

#endif
