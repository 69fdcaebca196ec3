/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
/* Test-and-test-and-set spinlocks.  The _irqsave forms are for locks also
 * taken from interrupt handlers on the same CPU. */
#ifndef KERNEL_SPINLOCK_H
#define KERNEL_SPINLOCK_H

#include "../lib/types.h"
#include "../arch/x86_64/cpu.h"
#include "percpu.h"

typedef struct {
	volatile u32 locked;
} spinlock_t;

static inline bool spin_trylock(spinlock_t *l)
{
	return !__atomic_exchange_n(&l->locked, 1, __ATOMIC_ACQUIRE);
}

/* A CPU that has to wait says for which lock (percpu.spinning_on), for
 * `monitor cpus`: with gdb stopping CPUs one by one (non-stop), a CPU
 * stopped holding a lock leaves the others spinning, and the debugger
 * says so.  (Waiting needs a second CPU, so gs is set up by then.) */
static inline void spin_lock(spinlock_t *l)
{
	if (spin_trylock(l))
		return;
	struct percpu *me = this_cpu();
	me->spinning_on = l;
	while (!spin_trylock(l))
		while (__atomic_load_n(&l->locked, __ATOMIC_RELAXED))
			cpu_relax();
	me->spinning_on = 0;
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
