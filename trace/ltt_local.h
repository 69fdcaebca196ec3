/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
/*
 * CPU-local atomics for the trace buffer.  Every writer of a per-CPU
 * buffer runs on that CPU, so an operation only has to be atomic against
 * interrupts and NMIs on the same CPU: one instruction without a lock
 * prefix (LTTng's local_t).  Readers on other CPUs (a consumer, or the
 * debugger with the CPU stopped) only load, and x86 stores become visible
 * in program order.  Other architectures fall back to __atomic builtins.
 */
#ifndef TRACE_LTT_LOCAL_H
#define TRACE_LTT_LOCAL_H

#include "../lib/types.h"

#if defined(__x86_64__)
/* *p += v as one instruction. */
static inline void local_add64(u64 *p, u64 v)
{
	__asm__ volatile("addq %1, %0" : "+m"(*p) : "er"(v) : "memory");
}
/* if (*p == *old) *p = new, true; else *old = *p, false.  One instruction. */
static inline bool local_cmpxchg64(u64 *p, u64 *old, u64 new)
{
	u64 prev = *old;
	bool ok;
	__asm__ volatile("cmpxchgq %3, %1"
			 : "=@ccz"(ok), "+m"(*p), "+a"(prev)
			 : "r"(new)
			 : "memory");
	*old = prev;
	return ok;
}
#else
static inline void local_add64(u64 *p, u64 v)
{
	__atomic_fetch_add(p, v, __ATOMIC_RELEASE);
}
static inline bool local_cmpxchg64(u64 *p, u64 *old, u64 new)
{
	return __atomic_compare_exchange_n(p, old, new, false, __ATOMIC_ACQ_REL,
					   __ATOMIC_RELAXED);
}
#endif

/* A compiler barrier: the same CPU (an NMI) sees stores in this order. */
#define ltt_barrier() __asm__ volatile("" ::: "memory")

#endif
