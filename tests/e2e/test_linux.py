# SPDX-License-Identifier: MIT OR GPL-2.0-only
"""kstub.ko in Debian's stock kernel (issue 15): the user's session of
docs/linux.md, end to end, over serial.

One boot of the stock kernel (linux-image-6.1.0-N-amd64, PVH, 4 CPUs,
busybox initramfs that loads kstub.ko kstub=ttyS1 and runs uname and cat
in loops) serves the tests of this module in order; each attaches a real
gdb (MI) and detaches.  The package download is part of the suite: if it
fails, the tests fail with the reason (linux_guest.kit)."""
import re
import shutil
import subprocess
import time

import pytest

import harness
import linux_guest
from linux_guest import attach, cli

# Every test here shares one guest; the first one pays for the boot and
# the first symbol read.
pytestmark = pytest.mark.timeout(300)


@pytest.fixture(scope="module")
def guest():
    g = linux_guest.LinuxGuest("kstub=ttyS1", name="test_linux")
    try:
        g.start()
        yield g
    finally:
        g.close()


def stopped(mi, timeout=60):
    return mi.wait_for(r'^\*stopped', timeout=timeout)


def test_threads_registers_memory(guest):
    mi = attach(guest)
    try:
        out = cli(mi, "info threads")
        cpus = re.findall(r'Thread (\d+) "CPU#(\d)" \(([^)]*) pid (\d+)\)', out)
        assert len(cpus) == linux_guest.CPUS, out
        out = cli(mi, "info registers rip rsp eflags cs")
        assert re.search(r"^rip\s+0xffffffff8[0-9a-f]+\s+0x[0-9a-f]+ <\w+", out, re.M), out
        out = cli(mi, "x/4gx $rsp")
        assert len(re.findall(r"\t0x[0-9a-f]{16}", out)) == 4, out
        out = cli(mi, "x/2i $pc")
        assert "=> 0xffffffff" in out, out
        # The trace area's pointer: a variable of kstub.ko, with its type
        # from the module's DWARF.
        out = cli(mi, "print ltt_area_ptr->ncpus")
        assert re.search(r"= %d$" % linux_guest.CPUS, out.strip()), out
        mi.command("-target-detach")
    finally:
        mi.close()


def test_break_on_a_syscall_bt_registers_stepi_ctrl_c(guest):
    mi = attach(guest)
    try:
        out = cli(mi, "break __x64_sys_newuname")
        addr = int(re.search(r"Breakpoint 1 at (0x[0-9a-f]+)", out).group(1), 16)
        mi.command("-exec-continue")
        m = stopped(mi)
        assert 'reason="breakpoint-hit"' in m.string, m.string
        # Reported at the function's first byte (the ftrace NOP: the int3
        # went on the next instruction).
        assert 'func="__x64_sys_newuname"' in m.string, m.string
        out = cli(mi, "info registers rip")
        assert int(re.search(r"rip\s+(0x[0-9a-f]+)", out).group(1), 16) == addr, out
        out = cli(mi, "bt 2")
        assert "#1" in out and "do_syscall_64" in out, out
        out = cli(mi, "x/4gx $rsp")
        assert len(re.findall(r"\t0x[0-9a-f]{16}", out)) == 4, out
        cli(mi, "stepi")
        out = cli(mi, "info registers rip")
        pc = int(re.search(r"rip\s+(0x[0-9a-f]+)", out).group(1), 16)
        assert addr < pc < addr + 32, out
        # Again: the breakpoint is hit by the next call, not where we are.
        mi.command("-exec-continue")
        m = stopped(mi)
        assert 'reason="breakpoint-hit"' in m.string, m.string
        cli(mi, "delete")
        mi.command("-exec-continue")
        mi.wait_for(r"^\*running", timeout=10)
        t0 = time.monotonic()
        mi.command("-exec-interrupt")
        mi.wait_for(r'^\*stopped,reason="signal-received",signal-name="SIGINT"',
                    timeout=10)
        assert time.monotonic() - t0 < 5
        threads = mi.command("-thread-info").results["threads"]
        assert len(threads) == linux_guest.CPUS, threads
        mi.command("-target-detach")
    finally:
        mi.close()
    code, out = guest.run("uname -r")
    assert code == 0 and "amd64" in out, out


def test_step_and_finish(guest):
    mi = attach(guest)
    try:
        cli(mi, "break do_sys_openat2")
        mi.command("-exec-continue")
        stopped(mi)
        cli(mi, "delete")
        out = cli(mi, "finish", timeout=60)
        stopped(mi)
        out += cli(mi, "bt 1")
        assert "Run till exit from #0" in out and "__x64_sys_openat" in out, out
        # A function with no line information: gdb steps until it leaves.
        cli(mi, "break do_sys_openat2")
        mi.command("-exec-continue")
        stopped(mi)
        cli(mi, "delete")
        out = cli(mi, "step", timeout=60)
        stopped(mi)
        out += cli(mi, "info registers rip")
        assert "no line number information" in out, out
        mi.command("-target-detach")
    finally:
        mi.close()


def test_watchpoints(guest):
    mi = attach(guest)
    try:
        cli(mi, "watch *(long *)&jiffies_64")
        mi.command("-exec-continue")
        m = stopped(mi)
        assert 'reason="watchpoint-trigger"' in m.string, m.string
        out = cli(mi, "info symbol $pc")
        assert "in section .text" in out, out
        cli(mi, "delete")
        cli(mi, "rwatch *(long *)&jiffies_64")
        mi.command("-exec-continue")
        m = stopped(mi)
        assert 'reason="read-watchpoint-trigger"' in m.string, m.string
        cli(mi, "delete")
        mi.command("-target-detach")
    finally:
        mi.close()


def test_refusals_say_why(guest):
    """Where kstub may not patch: the kernel's entry and noinstr code
    (kprobe blacklist), kstub.ko itself.  gdb cannot insert; the kernel
    log says why (a Z0 error carries no text)."""
    mi = attach(guest)
    try:
        for where in ("exc_int3", "do_syscall_64"):
            cli(mi, "break %s" % where)
            mi.command("-exec-continue", check=False)
            mi.wait_for(r"Cannot insert breakpoint", timeout=30)
            cli(mi, "delete")
        # In a file added with add-symbol-file gdb makes the breakpoint
        # pending instead, and runs on.
        cli(mi, "break kstub_enter")
        mi.command("-exec-continue", check=False)
        mi.wait_for(r"Cannot insert breakpoint|disabling shared library breakpoints|"
                    r"pending=\"kstub_enter\"",
                    timeout=30)
        cli(mi, "delete")
        if "*running" in mi.output:
            mi.command("-exec-interrupt")
            stopped(mi)
        mi.command("-target-detach")
    finally:
        mi.close()
    code, out = guest.run("dmesg | grep 'kstub: no breakpoint'")
    assert "kprobe blacklist" in out and "inside kstub.ko" in out, out
