/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
#include "desc.h"
#include "asm.h"
#include "regs.h"
#include "lapic.h"

struct idt_gate {
	u16 off_lo;
	u16 sel;
	u8 ist;
	u8 type;
	u16 off_mid;
	u32 off_hi;
	u32 zero;
} __attribute__((packed));

struct desc_ptr {
	u16 limit;
	u64 base;
} __attribute__((packed));

extern const u64 trap_stubs[256];
extern const char park_irq[], park_nmi[];
static struct idt_gate idt[256] __attribute__((aligned(16)));
/* While a CPU is parked in the debugger with IRQs on (so that it can
 * halt), interrupts go here: acknowledged and dropped, no kernel code
 * runs.  Exceptions keep the kernel's handlers. */
static struct idt_gate park_idt[256] __attribute__((aligned(16)));

static struct idt_gate make_gate(u64 off, u8 ist, u8 dpl)
{
	return (struct idt_gate){
		.off_lo = (u16)off,
		.sel = KERNEL_CS,
		.ist = ist,
		.type = (u8)(0x8e | (dpl << 5)), /* present, interrupt gate */
		.off_mid = (u16)(off >> 16),
		.off_hi = (u32)(off >> 32),
	};
}

static void set_gate(int vec, u8 ist, u8 dpl)
{
	idt[vec] = make_gate(trap_stubs[vec], ist, dpl);
}

void arch_idt_init(void)
{
	for (int v = 0; v < 256; v++)
		set_gate(v, 0, 0);
	set_gate(VEC_NMI, IST_NMI, 0);
	set_gate(VEC_DF, IST_DF, 0);
	set_gate(VEC_MC, IST_MC, 0);
	/* int3 and int 0x80 may be raised from ring 3. */
	set_gate(VEC_BP, 0, 3);
	set_gate(VEC_SYSCALL, 0, 3);
	for (int v = 0; v < 256; v++)
		park_idt[v] = v >= 32 ? make_gate((u64)park_irq, 0, 0) : idt[v];
	park_idt[VEC_NMI] = make_gate((u64)park_nmi, IST_NMI, 0);
}

void arch_park_wait(void)
{
	struct desc_ptr park = { sizeof(park_idt) - 1, (u64)park_idt };
	struct desc_ptr kern = { sizeof(idt) - 1, (u64)idt };
	/* A CPU stopped inside the handler of a high-class interrupt (an
	 * IPI, before its EOI) cannot take the kick, nor the timer: halted,
	 * nothing would wake it.  It spins instead. */
	if (!lapic_can_take(VEC_IPI_KICK)) {
		__asm__ volatile("pause" ::: "memory");
		return;
	}
	__asm__ volatile("lidt %0; sti; hlt; cli; lidt %1"
			 :: "m"(park), "m"(kern) : "memory");
}

void arch_cpu_tables_load(struct arch_cpu *ac)
{
	ac->gdt[0] = 0;
	ac->gdt[1] = 0x00af9a000000ffffull; /* kernel code */
	ac->gdt[2] = 0x00cf92000000ffffull; /* kernel data */
	ac->gdt[3] = 0;			    /* 32-bit user code: unused */
	ac->gdt[4] = 0x00cff2000000ffffull; /* user data */
	ac->gdt[5] = 0x00affa000000ffffull; /* user code */
	u64 base = (u64)&ac->tss, limit = sizeof(ac->tss) - 1;
	ac->gdt[6] = (limit & 0xffff) | ((base & 0xffffff) << 16) |
		     (0x89ull << 40) | (((limit >> 16) & 0xf) << 48) |
		     (((base >> 24) & 0xff) << 56);
	ac->gdt[7] = base >> 32;
	for (int i = 0; i < 3; i++)
		ac->tss.ist[i] = (u64)&ac->ist_stacks[i][IST_STACK_SIZE];
	ac->tss.iomap_base = sizeof(ac->tss);

	struct desc_ptr gp = { sizeof(ac->gdt) - 1, (u64)ac->gdt };
	struct desc_ptr ip = { sizeof(idt) - 1, (u64)idt };
	__asm__ volatile("lgdt %0" :: "m"(gp));
	__asm__ volatile(
		"pushq %[cs]\n\t"
		"leaq 1f(%%rip), %%rax\n\t"
		"pushq %%rax\n\t"
		"lretq\n"
		"1:\n\t"
		"movw %w[ds], %%ax\n\t"
		"movw %%ax, %%ds\n\t"
		"movw %%ax, %%es\n\t"
		"movw %%ax, %%ss\n\t"
		:: [cs] "i"(KERNEL_CS), [ds] "i"(KERNEL_DS) : "rax", "memory");
	__asm__ volatile("ltr %w0" :: "r"((u16)TSS_SEL));
	__asm__ volatile("lidt %0" :: "m"(ip));
}

void arch_set_kernel_stack(struct arch_cpu *ac, u64 rsp0)
{
	ac->tss.rsp[0] = rsp0;
}
