/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
/* Per-CPU descriptor tables: GDT with a TSS, one shared IDT. */
#ifndef ARCH_X86_64_DESC_H
#define ARCH_X86_64_DESC_H

#include "../../lib/types.h"

struct tss {
	u32 reserved0;
	u64 rsp[3];
	u64 reserved1;
	u64 ist[7];
	u64 reserved2;
	u16 reserved3;
	u16 iomap_base;
} __attribute__((packed));

#define IST_NMI 1
#define IST_DF 2
#define IST_MC 3
#define IST_STACK_SIZE 8192

struct arch_cpu {
	u64 gdt[8];
	struct tss tss;
	u8 ist_stacks[3][IST_STACK_SIZE] __attribute__((aligned(16)));
};

/* Boot CPU, once, before any trap can happen: fills the shared IDT. */
void arch_idt_init(void);
/* Each CPU, early in its bring-up, IRQs off: loads GDT, TSS and IDT. */
void arch_cpu_tables_load(struct arch_cpu *ac);
/*
 * Debugger, a parked CPU with IRQs off: sleep until the next interrupt
 * (a timer tick or the master's kick IPI) without running any kernel
 * interrupt handler.  Under an emulator this frees the host CPU.
 */
void arch_park_wait(void);
/* Scheduler, IRQs off: kernel stack used on the next ring 3 -> 0 trap. */
void arch_set_kernel_stack(struct arch_cpu *ac, u64 rsp0);

#endif
