/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
/*
 * What the trace core needs from its host (the reference kernel's
 * kernel/port/ltt_port.c, or the fakes of a hosted unit test).  Plain
 * functions, all callable from any context, NMI included.
 */
#ifndef TRACE_LTT_PORT_H
#define TRACE_LTT_PORT_H

#include "../lib/types.h"

/* Timestamp of the trace clock (TSC).  Monotonic on one CPU. */
u64 ltt_port_clock(void);
/* Index of the running CPU, < the ncpus given to ltt_init. */
unsigned ltt_port_cpu(void);

#endif
