#!/usr/bin/python3
# SPDX-License-Identifier: MIT OR GPL-2.0-only
"""Seed inputs for the libFuzzer targets (tests/fuzz/fuzz_*.c): a few
well-formed inputs of each kind, so the fuzzers start past the first
checks.  Usage: seeds.py OUTDIR  (writes OUTDIR/rsp, OUTDIR/net,
OUTDIR/ltt, OUTDIR/tp, OUTDIR/ax)."""
import struct
import sys
from pathlib import Path


def frame(body):
    return b"$%s#%02x" % (body, sum(body) & 0xFF)


def rsp_seeds():
    bodies = [b"?", b"g", b"qC", b"m100000,40", b"M8000000,4:deadbeef",
              b"X8000000,4:ab}]cd", b"Z0,1171f0,1", b"Z0,1171f0,1;X7,2605220313270a;cmds:1,X2,2727", b"z2,2000,8",
              b"p10", b"P10=0100000000000000", b"Hg3", b"Hc-1", b"T2",
              b"vCont?", b"vCont;s:1;c", b"vCont;C05:p1.2", b"c", b"s100000",
              b"C0b;100000", b"qXfer:features:read:target.xml:0,fff",
              b"qRcmd,68656c70", b"qSupported:multiprocess+;swbreak+", b"D"]
    out = []
    for i, b in enumerate(bodies):
        out.append(bytes([i & 3]) + b"+" + frame(b) + b"+-" + b"\x03")
    out.append(b"\x00" + b"$" + b"m" * 20000 + b"#00")   # too long
    out.append(b"\x01" + b"junk$qC#b3$qC#b4+")          # bad checksum first
    return out


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def ipv4(src, dst, payload, ident=1, frag_off=0, more=False, proto=17):
    flags = (0x2000 if more else 0) | (frag_off // 8)
    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), ident,
                    flags, 64, proto, 0, src, dst)
    h = h[:10] + struct.pack("!H", csum(h)) + h[12:]
    return h + payload


def udp(src, dst, sport, dport, data):
    ln = 8 + len(data)
    pseudo = src + dst + struct.pack("!BBH", 0, 17, ln)
    h = struct.pack("!HHHH", sport, dport, ln, 0)
    c = csum(pseudo + h + data) or 0xFFFF
    return struct.pack("!HHHH", sport, dport, ln, c) + data


def eth(payload, etype=0x0800):
    return b"\xff" * 6 + b"\x52\x54\x00\x12\x34\x56" + struct.pack("!H", etype) + payload


def rec(f, flags=0):
    return struct.pack("!BH", flags, len(f)) + f


def net_seeds():
    host, me = bytes([10, 0, 2, 2]), bytes([10, 0, 2, 15])
    arp = struct.pack("!HHBBH6s4s6s4s", 1, 0x0800, 6, 4, 1,
                      b"\x52\x55\x0a\x00\x02\x02", host, b"\0" * 6, me)
    small = udp(host, me, 40000, 1234, frame(b"qC"))
    big = udp(host, me, 40000, 1234, frame(b"M8000000,400:" + b"ab" * 1024))
    frags = []
    off = 0
    while off < len(big):
        n = min(1480, len(big) - off)
        frags.append(eth(ipv4(host, me, big[off:off + n], ident=7,
                              frag_off=off, more=off + n < len(big))))
        off += n
    return [rec(eth(arp, 0x0806)),
            rec(eth(ipv4(host, me, small))),
            b"".join(rec(f, 4) for f in frags),
            b"".join(rec(f) for f in reversed(frags)),
            rec(b"10.0.2.15"), rec(b"udp:10.0.2.15:1234")]


def ltt_seeds():
    # Mode 1 (patch the real dump): no patch, a cut, a few bytes changed.
    return [b"\x01\x00\x00\x00", b"\x01\x00\x10\x00",
            b"\x01\x00\x00\x00" + b"\x00\x00\x10\xff\x00\x01\x00\x07",
            b"\x00KSTUBLTT"]


def tp_seeds():
    # Packet bodies as gdb 13 sends them for tstart, tfind, tstatus, tstop.
    a = b"ffffffff80102a30"
    return [b"QTDP:1:" + a + b":E:0:0-",
            b"QTDP:2:" + a + b":E:5:1f4:X08,26012205130f2027",
            b"QTDP:3:" + a + b":D:0:0:F5:X03,222a27-",
            b"QTDP:4:" + a + b":E:0:0:S-",
            b"QTDP:-1:" + a + b":R01ffffffffffffffff",
            b"QTDP:-1:" + a + b":M-1,ffffffff80300000,8M6,fffffffffffffff0,10"
            b"X00000008,2601220000000527-",
            b"QTDP:-1:" + a + b":SMFFFFFFFF,ffffffff80300000,8",
            b"QTDP:-4:" + a + b":L-",
            b"QTDP:-1:" + a + b":S-",
            b"QTDPsrc:1:" + a + b":at:0:11:"
            + b"kstub_selftest_fn".hex().encode(),
            b"QTDPsrc:2:" + a + b":cond:0:5:" + b"x > 5".hex().encode(),
            b"QTDPsrc:2:401136:cmd:0:0:",
            b"QTDV:1:ffffffffffffffff:0:" + b"ticks".hex().encode(),
            b"QTro:ffffffff80100000,ffffffff80123456"
            b":ffffffff80200000,ffffffff80210000",
            b"QTDisconnected:1", b"QTBuffer:circular:0", b"QTBuffer:size:-1",
            b"QTBuffer:size:100000", b"QTNotes:user:;notes:;",
            b"QTNotes:user:6a6f65;notes:6869;tstop:73746f70;",
            b"QTFrame:0", b"QTFrame:ffffffff", b"QTFrame:pc:" + a,
            b"QTFrame:tdp:2", b"QTFrame:range:401000:402000",
            b"QTFrame:outside:401000:402000",
            b"QTEnable:1:" + a, b"QTDisable:1:" + a, b"qTP:1:401136",
            b"qTV:1", b"qTBuffer:0,1f4", b"qTSTMat:" + a]


def ax_seeds():
    # Byte 0: mode and environment (tests/fuzz/fuzz_ax.c); then bytecode
    # as gdb emits it, or (bit 7) a dprintf format.
    def printf(fmt, nargs):
        s = fmt + b"\0"
        return b"\x34" + bytes([nargs]) + struct.pack(">H", len(s)) + s
    cond = bytes.fromhex("260006" "2214" "03" "19" "1620" "2205" "13" "27")
    teval = bytes.fromhex("2c0001" "2201" "02" "2d0001" "27")
    deref = bytes.fromhex("2400001008" "1a" "1a" "27")
    loop = bytes.fromhex("220a" "2201" "03" "28" "200002" "27")
    collect = bytes.fromhex("2500000000000010002210" "0c" "2220" "0d04"
                            "300100" "2228" "2f" "2e0001" "2207" "27")
    dprintf = (bytes.fromhex("22ab" "25" "0000000000001003"
                             "25" "fffffffffffffffd" "2200" "2200")
               + printf(b"%d-%s-%x\n", 3) + b"\x27")
    return [b"\x00" + cond, b"\x04" + teval, b"\x01" + deref,
            b"\x00" + loop, b"\x00" + bytes.fromhex("210000"),
            b"\x02" + collect, b"\x00" + dprintf,
            b"\x80" + b"%d %5.3s %-8x %p %%", b"\xe0" + b"[%*.*ld] %#o %c",
            b"\x91" + b"%s|%.2s|%hhu|%zu"]


def main():
    if len(sys.argv) != 2 or sys.argv[1] in ("-h", "--help"):
        print(__doc__)
        return 0 if len(sys.argv) == 2 else 2
    root = Path(sys.argv[1])
    for name, seeds in (("rsp", rsp_seeds()), ("net", net_seeds()),
                        ("ltt", ltt_seeds()), ("tp", tp_seeds()),
                        ("ax", ax_seeds())):
        d = root / name
        d.mkdir(parents=True, exist_ok=True)
        for i, s in enumerate(seeds):
            (d / ("seed-%02d" % i)).write_bytes(s)
    return 0


if __name__ == "__main__":
    sys.exit(main())
