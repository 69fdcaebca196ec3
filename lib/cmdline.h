/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
/*
 * Kernel command line lookup: "a b=c kstub=ttyS0,115200 kstub.wait".
 * Words are separated by spaces; a word is KEY or KEY=VALUE.  Portable,
 * so the stub's option parsing is unit-tested on the host.
 */
#ifndef LIB_CMDLINE_H
#define LIB_CMDLINE_H

#include "types.h"

/*
 * Find the last word whose key is exactly `key`.  On success *val points at
 * the value and *len is its length; for a bare KEY *len is 0 (and *val
 * points just past the key, not at a NUL).
 */
bool kcmd_get(const char *cmdline, const char *key, const char **val,
	      size_t *len);
/* True when `key` is present, bare or with a value other than 0/off/no. */
bool kcmd_flag(const char *cmdline, const char *key);
/* Numeric value of `key`, or def when absent or not a number. */
u64 kcmd_u64(const char *cmdline, const char *key, u64 def);
/* True when the value of `key` equals s. */
bool kcmd_is(const char *cmdline, const char *key, const char *s);

#endif
