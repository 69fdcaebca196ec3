"""tools/run.py, what `make run` calls: console-only boot, the scripted gdb
session it runs when stdin is not a terminal, and its errors."""
import re
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


@pytest.mark.timeout(20)
def test_run_udp_is_a_clear_error():
    r = run_py("--transport", "udp", timeout=10)
    assert r.returncode == 2
    assert "UDP transport not implemented yet" in r.stdout


@pytest.mark.timeout(20)
def test_run_rejects_bad_cpu_count():
    r = run_py("--cpus", "0", timeout=10)
    assert r.returncode == 2 and "--cpus" in r.stdout
