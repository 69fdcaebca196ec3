/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
/*
 * Trap entry.  Every vector pushes (error code, vector) so that the C side
 * sees one frame layout, struct arch_regs in regs.h.  The kernel keeps its
 * per-CPU pointer in GS base at all times and never runs swapgs: ring-3
 * code in the reference kernel cannot change GS base (FSGSBASE is off), so
 * NMIs need no "paranoid" entry.
 */
#include "asm.h"

	.text
	.code64

.macro VEC n
	.p2align 4
vec_\n:
	.if (\n == 8 || (\n >= 10 && \n <= 14) || \n == 17 || \n == 21 || \n == 29 || \n == 30)
	.else
	pushq	$0
	.endif
	pushq	$\n
	jmp	trap_common
.endm

/*
 * A trap from kernel code on the same stack (no IST) builds its frame
 * TRAP_GAP bytes below the interrupted stack pointer instead of right
 * under it.  gdb calling a function in a stopped kernel (print f(x))
 * writes the call's return address and arguments just below the 128-byte
 * red zone it assumes under rsp: straight into our trap frame and the
 * debugger's own stack, had they been there.  The CPU pushed the 5-word
 * frame (+ error code and vector) under rsp; copy those 7 words down and
 * go on there.  iretq returns through the copy; the original words are
 * dead.  IST stacks (NMI, #DF, #MC) and ring-3 entries are left as they
 * are: nothing interrupted lives on those stacks.
 */
#define TRAP_GAP 1024

	.p2align 4
	.global trap_common
trap_common:
	testb	$3, 24(%rsp)		/* cs: from ring 3? */
	jnz	2f
	push	%rax
	mov	48(%rsp), %rax		/* interrupted rsp */
	sub	%rsp, %rax		/* 64 bytes above us (+8 alignment) */
	cmp	$(64 + 8), %rax		/* if we are on the same stack */
	ja	1f
	mov	%rsp, %rax
	sub	$TRAP_GAP, %rsp
	pushq	56(%rax)		/* ss */
	pushq	48(%rax)		/* rsp */
	pushq	40(%rax)		/* rflags */
	pushq	32(%rax)		/* cs */
	pushq	24(%rax)		/* rip */
	pushq	16(%rax)		/* error code */
	pushq	8(%rax)			/* vector */
	mov	(%rax), %rax
	jmp	2f
1:	pop	%rax
2:	push	%rax
	push	%rbx
	push	%rcx
	push	%rdx
	push	%rsi
	push	%rdi
	push	%rbp
	push	%r8
	push	%r9
	push	%r10
	push	%r11
	push	%r12
	push	%r13
	push	%r14
	push	%r15
	cld
	mov	%rsp, %rdi
	call	trap_dispatch
	.global trap_return
trap_return:
	pop	%r15
	pop	%r14
	pop	%r13
	pop	%r12
	pop	%r11
	pop	%r10
	pop	%r9
	pop	%r8
	pop	%rbp
	pop	%rdi
	pop	%rsi
	pop	%rdx
	pop	%rcx
	pop	%rbx
	pop	%rax
	add	$16, %rsp
	iretq

	.altmacro
.macro VECS from, to
	VEC \from
	.if \to-\from
	VECS %(\from+1), \to
	.endif
.endm
	VECS 0, 63
	VECS 64, 127
	VECS 128, 191
	VECS 192, 255

.macro VADDR n
	.quad vec_\n
.endm
.macro VADDRS from, to
	VADDR \from
	.if \to-\from
	VADDRS %(\from+1), \to
	.endif
.endm
	.section .rodata
	.p2align 3
	.global trap_stubs
trap_stubs:
	VADDRS 0, 63
	VADDRS 64, 127
	VADDRS 128, 191
	VADDRS 192, 255
	.noaltmacro

	.text
/*
 * void arch_switch(u64 *save_rsp, u64 new_rsp)
 * Saves callee-saved registers on the current stack, stores rsp, loads the
 * next task's rsp and pops its callee-saved registers.  Caller has IRQs off.
 */
	.global arch_switch
arch_switch:
	push	%rbp
	push	%rbx
	push	%r12
	push	%r13
	push	%r14
	push	%r15
	mov	%rsp, (%rdi)
	mov	%rsi, %rsp
	pop	%r15
	pop	%r14
	pop	%r13
	pop	%r12
	pop	%rbx
	pop	%rbp
	ret

/* First return of a new task: r12 = fn, r13 = arg (set by arch_task_init). */
	.cfi_sections .debug_frame
	.global arch_task_start
arch_task_start:
	.cfi_startproc
	.cfi_undefined rip	/* outermost frame of every task */
	mov	%r13, %rdi
	mov	%r12, %rsi
	xor	%ebp, %ebp
	call	kern_task_entry
	ud2
	.cfi_endproc

/*
 * void arch_enter_user(u64 rip, u64 rsp) — never returns.  Builds an iret
 * frame to ring 3 with IF set.
 */
	.global arch_enter_user
arch_enter_user:
	cli
	mov	$USER_DS, %ax
	mov	%ax, %ds
	mov	%ax, %es
	pushq	$USER_DS
	push	%rsi
	pushq	$0x202
	pushq	$USER_CS
	push	%rdi
	xor	%eax, %eax
	xor	%ebx, %ebx
	xor	%ecx, %ecx
	xor	%edx, %edx
	xor	%esi, %esi
	xor	%edi, %edi
	xor	%ebp, %ebp
	xor	%r8d, %r8d
	xor	%r9d, %r9d
	xor	%r10d, %r10d
	xor	%r11d, %r11d
	iretq

/*
 * Fault-safe copy: size_t arch_copy_safe(void *dst, const void *src, size_t n)
 * Returns the number of bytes NOT copied (0 on success).  A #PF or #GP at
 * the rep movsb lands in the exception fixup table (fixup.c), which resumes
 * at copy_fault with rcx = bytes left.
 */
	.global arch_copy_safe
arch_copy_safe:
	mov	%rdx, %rcx
copy_insn:
	rep movsb
	mov	%rcx, %rax
	ret
copy_fault:
	mov	%rcx, %rax
	ret
	.section __ex_table, "a"
	.p2align 3
	.quad copy_insn, copy_fault
	.text

/*
 * void arch_save_regs(struct arch_regs *r): the caller's registers as a
 * trap frame would hold them (rip = return address, rsp = caller's rsp).
 */
	.global arch_save_regs
arch_save_regs:
	mov	%r15, 0(%rdi)
	mov	%r14, 8(%rdi)
	mov	%r13, 16(%rdi)
	mov	%r12, 24(%rdi)
	mov	%r11, 32(%rdi)
	mov	%r10, 40(%rdi)
	mov	%r9, 48(%rdi)
	mov	%r8, 56(%rdi)
	mov	%rbp, 64(%rdi)
	mov	%rdi, 72(%rdi)
	mov	%rsi, 80(%rdi)
	mov	%rdx, 88(%rdi)
	mov	%rcx, 96(%rdi)
	mov	%rbx, 104(%rdi)
	mov	%rax, 112(%rdi)
	movq	$0, 120(%rdi)
	movq	$0, 128(%rdi)
	mov	(%rsp), %rax
	mov	%rax, 136(%rdi)
	mov	%cs, %eax
	mov	%rax, 144(%rdi)
	pushfq
	popq	152(%rdi)
	lea	8(%rsp), %rax
	mov	%rax, 160(%rdi)
	mov	%ss, %eax
	mov	%rax, 168(%rdi)
	mov	112(%rdi), %rax
	ret

/* Interrupt and NMI handlers of the park IDT (desc.c): acknowledge and
 * return, so a parked CPU only wakes from hlt.
 *
 * park_irq returns without iretq.  A CPU parked from the roundup NMI is
 * still inside its NMI handler; an iretq here would unblock NMIs, and the
 * next session's roundup NMI could then nest on the NMI stack and
 * overwrite the frame of the one being left.  The interrupted code is
 * arch_park_wait (CPL 0, same stack), whose next instruction is cli: it
 * is resumed with a plain ret on its own stack, IF left clear.
 * Frame: 0 RIP, 8 CS, 16 RFLAGS, 24 RSP, 32 SS. */
	.p2align 4
	.global park_irq
park_irq:
	push	%rax
	push	%rdx
	mov	$0xfee000b0, %eax	/* LAPIC EOI register */
	movl	$0, (%rax)
	mov	16(%rsp), %rax		/* RIP */
	mov	40(%rsp), %rdx		/* the interrupted RSP */
	sub	$8, %rdx
	mov	%rax, (%rdx)		/* RIP where ret finds it: SS slot or padding */
	mov	%rdx, 40(%rsp)
	pop	%rdx
	pop	%rax
	mov	24(%rsp), %rsp
	ret
	.p2align 4
	.global park_nmi
park_nmi:
	iretq
