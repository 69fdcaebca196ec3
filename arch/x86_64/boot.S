/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
/*
 * PVH entry: QEMU's -kernel loads an ELF64 image that carries a
 * XEN_ELFNOTE_PHYS32_ENTRY note and jumps to it in 32-bit protected mode,
 * paging off, %ebx = physical address of struct hvm_start_info.
 * (Multiboot would need a 32-bit ELF; PVH keeps build/kernel.elf the
 * same file gdb loads.)  We build a throw-away identity map of the first
 * 4 GiB, enter long mode and call kmain(start_info).  paging_init() then
 * replaces these tables with the real W^X ones.
 */
#include "asm.h"

	.section .note.Xen, "a"
	.p2align 2
	.long 4			/* namesz */
	.long 8			/* descsz */
	.long 18		/* XEN_ELFNOTE_PHYS32_ENTRY */
	.asciz "Xen"
	.p2align 2
	.quad pvh_start32
	.p2align 2

	.section .boot.text, "ax"
	.code32
	.global pvh_start32
pvh_start32:
	cli
	cld
	mov	%ebx, %esi

	/* .bss holds the boot stack and page tables: clear it first. */
	mov	$__bss_start, %edi
	mov	$__bss_end, %ecx
	sub	%edi, %ecx
	xor	%eax, %eax
	rep stosb
	mov	$boot_stack_top, %esp
	mov	%esi, boot_start_info

	/* pml4[0] -> pdpt; pdpt[0..3] -> pd[0..3]; pd: 2 MiB pages, RWX. */
	mov	$boot_pdpt, %eax
	or	$3, %eax
	mov	%eax, boot_pml4
	mov	$boot_pd, %eax
	or	$3, %eax
	mov	$boot_pdpt, %edi
	mov	$4, %ecx
1:	mov	%eax, (%edi)
	add	$4096, %eax
	add	$8, %edi
	loop	1b
	mov	$boot_pd, %edi
	mov	$0x83, %eax		/* present | writable | 2 MiB */
	xor	%edx, %edx
	mov	$2048, %ecx
2:	mov	%eax, (%edi)
	mov	%edx, 4(%edi)
	add	$0x200000, %eax
	adc	$0, %edx
	add	$8, %edi
	loop	2b

	mov	%cr4, %eax
	or	$CR4_PAE, %eax
	mov	%eax, %cr4
	mov	$boot_pml4, %eax
	mov	%eax, %cr3
	mov	$MSR_EFER, %ecx
	rdmsr
	or	$(EFER_LME | EFER_NXE), %eax
	wrmsr
	mov	%cr0, %eax
	or	$(CR0_PG | CR0_WP | CR0_PE), %eax
	mov	%eax, %cr0
	lgdt	boot_gdtr
	ljmp	$KERNEL_CS, $long_mode_entry

	.code64
	.cfi_sections .debug_frame
long_mode_entry:
	/* Tell gdb's unwinder that the stack ends here. */
	.cfi_startproc
	.cfi_undefined rip
	mov	$KERNEL_DS, %ax
	mov	%ax, %ds
	mov	%ax, %es
	mov	%ax, %ss
	xor	%eax, %eax
	mov	%ax, %fs
	mov	%ax, %gs
	mov	$boot_stack_top, %rsp
	mov	boot_start_info(%rip), %edi
	xor	%ebp, %ebp
	call	kmain
3:	cli
	hlt
	jmp	3b
	.cfi_endproc

	.section .rodata
	.p2align 3
boot_gdt:
	.quad 0
	.quad 0x00af9a000000ffff	/* 0x08: 64-bit code */
	.quad 0x00cf92000000ffff	/* 0x10: data */
boot_gdtr:
	.word boot_gdtr - boot_gdt - 1
	.quad boot_gdt

	.data
	.global boot_start_info
boot_start_info:
	.long 0

	.bss
	.p2align 12
boot_pml4:	.skip 4096
boot_pdpt:	.skip 4096
boot_pd:	.skip 4096 * 4
	.global boot_stack_top
boot_stack:	.skip 16384
boot_stack_top:
