/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
/*
 * Native user-space micro-benchmark of the hook layer's dispatch: the
 * hosted build of hooks/ (as the unit tests use it), one static hook
 * with one exit, against calling that exit directly.
 *
 *   hook_native N    N calls of each; prints KEY=VALUE lines:
 *                    direct_ns   the exit called directly (a noinline call)
 *                    hook_ns     HOOK() of an armed hook, one exit
 *                    disarmed_ns HOOK() of a disarmed hook
 *                    empty_ns    the loop alone
 *
 * In the kernel a disarmed site is a NOP and an armed one a jump to a
 * call of hook_fire(); hosted, HOOK() always calls hook_hosted_fire(),
 * which checks the gate: so hosted "disarmed" is a call, not a NOP.
 * Built by bench/bench_hooks.py with -O2.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <x86intrin.h>

#include "../hooks/hook.h"
#include "../hooks/hook_arch.h"
#include "../hooks/hook_port.h"
#include "../hooks/patch.h"
#include "../stub/kstub_port.h"

/* --- the arch and port, faked: one site in a byte array ------------- */

static u8 text[64];
static struct hook_site_desc desc[1] = { { 0, "hn_site", 1, 0, 0, 0 } };

const struct hook_site_desc *arch_hook_sites(size_t *n)
{
	static const u8 nop5[5] = { 0x0f, 0x1f, 0x44, 0x00, 0x00 };
	memcpy(text, nop5, 5);		/* the site, as the compiler emits it */
	desc[0].addr = (u64)text;
	desc[0].target = (u64)text + 32;
	*n = 1;
	return desc;
}

size_t arch_hook_site_insn(u64 site, u64 target, bool armed, u8 *out)
{
	static const u8 nop5[5] = { 0x0f, 0x1f, 0x44, 0x00, 0x00 };
	if (armed) {
		s32 rel = (s32)(target - (site + 5));
		out[0] = 0xe9;
		memcpy(out + 1, &rel, 4);
	} else {
		memcpy(out, nop5, 5);
	}
	return 5;
}

size_t arch_hook_read(u64 addr, u8 *buf, size_t n)
{
	memcpy(buf, (void *)addr, n);
	return 0;
}

size_t arch_text_write(u64 addr, const u8 *bytes, size_t n)
{
	memcpy((void *)addr, bytes, n);
	return 0;
}

int arch_probe_prepare(u64 addr, struct arch_probe *p, const char **why)
{
	(void)addr; (void)p;
	*why = "no probes here";
	return -1;
}
int arch_probe_prepare_jump(u64 addr, struct arch_probe *p, const char **why)
{
	return arch_probe_prepare(addr, p, why);
}
void arch_probe_release(struct arch_probe *p) { (void)p; }
size_t arch_probe_insn(const struct arch_probe *p, bool armed, u8 *out)
{
	(void)p; (void)armed; (void)out;
	return 0;
}
size_t arch_probe_jump_insn(const struct arch_probe *p, bool jmp, u8 *out)
{
	(void)p; (void)jmp; (void)out;
	return 0;
}
void arch_probe_resume(const struct arch_probe *p, struct arch_regs *r) { (void)p; (void)r; }
void arch_probe_synced(void) {}
bool arch_probe_cooling(void) { return false; }

bool port_hooks_parked(void) { return false; }
u64 port_sym_start(u64 addr, const char **name) { (void)name; return addr; }
u64 port_sym_end(u64 addr) { return addr; }
bool port_text_busy(u64 start, u64 end) { (void)start; (void)end; return false; }
const char *port_is_noprobe(u64 addr) { (void)addr; return 0; }
bool port_is_text(u64 addr, size_t len) { (void)addr; (void)len; return false; }
void port_log(const char *s) { fprintf(stderr, "%s\n", s); }
unsigned port_sync_others(void) { return 0; }

/* --- the benchmark --------------------------------------------------- */

static volatile u64 sum;

static void exit_fn(const struct hook_args *a, void *data)
{
	(void)data;
	sum += a->a[0];
}

__attribute__((noinline)) static void direct(u64 i)
{
	struct hook_args a = { .a = { i } };
	exit_fn(&a, 0);
}

__attribute__((noinline)) static void hooked(u64 i)
{
	HOOK(hn_site, i);
}

__attribute__((noinline)) static void empty(u64 i)
{
	__asm__ volatile("" : : "r"(i) : "memory");
}

/* Best of 5 runs, ns per call from the TSC calibrated against the
 * monotonic clock by the caller. */
static double timed(void (*fn)(u64), u64 n, double ns_per_tick)
{
	u64 best = ~0ull;
	for (int r = 0; r < 5; r++) {
		u64 t0 = __rdtsc();
		for (u64 i = 0; i < n; i++)
			fn(i);
		u64 t = __rdtsc() - t0;
		if (t < best)
			best = t;
	}
	return (double)best * ns_per_tick / (double)n;
}

static double tsc_ns(void)
{
	struct timespec a, b;
	clock_gettime(CLOCK_MONOTONIC, &a);
	u64 t0 = __rdtsc();
	do
		clock_gettime(CLOCK_MONOTONIC, &b);
	while ((b.tv_sec - a.tv_sec) * 1000000000L + (b.tv_nsec - a.tv_nsec) < 100000000L);
	u64 t1 = __rdtsc();
	return ((b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec)) / (double)(t1 - t0);
}

int main(int argc, char **argv)
{
	if (argc != 2 || !strcmp(argv[1], "--help")) {
		fprintf(stderr, "usage: hook_native N\n"
			"times N calls of an exit called directly, through HOOK() armed\n"
			"with that one exit, and through HOOK() disarmed (hosted build)\n");
		return argc == 2 ? 0 : 2;
	}
	char *end;
	u64 n = strtoull(argv[1], &end, 10);
	if (*end || n == 0) {
		fprintf(stderr, "hook_native: N must be a positive number, not '%s'\n", argv[1]);
		return 2;
	}
	double tick = tsc_ns();
	hook_init();
	if (hook_exit_register("hn_site", 0, exit_fn, 0, "bench")) {
		fprintf(stderr, "hook_native: cannot register the exit\n");
		return 1;
	}
	printf("empty_ns=%.2f\n", timed(empty, n, tick));
	printf("direct_ns=%.2f\n", timed(direct, n, tick));
	printf("disarmed_ns=%.2f\n", timed(hooked, n, tick));
	if (hook_arm("hn_site")) {
		fprintf(stderr, "hook_native: cannot arm the hook\n");
		return 1;
	}
	u64 before = sum;
	printf("hook_ns=%.2f\n", timed(hooked, n, tick));
	if (sum == before) {
		fprintf(stderr, "hook_native: the armed hook's exit never ran\n");
		return 1;
	}
	return 0;
}
