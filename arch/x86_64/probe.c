/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
/*
 * x86_64 probes: an int3 on any instruction the decoder proves and
 * accepts; on a hit the exits run (hooks/hook.c) and the displaced
 * instruction is executed without putting it back.
 *
 * Placement (arch_probe_prepare, task context, hook lock held):
 *   - the address must be an instruction boundary: decode linearly from
 *     the start of the enclosing symbol (port_sym_start), with our own
 *     probes' int3 read as the bytes they replaced;
 *   - refused, with a reason: int3, iret, far transfers, instructions
 *     that load SS, software interrupts and system calls, ud0/1/2, hlt,
 *     xbegin, 16-bit branches and flags ops, 32-bit loop counters and
 *     rip-relative operands, instructions with an exception fixup, and
 *     (hooks/hook.c) the debugger, patch engine and trap path;
 *   - the rest either runs out of line or is emulated.
 *
 * Out of line (PROBE_OOL): a 128-byte slot in .probe_slots (text, so
 * executable and read-only; written through the alias) holds two copies:
 *
 *   slot + 0    for hits with IF clear:  insn'  jmp addr+len
 *   slot + 64   for hits with IF set:    insn'  sti  jmp addr+len
 *
 * The handler resumes at one of them with IF clear, so no interrupt is
 * ever taken while a CPU is inside a slot (the sti shadow covers the jmp
 * back): a CPU that answers a sync IPI is not in a slot, and a slot can
 * be reused after one sync round, like every other hook object.
 * insn' is the instruction with its rip-relative displacement moved to
 * the slot's address.  Instructions that leave the slot themselves (ret,
 * indirect jmp) get the sti before them instead of after.  Calls are
 * rewritten: `call X` pushes the original return address (addr+len)
 * without touching flags or registers and jumps to X:
 *
 *   lea -8(%rsp),%rsp; movl $lo,(%rsp); movl $hi,4(%rsp); [sti;] jmp X
 *
 * so the callee returns to the original code, never to the slot (a task
 * may sleep in the callee while the probe goes away).  pushf with IF set
 * pushes the flags with IF set:
 *
 *   pushf; orl $0x200,(%rsp); push (%rsp); andl $~0x200,(%rsp); popf;
 *   sti; jmp addr+len
 *
 * (the or/and change the live flags; the popf restores them exactly).
 *
 * Emulated in the handler, from the trap frame: jmp/jcc rel8/rel32,
 * loop/loope/loopne/jrcxz (they only change rip and rcx), and the IF
 * changers cli, sti, popf (they need no stack below rsp: the #BP frame
 * and the handler's own stack sit just below the interrupted rsp
 * (entry.S leaves a gap, for gdb's function calls, not for us), so the
 * handler does not push there; that is why calls go through the slot).
 * An emulated sti
 * has no one-instruction interrupt shadow: `sti; hlt` probed on the sti
 * may sleep until the next interrupt after the one it waited for.
 */
#include "../../hooks/hook_arch.h"
#include "../../hooks/hook_port.h"
#include "../../hooks/patch.h"
#include "../../lib/string.h"
#include "../../stub/kstub_arch.h"
#include "decode.h"
#include "paging.h"
#include "probe.h"
#include "regs.h"
#include "trap.h"

#define SLOT_SIZE 128
#define SLOT_IF 64		/* offset of the IF-set copy */
#define JUMP_COPY 7		/* jump detours: offset of the IF-clear copy */
#define MAX_SYM_OFFSET 0x10000	/* farther from a symbol: not trusted */

extern u8 probe_slots[], probe_slots_end[];

enum { SLOT_FREE, SLOT_USED, SLOT_COOLING };
static u8 slot_state[256];
static u64 slot_probe[256];	/* jump detours: the probed address */

static size_t nslots(void)
{
	size_t n = (size_t)(probe_slots_end - probe_slots) / SLOT_SIZE;
	return n < ARRAY_SIZE(slot_state) ? n : ARRAY_SIZE(slot_state);
}

static int slot_get(void)
{
	size_t s = 0, n = nslots();
	while (s < n && slot_state[s] != SLOT_FREE)
		s++;
	return s < n ? (int)s : -1;
}

/* Read the instruction bytes at addr as the code is without our
 * probes: up to n bytes, fewer where the mapping ends. */
static size_t read_code(u64 addr, u8 *buf, size_t n)
{
	size_t left = arch_copy_safe(buf, (const void *)addr, n);
	for (size_t i = 0; i < n - left; i++)
		if (buf[i] == 0xcc)
			hook_probe_orig(addr + i, &buf[i]);
	return n - left;
}

/* Decode from the symbol's start to addr; *why on failure. */
static int prove_boundary(u64 addr, struct x86_insn *in, u8 *code, const char **why)
{
	const char *sym = 0;
	u64 pc = port_sym_start(addr, &sym);
	if (!pc) {
		*why = "no symbol here: cannot prove an instruction boundary";
		return -1;
	}
	if (addr - pc > MAX_SYM_OFFSET) {
		*why = "too far from the symbol's start to prove a boundary";
		return -1;
	}
	for (;;) {
		size_t got = read_code(pc, code, X86_MAX_INSN_LEN);
		if (!got) {
			*why = "unreadable code";
			return -1;
		}
		if (code[0] == 0xcc && pc < addr) {
			*why = "an int3 (breakpoint?) before the address: cannot prove the boundary";
			return -1;
		}
		int len = x86_decode(code, got, in);
		if (len < 0) {
			*why = pc == addr ? "not a valid instruction"
					  : "undecodable instruction before the address";
			return -1;
		}
		if (pc == addr)
			return 0;
		pc += (u64)len;
		if (pc > addr) {
			*why = "not an instruction boundary";
			return -1;
		}
	}
}

static const char *refusal(const struct x86_insn *in, u64 addr)
{
	if (in->flags & X86_F_INT3)
		return "int3";
	switch (in->branch) {
	case X86_BR_IRET: return "iret";
	case X86_BR_FAR: return "far transfer";
	case X86_BR_INT: return "software interrupt or system call";
	case X86_BR_XBEGIN: return "xbegin (transactional)";
	default: break;
	}
	if (in->flags & X86_F_LOADS_SS)
		return "loads SS";
	if (in->flags & X86_F_UD)
		return "ud0/ud1/ud2 (raises #UD on purpose)";
	if (in->flags & X86_F_HLT)
		return "hlt (cannot run out of line with IF clear)";
	if (in->rip_relative && in->addrsize == 4)
		return "32-bit rip-relative address";
	if ((in->branch == X86_BR_JMP_REL || in->branch == X86_BR_JCC_REL ||
	     in->branch == X86_BR_CALL_REL) && (in->flags & X86_F_OPSIZE))
		return "16-bit branch";
	if (in->branch == X86_BR_LOOP_REL && (in->flags & X86_F_ADDRSIZE))
		return "loop with a 32-bit counter";
	if (in->encoding == X86_ENC_LEGACY && in->map == X86_MAP_1BYTE &&
	    (in->opcode[0] == 0x9c || in->opcode[0] == 0x9d) &&
	    (in->flags & X86_F_OPSIZE))
		return "16-bit pushf/popf";
	if (port_has_fixup(addr))
		return "has an exception fixup";
	return 0;
}

/* --- slot building ------------------------------------------------- */

struct emit {
	u8 buf[SLOT_SIZE];
	size_t pos;
	u64 base;		/* address of buf[0] */
	bool ok;
};

static void put(struct emit *e, const void *p, size_t n)
{
	if (e->pos + n > SLOT_SIZE) {
		e->ok = false;
		return;
	}
	memcpy(e->buf + e->pos, p, n);
	e->pos += n;
}

static void put_rel32_jmp(struct emit *e, u64 target)
{
	s64 rel = (s64)(target - (e->base + e->pos + 5));
	if (rel != (s32)rel) {
		e->ok = false;
		return;
	}
	s32 r = (s32)rel;
	u8 j = 0xe9;
	put(e, &j, 1);
	put(e, &r, 4);
}

/* The probed instruction at e's position, its rip-relative operand
 * moved; modrm_reg >= 0 replaces the ModRM reg field (call -> jmp). */
static void put_insn(struct emit *e, const struct x86_insn *in, const u8 *code,
		     u64 addr, int modrm_reg)
{
	u8 c[X86_MAX_INSN_LEN];
	memcpy(c, code, in->len);
	if (modrm_reg >= 0)
		c[in->modrm_offset] = (u8)((c[in->modrm_offset] & ~0x38) | (modrm_reg << 3));
	if (in->rip_relative) {
		u64 target = x86_rip_target(in, addr);
		s64 d = (s64)(target - (e->base + e->pos + in->len));
		if (d != (s32)d) {
			e->ok = false;
			return;
		}
		s32 d32 = (s32)d;
		memcpy(c + in->disp_offset, &d32, 4);
	}
	put(e, c, in->len);
}

/* Push ret without touching flags or other registers. */
static void put_push_ret(struct emit *e, u64 ret)
{
	static const u8 lea[] = { 0x48, 0x8d, 0x64, 0x24, 0xf8 };	/* lea -8(%rsp),%rsp */
	u32 lo = (u32)ret, hi = (u32)(ret >> 32);
	u8 m1[7] = { 0xc7, 0x04, 0x24 };		/* movl $lo,(%rsp) */
	u8 m2[8] = { 0xc7, 0x44, 0x24, 0x04 };		/* movl $hi,4(%rsp) */
	memcpy(m1 + 3, &lo, 4);
	memcpy(m2 + 4, &hi, 4);
	put(e, lea, sizeof(lea));
	put(e, m1, sizeof(m1));
	put(e, m2, sizeof(m2));
}

static const u8 STI = 0xfb;

/* One copy of the slot: if_set says whether it ends (or leaves) with sti. */
static void build_copy(struct emit *e, const struct x86_insn *in, const u8 *code,
		       u64 addr, bool if_set)
{
	u64 next = addr + in->len;
	bool pushf = in->encoding == X86_ENC_LEGACY && in->map == X86_MAP_1BYTE &&
		     in->opcode[0] == 0x9c;

	switch (in->branch) {
	case X86_BR_CALL_REL:
		put_push_ret(e, next);
		if (if_set)
			put(e, &STI, 1);
		put_rel32_jmp(e, x86_branch_target(in, addr));
		return;
	case X86_BR_CALL_IND:
		put_push_ret(e, next);
		if (if_set)
			put(e, &STI, 1);
		put_insn(e, in, code, addr, 4);	/* FF /2 -> FF /4 */
		return;
	case X86_BR_RET:
	case X86_BR_JMP_IND:
		if (if_set)
			put(e, &STI, 1);
		put_insn(e, in, code, addr, -1);
		return;
	default:
		break;
	}
	if (pushf && if_set) {
		static const u8 seq[] = {
			0x9c,					/* pushf */
			0x81, 0x0c, 0x24, 0x00, 0x02, 0x00, 0x00, /* orl $0x200,(%rsp) */
			0xff, 0x34, 0x24,			/* push (%rsp) */
			0x81, 0x24, 0x24, 0xff, 0xfd, 0xff, 0xff, /* andl $~0x200,(%rsp) */
			0x9d,					/* popf */
		};
		put(e, seq, sizeof(seq));
	} else {
		put_insn(e, in, code, addr, -1);
	}
	if (if_set)
		put(e, &STI, 1);
	put_rel32_jmp(e, next);
}

/* An indirect call whose operand is rsp or based on rsp would see rsp
 * moved by the push we emulate first. */
static bool uses_rsp(const struct x86_insn *in)
{
	u8 mod = in->modrm >> 6, rm = in->modrm & 7;
	bool rex_b = in->rex_bits & 1;
	if (mod == 3)
		return rm == 4 && !rex_b;
	if (rm != 4)
		return false;
	return (in->sib & 7) == 4 && !rex_b;	/* SIB base = rsp */
}

int arch_probe_prepare(u64 addr, struct arch_probe *p, const char **why)
{
	struct x86_insn in;
	u8 code[X86_MAX_INSN_LEN];

	memset(p, 0, sizeof(*p));
	if (prove_boundary(addr, &in, code, why))
		return -1;
	if ((*why = refusal(&in, addr)) != 0)
		return -1;
	if (in.branch == X86_BR_CALL_IND && uses_rsp(&in)) {
		*why = "indirect call through rsp";
		return -1;
	}
	p->addr = addr;
	p->len = in.len;
	memcpy(p->orig, code, in.len);

	u8 op = in.opcode[0];
	bool one = in.encoding == X86_ENC_LEGACY && in.map == X86_MAP_1BYTE;
	switch (in.branch) {
	case X86_BR_JMP_REL:
		p->kind = PROBE_JMP;
		p->target = x86_branch_target(&in, addr);
		return 0;
	case X86_BR_JCC_REL:
		p->kind = PROBE_JCC;
		p->cond = (u8)((one ? op : in.opcode[1]) & 15);
		p->target = x86_branch_target(&in, addr);
		return 0;
	case X86_BR_LOOP_REL:
		p->kind = PROBE_LOOP;
		p->cond = op;
		p->target = x86_branch_target(&in, addr);
		return 0;
	default:
		break;
	}
	if (one && op == 0xfa) {
		p->kind = PROBE_CLI;
		return 0;
	}
	if (one && op == 0xfb) {
		p->kind = PROBE_STI;
		return 0;
	}
	if (one && op == 0x9d) {
		p->kind = PROBE_POPF;
		return 0;
	}

	int s = slot_get();
	if (s < 0) {
		*why = "no free out-of-line slot";
		return -1;
	}
	u64 base = (u64)probe_slots + (u64)s * SLOT_SIZE;
	struct emit e;
	memset(e.buf, 0xcc, sizeof(e.buf));
	e.ok = true;
	e.base = base;
	e.pos = 0;
	build_copy(&e, &in, code, addr, false);
	if (e.pos > SLOT_IF)
		e.ok = false;
	e.pos = SLOT_IF;
	build_copy(&e, &in, code, addr, true);
	if (!e.ok) {
		*why = "cannot relocate the instruction to a slot";
		return -1;
	}
	if (arch_text_write(base, e.buf, SLOT_SIZE)) {
		*why = "cannot write the slot";
		return -1;
	}
	slot_state[s] = SLOT_USED;
	p->kind = PROBE_OOL;
	p->slot = base;
	p->slot_if = base + SLOT_IF;
	return 0;
}

void arch_probe_release(struct arch_probe *p)
{
	if ((p->kind != PROBE_OOL && p->kind != PROBE_JUMP) || !p->slot)
		return;
	size_t s = (size_t)(p->slot - (u64)probe_slots) / SLOT_SIZE;
	if (s < ARRAY_SIZE(slot_state))
		slot_state[s] = p->kind == PROBE_JUMP ? SLOT_COOLING : SLOT_FREE;
	p->slot = 0;
}

/*
 * A detour's window with IRQs on is its first two bytes (pushfq, cli):
 * a CPU interrupted there, or a task the kernel preempted there (the
 * reference kernel does not preempt code in slots, but a port may), would
 * come back to a slot already reused.  So a released detour cools until
 * the port sees no CPU and no task with its next instruction in it.
 */
bool arch_probe_cooling(void)
{
	for (size_t s = 0; s < nslots(); s++)
		if (slot_state[s] == SLOT_COOLING)
			return true;
	return false;
}

void arch_probe_synced(void)
{
	u64 lo = ~0ull, hi = 0;
	for (size_t s = 0; s < nslots(); s++) {
		if (slot_state[s] != SLOT_COOLING)
			continue;
		u64 b = (u64)probe_slots + s * SLOT_SIZE;
		lo = MIN(lo, b);
		hi = MAX(hi, b + SLOT_SIZE);
	}
	if (!hi || port_text_busy(lo, hi))
		return;
	for (size_t s = 0; s < nslots(); s++)
		if (slot_state[s] == SLOT_COOLING)
			slot_state[s] = SLOT_FREE;
}

static void jmp_to(u64 from, u64 to, u8 *out)
{
	s32 rel = (s32)((s64)to - (s64)(from + 5));
	out[0] = 0xe9;
	memcpy(out + 1, &rel, 4);
}

size_t arch_probe_insn(const struct arch_probe *p, bool armed, u8 *out)
{
	if (p->kind == PROBE_JUMP && p->jumped) {
		if (armed)
			jmp_to(p->addr, p->slot, out);
		else
			memcpy(out, p->orig, 5);
		return 5;
	}
	out[0] = armed ? 0xcc : p->orig[0];
	return 1;
}

size_t arch_probe_jump_insn(const struct arch_probe *p, bool jmp, u8 *out)
{
	if (jmp) {
		jmp_to(p->addr, p->slot, out);
	} else {
		memcpy(out, p->orig, 5);
		out[0] = 0xcc;
	}
	return 5;
}

/* --- the hit ------------------------------------------------------- */

#define F_CF (1u << 0)
#define F_PF (1u << 2)
#define F_ZF (1u << 6)
#define F_SF (1u << 7)
#define F_OF (1u << 11)

static bool cond_true(u8 cc, u64 f)
{
	bool r;
	switch (cc >> 1) {
	case 0: r = f & F_OF; break;				/* o */
	case 1: r = f & F_CF; break;				/* b */
	case 2: r = f & F_ZF; break;				/* e */
	case 3: r = (f & F_CF) || (f & F_ZF); break;		/* be */
	case 4: r = f & F_SF; break;				/* s */
	case 5: r = f & F_PF; break;				/* p */
	case 6: r = !(f & F_SF) != !(f & F_OF); break;		/* l */
	default: r = (f & F_ZF) || (!(f & F_SF) != !(f & F_OF)); break; /* le */
	}
	return (cc & 1) ? !r : r;
}

/*
 * An int3 at one of our sites or former probes when no batch has it in
 * flight and memory no longer holds int3: the CPU executed code older
 * than memory.  Real CPUs cannot (every batch ends with a sync round:
 * each CPU serialized after the last write), but QEMU TCG can: a vCPU
 * that translates a block while another vCPU writes the page may keep a
 * translation of the bytes from before the write (the writer invalidates
 * the page's translations before its store lands), and then runs it
 * until the page is written again.  So write the byte again, with a
 * locked cmpxchg of the same value through the alias (it cannot undo a
 * concurrent writer's int3; on QEMU any store to the page drops its
 * translations), and rerun the instruction.
 * If memory holds int3 now, the next batch has started since
 * patch_int3() looked (its int3 lands after it is published): ask again.
 * False if the int3 is nobody's of ours after all.
 */
static bool refetch(struct arch_regs *r, u64 addr)
{
	u8 *alias = arch_text_alias((const void *)addr);
	u8 now = __atomic_load_n((const u8 *)addr, __ATOMIC_ACQUIRE);
	u64 pc;
	if (!alias)
		return false;
	if (now == 0xcc) {
		if (!patch_int3(addr, &pc))
			return false;
		r->rip = pc;
		return true;
	}
	__atomic_compare_exchange_n(alias, &now, now, false, __ATOMIC_SEQ_CST,
				    __ATOMIC_SEQ_CST);
	r->rip = addr;
	return true;
}

/* Flags popf may change in ring 0 (not RF, VM, VIF, VIP). */
#define POPF_MASK 0x00247fd5ull

/* Run the displaced instruction of p for a CPU trapped at p->addr
 * (r->rip == p->addr): out of line, or emulated. */
void arch_probe_resume(const struct arch_probe *p, struct arch_regs *r)
{
	u64 addr = p->addr;
	u64 next = addr + p->len;
	switch (p->kind) {
	case PROBE_OOL:
	case PROBE_JUMP:	/* its int3, before the jmp is in: all of the
				 * displaced instructions, so no CPU enters
				 * the bytes the jmp will cover */
		if (r->rflags & X86_EFLAGS_IF) {
			r->rflags &= ~(u64)X86_EFLAGS_IF;
			r->rip = p->slot_if;
		} else {
			r->rip = p->kind == PROBE_JUMP ? p->slot + JUMP_COPY : p->slot;
		}
		break;
	case PROBE_JMP:
		r->rip = p->target;
		break;
	case PROBE_JCC:
		r->rip = cond_true(p->cond, r->rflags) ? p->target : next;
		break;
	case PROBE_LOOP: {
		bool taken;
		if (p->cond == 0xe3) {
			taken = r->rcx == 0;			/* jrcxz */
		} else {
			r->rcx--;
			taken = r->rcx != 0;
			if (p->cond == 0xe1)			/* loope */
				taken = taken && (r->rflags & F_ZF);
			else if (p->cond == 0xe0)		/* loopne */
				taken = taken && !(r->rflags & F_ZF);
		}
		r->rip = taken ? p->target : next;
		break;
	}
	case PROBE_CLI:
		r->rflags &= ~(u64)X86_EFLAGS_IF;
		r->rip = next;
		break;
	case PROBE_STI:
		r->rflags |= X86_EFLAGS_IF;
		r->rip = next;
		break;
	case PROBE_POPF: {
		u64 v = *(const u64 *)r->rsp;
		r->rflags = (r->rflags & ~POPF_MASK) | (v & POPF_MASK) | 2;
		r->rsp += 8;
		r->rip = next;
		break;
	}
	}
}

bool arch_in_probe_slot(u64 pc)
{
	return pc >= (u64)probe_slots && pc < (u64)probe_slots_end;
}

bool probe_int3(struct arch_regs *r)
{
	if (r->cs & 3)
		return false;	/* probes are in kernel text only */
	u64 addr = r->rip - 1;
	r->rip = addr;		/* exits see the probed instruction's address */
	const struct arch_probe *p = hook_probe_hit(addr, r);
	if (!p) {
		if (hook_owns_addr(addr) && refetch(r, addr))
			return true;	/* a stale int3: run what is there */
		r->rip = addr + 1;
		return false;
	}
	if (r->rip != addr)
		return true;	/* an exit sent the CPU elsewhere */
	arch_probe_resume(p, r);
	return true;
}

/* --- jump-optimized probes ----------------------------------------- */

/*
 * A detour slot:
 *
 *   slot + 0    pushfq; cli; call hook_jump_entry     (the jmp lands here)
 *   slot + 7    copy for hits with IF clear:  insns'  jmp addr+len
 *   slot + 64   copy for hits with IF set:    insns'  sti  jmp addr+len
 *
 * hook_jump_entry (hook_entry.S) builds a trap-like frame from the
 * pushed flags and the return address (which names the slot), runs
 * probe_jump_hit, and returns to a copy with the registers of the frame
 * and its flags minus IF.  The copies run with IF clear, so a CPU is
 * interruptible in the slot only at its first two bytes.
 */
#define JUMP_LEN 5

extern const u8 hook_jump_entry[];

/* Can insn run unchanged (rip-relative operands moved) in a detour, not
 * as the last thing before our jmp back? */
static const char *not_displaceable(const struct x86_insn *in)
{
	if (in->branch != X86_BR_NONE)
		return "a branch, call or return among the displaced instructions";
	if (in->flags & (X86_F_CHANGES_IF | X86_F_INT3))
		return "an instruction that changes IF among the displaced instructions";
	if (in->encoding == X86_ENC_LEGACY && in->map == X86_MAP_1BYTE &&
	    in->opcode[0] == 0x9c)
		return "pushf among the displaced instructions (the detour runs with IF clear)";
	return 0;
}

/*
 * Prove that nothing jumps into addr+1 .. addr+len-1: decode the whole
 * function (the kernel is built with -fno-reorder-blocks-and-partition,
 * so a function's blocks lie between its symbol and the next) and check
 * every relative branch's target; an indirect jump (a jump table) could
 * go anywhere, so it refuses.  Exception fixups are targets too.
 */
static const char *jump_targets_ok(u64 start, u64 end, u64 addr, u64 len)
{
	u8 code[X86_MAX_INSN_LEN];
	struct x86_insn in;
	for (u64 pc = start; pc < end;) {
		size_t got = read_code(pc, code, MIN((u64)X86_MAX_INSN_LEN, end - pc));
		int n = got ? x86_decode(code, got, &in) : -1;
		if (n < 0)
			return "undecodable bytes in the function: cannot prove no jump targets the displaced bytes";
		switch (in.branch) {
		case X86_BR_JMP_REL: case X86_BR_JCC_REL: case X86_BR_CALL_REL:
		case X86_BR_LOOP_REL: case X86_BR_XBEGIN: {
			u64 t = x86_branch_target(&in, pc);
			if (t > addr && t < addr + len)
				return "a jump targets the displaced bytes";
			break;
		}
		case X86_BR_JMP_IND:
			return "an indirect jump in the function (a jump table may target the displaced bytes)";
		default:
			break;
		}
		pc += (u64)n;
	}
	if (port_fixup_in(addr, addr + len))
		return "an exception fixup in the displaced bytes";
	return 0;
}

int arch_probe_prepare_jump(u64 addr, struct arch_probe *p, const char **why)
{
	struct x86_insn in;
	u8 code[X86_MAX_INSN_LEN];
	struct emit e;

	memset(p, 0, sizeof(*p));
	if (prove_boundary(addr, &in, code, why))
		return -1;
	if ((*why = refusal(&in, addr)) != 0)
		return -1;
	u64 start = port_sym_start(addr, 0), end = port_sym_end(addr);
	if (!start || end <= addr) {
		*why = "no symbol end: cannot prove no jump targets the displaced bytes";
		return -1;
	}
	int s = slot_get();
	if (s < 0) {
		*why = "no free out-of-line slot";
		return -1;
	}
	u64 base = (u64)probe_slots + (u64)s * SLOT_SIZE;
	memset(e.buf, 0xcc, sizeof(e.buf));
	e.ok = true;
	e.base = base;
	e.pos = 0;
	static const u8 head[] = { 0x9c, 0xfa };	/* pushfq; cli */
	put(&e, head, sizeof(head));
	u8 call[5];
	jmp_to(base + e.pos, (u64)hook_jump_entry, call);
	call[0] = 0xe8;
	put(&e, call, sizeof(call));

	/* Whole instructions covering the jmp, copied twice. */
	u64 len = 0;
	struct x86_insn ins[JUMP_LEN];
	u8 codes[JUMP_LEN][X86_MAX_INSN_LEN];
	size_t n = 0;
	while (len < JUMP_LEN) {
		u64 pc = addr + len;
		if (pc >= end) {
			*why = "the function ends within 5 bytes of the address";
			return -1;
		}
		if (n) {
			size_t got = read_code(pc, codes[n], X86_MAX_INSN_LEN);
			if (!got || x86_decode(codes[n], got, &ins[n]) < 0) {
				*why = "undecodable instruction among the displaced bytes";
				return -1;
			}
		} else {
			ins[0] = in;
			memcpy(codes[0], code, in.len);
		}
		const char *no = not_displaceable(&ins[n]);
		if (!no && n)
			no = refusal(&ins[n], pc);
		if (no) {
			*why = no;
			return -1;
		}
		len += ins[n].len;
		n++;
	}
	if (addr + len > end) {
		*why = "the function ends within 5 bytes of the address";
		return -1;
	}
	if ((*why = jump_targets_ok(start, end, addr, len)) != 0)
		return -1;
	for (int copy = 0; copy < 2; copy++) {
		u64 pc = addr;
		e.pos = copy ? SLOT_IF : JUMP_COPY;
		for (size_t i = 0; i < n; i++) {
			put_insn(&e, &ins[i], codes[i], pc, -1);
			pc += ins[i].len;
		}
		if (copy)
			put(&e, &STI, 1);
		put_rel32_jmp(&e, addr + len);
		if (!copy && e.pos > SLOT_IF)
			e.ok = false;
	}
	if (!e.ok) {
		*why = "cannot relocate the displaced instructions to a detour";
		return -1;
	}
	if (arch_text_write(base, e.buf, SLOT_SIZE)) {
		*why = "cannot write the detour";
		return -1;
	}
	slot_state[s] = SLOT_USED;
	slot_probe[s] = addr;
	p->addr = addr;
	p->len = ins[0].len;
	p->kind = PROBE_JUMP;
	p->jump_len = (u8)len;
	p->slot = base;
	p->slot_if = base + SLOT_IF;
	u8 now[JUMP_LEN];
	read_code(addr, now, JUMP_LEN);
	memcpy(p->orig, now, JUMP_LEN);
	return 0;
}

u64 probe_jump_hit(struct arch_regs *r)
{
	u64 slot = r->vector - JUMP_COPY;
	size_t s = (size_t)(slot - (u64)probe_slots) / SLOT_SIZE;
	u64 addr = slot_probe[s], rsp = r->rsp;
	bool if_set = r->rflags & X86_EFLAGS_IF;
	u64 copy = if_set ? slot + SLOT_IF : slot + JUMP_COPY;

	r->rip = addr;
	r->vector = VEC_BP;	/* as an int3 probe's exits see it */
	/* Exits run if the probe is still there (a CPU can reach a detour
	 * just after its probe went: the copies are still intact). */
	hook_probe_hit(addr, r);
	if (r->rip == addr && r->rsp == rsp && !(r->rflags & X86_EFLAGS_TF)) {
		r->rflags &= ~(u64)X86_EFLAGS_IF;
		return copy;
	}
	if (r->rip == addr) {
		r->rip = copy;
		r->rflags &= ~(u64)X86_EFLAGS_IF;
	}
	return 0;
}
