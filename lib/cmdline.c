/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
#include "cmdline.h"
#include "string.h"

bool kcmd_get(const char *cmdline, const char *key, const char **val,
	      size_t *len)
{
	size_t klen = strlen(key);
	bool found = false;
	const char *p = cmdline;

	while (p && *p) {
		while (*p == ' ')
			p++;
		const char *w = p;
		while (*p && *p != ' ')
			p++;
		size_t wlen = (size_t)(p - w);
		if (wlen < klen || memcmp(w, key, klen))
			continue;
		if (wlen == klen) {
			*val = w + wlen;
			*len = 0;
			found = true;
		} else if (w[klen] == '=') {
			*val = w + klen + 1;
			*len = wlen - klen - 1;
			found = true;
		}
	}
	return found;
}

bool kcmd_flag(const char *cmdline, const char *key)
{
	const char *v;
	size_t n;
	if (!kcmd_get(cmdline, key, &v, &n))
		return false;
	if ((n == 1 && v[0] == '0') || (n == 3 && !memcmp(v, "off", 3)) ||
	    (n == 2 && !memcmp(v, "no", 2)))
		return false;
	return true;
}

u64 kcmd_u64(const char *cmdline, const char *key, u64 def)
{
	const char *v;
	size_t n;
	u64 x;
	if (!kcmd_get(cmdline, key, &v, &n) || !kstr_to_u64(v, n, &x))
		return def;
	return x;
}

bool kcmd_is(const char *cmdline, const char *key, const char *s)
{
	const char *v;
	size_t n;
	return kcmd_get(cmdline, key, &v, &n) && n == strlen(s) &&
	       !memcmp(v, s, n);
}
