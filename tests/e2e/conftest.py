# SPDX-License-Identifier: MIT OR GPL-2.0-only
"""pytest glue for the e2e tests.

  boot(cmdline="", cpus=1, gdb=False, **kw) -> harness.Kernel, started.
      Every kernel a test boots is killed when the test ends, pass or fail;
      on failure its console tail is added to the report, and the full
      console goes to build/e2e-logs/<test>.log.
  kernel_elf -> path of build/kernel.elf (skips nothing: a missing kernel
      is an error, `make test` builds it first).

Every test has a timeout: @pytest.mark.timeout(N), default DEFAULT_TIMEOUT,
scaled by KSTUB_TIMEOUT_SCALE.  pytest-timeout (python3-pytest-timeout)
enforces it (its default method on Linux is SIGALRM: the test fails and
fixture finalizers still kill QEMU); without the plugin a SIGALRM fallback
here does the same.
"""
import signal

import pytest

import harness

DEFAULT_TIMEOUT = 60

def pytest_configure(config):
    config.addinivalue_line("markers",
                            "timeout(seconds): fail the test after that long")


def _timeout_of(item):
    m = item.get_closest_marker("timeout")
    secs = m.args[0] if m and m.args else DEFAULT_TIMEOUT
    return harness.scaled(secs)


def pytest_collection_modifyitems(items):
    # One place sets every test's budget, scaled for slow machines.
    for item in items:
        secs = _timeout_of(item)
        item.own_markers = [m for m in item.own_markers if m.name != "timeout"]
        item.add_marker(pytest.mark.timeout(secs))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item, nextitem):
    if item.config.pluginmanager.hasplugin("timeout"):
        yield
        return
    secs = _timeout_of(item)

    def expired(signum, frame):
        pytest.fail("test timed out after %gs" % secs, pytrace=True)

    old = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, secs)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    if rep.failed:
        for k in getattr(item, "_kstub_kernels", ()):
            rep.sections.append(("console of QEMU -smp %d -append %r"
                                 % (k.cpus, k.cmdline), k.tail(60)))


@pytest.fixture
def boot(request):
    kernels = request.node._kstub_kernels = []

    def _boot(cmdline="", cpus=1, gdb=False, **kw):
        name = request.node.name + ("" if not kernels else "-%d" % len(kernels))
        k = harness.Kernel(cmdline, cpus, gdb=gdb, name=name, **kw)
        kernels.append(k)
        return k.start()

    try:
        yield _boot
    finally:
        for k in kernels:
            k.close()


@pytest.fixture
def kernel_elf():
    return harness.KERNEL_ELF
