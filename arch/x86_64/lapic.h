/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
/* Local APIC (xAPIC, MMIO): timer, EOI and inter-processor interrupts. */
#ifndef ARCH_X86_64_LAPIC_H
#define ARCH_X86_64_LAPIC_H

#include "../../lib/types.h"

/* Boot CPU, once: measures the LAPIC timer and TSC against the PIT. */
void lapic_calibrate(void);
/* Each CPU, IRQs off: enables its LAPIC and starts a periodic timer. */
void lapic_init_cpu(unsigned hz);
u32 lapic_id(void);
/* Any context, IRQs off, from the interrupt handler only. */
void lapic_eoi(void);
/* Send a fixed-vector IPI to one CPU (by APIC id).  Any context. */
void lapic_send_ipi(u32 apic_id, u8 vector);
/* Would an interrupt with this vector be delivered now (its priority
 * class above the processor priority: no equal or higher class in
 * service)?  This CPU, any context. */
bool lapic_can_take(u8 vector);
/* Send an NMI to one CPU.  Any context, NMI included. */
void lapic_send_nmi(u32 apic_id);
/* AP start-up (boot CPU only). */
void lapic_send_init(u32 apic_id);
void lapic_send_sipi(u32 apic_id, u8 page);
/* TSC ticks per second, measured by lapic_calibrate(). */
u64 arch_tsc_hz(void);
/* Busy-wait; usable before timers run and with IRQs off. */
void arch_udelay(u64 us);

#endif
