/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
/*
 * The ring-3 task.  This file is linked into the user pages (the build
 * prefixes its sections with .user), so it must not call kernel code:
 * everything it needs is here, and it talks to the kernel by int 0x80.
 */
#include "../syscall_nr.h"

static inline long sys(long nr, long a, long b, long c)
{
	long r;
	__asm__ volatile("int $0x80"
			 : "=a"(r)
			 : "a"(nr), "D"(a), "S"(b), "d"(c)
			 : "memory");
	return r;
}

static int put_str(char *p, const char *s)
{
	int n = 0;
	while (s[n]) {
		p[n] = s[n];
		n++;
	}
	return n;
}

static int put_num(char *p, unsigned long v)
{
	char tmp[20];
	int n = 0, k = 0;
	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n)
		p[k++] = tmp[--n];
	return k;
}

static char line[128];

void user_main(void)
{
	long pid = sys(SYS_GETPID, 0, 0, 0);
	for (unsigned long it = 1;; it++) {
		int n = put_str(line, "user: pid=");
		n += put_num(line + n, (unsigned long)pid);
		n += put_str(line + n, " iteration=");
		n += put_num(line + n, it);
		n += put_str(line + n, " getpid=");
		n += put_num(line + n, (unsigned long)sys(SYS_GETPID, 0, 0, 0));
		line[n++] = '\n';
		sys(SYS_WRITE, 1, (long)line, n);
		sys(SYS_YIELD, 0, 0, 0);
		sys(SYS_SLEEP, 500, 0, 0);
	}
}

/* The task's stack lives in the user pages too. */
__attribute__((aligned(16))) char user_stack[8192];
__asm__(".global user_stack_top\n.set user_stack_top, user_stack + 8192");
