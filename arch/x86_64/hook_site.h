/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
/*
 * x86_64 encoding of a static hook site (HOOK() in hooks/hook.h): a
 * static branch, the way Linux's static keys and tracepoints are built.
 *
 * A site is one 5-byte NOP, 0f 1f 44 00 00 (nopl 0x0(%rax,%rax,1)), in an
 * `asm goto` whose only label is an out-of-line block the compiler builds
 * like any cold code:
 *
 *     hook_fire(&ref, a0, a1, a2, a3);    (an ordinary C call)
 *
 * plus a descriptor in the .hook_sites section:
 *
 *     .quad site, name string; .long nargs, flags; .quad block, &ref
 *
 * (struct hook_site_desc in hooks/hook_arch.h).  Armed, the patch engine
 * replaces the NOP with `jmp block` (e9 rel32, the same five bytes).  So a
 * disarmed site costs the NOP and nothing else (the arguments are not even
 * computed), and an armed one costs a call with the arguments in
 * registers: no trampoline saving every register and the flags.  `ref` is
 * a static variable of the expansion; hook_init() points it at the hook,
 * so the dispatcher needs no lookup.  If the compiler copies a site (a
 * function inlined twice), every copy gets a descriptor; copies share the
 * ref, which is fine: they are one hook.
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

/* Where a site's dispatcher finds its hook (filled by hook_init()). */
struct hook_ref {
	void *hook;
	unsigned gen;		/* hosted: the hook_init() it was found in */
};

#define HOOK_SITE_IMPL(name, ...) \
	HOOK_SITE_N_(name, HOOK_NARGS_(name, ##__VA_ARGS__), ##__VA_ARGS__, 0, 0, 0, 0)

/* The dispatcher of the out-of-line blocks (hooks/hook.c); hosted unit
 * tests call it to play a CPU running through an armed site. */
void hook_fire(struct hook_ref *ref, u64 a0, u64 a1, u64 a2, u64 a3);

#ifdef KSTUB_HOSTED

void hook_hosted_fire(struct hook_ref *ref, const char *name, unsigned nargs,
		      u64 a0, u64 a1, u64 a2, u64 a3);
#define HOOK_SITE_N_(name, n, a0, a1, a2, a3, ...) do {                  \
	static struct hook_ref hook_ref_;                                 \
	hook_hosted_fire(&hook_ref_, #name, n, (u64)(a0), (u64)(a1),     \
			 (u64)(a2), (u64)(a3));                           \
} while (0)

#else

/* The NOP and its descriptor; 1: and 2: are local labels, and every
 * expansion of the asm gets its own. */
#define HOOK_SITE_ASM_(name, n)                                          \
	"1:\t.byte 0x0f, 0x1f, 0x44, 0x00, 0x00\n\t"                      \
	".pushsection .rodata.hook_names, \"aMS\", @progbits, 1\n"       \
	"2:\t.asciz \"" #name "\"\n\t"                                    \
	".popsection\n\t"                                                 \
	".pushsection .hook_sites, \"a\"\n\t"                             \
	".balign 8\n\t"                                                   \
	".quad 1b, 2b\n\t"                                                \
	".long " #n ", 0\n\t"                                             \
	".quad %l[hook_on_], %c[hook_ref]\n\t"                            \
	".popsection"

/* No "memory" clobber: the disarmed path touches nothing, and the armed
 * one is a call, which orders every store an exit may read. */
#define HOOK_SITE_N_(name, n, a0, a1, a2, a3, ...) do {                  \
	__label__ hook_on_;                                               \
	static struct hook_ref hook_ref_;                                 \
	__asm__ goto(HOOK_SITE_ASM_(name, n)                              \
		     : : [hook_ref] "i"(&hook_ref_) : : hook_on_);        \
	break;                                                            \
hook_on_: __attribute__((cold));                                         \
	hook_fire(&hook_ref_, (u64)(a0), (u64)(a1), (u64)(a2), (u64)(a3)); \
} while (0)

#endif /* KSTUB_HOSTED */

#endif
