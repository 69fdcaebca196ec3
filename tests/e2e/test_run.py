# SPDX-License-Identifier: MIT OR GPL-2.0-only
"""tools/run.py, what `make run` calls: console-only boot, the scripted gdb
session it runs when stdin is not a terminal, and its errors."""
import re
import socket
import subprocess

import pytest

import harness

RUN = ["/usr/bin/python3",
       str(harness.REPO / "tools" / "run.py"), "--kernel", str(harness.KERNEL_ELF)]


def run_py(*args, timeout=60):
    return subprocess.run(RUN + list(args), stdin=subprocess.DEVNULL,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          timeout=harness.scaled(timeout), text=True)


@pytest.mark.timeout(30)
def test_run_no_gdb_console_and_quit_key():
    p = subprocess.Popen(RUN + ["--no-gdb", "--cpus", "2"],
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, start_new_session=True)
    try:
        out = b""
        while not re.search(rb"CPUs online: 2\r?\n", out):
            chunk = p.stdout.read1(4096)
            assert chunk, out.decode(errors="replace")
            out += chunk
        p.stdin.write(b"\x01x")         # Ctrl-A X: QEMU quits
        p.stdin.flush()
        assert p.wait(harness.scaled(15)) == 0
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()


@pytest.mark.timeout(90)
def test_run_scripted_gdb_session():
    r = run_py("--cpus", "2", timeout=80)
    out = r.stdout
    assert r.returncode == 0, out
    assert "CPUs online: 2" in out
    assert re.search(r"kstub: .*waiting for gdb", out), out
    assert len(re.findall(r"^\*?\s+\d+\s+Thread \d+ \"CPU#\d\"", out, re.M)) == 2, out
    assert re.search(r"^#0 .* in kstub_breakpoint ", out, re.M), out
    assert re.search(r"^rip\s+0x[0-9a-f]+", out, re.M), out
    assert "detached" in out


@pytest.mark.timeout(90)
def test_run_udp_scripted_gdb_session():
    """make run TRANSPORT=udp: e1000 + user networking, gdb on
    udp:127.0.0.1:PORT, and the console still on the terminal after gdb
    attached (it stays on serial)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    r = run_py("--transport", "udp", "--port", str(port), "--cpus", "2",
               timeout=80)
    out = r.stdout
    assert r.returncode == 0, out
    assert "kstub: waiting for gdb on udp:10.0.2.15:%d" % port in out, out
    assert "target remote udp:127.0.0.1:%d" % port in out, out
    assert len(re.findall(r"^\*?\s+\d+\s+Thread \d+ \"CPU#\d\"", out, re.M)) == 2, out
    assert re.search(r"^#0 .* in kstub_breakpoint ", out, re.M), out
    assert "detached" in out
    # Printed by the kernel on COM1 once gdb spoke: copied by run.py.
    assert re.search(r"^kstub: gdb session bound to 10\.0\.2\.2:\d+$", out,
                     re.M), out


@pytest.mark.timeout(20)
def test_run_port_errors():
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        r = run_py("--transport", "udp", "--port", str(s.getsockname()[1]),
                   timeout=10)
        assert r.returncode == 2
        assert "UDP port %d on 127.0.0.1: " % s.getsockname()[1] in r.stdout
    r = run_py("--port", "4000", timeout=10)
    assert r.returncode == 2 and "--port is for --transport udp" in r.stdout


@pytest.mark.timeout(20)
def test_run_rejects_bad_cpu_count():
    r = run_py("--cpus", "0", timeout=10)
    assert r.returncode == 2 and "--cpus" in r.stdout
