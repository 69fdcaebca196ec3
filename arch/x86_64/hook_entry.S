/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
/*
 * The hook trampoline and the probes' out-of-line slots.
 *
 * An armed static site is `call hook_trampoline` (arch/x86_64/hook_site.h)
 * with the hook's arguments in rdi, rsi, rdx, rcx.  The compiler believes
 * the site is an asm that clobbers nothing, so the trampoline saves every
 * caller-saved register and the flags, disables IRQs (see hooks/hook.c:
 * readers of exit arrays run with IRQs off, which is what a sync round
 * waits for), aligns the stack for C and calls
 *     hook_dispatch_static(a0, a1, a2, a3, site)
 * where site = return address - 5.  rbp is pushed first so backtraces
 * walk through it into the hooked function.  No red zone to step over:
 * the kernel is built with -mno-red-zone.
 */
	.text
	.code64
	.p2align 4
	.global hook_trampoline
	.type hook_trampoline, @function
hook_trampoline:
	push	%rbp
	mov	%rsp, %rbp
	pushfq
	push	%rax
	push	%rcx
	push	%rdx
	push	%rsi
	push	%rdi
	push	%r8
	push	%r9
	push	%r10
	push	%r11
	cli
	cld				/* C wants DF clear; popfq restores it */
	and	$-16, %rsp
	mov	8(%rbp), %r8		/* return address = site + 5 */
	sub	$5, %r8
	call	hook_dispatch_static
	lea	-80(%rbp), %rsp		/* flags + 9 registers below rbp */
	pop	%r11
	pop	%r10
	pop	%r9
	pop	%r8
	pop	%rdi
	pop	%rsi
	pop	%rdx
	pop	%rcx
	pop	%rax
	popfq				/* IF (and DF) as the site had them */
	pop	%rbp
	ret
	.size hook_trampoline, . - hook_trampoline

/*
 * Out-of-line slots for probes (probe.c): executable, inside .text and
 * so read-only; written through the patch engine's writable alias.  The
 * linker script puts .probe_slots in the no-probe region.  Filled with
 * int3 so that a stray jump into an unused slot traps.
 */
	.section .probe_slots, "ax"
	.p2align 12
	.global probe_slots, probe_slots_end
probe_slots:
	.fill 4 * 4096, 1, 0xcc
probe_slots_end:
