/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
#include "lapic.h"
#include "cpu.h"
#include "regs.h"

#define LAPIC_BASE 0xfee00000ull
#define REG_ID 0x20
#define REG_EOI 0xb0
#define REG_PPR 0xa0
#define REG_SVR 0xf0
#define REG_ICR_LO 0x300
#define REG_ICR_HI 0x310
#define REG_LVT_TIMER 0x320
#define REG_LVT_LINT0 0x350
#define REG_LVT_LINT1 0x360
#define REG_TIMER_INIT 0x380
#define REG_TIMER_CUR 0x390
#define REG_TIMER_DIV 0x3e0

#define ICR_FIXED 0x000
#define ICR_NMI 0x400
#define ICR_INIT 0x500
#define ICR_SIPI 0x600
#define ICR_ASSERT 0x4000
#define ICR_PENDING 0x1000

static u64 timer_hz; /* LAPIC timer ticks per second at divide-by-16 */
static u64 tsc_hz;

static inline u32 rd(u32 reg)
{
	return *(volatile u32 *)(LAPIC_BASE + reg);
}
static inline void wr(u32 reg, u32 v)
{
	*(volatile u32 *)(LAPIC_BASE + reg) = v;
}

u32 lapic_id(void)
{
	return rd(REG_ID) >> 24;
}

void lapic_eoi(void)
{
	wr(REG_EOI, 0);
}

/* One PIT channel 2 one-shot of 10 ms; returns LAPIC timer ticks (at
 * divide-by-16) and TSC ticks counted meanwhile. */
static void measure_10ms(u64 *lapic, u64 *tsc)
{
	u8 p61 = inb(0x61);
	outb(0x61, (u8)((p61 & ~0x02) | 0x01));
	outb(0x43, 0xb0);
	outb(0x42, 11932 & 0xff);
	outb(0x42, 11932 >> 8);
	p61 = inb(0x61) & ~0x01;
	outb(0x61, p61);
	wr(REG_TIMER_INIT, 0xffffffff);
	u64 t0 = rdtsc();
	outb(0x61, p61 | 1);
	while (!(inb(0x61) & 0x20))
		;
	u64 t1 = rdtsc();
	*lapic = 0xffffffffu - rd(REG_TIMER_CUR);
	*tsc = t1 - t0;
	wr(REG_TIMER_INIT, 0);
}

void lapic_calibrate(void)
{
	wr(REG_SVR, 0x100 | VEC_SPURIOUS);
	wr(REG_TIMER_DIV, 0x3);
	wr(REG_LVT_TIMER, 1u << 16); /* masked, one-shot */
	/* Under an emulator on a busy host a vCPU can be descheduled while
	 * the PIT runs, which only ever makes a window look longer: keep
	 * the shortest of a few. */
	u64 best_lapic = ~0ull, best_tsc = ~0ull;
	for (int i = 0; i < 5; i++) {
		u64 l, t;
		measure_10ms(&l, &t);
		if (t < best_tsc) {
			best_tsc = t;
			best_lapic = l;
		}
	}
	timer_hz = best_lapic * 100;
	tsc_hz = best_tsc * 100;
}

void lapic_init_cpu(unsigned hz)
{
	wr(REG_SVR, 0x100 | VEC_SPURIOUS);
	wr(REG_LVT_LINT0, 1u << 16);
	wr(REG_LVT_LINT1, 1u << 16);
	wr(REG_TIMER_DIV, 0x3);
	wr(REG_LVT_TIMER, VEC_TIMER | (1u << 17)); /* periodic */
	wr(REG_TIMER_INIT, (u32)(timer_hz / hz));
}

static void icr_send(u32 apic_id, u32 lo)
{
	u64 f = irq_save();
	while (rd(REG_ICR_LO) & ICR_PENDING)
		cpu_relax();
	wr(REG_ICR_HI, apic_id << 24);
	wr(REG_ICR_LO, lo);
	while (rd(REG_ICR_LO) & ICR_PENDING)
		cpu_relax();
	irq_restore(f);
}

bool lapic_can_take(u8 vector)
{
	return (vector >> 4) > ((rd(REG_PPR) >> 4) & 15);
}

void lapic_send_ipi(u32 apic_id, u8 vector)
{
	icr_send(apic_id, ICR_FIXED | ICR_ASSERT | vector);
}

void lapic_send_nmi(u32 apic_id)
{
	icr_send(apic_id, ICR_NMI | ICR_ASSERT);
}

void lapic_send_init(u32 apic_id)
{
	icr_send(apic_id, ICR_INIT | ICR_ASSERT);
}

void lapic_send_sipi(u32 apic_id, u8 page)
{
	icr_send(apic_id, ICR_SIPI | ICR_ASSERT | page);
}

u64 arch_tsc_hz(void)
{
	return tsc_hz;
}

void arch_udelay(u64 us)
{
	u64 end = rdtsc() + tsc_hz / 1000000 * us;
	while (rdtsc() < end)
		cpu_relax();
}
