/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
/*
 * The command loop while every CPU is stopped: a switch over gdb's
 * one-letter packets, then the command table (named packets; modules
 * such as the tracepoints add theirs with rsp_cmds_register).  Error replies use errno numbers in hex: E01 malformed packet,
 * E0e (EFAULT) bad address, E16 (EINVAL) bad argument, E1c (ENOSPC) no
 * free slot, E03 (ESRCH) no such thread.
 */
#include "kstub_internal.h"
#include "kstub_port.h"
#include "rsp_parse.h"
#include "bp.h"
#include "tp.h"
#include "rsp_stats.h"
#include "../hooks/patch.h"
#include "../lib/string.h"
#include "../lib/fmt.h"

#define E_MALFORMED "E01"
#define E_FAULT "E0e"
#define E_INVAL "E16"
#define E_NOSPC "E1c"
#define E_SRCH "E03"

static char xfer[8192];
static u8 membuf[RSP_PACKET_MAX];

static void reply(const char *s, size_t n)
{
	rsp_send(&ks.conn, s, n);
}

static void reply_str(const char *s)
{
	reply(s, strlen(s));
}

void rsp_reply(const char *s, size_t n)
{
	reply(s, n);
}

void rsp_reply_str(const char *s)
{
	reply_str(s);
}

static int tid_to_cpu(s64 tid)
{
	if (tid == RSP_TID_ALL || tid == RSP_TID_ANY)
		return ks.stop_cpu;
	if (tid < 1 || tid > (s64)port_cpu_count() || !port_cpu_online((unsigned)(tid - 1)))
		return -1;
	return (int)(tid - 1);
}

static bool cpu_parked(int cpu)
{
	return cpu >= 0 && ks.cpu[cpu].state == CPU_PARKED && ks.cpu[cpu].regs;
}

size_t rsp_stop_reply(char *out, size_t size)
{
	return rsp_stop_reply_cpu(ks.stop_cpu, out, size);
}

size_t rsp_stop_reply_cpu(int cpu, char *out, size_t size)
{
	const struct kstub_stop *st = &ks.cpu[cpu].stop;
	u8 sig = st->kind == KSTUB_STOP_STOPPED ? 0 : st->sig ? st->sig : 5;
	size_t n = kfmt_snprintf(out, size, "T%02xthread:%x;core:%x;", sig,
				 cpu + 1, cpu);
	switch (st->kind) {
	case KSTUB_STOP_SWBREAK:
		n += kfmt_snprintf(out + n, size - n, "swbreak:;");
		break;
	case KSTUB_STOP_HWBREAK:
		n += kfmt_snprintf(out + n, size - n, "hwbreak:;");
		break;
	case KSTUB_STOP_WATCH:
		n += kfmt_snprintf(out + n, size - n, "watch:%lx;", st->addr);
		break;
	case KSTUB_STOP_RWATCH:
		n += kfmt_snprintf(out + n, size - n, "rwatch:%lx;", st->addr);
		break;
	case KSTUB_STOP_AWATCH:
		n += kfmt_snprintf(out + n, size - n, "awatch:%lx;", st->addr);
		break;
	default:
		break;
	}
	/* The registers gdb would fetch next, with a 'g' round trip. */
	struct arch_regs *r = ks.cpu[cpu].regs;
	unsigned nregs = st->kind == KSTUB_STOP_STEP ? arch_gdb_nexpedite_step
						     : arch_gdb_nexpedite;
	for (unsigned i = 0; r && i < nregs && n + 40 < size; i++) {
		u8 val[16];
		bool avail[16];
		unsigned regno = arch_gdb_expedite[i];
		size_t sz = arch_gdb_reg_read(r, (unsigned)cpu, regno, val, avail);
		if (!sz || sz > sizeof(val) || !avail[0])
			continue;
		n += kfmt_snprintf(out + n, size - n, "%02x:", regno);
		rsp_hex_encode(val, sz, out + n);
		n += 2 * sz;
		out[n++] = ';';
		out[n] = 0;
	}
	return n < size ? n : size - 1;
}

/* Append bytes with the binary escapes qXfer replies need. */
static size_t put_escaped(char *out, size_t cap, const char *src, size_t n)
{
	size_t o = 0;
	for (size_t i = 0; i < n && o + 2 < cap; i++) {
		char ch = src[i];
		if (ch == '#' || ch == '$' || ch == '}' || ch == '*') {
			out[o++] = '}';
			out[o++] = (char)(ch ^ 0x20);
		} else {
			out[o++] = ch;
		}
	}
	return o;
}

void rsp_reply_xfer(const char *doc, size_t doclen, u64 off, u64 len)
{
	if (off > doclen) {
		reply_str(E_INVAL);
		return;
	}
	size_t n = doclen - off;
	if (n > len)
		n = len;
	if (n > (RSP_PACKET_MAX - 1) / 2)
		n = (RSP_PACKET_MAX - 1) / 2;
	ks.out[0] = off + n < doclen ? 'm' : 'l';
	size_t o = 1 + put_escaped(ks.out + 1, RSP_PACKET_MAX - 1, doc + off, n);
	reply(ks.out, o);
}

static size_t threads_xml(void)
{
	size_t n = kfmt_snprintf(xfer, sizeof(xfer), "<?xml version=\"1.0\"?>\n<threads>\n");
	for (unsigned i = 0; i < port_cpu_count() && n < sizeof(xfer); i++) {
		if (!port_cpu_online(i))
			continue;
		char task[32];
		port_cpu_task(i, task, sizeof(task));
		n += kfmt_snprintf(xfer + n, sizeof(xfer) - n,
				   "<thread id=\"%x\" core=\"%u\" name=\"CPU#%u\">%s</thread>\n",
				   i + 1, i, i, task);
	}
	if (n < sizeof(xfer))
		n += kfmt_snprintf(xfer + n, sizeof(xfer) - n, "</threads>\n");
	return n < sizeof(xfer) ? n : sizeof(xfer) - 1;
}

static void handle_qxfer(const char *pkt, size_t n)
{
	struct rsp_qxfer x;
	if (rsp_parse_qxfer_read(pkt, n, &x)) {
		reply_str(E_MALFORMED);
		return;
	}
	if (x.object_len == 8 && !memcmp(x.object, "features", 8)) {
		if (x.annex_len != 10 || memcmp(x.annex, "target.xml", 10)) {
			reply_str(E_INVAL);
			return;
		}
		rsp_reply_xfer(arch_target_xml, strlen(arch_target_xml), x.offset, x.length);
	} else if (x.object_len == 7 && !memcmp(x.object, "threads", 7)) {
		rsp_reply_xfer(xfer, threads_xml(), x.offset, x.length);
	} else if (!tp_xfer(x.object, x.object_len, x.offset, x.length)) {
		reply("", 0);
	}
}

/* The registers gdb sees: the selected traceframe's, or a CPU's. */
static bool read_regs(int cpu, u8 *regs, bool *avail)
{
	if (tp_frame_selected()) {
		tp_frame_regs(regs, avail);
		return true;
	}
	if (!cpu_parked(cpu))
		return false;
	arch_gdb_regs_read(ks.cpu[cpu].regs, (unsigned)cpu, regs, avail);
	return true;
}

static void handle_g(void)
{
	size_t sz = arch_gdb_regs_size();
	static u8 regs[1024];
	static bool avail[1024];
	if (!read_regs(ks.g_cpu, regs, avail)) {
		reply_str(E_SRCH);
		return;
	}
	for (size_t i = 0; i < sz; i++) {
		if (avail[i]) {
			rsp_hex_encode(&regs[i], 1, ks.out + 2 * i);
		} else {
			ks.out[2 * i] = 'x';
			ks.out[2 * i + 1] = 'x';
		}
	}
	reply(ks.out, 2 * sz);
}

static void handle_G(const char *pkt, size_t n)
{
	size_t sz = arch_gdb_regs_size();
	static u8 regs[1024];
	if (tp_frame_selected()) {
		reply_str(E_MALFORMED);	/* a traceframe is history */
		return;
	}
	if (!cpu_parked(ks.g_cpu)) {
		reply_str(E_SRCH);
		return;
	}
	/* 'x' (unavailable) bytes are kept as they are: read them first. */
	static bool avail[1024];
	arch_gdb_regs_read(ks.cpu[ks.g_cpu].regs, (unsigned)ks.g_cpu, regs, avail);
	if (n - 1 != 2 * sz) {
		reply_str(E_MALFORMED);
		return;
	}
	for (size_t i = 0; i < sz; i++) {
		const char *h = pkt + 1 + 2 * i;
		if (h[0] == 'x')
			continue;
		if (rsp_hex_decode(h, 1, &regs[i])) {
			reply_str(E_MALFORMED);
			return;
		}
	}
	arch_gdb_regs_write(ks.cpu[ks.g_cpu].regs, regs);
	reply_str("OK");
}

static void handle_p(const char *pkt, size_t n)
{
	u64 regno;
	u8 val[16];
	bool avail[16];
	if (rsp_parse_p(pkt, n, &regno)) {
		reply_str(E_MALFORMED);
		return;
	}
	size_t off, sz;
	if (tp_frame_selected()) {
		static u8 regs[1024];
		static bool ravail[1024];
		if (arch_gdb_reg_span((unsigned)regno, &off, &sz) || sz > sizeof(val)) {
			reply_str(E_INVAL);
			return;
		}
		tp_frame_regs(regs, ravail);
		memcpy(val, regs + off, sz);
		memcpy(avail, ravail + off, sz);
	} else if (!cpu_parked(ks.g_cpu)) {
		reply_str(E_SRCH);
		return;
	} else {
		sz = arch_gdb_reg_read(ks.cpu[ks.g_cpu].regs, (unsigned)ks.g_cpu,
				       (unsigned)regno, val, avail);
	}
	if (!sz) {
		reply_str(E_INVAL);
		return;
	}
	for (size_t i = 0; i < sz; i++) {
		if (avail[i])
			rsp_hex_encode(&val[i], 1, ks.out + 2 * i);
		else
			ks.out[2 * i] = ks.out[2 * i + 1] = 'x';
	}
	reply(ks.out, 2 * sz);
}

static void handle_P(const char *pkt, size_t n)
{
	u64 regno;
	const char *hex;
	size_t hexlen;
	u8 val[16];
	if (rsp_parse_P(pkt, n, &regno, &hex, &hexlen) || hexlen / 2 > sizeof(val) ||
	    rsp_hex_decode(hex, hexlen / 2, val) || tp_frame_selected()) {
		reply_str(E_MALFORMED);
		return;
	}
	if (!cpu_parked(ks.g_cpu)) {
		reply_str(E_SRCH);
		return;
	}
	if (arch_gdb_reg_write(ks.cpu[ks.g_cpu].regs, (unsigned)ks.g_cpu,
			       (unsigned)regno, val, hexlen / 2))
		reply_str(E_INVAL);
	else
		reply_str("OK");
}

/*
 * m (hex) and x (binary: "b" + escaped bytes, the form gdb 16 reads).
 * gdb 13 sends only m; gdb-scripts read bulk data (the trace) with x,
 * half the bytes of hex on a serial line.  An x reply holds what fits in
 * one packet after escaping, which may be less than asked.
 */
static void handle_m(const char *pkt, size_t n)
{
	struct rsp_mem m;
	bool binary = pkt[0] == 'x';
	if (rsp_parse_m(pkt, n, &m)) {
		reply_str(E_MALFORMED);
		return;
	}
	size_t cap = binary ? RSP_PACKET_MAX - 1 : RSP_PACKET_MAX / 2;
	if (m.len > cap)
		m.len = cap;
	if (!m.len && binary) {
		reply_str("b");
		return;
	}
	if (m.addr + m.len < m.addr) {
		reply_str(E_FAULT);
		return;
	}
	size_t got;
	if (tp_frame_selected()) {
		long k = tp_frame_mem(m.addr, membuf, m.len);
		got = k > 0 ? (size_t)k : 0;
	} else {
		got = m.len - arch_mem_read(membuf, m.addr, m.len);
	}
	if (!got && m.len) {
		reply_str(E_FAULT);
		return;
	}
	if (binary) {
		ks.out[0] = 'b';
		size_t o = 1 + put_escaped(ks.out + 1, RSP_PACKET_MAX - 1,
					   (const char *)membuf, got);
		reply(ks.out, o);
		return;
	}
	rsp_hex_encode(membuf, got, ks.out);
	reply(ks.out, 2 * got);
}

/* Writes into kernel text go through the patch engine's alias. */
static int mem_write(u64 addr, const u8 *data, size_t len)
{
	if (addr + len < addr)
		return -1;
	if (!port_is_text(addr, len))
		return arch_mem_write(addr, data, len) ? -1 : 0;
	/* CPUs running (non-stop): one byte is an int3-protocol batch;
	 * more cannot be written safely under running CPUs. */
	bool live = !kstub_is_active();
	if (live && len > 1) {
		port_log("kstub: writing more than a byte of code needs every CPU "
			 "stopped (all-stop mode)");
		return -1;
	}
	while (len) {
		struct patch_op op;
		size_t k = len > PATCH_MAX_LEN ? PATCH_MAX_LEN : len;
		op.addr = addr;
		op.len = (u8)k;
		memcpy(op.bytes, data, k);
		if (patch_apply(&op, 1, live ? PATCH_LIVE : PATCH_PARKED))
			return -1;
		addr += k;
		data += k;
		len -= k;
	}
	return 0;
}

static void handle_M(char *pkt, size_t n, bool binary)
{
	struct rsp_mem m;
	if (tp_frame_selected() ||
	    (binary ? rsp_parse_X(pkt, n, &m) : rsp_parse_M(pkt, n, &m))) {
		reply_str(E_MALFORMED);
		return;
	}
	if (binary) {
		long k = rsp_unescape((u8 *)m.data, m.data_len);
		if (k < 0 || (u64)k != m.len || m.len > sizeof(membuf)) {
			reply_str(E_MALFORMED);
			return;
		}
		memcpy(membuf, m.data, m.len);
	} else if (m.len > sizeof(membuf) || rsp_hex_decode(m.data, m.len, membuf)) {
		reply_str(E_MALFORMED);
		return;
	}
	reply_str(mem_write(m.addr, membuf, m.len) ? E_FAULT : "OK");
}

static void handle_Z(const char *pkt, size_t n)
{
	struct rsp_bp b;
	if (rsp_parse_Z(pkt, n, &b)) {
		reply_str(E_MALFORMED);
		return;
	}
	/*
	 * Inserting what is there and removing what is not both answer OK:
	 * gdb gets the state it asked for.  Over UDP this is how a command
	 * looks when gdb resends it because our ack was lost, and a second
	 * "z" must not fail where the first one succeeded.
	 */
	if (b.type == 0) {
		if (b.insert) {
			struct rsp_bp_agent ag;
			const char *why = 0;
			if (rsp_parse_Z_agent(pkt, n, &ag)) {
				reply_str(E_MALFORMED);
			} else if (bp_add(b.addr)) {
				reply_str(E_FAULT);
			} else if (bp_set_agent(b.addr, &ag, &why)) {
				char line[120];
				kfmt_snprintf(line, sizeof(line),
					      "kstub: breakpoint at 0x%lx: %s\n", b.addr,
					      why ? why : "refused");
				port_log(line);
				bp_del(b.addr);
				reply_str(E_INVAL);
			} else {
				reply_str("OK");
			}
		} else {
			bp_del(b.addr);
			reply_str("OK");
		}
		return;
	}
	if (b.insert) {
		if (arch_hw_bp_check(b.type, b.addr, b.kind)) {
			reply_str(E_INVAL);
			return;
		}
		for (int i = 0; i < ARCH_HW_SLOTS; i++) {
			struct arch_hw_bp *h = &ks.hw[i];
			if (h->used && h->type == b.type && h->addr == b.addr) {
				reply_str("OK");
				return;
			}
		}
		for (int i = 0; i < ARCH_HW_SLOTS; i++) {
			struct arch_hw_bp *h = &ks.hw[i];
			if (!h->used && arch_hw_slot_usable(i)) {
				h->used = true;
				h->type = b.type;
				h->addr = b.addr;
				h->len = (u8)(b.type == 1 ? 1 : b.kind);
				reply_str("OK");
				return;
			}
		}
		reply_str(E_NOSPC);
		return;
	}
	for (int i = 0; i < ARCH_HW_SLOTS; i++) {
		struct arch_hw_bp *h = &ks.hw[i];
		if (h->used && h->type == b.type && h->addr == b.addr)
			h->used = false;
	}
	reply_str("OK");
}

void rsp_console(const char *s)
{
	size_t n = strlen(s);
	while (n) {
		size_t k = n > 200 ? 200 : n;
		ks.out[0] = 'O';
		rsp_hex_encode((const u8 *)s, k, ks.out + 1);
		reply(ks.out, 1 + 2 * k);
		s += k;
		n -= k;
	}
}

#define MONITOR_MAX 16
static const struct kstub_monitor_cmd *monitor_cmds[MONITOR_MAX];

int kstub_monitor_register(const struct kstub_monitor_cmd *cmd)
{
	for (int i = 0; i < MONITOR_MAX; i++) {
		if (!monitor_cmds[i]) {
			monitor_cmds[i] = cmd;
			return 0;
		}
	}
	return -1;
}

/* A registered command whose name is the first word of cmd, or NULL. */
static const struct kstub_monitor_cmd *find_monitor(const char *cmd,
						    const char **args)
{
	size_t w = 0;
	while (cmd[w] && cmd[w] != ' ')
		w++;
	for (int i = 0; i < MONITOR_MAX && monitor_cmds[i]; i++) {
		const char *name = monitor_cmds[i]->name;
		if (strlen(name) == w && !memcmp(name, cmd, w)) {
			*args = cmd[w] ? cmd + w + 1 : cmd + w;
			return monitor_cmds[i];
		}
	}
	return 0;
}

static void handle_qrcmd(const char *pkt, size_t n)
{
	const struct kstub_monitor_cmd *ext;
	const char *args;
	char cmd[128], line[160];
	if (rsp_parse_qrcmd(pkt, n, cmd, sizeof(cmd))) {
		reply_str(E_MALFORMED);
		return;
	}
	if (!strcmp(cmd, "help") || !cmd[0]) {
		rsp_console("kstub monitor commands:\n"
			    "  help     this text\n"
			    "  cpus     CPUs and what runs on them\n"
			    "  stats    link statistics and where its time goes (stats reset)\n"
			    "  reboot   reset the machine\n");
		for (int i = 0; i < MONITOR_MAX && monitor_cmds[i]; i++) {
			kfmt_snprintf(line, sizeof(line), "  %-8s %s\n",
				      monitor_cmds[i]->name, monitor_cmds[i]->help);
			rsp_console(line);
		}
	} else if (!strcmp(cmd, "cpus")) {
		for (unsigned i = 0; i < port_cpu_count(); i++) {
			char task[32], note[64];
			if (!port_cpu_online(i))
				continue;
			port_cpu_task(i, task, sizeof(task));
			port_cpu_note(i, note, sizeof(note));
			kfmt_snprintf(line, sizeof(line), "CPU#%u: %s%s%s%s\n", i, task,
				      !cpu_parked((int)i) ? (ks.non_stop ? " (running)" :
							     " (not stopped)") :
				      ks.cpu[i].alone ? " (stopped alone)" : "",
				      note[0] ? ", " : "", note);
			rsp_console(line);
		}
	} else if (!strcmp(cmd, "stats reset")) {
		rsp_stats_reset();
		rsp_console("link timings cleared\n");
	} else if (!strcmp(cmd, "stats")) {
		struct patch_stats ps;
		patch_get_stats(&ps);
		kfmt_snprintf(line, sizeof(line),
			      "bad checksums %u, retransmits %u, garbage bytes %u, "
			      "console bytes lost %u, patch batches %lu\n",
			      ks.conn.bad_checksums, ks.conn.retransmits,
			      ks.conn.dropped, ks.console_lost, ps.batches);
		rsp_console(line);
		kfmt_snprintf(line, sizeof(line),
			      "CPUs that did not stop within 1 s: %u (last: CPU %u)\n",
			      ks.park_timeouts, ks.park_timeout_cpu);
		rsp_console(line);
		unsigned alone_now = 0;
		for (unsigned i = 0; i < port_cpu_count() && i < KSTUB_MAX_CPUS; i++)
			alone_now += cpu_parked((int)i) && ks.cpu[i].alone;
		kfmt_snprintf(line, sizeof(line),
			      "stopped alone (non-stop): %u times since gdb attached, "
			      "%u CPUs now\n", ks.alone_stops, alone_now);
		rsp_console(line);
		rsp_stats_print(rsp_console);
	} else if ((ext = find_monitor(cmd, &args))) {
		ext->fn(args, rsp_console);
	} else if (!strcmp(cmd, "reboot")) {
		reply_str("OK");
		port_reboot();
	} else {
		kfmt_snprintf(line, sizeof(line),
			      "unknown monitor command '%s' (try 'monitor help')\n", cmd);
		rsp_console(line);
	}
	reply_str("OK");
}

static void handle_qsupported(void)
{
	size_t n = kfmt_snprintf(ks.out, RSP_PACKET_MAX,
		"PacketSize=%x;qXfer:features:read+;qXfer:threads:read+;"
		"swbreak+;hwbreak+;vContSupported+%s%s%s",
		RSP_PACKET_MAX, port_nonstop_ok() ? ";QNonStop+" : "",
		ks.conn.t->reliable ? ";QStartNoAckMode+" : "",
		tp_features);
	reply(ks.out, n);
}

/* Which CPU a resume steps, from vCont or c/s with Hc. */
static enum session_end resume_vcont(const char *pkt, size_t n)
{
	struct rsp_vcont v;
	if (rsp_parse_vcont(pkt, n, &v)) {
		reply_str(E_MALFORMED);
		return (enum session_end)-1;
	}
	for (int i = 0; i < v.n; i++) {
		if (v.a[i].act == 't') {
			/* Stopping one thread is a non-stop request. */
			reply_str(E_INVAL);
			return (enum session_end)-1;
		}
	}
	for (int i = 0; i < v.n; i++) {
		if (v.a[i].act == 's' || v.a[i].act == 'S') {
			int cpu = tid_to_cpu(v.a[i].tid);
			if (!cpu_parked(cpu)) {
				reply_str(E_SRCH);
				return (enum session_end)-1;
			}
			ks.step_cpu = cpu;
			return END_STEP;
		}
	}
	return END_CONTINUE;
}

static void handle_thread_info(bool first)
{
	if (!first) {
		reply_str("l");
		return;
	}
	size_t n = 0;
	ks.out[n++] = 'm';
	for (unsigned i = 0; i < port_cpu_count(); i++) {
		if (!port_cpu_online(i))
			continue;
		if (n > 1)
			ks.out[n++] = ',';
		n += kfmt_snprintf(ks.out + n, RSP_PACKET_MAX - n, "%x", i + 1);
	}
	reply(ks.out, n);
}

static void handle_extra_info(const char *pkt, size_t n)
{
	const char *p = pkt + 17, *end = pkt + n;
	s64 tid;
	if (n <= 17 || rsp_parse_tid(&p, end, &tid) || p != end) {
		reply_str(E_MALFORMED);
		return;
	}
	int cpu = tid_to_cpu(tid);
	if (cpu < 0) {
		reply_str(E_SRCH);
		return;
	}
	char task[32], text[64];
	port_cpu_task((unsigned)cpu, task, sizeof(task));
	size_t k = kfmt_snprintf(text, sizeof(text), "CPU#%d: %s", cpu, task);
	if (k >= sizeof(text))
		k = sizeof(text) - 1;
	rsp_hex_encode((const u8 *)text, k, ks.out);
	reply(ks.out, 2 * k);
}

static void handle_qc(char *pkt, size_t n)
{
	(void)pkt;
	(void)n;
	size_t k = kfmt_snprintf(ks.out, 32, "QC%x", ks.stop_cpu + 1);
	reply(ks.out, k);
}

static void handle_noack(char *pkt, size_t n)
{
	(void)pkt;
	(void)n;
	if (!ks.conn.t->reliable) {
		reply("", 0);
		return;
	}
	reply_str("OK");
	ks.conn.no_ack = true;
}

static void handle_vkill(char *pkt, size_t n)
{
	(void)pkt;
	(void)n;
	reply_str("OK");
	port_reboot();
}

/* Packets whose answer never changes. */
static void reply_fixed(char *pkt, size_t n)
{
	static const struct { const char *name, *answer; } fixed[] = {
		{ "vCont?", "vCont;c;C;s;S;t" },
		{ "qAttached", "1" },
		{ "qOffsets", "Text=0;Data=0;Bss=0" },
		{ "qSymbol", "OK" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(fixed); i++)
		if (rsp_is(pkt, n, fixed[i].name, ":")) {
			reply_str(fixed[i].answer);
			return;
		}
	reply("", 0);
}

/*
 * QNonStop inside an all-stop session (the live server answers it while
 * the CPUs run, rsp_live.c): all-stop is what we are in; non-stop would
 * need every parked CPU turned into one stopped alone, which is not done:
 * attach in non-stop mode to a running kernel.
 */
static void q_nonstop(char *pkt, size_t n)
{
	if (n == 10 && pkt[9] == '0')
		reply_str("OK");
	else
		reply_str(E_MALFORMED);
}

static void q_supported(char *p, size_t n) { (void)p; (void)n; handle_qsupported(); }
static void q_xfer(char *p, size_t n) { handle_qxfer(p, n); }
static void q_fthread(char *p, size_t n) { (void)p; (void)n; handle_thread_info(true); }
static void q_sthread(char *p, size_t n) { (void)p; (void)n; handle_thread_info(false); }
static void q_extra(char *p, size_t n) { handle_extra_info(p, n); }
static void q_rcmd(char *p, size_t n) { handle_qrcmd(p, n); }

static const struct rsp_cmd core_cmds[] = {
	{ "qSupported", ":", q_supported },
	{ "qXfer", ":", q_xfer },
	{ "qfThreadInfo", "", q_fthread },
	{ "qsThreadInfo", "", q_sthread },
	{ "qThreadExtraInfo", ",", q_extra },
	{ "qC", "", handle_qc },
	{ "qAttached", ":", reply_fixed },
	{ "qOffsets", "", reply_fixed },
	{ "qSymbol", ":", reply_fixed },
	{ "qRcmd", ",", q_rcmd },
	{ "vCont?", "", reply_fixed },
	{ "vKill", ";", handle_vkill },
	{ "QStartNoAckMode", "", handle_noack },
	{ "QNonStop", ":", q_nonstop },
};

#define CMD_TABLES 8
static struct { const struct rsp_cmd *cmds; size_t n; } tables[CMD_TABLES] = {
	{ core_cmds, ARRAY_SIZE(core_cmds) },
};

int rsp_cmds_register(const struct rsp_cmd *cmds, size_t n)
{
	for (int i = 0; i < CMD_TABLES; i++) {
		if (!tables[i].cmds) {
			tables[i].cmds = cmds;
			tables[i].n = n;
			return 0;
		}
	}
	return -1;
}

/* Unknown packets get the empty reply: gdb then knows we lack them. */
static void dispatch(char *pkt, size_t n)
{
	for (int t = 0; t < CMD_TABLES && tables[t].cmds; t++)
		for (size_t i = 0; i < tables[t].n; i++)
			if (rsp_is(pkt, n, tables[t].cmds[i].name, tables[t].cmds[i].seps)) {
				tables[t].cmds[i].fn(pkt, n);
				return;
			}
	reply("", 0);
}

/* Packets both modes serve alike (see kstub_internal.h). */
bool rsp_serve_common(char *pkt, size_t n)
{
	switch (pkt[0]) {
	case 'g':
		if (n == 1)
			handle_g();
		else
			reply_str(E_MALFORMED);
		break;
	case 'G':
		handle_G(pkt, n);
		break;
	case 'p':
		handle_p(pkt, n);
		break;
	case 'P':
		handle_P(pkt, n);
		break;
	case 'm':
	case 'x':
		handle_m(pkt, n);
		break;
	case 'M':
		handle_M(pkt, n, false);
		break;
	case 'X':
		handle_M(pkt, n, true);
		break;
	case 'Z':
	case 'z':
		handle_Z(pkt, n);
		break;
	case 'H': {
		char op;
		s64 tid;
		int cpu;
		if (rsp_parse_H(pkt, n, &op, &tid)) {
			reply_str(E_MALFORMED);
		} else if ((cpu = tid_to_cpu(tid)) < 0) {
			reply_str(E_SRCH);
		} else {
			if (op == 'g')
				ks.g_cpu = cpu;
			else
				ks.step_cpu = cpu;
			reply_str("OK");
		}
		break;
	}
	case 'T': {
		s64 tid;
		if (rsp_parse_T(pkt, n, &tid))
			reply_str(E_MALFORMED);
		else
			reply_str(tid_to_cpu(tid) >= 0 ? "OK" : E_SRCH);
		break;
	}
	case 'c': case 'C': case 's': case 'S': case 'D': case 'k': case '?':
		return false;
	case 'v':
		if (rsp_is(pkt, n, "vCont", ";") || rsp_is(pkt, n, "vStopped", ""))
			return false;
		dispatch(pkt, n);
		break;
	default:
		dispatch(pkt, n);
		break;
	}
	return true;
}

/* Serve one packet: -1 to go on, or how the session ends. */
static int serve(char *pkt, size_t n, bool was_attached)
{
	if (rsp_serve_common(pkt, n))
		return -1;
	switch (pkt[0]) {
	case '?':
		reply(ks.out, rsp_stop_reply(ks.out, RSP_PACKET_MAX));
		break;
	case 'c':
	case 'C':
	case 's':
	case 'S': {
		struct rsp_resume r;
		if (rsp_parse_resume(pkt, n, &r)) {
			reply_str(E_MALFORMED);
			break;
		}
		bool step = r.act == 's' || r.act == 'S';
		int cpu = step ? ks.step_cpu : ks.stop_cpu;
		if (!cpu_parked(cpu))
			cpu = ks.stop_cpu;
		if (r.has_addr)
			arch_regs_set_pc(ks.cpu[cpu].regs, r.addr);
		ks.step_cpu = cpu;
		return step ? END_STEP : END_CONTINUE;
	}
	case 'D':
		/*
		 * A D that opens a session is one gdb resent after
		 * detaching (our ack was later than remotetimeout):
		 * that gdb has its OK or has gone, and waiting for
		 * an ack would hold the kernel for every resend.
		 */
		if (was_attached)
			rsp_send_last(&ks.conn, "OK", 2);
		else
			rsp_send_noack(&ks.conn, "OK", 2);
		ks.attached = false;
		tp_detach();
		bp_clear_all();
		memset(ks.hw, 0, sizeof(ks.hw));
		ks.conn.no_ack = false;
		return END_DETACH;
	case 'k':
		port_reboot();
	case 'v':
		if (rsp_is(pkt, n, "vCont", ";")) {
			enum session_end e = resume_vcont(pkt, n);
			if ((int)e >= 0)
				return e;
			break;
		}
		reply("", 0);	/* vStopped outside non-stop mode */
		break;
	default:
		reply("", 0);
		break;
	}
	return -1;
}

enum session_end rsp_session(bool report_stop)
{
	/* A CPU still running may be printing on the link (console as O
	 * packets): no stop reply until every CPU parked. */
	if (ks.console_on_link)
		kstub_stop_finish();
	if (report_stop && ks.attached)
		reply(ks.out, rsp_stop_reply(ks.out, RSP_PACKET_MAX));
	kstub_stop_finish();
	ks.waits_stop = false;
	tp_session_begin();
	u64 last = ks.conn.clock ? ks.conn.clock() : 0;

	for (;;) {
		size_t n;
		int rc;
		if (ks.pending_n) {	/* read by the live server */
			n = ks.pending_n;
			ks.pending_n = 0;
			rc = RSP_OK;
		} else {
			rc = rsp_recv(&ks.conn, ks.pkt, &n, 0);
		}
		if (rc == RSP_INTERRUPT || rc == RSP_TIMEOUT)
			continue; /* already stopped */
		if (rc == RSP_TOO_LONG) {
			reply_str(E_MALFORMED);
			continue;
		}
		bool was_attached = ks.attached;
		ks.attached = true;
		/* A new gdb (the last one went without a D) starts with no
		 * trace frame selected. */
		if (!was_attached)
			tp_frame_select(-1, 0);
		struct rsp_served sv;
		rsp_served_begin(&sv, ks.pkt, n);
		int end = serve(ks.pkt, n, was_attached);
		u64 wait = rsp_served_end(&sv, &last);
		ks.stop_gdb_wait += wait;
		ks.stop_packets++;
		if (end >= 0)
			return (enum session_end)end;
	}
}

void rsp_served_begin(struct rsp_served *sv, const char *pkt, size_t n)
{
	sv->kn = MIN(n, sizeof(sv->kind) - 1);
	memcpy(sv->kind, pkt, sv->kn);
	ks.conn.t_frame = ks.conn.t_send = ks.conn.t_ack = 0;
	ks.conn.bytes_out = 0;
	sv->t0 = ks.conn.clock ? ks.conn.clock() : 0;
}

u64 rsp_served_end(struct rsp_served *sv, u64 *last)
{
	if (!ks.conn.clock)
		return 0;
	u64 t1 = ks.conn.clock();
	struct rsp_pkt_times t = {
		.wait = *last ? ks.conn.t_start - *last : 0,
		.recv = sv->t0 - ks.conn.t_start,
		.frame = ks.conn.t_frame,
		.send = ks.conn.t_send,
		.ack = ks.conn.t_ack,
		.in = ks.conn.bytes_in,
		.out = ks.conn.bytes_out,
	};
	u64 sends = t.frame + t.send + t.ack;
	t.handle = t1 - sv->t0 > sends ? t1 - sv->t0 - sends : 0;
	rsp_stats_packet(sv->kind, sv->kn, &t);
	*last = t1;
	return t.wait;
}
