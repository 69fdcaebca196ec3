#!/usr/bin/python3
# SPDX-License-Identifier: MIT OR GPL-2.0-only
"""kstub.ko on Debian's stock kernel against its peers, in one run
(issue 15).  The same kernel (linux-image-6.1.0-N-amd64, PVH, 4 CPUs,
the initramfs of the e2e tests plus bench/linux/probe_bench.c) under the
same QEMU, booted once per target and round:

  serial, udp   kstub.ko kstub=ttyS1 / kstub=udp:10.0.2.15:PORT
  qemu          no module: QEMU's own gdbstub (-gdb tcp), the peer

Per target: `dump binary memory` of 1 MiB of kernel text, and breakpoint
stop+continue cycles on __x64_sys_newuname (the guest's loop calls it
all the time).  In the serial guest, also the cost of a probe hit at
__x64_sys_getppid, measured by probe_bench (getppid() calls pinned to
CPU 0, best of 5 rounds) beside a baseline timed alternately: a gdb
tracepoint (`trace`, `collect $regs`, tstart) against a Linux kprobe
event at the same function (p:__x64_sys_getppid, on ftrace, tracing on:
both record every hit), and against a plain int3 kprobe event at the
spot kstub's int3 takes (+5, past the ftrace NOP, optimization off).

Rounds alternate the targets (--rounds, default 3); medians with
min-max.  Never fails on a timing; TCG times compare only with the peer
measured here.
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
import linux_guest  # noqa: E402
import linux_peer  # noqa: E402
from benchlib import fmt_stat, median, table  # noqa: E402
from linux_guest import cli  # noqa: E402

READ_BYTES = 1 << 20
READ_AT = 0xffffffff81000000        # kernel text (nokaslr): not zeros
SYMS_FN = "__x64_sys_newuname"
PROBE_FN = "__x64_sys_getppid"


def log(s):
    print(s, file=sys.stderr, flush=True)


def attach(g):
    mi = harness.GdbMI(kernel_elf=None, timeout=120)
    mi.command("-gdb-set architecture i386:x86-64")
    mi.command("-target-select remote %s" % g.where, timeout=60)
    mi.command('-interpreter-exec console "source %s"'
               % (REPO / "gdb-scripts" / "kstub.py"))
    return mi


def stopped(mi, timeout=60):
    return mi.wait_for(r"^\*stopped", timeout=timeout)


def read_and_stops(mi, cycles, tmp):
    t0 = time.monotonic()
    cli(mi, "dump binary memory %s/read.bin 0x%x 0x%x"
        % (tmp, READ_AT, READ_AT + READ_BYTES), timeout=600)
    read_s = time.monotonic() - t0
    cli(mi, "break %s" % SYMS_FN)
    mi.command("-exec-continue")
    stopped(mi)
    t0 = time.monotonic()
    slowest = 0
    for _ in range(cycles):
        t1 = time.monotonic()
        mi.command("-exec-continue")
        stopped(mi)
        slowest = max(slowest, time.monotonic() - t1)
    rate = cycles / (time.monotonic() - t0)
    cli(mi, "delete")
    return {"read_mibs": READ_BYTES / (1 << 20) / read_s, "stops": rate,
            "slowest_ms": slowest * 1000}


def probe_ns(g):
    code, out = g.run("/probe_bench -n 20000 -r 5 -c 0", timeout=300)
    m = re.search(r"^ns=([\d.]+)", out, re.M)
    if not m:
        raise RuntimeError("probe_bench: %s" % out)
    return float(m.group(1))


def pairs(g, on, off, n=3):
    """Lowest baseline and lowest figure of n alternated pairs."""
    base, val = [], []
    for _ in range(n):
        base.append(probe_ns(g))
        on()
        val.append(probe_ns(g))
        off()
    return min(base), min(val)


def tracepoint_cost(g, mi):
    """(added ns a call: kstub tracepoint, Linux kprobe event)."""
    out = cli(mi, "trace %s" % PROBE_FN)
    num = re.search(r"Tracepoint (\d+) at", out).group(1)
    mi.command('-break-commands %s "collect $regs"' % num)
    cli(mi, "set circular-trace-buffer on")
    state = {}

    def tp_on():
        mi.command("-exec-interrupt")
        stopped(mi)
        cli(mi, "tstart")
        mi.command("-exec-continue")
        mi.wait_for(r"^\*running", timeout=10)

    def tp_off():
        mi.command("-exec-interrupt")
        stopped(mi)
        state["status"] = cli(mi, "tstatus")
        cli(mi, "tstop")
        mi.command("-exec-continue")
        mi.wait_for(r"^\*running", timeout=10)

    mi.command("-exec-continue")
    mi.wait_for(r"^\*running", timeout=10)
    b, v = pairs(g, tp_on, tp_off)
    kstub_added = v - b
    T = "/sys/kernel/tracing"
    g.run("mount -t tracefs tracefs %s 2>/dev/null; echo 'p:lp/g %s' >> %s/kprobe_events"
          % (T, PROBE_FN, T))

    def kp_on():
        g.run("echo 1 > %s/events/lp/g/enable; echo 1 > %s/tracing_on" % (T, T))

    def kp_off():
        g.run("echo 0 > %s/tracing_on; echo 0 > %s/events/lp/g/enable; echo > %s/trace"
              % (T, T, T))
    b2, v2 = pairs(g, kp_on, kp_off)
    g.run("echo '-:lp/g' >> %s/kprobe_events" % T)
    # The same spot as kstub's int3 (past the ftrace NOP), as a plain
    # int3 kprobe: optimization off.
    g.run("echo 0 > /proc/sys/debug/kprobes-optimization; "
          "echo 'p:lp/g %s+5' >> %s/kprobe_events" % (PROBE_FN, T))
    b3, v3 = pairs(g, kp_on, kp_off)
    g.run("echo '-:lp/g' >> %s/kprobe_events; "
          "echo 1 > /proc/sys/debug/kprobes-optimization" % T)
    mi.command("-exec-interrupt")
    stopped(mi)
    return {"tp_added": kstub_added, "tp_base": b, "kp_added": v2 - b2,
            "kp_base": b2, "k3_added": v3 - b3, "k3_base": b3,
            "tstatus": state.get("status", "")}


def one_round(cycles, tmp):
    res = {}
    for target in ("serial", "udp", "qemu"):
        g = linux_guest.LinuxGuest(target, name="bench_linux-" + target)
        try:
            g.start()
            mi = attach(g)
            try:
                if target != "qemu":
                    cli(mi, "kstub symbols", timeout=300)
                else:
                    cli(mi, "symbol-file %s" % symbols_file())
                r = read_and_stops(mi, cycles, tmp)
                if target == "serial":
                    r.update(tracepoint_cost(g, mi))
                res[target] = r
                mi.command("-target-detach", check=False)
            finally:
                mi.close()
        finally:
            g.close()
        log("bench_linux: %s: %s" % (target, {k: v for k, v in res[target].items()
                                                if k != "tstatus"}))
    return res


def symbols_file():
    d = Path("/tmp") / ("kstub-symbols-%d" % __import__("os").getuid())
    files = sorted(d.glob("vmlinux-*.syms"), key=lambda p: p.stat().st_mtime)
    if not files:
        raise RuntimeError("no symbols ELF from `kstub symbols` in %s" % d)
    return files[-1]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--cycles", type=int, default=50,
                    help="stop+continue cycles per target and round")
    a = ap.parse_args()
    try:
        probe = linux_peer.build_probe(log)
        linux_guest.kit(extra=[("probe_bench", probe)])
    except (AssertionError, linux_peer.Unavailable) as e:
        print("bench_linux: kstub.ko's peer comparison unavailable: %s" % e)
        return 0
    import tempfile
    rounds = []
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(a.rounds):
            log("bench_linux: round %d of %d" % (i + 1, a.rounds))
            rounds.append(one_round(a.cycles, tmp))
    col = lambda t, k: [r[t][k] for r in rounds]  # noqa: E731
    rows = []
    for k, label, f in (("stops", "breakpoint stop+continue cycles per second", "%.0f"),
                        ("slowest_ms", "slowest cycle (ms)", "%.1f"),
                        ("read_mibs", "`dump binary memory` of 1 MiB (MiB/s)", "%.3f")):
        s, u, q = col("serial", k), col("udp", k), col("qemu", k)
        rows.append([label, fmt_stat(s, f), fmt_stat(u, f), fmt_stat(q, f),
                     "%.2f" % (median(u) / median(q)) if k != "slowest_ms"
                     else "%.2f" % (median(q) / median(u))])
    table("kstub.ko on Debian's kernel vs QEMU's gdbstub (TCG, 4 CPUs, %d rounds)"
          % a.rounds, ["", "kstub.ko serial", "kstub.ko UDP", "QEMU gdbstub",
                       "UDP / QEMU"], rows)
    tp, kp = col("serial", "tp_added"), col("serial", "kp_added")
    k3 = col("serial", "k3_added")
    table("A probe hit at %s: ns added to getppid() (best of 5 x 20000 calls, "
          "3 pairs each, tracing on)" % PROBE_FN,
          ["", "added ns", "baseline ns", "kstub / this"],
          [["gdb tracepoint through kstub.ko (int3 at +5, collect $regs)", fmt_stat(tp),
            fmt_stat(col("serial", "tp_base")), ""],
           ["Linux kprobe event at +0 (on ftrace)", fmt_stat(kp),
            fmt_stat(col("serial", "kp_base")), "%.2f" % (median(tp) / median(kp))],
           ["Linux kprobe event at +5 (int3, optimization off)", fmt_stat(k3),
            fmt_stat(col("serial", "k3_base")), "%.2f" % (median(tp) / median(k3))]])
    return 0


if __name__ == "__main__":
    sys.exit(main())
