/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
/*
 * Hook points (GKHI-like).  A hook point is a place in kernel code where
 * registered exits can be called:
 *
 *   - static:  HOOK(name, a0, a1, a2, a3) compiles to a 5-byte NOP plus a
 *     descriptor in the .hook_sites section.  Disarmed it costs that NOP;
 *     armed, the patch engine turns it into a call to the hook trampoline,
 *     which calls the exits with the (up to four) u64 arguments.
 *   - dynamic: hook_declare_at(name, addr) at any instruction the decoder
 *     accepts (a probe: int3 + out-of-line execution of the original).
 *
 * Each hook has exits ordered by priority (lower number runs first).  The
 * exit array is replaced by pointer; the old one is freed only after every
 * CPU has passed a sync point, so exits may be (un)registered while the
 * hook is live.  A named set of hooks is armed or disarmed atomically: all
 * sites are patched first and the set is published with one release
 * store, so other CPUs see all of it or none of it.
 *
 * Contexts: exits run on the CPU that reached the hook, with IRQs off
 * (the dispatcher disables them around the exits and restores the hooked
 * code's state after: that is what lets one sync IPI prove that no CPU
 * still walks an old exit array; NMI context is possible for hooks placed
 * in NMI paths).  Exits must not sleep and must not call the functions
 * below.  The registration, arming and listing functions are for task
 * context (or the debugger master with every other CPU parked) and
 * serialize among themselves.  When they return, the change is complete
 * on every CPU: after hook_disarm() or hook_exit_unregister() no CPU is
 * still running or will run the exits concerned (so their data may be
 * freed), except a CPU the debugger stopped inside an exit.
 *
 * Names: static hooks are named by the identifier given to HOOK(); names
 * given to hook_declare_at(), sets and exits are copied (up to 31, 23
 * characters for exits).
 */
#ifndef HOOKS_HOOK_H
#define HOOKS_HOOK_H

#include "../lib/types.h"

struct arch_regs;

/* What an exit sees. */
struct hook_args {
	u64 a[4];			/* HOOK() arguments; probes: 0 */
	struct arch_regs *regs;		/* probes: the trapped frame; else NULL */
	u64 addr;			/* address of the hook point */
};

typedef void (*hook_fn)(const struct hook_args *args, void *data);

/* Negative returns of the functions below (errno values, so a port may
 * pass them on). */
#define HOOK_EREFUSED	(-1)	/* probe refused: *why says why */
#define HOOK_ENOENT	(-2)	/* no such hook, exit or set */
#define HOOK_EIO	(-5)	/* a text write failed */
#define HOOK_EBUSY	(-16)	/* site changed under us (a breakpoint?),
				 * hook in another set, set armed, or the
				 * registry is held by a parked CPU */
#define HOOK_EEXIST	(-17)	/* name, exit or probe address in use */
#define HOOK_EINVAL	(-22)	/* bad argument (static hook undeclared ...) */
#define HOOK_ENOSPC	(-28)	/* a fixed table is full */
const char *hook_strerror(int err);

/* Static hook point with up to four u64 arguments. */
#define HOOK(name, ...) HOOK_SITE_IMPL(name, ##__VA_ARGS__)

/* Declare a hook at a code address at run time (a probe).  Returns 0 or a
 * negative error; *why gets a reason text when the address is refused
 * ("not an instruction boundary", "int3", "iret", "far transfer",
 * "loads SS", "inside the debugger or patch engine", ...). */
int hook_declare_at(const char *name, u64 addr, const char **why);
/*
 * The same, jump-optimized where that is proven safe: the instructions
 * covering the 5 bytes at addr move to a detour and a jmp replaces them,
 * so a hit costs no trap.  Where it is not (a jump targets those bytes,
 * the function is too short, a branch among them, ...), the probe is an
 * int3 one and *why says why (also shown by hook_print); 0 either way.
 * A jump probe's exits see a->regs as for an int3 probe; changing rip,
 * rsp or setting TF there costs an iretq instead of a ret.
 */
int hook_declare_jump(const char *name, u64 addr, const char **why);
/* Is addr one of the bytes a jump probe's jmp covers?  (The debugger
 * refuses breakpoints there.)  Any context. */
bool hook_in_jump(u64 addr);
int hook_undeclare(const char *name);

/*
 * Out-of-line copies, for a debugger's conditional breakpoints: the
 * instruction at addr proven and copied as for a probe, but no int3 of
 * ours goes there (the debugger's breakpoint is the int3), so a CPU whose
 * breakpoint condition is false runs the instruction without the
 * breakpoint being taken out under the other CPUs.
 *   hook_ool_get: task context or debugger master.  A handle >= 0, or a
 *     negative error with *why (the probe refusals).
 *   hook_ool_run: the CPU that trapped at addr, IRQs off, r->rip == addr:
 *     on return from the trap it runs the copy (or the emulation).  The
 *     handle is checked against addr: a breakpoint redefined while this
 *     CPU was stopped in its condition must not send it to another copy.
 *   hook_ool_put: the breakpoint is gone; the copy is reclaimed after
 *     every CPU has passed a sync point.
 */
int hook_ool_get(u64 addr, const char **why);
/* false (and nothing done) unless handle is a live copy of addr. */
bool hook_ool_run(int handle, u64 addr, struct arch_regs *r);
void hook_ool_put(int handle);

/* Exits.  Several per hook; dispatch in increasing prio order. */
int hook_exit_register(const char *hook, int prio, hook_fn fn, void *data,
		       const char *exit_name);
int hook_exit_unregister(const char *hook, hook_fn fn, void *data);

/* Arming one hook, or a named set of hooks atomically. */
int hook_arm(const char *hook);
int hook_disarm(const char *hook);
bool hook_is_armed(const char *hook);
int hook_set_define(const char *set, const char *const *hooks, size_t n);
int hook_set_arm(const char *set);
int hook_set_disarm(const char *set);

/* Listing (monitor hooks, gdb scripts): calls fn for each hook, in name
 * order, with its address, armed state and exits. */
struct hook_info {
	const char *name;
	u64 addr;
	bool is_static;
	bool armed;
	const char *set;		/* NULL if in no set */
	size_t nexits;
	struct {
		const char *name;
		int prio;
		u64 calls;
	} exits[8];
	size_t nsites;			/* static: sites; probe: 1 */
	const char *kind;		/* "static", "int3", "jump" */
	const char *note;		/* an int3 probe asked as a jump: why */
};
void hook_for_each(void (*fn)(const struct hook_info *info, void *data),
		   void *data);

/* The listing as text lines (`monitor hooks [PREFIX]`): hooks whose
 * name starts with filter (all if NULL or empty), each with its exits. */
void hook_print(void (*out)(const char *text), const char *filter);

/* Boot, once, before any hook is used (collects the .hook_sites). */
void hook_init(void);
/*
 * Task context, now and then (the reference kernel: every 100 ms): free
 * what was retired while the CPUs were parked in the debugger (probes,
 * exits, out-of-line copies a debugger session removed), after a sync
 * round.  Without it a debugger that only works while the kernel is
 * stopped would run the fixed pools dry.  Cheap when nothing waits.
 */
void hook_reclaim(void);

/* HOOK_SITE_IMPL: how a site is encoded is the architecture's business. */
#include "../arch/x86_64/hook_site.h"

#endif
