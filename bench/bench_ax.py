#!/usr/bin/python3
# SPDX-License-Identifier: MIT OR GPL-2.0-only
"""Agent expression VM benchmark: prints a table, never fails on a timing.

The VM alone (stub/ax.c), hosted and native: bench/ax_native.c built with
gcc -O2 and no sanitizers into build/bench/, run once.  For a condition
as gdb sends it (`n == 5`, a local read through a register), a teval
(`$calls = $calls + 1`: getv, add, setv) and a loop of 1000 rounds (the
dispatch loop alone; gdb never emits loops): instructions executed per
run, ns per run, ns per executed instruction, and ns per ax_verify() of
the same code (paid once, at QTDP time).  Usage: bench_ax.py [SCALE]
(iteration counts times SCALE, default 1).
"""
import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "bench"))
from benchlib import table  # noqa: E402

BUILD = REPO / "build" / "bench"
CASES = [("cond", "condition `n == 5` (reg, sub, ref32, ext, equal)"),
         ("teval", "teval `$calls = $calls + 1` (getv, add, setv)"),
         ("loop", "loop, 1000 rounds (const, sub, dup, if_goto)")]


def build():
    BUILD.mkdir(parents=True, exist_ok=True)
    exe = BUILD / "ax_native"
    srcs = ["bench/ax_native.c", "stub/ax.c", "stub/ax_printf.c",
            "lib/string.c"]
    cmd = ["gcc", "-std=c11", "-O2", "-g", "-Wall", "-Wextra", "-Werror",
           "-DKSTUB_HOSTED", "-I.", "-o", str(exe)] + srcs
    subprocess.run(cmd, cwd=REPO, check=True, timeout=300)
    return exe


def main():
    scale = sys.argv[1] if len(sys.argv) > 1 else "1"
    print("Agent expression VM benchmark (bench/bench_ax.py); "
          "timings are informative")
    exe = build()
    out = subprocess.run([str(exe), scale], cwd=REPO, check=True,
                         stdout=subprocess.PIPE, text=True,
                         timeout=600).stdout
    res = {k: float(v) for k, v in re.findall(r"^(\w+)=([\d.]+)$", out,
                                               re.M)}
    rows = []
    for key, label in CASES:
        rows.append([label, "%d" % res[key + "_insns"],
                     "%.1f" % res[key + "_run_ns"],
                     "%.2f" % res[key + "_insn_ns"],
                     "%.0f" % res[key + "_verify_ns"]])
    table("Agent VM alone, native x86_64, gcc -O2, one run",
          ["expression", "insns/run", "ns/run", "ns/insn", "ns/verify"],
          rows)
    print("\nNotes: ns/run includes the calls into the environment "
          "(register, memory, TSV callbacks);\nthe budget is AX_BUDGET.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
