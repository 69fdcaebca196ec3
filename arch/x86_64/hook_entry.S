/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
/*
 * The probes' out-of-line slots (probe.c).  (Static sites need no
 * trampoline: an armed site jumps to a block the compiler built, see
 * hook_site.h.)  Executable, inside .text and so read-only; written through the patch engine's writable alias.  The
 * linker script puts .probe_slots in the no-probe region.  Filled with
 * int3 so that a stray jump into an unused slot traps.
 */
	.text
	.code64

/*
 * Jump-optimized probes (probe.c): a probed site is `jmp slot`, and the
 * slot starts `pushfq; cli; call hook_jump_entry`.  Here:
 *   0(%rsp)  the slot's return address (slot + 7: which probe)
 *   8(%rsp)  the flags at the probe
 *   16(%rsp) where the probed code's rsp pointed
 * Build a struct arch_regs (regs.h) below them, call probe_jump_hit(r)
 * with IRQs off, then either return to the address it gave (a copy of
 * the displaced instructions) with r's registers and r->rflags (IF
 * clear: the copy ends with sti if IF was set), or, when it gave 0,
 * iretq through r (an exit changed rip, rsp or set TF).  No red zone to
 * step over: -mno-red-zone.
 */
#define R_SIZE	176			/* sizeof(struct arch_regs) */
.macro restore_gprs
	mov	0(%rsp), %r15
	mov	8(%rsp), %r14
	mov	16(%rsp), %r13
	mov	24(%rsp), %r12
	mov	32(%rsp), %r11
	mov	40(%rsp), %r10
	mov	48(%rsp), %r9
	mov	56(%rsp), %r8
	mov	64(%rsp), %rbp
	mov	72(%rsp), %rdi
	mov	80(%rsp), %rsi
	mov	88(%rsp), %rdx
	mov	96(%rsp), %rcx
	mov	104(%rsp), %rbx
	mov	112(%rsp), %rax
.endm
	.p2align 4
	.global hook_jump_entry
	.type hook_jump_entry, @function
hook_jump_entry:
	sub	$R_SIZE, %rsp
	mov	%r15, 0(%rsp)
	mov	%r14, 8(%rsp)
	mov	%r13, 16(%rsp)
	mov	%r12, 24(%rsp)
	mov	%r11, 32(%rsp)
	mov	%r10, 40(%rsp)
	mov	%r9, 48(%rsp)
	mov	%r8, 56(%rsp)
	mov	%rbp, 64(%rsp)
	mov	%rdi, 72(%rsp)
	mov	%rsi, 80(%rsp)
	mov	%rdx, 88(%rsp)
	mov	%rcx, 96(%rsp)
	mov	%rbx, 104(%rsp)
	mov	%rax, 112(%rsp)
	mov	R_SIZE(%rsp), %rax	/* slot + 7 */
	mov	%rax, 120(%rsp)		/* vector: names the probe */
	movq	$0, 128(%rsp)		/* error */
	movq	$0, 136(%rsp)		/* rip: set by probe_jump_hit */
	mov	%cs, %eax
	mov	%rax, 144(%rsp)
	mov	R_SIZE+8(%rsp), %rax	/* rflags */
	mov	%rax, 152(%rsp)
	lea	R_SIZE+16(%rsp), %rax	/* rsp of the probed code */
	mov	%rax, 160(%rsp)
	mov	%ss, %eax
	mov	%rax, 168(%rsp)
	mov	%rsp, %rdi
	mov	%rsp, %rbx		/* callee-saved: the frame */
	and	$-16, %rsp
	cld
	call	probe_jump_hit
	mov	%rbx, %rsp
	test	%rax, %rax
	jz	1f
	/* Fast return: flags then the copy's address where the slot's
	 * return address and the pushed flags were. */
	mov	%rax, R_SIZE+8(%rsp)
	mov	152(%rsp), %rax
	mov	%rax, R_SIZE(%rsp)
	restore_gprs
	add	$R_SIZE, %rsp
	popfq
	ret
1:	restore_gprs
	add	$136, %rsp		/* rip, cs, rflags, rsp, ss */
	iretq
	.size hook_jump_entry, . - hook_jump_entry

	.section .probe_slots, "ax"
	.p2align 12
	.global probe_slots, probe_slots_end
probe_slots:
	.fill 4 * 4096, 1, 0xcc
probe_slots_end:
