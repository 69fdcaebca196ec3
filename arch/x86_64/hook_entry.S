/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
/*
 * The probes' out-of-line slots (probe.c).  (Static sites need no
 * trampoline: an armed site jumps to a block the compiler built, see
 * hook_site.h.)  Executable, inside .text and so read-only; written through the patch engine's writable alias.  The
 * linker script puts .probe_slots in the no-probe region.  Filled with
 * int3 so that a stray jump into an unused slot traps.
 */
	.section .probe_slots, "ax"
	.p2align 12
	.global probe_slots, probe_slots_end
probe_slots:
	.fill 4 * 4096, 1, 0xcc
probe_slots_end:
