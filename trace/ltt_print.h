/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
/* The flight recorder on the console after an oops or a panic. */
#ifndef TRACE_LTT_PRINT_H
#define TRACE_LTT_PRINT_H

#include "ltt.h"

/*
 * Print the last n events (at most 64) of every CPU, oldest first, one
 * line per call of out(): a "ltt: last N events of CPU c" line, then
 * "  [secs.nanos] event: field=value, ...".  The dying CPU, after its
 * register dump; other CPUs may still be logging.
 */
void ltt_print_last(unsigned n, void (*out)(const char *line));
/*
 * `monitor ltt [status|start|stop]`: start or stop, then the recorder's
 * state and each CPU's counts, a line per call of out().  The debugger
 * master (a host registers it as a monitor command).
 */
void ltt_monitor(const char *args, void (*out)(const char *text));

#endif
