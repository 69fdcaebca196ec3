/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
/*
 * AP start-up code.  smp.c copies [trampoline_start, trampoline_end) to
 * TRAMPOLINE_ADDR and fills in the parameter block at its end, then sends
 * INIT/SIPI.  The AP starts here in real mode at CS:IP = 0x0800:0000,
 * goes to protected mode, loads the kernel's final page tables and jumps
 * to ap_entry(cpu) in long mode on the stack it was given.
 */
#include "asm.h"

#define REL(x) (TRAMPOLINE_ADDR + ((x) - trampoline_start))

	.section .rodata
	.global trampoline_start, trampoline_end
	.global tramp_cr3, tramp_stack, tramp_entry, tramp_cpu
	.p2align 4
	.code16
trampoline_start:
	cli
	xor	%ax, %ax
	mov	%ax, %ds
	lgdtl	REL(tramp_gdtr)
	mov	%cr0, %eax
	or	$CR0_PE, %eax
	mov	%eax, %cr0
	ljmpl	$0x08, $REL(tramp32)

	.code32
tramp32:
	mov	$0x10, %ax
	mov	%ax, %ds
	mov	%ax, %es
	mov	%ax, %ss
	mov	%cr4, %eax
	or	$CR4_PAE, %eax
	mov	%eax, %cr4
	mov	REL(tramp_cr3), %eax
	mov	%eax, %cr3
	mov	$MSR_EFER, %ecx
	rdmsr
	or	$(EFER_LME | EFER_NXE), %eax
	wrmsr
	mov	%cr0, %eax
	or	$(CR0_PG | CR0_WP), %eax
	mov	%eax, %cr0
	ljmp	$0x18, $REL(tramp64)

	.code64
tramp64:
	mov	$0x10, %ax
	mov	%ax, %ds
	mov	%ax, %es
	mov	%ax, %ss
	mov	REL(tramp_stack), %rsp
	mov	REL(tramp_cpu), %edi
	mov	REL(tramp_entry), %rax
	xor	%ebp, %ebp
	push	$0
	jmp	*%rax

	.p2align 3
tramp_gdt:
	.quad 0
	.quad 0x00cf9a000000ffff	/* 0x08: 32-bit code */
	.quad 0x00cf92000000ffff	/* 0x10: data */
	.quad 0x00af9a000000ffff	/* 0x18: 64-bit code */
tramp_gdtr:
	.word tramp_gdtr - tramp_gdt - 1
	.long REL(tramp_gdt)
	.p2align 3
tramp_cr3:	.quad 0
tramp_stack:	.quad 0
tramp_entry:	.quad 0
tramp_cpu:	.quad 0
trampoline_end:
