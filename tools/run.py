#!/usr/bin/python3
"""Boot the kstub reference kernel in QEMU and attach gdb (make run).

Default: the kernel runs with "kstub=ttyS0 kstub.wait", COM1 is a pty.  This
script shows the console on the terminal until the kernel prints
"kstub: ... waiting for gdb", then hands the pty to gdb:

    gdb -q -ex 'file build/kernel.elf' [-x gdb-scripts/kstub.py] \\
        -ex 'target remote /dev/pts/N'

From then on the console arrives in gdb (the stub forwards it as 'O'
packets).  When stdin is not a terminal, a short batch session runs instead
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


def run_gdb(a, accel):
    cmdline = ("kstub=ttyS0 kstub.wait " + a.append).strip()
    argv = qemu_accel.qemu_argv(a.kernel, cmdline, a.cpus, a.memory, accel,
                                ["-serial", "pty"],
                                ["-S", "-monitor", "stdio"])
    banner(accel, a, "kernel command line %r" % cmdline)
    q = Qemu(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
             stderr=subprocess.PIPE)
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
        os.close(fd)
        if not ok and q.proc.poll() is not None:
            die("QEMU exited (status %s)" % q.proc.poll())
        if not ok:
            die("the kernel did not print 'kstub: waiting for gdb' within "
                "%gs (is the stub built in? try --no-gdb)" % a.boot_timeout)
        gdb = [a.gdb, "-q", "-ex", "file %s" % a.kernel]
        if GDB_SCRIPT.exists():
            gdb += ["-x", str(GDB_SCRIPT)]
        gdb += ["-ex", "target remote %s" % pty]
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


def main(argv=None):
    a = parse_args(argv)
    if a.transport == "udp":
        die("UDP transport not implemented yet; use --transport serial "
            "(make run TRANSPORT=serial)", 2)
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
