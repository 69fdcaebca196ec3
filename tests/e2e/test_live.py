# SPDX-License-Identifier: MIT OR GPL-2.0-only
"""Issue 14: gdb's non-stop mode, the kernel running while you look.

A stock gdb (MI, `set non-stop on`) attaches without stopping any CPU,
reads memory while everything runs, runs a tracepoint session that never
stops a CPU, stops one CPU at a breakpoint and another with `interrupt`
while the rest keep running, resumes and stops all, detaches.  Over
serial and UDP (the `target` fixture of test_stub.py).  The ring-3 task's
console lines are the heartbeat: they must keep coming while CPUs are
stopped alone.
"""
import os
import re
import signal
import time

import pytest

import harness
from harness import GdbMI, run_gdb_batch
from test_stub import USER, target  # noqa: F401

THREAD_STATE = re.compile(r'\{id="(\d+)",target-id="[^"]*"(?:,details="[^"]*")?,'
                          r'name="[^"]*",(?:frame=\{.*?\},)?state="(\w+)"')


def states(mi):
    """{thread id: "running" | "stopped"} from -thread-info."""
    mi.command("-thread-info")
    line = mi.output.splitlines()
    rec = next(l for l in reversed(line) if "^done,threads=" in l)
    return {int(a): b for a, b in THREAD_STATE.findall(rec)}


def value(mi, expr):
    mi.command("-data-evaluate-expression %s" % expr)
    rec = next(l for l in reversed(mi.output.splitlines()) if "^done,value=" in l)
    return re.search(r'value="([^"]*)"', rec).group(1)


def heartbeat(t, n=1, timeout=30):
    """n more lines from the ring-3 task: the kernel keeps running."""
    for _ in range(n):
        t.user_progress(timeout)


def alone_stops(mi):
    """(CPUs stopped alone since this gdb attached, CPUs stopped alone
    now) from `monitor stats`."""
    mi.command('-interpreter-exec console "monitor stats"')
    m = re.findall(r"stopped alone \(non-stop\): (\d+) times since gdb attached, "
                   r"(\d+) CPUs now", mi.output)
    assert m, mi.output
    return int(m[-1][0]), int(m[-1][1])


def attach_settled(mi, timeout=30):
    """gdb 13's non-stop attach, with no thread stopped, stops one
    (vCont;t) and resumes it once it has heard of the stop.  Until then
    it takes the next stop of *any* thread for that one, silently: an
    `interrupt` sent meanwhile is lost.  Wait for the stop and the
    resume, as the stub saw them."""
    deadline = time.monotonic() + harness.scaled(timeout)
    while alone_stops(mi) != (1, 0):
        assert time.monotonic() < deadline, alone_stops(mi)
        time.sleep(0.2)


def nonstop_gdb(t, tries=1):
    """A non-stop gdb attached.  tries > 1: a UDP session stays bound to
    a killed gdb until it has been silent for 5 s (the stub cannot tell a
    dead gdb from an idle one sooner): try again after a heartbeat."""
    for left in range(tries, 0, -1):
        mi = GdbMI()
        mi.command("-gdb-set non-stop on")
        rec = mi.command("-target-select remote %s" % t.where, timeout=60,
                         check=left == 1)
        if rec.cls != "error":
            return mi
        mi.close()
        heartbeat(t)


@pytest.mark.timeout(300)
def test_nonstop_session(target):
    """The session of the issue: attach, threads all running, memory
    read twice while running, a breakpoint stops one CPU (gdb says which)
    while the others run, interrupt one more, continue -a / interrupt -a,
    detach: everything runs, no breakpoint left."""
    t = target()
    t.kernel.wait_for(USER, 30)
    with nonstop_gdb(t) as mi:
        attach_settled(mi)
        st = states(mi)
        assert sorted(st) == [1, 2, 3, 4] and set(st.values()) == {"running"}, st
        a = int(value(mi, "demo_counter"))
        heartbeat(t)
        b = int(value(mi, "demo_counter"))
        assert b > a, (a, b)
        # The CPU that runs demo_fib(13) stops alone: the condition is
        # evaluated by the stub, so the other CPUs never stop for it.
        mi.command("-gdb-set breakpoint condition-evaluation target")
        mi.command('-break-insert -c "n == 13" demo_fib')
        m = mi.wait_for(r'^\*stopped,reason="breakpoint-hit".*thread-id="(\d+)"', 60)
        hit = int(m.group(1))
        assert "n=13" in m.string or 'value="13"' in m.string, m.string
        st = states(mi)
        assert st[hit] == "stopped", st
        assert [c for c, s in st.items() if s == "running"] == \
            [c for c in st if c != hit], st
        a = int(value(mi, "demo_counter"))
        heartbeat(t)
        b = int(value(mi, "demo_counter"))
        assert b > a, (a, b)                     # the others work
        # The stopped CPU's registers and stack, as in all-stop.
        mi.command("-thread-select %d" % hit)
        assert value(mi, "n") == "13"
        mi.command("-break-delete")
        # Stop one more CPU.
        other = next(c for c in st if c != hit)
        mi.command("-exec-interrupt --thread %d" % other)
        mi.wait_for(r'^\*stopped,.*thread-id="%d"' % other, 30)
        st = states(mi)
        assert st[hit] == st[other] == "stopped", st
        heartbeat(t)     # the two left still run the ring-3 task's CPU
        mi.command("-exec-continue --all")
        heartbeat(t)
        st = states(mi)
        assert set(st.values()) == {"running"}, st
        mi.command("-exec-interrupt --all")
        deadline = time.monotonic() + harness.scaled(30)
        while set(states(mi).values()) != {"stopped"}:
            assert time.monotonic() < deadline, states(mi)
            time.sleep(0.2)
        mi.command("-exec-continue --all")
        mi.command("-target-detach")
    heartbeat(t, 2)
    # Nothing left patched: a new all-stop gdb finds demo_fib as built.
    out = t.gdb("x/1bx demo_fib", "monitor stats", "detach")
    assert re.search(r"<demo_fib>:\s+0x(?!cc)[0-9a-f]{2}", out), out


@pytest.mark.timeout(300)
def test_nonstop_tracepoints_without_a_stop(target):
    """trace / actions / tstart / tstatus / tstop / tfind / tdump with
    every CPU running all along: `monitor stats` counts no stop."""
    t = target("ltt=off")
    t.kernel.wait_for(USER, 30)
    with nonstop_gdb(t) as mi:
        attach_settled(mi)
        mi.command("-break-insert -a demo_fib")
        mi.command('-break-commands 1 "collect $regs, n"')
        mi.command('-interpreter-exec console "set circular-trace-buffer on"')
        mi.command('-interpreter-exec console "tstart"', timeout=60)
        heartbeat(t, 2)
        for cmd in ["tstatus", "tstop", "tfind start", "tdump", "tfind none",
                    "monitor stats"]:
            mi.command('-interpreter-exec console "%s"' % cmd, timeout=60)
        out = mi.output
        st = states(mi)
        mi.command("-target-detach")
    assert re.search(r"(Collected|Buffer contains) \d+ trace frames", out), out
    assert "Found trace frame 0, tracepoint 1" in out, out
    assert re.search(r"n = \d+", out), out
    assert re.search(r"stops 0,", out), out
    assert set(st.values()) == {"running"}, st
    heartbeat(t)


@pytest.mark.timeout(300)
def test_nonstop_step_next_finish(target):
    """step, next and finish on a CPU stopped alone while the others run
    the same code (gdb's step-over of its return breakpoints on the
    other CPUs included)."""
    t = target()
    t.kernel.wait_for(USER, 30)
    with nonstop_gdb(t) as mi:
        attach_settled(mi)
        mi.command("-gdb-set breakpoint condition-evaluation target")
        mi.command('-break-insert -c "n == 13" demo_fib')
        m = mi.wait_for(r'^\*stopped,reason="breakpoint-hit".*thread-id="(\d+)"', 60)
        hit = int(m.group(1))
        mi.command("-break-delete")
        mi.command("-thread-select %d" % hit)

        def stopped(reason, cmd):
            mi.command(cmd)
            m = mi.wait_for(r'^\*stopped,reason="%s".*thread-id="(\d+)"' % reason, 60)
            assert int(m.group(1)) == hit, m.string
            return m.string

        # demo_fib(13): `next` to the return line, `step` into demo_fib(12),
        # `finish` back with fib(12), `next` out to the worker.
        rec = stopped("end-stepping-range", "-exec-next")
        assert 'func="demo_fib"' in rec and 'line="32"' in rec, rec
        rec = stopped("end-stepping-range", "-exec-step")
        assert 'func="demo_fib"' in rec and '{name="n",value="12"}' in rec, rec
        assert value(mi, "n") == "12"
        rec = stopped("function-finished", "-exec-finish")
        assert 'return-value="144"' in rec, rec
        rec = stopped("end-stepping-range", "-exec-next")
        assert 'func="demo_fib_worker"' in rec, rec
        st = states(mi)
        assert st[hit] == "stopped", st
        assert [c for c, s in st.items() if s == "running"] == \
            [c for c in st if c != hit], st
        heartbeat(t)
        mi.command("-exec-continue --all")
        deadline = time.monotonic() + harness.scaled(30)
        while set(states(mi).values()) != {"running"}:
            assert time.monotonic() < deadline, states(mi)
            time.sleep(0.2)
        # gdb's view and the stub's: no CPU stays stopped.
        deadline = time.monotonic() + harness.scaled(10)
        while alone_stops(mi)[1]:
            if time.monotonic() > deadline:
                mi.command('-interpreter-exec console "monitor cpus"')
                raise AssertionError("a CPU left stopped alone:\n" + mi.output[-3000:])
            time.sleep(0.2)
        mi.command("-target-detach")
    heartbeat(t, 2)
    out = t.gdb("x/1bx demo_fib", "detach")
    assert re.search(r"<demo_fib>:\s+0x(?!cc)[0-9a-f]{2}", out), out


@pytest.mark.timeout(300)
def test_nonstop_disconnected_tracing(target):
    """A non-stop gdb starts a trace with disconnected tracing on and
    detaches: the trace goes on; a new non-stop gdb finds it running,
    gets the tracepoint back, stops it and reads a frame.  No CPU ever
    stops but for gdb's own attach-time stop."""
    t = target("ltt=off")
    t.kernel.wait_for(USER, 30)

    def console(mi, cmd):
        mi.command('-interpreter-exec console "%s"' % cmd, timeout=60)

    with nonstop_gdb(t) as mi:
        attach_settled(mi)
        console(mi, "set disconnected-tracing on")
        console(mi, "set circular-trace-buffer on")
        mi.command('-break-insert -a -c "n == 4" demo_fib')
        mi.command('-break-commands 1 "collect n"')
        console(mi, "tstart")
        console(mi, "tstatus")
        out = mi.output
        mi.command("-target-detach")
    assert "Trace will continue if GDB disconnects." in out, out
    heartbeat(t, 2)
    with nonstop_gdb(t) as mi:
        attach_settled(mi)
        for cmd in ["tstatus", "info tracepoints", "tstop", "tfind start",
                    "print n", "tfind none", "monitor stats"]:
            console(mi, cmd)
        out = mi.output
        st = states(mi)
        mi.command("-target-detach")
    assert "Trace is running on the target." in out, out
    assert re.search(r"Created tracepoint \d+ for target's tracepoint 1", out), out
    assert "Found trace frame 0, tracepoint 1" in out, out
    assert re.search(r'~"\$1 = 4\\n"', out), out
    assert re.search(r"stops 0,", out), out
    assert set(st.values()) == {"running"}, st
    heartbeat(t)


@pytest.mark.timeout(300)
def test_nonstop_watchpoint(target):
    """A hardware watchpoint set while every CPU runs: the CPU that writes
    demo_watch stops alone with gdb's old and new value, the others run;
    deleted, it fires no more (the running CPUs' debug registers follow
    gdb's changes at once)."""
    t = target()
    t.kernel.wait_for(USER, 30)
    with nonstop_gdb(t) as mi:
        attach_settled(mi)
        # gdb sets a watchpoint from a stopped thread ("Selected thread
        # is running" otherwise): stop one and resume it; the CPUs that
        # ran all along get the debug registers by IPI.
        mi.command("-exec-interrupt --thread 1")
        mi.wait_for(r'^\*stopped,.*thread-id="1"', 30)
        mi.command("-thread-select 1")
        mi.command("-break-watch demo_watch")
        mi.command("-exec-continue --thread 1")
        m = mi.wait_for(r'^\*stopped,reason="watchpoint-trigger".*'
                        r'value=\{old="(\d+)",new="(\d+)"\}.*thread-id="(\d+)"', 30)
        old, new, hit = (int(g) for g in m.groups())
        assert new == old + 1, m.string
        assert hit == 2, m.string   # demo_watch_writer runs on CPU#1
        st = states(mi)
        assert st[hit] == "stopped", st
        assert [c for c, s in st.items() if s == "running"] == \
            [c for c in st if c != hit], st
        heartbeat(t)        # the others run the ring-3 task
        assert states(mi)[hit] == "stopped"
        mi.command("-break-delete")
        mi.command("-exec-continue --thread %d" % hit)
        mark = len(mi.output.splitlines())
        a = int(value(mi, "demo_watch"))
        heartbeat(t)        # demo_watch is written every 100 ms
        assert int(value(mi, "demo_watch")) > a
        assert "watchpoint-trigger" not in "\n".join(mi.output.splitlines()[mark:])
        assert set(states(mi).values()) == {"running"}
        assert alone_stops(mi) == (3, 0)
        mi.command("-target-detach")
    heartbeat(t)


@pytest.mark.timeout(300)
def test_gdb_killed_with_cpus_stopped_alone(target):
    """SIGKILL of a non-stop gdb with two CPUs stopped: a new non-stop gdb
    sees them stopped and resumes them; so does an all-stop one (its
    first stop takes them in, detach releases every CPU)."""
    t = target()
    t.kernel.wait_for(USER, 30)
    for second in ("non-stop", "all-stop"):
        mi = nonstop_gdb(t)
        attach_settled(mi)
        for thread in (1, 2):       # CPU#2 runs the ring-3 task: not it
            mi.command("-exec-interrupt --thread %d" % thread)
            mi.wait_for(r'^\*stopped,.*thread-id="%d"' % thread, 30)
        os.kill(mi.proc.pid, signal.SIGKILL)
        mi.close()
        heartbeat(t)        # CPUs 2 and 3 still run
        if second == "non-stop":
            with nonstop_gdb(t, tries=4) as mi:
                deadline = time.monotonic() + harness.scaled(20)
                while True:
                    st = states(mi)
                    if st.get(1) == st.get(2) == "stopped":
                        break
                    assert time.monotonic() < deadline, st
                    time.sleep(0.2)
                assert st[3] == st[4] == "running", st
                mi.command("-exec-continue --all")
                assert set(states(mi).values()) == {"running"}
                mi.command("-target-detach")
        else:
            for _ in range(4):
                out = run_gdb_batch(t.kernel.kernel, t.where,
                                    ["info threads", "detach"], timeout=90)
                if re.search(r'Thread 2 "CPU#1"', out):
                    break
                heartbeat(t)
            assert re.search(r'Thread 2 "CPU#1"', out), out
        heartbeat(t, 2)


@pytest.mark.timeout(120)
def test_nonstop_refusals(target):
    """vCont;t in all-stop mode, a malformed QNonStop, and QNonStop:1
    inside an all-stop session (every CPU parked for it: not converted)
    are refused and change nothing."""
    t = target()
    t.kernel.wait_for(USER, 30)
    out = t.gdb("maint packet vCont;t:2", "maint packet QNonStop:7",
                "maint packet QNonStop:1", "info threads", "detach")
    assert re.search(r'received: "E16"', out), out
    assert len(re.findall(r'received: "E01"', out)) == 2, out
    assert re.search(r'Thread 2 "CPU#1"', out), out
    heartbeat(t)
