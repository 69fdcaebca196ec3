/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
/*
 * x86_64 side of static hook sites (hooks/hook_arch.h): where the
 * descriptors are, and the two forms of a site (NOP, jmp).
 */
#include "../../hooks/hook_arch.h"
#include "../../hooks/patch.h"
#include "../../lib/string.h"
#include "trap.h"

extern const struct hook_site_desc __hook_sites_start[], __hook_sites_end[];

/* nopl 0x0(%rax,%rax,1): what HOOK_SITE_IMPL plants. */
static const u8 nop5[5] = { 0x0f, 0x1f, 0x44, 0x00, 0x00 };

const struct hook_site_desc *arch_hook_sites(size_t *n)
{
	*n = (size_t)(__hook_sites_end - __hook_sites_start);
	return __hook_sites_start;
}

/* jmp rel32 to the site's out-of-line block: the compiler put it in the
 * same function, so it is in reach. */
size_t arch_hook_site_insn(u64 site, u64 target, bool armed, u8 *out)
{
	if (armed) {
		s32 rel = (s32)((s64)target - (s64)(site + 5));
		out[0] = 0xe9;
		memcpy(out + 1, &rel, 4);
	} else {
		memcpy(out, nop5, sizeof(nop5));
	}
	return 5;
}

size_t arch_hook_read(u64 addr, u8 *buf, size_t n)
{
	return arch_copy_safe(buf, (const void *)addr, n);
}
