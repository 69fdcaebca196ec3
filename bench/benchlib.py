# SPDX-License-Identifier: MIT OR GPL-2.0-only
"""Shared by the benchmarks in bench/bench_*.py (not a benchmark itself:
make bench runs bench_*.py only)."""


def table(title, header, rows):
    """Print rows under header as left-aligned columns."""
    print("\n" + title)
    widths = [max(len(str(r[i])) for r in [header] + rows)
              for i in range(len(header))]
    line = "  ".join("%-*s" % (w, h) for w, h in zip(widths, header))
    print(line)
    print("-" * len(line))
    for r in rows:
        print("  ".join("%-*s" % (w, c) for w, c in zip(widths, r)))
