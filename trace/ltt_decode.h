/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
/*
 * Decoding a trace area image (a raw dump: FORMAT.md) on the host or in a
 * test: checks the header, walks each CPU's packets in order, validates
 * and decodes records.  Never trusts the image: every offset is checked
 * and an error names the byte offset in the image where it went wrong.
 * Portable (no libc); host-tools/ltt-convert and the unit tests use it.
 */
#ifndef TRACE_LTT_DECODE_H
#define TRACE_LTT_DECODE_H

#include "ltt.h"

struct ltt_dec {
	const u8 *img;
	u64 size;
	const struct ltt_area *a;	/* == img once ltt_dec_open succeeded */
	char err[160];			/* why the last call failed */
};

/* One packet, ready to be written out as CTF: its header is fixed up in
 * hdr (end time and sizes of the content kept). */
struct ltt_dec_packet {
	unsigned cpu;
	u64 seq;
	u64 img_off;		/* where the packet starts in the image */
	const u8 *data;		/* the packet in the image */
	u32 content;		/* bytes of header + valid records */
	u8 hdr[LTT_PKT_HDR];	/* header with timestamp_end, content_size
				 * and packet_size = content * 8 */
	u64 ts_begin, ts_end;
	u64 discarded;
	u32 dropped;		/* bytes of uncommitted records cut off */
	u32 nrecords;
	bool open;		/* the packet writers were filling */
};

struct ltt_dec_record {
	unsigned cpu;
	u64 ts;
	u32 id;
	const struct ltt_event *ev;
	const u8 *payload;
	u32 len;		/* payload bytes (record length - header) */
	u64 img_off;
};

/* 0 or -1 (d->err says why). */
int ltt_dec_open(struct ltt_dec *d, const void *img, u64 size);
/*
 * Calls fn for each packet of cpu, oldest first.  A packet with a
 * record still being written when the image was taken is cut before that
 * record (counted in dropped).  Returns 0, -1 on corrupt data (d->err),
 * or fn's non-zero return.
 */
int ltt_dec_packets(struct ltt_dec *d, unsigned cpu,
		    int (*fn)(const struct ltt_dec_packet *p, void *arg),
		    void *arg);
/* Calls fn for each record of a packet.  0, -1 (corrupt) or fn's value. */
int ltt_dec_records(struct ltt_dec *d, const struct ltt_dec_packet *p,
		    int (*fn)(const struct ltt_dec_record *r, void *arg),
		    void *arg);
/* Payload as "name=value, ..." text (JSON-ish when json is true:
 * "\"name\": value, ...").  Returns the length (snprintf rule). */
size_t ltt_dec_fields(const struct ltt_dec_record *r, bool json, char *buf,
		      size_t size);
/* Name of an event type, "?" when unknown. */
const char *ltt_dec_type_name(u8 type);

#endif
