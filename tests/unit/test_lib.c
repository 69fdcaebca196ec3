/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
/*
 * Host unit tests for lib/: bounded formatting (fmt.c), string helpers and
 * number parsing (string.c), kernel command-line lookup (cmdline.c).
 * Built against the hosted ASan/UBSan build of the portable core.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <limits.h>
#include <string.h>
#include <cmocka.h>

#include "lib/cmdline.h"
#include "lib/fmt.h"
#include "lib/string.h"

/* ---- kfmt_snprintf ---------------------------------------------------- */

/* Format into a generous buffer and compare; also checks the return value
 * equals the length of what was written. */
#define FMT_EQ(expect, ...)                                                  \
	do {                                                                 \
		char b_[128];                                                \
		memset(b_, 'Z', sizeof(b_));                                 \
		size_t n_ = kfmt_snprintf(b_, sizeof(b_), __VA_ARGS__);      \
		assert_string_equal(b_, expect);                             \
		assert_int_equal(n_, strlen(expect));                        \
	} while (0)

/* No format attribute: lets tests pass formats the compiler would reject. */
static size_t vfmt(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	size_t n = kfmt_vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

static void fmt_plain_and_percent(void **state)
{
	(void)state;
	FMT_EQ("", "%s", "");
	FMT_EQ("hello", "hello");
	FMT_EQ("100%", "100%%");
	FMT_EQ("a-z", "%c-%c", 'a', 'z');
}

static void fmt_widths_and_alignment(void **state)
{
	(void)state;
	FMT_EQ("   42", "%5d", 42);
	FMT_EQ("42   |", "%-5d|", 42);
	FMT_EQ("42", "%1d", 42);          /* width smaller than the number */
	FMT_EQ("  abc|abc  |", "%5s|%-5s|", "abc", "abc");
	FMT_EQ("    x", "%5c", 'x');
	FMT_EQ("     7", "%6u", 7u);
}

static void fmt_zero_pad(void **state)
{
	(void)state;
	FMT_EQ("00042", "%05d", 42);
	FMT_EQ("000000ff", "%08x", 0xffu);
	FMT_EQ("00000000deadbeef", "%016lx", (uint64_t)0xdeadbeef);
	FMT_EQ("0", "%0d", 0);
	/* '-' wins over '0': left-aligned, padded with spaces. */
	char b[16];
	assert_int_equal(vfmt(b, sizeof(b), "%-05d|", 42), 6);
	assert_string_equal(b, "42   |");
}

static void fmt_negative_numbers(void **state)
{
	(void)state;
	FMT_EQ("-1", "%d", -1);
	FMT_EQ("  -42", "%5d", -42);
	FMT_EQ("-0042", "%05d", -42);     /* sign before the zeros */
	FMT_EQ("-42  |", "%-5d|", -42);
	FMT_EQ("-2147483648", "%d", INT_MIN);
	FMT_EQ("-9223372036854775808", "%ld", (int64_t)INT64_MIN);
	FMT_EQ("-7", "%i", -7);
	FMT_EQ("4294967295", "%u", UINT_MAX);
}

static void fmt_hex_and_64bit(void **state)
{
	(void)state;
	FMT_EQ("ffffffffffffffff", "%lx", (uint64_t)UINT64_MAX);
	FMT_EQ("FFFFFFFFFFFFFFFF", "%lX", (uint64_t)UINT64_MAX);
	FMT_EQ("18446744073709551615", "%lu", (uint64_t)UINT64_MAX);
	FMT_EQ("18446744073709551615", "%llu", (unsigned long long)UINT64_MAX);
	FMT_EQ("deadbeef DEADBEEF", "%x %X", 0xdeadbeefu, 0xdeadbeefu);
	FMT_EQ("0", "%x", 0u);
	FMT_EQ("123", "%zu", (size_t)123);
	FMT_EQ("0x0000000000001234", "%p", (void *)0x1234);
}

static void fmt_null_string(void **state)
{
	(void)state;
	const char *volatile null = NULL;
	FMT_EQ("(null)", "%s", null);
	FMT_EQ("[  (null)]", "[%8s]", null);
}

static void fmt_unknown_and_trailing_percent(void **state)
{
	(void)state;
	char b[32];
	assert_int_equal(vfmt(b, sizeof(b), "a%qb"), 4);
	assert_string_equal(b, "a%qb");
	/* A lone '%' at the end must not read past the terminator. */
	assert_int_equal(vfmt(b, sizeof(b), "abc%"), 3);
	assert_string_equal(b, "abc");
}

static void fmt_truncation(void **state)
{
	(void)state;
	char b[8];
	memset(b, 'Z', sizeof(b));
	/* Return value is the full length, output is cut and terminated. */
	assert_int_equal(kfmt_snprintf(b, sizeof(b), "hello %s", "world"), 11);
	assert_string_equal(b, "hello w");

	memset(b, 'Z', sizeof(b));
	assert_int_equal(kfmt_snprintf(b, sizeof(b), "%lx", (uint64_t)UINT64_MAX), 16);
	assert_string_equal(b, "fffffff");

	/* Exactly fits: 7 chars + NUL. */
	assert_int_equal(kfmt_snprintf(b, sizeof(b), "%07d", 1), 7);
	assert_string_equal(b, "0000001");
	/* One too many. */
	assert_int_equal(kfmt_snprintf(b, sizeof(b), "%08d", 1), 8);
	assert_string_equal(b, "0000000");

	memset(b, 'Z', sizeof(b));
	assert_int_equal(kfmt_snprintf(b, 1, "abc"), 3);
	assert_int_equal(b[0], 0);
	assert_int_equal(b[1], 'Z');

	/* Padding is counted and cut like any other output. */
	memset(b, 'Z', sizeof(b));
	assert_int_equal(kfmt_snprintf(b, 4, "%10s", "x"), 10);
	assert_string_equal(b, "   ");
}

static void fmt_size_zero(void **state)
{
	(void)state;
	char b[4] = { 'Z', 'Z', 'Z', 'Z' };
	/* size 0: nothing is written, not even the NUL. */
	assert_int_equal(kfmt_snprintf(b, 0, "%d-%s", 1234, "abc"), 8);
	assert_memory_equal(b, "ZZZZ", 4);
	/* ...so a NULL buffer is fine for measuring. */
	assert_int_equal(kfmt_snprintf(NULL, 0, "%lu", (uint64_t)UINT64_MAX), 20);
}

/* ---- string.c ---------------------------------------------------------- */

static bool to_u64(const char *s, u64 *out)
{
	return kstr_to_u64(s, strlen(s), out);
}

static void str_to_u64_decimal(void **state)
{
	(void)state;
	u64 v = 0;
	assert_true(to_u64("0", &v));
	assert_int_equal(v, 0);
	assert_true(to_u64("12345", &v));
	assert_int_equal(v, 12345);
	assert_true(to_u64("007", &v));
	assert_int_equal(v, 7);
	assert_true(to_u64("18446744073709551615", &v));
	assert_true(v == UINT64_MAX);
	/* Only the first len bytes count. */
	assert_true(kstr_to_u64("123456", 3, &v));
	assert_int_equal(v, 123);
}

static void str_to_u64_hex(void **state)
{
	(void)state;
	u64 v = 0;
	assert_true(to_u64("0x1f", &v));
	assert_int_equal(v, 0x1f);
	assert_true(to_u64("0X1F", &v));
	assert_int_equal(v, 0x1f);
	assert_true(to_u64("0xAbCdEf", &v));
	assert_int_equal(v, 0xabcdef);
	assert_true(to_u64("0x0", &v));
	assert_int_equal(v, 0);
	assert_true(to_u64("0xffffffffffffffff", &v));
	assert_true(v == UINT64_MAX);
	assert_true(to_u64("0x000000000000000000001", &v)); /* leading zeros */
	assert_int_equal(v, 1);
}

static void str_to_u64_rejects(void **state)
{
	(void)state;
	u64 v = 0x5a5a;
	/* Overflow, by one and by a lot, in both bases. */
	assert_false(to_u64("18446744073709551616", &v));
	assert_false(to_u64("99999999999999999999", &v));
	assert_false(to_u64("0x10000000000000000", &v));
	/* Empty, or a prefix with nothing after it. */
	assert_false(kstr_to_u64("", 0, &v));
	assert_false(kstr_to_u64("123", 0, &v));
	assert_false(to_u64("0x", &v));
	/* Bad digits. */
	assert_false(to_u64("12a", &v));
	assert_false(to_u64("ff", &v));      /* hex digits need 0x */
	assert_false(to_u64("0x1g", &v));
	assert_false(to_u64("-1", &v));
	assert_false(to_u64("+1", &v));
	assert_false(to_u64(" 1", &v));
	assert_false(to_u64("1 ", &v));
	assert_false(to_u64("1.5", &v));
	/* A failed parse leaves *out alone. */
	assert_int_equal(v, 0x5a5a);
}

static void str_helpers(void **state)
{
	(void)state;
	char b[6];
	assert_int_equal(kstr_nlen("abcdef", 3), 3);
	assert_int_equal(kstr_nlen("ab", 10), 2);
	assert_int_equal(kstr_copy(b, "hello world", sizeof(b)), 5);
	assert_string_equal(b, "hello");
	assert_int_equal(kstr_copy(b, "hi", sizeof(b)), 2);
	assert_string_equal(b, "hi");
	b[0] = 'Z';
	assert_int_equal(kstr_copy(b, "hi", 0), 0);
	assert_int_equal(b[0], 'Z');
	assert_true(kstr_starts("kstub.wait", "kstub"));
	assert_true(kstr_starts("abc", ""));
	assert_false(kstr_starts("kst", "kstub"));
	assert_false(kstr_starts("kxtub", "kstub"));
}

/* ---- cmdline.c --------------------------------------------------------- */

/* The value of key as a C string ("<absent>" when not found). */
static const char *get(const char *cmdline, const char *key)
{
	static char out[64];
	const char *v;
	size_t n;
	if (!kcmd_get(cmdline, key, &v, &n))
		return "<absent>";
	assert_true(n < sizeof(out));
	memcpy(out, v, n);
	out[n] = 0;
	return out;
}

static void cmd_get_values(void **state)
{
	(void)state;
	assert_string_equal(get("kstub=ttyS0,115200 kstub.wait", "kstub"),
			    "ttyS0,115200");
	assert_string_equal(get("a=1 b=2", "b"), "2");
	assert_string_equal(get("k=a=b", "k"), "a=b");
	assert_string_equal(get("k=", "k"), "");
	assert_string_equal(get("  a=1    b=22   ", "b"), "22");
	assert_string_equal(get("a=1", "b"), "<absent>");
	assert_string_equal(get("", "a"), "<absent>");
	const char *v = (const char *)1;
	size_t n = 99;
	assert_false(kcmd_get(NULL, "a", &v, &n));
}

static void cmd_get_last_occurrence_wins(void **state)
{
	(void)state;
	assert_string_equal(get("a=1 b=2 a=3", "a"), "3");
	assert_string_equal(get("heartbeat=1 heartbeat=5", "heartbeat"), "5");
	assert_string_equal(get("x=1 x", "x"), "");
	assert_string_equal(get("x x=7", "x"), "7");
}

static void cmd_get_bare_key(void **state)
{
	(void)state;
	const char *v;
	size_t n = 99;
	assert_true(kcmd_get("kstub.wait", "kstub.wait", &v, &n));
	assert_int_equal(n, 0);
	n = 99;
	assert_true(kcmd_get("a kstub.wait b=1", "kstub.wait", &v, &n));
	assert_int_equal(n, 0);
}

static void cmd_get_key_must_match_whole(void **state)
{
	(void)state;
	/* A key is the whole word before '=': no prefixes, no suffixes. */
	assert_string_equal(get("kstubx=1", "kstub"), "<absent>");
	assert_string_equal(get("kstubx", "kstub"), "<absent>");
	assert_string_equal(get("kstub.wait", "kstub"), "<absent>");
	assert_string_equal(get("kstub.fault=null", "kstub"), "<absent>");
	assert_string_equal(get("xkstub=1", "kstub"), "<absent>");
	assert_string_equal(get("kstubx=1 kstub=ttyS1", "kstub"), "ttyS1");
	assert_string_equal(get("kstub=ttyS1 kstubx=2", "kstub"), "ttyS1");
	assert_string_equal(get("ab=1", "abc"), "<absent>");
}

static void cmd_flag(void **state)
{
	(void)state;
	assert_true(kcmd_flag("kstub.wait", "kstub.wait"));
	assert_true(kcmd_flag("kstub.wait=1", "kstub.wait"));
	assert_true(kcmd_flag("kstub.wait=yes", "kstub.wait"));
	assert_true(kcmd_flag("kstub.wait=offx", "kstub.wait"));
	assert_false(kcmd_flag("kstub.wait=0", "kstub.wait"));
	assert_false(kcmd_flag("kstub.wait=off", "kstub.wait"));
	assert_false(kcmd_flag("kstub.wait=no", "kstub.wait"));
	assert_false(kcmd_flag("", "kstub.wait"));
	assert_false(kcmd_flag("kstub.waitx", "kstub.wait"));
	/* Last occurrence wins here too. */
	assert_true(kcmd_flag("x=0 x", "x"));
	assert_false(kcmd_flag("x x=off", "x"));
}

static void cmd_u64(void **state)
{
	(void)state;
	assert_int_equal(kcmd_u64("heartbeat=5", "heartbeat", 0), 5);
	assert_int_equal(kcmd_u64("heartbeat=0x10", "heartbeat", 0), 16);
	assert_int_equal(kcmd_u64("a=1 heartbeat=2 heartbeat=3", "heartbeat", 0), 3);
	assert_true(kcmd_u64("n=18446744073709551615", "n", 0) == UINT64_MAX);
	/* Absent, bare, empty, bad or overflowing: the default. */
	assert_int_equal(kcmd_u64("", "heartbeat", 42), 42);
	assert_int_equal(kcmd_u64("heartbeat", "heartbeat", 42), 42);
	assert_int_equal(kcmd_u64("heartbeat=", "heartbeat", 42), 42);
	assert_int_equal(kcmd_u64("heartbeat=abc", "heartbeat", 42), 42);
	assert_int_equal(kcmd_u64("heartbeat=-1", "heartbeat", 42), 42);
	assert_int_equal(kcmd_u64("n=18446744073709551616", "n", 42), 42);
	assert_int_equal(kcmd_u64("heartbeatx=5", "heartbeat", 42), 42);
}

static void cmd_is(void **state)
{
	(void)state;
	assert_true(kcmd_is("kstub.fault=null", "kstub.fault", "null"));
	assert_true(kcmd_is("kstub.fault=gp kstub.fault=wx", "kstub.fault", "wx"));
	assert_false(kcmd_is("kstub.fault=gp kstub.fault=wx", "kstub.fault", "gp"));
	assert_false(kcmd_is("kstub.fault=nul", "kstub.fault", "null"));
	assert_false(kcmd_is("kstub.fault=nullx", "kstub.fault", "null"));
	assert_false(kcmd_is("kstub=ttyS0,115200", "kstub", "ttyS0"));
	assert_false(kcmd_is("", "kstub.fault", "null"));
	assert_true(kcmd_is("kstub.wait", "kstub.wait", ""));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(fmt_plain_and_percent),
		cmocka_unit_test(fmt_widths_and_alignment),
		cmocka_unit_test(fmt_zero_pad),
		cmocka_unit_test(fmt_negative_numbers),
		cmocka_unit_test(fmt_hex_and_64bit),
		cmocka_unit_test(fmt_null_string),
		cmocka_unit_test(fmt_unknown_and_trailing_percent),
		cmocka_unit_test(fmt_truncation),
		cmocka_unit_test(fmt_size_zero),
		cmocka_unit_test(str_to_u64_decimal),
		cmocka_unit_test(str_to_u64_hex),
		cmocka_unit_test(str_to_u64_rejects),
		cmocka_unit_test(str_helpers),
		cmocka_unit_test(cmd_get_values),
		cmocka_unit_test(cmd_get_last_occurrence_wins),
		cmocka_unit_test(cmd_get_bare_key),
		cmocka_unit_test(cmd_get_key_must_match_whole),
		cmocka_unit_test(cmd_flag),
		cmocka_unit_test(cmd_u64),
		cmocka_unit_test(cmd_is),
	};
	return cmocka_run_group_tests_name("lib", tests, NULL, NULL);
}
