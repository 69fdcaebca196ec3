/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
/* What every part of the reference kernel uses. */
#ifndef KERNEL_KERNEL_H
#define KERNEL_KERNEL_H

#include "../lib/types.h"
#include "../lib/string.h"
#include "../lib/fmt.h"
#include "percpu.h"
#include "../lib/cmdline.h"

#define HZ 100

/* Console.  Each call prints atomically: lines from different CPUs never
 * interleave.  Safe from IRQ context; from NMI context it may wait a
 * bounded time for the lock and then print anyway. */
void printk(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void console_init(void);
void console_write(const char *s, size_t n);
/*
 * A sink that takes over console output (the debugger, while gdb is
 * attached, sends it as 'O' packets).  Called with the console lock held
 * and IRQs off; returns false to fall back to the UART.
 */
extern bool (*console_sink)(const char *s, size_t n);

/* Boot options from the command line (boot.c). */
extern char kern_cmdline[];

/* Fatal errors: print CPU, registers and a symbolic backtrace, stop the
 * other CPUs and halt.  Never return. */
void panic(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));
struct arch_regs;
/* Report an exception; returns only if a debugger took it. */
void kern_oops(struct arch_regs *r, const char *what);
/* Print "  [<addr>] sym+0xoff" lines walking frame pointers from rbp. */
void kern_backtrace(u64 rip, u64 rbp);
/* Stop every other CPU with an NMI (used by panic). */
void kern_stop_others(void);

/* Symbol lookup in the embedded table; returns name or NULL. */
const char *ksym_lookup(u64 addr, u64 *offset);
u64 ksym_next(u64 addr);
/* Address of a symbol by name, 0 if unknown. */
u64 ksym_addr(const char *name);

/* Page allocator (boot and task creation only, not hot paths). */
void *kalloc_pages(size_t npages);
/* The e1000 on the PCI bus, up with DMA pages (kernel/e1000_pci.c): 0 or -1. */
int kern_e1000_probe(void);
void mem_init(u64 start, u64 end);

/* Time. */
u64 kern_ticks(void);		/* global tick count (boot CPU's) */
u64 kern_nsec(void);		/* since boot, from the TSC */

/* SMP. */
void smp_boot_aps(void);
/* Run fn(arg) on every other online CPU from an IPI and wait. */
void smp_call_others(void (*fn)(void *), void *arg);
/* Is a preempted task to resume at an address in [start, end)?  Any
 * context (kernel/irq.c). */
bool kern_preempted_in(u64 start, u64 end);
/* IPI handler side of smp_call_others (IRQs off). */
void smp_ipi_call_handler(void);

void demo_start(void);
/* port/ltt_port.c: the last events of each CPU on the console
 * (ltt.oops_dump=N), after an oops's or a panic's register dump. */
void ltt_port_oops(void);
/* bench_mem.c: fill bench_random (boot, once). */
void bench_mem_init(void);
void user_start(void);

#endif
