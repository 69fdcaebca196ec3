# SPDX-License-Identifier: MIT OR GPL-2.0-only
"""gdb commands for the kstub LTT trace: `ltt status|events|dump|enable|
disable|start|stop|clear|buffer|new-event|log`.

They read the trace area from target memory in a few bulk reads and decode
it on the host (ltt_format.py), so they work on a stopped kernel through
kstub, through QEMU's own gdbstub, or any stub that reads memory.

Commands that change the trace (enable, start, clear, new-event, log ...)
write target memory only, with the kernel stopped: they act like one more
writer nested on the stopped CPU (as an NMI would), following the same
lock-free rules as the kernel's writers (trace/ltt_buf.c).  What needs
kernel code -- patching the event sites to arm or disarm them -- is left
to the kernel's ltt_ctl task: the registry flag takes effect at once (every
exit checks it) and the sites follow within 20 ms of `continue`; the
command bumps the area's `request` word, which ltt_ctl copies to `ack`
when done.

Reads go through kstub_xfer.Reader: binary `x` packets when the stub
answers them (kstub), gdb's hex `m` reads otherwise (QEMU's gdbstub,
`set kstub-binary-reads off`).
"""
import struct

import gdb

import kstub_xfer as X
import ltt_format as L


def _err(msg):
    raise gdb.GdbError(msg)


class _Target:
    """The trace area in the selected inferior."""

    def __init__(self):
        try:
            v = gdb.parse_and_eval("ltt_area_ptr")
        except gdb.error:
            _err("no symbol ltt_area_ptr: load the kernel's symbols first "
                 "(file build/kernel.elf)")
        try:
            self.base = int(v)
        except gdb.error as e:
            _err("cannot read ltt_area_ptr: %s (is the target connected?)" % e)
        if self.base == 0:
            _err("the kernel has no trace buffer (ltt_port_init has not run "
                 "or failed)")
        self.inf = gdb.selected_inferior()
        self.reader = X.Reader(self.inf)
        try:
            self.trace = L.Trace(self.read)
        except L.LttError as e:
            _err("trace area at 0x%x: %s" % (self.base, e))

    def read(self, off, size):
        if size == 0:
            return b""
        try:
            return self.reader.read(self.base + off, size)
        except (gdb.MemoryError, X.XferError) as e:
            _err("cannot read %d bytes of the trace area at 0x%x: %s"
                 % (size, self.base + off, e))

    def write(self, off, data):
        try:
            self.inf.write_memory(self.base + off, bytes(data))
        except gdb.MemoryError as e:
            _err("cannot write the trace area at 0x%x: %s"
                 % (self.base + off, e))

    def put32(self, off, v):
        self.write(off, struct.pack("<I", v))

    def put64(self, off, v):
        self.write(off, struct.pack("<Q", v & (1 << 64) - 1))

    @property
    def area(self):
        return self.trace.area

    def event(self, name):
        e = self.trace.event_by_name(name)
        if e is None:
            try:
                e = self.trace.events.get(int(name, 0))
            except ValueError:
                e = None
        if e is None:
            _err("no event %r (see `ltt events`)" % name)
        return e

    def request(self):
        """Ask the kernel's ltt_ctl to re-apply enables after `continue`."""
        self.put32(L.AREA_OFF["request"], (self.area.request + 1) & 0xffffffff)

    def quiescent(self):
        for c in self.trace.cpus:
            if c.nest:
                _err("CPU %d is in the middle of logging an event: continue "
                     "a moment and try again" % c.index)

    # --- one more writer, nested on a stopped CPU (see ltt_buf.c) ------

    def log(self, cpu, event, payload):
        a, t = self.area, self.trace
        if not a.active:
            _err("tracing is stopped: `ltt start` first")
        if not event.enabled:
            _err("event %s is disabled: `ltt enable %s` first"
                 % (event.name, event.name))
        if not 0 <= cpu < a.ncpus:
            _err("no CPU %d (the trace has %d)" % (cpu, a.ncpus))
        c = t.cpus[cpu]
        sb, n = a.subbuf_size, a.n_subbufs
        rec = L.REC_HDR + len(payload)
        if rec > sb - L.PKT_HDR:
            _err("record of %d bytes does not fit a %d-byte sub-buffer"
                 % (rec, sb))
        if c.nest >= L.MAX_NEST:
            _err("CPU %d: writers nested too deep" % cpu)
        # After everything already in the trace: the CPUs are stopped.
        ts = max([x.last_ts for x in t.cpus] + [a.start_ts]) + 1
        old = c.offset
        inn = old % sb
        close_old, open_new, begin = False, inn == 0, old
        if inn and inn + rec > sb:
            close_old = open_new = True
            begin = old - inn + sb
        if open_new:
            p = begin // sb
            if a.mode == L.DISCARD and p - c.consumed >= n:
                _err("CPU %d's buffer is full (discard mode)" % cpu)
            if a.mode == L.OVERWRITE and c.commit[p % n] != (p // n) * sb:
                _err("CPU %d: the sub-buffer to reuse is still being written"
                     % cpu)
            begin += L.PKT_HDR
        end = begin + rec
        p, cbase = begin // sb, a.cpu_off(cpu)
        slot, gen = p % n, p // n
        commit = list(c.commit)
        self.put64(cbase + 0, end)
        self.put64(cbase + 24, ts)
        if close_old:
            self._close(cpu, commit, old, ts)
        if open_new:
            self._open(cpu, c, commit, p, ts)
        if end % sb == 0:
            self._close(cpu, commit, end, ts)
        data = struct.pack("<IIQ", event.id, rec, ts) + payload
        self.write(a.data_base(cpu) + slot * sb + begin % sb, data)
        old_ev = c.sb_events[slot]
        if old_ev >> 32 == gen:
            new_ev = old_ev + 1
        else:
            new_ev = gen << 32 | 1
            if gen and a.mode == L.OVERWRITE:
                self.put64(cbase + 40 + 8, c.lost[1] + (old_ev & 0xffffffff))
        self.put64(cbase + 328 + 8 * slot, new_ev)
        self.put64(cbase + 32, c.events + 1)
        commit[slot] += rec
        self.put64(cbase + 72 + 8 * slot, commit[slot])
        for i in range(L.MAX_SUBBUF):
            if commit[i] != c.commit[i] and i != slot:
                self.put64(cbase + 72 + 8 * i, commit[i])
        return ts

    def _close(self, cpu, commit, pos, ts):
        a = self.area
        sb = a.subbuf_size
        p = (pos - 1) // sb
        slot = p % a.n_subbufs
        used = pos - p * sb
        h = a.data_base(cpu) + slot * sb
        self.write(h + 40, struct.pack("<QQ", ts, used * 8))
        commit[slot] += sb - used

    def _open(self, cpu, c, commit, p, ts):
        a = self.area
        sb = a.subbuf_size
        slot = p % a.n_subbufs
        h = a.data_base(cpu) + slot * sb
        self.write(h, struct.pack("<I16sIQQ", L.PKT_MAGIC, a.uuid, 0, cpu, ts))
        self.write(h + 56, struct.pack("<QQQI", sb * 8, p,
                                       c.lost[0] + c.lost[2] + c.lost[3],
                                       cpu))
        commit[slot] += L.PKT_HDR


def _dump_bytes(t, cpus):
    """What Trace.packets() will read for these CPUs (the progress total):
    every packet of packet_range(), whole if closed, else up to the
    CPU's write offset."""
    a, sb, n = t.area, t.area.subbuf_size, 0
    for cpu in (cpus if cpus is not None else range(a.ncpus)):
        c = t.trace.cpus[cpu]
        rng = t.trace.packet_range(c)
        for p in rng:
            closed = p < rng[-1] or c.offset % sb == 0
            n += sb if closed else c.offset - p * sb
    return n


def _xfer_summary(reader, prog):
    """`read 1.0 MiB in 3.200 s (0.31 MiB/s, binary x packets)` after a read
    that took a second or more, where progress is shown (a terminal); with
    KSTUB_XFER_SUMMARY=1 always (the benchmark's record), =0 never.  Off
    otherwise, so gdb -batch output stays as it was."""
    force = X.env_flag("KSTUB_XFER_SUMMARY")
    if force or (force is None and prog.enabled and reader.seconds >= 1.0):
        gdb.write(reader.summary() + "\n")


def _selected_cpu():
    th = gdb.selected_thread()
    if th is None:
        _err("no thread selected (is the target connected?)")
    # kstub and QEMU's gdbstub both number threads cpu + 1.
    tid = th.ptid[1] or th.num
    return tid - 1


def _opts(arg, spec):
    """Split argv into ({opt: value}, [positional]).  spec: {'--x': takes
    a value}."""
    argv = gdb.string_to_argv(arg)
    opts, pos, i = {}, [], 0
    while i < len(argv):
        a = argv[i]
        if a.startswith("--") and a != "--":
            if a not in spec:
                _err("unknown option %s (options: %s)" % (a, " ".join(sorted(spec))))
            if spec[a]:
                if i + 1 >= len(argv):
                    _err("%s needs a value" % a)
                opts[a] = argv[i + 1]
                i += 2
            else:
                opts[a] = True
                i += 1
        else:
            if a == "--":
                pos.extend(argv[i + 1:])
                break
            pos.append(a)
            i += 1
    return opts, pos


def _int(s, what):
    try:
        return int(s, 0)
    except ValueError:
        _err("%s: %r is not a number" % (what, s))


class Ltt(gdb.Command):
    """The kstub LTT trace buffer (kernel events, run-time events, CTF).

Usage: ltt status|events|dump|enable|disable|start|stop|clear|buffer|new-event|log
Type `help ltt SUBCOMMAND` for each.  The commands read and write target
memory (the symbol ltt_area_ptr), so they work through kstub or QEMU's own
gdbstub, on a stopped kernel."""

    def __init__(self):
        super().__init__("ltt", gdb.COMMAND_DATA, gdb.COMPLETE_NONE, True)


class LttStatus(gdb.Command):
    """Show the trace state: on/off, mode, geometry, clock, events and lost
events per CPU by cause.

Usage: ltt status"""

    def __init__(self):
        super().__init__("ltt status", gdb.COMMAND_DATA)

    def invoke(self, arg, from_tty):
        t = _Target()
        a, tr = t.area, t.trace
        gdb.write("ltt: %s, %s mode, %d CPUs x %d sub-buffers of %d bytes "
                  "(pool %d per CPU)\n"
                  % ("tracing" if a.active else "stopped", L.MODES.get(a.mode, "?"),
                     a.ncpus, a.n_subbufs, a.subbuf_size, a.data_stride))
        gdb.write("clock: TSC at %d Hz; %d event types; metadata %d bytes; "
                  "area at 0x%x (%d bytes)\n"
                  % (a.clock_hz, len(tr.events), a.meta_len, t.base, a.area_size))
        if a.request != a.ack:
            gdb.write("pending: the kernel has not yet applied the last "
                      "enable/disable (continue)\n")
        tot = [0, 0, 0, 0]
        for c in tr.cpus:
            pk = len(tr.packet_range(c))
            gdb.write("CPU %d: %d events, %d packets%s, lost: %s\n"
                      % (c.index, c.events, pk,
                         ", stopped while logging" if c.nest else "",
                         " ".join("%s %d" % (n, v) for n, v in
                                  zip(L.LOST_CAUSES, c.lost))))
            tot = [x + y for x, y in zip(tot, c.lost)]
        gdb.write("lost in total: %d (%s)\n"
                  % (sum(tot), ", ".join("%s %d" % (n, v) for n, v in
                                         zip(L.LOST_CAUSES, tot))))


class LttEvents(gdb.Command):
    """List the event types: id, on/off, origin (static key event, declared
by the kernel at run time, or from gdb) and field layout.

Usage: ltt events"""

    def __init__(self):
        super().__init__("ltt events", gdb.COMMAND_DATA)

    def invoke(self, arg, from_tty):
        t = _Target()
        gdb.write("%4s  %-3s  %-7s  %-20s %s\n" % ("id", "on", "origin",
                                                  "name", "layout"))
        for eid in sorted(t.trace.events):
            e = t.trace.events[eid]
            origin = ("static" if e.flags & L.EV_STATIC else
                      "gdb" if e.flags & L.EV_GDB else "kernel")
            lay = e.layout
            if e.flags & L.EV_RAW:
                lay = "raw, at most %d bytes" % e.raw_max
            gdb.write("%4d  %-3s  %-7s  %-20s %s\n"
                      % (eid, "on" if e.enabled else "off", origin, e.name, lay))


class LttDump(gdb.Command):
    """Dump the trace: text by default, or a CTF directory, Chrome JSON, raw.

Usage: ltt dump [--cpu N] [--last N] [--ctf DIR] [--json FILE] [--raw FILE]
  --cpu N      only CPU N
  --last N     only the last N events (text and JSON)
  --ctf DIR    write a CTF 1.8 trace (metadata + one stream per CPU) that
               babeltrace2 and Trace Compass read as is
  --json FILE  Chrome trace event JSON (chrome://tracing, Perfetto)
  --raw FILE   the trace area as read (host-tools/ltt-convert input)
Text and JSON merge the CPUs into one timeline in time order (each line
says its CPU).  Records a CPU was still writing when it stopped are cut,
not shown torn."""

    def __init__(self):
        super().__init__("ltt dump", gdb.COMMAND_DATA, gdb.COMPLETE_FILENAME)

    def invoke(self, arg, from_tty):
        opts, pos = _opts(arg, {"--cpu": True, "--last": True, "--ctf": True,
                                "--json": True, "--raw": True})
        if pos:
            _err("unexpected argument %r (see help ltt dump)" % pos[0])
        t = _Target()
        tr = t.trace
        cpus = None
        if "--cpu" in opts:
            cpu = _int(opts["--cpu"], "--cpu")
            if not 0 <= cpu < t.area.ncpus:
                _err("no CPU %d (the trace has %d)" % (cpu, t.area.ncpus))
            cpus = [cpu]
        last = _int(opts["--last"], "--last") if "--last" in opts else None
        # Every read of the dump happens here, under one status line (the
        # buffers can be MiBs: minutes on a serial line).
        raw = "--raw" in opts
        prog = X.Progress("ltt dump", _dump_bytes(t, cpus) +
                          (t.area.data_off if raw else 0))
        t.reader.progress = prog
        try:
            with prog:
                packets = tr.all_packets(cpus)
                head = t.read(0, t.area.data_off) if raw else None
            # Decoding every record costs more than reading them on a
            # fast link: only the text and JSON outputs need it.
            need = ("--json" in opts or not any(
                k in opts for k in ("--raw", "--ctf")))
            records = tr.all_records(packets) if need else []
        except L.LttError as e:
            _err("trace area at 0x%x: %s" % (t.base, e))
        finally:
            t.reader.progress = None
        _xfer_summary(t.reader, prog)
        if last is not None:
            records = records[-last:] if last > 0 else []
        for w in tr.warnings:
            gdb.write("warning: %s\n" % w)
        wrote = False
        if raw:
            self._raw(t, packets, head, opts["--raw"])
            gdb.write("raw trace area: %s\n" % opts["--raw"])
            wrote = True
        if "--ctf" in opts:
            try:
                n = tr.write_ctf(opts["--ctf"], packets)
            except OSError as e:
                _err("cannot write %s: %s" % (opts["--ctf"], e))
            gdb.write("CTF trace: %s (%d packets, %d events, lost %d)\n"
                      % (opts["--ctf"], n, sum(p.nrecords for ps in
                                               packets.values() for p in ps),
                         sum(tr.lost())))
            wrote = True
        if "--json" in opts:
            import json
            try:
                with open(opts["--json"], "w") as f:
                    json.dump(tr.chrome_json(records), f)
            except OSError as e:
                _err("cannot write %s: %s" % (opts["--json"], e))
            gdb.write("Chrome JSON: %s (%d events)\n"
                      % (opts["--json"], len(records)))
            wrote = True
        if wrote:
            return
        for c in (cpus if cpus is not None else range(t.area.ncpus)):
            cp = tr.cpus[c]
            gdb.write("# CPU %d: %d packets, %d events logged, lost %d (%s)\n"
                      % (c, len(packets[c]), cp.events, sum(cp.lost),
                         ", ".join("%s %d" % (n, v) for n, v in
                                   zip(L.LOST_CAUSES, cp.lost))))
        out = []
        for line in tr.text_lines(records):
            out.append(line)
            if len(out) >= 256:
                gdb.write("\n".join(out) + "\n")
                out = []
        if out:
            gdb.write("\n".join(out) + "\n")

    @staticmethod
    def _raw(t, packets, head, path):
        a = t.area
        img = bytearray(a.area_size)
        img[:len(head)] = head
        for c, pkts in packets.items():
            for p in pkts:
                img[p.off:p.off + len(p.raw)] = p.raw
        try:
            with open(path, "wb") as f:
                f.write(img)
        except OSError as e:
            _err("cannot write %s: %s" % (path, e))


def _set_enabled(arg, on):
    names = gdb.string_to_argv(arg)
    if not names:
        _err("which event? (see `ltt events`; `all` for every one)")
    t = _Target()
    evs = list(t.trace.events.values()) if names == ["all"] else \
        [t.event(n) for n in names]
    for e in evs:
        flags = e.flags | L.EV_ENABLED if on else e.flags & ~L.EV_ENABLED
        if flags != e.flags:
            t.write(t.area.event_off(e.id) + 4, struct.pack("<H", flags))
    t.request()
    gdb.write("%s: %s\n" % ("enabled" if on else "disabled",
                            " ".join(e.name for e in evs)))


class LttEnable(gdb.Command):
    """Enable events: their records are logged again.

Usage: ltt enable EVENT... | all
Takes effect at once; the kernel re-arms static event sites (hook points)
within 20 ms of `continue`."""

    def __init__(self):
        super().__init__("ltt enable", gdb.COMMAND_DATA)

    def invoke(self, arg, from_tty):
        _set_enabled(arg, True)


class LttDisable(gdb.Command):
    """Disable events: no more records; a disabled static event's site
goes back to a NOP once the kernel runs (within 20 ms).

Usage: ltt disable EVENT... | all"""

    def __init__(self):
        super().__init__("ltt disable", gdb.COMMAND_DATA)

    def invoke(self, arg, from_tty):
        _set_enabled(arg, False)


class LttStart(gdb.Command):
    """Start tracing on every CPU (logs a trace_start record).

Usage: ltt start"""

    def __init__(self):
        super().__init__("ltt start", gdb.COMMAND_DATA)

    def invoke(self, arg, from_tty):
        t = _Target()
        a = t.area
        if a.active:
            gdb.write("ltt: already tracing\n")
            return
        ts = max([c.last_ts for c in t.trace.cpus] + [a.stop_ts, a.start_ts]) + 1
        t.put64(L.AREA_OFF["start_ts"], ts)
        t.put32(L.AREA_OFF["active"], 1)
        t.request()
        t = _Target()
        e = t.trace.events.get(1)
        if e and e.enabled:
            t.log(_selected_cpu(), e, e.encode([a.mode, a.subbuf_size,
                                                a.n_subbufs, a.ncpus]))
        gdb.write("ltt: tracing\n")


class LttStop(gdb.Command):
    """Stop tracing on every CPU (logs a trace_stop record first).

Usage: ltt stop"""

    def __init__(self):
        super().__init__("ltt stop", gdb.COMMAND_DATA)

    def invoke(self, arg, from_tty):
        t = _Target()
        a = t.area
        if not a.active:
            gdb.write("ltt: already stopped\n")
            return
        e = t.trace.events.get(2)
        if e and e.enabled:
            ts = t.log(_selected_cpu(), e,
                       e.encode([sum(c.events for c in t.trace.cpus),
                                 sum(t.trace.lost())]))
        else:
            ts = max(c.last_ts for c in t.trace.cpus) + 1
        t.put64(L.AREA_OFF["stop_ts"], ts)
        t.put32(L.AREA_OFF["active"], 0)
        t.request()
        gdb.write("ltt: stopped\n")


def _clear(t):
    t.quiescent()
    a = t.area
    for c in t.trace.cpus:
        blk = bytearray(L.CPU_SIZE)
        struct.pack_into("<I", blk, 20, c.index)
        t.write(a.cpu_off(c.index), blk)
    t.put64(L.AREA_OFF["clears"], a.clears + 1)


class LttClear(gdb.Command):
    """Empty every CPU's buffer and zero the counters.

Usage: ltt clear
If a CPU was stopped in the middle of logging an event, its buffer cannot
be emptied under it: the kernel's ltt_ctl task then does the clear as soon
as the kernel runs again (the area's `pending` word)."""

    def __init__(self):
        super().__init__("ltt clear", gdb.COMMAND_DATA)

    def invoke(self, arg, from_tty):
        t = _Target()
        busy = [c.index for c in t.trace.cpus if c.nest]
        if busy:
            t.put32(L.AREA_OFF["pending"], t.area.pending | L.PENDING_CLEAR)
            t.request()
            gdb.write("ltt: CPU %s stopped while logging an event: the kernel "
                      "clears the buffers when it resumes\n"
                      % ", ".join(map(str, busy)))
            return
        _clear(t)
        gdb.write("ltt: cleared %d CPUs\n" % t.area.ncpus)


class LttBuffer(gdb.Command):
    """Set the buffer geometry and mode (empties the buffers).

Usage: ltt buffer [--subbuf BYTES] [--count N] [--mode overwrite|discard]
BYTES is a power of two (512 .. 1 MiB), N is 2..32, and BYTES * N must fit
the pool allocated at boot (ltt.size=, shown by `ltt status`)."""

    def __init__(self):
        super().__init__("ltt buffer", gdb.COMMAND_DATA)

    def invoke(self, arg, from_tty):
        opts, pos = _opts(arg, {"--subbuf": True, "--count": True,
                                "--mode": True})
        if pos or not opts:
            _err("usage: ltt buffer [--subbuf BYTES] [--count N] "
                 "[--mode overwrite|discard]")
        t = _Target()
        a = t.area
        sb = _int(opts.get("--subbuf", str(a.subbuf_size)), "--subbuf")
        n = _int(opts.get("--count", str(a.n_subbufs)), "--count")
        mode = {"overwrite": L.OVERWRITE, "discard": L.DISCARD}.get(
            opts.get("--mode", L.MODES[a.mode]))
        if mode is None:
            _err("--mode is overwrite or discard")
        if sb & (sb - 1) or not L.MIN_SUBBUF <= sb <= L.MAX_SUBBUF_SIZE:
            _err("--subbuf must be a power of two in [%d, %d]"
                 % (L.MIN_SUBBUF, L.MAX_SUBBUF_SIZE))
        if not 2 <= n <= L.MAX_SUBBUF:
            _err("--count must be in [2, %d]" % L.MAX_SUBBUF)
        if sb * n > a.data_stride:
            _err("%d x %d bytes does not fit the %d-byte pool per CPU "
                 "(boot with a larger ltt.size=)" % (n, sb, a.data_stride))
        t.quiescent()
        t.write(L.AREA_OFF["subbuf_size"], struct.pack("<III", sb, n, mode))
        _clear(t)
        gdb.write("ltt: %d x %d bytes per CPU, %s mode (buffers emptied)\n"
                  % (n, sb, L.MODES[mode]))


class LttNewEvent(gdb.Command):
    """Declare an event type at run time; prints its id.

Usage: ltt new-event NAME TYPE FIELD[, TYPE FIELD]...
       ltt new-event NAME --raw MAXBYTES
TYPE: u8 u16 u32 u64 s8 s16 s32 s64 x64 string bytes.  Example:
  ltt new-event probe:hit u64 addr, string what
The id, name and layout go into the trace (a new_event record) and its
TSDL block into the kernel's metadata.  Declaring the same name and
layout again returns the same id."""

    def __init__(self):
        super().__init__("ltt new-event", gdb.COMMAND_DATA)

    def invoke(self, arg, from_tty):
        argv = gdb.string_to_argv(arg)
        if len(argv) < 2:
            _err("usage: ltt new-event NAME LAYOUT | NAME --raw MAXBYTES")
        name = argv[0]
        try:
            L.check_event_name(name)
            if argv[1] == "--raw":
                if len(argv) != 3:
                    _err("usage: ltt new-event NAME --raw MAXBYTES")
                raw_max = _int(argv[2], "--raw")
                if not 0 < raw_max <= 0xffff:
                    _err("--raw takes 1..65535 bytes")
                fields, flags = [L.Field("data", "bytes")], L.EV_RAW
            else:
                raw_max, flags = 0, 0
                fields = L.parse_layout(" ".join(argv[1:]))
        except L.LttError as e:
            _err(str(e))
        t = _Target()
        a, tr = t.area, t.trace
        old = tr.event_by_name(name)
        if old is not None:
            if old.layout == ", ".join(map(repr, fields)) and old.raw_max == raw_max:
                gdb.write("event %s: id %d (already declared)\n" % (name, old.id))
                return
            _err("event %s exists with another layout: %s" % (name, old.layout))
        if a.lock:
            _err("the kernel holds the event registry lock (a CPU stopped "
                 "mid-declaration): continue and retry")
        eid = max(a.nevents, L.FIRST_DYNAMIC_ID)
        if eid >= a.events_cap:
            _err("the event registry is full (%d)" % a.events_cap)
        ev = L.Event(eid, name, L.EV_ENABLED | L.EV_GDB | flags, fields, raw_max)
        text = ev.tsdl().encode()
        if a.meta_len + len(text) >= a.meta_cap:
            _err("no room left in the metadata (%d of %d bytes used)"
                 % (a.meta_len, a.meta_cap))
        t.write(a.event_off(eid), ev.pack())
        t.write(a.meta_off + a.meta_len, text + b"\0")
        t.put32(L.AREA_OFF["meta_len"], a.meta_len + len(text))
        t.put32(L.AREA_OFF["nevents"], eid + 1)
        gdb.write("event %s: id %d\n" % (name, eid))
        # Record the declaration in the trace, as the kernel does.
        t = _Target()
        ne = t.trace.events.get(4)
        if t.area.active and ne and ne.enabled:
            lay = "raw" if flags & L.EV_RAW else ev.layout
            t.log(_selected_cpu(), ne, ne.encode([eid, name, lay]))


class LttLog(gdb.Command):
    """Log a record of a declared event (a custom event) from gdb.

Usage: ltt log [--cpu N] EVENT VALUE...
Values in layout order: numbers (0x.. ok), strings (quote them if they
have spaces), bytes as hex digits.  The record goes into the buffer of CPU
N (default: the selected thread's CPU) with a timestamp just after the
newest one in the trace."""

    def __init__(self):
        super().__init__("ltt log", gdb.COMMAND_DATA)

    def invoke(self, arg, from_tty):
        opts, pos = _opts(arg, {"--cpu": True})
        if not pos:
            _err("usage: ltt log [--cpu N] EVENT VALUE...")
        t = _Target()
        e = t.event(pos[0])
        try:
            payload = e.encode(pos[1:])
        except (L.LttError, ValueError) as ex:
            _err(str(ex))
        cpu = _int(opts["--cpu"], "--cpu") if "--cpu" in opts else _selected_cpu()
        ts = t.log(cpu, e, payload)
        gdb.write("logged %s on CPU %d at %s\n" % (e.name, cpu,
                                                   t.trace.time_str(ts)))


def register():
    Ltt()
    for cls in (LttStatus, LttEvents, LttDump, LttEnable, LttDisable,
                LttStart, LttStop, LttClear, LttBuffer, LttNewEvent, LttLog):
        cls()
