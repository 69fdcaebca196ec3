/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
/*
 * RSP framing, written once for every transport: "$data#cs", ack/nak,
 * retransmit, resynchronisation after garbage or a reconnecting gdb.
 * GDB manual, "Remote Protocol" > "Overview" and "Packet Acknowledgment".
 */
#ifndef STUB_RSP_PACKET_H
#define STUB_RSP_PACKET_H

#include "../lib/types.h"

/*
 * A transport.  Called from the debugger with IRQs off on the master CPU
 * (or from the Ctrl-C poller in a timer interrupt).
 */
struct rsp_transport {
	const char *name;
	/* Next received byte, or -1 when none arrived within timeout_ms
	 * (0 = just poll). */
	int (*getc)(u32 timeout_ms);
	/* Send n bytes (blocking until they are on their way). */
	void (*write)(const u8 *buf, size_t n);
	/* Optional: send one whole packet (one datagram on UDP).  NULL means
	 * write() is used. */
	void (*send_packet)(const u8 *buf, size_t n);
	/* Reliable links may drop acks (QStartNoAckMode). */
	bool reliable;
};

#define RSP_PACKET_MAX 0xff00	/* PacketSize we advertise */

enum {
	RSP_OK = 0,
	RSP_INTERRUPT = -1,	/* 0x03 arrived outside a packet */
	RSP_TIMEOUT = -2,	/* nothing arrived in time */
	RSP_TOO_LONG = -3,	/* a packet longer than RSP_PACKET_MAX (acked) */
};

struct rsp_conn {
	const struct rsp_transport *t;
	bool no_ack;
	int pushback;		/* a byte read ahead, or -1 */
	u32 bad_checksums;
	u32 retransmits;
	u32 dropped;		/* bytes of garbage outside packets */
	/* Timing for `monitor stats` (rsp_stats.h): a clock, or NULL for
	 * none.  rsp_recv sets t_start and bytes_in; the sends add up
	 * t_frame, t_send, t_ack and bytes_out until the caller takes and
	 * clears them. */
	u64 (*clock)(void);
	u64 t_start, t_frame, t_send, t_ack;
	u32 bytes_in, bytes_out;
	u8 tx[RSP_PACKET_MAX + 4];
};

void rsp_conn_init(struct rsp_conn *c, const struct rsp_transport *t);
/*
 * Receive one packet body into buf (size RSP_PACKET_MAX, NUL-terminated)
 * and acknowledge it.  Waits up to wait_ms for a packet to start (0 =
 * forever).  A packet that stalls mid-way for more than a second is
 * dropped and the receiver resynchronises on the next '$'.
 */
int rsp_recv(struct rsp_conn *c, char *buf, size_t *len, u32 wait_ms);
/*
 * Send a packet body and, unless acks are off, wait for '+', resending on
 * '-' or silence.  If gdb starts a new packet instead of acking, the send
 * is abandoned (gdb got it or gave up) and that '$' is kept for rsp_recv.
 */
void rsp_send(struct rsp_conn *c, const char *body, size_t n);
/* The last reply of a session (the OK to D): as rsp_send, but at most
 * two resends, since gdb may be gone before its ack is. */
void rsp_send_last(struct rsp_conn *c, const char *body, size_t n);
/* Send a notification-style packet without waiting for an ack (console
 * 'O' output while the target runs). */
void rsp_send_noack(struct rsp_conn *c, const char *body, size_t n);
/* A non-stop notification, "%body#cs" (no run-length encoding, no ack:
 * gdb answers it with a packet of its own, vStopped). */
void rsp_send_notify(struct rsp_conn *c, const char *body, size_t n);
/* Frame body into out as "$body#cs", run-length encoded; returns the
 * length.  out must hold n + 4 bytes (encoding never grows a body).
 * gdb decodes '*' in every packet it receives, binary ones included
 * (their own '*' bytes are escaped). */
size_t rsp_frame(const char *body, size_t n, u8 *out);

#endif
