#include "patch.h"
#include "../lib/string.h"

static struct patch_stats stats;
/* The batch in flight, sorted by address, for patch_int3(). */
static struct patch_op *volatile inflight;
static volatile size_t inflight_n;

static void sort_ops(struct patch_op *ops, size_t n)
{
	for (size_t i = 1; i < n; i++) {
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

int patch_apply(struct patch_op *ops, size_t n, enum patch_mode mode)
{
	static const u8 int3 = 0xcc;

	sort_ops(ops, n);
	stats.batches++;
	if (mode == PATCH_PARKED) {
		stats.fast_batches++;
		for (size_t i = 0; i < n; i++)
			if (arch_text_write(ops[i].addr, ops[i].bytes, ops[i].len))
				return -1;
		return 0;
	}

	inflight_n = n;
	__atomic_store_n(&inflight, ops, __ATOMIC_RELEASE);
	int err = 0;
	for (size_t i = 0; i < n && !err; i++)
		if (ops[i].len > 1 && arch_text_write(ops[i].addr, &int3, 1))
			err = -1;
	sync_round();
	for (size_t i = 0; i < n && !err; i++)
		if (ops[i].len > 1 &&
		    arch_text_write(ops[i].addr + 1, ops[i].bytes + 1, ops[i].len - 1u))
			err = -1;
	sync_round();
	for (size_t i = 0; i < n && !err; i++)
		if (arch_text_write(ops[i].addr, ops[i].bytes, 1))
			err = -1;
	sync_round();
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
			__atomic_fetch_add(&stats.int3_emulated, 1, __ATOMIC_RELAXED);
			if (op->len == 5 && (op->bytes[0] == 0xe9)) {
				s32 rel;
				memcpy(&rel, op->bytes + 1, 4);
				*pc = addr + 5 + (u64)(s64)rel;
			} else if (is_nop(op)) {
				*pc = addr + op->len; /* a NOP of any length */
			} else {
				*pc = addr; /* retry until the batch is done */
			}
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
