/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
#include "rsp_parse.h"
#include "../lib/string.h"

int rsp_parse_hex(const char **p, const char *end, u64 *v)
{
	const char *s = *p;
	u64 x = 0;
	int nd = 0;
	while (s < end && kstr_hexval(*s) >= 0) {
		if (++nd > 16)
			return -1;
		x = (x << 4) | (u64)kstr_hexval(*s++);
	}
	if (!nd)
		return -1;
	*v = x;
	*p = s;
	return 0;
}

int rsp_hex_decode(const char *hex, size_t n, u8 *out)
{
	for (size_t i = 0; i < n; i++) {
		int hi = kstr_hexval(hex[2 * i]), lo = kstr_hexval(hex[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return -1;
		out[i] = (u8)(hi << 4 | lo);
	}
	return 0;
}

/* Eight hex digits for four bytes, computed in one 64-bit word: each
 * byte spread over 16 bits, nibbles to '0'..'9' / 'a'..'f' together. */
static inline u64 hex4(u32 w)
{
	u64 x = (u64)(w & 0xff) | (u64)(w & 0xff00) << 8 |
		(u64)(w & 0xff0000) << 16 | (u64)(w & 0xff000000) << 24;
	u64 nib = ((x >> 4) & 0x000f000f000f000full) |
		  ((x & 0x000f000f000f000full) << 8);
	u64 letter = ((nib + 0x0606060606060606ull) >> 4) & 0x0101010101010101ull;
	return nib + 0x3030303030303030ull + letter * ('a' - '0' - 10);
}

void rsp_hex_encode(const u8 *in, size_t n, char *out)
{
	static const char d[] = "0123456789abcdef";
	size_t i = 0;
	for (; i + 4 <= n; i += 4) {
		u32 w;
		__builtin_memcpy(&w, in + i, 4);
		u64 h = hex4(w);
		__builtin_memcpy(out + 2 * i, &h, 8);
	}
	for (; i < n; i++) {
		out[2 * i] = d[in[i] >> 4];
		out[2 * i + 1] = d[in[i] & 15];
	}
}

long rsp_unescape(u8 *buf, size_t n)
{
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		if (buf[i] == '}') {
			if (++i == n)
				return -1;
			buf[o++] = buf[i] ^ 0x20;
		} else {
			buf[o++] = buf[i];
		}
	}
	return (long)o;
}

static int expect(const char **p, const char *end, char c)
{
	if (*p >= end || **p != c)
		return -1;
	(*p)++;
	return 0;
}

/* "addr,len" after a one-letter command. */
static int addr_len(const char **p, const char *end, struct rsp_mem *m)
{
	if (rsp_parse_hex(p, end, &m->addr) || expect(p, end, ',') ||
	    rsp_parse_hex(p, end, &m->len))
		return -1;
	return 0;
}

int rsp_parse_m(const char *pkt, size_t n, struct rsp_mem *m)
{
	const char *p = pkt + 1, *end = pkt + n;
	if (n < 1 || (pkt[0] != 'm' && pkt[0] != 'x') || addr_len(&p, end, m) ||
	    p != end)
		return -1;
	m->data = 0;
	m->data_len = 0;
	return 0;
}

int rsp_parse_M(const char *pkt, size_t n, struct rsp_mem *m)
{
	const char *p = pkt + 1, *end = pkt + n;
	if (n < 1 || pkt[0] != 'M' || addr_len(&p, end, m) || expect(&p, end, ':'))
		return -1;
	m->data = p;
	m->data_len = (size_t)(end - p);
	if (m->data_len != m->len * 2 || m->len > (u64)n)
		return -1;
	return 0;
}

int rsp_parse_X(const char *pkt, size_t n, struct rsp_mem *m)
{
	const char *p = pkt + 1, *end = pkt + n;
	if (n < 1 || pkt[0] != 'X' || addr_len(&p, end, m) || expect(&p, end, ':'))
		return -1;
	m->data = p;
	m->data_len = (size_t)(end - p);
	return 0;
}

int rsp_parse_Z(const char *pkt, size_t n, struct rsp_bp *b)
{
	const char *p = pkt + 1, *end = pkt + n;
	u64 type;
	if (n < 1 || (pkt[0] != 'Z' && pkt[0] != 'z'))
		return -1;
	b->insert = pkt[0] == 'Z';
	if (rsp_parse_hex(&p, end, &type) || type > 4 || expect(&p, end, ',') ||
	    rsp_parse_hex(&p, end, &b->addr) || expect(&p, end, ',') ||
	    rsp_parse_hex(&p, end, &b->kind))
		return -1;
	if (p != end && *p != ';')
		return -1;
	b->type = (u8)type;
	return 0;
}

/* X<len>,<hex> repeated until the end or a ';'. */
static int parse_exprs(const char **pp, const char *end, u8 *count,
		       void *slots_)
{
	struct { const char *hex; u32 len; } *slots = slots_;
	const char *p = *pp;
	while (p < end && *p == 'X') {
		u64 len;
		p++;
		if (*count >= RSP_Z_EXPR_MAX || rsp_parse_hex(&p, end, &len) ||
		    len == 0 || len > 0x10000 || expect(&p, end, ',') ||
		    (u64)(end - p) < 2 * len)
			return -1;
		slots[*count].hex = p;
		slots[*count].len = (u32)len;
		(*count)++;
		p += 2 * len;
	}
	*pp = p;
	return 0;
}

int rsp_parse_Z_agent(const char *pkt, size_t n, struct rsp_bp_agent *a)
{
	struct rsp_bp b;
	const char *end = pkt + n;
	memset(a, 0, sizeof(*a));
	if (rsp_parse_Z(pkt, n, &b))
		return -1;
	const char *p = pkt;
	while (p < end && *p != ';')
		p++;
	while (p < end) {
		p++;	/* the ';' */
		if (p < end && *p == 'X') {
			if (a->ncmds || parse_exprs(&p, end, &a->nconds, a->conds))
				return -1;
		} else if (end - p >= 5 && !memcmp(p, "cmds:", 5)) {
			u64 persist;
			p += 5;
			if (rsp_parse_hex(&p, end, &persist) || expect(&p, end, ',') ||
			    parse_exprs(&p, end, &a->ncmds, a->cmds) || !a->ncmds)
				return -1;
			a->persist = persist != 0;
		} else {
			return -1;
		}
		if (p < end && *p != ';')
			return -1;
	}
	return 0;
}

int rsp_parse_p(const char *pkt, size_t n, u64 *regno)
{
	const char *p = pkt + 1, *end = pkt + n;
	if (n < 1 || pkt[0] != 'p' || rsp_parse_hex(&p, end, regno) || p != end)
		return -1;
	return 0;
}

int rsp_parse_P(const char *pkt, size_t n, u64 *regno, const char **val,
		size_t *val_len)
{
	const char *p = pkt + 1, *end = pkt + n;
	if (n < 1 || pkt[0] != 'P' || rsp_parse_hex(&p, end, regno) ||
	    expect(&p, end, '='))
		return -1;
	*val = p;
	*val_len = (size_t)(end - p);
	if (!*val_len || (*val_len & 1))
		return -1;
	return 0;
}

int rsp_parse_tid(const char **p, const char *end, s64 *tid)
{
	u64 v;
	if (*p < end && **p == 'p') {
		/* multiprocess form pPID.TID: the pid is ignored */
		(*p)++;
		if (*p < end && **p == '-') {
			(*p)++;
			if (expect(p, end, '1'))
				return -1;
		} else if (rsp_parse_hex(p, end, &v)) {
			return -1;
		}
		if (*p == end || **p != '.') {
			*tid = RSP_TID_ALL;
			return 0;
		}
		(*p)++;
	}
	if (*p < end && **p == '-') {
		(*p)++;
		if (expect(p, end, '1'))
			return -1;
		*tid = RSP_TID_ALL;
		return 0;
	}
	if (rsp_parse_hex(p, end, &v) || v > 0x7fffffff)
		return -1;
	*tid = (s64)v;
	return 0;
}

int rsp_parse_H(const char *pkt, size_t n, char *op, s64 *tid)
{
	const char *p = pkt + 2, *end = pkt + n;
	if (n < 3 || pkt[0] != 'H' || (pkt[1] != 'g' && pkt[1] != 'c'))
		return -1;
	*op = pkt[1];
	if (rsp_parse_tid(&p, end, tid) || p != end)
		return -1;
	return 0;
}

int rsp_parse_T(const char *pkt, size_t n, s64 *tid)
{
	const char *p = pkt + 1, *end = pkt + n;
	if (n < 2 || pkt[0] != 'T' || rsp_parse_tid(&p, end, tid) || p != end)
		return -1;
	return 0;
}

int rsp_parse_vcont(const char *pkt, size_t n, struct rsp_vcont *v)
{
	const char *p = pkt, *end = pkt + n;
	if (n < 6 || memcmp(pkt, "vCont", 5))
		return -1;
	p += 5;
	v->n = 0;
	if (p == end)
		return -1;
	while (p < end) {
		if (expect(&p, end, ';') || p == end || v->n == RSP_VCONT_MAX)
			return -1;
		char act = *p++;
		u8 sig = 0;
		if (act == 'C' || act == 'S') {
			u64 s;
			const char *q = p;
			if (end - q < 2 || rsp_parse_hex(&q, p + 2, &s))
				return -1;
			p += 2;
			sig = (u8)s;
		} else if (act == 'r') {
			u64 lo, hi;
			if (rsp_parse_hex(&p, end, &lo) || expect(&p, end, ',') ||
			    rsp_parse_hex(&p, end, &hi))
				return -1;
		} else if (act != 'c' && act != 's' && act != 't') {
			return -1;
		}
		s64 tid = RSP_TID_ALL;
		if (p < end && *p == ':') {
			p++;
			if (rsp_parse_tid(&p, end, &tid))
				return -1;
		}
		v->a[v->n].act = act;
		v->a[v->n].sig = sig;
		v->a[v->n].tid = tid;
		v->n++;
	}
	return 0;
}

int rsp_parse_resume(const char *pkt, size_t n, struct rsp_resume *r)
{
	const char *p = pkt + 1, *end = pkt + n;
	if (n < 1)
		return -1;
	r->act = pkt[0];
	r->sig = 0;
	r->has_addr = false;
	if (r->act == 'C' || r->act == 'S') {
		u64 s;
		if (rsp_parse_hex(&p, end, &s) || s > 255)
			return -1;
		r->sig = (u8)s;
		if (p == end)
			return 0;
		if (expect(&p, end, ';'))
			return -1;
	} else if (r->act != 'c' && r->act != 's') {
		return -1;
	}
	if (p == end)
		return 0;
	if (rsp_parse_hex(&p, end, &r->addr) || p != end)
		return -1;
	r->has_addr = true;
	return 0;
}

static const char *find(const char *p, const char *end, char c)
{
	while (p < end && *p != c)
		p++;
	return p;
}

int rsp_parse_qxfer_read(const char *pkt, size_t n, struct rsp_qxfer *x)
{
	const char *p = pkt, *end = pkt + n;
	if (n < 6 || memcmp(pkt, "qXfer:", 6))
		return -1;
	p += 6;
	const char *c = find(p, end, ':');
	if (c == end)
		return -1;
	x->object = p;
	x->object_len = (size_t)(c - p);
	p = c + 1;
	if (end - p < 5 || memcmp(p, "read:", 5))
		return -1;
	p += 5;
	c = find(p, end, ':');
	if (c == end)
		return -1;
	x->annex = p;
	x->annex_len = (size_t)(c - p);
	p = c + 1;
	if (rsp_parse_hex(&p, end, &x->offset) || expect(&p, end, ',') ||
	    rsp_parse_hex(&p, end, &x->length) || p != end)
		return -1;
	return 0;
}

int rsp_parse_qrcmd(const char *pkt, size_t n, char *out, size_t out_size)
{
	if (n < 6 || memcmp(pkt, "qRcmd,", 6))
		return -1;
	size_t hexlen = n - 6;
	if ((hexlen & 1) || hexlen / 2 + 1 > out_size)
		return -1;
	if (rsp_hex_decode(pkt + 6, hexlen / 2, (u8 *)out))
		return -1;
	out[hexlen / 2] = 0;
	for (size_t i = 0; i < hexlen / 2; i++)
		if (!out[i])
			return -1;
	return 0;
}

bool rsp_is(const char *pkt, size_t n, const char *name, const char *seps)
{
	size_t k = strlen(name);
	if (n < k || memcmp(pkt, name, k))
		return false;
	if (n == k)
		return true;
	for (const char *s = seps; *s; s++)
		if (pkt[k] == *s)
			return true;
	return false;
}
