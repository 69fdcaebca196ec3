"""Issue 4: hook points, MP-safe patching and probes in the running kernel.

The in-kernel parts (kernel/hooks_selftest.c) are started from the command
line and print result lines these tests wait for; gdb checks `monitor
hooks` through the stub on COM2.
"""
import re

import pytest

from harness import run_gdb_batch

ONLINE = r"^CPUs online: 4$"


@pytest.mark.timeout(90)
def test_selftest_static_hooks_sets_probes(boot):
    k = boot("hooks.selftest", cpus=4)
    k.wait_for(ONLINE, 30)
    m = k.wait_for(r"^hooks: selftest (passed|FAILED).*$", 60)
    assert m.group(1) == "passed", k.tail(40)
    assert "FAILED" not in k.console
    con = k.console
    # A probe mid-function on a rip-relative load ran its exit and the
    # function still returned the right value.
    assert re.search(r"^hooks: probe at hooks_st_rip\+[1-9]\d* \(rip-relative\) "
                     r"hit 2 times, result ok$", con, re.M), con
    assert re.search(r"^hooks: 11 probe kinds .* ok$", con, re.M), con
    # Refused instructions, each with its reason.
    for reason in ["not an instruction boundary", "int3", "iret", "loads SS",
                   "far transfer", "software interrupt or system call",
                   "ud0/ud1/ud2 \\(raises #UD on purpose\\)",
                   "inside the debugger or patch engine",
                   "not in kernel text"]:
        assert re.search(r"^hooks: probe refused at [0-9a-f]+: %s$" % reason,
                         con, re.M), reason


@pytest.mark.timeout(120)
def test_monitor_hooks_lists_hooks_exits_state(boot, kernel_elf):
    k = boot("kstub=ttyS1 hooks.selftest", cpus=4, gdb=True)
    k.wait_for(r"^kstub: gdb stub on ttyS1", 30)
    k.wait_for(r"^hooks: selftest passed", 60)
    out = run_gdb_batch(kernel_elf, k.gdb_tty,
                        ["monitor hooks", "monitor hooks hst_b", "monitor help",
                         "detach"], timeout=90)
    # One line per hook: name, kind, address, sites, state, set, exits.
    assert re.search(r"^hst_one\s+static\s+0x[0-9a-f]{16}\s+sites=1\s+"
                     r"disarmed\s+set=-\s+exits=2$", out, re.M), out
    assert re.search(r"^hst_b\s+static\s+0x[0-9a-f]{16}\s+sites=1\s+"
                     r"disarmed\s+set=hst_set\s+exits=1$", out, re.M), out
    # Exits with priorities and call counts, in dispatch order.
    assert re.search(r"^\s+exit prio=10\s+first\s+calls=\d+\n"
                     r"\s+exit prio=30\s+third\s+calls=\d+$", out, re.M), out
    assert re.search(r"^1 hooks, 0 armed$", out, re.M), out
    assert re.search(r"hooks \[PREFIX\]", out), out
