/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
/*
 * The patch engine's batch logic (hooks/patch.c), hosted: "text" is a
 * buffer, arch_text_write copies into it, and port_sync_others() is where
 * the test looks at the text between the rounds and plays the other CPUs
 * (an int3 trap at every site of the batch, through patch_int3()).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "hooks/patch.h"

static u8 text[256];
static unsigned rounds, writes, fail_at_write;
static u8 seen[4][sizeof(text)];	/* text at each sync round */

size_t arch_text_write(u64 addr, const u8 *bytes, size_t n)
{
	writes++;
	if (fail_at_write && writes == fail_at_write)
		return n;
	assert_true(addr >= (u64)text && addr + n <= (u64)text + sizeof(text));
	memcpy((void *)addr, bytes, n);
	return 0;
}

static bool (*on_sync)(void);

unsigned port_sync_others(void)
{
	if (rounds < 4)
		memcpy(seen[rounds], text, sizeof(text));
	rounds++;
	if (on_sync)
		on_sync();
	return 3;	/* "three other CPUs" */
}

static const u8 nop5[5] = { 0x0f, 0x1f, 0x44, 0x00, 0x00 };

static struct patch_op op5(size_t off, const u8 *b)
{
	struct patch_op op = { .addr = (u64)&text[off], .len = 5 };
	memcpy(op.bytes, b, 5);
	return op;
}

static int setup(void **state)
{
	(void)state;
	memset(text, 0x90, sizeof(text));
	for (size_t off = 0; off + 5 <= sizeof(text); off += 16)
		memcpy(&text[off], nop5, 5);
	rounds = writes = fail_at_write = 0;
	on_sync = 0;
	patch_set_emulator(0);
	return 0;
}

/* Three rounds for any number of 5-byte sites, in the documented order. */
static void test_three_rounds(void **state)
{
	(void)state;
	static const u8 call[5] = { 0xe8, 1, 2, 3, 4 };
	struct patch_op ops[3] = { op5(64, call), op5(0, call), op5(32, call) };
	struct patch_stats s0, s1;
	patch_get_stats(&s0);
	assert_int_equal(patch_apply(ops, 3, PATCH_LIVE), 0);
	patch_get_stats(&s1);
	assert_int_equal(rounds, 3);
	assert_int_equal(s1.sync_rounds - s0.sync_rounds, 3);
	assert_int_equal(s1.ipis - s0.ipis, 9);
	assert_int_equal(s1.batches - s0.batches, 1);
	/* sorted in place */
	assert_true(ops[0].addr < ops[1].addr && ops[1].addr < ops[2].addr);
	for (size_t off = 0; off <= 64; off += 32) {
		/* round 1: int3 on byte 0, old tail */
		assert_int_equal(seen[0][off], 0xcc);
		assert_memory_equal(&seen[0][off + 1], nop5 + 1, 4);
		/* round 2: int3 on byte 0, new tail */
		assert_int_equal(seen[1][off], 0xcc);
		assert_memory_equal(&seen[1][off + 1], call + 1, 4);
		/* round 3: the whole new instruction */
		assert_memory_equal(&seen[2][off], call, 5);
	}
	/* untouched site */
	assert_memory_equal(&text[16], nop5, 5);
}

/* One-byte ops only (breakpoints, probes): written in round 1, written
 * again (same value) in round 2; two rounds. */
static void test_one_byte_batch(void **state)
{
	(void)state;
	struct patch_op ops[2] = {
		{ .addr = (u64)&text[48], .len = 1, .bytes = { 0xcc } },
		{ .addr = (u64)&text[16], .len = 1, .bytes = { 0xcc } },
	};
	assert_int_equal(patch_apply(ops, 2, PATCH_LIVE), 0);
	assert_int_equal(rounds, 2);
	assert_int_equal(writes, 4);
	assert_int_equal(seen[0][16], 0xcc);	/* already at round 1 */
	assert_int_equal(seen[0][48], 0xcc);
	assert_int_equal(text[16], 0xcc);
	assert_int_equal(text[48], 0xcc);
}

/* A one-byte op in a batch with sites: in round 1, then rewritten. */
static void test_mixed_batch(void **state)
{
	(void)state;
	static const u8 call[5] = { 0xe8, 1, 2, 3, 4 };
	struct patch_op ops[2] = {
		op5(32, call),
		{ .addr = (u64)&text[20], .len = 1, .bytes = { 0xcc } },
	};
	assert_int_equal(patch_apply(ops, 2, PATCH_LIVE), 0);
	assert_int_equal(rounds, 3);
	assert_int_equal(seen[0][20], 0xcc);
	assert_int_equal(seen[0][32], 0xcc);
	assert_memory_equal(&text[32], call, 5);
	assert_int_equal(writes, 6);	/* 2 + 2 + 2 */
}

static void test_parked_no_ipis(void **state)
{
	(void)state;
	static const u8 call[5] = { 0xe8, 9, 9, 9, 9 };
	struct patch_op ops[1] = { op5(0, call) };
	struct patch_stats s0, s1;
	patch_get_stats(&s0);
	assert_int_equal(patch_apply(ops, 1, PATCH_PARKED), 0);
	patch_get_stats(&s1);
	assert_int_equal(rounds, 0);
	assert_int_equal(s1.fast_batches - s0.fast_batches, 1);
	assert_int_equal(s1.sync_rounds, s0.sync_rounds);
	assert_memory_equal(text, call, 5);
	assert_int_equal(patch_apply(ops, 0, PATCH_LIVE), 0);	/* empty batch */
	assert_int_equal(rounds, 0);
}

/* What a CPU that traps mid-batch gets. */
static u8 new_insn[5];
static u64 trap_site, trap_pc;
static bool trap_claimed;

static bool trap_during_batch(void)
{
	if (rounds == 1) {	/* int3 is on byte 0 now */
		u64 pc = 0;
		trap_claimed = patch_int3(trap_site, &pc);
		trap_pc = pc;
	}
	return true;
}

static void apply_one(const u8 *b)
{
	memcpy(new_insn, b, 5);
	struct patch_op ops[1] = { op5(32, b) };
	trap_site = (u64)&text[32];
	trap_claimed = false;
	on_sync = trap_during_batch;
	rounds = 0;
	assert_int_equal(patch_apply(ops, 1, PATCH_LIVE), 0);
}

static void test_int3_emulation(void **state)
{
	(void)state;
	u64 site = (u64)&text[32];
	u64 pc = 1;
	/* No batch in flight: not ours. */
	assert_false(patch_int3(site, &pc));

	/* A NOP: skipped. */
	apply_one(nop5);
	assert_true(trap_claimed);
	assert_int_equal(trap_pc, site + 5);

	/* jmp rel32: to its target. */
	static const u8 jmp[5] = { 0xe9, 0x10, 0, 0, 0 };
	apply_one(jmp);
	assert_true(trap_claimed);
	assert_int_equal(trap_pc, site + 5 + 0x10);

	/* A call no emulator knows: rewind and retry. */
	static const u8 call[5] = { 0xe8, 0x10, 0, 0, 0 };
	apply_one(call);
	assert_true(trap_claimed);
	assert_int_equal(trap_pc, site);

	/* An address outside the batch: not ours. */
	on_sync = 0;
	assert_false(patch_int3(site + 16, &pc));
}

static bool emu_called;
static int emu(const struct patch_op *op, u64 *pc)
{
	emu_called = true;
	if (op->bytes[0] == 0x55)
		return -1;	/* someone else's */
	if (op->bytes[0] != 0xe8)
		return 0;
	*pc = op->addr + op->len;
	return 1;
}

static void test_emulator(void **state)
{
	(void)state;
	u64 site = (u64)&text[32];
	patch_set_emulator(emu);
	static const u8 call[5] = { 0xe8, 0x10, 0, 0, 0 };
	apply_one(call);
	assert_true(emu_called);
	assert_true(trap_claimed);
	assert_int_equal(trap_pc, site + 5);
	/* The emulator does not know it: retry. */
	static const u8 mov[5] = { 0xb8, 1, 0, 0, 0 };
	apply_one(mov);
	assert_true(trap_claimed);
	assert_int_equal(trap_pc, site);
	/* The emulator says it has an owner: not claimed. */
	static const u8 push[5] = { 0x55, 0x90, 0x90, 0x90, 0x90 };
	apply_one(push);
	assert_false(trap_claimed);
}

/* A breakpoint or probe being inserted: its int3 is not the engine's. */
static bool trap_on_new_int3(void)
{
	u64 pc;
	trap_claimed = patch_int3(trap_site, &pc);
	return true;
}

static void test_new_int3_not_claimed(void **state)
{
	(void)state;
	struct patch_op ops[1] = { { .addr = (u64)&text[16], .len = 1, .bytes = { 0xcc } } };
	trap_site = ops[0].addr;
	trap_claimed = true;
	on_sync = trap_on_new_int3;
	assert_int_equal(patch_apply(ops, 1, PATCH_LIVE), 0);
	assert_false(trap_claimed);
}

static void test_write_failure(void **state)
{
	(void)state;
	static const u8 call[5] = { 0xe8, 1, 1, 1, 1 };
	struct patch_op ops[1] = { op5(0, call) };
	fail_at_write = 1;	/* the int3 write */
	assert_int_equal(patch_apply(ops, 1, PATCH_LIVE), -1);
	assert_memory_equal(text, nop5, 5);	/* nothing changed */
	/* Still three rounds: CPUs may have seen the batch published. */
	assert_int_equal(rounds, 3);
	u64 pc;
	assert_false(patch_int3((u64)text, &pc));	/* no batch left in flight */
}

/* The int3 of the second site fails: the first is completed, the
 * second and third are left alone. */
static void test_write_failure_mid_batch(void **state)
{
	(void)state;
	static const u8 call[5] = { 0xe8, 1, 1, 1, 1 };
	struct patch_op ops[3] = { op5(0, call), op5(16, call), op5(32, call) };
	fail_at_write = 2;
	assert_int_equal(patch_apply(ops, 3, PATCH_LIVE), -1);
	assert_memory_equal(&text[0], call, 5);
	assert_memory_equal(&text[16], nop5, 5);
	assert_memory_equal(&text[32], nop5, 5);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_three_rounds, setup),
		cmocka_unit_test_setup(test_one_byte_batch, setup),
		cmocka_unit_test_setup(test_mixed_batch, setup),
		cmocka_unit_test_setup(test_parked_no_ipis, setup),
		cmocka_unit_test_setup(test_int3_emulation, setup),
		cmocka_unit_test_setup(test_emulator, setup),
		cmocka_unit_test_setup(test_new_int3_not_claimed, setup),
		cmocka_unit_test_setup(test_write_failure, setup),
		cmocka_unit_test_setup(test_write_failure_mid_batch, setup),
	};
	return cmocka_run_group_tests(tests, 0, 0);
}
