/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
/*
 * The patch engine (hooks/patch.h): every change to kernel text.
 *
 * Why the int3 protocol works (Intel SDM vol. 3, 8.1.3 "Handling
 * Self- and Cross-Modifying Code"): another CPU may be fetching the site
 * while we write it, and a multi-byte store is not atomic with respect to
 * instruction fetch.  A single-byte store of int3 (CC) is: a CPU sees the
 * old first byte or CC, never a mix.  So:
 *   1. CC on byte 0 of every site; sync.  From now on no CPU starts the
 *      old instruction; any that reaches the site traps.
 *   2. Write the tails (bytes 1..len-1); sync.  Nobody executes them: the
 *      only way in is byte 0, which is CC.
 *   3. Write every byte 0; sync.  Every CPU has serialized and sees the
 *      whole new instruction.
 * A sync is port_sync_others(): an IPI after which every other CPU has
 * executed a serializing instruction, so none holds stale prefetched
 * bytes.  A batch whose ops are all one byte long (breakpoints, probes)
 * needs two rounds (write, sync, write again, sync: see patch_apply).
 *
 * A CPU that traps on a site of the batch in flight comes to
 * patch_int3(), which emulates the new instruction:
 *   - a NOP of any length: skip it;
 *   - jmp rel32: go to its target;
 *   - whatever the registered emulator accepts, or hands back to its
 *     owner (a probe being removed: the probe handler runs the
 *     displaced instruction out of line, whatever byte 0 holds now);
 *   - int3 itself (a breakpoint or probe being inserted): not ours, the
 *     caller hands it on to the breakpoint and probe handlers;
 *   - anything else: rewind and retry (pc = addr) until byte 0 is
 *     written.  A call cannot be emulated here: pushing a return address
 *     would need the trap frame, and on x86_64 a kernel-mode #BP frame
 *     sits right below the interrupted stack, where the push would land.
 *     Retrying is safe only while the trapping CPU can take the sync IPI
 *     (IRQs on) or when the write it waits for comes without a sync
 *     (one-byte batches); multi-byte ops that are not emulated must
 *     therefore be applied with other CPUs parked (PATCH_PARKED), as the
 *     debugger's writes to text are.
 */
#include "patch.h"
#include "../lib/string.h"

static struct patch_stats stats;
/* The batch in flight, sorted by address, for patch_int3(). */
static struct patch_op *volatile inflight;
static volatile size_t inflight_n;
static patch_emulate_fn emulator;

static void sort_ops(struct patch_op *ops, size_t n)
{
	/* Insertion sort: callers usually pass sorted or nearly sorted
	 * batches (the hook layer's sites are kept in address order). */
	for (size_t i = 1; i < n; i++) {
		if (ops[i - 1].addr <= ops[i].addr)
			continue;
		struct patch_op t = ops[i];
		size_t j = i;
		while (j && ops[j - 1].addr > t.addr) {
			ops[j] = ops[j - 1];
			j--;
		}
		ops[j] = t;
	}
}

/* 90, 66 90, 0F 1F /0 and 66 0F 1F /0: the NOPs hook sites use. */
static bool is_nop(const struct patch_op *op)
{
	const u8 *b = op->bytes;
	size_t i = (b[0] == 0x66 && op->len > 1) ? 1 : 0;
	if (b[i] == 0x90)
		return i + 1 == op->len;
	return i + 2 < op->len && b[i] == 0x0f && b[i + 1] == 0x1f;
}

static void sync_round(void)
{
	stats.sync_rounds++;
	stats.ipis += port_sync_others();
}

void patch_set_emulator(patch_emulate_fn fn)
{
	emulator = fn;
}

int patch_apply(struct patch_op *ops, size_t n, enum patch_mode mode)
{
	static const u8 int3 = 0xcc;

	if (!n)
		return 0;
	sort_ops(ops, n);
	stats.batches++;
	if (mode == PATCH_PARKED) {
		stats.fast_batches++;
		for (size_t i = 0; i < n; i++)
			if (arch_text_write(ops[i].addr, ops[i].bytes, ops[i].len))
				return -1;
		return 0;
	}

	bool multi = false;
	for (size_t i = 0; i < n; i++)
		multi |= ops[i].len > 1;

	/*
	 * One-byte ops are written whole in round 1 (a one-byte store is
	 * atomic for the fetcher) and written again, same value, in the
	 * later rounds.  The rewrite matters only under QEMU TCG: a vCPU
	 * that translates a block while another vCPU stores into it may keep
	 * a translation of the bytes from before the store (QEMU drops a
	 * page's translations before the store lands), and run it until the
	 * page is written again.  The rewrite after a sync round drops every
	 * translation made before it; a rewrite cannot leave a stale one of
	 * its own, since it changes nothing.  Multi-byte sites need no such
	 * care: round 2's tails drop translations of the old instruction,
	 * and a stale int3 after round 3 only traps (probe.c reruns it).
	 *
	 * Failures: a write fails only where the alias does not map the
	 * address, so in practice at a site's first write.  If the first
	 * write of op f fails, ops before f are completed and f and the rest
	 * are left as they were.  A later failure (tail or byte 0) leaves
	 * that site guarded by its int3 and the batch goes on.
	 */
	size_t live_n = n;
	int err = 0;
	inflight_n = n;
	__atomic_store_n(&inflight, ops, __ATOMIC_RELEASE);
	for (size_t i = 0; i < n; i++) {
		const u8 *b = ops[i].len > 1 ? &int3 : ops[i].bytes;
		if (arch_text_write(ops[i].addr, b, 1)) {
			live_n = i;
			err = -1;
			break;
		}
	}
	sync_round();
	for (size_t i = 0; i < live_n; i++) {
		size_t k = ops[i].len > 1 ? 1 : 0;
		if (arch_text_write(ops[i].addr + k, ops[i].bytes + k,
				    ops[i].len > 1 ? ops[i].len - 1u : 1))
			err = -1;
	}
	sync_round();
	if (multi) {
		for (size_t i = 0; i < live_n; i++)
			if (arch_text_write(ops[i].addr, ops[i].bytes, 1))
				err = -1;
		sync_round();
	}
	__atomic_store_n(&inflight, (struct patch_op *)0, __ATOMIC_RELEASE);
	return err;
}

bool patch_int3(u64 addr, u64 *pc)
{
	struct patch_op *ops = __atomic_load_n(&inflight, __ATOMIC_ACQUIRE);
	if (!ops)
		return false;
	size_t lo = 0, hi = inflight_n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (ops[mid].addr == addr) {
			const struct patch_op *op = &ops[mid];
			if (op->bytes[0] == 0xcc)
				return false; /* the new insn is this int3 */
			int e = 0;
			if (op->len == 5 && (op->bytes[0] == 0xe9)) {
				s32 rel;
				memcpy(&rel, op->bytes + 1, 4);
				*pc = addr + 5 + (u64)(s64)rel;
			} else if (is_nop(op)) {
				*pc = addr + op->len; /* a NOP of any length */
			} else if (emulator && (e = emulator(op, pc)) != 0) {
				if (e < 0)
					return false; /* its owner runs it */
			} else {
				/* Retry until the batch is done.  A one-byte op is
				 * written in round 1; writing it here too drops a
				 * stale translation (see patch_apply) that would
				 * otherwise keep this CPU trapping. */
				if (op->len == 1)
					arch_text_write(addr, op->bytes, 1);
				*pc = addr;
			}
			__atomic_fetch_add(&stats.int3_emulated, 1, __ATOMIC_RELAXED);
			return true;
		}
		if (ops[mid].addr < addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

void patch_get_stats(struct patch_stats *s)
{
	*s = stats;
}
