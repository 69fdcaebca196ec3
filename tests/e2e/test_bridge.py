# SPDX-License-Identifier: MIT OR GPL-2.0-only
"""Issue 11: host-tools/kstub-bridge, one serial line shared by the
kernel's console and a debugger.

The "hardware port" is QEMU's COM1 on a pty (harness.PtyKernel, paused
until the bridge has the pty open: QEMU drops output nobody reads).  The
reference kernel runs `kstub=ttyS0 kstub.wait`: console and stub on that
one line.  gdb and lldb attach to the bridge's TCP port; the console side
is the bridge's stdout (harness.Bridge).  Tests without QEMU drive the
bridge from a fake target on a pty master of our own, byte by byte.
"""
import os
import random
import re
import select
import signal
import socket
import subprocess
import termios
import threading
import time

import pytest

import harness
from harness import GdbMI, run_gdb_batch

CPUS = 4
WAITING = r"^kstub: waiting for gdb on ttyS0$"
USER = r"^user: pid=(\d+) iteration=(\d+) getpid=\d+$"
HEARTBEAT = r"^heartbeat: ticks((?: \d+:\d+)+)$"

# Every line the kernel prints in these runs; anything else on the console
# side (a piece of a packet, a lost line break) fails the test.
KNOWN_LINE = re.compile(
    r"^(kstub reference kernel, cmdline: .*"
    r"|memory: \d+ MiB, TSC \d+ MHz, \d+ CPUs in MADT"
    r"|CPUs online: \d+"
    r"|kstub: .*"
    r"|ltt: .*"
    r"|demo: .*"
    r"|user: pid=\d+ iteration=\d+ getpid=\d+"
    r"|heartbeat: ticks( \d+:\d+)+)$")


@pytest.fixture(scope="module", autouse=True)
def bridge_built():
    """make builds the bridge; build it here too when only pytest runs."""
    subprocess.run(["make", "-s", "-C", str(harness.REPO),
                    "build/host/kstub-bridge"], check=True,
                   stdout=subprocess.DEVNULL)


@pytest.fixture
def line(request):
    """line(cmdline, cpus=4, bridge_args=(), **bridge_kw) -> (kernel,
    bridge): QEMU paused with COM1 on a pty, the bridge on that pty, QEMU
    resumed.  Both are killed when the test ends; on failure the bridge's
    console tail is in the report."""
    made = []
    reports = getattr(request.node, "_kstub_kernels", None)
    if reports is None:
        reports = request.node._kstub_kernels = []

    def _line(cmdline, cpus=CPUS, bridge_args=(), **kw):
        name = request.node.name + ("" if not made else "-%d" % len(made))
        k = harness.PtyKernel(cmdline, cpus, name=name + "-qemu")
        made.append(k)
        k.start()
        # Every packet, for the report of a wait in vain.
        harness.LOG_DIR.mkdir(parents=True, exist_ok=True)
        trace = harness.LOG_DIR / (re.sub(r"[^\w.-]", "_", name) + ".rsp.log")
        b = harness.Bridge(k.tty, "--trace-rsp", trace, *bridge_args,
                           name=name, **kw)
        b.cpus, b.cmdline = cpus, cmdline + " (console through kstub-bridge)"
        b.diagnose = lambda: "%s\n%s\n--- last packets (%s) ---\n%s" % (
            k.cpu_state(), b.proc_state(), trace.name, harness._tail(
                trace.read_text(errors="replace") if trace.exists() else "", 25))
        made.append(b)
        reports.append(b)
        b.start()
        k.resume()
        return k, b

    try:
        yield _line
    finally:
        for x in reversed(made):
            x.close()


def check_console(text):
    """Console lines intact and in order: every line is one the kernel
    prints; the ring-3 task's iterations count up by one (none lost, none
    repeated); each CPU's tick count in the heartbeat lines only grows."""
    iters = []
    ticks = None
    for ln in text.splitlines():
        assert KNOWN_LINE.match(ln), "foreign line on the console: %r\n%s" % (
            ln, text[-3000:])
        m = re.match(USER, ln)
        if m:
            iters.append(int(m.group(2)))
        m = re.match(HEARTBEAT, ln)
        if m:
            t = [int(x.split(":")[1]) for x in m.group(1).split()]
            if ticks is not None:
                assert all(b >= a for a, b in zip(ticks, t)), (ticks, t)
            ticks = t
    assert iters == list(range(1, len(iters) + 1)), iters
    return iters


def progress(b, n=2, timeout=30):
    """Wait until the ring-3 task has printed n more lines: it runs."""
    start = len(b.console)
    for _ in range(n):
        m = b.wait_for(USER, timeout, start=start)
        start = m.end()


def gdb_ok(out):
    assert "Remote communication error" not in out, out
    assert "Ignoring packet error" not in out, out
    return out


# --- the reference kernel through the bridge -----------------------------

@pytest.mark.timeout(240)
def test_gdb_scenarios_console_side_by_side(line):
    k, b = line("kstub=ttyS0 kstub.wait heartbeat=1")
    b.wait_for(WAITING, 60)
    out = gdb_ok(run_gdb_batch(
        k.kernel, b.gdb_target,
        ["info threads", "break demo_fib", "continue", "bt 1", "delete",
         "x/4gx &demo_counter", "print demo_watch = 1000",
         "watch demo_watch", "continue", "delete", "detach"], timeout=150))
    for cpu in range(CPUS):
        assert re.search(r'^\*?\s+%d\s+Thread %d "CPU#%d"' % (cpu + 1, cpu + 1, cpu),
                         out, re.M), out
    m = re.search(r'Thread (\d+) "CPU#(\d+)" hit Breakpoint 1, demo_fib \(n=', out)
    assert m and int(m.group(1)) == int(m.group(2)) + 1, out
    assert re.search(r"^#0\s+demo_fib \(n=", out, re.M), out
    assert len(re.findall(r"^0x[0-9a-f]+( <[^>]+>)?:\s+0x[0-9a-f]{16}\s+0x[0-9a-f]{16}$",
                          out, re.M)) == 2, out
    assert re.search(r"^\$1 = 1000$", out, re.M), out
    w = re.search(r"hit Hardware watchpoint 2: demo_watch\s+Old value = (\d+)"
                  r"\s+New value = (\d+)", out)
    assert w and int(w.group(2)) == int(w.group(1)) + 1, out
    assert "[Inferior 1 (Remote target) detached]" in out, out
    progress(b)

    # Ctrl-C from gdb passes through; console output while gdb waits for
    # the stop reaches both gdb (as O packets) and the console side.
    with GdbMI(k.kernel) as mi:
        mi.command("-target-select remote " + b.gdb_target, timeout=30)
        mi.command("-exec-continue")
        mi.wait_for(r"^\*running", timeout=10)
        start = len(b.console)
        b.wait_for(HEARTBEAT, 30, start=start)
        b.wait_for(USER, 30, start=start)
        mi.wait_for(r'^@"user: pid=\d+ iteration=\d+', timeout=30)
        mi.command("-exec-interrupt")
        mi.wait_for(r'^\*stopped,reason="signal-received",signal-name="SIGINT"',
                    timeout=20)
        threads = mi.command("-thread-info").results["threads"]
        assert [t["name"] for t in threads] == ["CPU#%d" % i for i in range(CPUS)]
        mi.command("-target-detach")
    progress(b, 3)
    iters = check_console(b.console)
    assert len(iters) >= 7, iters
    assert len(re.findall(HEARTBEAT, b.console, re.M)) >= 2
    assert "debugger attached from 127.0.0.1:" in b.messages


@pytest.mark.timeout(240)
def test_lldb_session(line):
    k, b = line("kstub=ttyS0 kstub.wait heartbeat=1")
    b.wait_for(WAITING, 60)
    argv = ["lldb", "-b", "-o", "target create %s" % k.kernel,
            "-o", "gdb-remote %s" % b.gdb_target, "-o", "thread list",
            "-o", "register read rip rsp", "-o", "breakpoint set -n demo_fib",
            "-o", "continue", "-o", "bt 1", "-o", "breakpoint delete -f",
            "-o", "process detach"]
    p = harness._spawn(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT)
    try:
        out = p.communicate(timeout=harness.scaled(150))[0].decode("utf-8", "replace")
    finally:
        harness._kill(p)
    for cpu in range(CPUS):
        assert re.search(r"^[* ] thread #%d: tid = 0x%04x" % (cpu + 1, cpu + 1),
                         out, re.M), out
    assert re.search(r"^\s+rip = 0x[0-9a-f]{16}\s+kernel\.elf`", out, re.M), out
    assert re.search(r"^\s+rsp = 0x[0-9a-f]{16}", out, re.M), out
    assert re.search(r"Breakpoint 1: where = kernel\.elf`demo_fib", out), out
    assert re.search(r"stop reason = breakpoint 1\.1\s+frame #0: 0x[0-9a-f]+ "
                     r"kernel\.elf`demo_fib\(n=\d+\)", out), out
    assert "Process 1 detached" in out, out
    assert p.returncode == 0, out
    progress(b, 3)
    check_console(b.console)


@pytest.mark.timeout(300)
def test_gdb_killed_next_gdb_sees_every_cpu(line):
    k, b = line("kstub=ttyS0 kstub.wait heartbeat=1")
    b.wait_for(WAITING, 60)

    # 1. Killed while the kernel is stopped at a breakpoint.
    mi = GdbMI(k.kernel)
    try:
        mi.command("-target-select remote " + b.gdb_target, timeout=30)
        mi.command("-break-insert demo_fib")
        mi.command("-exec-continue")
        mi.wait_for(r'^\*stopped,reason="breakpoint-hit"', timeout=30)
        mi.proc.send_signal(signal.SIGKILL)
        mi.proc.wait(10)
    finally:
        mi.close()
    b.wait_messages(r"debugger \S+ disconnected; the line stays open", 10)
    out = gdb_ok(run_gdb_batch(k.kernel, b.gdb_target,
                               ["info threads", "bt 1", "detach"], timeout=90))
    for cpu in range(CPUS):
        assert re.search(r'^\*?\s+%d\s+Thread %d "CPU#%d"' % (cpu + 1, cpu + 1, cpu),
                         out, re.M), out
    assert re.search(r"^#0\s+.*demo_fib \(n=", out, re.M), out
    progress(b)

    # 2. Killed while the kernel runs: the stub still sends the console
    # as O packets (it thinks gdb is there); the bridge shows them.
    mi = GdbMI(k.kernel)
    try:
        mi.command("-target-select remote " + b.gdb_target, timeout=30)
        mi.command("-exec-continue")
        mi.wait_for(r"^\*running", timeout=10)
        progress(b, 1)      # it runs (gdb prints *running before it sends c)
        mi.proc.send_signal(signal.SIGKILL)
        mi.proc.wait(10)
    finally:
        mi.close()
    b.wait_messages(r"(?s)disconnected.*disconnected", 10)
    progress(b, 2)
    out = gdb_ok(run_gdb_batch(k.kernel, b.gdb_target,
                               ["info threads", "detach"], timeout=90))
    assert len(re.findall(r'Thread \d+ "CPU#\d+"', out)) == CPUS, out
    progress(b, 2)
    check_console(b.console)

    # 3. The line itself goes away (QEMU ends: the pty closes): one line,
    # status 1, no hang.
    k.close()
    assert b.wait_exit(15) == 1
    assert re.search(r"kstub-bridge: /dev/pts/\d+: the line hung up", b.messages), \
        b.messages


@pytest.mark.timeout(180)
def test_second_debugger_refused(line):
    k, b = line("kstub=ttyS0 kstub.wait")
    b.wait_for(WAITING, 60)
    with GdbMI(k.kernel) as mi:
        mi.command("-target-select remote " + b.gdb_target, timeout=30)
        out = run_gdb_batch(k.kernel, b.gdb_target, ["info threads"], timeout=60)
        assert "kstub-bridge: refused: another debugger (127.0.0.1:" in out, out
        assert "Thread" not in out, out
        b.wait_messages(r"refused a second debugger from 127\.0\.0\.1:\d+", 10)
        # The first one carries on undisturbed.
        threads = mi.command("-thread-info").results["threads"]
        assert len(threads) == CPUS, threads
        rec = mi.command("-data-read-memory-bytes demo_fib 4", timeout=60)
        assert len(rec["memory"][0]["contents"]) == 8, rec
        mi.command("-target-detach")
    progress(b)
    check_console(b.console)


# --- bad input -----------------------------------------------------------

def run_bridge(*args, timeout=15):
    """Run the bridge to completion; (status, stdout, stderr)."""
    p = harness._spawn([str(harness.BRIDGE)] + [str(a) for a in args],
                       stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE)
    try:
        out, err = p.communicate(timeout=harness.scaled(timeout))
    finally:
        harness._kill(p)
    return p.returncode, out.decode(), err.decode()


def one_line_error(err):
    lines = err.strip("\n").split("\n")
    assert len(lines) == 1 and lines[0].startswith("kstub-bridge: "), err
    return lines[0]


class FakeLine:
    """A pty of our own: the bridge opens `path`, the test plays the
    target on the master side."""

    def __init__(self):
        self.master, slave = os.openpty()
        self.path = os.ttyname(slave)
        os.close(slave)
        # Never block in read(): a close() from another thread does not
        # release a master a read still holds (the line would not hang up).
        os.set_blocking(self.master, False)
        self.got = bytearray()      # what the bridge sent to the line
        self._cond = threading.Condition()
        self._stop = False
        self._t = threading.Thread(target=self._read, daemon=True)
        self._t.start()

    def _read(self):
        while not self._stop:
            r, _, _ = select.select([self.master], [], [], 0.1)
            if not r:
                continue
            try:
                d = os.read(self.master, 65536)
            except BlockingIOError:
                continue
            except OSError:         # no slave open (yet / any more)
                time.sleep(0.05)
                continue
            with self._cond:
                self.got += d
                self._cond.notify_all()

    def write(self, data):
        view = memoryview(data)
        while view:
            try:
                n = os.write(self.master, view)
            except BlockingIOError:
                select.select([], [self.master], [], 0.1)
                continue
            view = view[n:]

    def wait_got(self, n, timeout=10):
        deadline = time.monotonic() + harness.scaled(timeout)
        with self._cond:
            while len(self.got) < n:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise harness.WaitTimeout("the line got %d of %d bytes: %r"
                                              % (len(self.got), n,
                                                 bytes(self.got[-200:])))
                self._cond.wait(left)
            return bytes(self.got)

    def close(self):
        self._stop = True
        self._t.join(2)
        try:
            os.close(self.master)
        except OSError:
            pass


@pytest.fixture
def fake(request):
    lines = []

    def _fake():
        f = FakeLine()
        lines.append(f)
        return f

    try:
        yield _fake
    finally:
        for f in lines:
            f.close()


@pytest.mark.timeout(60)
def test_bad_input(fake, tmp_path):
    # A port that does not exist.
    st, out, err = run_bridge("/dev/kstub-no-such-port")
    assert st == 3, err
    assert "No such file or directory" in one_line_error(err)

    # Not a terminal at all.
    st, out, err = run_bridge("/dev/null")
    assert st == 3 and "not a serial port" in one_line_error(err), err

    # Bad values: usage errors, named.
    for args, what in [(("--baud", "fast", "/dev/null"), "--baud: 'fast'"),
                       (("--baud", "0", "/dev/null"), "--baud: '0'"),
                       (("--data-bits", "9", "/dev/null"), "--data-bits"),
                       (("--parity", "sometimes", "/dev/null"), "--parity"),
                       (("--stop-bits", "3", "/dev/null"), "--stop-bits"),
                       (("--flow", "hardware", "/dev/null"), "--flow"),
                       (("--gdb-port", "70000", "/dev/null"), "--gdb-port"),
                       (("--escape", "^^^", "/dev/null"), "--escape"),
                       (("--bogus", "/dev/null"), "unknown option '--bogus'"),
                       (("--baud",), "--baud needs a value"),
                       (("/dev/null", "/dev/zero"), "one serial port only"),
                       ((), "no serial port given")]:
        st, out, err = run_bridge(*args)
        assert st == 2, (args, err)
        assert what in one_line_error(err), (args, err)

    # A rate the port refuses: the port's own error, status 3.
    f = fake()
    st, out, err = run_bridge("--baud", "12345", f.path)
    assert st == 3 and "cannot set 12345 baud" in one_line_error(err), err

    # A busy port: the first bridge keeps it, undisturbed.
    with harness.Bridge(f.path) as b1:
        st, out, err = run_bridge("--gdb-port", "0", f.path)
        assert st == 3 and "port busy" in one_line_error(err), err
        f.write(b"still here\r\n")
        b1.wait_for(r"^still here$", 10)

        # A gdb port already in use: status 4.
        gport = b1.gdb_target.rsplit(":", 1)[1]
        g = fake()
        st, out, err = run_bridge("--gdb-port", gport, g.path)
        assert st == 4 and "Address already in use" in one_line_error(err), err

        # A log file that cannot be written: status 4.
        st, out, err = run_bridge("--gdb-port", "0", "--log",
                                  tmp_path / "no" / "such" / "dir", g.path)
        assert st == 4 and "--log" in one_line_error(err), err

    # The line closes under a running bridge: one line, status 1, no hang.
    f2 = fake()
    b2 = harness.Bridge(f2.path, "--quiet").start()
    try:
        f2.close()
        assert b2.wait_exit(10) == 1
        # --quiet: the gdb line, then the error alone
        lines = b2.messages.splitlines()
        assert len(lines) == 2 and re.match(
            r"kstub-bridge: /dev/pts/\d+: the line hung up", lines[1]), lines
    finally:
        b2.close()


@pytest.mark.timeout(30)
def test_help_version_list():
    st, out, err = run_bridge("--help")
    assert st == 0 and not err
    for opt in ("--baud", "--data-bits", "--parity", "--stop-bits", "--flow",
                "--gdb-port", "--bind", "--gdb-pty", "--break", "--console-port",
                "--escape", "--log", "--trace-rsp", "--stats", "--quiet",
                "--list", "--help", "--version", "Exit status"):
        assert opt in out, opt
    st, out, err = run_bridge("--version")
    assert st == 0 and re.match(r"kstub-bridge \S+ \(libserialport \S+\)", out), out
    st, out, err = run_bridge("--list")
    assert st == 0, err
    assert out.startswith("PORT ") or out == "no serial ports found\n", out
    for row in out.splitlines()[1:]:
        assert re.match(r"^\S+\s+(native|usb|bluetooth)\s+(-|[0-9a-f]{4}:[0-9a-f]{4})\s",
                        row), row


# --- the bridge's own guarantees, with a fake target ----------------------

def frame(body):
    return b"$%s#%02x" % (body, sum(body) & 0xff)


def escape_binary(data):
    out = bytearray()
    for c in data:
        if c in b"#$}*":
            out += bytes([0x7d, c ^ 0x20])
        else:
            out.append(c)
    return bytes(out)


def wait_console_len(b, n, timeout=10):
    """Wait until the bridge's console side holds n bytes (CRLF as LF)."""
    deadline = time.monotonic() + harness.scaled(timeout)
    while len(b.console.encode()) < n:
        left = deadline - time.monotonic()
        if left <= 0:
            raise harness.WaitTimeout("console side has %d of %d bytes\n%s"
                                      % (len(b.console.encode()), n, b.tail()))
        with b._cond:
            b._cond.wait(min(left, 0.5))


def wait_file(path, text, timeout=10):
    """Wait until the file at path contains text."""
    deadline = time.monotonic() + harness.scaled(timeout)
    while True:
        if path.exists() and text in path.read_text():
            return
        if time.monotonic() > deadline:
            raise harness.WaitTimeout("%r never appeared in %s" % (text, path))
        time.sleep(0.05)


class GdbSocket:
    """A raw RSP client on the bridge's TCP port, collecting what it gets."""

    def __init__(self, where):
        host, port = where.rsplit(":", 1)
        self.s = socket.create_connection((host, int(port)), timeout=10)
        self.got = bytearray()

    def send(self, data):
        self.s.sendall(data)

    def wait_got(self, n, timeout=10):
        deadline = time.monotonic() + harness.scaled(timeout)
        while len(self.got) < n:
            left = deadline - time.monotonic()
            if left <= 0:
                raise harness.WaitTimeout("gdb side got %d of %d bytes: %r"
                                          % (len(self.got), n,
                                             bytes(self.got[-200:])))
            self.s.settimeout(left)
            try:
                d = self.s.recv(65536)
            except socket.timeout:
                continue
            if not d:
                raise harness.WaitTimeout("bridge closed the gdb connection")
            self.got += d
        return bytes(self.got)

    def close(self):
        self.s.close()


def chatter(rng, n):
    """Console text without the bytes that can start RSP ($ % + -)."""
    words = ["heartbeat:", "ticks", "0:123", "user:", "pid=7", "iteration=9",
             "demo:", "CPU", "spinning", "lorem", "ipsum", "[ok]", "(x)"]
    out = []
    while sum(len(w) + 1 for w in out) < n:
        out.append(rng.choice(words))
        if rng.random() < 0.1:
            out.append("\n")
    return " ".join(out).replace(" \n ", "\n").encode() + b"\n"


@pytest.mark.timeout(120)
def test_lossless_both_ways_with_chatty_console(fake, tmp_path):
    """Large packets both ways between bursts of console text, binary
    data with escapes and raw 0x03 inside packets, O packets, a NAK and a
    resend: every byte arrives, in order, on the side it belongs to."""
    rng = random.Random(11)
    f = fake()
    log, trace = tmp_path / "console.log", tmp_path / "rsp.trace"
    b = harness.Bridge(f.path, "--stats", "--log", log, "--trace-rsp", trace,
                       name="lossless").start()
    try:
        g = GdbSocket(b.gdb_target)
        want_console = b""
        want_gdb = b""
        want_line = b""

        def target(data):
            f.write(data)

        def gdb(data):
            nonlocal want_line
            g.send(data)
            want_line += data
            f.wait_got(len(want_line))

        # Console before anything.
        c = chatter(rng, 3000)
        target(c)
        want_console += c
        gdb(b"+")
        for rnd in range(6):
            # gdb writes a large binary block (X), raw 0x03 inside.
            data = bytes(rng.randrange(256) for _ in range(16000)) + b"\x03+-$#"
            gdb(frame(b"X%x,%x:" % (0x100000 * rnd, len(data)) + escape_binary(data)))
            # The target chats, then acks and answers.
            c = chatter(rng, 5000)
            target(c)
            want_console += c
            target(b"+" + frame(b"OK"))
            want_gdb += b"+" + frame(b"OK")
            g.wait_got(len(want_gdb), 20)   # gdb asks on once it has the answer
            gdb(b"+" + frame(b"m%x,8000" % (0x100000 * rnd)))
            # A 64 KiB reply in hex, console text before and after it.
            reply = frame(("%02x" % rng.randrange(256)).encode() * 0x8000)
            if rnd == 2:
                # corrupted once: gdb NAKs, the target resends
                bad = reply[:-2] + (b"00" if reply[-2:] != b"00" else b"11")
                target(b"+" + bad)
                want_gdb += b"+" + bad
                g.wait_got(len(want_gdb), 20)
                gdb(b"-")
                target(reply)
                want_gdb += reply
            else:
                target(b"+" + reply)
                want_gdb += b"+" + reply
            c = chatter(rng, 2000)
            target(c)
            want_console += c
            g.wait_got(len(want_gdb), 20)
            gdb(b"+")
        # Running: console output comes as O packets, for gdb and console.
        gdb(frame(b"c"))
        target(b"+")
        want_gdb += b"+"
        for i in range(20):
            text = b"O packet line %d\n" % i
            pkt = frame(b"O" + text.hex().encode())
            target(pkt)
            want_gdb += pkt
            want_console += text
        gdb(b"\x03")
        target(frame(b"T02thread:01;"))
        want_gdb += frame(b"T02thread:01;")
        g.wait_got(len(want_gdb), 20)
        gdb(b"+")
        # Stopped: the console comes raw again.
        c = chatter(rng, 1000)
        target(c)
        want_console += c

        wait_console_len(b, len(want_console), 20)
        assert g.wait_got(len(want_gdb)) == want_gdb
        assert bytes(f.got) == want_line
        con = b.console.encode()
        assert con == want_console, (len(con), len(want_console))
        g.close()
        b.wait_messages(r"disconnected", 10)
    finally:
        assert b.close() == 0
    assert re.search(r"stats: gdb -> target: %d bytes, 13 packets, 14 acks, 1 naks, "
                     r"1 break-ins, 0 resends" % len(want_line), b.messages), b.messages
    assert re.search(r"stats: target -> gdb: %d bytes, 34 packets, 13 acks, 0 naks, "
                     r"1 resends, 1 bad checksums" % len(want_gdb), b.messages), b.messages
    # (the 20 decoded O lines end in CR LF on the console side: +20 bytes)
    assert re.search(r"stats: console: %d bytes, %d lines \(\d+ bytes from 20 O packets, "
                     r"0 of them not for gdb\)" % (len(want_console) + 20,
                                                   want_console.count(b"\n")),
                     b.messages), b.messages
    # The log: the console, each line stamped.
    lines = log.read_text().splitlines()
    assert len(lines) == want_console.count(b"\n")
    for ln, want in zip(lines, want_console.decode().splitlines()):
        assert re.match(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} ", ln), ln
        assert ln[24:] == want
    # The trace: every packet and ack with a time stamp.
    tr = trace.read_text()
    assert re.search(r"^\s+\d+\.\d{6} gdb> \$X0,3e85:", tr, re.M), tr[:500]
    assert re.search(r"^\s+\d+\.\d{6} <tgt \$OK#9a$", tr, re.M)
    assert re.search(r"^\s+\d+\.\d{6} gdb> \^C break-in$", tr, re.M)
    assert re.search(r"<tgt \$[0-9a-f]+#[0-9a-f]{2}  \[resend\]$", tr, re.M)
    assert re.search(r"<tgt \$O4f[0-9a-f]+#[0-9a-f]{2}  \[console: \"O packet line 0\\x0d\\x0a\"\]",
                     tr), tr[-2000:]


@pytest.mark.timeout(90)
def test_console_port_gdb_pty_break_and_keys(fake, tmp_path):
    f = fake()
    link = tmp_path / "gdb-tty"
    log = tmp_path / "console.log"
    b = harness.Bridge(f.path, "--console-port", "0", "--gdb-pty=%s" % link,
                       "--break", "--log", log, name="console-port").start()
    try:
        # --break: the first byte on the line is the break-in.
        assert f.wait_got(1) == b"\x03"
        cport = int(b.wait_messages(r"console: TCP [\d.]+:(\d+)").group(1))
        pty = b.wait_messages(r"gdb pty: \S+ -> (/dev/pts/\d+)").group(1)
        assert os.readlink(link) == pty

        # Console written before a client connects is kept for it.
        f.write(b"early line\r\n")
        wait_file(log, "early line\n")
        con = socket.create_connection(("127.0.0.1", cport), timeout=10)
        f.write(b"later line\r\n")
        got = b""
        while b"later line\r\n" not in got:
            got += con.recv(4096)
        assert got == b"early line\r\nlater line\r\n"
        # A second console client is turned away.
        con2 = socket.create_connection(("127.0.0.1", cport), timeout=10)
        assert b"refused" in con2.recv(4096)
        con2.close()
        # Keys from the console client reach the line.
        con.sendall(b"ab")
        assert f.wait_got(3) == b"\x03ab"

        # A debugger on the pty: its packets reach the line, replies come
        # back; meanwhile a TCP debugger is refused.
        fd = os.open(str(link), os.O_RDWR | os.O_NOCTTY)
        try:
            os.write(fd, b"+$g#67")
            assert f.wait_got(9) == b"\x03ab+$g#67"
            f.write(b"+$0011#c2")
            got = b""
            while got != b"+$0011#c2":
                got += os.read(fd, 100)
            b.wait_messages(r"debugger attached from /dev/pts/\d+", 10)
            g = GdbSocket(b.gdb_target)
            g.send(b"+$qSupported#37")
            assert b"E.kstub-bridge: refused" in g.wait_got(30)
            g.close()
        finally:
            os.close(fd)
        b.wait_messages(r"closed the pty; the line stays open", 10)
        # Now TCP is free.
        g = GdbSocket(b.gdb_target)
        g.send(b"$?#3f")
        f.wait_got(9 + 5)
        f.write(b"+$S05#b8")
        assert g.wait_got(8) == b"+$S05#b8"
        g.close()

        # The escape key on the console client ends that connection only.
        con.sendall(b"\x1d")
        con.settimeout(10)
        while con.recv(4096):
            pass
        con.close()
        b.wait_messages(r"console client [\d.:]+: escape key", 10)
        assert b.proc.poll() is None
    finally:
        assert b.close() == 0
    assert not link.exists()


@pytest.mark.timeout(60)
def test_terminal_keys_and_escape(fake):
    f = fake()
    b = harness.Bridge(f.path, "--escape", "^A", stdin=subprocess.PIPE,
                       name="keys").start()
    try:
        f.write(b"login: ")
        b.send(b"root\r")
        assert f.wait_got(5) == b"root\r"
        b.send(b"\x1d")             # Ctrl-] is an ordinary key now
        assert f.wait_got(6) == b"root\r\x1d"
        b.send(b"x\x01")            # Ctrl-A quits; x before it is sent
        assert b.wait_exit(10) == 0
        assert f.wait_got(7) == b"root\r\x1dx"
        assert "quit (escape key)" in b.messages
        assert b.console.startswith("login: ")
    finally:
        b.close()


@pytest.mark.timeout(60)
def test_terminal_raw_mode_and_ctrl_bracket(fake):
    """On a terminal: raw mode while it runs, the default escape Ctrl-]
    quits, the terminal's settings come back."""
    f = fake()
    m, s = os.openpty()
    before = termios.tcgetattr(s)
    p = harness._spawn([str(harness.BRIDGE), "--gdb-port", "0", f.path],
                       stdin=s, stdout=s, stderr=s)
    got = b""

    def read_until(what, timeout=10):
        nonlocal got
        deadline = time.monotonic() + harness.scaled(timeout)
        while what not in got:
            left = deadline - time.monotonic()
            assert left > 0, got
            r, _, _ = select.select([m], [], [], left)
            if r:
                got += os.read(m, 4096)

    try:
        read_until(b"console: this terminal (Ctrl-] quits)\r\n")
        read_until(b"gdb: target remote")
        raw = termios.tcgetattr(s)
        assert not raw[3] & (termios.ECHO | termios.ICANON | termios.ISIG)
        f.write(b"console text\r\n")
        read_until(b"console text\r\n")
        os.write(m, b"k\x03\x1d")     # Ctrl-C is a key for the line
        assert p.wait(harness.scaled(10)) == 0
        assert f.wait_got(2) == b"k\x03"
        read_until(b"quit (escape key)")
        after = termios.tcgetattr(s)
        assert after[3] == before[3] and after[0] == before[0], (before, after)
    finally:
        harness._kill(p)
        os.close(m)
        os.close(s)


@pytest.mark.timeout(120)
def test_gdb_through_the_bridge_pty(line):
    """--gdb-pty: gdb opens a device path instead of the TCP port."""
    k, b = line("kstub=ttyS0 kstub.wait", bridge_args=("--gdb-pty",))
    pty = b.wait_messages(r"gdb pty: (/dev/pts/\d+)").group(1)
    b.wait_for(WAITING, 60)
    out = gdb_ok(run_gdb_batch(k.kernel, pty, ["info threads", "detach"],
                               timeout=90))
    assert len(re.findall(r'Thread \d+ "CPU#\d+"', out)) == CPUS, out
    b.wait_messages(r"debugger attached from %s" % pty, 10)
    b.wait_messages(r"closed the pty; the line stays open", 10)
    progress(b)
    # and TCP works after it
    out = gdb_ok(run_gdb_batch(k.kernel, b.gdb_target, ["info threads", "detach"],
                               timeout=90))
    assert len(re.findall(r'Thread \d+ "CPU#\d+"', out)) == CPUS, out
    progress(b)
    check_console(b.console)
