/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
/*
 * x86_64 side of static hook sites (hooks/hook_arch.h): where the
 * descriptors are, and the two forms of a site.
 */
#include "../../hooks/hook_arch.h"
#include "../../hooks/patch.h"
#include "../../lib/string.h"
#include "trap.h"

extern const struct hook_site_desc __hook_sites_start[], __hook_sites_end[];
extern const u8 hook_trampoline[];

/* nopl 0x0(%rax,%rax,1): what HOOK_SITE_IMPL plants. */
static const u8 nop5[5] = { 0x0f, 0x1f, 0x44, 0x00, 0x00 };

const struct hook_site_desc *arch_hook_sites(size_t *n)
{
	*n = (size_t)(__hook_sites_end - __hook_sites_start);
	return __hook_sites_start;
}

/* call rel32 to the trampoline; the kernel is linked in the low 2 GiB,
 * so every site reaches it. */
static void call_insn(u64 site, u8 *out)
{
	s32 rel = (s32)((s64)(u64)hook_trampoline - (s64)(site + 5));
	out[0] = 0xe8;
	memcpy(out + 1, &rel, 4);
}

size_t arch_hook_site_insn(u64 site, bool armed, u8 *out)
{
	if (armed)
		call_insn(site, out);
	else
		memcpy(out, nop5, sizeof(nop5));
	return 5;
}

bool arch_hook_is_site_call(u64 addr, const u8 *bytes, size_t len)
{
	u8 call[5];
	call_insn(addr, call);
	return len == 5 && !memcmp(bytes, call, 5);
}

size_t arch_hook_read(u64 addr, u8 *buf, size_t n)
{
	return arch_copy_safe(buf, (const void *)addr, n);
}
