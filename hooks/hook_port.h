/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
/*
 * What the hook layer needs from the hosting kernel, besides
 * stub/kstub_port.h (port_is_noprobe, port_cpu_count) and
 * hooks/patch.h (port_sync_others).  The reference kernel implements
 * these in kernel/port/hooks_port.c.
 */
#ifndef HOOKS_HOOK_PORT_H
#define HOOKS_HOOK_PORT_H

#include "../lib/types.h"

/*
 * True when every other CPU is parked in the debugger and this CPU is
 * its master (a monitor command, tracepoints inserted at resume): the
 * hook layer then patches without IPIs (PATCH_PARKED) and defers frees
 * to the next sync.  Task context or debugger master.
 */
bool port_hooks_parked(void);
/*
 * Start address of the symbol that contains addr, 0 if none is known;
 * *name (if name) gets its name.  For the probe boundary proof.
 */
u64 port_sym_start(u64 addr, const char **name);
/*
 * End of that symbol (the next symbol's start), 0 if unknown.  A jump
 * probe decodes its whole function to prove that nothing jumps into the
 * bytes its jmp covers.
 */
u64 port_sym_end(u64 addr);
/*
 * Is any CPU, at any level of interrupt nesting, or any task the kernel
 * preempted, about to execute an instruction in [start, end)?  Task
 * context with the other CPUs running (a sync round in which each CPU
 * looks at its own interrupted frames), or the debugger master with them
 * parked (their frames are still).  Conservative: "yes" when unsure.
 * Before a jump probe's jmp covers several instructions, and before its
 * detour is reused.
 */
bool port_text_busy(u64 start, u64 end);

/*
 * Exception fixups of the kernel (the instructions that may fault and
 * where they resume): a probe cannot run such an instruction out of line,
 * and a jump probe's jmp may not cover one or a place one resumes at.
 * Any context.  port_fixup_in: an instruction with a fixup in [start,
 * end), or a fixup that resumes inside (start, end); "yes" when unsure.
 */
bool port_has_fixup(u64 addr);
bool port_fixup_in(u64 start, u64 end);

#endif
