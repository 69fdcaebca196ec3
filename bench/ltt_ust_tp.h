/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
/* LTTng-UST tracepoints for bench/ltt_native.c: the same payloads as the
 * kstub trace benchmark (2 and 8 u64 fields). */
#undef LTTNG_UST_TRACEPOINT_PROVIDER
#define LTTNG_UST_TRACEPOINT_PROVIDER kstub_bench

#undef LTTNG_UST_TRACEPOINT_INCLUDE
#define LTTNG_UST_TRACEPOINT_INCLUDE "./ltt_ust_tp.h"

#if !defined(LTT_UST_TP_H) || defined(LTTNG_UST_TRACEPOINT_HEADER_MULTI_READ)
#define LTT_UST_TP_H

#include <lttng/tracepoint.h>

LTTNG_UST_TRACEPOINT_EVENT(kstub_bench, ev2,
	LTTNG_UST_TP_ARGS(uint64_t, a, uint64_t, b),
	LTTNG_UST_TP_FIELDS(
		lttng_ust_field_integer(uint64_t, a, a)
		lttng_ust_field_integer(uint64_t, b, b)))

LTTNG_UST_TRACEPOINT_EVENT(kstub_bench, ev8,
	LTTNG_UST_TP_ARGS(const uint64_t *, v),
	LTTNG_UST_TP_FIELDS(
		lttng_ust_field_integer(uint64_t, a, v[0])
		lttng_ust_field_integer(uint64_t, b, v[1])
		lttng_ust_field_integer(uint64_t, c, v[2])
		lttng_ust_field_integer(uint64_t, d, v[3])
		lttng_ust_field_integer(uint64_t, e, v[4])
		lttng_ust_field_integer(uint64_t, f, v[5])
		lttng_ust_field_integer(uint64_t, g, v[6])
		lttng_ust_field_integer(uint64_t, h, v[7])))

#endif

#include <lttng/tracepoint-event.h>
