/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
/*
 * bridge_split: the protocol half of kstub-bridge, with no I/O.
 *
 * One serial line carries the kernel's console text and the GDB Remote
 * Serial Protocol (GDB manual, "Remote Protocol" > "Overview").  Bytes
 * read from the line go into bsplit_target(), which calls back with
 * events in stream order: console text, packets, acks.  Each event says
 * where it goes (to_gdb, console); the caller only moves bytes.  Bytes
 * from the debugger all go to the line unchanged; bsplit_gdb() watches
 * them so the splitter knows what the target's bytes can mean.
 *
 * Rules (docs/kstub-bridge.md has the long version):
 *  - "$body#xx" with a valid checksum is a packet, whole or not at all:
 *    a '$' inside a candidate restarts it, a candidate longer than
 *    max_packet or one whose checksum digits are not hex is console text.
 *    The byte after '}' is data (binary escapes).  A packet whose checksum
 *    does not match still goes to gdb (flag BS_F_BADSUM) so gdb NAKs it:
 *    the bridge never acks or NAKs for anyone.
 *  - '+' and '-' from the target are acks only while gdb waits for one.
 *    If console text arrived since gdb sent its packet (the target was
 *    running), the ack is held until the next byte: '$'/'%' or silence
 *    (bsplit_flush) confirm it, anything else makes it console text.
 *  - An 'O' packet (console output, 'O' + hex) is decoded for the
 *    console side.  It goes to gdb too, but only while gdb waits for a
 *    stop (after c/s/vCont;...), where RSP allows it; otherwise gdb would
 *    take it for the reply to whatever it asked.  'O' packets that answer
 *    qRcmd (monitor output) go to gdb only.
 *  - A candidate that stays incomplete (a console '$' with no '#xx') is
 *    released as text by bsplit_flush() after bsplit_pending_ms().
 */
#ifndef HOST_TOOLS_BRIDGE_SPLIT_H
#define HOST_TOOLS_BRIDGE_SPLIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum bs_dir {
	BS_FROM_TARGET,
	BS_FROM_GDB,
};

enum bs_type {
	BS_TEXT,	/* bytes that are not RSP (console text, or gdb garbage) */
	BS_PACKET,	/* $body#xx */
	BS_NOTIFY,	/* %Name:body#xx (non-stop notification) */
	BS_ACK,		/* + */
	BS_NAK,		/* - */
	BS_BREAK,	/* 0x03 outside a packet (from gdb) */
};

#define BS_F_BADSUM	0x01u	/* checksum does not match the body */
#define BS_F_RESEND	0x02u	/* a packet again after a NAK, or the same one unacked */
#define BS_F_CONSOLE	0x04u	/* 'O' packet of console output */
#define BS_F_MONITOR	0x08u	/* 'O' packet answering qRcmd */
#define BS_F_TRUNC	0x10u	/* gdb packet longer than max_packet: raw is cut */
#define BS_F_RESUME	0x20u	/* gdb packet that resumes the target */

struct bs_event {
	enum bs_dir dir;
	enum bs_type type;
	unsigned flags;
	const uint8_t *raw;	/* the bytes as they were on the wire */
	size_t raw_len;
	/* Routing, for events from the target (gdb's bytes always go to the
	 * line as they arrive): */
	bool to_gdb;		/* send raw to the debugger */
	const char *console;	/* text for the console side (raw text or a */
	size_t console_len;	/* decoded 'O' packet), or NULL */
};

typedef void (*bs_emit_fn)(void *ctx, const struct bs_event *ev);

struct bs_seen {		/* last packet one side sent: resend detection */
	uint32_t hash;
	size_t len;
	bool valid;
	bool acked;		/* the other side sent '+' since */
	bool nakked;		/* the other side sent '-' since */
};

struct bsplit {
	/* configuration (bsplit_init) */
	size_t max_packet;	/* longest body taken for a packet */
	bool crlf;		/* decoded 'O' text: "\n" -> "\r\n" like a UART console */

	/* target stream */
	int t_state;
	uint8_t *cand;		/* candidate packet, from '$' or '%' */
	size_t cand_len;
	uint8_t t_sum;
	bool t_esc;
	int held_ack;		/* '+' or '-' waiting for the next byte, or 0 */
	uint8_t ack_byte[1];	/* raw of an ack event */
	uint8_t *tacc;		/* console text not emitted yet */
	size_t tacc_len;
	char *decoded;		/* text of an 'O' packet */

	/* gdb stream */
	int g_state;
	uint8_t *gpkt;
	size_t gpkt_len;
	uint8_t g_sum;
	bool g_esc, g_trunc;
	uint8_t g_first[16];	/* first bytes of the body, for classification */
	size_t g_first_len;
	uint8_t g_cs[2];

	/* session, as far as the bytes show it */
	bool debugger;		/* a debugger is connected */
	bool ack_due;		/* gdb sent a packet the target has not acked */
	bool text_since_due;	/* console text arrived since */
	bool running;		/* gdb resumed the target, waits for a stop */
	bool rcmd;		/* qRcmd sent, final reply not seen */
	bool noack_req, no_ack;	/* QStartNoAckMode sent / accepted */
	bool detach_req;	/* D sent, reply not seen */
	struct bs_seen seen[2];	/* indexed by enum bs_dir */
};

/* max_packet: longest packet body accepted (e.g. 131072).  Returns 0, or
 * -1 when out of memory.  bsplit_free() releases the buffers. */
int bsplit_init(struct bsplit *bs, size_t max_packet);
void bsplit_free(struct bsplit *bs);

/* Bytes read from the serial line. */
void bsplit_target(struct bsplit *bs, const uint8_t *p, size_t n,
		   bs_emit_fn emit, void *ctx);

/* Bytes from the debugger (the caller has already queued them for the
 * line, unchanged).  Events are for statistics and tracing only. */
void bsplit_gdb(struct bsplit *bs, const uint8_t *p, size_t n,
		bs_emit_fn emit, void *ctx);

/* A debugger connected (true) or went away (false): the gdb-side state
 * starts over (an ack the target still owes stays expected).  While none
 * is connected no event has to_gdb set. */
void bsplit_set_debugger(struct bsplit *bs, bool connected);

/* True while the debugger is in the middle of a packet: other bytes for
 * the line (console keystrokes) must wait, or they would land inside it. */
bool bsplit_gdb_mid_packet(const struct bsplit *bs);

/* How long (ms) after the last byte from the target the caller should
 * call bsplit_flush(), or -1 when nothing is held. */
int bsplit_pending_ms(const struct bsplit *bs);

/* Resolve what is held: a held ack is an ack, an incomplete candidate
 * is console text. */
void bsplit_flush(struct bsplit *bs, bs_emit_fn emit, void *ctx);

/*
 * Decode a packet body (as on the wire, between '$' and '#') that is an
 * 'O' console packet: undo escapes and run-length encoding, decode the
 * hex into out (capacity cap).  Returns the text length, or -1 when the
 * body is not an 'O' packet ("OK" is not).  Exposed for tests.
 */
long bsplit_decode_o(const uint8_t *body, size_t n, char *out, size_t cap);

#endif
