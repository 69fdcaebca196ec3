# SPDX-License-Identifier: MIT OR GPL-2.0-only
"""Issue 2: the reference kernel boots, runs and crashes as documented.

Each test boots its own QEMU (TCG unless real KVM exists) and waits for
console lines; none sleeps.  Budget: about a second per boot plus what the
test waits for (heartbeat=1 lines come once a second).
"""
import re

import pytest

from harness import ElfSymbols

ONLINE = r"^CPUs online: (\d+)$"
MADT = r"^memory: \d+ MiB, TSC \d+ MHz, (\d+) CPUs in MADT$"
HEARTBEAT = re.compile(r"^heartbeat: ticks((?: \d+:\d+)+)$", re.M)
USER = re.compile(r"^user: pid=(\d+) iteration=(\d+) getpid=(-?\d+)$", re.M)
FRAME = re.compile(r"^  \[<([0-9a-f]{16})>\] (\S+)\+0x([0-9a-f]+)$")


def ticks_of(m):
    """{cpu: ticks} from a heartbeat match."""
    return {int(c): int(t) for c, t in
            (w.split(":") for w in m.group(1).split())}


@pytest.mark.timeout(60)
@pytest.mark.parametrize("cpus", [1, 2, 4, 8])
def test_every_cpu_reports_in(boot, cpus):
    k = boot("", cpus)
    assert int(k.wait_for(MADT, 30).group(1)) == cpus
    assert int(k.wait_for(ONLINE, 30).group(1)) == cpus


@pytest.mark.timeout(60)
@pytest.mark.parametrize("cpus", [1, 2, 4])
def test_timer_ticks_on_every_cpu(boot, cpus):
    k = boot("heartbeat=1", cpus)
    k.wait_for(ONLINE, 30)
    first = k.wait_for(HEARTBEAT, 20)
    second = k.wait_for(HEARTBEAT, 20, start=first.end())
    t1, t2 = ticks_of(first), ticks_of(second)
    assert sorted(t1) == sorted(t2) == list(range(cpus)), first.group(0)
    delta = {c: t2[c] - t1[c] for c in t1}
    assert all(d > 0 for d in delta.values()), \
        "a CPU's timer did not tick: %s -> %s" % (first.group(0), second.group(0))
    # No CPU's timer lags far behind the others' (each runs at HZ).
    assert min(delta.values()) * 4 >= max(delta.values()), delta


@pytest.mark.timeout(60)
def test_user_task_syscalls(boot):
    k = boot("heartbeat=1", 2)
    k.wait_for(ONLINE, 30)
    # write: the lines appear; getpid: pid agrees; yield+sleep: it loops.
    m = None
    for _ in range(3):
        m = k.wait_for(USER, 20, start=m.end() if m else 0)
    runs = [tuple(map(int, u)) for u in USER.findall(k.console)][:3]
    pids = {pid for pid, _, _ in runs}
    assert len(pids) == 1 and pids.pop() > 0, runs
    assert all(pid == got for pid, _, got in runs), runs
    assert [it for _, it, _ in runs] == [1, 2, 3], runs
    k.wait_for(HEARTBEAT, 20)
    # Console lines from different CPUs never interleave.
    for line in k.console.splitlines():
        if "user:" in line:
            assert USER.fullmatch(line), line
        if "heartbeat:" in line:
            assert HEARTBEAT.fullmatch(line), line


OOPS = r"^Oops: %s \(vector %d, error 0x%s\) on CPU \d+ in demo_fault$"
FAULTS = {
    # value: (first line, detail line or None, faulting function)
    "null": (OOPS % ("page fault", 14, "2"),     # not present | write
             r"^page fault at 0{16}: not present, write, kernel mode$",
             "demo_fault_null"),
    "gp": (OOPS % ("general protection", 13, "0"), None, "demo_fault_gp"),
    "panic": (r"^Kernel panic on CPU \d+: kstub\.fault=panic requested$", None,
              "demo_fault_panic"),
    # W^X: a kernel write to its own text faults: present | write.
    "wx": (OOPS % ("page fault", 14, "3"),
           r"^page fault at ([0-9a-f]{16}): protection violation, write, "
           r"kernel mode$",
           "demo_fault_write_text"),
}


@pytest.mark.timeout(60)
@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_fault_prints_symbolic_backtrace(boot, kernel_elf, fault):
    head, detail, func = FAULTS[fault]
    k = boot("kstub.fault=" + fault, 2, expect_crash=True)
    start = k.wait_for(r"^demo: triggering kstub\.fault$", 30).end()
    start = k.wait_for(head, 20, start).end()
    if detail:
        d = k.wait_for(detail, 5, start)
        if fault == "wx":
            syms = ElfSymbols(kernel_elf)
            assert int(d.group(1), 16) == syms.addr("demo_fib"), d.group(0)
    k.wait_for(r"^RIP: 0008:[0-9a-f]{16} %s\+0x[0-9a-f]+ " % func, 5, start)
    # (then the flight recorder's last events, then the halt)
    bt = k.wait_for(r"^Backtrace:\n((?:  \[<.*\n)+)(?:ltt: .*\n(?:  \[.*\n)*)*"
                    r"System halted\.$", 10, start)
    frames = [FRAME.match(l) for l in bt.group(1).splitlines()]
    assert all(frames), bt.group(0)
    names = [f.group(2) for f in frames]
    assert names[0] == func, bt.group(0)
    assert "demo_fault_thread" in names[1:3], bt.group(0)
    # The embedded symbol table agrees with the ELF's.
    syms = ElfSymbols(kernel_elf)
    for f in frames:
        got, off = syms.lookup(int(f.group(1), 16))
        assert f.group(2) in got and off == int(f.group(3), 16), f.group(0)
    assert "kstub.fault did not fault" not in k.console
