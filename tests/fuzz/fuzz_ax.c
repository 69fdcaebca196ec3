/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
/*
 * libFuzzer target: agent bytecode and dprintf formats as gdb (or
 * anyone) can send them (stub/ax.c, stub/ax_printf.c).
 *
 * Input byte 0 picks the mode and the environment; the rest is either
 * bytecode or a format string:
 *   bit 7 clear: bytecode.  ax_verify() it; run it unverified (must stay
 *     inside the code and its stack whatever it is); when it verified,
 *     run it again and trap on any error the verifier claims to rule out
 *     (bad opcode, operand, jump, stack, end; unknown register or TSV
 *     when those were checked; printf), on a callback the ax_info said
 *     would not be called, and on a register not in regs_used.
 *   bit 7 set: the rest is a format for ax_format() with 8 arguments;
 *     the result must be -1 exactly when ax_format_nargs() says the
 *     format is bad or wants more than 8, and the output must be
 *     terminated inside the buffer.
 * Bits 0-1: the memory reader (prefix reads, all-or-nothing, always
 * faults); bit 2: a small budget; bit 3: no register check (nregs 0);
 * bit 4: no TSV check; bits 4-6 also pick the output size for formats.
 * Memory is MEM_SIZE bytes at MEM_BASE holding the input itself.
 *
 *   make fuzz                     each target for FUZZ_RUNS inputs
 *   build/fuzz/fuzz_ax CORPUS     open-ended, libFuzzer's options
 */
#include <stdint.h>
#include <stddef.h>
#include <string.h>

#include "stub/ax.h"
#include "stub/ax_local.h"

#define MEM_BASE 0x1000u
#define MEM_SIZE 256
#define NREGS 24
#define NTSV 8

static u8 mem[MEM_SIZE];
static unsigned reader;		/* 0, 3: prefix; 1: all or nothing; 2: fault */

/* What the run did, checked against what the verifier said. */
static struct {
	unsigned trace, setv, printf;
	bool reg_unlisted;
} calls;
static const struct ax_info *expect;

static size_t fz_read(void *arg, u64 addr, void *dst, size_t n)
{
	(void)arg;
	if (reader == 2)
		return n;
	size_t ok = 0;
	while (ok < n && addr + ok >= MEM_BASE && addr + ok < MEM_BASE + MEM_SIZE)
		ok++;
	if (reader == 1 && ok < n)
		return n;
	if (ok)
		memcpy(dst, mem + (addr - MEM_BASE), ok);
	return n - ok;
}

static int fz_reg(void *arg, u32 n, u64 *val)
{
	(void)arg;
	if (expect && n < 256 &&
	    !(expect->regs_used[n / 64] & (u64)1 << (n % 64)))
		calls.reg_unlisted = true;
	if (n >= NREGS)
		return -1;
	*val = MEM_BASE + 8 * (u64)n;
	return 0;
}

static s64 tsv[NTSV];

static bool fz_tsv_ok(u32 num, void *arg)
{
	(void)arg;
	return num < NTSV;
}

static int fz_getv(void *arg, u32 num, s64 *val)
{
	(void)arg;
	if (num >= NTSV)
		return -1;
	*val = tsv[num];
	return 0;
}

static int fz_setv(void *arg, u32 num, s64 val)
{
	(void)arg;
	calls.setv++;
	if (num >= NTSV)
		return -1;
	tsv[num] = val;
	return 0;
}

static int fz_trace_mem(void *arg, u64 addr, u64 len, bool nz)
{
	(void)arg;
	(void)addr;
	(void)nz;
	calls.trace++;
	return len > 4096 ? -1 : 0;	/* a frame that can fill up */
}

static int fz_trace_tsv(void *arg, u32 num)
{
	(void)arg;
	calls.trace++;
	return num < NTSV ? 0 : -1;
}

static int fz_printf(void *arg, const char *fmt, const u64 *args, u32 nargs)
{
	char out[128];
	(void)arg;
	calls.printf++;
	return (int)ax_format(out, sizeof(out), fmt, args, nargs, fz_read,
			      NULL);
}

static const struct ax_env env_full = {
	.reg = fz_reg, .mem_read = fz_read, .getv = fz_getv, .setv = fz_setv,
	.trace_mem = fz_trace_mem, .trace_tsv = fz_trace_tsv,
	.printf = fz_printf,
};
/* A plain condition's environment: nothing to collect or print into. */
static const struct ax_env env_cond = {
	.reg = fz_reg, .mem_read = fz_read, .getv = fz_getv, .setv = fz_setv,
};

static void run_checked(const u8 *code, size_t len, const struct ax_env *env,
			u32 budget)
{
	u64 r;
	size_t at = SIZE_MAX;
	int err = ax_run(code, len, env, budget, &r, &at);
	if (err > 0 || err < AX_E_PRINTF)
		__builtin_trap();
	if (err == AX_E_LEN ? at != 0 : at >= len)
		__builtin_trap();	/* at names an offset in the code */
}

static void fuzz_code(u8 flags, const u8 *code, size_t len)
{
	struct ax_info info;
	size_t at = SIZE_MAX;
	u32 budget = flags & 4 ? 100 : AX_BUDGET;
	u32 nregs = flags & 8 ? 0 : NREGS;
	bool tsv_checked = !(flags & 16);

	for (size_t i = 0; i < MEM_SIZE; i++)
		mem[i] = len ? code[i % len] : (u8)i;
	memset(tsv, 0, sizeof(tsv));

	int v = ax_verify(code, len, nregs, tsv_checked ? fz_tsv_ok : NULL,
			  NULL, &info, &at);
	if (v > 0 || v < AX_E_PRINTF)
		__builtin_trap();

	/* Unverified: only memory safety and termination are promised. */
	expect = NULL;
	run_checked(code, len, &env_full, budget);
	run_checked(code, len, &env_cond, budget);
	if (v != AX_OK)
		return;

	if (info.max_stack > AX_MAX_STACK || info.ninsns > len || at != 0)
		__builtin_trap();
	u64 r;
	memset(&calls, 0, sizeof(calls));
	expect = &info;
	int err = ax_run(code, len, &env_full, budget, &r, &at);
	switch (err) {
	case AX_E_OPCODE:
	case AX_E_TRUNC:
	case AX_E_JUMP:
	case AX_E_STACK:
	case AX_E_LEN:
	case AX_E_NOEND:
	case AX_E_PRINTF:	/* format and nargs were matched */
		__builtin_trap();
	case AX_E_REG:
		if (nregs)
			__builtin_trap();
		break;
	case AX_E_TSV:
		if (tsv_checked)
			__builtin_trap();
		break;
	default:
		break;
	}
	if ((calls.trace && !info.collects) || (calls.setv && !info.sets_tsv) ||
	    (calls.printf && !info.prints) || calls.reg_unlisted)
		__builtin_trap();
	/* A condition that collects nothing runs without the callbacks. */
	if (!info.collects && !info.prints) {
		err = ax_run(code, len, &env_cond, budget, &r, &at);
		if (err == AX_E_TRACE || err == AX_E_PRINTF)
			__builtin_trap();
	}
	expect = NULL;
}

static void fuzz_format(u8 flags, const u8 *data, size_t size)
{
	static const size_t sizes[8] = { 0, 1, 2, 7, 16, 64, 300, 4096 };
	static char fmt[4096 + 1], out[4096];
	u64 args[8] = { 0, (u64)-1, MEM_BASE + 3, MEM_BASE + MEM_SIZE - 2,
			0x8000000000000000ull, 42, (u64)-7, 0xffffffffull };
	size_t n = size < sizeof(fmt) - 1 ? size : sizeof(fmt) - 1;
	size_t osize = sizes[(flags >> 4) & 7];

	memcpy(fmt, data, n);
	fmt[n] = 0;
	for (size_t i = 0; i < MEM_SIZE; i++)
		mem[i] = size ? data[i % size] : 0;
	reader = flags & 3;
	memset(out, 0x5a, sizeof(out));

	long r = ax_format(osize ? out : NULL, osize, fmt, args, 8, fz_read,
			   NULL);
	int need = ax_format_nargs(fmt);
	if ((r < 0) != (need < 0 || need > 8))
		__builtin_trap();
	if (r >= 0 && osize && ((size_t)r >= osize || out[r] != 0))
		__builtin_trap();
	if (r >= 0 && !osize && r != 0)
		__builtin_trap();
	if (osize < sizeof(out) && out[osize] != 0x5a)
		__builtin_trap();	/* wrote past the size given */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!size)
		return 0;
	u8 flags = data[0];
	reader = flags & 3;
	if (flags & 0x80)
		fuzz_format(flags, data + 1, size - 1);
	else
		fuzz_code(flags, data + 1, size - 1);
	return 0;
}
