/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
/* Test-and-test-and-set spinlocks.  The _irqsave forms are for locks also
 * taken from interrupt handlers on the same CPU. */
#ifndef KERNEL_SPINLOCK_H
#define KERNEL_SPINLOCK_H

#include "../lib/types.h"
#include "../arch/x86_64/cpu.h"

typedef struct {
	volatile u32 locked;
} spinlock_t;

static inline bool spin_trylock(spinlock_t *l)
{
	return !__atomic_exchange_n(&l->locked, 1, __ATOMIC_ACQUIRE);
}

static inline void spin_lock(spinlock_t *l)
{
	while (!spin_trylock(l))
		while (__atomic_load_n(&l->locked, __ATOMIC_RELAXED))
			cpu_relax();
}

static inline void spin_unlock(spinlock_t *l)
{
	__atomic_store_n(&l->locked, 0, __ATOMIC_RELEASE);
}

static inline u64 spin_lock_irqsave(spinlock_t *l)
{
	u64 f = irq_save();
	spin_lock(l);
	return f;
}

static inline void spin_unlock_irqrestore(spinlock_t *l, u64 f)
{
	spin_unlock(l);
	irq_restore(f);
}

#endif
