/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
/* Just enough ACPI to enumerate CPUs from the MADT. */
#ifndef ARCH_X86_64_ACPI_H
#define ARCH_X86_64_ACPI_H

#include "../../lib/types.h"

/*
 * Boot CPU, at boot.  Fills ids[] with the APIC ids of enabled CPUs and
 * returns how many, or 0 when no MADT was found.  rsdp is the boot
 * loader's hint (0 = search the BIOS areas).
 */
int acpi_cpu_apic_ids(u64 rsdp, u32 *ids, int max);

#endif
