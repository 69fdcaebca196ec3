/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
/*
 * Software breakpoints (Z0/z0), kgdb's rule: Z0 only records; every
 * breakpoint is written by the patch engine when the CPUs resume and
 * removed when they stop, so gdb never sees an int3 in memory and a CPU
 * that hits a breakpoint another CPU removed can rewind and go on.  In
 * non-stop mode (some CPUs always run) they stay in the text and follow
 * Z0/z0 at once.
 */
#ifndef STUB_BP_H
#define STUB_BP_H

#include "../lib/types.h"
#include "../hooks/patch.h"

#define BP_MAX 64

/* Debugger master, CPUs parked. 0 ok, -1 table full or bad address. */
int bp_add(u64 addr);
/* Debugger master, CPUs parked.  Removing an unknown address is a no-op. */
void bp_del(u64 addr);
void bp_clear_all(void);
/* Write all int3s (resume) / restore the original bytes (entry). */
void bp_insert_all(void);
void bp_remove_all(void);
/*
 * Non-stop mode (the live server, CPUs running): the recorded state goes
 * to the text at once, with the int3 protocol (PATCH_LIVE): int3s of
 * breakpoints not yet in, original bytes where one was deleted.
 */
void bp_insert_all_mode(enum patch_mode mode);
void bp_remove_unused(enum patch_mode mode);
/*
 * Was addr a breakpoint of ours, inserted now or recently?  Any CPU, IRQs
 * off (a CPU that trapped on an int3 asks this before parking).
 */
bool bp_known(u64 addr);
/*
 * A breakpoint gdb asked for at an instruction the kernel rewrites itself
 * (Linux's ftrace NOP at function entry: port_bp_skip) has its int3 on
 * the next instruction; a stop there is reported at gdb's address, and a
 * CPU resumed at gdb's address goes on from the int3's (the skipped
 * instruction does nothing gdb needs).  bp_stop_pc: the PC to report for
 * an int3 at `at` (bp_known); bp_resume_pc: where a CPU resumed at pc
 * really resumes.  The master.
 */
u64 bp_stop_pc(u64 at);
u64 bp_resume_pc(u64 pc);
/* Is a breakpoint of gdb's in place at addr now?  Any CPU, IRQs off: it
 * takes precedence over a probe of the hook layer at the same address
 * (a tracepoint, or one kept declared for reuse). */
bool bp_inserted(u64 addr);

/*
 * Conditions and commands evaluated on the target (Z0 with ;X... and
 * ;cmds:...): the agent bytecode is verified and kept with the
 * breakpoint, and an out-of-line copy of the instruction lets a CPU go
 * on past it without the breakpoint being removed.  Debugger master,
 * CPUs parked.  0, or -1 with *why (bytecode refused, instruction that
 * cannot run out of line, no room).
 */
struct rsp_bp_agent;
int bp_set_agent(u64 addr, const struct rsp_bp_agent *a, const char **why);
/*
 * The CPU that trapped on breakpoint addr, IRQs off: run its conditions
 * and commands.  Returns true when the debugger must stop (no condition,
 * a condition true or failing, no commands); false when the CPU was set
 * up to go on (r now resumes through the out-of-line copy).
 */
struct arch_regs;
bool bp_hit(u64 addr, struct arch_regs *r);
#endif
