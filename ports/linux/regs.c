// SPDX-License-Identifier: MIT OR GPL-2.0-only
/*
 * Linux's trap frame (struct pt_regs) and the core's (struct arch_regs,
 * arch/x86_64/regs.h) hold the same registers in another order.  Every
 * entry from Linux copies in, and copies back what the debugger changed.
 */
#include <linux/ptrace.h>
#include "../../arch/x86_64/regs.h"
#include "kstub_linux.h"

void kl_regs_in(struct arch_regs *r, const struct pt_regs *p, u64 vector)
{
	r->r15 = p->r15; r->r14 = p->r14; r->r13 = p->r13; r->r12 = p->r12;
	r->r11 = p->r11; r->r10 = p->r10; r->r9 = p->r9; r->r8 = p->r8;
	r->rbp = p->bp; r->rdi = p->di; r->rsi = p->si; r->rdx = p->dx;
	r->rcx = p->cx; r->rbx = p->bx; r->rax = p->ax;
	r->vector = vector;
	r->error = 0;
	r->rip = p->ip; r->cs = p->cs; r->rflags = p->flags;
	r->rsp = p->sp; r->ss = p->ss;
}

void kl_regs_out(struct pt_regs *p, const struct arch_regs *r)
{
	p->r15 = r->r15; p->r14 = r->r14; p->r13 = r->r13; p->r12 = r->r12;
	p->r11 = r->r11; p->r10 = r->r10; p->r9 = r->r9; p->r8 = r->r8;
	p->bp = r->rbp; p->di = r->rdi; p->si = r->rsi; p->dx = r->rdx;
	p->cx = r->rcx; p->bx = r->rbx; p->ax = r->rax;
	p->ip = r->rip; p->flags = r->rflags;
	/* cs, ss and rsp stay Linux's: the kernel's entry code returns
	 * through them, and a kernel-mode frame cannot move its stack. */
}
