/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
/*
 * Tracepoint packet parsers (interface and grammar: tp_parse.h).
 *
 * The formats are those gdb 13 writes: gdb/remote.c (download_tracepoint,
 * download_trace_state_variable, trace_find, set_trace_buffer_size,
 * set_trace_notes, get_raw_trace_data, static_tracepoint_marker_at) and
 * gdb/tracepoint.c (collection_list::stringify, encode_source_string).
 * Where gdb only ever sends a narrow form, that form is what we accept:
 * a stub that guesses at garbage ends up collecting the wrong thing in
 * the kernel, and an "E.<field>" names the problem at once.
 *
 * Packets are not NUL-terminated: every read is bounded by pkt + n.
 */
#include "tp_parse.h"
#include "rsp_parse.h"
#include "../lib/string.h"

#define TP_U32_MAX 0xffffffffull

static int tp_bad(const char **field, const char *name)
{
	if (field)
		*field = name;
	return TP_E_MALFORMED;
}

static int tp_expect(const char **p, const char *end, char c)
{
	if (*p >= end || **p != c)
		return -1;
	(*p)++;
	return 0;
}

static const char *tp_find(const char *p, const char *end, char c)
{
	while (p < end && *p != c)
		p++;
	return p;
}

/* The rest of the packet after `name` (which carries its colon), or NULL. */
static const char *tp_after(const char *pkt, size_t n, const char *name)
{
	size_t k = strlen(name);
	if (n < k || memcmp(pkt, name, k))
		return NULL;
	return pkt + k;
}

/* gdb prints tracepoint and TSV numbers with %x of an int. */
static int tp_hex_u32(const char **p, const char *end, u32 *v)
{
	const char *s = *p;
	u64 x;
	if (rsp_parse_hex(&s, end, &x) || x > TP_U32_MAX)
		return -1;
	*v = (u32)x;
	*p = s;
	return 0;
}

/*
 * QTDP prints the address with phex(addr, sizeof (CORE_ADDR)), and
 * CORE_ADDR is 64-bit in every gdb build: a shorter address did not come
 * from gdb.
 */
static int tp_addr16(const char **p, const char *end, u64 *v)
{
	const char *s = *p;
	if (rsp_parse_hex(&s, end, v) || s - *p != 16)
		return -1;
	*p = s;
	return 0;
}

static bool tp_is_hex(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (kstr_hexval(s[i]) < 0)
			return false;
	return true;
}

/* 2 * nbytes hex digits at *p; nbytes is checked before it is doubled. */
static int tp_hex_bytes(const char **p, const char *end, u64 nbytes,
			const char **hex)
{
	if (*p > end || nbytes > (u64)(end - *p) / 2 ||
	    !tp_is_hex(*p, (size_t)(2 * nbytes)))
		return -1;
	*hex = *p;
	*p += 2 * nbytes;
	return 0;
}

/*
 * "<len>,<hex>" of an agent expression (the QTDP condition, the X
 * action).  gdb pads the action's length ("X%08X,") but not the
 * condition's; both are plain hex to us.  An empty expression cannot
 * even hold the `end` opcode, so it is malformed here rather than later.
 */
static int tp_bytecode(const char **p, const char *end, u32 *len,
		       const char **hex)
{
	const char *s = *p;
	u32 k;
	if (tp_hex_u32(&s, end, &k) || !k || tp_expect(&s, end, ',') ||
	    tp_hex_bytes(&s, end, k, hex))
		return -1;
	*len = k;
	*p = s;
	return 0;
}

/*
 * A trailing '-' says more packets follow.  No field of QTDP ends in
 * '-' (the only '-' inside is M's "-1", followed by a ','), so it can be
 * taken off before the fields are parsed.
 */
static bool tp_strip_more(const char *p, const char **end)
{
	if (*end > p && (*end)[-1] == '-') {
		(*end)--;
		return true;
	}
	return false;
}

/*
 * Two's complement of the 64 bits gdb sent, without the
 * implementation-defined u64 -> s64 conversion.
 */
static s64 tp_s64(u64 v)
{
	return v > (u64)INT64_MAX ? -(s64)~v - 1 : (s64)v;
}

/*
 * "<n>:<16-digit addr>:" opening QTDP and its continuations.  Tracepoint
 * 0 is refused: gdb numbers from 1, and 0 ends the frame list of the
 * raw trace buffer (TRACEPOINTS.md section 5).
 */
static int tp_num_addr16(const char **p, const char *end, u32 *num, u64 *addr,
			 const char **field)
{
	if (tp_hex_u32(p, end, num) || !*num || tp_expect(p, end, ':'))
		return tp_bad(field, "number");
	if (tp_addr16(p, end, addr) || tp_expect(p, end, ':'))
		return tp_bad(field, "address");
	return 0;
}

int tp_parse_qtdp(const char *pkt, size_t n, struct tp_qtdp *d,
		  const char **field)
{
	const char *p = tp_after(pkt, n, "QTDP:"), *end = pkt + n;
	const char *last = "pass";
	int stage = 0;

	memset(d, 0, sizeof(*d));
	if (!p)
		return tp_bad(field, "packet");
	d->more = tp_strip_more(p, &end);
	if (tp_num_addr16(&p, end, &d->num, &d->addr, field))
		return TP_E_MALFORMED;
	if (p == end || (*p != 'E' && *p != 'D'))
		return tp_bad(field, "enabled");
	d->enabled = *p++ == 'E';
	if (tp_expect(&p, end, ':'))
		return tp_bad(field, "enabled");
	if (rsp_parse_hex(&p, end, &d->step) || tp_expect(&p, end, ':'))
		return tp_bad(field, "step");
	if (rsp_parse_hex(&p, end, &d->pass))
		return tp_bad(field, "pass");

	/* Options in the order gdb appends them (F, S, X), each at most
	 * once; a stray character is blamed on the field it follows. */
	while (p < end) {
		if (*p++ != ':')
			return tp_bad(field, last);
		if (p == end)
			return tp_bad(field, "option");
		switch (*p++) {
		case 'F':
			last = "fast";
			if (stage >= 1 || tp_hex_u32(&p, end, &d->fast_len) ||
			    !d->fast_len)
				return tp_bad(field, last);
			d->fast = true;
			stage = 1;
			break;
		case 'S':
			last = "static";
			if (stage >= 2)
				return tp_bad(field, last);
			d->is_static = true;
			stage = 2;
			break;
		case 'X':
			last = "condition";
			if (stage >= 3 ||
			    tp_bytecode(&p, end, &d->cond_len, &d->cond))
				return tp_bad(field, last);
			stage = 3;
			break;
		default:
			return tp_bad(field, "option");
		}
	}
	return 0;
}

int tp_parse_qtdp_more(const char *pkt, size_t n, struct tp_qtdp_more *m,
		       const char **field)
{
	const char *p = tp_after(pkt, n, "QTDP:"), *end = pkt + n;
	struct tp_action a;

	memset(m, 0, sizeof(*m));
	if (!p)
		return tp_bad(field, "packet");
	if (tp_expect(&p, end, '-'))
		return tp_bad(field, "number");
	m->more = tp_strip_more(p, &end);
	if (tp_num_addr16(&p, end, &m->num, &m->addr, field))
		return TP_E_MALFORMED;
	if (p < end && *p == 'S') {
		m->stepping = true;
		p++;
	}
	/*
	 * The list may be empty: stringify() starts a new chunk before an X
	 * that does not fit, even when the current chunk holds nothing yet
	 * (an expression over 87 bytes), and gdb sends that empty chunk.
	 * It is checked whole here, so the caller's tp_parse_action loop
	 * cannot fail halfway through applying it.
	 */
	m->actions = p;
	m->actions_len = (size_t)(end - p);
	while (p < end)
		if (tp_parse_action(&p, end, &a, field))
			return TP_E_MALFORMED;
	return 0;
}

/*
 * R<mask>: gdb sends whole bytes, most significant first, from the
 * highest non-zero one.  Leading zeros are tolerated; a set bit past
 * register 255 is not.
 */
static int tp_rmask(const char **p, const char *end, u64 mask[4])
{
	const char *s = *p, *first;

	while (s < end && *s == '0')
		s++;
	first = s;
	while (s < end && kstr_hexval(*s) >= 0)
		s++;
	if (s == *p || s - first > 64)
		return -1;
	for (size_t k = 0; k < (size_t)(s - first); k++) {
		u64 d = (u64)kstr_hexval(*(s - 1 - k));
		mask[k / 16] |= d << (4 * (k % 16));
	}
	*p = s;
	return 0;
}

/*
 * M's basereg: gdb 13 special-cases the absolute range as "-1"; older
 * gdbs printed the same -1 with %X, giving "FFFFFFFF".
 */
static int tp_basereg(const char **p, const char *end, u32 *reg)
{
	const char *s = *p;
	if (s < end && *s == '-') {
		s++;
		if (tp_expect(&s, end, '1'))
			return -1;
		*reg = TP_BASEREG_NONE;
		*p = s;
		return 0;
	}
	return tp_hex_u32(p, end, reg);
}

int tp_parse_action(const char **p, const char *end, struct tp_action *a,
		    const char **field)
{
	const char *s = *p;

	memset(a, 0, sizeof(*a));
	if (s >= end)
		return tp_bad(field, "action");
	a->kind = (u8)*s++;
	switch (a->kind) {
	case TP_ACT_R:
		if (tp_rmask(&s, end, a->rmask))
			return tp_bad(field, "action");
		break;
	case TP_ACT_M:
		/* The offset is phex_nz of a possibly negative start:
		 * up to 16 digits, added modulo 2^64 by the user. */
		if (tp_basereg(&s, end, &a->basereg) ||
		    tp_expect(&s, end, ',') ||
		    rsp_parse_hex(&s, end, &a->offset) ||
		    tp_expect(&s, end, ',') || tp_hex_u32(&s, end, &a->len))
			return tp_bad(field, "action");
		break;
	case TP_ACT_X:
		if (tp_bytecode(&s, end, &a->len, &a->hex))
			return tp_bad(field, "action");
		break;
	case TP_ACT_L:
		break;
	default:
		return tp_bad(field, "action");
	}
	*p = s;
	return 0;
}

/*
 * encode_source_string() prints the address with phex_nz (no padding),
 * start 0 and the whole string in one piece; pieces are still accepted
 * as the manual describes them, as long as they stay inside slen.
 */
int tp_parse_qtdpsrc(const char *pkt, size_t n, struct tp_src *s,
		     const char **field)
{
	const char *p = tp_after(pkt, n, "QTDPsrc:"), *end = pkt + n, *c;
	size_t tl;

	memset(s, 0, sizeof(*s));
	if (!p)
		return tp_bad(field, "packet");
	if (tp_hex_u32(&p, end, &s->num) || !s->num || tp_expect(&p, end, ':'))
		return tp_bad(field, "number");
	if (rsp_parse_hex(&p, end, &s->addr) || tp_expect(&p, end, ':'))
		return tp_bad(field, "address");
	c = tp_find(p, end, ':');
	tl = (size_t)(c - p);
	if (c == end || !((tl == 2 && !memcmp(p, "at", 2)) ||
			  (tl == 4 && !memcmp(p, "cond", 4)) ||
			  (tl == 3 && !memcmp(p, "cmd", 3))))
		return tp_bad(field, "type");
	s->type = p;
	s->type_len = tl;
	p = c + 1;
	if (rsp_parse_hex(&p, end, &s->start) || tp_expect(&p, end, ':'))
		return tp_bad(field, "start");
	if (rsp_parse_hex(&p, end, &s->slen) || tp_expect(&p, end, ':'))
		return tp_bad(field, "length");
	if (s->start > s->slen)
		return tp_bad(field, "start");
	s->hex = p;
	s->hex_len = (size_t)(end - p);
	if ((s->hex_len & 1) || !tp_is_hex(p, s->hex_len) ||
	    s->hex_len / 2 > s->slen - s->start || (!s->hex_len && s->slen))
		return tp_bad(field, "source");
	return 0;
}

/*
 * gdb sends init as phex(value, 8): the 16-digit two's complement.  A
 * shorter number is taken as written (non-negative); builtin is %x of a
 * flag, so "0" or "1".
 */
int tp_parse_qtdv(const char *pkt, size_t n, struct tp_tsv *v,
		  const char **field)
{
	const char *p = tp_after(pkt, n, "QTDV:"), *end = pkt + n;
	u64 init;

	memset(v, 0, sizeof(*v));
	if (!p)
		return tp_bad(field, "packet");
	if (tp_hex_u32(&p, end, &v->num) || tp_expect(&p, end, ':'))
		return tp_bad(field, "number");
	if (rsp_parse_hex(&p, end, &init) || tp_expect(&p, end, ':'))
		return tp_bad(field, "init");
	v->init = tp_s64(init);
	if (p == end || (*p != '0' && *p != '1'))
		return tp_bad(field, "builtin");
	v->builtin = *p++ == '1';
	if (tp_expect(&p, end, ':'))
		return tp_bad(field, "builtin");
	v->name_hex = p;
	v->name_hex_len = (size_t)(end - p);
	if ((v->name_hex_len & 1) || !tp_is_hex(p, v->name_hex_len))
		return tp_bad(field, "name");
	return 0;
}

/*
 * trace_find(): the number is %x of an int (so -1 is "ffffffff"), the
 * tracepoint %x, addresses phex_nz.  No keyword starts with a hex digit,
 * so a number cannot be mistaken for one.
 */
int tp_parse_qtframe(const char *pkt, size_t n, struct tp_qtframe *f)
{
	const char *p = tp_after(pkt, n, "QTFrame:"), *end = pkt + n, *q;
	u32 v;

	memset(f, 0, sizeof(*f));
	if (!p)
		return TP_E_MALFORMED;
	if ((q = tp_after(p, (size_t)(end - p), "pc:"))) {
		f->kind = TP_FRAME_PC;
		if (rsp_parse_hex(&q, end, &f->a))
			return TP_E_MALFORMED;
	} else if ((q = tp_after(p, (size_t)(end - p), "tdp:"))) {
		f->kind = TP_FRAME_TDP;
		if (tp_hex_u32(&q, end, &v))
			return TP_E_MALFORMED;
		f->a = v;
	} else if ((q = tp_after(p, (size_t)(end - p), "range:")) ||
		   (q = tp_after(p, (size_t)(end - p), "outside:"))) {
		f->kind = *p == 'r' ? TP_FRAME_RANGE : TP_FRAME_OUTSIDE;
		if (rsp_parse_hex(&q, end, &f->a) || tp_expect(&q, end, ':') ||
		    rsp_parse_hex(&q, end, &f->b))
			return TP_E_MALFORMED;
	} else {
		q = p;
		f->kind = TP_FRAME_NUM;
		if (tp_hex_u32(&q, end, &v))
			return TP_E_MALFORMED;
		f->num = v == TP_U32_MAX ? -1 : (s64)v;
	}
	return q == end ? 0 : TP_E_MALFORMED;
}

/* ":<start>,<end>" as bfd_sprintf_vma prints them; start <= end. */
static int tp_qtro_range(const char **p, const char *end, u64 *s, u64 *e)
{
	if (tp_expect(p, end, ':') || rsp_parse_hex(p, end, s) ||
	    tp_expect(p, end, ',') || rsp_parse_hex(p, end, e) || *s > *e)
		return -1;
	return 0;
}

int tp_parse_qtro(const char *pkt, size_t n,
		  int (*fn)(u64 start, u64 end, void *arg), void *arg)
{
	const char *p = tp_after(pkt, n, "QTro"), *end = pkt + n, *q;
	u64 s, e;

	/* gdb sends QTro only when it has a section to list. */
	if (!p || p == end)
		return TP_E_MALFORMED;
	/* Check every range before reporting any: a malformed packet must
	 * not leave half its ranges applied. */
	for (q = p; q < end;)
		if (tp_qtro_range(&q, end, &s, &e))
			return TP_E_MALFORMED;
	for (q = p; q < end;) {
		tp_qtro_range(&q, end, &s, &e);
		int rc = fn ? fn(s, e, arg) : 0;
		if (rc)
			return rc;
	}
	return 0;
}

/* A flag printed with %x: exactly "0" or "1", ending the packet. */
static int tp_flag(const char *p, const char *end, bool *on)
{
	if (end - p != 1 || (*p != '0' && *p != '1'))
		return TP_E_MALFORMED;
	*on = *p == '1';
	return 0;
}

/*
 * set_trace_buffer_size() sends -1 as the literal "-1" and anything else
 * as unpadded hex; gdb asserts val >= 0 || val == -1.
 */
int tp_parse_qtbuffer(const char *pkt, size_t n, struct tp_qtbuffer *b)
{
	const char *p = tp_after(pkt, n, "QTBuffer:"), *end = pkt + n, *q;
	u64 v;

	memset(b, 0, sizeof(*b));
	if (!p)
		return TP_E_MALFORMED;
	if ((q = tp_after(p, (size_t)(end - p), "circular:")))
		return tp_flag(q, end, &b->circular);
	if (!(q = tp_after(p, (size_t)(end - p), "size:")))
		return TP_E_MALFORMED;
	b->is_size = true;
	if (end - q == 2 && q[0] == '-' && q[1] == '1') {
		b->size = -1;
		return 0;
	}
	if (rsp_parse_hex(&q, end, &v) || q != end || v > (u64)INT64_MAX)
		return TP_E_MALFORMED;
	b->size = (s64)v;
	return 0;
}

/*
 * set_trace_notes() writes "<key>:<hex>;" per note and sends empty
 * notes too ("QTNotes:user:;notes:;" at every tstart), so an empty value
 * is normal.  A key given twice did not come from gdb.
 */
int tp_parse_qtnotes(const char *pkt, size_t n, struct tp_qtnotes *t)
{
	const char *p = tp_after(pkt, n, "QTNotes:"), *end = pkt + n;

	memset(t, 0, sizeof(*t));
	if (!p)
		return TP_E_MALFORMED;
	while (p < end) {
		const char *c = tp_find(p, end, ':'), *v, *sc, **dst;
		size_t kl = (size_t)(c - p), vl, *dlen;
		bool *has;

		if (c == end || !kl)
			return TP_E_MALFORMED;
		v = c + 1;
		sc = tp_find(v, end, ';');
		if (sc == end)
			return TP_E_MALFORMED;
		vl = (size_t)(sc - v);
		if (kl == 4 && !memcmp(p, "user", 4)) {
			dst = &t->user;
			dlen = &t->user_len;
			has = &t->has_user;
		} else if (kl == 5 && !memcmp(p, "notes", 5)) {
			dst = &t->notes;
			dlen = &t->notes_len;
			has = &t->has_notes;
		} else if (kl == 5 && !memcmp(p, "tstop", 5)) {
			dst = &t->tstop;
			dlen = &t->tstop_len;
			has = &t->has_tstop;
		} else {
			p = sc + 1;
			continue;
		}
		if (*has || (vl & 1) || !tp_is_hex(v, vl))
			return TP_E_MALFORMED;
		*dst = v;
		*dlen = vl;
		*has = true;
		p = sc + 1;
	}
	return 0;
}

/* QTEnable/QTDisable use phex (16 digits), qTP phex_nz: 1 to 16. */
int tp_parse_num_addr(const char *pkt, size_t n, const char *prefix,
		      u32 *num, u64 *addr)
{
	const char *p = tp_after(pkt, n, prefix), *end = pkt + n;
	if (!p || tp_hex_u32(&p, end, num) || tp_expect(&p, end, ':') ||
	    rsp_parse_hex(&p, end, addr) || p != end)
		return TP_E_MALFORMED;
	return 0;
}

int tp_parse_qtv(const char *pkt, size_t n, u32 *num)
{
	const char *p = tp_after(pkt, n, "qTV:"), *end = pkt + n;
	if (!p || tp_hex_u32(&p, end, num) || p != end)
		return TP_E_MALFORMED;
	return 0;
}

int tp_parse_qtbuf_read(const char *pkt, size_t n, u64 *off, u64 *len)
{
	const char *p = tp_after(pkt, n, "qTBuffer:"), *end = pkt + n;
	if (!p || rsp_parse_hex(&p, end, off) || tp_expect(&p, end, ',') ||
	    rsp_parse_hex(&p, end, len) || p != end)
		return TP_E_MALFORMED;
	return 0;
}

int tp_parse_qtdisconnected(const char *pkt, size_t n, bool *on)
{
	const char *p = tp_after(pkt, n, "QTDisconnected:");
	if (!p)
		return TP_E_MALFORMED;
	return tp_flag(p, pkt + n, on);
}

int tp_parse_qtstmat(const char *pkt, size_t n, u64 *addr)
{
	const char *p = tp_after(pkt, n, "qTSTMat:"), *end = pkt + n;
	if (!p || rsp_parse_hex(&p, end, addr) || p != end)
		return TP_E_MALFORMED;
	return 0;
}
