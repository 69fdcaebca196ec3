# SPDX-License-Identifier: MIT OR GPL-2.0-only
"""kstub.ko in Debian's stock kernel (issue 15): the user's session of
docs/linux.md, end to end, over serial and over UDP.

One boot of the stock kernel per transport (linux-image-6.1.0-N-amd64,
PVH, 4 CPUs, busybox initramfs that loads ktarget.ko and kstub.ko and
runs uname and cat in loops) serves the tests of this module in order;
each attaches a real gdb (MI) and detaches.  The package download is part of the suite: if it
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


@pytest.fixture(scope="module", params=["serial", "udp"])
def guest(request):
    g = linux_guest.LinuxGuest(request.param, name="test_linux-" + request.param)
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


def test_tracepoints_core_and_module_text(guest):
    """gdb's tracepoints on kernel text (do_sys_openat2, its ftrace NOP
    skipped) and on another module's text (ktarget_work), collected while
    the kernel runs, read back with tfind/tdump."""
    mi = attach(guest)
    try:
        cli(mi, "trace do_sys_openat2")
        mi.command('-break-commands 1 "collect $regs"')
        cli(mi, "trace ktarget_work")
        mi.command('-break-commands 2 "collect $regs"')
        cli(mi, "tstart")
        mi.command("-exec-continue")
        mi.wait_for(r"^\*running", timeout=10)
        for n in (7, 8, 9):
            code, out = guest.run("echo %d > /sys/module/ktarget/parameters/poke" % n)
            assert code == 0, out
        mi.command("-exec-interrupt")
        stopped(mi)
        cli(mi, "tstop")
        out = cli(mi, "tstatus")
        m = re.search(r"Collected (\d+) trace frames", out)
        assert m and int(m.group(1)) >= 4, out
        out = cli(mi, "info tracepoints")
        hits = [int(h) for h in re.findall(r"tracepoint already hit (\d+) time", out)]
        assert len(hits) == 2 and hits[1] == 3 and hits[0] >= 1, out
        # The module's frames: ktarget_work(7), (8), (9), in order.
        out = cli(mi, "tfind tracepoint 2")
        seen = []
        while "Found trace frame" in out:
            m = re.search(r"= (0x[0-9a-f]+)", cli(mi, "print/x $rdi"))
            seen.append(int(m.group(1), 16))
            out = cli(mi, "tfind tracepoint 2", check=False)
        assert seen == [7, 8, 9], seen
        # tfind searches on from the selected frame: start over first.
        cli(mi, "tfind none")
        out = cli(mi, "tfind tracepoint 1")
        assert "do_sys_openat2" in out, out
        out = cli(mi, "tdump")
        assert "Data collected at tracepoint 1" in out, out
        out = cli(mi, "tfind start")
        assert "Found trace frame 0" in out, out
        cli(mi, "tfind none")
        mi.command("-target-detach")
    finally:
        mi.close()


def test_ltt_from_linux_tracepoints_to_ctf(guest, tmp_path):
    """`ltt start` from gdb: kstub.ko attaches its probes to Linux's own
    tracepoints (sched_switch, irq_handler_entry/exit, sys_enter/exit,
    sched_process_fork/exit) on the next resume; `ltt dump --ctf` writes a
    trace babeltrace2 reads."""
    sys_path = str(harness.REPO / "tests" / "e2e")
    import sys
    if sys_path not in sys.path:
        sys.path.insert(0, sys_path)
    from test_ltt import read_ctf, babeltrace_cli, check_trace
    ctf = tmp_path / "ctf"
    mi = attach(guest)
    try:
        cli(mi, "ltt clear")
        cli(mi, "ltt start")
        # The kernel applies gdb's requests from a work item once it runs
        # (attaching probes to Linux's tracepoints takes a while under
        # TCG): run until `ltt status` has nothing pending, then trace.
        for attempt in range(20):
            mi.command("-exec-continue")
            mi.wait_for(r"^\*running", timeout=10)
            guest.run("uname -a")
            mi.command("-exec-interrupt")
            stopped(mi)
            if "pending" not in cli(mi, "ltt status"):
                break
        else:
            raise AssertionError("ltt requests never applied")
        cli(mi, "ltt clear")
        mi.command("-exec-continue")
        mi.wait_for(r"^\*running", timeout=10)
        for _ in range(3):
            guest.run("uname -a")
        mi.command("-exec-interrupt")
        stopped(mi)
        out = cli(mi, "ltt status")
        assert re.search(r"^ltt: tracing", out, re.M), out
        out = cli(mi, "ltt dump --ctf %s" % ctf, timeout=240)
        assert re.search(r"CTF trace: .* \(\d+ packets, \d+ events", out), out
        cli(mi, "ltt stop")
        mi.command("-target-detach")
    finally:
        mi.close()
    babeltrace_cli(ctf)
    events = read_ctf(ctf)
    check_trace(events)
    names = {n for _, _, n, _ in events}
    assert {"sched_switch", "irq_entry", "irq_exit", "syscall_entry",
            "syscall_exit", "task_create"} <= names, names
    # uname(2) is system call 63, made by the `uname` processes.
    assert any(n == "syscall_entry" and f["nr"] == 63 for _, _, n, f in events)
    assert len({c for c, _, _, _ in events}) == linux_guest.CPUS


def test_rmmod_refused_while_attached_clean_after(guest):
    """rmmod with gdb attached is refused; after a detach that leaves
    tracepoints tracing (disconnected tracing) it unloads, takes them out
    of the text first, and the kernel runs on through those functions."""
    mi = attach(guest)
    try:
        mi.command("-exec-continue")
        mi.wait_for(r"^\*running", timeout=10)
        code, out = guest.run("rmmod kstub")
        # busybox rmmod: EWOULDBLOCK ("Resource temporarily unavailable").
        assert code != 0 and re.search(r"in use|temporarily unavailable", out), out
        mi.command("-exec-interrupt")
        stopped(mi)
        cli(mi, "set disconnected-tracing on")
        cli(mi, "trace do_sys_openat2")
        cli(mi, "trace ktarget_work")
        cli(mi, "tstart")
        out = cli(mi, "tstatus")
        assert "Trace will continue if GDB disconnects" in out, out
        mi.command("-target-detach")
    finally:
        mi.close()
    code, out = guest.run("rmmod kstub")
    assert code == 0, out
    code, out = guest.run("grep -c '^kstub ' /proc/modules")
    assert out.strip().endswith("0"), out
    guest.wait_for(r"kstub: unloaded, nothing left patched", 30)
    # Through both functions again, with no int3 left behind.
    for n in range(3):
        code, out = guest.run("cat /proc/version; echo %d > "
                              "/sys/module/ktarget/parameters/poke" % n)
        assert code == 0, out


def test_bad_parameters_fail_with_a_reason_and_no_side_effects(guest):
    cases = [
        ("kstub=ttyS9", "the serial port is ttyS0..ttyS3"),
        ("kstub=ttyS0", "is the kernel console"),
        ("kstub=ttyS1,1234", "the baud rate divides 115200"),
        ("kstub=", "say kstub=ttyS1"),
        ("kstub=udp:10.0.2.15", "say kstub=udp:IP:PORT"),
        ("kstub=ttyS1 ltt_size=100", "ltt_size=100"),
        ("kstub=ttyS1 ltt=maybe", "ltt=maybe: on or off"),
    ]
    if guest.transport == "serial":     # this guest has no NIC
        cases.append(("kstub=udp:10.0.2.15:5555", "no e1000"))
    guest.run("rmmod kstub 2>/dev/null")
    for args, why in cases:
        code, out = guest.run("insmod /kstub.ko %s; dmesg | tail -n 3" % args)
        assert why in out, (args, out)
        code, out = guest.run("grep -c '^kstub ' /proc/modules")
        assert out.strip().endswith("0"), (args, out)
    # Nothing was left claimed: a good load works, and gdb attaches.
    code, out = guest.run("insmod /kstub.ko %s" % guest.args)
    assert code == 0, out
    mi = attach(guest)
    try:
        out = cli(mi, "info threads")
        assert len(re.findall(r'"CPU#\d"', out)) == linux_guest.CPUS, out
        mi.command("-target-detach")
    finally:
        mi.close()


@pytest.mark.timeout(600)
def test_load_and_unload_twenty_times(guest):
    guest.run("rmmod kstub 2>/dev/null")
    code, out = guest.run("dmesg | grep -c 'kstub: unloaded'")
    before = int(out.split()[0])
    code, out = guest.run(
        "n=0; for i in $(seq 20); do insmod /kstub.ko %s || break; "
        "rmmod kstub || break; n=$i; done; echo cycles=$n; "
        "echo unloads=$(dmesg | grep -c 'kstub: unloaded'); "
        "grep -c '02f8-02ff : serial' /proc/ioports; "
        "grep -c kstub /proc/ioports /proc/iomem" % guest.args, timeout=540)
    assert "cycles=20" in out, out
    assert "unloads=%d" % (before + 20) in out, out
    # ttyS1 back with the 8250 driver, nothing left claimed by kstub.
    assert re.search(r"^1$", out, re.M), out
    assert re.search(r"^/proc/ioports:0$", out, re.M), out
    assert re.search(r"^/proc/iomem:0$", out, re.M), out
    code, out = guest.run("insmod /kstub.ko %s" % guest.args)
    assert code == 0, out
    mi = attach(guest)
    try:
        cli(mi, "break __x64_sys_newuname")
        mi.command("-exec-continue")
        m = stopped(mi)
        assert 'reason="breakpoint-hit"' in m.string, m.string
        cli(mi, "delete")
        mi.command("-target-detach")
    finally:
        mi.close()


def test_symbols_follow_module_loads(guest):
    """kstub.ko rebuilds its symbol table when a module comes or goes;
    `kstub symbols` then sees it (a new CRC: no stale cache)."""
    start = len(guest.console)
    code, out = guest.run("rmmod ktarget")
    assert code == 0, out
    guest.wait_for(r"kstub: symbol table refreshed", 60, start=start)
    mi = attach(guest)
    try:
        out = cli(mi, "info address ktarget_work", check=False)
        assert "No symbol" in out, out
        mi.command("-target-detach")
    finally:
        mi.close()
    start = len(guest.console)
    code, out = guest.run("insmod /ktarget.ko")
    assert code == 0, out
    guest.wait_for(r"kstub: symbol table refreshed", 60, start=start)
    mi = attach(guest)
    try:
        out = cli(mi, "info address ktarget_work")
        assert re.search(r"\"ktarget_work\" is at 0xffffffffc0", out), out
        mi.command("-target-detach")
    finally:
        mi.close()


@pytest.mark.timeout(300)
def test_long_stop_leaves_no_watchdog_or_rcu_report(guest):
    """A 25 s stop: longer than RCU's stall timeout (21 s) and the soft
    lockup threshold (20 s).  The guest runs on the TSC clocksource
    (tsc=reliable), so its clock sees the whole stop; kstub.ko keeps RCU's
    stall reports off while stopped and for a second after (a grace period
    started before jiffies caught up once reported the stop as a stall),
    and touches the watchdogs on resume."""
    mi = attach(guest)
    try:
        mark = len(guest.console)
        # Stopped: nothing may print; a report would show up after resume.
        with pytest.raises(harness.WaitTimeout):
            guest.wait_for(r"rcu: INFO|watchdog: BUG", 25, start=mark)
        mi.command("-exec-continue")
        mi.wait_for(r"^\*running", timeout=10)
        # The soft lockup watchdog looks every 4 s: give it two looks.
        code, out = guest.run("sleep 9; cat /proc/uptime")
        assert code == 0, out
        # Stall reports came back on (they stay off a second after a
        # stop, while jiffies catch up).
        code, out = guest.run("cat /sys/module/rcupdate/parameters/rcu_cpu_stall_suppress")
        assert code == 0 and out.strip().splitlines()[-1] == "0", out
        mi.command("-exec-interrupt")
        stopped(mi)
        mi.command("-target-detach")
    finally:
        mi.close()
    tail = guest.console[mark:]
    assert not linux_guest.CRASH.search(tail), tail[-3000:]


@pytest.mark.timeout(300)
def test_many_stop_continue_cycles_never_stall(guest):
    """150 breakpoint hits, each resumed with gdb's step over the
    breakpoint (one CPU steps, the others stay parked).  A timer interrupt
    taken in that step once spun forever on the timekeeping seqcount a
    parked CPU held (1 stall in ~100 cycles over UDP): the step now holds
    the CPU's interrupts off."""
    mi = attach(guest)
    try:
        cli(mi, "break __x64_sys_newuname")
        for i in range(150):
            mi.command("-exec-continue")
            m = stopped(mi, timeout=30)
            assert 'reason="breakpoint-hit"' in m.string, (i, m.string)
        cli(mi, "delete")
        mi.command("-target-detach")
    finally:
        mi.close()
    code, out = guest.run("cat /proc/uptime")
    assert code == 0, out


def jump_label_site(mi):
    """A jump label's code address in core kernel text, read from the
    kernel's own __jump_table (struct jump_entry: s32 code, s32 target,
    long key; code relative to the entry)."""
    start = int(re.search(r"0x[0-9a-f]+", cli(mi, "print/x &__start___jump_table")).group(0), 16)
    stext = int(re.search(r"0x[0-9a-f]+", cli(mi, "print/x &_stext")).group(0), 16)
    etext = int(re.search(r"0x[0-9a-f]+", cli(mi, "print/x &_etext")).group(0), 16)
    for i in range(64):
        e = start + 16 * i
        rel = int(re.search(r"= (-?\d+)", cli(mi, "print *(int *)0x%x" % e)).group(1))
        code = e + rel
        if stext <= code < etext:
            return code
    raise AssertionError("no jump label in core text among the first 64 entries")


def module_jump_label_site(mi):
    """ktarget_keyed's static branch: the first NOP after the function's
    first instruction (ftrace's) in its disassembly."""
    out = cli(mi, "x/12i ktarget_keyed")
    for m in re.finditer(r"(0x[0-9a-f]+) <ktarget_keyed\+(\d+)>:\s+(\S+)", out):
        if int(m.group(2)) > 0 and m.group(3) in ("xchg", "nop", "nopl", "nopw"):
            return int(m.group(1), 16)
    raise AssertionError("no jump label NOP in ktarget_keyed:\n" + out)


def test_sites_linux_patches_are_refused(guest):
    """Jump label sites in core kernel and module text: Linux rewrites
    them (static_branch_enable), so a tracepoint there is refused, and
    gdb shows kstub's reason."""
    mi = attach(guest)
    try:
        for site, why in ((jump_label_site(mi), "jump label, static call or alternative"),
                          (module_jump_label_site(mi), "jump label (Linux patches it)")):
            cli(mi, "trace *0x%x" % site)
            out = cli(mi, "tstart", check=False)
            assert why in out, out
            cli(mi, "delete")
        mi.command("-target-detach")
    finally:
        mi.close()


def test_oops_stops_in_gdb_first(guest):
    """Last: it taints the kernel and leaves ktarget's parameter lock held
    by the task that died.  An oops with gdb attached stops there first
    (the die notifier's DIE_OOPS), at the faulting instruction, as
    SIGSEGV; continue lets Linux's oops go on: the writing task is
    killed, the kernel runs on, and gdb detaches from it as usual."""
    mi = attach(guest)
    try:
        mi.command("-exec-continue")
        mi.wait_for(r"^\*running", timeout=10)
        guest.expect_crash = True       # this Oops is the test's
        start = len(guest.console)
        guest.send("sh -c 'echo 1 > /sys/module/ktarget/parameters/oops'\n")
        m = stopped(mi)
        assert 'signal-name="SIGSEGV"' in m.string, m.string
        out = cli(mi, "x/i $pc")
        assert "<ktarget_oops+" in out, out
        out = cli(mi, "info registers rip cs")
        assert re.search(r"^cs\s+0x10\b", out, re.M), out
        # Linux printed its report before the notifier: gdb sees the
        # oops before anything is torn down.
        guest.wait_for(r"BUG: kernel NULL pointer dereference, address: 0+\b",
                       10, start=start)
        mi.command("-exec-continue")
        mi.wait_for(r"^\*running", timeout=10)
        mi.command("-exec-interrupt")
        stopped(mi)
        mi.command("-target-detach")
    finally:
        mi.close()
    guest.wait_for(r"^Killed|Segmentation fault", 30, start=start)
    code, out = guest.run("uname -r; grep -c '^kstub ' /proc/modules")
    assert code == 0 and "amd64" in out, out
