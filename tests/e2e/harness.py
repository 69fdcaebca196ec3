# SPDX-License-Identifier: MIT OR GPL-2.0-only
"""End-to-end harness: boot the reference kernel in QEMU, watch its console,
drive a real gdb.

  Kernel     one QEMU: COM1 is the console on a pipe, COM2 optionally a pty
             for gdb (Kernel.gdb_tty).  wait_for() waits for console output.
  run_gdb_batch()   gdb -batch with a list of commands against a target.
  GdbMI      gdb --interpreter=mi3, command by command.

Every wait has a timeout (scaled by KSTUB_TIMEOUT_SCALE for slow machines);
nothing sleeps to synchronize.  Every process started here is killed on
close(), at interpreter exit, and (PR_SET_PDEATHSIG) if Python itself dies.
"""
import atexit
import ctypes
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
# KSTUB_KERNEL=path tests another kernel image (default build/kernel.elf).
KERNEL_ELF = Path(os.environ.get("KSTUB_KERNEL", REPO / "build" / "kernel.elf"))
LOG_DIR = REPO / "build" / "e2e-logs"

sys.path.insert(0, str(REPO / "tools"))
import qemu_accel  # noqa: E402

TIMEOUT_SCALE = float(os.environ.get("KSTUB_TIMEOUT_SCALE", "1"))
GDB = os.environ.get("GDB", "gdb")


def scaled(seconds):
    return seconds * TIMEOUT_SCALE


class WaitTimeout(AssertionError):
    """A pattern did not show up in time (or the process exited first)."""


# --- process hygiene ------------------------------------------------------

_libc = ctypes.CDLL(None, use_errno=True)
_PR_SET_PDEATHSIG = 1
_live = set()


def _die_with_parent():
    _libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)


def _spawn(argv, **kw):
    """Popen in its own session (a terminal's ^C does not reach it) that
    dies with us."""
    p = subprocess.Popen(argv, start_new_session=True,
                         preexec_fn=_die_with_parent, **kw)
    _live.add(p)
    return p


def _kill(p, grace=0.0):
    if p.poll() is None:
        if grace:
            try:
                p.wait(grace)
            except subprocess.TimeoutExpired:
                pass
        if p.poll() is None:
            p.kill()
    try:
        p.wait(10)
    except subprocess.TimeoutExpired:
        pass
    _live.discard(p)


@atexit.register
def _kill_all():
    for p in list(_live):
        _kill(p)


class _Reader(threading.Thread):
    """Copies one pipe into a bytearray and notifies a shared condition."""

    def __init__(self, pipe, cond):
        super().__init__(daemon=True)
        self.pipe, self.cond = pipe, cond
        self.data = bytearray()
        self.eof = False

    def run(self):
        try:
            while True:
                chunk = os.read(self.pipe.fileno(), 65536)
                if not chunk:
                    break
                with self.cond:
                    self.data += chunk
                    self.cond.notify_all()
        except (OSError, ValueError):
            pass
        with self.cond:
            self.eof = True
            self.cond.notify_all()


def _compile(pattern):
    if isinstance(pattern, re.Pattern):
        return pattern
    return re.compile(pattern, re.MULTILINE)


_PTY_LINE = re.compile(qemu_accel.PTY_RE.pattern + rb"\r?\n")

# How the kernel reports a crash (kernel/panic.c).
CRASH = re.compile(r"^(?:Oops: |Kernel panic on CPU ).*$", re.MULTILINE)


def _tail(text, lines=40):
    return "\n".join(text.splitlines()[-lines:])


# --- the kernel under QEMU ------------------------------------------------

class Kernel:
    """One QEMU running build/kernel.elf.

    cmdline: kernel command line; cpus: -smp; gdb: also create COM2 as a pty
    and publish its path as gdb_tty; extra_args: more QEMU options;
    expect_crash: an Oops or panic on the console is what the test wants
    (otherwise wait_for fails as soon as one appears).
    """

    def __init__(self, cmdline="", cpus=1, gdb=False, memory="256M",
                 extra_args=(), kernel=KERNEL_ELF, name=None,
                 expect_crash=False):
        self.cmdline, self.cpus, self.gdb = cmdline, cpus, gdb
        self.expect_crash = expect_crash
        self.crash_rx = CRASH           # what a crash looks like on the console
        self.kernel = Path(kernel)
        self.name = name
        self.gdb_tty = None
        self.accel = qemu_accel.choose_accel()
        serial = ["-chardev", "stdio,id=con,signal=off", "-serial", "chardev:con"]
        if gdb:
            serial += ["-serial", "pty"]
        self.argv = qemu_accel.qemu_argv(self.kernel, cmdline, cpus, memory,
                                         self.accel, serial,
                                         ["-monitor", "none"] + list(extra_args))
        self.proc = None
        self._cond = threading.Condition()

    # lifecycle
    def start(self, timeout=10):
        if not self.kernel.exists():
            raise FileNotFoundError("%s missing: run `make build/kernel.elf`"
                                    % self.kernel)
        self.proc = _spawn(self.argv, stdin=subprocess.PIPE,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self._out = _Reader(self.proc.stdout, self._cond)
        self._err = _Reader(self.proc.stderr, self._cond)
        self._out.start()
        self._err.start()
        if self.gdb:
            self.gdb_tty = self._wait_pty("serial1", timeout)
        return self

    def close(self):
        if self.proc is None:
            return
        _kill(self.proc)
        for r in (self._out, self._err):
            r.join(5)
        for f in (self.proc.stdin, self.proc.stdout, self.proc.stderr):
            try:
                f.close()
            except OSError:
                pass
        self._write_log()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.close()

    @property
    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    # console
    def _snapshot(self):
        with self._cond:
            return bytes(self._out.data), self._out.eof and self._err.eof

    @staticmethod
    def _decode(raw):
        raw = _PTY_LINE.sub(b"", raw)
        return raw.decode("utf-8", "replace").replace("\r\n", "\n")

    @property
    def console(self):
        """Everything the kernel wrote on COM1 so far (CRLF -> LF), without
        QEMU's own pty announcements."""
        return self._decode(self._snapshot()[0])

    @property
    def stderr(self):
        with self._cond:
            return bytes(self._err.data).decode("utf-8", "replace")

    def tail(self, lines=40):
        return _tail(self.console, lines)

    def wait_for(self, pattern, timeout=10, start=0, partial=False):
        """Wait until `pattern` (a regex, MULTILINE) matches the console at
        or after offset `start`; return the match (match.end() is a good
        `start` for the next wait).

        Only complete lines are searched unless partial=True, so `$` never
        matches half a line ("getpid=1" of "getpid=10").  Raises
        WaitTimeout with the console tail on timeout, when QEMU exits, or
        at once when the kernel crashes (Oops/panic) unless the Kernel was
        created with expect_crash=True."""
        rx = _compile(pattern)
        deadline = time.monotonic() + scaled(timeout)
        while True:
            raw, done = self._snapshot()
            text = self._decode(raw)
            if not partial and not done:
                text = text[:text.rfind("\n") + 1]
            m = rx.search(text, start)
            if m:
                return m
            if done:
                raise WaitTimeout(self._why("QEMU exited (status %s)" %
                                            self.proc.poll(), rx))
            if not self.expect_crash:
                crash = self.crash_rx.search(text, start)
                if crash:
                    raise WaitTimeout(self._why("kernel crashed (%s)" %
                                                crash.group(0), rx))
            left = deadline - time.monotonic()
            if left <= 0:
                raise WaitTimeout(self._why("timed out after %gs" %
                                            scaled(timeout), rx))
            with self._cond:
                if len(self._out.data) == len(raw) and not self._out.eof:
                    self._cond.wait(min(left, 0.5))

    def send(self, data):
        """Write bytes (or str) to COM1."""
        if isinstance(data, str):
            data = data.encode()
        self.proc.stdin.write(data)
        self.proc.stdin.flush()

    def _wait_pty(self, label, timeout):
        deadline = time.monotonic() + scaled(timeout)
        with self._cond:
            while True:
                for r in (self._out, self._err):
                    for m in qemu_accel.PTY_RE.finditer(bytes(r.data)):
                        if m.group(2).decode() == label:
                            return m.group(1).decode()
                left = deadline - time.monotonic()
                if left <= 0 or (self._out.eof and self._err.eof):
                    raise WaitTimeout("QEMU did not announce the %s pty\n"
                                      "stderr: %s" % (label, bytes(self._err.data)))
                self._cond.wait(min(left, 0.5))

    def _why(self, what, rx):
        return ("%s waiting for /%s/ on the console of\n  %s\n"
                "--- console tail ---\n%s\n--- QEMU stderr ---\n%s"
                % (what, rx.pattern, " ".join(self.argv), self.tail(),
                   _tail(self.stderr, 10)))

    def _write_log(self):
        if not self.name:
            return
        try:
            LOG_DIR.mkdir(parents=True, exist_ok=True)
            safe = re.sub(r"[^A-Za-z0-9_.-]+", "_", self.name)
            (LOG_DIR / (safe + ".log")).write_text(
                "$ %s\n%s\n--- QEMU stderr ---\n%s" %
                (" ".join(self.argv), self.console, self.stderr))
        except OSError:
            pass


# --- gdb ------------------------------------------------------------------

def free_udp_port():
    """A UDP port on 127.0.0.1 that nothing is bound to right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def udp_netdev(port):
    """QEMU options: an e1000 on user networking, host 127.0.0.1:port
    forwarded to the guest's port.  Not restrict=on: libslirp's restricted
    mode drops every UDP datagram the guest sends (DHCP and TFTP aside),
    replies to forwarded ports included, so gdb would never hear back
    (test_udp.py::test_restrict_on_drops_the_stubs_replies)."""
    return ["-netdev", "user,id=n0,hostfwd=udp:127.0.0.1:%d-:%d" % (port, port),
            "-device", "e1000,netdev=n0"]


def run_gdb_batch(kernel_elf, tty, commands, timeout=60, setup=()):
    """Run `gdb -batch` against target `tty` (a pty path or host:port) and
    return its stdout+stderr as text.  `setup` commands run before
    `target remote`, `commands` after it.  Raises WaitTimeout (with gdb's
    output so far) if gdb takes longer than `timeout` seconds."""
    argv = [GDB, "-nx", "-batch", "-ex", "set pagination off",
            "-ex", "file %s" % kernel_elf]
    for c in setup:
        argv += ["-ex", c]
    argv += ["-ex", "target remote %s" % tty]
    for c in commands:
        argv += ["-ex", c]
    p = _spawn(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
               stderr=subprocess.STDOUT)
    try:
        out, _ = p.communicate(timeout=scaled(timeout))
    except subprocess.TimeoutExpired:
        _kill(p)
        out = p.stdout.read() if p.stdout else b""
        raise WaitTimeout("gdb timed out after %gs: %s\n--- gdb output ---\n%s"
                          % (scaled(timeout), " ".join(argv),
                             out.decode("utf-8", "replace")))
    finally:
        _live.discard(p)
    return out.decode("utf-8", "replace")


class GdbMI:
    """A gdb driven through GDB/MI (mi3).

        mi = GdbMI()
        mi.command("-target-select remote " + kernel.gdb_tty)
        rec = mi.command("-thread-info")          # -> MIRecord
        mi.command("-exec-continue")
        mi.wait_for(r'^\\*stopped,reason="breakpoint-hit"', timeout=20)
        mi.close()

    command() waits for the ^result record carrying its token and raises
    GdbMIError on ^error (check=False to get it back instead).  wait_for()
    searches the output lines received since the last command was sent.
    """

    def __init__(self, kernel_elf=KERNEL_ELF, timeout=30):
        self.proc = _spawn([GDB, "-nx", "-q", "--interpreter=mi3"],
                           stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT)
        self._cond = threading.Condition()
        self._reader = _Reader(self.proc.stdout, self._cond)
        self._reader.start()
        self._token = 0
        self._mark = 0
        self.timeout = timeout
        self.command("-gdb-set pagination off")
        self.command("-gdb-set confirm off")
        # Accept commands (e.g. -exec-interrupt) while the target runs.
        self.command("-gdb-set mi-async on")
        if kernel_elf:
            self.command("-file-exec-and-symbols %s" % kernel_elf)

    def _snapshot(self):
        """(complete output lines, raw length, gdb gone)."""
        with self._cond:
            raw, eof = bytes(self._reader.data), self._reader.eof
        lines = raw.decode("utf-8", "replace").split("\n")
        if not eof or lines[-1] == "":
            lines.pop()         # an incomplete last line, or the empty tail
        return lines, len(raw), eof

    @property
    def lines(self):
        return self._snapshot()[0]

    @property
    def output(self):
        return "\n".join(self.lines)

    def send(self, cmd):
        """Send one MI (or CLI) command with a fresh token; return the token."""
        self._token += 1
        self._mark = len(self.lines)
        self.proc.stdin.write(b"%d%s\n" % (self._token, cmd.encode()))
        self.proc.stdin.flush()
        return self._token

    def command(self, cmd, timeout=None, check=True):
        """Send cmd and wait for its result record; return it as MIRecord."""
        tok = self.send(cmd)
        m = self.wait_for(r"^%d\^(done|running|connected|error|exit)" % tok,
                          timeout)
        rec = parse_mi_record(m.string)
        if check and rec.cls == "error":
            raise GdbMIError("%s -> %s" % (cmd, m.string))
        return rec

    def wait_for(self, pattern, timeout=None, start=None):
        """Wait for an output line matching `pattern` (re.search per line)
        among the lines from index `start` (default: since the last send).
        Returns the match; m.string is the whole line."""
        rx = _compile(pattern)
        timeout = self.timeout if timeout is None else timeout
        start = self._mark if start is None else start
        deadline = time.monotonic() + scaled(timeout)
        while True:
            lines, n, eof = self._snapshot()
            for line in lines[start:]:
                m = rx.search(line)
                if m:
                    return m
            if eof:
                raise WaitTimeout("gdb exited (status %s) waiting for /%s/\n"
                                  "--- gdb output tail ---\n%s"
                                  % (self.proc.poll(), rx.pattern,
                                     _tail(self.output)))
            left = deadline - time.monotonic()
            if left <= 0:
                raise WaitTimeout("timed out after %gs waiting for /%s/ from "
                                  "gdb\n--- gdb output tail ---\n%s"
                                  % (scaled(timeout), rx.pattern,
                                     _tail(self.output)))
            with self._cond:
                if len(self._reader.data) == n and not self._reader.eof:
                    self._cond.wait(min(left, 0.5))

    def close(self):
        if self.proc.poll() is None:
            try:
                self.proc.stdin.write(b"-gdb-exit\n")
                self.proc.stdin.flush()
            except OSError:
                pass
        _kill(self.proc, grace=3)
        self._reader.join(5)
        for f in (self.proc.stdin, self.proc.stdout):
            try:
                f.close()
            except OSError:
                pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class GdbMIError(AssertionError):
    pass


# --- MI output syntax (GDB manual, "GDB/MI Output Syntax") ----------------

class MIRecord:
    """token, kind ('^' result, '*' exec, '+' status, '=' notify,
    '~' console, '@' target, '&' log), cls (done, stopped, ...) and
    results (a dict; stream records: {'text': ...})."""

    def __init__(self, token, kind, cls, results):
        self.token, self.kind, self.cls, self.results = token, kind, cls, results

    def __getitem__(self, key):
        return self.results[key]

    def get(self, key, default=None):
        return self.results.get(key, default)

    def __repr__(self):
        return "MIRecord(%r, %r, %r, %r)" % (self.token, self.kind, self.cls,
                                             self.results)


_MI_HEAD = re.compile(r"(\d*)([\^*+=~@&])")


def parse_mi_record(line):
    """Parse one MI output line into an MIRecord (ValueError if malformed)."""
    m = _MI_HEAD.match(line)
    if not m:
        raise ValueError("not an MI record: %r" % line)
    token = int(m.group(1)) if m.group(1) else None
    kind, pos = m.group(2), m.end()
    if kind in "~@&":
        text, pos = _mi_cstring(line, pos)
        return MIRecord(token, kind, None, {"text": text})
    end = line.find(",", pos)
    cls = line[pos:] if end < 0 else line[pos:end]
    results = {}
    if end >= 0:
        results, pos = _mi_results(line, end + 1, "")
    return MIRecord(token, kind, cls, results)


def _mi_results(s, pos, close):
    out = {}
    while pos < len(s) and s[pos] != close:
        eq = s.index("=", pos)
        key = s[pos:eq]
        val, pos = _mi_value(s, eq + 1)
        out[key] = val
        if pos < len(s) and s[pos] == ",":
            pos += 1
    return out, pos


def _mi_value(s, pos):
    c = s[pos]
    if c == '"':
        return _mi_cstring(s, pos)
    if c == "{":
        d, pos = _mi_results(s, pos + 1, "}")
        return d, pos + 1
    if c == "[":
        pos += 1
        items = []
        while s[pos] != "]":
            if s[pos] in '"{[':
                v, pos = _mi_value(s, pos)
            else:  # a list of results: keep the values (keys repeat)
                eq = s.index("=", pos)
                v, pos = _mi_value(s, eq + 1)
            items.append(v)
            if s[pos] == ",":
                pos += 1
        return items, pos + 1
    raise ValueError("bad MI value at %d: %r" % (pos, s))


_ESC = {"n": "\n", "t": "\t", '"': '"', "\\": "\\", "r": "\r"}


def _mi_cstring(s, pos):
    assert s[pos] == '"'
    pos += 1
    out = []
    while s[pos] != '"':
        if s[pos] == "\\":
            pos += 1
            if s[pos] in "01234567":
                out.append(chr(int(s[pos:pos + 3], 8)))
                pos += 3
                continue
            out.append(_ESC.get(s[pos], s[pos]))
        else:
            out.append(s[pos])
        pos += 1
    return "".join(out), pos + 1


# --- symbols --------------------------------------------------------------

class ElfSymbols:
    """Text symbols of an ELF from `nm`: an independent check on what the
    kernel's embedded table prints, and addresses for gdb tests."""

    def __init__(self, elf=KERNEL_ELF):
        out = subprocess.run(["nm", "-n", "--defined-only", str(elf)],
                             check=True, stdout=subprocess.PIPE,
                             text=True).stdout
        self.addrs = {}
        self.text = []          # [(addr, name)], sorted by address
        for line in out.splitlines():
            f = line.split()
            if len(f) != 3:
                continue
            addr = int(f[0], 16)
            self.addrs.setdefault(f[2], addr)
            if f[1] in "tT" and not f[2].startswith("."):
                self.text.append((addr, f[2]))

    def addr(self, name):
        return self.addrs[name]

    def lookup(self, addr):
        """(set of names at the closest text symbol <= addr, offset), or
        (set(), None) when addr is below all of them."""
        best = None
        for a, _ in self.text:
            if a > addr:
                break
            best = a
        if best is None:
            return set(), None
        return {n for a, n in self.text if a == best}, addr - best


# --- one serial line: COM1 on a pty, host-tools/kstub-bridge on it ---------

BRIDGE = REPO / "build" / "host" / "kstub-bridge"


class PtyKernel(Kernel):
    """One QEMU whose COM1 is a pty (`tty`), the way a real machine's serial
    port reaches a host tool such as kstub-bridge.  QEMU starts paused
    (-S, monitor on stdio) because it drops what the kernel prints while
    nobody has the pty open: open it, then resume().  The console is read
    through the tool on the pty; this object's own `console` is QEMU's
    monitor."""

    def __init__(self, cmdline="", cpus=1, memory="256M", extra_args=(),
                 kernel=KERNEL_ELF, name=None, expect_crash=False):
        super().__init__(cmdline, cpus, memory=memory, kernel=kernel,
                         name=name, expect_crash=expect_crash)
        self.argv = qemu_accel.qemu_argv(
            self.kernel, cmdline, cpus, memory, self.accel,
            ["-serial", "pty"], ["-S", "-monitor", "stdio"] + list(extra_args))
        self.tty = None

    def start(self, timeout=10):
        super().start(timeout)
        self.tty = self._wait_pty("serial0", timeout)
        return self

    def resume(self):
        """Let the paused CPUs run (the QEMU monitor's `cont`)."""
        self.send("cont\n")

    def cpu_state(self, timeout=10):
        """Where each vCPU is, from the QEMU monitor (`info registers -a`):
        a line per CPU with rip, its kernel symbol and IF.  For the report
        of a test that waited in vain: stuck in the stub, or running?"""
        start = len(self.console)
        self.send("info registers -a\n")
        try:
            self.wait_for(r"(?s)(?:RIP=.*?){%d}\(qemu\)" % self.cpus, timeout,
                          start=start, partial=True)
        except WaitTimeout:
            pass
        syms = ElfSymbols(self.kernel)
        lo, hi = syms.text[0][0], syms.text[-1][0] + 0x10000

        def sym(a):
            names, off = syms.lookup(a)
            return "%s+%#x" % (min(names), off) if names else "?"

        regs = self.console[start:]
        out = []
        for cpu, (rsp, rip, rfl) in enumerate(re.findall(
                r"RSP=([0-9a-f]+).*?RIP=([0-9a-f]+) RFL=([0-9a-f]+)", regs, re.S)):
            out.append("CPU%d rip=%s <%s> IF=%d" % (cpu, rip, sym(int(rip, 16)),
                                                    int(rfl, 16) >> 9 & 1))
            # Text addresses on its stack: a backtrace, give or take.
            at = len(self.console)
            self.send("cpu %d\nx/256gx 0x%s\n" % (cpu, rsp))
            try:
                self.wait_for(r"^%016x:" % (int(rsp, 16) + 0x7f0), timeout,
                              start=at)
            except WaitTimeout:
                continue
            words = [int(w, 16) for w in re.findall(
                r"0x([0-9a-f]{16})", self.console[at:])]
            calls = [sym(w) for w in words if lo <= w < hi]
            out.append("  stack: " + " ".join(calls[:40]))
        return "\n".join(out) or "(no answer from the QEMU monitor)"


class Bridge:
    """build/host/kstub-bridge on `port` with --gdb-port 0 and `args`.

    Its stdout is the console side: `console` (CRLF -> LF) and wait_for()
    work like Kernel's, including failing at once on an Oops or panic.
    `gdb_target` is the host:port it listens on (from its "gdb: target
    remote" line); `messages` is its stderr.  close() ends it (SIGTERM,
    then SIGKILL) and returns the exit status."""

    def __init__(self, port, *args, stdin=subprocess.DEVNULL, name=None,
                 expect_crash=False, binary=BRIDGE):
        self.argv = [str(binary), "--gdb-port", "0"] + [str(a) for a in args] \
            + [str(port)]
        self.stdin_mode = stdin
        self.name = name
        self.expect_crash = expect_crash
        self.cpus, self.cmdline = 0, "kstub-bridge " + str(port)  # reports
        # A function giving more text for the report of a vain wait (the
        # CPUs' state, from the QEMU behind the line).
        self.diagnose = None
        self.gdb_target = None
        self.proc = None
        self._cond = threading.Condition()

    def start(self, timeout=10):
        if not Path(self.argv[0]).exists():
            raise FileNotFoundError("%s missing: run `make host-tools`"
                                    % self.argv[0])
        self.proc = _spawn(self.argv, stdin=self.stdin_mode,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self._out = _Reader(self.proc.stdout, self._cond)
        self._err = _Reader(self.proc.stderr, self._cond)
        self._out.start()
        self._err.start()
        m = self.wait_messages(r"gdb: target remote (\S+)", timeout)
        self.gdb_target = m.group(1)
        return self

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.close()

    @property
    def console(self):
        with self._cond:
            raw = bytes(self._out.data)
        return raw.decode("utf-8", "replace").replace("\r\n", "\n")

    @property
    def messages(self):
        with self._cond:
            return bytes(self._err.data).decode("utf-8", "replace")

    def proc_state(self):
        """Where the bridge process is: running, or blocked in what."""
        pid = self.proc.pid
        try:
            st = Path("/proc/%d/stat" % pid).read_text().split(") ")[1][0]
            wchan = Path("/proc/%d/wchan" % pid).read_text()
            sysc = Path("/proc/%d/syscall" % pid).read_text().split()[0]
        except (OSError, IndexError) as e:
            return "kstub-bridge (pid %d): %s" % (pid, e)
        return "kstub-bridge (pid %d): state %s, wchan %s, syscall %s" % (
            pid, st, wchan or "-", sysc)

    def tail(self, lines=40):
        return _tail(self.console, lines) + "\n--- bridge messages ---\n" + \
            _tail(self.messages, 15)

    def _wait(self, get, rx, timeout, start, complete_lines, what):
        rx = _compile(rx)
        deadline = time.monotonic() + scaled(timeout)
        while True:
            with self._cond:
                done = self._out.eof and self._err.eof
            text = get()
            if complete_lines and not done:
                text = text[:text.rfind("\n") + 1]
            m = rx.search(text, start)
            if m:
                return m
            if what == "console" and not self.expect_crash:
                crash = CRASH.search(text, start)
                if crash:
                    raise WaitTimeout("kernel crashed (%s) waiting for /%s/\n%s"
                                      % (crash.group(0), rx.pattern, self.tail()))
            if done:
                raise WaitTimeout("kstub-bridge exited (status %s) waiting for "
                                  "/%s/ on its %s\n%s" % (self.proc.poll(),
                                                          rx.pattern, what,
                                                          self.tail()))
            left = deadline - time.monotonic()
            if left <= 0:
                more = ""
                if self.diagnose:
                    more = "\n--- diagnosis ---\n" + self.diagnose()
                raise WaitTimeout("timed out after %gs waiting for /%s/ on "
                                  "kstub-bridge's %s\n%s%s" % (scaled(timeout),
                                                               rx.pattern, what,
                                                               self.tail(), more))
            with self._cond:
                self._cond.wait(min(left, 0.5))

    def wait_for(self, pattern, timeout=10, start=0):
        """Wait for `pattern` in complete console lines at or after offset
        `start` of `console`; return the match."""
        return self._wait(lambda: self.console, pattern, timeout, start, True,
                          "console")

    def wait_messages(self, pattern, timeout=10, start=0):
        """Wait for `pattern` in the bridge's stderr."""
        return self._wait(lambda: self.messages, pattern, timeout, start, False,
                          "messages")

    def send(self, data):
        """Write to the bridge's stdin (stdin=subprocess.PIPE): keys for the
        console side."""
        self.proc.stdin.write(data if isinstance(data, bytes) else data.encode())
        self.proc.stdin.flush()

    def wait_exit(self, timeout=10):
        """Wait for the bridge to exit by itself; return its status."""
        try:
            status = self.proc.wait(scaled(timeout))
        except subprocess.TimeoutExpired:
            raise WaitTimeout("kstub-bridge still running after %gs\n%s"
                              % (scaled(timeout), self.tail()))
        for r in (self._out, self._err):    # its last words, too
            r.join(5)
        return status

    def close(self):
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.terminate()
        _kill(self.proc, grace=5)
        for r in (self._out, self._err):
            r.join(5)
        for f in (self.proc.stdin, self.proc.stdout, self.proc.stderr):
            try:
                if f:
                    f.close()
            except OSError:
                pass
        if self.name:
            try:
                LOG_DIR.mkdir(parents=True, exist_ok=True)
                safe = re.sub(r"[^A-Za-z0-9_.-]+", "_", self.name)
                (LOG_DIR / (safe + ".bridge.log")).write_text(
                    "$ %s\n%s\n--- messages ---\n%s" % (" ".join(self.argv),
                                                        self.console,
                                                        self.messages))
            except OSError:
                pass
        return self.proc.returncode
