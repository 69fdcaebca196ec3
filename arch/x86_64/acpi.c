/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
#include "acpi.h"
#include "../../lib/string.h"

struct rsdp {
	char sig[8];
	u8 csum;
	char oem[6];
	u8 rev;
	u32 rsdt;
	u32 len;
	u64 xsdt;
	u8 xcsum;
	u8 reserved[3];
} __attribute__((packed));

struct sdt {
	char sig[4];
	u32 len;
	u8 rev;
	u8 csum;
	char oem[6];
	char oem_table[8];
	u32 oem_rev;
	u32 creator;
	u32 creator_rev;
} __attribute__((packed));

static bool sum_ok(const void *p, size_t n)
{
	const u8 *b = p;
	u8 s = 0;
	while (n--)
		s += *b++;
	return s == 0;
}

static const struct rsdp *scan(u64 start, u64 len)
{
	for (u64 a = start; a + 20 <= start + len; a += 16) {
		const struct rsdp *r = (const void *)a;
		if (!memcmp(r->sig, "RSD PTR ", 8) && sum_ok(r, 20))
			return r;
	}
	return 0;
}

static const struct sdt *find_madt(const struct rsdp *r)
{
	if (r->rev >= 2 && r->xsdt) {
		const struct sdt *x = (const void *)r->xsdt;
		size_t n = (x->len - sizeof(*x)) / 8;
		const u64 *ent = (const u64 *)(x + 1);
		for (size_t i = 0; i < n; i++) {
			const struct sdt *t = (const void *)ent[i];
			if (!memcmp(t->sig, "APIC", 4))
				return t;
		}
	}
	const struct sdt *rs = (const void *)(u64)r->rsdt;
	size_t n = (rs->len - sizeof(*rs)) / 4;
	const u32 *ent = (const u32 *)(rs + 1);
	for (size_t i = 0; i < n; i++) {
		const struct sdt *t = (const void *)(u64)ent[i];
		if (!memcmp(t->sig, "APIC", 4))
			return t;
	}
	return 0;
}

int acpi_cpu_apic_ids(u64 rsdp, u32 *ids, int max)
{
	const struct rsdp *r = rsdp ? (const void *)rsdp : 0;
	if (!r) {
		/* The BIOS data area keeps the EBDA segment at 0x40e.  The
		 * empty asm hides the constant address from GCC's bounds
		 * checks. */
		u64 bda = 0x40e;
		__asm__("" : "+r"(bda));
		u64 ebda = (u64)(*(volatile u16 *)bda) << 4;
		if (ebda)
			r = scan(ebda, 1024);
	}
	if (!r)
		r = scan(0xe0000, 0x20000);
	if (!r)
		return 0;
	const struct sdt *madt = find_madt(r);
	if (!madt)
		return 0;
	const u8 *p = (const u8 *)madt + sizeof(*madt) + 8;
	const u8 *end = (const u8 *)madt + madt->len;
	int n = 0;
	while (p + 2 <= end && p[1] >= 2) {
		/* Type 0: processor local APIC; flags bit 0 = enabled. */
		if (p[0] == 0 && (p[4] & 1) && n < max)
			ids[n++] = p[3];
		p += p[1];
	}
	return n;
}
