# SPDX-License-Identifier: MIT OR GPL-2.0-only
"""The harness itself: accelerator choice, waits, the gdb pty, cleanup, and
the gdb helpers (checked against QEMU's own gdbstub until kstub's exists)."""
import os
import re
import socket

import pytest

import harness
import qemu_accel
from harness import GdbMI, WaitTimeout, parse_mi_record, run_gdb_batch

ONLINE = r"^CPUs online: (\d+)$"


# --- accelerator choice (no QEMU) ----------------------------------------

@pytest.fixture
def fake_host(tmp_path):
    kvm, cpuinfo = tmp_path / "kvm", tmp_path / "cpuinfo"

    def host(kvm_exists, flags, env=None):
        if kvm_exists:
            kvm.write_text("")
        elif kvm.exists():
            kvm.unlink()
        cpuinfo.write_text("processor\t: 0\nflags\t\t: fpu %s sse2\n" % flags)
        return qemu_accel.choose_accel(env or {}, str(kvm), str(cpuinfo))
    return host


@pytest.mark.timeout(10)
def test_accel_choice(fake_host):
    assert fake_host(False, "vmx") == "tcg"       # no /dev/kvm
    assert fake_host(True, "hypervisor") == "tcg"  # nested, no vmx/svm
    assert fake_host(True, "vmx") == "kvm"
    assert fake_host(True, "svm") == "kvm"
    assert fake_host(True, "vmx", {"QEMU_ACCEL": "tcg"}) == "tcg"
    assert fake_host(False, "", {"QEMU_ACCEL": "kvm"}) == "kvm"
    with pytest.raises(ValueError):
        fake_host(True, "vmx", {"QEMU_ACCEL": "hvf"})
    assert qemu_accel.accel_args("tcg") == ["-accel", "tcg,thread=multi"]


@pytest.mark.timeout(10)
def test_parse_mi_record():
    r = parse_mi_record('5^done,threads=[{id="1",target-id="Thread 1.1",'
                        'frame={level="0",addr="0x10",args=[]}}],'
                        'current-thread-id="1"')
    assert (r.token, r.kind, r.cls) == (5, "^", "done")
    assert r["threads"][0]["frame"]["addr"] == "0x10"
    assert r["current-thread-id"] == "1"
    assert parse_mi_record('~"a\\tb\\n"').results == {"text": "a\tb\n"}
    r = parse_mi_record('*stopped,reason="signal-received",stopped-threads="all"')
    assert (r.token, r.kind, r.cls, r["reason"]) == \
        (None, "*", "stopped", "signal-received")
    assert parse_mi_record("^running").cls == "running"


# --- Kernel --------------------------------------------------------------

@pytest.mark.timeout(30)
def test_wait_for_timeout_shows_console_tail(boot):
    # expect_crash: this checks the timeout path, whatever the kernel does.
    k = boot("", 1, expect_crash=True)
    k.wait_for(ONLINE, 30)
    with pytest.raises(WaitTimeout) as e:
        k.wait_for(r"^no such line$", 0.2)
    assert "CPUs online: 1" in str(e.value)
    assert "timed out" in str(e.value)


@pytest.mark.timeout(30)
def test_gdb_pty_and_cleanup(boot):
    k = boot("", 1, gdb=True)
    assert re.fullmatch(r"/dev/pts/\d+", k.gdb_tty) and os.path.exists(k.gdb_tty)
    k.wait_for(ONLINE, 30)
    assert "char device redirected" not in k.console
    k.send(b"\r\n")             # COM1 input: the kernel may ignore it
    k.close()
    assert k.proc.poll() is not None and not k.alive


@pytest.mark.timeout(30)
def test_wait_for_notices_qemu_exit(boot):
    k = boot("", 1)
    k.wait_for(ONLINE, 30)
    k.proc.kill()
    with pytest.raises(WaitTimeout, match="QEMU exited"):
        k.wait_for(r"^no such line$", 20)


# --- gdb helpers against QEMU's gdbstub ------------------------------------

def free_tcp_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.timeout(90)
def test_gdb_helpers_against_qemu_gdbstub(boot, kernel_elf):
    port = free_tcp_port()
    k = boot("", 2, extra_args=["-gdb", "tcp:127.0.0.1:%d" % port])
    k.wait_for(ONLINE, 30)
    target = "127.0.0.1:%d" % port

    out = run_gdb_batch(kernel_elf, target,
                        ["info threads", "bt", "info registers rip"], timeout=60)
    assert len(re.findall(r"^\*?\s+\d+\s+Thread ", out, re.M)) == 2, out
    assert re.search(r"^rip\s+0x[0-9a-f]+", out, re.M), out

    with GdbMI(kernel_elf) as mi:
        assert mi.command("-target-select remote " + target, 30).cls == "connected"
        threads = mi.command("-thread-info")["threads"]
        assert len(threads) == 2
        assert mi.command("-exec-continue").cls == "running"
        mi.command("-exec-interrupt")
        mi.wait_for(r'^\*stopped', 30)
        v = mi.command('-data-evaluate-expression "(long)&demo_counter"')
        assert int(v["value"]) == harness.ElfSymbols(kernel_elf).addr("demo_counter")
        err = mi.command("-no-such-command", check=False)
        assert err.cls == "error"


@pytest.mark.timeout(30)
def test_unexpected_crash_fails_fast(boot):
    k = boot("kstub.fault=null", 1)
    with pytest.raises(WaitTimeout, match=r"kernel crashed \(Oops: "):
        k.wait_for(r"^no such line$", 25)


@pytest.mark.timeout(90)
def test_gdb_batch_over_com2_pty(boot, kernel_elf):
    # The plumbing later stub tests use: kstub on COM2, gdb on k.gdb_tty.
    k = boot("kstub=ttyS1 kstub.wait", 2, gdb=True)
    start = k.wait_for(r"^kstub: waiting for gdb on ttyS1$", 30).end()
    out = run_gdb_batch(kernel_elf, k.gdb_tty, ["info threads", "detach"],
                        timeout=60)
    assert len(re.findall(r"^\*?\s+\d+\s+Thread \d+ \"CPU#\d\"", out, re.M)) == 2, out
    k.wait_for(r"^user: pid=\d+ iteration=1 ", 30, start)   # resumed
