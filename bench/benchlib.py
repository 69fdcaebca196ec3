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


def median(vals):
    """The median of a non-empty list (the mean of the middle two)."""
    s = sorted(vals)
    n = len(s)
    return s[n // 2] if n % 2 else (s[n // 2 - 1] + s[n // 2]) / 2


def fmt_stat(vals, fmt="%.0f"):
    """"median [min–max]" of vals ("median" alone for one value, "-" for
    none), each number through fmt."""
    vals = list(vals)
    if not vals:
        return "-"
    m = fmt % median(vals)
    if len(vals) == 1:
        return m
    return "%s [%s–%s]" % (m, fmt % min(vals), fmt % max(vals))


def ratios(num, den):
    """Round by round num[i] / den[i], for the rounds where both exist
    and the denominator is positive (None marks a missing figure)."""
    return [a / b for a, b in zip(num, den)
            if a is not None and b is not None and b > 0]


def fmt_ratio(num, den, fmt="%.2f"):
    """fmt_stat of the round-by-round ratios num / den, with an "×"."""
    r = ratios(num, den)
    return fmt_stat(r, fmt + "×") if r else "-"


# The issue-13 targets: bench_hooks.py and bench_ltt.py save their rows,
# bench_targets.py (run after them by make bench) prints them together.
TARGETS_DIR = "build/bench"


def save_targets(repo, name, rows):
    """Write this run's target rows to build/bench/targets-NAME.json.
    Each row: {"path", "kstub" (values per round), "peer" (values per
    round, or None), "peer_name", "unit" ("ratio" or "ns"), "goal",
    "limit" (numbers, or None), "why" (text when the peer is missing)}."""
    import json
    import time
    d = repo / TARGETS_DIR
    d.mkdir(parents=True, exist_ok=True)
    (d / ("targets-%s.json" % name)).write_text(
        json.dumps({"time": time.time(), "rows": rows}, indent=1))
