# SPDX-License-Identifier: MIT OR GPL-2.0-only
"""gdb-scripts/kstub_xfer.py without gdb: the binary unescape, the `x`
reply parser, the Reader's packet loop and fallback against fake
connections, and the progress line with a fake clock.

Run: /usr/bin/python3 -m pytest tests/unit/test_kstub_xfer.py

The last test (skipped when gdb is not installed) runs the Reader inside a
real gdb against a small fake stub on a TCP socket: that is where gdb's
send_packet must hand back bytes, run-length decoded but still escaped.
"""
import random
import shutil
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "gdb-scripts"))

import kstub_xfer as X  # noqa: E402

assert X.gdb is None, "these tests run without gdb"


def ref_escape(data):
    """Reference escaper, written apart from the module's: the remote
    protocol's binary data, GDB manual "Overview" > binary data."""
    out = bytearray()
    for b in data:
        if b in (0x23, 0x24, 0x7d, 0x2a):
            out += bytes([0x7d, b ^ 0x20])
        else:
            out.append(b)
    return bytes(out)


# --- unescape ----------------------------------------------------------

@pytest.mark.parametrize("byte,wire", [(b"#", b"}\x03"), (b"$", b"}\x04"),
                                       (b"}", b"}]"), (b"*", b"}\x0a")])
def test_unescape_each_escaped_byte(byte, wire):
    assert ref_escape(byte) == wire
    assert X.unescape(wire) == byte
    assert X.unescape(b"a" + wire + b"z") == b"a" + byte + b"z"


def test_unescape_plain_and_mixed():
    assert X.unescape(b"") == b""
    assert X.unescape(b"hello\x00\xff") == b"hello\x00\xff"
    assert X.unescape(b"}\x03}\x04}]}\x0a") == b"#$}*"
    # an escaped byte that is itself '}' after unescaping, twice in a row
    assert X.unescape(b"}]}]") == b"}}"


def test_unescape_dangling_escape_names_offset():
    with pytest.raises(ValueError, match=r"offset 3 of 4 bytes"):
        X.unescape(b"abc}")
    with pytest.raises(ValueError, match=r"offset 0"):
        X.unescape(b"}")


def test_unescape_random_round_trip():
    rng = random.Random(20240611)
    alphabet = list(range(256)) + [0x23, 0x24, 0x7d, 0x2a] * 40
    for _ in range(300):
        n = rng.randrange(0, 300)
        data = bytes(rng.choice(alphabet) for _ in range(n))
        wire = ref_escape(data)
        assert not any(b in wire for b in b"#$*")
        assert X.unescape(wire) == data
        assert X.escape(data) == wire


# --- parse_x_reply -----------------------------------------------------

def test_parse_good_short_and_empty():
    assert X.parse_x_reply(b"b" + ref_escape(b"abc#"), 4) == b"abc#"
    assert X.parse_x_reply(b"b" + ref_escape(b"ab"), 4) == b"ab"  # short
    assert X.parse_x_reply(b"b", 0) == b""
    assert X.parse_x_reply(b"b", 10) == b""  # the Reader refuses it
    assert X.parse_x_reply(bytearray(b"bxy"), 2) == b"xy"


def test_parse_too_long():
    with pytest.raises(X.XferError, match=r"holds 3 bytes, 2 were asked"):
        X.parse_x_reply(b"babc", 2)
    # escapes count once: 2 data bytes in 4 wire bytes is fine
    assert X.parse_x_reply(b"b}\x03}\x04", 2) == b"#$"


def test_parse_error_replies():
    with pytest.raises(X.XferError) as e:
        X.parse_x_reply(b"E0e", 16)
    assert e.value.text == "E0e"
    assert "E0e (bad address)" in str(e.value)
    assert not isinstance(e.value, X.Unsupported)
    with pytest.raises(X.XferError, match=r"E01 \(malformed packet\)"):
        X.parse_x_reply(b"E01", 16)
    with pytest.raises(X.XferError, match=r"E\.no memory here") as e:
        X.parse_x_reply(b"E.no memory here", 16)
    assert e.value.text == "E.no memory here"
    with pytest.raises(X.XferError, match=r"replied E7f$"):
        X.parse_x_reply(b"E7f", 16)


def test_parse_empty_is_unsupported():
    with pytest.raises(X.Unsupported):
        X.parse_x_reply(b"", 16)
    assert issubclass(X.Unsupported, X.XferError)
    assert issubclass(X.XferError, Exception)


@pytest.mark.parametrize("reply,shown", [
    (b"OK", r"b'OK'"),
    (b"\xff\xfe\x80", "b'\\xff\\xfe\\x80'"),
    (b"E\xc3\xa9", "b'E\\xc3\\xa9'"),
    (b"E0", r"b'E0'"),
    (b"Exyz", r"b'Exyz'"),
    (b"123456", r"b'123456'"),
])
def test_parse_malformed(reply, shown):
    with pytest.raises(X.XferError) as e:
        X.parse_x_reply(reply, 16)
    assert not isinstance(e.value, X.Unsupported)
    assert str(e.value).startswith("malformed x reply ")
    assert shown in str(e.value)


def test_parse_malformed_dangling_escape():
    with pytest.raises(X.XferError, match=r"malformed x reply b'bab}'.*"
                       r"dangling escape '}' at offset 2"):
        X.parse_x_reply(b"bab}", 16)


def test_parse_malformed_long_garbage_is_truncated():
    with pytest.raises(X.XferError) as e:
        X.parse_x_reply(b"Q" * 5000, 16)
    msg = str(e.value)
    assert len(msg) < 100 and "(5000 bytes)" in msg


# --- Reader against fake connections -----------------------------------

BASE = 0xffffffff80100000


class FakeConn:
    """A remote connection whose stub holds `mem` at BASE.

    x_mode: "kstub" (probe answers b), "empty" (QEMU), "E01", "OK" (lldb);
    cap: most bytes per reply (before escaping, like a full packet);
    zero_at / error_at: an address whose x reply has no data / is E0e."""

    def __init__(self, mem, x_mode="kstub", cap=0xff00 - 1, num=1,
                 zero_at=None, error_at=None, as_str=False):
        self.mem, self.x_mode, self.cap, self.num = mem, x_mode, cap, num
        self.zero_at, self.error_at, self.as_str = zero_at, error_at, as_str
        self.packets = []

    def send_packet(self, pkt):
        self.packets.append(pkt)
        if len(self.packets) > 10000:
            raise AssertionError("endless packet loop")
        reply = self._answer(pkt)
        return reply.decode("latin-1") if self.as_str else reply

    def _answer(self, pkt):
        assert pkt[0] == "x", pkt
        if self.x_mode == "empty":
            return b""
        if self.x_mode in ("E01", "OK"):
            return self.x_mode.encode()
        addr, n = (int(v, 16) for v in pkt[1:].split(","))
        assert n <= X.MAX_ASK
        if n == 0:
            return b"b"
        if addr == self.error_at:
            return b"E0e"
        if addr == self.zero_at:
            return b"b"
        off = addr - BASE
        if not 0 <= off < len(self.mem):
            return b"E0e"
        data = self.mem[off:off + min(n, self.cap)]
        return b"b" + ref_escape(data)

    def x_asks(self):
        """(addr, len) of the data packets, the probe left out."""
        out = []
        for p in self.packets:
            a, n = (int(v, 16) for v in p[1:].split(","))
            if n:
                out.append((a, n))
        return out


class FakeInferior:
    def __init__(self, mem, conn=None):
        self.mem = mem
        self.connection = conn
        self.m_reads = []

    def read_memory(self, addr, n):
        self.m_reads.append((addr, n))
        off = addr - BASE
        if off < 0 or off + n > len(self.mem):
            raise MemoryError("Cannot access memory at address 0x%x" % addr)
        return memoryview(self.mem[off:off + n])


def pattern(n, seed=1):
    """Memory with every escaped byte in it, often."""
    rng = random.Random(seed)
    return bytes(rng.choice(b"#$}*\x00\x01abc\xff") for _ in range(n))


def reader(inf, **kw):
    return X.Reader(inf, cache={}, **kw)


def test_reader_reads_exactly_in_max_ask_packets():
    ask = X.MAX_ASK
    mem = pattern(2 * ask + 8000)
    conn = FakeConn(mem)
    r = reader(FakeInferior(mem, conn))
    assert r.read(BASE + 5, 2 * ask + 7000) == mem[5:2 * ask + 7005]
    assert conn.packets[0] == "x%x,0" % (BASE + 5)  # the probe
    assert conn.x_asks() == [(BASE + 5, ask), (BASE + 5 + ask, ask),
                             (BASE + 5 + 2 * ask, 7000)]
    assert r.stats == {"x": 2 * ask + 7000, "m": 0}
    assert r.read(BASE, 0) == b""


def test_reader_short_replies_continue_where_they_ended():
    mem = pattern(10000, seed=2)
    conn = FakeConn(mem, cap=3001)
    r = reader(FakeInferior(mem, conn))
    assert r.read(BASE + 100, 9000) == mem[100:9100]
    asks = conn.x_asks()
    assert [a for a, _ in asks] == [BASE + 100 + 3001 * i for i in range(3)]
    assert [n for _, n in asks] == [9000, 9000 - 3001, 9000 - 6002]


def test_reader_zero_byte_reply_raises_instead_of_looping():
    mem = pattern(20000)
    conn = FakeConn(mem, cap=4096, zero_at=BASE + 8192)
    r = reader(FakeInferior(mem, conn))
    with pytest.raises(X.XferError, match=r"at 0x%x: the stub sent no data"
                       % (BASE + 8192)):
        r.read(BASE, 20000)
    assert len(conn.x_asks()) == 3


def test_reader_error_reply_names_the_address():
    mem = pattern(20000)
    conn = FakeConn(mem, cap=4096, error_at=BASE + 4096)
    r = reader(FakeInferior(mem, conn))
    with pytest.raises(X.XferError) as e:
        r.read(BASE, 10000)
    assert "cannot read 5904 bytes at 0x%x" % (BASE + 4096) in str(e.value)
    assert "E0e (bad address)" in str(e.value)
    assert "packet x%x,1710" % (BASE + 4096) in str(e.value)
    assert e.value.text == "E0e"


def test_reader_malformed_reply_names_the_address():
    mem = pattern(100)
    conn = FakeConn(mem)
    conn._answer = lambda pkt: b"b" if pkt.endswith(",0") else b"OK"
    r = reader(FakeInferior(mem, conn))
    with pytest.raises(X.XferError, match=r"at 0x%x: malformed x reply b'OK'"
                       % BASE):
        r.read(BASE, 10)


@pytest.mark.parametrize("mode", ["empty", "E01", "OK"])
def test_reader_unsupported_falls_back_to_read_memory(mode):
    mem = pattern(30000)
    conn = FakeConn(mem, x_mode=mode)
    inf = FakeInferior(mem, conn)
    cache = {}
    r = X.Reader(inf, cache=cache)
    assert r.read(BASE, 30000) == mem
    assert r.read(BASE + 7, 3) == mem[7:10]
    assert conn.packets == ["x%x,0" % BASE]  # probed once
    assert inf.m_reads == [(BASE, 30000), (BASE + 7, 3)]
    assert r.stats == {"x": 0, "m": 30003}
    assert r.path_name() == "hex m packets"
    # Once per connection: the next command's Reader does not ask again.
    r2 = X.Reader(inf, cache=cache)
    assert r2.read(BASE, 4) == mem[:4]
    assert len(conn.packets) == 1
    # A new connection is probed again.
    inf.connection = FakeConn(mem, num=2)
    assert X.Reader(inf, cache=cache).read(BASE, 4) == mem[:4]
    assert inf.connection.x_asks() == [(BASE, 4)]


def test_reader_probe_is_cached_when_supported():
    mem = pattern(100)
    conn = FakeConn(mem)
    cache = {}
    inf = FakeInferior(mem, conn)
    for _ in range(3):
        X.Reader(inf, cache=cache).read(BASE, 10)
    assert conn.packets.count("x%x,0" % BASE) == 1
    assert inf.m_reads == []


def test_reader_unsupported_after_probe_falls_back_for_the_rest():
    ask = X.MAX_ASK
    mem = pattern(ask + 24000)
    conn = FakeConn(mem)
    inf = FakeInferior(mem, conn)
    r = reader(inf)
    real = conn._answer
    conn._answer = lambda p: real(p) if len(conn.packets) <= 2 else b""
    assert r.read(BASE, ask + 24000) == mem
    assert inf.m_reads == [(BASE + ask, 24000)]
    assert r.stats == {"x": ask, "m": 24000}
    assert r.path_name() == "binary x packets and hex m packets"
    assert r.read(BASE, 8) == mem[:8]
    assert len(conn.packets) == 3


def test_reader_no_connection_or_no_send_packet():
    mem = pattern(100)

    class LocalConn:  # e.g. target tfile or core: no send_packet
        num = 3

    for conn in (None, LocalConn()):
        inf = FakeInferior(mem, conn)
        r = reader(inf)
        assert r.read(BASE + 1, 50) == mem[1:51]
        assert inf.m_reads == [(BASE + 1, 50)]
        assert r.path_name() == "gdb memory reads"

    class NoAttr:
        def read_memory(self, addr, n):
            return mem[addr - BASE:addr - BASE + n]

    assert reader(NoAttr()).read(BASE, 3) == mem[:3]


def test_reader_setting_off_uses_read_memory(monkeypatch):
    mem = pattern(100)
    conn = FakeConn(mem)
    inf = FakeInferior(mem, conn)
    assert reader(inf, binary=False).read(BASE, 10) == mem[:10]
    assert conn.packets == []

    class Param:
        value = False

    monkeypatch.setattr(X, "_param", Param())
    assert not X.binary_enabled()
    assert reader(inf).read(BASE, 10) == mem[:10]
    assert conn.packets == [] and len(inf.m_reads) == 2
    Param.value = True
    assert reader(inf).read(BASE, 10) == mem[:10]
    assert len(conn.x_asks()) == 1


def test_reader_send_packet_failure_names_the_packet():
    mem = pattern(100)
    conn = FakeConn(mem)

    def boom(pkt):
        raise RuntimeError("Remote connection closed")

    conn.send_packet = boom
    with pytest.raises(X.XferError, match=r"at 0x%x: packet x%x,0: Remote "
                       r"connection closed" % (BASE, BASE)):
        reader(FakeInferior(mem, conn)).read(BASE, 10)


def test_reader_accepts_str_replies():
    mem = pattern(5000)
    conn = FakeConn(mem, as_str=True)
    assert reader(FakeInferior(mem, conn)).read(BASE, 5000) == mem


def test_reader_tells_progress_and_sums_time():
    mem = pattern(40000)
    clock = FakeClock()
    got = []

    class P:
        enabled = False

        def add(self, n):
            got.append(n)
            clock.t += 1.0

    r = reader(FakeInferior(mem, FakeConn(mem, cap=10000)), clock=clock)
    r.progress = P()
    r.read(BASE, 25000)
    assert got == [10000, 10000, 5000]
    assert r.seconds == 3.0
    assert r.summary() == "read 24.4 KiB in 3.000 s (8.1 KiB/s, binary x packets)"


def test_reader_m_path_chunks_only_while_progress_shows():
    mem = pattern(200000)
    inf = FakeInferior(mem, FakeConn(mem, x_mode="empty"))
    r = reader(inf)
    r.read(BASE, 200000)
    assert inf.m_reads == [(BASE, 200000)]
    got = []

    class P:
        enabled = True
        add = got.append

    r.progress = P()
    inf.m_reads.clear()
    assert r.read(BASE, 200000) == mem
    assert [n for _, n in inf.m_reads] == [65536, 65536, 65536, 3392]
    assert got == [65536, 65536, 65536, 3392]


def test_summary_formats():
    r = reader(FakeInferior(b""))
    r.stats["x"], r.seconds = 1 << 20, 3.2
    assert r.summary() == "read 1.0 MiB in 3.200 s (0.31 MiB/s, binary x packets)"
    assert X.size_str(0) == "0 B" and X.size_str(1023) == "1023 B"
    assert X.size_str(126362) == "123.4 KiB"
    assert X.duration_str(12) == "0:12" and X.duration_str(3725) == "1:02:05"


# --- Progress ----------------------------------------------------------

class FakeClock:
    def __init__(self):
        self.t = 100.0

    def __call__(self):
        return self.t


def progress(total=1 << 20, enabled=True):
    clock, out = FakeClock(), []
    p = X.Progress("ltt dump", total, enabled=enabled, out=out.append,
                   clock=clock)
    return p, clock, out


def test_progress_throttled_to_the_interval():
    p, clock, out = progress()
    for t, n in [(0.1, 1000), (0.3, 1000)]:
        clock.t = 100 + t
        p.add(n)
    assert out == []  # quick reads stay silent
    clock.t = 100.5
    p.add(48 * 1024 - 2000)
    assert out == ["\r  ltt dump: 48.0 KiB of 1.0 MiB, 96.0 KiB/s, 0:10 left"]
    clock.t = 100.9
    p.add(1024)
    assert len(out) == 1
    clock.t = 101.0
    p.add(1024)
    assert len(out) == 2 and out[1].startswith("\r  ltt dump: 50.0 KiB of")


def test_progress_final_line_and_newline():
    p, clock, out = progress(total=1 << 20)
    clock.t = 101.0
    p.add(1 << 19)
    assert out[-1] == "\r  ltt dump: 512.0 KiB of 1.0 MiB, 0.50 MiB/s, 0:01 left"
    clock.t = 102.0
    p.add(1 << 19)
    out.clear()
    clock.t = 102.4
    p.finish()
    assert out == ["\r  ltt dump: 1.0 MiB of 1.0 MiB, 0.42 MiB/s, done in 0:02",
                   "\n"]
    p.finish()  # once only
    assert len(out) == 2


def test_progress_pads_over_a_longer_line():
    p, clock, out = progress(total=0)
    clock.t = 101.0
    p.add(1 << 20)
    clock.t = 1100.0
    p.add(1)
    assert out[0] == "\r  ltt dump: 1.0 MiB, 1.00 MiB/s"
    assert out[1] == "\r  ltt dump: 1.0 MiB, 1.0 KiB/s " \
        and len(out[1]) == len(out[0])


def test_progress_silent_when_nothing_was_drawn():
    p, clock, out = progress()
    clock.t = 100.2
    p.add(100)
    p.finish()
    assert out == []


def test_progress_error_ends_the_line_bare():
    p, clock, out = progress()
    with pytest.raises(KeyError):
        with p:
            clock.t = 101
            p.add(10)
            raise KeyError("x")
    assert len(out) == 2 and out[1] == "\n"


def test_progress_quiet_when_not_a_terminal(monkeypatch):
    monkeypatch.delenv("KSTUB_PROGRESS", raising=False)
    monkeypatch.setattr(X.os, "isatty", lambda fd: False)
    out = []
    p = X.Progress("ltt dump", 10, out=out.append, clock=FakeClock())
    assert not p.enabled
    p.clock.t = 200
    p.add(5)
    with p:
        p.add(5)
    assert out == [] and p.done == 10
    monkeypatch.setattr(X.os, "isatty", lambda fd: fd == 1)
    assert X.Progress("x", 1, out=out.append).enabled


@pytest.mark.parametrize("env,tty,want", [
    ("1", False, True), ("0", True, False), ("", True, True),
    ("", False, False)])
def test_progress_environment_override(monkeypatch, env, tty, want):
    monkeypatch.setenv("KSTUB_PROGRESS", env)
    monkeypatch.setattr(X.os, "isatty", lambda fd: tty)
    assert X.Progress("ltt dump", 1, out=list().append).enabled is want


# --- inside a real gdb, against a fake stub ----------------------------

def rle(wire):
    """Run-length encode an escaped reply the way a stub may: runs of a
    plain character, never the byte after a '}' (gdb would repeat the
    escaped byte, not the pair), counts that avoid '#' and '$'."""
    out, i = bytearray(), 0
    while i < len(wire):
        c = wire[i]
        if c == 0x7d:
            out += wire[i:i + 2]
            i += 2
            continue
        j = i + 1
        while j < len(wire) and wire[j] == c and j - i < 98:
            j += 1
        rep = j - i - 1
        if rep in (6, 7):
            rep, j = 5, i + 6
        out.append(c)
        if rep >= 3:
            out += b"*" + bytes([rep + 29])
        else:
            out += bytes([c]) * rep
        i = j
    return bytes(out)


class FakeStub(threading.Thread):
    """Just enough of a remote stub for `target remote`, then `x` (or
    not, like QEMU) and `m` over memory at BASE."""

    def __init__(self, mem, x=True):
        super().__init__(daemon=True)
        self.mem, self.x = mem, x
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(1)
        self.port = self.sock.getsockname()[1]
        self.seen = []
        self.rle_replies = 0

    def answer(self, pkt):
        self.seen.append(pkt)
        if pkt.startswith(b"qSupported"):
            return b"PacketSize=4000"
        if pkt == b"?":
            return b"S05"
        if pkt == b"g":  # amd64 without XML, up to the segment registers
            return b"00" * 164
        if pkt[:1] in b"mx" and b"," in pkt:
            if pkt[:1] == b"x" and not self.x:
                return b""
            addr, n = (int(v, 16) for v in pkt[1:].split(b","))
            off = addr - BASE
            if not 0 <= off < len(self.mem):
                return b"E0e"
            n = min(n, 0x3fff if pkt[:1] == b"x" else 0x1fff)
            data = self.mem[off:off + n]
            wire = data.hex().encode() if pkt[:1] == b"m" else \
                b"b" + ref_escape(data)
            self.rle_replies += rle(wire) != wire
            return rle(wire)
        if pkt[:1] == b"D":
            return b"OK"
        return b""

    def run(self):
        c, _ = self.sock.accept()
        self.sock.close()
        buf = b""
        while True:
            d = c.recv(65536)
            if not d:
                return
            buf += d
            while True:
                s = buf.find(b"$")
                h = buf.find(b"#", s)
                if s < 0 or h < 0 or len(buf) < h + 3:
                    break
                pkt, buf = buf[s + 1:h], buf[h + 3:]
                r = self.answer(pkt)
                c.sendall(b"+$%s#%02x" % (r, sum(r) & 0xff))
                if pkt[:1] == b"D":
                    return


GDB_SCRIPT = r"""
python
import sys, hashlib
sys.path.insert(0, %(dir)r)
import kstub_xfer as X
X.register()
r = X.Reader()
r.progress = X.Progress("test", %(n)d, enabled=False)
d = r.read(%(base)d, %(n)d)
print("XFER %%s %%d %%s" %% (hashlib.sha256(d).hexdigest(), r.progress.done,
                         r.path_name()))
try:
    r.read(%(base)d - 16, 4)
except (gdb.error, gdb.GdbError) as e:
    print("ERR %%s" %% e)
end
show kstub-binary-reads
"""


@pytest.mark.skipif(shutil.which("gdb") is None, reason="gdb not installed")
@pytest.mark.parametrize("x", [True, False])
def test_in_gdb_against_a_fake_stub(tmp_path, x):
    import hashlib
    mem = pattern(50000, seed=3) + bytes(3000) + b"*" * 500 + b"}" * 300
    stub = FakeStub(mem, x=x)
    stub.start()
    script = tmp_path / "t.gdb"
    script.write_text(GDB_SCRIPT % {"dir": str(REPO / "gdb-scripts"),
                                    "base": BASE, "n": len(mem)})
    p = subprocess.run(["gdb", "-nx", "-batch", "-ex", "set pagination off",
                        "-ex", "set architecture i386:x86-64",
                        "-ex", "target remote 127.0.0.1:%d" % stub.port,
                        "-ex", "source %s" % script, "-ex", "detach"],
                       stdin=subprocess.DEVNULL, capture_output=True,
                       text=True, timeout=60)
    out = p.stdout + p.stderr
    want = "XFER %s %d %s" % (hashlib.sha256(mem).hexdigest(), len(mem),
                              "binary x packets" if x else "hex m packets")
    assert want in out, out
    assert "Traceback" not in out, out
    assert stub.rle_replies, "the replies should exercise gdb's RLE decoding"
    if x:
        assert "ERR cannot read 4 bytes at 0x%x: the stub replied E0e " \
            "(bad address)" % (BASE - 16) in out, out
        assert "the stub answers x packets" in out, out
        assert not [p for p in stub.seen if p.startswith(b"mffffffff8")]
    else:
        assert "ERR Cannot access memory at address 0x%x" % (BASE - 16) \
            in out, out
        assert "m packets: x%x,0 answered empty" % BASE in out, out
        assert [p for p in stub.seen if p[:1] == b"x"] == [b"x%x,0" % BASE]
