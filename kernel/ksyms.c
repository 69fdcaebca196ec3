/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
/*
 * Embedded symbol table.  tools/gen-ksyms.sh writes it from the first
 * link's text symbols into the .ksyms section, which the linker script
 * places last, so the second link changes no other address.
 */
#include "kernel.h"

extern const u64 ksym_count;
extern const u64 ksym_addrs[];
extern const u32 ksym_name_off[];
extern const char ksym_names[];

const char *ksym_lookup(u64 addr, u64 *offset)
{
	u64 lo = 0, hi = ksym_count;
	if (!hi || addr < ksym_addrs[0])
		return 0;
	while (hi - lo > 1) {
		u64 mid = (lo + hi) / 2;
		if (ksym_addrs[mid] <= addr)
			lo = mid;
		else
			hi = mid;
	}
	/* The last symbol has no known end: only trust it near its start. */
	if (lo == ksym_count - 1 && addr - ksym_addrs[lo] > 0x10000)
		return 0;
	*offset = addr - ksym_addrs[lo];
	return &ksym_names[ksym_name_off[lo]];
}

/* Start of the first symbol after addr's (its end), 0 if none. */
u64 ksym_next(u64 addr)
{
	u64 lo = 0, hi = ksym_count;
	while (lo < hi) {
		u64 mid = (lo + hi) / 2;
		if (ksym_addrs[mid] <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < ksym_count ? ksym_addrs[lo] : 0;
}

u64 ksym_addr(const char *name)
{
	for (u64 i = 0; i < ksym_count; i++)
		if (!strcmp(&ksym_names[ksym_name_off[i]], name))
			return ksym_addrs[i];
	return 0;
}
