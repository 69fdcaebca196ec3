#!/usr/bin/python3
# SPDX-License-Identifier: MIT OR GPL-2.0-only
"""Boot the kstub reference kernel in QEMU and attach gdb (make run).

Serial (default): the kernel runs with "kstub=ttyS0 kstub.wait", COM1 is a
pty.  This script shows the console on the terminal until the kernel prints
"kstub: ... waiting for gdb", then hands the pty to gdb:

    gdb -q -ex 'file build/kernel.elf' [-x gdb-scripts/kstub.py] \\
        -ex 'target remote /dev/pts/N'

From then on the console arrives in gdb (the stub forwards it as 'O'
packets).

UDP (--transport udp): the kernel runs with "kstub=udp:10.0.2.15:PORT
kstub.wait" on an e1000 behind QEMU user networking, host 127.0.0.1:PORT
forwarded to the guest's PORT; gdb runs `target remote udp:127.0.0.1:PORT`.
The console stays on COM1 (a pty) and this script keeps copying it to the
terminal.  No restrict=on: libslirp's restricted mode drops every UDP
datagram the guest sends (its udp_input lets only DHCP and TFTP through),
the stub's replies included; the forward binds 127.0.0.1 only.  When stdin is not a terminal, a short batch session runs instead
(info threads, bt, info registers rip, detach) and the script exits.
QEMU is always killed at the end.

--no-gdb: just the kernel, console and QEMU monitor on the terminal
(Ctrl-A X quits, Ctrl-A C switches to the monitor).

Accelerator: KVM only with a usable /dev/kvm and vmx/svm, else TCG;
QEMU_ACCEL=kvm|tcg overrides (tools/qemu_accel.py).
"""
import argparse
import os
import re
import select
import shlex
import signal
import socket
import subprocess
import sys
import threading
import time
import tty
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tools"))
import qemu_accel  # noqa: E402

KERNEL = REPO / "build" / "kernel.elf"
GDB_SCRIPT = REPO / "gdb-scripts" / "kstub.py"
WAITING = re.compile(rb"kstub: [^\n]*waiting for gdb")
BATCH = ["info threads", "bt", "info registers rip", "detach"]


def die(msg, code=1):
    print("run.py: " + msg, file=sys.stderr)
    sys.exit(code)


def parse_args(argv):
    p = argparse.ArgumentParser(
        prog="run.py", description=__doc__.split("\n\n")[0],
        epilog="Examples:  make run   |   make run CPUS=2   |   "
               "make run RUN_ARGS='--no-gdb --append heartbeat=1'")
    p.add_argument("--transport", choices=("serial", "udp"), default="serial",
                   help="how gdb reaches the stub (default: serial)")
    p.add_argument("--port", type=int, default=0, metavar="N",
                   help="UDP port, the same on host and guest (default: "
                        "1234, or a free one if 1234 is taken)")
    p.add_argument("--cpus", type=int, default=4, metavar="N",
                   help="number of CPUs, 1-16 (default: 4)")
    p.add_argument("--no-gdb", action="store_true",
                   help="boot without the stub: console and QEMU monitor on "
                        "the terminal")
    p.add_argument("--append", default="", metavar="ARGS",
                   help="more kernel command-line options, e.g. 'heartbeat=1'")
    p.add_argument("--kernel", default=str(KERNEL), metavar="ELF",
                   help="kernel image (default: build/kernel.elf)")
    p.add_argument("--memory", default="256M", help="guest RAM (default 256M)")
    p.add_argument("--timeout", type=float, default=0, metavar="SECS",
                   help="kill QEMU after SECS seconds (0: never; for scripts)")
    p.add_argument("--boot-timeout", type=float, default=60, metavar="SECS",
                   help="how long to wait for 'kstub: waiting for gdb' "
                        "(default 60)")
    p.add_argument("--gdb", default=os.environ.get("GDB", "gdb"),
                   help="gdb binary (default: $GDB or gdb)")
    a = p.parse_args(argv)
    if not 1 <= a.cpus <= 16:
        p.error("--cpus must be between 1 and 16")
    if not 0 <= a.port <= 65535:
        p.error("--port must be between 1 and 65535")
    if a.port and a.transport != "udp":
        p.error("--port is for --transport udp")
    return a


class Qemu:
    """QEMU in its own session (so ^C in gdb does not kill it); its stdout
    and stderr are collected so the pty announcement can be read."""

    def __init__(self, argv, **kw):
        self.argv = argv
        self.proc = subprocess.Popen(argv, start_new_session=True, **kw)
        self.out = bytearray()
        self.cond = threading.Condition()
        self.readers = []
        for pipe in (self.proc.stdout, self.proc.stderr):
            if pipe:
                t = threading.Thread(target=self._read, args=(pipe,),
                                     daemon=True)
                t.start()
                self.readers.append(t)

    def _read(self, pipe):
        for chunk in iter(lambda: os.read(pipe.fileno(), 4096), b""):
            with self.cond:
                self.out += chunk
                self.cond.notify_all()
        with self.cond:
            self.cond.notify_all()

    def wait_pty(self, label, timeout):
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                for m in qemu_accel.PTY_RE.finditer(bytes(self.out)):
                    if m.group(2).decode() == label:
                        return m.group(1).decode()
                left = deadline - time.monotonic()
                if left <= 0 or self.proc.poll() is not None:
                    return None
                self.cond.wait(min(left, 0.2))

    def monitor(self, cmd):
        try:
            self.proc.stdin.write(cmd.encode() + b"\n")
            self.proc.stdin.flush()
        except (OSError, ValueError):
            pass

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            pass


def banner(accel, a, what):
    print("run.py: QEMU (%s) -smp %d, %s" % (accel, a.cpus, what),
          file=sys.stderr, flush=True)


def run_no_gdb(a, accel):
    argv = qemu_accel.qemu_argv(a.kernel, a.append.strip(), a.cpus, a.memory,
                                accel, ["-serial", "mon:stdio"])
    banner(accel, a, "console below; Ctrl-A X quits, Ctrl-A C: monitor")
    p = subprocess.Popen(argv)
    try:
        p.wait(a.timeout or None)
    except subprocess.TimeoutExpired:
        print("\nrun.py: --timeout %gs reached, stopping QEMU" % a.timeout,
              file=sys.stderr)
    except KeyboardInterrupt:
        pass
    finally:
        if p.poll() is None:
            p.kill()
        p.wait()
        if sys.stdin.isatty():   # QEMU may leave the terminal raw
            subprocess.run(["stty", "sane"], check=False)
    return 0


def echo_until_waiting(fd, q, timeout):
    """Copy the console from the pty to stdout until the stub says it
    waits for gdb.  True when it did, False on timeout or QEMU exit."""
    seen = b""
    deadline = time.monotonic() + timeout
    while True:
        left = deadline - time.monotonic()
        if left <= 0 or q.proc.poll() is not None:
            return bool(WAITING.search(seen)) and q.proc.poll() is None
        r, _, _ = select.select([fd], [], [], min(left, 0.5))
        if not r:
            continue
        try:
            data = os.read(fd, 4096)
        except OSError:
            return False
        sys.stdout.buffer.write(data.replace(b"\r\n", b"\n"))
        sys.stdout.buffer.flush()
        seen = (seen + data)[-4096:]
        m = WAITING.search(seen)
        if m and b"\n" in seen[m.end():]:
            # The stub now owns this line and waits for gdb to speak first.
            return True
        if m:   # let the rest of that line arrive (it is short)
            deadline = min(deadline, time.monotonic() + 2)


def udp_port(wanted):
    """wanted, or 1234 (the kernel's default) if free on 127.0.0.1, or any
    free port."""
    for port in ([wanted] if wanted else [1234, 0]):
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError as e:
                if wanted:
                    die("UDP port %d on 127.0.0.1: %s" % (port, e.strerror), 2)
                continue
            return s.getsockname()[1]
    die("no free UDP port on 127.0.0.1")


def copy_console(fd, stop):
    """The console after gdb attached over UDP: COM1 is still ours."""
    while not stop.is_set():
        try:
            r, _, _ = select.select([fd], [], [], 0.2)
            data = os.read(fd, 4096) if r else b""
        except OSError:
            return
        if data:
            sys.stdout.buffer.write(data.replace(b"\r\n", b"\n"))
            sys.stdout.buffer.flush()


def run_gdb(a, accel):
    extra = ["-S", "-monitor", "stdio"]
    if a.transport == "udp":
        port = udp_port(a.port)
        link = "udp:10.0.2.15:%d" % port
        target = "udp:127.0.0.1:%d" % port
        extra += ["-netdev", "user,id=n0,hostfwd=udp:127.0.0.1:%d-:%d"
                  % (port, port), "-device", "e1000,netdev=n0"]
    else:
        link, target = "ttyS0", None
    cmdline = ("kstub=%s kstub.wait %s" % (link, a.append)).strip()
    argv = qemu_accel.qemu_argv(a.kernel, cmdline, a.cpus, a.memory, accel,
                                ["-serial", "pty"], extra)
    banner(accel, a, "kernel command line %r" % cmdline)
    q = Qemu(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
             stderr=subprocess.PIPE)
    stop = threading.Event()
    console = None
    try:
        pty = q.wait_pty("serial0", 10)
        if not pty:
            die("QEMU did not create the COM1 pty:\n  %s\n%s"
                % (shlex.join(argv), q.out.decode("utf-8", "replace")))
        # Open the pty before the CPUs start (-S): no console byte is lost.
        fd = os.open(pty, os.O_RDWR | os.O_NOCTTY)
        tty.setraw(fd)
        q.monitor("cont")
        ok = echo_until_waiting(fd, q, a.boot_timeout)
        if target and ok:
            console = threading.Thread(target=copy_console, args=(fd, stop),
                                       daemon=True)
            console.start()
        else:
            os.close(fd)
        if not ok and q.proc.poll() is not None:
            die("QEMU exited (status %s)" % q.proc.poll())
        if not ok:
            die("the kernel did not print 'kstub: waiting for gdb' within "
                "%gs (is the stub built in? try --no-gdb)" % a.boot_timeout)
        gdb = [a.gdb, "-q", "-ex", "file %s" % a.kernel]
        if GDB_SCRIPT.exists():
            gdb += ["-x", str(GDB_SCRIPT)]
        gdb += ["-ex", "target remote %s" % (target or pty)]
        if sys.stdin.isatty():
            print("run.py: %s" % shlex.join(gdb), file=sys.stderr, flush=True)
            # ^C belongs to gdb (break-in); this script just waits.
            old = signal.signal(signal.SIGINT, signal.SIG_IGN)
            try:
                return subprocess.call(gdb, preexec_fn=lambda: signal.signal(
                    signal.SIGINT, signal.SIG_DFL))
            finally:
                signal.signal(signal.SIGINT, old)
        # Not a terminal: a short scripted session.
        batch = [gdb[0], "-nx", "-batch", "-ex", "set pagination off"] + gdb[2:]
        for c in BATCH:
            batch += ["-ex", c]
        print("run.py: %s" % shlex.join(batch), file=sys.stderr, flush=True)
        try:
            return subprocess.run(batch, stdin=subprocess.DEVNULL,
                                  timeout=a.timeout or 120).returncode
        except subprocess.TimeoutExpired:
            die("gdb did not finish in %gs" % (a.timeout or 120))
    finally:
        q.monitor("quit")
        q.kill()
        if console:
            stop.set()
            console.join(2)
            os.close(fd)


def main(argv=None):
    a = parse_args(argv)
    if not Path(a.kernel).exists():
        die("%s not found: run `make build/kernel.elf` first" % a.kernel)
    try:
        accel = qemu_accel.choose_accel()
    except ValueError as e:
        die(str(e), 2)
    if a.no_gdb:
        return run_no_gdb(a, accel)
    return run_gdb(a, accel)


if __name__ == "__main__":
    sys.exit(main())
