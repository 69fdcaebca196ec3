/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
/*
 * Static LTT event sites in kernel code: LTT_SITE(event, a0..a3), one line
 * at the place the event happens.  Each site is a hook point (hooks/hook.h)
 * named "ltt_<event>": disarmed it costs one 5-byte NOP; enabling the event
 * arms the hook and its exit (kernel/trace_events.c) logs the record.
 *
 * This header is the one place that says how a site is compiled.  Built
 * with -DLTT_SITES_DIRECT (a kernel without the hook layer), a site is a
 * predicted-not-taken test of a per-event "armed" byte and a direct call
 * instead: same exits, same enable/disable switch, a load and a branch
 * instead of a NOP.
 */
#ifndef TRACE_LTT_SITE_H
#define TRACE_LTT_SITE_H

#include "../lib/types.h"
#include "ltt.h"

/* The exit side: a0..a3 as the site passed them. */
typedef void (*ltt_site_fn)(const u64 *args);

#ifndef LTT_SITES_DIRECT
#include "../hooks/hook.h"
#define LTT_SITE(event, ...) HOOK(ltt_##event, ##__VA_ARGS__)
#else
extern u8 ltt_site_armed[LTT_EV_NSTATIC];
void ltt_site_fire(unsigned id, u64 a0, u64 a1, u64 a2, u64 a3);
#define LTT_SITE_ARGS_(id, a0, a1, a2, a3, ...) \
	ltt_site_fire(id, (u64)(a0), (u64)(a1), (u64)(a2), (u64)(a3))
#define LTT_SITE(event, ...)                                              \
	do {                                                              \
		if (__builtin_expect(ltt_site_armed[LTT_SITE_ID_##event], 0)) \
			LTT_SITE_ARGS_(LTT_SITE_ID_##event, ##__VA_ARGS__,    \
				       0, 0, 0, 0);                           \
	} while (0)
#endif

/* Site name -> event id (the direct mode indexes by id). */
#define LTT_SITE_ID_syscall_entry LTT_EV_SYSCALL_ENTRY
#define LTT_SITE_ID_syscall_exit LTT_EV_SYSCALL_EXIT
#define LTT_SITE_ID_trap_entry LTT_EV_TRAP_ENTRY
#define LTT_SITE_ID_trap_exit LTT_EV_TRAP_EXIT
#define LTT_SITE_ID_irq_entry LTT_EV_IRQ_ENTRY
#define LTT_SITE_ID_irq_exit LTT_EV_IRQ_EXIT
#define LTT_SITE_ID_sched_switch LTT_EV_SCHED_SWITCH
#define LTT_SITE_ID_timer_tick LTT_EV_TIMER_TICK
#define LTT_SITE_ID_task_create LTT_EV_TASK_CREATE
#define LTT_SITE_ID_task_exit LTT_EV_TASK_EXIT

#endif
