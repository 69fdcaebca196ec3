/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
/*
 * x86_64 encoding of a static hook site (HOOK() in hooks/hook.h).
 *
 * A site is one 5-byte NOP, 0f 1f 44 00 00 (nopl 0x0(%rax,%rax,1)), with
 * the hook's arguments pinned by asm operands in rdi, rsi, rdx, rcx (the
 * first four SysV argument registers, so the trampoline passes them on to
 * C untouched), plus a descriptor in the .hook_sites section:
 *
 *     .quad site address, .quad name string, .long nargs, .long 0
 *
 * (struct hook_site_desc in hooks/hook_arch.h).  Armed, the patch engine
 * replaces the NOP with `call hook_trampoline` (e8 rel32, the same five
 * bytes).  The trampoline preserves every register and the flags, so the
 * compiler sees an asm that only reads its inputs; the "memory" clobber
 * keeps stores that an exit may read ahead of the site.
 *
 * The name is a C identifier; the hook is named by its spelling
 * (HOOK(irq_entry, vec) declares hook "irq_entry").  One name may appear
 * at several sites (an inlined function, or the same event in two
 * places): they are one hook, armed and disarmed together.
 *
 * Hosted builds (-DKSTUB_HOSTED, unit tests) have no text to patch:
 * HOOK() there calls hook_hosted_fire(), which runs the hook's exits if it
 * is armed, so portable code with static hooks still builds and its
 * events can be tested.
 */
#ifndef ARCH_X86_64_HOOK_SITE_H
#define ARCH_X86_64_HOOK_SITE_H

#define HOOK_NARGS_(name, ...) HOOK_PICK_(name, ##__VA_ARGS__, 4, 3, 2, 1, 0, _)
#define HOOK_PICK_(n, a, b, c, d, N, ...) N
#define HOOK_CAT_(a, b) a##b
#define HOOK_CAT(a, b) HOOK_CAT_(a, b)

#ifdef KSTUB_HOSTED

void hook_hosted_fire(const char *name, unsigned nargs, u64 a0, u64 a1,
		      u64 a2, u64 a3);
#define HOOK_SITE_IMPL(name, ...) \
	HOOK_HOSTED_(name, HOOK_NARGS_(name, ##__VA_ARGS__), ##__VA_ARGS__, 0, 0, 0, 0)
#define HOOK_HOSTED_(name, n, a0, a1, a2, a3, ...) \
	hook_hosted_fire(#name, n, (u64)(a0), (u64)(a1), (u64)(a2), (u64)(a3))

#else

/* The NOP and its descriptor; %= is not needed: 1: and 2: are local
 * labels, and every expansion of the asm gets its own. */
#define HOOK_SITE_ASM_(name, n)                                          \
	"1:\t.byte 0x0f, 0x1f, 0x44, 0x00, 0x00\n\t"                      \
	".pushsection .rodata.hook_names, \"aMS\", @progbits, 1\n"       \
	"2:\t.asciz \"" #name "\"\n\t"                                    \
	".popsection\n\t"                                                 \
	".pushsection .hook_sites, \"a\"\n\t"                             \
	".balign 8\n\t"                                                   \
	".quad 1b, 2b\n\t"                                                \
	".long " #n ", 0\n\t"                                             \
	".popsection"

#define HOOK_SITE_0(name) \
	__asm__ volatile(HOOK_SITE_ASM_(name, 0) ::: "memory")
#define HOOK_SITE_1(name, a0) \
	__asm__ volatile(HOOK_SITE_ASM_(name, 1) :: "D"((u64)(a0)) : "memory")
#define HOOK_SITE_2(name, a0, a1) \
	__asm__ volatile(HOOK_SITE_ASM_(name, 2) :: "D"((u64)(a0)), \
			 "S"((u64)(a1)) : "memory")
#define HOOK_SITE_3(name, a0, a1, a2) \
	__asm__ volatile(HOOK_SITE_ASM_(name, 3) :: "D"((u64)(a0)), \
			 "S"((u64)(a1)), "d"((u64)(a2)) : "memory")
#define HOOK_SITE_4(name, a0, a1, a2, a3) \
	__asm__ volatile(HOOK_SITE_ASM_(name, 4) :: "D"((u64)(a0)), \
			 "S"((u64)(a1)), "d"((u64)(a2)), "c"((u64)(a3)) : "memory")

#define HOOK_SITE_IMPL(name, ...) \
	HOOK_CAT(HOOK_SITE_, HOOK_NARGS_(name, ##__VA_ARGS__))(name, ##__VA_ARGS__)

#endif /* KSTUB_HOSTED */

#endif
