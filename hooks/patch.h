/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
/*
 * The patch engine: the only way kernel text changes (breakpoints, hook
 * sites, probes, gdb's writes to code).  A batch of N sites is applied
 * with the int3 protocol in three sync rounds whatever N is:
 *   1. int3 on byte 0 of every site, sync all CPUs;
 *   2. write every tail (bytes 1..len-1), sync;
 *   3. write every byte 0, sync.
 * A CPU that executes a site mid-batch traps on the int3; patch_int3()
 * finds the site by binary search and emulates the new instruction.  When
 * every other CPU is parked in the debugger, the engine writes directly:
 * each CPU serializes (iretq) on its way out.
 */
#ifndef HOOKS_PATCH_H
#define HOOKS_PATCH_H

#include "../lib/types.h"

#define PATCH_MAX_LEN 15

struct patch_op {
	u64 addr;
	u8 len;
	u8 bytes[PATCH_MAX_LEN];	/* new instruction */
};

struct patch_stats {
	u64 batches;
	u64 fast_batches;	/* other CPUs parked: no IPIs */
	u64 sync_rounds;
	u64 ipis;		/* IPIs sent in sync rounds */
	u64 int3_emulated;	/* CPUs that hit a site mid-batch */
};

enum patch_mode {
	PATCH_LIVE,		/* other CPUs run: int3 protocol */
	PATCH_PARKED,		/* other CPUs parked in the debugger */
};

/*
 * Apply a batch.  ops need not be sorted and are sorted in place; sites
 * must not overlap.  Returns 0, or -1 if a write failed (then nothing of
 * the failing site was changed).  Task context or debugger master; one
 * batch at a time (callers serialize).
 */
int patch_apply(struct patch_op *ops, size_t n, enum patch_mode mode);
/*
 * int3 trap hook: if addr (the int3's address) is a site of the batch in
 * flight, emulate the new instruction (advance *pc) and return true.
 * Any CPU, IRQs off.
 */
bool patch_int3(u64 addr, u64 *pc);
/* Counters for tests and benchmarks. */
void patch_get_stats(struct patch_stats *s);
/*
 * Optional: an emulator for in-flight ops patch_int3() cannot emulate by
 * itself (it knows NOPs and jmp rel32).  It returns 1 when it emulated
 * op (*pc set), -1 when the int3 belongs to someone else who will run
 * the instruction (patch_int3 then returns false: a probe being removed),
 * 0 when it does not know (patch_int3 rewinds and retries).  The hook
 * layer uses it for probes being removed (hooks/hook.c).
 * Boot, once.
 */
typedef int (*patch_emulate_fn)(const struct patch_op *op, u64 *pc);
void patch_set_emulator(patch_emulate_fn fn);

/* Provided by the arch: write text through its writable alias; returns
 * bytes not written.  Provided by the port: IPI every other online CPU,
 * have it execute a serializing instruction, wait; returns IPIs sent. */
size_t arch_text_write(u64 addr, const u8 *bytes, size_t n);
unsigned port_sync_others(void);

#endif
