/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
/*
 * Native user-space micro-benchmark of the agent expression VM alone
 * (stub/ax.c, hosted, -O2, no sanitizers): ns per executed bytecode
 * instruction for a few expressions of the kinds gdb sends, and ns per
 * ax_verify() of each.
 *
 *   ax_native SCALE   SCALE multiplies the iteration counts (1 = about
 *                     0.2 s per case on a current x86_64 core)
 *
 * Output: "KEY=VALUE" lines, per case NAME: NAME_insns (instructions
 * per run), NAME_run_ns, NAME_insn_ns, NAME_verify_ns.  Built and run by
 * bench/bench_ax.py.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../stub/ax.h"
#include "../stub/ax_local.h"

/* Target memory: a host buffer seen at address MEM_BASE. */
#define MEM_BASE 0xffff888000001000ull
static unsigned char mem[4096];
static u64 regs[24];
static s64 tsv[4];

static size_t b_read(void *arg, u64 addr, void *dst, size_t n)
{
	(void)arg;
	if (addr < MEM_BASE || addr - MEM_BASE > sizeof(mem) - n)
		return n;
	memcpy(dst, mem + (addr - MEM_BASE), n);
	return 0;
}

static int b_reg(void *arg, u32 n, u64 *val)
{
	(void)arg;
	if (n >= 24)
		return -1;
	*val = regs[n];
	return 0;
}

static int b_getv(void *arg, u32 num, s64 *val)
{
	(void)arg;
	if (num >= 4)
		return -1;
	*val = tsv[num];
	return 0;
}

static int b_setv(void *arg, u32 num, s64 val)
{
	(void)arg;
	if (num >= 4)
		return -1;
	tsv[num] = val;
	return 0;
}

static const struct ax_env env = {
	.reg = b_reg, .mem_read = b_read, .getv = b_getv, .setv = b_setv,
};

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

struct bcase {
	const char *name;
	const u8 *code;
	size_t len;
	unsigned insns;		/* executed per run */
	unsigned iters;		/* runs at SCALE 1 */
};

/* `n == 5`, n an int at -20(%rbp): what gdb sends as a condition. */
static const u8 cond[] = {
	AX_OP_REG, 0, 6, AX_OP_CONST8, 20, AX_OP_SUB, AX_OP_REF32,
	AX_OP_EXT, 32, AX_OP_CONST8, 5, AX_OP_EQUAL, AX_OP_END,
};
/* teval $calls = $calls + 1 */
static const u8 teval[] = {
	AX_OP_GETV, 0, 1, AX_OP_CONST8, 1, AX_OP_ADD, AX_OP_SETV, 0, 1,
	AX_OP_END,
};
/* 1000 rounds of x = x - 1 while x != 0 (gdb never loops; a bound on
 * the dispatch loop itself) */
static const u8 loop[] = {
	AX_OP_CONST16, 0x03, 0xe8, AX_OP_CONST8, 1, AX_OP_SUB, AX_OP_DUP,
	AX_OP_IF_GOTO, 0, 3, AX_OP_END,
};

int main(int argc, char **argv)
{
	double scale = argc > 1 ? atof(argv[1]) : 1.0;
	const struct bcase cases[] = {
		{ "cond", cond, sizeof(cond), 8, 4000000 },
		{ "teval", teval, sizeof(teval), 5, 6000000 },
		{ "loop", loop, sizeof(loop), 2 + 4 * 1000, 8000 },
	};
	volatile u64 sink = 0;

	regs[6] = MEM_BASE + 0x100;
	mem[0x100 - 20] = 5;
	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		const struct bcase *b = &cases[c];
		unsigned iters = (unsigned)(b->iters * scale) + 1;
		struct ax_info info;
		u64 r;

		if (ax_verify(b->code, b->len, 24, NULL, NULL, &info, NULL) ||
		    ax_run(b->code, b->len, &env, AX_BUDGET, &r, NULL)) {
			fprintf(stderr, "%s: does not verify or run\n",
				b->name);
			return 1;
		}
		double t0 = now();
		for (unsigned i = 0; i < iters; i++) {
			ax_run(b->code, b->len, &env, AX_BUDGET, &r, NULL);
			sink += r;
		}
		double run_ns = (now() - t0) * 1e9 / iters;

		unsigned viters = iters / 4 + 1;
		t0 = now();
		for (unsigned i = 0; i < viters; i++)
			sink += (u64)ax_verify(b->code, b->len, 24, NULL, NULL,
					       &info, NULL);
		double verify_ns = (now() - t0) * 1e9 / viters;

		printf("%s_insns=%u\n", b->name, b->insns);
		printf("%s_run_ns=%.2f\n", b->name, run_ns);
		printf("%s_insn_ns=%.3f\n", b->name, run_ns / b->insns);
		printf("%s_verify_ns=%.2f\n", b->name, verify_ns);
	}
	printf("sink=%llu\n", (unsigned long long)sink);	/* keeps it live */
	return 0;
}
