#!/usr/bin/python3
# SPDX-License-Identifier: MIT OR GPL-2.0-only
"""Non-stop mode benchmark (issue 14): prints tables, never fails on a
timing.

For each transport (serial, UDP), one boot of the reference kernel (4
CPUs) and a gdb driven over MI:
  * non-stop: every CPU runs; N reads of a variable (-data-evaluate-
    expression demo_counter, one 'm' packet each), the wall time per read;
    then `monitor stats`: the time the stub spent per 'm' packet (receive,
    handle, frame, send, ack), which is how long the serving CPU was taken
    from the kernel (IRQs off, in its timer tick) per packet;
  * all-stop: the same reads with every CPU stopped.
Medians over the reads, then over --runs boots (transports alternated).
Timings under QEMU TCG are emulator timings:
compare the two modes, not absolute figures.
"""
import argparse
import re
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "e2e"))
sys.path.insert(0, str(REPO / "bench"))
import harness  # noqa: E402
from benchlib import fmt_stat, median, table  # noqa: E402

USER = r"^user: pid=\d+ iteration="


def boot(transport):
    if transport == "serial":
        k = harness.Kernel("kstub=ttyS1", 4, name="bench_live", gdb=True)
        k.start()
        k.wait_for(r"^kstub: gdb stub on ttyS1", 60)
        return k, k.gdb_tty
    port = harness.free_udp_port()
    k = harness.Kernel("kstub=udp:10.0.2.15:%d" % port, 4, name="bench_live",
                       extra_args=harness.udp_netdev(port))
    k.start()
    k.wait_for(r"^kstub: gdb stub on udp:", 60)
    return k, "udp:127.0.0.1:%d" % port


def reads(mi, n):
    """Wall microseconds of n reads of demo_counter."""
    out = []
    for _ in range(n):
        t0 = time.monotonic()
        mi.command("-data-evaluate-expression demo_counter", timeout=30)
        out.append((time.monotonic() - t0) * 1e6)
    return out


def poller_us(mi):
    """The stub's microseconds per 'm' packet, from monitor stats."""
    mi.command('-interpreter-exec console "monitor stats"', timeout=30)
    for line in mi.output.splitlines():
        m = re.search(r'^@"m\s+(\d+)\s+\d+\s+\d+\s+[\d.]+\s+([\d.]+)\s+([\d.]+)\s+'
                      r'([\d.]+)\s+([\d.]+)\s+([\d.]+)', line)
        if m:
            return sum(float(x) for x in m.groups()[1:])
    return None


def measure(transport, n):
    k, where = boot(transport)
    try:
        k.wait_for(USER, 60)
        res = {}
        with harness.GdbMI() as mi:
            mi.command("-gdb-set non-stop on")
            mi.command("-target-select remote %s" % where, timeout=60)
            mi.command('-interpreter-exec console "monitor stats reset"', timeout=30)
            res["nonstop"] = reads(mi, n)
            res["poller"] = poller_us(mi)
            mi.command("-target-detach")
        k.wait_for(USER, 60, start=len(k.console))
        with harness.GdbMI() as mi:
            mi.command("-target-select remote %s" % where, timeout=60)
            res["allstop"] = reads(mi, n)
            mi.command("-target-detach")
        return res
    finally:
        k.close()


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--reads", type=int, default=40, help="reads per mode (default 40)")
    ap.add_argument("--runs", type=int, default=3,
                    help="boots per transport, alternated (default 3)")
    a = ap.parse_args()
    print("Non-stop benchmark (bench/bench_live.py); timings are informative")
    if not harness.KERNEL_ELF.exists():
        print("build/kernel.elf missing: run make first")
        return 0
    # Per transport, each run's medians: the table gives the median run
    # and the spread of the run medians.
    runs = {t: {"nonstop": [], "allstop": [], "ratio": [], "poller": []}
            for t in ("serial", "udp")}
    failed = {}
    for i in range(a.runs):
        for transport in ("serial", "udp"):
            print("  run %d/%d, %s ..." % (i + 1, a.runs, transport), flush=True)
            try:
                r = measure(transport, a.reads)
            except (harness.WaitTimeout, OSError, AssertionError) as e:
                failed[transport] = str(e).splitlines()[0][:60]
                continue
            ns, al = median(r["nonstop"]), median(r["allstop"])
            d = runs[transport]
            d["nonstop"].append(ns)
            d["allstop"].append(al)
            if al:
                d["ratio"].append(ns / al)
            if r["poller"] is not None:
                d["poller"].append(r["poller"])
    rows = []
    for transport, d in runs.items():
        if not d["nonstop"]:
            rows.append([transport, "failed: %s" % failed.get(transport, "?"), "", "", ""])
            continue
        rows.append([transport, fmt_stat(d["nonstop"], "%.0f"), fmt_stat(d["allstop"], "%.0f"),
                     fmt_stat(d["ratio"], "%.2f") if d["ratio"] else "-",
                     fmt_stat(d["poller"], "%.0f") if d["poller"] else "-"])
    table("A memory read (print of a u64) through gdb, microseconds: median of "
          "%d runs [min–max of the run medians], each the median of %d reads; "
          "QEMU %s, 4 CPUs" % (a.runs, a.reads,
                               __import__("qemu_accel").choose_accel()),
          ["transport", "non-stop (CPUs run)", "all-stop (CPUs stopped)",
           "non-stop / all-stop", "stub us per 'm' packet (CPU taken)"], rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
