# SPDX-License-Identifier: MIT OR GPL-2.0-only
"""kstub gdb commands: `source gdb-scripts/kstub.py` in gdb.

Adds:
  ltt ...     the LTT trace buffer (status, events, dump, enable, disable,
              start, stop, clear, buffer, new-event, log): `help ltt`
  kstub symbols
              a stock Linux kernel's symbols from kstub.ko (ports/linux):
              kstub_symbols.py
  set/show kstub-binary-reads
              bulk reads with binary x packets (default on; stubs
              without x fall back to hex m): kstub_xfer.py

Everything reads target memory, so it works through kstub
(`target remote /dev/ttyS0`) and through QEMU's own gdbstub
(`target remote :1234`) alike, with the kernel's symbols loaded.
"""
import os
import sys

import gdb

_here = os.path.dirname(os.path.abspath(__file__))
if _here not in sys.path:
    sys.path.insert(0, _here)

import kstub_xfer  # noqa: E402
import ltt_gdb  # noqa: E402
import kstub_symbols  # noqa: E402

# Sourcing twice must not define the commands and the parameter twice.
if not getattr(gdb, "_kstub_xfer_registered", False):
    kstub_xfer.register()
    gdb._kstub_xfer_registered = True
if not getattr(gdb, "_kstub_symbols_registered", False):
    kstub_symbols.register()
    gdb._kstub_symbols_registered = True
if not getattr(gdb, "_kstub_ltt_registered", False):
    ltt_gdb.register()
    gdb._kstub_ltt_registered = True
