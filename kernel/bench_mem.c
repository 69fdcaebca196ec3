/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
/*
 * Memory for bench/bench_stub.py: 1 MiB of pseudo-random bytes, which no
 * run-length encoding can shrink (the headline read rate), and 1 MiB of
 * zeros (what encoding buys at best).
 */
#include "kernel.h"

u8 bench_random[1 << 20] __attribute__((aligned(4096)));
u8 bench_zeros[1 << 20] __attribute__((aligned(4096)));

void bench_mem_init(void)
{
	u64 x = 0x9e3779b97f4a7c15ull;	/* xorshift64: any nonzero seed */
	for (size_t i = 0; i < sizeof(bench_random); i += 8) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		__builtin_memcpy(&bench_random[i], &x, 8);
	}
}
