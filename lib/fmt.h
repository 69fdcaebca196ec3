/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
/*
 * Bounded formatting for freestanding code (no sprintf in the kernel).
 * Supports %d %i %u %x %X %p %s %c %% with the l/ll/z length modifiers,
 * a field width, '0' padding and '-' left alignment.  Output is always
 * NUL-terminated when size > 0; the return value is the length that the
 * full output would have had, as with C's snprintf.
 */
#ifndef LIB_FMT_H
#define LIB_FMT_H

#include "types.h"

size_t kfmt_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
size_t kfmt_snprintf(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
