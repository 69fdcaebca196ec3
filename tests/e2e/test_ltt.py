# SPDX-License-Identifier: MIT OR GPL-2.0-only
"""Issue 5: the LTT trace, end to end.

Boot with tracing on, let the workload run, stop in gdb (through kstub on
COM2, or through QEMU's own gdbstub), `ltt dump --ctf DIR`, and check what
babeltrace2 reads: the ring-3 task's syscalls, sched_switch chains per
CPU, monotonic time per CPU, an event declared and logged by kernel code,
one declared and logged from gdb, lost counts of a wrapped buffer; and
host-tools/ltt-convert on raw dumps, good and corrupt.
"""
import json
import re
import socket
import subprocess
from collections import defaultdict
from pathlib import Path

import bt2  # python3-bt2 (mk/deps.sh): babeltrace2's own reader
import pytest

import harness
from harness import run_gdb_batch

REPO = harness.REPO
KSTUB_PY = REPO / "gdb-scripts" / "kstub.py"
LTT_CONVERT = REPO / "build" / "host" / "ltt-convert"
USER = r"^user: pid=(\d+) iteration=(\d+)"
SETUP = ["source %s" % KSTUB_PY]


def gdb(kernel, where, *cmds, timeout=120):
    out = run_gdb_batch(kernel.kernel, where, list(cmds), timeout=timeout,
                        setup=SETUP)
    assert "Remote communication error" not in out, out
    assert "Traceback" not in out, out
    return out


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def read_ctf(path):
    """Events of a CTF trace through babeltrace2's Python bindings:
    [(cpu, ts, name, {field: value})] in babeltrace's (time) order."""
    out = []
    for msg in bt2.TraceCollectionMessageIterator(str(path)):
        if type(msg) is bt2._EventMessageConst:
            ev = msg.event
            cpu = int(ev.packet.context_field["cpu_id"])
            fields = {}
            for k, v in ev.payload_field.items():
                if isinstance(v, bt2._StringFieldConst):
                    fields[k] = str(v)
                elif isinstance(v, (bt2._IntegerFieldConst,)):
                    fields[k] = int(v)
                else:
                    fields[k] = v
            out.append((cpu, msg.default_clock_snapshot.value, ev.name, fields))
    return out


def babeltrace_cli(path):
    """babeltrace2's text output of a CTF trace, which it must read without
    a word on stderr (no warning such as "User field found in event
    header")."""
    p = subprocess.run(["babeltrace2", str(path)], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True, timeout=120)
    assert p.returncode == 0, p.stderr[-3000:]
    assert p.stderr == "", p.stderr[-3000:]
    return p.stdout


def check_trace(events):
    """The properties every dump of a running kernel must have."""
    by_cpu = defaultdict(list)
    for cpu, ts, name, f in events:
        by_cpu[cpu].append((ts, name, f))
    for cpu, evs in by_cpu.items():
        ts = [e[0] for e in evs]
        assert ts == sorted(ts), "time goes backwards on CPU %d" % cpu
        sw = [f for _, n, f in evs if n == "sched_switch"]
        for a, b in zip(sw, sw[1:]):
            assert a["next_pid"] == b["prev_pid"], \
                "CPU %d: switch to %r then from %r" % (cpu, a, b)
    return by_cpu


@pytest.fixture(scope="module")
def ltt_convert():
    mk = ["make", "-s"]
    if "host-tools/host-tools.mk" not in (REPO / "Makefile").read_text():
        mk += ["-f", "Makefile", "-f", "host-tools/host-tools.mk"]
    subprocess.run(mk + [str(LTT_CONVERT.relative_to(REPO))], cwd=REPO,
                   check=True, timeout=300)
    return LTT_CONVERT


@pytest.mark.timeout(240)
def test_dump_through_kstub_reads_in_babeltrace(boot, tmp_path, ltt_convert):
    k = boot("ltt kstub=ttyS1 ltt.size=65536", 4, gdb=True)
    k.wait_for(r"^ltt: 4 CPUs x 16 x 4096 bytes, overwrite, tracing", 30)
    m = k.wait_for(USER, 30)
    k.wait_for(r"^user: pid=%s iteration=3 " % m.group(1), 30)
    user_pid = int(m.group(1))
    ctf, raw = tmp_path / "ctf", tmp_path / "raw"
    out = gdb(k, k.gdb_tty, "ltt status", "ltt events",
              "ltt dump --ctf %s --raw %s" % (ctf, raw),
              "ltt dump --last 5 --cpu 2", "detach")
    assert re.search(r"^ltt: tracing, overwrite mode, 4 CPUs x 16 "
                     r"sub-buffers of 4096 bytes", out, re.M), out
    assert re.search(r"^\s+5\s+on\s+static\s+syscall_entry\s+u32 nr,", out,
                     re.M), out
    assert re.search(r"^\s+64\s+on\s+kernel\s+demo_fib\s+u32 cpu, u64 n, "
                     r"u64 result, string task$", out, re.M), out
    assert re.search(r"^CTF trace: .* \(\d+ packets, \d+ events, lost \d+\)$",
                     out, re.M), out
    tail = re.findall(r"^\[\d+\.\d{9}\] cpu (\d) \w+", out, re.M)
    assert tail and set(tail) == {"2"}, out

    text = babeltrace_cli(ctf)
    events = read_ctf(ctf)
    check_trace(events)
    # The ring-3 task's syscalls, with their numbers and its pid.
    nrs = {f["nr"] for _, _, n, f in events
           if n == "syscall_entry" and f["pid"] == user_pid}
    assert {0, 1, 2, 3} <= nrs, nrs
    exits = [f for _, _, n, f in events
             if n == "syscall_exit" and f["nr"] == 1 and f["pid"] == user_pid]
    assert exits and all(f["ret"] == user_pid for f in exits), exits
    assert any(n == "timer_tick" for _, _, n, _ in events)
    assert any(n == "irq_entry" and f["vector"] == 32 for _, _, n, f in events)
    # The kernel's run-time event, with its fields.
    fib = [f for _, _, n, f in events if n == "demo_fib"]
    assert fib and all(f["task"] == "demo_fib" and f["n"] in (10, 11, 12, 13)
                       for f in fib), fib[:3]
    assert {55, 89, 144, 233} & {f["result"] for f in fib}

    # The raw dump converts to the same trace with the C tool.
    ctf2 = tmp_path / "ctf2"
    p = subprocess.run([str(ltt_convert), "--ctf", str(ctf2), "--json",
                        str(tmp_path / "t.json"), str(raw)],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    assert babeltrace_cli(ctf2) == text
    assert len(read_ctf(ctf2)) == len(events)
    trace = json.loads((tmp_path / "t.json").read_text())
    phases = {e["ph"] for e in trace["traceEvents"]}
    assert {"B", "E", "i", "M"} <= phases, phases
    text = subprocess.run([str(ltt_convert), str(raw)], stdout=subprocess.PIPE,
                          text=True, timeout=60, check=True).stdout
    assert re.search(r"^\[\d+\.\d{9}\] cpu \d syscall_entry: nr=\d+, a0=0x",
                     text, re.M), text[:2000]

    # Truncated and corrupt dumps: a clear error naming the offset.
    data = raw.read_bytes()
    bad = tmp_path / "bad"
    bad.write_bytes(data[:len(data) // 2])
    p = subprocess.run([str(ltt_convert), str(bad)], stderr=subprocess.PIPE,
                       stdout=subprocess.PIPE, text=True, timeout=60)
    assert p.returncode == 1 and re.search(r"truncated at offset \d+", p.stderr), \
        p.stderr
    bad.write_bytes(b"garbage" * 100)
    p = subprocess.run([str(ltt_convert), str(bad)], stderr=subprocess.PIPE,
                       stdout=subprocess.PIPE, text=True, timeout=60)
    assert p.returncode == 1 and "bad magic at offset 0" in p.stderr, p.stderr
    # Smash the length of the first record of CPU 0's oldest packet.
    hdr = data[:512]
    data_off = int.from_bytes(hdr[92:96], "little")
    nsb = int.from_bytes(hdr[108:112], "little")
    sb = int.from_bytes(hdr[104:108], "little")
    cpus_off = int.from_bytes(hdr[88:92], "little")
    offset = int.from_bytes(data[cpus_off:cpus_off + 8], "little")
    last = (offset - 1) // sb
    first = max(0, last - nsb + 1)
    rec = data_off + (first % nsb) * sb + 84
    smashed = bytearray(data)
    smashed[rec + 4:rec + 8] = (3).to_bytes(4, "little")
    bad.write_bytes(bytes(smashed))
    p = subprocess.run([str(ltt_convert), str(bad)], stderr=subprocess.PIPE,
                       stdout=subprocess.PIPE, text=True, timeout=60)
    assert p.returncode == 1, p.stderr
    assert "corrupt record at offset %d" % rec in p.stderr, (rec, p.stderr)


@pytest.mark.timeout(240)
def test_event_declared_and_logged_from_gdb_via_qemu_gdbstub(boot, tmp_path):
    port = free_port()
    k = boot("ltt", 2, extra_args=("-gdb", "tcp:127.0.0.1:%d" % port))
    k.wait_for(USER, 30)
    where = "127.0.0.1:%d" % port
    ctf = tmp_path / "ctf"
    out = gdb(k, where, "ltt status",
              "ltt new-event gdb:mark u32 n, string what, x64 addr",
              "ltt new-event gdb:mark u32 n, string what, x64 addr",
              "ltt new-event gdb:blob --raw 16",
              "thread 2",
              "ltt log gdb:mark 42 'from gdb' 0xfeed",
              "ltt log --cpu 0 gdb:blob 00ff10",
              "ltt log gdb:mark 1",
              "ltt log gdb:mark 1 x 99999999999999999999999",
              "ltt events", "ltt dump --ctf %s" % ctf, "detach")
    assert "event gdb:mark: id 65" in out, out
    assert "event gdb:mark: id 65 (already declared)" in out, out
    assert "event gdb:blob: id 66" in out, out
    assert re.search(r"^logged gdb:mark on CPU 1 at \d+\.\d+$", out, re.M), out
    assert re.search(r"^logged gdb:blob on CPU 0 at", out, re.M), out
    assert "gdb:mark takes 3 values (u32 n, string what, x64 addr), got 1" in out
    assert "addr=99999999999999999999999 does not fit x64" in out, out
    assert re.search(r"^\s+65\s+on\s+gdb\s+gdb:mark\s+u32 n, string what, "
                     r"x64 addr$", out, re.M), out
    babeltrace_cli(ctf)
    events = read_ctf(ctf)
    check_trace(events)
    marks = [(c, f) for c, _, n, f in events if n == "gdb:mark"]
    assert marks == [(1, {"n": 42, "what": "from gdb", "addr": 0xfeed})], marks
    decl = [f for _, _, n, f in events if n == "new_event" and
            f["name"].startswith("gdb:")]
    assert [(f["event_id"], f["name"]) for f in decl] == \
        [(65, "gdb:mark"), (66, "gdb:blob")], decl
    blob = [f for c, _, n, f in events if n == "gdb:blob" and c == 0]
    assert blob and [int(x) for x in blob[0]["data"]] == [0, 0xff, 0x10], blob
    # The kernel carries on tracing after gdb wrote into its buffers.
    m = k.wait_for(USER, 30, start=len(k.console))
    out = gdb(k, where, "ltt dump --last 400", "detach")
    # 400 events can span less than the ring-3 task's 500 ms syscall
    # period on a loaded host: look for what every tick logs.
    assert "timer_tick" in out and "Python Exception" not in out, out


@pytest.mark.timeout(240)
def test_disable_enable_and_clear_from_gdb(boot):
    k = boot("ltt kstub=ttyS1", 4, gdb=True)
    k.wait_for(USER, 30)
    out = gdb(k, k.gdb_tty, "ltt disable timer_tick heartbeat irq_entry irq_exit",
              "ltt clear", "monitor hooks ltt_", "detach")
    assert "disabled: timer_tick heartbeat irq_entry irq_exit" in out, out
    assert re.search(r"^ltt: (cleared 4 CPUs|CPU [\d, ]+ stopped while "
                     r"logging an event: the kernel clears)", out, re.M), out
    k.wait_for(USER, 30, start=len(k.console))
    k.wait_for(USER, 30, start=len(k.console))
    out = gdb(k, k.gdb_tty, "ltt dump", "monitor hooks ltt_", "ltt events",
              "ltt enable all", "detach")
    names = set(re.findall(r"^\[\d+\.\d+\] cpu \d (\w+):", out, re.M))
    assert "sched_switch" in names and "syscall_entry" in names, out
    assert not names & {"timer_tick", "heartbeat", "irq_entry", "irq_exit"}, names
    # The disabled events' hook points went back to NOPs.
    state = dict(re.findall(r"^(ltt_\w+)\s+static\s+\S+\s+sites=\d+\s+(\S+)",
                            out, re.M))
    assert state["ltt_timer_tick"] != "ARMED", out
    assert state["ltt_irq_entry"] != "ARMED", out
    assert state["ltt_sched_switch"] == "ARMED", out
    assert re.search(r"^\s+12\s+off\s+static\s+timer_tick", out, re.M), out


@pytest.mark.timeout(240)
def test_wrapped_buffer_reports_lost_events(boot, tmp_path):
    k = boot("ltt kstub=ttyS1 ltt.size=4096 ltt.subbuf=1024", 2, gdb=True)
    k.wait_for(r"^ltt: 2 CPUs x 4 x 1024 bytes, overwrite, tracing", 30)
    k.wait_for(USER, 30)
    ctf = tmp_path / "ctf"
    out = gdb(k, k.gdb_tty, "ltt status", "ltt dump --ctf %s" % ctf,
              "ltt buffer --subbuf 512 --count 8 --mode discard", "ltt status",
              "ltt buffer --subbuf 4096 --count 4", "detach")
    lost = [int(x) for x in re.findall(r"^CPU \d: \d+ events, \d+ packets, "
                                       r"lost: full 0 wrap (\d+)", out, re.M)]
    assert len(lost) >= 2 and all(n > 0 for n in lost[:2]), out
    m = re.search(r"^lost in total: (\d+) \(full 0, wrap (\d+),", out, re.M)
    assert m and int(m.group(1)) == int(m.group(2)) > 0, out
    assert "ltt: 8 x 512 bytes per CPU, discard mode (buffers emptied)" in out
    assert re.search(r"^ltt: tracing, discard mode, 2 CPUs x 8 sub-buffers "
                     r"of 512 bytes", out, re.M), out
    assert "does not fit the 4096-byte pool per CPU" in out, out
    babeltrace_cli(ctf)
    check_trace(read_ctf(ctf))
    # Discard mode from now on: the buffer fills and then drops new events.
    k.wait_for(USER, 30, start=len(k.console))
    out = gdb(k, k.gdb_tty, "ltt status", "detach")
    full = [int(x) for x in re.findall(r"lost: full (\d+) wrap 0", out)]
    assert full and max(full) > 0, out


# --- the flight recorder (issue 13) -----------------------------------------

LTT_LINE = r"^ltt: 4 CPUs x (\d+) x (\d+) bytes, overwrite, (tracing|stopped), "


@pytest.mark.timeout(240)
def test_flight_recorder_on_by_default_and_off_on_request(boot):
    k = boot("", 4)
    m = k.wait_for(LTT_LINE, 60)
    assert m.group(3) == "tracing", k.tail(20)
    # 128 KiB a CPU by default.
    assert int(m.group(1)) * int(m.group(2)) == 131072, k.tail(20)
    k = boot("ltt=off ltt.size=65536", 4)
    m = k.wait_for(LTT_LINE, 60)
    assert m.group(3) == "stopped", k.tail(20)
    assert int(m.group(1)) * int(m.group(2)) == 65536, k.tail(20)


@pytest.mark.timeout(240)
def test_oops_prints_the_last_events_of_every_cpu(boot):
    """kstub.fault=null (no debugger): after the register dump, the last
    ltt.oops_dump=N events of each CPU, the fault's own trap_entry last on
    its CPU."""
    k = boot("kstub.fault=null ltt.oops_dump=5", 4, expect_crash=True)
    oops = k.wait_for(r"^Oops: page fault .* on CPU (\d+) in ", 60)
    cpu = int(oops.group(1))
    k.wait_for(r"^System halted", 60, start=oops.start())
    text = k.console[oops.start():]
    blocks = re.findall(r"^ltt: last (\d+) events of CPU (\d+) \(of (\d+) in "
                        r"the buffer\):\n((?:  \[.*\n)*)", text, re.M)
    assert [int(b[1]) for b in blocks] == [0, 1, 2, 3], text
    for shown, c, total, lines in blocks:
        assert int(shown) == min(5, int(total)) and int(total) > 0, text
        assert lines.count("\n") == int(shown), text
        stamps = [float(t) for t in re.findall(r"^  \[([\d.]+)\]", lines, re.M)]
        assert stamps == sorted(stamps), text
    last = blocks[cpu][3].strip().split("\n")[-1]
    assert re.search(r"trap_entry: vector=14, ", last), text


@pytest.mark.timeout(240)
def test_oops_dump_off(boot):
    k = boot("kstub.fault=null ltt.oops_dump=0", 2, expect_crash=True)
    oops = k.wait_for(r"^Oops: page fault", 60)
    k.wait_for(r"^System halted", 60, start=oops.start())
    assert "ltt: last" not in k.console, k.tail(40)


@pytest.mark.timeout(300)
def test_recorder_off_on_resize_clear_while_every_cpu_logs(boot):
    """ltt.stress=N (kernel/selftest/ltt_stress.c): N rounds of stop/start,
    clear and new geometry while a writer on each of 4 CPUs logs, the
    area decoded and checked every 8 rounds; then the kernel runs on."""
    k = boot("ltt.stress=1000", 4)
    m = k.wait_for(r"^ltt: stress (passed|FAILED).*$", 240)
    assert m.group(1) == "passed", k.tail(20)
    checks = re.search(r"(\d+) checks of (\d+) records, (\d+) logged", m.group(0))
    assert checks and int(checks.group(1)) >= 100 and int(checks.group(2)) > 0, m.group(0)
    k.wait_for(USER, 30, start=m.end())
