/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
/*
 * x86_64 side of the stub: the target description and 'g' layout, debug
 * registers, single-step, fault-safe memory access and text writes.
 */
#include "../../stub/kstub_arch.h"
#include "../../stub/kstub.h"
#include "../../hooks/patch.h"
#include "../../lib/string.h"
#include "regs.h"
#include "cpu.h"
#include "trap.h"
#include "paging.h"
#include "lapic.h"
#include "debugreg.h"

const u8 arch_bp_insn[ARCH_BP_LEN] = { 0xcc };

/*
 * GDB's amd64 support wants the org.gnu.gdb.i386.core feature with the
 * x87 registers in it (GDB manual, "i386 Features"); the kernel keeps no
 * FPU state, so those read as unavailable.  Control registers are an
 * extra feature of ours.
 */
const char arch_target_xml[] =
	"<?xml version=\"1.0\"?>\n"
	"<!DOCTYPE target SYSTEM \"gdb-target.dtd\">\n"
	"<target version=\"1.0\">\n"
	"<architecture>i386:x86-64</architecture>\n"
	"<feature name=\"org.gnu.gdb.i386.core\">\n"
	"<flags id=\"i386_eflags\" size=\"4\">\n"
	"<field name=\"CF\" start=\"0\" end=\"0\"/><field name=\"\" start=\"1\" end=\"1\"/>"
	"<field name=\"PF\" start=\"2\" end=\"2\"/><field name=\"AF\" start=\"4\" end=\"4\"/>"
	"<field name=\"ZF\" start=\"6\" end=\"6\"/><field name=\"SF\" start=\"7\" end=\"7\"/>"
	"<field name=\"TF\" start=\"8\" end=\"8\"/><field name=\"IF\" start=\"9\" end=\"9\"/>"
	"<field name=\"DF\" start=\"10\" end=\"10\"/><field name=\"OF\" start=\"11\" end=\"11\"/>"
	"<field name=\"NT\" start=\"14\" end=\"14\"/><field name=\"RF\" start=\"16\" end=\"16\"/>"
	"<field name=\"VM\" start=\"17\" end=\"17\"/><field name=\"AC\" start=\"18\" end=\"18\"/>"
	"<field name=\"VIF\" start=\"19\" end=\"19\"/><field name=\"VIP\" start=\"20\" end=\"20\"/>"
	"<field name=\"ID\" start=\"21\" end=\"21\"/>\n"
	"</flags>\n"
	"<reg name=\"rax\" bitsize=\"64\" type=\"int64\"/>\n"
	"<reg name=\"rbx\" bitsize=\"64\" type=\"int64\"/>\n"
	"<reg name=\"rcx\" bitsize=\"64\" type=\"int64\"/>\n"
	"<reg name=\"rdx\" bitsize=\"64\" type=\"int64\"/>\n"
	"<reg name=\"rsi\" bitsize=\"64\" type=\"int64\"/>\n"
	"<reg name=\"rdi\" bitsize=\"64\" type=\"int64\"/>\n"
	"<reg name=\"rbp\" bitsize=\"64\" type=\"data_ptr\"/>\n"
	"<reg name=\"rsp\" bitsize=\"64\" type=\"data_ptr\"/>\n"
	"<reg name=\"r8\" bitsize=\"64\" type=\"int64\"/>\n"
	"<reg name=\"r9\" bitsize=\"64\" type=\"int64\"/>\n"
	"<reg name=\"r10\" bitsize=\"64\" type=\"int64\"/>\n"
	"<reg name=\"r11\" bitsize=\"64\" type=\"int64\"/>\n"
	"<reg name=\"r12\" bitsize=\"64\" type=\"int64\"/>\n"
	"<reg name=\"r13\" bitsize=\"64\" type=\"int64\"/>\n"
	"<reg name=\"r14\" bitsize=\"64\" type=\"int64\"/>\n"
	"<reg name=\"r15\" bitsize=\"64\" type=\"int64\"/>\n"
	"<reg name=\"rip\" bitsize=\"64\" type=\"code_ptr\"/>\n"
	"<reg name=\"eflags\" bitsize=\"32\" type=\"i386_eflags\"/>\n"
	"<reg name=\"cs\" bitsize=\"32\" type=\"int32\"/>\n"
	"<reg name=\"ss\" bitsize=\"32\" type=\"int32\"/>\n"
	"<reg name=\"ds\" bitsize=\"32\" type=\"int32\"/>\n"
	"<reg name=\"es\" bitsize=\"32\" type=\"int32\"/>\n"
	"<reg name=\"fs\" bitsize=\"32\" type=\"int32\"/>\n"
	"<reg name=\"gs\" bitsize=\"32\" type=\"int32\"/>\n"
	"<reg name=\"st0\" bitsize=\"80\" type=\"i387_ext\"/>\n"
	"<reg name=\"st1\" bitsize=\"80\" type=\"i387_ext\"/>\n"
	"<reg name=\"st2\" bitsize=\"80\" type=\"i387_ext\"/>\n"
	"<reg name=\"st3\" bitsize=\"80\" type=\"i387_ext\"/>\n"
	"<reg name=\"st4\" bitsize=\"80\" type=\"i387_ext\"/>\n"
	"<reg name=\"st5\" bitsize=\"80\" type=\"i387_ext\"/>\n"
	"<reg name=\"st6\" bitsize=\"80\" type=\"i387_ext\"/>\n"
	"<reg name=\"st7\" bitsize=\"80\" type=\"i387_ext\"/>\n"
	"<reg name=\"fctrl\" bitsize=\"32\" type=\"int\" group=\"float\"/>\n"
	"<reg name=\"fstat\" bitsize=\"32\" type=\"int\" group=\"float\"/>\n"
	"<reg name=\"ftag\" bitsize=\"32\" type=\"int\" group=\"float\"/>\n"
	"<reg name=\"fiseg\" bitsize=\"32\" type=\"int\" group=\"float\"/>\n"
	"<reg name=\"fioff\" bitsize=\"32\" type=\"int\" group=\"float\"/>\n"
	"<reg name=\"foseg\" bitsize=\"32\" type=\"int\" group=\"float\"/>\n"
	"<reg name=\"fooff\" bitsize=\"32\" type=\"int\" group=\"float\"/>\n"
	"<reg name=\"fop\" bitsize=\"32\" type=\"int\" group=\"float\"/>\n"
	"</feature>\n"
	"<feature name=\"org.gnu.gdb.i386.segments\">\n"
	"<reg name=\"fs_base\" bitsize=\"64\" type=\"int\"/>\n"
	"<reg name=\"gs_base\" bitsize=\"64\" type=\"int\"/>\n"
	"</feature>\n"
	"<feature name=\"org.kstub.x86_64.system\">\n"
	"<reg name=\"cr0\" bitsize=\"64\" type=\"int\" group=\"system\"/>\n"
	"<reg name=\"cr2\" bitsize=\"64\" type=\"int\" group=\"system\"/>\n"
	"<reg name=\"cr3\" bitsize=\"64\" type=\"int\" group=\"system\"/>\n"
	"<reg name=\"cr4\" bitsize=\"64\" type=\"int\" group=\"system\"/>\n"
	"</feature>\n"
	"</target>\n";

enum {
	R_RIP = 16, R_EFLAGS, R_CS, R_SS, R_DS, R_ES, R_FS, R_GS,
	R_ST0, R_FCTRL = R_ST0 + 8, R_FOP = R_FCTRL + 7,
	R_FS_BASE, R_GS_BASE, R_CR0, R_CR2, R_CR3, R_CR4, NREGS
};

/* What the trap frame lacks, saved by each CPU as it parks. */
struct cpu_extra {
	u64 fs_base, gs_base, cr0, cr2, cr3, cr4;
	u16 ds, es, fs, gs;
};
static struct cpu_extra extra[64];

void arch_save_cpu_state(unsigned cpu)
{
	if (cpu >= 64)
		return;
	struct cpu_extra *e = &extra[cpu];
	e->fs_base = rdmsr(0xc0000100);
	e->gs_base = rdmsr(0xc0000101);
	e->cr0 = read_cr0();
	e->cr2 = read_cr2();
	e->cr3 = read_cr3();
	e->cr4 = read_cr4();
	__asm__ volatile("mov %%ds, %0" : "=r"(e->ds));
	__asm__ volatile("mov %%es, %0" : "=r"(e->es));
	__asm__ volatile("mov %%fs, %0" : "=r"(e->fs));
	__asm__ volatile("mov %%gs, %0" : "=r"(e->gs));
}

static size_t reg_size(unsigned regno)
{
	if (regno < 16 || regno == R_RIP)
		return 8;
	if (regno <= R_GS)
		return 4;
	if (regno < R_FCTRL)
		return 10;
	if (regno <= R_FOP)
		return 4;
	if (regno < NREGS)
		return 8;
	return 0;
}

static u64 *gpr(struct arch_regs *r, unsigned regno)
{
	switch (regno) {
	case 0: return &r->rax;
	case 1: return &r->rbx;
	case 2: return &r->rcx;
	case 3: return &r->rdx;
	case 4: return &r->rsi;
	case 5: return &r->rdi;
	case 6: return &r->rbp;
	case 7: return &r->rsp;
	case 8: return &r->r8;
	case 9: return &r->r9;
	case 10: return &r->r10;
	case 11: return &r->r11;
	case 12: return &r->r12;
	case 13: return &r->r13;
	case 14: return &r->r14;
	case 15: return &r->r15;
	case R_RIP: return &r->rip;
	default: return 0;
	}
}

size_t arch_gdb_reg_read(struct arch_regs *r, unsigned cpu, unsigned regno,
			 u8 *out, bool *avail)
{
	size_t sz = reg_size(regno);
	const struct cpu_extra *e = &extra[cpu < 64 ? cpu : 0];
	u64 v = 0;
	bool ok = true;
	if (!sz)
		return 0;
	if (regno < 16 || regno == R_RIP) {
		v = *gpr(r, regno);
	} else {
		switch (regno) {
		case R_EFLAGS: v = r->rflags; break;
		case R_CS: v = r->cs; break;
		case R_SS: v = r->ss; break;
		case R_DS: v = e->ds; break;
		case R_ES: v = e->es; break;
		case R_FS: v = e->fs; break;
		case R_GS: v = e->gs; break;
		case R_FS_BASE: v = e->fs_base; break;
		case R_GS_BASE: v = e->gs_base; break;
		case R_CR0: v = e->cr0; break;
		case R_CR2: v = e->cr2; break;
		case R_CR3: v = e->cr3; break;
		case R_CR4: v = e->cr4; break;
		default: ok = false; break; /* x87: not saved */
		}
	}
	for (size_t i = 0; i < sz; i++) {
		out[i] = i < 8 ? (u8)(v >> (8 * i)) : 0;
		avail[i] = ok;
	}
	return sz;
}

size_t arch_gdb_regs_size(void)
{
	size_t n = 0;
	for (unsigned i = 0; i < NREGS; i++)
		n += reg_size(i);
	return n;
}

void arch_gdb_regs_read(struct arch_regs *r, unsigned cpu, u8 *buf, bool *avail)
{
	size_t off = 0;
	for (unsigned i = 0; i < NREGS; i++)
		off += arch_gdb_reg_read(r, cpu, i, buf + off, avail + off);
}

/* A tracepoint hit: only what the trap frame holds is known; the saved
 * segment and control registers belong to the last park, not this hit. */
static bool in_frame(unsigned regno)
{
	return regno < 16 || regno == R_RIP || regno == R_EFLAGS ||
	       regno == R_CS || regno == R_SS;
}

int arch_frame_reg(struct arch_regs *r, unsigned regno, u64 *val)
{
	u8 b[16];
	bool avail[16];
	if (!in_frame(regno))
		return -1;
	size_t sz = arch_gdb_reg_read(r, 0, regno, b, avail);
	u64 v = 0;
	for (size_t i = 0; i < sz && i < 8; i++)
		v |= (u64)b[i] << (8 * i);
	*val = v;
	return 0;
}

void arch_gdb_regs_from_frame(struct arch_regs *r, u8 *buf, bool *avail)
{
	size_t off = 0;
	for (unsigned i = 0; i < NREGS; i++) {
		size_t sz = arch_gdb_reg_read(r, 0, i, buf + off, avail + off);
		if (!in_frame(i))
			for (size_t k = 0; k < sz; k++)
				buf[off + k] = 0, avail[off + k] = false;
		off += sz;
	}
}

bool arch_frame_tf(struct arch_regs *r)
{
	return r->rflags & X86_EFLAGS_TF;
}

size_t arch_frame_size(void)
{
	return sizeof(struct arch_regs);
}

int arch_gdb_reg_span(unsigned regno, size_t *off, size_t *size)
{
	size_t o = 0;
	if (regno >= NREGS)
		return -1;
	for (unsigned i = 0; i < regno; i++)
		o += reg_size(i);
	*off = o;
	*size = reg_size(regno);
	return 0;
}

unsigned arch_gdb_nregs(void)
{
	return NREGS;
}

const unsigned arch_gdb_pc_regno = R_RIP;

/* After a breakpoint gdb shows the frame and unwinds from it: every
 * general register (else it asks for 'g').  After a single step it only
 * checks where the CPU went: pc, sp and frame pointer come first. */
const u8 arch_gdb_expedite[] = {
	R_RIP, 7, 6, 0, 1, 2, 3, 4, 5, 8, 9, 10, 11, 12, 13, 14, 15, R_EFLAGS,
};
const unsigned arch_gdb_nexpedite = sizeof(arch_gdb_expedite);
const unsigned arch_gdb_nexpedite_step = 3;

int arch_gdb_reg_write(struct arch_regs *r, unsigned cpu, unsigned regno,
		       const u8 *val, size_t len)
{
	size_t sz = reg_size(regno);
	if (!sz || len != sz)
		return -1;
	u64 v = 0;
	for (size_t i = 0; i < sz && i < 8; i++)
		v |= (u64)val[i] << (8 * i);
	if (regno < 16 || regno == R_RIP) {
		*gpr(r, regno) = v;
		return 0;
	}
	if (regno == R_EFLAGS) {
		/* Keep the bits that would break the return (IOPL, VM). */
		r->rflags = (r->rflags & ~0x0cd5ull) | (v & 0x0cd5ull) | 2;
		return 0;
	}
	/* cr2 only says where the last page fault was, and the debugger's
	 * own fault-safe reads move it (gdb probing memory while a function
	 * it called runs): gdb restoring the old value after an inferior
	 * call must not fail, so writes to it are accepted and dropped. */
	if (regno == R_CR2)
		return 0;
	/* Segments, bases, control and x87 registers are read-only; gdb
	 * writes them all back after calling a function in the target, so a
	 * write of the value they already hold (or of an unsaved x87
	 * register) is accepted. */
	u8 cur[16];
	bool avail[16];
	arch_gdb_reg_read(r, cpu, regno, cur, avail);
	if (!avail[0])
		return 0;
	return memcmp(cur, val, sz) ? -1 : 0;
}

void arch_gdb_regs_write(struct arch_regs *r, const u8 *buf)
{
	size_t off = 0;
	for (unsigned i = 0; i < NREGS; i++) {
		size_t sz = reg_size(i);
		if (i < 16 || i == R_RIP || i == R_EFLAGS)
			arch_gdb_reg_write(r, 0, i, buf + off, sz);
		off += sz;
	}
}

u64 arch_regs_pc(struct arch_regs *r)
{
	return r->rip;
}

void arch_regs_set_pc(struct arch_regs *r, u64 pc)
{
	r->rip = pc;
}

void arch_set_step(struct arch_regs *r, bool on)
{
	if (on)
		r->rflags |= X86_EFLAGS_TF;
	else
		r->rflags &= ~(u64)X86_EFLAGS_TF;
}

/* The task priority (CR8) a step raised, per CPU.  CR8 = 15 keeps every
 * maskable interrupt pending; NMIs and exceptions still come. */
static u8 step_cr8[64];
static bool step_held[64];

void arch_step_hold_irqs(struct arch_regs *r, unsigned cpu)
{
	u8 op;
	u64 cr8;
	if (cpu >= 64 || step_held[cpu])
		return;
	if (!arch_copy_safe(&op, (const void *)r->rip, 1) && op == 0xf4)
		return;		/* hlt */
	__asm__ volatile("mov %%cr8, %0" : "=r"(cr8));
	step_cr8[cpu] = (u8)cr8;
	step_held[cpu] = true;
	__asm__ volatile("mov %0, %%cr8" :: "r"(15ull) : "memory");
}

void arch_step_release_irqs(unsigned cpu)
{
	if (cpu >= 64 || !step_held[cpu])
		return;
	step_held[cpu] = false;
	__asm__ volatile("mov %0, %%cr8" :: "r"((u64)step_cr8[cpu]) : "memory");
}

int arch_hw_bp_check(u8 type, u64 addr, u64 len)
{
	if (type == 1)
		return 0;
	if (len != 1 && len != 2 && len != 4 && len != 8)
		return -1;
	return (addr & (len - 1)) ? -1 : 0;
}

bool arch_hw_slot_usable(int i)
{
	return arch_debugregs_usable(i);
}

void arch_hw_bp_load(const struct arch_hw_bp *slots)
{
	u64 dr7 = 0, addr[4] = { 0 };
	for (int i = 0; i < ARCH_HW_SLOTS; i++) {
		const struct arch_hw_bp *h = &slots[i];
		if (!h->used)
			continue;
		u64 rw = h->type == 1 ? 0 : h->type == 2 ? 1 : 3;
		u64 len = h->type == 1 ? 0 : h->len == 1 ? 0 : h->len == 2 ? 1 : h->len == 8 ? 2 : 3;
		dr7 |= (1ull << (2 * i)) | (rw << (16 + 4 * i)) | (len << (18 + 4 * i));
		addr[i] = h->addr;
	}
	arch_debugregs_load(addr, dr7);
}

void arch_hw_bp_disable(void)
{
	arch_debugregs_off();
}

void arch_resume_fixup(struct arch_regs *r, int stop_kind)
{
	/* An instruction breakpoint is a fault: without RF it fires again
	 * before the instruction runs. */
	if (stop_kind == KSTUB_STOP_HWBREAK)
		r->rflags |= X86_EFLAGS_RF;
}

size_t arch_mem_read(void *dst, u64 src, size_t n)
{
	return arch_copy_safe(dst, (const void *)src, n);
}

size_t arch_mem_write(u64 dst, const void *src, size_t n)
{
	return arch_copy_safe((void *)dst, src, n);
}

size_t arch_text_write(u64 addr, const u8 *bytes, size_t n)
{
	/* The last byte first: an alias may stay valid only until the next
	 * one is asked for (a window of two pages on Linux). */
	if (!n || !arch_text_alias((const void *)(addr + n - 1)))
		return n;
	u8 *alias = arch_text_alias((const void *)addr);
	if (!alias)
		return n;
	return arch_copy_safe(alias, bytes, n);
}

u64 arch_cycles(void)
{
	return rdtsc();
}

u64 arch_cycles_hz(void)
{
	return arch_tsc_hz();
}
