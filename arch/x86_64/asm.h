/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
/* Constants shared by assembly and C in arch/x86_64. */
#ifndef ARCH_X86_64_ASM_H
#define ARCH_X86_64_ASM_H

#define KERNEL_CS	0x08
#define KERNEL_DS	0x10
#define USER_DS		0x23	/* GDT slot 4, RPL 3 */
#define USER_CS		0x2b	/* GDT slot 5, RPL 3 */
#define TSS_SEL		0x30

#define CR0_PE		(1 << 0)
#define CR0_WP		(1 << 16)
#define CR0_PG		(1 << 31)
#define CR4_PAE		(1 << 5)
#define CR4_PGE		(1 << 7)
#define MSR_EFER	0xc0000080
#define EFER_LME	(1 << 8)
#define EFER_NXE	(1 << 11)
#define MSR_GS_BASE	0xc0000101

/* Low-memory page the AP trampoline is copied to (SIPI vector 0x08). */
#define TRAMPOLINE_ADDR	0x8000

#endif
