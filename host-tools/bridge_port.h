/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
/*
 * The serial port of kstub-bridge.  Serial ports open through
 * libserialport.  A terminal device libserialport does not know (a
 * pseudo-terminal such as QEMU's `-serial pty`: libserialport 0.1.1
 * looks ports up in /sys/class/tty, where ptys are absent) opens through
 * POSIX termios instead, with the same settings.  Either way the port is
 * locked (flock + TIOCEXCL) so a second program cannot share it.
 */
#ifndef HOST_TOOLS_BRIDGE_PORT_H
#define HOST_TOOLS_BRIDGE_PORT_H

#include <stddef.h>
#include <stdio.h>

enum bport_flow {
	BPORT_FLOW_NONE,
	BPORT_FLOW_XONXOFF,
	BPORT_FLOW_RTSCTS,
};

struct bport_settings {
	int baud;		/* > 0 */
	int data_bits;		/* 5..8 */
	char parity;		/* 'N', 'O', 'E', 'M', 'S' */
	int stop_bits;		/* 1 or 2 */
	enum bport_flow flow;
};

struct bport;

/* Why bport_open failed: picks the exit status. */
enum bport_err {
	BPORT_OK,
	BPORT_ENOENT,		/* no such port */
	BPORT_EBUSY,		/* another program has it */
	BPORT_ESETTING,		/* a setting the port refused */
	BPORT_EOTHER,
};

/* Opens and configures path.  On failure returns NULL, *why, and a
 * one-line reason in err (no program name, no newline). */
struct bport *bport_open(const char *path, const struct bport_settings *s,
			 enum bport_err *why, char *err, size_t errlen);

/* "libserialport" or "termios (pseudo-terminal)". */
const char *bport_backend(const struct bport *p);

/* A descriptor to poll() for input and output readiness. */
int bport_fd(const struct bport *p);

/* Read or write without blocking: bytes moved (0: would block), or -1
 * with a reason in err (the line is gone). */
long bport_read(struct bport *p, void *buf, size_t n, char *err, size_t errlen);
long bport_write(struct bport *p, const void *buf, size_t n, char *err, size_t errlen);

/* Hold the line in the break condition for about 250 ms. */
int bport_send_break(struct bport *p, char *err, size_t errlen);

void bport_close(struct bport *p);

/* libserialport's version, for --version. */
const char *bport_lib_version(void);

/* --list: one line per port (name, transport, USB VID:PID, serial number,
 * description).  Returns 0, or -1 with a reason in err. */
int bport_list(FILE *out, char *err, size_t errlen);

#endif
