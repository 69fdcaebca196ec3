/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
/*
 * probe_bench: the Linux peer's workload (bench/linux_peer.py).  Runs
 * inside the Debian kernel's initramfs, built with gcc -static.
 *
 * Times N calls of getppid() (the raw system call, not glibc's wrapper
 * cache) with CLOCK_MONOTONIC, ROUNDS times, and prints the best round as
 * "ns=<ns per call>" on one line.  Pinned to one CPU so the figure does
 * not include migrations.
 *
 *   probe_bench [-n CALLS] [-r ROUNDS] [-c CPU]
 */
#define _GNU_SOURCE
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

int main(int argc, char **argv)
{
	long calls = 20000, rounds = 5;
	int cpu = 0, opt;

	while ((opt = getopt(argc, argv, "n:r:c:h")) != -1) {
		switch (opt) {
		case 'n':
			calls = strtol(optarg, NULL, 0);
			break;
		case 'r':
			rounds = strtol(optarg, NULL, 0);
			break;
		case 'c':
			cpu = (int)strtol(optarg, NULL, 0);
			break;
		default:
			fprintf(stderr, "usage: %s [-n CALLS] [-r ROUNDS] [-c CPU|-1]\n"
				"times CALLS getppid() system calls ROUNDS times; prints\n"
				"the best round as ns=<ns per call>\n", argv[0]);
			return opt == 'h' ? 0 : 2;
		}
	}
	if (calls < 1 || rounds < 1) {
		fprintf(stderr, "probe_bench: CALLS and ROUNDS must be >= 1\n");
		return 2;
	}
	if (cpu >= 0) {
		cpu_set_t set;

		CPU_ZERO(&set);
		CPU_SET(cpu, &set);
		if (sched_setaffinity(0, sizeof(set), &set))
			perror("probe_bench: sched_setaffinity");
	}
	double best = 0;
	for (long r = 0; r < rounds; r++) {
		double t0 = now_ns();
		for (long i = 0; i < calls; i++)
			syscall(SYS_getppid);
		double ns = (now_ns() - t0) / calls;
		if (r == 0 || ns < best)
			best = ns;
	}
	printf("ns=%.1f\n", best);
	return 0;
}
