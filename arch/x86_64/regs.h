/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
/*
 * The frame every trap entry builds (entry.S pushes it in this order, so
 * the lowest address is r15).  Trap handlers may edit it; trap_return
 * restores from it, so a debugger's register writes take effect there.
 */
#ifndef ARCH_X86_64_REGS_H
#define ARCH_X86_64_REGS_H

#include "../../lib/types.h"

struct arch_regs {
	u64 r15, r14, r13, r12, r11, r10, r9, r8;
	u64 rbp, rdi, rsi, rdx, rcx, rbx, rax;
	u64 vector, error;
	u64 rip, cs, rflags, rsp, ss;
};

#ifndef X86_EFLAGS_TF	/* the Linux port's files have the kernel's */
#define X86_EFLAGS_TF	(1u << 8)
#define X86_EFLAGS_IF	(1u << 9)
#define X86_EFLAGS_RF	(1u << 16)
#endif

enum {
	VEC_DE = 0, VEC_DB = 1, VEC_NMI = 2, VEC_BP = 3, VEC_OF = 4,
	VEC_BR = 5, VEC_UD = 6, VEC_NM = 7, VEC_DF = 8, VEC_TS = 10,
	VEC_NP = 11, VEC_SS = 12, VEC_GP = 13, VEC_PF = 14, VEC_MF = 16,
	VEC_AC = 17, VEC_MC = 18, VEC_XM = 19,
	VEC_TIMER = 32,
	VEC_SYSCALL = 0x80,
	VEC_IPI_CALL = 0xf0,	/* run a function on other CPUs */
	VEC_IPI_RESCHED = 0xf1,
	VEC_IPI_KICK = 0xf2,	/* wake a CPU parked in the debugger */
	VEC_SPURIOUS = 0xff,
};

#endif
