#include "bp.h"
#include "kstub_arch.h"
#include "kstub_port.h"
#include "../hooks/patch.h"
#include "../lib/string.h"

struct bp {
	u64 addr;
	bool used;
	bool inserted;
	u8 orig[ARCH_BP_LEN];
};

static struct bp bps[BP_MAX];

static struct bp *find(u64 addr)
{
	for (int i = 0; i < BP_MAX; i++)
		if (bps[i].used && bps[i].addr == addr)
			return &bps[i];
	return 0;
}

int bp_add(u64 addr)
{
	u8 probe[ARCH_BP_LEN];
	if (find(addr))
		return 0;
	if (port_is_noprobe(addr))
		return -1;
	/* Refuse addresses we cannot read: gdb then reports the error. */
	if (arch_mem_read(probe, addr, ARCH_BP_LEN))
		return -1;
	for (int i = 0; i < BP_MAX; i++) {
		if (!bps[i].used) {
			bps[i].addr = addr;
			bps[i].inserted = false;
			__atomic_store_n(&bps[i].used, true, __ATOMIC_RELEASE);
			return 0;
		}
	}
	return -1;
}

void bp_del(u64 addr)
{
	struct bp *b = find(addr);
	if (!b)
		return;
	/* Stays "known" until reused: a CPU may still trap on it. */
	b->used = false;
}

void bp_clear_all(void)
{
	for (int i = 0; i < BP_MAX; i++)
		bps[i].used = false;
}

void bp_insert_all(void)
{
	struct patch_op ops[BP_MAX];
	struct bp *who[BP_MAX];
	size_t n = 0;
	for (int i = 0; i < BP_MAX; i++) {
		struct bp *b = &bps[i];
		if (!b->used || b->inserted)
			continue;
		if (arch_mem_read(b->orig, b->addr, ARCH_BP_LEN))
			continue;
		ops[n].addr = b->addr;
		ops[n].len = ARCH_BP_LEN;
		memcpy(ops[n].bytes, arch_bp_insn, ARCH_BP_LEN);
		who[n++] = b;
	}
	if (!n)
		return;
	/* patch_apply sorts ops; match them back by address. */
	patch_apply(ops, n, PATCH_PARKED);
	for (size_t i = 0; i < n; i++)
		who[i]->inserted = true;
}

void bp_remove_all(void)
{
	struct patch_op ops[BP_MAX];
	size_t n = 0;
	for (int i = 0; i < BP_MAX; i++) {
		struct bp *b = &bps[i];
		if (!b->inserted)
			continue;
		ops[n].addr = b->addr;
		ops[n].len = ARCH_BP_LEN;
		memcpy(ops[n].bytes, b->orig, ARCH_BP_LEN);
		n++;
		b->inserted = false;
	}
	if (n)
		patch_apply(ops, n, PATCH_PARKED);
}

bool bp_known(u64 addr)
{
	for (int i = 0; i < BP_MAX; i++)
		if (bps[i].addr == addr && (bps[i].used || bps[i].inserted))
			return true;
	return false;
}

