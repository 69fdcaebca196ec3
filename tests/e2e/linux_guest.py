# SPDX-License-Identifier: MIT OR GPL-2.0-only
"""kstub.ko in Debian's stock kernel, for the e2e tests (issue 15).

  kit(extra=())  build kstub.ko (make linux-module), fetch and unpack the
                 stock kernel (tools/linux_image.py), pack the initramfs
                 (with extra (name, path) files): (vmlinux, initramfs, ko).  Fails with the reason when a
                 package cannot be fetched: never a silent skip.
  LinuxGuest     one QEMU booting that vmlinux (PVH) with 4 CPUs: COM1 the
                 console (a shell the tests type into), COM2 a pty for gdb,
                 optionally an e1000 for UDP.  run() types a command and
                 returns its output.
  attach()       a GdbMI on the guest's link with `kstub symbols` done.
"""
import re
import subprocess
import sys
import uuid

import harness

REPO = harness.REPO
sys.path.insert(0, str(REPO / "tools"))
import linux_image  # noqa: E402

MODULE_DIR = REPO / "build" / "linux-module"
INITRAMFS = MODULE_DIR / "initramfs.cpio.gz"
CPUS = 4
# Linux's own words for a crash, a warning splat or a stuck CPU.
CRASH = re.compile(r"^(?:\[[ \d.]+\] )?(?:BUG: |Oops: |int3: \d|general protection|"
                   r"Kernel panic|WARNING: CPU|watchdog: BUG|rcu: INFO: .*stall).*$",
                   re.MULTILINE)

_kit = None


def kit(extra=()):
    global _kit
    if _kit:
        return _kit
    try:
        vmlinux, _config, release = linux_image.kernel()
    except linux_image.Unavailable as e:
        raise AssertionError("Debian's kernel image is not available: %s" % e)
    headers = linux_image.headers_dir(release)
    if not (headers / "Makefile").is_file():
        raise AssertionError("no headers for %s at %s: apt-get install "
                             "linux-headers-%s (mk/deps.sh installs "
                             "linux-headers-amd64)" % (release, headers, release))
    r = subprocess.run(["make", "--no-print-directory", "linux-module",
                        "LINUX_KVER=" + release], cwd=REPO, timeout=600,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if r.returncode:
        raise AssertionError("make linux-module failed:\n" + r.stdout[-3000:])
    ko = MODULE_DIR / "kstub.ko"
    # Extras (the benchmark's workload) get an initramfs of their own.
    out = INITRAMFS if not extra else MODULE_DIR / "initramfs-extra.cpio.gz"
    initrd = linux_image.initramfs(ko, out,
                                   extra=[("ktarget.ko", MODULE_DIR / "ktarget.ko")]
                                   + list(extra))
    _kit = (vmlinux, initrd, ko)
    return _kit


class LinuxGuest(harness.Kernel):
    """transport: "serial" (kstub=ttyS1, gdb on the COM2 pty), "udp"
    (an e1000 on QEMU user networking, kstub=udp:10.0.2.15:PORT, gdb on
    udp:127.0.0.1:PORT) or "qemu" (no kstub.ko: QEMU's own gdbstub on a
    TCP port, the benchmarks' peer).  `args` are kstub.ko's arguments at
    boot, `where` is gdb's target."""

    def __init__(self, transport="serial", name=None, expect_crash=False,
                 cmdline=""):
        vmlinux, initrd, _ = kit()
        extra = ["-initrd", str(initrd)]
        self.transport = transport
        if transport == "qemu":
            port = harness.free_udp_port()     # free for TCP as well, in practice
            extra += ["-gdb", "tcp:127.0.0.1:%d" % port, "-nic", "none"]
            args = ""
            self.where = "127.0.0.1:%d" % port
        elif transport == "udp":
            port = harness.free_udp_port()
            extra += harness.udp_netdev(port)
            args = "kstub=udp:10.0.2.15:%d" % port
            self.where = "udp:127.0.0.1:%d" % port
        else:
            args = "kstub=ttyS1"
            self.where = None       # the pty, once QEMU announced it
            extra += ["-nic", "none"]   # not QEMU's default e1000
        # tsc=reliable: the TSC clocksource, as on current hardware (QEMU's
        # TSC looks unsynchronized to Linux, which then picks HPET and loses
        # the time of a long stop instead of seeing it).
        cl = "console=ttyS0 nokaslr tsc=reliable panic=-1 kg.args=%s %s" % (
            args.replace(",", "+").replace(" ", ","), cmdline)
        super().__init__(cl.strip(), CPUS, gdb=True, memory="512M",
                         extra_args=extra, kernel=vmlinux, name=name,
                         expect_crash=expect_crash)
        self.crash_rx = CRASH
        self.args = args

    def start(self, timeout=10):
        super().start(timeout)
        if self.where is None:
            self.where = self.gdb_tty
        m = self.wait_for(r"^kstub-guest: insmod rc=(\d+)$|^kstub-guest: ready$", 120)
        if self.args and m.group(1) != "0":
            raise AssertionError("insmod kstub.ko %s failed (rc %s):\n%s"
                                 % (self.args, m.group(1), self.tail()))
        self.wait_for(r"^kstub-guest: ready$", 60)
        return self

    def run(self, cmd, timeout=60):
        """Type a shell command on the console; its output (without the
        echo), once it finished."""
        tag = uuid.uuid4().hex[:8]
        start = len(self.console)
        self.send("%s; echo done-$?-%s\n" % (cmd, tag))
        m = self.wait_for(r"^done-(\d+)-%s$" % tag, timeout, start=start)
        out = self.console[start:m.start()]
        # Drop the echoed command line(s).
        out = out.split("\n", 1)[1] if "\n" in out else ""
        return int(m.group(1)), out


def attach(guest, timeout=60):
    """A GdbMI attached to the guest over its pty, kstub.py and the
    kernel's symbols loaded."""
    mi = harness.GdbMI(kernel_elf=None, timeout=timeout)
    try:
        mi.command("-gdb-set architecture i386:x86-64")
        mi.command("-target-select remote %s" % guest.where, timeout=60)
        mi.command('-interpreter-exec console "source %s"'
                   % (REPO / "gdb-scripts" / "kstub.py"))
        mi.command('-interpreter-exec console "kstub symbols"', timeout=240)
    except BaseException:
        mi.close()
        raise
    return mi


def _unquote(s):
    return bytes(s, "utf-8").decode("unicode_escape").encode("latin-1").decode("utf-8", "replace")


def cli(mi, cmd, timeout=60, check=True):
    """A CLI command through MI; the text it printed (console, log and
    target records: the stub's `O` output), and with check=False the error
    message.  Raises GdbMIError on ^error when check."""
    mark = len(mi.lines)
    rec = mi.command('-interpreter-exec console "%s"' % cmd.replace('"', '\\"'),
                     timeout=timeout, check=check)
    out = []
    for line in mi.lines[mark:]:
        if line[:2] in ('~"', '&"', '@"') and line.endswith('"'):
            out.append(_unquote(line[2:-1]))
    if rec.cls == "error":
        out.append("error: %s" % rec.get("msg", ""))
    return "".join(out)
