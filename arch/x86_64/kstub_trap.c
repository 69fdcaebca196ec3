/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
/*
 * #BP and #DB: turn the CPU's view of a debug trap into a kstub stop.
 * Runs with IRQs off on the trapping CPU.
 */
#include "../../stub/kstub.h"
#include "../../stub/kstub_arch.h"
#include "../../stub/bp.h"
#include "../../stub/kstub_port.h"
#include "../../hooks/patch.h"
#include "probe.h"
#include "regs.h"
#include "trap.h"

static bool handle_int3(struct arch_regs *r)
{
	u64 addr = r->rip - 1;
	u64 pc;
	u8 byte;

	if (patch_int3(addr, &pc)) {
		r->rip = pc;
		return true;
	}
	/* gdb's breakpoint first: a probe at the same address (a tracepoint,
	 * or its probe kept for the next tstart) must not swallow it. */
	if (!bp_inserted(addr) && probe_int3(r))
		return true;	/* a probe: hooks/hook.c, probe.c */
	if (!kstub_enabled())
		return false;
	struct kstub_stop st = { .kind = KSTUB_STOP_SWBREAK, .sig = 5 };
	/* A condition evaluated here that is false, or agent dprintf
	 * commands: the CPU goes on through the out-of-line copy. */
	if (bp_known(addr) && !bp_hit(addr, r))
		return true;
	if (bp_known(addr)) {
		/* Report (and later re-run) the original insn; gdb's address
		 * when the int3 went past a kernel-patched NOP. */
		r->rip = bp_stop_pc(addr);
	} else if (!arch_copy_safe(&byte, (const void *)addr, 1) && byte == 0xcc) {
		st.kind = KSTUB_STOP_TRAP; /* an int3 in the code itself */
	} else {
		/* A breakpoint already removed by the debugger or the patch
		 * engine: run the real instruction now. */
		r->rip = addr;
		return true;
	}
	kstub_enter(r, &st);
	return true;
}

static bool handle_db(struct arch_regs *r)
{
	u64 dr6;
	__asm__ volatile("mov %%dr6, %0" : "=r"(dr6));
	__asm__ volatile("mov %0, %%dr6" :: "r"(0xffff0ff0ull));
	return arch_db_trap(r, dr6);
}

bool arch_db_trap(struct arch_regs *r, u64 dr6)
{
	/* A step gdb asked for ends here: interrupts may come again. */
	arch_step_release_irqs(port_cpu_id());
	if (!kstub_enabled())
		return false;

	struct kstub_stop st = { .kind = KSTUB_STOP_STEP, .sig = 5 };
	const struct arch_hw_bp *hw = kstub_hw_slots();
	for (int i = 0; i < ARCH_HW_SLOTS; i++) {
		if (!(dr6 & (1ull << i)) || !hw[i].used)
			continue;
		static const enum kstub_stop_kind kinds[] = {
			KSTUB_STOP_HWBREAK, KSTUB_STOP_HWBREAK, KSTUB_STOP_WATCH,
			KSTUB_STOP_RWATCH, KSTUB_STOP_AWATCH,
		};
		st.kind = kinds[hw[i].type];
		st.addr = hw[i].addr;
		break;
	}
	if (st.kind == KSTUB_STOP_STEP && !(dr6 & (1ull << 14)) &&
	    !(r->rflags & X86_EFLAGS_TF))
		return true; /* stale: a slot was cleared meanwhile */
	if (st.kind == KSTUB_STOP_STEP && tp_step_trap(r))
		return true; /* a tracepoint's while-stepping, not gdb's */
	if (st.kind == KSTUB_STOP_STEP && !kstub_step_expected()) {
		/* Nobody is stepping this CPU: TF came back from flags that
		 * were pushed while a tracepoint stepped (pushf ... popf). */
		r->rflags &= ~(u64)X86_EFLAGS_TF;
		return true;
	}
	r->rflags &= ~(u64)X86_EFLAGS_TF;
	kstub_enter(r, &st);
	return true;
}

/*
 * gdb sometimes puts the return address of a function it calls (`print
 * f(x)`) on the stack, with a breakpoint there (its "on stack" call
 * dummy).  Kernel stacks are not executable, so the return is a fetch
 * fault, not an int3: report it as the breakpoint it stands for, with no
 * oops on the console.
 */
static bool handle_fetch_fault(struct arch_regs *r)
{
	if (!kstub_enabled() || !(r->error & 0x10) || !bp_known(r->rip))
		return false;
	struct kstub_stop st = { .kind = KSTUB_STOP_SWBREAK, .sig = 5 };
	kstub_enter(r, &st);
	return true;
}

bool arch_debug_trap(struct arch_regs *r)
{
	if (r->vector == VEC_BP)
		return handle_int3(r);
	if (r->vector == VEC_DB)
		return handle_db(r);
	if (r->vector == VEC_PF && !(r->cs & 3))
		return handle_fetch_fault(r);
	return false;
}

/* GDB signal for an exception the kernel could not handle. */
u8 arch_fault_signal(u64 vector)
{
	switch (vector) {
	case VEC_DE: return 8;		/* SIGFPE */
	case VEC_MF: return 8;
	case VEC_XM: return 8;
	case VEC_UD: return 4;		/* SIGILL */
	case VEC_PF: return 11;		/* SIGSEGV */
	case VEC_GP: return 11;
	case VEC_SS: return 11;
	case VEC_NP: return 11;
	case VEC_AC: return 7;		/* SIGBUS */
	case VEC_BP: return 5;
	case VEC_DB: return 5;
	default: return 11;
	}
}
