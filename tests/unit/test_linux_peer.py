# SPDX-License-Identifier: MIT OR GPL-2.0-only
"""bench/linux_peer.py and bench/benchlib.py without network or QEMU: the
package name from apt-cache output, the guest's output lines, the initramfs
archive, the static-ELF check, and the median [min–max] and ratio cells the
hook and LTT benchmarks print.

Run: /usr/bin/python3 -m pytest tests/unit/test_linux_peer.py
"""
import struct
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "bench"))

import benchlib as B  # noqa: E402
import linux_peer as L  # noqa: E402


# --- package selection -------------------------------------------------------

DEPENDS = """linux-image-amd64
  Depends: linux-image-6.1.0-57-amd64
"""

SHOW = """Package: linux-image-amd64
Source: linux-signed-amd64 (6.1.192+3)
Version: 6.1.192-3
Depends: linux-image-6.1.0-57-amd64 (= 6.1.192-3)
Breaks: linux-image-6.1.0-99-amd64

Package: linux-image-amd64
Version: 6.1.153-1
Depends: linux-image-6.1.0-9-amd64 (= 6.1.153-1)
Recommends: linux-image-6.1.0-60-amd64

Package: linux-image-amd64
Version: 6.1.170-1
Depends: linux-image-6.1.0-10-amd64 (= 6.1.170-1)
"""


def test_select_from_apt_cache_depends():
    assert L.select_package(DEPENDS) == "linux-image-6.1.0-57-amd64"


def test_select_highest_abi_from_apt_cache_show():
    # Numeric order (57 > 10 > 9), Depends lines only.
    assert L.select_package(SHOW) == "linux-image-6.1.0-57-amd64"
    assert L.select_package(SHOW.replace("6.1.0-57", "6.1.0-8")) == \
        "linux-image-6.1.0-10-amd64"


@pytest.mark.parametrize("text", [
    "",
    "linux-image-amd64\n",
    "W: Unable to locate package linux-image-amd64\n",
    "  Depends: linux-image-6.1.0-57-amd64-unsigned\n",
    "  Depends: linux-image-6.1.0-57-amd64-dbg\n",
    "  Depends: linux-image-6.1.0-57-cloud-amd64\n",
    "  Recommends: linux-image-6.1.0-57-amd64\n",
])
def test_select_nothing(text):
    assert L.select_package(text) is None


def test_select_alternatives_and_predepends():
    assert L.select_package(" |Depends: linux-image-6.1.0-3-amd64\n"
                            "  PreDepends: linux-image-6.1.0-4-amd64\n") == \
        "linux-image-6.1.0-4-amd64"


# --- the guest's output ------------------------------------------------------

CONSOLE = """[    0.000000] Linux version 6.1.0-57-amd64 ...
linux-peer: kernel=6.1.0-57-amd64 cpus=4 calls=20000 reps=5 pairs=3
linux-peer: case=base ns=481.0 base_ns=478.6
linux-peer: case=event_on ns=1418.0 base_ns=469.1
linux-peer: case=event_off ns=744.3 base_ns=476.0
linux-peer: function=__x64_sys_getppid size=64
linux-peer: case=kprobe_ftrace ns=891.9 base_ns=463.7 probe=__x64_sys_getppid+0x0 flags=FTRACE hits=300000
linux-peer: skip case=kprobe_opt reason=no offset in __x64_sys_getppid+1..59 was optimized
linux-peer: case=kprobe_int3 ns=2080.6 base_ns=461.3 probe=__x64_sys_getppid+0xb flags=none hits=300000
linux-peer: case=broken ns= base_ns=1
[   12.1] random: crng init done
linux-peer: done
"""


def test_parse_output():
    r = L.parse_output(CONSOLE)
    assert r["done"]
    assert r["kernel"] == "6.1.0-57-amd64" and r["cpus"] == "4"
    assert r["function"] == "__x64_sys_getppid" and r["size"] == "64"
    assert set(r["cases"]) == {"base", "event_on", "event_off",
                               "kprobe_ftrace", "kprobe_int3"}
    assert r["cases"]["event_on"]["ns"] == 1418.0
    assert r["cases"]["event_on"]["added"] == pytest.approx(1418.0 - 469.1)
    ft = r["cases"]["kprobe_ftrace"]
    assert ft["flags"] == "FTRACE" and ft["hits"] == 300000
    assert ft["probe"] == "__x64_sys_getppid+0x0"
    assert "probe" not in r["cases"]["base"]
    assert r["skipped"] == {
        "kprobe_opt": "no offset in __x64_sys_getppid+1..59 was optimized"}


def test_parse_output_unfinished():
    r = L.parse_output(CONSOLE.split("linux-peer: function")[0])
    assert not r["done"] and set(r["cases"]) == {"base", "event_on", "event_off"}
    assert L.parse_output("")["cases"] == {}


def test_parse_output_crlf_and_cut_lines():
    r = L.parse_output("linux-peer: case=base ns=5.5 base_ns=5.0 \r\n"
                       "linux-peer: case=event_on ns=12[  3.0] msg\n")
    assert r["cases"]["base"]["added"] == pytest.approx(0.5)
    assert "event_on" not in r["cases"]


# --- stats and cells ---------------------------------------------------------

def test_median():
    assert B.median([3]) == 3
    assert B.median([5, 1, 3]) == 3
    assert B.median([4, 1, 3, 2]) == 2.5


def test_fmt_stat():
    assert B.fmt_stat([]) == "-"
    assert B.fmt_stat([12.34], "%.1f") == "12.3"
    assert B.fmt_stat([300, 100, 200]) == "200 [100–300]"
    assert B.fmt_stat([-1.0, 2.0, 0.5], "%+.1f") == "+0.5 [-1.0–+2.0]"


def test_ratios_pair_rounds():
    # Round by round; a missing figure or a non-positive peer drops the round.
    assert B.ratios([100, None, 300, 50], [200, 100, 100, 0]) == [0.5, 3.0]
    assert B.ratios([], [1]) == []


def test_fmt_ratio():
    assert B.fmt_ratio([100, 200, 300], [400, 400, 400]) == \
        "0.50× [0.25×–0.75×]"
    assert B.fmt_ratio([100], [400]) == "0.25×"
    assert B.fmt_ratio([None], [400]) == "-"


def test_rounds_default(monkeypatch):
    monkeypatch.delenv("KSTUB_BENCH_ROUNDS", raising=False)
    assert L.rounds_default() == 3
    monkeypatch.setenv("KSTUB_BENCH_ROUNDS", "5")
    assert L.rounds_default() == 5
    monkeypatch.setenv("KSTUB_BENCH_ROUNDS", "0")
    assert L.rounds_default() == 1
    monkeypatch.setenv("KSTUB_BENCH_ROUNDS", "x")
    assert L.rounds_default() == 3


def test_peer_cells_without_rounds():
    p = L.Peer("kprobe")
    p.reason = "`apt-get download x` failed (exit 100): E: no network"
    assert not p.available
    assert p.why_missing("kprobe_opt") == "unavailable"
    assert p.describe().startswith("Linux peer: unavailable (")
    assert p.added("kprobe_opt") == [] and p.measure() is None
    p = L.Peer("kprobe")
    p.rounds = [L.parse_output(CONSOLE)]
    assert p.why_missing("kprobe_opt").startswith("n/a (no offset")
    assert p.added("kprobe_int3") == [pytest.approx(2080.6 - 461.3)]


# --- files ---------------------------------------------------------------------

def elf(phdrs):
    """A minimal ELF64 header followed by program headers of these types."""
    hdr = bytearray(64)
    hdr[:5] = b"\x7fELF\x02"
    struct.pack_into("<Q", hdr, 0x20, 64)
    struct.pack_into("<HH", hdr, 0x36, 56, len(phdrs))
    for t in phdrs:
        ph = bytearray(56)
        struct.pack_into("<I", ph, 0, t)
        hdr += ph
    return bytes(hdr)


def test_elf_is_static():
    assert L.elf_is_static(elf([1, 1, 4]))
    assert not L.elf_is_static(elf([6, 3, 1]))      # PT_INTERP: dynamic
    assert not L.elf_is_static(b"#!/bin/sh\n" + bytes(100))
    assert not L.elf_is_static(elf([1])[:40])


def read_newc(data):
    """[(name, mode, data, rdevmajor, rdevminor)] of a newc archive."""
    out, off = [], 0
    while True:
        assert data[off:off + 6] == b"070701"
        f = [int(data[off + 6 + 8 * i:off + 14 + 8 * i], 16) for i in range(13)]
        mode, size, rmaj, rmin, nsize = f[1], f[6], f[9], f[10], f[11]
        off += 110
        name = data[off:off + nsize - 1].decode()
        assert data[off + nsize - 1] == 0
        off += nsize
        off += -off % 4
        body = data[off:off + size]
        off += size
        off += -off % 4
        if name == "TRAILER!!!":
            assert off == len(data)
            return out
        out.append((name, mode, body, rmaj, rmin))


def test_cpio_newc_round_trip():
    entries = [("bin", 0o40755, b""),
               ("dev/console", 0o20600, b"", (5, 1)),
               ("init", 0o100755, b"#!/bin/busybox sh\necho hi\n"),
               ("x", 0o100644, b"abc")]
    data = L.cpio_newc(entries)
    assert len(data) % 4 == 0
    got = read_newc(data)
    assert [(n, m, d) for n, m, d, _, _ in got] == [e[:3] for e in entries]
    assert got[1][3:] == (5, 1)


def test_check_config(tmp_path):
    cfg = tmp_path / "config"
    cfg.write_text("CONFIG_KPROBES=y\n# CONFIG_OPTPROBES is not set\n")
    missing = L.check_config(cfg)
    assert any("CONFIG_OPTPROBES" in m for m in missing)
    assert not any("CONFIG_KPROBES " in m for m in missing)
    assert L.check_config(tmp_path / "absent") == []


def test_init_script_lines_match_the_parser():
    """Every line shape bench/linux/init.sh prints is one parse_output reads."""
    text = (REPO / "bench" / "linux" / "init.sh").read_text()
    assert text.startswith("#!/bin/busybox sh\n")
    for shape in ('say "case=$1 ns=$v base_ns=$b$x"', 'say "skip case=',
                  "say done", 'say "kernel=', "poweroff -f"):
        assert shape in text
