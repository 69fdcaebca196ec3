/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
/*
 * The agent expression VM: verifier and interpreter (see ax.h).
 *
 * The verifier proves once, when gdb defines the expression, what the
 * interpreter would otherwise have to distrust on every hit.  It keeps
 * one byte of state per code offset, st[] (AX_MAX_LEN bytes on the
 * caller's stack: no allocation, no static state, so two CPUs may
 * verify at once), and makes three passes:
 *   1. decode: walk the code linearly from offset 0.  Every opcode must
 *      be known and not a float op, every operand (and printf's format
 *      string) must end inside the code; reg, getv/setv/tracev operands
 *      are checked against the target, printf's argument count against
 *      its format.  Each instruction start gets st = UNSEEN, every other
 *      byte NOT_START.  gdb puts nothing but operands between opcodes,
 *      so this walk is the only decoding there is, and its boundaries
 *      are the only places a jump may land.
 *   2. jumps: every goto/if_goto target (reachable or not) must be below
 *      len and an instruction start.
 *   3. heights: st[0] = 0 (the entry height, pending); then a forward
 *      pass in offset order takes each pending instruction, marks it
 *      DONE, checks its pops against its height (underflow) and its
 *      height after against AX_MAX_STACK (overflow), and hands that
 *      height to its successors (the next instruction unless it is goto
 *      or end; the target of a jump).  A successor still UNSEEN records
 *      the height and becomes pending; one already recorded is a join
 *      and must hold the same height, or the code is refused.  So a
 *      recorded height never changes and each instruction is processed
 *      exactly once.  A successor ahead of the pass is reached later in
 *      the same pass; only a backward jump that records a new height
 *      leaves work behind the pass, and the lowest such target is where
 *      the next pass starts.  gdb never jumps backward, so its code
 *      takes one pass; every extra pass processes at least one new
 *      instruction, so there are at most len passes.  A reachable
 *      instruction whose successor would be offset len falls off the
 *      end (AX_E_NOEND).  Unreachable instructions get no height: they
 *      never run.
 *
 * The interpreter still checks every stack access, operand fetch and
 * jump at run time (a few compares per instruction), so code that was
 * never verified (the fuzzer runs it) cannot read or write outside
 * code[] and its own stack; and it counts instructions against the
 * budget, because a verified loop is still a loop.
 *
 * Values are u64; signed opcodes reinterpret them as two's complement
 * without relying on implementation-defined conversions, and the cases
 * C leaves undefined get a defined result: INT64_MIN / -1 wraps to
 * INT64_MIN (remainder 0), shifts by 64 or more give 0 (sign fill for
 * rsh_signed), ext 0 gives 0, ext and zero_ext of 64 or more bits leave
 * the value alone.
 */
#include "ax.h"
#include "ax_local.h"
#include "../lib/string.h"

/* Per-opcode facts shared by the verifier and the interpreter. */
enum {
	F_OK = 1,		/* a supported opcode */
	F_JUMP = 2,		/* 16-bit absolute target operand */
	F_STOP = 4,		/* never falls through (goto, end) */
	F_COLLECT = 8,		/* records into the trace frame */
	F_TSV = 16,		/* 16-bit operand names a TSV */
};

struct ax_opinfo {
	u8 size;		/* operand bytes (printf: before the string) */
	u8 pop;			/* values it needs (pick, printf: see below) */
	u8 push;		/* values it leaves in their place */
	u8 flags;
};

#define OP(o, sz, po, pu, fl) [AX_OP_##o] = { sz, po, pu, F_OK | (fl) }
static const struct ax_opinfo ax_ops[256] = {
	OP(ADD, 0, 2, 1, 0),
	OP(SUB, 0, 2, 1, 0),
	OP(MUL, 0, 2, 1, 0),
	OP(DIV_SIGNED, 0, 2, 1, 0),
	OP(DIV_UNSIGNED, 0, 2, 1, 0),
	OP(REM_SIGNED, 0, 2, 1, 0),
	OP(REM_UNSIGNED, 0, 2, 1, 0),
	OP(LSH, 0, 2, 1, 0),
	OP(RSH_SIGNED, 0, 2, 1, 0),
	OP(RSH_UNSIGNED, 0, 2, 1, 0),
	OP(TRACE, 0, 2, 0, F_COLLECT),
	OP(TRACE_QUICK, 1, 1, 1, F_COLLECT),
	OP(LOG_NOT, 0, 1, 1, 0),
	OP(BIT_AND, 0, 2, 1, 0),
	OP(BIT_OR, 0, 2, 1, 0),
	OP(BIT_XOR, 0, 2, 1, 0),
	OP(BIT_NOT, 0, 1, 1, 0),
	OP(EQUAL, 0, 2, 1, 0),
	OP(LESS_SIGNED, 0, 2, 1, 0),
	OP(LESS_UNSIGNED, 0, 2, 1, 0),
	OP(EXT, 1, 1, 1, 0),
	OP(REF8, 0, 1, 1, 0),
	OP(REF16, 0, 1, 1, 0),
	OP(REF32, 0, 1, 1, 0),
	OP(REF64, 0, 1, 1, 0),
	OP(IF_GOTO, 2, 1, 0, F_JUMP),
	OP(GOTO, 2, 0, 0, F_JUMP | F_STOP),
	OP(CONST8, 1, 0, 1, 0),
	OP(CONST16, 2, 0, 1, 0),
	OP(CONST32, 4, 0, 1, 0),
	OP(CONST64, 8, 0, 1, 0),
	OP(REG, 2, 0, 1, 0),
	OP(END, 0, 0, 0, F_STOP),
	OP(DUP, 0, 1, 2, 0),
	OP(POP, 0, 1, 0, 0),
	OP(ZERO_EXT, 1, 1, 1, 0),
	OP(SWAP, 0, 2, 2, 0),
	OP(GETV, 2, 0, 1, F_TSV),
	OP(SETV, 2, 1, 1, F_TSV),
	OP(TRACEV, 2, 0, 0, F_TSV | F_COLLECT),
	OP(TRACENZ, 0, 2, 0, F_COLLECT),
	OP(TRACE16, 2, 1, 1, F_COLLECT),
	/* pick n needs n + 1 values: the extra n are checked apart. */
	OP(PICK, 1, 0, 1, 0),
	OP(ROT, 0, 3, 3, 0),
	/* printf: u8 nargs, u16 string length, then the string; pops
	 * nargs + 2 (checked apart). */
	OP(PRINTF, 3, 0, 0, 0),
};
#undef OP

const char *ax_strerror(int err)
{
	switch (err) {
	case AX_OK: return "ok";
	case AX_E_OPCODE: return "unknown or unsupported opcode";
	case AX_E_TRUNC: return "truncated operand";
	case AX_E_JUMP: return "jump outside the code or into an instruction";
	case AX_E_STACK: return "stack underflow, overflow or mismatch at a join";
	case AX_E_LEN: return "empty or too long";
	case AX_E_NOEND: return "falls off the end without end";
	case AX_E_FAULT: return "memory read faulted";
	case AX_E_DIV0: return "division by zero";
	case AX_E_BUDGET: return "instruction budget exhausted";
	case AX_E_REG: return "unknown register";
	case AX_E_TSV: return "unknown trace state variable";
	case AX_E_TRACE: return "trace frame full";
	case AX_E_PRINTF: return "bad printf format or argument count";
	default: return "unknown error";
	}
}

/* Big-endian operand of n bytes (n <= 8). */
static inline u64 ax_be(const u8 *p, unsigned n)
{
	u64 v = 0;
	for (unsigned i = 0; i < n; i++)
		v = v << 8 | p[i];
	return v;
}

/*
 * Length of the instruction at pc (< len), or AX_E_OPCODE / AX_E_TRUNC.
 * printf's length includes its string.
 */
static long ax_insn_len(const u8 *code, size_t len, size_t pc)
{
	const struct ax_opinfo *oi = &ax_ops[code[pc]];
	if (!(oi->flags & F_OK))
		return AX_E_OPCODE;
	if (len - pc - 1 < oi->size)
		return AX_E_TRUNC;
	size_t n = 1 + (size_t)oi->size;
	if (code[pc] == AX_OP_PRINTF) {
		n += ax_be(code + pc + 2, 2);
		if (n > len - pc)
			return AX_E_TRUNC;
	}
	return (long)n;
}

/* Values an instruction needs on the stack (pick and printf vary). */
static inline u32 ax_needs(const u8 *insn)
{
	if (insn[0] == AX_OP_PICK)
		return (u32)insn[1] + 1;
	if (insn[0] == AX_OP_PRINTF)
		return (u32)insn[1] + 2;
	return ax_ops[insn[0]].pop;
}

/* Stack height after an instruction that had h (>= ax_needs()). */
static inline u32 ax_after(const u8 *insn, u32 h)
{
	if (insn[0] == AX_OP_PRINTF)
		return h - ax_needs(insn);
	return h - ax_ops[insn[0]].pop + ax_ops[insn[0]].push;
}

/* Pass 1 checks of one decoded instruction beyond its shape. */
static int ax_check_insn(const u8 *insn, size_t n, u32 nregs,
			 bool (*tsv_ok)(u32 num, void *arg), void *arg,
			 struct ax_info *info)
{
	u8 op = insn[0];
	u32 flags = ax_ops[op].flags;

	if (flags & F_COLLECT)
		info->collects = true;
	if (flags & F_TSV) {
		u32 num = (u32)ax_be(insn + 1, 2);
		if (tsv_ok && !tsv_ok(num, arg))
			return AX_E_TSV;
	}
	if (op == AX_OP_SETV)
		info->sets_tsv = true;
	if (op == AX_OP_REG) {
		u32 r = (u32)ax_be(insn + 1, 2);
		if (nregs && r >= nregs)
			return AX_E_REG;
		/* regs_used has 256 bits; higher numbers are only range
		 * checked (x86_64's g packet has far fewer). */
		if (r < 256)
			info->regs_used[r / 64] |= (u64)1 << (r % 64);
	}
	if (op == AX_OP_PRINTF) {
		const char *fmt = (const char *)insn + 4;
		size_t slen = n - 4;
		info->prints = true;
		/* gdb counts the NUL in the length and puts it last; a
		 * string without it would make the callback read on. */
		if (slen == 0 || fmt[slen - 1] != 0)
			return AX_E_PRINTF;
		if (ax_format_nargs(fmt) != (int)insn[1])
			return AX_E_PRINTF;
	}
	return AX_OK;
}

/* st[] states besides a height 0..AX_MAX_STACK (| ST_DONE once done). */
enum { ST_DONE = 0x80, ST_UNSEEN = 0xfe, ST_NOT_START = 0xff };
_Static_assert(AX_MAX_STACK < ST_DONE, "heights must fit below ST_DONE");

/* Hand height h to successor s of the instruction at pc. */
static int ax_flow(u8 *st, size_t s, u32 h, size_t pc, size_t *again,
		   size_t *at)
{
	if (st[s] == ST_UNSEEN) {
		st[s] = (u8)h;
		if (s <= pc && s < *again)
			*again = s;
		return AX_OK;
	}
	if ((u32)(st[s] & ~ST_DONE) != h) {
		*at = s;
		return AX_E_STACK;
	}
	return AX_OK;
}

int ax_verify(const u8 *code, size_t len, u32 nregs,
	      bool (*tsv_ok)(u32 num, void *arg), void *arg,
	      struct ax_info *info, size_t *at)
{
	struct ax_info info_dummy;
	size_t at_dummy, pc;
	u8 st[AX_MAX_LEN];
	long n;
	int err;

	if (!info)
		info = &info_dummy;
	if (!at)
		at = &at_dummy;
	memset(info, 0, sizeof(*info));
	*at = 0;
	if (!code || len == 0 || len > AX_MAX_LEN) {
		*at = len > AX_MAX_LEN ? AX_MAX_LEN : 0;
		return AX_E_LEN;
	}

	/* 1. decode */
	memset(st, ST_NOT_START, len);
	for (pc = 0; pc < len; pc += (size_t)n) {
		*at = pc;
		n = ax_insn_len(code, len, pc);
		if (n < 0)
			return (int)n;
		err = ax_check_insn(code + pc, (size_t)n, nregs, tsv_ok, arg,
				    info);
		if (err)
			return err;
		st[pc] = ST_UNSEEN;
		info->ninsns++;
	}

	/* 2. jumps */
	for (pc = 0; pc < len; pc += (size_t)ax_insn_len(code, len, pc)) {
		if (!(ax_ops[code[pc]].flags & F_JUMP))
			continue;
		size_t t = (size_t)ax_be(code + pc + 1, 2);
		if (t >= len || st[t] == ST_NOT_START) {
			*at = pc;
			return AX_E_JUMP;
		}
	}

	/* 3. heights */
	st[0] = 0;
	for (size_t from = 0; from < len;) {
		size_t again = len;
		for (pc = from; pc < len; pc += (size_t)n) {
			const u8 *insn = code + pc;
			n = ax_insn_len(code, len, pc);
			if (st[pc] >= ST_UNSEEN || (st[pc] & ST_DONE))
				continue;
			u32 h = st[pc];
			st[pc] |= ST_DONE;
			*at = pc;
			if (h < ax_needs(insn))
				return AX_E_STACK;
			u32 h2 = ax_after(insn, h);
			if (h2 > AX_MAX_STACK)
				return AX_E_STACK;
			if (h2 > info->max_stack)
				info->max_stack = h2;
			u32 flags = ax_ops[insn[0]].flags;
			if (flags & F_JUMP) {
				err = ax_flow(st, (size_t)ax_be(insn + 1, 2), h2,
					      pc, &again, at);
				if (err)
					return err;
			}
			if (flags & F_STOP)
				continue;
			if (pc + (size_t)n >= len) {
				*at = pc;
				return AX_E_NOEND;
			}
			err = ax_flow(st, pc + (size_t)n, h2, pc, &again, at);
			if (err)
				return err;
		}
		from = again;
	}
	*at = 0;
	return AX_OK;
}

/* Two's complement view of v, without C's implementation-defined
 * unsigned-to-signed conversion. */
static inline s64 ax_s64(u64 v)
{
	return v <= (u64)INT64_MAX ? (s64)v : -(s64)(~v) - 1;
}

/* Sign-extend from the low n bits. */
static inline u64 ax_sext(u64 v, unsigned n)
{
	if (n >= 64)
		return v;
	if (n == 0)
		return 0;
	u64 sign = (u64)1 << (n - 1);
	v &= ((u64)1 << n) - 1;
	return (v ^ sign) - sign;
}

static inline u64 ax_zext(u64 v, unsigned n)
{
	return n >= 64 ? v : v & (((u64)1 << n) - 1);
}

static inline u64 ax_sdiv(u64 a, u64 b)
{
	if (b == UINT64_MAX)		/* / -1: negate; INT64_MIN wraps */
		return 0 - a;
	return (u64)(ax_s64(a) / ax_s64(b));
}

static inline u64 ax_srem(u64 a, u64 b)
{
	if (b == UINT64_MAX)
		return 0;
	return (u64)(ax_s64(a) % ax_s64(b));
}

static inline u64 ax_sar(u64 a, u64 b)
{
	if (b > 63)
		b = 63;		/* all sign bits */
	return a >> 63 ? ~(~a >> b) : a >> b;
}

/* Load n bytes, little-endian (the target's order), through the
 * fault-safe reader. */
static int ax_load(const struct ax_env *env, u64 addr, unsigned n, u64 *v)
{
	u8 b[8];
	if (!env->mem_read || env->mem_read(env->arg, addr, b, n) != 0)
		return AX_E_FAULT;
	*v = 0;
	for (unsigned i = n; i-- > 0;)
		*v = *v << 8 | b[i];
	return AX_OK;
}

static int ax_trace(const struct ax_env *env, u64 addr, u64 len, bool nz)
{
	if (!env->trace_mem || env->trace_mem(env->arg, addr, len, nz) != 0)
		return AX_E_TRACE;
	return AX_OK;
}

int ax_run(const u8 *code, size_t len, const struct ax_env *env, u32 budget,
	   u64 *result, size_t *at)
{
	static const struct ax_env no_env;
	u64 stack[AX_MAX_STACK];
	u32 sp = 0;
	size_t pc = 0, cur = 0;
	u64 res_dummy, a, b;
	int err = AX_OK;

	if (!env)
		env = &no_env;
	if (!result)
		result = &res_dummy;
	*result = 0;
	if (!code || len == 0 || len > AX_MAX_LEN) {
		err = AX_E_LEN;
		goto out;
	}

/* Operands of binary ops: b was on top. */
#define BINARY(expr) do { b = stack[--sp]; a = stack[sp - 1]; \
		stack[sp - 1] = (expr); } while (0)
#define TOP stack[sp - 1]
	for (;;) {
		if (pc >= len) {
			err = AX_E_NOEND;	/* cur: the one that fell off */
			goto out;
		}
		cur = pc;
		if (budget-- == 0) {
			err = AX_E_BUDGET;
			goto out;
		}
		u8 op = code[pc];
		const struct ax_opinfo *oi = &ax_ops[op];
		if (!(oi->flags & F_OK)) {
			err = AX_E_OPCODE;
			goto out;
		}
		if (len - pc - 1 < oi->size) {
			err = AX_E_TRUNC;
			goto out;
		}
		if (sp < oi->pop || sp - oi->pop + oi->push > AX_MAX_STACK) {
			err = AX_E_STACK;
			goto out;
		}
		const u8 *o = code + pc + 1;
		pc += 1 + (size_t)oi->size;

		switch (op) {
		case AX_OP_ADD: BINARY(a + b); break;
		case AX_OP_SUB: BINARY(a - b); break;
		case AX_OP_MUL: BINARY(a * b); break;
		case AX_OP_DIV_SIGNED:
		case AX_OP_DIV_UNSIGNED:
		case AX_OP_REM_SIGNED:
		case AX_OP_REM_UNSIGNED:
			if (TOP == 0) {
				err = AX_E_DIV0;
				goto out;
			}
			if (op == AX_OP_DIV_SIGNED)
				BINARY(ax_sdiv(a, b));
			else if (op == AX_OP_DIV_UNSIGNED)
				BINARY(a / b);
			else if (op == AX_OP_REM_SIGNED)
				BINARY(ax_srem(a, b));
			else
				BINARY(a % b);
			break;
		case AX_OP_LSH: BINARY(b > 63 ? 0 : a << b); break;
		case AX_OP_RSH_SIGNED: BINARY(ax_sar(a, b)); break;
		case AX_OP_RSH_UNSIGNED: BINARY(b > 63 ? 0 : a >> b); break;
		case AX_OP_TRACE:
		case AX_OP_TRACENZ:
			sp -= 2;
			err = ax_trace(env, stack[sp], stack[sp + 1],
				       op == AX_OP_TRACENZ);
			if (err)
				goto out;
			break;
		case AX_OP_TRACE_QUICK:
		case AX_OP_TRACE16:
			err = ax_trace(env, TOP, ax_be(o, oi->size), false);
			if (err)
				goto out;
			break;
		case AX_OP_LOG_NOT: TOP = !TOP; break;
		case AX_OP_BIT_AND: BINARY(a & b); break;
		case AX_OP_BIT_OR: BINARY(a | b); break;
		case AX_OP_BIT_XOR: BINARY(a ^ b); break;
		case AX_OP_BIT_NOT: TOP = ~TOP; break;
		case AX_OP_EQUAL: BINARY(a == b); break;
		case AX_OP_LESS_SIGNED: BINARY(ax_s64(a) < ax_s64(b)); break;
		case AX_OP_LESS_UNSIGNED: BINARY(a < b); break;
		case AX_OP_EXT: TOP = ax_sext(TOP, o[0]); break;
		case AX_OP_ZERO_EXT: TOP = ax_zext(TOP, o[0]); break;
		case AX_OP_REF8:
		case AX_OP_REF16:
		case AX_OP_REF32:
		case AX_OP_REF64:
			err = ax_load(env, TOP, 1u << (op - AX_OP_REF8), &TOP);
			if (err)
				goto out;
			break;
		case AX_OP_IF_GOTO:
			if (!stack[--sp])
				break;
			/* fall through */
		case AX_OP_GOTO:
			pc = (size_t)ax_be(o, 2);
			if (pc >= len) {
				err = AX_E_JUMP;
				goto out;
			}
			break;
		case AX_OP_CONST8:
		case AX_OP_CONST16:
		case AX_OP_CONST32:
		case AX_OP_CONST64:
			stack[sp++] = ax_be(o, oi->size);
			break;
		case AX_OP_REG:
			if (!env->reg ||
			    env->reg(env->arg, (u32)ax_be(o, 2), &a) != 0) {
				err = AX_E_REG;
				goto out;
			}
			stack[sp++] = a;
			break;
		case AX_OP_END:
			*result = sp ? TOP : 0;
			goto out;
		case AX_OP_DUP: stack[sp] = TOP; sp++; break;
		case AX_OP_POP: sp--; break;
		case AX_OP_SWAP:
			a = TOP;
			TOP = stack[sp - 2];
			stack[sp - 2] = a;
			break;
		case AX_OP_GETV: {
			s64 v;
			if (!env->getv ||
			    env->getv(env->arg, (u32)ax_be(o, 2), &v) != 0) {
				err = AX_E_TSV;
				goto out;
			}
			stack[sp++] = (u64)v;
			break;
		}
		case AX_OP_SETV:
			/* The value stays: `$a = $b = x` uses it again. */
			if (!env->setv ||
			    env->setv(env->arg, (u32)ax_be(o, 2),
				      ax_s64(TOP)) != 0) {
				err = AX_E_TSV;
				goto out;
			}
			break;
		case AX_OP_TRACEV:
			if (!env->trace_tsv ||
			    env->trace_tsv(env->arg, (u32)ax_be(o, 2)) != 0) {
				err = AX_E_TRACE;
				goto out;
			}
			break;
		case AX_OP_PICK:
			if (sp <= o[0]) {
				err = AX_E_STACK;
				goto out;
			}
			stack[sp] = stack[sp - 1 - o[0]];
			sp++;
			break;
		case AX_OP_ROT:		/* a b c => c a b */
			a = stack[sp - 3];
			stack[sp - 3] = TOP;
			TOP = stack[sp - 2];
			stack[sp - 2] = a;
			break;
		case AX_OP_PRINTF: {
			u32 nargs = o[0];
			size_t slen = (size_t)ax_be(o + 1, 2);
			const char *fmt = (const char *)code + pc;
			if (slen > len - pc) {
				err = AX_E_TRUNC;
				goto out;
			}
			pc += slen;
			if (slen == 0 || fmt[slen - 1] != 0 || !env->printf) {
				err = AX_E_PRINTF;
				goto out;
			}
			if (sp < nargs + 2) {
				err = AX_E_STACK;
				goto out;
			}
			/* Function and channel (unused: output goes where
			 * the callback sends it), then the arguments, which
			 * gdb pushed last first: reversed in place so the
			 * callback gets the first one first. */
			sp -= 2 + nargs;
			for (u32 i = 0, j = nargs; i + 1 < j; i++, j--) {
				a = stack[sp + i];
				stack[sp + i] = stack[sp + j - 1];
				stack[sp + j - 1] = a;
			}
			if (env->printf(env->arg, fmt, stack + sp, nargs) < 0) {
				err = AX_E_PRINTF;
				goto out;
			}
			break;
		}
		default:	/* every F_OK opcode is handled above */
			err = AX_E_OPCODE;
			goto out;
		}
	}
#undef BINARY
#undef TOP
out:
	if (at)
		*at = cur;
	return err;
}
