/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
#include "bp.h"
#include "kstub_arch.h"
#include "kstub_port.h"
#include "rsp_parse.h"
#include "ax.h"
#include "tp.h"
#include "../hooks/hook.h"
#include "../hooks/patch.h"
#include "../lib/string.h"
#include "../lib/fmt.h"

#define BP_CODE_MAX 512
#define BP_CPUS 64

struct bp {
	u64 addr;		/* gdb's address */
	u64 at;			/* the int3's: addr, or past an instruction the
				 * kernel rewrites itself (port_bp_skip) */
	bool used;
	bool inserted;
	u8 orig[ARCH_BP_LEN];
	/* Target-side conditions and commands (bp_set_agent). */
	int ool;		/* hook_ool handle, -1 none */
	u8 nconds, ncmds;
	u16 len[2 * RSP_Z_EXPR_MAX];	/* conditions, then commands */
	u8 code[BP_CODE_MAX];
};

static struct bp bps[BP_MAX];
/* The inserted ones' addresses, packed: every int3 a probe takes asks
 * bp_inserted(), and a walk over bps[] (large entries) cost a probe hit
 * more than the rest of it under an emulator.  Rebuilt by the master,
 * others parked, at insert and remove. */
static u64 ins_addr[BP_MAX];
static u32 ins_n;

static void publish_inserted(void)
{
	u32 n = 0;
	__atomic_store_n(&ins_n, 0, __ATOMIC_RELEASE);
	for (int i = 0; i < BP_MAX; i++)
		if (bps[i].used && bps[i].inserted)
			ins_addr[n++] = bps[i].at;
	__atomic_store_n(&ins_n, n, __ATOMIC_RELEASE);
}

static struct bp *find(u64 addr)
{
	for (int i = 0; i < BP_MAX; i++)
		if (bps[i].used && bps[i].addr == addr)
			return &bps[i];
	return 0;
}

static struct bp *find_at(u64 at)
{
	for (int i = 0; i < BP_MAX; i++)
		if (bps[i].used && bps[i].at == at)
			return &bps[i];
	return 0;
}

int bp_add(u64 addr)
{
	u8 probe[ARCH_BP_LEN];
	if (find(addr))
		return 0;
	u64 at = addr + port_bp_skip(addr);
	const char *why = port_is_noprobe(at);
	/* An int3 inside a jump probe's jmp would cut it in two. */
	if (!why && hook_in_jump(at))
		why = "inside a jump-optimized probe's jmp";
	if (find_at(at))
		why = "another breakpoint's int3 is there (past a kernel-patched NOP)";
	if (why) {
		/* gdb's Z0 error carries no text: the kernel log does. */
		char line[128];
		kfmt_snprintf(line, sizeof(line), "kstub: no breakpoint at 0x%lx: %s", addr, why);
		port_log(line);
		return -1;
	}
	/* Refuse addresses we cannot read: gdb then reports the error. */
	if (arch_mem_read(probe, at, ARCH_BP_LEN))
		return -1;
	for (int i = 0; i < BP_MAX; i++) {
		if (!bps[i].used) {
			if (bps[i].nconds || bps[i].ncmds)
				hook_ool_put(bps[i].ool);
			bps[i].nconds = bps[i].ncmds = 0;
			bps[i].ool = -1;
			bps[i].addr = addr;
			bps[i].at = at;
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
	/* Stays "known" until reused: a CPU may still trap on it (its
	 * out-of-line copy too: a CPU with a false condition may be in it). */
	b->used = false;
	publish_inserted();
}

void bp_clear_all(void)
{
	for (int i = 0; i < BP_MAX; i++)
		bps[i].used = false;
	publish_inserted();
}

int bp_set_agent(u64 addr, const struct rsp_bp_agent *a, const char **why)
{
	struct bp *b = find(addr);
	u8 code[BP_CODE_MAX];
	u16 lens[2 * RSP_Z_EXPR_MAX];
	u32 used = 0;
	*why = 0;
	if (!b)
		return -1;
	for (int i = 0; i < a->nconds + a->ncmds; i++) {
		bool cond = i < a->nconds;
		const struct { const char *hex; u32 len; } *e =
			(const void *)(cond ? &a->conds[i] : &a->cmds[i - a->nconds]);
		struct ax_info info;
		size_t at;
		if (used + e->len > sizeof(code)) {
			*why = "conditions and commands longer than 512 bytes";
			return -1;
		}
		if (rsp_hex_decode(e->hex, e->len, code + used)) {
			*why = "bytecode is not hex";
			return -1;
		}
		int r = ax_verify(code + used, e->len, arch_gdb_nregs(), 0, 0, &info, &at);
		if (!r && cond && (info.collects || info.prints))
			r = AX_E_OPCODE;
		if (!r && !cond && info.collects)
			r = AX_E_OPCODE;	/* nothing to collect into */
		if (r) {
			*why = ax_strerror(r);
			return -1;
		}
		lens[i] = (u16)e->len;
		used += e->len;
	}
	if (b->nconds || b->ncmds) {
		hook_ool_put(b->ool);
		b->nconds = b->ncmds = 0;
		b->ool = -1;
	}
	if (!a->nconds && !a->ncmds)
		return 0;
	int h = hook_ool_get(b->at, why);
	if (h < 0) {
		if (!*why)
			*why = hook_strerror(h);
		return -1;
	}
	memcpy(b->code, code, used);
	memcpy(b->len, lens, sizeof(lens));
	b->ool = h;
	b->nconds = a->nconds;
	b->ncmds = a->ncmds;
	return 0;
}

/* A condition may call kernel code that has a conditional breakpoint of
 * its own: the nested hit just stops instead of recursing. */
static volatile u8 in_hit[BP_CPUS];

bool bp_hit(u64 addr, struct arch_regs *r)
{
	struct bp *b = find_at(addr);
	unsigned cpu = port_cpu_id();
	if (!b || !b->inserted || cpu >= BP_CPUS || in_hit[cpu])
		return true;
	/* Locals: the debugger may redefine the slot while this CPU is
	 * stopped half way (the copy is then refused by its address). */
	u8 nconds = b->nconds, ncmds = b->ncmds;
	int ool = b->ool;
	if ((!nconds && !ncmds) || nconds + ncmds > 2 * RSP_Z_EXPR_MAX)
		return true;
	in_hit[cpu] = 1;
	arch_regs_set_pc(r, addr);
	const u8 *code = b->code, *end = b->code + sizeof(b->code);
	bool take = !nconds, go_on = false;
	for (int i = 0; i < nconds + ncmds; i++) {
		u32 len = b->len[i];
		u64 res = 0;
		if (len > (size_t)(end - code))
			break;
		int e = tp_eval(code, len, r, &res);
		/* A condition that cannot be evaluated stops, as in gdb. */
		if (i < nconds && (e || res))
			take = true;
		code += len;
		if (i == nconds - 1 && !take)
			break;
	}
	if (!take || ncmds)
		go_on = hook_ool_run(ool, addr, r);
	in_hit[cpu] = 0;
	return !go_on;
}

void bp_insert_all(void)
{
	bp_insert_all_mode(PATCH_PARKED);
}

void bp_insert_all_mode(enum patch_mode mode)
{
	/* Static: 2 KiB is too much for an NMI or #DB stack, and only the
	 * CPU that holds the link (master or live server) gets here. */
	static struct patch_op ops[BP_MAX];
	static struct bp *who[BP_MAX];
	size_t n = 0;
	for (int i = 0; i < BP_MAX; i++) {
		struct bp *b = &bps[i];
		if (!b->used || b->inserted || hook_in_jump(b->at))
			continue;	/* (a jump probe came after it) */
		if (arch_mem_read(b->orig, b->at, ARCH_BP_LEN))
			continue;
		ops[n].addr = b->at;
		ops[n].len = ARCH_BP_LEN;
		memcpy(ops[n].bytes, arch_bp_insn, ARCH_BP_LEN);
		who[n++] = b;
	}
	if (!n)
		return;
	/* patch_apply sorts ops; match them back by address. */
	patch_apply(ops, n, mode);
	for (size_t i = 0; i < n; i++)
		who[i]->inserted = true;
	publish_inserted();
}

/* Original bytes back where an int3 is in: every one, or only those of
 * deleted breakpoints. */
static void remove_where(bool unused_only, enum patch_mode mode)
{
	static struct patch_op ops[BP_MAX];	/* as bp_insert_all_mode */
	size_t n = 0;
	for (int i = 0; i < BP_MAX; i++) {
		struct bp *b = &bps[i];
		if (!b->inserted || (unused_only && b->used))
			continue;
		ops[n].addr = b->at;
		ops[n].len = ARCH_BP_LEN;
		memcpy(ops[n].bytes, b->orig, ARCH_BP_LEN);
		n++;
		b->inserted = false;
	}
	publish_inserted();
	if (n)
		patch_apply(ops, n, mode);
}

void bp_remove_all(void)
{
	remove_where(false, PATCH_PARKED);
}

void bp_remove_unused(enum patch_mode mode)
{
	remove_where(true, mode);
}

bool bp_inserted(u64 addr)
{
	u32 n = __atomic_load_n(&ins_n, __ATOMIC_ACQUIRE);
	for (u32 i = 0; i < n; i++)
		if (ins_addr[i] == addr)
			return true;
	return false;
}

bool bp_known(u64 addr)
{
	for (int i = 0; i < BP_MAX; i++)
		if (bps[i].at == addr && (bps[i].used || bps[i].inserted))
			return true;
	return false;
}

u64 bp_stop_pc(u64 at)
{
	for (int i = 0; i < BP_MAX; i++)
		if (bps[i].at == at && (bps[i].used || bps[i].inserted))
			return bps[i].addr;
	return at;
}

u64 bp_resume_pc(u64 pc)
{
	/* Deleted ones too: gdb steps over a breakpoint with it removed
	 * (z0, step, Z0), and a step onto the skipped instruction would
	 * leave the CPU in front of the int3 it is stepping over. */
	for (int i = 0; i < BP_MAX; i++)
		if (bps[i].addr == pc && bps[i].at != pc)
			return bps[i].at;
	return pc;
}

