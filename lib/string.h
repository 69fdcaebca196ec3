/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
/* The few mem/str routines freestanding code needs.  GCC may also emit
 * calls to memcpy/memset/memmove/memcmp itself, so these keep their libc
 * names in the kernel build; the hosted build uses libc's. */
#ifndef LIB_STRING_H
#define LIB_STRING_H

#include "types.h"

void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);

/* -ffreestanding stops GCC from expanding these itself, so put32() of a
 * trace record was a call to a copy loop.  The builtins expand small
 * constant sizes inline and call the functions above for the rest
 * (lib/string.c, built with -fno-builtin, #undefs these). */
#if !defined(KSTUB_HOSTED) && !defined(LIB_STRING_NO_BUILTINS)
#define memcpy(d, s, n) __builtin_memcpy(d, s, n)
#define memset(d, c, n) __builtin_memset(d, c, n)
#define memcmp(a, b, n) __builtin_memcmp(a, b, n)
#endif

/* Length of s, at most max. */
size_t kstr_nlen(const char *s, size_t max);
/* Copy with truncation; always NUL-terminates when size > 0. */
size_t kstr_copy(char *dst, const char *src, size_t size);
/* True when s starts with prefix. */
bool kstr_starts(const char *s, const char *prefix);
/* Value of a hex digit (either case), or -1. */
int kstr_hexval(int c);
/*
 * Parse an unsigned number in base 10, or base 16 with a 0x prefix, from
 * s[0..len).  Returns false on empty input, a bad digit or overflow.
 */
bool kstr_to_u64(const char *s, size_t len, u64 *out);

#endif
