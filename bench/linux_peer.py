#!/usr/bin/python3
# SPDX-License-Identifier: MIT OR GPL-2.0-only
"""The Linux peer of the hook and LTT benchmarks (issue 13), measured live.

Debian's stock kernel, booted under the same QEMU, accelerator, -smp (4)
and memory as the kstub benchmarks (tests/e2e/harness.py, tools/
qemu_accel.py), with a small initramfs: busybox-static, bench/linux/init.sh
as /init and bench/linux/probe_bench.c built with gcc -static.  The guest
times getppid() system calls (best of several rounds, pinned to CPU 0) and
prints, each beside a bare-call baseline timed just before it:

  base           the bare system call
  event_on       ftrace event raw_syscalls:sys_enter enabled, tracing on
  event_off      the same event enabled, tracing off (tracing_on = 0)
  kprobe_ftrace  a kprobe event at __x64_sys_getppid+0 riding the ftrace
                 call site (KPROBES_ON_FTRACE; the list shows [FTRACE])
  kprobe_opt     a kprobe event inside __x64_sys_getppid that the kernel
                 jump-optimizes (the first offset it optimizes; [OPTIMIZED])
  kprobe_int3    the same spot with kprobes-optimization = 0: a plain int3

The kprobe cases run with tracing off: the handler runs and the ring
buffer refuses the record, so they time the probe mechanism itself.

The package: `apt-cache depends linux-image-amd64` names the
linux-image-6.1.0-N-amd64 package; `apt-get download` fetches it into
build/linux-peer/ (`apt-get update` first only when the lists are missing),
`dpkg-deb -x` extracts it and vmlinuz and its config are kept under
build/linux-peer/<package>/; later runs re-use them.  Without network, a
cached kernel is used; without one either, the peer is unavailable and
Peer.reason says why, so the benchmarks still print kstub's columns.

Run alone, it prints the Linux figures (never fails on a timing):
  /usr/bin/python3 bench/linux_peer.py [--rounds N] [--cases all|event|kprobe]
"""
import argparse
import gzip
import os
import re
import shutil
import struct
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "e2e"))
sys.path.insert(0, str(REPO / "tools"))
sys.path.insert(0, str(REPO / "bench"))
from benchlib import fmt_stat, table  # noqa: E402

CACHE = REPO / "build" / "linux-peer"
SRC = REPO / "bench" / "linux"
META_PACKAGE = "linux-image-amd64"
CPUS = 4                # as the kstub benchmarks
MEMORY = "256M"         # harness.Kernel's default, as the kstub benchmarks
BOOT_TIMEOUT = 600      # seconds for one boot and all its measurements
STALL_TIMEOUT = 150     # seconds without a new result line: the guest hung
                        # (seen: a soft lockup of the guest's init under TCG)

CASES = {
    "base": "bare getppid() system call",
    "event_on": "ftrace raw_syscalls:sys_enter, tracing on",
    "event_off": "ftrace raw_syscalls:sys_enter, tracing off",
    "kprobe_ftrace": "kprobe at function entry (on ftrace)",
    "kprobe_opt": "optimized (jump) kprobe",
    "kprobe_int3": "int3 kprobe",
}


class Unavailable(Exception):
    """The peer cannot be fetched, built or booted; str() is the reason."""


# --- pure parts (tests/unit/test_linux_peer.py) -----------------------------

_PKG_RE = re.compile(r"\b(linux-image-(\d+)\.(\d+)\.(\d+)-(\d+)-amd64)\b(?!-)")


def select_package(apt_output):
    """The kernel image package named in `apt-cache depends` (or `apt-cache
    show`) output for linux-image-amd64: linux-image-X.Y.Z-N-amd64, the
    highest version when several are listed; None when there is none.
    Only Depends lines count (not Recommends, Suggests, Breaks...)."""
    best = None
    for line in apt_output.splitlines():
        m = re.match(r"\s*\|?(Pre)?Depends:\s*(.*)$", line)
        if not m:
            continue
        for p in _PKG_RE.finditer(m.group(2)):
            key = tuple(int(x) for x in p.group(2, 3, 4, 5))
            if best is None or key > best[0]:
                best = (key, p.group(1))
    return best[1] if best else None


_LINE_RE = re.compile(r"^linux-peer: (.*?)\s*$", re.M)


def parse_output(text):
    """The guest's "linux-peer: ..." console lines as a dict:
      kernel, cpus, calls, reps   (the header line; strings)
      function, size              (the probed function; strings)
      cases    {name: {"ns", "base_ns", "added", and for probes "probe",
                "flags", "hits"}}
      skipped  {name: reason}
      done     True once the guest finished
    Lines that do not parse are ignored (a kernel message may cut one)."""
    res = {"cases": {}, "skipped": {}, "done": False}
    for m in _LINE_RE.finditer(text):
        body = m.group(1)
        if body == "done":
            res["done"] = True
            continue
        s = re.match(r"skip case=(\w+) reason=(.*)$", body)
        if s:
            res["skipped"][s.group(1)] = s.group(2)
            continue
        kv = dict(re.findall(r"(\w+)=(\S+)", body))
        if "case" in kv:
            try:
                ns, base = float(kv["ns"]), float(kv["base_ns"])
            except (KeyError, ValueError):
                continue
            c = {"ns": ns, "base_ns": base, "added": ns - base}
            for k in ("probe", "flags"):
                if k in kv:
                    c[k] = kv[k]
            if kv.get("hits", "").isdigit():
                c["hits"] = int(kv["hits"])
            res["cases"][kv["case"]] = c
        else:
            for k in ("kernel", "cpus", "calls", "reps", "function", "size"):
                if k in kv:
                    res[k] = kv[k]
    return res


def elf_is_static(data):
    """True for an x86-64 ELF executable without a program interpreter
    (PT_INTERP), i.e. one that runs in an initramfs without ld.so."""
    if len(data) < 64 or data[:4] != b"\x7fELF" or data[4] != 2:
        return False
    phoff, = struct.unpack_from("<Q", data, 0x20)
    phentsize, phnum = struct.unpack_from("<HH", data, 0x36)
    for i in range(phnum):
        off = phoff + i * phentsize
        if off + 4 > len(data):
            return False
        if struct.unpack_from("<I", data, off)[0] == 3:     # PT_INTERP
            return False
    return True


def cpio_newc(entries):
    """A cpio archive (newc format, as the kernel unpacks initramfs) of
    entries (name, mode, data[, (rdev_major, rdev_minor)]) in order:
    directories before what they contain."""
    out = bytearray()

    def add(ino, name, mode, data, rdev=(0, 0)):
        nameb = name.encode() + b"\0"
        fields = (ino, mode, 0, 0, 1, 0, len(data), 0, 0, rdev[0], rdev[1],
                  len(nameb), 0)
        out.extend(b"070701" + b"".join(b"%08X" % f for f in fields))
        out.extend(nameb)
        out.extend(b"\0" * (-len(out) % 4))
        out.extend(data)
        out.extend(b"\0" * (-len(out) % 4))

    for ino, e in enumerate(entries, 1):
        add(ino, e[0], e[1], e[2], e[3] if len(e) > 3 else (0, 0))
    add(0, "TRAILER!!!", 0, b"")
    return bytes(out)


# --- fetching and building ---------------------------------------------------

def _run(argv, timeout, cwd=None, env=None):
    """Run a command (killed after timeout seconds); Unavailable naming the
    command when it cannot start, times out or fails."""
    cmd = " ".join(str(a) for a in argv)
    try:
        r = subprocess.run([str(a) for a in argv], cwd=cwd, env=env,
                           timeout=timeout, stdin=subprocess.DEVNULL,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           text=True)
    except FileNotFoundError:
        raise Unavailable("`%s`: %s not installed" % (cmd, argv[0]))
    except subprocess.TimeoutExpired:
        raise Unavailable("`%s` timed out after %ds" % (cmd, timeout))
    if r.returncode:
        lines = r.stdout.strip().splitlines() or [""]
        tail = next((l for l in lines if l.startswith("E:")), lines[-1])
        raise Unavailable("`%s` failed (exit %d): %s" % (cmd, r.returncode, tail))
    return r.stdout


def _is_root():
    return os.geteuid() == 0


def _after_update(argv, timeout, first, log, **kw):
    """Run argv again after `apt-get update` (missing or stale package
    lists); on failure the reason names the first error too."""
    if not _is_root():
        raise Unavailable("%s; apt-get update needs root (run as root, or "
                          "put the package in %s by hand)" % (first, CACHE))
    log("linux peer: %s; apt-get update" % first)
    try:
        _run(["apt-get", "update", "-qq"], 600)
        return _run(argv, timeout, **kw)
    except Unavailable as e:
        raise Unavailable("%s; then %s" % (first, e))


def package_name(log):
    """The linux-image-6.1.0-N-amd64 that linux-image-amd64 depends on."""
    argv = ["apt-cache", "depends", META_PACKAGE]
    try:
        out = _run(argv, 120)
    except Unavailable as e:
        if "not installed" in str(e):
            raise
        out = _after_update(argv, 120, e, log)     # no package lists yet
    name = select_package(out)
    if not name:
        raise Unavailable("`apt-cache depends %s` names no linux-image-X.Y.Z-N-amd64"
                          % META_PACKAGE)
    return name


def _cached_kernels():
    return sorted((d for d in CACHE.glob("linux-image-*-amd64")
                   if (d / "vmlinuz").is_file()),
                  key=lambda d: d.stat().st_mtime)


def fetch_kernel(log=print):
    """(vmlinuz, config) of Debian's stock kernel, from the cache under
    build/linux-peer/ or fetched with apt-get download."""
    CACHE.mkdir(parents=True, exist_ok=True)
    try:
        name = package_name(log)
    except Unavailable as e:
        cached = _cached_kernels()
        if not cached:
            raise
        log("linux peer: %s; using the cached %s" % (e, cached[-1].name))
        name = cached[-1].name
    kdir = CACHE / name
    vmlinuz, config = kdir / "vmlinuz", kdir / "config"
    if vmlinuz.is_file():
        log("linux peer: %s (cached in %s)" % (name, kdir.relative_to(REPO)))
        return vmlinuz, config
    debs = sorted(CACHE.glob(name + "_*_amd64.deb"))
    if not debs:
        log("linux peer: apt-get download %s" % name)
        argv = ["apt-get", "download", "-q", name]
        try:
            _run(argv, 900, cwd=CACHE)
        except Unavailable as e:
            if "not installed" in str(e) or "timed out" in str(e):
                raise
            # Stale lists: the file moved on the mirror.
            _after_update(argv, 900, e, log, cwd=CACHE)
        debs = sorted(CACHE.glob(name + "_*_amd64.deb"))
        if not debs:
            raise Unavailable("`apt-get download %s` left no .deb in %s"
                              % (name, CACHE))
    log("linux peer: dpkg-deb -x %s" % debs[-1].name)
    tmp = CACHE / "extract.tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    try:
        _run(["dpkg-deb", "-x", debs[-1], tmp], 600)
        boot = tmp / "boot"
        vm = sorted(boot.glob("vmlinuz-*"))
        cf = sorted(boot.glob("config-*"))
        if not vm:
            raise Unavailable("%s has no boot/vmlinuz-*" % debs[-1])
        kdir.mkdir(exist_ok=True)
        if cf:
            shutil.copyfile(cf[0], config)
        shutil.copyfile(vm[0], str(vmlinuz) + ".tmp")
        os.replace(str(vmlinuz) + ".tmp", vmlinuz)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)     # the modules: ~400 MB
    return vmlinuz, config


def check_config(config):
    """Reasons some cases cannot work with this kernel config (a list)."""
    try:
        text = config.read_text()
    except OSError:
        return []
    need = ["KPROBES", "KPROBE_EVENTS", "OPTPROBES", "KPROBES_ON_FTRACE",
            "FTRACE_SYSCALLS", "DEBUG_FS", "BLK_DEV_INITRD", "RD_GZIP",
            "SERIAL_8250_CONSOLE"]
    return ["CONFIG_%s is not set in %s" % (n, config) for n in need
            if not re.search(r"^CONFIG_%s=y$" % n, text, re.M)]


def find_busybox(log=print):
    """A statically linked busybox; installs busybox-static (root) if none."""
    cands = ["/bin/busybox", "/usr/bin/busybox"]

    def look():
        for p in cands:
            try:
                with open(p, "rb") as f:
                    if elf_is_static(f.read()):
                        return Path(p)
            except OSError:
                pass
        return None
    bb = look()
    if bb:
        return bb
    if not _is_root():
        raise Unavailable("no static busybox at /bin/busybox: apt-get install "
                          "busybox-static (mk/deps.sh lists it)")
    log("linux peer: apt-get install busybox-static")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    argv = ["apt-get", "install", "-y", "-qq", "--no-install-recommends",
            "busybox-static"]
    try:
        _run(argv, 600, env=env)
    except Unavailable as e:
        _after_update(argv, 600, e, log, env=env)
    bb = look()
    if not bb:
        raise Unavailable("busybox-static installed but /bin/busybox is not static")
    return bb


def build_probe(log=print):
    src, exe = SRC / "probe_bench.c", CACHE / "probe_bench"
    if exe.is_file() and exe.stat().st_mtime >= src.stat().st_mtime:
        return exe
    log("linux peer: gcc -static %s" % src.relative_to(REPO))
    CACHE.mkdir(parents=True, exist_ok=True)
    _run(["gcc", "-static", "-O2", "-Wall", "-Wextra", "-o", exe, src], 300)
    return exe


def busybox_initramfs(out, init, files, log=print, level=6):
    """A gzip'd newc cpio at `out`: the usual directories and device
    nodes, busybox-static as /bin/busybox, `init` as /init, and `files`
    [(name in the archive, path)] (executable when the file is).  Kept
    when newer than all of its inputs (and the caller's source, which
    decides what goes in)."""
    bb = find_busybox(log)
    out = Path(out)
    inputs = [bb, Path(init), Path(__file__)] + [Path(p) for _, p in files]
    if out.is_file() and all(out.stat().st_mtime >= p.stat().st_mtime
                             for p in inputs):
        return out
    d, x = 0o40755, 0o100755
    entries = [(n, d, b"") for n in ("bin", "sbin", "usr", "usr/bin", "usr/sbin",
                                      "dev", "proc", "sys", "tmp", "root")]
    entries += [("dev/console", 0o20600, b"", (5, 1)),
                ("dev/null", 0o20666, b"", (1, 3)),
                ("bin/busybox", x, bb.read_bytes()),
                ("init", x, Path(init).read_bytes())]
    entries += [(name, x if os.access(p, os.X_OK) else 0o100644,
                 Path(p).read_bytes()) for name, p in files]
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".tmp")
    tmp.write_bytes(gzip.compress(cpio_newc(entries), level))
    os.replace(tmp, out)
    return out


def build_initramfs(log=print):
    """build/linux-peer/initramfs.cpio.gz: busybox, /init, /probe_bench."""
    probe = build_probe(log)
    return busybox_initramfs(CACHE / "initramfs.cpio.gz", SRC / "init.sh",
                             [("probe_bench", probe)], log)


# --- the peer ----------------------------------------------------------------

def _cases_for(which):
    if which == "event":
        return ["base", "event_on", "event_off"]
    if which == "kprobe":
        return ["base", "kprobe_ftrace", "kprobe_opt", "kprobe_int3"]
    return list(CASES)


class Peer:
    """The Linux peer: prepare() once, then measure() once per round.

    which: "all", "event" (the ftrace event cases) or "kprobe".  When the
    kernel cannot be fetched, built or booted, `reason` says why and
    available is False; a round that fails records its reason in `errors`
    and returns None.  rounds: the parsed results of the rounds that
    completed (parse_output())."""

    def __init__(self, which="all", calls=20000, reps=5, log=print,
                 timeout=BOOT_TIMEOUT):
        self.which, self.calls, self.reps = which, calls, reps
        self.log, self.timeout = log, timeout
        self.cases = _cases_for(which)
        self.reason = None
        self.vmlinuz = self.initrd = None
        self.rounds, self.errors, self.boot_s, self.total_s = [], [], [], []
        self.notes = []

    @property
    def available(self):
        return self.reason is None and self.vmlinuz is not None

    def prepare(self):
        if os.environ.get("KSTUB_LINUX_PEER", "").lower() in ("0", "off", "no"):
            self.reason = "KSTUB_LINUX_PEER=%s" % os.environ["KSTUB_LINUX_PEER"]
            return False
        try:
            self.vmlinuz, config = fetch_kernel(self.log)
            self.notes = check_config(config)
            self.initrd = build_initramfs(self.log)
        except Unavailable as e:
            self.reason = str(e)
        except OSError as e:
            self.reason = "%s: %s" % (getattr(e, "filename", "") or "build/linux-peer",
                                      e.strerror or e)
        return self.reason is None

    def cmdline(self):
        return ("console=ttyS0 quiet panic=-1 lp.cases=%s lp.calls=%d lp.reps=%d"
                % (self.which, self.calls, self.reps))

    def measure(self):
        """One boot; its parse_output() dict, or None (reason in errors)."""
        if not self.available:
            return None
        import harness      # the e2e harness: process hygiene, console reader
        k = harness.Kernel(self.cmdline(), CPUS, memory=MEMORY,
                           kernel=self.vmlinuz, name="linux-peer",
                           extra_args=["-initrd", str(self.initrd)])
        t0 = time.monotonic()
        try:
            k.start()
            m = k.wait_for(r"^linux-peer: kernel=", self.timeout)
            self.boot_s.append(time.monotonic() - t0)
            # Each case prints a line; a guest that stops printing hung.
            deadline, pos = time.monotonic() + self.timeout, m.end()
            while True:
                left = min(STALL_TIMEOUT, deadline - time.monotonic())
                m = k.wait_for(r"^linux-peer: (case=.*|done)$", max(1, left),
                               start=pos)
                pos = m.end()
                if m.group(1) == "done":
                    break
            self.total_s.append(time.monotonic() - t0)
            res = parse_output(k.console)
        except (harness.WaitTimeout, OSError) as e:
            why = str(e).splitlines()[0]
            why = re.sub(r" on the console of$", "", why)
            self.errors.append("boot %d: %s (console: %s)" % (
                len(self.rounds) + len(self.errors) + 1, why,
                (harness.LOG_DIR / "linux-peer.log").relative_to(REPO)))
            return None
        finally:
            k.close()
        self.rounds.append(res)
        return res

    def added(self, case):
        """The case's ns over the bare call, one value per completed round."""
        return [r["cases"][case]["added"] for r in self.rounds
                if case in r["cases"]]

    def raw(self, case):
        return [r["cases"][case]["ns"] for r in self.rounds
                if case in r["cases"]]

    def why_missing(self, case):
        """Why a case has no figure (unavailable, skipped by the guest...)."""
        if self.reason:
            return "unavailable"        # describe() gives the reason
        for r in self.rounds:
            if case in r["skipped"]:
                return "n/a (%s)" % r["skipped"][case]
        if self.errors and not self.rounds:
            return "n/a (%s)" % self.errors[-1]
        return "n/a"

    def describe(self):
        """One line: kernel, probed spots, boot time; or the reason."""
        if not self.available:
            return "Linux peer: unavailable (%s)" % self.reason
        if not self.rounds:
            return "Linux peer: no boot completed\n  failed: " + \
                "\n  failed: ".join(self.errors or ["not booted"])
        r = self.rounds[-1]
        probes = sorted({"%s %s" % (c.get("probe"), c.get("flags"))
                         for rr in self.rounds for c in rr["cases"].values()
                         if "probe" in c})
        s = "Linux peer: Debian %s (%s), -smp %s, %s" % (
            r.get("kernel", "?"), self.vmlinuz.parent.name, CPUS,
            "boot %s s, whole run %s s" % (fmt_stat(self.boot_s, "%.0f"),
                                           fmt_stat(self.total_s, "%.0f")))
        if probes:
            s += "\n  probed: " + "; ".join(probes)
        for e in self.errors:
            s += "\n  failed: " + e
        for n in self.notes:
            s += "\n  config: " + n
        return s


def rounds_default():
    """KSTUB_BENCH_ROUNDS (default 3): kstub/Linux rounds of the benchmarks."""
    try:
        return max(1, int(os.environ.get("KSTUB_BENCH_ROUNDS", "3")))
    except ValueError:
        return 3


def add_bench_args(ap):
    """The options every benchmark with a Linux peer takes."""
    ap.add_argument("--rounds", type=int, default=rounds_default(),
                    help="kstub/Linux rounds, alternated (default 3, or "
                         "KSTUB_BENCH_ROUNDS)")
    ap.add_argument("--no-linux", action="store_true",
                    help="kstub only (also KSTUB_LINUX_PEER=off)")


def peer_for(kind, args):
    """A prepared Peer of `kind` ("kprobe", "event"), or one that says
    why it is unavailable."""
    peer = Peer(kind)
    if args.no_linux:
        peer.reason = "--no-linux"
    else:
        peer.prepare()
    return peer


def alternate(rounds, kstub_round, peer):
    """Rounds of kstub then Linux.  kstub_round() returns (figures,
    accelerator) or raises harness.WaitTimeout/OSError.  Returns the
    per-round lists (None where a boot failed) and the accelerator."""
    import harness      # the e2e harness (its folder is on sys.path)
    kst, lin, accel = [], [], None
    rounds = max(1, rounds)
    for i in range(rounds):
        print("  round %d/%d: kstub ..." % (i + 1, rounds), flush=True)
        try:
            fig, accel = kstub_round()
            kst.append(fig)
        except (harness.WaitTimeout, OSError) as e:
            print("  kstub benchmark did not finish: %s" % str(e).splitlines()[0])
            kst.append(None)
        if peer.available:
            print("  round %d/%d: Linux ..." % (i + 1, rounds), flush=True)
            res = peer.measure()
            if res is None and peer.errors:     # a hung guest: once more
                print("  Linux round failed (%s); booting it again"
                      % peer.errors[-1].split(" (console")[0], flush=True)
                res = peer.measure()
            lin.append(res)
        else:
            lin.append(None)
    return kst, lin, accel


def baseline_text(lin):
    """The bare getppid() of the Linux rounds, "509 [471-520] ns", for the
    comparison tables' titles."""
    from benchlib import fmt_stat
    base = [r["cases"]["base"]["ns"] for r in lin if r and "base" in r["cases"]]
    return fmt_stat(base, "%.0f") + " ns" if base else "no figure"


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=1,
                    help="boots, medians over them (default 1)")
    ap.add_argument("--cases", choices=("all", "event", "kprobe"), default="all",
                    help="which measurements (default all)")
    ap.add_argument("--calls", type=int, default=20000,
                    help="getppid() calls per timed round in the guest (default 20000)")
    ap.add_argument("--reps", type=int, default=5,
                    help="timed rounds per figure in the guest, best kept (default 5)")
    ap.add_argument("--prepare-only", action="store_true",
                    help="fetch the kernel and build the initramfs, do not boot")
    a = ap.parse_args()
    peer = Peer(a.cases, a.calls, a.reps)
    if not peer.prepare():
        print("Linux peer: unavailable (%s)" % peer.reason)
        return 0
    if a.prepare_only:
        print("Linux peer: %s, %s" % (peer.vmlinuz, peer.initrd))
        return 0
    for i in range(a.rounds):
        print("  boot %d/%d: Linux ..." % (i + 1, a.rounds), flush=True)
        peer.measure()
    rows = []
    for c in peer.cases:
        raw, add = peer.raw(c), peer.added(c)
        rows.append([CASES[c], fmt_stat(raw, "%.0f") if raw else peer.why_missing(c),
                     fmt_stat(add, "%+.0f") if add and c != "base" else ""])
    table("Linux under QEMU %s, per getppid(): median [min–max] of %d boot(s)"
          % (__import__("qemu_accel").choose_accel(), len(peer.rounds)),
          ["case", "ns per call", "added ns"], rows)
    print(peer.describe())
    return 0


if __name__ == "__main__":
    sys.exit(main())
