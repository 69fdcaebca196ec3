/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
/*
 * What the portable stub needs from the CPU architecture.  Implemented in
 * arch/ARCH/kstub_arch.c.  All are called with IRQs off from inside the
 * debugger; "cpu" is the port's CPU index.
 */
#ifndef STUB_KSTUB_ARCH_H
#define STUB_KSTUB_ARCH_H

#include "../lib/types.h"

struct arch_regs;

/* Target description XML for qXfer:features:read:target.xml. */
extern const char arch_target_xml[];
/* Size in bytes of the 'g' packet payload (binary). */
size_t arch_gdb_regs_size(void);
/*
 * Fill buf with the 'g' layout of a stopped CPU; avail[i] = false marks a
 * byte as unavailable ('xx').  The parked CPU saved its extra state with
 * arch_save_cpu_state() on its way in.
 */
void arch_gdb_regs_read(struct arch_regs *r, unsigned cpu, u8 *buf, bool *avail);
/* Write from the 'g' layout; registers that cannot change are ignored. */
void arch_gdb_regs_write(struct arch_regs *r, const u8 *buf);
/* One register for p/P: returns its size, 0 if the number is unknown. */
size_t arch_gdb_reg_read(struct arch_regs *r, unsigned cpu, unsigned regno,
			 u8 *out, bool *avail);
/* Writes to registers that cannot change succeed when the value is the
 * one the CPU holds (gdb writes every register back after a call). */
int arch_gdb_reg_write(struct arch_regs *r, unsigned cpu, unsigned regno,
		       const u8 *val, size_t len);
u64 arch_regs_pc(struct arch_regs *r);
void arch_regs_set_pc(struct arch_regs *r, u64 pc);

/*
 * Tracepoints: registers from a trap frame alone, on the CPU that hit, in
 * any context (IRQs off, maybe NMI).  What the frame does not hold
 * (segment bases, control registers, x87) is unavailable: avail false,
 * value 0.  arch_frame_reg: one register in g numbering, -1 when the
 * frame lacks it.
 */
void arch_gdb_regs_from_frame(struct arch_regs *r, u8 *buf, bool *avail);
int arch_frame_reg(struct arch_regs *r, unsigned regno, u64 *val);
/* Bytes of a trap frame (struct arch_regs): a tracepoint hit copies the
 * frame as it is, and arch_gdb_regs_from_frame() reads the copy later
 * (from an 8-byte aligned buffer). */
size_t arch_frame_size(void);
/* Is the trap flag set in this frame (the CPU is being single-stepped)? */
bool arch_frame_tf(struct arch_regs *r);
/* Where register regno sits in the 'g' layout: 0, or -1 if unknown. */
int arch_gdb_reg_span(unsigned regno, size_t *off, size_t *size);
/*
 * Registers a stop reply carries ("T05...;NN:value;"), so that gdb needs
 * no 'g' after a stop: the ones gdb reads to show where a CPU stopped
 * and to unwind from there.  g numbers.
 */
extern const u8 arch_gdb_expedite[];
extern const unsigned arch_gdb_nexpedite;
/* How many of them a single-step stop carries (gdb stepping over a
 * breakpoint or through a line reads few; on a serial line every byte
 * counts). */
extern const unsigned arch_gdb_nexpedite_step;
/* Registers in the 'g' layout, and which one is the PC. */
unsigned arch_gdb_nregs(void);
extern const unsigned arch_gdb_pc_regno;
/* Is pc inside the out-of-line copy of a probed instruction (a CPU
 * single-stepping out of a probe passes through it)?  Any context. */
bool arch_in_probe_slot(u64 pc);

/* Called by each CPU as it parks: saves what the trap frame lacks
 * (segment bases, control registers).  NMI-safe. */
void arch_save_cpu_state(unsigned cpu);

/* A parked CPU, IRQs off: sleep until an interrupt or port_kick_cpu()
 * (may also return at once).  No kernel handler runs meanwhile. */
void arch_park_wait(void);

/* A cycle counter that only goes forward on this CPU, and its rate, for
 * the link timings of `monitor stats`.  Any context. */
u64 arch_cycles(void);
u64 arch_cycles_hz(void);

/* Single-step this frame on resume (or stop doing so). */
void arch_set_step(struct arch_regs *r, bool on);
/*
 * gdb steps one CPU while the others stay parked: hold off this CPU's
 * maskable interrupts for the step (QEMU's gdbstub does the same).  An
 * interrupt taken in the step would run a handler that may wait for a
 * parked CPU: the timekeeping seqcount it was writing, a lock it holds.
 * The frame's flags stay as they are (gdb's view does not change).  hold:
 * on the CPU about to step, with the frame it resumes; not for a hlt,
 * which would then never wake.  release: on the same CPU at its next
 * entry into the debugger (any trap or NMI), a no-op if nothing is held.
 */
void arch_step_hold_irqs(struct arch_regs *r, unsigned cpu);
void arch_step_release_irqs(unsigned cpu);

/* Software breakpoint instruction and its length. */
extern const u8 arch_bp_insn[];
#define ARCH_BP_LEN 1

/* Hardware breakpoints/watchpoints (debug registers). */
#define ARCH_HW_SLOTS 4
struct arch_hw_bp {
	bool used;
	u8 type;	/* RSP Z type: 1 exec, 2 write, 3 read, 4 access */
	u64 addr;
	u8 len;
};
/* Can slot i hold a Z1-Z4 (the host may own some debug registers)? */
bool arch_hw_slot_usable(int i);
/* Validate a request (alignment, length); 0 = ok. */
int arch_hw_bp_check(u8 type, u64 addr, u64 len);
/* Load the table into this CPU's debug registers (before resuming). */
void arch_hw_bp_load(const struct arch_hw_bp *slots);
/* Turn this CPU's debug registers off (while it serves gdb). */
void arch_hw_bp_disable(void);
/* Prepare a resume from a stop in `kind`: e.g. set RF after an
 * instruction breakpoint so it does not fire again at once. */
void arch_resume_fixup(struct arch_regs *r, int stop_kind);

/* Fault-safe memory access; return bytes NOT copied. */
size_t arch_mem_read(void *dst, u64 src, size_t n);
size_t arch_mem_write(u64 dst, const void *src, size_t n);

#endif
