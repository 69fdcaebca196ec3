/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
/*
 * x86_64 probes: what the arch keeps per probed instruction.  See
 * probe.c for how a hit runs the displaced instruction.
 */
#ifndef ARCH_X86_64_PROBE_H
#define ARCH_X86_64_PROBE_H

#include "../../lib/types.h"

struct arch_regs;

/* How a hit resumes. */
enum probe_kind {
	PROBE_OOL,	/* run the copy in the out-of-line slot */
	PROBE_JMP,	/* jmp rel8/rel32: emulated, rip = target */
	PROBE_JCC,	/* jcc rel8/rel32: emulated from rflags */
	PROBE_LOOP,	/* loop, loope, loopne, jrcxz: emulated */
	PROBE_CLI,	/* cli, sti, popf: emulated (they change IF) */
	PROBE_STI,
	PROBE_POPF,
	PROBE_JUMP,	/* jump-optimized: a jmp to the detour in .slot */
};

struct arch_probe {
	u64 addr;		/* the probed instruction */
	u64 slot;		/* PROBE_OOL: the copy run with IF clear ... */
	u64 slot_if;		/* ... and the copy run when IF was set */
	u64 target;		/* relative branches: where they go */
	u8 len;			/* length of the probed instruction */
	u8 kind;		/* enum probe_kind */
	u8 cond;		/* PROBE_JCC: condition 0..15; PROBE_LOOP: E0..E3 */
	u8 orig[15];		/* the instruction as it was (PROBE_JUMP: the
				 * first 5 bytes the jmp replaces) */
	u8 jump_len;		/* PROBE_JUMP: bytes of whole instructions
				 * displaced to the detour (>= 5) */
	bool jumped;		/* PROBE_JUMP: the jmp is in the text (else
				 * its int3, while arming or when busy) */
};

/*
 * The detour's C half, called by hook_jump_entry (hook_entry.S) with IRQs
 * off and r the frame it built (r->vector: the detour's return address):
 * runs the exits; returns where to go with r's registers and the flags
 * minus IF (a copy of the displaced instructions), or 0 to return
 * through r with iretq (an exit changed rip, rsp or set TF).
 */
u64 probe_jump_hit(struct arch_regs *r);

/*
 * int3 glue, called by the #BP handler (kstub_trap.c) with IRQs off:
 * if the int3 at r->rip - 1 is a probe, run its exits and arrange for
 * the displaced instruction to run; returns false if it is no probe.
 */
bool probe_int3(struct arch_regs *r);

#endif
