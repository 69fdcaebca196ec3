// SPDX-License-Identifier: MIT OR GPL-2.0-only
/*
 * Where no breakpoint or probe may go, found at load (task context) and
 * asked from any context (an int3 handler, the debugger master):
 *  - code the debugger itself runs: this module, the kernel's kprobe
 *    blacklist (entry code, noinstr, NOKPROBE: the int3, #DB and NMI
 *    paths), and the kernel functions the stop path calls;
 *  - bytes Linux rewrites itself: ftrace call sites (asked of ftrace),
 *    jump labels, static calls and alternatives of the core kernel
 *    (their tables, read here once, since the kernel's own checks take
 *    mutexes), and the jump labels and static calls of the module the
 *    address is in (its own tables, kept in struct module; the caller
 *    runs with preemption off, as in any stop, so it cannot go away).
 */
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/sort.h>
#include <linux/slab.h>
#include <linux/mm.h>
#include <linux/kallsyms.h>
#include <linux/jump_label.h>
#include <linux/static_call_types.h>
#include "kstub_linux.h"

struct kl_range {
	unsigned long start, end;
};

static struct kl_range *sites;
static size_t nsites;

/* Functions called with CPUs parked (arch_glue.c, port.c, ksyms.c). */
static const char *const stop_path[] = {
	"copy_from_kernel_nofault", "copy_to_kernel_nofault",
	"copy_from_kernel_nofault_allowed", "lookup_address",
	"lookup_address_in_pgd", "__module_text_address", "__module_address",
	"core_kernel_text", "kallsyms_lookup", "kallsyms_lookup_size_offset",
	"within_kprobe_blacklist", "ftrace_location", "ftrace_location_range",
	"native_set_pte", "native_flush_tlb_one_user", "emergency_restart",
	"touch_softlockup_watchdog", "touch_softlockup_watchdog_sync",
	"arch_touch_nmi_watchdog", "clocksource_touch_watchdog",
	"rcu_cpu_stall_reset", "vprintk", "vprintk_emit", "_printk",
	"vprintk_store", "default_send_IPI_mask_allbutself_phys",
	"default_send_IPI_mask_sequence_phys", "flat_send_IPI_mask",
	"flat_send_IPI_mask_allbutself", "native_apic_mem_write",
	"native_apic_mem_read", "x2apic_send_IPI_mask",
	"x2apic_send_IPI_mask_allbutself", "native_write_msr",
	"hrtimer_forward", "memcpy", "memset", "memmove", "memcmp",
	"__memcpy", "__memset", "__memmove", "strlen", "sort",
	"__x86_indirect_thunk_rax", "__x86_return_thunk", "snprintf",
	"vsnprintf",
};
static struct kl_range stop_ranges[ARRAY_SIZE(stop_path)];

static int cmp_range(const void *a, const void *b)
{
	const struct kl_range *x = a, *y = b;
	return x->start < y->start ? -1 : x->start > y->start;
}

static size_t add_table(struct kl_range *out, size_t n, const char *first,
			const char *last, size_t entry, int kind)
{
	unsigned long s = kl_lookup(first), e = kl_lookup(last);
	if (!s || !e || e < s)
		return n;
	for (unsigned long p = s; p + entry <= e; p += entry) {
		const s32 *rel = (const s32 *)p;
		unsigned long at = p + *rel;
		unsigned long len = 5;		/* jmp/call rel32, or its NOP */
		if (kind == 2)			/* struct alt_instr: instrlen */
			len = *(const u8 *)(p + 10);
		if (out) {
			out[n].start = at;
			out[n].end = at + (len ? len : 1);
		}
		n++;
	}
	return n;
}

static size_t all_tables(struct kl_range *out)
{
	size_t n = 0;
	/* struct jump_entry { s32 code, target; long key; } */
	n = add_table(out, n, "__start___jump_table", "__stop___jump_table", 16, 0);
	/* struct static_call_site { s32 addr, key; } */
	n = add_table(out, n, "__start_static_call_sites",
		      "__stop_static_call_sites", 8, 1);
	/* struct alt_instr { s32 instr, repl; u16 cpuid; u8 instrlen,
	 * replacementlen; } (packed, 12 bytes) */
	n = add_table(out, n, "__alt_instructions", "__alt_instructions_end", 12, 2);
	return n;
}

int kl_noprobe_init(void)
{
	char buf[KSYM_NAME_LEN];
	for (size_t i = 0; i < ARRAY_SIZE(stop_path); i++) {
		unsigned long a = kl_lookup(stop_path[i]), start, size;
		if (a && kl_sym_of(a, &start, &size, buf)) {
			stop_ranges[i].start = start;
			stop_ranges[i].end = start + size;
		}
	}
	size_t n = all_tables(NULL);
	if (!n) {
		pr_warn("kstub: no jump label, static call or alternatives table found\n");
		return 0;
	}
	sites = kvmalloc_array(n, sizeof(*sites), GFP_KERNEL);
	if (!sites)
		return -ENOMEM;
	nsites = all_tables(sites);
	sort(sites, nsites, sizeof(*sites), cmp_range, NULL);
	return 0;
}

void kl_noprobe_exit(void)
{
	kvfree(sites);
	sites = NULL;
	nsites = 0;
}

const char *kl_noprobe(unsigned long addr)
{
	if (within_module_core(addr, THIS_MODULE) ||
	    within_module_init(addr, THIS_MODULE))
		return "inside kstub.ko";
	if (kl_kprobe_blacklisted(addr))
		return "entry, noinstr or NOKPROBE code (Linux's kprobe blacklist)";
	for (size_t i = 0; i < ARRAY_SIZE(stop_ranges); i++)
		if (addr >= stop_ranges[i].start && addr < stop_ranges[i].end)
			return "a kernel function the debugger calls while stopped";
	return NULL;
}

static bool overlaps(unsigned long a, size_t alen, unsigned long b, size_t blen)
{
	return a < b + blen && b < a + alen;
}

/* A module's jump labels and static call sites (not sorted for us: a
 * scan; modules have tens of them). */
static const char *module_sites(unsigned long addr, size_t len)
{
	const char *why = NULL;
	preempt_disable_notrace();
	struct module *m = kl_module_of(addr);
	for (unsigned i = 0; m && !why && i < m->num_jump_entries; i++)
		if (overlaps(addr, len, jump_entry_code(&m->jump_entries[i]), 5))
			why = "jump label (Linux patches it)";
	for (int i = 0; m && !why && i < m->num_static_call_sites; i++) {
		const struct static_call_site *s = &m->static_call_sites[i];
		if (overlaps(addr, len, (unsigned long)&s->addr + s->addr, 5))
			why = "static call (Linux patches it)";
	}
	preempt_enable_notrace();
	return why;
}

const char *kl_sites_reserved(unsigned long addr, size_t len)
{
	if (!kl_core_kernel_text(addr))
		return module_sites(addr, len);
	/* The first site starting at or after addr + len, then look back
	 * over the ones before it: sites are short (<= 255 bytes). */
	size_t lo = 0, hi = nsites;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (sites[mid].start < addr + len)
			lo = mid + 1;
		else
			hi = mid;
	}
	while (lo > 0) {
		const struct kl_range *r = &sites[--lo];
		if (r->start + 256 <= addr)
			break;
		if (r->end > addr)
			return "jump label, static call or alternative (Linux patches it)";
	}
	return NULL;
}
