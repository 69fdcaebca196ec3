/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
/*
 * Host unit tests of the agent expression VM (stub/ax.c) and its printf
 * (stub/ax_printf.c): every opcode, bytecode as gdb emits it for real
 * conditions, teval and dprintf, each refusal of the verifier, the
 * run-time errors, and code that was never verified.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "stub/ax.h"
#include "stub/ax_local.h"

/* Bytecode from a list of bytes. */
#define CODE(...) ((const u8[]){ __VA_ARGS__ }), \
	sizeof((const u8[]){ __VA_ARGS__ })
/* Big-endian operands. */
#define U16(v) (u8)((v) >> 8), (u8)(v)
#define U32(v) U16((v) >> 16), U16(v)
#define U64(v) U32((u64)(v) >> 32), U32(v)

/* --- a fake target ------------------------------------------------ */

/* Readable memory: MEM_SIZE bytes at MEM_BASE; anything else faults. */
#define MEM_BASE 0x10000ull
#define MEM_SIZE 256
static u8 mem[MEM_SIZE];
static bool all_or_nothing;	/* reader fails whole requests it can't do */
static unsigned reads;

static size_t fake_read(void *arg, u64 addr, void *dst, size_t n)
{
	(void)arg;
	reads++;
	size_t ok = 0;
	while (ok < n && addr + ok >= MEM_BASE && addr + ok < MEM_BASE + MEM_SIZE)
		ok++;
	if (all_or_nothing && ok < n)
		return n;
	memcpy(dst, mem + (addr - MEM_BASE) * (ok > 0), ok);
	return n - ok;
}

static u64 regs[24];
static int fake_reg(void *arg, u32 n, u64 *val)
{
	(void)arg;
	if (n >= 24)
		return -1;
	*val = regs[n];
	return 0;
}

#define NTSV 4
static s64 tsv[NTSV];
static int fake_getv(void *arg, u32 num, s64 *val)
{
	(void)arg;
	if (num >= NTSV)
		return -1;
	*val = tsv[num];
	return 0;
}

static int fake_setv(void *arg, u32 num, s64 val)
{
	(void)arg;
	if (num >= NTSV)
		return -1;
	tsv[num] = val;
	return 0;
}

static bool fake_tsv_ok(u32 num, void *arg)
{
	(void)arg;
	return num < NTSV;
}

struct rec { u64 addr, len; bool nz; };
static struct rec recs[8];
static unsigned nrecs, ntsvrecs, tsvrec[8];
static unsigned frame_room = 8;		/* records until "frame full" */

static int fake_trace_mem(void *arg, u64 addr, u64 len, bool nz)
{
	(void)arg;
	if (nrecs >= frame_room)
		return -1;
	recs[nrecs++] = (struct rec){ addr, len, nz };
	return 0;
}

static int fake_trace_tsv(void *arg, u32 num)
{
	(void)arg;
	if (ntsvrecs >= frame_room)
		return -1;
	tsvrec[ntsvrecs++] = num;
	return 0;
}

static char printed[256];
static u64 pargs[64];
static u32 pnargs;
static int fake_printf(void *arg, const char *fmt, const u64 *args,
		       u32 nargs)
{
	(void)arg;
	memcpy(pargs, args, nargs * sizeof(u64));
	pnargs = nargs;
	return (int)ax_format(printed, sizeof(printed), fmt, args, nargs,
			      fake_read, NULL);
}

static struct ax_env env = {
	.reg = fake_reg, .mem_read = fake_read, .getv = fake_getv,
	.setv = fake_setv, .trace_mem = fake_trace_mem,
	.trace_tsv = fake_trace_tsv, .printf = fake_printf,
};

static int setup(void **state)
{
	(void)state;
	for (unsigned i = 0; i < MEM_SIZE; i++)
		mem[i] = (u8)i;
	for (unsigned i = 0; i < 24; i++)
		regs[i] = 0x100 + i;
	memset(tsv, 0, sizeof(tsv));
	nrecs = ntsvrecs = 0;
	frame_room = 8;
	all_or_nothing = false;
	printed[0] = 0;
	pnargs = 0;
	reads = 0;
	return 0;
}

/* Verify (must pass) then run (must pass); the result. */
static u64 eval(const u8 *code, size_t len)
{
	struct ax_info info;
	size_t at = 99;
	u64 r = 0xdead;
	assert_int_equal(ax_verify(code, len, 24, fake_tsv_ok, NULL, &info,
				   &at), AX_OK);
	assert_int_equal(ax_run(code, len, &env, AX_BUDGET, &r, &at), AX_OK);
	return r;
}
#define EVAL(...) eval(CODE(__VA_ARGS__))

/* Verify must fail with err at offset off. */
static void refuse(const u8 *code, size_t len, int err, size_t off)
{
	size_t at = 99;
	assert_int_equal(ax_verify(code, len, 24, fake_tsv_ok, NULL, NULL,
				   &at), err);
	assert_int_equal(at, off);
}
#define REFUSE(err, off, ...) refuse(CODE(__VA_ARGS__), err, off)

/* Run without verifying: must fail with err at offset off. */
static void run_fails(const u8 *code, size_t len, int err, size_t off)
{
	size_t at = 99;
	u64 r;
	assert_int_equal(ax_run(code, len, &env, AX_BUDGET, &r, &at), err);
	assert_int_equal(at, off);
}
#define RUN_FAILS(err, off, ...) run_fails(CODE(__VA_ARGS__), err, off)

#define C8(v) AX_OP_CONST8, (u8)(v)
#define C64(v) AX_OP_CONST64, U64(v)
#define END AX_OP_END

/* --- opcodes -------------------------------------------------------- */

static void test_arith(void **state)
{
	(void)state;
	assert_int_equal(EVAL(C8(7), C8(5), AX_OP_ADD, END), 12);
	assert_int_equal(EVAL(C8(7), C8(5), AX_OP_SUB, END), 2);
	assert_true(EVAL(C8(5), C8(7), AX_OP_SUB, END) == (u64)-2);
	assert_int_equal(EVAL(C8(7), C8(5), AX_OP_MUL, END), 35);
	assert_true(EVAL(C64(1ull << 63), C8(2), AX_OP_MUL, END) == 0);
	/* signed: -7 / 2 = -3 rem -1 (C truncates toward zero) */
	assert_true(EVAL(C64(-7), C8(2), AX_OP_DIV_SIGNED, END) == (u64)-3);
	assert_true(EVAL(C64(-7), C8(2), AX_OP_REM_SIGNED, END) == (u64)-1);
	assert_true(EVAL(C64(7), C64(-2), AX_OP_DIV_SIGNED, END) == (u64)-3);
	/* unsigned: -7 is a huge number */
	assert_true(EVAL(C64(-7), C8(2), AX_OP_DIV_UNSIGNED, END) ==
		    (u64)-7 / 2);
	assert_int_equal(EVAL(C64(-7), C8(2), AX_OP_REM_UNSIGNED, END), 1);
	/* INT64_MIN / -1 wraps instead of trapping; remainder 0 */
	assert_true(EVAL(C64(INT64_MIN), C64(-1), AX_OP_DIV_SIGNED, END) ==
		    (u64)INT64_MIN);
	assert_int_equal(EVAL(C64(INT64_MIN), C64(-1), AX_OP_REM_SIGNED,
			      END), 0);
	assert_int_equal(EVAL(C8(9), C64(-1), AX_OP_DIV_SIGNED, END),
			 (u64)-9);
}

static void test_div0(void **state)
{
	(void)state;
	static const u8 ops[] = { AX_OP_DIV_SIGNED, AX_OP_DIV_UNSIGNED,
				  AX_OP_REM_SIGNED, AX_OP_REM_UNSIGNED };
	for (unsigned i = 0; i < 4; i++) {
		u8 code[] = { C8(1), C8(0), ops[i], END };
		assert_int_equal(ax_verify(code, sizeof(code), 0, NULL, NULL,
					   NULL, NULL), AX_OK);
		run_fails(code, sizeof(code), AX_E_DIV0, 4);
	}
}

static void test_shifts(void **state)
{
	(void)state;
	assert_int_equal(EVAL(C8(1), C8(4), AX_OP_LSH, END), 16);
	assert_true(EVAL(C8(1), C8(63), AX_OP_LSH, END) == 1ull << 63);
	assert_int_equal(EVAL(C8(1), C8(64), AX_OP_LSH, END), 0);
	assert_int_equal(EVAL(C8(1), C8(200), AX_OP_LSH, END), 0);
	assert_int_equal(EVAL(C8(1), C64(1ull << 40), AX_OP_LSH, END), 0);
	assert_true(EVAL(C64(-16), C8(2), AX_OP_RSH_SIGNED, END) == (u64)-4);
	assert_int_equal(EVAL(C8(16), C8(2), AX_OP_RSH_SIGNED, END), 4);
	assert_true(EVAL(C64(-16), C8(64), AX_OP_RSH_SIGNED, END) == (u64)-1);
	assert_true(EVAL(C64(-16), C64(-1), AX_OP_RSH_SIGNED, END) == (u64)-1);
	assert_int_equal(EVAL(C8(16), C8(99), AX_OP_RSH_SIGNED, END), 0);
	assert_true(EVAL(C64(-16), C8(60), AX_OP_RSH_UNSIGNED, END) == 15);
	assert_int_equal(EVAL(C64(-16), C8(64), AX_OP_RSH_UNSIGNED, END), 0);
}

static void test_logic_compare(void **state)
{
	(void)state;
	assert_int_equal(EVAL(C8(0), AX_OP_LOG_NOT, END), 1);
	assert_int_equal(EVAL(C8(9), AX_OP_LOG_NOT, END), 0);
	assert_int_equal(EVAL(C8(0xc), C8(0xa), AX_OP_BIT_AND, END), 8);
	assert_int_equal(EVAL(C8(0xc), C8(0xa), AX_OP_BIT_OR, END), 0xe);
	assert_int_equal(EVAL(C8(0xc), C8(0xa), AX_OP_BIT_XOR, END), 6);
	assert_true(EVAL(C8(0), AX_OP_BIT_NOT, END) == UINT64_MAX);
	assert_int_equal(EVAL(C8(3), C8(3), AX_OP_EQUAL, END), 1);
	assert_int_equal(EVAL(C8(3), C8(4), AX_OP_EQUAL, END), 0);
	/* -1 < 1 signed, not unsigned */
	assert_int_equal(EVAL(C64(-1), C8(1), AX_OP_LESS_SIGNED, END), 1);
	assert_int_equal(EVAL(C64(-1), C8(1), AX_OP_LESS_UNSIGNED, END), 0);
	assert_int_equal(EVAL(C8(1), C64(-1), AX_OP_LESS_UNSIGNED, END), 1);
	assert_int_equal(EVAL(C8(2), C8(2), AX_OP_LESS_SIGNED, END), 0);
}

static void test_ext(void **state)
{
	(void)state;
	assert_true(EVAL(C8(0x80), AX_OP_EXT, 8, END) == (u64)-128);
	assert_int_equal(EVAL(C8(0x7f), AX_OP_EXT, 8, END), 0x7f);
	/* only the low n bits count */
	assert_int_equal(EVAL(AX_OP_CONST16, U16(0x1f7f), AX_OP_EXT, 8, END),
			 0x7f);
	assert_true(EVAL(AX_OP_CONST32, U32(0xffffffff), AX_OP_EXT, 32, END)
		    == UINT64_MAX);
	assert_true(EVAL(C8(1), AX_OP_EXT, 1, END) == UINT64_MAX);
	assert_int_equal(EVAL(C8(0x81), AX_OP_EXT, 0, END), 0);
	assert_int_equal(EVAL(C8(0x80), AX_OP_EXT, 64, END), 0x80);
	assert_int_equal(EVAL(C8(0x80), AX_OP_EXT, 200, END), 0x80);
	assert_int_equal(EVAL(AX_OP_CONST16, U16(0x1234), AX_OP_ZERO_EXT, 8,
			      END), 0x34);
	assert_int_equal(EVAL(C64(-1), AX_OP_ZERO_EXT, 32, END), 0xffffffff);
	assert_int_equal(EVAL(C8(5), AX_OP_ZERO_EXT, 0, END), 0);
	assert_true(EVAL(C64(-1), AX_OP_ZERO_EXT, 64, END) == UINT64_MAX);
}

static void test_consts(void **state)
{
	(void)state;
	/* big-endian operands, never sign-extended */
	assert_int_equal(EVAL(C8(0xff), END), 0xff);
	assert_int_equal(EVAL(AX_OP_CONST16, 0xff, 0xfe, END), 0xfffe);
	assert_int_equal(EVAL(AX_OP_CONST32, 0x80, 1, 2, 3, END), 0x80010203);
	assert_true(EVAL(AX_OP_CONST64, 0x80, 1, 2, 3, 4, 5, 6, 7, END) ==
		    0x8001020304050607ull);
	/* end with an empty stack: 0 */
	assert_int_equal(EVAL(END), 0);
	assert_int_equal(EVAL(C8(1), AX_OP_POP, END), 0);
}

static void test_refs(void **state)
{
	(void)state;
	/* little-endian target loads: mem[i] == i */
	assert_int_equal(EVAL(C64(MEM_BASE + 0x10), AX_OP_REF8, END), 0x10);
	assert_int_equal(EVAL(C64(MEM_BASE + 0x10), AX_OP_REF16, END),
			 0x1110);
	assert_int_equal(EVAL(C64(MEM_BASE + 0x10), AX_OP_REF32, END),
			 0x13121110);
	assert_true(EVAL(C64(MEM_BASE + 0x10), AX_OP_REF64, END) ==
		    0x1716151413121110ull);
	/* the last 8 readable bytes, then a read straddling the end */
	assert_true(EVAL(C64(MEM_BASE + MEM_SIZE - 8), AX_OP_REF64, END) ==
		    0xfffefdfcfbfaf9f8ull);
	RUN_FAILS(AX_E_FAULT, 9, C64(MEM_BASE + MEM_SIZE - 4), AX_OP_REF64,
		  END);
	RUN_FAILS(AX_E_FAULT, 9, C64(0), AX_OP_REF8, END);
	RUN_FAILS(AX_E_FAULT, 9, C64(-1), AX_OP_REF16, END);
}

static void test_jumps(void **state)
{
	(void)state;
	/* 0: const8 c; 2: if_goto 8; 5: const8 1; 7: end; 8: const8 2; end */
	assert_int_equal(EVAL(C8(0), AX_OP_IF_GOTO, U16(8), C8(1), END,
			      C8(2), END), 1);
	assert_int_equal(EVAL(C8(9), AX_OP_IF_GOTO, U16(8), C8(1), END,
			      C8(2), END), 2);
	/* goto over garbage that is still decodable */
	assert_int_equal(EVAL(AX_OP_GOTO, U16(5), C8(1), C8(3), END), 3);
	/* countdown loop: 10, then x - 1 while x != 0: backward if_goto */
	u8 loop[] = { C8(10), C8(1), AX_OP_SUB, AX_OP_DUP,
		      AX_OP_IF_GOTO, U16(2), END };
	struct ax_info info;
	assert_int_equal(ax_verify(loop, sizeof(loop), 0, NULL, NULL, &info,
				   NULL), AX_OK);
	assert_int_equal(info.max_stack, 2);
	u64 r = 1;
	assert_int_equal(ax_run(loop, sizeof(loop), &env, 1 + 4 * 10 + 1,
				&r, NULL), AX_OK);
	assert_int_equal(r, 0);
	/* one instruction less: over budget */
	assert_int_equal(ax_run(loop, sizeof(loop), &env, 4 * 10 + 1, &r,
				NULL), AX_E_BUDGET);
}

static void test_stack_ops(void **state)
{
	(void)state;
	assert_int_equal(EVAL(C8(1), C8(2), AX_OP_SWAP, END), 1);
	assert_int_equal(EVAL(C8(1), C8(2), AX_OP_SWAP, AX_OP_POP, END), 2);
	assert_int_equal(EVAL(C8(4), AX_OP_DUP, AX_OP_ADD, END), 8);
	assert_int_equal(EVAL(C8(1), C8(2), AX_OP_POP, END), 1);
	/* pick 0 = dup, pick 2 = third from the top */
	assert_int_equal(EVAL(C8(1), C8(2), C8(3), AX_OP_PICK, 0, END), 3);
	assert_int_equal(EVAL(C8(1), C8(2), C8(3), AX_OP_PICK, 2, END), 1);
	/* rot: a b c => c a b; read it back by popping */
	assert_int_equal(EVAL(C8(1), C8(2), C8(3), AX_OP_ROT, END), 2);
	assert_int_equal(EVAL(C8(1), C8(2), C8(3), AX_OP_ROT, AX_OP_POP, END),
			 1);
	assert_int_equal(EVAL(C8(1), C8(2), C8(3), AX_OP_ROT, AX_OP_POP,
			      AX_OP_POP, END), 3);
}

static void test_reg(void **state)
{
	(void)state;
	assert_int_equal(EVAL(AX_OP_REG, U16(6), END), 0x106);
	/* a register the target lacks: refused up front when nregs is
	 * given, AX_E_REG at run time otherwise */
	u8 code[] = { AX_OP_REG, U16(40), END };
	size_t at;
	assert_int_equal(ax_verify(code, sizeof(code), 24, NULL, NULL, NULL,
				   &at), AX_E_REG);
	assert_int_equal(at, 0);
	assert_int_equal(ax_verify(code, sizeof(code), 0, NULL, NULL, NULL,
				   NULL), AX_OK);
	run_fails(code, sizeof(code), AX_E_REG, 0);
}

static void test_tsv(void **state)
{
	(void)state;
	tsv[2] = -5;
	assert_true(EVAL(AX_OP_GETV, U16(2), END) == (u64)-5);
	/* setv leaves the value on the stack */
	assert_int_equal(EVAL(C8(42), AX_OP_SETV, U16(3), END), 42);
	assert_int_equal(tsv[3], 42);
	u8 get9[] = { AX_OP_GETV, U16(9), END };
	refuse(get9, sizeof(get9), AX_E_TSV, 0);
	run_fails(get9, sizeof(get9), AX_E_TSV, 0);
	u8 set9[] = { C8(1), AX_OP_SETV, U16(9), END };
	refuse(set9, sizeof(set9), AX_E_TSV, 2);
	run_fails(set9, sizeof(set9), AX_E_TSV, 2);
	u8 trv9[] = { AX_OP_TRACEV, U16(9), END };
	refuse(trv9, sizeof(trv9), AX_E_TSV, 0);
}

static void test_trace(void **state)
{
	(void)state;
	struct ax_info info;
	/* trace: addr size => ; trace_quick n: addr => addr;
	 * trace16 n: addr => addr; tracenz: addr size => ; tracev n */
	u8 code[] = { C64(0x1000), C8(16), AX_OP_TRACE,
		      C8(0x20), AX_OP_TRACE_QUICK, 4,
		      AX_OP_TRACE16, U16(0x300),
		      C8(40), AX_OP_TRACENZ,
		      AX_OP_TRACEV, U16(1),
		      C8(7), END };
	assert_int_equal(ax_verify(code, sizeof(code), 0, NULL, NULL, &info,
				   NULL), AX_OK);
	assert_true(info.collects);
	assert_int_equal(info.max_stack, 2);
	u64 r;
	assert_int_equal(ax_run(code, sizeof(code), &env, AX_BUDGET, &r,
				NULL), AX_OK);
	assert_int_equal(r, 7);
	assert_int_equal(nrecs, 4);
	assert_true(recs[0].addr == 0x1000 && recs[0].len == 16 && !recs[0].nz);
	assert_true(recs[1].addr == 0x20 && recs[1].len == 4 && !recs[1].nz);
	assert_true(recs[2].addr == 0x20 && recs[2].len == 0x300);
	assert_true(recs[3].addr == 0x20 && recs[3].len == 40 && recs[3].nz);
	assert_int_equal(ntsvrecs, 1);
	assert_int_equal(tsvrec[0], 1);

	/* frame full */
	setup(NULL);
	frame_room = 1;
	run_fails(code, sizeof(code), AX_E_TRACE, 14);
	/* no collection callbacks (a plain condition's env) */
	struct ax_env cond = { .mem_read = fake_read };
	assert_int_equal(ax_run(code, sizeof(code), &cond, AX_BUDGET, &r,
				NULL), AX_E_TRACE);
}

static void test_printf_op(void **state)
{
	(void)state;
	/* gdb's dprintf (agent style) for: dprintf f,"%d-%s-%x\n", a, s, b
	 * pushes b, s, a (last argument first), channel 0, function 0 */
	const char fmt[] = "%d-%s-%x\n";
	u8 code[64] = { C8(0xab), C64(MEM_BASE + 0x41), C64(-3), C8(0), C8(0),
			AX_OP_PRINTF, 3, U16(sizeof(fmt)) };
	size_t n = 2 + 9 + 9 + 2 + 2 + 4;
	memcpy(code + n, fmt, sizeof(fmt));
	n += sizeof(fmt);
	code[n++] = END;
	memcpy(mem + 0x41, "hey", 4);
	struct ax_info info;
	assert_int_equal(ax_verify(code, n, 0, NULL, NULL, &info, NULL),
			 AX_OK);
	assert_true(info.prints);
	assert_false(info.collects);
	assert_int_equal(info.max_stack, 5);
	u64 r = 1;
	assert_int_equal(ax_run(code, n, &env, AX_BUDGET, &r, NULL), AX_OK);
	assert_int_equal(r, 0);		/* everything popped */
	assert_int_equal(pnargs, 3);
	assert_true(pargs[0] == (u64)-3 && pargs[2] == 0xab);
	assert_string_equal(printed, "-3-hey-ab\n");

	/* nargs that does not match the format */
	code[24 + 1] = 2;
	refuse(code, n, AX_E_PRINTF, 24);
	code[24 + 1] = 3;
	/* format without its NUL */
	code[n - 2] = 'x';
	refuse(code, n, AX_E_PRINTF, 24);
	run_fails(code, n, AX_E_PRINTF, 24);
	code[n - 2] = 0;
	/* a format the VM refuses */
	u8 flt[] = { C8(0), C8(0), C8(0), AX_OP_PRINTF, 1, U16(3), '%', 'f',
		     0, END };
	refuse(flt, sizeof(flt), AX_E_PRINTF, 6);
	run_fails(flt, sizeof(flt), AX_E_PRINTF, 6);	/* callback's -1 */
	/* string length running past the end */
	u8 trunc[] = { C8(0), C8(0), AX_OP_PRINTF, 0, U16(10), 'a', 0 };
	refuse(trunc, sizeof(trunc), AX_E_TRUNC, 4);
	run_fails(trunc, sizeof(trunc), AX_E_TRUNC, 4);
	/* no printf callback */
	struct ax_env quiet = env;
	quiet.printf = NULL;
	assert_int_equal(ax_run(code, n, &quiet, AX_BUDGET, &r, NULL),
			 AX_E_PRINTF);
}

/* --- what gdb sends -------------------------------------------------- */

static void test_gdb_condition(void **state)
{
	(void)state;
	/* `n == 5`, n an int at -20(%rbp) (gdb register 6):
	 * reg 6; const8 20; sub; ref32; ext 32; const8 5; equal; end */
	u8 cond[] = { AX_OP_REG, U16(6), C8(20), AX_OP_SUB, AX_OP_REF32,
		      AX_OP_EXT, 32, C8(5), AX_OP_EQUAL, END };
	struct ax_info info;
	assert_int_equal(ax_verify(cond, sizeof(cond), 24, fake_tsv_ok, NULL,
				   &info, NULL), AX_OK);
	assert_int_equal(info.ninsns, 8);
	assert_int_equal(info.max_stack, 2);
	assert_false(info.collects || info.sets_tsv || info.prints);
	assert_true(info.regs_used[0] == 1u << 6);
	assert_true(!info.regs_used[1] && !info.regs_used[2]);
	regs[6] = MEM_BASE + 0x40;
	memcpy(mem + 0x2c, "\x05\0\0\0", 4);
	u64 r;
	assert_int_equal(ax_run(cond, sizeof(cond), &env, AX_BUDGET, &r, NULL),
			 AX_OK);
	assert_int_equal(r, 1);
	memcpy(mem + 0x2c, "\xfb\xff\xff\xff", 4);	/* -5 */
	assert_int_equal(ax_run(cond, sizeof(cond), &env, AX_BUDGET, &r, NULL),
			 AX_OK);
	assert_int_equal(r, 0);
	/* rbp gone wild: the load faults, the condition errs */
	regs[6] = 0x40;
	size_t at;
	assert_int_equal(ax_run(cond, sizeof(cond), &env, AX_BUDGET, &r, &at),
			 AX_E_FAULT);
	assert_int_equal(at, 6);
}

static void test_gdb_teval(void **state)
{
	(void)state;
	/* teval $calls = $calls + 1 ($calls is TSV 1):
	 * getv 1; const8 1; add; setv 1; end */
	u8 code[] = { AX_OP_GETV, U16(1), C8(1), AX_OP_ADD, AX_OP_SETV, U16(1),
		      END };
	struct ax_info info;
	assert_int_equal(ax_verify(code, sizeof(code), 24, fake_tsv_ok, NULL,
				   &info, NULL), AX_OK);
	assert_true(info.sets_tsv);
	assert_false(info.collects);
	tsv[1] = 41;
	u64 r;
	for (int i = 0; i < 3; i++)
		assert_int_equal(ax_run(code, sizeof(code), &env, AX_BUDGET,
					&r, NULL), AX_OK);
	assert_int_equal(tsv[1], 44);
	assert_int_equal(r, 44);
}

static void test_gdb_deref(void **state)
{
	(void)state;
	/* `*(u64 *)p`, p a global at MEM_BASE + 8:
	 * const32 &p; ref64; ref64; end */
	u8 code[] = { AX_OP_CONST32, U32(MEM_BASE + 8), AX_OP_REF64,
		      AX_OP_REF64, END };
	u64 p = MEM_BASE + 0x80, r;
	memcpy(mem + 8, &p, 8);
	assert_true(eval(code, sizeof(code)) == 0x8786858483828180ull);
	p = 0xffff800000000000ull;	/* unmapped */
	memcpy(mem + 8, &p, 8);
	size_t at;
	assert_int_equal(ax_run(code, sizeof(code), &env, AX_BUDGET, &r, &at),
			 AX_E_FAULT);
	assert_int_equal(at, 6);
}

/* --- verifier refusals ------------------------------------------------ */

static void test_verify_opcodes(void **state)
{
	(void)state;
	REFUSE(AX_E_OPCODE, 0, 0x00, END);
	REFUSE(AX_E_OPCODE, 2, C8(1), 0x31, END);
	REFUSE(AX_E_OPCODE, 0, 0x35, END);
	REFUSE(AX_E_OPCODE, 0, 0xff, END);
	/* float ops: 0x01 and 0x1b-0x1f */
	static const u8 fl[] = { 0x01, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f };
	for (unsigned i = 0; i < sizeof(fl); i++) {
		u8 code[] = { C8(1), fl[i], END };
		refuse(code, sizeof(code), AX_E_OPCODE, 2);
		run_fails(code, sizeof(code), AX_E_OPCODE, 2);
	}
	/* every other opcode in 0x02..0x34 is accepted by the decoder */
	unsigned known = 0;
	for (unsigned op = 0; op < 256; op++) {
		u8 code[16] = { (u8)op };
		code[1] = 0;	/* printf: nargs 0, length 1, "" */
		code[2] = 0;
		code[3] = 1;
		size_t at;
		int err = ax_verify(code, sizeof(code), 0, NULL, NULL, NULL,
				    &at);
		if (err != AX_E_OPCODE || at != 0)	/* later zeros: 0x00 */
			known++;
	}
	assert_int_equal(known, 0x34 - 0x02 + 1 - 5 - 1);
}

static void test_verify_shape(void **state)
{
	(void)state;
	/* truncated operands */
	REFUSE(AX_E_TRUNC, 0, AX_OP_CONST16, 0);
	REFUSE(AX_E_TRUNC, 2, C8(1), AX_OP_CONST64, 1, 2, 3, 4, 5, 6, 7);
	REFUSE(AX_E_TRUNC, 0, AX_OP_GOTO, 0);
	REFUSE(AX_E_TRUNC, 0, AX_OP_PRINTF, 0, 0);
	/* jump outside */
	REFUSE(AX_E_JUMP, 0, AX_OP_GOTO, U16(4), END);
	REFUSE(AX_E_JUMP, 2, C8(1), AX_OP_IF_GOTO, U16(0x1000), END);
	/* into the middle of an instruction (const16's operand) */
	REFUSE(AX_E_JUMP, 0, AX_OP_GOTO, U16(4), AX_OP_CONST16, 0x27, 0x27,
	       END);
	/* even from code that is never reached */
	REFUSE(AX_E_JUMP, 1, END, AX_OP_GOTO, U16(2));
	/* no end: last instruction falls through, or a branch's
	 * fall-through is the end */
	REFUSE(AX_E_NOEND, 0, C8(1));
	REFUSE(AX_E_NOEND, 2, C8(1), AX_OP_IF_GOTO, U16(0));
	/* a goto as last instruction is fine (a jump ends a path) */
	assert_int_equal(EVAL(AX_OP_GOTO, U16(4), END, C8(3), AX_OP_GOTO,
			      U16(3)), 3);
	/* empty, too long, and exactly AX_MAX_LEN */
	u8 big[AX_MAX_LEN + 1];
	memset(big, AX_OP_END, sizeof(big));
	size_t at;
	assert_int_equal(ax_verify(big, 0, 0, NULL, NULL, NULL, &at),
			 AX_E_LEN);
	assert_int_equal(ax_verify(big, sizeof(big), 0, NULL, NULL, NULL,
				   &at), AX_E_LEN);
	assert_int_equal(at, AX_MAX_LEN);
	assert_int_equal(ax_verify(big, AX_MAX_LEN, 0, NULL, NULL, NULL, &at),
			 AX_OK);
	u64 r;
	assert_int_equal(ax_run(big, sizeof(big), &env, AX_BUDGET, &r, &at),
			 AX_E_LEN);
	assert_int_equal(ax_run(big, 0, &env, AX_BUDGET, &r, &at), AX_E_LEN);
}

static void test_verify_stack(void **state)
{
	(void)state;
	/* underflow */
	REFUSE(AX_E_STACK, 0, AX_OP_ADD, END);
	REFUSE(AX_E_STACK, 2, C8(1), AX_OP_ADD, END);
	REFUSE(AX_E_STACK, 0, AX_OP_POP, END);
	REFUSE(AX_E_STACK, 4, C8(1), C8(2), AX_OP_ROT, END);
	REFUSE(AX_E_STACK, 4, C8(1), C8(2), AX_OP_PICK, 2, END);
	REFUSE(AX_E_STACK, 2, C8(0), AX_OP_PRINTF, 0, U16(1), 0, END);
	/* heights 0 (jump) and 1 (fall through) meet at offset 7 */
	REFUSE(AX_E_STACK, 7, C8(1), AX_OP_IF_GOTO, U16(7), C8(2), END);
	/* a loop that grows the stack: height 0 then 1 at offset 0 */
	REFUSE(AX_E_STACK, 0, C8(1), AX_OP_GOTO, U16(0));
	/* overflow: AX_MAX_STACK values fit, one more does not */
	u8 code[2 * (AX_MAX_STACK + 1) + 1];
	for (unsigned i = 0; i <= AX_MAX_STACK; i++) {
		code[2 * i] = AX_OP_CONST8;
		code[2 * i + 1] = (u8)i;
	}
	code[2 * AX_MAX_STACK] = END;
	struct ax_info info;
	assert_int_equal(ax_verify(code, 2 * AX_MAX_STACK + 1, 0, NULL, NULL,
				   &info, NULL), AX_OK);
	assert_int_equal(info.max_stack, AX_MAX_STACK);
	code[2 * AX_MAX_STACK] = AX_OP_CONST8;
	code[2 * AX_MAX_STACK + 2] = END;
	refuse(code, sizeof(code), AX_E_STACK, 2 * AX_MAX_STACK);
	/* the same at run time, unverified */
	run_fails(code, sizeof(code), AX_E_STACK, 2 * AX_MAX_STACK);
	/* a pick reaching the bottom value is fine */
	u8 deep[2 * AX_MAX_STACK + 3];
	memcpy(deep, code, 2 * (AX_MAX_STACK - 1));
	deep[2 * (AX_MAX_STACK - 1)] = AX_OP_PICK;
	deep[2 * (AX_MAX_STACK - 1) + 1] = AX_MAX_STACK - 2;
	deep[2 * AX_MAX_STACK] = END;
	assert_int_equal(eval(deep, 2 * AX_MAX_STACK + 1), 0);
}

static void test_verify_backward(void **state)
{
	(void)state;
	/* 0: goto 6; 3: const8 7; 5: end; 6: goto 3 -- offset 3 is only
	 * reached by a backward jump: a second pass */
	u8 code[] = { AX_OP_GOTO, U16(6), C8(7), END, AX_OP_GOTO, U16(3) };
	struct ax_info info;
	assert_int_equal(ax_verify(code, sizeof(code), 0, NULL, NULL, &info,
				   NULL), AX_OK);
	assert_int_equal(info.max_stack, 1);
	assert_int_equal(info.ninsns, 4);
	assert_int_equal(eval(code, sizeof(code)), 7);
	/* ... where the code behind the jump underflows */
	u8 bad[] = { AX_OP_GOTO, U16(6), AX_OP_POP, AX_OP_POP, END,
		     C8(1), AX_OP_GOTO, U16(3) };
	refuse(bad, sizeof(bad), AX_E_STACK, 4);
	/* ... or leads to code that falls off the end:
	 * 0: goto 8; 3: const8 1; 5: goto 11; 8: goto 3; 11: const8 5 */
	u8 off[] = { AX_OP_GOTO, U16(8), C8(1), AX_OP_GOTO, U16(11),
		     AX_OP_GOTO, U16(3), C8(5) };
	refuse(off, sizeof(off), AX_E_NOEND, 11);
	/* a backward jump bringing height 1 where 0 was recorded:
	 * 0: const8 0; 2: if_goto 6; 5: end; 6: const8 1; 8: goto 5 */
	u8 join[] = { C8(0), AX_OP_IF_GOTO, U16(6), END, C8(1), AX_OP_GOTO,
		      U16(5) };
	refuse(join, sizeof(join), AX_E_STACK, 5);
}

/* --- run time ---------------------------------------------------------- */

static void test_budget(void **state)
{
	(void)state;
	u8 spin[] = { AX_OP_GOTO, U16(0) };
	assert_int_equal(ax_verify(spin, sizeof(spin), 0, NULL, NULL, NULL,
				   NULL), AX_OK);
	run_fails(spin, sizeof(spin), AX_E_BUDGET, 0);
	/* exactly the budget runs */
	u8 three[] = { C8(1), C8(2), AX_OP_ADD, END };
	u64 r;
	assert_int_equal(ax_run(three, sizeof(three), &env, 4, &r, NULL),
			 AX_OK);
	assert_int_equal(r, 3);
	assert_int_equal(ax_run(three, sizeof(three), &env, 3, &r, NULL),
			 AX_E_BUDGET);
	assert_int_equal(ax_run(three, sizeof(three), &env, 0, &r, NULL),
			 AX_E_BUDGET);
}

static void test_unverified(void **state)
{
	(void)state;
	/* Code the verifier refuses still cannot hurt the VM. */
	RUN_FAILS(AX_E_STACK, 0, AX_OP_ADD, END);
	RUN_FAILS(AX_E_STACK, 0, AX_OP_POP);
	RUN_FAILS(AX_E_STACK, 4, C8(1), C8(2), AX_OP_ROT, END);
	RUN_FAILS(AX_E_STACK, 2, C8(1), AX_OP_PICK, 1, END);
	RUN_FAILS(AX_E_STACK, 2, C8(1), AX_OP_PRINTF, 0, U16(1), 0, END);
	RUN_FAILS(AX_E_TRUNC, 2, C8(1), AX_OP_CONST32, 1, 2);
	RUN_FAILS(AX_E_OPCODE, 0, 0x31);
	RUN_FAILS(AX_E_NOEND, 2, C8(1), C8(2));
	RUN_FAILS(AX_E_JUMP, 0, AX_OP_GOTO, U16(3));
	RUN_FAILS(AX_E_JUMP, 2, C8(1), AX_OP_IF_GOTO, U16(99), END);
	/* not taken: no jump, so no error from its target */
	u64 r;
	assert_int_equal(ax_run(CODE(C8(0), AX_OP_IF_GOTO, U16(99), C8(5),
				     END), &env, AX_BUDGET, &r, NULL), AX_OK);
	assert_int_equal(r, 5);
	/* a jump into an operand just decodes it: 0x27 is end */
	assert_int_equal(ax_run(CODE(AX_OP_GOTO, U16(4), AX_OP_CONST16, 0x27,
				     0x27), &env, AX_BUDGET, &r, NULL), AX_OK);
	/* heights that differ at a join run as long as each path does */
	assert_int_equal(ax_run(CODE(C8(1), AX_OP_IF_GOTO, U16(7), C8(2), END),
				&env, AX_BUDGET, &r, NULL), AX_OK);
	assert_int_equal(r, 0);
	/* no env at all */
	assert_int_equal(ax_run(CODE(AX_OP_REG, U16(0), END), NULL, 10, &r,
				NULL), AX_E_REG);
	assert_int_equal(ax_run(CODE(C8(0), AX_OP_REF8, END), NULL, 10, &r,
				NULL), AX_E_FAULT);
	assert_int_equal(ax_run(CODE(AX_OP_GETV, U16(0), END), NULL, 10, &r,
				NULL), AX_E_TSV);
	assert_int_equal(ax_run(CODE(C8(0), AX_OP_SETV, U16(0), END), NULL, 10,
				&r, NULL), AX_E_TSV);
	assert_int_equal(ax_run(CODE(AX_OP_TRACEV, U16(0), END), NULL, 10, &r,
				NULL), AX_E_TRACE);
	assert_int_equal(ax_run(CODE(C8(7), END), NULL, 10, NULL, NULL), AX_OK);
}

static void test_strerror(void **state)
{
	(void)state;
	for (int e = AX_E_PRINTF; e <= AX_OK; e++) {
		const char *s = ax_strerror(e);
		assert_non_null(s);
		assert_true(strlen(s) > 0);
		assert_string_not_equal(s, "unknown error");
	}
	assert_string_equal(ax_strerror(-100), "unknown error");
	assert_string_equal(ax_strerror(AX_E_DIV0), "division by zero");
}

/* --- ax_format ---------------------------------------------------------- */

static char out[128];
static long fmt(const char *f, u32 n, ...)
{
	u64 a[8];
	va_list ap;
	va_start(ap, n);
	for (u32 i = 0; i < n; i++)
		a[i] = va_arg(ap, u64);
	va_end(ap);
	return ax_format(out, sizeof(out), f, a, n, fake_read, NULL);
}
#define FMT(expect, f, ...) do { \
	long r_ = fmt(f, __VA_ARGS__); \
	assert_string_equal(out, expect); \
	assert_int_equal(r_, strlen(expect)); } while (0)

static void test_format_ints(void **state)
{
	(void)state;
	FMT("plain", "plain", 0);
	FMT("-3 -3 42", "%d %i %u", 3, (u64)-3, (u64)-3, 42ull);
	/* no modifier: an int, so 32 bits */
	FMT("4294967293", "%u", 1, (u64)-3);
	FMT("-1", "%d", 1, 0xffffffffull);
	FMT("-1 65535 -1 255", "%hd %hu %hhd %hhu", 4, 0xffffull, 0xffffull,
	    0x1ffull, 0x1ffull);
	FMT("-1 -1 18446744073709551615", "%ld %lld %zu", 3, (u64)-1, (u64)-1,
	    (u64)-1);
	FMT("ff FF 17 0xff 0XFF 017 0 0", "%x %X %o %#x %#X %#o %#x %#o", 8,
	    255ull, 255ull, 15ull, 255ull, 255ull, 15ull, 0ull, 0ull);
	FMT("deadbeefcafe", "%lx", 1, 0xdeadbeefcafeull);
	FMT("beefcafe", "%x", 1, 0xdeadbeefcafeull);
	/* width, flags, precision */
	FMT("[   42][42   ][00042][  -42][-0042]",
	    "[%5d][%-5d][%05d][%5d][%05d]", 5, 42ull, 42ull, 42ull, (u64)-42,
	    (u64)-42);
	FMT("+5 -5 | 5", "%+d %+d |% d", 3, 5ull, (u64)-5, 5ull);
	FMT("  007|007|", "%5.3d|%.3d|", 2, 7ull, 7ull);
	FMT("[]|[  ]|0", "[%.0d]|[%2.0d]|%#.0o", 3, 0ull, 0ull, 0ull);
	FMT("0x0000ff", "%#08x", 1, 255ull);
	/* `*` width and precision come from the arguments */
	FMT("[   7][7   ][007]", "[%*d][%*d][%.*d]", 6, 4ull, 7ull, (u64)-4,
	    7ull, 3ull, 7ull);
	FMT("[7]", "[%.*d]", 2, (u64)-1, 7ull);	/* negative: no precision */
	FMT("100%", "%d%%", 1, 100ull);
	FMT("A[ B]", "%c[%2c]", 2, 0x141ull, (u64)'B');
	FMT("0x1000 (nil) [  0x10]", "%p %p [%6p]", 3, 0x1000ull, 0ull, 0x10ull);
}

static void test_format_strings(void **state)
{
	(void)state;
	memcpy(mem + 0x20, "hello", 6);
	FMT("<hello>", "<%s>", 1, MEM_BASE + 0x20);
	FMT("<  hello|hel|he   >", "<%7s|%.3s|%-5.2s>", 3, MEM_BASE + 0x20,
	    MEM_BASE + 0x20, MEM_BASE + 0x20);
	FMT("(null)", "%s", 1, 0ull);
	FMT("(fault)", "%s", 1, 0x5ull);
	FMT("[(fault)]", "[%s]", 1, MEM_BASE + MEM_SIZE + 10);
	/* runs into unmapped memory before its NUL */
	memset(mem + MEM_SIZE - 8, 'z', 8);
	FMT("(fault)", "%s", 1, MEM_BASE + MEM_SIZE - 8);
	/* ... unless the precision stops it first */
	FMT("zzzz", "%.4s", 1, MEM_BASE + MEM_SIZE - 8);
	/* a string ending just before unmapped memory, through a reader
	 * that fails whole requests */
	all_or_nothing = true;
	memcpy(mem + MEM_SIZE - 4, "end", 4);
	FMT("end", "%s", 1, MEM_BASE + MEM_SIZE - 4);
	all_or_nothing = false;
	/* no NUL within 256 bytes: 256 bytes */
	memset(mem, 'a', MEM_SIZE);
	char big[AX_FMT_STR_MAX + 1];
	u64 a = MEM_BASE;
	assert_int_equal(ax_format(big, sizeof(big), "%s", &a, 1, fake_read,
				   NULL), AX_FMT_STR_MAX);
	/* no reader */
	assert_int_equal(ax_format(out, sizeof(out), "%s", &a, 1, NULL, NULL),
			 7);
	assert_string_equal(out, "(fault)");
}

static void test_format_limits(void **state)
{
	(void)state;
	u64 a[2] = { 12345, MEM_BASE };
	char small[4];
	/* truncated, still terminated; the length written */
	assert_int_equal(ax_format(small, sizeof(small), "%d", a, 1, NULL,
				   NULL), 3);
	assert_string_equal(small, "123");
	assert_int_equal(ax_format(small, 1, "%d", a, 1, NULL, NULL), 0);
	assert_string_equal(small, "");
	assert_int_equal(ax_format(NULL, 0, "%d", a, 1, NULL, NULL), 0);
	/* a huge width is cut by the buffer, not by time */
	assert_int_equal(ax_format(out, sizeof(out), "%999999999d", a, 1,
				   NULL, NULL), sizeof(out) - 1);
	/* a full buffer reads no strings */
	reads = 0;
	assert_int_equal(ax_format(small, sizeof(small), "abc%s", a + 1, 1,
				   fake_read, NULL), 3);
	assert_int_equal(reads, 0);
	/* refused: floats, %n, wide, unknown, trailing %, too few args */
	static const char *bad[] = { "%f", "%e", "%g", "%a", "%Lf", "%n",
				     "%ls", "%lc", "%q", "%y", "abc%", "%5",
				     "%d %d" };
	for (unsigned i = 0; i < ARRAY_SIZE(bad); i++) {
		assert_int_equal(ax_format(out, sizeof(out), bad[i], a, 1,
					   fake_read, NULL), -1);
		assert_int_equal(ax_format_nargs(bad[i]),
				 i == ARRAY_SIZE(bad) - 1 ? 2 : -1);
	}
	assert_int_equal(ax_format(out, sizeof(out), "%*d", a, 1, NULL, NULL),
			 -1);
	assert_int_equal(ax_format(out, sizeof(out), NULL, a, 1, NULL, NULL),
			 -1);
	/* even when the refusal comes after the buffer filled up */
	assert_int_equal(ax_format(small, sizeof(small), "abcdef%f", a, 1,
				   NULL, NULL), -1);
	/* extra arguments are ignored */
	assert_int_equal(ax_format(out, sizeof(out), "x", a, 2, NULL, NULL), 1);
	/* what the verifier counts */
	assert_int_equal(ax_format_nargs("no args %%"), 0);
	assert_int_equal(ax_format_nargs("%d %s %*.*x %p %c"), 7);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_arith, setup),
		cmocka_unit_test_setup(test_div0, setup),
		cmocka_unit_test_setup(test_shifts, setup),
		cmocka_unit_test_setup(test_logic_compare, setup),
		cmocka_unit_test_setup(test_ext, setup),
		cmocka_unit_test_setup(test_consts, setup),
		cmocka_unit_test_setup(test_refs, setup),
		cmocka_unit_test_setup(test_jumps, setup),
		cmocka_unit_test_setup(test_stack_ops, setup),
		cmocka_unit_test_setup(test_reg, setup),
		cmocka_unit_test_setup(test_tsv, setup),
		cmocka_unit_test_setup(test_trace, setup),
		cmocka_unit_test_setup(test_printf_op, setup),
		cmocka_unit_test_setup(test_gdb_condition, setup),
		cmocka_unit_test_setup(test_gdb_teval, setup),
		cmocka_unit_test_setup(test_gdb_deref, setup),
		cmocka_unit_test_setup(test_verify_opcodes, setup),
		cmocka_unit_test_setup(test_verify_shape, setup),
		cmocka_unit_test_setup(test_verify_stack, setup),
		cmocka_unit_test_setup(test_verify_backward, setup),
		cmocka_unit_test_setup(test_budget, setup),
		cmocka_unit_test_setup(test_unverified, setup),
		cmocka_unit_test_setup(test_strerror, setup),
		cmocka_unit_test_setup(test_format_ints, setup),
		cmocka_unit_test_setup(test_format_strings, setup),
		cmocka_unit_test_setup(test_format_limits, setup),
	};
	return cmocka_run_group_tests_name("ax", tests, NULL, NULL);
}
