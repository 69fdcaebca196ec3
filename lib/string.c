/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
#define LIB_STRING_NO_BUILTINS	/* these are the functions */
#include "string.h"

#if !defined(KSTUB_HOSTED) && !defined(KSTUB_LINUX)	/* Linux exports its own */
/* Word at a time: a tracepoint hit copies a trap frame twice, and byte
 * loops cost more than the rest of the hit under an emulator. */
typedef u64 __attribute__((may_alias, aligned(1))) u64_ua;

void *memcpy(void *dst, const void *src, size_t n)
{
	u8 *d = dst;
	const u8 *s = src;
	for (; n >= 8; n -= 8, d += 8, s += 8)
		*(u64_ua *)d = *(const u64_ua *)s;
	while (n--)
		*d++ = *s++;
	return dst;
}

void *memmove(void *dst, const void *src, size_t n)
{
	u8 *d = dst;
	const u8 *s = src;
	if (d < s) {
		while (n--)
			*d++ = *s++;
	} else {
		while (n--)
			d[n] = s[n];
	}
	return dst;
}

void *memset(void *dst, int c, size_t n)
{
	u8 *d = dst;
	u64 w = (u8)c * 0x0101010101010101ull;
	for (; n >= 8; n -= 8, d += 8)
		*(u64_ua *)d = w;
	while (n--)
		*d++ = (u8)c;
	return dst;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const u8 *x = a, *y = b;
	for (; n; n--, x++, y++)
		if (*x != *y)
			return *x - *y;
	return 0;
}

size_t strlen(const char *s)
{
	size_t n = 0;
	while (s[n])
		n++;
	return n;
}

int strcmp(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return (u8)*a - (u8)*b;
}

int strncmp(const char *a, const char *b, size_t n)
{
	for (; n; n--, a++, b++) {
		if (*a != *b)
			return (u8)*a - (u8)*b;
		if (!*a)
			return 0;
	}
	return 0;
}
#endif

size_t kstr_nlen(const char *s, size_t max)
{
	size_t n = 0;
	while (n < max && s[n])
		n++;
	return n;
}

size_t kstr_copy(char *dst, const char *src, size_t size)
{
	size_t n = 0;
	if (!size)
		return 0;
	while (n + 1 < size && src[n]) {
		dst[n] = src[n];
		n++;
	}
	dst[n] = 0;
	return n;
}

bool kstr_starts(const char *s, const char *prefix)
{
	while (*prefix)
		if (*s++ != *prefix++)
			return false;
	return true;
}

int kstr_hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

bool kstr_to_u64(const char *s, size_t len, u64 *out)
{
	u64 base = 10, v = 0;
	if (len >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
		len -= 2;
	}
	if (!len)
		return false;
	for (size_t i = 0; i < len; i++) {
		int dv = kstr_hexval(s[i]);
		u64 d = dv < 0 ? 99 : (u64)dv;
		if (d >= base)
			return false;
		if (v > (UINT64_MAX - d) / base)
			return false;
		v = v * base + d;
	}
	*out = v;
	return true;
}
