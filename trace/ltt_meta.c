/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
/*
 * TSDL (CTF 1.8) metadata kept in the trace area.  The prefix describes the
 * trace, the TSC clock and the one stream; each declared event appends its
 * block, so the text always covers every id a packet may hold.  Integers
 * are byte-aligned: records are packed, with no padding anywhere, so a
 * packet's content ends exactly where its last record does.
 */
#include "ltt.h"
#include "../lib/string.h"
#include "../lib/fmt.h"

static const char prefix_fmt[] =
	"/* CTF 1.8 */\n"
	"/* kstub LTT trace: see trace/FORMAT.md */\n"
	"typealias integer { size = 8; align = 8; signed = false; } := uint8_t;\n"
	"typealias integer { size = 16; align = 8; signed = false; } := uint16_t;\n"
	"typealias integer { size = 32; align = 8; signed = false; } := uint32_t;\n"
	"typealias integer { size = 64; align = 8; signed = false; } := uint64_t;\n"
	"typealias integer { size = 8; align = 8; signed = true; } := int8_t;\n"
	"typealias integer { size = 16; align = 8; signed = true; } := int16_t;\n"
	"typealias integer { size = 32; align = 8; signed = true; } := int32_t;\n"
	"typealias integer { size = 64; align = 8; signed = true; } := int64_t;\n"
	"typealias integer { size = 64; align = 8; signed = false; base = 16; } := xint64_t;\n"
	"\n"
	"trace {\n"
	"\tmajor = 1;\n"
	"\tminor = 8;\n"
	"\tuuid = \"%s\";\n"
	"\tbyte_order = le;\n"
	"\tpacket.header := struct {\n"
	"\t\tuint32_t magic;\n"
	"\t\tuint8_t uuid[16];\n"
	"\t\tuint32_t stream_id;\n"
	"\t\tuint64_t stream_instance_id;\n"
	"\t};\n"
	"};\n"
	"\n"
	"env {\n"
	"\thostname = \"kstub\";\n"
	"\tdomain = \"kernel\";\n"
	"\ttracer_name = \"kstub-ltt\";\n"
	"\ttracer_major = 1;\n"
	"\ttracer_minor = 0;\n"
	"};\n"
	"\n"
	"clock {\n"
	"\tname = \"tsc\";\n"
	"\tdescription = \"x86 time stamp counter, since boot\";\n"
	"\tfreq = %lu;\n"
	"\toffset = 0;\n"
	"};\n"
	"\n"
	"typealias integer { size = 64; align = 8; signed = false; map = clock.tsc.value; } := tsc_t;\n"
	"\n"
	"stream {\n"
	"\tid = 0;\n"
	"\t/* len (whole record, bytes) is mapped to the clock only so that\n"
	"\t * babeltrace2 does not warn about a header field that is neither\n"
	"\t * the event id nor a clock value; the 64-bit timestamp after it\n"
	"\t * sets the clock, so an event's time is its timestamp. */\n"
	"\tevent.header := struct {\n"
	"\t\tuint32_t id;\n"
	"\t\tinteger { size = 32; align = 8; signed = false; map = clock.tsc.value; } len;\n"
	"\t\ttsc_t timestamp;\n"
	"\t};\n"
	"\tpacket.context := struct {\n"
	"\t\ttsc_t timestamp_begin;\n"
	"\t\ttsc_t timestamp_end;\n"
	"\t\tuint64_t content_size;\n"
	"\t\tuint64_t packet_size;\n"
	"\t\tuint64_t packet_seq_num;\n"
	"\t\tuint64_t events_discarded;\n"
	"\t\tuint32_t cpu_id;\n"
	"\t};\n"
	"};\n";

static const char *const tsdl_type[] = {
	[LTT_F_U8] = "uint8_t", [LTT_F_U16] = "uint16_t",
	[LTT_F_U32] = "uint32_t", [LTT_F_U64] = "uint64_t",
	[LTT_F_S8] = "int8_t", [LTT_F_S16] = "int16_t",
	[LTT_F_S32] = "int32_t", [LTT_F_S64] = "int64_t",
	[LTT_F_X64] = "xint64_t", [LTT_F_STRING] = "string",
};

int ltt_meta_init(struct ltt_area *a)
{
	char uuid[40];
	const u8 *u = a->uuid;
	size_t n = 0;
	for (int i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			uuid[n++] = '-';
		n += kfmt_snprintf(uuid + n, sizeof(uuid) - n, "%02x", u[i]);
	}
	size_t len = kfmt_snprintf(ltt_area_meta(a), a->meta_cap, prefix_fmt, uuid,
				   (unsigned long)a->clock_hz);
	if (len >= a->meta_cap)
		return -1;
	a->meta_len = (u32)len;
	return 0;
}

size_t ltt_meta_event_text(const struct ltt_event *e, char *buf, size_t size)
{
	size_t n = kfmt_snprintf(buf, size,
				 "\nevent {\n\tname = \"%s\";\n\tid = %u;\n"
				 "\tstream_id = 0;\n\tfields := struct {\n",
				 e->name, e->id);
	for (u16 i = 0; i < e->nfields; i++) {
		const struct ltt_field *f = &e->fields[i];
		char *p = n < size ? buf + n : 0;
		size_t left = n < size ? size - n : 0;
		if (f->type == LTT_F_BYTES)
			n += kfmt_snprintf(p, left,
					   "\t\tuint16_t %s_len;\n"
					   "\t\tuint8_t %s[%s_len];\n",
					   f->name, f->name, f->name);
		else
			n += kfmt_snprintf(p, left, "\t\t%s %s;\n",
					   f->type < ARRAY_SIZE(tsdl_type) &&
					   tsdl_type[f->type] ? tsdl_type[f->type] :
					   "uint8_t", f->name);
	}
	n += kfmt_snprintf(n < size ? buf + n : 0, n < size ? size - n : 0,
			   "\t};\n};\n");
	return n;
}

int ltt_meta_append_event(struct ltt_area *a, const struct ltt_event *e)
{
	u32 len = a->meta_len;
	size_t left = a->meta_cap - len;
	size_t n = ltt_meta_event_text(e, ltt_area_meta(a) + len, left);
	if (n >= left) {
		ltt_area_meta(a)[len] = 0;	/* undo the partial block */
		return -1;
	}
	__atomic_store_n(&a->meta_len, (u32)(len + n), __ATOMIC_RELEASE);
	return 0;
}
