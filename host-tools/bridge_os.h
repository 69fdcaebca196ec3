/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
/*
 * The operating-system pieces of kstub-bridge that are not the serial
 * port: the controlling terminal in raw mode, a pseudo-terminal for
 * --gdb-pty, clocks and signals.  POSIX; Linux, macOS and FreeBSD.
 */
#ifndef HOST_TOOLS_BRIDGE_OS_H
#define HOST_TOOLS_BRIDGE_OS_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>

/* Put terminal fd in raw mode (no echo, no line editing, no signal
 * keys); os_term_restore() puts it back (also registered with atexit). */
int os_term_raw(int fd);
void os_term_restore(void);
bool os_term_is_raw(void);

/* A new pseudo-terminal for a debugger: returns the master descriptor
 * (non-blocking) and the slave's path in name.  The slave is raw. */
int os_pty_open(char *name, size_t len);
/* Is the slave side open (by a debugger) right now? */
bool os_pty_peer_present(int master);

/* Seconds on a monotonic clock. */
double os_now(void);
/* "YYYY-MM-DD HH:MM:SS.mmm", local time. */
void os_wallclock(char *buf, size_t len);

/* SIGINT, SIGTERM, SIGHUP set *quit to the signal number; SIGUSR1 sets
 * *stats; SIGPIPE is ignored. */
void os_signals(volatile sig_atomic_t *quit, volatile sig_atomic_t *stats);

/* O_NONBLOCK on fd. */
int os_nonblock(int fd);

#endif
