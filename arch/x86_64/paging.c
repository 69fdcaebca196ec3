/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
#include "paging.h"
#include "cpu.h"
#include "asm.h"
#include "../../lib/string.h"

#define PTE_P (1ull << 0)
#define PTE_W (1ull << 1)
#define PTE_U (1ull << 2)
#define PTE_PWT (1ull << 3)
#define PTE_PCD (1ull << 4)
#define PTE_PS (1ull << 7)
#define PTE_G (1ull << 8)
#define PTE_NX (1ull << 63)
#define PTE_ADDR 0x000ffffffffff000ull

extern char _text_start[], _text_end[], _user_start[], _user_text_end[],
	_user_end[], _rodata_start[], _rodata_end[], _kernel_end[];

/* Page-table pages come from here: enough for 1 GiB of 4 KiB-mapped
 * image plus the 2 MiB-mapped rest of a few GiB of RAM. */
#define POOL_PAGES 48
static u64 pool[POOL_PAGES][512] __attribute__((aligned(4096)));
static int pool_used;
static u64 *pml4;
static u64 ram_limit;

static u64 *alloc_table(void)
{
	if (pool_used == POOL_PAGES) {
		for (;;)
			cpu_halt();
	}
	u64 *t = pool[pool_used++];
	memset(t, 0, 4096);
	return t;
}

/* Walk to (and create) the table that holds the entry for va at `level`
 * (1 = PT, 2 = PD).  Intermediate entries are user-accessible; the leaf
 * decides. */
static u64 *walk(u64 va, int level)
{
	u64 *t = pml4;
	for (int l = 4; l > level; l--) {
		u64 idx = (va >> (12 + 9 * (l - 1))) & 511;
		if (!(t[idx] & PTE_P)) {
			u64 *n = alloc_table();
			t[idx] = (u64)n | PTE_P | PTE_W | PTE_U;
		}
		t = (u64 *)(t[idx] & PTE_ADDR);
	}
	return &t[(va >> (12 + 9 * (level - 1))) & 511];
}

static u64 image_flags(u64 a)
{
	if (a == 0)
		return 0; /* NULL dereferences fault */
	if (a == TRAMPOLINE_ADDR)
		return PTE_P; /* AP start-up code: RX */
	if (a >= (u64)_text_start && a < (u64)_text_end)
		return PTE_P | PTE_G;
	if (a >= (u64)_user_start && a < (u64)_user_text_end)
		return PTE_P | PTE_U;
	if (a >= (u64)_user_text_end && a < (u64)_user_end)
		return PTE_P | PTE_W | PTE_U | PTE_NX;
	if (a >= (u64)_rodata_start && a < (u64)_rodata_end)
		return PTE_P | PTE_G | PTE_NX;
	return PTE_P | PTE_W | PTE_G | PTE_NX;
}

void arch_paging_init(u64 ram_top)
{
	pml4 = alloc_table();
	ram_limit = ram_top;
	u64 img_end = ALIGN_UP((u64)_kernel_end, 0x200000);

	/* Identity map: 4 KiB pages over the image, 2 MiB pages beyond. */
	for (u64 a = 0; a < img_end; a += PAGE_SIZE) {
		u64 f = image_flags(a);
		*walk(a, 1) = f ? (a | f) : 0;
	}
	for (u64 a = img_end; a < ram_top; a += 0x200000)
		*walk(a, 2) = a | PTE_P | PTE_W | PTE_PS | PTE_G | PTE_NX;

	/* Direct map (the writable alias), never executable. */
	for (u64 a = 0; a < ram_top; a += 0x200000)
		*walk(ARCH_DIRECT_MAP + a, 2) =
			a | PTE_P | PTE_W | PTE_PS | PTE_G | PTE_NX;

	/* IOAPIC and LAPIC. */
	arch_map_mmio(0xfec00000, 0x400000);
	write_cr4(read_cr4() | CR4_PGE);
	write_cr3((u64)pml4);
}

void arch_map_mmio(u64 phys, u64 len)
{
	for (u64 a = ALIGN_DOWN(phys, 0x200000); a < phys + len; a += 0x200000)
		*walk(a, 2) = a | PTE_P | PTE_W | PTE_PS | PTE_PCD | PTE_PWT |
			      PTE_NX;
	write_cr3(read_cr3());
}

u64 arch_kernel_cr3(void)
{
	return (u64)pml4;
}

void *arch_text_alias(const void *addr)
{
	u64 a = (u64)addr;
	if (a >= ram_limit)
		return 0;
	return (void *)(ARCH_DIRECT_MAP + a);
}
