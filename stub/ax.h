/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
/*
 * The GDB agent expression VM: conditions, collections and teval of
 * tracepoints, conditions and agent dprintf of breakpoints, run on the
 * target.  GDB manual, "Agent Expressions" (bytecode table, semantics).
 *
 * Two steps, in this order:
 *   ax_verify()  at definition time (QTDP, Z0 with a condition), on the
 *                debugger master: everything that can be proven about
 *                the code up front is checked once, so a hit never runs
 *                code that is malformed;
 *   ax_run()     on every hit, on the CPU that hit, IRQs off, possibly in
 *                NMI context: no locks, no allocation, bounded time
 *                (an executed-instruction budget), memory only through
 *                the environment's fault-safe reader.
 *
 * Portable C11 (stub/ builds hosted too); no floating point: the float
 * opcodes (0x1b-0x1f) are refused by the verifier.
 */
#ifndef STUB_AX_H
#define STUB_AX_H

#include "../lib/types.h"

#define AX_MAX_LEN 1024		/* bytes of bytecode accepted */
#define AX_MAX_STACK 64		/* value stack depth accepted */
#define AX_BUDGET 10000		/* instructions executed per run */

/* Errors (negative) of ax_verify and ax_run; ax_strerror names them. */
enum {
	AX_OK = 0,
	AX_E_OPCODE = -1,	/* unknown or unsupported (float) opcode */
	AX_E_TRUNC = -2,	/* operand runs past the end */
	AX_E_JUMP = -3,		/* jump outside or into an instruction */
	AX_E_STACK = -4,	/* underflow, overflow, or heights differ at a join */
	AX_E_LEN = -5,		/* empty or longer than AX_MAX_LEN */
	AX_E_NOEND = -6,	/* a path falls off the end without `end` */
	AX_E_FAULT = -7,	/* run: memory read faulted */
	AX_E_DIV0 = -8,		/* run: division or remainder by zero */
	AX_E_BUDGET = -9,	/* run: more than the budget of instructions */
	AX_E_REG = -10,		/* register number unknown to the target */
	AX_E_TSV = -11,		/* trace state variable unknown */
	AX_E_TRACE = -12,	/* run: the collection buffer is full */
	AX_E_PRINTF = -13,	/* bad printf format or argument count */
};
const char *ax_strerror(int err);

/* What the verifier learned (outputs of ax_verify). */
struct ax_info {
	u32 max_stack;		/* deepest stack reached on any path */
	u32 ninsns;		/* instructions in the code */
	bool collects;		/* uses trace, trace_quick, trace16, tracenz, tracev */
	bool sets_tsv;		/* uses setv */
	bool prints;		/* uses printf */
	u64 regs_used[4];	/* bit n: `reg n` appears */
};

/*
 * Check code[0..len) once: every opcode known and not a float op, no
 * truncated operand, every jump target inside the code and on an
 * instruction boundary, the stack height the same on every path into an
 * instruction and never below 0 nor above AX_MAX_STACK, every path ends
 * with `end` (or a jump), and (when nregs/tsv_ok are given) `reg` and
 * getv/setv/tracev name registers and TSVs that exist.  Returns 0 or an
 * AX_E_* value; *at gets the byte offset of the culprit.  Any context.
 *
 * nregs: registers the target has (reg operands must be < nregs), 0 to
 * skip the check.  tsv_ok(num, arg): does trace state variable num exist
 * (NULL to skip).
 */
int ax_verify(const u8 *code, size_t len, u32 nregs,
	      bool (*tsv_ok)(u32 num, void *arg), void *arg,
	      struct ax_info *info, size_t *at);

/* What the VM may touch while it runs.  Each callback runs in the hitting
 * CPU's context (IRQs off, maybe NMI) and must not block. */
struct ax_env {
	void *arg;		/* passed back to every callback */
	/* Register n in g-packet numbering: 0, or -1 when not available. */
	int (*reg)(void *arg, u32 n, u64 *val);
	/* Fault-safe read of n bytes at addr; returns bytes NOT read. */
	size_t (*mem_read)(void *arg, u64 addr, void *dst, size_t n);
	/* Trace state variables: 0, or -1 unknown. */
	int (*getv)(void *arg, u32 num, s64 *val);
	int (*setv)(void *arg, u32 num, s64 val);
	/* Collections (may be NULL for a plain condition: then the verifier
	 * result `collects` must be false).  trace_mem records len bytes at
	 * addr (nz: stop after the first NUL, the NUL included).  0, or -1
	 * when the frame is full (-> AX_E_TRACE). */
	int (*trace_mem)(void *arg, u64 addr, u64 len, bool nz);
	int (*trace_tsv)(void *arg, u32 num);
	/* printf: fmt is the format (NUL-terminated inside the bytecode),
	 * args the nargs values popped (first argument first).  May be NULL
	 * (printf then fails with AX_E_PRINTF). */
	int (*printf)(void *arg, const char *fmt, const u64 *args, u32 nargs);
};

/*
 * Run verified code.  *result gets the value on top of the stack at
 * `end` (0 if the stack is empty).  Returns 0 or a negative AX_E_*; *at
 * (if not NULL) gets the byte offset of the failing instruction.  Never
 * reads outside code[0..len) and never exceeds AX_MAX_STACK even if the
 * code was not verified (fuzzed), and stops after `budget` instructions.
 */
int ax_run(const u8 *code, size_t len, const struct ax_env *env, u32 budget,
	   u64 *result, size_t *at);

/*
 * printf support for agent dprintf (and the VM's printf opcode): format
 * fmt with args into out (at most size bytes incl. the NUL), the way
 * gdb's dprintf would: %d %i %u %x %X %o %c %s %p %%, the l/ll/h/hh/z
 * length modifiers, flags - 0 + space #, width and precision (numbers or
 * `*` taken from the arguments).  %s reads the string from target memory
 * through mem_read (at most 256 bytes; "(fault)" when unreadable).
 * Returns the length written (truncated output still NUL-terminated),
 * or -1 for a format the VM does not support (floats, %n) or too few args.
 */
long ax_format(char *out, size_t size, const char *fmt, const u64 *args,
	       u32 nargs, size_t (*mem_read)(void *arg, u64 addr, void *dst,
					     size_t n), void *arg);

#endif
