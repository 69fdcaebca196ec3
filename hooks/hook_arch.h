/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
/*
 * Between the portable hook layer (hooks/hook.c) and the architecture
 * (arch/x86_64/hook_arch.c, probe.c, hook_entry.S).  Private to the two:
 * users of hooks include hooks/hook.h only.
 */
#ifndef HOOKS_HOOK_ARCH_H
#define HOOKS_HOOK_ARCH_H

#include "hook.h"
#include "../arch/x86_64/probe.h"	/* struct arch_probe */

/* One static site, as HOOK_SITE_IMPL emits it into .hook_sites. */
struct hook_site_desc {
	u64 addr;		/* the site's first byte */
	const char *name;	/* hook name */
	u32 nargs;		/* 0..4 arguments */
	u32 flags;		/* 0 */
	u64 target;		/* where the armed site jumps */
	struct hook_ref *ref;	/* hook_init() points it at the hook */
};

/* --- provided by the arch ------------------------------------------- */

/* The .hook_sites descriptors, in link order.  Boot, once. */
const struct hook_site_desc *arch_hook_sites(size_t *n);
/* The bytes of a static site disarmed (a NOP) or armed (a jump to its
 * out-of-line block at target); returns their number (<= PATCH_MAX_LEN).
 * The patch engine emulates the jump for a CPU that meets a site in
 * flight (patch.c), which is exact: the hook's gate is closed then. */
size_t arch_hook_site_insn(u64 site, u64 target, bool armed, u8 *out);
/* Read code, fault-safe; returns the number of bytes NOT read. */
size_t arch_hook_read(u64 addr, u8 *buf, size_t n);

/*
 * Probes.  prepare: prove addr is an instruction boundary, refuse what
 * cannot be probed (*why gets the reason, a static string), and build the
 * out-of-line slot; task context, hook lock held.  release: give the slot
 * back (after a sync: no CPU can still be in it).  insn: the bytes to
 * patch at addr armed (int3) or disarmed (the original first byte).
 */
int arch_probe_prepare(u64 addr, struct arch_probe *p, const char **why);
void arch_probe_release(struct arch_probe *p);
size_t arch_probe_insn(const struct arch_probe *p, bool armed, u8 *out);
/*
 * Jump-optimized probes: prepare as arch_probe_prepare, but for a jmp
 * to a detour over >= 5 bytes of whole instructions (*why when refused:
 * the caller may fall back to an int3 probe).  Armed in two steps: the
 * int3 (arch_probe_insn, p->jumped false), then, once no CPU is inside
 * the covered bytes, the jmp: arch_probe_jump_insn gives the 5 bytes
 * before (jmp false: int3 + the rest) and after (jmp true).
 * arch_probe_release puts a detour to cool; arch_probe_synced, after
 * each sync round of the hook layer, frees the ones no CPU can still be
 * in; arch_probe_cooling says whether some still cool (another round).
 */
int arch_probe_prepare_jump(u64 addr, struct arch_probe *p, const char **why);
size_t arch_probe_jump_insn(const struct arch_probe *p, bool jmp, u8 *out);
void arch_probe_synced(void);
bool arch_probe_cooling(void);
/* A CPU trapped at p->addr (r->rip == p->addr), IRQs off: make it run
 * the displaced instruction (out of line, or emulated) on return. */
void arch_probe_resume(const struct arch_probe *p, struct arch_regs *r);

/* --- provided by hooks/hook.c, called by the arch -------------------- */

/*
 * hook_fire(ref, a0..a3) (declared in hook_site.h): from an armed static
 * site's out-of-line block, any context, IRQs as the site had them.  Runs
 * the hook's exits (IRQs off) if its gate is open.
 */
/*
 * From the int3 handler, IRQs off: is addr a probe?  If so run its exits
 * (if armed) with regs, and return the probe so the arch can execute the
 * displaced instruction; NULL if addr is no probe.
 */
const struct arch_probe *hook_probe_hit(u64 addr, struct arch_regs *regs);
/*
 * For the boundary proof, hook lock held: if addr holds the int3 of one of
 * our probes, *byte gets the byte it replaced.
 */
bool hook_probe_orig(u64 addr, u8 *byte);
/*
 * Any CPU, IRQs off: is addr the start of a static site, or where one of
 * the last 64 removed probes was?  (An int3 met there with no batch in
 * flight is stale: see probe.c.)
 */
bool hook_owns_addr(u64 addr);

#endif
