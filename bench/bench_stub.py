#!/usr/bin/python3
# SPDX-License-Identifier: MIT OR GPL-2.0-only
"""Protocol benchmark: kstub over serial and over UDP against QEMU's own
gdbstub, in one run, with the same kernel, QEMU and gdb.

Per run and target (UDP: an e1000 behind QEMU user networking; serial:
COM2 as a pty; QEMU: -gdb tcp):
  * `dump binary memory` of bench_random (1 MiB of pseudo-random bytes,
    the headline read rate) and of bench_zeros (1 MiB of zeros: what
    run-length encoding buys);
  * breakpoint stop+continue cycles on demo_fib: the rate and the
    slowest cycle (a stall must not hide in an average);
  * small packet round trips (`maint packet qC`);
  * `ltt dump --raw` of a full trace buffer, binary transfer (kstub's
    `x` packet) and the hex `m` path the scripts fall back to.
Runs alternate the three targets; medians over --runs.  Afterwards kstub's
own breakdown (`monitor stats`: where a packet's and a stop's time goes)
from the last run is printed.  Never fails on a timing; times under TCG
are emulator times: compare them only with the peer measured here.
"""
import argparse
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "e2e"))
sys.path.insert(0, str(REPO / "tools"))
import harness  # noqa: E402
import qemu_accel  # noqa: E402

GDB_SCRIPT = r"""
python
import json, time
def _bench():
    r = {}
    ex = lambda c: gdb.execute(c, to_string=True)
    def dump(sym, f):
        t0 = time.monotonic()
        ex("dump binary memory %%s &%%s ((char *)&%%s) + 0x100000" %% (f, sym, sym))
        return time.monotonic() - t0
    if %(kstub)d:
        ex("monitor stats reset")
    r["read_s"] = dump("bench_random", "%(dir)s/rand.bin")
    if %(kstub)d:
        r["stats_read"] = ex("monitor stats")
    r["zeros_s"] = dump("bench_zeros", "%(dir)s/zero.bin")
    if %(kstub)d:
        ex("monitor stats reset")
    ex("break demo_fib")
    ex("continue")
    cyc = []
    for _ in range(%(hits)d):
        t0 = time.monotonic()
        ex("continue")
        cyc.append(time.monotonic() - t0)
    r["cycles"] = cyc
    if %(kstub)d:
        r["stats"] = ex("monitor stats")
    ex("delete")
    if %(kstub)d:
        ex("monitor stats reset")
    t0 = time.monotonic()
    for _ in range(%(pings)d):
        ex("maint packet qC")
    r["ping_s"] = time.monotonic() - t0
    if %(kstub)d:
        r["stats_ping"] = ex("monitor stats")
    if %(trace)d:
        ex("source %(repo)s/gdb-scripts/kstub.py")
        for mode in ("binary", "hex"):
            ex("set kstub-binary-reads %%s" %% ("on" if mode == "binary" else "off"))
            t0 = time.monotonic()
            r["trace_%%s" %% mode] = ex("ltt dump --raw %(dir)s/trace-%%s.raw" %% mode)
            r["trace_%%s_s" %% mode] = time.monotonic() - t0
    print("BENCH " + json.dumps(r))
_bench()
end
"""


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def run_gdb(target, hits, pings, kstub, trace, timeout=900):
    with tempfile.TemporaryDirectory() as d:
        script = Path(d) / "bench.gdb"
        script.write_text(GDB_SCRIPT % {"dir": d, "hits": hits, "pings": pings,
                                        "kstub": kstub, "trace": trace,
                                        "repo": REPO})
        out = harness.run_gdb_batch(harness.KERNEL_ELF, target,
                                    ["source %s" % script, "detach"],
                                    timeout=timeout)
        sizes = [(Path(d) / f).stat().st_size if (Path(d) / f).exists() else 0
                 for f in ("rand.bin", "zero.bin")]
        rand = (Path(d) / "rand.bin").read_bytes() if sizes[0] else b""
    m = re.search(r"^BENCH (\{.*\})$", out, re.M)
    if not m or sizes != [1 << 20, 1 << 20]:
        raise RuntimeError("benchmark gdb session failed:\n" + out[-3000:])
    r = json.loads(m.group(1))
    r["rand_unique"] = len(set(rand[i:i + 8] for i in range(0, 4096, 8)))
    return r


# A full trace buffer: tracing from boot, small per-CPU buffers that the
# demo workload fills within seconds.
TRACE_OPTS = "ltt ltt.size=65536"


def bench_serial(cpus, hits, pings):
    k = harness.Kernel("kstub=ttyS1 " + TRACE_OPTS, cpus, gdb=True,
                       name="bench-kstub")
    with k:
        k.wait_for(r"^user: pid=", 60)
        return run_gdb(k.gdb_tty, hits, pings, 1, 1)


def bench_udp(cpus, hits, pings):
    port = harness.free_udp_port()
    k = harness.Kernel("kstub=udp:10.0.2.15:%d %s" % (port, TRACE_OPTS), cpus,
                       name="bench-kstub-udp",
                       extra_args=harness.udp_netdev(port))
    with k:
        k.wait_for(r"^user: pid=", 60)
        return run_gdb("udp:127.0.0.1:%d" % port, hits, pings, 1, 1)


def bench_qemu(cpus, hits, pings):
    port = free_port()
    k = harness.Kernel(TRACE_OPTS, cpus, name="bench-qemu-gdbstub",
                       extra_args=["-gdb", "tcp:127.0.0.1:%d" % port])
    with k:
        k.wait_for(r"^user: pid=", 60)
        return run_gdb("127.0.0.1:%d" % port, hits, pings, 0, 1)


def figures(r, hits, pings):
    mib = 1 << 20
    f = {
        "read": 1 / r["read_s"],
        "zeros": 1 / r["zeros_s"],
        "stops": hits / sum(r["cycles"]),
        "slowest_ms": max(r["cycles"]) * 1e3,
        "rtt_us": r["ping_s"] / pings * 1e6,
    }
    for mode, key in (("binary", "trace_bin"), ("hex", "trace_hex")):
        # The scripts' summary line: bytes read and the time spent in the
        # reads (the dump's decoding on the host is not the link's).
        m = re.search(r"^read ([\d.]+) (B|KiB|MiB) in ([\d.]+) s",
                      r.get("trace_" + mode, ""), re.M)
        if m:
            scale = {"B": 1, "KiB": 1 << 10, "MiB": 1 << 20}[m.group(2)]
            f[key] = float(m.group(1)) * scale / mib / max(float(m.group(3)), 1e-3)
            f[key + "_kib"] = float(m.group(1)) * scale / 1024
    return f


def med(vals):
    return statistics.median(vals) if vals else float("nan")


def span(vals):
    return "%.3g-%.3g" % (min(vals), max(vals)) if vals else "-"


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cpus", type=int, default=4)
    ap.add_argument("--runs", type=int, default=3,
                    help="runs per target, alternated (default 3)")
    ap.add_argument("--hits", type=int, default=100,
                    help="breakpoint stop+continue cycles to time (default 100)")
    ap.add_argument("--pings", type=int, default=200,
                    help="small packet round trips to time (default 200)")
    ap.add_argument("--only", choices=("serial", "udp", "qemu"), action="append",
                    help="measure only this target (repeatable)")
    a = ap.parse_args()
    # ltt dump prints what it read and how fast (gdb-scripts/kstub_xfer.py).
    os.environ["KSTUB_XFER_SUMMARY"] = "1"
    targets = [("serial", bench_serial), ("udp", bench_udp), ("qemu", bench_qemu)]
    if a.only:
        targets = [t for t in targets if t[0] in a.only]
    print("protocol benchmark: %d CPUs, accel=%s, gdb %s, %d runs" % (
        a.cpus, qemu_accel.choose_accel(),
        subprocess.run(["gdb", "--version"], stdout=subprocess.PIPE,
                       text=True).stdout.split("\n")[0].split()[-1], a.runs))
    res = {name: [] for name, _ in targets}
    last = {}
    for run in range(a.runs):
        for name, fn in targets:
            print("  run %d/%d: %s ..." % (run + 1, a.runs, name), flush=True)
            r = fn(a.cpus, a.hits, a.pings)
            res[name].append(figures(r, a.hits, a.pings))
            last[name] = r

    def col(name, key):
        return [f[key] for f in res.get(name, []) if key in f]

    rows = [("memory read, 1 MiB random (MiB/s)", "read", True),
            ("memory read, 1 MiB zeros (MiB/s)", "zeros", True),
            ("stop+continue cycles per second", "stops", True),
            ("slowest stop+continue cycle (ms)", "slowest_ms", False),
            ("small packet round trip (us)", "rtt_us", False),
            ("ltt dump --raw, binary (MiB/s)", "trace_bin", True),
            ("ltt dump --raw, hex m (MiB/s)", "trace_hex", True)]
    print("\nmedians of %d runs (min-max in brackets)" % a.runs)
    print("%-36s %16s %16s %16s %8s %8s" % ("", "serial", "UDP", "QEMU gdbstub",
                                            "ser/QEMU", "UDP/QEMU"))
    for label, key, _ in rows:
        cells, meds = [], {}
        for name in ("serial", "udp", "qemu"):
            v = col(name, key)
            meds[name] = med(v)
            cells.append("%.4g [%s]" % (meds[name], span(v)) if v else "-")
        ratio = lambda n: ("%.3f" % (meds[n] / meds["qemu"])
                           if col(n, key) and col("qemu", key) else "-")
        print("%-36s %16s %16s %16s %8s %8s" % (label, *cells, ratio("serial"),
                                                ratio("udp")))
    print("(ratios: kstub / QEMU; for times lower is better; trace dumps of "
          "%.0f KiB)" % med(col("serial", "trace_bin_kib") or col("udp", "trace_bin_kib") or [0]))

    # The targets, from the medians above.
    def m(name, key):
        return med(col(name, key))
    goals = []
    if col("udp", "read") and col("qemu", "read"):
        goals.append(("UDP 1 MiB random read vs QEMU", m("udp", "read") / m("qemu", "read"), ">= 1.0 (aim 1.5)"))
        goals.append(("UDP stop cycles/s vs QEMU", m("udp", "stops") / m("qemu", "stops"), ">= 1.0"))
        goals.append(("UDP round trip vs QEMU", m("udp", "rtt_us") / m("qemu", "rtt_us"), "<= 1.5"))
        goals.append(("UDP trace dump (binary) vs QEMU m read", m("udp", "trace_bin") / m("qemu", "read"), ">= 1.0"))
    if col("serial", "read"):
        goals.append(("serial zeros vs random read", m("serial", "zeros") / m("serial", "read"), ">= 10"))
        goals.append(("serial trace dump, binary vs hex (this build)", m("serial", "trace_bin") / m("serial", "trace_hex"), ">= 1.8 vs the old hex path"))
    if goals:
        print("\ntargets (issue 12)")
        for label, v, goal in goals:
            print("  %-42s %7.2f   goal %s" % (label, v, goal))
    for name in ("serial", "udp"):
        if name in last and "stats" in last[name]:
            print("\nkstub over %s, `monitor stats` after the 1 MiB random "
                  "read (last run):" % name)
            print(per_packet(last[name]["stats_read"]))
            print("\nkstub over %s, `monitor stats` after %d stop+continue "
                  "cycles (last run):" % (name, a.hits))
            print(last[name]["stats"].rstrip())
            print("\nkstub over %s, `monitor stats` after %d small round "
                  "trips (last run):" % (name, a.pings))
            print(per_packet(last[name]["stats_ping"]))


def per_packet(stats):
    """The per-packet table of a `monitor stats` text."""
    lines = stats.rstrip().split("\n")
    start = next((i for i, l in enumerate(lines) if l.startswith("per packet")), 0)
    end = next((i for i, l in enumerate(lines) if l.startswith("stops ")), len(lines))
    return "\n".join(lines[start:end])


if __name__ == "__main__":
    main()
