/*
 * Software breakpoints (Z0/z0), kgdb's rule: Z0 only records; every
 * breakpoint is written by the patch engine when the CPUs resume and
 * removed when they stop, so gdb never sees an int3 in memory and a CPU
 * that hits a breakpoint another CPU removed can rewind and go on.
 */
#ifndef STUB_BP_H
#define STUB_BP_H

#include "../lib/types.h"

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
 * Was addr a breakpoint of ours, inserted now or recently?  Any CPU, IRQs
 * off (a CPU that trapped on an int3 asks this before parking).
 */
bool bp_known(u64 addr);
#endif
