# SPDX-License-Identifier: MIT OR GPL-2.0-only
"""How kstub starts QEMU: the accelerator choice and the common command line.

Used by tools/run.py (make run) and by the e2e harness (tests/e2e), so both
boot the reference kernel the same way.

Accelerator rule (README, "How the tests run"):
  * KVM only when /dev/kvm opens read-write AND /proc/cpuinfo lists the vmx
    or svm flag.  Some machines have a /dev/kvm backed by a software nested
    virtualization without vmx/svm, on which ordinary kernels stop with
    "emulation failure"; those get TCG.
  * otherwise TCG, multi-threaded (each vCPU is a host thread);
  * QEMU_ACCEL=kvm|tcg in the environment overrides the probe.
"""
import os
import re

QEMU = "qemu-system-x86_64"
ACCELS = ("kvm", "tcg")


def kvm_usable(kvm_path="/dev/kvm", cpuinfo_path="/proc/cpuinfo"):
    """True when KVM is real hardware virtualization we can open."""
    try:
        fd = os.open(kvm_path, os.O_RDWR | os.O_CLOEXEC)
    except OSError:
        return False
    os.close(fd)
    try:
        with open(cpuinfo_path) as f:
            cpuinfo = f.read()
    except OSError:
        return False
    for line in cpuinfo.splitlines():
        if re.match(r"flags\s*:", line):
            flags = line.split(":", 1)[1].split()
            if "vmx" in flags or "svm" in flags:
                return True
    return False


def choose_accel(env=None, kvm_path="/dev/kvm", cpuinfo_path="/proc/cpuinfo"):
    """'kvm' or 'tcg'; QEMU_ACCEL overrides, anything else is an error."""
    env = os.environ if env is None else env
    forced = env.get("QEMU_ACCEL", "").strip().lower()
    if forced:
        if forced not in ACCELS:
            raise ValueError("QEMU_ACCEL=%r: expected kvm or tcg" % forced)
        return forced
    return "kvm" if kvm_usable(kvm_path, cpuinfo_path) else "tcg"


def accel_args(accel):
    """QEMU options for an accelerator returned by choose_accel()."""
    if accel == "kvm":
        return ["-accel", "kvm", "-cpu", "host"]
    if accel == "tcg":
        return ["-accel", "tcg,thread=multi"]
    raise ValueError("unknown accelerator %r" % accel)


def qemu_argv(kernel, cmdline="", cpus=1, memory="256M", accel=None,
              serial=(), extra=()):
    """The QEMU command line for the reference kernel.

    serial: QEMU options that set up the serial ports, in order (the first
    -serial is COM1, the second COM2).  extra: anything else, appended.
    """
    accel = accel or choose_accel()
    argv = [QEMU] + accel_args(accel) + [
        "-smp", str(cpus), "-m", str(memory),
        "-kernel", str(kernel), "-append", cmdline,
        "-display", "none", "-no-reboot",
    ]
    return argv + list(serial) + list(extra)


# QEMU announces each pty chardev with this line.  QEMU 7.2 prints it on
# stdout (qemu_printf); other versions may use stderr: read both.
PTY_RE = re.compile(rb"char device redirected to (/dev/pts/\d+) \(label ([^)]+)\)")
