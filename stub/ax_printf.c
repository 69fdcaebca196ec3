/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
/*
 * printf for agent dprintf and the VM's printf opcode (see ax.h): the
 * arguments are u64 values, not C varargs, so the format is parsed here
 * and each conversion narrows its argument the way the C type named by
 * its length modifier would (gdb pushes every argument widened to 64
 * bits).  %s reads the target through the fault-safe reader.
 *
 * Time is bounded by the format and the output size: once the buffer is
 * full nothing more is produced (not even padding, however wide the
 * field), but the rest of the format is still parsed, so a bad
 * conversion late in the format is refused whatever the size.  The
 * same parser, run without output, counts the arguments a format needs
 * for the verifier (ax_format_nargs), so the two cannot disagree.
 */
#include "ax.h"
#include "ax_local.h"
#include "../lib/string.h"

/* Widths and precisions past this are clamped (the output is smaller
 * anyway; this only keeps the arithmetic far from overflow). */
#define FMT_FIELD_MAX (1u << 20)

struct fmt_out {
	char *buf;
	size_t size;
	size_t len;		/* bytes written, NUL excluded */
};

struct fmt_args {
	const u64 *v;
	u32 n;
	u32 used;
	bool count_only;	/* ax_format_nargs: take anything, count */
};

struct fmt_spec {
	bool left, zero, plus, space, alt, has_prec;
	u32 width, prec;
	unsigned bits;		/* argument width from the length modifier */
};

static inline bool fmt_full(const struct fmt_out *o)
{
	return o->len + 1 >= o->size;
}

static void fmt_put(struct fmt_out *o, char c)
{
	if (!fmt_full(o))
		o->buf[o->len++] = c;
}

static void fmt_fill(struct fmt_out *o, char c, u32 n)
{
	while (n-- && !fmt_full(o))
		o->buf[o->len++] = c;
}

static void fmt_puts(struct fmt_out *o, const char *s, size_t n)
{
	for (size_t i = 0; i < n && !fmt_full(o); i++)
		o->buf[o->len++] = s[i];
}

/* s[0..n) in a field of the spec's width (padding with spaces). */
static void fmt_field(struct fmt_out *o, const struct fmt_spec *s,
		      const char *str, size_t n)
{
	u32 pad = s->width > n ? s->width - (u32)n : 0;
	if (!s->left)
		fmt_fill(o, ' ', pad);
	fmt_puts(o, str, n);
	if (s->left)
		fmt_fill(o, ' ', pad);
}

static bool fmt_next(struct fmt_args *a, u64 *v)
{
	if (a->count_only) {
		a->used++;
		*v = 0;
		return true;
	}
	if (a->used >= a->n)
		return false;
	*v = a->v[a->used++];
	return true;
}

/* Low `bits` bits of v as a signed value, widened back to 64 bits. */
static u64 fmt_sext(u64 v, unsigned bits)
{
	if (bits >= 64)
		return v;
	u64 sign = (u64)1 << (bits - 1);
	v &= ((u64)1 << bits) - 1;
	return (v ^ sign) - sign;
}

static u64 fmt_zext(u64 v, unsigned bits)
{
	return bits >= 64 ? v : v & (((u64)1 << bits) - 1);
}

/* An int conversion: C's rules for precision, '#', sign and padding. */
static void fmt_int(struct fmt_out *o, const struct fmt_spec *s, u64 mag,
		    char sign, unsigned base, bool upper)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char dig[24];		/* 64 bits in octal: 22 digits */
	u32 nd = 0;
	const char *pfx = "";
	u32 npfx = 0;

	if (s->alt && base == 16 && mag) {
		pfx = upper ? "0X" : "0x";
		npfx = 2;
	}
	/* "%.0d" of 0 prints no digits at all. */
	if (!(s->has_prec && s->prec == 0 && mag == 0)) {
		do {
			dig[nd++] = digits[mag % base];
			mag /= base;
		} while (mag);
	}
	u32 zeros = s->has_prec && s->prec > nd ? s->prec - nd : 0;
	if (s->alt && base == 8 && !zeros && (!nd || dig[nd - 1] != '0'))
		zeros = 1;	/* '#' makes octal start with 0 */
	u32 total = (sign ? 1 : 0) + npfx + zeros + nd;
	u32 pad = s->width > total ? s->width - total : 0;
	bool zero_pad = s->zero && !s->left && !s->has_prec;

	if (!s->left && !zero_pad)
		fmt_fill(o, ' ', pad);
	if (sign)
		fmt_put(o, sign);
	fmt_puts(o, pfx, npfx);
	if (zero_pad)
		fmt_fill(o, '0', pad);
	fmt_fill(o, '0', zeros);
	while (nd)
		fmt_put(o, dig[--nd]);
	if (s->left)
		fmt_fill(o, ' ', pad);
}

/*
 * The string at addr, at most max bytes, into buf: its length, or -1
 * if a byte before its end cannot be read.  Chunks stop at 64-byte
 * boundaries so that a string ending just before unmapped memory reads
 * fine even through a reader that fails a whole request it cannot
 * complete.
 */
static long fmt_read_str(char *buf, size_t max, u64 addr,
			 size_t (*mem_read)(void *arg, u64 addr, void *dst,
					    size_t n), void *arg)
{
	size_t n = 0;

	if (!mem_read)
		return -1;
	while (n < max) {
		u64 a = addr + n;
		size_t chunk = 64 - (size_t)(a & 63);
		if (chunk > max - n)
			chunk = max - n;
		size_t missed = mem_read(arg, a, buf + n, chunk);
		size_t got = missed >= chunk ? 0 : chunk - missed;
		for (size_t i = 0; i < got; i++)
			if (!buf[n + i])
				return (long)(n + i);
		n += got;
		if (got < chunk)
			return -1;
	}
	return (long)n;
}

/* A field width or precision: digits or `*`; false if `*` lacks its
 * argument.  *neg is set for a negative `*` value. */
static bool fmt_number(const char **p, struct fmt_args *a, u32 *val,
		       bool *neg)
{
	*neg = false;
	if (**p == '*') {
		u64 v;
		(*p)++;
		if (!fmt_next(a, &v))
			return false;
		v = fmt_sext(v, 32);	/* an int, as in C */
		if (v >> 63) {
			*neg = true;
			v = 0 - v;
		}
		*val = v > FMT_FIELD_MAX ? FMT_FIELD_MAX : (u32)v;
		return true;
	}
	*val = 0;
	while (**p >= '0' && **p <= '9') {
		*val = *val * 10 + (u32)(**p - '0');
		if (*val > FMT_FIELD_MAX)
			*val = FMT_FIELD_MAX;
		(*p)++;
	}
	return true;
}

static long fmt_run(struct fmt_out *o, const char *fmt, struct fmt_args *a,
		    size_t (*mem_read)(void *arg, u64 addr, void *dst,
				       size_t n), void *arg)
{
	for (const char *p = fmt; *p; p++) {
		if (*p != '%') {
			fmt_put(o, *p);
			continue;
		}
		p++;

		struct fmt_spec s = { .bits = 32 };
		bool neg;
		for (;; p++) {
			if (*p == '-')
				s.left = true;
			else if (*p == '0')
				s.zero = true;
			else if (*p == '+')
				s.plus = true;
			else if (*p == ' ')
				s.space = true;
			else if (*p == '#')
				s.alt = true;
			else
				break;
		}
		if (!fmt_number(&p, a, &s.width, &neg))
			return -1;
		if (neg)
			s.left = true;	/* C: a negative `*` width is '-' */
		if (*p == '.') {
			p++;
			if (!fmt_number(&p, a, &s.prec, &neg))
				return -1;
			s.has_prec = !neg;
		}

		bool wide = false;	/* l or ll: %lc / %ls are wide */
		switch (*p) {
		case 'h':
			s.bits = p[1] == 'h' ? 8 : 16;
			p += p[1] == 'h' ? 2 : 1;
			break;
		case 'l':
			s.bits = 64;
			wide = true;
			p += p[1] == 'l' ? 2 : 1;
			break;
		case 'z':	/* size_t, intmax_t, ptrdiff_t: 64 bits */
		case 'j':
		case 't':
			s.bits = 64;
			p++;
			break;
		default:
			break;
		}

		u64 v;
		char c = *p;
		switch (c) {
		case 'd':
		case 'i': {
			if (!fmt_next(a, &v))
				return -1;
			v = fmt_sext(v, s.bits);
			char sign = v >> 63 ? '-' : s.plus ? '+' :
				    s.space ? ' ' : 0;
			fmt_int(o, &s, v >> 63 ? 0 - v : v, sign, 10, false);
			break;
		}
		case 'u':
		case 'x':
		case 'X':
		case 'o':
			if (!fmt_next(a, &v))
				return -1;
			fmt_int(o, &s, fmt_zext(v, s.bits), 0,
				c == 'u' ? 10 : c == 'o' ? 8 : 16, c == 'X');
			break;
		case 'c': {
			if (wide || !fmt_next(a, &v))
				return -1;
			char ch = (char)(u8)v;
			fmt_field(o, &s, &ch, 1);
			break;
		}
		case 's': {
			char str[AX_FMT_STR_MAX];
			if (wide || !fmt_next(a, &v))
				return -1;
			if (fmt_full(o))
				break;	/* invisible: spare the reads */
			if (!v) {
				/* What gdb's and glibc's printf print. */
				fmt_field(o, &s, "(null)", 6);
				break;
			}
			size_t max = AX_FMT_STR_MAX;
			if (s.has_prec && s.prec < max)
				max = s.prec;
			long n = fmt_read_str(str, max, v, mem_read, arg);
			if (n < 0)
				fmt_field(o, &s, "(fault)", 7);
			else
				fmt_field(o, &s, str, (size_t)n);
			break;
		}
		case 'p': {
			/* gdb prints %p as glibc does, "0x..." or "(nil)";
			 * width and '-' are the only flags that apply. */
			struct fmt_spec ps = { .left = s.left, .width = s.width,
					       .alt = true };
			if (!fmt_next(a, &v))
				return -1;
			if (v)
				fmt_int(o, &ps, v, 0, 16, false);
			else
				fmt_field(o, &s, "(nil)", 5);
			break;
		}
		case '%':
			fmt_put(o, '%');
			break;
		default:
			/* Floats (the VM has none), %n (writes memory),
			 * wide strings, unknown letters, a trailing '%'. */
			return -1;
		}
	}
	return (long)o->len;
}

long ax_format(char *out, size_t size, const char *fmt, const u64 *args,
	       u32 nargs, size_t (*mem_read)(void *arg, u64 addr, void *dst,
					     size_t n), void *arg)
{
	struct fmt_out o = { out, out ? size : 0, 0 };
	struct fmt_args a = { args, args ? nargs : 0, 0, false };
	long r = -1;

	if (fmt)
		r = fmt_run(&o, fmt, &a, mem_read, arg);
	if (o.size)
		out[o.len] = 0;
	return r;
}

int ax_format_nargs(const char *fmt)
{
	struct fmt_out o = { NULL, 0, 0 };
	struct fmt_args a = { NULL, 0, 0, true };

	if (fmt_run(&o, fmt, &a, NULL, NULL) < 0)
		return -1;
	return (int)a.used;
}
