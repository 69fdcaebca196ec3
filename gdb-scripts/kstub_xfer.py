# SPDX-License-Identifier: MIT OR GPL-2.0-only
"""Bulk target memory reads for the kstub gdb scripts: binary `x` packets
when the stub answers them, gdb's own (hex `m`) reads otherwise.

Why: gdb 13 reads memory with hex `m` packets only, two characters a byte.
On a serial line a trace dump of a few MiB then takes minutes.  kstub
answers GDB 16's binary read `x ADDR,LEN` with `b` and the bytes, where
only `#`, `$`, `}` and `*` are escaped (`}` then byte ^ 0x20): about half
the bytes on the wire.  gdb 13 does not send `x` itself, but its Python
API can (gdb.RemoteTargetConnection.send_packet); gdb undoes the run-length
encoding of the reply, not the binary escapes, so unescape() does that.

Layers, each testable alone (tests/unit/test_kstub_xfer.py, no gdb):
  unescape, parse_x_reply   pure: bytes in, bytes or an exception out
  Reader                    the packet loop over a connection, the probe
                            (once per connection) and the fallback to
                            inferior.read_memory for stubs without `x`
                            (QEMU's gdbstub), non-remote targets (tfile,
                            core) and `set kstub-binary-reads off`
  Progress                  one status line while a long read runs

Protocol reference: GDB manual, "Remote Protocol" > "Packets" (`x`,
`m`) and "Binary Data"; docs/protocol.md.
"""
import os
import sys
import time

try:  # inside gdb; the unit tests import this module without it
    import gdb
except ImportError:
    gdb = None

# Most data bytes asked per `x` packet: kstub's reply holds what fits its
# PacketSize (0xff00) after escaping, and a short reply is continued
# where it ended, so asking for a little less than a packet is right for
# any stub.
MAX_ASK = 65000

# The binary escape of the remote protocol: these bytes are sent as '}'
# followed by the byte ^ 0x20.
ESCAPED = b"#$}*"
ESCAPE = 0x7d

# Chunk of the fallback read_memory path while progress is shown: gdb
# splits each chunk into `m` packets; a chunk this large costs at most one
# short extra packet per 64 KiB, and lets the status line move.
M_CHUNK = 64 * 1024


class XferError(gdb.GdbError if gdb is not None else Exception):
    """A memory read failed (an `E..` reply, a malformed reply, a stub
    that stopped sending data).  Inside gdb it is a gdb.GdbError, so an
    uncaught one prints as a plain error message, not a traceback.
    `text` is the stub's error reply (`E0e`, `E.text`) when there was one,
    for callers that tell a bad address from other failures."""

    def __init__(self, msg, text=None):
        super().__init__(msg)
        self.text = text


class Unsupported(XferError):
    """The stub does not answer `x` (empty reply): use `m` instead."""


# What kstub's and gdb's common error numbers mean (docs/protocol.md).
ERRNO = {0x01: "malformed packet", 0x03: "no such thread",
         0x0e: "bad address", 0x16: "bad argument"}


def unescape(data: bytes) -> bytes:
    """Undo the remote protocol's binary escapes ('}' then byte ^ 0x20).

    Raises ValueError naming the offset of a '}' with nothing after it:
    the reply was cut, and guessing the last byte would corrupt data."""
    if ESCAPE not in data:
        return bytes(data)
    out = bytearray()
    i, n = 0, len(data)
    while i < n:
        j = data.find(ESCAPE, i)
        if j < 0:
            out += data[i:]
            break
        out += data[i:j]
        if j + 1 >= n:
            raise ValueError("dangling escape '}' at offset %d of %d bytes"
                             % (j, n))
        out.append(data[j + 1] ^ 0x20)
        i = j + 2
    return bytes(out)


def escape(data):
    """The stub's side of unescape() (for tests and fake stubs)."""
    out = bytearray()
    for b in data:
        if b in ESCAPED:
            out += bytes((ESCAPE, b ^ 0x20))
        else:
            out.append(b)
    return bytes(out)


def _show(reply, limit=24):
    """The first bytes of a reply for an error message."""
    r = repr(bytes(reply[:limit]))
    return r + ("... (%d bytes)" % len(reply) if len(reply) > limit else "")


def _is_error(reply):
    """`E` + two hex digits, or `E.` + text (the textual error form)."""
    if reply[:2] == b"E.":
        return True
    return (len(reply) == 3 and reply[:1] == b"E" and
            all(c in b"0123456789abcdefABCDEF" for c in reply[1:]))


def error_text(reply):
    """`E0e (bad address)` from an error reply."""
    text = bytes(reply).decode("ascii", "replace")
    if text[:2] != "E.":
        what = ERRNO.get(int(text[1:], 16))
        if what:
            text += " (%s)" % what
    return text


def parse_x_reply(reply: bytes, asked: int) -> bytes:
    """The data of one `x` reply for a request of `asked` bytes.

    `b` + escaped data -> the data, which may be shorter than asked (the
    stub sends what fits one packet, or what was readable) but never
    longer.  Raises XferError for `E..`, Unsupported for the empty reply
    (a stub that does not know `x`) and XferError for anything else."""
    reply = bytes(reply)
    if not reply:
        raise Unsupported("empty reply: the stub does not support x packets")
    if reply[:1] == b"b":
        try:
            data = unescape(reply[1:])
        except ValueError as e:
            raise XferError("malformed x reply %s: %s" % (_show(reply), e))
        if len(data) > asked:
            raise XferError("x reply holds %d bytes, %d were asked"
                            % (len(data), asked))
        return data
    if _is_error(reply):
        raise XferError("the stub replied %s" % error_text(reply),
                        reply.decode("ascii", "replace"))
    raise XferError("malformed x reply %s" % _show(reply))


# --- the gdb parameter -------------------------------------------------

_param = None


def binary_enabled():
    """`set kstub-binary-reads` (on when the parameter is not registered:
    outside gdb, or kstub.py not sourced)."""
    return True if _param is None else bool(_param.value)


# Probe results, once per connection: {connection key: (ok, why)}.
_support = {}


def _conn_key(conn):
    num = getattr(conn, "num", None)
    return ("num", num) if num is not None else ("id", id(conn))


def forget(conn=None):
    """Drop the probe result of one connection (all if None)."""
    if conn is None:
        _support.clear()
    else:
        _support.pop(_conn_key(conn), None)


def _connection(inferior):
    """The inferior's connection if it can send packets, else None
    (no connection, a non-remote target, an old gdb)."""
    conn = getattr(inferior, "connection", None)
    if conn is None or not callable(getattr(conn, "send_packet", None)):
        return None
    valid = getattr(conn, "is_valid", None)
    if valid is not None and not valid():
        return None
    return conn


def status(inferior=None):
    """What reads use on the selected inferior, for `show`."""
    if inferior is None:
        inferior = gdb.selected_inferior()
    conn = _connection(inferior)
    if conn is None:
        return "not a remote connection: gdb reads memory itself"
    got = _support.get(_conn_key(conn))
    if got is None:
        return "this connection is not probed yet"
    return ("the stub answers x packets" if got[0] else
            "m packets: %s" % got[1])


def register():
    """Create `set/show kstub-binary-reads` (kstub.py calls this once)
    and forget probe results of closed connections."""
    global _param

    class BinaryReads(gdb.Parameter):
        """Whether the kstub gdb scripts (ltt dump ...) read target memory
with binary x packets, about half the bytes of gdb's hex m packets.

Usage: set kstub-binary-reads on|off
A stub that does not answer x (QEMU's gdbstub) is detected once per
connection and read with m packets even when this is on; off forces the
m path (to compare, or to rule out a stub's x replies)."""

        set_doc = "Set whether kstub's scripts read memory with x packets."
        show_doc = "Show whether kstub's scripts read memory with x packets."

        def __init__(self):
            super().__init__("kstub-binary-reads", gdb.COMMAND_DATA,
                             gdb.PARAM_BOOLEAN)
            self.value = True

        def get_set_string(self):
            return ""

        def get_show_string(self, svalue):
            try:
                st = status()
            except Exception:  # no inferior yet: show the setting only
                st = None
            return "Binary x packet reads for the kstub scripts: %s%s." % (
                svalue, "; %s" % st if st and svalue == "on" else "")

    if _param is None:
        _param = BinaryReads()
        removed = getattr(gdb.events, "connection_removed", None)
        if removed is not None:
            removed.connect(lambda ev: forget(ev.connection))


# --- the reader --------------------------------------------------------

class Reader:
    """Reads target memory in bulk for the gdb scripts.

    read(addr, size) returns exactly size bytes or raises: XferError for a
    bad `x` reply (naming the address), gdb.MemoryError from the fallback
    path.  `progress` (a Progress or None) is told every packet's bytes.
    `stats` counts the bytes of each path and `seconds` the time spent
    reading, for the summary line.

    inferior: a gdb.Inferior (or a fake with .connection and .read_memory);
    binary: None follows `set kstub-binary-reads`, True/False overrides;
    cache: the per-connection probe results (the module's by default)."""

    def __init__(self, inferior=None, binary=None, cache=None, clock=None):
        if inferior is None:
            inferior = gdb.selected_inferior()
        self.inf = inferior
        self.binary = binary
        self.cache = _support if cache is None else cache
        self.clock = clock or time.monotonic
        self.progress = None
        self.stats = {"x": 0, "m": 0}  # bytes read by each path
        self.seconds = 0.0              # time spent in read()
        self.remote = _connection(inferior) is not None

    def read(self, addr, size):
        if size <= 0:
            return b""
        t0 = self.clock()
        try:
            conn = self._binary_conn(addr)
            if conn is None:
                return self._read_m(addr, size)
            return self._read_x(conn, addr, size)
        finally:
            self.seconds += self.clock() - t0

    def _binary_conn(self, addr):
        """The connection to send `x` on, or None for the `m` path."""
        on = binary_enabled() if self.binary is None else self.binary
        conn = _connection(self.inf) if on else None
        if conn is None:
            return None
        key = _conn_key(conn)
        if key not in self.cache:
            self.cache[key] = self._probe(conn, addr)
        return conn if self.cache[key][0] else None

    def _probe(self, conn, addr):
        """Does this stub answer GDB 16's `x`?  A zero-length read costs
        one short round trip, touches no memory (so a bad address cannot
        pass for "unsupported"), and only a GDB 16 stub answers it with
        exactly `b`: empty (QEMU, unknown packet), `E01` (a stub that
        calls it malformed) and `OK` (lldb's own `x` dialect, whose reply
        has no `b`) all mean no."""
        pkt = "x%x,0" % addr
        reply = self._send(conn, pkt, addr)
        if reply == b"b":
            return (True, None)
        return (False, "%s answered %s" % (pkt, _show(reply) if reply
                                            else "empty (unsupported)"))

    def _send(self, conn, pkt, addr):
        try:
            reply = conn.send_packet(pkt)
        except Exception as e:  # gdb.error: connection closed, running ...
            raise XferError("cannot read memory at 0x%x: packet %s: %s"
                            % (addr, pkt, e))
        if reply is None:  # gdb 13's send_packet for an empty reply
            return b""
        if isinstance(reply, str):  # gdb 12 returned str
            reply = reply.encode("latin-1")
        return bytes(reply)

    def _read_x(self, conn, addr, size):
        out = bytearray()
        while len(out) < size:
            a = addr + len(out)
            ask = min(size - len(out), MAX_ASK)
            pkt = "x%x,%x" % (a, ask)
            reply = self._send(conn, pkt, a)
            try:
                data = parse_x_reply(reply, ask)
            except Unsupported:
                # The probe said yes, now the stub says no: trust this.
                self.cache[_conn_key(conn)] = (False,
                                               "%s answered empty" % pkt)
                return bytes(out) + self._read_m(a, size - len(out))
            except XferError as e:
                raise XferError("cannot read %d bytes at 0x%x: %s (packet %s)"
                                % (ask, a, e, pkt), e.text)
            if not data:
                raise XferError("cannot read %d bytes at 0x%x: the stub sent "
                                "no data (packet %s)" % (ask, a, pkt))
            out += data
            self.stats["x"] += len(data)
            if self.progress is not None:
                self.progress.add(len(data))
        return bytes(out)

    def _read_m(self, addr, size):
        p = self.progress
        step = M_CHUNK if p is not None and p.enabled else size
        out = bytearray()
        while len(out) < size:
            n = min(step, size - len(out))
            out += bytes(self.inf.read_memory(addr + len(out), n))
            self.stats["m"] += n
            if p is not None:
                p.add(n)
        return bytes(out)

    @property
    def bytes_read(self):
        return self.stats["x"] + self.stats["m"]

    def path_name(self):
        """How the data came: for the summary line."""
        x, m = self.stats["x"], self.stats["m"]
        mname = "hex m packets" if self.remote else "gdb memory reads"
        if x and m:
            return "binary x packets and " + mname
        return "binary x packets" if x else mname

    def summary(self):
        """`read 1.0 MiB in 3.217 s (0.31 MiB/s, binary x packets)`."""
        n, s = self.bytes_read, self.seconds
        rate = rate_str(n / s if s > 0 else 0.0)
        return "read %s in %.3f s (%s, %s)" % (size_str(n), s, rate,
                                               self.path_name())


# --- progress ----------------------------------------------------------

def size_str(n):
    if n < 1024:
        return "%d B" % n
    if n < 1024 * 1024:
        return "%.1f KiB" % (n / 1024)
    return "%.1f MiB" % (n / (1024 * 1024))


def rate_str(bps):
    """MiB/s with two decimals from 0.1 MiB/s up, KiB/s below (a serial
    line moves about 11 KiB/s)."""
    if bps >= 0.1 * 1024 * 1024:
        return "%.2f MiB/s" % (bps / (1024 * 1024))
    return "%.1f KiB/s" % (bps / 1024)


def duration_str(s):
    s = int(s + 0.5)
    if s >= 3600:
        return "%d:%02d:%02d" % (s // 3600, s // 60 % 60, s % 60)
    return "%d:%02d" % (s // 60, s % 60)


def env_flag(name):
    """True/False for NAME=1/0 (also yes/no, on/off), None when unset."""
    v = os.environ.get(name, "").strip().lower()
    if v in ("1", "yes", "on", "true"):
        return True
    if v in ("0", "no", "off", "false"):
        return False
    return None


def _default_out(s):
    if gdb is not None:
        gdb.write(s)
        gdb.flush()
    else:
        sys.stdout.write(s)
        sys.stdout.flush()


class Progress:
    """A status line for a long read, redrawn in place with '\\r':

      ltt dump: 123.4 KiB of 1.0 MiB, 45.6 KiB/s, 0:12 left

    Shown only on a terminal (gdb's own stdout, fd 1: gdb -batch in a pipe
    stays quiet, so test and benchmark output is unchanged); KSTUB_PROGRESS
    =1/0 forces it on or off.  Nothing is printed before `interval`
    seconds have passed, then at most once per interval, so quick reads
    stay silent; finish() draws the last state and ends the line.  clock
    and out are injectable for the tests."""

    def __init__(self, label, total=0, enabled=None, out=None, clock=None,
                 interval=0.5):
        if enabled is None:
            enabled = env_flag("KSTUB_PROGRESS")
        if enabled is None:
            try:
                enabled = os.isatty(1)
            except OSError:
                enabled = False
        self.enabled = enabled
        self.label = label
        self.total = total
        self.out = out or _default_out
        self.clock = clock or time.monotonic
        self.interval = interval
        self.done = 0
        self.start = self.clock()
        self.last = self.start
        self.shown = False
        self._width = 0

    def add(self, n):
        self.done += n
        if not self.enabled:
            return
        now = self.clock()
        if now - self.last >= self.interval:
            self.last = now
            self._draw(self.line(now))

    def line(self, now, final=False):
        el = now - self.start
        rate = self.done / el if el > 0 else 0.0
        s = "  %s: %s" % (self.label, size_str(self.done))
        if self.total and self.done <= self.total:
            s += " of %s" % size_str(self.total)
        s += ", %s" % rate_str(rate)
        if final:
            s += ", done in %s" % duration_str(el)
        elif self.total and self.done <= self.total and rate > 0:
            s += ", %s left" % duration_str((self.total - self.done) / rate)
        return s

    def _draw(self, s):
        # Pad over a longer previous line: '\r' only moves the cursor.
        pad = max(0, self._width - len(s))
        self._width = len(s)
        self.out("\r" + s + " " * pad)
        self.shown = True

    def finish(self, ok=True):
        """End the line if one was drawn: with the final state when the
        read completed, bare (before an error message) when it failed."""
        if not self.shown:
            return
        if ok:
            self._draw(self.line(self.clock(), final=True))
        self.out("\n")
        self.shown = False

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        self.finish(ok=exc_type is None)
        return False
