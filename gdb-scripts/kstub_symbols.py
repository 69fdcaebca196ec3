# SPDX-License-Identifier: MIT OR GPL-2.0-only
"""`kstub symbols`: a stock Linux kernel's symbols in gdb, with no -dbg
package (ports/linux, docs/linux.md).

Debian ships no System.map and its vmlinux with DWARF is a 5 GiB
package.  kstub.ko packs the kernel's kallsyms (vmlinux and every module)
into one table in target memory; `monitor ksyms` says where.  This reads
it with binary memory reads (kstub_xfer.Reader), writes a symbols-only
ELF (NOBITS sections at the kernel's addresses: KASLR needs no offset,
the addresses are the running ones), loads it with `symbol-file`, and
adds kstub.ko's own DWARF at the addresses its sections got (found by
matching the .ko's symbols with the table's).

Layers, each testable alone (tests/unit/test_kstub_symbols.py, no gdb):
  parse_ksyms       the table's bytes -> [(addr, kind, name, module)]
  symbols_elf       those symbols -> ELF bytes (non-overlapping sections)
  ko_section_bases  a .ko's bytes and the table -> {section: address}
  KstubSymbols      the gdb command
"""
import os
import struct
import sys
import tempfile
import zlib

try:  # inside gdb; the unit tests import this module without it
    import gdb
except ImportError:
    gdb = None

MAGIC = b"KSTUBSYM"
KERNEL_HALF = 0xffff800000000000


class SymbolsError(gdb.GdbError if gdb is not None else Exception):
    """A malformed table or .ko; inside gdb a plain error message."""


def parse_ksyms(data):
    """[(addr, kind, name, module)] from the table kstub.ko builds
    (ports/linux/symtab.c): "KSTUBSYM", u32 count, u32 bytes, then per
    symbol u64 addr, u8 kind ('T'/'D'), u8 len, name, u8 len, module;
    or a zlib stream of that."""
    if data[:1] == b"\x78":
        try:
            data = zlib.decompress(data)
        except zlib.error as e:
            raise SymbolsError("symbol table: bad zlib stream (%s)" % e)
    if len(data) < 16 or data[:8] != MAGIC:
        raise SymbolsError("not a kstub symbol table (bad magic %r)" % data[:8])
    count, size = struct.unpack_from("<II", data, 8)
    if size > len(data):
        raise SymbolsError("symbol table truncated: %d of %d bytes" % (len(data), size))
    out, pos = [], 16
    for i in range(count):
        if pos + 11 > size:
            raise SymbolsError("symbol table truncated at symbol %d of %d" % (i, count))
        addr, kind, n = struct.unpack_from("<QBB", data, pos)
        pos += 10
        name = data[pos:pos + n].decode("ascii", "replace")
        pos += n
        if pos >= size:
            raise SymbolsError("symbol table truncated at symbol %d (%s)" % (i, name))
        m = data[pos]
        mod = data[pos + 1:pos + 1 + m].decode("ascii", "replace")
        pos += 1 + m
        if pos > size:
            raise SymbolsError("symbol table truncated at symbol %d (%s)" % (i, name))
        out.append((addr, chr(kind), name, mod))
    return out


GAP = 16 << 20      # a wider gap between two symbols starts a new section


def _sections(syms, skip_module=None):
    """Address-sorted runs of kernel-half symbols of one kind ('T' or
    'D'), each [(addr, kind, name, module)], cut where the kind changes or
    a gap is wider than GAP.  Sections never overlap (gdb drops one of two
    overlapping sections): each ends before the next symbol, whatever
    module it belongs to.  skip_module's symbols (its DWARF is loaded
    beside) bound runs but are left out."""
    allv = sorted(x for x in syms if x[0] >= KERNEL_HALF)
    runs, cur = [], []
    for i, x in enumerate(allv):
        if skip_module is not None and x[3] == skip_module:
            if cur:
                runs.append((cur, x[0]))
                cur = []
            continue
        if cur and (x[1] != cur[-1][1] or x[0] - cur[-1][0] > GAP):
            runs.append((cur, x[0]))
            cur = []
        cur.append(x)
    if cur:
        runs.append((cur, None))
    out = []
    for run, nxt in runs:
        hi = run[-1][0] + 4096
        if nxt is not None:
            hi = min(hi, nxt)
        out.append((run, max(hi, run[-1][0] + 1)))
    return out


def symbols_elf(syms, skip_module=None):
    """An ELF64 x86-64 file holding only symbols: NOBITS sections over
    runs of them (_sections), FUNC symbols in the text ones, OBJECT in
    the data ones, sizes up to the next symbol."""
    shstr = bytearray(b"\0")
    strtab = bytearray(b"\0")
    symtab = bytearray(b"\0" * 24)

    def add_str(tab, s):
        off = len(tab)
        tab.extend(s.encode() + b"\0")
        return off

    shdrs = [b"\0" * 64]
    names = {}
    for idx, (run, hi) in enumerate(_sections(syms, skip_module), 1):
        lo = run[0][0]
        text = run[0][1] == "T"
        sname = ".text" if text else ".data"
        if sname not in names:
            names[sname] = add_str(shstr, sname)
        flags = 0x2 | (0x4 if text else 0x1)    # ALLOC | EXECINSTR/WRITE
        shdrs.append(struct.pack("<IIQQQQIIQQ", names[sname], 8,
                                 flags, lo, 0, hi - lo, 0, 0, 16, 0))
        for i, (addr, kind, name, mod) in enumerate(run):
            nxt = run[i + 1][0] if i + 1 < len(run) else hi
            size = min(nxt - addr, 1 << 20)
            info = (1 << 4) | (2 if text else 1)   # GLOBAL, FUNC/OBJECT
            symtab.extend(struct.pack("<IBBHQQ", add_str(strtab, name), info,
                                      0, idx, addr, size))
    if len(shdrs) > 0xff00:
        raise SymbolsError("too many symbol runs for one ELF (%d)" % len(shdrs))
    nsec = len(shdrs)
    # .symtab, .strtab, .shstrtab follow the NOBITS ones.
    sym_name = add_str(shstr, ".symtab")
    str_name = add_str(shstr, ".strtab")
    shs_name = add_str(shstr, ".shstrtab")
    off = 64
    body = bytearray()

    def place(blob, align=8):
        nonlocal off
        pad = -off % align
        body.extend(b"\0" * pad)
        off += pad
        at = off
        body.extend(blob)
        off += len(blob)
        return at

    sym_off = place(symtab)
    str_off = place(strtab, 1)
    shs_off = place(shstr, 1)
    shoff = place(b"", 8)
    shdrs.append(struct.pack("<IIQQQQIIQQ", sym_name, 2, 0, 0, sym_off,
                             len(symtab), nsec + 1, 1, 8, 24))
    shdrs.append(struct.pack("<IIQQQQIIQQ", str_name, 3, 0, 0, str_off,
                             len(strtab), 0, 0, 1, 0))
    shdrs.append(struct.pack("<IIQQQQIIQQ", shs_name, 3, 0, 0, shs_off,
                             len(shstr), 0, 0, 1, 0))
    ehdr = struct.pack("<4sBBBBB7sHHIQQQIHHHHHH", b"\x7fELF", 2, 1, 1, 0, 0,
                       b"\0" * 7, 2, 62, 1, 0, 0, shoff, 0, 64, 0, 0, 64,
                       len(shdrs), len(shdrs) - 1)
    return ehdr + bytes(body) + b"".join(shdrs)


def _elf_sections(data):
    if data[:4] != b"\x7fELF" or data[4] != 2:
        raise SymbolsError("not an ELF64 file")
    shoff, = struct.unpack_from("<Q", data, 0x28)
    shentsize, shnum, shstrndx = struct.unpack_from("<HHH", data, 0x3a)
    secs = []
    for i in range(shnum):
        secs.append(struct.unpack_from("<IIQQQQIIQQ", data, shoff + i * shentsize))
    names_off = secs[shstrndx][4]

    def name(off, strtab_off):
        start = strtab_off + off
        return data[start:data.index(b"\0", start)].decode("ascii", "replace")
    return [(name(s[0], names_off),) + s for s in secs], name


def ko_section_bases(ko, syms, module):
    """{section name: load address} for the allocated sections of a .ko
    whose symbols appear (unambiguously) in the table under `module`."""
    secs, name = _elf_sections(ko)
    runtime = {}
    for addr, _, n, mod in syms:
        if mod == module:
            runtime.setdefault(n, set()).add(addr)
    symtab = next((s for s in secs if s[2] == 2), None)
    if symtab is None:
        raise SymbolsError("the .ko has no symbol table")
    str_off = secs[symtab[7]][5]
    seen, bases = {}, {}
    for off in range(symtab[5], symtab[5] + symtab[6], 24):
        st_name, info, _, shndx, value, _ = struct.unpack_from("<IBBHQQ", ko, off)
        if info & 0xf not in (0, 1, 2) or not st_name or not (0 < shndx < len(secs)):
            continue
        n = name(st_name, str_off)
        seen[n] = seen.get(n, 0) + 1
        if seen[n] > 1 or len(runtime.get(n, ())) != 1:
            bases.pop((n, shndx), None)
            continue
        bases[(n, shndx)] = next(iter(runtime[n])) - value
    out = {}
    for (n, shndx), base in bases.items():
        if seen[n] == 1 and secs[shndx][3] & 0x2:     # SHF_ALLOC
            out.setdefault(secs[shndx][0], base)
    return out


def _default_ko():
    here = os.path.dirname(os.path.abspath(__file__))
    return os.path.join(os.path.dirname(here), "build", "linux-module", "kstub.ko")


if gdb is not None:
    import kstub_xfer

    class KstubPrefix(gdb.Command):
        """kstub commands for a target that runs kstub.ko (a stock Linux
        kernel): `kstub symbols`."""

        def __init__(self):
            super().__init__("kstub", gdb.COMMAND_USER, prefix=True)

    class KstubSymbols(gdb.Command):
        """Load the running kernel's symbols and kstub.ko's DWARF.

Usage: kstub symbols [KSTUB.KO]

Reads the kallsyms table kstub.ko keeps (`monitor ksyms`), makes a
symbols-only ELF of it (names and addresses of every function and
variable of vmlinux and the loaded modules: `break`, `x/i`, `info symbol`
work; types, line numbers and full backtraces of the kernel need the
-dbg package's vmlinux), and adds kstub.ko's own DWARF (default: the
build/linux-module/kstub.ko of this tree) at its load addresses."""

        def __init__(self):
            super().__init__("kstub symbols", gdb.COMMAND_FILES,
                             gdb.COMPLETE_FILENAME)

        def invoke(self, arg, from_tty):
            argv = gdb.string_to_argv(arg)
            if len(argv) > 1:
                raise gdb.GdbError("usage: kstub symbols [KSTUB.KO]")
            ko_path = argv[0] if argv else _default_ko()
            try:
                line = gdb.execute("monitor ksyms", to_string=True).strip()
            except gdb.error as e:
                raise gdb.GdbError("monitor ksyms failed: %s (is this kstub.ko "
                                   "on a Linux kernel?)" % e)
            f = line.split()
            if len(f) < 7 or f[0] != "ksyms":
                raise gdb.GdbError("unexpected `monitor ksyms` reply: %r" % line)
            addr, size, count = int(f[1], 16), int(f[2]), int(f[3])
            crc, release, module = int(f[4], 16), f[5], f[6]
            d = os.path.join(tempfile.gettempdir(), "kstub-symbols-%d" % os.getuid())
            os.makedirs(d, exist_ok=True)
            cached = os.path.join(d, "ksyms-%s-%08x.bin" % (release, crc))
            data = None
            if os.path.isfile(cached):
                with open(cached, "rb") as cf:
                    data = cf.read()
                if len(data) != size or zlib.crc32(data) != crc:
                    data = None
                else:
                    gdb.write("kstub symbols: %d symbols of Linux %s (cached in %s)\n"
                              % (count, release, cached))
            if data is None:
                gdb.write("kstub symbols: reading %d symbols (%d KiB) of Linux %s\n"
                          % (count, size >> 10, release))
                data = kstub_xfer.Reader().read(addr, size)
                if zlib.crc32(data) != crc:
                    raise gdb.GdbError("the symbol table read back with a wrong CRC "
                                       "(modules loaded meanwhile?): try again")
                with open(cached + ".tmp", "wb") as cf:
                    cf.write(data)
                os.replace(cached + ".tmp", cached)
            syms = parse_ksyms(data)
            elf = os.path.join(d, "vmlinux-%s-%08x.syms" % (release, crc))
            with open(elf + ".tmp", "wb") as out:
                out.write(symbols_elf(syms, skip_module=module))
            os.replace(elf + ".tmp", elf)
            gdb.execute("symbol-file %s" % elf, to_string=True)
            # Frames and registers read before the symbols were known
            # would keep showing bare addresses.
            gdb.execute("maintenance flush register-cache", to_string=True)
            gdb.write("kstub symbols: %d symbols from %s\n" % (len(syms), elf))
            if not os.path.isfile(ko_path):
                gdb.write("kstub symbols: no %s: kstub.ko's own DWARF not loaded\n"
                          % ko_path)
                return
            with open(ko_path, "rb") as kf:
                ko = kf.read()
            bases = ko_section_bases(ko, syms, module)
            if ".text" not in bases:
                raise gdb.GdbError("%s does not match the running %s (rebuilt since?)"
                                   % (ko_path, module))
            cmd = "add-symbol-file %s 0x%x" % (ko_path, bases[".text"])
            for s, a in sorted(bases.items()):
                if s != ".text":
                    cmd += " -s %s 0x%x" % (s, a)
            gdb.execute(cmd, to_string=True)
            gdb.write("kstub symbols: %s DWARF at .text 0x%x (%d sections)\n"
                      % (module, bases[".text"], len(bases)))


def register():
    if gdb is None:
        return
    KstubPrefix()
    KstubSymbols()
