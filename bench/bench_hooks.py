#!/usr/bin/python3
# SPDX-License-Identifier: MIT OR GPL-2.0-only
"""Hook layer benchmark (issue 4): prints tables, never fails on a timing.

In the kernel under QEMU (TCG unless real KVM), boot option hooks.bench
(kernel/hooks_selftest.c), 4 CPUs, loops run with IRQs off, best of 5:
  * a call of a small function without a hook site, and with a disarmed
    site (the 5-byte NOP);
  * the same site armed with one (empty) exit;
  * a probe hit (int3, exit, out-of-line execution of the displaced
    instruction) against the same function unprobed;
  * arming and disarming 1, 10, 100 and 1000 sites (one hook), with the
    patch engine's sync rounds and IPIs, and a bare sync round.
Peer: Linux 6.1 under the same QEMU TCG on this machine, per probed
getppid() over a 430 ns baseline (the figures given in issue 4; not
re-measured here), and Linux's own hardware figures (Documentation/
trace/kprobes.rst, Xeon E5410).  Under TCG absolute times are emulator
times: compare only with peers under the same emulator.
"""
import re
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "e2e"))
sys.path.insert(0, str(REPO / "tools"))
import harness  # noqa: E402
from benchlib import table  # noqa: E402

# Issue 4: Linux 6.1 guest under this QEMU TCG, per probed getppid(),
# added to a 430 ns baseline.
LINUX_TCG = {
    "baseline_ns": 430,
    "kprobe_opt_ns": 332,      # optimized (jump) kprobe, no buffer write
    "kprobe_int3_ns": 1380,    # int3 kprobe
    "ftrace_entry_ns": 378,    # ftrace function-entry probe
}
# Linux documentation, hardware (Xeon E5410): per kprobe hit.
LINUX_HW_US = {"plain": 0.99, "boosted": 0.43, "optimized": 0.06}



def run_kernel():
    k = harness.Kernel("hooks.bench", 4, name="bench_hooks")
    k.start()
    try:
        k.wait_for(r"^hooks-bench: done$", harness.scaled(300))
        return k.console, k.accel
    finally:
        k.close()


def main():
    print("Hook layer benchmark (bench/bench_hooks.py); timings are informative")
    if not harness.KERNEL_ELF.exists():
        print("build/kernel.elf missing: run make first")
        return 0
    try:
        con, accel = run_kernel()
    except (harness.WaitTimeout, OSError) as e:
        print("kernel benchmark did not finish: %s" % str(e).splitlines()[0])
        return 0
    items = {m.group(1): (float(m.group(2)), float(m.group(3)))
             for m in re.finditer(r"^hooks-bench: item=(\w+) n=\d+ "
                                  r"cycles=([\d.]+) ns=([\d.]+)$", con, re.M)}
    arms = [tuple(int(x) for x in m.groups()) for m in re.finditer(
        r"^hooks-bench: arm sites=(\d+) arm_us=(\d+) disarm_us=(\d+) "
        r"rounds=(\d+) ipis=(\d+) disarm_rounds=(\d+)$", con, re.M)]
    sync = re.search(r"^hooks-bench: sync_round us=(\d+) ipis_per_round=(\d+)$",
                     con, re.M)
    print("accelerator: %s, 4 CPUs" % accel)

    def c(name):
        return items.get(name, (float("nan"), float("nan")))

    nos, dis, arm1 = c("nosite"), c("disarmed"), c("armed1")
    poff, phit = c("probe_off"), c("probe_hit")
    rows = [
        ["call, no site", "%.1f" % nos[0], "%.1f" % nos[1], "", ""],
        ["call, disarmed site (NOP)", "%.1f" % dis[0], "%.1f" % dis[1],
         "%+.1f" % (dis[1] - nos[1]), ""],
        ["call, armed site, 1 exit", "%.1f" % arm1[0], "%.1f" % arm1[1],
         "%+.1f" % (arm1[1] - nos[1]),
         "ftrace entry +%d, jump kprobe +%d" % (LINUX_TCG["ftrace_entry_ns"],
                                                 LINUX_TCG["kprobe_opt_ns"])],
        ["call, probe hit (int3 + out of line)", "%.1f" % phit[0],
         "%.1f" % phit[1], "%+.1f" % (phit[1] - poff[1]),
         "int3 kprobe +%d" % LINUX_TCG["kprobe_int3_ns"]],
    ]
    table("Per call (kernel under QEMU %s; Linux 6.1 peers under the same "
          "QEMU TCG, per probed getppid() over %d ns)" % (accel, LINUX_TCG["baseline_ns"]),
          ["case", "cycles", "ns", "added ns", "Linux 6.1, same TCG (added ns)"],
          rows)
    print("Linux on hardware (kprobes.rst, Xeon E5410), per hit: "
          "%.2f us int3, %.2f us boosted, %.2f us optimized"
          % (LINUX_HW_US["plain"], LINUX_HW_US["boosted"], LINUX_HW_US["optimized"]))

    rows = [[str(s), str(a), str(d), str(r), str(i), str(dr)]
            for s, a, d, r, i, dr in arms]
    table("Arming one hook with N sites (median of 21; other CPUs idle)",
          ["sites", "arm us", "disarm us", "sync rounds", "IPIs", "disarm rounds"],
          rows)
    if sync:
        print("bare sync round (IPI to %s CPUs, each serializes): %s us"
              % (sync.group(2), sync.group(1)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
