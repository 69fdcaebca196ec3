/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
/* What the boot loader hands over: PVH start_info (command line, memory
 * map, RSDP). */
#include "kernel.h"

struct hvm_start_info {
	u32 magic;
	u32 version;
	u32 flags;
	u32 nr_modules;
	u64 modlist_paddr;
	u64 cmdline_paddr;
	u64 rsdp_paddr;
	u64 memmap_paddr;
	u32 memmap_entries;
	u32 reserved;
};

struct hvm_memmap_entry {
	u64 addr;
	u64 size;
	u32 type;
	u32 reserved;
};

#define HVM_START_MAGIC 0x336ec578

char kern_cmdline[512];

void boot_parse_start_info(u32 pa, u64 *ram_top, u64 *rsdp)
{
	const struct hvm_start_info *si = (const void *)(u64)pa;
	*ram_top = 128ull << 20;
	*rsdp = 0;
	if (!si || si->magic != HVM_START_MAGIC) {
		printk("boot: no PVH start_info, assuming 128 MiB\n");
		return;
	}
	if (si->cmdline_paddr)
		kstr_copy(kern_cmdline, (const char *)si->cmdline_paddr,
			  sizeof(kern_cmdline));
	*rsdp = si->rsdp_paddr;
	if (si->version >= 1 && si->memmap_paddr) {
		const struct hvm_memmap_entry *e = (const void *)si->memmap_paddr;
		u64 top = 0;
		for (u32 i = 0; i < si->memmap_entries; i++) {
			u64 end = e[i].addr + e[i].size;
			/* RAM below the 4 GiB MMIO hole is all we map. */
			if (e[i].type == 1 && end > top && end <= (4ull << 30))
				top = end;
		}
		if (top)
			*ram_top = ALIGN_DOWN(top, 0x200000);
	}
}
