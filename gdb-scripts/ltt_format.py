# SPDX-License-Identifier: MIT OR GPL-2.0-only
"""The kstub LTT trace area (trace/FORMAT.md) decoded on the host.

Pure Python, no gdb: reads go through a `read(offset, size) -> bytes`
function, so the same code decodes target memory (gdb) and raw dump files.
The rules mirror trace/ltt_decode.c and the writer in trace/ltt_buf.c.
"""
import json
import os
import re
import struct

AREA_MAGIC = b"KSTUBLTT"
VERSION = 1
PKT_MAGIC = 0xC1FC1FC1
PKT_HDR = 84
REC_HDR = 16
EVENT_SIZE = 256
CPU_SIZE = 1024
MAX_SUBBUF = 32
MAX_NEST = 4
FIRST_DYNAMIC_ID = 64
NAME_MAX = 32
FIELD_NAME_MAX = 23
MAX_FIELDS = 8
MIN_SUBBUF = 512
MAX_SUBBUF_SIZE = 1 << 20

OVERWRITE, DISCARD = 0, 1
MODES = {OVERWRITE: "overwrite", DISCARD: "discard"}
LOST_CAUSES = ("full", "wrap", "toobig", "nest")

EV_ENABLED, EV_STATIC, EV_GDB, EV_RAW = 1, 2, 4, 8
PENDING_CLEAR = 1

# Field types: name -> (code, fixed size or None, struct format).
FTYPES = {
    "u8": (1, 1, "<B"), "u16": (2, 2, "<H"), "u32": (3, 4, "<I"),
    "u64": (4, 8, "<Q"), "s8": (5, 1, "<b"), "s16": (6, 2, "<h"),
    "s32": (7, 4, "<i"), "s64": (8, 8, "<q"), "x64": (9, 8, "<Q"),
    "string": (10, None, None), "bytes": (11, None, None),
}
FTYPE_BY_CODE = {v[0]: k for k, v in FTYPES.items()}
TSDL_TYPE = {"u8": "uint8_t", "u16": "uint16_t", "u32": "uint32_t",
             "u64": "uint64_t", "s8": "int8_t", "s16": "int16_t",
             "s32": "int32_t", "s64": "int64_t", "x64": "xint64_t",
             "string": "string"}
RESERVED = {"align", "callsite", "const", "char", "clock", "double", "enum",
            "env", "event", "floating_point", "float", "integer", "int",
            "long", "short", "signed", "stream", "string", "struct", "trace",
            "typealias", "typedef", "unsigned", "variant", "void", "_Bool",
            "_Complex", "_Imaginary", "id", "len", "timestamp",
            # the type names trace/ltt_meta.c declares
            "uint8_t", "uint16_t", "uint32_t", "uint64_t", "int8_t",
            "int16_t", "int32_t", "int64_t", "xint64_t", "tsc_t"}

# struct ltt_area, struct ltt_cpu, struct ltt_event (trace/ltt.h).
AREA_FMT = "<8sIIQIIQ16sIIIIIIIIIIQIIIIIIIIIIQQQ"
AREA_FIELDS = ("magic version hdr_size area_size ncpus max_cpus clock_hz uuid "
               "meta_off meta_cap meta_len event_size events_off events_cap "
               "nevents cpu_size cpus_off data_off data_stride subbuf_size "
               "n_subbufs mode active lock request ack rec_hdr pkt_hdr "
               "pending start_ts stop_ts clears").split()
AREA_OFF = {"active": 116, "lock": 120, "request": 124, "start_ts": 144,
            "stop_ts": 152, "clears": 160, "meta_len": 64, "nevents": 80,
            "subbuf_size": 104, "n_subbufs": 108, "mode": 112, "pending": 140}
assert struct.calcsize(AREA_FMT) == 168
CPU_OFF = {"offset": 0, "consumed": 8, "nest": 16, "cpu": 20, "last_ts": 24,
           "events": 32, "lost": 40, "commit": 72, "sb_events": 328}


class LttError(Exception):
    """Bad or truncated trace data; the message names the offset."""


def align(x, a):
    return (x + a - 1) // a * a


class Area:
    """The header of a trace area."""

    def __init__(self, raw):
        if len(raw) < 512:
            raise LttError("truncated at offset %d: the area header needs 512 "
                           "bytes" % len(raw))
        vals = struct.unpack_from(AREA_FMT, raw, 0)
        self.__dict__.update(zip(AREA_FIELDS, vals))
        if self.magic != AREA_MAGIC:
            raise LttError("bad magic at offset 0: not a kstub LTT trace area")
        if self.version != VERSION:
            raise LttError("unsupported version %d at offset 8" % self.version)
        if (self.hdr_size != 512 or self.event_size != EVENT_SIZE or
                self.cpu_size != CPU_SIZE or self.pkt_hdr != PKT_HDR or
                self.rec_hdr != REC_HDR):
            raise LttError("corrupt header at offset 12: record sizes do not "
                           "match version %d" % VERSION)
        if not 0 < self.ncpus <= self.max_cpus <= 16:
            raise LttError("corrupt header at offset 24: ncpus %d" % self.ncpus)
        sb, n = self.subbuf_size, self.n_subbufs
        if (sb & (sb - 1) or not MIN_SUBBUF <= sb <= MAX_SUBBUF_SIZE or
                not 2 <= n <= MAX_SUBBUF or sb * n > self.data_stride):
            raise LttError("corrupt header at offset 104: geometry %d x %d "
                           "bytes" % (n, sb))
        if self.meta_len > self.meta_cap or self.nevents > self.events_cap:
            raise LttError("corrupt header at offset 64: metadata %d/%d bytes, "
                           "%d events" % (self.meta_len, self.meta_cap,
                                          self.nevents))

    def cpu_off(self, cpu):
        return self.cpus_off + cpu * self.cpu_size

    def data_base(self, cpu):
        return self.data_off + cpu * self.data_stride

    def event_off(self, eid):
        return self.events_off + eid * self.event_size


class Cpu:
    def __init__(self, raw, index):
        self.index = index
        (self.offset, self.consumed, self.nest, self.cpu, self.last_ts,
         self.events) = struct.unpack_from("<QQIIQQ", raw, 0)
        self.lost = list(struct.unpack_from("<4Q", raw, 40))
        self.commit = list(struct.unpack_from("<%dQ" % MAX_SUBBUF, raw, 72))
        self.sb_events = list(struct.unpack_from("<%dQ" % MAX_SUBBUF, raw, 328))


class Field:
    def __init__(self, name, ftype):
        self.name, self.type = name, ftype

    def __repr__(self):
        return "%s %s" % (self.type, self.name)


class Event:
    def __init__(self, eid, name, flags, fields, raw_max=0):
        self.id, self.name, self.flags = eid, name, flags
        self.fields, self.raw_max = fields, raw_max

    @classmethod
    def parse(cls, raw):
        eid, flags, nf, raw_max = struct.unpack_from("<IHHI", raw, 0)
        name = raw[16:48].split(b"\0")[0].decode("ascii", "replace")
        fields = []
        for i in range(min(nf, MAX_FIELDS)):
            fr = raw[48 + 24 * i: 72 + 24 * i]
            fname = fr[:23].split(b"\0")[0].decode("ascii", "replace")
            fields.append(Field(fname, FTYPE_BY_CODE.get(fr[23], "?")))
        return cls(eid, name, flags, fields, raw_max)

    def pack(self):
        raw = bytearray(EVENT_SIZE)
        fixed = sum(FTYPES[f.type][1] or 0 for f in self.fields)
        if any(FTYPES[f.type][1] is None for f in self.fields):
            fixed = 0
        struct.pack_into("<IHHII", raw, 0, self.id, self.flags, len(self.fields),
                         self.raw_max, fixed)
        raw[16:16 + len(self.name)] = self.name.encode()
        for i, f in enumerate(self.fields):
            base = 48 + 24 * i
            raw[base:base + len(f.name)] = f.name.encode()
            raw[base + 23] = FTYPES[f.type][0]
        return bytes(raw)

    @property
    def enabled(self):
        return bool(self.flags & EV_ENABLED)

    @property
    def layout(self):
        return ", ".join(repr(f) for f in self.fields)

    def decode(self, payload):
        """[(name, value)] of a payload; raises LttError if it does not fit."""
        out, pos = [], 0
        for f in self.fields:
            size = FTYPES.get(f.type, (0, None))[1]
            if size:
                if pos + size > len(payload):
                    raise LttError("field %s runs past the record" % f.name)
                v = struct.unpack_from(FTYPES[f.type][2], payload, pos)[0]
                pos += size
            elif f.type == "string":
                end = payload.find(b"\0", pos)
                if end < 0:
                    raise LttError("string %s is not terminated" % f.name)
                v = payload[pos:end].decode("utf-8", "replace")
                pos = end + 1
            elif f.type == "bytes":
                if pos + 2 > len(payload):
                    raise LttError("bytes %s runs past the record" % f.name)
                n = struct.unpack_from("<H", payload, pos)[0]
                if pos + 2 + n > len(payload):
                    raise LttError("bytes %s runs past the record" % f.name)
                v = bytes(payload[pos + 2:pos + 2 + n])
                pos += 2 + n
            else:
                raise LttError("unknown field type of %s" % f.name)
            out.append((f.name, v))
        return out, pos

    def encode(self, values):
        """Payload bytes from values in layout order (ints, str, bytes)."""
        if len(values) != len(self.fields):
            raise LttError("%s takes %d values (%s), got %d"
                           % (self.name, len(self.fields), self.layout,
                              len(values)))
        out = bytearray()
        for f, v in zip(self.fields, values):
            if f.type == "string":
                b = str(v).encode()
                if b"\0" in b:
                    raise LttError("string %s contains a NUL" % f.name)
                out += b + b"\0"
            elif f.type == "bytes":
                b = v if isinstance(v, (bytes, bytearray)) else bytes.fromhex(str(v))
                if len(b) > 0xffff or (self.raw_max and len(b) > self.raw_max):
                    raise LttError("%s: %d bytes is too long (max %d)"
                                   % (f.name, len(b), self.raw_max or 0xffff))
                out += struct.pack("<H", len(b)) + b
            else:
                code, size, fmt = FTYPES[f.type]
                v = int(v, 0) if isinstance(v, str) else int(v)
                bits = size * 8
                if f.type.startswith("s"):
                    lo, hi = -(1 << (bits - 1)), (1 << (bits - 1)) - 1
                else:
                    lo, hi = 0, (1 << bits) - 1
                if not lo <= v <= hi:
                    raise LttError("%s=%d does not fit %s" % (f.name, v, f.type))
                out += struct.pack(fmt, v)
        return bytes(out)

    def tsdl(self):
        """The TSDL event block, as trace/ltt_meta.c writes it."""
        s = ("\nevent {\n\tname = \"%s\";\n\tid = %d;\n\tstream_id = 0;\n"
             "\tfields := struct {\n" % (self.name, self.id))
        for f in self.fields:
            if f.type == "bytes":
                s += "\t\tuint16_t %s_len;\n\t\tuint8_t %s[%s_len];\n" % (
                    f.name, f.name, f.name)
            else:
                s += "\t\t%s %s;\n" % (TSDL_TYPE[f.type], f.name)
        return s + "\t};\n};\n"


_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*$")
_EVNAME = re.compile(r"[A-Za-z_][A-Za-z0-9_:.\-]*$")


def parse_layout(text):
    """'u32 pid, string comm' -> [Field]; the rules of ltt_layout_parse()."""
    fields = []
    if not text.strip():
        raise LttError("empty layout")
    for part in text.split(","):
        words = part.split()
        if len(words) != 2:
            raise LttError("bad field %r: want 'TYPE NAME'" % part.strip())
        t, n = words
        if t not in FTYPES:
            raise LttError("unknown type %r (use %s)" % (t, " ".join(FTYPES)))
        if not _IDENT.match(n) or len(n) >= FIELD_NAME_MAX - 4 or n in RESERVED:
            raise LttError("bad field name %r" % n)
        if any(f.name == n for f in fields):
            raise LttError("field %r twice" % n)
        fields.append(Field(n, t))
    if len(fields) > MAX_FIELDS:
        raise LttError("at most %d fields" % MAX_FIELDS)
    return fields


def check_event_name(name):
    if not _EVNAME.match(name) or len(name) >= NAME_MAX:
        raise LttError("bad event name %r (letters, digits, _ : . -; < %d)"
                       % (name, NAME_MAX))


class Record:
    __slots__ = ("cpu", "ts", "id", "event", "payload", "off")

    def __init__(self, cpu, ts, eid, event, payload, off):
        self.cpu, self.ts, self.id, self.event = cpu, ts, eid, event
        self.payload, self.off = payload, off

    @property
    def name(self):
        return self.event.name

    def fields(self):
        return self.event.decode(self.payload)[0]


class Packet:
    def __init__(self, cpu, seq, off, raw, content, ts_begin, ts_end,
                 discarded, dropped, nrec, is_open):
        self.cpu, self.seq, self.off, self.raw = cpu, seq, off, raw
        self.content, self.ts_begin, self.ts_end = content, ts_begin, ts_end
        self.discarded, self.dropped = discarded, dropped
        self.nrecords, self.open = nrec, is_open

    def ctf_bytes(self):
        """The packet as CTF: header fixed up, cut to its content."""
        b = bytearray(self.raw[:self.content])
        struct.pack_into("<QQQ", b, 40, self.ts_end, self.content * 8,
                         self.content * 8)
        return bytes(b)


class Trace:
    """A decoded trace area.  read(off, size) returns bytes of the area."""

    def __init__(self, read):
        self.read = read
        self.area = Area(read(0, 512))
        a = self.area
        self.metadata = read(a.meta_off, a.meta_len).decode("utf-8", "replace")
        reg = read(a.events_off, a.nevents * a.event_size) if a.nevents else b""
        self.events = {}
        for i in range(1, a.nevents):
            e = Event.parse(reg[i * EVENT_SIZE:(i + 1) * EVENT_SIZE])
            if e.id == i:
                self.events[i] = e
        cpus = read(a.cpus_off, a.ncpus * a.cpu_size)
        self.cpus = [Cpu(cpus[i * CPU_SIZE:(i + 1) * CPU_SIZE], i)
                     for i in range(a.ncpus)]
        self.warnings = []

    def event_by_name(self, name):
        for e in self.events.values():
            if e.name == name:
                return e
        return None

    def packet_range(self, c):
        a = self.area
        sb, n = a.subbuf_size, a.n_subbufs
        if c.offset == 0:
            return range(0)
        last = (c.offset - 1) // sb
        first = max(0, last - (n - 1))
        if a.mode == DISCARD:
            first = max(first, c.consumed)
        return range(first, last + 1)

    def _record_at(self, raw, pos, limit, prev):
        if pos + REC_HDR > limit:
            return None
        eid, ln, ts = struct.unpack_from("<IIQ", raw, pos)
        e = self.events.get(eid)
        if (e is None or ln < REC_HDR or ln > limit - pos or
                ts < prev):
            return None
        payload = raw[pos + REC_HDR:pos + ln]
        try:
            used = e.decode(payload)[1]
        except LttError:
            return None
        if used + REC_HDR != ln:
            return None
        return eid, ln, ts, e, payload

    def packets(self, cpu):
        """Packets of one CPU, oldest first (reads target memory)."""
        a, c = self.area, self.cpus[cpu]
        sb, n = a.subbuf_size, a.n_subbufs
        rng = self.packet_range(c)
        out = []
        # One bulk read of the slots in use, not one per packet: over a
        # slow link each read is a round trip.
        slots = [p % n for p in rng]
        lo = min(slots) if slots else 0
        blob = self.read(a.data_base(cpu) + lo * sb,
                         (max(slots) - lo + 1) * sb) if slots else b""
        for p in rng:
            slot, gen = p % n, p // n
            off = a.data_base(cpu) + slot * sb
            closed = p < rng[-1] or c.offset % sb == 0
            committed = c.commit[slot] - gen * sb
            size = sb if closed else c.offset - p * sb
            raw = blob[(slot - lo) * sb:(slot - lo) * sb + size]
            magic, = struct.unpack_from("<I", raw, 0)
            seq, = struct.unpack_from("<Q", raw, 64)
            pcpu, = struct.unpack_from("<I", raw, 80)
            if magic != PKT_MAGIC or seq != p or pcpu != cpu:
                if committed < PKT_HDR and p == rng[-1]:
                    break
                raise LttError("corrupt packet header at offset %d (CPU %d "
                               "packet %d)" % (off, cpu, p))
            ts_begin, ts_end, content_bits = struct.unpack_from("<QQQ", raw, 32)
            discarded, = struct.unpack_from("<Q", raw, 72)
            if closed:
                limit = content_bits // 8
                if content_bits % 8 or not PKT_HDR <= limit <= sb:
                    if committed == sb:
                        raise LttError("corrupt packet at offset %d: "
                                       "content_size %d bits"
                                       % (off + 48, content_bits))
                    limit = sb
                whole = committed == sb
            else:
                limit = size
                whole = committed == limit
            pos, prev, last_ts, nrec = PKT_HDR, ts_begin, ts_begin, 0
            while pos < limit:
                r = self._record_at(raw, pos, limit, prev)
                if r is None:
                    if whole:
                        raise LttError("corrupt record at offset %d (CPU %d "
                                       "packet %d)" % (off + pos, cpu, p))
                    break
                prev = last_ts = r[2]
                pos += r[1]
                nrec += 1
            if pos < limit:
                self.warnings.append("CPU %d packet %d: %d bytes of records "
                                     "still being written were cut"
                                     % (cpu, p, limit - pos))
            end = ts_end if closed and whole else last_ts
            out.append(Packet(cpu, p, off, raw, pos, ts_begin,
                              max(end, last_ts), discarded, limit - pos, nrec,
                              not closed))
        return out

    def records(self, packet):
        pos, prev = PKT_HDR, packet.ts_begin
        while pos < packet.content:
            r = self._record_at(packet.raw, pos, packet.content, prev)
            if r is None:
                raise LttError("corrupt record at offset %d" % (packet.off + pos))
            eid, ln, ts, e, payload = r
            yield Record(packet.cpu, ts, eid, e, payload, packet.off + pos)
            prev = ts
            pos += ln

    def all_packets(self, cpus=None):
        return {c: self.packets(c) for c in (cpus if cpus is not None
                                             else range(self.area.ncpus))}

    def all_records(self, packets):
        recs = []
        for c, pkts in packets.items():
            for p in pkts:
                recs.extend(self.records(p))
        recs.sort(key=lambda r: (r.ts, r.cpu))
        return recs

    def lost(self, cpu=None):
        cs = self.cpus if cpu is None else [self.cpus[cpu]]
        return [sum(c.lost[i] for c in cs) for i in range(4)]

    # --- output -------------------------------------------------------

    def time_str(self, ts):
        hz = self.area.clock_hz or 1
        return "%d.%09d" % (ts // hz, ts % hz * 1000000000 // hz)

    def text_lines(self, records):
        for r in records:
            vals = []
            for k, v in r.fields():
                if isinstance(v, bytes):
                    v = "[" + v.hex() + "]"
                elif isinstance(v, str):
                    v = json.dumps(v)
                elif any(f.name == k and f.type == "x64" for f in r.event.fields):
                    v = hex(v)
                vals.append("%s=%s" % (k, v))
            yield "[%s] cpu %d %s: %s" % (self.time_str(r.ts), r.cpu, r.name,
                                          ", ".join(vals))

    def write_ctf(self, directory, packets):
        os.makedirs(directory, exist_ok=True)
        with open(os.path.join(directory, "metadata"), "w") as f:
            f.write(self.metadata)
        n = 0
        for c, pkts in packets.items():
            if not pkts:
                continue
            with open(os.path.join(directory, "stream_%d" % c), "wb") as f:
                for p in pkts:
                    f.write(p.ctf_bytes())
                    n += 1
        return n

    def chrome_json(self, records):
        """Chrome trace event format (Perfetto reads it): instants, and
        begin/end slices for *_entry/*_exit pairs, per CPU."""
        hz = self.area.clock_hz or 1
        out, depth = [], {}
        for r in records:
            us = r.ts * 1000000.0 / hz
            args = {}
            for k, v in r.fields():
                args[k] = v.hex() if isinstance(v, bytes) else v
            name = r.name
            ev = {"name": name, "cat": "ltt", "ts": us, "pid": 0,
                  "tid": r.cpu, "args": args}
            key = None
            if name.endswith("_entry"):
                key = (r.cpu, name[:-6])
                ev["ph"] = "B"
                ev["name"] = name[:-6]
                depth[key] = depth.get(key, 0) + 1
            elif name.endswith("_exit") and depth.get((r.cpu, name[:-5]), 0):
                key = (r.cpu, name[:-5])
                ev["ph"] = "E"
                ev["name"] = name[:-5]
                depth[key] -= 1
            else:
                ev["ph"] = "i"
                ev["s"] = "t"
            out.append(ev)
        meta = [{"name": "thread_name", "ph": "M", "pid": 0, "tid": c,
                 "args": {"name": "CPU %d" % c}} for c in range(self.area.ncpus)]
        return {"traceEvents": meta + out, "displayTimeUnit": "ns",
                "otherData": {"clock_hz": self.area.clock_hz,
                              "tracer": "kstub-ltt"}}
