#!/usr/bin/python3
# SPDX-License-Identifier: MIT OR GPL-2.0-only
"""kstub-bridge benchmark: gdb through the bridge against gdb directly on
the serial line, in the same run, on the same kernel.

The reference kernel runs `kstub=ttyS0 kstub.wait` (console and stub on
COM1, a pty: the "hardware port").  Sessions alternate on that one QEMU:
gdb opens the pty itself, then a kstub-bridge holds the pty and gdb
connects to its TCP port; --reps pairs, medians reported.  Each session
runs bench_stub.py's gdb script:
  * memory read throughput: `dump binary memory` of 1 MiB;
  * breakpoint stops per second: `continue` onto demo_fib N times;
  * small packet round trip: `maint packet qC`.
Prints a table (bench/benchlib.py); never fails on a timing.  Times under
TCG are emulator times: compare the two columns of one run, nothing else.
"""
import argparse
import statistics
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "e2e"))
sys.path.insert(0, str(REPO / "tools"))
sys.path.insert(0, str(REPO / "bench"))
import harness  # noqa: E402
import qemu_accel  # noqa: E402
from bench_stub import run_gdb  # noqa: E402  (the same gdb script)
from benchlib import table  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cpus", type=int, default=4)
    ap.add_argument("--hits", type=int, default=50,
                    help="breakpoint hits to time per session (default 50)")
    ap.add_argument("--pings", type=int, default=100,
                    help="small packet round trips per session (default 100)")
    ap.add_argument("--reps", type=int, default=2,
                    help="direct/bridge session pairs (default 2)")
    a = ap.parse_args()
    if not harness.BRIDGE.exists():
        sys.exit("bench_bridge: %s missing: run `make host-tools`" % harness.BRIDGE)
    print("bridge benchmark: %d CPUs, accel=%s, %d session pairs"
          % (a.cpus, qemu_accel.choose_accel(), a.reps), flush=True)

    k = harness.PtyKernel("kstub=ttyS0 kstub.wait", a.cpus, name="bench-bridge")
    direct, bridged = [], []
    with k:
        k.resume()
        for rep in range(a.reps):
            print("  pair %d: gdb on the pty ..." % (rep + 1), flush=True)
            direct.append(run_gdb(k.tty, a.hits, a.pings))
            print("  pair %d: gdb through kstub-bridge ..." % (rep + 1), flush=True)
            with harness.Bridge(k.tty, "--quiet", name="bench-bridge") as b:
                bridged.append(run_gdb(b.gdb_target, a.hits, a.pings))

    def med(runs, i):
        return statistics.median(r[i] for r in runs)

    rd, rb = med(direct, 0), med(bridged, 0)
    hd, hb = med(direct, 1), med(bridged, 1)
    pd, pb = med(direct, 2), med(bridged, 2)
    rows = [
        ("memory read, 1 MiB (MiB/s)", "%.3f" % (1 / rd), "%.3f" % (1 / rb),
         "%.2f" % (rd / rb)),
        ("breakpoint stops per second", "%.1f" % (a.hits / hd), "%.1f" % (a.hits / hb),
         "%.2f" % (hd / hb)),
        ("small packet round trip (us)", "%.0f" % (pd / a.pings * 1e6),
         "%.0f" % (pb / a.pings * 1e6), "%.2f" % (pd / pb)),
    ]
    table("kstub over one serial line (kstub=ttyS0): gdb on the pty vs "
          "through kstub-bridge (medians of %d)" % a.reps,
          ["", "direct", "bridge", "bridge/direct speed"], rows)
    print("\n(speed ratio > 1: the bridge was faster; for the round trip the "
          "ratio is direct time / bridge time)")


if __name__ == "__main__":
    main()
