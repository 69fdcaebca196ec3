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
};

struct arch_probe {
	u64 addr;		/* the probed instruction */
	u64 slot;		/* PROBE_OOL: the copy run with IF clear ... */
	u64 slot_if;		/* ... and the copy run when IF was set */
	u64 target;		/* relative branches: where they go */
	u8 len;			/* length of the probed instruction */
	u8 kind;		/* enum probe_kind */
	u8 cond;		/* PROBE_JCC: condition 0..15; PROBE_LOOP: E0..E3 */
	u8 orig[15];		/* the instruction as it was */
};

/*
 * int3 glue, called by the #BP handler (kstub_trap.c) with IRQs off:
 * if the int3 at r->rip - 1 is a probe, run its exits and arrange for
 * the displaced instruction to run; returns false if it is no probe.
 */
bool probe_int3(struct arch_regs *r);

#endif
