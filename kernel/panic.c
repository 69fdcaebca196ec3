/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
/* Fatal error reporting: registers, symbolic backtrace, stop everything. */
#include "kernel.h"
#include "task.h"
#include "../arch/x86_64/regs.h"
#include "../arch/x86_64/trap.h"
#include "../arch/x86_64/lapic.h"
#include "../arch/x86_64/cpu.h"

extern volatile bool kern_stopping;
extern char _kernel_start[], _kernel_end[];
void arch_save_regs(struct arch_regs *r);

void kern_backtrace_from(u64 rbp);

static void print_sym(u64 addr)
{
	u64 off;
	const char *name = ksym_lookup(addr, &off);
	if (name)
		printk("  [<%016lx>] %s+0x%lx\n", addr, name, off);
	else
		printk("  [<%016lx>] ?\n", addr);
}

extern char _text_start[], _text_end[];

/* A value on the stack that is a return address: inside text, right
 * after a call rel32 (E8) or an indirect call through a register. */
static bool is_return_address(u64 a)
{
	u8 insn[5];
	if (a < (u64)_text_start + 5 || a >= (u64)_text_end)
		return false;
	if (arch_copy_safe(insn, (const void *)(a - 5), 5))
		return false;
	return insn[0] == 0xe8 || (insn[3] == 0xff && (insn[4] & 0xf8) == 0xd0);
}

void kern_backtrace_frame(u64 rip, u64 rbp, u64 rsp)
{
	u64 top;
	printk("Backtrace:\n");
	print_sym(rip);
	/* A leaf function that faults before (or without) pushing rbp still
	 * has its return address at rsp: report its caller from there. */
	if (rsp && !arch_copy_safe(&top, (const void *)rsp, 8) &&
	    is_return_address(top))
		print_sym(top - 1);
	kern_backtrace_from(rbp);
}

void kern_backtrace(u64 rip, u64 rbp)
{
	printk("Backtrace:\n");
	print_sym(rip);
	kern_backtrace_from(rbp);
}

void kern_backtrace_from(u64 rbp)
{
	for (int depth = 0; depth < 32 && rbp; depth++) {
		u64 frame[2];
		if ((rbp & 7) || arch_copy_safe(frame, (const void *)rbp, 16))
			break;
		if (!frame[1])
			break;
		/* The return address points after the call: report the call. */
		print_sym(frame[1] - 1);
		if (frame[0] <= rbp)
			break;
		rbp = frame[0];
	}
}

static void dump_regs(const struct arch_regs *r)
{
	u64 off;
	const char *fn = ksym_lookup(r->rip, &off);
	printk("RIP: %04lx:%016lx %s+0x%lx  RFLAGS: %08lx\n", r->cs, r->rip,
	       fn ? fn : "?", fn ? off : 0, r->rflags);
	printk("RSP: %04lx:%016lx  CR2: %016lx  CR3: %016lx\n", r->ss, r->rsp,
	       read_cr2(), read_cr3());
	printk("RAX: %016lx RBX: %016lx RCX: %016lx\n", r->rax, r->rbx, r->rcx);
	printk("RDX: %016lx RSI: %016lx RDI: %016lx\n", r->rdx, r->rsi, r->rdi);
	printk("RBP: %016lx R8:  %016lx R9:  %016lx\n", r->rbp, r->r8, r->r9);
	printk("R10: %016lx R11: %016lx R12: %016lx\n", r->r10, r->r11, r->r12);
	printk("R13: %016lx R14: %016lx R15: %016lx\n", r->r13, r->r14, r->r15);
}

void kern_stop_others(void)
{
	kern_stopping = true;
	struct percpu *me = this_cpu();
	for (unsigned i = 0; i < ncpus; i++)
		if (i != me->cpu && percpu[i].online)
			lapic_send_nmi(percpu[i].apic_id);
}

static void halt_forever(void)
{
	printk("System halted.\n");
	for (;;) {
		irq_disable();
		cpu_halt();
	}
}

/* Set by the debugger: a chance to stop in gdb before the kernel dies.
 * Returns true when the debugger took the event and the CPU may resume. */
bool (*kern_fatal_hook)(struct arch_regs *r, const char *why, bool is_panic);

void kern_oops(struct arch_regs *r, const char *what)
{
	struct percpu *pc = this_cpu();
	struct task *t = pc->current;
	printk("Oops: %s (vector %lu, error 0x%lx) on CPU %u in %s\n", what,
	       r->vector, r->error, pc->cpu, t ? t->name : "boot");
	if (r->vector == VEC_PF)
		printk("page fault at %016lx: %s, %s, %s mode\n", read_cr2(),
		       (r->error & 1) ? "protection violation" : "not present",
		       (r->error & 2) ? "write" : ((r->error & 16) ? "fetch" : "read"),
		       (r->error & 4) ? "user" : "kernel");
	dump_regs(r);
	kern_backtrace_frame(r->rip, r->rbp, (r->cs & 3) ? 0 : r->rsp);
	ltt_port_oops();	/* the flight recorder's last events */
	/* With gdb attached (or waiting), stop there; continuing retries the
	 * faulting instruction, as on a real machine. */
	if (kern_fatal_hook && kern_fatal_hook(r, what, false))
		return;
	kern_stop_others();
	halt_forever();
}

void panic(const char *fmt, ...)
{
	char msg[200];
	va_list ap;
	irq_disable();
	va_start(ap, fmt);
	kfmt_vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);

	struct arch_regs r;
	arch_save_regs(&r);
	/* Report the caller of panic(), not panic() itself. */
	u64 *fp = __builtin_frame_address(0);
	r.rip = fp[1] - 1;
	r.rbp = fp[0];
	r.rsp = (u64)(fp + 2);
	printk("Kernel panic on CPU %u: %s\n", this_cpu()->cpu, msg);
	dump_regs(&r);
	kern_backtrace(r.rip, r.rbp);
	ltt_port_oops();
	/* gdb sees the caller of panic() stopped inside its call instruction
	 * (the return address may already be the next function when panic
	 * is the caller's last call).  A panic cannot be continued. */
	if (kern_fatal_hook)
		kern_fatal_hook(&r, msg, true);
	kern_stop_others();
	halt_forever();
	__builtin_unreachable();
}
