#!/usr/bin/python3
# SPDX-License-Identifier: MIT OR GPL-2.0-only
"""Hook layer benchmark (issues 4 and 13): prints tables, never fails on a
timing.

In the kernel under QEMU (TCG unless real KVM), boot option hooks.bench
(kernel/selftest/hooks_selftest.c), 4 CPUs, loops run with IRQs off, best of 5:
  * a call of a small function without a hook site, and with a disarmed
    site (the 5-byte NOP);
  * the same site armed with one (empty) exit;
  * a probe hit (int3, exit, out-of-line execution of the displaced
    instruction) against the same function unprobed;
  * a jump-optimized probe hit (jmp to a detour that runs the exit and
    the displaced instructions) on a function of the same two instructions;
  * arming and disarming 1, 10, 100 and 1000 sites (one hook), with the
    patch engine's sync rounds and IPIs, and a bare sync round.
Native, hosted build (bench/hook_native.c, 3 runs): HOOK() of an armed
hook with one exit against calling that exit directly.
Peer, measured in the same run (bench/linux_peer.py): Debian's stock Linux
6.1 under the same QEMU, accelerator and -smp, per probed getppid() over
the bare system call: a kprobe at function entry on ftrace, an optimized
(jump) kprobe and an int3 kprobe, each a kprobe event with tracing off.
kstub and Linux boot alternately for --rounds rounds (default 3, or
KSTUB_BENCH_ROUNDS); each figure and each kstub / Linux ratio (round by
round) prints as median [min-max].  When the Linux kernel cannot be
fetched or booted the table says why and kstub's columns still print
(KSTUB_LINUX_PEER=off or --no-linux skips it).  Linux's own hardware
figures (Documentation/trace/kprobes.rst, Xeon E5410) are quoted for scale.
Under TCG absolute times are emulator times: compare only with the peer.

The same idle workload on both: the reference kernel boots with demo=off
(no demo tasks, no ring-3 task), as the Linux guest runs nothing else.
"""
import argparse
import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "e2e"))
sys.path.insert(0, str(REPO / "tools"))
import harness  # noqa: E402
import linux_peer  # noqa: E402
from benchlib import fmt_ratio, fmt_stat, median, save_targets, table  # noqa: E402

# Linux documentation, hardware (Xeon E5410): per kprobe hit.
LINUX_HW_US = {"plain": 0.99, "boosted": 0.43, "optimized": 0.06}

ITEM_RE = re.compile(r"^hooks-bench: item=(\w+) n=\d+ cycles=([\d.]+) ns=([\d.]+)$",
                     re.M)
ARM_RE = re.compile(r"^hooks-bench: arm sites=(\d+) arm_us=(\d+) disarm_us=(\d+) "
                    r"rounds=(\d+) ipis=(\d+) disarm_rounds=(\d+)$", re.M)
SYNC_RE = re.compile(r"^hooks-bench: sync_round us=(\d+) ipis_per_round=(\d+)$",
                     re.M)


def run_kernel():
    k = harness.Kernel("hooks.bench demo=off ltt=off", 4, name="bench_hooks")
    k.start()
    try:
        k.wait_for(r"^hooks-bench: done$", harness.scaled(300))
        return k.console, k.accel
    finally:
        k.close()


def native(runs=3, n=20000000):
    """hook_native's figures, one dict per run (empty list if it cannot
    be built)."""
    exe = REPO / "build" / "bench" / "hook_native"
    exe.parent.mkdir(parents=True, exist_ok=True)
    srcs = ["bench/hook_native.c", "hooks/hook.c", "hooks/patch.c",
            "hooks/hook_list.c", "lib/fmt.c", "lib/string.c"]
    try:
        subprocess.run(["gcc", "-std=gnu11", "-O2", "-g", "-DKSTUB_HOSTED", "-I.",
                        "-o", str(exe)] + srcs, cwd=REPO, check=True, timeout=300)
        out = [subprocess.run([str(exe), str(n)], stdout=subprocess.PIPE, text=True,
                              check=True, timeout=300).stdout for _ in range(runs)]
    except (OSError, subprocess.SubprocessError) as e:
        print("hook_native: %s" % e)
        return []
    return [{k: float(v) for k, v in re.findall(r"^(\w+)=([\d.]+)$", o, re.M)}
            for o in out]


def parse(con):
    """One kstub boot's figures: items {name: (cycles, ns)}, arms, sync."""
    items = {m.group(1): (float(m.group(2)), float(m.group(3)))
             for m in ITEM_RE.finditer(con)}
    arms = [tuple(int(x) for x in m.groups()) for m in ARM_RE.finditer(con)]
    sync = SYNC_RE.search(con)
    return {"items": items, "arms": arms,
            "sync": tuple(int(x) for x in sync.groups()) if sync else None}


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    linux_peer.add_bench_args(ap)
    a = ap.parse_args()
    print("Hook layer benchmark (bench/bench_hooks.py); timings are informative")
    if not harness.KERNEL_ELF.exists():
        print("build/kernel.elf missing: run make first")
        return 0
    peer = linux_peer.peer_for("kprobe", a)
    def kstub_round():
        con, accel = run_kernel()
        return parse(con), accel
    kst, lin, accel = linux_peer.alternate(a.rounds, kstub_round, peer)
    if not any(kst) and not any(lin):
        print("no figures")
        return 0
    print("accelerator: %s, 4 CPUs, %d round(s)" % (accel or "?", len(kst)))

    def item(name, col):
        """Per round: the kstub item's cycles (col 0) or ns (col 1)."""
        return [r["items"][name][col] if r and name in r["items"] else None
                for r in kst]

    def over(name, ref):
        """Per round: ns of item name over item ref (None when missing)."""
        return [r["items"][name][1] - r["items"][ref][1]
                if r and name in r["items"] and ref in r["items"] else None
                for r in kst]

    def lx(case):
        """Per round: Linux's added ns for a case (None when missing)."""
        return [r["cases"][case]["added"] if r and case in r["cases"] else None
                for r in lin]

    def st(vals, fmt="%.1f"):
        return fmt_stat([v for v in vals if v is not None], fmt)

    rows = [
        ["call, no site", st(item("nosite", 0)), st(item("nosite", 1)), ""],
        ["call, disarmed site (NOP)", st(item("disarmed", 0)),
         st(item("disarmed", 1)), st(over("disarmed", "nosite"), "%+.1f")],
        ["call, armed site, 1 exit", st(item("armed1", 0)), st(item("armed1", 1)),
         st(over("armed1", "nosite"), "%+.1f")],
        ["call, probe hit (int3 + out of line)", st(item("probe_hit", 0)),
         st(item("probe_hit", 1)), st(over("probe_hit", "probe_off"), "%+.1f")],
        ["call, jump-optimized probe hit (detour)", st(item("jump_hit", 0)),
         st(item("jump_hit", 1)), st(over("jump_hit", "probe_off"), "%+.1f")],
    ]
    table("kstub per call, kernel under QEMU %s: median [min–max] of %d round(s)"
          % (accel, len(kst)), ["case", "cycles", "ns", "added ns"], rows)

    def peer_cell(case):
        v = [x for x in lx(case) if x is not None]
        return fmt_stat(v, "%+.0f") if v else peer.why_missing(case)

    # (kstub row, item over its reference, Linux case, its label,
    #  goal, limit): the table below and the targets (bench_targets.py).
    comparisons = [
        ("armed hook, one exit", ("armed1", "nosite"), "kprobe_ftrace",
         "kprobe at entry, on ftrace", 0.5, 1.0),
        ("armed hook, one exit", ("armed1", "nosite"), "kprobe_opt",
         "optimized (jump) kprobe", None, None),
        ("int3 probe hit", ("probe_hit", "probe_off"), "kprobe_int3",
         "int3 kprobe", 0.4, 0.5),
        ("jump-optimized probe hit", ("jump_hit", "probe_off"), "kprobe_opt",
         "optimized (jump) kprobe", 0.5, 1.0),
    ]
    cmp_rows = [[label, st(over(*items), "%+.0f"), peer_label, peer_cell(case),
                 fmt_ratio(over(*items), lx(case)),
                 "≤ %g×" % goal if goal is not None else ""]
                for label, items, case, peer_label, goal, _ in comparisons]
    nat = native()
    added = [r["hook_ns"] - r["direct_ns"] for r in nat
             if "hook_ns" in r and "direct_ns" in r]

    def why(case):
        return None if any(x is not None for x in lx(case)) else peer.why_missing(case)
    save_targets(REPO, "hooks", [
        {"path": label, "kstub": over(*items), "peer": lx(case),
         "peer_name": "Linux " + peer_label, "unit": "ratio", "goal": goal,
         "limit": limit, "why": why(case)}
        for label, items, case, peer_label, goal, limit in comparisons
        if goal is not None] + [
        {"path": "hosted native hook dispatch, one exit", "kstub": added,
         "peer": None, "peer_name": "a direct call", "unit": "ns",
         "goal": 3.0, "limit": None},
    ])
    table("kstub against Linux in the same run, added ns per hit, median "
          "[min–max]; Linux: per probed getppid() over the bare call (%s); "
          "ratio kstub / Linux round by round" % linux_peer.baseline_text(lin),
          ["kstub", "added ns", "Linux 6.1 peer", "added ns", "ratio", "goal"],
          cmp_rows)
    print(peer.describe())
    if nat:
        def ns(k):
            return fmt_stat([r[k] for r in nat if k in r], "%.2f")
        table("Native (hosted hooks/, -O2, this host): ns per call, median "
              "[min–max] of %d runs" % len(nat), ["case", "ns", "over a direct call"],
              [["loop alone", ns("empty_ns"), ""],
               ["exit called directly", ns("direct_ns"), ""],
               ["HOOK(), disarmed (hosted: a call that checks the gate)",
                ns("disarmed_ns"), ""],
               ["HOOK(), armed, one exit", ns("hook_ns"),
                fmt_stat(added, "%+.2f") + "  (goal ≤ 3 ns)"]])
    print("Linux on hardware (kprobes.rst, Xeon E5410), per hit: "
          "%.2f us int3, %.2f us boosted, %.2f us optimized"
          % (LINUX_HW_US["plain"], LINUX_HW_US["boosted"], LINUX_HW_US["optimized"]))

    by_sites = {}
    for r in kst:
        for row in (r["arms"] if r else []):
            by_sites.setdefault(row[0], []).append(row[1:])
    rows = [[str(s)] + [str(int(median([v[j] for v in vs]))) for j in range(5)]
            for s, vs in sorted(by_sites.items())]
    table("Arming one hook with N sites (median of 21 in each boot, median "
          "of the boots; other CPUs idle)",
          ["sites", "arm us", "disarm us", "sync rounds", "IPIs", "disarm rounds"],
          rows)
    syncs = [r["sync"] for r in kst if r and r["sync"]]
    if syncs:
        print("bare sync round (IPI to %s CPUs, each serializes): %s us"
              % (syncs[0][1], fmt_stat([x[0] for x in syncs], "%.0f")))
    print("Both kernels idle besides the benchmark (kstub: demo=off).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
