#!/usr/bin/python3
# SPDX-License-Identifier: MIT OR GPL-2.0-only
"""The fast-path targets (issue 13) in one table: the rows that
bench/bench_hooks.py and bench/bench_ltt.py saved in this `make bench`
run (build/bench/targets-*.json), each kstub figure as a ratio to its peer
measured in the same run (Linux 6.1 under the same QEMU, or LTTng-UST
beside the hosted build), median [min-max] over the rounds, against the
goal and the "not done above" limit.  Prints only; never fails on a
timing.  Figures older than 6 hours are shown as stale.
"""
import argparse
import json
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "bench"))
from benchlib import TARGETS_DIR, fmt_stat, median, ratios, table  # noqa: E402

ORDER = ["ltt", "hooks"]
STALE_S = 6 * 3600


def verdict(row, vals):
    """How the median compares with the goal and the limit."""
    if not vals:
        return "no figure"
    m = median(vals)
    if row["goal"] is not None and m <= row["goal"]:
        return "goal met"
    if row["limit"] is None:
        return "goal not met (no limit)"
    return "under the limit" if m < row["limit"] else "NOT under the limit"


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.parse_args()
    rows, notes = [], []
    for name in ORDER:
        f = REPO / TARGETS_DIR / ("targets-%s.json" % name)
        try:
            data = json.loads(f.read_text())
        except (OSError, ValueError) as e:
            notes.append("%s: no figures (%s; run bench/bench_%s.py)"
                         % (f.relative_to(REPO), e.__class__.__name__, name))
            continue
        age = time.time() - data.get("time", 0)
        if age > STALE_S:
            notes.append("%s: stale, from %.0f hours ago" % (f.name, age / 3600))
        for r in data["rows"]:
            kst = [v for v in r["kstub"] if v is not None]
            if r["unit"] == "ratio":
                vals = ratios(r["kstub"], r["peer"] or [])
                fig = fmt_stat(vals, "%.2f×") if vals else \
                    "- (%s)" % (r.get("why") or "no peer figure")
                goal = "≤ %.2f×" % r["goal"]
                limit = "%.2f×" % r["limit"] if r["limit"] is not None else "—"
            else:
                vals = kst
                fig = fmt_stat(vals, "%+.1f ns") if vals else "-"
                goal = r.get("goal_text") or "≤ %.1f ns" % r["goal"]
                limit = "%.1f ns" % r["limit"] if r["limit"] is not None else "—"
            rows.append([r["path"], r["peer_name"], fig, goal, limit,
                         verdict(r, vals)])
    print("Fast-path targets (bench/bench_targets.py)")
    if rows:
        table("kstub / peer in the same run, median [min–max] over the rounds "
              "(ns rows: added ns)",
              ["path", "peer", "kstub / peer", "goal", "not done above", "verdict"],
              rows)
    for n in notes:
        print(n)
    return 0


if __name__ == "__main__":
    sys.exit(main())
