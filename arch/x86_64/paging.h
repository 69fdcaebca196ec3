/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
/*
 * Kernel page tables.  The image is identity-mapped with W^X permissions
 * (text RX, rodata R, data RW+NX), page 0 is unmapped, and all RAM is
 * mapped a second time at ARCH_DIRECT_MAP, writable and never executable:
 * that alias is how the patch engine writes read-only text.
 */
#ifndef ARCH_X86_64_PAGING_H
#define ARCH_X86_64_PAGING_H

#include "../../lib/types.h"

#define ARCH_DIRECT_MAP 0xffff800000000000ull
#ifndef PAGE_SIZE	/* the Linux port's files have the kernel's */
#define PAGE_SIZE 4096ull
#endif

/* Boot CPU, once, IRQs off, before the APs start. */
void arch_paging_init(u64 ram_top);
/* Physical address of the kernel PML4, for the AP trampoline. */
u64 arch_kernel_cr3(void);
/* Writable alias of a kernel address (text included), or 0 if unmapped. */
void *arch_text_alias(const void *addr);
/* Map an MMIO range uncached at its identity address; boot time only. */
void arch_map_mmio(u64 phys, u64 len);

#endif
