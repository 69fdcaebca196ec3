# SPDX-License-Identifier: MIT OR GPL-2.0-only
"""gdb-scripts/kstub_symbols.py and tools/linux_image.py without gdb, QEMU
or network: the symbol table format kstub.ko writes (ports/linux/
symtab.c), the symbols-only ELF (non-overlapping sections, readable by
binutils), a .ko's section addresses, and the bzImage unpacker.

Run: /usr/bin/python3 -m pytest tests/unit/test_kstub_symbols.py
"""
import lzma
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "gdb-scripts"))
sys.path.insert(0, str(REPO / "tools"))

import kstub_symbols as K  # noqa: E402
import linux_image  # noqa: E402


def table(syms):
    body = b""
    for addr, kind, name, mod in syms:
        n, m = name.encode(), mod.encode()
        body += struct.pack("<QBB", addr, ord(kind), len(n)) + n + bytes([len(m)]) + m
    return b"KSTUBSYM" + struct.pack("<II", len(syms), 16 + len(body)) + body


SYMS = [
    (0xffffffff81000000, "T", "startup_64", ""),
    (0xffffffff81000100, "T", "schedule", ""),
    (0xffffffff81000180, "T", "__x64_sys_getppid", ""),
    (0xffffffff82000000, "D", "linux_banner", ""),
    (0xffffffff82001000, "D", "jiffies_64", ""),
    (0xffffffffc0001000, "T", "ktarget_work", "ktarget"),
    (0xffffffffc0100000, "T", "kstub_enter", "kstub"),
    (0xffffffffc0108000, "D", "ltt_area_ptr", "kstub"),
    (0x1f000, "D", "per_cpu_thing", ""),
]


def test_parse_plain_and_zlib():
    raw = table(SYMS)
    assert K.parse_ksyms(raw) == SYMS
    assert K.parse_ksyms(zlib.compress(raw)) == SYMS


@pytest.mark.parametrize("cut", [0, 8, 15, 17, 30, -1])
def test_truncated_or_bad_tables_raise(cut):
    raw = table(SYMS)
    with pytest.raises(K.SymbolsError):
        K.parse_ksyms(raw[:cut] if cut >= 0 else b"NOTATABL" + raw[8:])


def test_bad_zlib_stream_raises():
    with pytest.raises(K.SymbolsError, match="zlib"):
        K.parse_ksyms(b"\x78\x9c garbage")


def test_sections_do_not_overlap_and_skip_the_dwarf_module():
    secs = K._sections(SYMS, skip_module="kstub")
    spans = sorted((run[0][0], hi) for run, hi in secs)
    for (a, b), (c, d) in zip(spans, spans[1:]):
        assert b <= c, spans
    names = {s[2] for run, _ in secs for s in run}
    assert "kstub_enter" not in names and "ktarget_work" in names
    assert "per_cpu_thing" not in names     # below the kernel half
    # A run ends before the next symbol, even one left out.
    for run, hi in secs:
        if run[-1][2] == "ktarget_work":
            assert hi <= 0xffffffffc0100000


def test_symbols_elf_reads_in_binutils(tmp_path):
    elf = tmp_path / "syms.elf"
    elf.write_bytes(K.symbols_elf(SYMS, skip_module="kstub"))
    out = subprocess.run(["nm", "-n", str(elf)], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True, check=True)
    assert out.stderr == ""
    lines = out.stdout.split("\n")
    assert "ffffffff81000100 T schedule" in lines
    assert "ffffffff82001000 B jiffies_64" in lines     # NOBITS data
    assert "ffffffffc0001000 T ktarget_work" in lines
    assert not any("kstub_enter" in l for l in lines)


def test_ko_section_bases(tmp_path):
    c = tmp_path / "m.c"
    c.write_text("long ltt_area_ptr = 1;\nint kstub_enter(void) { return 7; }\n"
                 "int twice(void) { return 2; }\n")
    o = tmp_path / "m.o"
    subprocess.run(["gcc", "-c", "-O1", "-fno-pic", "-o", str(o), str(c)], check=True)
    ko = o.read_bytes()
    bases = K.ko_section_bases(ko, SYMS, "kstub")
    # kstub_enter is at .text+0 in m.o, ltt_area_ptr at .data+0.
    assert bases[".text"] == 0xffffffffc0100000
    assert bases[".data"] == 0xffffffffc0108000
    with pytest.raises(K.SymbolsError):
        K.ko_section_bases(b"not an elf", SYMS, "kstub")


def test_unpack_bzimage_finds_the_xz_elf():
    elf = b"\x7fELF" + bytes(range(256)) * 64
    junk = b"\xfd7zXZ\x00" + b"not a stream" + b"MZ" * 100
    img = b"setup" * 100 + junk + lzma.compress(elf, format=lzma.FORMAT_XZ) + b"tail"
    assert linux_image.unpack_bzimage(img) == elf
    with pytest.raises(ValueError):
        linux_image.unpack_bzimage(b"no payload here")
