#!/usr/bin/python3
# SPDX-License-Identifier: MIT OR GPL-2.0-only
"""Protocol benchmark: kstub over serial and over UDP against QEMU's own
gdbstub.

All three run the same kernel in the same QEMU (TCG unless real KVM), in
this one run, with the same gdb (UDP: an e1000 behind QEMU user networking,
gdb on the forwarded 127.0.0.1 port; serial: COM2 as a pty; QEMU: -gdb tcp):
  * memory read throughput: `dump binary memory` of 1 MiB of kernel RAM;
  * breakpoint round trips: one breakpoint on demo_fib hit N times with
    `continue`.
Prints a table; never fails on a timing.  Times under TCG are emulator
times: compare them only with the peer measured here.
"""
import argparse
import re
import socket
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
import time
def _bench():
    t0 = time.monotonic()
    gdb.execute("dump binary memory %(dump)s 0x400000 0x500000", to_string=True)
    t1 = time.monotonic()
    gdb.execute("break demo_fib", to_string=True)
    gdb.execute("continue", to_string=True)
    t2 = time.monotonic()
    for _ in range(%(hits)d):
        gdb.execute("continue", to_string=True)
    t3 = time.monotonic()
    gdb.execute("delete", to_string=True)
    t4 = time.monotonic()
    for _ in range(%(pings)d):
        gdb.execute("maint packet qC", to_string=True)
    t5 = time.monotonic()
    print("BENCH read_s=%%.4f hits_s=%%.4f ping_s=%%.4f" %% (t1 - t0, t3 - t2, t5 - t4))
_bench()
end
"""


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def run_gdb(target, hits, pings, timeout=600):
    with tempfile.TemporaryDirectory() as d:
        script = Path(d) / "bench.gdb"
        script.write_text(GDB_SCRIPT % {"dump": Path(d) / "mem.bin",
                                        "hits": hits, "pings": pings})
        out = harness.run_gdb_batch(harness.KERNEL_ELF, target,
                                    ["source %s" % script, "detach"],
                                    timeout=timeout)
        size = (Path(d) / "mem.bin").stat().st_size if \
            (Path(d) / "mem.bin").exists() else 0
    m = re.search(r"BENCH read_s=([\d.]+) hits_s=([\d.]+) ping_s=([\d.]+)", out)
    if not m or size != 1 << 20:
        raise RuntimeError("benchmark gdb session failed:\n" + out[-2000:])
    return float(m.group(1)), float(m.group(2)), float(m.group(3))


def bench_kstub(cpus, hits, pings):
    k = harness.Kernel("kstub=ttyS1", cpus, gdb=True, name="bench-kstub")
    with k:     # __enter__ starts QEMU
        k.wait_for(r"^user: pid=", 60)
        return run_gdb(k.gdb_tty, hits, pings)


def bench_kstub_udp(cpus, hits, pings):
    port = harness.free_udp_port()
    k = harness.Kernel("kstub=udp:10.0.2.15:%d" % port, cpus,
                       name="bench-kstub-udp",
                       extra_args=harness.udp_netdev(port))
    with k:
        k.wait_for(r"^user: pid=", 60)
        return run_gdb("udp:127.0.0.1:%d" % port, hits, pings)


def bench_qemu(cpus, hits, pings):
    port = free_port()
    k = harness.Kernel("", cpus, name="bench-qemu-gdbstub",
                       extra_args=["-gdb", "tcp:127.0.0.1:%d" % port])
    with k:
        k.wait_for(r"^user: pid=", 60)
        return run_gdb("127.0.0.1:%d" % port, hits, pings)


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cpus", type=int, default=4)
    ap.add_argument("--hits", type=int, default=100,
                    help="breakpoint hits to time (default 100)")
    ap.add_argument("--pings", type=int, default=200,
                    help="small packet round trips to time (default 200)")
    a = ap.parse_args()
    print("protocol benchmark: %d CPUs, accel=%s, gdb %s" % (
        a.cpus, qemu_accel.choose_accel(),
        subprocess.run(["gdb", "--version"], stdout=subprocess.PIPE,
                       text=True).stdout.split("\n")[0].split()[-1]))
    print("  measuring kstub over serial (pty) ...", flush=True)
    ks = bench_kstub(a.cpus, a.hits, a.pings)
    print("  measuring kstub over UDP (e1000, user networking) ...", flush=True)
    ku = bench_kstub_udp(a.cpus, a.hits, a.pings)
    print("  measuring QEMU's gdbstub (tcp) ...", flush=True)
    qm = bench_qemu(a.cpus, a.hits, a.pings)

    def row(name, f):
        return (name, f(ks), f(ku), f(qm))
    rows = [
        row("memory read, 1 MiB (MiB/s)", lambda r: 1 / r[0]),
        row("breakpoint stops per second", lambda r: a.hits / r[1]),
        row("small packet round trip (us)", lambda r: r[2] / a.pings * 1e6),
    ]
    print()
    print("%-30s %9s %9s %9s %8s %8s" % ("", "serial", "UDP", "QEMU",
                                         "ser/QEMU", "UDP/QEMU"))
    for name, ser, udp, peer in rows:
        print("%-30s %9.2f %9.2f %9.2f %8.3f %8.3f" % (
            name, ser, udp, peer, ser / peer, udp / peer))
    print("\n(serial, UDP: kstub over each transport; QEMU: its own gdbstub "
          "over tcp;\n ratios = kstub / QEMU; for round-trip time lower is "
          "better)")


if __name__ == "__main__":
    main()
