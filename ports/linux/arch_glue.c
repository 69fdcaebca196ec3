// SPDX-License-Identifier: MIT OR GPL-2.0-only
/*
 * What arch/x86_64's portable files take from the reference kernel
 * (arch/x86_64/trap.h, paging.h, lapic.h, hook_arch.c's site table),
 * done the Linux way.
 */
#include <linux/kernel.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>
#include <linux/mm.h>
#include <linux/smp.h>
#include <linux/preempt.h>
#include <asm/tsc.h>
#include <asm/pgtable.h>
#include <asm/set_memory.h>
#include "../../arch/x86_64/trap.h"
#include "../../arch/x86_64/paging.h"
#include "../../arch/x86_64/lapic.h"
#include "kstub_linux.h"

/* The module declares no static hook sites (Linux's own tracepoints feed
 * the trace): an empty .hook_sites table. */
__asm__(".pushsection .rodata\n"
	".globl __hook_sites_start, __hook_sites_end\n"
	".balign 8\n"
	"__hook_sites_start:\n__hook_sites_end:\n"
	".popsection\n");

/*
 * Fault-safe copy in either direction: reads with
 * copy_from_kernel_nofault, writes with copy_to_kernel_nofault (both
 * refuse user addresses and catch faults; NMI-safe).  On a fault, byte
 * by byte to count exactly what was copied.
 */
size_t arch_copy_safe(void *dst, const void *src, size_t n)
{
	u8 buf[256];
	size_t done = 0;
	while (done < n) {
		size_t c = min(n - done, sizeof(buf)), k = c;
		if (copy_from_kernel_nofault(buf, (const u8 *)src + done, c))
			for (k = 0; k < c; k++)
				if (copy_from_kernel_nofault(buf + k, (const u8 *)src + done + k, 1))
					break;
		size_t w = k;
		if (k && kl_copy_to_kernel_nofault((u8 *)dst + done, buf, k))
			for (w = 0; w < k; w++)
				if (kl_copy_to_kernel_nofault((u8 *)dst + done + w, buf + w, 1))
					break;
		done += w;
		if (w < c)
			break;
	}
	return n - done;
}

/*
 * Writable alias of read-only text: two pages of a vmap area a CPU and
 * context (task or IRQ / NMI-like: an int3 handler may write text while
 * the same CPU's task context was in the middle of a write), whose PTEs
 * we point at the text's frames.  NMI-safe: no allocation, no lock, a
 * local invlpg.  The alias stays valid until this CPU and context ask
 * for another one.
 */
#define ALIAS_PAGES 2
static u8 *alias_area;		/* ALIAS_PAGES a slot */
static pte_t **alias_ptes;		/* [cpu * 2 + ctx][page] */
static unsigned alias_slots;

int kl_alias_init(void)
{
	alias_slots = nr_cpu_ids * 2;
	size_t pages = (size_t)alias_slots * ALIAS_PAGES;
	alias_ptes = kcalloc(pages, sizeof(*alias_ptes), GFP_KERNEL);
	if (!alias_ptes)
		return -ENOMEM;
	/* Map a zero page everywhere so that every PTE exists; we then only
	 * retarget existing PTEs (no page-table allocation later). */
	struct page **pg = kcalloc(pages, sizeof(*pg), GFP_KERNEL);
	if (!pg)
		goto nomem;
	for (size_t i = 0; i < pages; i++)
		pg[i] = ZERO_PAGE(0);
	void *va = vmap(pg, pages, VM_MAP, PAGE_KERNEL_RO);
	kfree(pg);
	if (!va)
		goto nomem;
	alias_area = va;
	for (size_t i = 0; i < pages; i++) {
		unsigned int level;
		alias_ptes[i] = lookup_address((unsigned long)va + i * PAGE_SIZE, &level);
		if (!alias_ptes[i] || level != PG_LEVEL_4K) {
			pr_err("kstub: no 4 KiB PTE for the text alias at %px\n",
			       (u8 *)va + i * PAGE_SIZE);
			vunmap(va);
			alias_area = NULL;
			goto nomem;
		}
	}
	return 0;
nomem:
	kfree(alias_ptes);
	alias_ptes = NULL;
	return -ENOMEM;
}

void kl_alias_exit(void)
{
	if (alias_area)
		vunmap(alias_area);	/* drops our retargeted PTEs too */
	alias_area = NULL;
	kfree(alias_ptes);
	alias_ptes = NULL;
}

static bool frame_of(unsigned long addr, unsigned long *pfn)
{
	unsigned int level;
	pte_t *pte = lookup_address(addr, &level);
	if (!pte || !pte_present(*pte))
		return false;
	unsigned long mask = page_level_mask(level);
	*pfn = pte_pfn(*pte) + ((addr & ~mask) >> PAGE_SHIFT);
	return true;
}

void *arch_text_alias(const void *addr)
{
	unsigned long a = (unsigned long)addr, pfn;
	if (!alias_area)
		return NULL;
	unsigned slot = raw_smp_processor_id() * 2 + (in_task() ? 0 : 1);
	if (slot >= alias_slots)
		return NULL;
	u8 *base = alias_area + (size_t)slot * ALIAS_PAGES * PAGE_SIZE;
	pte_t **ptes = alias_ptes + (size_t)slot * ALIAS_PAGES;
	for (unsigned i = 0; i < ALIAS_PAGES; i++) {
		unsigned long page = (a & PAGE_MASK) + i * PAGE_SIZE;
		if (!frame_of(page, &pfn)) {
			if (i == 0)
				return NULL;
			pfn = page_to_pfn(ZERO_PAGE(0));
			set_pte(ptes[i], pfn_pte(pfn, PAGE_KERNEL_RO));
		} else {
			set_pte(ptes[i], pfn_pte(pfn, PAGE_KERNEL));
		}
		__asm__ volatile("invlpg (%0)" :: "r"(base + i * PAGE_SIZE) : "memory");
	}
	return base + (a & ~PAGE_MASK);
}

u64 arch_tsc_hz(void)
{
	return (u64)tsc_khz * 1000;
}

/* A parked CPU spins: it sits in an NMI handler, where hlt could only be
 * woken by an interrupt, and interrupts are not taken there. */
void arch_park_wait(void)
{
	cpu_relax();
}
